//! The commands, as the command line runs them: each takes the global options, runs the
//! stages it needs and turns the outcome into terminal output and an exit code — 0 ok,
//! 1 content errors, 2 usage or environment errors. Parsing the command line is `main.rs`'s.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub use crate::authoring::scaffold::NewKind;
use crate::authoring::{ledger, scaffold, serve, watch};
use crate::build::{self, BuildOptions, LedgerMode};
use crate::content::settings::Settings;
use crate::content::translations::{self, State};
use crate::errors::{Failure, Severity};
use crate::output;

/// What every command is given.
pub struct Options {
    /// Site folder, holding `content/` and `themes/`.
    pub root: PathBuf,
    /// Where to write the site; `<root>/public` when not given.
    pub output: Option<PathBuf>,
    /// Overrides `base_url` from the settings.
    pub base_url: Option<String>,
    /// Print only errors.
    pub quiet: bool,
    /// `--locked`: the URL ledger must exist and record every address (as in CI).
    pub locked: bool,
}

impl Options {
    fn build(&self) -> BuildOptions {
        BuildOptions {
            root: self.root.clone(),
            base_url: self.base_url.clone(),
            ledger: LedgerMode::Update,
            cache: false,
        }
    }

    /// `build` and `check` in CI (or with `--locked`) refuse a URL ledger that is not up to
    /// date; elsewhere `build` updates it and `check` reports it.
    fn ledger_mode(&self, otherwise: LedgerMode) -> LedgerMode {
        if self.locked {
            LedgerMode::Locked { required: true }
        } else if in_ci() {
            LedgerMode::Locked { required: false }
        } else {
            otherwise
        }
    }

    fn out_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("public"))
    }

    fn watch(&self, poll: bool) -> watch::WatchOptions {
        watch::WatchOptions {
            poll,
            quiet: self.quiet,
            out_dir: self.out_dir(),
            keep_site: false,
        }
    }
}

/// `playbook build`: the site into the output folder, atomically.
pub fn build(o: &Options) -> ExitCode {
    // Only a one-off build reuses the pages of the last one (`.playbook-cache/build`).
    let opts = BuildOptions {
        ledger: o.ledger_mode(LedgerMode::Update),
        cache: true,
        ..o.build()
    };
    exit(build_once(&opts, &o.out_dir(), o.quiet))
}

/// The `CI` environment variable, set to anything but empty, `false` or `0`, as CI services do.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| {
        let v = v.trim();
        !v.is_empty() && !v.eq_ignore_ascii_case("false") && v != "0"
    })
}

/// `playbook build --watch`.
pub fn watch(o: &Options, poll: bool) -> ExitCode {
    exit(watch::run(&o.build(), &o.watch(poll), &mut |_| {}).map_err(Failure::Fatal))
}

/// `playbook serve`.
pub fn serve(o: &Options, bind: IpAddr, port: u16, poll: bool) -> ExitCode {
    let s = serve::ServeOptions { bind, port };
    // The preview serves the site from memory.
    let w = watch::WatchOptions {
        keep_site: true,
        ..o.watch(poll)
    };
    exit(serve::serve(&o.build(), &w, &s).map_err(Failure::Fatal))
}

/// `playbook new <kind> <id>`.
pub fn new(o: &Options, kind: NewKind, id: &str) -> ExitCode {
    exit(new_page(&o.build(), kind, id))
}

/// `playbook translated <files>`.
pub fn translated(o: &Options, files: &[String]) -> ExitCode {
    exit(mark_translated(&o.build(), files))
}

fn exit(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(failure),
    }
}

fn build_once(opts: &BuildOptions, out_dir: &Path, quiet: bool) -> Result<(), Failure> {
    // Pages go to a staging folder beside the output as they are rendered.
    let files = output::Files::staged(out_dir, false)?;
    let mut built = build::build(opts, &files)?;
    if !built.warnings.is_empty() {
        eprint!("{}", built.warnings.clone().render());
    }
    // The ledger first: whoever sees the new site also finds the ledger that describes it.
    let moved = match &built.ledger {
        Some(update) => ledger::record(&opts.root, update)?,
        None => Vec::new(),
    };
    // The build cache's new files go in place while the site is published.
    let keeping = built.cache.take().map(|c| std::thread::spawn(|| c.keep()));
    let published = files.publish_before_exit();
    if let Some(keeping) = keeping {
        let _ = keeping.join();
    }
    published?;
    if !quiet {
        say!("built {} into {}", built.summary(), out_dir.display());
        if let Some(line) = translations::summary(&built.translations) {
            say!("{line}");
        }
        for line in moved {
            say!("{line}");
        }
    }
    Ok(())
}

/// `playbook check`: everything `build` validates plus the translation status, writing
/// nothing; `json` prints one JSON document whatever happens; `diff` adds, for each stale
/// translation, what changed in its source since the version translated.
pub fn check(o: &Options, strict: bool, json: bool, diff: bool) -> ExitCode {
    let opts = BuildOptions {
        ledger: o.ledger_mode(LedgerMode::Report),
        ..o.build()
    };
    let quiet = o.quiet;
    let built = match build::build(&opts, &output::Files::nowhere()) {
        Ok(built) => built,
        Err(Failure::Content(ds)) if json => {
            say!(
                "{}",
                serde_json::json!({"ok": false, "errors": ds.count(Severity::Error), "diagnostics": ds.sorted(), "translations": []})
            );
            return ExitCode::from(1);
        }
        // A program reading the JSON gets JSON whatever happens.
        Err(Failure::Fatal(f)) if json => {
            say!(
                "{}",
                serde_json::json!({"ok": false, "fatal": f.0, "errors": 0, "diagnostics": [], "translations": []})
            );
            eprintln!("{f}");
            return ExitCode::from(2);
        }
        Err(failure) => return report(failure),
    };
    // What only `check` reports besides the build's warnings: files no page uses.
    let mut reported = built.warnings.clone();
    reported.extend(built.unused_media.clone());
    let mut all = reported.clone();
    for w in translations::warnings(&built.translations) {
        all.push(w);
    }
    let warnings = all.count(Severity::Warning);
    let failed = strict && warnings > 0;
    // What changed in the source of each stale translation (git history, read on demand).
    let diffs: BTreeMap<String, String> = match diff {
        true => match build::load(&opts) {
            Ok(loaded) => built
                .translations
                .iter()
                .filter(|s| s.state == State::Stale)
                .map(|s| {
                    (
                        s.file.clone(),
                        translations::source_diff(&o.root, &loaded.site, s),
                    )
                })
                .collect(),
            Err(failure) => return report(failure),
        },
        false => BTreeMap::new(),
    };
    if json {
        let statuses: Vec<serde_json::Value> = built
            .translations
            .iter()
            .map(|s| {
                let mut v = serde_json::to_value(s).expect("a status serialises");
                if let Some(d) = diffs.get(&s.file) {
                    v["diff"] = d.clone().into();
                }
                v
            })
            .collect();
        say!(
            "{}",
            serde_json::json!({
                "ok": !failed,
                "errors": 0,
                "warnings": warnings,
                "pages": built.pages,
                "diagnostics": all.sorted(),
                "translations": statuses,
            })
        );
    } else {
        eprint!("{}", reported.render());
        print_translation_status(&built.translations, &diffs, quiet);
        if !quiet {
            say!(
                "check: no errors, {warnings} warning(s){}",
                if failed { " (--strict: failing)" } else { "" }
            );
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_translation_status(
    statuses: &[translations::Status],
    diffs: &BTreeMap<String, String>,
    quiet: bool,
) {
    if statuses.is_empty() {
        if !quiet {
            say!("translations: all up to date");
        }
        return;
    }
    let mut langs: Vec<&str> = statuses.iter().map(|s| s.lang.as_str()).collect();
    langs.dedup();
    for lang in langs {
        say!("translations ({lang}):");
        for s in statuses.iter().filter(|s| s.lang == lang) {
            match s.state {
                State::Missing => say!("  missing  {}  (from {})", s.file, s.source),
                State::Stale => say!(
                    "  stale    {}  ({} {})",
                    s.file,
                    s.source,
                    if s.recorded.is_some() {
                        "changed since"
                    } else {
                        "has no translation record"
                    }
                ),
            }
            if let Some(d) = diffs.get(&s.file) {
                say!("{}", d.trim_end());
            }
        }
    }
    say!("mark a translation as up to date with: playbook translated <file>");
}

fn new_page(opts: &BuildOptions, kind: NewKind, id: &str) -> Result<(), Failure> {
    let settings = Settings::load(&opts.root, None)?;
    for path in scaffold::create(&opts.root, &settings, kind, id)? {
        say!("created {path}");
    }
    Ok(())
}

fn mark_translated(opts: &BuildOptions, files: &[String]) -> Result<(), Failure> {
    let loaded = build::load(opts)?;
    for line in translations::mark(&opts.root, &loaded.site, files)? {
        say!("marked {line}");
    }
    Ok(())
}

fn report(failure: Failure) -> ExitCode {
    match failure {
        Failure::Content(ds) => {
            eprint!("{}", ds.render());
            ExitCode::from(1)
        }
        Failure::Fatal(f) => {
            eprintln!("{f}");
            ExitCode::from(2)
        }
    }
}
