// xmtpTransport: publishing invites and fetching pointees over the XMTP
// network's own API, gRPC-Web as browsers call it. Two protocols behind
// one interface:
//
// - "v3": xmtp.mls.api.v1.MlsApi on an XMTP node (SendWelcomeMessages,
//   QueryWelcomeMessages); the topic is the installation key (the
//   destination, for a pointee).
// - "decentralized": xmtpd. Publishing goes through a payer gateway
//   (PublishClientEnvelopes: each message in a ClientEnvelope whose
//   authenticated data names the topic 0x01 || installation key), queries
//   go to a node (QueryEnvelopes), whose answer is unwrapped to the
//   WelcomeMessageInput and given the WelcomeMessage form (id = the
//   originator's sequence id, created_ns = its timestamp), as the
//   deployed client does.
//
// Paths, paging and limits, and where they were read: docs/xmtp-api.md.

import { DEFAULT_MAX_MESSAGE_SIZE, inputTopic, toWelcomeMessage } from '../api.js';
import { ErrorCode, WelcomePointersError, wpError } from '../errors.js';
import { describe } from '../hex.js';
import { transportError, unary } from './grpcweb.js';
import { WireError, concat, encode, lenFieldSize, parse } from './protowire.js';

/** The protocols xmtpTransport speaks. */
export const TransportProtocol = Object.freeze({ V3: 'v3', DECENTRALIZED: 'decentralized' });

const MLS_API = '/xmtp.mls.api.v1.MlsApi/';
const PATHS = Object.freeze({
  [TransportProtocol.V3]: { publish: `${MLS_API}SendWelcomeMessages`, query: `${MLS_API}QueryWelcomeMessages` },
  // The service names deployed clients call; GatewayApi and QueryApi are
  // their newer names for the same messages.
  [TransportProtocol.DECENTRALIZED]: {
    publish: '/xmtp.xmtpv4.payer_api.PayerApi/PublishClientEnvelopes',
    query: '/xmtp.xmtpv4.message_api.ReplicationApi/QueryEnvelopes',
  },
});

export const DEFAULT_TIMEOUT_MS = 30_000;
/** The deployed client sends at most 50 welcome messages per request. */
export const DEFAULT_MAX_BATCH_MESSAGES = 50;
/** Room for framing, paging info and trailers around the largest message. */
const ANSWER_OVERHEAD = 64 * 1024;
const SORT_ASCENDING = 1n;
const WELCOME_TOPIC_KIND = 0x01;
const MAX_TOPIC_LENGTH = 128;
const MAX_INT32 = 2 ** 31 - 1;

const OPTIONS = new Set(['url', 'protocol', 'gatewayUrl', 'fetch', 'headers', 'timeoutMs', 'maxRequestBytes', 'maxBatchMessages', 'maxMessageSize']);

const argError = (msg) => wpError(ErrorCode.ARGUMENT, `xmtpTransport: ${msg}`);

function checkURL(v, name) {
  if (typeof v !== 'string') throw argError(`${name} must be a string, got ${describe(v)}`);
  let u;
  try {
    u = new URL(v);
  } catch {
    throw argError(`${name} is not a URL: ${JSON.stringify(v)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw argError(`${name} must be http: or https:`);
  // Paths are appended; proxies do not like a doubled slash.
  return v.replace(/\/+$/, '');
}

function checkInt(v, name, def, max = MAX_INT32) {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v < 1 || v > max) throw argError(`${name} must be an integer from 1 to ${max}`);
  return v;
}

function checkHeaders(h) {
  if (h === undefined) return {};
  if (h === null || typeof h !== 'object' || Array.isArray(h)) throw argError('headers must be an object of strings');
  const out = {};
  for (const [k, v] of Object.entries(h)) {
    if (typeof v !== 'string') throw argError(`header ${k} must be a string`);
    out[k.toLowerCase()] = v;
  }
  return out;
}

/**
 * Creates a transport. Options: url (the node), protocol ("v3" or
 * "decentralized"), gatewayUrl (decentralized: where to publish; default
 * url), fetch, headers, timeoutMs (per request), maxRequestBytes (the
 * node's request cap; batches stay under it), maxBatchMessages,
 * maxMessageSize (largest message accepted from the node).
 */
export function xmtpTransport(options) {
  if (options === null || typeof options !== 'object') throw argError(`options must be an object, got ${describe(options)}`);
  for (const k of Object.keys(options)) if (!OPTIONS.has(k)) throw argError(`unknown option ${JSON.stringify(k)}`);
  const protocol = options.protocol ?? TransportProtocol.V3;
  if (!Object.values(TransportProtocol).includes(protocol)) throw argError('protocol must be "v3" or "decentralized"');
  const url = checkURL(options.url, 'url');
  const gatewayUrl = options.gatewayUrl === undefined ? url : checkURL(options.gatewayUrl, 'gatewayUrl');
  if (options.gatewayUrl !== undefined && protocol !== TransportProtocol.DECENTRALIZED) throw argError('gatewayUrl is for the decentralized protocol');
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') throw argError('no fetch function (pass options.fetch)');
  const headers = checkHeaders(options.headers);
  const timeoutMs = checkInt(options.timeoutMs, 'timeoutMs', DEFAULT_TIMEOUT_MS);
  const maxRequestBytes = checkInt(options.maxRequestBytes, 'maxRequestBytes', DEFAULT_MAX_MESSAGE_SIZE);
  const maxBatchMessages = checkInt(options.maxBatchMessages, 'maxBatchMessages', DEFAULT_MAX_BATCH_MESSAGES);
  const maxMessageSize = checkInt(options.maxMessageSize, 'maxMessageSize', DEFAULT_MAX_MESSAGE_SIZE);
  const paths = PATHS[protocol];
  const decentralized = protocol === TransportProtocol.DECENTRALIZED;

  const call = (base, path, message, signal, maxResponseBytes) =>
    unary({
      url: base,
      path,
      message,
      fetch: (...a) => fetchFn(...a),
      headers,
      timeoutMs,
      signal,
      maxResponseBytes,
    });

  /**
   * Publishes messages in order, in batches under the request cap.
   *
   * @param {import('../../index.js').Invite | readonly (Uint8Array | import('../../index.js').OutgoingMessage)[]} what
   * @param {{ signal?: AbortSignal, start?: number, onBatch?: (b: object) => void }} [options]
   */
  async function publish(what, { signal, start = 0, onBatch } = {}) {
    const messages = outgoing(what);
    if (!Number.isSafeInteger(start) || start < 0 || start > messages.length) {
      throw argError(`publish: start must be an integer from 0 to ${messages.length}`);
    }
    if (onBatch !== undefined && typeof onBatch !== 'function') throw argError('publish: onBatch must be a function');
    // Every message is checked (the node's rules, the size cap) before
    // the first request.
    const elements = messages.map((m, i) => {
      const { topic } = inputTopic(m);
      const el = decentralized ? clientEnvelope(topic, m) : m;
      const size = lenFieldSize(1, el.length);
      if (size > maxRequestBytes) {
        throw wpError(ErrorCode.TOO_LARGE, `publish: message ${i} takes ${size} bytes in a request; the node takes at most ${maxRequestBytes}`);
      }
      return { el, size };
    });
    const batches = [];
    for (let i = start; i < elements.length;) {
      let end = i;
      let bytes = 0;
      while (end < elements.length && end - i < maxBatchMessages && bytes + elements[end].size <= maxRequestBytes) {
        bytes += elements[end++].size;
      }
      const request = concat(elements.slice(i, end).map(({ el }) => encode([[1, el]])));
      try {
        await call(gatewayUrl, paths.publish, request, signal, ANSWER_OVERHEAD + maxMessageSize);
      } catch (e) {
        e.sent = i;
        e.batches = batches.slice();
        throw e;
      }
      const result = Object.freeze({ index: batches.length, start: i, end, count: end - i, bytes });
      batches.push(result);
      if (onBatch) {
        try {
          await onBatch(result);
        } catch {
          // The app's bookkeeping; it sees the results in the answer too.
        }
      }
      i = end;
    }
    return { sent: messages.length, total: messages.length, batches };
  }

  /**
   * The first message on a topic in WelcomeMessage form, or null.
   *
   * @param {Uint8Array} topic
   * @param {{ signal?: AbortSignal }} [options]
   */
  async function fetchFirstMessage(topic, { signal } = {}) {
    checkTopic(topic, decentralized);
    const request = decentralized
      ? encode([
          [1, encode([[1, topic]])],
          [2, 1],
        ])
      : encode([
          [1, topic],
          [
            2,
            encode([
              [1, SORT_ASCENDING],
              [2, 1],
            ]),
          ],
        ]);
    const answer = await call(url, paths.query, request, signal, ANSWER_OVERHEAD + maxMessageSize);
    try {
      return decentralized ? firstEnvelope(answer, topic) : firstWelcome(answer, topic);
    } catch (e) {
      if (e instanceof WelcomePointersError) throw e;
      throw transportError(
        ErrorCode.FETCH,
        `${paths.query}: ${e instanceof WireError ? 'malformed answer: ' : ''}${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
  }

  return Object.freeze({
    protocol,
    /** For createResolver({ topic }): which topic fetchFirstMessage takes. */
    topic: decentralized ? 'decentralized' : 'v3',
    publish,
    fetchFirstMessage,
  });
}

/** The encoded messages of an invite, an array of them, or of OutgoingMessage. */
function outgoing(what) {
  const list = Array.isArray(what) ? what : what?.messages;
  if (!Array.isArray(list)) throw argError(`publish: expected an invite or an array of messages, got ${describe(what)}`);
  return list.map((m, i) => {
    const b = m instanceof Uint8Array ? m : m?.message;
    if (!(b instanceof Uint8Array) || b.length === 0) throw argError(`publish: message ${i} is not a non-empty Uint8Array`);
    return b;
  });
}

function checkTopic(topic, decentralized) {
  if (!(topic instanceof Uint8Array) || topic.length === 0 || topic.length > MAX_TOPIC_LENGTH) {
    throw argError(`fetchFirstMessage: topic must be a Uint8Array of 1 to ${MAX_TOPIC_LENGTH} bytes`);
  }
  if (decentralized && (topic.length < 2 || topic[0] !== WELCOME_TOPIC_KIND)) {
    throw argError('fetchFirstMessage: a decentralized welcome topic is 0x01 || installation key');
  }
}

/** ClientEnvelope { aad: { target_topic: 0x01 || key }, welcome_message }. */
function clientEnvelope(installationKey, message) {
  const topic = new Uint8Array(installationKey.length + 1);
  topic[0] = WELCOME_TOPIC_KIND;
  topic.set(installationKey, 1);
  return encode([
    [1, encode([[2, topic]])],
    [3, message],
  ]);
}

const equalBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

const protocolError = (msg) => transportError(ErrorCode.FETCH, msg, { retryable: false });

/** QueryWelcomeMessagesResponse { repeated WelcomeMessage messages = 1; PagingInfo paging_info = 2 }. */
function firstWelcome(answer, topic) {
  const r = parse(answer, { 1: 'repeated', 2: 'bytes' });
  const messages = r[1] ?? [];
  if (r[2] !== undefined) {
    const direction = parse(r[2], { 1: 'varint' })[1] ?? 0n;
    if (direction !== SORT_ASCENDING) throw protocolError(`the node answered in direction ${direction}, not ascending: its first message is not the oldest`);
  }
  if (messages.length === 0) return null;
  if (messages.length > 1) throw protocolError(`asked for one message, got ${messages.length}: the node ignores the paging`);
  const m = messages[0];
  const versions = parse(m, { 1: 'repeated', 2: 'repeated' });
  const [v1, ptr] = [versions[1] ?? [], versions[2] ?? []];
  if (v1.length + ptr.length !== 1) throw new WireError('a WelcomeMessage needs exactly one version');
  const key = parse(v1[0] ?? ptr[0], { 3: 'bytes' })[3];
  if (!key || !equalBytes(key, topic)) throw protocolError('the node answered a message of another topic');
  return m.slice();
}

/** QueryEnvelopesResponse { repeated OriginatorEnvelope envelopes = 1 }, unwrapped. */
function firstEnvelope(answer, topic) {
  const envelopes = parse(answer, { 1: 'repeated' })[1] ?? [];
  if (envelopes.length === 0) return null;
  if (envelopes.length > 1) throw protocolError(`asked for one envelope, got ${envelopes.length}: the node ignores the limit`);
  const unsigned = parse(parse(envelopes[0], { 1: 'bytes' })[1] ?? new Uint8Array(), { 2: 'varint', 3: 'varint', 4: 'bytes' });
  const payer = parse(unsigned[4] ?? new Uint8Array(), { 1: 'bytes' });
  const client = parse(payer[1] ?? new Uint8Array(), { 1: 'bytes', 3: 'bytes' });
  const target = parse(client[1] ?? new Uint8Array(), { 2: 'bytes' })[2];
  if (!target || !equalBytes(target, topic)) throw protocolError('the node answered an envelope of another topic');
  if (!client[3]) throw protocolError('the first envelope on the topic holds no welcome message');
  try {
    // originator_ns is an int64; as created_ns it is read as a uint64.
    return toWelcomeMessage(client[3], unsigned[2] ?? 0n, BigInt.asUintN(64, unsigned[3] ?? 0n));
  } catch (e) {
    if (e?.code === ErrorCode.NOT_INITIALIZED) throw e;
    throw transportError(ErrorCode.FETCH, `the first envelope's welcome message breaks the node's rules: ${e?.message}`, { retryable: false, cause: e });
  }
}
