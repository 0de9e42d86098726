// sealInvite with options.workers: the pointers sealed by the pool of
// worker_threads, started once and reused, shut down by dispose().
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FakeNetwork, fakeWelcome, makeRecipients, ready, rejectsWith, wp } from './helpers.mjs';
import { workerStats } from '../src/parallel.js';

const E = wp.ErrorCode;

before(() => ready());

// n capable recipients and `legacy` others, the others at the start and
// in the middle so that the order of the direct welcomes is checked.
function mixed(n, legacy) {
  const all = makeRecipients(n + legacy, n);
  const capable = all.slice(0, n);
  const others = all.slice(n);
  const out = [...others.slice(0, 1), ...capable.slice(0, n >> 1), ...others.slice(1), ...capable.slice(n >> 1)];
  return out;
}

function shape(invite) {
  return {
    kinds: invite.messages.map((m) => m.kind),
    keys: invite.messages.slice(1).map((m) => wp.toHex(m.installationKey)),
    pointers: invite.pointers,
    direct: invite.direct,
    size: invite.size,
    fields: Object.keys(invite).filter((k) => k !== 'parallel'),
    messageFields: invite.messages.map((m) => Object.keys(m).join()),
  };
}

function openAll(invite, recipients, welcome, cursor) {
  const net = new FakeNetwork();
  for (const m of invite.messages) net.publish(m.message);
  const pointee = net.messages(invite.destination)[0];
  assert.ok(pointee, 'no pointee');
  assert.deepEqual(invite.messages[0].installationKey, invite.destination);
  const kinds = { pointer: 0, direct: 0 };
  for (const r of recipients) {
    const msgs = net.messages(r.installationKey);
    assert.equal(msgs.length, 1);
    const got = wp.openWelcome(msgs[0], [wp.generateKey(), r.key]);
    kinds[got.kind]++;
    if (got.kind === 'pointer') {
      assert.equal(got.pointer.destination, wp.toHex(invite.destination));
      const opened = wp.openPointee(got.pointer, pointee);
      assert.deepEqual(opened.welcome, welcome);
      assert.equal(opened.cursor, cursor);
    } else {
      assert.deepEqual(got.welcome, welcome);
      assert.equal(got.cursor, cursor);
    }
  }
  return kinds;
}

describe('parallel sealInvite', () => {
  for (const [n, workers] of [[3, 2], [3, 'auto'], [40, 2], [40, 'auto'], [40, 1]]) {
    test(`${n} capable + 2 legacy, workers: ${workers}`, async () => {
      const recipients = mixed(n, 2);
      const ins = recipients.map((r) => r.installation);
      const welcome = fakeWelcome(5000);
      const single = await wp.sealInvite(welcome, 99n, ins);
      const progress = [];
      const invite = await wp.sealInvite(welcome, 99n, ins, { workers, onProgress: (d, t) => progress.push([d, t]) });
      // Below 32 capable installations no worker seals; 40 make 2 parts at most.
      const used = invite.parallel.workers;
      if (n < 32) assert.equal(used, 0);
      else assert.ok(used >= 1 && used <= (workers === 'auto' ? 2 : workers), `${used} workers`);
      assert.deepEqual(invite.parallel, n < 32
        ? { workers: 0, note: 'fewer than 32 pointer-capable installations: sealed on the calling thread' }
        : { workers: used });
      assert.equal(single.parallel, undefined);
      assert.deepEqual(shape(invite), shape(single));
      assert.equal(invite.pointers, n);
      assert.equal(invite.direct, 2);
      assert.deepEqual(progress.at(-1), [n + 2, n + 2]);
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i][0] > progress[i - 1][0], 'progress goes forward');
      assert.deepEqual(openAll(invite, recipients, welcome, 99n), { pointer: n, direct: 2 });
    });
  }

  test('only capable installations, kemId option kept', async () => {
    const recipients = makeRecipients(40);
    const welcome = fakeWelcome(100);
    const invite = await wp.sealInvite(welcome, 1, recipients.map((r) => r.installation), { workers: 3, kemId: wp.KemId.XWING });
    assert.equal(invite.pointers, 40);
    assert.equal(invite.direct, 0);
    assert.deepEqual(openAll(invite, recipients, welcome, 1n), { pointer: 40, direct: 0 });
    const net = new FakeNetwork();
    const got = wp.openWelcome(net.publish(invite.messages[1].message), [recipients[0].key]);
    assert.equal(got.kemId, wp.KemId.XWING);
  });

  test('bad installations reject with the single-thread code', async () => {
    const recipients = makeRecipients(40);
    const welcome = fakeWelcome(100);
    // Wrong size: refused by the checks before any worker starts.
    const short = recipients.map((r) => r.installation);
    short[5] = { ...short[5], wrapperPublicKey: short[5].wrapperPublicKey.subarray(0, 100) };
    await rejectsWith(() => wp.sealInvite(welcome, 1, short), E.INVALID_KEY);
    await rejectsWith(() => wp.sealInvite(welcome, 1, short, { workers: 2 }), E.INVALID_KEY);
    // The right size, but an ML-KEM key that fails encapsulation: found in a worker.
    const bad = recipients.map((r) => r.installation);
    const key = bad[35].wrapperPublicKey.slice();
    key.fill(0xff, 0, 384);
    bad[35] = { ...bad[35], wrapperPublicKey: key };
    await rejectsWith(() => wp.sealInvite(welcome, 1, bad), E.INVALID_KEY);
    await rejectsWith(() => wp.sealInvite(welcome, 1, bad, { workers: 2 }), E.INVALID_KEY);
    // Duplicates, an empty list, a bad welcome.
    const dup = recipients.map((r) => r.installation);
    dup.push(dup[0]);
    await rejectsWith(() => wp.sealInvite(welcome, 1, dup, { workers: 2 }), E.ARGUMENT);
    await rejectsWith(() => wp.sealInvite(welcome, 1, [], { workers: 2 }), E.ARGUMENT);
    await rejectsWith(() => wp.sealInvite(new Uint8Array(), 1, recipients.map((r) => r.installation), { workers: 2 }), E.ARGUMENT);
    await rejectsWith(() => wp.sealInvite(welcome, 1, recipients.map((r) => r.installation), { workers: 2, kemId: 7 }), E.UNSUPPORTED);
  });

  test('the pool is started once and reused by every invite', async () => {
    await wp.dispose(); // a fresh module, and no pool
    assert.equal(workerStats().live, 0);
    const before = workerStats().spawned;
    // init({ workers }) starts it, in the background.
    await wp.init({ workers: 2 });
    assert.equal(workerStats().spawned - before, 2);
    assert.equal(workerStats().live, 2);
    const recipients = makeRecipients(64);
    const ins = recipients.map((r) => r.installation);
    for (let i = 0; i < 3; i++) {
      const invite = await wp.sealInvite(fakeWelcome(300), i, ins, { workers: 2 });
      assert.deepEqual(invite.parallel, { workers: 2 });
      assert.deepEqual(openAll(invite, recipients, fakeWelcome(300), BigInt(i)), { pointer: 64, direct: 0 });
    }
    // More workers than the pool has: it grows, and keeps them.
    const invite = await wp.sealInvite(fakeWelcome(300), 9, ins, { workers: 3 });
    assert.deepEqual(invite.parallel, { workers: 3 });
    assert.equal(workerStats().spawned - before, 3);
    assert.equal(workerStats().live, 3);
    // dispose() terminates them.
    await wp.dispose();
    assert.equal(workerStats().live, 0);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(10), 1, ins, { workers: 2 }), E.NOT_INITIALIZED);
    await wp.init();
    // Started lazily by the first invite that asks for workers.
    await wp.sealInvite(fakeWelcome(300), 1, ins, { workers: 2 });
    assert.equal(workerStats().spawned - before, 5);
    assert.equal(workerStats().live, 2);
  });

  test('init({ workers }) checks its value', async () => {
    for (const workers of [0, -1, 1.5, 'many', true]) {
      await rejectsWith(() => wp.init({ workers }), E.ARGUMENT, /workers/);
    }
  });

  test('an idle pool keeps no Node process alive', async () => {
    // A process that seals with workers and returns from its last await
    // must exit by itself.
    const script = `
      import * as wp from ${JSON.stringify(new URL('../src/node.js', import.meta.url).href)};
      await wp.init({ workers: 2 });
      const ins = [];
      for (let i = 0; i < 40; i++) {
        const k = wp.generateKey();
        ins.push(wp.installationFromExtensions({ installationKey: new Uint8Array(32).fill(i + 1),
          wrapperEncryption: wp.encodeWrapperEncryption(k.publicKey), pointeeAeadTypes: wp.encodePointeeAeadTypes() }));
      }
      const inv = await wp.sealInvite(new Uint8Array(100).fill(1), 1, ins, { workers: 2 });
      console.log(inv.parallel.workers, inv.pointers);`;
    const dir = await mkdtemp(path.join(tmpdir(), 'wp-pool-'));
    try {
      const file = path.join(dir, 'seal.mjs');
      await writeFile(file, script);
      const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 60_000 });
      assert.equal(stdout.trim(), '2 40');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a worker script that does not load is ERR_LOAD naming it', async () => {
    const ins = makeRecipients(40).map((r) => r.installation);
    const missing = new URL('./no-such-worker.js', import.meta.url);
    try {
      await wp.init({ workerURL: missing });
      await rejectsWith(() => wp.sealInvite(fakeWelcome(100), 1, ins, { workers: 2 }), E.LOAD,
        new RegExp(`cannot start the sealing worker ${missing.href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.equal(workerStats().live, 0);
    } finally {
      await wp.init({ workerURL: new URL('../src/node-worker.js', import.meta.url) });
    }
    const invite = await wp.sealInvite(fakeWelcome(100), 1, ins, { workers: 2 });
    assert.deepEqual(invite.parallel, { workers: 2 });
  });

  test('workers must be a positive integer or auto', async () => {
    const ins = makeRecipients(3).map((r) => r.installation);
    for (const workers of [0, -1, 1.5, 'many', true, NaN]) {
      await rejectsWith(() => wp.sealInvite(fakeWelcome(10), 1, ins, { workers }), E.ARGUMENT, /workers/);
    }
  });

  test('an aborted signal rejects with ERR_ABORTED', async () => {
    const recipients = mixed(40, 2);
    const ins = recipients.map((r) => r.installation);
    await rejectsWith(() => wp.sealInvite(fakeWelcome(100), 1, ins, { workers: 2, signal: AbortSignal.abort() }), E.ABORTED);
    // Aborted at the first progress report, before every part is done.
    const ctl = new AbortController();
    const seen = [];
    await rejectsWith(() => wp.sealInvite(fakeWelcome(100), 1, ins, {
      workers: 2,
      signal: ctl.signal,
      onProgress: (d, t) => {
        seen.push([d, t]);
        ctl.abort();
      },
    }), E.ABORTED);
    assert.ok(seen.length >= 1 && seen[0][0] < seen[0][1]);
    // The module still works afterwards.
    const invite = await wp.sealInvite(fakeWelcome(100), 1, ins, { workers: 2 });
    assert.equal(invite.pointers, 40);
  });
});

after(async () => {
  // dispose() terminates every worker: none keeps the process alive.
  await wp.dispose();
  const { spawned, live } = workerStats();
  assert.ok(spawned > 0);
  assert.equal(live, 0);
});
