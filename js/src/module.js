// Loading the WebAssembly module and calling into it.
import { ErrorCode, WelcomePointersError, asError, wpError } from './errors.js';
import { describe } from './hex.js';
import { VERSION } from './version.js';

/** The global name the Go side registers its one namespace object under. */
export const NAMESPACE = '__welcomePointers';

const DEFAULT_WASM = new URL('../dist/welcome-pointers.wasm', import.meta.url);
const INIT_OPTIONS = new Set(['wasmURL', 'wasmModule']);

let ns = null; // the Go namespace, once init() succeeded
let dead = null; // why the Go runtime stopped, if it did
let loading = null; // { key, promise } of the current or last successful init()
let compiled = null; // the WebAssembly.Module init() instantiated, for workers
let live = null; // { memory, running } of the instance, for dispose()
const inFlight = new Set(); // promises of async calls not settled yet
const DISPOSE_TIMEOUT_MS = 5000;

/**
 * Loads and starts the module. Idempotent: later calls return the same
 * promise; a call naming a different module is refused. A failed init()
 * may be retried.
 *
 * @param {{ wasmURL?: string | URL, wasmModule?: WebAssembly.Module | BufferSource | Response | PromiseLike<Response> }} [options]
 */
export function init(options = {}) {
  try {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw wpError(ErrorCode.ARGUMENT, `init() takes an options object ({ wasmURL } or { wasmModule }), got ${describe(options)}`);
    }
    for (const k of Object.keys(options)) {
      if (!INIT_OPTIONS.has(k)) {
        throw wpError(ErrorCode.ARGUMENT, `init(): unknown option "${k}" (expected wasmURL or wasmModule)`);
      }
    }
    const { wasmURL, wasmModule } = options;
    if (wasmURL !== undefined && wasmModule !== undefined) {
      throw wpError(ErrorCode.ARGUMENT, 'init(): pass wasmURL or wasmModule, not both');
    }
    if (wasmURL !== undefined && typeof wasmURL !== 'string' && !(wasmURL instanceof URL)) {
      throw wpError(ErrorCode.ARGUMENT, `init(): wasmURL must be a string or a URL, got ${describe(wasmURL)}`);
    }
    const explicit = wasmURL !== undefined || wasmModule !== undefined;
    const key = wasmModule ?? (wasmURL !== undefined ? String(wasmURL) : null);
    if (loading) {
      if (!explicit || loading.key === key) return loading.promise;
      throw wpError(ErrorCode.ALREADY_INITIALIZED, 'init() was already called with a different module; call it once per page');
    }
    const entry = { key, promise: null };
    entry.promise = load(wasmURL, wasmModule).catch((e) => {
      if (loading === entry) loading = null; // allow a retry
      throw e;
    });
    loading = entry;
    return entry.promise;
  } catch (e) {
    return Promise.reject(asError(e));
  }
}

/** Whether init() has resolved. */
export function isInitialized() {
  return ns !== null && dead === null;
}

async function load(wasmURL, wasmModule) {
  const Go = await loadGo();
  const go = new Go();
  go.argv = ['welcome-pointers', `--namespace=${NAMESPACE}`];
  go.env = {};
  go.exit = (code) => {
    dead = `the Go runtime exited with code ${code}`;
  };
  const instance = await instantiate(wasmURL, wasmModule, go.importObject);
  const ex = instance.exports;
  if (typeof ex.run !== 'function' || typeof ex.resume !== 'function' || !(ex.mem instanceof WebAssembly.Memory)) {
    throw wpError(ErrorCode.LOAD, 'the WebAssembly module is not a Go js/wasm program');
  }

  delete globalThis[NAMESPACE];
  // run() executes main() up to its final select{}: the namespace is
  // registered when it returns. The promise settles only if Go exits.
  const running = go.run(instance);
  live = { memory: ex.mem, running };
  running.then(
    () => { dead ??= 'the Go runtime exited'; },
    (e) => { dead ??= `the Go runtime failed: ${e instanceof Error ? e.message : String(e)}`; },
  );
  const candidate = globalThis[NAMESPACE];
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.version !== 'string') {
    throw wpError(ErrorCode.VERSION_MISMATCH,
      `the WebAssembly module did not register globalThis.${NAMESPACE}: it is not a welcome-pointers module for package version ${VERSION}${dead ? ` (${dead})` : ''}`);
  }
  if (candidate.version !== VERSION) {
    delete globalThis[NAMESPACE];
    throw wpError(ErrorCode.VERSION_MISMATCH,
      `the WebAssembly module is version ${candidate.version} but this package is ${VERSION}: build both from the same checkout (./build.sh js)`);
  }
  candidate.setErrorClass(WelcomePointersError);
  ns = candidate;
  return { version: VERSION, namespace: NAMESPACE };
}

// wasm_exec.js defines globalThis.Go. It is imported for its side effect
// (it is a script, not a module) and read right away, before any other
// copy on the page could replace it.
async function loadGo() {
  try {
    await import('../dist/wasm_exec.js');
  } catch (e) {
    throw wpError(ErrorCode.LOAD, 'cannot load dist/wasm_exec.js (build the module with ./build.sh js)', e);
  }
  if (typeof globalThis.Go !== 'function') {
    throw wpError(ErrorCode.LOAD, 'dist/wasm_exec.js did not define globalThis.Go');
  }
  return globalThis.Go;
}

async function instantiate(wasmURL, wasmModule, imports) {
  try {
    if (wasmModule !== undefined) return await fromModule(wasmModule, imports);
    const url = wasmURL === undefined ? DEFAULT_WASM : new URL(String(wasmURL), baseURL());
    if (url.protocol === 'file:') {
      let bytes;
      try {
        const { readFile } = await import('node:fs/promises');
        bytes = await readFile(url);
      } catch (e) {
        throw wpError(ErrorCode.LOAD, `cannot read ${url.pathname} (build the module with ./build.sh js)`, e);
      }
      return keep(await WebAssembly.instantiate(bytes, imports));
    }
    let response;
    try {
      response = await fetch(url);
    } catch (e) {
      throw wpError(ErrorCode.LOAD, `cannot fetch ${url.href}`, e);
    }
    return await fromResponse(response, imports, url.href);
  } catch (e) {
    if (e instanceof WelcomePointersError) throw e;
    if (e instanceof WebAssembly.LinkError) {
      throw wpError(ErrorCode.VERSION_MISMATCH,
        'the WebAssembly module does not link with dist/wasm_exec.js: both must come from the Go toolchain that built the module', e);
    }
    throw wpError(ErrorCode.LOAD, `cannot instantiate the WebAssembly module: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

function baseURL() {
  return globalThis.location?.href ?? DEFAULT_WASM.href;
}

async function fromModule(m, imports) {
  if (m instanceof WebAssembly.Module) {
    const instance = await WebAssembly.instantiate(m, imports);
    return keep({ module: m, instance });
  }
  if (m instanceof ArrayBuffer || ArrayBuffer.isView(m)) {
    return keep(await WebAssembly.instantiate(m, imports));
  }
  if (m !== null && typeof m === 'object' && typeof m.then === 'function') {
    return fromResponse(await m, imports, 'wasmModule');
  }
  if (typeof Response === 'function' && m instanceof Response) return fromResponse(m, imports, 'wasmModule');
  throw wpError(ErrorCode.ARGUMENT,
    `init(): wasmModule must be a WebAssembly.Module, an ArrayBuffer or view, or a Response, got ${describe(m)}`);
}

async function fromResponse(response, imports, what) {
  if (typeof Response !== 'function' || !(response instanceof Response)) {
    throw wpError(ErrorCode.ARGUMENT, `init(): ${what} did not give a Response`);
  }
  if (!response.ok) {
    throw wpError(ErrorCode.LOAD, `fetching ${what} failed: HTTP ${response.status}`);
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/wasm' && typeof WebAssembly.instantiateStreaming === 'function') {
    return keep(await WebAssembly.instantiateStreaming(response, imports));
  }
  // Servers that send another Content-Type: compile from the bytes.
  return keep(await WebAssembly.instantiate(await response.arrayBuffer(), imports));
}

// keep remembers the compiled module (workers instantiate the same one).
function keep({ module, instance }) {
  compiled = module;
  return instance;
}

/**
 * The WebAssembly.Module init() loaded, to start workers with (a module
 * can be posted to a worker); throws ERR_NOT_INITIALIZED before init().
 */
export function loadedModule() {
  goNamespace();
  return compiled;
}

/** The Go namespace; throws ERR_NOT_INITIALIZED before init(). */
export function goNamespace() {
  if (ns === null) {
    throw wpError(ErrorCode.NOT_INITIALIZED, 'call (and await) init() first');
  }
  if (dead !== null) {
    throw wpError(ErrorCode.INTERNAL, `the module is no longer usable: ${dead}`);
  }
  return ns;
}

/**
 * Calls a synchronous export. Go cannot throw into JS: an export returns
 * its error as a value, thrown here.
 */
export function callGo(path, ...args) {
  const fn = resolve(path);
  let r;
  try {
    r = fn(...args);
  } catch (e) {
    // Only the JS glue can throw here (for example a trapped runtime).
    if (e instanceof Error && /exited|unreachable/i.test(e.message)) dead ??= e.message;
    throw asError(e, ErrorCode.INTERNAL, `calling ${path}`);
  }
  if (r instanceof Error) throw asError(r);
  return r;
}

/** Calls an export that returns a Promise. */
export async function callGoAsync(path, ...args) {
  const fn = resolve(path);
  const call = (async () => fn(...args))();
  inFlight.add(call);
  try {
    return await call;
  } catch (e) {
    throw asError(e, ErrorCode.INTERNAL, `calling ${path}`);
  } finally {
    inFlight.delete(call);
  }
}

/**
 * Releases the module: new calls throw ERR_NOT_INITIALIZED at once; the
 * calls in flight (sealInvite) finish; the Go side zeroes its key cache
 * and exits; then the module's whole memory is zeroed and dropped.
 * init() may be called again afterwards (a fresh instance). Resolves to
 * { memoryZeroed } (bytes); does nothing before init().
 */
export async function dispose() {
  const pending = loading;
  loading = null;
  let goNs = ns;
  let instance = live;
  ns = null;
  live = null;
  compiled = null;
  if (goNs === null && pending) {
    // init() is under way: let it finish, then release what it made.
    try {
      await pending.promise;
    } catch {
      // A failed init() left nothing to release.
    }
    [goNs, instance] = [ns, live];
    [ns, live, compiled] = [null, null, null];
  }
  if (goNs === null || instance === null) {
    dead = null;
    return { memoryZeroed: 0 };
  }
  await Promise.allSettled([...inFlight]);
  let memoryZeroed = 0;
  let exited = dead !== null;
  if (!exited) {
    try {
      goNs.dispose();
      // main returns and the Go runtime exits; if it did not, its memory
      // must not be pulled from under it.
      let timer;
      exited = await Promise.race([
        instance.running.then(() => true, () => true),
        new Promise((resolve) => { timer = setTimeout(resolve, DISPOSE_TIMEOUT_MS, false); }),
      ]);
      clearTimeout(timer);
    } catch {
      exited = true; // the runtime was already gone
    }
  }
  if (exited) {
    // Nothing runs in it any more: wipe everything it held, keys included.
    const bytes = new Uint8Array(instance.memory.buffer);
    bytes.fill(0);
    memoryZeroed = bytes.length;
  }
  dead = null;
  delete globalThis[NAMESPACE];
  return { memoryZeroed };
}

function resolve(path) {
  let target = goNamespace();
  const parts = path.split('.');
  for (let i = 0; i < parts.length - 1; i++) target = target[parts[i]];
  const fn = target[parts[parts.length - 1]];
  return (...args) => fn.apply(target, args);
}
