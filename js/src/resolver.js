// The resolver: turns decrypted pointers into Welcomes. It fetches the
// first message on a pointer's topic through the app's function, runs
// the quick-retry phase, persists what is still missing in the pending
// store, retries it on the core's schedule, and hands every opened
// Welcome to the app, deleting the record only once the app accepted it.
import { ErrorCode, WelcomePointersError, asError, wpError } from './errors.js';
import { describe } from './hex.js';
import { openPointee, parsePointer, retry } from './api.js';
import { defaultLocks } from './locks.js';
import { PendingStore } from './store.js';

// Failures that no retry can fix (spec section 4.5): the first message on
// the topic is a real message, and it is not our pointee. A malformed
// answer is NOT final here: nodes never store malformed messages, so
// garbage comes from the transport and the record stays on its schedule.
const FINAL = new Set([ErrorCode.DECRYPT, ErrorCode.NOT_POINTEE, ErrorCode.TOO_LARGE]);

const OPTIONS = new Set([
  'store', 'fetchFirstMessage', 'onWelcome', 'onDropped', 'onQuarantined', 'onError', 'policy',
  'fetchTimeoutMs', 'acceptTimeoutMs', 'topic', 'messageForm', 'locks', 'lockPrefix', 'now', 'random', 'sleep',
]);

const BUSY = Symbol('busy');

/**
 * Creates a resolver. Requires init().
 *
 * @param {import('../index.js').ResolverOptions} options
 */
export function createResolver(options) {
  return new Resolver(options);
}

function checkFn(v, name, required = false) {
  if (v === undefined && !required) return;
  if (typeof v !== 'function') throw wpError(ErrorCode.ARGUMENT, `createResolver: ${name} must be a function, got ${describe(v)}`);
}

function checkMs(v, name) {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 2 ** 31 - 1) {
    throw wpError(ErrorCode.ARGUMENT, `createResolver: ${name} must be a number of milliseconds in (0, 2^31)`);
  }
}

function defaultSleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Resolver {
  #store;
  #fetch;
  #onWelcome;
  #hooks;
  #policy;
  #fetchTimeoutMs;
  #acceptTimeoutMs;
  #topic;
  #form;
  #locks;
  #lockPrefix;
  #now;
  #random;
  #sleep;
  #inFlight = new Set();
  #queue = []; // delivered welcomes waiting for the iterator
  #waiters = []; // iterator next() calls waiting for a welcome
  #pendingItems = new Set(); // settle functions of welcomes not yet accepted
  #closed = false;
  #timer = null;
  #running = false;

  constructor(options) {
    if (options === null || typeof options !== 'object') {
      throw wpError(ErrorCode.ARGUMENT, `createResolver: options must be an object, got ${describe(options)}`);
    }
    for (const k of Object.keys(options)) {
      if (!OPTIONS.has(k)) throw wpError(ErrorCode.ARGUMENT, `createResolver: unknown option "${k}"`);
    }
    const o = options;
    if (!(o.store instanceof PendingStore)) {
      throw wpError(ErrorCode.ARGUMENT, 'createResolver: store must come from openPendingStore()');
    }
    checkFn(o.fetchFirstMessage, 'fetchFirstMessage', true);
    for (const f of ['onWelcome', 'onDropped', 'onQuarantined', 'onError', 'now', 'random', 'sleep']) checkFn(o[f], f);
    checkMs(o.fetchTimeoutMs, 'fetchTimeoutMs');
    checkMs(o.acceptTimeoutMs, 'acceptTimeoutMs');
    if (o.topic !== undefined && o.topic !== 'v3' && o.topic !== 'decentralized') {
      throw wpError(ErrorCode.ARGUMENT, 'createResolver: topic must be "v3" or "decentralized"');
    }
    if (o.messageForm !== undefined && o.messageForm !== 'message' && o.messageForm !== 'input') {
      throw wpError(ErrorCode.ARGUMENT, 'createResolver: messageForm must be "message" or "input"');
    }
    if (o.locks !== undefined && (o.locks === null || typeof o.locks.request !== 'function')) {
      throw wpError(ErrorCode.ARGUMENT, 'createResolver: locks must be a LockManager (request(name, options, callback))');
    }
    if (o.lockPrefix !== undefined && typeof o.lockPrefix !== 'string') {
      throw wpError(ErrorCode.ARGUMENT, 'createResolver: lockPrefix must be a string');
    }
    this.#store = o.store;
    this.#fetch = o.fetchFirstMessage;
    this.#onWelcome = o.onWelcome ?? null;
    this.#hooks = { onDropped: o.onDropped, onQuarantined: o.onQuarantined, onError: o.onError };
    // The schedule comes from the core; a partial override is completed
    // and validated there.
    this.#policy = retry.policy(o.policy);
    this.#fetchTimeoutMs = o.fetchTimeoutMs ?? this.#policy.quick.perTryMs;
    this.#acceptTimeoutMs = o.acceptTimeoutMs ?? 60_000;
    this.#topic = o.topic ?? 'v3';
    this.#form = o.messageForm ?? 'message';
    this.#locks = o.locks ?? defaultLocks();
    this.#lockPrefix = o.lockPrefix ?? `welcome-pointers:${o.store.name}:`;
    this.#now = o.now ?? Date.now;
    this.#random = o.random ?? Math.random;
    this.#sleep = o.sleep ?? defaultSleep;
  }

  /** The complete retry policy in use (from the core). */
  get policy() {
    return this.#policy;
  }

  #checkOpen() {
    if (this.#closed) throw wpError(ErrorCode.CLOSED, 'the resolver is closed');
  }

  #emit(hook, report) {
    const f = this.#hooks[hook];
    if (!f) return;
    try {
      const r = f(report);
      if (r && typeof r.then === 'function') r.then(undefined, () => {});
    } catch {
      // a reporting hook must not break the resolver
    }
  }

  async #withLock(id, ifAvailable, fn) {
    let result = BUSY;
    await this.#locks.request(this.#lockPrefix + id, { ifAvailable }, async (lock) => {
      if (lock === null) return;
      result = await fn();
    });
    return result;
  }

  /**
   * Handles a pointer just opened with openWelcome: quick retries first;
   * a pointee still missing is persisted and retried by resolveDue().
   * A pointer already pending or settled is a duplicate and collapses.
   *
   * @returns {Promise<ResolveOutcome>} status "resolved", "pending", "dropped" or "duplicate"
   */
  async resolvePointer(received, options = {}) {
    this.#checkOpen();
    if (received === null || typeof received !== 'object' || received.kind !== 'pointer' ||
        received.pointer === null || typeof received.pointer !== 'object') {
      throw wpError(ErrorCode.ARGUMENT, 'resolvePointer: expected what openWelcome returned for a pointer (kind "pointer")');
    }
    if (options === null || typeof options !== 'object') {
      throw wpError(ErrorCode.ARGUMENT, 'resolvePointer: options must be an object');
    }
    const info = parsePointer(received.pointer.bytes);
    const messageId = typeof received.id === 'bigint' ? received.id : 0n;
    const createdNs = typeof received.createdNs === 'bigint' ? received.createdNs : 0n;
    const installationKey = received.installationKey instanceof Uint8Array ? received.installationKey : null;
    let welcomeTimeMs = options.welcomeTimeMs;
    if (welcomeTimeMs !== undefined && (typeof welcomeTimeMs !== 'number' || !Number.isFinite(welcomeTimeMs))) {
      throw wpError(ErrorCode.ARGUMENT, 'resolvePointer: welcomeTimeMs must be a number');
    }
    // The welcome's timestamp sets the expiry; the input form has none.
    welcomeTimeMs ??= createdNs > 0n ? Number(createdNs / 1_000_000n) : this.#now();
    const ctx = { id: info.id, pointer: info, messageId, createdNs, installationKey, welcomeTimeMs, attempts: 0 };

    if (this.#inFlight.has(info.id)) return { status: 'duplicate', id: info.id };
    this.#inFlight.add(info.id);
    try {
      const out = await this.#withLock(info.id, false, () => this.#quickPhase(ctx));
      return out === BUSY ? { status: 'duplicate', id: info.id } : out;
    } finally {
      this.#inFlight.delete(info.id);
    }
  }

  async #quickPhase(ctx) {
    const known = await this.#store.status(ctx.id);
    if (known) return { status: 'duplicate', id: ctx.id, existing: known };
    const q = this.#policy.quick;
    const t0 = this.#now();
    let last = null;
    for (let attempt = 0; attempt < q.attempts && !this.#closed; attempt++) {
      if (attempt > 0) {
        const d = retry.quickDelay(this.#policy, attempt, this.#random() * q.jitterMs);
        if (this.#now() - t0 + d >= q.totalMs) break;
        await this.#sleep(d);
      }
      const remaining = q.totalMs - (this.#now() - t0);
      if (remaining <= 0) break;
      const r = await this.#attempt(ctx.pointer, Math.min(this.#fetchTimeoutMs, remaining));
      if (r.opened) {
        const d = await this.#deliver(r.opened, ctx, 'quick');
        if (d.accepted) {
          const now = this.#now();
          await this.#store.settle(ctx.id, 'resolved', null, now + this.#policy.expiryMs, now);
          return { status: 'resolved', id: ctx.id };
        }
        // Not accepted: keep the pointer, on the schedule, like a miss.
        last = { code: d.error.code, error: d.error };
        break;
      }
      if (r.final) {
        const report = await this.#drop(ctx, r.code, r.error, 'quick');
        return { status: 'dropped', id: ctx.id, code: r.code, error: report.error };
      }
      last = r;
    }
    const now = this.#now();
    const state = retry.newPending(this.#policy, ctx.welcomeTimeMs, now);
    if (state.drop) {
      const report = await this.#drop(ctx, state.drop, wpError(state.drop, 'the welcome is too old to keep'), 'quick');
      return { status: 'dropped', id: ctx.id, code: state.drop, error: report.error };
    }
    const { added, existing } = await this.#store.add({
      pointer: ctx.pointer, installationKey: ctx.installationKey, messageId: ctx.messageId, createdNs: ctx.createdNs,
      welcomeTimeMs: ctx.welcomeTimeMs, state, nowMs: now, lastAttemptMs: last ? now : null, lastError: last?.code ?? null,
    });
    if (!added) return { status: 'duplicate', id: ctx.id, existing };
    return { status: 'pending', id: ctx.id, code: last?.code ?? null, error: last?.error ?? null, nextAttemptMs: state.nextAttemptMs };
  }

  /**
   * Tries every pending pointer that is due, once. Never throws for one
   * record: what went wrong is in the report. Throws ERR_STORE when the
   * store cannot be read at all.
   *
   * @returns {Promise<ResolveReport>}
   */
  async resolveDue() {
    this.#checkOpen();
    const report = { resolved: [], dropped: [], quarantined: [], failed: [], skipped: [], pending: 0, errors: [] };
    const now = this.#now();
    await this.#store.pruneSettled(now);
    const { records, quarantined } = await this.#store.list();
    for (const q of quarantined) {
      report.quarantined.push(q);
      this.#emit('onQuarantined', q);
    }
    for (const rec of records) {
      if (this.#closed) break;
      // Records that are neither due nor to be dropped need no lock.
      if (!retry.check(this.#policy, rec, now) && !retry.isDue(this.#policy, rec, now)) {
        report.pending++;
        continue;
      }
      try {
        const out = await this.#withLock(rec.id, true, () => this.#processDue(rec.id, report));
        if (out === BUSY) report.skipped.push(rec.id);
      } catch (e) {
        const err = asError(e, ErrorCode.STORE);
        report.errors.push({ id: rec.id, code: err.code, message: err.message });
        report.pending++;
      }
    }
    return report;
  }

  async #processDue(id, report) {
    // Read again under the lock: another tab may have finished it.
    const { record, quarantined } = await this.#store.get(id);
    if (quarantined) {
      report.quarantined.push(quarantined);
      this.#emit('onQuarantined', quarantined);
      return;
    }
    if (!record) return;
    const ctx = { ...record };
    const now = this.#now();
    const drop = retry.check(this.#policy, record, now);
    if (drop) {
      report.dropped.push(await this.#drop(ctx, drop, wpError(drop, 'dropped by the retry schedule'), 'deferred'));
      return;
    }
    if (!retry.isDue(this.#policy, record, now)) {
      report.pending++;
      return;
    }
    let r = await this.#attempt(record.pointer, this.#fetchTimeoutMs);
    if (r.opened) {
      const d = await this.#deliver(r.opened, ctx, 'deferred');
      if (d.accepted) {
        const t = this.#now();
        await this.#store.settle(id, 'resolved', null, t + this.#policy.expiryMs, t);
        report.resolved.push(id);
        return;
      }
      r = { code: d.error.code, error: d.error };
    } else if (r.final) {
      report.dropped.push(await this.#drop(ctx, r.code, r.error, 'deferred'));
      return;
    }
    const t = this.#now();
    const next = retry.failed(this.#policy, record, t);
    if (next.drop) {
      const err = wpError(next.drop, `dropped by the retry schedule (last error ${r.code})`, r.error);
      report.dropped.push(await this.#drop({ ...ctx, attempts: next.attempts, lastError: r.code }, next.drop, err, 'deferred'));
      return;
    }
    await this.#store.update(id, { attempts: next.attempts, nextAttemptMs: next.nextAttemptMs, lastAttemptMs: t, lastError: r.code });
    report.failed.push({ id, code: r.code, message: r.error?.message ?? '', attempts: next.attempts, nextAttemptMs: next.nextAttemptMs });
    report.pending++;
  }

  async #drop(ctx, code, error, phase) {
    const now = this.#now();
    await this.#store.settle(ctx.id, 'dropped', code, now + this.#policy.expiryMs, now);
    const report = {
      id: ctx.id, code, error: error instanceof WelcomePointersError ? error : wpError(code, String(error)), phase,
      messageId: ctx.messageId, createdNs: ctx.createdNs, installationKey: ctx.installationKey,
      attempts: ctx.attempts ?? 0, lastError: ctx.lastError ?? null,
    };
    this.#emit('onDropped', report);
    return report;
  }

  // One fetch and open. Returns { opened }, { final, code, error } or
  // { transient, code, error }; never throws.
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
      return { opened: openPointee(info.bytes, bytes, { form: this.#form }) };
    } catch (e) {
      const err = asError(e);
      return FINAL.has(err.code) ? { final: true, code: err.code, error: err } : { transient: true, code: err.code, error: err };
    }
  }

  // Hands a Welcome to the app. Resolves { accepted: true } or
  // { accepted: false, error }; never throws.
  async #deliver(opened, ctx, phase) {
    const welcome = {
      pointerId: ctx.id,
      welcome: opened.welcome,
      cursor: opened.cursor,
      hasCursor: opened.hasCursor,
      messageId: ctx.messageId,
      createdNs: ctx.createdNs,
      installationKey: ctx.installationKey,
      phase,
      attempts: ctx.attempts ?? 0,
    };
    const ms = this.#acceptTimeoutMs;
    if (this.#onWelcome) {
      let timer;
      try {
        await new Promise((resolve, reject) => {
          timer = setTimeout(() => reject(wpError(ErrorCode.TIMEOUT, `onWelcome did not settle within ${ms} ms`)), ms);
          Promise.resolve().then(() => this.#onWelcome(Object.freeze(welcome))).then(resolve, (e) =>
            reject(wpError(ErrorCode.REJECTED, `onWelcome threw: ${e instanceof Error ? e.message : String(e)}`, e)));
        });
        return { accepted: true };
      } catch (e) {
        return { accepted: false, error: e };
      } finally {
        clearTimeout(timer);
      }
    }
    return new Promise((resolve) => {
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
        clearTimeout(timer);
        const i = this.#queue.indexOf(item);
        if (i >= 0) this.#queue.splice(i, 1);
        this.#pendingItems.delete(finish);
        resolve(r);
      };
      const timer = setTimeout(() => finish({
        accepted: false, error: wpError(ErrorCode.TIMEOUT, `the welcome was not accepted within ${ms} ms`),
      }), ms);
      this.#pendingItems.add(finish);
      const waiter = this.#waiters.shift();
      if (waiter) waiter({ value: item, done: false });
      else this.#queue.push(item);
    });
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

  /** The earliest next attempt among pending records (ms), or null. */
  nextDueMs() {
    this.#checkOpen();
    return this.#store.nextDueMs();
  }

  /**
   * Runs resolveDue() now and then whenever the next record is due
   * (checking at least every maxIntervalMs). Errors go to onError.
   */
  start({ minIntervalMs = 1_000, maxIntervalMs = 60_000 } = {}) {
    this.#checkOpen();
    if (this.#running) return;
    this.#running = true;
    const tick = async () => {
      this.#timer = null;
      try {
        await this.resolveDue();
      } catch (e) {
        this.#emit('onError', asError(e));
      }
      if (!this.#running || this.#closed) return;
      let next = null;
      try {
        next = await this.#store.nextDueMs();
      } catch (e) {
        this.#emit('onError', asError(e));
      }
      if (!this.#running || this.#closed) return;
      const wait = next === null ? maxIntervalMs : Math.min(maxIntervalMs, Math.max(minIntervalMs, next - this.#now()));
      this.#timer = setTimeout(tick, wait);
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Stops the loop started by start(). */
  stop() {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * Stops everything. Welcomes delivered but not accepted stay pending;
   * iterators end. The store stays open (close it separately).
   */
  close() {
    if (this.#closed) return;
    this.stop();
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w({ value: undefined, done: true });
    for (const finish of [...this.#pendingItems]) {
      finish({ accepted: false, error: wpError(ErrorCode.CLOSED, 'the resolver was closed') });
    }
  }
}
