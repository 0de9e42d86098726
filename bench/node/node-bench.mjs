// The Node side of go run ./bench. One mode per process; the result is
// one JSON line on stdout (diagnostics go to stderr).
//
//   node node-bench.mjs startup        time from init() to the first call
//   node node-bench.mjs suite CFG      suite.mjs on the GOOS=js module
//   node node-bench.mjs peer CFG       @hpke X-Wing HPKE seal and open
//
// CFG is a JSON object (see suite.mjs and peer() below).
import { runSuite } from './suite.mjs';

const [mode, cfgJSON] = process.argv.slice(2);
const cfg = cfgJSON ? JSON.parse(cfgJSON) : {};
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const MODULE = new URL('../../js/src/node.js', import.meta.url).href;
const WASM_EXEC = new URL('../../js/dist/wasm_exec.js', import.meta.url).href;

// The module's WebAssembly memory. The loader keeps its instance to
// itself; wasm_exec.js is an ES module here and in the loader (same URL,
// so the same evaluated module, whose goRuntime() returns one Go class),
// and Go.prototype.run receives the instance: wrap it before init() to
// see the memory.
async function hookMemory() {
  const Go = (await import(WASM_EXEC)).goRuntime();
  const run = Go.prototype.run;
  const seen = { memory: null };
  Go.prototype.run = function (instance) {
    seen.memory = instance.exports.mem;
    return run.call(this, instance);
  };
  return () => (seen.memory ? seen.memory.buffer.byteLength : null);
}

async function startup() {
  const t0 = performance.now();
  const wp = await import(MODULE);
  const t1 = performance.now();
  await wp.init();
  const t2 = performance.now();
  wp.encodePointeeAeadTypes();
  const t3 = performance.now();
  out({ mode: 'startup', import_ms: t1 - t0, init_ms: t2 - t1, first_call_ms: t3 - t2, total_ms: t3 - t1 });
}

async function suite() {
  const memory = await hookMemory();
  const wp = await import(MODULE);
  await wp.init(cfg.mode?.workers ? { workers: cfg.mode.workers } : {});
  const res = await runSuite(wp, cfg, {
    memory,
    jsHeap: () => process.memoryUsage().heapUsed,
    log: (s) => process.stderr.write(`${s}\n`),
  });
  out({ mode: 'suite', ...res });
}

// The peer: @hpke/core with @hpke/hybridkem-x-wing (X-Wing draft 06,
// KEM id 0x647a) and ChaCha20-Poly1305, sealing and opening a plaintext
// the size of a WelcomePointer with the same info string.
// cfg: { runs, reps, plaintext }.
async function peer() {
  const { CipherSuite, HkdfSha256 } = await import('@hpke/core');
  const { XWing } = await import('@hpke/hybridkem-x-wing');
  const { Chacha20Poly1305 } = await import('@hpke/chacha20poly1305');
  const suite = new CipherSuite({ kem: new XWing(), kdf: new HkdfSha256(), aead: new Chacha20Poly1305() });
  const info = Uint8Array.from([0x13, ...new TextEncoder().encode('MLS 1.0 MLS_WELCOME'), 0x00]);
  const pt = new Uint8Array(cfg.plaintext);
  crypto.getRandomValues(pt);
  const kp = await suite.kem.generateKeyPair();
  const now = () => performance.now();
  // Warm-up.
  let sealed;
  for (let i = 0; i < 5; i++) sealed = await suite.seal({ recipientPublicKey: kp.publicKey, info }, pt);
  for (let i = 0; i < 5; i++) await suite.open({ recipientKey: kp.privateKey, enc: sealed.enc, info }, sealed.ct);
  const seal = [];
  const open = [];
  for (let r = 0; r < cfg.runs; r++) {
    let t = now();
    for (let i = 0; i < cfg.reps; i++) sealed = await suite.seal({ recipientPublicKey: kp.publicKey, info }, pt);
    seal.push(((now() - t) * 1e6) / cfg.reps);
    t = now();
    for (let i = 0; i < cfg.reps; i++) {
      const got = new Uint8Array(await suite.open({ recipientKey: kp.privateKey, enc: sealed.enc, info }, sealed.ct));
      if (got.length !== pt.length) throw new Error('peer: open returned the wrong plaintext');
    }
    open.push(((now() - t) * 1e6) / cfg.reps);
  }
  const round = (xs) => xs.map((x) => Math.round(x));
  out({
    mode: 'peer',
    metrics: {
      seal_per_pointer: { samples_ns: round(seal), n: cfg.reps },
      open_pointer: { samples_ns: round(open), n: cfg.reps },
    },
    info: { enc_bytes: sealed.enc.byteLength, ct_bytes: sealed.ct.byteLength },
  });
}

const modes = { startup, suite, peer };
if (!modes[mode]) {
  process.stderr.write(`usage: node node-bench.mjs startup|suite CFG|peer CFG\n`);
  process.exit(2);
}
try {
  await modes[mode]();
  // The Go runtime keeps the event loop alive (it waits forever).
  process.exit(0);
} catch (e) {
  process.stderr.write(`node-bench ${mode}: ${e?.stack ?? e}\n`);
  process.exit(1);
}
