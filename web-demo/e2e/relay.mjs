// The browser tests' one door to the network the demo talks to: the demo
// server's welcome node (the XMTP API, xmtp.mls.api.v1.MlsApi, over
// gRPC-Web and Connect) and its admin endpoints (reset, holding
// pointees back, status). Keep every such call of the tests here.
import assert from 'node:assert/strict';
import { unary } from '../../js/src/transport/grpcweb.js';
import { encode, parse } from '../../js/src/transport/protowire.js';

const MLS_API = '/xmtp.mls.api.v1.MlsApi/';
export const SEND = `${MLS_API}SendWelcomeMessages`;
export const QUERY = `${MLS_API}QueryWelcomeMessages`;

/** The route glob of publish requests (to watch or slow them down in a test). */
export const PUBLISH_ROUTE = `**${SEND}`;

const hex = (b) => Buffer.from(b).toString('hex');

export function relayClient(context, baseURL) {
  const url = (p) => new URL(p, baseURL).href;
  async function admin(method, p, data) {
    const res = await context.request.fetch(url(p), {
      method,
      headers: data === undefined ? {} : { 'Content-Type': 'application/json' },
      data: data === undefined ? undefined : JSON.stringify(data),
    });
    assert.ok(res.ok(), `${method} ${p}: HTTP ${res.status()} ${await res.text()}`);
    return res.json();
  }
  // A unary gRPC-Web call with the package's own client code: the
  // answer's bytes, or a WelcomePointersError carrying grpcStatus.
  const grpcWeb = (path, message) =>
    unary({
      url: new URL(baseURL).origin,
      path,
      message,
      fetch: globalThis.fetch,
      headers: {},
      timeoutMs: 30_000,
      maxResponseBytes: 64 << 20,
    });
  return {
    /** Forgets every message. */
    reset: () => admin('POST', '/admin/reset'),
    /** Pointees published from now on are held back delayMs (0: delivered at once). */
    holdPointees: (delayMs) => admin('POST', '/admin/pointees', { pointeeDelayMs: delayMs, dropPointees: false }),
    /** Pointees published from now on are dropped. */
    dropPointees: () => admin('POST', '/admin/pointees', { pointeeDelayMs: 0, dropPointees: true }),
    /** Makes every held pointee visible now. */
    releasePointees: () => admin('POST', '/admin/pointees/release'),
    stats: () => admin('GET', '/admin/status'),
    /** The messages on a topic (hex), oldest first, each as an encoded WelcomeMessage. */
    async topicMessages(topicHex) {
      const answer = await grpcWeb(
        QUERY,
        encode([
          [1, Buffer.from(topicHex, 'hex')],
          [
            2,
            encode([
              [1, 1],
              [2, 100],
            ]),
          ],
        ]),
      );
      return parse(answer, { 1: 'repeated', 2: 'bytes' })[1] ?? [];
    },
    /** Publishes raw SendWelcomeMessagesRequest bytes over gRPC-Web. */
    publishRaw: (request) => grpcWeb(SEND, request),
    grpcWeb,
  };
}

/**
 * The messages a SendWelcomeMessages request carried (the body of a
 * gRPC-Web call: one frame): each with its topic, the installation key,
 * as hex, and its bytes as hex.
 */
export function publishedMessages(body) {
  const b = new Uint8Array(body);
  assert.equal(b[0], 0, 'an uncompressed gRPC-Web data frame');
  const len = Buffer.from(b.subarray(1, 5)).readUInt32BE(0);
  const request = b.subarray(5, 5 + len);
  return (parse(request, { 1: 'repeated' })[1] ?? []).map((input) => {
    const versions = parse(input, { 1: 'bytes', 2: 'bytes' });
    const topic = parse(versions[1] ?? versions[2], { 1: 'bytes' })[1];
    return { topic: hex(topic), message: hex(input) };
  });
}
