// The durable sender outbox: stored before the first byte is published,
// pointee first and alone, batches recorded, resumed with the very same
// bytes after an interruption after each batch (the network holding each
// message exactly once), retried with the core's delays, abandoned and
// reported past its bound, protected like pending pointers.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRecipients, fakeWelcome, ready, rejectsWith, wp } from './helpers.mjs';
import { DAY, DedupNetwork, freshName, manualClock, rawDB } from './flows.mjs';

const E = wp.ErrorCode;

before(ready);

// An invite of 1 pointee + 9 pointers + 2 direct welcomes.
async function invite12() {
  const recipients = makeRecipients(11, 9);
  return wp.sealInvite(
    fakeWelcome(3000),
    77n,
    recipients.map((r) => r.installation),
  );
}

// What the network holds, per message: how many copies (each message of
// an invite goes to its own topic).
function copies(network, invite) {
  return invite.messages.map((m) => network.messages(wp.inputTopic(m.message).topic).length);
}

function publisher(network, log = []) {
  return async (messages, ctx) => {
    log.push({ batch: ctx.batch, count: messages.length, kinds: messages.map((m) => wp.inspect(m, 'welcome_message_input').version) });
    for (const m of messages) network.publish(m);
    return { stored: messages.length, batch: ctx.batch };
  };
}

describe('outbox', () => {
  test('stored before the first byte; pointee first and alone; batches recorded', async () => {
    const name = freshName('outbox');
    const store = await wp.openPendingStore({ name });
    const net = new DedupNetwork();
    const inv = await invite12();
    const probe = await rawDB(name);
    const storedAtFirstPublish = [];
    const log = [];
    const progress = [];
    const sent = [];
    const pub = publisher(net, log);
    const outbox = wp.createOutbox({
      store,
      publish: async (messages, ctx) => {
        if (ctx.batch === 0) storedAtFirstPublish.push((await probe.get('outbox', ctx.inviteId)) !== undefined);
        return pub(messages, ctx);
      },
      batchMessages: 5,
      onProgress: (p) => progress.push(p),
      onSent: (s) => sent.push(s),
    });
    const out = await outbox.publishInvite(inv);
    assert.equal(out.status, 'sent');
    assert.deepEqual(storedAtFirstPublish, [true]);
    assert.deepEqual(
      log.map((l) => l.count),
      [1, 5, 5, 1],
    );
    assert.match(log[0].kinds[0], /pointee/);
    assert.deepEqual(
      progress.map((p) => p.sent),
      [1, 6, 11, 12],
    );
    assert.deepEqual(
      sent[0].results,
      [0, 1, 2, 3].map((b, i) => ({ stored: [1, 5, 5, 1][i], batch: b })),
    );
    assert.deepEqual(copies(net, inv), Array(12).fill(1));
    assert.deepEqual(await outbox.list(), []);
    probe.close();
    store.close();
  });

  for (let cut = 0; cut < 4; cut++) {
    for (const when of ['before', 'after']) {
      test(`interrupted ${when} the network took batch ${cut}: resumed with the same bytes, each message once on the network`, async () => {
        const name = freshName('resume');
        const clock = manualClock();
        const net = new DedupNetwork();
        const inv = await invite12();
        const a = await wp.openPendingStore({ name });
        const seen = [];
        let reached;
        const interrupted = new Promise((r) => {
          reached = r;
        });
        const pubA = publisher(net);
        const outboxA = wp.createOutbox({
          store: a,
          now: clock.now,
          batchMessages: 5,
          publish: async (messages, ctx) => {
            seen.push({ batch: ctx.batch, bytes: messages.map((m) => wp.toHex(m)).join() });
            if (ctx.batch === cut) {
              if (when === 'after') await pubA(messages, ctx); // the network has it; the page dies before recording
              reached();
              return new Promise(() => {}); // the page is gone
            }
            return pubA(messages, ctx);
          },
          publishTimeoutMs: 2 ** 30,
        });
        outboxA.publishInvite(inv).catch(() => {});
        await interrupted;
        outboxA.close();
        a.close();

        // The next page resumes what is stored, once the dead page's
        // lease ran out (with Web Locks, at once).
        clock.t += 31_000;
        const b = await wp.openPendingStore({ name });
        const resent = [];
        const pubB = publisher(net);
        const outboxB = wp.createOutbox({
          store: b,
          now: clock.now,
          batchMessages: 5,
          publish: (messages, ctx) => {
            resent.push({ batch: ctx.batch, bytes: messages.map((m) => wp.toHex(m)).join() });
            return pubB(messages, ctx);
          },
        });
        const listed = await outboxB.list();
        assert.equal(listed.length, 1);
        assert.equal(listed[0].next, cut);
        const report = await outboxB.resume();
        assert.equal(report.sent.length, 1, JSON.stringify(report));
        assert.equal(resent[0].batch, cut);
        assert.equal(resent[0].bytes, seen[seen.length - 1].bytes, 'the interrupted batch is resent byte for byte');
        assert.deepEqual(copies(net, inv), Array(12).fill(1));
        assert.equal(net.duplicates, when === 'after' ? resent[0].bytes.split(',').length : 0);
        b.close();
      });
    }
  }

  test("a failing publish is retried on the core's delays, then abandoned and reported", async () => {
    const clock = manualClock();
    const store = await wp.openPendingStore({ name: freshName('fail') });
    const net = new DedupNetwork();
    const inv = await invite12();
    let failures = 2;
    const abandoned = [];
    const pub = publisher(net);
    const outbox = wp.createOutbox({
      store,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0,
      publish: (messages, ctx) => {
        if (ctx.batch === 1 && failures-- > 0) throw new Error('503');
        return pub(messages, ctx);
      },
      onAbandoned: (r) => abandoned.push(r),
      policy: { maxAttempts: 3 },
    });
    let out = await outbox.publishInvite(inv);
    assert.equal(out.status, 'pending');
    assert.equal(out.sent, 1, 'the pointee went out');
    assert.equal(out.error.code, E.FETCH);
    assert.equal(out.nextAttemptMs, clock.t + 50); // the core's first quick delay
    clock.t = out.nextAttemptMs;
    out = await outbox.resume();
    assert.equal(out.pending.length, 1);
    clock.t += 10_000;
    out = await outbox.resume();
    assert.equal(out.sent.length, 1);
    assert.deepEqual(copies(net, inv), Array(12).fill(1));

    // Always failing: abandoned after maxAttempts, reported with what went out.
    const inv2 = await invite12();
    const outbox2 = wp.createOutbox({
      store,
      now: clock.now,
      sleep: clock.sleep,
      publish: () => {
        throw new Error('down');
      },
      onAbandoned: (r) => abandoned.push(r),
      policy: { maxAttempts: 3 },
    });
    await outbox2.publishInvite(inv2);
    for (let i = 0; i < 5; i++) {
      clock.t += 60_000;
      await outbox2.resume();
    }
    assert.equal(abandoned.length, 1);
    assert.equal(abandoned[0].code, E.ATTEMPTS_EXHAUSTED);
    assert.equal(abandoned[0].sent, 0);
    assert.deepEqual(await outbox2.list(), []);

    // Too old: abandoned with ERR_EXPIRED.
    const inv3 = await invite12();
    const outbox3 = wp.createOutbox({
      store,
      now: clock.now,
      sleep: clock.sleep,
      publish: () => {
        throw new Error('down');
      },
      onAbandoned: (r) => abandoned.push(r),
    });
    await outbox3.publishInvite(inv3);
    clock.t += 3 * DAY;
    await outbox3.resume();
    assert.equal(abandoned[1].code, E.EXPIRED);
    store.close();
  });

  test('two outboxes on one store publish an invite once (leases)', async () => {
    const name = freshName('twin');
    const net = new DedupNetwork();
    const inv = await invite12();
    const calls = [];
    const stores = [await wp.openPendingStore({ name }), await wp.openPendingStore({ name })];
    const pub = publisher(net);
    const boxes = stores.map((store, i) =>
      wp.createOutbox({
        store,
        batchMessages: 3,
        publish: async (m, ctx) => {
          calls.push(`${i}:${ctx.batch}`);
          await new Promise((r) => setTimeout(r, 2));
          return pub(m, ctx);
        },
      }),
    );
    const { id } = await boxes[0].enqueue(inv);
    const outs = await Promise.all(boxes.map((b) => b.send(id)));
    assert.deepEqual(outs.map((o) => o.status).sort(), ['busy', 'sent']);
    assert.equal(calls.length, 5);
    assert.equal(net.duplicates, 0);
    for (const s of stores) s.close();
  });

  test('protected: the stored batches are encrypted', async () => {
    const name = freshName('sealed');
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const store = await wp.openPendingStore({ name, protector: wp.webCryptoProtector(key) });
    const inv = await invite12();
    const outbox = wp.createOutbox({ store, publish: () => new Promise(() => {}), publishTimeoutMs: 5 });
    const { id } = await outbox.enqueue(inv);
    const db = await rawDB(name);
    const batch = await db.get('outboxBatches', [id, 0]);
    db.close();
    const pointee = inv.messages[0].message;
    const hex = wp.toHex(batch);
    assert.equal(hex.includes(wp.toHex(pointee.subarray(40, 72))), false, 'the pointee bytes are not stored in clear');
    // A store with another key cannot read it back: abandoned as corrupt, not crashed on.
    store.close();
    const other = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const store2 = await wp.openPendingStore({ name, protector: wp.webCryptoProtector(other) });
    const abandoned = [];
    const outbox2 = wp.createOutbox({ store: store2, publish: () => ({}), onAbandoned: (r) => abandoned.push(r) });
    const out = await outbox2.send(id);
    assert.equal(out.status, 'abandoned');
    assert.equal(abandoned[0].code, E.CORRUPT_RECORD);
    store2.close();
  });

  test('arguments are checked', async () => {
    const store = await wp.openPendingStore({ name: freshName('args') });
    const outbox = wp.createOutbox({ store, publish: () => null });
    await rejectsWith(() => outbox.enqueue([]), E.ARGUMENT);
    await rejectsWith(() => outbox.enqueue({ messages: [new Uint8Array(0)] }), E.ARGUMENT);
    await rejectsWith(() => outbox.enqueue({ messages: ['x'] }), E.ARGUMENT);
    store.close();
  });
});
