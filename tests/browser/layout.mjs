// Layout, theme and performance checks of the browser suite (run by run.mjs), on one page of
// every kind in both languages, light and dark:
//   - the header: the same height on every page kind at each width (320 to 1920 px), one line
//     from 768 px up, at most 64 px on phones;
//   - no page-level horizontal scrolling at 320, 375, 768, 1280 and 1920 px, the 12 × 9 matrix
//     fixture included (its table scrolls in its own frame, first column and header row stay);
//   - no layout shift while loading (CLS 0), CSS + JS ≤ 60 KB before search is used, no web font;
//   - the site navigation marks the current section (diagnostic pages included) and page;
//   - the menu opens without JavaScript, by keyboard, and closes with Escape with it;
//   - the table of contents stays in view at 1440 px and marks the heading being read;
//   - the theme switch: light, dark and the system's, remembered, applied before the first
//     frame, code colours following it;
//   - print: no address after internal links, external ones keep theirs, one numbering in the
//     print view's contents, a diagnostic result printable on its own;
//   - screenshots of every page kind at 375, 768, 1280 and 1920 px, light and dark, with an
//     index.html contact sheet.

import fs from "node:fs";
import path from "node:path";

export const WIDTHS = [320, 375, 768, 1280, 1920];
const SHOT_WIDTHS = [375, 768, 1280, 1920];
const HEIGHT = { 320: 640, 375: 812, 768: 1024, 1280: 800, 1440: 900, 1920: 1080 };
const BUDGET = 60 * 1024; // CSS + JS bytes per page before search is used
const SCHEMES = ["light", "dark"];

// Collects layout shifts from the start of the page (buffered), as the CLS score does.
const CLS_INIT = `(() => {
  window.__cls = 0;
  window.__shifts = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.hadRecentInput) continue;
        window.__cls += e.value;
        window.__shifts.push(e.sources ? e.sources.map((s) => s.node && s.node.nodeName ? s.node.nodeName.toLowerCase() + (s.node.className && typeof s.node.className === "string" ? "." + s.node.className.split(" ")[0] : "") : "?").join(",") : "?");
      }
    }).observe({ type: "layout-shift", buffered: true });
  } catch (e) {}
})();`;

// What the header looks like: its height, whether its visible items sit on one line, and the
// widest of them when they do not.
async function headerInfo(page) {
  return page.evaluate(() => {
    const header = document.querySelector(".site-header");
    if (!header) return null;
    const h = header.getBoundingClientRect();
    const items = [...header.querySelectorAll(".header-bar > *")].filter((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden";
    });
    const boxes = items.map((el) => {
      const r = el.getBoundingClientRect();
      return { name: el.className || el.tagName.toLowerCase(), top: r.top, bottom: r.bottom, mid: (r.top + r.bottom) / 2 };
    });
    const mids = boxes.map((b) => b.mid);
    const oneLine = boxes.every((b) => b.top >= h.top - 0.5 && b.bottom <= h.bottom + 0.5) && (!mids.length || Math.max(...mids) - Math.min(...mids) < 12);
    return { height: Math.round(h.height * 10) / 10, oneLine, items: boxes.map((b) => `${b.name} ${Math.round(b.top)}–${Math.round(b.bottom)}`).join(", ") };
  });
}

async function frame(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// One page of each kind, by path; `budget` pages count CSS + JS (the search page with a query
// has started using search).
function pageKinds(n, matrixBase) {
  const kinds = [
    { kind: "home", path: n.home },
    { kind: "section", path: n.steps },
    { kind: "obstacle", path: n.obstacle },
    { kind: "step", path: n.step },
    { kind: "page", path: (n.plain || n.others || [])[0] },
    { kind: "search", path: n.search },
    { kind: "search-results", path: n.search && `${n.search}?q=${n.lang === "fr" ? "objectif" : "goal"}`, noBudget: true },
    { kind: "matrix", path: n.matrix },
    { kind: "print", path: n.print },
    { kind: "print-paper", path: n.print, media: "print" },
    { kind: "all-pages", path: n.pages },
    { kind: "checklist", path: n.checklist },
    { kind: "diagnostic-start", path: n.diagnostic },
    { kind: "diagnostic-question", path: n.diagnostic && `${n.diagnostic}q/` },
    { kind: "diagnostic-result", path: (n.results || [])[0] },
    { kind: "diagnostic-overview", path: n.overview },
    { kind: "404", path: n.notFound, status: 404 },
  ];
  if (matrixBase) kinds.push({ kind: "matrix-12x9", path: `/${n.lang}/${n.lang === "fr" ? "matrice" : "matrix"}/`, origin: matrixBase });
  return kinds.filter((k) => k.path);
}

// Which pages mark which navigation entry: kind → how the site navigation should look.
const MARKED = {
  home: null,
  section: "section",
  obstacle: "page",
  step: "page",
  page: "section",
  matrix: "tool",
  print: "tool",
  "all-pages": "tool",
  checklist: "tool",
  "diagnostic-start": "section",
  "diagnostic-question": "section",
  "diagnostic-result": "section",
  "diagnostic-overview": "section",
};

export async function kindsPass(env, lang, named, scheme) {
  const { browser, base, matrixBase, check, fail, newContext, track, overflow, shotsDir, shots, headers } = env;
  const context = await newContext(browser, { viewport: { width: 1280, height: HEIGHT[1280] }, colorScheme: scheme, locale: lang === "fr" ? "fr-FR" : "en-GB" });
  context.__label = `${scheme} page kinds`;
  await context.addInitScript(CLS_INIT);
  const page = await context.newPage();
  const expect404 = new Set([named.notFound]);
  track(page, context, expect404);
  let fonts = [];
  page.on("request", (r) => {
    if (r.resourceType() === "font") fonts.push(r.url());
  });
  for (const k of pageKinds({ ...named, lang }, matrixBase)) {
    const where = `${k.path} [${lang} ${scheme} ${k.kind}]`;
    await page.setViewportSize({ width: 1280, height: HEIGHT[1280] });
    await page.emulateMedia({ media: "screen", colorScheme: scheme });
    // The previous page ended at a narrow width: let the window settle at 1280 px before the
    // next page loads, so that its layout-shift score is the page's own, not the resize's.
    await frame(page);
    fonts = [];
    const res = await page.goto(new URL(k.path, k.origin || base).href, { waitUntil: "load" }).catch((e) => (fail(where, `cannot load: ${e.message}`), null));
    if (!res) continue;
    await frame(page);
    await page.waitForTimeout(150);
    check(res.status() === (k.status || 200), where, `HTTP status ${res.status()}`);
    // CSS and JS bodies as received (the test server does not compress; nothing is cached).
    const bytes = await page.evaluate(() =>
      performance.getEntriesByType("resource").filter((e) => /\.(css|js)(\?|$)/.test(new URL(e.name).pathname)).reduce((n, e) => n + e.encodedBodySize, 0),
    );
    if (!k.noBudget) check(bytes <= BUDGET, where, `CSS + JS loaded: ${bytes} bytes, over the ${BUDGET}-byte budget`);
    check(!fonts.length, where, `web fonts loaded: ${fonts.join(", ")}`);
    const cls = await page.evaluate(() => [window.__cls, window.__shifts]);
    check(cls[0] === 0, where, `layout shift while loading: CLS ${cls[0].toFixed(4)} (${cls[1].join("; ")})`);
    if (k.kind in MARKED && !k.origin) await navMarks(page, where, MARKED[k.kind], check);
    if (k.media) await page.emulateMedia({ media: k.media, colorScheme: scheme });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: HEIGHT[width] });
      await frame(page);
      const o = await overflow(page);
      check(!o, where, `horizontal scrolling at ${width} px: ${o}`);
      if (!k.media) {
        const h = await headerInfo(page);
        if (check(h, where, "no .site-header")) {
          const key = `${width}`;
          (headers[key] = headers[key] || []).push({ where: `${k.kind} ${lang} ${scheme}`, height: h.height });
          if (width >= 768) check(h.oneLine, where, `the header is not one line at ${width} px: ${h.items}`);
          if (width < 768) check(h.height <= 64, where, `the header is ${h.height} px high at ${width} px (phones: 64 at most)`);
        }
      }
      if (k.kind === "matrix-12x9") await matrixFrame(page, `${where} ${width}px`, check);
      if (shotsDir && lang === "fr" && SHOT_WIDTHS.includes(width)) {
        const file = `${k.kind}-${width}-${scheme}.png`;
        await page.screenshot({ path: path.join(shotsDir, file) });
        shots.push({ kind: k.kind, width, scheme, file, url: k.path });
      }
    }
  }
  await page.close();
  await context.close();
}

// Pages whose HTML arrives in two parts, the second 400 ms after the first, as on a slow
// network or a busy machine: what the browser drew from the first part must not move when the
// rest arrives (a layout shift). Cut just before the header's language switch (the header must
// not be drawn half-read and then push its search box aside), and in the print view's
// contents just after an entry's link opens (the number before it must not be laid out again
// when the link's text arrives: a one-in-thousands CI failure while the print view, the
// longest page, was parsed in pieces). Each split is checked to have happened, so that the
// check cannot pass by loading the page whole.
export async function inParts(env, lang, named) {
  const { browser, base, check, newContext, track } = env;
  const context = await newContext(browser, { viewport: { width: 1280, height: HEIGHT[1280] }, locale: lang === "fr" ? "fr-FR" : "en-GB" });
  context.__label = "pages sent in two parts";
  await context.addInitScript(CLS_INIT);
  const page = await context.newPage();
  track(page, context, new Set());
  const cuts = [named.home, named.step, named.obstacles].filter(Boolean).map((p) => [p, '<nav class="lang-switch"', "header"]);
  if (named.print) cuts.push(...(await contentsCuts(new URL(named.print, base), check)).map((at, i) => [named.print, at, `contents entry ${i + 1}`]));
  for (const [p, at, what] of cuts) {
    const where = `${p} [${lang} sent in two parts at the ${what}]`;
    const url = new URL(p, base);
    url.searchParams.set("split", at);
    const t0 = Date.now();
    const res = await page.goto(url.href, { waitUntil: "load" }).catch((e) => (env.fail(where, `cannot load: ${e.message}`), null));
    if (!res) continue;
    await frame(page);
    await page.waitForTimeout(150);
    check(Date.now() - t0 >= 400, where, "the page was not sent in two parts (the split marker is not in it?)");
    const cls = await page.evaluate(() => [window.__cls, window.__shifts]);
    check(cls[0] === 0, where, `layout shift while the page arrives: CLS ${cls[0].toFixed(4)} (${cls[1].join("; ")})`);
  }
  await page.close();
  await context.close();
}

// Where to cut the print view so that its first three numbered contents entries each arrive
// with an empty link: the text from just after the link's start tag to the next entry's
// number, which occurs nowhere earlier in the page (the suite's server cuts before the first
// occurrence of its marker).
async function contentsCuts(url, check) {
  const html = await (await fetch(url)).text();
  const cuts = [];
  let at = html.indexOf('class="print-number"');
  while (at >= 0 && cuts.length < 3) {
    const open = html.indexOf(">", html.indexOf("<a ", at)) + 1;
    const next = html.indexOf('class="print-number"', open);
    if (next < 0) break;
    const marker = html.slice(open, next);
    if (html.indexOf(marker) === open) cuts.push(marker);
    at = next;
  }
  check(cuts.length === 3, url.pathname, `the print view's contents have ${cuts.length} numbered entries to cut after, not 3`);
  return cuts;
}

// The site navigation (in the sidebar, or the menu below 1200 px) marks the current section,
// and the current page when it is one of the section's pages.
async function navMarks(page, where, expected, check) {
  const marks = await page.evaluate(() => {
    const nav = document.querySelector(".sidebar .sitenav");
    if (!nav) return null;
    return {
      section: [...nav.querySelectorAll(".nav-sections > li > a[aria-current]")].map((a) => a.getAttribute("aria-current")),
      page: [...nav.querySelectorAll(".nav-pages a[aria-current=page]")].map((a) => a.textContent.trim()),
      tool: [...nav.querySelectorAll(".nav-tools a[aria-current=page]")].length,
      h1: (document.querySelector("main h1") || {}).textContent || "",
    };
  });
  if (!check(marks, where, "no site navigation in .sidebar")) return;
  if (expected === null) {
    check(!marks.section.length && !marks.page.length && !marks.tool, where, "the site navigation marks an entry on a page that belongs to no section");
  } else if (expected === "tool") {
    check(marks.tool === 1, where, "the site navigation does not mark this overview page");
  } else {
    check(marks.section.length === 1, where, `the site navigation marks ${marks.section.length} sections (expected the current one)`);
    if (expected === "page") {
      check(marks.page.length === 1 && marks.h1.includes(marks.page[0].replace(/^\d+\s+/, "")), where, `the site navigation marks ${JSON.stringify(marks.page)} as the current page`);
    }
  }
}

// The 12 × 9 matrix: scrolls inside its frame with a cue, first column and header row stay.
async function matrixFrame(page, where, check) {
  const r = await page.evaluate(async () => {
    const frame = document.querySelector(".matrix-frame");
    if (!frame) return null;
    const out = { overflows: frame.scrollWidth > frame.clientWidth, cue: getComputedStyle(frame).backgroundImage.includes("gradient") };
    out.steps = frame.querySelectorAll("thead th").length - 1;
    out.rows = frame.querySelectorAll("tbody tr").length;
    const first = frame.querySelector("tbody th");
    const head = frame.querySelector("thead th:nth-child(2)");
    frame.scrollLeft = 400;
    frame.scrollTop = 300;
    await new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res)));
    const f = frame.getBoundingClientRect();
    out.firstStays = Math.abs(first.getBoundingClientRect().left - f.left - frame.clientLeft) < 2 || frame.scrollLeft === 0;
    // Once the caption has scrolled away, the header row sits at the top of the frame.
    out.headStays = head.getBoundingClientRect().top >= f.top + frame.clientTop - 1;
    out.firstWidth = first.getBoundingClientRect().width;
    frame.scrollLeft = 0;
    frame.scrollTop = 0;
    return out;
  });
  if (!check(r, where, "no .matrix-frame")) return;
  check(r.steps === 12 && r.rows === 9, where, `the fixture matrix shows ${r.steps} steps × ${r.rows} obstacles, expected 12 × 9`);
  check(r.overflows, where, "the 12-step matrix does not scroll inside its frame");
  check(r.cue, where, "the matrix frame has no scroll cue (gradient at the overflow edge)");
  check(r.firstStays, where, "the first column does not stay in view when the matrix scrolls sideways");
  check(r.headStays, where, "the header row does not stay in view when the matrix scrolls down");
  check(r.firstWidth >= 100, where, `the obstacle column is ${Math.round(r.firstWidth)} px wide, too narrow to read`);
}

export function headerHeights(headers, check) {
  for (const [width, list] of Object.entries(headers)) {
    const heights = [...new Set(list.map((x) => x.height))];
    const detail = heights.map((h) => `${h} px: ${list.filter((x) => x.height === h).slice(0, 4).map((x) => x.where).join(", ")}`).join("; ");
    check(heights.length === 1, `header at ${width} px`, `not the same height on every page kind (${detail})`);
  }
}

// A page of `path` in a new context at `width`, JavaScript on or off, tracked for errors.
async function visit(env, label, path, width, js) {
  const context = await env.newContext(env.browser, { javaScriptEnabled: js, viewport: { width, height: HEIGHT[width] } });
  context.__label = js ? label : `${label} without JavaScript`;
  const page = await context.newPage();
  env.track(page, context);
  await page.goto(new URL(path, env.base).href);
  return { context, page };
}

// The menu: opens without JavaScript by keyboard (Tab to it, Enter) and by pointer, holds the
// navigation and the search; with JavaScript, Escape closes it and focus returns to its button.
export async function menu(env, lang, named) {
  const { check } = env;
  for (const js of [false, true]) {
    const { context, page } = await visit(env, "menu", named.step, 375, js);
    const where = `menu ${lang}${js ? "" : " without JavaScript"}`;
    check(!(await page.isVisible(".sidebar")), where, "the sidebar shows at 375 px");
    check(!(await page.isVisible(".menu-panel")), where, "the menu is open before it is asked for");
    let reached = false;
    for (let i = 0; i < 4 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement && document.activeElement.matches(".menu > summary"));
    }
    if (check(reached, where, "Tab does not reach the menu button")) {
      await page.keyboard.press("Enter");
      check(await page.isVisible(".menu-panel"), where, "Enter on the menu button does not open the menu");
      check(await page.isVisible(".menu-panel .sitenav a[aria-current=page]"), where, "the open menu does not show the navigation with the current page marked");
      check(await page.isVisible("#menu-search-q"), where, "the open menu has no search box");
      await page.keyboard.press("Tab");
      check(await page.evaluate(() => !!document.activeElement.closest(".menu-panel")), where, "Tab from the menu button does not go into the menu");
      if (js) {
        await env.runAxe(page, `${where} (open)`);
        await page.keyboard.press("Escape");
        check(!(await page.isVisible(".menu-panel")), where, "Escape does not close the menu");
        check(await page.evaluate(() => document.activeElement.matches(".menu > summary")), where, "focus does not return to the menu button after Escape");
      } else {
        await page.click(".menu > summary");
        check(!(await page.isVisible(".menu-panel")), where, "clicking the menu button again does not close the menu");
        await page.click(".menu > summary");
        const target = await page.$eval(".menu-panel .nav-sections > li > a", (a) => a.href);
        const [resp] = await Promise.all([page.waitForNavigation(), page.click(".menu-panel .nav-sections > li > a >> nth=0")]);
        check(resp && resp.status() === 200 && page.url() === target, where, `a link in the menu went to ${page.url()}`);
      }
    }
    await page.close();
    await context.close();
  }
}

// The table of contents at 1440 px stays in view while the page scrolls, and (with
// JavaScript) marks the heading being read; without JavaScript it is a plain list of links.
export async function toc(env, lang, named) {
  const { check } = env;
  for (const js of [true, false]) {
    const { context, page } = await visit(env, "contents", named.step, 1440, js);
    const where = `contents ${lang}${js ? "" : " without JavaScript"}`;
    if (!check(await page.isVisible(".toc"), where, `${named.step} shows no table of contents at 1440 px`)) {
      await context.close();
      continue;
    }
    check(await page.isVisible(".sidebar .nav-pages a[aria-current=page] .nav-number"), where, "the sidebar does not number the current step");
    for (const at of [0.4, 0.75, 1]) {
      await page.evaluate((f) => window.scrollTo(0, (document.documentElement.scrollHeight - innerHeight) * f), at);
      await page.waitForTimeout(js ? 250 : 50);
      const r = await page.evaluate(() => {
        const t = document.querySelector(".toc-inner").getBoundingClientRect();
        const header = document.querySelector(".site-header").getBoundingClientRect();
        const current = [...document.querySelectorAll(".toc a[aria-current]")].map((a) => a.getAttribute("href"));
        const line = innerHeight / 3;
        const heads = [...document.querySelectorAll(".toc a")].map((a) => document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1))));
        const above = heads.filter((h) => h && h.getBoundingClientRect().top <= line).map((h) => "#" + h.id);
        const footerInView = document.querySelector(".site-footer").getBoundingClientRect().top < innerHeight;
        return { top: t.top, bottom: t.bottom, headerBottom: header.bottom, current, expected: footerInView ? null : above[above.length - 1] || null, scrolled: scrollY };
      });
      const w = `${where} scrolled to ${Math.round(at * 100)} %`;
      check(r.scrolled > 0, w, "the page did not scroll");
      check(r.top >= r.headerBottom - 1 && r.bottom <= HEIGHT[1440] + 1, w, `the contents are out of view (top ${Math.round(r.top)}, bottom ${Math.round(r.bottom)})`);
      if (js) {
        check(r.current.length === 1, w, `the contents mark ${r.current.length} entries as current`);
        if (r.expected) check(r.current[0] === r.expected, w, `the contents mark ${r.current[0]}, the heading being read is ${r.expected}`);
      } else {
        check(r.current.length === 0, w, "without JavaScript the contents should be a plain list");
      }
    }
    await page.close();
    await context.close();
  }
}

// The theme switch: system → light → dark → system, remembered, applied before the first
// frame after a reload; code colours follow the chosen theme.
export async function themeSwitch(env, lang, named) {
  const { browser, base, matrixBase, check, newContext, track } = env;
  const where = `theme switch ${lang}`;
  const context = await newContext(browser, { viewport: { width: 1280, height: HEIGHT[1280] }, colorScheme: "light" });
  context.__label = "theme switch";
  // At the first frame, what theme is on <html> and what colour the page is.
  await context.addInitScript(() => {
    requestAnimationFrame(() => {
      window.__firstFrame = { theme: document.documentElement.getAttribute("data-theme"), bg: getComputedStyle(document.documentElement).backgroundColor };
    });
  });
  const page = await context.newPage();
  track(page, context);
  await page.goto(new URL(named.step, base).href);
  const button = ".header-bar > [data-theme-switch]";
  if (!check(await page.isVisible(button), where, "no visible theme switch in the header at 1280 px")) return context.close();
  const state = () => page.evaluate(() => ({
    theme: document.documentElement.getAttribute("data-theme"),
    stored: localStorage.getItem("playbook-theme"),
    bg: getComputedStyle(document.documentElement).backgroundColor,
    label: document.querySelector(".header-bar > [data-theme-switch]").textContent.trim(),
  }));
  const light = await state();
  check(light.theme === null && light.stored === null, where, "a theme is set before the reader chose one");
  await page.click(button);
  const chosenLight = await state();
  check(chosenLight.theme === "light" && chosenLight.stored === "light", where, `first click: theme ${chosenLight.theme}, stored ${chosenLight.stored}; expected light`);
  check(chosenLight.label !== light.label, where, "the switch's label does not say the new theme");
  await page.click(button);
  const dark = await state();
  check(dark.theme === "dark" && dark.stored === "dark", where, `second click: theme ${dark.theme}, stored ${dark.stored}; expected dark`);
  check(dark.bg !== light.bg, where, `the dark theme has the light theme's background (${dark.bg})`);
  await page.reload();
  const first = await page.evaluate(() => window.__firstFrame);
  check(first && first.theme === "dark", where, `after a reload the first frame has theme ${first && first.theme}, not the remembered dark`);
  check(first && first.bg === dark.bg, where, `after a reload the first frame's background is ${first && first.bg}, not the dark ${dark.bg}`);
  await page.click(button);
  const system = await state();
  check(system.theme === null && system.stored === null, where, `third click: theme ${system.theme}, stored ${system.stored}; expected the system's`);
  // Code colours: the dark theme chosen on a light system gives the colours of a dark system.
  if (matrixBase) {
    const code = new URL(`/${lang}/code/`, matrixBase).href;
    const colour = (p) => p.evaluate(() => {
      const c = document.querySelector("pre.code .hl-comment, pre.code [class*=hl-comment]");
      return c ? [getComputedStyle(c).color, getComputedStyle(c.closest("pre")).backgroundColor] : null;
    });
    await page.goto(code);
    const lightCode = await colour(page);
    await page.evaluate(() => localStorage.setItem("playbook-theme", "dark"));
    await page.reload();
    const chosenDark = await colour(page);
    await page.evaluate(() => localStorage.removeItem("playbook-theme"));
    const darkContext = await newContext(browser, { colorScheme: "dark" });
    darkContext.__label = "theme switch";
    const p2 = await darkContext.newPage();
    await p2.goto(code);
    const systemDark = await colour(p2);
    await darkContext.close();
    if (check(lightCode && chosenDark && systemDark, where, "the fixture's code page has no highlighted comment")) {
      check(JSON.stringify(chosenDark) === JSON.stringify(systemDark), where, `code colours with the dark theme chosen ${chosenDark}, with a dark system ${systemDark}`);
      check(JSON.stringify(chosenDark) !== JSON.stringify(lightCode), where, "code colours do not change with the theme");
    }
  }
  await context.close();
}

// Print: internal links print no address, external ones print theirs; the print view numbers
// its contents once; a diagnostic result prints on its own, with the answers given.
export async function print(env, lang, named) {
  const { browser, base, check, newContext, track } = env;
  const context = await newContext(browser);
  context.__label = "print";
  const page = await context.newPage();
  track(page, context);
  for (const p of [named.print, named.step, named.obstacle]) {
    const where = `print ${p}`;
    await page.goto(new URL(p, base).href);
    await page.emulateMedia({ media: "print" });
    const links = await page.$$eval("main a[href]", (as) =>
      as.map((a) => ({ href: a.getAttribute("href"), after: getComputedStyle(a, "::after").content })),
    );
    const internal = links.filter((l) => !/^https?:/.test(l.href));
    const external = links.filter((l) => /^https?:/.test(l.href));
    check(internal.length > 0, where, "no internal links to check");
    const shown = internal.filter((l) => l.after !== "none" && l.after !== "normal" && l.after !== '""');
    check(!shown.length, where, `${shown.length} internal links print an address when printed, e.g. ${shown.slice(0, 3).map((l) => `${l.href} → ${l.after}`).join("; ")}`);
    for (const l of external.slice(0, 5)) check(l.after.includes(l.href), where, `the external link ${l.href} prints ${l.after}, not its address`);
    if (p === named.print) {
      const toc = await page.$$eval(".print-contents li li", (lis) => lis.map((li) => [li.textContent.trim(), getComputedStyle(li).listStyleType]));
      check(toc.length > 0, where, "the print view has no contents list");
      check(toc.every(([, style]) => style === "none"), where, "the contents list adds its own numbers to the steps' numbers");
      const numbered = toc.filter(([t]) => /^\d/.test(t));
      check(numbered.length > 0 && numbered.every(([t]) => /^\d+\.\s+[^\d\s]/.test(t)), where, `a contents entry is numbered twice: ${numbered.map(([t]) => t).find((t) => !/^\d+\.\s+[^\d\s]/.test(t))}`);
      const breaks = await page.$$eval(".print-section, .print-page + .print-page", (as) => as.map((a) => getComputedStyle(a).breakBefore));
      check(breaks.length > 2 && breaks.every((b) => b === "page"), where, "each part, obstacle and step does not start a new page");
      const sizes = await page.evaluate(() => ["h1", ".print-section-title", ".print-page-title", ".print-page .prose h4"].map((s) => document.querySelector(s)).map((e) => (e ? parseFloat(getComputedStyle(e).fontSize) : 0)));
      check(sizes[0] > sizes[1] && sizes[1] > sizes[2] && sizes[2] > sizes[3], where, `headings do not show the hierarchy (site, section, page, in-page: ${sizes.join(", ")} px)`);
    }
    await page.emulateMedia({ media: "screen" });
  }
  const result = (named.results || [])[0];
  if (result) {
    const where = `print ${result}`;
    await page.goto(new URL(result, base).href);
    await page.emulateMedia({ media: "print" });
    for (const sel of [".site-header", ".sidebar", ".site-footer", "a.back-link", "a.start-again", "[data-change-for]", ".breadcrumbs"]) {
      const el = await page.$(sel);
      if (el) check(!(await el.isVisible()), where, `${sel} shows on the printed result`);
    }
    for (const sel of ["main h1", ".your-answers", "main [data-step]"]) check(await page.isVisible(sel), where, `${sel} is missing from the printed result`);
  }
  await page.close();
  await context.close();
}

// The contact sheet: every screenshot, by page kind (rows) and width and theme (columns).
export function contactSheet(dir, shots) {
  const kinds = [...new Set(shots.map((s) => s.kind))];
  const cols = [];
  for (const width of SHOT_WIDTHS) for (const scheme of SCHEMES) cols.push({ width, scheme });
  const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
  const rows = kinds.map((kind) => {
    const cells = cols.map(({ width, scheme }) => {
      const s = shots.find((x) => x.kind === kind && x.width === width && x.scheme === scheme);
      return s ? `<td><a href="${esc(s.file)}"><img src="${esc(s.file)}" alt="${esc(`${kind}, ${width} px, ${scheme}`)}" loading="lazy"></a></td>` : "<td></td>";
    });
    const url = (shots.find((x) => x.kind === kind) || {}).url || "";
    return `<tr><th scope="row">${esc(kind)}<br><small>${esc(url)}</small></th>${cells.join("")}</tr>`;
  });
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Playbook: every page kind</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1rem; background: #f4f5f7; }
table { border-collapse: collapse; }
th, td { padding: 6px; vertical-align: top; text-align: left; }
thead th { position: sticky; top: 0; background: #f4f5f7; }
tbody th { width: 10rem; }
img { width: 150px; height: auto; border: 1px solid #ccc; background: #fff; display: block; }
small { color: #555; word-break: break-all; }
</style></head><body>
<h1>Playbook: every page kind (French), light and dark</h1>
<p>${shots.length} screenshots, top of each page at the viewport's height; click one for full size.</p>
<table><thead><tr><th>page kind</th>${cols.map((c) => `<th>${c.width} px ${c.scheme}</th>`).join("")}</tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table>
</body></html>
`;
  fs.writeFileSync(path.join(dir, "index.html"), html);
}
