//! The speed benchmark of PRODUCT.md: `cargo run --release --example bench [-- --pages N
//! --runs R --keep DIR --only PARTS]`. It writes a synthetic bilingual corpus (N pages per
//! language: obstacles, steps with `addresses`, and generic pages in eight sections, each body
//! with headings, lists, a table, a highlighted code block and `@/section/id.md#anchor` links),
//! builds it with the release `playbook` binary and — when `hugo` is on PATH — the same pages
//! as a multilingual Hugo site with templates of similar weight. Its parts (`--only`, comma
//! separated; all but `compile` when not given):
//!
//! - `builds`: full builds, alternating the two tools run by run, first *cold* (into a fresh
//!   folder, what a deploy does: the output, playbook's spare and its build cache removed
//!   before each run) then *warm* (into the existing output, playbook's spare kept, its build
//!   cache removed); per tool the median wall time, CPU time and peak RSS, and the ratios.
//! - `cache`: after a full build, one page edited and `playbook build` run again in a new
//!   process, R times; the median of those cached rebuilds against the cold full build, and
//!   the last one's output compared byte for byte with a clean full build of the same text;
//!   the first two rebuilds apart (the first finds no spare tree beside the output: since
//!   2fdd277 both rename their few changed files into it, `src/output/in_place.rs`).
//! - `watch`: the median latency of a one-page edit under `playbook build --watch`.
//! - `real`: the median whole-process time of building the repository's own `content/`.
//! - `search`: what a reader downloads to search the corpus (`bench_parts/search.rs`).
//! - `compile` (only when named): a fresh `cargo build --release --bin playbook` in an empty
//!   target folder, then one build of the repository's content — what a newcomer's first
//!   `cargo run --release -- build` costs.
//!
//! Nothing is deleted before a measurement: folders a part no longer needs are moved into
//! `.bench-trash/` and deleted when the bench ends (only what this run moved there), and a
//! corpus kept with `--keep` is written again in place (a file `.bench-corpus` says which;
//! another corpus is put aside). On ext4 without a journal, file creation is slow for a minute
//! or more after tens of thousands of files were deleted — a cold build right after measured
//! 5.3 s instead of 3.6 s — which no deploy on a fresh machine meets.
//!
//! The example builds the `playbook` binary itself (`cargo build --release --bin playbook`,
//! into the same target folder) unless `PLAYBOOK_BIN` names one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "bench_parts/search.rs"]
mod search;

const SECTIONS: [&str; 8] = [
    "guides",
    "practices",
    "cases",
    "notes",
    "tools",
    "teams",
    "events",
    "metrics",
];
const LANGS: [&str; 2] = ["fr", "en"];
const EDITS: usize = 20;
/// The parts `--only` takes; all but `compile` run when it is not given.
const PARTS: [&str; 6] = ["builds", "cache", "watch", "real", "search", "compile"];
/// Where playbook keeps what a build can reuse; removed before every uncached run.
const BUILD_CACHE: &str = ".playbook-cache/build";

struct Args {
    pages: usize,
    runs: usize,
    keep: Option<PathBuf>,
    /// Parts to run; all but `compile` when empty.
    only: Vec<String>,
}

impl Args {
    fn wants(&self, part: &str) -> bool {
        if self.only.is_empty() {
            part != "compile"
        } else {
            self.only.iter().any(|p| p == part)
        }
    }
}

fn parse_args() -> Args {
    let mut args = Args {
        pages: 5000,
        runs: 5,
        keep: None,
        only: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .unwrap_or_else(|| die(&format!("{name} needs a value")))
        };
        match a.as_str() {
            "--pages" => {
                args.pages = value("--pages")
                    .parse()
                    .unwrap_or_else(|_| die("--pages N"))
            }
            "--runs" => args.runs = value("--runs").parse().unwrap_or_else(|_| die("--runs R")),
            "--keep" => args.keep = Some(PathBuf::from(value("--keep"))),
            "--only" => {
                args.only = value("--only").split(',').map(str::to_string).collect();
                if let Some(bad) = args.only.iter().find(|p| !PARTS.contains(&p.as_str())) {
                    die(&format!(
                        "--only takes some of {}, not `{bad}`",
                        PARTS.join(", ")
                    ));
                }
            }
            "--help" | "-h" => {
                println!(
                    "usage: cargo run --release --example bench -- [--pages N] [--runs R] [--keep DIR] [--only {}]",
                    PARTS.join(",")
                );
                std::process::exit(0);
            }
            other => die(&format!("unknown argument `{other}`")),
        }
    }
    if args.pages < 40 {
        die("--pages must be at least 40");
    }
    args.runs = args.runs.max(1);
    args
}

fn die(msg: &str) -> ! {
    eprintln!("bench: {msg}");
    std::process::exit(2)
}

fn main() {
    let args = parse_args();
    let playbook = playbook_binary();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));

    let temp;
    let dir = match &args.keep {
        Some(d) => {
            std::fs::create_dir_all(d).unwrap_or_else(|e| die(&format!("{}: {e}", d.display())));
            std::fs::canonicalize(d).expect("kept folder")
        }
        None => {
            temp = tempfile::Builder::new()
                .prefix("playbook-bench-")
                .tempdir()
                .expect("temporary folder");
            temp.path().to_path_buf()
        }
    };
    let hugo = which("hugo").filter(|_| args.wants("builds"));
    let _ = TRASH.set(dir.join(".bench-trash"));

    let started = Instant::now();
    let corpus = Corpus::new(args.pages);
    let pb_site = dir.join("playbook-site");
    let hugo_site = dir.join("hugo-site");
    // A kept corpus made by this bench with these settings is written again in place; another
    // is put aside (see `discard`: nothing is deleted before the builds are measured).
    let marker = corpus_marker(args.pages);
    let renew = |site: &Path| {
        if std::fs::read_to_string(site.join(CORPUS_MARKER)).ok() != Some(marker.clone()) {
            discard(site);
        }
    };
    if args.wants("builds") || args.wants("watch") || args.wants("cache") {
        renew(&pb_site);
        corpus.write_playbook(&pb_site, &repo.join("themes"));
        write(&pb_site.join(CORPUS_MARKER), &marker);
    }
    if hugo.is_some() {
        renew(&hugo_site);
        corpus.write_hugo(&hugo_site);
        write(&hugo_site.join(CORPUS_MARKER), &marker);
    }
    let total = args.pages * LANGS.len();
    println!(
        "corpus: {} pages per language ({total} pages, {} obstacles, {} steps) in {}, written in {:.1} s",
        args.pages,
        corpus.obstacles,
        corpus.steps,
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "machine: {} CPU(s); playbook binary {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        playbook.display()
    );

    settle_file_system();
    let mut cold = None;
    if args.wants("builds") {
        cold = Some(full_builds(
            &args,
            &playbook,
            &pb_site,
            &hugo_site,
            hugo.as_deref(),
            &dir,
        ));
    }
    if args.wants("cache") {
        cached_rebuilds(&args, &playbook, &pb_site, &dir, &corpus, cold);
    }
    if args.wants("watch") {
        // Watch mode: one page edited 20 times.
        watch_latency(&playbook, &pb_site, &dir.join("watch-public"), &corpus);
    }
    if args.wants("real") {
        real_build(&args, &playbook, &repo, &dir);
    }
    if args.wants("compile") {
        compile_time(&repo);
    }
    if args.wants("search") {
        search_figures(&playbook, &pb_site, &repo, &dir, &corpus);
    }
    if let Some(keep) = &args.keep {
        println!("corpus kept in {}", keep.display());
    }
    // What this run put aside, deleted once nothing is measured any more.
    for path in std::mem::take(&mut *MOVED.lock().unwrap_or_else(|p| p.into_inner())) {
        let _ = std::fs::remove_dir_all(path);
    }
    if let Some(trash) = TRASH.get() {
        let _ = std::fs::remove_dir(trash);
    }
    // The next run (of this bench or of anything else) starts on a settled file system.
    let _ = Command::new("sync").status();
}

/// Writes back what the file system holds in memory, then waits a few seconds. ext4 hands out
/// an inode freed in the last 5 seconds only after all others, and one freed in the last 5
/// minutes whose table is not yet written back likewise: after a large tree was deleted (by
/// an earlier run, or by hand), every file a build creates waits behind those inodes, for any
/// tool — cold builds of 2.6 s measured 7.4 s (perf: `recently_deleted` under `ext4_create`
/// and `ext4_mkdir`). No deploy on a fresh machine meets that.
fn settle_file_system() {
    let _ = Command::new("sync").status();
    std::thread::sleep(Duration::from_secs(6));
}

/// The output folder of a playbook build, its spare and the site's build cache: what a
/// deploy starts without.
fn forget_playbook(site: &Path, out: &Path) {
    discard(out);
    if let (Some(parent), Some(name)) = (out.parent(), out.file_name()) {
        discard(&parent.join(format!(".{}.spare", name.to_string_lossy())));
    }
    discard(&site.join(BUILD_CACHE));
}

/// Where `discard` puts folders until the bench ends.
static TRASH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
/// What `discard` moved there in this run: only that is deleted.
static MOVED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

/// Moves a folder the bench no longer needs out of the way; it is deleted when the bench ends.
/// A rename frees no inode: deleting tens of thousands of files slows down the file creation
/// of the builds measured in the minute after (ext4 without a journal is slow to hand out
/// inodes freed seconds ago, whichever tool asks), which no deploy on a fresh machine meets.
fn discard(path: &Path) {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    if std::fs::symlink_metadata(path).is_err() {
        return;
    }
    let moved = TRASH.get().is_some_and(|trash| {
        let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let to = trash.join(format!("{}-{n}-{name}", std::process::id()));
        let moved = std::fs::create_dir_all(trash).is_ok()
            && std::fs::symlink_metadata(&to).is_err()
            && std::fs::rename(path, &to).is_ok();
        if moved {
            MOVED.lock().unwrap_or_else(|p| p.into_inner()).push(to);
        }
        moved
    });
    if !moved {
        let _ = std::fs::remove_dir_all(path);
    }
}

fn playbook_build(playbook: &Path, site: &Path, out: &Path) -> Command {
    let mut c = Command::new(playbook);
    c.arg("build")
        .arg("--quiet")
        .arg("--root")
        .arg(site)
        .arg("--output")
        .arg(out);
    c
}

/// Full builds of the corpus, alternating the tools, cold then warm; returns playbook's
/// cold median.
fn full_builds(
    args: &Args,
    playbook: &Path,
    pb_site: &Path,
    hugo_site: &Path,
    hugo: Option<&Path>,
    dir: &Path,
) -> Duration {
    let total = args.pages * LANGS.len();
    let pb_out = dir.join("playbook-public");
    let hugo_out = dir.join("hugo-public");
    let hugo_cmd = |out: &Path| -> Command {
        let mut c = Command::new(hugo.expect("hugo"));
        c.arg("--quiet").arg("-s").arg(hugo_site).arg("-d").arg(out);
        c
    };
    // One warm-up build each (fills the page cache, checks both succeed), not counted.
    run_measured(playbook_build(playbook, pb_site, &pb_out));
    if hugo.is_some() {
        run_measured(hugo_cmd(&hugo_out));
    }
    let version = hugo
        .and_then(|h| Command::new(h).arg("version").output().ok())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    let mut cold_median = Duration::ZERO;
    for cold in [true, false] {
        let what = if cold {
            "cold (a fresh output folder each run, no spare, no build cache)"
        } else {
            "warm (into the existing output, no build cache)"
        };
        println!("{what}, {} runs each, alternating:", args.runs);
        let mut pb_runs = Vec::new();
        let mut hugo_runs = Vec::new();
        // Cold runs write into new folders, put aside after the last run (see `discard`).
        let mut fresh = Vec::new();
        for run in 0..args.runs {
            let _ = std::fs::remove_dir_all(pb_site.join(BUILD_CACHE));
            let (pb_to, hugo_to) = if cold {
                let pb = dir.join(format!("playbook-public-cold-{run}"));
                let hugo = dir.join(format!("hugo-public-cold-{run}"));
                fresh.extend([pb.clone(), hugo.clone()]);
                (pb, hugo)
            } else {
                (pb_out.clone(), hugo_out.clone())
            };
            pb_runs.push(run_measured(playbook_build(playbook, pb_site, &pb_to)));
            if hugo.is_some() {
                hugo_runs.push(run_measured(hugo_cmd(&hugo_to)));
            }
        }
        for folder in fresh {
            forget_playbook(pb_site, &folder);
        }
        let pb = Summary::of(&pb_runs, total);
        pb.print("  playbook");
        if cold {
            cold_median = pb.median;
        }
        if hugo.is_some() {
            let hs = Summary::of(&hugo_runs, total);
            hs.print("  hugo");
            let cpu = match (pb.cpu, hs.cpu) {
                (Some(p), Some(h)) => {
                    format!(", CPU time {:.2}", p.as_secs_f64() / h.as_secs_f64())
                }
                _ => String::new(),
            };
            println!(
                "  ratio playbook/hugo: wall time {:.2}{cpu}, peak RSS {:.2}",
                pb.median.as_secs_f64() / hs.median.as_secs_f64(),
                pb.rss_kib as f64 / hs.rss_kib.max(1) as f64
            );
        }
    }
    if hugo.is_some() {
        println!("  ({version})");
    } else {
        println!("hugo: not on PATH, skipped (Debian: apt-get install hugo)");
    }
    cold_median
}

/// A one-page edit, then `playbook build` in a new process, `runs` times; the last output is
/// compared with a clean full build of the same text.
fn cached_rebuilds(
    args: &Args,
    playbook: &Path,
    site: &Path,
    dir: &Path,
    corpus: &Corpus,
    cold: Option<Duration>,
) {
    let out = dir.join("cache-public");
    let clean = dir.join("cache-clean-public");
    forget_playbook(site, &out);
    let full = run_measured(playbook_build(playbook, site, &out));
    let page = corpus.watched_page();
    let source = site.join(&page.file);
    let original = std::fs::read_to_string(&source).expect("edited page");
    let mut runs = Vec::new();
    for i in 0..args.runs {
        let text = format!(
            "{}\nCached rebuild paragraph bench-cache-{i}-marker.\n",
            original.trim_end()
        );
        std::fs::write(&source, text).expect("edit the page");
        runs.push(run_measured(playbook_build(playbook, site, &out)));
        let shown = std::fs::read_to_string(out.join(&page.output)).unwrap_or_default();
        if !shown.contains(&format!("bench-cache-{i}-marker")) {
            die("the cached rebuild did not publish the edit");
        }
    }
    // The reference: the same text built from nothing (its cache put back afterwards).
    let cache = site.join(BUILD_CACHE);
    let kept = dir.join("cache-kept");
    let _ = std::fs::remove_dir_all(&kept);
    let moved = std::fs::rename(&cache, &kept).is_ok();
    forget_playbook(site, &clean);
    run_measured(playbook_build(playbook, site, &clean));
    let identical = same_tree(&out, &clean);
    if moved {
        let _ = std::fs::remove_dir_all(&cache);
        let _ = std::fs::rename(&kept, &cache);
    }
    std::fs::write(&source, &original).expect("restore the page");
    forget_playbook(site, &clean);
    let times: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
    let cpu: Option<Vec<Duration>> = runs.iter().map(|r| r.cpu).collect();
    let reference = cold.unwrap_or(full.wall);
    println!(
        "cached rebuild after a one-page edit ({}), new process: median {}{} over {} runs (min {}, max {}), peak RSS {} MiB; {:.1} % of a cold full build ({}{}); output {}",
        page.file,
        ms(median(&times)),
        cpu.map(|c| format!(" (CPU {})", ms(median(&c)))).unwrap_or_default(),
        runs.len(),
        ms(*times.iter().min().expect("runs")),
        ms(*times.iter().max().expect("runs")),
        runs.iter().map(|r| r.rss_kib).max().unwrap_or(0) / 1024,
        100.0 * median(&times).as_secs_f64() / reference.as_secs_f64(),
        ms(reference),
        if cold.is_some() { ", median of `builds`" } else { ", one run" },
        match &identical {
            Ok(n) => format!("byte-identical to a clean full build ({n} files)"),
            Err(e) => format!("DIFFERS from a clean full build: {e}"),
        }
    );
    // The first rebuild finds no spare tree (the full build went into a new folder) and, with
    // few files changed, renames them into the output; so does the second (the spare stays
    // empty, holding the output's record). Before 2fdd277 the first made a whole second tree.
    for (i, run) in runs.iter().enumerate().take(2) {
        println!(
            "  rebuild {}: {}{}, {:.1} % of the cold full build",
            i + 1,
            ms(run.wall),
            run.cpu
                .map(|c| format!(" (CPU {})", ms(c)))
                .unwrap_or_default(),
            100.0 * run.wall.as_secs_f64() / reference.as_secs_f64(),
        );
    }
    if identical.is_err() {
        std::process::exit(1);
    }
}

/// The number of files when the two trees hold the same files with the same bytes.
fn same_tree(a: &Path, b: &Path) -> Result<usize, String> {
    fn files(root: &Path) -> std::collections::BTreeMap<PathBuf, PathBuf> {
        walk(root)
            .into_iter()
            .map(|p| (p.strip_prefix(root).expect("inside").to_path_buf(), p))
            .collect()
    }
    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
        out
    }
    let (fa, fb) = (files(a), files(b));
    if let Some(p) = fa.keys().find(|p| !fb.contains_key(*p)) {
        return Err(format!("{} is only in the cached build", p.display()));
    }
    if let Some(p) = fb.keys().find(|p| !fa.contains_key(*p)) {
        return Err(format!("{} is missing from the cached build", p.display()));
    }
    for (rel, pa) in &fa {
        if std::fs::read(pa).ok() != std::fs::read(&fb[rel]).ok() {
            return Err(format!("{} differs", rel.display()));
        }
    }
    Ok(fa.len())
}

/// A fresh release build of the binary in an empty target folder, then one build of the
/// repository's content: a newcomer's first `cargo run --release -- build`.
fn compile_time(repo: &Path) {
    let target = tempfile::Builder::new()
        .prefix("playbook-compile-")
        .tempdir()
        .expect("temporary folder");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let started = Instant::now();
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "--bin",
            "playbook",
            "--manifest-path",
        ])
        .arg(repo.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target.path())
        .status()
        .expect("run cargo");
    let compiled = started.elapsed();
    if !status.success() {
        die("the fresh release build failed");
    }
    let out = target.path().join("public");
    let run = run_measured(playbook_build(
        &target.path().join("release/playbook"),
        repo,
        &out,
    ));
    println!(
        "compile: fresh `cargo build --release` {:.1} s, then the first build {}: {:.1} s in all (target ≤ 150 s)",
        compiled.as_secs_f64(),
        ms(run.wall),
        (compiled + run.wall).as_secs_f64()
    );
}

/// What a reader downloads to search the built corpus (its last build, or a new one): the
/// whole index, the first load of the search page, and one-word queries, common to rare.
fn search_figures(playbook: &Path, pb_site: &Path, repo: &Path, dir: &Path, corpus: &Corpus) {
    let out = dir.join("playbook-public");
    if !out.join("fr/search-index/index.js").is_file() {
        if !pb_site.join("content").is_dir() {
            corpus.write_playbook(pb_site, &repo.join("themes"));
        }
        let mut c = Command::new(playbook);
        c.args(["build", "--quiet", "--root"])
            .arg(pb_site)
            .arg("--output")
            .arg(&out);
        run_measured(c);
    }
    for (lang, words) in [
        ("fr", ["équipes", "budget", "4321"]),
        ("en", ["department", "organising", "4321"]),
    ] {
        let (mut files, mut bytes) = (0, 0);
        for e in walkdir(&out.join(lang).join("search-index")) {
            files += 1;
            bytes += e;
        }
        println!(
            "search {lang}: index {files} files, {:.1} MB",
            bytes as f64 / 1e6
        );
        for word in words {
            match search::search_bytes(&out, lang, word) {
                Ok(b) => println!(
                    "  “{word}”: first load {:.1} KB, query {:.1} KB, total {:.1} KB in {} files",
                    b.first_load as f64 / 1024.0,
                    b.query as f64 / 1024.0,
                    (b.first_load + b.query) as f64 / 1024.0,
                    b.files
                ),
                Err(e) => println!("  “{word}”: {e}"),
            }
        }
    }
}

/// Sizes of the files under `dir`.
fn walkdir(dir: &Path) -> Vec<u64> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(walkdir(&path));
        } else {
            out.push(e.metadata().map_or(0, |m| m.len()));
        }
    }
    out
}

/// Whole-process builds of the repository's own `content/`.
fn real_build(args: &Args, playbook: &Path, repo: &Path, dir: &Path) {
    let real_out = dir.join("real-public");
    let mut real = Vec::new();
    let real_runs = (args.runs * 2).max(10);
    for _ in 0..real_runs {
        let mut c = Command::new(playbook);
        c.arg("build")
            .arg("--quiet")
            .arg("--root")
            .arg(repo)
            .arg("--output")
            .arg(&real_out);
        real.push(run_measured(c));
    }
    let times: Vec<Duration> = real.iter().map(|r| r.wall).collect();
    let cpu: Option<Vec<Duration>> = real.iter().map(|r| r.cpu).collect();
    println!(
        "real playbook (content/ of the repository): median {} whole process{} over {real_runs} runs (min {}, max {}), peak RSS {} MiB",
        ms(median(&times)),
        cpu.map(|c| format!(" (CPU {})", ms(median(&c))))
            .unwrap_or_default(),
        ms(*times.iter().min().expect("runs")),
        ms(*times.iter().max().expect("runs")),
        real.iter().map(|r| r.rss_kib).max().unwrap_or(0) / 1024
    );
}

/// The release `playbook` next to this example (`target/release/examples/bench` →
/// `target/release/playbook`), built first so it is never stale.
fn playbook_binary() -> PathBuf {
    if let Ok(bin) = std::env::var("PLAYBOOK_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("examples/ inside a profile folder");
    let release = profile_dir.file_name().is_some_and(|n| n == "release");
    if !release {
        eprintln!(
            "bench: warning: not a release build; run with `cargo run --release --example bench`"
        );
    }
    let target_dir = profile_dir.parent().expect("target folder");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut c = Command::new(cargo);
    c.args(["build", "--quiet", "--bin", "playbook", "--manifest-path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir);
    if release {
        c.arg("--release");
    }
    let status = c.status().expect("run cargo");
    if !status.success() {
        die("building the playbook binary failed");
    }
    profile_dir.join("playbook")
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

struct Run {
    wall: Duration,
    rss_kib: u64,
    /// User + system CPU time, when `/usr/bin/time` reports it.
    cpu: Option<Duration>,
}

/// Runs a command to completion; wall time around the whole process, peak RSS from
/// `/usr/bin/time -f %M` when present, else by polling `/proc/<pid>/status`.
fn run_measured(cmd: Command) -> Run {
    let time = Path::new("/usr/bin/time");
    let report = std::env::temp_dir().join(format!("playbook-bench-rss-{}", std::process::id()));
    let mut real = if time.is_file() {
        let mut t = Command::new(time);
        t.arg("-f").arg("%M %U %S").arg("-o").arg(&report);
        t.arg(cmd.get_program()).args(cmd.get_args());
        t
    } else {
        cmd
    };
    real.stdout(Stdio::null()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = real.spawn().expect("start the build");
    let mut polled = 0;
    if !time.is_file() {
        while child.try_wait().expect("wait").is_none() {
            polled = polled.max(vm_hwm(child.id()).unwrap_or(0));
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let out = child.wait_with_output().expect("wait for the build");
    let wall = started.elapsed();
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        die("a build failed");
    }
    // `/usr/bin/time` adds a line of its own when the command fails; ours is the last.
    let reported = std::fs::read_to_string(&report).unwrap_or_default();
    let fields: Vec<f64> = reported
        .trim()
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    let _ = std::fs::remove_file(&report);
    let (rss_kib, cpu) = match fields.as_slice() {
        [rss, user, sys] => (*rss as u64, Some(Duration::from_secs_f64(user + sys))),
        _ => (polled, None),
    };
    Run { wall, rss_kib, cpu }
}

fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

struct Summary {
    median: Duration,
    cpu: Option<Duration>,
    runs: Vec<Duration>,
    pages: usize,
    rss_kib: u64,
}

impl Summary {
    fn of(runs: &[Run], pages: usize) -> Summary {
        let times: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
        let cpu: Option<Vec<Duration>> = runs.iter().map(|r| r.cpu).collect();
        Summary {
            median: median(&times),
            cpu: cpu.map(|c| median(&c)),
            runs: times,
            pages,
            rss_kib: runs.iter().map(|r| r.rss_kib).max().unwrap_or(0),
        }
    }

    fn print(&self, tool: &str) {
        let runs: Vec<String> = self.runs.iter().map(|d| ms(*d)).collect();
        let cpu = self
            .cpu
            .map(|c| format!(", CPU (user+sys) median {}", ms(c)))
            .unwrap_or_default();
        println!(
            "{tool}: median {} ({} pages/s){cpu}, peak RSS {} MiB; runs: {}",
            ms(self.median),
            (self.pages as f64 / self.median.as_secs_f64()).round(),
            self.rss_kib / 1024,
            runs.join(", ")
        );
    }
}

fn median(times: &[Duration]) -> Duration {
    let mut t = times.to_vec();
    t.sort();
    if t.is_empty() {
        return Duration::ZERO;
    }
    let n = t.len();
    if n % 2 == 1 {
        t[n / 2]
    } else {
        (t[n / 2 - 1] + t[n / 2]) / 2
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Starts `playbook build --watch`, edits one page `EDITS` times and measures how long each
/// edit takes to show in the output folder.
fn watch_latency(playbook: &Path, site: &Path, out: &Path, corpus: &Corpus) {
    discard(out);
    let page = corpus.watched_page();
    let source = site.join(&page.file);
    let published = out.join(&page.output);
    let original = std::fs::read_to_string(&source).expect("watched page");
    let mut child = Command::new(playbook)
        .arg("build")
        .arg("--watch")
        .arg("--quiet")
        .arg("--root")
        .arg(site)
        .arg("--output")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start playbook build --watch");
    let first = wait_for(&published, "", Duration::from_secs(300));
    if first.is_none() {
        let _ = child.kill();
        die("the watch build did not publish the page");
    }
    let mut latencies = Vec::new();
    for i in 0..EDITS {
        // Editors save a moment after the last keystroke; let the previous rebuild settle.
        std::thread::sleep(Duration::from_millis(300));
        let marker = format!("bench-edit-{i}-marker");
        let text = format!("{}\nEdited paragraph {marker}.\n", original.trim_end());
        let started = Instant::now();
        std::fs::write(&source, text).expect("edit the page");
        match wait_for(&published, &marker, Duration::from_secs(20)) {
            Some(_) => latencies.push(started.elapsed()),
            None => eprintln!("bench: edit {i} did not reach the output in 20 s"),
        }
    }
    std::fs::write(&source, &original).expect("restore the page");
    let rss = vm_hwm(child.id()).unwrap_or(0);
    let _ = child.kill();
    let _ = child.wait();
    if latencies.is_empty() {
        println!("watch: no edit reached the output");
        return;
    }
    println!(
        "watch: one-page edit to {} in the output: median {} over {} edits (min {}, max {}), watcher peak RSS {} MiB",
        page.output,
        ms(median(&latencies)),
        latencies.len(),
        ms(*latencies.iter().min().expect("edits")),
        ms(*latencies.iter().max().expect("edits")),
        rss / 1024
    );
}

/// Polls `path` (no fixed sleep: 1 ms between looks) until it contains `needle`.
fn wait_for(path: &Path, needle: &str, deadline: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < deadline {
        if let Ok(text) = std::fs::read_to_string(path) {
            if text.contains(needle) {
                return Some(started.elapsed());
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

// --- The synthetic corpus -------------------------------------------------------------------

/// A deterministic pseudo-random sequence (xorshift), so every run writes the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Clone, Copy, PartialEq)]
enum PageKind {
    Obstacle,
    Step,
    Generic,
}

struct Page {
    section: &'static str,
    id: String,
    kind: PageKind,
    number: usize,
}

struct Corpus {
    pages: Vec<Page>,
    obstacles: usize,
    steps: usize,
}

struct Watched {
    file: String,
    output: String,
}

const WORDS_FR: [&str; 24] = [
    "coordination",
    "équipes",
    "réseaux",
    "direction",
    "budget",
    "écoute",
    "réponse",
    "clients",
    "service",
    "stratégie",
    "mesure",
    "contenu",
    "relations",
    "collègues",
    "projet",
    "confiance",
    "dialogue",
    "outils",
    "formation",
    "plateforme",
    "communication",
    "processus",
    "résultats",
    "objectifs",
];
const WORDS_EN: [&str; 24] = [
    "coordination",
    "teams",
    "networks",
    "management",
    "budget",
    "listening",
    "response",
    "customers",
    "service",
    "strategy",
    "measurement",
    "content",
    "relations",
    "colleagues",
    "project",
    "trust",
    "dialogue",
    "tools",
    "training",
    "platform",
    "communication",
    "process",
    "results",
    "goals",
];
const SENTENCES_FR: [&str; 8] = [
    "Chaque service décrit ce qu’il attend des médias sociaux et ce qu’il peut y apporter.",
    "La direction fixe le cap et libère le temps nécessaire, sans quoi l’élan retombe vite.",
    "Les réponses aux clients passent par les bons interlocuteurs, dans un délai annoncé.",
    "On mesure peu de choses, mais on les mesure chaque mois et on en tire des décisions.",
    "Le groupe de travail réunit des personnes de plusieurs services, pas seulement la communication.",
    "Une plateforme bien tenue vaut mieux que cinq comptes à moitié abandonnés.",
    "Les retours du public sont transmis aux équipes concernées, qui disent ce qu’elles en font.",
    "La formation s’adresse d’abord à ceux qui répondront au nom de l’entreprise.",
];
const SENTENCES_EN: [&str; 8] = [
    "Each department describes what it expects from social media and what it can bring to it.",
    "Management sets the course and frees the time needed, or the momentum soon fades.",
    "Customer questions reach the right people, within a stated time.",
    "Measure few things, but measure them every month and make decisions from them.",
    "The working group brings together people from several departments, not just communication.",
    "One well-run platform is worth more than five half-abandoned accounts.",
    "Feedback from the public goes to the teams concerned, who say what they do with it.",
    "Training comes first for those who will answer on behalf of the company.",
];
const CODE: [(&str, &str); 6] = [
    ("rust", "fn main() {\n    let teams = vec![\"sales\", \"support\", \"hr\"];\n    for (i, t) in teams.iter().enumerate() {\n        println!(\"{i}: {t}\");\n    }\n    let total: usize = teams.iter().map(|t| t.len()).sum();\n    assert!(total > 0, \"no teams\");\n}\n"),
    ("toml", "[schedule]\nreview = \"monthly\"\nowners = [\"communication\", \"support\"]\n\n[limits]\nreply_hours = 24\nescalate = true\n"),
    ("python", "def weekly_report(posts):\n    \"\"\"Counts answered questions per team.\"\"\"\n    counts = {}\n    for p in posts:\n        if p.get(\"answered\"):\n            counts[p[\"team\"]] = counts.get(p[\"team\"], 0) + 1\n    return sorted(counts.items(), key=lambda kv: -kv[1])\n"),
    ("bash", "#!/bin/sh\nset -eu\nfor team in sales support hr; do\n  echo \"exporting $team\"\n  curl -fsS \"https://intranet.example/api/$team\" > \"$team.json\"\ndone\n"),
    ("yaml", "channels:\n  - name: support\n    reply_within: 24h\n    owners: [support, communication]\n  - name: careers\n    reply_within: 48h\n    owners: [hr]\n"),
    ("javascript", "export function score(answers) {\n  let total = 0;\n  for (const a of answers) {\n    total += a.weight * (a.done ? 1 : 0);\n  }\n  return Math.round((100 * total) / answers.length);\n}\n"),
];

impl Corpus {
    fn new(per_language: usize) -> Corpus {
        // Every language has `per_language` pages: the home page, ten section pages,
        // obstacles and steps (1% each, at least 5 and 8) and generic pages.
        let obstacles = (per_language / 100).max(5);
        let steps = (per_language / 100).max(8);
        let generic = per_language - 1 - 2 - SECTIONS.len() - obstacles - steps;
        let mut pages = Vec::new();
        for i in 1..=obstacles {
            pages.push(Page {
                section: "obstacles",
                id: format!("o{i:05}"),
                kind: PageKind::Obstacle,
                number: i,
            });
        }
        for i in 1..=steps {
            pages.push(Page {
                section: "steps",
                id: format!("s{i:05}"),
                kind: PageKind::Step,
                number: i,
            });
        }
        for i in 1..=generic {
            pages.push(Page {
                section: SECTIONS[i % SECTIONS.len()],
                id: format!("p{i:05}"),
                kind: PageKind::Generic,
                number: i,
            });
        }
        Corpus {
            pages,
            obstacles,
            steps,
        }
    }

    fn watched_page(&self) -> Watched {
        let p = self
            .pages
            .iter()
            .find(|p| p.kind == PageKind::Generic)
            .expect("generic pages");
        Watched {
            file: format!("content/{}/{}.fr.md", p.section, p.id),
            output: format!("fr/{}/{}/index.html", p.section, slug(p, "fr")),
        }
    }

    fn title(p: &Page, lang: &str) -> String {
        let w = if lang == "fr" { &WORDS_FR } else { &WORDS_EN };
        let (a, b) = (w[p.number % w.len()], w[(p.number * 7 + 3) % w.len()]);
        match (p.kind, lang) {
            (PageKind::Obstacle, "fr") => format!("Obstacle {} : {a} sans {b}", p.number),
            (PageKind::Obstacle, _) => format!("Obstacle {}: {a} without {b}", p.number),
            (PageKind::Step, "fr") => format!("Étape {} : organiser {a} et {b}", p.number),
            (PageKind::Step, _) => format!("Step {}: organising {a} and {b}", p.number),
            (PageKind::Generic, "fr") => format!("Fiche {} : {a} et {b}", p.number),
            (PageKind::Generic, _) => format!("Sheet {}: {a} and {b}", p.number),
        }
    }

    fn summary(p: &Page, lang: &str) -> String {
        let s = if lang == "fr" {
            &SENTENCES_FR
        } else {
            &SENTENCES_EN
        };
        s[p.number % s.len()].to_string()
    }

    fn signals(p: &Page, lang: &str) -> Vec<String> {
        let s = if lang == "fr" {
            &SENTENCES_FR
        } else {
            &SENTENCES_EN
        };
        (0..3)
            .map(|i| s[(p.number + i) % s.len()].to_string())
            .collect()
    }

    /// The front matter (without fences) and body of a page in a language, with links written
    /// by `link(page, anchor)`.
    fn page_text(
        &self,
        p: &Page,
        lang: &str,
        link: &dyn Fn(&Page, Option<&str>) -> String,
    ) -> (String, String) {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (p.number as u64 * 0x1000_0001 + p.kind as u64));
        let fr = lang == "fr";
        let sentences = if fr { &SENTENCES_FR } else { &SENTENCES_EN };
        let words = if fr { &WORDS_FR } else { &WORDS_EN };
        let mut front = String::new();
        let _ = writeln!(front, "title = {:?}", Self::title(p, lang));
        let _ = writeln!(front, "summary = {:?}", Self::summary(p, lang));
        let _ = writeln!(front, "slug = {:?}", slug(p, lang));
        match p.kind {
            PageKind::Obstacle => {
                let _ = writeln!(front, "weight = {}", p.number);
                let signals: Vec<String> = Self::signals(p, lang)
                    .iter()
                    .map(|s| format!("{s:?}"))
                    .collect();
                let _ = writeln!(front, "signals = [{}]", signals.join(", "));
            }
            PageKind::Step => {
                let _ = writeln!(front, "order = {}", p.number);
                let mut addr: Vec<usize> = (0..3).map(|_| 1 + rng.below(self.obstacles)).collect();
                addr.sort();
                addr.dedup();
                let ids: Vec<String> = addr.iter().map(|i| format!("\"o{i:05}\"")).collect();
                let _ = writeln!(front, "addresses = [{}]", ids.join(", "));
            }
            PageKind::Generic => {
                let _ = writeln!(front, "weight = {}", p.number);
            }
        }

        let para = |rng: &mut Rng, n: usize| -> String {
            let mut s = String::new();
            for i in 0..n {
                if i > 0 {
                    s.push(' ');
                }
                s.push_str(sentences[rng.below(sentences.len())]);
            }
            s
        };
        let other = |rng: &mut Rng| &self.pages[rng.below(self.pages.len())];
        let mut b = String::new();
        let (w1, w2) = (words[rng.below(words.len())], words[rng.below(words.len())]);
        let _ = writeln!(
            b,
            "{} **{w1}** {} *{w2}*, `{}`. {}\n",
            para(&mut rng, 2),
            if fr { "et" } else { "and" },
            CODE[p.number % CODE.len()].0,
            para(&mut rng, 1)
        );
        let (h_context, h_details, h_steps, h_table, h_example, h_links) = if fr {
            (
                "Contexte",
                "Détails",
                "Mise en œuvre",
                "Répartition des rôles",
                "Exemple",
                "Pour aller plus loin",
            )
        } else {
            (
                "Context",
                "Details",
                "Putting it in place",
                "Who does what",
                "Example",
                "Further reading",
            )
        };
        let _ = writeln!(
            b,
            "## {h_context}\n\n{}\n\n{}\n",
            para(&mut rng, 3),
            para(&mut rng, 2)
        );
        let _ = writeln!(b, "### {h_details} {{#details}}\n\n{}\n", para(&mut rng, 2));
        for _ in 0..5 {
            let _ = writeln!(b, "- {}", para(&mut rng, 1));
        }
        let _ = writeln!(b, "\n## {h_steps}\n");
        for i in 1..=4 {
            let _ = writeln!(b, "{i}. {}", para(&mut rng, 1));
        }
        let target = other(&mut rng);
        let target2 = other(&mut rng);
        let _ = writeln!(
            b,
            "\n{} [{}]({}) {} [{}]({}).\n",
            para(&mut rng, 1),
            Self::title(target, lang),
            link(target, Some("details")),
            if fr { "Voir aussi" } else { "See also" },
            Self::title(target2, lang),
            link(target2, None),
        );
        let _ = writeln!(b, "### {h_table}\n");
        let _ = writeln!(
            b,
            "| {} | {} | {} | {} |\n|---|---|---|---:|",
            if fr { "Rôle" } else { "Role" },
            if fr {
                "Responsabilité"
            } else {
                "Responsibility"
            },
            if fr { "Fréquence" } else { "Frequency" },
            if fr { "Heures" } else { "Hours" }
        );
        for _ in 0..5 {
            let _ = writeln!(
                b,
                "| {} | {} | {} | {} |",
                words[rng.below(words.len())],
                words[rng.below(words.len())],
                if fr { "hebdomadaire" } else { "weekly" },
                1 + rng.below(12)
            );
        }
        // Every block differs (a comment naming the page), as in real documentation.
        let (lang_name, code) = CODE[p.number % CODE.len()];
        let comment = if matches!(lang_name, "rust" | "javascript") {
            "//"
        } else {
            "#"
        };
        let _ = writeln!(
            b,
            "\n## {h_example}\n\n{}\n\n```{lang_name}\n{comment} {} {}\n{code}```\n",
            para(&mut rng, 1),
            p.id,
            words[rng.below(words.len())]
        );
        let _ = writeln!(b, "> {}\n", para(&mut rng, 2));
        let _ = writeln!(b, "## {h_links}\n");
        for _ in 0..3 {
            let t = other(&mut rng);
            let _ = writeln!(b, "- [{}]({})", Self::title(t, lang), link(t, None));
        }
        let _ = writeln!(b, "\n{}", para(&mut rng, 3));
        (front, b)
    }

    fn write_playbook(&self, site: &Path, themes: &Path) {
        let content = site.join("content");
        copy_dir(themes, &site.join("themes"));
        write(
            &content.join("site.toml"),
            "title = { fr = \"Banc d’essai\", en = \"Benchmark\" }\ndescription = { fr = \"Un corpus synthétique.\", en = \"A synthetic corpus.\" }\nbase_url = \"https://intranet.example/\"\n",
        );
        let link = |t: &Page, anchor: Option<&str>| match anchor {
            Some(a) => format!("@/{}/{}.md#{a}", t.section, t.id),
            None => format!("@/{}/{}.md", t.section, t.id),
        };
        write_indexes(&content);
        for p in &self.pages {
            let (fr_front, fr_body) = self.page_text(p, "fr", &link);
            let (en_front, en_body) = self.page_text(p, "en", &link);
            // The English page records the French text it translates, so it is not stale.
            let hash = source_hash(p, &fr_body);
            write(
                &content.join(p.section).join(format!("{}.fr.md", p.id)),
                &format!("+++\n{fr_front}+++\n{fr_body}"),
            );
            write(
                &content.join(p.section).join(format!("{}.en.md", p.id)),
                &format!("+++\ntranslated_from = \"{hash}\"\n{en_front}+++\n{en_body}"),
            );
        }
    }

    fn write_hugo(&self, site: &Path) {
        write(
            &site.join("hugo.toml"),
            r#"baseURL = "https://intranet.example/"
title = "Benchmark"
defaultContentLanguage = "fr"
defaultContentLanguageInSubdir = true
disableKinds = ["taxonomy", "term", "RSS"]
enableRobotsTXT = true

[languages.fr]
languageName = "Français"
title = "Banc d’essai"
weight = 1
[languages.en]
languageName = "English"
title = "Benchmark"
weight = 2

[markup.highlight]
noClasses = false
[markup.tableOfContents]
startLevel = 2
endLevel = 3
"#,
        );
        for (name, text) in HUGO_LAYOUTS {
            write(&site.join("layouts").join(name), text);
        }
        write(
            &site.join("static/style.css"),
            "body { font-family: sans-serif; }\n",
        );
        let content = site.join("content");
        let link = |t: &Page, anchor: Option<&str>| match anchor {
            Some(a) => format!("{{{{< relref \"/{}/{}.md#{a}\" >}}}}", t.section, t.id),
            None => format!("{{{{< relref \"/{}/{}.md\" >}}}}", t.section, t.id),
        };
        write_indexes(&content);
        for p in &self.pages {
            for lang in LANGS {
                let (mut front, body) = self.page_text(p, lang, &link);
                if p.kind == PageKind::Step {
                    // Steps are ordered by `order` in playbook, by weight in Hugo.
                    let _ = writeln!(front, "weight = {}", p.number);
                }
                write(
                    &content.join(p.section).join(format!("{}.{lang}.md", p.id)),
                    &format!("+++\n{front}+++\n{body}"),
                );
            }
        }
    }
}

/// The URL segment of a page (ASCII, so both tools agree on it).
fn slug(p: &Page, lang: &str) -> String {
    let kind = match (p.kind, lang) {
        (PageKind::Obstacle, _) => "obstacle",
        (PageKind::Step, "fr") => "etape",
        (PageKind::Step, _) => "step",
        (PageKind::Generic, "fr") => "fiche",
        (PageKind::Generic, _) => "sheet",
    };
    format!("{kind}-{}", p.number)
}

/// playbook's translation record (`translations::source_hash`): FNV-1a over title, summary,
/// lists and trimmed body.
fn source_hash(p: &Page, body: &str) -> String {
    let mut text = String::new();
    text.push_str(&Corpus::title(p, "fr"));
    text.push('\u{1f}');
    text.push_str(&Corpus::summary(p, "fr"));
    if p.kind == PageKind::Obstacle {
        for s in Corpus::signals(p, "fr") {
            text.push('\u{1f}');
            text.push_str(&s);
        }
    }
    text.push('\u{1e}');
    text.push_str(body.trim());
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// The home page and section indexes, in both languages: the same files for both tools.
fn write_indexes(content: &Path) {
    for lang in LANGS {
        let home = if lang == "fr" {
            "+++\ntitle = \"Banc d’essai\"\nsummary = \"Un corpus synthétique pour mesurer le générateur.\"\n+++\nBienvenue. Les sections sont listées ci-dessous.\n"
        } else {
            "+++\ntitle = \"Benchmark\"\nsummary = \"A synthetic corpus to measure the generator.\"\n+++\nWelcome. The sections are listed below.\n"
        };
        write(&content.join(format!("_index.{lang}.md")), home);
        for (i, section) in ["obstacles", "steps"].iter().chain(&SECTIONS).enumerate() {
            let text = format!(
                "+++\ntitle = \"Section {section}\"\nweight = {}\n+++\n{}\n",
                i + 1,
                if lang == "fr" {
                    "Les pages de cette section."
                } else {
                    "The pages of this section."
                }
            );
            write(
                &content.join(section).join(format!("_index.{lang}.md")),
                &text,
            );
        }
    }
}

/// The file saying which corpus a site folder holds (neither tool reads it).
const CORPUS_MARKER: &str = ".bench-corpus";

/// The page count and a hash of this bench's source: a corpus written by another version of
/// the bench, or with another size, is deleted and written anew.
fn corpus_marker(pages: usize) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    include_str!("bench.rs").hash(&mut h);
    format!("pages {pages}, bench {:016x}\n", h.finish())
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folder");
    }
    std::fs::write(path, text).unwrap_or_else(|e| die(&format!("{}: {e}", path.display())));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read themes") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy theme file");
        }
    }
}

/// Hugo templates of about the weight of playbook's theme: a base layout with the header,
/// language switch, section navigation, breadcrumbs and footer; single pages with the table of
/// contents, relations both ways and previous/next; section lists with cards; a home page.
const HUGO_LAYOUTS: [(&str, &str); 5] = [
    (
        "_default/baseof.html",
        r##"<!DOCTYPE html>
<html lang="{{ .Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ .Site.Title }}</title>
<meta name="robots" content="noindex">
{{ with .Params.summary }}<meta name="description" content="{{ . }}">
{{ end }}<link rel="canonical" href="{{ .Permalink }}">
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{ end }}<link rel="stylesheet" href="{{ "style.css" | relURL }}">
</head>
<body>
<a class="skip-link" href="#main">Skip</a>
<header class="site-header">
<a class="site-title" href="{{ .Site.Home.RelPermalink }}">{{ .Site.Title }}</a>
<nav class="lang-switch"><ul>{{ range .Translations }}<li><a href="{{ .RelPermalink }}" hreflang="{{ .Language.Lang }}" lang="{{ .Language.Lang }}">{{ .Language.LanguageName }}</a></li>{{ end }}</ul></nav>
<nav id="site-nav" class="site-nav"><ul>{{ $cur := . }}{{ range .Site.Sections.ByWeight }}<li><a href="{{ .RelPermalink }}"{{ if or (eq . $cur) (eq . $cur.Parent) }} aria-current="true"{{ end }}>{{ .Title }}</a></li>{{ end }}</ul></nav>
</header>
{{ if not .IsHome }}<nav class="breadcrumbs"><ol>{{ range .Ancestors.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}<li><span aria-current="page">{{ .Title }}</span></li></ol></nav>{{ end }}
<main id="main" tabindex="-1">
{{ block "main" . }}{{ end }}
</main>
<footer class="site-footer"><p>Internal playbook.</p></footer>
</body>
</html>
"##,
    ),
    (
        "_default/single.html",
        r##"{{ define "main" }}
{{ if eq .Section "steps" }}<p class="kicker">Step {{ .Params.order }}</p>{{ end }}
<h1>{{ .Title }}</h1>
{{ with .Params.summary }}<p class="lead">{{ . }}</p>{{ end }}
{{ if eq .Section "steps" }}{{ with .Params.addresses }}<section class="related addresses"><h2 id="addresses-title">Obstacles</h2><ul class="cards">
{{ range . }}{{ with site.GetPage (printf "/obstacles/%s" .) }}<li class="card"><a href="{{ .RelPermalink }}">{{ .Title }}</a><p>{{ .Params.summary }}</p></li>
{{ end }}{{ end }}</ul></section>{{ end }}{{ end }}
{{ with .TableOfContents }}<nav class="toc"><h2 id="toc-title">On this page</h2>{{ . }}</nav>{{ end }}
{{ with .Params.signals }}<section class="signals"><h2 id="signals-title">Signals</h2><ul>{{ range . }}<li>{{ . }}</li>{{ end }}</ul></section>{{ end }}
<div class="prose">
{{ .Content }}
</div>
{{ if eq .Section "obstacles" }}{{ $id := .File.TranslationBaseName }}<section class="related"><h2 id="addressed-title">Steps</h2><ol class="cards">
{{ range where (where site.RegularPages "Section" "steps") "Params.addresses" "intersect" (slice $id) }}<li class="card"><span class="step-number">{{ .Params.order }}</span><a href="{{ .RelPermalink }}">{{ .Title }}</a><p>{{ .Params.summary }}</p></li>
{{ end }}</ol></section>{{ end }}
{{ if or .PrevInSection .NextInSection }}<nav class="prev-next">
{{ with .NextInSection }}<a class="prev" rel="prev" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .PrevInSection }}<a class="next" rel="next" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
</nav>{{ end }}
{{ end }}
"##,
    ),
    (
        "_default/list.html",
        r##"{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ with .Params.summary }}<p class="lead">{{ . }}</p>{{ end }}
<div class="prose">
{{ .Content }}
</div>
<ol class="cards">
{{ range .Pages }}<li class="card">{{ with .Params.order }}<span class="step-number">{{ . }}</span>{{ end }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ with .Params.summary }}<p>{{ . }}</p>{{ end }}</li>
{{ end }}</ol>
{{ end }}
"##,
    ),
    (
        "index.html",
        r##"{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ with .Params.summary }}<p class="lead">{{ . }}</p>{{ end }}
<div class="prose">
{{ .Content }}
</div>
<ul class="cards">{{ range .Site.Sections.ByWeight }}<li class="card"><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
"##,
    ),
    (
        "404.html",
        r##"{{ define "main" }}
<h1>Page not found</h1>
<p><a href="{{ .Site.Home.RelPermalink }}">Home</a></p>
{{ end }}
"##,
    ),
];
