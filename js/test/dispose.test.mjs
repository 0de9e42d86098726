// clearKeyCache() and dispose(): secrets the module keeps are released on
// request, and the module starts again afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeNetwork, fakeWelcome, makeRecipients, rejectsWith, throwsWith, wp } from './helpers.mjs';

const { ErrorCode: E } = wp;

async function roundTrip(recipients) {
  const invite = await wp.sealInvite(fakeWelcome(5000), 9, recipients.map((r) => r.installation));
  const net = new FakeNetwork();
  for (const m of invite.messages) net.publish(m.message);
  return { invite, net };
}

test('dispose before init does nothing', async () => {
  assert.deepEqual(await wp.dispose(), { memoryZeroed: 0 });
  throwsWith(() => wp.generateKey(), E.NOT_INITIALIZED);
});

test('clearKeyCache, then dispose with a seal in flight, then init again', async () => {
  await wp.init();
  const recipients = makeRecipients(3);
  const { net } = await roundTrip(recipients);
  const open = (r) => wp.openWelcome(net.messages(r.installationKey)[0], [r.key]);
  for (const r of recipients) assert.equal(open(r).kind, 'pointer');

  // The keys are loaded again after the cache is cleared.
  wp.clearKeyCache();
  wp.clearKeyCache();
  for (const r of recipients) assert.equal(open(r).kind, 'pointer');
  assert.equal(wp.loadKey(recipients[0].key.algorithm, recipients[0].key.privateKey).publicKey.length, 1216);

  // A seal in flight finishes; calls made after dispose() started throw.
  const sealing = wp.sealInvite(fakeWelcome(200_000), 1, recipients.map((r) => r.installation));
  const disposing = wp.dispose();
  throwsWith(() => wp.generateKey(), E.NOT_INITIALIZED);
  const invite = await sealing;
  assert.equal(invite.pointers, 3);
  const { memoryZeroed } = await disposing;
  assert.ok(memoryZeroed >= 1 << 20, `zeroed ${memoryZeroed} bytes`);
  assert.equal(wp.isInitialized(), false);
  assert.equal(globalThis[wp.NAMESPACE], undefined);
  throwsWith(() => wp.openWelcome(net.messages(recipients[0].installationKey)[0], [recipients[0].key]), E.NOT_INITIALIZED);
  throwsWith(() => wp.clearKeyCache(), E.NOT_INITIALIZED);
  await rejectsWith(() => wp.sealInvite(fakeWelcome(10), 1, []), E.NOT_INITIALIZED);
  assert.deepEqual(await wp.dispose(), { memoryZeroed: 0 });

  // A fresh instance opens what the old one sealed.
  await wp.init();
  assert.ok(wp.isInitialized());
  for (const r of recipients) assert.equal(open(r).kind, 'pointer');
  const net2 = new FakeNetwork();
  for (const m of invite.messages) net2.publish(m.message);
  const got = wp.openWelcome(net2.messages(recipients[1].installationKey)[0], [recipients[1].key]);
  assert.equal(got.kind, 'pointer');
  await wp.dispose();
});
