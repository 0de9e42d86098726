// Nothing lost, nothing delivered twice (issue measurements 1, 3 and 7):
// the pointer is stored before the first fetch and survives a reload in
// the quick phase; two or three resolvers on one database (leases, or a
// shared lock manager) deliver each pointer once; a hung or late
// onWelcome is called once; a failed settle never leads to a second
// delivery.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ready, wp } from './helpers.mjs';
import { countBy, faultyOpenDB, freshName, manualClock, pointerFlood, rawDB, unhandledDuring } from './flows.mjs';

const E = wp.ErrorCode;

before(ready);

function resolverOn(store, clock, network, delivered, extra = {}) {
  return wp.createResolver({
    store,
    fetchFirstMessage: network.fetchFirst,
    onWelcome: (w) => {
      delivered.push(w);
    },
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    ...extra,
  });
}

describe('write-ahead', () => {
  test('a reload during the quick phase loses no pointer (8 pointers, pointees held back)', async () => {
    const name = freshName('reload');
    const clock = manualClock();
    const f = await pointerFlood(8);
    const storeA = await wp.openPendingStore({ name });
    const probe = await rawDB(name);
    const storedAtFirstFetch = [];
    let fetches = 0;
    let firstFetches;
    const allFetched = new Promise((r) => {
      firstFetches = r;
    });
    const deliveredA = [];
    const a = resolverOn(storeA, clock, f.network, deliveredA, {
      fetchFirstMessage: async (topic, { pointerId }) => {
        storedAtFirstFetch.push((await probe.get('pending', pointerId)) !== undefined);
        if (++fetches === f.items.length) firstFetches();
        return f.network.fetchFirst(topic);
      },
      // The page goes away during the first wait of the quick phase.
      sleep: () => new Promise(() => {}),
    });
    // (Their promises end with the page: a rejection after close() is expected.)
    for (const it of f.items) a.resolvePointer(it.received).catch(() => {});
    await allFetched;
    assert.deepEqual(storedAtFirstFetch, Array(8).fill(true), 'each pointer is stored before its first fetch');
    a.close();
    storeA.close();

    // The next page: its resolver finds every record and resolves it
    // once the pointees arrive (after the dead page's leases ran out).
    const storeB = await wp.openPendingStore({ name });
    assert.equal(await storeB.count(), 8);
    const deliveredB = [];
    const b = resolverOn(storeB, clock, f.network, deliveredB);
    f.releaseAll();
    clock.t += 60_000;
    const report = await b.resolveDue();
    assert.equal(report.resolved.length, 8, JSON.stringify(report));
    assert.equal(deliveredA.length, 0);
    assert.deepEqual([...countBy(deliveredB).values()], Array(8).fill(1));
    assert.equal(await storeB.count(), 0);
    probe.close();
    storeB.close();
  });

  test('acceptPointer returns once the record is committed; the quick phase runs on it', async () => {
    const clock = manualClock();
    const f = await pointerFlood(2);
    const store = await wp.openPendingStore({ name: freshName() });
    const delivered = [];
    const r = resolverOn(store, clock, f.network, delivered);
    f.release(0);
    const out = await r.acceptPointer(f.items[0].received);
    assert.deepEqual(out, { status: 'accepted', id: f.items[0].id });
    assert.equal((await store.status(out.id)) !== null, true, 'stored (or already settled) when acceptPointer returns');
    await r.whenIdle();
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0].phase, 'quick');
    assert.equal(await store.status(out.id), 'settled');
    // The second one's pointee is missing: it goes through the quick
    // phase on its stored record and is left for resolveDue.
    const out2 = await r.acceptPointer(f.items[1].received);
    await r.whenIdle();
    const { records } = await store.list();
    assert.equal(records.length, 1);
    assert.equal(records[0].id, out2.id);
    assert.equal(records[0].phase, 'deferred');
    assert.equal(records[0].quickAttempts, 5);
    assert.equal(records[0].lease, null);
    store.close();
  });
});

async function racingResolvers({ n, count, locks, pointeePresent }) {
  const name = freshName('race');
  const clock = manualClock();
  const f = await pointerFlood(n);
  if (pointeePresent) f.releaseAll();
  const delivered = [];
  const stores = [];
  const resolvers = [];
  for (let i = 0; i < count; i++) {
    const store = await wp.openPendingStore({ name });
    stores.push(store);
    resolvers.push(resolverOn(store, clock, f.network, delivered, locks ? { locks } : {}));
  }
  // Every resolver sees every pointer (each tab reads the welcome stream).
  const outcomes = await Promise.all(resolvers.flatMap((r) => f.items.map((it) => r.resolvePointer(it.received))));
  if (!pointeePresent) {
    f.releaseAll();
    for (let round = 0; round < 4 && delivered.length < n; round++) {
      clock.t += 10 * 60_000;
      await Promise.all(resolvers.map((r) => r.resolveDue()));
    }
  }
  await Promise.all(resolvers.map((r) => r.whenIdle?.()));
  for (const s of stores) s.close();
  return { f, delivered, outcomes, perPointer: countBy(delivered) };
}

describe('two and three resolvers on one database', () => {
  for (const count of [2, 3]) {
    for (const locks of [false, true]) {
      for (const pointeePresent of [true, false]) {
        const what = `${count} resolvers, ${locks ? 'a shared lock manager' : 'no lock manager (leases)'}, pointee ${pointeePresent ? 'there' : 'late'}`;
        test(`${what}: each of 20 pointers delivered exactly once`, async () => {
          const r = await racingResolvers({ n: 20, count, locks: locks ? wp.createLocalLocks() : null, pointeePresent });
          assert.equal(r.perPointer.size, 20, `delivered ${r.perPointer.size} of 20 pointers`);
          const twice = [...r.perPointer.values()].filter((c) => c > 1).length;
          assert.equal(twice, 0, `${twice} pointers delivered more than once`);
          assert.ok(r.delivered.every((w) => w.previousDeliveries === 0));
        });
      }
    }
  }

  test('a record whose owner died is taken over after its lease', async () => {
    const name = freshName('lease');
    const clock = manualClock();
    const f = await pointerFlood(1);
    const a = await wp.openPendingStore({ name });
    const ra = resolverOn(a, clock, f.network, [], { sleep: () => new Promise(() => {}), leaseMs: 10_000 });
    ra.resolvePointer(f.items[0].received).catch(() => {}); // dies in its first quick wait, holding the lease
    for (let i = 0; i < 50 && (await a.list()).records[0]?.quickAttempts !== 1; i++) await new Promise((r) => setTimeout(r, 2));
    ra.close();
    const b = await wp.openPendingStore({ name });
    const delivered = [];
    const rb = resolverOn(b, clock, f.network, delivered, { leaseMs: 10_000 });
    f.releaseAll();
    clock.t += 5_000; // due, but the lease still runs
    let report = await rb.resolveDue();
    assert.deepEqual(report.skipped, [f.items[0].id]);
    clock.t += 10_000; // the lease ran out
    report = await rb.resolveDue();
    assert.deepEqual(report.resolved, [f.items[0].id]);
    assert.equal(delivered.length, 1);
    a.close();
    b.close();
  });
});

describe('delivery to the app', () => {
  test('a hung onWelcome is called once in a simulated day; a late acceptance is honoured', async () => {
    const clock = manualClock();
    const f = await pointerFlood(1);
    f.releaseAll();
    const store = await wp.openPendingStore({ name: freshName() });
    const calls = [];
    let acceptLate;
    const r = wp.createResolver({
      store,
      fetchFirstMessage: f.network.fetchFirst,
      onWelcome: (w) => {
        calls.push(w);
        return new Promise((resolve) => {
          acceptLate = resolve;
        });
      },
      acceptTimeoutMs: 5,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
    });
    const out = await r.resolvePointer(f.items[0].received);
    assert.equal(out.status, 'pending');
    assert.equal(out.code, E.TIMEOUT);
    // A day of scheduler ticks while the call still runs.
    for (let t = 0; t < 24 * 60; t += 5) {
      clock.t += 5 * 60_000;
      await r.resolveDue();
    }
    assert.equal(calls.length, 1, `onWelcome called ${calls.length} times while its first call ran`);
    acceptLate();
    await r.whenIdle();
    assert.equal(await store.status(out.id), 'settled');
    assert.equal(r.stats.lateAccepted, 1);
    clock.t += 60 * 60_000;
    await r.resolveDue();
    assert.equal(calls.length, 1);
    store.close();
  });

  test('a settle that fails after delivery never leads to a second delivery', async () => {
    const clock = manualClock();
    const f = await pointerFlood(1);
    f.releaseAll();
    // The first transaction that writes a settled entry aborts.
    const fault = { count: 0, when: (stores, mode) => mode === 'readwrite' && stores.includes('settled') };
    const store = await wp.openPendingStore({ name: freshName(), openDB: faultyOpenDB(fault) });
    const delivered = [];
    const errors = [];
    const r = resolverOn(store, clock, f.network, delivered, {
      onWelcome: (w) => {
        delivered.push(w);
        fault.count = 1; // the settle right after this delivery fails
      },
      onError: (e) => errors.push(e),
    });
    let first;
    let second;
    const unhandled = await unhandledDuring(async () => {
      try {
        first = await r.resolvePointer(f.items[0].received);
      } catch (e) {
        first = e;
      }
      // The app retries, as it would after an error.
      try {
        second = await r.resolvePointer(f.items[0].received);
      } catch (e) {
        second = e;
      }
      await r.whenIdle?.();
      clock.t += 3 * 60 * 60_000;
      await r.resolveDue();
    });
    assert.equal(
      delivered.length,
      1,
      `delivered ${delivered.length} times (first: ${first?.status ?? first?.code}, second: ${second?.status ?? second?.code})`,
    );
    assert.deepEqual(unhandled.map(String), []);
    assert.equal(fault.hits, 1);
    assert.ok(
      errors.some((e) => e.code === E.STORE),
      'the failed settle is reported',
    );
    assert.equal(await store.status(f.items[0].id), 'settled', 'the settle was retried');
    store.close();
  });

  test('a redelivery after an interrupted delivery says so (previousDeliveries)', async () => {
    const name = freshName();
    const clock = manualClock();
    const f = await pointerFlood(1);
    f.releaseAll();
    const a = await wp.openPendingStore({ name });
    // The page dies while its app handles the Welcome.
    const ra = resolverOn(a, clock, f.network, [], { onWelcome: () => new Promise(() => {}), acceptTimeoutMs: 2 ** 30 });
    ra.resolvePointer(f.items[0].received).catch(() => {});
    for (let i = 0; i < 100 && (await a.list()).records[0]?.deliveries !== 1; i++) await new Promise((r) => setTimeout(r, 2));
    ra.close();
    const b = await wp.openPendingStore({ name });
    const delivered = [];
    const rb = resolverOn(b, clock, f.network, delivered);
    clock.t += 60_000;
    await rb.resolveDue();
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0].previousDeliveries, 1);
    assert.equal(rb.stats.redelivered, 1);
    a.close();
    b.close();
  });
});
