// The packed package in headless Chromium, as web developers get it:
// the three example apps, each built from the tarball by its bundler
// (scripts/test-package.sh builds them), served with a strict
// Content-Security-Policy, and the example extension loaded unpacked.
// One browser for everything: the extension is loaded, the apps open in
// tabs of their own origins.
//
//   EXTENSION_DIR=<the extension with vendor/ filled> node --test examples/test/browser.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const EXAMPLES = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const EXTENSION = process.env.EXTENSION_DIR;
if (!EXTENSION || !fs.existsSync(path.join(EXTENSION, 'vendor'))) {
  throw new Error('EXTENSION_DIR must name the example extension with its vendor/ copied in: run scripts/test-package.sh');
}

// Each app's build output, served as its own origin.
const APPS = { esbuild: 'esbuild/build', vite: 'vite/dist', webpack: 'webpack/dist' };
const STEPS = ['init', 'generateKey', 'sealInvite', 'sealInvite workers=2', 'openWelcome', 'openPointee', 'resolver through IndexedDB'];

let context;
let profile;
before(async () => {
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-package-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
      `--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`,
    ],
    ignoreDefaultArgs: ['--disable-extensions'],
    timeout: 60_000,
  });
});
after(async () => {
  await context?.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

// A tab whose errors are collected: console errors of the page and of its
// workers, uncaught exceptions, and failed requests.
async function tab(t) {
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('worker', (w) => w.on?.('console', (m) => {
    if (m.type() === 'error') problems.push(`worker console: ${m.text()}`);
  }));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  t.after(() => page.close());
  return { page, problems };
}

async function outcome(page) {
  await page.waitForSelector('body[data-done]', { timeout: 120_000 });
  return page.evaluate(() => ({
    done: document.body.dataset.done,
    result: document.body.dataset.result ? JSON.parse(document.body.dataset.result) : null,
    error: document.body.dataset.error ?? null,
  }));
}

for (const bundler of Object.keys(APPS)) {
  test(`${bundler}: the example app built from the tarball works in its page and its module worker, under a strict CSP`, async (t) => {
    const { got, problems } = await openApp(t, bundler);
    assert.equal(got.error, null);
    assert.deepEqual(got.result, { page: STEPS, worker: STEPS });
    assert.deepEqual(problems, [], 'the page or its workers logged errors');
  });
}

// Serves an app's build output (a copy without the files `without`
// names, relative to it) and returns what its page reports, its URL and
// the errors it logged.
async function openApp(t, app, { csp, without = () => [] } = {}) {
  let dir = path.join(EXAMPLES, APPS[app]);
  const drop = without(dir);
  if (drop.length > 0) {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), `wp-${app}-`));
    t.after(() => fs.rmSync(copy, { recursive: true, force: true }));
    fs.cpSync(dir, copy, { recursive: true });
    for (const f of drop) fs.rmSync(path.join(copy, f));
    dir = copy;
  }
  const server = await serve(dir, { csp });
  t.after(() => server.close());
  const { page, problems } = await tab(t);
  await page.goto(server.url);
  return { got: await outcome(page), url: server.url, problems };
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('a page whose CSP does not allow WebAssembly gets an ERR_LOAD that says what to add', async (t) => {
  const { got } = await openApp(t, 'esbuild', { csp: "default-src 'self'; script-src 'self'" });
  assert.equal(got.done, 'error');
  assert.match(got.error, /^ERR_LOAD .*welcome-pointers\.wasm cannot be compiled: the Content-Security-Policy does not allow WebAssembly; add 'wasm-unsafe-eval' to script-src/);
});

test('a worker script that is not there: ERR_LOAD naming its URL and the HTTP status', async (t) => {
  // The esbuild app without the worker it should have built: what a
  // bundler that does not emit the package's worker leaves behind.
  const { got, url } = await openApp(t, 'esbuild', { without: () => ['welcome-pointers-worker.js'] });
  assert.equal(got.done, 'error');
  assert.match(got.error, new RegExp(`^ERR_LOAD .*cannot start the sealing worker ${escape(url)}welcome-pointers-worker\\.js: HTTP 404`));
});

test('a bundled app missing the package\'s worker: ERR_LOAD naming the URL the bundler gave it', async (t) => {
  // vite emits the package's worker as assets/worker-<hash>.js; without it,
  // the URL is the one vite wrote into new Worker(new URL(...)).
  let worker;
  const { got, url } = await openApp(t, 'vite', {
    without: (dir) => {
      [worker] = fs.readdirSync(path.join(dir, 'assets')).filter((f) => /^worker-.*\.js$/.test(f));
      assert.ok(worker, 'vite emitted the package\'s worker');
      return [`assets/${worker}`];
    },
  });
  assert.equal(got.done, 'error');
  assert.match(got.error, new RegExp(`^ERR_LOAD .*cannot start the sealing worker ${escape(`${url}assets/${worker}`)}: HTTP 404`));
});

test('extension: keys, sealing in workers, a pending pointer kept by the service worker across a stop, delivered once', async (t) => {
  let [sw] = context.serviceWorkers().filter((w) => w.url().startsWith('chrome-extension://'));
  sw ??= await context.waitForEvent('serviceworker', { timeout: 30_000 });
  const id = new URL(sw.url()).host;
  const { page, problems } = await tab(t);
  await page.goto(`chrome-extension://${id}/popup.html`);
  await page.waitForFunction(() => window.example?.ready || document.getElementById('error').textContent, null, { timeout: 60_000 });
  assert.equal(await page.textContent('#error'), '');

  // The popup seals (in Web Workers) and publishes everything but the
  // pointee; the service worker opens its pointer and keeps it pending.
  const sent = await page.evaluate(() => window.example.sendInvite({ late: true }));
  assert.ok(sent.parallel.workers >= 1, JSON.stringify(sent.parallel));
  assert.deepEqual(sent.outcomes, ['pending']);
  const before = await page.evaluate(() => window.example.status());
  assert.equal(before.pending.length, 1);
  assert.deepEqual(before.welcomes, []);

  // In the service worker, sealInvite({ workers }) falls back to its own thread and says so.
  const here = await page.evaluate(() => window.example.sealInServiceWorker());
  assert.equal(here.messages, 41);
  assert.deepEqual(here.parallel, { workers: 0, note: 'a service worker cannot start workers: sealed on the calling thread' });

  // The browser stops the service worker (as it does when idle).
  const cdp = await context.newCDPSession(page);
  const stopped = new Promise((resolve) => {
    cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
      if (e.versions.some((v) => v.scriptURL === sw.url() && v.runningStatus === 'stopped')) resolve();
    });
  });
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await stopped;

  // The pointee is published; the next message starts a new service
  // worker, which finds the pointer in IndexedDB and delivers the welcome.
  const published = await page.evaluate(() => window.example.publishPointee());
  assert.equal(published.published, 1);
  // The pointer is retried once due (the example's schedule: 2 s after it was stored).
  for (let i = 0; i < 40 && (await page.evaluate(() => window.example.status())).pending.length > 0; i++) {
    await page.waitForTimeout(500);
    await page.evaluate(() => window.example.resolveDue());
  }
  const afterStop = await page.evaluate(() => window.example.status());
  assert.notEqual(afterStop.startedAt, before.startedAt, 'a new run of the service worker');
  assert.deepEqual(afterStop.pending, []);
  assert.deepEqual(afterStop.welcomes, [{ pointerId: before.pending[0], text: sent.welcome, cursor: '42' }]);
  assert.deepEqual(problems, [], 'the popup logged errors');
});
