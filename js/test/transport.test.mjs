// xmtpTransport against the Go welcome node (web-demo/node, started on a
// free loopback port): invites published and every pointer resolved over
// gRPC-Web in both protocols, the first-message rule with decoys,
// batching and resuming, and every failure of a call with its error code
// (the bad answers come from a real HTTP server written to misbehave).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import 'fake-indexeddb/auto';
import { fakeWelcome, pb, pbDecode, ready, rejectsWith, throwsWith, wp } from './helpers.mjs';
import { startNode } from './node-server.mjs';

const E = wp.ErrorCode;
const S = wp.GrpcStatus;
let node;
let dbCounter = 0;

before(async () => {
  await ready();
  node = await startNode();
});
after(async () => {
  await node?.stop();
});

/** n pointer-capable recipients with random installation keys. */
function recipients(n) {
  return Array.from({ length: n }, () => {
    const key = wp.generateKey(wp.Algorithm.XWING);
    const installationKey = crypto.getRandomValues(new Uint8Array(32));
    const installation = wp.installationFromExtensions({
      installationKey,
      wrapperEncryption: wp.encodeWrapperEncryption(key.publicKey),
      pointeeAeadTypes: wp.encodePointeeAeadTypes(),
    });
    return { key, installationKey, installation };
  });
}

const PROTOCOLS = ['v3', 'decentralized'];
const topicOf = (t, installationKey) => (t.topic === 'decentralized' ? Uint8Array.of(1, ...installationKey) : installationKey);

/** A decoy on the destination: a well-formed pointee that no pointer opens. */
function decoy(destination) {
  const v1 = pb.concat([
    pb.bytes(1, destination),
    pb.bytes(2, crypto.getRandomValues(new Uint8Array(200))),
    pb.varint(4, 3),
    pb.bytes(7, crypto.getRandomValues(new Uint8Array(16))),
  ]);
  return pb.msg(1, [v1]);
}

/**
 * Every recipient, each with its own pending store as on its own device,
 * opens its message and resolves its pointer through the transport.
 */
async function resolveAll(t, rs) {
  const outcomes = [];
  const delivered = [];
  for (const r of rs) {
    const store = await wp.openPendingStore({ name: `transport-${++dbCounter}` });
    const resolver = wp.createResolver({
      store,
      fetchFirstMessage: t.fetchFirstMessage,
      topic: t.topic,
      onWelcome: (w) => {
        delivered.push(w);
      },
    });
    const message = await t.fetchFirstMessage(topicOf(t, r.installationKey));
    assert.ok(message instanceof Uint8Array, 'no message for a recipient');
    const received = wp.openWelcome(message, [r.key]);
    assert.equal(received.kind, 'pointer');
    outcomes.push((await resolver.resolvePointer(received)).status);
    resolver.close();
    store.close();
  }
  return { outcomes, delivered };
}

for (const protocol of PROTOCOLS) {
  describe(`${protocol} protocol`, () => {
    test('an invite published in batches, every pointer resolved', async () => {
      const t = wp.xmtpTransport({ url: node.url, protocol, maxBatchMessages: 4 });
      assert.equal(t.topic, protocol);
      const rs = recipients(9);
      const welcome = fakeWelcome(20_000);
      const invite = await wp.sealInvite(
        welcome,
        77n,
        rs.map((r) => r.installation),
      );
      const seen = [];
      const result = await t.publish(invite, { onBatch: (b) => seen.push(b) });
      assert.equal(result.sent, 10);
      assert.equal(result.total, 10);
      assert.deepEqual(
        result.batches.map((b) => [b.start, b.end]),
        [
          [0, 4],
          [4, 8],
          [8, 10],
        ],
      );
      assert.deepEqual(seen, result.batches);

      // The pointee, in the network's WelcomeMessage form.
      const pointee = await t.fetchFirstMessage(topicOf(t, invite.destination));
      const view = wp.inspect(pointee, 'welcome_message');
      assert.equal(view.version, 'v1 (pointee)');

      const { outcomes, delivered } = await resolveAll(t, rs);
      assert.deepEqual(outcomes, Array(9).fill('resolved'));
      for (const w of delivered) {
        assert.deepEqual(w.welcome, welcome);
        assert.equal(w.cursor, 77n);
      }
    });

    test('an empty topic answers null', async () => {
      const t = wp.xmtpTransport({ url: node.url, protocol });
      assert.equal(await t.fetchFirstMessage(topicOf(t, crypto.getRandomValues(new Uint8Array(32)))), null);
    });

    test('a decoy published after the pointee is never returned', async () => {
      const t = wp.xmtpTransport({ url: node.url, protocol });
      const rs = recipients(3);
      const invite = await wp.sealInvite(
        fakeWelcome(),
        5n,
        rs.map((r) => r.installation),
      );
      await t.publish(invite);
      const first = await t.fetchFirstMessage(topicOf(t, invite.destination));
      await t.publish([decoy(invite.destination), decoy(invite.destination)]);
      assert.deepEqual(await t.fetchFirstMessage(topicOf(t, invite.destination)), first);
      const { outcomes } = await resolveAll(t, rs);
      assert.deepEqual(outcomes, ['resolved', 'resolved', 'resolved']);
    });

    test('a decoy published before the pointee makes resolution fail as final', async () => {
      const t = wp.xmtpTransport({ url: node.url, protocol });
      const rs = recipients(3);
      const invite = await wp.sealInvite(
        fakeWelcome(),
        5n,
        rs.map((r) => r.installation),
      );
      await t.publish([decoy(invite.destination)]);
      await t.publish(invite);
      const store = await wp.openPendingStore({ name: `transport-${++dbCounter}` });
      const dropped = [];
      const resolver = wp.createResolver({
        store,
        fetchFirstMessage: t.fetchFirstMessage,
        topic: t.topic,
        onWelcome: () => assert.fail('a decoy was delivered'),
        onDropped: (r) => dropped.push(r.code),
      });
      const received = wp.openWelcome(await t.fetchFirstMessage(topicOf(t, rs[0].installationKey)), [rs[0].key]);
      assert.equal((await resolver.resolvePointer(received)).status, 'dropped');
      assert.ok([E.DECRYPT, E.NOT_POINTEE].includes(dropped[0]), dropped[0]);
      resolver.close();
      store.close();
    });

    test('a failed batch reports what was sent; publishing resumes from there', async () => {
      let calls = 0;
      const flaky = (...a) => (++calls === 2 ? Promise.reject(new TypeError('network down')) : fetch(...a));
      const t = wp.xmtpTransport({ url: node.url, protocol, fetch: flaky, maxBatchMessages: 2 });
      const rs = recipients(5);
      const invite = await wp.sealInvite(
        fakeWelcome(),
        9n,
        rs.map((r) => r.installation),
      );
      const e = await t.publish(invite).then(
        () => assert.fail('publish succeeded'),
        (err) => err,
      );
      assert.equal(e.code, E.FETCH);
      assert.equal(e.retryable, true);
      assert.equal(e.sent, 2);
      assert.deepEqual(
        e.batches.map((b) => [b.start, b.end]),
        [[0, 2]],
      );
      const resumed = await t.publish(invite, { start: e.sent });
      assert.deepEqual(
        resumed.batches.map((b) => [b.start, b.end]),
        [
          [2, 4],
          [4, 6],
        ],
      );
      const { outcomes } = await resolveAll(t, rs);
      assert.deepEqual(outcomes, Array(5).fill('resolved'));
    });

    test('batches stay under the request cap, and a message over it is refused before sending', async () => {
      let calls = 0;
      const counting = (...a) => {
        calls++;
        return fetch(...a);
      };
      const rs = recipients(4);
      const invite = await wp.sealInvite(
        fakeWelcome(3000),
        1n,
        rs.map((r) => r.installation),
      );
      const pointerSize = invite.messages[1].message.length;
      const cap = 3 * (pointerSize + 200);
      const t = wp.xmtpTransport({ url: node.url, protocol, fetch: counting, maxRequestBytes: cap });
      const sizes = invite.messages.map((m) => m.message.length);
      const result = await t.publish(invite.messages.slice(1));
      assert.ok(
        result.batches.every((b) => b.bytes <= cap),
        JSON.stringify(result.batches),
      );
      assert.ok(result.batches.length >= 2);
      calls = 0;
      const small = wp.xmtpTransport({ url: node.url, protocol, fetch: counting, maxRequestBytes: sizes[0] - 1 });
      await rejectsWith(() => small.publish(invite), E.TOO_LARGE);
      assert.equal(calls, 0, 'a request was sent');
    });
  });
}

describe('the node refuses', () => {
  let small;
  before(async () => {
    small = await startNode(['-max-request', '20000', '-max-messages', '3']);
  });
  after(() => small.stop());

  test('a request over its cap: RESOURCE_EXHAUSTED, and it keeps serving', async () => {
    const t = wp.xmtpTransport({ url: small.url });
    const rs = recipients(3);
    const invite = await wp.sealInvite(
      fakeWelcome(30_000),
      1n,
      rs.map((r) => r.installation),
    );
    const e = await t.publish(invite).then(
      () => assert.fail('published'),
      (err) => err,
    );
    assert.equal(e.code, E.FETCH);
    assert.equal(e.grpcStatus, S.RESOURCE_EXHAUSTED);
    assert.match(e.grpcMessage, /larger than configured max/);
    assert.equal(e.sent, 0);
    assert.equal(await t.fetchFirstMessage(rs[0].installationKey), null);
  });

  test('more messages than it holds: RESOURCE_EXHAUSTED', async () => {
    const t = wp.xmtpTransport({ url: small.url });
    const rs = recipients(3);
    const invite = await wp.sealInvite(
      fakeWelcome(100),
      1n,
      rs.map((r) => r.installation),
    );
    const e = await t.publish(invite).then(
      () => assert.fail('published'),
      (err) => err,
    );
    assert.equal(e.grpcStatus, S.RESOURCE_EXHAUSTED);
    assert.match(e.grpcMessage, /cap of 3/);
  });

  test('a dropped pointee is not found', async () => {
    const dropping = await startNode(['-drop-pointees']);
    try {
      const t = wp.xmtpTransport({ url: dropping.url });
      const rs = recipients(3);
      const invite = await wp.sealInvite(
        fakeWelcome(100),
        1n,
        rs.map((r) => r.installation),
      );
      await t.publish(invite);
      assert.equal(await t.fetchFirstMessage(invite.destination), null);
      assert.ok(await t.fetchFirstMessage(rs[0].installationKey));
    } finally {
      await dropping.stop();
    }
  });
});

// ---- bad answers, from a real HTTP server that misbehaves on purpose ----

const WEB = 'application/grpc-web+proto';
const frame = (flag, payload) => {
  const out = new Uint8Array(5 + payload.length);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, payload.length);
  out.set(payload, 5);
  return out;
};
const trailer = (text) => frame(0x80, new TextEncoder().encode(text));
const ok = trailer('grpc-status: 0\r\ngrpc-message: \r\n');
const TOPIC = new Uint8Array(32).fill(7);
const welcomeOn = (key) => pb.bytes(1, pb.msg(1, [pb.varint(1, 1), pb.varint(2, 1), pb.bytes(3, key), pb.bytes(4, new Uint8Array(40)), pb.varint(6, 3)]));
const ascending = pb.msg(2, [pb.varint(1, 1), pb.varint(2, 1)]);
const answer = (...parts) => pb.concat(parts);

describe('every failure of a call has its code', () => {
  let server;
  let base;
  let handler;
  const sockets = new Set();
  before(async () => {
    server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => handler(req, res, Buffer.concat(chunks)));
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  const reply = (status, headers, body) => (req, res) => {
    res.writeHead(status, headers);
    res.end(body === undefined ? undefined : Buffer.from(body));
  };
  const grpcReply = (...parts) => reply(200, { 'content-type': WEB }, pb.concat(parts));

  const cases = [
    ['HTTP 503', reply(503, { 'content-type': 'text/plain' }, 'busy'), E.FETCH, { httpStatus: 503, retryable: true }],
    ['HTTP 404', reply(404, { 'content-type': 'text/plain' }, 'no'), E.FETCH, { httpStatus: 404, retryable: false }],
    ['not gRPC-Web', reply(200, { 'content-type': 'text/html' }, '<html>'), E.FETCH, {}],
    ['gRPC-Web text encoding', reply(200, { 'content-type': 'application/grpc-web-text' }, 'AAAA'), E.FETCH, {}],
    [
      'trailers-only INVALID_ARGUMENT',
      reply(200, { 'content-type': WEB, 'grpc-status': '3', 'grpc-message': 'bad%20topic' }),
      E.FETCH,
      { grpcStatus: S.INVALID_ARGUMENT, grpcMessage: 'bad topic', retryable: false },
    ],
    ['UNAVAILABLE in the trailers', grpcReply(trailer('grpc-status: 14\r\ngrpc-message: down\r\n')), E.FETCH, { grpcStatus: 14, retryable: true }],
    ['RESOURCE_EXHAUSTED', grpcReply(trailer('grpc-status: 8\r\n')), E.FETCH, { grpcStatus: 8, retryable: true }],
    ['UNIMPLEMENTED', grpcReply(trailer('grpc-status: 12\r\n')), E.FETCH, { grpcStatus: 12, retryable: false }],
    ['PERMISSION_DENIED', grpcReply(trailer('grpc-status: 7\r\n')), E.FETCH, { grpcStatus: 7, retryable: false }],
    ['DEADLINE_EXCEEDED', grpcReply(trailer('grpc-status: 4\r\n')), E.TIMEOUT, { grpcStatus: 4 }],
    ['an unknown status', grpcReply(trailer('grpc-status: 99\r\n')), E.FETCH, { grpcStatus: 99, retryable: false }],
    ['no trailers', grpcReply(frame(0, answer())), E.FETCH, {}],
    ['empty body', grpcReply(), E.FETCH, {}],
    ['truncated frame header', grpcReply(Uint8Array.of(0, 0, 0)), E.FETCH, {}],
    ['truncated frame', grpcReply(frame(0, new Uint8Array(10)).subarray(0, 9)), E.FETCH, {}],
    ['truncated trailers', grpcReply(frame(0, answer()), ok.subarray(0, 8)), E.FETCH, {}],
    ['trailers without grpc-status', grpcReply(frame(0, answer()), trailer('grpc-message: hi\r\n')), E.FETCH, {}],
    ['a grpc-status that is not a number', grpcReply(frame(0, answer()), trailer('grpc-status: ok\r\n')), E.FETCH, {}],
    ['OK without a message', grpcReply(ok), E.FETCH, {}],
    ['two messages', grpcReply(frame(0, answer()), frame(0, answer()), ok), E.FETCH, {}],
    ['data after the trailers', grpcReply(frame(0, answer()), ok, frame(0, answer())), E.FETCH, {}],
    ['a compressed frame', grpcReply(frame(1, answer()), ok), E.FETCH, {}],
    ['an unknown frame flag', grpcReply(frame(0x40, answer()), ok), E.FETCH, {}],
    ['an answer that is not protobuf', grpcReply(frame(0, Uint8Array.of(0x0a, 0xff)), ok), E.FETCH, {}],
    ['two messages for limit 1', grpcReply(frame(0, answer(welcomeOn(TOPIC), welcomeOn(TOPIC), ascending)), ok), E.FETCH, { retryable: false }],
    ['a descending answer', grpcReply(frame(0, answer(welcomeOn(TOPIC), pb.msg(2, [pb.varint(1, 2)]))), ok), E.FETCH, { retryable: false }],
    ['a message of another topic', grpcReply(frame(0, answer(welcomeOn(new Uint8Array(32)), ascending)), ok), E.FETCH, { retryable: false }],
    ['a message without a version', grpcReply(frame(0, answer(pb.bytes(1, new Uint8Array()), ascending)), ok), E.FETCH, {}],
    ['an answer over maxMessageSize', grpcReply(frame(0, answer(pb.msg(1, [pb.bytes(4, new Uint8Array(200_000))]))), ok), E.FETCH, { retryable: false }],
    [
      'the connection closed mid-answer',
      (req, res) => {
        res.writeHead(200, { 'content-type': WEB });
        res.write(Buffer.from(frame(0, answer(welcomeOn(TOPIC))).subarray(0, 20)));
        setTimeout(() => res.socket.destroy(), 20);
      },
      E.FETCH,
      {},
    ],
  ];
  for (const [name, h, code, fields] of cases) {
    test(name, async () => {
      handler = h;
      const t = wp.xmtpTransport({ url: base, maxMessageSize: 100_000 });
      const e = await t.fetchFirstMessage(TOPIC).then(
        (m) => assert.fail(`answered ${m}`),
        (err) => err,
      );
      assert.ok(e instanceof wp.WelcomePointersError, String(e));
      assert.equal(e.code, code, e.message);
      for (const [k, v] of Object.entries(fields)) assert.equal(e[k], v, `${k}: ${e.message}`);
    });
  }

  test('a good answer from the same server', async () => {
    handler = grpcReply(frame(0, answer(welcomeOn(TOPIC), ascending)), ok);
    const t = wp.xmtpTransport({ url: base });
    const m = await t.fetchFirstMessage(TOPIC);
    assert.deepEqual(pbDecode(pbDecode(m).get(1)[0]).get(3)[0], TOPIC);
  });

  test('the request is what the deployed client sends', async () => {
    let seen;
    handler = (req, res, body) => {
      seen = { path: req.url, headers: req.headers, body };
      grpcReply(frame(0, answer(ascending)), ok)(req, res);
    };
    const t = wp.xmtpTransport({ url: `${base}/`, headers: { 'X-App-Version': 'test/1' }, timeoutMs: 5000 });
    assert.equal(await t.fetchFirstMessage(TOPIC), null);
    assert.equal(seen.path, '/xmtp.mls.api.v1.MlsApi/QueryWelcomeMessages');
    assert.equal(seen.headers['content-type'], WEB);
    assert.equal(seen.headers['x-grpc-web'], '1');
    assert.equal(seen.headers['grpc-timeout'], '5000m');
    assert.equal(seen.headers['x-app-version'], 'test/1');
    // One frame: QueryWelcomeMessagesRequest { installation_key, paging_info { ASCENDING, limit 1 } }.
    assert.equal(seen.body[0], 0);
    assert.equal(seen.body.readUInt32BE(1), seen.body.length - 5);
    const req = pbDecode(seen.body.subarray(5));
    assert.deepEqual(Uint8Array.from(req.get(1)[0]), TOPIC);
    const paging = pbDecode(req.get(2)[0]);
    assert.equal(paging.get(1)[0], 1n);
    assert.equal(paging.get(2)[0], 1n);
    assert.equal(paging.has(3), false);
  });

  test('decentralized: an envelope of another topic, or without a welcome message', async () => {
    const t = wp.xmtpTransport({ url: base, protocol: 'decentralized' });
    const topic = Uint8Array.of(1, ...TOPIC);
    const envelope = (target, payload) => {
      const client = pb.concat([pb.msg(1, [pb.bytes(2, target)]), ...(payload ? [pb.bytes(3, payload)] : [])]);
      const payer = pb.bytes(1, client);
      const unsigned = pb.concat([pb.varint(1, 100), pb.varint(2, 5), pb.varint(3, 1), pb.bytes(4, payer)]);
      return pb.bytes(1, pb.bytes(1, unsigned));
    };
    handler = grpcReply(frame(0, envelope(Uint8Array.of(1, ...new Uint8Array(32)), decoy(TOPIC))), ok);
    await rejectsWith(() => t.fetchFirstMessage(topic), E.FETCH, /another topic/);
    handler = grpcReply(frame(0, envelope(topic, null)), ok);
    await rejectsWith(() => t.fetchFirstMessage(topic), E.FETCH, /no welcome message/);
    handler = grpcReply(frame(0, envelope(topic, pb.msg(1, [pb.bytes(1, TOPIC), pb.bytes(2, new Uint8Array(30)), pb.varint(4, 1)]))), ok);
    await rejectsWith(() => t.fetchFirstMessage(topic), E.FETCH, /rules/);
    handler = grpcReply(frame(0, envelope(topic, decoy(TOPIC))), ok);
    const m = await t.fetchFirstMessage(topic);
    assert.equal(wp.inspect(m, 'welcome_message').v1.id, '5');
  });

  test('a node that never answers: ERR_TIMEOUT', async () => {
    handler = () => {};
    const t = wp.xmtpTransport({ url: base, timeoutMs: 200 });
    await rejectsWith(() => t.fetchFirstMessage(TOPIC), E.TIMEOUT);
  });

  test('an answer that stalls mid-body: ERR_TIMEOUT', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-type': WEB });
      res.write(Buffer.from(frame(0, answer(welcomeOn(TOPIC)))));
    };
    const t = wp.xmtpTransport({ url: base, timeoutMs: 300 });
    await rejectsWith(() => t.fetchFirstMessage(TOPIC), E.TIMEOUT);
  });

  test('the caller aborts: ERR_ABORTED', async () => {
    handler = () => {};
    const t = wp.xmtpTransport({ url: base });
    const c = new AbortController();
    setTimeout(() => c.abort(), 50);
    await rejectsWith(() => t.fetchFirstMessage(TOPIC, { signal: c.signal }), E.ABORTED);
    await rejectsWith(() => t.fetchFirstMessage(TOPIC, { signal: AbortSignal.abort() }), E.ABORTED);
  });

  test('nothing listens: ERR_FETCH', async () => {
    const s = net.createServer();
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    const { port } = s.address();
    await new Promise((r) => s.close(r));
    const t = wp.xmtpTransport({ url: `http://127.0.0.1:${port}` });
    const e = await t.fetchFirstMessage(TOPIC).then(
      () => assert.fail('answered'),
      (err) => err,
    );
    assert.equal(e.code, E.FETCH);
    assert.equal(e.retryable, true);
  });
});

describe('arguments', () => {
  test('options', () => {
    for (const bad of [
      undefined,
      null,
      'url',
      {},
      { url: 'ftp://x' },
      { url: 'not a url' },
      { url: 'http://x', protocol: 'v4' },
      { url: 'http://x', timeoutMs: 0 },
      { url: 'http://x', timeoutMs: 1.5 },
      { url: 'http://x', maxRequestBytes: -1 },
      { url: 'http://x', headers: { a: 1 } },
      { url: 'http://x', fetch: 'no' },
      { url: 'http://x', nope: 1 },
      { url: 'http://x', gatewayUrl: 'http://y' },
    ]) {
      throwsWith(() => wp.xmtpTransport(bad), E.ARGUMENT);
    }
  });

  test('publish and fetchFirstMessage', async () => {
    const t = wp.xmtpTransport({ url: node.url });
    const d = wp.xmtpTransport({ url: node.url, protocol: 'decentralized' });
    for (const bad of [undefined, null, 5, {}, [5], [new Uint8Array()], { messages: [{ message: 'x' }] }]) {
      await rejectsWith(() => t.publish(bad), E.ARGUMENT);
    }
    await rejectsWith(() => t.publish([], { start: 1 }), E.ARGUMENT);
    await rejectsWith(() => t.publish([], { onBatch: 1 }), E.ARGUMENT);
    await rejectsWith(() => t.publish([Uint8Array.of(1, 2, 3)]), E.MALFORMED);
    for (const bad of [undefined, 'topic', new Uint8Array(), new Uint8Array(129)]) {
      await rejectsWith(() => t.fetchFirstMessage(bad), E.ARGUMENT);
    }
    await rejectsWith(() => d.fetchFirstMessage(TOPIC), E.ARGUMENT);
    assert.deepEqual(await t.publish([]), { sent: 0, total: 0, batches: [] });
  });
});
