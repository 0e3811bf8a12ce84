// Keeps a part of the page up to date while work runs on the server (e.g. a PDF being made),
// instead of a <meta http-equiv="refresh"> that reloads the whole page: a reload moves a
// screen reader back to the top and breaks WCAG 2.2.1 (axe: meta-refresh).
//
// <div id="pdf-stand" data-live-refresh="3"> ... </div>: every 3 seconds this page is fetched
// again and the element's content is replaced by the same element's content in the fresh
// page (a role="status" inside announces the change). When the fresh element no longer has
// data-live-refresh (the work is done), it is replaced one last time and polling stops.
// Without script, the page shows a "Reload now" link.
(function () {
  "use strict";
  function watch(element) {
    var seconds = Math.max(parseInt(element.getAttribute("data-live-refresh"), 10) || 3, 1);
    var timer = window.setInterval(function () {
      window.fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html === null) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(element.id);
          if (!fresh) { window.clearInterval(timer); return; }
          element.innerHTML = fresh.innerHTML;
          if (!fresh.hasAttribute("data-live-refresh")) {
            element.removeAttribute("data-live-refresh");
            window.clearInterval(timer);
          }
        })
        .catch(function () { /* try again at the next tick */ });
    }, seconds * 1000);
  }
  document.querySelectorAll("[data-live-refresh][id]").forEach(function (element) {
    element.querySelectorAll("[data-live-refresh-note]").forEach(function (note) {
      note.hidden = false;
    });
    watch(element);
  });
})();
