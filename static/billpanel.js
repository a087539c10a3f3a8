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

// A message or a ticket with a new reply is marked read by the page's own POST, with the
// form's token: opening a page by GET changes nothing, so another site cannot clear the
// client's unread markers. Without the script, the form's button does the same.
(function () {
  "use strict";
  document.querySelectorAll("form[data-mark-read]").forEach(function (form) {
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      redirect: "manual"
    }).then(function (response) {
      if (response.type !== "opaqueredirect" && !response.ok) { return; }
      form.remove();
      var active = document.querySelector(".nav-link.active .menu-badge");
      if (active) {
        var left = parseInt(active.textContent, 10) - 1;
        if (left > 0) { active.textContent = String(left); } else { active.remove(); }
      }
    });
  });
})();

// A document's Print button (without the script, the browser's own print does the same).
(function () {
  "use strict";
  document.querySelectorAll("[data-bp-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();

// A select that shows another page when changed (the mail template's provider); without
// the script, its form's button does the same.
(function () {
  "use strict";
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
    var button = select.form.querySelector("[data-without-script]");
    if (button) { button.remove(); }
  });
})();

// A mailing's progress, read again every two seconds while it is under way.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  function update() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (figures) {
        if (!figures) { return; }
        Object.keys(figures).forEach(function (name) {
          var el = box.querySelector("[data-figure=" + name + "]");
          if (el) { el.textContent = String(figures[name]); }
        });
        if (!figures.done) { window.setTimeout(update, 2000); }
      });
  }
  window.setTimeout(update, 2000);
})();

// A form shown again with mistakes: the first wrong field has the focus, so a keyboard or
// screen-reader user lands on what to fix.
(function () {
  "use strict";
  var first = document.querySelector("form .is-invalid, form [aria-invalid=true]");
  if (first && typeof first.focus === "function") { first.focus(); }
})();

// "Tick all" boxes: a checkbox with data-tick-all="NAME" ticks or clears every checkbox
// named NAME on the page.
(function () {
  "use strict";
  document.querySelectorAll("[data-tick-all]").forEach(function (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll("input[type=checkbox][name=" + all.dataset.tickAll + "]")
        .forEach(function (box) { box.checked = all.checked; });
    });
  });
})();

// A table that scrolls sideways inside its card (a phone) can be scrolled from the keyboard:
// its box takes the focus when nothing in it can.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth;
      var focusable = box.querySelector("a[href], button, input, select, textarea, [tabindex]");
      if (scrolls && !focusable) {
        box.tabIndex = 0;
      } else if (!scrolls && box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();
