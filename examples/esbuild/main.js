// The page of the esbuild example (see README.md): the scenario here, then
// in the app's own module worker.
import * as wp from '@welcome-pointers/wasm';
import { runScenario } from '../shared/scenario.js';
import { inWorker, report } from '../shared/report.js';

// esbuild does not emit files named by new URL(…, import.meta.url): the
// build copies the module and builds the package's worker next to this
// bundle, and init() is told where they are.
const initOptions = {
  wasmURL: new URL('./welcome-pointers.wasm', import.meta.url),
  workerURL: new URL('./welcome-pointers-worker.js', import.meta.url),
};

report((async () => ({
  page: await runScenario(wp, { label: 'esbuild page', initOptions }),
  worker: await inWorker(new Worker(new URL('./app-worker.js', import.meta.url), { type: 'module' })),
}))());
