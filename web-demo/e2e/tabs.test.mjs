// Nothing lost, nothing delivered twice, in Chromium, beside other tabs:
// three tabs resolving the same stores, a tab deleting databases while
// another resolves, and the outbox finishing a publish after a reload
// with the node holding each message once. (The page's log: see
// reload.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, invite, load, newTab, openBrowser, pendingRows, reload, rng, shot, sleep, tally, waitAllResolved, waitDone,
} from './browser.mjs';
import { PUBLISH_ROUTE, publishedMessages } from './relay.mjs';

// Tab A invites 6 installations while the node holds the pointee back:
// 6 pending pointers, one per installation store.
async function sixPending(a, relay) {
  await load(a);
  await relay.holdPointees(600_000);
  await invite(a, { members: 6, perMember: 1 });
  await waitDone(a);
  await a.waitForFunction(() => document.querySelectorAll('#pending-table tbody tr').length === 6);
}

test('three tabs resolve the same stores: each pointer once, every tab\'s rows follow', async (t) => {
  const { context, page: a, problems, relay } = await openBrowser(t);
  await sixPending(a, relay);
  const b = await newTab(context, problems);
  const c = await newTab(context, problems);
  await Promise.all([load(b), load(c)]);
  for (const p of [b, c]) await p.waitForFunction(() => document.querySelectorAll('#pending-table tbody tr').length === 6);
  await relay.releasePointees();
  await waitAllResolved([a, b, c]);
  const r = await tally(a);
  t.diagnostic(`3 tabs: ${r.accepted} stored, ${r.delivered} delivered, ${r.lost.length} lost, ${r.twice.length} twice`);
  assert.equal(r.accepted, 6);
  assert.equal(r.delivered, 6);
  assert.deepEqual(r.lost, []);
  assert.deepEqual([...r.deliveries.values()].map((d) => d.all), Array(6).fill(1), 'each pointer delivered exactly once');
  // Tab A's rows follow what the other tabs resolved.
  await a.waitForFunction(() => document.getElementById('installs-summary').textContent === '6 of 6 installations opened their welcome.', null, { timeout: 30_000 });
  for (const p of [a, b, c]) {
    assert.equal(await p.locator('#pending-error').isVisible(), false, 'no error banner');
    assert.equal(await pendingRows(p), 0);
  }
  // No installation store is left behind.
  const dbs = await a.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  assert.deepEqual(dbs.filter((n) => n.startsWith('wp-demo-installation-')), []);
  await shot(b, '11-three-tabs');
  assertClean(problems);
});

test('a tab deletes databases while another resolves: no lasting error, the rest resolves once', async (t) => {
  const { context, page: a, problems, relay } = await openBrowser(t);
  await sixPending(a, relay);
  const b = await newTab(context, problems);
  await load(b);
  // Tab B removes two installations' databases (a logout there, say)
  // while tab A resolves the pointers.
  const names = await b.evaluate(async () => (await indexedDB.databases()).map((d) => d.name).filter((n) => n.startsWith('wp-demo-installation-')).sort());
  assert.equal(names.length, 6);
  const doomed = names.slice(0, 2);
  await relay.releasePointees();
  await b.evaluate((list) => Promise.all(list.map((n) => new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(n);
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  }))), doomed);
  const doomedHex = doomed.map((n) => n.slice('wp-demo-installation-'.length));
  // The pointers of the deleted stores are gone, not late: no waiting for them.
  await waitAllResolved([a, b], 120_000, (k) => doomedHex.includes(k.split(':')[1]));
  const r = await tally(a);
  const delivered = [...r.deliveries.keys()].map((k) => k.split(':')[1]);
  t.diagnostic(`deleted 2 of 6 stores: ${r.delivered} delivered, ${r.twice.length} twice`);
  for (const hex of delivered) assert.equal(r.deliveries.get([...r.deliveries.keys()].find((k) => k.endsWith(hex))).all, 1);
  for (const k of r.lost) assert.ok(doomedHex.includes(k.split(':')[1]), `lost ${k}, which was not deleted`);
  assert.ok(r.delivered >= 4);
  assert.deepEqual(r.twice, []);
  // Tab A shows no standing error and still works.
  assert.equal(await a.locator('#pending-error').isVisible(), false);
  await relay.holdPointees(0);
  await invite(a, { members: 3, perMember: 1 });
  await a.waitForFunction(() => document.getElementById('installs-summary').textContent === '3 of 3 installations opened their welcome.', null, { timeout: 60_000 });
  assertClean(problems);
});

test('the outbox, interrupted by a reload mid-publish, finishes after it: the node holds each message once', async (t) => {
  const { page, problems, relay } = await openBrowser(t);
  const seed = Date.now() % 1_000_000;
  const rand = rng(seed);
  const cut = 1 + Math.floor(rand(0, 3)); // the batch whose answer the reload interrupts
  const topics = new Set();
  const sent = new Set();
  let duplicates = 0;
  let held;
  const interrupted = new Promise((resolve) => {
    held = resolve;
  });
  let letGo;
  const pageGone = new Promise((resolve) => {
    letGo = resolve;
  });
  let seen = 0;
  // Every publish reaches the node; the answer to batch `cut` is held
  // back until the page is gone: published, not recorded.
  await page.route(PUBLISH_ROUTE, async (route) => {
    const n = seen++;
    for (const m of publishedMessages(route.request().postDataBuffer())) {
      topics.add(m.topic);
      if (sent.has(m.message)) duplicates++;
      sent.add(m.message);
    }
    const response = await route.fetch();
    if (n === cut) {
      held();
      await pageGone;
    }
    try {
      await route.fulfill({ response });
    } catch {
      // the page reloaded meanwhile
    }
  });
  await load(page, '?batch=5');
  await invite(page, { members: 20, perMember: 1, size: 4096 });
  await interrupted;
  await sleep(rand(0, 200));
  await reload(page);
  letGo();
  // The next page's outbox resumes at the interrupted batch.
  await page.waitForFunction(() => /went out \(resumed by the outbox\)/.test(document.getElementById('outbox-log').textContent), null, { timeout: 60_000 });
  await page.waitForFunction(() => /outbox is empty/.test(document.getElementById('outbox-summary').textContent));
  assert.equal(topics.size, 21, `topics seen: ${topics.size}`);
  for (const topic of topics) {
    const messages = await relay.topicMessages(topic);
    assert.equal(messages.length, 1, `topic ${topic} holds ${messages.length} messages`);
  }
  const stats = await relay.stats();
  assert.equal(stats.messages, 21);
  t.diagnostic(`seed ${seed}: reload while batch ${cut} was answered; ${duplicates} messages resent and deduplicated by the node; 21 messages, each once`);
  assert.equal(duplicates, 5, 'the interrupted batch was sent again, byte for byte');
  await shot(page, '12-outbox-resumed');
  assertClean(problems);
});

test('a pending pointer whose pointee is no longer on the node says so', async (t) => {
  const { page, problems, relay } = await openBrowser(t);
  await load(page);
  // Dropped by the node.
  await relay.dropPointees();
  await invite(page, { members: 3, perMember: 1 });
  await waitDone(page);
  await page.waitForFunction(() => document.querySelectorAll('#pending-table tr[data-gone="true"]').length === 3, null, { timeout: 20_000 });
  assert.match(await page.textContent('#pending-table tbody'), /The node dropped this pointee: it will never arrive/);
  // Held back, then the node forgets it (reset).
  await page.click('#reset-btn');
  await page.waitForFunction(() => document.getElementById('pending-summary').textContent === 'No pending pointers.');
  await relay.holdPointees(600_000);
  await invite(page, { members: 3, perMember: 1 });
  await waitDone(page);
  await page.waitForFunction(() => document.querySelectorAll('#pending-table tbody tr').length === 3);
  assert.equal(await page.locator('#pending-table tr[data-gone="true"]').count(), 0, 'held, not gone');
  await relay.reset();
  await page.waitForFunction(() => document.querySelectorAll('#pending-table tr[data-gone="true"]').length === 3, null, { timeout: 20_000 });
  assert.match(await page.textContent('#pending-table tbody'), /no longer on the node/);
  await shot(page, '13-pointee-gone');
  assertClean(problems);
});
