// The progress bar of the invite's phases.
import { $ } from './dom.js';
import { fmtInt } from './format.js';

export const progress = {
  box: $('progress-box'),
  bar: $('progress'),
  label: $('progress-label'),
  text: $('progress-text'),
  lastText: 0,
  lastBar: 0,
  start(label) {
    this.box.hidden = false;
    this.label.textContent = label;
    this.bar.max = 1;
    this.bar.value = 0;
    this.text.textContent = '';
    this.lastText = 0;
    this.lastBar = 0;
  },
  set(done, total, words) {
    // The bar moves ten times a second (each move is a paint), the text
    // twice a second (screen readers hear it).
    const now = performance.now();
    if (done >= total || now - this.lastBar > 100) {
      this.bar.max = Math.max(total, 1);
      this.bar.value = done;
      this.lastBar = now;
    }
    if (done >= total || now - this.lastText > 500) {
      this.text.textContent = words ?? `${fmtInt(done)} of ${fmtInt(total)}`;
      this.lastText = now;
    }
  },
  done(words) {
    this.bar.max = 1;
    this.bar.value = 1;
    this.label.textContent = 'Done';
    this.text.textContent = words;
  },
  fail(words) {
    this.label.textContent = 'Stopped';
    this.text.textContent = words;
  },
  hide() {
    this.box.hidden = true;
  },
};
