// The page's shared state and the names it keeps in the browser.

// The demo's retry schedule: the deployed client waits 5 minutes before
// the first deferred retry; the demo waits 5 seconds so the pending path
// can be watched. Everything else is the deployed schedule.
export const DEMO_POLICY = { firstRetryMs: 5_000, backoff: 1.5, maxDelayMs: 60_000 };
// How the resolvers and the outbox loop while the page is open.
export const LOOP = { minIntervalMs: 500, maxIntervalMs: 5_000 };

// Pending stores are named after an installation: its own (one per
// device), or the one an invite's bulk installations share (see
// invite.js).
export const STORE_PREFIX = 'wp-demo-installation-';
// The sender's outbox lives in its own database, as on the sender's device.
export const SENDER_DB = 'wp-demo-sender';

export const MAX_INSTALLATIONS = 2500;

// How many pointer installations of an invite get a pending store of
// their own, as on their own devices; the others share one (?ownStores=N
// in the page's address changes it, up to every installation).
export const OWN_STORES = (() => {
  const n = Number(new URLSearchParams(location.search).get('ownStores'));
  return Number.isInteger(n) && n >= 0 && n <= MAX_INSTALLATIONS && new URLSearchParams(location.search).has('ownStores') ? n : 32;
})();

export const state = {
  ready: false,
  running: false,
  policy: null,
  node: null, // last /admin/status
  nodeAskedAt: 0,
  pointees: new Map(), // destination hex -> { state, visibleAt, askedAt } from the node's admin
  run: null, // the current invite run
  stores: new Map(), // store name -> { store, resolver, hex, name, retire }
  sender: null, // { store, outbox }
  publishing: null, // id of the invite this page is publishing now
  resolved: [], // welcomes resolved after a wait, for the list
  minPointerSize: null,
};
