// The sender's durable outbox. An invite is stored, cut into batches,
// before its first byte is published; the pointee goes first, alone,
// then the pointers and direct welcomes in batches, and what each batch
// returned is recorded. After a failure, a reload or a closed tab the
// invite resumes at the first batch not recorded as published, with the
// very same bytes: a batch resent after an interruption is harmless,
// since the node deduplicates on its messages (installation key and
// data). One worker at a time publishes an invite (Web Locks or a lease,
// as for pending pointers). Delays, attempts and the age after which an
// invite is abandoned come from the core's retry policy.
import { ErrorCode, asError, wpError } from './errors.js';
import { toHex } from './hex.js';
import { retry } from './api.js';
import { Claims, lockManagerOption, newOwnerId } from './locks.js';
import { Loop } from './loop.js';
import { INTERNAL, PendingStore } from './store.js';
import { callHook, checkFunction, checkInteger, checkMs, describe, readBytes, readField, readOptions } from './options.js';

/** The outbox's own sizes and timeouts (its retry schedule is the core's). */
export const OUTBOX_DEFAULTS = Object.freeze({
  /** Messages per publish call (the pointee is always alone in the first). */
  batchMessages: 100,
  /** Bytes per publish call (a larger single message is sent alone). */
  batchBytes: 4 * 1024 * 1024,
  /** Bound on one publish call. */
  publishTimeoutMs: 60_000,
});

/** Layout version of an outbox record. */
export const OUTBOX_VERSION = 1;

const OUTBOX = 'outbox';
const OPTIONS = new Set([
  'store',
  'publish',
  'onProgress',
  'onSent',
  'onAbandoned',
  'onError',
  'policy',
  'batchMessages',
  'batchBytes',
  'publishTimeoutMs',
  'locks',
  'lockPrefix',
  'leaseMs',
  'now',
  'sleep',
  'random',
]);
const TIMED_OUT = Symbol('timed out');

/**
 * Creates an outbox on a store from openPendingStore() (same database).
 * publish(messages, { signal, inviteId, batch, batches }) publishes the
 * messages (WelcomeMessageInput bytes) in order and may return what the
 * network answered (kept when it can be stored); it throws on failure.
 */
export function createOutbox(options) {
  return new Outbox(options);
}

// Batches as stored: each message as a 4-byte big-endian length and its bytes.
function packBatch(messages) {
  const n = messages.reduce((a, m) => a + 4 + m.length, 0);
  const out = new Uint8Array(n);
  const view = new DataView(out.buffer);
  let o = 0;
  for (const m of messages) {
    view.setUint32(o, m.length);
    out.set(m, o + 4);
    o += 4 + m.length;
  }
  return out;
}

function unpackBatch(bytes, count) {
  const out = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  while (o < bytes.length) {
    if (o + 4 > bytes.length) return null;
    const n = view.getUint32(o);
    if (o + 4 + n > bytes.length) return null;
    out.push(bytes.slice(o + 4, o + 4 + n));
    o += 4 + n;
  }
  return out.length === count ? out : null;
}

function cloneable(v) {
  if (v === undefined) return null;
  try {
    return structuredClone(v);
  } catch {
    return null;
  }
}

// The guarded read of an invite: sealInvite's result, or an array of
// messages (Uint8Array, or { message, kind }).
function readInvite(invite) {
  const where = 'outbox.enqueue';
  let list;
  let n;
  try {
    list = invite !== null && typeof invite === 'object' && !Array.isArray(invite) ? invite.messages : invite;
    if (!Array.isArray(list))
      throw wpError(ErrorCode.ARGUMENT, `${where}: invite must be what sealInvite returned or an array of messages, got ${describe(invite)}`);
    n = list.length;
  } catch (e) {
    throw asError(e, ErrorCode.ARGUMENT, `${where}: invite cannot be read`);
  }
  if (n === 0 || n > 1_000_000) throw wpError(ErrorCode.ARGUMENT, `${where}: an invite has 1 to 1,000,000 messages, got ${n}`);
  const messages = [];
  const kinds = [];
  for (let i = 0; i < n; i++) {
    const m = readField(where, `invite.messages[${i}]`, list, i);
    if (m instanceof Uint8Array) {
      messages.push(readBytes(where, `invite.messages[${i}]`, m));
      kinds.push(null);
    } else if (m !== null && typeof m === 'object') {
      messages.push(readBytes(where, `invite.messages[${i}].message`, readField(where, `invite.messages[${i}].message`, m, 'message')));
      const k = readField(where, `invite.messages[${i}].kind`, m, 'kind');
      kinds.push(typeof k === 'string' ? k : null);
    } else {
      throw wpError(ErrorCode.ARGUMENT, `${where}: invite.messages[${i}] must be a Uint8Array or { message }`);
    }
    if (messages[i].length === 0) throw wpError(ErrorCode.ARGUMENT, `${where}: invite.messages[${i}] is empty`);
  }
  return { messages, kinds };
}

function validHeader(h) {
  const int = (n) => Number.isInteger(n) && n >= 0;
  return (
    h !== null
    && typeof h === 'object'
    && h.v === OUTBOX_VERSION
    && typeof h.id === 'string'
    && Array.isArray(h.batchCounts)
    && h.batchCounts.every((c) => int(c) && c > 0)
    && int(h.next)
    && h.next <= h.batchCounts.length
    && int(h.sent)
    && int(h.total)
    && int(h.attempts)
    && Array.isArray(h.results)
    && typeof h.createdAtMs === 'number'
    && typeof h.sealed === 'boolean'
  );
}

class Outbox {
  #db;
  #publish;
  #hooks;
  #schedule;
  #batchMessages;
  #batchBytes;
  #publishTimeoutMs;
  #claims;
  #now;
  #random;
  #active = new Map();
  #closed = false;
  #closing;
  #signalClosed;
  #loop = new Loop(
    () => this.#round(),
    (e) => this.#emit('onError', e),
  );

  constructor(options) {
    const where = 'createOutbox';
    const o = readOptions(where, 'options', options, OPTIONS, { required: true });
    if (!(o.store instanceof PendingStore)) throw wpError(ErrorCode.ARGUMENT, `${where}: store must come from openPendingStore()`);
    checkFunction(where, 'publish', o.publish, true);
    for (const f of ['onProgress', 'onSent', 'onAbandoned', 'onError', 'now', 'sleep', 'random']) checkFunction(where, f, o[f]);
    checkInteger(where, 'batchMessages', o.batchMessages, 1, 100_000);
    checkInteger(where, 'batchBytes', o.batchBytes, 1024, 1 << 30);
    checkMs(where, 'publishTimeoutMs', o.publishTimeoutMs);
    checkMs(where, 'leaseMs', o.leaseMs);
    const locks = lockManagerOption(where, o.locks);
    if (o.lockPrefix !== undefined && typeof o.lockPrefix !== 'string') throw wpError(ErrorCode.ARGUMENT, `${where}: lockPrefix must be a string`);
    this.#db = o.store[INTERNAL];
    this.#publish = o.publish;
    this.#hooks = { onProgress: o.onProgress, onSent: o.onSent, onAbandoned: o.onAbandoned, onError: o.onError };
    this.#schedule = retry.schedule(o.policy);
    this.#batchMessages = o.batchMessages ?? OUTBOX_DEFAULTS.batchMessages;
    this.#batchBytes = o.batchBytes ?? OUTBOX_DEFAULTS.batchBytes;
    this.#publishTimeoutMs = o.publishTimeoutMs ?? OUTBOX_DEFAULTS.publishTimeoutMs;
    this.#now = o.now ?? Date.now;
    this.#random = o.random ?? Math.random;
    this.#claims = new Claims({
      locks,
      prefix: o.lockPrefix ?? `welcome-pointers:${o.store.name}:outbox:`,
      lease: this.#db.lease(OUTBOX),
      owner: newOwnerId(),
      leaseMs: o.leaseMs ?? 30_000,
      now: () => this.#now(),
    });
    this.#closing = new Promise((resolve) => {
      this.#signalClosed = resolve;
    });
  }

  #checkOpen() {
    if (this.#closed) throw wpError(ErrorCode.CLOSED, 'the outbox is closed');
  }

  #emit(hook, report) {
    callHook(this.#hooks[hook], report);
  }

  // The batches of an invite: the pointee alone first, then at most
  // batchMessages messages and batchBytes bytes per batch.
  #cut(messages, kinds) {
    const batches = [];
    let i = 0;
    if (kinds[0] === 'pointee') {
      batches.push([0, 1]);
      i = 1;
    }
    while (i < messages.length) {
      let j = i;
      let bytes = 0;
      while (j < messages.length && j - i < this.#batchMessages && (j === i || bytes + messages[j].length <= this.#batchBytes)) {
        bytes += messages[j].length;
        j++;
      }
      batches.push([i, j]);
      i = j;
    }
    return batches;
  }

  /**
   * Stores an invite (sealInvite's result, or its messages in publishing
   * order) and returns once it is committed, before anything is
   * published. The id is a hash of the messages: the same invite twice
   * is stored once.
   *
   * @returns {Promise<{ id: string, total: number, batches: number, existing: boolean }>}
   */
  async enqueue(invite) {
    this.#checkOpen();
    const { messages, kinds } = readInvite(invite);
    const packedAll = packBatch(messages);
    const id = toHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', packedAll)));
    const cuts = this.#cut(messages, kinds);
    const batches = [];
    for (let b = 0; b < cuts.length; b++) {
      const [from, to] = cuts[b];
      batches.push({ count: to - from, data: await this.#db.seal(packBatch(messages.slice(from, to)), `${id}/${b}`) });
    }
    const now = this.#now();
    const header = {
      v: OUTBOX_VERSION,
      id,
      createdAtMs: now,
      total: messages.length,
      totalBytes: packedAll.length - 4 * messages.length,
      kinds,
      batchCounts: batches.map((b) => b.count),
      sealed: this.#db.protected,
      next: 0,
      sent: 0,
      results: [],
      attempts: 0,
      nextAttemptMs: now,
      lastAttemptMs: null,
      lastError: null,
      lease: null,
    };
    const added = await this.#db.outboxPut(
      header,
      batches.map((b) => b.data),
    );
    return { id, total: messages.length, batches: batches.length, existing: !added };
  }

  /** enqueue() then send(): the invite is stored before its first byte goes out. */
  async publishInvite(invite) {
    const { id } = await this.enqueue(invite);
    return this.send(id);
  }

  /**
   * Publishes what is left of a stored invite now. Resolves
   * { status: 'sent' | 'pending' | 'abandoned' | 'busy' | 'gone', id, sent, total, error? }:
   * pending (kept, retried by resume()/start()) after a failed batch,
   * busy when another tab is publishing it, gone when it is not stored.
   */
  send(id) {
    this.#checkOpen();
    if (typeof id !== 'string') throw wpError(ErrorCode.ARGUMENT, `outbox.send: id must be a string, got ${describe(id)}`);
    const running = this.#active.get(id);
    if (running) return running;
    const p = this.#work(id);
    this.#active.set(id, p);
    p.then(
      () => this.#active.delete(id),
      () => this.#active.delete(id),
    );
    return p;
  }

  async #work(id) {
    const c = await this.#claims.acquire(id);
    if (c.busy) return { status: 'busy', id };
    if (c.gone) return { status: 'gone', id };
    const stop = this.#claims.keepAlive(id);
    try {
      if (!validHeader(c.raw)) {
        await this.#db.outboxDelete(id);
        const error = wpError(ErrorCode.CORRUPT_RECORD, 'an outbox record could not be read back; it was removed');
        this.#emit('onAbandoned', {
          id,
          code: error.code,
          error,
          reason: error.message,
          sent: 0,
          total: 0,
          batchesSent: 0,
          batches: 0,
          attempts: 0,
          lastError: null,
        });
        return { status: 'abandoned', id, sent: 0, total: 0, error };
      }
      return await this.#sendClaimed(c.raw);
    } finally {
      stop();
      c.hold.release();
    }
  }

  async #sendClaimed(h) {
    const owner = this.#claims.owner;
    const n = h.batchCounts.length;
    const progress = (extra) => ({ id: h.id, sent: h.sent, total: h.total, batches: n, next: h.next, ...extra });
    while (h.next < n) {
      if (this.#closed) break;
      const now = this.#now();
      if (this.#schedule.newPending(h.createdAtMs, now).drop === ErrorCode.EXPIRED) {
        return this.#abandon(h, ErrorCode.EXPIRED, 'the invite is older than the expiry: receivers would drop its pointers');
      }
      const b = h.next;
      let messages;
      try {
        const stored = await this.#db.outboxBatch(h.id, b);
        const data = stored instanceof Uint8Array ? await this.#db.open(stored, `${h.id}/${b}`, h.sealed) : null;
        messages = data === null ? null : unpackBatch(data, h.batchCounts[b]);
      } catch (e) {
        const err = asError(e, ErrorCode.STORE);
        if (err.code !== ErrorCode.CORRUPT_RECORD) throw err;
        messages = null;
      }
      if (messages === null) return this.#abandon(h, ErrorCode.CORRUPT_RECORD, `batch ${b} cannot be read back`);
      let result;
      let error = null;
      const controller = new AbortController();
      let timer;
      try {
        result = await Promise.race([
          Promise.resolve().then(() => this.#publish(messages, { signal: controller.signal, inviteId: h.id, batch: b, batches: n })),
          new Promise((resolve) => {
            timer = setTimeout(() => resolve(TIMED_OUT), this.#publishTimeoutMs);
          }),
          this.#closing.then(() => TIMED_OUT),
        ]);
        if (result === TIMED_OUT) {
          error = wpError(this.#closed ? ErrorCode.CLOSED : ErrorCode.TIMEOUT, `publish did not settle within ${this.#publishTimeoutMs} ms`);
        }
      } catch (e) {
        error = wpError(ErrorCode.FETCH, `publish failed: ${e instanceof Error ? e.message : String(e)}`, e);
      } finally {
        clearTimeout(timer);
        if (error) controller.abort(error);
      }
      const t = this.#now();
      if (error) {
        const attempts = h.attempts + 1;
        if (attempts >= this.#schedule.policy.maxAttempts) {
          return this.#abandon(
            { ...h, attempts, lastError: error.code },
            ErrorCode.ATTEMPTS_EXHAUSTED,
            `publishing failed ${attempts} times (last: ${error.message})`,
          );
        }
        const delay = this.#schedule.quickDelay(attempts, this.#random() * this.#schedule.policy.quick.jitterMs);
        const changes = { attempts, nextAttemptMs: t + delay, lastAttemptMs: t, lastError: error.code, lease: null };
        await this.#db.outboxUpdate(h.id, owner, changes);
        this.#emit('onError', error);
        return { status: 'pending', id: h.id, sent: h.sent, total: h.total, error, nextAttemptMs: changes.nextAttemptMs };
      }
      // Recorded before the next batch: a resumed send starts after it.
      const changes = {
        next: b + 1,
        sent: h.sent + messages.length,
        results: [...h.results, cloneable(result)],
        attempts: 0,
        lastAttemptMs: t,
        lastError: null,
        nextAttemptMs: t,
      };
      if (!(await this.#db.outboxUpdate(h.id, owner, changes))) return { status: 'busy', id: h.id };
      h = { ...h, ...changes };
      this.#emit('onProgress', progress({ batch: b, result }));
    }
    if (h.next < n) {
      await this.#claims.release(h.id).catch(() => {});
      return { status: 'pending', id: h.id, sent: h.sent, total: h.total, error: wpError(ErrorCode.CLOSED, 'the outbox was closed') };
    }
    await this.#db.outboxDelete(h.id);
    this.#emit('onSent', { id: h.id, total: h.total, results: h.results });
    return { status: 'sent', id: h.id, sent: h.sent, total: h.total, results: h.results };
  }

  async #abandon(h, code, reason) {
    await this.#db.outboxDelete(h.id);
    const error = wpError(code, reason);
    const report = {
      id: h.id,
      code,
      error,
      reason,
      sent: h.sent,
      total: h.total,
      batchesSent: h.next,
      batches: h.batchCounts.length,
      attempts: h.attempts,
      lastError: h.lastError ?? null,
    };
    this.#emit('onAbandoned', report);
    return { status: 'abandoned', id: h.id, sent: h.sent, total: h.total, error, report };
  }

  /**
   * Sends every stored invite that is due (after a reload, or whose retry
   * time came), one at a time per invite.
   *
   * @returns {Promise<{ sent: string[], pending: string[], abandoned: object[], skipped: string[], errors: object[] }>}
   */
  async resume() {
    this.#checkOpen();
    const now = this.#now();
    const ids = await this.#db.dueIds(OUTBOX, now, 1_000, this.#schedule.policy.quick.totalMs);
    const report = { sent: [], pending: [], abandoned: [], skipped: [], errors: [] };
    for (const id of ids) {
      if (this.#closed) break;
      try {
        const r = await this.send(id);
        if (r.status === 'sent') report.sent.push(id);
        else if (r.status === 'abandoned') report.abandoned.push(r.report);
        else if (r.status === 'pending') report.pending.push(id);
        else if (r.status === 'busy') report.skipped.push(id);
      } catch (e) {
        const err = asError(e, ErrorCode.STORE);
        report.errors.push({ id, code: err.code, message: err.message });
      }
    }
    return report;
  }

  /** The stored invites: { id, total, sent, batches, next, attempts, nextAttemptMs, lastError, createdAtMs }. */
  async list() {
    return (await this.#db.outboxList())
      .filter((h) => h && typeof h === 'object')
      .map((h) => ({
        id: h.id,
        total: h.total,
        sent: h.sent,
        batches: h.batchCounts?.length ?? 0,
        next: h.next,
        attempts: h.attempts,
        nextAttemptMs: h.nextAttemptMs,
        lastError: h.lastError,
        createdAtMs: h.createdAtMs,
        results: h.results,
      }));
  }

  /** Gives an invite up (reported to onAbandoned with ERR_ABORTED). */
  async cancel(id) {
    this.#checkOpen();
    const c = await this.#claims.acquire(id);
    if (c.busy) return false;
    if (c.gone) return false;
    try {
      await this.#abandon(c.raw, ErrorCode.ABORTED, 'cancelled by the app');
      return true;
    } finally {
      c.hold.release();
    }
  }

  /** Resolves once no send runs in this outbox. */
  async whenIdle() {
    while (this.#active.size > 0) await Promise.allSettled([...this.#active.values()]);
  }

  /** Runs resume() now and whenever an invite is due (at least every maxIntervalMs). */
  start(options) {
    this.#checkOpen();
    this.#loop.start('outbox.start', options, () => !this.#closed);
  }

  async #round() {
    await this.resume();
    const now = this.#now();
    const next = await this.#db.nextDue(OUTBOX, now, this.#schedule.policy.quick.totalMs);
    return next === null ? null : next - now;
  }

  stop() {
    this.#loop.stop();
  }

  /** Stops sending; what is not published stays stored for the next outbox. */
  close() {
    if (this.#closed) return;
    this.stop();
    this.#closed = true;
    this.#signalClosed();
    this.#claims.stopAll();
  }
}
