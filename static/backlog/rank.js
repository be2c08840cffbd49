/* Ranking by hand: drag and drop, and keyboard moves, on any ranked list of the page:

     <ol data-rank-list data-move-url-template="/w/<ws>/features/{id}/move/"
         data-start="51" data-total="180" data-prev-id="17" data-next-id="42">
       <li data-feature-id="8"><button class="rank-handle" aria-label="Move Feature X">…</button> …</li>
     </ol>

   data-start: the position of the first row in the whole list (1 on page 1); data-total: the number
   of rows in the whole list; data-prev-id / data-next-id: the rows just outside this page (absent on
   the first / last page), so a move past the page's first or last row names its real neighbour.
   Without data-move-url-template the list is read-only and nothing here runs.

   Keys, with focus on a row's handle (Alt + key, which screen readers and browsers leave alone):
     Alt+ArrowUp / Alt+ArrowDown   one place up / down (past the page's edge too)
     Alt+Home / Alt+End            to the top / bottom of the whole list (even from another page)
   An aria-live region says "Moved X to position 3 of 50".

   A move POSTs after_id / before_id (the neighbours it lands between, as shown) or to=top|bottom,
   form-encoded with the CSRF token. On 409 (someone else reordered the list) the list is re-read
   from the server and a message says so; the item is never lost (it stays where the server has it).
   Any other failure puts the row back and shows the server's message. A finger or a pen drags a
   row by its handle too (Pointer Events; mouse drags are HTML5 drag and drop). No library. */
(function () {
  "use strict";

  var ROW = "li[data-feature-id]";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    if (headers) {
      try {
        var token = JSON.parse(headers)["X-CSRFToken"];
        if (token) return token;
      } catch (e) { /* fall through */ }
    }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function region(list, selector, make) {
    var found = document.querySelector(selector);
    if (found) return found;
    var el = make();
    list.parentNode.insertBefore(el, list.nextSibling);
    return el;
  }

  function RankList(list) {
    this.list = list;
    this.dragging = null;
    this.origin = null;
    this.dropped = false;
    this.busy = false;
    this.status = region(list, "[data-rank-status]", function () {
      var p = document.createElement("p");
      p.className = "visually-hidden";
      p.setAttribute("role", "status");
      p.setAttribute("aria-live", "polite");
      p.setAttribute("data-rank-status", "");
      return p;
    });
    this.message = region(list, "[data-rank-message]", function () {
      var p = document.createElement("p");
      p.className = "rank-message";
      p.setAttribute("role", "alert");
      p.setAttribute("data-rank-message", "");
      p.hidden = true;
      return p;
    });
    list.addEventListener("keydown", this.onKey.bind(this));
    list.addEventListener("dragstart", this.onDragStart.bind(this));
    list.addEventListener("dragover", this.onDragOver.bind(this));
    list.addEventListener("drop", this.onDrop.bind(this));
    list.addEventListener("dragend", this.onDragEnd.bind(this));
    list.addEventListener("pointerdown", this.onPointerDown.bind(this));
  }

  RankList.prototype.rows = function () {
    return Array.prototype.filter.call(this.list.children, function (el) { return el.matches(ROW); });
  };
  RankList.prototype.idOf = function (li) { return li ? li.getAttribute("data-feature-id") : null; };
  RankList.prototype.titleOf = function (li) {
    var title = li.querySelector(".rank-title");
    if (title) return title.textContent.trim();
    var handle = li.querySelector(".rank-handle");
    return handle ? (handle.getAttribute("aria-label") || "").replace(/^Move\s+/, "") : "the feature";
  };
  RankList.prototype.number = function (name, fallback) {
    var value = parseInt(this.list.getAttribute(name), 10);
    return isNaN(value) ? fallback : value;
  };
  RankList.prototype.start = function () { return this.number("data-start", 1); };
  RankList.prototype.total = function () { return this.number("data-total", this.rows().length); };
  RankList.prototype.outside = function (side) { return this.list.getAttribute("data-" + side + "-id") || null; };

  RankList.prototype.announce = function (text) {
    var status = this.status;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 30);
  };
  RankList.prototype.say = function (text, isError) {
    this.message.textContent = text;
    this.message.classList.toggle("is-error", !!isError);
    this.message.hidden = !text;
  };

  // The positions shown beside the rows (data-start + index), after a move on this page.
  RankList.prototype.renumber = function () {
    var start = this.start();
    this.rows().forEach(function (li, i) {
      var pos = li.querySelector(".rank-pos");
      if (pos) pos.textContent = String(start + i);
    });
  };

  RankList.prototype.focusHandle = function (li) {
    var handle = li && li.querySelector(".rank-handle");
    if (handle) handle.focus();
  };

  // The neighbours `li` sits between in the DOM (the rows outside the page at its edges).
  RankList.prototype.neighboursOf = function (li) {
    var prev = li.previousElementSibling, next = li.nextElementSibling;
    while (prev && !prev.matches(ROW)) prev = prev.previousElementSibling;
    while (next && !next.matches(ROW)) next = next.nextElementSibling;
    var body = {};
    var after = prev ? this.idOf(prev) : this.outside("prev");
    var before = next ? this.idOf(next) : this.outside("next");
    if (after) body.after_id = after;
    if (before) body.before_id = before;
    return body;
  };

  // --- keyboard -----------------------------------------------------------------------------

  RankList.prototype.onKey = function (event) {
    var handle = event.target.closest(".rank-handle");
    if (!handle || !event.altKey || event.ctrlKey || event.metaKey || this.busy) return;
    var li = handle.closest(ROW);
    var keys = { ArrowUp: -1, ArrowDown: 1, Home: "top", End: "bottom" };
    if (!(event.key in keys)) return;
    event.preventDefault();
    var where = keys[event.key];
    if (typeof where === "number") this.step(li, where);
    else this.toEnd(li, where);
  };

  RankList.prototype.step = function (li, delta) {
    var rows = this.rows(), i = rows.indexOf(li), edge = delta < 0 ? i === 0 : i === rows.length - 1;
    var title = this.titleOf(li);
    if (edge) {
      var outside = this.outside(delta < 0 ? "prev" : "next");
      if (!outside) {
        this.announce(title + " is already at the " + (delta < 0 ? "top" : "bottom") + ".");
        return;
      }
      var body = delta < 0 ? { before_id: outside } : { after_id: outside };
      var position = this.start() + i + delta;
      this.send(li, body, null, { crossPage: true, position: position });
      return;
    }
    var origin = { next: li.nextElementSibling };
    if (delta < 0) this.list.insertBefore(li, rows[i - 1]);
    else this.list.insertBefore(li, rows[i + 1].nextElementSibling);
    this.renumber();
    this.focusHandle(li);
    this.send(li, this.neighboursOf(li), origin, { position: this.start() + i + delta });
  };

  RankList.prototype.toEnd = function (li, end) {
    var rows = this.rows();
    var onThisPage = end === "top" ? !this.outside("prev") : !this.outside("next");
    var position = end === "top" ? 1 : this.total();
    if (!onThisPage) {
      this.send(li, { to: end }, null, { crossPage: true, position: position });
      return;
    }
    var origin = { next: li.nextElementSibling };
    if (end === "top") this.list.insertBefore(li, rows[0]);
    else this.list.insertBefore(li, rows[rows.length - 1].nextElementSibling);
    this.renumber();
    this.focusHandle(li);
    this.send(li, { to: end }, origin, { position: position });
  };

  // --- drag and drop (HTML5) ------------------------------------------------------------------

  RankList.prototype.onDragStart = function (event) {
    var handle = event.target.closest && event.target.closest(".rank-handle");
    if (!handle || this.busy) { event.preventDefault(); return; }
    var li = handle.closest(ROW);
    this.dragging = li;
    this.dropped = false;
    this.origin = { next: li.nextElementSibling, index: this.rows().indexOf(li) };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", this.idOf(li));
    if (event.dataTransfer.setDragImage) event.dataTransfer.setDragImage(li, 16, 16);
    li.classList.add("is-dragging");
  };

  RankList.prototype.onDragOver = function (event) {
    if (!this.dragging) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    this.dragOver(event.target, event.clientY);
  };

  // The dragged row goes above or below the row under the pointer (at height `y`).
  RankList.prototype.dragOver = function (target, y) {
    var over = target && target.closest && target.closest(ROW);
    if (!over || over === this.dragging || over.parentNode !== this.list) return;
    var box = over.getBoundingClientRect();
    var above = y < box.top + box.height / 2;
    this.list.insertBefore(this.dragging, above ? over : over.nextElementSibling);
  };

  RankList.prototype.onDrop = function (event) {
    if (!this.dragging) return;
    event.preventDefault();
    this.drop();
  };

  RankList.prototype.drop = function () {
    this.dropped = true;
    var li = this.dragging, origin = this.origin;
    this.finishDrag();
    if (li.nextElementSibling === origin.next) return; // back where it was
    this.renumber();
    this.focusHandle(li);
    this.send(li, this.neighboursOf(li), origin, { position: this.start() + this.rows().indexOf(li) });
  };

  // --- drag with a finger or a pen (Pointer Events) ---------------------------------------------
  // Touch screens do not start HTML5 drags from a button: a touch or pen on a handle drags the row
  // itself (the handle has touch-action: none, so the page does not scroll instead). The page
  // scrolls when the finger nears the top or bottom of the window. Mouse drags stay HTML5 above.

  RankList.prototype.onPointerDown = function (event) {
    if (event.pointerType === "mouse" || !event.isPrimary || this.busy || this.dragging) return;
    var handle = event.target.closest && event.target.closest(".rank-handle");
    if (!handle) return;
    event.preventDefault();
    var self = this, li = handle.closest(ROW), lastY = event.clientY, scroller = null;
    this.dragging = li;
    this.dropped = false;
    this.origin = { next: li.nextElementSibling, index: this.rows().indexOf(li) };
    li.classList.add("is-dragging");
    // A draggable handle would start a native drag under the finger (and cancel this pointer).
    var wasDraggable = handle.getAttribute("draggable");
    handle.removeAttribute("draggable");
    if (handle.setPointerCapture) {
      try { handle.setPointerCapture(event.pointerId); } catch (e) { /* the pointer is already gone */ }
    }
    function follow() {
      // The row under the finger, looked for beside the dragged one (which is under it too).
      var box = self.list.getBoundingClientRect();
      var x = Math.min(Math.max(box.left + 24, 0), window.innerWidth - 1);
      var under = document.elementsFromPoint ? document.elementsFromPoint(x, lastY) : [];
      for (var i = 0; i < under.length; i++) {
        var candidate = under[i].closest && under[i].closest(ROW);
        if (candidate && candidate !== li) { self.dragOver(candidate, lastY); break; }
      }
    }
    function edgeScroll() {
      var margin = 48, step = 0;
      if (lastY < margin) step = -12;
      else if (lastY > window.innerHeight - margin) step = 12;
      if (step) { window.scrollBy(0, step); follow(); }
    }
    function move(e) {
      if (e.pointerId !== event.pointerId) return;
      e.preventDefault();
      lastY = e.clientY;
      follow();
    }
    function end(e) {
      if (e.pointerId !== event.pointerId) return;
      document.removeEventListener("pointermove", move);
      document.removeEventListener("pointerup", end);
      document.removeEventListener("pointercancel", end);
      window.clearInterval(scroller);
      if (wasDraggable !== null) handle.setAttribute("draggable", wasDraggable);
      if (self.dragging !== li) return;
      if (e.type === "pointerup") {
        self.drop();
      } else {
        var origin = self.origin;
        self.finishDrag();
        self.putBack(li, origin);
      }
    }
    // On the document: moving the row in the page can end the handle's pointer capture.
    document.addEventListener("pointermove", move, { passive: false });
    document.addEventListener("pointerup", end);
    document.addEventListener("pointercancel", end);
    scroller = window.setInterval(edgeScroll, 30);
  };

  RankList.prototype.onDragEnd = function () {
    if (!this.dragging) return;
    var li = this.dragging, origin = this.origin;
    this.finishDrag();
    if (!this.dropped) this.putBack(li, origin); // dropped outside the list
  };

  RankList.prototype.finishDrag = function () {
    if (this.dragging) this.dragging.classList.remove("is-dragging");
    this.dragging = null;
  };

  RankList.prototype.putBack = function (li, origin) {
    if (!origin) return;
    this.list.insertBefore(li, origin.next && origin.next.parentNode === this.list ? origin.next : null);
    this.renumber();
  };

  // --- the server -----------------------------------------------------------------------------

  RankList.prototype.send = function (li, body, origin, how) {
    var self = this, id = this.idOf(li), title = this.titleOf(li);
    var url = this.list.getAttribute("data-move-url-template").replace("{id}", encodeURIComponent(id));
    var form = new URLSearchParams();
    Object.keys(body).forEach(function (key) { form.append(key, body[key]); });
    this.busy = true;
    this.list.classList.add("is-busy");
    li.classList.add("is-saving");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json", "X-Requested-With": "fetch" },
      body: form,
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (answer) {
        if (answer.status === 200) {
          self.say("");
          var text = "Moved " + title + " to position " + how.position + " of " + self.total() + ".";
          if (how.crossPage) {
            return self.reload(id).then(function () { self.announce(text + " It is now on another page."); });
          }
          li.classList.add("is-moved");
          window.setTimeout(function () { li.classList.remove("is-moved"); }, 1200);
          self.announce(text);
          return null;
        }
        if (answer.status === 409) {
          return self.reload(id).then(function () {
            self.say("Someone else reordered the list; reloaded. Your move was not saved: try it again.");
          });
        }
        self.putBack(li, origin);
        self.focusHandle(li);
        var error = answer.data && answer.data.error;
        self.say((error && error.message) || "The move could not be saved (" + answer.status + ").", true);
        return null;
      })
      .catch(function () {
        self.putBack(li, origin);
        self.focusHandle(li);
        self.say("The move could not be saved: the server did not answer. Try again.", true);
      })
      .then(function () {
        self.busy = false;
        self.list.classList.remove("is-busy");
        li.classList.remove("is-saving");
      });
  };

  // Re-read this page and replace the list's rows and attributes (focus returns to `focusId`'s
  // handle when it is still on the page, else to the first handle).
  RankList.prototype.reload = function (focusId) {
    var self = this, lists = Array.prototype.slice.call(document.querySelectorAll("[data-rank-list]"));
    var index = lists.indexOf(this.list);
    return fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelectorAll("[data-rank-list]")[index];
        if (!fresh) { window.location.reload(); return; }
        ["start", "data-start", "data-total", "data-prev-id", "data-next-id"].forEach(function (name) {
          if (fresh.hasAttribute(name)) self.list.setAttribute(name, fresh.getAttribute(name));
          else self.list.removeAttribute(name);
        });
        self.list.innerHTML = fresh.innerHTML;
        var target = self.list.querySelector(ROW + '[data-feature-id="' + focusId + '"]') || self.rows()[0];
        self.focusHandle(target);
      });
  };

  function init() {
    document.querySelectorAll("[data-rank-list][data-move-url-template]").forEach(function (list) {
      if (!list.rankList) list.rankList = new RankList(list);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSettle", init); // lists that htmx swaps in
})();
