//! The pipeline in one place: settings → theme → discover → assemble → diagnostic →
//! render, handing each file to an `output::Files` as soon as it is rendered. This is the one
//! module that calls every stage (content, render, diagnostic) and puts their results
//! together; the stages do not call each other upwards. Where the files go is the caller's
//! choice: `build` stages them beside the output folder and publishes them once the build
//! succeeded, `check` keeps only their hashes, `watch` and `serve` call it again on every change.

mod cache;
mod codec;
mod derived;
mod keys;
mod memory;
mod sources;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::content::discover::{discover, Discovered, KnownFiles};
use crate::content::history::History;
use crate::content::ledger::{self, update::Update, LedgerFile};
use crate::content::model::{Key, Site};
use crate::content::settings::Settings;
use crate::content::translations;
use crate::diagnostic::DecisionTree;
use crate::errors::{Diagnostics, Failure, Severity};
use crate::output::Files;
use crate::render::bodies::{all_jobs, check_anchors, check_site_paths, Bodies};
use crate::render::context::Lists;
use crate::render::generated;
use crate::render::highlight::Highlighter;
use crate::render::markdown::Tools;
use crate::render::media::{self, resize::Cache as Pictures, Catalog};
use crate::render::print::Memo;
use crate::render::search::search_index;
use crate::render::sitemap::Published;
use crate::render::theme::Theme;

/// What a run of the pipeline needs to know.
#[derive(Debug, Clone)]
pub(crate) struct BuildOptions {
    /// The site folder (holding `content/` and `themes/`).
    pub(crate) root: PathBuf,
    /// Overrides `base_url` from the settings.
    pub(crate) base_url: Option<String>,
    /// What to do with the URL ledger, `content/urls.lock`.
    pub(crate) ledger: LedgerMode,
    /// Reuse the pages of the last build from the build cache, and leave it up to date.
    pub(crate) cache: bool,
}

/// How a run treats the URL ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LedgerMode {
    /// `build`, `watch`, `serve`: bring it up to date (create it when missing); the caller
    /// writes it when it publishes the site.
    Update,
    /// `check`: what it does not record yet is a warning; a site without one is not checked.
    Report,
    /// CI: what it does not record yet is an error; with `required` (`--locked`), so is a
    /// site without one.
    Locked { required: bool },
}

/// A successful run: the files, pages per language and the warnings.
#[derive(Debug)]
pub(crate) struct Built {
    pub(crate) pages: BTreeMap<String, usize>,
    pub(crate) warnings: Diagnostics,
    /// Missing and stale translations.
    pub(crate) translations: Vec<translations::Status>,
    /// The URL ledger after this build, when the site keeps one.
    pub(crate) ledger: Option<Update>,
    /// Pictures and attachments no page uses, as warnings: `check` reports them.
    pub(crate) unused_media: Diagnostics,
    pub(crate) elapsed: Duration,
    /// Pages published again from the build cache without being rendered.
    pub(crate) reused: usize,
    /// The build cache's new files, to be put in place (`NewFiles::keep`).
    pub(crate) cache: Option<cache::NewFiles>,
}

impl Built {
    /// `42 pages (fr 21, en 21) in 12 ms`.
    pub(crate) fn summary(&self) -> String {
        let total: usize = self.pages.values().sum();
        let per: Vec<String> = self.pages.iter().map(|(l, n)| format!("{l} {n}")).collect();
        let reused = match self.reused {
            0 => String::new(),
            n => format!(" ({n} unchanged, from the build cache)"),
        };
        format!(
            "{total} pages ({}) in {} ms{reused}",
            per.join(", "),
            self.elapsed.as_millis()
        )
    }
}

/// Everything up to rendering: the validated site, its theme and decision tree.
pub(crate) struct Loaded {
    pub(crate) site: Site,
    pub(crate) theme: Theme,
    pub(crate) tree: Option<DecisionTree>,
    /// The URL ledger as found on disk.
    pub(crate) ledger: Option<LedgerFile>,
    pub(crate) warnings: Diagnostics,
}

/// Reads and validates the whole site, rendering nothing.
pub(crate) fn load(opts: &BuildOptions) -> Result<Loaded, Failure> {
    load_with(opts, KnownFiles::default, |_| ())
}

/// `load`, not reading the page files that `known` (called once the settings are read)
/// records as they still are; `found` is told once the content files are found whether their
/// front matter is all as the record has it.
fn load_with(
    opts: &BuildOptions,
    known: impl FnOnce() -> KnownFiles,
    found: impl FnOnce(bool),
) -> Result<Loaded, Failure> {
    // Git answers, and the URL ledger is read, while the content files are.
    std::thread::scope(|s| {
        let history = s.spawn(|| History::read(&opts.root));
        let ledger = s.spawn(|| ledger::read(&opts.root));
        let settings = Settings::load(&opts.root, opts.base_url.as_deref())?;
        let theme = Theme::load(&opts.root, &settings);
        let (discovered, mut problems) = discover(&opts.root, &settings, known)?;
        found(discovered.fronts_as_recorded);
        let ledger = ledger.join().unwrap_or_else(|_| Err(panicked()));
        let ledger = match ledger {
            Ok(ledger) => ledger,
            Err(Failure::Content(ds)) => {
                problems.extend(ds);
                None
            }
            Err(fatal) => return Err(fatal),
        };
        let history = history.join().unwrap_or_default();
        validate(settings, theme, discovered, problems, &history)
            .map(|loaded| Loaded { ledger, ..loaded })
    })
}

/// Assembles the site and its decision tree from what `load` read.
fn validate(
    settings: Settings,
    theme: Result<Theme, Failure>,
    discovered: Discovered,
    mut problems: Diagnostics,
    history: &History,
) -> Result<Loaded, Failure> {
    let theme = match theme {
        Ok(theme) => theme,
        Err(Failure::Content(ds)) => {
            problems.extend(ds);
            return Err(Failure::Content(problems));
        }
        Err(fatal) => return Err(fatal),
    };
    let (site, assembly) =
        crate::content::assemble::assemble(settings, &theme.strings, discovered, history);
    problems.extend(assembly);
    if problems.has_errors() {
        return Err(Failure::Content(problems));
    }
    let (tree, tree_problems) = crate::diagnostic::load(&site);
    problems.extend(tree_problems);
    if problems.has_errors() {
        return Err(Failure::Content(problems));
    }
    Ok(Loaded {
        site,
        theme,
        tree,
        ledger: None,
        warnings: problems,
    })
}

/// Runs the whole pipeline in memory, keeping the parts watch mode builds on. The syntax
/// definitions for code blocks load on another thread while the content is read.
pub(crate) fn build_parts(
    opts: &BuildOptions,
    highlighter: &Highlighter,
    files: &Files,
) -> Result<(Loaded, Rendered), Failure> {
    build_parts_with(opts, highlighter, files, |_, _| ())
        .map(|(loaded, rendered, ())| (loaded, rendered))
}

/// `build_parts`, running `alongside` on the loaded site on another thread while it renders.
fn build_parts_with<T: Send>(
    opts: &BuildOptions,
    highlighter: &Highlighter,
    files: &Files,
    alongside: impl FnOnce(&Site, Option<&cache::Cache>) -> T + Send,
) -> Result<(Loaded, Rendered, T), Failure> {
    // The executable is hashed for the build cache's key, and the cache's record of the
    // content files read, while the settings are.
    let (loaded, binary) = std::thread::scope(|s| {
        s.spawn(|| highlighter.preload());
        // The cache's own files are read and decoded beside it all (their keys are checked
        // once the site is loaded).
        let (likely, told) = std::sync::mpsc::channel();
        let stored = opts.cache.then(|| {
            s.spawn(move || cache::Stored::read(&opts.root, || told.recv().unwrap_or(false)))
        });
        let record = opts.cache.then(|| {
            s.spawn(|| {
                let binary = keys::binary()?;
                Some((binary, sources::read(&opts.root, &binary)))
            })
        });
        let mut binary = None;
        let loaded = load_with(
            opts,
            || {
                let (hash, known) = record
                    .and_then(|h| h.join().ok().flatten())
                    .map_or((None, KnownFiles::default()), |(b, k)| (Some(b), k));
                binary = hash;
                known
            },
            // Moved in: dropped with the closure when the load stops before the content files
            // are found (a settings error), which ends the cache's wait.
            move |as_recorded| {
                let _ = likely.send(as_recorded);
            },
        );
        let stored = stored.and_then(|h| h.join().ok());
        (loaded, binary.zip(stored))
    });
    let mut loaded = loaded?;
    // The site's orderings, worked out once for the pages and the generated files, while the
    // cache's keys are.
    let (cache, lists) = std::thread::scope(|s| {
        let lists = s.spawn(|| Lists::new(&loaded.site));
        let cache = binary.and_then(|(binary, stored)| {
            cache::Cache::open(&opts.root, &loaded.site, binary, stored)
        });
        (cache, lists.join())
    });
    let lists = lists.map_err(|_| panicked())?;
    // A build that renders every page returns what it frees at once (see memory.rs).
    memory::for_build(cache.as_ref().map_or(0, cache::Cache::reusable));
    let (rendered, beside) = std::thread::scope(|s| {
        let beside = s.spawn(|| alongside(&loaded.site, cache.as_ref()));
        let rendered = render(
            (&loaded.site, &loaded.theme, &lists),
            loaded.tree.as_ref(),
            (highlighter, &Pictures::new(&opts.root), cache.as_ref()),
            (loaded.ledger.as_ref(), opts.ledger),
            files,
        );
        (rendered, beside.join())
    });
    // What the cache held is not needed any more; a one-off build leaves it to the end of
    // the process instead of freeing it piece by piece (watch mode has no cache).
    std::mem::forget(cache);
    let rendered = rendered.map_err(|mut ds| {
        ds.extend(loaded.warnings.clone());
        Failure::Content(ds)
    })?;
    let beside = beside.map_err(|_| panicked())?;
    loaded.warnings.extend(rendered.warnings.clone());
    Ok((loaded, rendered, beside))
}

/// What a thread of the build that panicked leaves.
fn panicked() -> Failure {
    Failure::Fatal(crate::errors::Fatal("a thread panicked".into()))
}

/// Runs the whole pipeline, handing every file to `files`.
pub(crate) fn build(opts: &BuildOptions, files: &Files) -> Result<Built, Failure> {
    let started = Instant::now();
    // The translations' status is worked out while the site renders.
    let (loaded, rendered, translations) = build_parts_with(
        opts,
        &Highlighter::default(),
        files,
        |site, cache| match cache {
            // The records of unchanged sources are the build cache's.
            Some(c) => translations::report_with(site, &|t, which| c.source_record(t, which)),
            None => translations::report(site),
        },
    )?;
    let mut warnings = loaded.warnings;
    warnings.extend(rendered.bodies.warnings());
    let built = Built {
        unused_media: rendered.bodies.unused_media(&loaded.site),
        pages: rendered.pages,
        warnings,
        translations,
        ledger: rendered.ledger,
        elapsed: started.elapsed(),
        reused: rendered.reused,
        cache: rendered.cache,
    };
    // `build` and `check` exit after this: the site and its bodies (hundreds of thousands of
    // allocations) are left for the end of the process rather than freed one by one.
    std::mem::forget((loaded.site, loaded.theme, loaded.tree, loaded.ledger));
    std::mem::forget((rendered.bodies, rendered.media));
    Ok(built)
}

/// Everything a full render produced; `bodies` lets watch mode re-render only what changed.
#[derive(Debug)]
pub(crate) struct Rendered {
    pub(crate) pages: BTreeMap<String, usize>,
    pub(crate) bodies: Bodies,
    /// The URL ledger after this build, when the site keeps one.
    pub(crate) ledger: Option<Update>,
    /// What the ledger warns about (pages that disappeared, changes `check` sees).
    pub(crate) warnings: Diagnostics,
    /// The published pictures and attachments, which re-rendered bodies show.
    pub(crate) media: Catalog,
    /// Content pages published again from the build cache.
    pub(crate) reused: usize,
    /// The build cache's new files, when it keeps one.
    pub(crate) cache: Option<cache::NewFiles>,
}

/// Renders the whole site; the redirects come last, once every other file is known, from the
/// pages' aliases and the URL ledger (the ledger on disk and what to do with it). Errors come
/// back with the bodies' warnings.
pub(crate) fn render(
    (site, theme, lists): (&Site, &Theme, &Lists),
    tree: Option<&DecisionTree>,
    (highlighter, pictures, pages): (&Highlighter, &Pictures, Option<&cache::Cache>),
    ledger: (Option<&LedgerFile>, LedgerMode),
    files: &Files,
) -> Result<Rendered, Diagnostics> {
    let media = media::publish(site, pictures);
    let mut problems = media.problems;
    let tools = Tools {
        highlighter,
        media: &media.catalog,
        strings: &theme.strings,
    };
    let jobs = all_jobs(site);
    let reused = std::sync::atomic::AtomicUsize::new(0);
    let reuse = |key: &Key, lang: &str| {
        let body = pages.and_then(|c| c.reuse(site, files, key, lang));
        if body.is_some() {
            reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        body
    };
    let (bodies, body_problems) =
        crate::render::pages::render_content(site, (theme, lists), &tools, &jobs, files, &reuse);
    problems.extend(body_problems);
    problems.extend(check_anchors(&bodies, |_, _| true));
    let failed = |mut problems: Diagnostics, bodies: &Bodies| {
        problems.extend(bodies.warnings());
        Err(problems)
    };
    if problems.has_errors() {
        return failed(problems, &bodies);
    }
    let (rest, saved) = std::thread::scope(|s| {
        // The build cache is written while the generated pages render (the first one once
        // the build succeeded: a failed build creates no folder).
        let saving = pages.filter(|c| c.has_folder()).map(|c| {
            s.spawn(|| {
                crate::output::in_background();
                c.save(site, &bodies, files)
            })
        });
        let rest = render_rest(
            (site, theme, tree, lists),
            &tools,
            media.files,
            ledger,
            files,
            (&bodies, pages),
        );
        (rest, saving.map(|h| h.join()))
    });
    let ((counts, ledger, warnings), derived) = match rest {
        Ok(rest) => rest,
        Err(ds) => {
            problems.extend(ds);
            return failed(problems, &bodies);
        }
    };
    // A file the cache said was unchanged and that changed before it was read: some pages
    // may be made from its old version, some from the new.
    if let Some(t) = site
        .entries
        .values()
        .flat_map(|e| e.translations.values())
        .find(|t| t.text.changed())
    {
        let mut problems = Diagnostics::default();
        problems.push(
            crate::errors::Diagnostic::file(&t.file, "the file changed while the site was built")
                .help("build again"),
        );
        return Err(problems);
    }
    let saved = match saved {
        Some(joined) => Some(joined.unwrap_or_else(|_| Err(cache::poisoned()))),
        None => pages.map(|c| c.save(site, &bodies, files)),
    };
    Ok(Rendered {
        // In place once the build succeeded (the generated files are made by now).
        cache: cache::NewFiles::of([saved, derived].into_iter().flatten()),
        pages: counts,
        bodies,
        ledger,
        warnings,
        media: media.catalog,
        reused: reused.into_inner(),
    })
}

/// What a render leaves besides its files: pages per language, the URL ledger and its
/// warnings.
type Rest = (BTreeMap<String, usize>, Option<Update>, Diagnostics);

/// Everything after the content pages: media, generated pages and search indexes, then
/// `finish_rest` while the build cache's derived file is written (the new file, to be put in
/// place once the build succeeded, comes back with the rest).
fn render_rest(
    (site, theme, tree, lists): (&Site, &Theme, Option<&DecisionTree>, &Lists),
    tools: &Tools,
    media: Vec<(String, Vec<u8>)>,
    ledger: (Option<&LedgerFile>, LedgerMode),
    files: &Files,
    (bodies, cache): (&Bodies, Option<&cache::Cache>),
) -> Result<(Rest, Option<std::io::Result<cache::Saved>>), Diagnostics> {
    let mut problems = Diagnostics::default();
    files.put_all(media);
    // The search indexes, one language at a time (their page files are big); with the build
    // cache, an update of the last build's, the languages side by side when the cache holds
    // this site's pages (an index made whole is kept to one at a time).
    let indexes = || match cache {
        Some(c) => {
            let one = |lang: &String| {
                let reused = |k: &Key| c.reused_line(k, lang);
                c.derived
                    .write_index(site, lang, (bodies, tools), files, &reused)
            };
            match c.reusable() {
                0 => site.languages.iter().for_each(one),
                _ => site.languages.par_iter().for_each(one),
            }
        }
        None => site.languages.iter().for_each(|lang| {
            search_index(site, lang, bodies)
                .into_par_iter()
                .for_each(|(path, bytes)| files.put(path, bytes))
        }),
    };
    std::thread::scope(|s| {
        let indexing = cache.is_some().then(|| s.spawn(indexes));
        // The generated pages made from the site alone are those of the last build when the
        // site key is the same (the cache is for this site key); the others use its print
        // bodies.
        let reused = cache.and_then(|c| c.derived.reuse_site_pages(files));
        match reused.map_or_else(|| generated::site_pages(site, theme, lists, files), Ok) {
            Ok(paths) => {
                if let Some(c) = cache {
                    c.derived.made_site_pages(paths);
                }
            }
            Err(ds) => problems.extend(ds),
        }
        let no_memo = Memo::default();
        let print = cache.map_or(&no_memo, |c| &c.derived.print);
        problems.extend(generated::text_pages(
            site,
            theme,
            (lists, tools),
            print,
            files,
        ));
        match indexing.map(|h| h.join()) {
            Some(Ok(())) => {}
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => indexes(),
        }
    });
    // The derived file is written while the rest is made: what it records is made by now.
    std::thread::scope(|s| {
        let saving = cache.map(|c| {
            s.spawn(|| {
                crate::output::in_background();
                c.save_derived(files)
            })
        });
        let rest = finish_rest((site, theme, tree, lists), ledger, files, bodies, problems);
        let saved = saving.map(|h| h.join().unwrap_or_else(|_| Err(cache::poisoned())));
        rest.map(|rest| (rest, saved))
    })
}

/// The decision tree and the theme's files, then the site paths checked against the finished
/// site and the redirects last.
fn finish_rest(
    (site, theme, tree, lists): (&Site, &Theme, Option<&DecisionTree>, &Lists),
    ledger: (Option<&LedgerFile>, LedgerMode),
    files: &Files,
    bodies: &Bodies,
    mut problems: Diagnostics,
) -> Result<Rest, Diagnostics> {
    if let Some(tree) = tree {
        match crate::diagnostic::render(tree, (site, theme, lists), &bodies.map) {
            Ok(pages) => files.put_all(pages),
            Err(ds) => problems.extend(ds),
        }
    }
    files.put_all(theme.files.iter().map(|(p, b)| (p.clone(), b.clone())));
    let output = files.manifest();
    problems.extend(check_site_paths(bodies, &output, |_| true));
    if problems.has_errors() {
        return Err(problems);
    }
    let published = Published::new(site, &output);
    let (ledger, warnings) = keep_addresses(site, &published, ledger, &mut problems);
    let old_addresses = ledger.as_ref().map_or(&[][..], |u| &u.redirects[..]);
    let (redirects, alias_problems) =
        crate::render::sitemap::redirects(site, theme, &published, old_addresses);
    problems.extend(alias_problems);
    if problems.has_errors() {
        problems.extend(warnings);
        return Err(problems);
    }
    // Pages, not the redirects among them.
    let pages = crate::output::pages_per_language(&site.languages, &output);
    files.put_all(redirects);
    Ok((pages, ledger, warnings))
}

/// The URL ledger after this build, and its warnings; what CI refuses goes into `problems`.
fn keep_addresses(
    site: &Site,
    published: &Published,
    (file, mode): (Option<&LedgerFile>, LedgerMode),
    problems: &mut Diagnostics,
) -> (Option<Update>, Diagnostics) {
    let mut warnings = Diagnostics::default();
    if file.is_none() && mode != LedgerMode::Update {
        if mode == (LedgerMode::Locked { required: true }) {
            problems.push(ledger::report::missing());
        }
        return (None, warnings);
    }
    let update = ledger::update::update(file, site, &|path| {
        published
            .at(path)
            .map(|taken| format!("the address of {taken}"))
    });
    if let Some(file) = file {
        match mode {
            LedgerMode::Update => {}
            LedgerMode::Report => {
                warnings.extend(ledger::report::unrecorded(
                    &update,
                    file,
                    site,
                    Severity::Warning,
                ));
            }
            LedgerMode::Locked { .. } => {
                problems.extend(ledger::report::unrecorded(
                    &update,
                    file,
                    site,
                    Severity::Error,
                ));
            }
        }
    }
    // Located where the reader will look: the file as this run leaves it.
    let text = match (mode, file) {
        (LedgerMode::Update, _) | (_, None) => &update.text,
        (_, Some(file)) => &file.text,
    };
    warnings.extend(ledger::report::gone(&update, text, site));
    (Some(update), warnings)
}
