//! Incremental rebuilds for watch mode. A `Session` keeps the last good site in memory: the
//! assembled `Site`, its rendered bodies and the hashes of its files (their bytes too for the
//! preview server, which serves from memory). A full build streams its files into a staging
//! folder beside the output, which the caller publishes. When the only changes are to the
//! text of existing pages — front matter identical, so no title, summary, URL or relation
//! moved — it re-renders just those pages in every language (a translation's stale notice
//! depends on its source), re-checks the anchors that point into or out of them and their
//! links to site paths, rebuilds the search indexes, print views and checklists, and reports
//! which files changed. Anything else (the glossary page included: every page links to its
//! terms; a picture or attachment added or changed) falls back to the full pipeline, which
//! finds resized pictures in their cache. The result is byte-identical to a full build (tested).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::build::{build_parts, BuildOptions, Loaded, Rendered};
use crate::content::discover::DIAGNOSTIC_SECTION;
use crate::content::frontmatter;
use crate::content::kinds::Kind;
use crate::content::ledger::update::Update as LedgerUpdate;
use crate::content::model::{Key, Text};
use crate::content::translations::{self, Status};
use crate::errors::{Diagnostics, Failure, Fatal};
use crate::output::{Files, Manifest, Output, MARKER};
use crate::render::bodies::{check_anchors, check_site_paths, render_bodies, Bodies};
use crate::render::checklist::{checklist_page, in_checklist};
use crate::render::highlight::Highlighter;
use crate::render::markdown::Tools;
use crate::render::media::Catalog;
use crate::render::pages::render_pages;
use crate::render::print::{in_print_view, print_page};
use crate::render::search::{index_folder, live_index, update_index, Index};

/// A page made of several pages' bodies (the print view, the checklist).
type PageFn = fn(
    &crate::content::model::Site,
    &crate::render::theme::Theme,
    &str,
    &Tools,
) -> Result<(String, Vec<u8>), Diagnostics>;

/// The last good build.
struct State {
    loaded: Loaded,
    bodies: Bodies,
    /// Every published file's hash.
    files: Manifest,
    /// Every published file's bytes, when the session keeps them (else empty).
    bytes: Output,
    /// The URL ledger after the last full build (text changes never move an address).
    ledger: Option<LedgerUpdate>,
    /// Pages per language (text changes never add one).
    pages: BTreeMap<String, usize>,
    /// The published pictures and attachments, which re-rendered bodies show.
    media: Catalog,
    /// Missing and stale translations by (language, page): an edit redoes its page's only.
    translations: BTreeMap<(String, Key), Status>,
    /// The search index of each language, made at the first edit and updated at each next
    /// one (the edited pages' words only).
    search: BTreeMap<String, Index>,
}

impl State {
    fn new(loaded: Loaded, rendered: Rendered, files: Manifest, bytes: Output) -> State {
        let mut translations = BTreeMap::new();
        let site = &loaded.site;
        for lang in &site.languages[1..] {
            for (key, entry) in &site.entries {
                if let Some(s) = translations::status(site, entry, lang) {
                    translations.insert((lang.clone(), key.clone()), s);
                }
            }
        }
        State {
            loaded,
            bodies: rendered.bodies,
            files,
            bytes,
            ledger: rendered.ledger,
            pages: rendered.pages,
            media: rendered.media,
            translations,
            search: BTreeMap::new(),
        }
    }

    /// The warnings of the last good build: the site's, and its bodies' as they are now.
    fn warnings(&self) -> Diagnostics {
        let mut all = self.loaded.warnings.clone();
        all.extend(self.bodies.warnings());
        all
    }

    /// The status line of the translations, if any needs work.
    fn translation_summary(&self) -> Option<String> {
        translations::summary(self.translations.values())
    }
}

/// What a rebuild did.
pub(crate) struct Update<'a> {
    /// The whole site's bytes, when the session keeps them (else empty).
    pub(crate) output: &'a Output,
    pub(crate) pages: BTreeMap<String, usize>,
    pub(crate) warnings: Diagnostics,
    /// What to publish.
    pub(crate) publish: Publish,
    /// After a full build of a site that keeps a URL ledger: the ledger to record.
    pub(crate) ledger: Option<&'a LedgerUpdate>,
    pub(crate) millis: u128,
    /// `2 translations stale, 1 missing — …` when translations need work.
    pub(crate) translations: Option<String>,
}

/// What a rebuild leaves to publish.
pub(crate) enum Publish {
    /// A full build: the whole site, staged beside the output folder.
    All(Box<Files>),
    /// The files that changed, to write into the output folder one by one.
    Changed(Vec<(String, Vec<u8>)>),
}

pub(crate) struct Session {
    opts: BuildOptions,
    root: PathBuf,
    out_dir: PathBuf,
    /// Keep the site's bytes in memory (the preview server serves them).
    keep_bytes: bool,
    state: Option<State>,
    /// Every path changed since the last good build: a failed build's changes are not in
    /// `state` yet, so the next rebuild must consider them again.
    pending: Vec<PathBuf>,
    /// Kept across rebuilds: syntax definitions load once, and unchanged code blocks are not
    /// highlighted again.
    highlighter: Highlighter,
}

impl Session {
    pub(crate) fn new(
        opts: BuildOptions,
        root: PathBuf,
        out_dir: PathBuf,
        keep_bytes: bool,
    ) -> Session {
        Session {
            opts,
            root,
            out_dir,
            keep_bytes,
            state: None,
            pending: Vec::new(),
            highlighter: Highlighter::remembering(),
        }
    }

    /// Rebuilds after `changed` paths (absolute); an empty list means "build everything".
    pub(crate) fn rebuild(&mut self, changed: &[PathBuf]) -> Result<Update<'_>, Failure> {
        let started = Instant::now();
        self.pending.extend_from_slice(changed);
        self.pending.sort();
        self.pending.dedup();
        // Only changed files go into a folder that still holds our last build; one that was
        // deleted (or replaced) meanwhile gets the whole site again.
        if !changed.is_empty() && self.state.is_some() && self.out_dir.join(MARKER).is_file() {
            let pending = std::mem::take(&mut self.pending);
            let fast = self.try_incremental(&pending);
            self.pending = pending;
            if let Some(files) = fast {
                self.pending.clear();
                let state = self.state.as_ref().expect("checked");
                return Ok(Update {
                    output: &state.bytes,
                    pages: state.pages.clone(),
                    warnings: state.warnings(),
                    publish: Publish::Changed(files),
                    ledger: None,
                    millis: started.elapsed().as_millis(),
                    translations: state.translation_summary(),
                });
            }
        }
        let mut files = Files::staged(&self.out_dir, self.keep_bytes)?;
        let (loaded, rendered) = build_parts(&self.opts, &self.highlighter, &files)?;
        self.pending.clear();
        self.state = Some(State::new(
            loaded,
            rendered,
            files.manifest(),
            files.take_bytes(),
        ));
        let state = self.state.as_ref().expect("just set");
        Ok(Update {
            output: &state.bytes,
            pages: state.pages.clone(),
            warnings: state.warnings(),
            publish: Publish::All(Box::new(files)),
            ledger: state.ledger.as_ref(),
            millis: started.elapsed().as_millis(),
            translations: state.translation_summary(),
        })
    }

    /// The URL ledger's text as the last good build left it on disk.
    pub(crate) fn ledger_text(&self) -> Option<&str> {
        let state = self.state.as_ref()?;
        Some(state.ledger.as_ref()?.text.as_str())
    }

    /// The fast path: the files that changed; `None` when the change needs a full build.
    fn try_incremental(&mut self, changed: &[PathBuf]) -> Option<Vec<(String, Vec<u8>)>> {
        let state = self.state.as_mut()?;
        let site = &state.loaded.site;
        // 1. Every change is the text of a page we already have.
        let mut updates = Vec::new();
        for path in changed {
            let rel = relative(&self.root, path)?;
            let (key, lang) = site.entries.iter().find_map(|(k, e)| {
                e.translations
                    .iter()
                    .find(|(_, t)| t.file == rel)
                    .map(|(l, _)| (k.clone(), l.clone()))
            })?;
            // The glossary's terms are read from its text: every page may link to them.
            if key.section == DIAGNOSTIC_SECTION || key == crate::content::glossary::key() {
                return None;
            }
            let old = &site.entries[&key].translations[&lang];
            // A full build reads no file through a link: a page that became one is gone.
            if !is_plain_file(&self.root, path) {
                return None;
            }
            let bytes = std::fs::read(path).ok()?;
            let text = frontmatter::decode(&rel, &bytes).ok()?;
            let split = frontmatter::split(&rel, &text).ok()?;
            let front = Kind::of(&key.section, &key.id)
                .parse(&rel, &text, &split)
                .ok()?;
            if front != old.front {
                return None;
            }
            let mut t = old.clone();
            t.body_offset = split.body_offset;
            t.front_offset = split.front_offset;
            t.front_len = split.front.len();
            t.format = split.format;
            t.text = Text::read(text, None);
            updates.push((key, lang, t));
        }
        if updates.is_empty() {
            return Some(Vec::new());
        }

        // 2. Swap the new texts in, keeping the old ones to restore on failure.
        let affected: BTreeSet<Key> = updates.iter().map(|(k, _, _)| k.clone()).collect();
        let mut previous = Vec::new();
        for (key, lang, t) in updates {
            let entry = state.loaded.site.entries.get_mut(&key)?;
            previous.push((
                key.clone(),
                lang.clone(),
                entry.translations.insert(lang, t)?,
            ));
        }
        let site = &state.loaded.site;
        let theme = &state.loaded.theme;
        let jobs: Vec<(&Key, &str)> = affected
            .iter()
            .flat_map(|k| site.languages.iter().map(move |l| (k, l.as_str())))
            .collect();
        let tools = Tools {
            highlighter: &self.highlighter,
            media: &state.media,
            strings: &theme.strings,
        };
        let bodies = &mut state.bodies;
        let headings = |bodies: &Bodies| -> Vec<Option<Vec<String>>> {
            jobs.iter()
                .map(|&(k, l)| {
                    let b = bodies.map.get(&(k.clone(), l.to_string()))?;
                    Some(b.headings.iter().map(|h| h.id.clone()).collect())
                })
                .collect()
        };
        let headings_before = headings(bodies);
        let mut problems = render_bodies(site, &tools, &jobs, bodies);
        // Links into the edited pages can only break if their headings changed.
        let headings_changed = headings(bodies) != headings_before;
        problems.extend(check_anchors(bodies, |from, to| {
            affected.contains(from) || (headings_changed && affected.contains(to))
        }));
        problems.extend(check_site_paths(bodies, &state.files, |from| {
            affected.contains(from)
        }));
        let (mut files, template_problems) = render_pages(site, theme, bodies, &jobs);
        problems.extend(template_problems);
        let in_print = affected.iter().any(in_print_view);
        let in_list = affected.iter().any(in_checklist);
        let mut index_moved = false;
        for lang in &site.languages {
            // The first edit indexes the language whole; the next ones update the words of the
            // edited pages. The chunks keep their names unless one was added or dropped; then
            // the full build publishes the index, removing the file that went.
            let index = match state.search.get_mut(lang) {
                Some(index) => update_index(index, site, lang, bodies, &affected),
                None => {
                    let (index, files) = live_index(site, lang, bodies);
                    state.search.insert(lang.clone(), index);
                    files
                }
            };
            let terms = format!("{}terms/", index_folder(lang));
            let before = state
                .files
                .range(terms.clone()..)
                .take_while(|(p, _)| p.starts_with(&terms))
                .count();
            index_moved |= before != index.iter().filter(|(p, _)| p.starts_with(&terms)).count();
            files.extend(index);
            for (wanted, page) in [(in_print, print_page as PageFn), (in_list, checklist_page)] {
                if wanted {
                    match page(site, theme, lang, &tools) {
                        Ok(file) => files.push(file),
                        Err(ds) => problems.extend(ds),
                    }
                }
            }
        }
        if problems.has_errors() || index_moved {
            // Let the full build report it; until one succeeds there is no state to build on.
            drop(previous);
            self.state = None;
            return None;
        }
        for key in &affected {
            for lang in &site.languages[1..] {
                let k = (lang.clone(), key.clone());
                match translations::status(site, &site.entries[key], lang) {
                    Some(s) => state.translations.insert(k, s),
                    None => state.translations.remove(&k),
                };
            }
        }
        let written: Vec<(String, Vec<u8>)> = files
            .into_iter()
            .filter(|(path, bytes)| state.files.get(path) != Some(&blake3::hash(bytes)))
            .collect();
        // Nothing is written through a link: when a folder on the way is one (or not a
        // folder), the whole site is published instead, which replaces it.
        if !folders_are_real(&self.out_dir, &written) {
            self.state = None;
            return None;
        }
        for (path, bytes) in &written {
            state.files.insert(path.clone(), blake3::hash(bytes));
            if self.keep_bytes {
                state.bytes.insert(path.clone(), bytes.clone());
            }
        }
        Some(written)
    }
}

fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    (parts.first().map(String::as_str) == Some("content") && parts.last()?.ends_with(".md"))
        .then(|| parts.join("/"))
}

/// Whether `path` under `root` is a regular file reached through real folders only: what
/// discovery reads (it follows no link).
fn is_plain_file(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else {
        return false;
    };
    let mut at = root.to_path_buf();
    let mut parts = rel.iter().peekable();
    while let Some(part) = parts.next() {
        at.push(part);
        let Ok(meta) = std::fs::symlink_metadata(&at) else {
            return false;
        };
        let wanted = if parts.peek().is_some() {
            meta.is_dir()
        } else {
            meta.is_file()
        };
        if !wanted {
            return false;
        }
    }
    true
}

/// Whether every folder on the way to the `changed` files in `out_dir` is a real folder (or
/// missing).
fn folders_are_real(out_dir: &Path, changed: &[(String, Vec<u8>)]) -> bool {
    changed.iter().all(|(rel, _)| {
        Path::new(rel)
            .ancestors()
            .skip(1)
            .filter(|p| !p.as_os_str().is_empty())
            .all(|p| match std::fs::symlink_metadata(out_dir.join(p)) {
                Ok(meta) => meta.is_dir(),
                Err(e) => e.kind() == std::io::ErrorKind::NotFound,
            })
    })
}

/// Writes the changed files into an existing output folder, each atomically (temporary file,
/// then rename), so a reader never sees a half-written page; a link at a file's place is
/// replaced by the rename (the session checked the folders on the way).
pub(crate) fn write_changed(out_dir: &Path, changed: &[(String, Vec<u8>)]) -> Result<(), Fatal> {
    for (rel, bytes) in changed {
        let path = out_dir.join(rel);
        let fail = |e: std::io::Error| Fatal(format!("cannot write `{}`: {e}", path.display()));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        let tmp = path.with_file_name(format!(
            ".{}.playbook-tmp",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
        // Whatever has that name goes (a link is removed, not followed); the new file is
        // created, never opened through an existing one.
        match std::fs::remove_file(&tmp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(fail(e)),
            _ => {}
        }
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .and_then(|mut file| file.write_all(bytes))
            .map_err(fail)?;
        std::fs::rename(&tmp, &path).map_err(fail)?;
    }
    Ok(())
}
