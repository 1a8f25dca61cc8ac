#!/usr/bin/env node
// Writes a large bilingual playbook for the search checks of search.mjs:
//   node search-site.mjs <dir> [pages per language, default 1500]
// then `playbook build --root <dir>` builds it (.ci/run does both). Deterministic: the same
// pages every run. Each page has a title and a few paragraphs of words drawn from a vocabulary of
// a few thousand made-up words with accents, common ones far more often than rare ones (Zipf),
// so the index has a long tail like real text. A few planted words give exact expectations:
// PLANTED.rare is in the text of exactly three pages per language, PLANTED.titled in the title
// of one page and the text of two others.

import fs from "node:fs";
import path from "node:path";

export const SECTIONS = ["guides", "pratiques", "outils", "equipes", "notes", "cas"];
export const PLANTED = {
  rare: { fr: "zéphyrine", en: "zephyrine" },
  rarePages: [7, 700, 1400],
  titled: { fr: "quasarité", en: "quasarity" },
  titledPage: 42,
  titledTextPages: [3, 500],
};

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const SYLLABLES = {
  fr: ["pro", "jet", "é", "qui", "pe", "ré", "seau", "ges", "tion", "con", "fi", "an", "ce", "dé", "ci", "sion", "or", "ga", "ni", "sa", "bud", "get", "mé", "thode", "col", "la", "bo", "ra", "teur", "chan", "ge", "ment", "ob", "sta", "cle", "é", "tape", "ser", "vi", "ce", "cli", "ent", "pla", "ni", "fi", "ca", "tion", "for", "ma", "ça", "è", "le", "ve", "mar", "ché", "a", "gen", "da"],
  en: ["pro", "ject", "team", "net", "work", "man", "age", "ment", "con", "fi", "dence", "de", "ci", "sion", "or", "gan", "is", "ing", "bud", "get", "meth", "od", "col", "lab", "o", "ra", "tor", "change", "ob", "sta", "cle", "step", "ser", "vice", "cli", "ent", "plan", "ning", "train", "er", "mar", "ket", "a", "gen", "da", "sil", "o", "de", "part"],
};

// `n` distinct made-up words, the same every run.
function vocabulary(lang, n) {
  const next = rng(lang === "fr" ? 17 : 29);
  const syl = SYLLABLES[lang];
  const words = new Set();
  while (words.size < n) {
    let w = "";
    const parts = 1 + Math.floor(next() * 4);
    for (let i = 0; i < parts; i++) w += syl[Math.floor(next() * syl.length)];
    if (w.length >= 3) words.add(w);
  }
  return [...words];
}

// A Zipf-like draw: index i with probability ∝ 1 / (i + 1).
function zipf(next, n) {
  return Math.min(n - 1, Math.floor(Math.exp(next() * Math.log(n + 1)) - 1));
}

function sentence(next, words, min, max) {
  const n = min + Math.floor(next() * (max - min + 1));
  const out = [];
  for (let i = 0; i < n; i++) out.push(words[zipf(next, words.length)]);
  const s = out.join(" ");
  return s.charAt(0).toUpperCase() + s.slice(1) + ".";
}

export function generate(dir, perLanguage = 1500) {
  const content = path.join(dir, "content");
  fs.rmSync(content, { recursive: true, force: true });
  const write = (rel, text) => {
    const f = path.join(content, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
  };
  write("site.toml", 'title = { fr = "Grand site de recherche", en = "Large search site" }\nbase_url = "https://intranet.example/"\n');
  write("_index.fr.md", '+++\ntitle = "Grand site de recherche"\n+++\nUn site généré pour la recherche.\n');
  write("_index.en.md", '+++\ntitle = "Large search site"\n+++\nA generated site for search.\n');
  SECTIONS.forEach((s, i) => {
    for (const lang of ["fr", "en"]) write(`${s}/_index.${lang}.md`, `+++\ntitle = "Section ${s}"\nweight = ${i + 1}\n+++\n${lang === "fr" ? "Les pages de la section." : "The pages of the section."}\n`);
  });
  for (const lang of ["fr", "en"]) {
    const words = vocabulary(lang, 4000);
    for (let p = 0; p < perLanguage; p++) {
      const next = rng(1000 + p * 7 + (lang === "fr" ? 0 : 3));
      let title = sentence(next, words, 2, 5).slice(0, -1) + ` ${p}`;
      if (p === PLANTED.titledPage) title = `${PLANTED.titled[lang]} ${title}`;
      const paragraphs = [];
      const heading = lang === "fr" ? "Contexte" : "Context";
      for (let i = 0; i < 4; i++) {
        const sentences = [];
        for (let j = 0; j < 5; j++) sentences.push(sentence(next, words, 6, 14));
        paragraphs.push(sentences.join(" "));
      }
      if (PLANTED.rarePages.includes(p)) paragraphs[2] += ` ${PLANTED.rare[lang]}.`;
      if (PLANTED.titledTextPages.includes(p)) paragraphs[1] += ` ${PLANTED.titled[lang]}.`;
      const body = `${paragraphs[0]}\n\n## ${heading}\n\n${paragraphs.slice(1).join("\n\n")}\n`;
      const section = SECTIONS[p % SECTIONS.length];
      write(`${section}/p${String(p).padStart(5, "0")}.${lang}.md`, `+++\ntitle = ${JSON.stringify(title)}\nweight = ${p}\n+++\n${body}`);
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: node search-site.mjs <dir> [pages per language]");
    process.exit(2);
  }
  generate(path.resolve(dir), Number(process.argv[3] || 1500));
}
