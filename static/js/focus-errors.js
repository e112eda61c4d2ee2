// After a failed form submit the server renders an error summary: move focus to it, so a
// screen reader reads it and a keyboard user starts from it.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary[tabindex=\"-1\"]");
  if (summary) summary.focus();
})();
