/* Comments: enhancements of the public pages. Every page works without this file. */
(function () {
  "use strict";

  function characterCounters() {
    // A polite live region says how many characters are left, without a word per key.
    var counters = document.querySelectorAll("[data-counter-for]");
    Array.prototype.forEach.call(counters, function (counter) {
      var field = document.getElementById(counter.getAttribute("data-counter-for"));
      var max = parseInt(counter.getAttribute("data-max"), 10);
      if (!field || !max) {
        return;
      }
      var timer = null;
      function text(length) {
        var left = max - length;
        var template = counter.getAttribute(left >= 0 ? "data-text-left" : "data-text-over");
        return template
          .replace("{left}", left)
          .replace("{max}", max)
          .replace("{over}", -left);
      }
      function update() {
        var length = field.value.replace(/\r\n/g, "\n").trim().length;
        counter.classList.toggle("consult-counter--over", length > max);
        counter.textContent = text(length);
      }
      counter.hidden = false;
      var describedBy = (field.getAttribute("aria-describedby") || "").split(" ");
      if (describedBy.indexOf(counter.id) === -1) {
        describedBy.push(counter.id);
        field.setAttribute("aria-describedby", describedBy.join(" ").trim());
      }
      update();
      field.addEventListener("input", function () {
        // Announce after a short pause in typing, not on every key.
        window.clearTimeout(timer);
        timer = window.setTimeout(update, 400);
      });
    });
  }

  function choicesThatShowMore(form) {
    // Age band only for groups that ask it; name and organisation never for under 16.
    var ageGroups = (form.getAttribute("data-age-band-groups") || "").split(" ");
    var ageBlock = form.querySelector("[data-age-band]");
    var nameBlock = form.querySelector("[data-name-choice]");
    var organisationBlock = form.querySelector("[data-organisation-choice]");
    var emailDetails = form.querySelector("[data-email-details]");
    var emailTouched = false;
    // "Step 2 of 4" becomes "Step 2 of 3" once an age under 16 is chosen (no step 3 then).
    var caption = document.getElementById("step-caption");
    var captionUnder16 = caption && caption.getAttribute("data-caption-under-16");
    var captionOther = caption && caption.textContent;
    if (emailDetails) {
      // Once the person opens or closes it themselves, their choice stays.
      emailDetails.querySelector("summary").addEventListener("click", function () {
        emailTouched = true;
      });
    }
    function checked(name) {
      // On a later step of the form an earlier answer travels as a hidden field.
      var input = form.querySelector("input[name='" + name + "']:checked") ||
        form.querySelector("input[type=hidden][name='" + name + "']");
      return input ? input.value : "";
    }
    function update() {
      var asksAge = ageGroups.indexOf(checked("stakeholder_group")) !== -1;
      if (ageBlock) {
        ageBlock.toggleAttribute("data-hidden-by-choice", !asksAge);
      }
      var under16 = asksAge && (checked("age_band") === "under_12" || checked("age_band") === "12_15");
      if (captionUnder16) {
        caption.textContent = under16 ? captionUnder16 : captionOther;
      }
      if (organisationBlock) {
        // The server drops it anyway under 16; hiding it says so before anyone types.
        organisationBlock.toggleAttribute("data-hidden-by-choice", under16);
      }
      if (emailDetails && !emailTouched) {
        // Under 16 the path without e-mail comes first: the address folds away.
        var email = emailDetails.querySelector("input[type=email]");
        if (!email || !email.value) {
          emailDetails.open = !under16;
        }
      }
      if (nameBlock) {
        nameBlock.toggleAttribute("data-hidden-by-choice", under16);
        if (under16) {
          var box = nameBlock.querySelector("input[type=checkbox]");
          if (box) {
            box.checked = false;
          }
        }
      }
    }
    form.addEventListener("change", update);
    update();
  }

  function printButtons() {
    var buttons = document.querySelectorAll("[data-print]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  function copyButtons() {
    // The code stays selectable text; the button only saves a step where the browser can.
    var buttons = document.querySelectorAll("[data-copy]");
    Array.prototype.forEach.call(buttons, function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      var status = document.querySelector("[data-copy-status]");
      if (!source || !navigator.clipboard || !window.isSecureContext) {
        return;
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          if (status) {
            status.textContent = button.getAttribute("data-copied");
          }
          button.textContent = button.getAttribute("data-copied");
        });
      });
    });
  }

  function start() {
    characterCounters();
    copyButtons();
    var form = document.querySelector(".consult-submit-form");
    if (form) {
      choicesThatShowMore(form);
    }
    printButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
