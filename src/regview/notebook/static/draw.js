// regview explorer widget, part 2 of 4: drawing rows and the details document.
//
// Everything from the kernel goes in with textContent; the only classes set from kernel
// data come from fixed sets (STYLES, ACTIONS, STATUS_CLASSES, the node kinds).

// --- rows ----------------------------------------------------------------------------------

function drawRepo(node, row) {
  node.append(el("span", "rv-name", str(row.n)));
}

function drawTag(node, row) {
  const name = el("span", row.k ? "rv-name rv-s-dim" : "rv-name", str(row.n));
  node.append(name);
  if (row.e !== undefined) {
    node.append(el("span", "rv-c-error rv-s-red", str(row.e)));
    return;
  }
  if (row.k) {
    node.append(el("span", "rv-c rv-c-digest rv-s-cyan rv-s-dim", row.d === undefined ? "…" : str(row.d)));
    node.append(el("span", "rv-c-kind", str(row.k)));
    return;
  }
  if (row.d === undefined) {
    node.append(el("span", "rv-c rv-c-digest rv-s-dim", "…"));
    return;
  }
  node.append(el("span", "rv-c rv-c-digest rv-s-cyan", str(row.d)));
  node.append(el("span", "rv-c rv-c-size", str(row.s)));
  node.append(el("span", row.p === "art" ? "rv-c rv-c-plat rv-s-magenta" : "rv-c rv-c-plat", str(row.p)));
  node.append(el("span", "rv-c rv-c-created rv-s-dim", str(row.c)));
}

function twisty(open) {
  const t = el("span", "rv-twisty", open === undefined ? "" : open ? "▾" : "▸");
  if (open !== undefined) t.dataset.twisty = "1";
  return t;
}

function drawNode(node, row) {
  node.classList.add(`rv-kind-${["manifest", "config", "layer", "group", "placeholder", "error", "schema1-layer"].includes(row.kind) ? row.kind : "other"}`);
  if (Number.isInteger(row.id)) node.dataset.node = String(row.id);
  const indent = el("span", "rv-indent");
  indent.style.width = `${Math.min(Number(row.depth) || 0, 40) * 14}px`;
  node.append(indent, twisty(row.open));
  const label = el("span", "rv-label");
  const segments = Array.isArray(row.label) ? row.label : [];
  segments.forEach((seg, i) => {
    if (!Array.isArray(seg)) return;
    if (i) label.append(document.createTextNode("  "));
    label.append(styled(str(seg[0]), seg[1]));
  });
  node.append(label);
}

function drawFile(node, row) {
  const indent = el("span", "rv-indent");
  indent.style.width = `${Math.min(Number(row.depth) || 0, 60) * 14}px`;
  node.append(indent, twisty(row.open));
  const name = el("span", row.dir ? "rv-name rv-s-blue" : "rv-name", str(row.name));
  if (row.status === "deleted") name.classList.add("rv-deleted");
  if (row.link !== undefined) {
    name.append(el("span", "rv-s-dim", " → "));
    name.append(el("span", "rv-s-cyan", str(row.link)));
  }
  node.append(name);
  node.append(el("span", "rv-c rv-c-mode rv-s-dim", str(row.mode)));
  node.append(el("span", "rv-c rv-c-owner rv-s-dim", str(row.owner)));
  node.append(el("span", "rv-c rv-c-size", str(row.size)));
  if (row.layer !== undefined || row.status !== undefined) {
    node.append(el("span", "rv-c rv-c-layer rv-s-cyan", str(row.layer)));
    const status = el("span", "rv-c rv-c-status", str(row.status));
    if (STATUS_CLASSES.has(row.status)) status.classList.add(`rv-st-${row.status}`);
    node.append(status);
  }
}

// --- details -------------------------------------------------------------------------------

function cell(value) {
  const td = el("td");
  if (Array.isArray(value)) td.append(styled(str(value[0]), value[1]));
  else td.textContent = str(value);
  return td;
}

function drawBlocks(container, blocks, view) {
  container.replaceChildren();
  if (!Array.isArray(blocks) || !blocks.length) {
    container.append(el("div", "rv-empty rv-static", "nothing selected"));
    return;
  }
  for (const block of blocks) {
    if (!block || typeof block !== "object") continue;
    const box = el("div", "rv-block");
    box.dataset.block = ["fields", "table", "note", "actions"].includes(block.t) ? block.t : "other";
    if (block.title) box.append(el("div", "rv-block-title", str(block.title)));
    if (block.t === "fields") {
      const table = el("table", "rv-fields");
      for (const f of Array.isArray(block.rows) ? block.rows : []) {
        const tr = el("tr");
        tr.append(el("th", "", str(f.k)));
        const td = el("td");
        if (Array.isArray(f.lines)) {
          for (const line of f.lines) td.append(el("div", "rv-line", str(line)));
        } else if (Array.isArray(f.map)) {
          for (const pair of f.map) {
            const line = el("div", "rv-line");
            line.append(styled(str(pair[0]), "cyan"));
            if (str(pair[1]) !== "" || pair.length > 1) line.append(document.createTextNode("="));
            line.append(document.createTextNode(str(pair[1])));
            td.append(line);
          }
        } else {
          td.append(styled(str(f.v), f.s));
        }
        tr.append(td);
        table.append(tr);
      }
      box.append(table);
    } else if (block.t === "table") {
      const table = el("table", "rv-table");
      const head = el("tr");
      const aligns = [];
      for (const col of Array.isArray(block.cols) ? block.cols : []) {
        const th = el("th", col[1] === "right" ? "rv-right" : "", str(col[0]));
        aligns.push(col[1] === "right");
        head.append(th);
      }
      table.append(head);
      for (const r of Array.isArray(block.rows) ? block.rows : []) {
        const tr = el("tr");
        (Array.isArray(r) ? r : []).forEach((value, i) => {
          const td = cell(value);
          if (aligns[i]) td.className = "rv-right";
          tr.append(td);
        });
        table.append(tr);
      }
      box.append(table);
    } else if (block.t === "note") {
      box.append(styled(str(block.text), block.s));
    } else if (block.t === "actions") {
      const bar = el("div", "rv-actions");
      for (const item of Array.isArray(block.items) ? block.items : []) {
        if (!Array.isArray(item) || !ACTIONS.has(item[0])) continue;
        const button = el("button", "rv-button rv-action", str(item[1]));
        button.dataset.action = item[0];
        button.addEventListener("click", () => view.send({ type: "action", node: block.node, id: item[0] }));
        bar.append(button);
      }
      box.append(bar);
    }
    container.append(box);
  }
}
