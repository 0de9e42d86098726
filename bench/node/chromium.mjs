// Headless Chromium side of go run ./bench: playwright-core drives the
// Debian chromium against the bench server and runs page.html's
// startup() (fresh browser context each time: no HTTP or code cache)
// and suite.mjs. One JSON line per result on stdout.
//
//   node chromium.mjs BASE_URL CFG
//
// CFG: { chromium, startupRuns, suite, suites } where suite is
// suite.mjs's configuration and suites the hosts to run it as: { host,
// mode } each.
import { chromium } from 'playwright-core';

const [base, cfgJSON] = process.argv.slice(2);
const cfg = JSON.parse(cfgJSON);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--disable-extensions', '--enable-precise-memory-info',
];

async function openPage(browser, query = '') {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('crash', () => problems.push('the page crashed'));
  await page.goto(new URL(`bench/page.html${query}`, base).href, { waitUntil: 'load', timeout: 60_000 });
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60_000 });
  return { context, page, problems };
}

function assertClean(problems, what) {
  if (problems.length) throw new Error(`${what}: ${problems.join('; ')}`);
}

const browser = await chromium.launch({ executablePath: cfg.chromium, headless: true, args: ARGS, timeout: 120_000 });
try {
  out({ mode: 'browser', version: browser.version() });
  for (let i = 0; i < cfg.startupRuns; i++) {
    const { context, page, problems } = await openPage(browser);
    const r = await page.evaluate(() => window.bench.startup());
    assertClean(problems, 'startup');
    out({ mode: 'startup', ...r });
    await context.close();
  }
  // One suite per host: { host, mode } (see suite.mjs), each on a fresh page.
  for (const { host, mode } of cfg.suites ?? []) {
    const { context, page, problems } = await openPage(browser, '?hook');
    const r = await page.evaluate((c) => window.bench.suite(c), { ...cfg.suite, mode });
    assertClean(problems, `suite ${host}`);
    out({ mode: 'suite', host, ...r });
    await context.close();
  }
} catch (e) {
  process.stderr.write(`chromium.mjs: ${e?.stack ?? e}\n`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
