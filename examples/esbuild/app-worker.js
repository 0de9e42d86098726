// The app's own module worker: the package works here as on the page,
// and starts its sealing workers from here.
import * as wp from '@welcome-pointers/wasm';
import { runScenario } from '../shared/scenario.js';
import { answer } from '../shared/report.js';

answer(runScenario(wp, {
  label: 'esbuild worker',
  initOptions: {
    wasmURL: new URL('./welcome-pointers.wasm', import.meta.url),
    workerURL: new URL('./welcome-pointers-worker.js', import.meta.url),
  },
}));
