//! The content model: what the rest of the pipeline reads about the site. A `Key` names a page
//! independently of language, a `Translation` is one language's file of it, an `Entry` is the
//! page in every language with its merged neutral fields and URLs, and `Site` is the whole
//! site, every URL and relation known. Built once by `assemble`, read-only afterwards; this
//! module holds data and lookups only, no parsing and no rendering.

use std::collections::BTreeMap;

use crate::content::discover::SourceFile;
use crate::content::frontmatter;
use crate::content::glossary::Glossary;
use crate::content::kinds::{Front, Kind};
use crate::content::media::Media;
use crate::content::settings::Settings;
use crate::errors::Diagnostic;

/// The language-neutral identity of a page: its folder under `content/` and its file stem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Key {
    pub(crate) section: String,
    pub(crate) id: String,
}

impl Key {
    pub(crate) fn new(section: &str, id: &str) -> Key {
        Key {
            section: section.to_string(),
            id: id.to_string(),
        }
    }

    pub(crate) fn home() -> Key {
        Key::new("", "_index")
    }

    pub(crate) fn is_index(&self) -> bool {
        self.id == "_index"
    }

    /// The `@/…` path that links to this page.
    pub(crate) fn link_path(&self) -> String {
        format!("{}.md", self.name())
    }

    /// The page's name in the URL ledger and in messages: `steps/champion`, `steps/_index`,
    /// `_index` for the home page.
    pub(crate) fn name(&self) -> String {
        if self.section.is_empty() {
            self.id.clone()
        } else {
            format!("{}/{}", self.section, self.id)
        }
    }

    /// The key a ledger name stands for (the reverse of `name`).
    pub(crate) fn from_name(name: &str) -> Key {
        match name.split_once('/') {
            Some((section, id)) => Key::new(section, id),
            None => Key::new("", name),
        }
    }

    /// The key of the section page this page belongs to.
    pub(crate) fn parent(&self) -> Option<Key> {
        match (self.section.is_empty(), self.is_index()) {
            (true, true) => None,
            (true, false) | (false, true) => Some(Key::home()),
            (false, false) => Some(Key::new(&self.section, "_index")),
        }
    }
}

/// One language's file of a page.
#[derive(Debug, Clone)]
pub(crate) struct Translation {
    pub(crate) file: String,
    pub(crate) text: String,
    pub(crate) front: Front,
    pub(crate) front_offset: usize,
    pub(crate) front_len: usize,
    pub(crate) body_offset: usize,
    pub(crate) format: frontmatter::Format,
    /// When the file last changed in git (`2026-11-03`), if it is committed as it is.
    pub(crate) updated: Option<String>,
}

impl Translation {
    pub(crate) fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    /// A diagnostic pointing at `needle` on the line of front matter field `key`.
    pub(crate) fn error_at(
        &self,
        key: &str,
        needle: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let split = frontmatter::Split {
            format: self.format,
            front: &self.text[self.front_offset..self.front_offset + self.front_len],
            front_offset: self.front_offset,
            body_offset: self.body_offset,
        };
        let (at, len) = frontmatter::locate(&self.text, &split, key, needle);
        Diagnostic::at(&self.file, &self.text, at, len, message)
    }
}

/// A page in every language: its files, merged neutral fields and URLs.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) key: Key,
    pub(crate) kind: Kind,
    /// Boxed: a map node holds eleven values, most entries two.
    pub(crate) translations: BTreeMap<String, Box<Translation>>,
    pub(crate) weight: Option<i64>,
    /// An obstacle's rank in the diagnostic: 1 blocks the most.
    pub(crate) priority: Option<i64>,
    pub(crate) order: Option<i64>,
    pub(crate) addresses: Vec<String>,
    pub(crate) sources: Vec<String>,
    /// The page this one was renamed from (front matter `renamed_from`), whose addresses in
    /// the URL ledger become this page's old addresses.
    pub(crate) renamed_from: Option<Key>,
    /// Site path per language, e.g. `fr/etapes/champion/`.
    pub(crate) urls: BTreeMap<String, String>,
}

impl Entry {
    /// The translation shown in `lang`: its own, or the first available in fallback order.
    pub(crate) fn shown<'a>(
        &'a self,
        lang: &str,
        site_langs: &[String],
    ) -> Option<(&'a str, &'a Translation)> {
        if let Some((l, t)) = self.translations.get_key_value(lang) {
            return Some((l.as_str(), t));
        }
        site_langs
            .iter()
            .find_map(|l| self.translations.get_key_value(l.as_str()))
            .map(|(l, t)| (l.as_str(), &**t))
    }
}

/// The whole site, every link known.
#[derive(Debug)]
pub(crate) struct Site {
    pub(crate) settings: Settings,
    /// Site languages, default first.
    pub(crate) languages: Vec<String>,
    pub(crate) entries: BTreeMap<Key, Entry>,
    /// Titles of sections that have no `_index` file, per language.
    pub(crate) synthetic_titles: BTreeMap<Key, String>,
    /// Steps in playbook order, obstacles by weight.
    pub(crate) steps: Vec<Key>,
    pub(crate) obstacles: Vec<Key>,
    /// Obstacle id → ids of the steps that address it, in step order.
    pub(crate) addressed_by: BTreeMap<String, Vec<String>>,
    /// Generated pages per language: name (`search`, `matrix`, …) → site path.
    pub(crate) generated: BTreeMap<String, BTreeMap<String, String>>,
    /// Files of the diagnostic's nodes, handed to the diagnostic stage.
    pub(crate) diagnostic_files: Vec<SourceFile>,
    /// The glossary page's terms per language (empty without a glossary page).
    pub(crate) glossary: Glossary,
    /// Pictures and attachments by path under `content/` (`steps/atelier.png`).
    pub(crate) media: BTreeMap<String, Media>,
}

/// The theme's interface strings: language → key → text. Loaded with the theme; assembly
/// reads the generated pages' slugs from it.
pub(crate) type Strings = BTreeMap<String, BTreeMap<String, String>>;

/// An interface string, or `""` when the language or key is missing (the theme's loader
/// guarantees the required ones).
pub(crate) fn ui_string<'a>(strings: &'a Strings, lang: &str, key: &str) -> &'a str {
    strings
        .get(lang)
        .and_then(|s| s.get(key))
        .map_or("", String::as_str)
}

/// The generated pages and the theme string that gives each its slug.
pub(crate) const GENERATED: [(&str, &str); 5] = [
    ("search", "slug_search"),
    ("matrix", "slug_matrix"),
    ("print", "slug_print"),
    ("pages", "slug_pages"),
    ("checklist", "slug_checklist"),
];

impl Site {
    pub(crate) fn entry(&self, key: &Key) -> &Entry {
        &self.entries[key]
    }

    pub(crate) fn url(&self, key: &Key, lang: &str) -> &str {
        &self.entries[key].urls[lang]
    }

    /// Title of a page in `lang` (its own translation or the fallback's).
    pub(crate) fn title(&self, key: &Key, lang: &str) -> String {
        match self.entries[key].shown(lang, &self.languages) {
            Some((_, t)) => t.front.title.clone(),
            None => self
                .synthetic_titles
                .get(key)
                .cloned()
                .unwrap_or_else(|| self.settings.title(lang)),
        }
    }

    pub(crate) fn summary(&self, key: &Key, lang: &str) -> Option<String> {
        self.entries[key]
            .shown(lang, &self.languages)
            .and_then(|(_, t)| t.front.summary.clone())
    }

    /// Pages of a section (not the index), in reading order.
    pub(crate) fn section_pages(&self, section: &str) -> Vec<Key> {
        match section {
            "steps" => self.steps.clone(),
            "obstacles" => self.obstacles.clone(),
            _ => {
                let mut keys: Vec<&Entry> = self
                    .entries
                    .values()
                    .filter(|e| e.key.section == section && !e.key.is_index())
                    .collect();
                keys.sort_by_key(|e| (e.weight.unwrap_or(i64::MAX), e.key.id.clone()));
                keys.into_iter().map(|e| e.key.clone()).collect()
            }
        }
    }

    /// Section pages (and top-level pages) for the header navigation, by weight.
    pub(crate) fn nav(&self) -> Vec<Key> {
        let mut keys: Vec<&Entry> = self
            .entries
            .values()
            .filter(|e| e.key != Key::home() && (e.key.is_index() || e.key.section.is_empty()))
            .collect();
        keys.sort_by_key(|e| {
            (
                e.key.section.is_empty(),
                e.weight.unwrap_or(i64::MAX),
                e.key.section.clone(),
                e.key.id.clone(),
            )
        });
        keys.into_iter().map(|e| e.key.clone()).collect()
    }
}
