// What differs between hosts, in one place: how a file: URL is read, how
// many cores there are, and how a sealing worker starts. This file is the
// browser's side (and the default); it imports no node: module, so no
// bundler building for browsers meets one. src/node.js, the package's
// entry in Node, replaces these functions with Node's.
import { ErrorCode, wpError } from './errors.js';

export const host = {
  /** Reads a file: URL into bytes; null where there are no files. */
  readFile: null,
  /** How many threads workers: 'auto' may use. */
  cores: () => globalThis.navigator?.hardwareConcurrency,
  /** Why no sealing worker can start here, or null. */
  noWorkers,
  /**
   * startWorker(url, { message, error }) -> { url, post, terminate, ref?, unref? }:
   * see startWebWorker (ref and unref: Node's, whether the worker keeps
   * the process alive).
   */
  startWorker: startWebWorker,
};

let workerURL = null;

/** init({ workerURL }): where sealing workers are started from (null: the package's own). */
export function setWorkerURL(url) {
  workerURL = url;
}

/** The worker script init() was told about, or null for the package's own. */
export function configuredWorkerURL() {
  return workerURL;
}

function noWorkers() {
  if (typeof globalThis.Worker === 'function') return null;
  if (typeof globalThis.ServiceWorkerGlobalScope === 'function' && globalThis instanceof globalThis.ServiceWorkerGlobalScope) {
    return 'a service worker cannot start workers';
  }
  return 'this context has no Worker';
}

// Starts one sealing worker (src/worker.js, or `url`). The worker posts
// { type: 'ready' } first: an error before that is a script that did not
// load (ERR_LOAD, naming its URL and why), one after it a failure of the
// running worker (ERR_INTERNAL). on.message gets every message, ready
// included; on.error gets a WelcomePointersError.
function startWebWorker(url, on) {
  let created;
  try {
    created = createWorker(url);
  } catch (e) {
    throw wpError(ErrorCode.LOAD, `cannot start the sealing worker${url ? ` ${url}` : ''}: ${whyNotCreated(e, url)}`, e);
  }
  const { worker, where } = created;
  let started = false;
  const violations = [];
  const onViolation = (e) => {
    if (/^(worker|script|child)-src/.test(e.effectiveDirective ?? '')) violations.push(e);
  };
  globalThis.addEventListener?.('securitypolicyviolation', onViolation);
  const stopWatching = () => globalThis.removeEventListener?.('securitypolicyviolation', onViolation);
  worker.onmessage = (e) => {
    if (!started) {
      started = true;
      stopWatching();
    }
    on.message(e.data);
  };
  worker.onmessageerror = () => on.error(wpError(ErrorCode.INTERNAL, 'a message from the sealing worker could not be read'));
  worker.onerror = (e) => {
    e.preventDefault?.();
    stopWatching();
    if (started) {
      on.error(wpError(ErrorCode.INTERNAL, `the sealing worker failed: ${e.message || 'no detail'}`));
      return;
    }
    whyNotStarted(where, e, violations).then((why) => {
      on.error(wpError(ErrorCode.LOAD, `cannot start the sealing worker ${where ?? '(the package\'s worker.js)'}: ${why}`));
    });
  };
  return {
    url: where,
    post: (m) => worker.postMessage(m),
    terminate: () => {
      stopWatching();
      worker.terminate();
    },
  };
}

// The one place that says where the package's sealing worker is. Bundlers
// (webpack 5, vite) find a worker only in the literal form
// new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })
// and rewrite that URL to the file they emit, so it is written out here,
// and Worker is swapped for a moment for a subclass that notes the URL it
// is given, so that errors can name it.
function createWorker(url) {
  if (url !== null && url !== undefined) {
    return { worker: new Worker(url, { type: 'module' }), where: String(url) };
  }
  const Native = globalThis.Worker;
  const seen = { url: null };
  let swapped = false;
  try {
    globalThis.Worker = class extends Native {
      constructor(u, options) {
        seen.url = String(u);
        super(u, options);
      }
    };
    swapped = true;
  } catch {
    // a frozen global: errors will not name the URL
  }
  try {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    return { worker, where: seen.url };
  } finally {
    if (swapped) globalThis.Worker = Native;
  }
}

function whyNotCreated(e, url) {
  const msg = e instanceof Error ? e.message : String(e);
  if (e?.name === 'SecurityError') {
    return `${msg} (a worker script must come from the page's origin: serve it there and pass init({ workerURL }))`;
  }
  if (!url && e instanceof TypeError && /URL/i.test(msg)) {
    return `${msg} (this bundle has no import.meta.url, as in a classic-script bundle such as esbuild's default iife format: bundle as an ES module, or pass init({ workerURL }))`;
  }
  return msg;
}

// Browsers tell a worker nothing about why its script did not load: ask
// the CSP events seen meanwhile, then the server.
async function whyNotStarted(where, event, violations) {
  const v = violations[0];
  if (v) {
    return `blocked by the page's Content-Security-Policy (${v.effectiveDirective}): allow ${v.blockedURI || 'its origin'} in worker-src (or script-src)`;
  }
  if (event?.message) return event.message;
  if (!where) return 'the browser gave no reason';
  let response;
  try {
    response = await fetch(where, { cache: 'no-store' });
  } catch (e) {
    return `it cannot be fetched (${e instanceof Error ? e.message : String(e)})`;
  }
  if (!response.ok) return `HTTP ${response.status}${response.status === 404 ? ' (see "Bundlers" in the package README: some need the worker built as an entry point)' : ''}`;
  const type = response.headers.get('content-type') ?? '';
  if (!/javascript|ecmascript/i.test(type)) {
    return `it is served as ${type || 'no Content-Type'}, and a module worker must be served as JavaScript`;
  }
  return 'the script was fetched but did not run (an error in it, or a Content-Security-Policy blocking it: see the console)';
}
