// The sealing worker of parallel sealInvite (see parallel.js): a module
// Web Worker or a node:worker_threads worker. It receives one job
// { module, pointer, installations, options }, starts the module from
// the compiled WebAssembly.Module of the main thread, seals the pointers
// and posts { type: 'progress', done }…, then { type: 'result', messages }
// or { type: 'error', code, message }. The main thread terminates it.
import { asError } from './errors.js';
import { callGoAsync, init } from './module.js';

async function handle(job, post) {
  try {
    await init(job.module ? { wasmModule: job.module } : {});
    const messages = await callGoAsync('sealPointers', job.pointer, job.installations, {
      ...job.options,
      onProgress: (done) => post({ type: 'progress', done }),
    });
    post({ type: 'result', messages });
  } catch (e) {
    const err = asError(e);
    post({ type: 'error', code: err.code, message: err.message });
  }
}

// The handler is set synchronously in a Web Worker, so no message is
// missed; a Node MessagePort queues messages until it has a listener.
if (typeof WorkerGlobalScope !== 'undefined' && typeof self !== 'undefined') {
  self.onmessage = (e) => handle(e.data, (m) => self.postMessage(m));
} else {
  const { parentPort } = await import('node:worker_threads');
  parentPort?.once('message', (job) => handle(job, (m) => parentPort.postMessage(m)));
}
