// The sealing worker in Node (a worker_threads worker started by
// src/node.js): worker.js's job over the parent port.
import { parentPort } from 'node:worker_threads';
import { sealJob } from './worker.js';

parentPort.once('message', (job) => sealJob(job, (m) => parentPort.postMessage(m)));
parentPort.postMessage({ type: 'ready' });
