// The timer loop behind resolver.start() and outbox.start(): run one
// round now, then again after the wait the round asks for, bounded by
// [minIntervalMs, maxIntervalMs]; errors go to the app's onError.
import { ErrorCode, asError } from './errors.js';
import { checkMs, readOptions } from './options.js';

const LOOP_OPTIONS = new Set(['minIntervalMs', 'maxIntervalMs']);

/** The default sleep of the resolver and the outbox (tests pass their own). */
export function realSleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Loop {
  #round;
  #onError;
  #timer = null;
  #running = false;

  /**
   * @param {() => Promise<number | null>} round one round; resolves the
   *   wait wanted before the next (ms), or null for "nothing due"
   * @param {(e: Error) => void} onError
   */
  constructor(round, onError) {
    this.#round = round;
    this.#onError = onError;
  }

  /** Starts the loop (once); where names the caller in argument errors. */
  start(where, options, isOpen) {
    const o = readOptions(where, 'options', options, LOOP_OPTIONS);
    checkMs(where, 'minIntervalMs', o.minIntervalMs);
    checkMs(where, 'maxIntervalMs', o.maxIntervalMs);
    const min = o.minIntervalMs ?? 1_000;
    const max = Math.max(min, o.maxIntervalMs ?? 60_000);
    if (this.#running) return;
    this.#running = true;
    const tick = async () => {
      this.#timer = null;
      let want = null;
      try {
        want = await this.#round();
      } catch (e) {
        this.#onError(asError(e, ErrorCode.STORE));
      }
      if (!this.#running || !isOpen()) return;
      this.#timer = setTimeout(tick, want === null ? max : Math.min(max, Math.max(min, want)));
    };
    this.#timer = setTimeout(tick, 0);
  }

  stop() {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
