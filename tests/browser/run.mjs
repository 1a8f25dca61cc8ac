#!/usr/bin/env node
// Browser suite for the built playbook:
//   node run.mjs <public dir> [--matrix-site <dir>] [--editor-site <dir>] [--search-site <dir>]
//                [--screenshots <dir>]
// (--matrix-site: the built tests/fixtures/matrix-large site, 12 steps × 9 obstacles;
// --editor-site: the built tests/fixtures/editor site, in a git repository committed on 2026-11-03;
// --search-site: the built site of search-site.mjs, 1,500 generated pages per language;
// --screenshots: where to write the screenshots of every page kind and their index.html).
//
// Serves the built site on 127.0.0.1 with `Content-Security-Policy: default-src 'self'`, drives
// headless Chromium (playwright-core) through it in French and English, and runs the Nu HTML
// checker over every file. Checks:
//   - no inline <script>/<style>, style="" or on*="" attributes anywhere (static scan);
//   - axe-core (WCAG 2.0/2.1/2.2 A and AA tags) on every page of the sitemap plus diagnostic
//     question/result pages and the 404, in light mode (1280 px) and dark mode (320 px);
//   - no console errors, page errors, CSP violations or failed requests on any of those pages,
//     nor on every SVG opened on its own; the diagnostic's diagram is the dark file in dark mode;
//   - no horizontal scrolling at 320 px;
//   - the language switch points at the same page (sitemap alternates) and a click round-trips;
//   - previous/next walk the steps 1→n in index order, both ways;
//   - search: accents, case, prefixes, stemming, title/section/snippet with <mark>, keyboard,
//     aria-live announcement, result links land on real pages, header search box;
//   - search.mjs: on the large generated site, the search page loads the index's manifest only,
//     one word loads a small part of the index (bytes and files) with the right results marked,
//     "show more", and the same from file://;
//   - without JavaScript: navigation, the search page's message and page-index link, the
//     diagnostic walked to a result with Tab/Enter only (answers at least 24×24 px), the print view;
//   - print media hides the navigation on a step page;
//   - layout.mjs: header height and one line, no horizontal scrolling at 320–1920 px, CLS 0,
//     the CSS + JS budget, the site navigation's marks, the menu, the table of contents, the
//     theme switch, print (no address after internal links), screenshots and contact sheet.
// Exits 1 with the list of failures, 0 when everything passes; prints counts either way.

import http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import * as layout from "./layout.mjs";
import * as editor from "./editor.mjs";
import * as searchChecks from "./search.mjs";
import { walk } from "./files.mjs";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
function option(name) {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const value = args[i + 1];
  args.splice(i, 2);
  return value ? path.resolve(value) : null;
}
const matrixDir = option("--matrix-site");
const editorDir = option("--editor-site");
const searchDir = option("--search-site");
const shotsDir = option("--screenshots");
const publicDir = path.resolve(args[0] || path.join(here, "..", "..", "public"));
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const LANGS = ["fr", "en"];
const verbose = process.env.VERBOSE === "1";

if (!fs.existsSync(path.join(publicDir, "index.html"))) {
  console.error(`run.mjs: ${publicDir} has no index.html; build the site first (playbook build).`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping

const failures = new Map(); // message → how many times
const counts = { checks: 0, failed: 0, pages: new Set(), axeRuns: 0, axeRules: new Set(), axeChecks: 0, violations: 0, incomplete: 0, review: new Set(), validatorErrors: 0 };
function fail(where, what) {
  const msg = `${where}: ${what}`;
  counts.checks++;
  counts.failed++;
  failures.set(msg, (failures.get(msg) || 0) + 1);
  if (verbose) console.log(`  FAIL ${msg}`);
}
function check(cond, where, what) {
  if (!cond) fail(where, what);
  else counts.checks++;
  return !!cond;
}
function log(msg) {
  console.log(msg);
}
function rel(url) {
  try {
    const u = new URL(url);
    return u.pathname + u.search + u.hash;
  } catch {
    return String(url);
  }
}

// ---------------------------------------------------------------------------------------------
// Static scan: nothing inline, so that the CSP never has to allow it.

const allFiles = walk(publicDir);
const htmlFiles = allFiles.filter((f) => f.endsWith(".html"));
function staticScan() {
  for (const f of htmlFiles) {
    const where = path.relative(publicDir, f);
    const html = fs.readFileSync(f, "utf8");
    for (const m of html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)?>/g)) {
      const tag = m[1].toLowerCase();
      const attrs = m[2] || "";
      if (tag === "script" && !/\ssrc\s*=/.test(attrs)) fail(where, `inline <script> (${m[0].slice(0, 80)})`);
      if (tag === "style") fail(where, "inline <style> element");
      if (/\sstyle\s*=/i.test(attrs)) fail(where, `style="" attribute on <${tag}>`);
      const handler = attrs.match(/\s(on[a-z]+)\s*=/i);
      if (handler) fail(where, `event-handler attribute ${handler[1]} on <${tag}>`);
      const href = attrs.match(/\s(?:href|src|action)\s*=\s*"(javascript:[^"]*)"/i);
      if (href) fail(where, `javascript: URL ${href[1]}`);
      const ext = attrs.match(/\s(?:src|href)\s*=\s*"((?:https?:)?\/\/[^"]*)"/i);
      if (ext && tag !== "a" && !(tag === "link" && /\brel="(canonical|alternate)"/.test(attrs))) {
        fail(where, `third-party resource ${ext[1]} on <${tag}>`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Static server with the production CSP.

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".webmanifest": "application/manifest+json",
};
const HEADERS = {
  "Content-Security-Policy": "default-src 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
  "Cache-Control": "no-store",
};
const served404 = [];
function startServer(publicDir) {
  const server = http.createServer((req, res) => {
    const send = (status, file, extra = {}) => {
      const body = file ? fs.readFileSync(file) : Buffer.from("");
      const type = file ? TYPES[path.extname(file).toLowerCase()] || "application/octet-stream" : "text/plain";
      res.writeHead(status, { ...HEADERS, "Content-Type": type, "Content-Length": body.length, ...extra });
      // `?split=<text>`: the page arrives in two parts, the second (from <text> on) 400 ms
      // later, as on a slow network: what the browser draws meanwhile must not move after.
      const split = url && req.method !== "HEAD" ? url.searchParams.get("split") : null;
      const cut = split && type.startsWith("text/html") ? body.indexOf(split) : -1;
      if (cut > 0) {
        res.write(body.subarray(0, cut));
        setTimeout(() => res.end(body.subarray(cut)), 400);
        return;
      }
      res.end(req.method === "HEAD" ? undefined : body);
    };
    const notFound = (pathname) => {
      served404.push(pathname);
      const lang = LANGS.find((l) => pathname === `/${l}` || pathname.startsWith(`/${l}/`));
      const page = lang && fs.existsSync(path.join(publicDir, lang, "404.html")) ? path.join(publicDir, lang, "404.html") : path.join(publicDir, "404.html");
      send(404, fs.existsSync(page) ? page : null);
    };
    let url, pathname;
    try {
      url = new URL(req.url, "http://localhost");
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return send(400, null);
    }
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, null);
    let file = path.join(publicDir, path.normalize(pathname));
    if (file !== publicDir && !file.startsWith(publicDir + path.sep)) return notFound(pathname);
    let st;
    try {
      st = fs.statSync(file);
    } catch {
      return notFound(pathname);
    }
    if (st.isDirectory()) {
      if (!url.pathname.endsWith("/")) return send(301, null, { Location: url.pathname + "/" + url.search });
      file = path.join(file, "index.html");
      if (!fs.existsSync(file)) return notFound(pathname);
    }
    send(200, file);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// ---------------------------------------------------------------------------------------------
// The Nu HTML checker, run in the background while the browser works.

function runValidator() {
  let jar;
  try {
    const pkg = path.dirname(require.resolve("vnu-jar/package.json"));
    jar = [path.join(pkg, "build", "dist", "vnu.jar"), path.join(pkg, "vnu.jar")].find((p) => fs.existsSync(p));
  } catch {
    jar = undefined;
  }
  if (!jar) {
    fail("vnu", "vnu.jar not found; run npm ci in tests/browser");
    return Promise.resolve();
  }
  const args = ["-jar", jar, "--errors-only", "--skip-non-html", "--also-check-svg", "--format", "json", publicDir];
  return new Promise((resolve) => {
    const child = spawn("java", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (e) => {
      fail("vnu", `could not run java: ${e.message}`);
      resolve();
    });
    child.on("close", (code) => {
      let parsed;
      try {
        parsed = JSON.parse(out.slice(out.indexOf("{")));
      } catch {
        fail("vnu", `unexpected output (exit ${code}): ${out.slice(0, 500)}`);
        return resolve();
      }
      for (const m of parsed.messages || []) {
        if (m.type === "error" || m.type === "non-document-error" || m.subType === "fatal") {
          counts.validatorErrors++;
          const file = m.url ? path.relative(publicDir, fileURLToPath(m.url)) : "?";
          fail(`vnu ${file}:${m.lastLine ?? "?"}`, m.message);
        }
      }
      resolve();
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Browser helpers

const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
let base; // http://127.0.0.1:port

// Reports every console error, uncaught exception, CSP violation and failed request of a page.
// `expect404` holds paths whose 404 status is the point of the visit.
const INIT = `(() => {
  document.addEventListener("securitypolicyviolation", (e) => {
    const v = e.violatedDirective + " blocked " + (e.blockedURI || "inline") + (e.sourceFile ? " at " + e.sourceFile + ":" + e.lineNumber : "") + (e.sample ? " (" + e.sample + ")" : "");
    if (window.__playbookCsp) window.__playbookCsp(v); else (window.__playbookCspQueue = window.__playbookCspQueue || []).push(v);
  }, true);
})();`;
async function newContext(browser, options = {}) {
  const context = await browser.newContext({ locale: "fr-FR", ...options });
  await context.exposeBinding("__playbookCsp", ({ page }, v) => fail(`${rel(page.url())} [${context.__label}]`, `CSP violation: ${v}`));
  await context.addInitScript(INIT);
  return context;
}
function track(page, context, expect404 = new Set()) {
  const where = () => `${rel(page.url())} [${context.__label}]`;
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const loc = m.location() && m.location().url ? rel(m.location().url) : "";
    if (/status of 404/.test(m.text()) && expect404.has(new URL(m.location().url || page.url()).pathname)) return;
    fail(where(), `console error: ${m.text()}${loc ? " (" + loc + ")" : ""}`);
  });
  page.on("pageerror", (e) => fail(where(), `uncaught exception: ${e.message}`));
  // A navigation that replaces a page in flight aborts its pending requests; not a site bug.
  let navigations = 0;
  const issuedAt = new WeakMap();
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) navigations++;
  });
  page.on("request", (r) => {
    issuedAt.set(r, navigations);
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigations++;
  });
  page.on("requestfailed", (r) => {
    const err = r.failure() ? r.failure().errorText : "";
    // The browser fetches the icon after the load event, so the next visit can cancel it.
    const icon = /\/favicon\.[a-z]+$/.test(new URL(r.url()).pathname);
    // A picture still loading (lazily, after a resize) is cancelled when the page closes: an
    // abort is the browser's doing; a missing picture shows as an HTTP error or a file error.
    const picture = r.resourceType() === "image";
    if (err === "net::ERR_ABORTED" && (r.isNavigationRequest() || icon || picture || issuedAt.get(r) !== navigations)) return;
    fail(where(), `request failed: ${rel(r.url())} ${err}`);
  });
  page.on("response", (r) => {
    if (r.status() < 400) return;
    const p = new URL(r.url()).pathname;
    if (r.status() === 404 && expect404.has(p)) return;
    fail(where(), `HTTP ${r.status()} for ${rel(r.url())}`);
  });
}
async function open(context, url, expect404 = new Set()) {
  const page = await context.newPage();
  track(page, context, expect404);
  const res = await page.goto(new URL(url, base).href, { waitUntil: "load" });
  await settle(page);
  return { page, res };
}
async function settle(page) {
  // Let deferred scripts and their timers run.
  await page.waitForLoadState("load");
  await page.waitForTimeout(50);
}
async function runAxe(page, where) {
  const has = await page.evaluate(() => typeof window.axe !== "undefined");
  if (!has) await page.evaluate(axeSource);
  const r = await page.evaluate(
    (tags) =>
      window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations", "incomplete"] }).then((r) => ({
        violations: r.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
          count: v.nodes.length,
        })),
        rules: [...r.passes, ...r.violations, ...r.incomplete, ...r.inapplicable].map((x) => x.id),
        applied: r.passes.length + r.violations.length + r.incomplete.length,
        incomplete: r.incomplete.length,
        review: r.incomplete.map((v) => `${v.id} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`),
      })),
    AXE_TAGS,
  );
  counts.axeRuns++;
  counts.axeChecks += r.applied;
  counts.checks += r.applied - r.violations.length;
  counts.incomplete += r.incomplete;
  r.review.forEach((x) => counts.review.add(`${where.replace(/ \[.*$/, "")}: ${x}`));
  r.rules.forEach((id) => counts.axeRules.add(id));
  for (const v of r.violations) {
    counts.violations += v.count;
    const nodes = v.nodes.map((n) => `\n      ${n.target}: ${n.summary.replace(/\n\s*/g, " ")}`).join("");
    fail(where, `axe ${v.id} (${v.impact}, ${v.count} node${v.count > 1 ? "s" : ""}): ${v.help}${nodes}`);
  }
}
async function overflow(page) {
  return page.evaluate(() => {
    const se = document.scrollingElement;
    if (se.scrollWidth <= se.clientWidth) return null;
    const w = se.clientWidth;
    const culprits = [];
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (r.right > w + 0.5 && r.width > 0) {
        const parentOver = el.parentElement && el.parentElement.getBoundingClientRect().right > w + 0.5;
        if (!parentOver) culprits.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""} (right ${Math.round(r.right)})`);
      }
    }
    return `scrollWidth ${se.scrollWidth} > clientWidth ${w}; widest: ${culprits.slice(0, 5).join(", ")}`;
  });
}
async function hrefs(page, selector) {
  return page.$$eval(selector, (as) => as.map((a) => a.href));
}
const pathOf = (u) => new URL(u, base).pathname;

// ---------------------------------------------------------------------------------------------
// Site discovery

function sitemap() {
  const file = path.join(publicDir, "sitemap.xml");
  const xml = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const entries = [];
  for (const m of xml.matchAll(/<url>([\s\S]*?)<\/url>/g)) {
    const loc = (m[1].match(/<loc>([^<]*)<\/loc>/) || [])[1];
    if (!loc) continue;
    const alternates = {};
    for (const a of m[1].matchAll(/hreflang="([^"]+)"\s+href="([^"]+)"/g)) alternates[a[1]] = new URL(a[2], "http://x").pathname;
    entries.push({ path: new URL(loc, "http://x").pathname, alternates });
  }
  return entries;
}

async function discover(context, lang) {
  const where = `discover ${lang}`;
  const { page } = await open(context, `/${lang}/`);
  const named = { home: `/${lang}/` };
  // The sections are the top entries of the site navigation (the same in the sidebar and the menu).
  const nav = [...new Set((await hrefs(page, ".sidebar .nav-sections > li > a")).map(pathOf))];
  const footer = (await hrefs(page, ".site-footer a")).map(pathOf);
  check(nav.length >= 3, where, `expected the section navigation on the home page, found ${nav.length} links`);
  [named.matrix, named.print, named.pages] = footer;
  // The overviews the site navigation lists besides the footer's (the checklist).
  named.checklist = (await hrefs(page, ".sidebar .nav-tools a")).map(pathOf).find((u) => !footer.includes(u));
  named.search = pathOf(await page.$eval("form.site-search", (f) => f.action).catch(() => `/${lang}/search/`));
  // The obstacles are the matrix's rows: their section is the one whose index lists them.
  await page.goto(new URL(named.matrix, base).href);
  const obstacleLinks = (await hrefs(page, "main tr[data-obstacle] th a")).map(pathOf);
  for (const u of nav) {
    await page.goto(new URL(u, base).href);
    const kind = await page.evaluate(() => ({
      diagnostic: document.querySelector("main[data-diagnostic-kind=start]") !== null,
      numbered: document.querySelector("main ol.cards.numbered") !== null,
      children: [...document.querySelectorAll("main .cards > li.card > a")].map((a) => a.href),
    }));
    const children = kind.children.map(pathOf);
    if (kind.diagnostic) named.diagnostic = u;
    else if (kind.numbered) {
      named.steps = u;
      named.stepList = children;
    } else if (children.length && obstacleLinks.length && obstacleLinks.every((o) => children.includes(o))) {
      named.obstacles = u;
      named.obstacleList = children;
    } else {
      (named.others = named.others || []).push(u);
      if (!children.length) (named.plain = named.plain || []).push(u);
    }
  }
  for (const k of ["diagnostic", "steps", "obstacles", "matrix", "print", "pages", "search"]) {
    check(named[k], where, `could not find the ${k} page from the home page's navigation`);
  }
  named.step = named.stepList && named.stepList[1];
  named.obstacle = named.obstacleList && named.obstacleList[0];

  // The diagnostic: start, first question, then two walks (first answers, last answers) to results.
  named.diagnosticPages = [];
  if (named.diagnostic) {
    await page.goto(new URL(named.diagnostic, base).href);
    const first = await page.$eval(".start-diagnostic", (a) => a.href).catch(() => null);
    const overview = await page.$$eval("main a", (as) => as.map((a) => a.href).filter((h) => !/\/q\//.test(h)));
    named.overview = overview.map(pathOf).find((p) => p.startsWith(named.diagnostic) && p !== named.diagnostic);
    check(first, where, "the diagnostic start page has no .start-diagnostic link");
    check(named.overview, where, "the diagnostic start page does not link to the overview");
    for (const pick of ["first", "last"]) {
      let url = first;
      for (let i = 0; url && i < 20; i++) {
        await page.goto(url);
        const info = await page.evaluate(() => ({
          kind: document.querySelector("main").getAttribute("data-diagnostic-kind"),
          answers: [...document.querySelectorAll("main a.answer")].map((a) => a.href),
        }));
        named.diagnosticPages.push(pathOf(url));
        if (info.kind === "result") {
          (named.results = named.results || []).push(pathOf(url));
          break;
        }
        check(info.kind === "question", where, `${rel(url)} is neither a question nor a result`);
        url = pick === "first" ? info.answers[0] : info.answers[info.answers.length - 1];
      }
    }
    check(named.results && named.results.length, where, "walking the diagnostic never reached a result");
  }
  named.notFound = `/${lang}/this-page-does-not-exist/`;
  await page.close();
  return named;
}

// ---------------------------------------------------------------------------------------------
// Checks

async function pagePass(browser, label, options, list, expect404, sitemapEntries) {
  const context = await newContext(browser, options);
  context.__label = label;
  const alt = new Map(sitemapEntries.map((e) => [e.path, e.alternates]));
  const page = await context.newPage();
  track(page, context, expect404);
  for (const p of list) {
    counts.pages.add(p);
    const where = `${p} [${label}]`;
    const res = await page.goto(new URL(p, base).href, { waitUntil: "load" });
    await settle(page);
    {
      const status = res ? res.status() : 0;
      check(status === (expect404.has(p) ? 404 : 200), where, `HTTP status ${status}`);
      await runAxe(page, where);
      if (options.viewport && options.viewport.width <= 320) {
        const o = await overflow(page);
        check(!o, where, `horizontal scrolling at ${options.viewport.width} px: ${o}`);
      }
      // The language switch goes to the same page in the other language.
      const alternates = alt.get(p);
      if (alternates) {
        const links = await page.$$eval(".lang-switch a[hreflang]", (as) => as.map((a) => [a.getAttribute("hreflang"), a.href]));
        for (const [l, href] of links) {
          check(pathOf(href) === alternates[l], where, `language switch to ${l} goes to ${pathOf(href)}, expected ${alternates[l]}`);
        }
      }
      const title = await page.title();
      check(title.trim().length > 0, where, "empty <title>");
      check((await page.$$("main h1")).length === 1 || p === "/", where, "expected exactly one <h1> in <main>");
      // The diagnostic's diagram: <picture> picks the variant drawn for the colour scheme.
      for (const img of await page.$$("main picture img")) {
        const shown = await img.evaluate((i) => ({ src: i.currentSrc, loaded: i.complete && i.naturalWidth > 0 }));
        check(shown.loaded, where, `the diagram ${rel(shown.src)} did not load`);
        const dark = options.colorScheme === "dark";
        check(/-dark\.svg$/.test(shown.src) === dark, where, `in ${dark ? "dark" : "light"} mode the diagram shown is ${rel(shown.src)}`);
      }
    }
  }
  // Every SVG opened on its own, as a document under the same CSP: an inline <style> in one
  // would be blocked (and reported as a CSP violation by the listener of newContext). A bare SVG
  // has no <link rel=icon>, so the browser asks for /favicon.ico, which the site does not have.
  const svgPage = await context.newPage();
  track(svgPage, context, new Set(["/favicon.ico"]));
  for (const f of allFiles.filter((f) => f.endsWith(".svg"))) {
    const p = "/" + path.relative(publicDir, f).split(path.sep).join("/");
    const res = await svgPage.goto(new URL(p, base).href, { waitUntil: "load" });
    await settle(svgPage);
    check(res && res.status() === 200, `${p} [${label}]`, `HTTP status ${res ? res.status() : 0}`);
  }
  await context.close();
}

async function languageSwitch(context, lang, named, other, namedOther) {
  const where = `language switch ${lang}`;
  const { page } = await open(context, named.step);
  await page.click(`.lang-switch a[hreflang=${other}]`);
  await settle(page);
  check(pathOf(page.url()) === namedOther.step, where, `${named.step} → ${pathOf(page.url())}, expected ${namedOther.step}`);
  check((await page.getAttribute("html", "lang")) === other, where, `html lang after the switch is not ${other}`);
  await page.click(`.lang-switch a[hreflang=${lang}]`);
  await settle(page);
  check(pathOf(page.url()) === named.step, where, `switching back lands on ${pathOf(page.url())}, expected ${named.step}`);
  await page.close();
}

async function prevNext(context, lang, named) {
  const where = `previous/next ${lang}`;
  const list = named.stepList || [];
  check(list.length === 8, where, `expected 8 steps on the steps index, found ${list.length}`);
  const { page } = await open(context, list[0]);
  check(!(await page.$(".prev-next a[rel=prev]")), where, "step 1 has a previous link");
  const seen = [pathOf(page.url())];
  for (let i = 0; i < 20; i++) {
    const next = await page.$(".prev-next a[rel=next]");
    if (!next) break;
    await next.click();
    await settle(page);
    seen.push(pathOf(page.url()));
  }
  check(JSON.stringify(seen) === JSON.stringify(list), where, `next walks ${seen.join(" → ")}; the steps index order is ${list.join(" → ")}`);
  const kickers = [];
  for (let i = 0; i < 20; i++) {
    kickers.unshift(((await page.textContent(".kicker").catch(() => "")) || "").trim());
    const prev = await page.$(".prev-next a[rel=prev]");
    if (!prev) break;
    await prev.click();
    await settle(page);
  }
  check(pathOf(page.url()) === list[0], where, `previous from the last step ends at ${pathOf(page.url())}, not step 1`);
  kickers.forEach((k, i) => check(new RegExp(`\\b${i + 1}\\b`).test(k), where, `step ${i + 1} is labelled "${k}"`));
  await page.close();
}

async function search(context, lang, named) {
  const where = `search ${lang}`;
  const { page } = await open(context, named.search);
  const input = page.locator("#search-q");
  check(await page.locator("[data-search-nojs]").isHidden(), where, "the no-JavaScript message is shown while JavaScript runs");
  const status = page.locator("#search-status");
  const live = await status.evaluate((s) => s.getAttribute("aria-live") || (s.getAttribute("role") === "status" ? "polite" : null)).catch(() => null);
  check(live === "polite" || live === "assertive", where, "the result count is not in an aria-live region");

  async function query(q, { typed = true } = {}) {
    await input.fill("");
    if (typed) await input.pressSequentially(q, { delay: 20 });
    else await input.fill(q);
    await page.waitForFunction(() => (document.getElementById("search-status") || {}).textContent, null, { timeout: 3000 }).catch(() => {});
    await page.waitForTimeout(400); // past the 120 ms debounce of the last key, with room for a busy machine
    return page.$$eval("#search-results > li", (lis) =>
      lis.map((li) => ({
        title: (li.querySelector("a") || {}).textContent || "",
        href: (li.querySelector("a") || {}).href || "",
        section: (li.querySelector(".section") || {}).textContent || "",
        snippet: (li.querySelector(".snippet") || li.querySelector("p:last-of-type") || {}).textContent || "",
        marks: [...li.querySelectorAll("mark")].map((m) => m.textContent),
      })),
    );
  }
  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const cases =
    lang === "fr"
      ? [
          { q: "equipe", want: /équipe/i, what: "“equipe” (no accent) finds « équipe »" },
          { q: "EQUIPES", want: /équipe/i, what: "“EQUIPES” (capitals, plural) finds « équipe »" },
          { q: "champ", title: /champion/i, what: "the prefix “champ” finds the champion step" },
          { q: "organisations", want: /organis/i, what: "“organisations” finds « organiser »-type words (stemming)" },
          { q: "réseau", want: /réseau/i, what: "“réseau” finds « réseaux »" },
        ]
      : [
          { q: "organising", want: /organis/i, what: "“organising” finds “organise/organisation”-type words (stemming)" },
          { q: "champ", title: /champion/i, what: "the prefix “champ” finds the champion step" },
          { q: "Departments", want: /department/i, what: "“Departments” finds “department” (case, plural)" },
          { q: "silo", want: /silo/i, what: "“silo” finds “silos”" },
        ];
  for (const c of cases) {
    const results = await query(c.q);
    const w = `${where} “${c.q}”`;
    if (!check(results.length > 0, w, `no results; ${c.what}`)) continue;
    if (c.title) check(results.some((r) => c.title.test(r.title)), w, `no result title matches ${c.title}; ${c.what}`);
    if (c.want) check(results.some((r) => c.want.test(r.title) || r.marks.some((m) => c.want.test(m))), w, `no highlighted match for ${c.want}; ${c.what}`);
    for (const r of results.slice(0, 5)) {
      check(r.title.trim(), w, "a result has no title");
      check(r.section.trim(), w, `result “${r.title}” shows no section`);
      check(r.snippet.trim(), w, `result “${r.title}” shows no snippet`);
    }
    const withMark = results.filter((r) => r.marks.length);
    check(withMark.length > 0, w, "no snippet highlights the match with <mark>");
    for (const r of withMark.slice(0, 5)) {
      const m = fold(r.marks[0]);
      const terms = fold(c.q).split(/[^a-z0-9]+/).filter(Boolean);
      check(terms.some((t) => m.startsWith(t.slice(0, 4))), w, `result “${r.title}” highlights “${r.marks[0]}”, unrelated to the query`);
    }
    const text = (await status.textContent()) || "";
    check(/\d/.test(text), w, `the live region says “${text}” instead of the number of results`);
  }
  // Nothing found is announced too.
  await query("zzzxqw");
  check(((await status.textContent()) || "").trim().length > 0, where, "no announcement when nothing is found");

  // Keyboard: ArrowDown from the box goes to the first result; Tab reaches it too; Enter follows
  // it to a real page.
  const results = await query("champ");
  await input.focus();
  await page.keyboard.press("ArrowDown");
  check(await page.evaluate(() => !!document.activeElement.closest("#search-results a")), where, "ArrowDown in the search box does not move to the first result");
  await input.focus();
  let reached = false;
  for (let i = 0; i < 6 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => !!document.activeElement && !!document.activeElement.closest("#search-results"));
  }
  if (check(reached, where, "Tab from the search box never reaches the results") && results.length) {
    const target = await page.evaluate(() => document.activeElement.href);
    const [resp] = await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    check(resp && resp.status() === 200, where, `Enter on the first result gave HTTP ${resp && resp.status()}`);
    check(pathOf(page.url()) === pathOf(target), where, `Enter on the first result went to ${rel(page.url())}`);
    check(await page.$("main h1"), where, `the first result (${rel(page.url())}) has no heading`);
  }
  // Clicking a result lands on a real page.
  await page.goto(new URL(named.search, base).href);
  await settle(page);
  const r2 = await query(lang === "fr" ? "silos" : "silos");
  if (check(r2.length > 0, where, "“silos” finds nothing")) {
    const [resp] = await Promise.all([page.waitForNavigation(), page.click("#search-results > li:first-child a")]);
    check(resp && resp.status() === 200, where, `clicking a result gave HTTP ${resp && resp.status()} at ${rel(page.url())}`);
    check(await page.$("main h1"), where, `the clicked result (${rel(page.url())}) has no heading`);
  }
  // The header box on another page submits to the search page, which runs the query.
  await page.goto(new URL(named.step, base).href);
  await settle(page);
  await page.fill("#site-search-q", lang === "fr" ? "equipe" : "team");
  const [resp] = await Promise.all([page.waitForNavigation(), page.press("#site-search-q", "Enter")]);
  await settle(page);
  await page.waitForTimeout(300);
  check(resp && resp.status() === 200 && pathOf(page.url()) === named.search, where, `the header search box went to ${rel(page.url())}`);
  check((await page.inputValue("#search-q").catch(() => "")) === (lang === "fr" ? "equipe" : "team"), where, "the search page does not show the query from the header box");
  check((await page.$$("#search-results > li")).length > 0, where, "the header search box shows no results on the search page");
  await page.close();
}

async function noJs(browser, lang, named) {
  const context = await newContext(browser, { javaScriptEnabled: false });
  context.__label = "no JavaScript";
  const where = `no JavaScript ${lang}`;
  const { page } = await open(context, named.home);
  // Navigation links work.
  // (The footer's contact link, a mailto: address, leaves the site.)
  for (const u of (await hrefs(page, ".sidebar .sitenav a, .site-footer a")).filter((u) => u.startsWith(base))) {
    const res = await page.goto(u);
    check(res && res.status() === 200 && (await page.$("main h1")), where, `navigation link ${rel(u)} does not lead to a page`);
  }
  await page.goto(new URL(named.home, base).href);
  const [nres] = await Promise.all([page.waitForNavigation(), page.click(".sidebar .nav-sections > li > a >> nth=1")]);
  check(nres && nres.status() === 200, where, "clicking a navigation link failed");

  // The search page says JavaScript is needed and links to the full index.
  await page.goto(new URL(named.search, base).href);
  const notice = page.locator("[data-search-nojs]");
  if (check(await notice.isVisible().catch(() => false), where, "the search page shows no message without JavaScript")) {
    const links = (await notice.locator("a").evaluateAll((as) => as.map((a) => a.href))).map(pathOf);
    check(links.includes(named.pages), where, `the no-JavaScript message does not link to the page index ${named.pages}`);
  }
  // Header search without JS still lands on the search page with the message.
  await page.goto(new URL(named.step, base).href);
  await page.fill("#site-search-q", "equipe");
  await Promise.all([page.waitForNavigation(), page.press("#site-search-q", "Enter")]);
  check(pathOf(page.url()) === named.search && (await notice.isVisible().catch(() => false)), where, "the header search box without JavaScript does not lead to the search page's message");

  // The diagnostic, by keyboard only.
  await page.goto(new URL(named.diagnostic, base).href);
  async function tabTo(selector, max = 60) {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate((s) => !!document.activeElement && document.activeElement.matches(s), selector)) return true;
    }
    return false;
  }
  let ok = await tabTo(".start-diagnostic");
  if (check(ok, where, "Tab never reaches the diagnostic's start link")) {
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    for (let i = 0; i < 20; i++) {
      const kind = await page.getAttribute("main", "data-diagnostic-kind");
      if (kind === "result") break;
      if (!check(kind === "question", where, `${rel(page.url())} is not a question`)) break;
      const sizes = await page.$$eval("a.answer", (as) => as.map((a) => [a.textContent.trim(), a.getBoundingClientRect().width, a.getBoundingClientRect().height]));
      for (const [label, w, h] of sizes) check(w >= 24 && h >= 24, `${where} ${rel(page.url())}`, `answer “${label}” is ${Math.round(w)}×${Math.round(h)} px (< 24×24)`);
      if (!check(await tabTo("a.answer"), where, `Tab never reaches an answer on ${rel(page.url())}`)) break;
      await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    }
    check((await page.getAttribute("main", "data-diagnostic-kind")) === "result", where, `the keyboard walk ended on ${rel(page.url())}, not a result`);
    check((await page.$$("main [data-step] a")).length > 0, where, "the result reached by keyboard lists no steps");
  }

  // The print view has every obstacle and step.
  const res = await page.goto(new URL(named.print, base).href);
  check(res && res.status() === 200, where, "the print view does not load");
  const ids = await page.$$eval("main .print-page a[href], main [id]", (els) => els.map((e) => e.id));
  const printText = await page.textContent("main");
  for (const list of [named.obstacleList || [], named.stepList || []]) {
    for (const u of list) {
      const p2 = await context.newPage();
      await p2.goto(new URL(u, base).href);
      const h1 = ((await p2.textContent("main h1")) || "").trim();
      await p2.close();
      check(h1 && printText.includes(h1), where, `the print view lacks “${h1}” (${u})`);
    }
  }
  check(ids.length > 0, where, "the print view has no anchors");
  await page.close();
  await context.close();
}

async function printMedia(context, lang, named) {
  const where = `print media ${lang}`;
  const { page } = await open(context, named.step);
  await page.emulateMedia({ media: "print" });
  for (const sel of [".site-header", ".sidebar", ".sitenav", ".site-search", ".lang-switch", ".breadcrumbs", ".prev-next", ".site-footer", ".skip-link", ".toc"]) {
    const el = await page.$(sel);
    if (el) check(!(await el.isVisible()), where, `${sel} is visible when printing`);
  }
  check(await page.isVisible("main h1"), where, "the heading is hidden when printing");
  await page.close();
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  staticScan();
  const validator = runValidator();
  const server = await startServer(publicDir);
  base = `http://127.0.0.1:${server.address().port}`;
  const matrixServer = matrixDir ? await startServer(matrixDir) : null;
  const matrixBase = matrixServer ? `http://127.0.0.1:${matrixServer.address().port}` : null;
  if (!matrixDir) fail("run.mjs", "no --matrix-site: the 12 × 9 matrix fixture is not checked");
  const editorServer = editorDir ? await startServer(editorDir) : null;
  if (!editorDir) fail("run.mjs", "no --editor-site: callouts, dates and edit links are not checked");
  const searchServer = searchDir ? await startServer(searchDir) : null;
  if (!searchDir) fail("run.mjs", "no --search-site: search on a large site is not checked");
  if (shotsDir) {
    fs.rmSync(shotsDir, { recursive: true, force: true });
    fs.mkdirSync(shotsDir, { recursive: true });
  }
  const shots = [];
  const headers = {};
  log(`serving ${publicDir} at ${base}`);
  // Background networking is off: the machine has no way out, and the site must not need one.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  try {
    const entries = sitemap();
    check(entries.length > 0, "sitemap.xml", "no <url> entries");
    const ctx = await newContext(browser);
    ctx.__label = "with JavaScript";
    const named = {};
    for (const lang of LANGS) named[lang] = await discover(ctx, lang);

    // Every page of the sitemap, the diagnostic pages walked above, the 404s and the root.
    const expect404 = new Set(LANGS.map((l) => named[l].notFound).concat(["/no-such-page/"]));
    const list = new Set(["/"]);
    for (const e of entries) list.add(e.path);
    for (const lang of LANGS) {
      const n = named[lang];
      for (const p of [n.home, n.obstacles, n.steps, n.obstacle, n.step, n.matrix, n.print, n.search, n.pages, n.diagnostic, n.overview, ...(n.others || []), ...n.diagnosticPages, n.notFound]) {
        if (p) list.add(p);
      }
    }
    list.add("/no-such-page/");
    const pages = [...list];
    log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s) checking ${pages.length} pages in light mode at 1280 px and dark mode at 320 px, and every page kind at ${layout.WIDTHS.join(", ")} px`);
    const env = { browser, base, matrixBase, check, fail, newContext, track, overflow, runAxe, shotsDir, shots, headers };
    // The passes run side by side: most of the time goes in waiting on the browser.
    await Promise.all([
      pagePass(browser, "light 1280px", { viewport: { width: 1280, height: 800 }, colorScheme: "light" }, pages, expect404, entries),
      pagePass(browser, "dark 320px", { viewport: { width: 320, height: 640 }, colorScheme: "dark", isMobile: true, hasTouch: true }, pages, expect404, entries),
      ...LANGS.map(async (lang) => {
        for (const scheme of ["light", "dark"]) await layout.kindsPass(env, lang, named[lang], scheme);
        await layout.inParts(env, lang, named[lang]);
      }),
    ]);
    layout.headerHeights(headers, check);
    if (shotsDir) layout.contactSheet(shotsDir, shots);

    log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s) checking search, language switch, previous/next, print`);
    for (const lang of LANGS) {
      const other = LANGS.find((l) => l !== lang);
      await languageSwitch(ctx, lang, named[lang], other, named[other]);
      await prevNext(ctx, lang, named[lang]);
      await search(ctx, lang, named[lang]);
      await printMedia(ctx, lang, named[lang]);
    }
    log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s) checking callouts, dates and edit links`);
    if (editorServer) await editor.editorSite(env, `http://127.0.0.1:${editorServer.address().port}`);
    const readPage = (p) => {
      const f = path.join(publicDir, p, p.endsWith("/") ? "index.html" : "");
      return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : null;
    };
    await editor.realCallouts(env, base, pages, readPage);
    log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s) checking search on the large site`);
    if (searchServer) await searchChecks.searchSite({ ...env, log }, `http://127.0.0.1:${searchServer.address().port}`, searchDir);
    log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s) checking the menu, the table of contents, the theme switch, print`);
    for (const lang of LANGS) {
      await layout.menu(env, lang, named[lang]);
      await layout.toc(env, lang, named[lang]);
      await layout.themeSwitch(env, lang, named[lang]);
      await layout.print(env, lang, named[lang]);
    }
    await ctx.close();
    log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s) checking without JavaScript`);
    for (const lang of LANGS) await noJs(browser, lang, named[lang]);
  } catch (e) {
    fail("run.mjs", `crashed: ${e.stack || e}`);
  } finally {
    await browser.close().catch(() => {});
    server.close();
    if (matrixServer) matrixServer.close();
    if (editorServer) editorServer.close();
    if (searchServer) searchServer.close();
  }
  log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s) waiting for the Nu HTML checker`);
  await validator;

  // Search index size per language.
  const sizes = [];
  for (const lang of LANGS) {
    const dir = path.join(publicDir, lang, "search-index");
    if (!check(fs.existsSync(path.join(dir, "index.js")), "search index", `${path.relative(publicDir, dir)}/index.js is missing`)) continue;
    const files = walk(dir);
    const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
    sizes.push(`${lang} ${files.length} files, ${bytes} bytes`);
  }

  console.log("");
  if (failures.size) {
    console.log(`${failures.size} failure${failures.size > 1 ? "s" : ""}:`);
    for (const [f, n] of failures) console.log(`  ✗ ${f}${n > 1 ? ` (×${n})` : ""}`);
    console.log("");
  }
  console.log(`pages checked:     ${counts.pages.size} (×2: light 1280 px, dark 320 px), ${htmlFiles.length} HTML files scanned`);
  console.log(`axe rules run:     ${counts.axeRules.size} rules (${AXE_TAGS.join(", ")}), ${counts.axeRuns} page runs, ${counts.axeChecks} rule applications, ${counts.incomplete} needing review`);
  console.log(`axe violations:    ${counts.violations}`);
  if (counts.review.size) console.log(`axe needs review:  ${[...counts.review].join("; ")}`);
  console.log(`validator errors:  ${counts.validatorErrors} (Nu HTML checker, ${htmlFiles.length} HTML + ${allFiles.filter((f) => f.endsWith(".svg")).length} SVG files)`);
  console.log(`search index:      ${sizes.join("; ")}`);
  if (shotsDir) console.log(`screenshots:       ${shots.length} in ${shotsDir}`);
  console.log(`time:              ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(failures.size ? `FAILED (${failures.size} distinct failures)` : "OK");
  console.log(`browser: ${counts.checks - counts.failed} passed, ${counts.failed} failed`);
  process.exit(failures.size ? 1 : 0);
}

main();
