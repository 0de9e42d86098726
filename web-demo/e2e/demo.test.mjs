// Browser tests of the web demo: playwright-core drives Debian's Chromium
// against a running demo server. scripts/test-e2e.sh builds the module,
// starts the server and sets DEMO_URL; nothing here is skipped.
//
//   DEMO_URL=http://127.0.0.1:PORT/ node --test web-demo/e2e/
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertClean, clearShots, invite, load, openBrowser, rowStatuses, shot, waitDone,
} from './browser.mjs';
import { GrpcStatus } from '../../js/src/transport/grpcweb.js';
import { encode } from '../../js/src/transport/protowire.js';

before(() => {
  // Left from an earlier run: screenshots are this run's.
  clearShots();
});

test('an invite to 3+ capable installations goes out as pointers, and every installation opens it', async (t) => {
  const { page, problems } = await openBrowser(t);
  await load(page);
  // 6 capable installations and 1 legacy one: 6 pointers, 1 direct.
  await invite(page, { members: 7, perMember: 1, legacy: 1 });
  await waitDone(page);

  const summary = await page.textContent('#summary');
  assert.match(summary, /8 messages went out: 1 pointee \+ 6 pointers \+ 1 direct welcome/);
  assert.match(summary, /Sealed in [\d.]+ (ms|s)/);
  assert.match(await page.textContent('#seal-time'), /^[\d.]+ (ms|s)$/);

  const rows = await rowStatuses(page);
  assert.equal(rows.length, 7);
  assert.deepEqual(rows.map((r) => r.status), Array(7).fill('ok'), JSON.stringify(rows));
  assert.deepEqual(rows.map((r) => r.kind), [...Array(6).fill('pointer'), 'direct']);
  for (const r of rows) assert.match(r.text, /Welcome of \d[\d,]* bytes, cursor \d+/);
  assert.equal(await page.textContent('#installs-summary'), '7 of 7 installations opened their welcome.');

  // The chart: three bars, pointers below direct, at most a little above the floor.
  assert.equal(await page.locator('#chart .bar').count(), 3);
  const widths = await page.$$eval('#chart .bar', (rs) => rs.map((r) => r.getBoundingClientRect().width));
  assert.ok(widths[1] < widths[0], `pointer bar ${widths[1]} not below direct ${widths[0]}`);
  assert.match(await page.textContent('#chart-desc'), /less/);
  assert.equal(await page.locator('#messages tbody tr:not(.spacer)').count(), 8);
  assert.match(await page.textContent('#messages tbody'), /request 1 of 2/, 'the pointee goes out alone, first');
  assert.match(await page.textContent('#open-time'), /^[\d.]+ (ms|s)$/);
  assert.match(summary, /every installation opened its welcome in [\d.]+ (ms|s)/);
  assert.equal(await page.locator('#messages .badge.kind-pointee').count(), 1);

  await shot(page, '1-invite-pointers');
  assertClean(problems);
});

test('with 2 installations the invite falls back to direct welcomes', async (t) => {
  const { page, problems } = await openBrowser(t);
  await load(page);
  await invite(page, { members: 2, perMember: 1 });
  await waitDone(page);

  assert.match(await page.textContent('#summary'), /2 messages went out: 2 direct welcomes: fewer than 3 installations can take pointers/);
  const rows = await rowStatuses(page);
  assert.deepEqual(rows.map((r) => r.status), ['ok', 'ok']);
  assert.deepEqual(rows.map((r) => r.kind), ['direct', 'direct']);
  assert.equal(await page.locator('#messages .badge.kind-pointer').count(), 0);
  assert.match(await page.textContent('#chart-desc'), /Every installation got a direct welcome/);
  await shot(page, '2-direct-fallback');
  assertClean(problems);
});

test('pointers whose pointee is late go pending, survive a reload, and resolve when it arrives', async (t) => {
  const { page, problems, relay } = await openBrowser(t);
  await load(page);
  // The node holds the pointee back for a minute.
  await page.fill('#delay', '60');
  await page.click('#node-form button[type=submit]');
  await page.waitForFunction(() => /holds each pointee back for 60 s/.test(document.getElementById('node-status').textContent));

  await invite(page, { members: 3, perMember: 1 });
  await waitDone(page);
  const rows = await rowStatuses(page);
  assert.deepEqual(rows.map((r) => r.status), ['pending', 'pending', 'pending'], JSON.stringify(rows));
  for (const r of rows) assert.match(r.text, /next attempt at \d\d:\d\d:\d\d/);
  await page.waitForFunction(() => document.querySelectorAll('#pending-table tbody tr').length === 3);
  assert.match(await page.textContent('#pending-summary'), /3 pending pointers in IndexedDB/);
  const next = await page.$$eval('#pending-table td.next-attempt', (tds) => tds.map((td) => td.textContent));
  for (const n of next) assert.match(n, /^\d\d:\d\d:\d\d \((in \d+ s|due now)\)/);
  assert.match(await page.textContent('#node-status'), /1 pointee held until/);
  await shot(page, '3-pending');

  // Reload: the pending pointers come back from IndexedDB.
  await page.reload();
  await page.waitForSelector('#module-status.ok', { timeout: 60_000 });
  await page.waitForFunction(() => document.querySelectorAll('#pending-table tbody tr').length === 3, null, { timeout: 10_000 });
  assert.equal(await page.locator('#results').isVisible(), false, 'results are from before the reload');
  await shot(page, '4-pending-after-reload');

  // The pointee arrives; the resolvers' next deferred attempt opens it.
  await relay.releasePointees();
  await page.waitForFunction(() => document.querySelectorAll('#resolved li').length === 3, null, { timeout: 30_000 });
  const resolved = await page.$$eval('#resolved li', (lis) => lis.map((li) => li.textContent));
  for (const r of resolved) {
    assert.match(r, /resolved/);
    assert.match(r, /Welcome of [\d,]+ bytes, cursor \d+, the Welcome that was sealed, after \d+ deferred attempts?/);
  }
  await page.waitForFunction(() => document.getElementById('pending-summary').textContent === 'No pending pointers.', null, { timeout: 10_000 });
  assert.equal(await page.locator('#pending-table').isVisible(), false);
  await shot(page, '5-resolved');

  // Everything was cleaned up: no installation store is left behind.
  const dbs = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name));
  assert.deepEqual(dbs.filter((n) => n.startsWith('wp-demo-installation-')), []);
  assertClean(problems);
});

test('the retry button resolves pending pointers at once', async (t) => {
  const { page, problems, relay } = await openBrowser(t);
  await load(page);
  await page.uncheck('#auto-retry');
  await relay.holdPointees(600_000);
  await invite(page, { members: 4, perMember: 1 });
  await waitDone(page);
  await page.waitForFunction(() => document.querySelectorAll('#pending-table tbody tr').length === 4);
  await relay.releasePointees();
  await page.click('#retry-btn');
  await page.waitForFunction(() => document.querySelectorAll('#resolved li').length === 4, null, { timeout: 15_000 });
  const rows = await rowStatuses(page);
  assert.deepEqual(rows.map((r) => r.status), Array(4).fill('ok'), JSON.stringify(rows));
  for (const r of rows) assert.match(r.text, /pointer, after 1 deferred attempt/);
  assertClean(problems);
});

test('the inspect box decodes messages and explains garbage', async (t) => {
  const { page, problems, relay } = await openBrowser(t);
  await load(page);
  await invite(page, { members: 3, perMember: 1 });
  await waitDone(page);

  // The pointee, from its row (hex).
  await page.click('#messages tbody tr:nth-child(1) button');
  await page.waitForSelector('#inspect-output .inspect-result');
  let out = await page.textContent('#inspect-output');
  assert.match(out, /WelcomeMessageInput \(as published\) — v1 \(pointee\)/);
  assert.match(out, /v1\.wrapper_algorithm\s*SYMMETRIC_KEY/);
  assert.match(out, /v1\.hpke_public_key\s*0 bytes/);

  // A pointer as base64, as read back from the node (a WelcomeMessage).
  const topic = await page.getAttribute('#installs tbody tr[data-installation]', 'data-installation');
  const [first] = await relay.topicMessages(topic);
  const b64 = Buffer.from(first).toString('base64');
  await page.fill('#inspect-input', b64);
  await page.selectOption('#inspect-kind', 'auto');
  await page.click('#inspect-btn');
  await page.waitForFunction(() => /welcome pointer/.test(document.getElementById('inspect-output').textContent));
  out = await page.textContent('#inspect-output');
  assert.match(out, /WelcomeMessage \(as read back from the network\) — welcome pointer/);
  assert.match(out, /read as base64/);
  assert.match(out, /welcome_pointer\.wrapper_algorithm\s*XWING_MLKEM_768_DRAFT_6/);
  assert.match(out, /welcome_pointer\.hpke_public_key\s*1,216 bytes/);
  assert.match(out, /welcome_pointer\.id\s*\d+/);
  await shot(page, '6-inspect');

  // Garbage, three ways: not an encoding, odd hex, bytes that decode to nothing.
  const cases = [
    ['this is not a message!', /neither hex nor base64/],
    ['abc', /odd number of digits/],
    ['deadbeef00ff', /Cannot decode these 6 bytes \(hex\)\. Not a well-formed message: /],
    ['', /Paste a message first/],
  ];
  for (const [input, want] of cases) {
    await page.fill('#inspect-input', input);
    await page.click('#inspect-btn');
    await page.waitForSelector('#inspect-output .error');
    assert.match(await page.textContent('#inspect-output .error'), want);
    assert.equal(await page.getAttribute('#inspect-output .error', 'role'), 'alert');
  }
  await page.fill('#inspect-input', 'deadbeef00ff');
  await page.click('#inspect-btn');
  await shot(page, '7-inspect-garbage');
  // Keyboard: the form submits with Enter on the button.
  await page.focus('#inspect-btn');
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('#inspect-output .error'), /Not a well-formed message/);
  assertClean(problems);
});

test('a large invite shows progress and completes', async (t) => {
  const { page, problems } = await openBrowser(t);
  await load(page);
  // Watch the progress bar from inside the page.
  await page.evaluate(() => {
    window.progressSeen = [];
    const bar = document.getElementById('progress');
    new MutationObserver(() => {
      if (bar.value > 0 && bar.value < bar.max) window.progressSeen.push(document.getElementById('progress-label').textContent);
    }).observe(bar, { attributes: true });
    // value is a property: poll it too.
    const id = setInterval(() => {
      if (bar.value > 0 && bar.value < bar.max) window.progressSeen.push(document.getElementById('progress-label').textContent);
    }, 20);
    window.stopPoll = () => clearInterval(id);
  });
  const t0 = Date.now();
  await invite(page, { members: 100, perMember: 3 });
  await page.waitForFunction(() => /Sealing/.test(document.getElementById('progress-label').textContent), null, { timeout: 60_000 });
  await shot(page, '8-large-progress');
  await waitDone(page, 240_000);
  const ms = Date.now() - t0;
  const seen = await page.evaluate(() => {
    window.stopPoll();
    return [...new Set(window.progressSeen)];
  });
  assert.ok(seen.some((s) => /Generating/.test(s)), `no key generation progress: ${seen}`);
  assert.ok(seen.some((s) => /Sealing/.test(s)), `no sealing progress: ${seen}`);
  assert.ok(seen.some((s) => /open their welcomes/.test(s)), `no opening progress: ${seen}`);
  assert.equal(await page.textContent('#installs-summary'), '300 of 300 installations opened their welcome.');
  assert.match(await page.textContent('#summary'), /301 messages went out: 1 pointee \+ 300 pointers/);
  t.diagnostic(`300 installations: ${ms} ms in all; seal ${await page.textContent('#seal-time')}`);
  assertClean(problems);
});

test('errors from the module are shown in words', async (t) => {
  const { page, problems } = await openBrowser(t);
  await load(page);
  // Over the network's 25 MiB cap: the module refuses to seal.
  await invite(page, { members: 3, perMember: 1, size: 27_000_000 });
  await page.waitForSelector('#form-error:not([hidden])', { timeout: 60_000 });
  assert.match(await page.textContent('#form-error'), /^Too large: welcome of 27000000 bytes exceeds 26214400/);
  assert.equal(await page.textContent('#progress-label'), 'Stopped');
  // The form stays usable.
  assert.equal(await page.isEnabled('#invite-btn'), true);
  await shot(page, '9-module-error');
  // Bad form input is explained too.
  await invite(page, { members: 0, perMember: 1 });
  assert.match(await page.textContent('#form-error'), /Members must be a whole number from 1 to 250/);
  assert.equal(await page.getAttribute('#members', 'aria-invalid'), 'true');
  // And the page still works afterwards.
  await invite(page, { members: 3, perMember: 1 });
  await waitDone(page);
  assert.equal(await page.textContent('#installs-summary'), '3 of 3 installations opened their welcome.');
  assertClean(problems);
});

test('the node answers malformed and oversized publishes with their gRPC status and keeps serving', async (t) => {
  const { page, problems, relay } = await openBrowser(t);
  const refused = async (request, status, words) => {
    const before = (await relay.stats()).messages;
    await assert.rejects(relay.publishRaw(request), (e) => {
      assert.equal(e.grpcStatus, status, `grpc-status ${e.grpcStatus} (${e.grpcMessage})`);
      assert.match(e.grpcMessage, words);
      return true;
    });
    assert.equal((await relay.stats()).messages, before, 'a refused request changed nothing');
  };
  // Bytes that are no protobuf.
  await refused(encode([[1, Uint8Array.from([1, 2, 3])]]), GrpcStatus.INVALID_ARGUMENT, /invalid wire-format/);
  // A well-formed WelcomeMessageInput the node's rules refuse: a V1 without data.
  await refused(encode([[1, encode([[1, encode([[1, new Uint8Array(32).fill(7)]])]])]]), GrpcStatus.INVALID_ARGUMENT, /message 0/);
  // No messages at all.
  await refused(new Uint8Array(), GrpcStatus.INVALID_ARGUMENT, /no welcome messages/);
  // Over the node's request cap.
  const { maxRequest } = await relay.stats();
  const v1 = encode([[1, new Uint8Array(32).fill(7)], [2, new Uint8Array(maxRequest)], [3, new Uint8Array(32).fill(1)]]);
  await refused(encode([[1, encode([[1, v1]])]]), GrpcStatus.RESOURCE_EXHAUSTED, /exceeds|larger|max/i);

  // Still serving: a real invite goes through.
  await load(page);
  await invite(page, { members: 3, perMember: 1 });
  await waitDone(page);
  assert.equal(await page.textContent('#installs-summary'), '3 of 3 installations opened their welcome.');
  assertClean(problems);
});
