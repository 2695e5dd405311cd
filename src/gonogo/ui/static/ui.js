// gonogo ui: the only script (served from /static, allowed by the CSP; no inline script).
// Review keyboard shortcuts: p pass, f fail, 1-5 grade, c comment, s skip, Enter save.
// It reads and writes form fields only; it never inserts text into the page as HTML.
(function () {
  "use strict";
  function reviewKeys(form) {
    function pick(name, value) {
      var el = form.querySelector('input[name="' + name + '"][value="' + value + '"]');
      if (el) { el.checked = true; el.focus(); }
    }
    document.addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
      var t = ev.target;
      var typing = t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && t.type !== "radio"));
      if (typing) {
        if (ev.key === "Escape") { t.blur(); }
        return;
      }
      var k = ev.key;
      if (k === "p") { pick("verdict", "pass"); }
      else if (k === "f") { pick("verdict", "fail"); }
      else if (k >= "1" && k <= "5") { pick("grade", k); }
      else if (k === "c") { form.querySelector("textarea").focus(); }
      else if (k === "s") { form.querySelector("#skip").click(); }
      else if (k === "Enter") {
        if (form.querySelector('input[name="verdict"]:checked')) { form.requestSubmit(form.querySelector("#save")); }
      } else { return; }
      ev.preventDefault();
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector('form[data-keys="review"]');
    if (form) { reviewKeys(form); }
    // filters submit when a menu changes
    Array.prototype.forEach.call(document.querySelectorAll("form.filters select"), function (sel) {
      sel.addEventListener("change", function () { sel.form.requestSubmit(); });
    });
  });
})();
