// timing-check.mjs runs the dudect timing check (core/internal/dudect,
// command core/internal/dudect/cmd/timing) natively, as GOOS=js in Node
// and as GOOS=js in headless Chromium, prints every result line and a
// table of Welch's t per function per runtime, and exits 1 on a leak.
// scripts/timing-check.sh builds what it needs and calls it:
//
//   node timing-check.mjs NATIVE_BINARY TIMING_WASM GOROOT_LIB_WASM SECONDS CHROMIUM
//
// The page is served cross-origin isolated (COOP + COEP), so Chromium's
// clock steps by 5 µs, not 100 µs.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [nativeBin, wasmPath, wasmLib, seconds, chromiumPath] = process.argv.slice(2);
const args = ['-seconds', seconds];
const results = [];

function collect(runtime, line) {
  line = line.trim();
  if (!line.startsWith('{')) return false;
  const r = JSON.parse(line);
  if (r.done) return true;
  if (r.name === undefined) return false;
  r.runtime = runtime;
  results.push(r);
  console.log(JSON.stringify(r));
  return false;
}

function runProcess(runtime, cmd, argv) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        collect(runtime, buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    p.on('error', reject);
    // Exit status 1 is a leak, reported from the results; others are failures.
    p.on('close', (code) => (code === 0 || code === 1 ? resolve() : reject(new Error(`${runtime}: exit status ${code}`))));
  });
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>timing check</title>
<script src="wasm_exec.js"></script>
<script>
  const go = new Go();
  go.argv = ['timing', ...${JSON.stringify(args)}];
  go.exit = (code) => console.log(JSON.stringify({ exit: code }));
  console.log(JSON.stringify({ isolated: self.crossOriginIsolated }));
  WebAssembly.instantiateStreaming(fetch('timing.wasm'), go.importObject)
    .then((r) => go.run(r.instance))
    .catch((e) => console.log(JSON.stringify({ error: String(e) })));
</script>`;

async function runChromium() {
  const files = {
    '/': ['text/html', Buffer.from(PAGE)],
    '/wasm_exec.js': ['text/javascript', await readFile(join(wasmLib, 'wasm_exec.js'))],
    '/timing.wasm': ['application/wasm', await readFile(wasmPath)],
  };
  const server = createServer((req, res) => {
    const f = files[new URL(req.url, 'http://x').pathname];
    if (!f) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': f[0],
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cache-control': 'no-store',
    });
    res.end(f[1]);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const require = createRequire(new URL('../web-demo/e2e/package.json', import.meta.url));
  const { chromium } = require('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'timing-check-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await context.newPage();
    const version = context.browser()?.version() ?? '';
    const done = new Promise((resolve, reject) => {
      page.on('pageerror', (e) => reject(new Error(`page error: ${e.message}`)));
      page.on('crash', () => reject(new Error('the page crashed')));
      page.on('console', (m) => {
        const text = m.text();
        if (!text.startsWith('{')) return;
        const o = JSON.parse(text);
        if (o.error) reject(new Error(o.error));
        else if (o.isolated === false) reject(new Error('the page is not cross-origin isolated: the clock would step by 100 µs'));
        else if (o.exit !== undefined && o.exit !== 0 && o.exit !== 1) reject(new Error(`exit status ${o.exit}`));
        else if (collect(`chromium${version ? ` ${version}` : ''}`, text)) resolve();
      });
    });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await done;
  } finally {
    await context.close();
    server.close();
    await rm(profile, { recursive: true, force: true });
  }
}

await runProcess('native', nativeBin, args);
await runProcess(`node ${process.version}`, process.execPath, [join(wasmLib, 'wasm_exec_node.js'), wasmPath, ...args]);
await runChromium();

console.log('\nWelch t per function (|t| > 4.5 is a leak; t_cropped: the largest |t| after dropping outliers)');
const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad('runtime', 28)}${pad('function', 20)}${pad('ns/call (fixed, random)', 26)}${pad('measurements', 15)}${pad('t', 9)}t_cropped`);
for (const r of results) {
  const ns = r.ns_per_call.map((x) => Math.round(x)).join(', ');
  console.log(`${pad(r.runtime, 28)}${pad(r.name, 20)}${pad(ns, 26)}${pad(r.n[0] + r.n[1], 15)}${pad(r.t.toFixed(2), 9)}${r.t_cropped.toFixed(2)}${r.leak ? '  LEAK' : ''}`);
}
const leaks = results.filter((r) => r.leak);
if (leaks.length) {
  console.log(`\ntiming-check: FAIL: ${leaks.map((r) => `${r.name} in ${r.runtime}`).join(', ')}`);
  process.exitCode = 1;
} else {
  console.log(`\ntiming-check: ok: ${results.length} measurement sets, no |t| above 4.5`);
}
