// billpanel's own script: shows times in the reader's own time zone and language.
// Pages work without it; the server writes times in UTC.
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  var dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var value = new Date(el.getAttribute("datetime"));
    if (isNaN(value.getTime())) { return; }
    el.title = el.textContent;
    el.textContent = el.dataset.format === "date" ? dateOnly.format(value) : format.format(value);
  });
})();

// Payer forms: show only the fields the chosen kind uses. Without the script every field
// shows, and the server says which ones a kind needs.
(function () {
  "use strict";
  document.querySelectorAll("form[data-payer-form]").forEach(function (form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) { return; }
    function update() {
      form.querySelectorAll("[data-kinds]").forEach(function (el) {
        var shown = el.dataset.kinds.split(" ").indexOf(kind.value) !== -1;
        el.classList.toggle("d-none", !shown && !el.querySelector(".is-invalid"));
      });
    }
    kind.addEventListener("change", update);
    update();
  });
})();

// Canned replies: choosing one adds its text to the reply.
(function () {
  "use strict";
  document.querySelectorAll("select[data-canned-for]").forEach(function (select) {
    var target = document.getElementById(select.dataset.cannedFor);
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (target && option && option.dataset.body) {
        target.value = target.value ? target.value + "\n\n" + option.dataset.body : option.dataset.body;
        target.focus();
      }
      select.selectedIndex = 0;
    });
  });
})();
