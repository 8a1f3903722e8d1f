// Parallax's own small script. Pages work without it; it adds a copy-link button and,
// on narrow screens, tabs that switch between the two accounts.
(function () {
  "use strict";

  function setUpCopyLinks(root) {
    root.querySelectorAll("[data-copy-link]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var status = button.parentElement.querySelector(".copy-status");
        navigator.clipboard.writeText(button.dataset.copyLink).then(
          function () { if (status) status.textContent = "Link copied."; },
          function () { if (status) status.textContent = "Could not copy: select the link below."; }
        );
      });
    });
    root.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  function setUpTabs(root) {
    var accounts = root.querySelector("[data-tabs]");
    if (!accounts) return;
    var tablist = accounts.querySelector(".tabs");
    var buttons = Array.prototype.slice.call(accounts.querySelectorAll("[data-tab]"));
    if (!tablist || buttons.length < 2) return;

    function show(outlet, focus) {
      buttons.forEach(function (b) {
        var on = b.dataset.tab === outlet;
        b.setAttribute("aria-selected", on ? "true" : "false");
        b.tabIndex = on ? 0 : -1;
        if (on && focus) b.focus();
      });
      accounts.querySelectorAll("[data-outlet-column], [data-outlet-head]").forEach(function (el) {
        var slug = el.dataset.outletColumn || el.dataset.outletHead;
        el.classList.toggle("is-active", slug === outlet);
      });
      accounts.dataset.activeOutlet = outlet;
    }

    tablist.hidden = false;
    accounts.classList.add("has-tabs");
    buttons.forEach(function (b, i) {
      b.addEventListener("click", function () { show(b.dataset.tab, false); });
      b.addEventListener("keydown", function (e) {
        if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
        var next = buttons[(i + (e.key === "ArrowRight" ? 1 : buttons.length - 1)) % buttons.length];
        show(next.dataset.tab, true);
      });
    });
    // A permalink (#p-...) opens the account that holds the passage.
    var target = location.hash && document.getElementById(location.hash.slice(1));
    var owner = target && target.closest("[data-outlet-column], [data-outlet-head]");
    show(owner ? (owner.dataset.outletColumn || owner.dataset.outletHead) : buttons[0].dataset.tab, false);
    if (target) target.scrollIntoView();
  }

  // After htmx swaps the columns, keep the account the reader was on.
  document.addEventListener("htmx:afterSwap", function () {
    var accounts = document.querySelector("[data-tabs]");
    if (!accounts || !accounts.dataset.activeOutlet) return;
    var outlet = accounts.dataset.activeOutlet;
    accounts.querySelectorAll("[data-outlet-column], [data-outlet-head]").forEach(function (el) {
      var slug = el.dataset.outletColumn || el.dataset.outletHead;
      el.classList.toggle("is-active", slug === outlet);
    });
  });

  // Quote annotations: select words in a passage, and its annotate form opens with the
  // quote (W3C TextQuoteSelector + TextPositionSelector offsets into the passage text).
  function textOffset(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  function fillQuote(form, exact, start, end) {
    form.querySelector("[name=exact]").value = exact;
    form.querySelector("[name=start]").value = exact ? String(start) : "";
    form.querySelector("[name=end]").value = exact ? String(end) : "";
    var preview = form.querySelector(".quote-preview");
    if (preview) {
      preview.hidden = !exact;
      preview.querySelector("span").textContent = exact;
    }
  }

  document.addEventListener("mouseup", function () { setTimeout(captureSelection, 0); });
  document.addEventListener("keyup", function (e) { if (e.shiftKey) captureSelection(); });

  function captureSelection() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) return;
    var range = sel.getRangeAt(0);
    var start = range.startContainer.nodeType === 1 ? range.startContainer : range.startContainer.parentElement;
    var text = start && start.closest(".passage-text .text");
    if (!text || !text.contains(range.endContainer)) return;
    var passage = text.closest(".passage");
    var details = passage && passage.querySelector("details[data-action=annotate]");
    if (!details) return;
    var a = textOffset(text, range.startContainer, range.startOffset);
    var b = textOffset(text, range.endContainer, range.endOffset);
    var exact = text.textContent.slice(a, b);
    if (!exact.trim()) return;
    fillQuote(details.querySelector("form"), exact, a, b);
    details.open = true;
  }

  document.addEventListener("click", function (e) {
    var clear = e.target.closest && e.target.closest("[data-clear-quote]");
    if (clear) fillQuote(clear.closest("form"), "", 0, 0);
  });

  function start() {
    setUpCopyLinks(document);
    setUpTabs(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
