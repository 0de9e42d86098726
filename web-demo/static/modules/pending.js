// Pending pointers: a pending store and resolver per installation (its
// own device), or per group of bulk installations sharing one pointer
// (see invite.js). Every welcome a resolver opens comes here, quick or
// deferred, on this page or after a reload, and what other tabs do to
// the stores shows here at once.
import * as wp from '@welcome-pointers/wasm';
import { $, badge, el, hideError, setText, showError } from './dom.js';
import { codeWords, errorText, fmtInt, fmtRelative, fmtTime, plural, sha256Hex, short } from './format.js';
import { expected, forgetExpectation, forgetLabel, labels, logEntries, logEvent } from './log.js';
import { fetchFirstMessage } from './network.js';
import { checkWelcome, isFinal, opened, setStatus } from './results.js';
import { DEMO_POLICY, LOOP, STORE_PREFIX, state } from './state.js';

const MAX_ROWS = 200; // pending rows shown

// Store events that an app recovers from by itself (another tab deleted
// or upgraded a database, a transaction failed and will be retried) are
// said once, in a status line that clears itself: never a standing error.
let noticeTimer = null;
export function storeNotice(text) {
  const node = $('store-notice');
  setText(node, text);
  node.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    node.hidden = true;
  }, 8_000);
}

/** The installations of this page's run waiting on the store of installation hex. */
function waiting(hex) {
  const g = state.run?.groups.get(hex);
  return g ? g.peers.filter((ins) => !isFinal(ins)) : [];
}

export async function storeFor(hex) {
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
  entry = { store, resolver, hex, name, retire: false };
  store.subscribe((ev) => {
    if (ev.type === 'settled') {
      if (ev.remote) {
        entry.retire = true;
        for (const ins of waiting(hex)) {
          if (ev.outcome === 'resolved') opened(state.run, ins, 'pointer, resolved in another tab', null);
          else setStatus(state.run, ins, 'failed', `dropped in another tab (${codeWords(ev.code)})`);
        }
      }
      refreshPending();
    } else if (ev.type === 'deleted') {
      // Another tab resolved its pointer and removed the store, or the
      // user cleared it there: this tab lets go too.
      entry.retire = true;
      for (const ins of waiting(hex)) setStatus(state.run, ins, 'failed', 'its pending store was removed in another tab');
      refreshPending();
    } else if (ev.remote && (ev.type === 'added' || ev.type === 'updated')) {
      refreshPending();
    }
  });
  state.stores.set(name, entry);
  return entry;
}

const retiring = new Set(); // databases this page is deleting

// Closes an installation's store, deleting its database (whose pointer
// resolved or was dropped). Only the entry given: a newer entry for the
// same installation is left alone.
export async function retireStore(hex, only = null) {
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

function labelOf(hex) {
  const g = state.run?.groups.get(hex);
  if (g) {
    const ins = g.peers[0];
    return `member ${ins.member} · device ${ins.device}${g.bulk ? `, and ${plural(g.peers.length - 1, 'other installation')} sharing its pointer (bulk)` : ''}`;
  }
  return labels()[hex] ?? '';
}

// Every welcome the resolvers open comes here.
async function onWelcome(hex, w) {
  // The app's "join", logged before anything else. A redelivery (the
  // page died between a delivery and its acceptance being recorded) says
  // so, and an app that already joined recognizes it.
  const joined = logEntries('delivered').some((d) => d.hex === hex && d.pointerId === w.pointerId);
  logEvent('delivered', {
    pointerId: w.pointerId,
    hex,
    previous: w.previousDeliveries,
    phase: w.phase,
    already: joined,
  });
  const run = state.run;
  const g = run?.groups.get(hex);
  const how = w.phase === 'quick' ? 'pointer' : `pointer, after ${plural(w.attempts + 1, 'deferred attempt')}`;
  if (g) {
    const problem = await checkWelcome(run, w.welcome, w.cursor);
    g.result = { how: g.bulk ? `${how} (bulk)` : how, problem };
    for (const ins of waiting(hex)) opened(run, ins, g.result.how, problem);
  }
  // Delivered while this page's invite waits for it: its rows say it all.
  if (g && w.phase === 'quick' && state.running) return;
  let check = '';
  const want = expected(w.pointerId, hex);
  forgetExpectation(w.pointerId, hex);
  if (want) {
    const ok = want.sha256 === (await sha256Hex(w.welcome)) && want.cursor === String(w.cursor);
    check = ok ? ', the Welcome that was sealed' : ', NOT the Welcome that was sealed';
  }
  const after = w.phase === 'quick' ? 'in its first tries (resumed after a reload)' : `after ${plural(w.attempts + 1, 'deferred attempt')}`;
  const label = labelOf(hex);
  state.resolved.unshift({
    hex,
    at: Date.now(),
    ok: !check.includes('NOT'),
    text:
      `Installation ${short(hex)}${label ? ` (${label})` : ''}: Welcome of ${fmtInt(w.welcome.length)} bytes, cursor ${w.cursor}${check}, ${after}`
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
  const g = run?.groups.get(hex);
  if (g) {
    g.dropped = `dropped: ${errorText(report.error)}`;
    for (const ins of waiting(hex)) setStatus(run, ins, 'failed', g.dropped);
  }
  const label = labelOf(hex);
  state.resolved.unshift({
    hex,
    at: Date.now(),
    ok: false,
    text: `Installation ${short(hex)}${label ? ` (${label})` : ''}: pointer dropped (${errorText(report.error)}; ${report.reason}).`,
  });
  renderResolved();
  markRetire(hex);
}

export function renderResolved() {
  $('resolved-h').hidden = state.resolved.length === 0;
  $('resolved').replaceChildren(
    ...state.resolved
      .slice(0, 50)
      .map((r) => el('li', { 'data-ok': String(r.ok) }, badge(r.ok ? 'ok' : 'bad', r.ok ? 'resolved' : 'failed'), ` ${fmtTime(r.at)} — ${r.text}`)),
  );
}

// After a reload (or in another tab): reopen every installation store
// left with pending records and start its resolver, which picks up the
// records where the last page left them, quick phase included.
// Also run now and then: another tab may have created stores since.
export async function reopenStores() {
  if (typeof indexedDB.databases !== 'function') return;
  const dbs = await indexedDB.databases();
  for (const { name } of dbs) {
    if (!name?.startsWith(STORE_PREFIX) || state.stores.has(name) || retiring.has(name)) continue;
    try {
      const entry = await storeFor(name.slice(STORE_PREFIX.length));
      if ((await entry.store.count()) === 0) {
        // Left empty by an earlier page: gone unless a pointer comes.
        entry.retire = true;
        continue;
      }
      if ($('auto-retry').checked) entry.resolver.start(LOOP);
    } catch (e) {
      storeNotice(`Reopening ${short(name.slice(STORE_PREFIX.length))}: ${errorText(e)}; trying again.`);
    }
  }
}

export function retireAll() {
  return Promise.all([...state.stores.values()].map((entry) => retireStore(entry.hex)));
}

let pendingRows = [];
let lastPendingCount = -1;

let refreshing = null;
let refreshAgain = false;
// One refresh at a time: with many stores a round can take a while.
export function refreshPending() {
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

/** The destinations of the pending pointers, for the node's word on their pointees. */
export const pendingDestinations = () => [...new Set(pendingRows.map((r) => r.pointer.destination))];

// What the pending row can say about its pointee, from what the node
// said of it after the pointer was stored: dropped, or no longer there
// (the node was reset). Either way it will not arrive, and the pointer
// will expire.
function pointeeNote(r) {
  const p = state.pointees.get(r.pointer.destination);
  if (!p || p.askedAt <= r.storedAtMs) return null;
  if (p.state === 'dropped') return 'The node dropped this pointee: it will never arrive; the pointer will expire';
  if (p.state === 'unknown') return 'The pointee is no longer on the node (was it reset?): this pointer will expire';
  return null;
}

export function renderPending() {
  const rows = pendingRows;
  const table = $('pending-table');
  table.hidden = rows.length === 0;
  table.tBodies[0].replaceChildren(
    ...rows.slice(0, MAX_ROWS).map((r) => {
      const label = labelOf(r.hex);
      const note = pointeeNote(r);
      const phase = r.phase === 'quick' ? 'first tries' : null;
      return el(
        'tr',
        { 'data-pointer': r.id, 'data-installation': r.hex, 'data-gone': note ? 'true' : null },
        el('td', {}, el('span', { class: 'mono', title: r.id }, short(r.id))),
        el('td', {}, el('span', { class: 'mono', title: r.hex }, short(r.hex)), label ? ` ${label}` : ''),
        el(
          'td',
          {},
          el('span', { class: 'mono', title: r.pointer.destination }, short(r.pointer.destination)),
          note ? el('br') : null,
          note ? badge('bad pointee-gone', note) : null,
        ),
        el('td', { class: 'num' }, String(r.attempts)),
        el(
          'td',
          { class: 'next-attempt' },
          `${fmtTime(r.nextAttemptMs)} (${fmtRelative(r.nextAttemptMs)})`,
          phase || r.lastError ? el('br') : null,
          phase || r.lastError
            ? el('small', { class: 'muted' }, [phase, r.lastError ? `last: ${codeWords(r.lastError)}` : null].filter(Boolean).join(' · '))
            : null,
        ),
        el('td', {}, new Date(r.expiresAtMs).toLocaleString('en-GB', { hour12: false })),
      );
    }),
  );
  if (rows.length !== lastPendingCount) {
    lastPendingCount = rows.length;
    $('pending-summary').textContent =
      rows.length === 0
        ? 'No pending pointers.'
        : `${plural(rows.length, 'pending pointer')} in IndexedDB, waiting for the pointee. They stay across a reload.`;
  }
}

export async function retryNow() {
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
        await entry.store.update(r.id, {
          attempts: r.attempts,
          nextAttemptMs: now,
          lastAttemptMs: r.lastAttemptMs ?? now,
          lastError: r.lastError,
        });
      }
      const rep = await entry.resolver.resolveDue();
      resolved += rep.resolved.length;
      failed += rep.failed.length + rep.dropped.length;
    }
    $('pending-summary').textContent = resolved || failed ? `Retried: ${resolved} resolved, ${failed} still missing.` : $('pending-summary').textContent;
    lastPendingCount = -1;
  } catch (e) {
    showError($('pending-error'), errorText(e));
  } finally {
    btn.disabled = false;
    await refreshPending();
  }
}

export function onAutoRetry() {
  const on = $('auto-retry').checked;
  for (const entry of state.stores.values()) {
    if (on) entry.resolver.start(LOOP);
    else entry.resolver.stop();
  }
}
