//! `playbook`: a static site generator for a bilingual playbook. This file is the command line:
//! it parses arguments (clap), runs the pipeline of `build.rs` and turns the outcome into
//! output on the terminal and an exit code — 0 ok, 1 content errors, 2 usage or environment.

// A `Diagnostic` carries its quoted line and help; errors are the cold path, so it is returned
// by value rather than boxed everywhere.
#![allow(clippy::result_large_err)]

/// `println!` that does not panic when the reader of standard output has gone away
/// (`playbook check | head`): what cannot be written is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod build;
mod config;
mod diagnostic;
mod discover;
mod errors;
mod frontmatter;
mod generated;
mod highlight;
mod incremental;
mod markdown;
mod output;
mod render;
mod scaffold;
mod search;
mod serve;
mod site;
mod theme;
mod translations;
mod tree_svg;
mod watch;

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::build::BuildOptions;
use crate::errors::{Failure, Severity};
use crate::translations::State;

#[derive(Parser)]
#[command(
    name = "playbook",
    version,
    about = "Builds the bilingual playbook site from Markdown"
)]
struct Cli {
    /// Site folder, holding content/ and themes/.
    #[arg(long, global = true, default_value = ".")]
    root: PathBuf,
    /// Where to write the site (default: <root>/public).
    #[arg(long, global = true)]
    output: Option<PathBuf>,
    /// Published URL of the site, e.g. https://intranet.example/playbook/
    #[arg(long, global = true)]
    base_url: Option<String>,
    /// Print only errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into public/.
    Build {
        /// Keep running and rebuild on every change to content/ or themes/.
        #[arg(long)]
        watch: bool,
        /// With --watch: look for changes by polling (network or container file systems).
        #[arg(long)]
        poll: bool,
    },
    /// Build, watch and serve the site locally with live reload.
    Serve {
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; only loopback unless you ask for more.
        #[arg(long, default_value = "127.0.0.1")]
        bind: IpAddr,
        #[arg(long)]
        poll: bool,
    },
    /// Validate everything and report translation status, writing nothing.
    Check {
        /// Fail on warnings too (missing or stale translations, unused diagnostic pages).
        #[arg(long)]
        strict: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Create a new page in every language.
    New {
        #[arg(value_enum)]
        kind: scaffold::NewKind,
        /// File name of the page, e.g. `working-group`.
        id: String,
    },
    /// Record that translations are up to date with their source page.
    Translated {
        /// Translation files, e.g. content/steps/champion.en.md
        #[arg(required = true)]
        files: Vec<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let opts = BuildOptions {
        root: cli.root.clone(),
        base_url: cli.base_url.clone(),
        translation_report: matches!(cli.command, Command::Check { .. }),
    };
    let out_dir = cli
        .output
        .clone()
        .unwrap_or_else(|| cli.root.join("public"));
    let result = match cli.command {
        Command::Build { watch: false, .. } => build_once(&opts, &out_dir, cli.quiet),
        Command::Build { watch: true, poll } => {
            let w = watch::WatchOptions {
                poll,
                quiet: cli.quiet,
                out_dir,
            };
            watch::run(&opts, &w, &mut |_| {}).map_err(Failure::Fatal)
        }
        Command::Serve { port, bind, poll } => {
            let w = watch::WatchOptions {
                poll,
                quiet: cli.quiet,
                out_dir,
            };
            serve::serve(&opts, &w, &serve::ServeOptions { bind, port }).map_err(Failure::Fatal)
        }
        Command::Check { strict, format } => return check(&opts, strict, format, cli.quiet),
        Command::New { kind, id } => new_page(&opts, kind, &id),
        Command::Translated { files } => mark_translated(&opts, &files),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(failure),
    }
}

fn build_once(opts: &BuildOptions, out_dir: &std::path::Path, quiet: bool) -> Result<(), Failure> {
    let built = build::build(opts)?;
    if !built.warnings.is_empty() {
        eprint!("{}", built.warnings.clone().render());
    }
    output::write_atomic(out_dir, &built.output)?;
    if !quiet {
        say!("built {} into {}", built.summary(), out_dir.display());
    }
    Ok(())
}

fn check(opts: &BuildOptions, strict: bool, format: Format, quiet: bool) -> ExitCode {
    let built = match build::build(opts) {
        Ok(built) => built,
        Err(Failure::Content(ds)) if matches!(format, Format::Json) => {
            say!(
                "{}",
                serde_json::json!({"ok": false, "errors": ds.count(Severity::Error), "diagnostics": ds.sorted(), "translations": []})
            );
            return ExitCode::from(1);
        }
        // A program reading the JSON gets JSON whatever happens.
        Err(Failure::Fatal(f)) if matches!(format, Format::Json) => {
            say!(
                "{}",
                serde_json::json!({"ok": false, "fatal": f.0, "errors": 0, "diagnostics": [], "translations": []})
            );
            eprintln!("{f}");
            return ExitCode::from(2);
        }
        Err(failure) => return report(failure),
    };
    let mut all = built.warnings.clone();
    for w in translations::warnings(&built.translations) {
        all.push(w);
    }
    let warnings = all.count(Severity::Warning);
    let failed = strict && warnings > 0;
    match format {
        Format::Json => say!(
            "{}",
            serde_json::json!({
                "ok": !failed,
                "errors": 0,
                "warnings": warnings,
                "pages": built.pages,
                "diagnostics": all.sorted(),
                "translations": built.translations,
            })
        ),
        Format::Text => {
            eprint!("{}", built.warnings.clone().render());
            print_translation_status(&built.translations, quiet);
            if !quiet {
                say!(
                    "check: no errors, {warnings} warning(s){}",
                    if failed { " (--strict: failing)" } else { "" }
                );
            }
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn print_translation_status(statuses: &[translations::Status], quiet: bool) {
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
        }
    }
    say!("mark a translation as up to date with: playbook translated <file>");
}

fn new_page(opts: &BuildOptions, kind: scaffold::NewKind, id: &str) -> Result<(), Failure> {
    let settings = config::Settings::load(&opts.root, None)?;
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
