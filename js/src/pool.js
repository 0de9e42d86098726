// The persistent pool of sealing workers (sealInvite's { workers }):
// started once, by init({ workers }) or by the first sealInvite that asks
// for workers, each worker instantiating the module init() compiled
// (posted to it: no second download or compilation), then reused by every
// invite, so an invite no longer waits for workers to start; shut down by
// dispose(). Workers start through host.startWorker (Web Workers, or
// worker_threads in Node, where an idle pool keeps no process alive).
//
// The protocol (worker.js): this side posts { type: 'init', module } once,
// then { type: 'seal', id, pointer, installations, options, webCrypto } per part
// and { type: 'abort', id }; a worker posts { type: 'ready' } when its
// script runs, { type: 'initialized' }, then per part { type: 'progress',
// id, done }…, { type: 'result', id, messages } or { type: 'error', id,
// code, message } (an error without id: its init failed).
import { ErrorCode, WelcomePointersError, wpError } from './errors.js';
import { describe } from './hex.js';
import { configuredWorkerURL, host } from './host.js';
import { loadedModule } from './module.js';

/** The cap on workers: 'auto'. */
const MAX_AUTO_WORKERS = 8;

/** Checks options.workers: a positive integer or 'auto'. */
export function checkWorkers(workers) {
  if (workers === 'auto' || (Number.isSafeInteger(workers) && workers >= 1)) return workers;
  throw wpError(ErrorCode.ARGUMENT, `options.workers must be a positive integer or 'auto', got ${describe(workers)}`);
}

/** How many workers options.workers asks for. */
export function workerCount(workers) {
  if (workers !== 'auto') return workers;
  const n = host.cores();
  return Number.isSafeInteger(n) && n > 0 ? Math.min(MAX_AUTO_WORKERS, n) : 1;
}

/**
 * init({ workers }): starts the pool in the background, where workers can
 * start; a failure shows on the first sealInvite that uses it.
 */
export function startPool(workers) {
  if (host.noWorkers()) return;
  try {
    growPool(workerCount(workers));
  } catch {
    // the first sealInvite with workers says why
  }
}

// Workers started, and those not yet terminated (tests read them).
const stats = { spawned: 0, live: 0 };

/** @internal How many workers were started, and how many still run. */
export function workerStats() {
  return { ...stats };
}

let pool = null; // { url, module, slots: Slot[], queue: Job[] }
let nextID = 1;

/**
 * Starts workers until the pool has n (init({ workers }), sealInvite),
 * each instantiating module (default: init()'s). A pool made for another
 * worker URL or module instance is replaced.
 */
export function growPool(n, module = loadedModule()) {
  const url = configuredWorkerURL();
  if (pool && (String(pool.url) !== String(url) || pool.module !== module)) shutdownPool();
  pool ??= { url, module, slots: [], queue: [] };
  pool.slots = pool.slots.filter((s) => !s.failed); // retried
  while (pool.slots.length < n) pool.slots.push(startSlot(pool));
  return pool.slots.length;
}

/** Terminates every worker; parts still queued or running reject (dispose()). */
export function shutdownPool(why = wpError(ErrorCode.NOT_INITIALIZED, 'the module was disposed')) {
  const p = pool;
  pool = null;
  if (!p) return;
  for (const slot of p.slots) stopSlot(slot, why);
  for (const job of p.queue.splice(0)) job.reject(why);
}

/**
 * Seals one part in the pool: resolves to its messages. onProgress(done)
 * counts its installations; signal (an AbortSignal of the caller's
 * making) aborts it in the worker.
 */
export function sealPart(part, onProgress, signal) {
  const p = pool;
  return new Promise((resolve, reject) => {
    if (!p) {
      reject(wpError(ErrorCode.NOT_INITIALIZED, 'no sealing workers: the module was disposed'));
      return;
    }
    const job = { id: nextID++, part, onProgress, resolve, reject, slot: null };
    signal?.addEventListener('abort', () => {
      if (job.slot) job.slot.handle.post({ type: 'abort', id: job.id });
      else p.queue.splice(p.queue.indexOf(job) >>> 0, 1);
    }, { once: true });
    p.queue.push(job);
    dispatch(p);
  });
}

function dispatch(p) {
  for (const slot of p.slots) {
    if (p.queue.length === 0) return;
    if (slot.job || slot.failed) continue;
    const job = p.queue.shift();
    slot.job = job;
    job.slot = slot;
    slot.handle.ref?.(); // a busy worker keeps Node alive until it answers
    slot.handle.post({ type: 'seal', id: job.id, ...job.part });
  }
  if (p.slots.every((s) => s.failed)) {
    for (const job of p.queue.splice(0)) job.reject(p.slots[0]?.failed ?? wpError(ErrorCode.INTERNAL, 'no sealing worker'));
  }
}

function startSlot(p) {
  const slot = { handle: null, job: null, failed: null, stopped: false, initialized: false };
  const fail = (e) => {
    if (slot.stopped || slot.failed) return;
    slot.failed = e instanceof WelcomePointersError ? e : wpError(ErrorCode.INTERNAL, `the sealing worker failed: ${e}`);
    if (!slot.initialized && pool === p) {
      // It did not start (its script, or the module in it): neither will
      // the others. The next call starts a pool afresh.
      shutdownPool(slot.failed);
      return;
    }
    stopSlot(slot, slot.failed);
    // The others take the queue; a pool whose every worker failed starts
    // afresh on the next call.
    if (pool === p) {
      p.slots = p.slots.filter((s) => s !== slot);
      if (p.slots.length === 0) {
        pool = null;
        for (const job of p.queue.splice(0)) job.reject(slot.failed);
      } else {
        dispatch(p);
      }
    }
  };
  try {
    slot.handle = host.startWorker(p.url, {
      message(m) {
        if (m?.type === 'initialized') slot.initialized = true;
        if (m?.type === 'ready' || m?.type === 'initialized') return;
        if (m?.type === 'error' && m.id === undefined) {
          fail(new WelcomePointersError(m.code, m.message));
          return;
        }
        const job = slot.job;
        if (!job || m?.id !== job.id) return;
        if (m.type === 'progress') {
          job.onProgress?.(m.done);
          return;
        }
        slot.job = null;
        slot.handle.unref?.();
        if (m.type === 'result') job.resolve(m.messages);
        else job.reject(new WelcomePointersError(m.code, m.message));
        dispatch(p);
      },
      error: fail,
    });
  } catch (e) {
    slot.failed = e;
    return slot;
  }
  stats.spawned++;
  stats.live++;
  slot.handle.unref?.();
  slot.handle.post({ type: 'init', module: p.module });
  return slot;
}

function stopSlot(slot, why) {
  if (slot.stopped) return;
  slot.stopped = true;
  if (slot.handle) {
    stats.live--;
    slot.handle.terminate();
  }
  const job = slot.job;
  slot.job = null;
  job?.reject(why);
}
