// regview explorer widget, part 1 of 4: helpers and the virtual list.
//
// The widget's ES module is list.js + draw.js + explorer.js + actions.js, joined in that
// order by regview.notebook.widget (no build step, no network, no import).
//
// Every string that came from a registry is put in the page with textContent, never as
// markup, and never in an attribute (the only attributes set from kernel data are data-*
// integers the kernel made: row numbers and node ids). Lists show a window of rows
// (virtual scrolling): the kernel sends the rows of the window asked for, by version.

const ROW = 22; // px, one row of every list
const OVERSCAN = 8; // rows drawn above and below the viewport
const CACHE_ROWS = 3000; // rows kept per list before the farthest are dropped
const STYLES = new Set(["bold", "dim", "blue", "green", "cyan", "yellow", "magenta", "red"]);
const ACTIONS = new Set(["files", "merged", "raw"]);
const STATUS_CLASSES = new Set(["added", "changed", "opaque", "deleted"]);
const LEVELS = ["repos", "tags", "tree", "details"];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function styled(text, style) {
  const span = el("span", STYLES.has(style) ? `rv-s-${style}` : "", text);
  return span;
}

function str(value) {
  return typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
}

// --- a virtual list ------------------------------------------------------------------------

class VirtualList {
  // ``incomplete(row)``: the row waits for more (a tag's columns): if the window holds such
  // rows, the kernel is asked for it once more (it reads what is missing and sends it).
  constructor(view, pane, drawRow, incomplete = null) {
    this.view = view;
    this.pane = pane;
    this.drawRow = drawRow;
    this.incomplete = incomplete;
    this.askedFor = "";
    this.version = -1;
    this.length = 0;
    this.cursor = 0;
    this.rows = new Map();
    this.pool = [];
    this.scroll = el("div", "rv-scroll");
    this.scroll.tabIndex = 0;
    this.scroll.dataset.list = pane;
    this.spacer = el("div", "rv-spacer");
    this.empty = el("div", "rv-empty");
    this.scroll.append(this.spacer, this.empty);
    this.pendingWindow = null;
    this.requestTimer = null;
    this.frame = 0;
    this.scroll.addEventListener("scroll", () => this.schedule());
    this.scroll.addEventListener("focus", () => view.setFocus(pane, { fromDom: true }));
  }

  schedule() {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.render();
      });
    }
  }

  // The kernel's view of the list (from the synced pane meta).
  setMeta(meta) {
    const version = typeof meta.version === "number" ? meta.version : 0;
    const length = typeof meta.length === "number" ? meta.length : 0;
    if (version > this.version) {
      this.reset(version, length);
      if (typeof meta.selected === "number" && meta.selected >= 0) this.cursor = meta.selected;
      this.request(true);
    } else if (version === this.version && length !== this.length) {
      this.length = length;
    }
    this.empty.textContent = this.length ? "" : str(meta.empty);
    this.empty.classList.toggle("rv-error-text", Boolean(meta.error) && !this.length);
    if (!this.length && meta.error) this.empty.textContent = str(meta.error);
    this.schedule();
  }

  reset(version, length) {
    this.version = version;
    this.length = length;
    this.rows.clear();
    if (this.cursor >= length) this.cursor = Math.max(0, length - 1);
  }

  // A "rows" message: the rows of a window, for one version.
  onRows(msg) {
    if (msg.version < this.version) return;
    if (msg.version > this.version) {
      const keep = this.cursor;
      this.reset(msg.version, msg.length);
      this.cursor = Math.min(keep, Math.max(0, msg.length - 1));
      if (msg.start === 0 && this.scroll.scrollTop > msg.rows.length * ROW) this.scroll.scrollTop = 0;
    }
    this.length = msg.length;
    const rows = Array.isArray(msg.rows) ? msg.rows : [];
    for (let i = 0; i < rows.length; i++) this.rows.set(msg.start + i, rows[i]);
    if (this.rows.size > CACHE_ROWS) this.evict();
    if (this.length) this.empty.textContent = "";
    this.render();
  }

  evict() {
    const [first] = this.visibleRange();
    const order = [...this.rows.keys()].sort((a, b) => Math.abs(b - first) - Math.abs(a - first));
    for (const key of order.slice(0, this.rows.size - CACHE_ROWS)) this.rows.delete(key);
  }

  visibleRange() {
    const height = this.scroll.clientHeight || ROW * 20;
    const top = this.scroll.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(this.length, Math.ceil((top + height) / ROW) + OVERSCAN);
    return [first, last];
  }

  render() {
    this.spacer.style.height = `${this.length * ROW}px`;
    const [first, last] = this.visibleRange();
    const count = Math.max(0, last - first);
    while (this.pool.length < count) {
      const row = el("div", "rv-row");
      this.spacer.append(row);
      this.pool.push(row);
    }
    let missing = false;
    let waiting = false;
    for (let i = 0; i < this.pool.length; i++) {
      const node = this.pool[i];
      if (i >= count) {
        node.hidden = true;
        continue;
      }
      const index = first + i;
      node.hidden = false;
      node.style.top = `${index * ROW}px`;
      node.dataset.row = String(index);
      node.classList.toggle("rv-cursor", index === this.cursor);
      const row = this.rows.get(index);
      if (row === undefined) missing = true;
      else if (this.incomplete && this.incomplete(row)) waiting = true;
      if (node._rvRow !== row || node._rvIndex !== index) {
        node._rvRow = row;
        node._rvIndex = index;
        node.replaceChildren();
        node.className = index === this.cursor ? "rv-row rv-cursor" : "rv-row";
        if (row === undefined) node.append(el("span", "rv-s-dim", "…"));
        else this.drawRow(node, row, index);
      }
    }
    const key = `${this.version}:${first}:${last}`;
    if (missing || (waiting && key !== this.askedFor)) {
      this.askedFor = key;
      this.request(false);
    }
  }

  // Ask the kernel for the rows of the window: at once, then at most every 40 ms while the
  // user keeps scrolling (the last window always goes). The window is what the viewport
  // can hold, not clipped to the rows there are now: the kernel remembers it, and sends
  // it whole as soon as the list grows or changes.
  request(now) {
    const [first] = this.visibleRange();
    const height = this.scroll.clientHeight || ROW * 20;
    this.pendingWindow = [first, first + Math.ceil(height / ROW) + 2 * OVERSCAN];
    const send = () => {
      if (!this.pendingWindow) return;
      const [start, stop] = this.pendingWindow;
      this.pendingWindow = null;
      this.sentAt = performance.now();
      this.view.send({ type: "window", pane: this.pane, start, stop });
    };
    if (this.requestTimer) {
      if (!now) return; // the trailing send takes the latest window
      clearTimeout(this.requestTimer);
      this.requestTimer = null;
    }
    const wait = now ? 0 : 40 - (performance.now() - (this.sentAt || -1e9));
    if (wait <= 0) {
      send();
      return;
    }
    this.requestTimer = setTimeout(() => {
      this.requestTimer = null;
      send();
    }, wait);
  }

  row(index) {
    return this.rows.get(index);
  }

  setCursor(index, { scroll = true } = {}) {
    if (!this.length) return false;
    const clamped = Math.max(0, Math.min(this.length - 1, index));
    const moved = clamped !== this.cursor;
    this.cursor = clamped;
    if (scroll) this.reveal(clamped);
    this.render();
    return moved;
  }

  reveal(index) {
    const top = index * ROW;
    const view = this.scroll.clientHeight;
    if (top < this.scroll.scrollTop) this.scroll.scrollTop = top;
    else if (top + ROW > this.scroll.scrollTop + view) this.scroll.scrollTop = top + ROW - view;
  }

  page() {
    return Math.max(1, Math.floor(this.scroll.clientHeight / ROW) - 1);
  }

  rowOfEvent(event) {
    const node = event.target.closest(".rv-row");
    if (!node || !this.scroll.contains(node)) return null;
    const index = Number(node.dataset.row);
    return Number.isInteger(index) ? index : null;
  }
}
