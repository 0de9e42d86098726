// Locks on pending records. Web Locks (navigator.locks) serialize the
// work across the tabs and workers of an origin; where they are missing
// (Node, old browsers) a lock manager local to this JS realm stands in.

/**
 * A minimal LockManager: request(name, { ifAvailable }, callback), with
 * exclusive locks granted in request order.
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

/** navigator.locks when the platform has it, else a local stand-in. */
export function defaultLocks() {
  const l = globalThis.navigator?.locks;
  return l && typeof l.request === 'function' ? l : createLocalLocks();
}
