// The flood benchmark: a store holding a flood of pending pointers to
// nowhere (fake-indexeddb in Node), and what the resolver's scheduler
// costs with it. Run by bench.mjs after init(); emits
// {"name", "ns_per_op", "n"} lines for times and {"name", "count"}
// lines for counts.
//
//   BENCH_FLOOD_RECORDS (default 10000) pending records
//   BENCH_FLOOD_HOURS   (default 72)    simulated scheduler time for the fetch counts
import 'fake-indexeddb/auto';
import * as wp from '../src/node.js';
import { welcomePointerPlain } from '../test/helpers.mjs';

const HOUR = 3_600_000;
const T0 = 1_700_000_000_000;

// Distinct pointers without sealing anything: the stored form of a
// pointer is the WelcomePointer plaintext, which parsePointer checks.
function fakeReceived(i) {
  const b = (n, tag) => {
    const x = new Uint8Array(n);
    new DataView(x.buffer).setUint32(0, i);
    x[n - 1] = tag;
    return x;
  };
  const bytes = welcomePointerPlain({ destination: b(32, 1), key: b(32, 2), dataNonce: b(12, 3), metadataNonce: b(12, 4) });
  return { kind: 'pointer', pointer: wp.parsePointer(bytes), id: BigInt(i + 1), createdNs: BigInt(T0) * 1_000_000n, installationKey: null };
}

let dbs = 0;

function resolverOn(store, clock, fetches, extra = {}) {
  return wp.createResolver({
    store,
    fetchFirstMessage: () => {
      fetches.push(clock.t);
      return null; // pointers to nowhere
    },
    onWelcome: () => {},
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
    ...extra,
  });
}

async function floodedResolver(records, clock, fetches) {
  const store = await wp.openPendingStore({ name: `flood-bench-${process.pid}-${++dbs}` });
  const resolver = resolverOn(store, clock, fetches);
  const t = process.hrtime.bigint();
  for (let i = 0; i < records; i++) {
    await resolver.acceptPointer(fakeReceived(i));
    if (i % 256 === 255) await resolver.whenIdle();
  }
  await resolver.whenIdle();
  const acceptNs = Number(process.hrtime.bigint() - t);
  return { store, resolver, acceptNs };
}

async function timeIt(runs, fn) {
  await fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) await fn();
  return Number(process.hrtime.bigint() - t);
}

// The most fetches in any hour, and in the first hour from start.
function hourly(times, start) {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= HOUR) j++;
    most = Math.max(most, i - j + 1);
  }
  return { most, first: times.filter((t) => t < start + HOUR).length };
}

/** Runs the flood benchmark; emit(name, totalNs, n) and count(name, n) print lines. */
export async function runFlood({ records, hours, emit, count, log }) {
  const clock = { t: T0 };
  const fetches = [];
  const { store, resolver, acceptNs } = await floodedResolver(records, clock, fetches);
  emit(`js/Flood/acceptPointer/records=${records}`, acceptNs, records);
  log(`flood: ${await store.count()} records stored, ${fetches.length} fetches during the quick phases`);

  // A tick with nothing due: the quick phases are over, the first
  // deferred attempts are 5 minutes away.
  clock.t += 60_000;
  const runs = 20;
  emit(`js/Flood/resolveDue/nothing-due/records=${records}`, await timeIt(runs, () => resolver.resolveDue()), runs);
  emit(`js/Flood/nextDueMs/records=${records}`, await timeIt(runs, () => resolver.nextDueMs()), runs);

  // Every record due: with the fetch budget used up, and with a budget
  // that lets a tick work on its maxPerTick records.
  clock.t += HOUR;
  emit(`js/Flood/resolveDue/all-due/records=${records}`, await timeIt(runs, () => resolver.resolveDue()), runs);
  const unbounded = resolverOn(store, clock, [], { fetchesPerHour: 1_000_000 });
  const perTick = wp.RESOLVER_DEFAULTS.maxPerTick;
  emit(`js/Flood/resolveDue/all-due-${perTick}-attempts/records=${records}`, await timeIt(5, () => unbounded.resolveDue()), 5);
  unbounded.close();

  // The scheduler over simulated time, a tick a minute, from a fresh
  // flood: how many fetches go out (the fetch budget bounds them).
  const sim = { t: T0 };
  const simFetches = [];
  const s = await floodedResolver(records, sim, simFetches);
  let ticks = 0;
  const t = process.hrtime.bigint();
  while (sim.t < T0 + hours * HOUR) {
    sim.t += 60_000;
    await s.resolver.resolveDue();
    ticks++;
  }
  emit(`js/Flood/scheduler-tick/records=${records}`, Number(process.hrtime.bigint() - t), ticks);
  const h = hourly(simFetches, T0);
  count(`js/Flood/fetches/first-hour/records=${records}`, h.first);
  count(`js/Flood/fetches/${hours}h/records=${records}`, simFetches.length);
  count(`js/Flood/fetches/most-in-any-hour/records=${records}`, h.most);
  count(`js/Flood/still-pending-after-${hours}h/records=${records}`, await s.store.count());
  for (const x of [resolver, s.resolver]) x.close();
  store.close();
  s.store.close();
}
