// Search over the index shipped as <lang>/search-index.js (window.playbookSearch).
// Accent- and case-insensitive, matches word prefixes, shows a snippet around the match.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var docs = window.playbookSearch || [];
  var form = document.querySelector("[data-search-form]");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!form || !input || !list) return;
  var root = new URL(document.querySelector("script[src*='search-index']").getAttribute("src").replace(/search-index\.js$/, ""), document.baseURI);
  root = new URL("..", root);

  // Fold one character at a time so positions in the folded text match the original.
  function foldChar(c) {
    var f = c.normalize("NFD").charAt(0).toLowerCase();
    if (c === "œ" || c === "Œ") return "o";
    if (c === "æ" || c === "Æ") return "a";
    return f;
  }
  function fold(s) {
    var out = "";
    for (var i = 0; i < s.length; i++) out += foldChar(s.charAt(i));
    return out;
  }
  // A light stemmer for both languages: plural and a few common endings.
  function stem(w) {
    if (w.length > 5) w = w.replace(/(ements|ement|ations|ation|ments|ment|ings|ing|ies|ers|eurs|euse|euses)$/, "");
    if (w.length > 3) w = w.replace(/(es|s|x)$/, "");
    return w;
  }
  function terms(q) {
    return fold(q).split(/[^a-z0-9]+/).filter(function (t) { return t.length > 0; });
  }
  var prepared = docs.map(function (d) {
    return { title: d[0], section: d[1], url: d[2], text: d[3], ftitle: fold(d[0]), ftext: fold(d[3]) };
  });
  function find(hay, term) {
    // Start of a word only.
    var re = new RegExp("(^|[^a-z0-9])" + term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
    var m = re.exec(hay);
    return m ? m.index + m[1].length : -1;
  }
  function search(q) {
    var ts = terms(q);
    if (!ts.length) return [];
    var results = [];
    prepared.forEach(function (d) {
      var score = 0, first = -1, firstLen = 0;
      for (var i = 0; i < ts.length; i++) {
        var t = ts[i], s = stem(t);
        var inTitle = find(d.ftitle, s) >= 0;
        var at = find(d.ftext, s);
        if (!inTitle && at < 0) return;
        score += (inTitle ? 10 : 0) + (at >= 0 ? 1 : 0) + (find(d.ftitle, t) >= 0 ? 2 : 0);
        if (at >= 0 && (first < 0 || at < first)) { first = at; firstLen = s.length; }
      }
      results.push({ doc: d, score: score, at: first, len: firstLen });
    });
    results.sort(function (a, b) { return b.score - a.score || a.doc.title.localeCompare(b.doc.title); });
    return results.slice(0, 50);
  }
  function snippet(r) {
    var text = r.doc.text, frag = document.createDocumentFragment();
    if (r.at < 0) { frag.appendChild(document.createTextNode(text.slice(0, 160) + (text.length > 160 ? "…" : ""))); return frag; }
    var start = Math.max(0, r.at - 70), end = Math.min(text.length, r.at + r.len + 90);
    var wordEnd = r.at + r.len;
    while (wordEnd < text.length && /[\p{L}\p{N}]/u.test(text.charAt(wordEnd))) wordEnd++;
    frag.appendChild(document.createTextNode((start > 0 ? "…" : "") + text.slice(start, r.at)));
    var mark = document.createElement("mark");
    mark.textContent = text.slice(r.at, wordEnd);
    frag.appendChild(mark);
    frag.appendChild(document.createTextNode(text.slice(wordEnd, end) + (end < text.length ? "…" : "")));
    return frag;
  }
  function show(q) {
    list.textContent = "";
    if (!q.trim()) { status.textContent = ""; return; }
    var results = search(q);
    results.forEach(function (r) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = new URL(r.doc.url, root).href;
      a.textContent = r.doc.title;
      li.appendChild(a);
      if (r.doc.section) {
        var sec = document.createElement("span");
        sec.className = "section";
        sec.textContent = r.doc.section;
        li.appendChild(sec);
      }
      var p = document.createElement("p");
      p.appendChild(snippet(r));
      li.appendChild(p);
      list.appendChild(li);
    });
    var n = results.length;
    status.textContent = n === 0 ? status.dataset.none : n === 1 ? status.dataset.one : status.dataset.many.replace("{n}", n);
  }
  var timer;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { show(input.value); }, 120);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    show(input.value);
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    history.replaceState(null, "", url.href);
  });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { input.value = q; show(q); }
})();
