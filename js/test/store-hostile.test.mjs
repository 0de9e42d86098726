// Hostile JavaScript values (issue 9, item 6) given to the store, the
// resolver and the outbox: throwing getters, Proxies whose traps throw,
// revoked Proxies. Each gives ERR_ARGUMENT naming the argument, never a
// raw Error; unknown option keys are refused.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ready, wp } from './helpers.mjs';
import { freshName, pointerFlood } from './flows.mjs';

const E = wp.ErrorCode;

before(ready);

function boom() {
  throw new Error('boom');
}

// Values that throw when read, each built around a base object. (A
// Proxy whose other traps throw, getPrototypeOf say, reads fine as an
// options object and is accepted.)
function hostile(base, { keys = true } = {}) {
  const revocable = Proxy.revocable({ ...base }, {});
  revocable.revoke();
  const getter = { ...base };
  for (const k of Object.keys(base).slice(0, 1)) Object.defineProperty(getter, k, { get: boom, enumerable: true });
  return {
    'a throwing getter': getter,
    ...(keys ? { 'a Proxy whose ownKeys trap throws': new Proxy({ ...base }, { ownKeys: boom }) } : {}),
    'a Proxy whose get trap throws': new Proxy({ ...base }, { get: boom }),
    'a revoked Proxy': revocable.proxy,
  };
}

async function refused(fn, name) {
  let threw;
  try {
    await fn();
  } catch (e) {
    threw = e;
  }
  assert.ok(threw, 'nothing was thrown');
  assert.ok(threw instanceof wp.WelcomePointersError, `a raw ${threw?.constructor?.name}: ${threw?.message}`);
  assert.equal(threw.code, E.ARGUMENT, threw.message);
  assert.match(threw.message, name);
}

describe('hostile values', () => {
  let store;
  let resolver;
  let received;
  let another;
  before(async () => {
    store = await wp.openPendingStore({ name: freshName('hostile') });
    resolver = wp.createResolver({ store, fetchFirstMessage: () => null });
    [received, another] = (await pointerFlood(2)).items.map((it) => it.received);
  });

  for (const [what, v] of Object.entries(hostile({ name: 'x', protector: undefined }))) {
    test(`openPendingStore(${what})`, () => refused(() => wp.openPendingStore(v), /openPendingStore: options/));
  }
  for (const [what, v] of Object.entries(hostile({ seal: () => {}, open: () => {} }, { keys: false }))) {
    test(`openPendingStore({ protector: ${what} })`, () => refused(() => wp.openPendingStore({ name: freshName(), protector: v }), /protector/));
  }
  for (const [what, v] of Object.entries(hostile({ fetchFirstMessage: () => null, store: null }))) {
    test(`createResolver(${what})`, () => refused(() => wp.createResolver(v), /createResolver: options/));
  }
  test('createResolver({ locks: a revoked Proxy })', async () => {
    const p = Proxy.revocable({}, {});
    p.revoke();
    await refused(() => wp.createResolver({ store, fetchFirstMessage: () => null, locks: p.proxy }), /locks/);
  });
  for (const method of ['resolvePointer', 'acceptPointer']) {
    for (const [what, v] of Object.entries(hostile({ kind: 'pointer', pointer: {} }))) {
      test(`resolver.${method}(${what})`, () => refused(() => resolver[method](v), /received/));
    }
    test(`resolver.${method}({ kind: 'pointer', pointer: a Proxy of the pointer })`, async () => {
      await refused(() => resolver[method]({ ...received, pointer: new Proxy(received.pointer, { get: boom }) }), /received\.pointer/);
      const bytes = new Proxy(received.pointer.bytes, {});
      await refused(() => resolver[method]({ ...received, pointer: { ...received.pointer, bytes } }), /received\.pointer\.bytes/);
    });
    for (const [what, v] of Object.entries(hostile({ welcomeTimeMs: 1 }))) {
      test(`resolver.${method}(pointer, ${what})`, () => refused(() => resolver[method](received, v), /options/));
    }
  }
  for (const [what, v] of Object.entries(hostile({ publish: () => null, store: null }))) {
    test(`createOutbox(${what})`, () => refused(() => wp.createOutbox(v), /createOutbox: options/));
  }
  for (const [what, v] of Object.entries(hostile({ messages: [] }))) {
    test(`outbox.enqueue(${what})`, () => refused(() => wp.createOutbox({ store, publish: () => null }).enqueue(v), /invite/));
  }
  test('outbox.enqueue({ messages: [a Proxy of a message] })', () =>
    refused(
      () => wp.createOutbox({ store, publish: () => null }).enqueue({ messages: [new Proxy({ message: new Uint8Array(3) }, { get: boom })] }),
      /invite\.messages\[0\]/,
    ));

  test('unknown option keys are refused', async () => {
    await refused(() => wp.openPendingStore({ nme: 'x' }), /unknown option "nme"/);
    await refused(() => wp.createResolver({ store, fetchFirstMessage: () => null, fetchTimeOut: 5 }), /unknown option "fetchTimeOut"/);
    await refused(() => resolver.resolvePointer(received, { welcomeTime: 1 }), /unknown option "welcomeTime"/);
    await refused(() => resolver.acceptPointer(received, { welcomeTime: 1 }), /unknown option "welcomeTime"/);
    await refused(() => wp.createOutbox({ store, publish: () => null, batchsize: 5 }), /unknown option "batchsize"/);
    await refused(() => resolver.start({ minInterval: 5 }), /unknown option "minInterval"/);
  });

  test('the resolver and the store still work afterwards', async () => {
    const before = await store.count();
    const out = await resolver.resolvePointer(another, { welcomeTimeMs: Date.now() });
    assert.equal(out.status, 'pending');
    assert.equal(await store.count(), before + 1);
  });
});
