// The native KEM path and the worker pool in headless Chromium (Debian's,
// through playwright-core), whose WebCrypto has X-Wing (MLKEM768-X25519):
// WebCrypto's encapsulations open with the module's decapsulation and the
// reverse, for the draft's vectors and random keys; whole invites sealed on
// each path open on the other; refused keys and bad messages get the same
// errors on both paths; page content cannot steer the detection; the pool
// is started once, reused, and shut down by dispose().
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

let server;
let browser;

// One browser (playwright gives it a fresh profile), a fresh context per page.
before(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup.sh installs Debian's chromium`);
  server = await serve();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 120_000 });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A fresh page (its own context) with the package loaded; fails the test on a page error. */
async function open(t, query = '') {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  t.after(async () => {
    await context.close();
    assert.deepEqual(problems, []);
  });
  await page.goto(`${server.url}js/test/chromium/page.html${query}`, { timeout: 60_000 });
  await page.waitForFunction(() => window.ready === true, null, { timeout: 60_000 });
  return page;
}

// Helpers defined in the page, for the tests' evaluate() calls.
async function helpers(page) {
  await page.evaluate(() => {
    const { wp } = window;
    const hex = (s) => Uint8Array.from(s.match(/../g), (h) => parseInt(h, 16));
    const recipient = (key, i, { capable = true, curve = false } = {}) => ({
      key,
      installation: wp.installationFromExtensions(curve
        ? { installationKey: Uint8Array.of(i, 1), initKey: key.publicKey }
        : {
            installationKey: Uint8Array.of(i, 2),
            wrapperEncryption: wp.encodeWrapperEncryption(key.publicKey),
            pointeeAeadTypes: capable ? wp.encodePointeeAeadTypes() : null,
          }),
    });
    // Publishes an invite as a node would and opens every recipient's
    // message with open(message, key), and the pointee; returns the kinds.
    const openAll = async (invite, recipients, welcome, cursor, openMessage, openPointee = (p, m) => wp.openPointee(p, m)) => {
      const messages = new Map();
      let id = 1;
      for (const m of invite.messages) messages.set(wp.toHex(m.installationKey), wp.toWelcomeMessage(m.message, id++, 1));
      const kinds = [];
      for (const r of recipients) {
        const got = await openMessage(messages.get(wp.toHex(r.installation.installationKey)), [wp.generateKey(), r.key]);
        kinds.push(got.kind);
        const opened = got.kind === 'pointer' ? await openPointee(got.pointer, messages.get(got.pointer.destination)) : got;
        if (wp.toHex(opened.welcome) !== wp.toHex(welcome) || opened.cursor !== cursor) throw new Error(`recipient ${kinds.length - 1} opened another welcome`);
      }
      return kinds;
    };
    const errorOf = async (f) => {
      try {
        await f();
        return null;
      } catch (e) {
        return { name: e.constructor.name, code: e.code, message: e.message };
      }
    };
    window.t = { hex, recipient, openAll, errorOf };
  });
}

test('WebCrypto is X-Wing draft 06: the draft vectors, and encapsulations across the two KEMs', async (t) => {
  const page = await open(t);
  await helpers(page);
  const r = await page.evaluate(async () => {
    const { wp, t: h } = window;
    await wp.init();
    const out = { support: await wp.webCryptoSupport() };
    const { vectors } = await (await fetch('/core/internal/xwing/testdata/draft06-vectors.json')).json();
    const S = crypto.subtle;
    const A = { name: 'MLKEM768-X25519' };
    out.vectors = [];
    for (const v of vectors) {
      const sk = await S.importKey('raw-seed', h.hex(v.seed), A, false, ['decapsulateBits']);
      const pk = wp.toHex(new Uint8Array(await S.exportKey('raw-public', await S.getPublicKey(sk, ['encapsulateBits']))));
      const ss = wp.toHex(new Uint8Array(await S.decapsulateBits(A, sk, h.hex(v.ciphertext))));
      out.vectors.push({ publicKey: pk === v.public_key, sharedSecret: ss === v.shared_secret });
    }
    // The vectors' keys and random ones, as recipients: WebCrypto's
    // encapsulations open with the module's decapsulation, and the module's
    // with WebCrypto's.
    const keys = vectors.map((v) => wp.loadKey(wp.Algorithm.XWING, h.hex(v.seed)));
    for (let i = 0; i < 20; i++) keys.push(wp.generateKey());
    const recipients = keys.map((k, i) => h.recipient(k, i));
    const ins = recipients.map((x) => x.installation);
    const welcome = crypto.getRandomValues(new Uint8Array(3000));
    const native = await wp.sealInvite(welcome, 7n, ins, { webCrypto: 'require' });
    out.nativeOpenedByModule = await h.openAll(native, recipients, welcome, 7n, (m, k) => wp.openWelcome(m, k));
    const wasm = await wp.sealInvite(welcome, 8n, ins, { webCrypto: 'never' });
    out.moduleOpenedByWebCrypto = await h.openAll(wasm, recipients, welcome, 8n, (m, k) => wp.openWelcomeAsync(m, k, { webCrypto: 'require' }));
    // The deployed KEM id by default, 0x647a on request, on both paths.
    const ids = [];
    for (const webCrypto of ['require', 'never']) {
      for (const kemId of [undefined, wp.KemId.XWING]) {
        const inv = await wp.sealInvite(welcome, 1n, ins.slice(0, 3), { webCrypto, kemId });
        ids.push((await wp.openWelcomeAsync(inv.messages[1].message, [keys[0]], { form: 'input', webCrypto: webCrypto === 'require' ? 'never' : 'require' })).kemId);
      }
    }
    out.ids = ids;
    return out;
  });
  assert.deepEqual(r.support, { kem: true, aead: true, reason: '' });
  assert.deepEqual(r.vectors, Array(3).fill({ publicKey: true, sharedSecret: true }));
  assert.deepEqual(r.nativeOpenedByModule, Array(23).fill('pointer'));
  assert.deepEqual(r.moduleOpenedByWebCrypto, Array(23).fill('pointer'));
  assert.deepEqual(r.ids, [0x004d, 0x647a, 0x004d, 0x647a]);
});

test('a whole invite sealed on each path opens on the other, direct welcomes too', async (t) => {
  const page = await open(t);
  await helpers(page);
  const r = await page.evaluate(async () => {
    const { wp, t: h } = window;
    await wp.init();
    const recipients = [];
    for (let i = 0; i < 40; i++) recipients.push(h.recipient(wp.generateKey(), i));
    recipients.splice(5, 0, h.recipient(wp.generateKey(), 100, { capable: false }));
    recipients.splice(17, 0, h.recipient(wp.generateKey(wp.Algorithm.CURVE25519), 101, { curve: true }));
    const ins = recipients.map((x) => x.installation);
    const welcome = crypto.getRandomValues(new Uint8Array(50_000));
    const out = {};
    const progress = [];
    const native = await wp.sealInvite(welcome, 1n << 40n, ins, { onProgress: (d, n) => progress.push([d, n]) });
    out.progressEnd = progress.at(-1);
    const wasm = await wp.sealInvite(welcome, 1n << 40n, ins, { webCrypto: 'never' });
    const shape = (inv) => ({ kinds: inv.messages.map((m) => m.kind), keys: inv.messages.slice(1).map((m) => wp.toHex(m.installationKey)),
      sizes: inv.messages.map((m) => m.message.length), pointers: inv.pointers, direct: inv.direct, size: inv.size });
    out.sameShape = JSON.stringify(shape(native)) === JSON.stringify(shape(wasm));
    out.a = await h.openAll(native, recipients, welcome, 1n << 40n, (m, k) => wp.openWelcome(m, k));
    const pointeeNative = (p, m) => wp.openPointeeAsync(p, m, { webCrypto: 'require' });
    out.b = await h.openAll(wasm, recipients, welcome, 1n << 40n, (m, k) => wp.openWelcomeAsync(m, k), pointeeNative);
    out.c = await h.openAll(native, recipients, welcome, 1n << 40n, (m, k) => wp.openWelcomeAsync(m, k), pointeeNative);
    // A pointee that does not open, or is not one, says so the same way on both paths.
    const pointee = wp.toWelcomeMessage(native.messages[0].message, 1, 1);
    const got = wp.openWelcome(wp.toWelcomeMessage(native.messages[1].message, 2, 1), [recipients[0].key]);
    const flipped = pointee.slice();
    flipped[1000] ^= 1;
    out.pointeeErrors = [];
    for (const [p, m] of [[got.pointer, flipped], [got.pointer, wp.toWelcomeMessage(native.messages[1].message, 2, 1)], [got.pointer, pointee.subarray(0, 500)]]) {
      out.pointeeErrors.push([await h.errorOf(() => wp.openPointee(p, m)), await h.errorOf(() => wp.openPointeeAsync(p, m, { webCrypto: 'require' }))]);
    }
    return out;
  });
  const kinds = Array(42).fill('pointer');
  kinds[5] = 'direct';
  kinds[17] = 'direct';
  assert.ok(r.sameShape);
  assert.deepEqual(r.progressEnd, [42, 42]);
  assert.deepEqual(r.a, kinds);
  assert.deepEqual(r.b, kinds);
  assert.deepEqual(r.c, kinds);
  assert.deepEqual(r.pointeeErrors.map(([a]) => a.code), ['ERR_DECRYPT', 'ERR_NOT_POINTEE', 'ERR_MALFORMED']);
  for (const [a, b] of r.pointeeErrors) assert.deepEqual(b, a);
});

test('keys one of the KEMs would refuse, and bad messages: the same errors on both paths', async (t) => {
  const page = await open(t);
  await helpers(page);
  const r = await page.evaluate(async () => {
    const { wp, t: h } = window;
    await wp.init();
    const recipients = [0, 1, 2, 3].map((i) => h.recipient(wp.generateKey(), i));
    const good = recipients[0].installation.wrapperPublicKey;
    const weak = {
      'low-order X25519 half': (() => { const k = good.slice(); k.fill(0, 1184); k[1184] = 1; return k; })(),
      'all-zero X25519 half': (() => { const k = good.slice(); k.fill(0, 1184); return k; })(),
      'all-zero ML-KEM half': (() => { const k = good.slice(); k.fill(0, 0, 1184); return k; })(),
      'ML-KEM coefficient above q': (() => { const k = good.slice(); k[0] = 0xff; k[1] |= 0x0f; return k; })(),
      'all zero': new Uint8Array(1216),
      'one byte short': good.slice(0, 1215),
    };
    const out = {};
    for (const [name, key] of Object.entries(weak)) {
      const ins = recipients.map((x) => x.installation);
      ins[2] = { ...ins[2], wrapperPublicKey: key };
      out[name] = await Promise.all(['require', 'never'].map((webCrypto) => h.errorOf(() => wp.sealInvite(Uint8Array.of(1, 2), 1n, ins, { webCrypto }))));
      out[`${name}, workers`] = await h.errorOf(() => wp.sealInvite(Uint8Array.of(1, 2), 1n, ins, { webCrypto: 'require', workers: 2 }));
      // WebCrypto's own answer to such a key, for the record.
      out[`${name}, WebCrypto import`] = await h.errorOf(() => crypto.subtle.importKey('raw-public', key, { name: 'MLKEM768-X25519' }, false, ['encapsulateBits']));
    }
    const inv = await wp.sealInvite(Uint8Array.of(1, 2), 1n, recipients.map((x) => x.installation));
    const msg = wp.toWelcomeMessage(inv.messages[1].message, 1, 1);
    const keys = [recipients[0].key];
    const pubAt = wp.toHex(msg).indexOf(wp.toHex(recipients[0].key.publicKey)) / 2;
    const bad = {
      garbage: [Uint8Array.of(0xff, 1, 2), keys],
      'published form': [inv.messages[1].message, keys],
      'no matching key': [msg, [wp.generateKey()]],
      pointee: [wp.toWelcomeMessage(inv.messages[0].message, 2, 2), keys],
      // The sealed pointer (encapsulation, then AEAD ciphertext) comes just before the public key.
      'flipped ciphertext': [(() => { const m = msg.slice(); m[pubAt - 10] ^= 1; return m; })(), keys],
      'flipped encapsulation': [(() => { const m = msg.slice(); m[pubAt - 700] ^= 1; return m; })(), keys],
      'bad key': [msg, [{ algorithm: 2, privateKey: new Uint8Array(31) }]],
      'keys not an array': [msg, keys[0]],
      'unknown option': [msg, keys, { from: 'input' }],
    };
    out.open = {};
    for (const [name, [m, k, o]] of Object.entries(bad)) {
      out.open[name] = [await h.errorOf(() => wp.openWelcome(m, k, o)), await h.errorOf(() => wp.openWelcomeAsync(m, k, { ...o, webCrypto: 'require' }))];
    }
    return out;
  });
  for (const [name, v] of Object.entries(r)) {
    if (name === 'open') continue;
    if (name.endsWith('WebCrypto import')) continue;
    if (name.endsWith(', workers')) {
      assert.deepEqual(v, r[name.slice(0, -', workers'.length)][1], name);
      continue;
    }
    assert.ok(v[0] && v[0].code === 'ERR_INVALID_KEY', `${name}: ${JSON.stringify(v[0])}`);
    assert.deepEqual(v[0], v[1], name);
  }
  for (const [name, [a, b]] of Object.entries(r.open)) {
    assert.ok(a, `${name}: openWelcome did not fail`);
    // The options are read by each function itself, which names itself.
    if (name === 'unknown option') assert.equal(b.code, a.code);
    else assert.deepEqual(b, a, name);
  }
  assert.equal(r.open['flipped ciphertext'][0].code, 'ERR_DECRYPT');
  assert.equal(r.open['flipped encapsulation'][0].code, 'ERR_DECRYPT');
});

test('page content cannot steer the detection', async (t) => {
  for (const patch of ['constant', 'zeros', 'missing', 'aead']) {
    await t.test(`a page that patches SubtleCrypto first (${patch})`, async (t) => {
      const page = await open(t, `?patch=${patch}`);
      await helpers(page);
      const r = await page.evaluate(async () => {
        const { wp, t: h } = window;
        await wp.init();
        const recipients = [0, 1, 2].map((i) => h.recipient(wp.generateKey(), i));
        const welcome = Uint8Array.of(9, 9, 9);
        const inv = await wp.sealInvite(welcome, 3n, recipients.map((x) => x.installation));
        return {
          support: await wp.webCryptoSupport(),
          opened: await h.openAll(inv, recipients, welcome, 3n, (m, k) => wp.openWelcomeAsync(m, k), (p, m) => wp.openPointeeAsync(p, m)),
          forced: await h.errorOf(() => wp.sealInvite(welcome, 3n, recipients.map((x) => x.installation), { webCrypto: 'require' })),
        };
      });
      if (patch === 'aead') {
        assert.deepEqual([r.support.kem, r.support.aead], [true, false]);
        assert.match(r.support.reason, /^ChaCha20-Poly1305: /);
      } else {
        assert.equal(r.support.kem, false);
        assert.match(r.support.reason, /^X-Wing: /);
        assert.equal(r.forced.code, 'ERR_UNSUPPORTED');
      }
      assert.deepEqual(r.opened, ['pointer', 'pointer', 'pointer']);
    });
  }
  await t.test('a page that patches SubtleCrypto after init()', async (t) => {
    const page = await open(t);
    await helpers(page);
    const r = await page.evaluate(async () => {
      const { wp, t: h } = window;
      await wp.init();
      const support = await wp.webCryptoSupport();
      SubtleCrypto.prototype.encapsulateBits = async () => ({ sharedKey: new ArrayBuffer(32), ciphertext: new ArrayBuffer(1120) });
      SubtleCrypto.prototype.decapsulateBits = async () => new ArrayBuffer(32);
      const recipients = [0, 1, 2].map((i) => h.recipient(wp.generateKey(), i));
      const welcome = Uint8Array.of(7);
      const inv = await wp.sealInvite(welcome, 3n, recipients.map((x) => x.installation), { webCrypto: 'require' });
      return { support, opened: await h.openAll(inv, recipients, welcome, 3n, (m, k) => wp.openWelcomeAsync(m, k, { webCrypto: 'require' })) };
    });
    assert.equal(r.support.kem, true);
    assert.deepEqual(r.opened, ['pointer', 'pointer', 'pointer']);
  });
});

test('the pool: started by init, reused by every invite, WebCrypto in the workers, shut down by dispose()', async (t) => {
  const page = await open(t);
  await helpers(page);
  const r = await page.evaluate(async () => {
    const { wp, t: h, workerStats } = window;
    await wp.init({ workers: 2 });
    const out = { afterInit: workerStats() };
    const recipients = [];
    for (let i = 0; i < 64; i++) recipients.push(h.recipient(wp.generateKey(), i));
    const ins = recipients.map((x) => x.installation);
    const welcome = crypto.getRandomValues(new Uint8Array(10_000));
    out.parallel = [];
    for (const webCrypto of ['require', 'require', 'never']) {
      const inv = await wp.sealInvite(welcome, 5n, ins, { workers: 2, webCrypto });
      out.parallel.push(inv.parallel);
      const kinds = await h.openAll(inv, recipients, welcome, 5n, (m, k) => wp.openWelcome(m, k));
      if (kinds.some((k) => k !== 'pointer')) throw new Error('not all pointers');
    }
    out.afterInvites = workerStats();
    // A seal in flight finishes; dispose() then terminates the workers.
    const sealing = wp.sealInvite(welcome, 6n, ins, { workers: 2 });
    const disposing = wp.dispose();
    out.inFlight = (await sealing).pointers;
    await disposing;
    out.afterDispose = workerStats();
    out.after = await h.errorOf(() => wp.sealInvite(welcome, 6n, ins, { workers: 2 }));
    return out;
  });
  assert.deepEqual(r.afterInit, { spawned: 2, live: 2 });
  assert.deepEqual(r.parallel, [{ workers: 2 }, { workers: 2 }, { workers: 2 }]);
  assert.deepEqual(r.afterInvites, { spawned: 2, live: 2 });
  assert.equal(r.inFlight, 64);
  assert.deepEqual(r.afterDispose, { spawned: 2, live: 0 });
  assert.equal(r.after.code, 'ERR_NOT_INITIALIZED');
});
