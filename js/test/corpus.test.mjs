// The mutation corpus of internal/corpus through the JS module: every case
// must give what the native Go core gave for the same bytes, the same
// error code or the same value (the views below mirror corpus.OK's). The
// corpus is written by `go run ./internal/corpus/cmd/corpus` into
// dist/test/ when it is missing; WP_CORPUS=full (make fuzz-corpus) runs
// the full set instead of the slice.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { ready, wp } from './helpers.mjs';

before(ready);

const full = process.env.WP_CORPUS === 'full';
const root = fileURLToPath(new URL('../..', import.meta.url));
const file = fileURLToPath(new URL(`../dist/test/corpus${full ? '-full' : ''}.jsonl`, import.meta.url));

function generate() {
  mkdirSync(new URL('../dist/test/', import.meta.url), { recursive: true });
  const args = ['run', './internal/corpus/cmd/corpus', '-o', file, ...(full ? ['-full'] : [])];
  const r = spawnSync('go', args, { cwd: root, stdio: 'inherit' });
  assert.equal(r.status, 0, `go ${args.join(' ')} failed`);
}

const b64 = (s) => new Uint8Array(Buffer.from(s ?? '', 'base64'));
const hex = (b) => Buffer.from(b).toString('hex');

// JSON with sorted keys, as Go's encoding/json writes a map.
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const ok = (view) => `ok ${createHash('sha256').update(canonical(view)).digest('hex').slice(0, 16)}`;

// The views of corpus/run.go.
const received = (r) => ({
  kind: r.kind,
  id: String(r.id),
  createdNs: String(r.createdNs),
  installationKey: hex(r.installationKey),
  kemId: r.kemId,
  ...(r.kind === 'direct' ? { welcome: hex(r.welcome), cursor: String(r.cursor), hasCursor: r.hasCursor } : { pointer: hex(r.pointer.bytes) }),
});
const pointee = (p) => ({ welcome: hex(p.welcome), cursor: String(p.cursor), hasCursor: p.hasCursor });
const installation = (i) => ({
  installationKey: hex(i.installationKey),
  wrapperPublicKey: hex(i.wrapperPublicKey),
  wrapperAlgorithm: i.wrapperAlgorithm,
  pointeeAeadTypes: i.pointeeAeadTypes,
  pointerCapable: i.pointerCapable,
});

function runner(h) {
  const f = h.fixture;
  const keys = f.keys.map((k) => wp.loadKey(k.algorithm, b64(k.privateKey)));
  const storedPointer = b64(f.pointer);
  const pointeeMessage = b64(f.pointeeMessage);
  const ff03 = b64(f.wrapperEncryption);
  const ik = b64(h.installationKey);
  const ff04 = b64(h.typicalAeadTypes);
  const sealed = b64(h.sealedWelcome);
  const ops = {
    openWelcome: (d, kind) => received(wp.openWelcome(d, keys, { form: kind })),
    openPointee: (d, kind) => pointee(wp.openPointee(storedPointer, d, { form: kind })),
    openPointeeStored: (d) => pointee(wp.openPointee(d, pointeeMessage)),
    parsePointer: (d) => ({ bytes: hex(wp.parsePointer(d).bytes) }),
    inspect: (d, kind) => wp.inspect(d, kind),
    toWelcomeMessage: (d) => ({ bytes: hex(wp.toWelcomeMessage(d, BigInt(h.messageId), BigInt(h.messageCreatedNs))) }),
    inputTopic: (d) => {
      const t = wp.inputTopic(d);
      return { topic: hex(t.topic), dedupKey: hex(t.dedupKey) };
    },
    decodeWrapperEncryption: (d) => {
      const w = wp.decodeWrapperEncryption(d);
      return { publicKey: hex(w.publicKey), algorithm: w.algorithm };
    },
    decodePointeeAeadTypes: (d) => ({ types: wp.decodePointeeAeadTypes(d) }),
    installationFromExtensions: (d, kind) =>
      installation(
        wp.installationFromExtensions(
          kind === 'initKey'
            ? { installationKey: ik, initKey: d, pointeeAeadTypes: ff04 }
            : kind === 'wrapperEncryption'
              ? { installationKey: ik, wrapperEncryption: d, pointeeAeadTypes: ff04 }
              : { installationKey: ik, wrapperEncryption: ff03, pointeeAeadTypes: d },
        ),
      ),
    validatePublicKey: (d, kind) => {
      wp.validatePublicKey(Number(kind), d);
      return {};
    },
    sealToKey: (d) => {
      wp.sealDirect(sealed, 1n, { installationKey: ik, wrapperPublicKey: d, wrapperAlgorithm: wp.Algorithm.XWING });
      return {};
    },
  };
  return (c) => {
    try {
      return ok(ops[c.op](b64(c.data), c.kind));
    } catch (e) {
      return e instanceof wp.WelcomePointersError ? e.code : `untyped: ${e?.message}`;
    }
  };
}

test('the mutation corpus gives the same results in the JS module as in the native core', { timeout: full ? 3_600_000 : 300_000 }, async () => {
  if (!existsSync(file)) generate();
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let run = null;
  let count = 0;
  const mismatches = [];
  for await (const line of lines) {
    if (run === null) {
      run = runner(JSON.parse(line));
      continue;
    }
    const c = JSON.parse(line);
    const got = run(c);
    count++;
    if (got !== c.want && mismatches.length < 20) {
      mismatches.push(`${c.op}(${c.kind ?? ''}) of ${b64(c.data).length} bytes [${c.mutation}]: JS ${got}, native ${c.want}`);
    }
  }
  assert.ok(count >= 1000, `only ${count} cases`);
  assert.deepEqual(mismatches, [], `${mismatches.length} of ${count} cases differ`);
  assert.ok(wp.isInitialized());
});
