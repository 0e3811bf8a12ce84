/* Consult: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function focusErrorSummary() {
    // After a failed form, move focus to the list of problems so that keyboard and
    // screen-reader users hear what to fix first (the summary has tabindex="-1").
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  function followSummaryLinks() {
    // A link in the error summary focuses the field itself, not only scrolls to it.
    var links = document.querySelectorAll("#error-summary a[href^='#']");
    Array.prototype.forEach.call(links, function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (field) {
          event.preventDefault();
          field.focus();
          field.scrollIntoView({ block: "center" });
        }
      });
    });
  }

  function openOnWideScreens() {
    // A fold marked data-open-wide is closed on a phone (the plan comes first) and opens
    // by itself where the screen has room. Without this script it stays closed.
    if (!window.matchMedia || !window.matchMedia("(min-width: 64rem)").matches) {
      return;
    }
    var folds = document.querySelectorAll("details[data-open-wide]");
    Array.prototype.forEach.call(folds, function (fold) {
      fold.open = true;
    });
  }

  function start() {
    focusErrorSummary();
    followSummaryLinks();
    openOnWideScreens();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
