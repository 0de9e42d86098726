// Parallel sealing: the pointers of a big invite (one X-Wing
// encapsulation each) sealed by several workers (Web Workers in browsers,
// worker_threads in Node), while this thread seals the pointee and the
// direct welcomes. The result is what the single-thread sealInvite gives:
// the pointee, the pointers in installation order, then the direct
// welcomes.
import { ErrorCode, WelcomePointersError, asError, wpError } from './errors.js';
import { guarded, isUint8Array } from './guard.js';
import { describe } from './hex.js';
import { callGo, callGoAsync, loadedModule } from './module.js';

/** Below this many pointer-capable installations, workers are not worth starting. */
export const PARALLEL_MIN_CAPABLE = 32;
/** The cap on workers: 'auto'. */
const MAX_AUTO_WORKERS = 8;
/** Each worker seals at least this many pointers. */
const MIN_CHUNK = 16;

/** Checks options.workers: a positive integer or 'auto'. */
export function checkWorkers(workers) {
  if (workers === 'auto' || (Number.isSafeInteger(workers) && workers >= 1)) return workers;
  throw wpError(ErrorCode.ARGUMENT, `options.workers must be a positive integer or 'auto', got ${describe(workers)}`);
}

async function workerCount(workers) {
  if (workers !== 'auto') return workers;
  let n = globalThis.navigator?.hardwareConcurrency;
  if (!(Number.isSafeInteger(n) && n > 0)) {
    try {
      const os = await import('node:os');
      n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    } catch {
      n = 1;
    }
  }
  return Math.max(1, Math.min(MAX_AUTO_WORKERS, n));
}

// Workers started, and those not yet terminated (tests read them).
const stats = { spawned: 0, live: 0 };
/** @internal How many workers were started, and how many still run. */
export function workerStats() {
  return { ...stats };
}

const abortError = () => wpError(ErrorCode.ABORTED, 'sealing aborted');

/**
 * sealInvite with options.workers set. `options` went through
 * sealOptions (onProgress wrapped); `workers` was checked.
 */
export async function sealInviteParallel(welcome, cursor, installations, options) {
  const { workers, signal, onProgress, ...rest } = options;
  // sealInvite's checks, in this thread, so errors are the same.
  const capable = callGo('checkInstallations', installations);
  const nCapable = capable.filter(Boolean).length;
  if (nCapable < PARALLEL_MIN_CAPABLE) {
    const { workers: _, ...single } = options;
    return callGoAsync('sealInvite', welcome, cursor, installations, single);
  }
  const sealOpts = { kemId: rest.kemId, maxMessageSize: rest.maxMessageSize };
  const pointee = callGo('sealPointee', welcome, cursor, { ...sealOpts, signal });
  // The caller's values are read through the guarded path (guard.js);
  // the Go side checks what they hold again.
  const isAborted = () => guarded('options.signal.aborted', () => signal?.aborted === true);
  if (isAborted()) throw abortError();

  // Copies, taken before the first await: the caller may reuse its
  // buffers once sealInvite returned (as with the single-thread path).
  const copy = (b) => (isUint8Array(b) ? new Uint8Array(b) : Array.isArray(b) ? [...b] : b);
  const welcomeCopy = guarded('welcome', () => copy(welcome));
  const pointerIns = [];
  const directIns = [];
  for (let i = 0; i < capable.length; i++) {
    const plain = guarded(`installations[${i}]`, () => {
      const { installationKey, wrapperPublicKey, wrapperAlgorithm, pointeeAeadTypes } = installations[i];
      return {
        installationKey: copy(installationKey),
        wrapperPublicKey: copy(wrapperPublicKey),
        wrapperAlgorithm,
        pointeeAeadTypes: copy(pointeeAeadTypes),
      };
    });
    (capable[i] ? pointerIns : directIns).push(plain);
  }
  const n = Math.max(1, Math.min(await workerCount(workers), Math.floor(pointerIns.length / MIN_CHUNK)));
  const chunks = [];
  for (let i = 0, start = 0; i < n; i++) {
    const end = Math.round(((i + 1) * pointerIns.length) / n);
    chunks.push(pointerIns.slice(start, end));
    start = end;
  }

  const total = installations.length;
  const done = new Array(chunks.length + 1).fill(0);
  let reported = 0;
  const progress = (part, d) => {
    done[part] = d;
    const sum = done.reduce((a, b) => a + b, 0);
    if (sum > reported) {
      reported = sum;
      onProgress?.(sum, total);
    }
  };

  // One controller stops everything: the caller's signal, or a failed part.
  const stop = new AbortController();
  let onAbort;
  const aborted = new Promise((_, reject) => {
    onAbort = () => {
      stop.abort();
      reject(abortError());
    };
  });
  guarded('options.signal', () => signal?.addEventListener('abort', onAbort, { once: true }));
  if (isAborted()) onAbort();
  const live = [];
  try {
    const spawn = await workerFactory();
    const module = loadedModule();
    const parts = chunks.map((chunk, i) => runWorker(spawn, live, {
      module, pointer: pointee.pointer, installations: chunk, options: sealOpts,
    }, (d) => progress(i, d)));
    if (directIns.length > 0) {
      parts.push(callGoAsync('sealInvite', welcomeCopy, cursor, directIns, {
        ...sealOpts,
        signal: stop.signal,
        onProgress: (d) => progress(chunks.length, d),
      }).then((inv) => inv.messages));
    } else {
      parts.push(Promise.resolve([]));
    }
    const all = Promise.all(parts);
    all.catch(() => stop.abort());
    const results = await Promise.race([all, aborted]);
    const messages = [
      { kind: pointee.kind, installationKey: pointee.installationKey, message: pointee.message },
      ...results.flat(),
    ];
    return {
      destination: pointee.installationKey.slice(),
      messages,
      pointers: pointerIns.length,
      direct: directIns.length,
      size: messages.reduce((s, m) => s + m.message.length, 0),
    };
  } finally {
    try {
      signal?.removeEventListener('abort', onAbort);
    } catch {
      // the caller's signal threw: nothing left to undo
    }
    for (const w of live) w.terminate();
  }
}

function runWorker(spawn, live, job, onProgress) {
  return new Promise((resolve, reject) => {
    let w;
    try {
      w = spawn({
        message(m) {
          if (m?.type === 'progress') onProgress(m.done);
          else if (m?.type === 'result') resolve(m.messages);
          else if (m?.type === 'error') reject(new WelcomePointersError(m.code, m.message));
        },
        error(e) {
          reject(asError(e, ErrorCode.INTERNAL, 'sealing worker'));
        },
      });
    } catch (e) {
      reject(asError(e, ErrorCode.INTERNAL, 'starting a sealing worker'));
      return;
    }
    stats.spawned++;
    stats.live++;
    let terminated = false;
    live.push({
      terminate() {
        if (terminated) return;
        terminated = true;
        stats.live--;
        w.terminate();
      },
    });
    w.post(job);
  });
}

// workerFactory returns spawn(handlers) -> { post, terminate } for this
// platform: a module Web Worker, or a node:worker_threads Worker.
async function workerFactory() {
  if (typeof globalThis.Worker === 'function' && !globalThis.process?.versions?.node) {
    return (on) => {
      const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
      w.onmessage = (e) => on.message(e.data);
      w.onmessageerror = () => on.error(new Error('a worker message could not be read'));
      w.onerror = (e) => {
        e.preventDefault?.();
        on.error(new Error(e.message || 'the sealing worker failed'));
      };
      return { post: (m) => w.postMessage(m), terminate: () => w.terminate() };
    };
  }
  const { Worker: NodeWorker } = await import('node:worker_threads');
  return (on) => {
    const w = new NodeWorker(new URL('./worker.js', import.meta.url));
    w.on('message', on.message);
    w.on('messageerror', on.error);
    w.on('error', on.error);
    w.on('exit', (code) => on.error(new Error(`the sealing worker exited with code ${code}`)));
    return { post: (m) => w.postMessage(m), terminate: () => { w.terminate().catch(() => {}); } };
  };
}
