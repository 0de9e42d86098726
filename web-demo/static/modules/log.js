// What the page keeps in localStorage: a log of pointers stored,
// delivered and dropped (one key per event, so that tabs never
// overwrite each other; the resolved list and the browser tests read
// it), what each pending pointer should open to, labels of
// installations with pending pointers, and the outbox's recent events.

const LOG_PREFIX = 'wp-demo-log:';
const EXPECT_PREFIX = 'wp-demo-expect:';
const LABELS_KEY = 'wp-demo-labels';
const OUTBOX_LOG_KEY = 'wp-demo-outbox-log';

// A JSON value kept in localStorage, or fallback.
function stored(key, fallback) {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null') ?? fallback;
  } catch {
    return fallback;
  }
}

function put(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or disabled: display and tests only
  }
}

function remove(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    // nothing to forget
  }
}

/** One event in the shared log: accepted (the app could advance its cursor), delivered (its join), dropped. */
export function logEvent(kind, fields) {
  put(`${LOG_PREFIX}${kind}:${Date.now()}:${Math.random().toString(36).slice(2)}`, { kind, at: Date.now(), ...fields });
}

export function logEntries(kind) {
  const out = [];
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (!k?.startsWith(`${LOG_PREFIX}${kind}:`)) continue;
    const v = stored(k, null);
    if (v) out.push(v);
  }
  return out.sort((a, b) => a.at - b.at);
}

/** What a pending pointer should open to, for the check after a reload. */
export const expect = (pointerId, hex, what) => put(`${EXPECT_PREFIX}${pointerId}:${hex}`, what);
export const expected = (pointerId, hex) => stored(`${EXPECT_PREFIX}${pointerId}:${hex}`, null);
export const forgetExpectation = (pointerId, hex) => remove(`${EXPECT_PREFIX}${pointerId}:${hex}`);

/** Labels of installations with pending pointers, for the panel after a reload. */
export const labels = () => stored(LABELS_KEY, {});
export function rememberLabel(hex, label) {
  const l = labels();
  l[hex] = label;
  put(LABELS_KEY, l);
}
export function forgetLabel(hex) {
  const l = labels();
  if (hex in l) {
    delete l[hex];
    put(LABELS_KEY, l);
  }
}

export const outboxLog = () => stored(OUTBOX_LOG_KEY, []);
export function logOutbox(text) {
  put(OUTBOX_LOG_KEY, [{ at: Date.now(), text }, ...outboxLog()].slice(0, 20));
}

/** Forgets everything above (the page's reset). */
export function clearLog() {
  for (const k of Object.keys(localStorage)) {
    if (k.startsWith(EXPECT_PREFIX) || k.startsWith(LOG_PREFIX)) remove(k);
  }
  remove(LABELS_KEY);
  remove(OUTBOX_LOG_KEY);
}
