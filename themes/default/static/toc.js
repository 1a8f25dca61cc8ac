// Marks the entry of the table of contents for the part of the page being read
// (aria-current="true" on its link) as the reader scrolls, with IntersectionObserver: the
// current part is the last heading above the reading line, a third down the window (the last
// one once the end of the page is in view). Without this file the contents are a plain list of
// links.
(function () {
  "use strict";
  var toc = document.querySelector("[data-toc]");
  if (!toc || !("IntersectionObserver" in window)) return;
  var items = [];
  var links = toc.querySelectorAll("a[href^='#']");
  for (var i = 0; i < links.length; i++) {
    var target = document.getElementById(decodeURIComponent(links[i].getAttribute("href").slice(1)));
    if (target) items.push({ link: links[i], target: target });
  }
  if (!items.length) return;
  var current = null, atEnd = false;

  function update() {
    var line = window.innerHeight / 3, active = null;
    for (var i = 0; i < items.length; i++) {
      var top = items[i].target.getBoundingClientRect().top;
      if (top <= line || (atEnd && top < window.innerHeight)) active = items[i];
    }
    if (active === current) return;
    if (current) current.link.removeAttribute("aria-current");
    if (active) active.link.setAttribute("aria-current", "true");
    current = active;
  }
  // Headings crossing the reading line: the observed area is everything above the line (its
  // top far above the window), so a jump (a link, a fast scroll) that carries a heading across
  // the line changes its state as surely as slow scrolling does.
  var crossing = new IntersectionObserver(update, { rootMargin: "1000000px 0px -66% 0px" });
  items.forEach(function (item) { crossing.observe(item.target); });
  // The end of the page coming into view.
  var end = document.querySelector(".site-footer");
  if (end) {
    new IntersectionObserver(function (entries) {
      atEnd = entries[entries.length - 1].isIntersecting;
      update();
    }).observe(end);
  }
  update();
})();
