// How an example page shows its outcome: in the page, for a person, and
// as data-* attributes on <body> for the browser test.
export function report(promise) {
  const out = document.getElementById('result');
  promise.then(
    (result) => {
      out.textContent = JSON.stringify(result, null, 2);
      document.body.dataset.result = JSON.stringify(result);
      document.body.dataset.done = 'ok';
    },
    (e) => {
      out.textContent = String(e?.stack ?? e);
      document.body.dataset.error = `${e?.code ? `${e.code} ` : ''}${e?.message ?? e}`;
      document.body.dataset.done = 'error';
    },
  );
}

// Runs the scenario in the app's own module worker (app-worker.js) and
// gives back its steps; `worker` is that Worker, started by the app.
export function inWorker(worker) {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => {
      worker.terminate();
      if (e.data.error) reject(new Error(`in the app's worker: ${e.data.error}`));
      else resolve(e.data.steps);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`the app's worker failed to run: ${e.message || 'no detail'}`));
    };
  });
}

// The app's worker side: runs `scenario` and posts its steps or its error.
export function answer(scenario) {
  scenario.then(
    (steps) => postMessage({ steps }),
    (e) => postMessage({ error: `${e?.code ? `${e.code} ` : ''}${e?.stack ?? e}` }),
  );
}
