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
        if (!fresh || !target) { submitPlainly(form, submitter); return; }
        target.replaceWith(fresh);
        /* Parts shown beside the target (the preview's changes from the saved text) come along with it. */
        document.querySelectorAll('[data-swap-with="' + selector + '"]').forEach(function (part) {
          var twin = part.id && page.getElementById(part.id);
          if (twin) part.replaceWith(twin);
        });
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
      .catch(function () { submitPlainly(form, submitter); });
  }

  /* The page's own post, when the background one cannot be swapped in. form.submit() leaves out the button
     pressed, which would turn a Preview into a Save: carry its name and value in a hidden field. */
  function submitPlainly(form, submitter) {
    if (submitter && submitter.name) {
      var pressed = document.createElement("input");
      pressed.type = "hidden";
      pressed.name = submitter.name;
      pressed.value = submitter.value;
      form.appendChild(pressed);
    }
    form.submit();
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

  /* A small Markdown toolbar above each textarea[data-markdown]. Its buttons and their translated labels
     are the page's <template id="markdown-toolbar">, which shows nothing by itself: without this file the
     text area is as it always was. Each button wraps the selection or inserts at the caret. */
  function replaceText(area, from, to, text, selectFrom, selectTo) {
    /* area.value[from:to] becomes text, then [selectFrom, selectTo) of the new value is selected.
       insertText keeps the browser's undo (Ctrl+Z); where it is not supported, set the value directly. */
    var expected = area.value.slice(0, from) + text + area.value.slice(to);
    area.focus();
    area.setSelectionRange(from, to);
    var inserted = false;
    try { inserted = document.execCommand("insertText", false, text); } catch (error) { inserted = false; }
    if (!inserted || area.value !== expected) {
      area.value = expected;
      area.dispatchEvent(new Event("input", {bubbles: true}));
    }
    area.setSelectionRange(selectFrom, selectTo);
  }

  /* Bold and italic: Markdown emphasis may not start or end with a space, nor run across a blank line,
     so the marks go round each selected line's words and the spaces stay outside. */
  function emphasise(area, mark) {
    var start = area.selectionStart, end = area.selectionEnd, chosen = area.value.slice(start, end);
    if (!chosen.trim()) {
      replaceText(area, end, end, mark + mark, end + mark.length, end + mark.length);
      return;
    }
    var lines = chosen.split("\n").map(function (line) {
      var words = line.trim();
      if (!words) return line;
      var lead = line.length - line.replace(/^\s+/, "").length;
      return line.slice(0, lead) + mark + words + mark + line.slice(lead + words.length);
    });
    var text = lines.join("\n");
    if (lines.length > 1) {
      replaceText(area, start, end, text, start, start + text.length);
    } else {
      var inner = start + text.indexOf(mark) + mark.length;
      replaceText(area, start, end, text, inner, inner + chosen.trim().length);
    }
  }

  var LIST_ITEM = /^\s*([-*+]|\d+[.)])\s/;

  /* List items: "- " or "1. " before each selected line (the caret's line when nothing is selected), with a
     blank line between the list and a paragraph next to it, without which Markdown would not see a list. */
  function listItems(area, numbered) {
    var value = area.value, start = area.selectionStart, end = area.selectionEnd;
    if (end > start && value[end - 1] === "\n") end -= 1;
    var from = value.lastIndexOf("\n", start - 1) + 1, to = value.indexOf("\n", end);
    if (to === -1) to = value.length;
    var before = value.slice(0, from).replace(/\n$/, ""), after = value.slice(to + 1);
    var previous = before.slice(before.lastIndexOf("\n") + 1), next = after.split("\n")[0];
    var n = numbered && /^\s*\d+[.)]\s/.test(previous) ? parseInt(previous, 10) + 1 : 1;
    var lines = value.slice(from, to).split("\n");
    var text = lines.map(function (line) {
      if (!line.trim() && lines.length > 1) return line;
      return (numbered ? (n++) + ". " : "- ") + line.replace(/^\s+/, "");
    }).join("\n");
    var opening = from > 0 && previous.trim() && !LIST_ITEM.test(previous) ? "\n" : "";
    var closing = to < value.length && next.trim() && !LIST_ITEM.test(next) ? "\n" : "";
    text = opening + text + closing;
    var caret = from + text.length - closing.length;
    replaceText(area, from, to, text, lines.length > 1 ? from + opening.length : caret, caret);
  }

  /* A link: the selection is its text (or, if it is an address, its target); the caret ends where the
     next thing to type goes. */
  function link(area, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd, chosen = area.value.slice(start, end);
    var text;
    if (/^https?:\/\/\S+$/.test(chosen.trim())) {
      text = "[" + placeholder + "](" + chosen.trim() + ")";
      replaceText(area, start, end, text, start + 1, start + 1 + placeholder.length);
    } else if (chosen) {
      text = "[" + chosen + "](https://)";
      replaceText(area, start, end, text, start + text.length - 1, start + text.length - 1);
    } else {
      text = "[" + placeholder + "](https://)";
      replaceText(area, start, end, text, start + 1, start + 1 + placeholder.length);
    }
  }

  /* A footnote: the next free number at the caret (after the selection) and its definition at the end of
     the text, selected to be typed over. */
  function footnote(area, placeholder) {
    var value = area.value, end = area.selectionEnd, n = 1, found, refs = /\[\^(\d+)\]/g;
    while ((found = refs.exec(value)) !== null) n = Math.max(n, parseInt(found[1], 10) + 1);
    var mark = "[^" + n + "]";
    var text = mark + value.slice(end).replace(/\s+$/, "") + "\n\n" + mark + ": " + placeholder;
    replaceText(area, end, value.length, text, end + text.length - placeholder.length, end + text.length);
  }

  function format(area, button) {
    var action = button.dataset.markdownAction, placeholder = button.dataset.placeholder || "";
    if (action === "bold") emphasise(area, "**");
    else if (action === "italic") emphasise(area, "*");
    else if (action === "list") listItems(area, false);
    else if (action === "numbered") listItems(area, true);
    else if (action === "link") link(area, placeholder);
    else if (action === "footnote") footnote(area, placeholder);
  }

  function markdownToolbars() {
    var template = document.getElementById("markdown-toolbar");
    if (!template || !template.content) return;
    document.querySelectorAll("textarea[data-markdown]").forEach(function (area) {
      if (area.dataset.markdownToolbar) return;
      area.dataset.markdownToolbar = "on";
      var toolbar = template.content.firstElementChild.cloneNode(true);
      var buttons = Array.prototype.slice.call(toolbar.querySelectorAll("button"));
      if (area.id) toolbar.setAttribute("aria-controls", area.id);
      /* One Tab stop for the whole toolbar; the arrow keys (and Home, End) move between its buttons. */
      var current = function (button) {
        buttons.forEach(function (b) { b.tabIndex = b === button ? 0 : -1; });
      };
      current(buttons[0]);
      toolbar.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (!button) return;
        current(button);
        format(area, button);
      });
      toolbar.addEventListener("keydown", function (event) {
        var i = buttons.indexOf(document.activeElement);
        if (i < 0) return;
        var rtl = getComputedStyle(toolbar).direction === "rtl";
        var next = {ArrowRight: rtl ? i - 1 : i + 1, ArrowLeft: rtl ? i + 1 : i - 1, Home: 0, End: buttons.length - 1};
        if (!Object.prototype.hasOwnProperty.call(next, event.key)) return;
        event.preventDefault();
        var button = buttons[(next[event.key] + buttons.length) % buttons.length];
        current(button);
        button.focus();
      });
      area.addEventListener("keydown", function (event) {
        if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
        var key = event.key.toLowerCase();
        if (key !== "b" && key !== "i") return;
        event.preventDefault();
        emphasise(area, key === "b" ? "**" : "*");
      });
      area.parentNode.insertBefore(toolbar, area);
    });
  }

  wire(document);
  changeKeys();
  selectAll();
  markdownToolbars();
})();
