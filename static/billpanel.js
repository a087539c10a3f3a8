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
