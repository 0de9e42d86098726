// The database of pending pointers (and of the sender's outbox) in
// IndexedDB. See README.md ("What is stored") for the exact content.
//
// Every transaction's completion is awaited (or at least observed), so an
// aborted transaction is an ERR_STORE for the caller and never an
// unhandled rejection. The connection is given up when another tab
// deletes or upgrades the database and reopened on the next call; a
// store that can no longer be opened reports ERR_CLOSED (onClose).
// Changes are announced to the other tabs on a BroadcastChannel.
import { ErrorCode, WelcomePointersError, wpError } from './errors.js';
import { parsePointer } from './api.js';
import { checkFunction, describe, readField, readOptions } from './options.js';

/** IndexedDB schema version of the database. */
export const DB_VERSION = 2;
/** Version of one pending record's layout ("v" in every record); version 1 records are still read. */
export const RECORD_VERSION = 2;

const PENDING = 'pending';
const SETTLED = 'settled';
const QUARANTINE = 'quarantine';
const OUTBOX = 'outbox';
const OUTBOX_BATCHES = 'outboxBatches';
const META = 'meta';
const ALL_STORES = [PENDING, SETTLED, QUARANTINE, OUTBOX, OUTBOX_BATCHES, META];
// Indexes: records by next attempt (what is due), pending records by
// storage time (what to evict first), settled entries by expiry (pruning).
const BY_NEXT = 'byNextAttempt';
const BY_STORED = 'byStoredAt';
const BY_KEEP = 'byKeepUntil';

const STORE_OPTIONS = new Set(['name', 'openDB', 'protector', 'onClose']);
const ID_RE = /^[0-9a-f]{64}$/;
const UINT64_RE = /^(0|[1-9][0-9]{0,19})$/;
const HOUR_MS = 3_600_000;
const FETCH_LOG = 'fetches';

/** Store internals used by the resolver and the outbox; not part of the API. */
export const INTERNAL = Symbol('welcome-pointers store internals');
const CONSTRUCT = Symbol('construct');

/**
 * Opens (creating or upgrading) the pending-pointer database.
 *
 * options.openDB: idb's openDB, or anything with its signature. Without it
 * the `idb` package is imported (browsers without a bundler need an
 * import map entry for "idb"; see README.md).
 * options.protector: { seal(bytes, id), open(bytes, id) } to encrypt the
 * stored pointers and outbox messages (see webCryptoProtector).
 * options.onClose(error): the store can no longer be opened (ERR_CLOSED).
 */
export async function openPendingStore(options) {
  const o = readOptions('openPendingStore', 'options', options, STORE_OPTIONS);
  const { name = 'welcome-pointers', openDB, protector, onClose } = o;
  if (typeof name !== 'string' || name === '') {
    throw wpError(ErrorCode.ARGUMENT, 'openPendingStore: name must be a non-empty string');
  }
  checkFunction('openPendingStore', "openDB (idb's openDB)", openDB);
  checkFunction('openPendingStore', 'onClose', onClose);
  let prot = null;
  if (protector !== undefined) {
    const seal = protector === null ? undefined : readField('openPendingStore', 'options.protector.seal', protector, 'seal');
    const open = protector === null ? undefined : readField('openPendingStore', 'options.protector.open', protector, 'open');
    if (typeof seal !== 'function' || typeof open !== 'function') {
      throw wpError(ErrorCode.ARGUMENT, 'openPendingStore: protector must have seal(bytes, id) and open(bytes, id)');
    }
    prot = { seal: (b, id) => seal.call(protector, b, id), open: (b, id) => open.call(protector, b, id) };
  }
  let open = openDB;
  if (open === undefined) {
    try {
      ({ openDB: open } = await import('idb'));
    } catch (e) {
      throw wpError(ErrorCode.STORE, 'cannot import "idb": install it, map it in an import map, or pass options.openDB', e);
    }
  }
  const store = new PendingStore(CONSTRUCT, name, open, prot, onClose ?? null);
  await store[CONSTRUCT]();
  return store;
}

function storeError(what, e) {
  if (e instanceof WelcomePointersError) return e;
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return wpError(ErrorCode.STORE, `${what}: ${detail}`, e);
}

// The connection was closed under this transaction (another tab deleted
// or upgraded the database): reopening and trying once more is safe,
// since nothing of a failed transaction was written.
function connectionGone(e) {
  return e !== null && typeof e === 'object' && e.name === 'InvalidStateError';
}

function isTime(n) {
  return typeof n === 'number' && Number.isFinite(n);
}

function range() {
  const R = globalThis.IDBKeyRange;
  if (!R) throw wpError(ErrorCode.STORE, 'IDBKeyRange is not available');
  return R;
}

// A live lease of another owner. A lease claiming to last longer than a
// lease can (the clock went back) is stale.
function leasedByOther(lease, owner, nowMs, maxMs) {
  return (
    lease !== null && typeof lease === 'object' && lease.owner !== owner && isTime(lease.untilMs) && lease.untilMs > nowMs && lease.untilMs - nowMs <= maxMs
  );
}

// A version 1 pending record (written after a failed quick phase) in the
// current layout; other values as they are.
function upgraded(raw, storeName = PENDING) {
  if (raw.v !== 1 || storeName !== PENDING) return raw;
  return { ...raw, v: RECORD_VERSION, phase: 'deferred', quickAttempts: 0, deliveries: 0, lease: raw.lease ?? null };
}

/** The pending-pointer store. Every method may throw ERR_STORE, or ERR_CLOSED once closed. */
export class PendingStore {
  #open;
  #protector;
  #onClose;
  #db = null;
  #opening = null;
  #closedError = null;
  #channel = null;
  #listeners = new Set();
  #internal;

  constructor(token, name, open, protector, onClose) {
    if (token !== CONSTRUCT) throw wpError(ErrorCode.ARGUMENT, 'use openPendingStore() to open a store');
    this.#open = open;
    this.#protector = protector;
    this.#onClose = onClose;
    /** The database name. */
    this.name = name;
    if (typeof BroadcastChannel === 'function') {
      try {
        const ch = new BroadcastChannel(`welcome-pointers:${name}`);
        ch.onmessage = (ev) => this.#notify(ev.data, true);
        /** @type {{ unref?: () => void }} */ (/** @type {unknown} */ (ch)).unref?.(); // Node: the channel must not keep the process alive
        this.#channel = ch;
      } catch {
        // no channel: other tabs learn changes on their next read
      }
    }
    this.#internal = new Internals(
      this,
      (...a) => this.#run(...a),
      protector,
      (e) => this.#changed(e),
      (k, r) => this.#decodeOrQuarantine(k, r),
      (e) => this.#encode(e),
    );
  }

  async [CONSTRUCT]() {
    this.#db = await this.#connect(true);
  }

  /** @internal */
  get [INTERNAL]() {
    return this.#internal;
  }

  /** True once closed (by close(), or because the database could not be reopened). */
  get closed() {
    return this.#closedError !== null;
  }

  async #connect(first) {
    let db;
    try {
      db = await this.#open(this.name, DB_VERSION, {
        upgrade(udb, oldVersion, _newVersion, tx) {
          if (oldVersion < 1) {
            udb.createObjectStore(PENDING, { keyPath: 'id' });
            udb.createObjectStore(SETTLED, { keyPath: 'id' });
            udb.createObjectStore(QUARANTINE, { keyPath: 'seq', autoIncrement: true });
          }
          if (oldVersion < 2) {
            const p = tx.objectStore(PENDING);
            p.createIndex(BY_NEXT, 'nextAttemptMs');
            p.createIndex(BY_STORED, 'storedAtMs');
            tx.objectStore(SETTLED).createIndex(BY_KEEP, 'keepUntilMs');
            udb.createObjectStore(OUTBOX, { keyPath: 'id' }).createIndex(BY_NEXT, 'nextAttemptMs');
            udb.createObjectStore(OUTBOX_BATCHES);
            udb.createObjectStore(META);
          }
        },
        // Another tab deletes or upgrades the database: let it, and
        // reopen on the next call.
        blocking: (_cur, next) => this.#lost(db, next === null || next === undefined ? 'deleted' : 'upgraded'),
        // The browser closed the connection (storage cleared, disk error).
        terminated: () => this.#lost(db, 'terminated'),
        blocked: () => this.#notify({ type: 'blocked' }, false),
      });
    } catch (e) {
      if (e && e.name === 'VersionError') {
        const msg = `database "${this.name}" was created by a newer version of this package`;
        if (first) throw wpError(ErrorCode.STORE, msg, e);
        throw this.#fail(wpError(ErrorCode.CLOSED, `${msg} (another tab upgraded it); this store is closed`, e));
      }
      throw wpError(ErrorCode.STORE, `cannot open database "${this.name}": ${e instanceof Error ? e.message : String(e)}`, e);
    }
    return db;
  }

  #lost(db, why) {
    if (db && this.#db === db) this.#db = null;
    try {
      db?.close();
    } catch {
      // already closed
    }
    if (this.#closedError === null) this.#notify({ type: why }, false);
  }

  #fail(err) {
    if (this.#closedError !== null) return this.#closedError;
    this.#closedError = err;
    this.#shutChannel();
    this.#notify({ type: 'closed', code: err.code, message: err.message }, false);
    if (this.#onClose) {
      try {
        const r = this.#onClose(err);
        if (r && typeof r.then === 'function') r.then(undefined, () => {});
      } catch {
        // a reporting hook must not break the store
      }
    }
    return err;
  }

  #shutChannel() {
    try {
      this.#channel?.close();
    } catch {
      // already closed
    }
    this.#channel = null;
  }

  async #conn() {
    if (this.#closedError) throw this.#closedError;
    if (this.#db) return this.#db;
    this.#opening ??= this.#connect(false)
      .then((db) => {
        if (this.#closedError) {
          db.close();
          throw this.#closedError;
        }
        this.#db = db;
        this.#notify({ type: 'reopened' }, false);
        return db;
      })
      .finally(() => {
        this.#opening = null;
      });
    return this.#opening;
  }

  // Runs fn(tx) in one transaction and waits for it to commit. fn must
  // await only IndexedDB requests of tx (anything else ends the
  // transaction). A transaction that fails because the connection went
  // away is retried once on a new connection.
  async #run(what, stores, mode, fn) {
    for (let attempt = 0; ; attempt++) {
      const db = await this.#conn();
      let tx;
      try {
        tx = db.transaction(stores, mode);
      } catch (e) {
        if (attempt === 0 && connectionGone(e)) {
          this.#lost(db, 'reconnecting');
          continue;
        }
        throw storeError(what, e);
      }
      const done = tx.done;
      done.catch(() => {}); // observed here; awaited below
      try {
        const out = await fn(tx);
        await done;
        return out;
      } catch (e) {
        try {
          tx.abort();
        } catch {
          // already finished or aborted
        }
        await done.catch(() => {});
        if (attempt === 0 && connectionGone(e) && this.#closedError === null) {
          this.#lost(db, 'reconnecting');
          continue;
        }
        throw storeError(what, e);
      }
    }
  }

  // ---- change notifications ----

  #notify(event, remote) {
    if (event === null || typeof event !== 'object' || typeof event.type !== 'string') return;
    const ev = Object.freeze({ ...event, remote });
    for (const l of [...this.#listeners]) {
      try {
        const r = l(ev);
        if (r && typeof r.then === 'function') r.then(undefined, () => {});
      } catch {
        // a listener must not break the store
      }
    }
  }

  #changed(event) {
    this.#notify(event, false);
    try {
      this.#channel?.postMessage(event);
    } catch {
      // channel closed
    }
  }

  /**
   * Calls listener(event) on every change of this database, made here or
   * in another tab (event.remote): { type: 'added' | 'updated' | 'settled'
   * | 'quarantined' | 'cleared' | 'outbox', id?, outcome?, code? }, and on
   * the connection's life: 'deleted' (another tab deleted the database;
   * the next call recreates it), 'upgraded', 'terminated', 'reopened',
   * 'blocked', 'closed' (ERR_CLOSED for good). Returns an unsubscribe
   * function.
   */
  subscribe(listener) {
    checkFunction('subscribe', 'listener', listener, true);
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  // ---- records ----

  async #encode(entry) {
    if (entry === null || typeof entry !== 'object') {
      throw wpError(ErrorCode.ARGUMENT, `pending entry must be an object, got ${describe(entry)}`);
    }
    const {
      pointer,
      installationKey = null,
      messageId = 0n,
      createdNs = 0n,
      welcomeTimeMs,
      storedAtMs,
      nextAttemptMs,
      expiresAtMs,
      attempts = 0,
      phase = 'deferred',
      quickAttempts = 0,
      lastAttemptMs = null,
      lastError = null,
      lease = null,
    } = entry;
    const info = parsePointer(pointer instanceof Uint8Array ? pointer : pointer?.bytes);
    if (installationKey !== null && !(installationKey instanceof Uint8Array)) {
      throw wpError(ErrorCode.ARGUMENT, 'installationKey must be a Uint8Array or null');
    }
    for (const [k, v] of [
      ['messageId', messageId],
      ['createdNs', createdNs],
    ]) {
      if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) throw wpError(ErrorCode.ARGUMENT, `${k} must be a uint64 bigint`);
    }
    if (!isTime(welcomeTimeMs) || !isTime(storedAtMs) || !isTime(nextAttemptMs) || !isTime(expiresAtMs)) {
      throw wpError(ErrorCode.ARGUMENT, 'welcomeTimeMs, storedAtMs, nextAttemptMs and expiresAtMs must be numbers');
    }
    if (!Number.isInteger(attempts) || attempts < 0 || !Number.isInteger(quickAttempts) || quickAttempts < 0 || (phase !== 'quick' && phase !== 'deferred')) {
      throw wpError(ErrorCode.ARGUMENT, 'bad schedule fields');
    }
    const raw = {
      v: RECORD_VERSION,
      id: info.id,
      installationKey: installationKey === null ? null : installationKey.slice(),
      messageId: messageId.toString(),
      createdNs: createdNs.toString(),
      welcomeTimeMs,
      phase,
      quickAttempts,
      attempts,
      nextAttemptMs,
      expiresAtMs,
      storedAtMs,
      lastAttemptMs: isTime(lastAttemptMs) ? lastAttemptMs : null,
      lastError: typeof lastError === 'string' ? lastError : null,
      deliveries: 0,
      lease,
    };
    if (this.#protector) {
      let sealed;
      try {
        sealed = await this.#protector.seal(info.bytes, info.id);
      } catch (e) {
        throw storeError('protecting a pointer', e);
      }
      if (!(sealed instanceof Uint8Array)) throw wpError(ErrorCode.STORE, 'protector.seal must return a Uint8Array');
      raw.sealedPointer = sealed;
    } else {
      raw.pointer = info.bytes;
    }
    return raw;
  }

  /**
   * Adds a pending pointer (scheduled by the caller, for example from
   * retry.newPending) unless its id is already pending or settled
   * (duplicates collapse: the first record keeps its schedule). The
   * resolver adds through acceptPointer, which also bounds the store.
   *
   * @returns {Promise<{ added: boolean, existing: null | 'pending' | 'settled' }>}
   */
  async add(entry) {
    const e = readOptions(
      'add',
      'entry',
      entry,
      new Set(['pointer', 'installationKey', 'messageId', 'createdNs', 'welcomeTimeMs', 'state', 'nowMs', 'lastAttemptMs', 'lastError']),
      { required: true },
    );
    const { state, nowMs } = e;
    if (
      state === null
      || typeof state !== 'object'
      || !Number.isInteger(state.attempts)
      || state.attempts < 0
      || !isTime(state.nextAttemptMs)
      || !isTime(state.expiresAtMs)
      || !isTime(nowMs)
    ) {
      throw wpError(ErrorCode.ARGUMENT, 'add: state must be { attempts, nextAttemptMs, expiresAtMs } from retry.newPending, and nowMs a number');
    }
    const raw = await this.#encode({
      ...e,
      attempts: state.attempts,
      nextAttemptMs: state.nextAttemptMs,
      expiresAtMs: state.expiresAtMs,
      storedAtMs: nowMs,
    });
    const out = await this.#internal.admit(raw, { maxPending: Infinity, nowMs, exclude: new Set() });
    return { added: out.added, existing: out.existing };
  }

  /**
   * Reads a record back and checks it. A record that cannot be read back
   * is moved to the quarantine and reported.
   *
   * @returns {Promise<{ record: import('../index.js').PendingRecord | null, quarantined: import('../index.js').QuarantineReport | null }>}
   */
  async get(id) {
    const raw = await this.#run('reading a pending pointer', PENDING, 'readonly', (tx) => tx.store.get(id));
    if (raw === undefined) return { record: null, quarantined: null };
    return this.#decodeOrQuarantine(id, raw);
  }

  /**
   * Every pending record, checked, by next attempt; the unreadable ones
   * are quarantined. This reads the whole store: for lists and UIs, not
   * for scheduling (the resolver uses the index on the next attempt).
   *
   * @returns {Promise<{ records: import('../index.js').PendingRecord[], quarantined: import('../index.js').QuarantineReport[] }>}
   */
  async list() {
    const [keys, values] = await this.#run('listing pending pointers', PENDING, 'readonly', (tx) => Promise.all([tx.store.getAllKeys(), tx.store.getAll()]));
    const records = [];
    const quarantined = [];
    for (let i = 0; i < keys.length; i++) {
      const { record, quarantined: q } = await this.#decodeOrQuarantine(keys[i], values[i]);
      if (record) records.push(record);
      if (q) quarantined.push(q);
    }
    records.sort((a, b) => a.nextAttemptMs - b.nextAttemptMs);
    return { records, quarantined };
  }

  /** How many pending records there are. */
  count() {
    return this.#run('counting pending pointers', PENDING, 'readonly', (tx) => tx.store.count());
  }

  async #decodeOrQuarantine(key, raw) {
    let reason;
    try {
      const record = await this.#decode(key, raw);
      if (typeof record !== 'string') return { record, quarantined: null };
      reason = record;
    } catch (e) {
      if (e instanceof WelcomePointersError && (e.code === ErrorCode.CLOSED || e.code === ErrorCode.STORE)) throw e;
      reason = e instanceof Error ? e.message : String(e);
    }
    return { record: null, quarantined: await this.#quarantine(key, raw, reason) };
  }

  // #decode returns a PendingRecord, or a string saying why it cannot.
  async #decode(key, raw) {
    if (raw === null || typeof raw !== 'object') return `not an object (${describe(raw)})`;
    if (raw.v !== 1 && raw.v !== RECORD_VERSION) return `record layout version ${String(raw.v)}, this package reads 1 to ${RECORD_VERSION}`;
    if (typeof raw.id !== 'string' || !ID_RE.test(raw.id) || raw.id !== key) return 'bad id';
    if (!Number.isInteger(raw.attempts) || raw.attempts < 0) return 'bad attempts';
    for (const f of ['welcomeTimeMs', 'nextAttemptMs', 'expiresAtMs', 'storedAtMs']) {
      if (!isTime(raw[f])) return `bad ${f}`;
    }
    if (raw.lastAttemptMs !== null && !isTime(raw.lastAttemptMs)) return 'bad lastAttemptMs';
    if (raw.lastError !== null && typeof raw.lastError !== 'string') return 'bad lastError';
    if (raw.installationKey !== null && !(raw.installationKey instanceof Uint8Array)) return 'bad installationKey';
    for (const f of ['messageId', 'createdNs']) {
      if (typeof raw[f] !== 'string' || !UINT64_RE.test(raw[f]) || BigInt(raw[f]) >= 1n << 64n) return `bad ${f}`;
    }
    // Version 1 records were written after a failed quick phase.
    const phase = raw.v === 1 ? 'deferred' : raw.phase;
    const quickAttempts = raw.v === 1 ? 0 : raw.quickAttempts;
    const deliveries = raw.v === 1 ? 0 : raw.deliveries;
    if (phase !== 'quick' && phase !== 'deferred') return 'bad phase';
    if (!Number.isInteger(quickAttempts) || quickAttempts < 0) return 'bad quickAttempts';
    if (!Number.isInteger(deliveries) || deliveries < 0) return 'bad deliveries';
    const lease = raw.lease ?? null;
    if (lease !== null && (typeof lease !== 'object' || typeof lease.owner !== 'string' || !isTime(lease.untilMs))) return 'bad lease';
    let bytes;
    if (raw.sealedPointer !== undefined) {
      if (!this.#protector) return 'the pointer is protected and no protector was given';
      if (!(raw.sealedPointer instanceof Uint8Array)) return 'bad sealedPointer';
      try {
        bytes = await this.#protector.open(raw.sealedPointer, raw.id);
      } catch {
        return 'the protected pointer does not open';
      }
      if (!(bytes instanceof Uint8Array)) return 'protector.open did not return a Uint8Array';
    } else {
      if (!(raw.pointer instanceof Uint8Array)) return 'bad pointer';
      bytes = raw.pointer;
    }
    let info;
    try {
      info = parsePointer(bytes);
    } catch (e) {
      if (e instanceof WelcomePointersError && (e.code === ErrorCode.NOT_INITIALIZED || e.code === ErrorCode.INTERNAL)) throw e;
      return `the stored pointer does not parse (${e.code ?? 'error'})`;
    }
    if (info.id !== raw.id) return 'the stored pointer does not match its id';
    return {
      id: raw.id,
      pointer: info,
      installationKey: raw.installationKey,
      messageId: BigInt(raw.messageId),
      createdNs: BigInt(raw.createdNs),
      welcomeTimeMs: raw.welcomeTimeMs,
      phase,
      quickAttempts,
      attempts: raw.attempts,
      nextAttemptMs: raw.nextAttemptMs,
      expiresAtMs: raw.expiresAtMs,
      storedAtMs: raw.storedAtMs,
      lastAttemptMs: raw.lastAttemptMs,
      lastError: raw.lastError,
      deliveries,
      lease: lease === null ? null : { owner: lease.owner, untilMs: lease.untilMs },
    };
  }

  async #quarantine(key, raw, reason) {
    const report = { key, reason, code: ErrorCode.CORRUPT_RECORD, atMs: Date.now() };
    let value = raw;
    try {
      structuredClone(value);
    } catch {
      value = null;
    }
    await this.#run('quarantining a record', [PENDING, QUARANTINE], 'readwrite', (tx) =>
      Promise.all([tx.objectStore(QUARANTINE).add({ ...report, value }), tx.objectStore(PENDING).delete(key)]),
    );
    this.#changed({ type: 'quarantined', id: typeof key === 'string' ? key : null });
    return report;
  }

  /**
   * Records the outcome of a failed attempt (the schedule from
   * retry.failed) on a record that is still there.
   *
   * @returns {Promise<boolean>} false when the record is gone
   */
  async update(id, changes) {
    const c = readOptions('update', 'changes', changes, new Set(['attempts', 'nextAttemptMs', 'lastAttemptMs', 'lastError']), { required: true });
    const { attempts, nextAttemptMs, lastAttemptMs, lastError } = c;
    if (
      !Number.isInteger(attempts)
      || attempts < 0
      || !isTime(nextAttemptMs)
      || !isTime(lastAttemptMs)
      || (lastError !== null && typeof lastError !== 'string')
    ) {
      throw wpError(ErrorCode.ARGUMENT, 'update: bad schedule fields');
    }
    return this.#internal.reschedule(id, null, { attempts, nextAttemptMs, lastAttemptMs, lastError });
  }

  /**
   * Removes a pending record and remembers its outcome until keepUntilMs,
   * so a duplicate of the pointer arriving later collapses too. The
   * settled entry holds no secret: id, outcome, code and times.
   */
  async settle(id, outcome, code, keepUntilMs, nowMs = Date.now()) {
    if (typeof id !== 'string' || (outcome !== 'resolved' && outcome !== 'dropped') || !isTime(keepUntilMs) || !isTime(nowMs)) {
      throw wpError(ErrorCode.ARGUMENT, 'settle: expected (id, "resolved" | "dropped", code, keepUntilMs, nowMs)');
    }
    await this.#run('settling a pending pointer', [PENDING, SETTLED], 'readwrite', (tx) =>
      Promise.all([tx.objectStore(PENDING).delete(id), tx.objectStore(SETTLED).put({ id, outcome, code: code ?? null, atMs: nowMs, keepUntilMs })]),
    );
    this.#changed({ type: 'settled', id, outcome, code: code ?? null });
  }

  /** 'pending', 'settled' or null. */
  status(id) {
    return this.#run('reading a pointer status', [PENDING, SETTLED], 'readonly', async (tx) => {
      const [p, s] = await Promise.all([tx.objectStore(PENDING).getKey(id), tx.objectStore(SETTLED).getKey(id)]);
      return p !== undefined ? 'pending' : s !== undefined ? 'settled' : null;
    });
  }

  /** Forgets settled entries past their keepUntilMs (by an index: cost grows with what is pruned). */
  pruneSettled(nowMs = Date.now()) {
    return this.#run('pruning settled pointers', SETTLED, 'readwrite', async (tx) => {
      let n = 0;
      const idx = tx.store.index(BY_KEEP);
      for (let c = await idx.openCursor(range().upperBound(nowMs)); c; c = await c.continue()) {
        await c.delete();
        n++;
      }
      return n;
    });
  }

  /** The earliest nextAttemptMs of the pending records, or null (an index lookup). */
  nextDueMs() {
    return this.#run('reading the next attempt', PENDING, 'readonly', async (tx) => {
      const c = await tx.store.index(BY_NEXT).openKeyCursor();
      return c ? c.key : null;
    });
  }

  /** Quarantined records, as stored (the value may hold a pointer key). */
  listQuarantined() {
    return this.#run('listing the quarantine', QUARANTINE, 'readonly', (tx) => tx.store.getAll());
  }

  /** Deletes every quarantined record. */
  clearQuarantine() {
    return this.#run('clearing the quarantine', QUARANTINE, 'readwrite', (tx) => tx.store.clear());
  }

  /** Deletes everything: pending, settled, quarantined, the outbox (for example at logout). */
  async clear() {
    await this.#run('clearing the store', ALL_STORES, 'readwrite', (tx) => Promise.all(ALL_STORES.map((s) => tx.objectStore(s).clear())));
    this.#changed({ type: 'cleared' });
  }

  /** Closes the database connection; later calls throw ERR_CLOSED. */
  close() {
    if (this.#closedError !== null) return;
    this.#closedError = wpError(ErrorCode.CLOSED, 'the pending store is closed');
    this.#shutChannel();
    this.#listeners.clear();
    const db = this.#db;
    this.#db = null;
    try {
      db?.close();
    } catch {
      // already closed
    }
  }
}

// The operations the resolver and the outbox build on: admission with a
// cap, leases, the due index, the fetch budget, and the outbox records.
// Each is one transaction.
class Internals {
  #store;
  #run;
  #protector;
  #changed;
  /** (key, raw) -> { record, quarantined } */
  decode;
  /** entry -> raw record (sealed when a protector is set) */
  encode;

  constructor(store, run, protector, changed, decode, encode) {
    this.#store = store;
    this.#run = run;
    this.#protector = protector;
    this.#changed = changed;
    this.decode = decode;
    this.encode = encode;
  }

  get name() {
    return this.#store.name;
  }

  /**
   * Adds a record unless its id is pending or settled. With dropCode the
   * pointer is not kept but settled as dropped at once (too old to
   * keep). When the store holds maxPending records, the oldest ones that
   * no worker holds and that are not in exclude are evicted (settled as
   * dropped with ERR_CAPACITY) to make room; when none can be, the new
   * pointer is refused.
   *
   * @param {object} raw
   * @param {{ maxPending: number, nowMs: number, exclude: Set<string>, dropCode?: string | null, keepUntilMs?: number,
   *   dropKeepUntilMs?: (v: object) => number, leaseMs?: number }} options
   * @returns {Promise<{ added: boolean, existing: 'pending' | 'settled' | null, dropped?: string, refused?: boolean, evicted: object[] }>}
   */
  async admit(raw, { maxPending, nowMs, exclude, dropCode = null, keepUntilMs = 0, dropKeepUntilMs = () => keepUntilMs, leaseMs = 300_000 }) {
    const out = await this.#run('adding a pending pointer', [PENDING, SETTLED], 'readwrite', async (tx) => {
      const pending = tx.objectStore(PENDING);
      const settled = tx.objectStore(SETTLED);
      const [p, s] = await Promise.all([pending.getKey(raw.id), settled.getKey(raw.id)]);
      if (p !== undefined || s !== undefined) return { added: false, existing: p !== undefined ? 'pending' : 'settled', evicted: [] };
      if (dropCode) {
        await settled.put({ id: raw.id, outcome: 'dropped', code: dropCode, atMs: nowMs, keepUntilMs });
        return { added: false, existing: null, dropped: dropCode, evicted: [] };
      }
      const evicted = [];
      let n = await pending.count();
      if (n >= maxPending) {
        for (let c = await pending.index(BY_STORED).openCursor(); c && n >= maxPending; c = await c.continue()) {
          const v = c.value;
          if (v === null || typeof v !== 'object' || exclude.has(c.primaryKey)) continue;
          if (leasedByOther(v.lease, '', nowMs, leaseMs)) continue; // being worked on
          await c.delete();
          await settled.put({ id: c.primaryKey, outcome: 'dropped', code: ErrorCode.CAPACITY, atMs: nowMs, keepUntilMs: dropKeepUntilMs(v) });
          evicted.push({
            id: c.primaryKey,
            messageId: v.messageId,
            createdNs: v.createdNs,
            installationKey: v.installationKey ?? null,
            attempts: v.attempts,
            lastError: v.lastError ?? null,
            phase: v.phase ?? 'deferred',
          });
          n--;
        }
        if (n >= maxPending) return { added: false, existing: null, refused: true, evicted };
      }
      await pending.add(raw);
      return { added: true, existing: null, evicted };
    });
    for (const e of out.evicted) this.#changed({ type: 'settled', id: e.id, outcome: 'dropped', code: ErrorCode.CAPACITY });
    if (out.added) this.#changed({ type: 'added', id: raw.id });
    else if (out.dropped) this.#changed({ type: 'settled', id: raw.id, outcome: 'dropped', code: out.dropped });
    return out;
  }

  /** Lease access to one object store (pending or outbox), for Claims. */
  lease(storeName) {
    const run = this.#run;
    return {
      claim: (id, owner, untilMs, nowMs, force) =>
        run('claiming a record', storeName, 'readwrite', async (tx) => {
          const raw = await tx.store.get(id);
          if (raw === undefined) return { gone: true };
          if (raw === null || typeof raw !== 'object') return { raw }; // unreadable: the caller quarantines it
          if (!force && leasedByOther(raw.lease, owner, nowMs, untilMs - nowMs)) return { busy: true };
          const next = { ...upgraded(raw, storeName), lease: { owner, untilMs } };
          await tx.store.put(next);
          return { raw: next };
        }),
      renew: (id, owner, untilMs) =>
        run('renewing a lease', storeName, 'readwrite', async (tx) => {
          const raw = await tx.store.get(id);
          if (raw?.lease?.owner !== owner) return false;
          await tx.store.put({ ...raw, lease: { owner, untilMs } });
          return true;
        }),
      release: (id, owner) =>
        run('releasing a lease', storeName, 'readwrite', async (tx) => {
          const raw = await tx.store.get(id);
          if (raw?.lease?.owner !== owner) return false;
          await tx.store.put({ ...raw, lease: null });
          return true;
        }),
    };
  }

  /**
   * Counts a delivery on a record this worker holds, just before handing
   * its Welcome to the app. false when the record is gone or another
   * worker took it over (then nothing may be delivered).
   *
   * @returns {{ ok: boolean, previous: number }} previous: earlier unconfirmed deliveries
   */
  markDelivering(id, owner, untilMs, force) {
    return this.#run('marking a delivery', PENDING, 'readwrite', async (tx) => {
      const raw = await tx.store.get(id);
      if (raw === undefined || raw === null || typeof raw !== 'object') return { ok: false, previous: 0 };
      if (!force && raw.lease?.owner !== owner) return { ok: false, previous: 0 };
      const previous = Number.isInteger(raw.deliveries) ? raw.deliveries : 0;
      await tx.store.put({ ...raw, deliveries: previous + 1, lease: { owner, untilMs } });
      return { ok: true, previous };
    });
  }

  /**
   * Writes schedule fields on a pending record. owner null: whoever
   * holds it; otherwise only while owner holds the lease (or nobody
   * does). release: give the lease up in the same transaction.
   */
  async reschedule(id, owner, changes, { release = false } = {}) {
    const ok = await this.#run('updating a pending pointer', PENDING, 'readwrite', async (tx) => {
      const raw = await tx.store.get(id);
      if (raw === undefined || raw === null || typeof raw !== 'object') return false;
      if (owner !== null && raw.lease && raw.lease.owner !== owner) return false;
      const next = { ...upgraded(raw), ...changes };
      if (release) next.lease = null;
      await tx.store.put(next);
      return true;
    });
    if (ok) this.#changed({ type: 'updated', id });
    return ok;
  }

  /**
   * Ids of records due at nowMs, by the index on the next attempt: those
   * whose time has come, and those scheduled more than maxAheadMs ahead
   * (no schedule waits that long: the clock went back).
   */
  dueIds(storeName, nowMs, limit, maxAheadMs) {
    return this.#run('finding due records', storeName, 'readonly', async (tx) => {
      const idx = tx.store.index(BY_NEXT);
      const R = range();
      const ids = await idx.getAllKeys(R.upperBound(nowMs), limit);
      if (ids.length < limit) ids.push(...(await idx.getAllKeys(R.lowerBound(nowMs + maxAheadMs, true), limit - ids.length)));
      return ids;
    });
  }

  /** The earliest due time (nowMs when the clock went back past a record), or null. */
  nextDue(storeName, nowMs, maxAheadMs) {
    return this.#run('reading the next attempt', storeName, 'readonly', async (tx) => {
      const idx = tx.store.index(BY_NEXT);
      const first = await idx.openKeyCursor();
      if (!first) return null;
      const last = await idx.openKeyCursor(null, 'prev');
      return last && last.key > nowMs + maxAheadMs ? nowMs : first.key;
    });
  }

  /** Records missing from the due index (corrupt): count differs from the index's. */
  unindexed() {
    return this.#run('checking the index', PENDING, 'readonly', async (tx) => {
      const [all, indexed] = await Promise.all([tx.store.count(), tx.store.index(BY_NEXT).count()]);
      return all - indexed;
    });
  }

  /**
   * Takes one fetch from the budget shared by every tab on this
   * database: at most perHour fetches in any hour (by the local clock).
   *
   * @returns {{ ok: true } | { ok: false, retryAtMs: number }}
   */
  takeFetch(nowMs, perHour) {
    return this.#run('counting a fetch', META, 'readwrite', async (tx) => {
      const v = await tx.store.get(FETCH_LOG);
      const times = (Array.isArray(v?.times) ? v.times : []).filter((t) => isTime(t) && t > nowMs - HOUR_MS && t <= nowMs).sort((a, b) => a - b);
      if (times.length >= perHour) return { ok: false, retryAtMs: times[times.length - perHour] + HOUR_MS };
      times.push(nowMs);
      await tx.store.put({ times }, FETCH_LOG);
      return { ok: true };
    });
  }

  // ---- the outbox ----

  /** Seals bytes with the store's protector (or returns them as they are). */
  async seal(bytes, aad) {
    if (!this.#protector) return bytes;
    let sealed;
    try {
      sealed = await this.#protector.seal(bytes, aad);
    } catch (e) {
      throw storeError('protecting an outbox batch', e);
    }
    if (!(sealed instanceof Uint8Array)) throw wpError(ErrorCode.STORE, 'protector.seal must return a Uint8Array');
    return sealed;
  }

  async open(bytes, aad, isSealed) {
    if (!isSealed) return bytes;
    if (!this.#protector) throw wpError(ErrorCode.CORRUPT_RECORD, 'the outbox batch is protected and no protector was given');
    let out;
    try {
      out = await this.#protector.open(bytes, aad);
    } catch (e) {
      throw wpError(ErrorCode.CORRUPT_RECORD, 'the protected outbox batch does not open', e);
    }
    if (!(out instanceof Uint8Array)) throw wpError(ErrorCode.CORRUPT_RECORD, 'protector.open did not return a Uint8Array');
    return out;
  }

  get protected() {
    return this.#protector !== null;
  }

  /** Stores an invite's header and batches in one transaction, unless its id is there. */
  async outboxPut(header, batches) {
    const added = await this.#run('adding to the outbox', [OUTBOX, OUTBOX_BATCHES], 'readwrite', async (tx) => {
      const box = tx.objectStore(OUTBOX);
      if ((await box.getKey(header.id)) !== undefined) return false;
      const b = tx.objectStore(OUTBOX_BATCHES);
      await Promise.all([box.add(header), ...batches.map((data, i) => b.put(data, [header.id, i]))]);
      return true;
    });
    if (added) this.#changed({ type: 'outbox', id: header.id });
    return added;
  }

  outboxGet(id) {
    return this.#run('reading the outbox', OUTBOX, 'readonly', (tx) => tx.store.get(id));
  }

  outboxList() {
    return this.#run('listing the outbox', OUTBOX, 'readonly', (tx) => tx.store.getAll());
  }

  outboxBatch(id, index) {
    return this.#run('reading an outbox batch', OUTBOX_BATCHES, 'readonly', (tx) => tx.store.get([id, index]));
  }

  /** Writes header fields while owner holds the invite's lease. */
  async outboxUpdate(id, owner, changes) {
    const ok = await this.#run('updating the outbox', OUTBOX, 'readwrite', async (tx) => {
      const h = await tx.store.get(id);
      if (h === undefined || (h.lease && h.lease.owner !== owner)) return false;
      await tx.store.put({ ...h, ...changes });
      return true;
    });
    if (ok) this.#changed({ type: 'outbox', id });
    return ok;
  }

  /** Deletes an invite and its batches. */
  async outboxDelete(id) {
    await this.#run('removing from the outbox', [OUTBOX, OUTBOX_BATCHES], 'readwrite', (tx) =>
      Promise.all([tx.objectStore(OUTBOX).delete(id), tx.objectStore(OUTBOX_BATCHES).delete(range().bound([id, 0], [id, Infinity]))]),
    );
    this.#changed({ type: 'outbox', id });
  }
}

/**
 * A protector that encrypts stored pointers (and outbox batches) with
 * AES-GCM under a CryptoKey the app holds (for example a non-extractable
 * key it keeps in its own IndexedDB store, or one derived from a secret
 * not kept on the device). The record id is bound as associated data.
 *
 * @param {CryptoKey} key an AES-GCM key with encrypt and decrypt usages
 */
export function webCryptoProtector(key) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw wpError(ErrorCode.ARGUMENT, 'webCryptoProtector: WebCrypto is not available');
  let alg;
  try {
    alg = key !== null && typeof key === 'object' ? key.algorithm?.name : undefined;
  } catch (e) {
    throw wpError(ErrorCode.ARGUMENT, 'webCryptoProtector: key cannot be read', e);
  }
  if (alg !== 'AES-GCM') throw wpError(ErrorCode.ARGUMENT, 'webCryptoProtector: key must be an AES-GCM CryptoKey');
  const enc = new TextEncoder();
  return Object.freeze({
    async seal(bytes, id) {
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
      const ct = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(id) }, key, bytes));
      const out = new Uint8Array(12 + ct.length);
      out.set(iv);
      out.set(ct, 12);
      return out;
    },
    async open(sealed, id) {
      if (sealed.length < 12 + 16) throw new Error('sealed pointer too short');
      const pt = await subtle.decrypt({ name: 'AES-GCM', iv: sealed.subarray(0, 12), additionalData: enc.encode(id) }, key, sealed.subarray(12));
      return new Uint8Array(pt);
    },
  });
}
