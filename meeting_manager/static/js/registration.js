/* Registration form: show the passport fields only when a visa letter is asked for, show a conditional question
   only when its condition holds, and suggest the badge name. Without this script every field simply shows; the
   server decides what is required and what is kept either way. */
(function () {
  "use strict";
  var form = document.querySelector("form.registration-form");
  if (!form) { return; }

  function valuesOf(name) {
    var inputs = form.querySelectorAll("[name='" + name + "']");
    var values = [];
    inputs.forEach(function (input) {
      if (input.type === "checkbox" || input.type === "radio") {
        if (input.checked) { values.push(input.value); }
      } else if (input.value) {
        values.push(input.value);
      }
    });
    return values;
  }

  function refreshQuestions() {
    // Repeat so that a chain of conditions settles (a hidden question hides its dependants too).
    for (var round = 0; round < 5; round += 1) {
      form.querySelectorAll("[data-shown-if]").forEach(function (block) {
        var parent = form.querySelector("[name='" + block.dataset.shownIf + "']");
        var parentBlock = parent && parent.closest(".question");
        var parentShown = parent && !(parentBlock && parentBlock.hidden);
        block.hidden = !(parentShown && valuesOf(block.dataset.shownIf).indexOf(block.dataset.shownIfValue) !== -1);
      });
    }
  }

  var visaBox = form.querySelector("#visa_letter");
  var visaFields = form.querySelector("#visa-fields");
  function refreshVisa() {
    if (visaBox && visaFields) { visaFields.hidden = !visaBox.checked; }
  }

  var given = form.querySelector("#given_name");
  var family = form.querySelector("#family_name");
  var badge = form.querySelector("#badge_name");
  function refreshBadge() {
    if (given && family && badge) { badge.placeholder = (given.value + " " + family.value).trim(); }
  }

  form.addEventListener("change", function () { refreshQuestions(); refreshVisa(); });
  form.addEventListener("input", refreshBadge);
  refreshQuestions();
  refreshVisa();
  refreshBadge();
}());
