// The package's entry in Node (its "node" export condition): the browser
// entry (index.js) with Node's ways of reading the module from disk,
// counting cores and starting sealing workers (worker_threads) put into
// host.js. Only this file and node-worker.js import node: modules.
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ErrorCode, wpError } from './errors.js';
import { host } from './host.js';

export * from './index.js';

host.readFile = readFile;
host.cores = availableParallelism;
host.noWorkers = () => null;
host.startWorker = (url, on) => {
  const where = url ?? new URL('./node-worker.js', import.meta.url);
  let worker;
  try {
    worker = new Worker(where);
  } catch (e) {
    throw wpError(ErrorCode.LOAD, `cannot start the sealing worker ${where}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  let started = false;
  worker.on('message', (m) => {
    started = true;
    on.message(m);
  });
  worker.on('messageerror', () => on.error(wpError(ErrorCode.INTERNAL, 'a message from the sealing worker could not be read')));
  worker.on('error', (e) => {
    const why = e instanceof Error ? e.message : String(e);
    on.error(started
      ? wpError(ErrorCode.INTERNAL, `the sealing worker failed: ${why}`, e)
      : wpError(ErrorCode.LOAD, `cannot start the sealing worker ${where}: ${why}`, e));
  });
  worker.on('exit', (code) => on.error(wpError(ErrorCode.INTERNAL, `the sealing worker exited with code ${code}`)));
  return {
    url: String(where),
    post: (m) => worker.postMessage(m),
    terminate: () => {
      worker.terminate().catch(() => {});
    },
    // An idle worker of the pool does not keep the process alive.
    ref: () => worker.ref(),
    unref: () => worker.unref(),
  };
};
