//! The build cache's keys, which decide what a build may reuse: the hash of the executable,
//! the *site key* (everything every page shows: the binary, the settings, the site's
//! orderings, every page's front matter and address, the media and the theme's files) and each
//! page's *input key* (the site key and the texts and dates of the page's own files).

use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::cache::MAGIC;
use crate::content::discover::DIAGNOSTIC_SECTION;
use crate::content::model::{Key, Site};

/// The hash of the running executable's bytes, streamed (it is megabytes); `None` when it
/// cannot read itself: no build cache then.
pub(crate) fn binary() -> Option<blake3::Hash> {
    let exe = std::fs::File::open(std::env::current_exe().ok()?).ok()?;
    let mut binary = blake3::Hasher::new();
    binary.update_reader(exe).ok()?;
    Some(binary.finalize())
}

/// Everything a content page shows besides its own files' text: the binary, the settings,
/// the theme, every page's front matter and address, the media, the glossary and the
/// decision tree (whose texts every page, or the diagnostic's pages, depend on).
pub(super) fn site_key(root: &Path, site: &Site, binary: blake3::Hash) -> Option<blake3::Hash> {
    // Four parts hashed at once.
    let ((orderings, entries), (media, theme)) = rayon::join(
        || rayon::join(|| orderings_key(site), || entries_key(site)),
        || rayon::join(|| media_key(site), || theme_key(root, site)),
    );
    let mut h = blake3::Hasher::new();
    h.update(MAGIC);
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(binary.as_bytes());
    for part in [orderings, entries, media, theme?] {
        h.update(part.as_bytes());
    }
    Some(h.finalize())
}

/// The settings, the site's orderings and relations, the glossary and the decision tree.
fn orderings_key(site: &Site) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    debug(&mut h, "settings", &site.settings);
    debug(&mut h, "languages", &site.languages);
    debug(&mut h, "synthetic titles", &site.synthetic_titles);
    debug(&mut h, "steps", &site.steps);
    debug(&mut h, "obstacles", &site.obstacles);
    debug(&mut h, "addressed by", &site.addressed_by);
    debug(&mut h, "generated", &site.generated);
    debug(&mut h, "glossary", &site.glossary);
    for f in &site.diagnostic_files {
        debug(&mut h, "decision tree", &(&f.rel, &f.lang));
        h.update(&f.bytes);
    }
    h.finalize()
}

/// Every page's fields, addresses and front matter (the whole text of the glossary's and the
/// decision tree's pages): each entry hashed apart, in parallel, then in order.
fn entries_key(site: &Site) -> blake3::Hash {
    let glossary = crate::content::glossary::key();
    let entries: Vec<blake3::Hash> = site
        .entries
        .par_iter()
        .map(|(key, e)| {
            let mut fields = Fields::default();
            std::hash::Hash::hash(
                &(
                    key,
                    &e.kind,
                    e.weight,
                    e.priority,
                    e.order,
                    &e.addresses,
                    &e.sources,
                    &e.renamed_from,
                    &e.urls,
                ),
                &mut fields,
            );
            for (lang, t) in &e.translations {
                // The front matter as written stands for the fields parsed from it (parsing
                // is the binary's, which the key covers).
                std::hash::Hash::hash(&(lang, &t.file, &t.format), &mut fields);
                let front = t.front_offset..t.front_offset + t.front_len;
                fields.bytes(t.text.head().get(front).unwrap_or_default().as_bytes());
                if key.section == DIAGNOSTIC_SECTION || *key == glossary {
                    fields.bytes(t.text().as_bytes());
                }
            }
            blake3::hash(&fields.0)
        })
        .collect();
    let mut h = blake3::Hasher::new();
    for e in &entries {
        h.update(e.as_bytes());
    }
    h.finalize()
}

/// The pictures and attachments: path, kind, size and bytes.
fn media_key(site: &Site) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    for (path, m) in &site.media {
        h.update(format!("\nmedia {path} {:?} {}", m.kind, m.bytes.len()).as_bytes());
        h.update(blake3::hash(&m.bytes).as_bytes());
    }
    h.finalize()
}

/// The theme's files, path and bytes; `None` when one cannot be read.
fn theme_key(root: &Path, site: &Site) -> Option<blake3::Hash> {
    let mut h = blake3::Hasher::new();
    let theme = root.join("themes").join(&site.settings.theme);
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&theme)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    files.sort();
    for f in files {
        h.update(format!("\ntheme {}", f.strip_prefix(&theme).ok()?.display()).as_bytes());
        h.update(blake3::hash(&std::fs::read(&f).ok()?).as_bytes());
    }
    Some(h.finalize())
}

/// The bytes of one page's fields, as the standard library's `Hash` feeds them to a hasher
/// (a length before every sequence, a terminator after every string: two different values
/// never give the same bytes), then hashed with blake3 at once. Those bytes are the same for
/// the same values in one binary, which the site key covers; formatting the fields with
/// `Debug` instead was three times the work over 10,000 pages.
#[derive(Default)]
struct Fields(Vec<u8>);

impl Fields {
    /// Bytes of variable length, with their length first.
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.0.extend_from_slice(b);
    }
}

impl std::hash::Hasher for Fields {
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    /// Never asked for: the bytes are hashed with blake3.
    fn finish(&self) -> u64 {
        0
    }
}

/// Hashes `label` and the `Debug` text of `value`, written into the hasher a few kilobytes at
/// a time (no string of the whole is made: some hold every address of the site).
fn debug(h: &mut blake3::Hasher, label: &str, value: &dyn std::fmt::Debug) {
    struct Hashing<'a> {
        h: &'a mut blake3::Hasher,
        buf: String,
    }
    impl std::fmt::Write for Hashing<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.buf.push_str(s);
            if self.buf.len() >= 16 * 1024 {
                self.h.update(self.buf.as_bytes());
                self.buf.clear();
            }
            Ok(())
        }
    }
    let mut w = Hashing {
        h,
        buf: String::with_capacity(17 * 1024),
    };
    let _ = std::fmt::Write::write_fmt(&mut w, format_args!("\n{label}: {value:?}"));
    w.h.update(w.buf.as_bytes());
}

/// The page's files in every language (a page shows another language's text for want of its
/// own, and its stale notice compares with the source's text): hashed once per page.
pub(super) fn texts_key(
    site: &Site,
    key: &Key,
    texts: &HashMap<String, blake3::Hash>,
) -> blake3::Hash {
    let mut fields = Fields::default();
    for (l, t) in &site.entry(key).translations {
        std::hash::Hash::hash(&(l, &t.file, &t.updated), &mut fields);
        let text = texts
            .get(t.file.as_str())
            .copied()
            .unwrap_or_else(|| t.text.hash());
        fields.0.extend_from_slice(text.as_bytes());
    }
    blake3::hash(&fields.0)
}

/// The site key plus the page's `texts_key`, for one language.
pub(super) fn input_key(
    site_key: &blake3::Hash,
    texts: &blake3::Hash,
    key: &Key,
    lang: &str,
) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update(site_key.as_bytes());
    h.update(format!("{key:?} {lang}").as_bytes());
    h.update(texts.as_bytes());
    h.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::{load, BuildOptions, LedgerMode};

    fn repository_site() -> Site {
        let opts = BuildOptions {
            root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            base_url: None,
            ledger: LedgerMode::Report,
            cache: false,
        };
        match load(&opts) {
            Ok(loaded) => loaded.site,
            Err(_) => panic!("the repository's content does not load"),
        }
    }

    /// The same site gives the same key; any field of any page, or its front matter as
    /// written, gives another.
    #[test]
    fn every_page_field_and_front_matter_is_in_the_entries_key() {
        let mut site = repository_site();
        let key = entries_key(&site);
        assert_eq!(entries_key(&site), key);
        let page = site.entries.keys().nth(3).unwrap().clone();
        let changes: [&dyn Fn(&mut crate::content::model::Entry); 6] = [
            &|e| e.weight = Some(e.weight.unwrap_or(0) + 1),
            &|e| e.addresses.push("x".into()),
            // A string moved from one list to the next: the same characters, in another place.
            &|e| {
                let moved = e.addresses.pop().unwrap_or_default();
                e.sources.insert(0, moved)
            },
            &|e| e.renamed_from = Some(Key::new("steps", "elsewhere")),
            &|e| {
                e.urls.insert("xx".into(), "xx/".into());
            },
            &|e| {
                let t = e.translations.values_mut().next().unwrap();
                t.front_len -= 1;
            },
        ];
        let mut seen = vec![key];
        for change in changes {
            change(site.entries.get_mut(&page).unwrap());
            let k = entries_key(&site);
            assert!(
                !seen.contains(&k),
                "a change left the key as it was: {page:?}"
            );
            seen.push(k);
        }
    }
}
