// The page of the vite example (see README.md): the scenario here, then in
// the app's own module worker. No configuration: vite emits the module and
// the package's worker itself.
import * as wp from '@welcome-pointers/wasm';
import { runScenario } from '../shared/scenario.js';
import { inWorker, report } from '../shared/report.js';

report((async () => ({
  page: await runScenario(wp, { label: 'vite page' }),
  worker: await inWorker(new Worker(new URL('./app-worker.js', import.meta.url), { type: 'module' })),
}))());
