// What editors add to a page, as a reader's browser shows it: the five callout kinds with their
// localised labels, the "last updated" date and the "edit this page" link, in both languages,
// light and dark, axe-clean. Run by run.mjs on the `editor` fixture site, which .ci/run builds
// inside a throwaway git repository committed on a fixed date (see tests/fixtures/editor/), and
// on the real site's callouts.

const LABELS = {
  fr: { note: "Remarque", tip: "Conseil", important: "Important", warning: "Attention", caution: "Prudence" },
  en: { note: "Note", tip: "Tip", important: "Important", warning: "Warning", caution: "Caution" },
};
const PAGES = { fr: "/fr/encadres/", en: "/en/callouts/" };
const DATES = { fr: "3 novembre 2026", en: "3 November 2026" };
const UPDATED = { fr: "Mis à jour le", en: "Last updated" };
const EDIT = "https://git.example/communication/playbook/-/edit/main/content/callouts";

/// The callouts, page meta and edit link of the editor fixture, in every language and scheme.
export async function editorSite(env, editorBase) {
  const { browser, check, newContext, track, runAxe } = env;
  for (const lang of Object.keys(PAGES)) {
    for (const scheme of ["light", "dark"]) {
      const where = `editor fixture ${PAGES[lang]} (${scheme})`;
      const context = await newContext(browser, { viewport: { width: 1280, height: 800 }, colorScheme: scheme });
      const page = await context.newPage();
      track(page, context);
      const response = await page.goto(editorBase + PAGES[lang]);
      check(response && response.status() === 200, where, `status ${response && response.status()}`);
      const callouts = await page.$$eval(".prose .callout", (els) =>
        els.map((el) => {
          const title = el.querySelector(".callout-title");
          const box = el.getBoundingClientRect();
          const style = getComputedStyle(el);
          return {
            kind: [...el.classList].find((c) => c.startsWith("callout-"))?.slice(8),
            role: el.getAttribute("role"),
            label: title ? title.textContent.trim() : null,
            labelVisible: !!title && title.getBoundingClientRect().height > 0,
            visible: box.width > 0 && box.height > 0,
            // A callout stands out from the text around it: a border or a background of its own.
            marked: style.borderLeftWidth !== "0px" || style.backgroundColor !== "rgba(0, 0, 0, 0)",
          };
        }),
      );
      const kinds = callouts.map((c) => c.kind);
      check(JSON.stringify(kinds) === JSON.stringify(Object.keys(LABELS[lang])), where, `callout kinds ${JSON.stringify(kinds)}`);
      for (const c of callouts) {
        check(c.role === "note", where, `${c.kind} callout has role ${c.role}`);
        check(c.label === LABELS[lang][c.kind], where, `${c.kind} callout label is ${JSON.stringify(c.label)}, expected ${LABELS[lang][c.kind]}`);
        check(c.visible && c.labelVisible, where, `${c.kind} callout or its label is not visible`);
        check(c.marked, where, `${c.kind} callout has neither border nor background`);
      }
      // Two callouts of different kinds do not look the same.
      const colours = await page.$$eval(".prose .callout", (els) => els.map((el) => getComputedStyle(el).borderLeftColor));
      check(new Set(colours).size === colours.length, where, `callout kinds share colours: ${colours.join(", ")}`);

      const meta = await page.evaluate(() => {
        const m = document.querySelector(".page-meta");
        const time = m && m.querySelector("time");
        const edit = m && m.querySelector("a.edit-link");
        return {
          visible: !!m && m.getBoundingClientRect().height > 0,
          text: m ? m.textContent.replace(/\s+/g, " ").trim() : "",
          datetime: time && time.getAttribute("datetime"),
          date: time && time.textContent.trim(),
          edit: edit && edit.getAttribute("href"),
          editVisible: !!edit && edit.getBoundingClientRect().height > 0,
        };
      });
      check(meta.visible, where, "no visible page meta");
      check(meta.datetime === "2026-11-03" && meta.date === DATES[lang], where, `date ${meta.datetime} ${JSON.stringify(meta.date)}`);
      check(meta.text.startsWith(`${UPDATED[lang]} ${DATES[lang]}`), where, `page meta reads ${JSON.stringify(meta.text)}`);
      check(meta.edit === `${EDIT}.${lang}.md` && meta.editVisible, where, `edit link ${meta.edit}`);
      await runAxe(page, where);
      await context.close();
    }
  }
}

/// The real site's callouts (the budget obstacle's tip, the templates' warnings): labelled and
/// visible at 375 px in both schemes, on the first page of each language that has one.
export async function realCallouts(env, base, paths, readPage) {
  const { browser, check, newContext, track } = env;
  for (const lang of Object.keys(LABELS)) {
    const url = paths.find((p) => p.startsWith(`/${lang}/`) && (readPage(p) || "").includes('class="callout '));
    if (!check(!!url, `real callouts (${lang})`, "no page of the real site shows a callout")) continue;
    for (const scheme of ["light", "dark"]) {
      const context = await newContext(browser, { viewport: { width: 375, height: 700 }, colorScheme: scheme, isMobile: true });
      const page = await context.newPage();
      track(page, context);
      await page.goto(base + url);
      const labels = await page.$$eval(".prose .callout .callout-title", (els) => els.map((e) => e.textContent.trim()));
      check(labels.length > 0 && labels.every((l) => Object.values(LABELS[lang]).includes(l)), `${url} (${scheme})`, `callout labels ${JSON.stringify(labels)}`);
      await context.close();
    }
  }
}
