// Split sealing: sealInvite in parts, for two reasons that combine. With
// the browser's own X-Wing (native.js), the pointers' encapsulations run
// in WebCrypto and the module seals around them; with options.workers,
// the pointers of a big invite are sealed by the persistent pool of
// workers (pool.js: Web Workers in browsers, worker_threads in Node), each
// with WebCrypto where it has it, while this thread seals the pointee and
// the direct welcomes. The result is what the single-thread sealInvite
// gives: the pointee, the pointers in installation order, then the direct
// welcomes; with workers asked for, plus `parallel`: how many workers
// sealed, and why none when none did (a small invite, or a context
// without workers such as a service worker: then everything is sealed on
// the calling thread).
import { ErrorCode, wpError } from './errors.js';
import { guarded, isUint8Array } from './guard.js';
import { host } from './host.js';
import { moduleLimits } from './module.js';
import { aeadFor, kemFor, sealPointersNative } from './native.js';
import { packRecords, readInstallations, unpackInvite, unpackMessages } from './packed.js';
import { growPool, sealPart, workerCount } from './pool.js';

export { checkWorkers, workerStats } from './pool.js';

/** Below this many pointer-capable installations, workers are not worth it. */
export const PARALLEL_MIN_CAPABLE = 32;
/** Each worker seals at least this many pointers. */
const MIN_CHUNK = 16;
/** Pointers are used from this many pointer-capable installations (the core's rule). */
const MIN_POINTER_INSTALLATIONS = 3;

const abortError = () => wpError(ErrorCode.ABORTED, 'sealing aborted');

/**
 * sealInvite in parts, through go (module.js's session()). `options` went
 * through sealInvite's reading (onProgress wrapped, workers and webCrypto
 * checked); workers is undefined when not asked for.
 */
export async function sealInviteSplit(go, welcome, cursor, installations, options) {
  const { workers, webCrypto, signal, onProgress, ...rest } = options;
  const sealOpts = {};
  if (rest.kemId !== undefined) sealOpts.kemId = rest.kemId;
  if (rest.maxMessageSize !== undefined) sealOpts.maxMessageSize = rest.maxMessageSize;
  // The installations, read once (packed.js); those the module would
  // refuse are handed to it as read, for its error.
  const read = readInstallations(installations, moduleLimits());
  const packedAll = read.fallback ?? packRecords(read.records);
  // sealInvite's checks, so errors are the same.
  const capable = go.callGo('checkInvite', welcome, cursor, packedAll, { ...sealOpts, signal });
  const isAborted = () => guarded('options.signal.aborted', () => signal?.aborted === true);
  if (isAborted()) throw abortError();
  if (read.fallback) {
    // checkInvite took what the packing would not: the module's own path.
    return go.callGoAsync('sealInvite', welcome, cursor, read.fallback, { ...sealOpts, signal, onProgress });
  }

  // A copy of the welcome, taken before the first await: the caller may
  // reuse its buffers once sealInvite returned (as with the single-thread
  // path). The installations are copies already.
  const welcomeCopy = guarded('welcome', () => (isUint8Array(welcome) ? new Uint8Array(welcome) : welcome));
  const pointerIns = [];
  const directIns = [];
  for (let i = 0; i < capable.length; i++) {
    (capable[i] ? pointerIns : directIns).push({ record: read.records[i], publicKey: read.snapshots[i].wrapperPublicKey });
  }

  const native = await kemFor(webCrypto);
  const aead = await aeadFor(webCrypto);
  let n = 0;
  let note = null;
  if (workers !== undefined) {
    note = pointerIns.length < PARALLEL_MIN_CAPABLE
      ? `fewer than ${PARALLEL_MIN_CAPABLE} pointer-capable installations`
      : host.noWorkers();
    if (!note) n = Math.max(1, Math.min(workerCount(workers), Math.floor(pointerIns.length / MIN_CHUNK)));
  }
  const parallel = workers === undefined ? {} : { parallel: note ? { workers: 0, note: `${note}: sealed on the calling thread` } : { workers: n } };
  if (pointerIns.length < MIN_POINTER_INSTALLATIONS || (n === 0 && !native)) {
    // Nothing to split: the module seals it all, from the copies.
    const invite = unpackInvite(await go.callGoAsync('sealInvite', welcomeCopy, cursor, packedAll, { ...sealOpts, signal, onProgress }));
    return { ...invite, ...parallel };
  }

  // The pointee: its Welcome encrypted by WebCrypto where it can, after
  // the parts are under way (they need only the pointer).
  let pointee;
  let pointeeSealed = null;
  if (aead) {
    const fresh = go.callGo('newPointee', welcomeCopy.length, cursor, sealOpts);
    pointee = { pointer: fresh.pointer };
    pointeeSealed = (async () => {
      try {
        const encrypted = await aead.encrypt(fresh.key, fresh.dataNonce, welcomeCopy);
        return go.callGo('sealPointeeEncrypted', fresh.pointer, encrypted, cursor, sealOpts);
      } finally {
        fresh.key.fill(0);
      }
    })();
    pointeeSealed.catch(() => {});
  } else {
    pointee = go.callGo('sealPointee', welcomeCopy, cursor, sealOpts);
  }
  const chunks = [];
  for (let i = 0, start = 0; i < Math.max(1, n); i++) {
    const end = Math.round(((i + 1) * pointerIns.length) / Math.max(1, n));
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
  aborted.catch(() => {});
  guarded('options.signal', () => signal?.addEventListener('abort', onAbort, { once: true }));
  if (isAborted()) onAbort();
  try {
    if (n > 0) growPool(n, go.module);
    const parts = chunks.map((chunk, i) => (n > 0
      ? sealPart({ pointer: pointee.pointer, installations: packRecords(chunk.map((p) => p.record)), options: sealOpts, webCrypto },
        (d) => progress(i, d), stop.signal)
      : sealPointersNative(go, native, pointee.pointer, chunk, sealOpts, stop.signal, (d) => progress(i, d))));
    parts.push(directIns.length === 0 ? Promise.resolve([]) : go.callGoAsync('sealInvite', welcomeCopy, cursor, packRecords(directIns.map((p) => p.record)), {
      ...sealOpts,
      signal: stop.signal,
      onProgress: (d) => progress(chunks.length, d),
    }).then((b) => unpackMessages(b).messages));
    const sealed = Promise.all(parts);
    sealed.catch(() => stop.abort());
    const results = await Promise.race([sealed, aborted]);
    if (pointeeSealed) Object.assign(pointee, await pointeeSealed);
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
      ...parallel,
    };
  } finally {
    try {
      signal?.removeEventListener('abort', onAbort);
    } catch {
      // the caller's signal threw: nothing left to undo
    }
  }
}
