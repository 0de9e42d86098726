// The welcome pointers demo page. It plays every role in one page: it
// makes the installations' keys and key-package extensions, seals the
// invite with the WebAssembly module, publishes it through the module's
// durable outbox and xmtpTransport to the demo server's welcome node
// (the XMTP API, MlsApi over gRPC-Web), and has every installation open
// its welcome. Pointers go through the module's resolver: stored in
// IndexedDB before the first fetch, quick retries on the stored record,
// then deferred retries; a reload, another tab or a closed tab loses
// nothing and delivers nothing twice.
//
// One module per concern, in modules/: the form, the invite, the
// results, the pending pointers, the outbox, the node's panel, inspect,
// and the network (the page's only way to it).
import * as wp from '@welcome-pointers/wasm';
import { $, hideError, showError } from './modules/dom.js';
import { errorText, fmtMs } from './modules/format.js';
import { form, readForm, updateDerived } from './modules/form.js';
import { runInspect } from './modules/inspect.js';
import { runInvite } from './modules/invite.js';
import { clearLog } from './modules/log.js';
import { connect, forgetMessages, resetNode } from './modules/network.js';
import { loadNodeForm, onNodeForm, onRelease, refreshNode } from './modules/node-panel.js';
import { openSender, renderOutbox } from './modules/outbox.js';
import { onAutoRetry, refreshPending, renderResolved, reopenStores, retireAll, retryNow, storeNotice } from './modules/pending.js';
import { progress } from './modules/progress.js';
import { clearResults } from './modules/results.js';
import { DEMO_POLICY, STORE_PREFIX, state } from './modules/state.js';

function setBusy(busy) {
  state.running = busy;
  $('invite-btn').disabled = busy;
  $('reset-btn').disabled = busy;
}

async function onInvite(ev) {
  ev.preventDefault();
  hideError($('form-error'));
  if (state.running) return;
  const f = readForm();
  if (f.errors.length) {
    showError($('form-error'), f.errors.join(' '));
    return;
  }
  setBusy(true);
  try {
    await refreshNode();
    await runInvite(f);
  } catch (e) {
    progress.fail('The invite did not complete.');
    showError($('form-error'), errorText(e));
  } finally {
    setBusy(false);
    refreshNode();
  }
}

// Clears the node, every store of this page and the page's log.
async function onReset() {
  hideError($('form-error'));
  hideError($('pending-error'));
  try {
    await resetNode();
    forgetMessages();
    await retireAll();
    if (typeof indexedDB.databases === 'function') {
      for (const { name } of await indexedDB.databases()) {
        if (name?.startsWith(STORE_PREFIX)) indexedDB.deleteDatabase(name);
      }
    }
    await state.sender?.store.clear();
    clearLog();
    state.run = null;
    state.resolved = [];
    state.pointees.clear();
    renderResolved();
    clearResults();
    progress.hide();
    await refreshPending();
    await renderOutbox();
    await refreshNode();
  } catch (e) {
    showError($('form-error'), errorText(e));
  }
}

async function main() {
  form.addEventListener('input', updateDerived);
  form.addEventListener('submit', onInvite);
  $('reset-btn').addEventListener('click', onReset);
  $('node-form').addEventListener('submit', onNodeForm);
  $('release-btn').addEventListener('click', onRelease);
  $('retry-btn').addEventListener('click', retryNow);
  $('auto-retry').addEventListener('change', onAutoRetry);
  $('inspect-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    runInspect();
  });

  const status = $('module-status');
  const t0 = performance.now();
  try {
    await wp.init({ wasmURL: '/js/dist/welcome-pointers.wasm' });
  } catch (e) {
    status.className = 'status bad';
    status.textContent = `The WebAssembly module did not load. ${errorText(e)}`;
    $('invite-btn').disabled = true;
    return;
  }
  state.ready = true;
  state.policy = wp.retry.policy(DEMO_POLICY);
  status.className = 'status ok';
  status.textContent = `WebAssembly module ${wp.VERSION} ready (loaded in ${fmtMs(performance.now() - t0)}).`;
  const q = state.policy.quick;
  $('retry-policy').textContent =
    `Retry schedule: ${q.attempts} quick tries over about ${fmtMs((q.initialMs * (q.factor ** (q.attempts - 1) - 1)) / (q.factor - 1))}, `
    + `then a deferred attempt after ${state.policy.firstRetryMs / 1000} s (the deployed client waits 5 minutes), ×${state.policy.backoff} each time up to ${state.policy.maxDelayMs / 1000} s, `
    + `at most ${state.policy.maxAttempts} attempts, for ${state.policy.expiryMs / 3_600_000} hours.`;
  // The transport, for the node's request cap.
  const node = await loadNodeForm();
  connect(node?.maxRequest);
  try {
    await openSender();
  } catch (e) {
    status.className = 'status bad';
    status.textContent = `The sender's outbox (IndexedDB) did not open: ${errorText(e)}`;
    return;
  }
  $('invite-btn').disabled = false;
  $('inspect-btn').disabled = false;
  updateDerived();

  const rescan = () => reopenStores().catch((e) => storeNotice(`Reopening the pending stores: ${errorText(e)}`));
  await rescan();
  await refreshPending();
  await renderOutbox();
  // The stores left by earlier pages are open and listed (tests wait for it).
  document.documentElement.dataset.storesOpened = 'true';
  // Keep the pending panel and the node's line current, and open the
  // stores other tabs create.
  let n = 0;
  setInterval(() => {
    refreshPending();
    if (++n % 2 === 0) refreshNode();
    if (n % 5 === 0) rescan();
  }, 1000);
}

main().catch((e) => {
  const status = $('module-status');
  status.className = 'status bad';
  status.textContent = `The page failed to start: ${errorText(e)}`;
});
