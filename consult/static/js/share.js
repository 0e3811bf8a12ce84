// Share a page (templates/public/_share.html). Without script the page shows the link in a
// read-only field to copy by hand; with script a button appears next to it:
// - on a phone with a share sheet (navigator.share and a coarse pointer): "Share" opens it;
// - elsewhere: "Copy link" puts the link on the clipboard and says so in the status line
//   (role="status", read out by screen readers), e.g. "Link gekopieerd".
// Nothing is sent anywhere by this script; no third-party code.
(function () {
  "use strict";

  function say(status, text) {
    if (!status) return;
    // Emptied first, so the same message said twice is read out twice.
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function copyByHand(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  function copy(field, button, status) {
    var url = field.value;
    var done = function () { say(status, button.getAttribute("data-text-copied")); };
    var failed = function () {
      if (copyByHand(field)) done();
      else say(status, button.getAttribute("data-text-failed"));
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(done, failed);
    } else {
      failed();
    }
  }

  function phoneShareSheet() {
    return typeof navigator.share === "function" &&
      window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  }

  function setUp(button) {
    var id = button.getAttribute("data-share-button");
    var field = document.getElementById(id);
    var status = document.querySelector('[data-share-status="' + id + '"]');
    if (!field) return;
    var share = phoneShareSheet();
    button.textContent = button.getAttribute(share ? "data-label-share" : "data-label-copy");
    button.hidden = false;
    button.addEventListener("click", function () {
      if (!share) {
        copy(field, button, status);
        return;
      }
      navigator.share({ title: button.getAttribute("data-share-title"), url: field.value })
        .catch(function (error) {
          // Closing the share sheet is no error; anything else falls back to copying.
          if (!error || error.name !== "AbortError") copy(field, button, status);
        });
    });
    // A click in the field selects the whole link, ready to copy.
    field.addEventListener("focus", function () { field.select(); });
  }

  function setUpPrint(button) {
    var item = button.closest("[data-print-item]");
    if (item) item.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  }

  function start() {
    document.querySelectorAll("[data-share-button]").forEach(setUp);
    document.querySelectorAll("[data-print-button]").forEach(setUpPrint);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
