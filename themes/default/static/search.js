// Search over the split index under <lang>/search-index/ (src/render/search/ writes it):
//   index.js        the manifest: { pages, per, chunks: the first word of each term chunk };
//   terms/<n>.js    chunk n of the site's words in alphabetical order, each with its postings;
//   pages/<f>.js    pages f*per to f*per + per - 1 (pages numbered in title order), each
//                   [title, section, url, text], the text's blocks separated by line breaks.
// Each file is a script calling window.playbookSearch.manifest / .terms / .pages: scripts load
// under the strict CSP and from file://, where fetch() of a local file is refused. The manifest
// loads with the page; a query loads the term chunks its words can be in, then the files of the
// results shown (PAGE at a time, more on "show more").
//
// Accent- and case-insensitive; every word of the query must start a word of the page (prefix
// match, so results come while typing; a word of one or two letters must be a whole word, so
// that one letter does not load half the index); a light French and English stemmer lets
// "organising" find "organisation" and "équipes" find "équipe". Ranking: in the title first,
// then how often in the text, the typed form before the stem; ties in title order. Results show
// the title, the section and an excerpt with the matches in <mark>; the count is announced by
// a live region; ArrowDown/ArrowUp move between the box and the results (Tab works too).
//
// Three parts, kept apart: loading the index (load), matching (search), showing results.
(function () {
  "use strict";
  var form = document.querySelector("[data-search-form]");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var moreButton = document.querySelector("[data-search-more]");
  var indexUrl = form && form.getAttribute("data-index");
  // Without a box or an index the page keeps its "search needs JavaScript" message.
  if (!form || !input || !list || !status || !indexUrl) return;
  document.documentElement.classList.add("search-ready");
  var manifestUrl = new URL(indexUrl, document.baseURI);
  var root = new URL("../..", manifestUrl);
  var siteTitle = document.querySelector(".site-title");
  var homeSection = siteTitle ? siteTitle.textContent.trim() : "";
  var PAGE = 10; // results shown at a time

  // ---- Loading the index -------------------------------------------------------------------
  var manifest = null, chunks = {}, pages = {};
  window.playbookSearch = {
    manifest: function (m) { manifest = m; },
    terms: function (n, words) { chunks[n] = words; },
    pages: function (first, list) { list.forEach(function (d, i) { pages[first + i] = prepare(d); }); }
  };
  var requests = {}; // url → { done, then: [callbacks] }
  // Runs `then` once every script in `urls` has run (each loaded once, whoever asks).
  function load(urls, then) {
    var left = urls.length;
    if (!left) return then();
    function one() { if (--left === 0) then(); }
    urls.forEach(function (url) {
      var r = requests[url];
      if (r && r.done) return one();
      if (!r) {
        r = requests[url] = { done: false, then: [] };
        var script = document.createElement("script");
        script.src = url;
        script.onload = function () {
          script.remove();
          r.done = true;
          var waiting = r.then;
          r.then = [];
          waiting.forEach(function (f) { f(); });
        };
        script.onerror = function () {
          script.remove();
          delete requests[url];
          failed();
        };
        document.head.appendChild(script);
      }
      r.then.push(one);
    });
  }
  function part(path) { return new URL(path, manifestUrl).href; }
  function failed() {
    document.documentElement.classList.remove("search-ready");
  }
  function prepare(d) {
    return { title: d[0], section: d[1] || homeSection, url: d[2], text: d[3], ftitle: fold(d[0]), ftext: fold(d[3]) };
  }

  // ---- Matching ----------------------------------------------------------------------------
  // Fold one UTF-16 unit at a time, so positions in the folded text are positions in the
  // original. src/render/search/words.rs folds the indexed text the same way.
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
  var SHORT = 3; // query words shorter than this match whole words only
  // The query's words: { typed, key (what indexed words must start with, or equal when whole),
  // whole }.
  function terms(q) {
    var seen = {};
    return fold(q).split(/[^a-z0-9]+/).filter(function (t) {
      if (!t || seen[t]) return false;
      seen[t] = true;
      return true;
    }).map(function (t) {
      var whole = t.length < SHORT;
      return { typed: t, key: whole ? t : stem(t), whole: whole };
    });
  }
  // The chunks holding the indexed words `term` can match: the one where its key would be,
  // and, for a prefix, those after it whose first word still starts with the key.
  function chunksOf(term) {
    var firsts = manifest.chunks, lo = 0, hi = firsts.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (firsts[mid] <= term.key) lo = mid + 1; else hi = mid;
    }
    var out = [Math.max(lo - 1, 0)], end = term.key + "{"; // "{" sorts right after "z"
    for (var i = out[0] + 1; !term.whole && i < firsts.length && firsts[i] < end; i++) out.push(i);
    return firsts.length ? out : [];
  }
  function chunkUrls(ts) {
    var urls = [];
    ts.forEach(function (t) {
      chunksOf(t).forEach(function (n) {
        var u = part("terms/" + n + ".js");
        if (urls.indexOf(u) < 0) urls.push(u);
      });
    });
    return urls;
  }
  var DIGIT = {};
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".split("").forEach(function (c, i) { DIGIT[c] = i; });
  // Calls f(page, weight) for each posting: a gap in 5-bit digits (the sixth bit says more
  // follow), then a one-digit weight, 11 × (in the title) + occurrences in the text (≤ 10).
  function postings(s, f) {
    var next = 0, i = 0;
    while (i < s.length) {
      var gap = 0, shift = 0, d;
      do {
        d = DIGIT[s.charAt(i++)];
        gap += (d & 31) * Math.pow(2, shift);
        shift += 5;
      } while (d >= 32);
      var page = next + gap;
      next = page + 1;
      f(page, DIGIT[s.charAt(i++)]);
    }
  }
  // Every indexed word `term` matches, with its postings, from the loaded chunks.
  function matching(term, f) {
    chunksOf(term).forEach(function (n) {
      var words = chunks[n] || [], lo = 0, hi = words.length / 2;
      while (lo < hi) {
        var mid = (lo + hi) >> 1;
        if (words[2 * mid] < term.key) lo = mid + 1; else hi = mid;
      }
      for (var i = lo; i < words.length / 2; i++) {
        var w = words[2 * i];
        if (term.whole ? w !== term.key : w.slice(0, term.key.length) !== term.key) break;
        f(w, words[2 * i + 1]);
      }
    });
  }
  // Every page holding all the words of the query, best first: page numbers.
  function search(ts) {
    var scores = null;
    ts.forEach(function (t) {
      var found = {};
      matching(t, function (word, list) {
        var exact = word.slice(0, t.typed.length) === t.typed;
        postings(list, function (page, weight) {
          var f = found[page] || (found[page] = { title: false, text: 0, exactTitle: false, exactText: false });
          var inTitle = weight >= 11, inText = weight % 11;
          if (inTitle) f.title = true;
          f.text += inText;
          if (exact && inTitle) f.exactTitle = true;
          if (exact && inText) f.exactText = true;
        });
      });
      // In the title counts more than in the text; the typed form more than the stem.
      var next = {};
      Object.keys(found).forEach(function (page) {
        if (scores && !(page in scores)) return;
        var f = found[page];
        next[page] = (scores ? scores[page] : 0) + (f.title ? 20 : 0) + (f.exactTitle ? 5 : 0) + Math.min(f.text, 10) + (f.exactText ? 3 : 0);
      });
      scores = next;
    });
    return Object.keys(scores || {}).map(Number).sort(function (a, b) {
      return scores[b] - scores[a] || a - b;
    });
  }
  function escape(s) {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  // Every position where a query word starts a word of `hay` (is one, when whole).
  function findAll(hay, term, max) {
    var re = new RegExp("(^|[^a-z0-9])" + escape(term.key) + (term.whole ? "(?![a-z0-9])" : ""), "g"), out = [], m;
    while ((m = re.exec(hay)) && out.length < max) {
      out.push(m.index + m[1].length);
      re.lastIndex = m.index + m[0].length;
    }
    return out;
  }
  function byPosition(a, b) { return a - b; }
  // A result to show: the page and where the query's words are in its title and text.
  function result(n, ts) {
    var d = pages[n], hits = [], titleHits = [];
    ts.forEach(function (t) {
      titleHits = titleHits.concat(findAll(d.ftitle, t, 10));
      hits = hits.concat(findAll(d.ftext, t, 50));
    });
    return { doc: d, hits: hits.sort(byPosition), titleHits: titleHits.sort(byPosition) };
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
  // The query shown: its words, its pages best first, and how many are in the list.
  var shown = null;
  function showMore(focusFirst) {
    var s = shown, from = list.children.length;
    var next = s.ranked.slice(from, from + PAGE);
    var files = {};
    next.forEach(function (n) { files[part("pages/" + Math.floor(n / (manifest.per || 1)) + ".js")] = true; });
    load(Object.keys(files), function () {
      if (shown !== s || list.children.length !== from) return;
      next.forEach(function (n) { list.appendChild(renderResult(result(n, s.terms))); });
      if (moreButton) moreButton.hidden = list.children.length >= s.ranked.length;
      if (focusFirst && list.children[from]) list.children[from].querySelector("a").focus();
    });
  }
  function clear() {
    shown = null;
    list.textContent = "";
    if (moreButton) moreButton.hidden = true;
  }
  function show(q) {
    if (!q.trim()) {
      clear();
      status.textContent = "";
      lastAnnounced = "";
      return;
    }
    load([manifestUrl.href], function () {
      var ts = terms(q);
      load(chunkUrls(ts), function () {
        // The box may have changed while the index loaded: show what it says now.
        if (input.value !== q) return;
        clear();
        var ranked = search(ts), n = ranked.length;
        shown = { terms: ts, ranked: ranked };
        announce(n === 0 ? status.getAttribute("data-none") : n === 1 ? status.getAttribute("data-one") : status.getAttribute("data-many").replace("{n}", n));
        showMore(false);
      });
    });
  }

  // ---- Wiring ------------------------------------------------------------------------------
  load([manifestUrl.href], function () {});
  var timer;
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
  if (moreButton) moreButton.addEventListener("click", function () { if (shown) showMore(true); });
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
