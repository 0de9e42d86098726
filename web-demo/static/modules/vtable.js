// A table whose body holds only the rows in view, and a few around
// them, inside a scrolling box: a table of 2,000 installations costs
// what one of 40 does, however often its rows change.
import { onNextFrame } from './dom.js';

export class VirtualRows {
  #table;
  #box;
  #tbody;
  #build;
  #columns;
  #overscan;
  #rowHeight = 0;
  #count = 0;

  /** build(i) returns the <tr> of row i; the table sits in a scrolling .table-wrap. */
  constructor(table, { build, overscan = 10 }) {
    this.#table = table;
    this.#box = table.closest('.table-wrap');
    this.#tbody = table.tBodies[0];
    this.#build = build;
    this.#columns = table.tHead.rows[0].cells.length;
    this.#overscan = overscan;
    this.schedule = onNextFrame(() => this.render());
    this.#box.addEventListener('scroll', this.schedule, { passive: true });
    window.addEventListener('resize', this.schedule, { passive: true });
  }

  get count() {
    return this.#count;
  }

  /** Sets the number of rows and renders them now. */
  setCount(n) {
    this.#count = n;
    this.#table.setAttribute('aria-rowcount', String(n + 1));
    if (n === 0) this.#box.scrollTop = 0;
    this.render();
  }

  render() {
    const n = this.#count;
    const h = this.#rowHeight || 36;
    const top = Math.max(0, this.#box.scrollTop - this.#table.tHead.offsetHeight);
    const view = this.#box.clientHeight || 600;
    const start = Math.min(n, Math.max(0, Math.floor(top / h) - this.#overscan));
    const end = Math.min(n, Math.ceil((top + view) / h) + this.#overscan);
    const rows = [];
    if (start > 0) rows.push(this.#spacer(start * h));
    for (let i = start; i < end; i++) {
      const row = this.#build(i);
      row.setAttribute('aria-rowindex', String(i + 2));
      rows.push(row);
    }
    if (end < n) rows.push(this.#spacer((n - end) * h));
    this.#tbody.replaceChildren(...rows);
    // The rows' height, once they are laid out: the spacers stand for
    // the rows not built.
    if (!this.#rowHeight && end > start) {
      const measured = rows[start > 0 ? 1 : 0].getBoundingClientRect().height;
      if (measured > 0) {
        this.#rowHeight = measured;
        if (Math.abs(measured - h) > 0.5 && n > end - start) this.schedule();
      }
    }
  }

  #spacer(px) {
    const td = document.createElement('td');
    td.colSpan = this.#columns;
    const tr = document.createElement('tr');
    tr.className = 'spacer';
    tr.setAttribute('aria-hidden', 'true');
    tr.append(td);
    // CSSOM, not a style attribute: the page's CSP allows no inline style.
    tr.style.height = `${px}px`;
    return tr;
  }
}
