//! The build cache (`.playbook-cache/build/pages`): what `playbook build` needs to publish a
//! content page again without rendering it — the page's published file (its hash and stamp)
//! and what its body left behind (headings, links to check, warnings, the hash of its search
//! line; `derived.rs` keeps what the generated files need, in a second file) — keyed so
//! that nothing stale is ever used (`keys.rs` works the keys out). The *site key* covers the
//! binary (its version and the hash of the executable), the settings, the theme's files,
//! every page's front matter and address, the media, the glossary and the decision tree: any
//! change there and the cache is ignored. A page's *input key* adds the texts and dates of
//! its files in every language. A page is reused only when its input key matches and the
//! output folder still holds the file the cache describes, untouched (`output::Stamp`); the
//! file is then hard-linked into the new site. A cache that is missing, truncated, corrupt
//! (a checksum covers the whole file), of another version or another site is ignored and
//! rewritten after the build. The cache never changes what is published: a build with it is
//! byte-identical to one without (tested through the binary). Beside it, `sources.rs` records
//! the content files themselves, so that the next build reads only those that changed.

// FxHash: the keys are the site's own page ids, and SipHash's flooding resistance buys nothing.
use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use super::codec::{Reader, Stream, Writer};
use super::derived::{self, Derived};
use super::keys::{input_key, site_key, texts_key};
use crate::content::discover::DIAGNOSTIC_SECTION;
use crate::content::model::{Key, Site, Translation};
use crate::content::translations::Record;
use crate::output::{Files, Stamp};
use crate::render::bodies::{Bodies, BodyJob};
use crate::render::media::resize::CACHE_DIR;

pub(super) const MAGIC: &[u8] = b"playbook build cache\n";
const VERSION: u64 = 2;

/// The cache of one build: what the last one left, and the keys of this one.
pub(crate) struct Cache {
    file: PathBuf,
    /// The hash of the executable.
    binary: blake3::Hash,
    site: blake3::Hash,
    /// This build's input key of every cacheable page.
    inputs: HashMap<(Key, String), blake3::Hash>,
    /// What the last build left, a slot per page (each locked only by the thread reusing it).
    cached: HashMap<(Key, String), Mutex<Slot>>,
    /// The bytes of the file it came from: the new file copies the records of the pages
    /// published again exactly as recorded.
    old: Vec<u8>,
    /// The hash of each page file's text, by path.
    texts: HashMap<String, blake3::Hash>,
    /// What it left for the generated files (`derived.rs`).
    pub(super) derived: Derived,
}

/// A page of the last build, and what reusing it left.
#[derive(Default)]
struct Slot {
    /// Taken when the page is reused.
    cached: Option<Cached>,
    /// Where its record is in the old file's bytes, when it was published again as recorded.
    same: Option<std::ops::Range<usize>>,
    /// The hash of its search line, when reused (its body comes without it).
    line: Option<blake3::Hash>,
}

/// One page as the last build published it.
struct Cached {
    input: blake3::Hash,
    path: String,
    hash: blake3::Hash,
    stamp: Stamp,
    /// The body and the hash of its search line.
    job: Option<(BodyJob, blake3::Hash)>,
    /// Where its record is in the file's bytes.
    raw: std::ops::Range<usize>,
}

/// The cache's two files as read before the site is loaded, and decoded then too when the
/// site is likely to be the one they were made for (their keys are checked once it is
/// loaded: `Cache::open`).
pub(crate) struct Stored {
    /// The bytes of `pages` (the records of pages published again as they were are copied
    /// from them into the next file) and of `derived`.
    pages: Option<Vec<u8>>,
    derived: Option<Vec<u8>>,
    decoded: Option<Decoded>,
}

/// The two files decoded, each with the site key it was made for.
struct Decoded {
    pages: Option<(blake3::Hash, Pages)>,
    derived: derived::Read,
}

impl Stored {
    /// Reads the two files of the cache of the site in `root`, and decodes them in parallel
    /// (on threads of their own: the thread pool is the loading site's) when `likely` (asked
    /// once the content files are found) says that the site is probably the one they were
    /// made for. Otherwise they are decoded only once the site key says they are its: a cache
    /// made for another site key is never decoded (its tens of megabytes would stay with the
    /// threads that decoded them).
    pub(crate) fn read(root: &Path, likely: impl FnOnce() -> bool) -> Stored {
        let dir = root.join(CACHE_DIR).join("build");
        crate::output::in_background();
        let pages = std::fs::read(dir.join("pages")).ok();
        let derived = derived::bytes(&dir);
        if !likely() {
            return Stored {
                pages,
                derived,
                decoded: None,
            };
        }
        let decoded = std::thread::scope(|s| {
            let d = s.spawn(|| {
                crate::output::in_background();
                derived.as_deref().and_then(derived::read)
            });
            Decoded {
                pages: pages.as_deref().and_then(|b| read(b).ok()),
                derived: d.join().ok().flatten(),
            }
        });
        Stored {
            pages,
            derived: None,
            decoded: Some(decoded),
        }
    }

    /// The files decoded, when they were made for `site_key`.
    fn decode(&self, site_key: blake3::Hash) -> Decoded {
        let (pages, derived) = rayon::join(
            || {
                let bytes = self.pages.as_deref()?;
                (Reader::file_key(bytes, MAGIC, VERSION)? == site_key)
                    .then(|| read(bytes).ok())
                    .flatten()
            },
            || derived::read_for(self.derived.as_deref()?, site_key),
        );
        Decoded { pages, derived }
    }
}

impl Cache {
    /// The keys of this build and what the cache's `stored` files hold for it (nothing when
    /// they are missing, unreadable or not for this site, theme and `binary`, the hash of the
    /// executable). `None` when the theme's files cannot be read for the key: no cache then.
    pub(crate) fn open(
        root: &Path,
        site: &Site,
        binary: blake3::Hash,
        mut stored: Stored,
    ) -> Option<Cache> {
        let site_key = site_key(root, site, binary)?;
        let keys: Vec<&Key> = site
            .entries
            .keys()
            .filter(|k| k.section != DIAGNOSTIC_SECTION)
            .collect();
        // Every file's text hashed once: for the input keys and the translations' records.
        let texts: HashMap<String, blake3::Hash> = site
            .entries
            .par_iter()
            .flat_map_iter(|(_, e)| e.translations.values())
            .map(|t| (t.file.clone(), t.text.hash()))
            .collect();
        let inputs = keys
            .par_iter()
            .flat_map_iter(|&k| {
                let texts = texts_key(site, k, &texts);
                site.languages.iter().map(move |l| {
                    let input = input_key(&site_key, &texts, k, l);
                    ((k.clone(), l.clone()), input)
                })
            })
            .collect();
        let dir = root.join(CACHE_DIR).join("build");
        let decoded = match stored.decoded.take() {
            Some(decoded) => decoded,
            None => stored.decode(site_key),
        };
        let (cached, old) = match (decoded.pages, stored.pages) {
            (Some((key, pages)), Some(bytes)) if key == site_key => (pages, bytes),
            _ => Default::default(),
        };
        let derived = Derived::open(&dir, site_key, &inputs, decoded.derived);
        Some(Cache {
            file: dir.join("pages"),
            binary,
            site: site_key,
            inputs,
            cached,
            old,
            texts,
            derived,
        })
    }

    /// How many pages the cache holds for this site: none, and the build renders every page.
    pub(crate) fn reusable(&self) -> usize {
        self.cached.len()
    }

    /// The body of page `key` in `lang` when its published file could be reused as it is
    /// (`Some(None)`: a page without a body of its own); `None` when it must be rendered.
    pub(crate) fn reuse(
        &self,
        site: &Site,
        files: &Files,
        key: &Key,
        lang: &str,
    ) -> Option<Option<BodyJob>> {
        let k = (key.clone(), lang.to_string());
        let input = self.inputs.get(&k)?;
        let mut slot = self.cached.get(&k)?.lock().ok()?;
        let cached = slot.cached.take()?;
        let path = format!("{}index.html", site.url(key, lang));
        if cached.input != *input || cached.path != path {
            return None;
        }
        let now = files.reuse(&path, cached.hash, cached.stamp)?;
        // Its record is the same as long as its file is (a copy restored by a CI cache has
        // another stamp).
        if now == cached.stamp {
            slot.same = Some(cached.raw);
        }
        Some(cached.job.map(|(job, line)| {
            slot.line = Some(line);
            job
        }))
    }

    /// The hash of the search line of page `key` in `lang` when it was reused: its body then
    /// comes without the line.
    pub(crate) fn reused_line(&self, key: &Key, lang: &str) -> Option<blake3::Hash> {
        self.slot(&(key.clone(), lang.to_string()), |s| s.line)
    }

    /// What `see` reads in the slot of page `k`, if it has one.
    fn slot<T>(&self, k: &(Key, String), see: impl FnOnce(&Slot) -> Option<T>) -> Option<T> {
        see(&*self.cached.get(k)?.lock().ok()?)
    }

    /// Whether the cache's folder exists: a new cache is written while the build goes on
    /// only then (a failed build creates nothing).
    pub(crate) fn has_folder(&self) -> bool {
        self.file.parent().is_some_and(Path::is_dir)
    }

    /// Writes the cache for the build being made (its pages, their bodies, and the files as
    /// staged; the record of the content files) beside the old one; `keep` puts it in place
    /// once the build succeeded (a failed build leaves the old cache as it was).
    pub(crate) fn save(
        &self,
        site: &Site,
        bodies: &Bodies,
        files: &Files,
    ) -> std::io::Result<Saved> {
        let (mut out, saved) = Saved::stream(&self.file)?;
        self.write_pages(&mut out, site, bodies, files)?;
        out.finish()?;
        let dir = self.file.parent().expect("inside the cache folder");
        Ok(saved.and(super::sources::save(dir, &self.binary, site)?))
    }
    /// Encodes the pages into `out`.
    fn write_pages(
        &self,
        out: &mut Stream,
        site: &Site,
        bodies: &Bodies,
        files: &Files,
    ) -> std::io::Result<()> {
        let w = &mut out.w;
        w.buf.extend_from_slice(MAGIC);
        w.u64(VERSION);
        w.buf.extend_from_slice(self.site.as_bytes());
        w.u64(self.inputs.len() as u64);
        let mut keys: Vec<&(Key, String)> = self.inputs.keys().collect();
        keys.sort_unstable();
        for k in keys {
            if let Some(raw) = self
                .slot(k, |s| s.same.clone())
                .and_then(|r| self.old.get(r))
            {
                // A page published again as recorded: the same record. (Debug builds, which
                // the tests run, encode it all the same and compare.)
                if cfg!(debug_assertions) {
                    let mut again = Writer::default();
                    self.write_page(&mut again, k, site, bodies, files);
                    assert_eq!(again.buf, raw, "the record of {k:?} changed");
                }
                out.w.buf.extend_from_slice(raw);
            } else {
                self.write_page(&mut out.w, k, site, bodies, files);
            }
            out.flush_full()?;
        }
        Ok(())
    }

    /// The record of page `k` as this build leaves it.
    fn write_page(
        &self,
        w: &mut Writer,
        k: &(Key, String),
        site: &Site,
        bodies: &Bodies,
        files: &Files,
    ) {
        let path = format!("{}index.html", site.url(&k.0, &k.1));
        let (Some(hash), Some(stamp)) = (files.hash(&path), files.stamp(&path)) else {
            // Not staged (a template error was reported): nothing to reuse.
            w.buf.push(0);
            return;
        };
        w.buf.push(1);
        w.key(&k.0);
        w.str(&k.1);
        w.buf.extend_from_slice(self.inputs[k].as_bytes());
        w.str(&path);
        w.hash(&hash);
        w.stamp(&stamp);
        match bodies.map.get(k) {
            Some(body) => {
                w.buf.push(1);
                let warnings = bodies.warnings.get(k).map_or(&[][..], Vec::as_slice);
                let own = bodies.own.get(k).copied().unwrap_or(true);
                let line = match self.slot(k, |s| s.line) {
                    Some(reused) => reused,
                    None => blake3::hash(bodies.search.get(k).map_or(&[][..], |s| s.as_bytes())),
                };
                w.job((body, warnings, own, &line));
            }
            None => w.buf.push(0),
        }
    }

    /// A record of `t` as a source (`translations::record`): the last build's when the file's
    /// text is the same (the site key covers its front matter).
    pub(crate) fn source_record(&self, t: &Translation, which: Record) -> String {
        self.derived
            .source_record(t, self.texts.get(&t.file).copied(), which)
    }

    /// Writes what the generated files need beside the file in place (once they are made).
    pub(crate) fn save_derived(&self, files: &Files) -> std::io::Result<Saved> {
        self.derived.save(&self.inputs, files)
    }
}

/// The error of a cache file that could not be written because a thread of the build panicked.
pub(super) fn poisoned() -> std::io::Error {
    std::io::Error::other("a thread panicked")
}

/// The new cache files of a build that succeeded, for the caller to put in place with
/// `keep` once it has nothing else to do or beside the publishing of the site (removing the
/// old files frees their blocks: ~10 ms for a 9 MB file, which the site need not wait for).
/// Dropped instead, they are removed and the old files stay.
#[derive(Debug)]
pub(crate) struct NewFiles(std::io::Result<Saved>);

impl NewFiles {
    /// All of `saved` to be put in place together; `None` when there are none.
    pub(super) fn of(saved: impl IntoIterator<Item = std::io::Result<Saved>>) -> Option<NewFiles> {
        saved
            .into_iter()
            .reduce(|all, one| Ok(all?.and(one?)))
            .map(NewFiles)
    }

    /// Puts every new file in place; a failure costs the next build its reuse of this one, so
    /// it is a warning.
    pub(crate) fn keep(self) {
        if let Err(e) = self.0.and_then(Saved::keep) {
            eprintln!("warning: cannot write the build cache in `.playbook-cache/build`: {e}");
        }
    }
}

/// New cache files written beside the old ones (new → old): in place with `keep`, removed
/// when dropped.
#[derive(Debug)]
pub(crate) struct Saved {
    files: Vec<(PathBuf, PathBuf)>,
}

impl Saved {
    /// A new version of the cache file `file`, streamed into a file beside it (its folder
    /// made if need be) that `keep` puts in its place.
    pub(super) fn stream(file: &Path) -> std::io::Result<(Stream, Saved)> {
        let dir = file.parent().expect("inside the cache folder");
        std::fs::create_dir_all(dir)?;
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let tmp = dir.join(format!("{name}.tmp-{}", std::process::id()));
        let saved = Saved {
            files: vec![(tmp.clone(), file.to_path_buf())],
        };
        Ok((Stream::create(&tmp)?, saved))
    }

    /// Both sets of files, put in place together.
    pub(super) fn and(mut self, mut other: Saved) -> Saved {
        self.files.append(&mut other.files);
        self
    }

    /// Removes each old file, then renames the new one into its place: a rename over an
    /// existing file makes ext4 write the new one out at once (its guard against files left
    /// empty by a crash: ~8 ms for each 9 MB file), and a cache file lost in a crash only
    /// costs a full build. The old files go in parallel (freeing their blocks takes a few
    /// milliseconds each), each on a thread of its own: waiting in the kernel, they would hold
    /// up the work pool the publishing of the site runs on.
    fn keep(mut self) -> std::io::Result<()> {
        let files = std::mem::take(&mut self.files);
        let one = |(tmp, file): &(PathBuf, PathBuf)| {
            match std::fs::remove_file(file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            std::fs::rename(tmp, file)
        };
        std::thread::scope(|s| {
            let each: Vec<_> = files.iter().map(|f| s.spawn(move || one(f))).collect();
            each.into_iter()
                .try_for_each(|h| h.join().unwrap_or_else(|_| Err(poisoned())))
        })
    }
}

impl Drop for Saved {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// The pages a cache file holds, when it is whole, and the site key it was made for.
type Pages = HashMap<(Key, String), Mutex<Slot>>;
fn read(bytes: &[u8]) -> Result<(blake3::Hash, Pages), ()> {
    let mut r = Reader::open(bytes, MAGIC, VERSION)?;
    let site_key = r.hash()?;
    let count = r.u64()?;
    // Sized once (a page's record takes well over 64 bytes, so a corrupt count cannot ask
    // for more than the file could hold): grown entry by entry, it moved the records again.
    let mut pages = HashMap::with_capacity_and_hasher(
        (count as usize).min(bytes.len() / 64),
        Default::default(),
    );
    // Where the reader is in `bytes`.
    let at = |r: &Reader| r.rest.as_ptr() as usize - bytes.as_ptr() as usize;
    for _ in 0..count {
        let start = at(&r);
        if r.u8()? == 0 {
            continue;
        }
        let key = r.key()?;
        let lang = r.string()?;
        let input = r.hash()?;
        let path = r.string()?;
        let file_hash = r.hash()?;
        let stamp = r.stamp()?;
        let job = match r.u8()? {
            0 => None,
            1 => Some(r.job()?),
            _ => return Err(()),
        };
        let cached = Cached {
            input,
            path,
            hash: file_hash,
            stamp,
            job,
            raw: start..at(&r),
        };
        pages.insert(
            (key, lang),
            Mutex::new(Slot {
                cached: Some(cached),
                ..Slot::default()
            }),
        );
    }
    if !r.rest.is_empty() {
        return Err(());
    }
    Ok((site_key, pages))
}
