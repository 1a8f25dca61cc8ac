//! `playbook`: a static site generator for a bilingual playbook. This file is the command line:
//! it parses arguments (clap), runs the pipeline of `build.rs` and turns the outcome into
//! output on the terminal and an exit code — 0 ok, 1 content errors, 2 usage or environment.

mod build;
mod config;
mod diagnostic;
mod discover;
mod errors;
mod frontmatter;
mod generated;
mod highlight;
mod markdown;
mod output;
mod render;
mod search;
mod site;
mod theme;
mod tree_svg;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::build::BuildOptions;
use crate::errors::{Failure, Severity};

#[derive(Parser)]
#[command(name = "playbook", version, about = "Builds the bilingual playbook site from Markdown")]
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
    Build,
    /// Validate everything and report translation status, writing nothing.
    Check {
        /// Fail on warnings too.
        #[arg(long)]
        strict: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let opts = BuildOptions { root: cli.root.clone(), base_url: cli.base_url.clone() };
    let out_dir = cli.output.clone().unwrap_or_else(|| cli.root.join("public"));
    match cli.command {
        Command::Build => match build::build(&opts) {
            Ok(built) => {
                if !built.warnings.is_empty() {
                    eprint!("{}", built.warnings.clone().render());
                }
                if let Err(fatal) = output::write_atomic(&out_dir, &built.output) {
                    eprintln!("{fatal}");
                    return ExitCode::from(2);
                }
                if !cli.quiet {
                    println!("built {} into {}", built.summary(), out_dir.display());
                }
                ExitCode::SUCCESS
            }
            Err(failure) => report(failure),
        },
        Command::Check { strict, format } => match build::build(&opts) {
            Ok(built) => {
                let warnings = built.warnings.count(Severity::Warning);
                match format {
                    Format::Json => println!("{}", serde_json::json!({"ok": true, "diagnostics": built.warnings.sorted()})),
                    Format::Text => {
                        eprint!("{}", built.warnings.render());
                        if !cli.quiet {
                            println!("checked: no errors, {warnings} warning(s)");
                        }
                    }
                }
                if strict && warnings > 0 {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                }
            }
            Err(Failure::Content(ds)) if matches!(format, Format::Json) => {
                println!("{}", serde_json::json!({"ok": false, "diagnostics": ds.sorted()}));
                ExitCode::from(1)
            }
            Err(failure) => report(failure),
        },
    }
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
