// Parallel sealing: the pointers of a big invite (one X-Wing
// encapsulation each) sealed by several workers (Web Workers in browsers,
// worker_threads in Node), while this thread seals the pointee and the
// direct welcomes. The result is what the single-thread sealInvite gives:
// the pointee, the pointers in installation order, then the direct
// welcomes; plus `parallel`: how many workers sealed, and why none when
// none did (a small invite, or a context without workers such as a
// service worker: then everything is sealed on the calling thread).
import { ErrorCode, WelcomePointersError, wpError } from './errors.js';
import { guarded, isUint8Array } from './guard.js';
import { describe } from './hex.js';
import { configuredWorkerURL, host } from './host.js';
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

function workerCount(workers) {
  if (workers !== 'auto') return workers;
  const n = host.cores();
  return Number.isSafeInteger(n) && n > 0 ? Math.min(MAX_AUTO_WORKERS, n) : 1;
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
  const noWorkers = nCapable < PARALLEL_MIN_CAPABLE
    ? `fewer than ${PARALLEL_MIN_CAPABLE} pointer-capable installations`
    : host.noWorkers();
  if (noWorkers) {
    const { workers: _, ...single } = options;
    const invite = await callGoAsync('sealInvite', welcome, cursor, installations, single);
    invite.parallel = { workers: 0, note: `${noWorkers}: sealed on the calling thread` };
    return invite;
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
  const n = Math.max(1, Math.min(workerCount(workers), Math.floor(pointerIns.length / MIN_CHUNK)));
  const chunks = [];
  for (let i = 0, start = 0; i < n; i++) {
    const end = Math.round(((i + 1) * pointerIns.length) / n);
    chunks.push(pointerIns.slice(start, end));
    start = end;
  }

  const total = installations.length;
  const done = new Array(chunks.length + 1).fill(0);
  let reported = 0;
  /** @type {(part: number, d: number) => void} */
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
  /** @type {() => void} */
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
    const module = loadedModule();
    const parts = chunks.map((chunk, i) => runWorker(live, {
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
      parallel: { workers: chunks.length },
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

function runWorker(live, job, onProgress) {
  return new Promise((resolve, reject) => {
    let w;
    try {
      w = host.startWorker(configuredWorkerURL(), {
        message(m) {
          if (m?.type === 'progress') onProgress(m.done);
          else if (m?.type === 'result') resolve(m.messages);
          else if (m?.type === 'error') reject(new WelcomePointersError(m.code, m.message, { detail: m.detail }));
        },
        error: reject,
      });
    } catch (e) {
      reject(e);
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
