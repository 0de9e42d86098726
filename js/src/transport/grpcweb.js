// One unary gRPC-Web call over fetch, as browsers make them (the
// deployed XMTP web client does the same through tonic-web-wasm-client):
// POST <url><path> with Content-Type application/grpc-web+proto, the
// request message in one frame (flag 0x00, 4-byte big-endian length),
// and an answer of one message frame then one trailer frame (flag 0x80,
// HTTP/1-style "name: value" lines holding grpc-status and
// grpc-message), or a "trailers-only" answer whose status is in the HTTP
// headers. Every way this can fail becomes a WelcomePointersError.

import { ErrorCode, WelcomePointersError, wpError } from '../errors.js';
import { concat } from './protowire.js';

export const CONTENT_TYPE = 'application/grpc-web+proto';
const FRAME_DATA = 0x00;
const FRAME_COMPRESSED = 0x01;
const FRAME_TRAILER = 0x80;
const HEADER = 5;

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcStatus = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
});
const statusName = Object.fromEntries(Object.entries(GrpcStatus).map(([k, v]) => [v, k]));

// Worth trying again later: the node was busy, down, rate limiting, or
// broke mid-way. Publishing again is safe: nodes deduplicate on
// sha256(installation_key || data).
/** @type {Set<number>} */
const retryableStatus = new Set([
  GrpcStatus.CANCELLED,
  GrpcStatus.UNKNOWN,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.ABORTED,
  GrpcStatus.INTERNAL,
  GrpcStatus.UNAVAILABLE,
]);
const retryableHTTP = (s) => s === 408 || s === 429 || s >= 500;

/**
 * A transport failure: code ERR_FETCH (or ERR_TIMEOUT, ERR_ABORTED) with
 * what is known of it. `retryable` says whether the same call may succeed
 * later.
 *
 * @param {import('../../index.js').ErrorCodeValue} code
 * @param {string} message
 * @param {{ grpcStatus?: number, grpcMessage?: string, httpStatus?: number, retryable?: boolean, cause?: unknown }} [details]
 * @returns {import('../../index.js').TransportError}
 */
export function transportError(code, message, { grpcStatus, grpcMessage, httpStatus, retryable = true, cause } = {}) {
  return /** @type {any} */ (Object.assign(wpError(code, message, cause), { grpcStatus, grpcMessage, httpStatus, retryable }));
}

const malformed = (what, extra) => transportError(ErrorCode.FETCH, `malformed gRPC-Web answer: ${what}`, extra);

/** The grpc-timeout header value for ms (at most 8 digits). */
function grpcTimeout(ms) {
  return ms < 1e8 ? `${Math.ceil(ms)}m` : `${Math.ceil(ms / 1000)}S`;
}

/** A frame: flag, 4-byte big-endian length, payload. */
export function frame(message, flag = FRAME_DATA) {
  const out = new Uint8Array(HEADER + message.length);
  out[0] = flag;
  new DataView(out.buffer).setUint32(1, message.length);
  out.set(message, HEADER);
  return out;
}

/**
 * Calls one unary method. Resolves with the answer message's bytes;
 * rejects with a WelcomePointersError: ERR_TIMEOUT after timeoutMs (or
 * for DEADLINE_EXCEEDED), ERR_ABORTED when signal aborts, ERR_FETCH for
 * everything else (network, HTTP status, non-OK grpc-status, malformed
 * or truncated answer, missing trailers), with grpcStatus, grpcMessage,
 * httpStatus and retryable set as known.
 */
export async function unary({ url, path, message, fetch, headers, timeoutMs, signal, maxResponseBytes }) {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const failure = (e) => {
    if (timedOut) return transportError(ErrorCode.TIMEOUT, `${path}: no answer within ${timeoutMs} ms`, { cause: e });
    if (signal?.aborted) return transportError(ErrorCode.ABORTED, `${path}: aborted`, { cause: signal.reason, retryable: false });
    return null;
  };
  try {
    if (signal?.aborted) throw failure();
    let res;
    try {
      res = await fetch(url + path, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': CONTENT_TYPE,
          accept: CONTENT_TYPE,
          'x-grpc-web': '1',
          'grpc-timeout': grpcTimeout(timeoutMs),
        },
        body: frame(message),
        signal: controller.signal,
        credentials: 'same-origin',
        referrerPolicy: 'strict-origin-when-cross-origin',
      });
    } catch (e) {
      throw failure(e) ?? transportError(ErrorCode.FETCH, `${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    let body;
    try {
      body = await readBody(res, maxResponseBytes, path);
    } catch (e) {
      throw failure(e) ?? e;
    }
    return parseAnswer(res, body, path);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Reads at most max bytes of the body; more is an error, not a buffer. */
async function readBody(res, max, path) {
  const declared = Number(res.headers.get('content-length'));
  const tooLarge = () => transportError(ErrorCode.FETCH, `${path}: answer larger than ${max} bytes`, { httpStatus: res.status, retryable: false });
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks = [];
  let size = 0;
  try {
    if (!res.body) {
      const b = new Uint8Array(await res.arrayBuffer());
      if (b.length > max) throw tooLarge();
      return b;
    }
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > max) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof WelcomePointersError) throw e;
    throw transportError(ErrorCode.FETCH, `${path}: reading the answer: ${e instanceof Error ? e.message : String(e)}`, { httpStatus: res.status, cause: e });
  }
  return concat(chunks);
}

/** Splits the body into its message and its trailers, and checks the status. */
function parseAnswer(res, body, path) {
  const httpStatus = res.status;
  const headerStatus = res.headers.get('grpc-status');
  if (httpStatus !== 200) {
    const status = headerStatus === null ? undefined : Number(headerStatus);
    throw transportError(ErrorCode.FETCH, `${path}: HTTP ${httpStatus}${status === undefined ? '' : ` (grpc-status ${status})`}`, {
      httpStatus,
      grpcStatus: status,
      grpcMessage: decodeMessage(res.headers.get('grpc-message')),
      retryable: retryableHTTP(httpStatus),
    });
  }
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== CONTENT_TYPE && type !== 'application/grpc-web') {
    throw malformed(`${path}: content type ${JSON.stringify(type)}, want ${CONTENT_TYPE}`, { httpStatus });
  }
  let message = null;
  let trailers = null;
  for (let pos = 0; pos < body.length;) {
    if (trailers) throw malformed(`${path}: data after the trailers`, { httpStatus });
    if (body.length - pos < HEADER) throw malformed(`${path}: truncated frame header`, { httpStatus });
    const flag = body[pos];
    const len = new DataView(body.buffer, body.byteOffset + pos + 1, 4).getUint32(0);
    pos += HEADER;
    if (len > body.length - pos) throw malformed(`${path}: truncated frame (${body.length - pos} of ${len} bytes)`, { httpStatus });
    const payload = body.subarray(pos, pos + len);
    pos += len;
    if (flag === FRAME_TRAILER) trailers = parseTrailers(payload, path, httpStatus);
    else if (flag === FRAME_DATA) {
      if (message) throw malformed(`${path}: more than one message in a unary answer`, { httpStatus });
      message = payload;
    } else if (flag === FRAME_COMPRESSED) {
      throw malformed(`${path}: compressed frame (no compression was offered)`, { httpStatus });
    } else throw malformed(`${path}: unknown frame flag 0x${flag.toString(16)}`, { httpStatus });
  }
  let status;
  let text;
  if (trailers) {
    status = trailers.get('grpc-status');
    text = trailers.get('grpc-message');
  } else if (headerStatus !== null) {
    if (message) throw malformed(`${path}: a message without trailers`, { httpStatus });
    status = headerStatus;
    text = res.headers.get('grpc-message');
  } else {
    throw malformed(`${path}: no trailers (the answer ended early)`, { httpStatus });
  }
  if (status === undefined) throw malformed(`${path}: trailers without grpc-status`, { httpStatus });
  if (!/^\d{1,3}$/.test(status)) throw malformed(`${path}: grpc-status ${JSON.stringify(status)}`, { httpStatus });
  const code = Number(status);
  const grpcMessage = decodeMessage(text);
  if (code !== GrpcStatus.OK) {
    const name = statusName[code] ?? `status ${code}`;
    const errCode = code === GrpcStatus.DEADLINE_EXCEEDED ? ErrorCode.TIMEOUT : ErrorCode.FETCH;
    throw transportError(errCode, `${path}: ${name}${grpcMessage ? `: ${grpcMessage}` : ''}`, {
      grpcStatus: code,
      grpcMessage,
      httpStatus,
      retryable: retryableStatus.has(code),
    });
  }
  if (!message) throw malformed(`${path}: OK without a message`, { httpStatus, grpcStatus: code });
  return message;
}

function parseTrailers(payload, path, httpStatus) {
  const out = new Map();
  const text = new TextDecoder('utf-8', { fatal: false }).decode(payload);
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const i = line.indexOf(':');
    if (i <= 0) throw malformed(`${path}: trailer line without a name`, { httpStatus });
    out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

/** grpc-message is percent-encoded UTF-8. */
function decodeMessage(s) {
  if (s === null || s === undefined) return undefined;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
