// Keeps a part of the page up to date while work runs on the server (e.g. a PDF being made),
// instead of a <meta http-equiv="refresh"> that reloads the whole page: a reload moves a
// screen reader back to the top and breaks WCAG 2.2.1 (axe: meta-refresh).
//
// <div id="pdf-stand" data-live-refresh="3"> ... </div>: every 3 seconds this page is fetched
// again and the element's content is replaced by the same element's content in the fresh
// page. The element itself is the live region (aria-live="polite"), so what changes is
// read out; a role="status" inside would be new each time, and a new live region is often
// not announced. When the fresh element no longer has data-live-refresh (the work is done),
// it is replaced one last time and polling stops. The next request starts only when the
// previous one has answered; after five failures in a row (the server is away) it stops,
// and the "Reload now" link, there for pages without script, still works.
(function () {
  "use strict";
  var MAX_FAILURES = 5;

  function showNotes(element) {
    element.querySelectorAll("[data-live-refresh-note]").forEach(function (note) {
      note.hidden = false;
    });
  }

  function watch(element) {
    var seconds = Math.max(parseInt(element.getAttribute("data-live-refresh"), 10) || 3, 1);
    var failures = 0;
    element.setAttribute("aria-live", "polite");
    showNotes(element);

    function next(delay) {
      window.setTimeout(poll, delay * 1000);
    }

    function failed() {
      failures += 1;
      if (failures < MAX_FAILURES) { next(seconds * (failures + 1)); }
    }

    function poll() {
      // X-Live-Refresh: the page may then answer with its part instead of moving on.
      window.fetch(window.location.href, {
        credentials: "same-origin", cache: "no-store", headers: { "X-Live-Refresh": "1" }
      })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) { failed(); return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(element.id);
          if (!fresh) { return; }
          failures = 0;
          element.innerHTML = fresh.innerHTML;
          if (fresh.hasAttribute("data-live-refresh")) {
            showNotes(element);
            next(seconds);
          } else {
            element.removeAttribute("data-live-refresh");
          }
        })
        .catch(failed);
    }

    next(seconds);
  }

  document.querySelectorAll("[data-live-refresh][id]").forEach(watch);
})();
