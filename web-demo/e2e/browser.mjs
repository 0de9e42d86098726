// Shared set-up of the browser tests: Debian's Chromium through
// playwright-core, a fresh profile per test, the demo page's controls.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { chromium } from 'playwright-core';
import { relayClient } from './relay.mjs';

export const DEMO_URL = process.env.DEMO_URL;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const SHOTS = process.env.SCREENSHOTS ?? path.resolve('artifacts/screenshots');

if (!DEMO_URL) {
  throw new Error('DEMO_URL is not set: run scripts/test-e2e.sh, which starts the demo server');
}
if (!fs.existsSync(CHROMIUM)) {
  throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (scripts/test-e2e.sh does)`);
}
fs.mkdirSync(SHOTS, { recursive: true });

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

const dirs = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

// Every page of a test fails it on an uncaught error or a console error.
export function watch(page, problems) {
  page.on('pageerror', (e) => problems.push(`uncaught page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('crash', () => problems.push('the page crashed'));
  return page;
}

// A fresh browser profile (its own --user-data-dir) per test; IndexedDB
// lives in it, so it survives reloads within the test, and its tabs
// share it.
export async function openBrowser(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-demo-e2e-'));
  dirs.push(dir);
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
  const problems = [];
  const page = watch(context.pages()[0] ?? (await context.newPage()), problems);
  t.after(async () => {
    await context.close();
  });
  const relay = relayClient(context, DEMO_URL);
  await relay.reset();
  await relay.holdPointees(0);
  return { context, page, problems, relay };
}

/** Another tab of the same profile. */
export async function newTab(context, problems) {
  return watch(await context.newPage(), problems);
}

export function assertClean(problems) {
  assert.deepEqual(problems, [], 'the page logged errors');
}

// The page is ready once the module loaded and the stores earlier pages
// left are open and listed.
async function ready(page) {
  await page.waitForSelector('#module-status.ok', { timeout: 60_000 });
  await page.waitForSelector('html[data-stores-opened="true"]', { timeout: 60_000 });
}

export async function load(page, query = '') {
  await page.goto(new URL(query, DEMO_URL).href, { timeout: 60_000 });
  await ready(page);
  await page.waitForSelector('#invite-btn:not([disabled])', { timeout: 60_000 });
}

export async function invite(page, { members, perMember, legacy = 0, size }) {
  await page.fill('#members', String(members));
  await page.fill('#per-member', String(perMember));
  await page.fill('#legacy', String(legacy));
  if (size !== undefined) {
    await page.check('input[name=sizeMode][value=fixed]');
    await page.fill('#welcome-size', String(size));
  } else {
    await page.check('input[name=sizeMode][value=auto]');
  }
  await page.click('#invite-btn');
}

export async function waitDone(page, timeout = 60_000) {
  await page.waitForFunction(() => document.getElementById('progress-label').textContent === 'Done'
    || !document.getElementById('form-error').hidden, null, { timeout });
  const err = await page.locator('#form-error');
  if (await err.isVisible()) assert.fail(`the invite failed: ${await err.textContent()}`);
}

export async function rowStatuses(page) {
  return page.$$eval('#installs tbody tr[data-installation]', (rows) => rows.map((r) => ({
    status: r.dataset.status, kind: r.children[3].textContent, text: r.children[4].textContent,
  })));
}

export const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** Removes the screenshots of an earlier run (call once, from one test file). */
export function clearShots() {
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f));
}

// ---- the exactly-once tests: the page's log and waits ----

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A small seeded generator: the instants are random, and reproducible
// from the seed the test prints.
export function rng(seed) {
  let x = seed >>> 0 || 1;
  return (lo, hi) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return lo + (x % 1_000_000) / 1_000_000 * (hi - lo);
  };
}

// The page's log, counted: per pointer and installation, how many
// deliveries, how many of them unflagged (previousDeliveries 0).
export async function tally(page) {
  const log = await page.evaluate(() => {
    const out = [];
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i);
      if (k.startsWith('wp-demo-log:')) out.push(JSON.parse(localStorage.getItem(k)));
    }
    return out;
  });
  const key = (e) => `${e.pointerId}:${e.hex}`;
  const accepted = new Set(log.filter((e) => e.kind === 'accepted').map(key));
  const dropped = new Set(log.filter((e) => e.kind === 'dropped').map(key));
  const deliveries = new Map();
  let flagged = 0;
  for (const e of log.filter((x) => x.kind === 'delivered')) {
    const d = deliveries.get(key(e)) ?? { all: 0, unflagged: 0 };
    d.all++;
    if (e.previous === 0) d.unflagged++;
    else flagged++;
    deliveries.set(key(e), d);
  }
  const lost = [...accepted].filter((k) => !deliveries.has(k) && !dropped.has(k));
  const twice = [...deliveries].filter(([, d]) => d.unflagged > 1).map(([k]) => k);
  // Joined twice: two deliveries the app did not recognize as one (it
  // checks its own log when a delivery is flagged as a redelivery).
  const joins = new Map();
  for (const e of log.filter((x) => x.kind === 'delivered' && !x.already)) joins.set(key(e), (joins.get(key(e)) ?? 0) + 1);
  const joinedTwice = [...joins].filter(([, n]) => n > 1).map(([k]) => k);
  return { accepted: accepted.size, delivered: deliveries.size, dropped: dropped.size, lost, twice, joinedTwice, flagged, deliveries };
}

export const pendingRows = (page) => page.locator('#pending-table tbody tr').count();

// Waits until every pointer the log says was stored is delivered or
// dropped (but those gone(key) says the test removed), and no page lists
// a pending pointer.
export async function waitAllResolved(pages, timeout = 120_000, gone = () => false) {
  const until = Date.now() + timeout;
  for (;;) {
    const { lost } = await tally(pages[0]);
    if (lost.every(gone)) break;
    if (Date.now() > until) return; // the caller's assertions say what is missing
    await sleep(500);
  }
  for (const p of pages) {
    await p.waitForFunction(() => document.querySelectorAll('#pending-table tbody tr').length === 0
      && document.getElementById('pending-summary').textContent === 'No pending pointers.', null, { timeout });
  }
}

export async function reload(page) {
  await page.reload({ timeout: 60_000 });
  await ready(page);
}
