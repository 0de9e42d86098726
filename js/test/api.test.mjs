// The module's API against the built WebAssembly module: keys, key
// package extensions, the sender -> recipients flow, inspection, the
// retry schedule, and the error code of every kind of bad input.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  FakeNetwork,
  fakeWelcome,
  makeRecipients,
  pb,
  pbDecode,
  ready,
  rejectsWith,
  throwsWith,
  welcomeMessagePointer,
  welcomeMessageV1,
  wp,
} from './helpers.mjs';

const { Algorithm, ErrorCode: E } = wp;

before(ready);

describe('init and versions', () => {
  test('the JS version equals package.json and the module', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    assert.equal(wp.VERSION, pkg.version);
    const info = await wp.init();
    assert.deepEqual(info, { version: pkg.version, namespace: wp.NAMESPACE });
    assert.equal(globalThis[wp.NAMESPACE].version, pkg.version);
  });

  test('init is idempotent and returns the same promise', async () => {
    assert.equal(wp.init(), wp.init());
    assert.equal(wp.init({ wasmURL: undefined }), wp.init());
    assert.ok(wp.isInitialized());
  });

  test('init refuses misuse', async () => {
    await rejectsWith(() => wp.init({ wasmUrl: 'x' }), E.ARGUMENT, /unknown option "wasmUrl"/);
    await rejectsWith(() => wp.init({ wasmURL: 'a', wasmModule: new Uint8Array() }), E.ARGUMENT, /not both/);
    await rejectsWith(() => wp.init('x'), E.ARGUMENT);
    await rejectsWith(() => wp.init({ wasmURL: 42 }), E.ARGUMENT);
    await rejectsWith(() => wp.init({ wasmURL: new URL('file:///elsewhere.wasm') }), E.ALREADY_INITIALIZED);
  });

  test('one namespace object on globalThis', () => {
    const ns = globalThis[wp.NAMESPACE];
    assert.equal(typeof ns, 'object');
    assert.equal(Object.keys(globalThis).filter((k) => k.startsWith('__welcomePointers')).length, 1);
    for (const f of ['generateKey', 'sealInvite', 'openWelcome', 'openPointee', 'inspect']) assert.equal(typeof ns[f], 'function');
    assert.equal(typeof ns.retry.newPending, 'function');
    assert.deepEqual(
      Object.keys(ns)
        .filter((k) => typeof ns[k] === 'function' && !ns.operations.includes(k))
        .sort(),
      ['dispose', 'setErrorClass'],
    );
  });

  // Issue 12: the two bridges and the package must offer the same
  // operations. The module lists its own (from the Go table,
  // internal/ops); the package must export a function for each, and its
  // types declare each.
  test('the package exports every operation of the module, with its type', () => {
    const ns = globalThis[wp.NAMESPACE];
    const internal = new Set(ns.internalOperations);
    const names = ns.operations.filter((name) => !internal.has(name));
    assert.ok(names.length >= 30, `the module lists ${names.length} operations`);
    const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8');
    // The JS-only operations (the table says which) are the package's
    // machinery for its WebCrypto paths: it calls each, and exports none.
    assert.ok(internal.size > 0, 'the module lists no internal operations');
    const src = ['api.js', 'native.js', 'parallel.js', 'worker.js'].map((f) => readFileSync(new URL(`../src/${f}`, import.meta.url), 'utf8')).join('\n');
    for (const name of internal) {
      assert.ok(ns.operations.includes(name), `${name} is internal but not an operation`);
      assert.match(src, new RegExp(`callGo(Async)?\\('${name}'`), `the package never calls ${name}`);
      assert.equal(wp[name], undefined, `the package exports its internal ${name}`);
    }
    for (const name of names) {
      const path = name.split('.');
      let v = wp;
      for (const p of path) v = v?.[p];
      assert.equal(typeof v, 'function', `the package lacks ${name}`);
      const declared =
        path.length === 1 ? new RegExp(`export declare function ${path[0]}\\(`) : new RegExp(`export declare const ${path[0]}: \\{[^]*?\\n  ${path[1]}\\(`);
      assert.match(dts, declared, `index.d.ts does not declare ${name}`);
    }
  });

  test('JS constants match the module', () => {
    const c = globalThis[wp.NAMESPACE].constants;
    assert.equal(c.algorithm.CURVE25519, wp.Algorithm.CURVE25519);
    assert.equal(c.algorithm.XWING_MLKEM_768_DRAFT_6, wp.Algorithm.XWING);
    assert.equal(c.algorithm.SYMMETRIC_KEY, wp.Algorithm.SYMMETRIC_KEY);
    assert.equal(c.aeadType.CHACHA20_POLY1305, wp.AeadType.CHACHA20_POLY1305);
    assert.equal(c.kemId.XWING_DEPLOYED, wp.KemId.XWING_DEPLOYED);
    assert.equal(c.kemId.XWING, wp.KemId.XWING);
    assert.equal(c.extension.WRAPPER_ENCRYPTION, wp.ExtensionType.WRAPPER_ENCRYPTION);
    assert.equal(c.extension.POINTEE_AEAD_TYPES, wp.ExtensionType.POINTEE_AEAD_TYPES);
    assert.equal(c.minPointerInstallations, wp.MIN_POINTER_INSTALLATIONS);
    assert.equal(c.defaultMaxMessageSize, wp.DEFAULT_MAX_MESSAGE_SIZE);
  });
});

describe('keys and key package extensions', () => {
  test('X-Wing and Curve25519 keys round-trip through bytes', () => {
    for (const [alg, pub] of [
      [Algorithm.XWING, 1216],
      [Algorithm.CURVE25519, 32],
    ]) {
      const k = wp.generateKey(alg);
      assert.equal(k.algorithm, alg);
      assert.equal(k.privateKey.length, 32);
      assert.equal(k.publicKey.length, pub);
      const l = wp.loadKey(alg, k.privateKey);
      assert.deepEqual(l.publicKey, k.publicKey);
      wp.validatePublicKey(alg, k.publicKey);
    }
    assert.equal(wp.generateKey().algorithm, Algorithm.XWING);
  });

  test('extension payloads encode and decode', () => {
    const k = wp.generateKey();
    const ff03 = wp.encodeWrapperEncryption(k.publicKey);
    const d = wp.decodeWrapperEncryption(ff03);
    assert.equal(d.algorithm, Algorithm.XWING);
    assert.deepEqual(d.publicKey, k.publicKey);
    const ff04 = wp.encodePointeeAeadTypes();
    assert.deepEqual([...ff04], [0x0a, 0x01, 0x03]);
    assert.deepEqual(wp.decodePointeeAeadTypes(ff04), [3]);
    // Unknown AEAD types from newer clients are kept when decoding.
    assert.deepEqual(wp.decodePointeeAeadTypes(Uint8Array.of(0x0a, 0x02, 0x03, 0x07)), [3, 7]);
    const inst = wp.installationFromExtensions({ installationKey: Uint8Array.of(1), wrapperEncryption: ff03, pointeeAeadTypes: ff04 });
    assert.equal(inst.pointerCapable, true);
    const old = wp.installationFromExtensions({ installationKey: Uint8Array.of(2), initKey: wp.generateKey(Algorithm.CURVE25519).publicKey });
    assert.equal(old.wrapperAlgorithm, Algorithm.CURVE25519);
    assert.equal(old.pointeeAeadTypes, null);
    assert.equal(old.pointerCapable, false);
  });
});

describe('sender to recipients', () => {
  test('4 installations: pointee first, then one pointer each, all open', async () => {
    const recipients = makeRecipients(4);
    const welcome = fakeWelcome(20_000);
    const progress = [];
    const invite = await wp.sealInvite(
      welcome,
      1234n,
      recipients.map((r) => r.installation),
      {
        onProgress: (d, t) => progress.push([d, t]),
      },
    );
    assert.deepEqual(
      invite.messages.map((m) => m.kind),
      ['pointee', 'pointer', 'pointer', 'pointer', 'pointer'],
    );
    assert.equal(invite.pointers, 4);
    assert.equal(invite.direct, 0);
    assert.deepEqual(invite.messages[0].installationKey, invite.destination);
    assert.deepEqual(progress.at(-1), [4, 4]);

    const net = new FakeNetwork();
    for (const m of invite.messages) net.publish(m.message);
    const pointee = net.messages(invite.destination)[0];
    const ids = new Set();
    for (const r of recipients) {
      const [msg] = net.messages(r.installationKey);
      // Every installation's key list may hold other keys, too.
      const got = wp.openWelcome(msg, [wp.generateKey(), r.key]);
      assert.equal(got.kind, 'pointer');
      assert.equal(got.kemId, wp.KemId.XWING_DEPLOYED);
      assert.deepEqual(got.installationKey, r.installationKey);
      assert.equal(typeof got.id, 'bigint');
      assert.equal(got.pointer.destination, wp.toHex(invite.destination));
      assert.deepEqual(got.pointer.topic, invite.destination);
      assert.deepEqual(got.pointer.decentralizedTopic, Uint8Array.of(1, ...invite.destination));
      ids.add(got.pointer.id);
      const opened = wp.openPointee(got.pointer, pointee);
      assert.deepEqual(opened.welcome, welcome);
      assert.equal(opened.cursor, 1234n);
      assert.equal(opened.hasCursor, true);
      // The stored form opens it too.
      assert.deepEqual(wp.openPointee(got.pointer.bytes, pointee).welcome, welcome);
    }
    // All pointers of one invite carry the same plaintext: one identity.
    assert.equal(ids.size, 1);
  });

  test('3 capable of 5: pointers for 3, direct welcomes for the others', async () => {
    const recipients = makeRecipients(5, 3, { curve: true });
    const welcome = fakeWelcome(3000);
    const invite = await wp.sealInvite(
      welcome,
      7,
      recipients.map((r) => r.installation),
    );
    assert.deepEqual(
      invite.messages.map((m) => m.kind),
      ['pointee', 'pointer', 'pointer', 'pointer', 'direct', 'direct'],
    );
    const net = new FakeNetwork();
    for (const m of invite.messages) net.publish(m.message);
    for (const r of recipients.slice(3)) {
      const got = wp.openWelcome(net.messages(r.installationKey)[0], [r.key]);
      assert.equal(got.kind, 'direct');
      assert.equal(got.kemId, 0);
      assert.deepEqual(got.welcome, welcome);
      assert.equal(got.cursor, 7n);
    }
  });

  test('direct fallback with 2 capable installations', async () => {
    const recipients = makeRecipients(2);
    const welcome = fakeWelcome(1000);
    const invite = await wp.sealInvite(
      welcome,
      0,
      recipients.map((r) => r.installation),
    );
    assert.deepEqual(
      invite.messages.map((m) => m.kind),
      ['direct', 'direct'],
    );
    assert.equal(invite.destination, null);
    for (const [i, r] of recipients.entries()) {
      const got = wp.openWelcome(invite.messages[i].message, [r.key], { form: 'input' });
      assert.equal(got.kind, 'direct');
      assert.equal(got.kemId, wp.KemId.XWING_DEPLOYED);
      assert.deepEqual(got.welcome, welcome);
      assert.equal(got.cursor, 0n);
      assert.equal(got.hasCursor, true);
      assert.equal(got.id, 0n);
    }
  });

  test('sealDirect and the registered KEM id 0x647a', () => {
    const [r] = makeRecipients(1);
    const msg = wp.sealDirect(fakeWelcome(100), 2n ** 64n - 1n, r.installation, { kemId: wp.KemId.XWING });
    const got = wp.openWelcome(msg, [r.key], { form: 'input' });
    assert.equal(got.kemId, wp.KemId.XWING);
    assert.equal(got.cursor, 2n ** 64n - 1n);
  });

  test('sealing yields to the event loop and can be aborted', async (t) => {
    // Enough installations that sealing spans several yield slices
    // (about 20 ms each) however fast the machine: the abort comes from
    // the first progress report, so the test does not race a timer.
    const recipients = makeRecipients(250);
    const ins = recipients.map((r) => r.installation);
    let ticks = 0;
    const interval = setInterval(() => ticks++, 0);
    t.after(() => clearInterval(interval)); // a failed assertion must not keep the process alive
    const controller = new AbortController();
    let reports = 0;
    const p = wp.sealInvite(fakeWelcome(), 1, ins, {
      signal: controller.signal,
      onProgress: (done, total) => {
        reports++;
        if (done < total) controller.abort();
        throw new Error('ignored');
      },
    });
    await rejectsWith(() => p, E.ABORTED);
    assert.ok(reports > 0, 'progress was reported before the abort');
    clearInterval(interval);
    assert.ok(ticks > 0, 'the event loop ran while sealing');
    // An already aborted signal rejects at once.
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 1, ins, { signal: AbortSignal.abort() }), E.ABORTED);
    // A progress callback that throws does not break sealing.
    const inv = await wp.sealInvite(fakeWelcome(), 1, ins.slice(0, 3), {
      onProgress: () => {
        throw new Error('x');
      },
    });
    assert.equal(inv.pointers, 3);
  });
});

describe('inspect', () => {
  test('every wire message has a JSON-friendly view', async () => {
    const recipients = makeRecipients(3);
    const invite = await wp.sealInvite(
      fakeWelcome(500),
      99,
      recipients.map((r) => r.installation),
    );
    const msg = wp.toWelcomeMessage(invite.messages[1].message, 5, 6);
    const v = wp.inspect(msg);
    assert.equal(v.kind, 'welcome_message');
    assert.equal(v.welcomePointer.wrapperAlgorithm, 'XWING_MLKEM_768_DRAFT_6');
    assert.equal(v.welcomePointer.id, '5');
    JSON.stringify(v);
    assert.equal(wp.inspect(invite.messages[0].message).kind, 'welcome_message_input');
    assert.equal(wp.inspect(invite.messages[0].message).version, 'v1 (pointee)');
    const got = wp.openWelcome(msg, [recipients[0].key]);
    const pv = wp.inspect(got.pointer.bytes, 'welcome_pointer');
    assert.equal(pv.welcomeV1Pointer.aeadType, 'CHACHA20_POLY1305');
    assert.equal(pv.welcomeV1Pointer.destination, got.pointer.destination);
    assert.equal(wp.inspect(wp.encodePointeeAeadTypes(), 'pointee_aead_types').supportedAeadTypes[0], 'CHACHA20_POLY1305');
    assert.equal(wp.inspect(wp.encodeWrapperEncryption(recipients[0].key.publicKey), 'wrapper_encryption').algorithm, 'XWING_MLKEM_768_DRAFT_6');
    assert.equal(wp.inspect(Uint8Array.of(8, 42), 'welcome_metadata').messageCursor, '42');
  });
});

describe('retry schedule from the core', () => {
  test('defaults are the deployed values', () => {
    const p = wp.retry.defaultPolicy();
    assert.deepEqual(p, {
      firstRetryMs: 300_000,
      backoff: 1.5,
      maxDelayMs: 7_200_000,
      expiryMs: 259_200_000,
      maxAttempts: 100,
      quick: { attempts: 5, initialMs: 50, factor: 3, jitterMs: 25, perTryMs: 30_000, totalMs: 120_000 },
    });
    assert.deepEqual(wp.retry.policy({ maxAttempts: 3 }), { ...p, maxAttempts: 3 });
  });

  test('newPending, failed, check, isDue, delay, quickDelay', () => {
    const t = 1_700_000_000_000;
    const s = wp.retry.newPending(undefined, t, t);
    assert.deepEqual(s, { attempts: 0, nextAttemptMs: t + 300_000, expiresAtMs: t + 259_200_000, drop: null });
    assert.equal(wp.retry.isDue(undefined, s, t), false);
    assert.equal(wp.retry.isDue(undefined, s, t + 300_000), true);
    const f = wp.retry.failed(undefined, s, t + 300_000);
    assert.equal(f.attempts, 1);
    assert.equal(f.nextAttemptMs, t + 300_000 + 450_000);
    assert.equal(wp.retry.check(undefined, s, t + 259_200_000), 'ERR_EXPIRED');
    assert.equal(wp.retry.check(undefined, { ...s, attempts: 100 }, t), 'ERR_ATTEMPTS_EXHAUSTED');
    assert.equal(wp.retry.check(undefined, s, t), null);
    assert.equal(wp.retry.newPending(undefined, t - 259_200_000, t).drop, 'ERR_EXPIRED');
    assert.equal(wp.retry.delay(undefined, 100), 7_200_000);
    assert.equal(wp.retry.quickDelay(undefined, 0, 10), 0);
    assert.equal(wp.retry.quickDelay(undefined, 1, 10), 60);
    assert.equal(wp.retry.quickDelay(undefined, 2, 99), 175);
  });

  test('quickNext and keepUntil: the quick phase and the settled ids, decided by the core', () => {
    const t = 1_700_000_000_000;
    assert.deepEqual(wp.retry.quickNext(undefined, 1, 0, 0), { more: true, waitMs: 50 });
    assert.deepEqual(wp.retry.quickNext(undefined, 2, 10, 5), { more: true, waitMs: 155 });
    assert.equal(wp.retry.quickNext(undefined, 5, 0, 0).more, false);
    assert.equal(wp.retry.quickNext(undefined, 1, 119_950, 0).more, false);
    assert.equal(wp.retry.keepUntil(undefined, t, t + 5), t + 5 + 259_200_000);
    assert.equal(wp.retry.keepUntil(undefined, t + 10, t), t + 10 + 259_200_000);
  });

  test('a schedule validates its policy once and decides on it', () => {
    const s = wp.retry.schedule({ maxAttempts: 2 });
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.policy));
    assert.equal(s.policy.maxAttempts, 2);
    const t = 1_700_000_000_000;
    let st = s.newPending(t, t);
    st = s.failed(st, t);
    st = s.failed(st, t);
    assert.equal(st.drop, 'ERR_ATTEMPTS_EXHAUSTED');
    assert.equal(s.quickDelay(1, 0), 50);
    assert.throws(
      () => wp.retry.schedule({ backoff: 0 }),
      (e) => e.code === E.ARGUMENT,
    );
  });

  test("an error's detail is its message without what its code says", () => {
    try {
      wp.generateKey('2');
      assert.fail('no error');
    } catch (e) {
      assert.equal(e.code, E.ARGUMENT);
      assert.equal(e.detail, 'algorithm must be a number, got string');
    }
    try {
      wp.parsePointer(new Uint8Array([1, 2, 3]));
      assert.fail('no error');
    } catch (e) {
      assert.equal(e.code, E.MALFORMED);
      assert.ok(!e.detail.includes('malformed message') && !e.detail.startsWith('welcome pointers'), e.detail);
    }
    assert.equal(new wp.WelcomePointersError(E.STORE, 'welcome pointers: quota').detail, 'quota');
  });

  test('isFinal: which failures end a pending pointer, from the core', () => {
    for (const c of [E.DECRYPT, E.NOT_POINTEE, E.TOO_LARGE]) assert.equal(wp.isFinal(c), true, c);
    for (const c of [E.MALFORMED, E.FETCH, E.TIMEOUT, E.NOT_FOUND, E.EXPIRED]) assert.equal(wp.isFinal(c), false, c);
    assert.equal(wp.isFinal(new wp.WelcomePointersError(E.DECRYPT, 'x')), true);
    assert.equal(wp.isFinal(undefined), false);
  });
});

describe('bad input yields typed errors', () => {
  let r;
  let pointerMsg;
  let pointeeMsg;
  let pointer;
  before(async () => {
    const recipients = makeRecipients(3);
    r = recipients[0];
    const invite = await wp.sealInvite(
      fakeWelcome(),
      5,
      recipients.map((x) => x.installation),
    );
    pointeeMsg = wp.toWelcomeMessage(invite.messages[0].message, 1, 1);
    pointerMsg = wp.toWelcomeMessage(invite.messages[1].message, 2, 2);
    pointer = wp.openWelcome(pointerMsg, [r.key]).pointer;
  });

  test('calls with wrong types', () => {
    throwsWith(() => wp.generateKey('2'), E.ARGUMENT, /algorithm must be a number, got string/);
    throwsWith(() => wp.generateKey(2.5), E.ARGUMENT, /integer/);
    throwsWith(() => wp.generateKey(-1), E.ARGUMENT);
    throwsWith(() => wp.generateKey(10n), E.ARGUMENT, /bigint/);
    throwsWith(() => wp.loadKey(2, 'key'), E.ARGUMENT);
    throwsWith(() => wp.loadKey(2, [1, 2, 3]), E.ARGUMENT, /Uint8Array, got array/);
    throwsWith(() => wp.loadKey(2, new Uint16Array(16)), E.ARGUMENT, /Uint16Array/);
    throwsWith(() => wp.loadKey(2, new Uint8Array(32).buffer), E.ARGUMENT);
    throwsWith(() => wp.openWelcome(pointerMsg, 'keys'), E.ARGUMENT);
    throwsWith(() => wp.openWelcome(pointerMsg, [null]), E.ARGUMENT);
    throwsWith(() => wp.openWelcome(pointerMsg, [{ algorithm: 2 }]), E.ARGUMENT);
    throwsWith(() => wp.openWelcome(pointerMsg, [r.key], { form: 'json' }), E.ARGUMENT);
    throwsWith(() => wp.openWelcome(pointerMsg, [r.key], 'message'), E.ARGUMENT);
    throwsWith(() => wp.openPointee({}, pointeeMsg), E.ARGUMENT);
    throwsWith(() => wp.inspect(pointerMsg, 'protobuf'), E.ARGUMENT);
    throwsWith(() => wp.inspect(pointerMsg, 7), E.ARGUMENT);
    throwsWith(() => wp.toWelcomeMessage(pointerMsg, -1, 0), E.ARGUMENT);
    throwsWith(() => wp.toWelcomeMessage(pointerMsg, 2n ** 64n, 0), E.ARGUMENT);
    throwsWith(() => wp.toWelcomeMessage(pointerMsg, 1, 1.5), E.ARGUMENT);
    throwsWith(() => wp.retry.policy({ backoff: 0.5 }), E.ARGUMENT);
    throwsWith(() => wp.retry.policy({ firstRetryMs: 'soon' }), E.ARGUMENT);
    throwsWith(() => wp.retry.policy({ firstRetryMs: 10, maxDelayMs: 5 }), E.ARGUMENT);
    throwsWith(() => wp.retry.isDue(undefined, { attempts: 0 }, 0), E.ARGUMENT);
    throwsWith(() => wp.retry.isDue(undefined, { attempts: 0, nextAttemptMs: NaN, expiresAtMs: 0 }, 0), E.ARGUMENT);
    throwsWith(() => wp.fromHex('abc'), E.ARGUMENT);
    throwsWith(() => wp.toHex('abc'), E.ARGUMENT);
  });

  test('hostile values: throwing getters and proxies do not reach the runtime', () => {
    throwsWith(
      () =>
        wp.openWelcome(pointerMsg, [
          {
            algorithm: 2,
            get privateKey() {
              throw new Error('boom');
            },
          },
        ]),
      E.ARGUMENT,
      /threw/,
    );
    throwsWith(
      () =>
        wp.openWelcome(
          pointerMsg,
          new Proxy([], {
            get() {
              throw new Error('trap');
            },
          }),
        ),
      E.ARGUMENT,
    );
    throwsWith(() => wp.loadKey(2, new Proxy(new Uint8Array(32), {})), E.ARGUMENT);
    // The module still works afterwards.
    assert.equal(wp.openWelcome(pointerMsg, [r.key]).kind, 'pointer');
  });

  test('wrong lengths', () => {
    throwsWith(() => wp.loadKey(Algorithm.XWING, new Uint8Array(31)), E.INVALID_KEY);
    throwsWith(() => wp.validatePublicKey(Algorithm.XWING, new Uint8Array(1215)), E.INVALID_KEY);
    throwsWith(() => wp.validatePublicKey(Algorithm.XWING, new Uint8Array(1216).fill(0xff)), E.INVALID_KEY);
    throwsWith(() => wp.validatePublicKey(Algorithm.CURVE25519, new Uint8Array(33)), E.INVALID_KEY);
    throwsWith(() => wp.encodeWrapperEncryption(new Uint8Array(5)), E.INVALID_KEY);
    throwsWith(() => wp.parsePointer(pointer.bytes.subarray(0, 50)), E.MALFORMED);
    throwsWith(() => wp.openWelcome(pointerMsg, [r.key], { maxMessageSize: 100 }), E.TOO_LARGE);
    throwsWith(() => wp.loadKey(2, new Uint8Array(1 << 20)), E.TOO_LARGE);
  });

  test('unknown enum values', () => {
    throwsWith(() => wp.generateKey(7), E.UNSUPPORTED);
    throwsWith(() => wp.generateKey(Algorithm.SYMMETRIC_KEY), E.UNSUPPORTED);
    throwsWith(() => wp.encodePointeeAeadTypes([7]), E.UNSUPPORTED);
    throwsWith(() => wp.decodeWrapperEncryption(pb.concat([pb.bytes(1, r.key.publicKey), pb.varint(2, 9)])), E.UNSUPPORTED);
    const ptr = welcomeMessagePointer({
      installationKey: r.installationKey,
      welcomePointer: pbDecode(pbDecode(pointerMsg).get(2)[0]).get(4)[0],
      hpkePublicKey: r.key.publicKey,
      wrapperAlgorithm: 7,
    });
    throwsWith(() => wp.openWelcome(ptr, [r.key]), E.UNSUPPORTED);
  });

  test('garbage and truncated messages', () => {
    throwsWith(() => wp.openWelcome(Uint8Array.of(0xff, 0xff, 0xff), [r.key]), E.MALFORMED);
    throwsWith(() => wp.openWelcome(new Uint8Array(0), [r.key]), E.MALFORMED);
    for (const cut of [1, 10, 100, pointerMsg.length - 1]) {
      throwsWith(() => wp.openWelcome(pointerMsg.subarray(0, cut), [r.key]), E.MALFORMED);
    }
    throwsWith(() => wp.openPointee(pointer, pointeeMsg.subarray(0, pointeeMsg.length - 3)), E.MALFORMED);
    throwsWith(() => wp.openPointee(pointer, new Uint8Array()), E.MALFORMED);
    throwsWith(() => wp.inspect(Uint8Array.of(1, 2, 3)), E.MALFORMED);
    throwsWith(() => wp.decodePointeeAeadTypes(Uint8Array.of(0x0a, 0x05, 0x03)), E.MALFORMED);
    throwsWith(() => wp.toWelcomeMessage(Uint8Array.of(0x12, 0x00), 1, 1), E.MALFORMED);
  });

  test('keys, decryption and pointee failures', () => {
    throwsWith(() => wp.openWelcome(pointerMsg, [wp.generateKey()]), E.NO_MATCHING_KEY);
    throwsWith(() => wp.openWelcome(pointerMsg, []), E.NO_MATCHING_KEY);
    const tampered = pointerMsg.slice();
    tampered[tampered.length - 1300] ^= 1; // inside the sealed pointer
    throwsWith(() => wp.openWelcome(tampered, [r.key]), E.DECRYPT);
    // The first message on the topic is a pointer: final.
    throwsWith(() => wp.openPointee(pointer, pointerMsg), E.NOT_POINTEE);
    // A pointee with the right topic but another key: decryption fails.
    const fake = welcomeMessageV1({
      installationKey: wp.fromHex(pointer.destination),
      data: new Uint8Array(64),
      wrapperAlgorithm: 3,
      welcomeMetadata: new Uint8Array(16),
    });
    throwsWith(() => wp.openPointee(pointer, fake), E.DECRYPT);
  });

  test('sealing rejects bad installations', async () => {
    const ins = [r.installation];
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 0, []), E.ARGUMENT, /no installations/);
    await rejectsWith(() => wp.sealInvite(new Uint8Array(), 0, ins), E.ARGUMENT, /empty welcome/);
    await rejectsWith(() => wp.sealInvite('welcome', 0, ins), E.ARGUMENT);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), -1, ins), E.ARGUMENT);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 2n ** 64n, ins), E.ARGUMENT);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 0, ins, { kemId: 0x20 }), E.UNSUPPORTED);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 0, ins, { kemId: 1e6 }), E.ARGUMENT);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 0, ins, { onProgress: 5 }), E.ARGUMENT);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 0, [{ ...r.installation, wrapperPublicKey: new Uint8Array(10) }]), E.INVALID_KEY);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 0, [{ ...r.installation, installationKey: new Uint8Array() }]), E.ARGUMENT);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 0, [r.installation, r.installation]), E.ARGUMENT, /share/);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 0, [{ ...r.installation, wrapperAlgorithm: 9 }]), E.UNSUPPORTED);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(2000), 0, ins, { maxMessageSize: 1000 }), E.TOO_LARGE);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(), 0, ins, 'fast'), E.ARGUMENT);
    throwsWith(() => wp.sealDirect(fakeWelcome(), 0, null), E.ARGUMENT);
  });
});
