// A sealing worker of the pool (pool.js, which describes the protocol): a
// module Web Worker, or in Node the worker_threads worker of
// node-worker.js. It posts { type: 'ready' } as soon as it runs, starts
// the module from the compiled WebAssembly.Module it is sent, and seals
// parts of invites until it is terminated, each with the browser's
// X-Wing where the main thread's choice (options.webCrypto) and this context
// allow it.
//
// Bundlers build it as a worker of its own: it has no top-level await and
// no import(), so it fits any worker format (vite's default is iife).
import { asError } from './errors.js';
import { init, session } from './module.js';
import { kemFor, sealPointersNative } from './native.js';
import { splitRecords, unpackMessages } from './packed.js';

let started = null; // init()'s promise
const running = new Map(); // part id -> AbortController

/** Handles one message of the main thread; post sends one back. */
export async function handle(m, post) {
  if (m?.type === 'init') {
    started = init(m.module ? { wasmModule: m.module } : {});
    started.catch(() => {}); // reported below, and by every part
    try {
      await started;
      post({ type: 'initialized' });
    } catch (e) {
      const err = asError(e);
      post({ type: 'error', code: err.code, message: err.message });
    }
    return;
  }
  if (m?.type === 'abort') {
    running.get(m.id)?.abort();
    return;
  }
  if (m?.type !== 'seal') return;
  const { id, pointer, installations, options, webCrypto } = m;
  const ctl = new AbortController();
  running.set(id, ctl);
  const onProgress = (done) => post({ type: 'progress', id, done });
  try {
    await (started ??= init());
    const go = session();
    const native = await kemFor(webCrypto);
    // installations: packed (packed.js), as the main thread read them.
    const messages = native
      ? await sealPointersNative(go, native, pointer, splitRecords(installations), options, ctl.signal, onProgress)
      : unpackMessages(await go.callGoAsync('sealPointers', pointer, installations, { ...options, signal: ctl.signal, onProgress })).messages;
    post({ type: 'result', id, messages });
  } catch (e) {
    const err = asError(e);
    post({ type: 'error', id, code: err.code, message: err.message });
  } finally {
    running.delete(id);
  }
}

// In a Web Worker the handler is set synchronously, so no message is missed.
if (typeof WorkerGlobalScope === 'function' && globalThis instanceof WorkerGlobalScope) {
  self.onmessage = (e) => handle(e.data, (m) => self.postMessage(m));
  self.postMessage({ type: 'ready' });
}
