// Optional improvements to the diagnostic; every page works without this file.
// - After "Change", focus the earlier answer (the URL ends with #answer-<slug>).
// - Remember the last page reached, and offer to resume from the start page.
// - On a result, offer to copy the link to it.
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main) return;
  var kind = main.getAttribute("data-diagnostic-kind");
  var key = "playbook-diagnostic-" + document.documentElement.lang;
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }

  if (location.hash.indexOf("#answer-") === 0) {
    var earlier = document.getElementById(location.hash.slice(1));
    if (earlier) earlier.focus();
  }
  if (store && (kind === "question" || kind === "result") && main.getAttribute("data-diagnostic-path")) {
    // Storage may be full or refused (private browsing): then there is simply no "resume".
    try { store.setItem(key, location.pathname); } catch (e) { /* ignore */ }
  }
  if (store && kind === "start") {
    var last = store.getItem(key);
    var resume = document.querySelector("[data-resume]");
    if (last && resume) {
      resume.querySelector("a").setAttribute("href", last);
      resume.hidden = false;
    }
  }
  var copy = document.querySelector("[data-copy-link]");
  if (copy && navigator.clipboard) {
    copy.hidden = false;
    var button = copy.querySelector("button");
    var status = copy.querySelector("[role=status]");
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(location.href).then(function () {
        status.textContent = button.getAttribute("data-copied");
      });
    });
  }
})();
