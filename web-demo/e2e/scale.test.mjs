// The demo at the scale it advertises: an invite to 2,000 installations,
// sealed, published through the outbox and xmtpTransport, and opened by
// every installation, in Chromium. The test asserts what can fail: every
// installation opened its welcome, the page is no taller than a few
// screens (the rows are virtualized), no sideways scroll at 390 px, the
// chart's labels inside it. The phases' times and the long tasks are
// measured, written to artifacts/e2e/scale-2000.json and printed; the
// targets (the whole flow under 10 s on a 2-core machine, no long task
// over 100 ms) are reported (`make bench-demo` runs this test alone),
// never asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { assertClean, invite, load, openBrowser, shot, waitDone } from './browser.mjs';

const MEMBERS = 250;
const PER_MEMBER = 8;
const INSTALLATIONS = MEMBERS * PER_MEMBER;
// Targets of the flow (from the click to the last welcome opened) on a
// 2-core machine: reported, not asserted.
export const TARGET_TOTAL_MS = 10_000;
export const TARGET_LONGEST_TASK_MS = 100;
// The page holds a screenful of rows per table, not 2,000.
const MAX_PAGE_HEIGHT = 8_000;
const ARTIFACTS = process.env.E2E_ARTIFACTS ?? path.resolve('artifacts/e2e');

// Every long task (over 50 ms) of the page, from its first script on.
function watchLongTasks() {
  window.longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
}

test(`an invite to ${INSTALLATIONS.toLocaleString('en-US')} installations: every one opens its welcome, the page stays small and fits 390 px`, async (t) => {
  const { page, problems } = await openBrowser(t);
  await page.addInitScript(watchLongTasks);
  await load(page);

  const start = await page.evaluate(() => performance.now());
  const t0 = Date.now();
  await invite(page, { members: MEMBERS, perMember: PER_MEMBER });
  await waitDone(page, 300_000);
  const wallMs = Date.now() - t0;

  assert.equal(
    await page.textContent('#installs-summary'),
    `${INSTALLATIONS.toLocaleString('en-US')} of ${INSTALLATIONS.toLocaleString('en-US')} installations opened their welcome.`,
  );
  const run = JSON.parse(await page.getAttribute('html', 'data-last-run'));
  assert.equal(run.installations, INSTALLATIONS);
  assert.equal(run.ok, INSTALLATIONS, 'every installation opened its welcome');
  assert.equal(run.failed, 0);
  assert.equal(run.pending, 0);
  assert.equal(run.twice, 0);
  assert.match(
    await page.textContent('#summary'),
    new RegExp(
      `${(INSTALLATIONS + 1).toLocaleString('en-US')} messages went out: 1 pointee \\+ ${INSTALLATIONS.toLocaleString('en-US')} pointers`,
    ),
  );
  // The open phase's time shown next to the seal's.
  assert.match(await page.textContent('#open-time'), /^[\d.]+ (ms|s)$/);

  // Long tasks during the flow (the module's start-up before it excluded).
  const tasks = await page.evaluate((s) => window.longTasks.filter((x) => x.start + x.duration >= s), start);
  const longest = Math.max(0, ...tasks.map((x) => x.duration));

  // Rows virtualized: a page a few screens tall, not one row per installation.
  const heightAt1280 = await page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(heightAt1280 < MAX_PAGE_HEIGHT, `the page is ${heightAt1280} px tall after ${INSTALLATIONS} installations`);
  const rowsInDOM = await page.locator('#installs tbody tr[data-installation]').count();
  assert.ok(rowsInDOM > 0 && rowsInDOM < 200, `${rowsInDOM} installation rows in the DOM`);

  // A phone's width: no sideways scroll, the chart's bars and labels inside it.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.documentElement.clientWidth === 390);
  const narrow = await page.evaluate(() => {
    const doc = document.documentElement;
    const chart = document.getElementById('chart').getBoundingClientRect();
    const outside = [...document.querySelectorAll('#chart *')]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.left < chart.left - 0.5 || r.right > chart.right + 0.5);
      })
      .map((e) => e.className || e.tagName);
    const fontPx = Math.min(
      ...[...document.querySelectorAll('#chart *')]
        .filter((e) => e.childNodes.length && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
        .map((e) => parseFloat(getComputedStyle(e).fontSize)),
    );
    return {
      scrollWidth: doc.scrollWidth,
      clientWidth: doc.clientWidth,
      chartWidth: chart.width,
      outside,
      fontPx,
      height: doc.scrollHeight,
    };
  });
  assert.ok(
    narrow.scrollWidth <= narrow.clientWidth,
    `sideways scroll at 390 px: the page is ${narrow.scrollWidth} px wide`,
  );
  assert.deepEqual(narrow.outside, [], 'chart parts outside the chart at 390 px');
  assert.ok(narrow.chartWidth > 250, `the chart is ${narrow.chartWidth} px wide at 390 px`);
  assert.ok(narrow.fontPx >= 11, `the chart's smallest text is ${narrow.fontPx} px at 390 px`);
  await shot(page, '14-2000-at-390px');

  const figures = {
    installations: INSTALLATIONS,
    welcomeBytes: run.welcome,
    ms: {
      keys: Math.round(run.keys),
      seal: Math.round(run.seal),
      publish: Math.round(run.publish),
      open: Math.round(run.open),
      flow: Math.round(run.seal + run.publish + run.open),
      total: Math.round(run.total),
      wall: wallMs,
    },
    longTasks: {
      count: tasks.length,
      longestMs: Math.round(longest),
      over100ms: tasks.filter((x) => x.duration > 100).length,
    },
    pageHeightPx: { at1280: heightAt1280, at390: narrow.height },
    installationRowsInDOM: rowsInDOM,
    targets: { flowMs: TARGET_TOTAL_MS, longestTaskMs: TARGET_LONGEST_TASK_MS },
  };
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, 'scale-2000.json'), `${JSON.stringify(figures, null, 2)}\n`);
  t.diagnostic(
    `${INSTALLATIONS} installations: keys ${figures.ms.keys} ms, seal ${figures.ms.seal} ms, publish ${figures.ms.publish} ms, ` +
      `open ${figures.ms.open} ms (seal+publish+open ${figures.ms.flow} ms, all ${figures.ms.total} ms); ` +
      `${tasks.length} long tasks, longest ${figures.longTasks.longestMs} ms; page ${heightAt1280} px tall (${narrow.height} px at 390 px)`,
  );
  const within = (v, target) => (v <= target ? 'within' : 'OVER');
  t.diagnostic(
    `targets: the whole flow ${figures.ms.total} ms, ${within(figures.ms.total, TARGET_TOTAL_MS)} ${TARGET_TOTAL_MS} ms; ` +
      `longest task ${figures.longTasks.longestMs} ms, ${within(figures.longTasks.longestMs, TARGET_LONGEST_TASK_MS)} ${TARGET_LONGEST_TASK_MS} ms`,
  );
  assertClean(problems);
});
