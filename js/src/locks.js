// Exclusive work on one stored record (a pending pointer, an outbox
// invite) across the tabs, workers and processes that share a database.
//
// Two mechanisms, one interface:
// - a lock manager (navigator.locks, or one passed by the app): the lock
//   is held for as long as the work runs, and the platform releases it
//   when the tab dies;
// - where there is none (Node, older workers): a lease stored in the
//   record itself, { owner, untilMs }, taken in the same IndexedDB
//   transaction that reads the record, renewed while the work runs, and
//   taken over by another owner once it has run out.
// The lease is written in both cases (the store uses it to avoid evicting
// a record that is being worked on); with a lock manager, holding the
// lock overrides a stale lease left by a tab that died.
import { ErrorCode, wpError } from './errors.js';
import { readField } from './options.js';

/**
 * A minimal LockManager: request(name, { ifAvailable }, callback), with
 * exclusive locks granted in request order. Shared by the resolvers of
 * one realm it serializes them like navigator.locks does across tabs.
 */
export function createLocalLocks() {
  const held = new Map(); // name -> queue of waiting grant functions
  return {
    async request(name, options, callback) {
      if (typeof options === 'function') {
        callback = options;
        options = {};
      }
      if (held.has(name)) {
        if (options?.ifAvailable) return callback(null);
        await new Promise((grant) => held.get(name).push(grant));
      } else {
        held.set(name, []);
      }
      try {
        return await callback({ name, mode: 'exclusive' });
      } finally {
        const queue = held.get(name);
        const next = queue.shift();
        if (next) next();
        else held.delete(name);
      }
    },
  };
}

/** navigator.locks when the platform has it, else null (leases only). */
export function platformLocks() {
  const l = globalThis.navigator?.locks;
  return l && typeof l.request === 'function' ? l : null;
}

/**
 * The lock manager for a `locks` option: the one given (read through the
 * guard), or the platform's.
 */
export function lockManagerOption(where, locks) {
  if (locks === undefined) return platformLocks();
  const request = locks === null || typeof locks !== 'object' ? undefined : readField(where, 'options.locks.request', locks, 'request');
  if (typeof request !== 'function') {
    throw wpError(ErrorCode.ARGUMENT, `${where}: locks must be a LockManager (request(name, options, callback))`);
  }
  return { request: (...a) => request.apply(locks, a) };
}

/** A random owner id for leases: one per resolver or outbox. */
export function newOwnerId() {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(12));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Claims on stored records. `locks` is a LockManager or null (leases
 * only); `lease` is the store's lease access for one object store:
 * { claim(id, owner, untilMs, nowMs, force), renew(id, owner, untilMs), release(id, owner) }.
 */
export class Claims {
  #locks;
  #prefix;
  #lease;
  #now;
  #timers = new Set();

  /**
   * @param {{ locks: object | null, prefix: string, lease: object, owner: string, leaseMs: number, now: () => number }} o
   */
  constructor({ locks, prefix, lease, owner, leaseMs, now }) {
    this.#locks = locks;
    this.#prefix = prefix;
    this.#lease = lease;
    this.#now = now;
    /** This worker's lease owner id. */
    this.owner = owner;
    /** How long a lease lasts without renewal. */
    this.leaseMs = leaseMs;
  }

  /** True when a lock manager serializes the work (leases are advisory). */
  get locked() {
    return this.#locks !== null;
  }

  /** The expiry of a lease taken now. */
  until() {
    return this.#now() + this.leaseMs;
  }

  /**
   * Takes the lock on id, if a lock manager is in use and the lock is
   * free. Resolves a hold ({ release(), locked }) or null when another
   * tab holds the lock. Without a lock manager every hold is granted and
   * exclusivity comes from the lease alone.
   */
  async hold(id) {
    if (this.#locks === null) return { locked: false, release() {} };
    return new Promise((resolve, reject) => {
      let granted = false;
      Promise.resolve()
        .then(() =>
          this.#locks.request(this.#prefix + id, { ifAvailable: true }, (lock) => {
            if (!lock) {
              resolve(null);
              return undefined;
            }
            granted = true;
            // Held until release() is called.
            return new Promise((release) => resolve({ locked: true, release }));
          }),
        )
        .catch((e) => {
          if (!granted) reject(e);
        });
    });
  }

  /**
   * Holds the lock and takes the lease in the transaction that reads the
   * record. Resolves { hold, raw } when this worker may work on it,
   * { busy: true } when another one does, { gone: true } when there is
   * no such record.
   */
  async acquire(id) {
    const hold = await this.hold(id);
    if (hold === null) return { busy: true };
    let out;
    try {
      out = await this.#lease.claim(id, this.owner, this.until(), this.#now(), hold.locked);
    } catch (e) {
      hold.release();
      throw e;
    }
    if (!out.raw) {
      hold.release();
      return out;
    }
    return { hold, raw: out.raw };
  }

  /**
   * Renews the lease on id every third of its duration until the
   * returned function is called. Renewal failures are reported to
   * onLost (the lease may have been taken over: a worker suspended for
   * longer than a lease).
   */
  keepAlive(id, onLost) {
    const every = Math.max(1, Math.floor(this.leaseMs / 3));
    const timer = setInterval(() => {
      this.#lease.renew(id, this.owner, this.until()).then(
        (ok) => {
          if (!ok) onLost?.();
        },
        () => {},
      );
    }, every);
    // A renewal timer must not keep a Node process alive.
    timer.unref?.();
    this.#timers.add(timer);
    return () => {
      clearInterval(timer);
      this.#timers.delete(timer);
    };
  }

  /** Gives the lease up (the record stays as it is). */
  release(id) {
    return this.#lease.release(id, this.owner);
  }

  /** Stops every renewal timer (close()). */
  stopAll() {
    for (const t of this.#timers) clearInterval(t);
    this.#timers.clear();
  }
}
