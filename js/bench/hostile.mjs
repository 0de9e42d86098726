// Issue 9's inputs under Node: the time to refuse or open each, and how
// far the module's memory (the Go heap, in WebAssembly memory) grew. One
// JSON line per input on stdout: {"name", "ns_per_op", "n", "result",
// "memory_growth_bytes" (of the process)}; the padded pointer also gives "x_unpadded", its
// cost over opening the same pointer unpadded, measured side by side.
// Natively the same inputs are core's BenchmarkHostile.
//
//   node js/bench/hostile.mjs          (after ./build.sh js)
//   BENCH_HOSTILE_RUNS (default 20)    runs of each input
import * as wp from '../src/node.js';

const RUNS = Number(process.env.BENCH_HOSTILE_RUNS ?? 20);
const MiB = 1024 * 1024;

await wp.init();
// The process's resident memory: the module's WebAssembly memory (the Go
// heap) only grows, so the growth over a run is what the input cost at
// its peak.
const memory = () => process.memoryUsage().rss;

const keys = [0, 1, 2].map(() => wp.generateKey());
const ins = keys.map((key, i) =>
  wp.installationFromExtensions({
    installationKey: Uint8Array.of(i + 1),
    wrapperEncryption: wp.encodeWrapperEncryption(key.publicKey),
    pointeeAeadTypes: wp.encodePointeeAeadTypes(),
  }),
);
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

// The largest pointee a default sender publishes (a Welcome 200 bytes under 25 MiB).
const inv = await wp.sealInvite(new Uint8Array(25 * MiB - 200).fill(7), 1n, ins);
const pointeeMsg = wp.toWelcomeMessage(inv.messages[0].message, 1n, 1n);
const pointerMsg = wp.toWelcomeMessage(inv.messages[1].message, 2n, 2n);
const { pointer } = wp.openWelcome(pointerMsg, keys);

const nested = new Uint8Array(9000).fill(0x7b);
const deep = concat(pointerMsg, new Uint8Array(9000).fill(0x7b), new Uint8Array(9000).fill(0x7c));
const aeadTypes = concat(Uint8Array.of(0x0a, 0xfa, 0xff, 0xff, 0x0c), new Uint8Array(25 * MiB - 5).fill(5));
const pad = new Uint8Array(25 * MiB - pointerMsg.length);
for (let i = 0; i < pad.length; i += 2) pad[i] = 0x12;
const padded = concat(pad, pointerMsg);

function measure(name, fn) {
  const before = memory();
  let result;
  const t = process.hrtime.bigint();
  for (let i = 0; i < RUNS; i++) {
    try {
      fn();
      result = 'ok';
    } catch (e) {
      result = e.code ?? String(e);
    }
  }
  const ns = Number(process.hrtime.bigint() - t) / RUNS;
  return { name, ns_per_op: Math.round(ns), n: RUNS, result, memory_growth_bytes: Math.max(0, memory() - before) };
}

const emit = (r) => process.stdout.write(`${JSON.stringify(r)}\n`);
emit(measure('nested-9000/inspect', () => wp.inspect(nested)));
emit(measure('nested-9000/openWelcome', () => wp.openWelcome(deep, keys)));
emit(measure('aead-types-25MiB/inspect', () => wp.inspect(aeadTypes, 'pointee_aead_types')));
emit(measure('aead-types-25MiB/decodePointeeAeadTypes', () => wp.decodePointeeAeadTypes(aeadTypes)));
const unpadded = measure('pointer/openWelcome', () => wp.openWelcome(pointerMsg, keys));
const paddedRun = measure('padded-pointer-25MiB/openWelcome', () => wp.openWelcome(padded, keys));
emit({ ...paddedRun, x_unpadded: Number((paddedRun.ns_per_op / unpadded.ns_per_op).toFixed(2)) });
emit(measure('padded-pointer-25MiB/inspect', () => wp.inspect(padded)));
emit(unpadded);
emit(measure('pointee-25MiB/openPointee', () => wp.openPointee(pointer, pointeeMsg)));
