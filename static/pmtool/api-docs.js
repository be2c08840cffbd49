// The API docs page: Swagger UI draws its "copy" buttons (curl command, response body) with an
// icon and no text. Give each one a name a screen reader can say, as Swagger UI adds them.
(function () {
  "use strict";
  function label(root) {
    root.querySelectorAll(".copy-to-clipboard > button:not([aria-label])").forEach(function (button) {
      var where = button.closest(".curl-command") ? "the curl command" : "the response body";
      button.setAttribute("aria-label", "Copy " + where + " to the clipboard");
      button.setAttribute("title", "Copy " + where);
    });
  }
  var ui = document.getElementById("swagger-ui");
  if (!ui) return;
  new MutationObserver(function () { label(ui); }).observe(ui, { childList: true, subtree: true });
  label(ui);
})();
