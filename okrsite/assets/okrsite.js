/* okrsite: sortable tables and print-ready pages, with no library and no CDN.
 * Sorts `table.okr-sortable` and tables inside `.okr-sortable` when a header is
 * clicked (or focused and Enter/Space pressed): numbers by value (a cell's
 * `[data-sort]`, or that of an element in it, wins over its text), anything else (words, ISO dates,
 * period ids) alphabetically; numbers before words; equal keys keep their order. Before printing,
 * opens every <details> so the paper copy shows the explanations, then restores them.
 * Gives the dots of a unit page's charts their tooltips from the charts' tables. */
(function () {
  "use strict";
  function key(cell) {
    var el = cell.hasAttribute("data-sort") ? cell : cell.querySelector("[data-sort]");
    var text = (el ? el.getAttribute("data-sort") : cell.textContent).trim();
    var m = /^([-+]?\d+(?:\.\d+)?)(?:$|[\s%])/.exec(text);  /* "0.62", "13.5 h"; not dates */
    return m ? [0, parseFloat(m[1])] : [1, text.toLowerCase()];
  }
  function compare(a, b) {
    if (a[0] !== b[0]) return a[0] - b[0];
    return a[0] === 0 ? a[1] - b[1] : a[1].localeCompare(b[1]);
  }
  function sort(table, th, index) {
    var body = table.tBodies[0];
    var descending = th.getAttribute("aria-sort") === "ascending";
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
      return { row: row, key: key(row.cells[index] || row), i: i };
    });
    rows.sort(function (a, b) {
      var c = compare(a.key, b.key);
      return (descending ? -c : c) || a.i - b.i;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) {
      h.setAttribute("aria-sort", "none");
    });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  /* A unit page's charts write each value once, in the table under the chart (in the
     "How was this computed?" after the figure): each dot gets its tooltip from its row,
     "date: value unit", as charts.py writes it on other pages. */
  function tips() {
    /* The dots are one path of zero-length lines ("M x y h0" each): one element a dot,
       in a group as charts.py draws dots with tooltips, each with its row's words. */
    var paths = document.querySelectorAll("figure.okr-chart path.okr-c-point[data-unit]");
    Array.prototype.forEach.call(paths, function (path) {
      var how = path.closest("figure").nextElementSibling;
      var table = how && how.querySelector("table");
      if (!table || !table.tBodies[0]) return;
      var ns = path.namespaceURI, rows = table.tBodies[0].rows;
      var unit = path.getAttribute("data-unit");
      var g = document.createElementNS(ns, "g");
      g.setAttribute("class", "okr-c-point");
      path.getAttribute("d").split("M").slice(1).forEach(function (move, i) {
        var dot = document.createElementNS(ns, "path");
        dot.setAttribute("d", "M" + move);
        if (i < rows.length) {
          var title = document.createElementNS(ns, "title");  /* SVG's */
          title.textContent = rows[i].cells[0].textContent + ": " +
            rows[i].cells[1].textContent.trim() + unit;
          dot.appendChild(title);
        }
        g.appendChild(dot);
      });
      path.replaceWith(g);
    });
  }
  function init() {
    /* Material's search dialog has no name (axe: aria-dialog-name); give it its field's. */
    var dialog = document.querySelector(".md-search[role=dialog]:not([aria-label])");
    var field = document.querySelector(".md-search__input");
    if (dialog && field) dialog.setAttribute("aria-label", field.getAttribute("aria-label"));
    /* A table wider than the screen scrolls in Material's wrapper: let the keyboard reach
       it (axe: scrollable-region-focusable). */
    Array.prototype.forEach.call(document.querySelectorAll(".md-typeset__scrollwrap"),
      function (wrap) {
        if (wrap.scrollWidth > wrap.clientWidth && !wrap.hasAttribute("tabindex")) {
          wrap.tabIndex = 0;
        }
      });
    tips();
    var tables = document.querySelectorAll("table.okr-sortable, .okr-sortable table");
    Array.prototype.forEach.call(tables, function (table) {
      if (table.dataset.okrSortable || !table.tHead || !table.tBodies[0]) return;
      table.dataset.okrSortable = "1";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        th.setAttribute("aria-sort", "none");
        th.tabIndex = 0;
        th.title = "Sort by this column";
        th.addEventListener("click", function () { sort(table, th, index); });
        th.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(table, th, index); }
        });
      });
    });
  }
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"),
      function (d) { d.open = true; return true; });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
  /* Material's instant navigation swaps pages without reloading: follow it if present. */
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
