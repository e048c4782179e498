/* httplog report: interactive tables.
 *
 * Every table of the page is described as data in the JSON block
 * #httplog-tables: {"labels": {...}, "tables": {id: spec}}, where a spec is
 *   {"label": text, "columns": [{"name", "type", "digits", "cls", "dot", "bar", "cut", "raw"}],
 *    "rows": [[cell, ...], ...], "show": n, "details": [null | [subtable, ...], ...],
 *    "open": n (the first n rows start expanded), "detail_columns": [...]}
 * and a subtable is {"label", "columns", "rows"} (without "columns" when all the
 * subtables of the table share them: "detail_columns"). The page already holds the
 * first rows as plain HTML (the report reads without JavaScript); this script
 * replaces them with the same rows drawn from the data, then sorts (any
 * column, numbers as numbers), filters, shows more and expands rows that
 * have details.
 *
 * Text from a log is only ever set with textContent or as an attribute value:
 * no innerHTML, no markup built from strings. Sorting and filtering move DOM
 * nodes and compare strings; neither can turn text into markup.
 */
(function () {
  "use strict";
  var block = document.getElementById("httplog-tables");
  if (!block) { return; }
  var data = JSON.parse(block.textContent);
  var L = data.labels;
  var KEY_CHARS = data.key_chars || 160;
  var serial = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function fill(template, fields) {
    return template.replace(/\{(\w+)\}/g, function (m, k) {
      return Object.prototype.hasOwnProperty.call(fields, k) ? String(fields[k]) : m;
    });
  }

  /* 12034.5 -> "12,034.5" (as Python's f"{x:,.{digits}f}"); Intl.NumberFormat is
     ten times slower, and tables format thousands of cells. */
  function grouped(n, digits) {
    return n.toFixed(digits).replace(/^(-?\d+)/, function (whole) {
      return whole.replace(/\B(?=(\d{3})+$)/g, ",");
    });
  }

  /* The text of a cell as the server writes it (render.py's formatters). */
  function format(value, col) {
    if (value === null || value === undefined) { return ""; }
    switch (col.type) {
      case "int": return grouped(Math.round(value), 0);
      case "code": return String(value);
      case "float": return grouped(value, col.digits || 0);
      case "pct": return (value * 100).toFixed(col.digits === undefined ? 2 : col.digits) + "%";
      default: return String(value);
    }
  }

  function numeric(col) { return col.type !== "text"; }

  function cellNode(value, col, row) {
    var td = el("td", (numeric(col) ? "num" : "") + (col.cls ? " " + col.cls : ""));
    var text = format(value, col);
    if (col.dot !== undefined) {
      var dot = el("span", "dot");
      var kind = row[col.dot];
      if (typeof kind === "string" && /^[0-9a-z]+$/.test(kind)) { dot.classList.add("c-" + kind); }
      td.appendChild(dot);
    }
    if (col.bar && typeof value === "number") {
      var bar = el("span", "sharebar");
      bar.setAttribute("aria-hidden", "true");
      var fillEl = el("span", "");
      var kindBar = col.dot !== undefined ? row[col.dot] : null;
      if (typeof kindBar === "string" && /^[0-9a-z]+$/.test(kindBar)) { fillEl.classList.add("c-" + kindBar); }
      fillEl.style.width = Math.max(0, Math.min(100, value * 100)).toFixed(2) + "%";
      bar.appendChild(fillEl);
      td.appendChild(bar);
    }
    if (col.type === "text") {
      var cut = col.cut || KEY_CHARS;
      var span = el("span", "key");
      if (text.length > cut) {
        span.textContent = text.slice(0, cut - 1) + "\u2026";
        span.title = text;
      } else {
        span.textContent = text;
      }
      // shown decoded for people: the text as written on hover
      var written = col.raw !== undefined ? row[col.raw] : null;
      if (typeof written === "string" && written !== value) { span.title = written; }
      td.appendChild(span);
    } else {
      td.appendChild(document.createTextNode(text));
    }
    return td;
  }

  function head(columns, onSort) {
    var thead = el("thead");
    var tr = el("tr");
    var ths = [];
    columns.forEach(function (col, i) {
      if (col.hidden) { ths.push(null); return; }
      var th = el("th", numeric(col) ? "num" : "");
      th.scope = "col";
      if (onSort) {
        var b = el("button", "sort", col.name);
        b.type = "button";
        b.title = fill(L.sort_by, {column: col.name});
        b.addEventListener("click", function () { onSort(i); });
        th.appendChild(b);
        th.setAttribute("aria-sort", "none");
      } else {
        th.textContent = col.name;
      }
      tr.appendChild(th);
      ths.push(th);
    });
    thead.appendChild(tr);
    return {node: thead, ths: ths};
  }

  function visibleCount(columns) {
    return columns.filter(function (c) { return !c.hidden; }).length;
  }

  /* A plain (not interactive) table: the details of an expanded row. */
  function subtable(spec, shared) {
    spec = spec.columns ? spec : {label: spec.label, rows: spec.rows, columns: shared};
    var wrap = el("div", "subtable");
    if (spec.label) { wrap.appendChild(el("h5", "", spec.label)); }
    var box = el("div", "tablebox");
    var table = el("table", "sub");
    table.appendChild(head(spec.columns, null).node);
    var tbody = el("tbody");
    spec.rows.forEach(function (row) {
      var tr = el("tr");
      spec.columns.forEach(function (col, i) {
        if (!col.hidden) { tr.appendChild(cellNode(row[i], col, row)); }
      });
      tbody.appendChild(tr);
    });
    table.appendChild(tbody);
    box.appendChild(table);
    wrap.appendChild(box);
    return wrap;
  }

  function searchText(row, columns) {
    var parts = [];
    columns.forEach(function (col, i) {
      if (!col.hidden) { parts.push(format(row[i], col)); }
      if (col.raw !== undefined && typeof row[col.raw] === "string") { parts.push(row[col.raw]); }
    });
    return parts.join("\u0000").toLowerCase();
  }

  function compare(a, b, col) {
    var nullA = a === null || a === undefined, nullB = b === null || b === undefined;
    if (nullA || nullB) { return nullA === nullB ? 0 : (nullA ? 1 : -1); }
    if (numeric(col)) { return a - b; }
    a = String(a); b = String(b);
    return a < b ? -1 : (a > b ? 1 : 0);
  }

  function Table(root, spec) {
    var self = this;
    var id = root.id || ("httplog-table-" + (++serial));
    var columns = spec.columns;
    var details = spec.details || [];
    var step = Math.max(1, spec.show || 10);
    var items = spec.rows.map(function (row, i) {
      return {row: row, index: i, details: details[i] || null, text: null,
              open: i < (spec.open || 0)};
    });
    var sortCol = -1, sortDir = 0;  // -1: the report's own order
    var shown = step;
    var query = "";

    var controls = el("div", "tablectl");
    var filter = el("input", "filter");
    filter.type = "search";
    filter.placeholder = L.filter;
    filter.setAttribute("aria-label", fill(L.filter_label, {table: spec.label || ""}));
    filter.setAttribute("aria-controls", id + "-table");
    var status = el("span", "tablestatus");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    controls.appendChild(filter);
    controls.appendChild(status);

    var table = el("table", root.getAttribute("data-class") || "");
    table.id = id + "-table";
    if (spec.label) { table.setAttribute("aria-label", spec.label); }
    var h = head(columns, function (i) { self.sort(i); });
    table.appendChild(h.node);
    var tbody = el("tbody");
    table.appendChild(tbody);
    var box = el("div", "tablebox");
    box.appendChild(table);

    var more = el("div", "tablemore");
    var moreBtn = el("button", "more");
    moreBtn.type = "button";
    var allBtn = el("button", "more all", L.show_all);
    allBtn.type = "button";
    more.appendChild(moreBtn);
    more.appendChild(allBtn);
    moreBtn.addEventListener("click", function () { shown += step; self.draw(); });
    allBtn.addEventListener("click", function () { shown = items.length; self.draw(); });
    filter.addEventListener("input", function () {
      query = filter.value.trim().toLowerCase();
      shown = step;
      self.draw();
    });

    this.sort = function (i) {
      if (sortCol === i) {
        sortDir = -sortDir;
      } else {
        sortCol = i;
        sortDir = numeric(columns[i]) ? -1 : 1;  // numbers: biggest first; text: A to Z
      }
      h.ths.forEach(function (th, j) {
        if (!th) { return; }
        th.setAttribute("aria-sort", j !== sortCol ? "none" : (sortDir > 0 ? "ascending" : "descending"));
      });
      self.draw();
    };

    function ordered() {
      var list = items.slice();
      if (sortCol >= 0) {
        var col = columns[sortCol];
        list.sort(function (a, b) {
          return sortDir * compare(a.row[sortCol], b.row[sortCol], col) || a.index - b.index;
        });
      }
      if (query) {
        list = list.filter(function (it) {
          if (it.text === null) { it.text = searchText(it.row, columns); }
          return it.text.indexOf(query) >= 0;
        });
      }
      return list;
    }

    function rowNodes(it) {
      var tr = el("tr");
      var nodes = [tr];
      var first = true;
      columns.forEach(function (col, i) {
        if (col.hidden) { return; }
        var td = cellNode(it.row[i], col, it.row);
        if (first && it.details) {
          var detailId = id + "-detail-" + it.index;
          var b = el("button", "expand");
          b.type = "button";
          b.setAttribute("aria-expanded", it.open ? "true" : "false");
          b.setAttribute("aria-controls", detailId);
          b.setAttribute("aria-label", L.details);
          b.title = L.details;
          td.insertBefore(b, td.firstChild);
          td.classList.add("expandable");
          var dtr = el("tr", "detail");
          dtr.id = detailId;
          dtr.hidden = !it.open;
          var dtd = el("td");
          dtd.colSpan = visibleCount(columns);
          var built = false;
          var build = function () {
            if (built) { return; }
            built = true;
            it.details.forEach(function (sub) {
              dtd.appendChild(subtable(sub, spec.detail_columns));
            });
          };
          if (it.open) { build(); }
          dtr.appendChild(dtd);
          b.addEventListener("click", function () {
            it.open = !it.open;
            if (it.open) { build(); }
            dtr.hidden = !it.open;
            b.setAttribute("aria-expanded", it.open ? "true" : "false");
          });
          dtr.httplogBuild = build;
          nodes.push(dtr);
        }
        first = false;
        tr.appendChild(td);
      });
      return nodes;
    }

    this.draw = function () {
      var list = ordered();
      var n = Math.min(shown, list.length);
      var frag = document.createDocumentFragment();
      for (var k = 0; k < n; k++) {
        rowNodes(list[k]).forEach(function (node) { frag.appendChild(node); });
      }
      if (!n) {
        var tr = el("tr", "none");
        var td = el("td", "muted", L.no_match);
        td.colSpan = visibleCount(columns);
        tr.appendChild(td);
        frag.appendChild(tr);
      }
      tbody.replaceChildren(frag);
      var rest = list.length - n;
      moreBtn.textContent = fill(L.show_more, {n: Math.min(step, rest), rest: rest});
      more.hidden = rest <= 0;
      status.textContent = query
        ? fill(L.rows_matching, {shown: n, matching: list.length, total: items.length})
        : fill(L.rows_shown, {shown: n, total: items.length});
    };

    /* Before printing: every detail open (print shows what the screen holds), but
       for tables whose details are many small breakdowns ("print_details": false). */
    this.expandForPrint = function () {
      if (spec.print_details === false) { return; }
      tbody.querySelectorAll("tr.detail").forEach(function (tr) {
        if (tr.httplogBuild) { tr.httplogBuild(); }
      });
    };

    root.replaceChildren(controls, box, more);
    root.classList.add("interactive");
    this.draw();
  }

  var tables = [];
  var built = false;
  function build() {
    if (built) { return; }
    built = true;
    document.querySelectorAll("[data-table]").forEach(function (root) {
      var spec = data.tables[root.getAttribute("data-table")];
      if (spec) { tables.push(new Table(root, spec)); }
    });
  }
  /* The first chart first: the tables are built once report.js has drawn it (or
   * given up), in a task after the frame that paints it; the page shows the
   * static rows until then. Before printing, at once. */
  function afterPaint() {
    requestAnimationFrame(function () { setTimeout(build, 0); });
  }
  if (window.httplogChartsSettled || !document.getElementById("httplog-charts")) {
    build();
  } else {
    document.addEventListener("httplog-charts-settled", afterPaint, {once: true});
    setTimeout(build, 5000);  // whatever the charts do
  }
  window.addEventListener("beforeprint", function () {
    build();
    tables.forEach(function (t) { t.expandForPrint(); });
  });
})();
