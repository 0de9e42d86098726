// xmtpTransport in headless Chromium against the Go welcome node: the
// page (served from another origin, so CORS is real) publishes invites
// over gRPC-Web and resolves every pointer with IndexedDB stores; decoys
// after and before the pointee; the node's refusal read from a
// trailers-only answer; a node without CORS. scripts/test-e2e.sh runs it
// with the demo's tests; it starts its own node and page server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, startNode } from '../../js/test/node-server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM)) {
  throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (scripts/test-e2e.sh does)`);
}
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

const PAGE = `<!doctype html><meta charset="utf-8"><title>transport</title>
<script type="importmap">{ "imports": {
  "@welcome-pointers/wasm": "/js/src/index.js", "idb": "/js/node_modules/idb/build/index.js" } }</script>
<script type="module">
  import * as wp from '@welcome-pointers/wasm';
  window.wp = wp;
  window.ready = wp.init();
</script>`;
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/** Serves the page and the package's files (js/), nothing else. */
function pageServer() {
  const jsDir = path.join(ROOT, 'js');
  return http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    if (p === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const file = path.join(jsDir, p.replace(/^\/js\//, ''));
    if (!p.startsWith('/js/') || !file.startsWith(jsDir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
}

let node;
let small;
let pages;
let pageURL;
let noCORS;
let context;
let dir;

const listen = (s) => new Promise((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${s.address().port}`)));

before(async () => {
  [node, small] = await Promise.all([startNode(), startNode(['-max-request', '20000'])]);
  pages = pageServer();
  pageURL = await listen(pages);
  // A gRPC-Web answer without CORS headers: the browser must not let the page read it.
  noCORS = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/grpc-web+proto', 'grpc-status': '0' }).end());
  noCORS.url = await listen(noCORS);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-transport-e2e-'));
  context = await chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60_000 });
});

after(async () => {
  await context?.close();
  await Promise.all([node?.stop(), small?.stop()]);
  pages?.close();
  noCORS?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function openPage(t) {
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  t.after(() => page.close());
  await page.goto(pageURL);
  await page.evaluate(() => window.ready);
  return { page, problems };
}

// Runs in the page: an invite to n recipients published through the
// transport, decoys, and each recipient resolving with its own store.
async function flow({ url, protocol, n }) {
  const { wp } = window;
  const t = wp.xmtpTransport({ url, protocol, maxBatchMessages: 2 });
  const topicOf = (key) => (t.topic === 'decentralized' ? Uint8Array.of(1, ...key) : key);
  const varint = (v) => { const o = []; for (; v >= 0x80; v >>>= 7) o.push((v & 0x7f) | 0x80); o.push(v); return o; };
  const field = (no, b) => [...varint((no << 3) | 2), ...varint(b.length), ...b];
  const decoy = (dest) => Uint8Array.from(field(1, [
    ...field(1, dest), ...field(2, crypto.getRandomValues(new Uint8Array(200))), 0x20, 3,
    ...field(7, crypto.getRandomValues(new Uint8Array(16)))]));
  const recipients = () => Array.from({ length: n }, () => {
    const key = wp.generateKey();
    const installationKey = crypto.getRandomValues(new Uint8Array(32));
    return {
      key, installationKey,
      installation: wp.installationFromExtensions({
        installationKey, wrapperEncryption: wp.encodeWrapperEncryption(key.publicKey), pointeeAeadTypes: wp.encodePointeeAeadTypes(),
      }),
    };
  });
  let db = 0;
  const resolve = async (r) => {
    const store = await wp.openPendingStore({ name: `transport-${protocol}-${Date.now()}-${db++}` });
    const welcomes = [];
    const dropped = [];
    const resolver = wp.createResolver({
      store, fetchFirstMessage: t.fetchFirstMessage, topic: t.topic,
      onWelcome: (w) => { welcomes.push(w); }, onDropped: (d) => dropped.push(d.code),
    });
    const received = wp.openWelcome(await t.fetchFirstMessage(topicOf(r.installationKey)), [r.key]);
    const { status } = await resolver.resolvePointer(received);
    resolver.close();
    store.close();
    return { status, welcome: welcomes[0], dropped };
  };

  const welcome = crypto.getRandomValues(new Uint8Array(30_000));
  const rs = recipients();
  const invite = await wp.sealInvite(welcome, 99n, rs.map((r) => r.installation));
  const published = await t.publish(invite);
  const first = await t.fetchFirstMessage(topicOf(invite.destination));
  await t.publish([decoy(invite.destination)]);
  const afterDecoy = await t.fetchFirstMessage(topicOf(invite.destination));
  const resolved = [];
  for (const r of rs) {
    const out = await resolve(r);
    resolved.push(out.status === 'resolved' && out.welcome.cursor === 99n && wp.toHex(out.welcome.welcome) === wp.toHex(welcome));
  }

  const rs2 = recipients();
  const invite2 = await wp.sealInvite(welcome, 1n, rs2.map((r) => r.installation));
  await t.publish([decoy(invite2.destination)]);
  await t.publish(invite2);
  const early = await resolve(rs2[0]);

  return {
    batches: published.batches.length, sent: published.sent, total: published.total,
    sameFirst: wp.toHex(first) === wp.toHex(afterDecoy), resolved, early: { status: early.status, dropped: early.dropped },
  };
}

for (const protocol of ['v3', 'decentralized']) {
  test(`Chromium: ${protocol} invite published over gRPC-Web, every pointer resolved, decoys`, async (t) => {
    const { page, problems } = await openPage(t);
    const r = await page.evaluate(flow, { url: node.url, protocol, n: 5 });
    assert.equal(r.sent, 6);
    assert.equal(r.total, 6);
    assert.equal(r.batches, 3);
    assert.ok(r.sameFirst, 'a decoy published after the pointee was returned');
    assert.deepEqual(r.resolved, [true, true, true, true, true]);
    assert.equal(r.early.status, 'dropped');
    assert.ok(['ERR_DECRYPT', 'ERR_NOT_POINTEE'].includes(r.early.dropped[0]), String(r.early.dropped));
    assert.deepEqual(problems, []);
  });
}

test('Chromium: the node refuses (trailers-only RESOURCE_EXHAUSTED); a node without CORS is ERR_FETCH', async (t) => {
  const { page, problems } = await openPage(t);
  const r = await page.evaluate(async ({ smallURL, noCORSURL }) => {
    const { wp } = window;
    const catchErr = (p) => p.then(() => null, (e) => ({ name: e.name, code: e.code, grpcStatus: e.grpcStatus, grpcMessage: e.grpcMessage, retryable: e.retryable }));
    const key = wp.generateKey();
    const installations = [1, 2, 3].map((i) => wp.installationFromExtensions({
      installationKey: new Uint8Array(32).fill(i), wrapperEncryption: wp.encodeWrapperEncryption(key.publicKey), pointeeAeadTypes: wp.encodePointeeAeadTypes(),
    }));
    const invite = await wp.sealInvite(new Uint8Array(30_000), 1n, installations);
    return {
      refused: await catchErr(wp.xmtpTransport({ url: smallURL }).publish(invite)),
      cors: await catchErr(wp.xmtpTransport({ url: noCORSURL }).fetchFirstMessage(new Uint8Array(32))),
    };
  }, { smallURL: small.url, noCORSURL: noCORS.url });
  assert.deepEqual(r.refused, {
    name: 'WelcomePointersError', code: 'ERR_FETCH', grpcStatus: 8, retryable: true,
    grpcMessage: r.refused?.grpcMessage,
  });
  assert.match(r.refused.grpcMessage, /larger than configured max/);
  assert.equal(r.cors.code, 'ERR_FETCH');
  // The only console errors: the browser reporting the blocked answer.
  assert.ok(problems.every((p) => /CORS|Failed to fetch|Failed to load resource/.test(p)), problems.join('\n'));
});
