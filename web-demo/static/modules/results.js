// What went out and what it cost: the summary, the figures, the chart
// of bytes, the messages published and every installation's result
// (tables that hold only the rows in view).
import * as wp from '@welcome-pointers/wasm';
import { $, badge, el, onNextFrame } from './dom.js';
import { fmtBytes, fmtInt, fmtMs, plural, sha256Hex, short } from './format.js';
import { inspectBytes } from './inspect.js';
import { VirtualRows } from './vtable.js';

// ---- each installation's state ----

const FINAL = new Set(['ok', 'failed']);

/** Sets an installation's status; the tables and the summary follow in the next frame. */
export function setStatus(run, ins, status, detail) {
  const c = run.counts;
  if (ins.status in c) c[ins.status]--;
  ins.status = status;
  ins.detail = detail;
  if (status in c) c[status]++;
  scheduleRun();
}

/** Checks a Welcome against what was sealed: null when it is the one, else why not. */
export async function checkWelcome(run, welcome, cursor) {
  if (welcome.length !== run.welcome.length || (await sha256Hex(welcome)) !== run.welcomeHash) {
    return `opened, but to a different Welcome (${fmtInt(welcome.length)} bytes)`;
  }
  if (cursor !== run.cursor) return `opened, but the message cursor is ${cursor}, not ${run.cursor}`;
  return null;
}

/** An installation got its Welcome (checked: problem is checkWelcome's answer). */
export function opened(run, ins, how, problem) {
  if (problem) {
    setStatus(run, ins, 'failed', `${how} ${problem}`);
    return;
  }
  ins.opens++;
  if (ins.opens === 2) run.counts.twice++;
  setStatus(run, ins, 'ok', `${how}: Welcome of ${fmtInt(run.welcome.length)} bytes, cursor ${run.cursor}`);
}

export async function verify(run, ins, welcome, cursor, how) {
  opened(run, ins, how, await checkWelcome(run, welcome, cursor));
}

export const isFinal = (ins) => FINAL.has(ins.status);

// ---- rendering ----

let current = null;
const installs = new VirtualRows($('installs'), { build: (i) => installRow(current.installs[i]) });
const messages = new VirtualRows($('messages'), { build: (i) => messageRow(current, i) });
function renderRun() {
  if (!current) return;
  installs.render();
  renderSummary(current);
}
// While every installation opens its welcome, five renders a second;
// afterwards (pending pointers resolving) at the next frame.
const renderSoon = onNextFrame(renderRun);
const renderWhileOpening = onNextFrame(renderRun, 200);
const scheduleRun = () => (current && current.times.open === undefined ? renderWhileOpening() : renderSoon());

function statBox(term, value, title, id) {
  return el('div', {}, el('dt', {}, term), el('dd', { title, id }, value));
}

/** The results of a run, once published: figures, chart and tables. */
export function renderResults(run) {
  current = run;
  const { invite, costs: c } = run;
  $('results').hidden = false;
  $('stats').replaceChildren(
    statBox(
      'Messages published',
      fmtInt(invite.messages.length),
      `${invite.destination ? 1 : 0} pointee, ${invite.pointers} pointers, ${invite.direct} direct`,
    ),
    statBox('Uploaded', fmtBytes(c.actual), `${fmtInt(c.actual)} bytes`),
    statBox('Direct welcomes would upload', fmtBytes(c.direct), `${fmtInt(c.direct)} bytes`),
    statBox('Floor', fmtBytes(c.floor), `${fmtInt(c.floor)} bytes`),
    statBox('Seal time', fmtMs(run.times.seal), 'sealInvite in WebAssembly', 'seal-time'),
    statBox('Open time', '…', 'every installation fetches its topic and opens its welcome', 'open-time'),
    statBox('Key generation', fmtMs(run.times.keys), `${fmtInt(run.installs.length)} keys`),
    statBox('Publish time', fmtMs(run.times.publish), `${plural(run.requests, 'request')} to the node`),
  );
  drawChart(run);
  messages.setCount(invite.messages.length);
  installs.setCount(run.installs.length);
  renderSummary(run);
}

/** The open phase's time, next to the seal time. */
export function renderOpenTime(run) {
  $('open-time').textContent = fmtMs(run.times.open);
  renderRun();
}

export function clearResults() {
  current = null;
  $('results').hidden = true;
  installs.setCount(0);
  messages.setCount(0);
}

export function renderSummary(run) {
  const { invite, costs: c, counts } = run;
  const n = run.installs.length;
  const how = invite.destination
    ? `1 pointee + ${plural(invite.pointers, 'pointer')}${invite.direct ? ` + ${plural(invite.direct, 'direct welcome')} (legacy installations)` : ''}`
    : `${fmtInt(invite.direct)} direct welcomes: fewer than ${wp.MIN_POINTER_INSTALLATIONS} installations can take pointers, so none are used`;
  const saving = c.direct > 0 ? (1 - c.actual / c.direct) * 100 : 0;
  const times = `Sealed in ${fmtMs(run.times.seal)}${run.times.open !== undefined ? `; every installation opened its welcome in ${fmtMs(run.times.open)}` : ''}.`;
  const summary =
    `${fmtInt(invite.messages.length)} messages went out: ${how}. `
    + (invite.destination
      ? `${fmtBytes(c.actual)} uploaded instead of ${fmtBytes(c.direct)} (${saving.toFixed(1)}% less). `
      : `${fmtBytes(c.actual)} uploaded. `)
    + times;
  if ($('summary').textContent !== summary) $('summary').textContent = summary;
  let words = `${fmtInt(counts.ok)} of ${fmtInt(n)} installations opened their welcome`;
  if (counts.pending) words += `, ${fmtInt(counts.pending)} pending`;
  if (counts.failed) words += `, ${fmtInt(counts.failed)} failed`;
  if (counts.twice) words += `, ${fmtInt(counts.twice)} TWICE`;
  const s = $('installs-summary');
  if (s.textContent !== `${words}.`) s.textContent = `${words}.`;
  s.className = counts.failed || counts.twice ? 'error-text' : '';
  // For the browser tests: the counts as numbers.
  s.dataset.ok = String(counts.ok);
  s.dataset.failed = String(counts.failed);
  s.dataset.pending = String(counts.pending);
  s.dataset.twice = String(counts.twice);
  s.dataset.total = String(n);
}

// Bars of bytes, to scale; label and figure above each bar, so that it
// reads at any width.
function drawChart(run) {
  const c = run.costs;
  const n = run.installs.length;
  const bars = [
    {
      label: 'Direct welcomes',
      sub: `${fmtInt(n)} × ${fmtBytes(c.directSize.get(false) ?? c.directSize.get(true))}`,
      value: c.direct,
      cls: 'bar-direct',
    },
    {
      label: run.invite.destination ? 'With pointers (sent)' : 'Sent (direct fallback)',
      sub: run.invite.destination
        ? `1 pointee + ${fmtInt(run.invite.pointers)} pointers${run.invite.direct ? ` + ${run.invite.direct} direct` : ''}`
        : `${fmtInt(run.invite.direct)} direct welcomes`,
      value: c.actual,
      cls: 'bar-pointers',
    },
    { label: 'Floor', sub: `1 Welcome + ${fmtInt(n)} × ${fmtInt(c.perPointer)} B`, value: c.floor, cls: 'bar-floor' },
  ];
  const max = Math.max(...bars.map((b) => b.value));
  $('chart').replaceChildren(
    ...bars.map((b) => {
      const bar = el('div', { class: `bar ${b.cls}` });
      // CSSOM, not a style attribute: the page's CSP allows no inline style.
      bar.style.width = `${Math.max(0.3, (100 * b.value) / max).toFixed(2)}%`;
      return el(
        'div',
        { class: 'bar-row' },
        el(
          'div',
          { class: 'bar-head' },
          el('span', { class: 'bar-label' }, el('strong', {}, b.label), ' ', el('small', {}, b.sub)),
          el('span', { class: 'bar-value' }, fmtBytes(b.value)),
        ),
        el('div', { class: 'bar-track' }, bar),
      );
    }),
  );
  const ratio = c.direct / c.actual;
  const overFloor = ((c.actual - c.floor) / c.floor) * 100;
  $('chart-desc').textContent = run.invite.destination
    ? `Direct welcomes would upload ${fmtBytes(c.direct)}; with pointers the invite uploads ${fmtBytes(c.actual)}, ${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(1)}× less, `
      + `${overFloor < 0.05 ? 'at' : `${overFloor.toFixed(overFloor < 1 ? 2 : 1)}% above`} the floor of ${fmtBytes(c.floor)} (one Welcome plus ${fmtInt(c.perPointer)} bytes per installation: the X-Wing public key and encapsulation, the sealed pointer and the installation id)`
      + `${run.invite.direct ? `; the ${fmtInt(run.invite.direct)} direct welcome${run.invite.direct === 1 ? '' : 's'} to legacy installations make${run.invite.direct === 1 ? 's' : ''} most of the difference` : ''}. Bars are to scale.`
    : `Every installation got a direct welcome: ${fmtBytes(c.actual)}. With three or more pointer-capable installations the invite would approach the floor of ${fmtBytes(c.floor)}. Bars are to scale.`;
}

function messageRow(run, i) {
  const m = run.invite.messages[i];
  const topic = wp.toHex(m.installationKey);
  const ins = run.byHex.get(topic);
  const req = run.requestOf?.[i];
  return el(
    'tr',
    {},
    el('td', { class: 'num' }, String(i + 1)),
    el('td', {}, badge(`kind-${m.kind}`, m.kind)),
    el('td', {}, el('span', { class: 'mono', title: topic }, short(topic)), ins ? ` member ${ins.member} · device ${ins.device}` : ' (destination)'),
    el('td', { class: 'num' }, fmtInt(m.message.length)),
    el('td', {}, req === undefined ? '—' : `request ${fmtInt(req + 1)} of ${fmtInt(run.requests)}`),
    el(
      'td',
      {},
      el(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => inspectBytes(m.message),
          'aria-label': `Inspect message ${i + 1} (${m.kind})`,
        },
        'Inspect',
      ),
    ),
  );
}

const STATUS_BADGE = {
  waiting: ['pending', 'waiting'],
  opening: ['pending', 'opening…'],
  ok: ['ok', 'opened'],
  pending: ['pending', 'pending'],
  failed: ['bad', 'failed'],
};

function installRow(ins) {
  const [cls, words] = STATUS_BADGE[ins.status];
  return el(
    'tr',
    { 'data-installation': ins.hex, 'data-status': ins.status },
    el('td', {}, el('span', { class: 'mono', title: ins.hex }, short(ins.hex))),
    el('td', {}, `member ${ins.member} · device ${ins.device}`),
    el('td', {}, ins.legacy ? 'CURVE25519, no 0xff04 (legacy)' : 'X-Wing + 0xff04'),
    el('td', {}, ins.kind ?? '—'),
    el('td', { title: ins.detail || null }, badge(cls, words), ins.detail ? ` ${ins.detail}` : ''),
  );
}
