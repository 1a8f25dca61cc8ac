//! Translation status. A translation records what it was translated from: `translated_from`
//! in its front matter holds a hash of the source-language page's translatable text (title,
//! summary, lists, body). When the source changes, the hash no longer matches and the
//! translation is *stale*: `check` reports it and readers see a notice. `playbook translated
//! <file>` refreshes the record once the translation is brought up to date.

use std::path::Path;

use serde::Serialize;

use crate::content::fnv1a;
use crate::content::frontmatter::Format;
use crate::content::kinds::KindFront;
use crate::content::model::{Entry, Site, Translation};
use crate::errors::{Diagnostic, Fatal};

/// The record of a source page's translatable text: 16 hex digits.
pub(crate) fn source_hash(t: &Translation) -> String {
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
    format!("{:016x}", fnv1a(text.as_bytes()))
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
    entry.translations.get(&site.languages[0])
}

/// Whether `lang`'s translation of `entry` is stale.
pub(crate) fn is_stale(site: &Site, entry: &Entry, lang: &str) -> bool {
    if lang == site.languages[0] {
        return false;
    }
    match (source(site, entry), entry.translations.get(lang)) {
        (Some(src), Some(t)) => {
            t.front.translated_from.as_deref() != Some(source_hash(src).as_str())
        }
        _ => false,
    }
}

/// Every missing or stale translation, by language then file.
pub(crate) fn report(site: &Site) -> Vec<Status> {
    let mut out = Vec::new();
    for lang in &site.languages[1..] {
        for entry in site.entries.values() {
            let Some(src) = source(site, entry) else {
                continue;
            };
            let current = source_hash(src);
            match entry.translations.get(lang) {
                None => out.push(Status {
                    lang: lang.clone(),
                    state: State::Missing,
                    file: src.file.replace(
                        &format!(".{}.md", site.languages[0]),
                        &format!(".{lang}.md"),
                    ),
                    source: src.file.clone(),
                    recorded: None,
                    current,
                }),
                Some(t) if t.front.translated_from.as_deref() != Some(current.as_str()) => out
                    .push(Status {
                        lang: lang.clone(),
                        state: State::Stale,
                        file: t.file.clone(),
                        source: src.file.clone(),
                        recorded: t.front.translated_from.clone(),
                        current,
                    }),
                Some(_) => {}
            }
        }
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
            return Err(Fatal(format!("`{wanted}` is not a page of this site (give a path such as content/steps/champion.en.md)")));
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

/// The translation's text with its `translated_from` line set to `hash`.
fn with_record(t: &Translation, hash: &str) -> String {
    let (line, key_sep) = match t.format {
        Format::Toml => (format!("translated_from = \"{hash}\"\n"), '='),
        Format::Yaml => (format!("translated_from: \"{hash}\"\n"), ':'),
    };
    let front = &t.text[t.front_offset..t.front_offset + t.front_len];
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
        &t.text[..t.front_offset],
        new_front,
        &t.text[t.front_offset + t.front_len..]
    )
}
