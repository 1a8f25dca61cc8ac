//! The `playbook` command line: parses the arguments (clap) and hands each command to
//! `playbook::commands`, whose exit code it returns — 0 ok, 1 content errors, 2 usage or
//! environment errors. Nothing else lives here.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use playbook::commands::{self, NewKind, Options};

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
        /// Fail if content/urls.lock is missing or does not record every address (as in CI).
        #[arg(long, conflicts_with = "watch")]
        locked: bool,
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
        /// For each stale translation, show what changed in the original since the version
        /// translated (from git history).
        #[arg(long)]
        diff: bool,
        /// Fail if content/urls.lock is missing or does not record every address (as in CI).
        #[arg(long)]
        locked: bool,
    },
    /// Create a new page in every language.
    New {
        #[arg(value_enum)]
        kind: NewKind,
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

/// mimalloc rather than the system's allocator: with glibc's, a rebuild from the build cache
/// spent a quarter of its CPU time in malloc and in page faults (see Cargo.toml and
/// `build/memory.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let locked = matches!(
        cli.command,
        Command::Build { locked: true, .. } | Command::Check { locked: true, .. }
    );
    let o = Options {
        root: cli.root,
        output: cli.output,
        base_url: cli.base_url,
        quiet: cli.quiet,
        locked,
    };
    match cli.command {
        Command::Build { watch: false, .. } => commands::build(&o),
        Command::Build {
            watch: true, poll, ..
        } => commands::watch(&o, poll),
        Command::Serve { port, bind, poll } => commands::serve(&o, bind, port, poll),
        Command::Check {
            strict,
            format,
            diff,
            ..
        } => commands::check(&o, strict, matches!(format, Format::Json), diff),
        Command::New { kind, id } => commands::new(&o, kind, &id),
        Command::Translated { files } => commands::translated(&o, &files),
    }
}
