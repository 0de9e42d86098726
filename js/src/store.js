// Pending pointers in IndexedDB: decrypted pointers whose pointee has not
// been found yet. See README.md ("What is stored") for the exact content.
import { ErrorCode, WelcomePointersError, wpError } from './errors.js';
import { describe } from './hex.js';
import { parsePointer } from './api.js';

/** IndexedDB schema version of the database. */
export const DB_VERSION = 1;
/** Version of one pending record's layout ("v" in every record). */
export const RECORD_VERSION = 1;

const PENDING = 'pending';
const SETTLED = 'settled';
const QUARANTINE = 'quarantine';
const STORE_OPTIONS = new Set(['name', 'openDB', 'protector']);
const ID_RE = /^[0-9a-f]{64}$/;
const UINT64_RE = /^(0|[1-9][0-9]{0,19})$/;

/**
 * Opens (creating or upgrading) the pending-pointer database.
 *
 * options.openDB: idb's openDB, or anything with its signature. Without it
 * the `idb` package is imported (browsers without a bundler need an
 * import map entry for "idb"; see README.md).
 * options.protector: { seal(bytes, id), open(bytes, id) } to encrypt the
 * stored pointers (see webCryptoProtector).
 */
export async function openPendingStore(options = {}) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw wpError(ErrorCode.ARGUMENT, `openPendingStore: options must be an object, got ${describe(options)}`);
  }
  for (const k of Object.keys(options)) {
    if (!STORE_OPTIONS.has(k)) throw wpError(ErrorCode.ARGUMENT, `openPendingStore: unknown option "${k}"`);
  }
  const { name = 'welcome-pointers', openDB, protector } = options;
  if (typeof name !== 'string' || name === '') {
    throw wpError(ErrorCode.ARGUMENT, 'openPendingStore: name must be a non-empty string');
  }
  if (openDB !== undefined && typeof openDB !== 'function') {
    throw wpError(ErrorCode.ARGUMENT, 'openPendingStore: openDB must be a function (idb\'s openDB)');
  }
  if (protector !== undefined && (protector === null || typeof protector.seal !== 'function' || typeof protector.open !== 'function')) {
    throw wpError(ErrorCode.ARGUMENT, 'openPendingStore: protector must have seal(bytes, id) and open(bytes, id)');
  }
  let open = openDB;
  if (open === undefined) {
    try {
      ({ openDB: open } = await import('idb'));
    } catch (e) {
      throw wpError(ErrorCode.STORE, 'cannot import "idb": install it, map it in an import map, or pass options.openDB', e);
    }
  }
  let db;
  try {
    db = await open(name, DB_VERSION, {
      upgrade(udb, oldVersion) {
        if (oldVersion < 1) {
          udb.createObjectStore(PENDING, { keyPath: 'id' });
          udb.createObjectStore(SETTLED, { keyPath: 'id' });
          udb.createObjectStore(QUARANTINE, { keyPath: 'seq', autoIncrement: true });
        }
      },
      blocking() {
        // A newer version wants to upgrade (another tab): let it.
        db?.close();
      },
    });
  } catch (e) {
    const newer = e && e.name === 'VersionError';
    throw wpError(ErrorCode.STORE, newer
      ? `database "${name}" was created by a newer version of this package`
      : `cannot open database "${name}": ${e instanceof Error ? e.message : String(e)}`, e);
  }
  return new PendingStore(db, name, protector ?? null);
}

function storeError(what, e) {
  if (e instanceof WelcomePointersError) return e;
  return wpError(ErrorCode.STORE, `${what}: ${e instanceof Error ? e.message : String(e)}`, e);
}

function isTime(n) {
  return typeof n === 'number' && Number.isFinite(n);
}

/** The pending-pointer store. Every method may throw ERR_STORE. */
export class PendingStore {
  #db;
  #protector;
  #closed = false;

  constructor(db, name, protector) {
    this.#db = db;
    this.#protector = protector;
    /** The database name. */
    this.name = name;
  }

  #tx(stores, mode) {
    if (this.#closed) throw wpError(ErrorCode.CLOSED, 'the pending store is closed');
    return this.#db.transaction(stores, mode);
  }

  /**
   * Adds a pending pointer unless its id is already pending or settled
   * (duplicates collapse: the first record keeps its schedule).
   *
   * @returns {Promise<{ added: boolean, existing: null | 'pending' | 'settled' }>}
   */
  async add(entry) {
    const raw = await this.#encode(entry);
    try {
      const tx = this.#tx([PENDING, SETTLED], 'readwrite');
      const [p, s] = await Promise.all([tx.objectStore(PENDING).getKey(raw.id), tx.objectStore(SETTLED).getKey(raw.id)]);
      if (p !== undefined || s !== undefined) {
        await tx.done;
        return { added: false, existing: p !== undefined ? 'pending' : 'settled' };
      }
      await tx.objectStore(PENDING).add(raw);
      await tx.done;
      return { added: true, existing: null };
    } catch (e) {
      throw storeError('adding a pending pointer', e);
    }
  }

  async #encode(entry) {
    if (entry === null || typeof entry !== 'object') {
      throw wpError(ErrorCode.ARGUMENT, `pending entry must be an object, got ${describe(entry)}`);
    }
    const { pointer, installationKey = null, messageId = 0n, createdNs = 0n, welcomeTimeMs, state, nowMs } = entry;
    const info = parsePointer(pointer instanceof Uint8Array ? pointer : pointer?.bytes);
    if (installationKey !== null && !(installationKey instanceof Uint8Array)) {
      throw wpError(ErrorCode.ARGUMENT, 'installationKey must be a Uint8Array or null');
    }
    for (const [k, v] of [['messageId', messageId], ['createdNs', createdNs]]) {
      if (typeof v !== 'bigint' || v < 0n || v >= 1n << 64n) throw wpError(ErrorCode.ARGUMENT, `${k} must be a uint64 bigint`);
    }
    if (!isTime(welcomeTimeMs) || !isTime(nowMs)) throw wpError(ErrorCode.ARGUMENT, 'welcomeTimeMs and nowMs must be numbers');
    if (state === null || typeof state !== 'object' || !Number.isInteger(state.attempts) || state.attempts < 0 ||
        !isTime(state.nextAttemptMs) || !isTime(state.expiresAtMs)) {
      throw wpError(ErrorCode.ARGUMENT, 'state must be { attempts, nextAttemptMs, expiresAtMs } from retry.newPending');
    }
    const raw = {
      v: RECORD_VERSION,
      id: info.id,
      installationKey: installationKey === null ? null : installationKey.slice(),
      messageId: messageId.toString(),
      createdNs: createdNs.toString(),
      welcomeTimeMs,
      attempts: state.attempts,
      nextAttemptMs: state.nextAttemptMs,
      expiresAtMs: state.expiresAtMs,
      storedAtMs: nowMs,
      lastAttemptMs: entry.lastAttemptMs ?? null,
      lastError: entry.lastError ?? null,
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
   * Reads a record back and checks it. A record that cannot be read back
   * is moved to the quarantine and reported.
   *
   * @returns {Promise<{ record: PendingRecord | null, quarantined: QuarantineReport | null }>}
   */
  async get(id) {
    let raw;
    try {
      raw = await this.#tx(PENDING, 'readonly').objectStore(PENDING).get(id);
    } catch (e) {
      throw storeError('reading a pending pointer', e);
    }
    if (raw === undefined) return { record: null, quarantined: null };
    return this.#decodeOrQuarantine(id, raw);
  }

  /**
   * Every pending record, checked; the unreadable ones are quarantined.
   *
   * @returns {Promise<{ records: PendingRecord[], quarantined: QuarantineReport[] }>}
   */
  async list() {
    let keys, values;
    try {
      const store = this.#tx(PENDING, 'readonly').objectStore(PENDING);
      [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()]);
    } catch (e) {
      throw storeError('listing pending pointers', e);
    }
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
    if (raw.v !== RECORD_VERSION) return `record layout version ${String(raw.v)}, this package reads ${RECORD_VERSION}`;
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
      attempts: raw.attempts,
      nextAttemptMs: raw.nextAttemptMs,
      expiresAtMs: raw.expiresAtMs,
      storedAtMs: raw.storedAtMs,
      lastAttemptMs: raw.lastAttemptMs,
      lastError: raw.lastError,
    };
  }

  async #quarantine(key, raw, reason) {
    const report = { key, reason, code: ErrorCode.CORRUPT_RECORD, atMs: Date.now() };
    try {
      const tx = this.#tx([PENDING, QUARANTINE], 'readwrite');
      let value = raw;
      try {
        structuredClone(value);
      } catch {
        value = null;
      }
      await Promise.all([tx.objectStore(QUARANTINE).add({ ...report, value }), tx.objectStore(PENDING).delete(key)]);
      await tx.done;
    } catch (e) {
      throw storeError('quarantining a record', e);
    }
    return report;
  }

  /**
   * Records the outcome of a failed attempt (the schedule from
   * retry.failed) on a record that is still there.
   *
   * @returns {Promise<boolean>} false when the record is gone
   */
  async update(id, { attempts, nextAttemptMs, lastAttemptMs, lastError }) {
    if (!Number.isInteger(attempts) || attempts < 0 || !isTime(nextAttemptMs) || !isTime(lastAttemptMs) ||
        (lastError !== null && typeof lastError !== 'string')) {
      throw wpError(ErrorCode.ARGUMENT, 'update: bad schedule fields');
    }
    try {
      const tx = this.#tx(PENDING, 'readwrite');
      const raw = await tx.store.get(id);
      if (raw === undefined) {
        await tx.done;
        return false;
      }
      await tx.store.put({ ...raw, attempts, nextAttemptMs, lastAttemptMs, lastError });
      await tx.done;
      return true;
    } catch (e) {
      throw storeError('updating a pending pointer', e);
    }
  }

  /**
   * Removes a pending record and remembers its outcome until keepUntilMs,
   * so a duplicate of the pointer arriving later collapses too. The
   * settled entry holds no secret: id, outcome, code and times.
   */
  async settle(id, outcome, code, keepUntilMs, nowMs = Date.now()) {
    try {
      const tx = this.#tx([PENDING, SETTLED], 'readwrite');
      await Promise.all([
        tx.objectStore(PENDING).delete(id),
        tx.objectStore(SETTLED).put({ id, outcome, code: code ?? null, atMs: nowMs, keepUntilMs }),
      ]);
      await tx.done;
    } catch (e) {
      throw storeError('settling a pending pointer', e);
    }
  }

  /** 'pending', 'settled' or null. */
  async status(id) {
    try {
      const tx = this.#tx([PENDING, SETTLED], 'readonly');
      const [p, s] = await Promise.all([tx.objectStore(PENDING).getKey(id), tx.objectStore(SETTLED).getKey(id)]);
      return p !== undefined ? 'pending' : s !== undefined ? 'settled' : null;
    } catch (e) {
      throw storeError('reading a pointer status', e);
    }
  }

  /** Forgets settled entries past their keepUntilMs. */
  async pruneSettled(nowMs = Date.now()) {
    try {
      const tx = this.#tx(SETTLED, 'readwrite');
      let n = 0;
      for (let c = await tx.store.openCursor(); c; c = await c.continue()) {
        const v = c.value;
        if (v === null || typeof v !== 'object' || !isTime(v.keepUntilMs) || v.keepUntilMs <= nowMs) {
          await c.delete();
          n++;
        }
      }
      await tx.done;
      return n;
    } catch (e) {
      throw storeError('pruning settled pointers', e);
    }
  }

  /** The earliest nextAttemptMs of the readable records, or null. */
  async nextDueMs() {
    const { records } = await this.list();
    return records.length ? records[0].nextAttemptMs : null;
  }

  /** Quarantined records, as stored (the value may hold a pointer key). */
  async listQuarantined() {
    try {
      return await this.#tx(QUARANTINE, 'readonly').objectStore(QUARANTINE).getAll();
    } catch (e) {
      throw storeError('listing the quarantine', e);
    }
  }

  /** Deletes every quarantined record. */
  async clearQuarantine() {
    try {
      await this.#tx(QUARANTINE, 'readwrite').objectStore(QUARANTINE).clear();
    } catch (e) {
      throw storeError('clearing the quarantine', e);
    }
  }

  /** Deletes everything: pending, settled and quarantined (for example at logout). */
  async clear() {
    try {
      const tx = this.#tx([PENDING, SETTLED, QUARANTINE], 'readwrite');
      await Promise.all([PENDING, SETTLED, QUARANTINE].map((s) => tx.objectStore(s).clear()));
      await tx.done;
    } catch (e) {
      throw storeError('clearing the store', e);
    }
  }

  /** Closes the database connection. */
  close() {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
  }
}

/**
 * A protector that encrypts stored pointers with AES-GCM under a
 * CryptoKey the app holds (for example a non-extractable key it keeps in
 * its own IndexedDB store, or one derived from a secret not kept on the
 * device). The record id is bound as associated data.
 *
 * @param {CryptoKey} key an AES-GCM key with encrypt and decrypt usages
 */
export function webCryptoProtector(key) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw wpError(ErrorCode.ARGUMENT, 'webCryptoProtector: WebCrypto is not available');
  if (!key || typeof key !== 'object' || key.algorithm?.name !== 'AES-GCM') {
    throw wpError(ErrorCode.ARGUMENT, 'webCryptoProtector: key must be an AES-GCM CryptoKey');
  }
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
      const pt = await subtle.decrypt(
        { name: 'AES-GCM', iv: sealed.subarray(0, 12), additionalData: enc.encode(id) }, key, sealed.subarray(12));
      return new Uint8Array(pt);
    },
  });
}

