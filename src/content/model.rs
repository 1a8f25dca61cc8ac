//! The content model: what the rest of the pipeline reads about the site. A `Key` names a page
//! independently of language, a `Translation` is one language's file of it, an `Entry` is the
//! page in every language with its merged neutral fields and URLs, and `Site` is the whole
//! site, every URL and relation known. Built once by `assemble`, read-only afterwards; this
//! module holds data and lookups only, no parsing and no rendering — except that a `Text` the
//! build cache knows unchanged reads its file the first time it is asked for.

use std::collections::BTreeMap;

use crate::content::discover::{Known, SourceFile};
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
    pub(crate) text: Text,
    pub(crate) front: Front,
    pub(crate) front_offset: usize,
    pub(crate) front_len: usize,
    pub(crate) body_offset: usize,
    pub(crate) format: frontmatter::Format,
    /// When the file last changed in git (`2026-11-03`), if it is committed as it is.
    pub(crate) updated: Option<String>,
}

impl Translation {
    /// The file's whole text (read now if it was not: see `Text`).
    pub(crate) fn text(&self) -> &str {
        self.text.get()
    }

    pub(crate) fn body(&self) -> &str {
        self.text().get(self.body_offset..).unwrap_or("")
    }

    /// A diagnostic pointing at `needle` on the line of front matter field `key`.
    pub(crate) fn error_at(
        &self,
        key: &str,
        needle: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let text = self.text();
        let split = frontmatter::Split {
            format: self.format,
            front: &text[self.front_offset..self.front_offset + self.front_len],
            front_offset: self.front_offset,
            body_offset: self.body_offset,
        };
        let (at, len) = frontmatter::locate(text, &split, key, needle);
        Diagnostic::at(&self.file, text, at, len, message)
    }
}

/// A page file's text: read with the file, or — for a file the build cache knows unchanged
/// (its stamp is the one recorded: `content::discover::Known`) — only its head, the front
/// matter, which is all that assembling the site reads. The rest is read the first time
/// something asks for it (a page rendered again, a diagnostic quoting a line), and must then
/// hash as recorded: if the file changed in between, `changed` says so and the build fails
/// rather than publish pages made from two versions of it.
#[derive(Clone)]
pub(crate) struct Text {
    whole: std::sync::OnceLock<String>,
    /// The hash of the whole text, worked out once (the build cache's keys and its record both
    /// ask for it).
    hashed: std::sync::OnceLock<blake3::Hash>,
    /// What the file looked like when it was read (or found unchanged), for the cache's
    /// record; `None` when it changed too recently to be told apart by its stamp.
    pub(crate) stamp: Option<FileStamp>,
    /// A text not read yet.
    known: Option<std::sync::Arc<Lazy>>,
}

/// The size, change times and inode of a content file: what tells the build cache the file
/// is the one it recorded without reading it. The change time (`ctime`) moves with any write
/// and cannot be set back by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileStamp {
    pub(crate) len: u64,
    pub(crate) mtime: (i64, i64),
    pub(crate) ctime: (i64, i64),
    pub(crate) inode: u64,
}

impl FileStamp {
    /// The stamp in `m`, when the file changed at least two seconds before `now`: a file
    /// written within the timestamps' granularity of being looked at could change again
    /// without its stamp changing (off Unix: none).
    pub(crate) fn of(m: &std::fs::Metadata, now: std::time::SystemTime) -> Option<FileStamp> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let settled = now
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|d| i64::try_from(d.as_secs()).ok())
                .is_some_and(|now| m.ctime() <= now - 2 && m.mtime() <= now - 2);
            (settled && m.is_file()).then(|| FileStamp {
                len: m.len(),
                mtime: (m.mtime(), m.mtime_nsec()),
                ctime: (m.ctime(), m.ctime_nsec()),
                inode: m.ino(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = (m, now);
            None
        }
    }
}

/// A file the build cache knows unchanged, not read yet.
#[derive(Debug)]
struct Lazy {
    /// Where to read it, and its name in messages.
    path: std::path::PathBuf,
    rel: String,
    recorded: Known,
    /// Set when the file read later is not the one recorded.
    changed: std::sync::atomic::AtomicBool,
}

impl Lazy {
    /// The whole text, as recorded; the head alone (and `changed` set) when the file is not
    /// that text any more.
    fn read(&self) -> String {
        let text = std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| frontmatter::decode_owned(&self.rel, bytes).ok());
        match text {
            Some(text) if blake3::hash(text.as_bytes()) == self.recorded.hash => text,
            _ => {
                self.changed
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                self.recorded.head.clone()
            }
        }
    }
}

/// The hash of the text stands for it (a text not read is not read for this).
impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Text").field(&self.hash().to_hex()).finish()
    }
}

impl Text {
    /// A text read from its file (`stamp`: the file as it was just before).
    pub(crate) fn read(text: String, stamp: Option<FileStamp>) -> Text {
        Text {
            whole: std::sync::OnceLock::from(text),
            hashed: std::sync::OnceLock::new(),
            stamp,
            known: None,
        }
    }

    /// The text of the file at `path` (`rel` in messages), which the build cache knows
    /// unchanged: what it `recorded`, the rest not read yet.
    pub(crate) fn unread(path: std::path::PathBuf, rel: String, recorded: Known) -> Text {
        Text {
            whole: std::sync::OnceLock::new(),
            hashed: std::sync::OnceLock::from(recorded.hash),
            stamp: recorded.stamp,
            known: Some(std::sync::Arc::new(Lazy {
                path,
                rel,
                recorded,
                changed: std::sync::atomic::AtomicBool::new(false),
            })),
        }
    }

    /// The whole text, read now if it was not.
    pub(crate) fn get(&self) -> &str {
        self.whole.get_or_init(|| match &self.known {
            Some(lazy) => lazy.read(),
            None => String::new(),
        })
    }

    /// The text as far as parsing the front matter needs: the recorded head when the text was
    /// not read.
    pub(crate) fn head(&self) -> &str {
        match (self.whole.get(), &self.known) {
            (None, Some(lazy)) => &lazy.recorded.head,
            _ => self.get(),
        }
    }

    /// The hash of the whole text (the recorded one when it was not read).
    pub(crate) fn hash(&self) -> blake3::Hash {
        *self
            .hashed
            .get_or_init(|| blake3::hash(self.get().as_bytes()))
    }

    /// What the build cache recorded of it, when it was not read with its file.
    pub(crate) fn known(&self) -> Option<&Known> {
        self.known.as_deref().map(|l| &l.recorded)
    }

    /// Whether the file, read after the cache said it was unchanged, turned out to have
    /// changed: the build that used it must not publish.
    pub(crate) fn changed(&self) -> bool {
        self.known
            .as_ref()
            .is_some_and(|l| l.changed.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// The text cut at `end` (a step's `actions` section): read, with no stamp of its own.
    pub(crate) fn truncated(&self, end: usize) -> Text {
        let text = self.get();
        let end = (0..=end.min(text.len()))
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        Text::read(text[..end].to_string(), None)
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

    /// What its address in `lang` shows, for messages: the file shown there (`` `content/…` ``),
    /// or the index of its section when no file stands behind it.
    pub(crate) fn shown_file(&self, lang: &str, site_langs: &[String]) -> String {
        self.shown(lang, site_langs).map_or_else(
            || format!("the index of section `{}`", self.key.section),
            |(_, t)| format!("`{}`", t.file),
        )
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A text not read, recorded as `recorded`.
    fn unread(path: &std::path::Path, recorded: &str) -> Text {
        let known = Known::unstamped(
            "+++\ntitle = \"A\"\n+++\n",
            blake3::hash(recorded.as_bytes()),
        );
        Text::unread(path.to_path_buf(), "content/a.fr.md".into(), known)
    }

    #[test]
    fn a_text_not_read_is_read_when_asked_and_must_be_the_recorded_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.fr.md");
        let text = "+++\ntitle = \"A\"\n+++\nThe body.\n";
        std::fs::write(&path, text).unwrap();
        let same = unread(&path, text);
        assert_eq!(same.head(), "+++\ntitle = \"A\"\n+++\n");
        assert_eq!(same.hash(), blake3::hash(text.as_bytes()));
        assert_eq!(same.get(), text);
        assert!(!same.changed());
        // Changed since it was recorded: the head only, and the build is told.
        let other = unread(&path, "+++\ntitle = \"A\"\n+++\nAnother body.\n");
        assert_eq!(other.get(), "+++\ntitle = \"A\"\n+++\n");
        assert!(other.changed());
        // Gone: likewise.
        std::fs::remove_file(&path).unwrap();
        let gone = unread(&path, text);
        assert_eq!(gone.get(), "+++\ntitle = \"A\"\n+++\n");
        assert!(gone.changed());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_changed_in_the_last_two_seconds_has_no_stamp_yet() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.fr.md");
        std::fs::write(&path, "text").unwrap();
        let m = std::fs::metadata(&path).unwrap();
        let now = std::time::SystemTime::now();
        assert_eq!(FileStamp::of(&m, now), None);
        let later = now + std::time::Duration::from_secs(3);
        let stamp = FileStamp::of(&m, later).expect("settled");
        assert_eq!(stamp.len, 4);
        // A folder has none.
        let folder = std::fs::metadata(dir.path()).unwrap();
        assert_eq!(FileStamp::of(&folder, later), None);
    }
}
