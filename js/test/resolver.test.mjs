// The pending-pointer store and the resolver against fake-indexeddb:
// not found -> pending -> due -> resolved, expiry, max attempts,
// duplicates, failing fetches, corrupt records, locks, protection.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { FakeNetwork, delay, fakeWelcome, makeRecipients, ready, rejectsWith, throwsWith, welcomeMessageV1, wp } from './helpers.mjs';

const E = wp.ErrorCode;
const T0 = 1_700_000_000_000;
const MIN = 60_000;
const DAY = 86_400_000;
let dbCounter = 0;
let shared;

before(async () => {
  await ready();
  shared = { recipients: makeRecipients(3) };
});

/**
 * An invite for 3 recipients whose pointers are on the network while the
 * pointee is held back (publishPointee() releases it), and a resolver for
 * recipient 0 on a fresh database.
 */
async function setup({ resolver: resolverOptions = {}, store: storeOptions = {}, welcomeAgeMs = 0, network } = {}) {
  const clock = { t: T0 };
  const net = network ?? new FakeNetwork();
  const { recipients } = shared;
  const welcome = fakeWelcome(2048);
  const invite = await wp.sealInvite(
    welcome,
    4242n,
    recipients.map((r) => r.installation),
  );
  const createdNs = BigInt(T0 - welcomeAgeMs) * 1_000_000n;
  for (const m of invite.messages.slice(1)) net.publish(m.message, createdNs);
  const received = wp.openWelcome(net.messages(recipients[0].installationKey)[0], [recipients[0].key]);
  assert.equal(received.kind, 'pointer');
  const store = await wp.openPendingStore({ name: `resolver-${++dbCounter}`, ...storeOptions });
  const delivered = [];
  const dropped = [];
  const quarantined = [];
  const resolver = wp.createResolver({
    store,
    fetchFirstMessage: net.fetchFirst,
    onWelcome: (w) => {
      delivered.push(w);
    },
    onDropped: (r) => dropped.push(r),
    onQuarantined: (q) => quarantined.push(q),
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
    random: () => 0.5,
    ...resolverOptions,
  });
  return {
    clock,
    net,
    invite,
    welcome,
    received,
    store,
    resolver,
    delivered,
    dropped,
    quarantined,
    publishPointee: () => net.publish(invite.messages[0].message, createdNs),
  };
}

async function pendingCount(store) {
  return (await store.list()).records.length;
}

describe('resolver', () => {
  test('pointee already there: resolved in the quick phase', async () => {
    const s = await setup();
    s.publishPointee();
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(out.status, 'resolved');
    assert.equal(s.delivered.length, 1);
    assert.deepEqual(s.delivered[0].welcome, s.welcome);
    assert.equal(s.delivered[0].cursor, 4242n);
    assert.equal(s.delivered[0].phase, 'quick');
    assert.equal(s.delivered[0].messageId, s.received.id);
    assert.equal(s.net.fetches, 1);
    assert.equal(await pendingCount(s.store), 0);
    // A duplicate arriving later collapses.
    assert.deepEqual(await s.resolver.resolvePointer(s.received), { status: 'duplicate', id: out.id, existing: 'settled' });
    assert.equal(s.delivered.length, 1);
  });

  test('not found -> pending -> due -> resolved', async () => {
    const s = await setup();
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(out.status, 'pending');
    assert.equal(out.code, E.NOT_FOUND);
    // The quick phase ran its 5 tries, with the core's delays.
    assert.equal(s.net.fetches, 5);
    assert.equal(s.clock.t, T0 + 62.5 + 162.5 + 462.5 + 1362.5); // 50*3^k + jitter 12.5
    assert.equal(out.nextAttemptMs, s.clock.t + 5 * MIN);
    const { records } = await s.store.list();
    assert.equal(records.length, 1);
    const rec = records[0];
    assert.equal(rec.id, out.id);
    assert.equal(rec.attempts, 0);
    assert.equal(rec.lastError, E.NOT_FOUND);
    assert.equal(rec.messageId, s.received.id);
    assert.equal(rec.expiresAtMs, T0 + 3 * DAY);
    assert.deepEqual(rec.installationKey, s.received.installationKey);

    // Not due yet: nothing is fetched.
    let report = await s.resolver.resolveDue();
    assert.equal(report.pending, 1);
    assert.equal(s.net.fetches, 5);

    // Due, still missing: one failed attempt, rescheduled by the core.
    s.clock.t = out.nextAttemptMs;
    report = await s.resolver.resolveDue();
    assert.equal(report.failed.length, 1);
    assert.equal(report.failed[0].code, E.NOT_FOUND);
    assert.equal(report.failed[0].attempts, 1);
    assert.equal(report.failed[0].nextAttemptMs, s.clock.t + 7.5 * MIN);
    assert.equal(await s.resolver.nextDueMs(), s.clock.t + 7.5 * MIN);

    // The pointee arrives; the next due run resolves it.
    s.publishPointee();
    s.clock.t += 7.5 * MIN;
    report = await s.resolver.resolveDue();
    assert.deepEqual(report.resolved, [out.id]);
    assert.equal(report.pending, 0);
    assert.equal(s.delivered.length, 1);
    assert.equal(s.delivered[0].phase, 'deferred');
    assert.equal(s.delivered[0].attempts, 1);
    assert.deepEqual(s.delivered[0].welcome, s.welcome);
    assert.equal(await pendingCount(s.store), 0);
    assert.equal(await s.store.status(out.id), 'settled');
  });

  test('expiry: a pending pointer past 3 days is dropped and reported', async () => {
    const s = await setup();
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(out.status, 'pending');
    s.clock.t = T0 + 3 * DAY;
    const report = await s.resolver.resolveDue();
    assert.equal(report.dropped.length, 1);
    assert.equal(report.dropped[0].code, E.EXPIRED);
    assert.equal(s.dropped[0].id, out.id);
    assert.ok(s.dropped[0].error instanceof wp.WelcomePointersError);
    assert.equal(await pendingCount(s.store), 0);
    // A pointer already too old is dropped at once.
    const old = await setup({ welcomeAgeMs: 4 * DAY });
    const o2 = await old.resolver.resolvePointer(old.received);
    assert.equal(o2.status, 'dropped');
    assert.equal(o2.code, E.EXPIRED);
    assert.equal(await pendingCount(old.store), 0);
  });

  test('max attempts: dropped after the last failed attempt', async () => {
    const s = await setup({ resolver: { policy: { maxAttempts: 3, firstRetryMs: 1000, maxDelayMs: 1000 } } });
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(out.status, 'pending');
    for (let i = 1; i <= 2; i++) {
      s.clock.t += 1000;
      const r = await s.resolver.resolveDue();
      assert.equal(r.failed[0].attempts, i);
    }
    s.clock.t += 1000;
    const r = await s.resolver.resolveDue();
    assert.equal(r.dropped.length, 1);
    assert.equal(r.dropped[0].code, E.ATTEMPTS_EXHAUSTED);
    assert.equal(r.dropped[0].lastError, E.NOT_FOUND);
    assert.equal(await pendingCount(s.store), 0);
    assert.equal(s.dropped.length, 1);
  });

  test('duplicate pointers collapse into one record', async () => {
    const s = await setup();
    const [a, b] = await Promise.all([s.resolver.resolvePointer(s.received), s.resolver.resolvePointer(s.received)]);
    assert.deepEqual([a.status, b.status].sort(), ['duplicate', 'pending']);
    const c = await s.resolver.resolvePointer(s.received);
    assert.deepEqual(c, { status: 'duplicate', id: a.id, existing: 'pending' });
    // The same invite's pointer for another installation has the same identity.
    const other = wp.openWelcome(s.net.messages(shared.recipients[1].installationKey)[0], [shared.recipients[1].key]);
    assert.equal((await s.resolver.resolvePointer(other)).status, 'duplicate');
    assert.equal(await pendingCount(s.store), 1);
    // Adding directly to the store collapses too.
    const again = await s.store.add({
      pointer: s.received.pointer,
      welcomeTimeMs: T0,
      nowMs: T0,
      state: wp.retry.newPending(undefined, T0, T0),
    });
    assert.deepEqual(again, { added: false, existing: 'pending' });
  });

  test('a throwing fetch keeps the pointer pending', async () => {
    let calls = 0;
    const s = await setup({
      resolver: {
        fetchFirstMessage: () => {
          calls++;
          throw new Error('offline');
        },
      },
    });
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(out.status, 'pending');
    assert.equal(out.code, E.FETCH);
    assert.match(out.error.message, /offline/);
    assert.equal(calls, 5);
    s.clock.t = out.nextAttemptMs;
    const r = await s.resolver.resolveDue();
    assert.equal(r.failed[0].code, E.FETCH);
    const { records } = await s.store.list();
    assert.equal(records.length, 1);
    assert.equal(records[0].attempts, 1);
    assert.equal(records[0].lastError, E.FETCH);
  });

  test('a hanging fetch times out and keeps the pointer pending', async () => {
    const signals = [];
    const s = await setup({
      resolver: {
        fetchFirstMessage: (topic, { signal }) => {
          signals.push(signal);
          return new Promise(() => {});
        },
        fetchTimeoutMs: 20,
        policy: { quick: { attempts: 2 } },
      },
    });
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(out.status, 'pending');
    assert.equal(out.code, E.TIMEOUT);
    assert.equal(signals.length, 2);
    assert.ok(
      signals.every((x) => x.aborted),
      'the fetch is told to stop',
    );
    assert.equal(await pendingCount(s.store), 1);
  });

  test('a fetch returning garbage keeps the pointer pending', async () => {
    for (const [garbage, code] of [
      ['a string', E.FETCH],
      [42, E.FETCH],
      [{}, E.FETCH],
      [new Uint8Array([1, 2, 3]), E.MALFORMED],
      [new Uint8Array(), E.MALFORMED],
    ]) {
      const s = await setup({ resolver: { fetchFirstMessage: async () => garbage, policy: { quick: { attempts: 1 } } } });
      const out = await s.resolver.resolvePointer(s.received);
      assert.equal(out.status, 'pending', `for ${String(garbage)}`);
      assert.equal(out.code, code);
      s.clock.t = out.nextAttemptMs;
      const r = await s.resolver.resolveDue();
      assert.equal(r.failed[0].code, code);
      assert.equal(await pendingCount(s.store), 1);
    }
  });

  test('final failures drop the pointer: decoy first message, undecryptable pointee', async () => {
    // A decoy published on the destination before the pointee.
    const s = await setup();
    const decoy = s.net.messages(shared.recipients[1].installationKey)[0];
    s.net.publishRaw(s.received.pointer.topic, decoy);
    s.publishPointee();
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(out.status, 'dropped');
    assert.equal(out.code, E.NOT_POINTEE);
    assert.equal(s.dropped[0].phase, 'quick');
    assert.equal(s.delivered.length, 0);
    assert.equal(await pendingCount(s.store), 0);

    const d = await setup();
    d.net.publishRaw(
      d.received.pointer.topic,
      welcomeMessageV1({
        installationKey: d.received.pointer.topic,
        data: new Uint8Array(64),
        wrapperAlgorithm: 3,
        welcomeMetadata: new Uint8Array(16),
      }),
    );
    const o2 = await d.resolver.resolvePointer(d.received);
    assert.equal(o2.code, E.DECRYPT);
    assert.equal(o2.status, 'dropped');
  });

  test('the decentralized topic and the input form', async () => {
    const topics = [];
    const s = await setup({
      resolver: {
        topic: 'decentralized',
        messageForm: 'input',
        fetchFirstMessage: async (topic) => {
          topics.push(topic);
          return s.invite.messages[0].message;
        },
      },
    });
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(out.status, 'resolved');
    assert.deepEqual(topics[0], s.received.pointer.decentralizedTopic);
  });

  test('the app must accept: a throwing onWelcome keeps the pointer', async () => {
    let fail = true;
    const seen = [];
    const s = await setup({
      resolver: {
        onWelcome: (w) => {
          seen.push(w);
          if (fail) throw new Error('db full');
        },
      },
    });
    s.publishPointee();
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(out.status, 'pending');
    assert.equal(out.code, E.REJECTED);
    assert.equal(seen.length, 1);
    s.clock.t = out.nextAttemptMs;
    let r = await s.resolver.resolveDue();
    assert.equal(r.failed[0].code, E.REJECTED);
    assert.equal(await pendingCount(s.store), 1);
    fail = false;
    s.clock.t = r.failed[0].nextAttemptMs;
    r = await s.resolver.resolveDue();
    assert.equal(r.resolved.length, 1);
    assert.equal(await pendingCount(s.store), 0);
  });

  test('async iterator delivery: deleted only after accept()', async () => {
    const s = await setup({ resolver: { onWelcome: undefined, acceptTimeoutMs: 2000 } });
    s.publishPointee();
    const it = s.resolver.welcomes();
    // Rejected by the app: kept pending.
    const first = s.resolver.resolvePointer(s.received);
    const a = await it.next();
    assert.equal(a.done, false);
    assert.deepEqual(a.value.welcome, s.welcome);
    assert.equal(a.value.phase, 'quick');
    a.value.reject('not now');
    const out = await first;
    assert.equal(out.status, 'pending');
    assert.equal(out.code, E.REJECTED);
    // Accepted on the deferred attempt: only then deleted.
    s.clock.t = out.nextAttemptMs;
    const due = s.resolver.resolveDue();
    const b = await it.next();
    assert.equal(b.value.phase, 'deferred');
    assert.equal(await pendingCount(s.store), 1, 'still stored while the app works on it');
    b.value.accept();
    b.value.accept(); // harmless
    assert.deepEqual((await due).resolved, [out.id]);
    assert.equal(await pendingCount(s.store), 0);
    // Nobody consuming: the delivery times out and the record stays.
    const t = await setup({ resolver: { onWelcome: undefined, acceptTimeoutMs: 30 } });
    t.publishPointee();
    const o2 = await t.resolver.resolvePointer(t.received);
    assert.equal(o2.status, 'pending');
    assert.equal(o2.code, E.TIMEOUT);
    // The welcome stays offered after the timeout, and a late accept()
    // still settles the record (it is not delivered again meanwhile).
    const it2 = t.resolver.welcomes();
    const late = await it2.next();
    assert.equal(late.done, false);
    assert.equal(late.value.pointerId, o2.id);
    late.value.accept();
    await t.resolver.whenIdle();
    assert.equal(await t.store.status(o2.id), 'settled');
    assert.equal(t.resolver.stats.lateAccepted, 1);
    // close() ends the iterators.
    const pending = it2.next();
    t.resolver.close();
    assert.deepEqual(await pending, { value: undefined, done: true });
    // With an onWelcome callback there is no iterator.
    const withCallback = wp.createResolver({ store: s.store, fetchFirstMessage: () => null, onWelcome: () => {} });
    throwsWith(() => withCallback.welcomes(), E.ARGUMENT);
  });

  test('web locks: a record another tab holds is skipped, then processed', async () => {
    const locks = wp.createLocalLocks();
    const s = await setup({ resolver: { locks } });
    const out = await s.resolver.resolvePointer(s.received);
    s.publishPointee();
    s.clock.t = out.nextAttemptMs;
    let release;
    const held = new Promise((r) => {
      release = r;
    });
    let acquired;
    const gotIt = new Promise((r) => {
      acquired = r;
    });
    const other = locks.request(`welcome-pointers:${s.store.name}:${out.id}`, {}, async () => {
      acquired();
      await held;
    });
    await gotIt;
    let r = await s.resolver.resolveDue();
    assert.deepEqual(r.skipped, [out.id]);
    assert.equal(s.delivered.length, 0);
    assert.equal(await pendingCount(s.store), 1);
    release();
    await other;
    r = await s.resolver.resolveDue();
    assert.deepEqual(r.resolved, [out.id]);
  });

  test('resolver options are checked', async () => {
    const s = await setup();
    throwsWith(() => wp.createResolver({ store: s.store }), E.ARGUMENT, /fetchFirstMessage/);
    throwsWith(() => wp.createResolver({ store: {}, fetchFirstMessage: () => null }), E.ARGUMENT, /openPendingStore/);
    throwsWith(() => wp.createResolver({ store: s.store, fetchFirstMessage: () => null, fetchTimeOut: 5 }), E.ARGUMENT, /unknown option/);
    throwsWith(() => wp.createResolver({ store: s.store, fetchFirstMessage: () => null, topic: 'v4' }), E.ARGUMENT);
    throwsWith(() => wp.createResolver({ store: s.store, fetchFirstMessage: () => null, fetchTimeoutMs: -1 }), E.ARGUMENT);
    throwsWith(() => wp.createResolver({ store: s.store, fetchFirstMessage: () => null, policy: { maxAttempts: 0 } }), E.ARGUMENT);
    await rejectsWith(() => s.resolver.resolvePointer({ kind: 'direct' }), E.ARGUMENT);
    await rejectsWith(() => s.resolver.resolvePointer({ kind: 'pointer', pointer: { bytes: new Uint8Array(5) } }), E.MALFORMED);
    s.resolver.close();
    await rejectsWith(() => s.resolver.resolveDue(), E.CLOSED);
  });
});

describe('pending store', () => {
  test('a corrupt or older record is quarantined and reported, the others still work', async () => {
    const s = await setup();
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(out.status, 'pending');
    // Write bad records behind the store's back.
    const db = await openDB(s.store.name);
    const good = await db.get('pending', out.id);
    const id = (c) => c.repeat(64);
    await db.put('pending', { ...good, id: id('a'), v: 0 }); // an older layout
    await db.put('pending', { ...good, id: id('b'), pointer: new Uint8Array([1, 2, 3]) }); // garbage pointer
    await db.put('pending', { ...good, id: id('c') }); // a pointer that does not match its id
    await db.put('pending', { ...good, id: id('d'), attempts: 'many' });
    await db.put('pending', { id: 'short' });
    await db.put('pending', { ...good, id: id('e'), messageId: '-1' });
    db.close();

    s.publishPointee();
    s.clock.t = out.nextAttemptMs;
    const report = await s.resolver.resolveDue();
    assert.equal(report.quarantined.length, 6);
    assert.equal(s.quarantined.length, 6);
    assert.ok(report.quarantined.every((q) => q.code === E.CORRUPT_RECORD && typeof q.reason === 'string'));
    assert.match(report.quarantined.find((q) => q.key === id('a')).reason, /layout version 0/);
    assert.match(report.quarantined.find((q) => q.key === id('c')).reason, /does not match its id/);
    assert.deepEqual(report.resolved, [out.id]);
    assert.equal(await pendingCount(s.store), 0);
    const q = await s.store.listQuarantined();
    assert.equal(q.length, 6);
    assert.ok(q.some((x) => x.value && x.value.id === id('b')));
    await s.store.clearQuarantine();
    assert.equal((await s.store.listQuarantined()).length, 0);
  });

  test('a failing fetch never loses a record; store errors are typed', async () => {
    const s = await setup({ resolver: { fetchFirstMessage: () => Promise.reject(new TypeError('network')) } });
    const out = await s.resolver.resolvePointer(s.received);
    for (let i = 0; i < 5; i++) {
      s.clock.t = (await s.resolver.nextDueMs()) ?? s.clock.t;
      await s.resolver.resolveDue();
    }
    const { records } = await s.store.list();
    assert.equal(records.length, 1);
    assert.equal(records[0].id, out.id);
    assert.equal(records[0].attempts, 5);
    s.store.close();
    await rejectsWith(() => s.store.list(), E.CLOSED);
    await rejectsWith(() => wp.openPendingStore({ nme: 'x' }), E.ARGUMENT);
    await rejectsWith(() => wp.openPendingStore({ protector: {} }), E.ARGUMENT);
  });

  test('a newer database version is refused with ERR_STORE', async () => {
    const db = await openDB('from-the-future', 9, {
      upgrade(d) {
        d.createObjectStore('pending', { keyPath: 'id' });
      },
    });
    db.close();
    await rejectsWith(() => wp.openPendingStore({ name: 'from-the-future' }), E.STORE, /newer version/);
  });

  test('protected records: the pointer is stored encrypted', async () => {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const s = await setup({ store: { protector: wp.webCryptoProtector(key) } });
    const out = await s.resolver.resolvePointer(s.received);
    const db = await openDB(s.store.name);
    const raw = await db.get('pending', out.id);
    db.close();
    assert.equal(raw.pointer, undefined);
    assert.ok(raw.sealedPointer instanceof Uint8Array);
    assert.equal(raw.sealedPointer.length, 12 + s.received.pointer.bytes.length + 16);
    const { records } = await s.store.list();
    assert.deepEqual(records[0].pointer.bytes, s.received.pointer.bytes);
    s.publishPointee();
    s.clock.t = out.nextAttemptMs;
    assert.deepEqual((await s.resolver.resolveDue()).resolved, [out.id]);

    // Opened with the wrong key: quarantined, not crashed on.
    const s2 = await setup({ store: { protector: wp.webCryptoProtector(key) } });
    const o2 = await s2.resolver.resolvePointer(s2.received);
    s2.store.close();
    const otherKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const reopened = await wp.openPendingStore({ name: s2.store.name, protector: wp.webCryptoProtector(otherKey) });
    const { records: r2, quarantined } = await reopened.list();
    assert.equal(r2.length, 0);
    assert.equal(quarantined[0].key, o2.id);
    assert.match(quarantined[0].reason, /does not open/);
    reopened.close();
  });

  test('settled entries are pruned after their time', async () => {
    const s = await setup();
    s.publishPointee();
    const out = await s.resolver.resolvePointer(s.received);
    assert.equal(await s.store.status(out.id), 'settled');
    assert.equal(await s.store.pruneSettled(T0 + 3 * DAY + 10 * MIN), 1);
    assert.equal(await s.store.status(out.id), null);
  });
});

describe('start() loop', () => {
  test('resolves what becomes due without the app calling resolveDue', async () => {
    const net = new FakeNetwork();
    const s = await setup({
      network: net,
      resolver: { now: Date.now, sleep: delay, policy: { firstRetryMs: 30, maxDelayMs: 30, quick: { attempts: 1 } } },
    });
    const out = await s.resolver.resolvePointer(s.received, { welcomeTimeMs: Date.now() });
    assert.equal(out.status, 'pending');
    s.publishPointee();
    s.resolver.start({ minIntervalMs: 5, maxIntervalMs: 50 });
    for (let i = 0; i < 100 && s.delivered.length === 0; i++) await delay(10);
    s.resolver.stop();
    assert.equal(s.delivered.length, 1);
    assert.equal(await pendingCount(s.store), 0);
  });
});
