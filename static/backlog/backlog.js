// Backlog page: keyboard shortcuts (listed in the page's dialog, "?" opens it).
//   j / k  next / previous row      Enter  open the focused row's feature
//   e      edit the focused row's RICE inputs in place (htmx)
//   n      new feature             /      focus the search field
// Keys typed into a field are left alone. No inline handlers (CSP).
(function () {
  "use strict";

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(".backlog-list > li[data-feature-id]"));
  }

  function current() {
    var active = document.activeElement;
    return active && active.closest ? active.closest(".backlog-list > li[data-feature-id]") : null;
  }

  function focusRow(row) {
    if (!row) return;
    rows().forEach(function (r) { r.classList.remove("is-focused"); });
    row.classList.add("is-focused");
    row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.indexOf(current());
    var next = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + step));
    focusRow(all[next]);
  }

  function dialog() { return document.getElementById("backlog-shortcuts"); }

  function openShortcuts() {
    var d = dialog();
    if (d && !d.open && d.showModal) d.showModal();
  }

  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-shortcuts-open]")) openShortcuts();
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      var editing = event.target.closest && event.target.closest(".backlog-row.is-editing");
      var cancel = editing && editing.querySelector(".rice-form [hx-get]");
      if (cancel) { event.preventDefault(); cancel.click(); }
      return;
    }
    if (typing(event.target)) return;
    var row = current();
    switch (event.key) {
      case "?": event.preventDefault(); openShortcuts(); break;
      case "j": event.preventDefault(); move(1); break;
      case "k": event.preventDefault(); move(-1); break;
      case "Enter":
        if (row && event.target === row) {
          var link = row.querySelector(".feature-link");
          if (link) { event.preventDefault(); link.click(); }
        }
        break;
      case "e":
        if (row) {
          var edit = row.querySelector('[data-shortcut="edit"]');
          if (edit) { event.preventDefault(); edit.click(); }
        }
        break;
      case "n":
        var create = document.querySelector('[data-shortcut="new"]');
        if (create) { event.preventDefault(); create.click(); }
        break;
      case "/":
        var search = document.querySelector('[data-shortcut="search"]');
        if (search) { event.preventDefault(); search.focus(); search.select(); }
        break;
      default:
    }
  });

  // After an inline edit the row is swapped: focus its first field, or the row again when it closes.
  var swapping = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var row = event.target.closest && event.target.closest(".backlog-list > li[data-feature-id]");
    swapping = row ? row.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var row = swapping && document.getElementById(swapping);
    swapping = null;
    if (!row) return;
    var field = row.querySelector(".rice-form input:not([type=hidden]), .rice-form select");
    if (field) field.focus(); else focusRow(row);
  });
})();
