// Search over the index shipped as <lang>/search-index.js (window.playbookSearch: [title, section,
// url, text] per page, the text's blocks separated by line breaks). The index is loaded when the
// reader first uses the box (or arrives with ?q=), not with the page. Accent- and
// case-insensitive; every word of the query must start a word of the page (prefix match, so
// results come while typing); a light French and English stemmer lets "organising" find
// "organisation" and "équipes" find "équipe". Results show the title, the section and an
// excerpt with the matches in <mark>; the count is announced by a live region;
// ArrowDown/ArrowUp move between the box and the results (Tab works too).
//
// Three parts, kept apart so the index can change shape without touching the others:
// loading the index (loadIndex), matching (search), showing results (renderResults).
(function () {
  "use strict";
  var form = document.querySelector("[data-search-form]");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var indexUrl = form && form.getAttribute("data-index");
  // Without a box or an index the page keeps its "search needs JavaScript" message.
  if (!form || !input || !list || !status || !indexUrl) return;
  document.documentElement.classList.add("search-ready");
  var root = new URL("..", new URL(indexUrl, document.baseURI));
  var siteTitle = document.querySelector(".site-title");
  var homeSection = siteTitle ? siteTitle.textContent.trim() : "";

  // ---- Loading the index -------------------------------------------------------------------
  var prepared = null, loading = null;
  function loadIndex(then) {
    if (prepared) return then();
    if (!loading) {
      loading = [];
      var script = document.createElement("script");
      script.src = indexUrl;
      script.onload = function () {
        if (!Array.isArray(window.playbookSearch)) return failed();
        prepared = window.playbookSearch.map(prepare);
        var waiting = loading;
        loading = null;
        waiting.forEach(function (f) { f(); });
      };
      script.onerror = failed;
      document.head.appendChild(script);
    }
    loading.push(then);
  }
  function failed() {
    document.documentElement.classList.remove("search-ready");
    loading = null;
  }
  function prepare(d) {
    return { title: d[0], section: d[1] || homeSection, url: d[2], text: d[3], ftitle: fold(d[0]), ftext: fold(d[3]) };
  }

  // ---- Matching ----------------------------------------------------------------------------
  // Fold one UTF-16 unit at a time, so positions in the folded text are positions in the original.
  var special = { "œ": "o", "Œ": "o", "æ": "a", "Æ": "a", "ß": "s", "’": "'", "ı": "i" };
  function foldChar(c) {
    if (special[c]) return special[c];
    return c.normalize("NFD").charAt(0).toLowerCase();
  }
  function fold(s) {
    var out = "";
    for (var i = 0; i < s.length; i++) out += foldChar(s.charAt(i));
    return out;
  }
  // Light stemming for French and English: drop common inflectional and derivational endings,
  // keeping at least four letters, then match the stem as a word prefix. "organising",
  // "organisations" and "organiser" all become "organis"; "equipes" becomes "equip".
  var SUFFIXES = [
    "issements", "issement", "ications", "ication", "atrices", "ateurs", "ations", "ements",
    "atrice", "ateur", "ation", "ement", "ments", "ment", "ances", "ance", "ences", "ence",
    "ities", "ity", "ings", "ing", "ised", "ized", "ises", "izes", "ise", "ize", "ness",
    "euses", "euse", "eurs", "eur", "ers", "er", "ies", "ied", "ees", "ee", "ed", "es", "s", "x"
  ];
  function stem(w) {
    for (var i = 0; i < SUFFIXES.length; i++) {
      var s = SUFFIXES[i];
      if (w.length - s.length >= 4 && w.slice(-s.length) === s) return w.slice(0, -s.length);
    }
    return w;
  }
  function terms(q) {
    var seen = {};
    return fold(q).split(/[^a-z0-9]+/).filter(function (t) {
      if (!t || seen[t]) return false;
      seen[t] = true;
      return true;
    });
  }
  function escape(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  // Every position where `prefix` starts a word of `hay`.
  function findAll(hay, prefix, max) {
    var re = new RegExp("(^|[^a-z0-9])" + escape(prefix), "g"), out = [], m;
    while ((m = re.exec(hay)) && out.length < max) {
      out.push(m.index + m[1].length);
      re.lastIndex = m.index + m[0].length;
    }
    return out;
  }
  function byPosition(a, b) { return a - b; }
  // The best 50 pages for a query: { doc, score, hits (in the text), titleHits }.
  function search(q) {
    var ts = terms(q);
    if (!ts.length) return [];
    var results = [];
    prepared.forEach(function (d) {
      var score = 0, hits = [], titleHits = [];
      for (var i = 0; i < ts.length; i++) {
        var t = ts[i], s = stem(t);
        var inTitle = findAll(d.ftitle, s, 10);
        var inText = findAll(d.ftext, s, 50);
        if (!inTitle.length && !inText.length) return;
        // Exact prefix of the typed word counts more than the stem; the title more than the text.
        var exactTitle = findAll(d.ftitle, t, 1).length > 0;
        var exactText = findAll(d.ftext, t, 1).length > 0;
        score += (inTitle.length ? 20 : 0) + (exactTitle ? 5 : 0) + Math.min(inText.length, 10) + (exactText ? 3 : 0);
        titleHits = titleHits.concat(inTitle);
        hits = hits.concat(inText);
      }
      results.push({ doc: d, score: score, hits: hits.sort(byPosition), titleHits: titleHits.sort(byPosition) });
    });
    results.sort(function (a, b) { return b.score - a.score || a.doc.title.localeCompare(b.doc.title); });
    return results.slice(0, 50);
  }

  // ---- Showing results ---------------------------------------------------------------------
  function wordEnd(text, at) {
    while (at < text.length && /[\p{L}\p{N}]/u.test(text.charAt(at))) at++;
    return at;
  }
  // Text from `from` to `to` with the words starting at `hits` (positions in `text`) in <mark>.
  function marked(text, hits, from, to) {
    var frag = document.createDocumentFragment(), pos = from;
    hits.forEach(function (at) {
      if (at < pos || at >= to) return;
      var end = Math.min(wordEnd(text, at), to);
      frag.appendChild(document.createTextNode(text.slice(pos, at)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(at, end);
      frag.appendChild(mark);
      pos = end;
    });
    frag.appendChild(document.createTextNode(text.slice(pos, to)));
    return frag;
  }
  var EXCERPT = 200; // characters shown, about
  var BEFORE = 60; // characters kept before the first match in a long block
  // The parts of `text` an excerpt shows, as [start, end] ranges each inside one block (blocks
  // are separated by line breaks): the block of the first match, cut around it, then the next
  // blocks while the excerpt is short (a match in a heading shows the paragraph after it).
  function excerptRanges(text, first) {
    var ranges = [], used = 0, at = first;
    while (at < text.length && used < EXCERPT / 2) {
      var start = text.lastIndexOf("\n", at - 1) + 1;
      var end = text.indexOf("\n", at);
      if (end < 0) end = text.length;
      if (!ranges.length && at - start > BEFORE) {
        var sp = text.indexOf(" ", at - BEFORE);
        start = sp >= 0 && sp < at ? sp + 1 : at;
      }
      if (end - start > EXCERPT - used) {
        var ep = text.lastIndexOf(" ", start + EXCERPT - used);
        end = ep > Math.max(start, wordEnd(text, at)) ? ep : Math.min(end, start + EXCERPT - used);
      }
      ranges.push([start, end]);
      used += end - start;
      at = text.indexOf("\n", end);
      if (at < 0) break;
      at++;
    }
    return ranges;
  }
  function excerpt(r) {
    var text = r.doc.text, frag = document.createDocumentFragment();
    var ranges = excerptRanges(text, r.hits.length ? r.hits[0] : 0);
    ranges.forEach(function (range, i) {
      var lineStart = text.lastIndexOf("\n", range[0] - 1) + 1;
      var lineEnd = text.indexOf("\n", range[0]);
      if (lineEnd < 0) lineEnd = text.length;
      if (i > 0) frag.appendChild(document.createTextNode(" — "));
      if (range[0] > lineStart) frag.appendChild(document.createTextNode("… "));
      frag.appendChild(marked(text, r.hits, range[0], range[1]));
      if (range[1] < lineEnd) frag.appendChild(document.createTextNode(" …"));
    });
    return frag;
  }
  function renderResult(r) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = new URL(r.doc.url, root).href;
    a.appendChild(marked(r.doc.title, r.titleHits, 0, r.doc.title.length));
    var h = document.createElement("h2");
    h.className = "result-title";
    h.appendChild(a);
    li.appendChild(h);
    if (r.doc.section) {
      var sec = document.createElement("p");
      sec.className = "section";
      sec.textContent = r.doc.section;
      li.appendChild(sec);
    }
    var p = document.createElement("p");
    p.className = "snippet";
    p.appendChild(excerpt(r));
    li.appendChild(p);
    return li;
  }
  var lastAnnounced = "";
  function announce(text) {
    // Repeat announcements are still read: alternate a no-break space at the end.
    if (text === lastAnnounced.replace(/\u00a0$/, "")) text += "\u00a0";
    lastAnnounced = text;
    status.textContent = text;
  }
  function renderResults(results) {
    list.textContent = "";
    results.forEach(function (r) { list.appendChild(renderResult(r)); });
    var n = results.length;
    announce(n === 0 ? status.getAttribute("data-none") : n === 1 ? status.getAttribute("data-one") : status.getAttribute("data-many").replace("{n}", n));
  }
  function show(q) {
    if (!q.trim()) {
      list.textContent = "";
      status.textContent = "";
      lastAnnounced = "";
      return;
    }
    loadIndex(function () {
      // The box may have changed while the index loaded: show what it says now.
      if (input.value === q) renderResults(search(q));
    });
  }

  // ---- Wiring ------------------------------------------------------------------------------
  var timer;
  input.addEventListener("focus", function () { loadIndex(function () {}); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { show(input.value); }, 120);
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearTimeout(timer);
    show(input.value);
    var url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    history.replaceState(null, "", url.href);
  });
  // Arrow keys between the box and the result links.
  function links() { return Array.prototype.slice.call(list.querySelectorAll("a")); }
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && links().length) { e.preventDefault(); links()[0].focus(); }
  });
  list.addEventListener("keydown", function (e) {
    var all = links(), i = all.indexOf(document.activeElement);
    if (i < 0) return;
    if (e.key === "ArrowDown" && i + 1 < all.length) { e.preventDefault(); all[i + 1].focus(); }
    else if (e.key === "ArrowUp") { e.preventDefault(); (i > 0 ? all[i - 1] : input).focus(); }
    else if (e.key === "Escape") { e.preventDefault(); input.focus(); }
  });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { input.value = q; show(q); }
})();
