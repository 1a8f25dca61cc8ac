// Search on a large site: the generated site of search-site.mjs (1,500 pages per language by
// default), built by .ci/run and served by run.mjs (--search-site) with the production CSP. In
// both languages, with the network log of each page (every request the page makes, sized from
// the built files):
//   - before the first keystroke the search page loads search.js and the index's manifest only,
//     ≤ 100 KB together;
//   - typing one word loads a few term chunks and the page files holding the 10 results shown
//     (a few pages to a file), a small part of the index (bytes and files, against the whole
//     folder on disk), ≤ 300 KB in all;
//   - the results are right: the planted rare word finds exactly its three pages, with the word
//     marked in each excerpt; the word planted in one title ranks that page first, its title
//     marked; a common word typed without accents and in capitals finds pages and marks them;
//   - "show more" adds the next 10 results, loading at most 10 more page files and nothing else;
//   - the same query also works from file:// (no server), under the page's CSP meta.

import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PLANTED } from "./search-site.mjs";
import { walk } from "./files.mjs";

const KB = 1024;
const FIRST_LOAD = 100 * KB;
const ONE_WORD = 300 * KB;


const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

/// The search checks on the large site served at `searchBase` from `publicDir`.
export async function searchSite(env, searchBase, publicDir) {
  const { browser, check, newContext, track } = env;
  for (const lang of ["fr", "en"]) {
    const where = `large search site ${lang}`;
    const indexDir = path.join(publicDir, lang, "search-index");
    const indexFiles = walk(indexDir);
    const indexBytes = indexFiles.reduce((n, f) => n + fs.statSync(f).size, 0);
    const searchPath = `/${lang}/${lang === "fr" ? "recherche" : "search"}/`;
    const context = await newContext(browser, { viewport: { width: 1280, height: 800 } });
    context.__label = "large search site";
    const page = await context.newPage();
    track(page, context);
    // Every request, sized from the built file it names.
    const loaded = [];
    page.on("request", (r) => {
      const u = new URL(r.url());
      const file = path.join(publicDir, decodeURIComponent(u.pathname));
      const size = fs.existsSync(file) && fs.statSync(file).isFile() ? fs.statSync(file).size : 0;
      loaded.push({ path: u.pathname, size });
    });
    const sum = (list) => list.reduce((n, r) => n + r.size, 0);
    const isIndex = (r) => r.path.startsWith(`/${lang}/search-index/`);
    const response = await page.goto(searchBase + searchPath, { waitUntil: "load" });
    check(response && response.status() === 200, where, `the search page gave ${response && response.status()}`);
    await page.waitForTimeout(300);

    // Before the first keystroke.
    const first = loaded.filter((r) => isIndex(r) || /\/search\.[0-9a-f]+\.js$/.test(r.path));
    const firstIndex = first.filter(isIndex).map((r) => r.path);
    check(firstIndex.length === 1 && firstIndex[0].endsWith("/search-index/index.js"), where, `before typing, the page loads ${firstIndex.join(", ") || "no index file"} instead of the manifest alone`);
    check(first.length === 2, where, `before typing, search loads ${first.map((r) => r.path).join(", ")}`);
    check(sum(first) <= FIRST_LOAD, where, `search loads ${sum(first)} bytes before the first keystroke (budget ${FIRST_LOAD})`);

    const input = page.locator("#search-q");
    async function query(q) {
      await input.fill("");
      await input.pressSequentially(q, { delay: 15 });
      await page.waitForFunction((q) => {
        const s = document.getElementById("search-status");
        return s && s.textContent && document.getElementById("search-q").value === q;
      }, q, { timeout: 5000 }).catch(() => {});
      await page.waitForTimeout(500);
      return page.$$eval("#search-results > li", (lis) =>
        lis.map((li) => ({
          title: li.querySelector("a").textContent,
          href: li.querySelector("a").getAttribute("href"),
          titleMarks: [...li.querySelectorAll("a mark")].map((m) => m.textContent),
          marks: [...li.querySelectorAll(".snippet mark")].map((m) => m.textContent),
        })),
      );
    }

    // A rare word: exactly its three pages, marked.
    const before = loaded.length;
    const rare = PLANTED.rare[lang];
    const rareResults = await query(fold(rare).toUpperCase());
    const w = `${where} “${fold(rare).toUpperCase()}”`;
    check(rareResults.length === PLANTED.rarePages.length, w, `${rareResults.length} results instead of ${PLANTED.rarePages.length}`);
    for (const r of rareResults) {
      check(r.marks.some((m) => fold(m) === fold(rare)), w, `result “${r.title}” does not mark “${rare}” (marks: ${r.marks.join(", ")})`);
      check(PLANTED.rarePages.some((p) => new RegExp(` ${p}$`).test(r.title)), w, `result “${r.title}” is not one of the planted pages`);
    }
    const status = (await page.textContent("#search-status")) || "";
    check(status.includes(String(PLANTED.rarePages.length)), w, `the live region says “${status}”`);
    const query1 = loaded.slice(before).filter(isIndex);
    const chunks1 = query1.filter((r) => r.path.includes("/terms/"));
    const pages1 = query1.filter((r) => r.path.includes("/pages/"));
    check(chunks1.length >= 1 && chunks1.length <= 3, w, `the query loaded ${chunks1.length} term chunks`);
    // A few pages to a page file: at most one file per result, at least one.
    check(pages1.length >= 1 && pages1.length <= rareResults.length, w, `the query loaded ${pages1.length} page files for ${rareResults.length} results`);
    const total1 = sum(first) + sum(query1);
    check(total1 <= ONE_WORD, w, `search loaded ${total1} bytes in all (budget ${ONE_WORD})`);
    check(sum(query1) < indexBytes / 20 && query1.length < indexFiles.length / 20, w, `the query loaded ${query1.length} of ${indexFiles.length} index files, ${sum(query1)} of ${indexBytes} bytes`);
    env.log(`  search ${lang}: first load ${sum(first)} B (search.js + manifest); “${rare}”: ${chunks1.length} chunk(s) + ${pages1.length} page file(s), ${sum(query1)} B; index ${indexFiles.length} files, ${indexBytes} B`);

    // A word in one title: that page first, its title marked.
    const titled = PLANTED.titled[lang];
    const titledResults = await query(titled);
    const wt = `${where} “${titled}”`;
    if (check(titledResults.length === 1 + PLANTED.titledTextPages.length, wt, `${titledResults.length} results instead of ${1 + PLANTED.titledTextPages.length}`)) {
      check(new RegExp(` ${PLANTED.titledPage}$`).test(titledResults[0].title), wt, `the first result is “${titledResults[0].title}”, not the page with the word in its title`);
      check(titledResults[0].titleMarks.some((m) => fold(m) === fold(titled)), wt, "the first result's title does not mark the word");
    }

    // A common word (the first word of the manifest's biggest chunk range would be arbitrary:
    // take one from a page's own text), without accents: many results, 10 shown, then 10 more.
    const pageFile = path.join(indexDir, "pages", "0.js");
    const text = fs.readFileSync(pageFile, "utf8");
    const common = fold(text.match(/"([^"]*)"\]\]\);\s*$/)[1]).split(/[^a-z0-9]+/).filter((t) => t.length >= 5)[0];
    const before2 = loaded.length;
    const many = await query(common);
    const wc = `${where} “${common}”`;
    check(many.length === 10, wc, `${many.length} results shown instead of the first 10`);
    check(many.every((r) => r.marks.some((m) => fold(m).startsWith(common.slice(0, 4))) || r.titleMarks.length), wc, "a result marks nothing related to the word");
    const query2 = loaded.slice(before2).filter(isIndex);
    check(sum(first) + sum(query2) <= ONE_WORD, wc, `search loaded ${sum(first) + sum(query2)} bytes for one word (budget ${ONE_WORD})`);
    env.log(`  search ${lang}: “${common}”: ${query2.filter((r) => r.path.includes("/terms/")).length} chunk(s) + ${query2.filter((r) => r.path.includes("/pages/")).length} page file(s), ${sum(query2)} B`);
    const more = page.locator("[data-search-more]");
    if (check(await more.isVisible(), wc, "no “show more” button under 10 of many results")) {
      const before3 = loaded.length;
      await more.click();
      await page.waitForFunction(() => document.querySelectorAll("#search-results > li").length > 10, null, { timeout: 5000 }).catch(() => {});
      const n = await page.$$eval("#search-results > li", (lis) => lis.length);
      check(n === 20, wc, `“show more” shows ${n} results instead of 20`);
      const query3 = loaded.slice(before3);
      check(query3.length <= 10 && query3.every((r) => r.path.includes("/search-index/pages/")), wc, `“show more” loaded ${query3.map((r) => r.path).join(", ")}`);
      check(await page.evaluate(() => !!document.activeElement.closest("#search-results li:nth-child(11)")), wc, "after “show more”, focus is not on the first new result");
    }
    await context.close();

    // From file://, no server: the same rare word.
    const fileContext = await newContext(browser);
    fileContext.__label = "file://";
    const filePage = await fileContext.newPage();
    track(filePage, fileContext);
    const url = pathToFileURL(path.join(publicDir, searchPath, "index.html")).href + `?q=${encodeURIComponent(rare)}`;
    await filePage.goto(url, { waitUntil: "load" });
    await filePage.waitForFunction(() => document.querySelectorAll("#search-results > li").length > 0, null, { timeout: 5000 }).catch(() => {});
    const fileResults = await filePage.$$eval("#search-results > li .snippet mark", (ms) => ms.length);
    check(fileResults >= PLANTED.rarePages.length, `${where} file://`, `the query “${rare}” from file:// shows ${fileResults} marked results`);
    await fileContext.close();
  }
}
