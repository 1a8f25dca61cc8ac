//! Entry points for the fuzz targets (`fuzz/`) and the bounded property tests: each feeds
//! arbitrary bytes to one parser of user input the way a build would, and must return — never
//! panic, hang or blow up quadratically — whatever the input. Not part of the tool's interface.
//!
//! - `front_matter`: one page file, decoded, split and parsed as every page kind;
//! - `markdown`: one page body in a small in-memory site, rendered by the build's own body
//!   renderer (Markdown, `@/` and relative links, raw HTML sanitizing, highlighting), then its
//!   anchors checked;
//! - `diagnostic`: the node files of a decision tree, loaded and validated against a small site.

use std::sync::OnceLock;

use crate::content::assemble::assemble;
use crate::content::discover::{Discovered, SourceFile, DIAGNOSTIC_SECTION};
use crate::content::frontmatter;
use crate::content::history::History;
use crate::content::kinds::Kind;
use crate::content::model::{Site, Strings};
use crate::content::settings::Settings;
use crate::render::bodies::{all_jobs, check_anchors, render_bodies, Bodies};
use crate::render::highlight::Highlighter;
use crate::render::markdown::Tools;
use crate::render::media::Catalog;

/// Front matter: decode, split and parse as each page kind.
pub fn front_matter(bytes: &[u8]) {
    let Ok(text) = frontmatter::decode("content/steps/x.fr.md", bytes) else {
        return;
    };
    let Ok(split) = frontmatter::split("content/steps/x.fr.md", &text) else {
        return;
    };
    for kind in [Kind::Obstacle, Kind::Step, Kind::Page, Kind::Glossary] {
        let _ = kind.parse("content/steps/x.fr.md", &text, &split);
    }
}

/// A page body (`bytes`, read as UTF-8 with replacement characters) in `content/guide/fuzz.fr.md`
/// of a small site that also holds an obstacle, a step and a home page to link to. Returns the
/// number of problems found, so that callers can tell the input was rendered.
pub fn markdown(bytes: &[u8]) -> usize {
    let body = String::from_utf8_lossy(bytes);
    let page = format!("+++\ntitle = \"Fuzz\"\n+++\n{body}");
    let Some(site) = small_site(vec![source("guide", "fuzz", Some("fr"), page)]) else {
        return 0;
    };
    let mut bodies = Bodies::default();
    let (media, strings) = (Catalog::default(), Strings::new());
    let tools = Tools {
        highlighter: highlighter(),
        media: &media,
        strings: &strings,
    };
    let mut problems = render_bodies(&site, &tools, &all_jobs(&site), &mut bodies);
    problems.extend(check_anchors(&bodies, |_, _| true));
    problems.sorted().len()
}

/// The node files of a decision tree, separated by NUL bytes, each `<id>\n<file>`; the first is
/// the start. Loaded and validated against a small site (the obstacle `budget` and the step
/// `champion` exist). Returns the number of problems found.
pub fn diagnostic(bytes: &[u8]) -> usize {
    let mut files = Vec::new();
    let mut start = None;
    for part in bytes.split(|&b| b == 0).take(16) {
        let (id, node) = match part.iter().position(|&b| b == b'\n') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &b""[..]),
        };
        let id = String::from_utf8_lossy(id).trim().to_string();
        if id.is_empty()
            || id.len() > 40
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            continue;
        }
        start.get_or_insert_with(|| id.clone());
        files.push(SourceFile::from_bytes(
            format!("content/{DIAGNOSTIC_SECTION}/{id}.md"),
            DIAGNOSTIC_SECTION.into(),
            id,
            None,
            node.to_vec(),
        ));
    }
    let Some(start) = start else { return 0 };
    for (lang, title) in [("fr", "Diagnostic"), ("en", "Diagnostic")] {
        let index = format!("+++\ntitle = \"{title}\"\nstart = \"{start}\"\n+++\n");
        files.push(source(DIAGNOSTIC_SECTION, "_index", Some(lang), index));
    }
    let Some(site) = small_site(files) else {
        return 0;
    };
    let (_, problems) = crate::diagnostic::load(&site);
    problems.sorted().len()
}

/// Loaded once per process: loading the syntax definitions takes longer than a run.
fn highlighter() -> &'static Highlighter {
    static HIGHLIGHTER: OnceLock<Highlighter> = OnceLock::new();
    HIGHLIGHTER.get_or_init(Highlighter::default)
}

fn source(section: &str, id: &str, lang: Option<&str>, text: String) -> SourceFile {
    let dir = match section {
        "" => String::new(),
        s => format!("{s}/"),
    };
    let name = match lang {
        Some(lang) => format!("{id}.{lang}.md"),
        None => format!("{id}.md"),
    };
    SourceFile::from_bytes(
        format!("content/{dir}{name}"),
        section.into(),
        id.into(),
        lang.map(Into::into),
        text.into_bytes(),
    )
}

/// The default settings (French and English), the generated pages' slugs, a home page, an
/// obstacle and a step, plus `extra`. `None` when the files do not assemble into a site.
fn small_site(extra: Vec<SourceFile>) -> Option<Site> {
    let mut files = vec![
        source(
            "",
            "_index",
            Some("fr"),
            "+++\ntitle = \"Accueil\"\n+++\nVoir [le budget](@/obstacles/budget.md).\n".into(),
        ),
        source(
            "obstacles",
            "budget",
            Some("fr"),
            "+++\ntitle = \"Le budget\"\nsummary = \"Le temps.\"\nweight = 1\n+++\n## Pourquoi\n\nLe temps coûte.\n".into(),
        ),
        source(
            "steps",
            "champion",
            Some("fr"),
            "+++\ntitle = \"Un champion\"\nsummary = \"Une personne.\"\norder = 1\naddresses = [\"budget\"]\n+++\n## Actions\n\n- Choisir\n".into(),
        ),
    ];
    files.extend(extra);
    let mut strings = Strings::new();
    for lang in ["fr", "en"] {
        let slugs = crate::content::model::GENERATED
            .iter()
            .map(|(page, key)| (key.to_string(), format!("{page}-{lang}")))
            .collect();
        strings.insert(lang.to_string(), slugs);
    }
    let discovered = Discovered {
        pages: files,
        media: Vec::new(),
        fronts_as_recorded: false,
    };
    let (site, problems) = assemble(
        Settings::default(),
        &strings,
        discovered,
        &History::default(),
    );
    (!problems.has_errors()).then_some(site)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_site_assembles_and_renders() {
        assert_eq!(
            markdown(b"Voir [le champion](@/steps/champion.md#actions)."),
            0
        );
        assert!(markdown(b"Voir [rien](@/steps/nowhere.md).") > 0);
        assert!(markdown(b"<script>alert(1)</script>") > 0);
    }

    #[test]
    fn a_small_tree_loads_without_problems() {
        let tree = "q-one\n+++\nkind = \"question\"\n[text.fr]\nquestion = \"Q ?\"\n[text.en]\nquestion = \"Q?\"\n[[options]]\nid = \"yes\"\nnext = \"r-clear\"\nlabel = { fr = \"Oui\", en = \"Yes\" }\nslug = { fr = \"oui\", en = \"yes\" }\n[[options]]\nid = \"no\"\nnext = \"r-one\"\nobstacles = [\"budget\"]\nlabel = { fr = \"Non\", en = \"No\" }\nslug = { fr = \"non\", en = \"no\" }\n+++\n\0r-one\n+++\nkind = \"result\"\ntone = \"obstacles\"\n[text.fr]\ntitle = \"Fini\"\n[text.en]\ntitle = \"Done\"\n+++\n\0r-clear\n+++\nkind = \"result\"\ntone = \"clear\"\n[text.fr]\ntitle = \"Bien\"\n[text.en]\ntitle = \"Good\"\n+++\n";
        let problems = diagnostic(tree.as_bytes());
        assert_eq!(problems, 0);
        assert!(diagnostic(b"q-one\n+++\nkind = 1\n+++\n") > 0);
    }
}
