/* AI-OCR verification screen: Enter in a field accepts the page (the browser submits the form), Tab goes to the
 * next field. The time spent checking is measured as active time only (the page is visible and the user did
 * something in the last 60 s) and sent with the acceptance. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("ocr-check");
    if (!form) return;
    var seconds = form.querySelector("input[name=seconds]");
    var active = 0;
    var lastAction = Date.now();
    ["keydown", "mousedown", "mousemove", "input", "focusin"].forEach(function (type) {
      document.addEventListener(type, function () { lastAction = Date.now(); }, true);
    });
    setInterval(function () {
      if (document.visibilityState === "visible" && Date.now() - lastAction < 60000) active += 1;
    }, 1000);
    form.addEventListener("submit", function () {
      seconds.value = String(Math.max(active, 1));
    });
    // A checkbox does not submit on Enter by itself.
    form.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && e.target.type === "checkbox") {
        e.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }
    });
  });
})();
