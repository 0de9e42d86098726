// The sender's outbox: each sealed invite stored in IndexedDB before its
// first byte goes out, published pointee first in batches through the
// transport, and finished after a reload.
import * as wp from '@welcome-pointers/wasm';
import { $, el, setText } from './dom.js';
import { codeWords, errorText, fmtInt, fmtRelative, fmtTime, short } from './format.js';
import { logOutbox, outboxLog } from './log.js';
import { publish } from './network.js';
import { storeNotice } from './pending.js';
import { progress } from './progress.js';
import { LOOP, SENDER_DB, state } from './state.js';

export async function openSender() {
  const store = await wp.openPendingStore({ name: SENDER_DB });
  // ?batch=N: smaller batches, to watch the outbox resume after a reload.
  const batch = Number(new URLSearchParams(location.search).get('batch'));
  const outbox = wp.createOutbox({
    store,
    publish,
    ...(Number.isInteger(batch) && batch >= 1 && batch <= 10_000 ? { batchMessages: batch } : {}),
    onProgress: (p) => {
      if (state.publishing === p.id) progress.set(p.sent, p.total, `${fmtInt(p.sent)} of ${fmtInt(p.total)} messages published`);
      renderOutbox();
    },
    onSent: (r) => {
      if (state.publishing !== r.id) logOutbox(`Invite ${short(r.id)}: the last of its ${fmtInt(r.total)} messages went out (resumed by the outbox).`);
      renderOutbox();
    },
    onAbandoned: (r) => {
      logOutbox(`Invite ${short(r.id)} abandoned after ${fmtInt(r.sent)} of ${fmtInt(r.total)} messages: ${errorText(r.error)}.`);
      renderOutbox();
    },
    onError: () => renderOutbox(),
  });
  store.subscribe((ev) => {
    if (ev.type === 'outbox') renderOutbox();
  });
  state.sender = { store, outbox };
  // Finishes what a reloaded or closed tab left half published.
  outbox.start(LOOP);
}

let rendering = null;
export function renderOutbox() {
  rendering ??= (async () => {
    try {
      const list = state.sender ? await state.sender.outbox.list() : [];
      const table = $('outbox-table');
      table.hidden = list.length === 0;
      table.tBodies[0].replaceChildren(
        ...list.map((x) =>
          el(
            'tr',
            { 'data-invite': x.id },
            el('td', {}, el('span', { class: 'mono', title: x.id }, short(x.id))),
            el('td', { class: 'num' }, `${fmtInt(x.sent)} of ${fmtInt(x.total)}`),
            el('td', { class: 'num' }, `${fmtInt(x.next)} of ${fmtInt(x.batches)}`),
            el('td', {}, x.lastError ? `${codeWords(x.lastError)}; retry ${fmtRelative(x.nextAttemptMs)}` : 'sending'),
          ),
        ),
      );
      setText(
        $('outbox-summary'),
        list.length === 0
          ? 'The outbox is empty: every invite went out.'
          : `${fmtInt(list.length)} invite${list.length === 1 ? '' : 's'} in the outbox (IndexedDB): stored before the first byte went out, finished after a reload.`,
      );
      $('outbox-log').replaceChildren(...outboxLog().map((l) => el('li', {}, `${fmtTime(l.at)} — ${l.text}`)));
    } catch (e) {
      if (e.code !== 'ERR_CLOSED') storeNotice(`Outbox: ${errorText(e)}`);
    } finally {
      rendering = null;
    }
  })();
  return rendering;
}
