// Installations and keys cross into the module packed (src/packed.js),
// results come back packed: the same results as the module's object
// forms, each value of the caller read once, and what the packing would
// not take left to the module's own reading, which names it.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNetwork, fakeWelcome, makeRecipients, ready, rejectsWith, throwsWith, wp } from './helpers.mjs';
import { callGo, callGoAsync, moduleLimits } from '../src/module.js';
import { packRecords, readInstallations, readKeys, unpackInvite, unpackReceived } from '../src/packed.js';

const E = wp.ErrorCode;

before(() => ready());

// An object whose reads are counted.
function counted(o, reads) {
  return new Proxy(o, {
    get(t, k, r) {
      reads.set(k, (reads.get(k) ?? 0) + 1);
      return Reflect.get(t, k, r);
    },
  });
}

test('packed and object forms give the same invite and the same opened messages', async () => {
  const rs = makeRecipients(5, 3, { curve: true });
  const ins = rs.map((r) => r.installation);
  const read = readInstallations(ins, moduleLimits());
  assert.equal(read.fallback, undefined);
  assert.deepEqual(callGo('checkInvite', fakeWelcome(100), 1, packRecords(read.records)), callGo('checkInvite', fakeWelcome(100), 1, ins));
  const packed = unpackInvite(await callGoAsync('sealInvite', fakeWelcome(700), 42n, packRecords(read.records)));
  const plain = await callGoAsync('sealInvite', fakeWelcome(700), 42n, ins);
  // The same but for the random pointee destination.
  const shape = (inv) => ({ ...inv, destination: inv.destination?.length,
    messages: inv.messages.map((m) => [m.kind, m.kind === 'pointee' ? m.installationKey.length : wp.toHex(m.installationKey), m.message.length]) });
  assert.deepEqual(shape(packed), shape(plain));
  const net = new FakeNetwork();
  for (const m of packed.messages) net.publish(m.message);
  for (const r of rs) {
    const msg = net.messages(r.installationKey)[0];
    const keys = [wp.generateKey(), r.key];
    const k = readKeys(keys, moduleLimits());
    assert.deepEqual(unpackReceived(callGo('openWelcome', msg, k.packed)), callGo('openWelcome', msg, keys));
    assert.deepEqual(wp.openWelcome(msg, keys), callGo('openWelcome', msg, keys));
  }
});

test('each value is read once, and nothing after the first one the module refuses', async () => {
  const rs = makeRecipients(4);
  const reads = rs.map(() => new Map());
  const ins = rs.map((r, i) => counted({ ...r.installation }, reads[i]));
  await wp.sealInvite(fakeWelcome(100), 1, ins);
  for (const m of reads) {
    for (const k of ['installationKey', 'wrapperPublicKey', 'wrapperAlgorithm', 'pointeeAeadTypes']) assert.equal(m.get(k), 1, k);
  }
  // The second installation's key is a string: the module says so, and
  // the third and fourth are not read at all.
  const later = rs.map(() => new Map());
  const bad = rs.map((r, i) => counted({ ...r.installation, ...(i === 1 ? { wrapperPublicKey: 'key' } : {}) }, later[i]));
  await rejectsWith(() => wp.sealInvite(fakeWelcome(100), 1, bad), E.ARGUMENT, /installations\[1\]\.wrapperPublicKey must be a Uint8Array, got string/);
  assert.equal(later[0].get('pointeeAeadTypes'), 1);
  assert.equal(later[1].get('wrapperPublicKey'), 1);
  assert.equal(later[1].get('wrapperAlgorithm'), undefined);
  assert.equal(later[2].size, 0);
  assert.equal(later[3].size, 0);
  // A getter that throws is named as the module names it.
  const throwing = rs.map((r) => r.installation);
  throwing[2] = Object.defineProperty({ ...throwing[2] }, 'wrapperAlgorithm', { get() { throw new Error('no'); }, enumerable: true });
  await rejectsWith(() => wp.sealInvite(fakeWelcome(100), 1, throwing), E.ARGUMENT, /reading installations\[2\]\.wrapperAlgorithm threw/);
  // Keys likewise.
  const keyReads = new Map();
  throwsWith(() => wp.openWelcome(Uint8Array.of(0x0a, 0x00), [counted({ ...rs[0].key }, keyReads)]), E.UNSUPPORTED);
  assert.equal(keyReads.get('privateKey'), 1);
});

test('what the packing would not take, the module refuses with its own words', async () => {
  const rs = makeRecipients(3);
  const ins = () => rs.map((r) => ({ ...r.installation }));
  const limits = moduleLimits();
  for (const [edit, code, message] of [
    [(a) => { a[1].installationKey = new Uint8Array(limits.installationKey + 1); }, E.TOO_LARGE, /installations\[1\]\.installationKey/],
    [(a) => { a[0].wrapperAlgorithm = 1.5; }, E.ARGUMENT, /installations\[0\]\.wrapperAlgorithm must be an integer/],
    [(a) => { a[0].wrapperAlgorithm = -1; }, E.ARGUMENT, /installations\[0\]\.wrapperAlgorithm must be between/],
    [(a) => { a[2].pointeeAeadTypes = [3, 'x']; }, E.ARGUMENT, /installations\[2\]\.pointeeAeadTypes\[1\] must be a number/],
    [(a) => { a[2].pointeeAeadTypes = 'x'; }, E.ARGUMENT, /installations\[2\]\.pointeeAeadTypes must be an array/],
    [(a) => { a[1] = null; }, E.ARGUMENT, /installations\[1\] must be an object/],
    [(a) => { a[1].wrapperPublicKey = new Uint8Array(new SharedArrayBuffer(1216)); }, E.ARGUMENT, /SharedArrayBuffer/],
    [(a) => { const d = new Uint8Array(8); structuredClone(d.buffer, { transfer: [d.buffer] }); a[1].installationKey = d; }, E.ARGUMENT, /detached/],
  ]) {
    const a = ins();
    edit(a);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(100), 1, a), code, message);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(100), 1, a, { workers: 2 }), code, message);
  }
  await rejectsWith(() => wp.sealInvite(fakeWelcome(100), 1, 'installations'), E.ARGUMENT, /installations must be an array/);
  const revoked = Proxy.revocable([], {});
  revoked.revoke();
  throwsWith(() => wp.openWelcome(fakeWelcome(10), revoked.proxy), E.ARGUMENT, /keys/);
  // A packed argument the module cannot read is refused, never trusted.
  for (const bad of [Uint8Array.of(1), Uint8Array.of(1, 0, 0, 0), Uint8Array.of(0xff, 0xff, 0xff, 0xff), Uint8Array.of(0, 0, 0, 0, 9)]) {
    await rejectsWith(() => callGoAsync('sealInvite', fakeWelcome(100), 1, bad), E.ARGUMENT, /installations/);
  }
  for (const bad of [Uint8Array.of(1), Uint8Array.of(1, 0), Uint8Array.of(0xff, 0xff), Uint8Array.of(0, 0, 9), Uint8Array.of(1, 0, 2, 0, 0, 0, 40, 0)]) {
    throwsWith(() => callGo('openWelcome', fakeWelcome(10), bad), E.ARGUMENT, /keys/);
  }
});
