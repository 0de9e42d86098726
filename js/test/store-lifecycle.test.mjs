// The store's life beside other tabs (issue measurements 2 and 6):
// another tab deletes or upgrades the database, a transaction aborts,
// other tabs' changes are announced; no permanently failing handle and
// no unhandled rejection.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDB, deleteDB } from 'idb';
import { ready, rejectsWith, wp } from './helpers.mjs';
import { T0, faultyOpenDB, freshName, manualClock, pointerFlood, unhandledDuring } from './flows.mjs';

const E = wp.ErrorCode;

before(ready);

const nextTurn = () => new Promise((r) => setTimeout(r, 10));

async function waitFor(cond, what) {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('another tab and the database', () => {
  test('another tab deletes the database: the store reopens instead of failing forever', async () => {
    const name = freshName('deleted');
    const clock = manualClock();
    const f = await pointerFlood(2);
    const store = await wp.openPendingStore({ name });
    const events = [];
    store.subscribe?.((e) => events.push(e.type));
    const delivered = [];
    const r = wp.createResolver({
      store,
      fetchFirstMessage: f.network.fetchFirst,
      onWelcome: (w) => {
        delivered.push(w);
      },
      now: clock.now,
      sleep: clock.sleep,
    });
    assert.equal((await r.resolvePointer(f.items[0].received)).status, 'pending');

    // Another tab (here: another connection) deletes the database, for
    // example at logout. This store lets it, and keeps working.
    await deleteDB(name);
    assert.deepEqual((await store.list()).records, []);
    f.release(1);
    assert.equal((await r.resolvePointer(f.items[1].received)).status, 'resolved');
    assert.equal(delivered.length, 1);
    await r.resolveDue();
    assert.ok(events.includes('deleted'), `events: ${events}`);
    assert.ok(events.includes('reopened'), `events: ${events}`);
    store.close();
  });

  test('another tab opens a newer version: ERR_CLOSED and onClose, never a permanent ERR_STORE', async () => {
    const name = freshName('newer');
    const plain = await wp.openPendingStore({ name });
    let upgraded = await openDB(name, 99, { upgrade() {} });
    upgraded.close();
    await rejectsWith(() => plain.list(), E.CLOSED, /newer version/);
    await rejectsWith(() => plain.list(), E.CLOSED);

    const name2 = freshName('newer');
    const closes = [];
    const store = await wp.openPendingStore({ name: name2, onClose: (e) => closes.push(e) });
    upgraded = await openDB(name2, 99, { upgrade() {} });
    upgraded.close();
    await rejectsWith(() => store.count(), E.CLOSED, /newer version/);
    assert.equal(closes.length, 1);
    assert.equal(closes[0].code, E.CLOSED);
    assert.equal(store.closed, true);
  });

  test('changes made in another tab are announced (BroadcastChannel)', async () => {
    const name = freshName('channel');
    const clock = manualClock();
    const f = await pointerFlood(1);
    const tabA = await wp.openPendingStore({ name });
    const tabB = await wp.openPendingStore({ name });
    const seenByB = [];
    tabB.subscribe((e) => seenByB.push(e));
    const r = wp.createResolver({ store: tabA, fetchFirstMessage: f.network.fetchFirst, onWelcome: () => {}, now: clock.now, sleep: clock.sleep });
    const out = await r.resolvePointer(f.items[0].received);
    await waitFor(() => seenByB.some((e) => e.type === 'added' && e.id === out.id), 'the added event');
    f.releaseAll();
    clock.t = out.nextAttemptMs;
    await r.resolveDue();
    await waitFor(() => seenByB.some((e) => e.type === 'settled' && e.id === out.id), 'the settled event');
    const settled = seenByB.find((e) => e.type === 'settled');
    assert.equal(settled.remote, true);
    assert.equal(settled.outcome, 'resolved');
    tabA.close();
    tabB.close();
  });
});

describe('aborted transactions', () => {
  const cases = [
    [
      'store.add (through resolvePointer)',
      (stores, mode) => mode === 'readwrite' && stores.length === 2,
      async (s) => {
        await rejectsWith(() => s.resolver.resolvePointer(s.f.items[0].received), E.STORE);
      },
    ],
    [
      'store.update',
      (stores, mode) => mode === 'readwrite' && stores.length === 1 && stores[0] === 'pending',
      async (s) => {
        await rejectsWith(() => s.store.update(s.id, { attempts: 1, nextAttemptMs: T0, lastAttemptMs: T0, lastError: null }), E.STORE);
      },
    ],
    [
      'store.settle',
      (stores, mode) => mode === 'readwrite' && stores.includes('settled'),
      async (s) => {
        await rejectsWith(() => s.store.settle(s.id, 'dropped', E.EXPIRED, T0), E.STORE);
      },
    ],
    [
      'store.clear',
      (stores, mode) => mode === 'readwrite' && stores.length > 2,
      async (s) => {
        await rejectsWith(() => s.store.clear(), E.STORE);
      },
    ],
  ];
  for (const [what, when, run] of cases) {
    test(`${what}: ERR_STORE, and no unhandled rejection`, async () => {
      const clock = manualClock();
      const f = await pointerFlood(1);
      const fault = { count: 0, when };
      const store = await wp.openPendingStore({ name: freshName('abort'), openDB: faultyOpenDB(fault) });
      const resolver = wp.createResolver({ store, fetchFirstMessage: () => null, now: clock.now, sleep: clock.sleep });
      let id = f.items[0].id;
      if (!what.startsWith('store.add')) {
        id = (await resolver.resolvePointer(f.items[0].received)).id;
      }
      const unhandled = await unhandledDuring(async () => {
        fault.count = 1;
        await run({ store, resolver, f, id });
        await nextTurn();
      });
      assert.equal(fault.hits, 1);
      assert.deepEqual(unhandled.map(String), []);
      // The store still works after the failure.
      fault.count = 0;
      assert.ok(Array.isArray((await store.list()).records));
      store.close();
    });
  }

  test('a corrupt record and a throwing fetch in the quick phase: reported, nothing unhandled', async () => {
    const clock = manualClock();
    const f = await pointerFlood(1);
    const name = freshName('faults');
    const store = await wp.openPendingStore({ name });
    const errors = [];
    const unhandled = await unhandledDuring(async () => {
      const r = wp.createResolver({
        store,
        fetchFirstMessage: () => {
          throw new Error('network down');
        },
        onError: (e) => errors.push(e),
        now: clock.now,
        sleep: clock.sleep,
      });
      assert.equal((await r.acceptPointer(f.items[0].received)).status, 'accepted');
      await r.whenIdle();
      const db = await openDB(name);
      await db.put('pending', { id: 'f'.repeat(64), v: 2, nextAttemptMs: 0 });
      db.close();
      clock.t += 60 * 60_000;
      const report = await r.resolveDue();
      assert.equal(report.quarantined.length, 1);
      assert.equal(report.failed[0].code, E.FETCH);
    });
    assert.deepEqual(unhandled.map(String), []);
    assert.equal(await store.count(), 1);
    store.close();
  });
});

describe('an older database', () => {
  test('a version 1 database and its records are upgraded and resolved', async () => {
    const name = freshName('v1');
    const clock = manualClock();
    const f = await pointerFlood(1);
    const info = f.items[0].received.pointer;
    // The layout of the previous release: schema 1, a record written after the quick phase.
    const old = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('pending', { keyPath: 'id' });
        db.createObjectStore('settled', { keyPath: 'id' });
        db.createObjectStore('quarantine', { keyPath: 'seq', autoIncrement: true });
      },
    });
    await old.put('pending', {
      v: 1,
      id: info.id,
      installationKey: null,
      messageId: '1',
      createdNs: `${T0}000000`,
      welcomeTimeMs: T0,
      attempts: 2,
      nextAttemptMs: T0 + 60_000,
      expiresAtMs: T0 + 3 * 86_400_000,
      storedAtMs: T0,
      lastAttemptMs: T0,
      lastError: E.NOT_FOUND,
      pointer: info.bytes,
    });
    old.close();
    const store = await wp.openPendingStore({ name });
    const { records } = await store.list();
    assert.equal(records[0].phase, 'deferred');
    assert.equal(records[0].attempts, 2);
    const delivered = [];
    const r = wp.createResolver({
      store,
      fetchFirstMessage: f.network.fetchFirst,
      onWelcome: (w) => {
        delivered.push(w);
      },
      now: clock.now,
      sleep: clock.sleep,
    });
    f.releaseAll();
    clock.t = T0 + 60_000;
    assert.equal(await r.nextDueMs(), T0 + 60_000);
    const report = await r.resolveDue();
    assert.deepEqual(report.resolved, [info.id]);
    assert.equal(delivered[0].attempts, 2);
    store.close();
  });
});
