// Benchmarks of the browser module under Node. Prints one JSON line per
// result on stdout: {"name": ..., "ns_per_op": ..., "n": ...}; anything
// else goes to stderr. Run through scripts/bench-js.sh (which builds the
// module first).
//
//   BENCH_INSTALLATIONS (default 1000)  recipients of the sealed invite
//   BENCH_SEAL_RUNS     (default 3)     how many invites to seal
//   BENCH_OPEN_RUNS     (default 200)   how many pointers/pointees to open
//   BENCH_WELCOME_BYTES (default 65536) size of the sealed Welcome
//   BENCH_FLOOD_RECORDS, BENCH_FLOOD_HOURS  the flood benchmark (flood.mjs)
import * as wp from '../src/node.js';

const env = (k, d) => {
  const v = Number(process.env[k] ?? d);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${k} must be a positive integer`);
  return v;
};
const INSTALLATIONS = env('BENCH_INSTALLATIONS', 1000);
const SEAL_RUNS = env('BENCH_SEAL_RUNS', 3);
const OPEN_RUNS = env('BENCH_OPEN_RUNS', 200);
const WELCOME_BYTES = env('BENCH_WELCOME_BYTES', 65536);

function emit(name, totalNs, n) {
  process.stdout.write(`${JSON.stringify({ name, ns_per_op: Math.round(totalNs / n), n })}\n`);
}

const now = () => process.hrtime.bigint();
const since = (t) => Number(now() - t);

let t = now();
await wp.init();
emit('js/Init', since(t), 1);

function recipients(n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const key = wp.generateKey();
    const installationKey = new Uint8Array(32);
    new DataView(installationKey.buffer).setUint32(0, i + 1);
    out.push({
      key,
      installation: { installationKey, wrapperPublicKey: key.publicKey, wrapperAlgorithm: wp.Algorithm.XWING, pointeeAeadTypes: [3] },
    });
  }
  return out;
}

// Warm the engine up (V8 compiles WebAssembly lazily and tiers up).
const warm = recipients(50);
await wp.sealInvite(
  new Uint8Array(1024).fill(1),
  1,
  warm.map((r) => r.installation),
);

t = now();
const rs = recipients(INSTALLATIONS);
emit('js/GenerateKey/XWing', since(t), INSTALLATIONS);

const welcome = new Uint8Array(WELCOME_BYTES);
for (let i = 0; i < welcome.length; i++) welcome[i] = i & 0xff;
const installations = rs.map((r) => r.installation);
let invite;
t = now();
for (let i = 0; i < SEAL_RUNS; i++) invite = await wp.sealInvite(welcome, 12345n, installations);
const sealNs = since(t);
emit(`js/SealInvite/installations=${INSTALLATIONS}`, sealNs, SEAL_RUNS);
emit('js/SealInvite/per-pointer', sealNs, SEAL_RUNS * INSTALLATIONS);
process.stderr.write(`sealed ${invite.pointers} pointers, ${invite.size} bytes per invite\n`);

const pointee = wp.toWelcomeMessage(invite.messages[0].message, 1, 1);
const messages = invite.messages.slice(1, 1 + Math.min(64, INSTALLATIONS)).map((m, i) => wp.toWelcomeMessage(m.message, i + 2, 1));

// One installation opening its pointer: its key stays loaded in the
// module's small key cache, as when an app opens message after message.
for (let i = 0; i < 10; i++) wp.openWelcome(messages[0], [rs[0].key]);
t = now();
let got;
for (let i = 0; i < OPEN_RUNS; i++) got = wp.openWelcome(messages[0], [rs[0].key]);
emit('js/OpenPointer', since(t), OPEN_RUNS);

// A different key each time (more keys than the cache holds): the X-Wing
// public key is derived from the seed on every call.
if (messages.length > 8) {
  t = now();
  for (let i = 0; i < OPEN_RUNS; i++) wp.openWelcome(messages[i % messages.length], [rs[i % messages.length].key]);
  emit('js/OpenPointer/uncached-key', since(t), OPEN_RUNS);
}

for (let i = 0; i < 10; i++) wp.openPointee(got.pointer, pointee);
t = now();
for (let i = 0; i < OPEN_RUNS; i++) wp.openPointee(got.pointer, pointee);
emit(`js/OpenPointee/bytes=${WELCOME_BYTES}`, since(t), OPEN_RUNS);

// The resolver with a flood of pending pointers (see flood.mjs).
const { runFlood } = await import('./flood.mjs');
await runFlood({
  records: env('BENCH_FLOOD_RECORDS', 10000),
  hours: env('BENCH_FLOOD_HOURS', 72),
  emit,
  count: (name, n) => process.stdout.write(`${JSON.stringify({ name, count: n })}\n`),
  log: (s) => process.stderr.write(`${s}\n`),
});
