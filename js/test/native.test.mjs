// Node 20's WebCrypto has X25519 but neither ML-KEM nor X-Wing
// (encapsulateBits), nor ChaCha20-Poly1305: the native path is not taken,
// everything runs in the module, and the options that ask for WebCrypto
// say why not. (test/chromium/ tests the native path itself.)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNetwork, fakeWelcome, makeRecipients, ready, rejectsWith, wp } from './helpers.mjs';

const E = wp.ErrorCode;

before(() => ready());

test("Node's WebCrypto has no X-Wing and no ChaCha20-Poly1305: the WebAssembly path, and why", async () => {
  assert.equal(typeof globalThis.crypto.subtle.encapsulateBits, 'undefined');
  const s = await wp.webCryptoSupport();
  assert.equal(s.kem, false);
  assert.equal(s.aead, false);
  assert.match(s.reason, /^X-Wing: WebCrypto has no KEM operations \(encapsulateBits, decapsulateBits, getPublicKey\); ChaCha20-Poly1305: WebCrypto has no ChaCha20-Poly1305 \(.+\)$/);
});

test('webCrypto: auto and never seal and open; require is ERR_UNSUPPORTED', async () => {
  const rs = makeRecipients(5, 4);
  const ins = rs.map((r) => r.installation);
  const welcome = fakeWelcome(900);
  for (const webCrypto of [undefined, 'auto', 'never']) {
    const invite = await wp.sealInvite(welcome, 3n, ins, { webCrypto });
    assert.equal(invite.pointers, 4);
    const net = new FakeNetwork();
    for (const m of invite.messages) net.publish(m.message);
    for (const r of rs) {
      const msg = net.messages(r.installationKey)[0];
      const got = await wp.openWelcomeAsync(msg, [wp.generateKey(), r.key], { webCrypto });
      assert.deepEqual(got, wp.openWelcome(msg, [wp.generateKey(), r.key]));
      if (got.kind === 'pointer') {
        const pointee = net.messages(got.pointer.topic)[0];
        assert.deepEqual(await wp.openPointeeAsync(got.pointer, pointee, { webCrypto }), wp.openPointee(got.pointer, pointee));
      }
    }
  }
  await rejectsWith(() => wp.sealInvite(welcome, 3n, ins, { webCrypto: 'require' }), E.UNSUPPORTED, /no usable WebCrypto X-Wing: WebCrypto has no KEM operations/);
  await rejectsWith(() => wp.sealInvite(welcome, 3n, ins, { webCrypto: 'require', workers: 2 }), E.UNSUPPORTED);
  // Checked once the message is found to be for an X-Wing key: bad
  // arguments are reported first, as everywhere.
  const invite = await wp.sealInvite(welcome, 3n, ins);
  await rejectsWith(() => wp.openWelcomeAsync(invite.messages[1].message, [rs[0].key], { form: 'input', webCrypto: 'require' }), E.UNSUPPORTED);
  for (const webCrypto of ['native', '', 1, null, 'webcrypto']) {
    await rejectsWith(() => wp.sealInvite(welcome, 3n, ins, { webCrypto }), E.ARGUMENT, /options\.webCrypto/);
    await rejectsWith(() => wp.openWelcomeAsync(fakeWelcome(10), [rs[0].key], { webCrypto }), E.ARGUMENT, /options\.webCrypto/);
    await rejectsWith(() => wp.openPointeeAsync(fakeWelcome(10), fakeWelcome(10), { webCrypto }), E.ARGUMENT, /options\.webCrypto/);
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
