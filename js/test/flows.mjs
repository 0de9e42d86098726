// Helpers for the exactly-once suites: many pointers at once, a clock,
// a network that deduplicates like a node, and an openDB that can abort
// chosen transactions (an aborted transaction, a quota error, a store
// failing under the resolver).
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { FakeNetwork, fakeWelcome, makeRecipients, wp } from './helpers.mjs';

export const T0 = 1_700_000_000_000;
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

let dbCounter = 0;
/** A database name no other test uses. */
export const freshName = (prefix = 'flow') => `${prefix}-${process.pid}-${++dbCounter}`;

/** A clock the tests move by hand; sleep() moves it too. */
export function manualClock(t = T0) {
  const clock = { t };
  clock.now = () => clock.t;
  clock.sleep = async (ms) => {
    clock.t += ms;
  };
  return clock;
}

/** The network as a node runs it: messages are deduplicated (installation key and data). */
export class DedupNetwork extends FakeNetwork {
  seen = new Set();
  duplicates = 0;

  publish(input, createdNs) {
    const k = wp.toHex(wp.inputTopic(input).dedupKey);
    if (this.seen.has(k)) {
      this.duplicates++;
      return null;
    }
    this.seen.add(k);
    return super.publish(input, createdNs);
  }
}

/**
 * n invites to one recipient, each with 3 pointer-capable installations
 * (so they use pointers). The pointers are on the network; each
 * pointee is held back until release(i) / releaseAll().
 */
export async function pointerFlood(n, { network = new DedupNetwork(), createdNs = BigInt(T0) * 1_000_000n, welcomeBytes = 256 } = {}) {
  const recipients = makeRecipients(3);
  const me = recipients[0];
  const items = [];
  for (let i = 0; i < n; i++) {
    const welcome = fakeWelcome(welcomeBytes);
    welcome[welcomeBytes - 1] = i & 0xff;
    welcome[welcomeBytes - 2] = (i >> 8) & 0xff;
    const invite = await wp.sealInvite(
      welcome,
      BigInt(i + 1),
      recipients.map((r) => r.installation),
    );
    const pointerMsg = invite.messages.find((m) => m.kind === 'pointer' && wp.toHex(m.installationKey) === wp.toHex(me.installationKey));
    const msg = wp.toWelcomeMessage(pointerMsg.message, BigInt(i + 1), createdNs);
    const received = wp.openWelcome(msg, [me.key]);
    items.push({ invite, received, welcome, id: received.pointer.id, pointee: invite.messages[0].message });
  }
  return {
    network,
    items,
    release: (i, ns = createdNs) => network.publish(items[i].pointee, ns),
    releaseAll: (ns = createdNs) => items.forEach((it) => network.publish(it.pointee, ns)),
  };
}

/**
 * An openDB whose connections abort the transactions that match
 * `fault.when(storeNames, mode)` while fault.count > 0 (each match uses
 * one).
 */
export function faultyOpenDB(fault) {
  return async (name, version, callbacks) => {
    const db = await openDB(name, version, callbacks);
    return new Proxy(db, {
      get(target, prop) {
        if (prop === 'transaction') {
          return (stores, mode, opts) => {
            const tx = target.transaction(stores, mode, opts);
            const names = Array.isArray(stores) ? stores : [stores];
            if (fault.count > 0 && fault.when(names, mode ?? 'readonly')) {
              fault.count--;
              fault.hits = (fault.hits ?? 0) + 1;
              // After the transaction's first requests are issued, as a
              // failing disk or a quota error would.
              Promise.resolve().then(() => {
                try {
                  tx.abort();
                } catch {
                  // already finished
                }
              });
            }
            return tx;
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
}

/** Unhandled rejections seen while fn runs (and a few turns after). */
export async function unhandledDuring(fn) {
  const seen = [];
  const onRejection = (reason) => seen.push(reason);
  process.on('unhandledRejection', onRejection);
  try {
    await fn();
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5));
  } finally {
    process.off('unhandledRejection', onRejection);
  }
  return seen;
}

/** Deliveries per pointer id, from a list of delivered welcomes. */
export function countBy(list, key = (w) => w.pointerId) {
  const m = new Map();
  for (const x of list) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

/** Raw access to a database behind the store's back. */
export function rawDB(name) {
  return openDB(name);
}
