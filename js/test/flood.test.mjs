// Bounded floods (issue measurement 5): a cap on pending records with
// evictions reported, a fetch budget per hour shared by every resolver
// on the store, a budget of records per tick, due records found by an
// index (nothing decoded when nothing is due), acceptPointer that
// returns at once while quick phases run side by side. The cost per
// tick with 10,000 records is measured in js/bench/flood.mjs, not here.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ready, wp } from './helpers.mjs';
import { HOUR, MIN, freshName, manualClock, pointerFlood } from './flows.mjs';

const E = wp.ErrorCode;

before(ready);

// The quick phase in one try, to keep the setups short.
const ONE_TRY = { quick: { attempts: 1 } };

describe('bounded floods', () => {
  test('pending cap: the oldest records are evicted and reported with a reason', async () => {
    const clock = manualClock();
    const f = await pointerFlood(60);
    const store = await wp.openPendingStore({ name: freshName('cap') });
    const dropped = [];
    const r = wp.createResolver({
      store,
      fetchFirstMessage: f.network.fetchFirst,
      onWelcome: () => {},
      onDropped: (d) => dropped.push(d),
      now: clock.now,
      sleep: clock.sleep,
      policy: ONE_TRY,
      maxPending: 50,
    });
    for (const it of f.items) {
      clock.t += 1000;
      assert.equal((await r.resolvePointer(it.received)).status, 'pending');
    }
    assert.equal(await store.count(), 50);
    assert.equal(dropped.length, 10);
    assert.ok(dropped.every((d) => d.code === E.CAPACITY && /evicted/.test(d.reason)));
    assert.deepEqual(
      dropped.map((d) => d.id),
      f.items.slice(0, 10).map((it) => it.id),
      'the oldest go first',
    );
    assert.equal(r.stats.evicted, 10);
    // An evicted pointer arriving again is a duplicate, not a new record.
    assert.equal((await r.resolvePointer(f.items[0].received)).status, 'duplicate');
    store.close();
  });

  test('fetch budget: at most fetchesPerHour fetches in any hour, across two resolvers', async () => {
    const clock = manualClock();
    const f = await pointerFlood(40);
    const name = freshName('budget');
    const times = [];
    const fetch = (topic) => {
      times.push(clock.t);
      return f.network.fetchFirst(topic);
    };
    const resolvers = [];
    for (let i = 0; i < 2; i++) {
      const store = await wp.openPendingStore({ name });
      resolvers.push(
        wp.createResolver({
          store,
          fetchFirstMessage: fetch,
          onWelcome: () => {},
          now: clock.now,
          sleep: clock.sleep,
          policy: { ...ONE_TRY, firstRetryMs: MIN, maxDelayMs: MIN },
          fetchesPerHour: 30,
        }),
      );
    }
    for (const it of f.items) await resolvers[0].acceptPointer(it.received);
    await resolvers[0].whenIdle();
    // Three hours of ticks, a minute apart, both resolvers.
    for (let m = 0; m < 180; m++) {
      clock.t += MIN;
      await Promise.all(resolvers.map((r) => r.resolveDue()));
    }
    for (let i = 0; i < times.length; i++) {
      const inHour = times.filter((t) => t >= times[i] && t < times[i] + HOUR).length;
      assert.ok(inHour <= 30, `${inHour} fetches in the hour from ${times[i]}`);
    }
    assert.ok(times.length >= 80, `the budget is used: ${times.length} fetches in 3 hours`);
    assert.ok(resolvers[0].stats.throttled + resolvers[1].stats.throttled > 0);
  });

  test('per-tick budget: one resolveDue works on at most maxPerTick records', async () => {
    const clock = manualClock();
    const f = await pointerFlood(25);
    const store = await wp.openPendingStore({ name: freshName('tick') });
    const r = wp.createResolver({
      store,
      fetchFirstMessage: f.network.fetchFirst,
      onWelcome: () => {},
      now: clock.now,
      sleep: clock.sleep,
      policy: ONE_TRY,
      maxPerTick: 10,
    });
    for (const it of f.items) await r.resolvePointer(it.received);
    f.releaseAll();
    clock.t += 10 * MIN;
    let report = await r.resolveDue();
    assert.equal(report.resolved.length, 10);
    assert.equal(report.more, true);
    report = await r.resolveDue();
    assert.equal(report.resolved.length, 10);
    report = await r.resolveDue();
    assert.equal(report.resolved.length, 5);
    assert.equal(report.more, false);
    store.close();
  });

  test('due records come from an index: nothing is read back when nothing is due', async () => {
    const clock = manualClock();
    const f = await pointerFlood(200);
    let opens = 0;
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const p = wp.webCryptoProtector(key);
    const counting = {
      seal: (b, id) => p.seal(b, id),
      open: (b, id) => {
        opens++;
        return p.open(b, id);
      },
    };
    const store = await wp.openPendingStore({ name: freshName('index'), protector: counting });
    const r = wp.createResolver({
      store,
      fetchFirstMessage: f.network.fetchFirst,
      onWelcome: () => {},
      now: clock.now,
      sleep: clock.sleep,
      policy: ONE_TRY,
    });
    for (const it of f.items) await r.resolvePointer(it.received);
    assert.equal((await store.list()).records.length, 200);
    opens = 0;
    clock.t += MIN; // the first deferred attempt is 5 minutes away
    const report = await r.resolveDue();
    assert.equal(report.pending, 200);
    const next = await r.nextDueMs();
    assert.ok(next > clock.t);
    assert.equal(opens, 0, `${opens} records were read back for a tick with nothing due`);
    store.close();
  });

  test('acceptPointer does not wait for the network: 200 pointers stored while every fetch hangs', async () => {
    const clock = manualClock();
    const f = await pointerFlood(200);
    const store = await wp.openPendingStore({ name: freshName('accept') });
    let fetching = 0;
    const r = wp.createResolver({
      store,
      fetchFirstMessage: (topic, { signal }) => {
        fetching++;
        return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      },
      onWelcome: () => {},
      now: clock.now,
      sleep: clock.sleep,
      policy: ONE_TRY,
    });
    for (const it of f.items) assert.equal((await r.acceptPointer(it.received)).status, 'accepted');
    // Every pointer is stored (the app may advance its cursor) while
    // the first fetches still hang.
    assert.equal(await store.count(), 200);
    assert.ok(fetching > 0 && fetching <= wp.RESOLVER_DEFAULTS.concurrency, `${fetching} fetches running`);
    r.close(); // aborts the hanging fetches
    await r.whenIdle();
    store.close();
  });

  test('one slow topic does not hold up an independent pointer', async () => {
    const clock = manualClock();
    const f = await pointerFlood(2);
    const store = await wp.openPendingStore({ name: freshName('slow') });
    const delivered = [];
    let unblock;
    const slow = new Promise((resolve) => {
      unblock = resolve;
    });
    const r = wp.createResolver({
      store,
      fetchFirstMessage: (topic, { pointerId }) => (pointerId === f.items[0].id ? slow : f.network.fetchFirst(topic)),
      onWelcome: (w) => {
        delivered.push(w);
      },
      now: clock.now,
      sleep: clock.sleep,
      policy: ONE_TRY,
    });
    f.release(1);
    await r.acceptPointer(f.items[0].received);
    const second = await r.resolvePointer(f.items[1].received);
    assert.equal(second.status, 'resolved');
    assert.deepEqual(
      delivered.map((w) => w.pointerId),
      [f.items[1].id],
    );
    unblock(null);
    await r.whenIdle();
    assert.equal(await store.status(f.items[0].id), 'pending');
    store.close();
  });
});
