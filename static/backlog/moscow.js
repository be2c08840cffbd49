// The MoSCoW board (templates/backlog/boards_moscow.html): move a card to another column with the
// mouse (drag and drop) or the keyboard (focus the card's move button, then ArrowLeft / ArrowRight),
// saved by POST /w/<ws>/features/<id>/moscow/ as JSON. A stale card (someone else moved it) goes to
// the column it is really in, with a notice. Each move is announced in the board's aria-live region.
// Without this script every card keeps its "Move to…" form. No inline handlers (CSP).
(function () {
  "use strict";
  var board = document.querySelector("[data-board][data-move-url-template]");
  if (!board) return;
  var live = document.getElementById("board-live");
  var notice = document.querySelector("[data-board-notice]");
  var columns = Array.prototype.slice.call(board.querySelectorAll("[data-column]"));
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = tokenInput ? tokenInput.value : "";
  var dragged = null;

  function columnOf(card) { return card.closest("[data-column]"); }
  function labelOf(column) { return column.getAttribute("data-column-label"); }
  function titleOf(card) { return card.querySelector(".board-card-title").textContent.trim(); }
  function countOf(column) { return parseInt(column.querySelector("[data-count]").getAttribute("data-count"), 10) || 0; }
  function columnFor(key) {
    return columns.filter(function (c) { return c.getAttribute("data-column") === key; })[0] || null;
  }

  function announce(text) {
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 40);
  }

  function showNotice(text) {
    if (!notice) return;
    notice.querySelector("[data-board-notice-text]").textContent = text;
    notice.hidden = false;
  }
  if (notice) {
    notice.querySelector("[data-board-notice-close]").addEventListener("click", function () { notice.hidden = true; });
  }

  function addToCount(column, delta) {
    var badge = column.querySelector("[data-count]");
    var n = countOf(column) + delta;
    badge.setAttribute("data-count", String(n));
    badge.querySelector("[data-count-text]").textContent = String(n);
    badge.querySelector(".visually-hidden").textContent = n === 1 ? " feature" : " features";
    var empty = column.querySelector("[data-board-empty]");
    if (empty) empty.hidden = n > 0;
  }

  // Put the card in `column`, in rank order among its cards (rank keys compare as plain strings).
  function place(card, column) {
    var from = columnOf(card);
    var list = column.querySelector("[data-column-list]");
    var rank = card.getAttribute("data-rank");
    var before = null;
    for (var i = 0; i < list.children.length; i++) {
      var other = list.children[i];
      if (other !== card && other.getAttribute("data-rank") > rank) { before = other; break; }
    }
    var focused = document.activeElement && card.contains(document.activeElement) ? document.activeElement : null;
    list.insertBefore(card, before);
    if (focused) focused.focus();
    if (from !== column) {
      addToCount(from, -1);
      addToCount(column, 1);
    }
    card.classList.remove("is-moved");
    void card.offsetWidth; // restart the highlight
    card.classList.add("is-moved");
  }

  function sync(card, data) {
    card.setAttribute("data-version", String(data.version));
    var version = card.querySelector("[data-version-input]");
    if (version) version.value = String(data.version);
    var select = card.querySelector("[data-column-select]");
    if (select) select.value = data.moscow;
  }

  function urlOf(card) {
    return board.getAttribute("data-move-url-template").replace("{id}", card.getAttribute("data-feature-id"));
  }

  // Save where the card is now (one request at a time per card, so each carries the latest version).
  function send(card, from) {
    var column = columnOf(card);
    var body = new FormData();
    body.append("moscow", column.getAttribute("data-column"));
    body.append("version", card.getAttribute("data-version"));
    card.setAttribute("aria-busy", "true");
    return fetch(urlOf(card), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }).then(function (answer) {
      card.removeAttribute("aria-busy");
      var title = titleOf(card);
      if (answer.status === 200) {
        sync(card, answer.data);
        announce("Moved " + title + " to " + labelOf(column) + ". " + countOf(column) + " in " + labelOf(column) + ".");
        return;
      }
      if (answer.status === 409 && answer.data.current) {
        var now = columnFor(answer.data.current.moscow);
        if (now) place(card, now);
        sync(card, answer.data.current);
        showNotice(answer.data.error.message);
        announce(answer.data.error.message);
        return;
      }
      place(card, from);
      var why = answer.data.error ? answer.data.error.message : "the server answered " + answer.status + ".";
      showNotice("Could not move " + title + ": " + why);
      announce("Could not move " + title + ": " + why);
    }, function () {
      card.removeAttribute("aria-busy");
      place(card, from);
      announce("Could not move " + titleOf(card) + ": the server did not answer.");
    });
  }

  function move(card, target) {
    var from = columnOf(card);
    if (!target || target === from) return;
    place(card, target);
    var previous = card.boardQueue || Promise.resolve();
    card.boardQueue = previous.then(function () { return send(card, from); });
  }

  // --- the mouse: drag and drop ---------------------------------------------------------------
  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".board-card") : null;
    if (!card) return;
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-feature-id"));
  });
  board.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    columns.forEach(function (c) { c.classList.remove("is-over"); });
  });
  columns.forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      column.classList.add("is-over");
    });
    column.addEventListener("dragleave", function (event) {
      if (!column.contains(event.relatedTarget)) column.classList.remove("is-over");
    });
    column.addEventListener("drop", function (event) {
      if (!dragged) return;
      event.preventDefault();
      column.classList.remove("is-over");
      move(dragged, column);
    });
  });

  // --- the keyboard: the move button with ArrowLeft / ArrowRight ------------------------------------
  board.addEventListener("keydown", function (event) {
    var button = event.target.closest ? event.target.closest("[data-move]") : null;
    if (!button || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) return;
    event.preventDefault();
    var card = button.closest(".board-card");
    var index = columns.indexOf(columnOf(card));
    var next = index + (event.key === "ArrowLeft" ? -1 : 1);
    if (next < 0 || next >= columns.length) {
      announce(titleOf(card) + " is already in the " + (next < 0 ? "first" : "last") + " column, " + labelOf(columns[index]) + ".");
      return;
    }
    move(card, columns[next]);
    button.focus();
  });
  board.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-move]") : null;
    if (!button) return;
    var card = button.closest(".board-card");
    announce(titleOf(card) + " is in " + labelOf(columnOf(card)) + ". Press the left or right arrow key to move it to the previous or next column.");
  });
})();
