//! The build cache's second file (`.playbook-cache/build/derived`): what the files made from
//! every page need, so that a one-page edit redoes only that page's share of them.
//!
//! - Per language, the search index (`render::search::Index`: the page order and every word's
//!   postings), the hash of each page's search line and of what orders it (title and
//!   address), and the hash and stamp of each search page file as published. A build whose
//!   lines differ from the kept ones in a few pages, with the same titles and addresses,
//!   updates the kept index for those pages (as watch mode does: the same bytes as a fresh
//!   index), writes the manifest, the term chunks and the page files holding those pages, and
//!   hard-links the other page files from the output folder (one that no longer holds the
//!   recorded bytes is written again); anything else and the index is built whole. A page the
//!   cache published again comes without its search line (`pages` keeps its hash only): the
//!   line is made again, by rendering the body, only for a page file that must be written.
//! - The print view's bodies, each with the input key of its page: used only when that key is
//!   this build's.
//! - The translations' records of their sources (`content::translations::source_hash`) with
//!   the hash of each source's text: worked out again only for a text that changed.
//! - The generated pages made from the site alone (root, 404, matrix, all pages, search page,
//!   sitemap, robots.txt) as published: the file carries the site key, so they are published
//!   again as they are when the output still holds them all untouched.
//!
//! Like `pages`, the file carries the site key and a checksum, is written beside the old one
//! once the generated files are made, and is put in place only when the build succeeded.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use super::cache::{poisoned, Saved};
use super::codec::{Reader, Writer};
use crate::content::model::{Key, Site, Translation};
use crate::content::translations::{self, Record};
use crate::output::{Files, Stamp};
use crate::render::bodies::{render_body, Bodies};
use crate::render::markdown::Tools;
use crate::render::print::{Memo, MemoKey};
use crate::render::search::{self, index_folder, search_entry, Index};

const MAGIC: &[u8] = b"playbook build cache: derived\n";
const VERSION: u64 = 4;

/// One language's search index as a build left it.
pub(super) struct Kept {
    index: Index,
    /// Per position: the hash of the page's line, and of its order key.
    lines: Vec<blake3::Hash>,
    orders: Vec<blake3::Hash>,
    /// The page files as published: path → hash and stamp (empty until saved).
    files: HashMap<String, (blake3::Hash, Stamp)>,
}

/// What the last build left for the generated files, and what this one makes.
pub(super) struct Derived {
    file: PathBuf,
    site: blake3::Hash,
    /// The last build's indexes, taken as the languages are indexed.
    kept: Mutex<HashMap<String, Kept>>,
    /// This build's indexes, to be saved.
    made: Mutex<BTreeMap<String, Kept>>,
    /// The print bodies still valid; the print view adds those it renders.
    pub(super) print: Memo,
    /// The generated pages made from the site alone, as the last build published them.
    site_pages: Vec<(String, blake3::Hash, Stamp)>,
    /// This build's.
    made_site_pages: Mutex<Vec<String>>,
    /// The translations' records of their sources by file (current and legacy), with the hash
    /// of the file's text.
    sources: HashMap<String, (blake3::Hash, Records)>,
    /// This build's.
    made_sources: Mutex<Vec<(String, blake3::Hash, Records)>>,
}

/// A source's two records (`translations::Record`), current and legacy.
type Records = [String; 2];

/// The input keys of this build's pages.
type Inputs = rustc_hash::FxHashMap<(Key, String), blake3::Hash>;

/// What the file holds, whatever site key it was made for: the indexes, the print bodies
/// with the input key of their page, the generated pages made from the site alone, the
/// sources' records.
type Held = (
    HashMap<String, Kept>,
    HashMap<MemoKey, (blake3::Hash, String)>,
    Vec<(String, blake3::Hash, Stamp)>,
    HashMap<String, (blake3::Hash, Records)>,
);

/// The file as read, with the site key it was made for (`None`: missing, unreadable,
/// corrupt or of another version).
pub(super) type Read = Option<(blake3::Hash, Held)>;

/// The bytes of the file in `dir`.
pub(super) fn bytes(dir: &Path) -> Option<Vec<u8>> {
    std::fs::read(dir.join("derived")).ok()
}

/// What the file's `bytes` hold, decoded before this build's keys are known.
pub(super) fn read(bytes: &[u8]) -> Read {
    decode(bytes).ok()
}

/// What the file's `bytes` hold, when they were made for `site_key` (decoded only then).
pub(super) fn read_for(bytes: &[u8], site_key: blake3::Hash) -> Read {
    (Reader::file_key(bytes, MAGIC, VERSION)? == site_key).then(|| read(bytes))?
}

impl Derived {
    /// What `file`, read from `dir`, holds for this site (nothing when it is missing,
    /// unreadable or made for other settings, theme or binary): the print bodies whose page's
    /// input key is still the one in `inputs`.
    pub(super) fn open(dir: &Path, site: blake3::Hash, inputs: &Inputs, file: Read) -> Derived {
        let (kept, print, site_pages, sources) = file
            .filter(|(key, _)| *key == site)
            .map(|(_, held)| held)
            .unwrap_or_default();
        let print = print
            .into_iter()
            .filter_map(|((key, lang, intro), (input, html))| {
                let k = (key, lang);
                (inputs.get(&k) == Some(&input)).then_some(((k.0, k.1, intro), html))
            })
            .collect();
        Derived {
            file: dir.join("derived"),
            site,
            kept: Mutex::new(kept),
            made: Mutex::new(BTreeMap::new()),
            print: Memo::new(print),
            site_pages,
            made_site_pages: Mutex::default(),
            sources,
            made_sources: Mutex::default(),
        }
    }

    /// The record of `t` as a source, whose text hashes to `text`: the kept one when the text
    /// is the same, else worked out (both kinds, kept for the next build).
    pub(super) fn source_record(
        &self,
        t: &Translation,
        text: Option<blake3::Hash>,
        which: Record,
    ) -> String {
        let Some(text) = text else {
            return translations::record(t, which);
        };
        let records = match self.sources.get(&t.file) {
            Some((hash, records)) if *hash == text => records.clone(),
            _ => [Record::Current, Record::Legacy].map(|r| translations::record(t, r)),
        };
        let record = records[which as usize].clone();
        if let Ok(mut made) = self.made_sources.lock() {
            made.push((t.file.clone(), text, records));
        }
        record
    }

    /// Publishes again the generated pages made from the site alone (its key is this build's),
    /// when the output folder holds them all as the last build published them; their paths.
    pub(super) fn reuse_site_pages(&self, files: &Files) -> Option<Vec<String>> {
        if self.site_pages.is_empty() {
            return None;
        }
        for (path, hash, stamp) in &self.site_pages {
            files.reuse(path, *hash, *stamp)?;
        }
        Some(self.site_pages.iter().map(|(p, _, _)| p.clone()).collect())
    }

    /// This build's generated pages made from the site alone, to be saved.
    pub(super) fn made_site_pages(&self, paths: Vec<String>) {
        if let Ok(mut made) = self.made_site_pages.lock() {
            *made = paths;
        }
    }

    /// Writes the search index of `lang` into `files`: the kept one updated when only a few
    /// pages' text changed (the other page files reused from the output folder), else a new
    /// one; either is kept for `save`. A page the build cache published again comes without
    /// its search line (`reused` gives the line's hash): the line is made again only where a
    /// file needs it.
    pub(super) fn write_index(
        &self,
        site: &Site,
        lang: &str,
        (bodies, tools): (&Bodies, &Tools),
        files: &Files,
        reused: &(dyn Fn(&Key) -> Option<blake3::Hash> + Sync),
    ) {
        let keys: Vec<&Key> = site.entries.keys().collect();
        let mut lines = Lines {
            lines: search::lines(site, lang, bodies),
            hashes: Vec::new(),
            missing: Vec::new(),
        };
        let known: Vec<Option<blake3::Hash>> = keys.par_iter().map(|k| reused(k)).collect();
        lines.hashes = lines
            .lines
            .par_iter()
            .zip(&known)
            .map(|(l, k)| k.unwrap_or_else(|| blake3::hash(l.as_bytes())))
            .collect();
        lines.missing = known.iter().map(Option::is_some).collect();
        let fill =
            |lines: &mut Lines, wanted: &[usize]| lines.fill(wanted, site, lang, tools, &keys);
        let kept = self.kept.lock().ok().and_then(|mut k| k.remove(lang));
        // The kept index updated (with the positions whose files are written), or a new one.
        let (index, orders, positions) = kept
            .and_then(|k| update(k, &mut lines, files, &fill))
            .map(|(index, orders, positions)| (index, orders, Some(positions)))
            .unwrap_or_else(|| {
                let all: Vec<usize> = (0..keys.len()).collect();
                fill(&mut lines, &all);
                let index = Index::build(&index_folder(lang), &lines.lines);
                let orders = lines
                    .lines
                    .par_iter()
                    .map(|l| blake3::hash(Index::order_key(l).as_bytes()))
                    .collect();
                (index, orders, None)
            });
        for (path, bytes) in index.files(&lines.lines, positions.as_deref()) {
            files.put(path, bytes);
        }
        let made = Kept {
            index,
            lines: lines.hashes,
            orders,
            files: HashMap::new(),
        };
        if let Ok(mut m) = self.made.lock() {
            m.insert(lang.to_string(), made);
        }
    }

    /// Writes this build's indexes and print bodies beside the file in place (`Saved::keep`
    /// puts it there).
    pub(super) fn save(&self, inputs: &Inputs, files: &Files) -> std::io::Result<Saved> {
        // Written as it is encoded, not built whole first: the file is tens of megabytes on a
        // large site, and a buffer grown to that size was an eighth of a rebuild's page faults.
        let (mut out, saved) = Saved::stream(&self.file)?;
        out.w.buf.extend_from_slice(MAGIC);
        out.w.u64(VERSION);
        out.w.hash(&self.site);
        let print: Vec<(MemoKey, String)> = self.print.take().into_iter().collect();
        let print: Vec<(&MemoKey, &String, &blake3::Hash)> = print
            .iter()
            .filter_map(|(k, html)| Some((k, html, inputs.get(&(k.0.clone(), k.1.clone()))?)))
            .collect();
        out.w.u64(print.len() as u64);
        for ((key, lang, intro), html, input) in print {
            out.w.key(key);
            out.w.str(lang);
            out.w.buf.push(u8::from(*intro));
            out.w.hash(input);
            out.w.str(html);
            out.flush_full()?;
        }
        let site_pages = std::mem::take(&mut *self.made_site_pages.lock().map_err(|_| poisoned())?);
        write_published(&mut out.w, files, site_pages);
        let mut sources = std::mem::take(&mut *self.made_sources.lock().map_err(|_| poisoned())?);
        sources.sort_by(|a, b| a.0.cmp(&b.0));
        sources.dedup_by(|a, b| a.0 == b.0);
        out.w.u64(sources.len() as u64);
        for (file, text, [current, legacy]) in &sources {
            out.w.str(file);
            out.w.hash(text);
            out.w.str(current);
            out.w.str(legacy);
            out.flush_full()?;
        }
        let made = std::mem::take(&mut *self.made.lock().map_err(|_| poisoned())?);
        out.w.u64(made.len() as u64);
        for (lang, kept) in &made {
            out.w.str(lang);
            let (order, words) = kept.index.parts();
            let order: Vec<u32> = order.iter().map(|&i| i as u32).collect();
            out.w.u32s(&order);
            for h in kept.lines.iter().chain(&kept.orders) {
                out.w.hash(h);
            }
            out.flush_full()?;
            let words: Vec<(&str, &[u32])> = words.collect();
            out.w.u64(words.len() as u64);
            for (word, postings) in words {
                out.w.str(word);
                out.w.u32s(postings);
                out.flush_full()?;
            }
            let paths: BTreeSet<String> = (0..kept.lines.len())
                .map(|i| kept.index.page_path(i))
                .collect();
            write_published(&mut out.w, files, paths);
            out.flush_full()?;
        }
        // No fsync: a file cut short by a crash fails its checksum and is ignored.
        out.finish()?;
        Ok(saved)
    }
}

/// Writes each of `paths` this build published, with its hash and stamp (the others are left
/// out: the next build renders them).
fn write_published(w: &mut Writer, files: &Files, paths: impl IntoIterator<Item = String>) {
    let published: Vec<(String, blake3::Hash, Stamp)> = paths
        .into_iter()
        .filter_map(|p| {
            let (hash, stamp) = (files.hash(&p)?, files.stamp(&p)?);
            Some((p, hash, stamp))
        })
        .collect();
    w.u64(published.len() as u64);
    for (path, hash, stamp) in &published {
        w.str(path);
        w.hash(hash);
        w.stamp(stamp);
    }
}

/// One language's search lines, with the hash of each; a reused page's line is missing (its
/// hash is known) until `fill` makes it again.
struct Lines<'a> {
    lines: Vec<Cow<'a, str>>,
    hashes: Vec<blake3::Hash>,
    missing: Vec<bool>,
}

impl Lines<'_> {
    /// Makes the missing lines at `wanted` (the page's body rendered again, in parallel);
    /// false when one does not hash as recorded (its hash is then the new line's).
    fn fill(
        &mut self,
        wanted: &[usize],
        site: &Site,
        lang: &str,
        tools: &Tools,
        keys: &[&Key],
    ) -> bool {
        let todo: Vec<usize> = wanted
            .iter()
            .copied()
            .filter(|&i| self.missing[i])
            .collect();
        let made: Vec<String> = todo
            .par_iter()
            .map(|&i| match render_body(site, tools, keys[i], lang) {
                Some((_, _, _, line)) => line,
                None => search_entry(site, keys[i], lang, ""),
            })
            .collect();
        let mut same = true;
        for (i, line) in todo.into_iter().zip(made) {
            let hash = blake3::hash(line.as_bytes());
            same &= hash == self.hashes[i];
            self.hashes[i] = hash;
            self.lines[i] = Cow::Owned(line);
            self.missing[i] = false;
        }
        same
    }
}

/// The kept index brought up to date with `lines`, with the order keys and the positions
/// whose page files must be written (the others are reused from the output folder);
/// `None` when it cannot be: another number of pages, a changed title or address (pages
/// would be numbered anew), so many changed pages that indexing them all is as quick, or a
/// line made again that is not the one recorded.
fn update(
    mut kept: Kept,
    lines: &mut Lines,
    files: &Files,
    fill: &dyn Fn(&mut Lines, &[usize]) -> bool,
) -> Option<(Index, Vec<blake3::Hash>, Vec<usize>)> {
    let n = lines.lines.len();
    if kept.index.len() != n || kept.lines.len() != n {
        return None;
    }
    let changed: Vec<usize> = (0..n)
        .filter(|&i| kept.lines[i] != lines.hashes[i])
        .collect();
    if changed.len() > n / 8 + 1 || !fill(lines, &changed) {
        return None;
    }
    for &i in &changed {
        let order = blake3::hash(Index::order_key(&lines.lines[i]).as_bytes());
        if order != kept.orders[i] {
            return None;
        }
    }
    // Page files hold several pages: a file is written when it holds a changed page, or when
    // the published one is not as recorded; the others are reused.
    let mut by_file: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        by_file.entry(kept.index.page_path(i)).or_default().push(i);
    }
    let changed_files: BTreeSet<String> =
        changed.iter().map(|&i| kept.index.page_path(i)).collect();
    let mut positions = Vec::new();
    for (path, held) in by_file {
        let reused = !changed_files.contains(&path)
            && kept
                .files
                .get(&path)
                .is_some_and(|&(hash, stamp)| files.reuse(&path, hash, stamp).is_some());
        if !reused {
            positions.extend(held);
        }
    }
    if !fill(lines, &positions) {
        return None;
    }
    for &i in &changed {
        kept.index.update(i, &lines.lines[i]);
    }
    Some((kept.index, kept.orders, positions))
}

/// What a derived file holds, when it is whole: the site key it was made for, and `Held`.
fn decode(bytes: &[u8]) -> Result<(blake3::Hash, Held), ()> {
    let mut r = Reader::open(bytes, MAGIC, VERSION)?;
    let site_key = r.hash()?;
    let mut print = HashMap::new();
    for _ in 0..r.count()? {
        let key = r.key()?;
        let lang = r.string()?;
        let intro = match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(()),
        };
        let input = r.hash()?;
        let html = r.string()?;
        print.insert((key, lang, intro), (input, html));
    }
    let site_pages = r.published()?;
    let mut sources = HashMap::new();
    for _ in 0..r.count()? {
        sources.insert(r.string()?, (r.hash()?, [r.string()?, r.string()?]));
    }
    let mut kept = HashMap::new();
    for _ in 0..r.count()? {
        let lang = r.string()?;
        let order: Vec<usize> = r.u32s()?.into_iter().map(|i| i as usize).collect();
        let n = order.len();
        let mut hashes = Vec::with_capacity(2 * n);
        for _ in 0..2 * n {
            hashes.push(r.hash()?);
        }
        let orders = hashes.split_off(n);
        let mut words = Vec::new();
        for _ in 0..r.count()? {
            words.push((r.string()?.into_boxed_str(), r.u32s()?));
        }
        let index = Index::from_parts(&index_folder(&lang), order, words).ok_or(())?;
        let files = r
            .published()?
            .into_iter()
            .map(|(path, hash, stamp)| (path, (hash, stamp)))
            .collect();
        kept.insert(
            lang,
            Kept {
                index,
                lines: hashes,
                orders,
                files,
            },
        );
    }
    if !r.rest.is_empty() {
        return Err(());
    }
    Ok((site_key, (kept, print, site_pages, sources)))
}
