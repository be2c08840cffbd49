// Backlog tools: the bulk bar counts the selected rows, enables "Apply", and "select all" ticks
// every row checkbox on the page (they belong to the bar's form through form="bulk-form");
// "Every feature matching this view" swaps the button and posts without htmx (a confirmation page).
(function () {
  "use strict";
  function items() { return Array.prototype.slice.call(document.querySelectorAll("[data-bulk-item]")); }
  function matching() {
    var box = document.querySelector("[data-bulk-matching]");
    return !!(box && box.checked);
  }
  function refresh() {
    var selected = items().filter(function (box) { return box.checked; }).length;
    var every = matching();
    document.querySelectorAll("[data-bulk-count]").forEach(function (el) { el.textContent = String(selected); });
    document.querySelectorAll("[data-bulk-apply]").forEach(function (el) { el.disabled = selected === 0; el.hidden = every; });
    document.querySelectorAll("[data-bulk-apply-matching]").forEach(function (el) { el.hidden = !every; });
    // With nothing selected the bar folds to its count and "All", so the list starts higher up.
    document.querySelectorAll("[data-bulk-bar]").forEach(function (el) { el.classList.toggle("is-empty", selected === 0 && !every); });
    document.querySelectorAll("[data-bulk-select-all]").forEach(function (el) {
      var all = items();
      el.checked = all.length > 0 && selected === all.length;
      el.indeterminate = selected > 0 && selected < all.length;
    });
  }
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-bulk-select-all]")) {
      items().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches && (target.matches("[data-bulk-item]") || target.matches("[data-bulk-select-all]") ||
        target.matches("[data-bulk-matching]"))) { refresh(); }
  });
  // The list filters by htmx and pushes its URL: the bar returns there, "Save this view" saves it and
  // the export exports it (the server-rendered values hold for a page loaded without JS).
  function current() { return window.location.search.replace(/^\?/, ""); }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var query = form.querySelector && form.querySelector("[data-tools-query]");
    if (query) { query.value = current(); }
    var next = form.matches && form.matches("[data-bulk-bar]") && form.querySelector("input[name=next]");
    if (next) { next.value = window.location.pathname + window.location.search; }
    // Every matching feature: a plain POST (not htmx), answered by the confirmation page.
    if (next && matching()) { event.stopPropagation(); }
  }, true);
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.target.matches && event.target.matches("[data-bulk-bar]")) {
      event.detail.parameters.next = window.location.pathname + window.location.search;
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-tools-export]");
    if (link) { link.href = link.href.split("?")[0] + (current() ? "?" + current() : ""); }
  }, true);
  document.addEventListener("htmx:afterSwap", refresh);
  document.addEventListener("DOMContentLoaded", refresh);
})();
