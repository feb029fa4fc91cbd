// regview explorer widget, part 3 of 4: the widget (its page and the synced state).

// --- the widget ----------------------------------------------------------------------------

class Explorer {
  constructor(model, root) {
    this.model = model;
    this.root = root;
    this.focus = "repos";
    this.timers = {};
    this.listeners = [];
    this.build();
    this.bind();
    this.refreshAll();
  }

  send(message) {
    this.model.send(message);
  }

  on(name, fn) {
    this.model.on(name, fn);
    this.listeners.push([name, fn]);
  }

  dispose() {
    for (const [name, fn] of this.listeners) this.model.off(name, fn);
    if (this.resize) this.resize.disconnect();
    for (const t of Object.values(this.timers)) clearTimeout(t);
  }

  // --- the page ----------------------------------------------------------------------------

  build() {
    const root = this.root;
    root.className = "rv-root";
    root.dataset.rv = "explorer";
    root.setAttribute("data-lm-suppress-shortcuts", "true");

    const header = el("div", "rv-header");
    header.append(el("span", "rv-brand", "regview"));
    this.crumbs = el("span", "rv-crumbs");
    header.append(this.crumbs);
    this.copyButtons = {};
    const copies = el("span", "rv-copies");
    for (const [what, label] of [["digest", "copy @"], ["tag", "copy :"]]) {
      const button = el("button", "rv-button rv-copy");
      button.dataset.copy = what;
      button.append(el("span", "rv-copy-kind", label), el("span", "rv-copy-ref"));
      button.addEventListener("click", () => this.copy(what));
      button.hidden = true;
      copies.append(button);
      this.copyButtons[what] = button;
    }
    header.append(copies);

    this.body = el("div", "rv-body");
    this.startView = this.buildStart();
    this.panesView = el("div", "rv-panes");
    this.lists = {
      repos: new VirtualList(this, "repos", drawRepo),
      tags: new VirtualList(this, "tags", drawTag, (row) => row.d === undefined && row.e === undefined),
      tree: new VirtualList(this, "tree", drawNode),
      files: new VirtualList(this, "files", drawFile),
    };
    this.paneEls = {};
    this.titles = {};
    this.filters = {};
    for (const pane of ["repos", "tags", "tree"]) this.panesView.append(this.buildPane(pane));
    this.panesView.append(this.buildDetails());
    this.filesView = this.buildFiles();
    this.rawView = this.buildRaw();
    this.body.append(this.startView, this.panesView, this.filesView, this.rawView);

    const status = el("div", "rv-status");
    this.statusText = el("span", "rv-status-text");
    this.message = el("span", "rv-message");
    this.errorLine = el("span", "rv-error");
    status.append(this.statusText, this.message, this.errorLine);
    root.append(header, this.body, status);
  }

  buildStart() {
    const view = el("div", "rv-start");
    view.append(el("div", "rv-start-title", "Open a registry, a repository, an image or an OCI layout"));
    const form = el("form", "rv-start-form");
    this.targetInput = el("input", "rv-input rv-target");
    this.targetInput.placeholder = "127.0.0.1:5000, ghcr.io/acme/app:1.2, oci:./layout, demo";
    this.targetInput.spellcheck = false;
    const open = el("button", "rv-button rv-open", "Open");
    open.type = "submit";
    form.append(this.targetInput, open);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.targetInput.value.trim();
      if (text) this.send({ type: "target", text });
    });
    this.choices = el("div", "rv-choices");
    this.busy = el("div", "rv-busy");
    view.append(form, this.choices, this.busy);
    return view;
  }

  buildPane(pane) {
    const box = el("section", "rv-pane");
    box.dataset.pane = pane;
    const title = el("div", "rv-pane-title", { repos: "Repositories", tags: "Tags", tree: "Manifest" }[pane]);
    this.titles[pane] = title;
    box.append(title);
    if (pane !== "tree") {
      const input = el("input", "rv-input rv-filter");
      input.placeholder = pane === "repos" ? "filter repositories" : "filter tags";
      input.spellcheck = false;
      input.dataset.filter = pane;
      this.bindFilter(input, pane);
      this.filters[pane] = input;
      box.append(input);
    }
    if (pane === "repos") {
      this.denied = el("form", "rv-denied");
      this.deniedText = el("div", "rv-denied-text");
      this.repoInput = el("input", "rv-input rv-repo-input");
      this.repoInput.placeholder = "repository name, e.g. library/alpine";
      this.denied.append(this.deniedText, this.repoInput);
      this.denied.hidden = true;
      this.denied.addEventListener("submit", (event) => {
        event.preventDefault();
        const name = this.repoInput.value.trim();
        if (name) {
          this.send({ type: "repository", name });
          this.setFocus("tags");
        }
      });
      box.append(this.denied);
    }
    if (pane === "tags") {
      const head = el("div", "rv-row rv-colhead");
      head.append(el("span", "rv-name", "tag"), el("span", "rv-c rv-c-digest", "digest"),
        el("span", "rv-c rv-c-size", "size"), el("span", "rv-c rv-c-plat", "plat"),
        el("span", "rv-c rv-c-created", "created"));
      box.append(head);
    }
    const list = this.lists[pane];
    box.append(list.scroll);
    list.scroll.addEventListener("click", (event) => this.clickRow(pane, event));
    if (pane === "tree") list.scroll.addEventListener("dblclick", (event) => this.dblclickNode(event));
    this.paneEls[pane] = box;
    return box;
  }

  buildDetails() {
    const box = el("section", "rv-pane rv-details-pane");
    box.dataset.pane = "details";
    this.titles.details = el("div", "rv-pane-title", "Details");
    this.detailsBody = el("div", "rv-details rv-scroll");
    this.detailsBody.tabIndex = 0;
    this.detailsBody.addEventListener("focus", () => this.setFocus("details", { fromDom: true }));
    box.append(this.titles.details, this.detailsBody);
    this.paneEls.details = box;
    return box;
  }

  buildFiles() {
    const view = el("div", "rv-files");
    view.hidden = true;
    const bar = el("div", "rv-files-bar");
    this.filesTitle = el("span", "rv-files-title");
    const sort = el("button", "rv-button rv-sort", "sort: name");
    sort.addEventListener("click", () => this.toggleSort());
    this.sortButton = sort;
    const biggest = el("button", "rv-button rv-largest", "largest files (L)");
    biggest.addEventListener("click", () => this.send({ type: "files", op: "largest" }));
    this.largestButton = biggest;
    const layers = el("button", "rv-button rv-layers", "layer changes (c)");
    layers.addEventListener("click", () => this.send({ type: "files", op: "layers" }));
    this.layersButton = layers;
    const close = el("button", "rv-button rv-close", "close (Esc)");
    close.addEventListener("click", () => this.send({ type: "files", op: "close" }));
    bar.append(this.filesTitle, sort, biggest, layers, close);
    this.filesSummary = el("div", "rv-files-summary");
    this.layersTable = el("div", "rv-files-layers");
    this.progress = el("div", "rv-progress");
    this.progressBar = el("div", "rv-progress-bar");
    this.progressText = el("div", "rv-progress-text");
    this.progress.append(this.progressBar);
    this.filesError = el("div", "rv-files-error rv-error-text");
    const input = el("input", "rv-input rv-filter");
    input.placeholder = "find paths containing…";
    input.spellcheck = false;
    input.dataset.filter = "files";
    this.bindFilter(input, "files");
    this.filters.files = input;
    const head = el("div", "rv-row rv-colhead rv-file-head");
    head.append(el("span", "rv-name", "name"), el("span", "rv-c rv-c-mode", "mode"),
      el("span", "rv-c rv-c-owner", "uid:gid"), el("span", "rv-c rv-c-size", "size"),
      el("span", "rv-c rv-c-layer", "layer"), el("span", "rv-c rv-c-status", "status"));
    this.filesHead = head;
    const list = this.lists.files;
    list.scroll.addEventListener("click", (event) => this.clickRow("files", event));
    view.append(bar, this.filesSummary, this.progress, this.progressText, this.filesError,
      this.layersTable, input, head, list.scroll);
    view.dataset.pane = "files";
    this.paneEls.files = view;
    return view;
  }

  buildRaw() {
    const view = el("div", "rv-raw");
    view.hidden = true;
    const bar = el("div", "rv-files-bar");
    this.rawTitle = el("span", "rv-files-title");
    const close = el("button", "rv-button rv-close", "close (Esc)");
    close.addEventListener("click", () => this.closeRaw());
    bar.append(this.rawTitle, close);
    this.rawText = el("pre", "rv-raw-text");
    this.rawText.tabIndex = 0;
    view.append(bar, this.rawText);
    return view;
  }

  bindFilter(input, pane) {
    input.addEventListener("input", () => {
      clearTimeout(this.timers[`filter-${pane}`]);
      this.timers[`filter-${pane}`] = setTimeout(() => {
        this.send({ type: "filter", pane, query: input.value });
      }, 120);
    });
    input.addEventListener("keydown", (event) => {
      event.stopPropagation();
      if (event.key === "Escape") {
        event.preventDefault();
        if (input.value) {
          input.value = "";
          this.send({ type: "filter", pane, query: "" });
        }
        this.setFocus(pane);
      } else if (event.key === "Enter" || event.key === "ArrowDown") {
        event.preventDefault();
        this.setFocus(pane);
      }
    });
    input.addEventListener("focus", () => {
      this.focus = pane;
      this.layout();
    });
  }

  // --- synced state ------------------------------------------------------------------------

  bind() {
    this.on("change:panes", () => this.refreshPanes());
    this.on("change:selection", () => this.refreshSelection());
    this.on("change:details", () => this.refreshDetails());
    this.on("change:files", () => this.refreshFiles());
    this.on("change:status", () => this.refreshStatus());
    this.on("change:error", () => this.refreshStatus());
    this.on("change:start", () => this.refreshStart());
    this.on("change:source", () => this.refreshStart());
    this.on("msg:custom", (msg) => this.onMessage(msg));
    this.root.addEventListener("keydown", (event) => this.onKey(event));
    this.resize = new ResizeObserver(() => this.reveal(LEVELS.indexOf(this.focus === "files" ? "tree" : this.focus)));
    this.resize.observe(this.root);
  }

  refreshAll() {
    this.refreshStart();
    this.refreshPanes();
    this.refreshSelection();
    this.refreshDetails();
    this.refreshFiles();
    this.refreshStatus();
    this.layout();
  }

  refreshStart() {
    const start = this.model.get("start") || {};
    const source = this.model.get("source") || {};
    const showStart = Boolean(start.open) || !source.name;
    this.startView.hidden = !showStart;
    this.panesView.hidden = showStart;
    this.choices.replaceChildren();
    (Array.isArray(start.choices) ? start.choices : []).forEach((choice, index) => {
      const button = el("button", "rv-button rv-choice");
      button.dataset.choice = String(index);
      button.append(el("span", "rv-choice-target", str(choice.target)), el("span", "rv-choice-note", str(choice.note)));
      button.addEventListener("click", () => this.send({ type: "start", index }));
      this.choices.append(button);
    });
    this.busy.textContent = start.busy ? `opening ${str(start.busy)}…` : "";
  }

  refreshPanes() {
    const panes = this.model.get("panes") || {};
    for (const pane of ["repos", "tags", "tree", "files"]) {
      const meta = panes[pane] || {};
      this.lists[pane].setMeta(meta);
      const title = this.titles[pane];
      if (title && meta.title) title.textContent = str(meta.title);
      if (title) {
        title.classList.toggle("rv-loading", Boolean(meta.loading));
        title.classList.toggle("rv-has-error", Boolean(meta.error));
      }
    }
    const repos = panes.repos || {};
    this.denied.hidden = !repos.denied;
    this.deniedText.textContent = repos.denied
      ? `This registry does not list its repositories (${str(repos.denied)}). Type a repository name and press Enter.`
      : "";
  }

  refreshSelection() {
    const selection = this.model.get("selection") || {};
    const source = this.model.get("source") || {};
    const crumbs = Array.isArray(selection.crumbs) && selection.crumbs.length ? selection.crumbs : source.name ? [source.name] : [];
    this.crumbs.replaceChildren();
    crumbs.forEach((crumb, i) => {
      if (i) this.crumbs.append(el("span", "rv-sep", "›"));
      this.crumbs.append(el("span", i ? "rv-crumb" : "rv-crumb rv-crumb-source", str(crumb)));
    });
    // The buttons show what they pin (the digest, the tag); the whole reference is what
    // they copy, and the status line shows it once copied.
    const refs = selection.refs || {};
    for (const what of ["digest", "tag"]) {
      const button = this.copyButtons[what];
      const ref = str(refs[what]);
      button.hidden = !ref;
      const cut = what === "digest" ? ref.lastIndexOf("@") : ref.lastIndexOf(":");
      let shown = cut >= 0 ? ref.slice(cut + 1) : ref;
      if (what === "digest" && shown.length > 19) shown = `${shown.slice(0, 19)}…`;
      button.querySelector(".rv-copy-ref").textContent = shown;
    }
  }

  refreshDetails() {
    const details = this.model.get("details") || {};
    drawBlocks(this.detailsBody, details.blocks, this);
  }

  refreshFiles() {
    const files = this.model.get("files") || {};
    const open = Boolean(files.open);
    const wasOpen = !this.filesView.hidden;
    this.filesView.hidden = !open;
    this.filesTitle.textContent = str(files.title);
    this.filesSummary.textContent = files.summary ? `${str(files.summary)} · by ${str(files.sort || "name")}` : "";
    const loading = Boolean(files.loading);
    this.progress.hidden = !loading;
    this.progressText.hidden = !loading;
    this.progressText.textContent = str(files.progress);
    const fraction = typeof files.fraction === "number" ? Math.max(0, Math.min(1, files.fraction)) : null;
    this.progressBar.classList.toggle("rv-indeterminate", fraction === null);
    this.progressBar.style.width = fraction === null ? "30%" : `${Math.round(fraction * 100)}%`;
    this.filesError.textContent = str(files.error);
    this.filesError.hidden = !files.error;
    this.sortButton.textContent = `sort: ${files.sort === "size" ? "size" : "name"}`;
    this.filesView.classList.toggle("rv-merged", Boolean(files.merged));
    this.layersButton.hidden = !files.merged || Boolean(files.loading) || Boolean(files.error);
    this.largestButton.hidden = Boolean(files.loading) || Boolean(files.error);
    this.largestButton.classList.toggle("rv-on", files.listing === "largest");
    this.layersButton.classList.toggle("rv-on", Boolean(files.layers));
    this.layersTable.hidden = !files.layers;
    if (files.layers) drawBlocks(this.layersTable, [files.layers], this);
    else this.layersTable.replaceChildren();
    this.filesHead.querySelector(".rv-name").textContent = files.listing === "largest" ? "largest files" : files.listing === "filter" ? "paths found" : "name";
    const matches = typeof files.matches === "number" ? files.matches : null;
    if (matches !== null) this.filesSummary.textContent += ` · ${matches.toLocaleString()} paths match${files.truncated ? " (first 100,000)" : ""}`;
    if (open && !wasOpen) {
      this.filters.files.value = "";
      this.setFocus("files");
    } else if (!open && wasOpen) {
      this.setFocus("tree");
    }
  }

  refreshStatus() {
    const s = this.model.get("status") || {};
    const parts = [];
    if (s.source) parts.push(`${s.source} as ${s.identity || "anonymous"}`);
    if (s.local) parts.push("local files, no network");
    else if (s.source) parts.push(`${Number(s.requests || 0).toLocaleString()} requests · ${Number(s.cached || 0).toLocaleString()} cached`);
    const busy = Number(s.tasks || 0) + (s.local ? 0 : Number(s.in_flight || 0));
    parts.push(busy ? `⟳ ${s.in_flight ? `${s.in_flight} in flight, ` : ""}${s.tasks || 0} task${s.tasks === 1 ? "" : "s"}` : "idle");
    if (s.budget) parts.push(str(s.budget));
    if (s.refused) parts.push("credentials refused");
    this.statusText.textContent = parts.join("  │  ");
    this.statusText.classList.toggle("rv-busy-status", Boolean(busy));
    this.statusText.classList.toggle("rv-low-budget", Boolean(s.low));
    const error = str(this.model.get("error"));
    this.errorLine.textContent = error;
    this.errorLine.hidden = !error;
    if (error) this.message.textContent = "";
  }

  onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    if (msg.type === "rows" && this.lists[msg.pane]) {
      this.lists[msg.pane].onRows(msg);
    } else if (msg.type === "cursor" && this.lists[msg.pane]) {
      this.lists[msg.pane].setCursor(Number(msg.row) || 0);
    } else if (msg.type === "raw") {
      this.showRaw(msg);
    } else if (msg.type === "focus" && LEVELS.includes(msg.pane)) {
      this.setFocus(msg.pane);
    } else if (msg.type === "say") {
      this.say(str(msg.text));
    }
  }
}
