// The welcome pointers demo page. It plays every role in one page: it
// makes the installations' keys and key-package extensions, seals the
// invite with the WebAssembly module, publishes it through the local
// relay (/api/) through the module's durable outbox, and has every
// installation open its welcome. Pointers go through the module's
// resolver: stored in IndexedDB before the first fetch, quick retries on
// the stored record, then deferred retries; a reload, another tab or a
// closed tab loses nothing and delivers nothing twice.
import * as wp from '@welcome-pointers/wasm';

const $ = (id) => document.getElementById(id);

// The demo's retry schedule: the deployed client waits 5 minutes before
// the first deferred retry; the demo waits 5 seconds so the pending path
// can be watched. Everything else is the deployed schedule.
const DEMO_POLICY = { firstRetryMs: 5_000, backoff: 1.5, maxDelayMs: 60_000 };

// One pending store per installation, as each installation is its own
// device: all pointers of an invite are identical, and a store collapses
// duplicates.
const STORE_PREFIX = 'wp-demo-installation-';
// What a pending pointer should open to, for the check after a reload.
const EXPECT_PREFIX = 'wp-demo-expect:';
// The sender's outbox lives in its own database, as on the sender's device.
const SENDER_DB = 'wp-demo-sender';
// What the relay said about each published pointee (destination hex ->
// { at, visibleAt, dropped }), for the pending rows' labels.
const POINTEES_KEY = 'wp-demo-pointees';
const OUTBOX_LOG_KEY = 'wp-demo-outbox-log';
// A log, one localStorage key per event so that tabs never overwrite each
// other: pointers stored (accepted: the app could advance its welcome
// cursor), Welcomes delivered (the app's "join"), pointers dropped. The
// resolved list and the browser tests read it.
const LOG_PREFIX = 'wp-demo-log:';

const MAX_INSTALLATIONS = 2500;
const MAX_ROWS = 200; // message rows shown; installation rows are all shown

const state = {
  ready: false,
  running: false,
  policy: null,
  relay: null, // last /api/stats
  run: null, // the current invite run
  stores: new Map(), // store name -> { store, resolver, installationHex }
  sender: null, // { store, outbox }
  publishing: null, // id of the invite this page is publishing now
  resolved: [], // welcomes resolved after a wait, for the list
  minPointerSize: null,
};

// ---------- small helpers ----------

const nf = new Intl.NumberFormat('en-US');
const fmtInt = (n) => nf.format(n);

function fmtBytes(n) {
  if (n < 1000) return `${fmtInt(n)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  do {
    v /= 1000;
    u++;
  } while (v >= 1000 && u < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[u]}`;
}

function fmtMs(ms) {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function fmtTime(ms) {
  return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
}

function fmtRelative(ms) {
  const d = Math.round((ms - Date.now()) / 1000);
  if (d <= 0) return 'due now';
  if (d < 90) return `in ${d} s`;
  if (d < 5400) return `in ${Math.round(d / 60)} min`;
  return `in ${(d / 3600).toFixed(1)} h`;
}

const short = (hex, n = 8) => (hex.length > 2 * n ? `${hex.slice(0, n)}…${hex.slice(-4)}` : hex);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Live regions announce changes: write only when the text changes.
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

const badge = (cls, text) => el('span', { class: `badge ${cls}` }, text);

// Hands the thread back to the browser so it can paint (MessageChannel:
// no 4 ms clamp).
const channel = new MessageChannel();
const yieldQueue = [];
channel.port1.onmessage = () => yieldQueue.shift()?.();
function yieldToBrowser() {
  return new Promise((resolve) => {
    yieldQueue.push(resolve);
    channel.port2.postMessage(null);
  });
}

// Words for the module's error codes; the message carries the detail.
const CODE_WORDS = {
  ERR_ARGUMENT: 'Invalid input',
  ERR_MALFORMED: 'Not a well-formed message',
  ERR_DECRYPT: 'Decryption failed',
  ERR_NO_MATCHING_KEY: 'Not addressed to this installation',
  ERR_UNSUPPORTED: 'Unsupported algorithm',
  ERR_NOT_POINTEE: 'The first message on the topic is not a pointee',
  ERR_TOO_LARGE: 'Too large',
  ERR_INVALID_KEY: 'Invalid key',
  ERR_EXPIRED: 'The pending pointer expired',
  ERR_ATTEMPTS_EXHAUSTED: 'The pending pointer used up its attempts',
  ERR_ABORTED: 'Aborted',
  ERR_FETCH: 'Could not reach the relay',
  ERR_TIMEOUT: 'Timed out',
  ERR_NOT_FOUND: 'No pointee on the topic yet',
  ERR_REJECTED: 'Rejected',
  ERR_STORE: 'Browser storage (IndexedDB) failed',
  ERR_CLOSED: 'Browser storage was closed',
  ERR_CAPACITY: 'Too many pending pointers: the oldest was dropped',
  ERR_RATE_LIMITED: 'Waiting for the fetch budget',
  ERR_LOAD: 'Could not load the WebAssembly module',
  ERR_VERSION_MISMATCH: 'Module and package versions differ',
  ERR_INTERNAL: 'Internal error',
};

// The words above for the code, then the error's detail: what its
// message says besides what the code says.
function errorText(e) {
  const words = e && CODE_WORDS[e.code];
  if (!words) return typeof e?.detail === 'string' ? e.detail : e instanceof Error ? e.message : String(e);
  return e.detail ? `${words}: ${e.detail}` : words;
}

function showError(node, e) {
  node.textContent = typeof e === 'string' ? e : errorText(e);
  node.hidden = false;
}

function hideError(node) {
  node.hidden = true;
  node.textContent = '';
}

async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return wp.toHex(d);
}

function randomBytes(n) {
  const b = new Uint8Array(n);
  for (let off = 0; off < n; off += 65536) crypto.getRandomValues(b.subarray(off, Math.min(n, off + 65536)));
  return b;
}

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

// ---------- the relay ----------

class RelayError extends Error {}

async function relayJSON(path, options = {}) {
  let res;
  try {
    res = await fetch(path, { cache: 'no-store', ...options });
  } catch (e) {
    throw new RelayError(`the relay at ${location.host} is not reachable (${e.message}); is the demo server still running?`);
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) {
    throw new RelayError(`relay answered HTTP ${res.status}: ${body?.error ?? res.statusText}`);
  }
  return body;
}

const relayStats = () => relayJSON('/api/stats');

// Messages found on a topic never change (only the first one counts), so
// they are cached; concurrent asks for the same topic share one request.
const topicCache = new Map(); // hex -> Uint8Array
const inFlight = new Map(); // hex -> Promise

async function fetchFirst(topicHex, signal) {
  const hit = topicCache.get(topicHex);
  if (hit) return hit;
  let p = inFlight.get(topicHex);
  if (!p) {
    p = (async () => {
      let res;
      try {
        res = await fetch(`/api/topics/${topicHex}/first`, { cache: 'no-store' });
      } catch (e) {
        throw new RelayError(`the relay is not reachable: ${e.message}`);
      }
      if (res.status === 204) return null;
      if (!res.ok) {
        let detail = res.statusText;
        try {
          detail = (await res.json()).error ?? detail;
        } catch {
          // not JSON
        }
        throw new RelayError(`relay answered HTTP ${res.status}: ${detail}`);
      }
      const bytes = new Uint8Array(await res.arrayBuffer());
      topicCache.set(topicHex, bytes);
      return bytes;
    })().finally(() => inFlight.delete(topicHex));
    inFlight.set(topicHex, p);
  }
  if (signal?.aborted) throw signal.reason ?? new Error('aborted');
  return p;
}

// The resolver's fetchFirstMessage: bytes, or null when the topic is empty.
const fetchFirstMessage = (topic, { signal } = {}) => fetchFirst(wp.toHex(topic), signal);

// The outbox's publish: one binary batch (a 4-byte big-endian length,
// then the message) to the relay. The relay's answer is what the outbox
// records for the batch.
async function publishBatch(messages, { signal }) {
  const size = messages.reduce((n, m) => n + 4 + m.length, 0);
  const body = new Uint8Array(size);
  const view = new DataView(body.buffer);
  let off = 0;
  for (const m of messages) {
    view.setUint32(off, m.length);
    body.set(m, off + 4);
    off += m.length + 4;
  }
  const r = await relayJSON('/api/publish', {
    method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body, signal,
  });
  return r.results;
}

// A JSON value kept in localStorage, or fallback.
function stored(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null') ?? fallback;
  } catch {
    return fallback;
  }
}

// The relay's word on a pointee, kept for the pending rows' labels.
const pointeeInfo = () => stored(POINTEES_KEY, {});
function rememberPointee(result) {
  if (!result || result.kind !== 'pointee' || result.duplicate) return;
  try {
    const all = pointeeInfo();
    all[result.topic] ??= { at: Date.now(), visibleAt: result.visibleAt ?? null, dropped: !!result.dropped };
    localStorage.setItem(POINTEES_KEY, JSON.stringify(all));
  } catch {
    // storage full or disabled: no label
  }
}

// One event in the shared log (see LOG_PREFIX).
function logEvent(kind, fields) {
  try {
    const key = `${LOG_PREFIX}${kind}:${Date.now()}:${Math.random().toString(36).slice(2)}`;
    localStorage.setItem(key, JSON.stringify({ kind, at: Date.now(), ...fields }));
  } catch {
    // storage full or disabled: the log is for display and tests
  }
}

function logEntries(kind) {
  const out = [];
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (!k?.startsWith(`${LOG_PREFIX}${kind}:`)) continue;
    try {
      out.push(JSON.parse(localStorage.getItem(k)));
    } catch {
      // not ours
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

// ---------- progress ----------

const progress = {
  box: $('progress-box'),
  bar: $('progress'),
  label: $('progress-label'),
  text: $('progress-text'),
  lastText: 0,
  start(label) {
    this.box.hidden = false;
    this.label.textContent = label;
    this.bar.max = 1;
    this.bar.value = 0;
    this.text.textContent = '';
    this.lastText = 0;
  },
  set(done, total, words) {
    this.bar.max = Math.max(total, 1);
    this.bar.value = done;
    // Screen readers hear the text: not more than twice a second.
    const now = performance.now();
    if (done >= total || now - this.lastText > 500) {
      this.text.textContent = words ?? `${fmtInt(done)} of ${fmtInt(total)}`;
      this.lastText = now;
    }
  },
  done(words) {
    this.bar.max = 1;
    this.bar.value = 1;
    this.label.textContent = 'Done';
    this.text.textContent = words;
  },
  fail(words) {
    this.label.textContent = 'Stopped';
    this.text.textContent = words;
  },
};

// ---------- the form ----------

const form = $('invite-form');

function welcomeSizeFor(installations) {
  // A Welcome carries the group's ratchet tree: about 545 bytes per
  // leaf in the reports the spec cites (436,092 bytes for 800).
  return 1500 + 550 * installations;
}

function readForm() {
  const errors = [];
  const int = (id, name, min, max) => {
    const v = $(id).value.trim();
    const n = Number(v);
    if (v === '' || !Number.isInteger(n) || n < min || n > max) {
      errors.push(`${name} must be a whole number from ${fmtInt(min)} to ${fmtInt(max)}.`);
      $(id).setAttribute('aria-invalid', 'true');
      return min;
    }
    $(id).removeAttribute('aria-invalid');
    return n;
  };
  const members = int('members', 'Members', 1, 250);
  const perMember = int('per-member', 'Installations per member', 1, 10);
  const total = members * perMember;
  const legacy = int('legacy', 'Legacy installations', 0, MAX_INSTALLATIONS);
  if (!errors.length && legacy > total) {
    errors.push(`Legacy installations (${legacy}) cannot exceed the ${total} installations invited.`);
    $('legacy').setAttribute('aria-invalid', 'true');
  }
  const auto = form.elements.sizeMode.value === 'auto';
  const welcomeSize = auto ? welcomeSizeFor(total) : int('welcome-size', 'Welcome size', 16, 30_000_000);
  return { members, perMember, total, legacy, welcomeSize, auto, errors };
}

function updateDerived() {
  const f = readForm();
  $('welcome-size').disabled = f.auto;
  if (f.auto) $('welcome-size').value = String(welcomeSizeFor(f.total));
  if (f.errors.length) {
    $('derived').textContent = '';
    return;
  }
  const capable = f.total - f.legacy;
  const mode = capable >= wp.MIN_POINTER_INSTALLATIONS
    ? `${fmtInt(capable)} pointer-capable installation${capable === 1 ? '' : 's'} will get pointers`
    : `only ${capable} installation${capable === 1 ? ' is' : 's are'} pointer-capable (fewer than ${wp.MIN_POINTER_INSTALLATIONS}), so every installation gets a direct welcome`;
  $('derived').textContent = `${fmtInt(f.total)} installation${f.total === 1 ? '' : 's'}, a Welcome of ${fmtBytes(f.welcomeSize)} (${fmtInt(f.welcomeSize)} bytes); ${mode}${f.legacy && capable >= wp.MIN_POINTER_INSTALLATIONS ? `, ${fmtInt(f.legacy)} legacy one${f.legacy === 1 ? '' : 's'} direct welcomes` : ''}.`;
}

// ---------- the invite ----------

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
  let last = performance.now();
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
      index: i, member, device, legacy, key, installation,
      hex: wp.toHex(installationKey), status: 'waiting', detail: '', row: null,
    });
    if (performance.now() - last > 30) {
      onProgress(i + 1, f.total);
      await yieldToBrowser();
      last = performance.now();
    }
  }
  onProgress(f.total, f.total);
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
        installationKey: randomBytes(32), wrapperPublicKey: k.publicKey,
        wrapperAlgorithm: wp.Algorithm.XWING, pointeeAeadTypes: [wp.AeadType.CHACHA20_POLY1305],
      });
    }
    const inv = await wp.sealInvite(new Uint8Array([0, 1, 0, 3]), 0n, ins);
    state.minPointerSize = Math.min(...inv.messages.filter((m) => m.kind === 'pointer').map((m) => m.message.length));
  }
  return state.minPointerSize;
}

async function runInvite(f) {
  const run = {
    f, installs: [], invite: null, welcome: null, cursor: 0n, welcomeHash: '',
    times: {}, results: [], byHex: new Map(), counts: { ok: 0, pending: 0, failed: 0 },
  };
  state.run = run;
  $('results').hidden = true;

  // 1. Keys and key-package extensions.
  progress.start(`Generating ${fmtInt(f.total)} installation keys`);
  let t = performance.now();
  run.installs = await makeInstallations(f, (d, n) => progress.set(d, n, `${fmtInt(d)} of ${fmtInt(n)} keys`));
  run.times.keys = performance.now() - t;
  for (const ins of run.installs) run.byHex.set(ins.hex, ins);

  // 2. Seal.
  run.welcome = makeWelcome(f.welcomeSize);
  run.welcomeHash = await sha256Hex(run.welcome);
  run.cursor = BigInt(1 + Math.floor(Math.random() * 1_000_000));
  progress.start(`Sealing the invite for ${fmtInt(f.total)} installations`);
  t = performance.now();
  run.invite = await wp.sealInvite(run.welcome, run.cursor, run.installs.map((i) => i.installation), {
    onProgress: (d, n) => progress.set(d, n, `${fmtInt(d)} of ${fmtInt(n)} installations sealed`),
  });
  run.times.seal = performance.now() - t;

  // 3. Publish through the outbox: stored first, pointee first, resumed
  // after a reload.
  progress.start(`Publishing ${fmtInt(run.invite.messages.length)} messages (${fmtBytes(run.invite.size)}) to the relay`);
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
    throw new Error(`publishing stopped after ${fmtInt(sent.sent ?? 0)} of ${fmtInt(run.invite.messages.length)} messages`
      + `${sent.error ? ` (${errorText(sent.error)})` : ''}; the outbox keeps the rest and retries it`);
  }
  run.results = sent.results.flat().map((x, i) => ({ ...x, index: i }));
  run.times.publish = performance.now() - t;

  // What the chart compares.
  run.costs = await costs(run);
  renderResults(run);

  // 4. Every installation fetches its topic and opens its welcome.
  progress.start(`${fmtInt(f.total)} installations open their welcomes`);
  t = performance.now();
  let done = 0;
  const tick = () => {
    done++;
    progress.set(done, run.installs.length, `${fmtInt(done)} of ${fmtInt(run.installs.length)} installations done`);
  };
  // Opening is CPU work in the module; the quick retries are waits, so
  // installations overlap.
  const pool = [];
  const waits = [];
  for (const ins of run.installs) {
    const w = openInstallation(run, ins).then(tick, tick);
    waits.push(w);
    pool.push(w);
    if (pool.length >= 32) await Promise.race(pool.splice(0, 1));
  }
  await Promise.all(waits);
  run.times.open = performance.now() - t;
  renderSummary(run);
  const c = run.counts;
  progress.done(`${fmtInt(c.ok)} opened${c.pending ? `, ${fmtInt(c.pending)} pending` : ''}${c.failed ? `, ${fmtInt(c.failed)} failed` : ''} in ${fmtMs(run.times.open)}.`);
  await refreshPending();
}

function setStatus(run, ins, status, detail) {
  const was = ins.status;
  ins.status = status;
  ins.detail = detail;
  const c = run.counts;
  if (was === 'ok') c.ok--;
  if (was === 'pending') c.pending--;
  if (was === 'failed') c.failed--;
  if (status === 'ok') c.ok++;
  if (status === 'pending') c.pending++;
  if (status === 'failed') c.failed++;
  renderInstallRow(ins);
  if (run.summaryRendered) renderSummary(run);
}

async function openInstallation(run, ins) {
  setStatus(run, ins, 'opening', 'fetching its topic');
  let received;
  try {
    const msg = await fetchFirst(ins.hex);
    if (!msg) throw new Error('no welcome on its topic (the relay has nothing for this installation)');
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
  // A pointer: its own store and resolver, as on its own device.
  setStatus(run, ins, 'opening', 'pointer opened; fetching the pointee');
  try {
    localStorage.setItem(`${EXPECT_PREFIX}${received.pointer.id}:${ins.hex}`, JSON.stringify({
      sha256: run.welcomeHash, size: run.welcome.length, cursor: String(run.cursor),
    }));
  } catch {
    // storage full or disabled: the check after a reload is skipped
  }
  try {
    const entry = await storeFor(ins.hex);
    rememberLabel(ins);
    // Stored before anything is fetched: from here on a reload loses nothing.
    const out = await entry.resolver.acceptPointer(received);
    if (out.status === 'accepted') {
      logEvent('accepted', { pointerId: out.id, hex: ins.hex });
      // The quick phase runs on the stored record.
      await entry.resolver.whenIdle();
      if (ins.status === 'ok' || ins.status === 'failed') {
        // onWelcome or onDropped has set the row.
        forgetExpectation(received.pointer.id, ins.hex);
        await retireStore(ins.hex, entry);
        return;
      }
      const { record } = await entry.store.get(out.id);
      if (record) {
        const why = !record.lastError || record.lastError === 'ERR_NOT_FOUND' ? 'no message on its topic yet' : CODE_WORDS[record.lastError] ?? record.lastError;
        setStatus(run, ins, 'pending', `waiting for the pointee (${why}); next attempt at ${fmtTime(record.nextAttemptMs)}`);
      } else {
        setStatus(run, ins, 'pending', 'stored; another tab is resolving it');
      }
      if ($('auto-retry').checked) entry.resolver.start({ minIntervalMs: 500, maxIntervalMs: 5_000 });
      return;
    }
    forgetExpectation(received.pointer.id, ins.hex);
    if (out.status === 'dropped') {
      setStatus(run, ins, 'failed', errorText(out.error));
    } else if (out.status === 'duplicate') {
      // Cannot happen with one store per installation; said if it does.
      setStatus(run, ins, 'failed', `the same pointer was already ${out.existing ?? 'being resolved'} for this installation`);
    }
    await retireStore(ins.hex);
  } catch (e) {
    setStatus(run, ins, 'failed', errorText(e));
  }
}

function forgetExpectation(pointerId, hex) {
  try {
    localStorage.removeItem(`${EXPECT_PREFIX}${pointerId}:${hex}`);
  } catch {
    // nothing to forget
  }
}

// Labels of installations with pending pointers, for the panel after a reload.
const LABELS_KEY = 'wp-demo-labels';
const labels = () => stored(LABELS_KEY, {});
function rememberLabel(ins) {
  try {
    const l = labels();
    l[ins.hex] = `member ${ins.member} · device ${ins.device}`;
    localStorage.setItem(LABELS_KEY, JSON.stringify(l));
  } catch {
    // storage full or disabled: the panel shows the id alone
  }
}
function labelOf(hex) {
  const ins = state.run?.byHex.get(hex);
  return ins ? `member ${ins.member} · device ${ins.device}` : labels()[hex] ?? '';
}
function forgetLabel(hex) {
  try {
    const l = labels();
    if (hex in l) {
      delete l[hex];
      localStorage.setItem(LABELS_KEY, JSON.stringify(l));
    }
  } catch {
    // nothing to forget
  }
}

async function verify(run, ins, welcome, cursor, how) {
  const hash = await sha256Hex(welcome);
  if (hash !== run.welcomeHash || welcome.length !== run.welcome.length) {
    setStatus(run, ins, 'failed', `${how} opened, but to a different Welcome (${fmtInt(welcome.length)} bytes)`);
  } else if (cursor !== run.cursor) {
    setStatus(run, ins, 'failed', `${how} opened, but the message cursor is ${cursor}, not ${run.cursor}`);
  } else {
    setStatus(run, ins, 'ok', `${how}: Welcome of ${fmtInt(welcome.length)} bytes, cursor ${cursor}`);
  }
}

async function costs(run) {
  const { invite, installs } = run;
  const sizeOf = new Map(); // kind -> sizes
  for (const m of invite.messages) {
    if (!sizeOf.has(m.kind)) sizeOf.set(m.kind, []);
    sizeOf.get(m.kind).push(m.message.length);
  }
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
      directSize.set(ins.legacy, wp.sealDirect(run.welcome, run.cursor, ins.installation).length);
    }
  }
  const direct = installs.reduce((n, ins) => n + directSize.get(ins.legacy), 0);
  const perPointer = await minPointerSize();
  const floor = run.welcome.length + installs.length * perPointer;
  return { direct, actual: invite.size, floor, perPointer, directSize, sizeOf };
}

// ---------- results ----------

function statBox(term, value, title) {
  return el('div', {}, el('dt', {}, term), el('dd', { title }, value));
}

function renderResults(run) {
  const { invite, costs: c } = run;
  $('results').hidden = false;
  renderSummary(run);
  run.summaryRendered = true;

  const stats = $('stats');
  stats.replaceChildren(
    statBox('Messages published', fmtInt(invite.messages.length),
      `${invite.destination ? 1 : 0} pointee, ${invite.pointers} pointers, ${invite.direct} direct`),
    statBox('Uploaded', fmtBytes(c.actual), `${fmtInt(c.actual)} bytes`),
    statBox('Direct welcomes would upload', fmtBytes(c.direct), `${fmtInt(c.direct)} bytes`),
    statBox('Floor', fmtBytes(c.floor), `${fmtInt(c.floor)} bytes`),
    statBox('Seal time', fmtMs(run.times.seal), 'sealInvite in WebAssembly'),
    statBox('Key generation', fmtMs(run.times.keys), `${fmtInt(run.installs.length)} keys`),
    statBox('Publish time', fmtMs(run.times.publish), 'to the local relay'),
  );
  stats.querySelectorAll('dd')[4].id = 'seal-time';

  drawChart(run);
  renderMessages(run);
  renderInstalls(run);
}

function renderSummary(run) {
  const { invite, costs: c, counts } = run;
  const n = run.installs.length;
  const how = invite.destination
    ? `1 pointee + ${fmtInt(invite.pointers)} pointer${invite.pointers === 1 ? '' : 's'}${invite.direct ? ` + ${fmtInt(invite.direct)} direct welcome${invite.direct === 1 ? '' : 's'} (legacy installations)` : ''}`
    : `${fmtInt(invite.direct)} direct welcomes: fewer than ${wp.MIN_POINTER_INSTALLATIONS} installations can take pointers, so none are used`;
  const saving = c.direct > 0 ? (1 - c.actual / c.direct) * 100 : 0;
  let opened = `${fmtInt(counts.ok)} of ${fmtInt(n)} installations opened their welcome`;
  if (counts.pending) opened += `, ${fmtInt(counts.pending)} pending`;
  if (counts.failed) opened += `, ${fmtInt(counts.failed)} failed`;
  $('summary').textContent = `${fmtInt(invite.messages.length)} messages went out: ${how}. `
    + (invite.destination ? `${fmtBytes(c.actual)} uploaded instead of ${fmtBytes(c.direct)} (${saving.toFixed(1)}% less). ` : `${fmtBytes(c.actual)} uploaded. `)
    + `Sealed in ${fmtMs(run.times.seal)}.`;
  $('installs-summary').textContent = `${opened}.`;
  $('installs-summary').className = counts.failed ? 'error-text' : '';
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function drawChart(run) {
  const c = run.costs;
  const n = run.installs.length;
  const bars = [
    { label: 'Direct welcomes', sub: `${fmtInt(n)} × ${fmtBytes(c.directSize.get(false) ?? c.directSize.get(true))}`, value: c.direct, cls: 'bar-direct' },
    { label: run.invite.destination ? 'With pointers (sent)' : 'Sent (direct fallback)', sub: run.invite.destination ? `1 pointee + ${fmtInt(run.invite.pointers)} pointers${run.invite.direct ? ` + ${run.invite.direct} direct` : ''}` : `${fmtInt(run.invite.direct)} direct welcomes`, value: c.actual, cls: 'bar-pointers' },
    { label: 'Floor', sub: `1 Welcome + ${fmtInt(n)} × ${fmtInt(c.perPointer)} B`, value: c.floor, cls: 'bar-floor' },
  ];
  const W = 800;
  const left = 250;
  const right = 170;
  const barH = 30;
  const gap = 22;
  const top = 8;
  const H = top + bars.length * (barH + gap);
  const max = Math.max(...bars.map((b) => b.value));
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, 'aria-hidden': 'true', focusable: 'false' });
  s.append(svg('line', { x1: left, x2: left, y1: 0, y2: H - gap / 2, class: 'axis' }));
  bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(2, ((W - left - right) * b.value) / max);
    s.append(svg('text', { x: left - 10, y: y + 13, 'text-anchor': 'end', 'font-weight': 600 }, b.label));
    s.append(svg('text', { x: left - 10, y: y + 29, 'text-anchor': 'end', fill: '#4f5863', 'font-size': 12 }, b.sub));
    s.append(svg('rect', { x: left, y, width: w, height: barH, rx: 3, class: b.cls }));
    s.append(svg('text', { x: left + w + 8, y: y + 20, class: 'value' }, `${fmtBytes(b.value)}`));
  });
  $('chart').replaceChildren(s);
  const ratio = c.direct / c.actual;
  const overFloor = ((c.actual - c.floor) / c.floor) * 100;
  $('chart-desc').textContent = run.invite.destination
    ? `Direct welcomes would upload ${fmtBytes(c.direct)}; with pointers the invite uploads ${fmtBytes(c.actual)}, ${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}× less, `
      + `${overFloor < 0.05 ? 'at' : `${overFloor.toFixed(overFloor < 1 ? 2 : 1)}% above`} the floor of ${fmtBytes(c.floor)} (one Welcome plus ${fmtInt(c.perPointer)} bytes per installation: the X-Wing public key and encapsulation, the sealed pointer and the installation id)`
      + `${run.invite.direct ? `; the ${fmtInt(run.invite.direct)} direct welcome${run.invite.direct === 1 ? '' : 's'} to legacy installations make${run.invite.direct === 1 ? 's' : ''} most of the difference` : ''}. Bars are to scale.`
    : `Every installation got a direct welcome: ${fmtBytes(c.actual)}. With three or more pointer-capable installations the invite would approach the floor of ${fmtBytes(c.floor)}. Bars are to scale.`;
}

function renderMessages(run) {
  const tbody = $('messages').tBodies[0];
  const rows = [];
  const msgs = run.invite.messages;
  msgs.slice(0, MAX_ROWS).forEach((m, i) => {
    const r = run.results[i] ?? {};
    let relay = `stored, id ${r.id}`;
    if (r.duplicate) relay = 'duplicate (not stored)';
    else if (r.dropped) relay = 'dropped by the relay';
    else if (r.visibleAt) relay = `held until ${fmtTime(Date.parse(r.visibleAt))}`;
    const topic = wp.toHex(m.installationKey);
    const ins = run.byHex.get(topic);
    rows.push(el('tr', {},
      el('td', { class: 'num' }, String(i + 1)),
      el('td', {}, badge(`kind-${m.kind}`, m.kind)),
      el('td', {}, el('span', { class: 'mono', title: topic }, short(topic)), ins ? ` member ${ins.member} · device ${ins.device}` : ' (destination)'),
      el('td', { class: 'num' }, fmtInt(m.message.length)),
      el('td', {}, relay),
      el('td', {}, el('button', {
        type: 'button', class: 'link', onclick: () => inspectBytes(m.message),
        'aria-label': `Inspect message ${i + 1} (${m.kind})`,
      }, 'Inspect')),
    ));
  });
  if (msgs.length > MAX_ROWS) {
    rows.push(el('tr', {}, el('td', { colspan: 6, class: 'muted' }, `… and ${fmtInt(msgs.length - MAX_ROWS)} more ${msgs[MAX_ROWS].kind} messages of the same size.`)));
  }
  tbody.replaceChildren(...rows);
}

function renderInstalls(run) {
  const tbody = $('installs').tBodies[0];
  const frag = document.createDocumentFragment();
  for (const ins of run.installs) {
    ins.row = el('tr', { 'data-installation': ins.hex, 'data-status': ins.status });
    renderInstallRow(ins);
    frag.append(ins.row);
  }
  tbody.replaceChildren(frag);
}

const STATUS_BADGE = {
  waiting: ['pending', 'waiting'],
  opening: ['pending', 'opening…'],
  ok: ['ok', 'opened'],
  pending: ['pending', 'pending'],
  failed: ['bad', 'failed'],
};

function renderInstallRow(ins) {
  const row = ins.row;
  if (!row) return;
  const [cls, words] = STATUS_BADGE[ins.status];
  row.dataset.status = ins.status;
  row.replaceChildren(
    el('td', {}, el('span', { class: 'mono', title: ins.hex }, short(ins.hex))),
    el('td', {}, `member ${ins.member} · device ${ins.device}`),
    el('td', {}, ins.legacy ? 'CURVE25519, no 0xff04 (legacy)' : 'X-Wing + 0xff04'),
    el('td', {}, ins.kind ?? '—'),
    el('td', {}, badge(cls, words), ins.detail ? ` ${ins.detail}` : ''),
  );
}

// ---------- pending pointers: one store and resolver per installation ----------

// Store events that an app recovers from by itself (another tab deleted
// or upgraded a database, a transaction failed and will be retried) are
// said once, in a status line that clears itself: never a standing error.
let noticeTimer = null;
function storeNotice(text) {
  const node = $('store-notice');
  setText(node, text);
  node.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    node.hidden = true;
  }, 8_000);
}

async function storeFor(hex) {
  const name = STORE_PREFIX + hex;
  let entry = state.stores.get(name);
  if (entry) return entry;
  const store = await wp.openPendingStore({
    name,
    onClose: () => storeNotice(`The pending store of installation ${short(hex)} was upgraded by a newer version in another tab; this tab no longer uses it.`),
  });
  const resolver = wp.createResolver({
    store,
    fetchFirstMessage,
    policy: DEMO_POLICY,
    onWelcome: (w) => onWelcome(hex, w),
    onDropped: (r) => onDropped(hex, r),
    onError: (e) => {
      if (e.code !== 'ERR_CLOSED') storeNotice(`Installation ${short(hex)}: ${errorText(e)} (retried).`);
    },
  });
  entry = { store, resolver, hex, name };
  // What other tabs do to this store shows here at once.
  // The installation's row, when this page's invite has it and it waits.
  const waitingRow = () => {
    const ins = state.run?.byHex.get(hex);
    return ins && (ins.status === 'pending' || ins.status === 'opening') ? ins : null;
  };
  store.subscribe((ev) => {
    if (ev.type === 'settled') {
      if (ev.remote) {
        entry.retire = true;
        const ins = waitingRow();
        if (ins) {
          if (ev.outcome === 'resolved') setStatus(state.run, ins, 'ok', 'pointer, resolved in another tab');
          else setStatus(state.run, ins, 'failed', `dropped in another tab (${CODE_WORDS[ev.code] ?? ev.code})`);
        }
      }
      refreshPending();
    } else if (ev.type === 'deleted') {
      // Another tab resolved its pointer and removed the store, or the
      // user cleared it there: this tab lets go too.
      entry.retire = true;
      const ins = waitingRow();
      if (ins) setStatus(state.run, ins, 'failed', 'its pending store was removed in another tab');
      refreshPending();
    } else if (ev.remote && (ev.type === 'added' || ev.type === 'updated')) {
      refreshPending();
    }
  });
  state.stores.set(name, entry);
  return entry;
}

// Closes an installation's store, deleting its database (whose pointer
// resolved or was dropped). Only the entry given: a newer entry for the
// same installation is left alone.
async function retireStore(hex, only = null) {
  const name = STORE_PREFIX + hex;
  const entry = state.stores.get(name);
  if (!entry || (only && entry !== only)) return;
  state.stores.delete(name);
  retiring.add(name);
  forgetLabel(hex);
  entry.resolver.close();
  entry.store.close();
  try {
    await new Promise((resolve) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = req.onerror = req.onblocked = () => resolve();
    });
  } finally {
    retiring.delete(name);
  }
}
const retiring = new Set(); // databases this page is deleting

// Every welcome the resolvers open, quick or deferred, here or after a
// reload, comes here.
async function onWelcome(hex, w) {
  // The app's "join", logged before anything else. A redelivery (the
  // page died between a delivery and its acceptance being recorded) says
  // so, and an app that already joined recognizes it.
  const joined = logEntries('delivered').some((d) => d.hex === hex && d.pointerId === w.pointerId);
  logEvent('delivered', { pointerId: w.pointerId, hex, previous: w.previousDeliveries, phase: w.phase, already: joined });
  const run = state.run;
  const ins = run?.byHex.get(hex);
  const how = w.phase === 'quick' ? 'pointer' : `pointer, after ${w.attempts + 1} deferred attempt${w.attempts ? 's' : ''}`;
  if (ins) {
    await verify(run, ins, w.welcome, w.cursor, how);
  }
  // Delivered while this page's invite waits for it: its row says it all.
  if (ins && ins.status === 'ok' && w.phase === 'quick' && state.running) return;
  let check = '';
  try {
    const want = JSON.parse(localStorage.getItem(`${EXPECT_PREFIX}${w.pointerId}:${hex}`) ?? 'null');
    forgetExpectation(w.pointerId, hex);
    if (want) {
      const ok = want.sha256 === (await sha256Hex(w.welcome)) && want.cursor === String(w.cursor);
      check = ok ? ', the Welcome that was sealed' : ', NOT the Welcome that was sealed';
    }
  } catch {
    // no expectation stored
  }
  const after = w.phase === 'quick' ? 'in its first tries (resumed after a reload)' : `after ${w.attempts + 1} deferred attempt${w.attempts ? 's' : ''}`;
  state.resolved.unshift({
    hex, at: Date.now(), ok: !check.includes('NOT'),
    text: `Installation ${short(hex)}${labelOf(hex) ? ` (${labelOf(hex)})` : ''}: Welcome of ${fmtInt(w.welcome.length)} bytes, cursor ${w.cursor}${check}, ${after}`
      + `${w.previousDeliveries ? ` (redelivered after an interrupted delivery${joined ? '; already joined' : ''})` : ''}.`,
  });
  renderResolved();
  markRetire(hex);
}

// A store whose pointer resolved or was dropped is deleted once the
// resolver has settled the record (refreshPending sees it gone).
function markRetire(hex) {
  const entry = state.stores.get(STORE_PREFIX + hex);
  if (entry) entry.retire = true;
}

function onDropped(hex, report) {
  logEvent('dropped', { pointerId: report.id, hex, code: report.code });
  const run = state.run;
  const ins = run?.byHex.get(hex);
  if (ins) setStatus(run, ins, 'failed', `dropped: ${errorText(report.error)}`);
  state.resolved.unshift({ hex, at: Date.now(), ok: false, text: `Installation ${short(hex)}${labelOf(hex) ? ` (${labelOf(hex)})` : ''}: pointer dropped (${errorText(report.error)}; ${report.reason}).` });
  renderResolved();
  markRetire(hex);
}

function renderResolved() {
  $('resolved-h').hidden = state.resolved.length === 0;
  $('resolved').replaceChildren(...state.resolved.slice(0, 50).map((r) => el('li', { 'data-ok': String(r.ok) },
    badge(r.ok ? 'ok' : 'bad', r.ok ? 'resolved' : 'failed'), ` ${fmtTime(r.at)} — ${r.text}`)));
}

// After a reload (or in another tab): reopen every installation store
// left with pending records and start its resolver, which picks up the
// records where the last page left them, quick phase included.
// Also run now and then: another tab may have created stores since.
async function reopenStores() {
  if (typeof indexedDB.databases !== 'function') return;
  const dbs = await indexedDB.databases();
  for (const { name } of dbs) {
    if (!name?.startsWith(STORE_PREFIX) || state.stores.has(name) || retiring.has(name)) continue;
    try {
      const entry = await storeFor(name.slice(STORE_PREFIX.length));
      if (await entry.store.count() === 0) {
        // Left empty by an earlier page: gone unless a pointer comes.
        entry.retire = true;
        continue;
      }
      if ($('auto-retry').checked) entry.resolver.start({ minIntervalMs: 500, maxIntervalMs: 5_000 });
    } catch (e) {
      storeNotice(`Reopening ${short(name.slice(STORE_PREFIX.length))}: ${errorText(e)}; trying again.`);
    }
  }
}

let pendingRows = [];
let lastPendingCount = -1;

let refreshing = null;
let refreshAgain = false;
// One refresh at a time: with many stores a round can take a while.
function refreshPending() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = listPending().finally(() => {
    refreshing = null;
    if (refreshAgain) {
      refreshAgain = false;
      refreshPending();
    }
  });
  return refreshing;
}

async function listPending() {
  const rows = [];
  for (const entry of [...state.stores.values()]) {
    let records;
    try {
      ({ records } = await entry.store.list());
    } catch (e) {
      if (e.code === 'ERR_CLOSED') continue; // retired meanwhile
      storeNotice(`Installation ${short(entry.hex)}: ${errorText(e)}; trying again.`);
      continue;
    }
    if (entry.retire && records.length === 0) {
      await retireStore(entry.hex, entry);
      continue;
    }
    for (const r of records) rows.push({ ...r, hex: entry.hex });
  }
  rows.sort((a, b) => a.nextAttemptMs - b.nextAttemptMs);
  pendingRows = rows;
  renderPending();
}

// What the pending row can say about its pointee, from the relay's
// answer when it was published and its current state: dropped by the
// relay; held back, but no longer among the pointees the relay holds; or
// due on the relay by now and still missing. Either way it will not
// arrive, and the pointer will expire.
function pointeeNote(r, pointees) {
  const p = pointees[r.pointer.destination];
  if (!p) return null;
  if (p.dropped) return 'The relay dropped this pointee: it will never arrive; the pointer will expire';
  const gone = 'The pointee is no longer on the relay (was it reset?): this pointer will expire';
  if (p.visibleAt && Date.parse(p.visibleAt) > Date.now()) {
    // Judged on relay figures asked for after the pointee was published.
    const heldUntil = state.relayAskedAt > p.at ? state.relay?.heldUntil : null;
    return Array.isArray(heldUntil) && !heldUntil.includes(p.visibleAt) ? gone : null;
  }
  const due = p.visibleAt ? Date.parse(p.visibleAt) : p.at;
  return r.lastError === 'ERR_NOT_FOUND' && r.lastAttemptMs !== null && r.lastAttemptMs > due + 1_000 ? gone : null;
}

function renderPending() {
  const rows = pendingRows;
  const table = $('pending-table');
  table.hidden = rows.length === 0;
  const pointees = pointeeInfo();
  table.tBodies[0].replaceChildren(...rows.slice(0, MAX_ROWS).map((r) => {
    const label = labelOf(r.hex);
    const note = pointeeNote(r, pointees);
    const phase = r.phase === 'quick' ? 'first tries' : null;
    return el('tr', { 'data-pointer': r.id, 'data-installation': r.hex, 'data-gone': note ? 'true' : null },
      el('td', {}, el('span', { class: 'mono', title: r.id }, short(r.id))),
      el('td', {}, el('span', { class: 'mono', title: r.hex }, short(r.hex)), label ? ` ${label}` : ''),
      el('td', {}, el('span', { class: 'mono', title: r.pointer.destination }, short(r.pointer.destination)),
        note ? el('br') : null, note ? badge('bad pointee-gone', note) : null),
      el('td', { class: 'num' }, String(r.attempts)),
      el('td', { class: 'next-attempt' }, `${fmtTime(r.nextAttemptMs)} (${fmtRelative(r.nextAttemptMs)})`,
        phase || r.lastError ? el('br') : null,
        phase || r.lastError ? el('small', { class: 'muted' }, [phase, r.lastError ? `last: ${CODE_WORDS[r.lastError] ?? r.lastError}` : null].filter(Boolean).join(' · ')) : null),
      el('td', {}, new Date(r.expiresAtMs).toLocaleString('en-GB', { hour12: false })),
    );
  }));
  if (rows.length !== lastPendingCount) {
    lastPendingCount = rows.length;
    $('pending-summary').textContent = rows.length === 0
      ? 'No pending pointers.'
      : `${fmtInt(rows.length)} pending pointer${rows.length === 1 ? '' : 's'} in IndexedDB, waiting for the pointee. They stay across a reload.`;
  }
}

// ---------- the sender's outbox ----------

async function openSender() {
  const store = await wp.openPendingStore({ name: SENDER_DB });
  // ?batch=N: smaller batches, to watch the outbox resume after a reload.
  const batch = Number(new URLSearchParams(location.search).get('batch'));
  const outbox = wp.createOutbox({
    store,
    publish: publishBatch,
    ...(Number.isInteger(batch) && batch >= 1 && batch <= 10_000 ? { batchMessages: batch } : {}),
    onProgress: (p) => {
      if (p.batch === 0) rememberPointee(p.result?.[0]);
      if (state.publishing === p.id) progress.set(p.sent, p.total, `${fmtInt(p.sent)} of ${fmtInt(p.total)} messages published`);
      renderOutbox();
    },
    onSent: (r) => {
      if (state.publishing !== r.id) logOutbox(`Invite ${short(r.id)}: the last of its ${fmtInt(r.total)} messages went out (resumed by the outbox).`);
      renderOutbox();
    },
    onAbandoned: (r) => {
      logOutbox(`Invite ${short(r.id)} abandoned after ${fmtInt(r.sent)} of ${fmtInt(r.total)} messages: ${errorText(r.error)}.`);
      renderOutbox();
    },
    onError: () => renderOutbox(),
  });
  store.subscribe((ev) => {
    if (ev.type === 'outbox') renderOutbox();
  });
  state.sender = { store, outbox };
  // Finishes what a reloaded or closed tab left half published.
  outbox.start({ minIntervalMs: 500, maxIntervalMs: 5_000 });
}

function logOutbox(text) {
  try {
    const log = stored(OUTBOX_LOG_KEY, []);
    log.unshift({ at: Date.now(), text });
    localStorage.setItem(OUTBOX_LOG_KEY, JSON.stringify(log.slice(0, 20)));
  } catch {
    // display only
  }
}

let outboxRendering = null;
function renderOutbox() {
  outboxRendering ??= (async () => {
    try {
      const list = state.sender ? await state.sender.outbox.list() : [];
      const table = $('outbox-table');
      table.hidden = list.length === 0;
      table.tBodies[0].replaceChildren(...list.map((x) => el('tr', { 'data-invite': x.id },
        el('td', {}, el('span', { class: 'mono', title: x.id }, short(x.id))),
        el('td', { class: 'num' }, `${fmtInt(x.sent)} of ${fmtInt(x.total)}`),
        el('td', { class: 'num' }, `${fmtInt(x.next)} of ${fmtInt(x.batches)}`),
        el('td', {}, x.lastError ? `${CODE_WORDS[x.lastError] ?? x.lastError}; retry ${fmtRelative(x.nextAttemptMs)}` : 'sending'),
      )));
      setText($('outbox-summary'), list.length === 0
        ? 'The outbox is empty: every invite went out.'
        : `${fmtInt(list.length)} invite${list.length === 1 ? '' : 's'} in the outbox (IndexedDB): stored before the first byte went out, finished after a reload.`);
      const log = stored(OUTBOX_LOG_KEY, []);
      $('outbox-log').replaceChildren(...log.map((l) => el('li', {}, `${fmtTime(l.at)} — ${l.text}`)));
    } catch (e) {
      if (e.code !== 'ERR_CLOSED') storeNotice(`Outbox: ${errorText(e)}`);
    } finally {
      outboxRendering = null;
    }
  })();
  return outboxRendering;
}

async function retryNow() {
  hideError($('pending-error'));
  const btn = $('retry-btn');
  btn.disabled = true;
  try {
    let resolved = 0;
    let failed = 0;
    for (const entry of [...state.stores.values()]) {
      // Make every record due now, then run one round.
      const { records } = await entry.store.list();
      const now = Date.now();
      for (const r of records) {
        await entry.store.update(r.id, { attempts: r.attempts, nextAttemptMs: now, lastAttemptMs: r.lastAttemptMs ?? now, lastError: r.lastError });
      }
      const rep = await entry.resolver.resolveDue();
      resolved += rep.resolved.length;
      failed += rep.failed.length + rep.dropped.length;
    }
    $('pending-summary').textContent = resolved || failed
      ? `Retried: ${resolved} resolved, ${failed} still missing.`
      : $('pending-summary').textContent;
    lastPendingCount = -1;
  } catch (e) {
    showError($('pending-error'), e);
  } finally {
    btn.disabled = false;
    await refreshPending();
  }
}

// ---------- the relay panel ----------

async function refreshRelay() {
  try {
    const asked = Date.now();
    const s = await relayStats();
    state.relay = s;
    state.relayAskedAt = asked;
    const mode = s.dropPointees ? 'drops pointees' : s.pointeeDelayMs > 0 ? `holds each pointee back for ${s.pointeeDelayMs / 1000} s` : 'delivers pointees at once';
    const held = s.heldPointees ? `; ${s.heldPointees} pointee${s.heldPointees === 1 ? '' : 's'} held until ${s.heldUntil.map((t) => fmtTime(Date.parse(t))).join(', ')}` : '';
    setText($('relay-status'), `Relay: ${fmtInt(s.messages)} messages on ${fmtInt(s.topics)} topics, ${fmtBytes(s.storedBytes)} of ${fmtBytes(s.maxStored)}; it ${mode}${held}.`);
    return s;
  } catch (e) {
    setText($('relay-status'), errorText(e));
    return null;
  }
}

async function loadRelayForm() {
  const s = await refreshRelay();
  if (s) {
    $('delay').value = String(Math.round(s.pointeeDelayMs / 1000));
    $('drop').checked = s.dropPointees;
  }
}

// ---------- inspect ----------

function parseInput(text) {
  const t = text.trim();
  if (t === '') throw new Error('Paste a message first (hex or base64).');
  const hex = t.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (/^[0-9a-fA-F]+$/.test(hex)) {
    if (hex.length % 2 !== 0) throw new Error(`That looks like hex, but it has an odd number of digits (${fmtInt(hex.length)}).`);
    return { bytes: wp.fromHex(hex), encoding: 'hex' };
  }
  const b64 = t.replace(/\s/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    try {
      const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
      const bin = atob(padded);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return { bytes, encoding: 'base64' };
    } catch {
      // fall through
    }
  }
  throw new Error('That is neither hex nor base64: paste the message bytes as hex digits (0-9, a-f) or base64.');
}

const snake = (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function describeValue(v, name) {
  if (name?.endsWith('created_ns') && /^\d+$/.test(String(v)) && v !== '0') {
    const ms = Number(BigInt(v) / 1_000_000n);
    return `${v} (${new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')})`;
  }
  if (v && typeof v === 'object' && !Array.isArray(v) && 'size' in v && ('hex' in v || 'hexPrefix' in v)) {
    if ('hex' in v) return `${fmtInt(v.size)} bytes${v.size ? `: ${v.hex}` : ''}`;
    return `${fmtInt(v.size)} bytes, starting ${v.hexPrefix}…`;
  }
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

function flatten(obj, prefix, out) {
  for (const [k, v] of Object.entries(obj)) {
    const name = prefix ? `${prefix}.${snake(k)}` : snake(k);
    if (v && typeof v === 'object' && !Array.isArray(v) && !('size' in v && ('hex' in v || 'hexPrefix' in v))) {
      flatten(v, name, out);
    } else {
      out.push([name, describeValue(v, name)]);
    }
  }
  return out;
}

const KIND_NAMES = {
  welcome_message: 'WelcomeMessage (as read back from the network)',
  welcome_message_input: 'WelcomeMessageInput (as published)',
  welcome_pointer: 'WelcomePointer (a decrypted pointer: it holds the pointee key)',
  hpke_ciphertext: 'HPKE ciphertext (a sealed pointer or a direct welcome\'s data)',
  wrapper_encryption: '0xff03 WelcomeWrapperEncryption',
  pointee_aead_types: '0xff04 pointee AEAD types',
  welcome_metadata: 'WelcomeMetadata',
};

function runInspect() {
  const out = $('inspect-output');
  let parsed;
  try {
    parsed = parseInput($('inspect-input').value);
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message));
    return;
  }
  let view;
  try {
    view = wp.inspect(parsed.bytes, $('inspect-kind').value);
  } catch (e) {
    out.replaceChildren(el('p', { class: 'error', role: 'alert' },
      `Cannot decode these ${fmtInt(parsed.bytes.length)} bytes (${parsed.encoding}). ${errorText(e)}`));
    return;
  }
  const { kind, version, size, ...rest } = view;
  const rows = flatten(rest, '', []);
  out.replaceChildren(el('div', { class: 'inspect-result' },
    el('p', { class: 'kind' }, el('strong', {}, KIND_NAMES[kind] ?? kind), version ? ` — ${version}` : '', `, ${fmtInt(size)} bytes (read as ${parsed.encoding})`),
    el('table', {}, el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v))))),
  ));
}

function inspectBytes(bytes) {
  $('inspect-input').value = bytes.length <= 64 * 1024 ? wp.toHex(bytes) : toBase64(bytes);
  $('inspect-kind').value = 'auto';
  runInspect();
  $('inspect').scrollIntoView({ behavior: 'smooth', block: 'start' });
  $('inspect-input').focus({ preventScroll: true });
}

// ---------- wiring ----------

async function onInvite(ev) {
  ev.preventDefault();
  hideError($('form-error'));
  if (state.running) return;
  const f = readForm();
  if (f.errors.length) {
    showError($('form-error'), f.errors.join(' '));
    return;
  }
  state.running = true;
  $('invite-btn').disabled = true;
  $('reset-btn').disabled = true;
  try {
    await refreshRelay();
    await runInvite(f);
  } catch (e) {
    progress.fail('The invite did not complete.');
    showError($('form-error'), e);
  } finally {
    state.running = false;
    $('invite-btn').disabled = false;
    $('reset-btn').disabled = false;
    refreshRelay();
  }
}

async function onReset() {
  hideError($('form-error'));
  hideError($('pending-error'));
  try {
    await relayJSON('/api/reset', { method: 'POST' });
    topicCache.clear();
    for (const entry of [...state.stores.values()]) await retireStore(entry.hex);
    if (typeof indexedDB.databases === 'function') {
      for (const { name } of await indexedDB.databases()) {
        if (name?.startsWith(STORE_PREFIX)) indexedDB.deleteDatabase(name);
      }
    }
    await state.sender?.store.clear();
    for (const k of Object.keys(localStorage)) if (k.startsWith(EXPECT_PREFIX) || k.startsWith(LOG_PREFIX)) localStorage.removeItem(k);
    for (const k of [LABELS_KEY, POINTEES_KEY, OUTBOX_LOG_KEY]) localStorage.removeItem(k);
    state.run = null;
    state.resolved = [];
    renderResolved();
    $('results').hidden = true;
    progress.box.hidden = true;
    await refreshPending();
    await renderOutbox();
    await refreshRelay();
  } catch (e) {
    showError($('form-error'), e);
  }
}

async function onRelayForm(ev) {
  ev.preventDefault();
  const v = $('delay').value.trim();
  const secs = Number(v);
  if (v === '' || !Number.isFinite(secs) || secs < 0 || secs > 86400) {
    $('delay').setAttribute('aria-invalid', 'true');
    showError($('pending-error'), 'The delay must be a number of seconds from 0 to 86400.');
    return;
  }
  $('delay').removeAttribute('aria-invalid');
  hideError($('pending-error'));
  try {
    await relayJSON('/api/config', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ pointeeDelayMs: Math.round(secs * 1000), dropPointees: $('drop').checked }),
    });
    await refreshRelay();
  } catch (e) {
    showError($('pending-error'), e);
  }
}

async function onRelease() {
  hideError($('pending-error'));
  try {
    const r = await relayJSON('/api/pointees/release', { method: 'POST' });
    $('relay-status').textContent = `Released ${r.released} held pointee${r.released === 1 ? '' : 's'}.`;
    setTimeout(refreshRelay, 1500);
  } catch (e) {
    showError($('pending-error'), e);
  }
}

function onAutoRetry() {
  const on = $('auto-retry').checked;
  for (const entry of state.stores.values()) {
    if (on) entry.resolver.start({ minIntervalMs: 500, maxIntervalMs: 5_000 });
    else entry.resolver.stop();
  }
}

async function main() {
  form.addEventListener('input', updateDerived);
  form.addEventListener('submit', onInvite);
  $('reset-btn').addEventListener('click', onReset);
  $('relay-form').addEventListener('submit', onRelayForm);
  $('release-btn').addEventListener('click', onRelease);
  $('retry-btn').addEventListener('click', retryNow);
  $('auto-retry').addEventListener('change', onAutoRetry);
  $('inspect-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    runInspect();
  });

  const status = $('module-status');
  const t0 = performance.now();
  try {
    await wp.init({ wasmURL: '/js/dist/welcome-pointers.wasm' });
  } catch (e) {
    status.className = 'status bad';
    status.textContent = `The WebAssembly module did not load. ${errorText(e)}`;
    $('invite-btn').disabled = true;
    return;
  }
  state.ready = true;
  state.policy = wp.retry.policy(DEMO_POLICY);
  status.className = 'status ok';
  status.textContent = `WebAssembly module ${wp.VERSION} ready (loaded in ${fmtMs(performance.now() - t0)}).`;
  const q = state.policy.quick;
  $('retry-policy').textContent = `Retry schedule: ${q.attempts} quick tries over about ${fmtMs(q.initialMs * (q.factor ** (q.attempts - 1) - 1) / (q.factor - 1))}, `
    + `then a deferred attempt after ${state.policy.firstRetryMs / 1000} s (the deployed client waits 5 minutes), ×${state.policy.backoff} each time up to ${state.policy.maxDelayMs / 1000} s, `
    + `at most ${state.policy.maxAttempts} attempts, for ${state.policy.expiryMs / 3_600_000} hours.`;
  try {
    await openSender();
  } catch (e) {
    status.className = 'status bad';
    status.textContent = `The sender's outbox (IndexedDB) did not open: ${errorText(e)}`;
    return;
  }
  $('invite-btn').disabled = false;
  $('inspect-btn').disabled = false;
  updateDerived();

  await loadRelayForm();
  const rescan = () => reopenStores().catch((e) => storeNotice(`Reopening the pending stores: ${errorText(e)}`));
  await rescan();
  await refreshPending();
  await renderOutbox();
  // The stores left by earlier pages are open and listed (tests wait for it).
  document.documentElement.dataset.storesOpened = 'true';
  // Keep the pending panel and the relay line current, and open the
  // stores other tabs create.
  let n = 0;
  setInterval(() => {
    refreshPending();
    if (++n % 2 === 0) refreshRelay();
    if (n % 5 === 0) rescan();
  }, 1000);
}

main().catch((e) => {
  const status = $('module-status');
  status.className = 'status bad';
  status.textContent = `The page failed to start: ${errorText(e)}`;
});
