// Colour theme and header menu. Loaded in <head> as a blocking file (not inline: the CSP stays
// `default-src 'self'`), so the reader's theme is applied before the page is first drawn:
// <html data-theme="light|dark"> when the reader chose one, nothing for the system's setting
// (the stylesheet then follows prefers-color-scheme, as it does without JavaScript).
// <html class="has-js"> shows the theme switch, which needs this file. Once the page is read:
// the switch cycles system → light → dark (remembered in localStorage, followed by other open
// tabs); images with a dark variant (<picture><source media="(prefers-color-scheme: dark)">)
// follow the chosen theme too; Escape closes the open menu.
(function () {
  "use strict";
  var KEY = "playbook-theme";
  var NEXT = { system: "light", light: "dark", dark: "system" };
  var root = document.documentElement;
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }

  function chosen() {
    var v = null;
    try { v = store && store.getItem(KEY); } catch (e) { v = null; }
    return v === "light" || v === "dark" ? v : "system";
  }
  function apply(mode) {
    if (mode === "system") root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", mode);
    var buttons = document.querySelectorAll("[data-theme-switch]");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i], label = b.querySelector("[data-theme-label]");
      if (label) label.textContent = b.getAttribute("data-label") + " " + b.getAttribute("data-" + mode);
    }
    // A source for the system's dark (or light) setting: always or never, once a theme is chosen.
    var sources = document.querySelectorAll("picture > source[media*='prefers-color-scheme'], picture > source[data-media]");
    for (var j = 0; j < sources.length; j++) {
      var s = sources[j], media = s.getAttribute("data-media") || s.getAttribute("media");
      s.setAttribute("data-media", media);
      if (mode === "system") s.setAttribute("media", media);
      else s.setAttribute("media", (mode === "dark") === /dark/.test(media) ? "all" : "not all");
    }
  }
  apply(chosen());
  root.classList.add("has-js");
  // Nothing is drawn before <main> is parsed, so never a header drawn half-parsed whose search
  // box is then pushed aside by the language switch (Chromium; other browsers ignore the link;
  // its target must come after the header: Chromium draws once the target's start tag is
  // read). Added from here: validators do not accept `blocking` on this link yet.
  if (document.readyState === "loading" && document.head) {
    var expect = document.createElement("link");
    expect.rel = "expect";
    expect.href = "#main";
    expect.setAttribute("blocking", "render");
    document.head.appendChild(expect);
  }

  window.addEventListener("storage", function (e) {
    if (e.key === KEY) apply(chosen());
  });
  document.addEventListener("DOMContentLoaded", function () {
    apply(chosen());
    document.addEventListener("click", function (e) {
      var b = e.target.closest && e.target.closest("[data-theme-switch]");
      if (!b) return;
      var mode = NEXT[chosen()];
      // Storage may be refused (private browsing): the choice then lasts for this page.
      try {
        if (mode === "system") store.removeItem(KEY);
        else store.setItem(KEY, mode);
      } catch (err) { /* ignore */ }
      apply(mode);
    });
    var menu = document.querySelector("[data-menu]");
    if (menu) {
      menu.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
    }
  });
})();
