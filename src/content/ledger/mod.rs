//! The URL ledger, `content/urls.lock`: every address the site has published, committed with
//! the content like `Cargo.lock`. For each page (its `section/id`) and language it records the
//! current address and the old ones that now redirect to it; a removed page stays, marked
//! `gone`, until someone drops it or points an alias at it. This module reads and writes the
//! file's text (TOML, one line per address, sorted, a block per page so that two editors'
//! changes rarely touch the same lines); `update` works out what a build changes, `report`
//! turns that into messages, `renames` checks the `renamed_from` a page may name. Nothing here touches the disk except `read`; the build decides
//! whether the new text is written.

pub(crate) mod renames;
pub(crate) mod report;
pub(crate) mod update;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use toml::Spanned;

use crate::content::discover::is_valid_id;
use crate::content::frontmatter::toml_error;
use crate::content::urls::alias_path;
use crate::errors::{Diagnostic, Diagnostics, Failure, Fatal};

/// Where the ledger lives, relative to the site root.
pub(crate) const LEDGER_FILE: &str = "content/urls.lock";

const HEADER: &str = "\
# The addresses this site has published, kept by `playbook build` (like Cargo.lock): commit
# this file with the content. Each block is a page (`section/id`): its address in every
# language, and under `<language>_old` its former addresses, which redirect to it. A page
# marked `gone = true` was removed and its addresses no longer work (`playbook check` says
# what to do). Do not edit by hand, except to drop addresses on purpose: delete a gone page's
# block, or an old address that was never published. To record that a file was renamed,
# write `renamed_from = \"old-id\"` in the page's front matter instead.
";

/// The whole ledger: page name (`steps/champion`) → its record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Ledger {
    pub(crate) pages: BTreeMap<String, Record>,
}

/// One page's addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Record {
    /// The page's file is gone: its addresses are kept only to be reported.
    pub(crate) gone: bool,
    /// Language → addresses.
    pub(crate) langs: Langs,
}

/// Language → addresses, in language order: a sorted list, not a `BTreeMap` (whose smallest
/// node holds eleven entries, ~800 bytes for a page's two languages — megabytes over a
/// 10,000-page ledger, held twice through a build, the file's and the new one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Langs(Vec<(String, Addresses)>);

impl Langs {
    pub(crate) fn get(&self, lang: &str) -> Option<&Addresses> {
        let i = self.find(lang).ok()?;
        self.0.get(i).map(|(_, a)| a)
    }

    /// The addresses in `lang`, added empty when there were none.
    pub(crate) fn get_or_default(&mut self, lang: &str) -> &mut Addresses {
        let i = match self.find(lang) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (lang.to_string(), Addresses::default()));
                i
            }
        };
        &mut self.0[i].1
    }

    pub(crate) fn insert(&mut self, lang: String, addresses: Addresses) {
        match self.find(&lang) {
            Ok(i) => self.0[i].1 = addresses,
            Err(i) => self.0.insert(i, (lang, addresses)),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Language and addresses, in language order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Addresses)> {
        self.0.iter().map(|(l, a)| (l, a))
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Addresses> {
        self.0.iter().map(|(_, a)| a)
    }

    fn find(&self, lang: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(l, _)| l.as_str().cmp(lang))
    }
}

/// A page's addresses in one language, as site paths (`fr/etapes/champion/`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Addresses {
    pub(crate) current: Option<String>,
    /// Former addresses, redirected to `current`.
    pub(crate) old: BTreeSet<String>,
}

/// The ledger as found on disk: its text (for messages) and what it says.
#[derive(Debug, Clone)]
pub(crate) struct LedgerFile {
    pub(crate) text: String,
    pub(crate) ledger: Ledger,
}

/// Reads `content/urls.lock`; `None` when the site has none.
pub(crate) fn read(root: &Path) -> Result<Option<LedgerFile>, Failure> {
    let path = root.join(LEDGER_FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Failure::Fatal(Fatal(format!(
                "cannot read `{LEDGER_FILE}`: {e}"
            ))))
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        let mut ds = Diagnostics::default();
        ds.push(
            Diagnostic::file(LEDGER_FILE, "the ledger is not UTF-8 text")
                .help("restore it from git (`git checkout content/urls.lock`), or delete it and run `playbook build`"),
        );
        return Err(Failure::Content(ds));
    };
    let ledger = match parse_canonical(&text) {
        Some(ledger) => ledger,
        None => parse(&text).map_err(Failure::Content)?,
    };
    Ok(Some(LedgerFile { text, ledger }))
}

/// The ledger read without a TOML parser when its text is exactly what `to_text` writes
/// (what a build leaves: a tenth of the time on a 10,000-page ledger); `None` for any other
/// text, which `parse` reads. Each line is one of the few `to_text` writes, every name,
/// language and address passes the checks `parse` makes, and the ledger read is written back
/// to the very same text — so it is the ledger `parse` reads.
fn parse_canonical(text: &str) -> Option<Ledger> {
    let mut ledger = Ledger::default();
    let mut lines = text.strip_prefix(HEADER)?.lines();
    let mut block: Option<(&str, Record)> = None;
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix("[\"").and_then(|l| l.strip_suffix("\"]")) {
            if !is_page_name(name) {
                return None;
            }
            if let Some((name, record)) = block.replace((name, Record::default())) {
                ledger.pages.insert(name.to_string(), record);
            }
            continue;
        }
        let (_, record) = block.as_mut()?;
        if line == "gone = true" {
            record.gone = true;
            continue;
        }
        let (key, value) = line.split_once(" = ")?;
        match key.strip_suffix("_old") {
            Some(lang) if value == "[" && is_language(lang) => {
                let old = &mut record.langs.get_or_default(lang).old;
                loop {
                    match lines.next()? {
                        "]" => break,
                        l => old.insert(site_path(l.strip_prefix("  \"")?.strip_suffix("\",")?)?),
                    };
                }
            }
            _ if is_language(key) => {
                let url = value.strip_prefix('"')?.strip_suffix('"')?;
                record.langs.get_or_default(key).current = Some(site_path(url)?);
            }
            _ => return None,
        }
    }
    if let Some((name, record)) = block {
        ledger.pages.insert(name.to_string(), record);
    }
    (to_text(&ledger) == text).then_some(ledger)
}

/// Page name → key → value, with where each was written.
type Raw = BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>;

/// Reads the ledger's text; every problem is located in it.
pub(crate) fn parse(text: &str) -> Result<Ledger, Diagnostics> {
    let mut problems = Diagnostics::default();
    let raw: Raw = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            problems.push(toml_error(LEDGER_FILE, text, 0, &e));
            return Err(problems);
        }
    };
    let at = |span: std::ops::Range<usize>, message: String| {
        Diagnostic::at(
            LEDGER_FILE,
            text,
            span.start,
            span.end - span.start,
            message,
        )
    };
    let mut ledger = Ledger::default();
    for (name, block) in raw {
        if !is_page_name(name.get_ref()) {
            problems.push(
                at(name.span(), format!("`{}` is not a page", name.get_ref()))
                    .help("a block is named after a page's file: `[\"steps/champion\"]` for content/steps/champion.fr.md"),
            );
            continue;
        }
        let mut record = Record::default();
        for (key, value) in block {
            let span = value.span();
            match (key.get_ref().as_str(), value.into_inner()) {
                ("gone", toml::Value::Boolean(gone)) => record.gone = gone,
                (k, toml::Value::String(url)) if is_language(k) => match site_path(&url) {
                    Some(path) => record.langs.get_or_default(k).current = Some(path),
                    None => problems.push(not_an_address(&at, span, &url)),
                },
                (k, toml::Value::Array(urls)) if k.strip_suffix("_old").is_some_and(is_language) => {
                    let lang = &k[..k.len() - 4];
                    for url in urls {
                        let Some(path) = url.as_str().and_then(site_path) else {
                            // Point at the element itself, inside the list.
                            let shown = url.as_str().map_or_else(|| url.to_string(), str::to_string);
                            let quoted = url.to_string();
                            let inner = text[span.clone()].find(&quoted).map_or(span.clone(), |i| {
                                span.start + i..span.start + i + quoted.len()
                            });
                            problems.push(not_an_address(&at, inner, &shown));
                            continue;
                        };
                        record.langs.get_or_default(lang).old.insert(path);
                    }
                }
                (k, _) => problems.push(
                    at(key.span(), format!("unexpected `{k}` in the ledger"))
                        .help("a page's block holds `<language> = \"/address/\"`, `<language>_old = [\"/old/address/\"]` and `gone = true`"),
                ),
            }
        }
        ledger.pages.insert(name.into_inner(), record);
    }
    if problems.is_empty() {
        Ok(ledger)
    } else {
        Err(problems)
    }
}

fn not_an_address(
    at: &dyn Fn(std::ops::Range<usize>, String) -> Diagnostic,
    span: std::ops::Range<usize>,
    url: &str,
) -> Diagnostic {
    at(span, format!("`{url}` is not an address of the site"))
        .help("write it from the site root with a slash at each end, like `/fr/etapes/champion/`")
}

/// `steps/champion`, `steps/_index`, `about`, `_index`.
fn is_page_name(name: &str) -> bool {
    let ok = |id: &str| is_valid_id(id);
    match name.split_once('/') {
        Some((section, id)) => ok(section) && ok(id),
        None => ok(name),
    }
}

fn is_language(key: &str) -> bool {
    !key.is_empty() && key != "gone" && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// `/fr/etapes/champion/` → `fr/etapes/champion/`, only when written exactly so.
fn site_path(url: &str) -> Option<String> {
    alias_path(url).filter(|p| url.len() == p.len() + 1 && url.ends_with('/'))
}

/// The ledger's text: the header, then one block per page in name order, one line per address.
pub(crate) fn to_text(ledger: &Ledger) -> String {
    let mut text = String::from(HEADER);
    for (name, record) in &ledger.pages {
        text.push_str(&format!("\n[\"{name}\"]\n"));
        if record.gone {
            text.push_str("gone = true\n");
        }
        for (lang, a) in record.langs.iter() {
            if let Some(current) = &a.current {
                text.push_str(&format!("{lang} = \"/{current}\"\n"));
            }
            if !a.old.is_empty() {
                text.push_str(&format!("{lang}_old = [\n"));
                for old in &a.old {
                    text.push_str(&format!("  \"/{old}\",\n"));
                }
                text.push_str("]\n");
            }
        }
    }
    text
}

/// Where a page's block starts in the ledger's text, and its header's length (for messages).
pub(crate) fn block_at(text: &str, name: &str) -> (usize, usize) {
    let header = format!("[\"{name}\"]");
    text.find(&header).map_or((0, 1), |i| (i, header.len()))
}

/// Where an address is written in the ledger's text.
pub(crate) fn address_at(text: &str, path: &str) -> (usize, usize) {
    let quoted = format!("\"/{path}\"");
    text.find(&quoted)
        .map_or((0, 1), |i| (i + 1, quoted.len() - 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Ledger {
        let mut ledger = Ledger::default();
        let mut champion = Record::default();
        champion.langs.insert(
            "fr".into(),
            Addresses {
                current: Some("fr/etapes/designer-un-vrai-champion/".into()),
                old: ["fr/etapes/designer-un-champion/".to_string()].into(),
            },
        );
        champion.langs.insert(
            "en".into(),
            Addresses {
                current: Some("en/steps/appoint-a-champion/".into()),
                old: BTreeSet::new(),
            },
        );
        ledger.pages.insert("steps/champion".into(), champion);
        let mut gone = Record {
            gone: true,
            ..Record::default()
        };
        gone.langs.insert(
            "fr".into(),
            Addresses {
                current: Some("fr/etapes/ancienne/".into()),
                old: BTreeSet::new(),
            },
        );
        ledger.pages.insert("steps/old".into(), gone);
        ledger
    }

    #[test]
    fn a_pages_languages_stay_in_language_order_whatever_order_they_come_in() {
        let mut langs = Langs::default();
        let at = |u: &str| Addresses {
            current: Some(u.into()),
            old: BTreeSet::new(),
        };
        langs.insert("fr".into(), at("fr/a/"));
        langs.get_or_default("en").old.insert("en/old/".into());
        langs.insert("de".into(), at("de/a/"));
        langs.insert("fr".into(), at("fr/b/"));
        langs.get_or_default("en").current = Some("en/a/".into());
        let order: Vec<&str> = langs.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(order, ["de", "en", "fr"]);
        assert_eq!(langs.get("fr").unwrap().current.as_deref(), Some("fr/b/"));
        let en = langs.get("en").unwrap();
        assert_eq!(en.current.as_deref(), Some("en/a/"));
        assert!(en.old.contains("en/old/"));
        assert!(langs.get("it").is_none());
        assert_eq!(langs.values().count(), 3);
    }

    #[test]
    fn text_reads_back_the_same() {
        let ledger = sample();
        let text = to_text(&ledger);
        assert!(text.contains(
            "\n[\"steps/champion\"]\nen = \"/en/steps/appoint-a-champion/\"\nfr = \"/fr/etapes/designer-un-vrai-champion/\"\nfr_old = [\n  \"/fr/etapes/designer-un-champion/\",\n]\n"
        ), "{text}");
        assert!(text.contains("\n[\"steps/old\"]\ngone = true\nfr = \"/fr/etapes/ancienne/\"\n"));
        assert_eq!(parse(&text).unwrap(), ledger);
        // Any TOML spelling of the same thing reads the same.
        let compact = "[\"steps/champion\"]\nfr_old = [\"/fr/etapes/designer-un-champion/\"]\nfr = \"/fr/etapes/designer-un-vrai-champion/\"\nen = \"/en/steps/appoint-a-champion/\"\n[\"steps/old\"]\nfr = \"/fr/etapes/ancienne/\"\ngone = true\n";
        assert_eq!(parse(compact).unwrap(), ledger);
    }

    #[test]
    fn the_fast_reading_is_the_toml_reading() {
        let real = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(LEDGER_FILE),
        )
        .unwrap();
        let sample = to_text(&sample());
        for text in [&real, &sample] {
            assert_eq!(parse_canonical(text), Some(parse(text).unwrap()));
        }
        // Any one change to a written ledger: either read the same as `parse` reads it, or
        // left to `parse`.
        let mut fast = 0;
        for (i, _) in sample.char_indices().skip(HEADER.len()) {
            for with in [
                "", " ", "x", "_", "-", "\"", "\\", "[", "]", ",", "\n", "\r\n", "/", "=",
            ] {
                let mut changed = sample.clone();
                changed.replace_range(i..i + 1, with);
                if let Some(read) = parse_canonical(&changed) {
                    assert_eq!(parse(&changed).ok().as_ref(), Some(&read), "{changed}");
                    fast += 1;
                }
            }
        }
        assert!(
            fast > 0,
            "some changes still read as written (an address, say)"
        );
        assert_eq!(parse_canonical(&sample.replace("\n", "\r\n")), None);
        assert_eq!(
            parse_canonical(&format!("{sample}{}", sample.trim_start_matches(HEADER))),
            None
        );
    }

    #[test]
    fn problems_are_located() {
        let text = "[\"steps/champion\"]\nfr = \"fr/etapes/x/\"\nfrench = 3\n[\"Steps/X\"]\nfr = \"/fr/x/\"\n";
        let problems = parse(text).unwrap_err().sorted();
        let lines: Vec<(usize, &str)> = problems
            .iter()
            .map(|d| (d.line, d.message.as_str()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (2, "`fr/etapes/x/` is not an address of the site"),
                (3, "unexpected `french` in the ledger"),
                (4, "`Steps/X` is not a page"),
            ]
        );
    }

    #[test]
    fn two_editors_changes_merge_without_conflict() {
        // Two pages that sit next to each other in the file, changed on two branches.
        let base = to_text(&sample());
        let mut a = sample();
        a.pages
            .get_mut("steps/champion")
            .unwrap()
            .langs
            .get_or_default("fr")
            .old
            .insert("fr/etapes/autre/".into());
        let mut b = sample();
        b.pages.get_mut("steps/old").unwrap().gone = false;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let write = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let (pa, pbase, pb) = (
            write("a", &to_text(&a)),
            write("base", &base),
            write("b", &to_text(&b)),
        );
        let Ok(status) = std::process::Command::new("git")
            .args(["merge-file", "-p"])
            .args([&pa, &pbase, &pb])
            .output()
        else {
            return; // no git on this machine
        };
        assert!(
            status.status.success(),
            "conflict:\n{}",
            String::from_utf8_lossy(&status.stdout)
        );
        let mut both = a.clone();
        both.pages.get_mut("steps/old").unwrap().gone = false;
        assert_eq!(
            parse(&String::from_utf8(status.stdout).unwrap()).unwrap(),
            both
        );
    }
}
