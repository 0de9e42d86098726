// The page's only way to the network: xmtpTransport, the package's
// client of the XMTP API (xmtp.mls.api.v1.MlsApi over gRPC-Web), pointed
// at the demo server, which serves the API on the page's own origin. And,
// apart from the network, the demo server's admin endpoints (reset, the
// pointee behavior, release, status).
import * as wp from '@welcome-pointers/wasm';
import { yieldToBrowser } from './dom.js';

let current = null;

/** The transport, for the node's request cap (from its admin status). */
export function connect(maxRequestBytes) {
  current = wp.xmtpTransport({
    url: location.origin,
    ...(Number.isSafeInteger(maxRequestBytes) && maxRequestBytes > 0 ? { maxRequestBytes } : {}),
  });
  return current;
}

export const transport = () => current ?? connect();

// The outbox's publish: the batch, in order, through the transport
// (which splits it under the node's request cap). What it returns is
// what the outbox records for the batch.
export const publish = (messages, { signal }) => transport().publish(messages, { signal });

// The resolvers' fetchFirstMessage. The first message on a topic never
// changes, so what was found is kept, and concurrent asks for one topic
// share one request: the installations of an invite all ask for the same
// pointee. Each caller then continues in a task of its own, so that the
// resolvers sharing an answer open their pointees one task each.
const firstMessages = new Map(); // topic hex -> Uint8Array
const inFlight = new Map(); // topic hex -> Promise

export async function fetchFirstMessage(topic, { signal } = {}) {
  const hex = wp.toHex(topic);
  let message = firstMessages.get(hex);
  if (!message) {
    let p = inFlight.get(hex);
    if (!p) {
      p = transport()
        .fetchFirstMessage(topic)
        .then((m) => {
          if (m) firstMessages.set(hex, m);
          return m;
        })
        .finally(() => inFlight.delete(hex));
      inFlight.set(hex, p);
    }
    message = await p;
  }
  await yieldToBrowser();
  signal?.throwIfAborted();
  return message;
}

/** An installation's own topic, asked once (no sharing, no keeping). */
export const fetchOwnTopic = (topic) => transport().fetchFirstMessage(topic);

export function forgetMessages() {
  firstMessages.clear();
}

// ---- the demo server's admin endpoints ----

export class AdminError extends Error {}

async function admin(path, { method = 'GET', body } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      cache: 'no-store',
      ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    });
  } catch (e) {
    throw new AdminError(`the demo server at ${location.host} is not reachable (${e.message}); is it still running?`);
  }
  let json = null;
  try {
    json = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) throw new AdminError(`the demo server answered HTTP ${res.status}: ${json?.error ?? res.statusText}`);
  return json;
}

export const nodeStatus = () => admin('/admin/status');
export const resetNode = () => admin('/admin/reset', { method: 'POST' });
/** { pointeeDelayMs, dropPointees }, for pointees published from now on. */
export const setPointeeBehavior = (behavior) => admin('/admin/pointees', { method: 'POST', body: behavior });
export const releasePointees = () => admin('/admin/pointees/release', { method: 'POST' });
/** What became of the pointees of these destinations (hex): { hex: { state, visibleAt } }. */
export const pointeeStates = (hexes) => admin(`/admin/pointees?${hexes.map((h) => `topic=${h}`).join('&')}`);
