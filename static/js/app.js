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

  function start() {
    setUpCopyLinks(document);
    setUpTabs(document);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
