//! The pipeline in one place: settings → theme → discover → assemble → diagnostic →
//! render, returning the site as an in-memory `Output`. This is the one module that calls every
//! stage (content, render, diagnostic) and puts their results together; the stages do not call
//! each other upwards. Nothing here writes to disk: `build` publishes the result with
//! `output::write_atomic`, `check` only reports, `watch` and `serve` call it again on every change.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::content::discover::{discover, SourceFile};
use crate::content::history::History;
use crate::content::model::Site;
use crate::content::settings::Settings;
use crate::content::translations;
use crate::diagnostic::DecisionTree;
use crate::errors::{Diagnostics, Failure};
use crate::output::Output;
use crate::render::bodies::{all_jobs, check_anchors, Bodies};
use crate::render::highlight::Highlighter;
use crate::render::theme::Theme;

/// What a run of the pipeline needs to know.
#[derive(Debug, Clone)]
pub(crate) struct BuildOptions {
    /// The site folder (holding `content/` and `themes/`).
    pub(crate) root: PathBuf,
    /// Overrides `base_url` from the settings.
    pub(crate) base_url: Option<String>,
}

/// A successful run: the files, pages per language and the warnings.
#[derive(Debug)]
pub(crate) struct Built {
    pub(crate) output: Output,
    pub(crate) pages: BTreeMap<String, usize>,
    pub(crate) warnings: Diagnostics,
    /// Missing and stale translations.
    pub(crate) translations: Vec<translations::Status>,
    pub(crate) elapsed: Duration,
}

impl Built {
    /// `42 pages (fr 21, en 21) in 12 ms`.
    pub(crate) fn summary(&self) -> String {
        let total: usize = self.pages.values().sum();
        let per: Vec<String> = self.pages.iter().map(|(l, n)| format!("{l} {n}")).collect();
        format!(
            "{total} pages ({}) in {} ms",
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
    pub(crate) warnings: Diagnostics,
}

/// Reads and validates the whole site, rendering nothing.
pub(crate) fn load(opts: &BuildOptions) -> Result<Loaded, Failure> {
    // Git answers while the files are read.
    std::thread::scope(|s| {
        let history = s.spawn(|| History::read(&opts.root));
        let settings = Settings::load(&opts.root, opts.base_url.as_deref())?;
        let theme = Theme::load(&opts.root, &settings);
        let (files, problems) = discover(&opts.root, &settings)?;
        let history = history.join().unwrap_or_default();
        validate(settings, theme, files, problems, &history)
    })
}

/// Assembles the site and its decision tree from what `load` read.
fn validate(
    settings: Settings,
    theme: Result<Theme, Failure>,
    files: Vec<SourceFile>,
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
        crate::content::assemble::assemble(settings, &theme.strings, files, history);
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
        warnings: problems,
    })
}

/// Runs the whole pipeline in memory, keeping the parts watch mode builds on. The syntax
/// definitions for code blocks load on another thread while the content is read.
pub(crate) fn build_parts(
    opts: &BuildOptions,
    highlighter: &Highlighter,
) -> Result<(Loaded, Rendered), Failure> {
    let loaded = std::thread::scope(|s| {
        s.spawn(|| highlighter.preload());
        load(opts)
    })?;
    let rendered = render(
        &loaded.site,
        &loaded.theme,
        loaded.tree.as_ref(),
        highlighter,
    )
    .map_err(|mut ds| {
        ds.extend(loaded.warnings.clone());
        Failure::Content(ds)
    })?;
    Ok((loaded, rendered))
}

/// Runs the whole pipeline in memory.
pub(crate) fn build(opts: &BuildOptions) -> Result<Built, Failure> {
    let started = Instant::now();
    let (loaded, rendered) = build_parts(opts, &Highlighter::default())?;
    let translations = translations::report(&loaded.site);
    Ok(Built {
        output: rendered.output,
        pages: rendered.pages,
        warnings: loaded.warnings,
        translations,
        elapsed: started.elapsed(),
    })
}

/// Everything a full render produced; `bodies` lets watch mode re-render only what changed.
#[derive(Debug)]
pub(crate) struct Rendered {
    pub(crate) output: Output,
    pub(crate) pages: BTreeMap<String, usize>,
    pub(crate) bodies: Bodies,
}

/// Renders the whole site.
pub(crate) fn render(
    site: &Site,
    theme: &Theme,
    tree: Option<&DecisionTree>,
    highlighter: &Highlighter,
) -> Result<Rendered, Diagnostics> {
    let jobs = all_jobs(site);
    let (bodies, files, mut problems) =
        crate::render::pages::render_content(site, theme, highlighter, &jobs);
    problems.extend(check_anchors(&bodies, |_, _| true));
    if problems.has_errors() {
        return Err(problems);
    }
    let mut output: Output = files.into_iter().collect();
    match crate::render::generated::render_all(site, theme, &bodies, highlighter) {
        Ok(files) => output.extend(files),
        Err(ds) => problems.extend(ds),
    }
    if let Some(tree) = tree {
        match crate::diagnostic::render(tree, site, theme, &bodies.map) {
            Ok(files) => output.extend(files),
            Err(ds) => problems.extend(ds),
        }
    }
    for (path, bytes) in &theme.files {
        output.insert(path.clone(), bytes.clone());
    }
    if problems.has_errors() {
        return Err(problems);
    }
    let pages = count_pages(site, &output);
    Ok(Rendered {
        output,
        pages,
        bodies,
    })
}

/// HTML pages per language.
pub(crate) fn count_pages(site: &Site, output: &Output) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> =
        site.languages.iter().map(|l| (l.clone(), 0)).collect();
    for path in output.keys().filter(|p| p.ends_with(".html")) {
        if let Some(n) = path.split('/').next().and_then(|l| counts.get_mut(l)) {
            *n += 1;
        }
    }
    counts
}
