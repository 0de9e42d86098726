// The sealing worker of parallel sealInvite (see parallel.js): a module
// Web Worker, or in Node the worker_threads worker of node-worker.js. It
// posts { type: 'ready' } as soon as it runs, receives one job
// { module, pointer, installations, options }, starts the module from the
// compiled WebAssembly.Module of the main thread, seals the pointers and
// posts { type: 'progress', done }…, then { type: 'result', messages } or
// { type: 'error', code, message, detail }. The main thread terminates it.
//
// Bundlers build it as a worker of its own: it has no top-level await and
// no import(), so it fits any worker format (vite's default is iife).
import { asError } from './errors.js';
import { callGoAsync, init } from './module.js';

/** Runs one job; post sends a message back to the main thread. */
export async function sealJob(job, post) {
  try {
    await init(job.module ? { wasmModule: job.module } : {});
    const messages = await callGoAsync('sealPointers', job.pointer, job.installations, {
      ...job.options,
      onProgress: (done) => post({ type: 'progress', done }),
    });
    post({ type: 'result', messages });
  } catch (e) {
    const err = asError(e);
    post({ type: 'error', code: err.code, message: err.message, detail: err.detail });
  }
}

// In a Web Worker the handler is set synchronously, so no message is missed.
if (typeof WorkerGlobalScope === 'function' && globalThis instanceof WorkerGlobalScope) {
  self.onmessage = (e) => sealJob(e.data, (m) => self.postMessage(m));
  self.postMessage({ type: 'ready' });
}
