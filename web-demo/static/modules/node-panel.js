// The demo node's panel: what it holds, how it treats pointees (held
// back, dropped), and its word on the pointees of pending pointers. All
// through the demo server's admin endpoints.
import { $, hideError, setText, showError } from './dom.js';
import { errorText, fmtBytes, fmtInt, fmtTime, plural } from './format.js';
import { nodeStatus, pointeeStates, releasePointees, setPointeeBehavior } from './network.js';
import { pendingDestinations, renderPending } from './pending.js';
import { state } from './state.js';

export async function refreshNode() {
  try {
    const asked = Date.now();
    const s = await nodeStatus();
    state.node = s;
    state.nodeAskedAt = asked;
    const mode = s.dropPointees
      ? 'drops pointees'
      : s.pointeeDelayMs > 0
        ? `holds each pointee back for ${s.pointeeDelayMs / 1000} s`
        : 'delivers pointees at once';
    const held = s.held ? `; ${plural(s.held, 'pointee')} held until ${s.heldUntil.map((t) => fmtTime(Date.parse(t))).join(', ')}` : '';
    setText($('node-status'), `Node: ${fmtInt(s.messages)} messages, ${fmtBytes(s.bytes)} of ${fmtBytes(s.maxStored)}; it ${mode}${held}.`);
    await refreshPointees();
    return s;
  } catch (e) {
    setText($('node-status'), errorText(e));
    return null;
  }
}

// The node's word on the pointees of the pending pointers: dropped, or
// gone (after a reset), labels the rows.
async function refreshPointees() {
  const hexes = pendingDestinations().slice(0, 100);
  if (hexes.length === 0) return;
  const asked = Date.now();
  const states = await pointeeStates(hexes);
  for (const [hex, p] of Object.entries(states)) state.pointees.set(hex, { ...p, askedAt: asked });
  renderPending();
}

export async function loadNodeForm() {
  const s = await refreshNode();
  if (s) {
    $('delay').value = String(Math.round(s.pointeeDelayMs / 1000));
    $('drop').checked = s.dropPointees;
  }
  return s;
}

export async function onNodeForm(ev) {
  ev.preventDefault();
  const v = $('delay').value.trim();
  const secs = Number(v);
  if (v === '' || !Number.isFinite(secs) || secs < 0 || secs > 86400) {
    $('delay').setAttribute('aria-invalid', 'true');
    showError($('pending-error'), 'The delay must be a number of seconds from 0 to 86400.');
    return;
  }
  $('delay').removeAttribute('aria-invalid');
  hideError($('pending-error'));
  try {
    await setPointeeBehavior({ pointeeDelayMs: Math.round(secs * 1000), dropPointees: $('drop').checked });
    await refreshNode();
  } catch (e) {
    showError($('pending-error'), errorText(e));
  }
}

export async function onRelease() {
  hideError($('pending-error'));
  try {
    const r = await releasePointees();
    $('node-status').textContent = `Released ${plural(r.released, 'held pointee')}.`;
    setTimeout(refreshNode, 1500);
  } catch (e) {
    showError($('pending-error'), errorText(e));
  }
}
