//! The pipeline in one place: settings → theme → discover → assemble → diagnostic →
//! render, returning the site as an in-memory `Output`. Nothing here writes to disk; `build`
//! publishes the result with `output::write_atomic`, `check` only reports, `watch` and `serve`
//! call it again on every change.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::config::Settings;
use crate::diagnostic::DecisionTree;
use crate::errors::{Diagnostics, Failure};
use crate::highlight::Highlighter;
use crate::output::Output;
use crate::site::Site;
use crate::theme::Theme;

/// What a run of the pipeline needs to know.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The site folder (holding `content/` and `themes/`).
    pub root: PathBuf,
    /// Overrides `base_url` from the settings.
    pub base_url: Option<String>,
    /// Work out which translations are missing or stale (for `check`).
    pub translation_report: bool,
}

/// A successful run: the files, pages per language and the warnings.
#[derive(Debug)]
pub struct Built {
    pub output: Output,
    pub pages: BTreeMap<String, usize>,
    pub warnings: Diagnostics,
    /// Missing and stale translations.
    pub translations: Vec<crate::translations::Status>,
    pub elapsed: Duration,
}

impl Built {
    /// `42 pages (fr 21, en 21) in 12 ms`.
    pub fn summary(&self) -> String {
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
pub struct Loaded {
    pub site: Site,
    pub theme: Theme,
    pub tree: Option<DecisionTree>,
    pub warnings: Diagnostics,
}

/// Reads and validates the whole site, rendering nothing.
pub fn load(opts: &BuildOptions) -> Result<Loaded, Failure> {
    let settings = Settings::load(&opts.root, opts.base_url.as_deref())?;
    let theme = Theme::load(&opts.root, &settings);
    let (files, mut problems) = crate::discover::discover(&opts.root, &settings)?;
    let theme = match theme {
        Ok(theme) => theme,
        Err(Failure::Content(ds)) => {
            problems.extend(ds);
            return Err(Failure::Content(problems));
        }
        Err(fatal) => return Err(fatal),
    };
    let (site, assembly) = crate::site::assemble(settings, &theme, files);
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
pub fn build_parts(
    opts: &BuildOptions,
    highlighter: &Highlighter,
) -> Result<(Loaded, crate::render::Rendered), Failure> {
    let loaded = std::thread::scope(|s| {
        s.spawn(|| highlighter.preload());
        load(opts)
    })?;
    let rendered = crate::render::render(
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
pub fn build(opts: &BuildOptions) -> Result<Built, Failure> {
    let started = Instant::now();
    let (loaded, rendered) = build_parts(opts, &Highlighter::default())?;
    let translations = if opts.translation_report {
        crate::translations::report(&loaded.site)
    } else {
        Vec::new()
    };
    Ok(Built {
        output: rendered.output,
        pages: rendered.pages,
        warnings: loaded.warnings,
        translations,
        elapsed: started.elapsed(),
    })
}
