// regview explorer widget, part 4 of 4: what clicks and keys do, and the module's export.

Object.assign(Explorer.prototype, {
  // --- focus and layout --------------------------------------------------------------------

  // Focus moved by a key (or by the kernel) brings the pane into view; focus from a click
  // (fromDom) never moves the panes under the pointer.
  setFocus(pane, { fromDom = false } = {}) {
    this.focus = pane;
    if (!fromDom) {
      const target = pane === "details" ? this.detailsBody : this.lists[pane] ? this.lists[pane].scroll : null;
      if (target && document.activeElement !== target) target.focus({ preventScroll: true });
    }
    for (const [name, box] of Object.entries(this.paneEls)) box.classList.toggle("rv-focused", name === pane);
    if (!fromDom) this.reveal(LEVELS.indexOf(pane === "files" ? "tree" : pane));
  },

  // How many panes fit: four side by side when wide, else a window of three or two.
  paneCount() {
    const width = this.root.clientWidth || 1200;
    return width >= 1180 ? 4 : width >= 760 ? 3 : 2;
  },

  // Slide the window of panes (as little as possible) so that pane ``level`` shows, and
  // the pane after it (where what it opens is shown) when there is room.
  reveal(level) {
    const n = this.paneCount();
    let start = this.windowStart || 0;
    const last = Math.min(level + 1, LEVELS.length - 1);
    if (last >= start + n) start = last - n + 1;
    if (level >= 0 && level < start) start = level;
    this.windowStart = start;
    this.layout();
  },

  layout() {
    const n = this.paneCount();
    const start = Math.min(Math.max(this.windowStart || 0, 0), 4 - n);
    this.windowStart = start;
    const weights = [1.0, 1.5, 1.5, 1.9];
    const columns = [];
    LEVELS.forEach((pane, i) => {
      const shown = i >= start && i < start + n;
      this.paneEls[pane].hidden = !shown;
      if (shown) columns.push(`minmax(0, ${weights[i]}fr)`);
    });
    this.panesView.style.gridTemplateColumns = columns.join(" ");
    for (const list of Object.values(this.lists)) list.schedule();
  },

  // --- actions -----------------------------------------------------------------------------

  clickRow(pane, event) {
    const list = this.lists[pane];
    const index = list.rowOfEvent(event);
    if (index === null) return;
    this.setFocus(pane, { fromDom: true });
    if (document.activeElement !== list.scroll) list.scroll.focus({ preventScroll: true });
    list.setCursor(index, { scroll: false });
    // What a click opens shows in the panes to the right: start the window of panes at
    // the one clicked (after the click, so nothing moves under the pointer meanwhile).
    if (pane !== "files") {
      this.windowStart = Math.min(LEVELS.indexOf(pane), 4 - this.paneCount());
      this.layout();
    }
    if (pane === "tree") {
      const row = list.row(index);
      if (!row) return;
      if (event.target.closest("[data-twisty]")) this.send({ type: "toggle", node: row.id });
      this.send({ type: "select", node: row.id });
    } else if (pane === "files") {
      const row = list.row(index);
      if (row && row.open !== undefined) this.send({ type: "files", op: "toggle", row: index, version: list.version });
    } else {
      this.openRow(pane, index);
    }
  },

  dblclickNode(event) {
    const list = this.lists.tree;
    const index = list.rowOfEvent(event);
    const row = index === null ? null : list.row(index);
    if (row && !event.target.closest("[data-twisty]")) this.send({ type: "enter", node: row.id });
  },

  openRow(pane, index) {
    clearTimeout(this.timers[`open-${pane}`]);
    const list = this.lists[pane];
    if (index === null || index >= list.length) return;
    this.send({ type: "open", pane, row: index, version: list.version });
  },

  // Moving the cursor opens what is under it after a pause (as the TUI does).
  cursorMoved(pane) {
    const list = this.lists[pane];
    const key = `open-${pane}`;
    clearTimeout(this.timers[key]);
    if (pane === "repos" || pane === "tags") {
      this.timers[key] = setTimeout(() => this.openRow(pane, list.cursor), 200);
    } else if (pane === "tree") {
      this.timers[key] = setTimeout(() => {
        const row = list.row(list.cursor);
        if (row) this.send({ type: "select", node: row.id });
      }, 80);
    }
  },

  enter(pane) {
    const list = this.lists[pane];
    if (pane === "repos" || pane === "tags") {
      this.openRow(pane, list.cursor);
      if (list.length) this.setFocus(pane === "repos" ? "tags" : "tree");
    } else if (pane === "tree") {
      const row = list.row(list.cursor);
      if (row) {
        clearTimeout(this.timers["open-tree"]);
        this.send({ type: "select", node: row.id });
        this.send({ type: "enter", node: row.id });
      }
    } else if (pane === "files") {
      const row = list.row(list.cursor);
      if (row && row.open !== undefined) this.send({ type: "files", op: "toggle", row: list.cursor, version: list.version });
    }
  },

  left(pane) {
    const list = this.lists[pane];
    const row = list && list.row(list.cursor);
    if ((pane === "tree" || pane === "files") && row) {
      if (row.open === true) {
        if (pane === "tree") this.send({ type: "toggle", node: row.id, open: false });
        else this.send({ type: "files", op: "toggle", row: list.cursor, version: list.version });
        return;
      }
      const depth = Number(row.depth) || 0;
      if (depth > 0) {
        for (let i = list.cursor - 1; i >= 0; i--) {
          const up = list.row(i);
          if (up && Number(up.depth) < depth) {
            list.setCursor(i);
            this.cursorMoved(pane);
            return;
          }
        }
      }
    }
    this.back(pane);
  },

  back(pane) {
    const filter = this.filters[pane];
    if (filter && filter.value) {
      filter.value = "";
      this.send({ type: "filter", pane, query: "" });
      return;
    }
    if (!this.rawView.hidden) return this.closeRaw();
    if (pane === "files") return this.send({ type: "files", op: "close" });
    const level = LEVELS.indexOf(pane);
    if (level > 0) this.setFocus(LEVELS[level - 1]);
  },

  copy(what) {
    const refs = (this.model.get("selection") || {}).refs || {};
    let text = refs[what];
    if (!text) {
      this.say(what === "tag" ? "Choose a tag first" : "Choose a tag or a manifest first");
      return;
    }
    text = str(text);
    const done = () => this.say(`Copied ${text}`);
    const fallback = () => {
      const area = el("textarea", "rv-clipboard");
      area.value = text;
      this.root.append(area);
      area.select();
      try {
        document.execCommand("copy");
      } catch (_) {
        // nothing more to try: the text is on the status line
      }
      area.remove();
      done();
    };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
  },

  say(text) {
    this.message.textContent = text;
    clearTimeout(this.timers.say);
    this.timers.say = setTimeout(() => {
      this.message.textContent = "";
    }, 6000);
  },

  toggleSort() {
    const files = this.model.get("files") || {};
    this.send({ type: "files", op: "sort", sort: files.sort === "size" ? "name" : "size" });
  },

  showRaw(msg) {
    this.rawTitle.textContent = `${str(msg.title)} · ${Number(msg.bytes || 0).toLocaleString()} bytes${msg.cut ? " (cut at 1,000,000 characters)" : ""}`;
    this.rawText.textContent = str(msg.text);
    this.rawView.hidden = false;
    this.rawReturn = this.focus;
    this.rawText.focus({ preventScroll: true });
  },

  closeRaw() {
    this.rawView.hidden = true;
    this.rawText.textContent = "";
    this.setFocus(this.rawReturn || "tree");
  },

  filesFor(pane) {
    if (pane !== "tree") return;
    const list = this.lists.tree;
    const row = list.row(list.cursor);
    if (!row) return;
    const kind = row.kind === "layer" ? "files" : "merged";
    this.send({ type: "action", node: row.id, id: kind });
  },

  raw(pane) {
    const list = this.lists[pane];
    if (pane === "tree") {
      const row = list.row(list.cursor);
      if (row) this.send({ type: "action", node: row.id, id: "raw" });
    } else if (pane === "tags" && list.length) {
      this.send({ type: "raw", pane: "tags", row: list.cursor, version: list.version });
    } else {
      this.say("Choose a tag or a node to see its JSON");
    }
  },

  // --- keys --------------------------------------------------------------------------------

  onKey(event) {
    const target = event.target;
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) {
      if (target.closest(".rv-root") === this.root) event.stopPropagation();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const rawOpen = !this.rawView.hidden;
    const pane = !this.filesView.hidden ? "files" : this.focus;
    const list = this.lists[pane];
    let handled = true;
    const move = (to) => {
      if (list && list.setCursor(to)) this.cursorMoved(pane);
    };
    if (rawOpen && ["Escape", "Backspace", "q"].includes(event.key)) {
      this.closeRaw();
    } else if (rawOpen) {
      handled = false;
    } else {
      switch (event.key) {
        case "ArrowDown":
        case "j":
          if (list) move(list.cursor + 1);
          else handled = false;
          break;
        case "ArrowUp":
        case "k":
          if (list) move(list.cursor - 1);
          else handled = false;
          break;
        case "PageDown":
          if (list) move(list.cursor + list.page());
          else handled = false;
          break;
        case "PageUp":
          if (list) move(list.cursor - list.page());
          else handled = false;
          break;
        case "Home":
          if (list) move(0);
          else handled = false;
          break;
        case "End":
          if (list) move(list.length - 1);
          else handled = false;
          break;
        case "Enter":
        case "ArrowRight":
        case "l":
          this.enter(pane);
          break;
        case "ArrowLeft":
        case "h":
          this.left(pane);
          break;
        case "Backspace":
        case "Escape":
          this.back(pane);
          break;
        case "/":
          if (this.filters[pane]) this.filters[pane].focus();
          else handled = false;
          break;
        case "y":
          this.copy("digest");
          break;
        case "Y":
          this.copy("tag");
          break;
        case "J":
          this.raw(pane);
          break;
        case "f":
          this.filesFor(pane);
          break;
        case "s":
          if (pane === "files") this.toggleSort();
          else handled = false;
          break;
        case "L":
          if (pane === "files") this.send({ type: "files", op: "largest" });
          else handled = false;
          break;
        case "c":
          if (pane === "files") this.send({ type: "files", op: "layers" });
          else handled = false;
          break;
        case "r":
          if (["repos", "tags", "tree"].includes(pane)) this.send({ type: "reload", pane });
          else handled = false;
          break;
        default:
          handled = false;
      }
    }
    if (handled) {
      event.preventDefault();
      event.stopPropagation();
    }
  },
});

function render({ model, el: root }) {
  const explorer = new Explorer(model, root);
  return () => explorer.dispose();
}

export default { render };
