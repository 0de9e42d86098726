// The resolver: turns decrypted pointers into Welcomes, exactly once.
//
// Write-ahead: a pointer handed to acceptPointer/resolvePointer is stored
// before anything is fetched, and the quick phase runs on the stored
// record, so a reload or a closed tab at any instant loses nothing: the
// next resolver on the database picks the record up. One worker at a
// time works on a record (Web Locks, or a lease in the record; see
// locks.js); the Welcome is handed to the app at most once while a call
// runs, and the record is settled only once the app accepted it. The
// schedule comes from the core (retry.*); the resolver adds its own
// bounds against floods: a cap on pending records, a fetch budget per
// hour shared by every tab, and a budget of records per tick.
import { ErrorCode, WelcomePointersError, asError, wpError } from './errors.js';
import { inspect, openPointeeAsync, parsePointer, retry } from './api.js';
import { Claims, lockManagerOption, newOwnerId } from './locks.js';
import { Loop, realSleep } from './loop.js';
import { INTERNAL, PendingStore } from './store.js';
import { callHook, checkFunction, checkInteger, checkMs, describe, readBytes, readField, readOptions } from './options.js';

// Failures that no retry can fix (spec section 4.5): the first message on
// the topic is a real message, and it is not our pointee. A malformed
// answer is NOT final here: nodes never store malformed messages, so
// garbage comes from the transport and the record stays on its schedule.
const FINAL = new Set([ErrorCode.DECRYPT, ErrorCode.NOT_POINTEE, ErrorCode.TOO_LARGE]);

/** The resolver's own bounds and timeouts (the retry schedule itself is the core's). */
export const RESOLVER_DEFAULTS = Object.freeze({
  /** Bound on the app accepting one Welcome. */
  acceptTimeoutMs: 60_000,
  /** A lease (where there are no Web Locks) lasts this long without renewal. */
  leaseMs: 30_000,
  /** Pending records per store; beyond, the oldest is evicted (ERR_CAPACITY). */
  maxPending: 10_000,
  /** Fetches per hour across all records and tabs of a store. */
  fetchesPerHour: 360,
  /** Records one resolveDue() works on. */
  maxPerTick: 100,
  /** Records worked on at the same time (quick phases and due records). */
  concurrency: 8,
});

const OPTIONS = new Set([
  'store', 'fetchFirstMessage', 'onWelcome', 'onDropped', 'onQuarantined', 'onError', 'policy',
  'fetchTimeoutMs', 'acceptTimeoutMs', 'topic', 'messageForm', 'locks', 'lockPrefix', 'now', 'random', 'sleep',
  'leaseMs', 'maxPending', 'fetchesPerHour', 'maxPerTick', 'concurrency',
]);
const RESOLVE_OPTIONS = new Set(['welcomeTimeMs']);
const PENDING = 'pending';
const TIMED_OUT = Symbol('timed out');

/**
 * Creates a resolver. Requires init().
 *
 * @param {import('../index.js').ResolverOptions} options
 */
export function createResolver(options) {
  return new Resolver(options);
}

function toBigInt(s) {
  try {
    return typeof s === 'bigint' ? s : BigInt(s);
  } catch {
    return 0n;
  }
}

/** A counting semaphore: run(fn) waits for one of n slots. */
class Slots {
  #free;
  #waiting = [];

  constructor(n) {
    this.#free = n;
  }

  async acquire() {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise((r) => this.#waiting.push(r));
  }

  release() {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

// The guarded read of what openWelcome returned for a pointer.
function readReceived(where, received) {
  const kind = received !== null && typeof received === 'object' ? readField(where, 'received.kind', received, 'kind') : undefined;
  if (kind !== 'pointer') {
    throw wpError(ErrorCode.ARGUMENT, `${where}: expected what openWelcome returned for a pointer (kind "pointer"), got ${describe(received)}`);
  }
  const pointer = readField(where, 'received.pointer', received, 'pointer');
  if (pointer === null || typeof pointer !== 'object') {
    throw wpError(ErrorCode.ARGUMENT, `${where}: received.pointer must be the PointerInfo openWelcome returned`);
  }
  const bytes = readBytes(where, 'received.pointer.bytes', readField(where, 'received.pointer.bytes', pointer, 'bytes'));
  const id = readField(where, 'received.id', received, 'id');
  const createdNs = readField(where, 'received.createdNs', received, 'createdNs');
  const ik = readField(where, 'received.installationKey', received, 'installationKey');
  return {
    bytes,
    messageId: typeof id === 'bigint' && id >= 0n && id < 1n << 64n ? id : 0n,
    createdNs: typeof createdNs === 'bigint' && createdNs >= 0n && createdNs < 1n << 64n ? createdNs : 0n,
    installationKey: ik instanceof Uint8Array ? readBytes(where, 'received.installationKey', ik) : null,
  };
}

class Resolver {
  #store;
  #db;
  #fetch;
  #onWelcome;
  #hooks;
  #policy;
  #fetchTimeoutMs;
  #acceptTimeoutMs;
  #topic;
  #form;
  #claims;
  #now;
  #random;
  #sleep;
  #limits;
  #maxAheadMs;
  #slots;
  #active = new Map(); // id -> promise of the work on it in this resolver
  #queue = []; // delivered welcomes waiting for the iterator
  #waiters = []; // iterator next() calls waiting for a welcome
  #pendingItems = new Set(); // finish functions of welcomes not yet accepted
  #closed = false;
  #closing;
  #signalClosed;
  #loop = new Loop(() => this.#round(), (e) => this.#emit('onError', e));
  #throttledUntil = 0;
  #swept = false;
  #stats = { accepted: 0, resolved: 0, dropped: 0, evicted: 0, refused: 0, throttled: 0, redelivered: 0, lateAccepted: 0 };

  constructor(options) {
    const o = readOptions('createResolver', 'options', options, OPTIONS, { required: true });
    if (!(o.store instanceof PendingStore)) {
      throw wpError(ErrorCode.ARGUMENT, 'createResolver: store must come from openPendingStore()');
    }
    const where = 'createResolver';
    checkFunction(where, 'fetchFirstMessage', o.fetchFirstMessage, true);
    for (const f of ['onWelcome', 'onDropped', 'onQuarantined', 'onError', 'now', 'random', 'sleep']) checkFunction(where, f, o[f]);
    checkMs(where, 'fetchTimeoutMs', o.fetchTimeoutMs);
    checkMs(where, 'acceptTimeoutMs', o.acceptTimeoutMs);
    checkMs(where, 'leaseMs', o.leaseMs);
    checkInteger(where, 'maxPending', o.maxPending, 1, 10_000_000);
    checkInteger(where, 'fetchesPerHour', o.fetchesPerHour, 1, 1_000_000);
    checkInteger(where, 'maxPerTick', o.maxPerTick, 1, 1_000_000);
    checkInteger(where, 'concurrency', o.concurrency, 1, 1024);
    if (o.topic !== undefined && o.topic !== 'v3' && o.topic !== 'decentralized') {
      throw wpError(ErrorCode.ARGUMENT, 'createResolver: topic must be "v3" or "decentralized"');
    }
    if (o.messageForm !== undefined && o.messageForm !== 'message' && o.messageForm !== 'input') {
      throw wpError(ErrorCode.ARGUMENT, 'createResolver: messageForm must be "message" or "input"');
    }
    const locks = lockManagerOption(where, o.locks);
    if (o.lockPrefix !== undefined && typeof o.lockPrefix !== 'string') {
      throw wpError(ErrorCode.ARGUMENT, 'createResolver: lockPrefix must be a string');
    }
    this.#store = o.store;
    this.#db = o.store[INTERNAL];
    this.#fetch = o.fetchFirstMessage;
    this.#onWelcome = o.onWelcome ?? null;
    this.#hooks = { onDropped: o.onDropped, onQuarantined: o.onQuarantined, onError: o.onError };
    // The schedule comes from the core; a partial override is completed
    // and validated there.
    this.#policy = retry.policy(o.policy);
    this.#fetchTimeoutMs = o.fetchTimeoutMs ?? this.#policy.quick.perTryMs;
    this.#acceptTimeoutMs = o.acceptTimeoutMs ?? RESOLVER_DEFAULTS.acceptTimeoutMs;
    this.#topic = o.topic ?? 'v3';
    this.#form = o.messageForm ?? 'message';
    this.#now = o.now ?? Date.now;
    this.#random = o.random ?? Math.random;
    this.#sleep = o.sleep ?? realSleep;
    this.#limits = {
      maxPending: o.maxPending ?? RESOLVER_DEFAULTS.maxPending,
      fetchesPerHour: o.fetchesPerHour ?? RESOLVER_DEFAULTS.fetchesPerHour,
      maxPerTick: o.maxPerTick ?? RESOLVER_DEFAULTS.maxPerTick,
    };
    // No wait of the schedule is longer than maxDelayMs: a record due
    // later than that was scheduled by a clock that has since gone back.
    this.#maxAheadMs = this.#policy.maxDelayMs;
    this.#slots = new Slots(o.concurrency ?? RESOLVER_DEFAULTS.concurrency);
    this.#claims = new Claims({
      locks,
      prefix: o.lockPrefix ?? `welcome-pointers:${o.store.name}:`,
      lease: this.#db.lease(PENDING),
      owner: newOwnerId(),
      leaseMs: o.leaseMs ?? RESOLVER_DEFAULTS.leaseMs,
      now: () => this.#now(),
    });
    this.#closing = new Promise((resolve) => {
      this.#signalClosed = resolve;
    });
  }

  /** The complete retry policy in use (from the core). */
  get policy() {
    return this.#policy;
  }

  /** Counters since creation: accepted, resolved, dropped, evicted, refused, throttled, redelivered, lateAccepted. */
  get stats() {
    return { ...this.#stats };
  }

  #checkOpen() {
    if (this.#closed) throw wpError(ErrorCode.CLOSED, 'the resolver is closed');
  }

  #emit(hook, report) {
    callHook(this.#hooks[hook], report);
  }

  #keepUntil(welcomeTimeMs, nowMs) {
    // A duplicate is refused as too old from welcomeTimeMs + expiry on,
    // so the settled entry is kept at least until then.
    return Math.max(nowMs, welcomeTimeMs) + this.#policy.expiryMs;
  }

  #track(id, promise) {
    this.#active.set(id, promise);
    promise.then(() => {
      if (this.#active.get(id) === promise) this.#active.delete(id);
    }, () => {
      if (this.#active.get(id) === promise) this.#active.delete(id);
    });
    return promise;
  }

  /** Resolves once no work runs in this resolver (background quick phases included). */
  async whenIdle() {
    while (this.#active.size > 0) await Promise.allSettled([...this.#active.values()]);
  }

  // ---- admission ----

  /**
   * Stores a pointer just opened with openWelcome and returns once the
   * record is committed: the app may advance its welcome cursor then.
   * The quick phase runs in the background (and on the stored record,
   * so a reload does not lose it). A pointer already pending or settled
   * is a duplicate; a pointer too old to keep is dropped at once.
   *
   * @returns {Promise<{ status: 'accepted' | 'duplicate' | 'dropped', id: string, code?: string, error?: WelcomePointersError }>}
   */
  async acceptPointer(received, options) {
    const a = await this.#admit('acceptPointer', received, options);
    if (a.outcome) return a.outcome;
    // The record is stored: a failure from here on leaves it for resolveDue.
    this.#startQuick(a).catch((e) => this.#emit('onError', asError(e, ErrorCode.STORE)));
    return { status: 'accepted', id: a.id };
  }

  /**
   * acceptPointer, then waits for the quick phase: "resolved", "pending"
   * (kept and retried by resolveDue), "dropped", "duplicate", or
   * "accepted" (stored, and another tab works on it).
   *
   * @returns {Promise<ResolveOutcome>}
   */
  async resolvePointer(received, options) {
    const a = await this.#admit('resolvePointer', received, options);
    if (a.outcome) return a.outcome;
    return this.#startQuick(a);
  }

  async #admit(where, received, options) {
    this.#checkOpen();
    const r = readReceived(where, received);
    const o = readOptions(where, 'options', options, RESOLVE_OPTIONS);
    if (o.welcomeTimeMs !== undefined && (typeof o.welcomeTimeMs !== 'number' || !Number.isFinite(o.welcomeTimeMs))) {
      throw wpError(ErrorCode.ARGUMENT, `${where}: welcomeTimeMs must be a number`);
    }
    const info = parsePointer(r.bytes);
    const id = info.id;
    if (this.#active.has(id)) return { outcome: { status: 'duplicate', id, existing: 'pending' } };
    // Reserve the id in this resolver while the record is written; on
    // success the quick phase takes the reservation over.
    let done;
    this.#track(id, new Promise((resolve) => {
      done = resolve;
    }));
    let admitted = false;
    try {
      const now = this.#now();
      // The welcome's server timestamp sets the expiry; the input form has none.
      const welcomeTimeMs = o.welcomeTimeMs ?? (r.createdNs > 0n ? Number(r.createdNs / 1_000_000n) : now);
      const state = retry.newPending(this.#policy, welcomeTimeMs, now);
      const raw = await this.#db.encode({
        pointer: info, installationKey: r.installationKey, messageId: r.messageId, createdNs: r.createdNs,
        welcomeTimeMs, storedAtMs: now, nextAttemptMs: now, expiresAtMs: state.expiresAtMs, phase: 'quick',
      });
      const out = await this.#db.admit(raw, {
        maxPending: this.#limits.maxPending, nowMs: now, exclude: new Set(this.#active.keys()),
        dropCode: state.drop ?? null, keepUntilMs: this.#keepUntil(welcomeTimeMs, now),
        dropKeepUntilMs: (v) => this.#keepUntil(typeof v.welcomeTimeMs === 'number' ? v.welcomeTimeMs : now, now),
        leaseMs: this.#claims.leaseMs,
      });
      for (const e of out.evicted) {
        this.#stats.evicted++;
        this.#report({
          id: e.id, code: ErrorCode.CAPACITY, phase: e.phase, attempts: e.attempts ?? 0, lastError: e.lastError,
          messageId: toBigInt(e.messageId), createdNs: toBigInt(e.createdNs), installationKey: e.installationKey,
        }, `the pending store holds ${this.#limits.maxPending} records: the oldest was evicted to make room`);
      }
      if (out.existing) return { outcome: { status: 'duplicate', id, existing: out.existing } };
      const ctx = { id, messageId: r.messageId, createdNs: r.createdNs, installationKey: r.installationKey, attempts: 0, lastError: null };
      if (out.dropped) {
        const report = this.#report({ ...ctx, code: out.dropped, phase: 'admission' }, 'the welcome is older than the expiry: not kept');
        return { outcome: { status: 'dropped', id, code: out.dropped, error: report.error } };
      }
      if (out.refused) {
        this.#stats.refused++;
        const report = this.#report({ ...ctx, code: ErrorCode.CAPACITY, phase: 'admission' },
          `the pending store holds ${this.#limits.maxPending} records, all being worked on: the pointer was refused`);
        return { outcome: { status: 'dropped', id, code: ErrorCode.CAPACITY, error: report.error } };
      }
      this.#stats.accepted++;
      admitted = true;
      return { id, done };
    } finally {
      if (!admitted) done();
    }
  }

  // The quick phase of a just-admitted record.
  #startQuick({ id, done }) {
    const p = this.#track(id, this.#work(id).then((w) => this.#outcome(w)));
    done();
    return p;
  }

  // A work result as resolvePointer reports it.
  #outcome(w) {
    switch (w.status) {
      case 'resolved':
        return { status: 'resolved', id: w.id };
      case 'dropped':
        return { status: 'dropped', id: w.id, code: w.drop.code, error: w.drop.error };
      case 'pending':
        return { status: 'pending', id: w.id, code: w.code ?? null, error: w.error ?? null, nextAttemptMs: w.nextAttemptMs };
      case 'gone':
        return { status: 'duplicate', id: w.id, existing: 'settled' };
      case 'quarantined':
        return { status: 'dropped', id: w.id, code: ErrorCode.CORRUPT_RECORD, error: wpError(ErrorCode.CORRUPT_RECORD, w.quarantined.reason) };
      default: // busy: another tab works on it
        return { status: 'accepted', id: w.id };
    }
  }

  #report(fields, reason) {
    const error = fields.error instanceof WelcomePointersError ? fields.error : wpError(fields.code, reason);
    const report = {
      id: fields.id, code: fields.code, error, phase: fields.phase, reason,
      messageId: fields.messageId, createdNs: fields.createdNs, installationKey: fields.installationKey,
      attempts: fields.attempts ?? 0, lastError: fields.lastError ?? null,
    };
    this.#stats.dropped++;
    this.#emit('onDropped', report);
    return report;
  }

  // ---- the work on one record ----

  #isDue(rec, now) {
    return rec.nextAttemptMs <= now || rec.nextAttemptMs > now + this.#maxAheadMs;
  }

  // Claims the record and runs attempts on it until it is resolved,
  // dropped, or waits for a later attempt. Never throws for the record's
  // own failures; store failures reject.
  async #work(id) {
    await this.#slots.acquire();
    let slotHeld = true;
    const freeSlot = () => {
      if (slotHeld) {
        slotHeld = false;
        this.#slots.release();
      }
    };
    try {
      if (this.#closed) return { status: 'busy', id };
      if (this.#throttledUntil > this.#now()) {
        this.#stats.throttled++;
        return this.#throttled(id, null);
      }
      const c = await this.#claims.acquire(id);
      if (c.busy) return { status: 'busy', id };
      if (c.gone) return { status: 'gone', id };
      const { hold } = c;
      const stopRenewing = this.#claims.keepAlive(id);
      let handedOver = false;
      try {
        const { record, quarantined } = await this.#db.decode(id, c.raw);
        if (quarantined) {
          this.#emit('onQuarantined', quarantined);
          return { status: 'quarantined', id, quarantined };
        }
        const r = await this.#attempts(record, hold);
        if (r.tail) {
          // The app still holds the Welcome: keep the claim until it answers.
          handedOver = true;
          freeSlot();
          this.#track(id, r.tail.finally(() => {
            stopRenewing();
            hold.release();
          }));
        }
        return r.result;
      } finally {
        if (!handedOver) {
          stopRenewing();
          hold.release();
        }
      }
    } finally {
      freeSlot();
    }
  }

  #throttled(id, rec) {
    const err = wpError(ErrorCode.RATE_LIMITED, `the fetch budget (${this.#limits.fetchesPerHour} per hour) is used up`);
    return { status: 'pending', id, code: err.code, error: err, nextAttemptMs: Math.max(this.#throttledUntil, rec?.nextAttemptMs ?? 0), throttled: true };
  }

  async #attempts(rec, hold) {
    const owner = this.#claims.owner;
    for (;;) {
      const now = this.#now();
      if (!this.#isDue(rec, now)) {
        // Another worker moved it on since the index was read.
        await this.#claims.release(rec.id);
        return { result: { status: 'pending', id: rec.id, code: rec.lastError, nextAttemptMs: rec.nextAttemptMs } };
      }
      if (rec.phase === 'deferred' && rec.attempts >= this.#policy.maxAttempts) {
        return { result: await this.#dropRecord(rec, ErrorCode.ATTEMPTS_EXHAUSTED, null, 'dropped by the retry schedule: no attempt left') };
      }
      const budget = await this.#db.takeFetch(now, this.#limits.fetchesPerHour);
      if (!budget.ok) {
        this.#throttledUntil = budget.retryAtMs;
        this.#stats.throttled++;
        await this.#claims.release(rec.id);
        return { result: this.#throttled(rec.id, rec) };
      }
      const a = await this.#attempt(rec.pointer, this.#fetchTimeoutMs);
      let failure = a;
      if (a.opened) {
        // The local clock says expired: ask the network's clock, the
        // pointee's timestamp, before giving up on a Welcome that is there.
        const createdMs = now >= rec.expiresAtMs && this.#form === 'message' ? serverTimeMs(a.bytes) : null;
        if (createdMs !== null && createdMs - rec.welcomeTimeMs >= this.#policy.expiryMs) {
          return { result: await this.#dropRecord(rec, ErrorCode.EXPIRED, null, 'the pointee arrived after the expiry (by its server timestamp)') };
        }
        const mark = await this.#db.markDelivering(rec.id, owner, this.#claims.until(), hold.locked);
        if (!mark.ok) return { result: { status: 'busy', id: rec.id } };
        if (mark.previous > 0) this.#stats.redelivered++;
        const d = await this.#deliver(a.opened, rec, mark.previous);
        if (d.accepted) return { result: await this.#resolved(rec) };
        if (d.late) {
          // Timed out while the app's call still runs: the record stays
          // claimed (never delivered twice meanwhile); a late acceptance
          // is honoured.
          const next = await this.#failed(rec, { code: d.error.code, error: d.error, endQuick: true }, false);
          const tail = d.late.then(async (late) => {
            if (late.accepted) {
              this.#stats.lateAccepted++;
              await this.#resolved(rec);
            } else {
              await this.#claims.release(rec.id).catch(() => {});
            }
          }).catch((e) => this.#emit('onError', asError(e, ErrorCode.STORE)));
          return { result: next.result, tail };
        }
        // Not accepted: like a miss, but no more quick tries (the app
        // said no; asking again at once would not help).
        failure = { code: d.error.code, error: d.error, endQuick: true };
      } else if (a.final) {
        return { result: await this.#dropRecord(rec, a.code, a.error, 'the first message on the topic is not this pointee') };
      }
      if (failure.code === ErrorCode.CLOSED) {
        // Closed during the fetch or while the app held the Welcome:
        // leave the record as it was, due for the next resolver.
        await this.#claims.release(rec.id).catch(() => {});
        return { result: { status: 'pending', id: rec.id, code: failure.code, error: failure.error, nextAttemptMs: rec.nextAttemptMs } };
      }
      const next = await this.#failed(rec, failure, true);
      if (next.wait === undefined) return next;
      await this.#sleep(next.wait);
      if (this.#closed) {
        await this.#claims.release(rec.id).catch(() => {});
        return { result: next.result };
      }
      rec = next.record;
    }
  }

  // Schedules the record after a failed attempt. Returns { result } and,
  // in the quick phase, { wait, record } for the next quick try (the
  // claim is kept across the wait).
  async #failed(rec, failure, mayContinue) {
    const now = this.#now();
    const code = failure.code;
    const p = this.#policy;
    let fields;
    let wait;
    if (rec.phase === 'quick') {
      const qa = rec.quickAttempts + 1;
      const elapsed = Math.max(0, now - rec.storedAtMs);
      const d = qa < p.quick.attempts && !failure.endQuick ? retry.quickDelay(p, qa, this.#random() * p.quick.jitterMs) : Infinity;
      if (elapsed + d < p.quick.totalMs) {
        fields = { quickAttempts: qa, nextAttemptMs: now + d, lastAttemptMs: now, lastError: code };
        if (mayContinue) wait = d;
      } else {
        const s = retry.newPending(p, rec.welcomeTimeMs, now);
        if (s.drop) return { result: await this.#dropRecord({ ...rec, lastError: code }, s.drop, null, 'the welcome is too old to keep') };
        fields = { phase: 'deferred', quickAttempts: qa, attempts: 0, nextAttemptMs: s.nextAttemptMs, expiresAtMs: s.expiresAtMs, lastAttemptMs: now, lastError: code };
      }
    } else {
      const n = retry.failed(p, { attempts: rec.attempts, nextAttemptMs: rec.nextAttemptMs, expiresAtMs: rec.expiresAtMs }, now);
      if (n.drop) {
        const err = wpError(n.drop, `dropped by the retry schedule (last error ${code})`, failure.error);
        return { result: await this.#dropRecord({ ...rec, attempts: n.attempts, lastError: code }, n.drop, err, 'dropped by the retry schedule') };
      }
      fields = { attempts: n.attempts, nextAttemptMs: n.nextAttemptMs, lastAttemptMs: now, lastError: code };
    }
    // Keep the claim across a quick wait or a running delivery; give it up otherwise.
    await this.#db.reschedule(rec.id, this.#claims.owner, fields, { release: wait === undefined && mayContinue });
    const record = { ...rec, ...fields };
    return {
      wait,
      record,
      result: {
        status: 'pending', id: rec.id, code, error: failure.error ?? null, nextAttemptMs: fields.nextAttemptMs,
        attempts: record.attempts, phase: record.phase,
      },
    };
  }

  async #resolved(rec) {
    // The app has the Welcome: from here on it must never be delivered
    // again. A failing settle is retried while this resolver holds the claim.
    for (let attempt = 0; ; attempt++) {
      const now = this.#now();
      try {
        await this.#store.settle(rec.id, 'resolved', null, this.#keepUntil(rec.welcomeTimeMs, now), now);
        break;
      } catch (e) {
        const err = asError(e, ErrorCode.STORE);
        this.#emit('onError', err);
        if (this.#closed || err.code === ErrorCode.CLOSED) break;
        await this.#sleep(Math.min(60_000, 1_000 * 2 ** Math.min(attempt, 6)));
      }
    }
    this.#stats.resolved++;
    return { status: 'resolved', id: rec.id };
  }

  async #dropRecord(rec, code, error, reason) {
    const now = this.#now();
    await this.#store.settle(rec.id, 'dropped', code, this.#keepUntil(rec.welcomeTimeMs, now), now);
    const report = this.#report({ ...rec, code, error: error ?? wpError(code, reason), phase: rec.phase }, reason);
    return { status: 'dropped', id: rec.id, drop: report };
  }

  // One fetch and open. Returns { opened, bytes }, { final, code,
  // error } or { transient, code, error }; never throws.
  async #attempt(info, timeoutMs) {
    const topic = (this.#topic === 'decentralized' ? info.decentralizedTopic : info.topic).slice();
    const controller = new AbortController();
    let timer;
    let bytes;
    try {
      bytes = await new Promise((resolve, reject) => {
        timer = setTimeout(() => {
          reject(wpError(ErrorCode.TIMEOUT, `fetchFirstMessage did not settle within ${timeoutMs} ms`));
        }, timeoutMs);
        Promise.resolve()
          .then(() => this.#fetch(topic, { signal: controller.signal, pointerId: info.id, destination: info.destination }))
          .then(resolve, (e) => reject(wpError(ErrorCode.FETCH, `fetchFirstMessage failed: ${e instanceof Error ? e.message : String(e)}`, e)));
        this.#closing.then(() => reject(wpError(ErrorCode.CLOSED, 'the resolver was closed')));
      });
    } catch (e) {
      controller.abort(e);
      return { transient: true, code: e.code, error: e };
    } finally {
      clearTimeout(timer);
    }
    if (bytes === null || bytes === undefined) {
      return { transient: true, code: ErrorCode.NOT_FOUND, error: wpError(ErrorCode.NOT_FOUND, 'no message on the topic yet') };
    }
    if (!(bytes instanceof Uint8Array)) {
      const err = wpError(ErrorCode.FETCH, `fetchFirstMessage returned ${describe(bytes)}; expected a Uint8Array, null or undefined`);
      return { transient: true, code: err.code, error: err };
    }
    try {
      // The Welcome decrypted by the browser's WebCrypto where it can.
      const opened = await openPointeeAsync(info.bytes, bytes, { form: this.#form });
      return { opened, bytes };
    } catch (e) {
      const err = asError(e);
      return FINAL.has(err.code) ? { final: true, code: err.code, error: err } : { transient: true, code: err.code, error: err };
    }
  }

  // Hands a Welcome to the app. Resolves { accepted: true },
  // { accepted: false, error }, or { late, error } when the app did not
  // answer in time (late resolves with its answer, or when closed).
  async #deliver(opened, rec, previous) {
    const welcome = Object.freeze({
      pointerId: rec.id,
      welcome: opened.welcome,
      cursor: opened.cursor,
      hasCursor: opened.hasCursor,
      messageId: rec.messageId,
      createdNs: rec.createdNs,
      installationKey: rec.installationKey,
      phase: rec.phase,
      attempts: rec.attempts,
      previousDeliveries: previous,
    });
    const ms = this.#acceptTimeoutMs;
    let answer;
    if (this.#onWelcome) {
      answer = Promise.resolve().then(() => this.#onWelcome(welcome)).then(() => ({ accepted: true }), (e) => ({
        accepted: false, error: wpError(ErrorCode.REJECTED, `onWelcome threw: ${e instanceof Error ? e.message : String(e)}`, e),
      }));
    } else {
      answer = new Promise((resolve) => {
        let done = false;
        const item = Object.freeze({
          ...welcome,
          accept: () => finish({ accepted: true }),
          reject: (reason) => finish({
            accepted: false,
            error: wpError(ErrorCode.REJECTED, `the app rejected the welcome${reason === undefined ? '' : `: ${String(reason)}`}`, reason),
          }),
        });
        const finish = (r) => {
          if (done) return;
          done = true;
          const i = this.#queue.indexOf(item);
          if (i >= 0) this.#queue.splice(i, 1);
          this.#pendingItems.delete(finish);
          resolve(r);
        };
        this.#pendingItems.add(finish);
        const waiter = this.#waiters.shift();
        if (waiter) waiter({ value: item, done: false });
        else this.#queue.push(item);
      });
    }
    const closed = this.#closing.then(() => ({ accepted: false, error: wpError(ErrorCode.CLOSED, 'the resolver was closed') }));
    answer = Promise.race([answer, closed]);
    let timer;
    const first = await Promise.race([answer, new Promise((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), ms);
    })]);
    clearTimeout(timer);
    if (first !== TIMED_OUT) return first;
    const error = wpError(ErrorCode.TIMEOUT, `the welcome was not accepted within ${ms} ms (a late acceptance still counts)`);
    this.#emit('onError', error);
    return { late: answer, error };
  }

  // ---- due records ----

  /**
   * Works on the pending records that are due (found by the index on the
   * next attempt, at most maxPerTick of them), once each. Never throws for
   * one record: what went wrong is in the report. Throws ERR_STORE when
   * the store cannot be read at all.
   *
   * @returns {Promise<ResolveReport>}
   */
  async resolveDue() {
    this.#checkOpen();
    const report = {
      resolved: [], dropped: [], quarantined: [], failed: [], skipped: [], pending: 0, errors: [], throttled: 0, more: false,
    };
    const now = this.#now();
    await this.#store.pruneSettled(now);
    if (!this.#swept) {
      // Records missing from the index (written behind the store's back)
      // would never come due: read them once, which quarantines them.
      this.#swept = true;
      if (await this.#db.unindexed() > 0) {
        for (const q of (await this.#store.list()).quarantined) {
          report.quarantined.push(q);
          this.#emit('onQuarantined', q);
        }
      }
    }
    const due = await this.#db.dueIds(PENDING, now, this.#limits.maxPerTick, this.#maxAheadMs);
    report.more = due.length >= this.#limits.maxPerTick;
    const work = [];
    for (const id of due) {
      if (this.#closed) break;
      if (this.#active.has(id)) {
        report.skipped.push(id);
        continue;
      }
      if (this.#throttledUntil > this.#now()) {
        report.throttled++;
        continue;
      }
      work.push(this.#track(id, this.#work(id)).then((w) => this.#tally(report, w), (e) => {
        const err = asError(e, ErrorCode.STORE);
        report.errors.push({ id, code: err.code, message: err.message });
      }));
    }
    await Promise.all(work);
    report.pending = await this.#store.count();
    return report;
  }

  #tally(report, w) {
    switch (w.status) {
      case 'resolved':
        report.resolved.push(w.id);
        break;
      case 'dropped':
        report.dropped.push(w.drop);
        break;
      case 'quarantined':
        report.quarantined.push(w.quarantined);
        break;
      case 'busy':
        report.skipped.push(w.id);
        break;
      case 'pending':
        if (w.throttled) report.throttled++;
        else if (w.code) {
          report.failed.push({ id: w.id, code: w.code, message: w.error?.message ?? '', attempts: w.attempts ?? 0, nextAttemptMs: w.nextAttemptMs });
        }
        break;
      default: // gone: settled by another worker
    }
  }

  /**
   * The delivered Welcomes, when no onWelcome callback was given. Call
   * accept() on each once it is safely processed (only then is the
   * record deleted), or reject() to keep it for a later attempt.
   */
  welcomes() {
    if (this.#onWelcome) throw wpError(ErrorCode.ARGUMENT, 'welcomes(): this resolver delivers to its onWelcome callback');
    const self = this;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      next() {
        const item = self.#queue.shift();
        if (item) return Promise.resolve({ value: item, done: false });
        if (self.#closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => self.#waiters.push(resolve));
      },
      return() {
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  /** When the next record is due (ms), now when one is overdue, or null (an index lookup). */
  nextDueMs() {
    this.#checkOpen();
    return this.#db.nextDue(PENDING, this.#now(), this.#maxAheadMs);
  }

  /**
   * Runs resolveDue() now and then whenever the next record is due
   * (checking at least every maxIntervalMs). Errors go to onError.
   */
  start(options) {
    this.#checkOpen();
    this.#loop.start('start', options, () => !this.#closed);
  }

  // One round of start(): the wait wanted before the next.
  async #round() {
    const { more } = await this.resolveDue();
    const now = this.#now();
    if (this.#throttledUntil > now) return this.#throttledUntil - now;
    if (more) return 0;
    const next = await this.#db.nextDue(PENDING, now, this.#maxAheadMs);
    return next === null ? null : next - now;
  }

  /** Stops the loop started by start(). */
  stop() {
    this.#loop.stop();
  }

  /**
   * Stops everything. Welcomes delivered but not accepted stay pending;
   * iterators end. The store stays open (close it separately).
   */
  close() {
    if (this.#closed) return;
    this.stop();
    this.#closed = true;
    this.#signalClosed();
    for (const w of this.#waiters.splice(0)) w({ value: undefined, done: true });
    for (const finish of [...this.#pendingItems]) {
      finish({ accepted: false, error: wpError(ErrorCode.CLOSED, 'the resolver was closed') });
    }
    this.#claims.stopAll();
  }
}

// The server timestamp (created_ns) of a fetched WelcomeMessage, in ms,
// or null when it cannot be read.
function serverTimeMs(bytes) {
  try {
    const ns = inspect(bytes, 'welcome_message')?.v1?.createdNs;
    if (typeof ns !== 'string' && typeof ns !== 'bigint') return null;
    const ms = Number(BigInt(ns) / 1_000_000n);
    return ms > 0 ? ms : null;
  } catch {
    return null;
  }
}
