// Interop with an independent X-Wing HPKE: @hpke/core with
// @hpke/hybridkem-x-wing (draft 06, KEM id 0x647a) and
// @hpke/chacha20poly1305. The pointee side is checked with node:crypto's
// ChaCha20-Poly1305, and the protobuf/TLS framing with the hand-written
// codec in helpers.mjs, so nothing on the other side shares code with us.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CipherSuite, HkdfSha256 } from '@hpke/core';
import { Chacha20Poly1305 } from '@hpke/chacha20poly1305';
import { XWing } from '@hpke/hybridkem-x-wing';
import {
  fakeWelcome,
  hpkeCiphertext,
  makeRecipients,
  parseHpkeCiphertext,
  pb,
  pbDecode,
  ready,
  welcomeMessagePointer,
  welcomeMessageV1,
  welcomePointerPlain,
  wp,
} from './helpers.mjs';

// info = TLS { opaque label<V> = "MLS 1.0 MLS_WELCOME"; opaque context<V> = "" } (spec section 2).
const INFO = Uint8Array.from([0x13, ...new TextEncoder().encode('MLS 1.0 MLS_WELCOME'), 0x00]);

const suite = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });

before(ready);

function chachaOpen(key, nonce, sealed) {
  const d = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return new Uint8Array(Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]));
}

function chachaSeal(key, nonce, plain) {
  const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  return new Uint8Array(Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]));
}

/** The sealed pointer inside an encoded WelcomeMessageInput.WelcomePointer. */
function sealedPointerOf(input) {
  const outer = pbDecode(input);
  const ptr = pbDecode(outer.get(2)[0]);
  assert.equal(ptr.get(4)[0], 2n, 'wrapper_algorithm is X-Wing');
  return ptr.get(2)[0];
}

async function openWithHpke(seed, sealed) {
  const { kemOutput, ciphertext } = parseHpkeCiphertext(sealed);
  assert.equal(kemOutput.length, 1120);
  assert.deepEqual([...sealed.subarray(0, 2)], [0x44, 0x60]);
  const recipientKey = await suite.kem.importKey('raw', seed.slice(), false);
  const ctx = await suite.createRecipientContext({ recipientKey, enc: kemOutput.slice().buffer, info: INFO });
  return new Uint8Array(await ctx.open(ciphertext.slice().buffer));
}

test('a pointer sealed by the module with KEM id 0x647a opens in @hpke', async () => {
  const recipients = makeRecipients(3);
  const welcome = fakeWelcome(3000);
  const invite = await wp.sealInvite(
    welcome,
    31337n,
    recipients.map((r) => r.installation),
    { kemId: wp.KemId.XWING },
  );
  const pointee = invite.messages[0].message;
  for (const [i, r] of recipients.entries()) {
    const plain = await openWithHpke(r.key.privateKey, sealedPointerOf(invite.messages[i + 1].message));
    // Take the WelcomePointer apart by hand.
    const v1 = pbDecode(pbDecode(plain).get(1)[0]);
    const destination = v1.get(1)[0];
    assert.equal(v1.get(2)[0], 3n, 'CHACHA20_POLY1305');
    const key = v1.get(3)[0];
    const dataNonce = v1.get(4)[0];
    const metadataNonce = v1.get(5)[0];
    assert.deepEqual(destination, invite.destination);
    assert.equal(key.length, 32);
    assert.notDeepEqual(dataNonce, metadataNonce);
    // ... and open the pointee with node:crypto.
    const pv1 = pbDecode(pbDecode(pointee).get(1)[0]);
    assert.deepEqual(pv1.get(1)[0], destination);
    assert.deepEqual(chachaOpen(key, dataNonce, pv1.get(2)[0]), welcome);
    const md = pbDecode(chachaOpen(key, metadataNonce, pv1.get(7)[0]));
    assert.equal(md.get(1)[0], 31337n);
  }
});

test('the deployed suite id (0x004D) is not the registered one: @hpke cannot open it', async () => {
  const recipients = makeRecipients(3);
  const invite = await wp.sealInvite(
    fakeWelcome(100),
    1,
    recipients.map((r) => r.installation),
  );
  await assert.rejects(() => openWithHpke(recipients[0].key.privateKey, sealedPointerOf(invite.messages[1].message)));
});

test('a pointer sealed by @hpke opens in the module, and so does its pointee', async () => {
  const key = wp.generateKey(wp.Algorithm.XWING);
  // Everything on the sender side is built here, independently.
  const destination = new Uint8Array(randomBytes(32));
  const pointeeKey = new Uint8Array(randomBytes(32));
  const dataNonce = new Uint8Array(randomBytes(12));
  const metadataNonce = new Uint8Array(randomBytes(12));
  const plain = welcomePointerPlain({ destination, key: pointeeKey, dataNonce, metadataNonce });
  const recipientPublicKey = await suite.kem.importKey('raw', key.publicKey.slice(), true);
  const sender = await suite.createSenderContext({ recipientPublicKey, info: INFO });
  const ct = new Uint8Array(await sender.seal(plain.slice().buffer));
  const sealed = hpkeCiphertext(new Uint8Array(sender.enc), ct);
  const installationKey = new Uint8Array(randomBytes(32));
  const message = welcomeMessagePointer({
    id: 77,
    createdNs: 1_700_000_000_000_000_000n,
    installationKey,
    welcomePointer: sealed,
    hpkePublicKey: key.publicKey,
  });

  const got = wp.openWelcome(message, [key]);
  assert.equal(got.kind, 'pointer');
  assert.equal(got.kemId, 0x647a);
  assert.equal(got.id, 77n);
  assert.deepEqual(got.installationKey, installationKey);
  assert.equal(got.pointer.destination, wp.toHex(destination));
  assert.deepEqual(got.pointer.bytes, plain);

  const welcome = fakeWelcome(5000);
  const pointee = welcomeMessageV1({
    installationKey: destination,
    data: chachaSeal(pointeeKey, dataNonce, welcome),
    wrapperAlgorithm: 3,
    welcomeMetadata: chachaSeal(pointeeKey, metadataNonce, pb.varint(1, 99n)),
  });
  const opened = wp.openPointee(got.pointer, pointee);
  assert.deepEqual(opened.welcome, welcome);
  assert.equal(opened.cursor, 99n);

  // Cursor 0: the metadata plaintext is empty, the field a bare tag.
  const zero = welcomeMessageV1({
    installationKey: destination,
    data: chachaSeal(pointeeKey, dataNonce, welcome),
    wrapperAlgorithm: 3,
    welcomeMetadata: chachaSeal(pointeeKey, metadataNonce, new Uint8Array()),
  });
  const o0 = wp.openPointee(got.pointer, zero);
  assert.equal(o0.cursor, 0n);
  assert.equal(o0.hasCursor, false);
});

test('a direct welcome sealed by @hpke (0x647a) opens in the module', async () => {
  const key = wp.generateKey(wp.Algorithm.XWING);
  const welcome = fakeWelcome(700);
  const recipientPublicKey = await suite.kem.importKey('raw', key.publicKey.slice(), true);
  const sender = await suite.createSenderContext({ recipientPublicKey, info: INFO });
  const data = hpkeCiphertext(new Uint8Array(sender.enc), new Uint8Array(await sender.seal(welcome.slice().buffer)));
  const metadata = new Uint8Array(await sender.seal(pb.varint(1, 5n).slice().buffer)); // seal #1
  const message = welcomeMessageV1({
    installationKey: Uint8Array.of(1),
    data,
    hpkePublicKey: key.publicKey,
    wrapperAlgorithm: 2,
    welcomeMetadata: metadata,
  });
  const got = wp.openWelcome(message, [key]);
  assert.equal(got.kind, 'direct');
  assert.equal(got.kemId, 0x647a);
  assert.deepEqual(got.welcome, welcome);
  assert.equal(got.cursor, 5n);
});
