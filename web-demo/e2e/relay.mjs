// The browser tests' one door to the relay standing in for the network:
// resetting it, holding pointees back, reading what a topic holds. Keep
// every relay call of the tests here, so that a real network API can
// take the relay's place by changing this file alone.
import assert from 'node:assert/strict';

export function relayClient(context, baseURL) {
  async function call(method, p, data) {
    const res = await context.request.fetch(new URL(p, baseURL).href, {
      method,
      headers: data === undefined ? {} : { 'Content-Type': 'application/json' },
      data: data === undefined ? undefined : JSON.stringify(data),
    });
    assert.ok(res.ok(), `${method} ${p}: HTTP ${res.status()} ${await res.text()}`);
    return res.status() === 204 ? null : res.json();
  }
  return {
    call,
    /** Forgets every message. */
    reset: () => call('POST', '/api/reset'),
    /** Pointees published from now on are held back delayMs (0: delivered at once). */
    holdPointees: (delayMs) => call('POST', '/api/config', { pointeeDelayMs: delayMs, dropPointees: false }),
    /** Makes every held pointee visible now. */
    releasePointees: () => call('POST', '/api/pointees/release'),
    stats: () => call('GET', '/api/stats'),
    /** The messages on a topic (hex), in order. */
    topicMessages: async (topicHex) => (await call('GET', `/api/topics/${topicHex}`)).messages,
  };
}

/** The route glob of publish requests (to slow them down in a test). */
export const PUBLISH_ROUTE = '**/api/publish';
