//! Translation status. A translation records what it was translated from: `translated_from`
//! in its front matter holds a hash of the source-language page's translatable text (title,
//! summary, lists, body), whitespace folded so that re-wrapping a paragraph changes nothing.
//! When the source's words change, the hash no longer matches and the translation is *stale*:
//! `check` reports it (`check --diff` shows what changed, from the git history of the source)
//! and readers see a notice. `playbook translated <file>` refreshes the record once the
//! translation is brought up to date.

use std::path::Path;

use serde::Serialize;

use crate::content::assemble::parse_translation;
use crate::content::discover::SourceFile;
use crate::content::fnv1a;
use crate::content::frontmatter::Format;
use crate::content::history::{self, History};
use crate::content::kinds::Kind;
use crate::content::kinds::KindFront;
use crate::content::model::{Entry, Site, Translation};
use crate::errors::{Diagnostic, Fatal};

/// The record of a source page's translatable text: 16 hex digits. Runs of whitespace count as
/// one space: a whitespace-only change to the source does not make its translations stale.
pub(crate) fn source_hash(t: &Translation) -> String {
    // The words joined by single spaces, hashed without joining them.
    let text = translatable(t);
    let spaced = text
        .split_whitespace()
        .enumerate()
        .flat_map(|(i, word)| (i > 0).then_some(&b' ').into_iter().chain(word.as_bytes()));
    format!("{:016x}", fnv1a(spaced))
}

/// The record as versions before whitespace folding wrote it; still accepted, so that pages
/// translated then are not reported stale until their source really changes.
fn legacy_hash(t: &Translation) -> String {
    format!("{:016x}", fnv1a(translatable(t).as_bytes()))
}

/// Whether `recorded` is the record of `src` as it is now.
fn records(recorded: Option<&str>, src: &Translation) -> bool {
    recorded.is_some_and(|r| r == source_hash(src) || r == legacy_hash(src))
}

/// Everything of a page that a translation translates, as one text.
fn translatable(t: &Translation) -> String {
    let f = &t.front;
    let mut text = String::new();
    text.push_str(&f.title);
    text.push('\u{1f}');
    text.push_str(f.summary.as_deref().unwrap_or(""));
    let lists: Vec<&Vec<String>> = match &f.kind {
        KindFront::Obstacle { signals } => vec![signals],
        KindFront::Step { actions, roles, .. } => vec![actions, roles],
        _ => vec![],
    };
    for list in lists {
        for item in list {
            text.push('\u{1f}');
            text.push_str(item);
        }
    }
    text.push('\u{1e}');
    text.push_str(t.body().trim());
    text
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum State {
    /// No file in this language: readers see the source with a notice.
    Missing,
    /// The source changed since the translation was made (or no record was kept).
    Stale,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Status {
    pub(crate) lang: String,
    pub(crate) state: State,
    /// The translation (stale) or the source (missing).
    pub(crate) file: String,
    pub(crate) source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) recorded: Option<String>,
    pub(crate) current: String,
}

/// The source language's file of a page, if the page has one.
pub(crate) fn source<'a>(site: &'a Site, entry: &'a Entry) -> Option<&'a Translation> {
    entry.translations.get(&site.languages[0]).map(|t| &**t)
}

/// Whether `lang`'s translation of `entry` is stale.
pub(crate) fn is_stale(site: &Site, entry: &Entry, lang: &str) -> bool {
    if lang == site.languages[0] {
        return false;
    }
    match (source(site, entry), entry.translations.get(lang)) {
        (Some(src), Some(t)) => !records(t.front.translated_from.as_deref(), src),
        _ => false,
    }
}

/// Which of a source's records: as this version writes it (`source_hash`), or as versions
/// before whitespace folding did (`legacy_hash`, worked out only for a record that is not the
/// current one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Record {
    Current,
    Legacy,
}

/// A source's record of either kind, worked out from its text.
pub(crate) fn record(t: &Translation, which: Record) -> String {
    match which {
        Record::Current => source_hash(t),
        Record::Legacy => legacy_hash(t),
    }
}

/// Every missing or stale translation, by language then file.
pub(crate) fn report(site: &Site) -> Vec<Status> {
    report_with(site, &record)
}

/// `report`, with the records of each source as `hash` gives them (`record`, or what a cache
/// remembers of them).
pub(crate) fn report_with(
    site: &Site,
    hash: &(dyn Fn(&Translation, Record) -> String + Sync),
) -> Vec<Status> {
    use rayon::prelude::*;
    let entries: Vec<&Entry> = site.entries.values().collect();
    site.languages[1..]
        .iter()
        .flat_map(|lang| {
            entries
                .par_iter()
                .filter_map(|entry| status_with(site, entry, lang, hash))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether `lang`'s translation of `entry` is missing or stale, and what it was made from.
pub(crate) fn status(site: &Site, entry: &Entry, lang: &str) -> Option<Status> {
    status_with(site, entry, lang, &record)
}

fn status_with(
    site: &Site,
    entry: &Entry,
    lang: &str,
    hash: &(dyn Fn(&Translation, Record) -> String + Sync),
) -> Option<Status> {
    let src = source(site, entry)?;
    if lang == site.languages[0] {
        return None;
    }
    let current = hash(src, Record::Current);
    let (state, file, recorded) = match entry.translations.get(lang) {
        None => (
            State::Missing,
            src.file.replace(
                &format!(".{}.md", site.languages[0]),
                &format!(".{lang}.md"),
            ),
            None,
        ),
        Some(t) => {
            let recorded = t.front.translated_from.as_deref();
            if recorded == Some(current.as_str())
                || recorded.is_some_and(|r| r == hash(src, Record::Legacy))
            {
                return None;
            }
            (
                State::Stale,
                t.file.clone(),
                t.front.translated_from.clone(),
            )
        }
    };
    Some(Status {
        lang: lang.to_string(),
        state,
        file,
        source: src.file.clone(),
        recorded,
        current,
    })
}

/// One line for `build`, `build --watch` and `serve` when translations need work:
/// `2 translations stale, 1 missing — playbook check for details`.
pub(crate) fn summary<'a>(statuses: impl IntoIterator<Item = &'a Status>) -> Option<String> {
    let (mut stale, mut missing) = (0, 0);
    for s in statuses {
        match s.state {
            State::Stale => stale += 1,
            State::Missing => missing += 1,
        }
    }
    let noun = |n: usize| {
        if n == 1 {
            "translation"
        } else {
            "translations"
        }
    };
    let counts = match (stale, missing) {
        (0, 0) => return None,
        (s, 0) => format!("{s} {} stale", noun(s)),
        (0, m) => format!("{m} {} missing", noun(m)),
        (s, m) => format!("{s} {} stale, {m} missing", noun(s)),
    };
    Some(format!("{counts} — playbook check for details"))
}

/// What changed in the source of a stale translation since the version that was translated:
/// a unified diff of the source file, from the git history (the newest committed version whose
/// record is the translation's), or why it cannot be shown.
pub(crate) fn source_diff(root: &Path, site: &Site, status: &Status) -> String {
    let Some(recorded) = status.recorded.as_deref() else {
        return format!(
            "  no record of the version translated: compare the whole of `{}`\n",
            status.source
        );
    };
    let Some((key, entry)) = site
        .entries
        .iter()
        .find(|(_, e)| e.translations.values().any(|t| t.file == status.source))
    else {
        return String::new();
    };
    let src = &entry.translations[&site.languages[0]];
    let as_translated = |bytes: &[u8]| -> Option<Translation> {
        let file = SourceFile::from_bytes(
            status.source.clone(),
            key.section.clone(),
            key.id.clone(),
            Some(site.languages[0].clone()),
            bytes.to_vec(),
        );
        parse_translation(file, Kind::of(&key.section, &key.id), &History::default()).ok()
    };
    let found = history::find_version(root, &status.source, 500, |v| {
        as_translated(&v.bytes).is_some_and(|t| records(Some(recorded), &t))
    });
    let Some(version) = found else {
        return format!(
            "  the version translated is not in the git history of `{}` (translated from uncommitted text?): compare by hand\n",
            status.source
        );
    };
    let old = String::from_utf8_lossy(&version.bytes).replace("\r\n", "\n");
    let diff = similar::TextDiff::from_lines(old.as_str(), src.text());
    let mut out = format!(
        "  changes in `{}` since the version translated (commit {}, {}):\n",
        status.source, version.commit, version.date
    );
    let unified = diff
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{} (translated, {})", status.source, version.commit),
            &format!("{} (now)", status.source),
        )
        .to_string();
    for line in unified.lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The report as warnings, so `check --strict` fails on them.
pub(crate) fn warnings(statuses: &[Status]) -> Vec<Diagnostic> {
    statuses
        .iter()
        .map(|s| match s.state {
            State::Missing => Diagnostic::file(&s.file, format!("missing translation ({}) of `{}`", s.lang, s.source))
                .help(format!("readers see the original with a notice; copy `{}` to `{}`, translate it, then run `playbook translated {}`", s.source, s.file, s.file))
                .warning(),
            State::Stale => Diagnostic::file(
                &s.file,
                match &s.recorded {
                    Some(_) => format!("stale translation: `{}` changed since this translation was made", s.source),
                    None => format!("translation without a record of its source `{}`", s.source),
                },
            )
            .help(format!("bring it up to date, then run `playbook translated {}`", s.file))
            .warning(),
        })
        .collect()
}

/// Writes `translated_from = "<hash of the source>"` into each named translation file.
pub(crate) fn mark(root: &Path, site: &Site, files: &[String]) -> Result<Vec<String>, Fatal> {
    let mut done = Vec::new();
    for wanted in files {
        let wanted = wanted.trim_start_matches("./");
        // Also an absolute path, or one relative to the current folder (the shell's completion).
        let real = std::fs::canonicalize(wanted).ok();
        let found = site.entries.values().find_map(|e| {
            e.translations
                .iter()
                .find(|(_, t)| {
                    t.file == wanted
                        || root.join(&t.file) == Path::new(wanted)
                        || (real.is_some()
                            && std::fs::canonicalize(root.join(&t.file)).ok() == real)
                })
                .map(|(l, t)| (e, l, t))
        });
        let Some((entry, lang, t)) = found else {
            return Err(Fatal(match untranslated(site, wanted) {
                Some((lang, original)) => format!(
                    "`{wanted}` does not exist yet: this page has no {lang} translation. Create it: copy `{original}` to `{wanted}`, translate its title, summary and text (keep the other fields), then run `playbook translated {wanted}`"
                ),
                None => format!("`{wanted}` is not a page of this site (give a path such as content/steps/champion.en.md)"),
            }));
        };
        if *lang == site.languages[0] {
            return Err(Fatal(format!(
                "`{wanted}` is in the source language ({lang}); mark its translations instead"
            )));
        }
        let Some(src) = source(site, entry) else {
            return Err(Fatal(format!(
                "`{wanted}` has no {} original to be translated from",
                site.languages[0]
            )));
        };
        let hash = source_hash(src);
        let text = with_record(t, &hash);
        let path = root.join(&t.file);
        std::fs::write(&path, text)
            .map_err(|e| Fatal(format!("cannot write `{}`: {e}", t.file)))?;
        done.push(format!("{} ← {} ({hash})", t.file, src.file));
    }
    Ok(done)
}

/// For a translation file that does not exist (`content/steps/x.en.md`) of a page that does:
/// its language and the page's file in the source language, to copy.
fn untranslated<'a>(site: &'a Site, wanted: &str) -> Option<(&'a str, &'a str)> {
    let stem = wanted.strip_suffix(".md")?;
    let (base, lang) = stem.rsplit_once('.')?;
    let lang = site.languages.iter().find(|l| *l == lang)?;
    let original = format!("{base}.{}.md", site.languages[0]);
    let src = site
        .entries
        .values()
        .find_map(|e| source(site, e).filter(|t| t.file == original))?;
    Some((lang.as_str(), src.file.as_str()))
}

/// The translation's text with its `translated_from` line set to `hash`.
fn with_record(t: &Translation, hash: &str) -> String {
    let (line, key_sep) = match t.format {
        Format::Toml => (format!("translated_from = \"{hash}\"\n"), '='),
        Format::Yaml => (format!("translated_from: \"{hash}\"\n"), ':'),
    };
    let front = &t.text()[t.front_offset..t.front_offset + t.front_len];
    let mut new_front = String::new();
    let mut replaced = false;
    for l in front.split_inclusive('\n') {
        let trimmed = l.trim_start();
        if trimmed.starts_with("translated_from")
            && trimmed["translated_from".len()..]
                .trim_start()
                .starts_with(key_sep)
        {
            new_front.push_str(&line);
            replaced = true;
        } else {
            new_front.push_str(l);
        }
    }
    if !replaced {
        // TOML tables must come after plain keys: put the record first.
        new_front = if t.format == Format::Toml {
            format!("{line}{new_front}")
        } else {
            format!(
                "{new_front}{}{line}",
                if new_front.ends_with('\n') || new_front.is_empty() {
                    ""
                } else {
                    "\n"
                }
            )
        };
    }
    format!(
        "{}{}{}",
        &t.text()[..t.front_offset],
        new_front,
        &t.text()[t.front_offset + t.front_len..]
    )
}
