/* Small behaviours shared by every page. The Content-Security-Policy allows scripts from
   static files only (no inline <script>, no on…= attributes, no eval), so markup asks for
   a behaviour with a data attribute and this file provides it. */
(function () {
  "use strict";

  // <select data-autosubmit>: choosing a value reloads the page with it (year pickers).
  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.submit();
  });

  // <form data-confirm="…">: asks before an action that cannot be undone.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // <form data-busy="…">: a request that takes a while (an export) says so at once and
  // cannot be sent twice; the message appears in the form's [data-busy-status] element.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.dataset || !form.dataset.busy) return;
    var status = form.querySelector("[data-busy-status]");
    if (status) {
      status.textContent = form.dataset.busy;
      status.hidden = false;
    }
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
    });
  });

  // [data-remove-after-request]: an htmx control that has done its one job disappears.
  document.addEventListener("htmx:afterRequest", function (event) {
    var element = event.detail && event.detail.elt;
    if (element && element.hasAttribute("data-remove-after-request")) element.remove();
  });
})();
