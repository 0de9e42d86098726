// Node 20's WebCrypto has X25519 but neither ML-KEM nor X-Wing
// (encapsulateBits), nor ChaCha20-Poly1305: the native KEM path is not
// taken, everything runs in the module, and the options that ask for
// WebCrypto say why not. (test/chromium/ tests the native path itself.)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNetwork, fakeWelcome, makeRecipients, ready, rejectsWith, wp } from './helpers.mjs';

const E = wp.ErrorCode;

before(() => ready());

test("Node's WebCrypto has no X-Wing: the WebAssembly path, and why", async () => {
  assert.equal(typeof globalThis.crypto.subtle.encapsulateBits, 'undefined');
  assert.deepEqual(await wp.kemPath(), {
    path: 'webassembly',
    reason: 'WebCrypto has no KEM operations (encapsulateBits, decapsulateBits, getPublicKey)',
  });
});

test('kem: auto and webassembly seal and open; webcrypto is ERR_UNSUPPORTED', async () => {
  const rs = makeRecipients(5, 4);
  const ins = rs.map((r) => r.installation);
  const welcome = fakeWelcome(900);
  for (const kem of [undefined, 'auto', 'webassembly']) {
    const invite = await wp.sealInvite(welcome, 3n, ins, { kem });
    assert.equal(invite.pointers, 4);
    const net = new FakeNetwork();
    for (const m of invite.messages) net.publish(m.message);
    for (const r of rs) {
      const msg = net.messages(r.installationKey)[0];
      const got = await wp.openWelcomeAsync(msg, [wp.generateKey(), r.key], { kem });
      assert.deepEqual(got, wp.openWelcome(msg, [wp.generateKey(), r.key]));
    }
  }
  await rejectsWith(() => wp.sealInvite(welcome, 3n, ins, { kem: 'webcrypto' }), E.UNSUPPORTED, /no usable WebCrypto X-Wing: WebCrypto has no KEM operations/);
  await rejectsWith(() => wp.sealInvite(welcome, 3n, ins, { kem: 'webcrypto', workers: 2 }), E.UNSUPPORTED);
  // Checked once the message is found to be for an X-Wing key: bad
  // arguments are reported first, as everywhere.
  const invite = await wp.sealInvite(welcome, 3n, ins);
  await rejectsWith(() => wp.openWelcomeAsync(invite.messages[1].message, [rs[0].key], { form: 'input', kem: 'webcrypto' }), E.UNSUPPORTED);
  for (const kem of ['native', '', 1, null]) {
    await rejectsWith(() => wp.sealInvite(welcome, 3n, ins, { kem }), E.ARGUMENT, /options\.kem/);
    await rejectsWith(() => wp.openWelcomeAsync(fakeWelcome(10), [rs[0].key], { kem }), E.ARGUMENT, /options\.kem/);
  }
});

test('openWelcomeAsync gives openWelcome its errors', async () => {
  const rs = makeRecipients(3);
  const invite = await wp.sealInvite(fakeWelcome(100), 1n, rs.map((r) => r.installation));
  const msg = new FakeNetwork().publish(invite.messages[1].message);
  for (const [m, keys, opts] of [
    [Uint8Array.of(0xff), [rs[0].key]],
    [invite.messages[1].message, [rs[0].key]],
    [msg, [rs[1].key]],
    [msg, 'keys'],
    [msg, [{ algorithm: 2, privateKey: new Uint8Array(3) }]],
    ['message', [rs[0].key]],
    [msg, [rs[0].key], { form: 'other' }],
  ]) {
    let want;
    try {
      wp.openWelcome(m, keys, opts);
    } catch (e) {
      want = e;
    }
    assert.ok(want);
    await rejectsWith(() => wp.openWelcomeAsync(m, keys, opts), want.code, new RegExp(want.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  }
});
