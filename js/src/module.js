// Loading the WebAssembly module and calling into it.
import { ErrorCode, WelcomePointersError, asError, wpError } from './errors.js';
import { guarded, readOptions } from './guard.js';
import { describe } from './hex.js';
import { host, setWorkerURL } from './host.js';
import { detectNative, forgetNative } from './native.js';
import { checkWorkers, shutdownPool, startPool } from './pool.js';
import { VERSION } from './version.js';
import { goRuntime } from '../dist/wasm_exec.js';

/** The global name the Go side registers its one namespace object under. */
export const NAMESPACE = '__welcomePointers';

// The module's default location, in the form bundlers (webpack 5, vite)
// recognise and emit as an asset; called only when needed, since a
// classic-script bundle has no import.meta.url.
const defaultWasmURL = () => new URL('../dist/welcome-pointers.wasm', import.meta.url);
const INIT_OPTIONS = ['wasmURL', 'wasmModule', 'workerURL', 'workers'];

let ns = null; // the Go namespace, once init() succeeded
let current = null; // its instance: { go, dead: why its runtime stopped or null, pending: async calls' rejects }
let loading = null; // { key, promise } of the current or last successful init()
let compiled = null; // the WebAssembly.Module init() instantiated, for workers
let live = null; // { memory, running, inst } of the instance, for dispose()
const inFlight = new Set(); // promises of async calls not settled yet
const DISPOSE_TIMEOUT_MS = 5000;

/** What every call says once the Go runtime stopped. */
export const STOPPED_MESSAGE = 'the WebAssembly module stopped; reload it';

function stoppedError(inst) {
  return wpError(ErrorCode.INTERNAL, `${STOPPED_MESSAGE} (${inst.dead})`);
}

/**
 * Records that inst's Go runtime stopped, or can no longer be trusted (a
 * trap, or a JS exception that unwound through it): every later call
 * throws stoppedError(), the calls still waiting reject with it, and
 * init() loads a fresh instance.
 */
function markDead(inst, reason) {
  if (inst.dead !== null) return;
  inst.dead = reason;
  const waiting = [...inst.pending];
  inst.pending.clear();
  for (const reject of waiting) reject(stoppedError(inst));
  // Nothing runs in it any more: callbacks into it do nothing (see
  // resumeGuarded), its timers are cleared and the MessagePorts it holds
  // for yielding are closed, so a stopped instance keeps no event loop
  // alive. (_scheduledTimeouts and _values are wasm_exec.js's, which comes
  // with the module from the same Go toolchain.)
  for (const t of inst.go._scheduledTimeouts?.values() ?? []) clearTimeout(t);
  inst.go._scheduledTimeouts?.clear();
  for (const v of inst.go._values ?? []) {
    try {
      if (typeof MessagePort === 'function' && v instanceof MessagePort) v.close();
    } catch {
      // a caller's value whose prototype throws: not a port
    }
  }
}

/**
 * Loads and starts the module. Idempotent: later calls return the same
 * promise; a call naming a different module is refused. A failed init()
 * may be retried, and once the Go runtime stopped (every call then throws
 * ERR_INTERNAL "the WebAssembly module stopped; reload it"), init() loads
 * a fresh instance.
 *
 * workerURL (any call) says where sealInvite's workers start from;
 * workers (any call) starts the pool of sealing workers once the module
 * is loaded, in the background (sealInvite's workers option otherwise
 * starts it on first use).
 *
 * Once the module is loaded, it detects the browser's X-Wing (native.js),
 * in the background: sealInvite and openWelcomeAsync wait for it.
 *
 * @param {{ wasmURL?: string | URL, wasmModule?: WebAssembly.Module | BufferSource | Response | PromiseLike<Response>, workerURL?: string | URL, workers?: number | 'auto' }} [options]
 */
export function init(options = {}) {
  try {
    if (options === null || typeof options !== 'object') {
      throw wpError(ErrorCode.ARGUMENT, `init() takes an options object ({ wasmURL } or { wasmModule }), got ${describe(options)}`);
    }
    const { wasmURL, wasmModule, workerURL, workers } = readOptions(options, 'init() options', INIT_OPTIONS);
    if (workers !== undefined) checkWorkers(workers);
    if (wasmURL !== undefined && wasmModule !== undefined) {
      throw wpError(ErrorCode.ARGUMENT, 'init(): pass wasmURL or wasmModule, not both');
    }
    const key = guarded('init() options.wasmURL', () => {
      if (wasmURL !== undefined && typeof wasmURL !== 'string' && !(wasmURL instanceof URL)) {
        throw wpError(ErrorCode.ARGUMENT, `init(): wasmURL must be a string or a URL, got ${describe(wasmURL)}`);
      }
      return wasmModule ?? (wasmURL !== undefined ? String(wasmURL) : null);
    });
    if (workerURL !== undefined) {
      const url = guarded('init() options.workerURL', () => {
        if (typeof workerURL !== 'string' && !(workerURL instanceof URL)) {
          throw wpError(ErrorCode.ARGUMENT, `init(): workerURL must be a string or a URL, got ${describe(workerURL)}`);
        }
        try {
          return new URL(String(workerURL), baseURL());
        } catch (e) {
          throw wpError(ErrorCode.ARGUMENT, `init(): workerURL is not a URL: ${String(workerURL)}`, e);
        }
      });
      setWorkerURL(url);
    }
    const explicit = wasmURL !== undefined || wasmModule !== undefined;
    // An instance whose runtime stopped is replaced by a fresh one.
    if (loading?.done && current.dead !== null) loading = null;
    const withPool = (promise) => {
      if (workers !== undefined) promise.then(() => startPool(workers), () => {});
      return promise;
    };
    if (loading) {
      if (!explicit || loading.key === key) return withPool(loading.promise);
      throw wpError(ErrorCode.ALREADY_INITIALIZED, 'init() was already called with a different module; call it once per page');
    }
    const entry = { key, promise: null, done: false };
    entry.promise = load(wasmURL, wasmModule).then((info) => {
      entry.done = true;
      detectNative(); // not awaited: init() is no slower for it
      return info;
    }, (e) => {
      if (loading === entry) loading = null; // allow a retry
      throw e;
    });
    loading = entry;
    return withPool(entry.promise);
  } catch (e) {
    return Promise.reject(asError(e));
  }
}

/** Whether init() has resolved. */
export function isInitialized() {
  return ns !== null && current.dead === null;
}

async function load(wasmURL, wasmModule) {
  const Go = goRuntime();
  const go = new Go();
  const inst = { go, dead: null, pending: new Set(), active: 0, watching: false };
  // A trap or exception in any Go code, a call or an event (a timer, a
  // seal's yield), stops the instance instead of escaping into the page.
  const resume = go._resume;
  go._resume = function resumeGuarded() {
    if (inst.dead !== null) return;
    try {
      resume.call(go);
    } catch (e) {
      markDead(inst, `the Go runtime failed: ${describeThrown(e)}`);
    }
  };
  go.argv = ['welcome-pointers', `--namespace=${NAMESPACE}`];
  go.env = {};
  go.exit = (code) => markDead(inst, `the Go runtime exited with code ${code}`);
  const instance = await instantiate(wasmURL, wasmModule, go.importObject);
  const ex = instance.exports;
  if (typeof ex.run !== 'function' || typeof ex.resume !== 'function' || !(ex.mem instanceof WebAssembly.Memory)) {
    throw wpError(ErrorCode.LOAD, 'the WebAssembly module is not a Go js/wasm program');
  }

  delete globalThis[NAMESPACE];
  // run() executes main() up to its final select{}: the namespace is
  // registered when it returns. The promise settles only if Go exits.
  const running = go.run(instance);
  live = { memory: ex.mem, running, inst };
  running.then(
    () => markDead(inst, 'the Go runtime exited'),
    (e) => markDead(inst, `the Go runtime failed: ${describeThrown(e)}`),
  );
  const candidate = globalThis[NAMESPACE];
  if (candidate === null || typeof candidate !== 'object' || typeof candidate.version !== 'string') {
    throw wpError(ErrorCode.VERSION_MISMATCH,
      `the WebAssembly module did not register globalThis.${NAMESPACE}: it is not a welcome-pointers module for package version ${VERSION}${inst.dead ? ` (${inst.dead})` : ''}`);
  }
  if (candidate.version !== VERSION) {
    delete globalThis[NAMESPACE];
    throw wpError(ErrorCode.VERSION_MISMATCH,
      `the WebAssembly module is version ${candidate.version} but this package is ${VERSION}: load the welcome-pointers.wasm that came with this version of the package`);
  }
  candidate.setErrorClass(WelcomePointersError);
  if (inst.dead !== null) throw wpError(ErrorCode.LOAD, `the Go runtime stopped while starting: ${inst.dead}`);
  // A stopped instance is replaced only now: until then, calls still say
  // that the module stopped.
  ns = candidate;
  current = inst;
  return { version: VERSION, namespace: NAMESPACE };
}

async function instantiate(wasmURL, wasmModule, imports) {
  try {
    if (wasmModule !== undefined) return await fromModule(wasmModule, imports);
    const url = wasmURL === undefined ? locateWasm() : new URL(String(wasmURL), baseURL());
    if (url.protocol === 'file:') {
      if (!host.readFile) {
        throw wpError(ErrorCode.LOAD, `cannot read ${url.href}: file: URLs are read only in Node (the package's "node" export); serve the module over http(s) or pass init({ wasmURL })`);
      }
      let bytes;
      try {
        bytes = await host.readFile(url);
      } catch (e) {
        throw wpError(ErrorCode.LOAD, `cannot read ${url.href}: ${e instanceof Error ? e.message : String(e)}`, e);
      }
      return keep(await compileGuarded(() => WebAssembly.instantiate(bytes, imports), url.href, null));
    }
    let response;
    try {
      response = await fetch(url);
    } catch (e) {
      throw wpError(ErrorCode.LOAD, `cannot fetch ${url.href}: ${e instanceof Error ? e.message : String(e)} (a network error, or a Content-Security-Policy whose connect-src does not allow it)`, e);
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

function locateWasm() {
  try {
    return defaultWasmURL();
  } catch (e) {
    throw wpError(ErrorCode.LOAD,
      'cannot locate welcome-pointers.wasm: this bundle has no import.meta.url (a classic-script bundle, such as esbuild\'s default iife format): bundle as an ES module, or pass init({ wasmURL })', e);
  }
}

// Relative URLs resolve against the page (the worker's script in a worker), else the package.
function baseURL() {
  return globalThis.location?.href ?? locateWasm().href;
}

// Compiling fails for reasons the engine words for itself; name the two an
// app can fix: a page answered instead of the module, and a CSP without
// 'wasm-unsafe-eval'.
async function compileGuarded(compile, what, contentType) {
  try {
    return await compile();
  } catch (e) {
    if (!(e instanceof WebAssembly.CompileError) && !(e instanceof EvalError)) throw e;
    const msg = e.message;
    if (/unsafe-eval|Content Security Policy|CSP/i.test(msg)) {
      throw wpError(ErrorCode.LOAD, `${what} cannot be compiled: the Content-Security-Policy does not allow WebAssembly; add 'wasm-unsafe-eval' to script-src (in an extension: content_security_policy.extension_pages in manifest.json) (${msg})`, e);
    }
    if (contentType && contentType !== 'application/wasm') {
      throw wpError(ErrorCode.LOAD, `${what} is not WebAssembly: the server sent ${contentType} (is the file missing, and a page served in its place?)`, e);
    }
    throw wpError(ErrorCode.LOAD, `${what} is not WebAssembly: ${msg}`, e);
  }
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
    throw wpError(ErrorCode.LOAD, `fetching ${what} failed: HTTP ${response.status}${response.status === 404
      ? ' (the file is not where the package looks for it: see "Bundlers" in the package README, or pass init({ wasmURL }))' : ''}`);
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/wasm' && typeof WebAssembly.instantiateStreaming === 'function') {
    return keep(await compileGuarded(() => WebAssembly.instantiateStreaming(response, imports), what, type));
  }
  // Servers that send another Content-Type: compile from the bytes.
  const bytes = await response.arrayBuffer();
  return keep(await compileGuarded(() => WebAssembly.instantiate(bytes, imports), what, type || 'no Content-Type'));
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

/** The limits of the module's reading of arguments (wasm/native.go); throws ERR_NOT_INITIALIZED before init(). */
export function moduleLimits() {
  return goNamespace().constants.limits;
}

/** The Go namespace; throws ERR_NOT_INITIALIZED before init(). */
export function goNamespace() {
  if (ns === null) {
    throw wpError(ErrorCode.NOT_INITIALIZED, 'call (and await) init() first');
  }
  if (current.dead !== null) throw stoppedError(current);
  return ns;
}

/**
 * Calls a synchronous export. Go cannot throw into JS: an export returns
 * its error as a value, thrown here.
 */
export function callGo(path, ...args) {
  return callOn(goNamespace(), current, path, args);
}

/**
 * Calls an export that returns a Promise, tracked for dispose(). The Promise also rejects, with
 * ERR_INTERNAL, if the runtime stops before it settles.
 */
export function callGoAsync(path, ...args) {
  try {
    return callAsyncOn(goNamespace(), current, path, args);
  } catch (e) {
    return Promise.reject(asError(e));
  }
}

/**
 * The module instance of now, for an operation that calls it across
 * awaits (sealInvite in parts, openWelcomeAsync): its later calls reach
 * this instance even once dispose() has started, and dispose() waits for
 * the operation (run) to finish, as for any call in flight. Throws
 * ERR_NOT_INITIALIZED before init().
 */
export function session() {
  const target = goNamespace();
  const inst = current;
  const module = compiled;
  return {
    /** The compiled module of this instance, for workers. */
    module,
    callGo: (path, ...args) => callOn(target, inst, path, args),
    callGoAsync: (path, ...args) => {
      try {
        return callAsyncOn(target, inst, path, args);
      } catch (e) {
        return Promise.reject(asError(e));
      }
    },
    /** Runs the operation op(), tracked for dispose(). */
    run: (op) => track(op()),
  };
}

function track(call) {
  inFlight.add(call);
  call.then(() => inFlight.delete(call), () => inFlight.delete(call));
  return call;
}

function callOn(target, inst, path, args) {
  const r = invoke(target, inst, path, args);
  if (r instanceof Error) throw asError(r);
  return r;
}

function callAsyncOn(target, inst, path, args) {
  const p = invoke(target, inst, path, args);
  return track(new Promise((resolveCall, rejectCall) => {
    inst.pending.add(rejectCall);
    Promise.resolve(p).then(resolveCall, (e) => rejectCall(asError(e, ErrorCode.INTERNAL, `calling ${path}`)))
      .finally(() => inst.pending.delete(rejectCall));
  }));
}

/**
 * Calls the export at path and returns what it returned. Since an export
 * never throws, an exception is never Go's: a trap, or a JS exception
 * that unwound through the Go runtime (a stack overflow), after which the
 * runtime cannot be trusted.
 */
function invoke(target, inst, path, args) {
  if (inst.dead !== null) throw stoppedError(inst);
  const fn = resolve(target, path);
  enter(inst);
  let r;
  try {
    r = fn(...args);
  } catch (e) {
    markDead(inst, `calling ${path}: ${describeThrown(e)}`);
    throw stoppedError(inst);
  }
  inst.active--;
  if (inst.dead !== null) throw stoppedError(inst); // it stopped during this call
  return r;
}

/**
 * enter counts a call into inst. A call that an exception unwinds (at the
 * very edge of the caller's stack, even the catch above can overflow)
 * leaves the count up: the microtask after it finds it so and stops the
 * instance, and until then no other call goes in. Calling the module from
 * a getter, Proxy trap or callback that it runs while reading the
 * arguments of another call is refused the same way.
 */
function enter(inst) {
  if (inst.active > 0) {
    throw wpError(ErrorCode.INTERNAL,
      'a call into the module is already running: it cannot be called from a getter, Proxy trap or callback of its own arguments');
  }
  // In this order: if queueing overflows the stack, nothing is counted.
  if (!inst.watching) {
    queueMicrotask(() => {
      inst.watching = false;
      if (inst.active !== 0) markDead(inst, 'a call into the Go runtime was interrupted (a stack overflow or a trap)');
    });
    inst.watching = true;
  }
  inst.active++;
  return inst;
}

function describeThrown(e) {
  try {
    return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  } catch {
    return 'an exception';
  }
}

/**
 * Releases the module: new calls throw ERR_NOT_INITIALIZED at once; the
 * calls in flight (sealInvite) finish; the pool of sealing workers is
 * terminated and the private keys imported into WebCrypto forgotten; the
 * Go side zeroes its key cache and exits; then the module's whole memory
 * is zeroed and dropped.
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
    shutdownPool();
    forgetNative();
    return { memoryZeroed: 0 };
  }
  await Promise.allSettled([...inFlight]);
  // The sealing workers and the imported WebCrypto keys go too.
  shutdownPool();
  forgetNative();
  let memoryZeroed = 0;
  let exited = instance.inst.dead !== null;
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
  delete globalThis[NAMESPACE];
  return { memoryZeroed };
}

function resolve(target, path) {
  const parts = path.split('.');
  for (let i = 0; i < parts.length - 1; i++) target = target[parts[i]];
  const fn = target[parts[parts.length - 1]];
  return (...args) => fn.apply(target, args);
}
