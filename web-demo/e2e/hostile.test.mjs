// Issue 9 in a real browser: the module loaded by Chromium from the demo
// server (only js/src/api.js and module.js, which need no import map)
// answers nested groups and hostile JS values with WelcomePointersError
// and keeps working. scripts/test-e2e.sh sets DEMO_URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium } from 'playwright-core';

const DEMO_URL = process.env.DEMO_URL;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!DEMO_URL) throw new Error('DEMO_URL is not set: run scripts/test-e2e.sh, which starts the demo server');
if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (scripts/test-e2e.sh does)`);

async function inBrowser(t, scenario) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
    timeout: 60_000,
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught page error: ${e.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  await page.goto(new URL('healthz', DEMO_URL).href);
  const failures = await page.evaluate(scenario, new URL('js/src/', DEMO_URL).href);
  assert.deepEqual(failures, []);
  assert.deepEqual(problems, []);
}

// Runs in the page. Returns the list of what went wrong.
async function scenario(src) {
  const wp = await import(`${src}api.js`);
  const mod = await import(`${src}module.js`);
  const { WelcomePointersError } = await import(`${src}errors.js`);
  await mod.init();
  const failures = [];
  const expect = async (what, fn, code, naming) => {
    try {
      const r = await fn();
      failures.push(`${what}: returned ${r === undefined ? 'undefined' : 'a result'}, want ${code}`);
    } catch (e) {
      if (!(e instanceof WelcomePointersError)) failures.push(`${what}: threw ${e?.constructor?.name}: ${e?.message}`);
      else if (e.code !== code) failures.push(`${what}: ${e.code} (${e.message}), want ${code}`);
      else if (naming && !naming.test(e.message)) failures.push(`${what}: ${e.message} does not name ${naming}`);
    }
  };
  const recipients = [0, 1, 2].map((i) => {
    const key = wp.generateKey();
    return {
      key,
      installation: wp.installationFromExtensions({
        installationKey: Uint8Array.of(i + 1),
        wrapperEncryption: wp.encodeWrapperEncryption(key.publicKey),
        pointeeAeadTypes: wp.encodePointeeAeadTypes(),
      }),
    };
  });
  const keys = recipients.map((r) => r.key);
  const ins = recipients.map((r) => r.installation);
  const welcome = Uint8Array.of(0, 1, 0, 3, 42, 42, 42);
  const stillWorks = async (what) => {
    try {
      const inv = await wp.sealInvite(welcome, 5n, ins);
      const r = wp.openWelcome(wp.toWelcomeMessage(inv.messages[1].message, 2n, 2n), keys);
      const got = wp.openPointee(r.pointer, wp.toWelcomeMessage(inv.messages[0].message, 1n, 1n));
      const direct = wp.openWelcome(wp.toWelcomeMessage(wp.sealDirect(welcome, 5n, ins[0]), 3n, 3n), keys);
      if (got.welcome.join() !== welcome.join() || got.cursor !== 5n || direct.welcome.join() !== welcome.join()) {
        failures.push(`after ${what}: the welcome opened differs`);
      }
    } catch (e) {
      failures.push(`after ${what}: ${e?.code} ${e?.message}`);
    }
  };
  const inv = await wp.sealInvite(welcome, 5n, ins);
  const pointerMsg = wp.toWelcomeMessage(inv.messages[1].message, 2n, 2n);
  const pointeeMsg = wp.toWelcomeMessage(inv.messages[0].message, 1n, 1n);
  const pointer = wp.openWelcome(pointerMsg, keys).pointer;

  // Item 1: 9,000 nested start-group tags, a thousand times.
  const nested = new Uint8Array(9000).fill(0x7b);
  const deep = new Uint8Array(18000).fill(0x7b);
  deep.fill(0x7c, 9000);
  const withDeep = (m) => {
    const b = new Uint8Array(m.length + deep.length);
    b.set(m);
    b.set(deep, m.length);
    return b;
  };
  for (let i = 0; i < 1000 && failures.length === 0; i++) {
    await expect('inspect', () => wp.inspect(nested), 'ERR_MALFORMED');
    await expect('inputTopic', () => wp.inputTopic(nested), 'ERR_MALFORMED');
    await expect('toWelcomeMessage', () => wp.toWelcomeMessage(nested, 1n, 2n), 'ERR_MALFORMED');
    await expect('decodePointeeAeadTypes', () => wp.decodePointeeAeadTypes(nested), 'ERR_MALFORMED');
    await expect('decodeWrapperEncryption', () => wp.decodeWrapperEncryption(nested), 'ERR_MALFORMED');
    await expect('parsePointer', () => wp.parsePointer(nested.subarray(0, 4000)), 'ERR_MALFORMED');
  }
  await expect('openWelcome of a pointer with a deep group', () => wp.openWelcome(withDeep(pointerMsg), keys), 'ERR_MALFORMED');
  await expect('openPointee of a pointee with a deep group', () => wp.openPointee(pointer, withDeep(pointeeMsg)), 'ERR_MALFORMED');
  await stillWorks('nested groups');

  // Item 6: throwing getters, Proxy traps, revoked Proxies, detached
  // buffers and SharedArrayBuffer views.
  const hostile = (obj, key) => {
    const r = Proxy.revocable(obj, {});
    r.revoke();
    return {
      getter: Object.defineProperty({ ...obj }, key, { get() { throw new Error('getter'); }, enumerable: true }),
      getTrap: new Proxy(obj, { get() { throw new Error('get trap'); } }),
      ownKeysTrap: new Proxy(obj, { ownKeys() { throw new Error('ownKeys trap'); } }),
      revoked: r.proxy,
    };
  };
  const objects = [
    ['openWelcome options', (v) => wp.openWelcome(pointerMsg, keys, v), /options/, { form: 'message' }, 'form'],
    ['openWelcome keys[0]', (v) => wp.openWelcome(pointerMsg, [v]), /keys\[0\]/, keys[0], 'privateKey'],
    ['openPointee options', (v) => wp.openPointee(pointer, pointeeMsg, v), /options/, { form: 'message' }, 'form'],
    ['openPointee pointer', (v) => wp.openPointee(v, pointeeMsg), /pointer/, pointer, 'bytes'],
    ['sealDirect options', (v) => wp.sealDirect(welcome, 1n, ins[0], v), /options/, { kemId: 0x4d }, 'kemId'],
    ['sealDirect installation', (v) => wp.sealDirect(welcome, 1n, v), /installation/, ins[0], 'wrapperPublicKey'],
    ['sealInvite options', (v) => wp.sealInvite(welcome, 1n, ins, v), /options/, { kemId: 0x4d }, 'kemId'],
    ['sealInvite installations[1]', (v) => wp.sealInvite(welcome, 1n, [ins[0], v]), /installations\[1\]/, ins[1], 'installationKey'],
    ['retry.policy', (v) => wp.retry.policy(v), /policy/, { backoff: 2 }, 'backoff'],
  ];
  for (const [what, call, naming, obj, key] of objects) {
    for (const [kind, v] of Object.entries(hostile(obj, key))) {
      if (kind === 'ownKeysTrap' && !/options|policy/.test(what)) continue;
      await expect(`${what} (${kind})`, () => call(v), 'ERR_ARGUMENT', naming);
    }
  }
  const detached = new Uint8Array(pointerMsg);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  await expect('openWelcome of a detached buffer', () => wp.openWelcome(detached, keys), 'ERR_ARGUMENT', /message/);
  await expect('sealDirect of a detached buffer', () => wp.sealDirect(detached, 1n, ins[0]), 'ERR_ARGUMENT', /welcome/);
  if (typeof SharedArrayBuffer === 'function') {
    const shared = new Uint8Array(new SharedArrayBuffer(pointerMsg.length));
    shared.set(pointerMsg);
    await expect('openWelcome of a SharedArrayBuffer view', () => wp.openWelcome(shared, keys), 'ERR_ARGUMENT', /message/);
  }
  await expect('an unknown option', () => wp.openWelcome(pointerMsg, keys, { from: 'input' }), 'ERR_ARGUMENT', /"from"/);
  await stillWorks('hostile values');
  if (!mod.isInitialized()) failures.push('the module stopped');
  return failures;
}

test('nested groups and hostile JS values in Chromium: typed errors, and the module keeps working', async (t) => {
  await inBrowser(t, scenario);
});
