// Time (issue measurement 4): expiry counts from the welcome's server
// timestamp; a local clock that jumps 4 days ahead or 2 days back
// neither drops a deliverable pointer nor stalls it; settled ids outlive
// the window in which a duplicate is still accepted; a pointer older
// than the expiry is not fetched at all.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ready, wp } from './helpers.mjs';
import { DAY, MIN, T0, freshName, manualClock, pointerFlood } from './flows.mjs';

const E = wp.ErrorCode;

before(ready);

async function setup({ createdMs = T0 } = {}) {
  const clock = manualClock();
  const f = await pointerFlood(1, { createdNs: BigInt(createdMs) * 1_000_000n });
  const store = await wp.openPendingStore({ name: freshName('clock') });
  const delivered = [];
  const dropped = [];
  const r = wp.createResolver({
    store,
    fetchFirstMessage: f.network.fetchFirst,
    onWelcome: (w) => {
      delivered.push(w);
    },
    onDropped: (d) => dropped.push(d),
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
  });
  return { clock, f, store, r, delivered, dropped, received: f.items[0].received };
}

describe('clock jumps', () => {
  test('4 days ahead: a pending pointer whose pointee is there is fetched and delivered, not dropped', async () => {
    const s = await setup();
    assert.equal((await s.r.resolvePointer(s.received)).status, 'pending');
    s.f.releaseAll();
    s.clock.t += 4 * DAY;
    const fetchesBefore = s.f.network.fetches;
    const report = await s.r.resolveDue();
    assert.equal(s.f.network.fetches - fetchesBefore, 1, 'the pointee is fetched');
    assert.equal(
      report.resolved.length,
      1,
      JSON.stringify(report, (k, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
    assert.equal(s.delivered.length, 1);
    assert.equal(s.dropped.length, 0);
    // Clock fixed, the same pointer again: a duplicate, still delivered once.
    s.clock.t -= 4 * DAY;
    assert.equal((await s.r.resolvePointer(s.received)).status, 'duplicate');
    assert.equal(s.delivered.length, 1);
  });

  test('4 days ahead, pointee still missing: dropped (ERR_EXPIRED) after one last fetch', async () => {
    const s = await setup();
    await s.r.resolvePointer(s.received);
    s.clock.t += 4 * DAY;
    const before = s.f.network.fetches;
    const report = await s.r.resolveDue();
    assert.equal(s.f.network.fetches - before, 1);
    assert.equal(report.dropped[0]?.code, E.EXPIRED);
  });

  test('a pointee published after the expiry by its server timestamp is dropped', async () => {
    const s = await setup();
    await s.r.resolvePointer(s.received);
    s.f.releaseAll(BigInt(T0 + 3 * DAY + MIN) * 1_000_000n);
    s.clock.t += 3 * DAY + 2 * MIN;
    const report = await s.r.resolveDue();
    assert.equal(report.dropped[0]?.code, E.EXPIRED);
    assert.equal(s.delivered.length, 0);
  });

  test("2 days back: delivery does not stall (no wait beyond the schedule's maximum delay)", async () => {
    const s = await setup();
    const out = await s.r.resolvePointer(s.received);
    s.f.releaseAll();
    s.clock.t = out.nextAttemptMs - 2 * DAY;
    // Overdue by the bound, so due now.
    assert.equal(await s.r.nextDueMs(), s.clock.t);
    const report = await s.r.resolveDue();
    assert.equal(report.resolved.length, 1);
    assert.equal(s.delivered.length, 1);
  });
});

describe('expiry from the server timestamp', () => {
  test('settled ids are kept as long as a duplicate would be accepted: no second delivery after pruning', async () => {
    const s = await setup();
    s.f.releaseAll();
    assert.equal((await s.r.resolvePointer(s.received)).status, 'resolved');
    // Past the 3-day window: the settled entry is pruned...
    s.clock.t = T0 + 3 * DAY + MIN;
    await s.r.resolveDue();
    assert.equal(await s.store.status(s.received.pointer.id), null);
    // ...and the same pointer, arriving again, is too old to be taken.
    const again = await s.r.resolvePointer(s.received);
    assert.equal(again.status, 'dropped');
    assert.equal(again.code, E.EXPIRED);
    assert.equal(s.delivered.length, 1);
  });

  test('a 10-day-old pointer is dropped at once: no quick phase, no fetch', async () => {
    const s = await setup({ createdMs: T0 - 10 * DAY });
    s.f.releaseAll();
    const out = await s.r.resolvePointer(s.received);
    assert.equal(out.status, 'dropped');
    assert.equal(out.code, E.EXPIRED);
    assert.equal(s.f.network.fetches, 0);
    assert.equal(s.dropped.length, 1);
    assert.equal(s.dropped[0].phase, 'admission');
    // A duplicate of it collapses.
    assert.equal((await s.r.resolvePointer(s.received)).status, 'duplicate');
    assert.equal(s.dropped.length, 1);
  });

  test("the expiry is the welcome's server timestamp plus 3 days, whatever the time of arrival", async () => {
    const s = await setup({ createdMs: T0 - DAY });
    const out = await s.r.resolvePointer(s.received);
    const { records } = await s.store.list();
    assert.equal(records[0].expiresAtMs, T0 - DAY + 3 * DAY);
    assert.equal(out.status, 'pending');
  });
});
