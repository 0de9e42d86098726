// The extension's service worker: it owns this installation's key and the
// pending pointers, and runs the resolver. The browser stops it when idle
// and starts it again for the next event; everything it needs is in
// IndexedDB, so nothing is lost in between: each start resolves what is
// due, and an alarm wakes it while pointers are pending.
//
// No bundler: the package is copied into vendor/ (see README.md) and
// imported by path; idb likewise, passed as openDB, since a service worker
// may not import() anything.
import * as wp from './vendor/welcome-pointers/src/index.js';
import { openDB } from './vendor/idb/build/index.js';
import * as relay from './relay.js';

// Listeners are added synchronously, at the top level, as the browser
// requires of an extension's service worker.
chrome.runtime.onMessage.addListener((request, _sender, sendResponse) => {
  handle(request).then(sendResponse, (e) => sendResponse({ error: { code: e.code ?? null, message: e.message } }));
  return true; // the answer comes asynchronously
});
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) void resolveDue();
});

const ALARM = 'resolve-pending-pointers';
const startedAt = Date.now(); // tells one run of this worker from the next

// The example retries a pending pointer after 2 s, to be watched in the
// popup; a real extension keeps the deployed schedule (no `policy`).
const POLICY = { firstRetryMs: 2000, quick: { attempts: 2 } };

let ready = null;
function start() {
  ready ??= (async () => {
    await wp.init();
    const store = await wp.openPendingStore({ openDB });
    const resolver = wp.createResolver({
      store,
      policy: POLICY,
      fetchFirstMessage: relay.fetchFirstMessage,
      onWelcome: keepWelcome,
      onDropped: (d) => console.warn('welcome-pointers example: dropped', d.code, d.id),
    });
    return { store, resolver };
  })();
  ready.catch(() => {
    ready = null;
  });
  return ready;
}

// The app's own data: this installation's key and the welcomes it got.
const appDB = () => openDB('example-app', 1, {
  upgrade(d) {
    d.createObjectStore('state');
    d.createObjectStore('welcomes', { autoIncrement: true });
  },
});

async function myInstallation() {
  const d = await appDB();
  let me = await d.get('state', 'installation');
  if (!me) {
    const key = wp.generateKey();
    me = { key: { algorithm: key.algorithm, privateKey: key.privateKey }, installationKey: crypto.getRandomValues(new Uint8Array(32)), seen: 0 };
    await d.put('state', me, 'installation');
  }
  d.close();
  const key = wp.loadKey(me.key.algorithm, me.key.privateKey);
  return { ...me, key };
}

async function keepWelcome(w) {
  const d = await appDB();
  await d.add('welcomes', { pointerId: w.pointerId, welcome: w.welcome, cursor: String(w.cursor), atMs: Date.now() });
  d.close();
}

async function resolveDue() {
  const { store, resolver } = await start();
  const report = await resolver.resolveDue();
  const next = await store.nextDueMs();
  if (next === null) await chrome.alarms.clear(ALARM);
  else await chrome.alarms.create(ALARM, { when: Math.max(next, Date.now() + 30_000) });
  return { resolved: report.resolved.length, pending: report.pending, failed: report.failed.length, dropped: report.dropped.length };
}

async function handle(request) {
  const { resolver, store } = await start();
  switch (request?.type) {
    case 'installation': {
      // What a sender needs to invite this installation (its key package's fields).
      const me = await myInstallation();
      return {
        installationKey: wp.toHex(me.installationKey),
        wrapperEncryption: wp.toHex(wp.encodeWrapperEncryption(me.key.publicKey)),
        pointeeAeadTypes: wp.toHex(wp.encodePointeeAeadTypes()),
      };
    }
    case 'receive': {
      // New messages for this installation: open them; a pointer whose
      // pointee is not there yet is kept pending in IndexedDB.
      const me = await myInstallation();
      const news = await relay.messagesAfter(me.installationKey, me.seen);
      const outcomes = [];
      for (const { seq, message } of news) {
        const r = wp.openWelcome(message, [me.key]);
        if (r.kind === 'direct') {
          await keepWelcome({ pointerId: null, welcome: r.welcome, cursor: r.cursor });
          outcomes.push('direct');
        } else {
          outcomes.push((await resolver.resolvePointer(r)).status);
        }
        const d = await appDB();
        await d.put('state', { ...(await d.get('state', 'installation')), seen: seq }, 'installation');
        d.close();
      }
      await resolveDue(); // sets the alarm when something is pending
      return { outcomes };
    }
    case 'resolveDue':
      return resolveDue();
    case 'status': {
      const d = await appDB();
      const welcomes = await d.getAll('welcomes');
      d.close();
      const { records } = await store.list();
      return {
        startedAt,
        pending: records.map((r) => r.id),
        welcomes: welcomes.map((w) => ({ pointerId: w.pointerId, text: new TextDecoder().decode(w.welcome), cursor: w.cursor })),
      };
    }
    case 'sealHere': {
      // Sealing in the service worker: it cannot start workers, so
      // sealInvite({ workers }) seals on this thread and says so.
      const invite = await wp.sealInvite(new TextEncoder().encode('sealed in the service worker'), 1n,
        Array.from({ length: 40 }, (_, i) => wp.installationFromExtensions({
          installationKey: new Uint8Array([0xb0, i]),
          wrapperEncryption: wp.encodeWrapperEncryption(wp.generateKey().publicKey),
          pointeeAeadTypes: wp.encodePointeeAeadTypes(),
        })), { workers: 2 });
      return { messages: invite.messages.length, parallel: invite.parallel };
    }
    default:
      throw new Error(`unknown request ${JSON.stringify(request?.type)}`);
  }
}

// Each start of the worker resolves what became due while it was stopped.
start().then(() => resolveDue()).catch((e) => console.error('welcome-pointers example:', e));
