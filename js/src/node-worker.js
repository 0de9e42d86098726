// A sealing worker in Node (a worker_threads worker started by
// src/node.js): worker.js's handler over the parent port.
import { parentPort } from 'node:worker_threads';
import { handle } from './worker.js';

parentPort.on('message', (m) => handle(m, (r) => parentPort.postMessage(r)));
parentPort.postMessage({ type: 'ready' });
