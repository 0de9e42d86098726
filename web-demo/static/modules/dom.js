// DOM helpers: element building, live-region text, error lines, and
// handing the thread back to the browser.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// Live regions announce changes: write only when the text changes.
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

export const badge = (cls, text) => el('span', { class: `badge ${cls}` }, text);

export function showError(node, text) {
  node.textContent = text;
  node.hidden = false;
}

export function hideError(node) {
  node.hidden = true;
  node.textContent = '';
}

// Hands the thread back to the browser so it can paint and run other
// tasks (MessageChannel: no 4 ms clamp).
const channel = new MessageChannel();
const yieldQueue = [];
channel.port1.onmessage = () => yieldQueue.shift()?.();
export function yieldToBrowser() {
  return new Promise((resolve) => {
    yieldQueue.push(resolve);
    channel.port2.postMessage(null);
  });
}

// A time slice: call it in a loop; it yields once the slice is used up,
// so that no task runs long.
export function slicer(sliceMs = 12) {
  let start = performance.now();
  return async () => {
    if (performance.now() - start < sliceMs) return;
    await yieldToBrowser();
    start = performance.now();
  };
}

// Coalesces renders: fn runs once in the next animation frame however
// often schedule() is called before it; with minIntervalMs, not more
// often than that (2,000 installations changing state would otherwise
// lay out and paint the page at every frame of the open phase).
export function onNextFrame(fn, minIntervalMs = 0) {
  let queued = false;
  let last = -Infinity;
  const run = () => {
    queued = false;
    last = performance.now();
    fn();
  };
  return () => {
    if (queued) return;
    queued = true;
    const wait = last + minIntervalMs - performance.now();
    if (wait > 0) setTimeout(() => requestAnimationFrame(run), wait);
    else requestAnimationFrame(run);
  };
}
