/* Small enhancements; every page works without this file (no inline script: the CSP forbids it). */
(function () {
  "use strict";

  /* Submit a form in the background and swap in one part of the page that comes back.
     Used for the Markdown preview and for posting a comment without leaving the page. */
  function swapFrom(form, selector, submitter) {
    var body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    var target = document.querySelector(selector);
    if (target) target.setAttribute("aria-busy", "true");
    return fetch(form.action || location.href, {method: "POST", body: body, credentials: "same-origin"})
      .then(function (response) { return response.text().then(function (text) { return [response, text]; }); })
      .then(function (pair) {
        var page = new DOMParser().parseFromString(pair[1], "text/html");
        var fresh = page.querySelector(selector);
        if (!fresh || !target) { form.submit(); return; }
        target.replaceWith(fresh);
        /* The page that came back may carry a message ("Your comment … was posted"): show it in this
           page's status region, or it is lost with the rest of that page. */
        var status = document.querySelector("main [role=status]"), news = page.querySelector("main [role=status]");
        if (status && news) status.replaceChildren.apply(status, Array.prototype.slice.call(news.childNodes));
        if (pair[0].redirected) history.replaceState(null, "", pair[0].url);
        var focus = fresh.querySelector("[role=alert], .errors, :target") || fresh;
        if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
        focus.focus();
        wire(fresh);
      })
      .catch(function () { form.submit(); });
  }

  function wire(root) {
    root.querySelectorAll("form[data-swap], form:has([data-swap])").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var submitter = event.submitter;
        var selector = (submitter && submitter.dataset.swap) || form.dataset.swap;
        if (!selector) return;
        event.preventDefault();
        swapFrom(form, selector, submitter);
      });
    });
  }

  /* Next / previous change on the compare page with the n and p keys. */
  function changeKeys() {
    var marks = Array.prototype.slice.call(document.querySelectorAll("[id^=change-]"));
    if (!marks.length) return;
    document.addEventListener("keydown", function (event) {
      if (event.target.closest("input, textarea, select") || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.key !== "n" && event.key !== "p") return;
      var current = parseInt((location.hash.match(/^#change-(\d+)$/) || [0, 0])[1], 10);
      var next = event.key === "n" ? Math.min(current + 1, marks.length) : Math.max(current - 1, 1);
      location.hash = "#change-" + next;
    });
  }

  /* "Select all on this page" in a table of checkboxes: shown only when this file runs (it is
     hidden in the page), since without it the box would do nothing. */
  function selectAll() {
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var name = all.dataset.selectAll, form = all.form;
      var boxes = function () { return form.querySelectorAll('input[type=checkbox][name="' + name + '"]'); };
      all.hidden = false;
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
      });
      form.addEventListener("change", function (event) {
        if (event.target === all || event.target.name !== name) return;
        var list = Array.prototype.slice.call(boxes());
        all.checked = list.every(function (box) { return box.checked; });
      });
    });
  }

  wire(document);
  changeKeys();
  selectAll();
})();
