// The measurement suite of the GOOS=js module, shared by Node
// (node-bench.mjs) and headless Chromium (page.html, driven by
// chromium.mjs), so both hosts run exactly the same code through the
// module's public API. go run ./bench sets the sizes and reads the
// results (see the package comment in bench/main.go).
//
// Every timed figure is a list of samples (one per run, nanoseconds per
// operation); the Go side takes the median. Times come from
// performance.now(): microsecond resolution in Node, 5 µs in a
// cross-origin isolated page (the bench server sends COOP/COEP).

/** Algorithm.XWING and AeadType.CHACHA20_POLY1305, as numbers. */
const XWING = 2;
const CHACHA = 3;

/**
 * A stand-in for a TLS-serialized MLS Welcome: MLS 1.0, welcome, then
 * bytes that do not compress.
 */
export function fakeWelcome(n) {
  const w = new Uint8Array(n);
  for (let off = 0; off < n; off += 65536) {
    crypto.getRandomValues(w.subarray(off, Math.min(n, off + 65536)));
  }
  w.set([0x00, 0x01, 0x00, 0x03].slice(0, n));
  return w;
}

function installationKey(i) {
  const k = new Uint8Array(32);
  crypto.getRandomValues(k);
  new DataView(k.buffer).setUint32(0, i + 1);
  return k;
}

function check(cond, what) {
  if (!cond) throw new Error(`bench suite: ${what}`);
}

/**
 * Runs the suite. cfg: { runs, keys, sealN, openReps, inviteN,
 * inviteWelcome, pointeeWelcome, pointeeReps, warmN, mode }, where mode
 * says how to seal and open: { webCrypto: 'never' (default: the
 * WebAssembly path) or 'require' (the browser's X-Wing and
 * ChaCha20-Poly1305: opening through openWelcomeAsync and
 * openPointeeAsync), workers (the pool, started by init()), only (the
 * figures to take, default all) }. env: { memory() -> bytes of the
 * module's WebAssembly memory or null, jsHeap() -> bytes or null,
 * log(string) }. Returns { metrics: {name: {samples, n, unit}}, memory:
 * {...}, info: {...} }. The module must be initialized.
 */
export async function runSuite(wp, cfg, env) {
  const now = () => performance.now();
  const metrics = {};
  const memory = {};
  const info = {};
  const mode = { webCrypto: 'never', ...cfg.mode };
  const want = (name) => !mode.only || mode.only.includes(name);
  const sealOpts = { webCrypto: mode.webCrypto, ...(mode.workers ? { workers: mode.workers } : {}) };
  const native = mode.webCrypto !== 'never';
  const openWelcome = native ? (m, k) => wp.openWelcomeAsync(m, k, { webCrypto: mode.webCrypto }) : async (m, k) => wp.openWelcome(m, k);
  const openPointee = native ? (p, m) => wp.openPointeeAsync(p, m, { webCrypto: mode.webCrypto }) : async (p, m) => wp.openPointee(p, m);
  const put = (name, samples, n, extra = {}) => {
    metrics[name] = { samples_ns: samples.map((s) => Math.round(s)), n, ...extra };
  };
  const snap = (label) => {
    memory[label] = { wasm_bytes: env.memory(), js_heap_bytes: env.jsHeap() };
  };
  snap('after_init');

  // Keys, made by the module itself (X-Wing, the deployed default).
  const keys = [];
  const keygen = [];
  const chunk = Math.max(1, Math.ceil(cfg.keys / cfg.runs));
  while (keys.length < cfg.keys) {
    const want = Math.min(chunk, cfg.keys - keys.length);
    const t = now();
    for (let i = 0; i < want; i++) keys.push(wp.generateKey(XWING));
    keygen.push(((now() - t) * 1e6) / want);
  }
  put('generate_key', keygen, cfg.keys);
  const installations = keys.map((k, i) => ({
    installationKey: installationKey(i),
    wrapperPublicKey: k.publicKey,
    wrapperAlgorithm: XWING,
    pointeeAeadTypes: [CHACHA],
  }));
  snap('after_keys');

  // Warm-up: V8 compiles WebAssembly lazily and tiers hot functions up.
  const small = fakeWelcome(1024);
  const warm = installations.slice(0, Math.min(cfg.warmN, installations.length));
  for (let i = 0; i < 2; i++) await wp.sealInvite(small, 1n, warm, sealOpts);

  // A whole invite: inviteN installations, an inviteWelcome-byte Welcome.
  // Memory is read after the first one: WebAssembly memory only grows,
  // so it is the high-water mark of everything so far, which this
  // invite dominates.
  if (want('invite')) {
    const welcome = fakeWelcome(cfg.inviteWelcome);
    const ins = installations.slice(0, cfg.inviteN);
    const samples = [];
    let invite;
    for (let r = 0; r < cfg.runs; r++) {
      const t = now();
      invite = await wp.sealInvite(welcome, 12345n, ins, sealOpts);
      samples.push((now() - t) * 1e6);
      if (r === 0) snap('after_invite');
      invite = null;
    }
    put('invite', samples, cfg.inviteN, { welcome_bytes: cfg.inviteWelcome });
  }

  // Per-pointer seal: an invite for sealN installations with a 1 KiB
  // Welcome, divided by the number of pointers.
  let sealed;
  {
    const ins = installations.slice(0, cfg.sealN);
    const samples = [];
    for (let r = 0; r < cfg.runs; r++) {
      const t = now();
      sealed = await wp.sealInvite(small, 7n, ins, sealOpts);
      samples.push(((now() - t) * 1e6) / cfg.sealN);
    }
    if (cfg.sealN >= 3) check(sealed.pointers === cfg.sealN, `expected ${cfg.sealN} pointers, got ${sealed.pointers}`);
    put('seal_per_pointer', samples, cfg.sealN);
    info.invite_bytes_seal = sealed.size;
  }

  // Opening a pointer (the network's WelcomeMessage form) with one key.
  if (sealed.pointers > 0 && want('open_pointer')) {
    const pointers = sealed.messages.filter((m) => m.kind === 'pointer');
    const msgs = pointers.map((m, i) => wp.toWelcomeMessage(m.message, i + 2, 1));
    // Same key every time: the module keeps its last 8 loaded keys, as an
    // app opening message after message would.
    for (let i = 0; i < 3; i++) await openWelcome(msgs[0], [keys[0]]);
    let samples = [];
    for (let r = 0; r < cfg.runs; r++) {
      const t = now();
      for (let i = 0; i < cfg.openReps; i++) {
        const got = await openWelcome(msgs[0], [keys[0]]);
        if (i === 0) check(got.kind === 'pointer', `opened a ${got.kind}`);
      }
      samples.push(((now() - t) * 1e6) / cfg.openReps);
    }
    put('open_pointer', samples, cfg.openReps);
    // A different key each time, cycling through more keys than the
    // cache holds: the X-Wing public key is derived from the seed first.
    const m = Math.min(16, msgs.length);
    if (m > 8) {
      samples = [];
      for (let r = 0; r < cfg.runs; r++) {
        const t = now();
        for (let i = 0; i < cfg.openReps; i++) await openWelcome(msgs[i % m], [keys[i % m]]);
        samples.push(((now() - t) * 1e6) / cfg.openReps);
      }
      put('open_pointer_from_seed', samples, cfg.openReps);
    }
  }

  // Opening a pointee of pointeeWelcome bytes.
  if (want('open_pointee')) {
    const welcome = fakeWelcome(cfg.pointeeWelcome);
    const inv = await wp.sealInvite(welcome, 99n, installations.slice(0, 3), sealOpts);
    const pointee = wp.toWelcomeMessage(inv.messages[0].message, 1, 1);
    const got = wp.openWelcome(wp.toWelcomeMessage(inv.messages[1].message, 2, 1), [keys[0]]);
    const first = await openPointee(got.pointer, pointee);
    check(first.welcome.length === welcome.length && first.cursor === 99n, 'the pointee did not open to the Welcome');
    const samples = [];
    for (let r = 0; r < cfg.runs; r++) {
      const t = now();
      for (let i = 0; i < cfg.pointeeReps; i++) await openPointee(got.pointer, pointee);
      samples.push(((now() - t) * 1e6) / cfg.pointeeReps);
    }
    put('open_pointee', samples, cfg.pointeeReps, { welcome_bytes: cfg.pointeeWelcome });
  }
  // What the browser's WebCrypto costs alone, the floor of the native
  // path: an X-Wing encapsulation (the public key imported, as sealing
  // does), a decapsulation with an imported key; and what Node's WebCrypto
  // has (X25519, no X-Wing): one X25519 agreement.
  const subtle = globalThis.crypto?.subtle;
  if (want('webcrypto_kem') && typeof subtle?.encapsulateBits === 'function') {
    const A = { name: 'MLKEM768-X25519' };
    const pubs = keys.slice(0, Math.min(100, keys.length)).map((k) => k.publicKey);
    const sk = await subtle.importKey('raw-seed', keys[0].privateKey, A, false, ['decapsulateBits']);
    const ct = (await subtle.encapsulateBits(A, await subtle.importKey('raw-public', keys[0].publicKey, A, false, ['encapsulateBits']))).ciphertext;
    const enc = [];
    const dec = [];
    for (let r = 0; r < cfg.runs; r++) {
      let t = now();
      for (const pk of pubs) await subtle.encapsulateBits(A, await subtle.importKey('raw-public', pk, A, false, ['encapsulateBits']));
      enc.push(((now() - t) * 1e6) / pubs.length);
      t = now();
      for (let i = 0; i < pubs.length; i++) await subtle.decapsulateBits(A, sk, ct);
      dec.push(((now() - t) * 1e6) / pubs.length);
    }
    put('webcrypto_encapsulate', enc, pubs.length);
    put('webcrypto_decapsulate', dec, pubs.length);
  }
  if (want('webcrypto_x25519') && typeof subtle?.deriveBits === 'function') {
    try {
      const X = { name: 'X25519' };
      const a = await subtle.generateKey(X, false, ['deriveBits']);
      const b = await subtle.generateKey(X, false, ['deriveBits']);
      const reps = Math.max(2, Math.min(100, cfg.keys));
      const xs = [];
      for (let r = 0; r < cfg.runs; r++) {
        const t = now();
        for (let i = 0; i < reps; i++) await subtle.deriveBits({ ...X, public: b.publicKey }, a.privateKey, 256);
        xs.push(((now() - t) * 1e6) / reps);
      }
      put('webcrypto_x25519', xs, reps);
    } catch {
      // no X25519 in this WebCrypto
    }
  }
  snap('end');
  return { metrics, memory, info };
}
