// The popup, a window of the extension: it plays the sender, sealing an
// invite for 40 installations (this one among them) in Web Workers, and
// shows what the service worker holds. The service worker receives.
import * as wp from './vendor/welcome-pointers/src/index.js';
import * as relay from './relay.js';

const $ = (id) => document.getElementById(id);
const ask = async (type) => {
  const answer = await chrome.runtime.sendMessage({ type });
  if (answer?.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer;
};

/** Seals an invite for this installation and 39 others and publishes it; with late, the pointee is held back. */
async function sendInvite({ late }) {
  const me = await ask('installation');
  const others = Array.from({ length: 39 }, (_, i) => wp.installationFromExtensions({
    installationKey: new Uint8Array([0xc0, i]),
    wrapperEncryption: wp.encodeWrapperEncryption(wp.generateKey().publicKey),
    pointeeAeadTypes: wp.encodePointeeAeadTypes(),
  }));
  const mine = wp.installationFromExtensions({
    installationKey: wp.fromHex(me.installationKey),
    wrapperEncryption: wp.fromHex(me.wrapperEncryption),
    pointeeAeadTypes: wp.fromHex(me.pointeeAeadTypes),
  });
  const welcome = new TextEncoder().encode(`welcome #${Date.now()}`);
  const invite = await wp.sealInvite(welcome, 42n, [...others, mine], { workers: 'auto' });
  const [pointee, ...rest] = invite.messages.map((m) => m.message);
  if (late) await relay.hold([pointee]);
  else await relay.publish([pointee]);
  await relay.publish(rest);
  const received = await ask('receive');
  await refresh();
  return { parallel: invite.parallel, outcomes: received.outcomes, welcome: new TextDecoder().decode(welcome) };
}

async function publishPointee() {
  const n = await relay.publishHeld();
  const report = await ask('resolveDue');
  await refresh();
  return { published: n, ...report };
}

async function refresh() {
  const s = await ask('status');
  $('pending').replaceChildren(...s.pending.map((id) => Object.assign(document.createElement('li'), { textContent: id.slice(0, 16) })));
  $('welcomes').replaceChildren(...s.welcomes.map((w) => Object.assign(document.createElement('li'), { textContent: `${w.text} (cursor ${w.cursor})` })));
  return s;
}

async function run(f) {
  $('error').textContent = '';
  try {
    return await f();
  } catch (e) {
    $('error').textContent = `${e.code ?? ''} ${e.message}`;
    throw e;
  }
}

// The buttons, and the same actions for the browser test.
window.example = {
  sendInvite: (o) => run(() => sendInvite(o)),
  publishPointee: () => run(publishPointee),
  status: () => run(refresh),
  resolveDue: () => run(async () => {
    const report = await ask('resolveDue');
    await refresh();
    return report;
  }),
  sealInServiceWorker: () => run(() => ask('sealHere')),
};
$('send').onclick = () => window.example.sendInvite({ late: $('late').checked });
$('publish').onclick = () => window.example.publishPointee();

await run(async () => {
  await wp.init();
  const me = await ask('installation');
  $('me').textContent = `This installation: ${me.installationKey.slice(0, 16)}…`;
  await refresh();
  $('send').disabled = false;
  $('publish').disabled = false;
  window.example.ready = true;
});
