// The invite: the installations' keys and key-package extensions, the
// seal, the publish through the outbox, and every installation opening
// its welcome.
//
// Each installation fetches its own topic and opens what it finds with
// its own key. A pointer then goes to a pending store, before anything
// is fetched (from that instant a reload loses nothing), whose resolver
// fetches and opens the pointee. The first OWN_STORES pointer
// installations get a store each, as on their own devices. The others
// (bulk) share one store per pointer: all pointers of an invite are the
// same pointer, a store collapses duplicates, so its pointee is fetched
// and decrypted once for all of them. 2,000 devices would each decrypt
// the Welcome once, in parallel; one page doing it for all of them
// would spend most of a minute on the same bytes, and a database per
// installation costs the browser about 4 ms more each.
import * as wp from '@welcome-pointers/wasm';
import { $, slicer, yieldToBrowser } from './dom.js';
import { codeWords, errorText, fmtBytes, fmtInt, fmtMs, fmtTime, randomBytes, sha256Hex } from './format.js';
import { expect, forgetExpectation, logEvent, rememberLabel } from './log.js';
import { fetchOwnTopic } from './network.js';
import { retireStore, storeFor } from './pending.js';
import { progress } from './progress.js';
import { opened, renderOpenTime, renderResults, setStatus, verify } from './results.js';
import { LOOP, OWN_STORES, state } from './state.js';

// Installations fetching and opening at once: opening is CPU work in the
// module, fetching is waiting, so they overlap.
const CONCURRENCY = 24;

function makeWelcome(size) {
  // A stand-in MLS Welcome: MLS 1.0 (00 01), wire format welcome (00 03),
  // then random bytes where the group secrets and ratchet tree would be.
  const w = randomBytes(size);
  w.set([0x00, 0x01, 0x00, 0x03].slice(0, size));
  return w;
}

async function makeInstallations(f, onProgress) {
  const list = [];
  const capableCount = f.total - f.legacy;
  const pause = slicer();
  for (let i = 0; i < f.total; i++) {
    const member = Math.floor(i / f.perMember) + 1;
    const device = (i % f.perMember) + 1;
    const legacy = i >= capableCount;
    const installationKey = randomBytes(32);
    let key;
    let installation;
    if (legacy) {
      // An older installation: no 0xff03/0xff04, the key package's
      // CURVE25519 init key.
      key = wp.generateKey(wp.Algorithm.CURVE25519);
      installation = wp.installationFromExtensions({ installationKey, initKey: key.publicKey });
    } else {
      // What the released client publishes: an X-Wing key in 0xff03 and
      // ChaCha20-Poly1305 pointees in 0xff04.
      key = wp.generateKey(wp.Algorithm.XWING);
      installation = wp.installationFromExtensions({
        installationKey,
        wrapperEncryption: wp.encodeWrapperEncryption(key.publicKey, wp.Algorithm.XWING),
        pointeeAeadTypes: wp.encodePointeeAeadTypes([wp.AeadType.CHACHA20_POLY1305]),
      });
    }
    list.push({
      index: i,
      member,
      device,
      legacy,
      key,
      installation,
      hex: wp.toHex(installationKey),
      status: 'waiting',
      detail: '',
      kind: null,
      opens: 0,
    });
    onProgress(i + 1, f.total);
    await pause();
  }
  return list;
}

// The per-pointer minimum: what one pointer message to a 32-byte
// installation id costs on the wire, measured once on a throwaway invite.
async function minPointerSize() {
  if (state.minPointerSize === null) {
    const ins = [];
    for (let i = 0; i < wp.MIN_POINTER_INSTALLATIONS; i++) {
      const k = wp.generateKey(wp.Algorithm.XWING);
      ins.push({
        installationKey: randomBytes(32),
        wrapperPublicKey: k.publicKey,
        wrapperAlgorithm: wp.Algorithm.XWING,
        pointeeAeadTypes: [wp.AeadType.CHACHA20_POLY1305],
      });
    }
    const inv = await wp.sealInvite(new Uint8Array([0, 1, 0, 3]), 0n, ins);
    state.minPointerSize = Math.min(...inv.messages.filter((m) => m.kind === 'pointer').map((m) => m.message.length));
  }
  return state.minPointerSize;
}

async function costs(run) {
  const { invite, installs } = run;
  // Direct welcomes for everyone: direct sizes depend only on the key
  // algorithm, so one sample per algorithm is sealed (or taken from the
  // invite's own direct welcomes).
  const directSize = new Map();
  for (const m of invite.messages) {
    if (m.kind !== 'direct') continue;
    const ins = run.byHex.get(wp.toHex(m.installationKey));
    if (ins && !directSize.has(ins.legacy)) directSize.set(ins.legacy, m.message.length);
  }
  for (const ins of installs) {
    if (!directSize.has(ins.legacy)) {
      // Sealing a large Welcome takes tens of milliseconds: a task of its own.
      await yieldToBrowser();
      directSize.set(ins.legacy, wp.sealDirect(run.welcome, run.cursor, ins.installation).length);
    }
  }
  const direct = installs.reduce((n, ins) => n + directSize.get(ins.legacy), 0);
  const perPointer = await minPointerSize();
  const floor = run.welcome.length + installs.length * perPointer;
  return { direct, actual: invite.size, floor, perPointer, directSize };
}

// Which request of the publish carried each message: the outbox's batches
// each went out in one or more requests of the transport.
function requestsOf(run, results) {
  run.requestOf = new Int32Array(run.invite.messages.length).fill(-1);
  let offset = 0;
  let request = 0;
  for (const r of results) {
    for (const b of r?.batches ?? []) {
      run.requestOf.fill(request++, offset + b.start, offset + b.end);
    }
    offset += r?.total ?? 0;
  }
  run.requests = request;
}

export async function runInvite(f) {
  const run = {
    f,
    installs: [],
    invite: null,
    welcome: null,
    cursor: 0n,
    welcomeHash: '',
    times: {},
    byHex: new Map(),
    counts: { ok: 0, pending: 0, failed: 0, twice: 0 },
    groups: new Map(), // store owner hex -> group of installations waiting on that store
    bulk: new Map(), // pointer id -> the group of bulk installations with that pointer
    ownStoresLeft: OWN_STORES,
    requestOf: null,
    requests: 0,
  };
  state.run = run;
  $('results').hidden = true;
  const t0 = performance.now();

  // 1. Keys and key-package extensions.
  progress.start(`Generating ${fmtInt(f.total)} installation keys`);
  let t = performance.now();
  run.installs = await makeInstallations(f, (d, n) => progress.set(d, n, `${fmtInt(d)} of ${fmtInt(n)} keys`));
  run.times.keys = performance.now() - t;
  for (const ins of run.installs) run.byHex.set(ins.hex, ins);

  // 2. Seal.
  run.welcome = makeWelcome(f.welcomeSize);
  run.welcomeHash = await sha256Hex(run.welcome);
  await yieldToBrowser();
  run.cursor = BigInt(1 + Math.floor(Math.random() * 1_000_000));
  progress.start(`Sealing the invite for ${fmtInt(f.total)} installations`);
  t = performance.now();
  run.invite = await wp.sealInvite(
    run.welcome,
    run.cursor,
    run.installs.map((i) => i.installation),
    {
      onProgress: (d, n) => progress.set(d, n, `${fmtInt(d)} of ${fmtInt(n)} installations sealed`),
    },
  );
  run.times.seal = performance.now() - t;

  // 3. Publish through the outbox: stored first, pointee first, resumed
  // after a reload.
  progress.start(`Publishing ${fmtInt(run.invite.messages.length)} messages (${fmtBytes(run.invite.size)}) to the node`);
  t = performance.now();
  const { outbox } = state.sender;
  const { id } = await outbox.enqueue(run.invite);
  state.publishing = id;
  let sent;
  try {
    sent = await outbox.send(id);
  } finally {
    state.publishing = null;
  }
  if (sent.status !== 'sent') {
    throw new Error(
      `publishing stopped after ${fmtInt(sent.sent ?? 0)} of ${fmtInt(run.invite.messages.length)} messages`
        + `${sent.error ? ` (${errorText(sent.error)})` : ''}; the outbox keeps the rest and retries it`,
    );
  }
  requestsOf(run, sent.results);
  run.times.publish = performance.now() - t;

  // What the chart compares.
  run.costs = await costs(run);
  await yieldToBrowser();
  renderResults(run);

  // 4. Every installation fetches its topic and opens its welcome.
  progress.start(`${fmtInt(f.total)} installations open their welcomes`);
  t = performance.now();
  let done = 0;
  const tick = () => {
    done++;
    progress.set(done, run.installs.length, `${fmtInt(done)} of ${fmtInt(run.installs.length)} installations done`);
  };
  const inFlight = new Set();
  const all = [];
  for (const ins of run.installs) {
    const p = openInstallation(run, ins).then(tick, tick);
    all.push(p);
    inFlight.add(p);
    p.finally(() => inFlight.delete(p));
    if (inFlight.size >= CONCURRENCY) await Promise.race(inFlight);
  }
  await Promise.all(all);
  await Promise.all([...run.groups.values()].map((g) => g.started));
  run.times.open = performance.now() - t;
  run.times.total = performance.now() - t0;
  renderOpenTime(run);
  const c = run.counts;
  progress.done(
    `${fmtInt(c.ok)} opened${c.pending ? `, ${fmtInt(c.pending)} pending` : ''}${c.failed ? `, ${fmtInt(c.failed)} failed` : ''} in ${fmtMs(run.times.open)}.`,
  );
  // For the browser tests and the benchmark: the phases' times.
  document.documentElement.dataset.lastRun = JSON.stringify({
    installations: run.installs.length,
    welcome: run.welcome.length,
    ...run.times,
    ...c,
  });
}

async function openInstallation(run, ins) {
  setStatus(run, ins, 'opening', 'fetching its topic');
  let received;
  try {
    const msg = await fetchOwnTopic(wp.fromHex(ins.hex));
    if (!msg) throw new Error('no welcome on its topic (the node has nothing for this installation)');
    received = wp.openWelcome(msg, [ins.key]);
  } catch (e) {
    setStatus(run, ins, 'failed', errorText(e));
    return;
  }
  ins.kind = received.kind;
  if (received.kind === 'direct') {
    await verify(run, ins, received.welcome, received.cursor, 'direct welcome');
    return;
  }
  if (run.ownStoresLeft > 0) {
    run.ownStoresLeft--;
    await startGroup(run, newGroup(run, ins, false), received);
    return;
  }
  const g = run.bulk.get(received.pointer.id);
  if (!g) {
    const ng = newGroup(run, ins, true);
    run.bulk.set(received.pointer.id, ng);
    await startGroup(run, ng, received);
    return;
  }
  // The same pointer as the group's: the group's store holds it once.
  g.peers.push(ins);
  if (g.result) opened(run, ins, g.result.how, g.result.problem);
  else if (g.dropped) setStatus(run, ins, 'failed', g.dropped);
  else if (g.pending) setStatus(run, ins, 'pending', g.pending);
  else setStatus(run, ins, 'opening', 'pointer opened; its pointee is being resolved for the installations with this pointer');
}

// A group of installations waiting on one pending store, named after
// its first installation: one installation on its own device, or the
// bulk installations with one pointer.
function newGroup(run, ins, bulk) {
  const g = { hex: ins.hex, bulk, peers: [ins], result: null, dropped: null, pending: null, started: null };
  run.groups.set(ins.hex, g);
  return g;
}

const waitingIn = (g) => g.peers.filter((p) => p.status !== 'ok' && p.status !== 'failed');

function startGroup(run, g, received) {
  g.started = resolveGroup(run, g, received).catch((e) => {
    g.dropped = errorText(e);
    for (const p of waitingIn(g)) setStatus(run, p, 'failed', g.dropped);
  });
  return g.started;
}

async function resolveGroup(run, g, received) {
  const ins = g.peers[0];
  setStatus(run, ins, 'opening', 'pointer opened; fetching the pointee');
  const pointerId = received.pointer.id;
  expect(pointerId, g.hex, { sha256: run.welcomeHash, size: run.welcome.length, cursor: String(run.cursor) });
  const entry = await storeFor(g.hex);
  rememberLabel(g.hex, `member ${ins.member} · device ${ins.device}${g.bulk ? ' and the bulk installations sharing its pointer' : ''}`);
  // Stored before anything is fetched: from here on a reload loses nothing.
  const out = await entry.resolver.acceptPointer(received);
  if (out.status === 'accepted') {
    logEvent('accepted', { pointerId: out.id, hex: g.hex });
    // The quick phase runs on the stored record.
    await entry.resolver.whenIdle();
    if (g.result || g.dropped) {
      // onWelcome or onDropped has set the rows.
      forgetExpectation(pointerId, g.hex);
      await retireStore(g.hex, entry);
      return;
    }
    const { record } = await entry.store.get(out.id);
    if (record) {
      const why = !record.lastError || record.lastError === 'ERR_NOT_FOUND' ? 'no message on its topic yet' : codeWords(record.lastError);
      g.pending = `waiting for the pointee (${why}); next attempt at ${fmtTime(record.nextAttemptMs)}`;
    } else {
      g.pending = 'stored; another tab is resolving it';
    }
    for (const p of waitingIn(g)) setStatus(run, p, 'pending', g.pending);
    if ($('auto-retry').checked) entry.resolver.start(LOOP);
    return;
  }
  forgetExpectation(pointerId, g.hex);
  if (out.status === 'dropped') {
    g.dropped = errorText(out.error);
  } else {
    // Cannot happen with a store per group; said if it does.
    g.dropped = `the same pointer was already ${out.existing ?? 'being resolved'} for this installation`;
  }
  for (const p of waitingIn(g)) setStatus(run, p, 'failed', g.dropped);
  await retireStore(g.hex);
}
