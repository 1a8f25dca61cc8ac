//! Watch mode: the pure `build` pipeline in a loop. Builds once, then rebuilds whenever
//! something under `content/` or `themes/` changes (through a debouncer; `--poll` for file
//! systems without change notification), batching bursts, ignoring editor temporary files and
//! the output folder. A failed build prints its located errors and leaves the last good site
//! in place; the loop itself never stops on a content error. With each publish the URL ledger
//! (`content/urls.lock`) is brought up to date; its own write does not count as a change.
//! Ctrl-C ends it between builds.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use notify::event::{MetadataKind, ModifyKind};
use notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{
    new_debouncer, new_debouncer_opt, DebounceEventResult, Debouncer, NoCache, RecommendedCache,
};

use std::collections::BTreeMap;

use crate::authoring::incremental::{write_changed, Publish, Session};
use crate::authoring::ledger;
use crate::build::BuildOptions;
use crate::errors::{printable, Failure, Fatal};
use crate::output::Output;

/// How long a file must be quiet before the debouncer reports it (an editor's save is a
/// few events within a millisecond or two).
const QUIET: Duration = Duration::from_millis(20);
/// How often the debouncer looks at its queue.
const TICK: Duration = Duration::from_millis(5);
/// After a first report, how long to wait for more before rebuilding: a checkout touching
/// many files is reported file by file, across a few ticks.
const SETTLE: Duration = Duration::from_millis(15);

pub(crate) struct WatchOptions {
    pub(crate) poll: bool,
    pub(crate) quiet: bool,
    pub(crate) out_dir: PathBuf,
    /// Keep the site's bytes in memory for the caller (the preview server serves them).
    pub(crate) keep_site: bool,
}

/// What one rebuild produced, handed to the caller (serve reloads browsers with it).
pub(crate) enum Outcome<'a> {
    Built {
        /// The site's bytes, when `keep_site` asked for them (else empty).
        output: &'a Output,
        pages: &'a BTreeMap<String, usize>,
    },
    Failed(String),
}

enum Message {
    Changed(Vec<PathBuf>),
    WatchError(String),
    Stop,
}

/// Reads (our own builds open every file) and metadata-only changes are not edits. A new
/// modification time is: it is how `--poll` reports every edit.
fn changes_content(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(m)) => matches!(m, MetadataKind::WriteTime),
        _ => true,
    }
}

/// With `--poll`, adding or removing a file also gives its folder a new modification time;
/// the file's own event is the one that matters.
fn is_folder_touch(event: &notify::Event) -> bool {
    matches!(
        event.kind,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime))
    ) && event.paths.iter().all(|p| p.is_dir())
}

/// True when a changed path should trigger a rebuild.
pub(crate) fn is_relevant(path: &Path, root: &Path, out_dir: &Path) -> bool {
    if path.starts_with(out_dir) {
        return false;
    }
    let Ok(rel) = path.strip_prefix(root) else {
        return true;
    };
    let mut parts = rel.iter().map(|p| p.to_string_lossy());
    let top = parts.next();
    if !matches!(top.as_deref(), Some("content" | "themes")) {
        return false;
    }
    !rel.iter()
        .any(|p| crate::content::discover::is_temporary(&p.to_string_lossy()))
}

/// Runs the loop until Ctrl-C. `on_outcome` sees every build.
pub(crate) fn run(
    opts: &BuildOptions,
    w: &WatchOptions,
    on_outcome: &mut dyn FnMut(Outcome),
) -> Result<(), Fatal> {
    let root = std::fs::canonicalize(&opts.root)
        .map_err(|e| Fatal(format!("cannot open `{}`: {e}", opts.root.display())))?;
    let out_dir = absolute(&w.out_dir);
    let (tx, rx) = mpsc::channel::<Message>();

    let stopping = Arc::new(AtomicBool::new(false));
    {
        let tx = tx.clone();
        let stopping = stopping.clone();
        let _ = ctrlc::set_handler(move || {
            if stopping.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            let _ = tx.send(Message::Stop);
        });
    }

    let handler = {
        let tx = tx.clone();
        let root = root.clone();
        let out_dir = out_dir.clone();
        move |result: DebounceEventResult| {
            let message = match result {
                Ok(events) => {
                    let paths: Vec<PathBuf> = events
                        .into_iter()
                        .filter(|e| changes_content(&e.event.kind) && !is_folder_touch(&e.event))
                        .flat_map(|e| e.event.paths.clone())
                        .collect();
                    // Our own builds read every file: nothing to wake the loop for.
                    if paths.is_empty() {
                        return;
                    }
                    Message::Changed(paths)
                }
                Err(errors) => {
                    // Polling stats everything, editor lock files too (emacs's `.#x` is a
                    // dangling link): errors about files we ignore are not worth a warning.
                    let errors: Vec<String> = errors
                        .iter()
                        .filter(|e| {
                            e.paths.is_empty()
                                || e.paths.iter().any(|p| is_relevant(p, &root, &out_dir))
                        })
                        .map(ToString::to_string)
                        .collect();
                    if errors.is_empty() {
                        return;
                    }
                    Message::WatchError(errors.join("; "))
                }
            };
            let _ = tx.send(message);
        }
    };
    let dirs: Vec<PathBuf> = ["content", "themes"]
        .iter()
        .map(|d| root.join(d))
        .filter(|d| d.is_dir())
        .collect();
    let watch_err = |e: notify::Error| Fatal(format!("cannot watch for changes: {e}; try --poll"));
    // Keep the debouncer alive for the whole loop. The native one is also told to follow a
    // `content/` or `themes/` folder that is replaced (polling looks the path up every time).
    let mut native = None;
    let _polling: Option<Box<dyn std::any::Any>> = if w.poll {
        // The poll watcher compares modification times in whole seconds: without comparing
        // contents, a second save within the same second would go unseen.
        let config = notify::Config::default()
            .with_poll_interval(Duration::from_millis(200))
            .with_compare_contents(true);
        let mut d =
            new_debouncer_opt::<_, notify::PollWatcher, _>(QUIET, None, handler, NoCache, config)
                .map_err(watch_err)?;
        for dir in &dirs {
            d.watch(dir, RecursiveMode::Recursive).map_err(watch_err)?;
        }
        Some(Box::new(d))
    } else {
        let mut d = new_debouncer(QUIET, Some(TICK), handler).map_err(watch_err)?;
        for dir in &dirs {
            d.watch(dir, RecursiveMode::Recursive).map_err(watch_err)?;
        }
        // The site folder's own entries: says when `content/` or `themes/` is replaced.
        d.watch(&root, RecursiveMode::NonRecursive)
            .map_err(watch_err)?;
        native = Some(d);
        None
    };

    if !w.quiet {
        say!(
            "watching {} for changes (Ctrl-C to stop)",
            dirs.iter()
                .map(|d| d.strip_prefix(&root).unwrap_or(d).display().to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        );
    }
    let mut session = Session::new(opts.clone(), root.clone(), out_dir.clone(), w.keep_site);
    rebuild(&mut session, &root, &[], w, &out_dir, on_outcome);
    'watch: loop {
        let mut changed = match rx.recv() {
            Ok(Message::Stop) | Err(_) => break,
            Ok(Message::WatchError(e)) => {
                eprintln!("warning: watching: {}", printable(&e));
                continue;
            }
            Ok(Message::Changed(paths)) => paths,
        };
        // A burst (a checkout, a save-all) arrives as several batches: wait for quiet.
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match rx.recv_timeout(SETTLE) {
                Ok(Message::Changed(more)) => changed.extend(more),
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => break 'watch,
                Ok(Message::WatchError(e)) => {
                    eprintln!("warning: watching: {}", printable(&e))
                }
                Err(RecvTimeoutError::Timeout) => break,
            }
            if Instant::now() > deadline {
                break;
            }
        }
        if let Some(d) = native.as_mut() {
            follow_replaced_folders(d, &root, &changed);
        }
        // A file saved in several steps appears in several events: count it once.
        // The URL ledger as our last build wrote it is not a change.
        let mut relevant: Vec<&PathBuf> = changed
            .iter()
            .filter(|p| is_relevant(p, &root, &out_dir))
            .filter(|p| !ledger::is_own_write(p, &root, session.ledger_text()))
            .collect();
        relevant.sort();
        relevant.dedup();
        if relevant.is_empty() {
            continue;
        }
        if !w.quiet {
            let first = relevant[0]
                .strip_prefix(&root)
                .unwrap_or(relevant[0])
                .display()
                .to_string();
            let more = if relevant.len() > 1 {
                format!(" and {} more", relevant.len() - 1)
            } else {
                String::new()
            };
            say!("change: {}{more}", printable(&first));
        }
        let relevant: Vec<PathBuf> = relevant.into_iter().cloned().collect();
        rebuild(&mut session, &root, &relevant, w, &out_dir, on_outcome);
    }
    if !w.quiet {
        say!("stopped");
    }
    Ok(())
}

/// A watch follows a folder, not its path: when `content/` or `themes/` is moved away and
/// another put in its place (a restore, a sync tool), watch the new one. Before the rebuild,
/// which reads whatever changed in between.
fn follow_replaced_folders(
    d: &mut Debouncer<notify::RecommendedWatcher, RecommendedCache>,
    root: &Path,
    changed: &[PathBuf],
) {
    for name in ["content", "themes"] {
        let dir = root.join(name);
        if changed.contains(&dir) {
            let _ = d.unwatch(&dir);
            if dir.is_dir() {
                if let Err(e) = d.watch(&dir, RecursiveMode::Recursive) {
                    eprintln!("warning: cannot watch `{name}` any more: {e}; try --poll");
                }
            }
        }
    }
}

fn rebuild(
    session: &mut Session,
    root: &Path,
    changed: &[PathBuf],
    w: &WatchOptions,
    out_dir: &Path,
    on_outcome: &mut dyn FnMut(Outcome),
) {
    match session.rebuild(changed) {
        Ok(update) => {
            // The URL ledger first: whoever sees the new site also finds the ledger that
            // describes it.
            let moved = match update.ledger {
                Some(addresses) => ledger::record(root, addresses),
                None => Ok(Vec::new()),
            };
            let how = match &update.publish {
                Publish::All(_) => "built".to_string(),
                Publish::Changed(files) => format!("updated {} file(s) of", files.len()),
            };
            let written = moved.and_then(|moved| {
                match update.publish {
                    Publish::All(files) => files.publish(),
                    Publish::Changed(files) => write_changed(out_dir, &files),
                }
                .map(|()| moved)
            });
            match written {
                Ok(moved) => {
                    if !update.warnings.is_empty() {
                        eprint!("{}", update.warnings.clone().render());
                    }
                    // What serves the site takes the new one before the line saying it is
                    // built: whoever acts on the line (a person, a test) gets the new pages.
                    on_outcome(Outcome::Built {
                        output: update.output,
                        pages: &update.pages,
                    });
                    if !w.quiet {
                        let total: usize = update.pages.values().sum();
                        say!("{how} {total} pages in {} ms", update.millis);
                        if let Some(line) = &update.translations {
                            say!("{line}");
                        }
                        for line in moved {
                            say!("{line}");
                        }
                    }
                }
                Err(fatal) => {
                    on_outcome(Outcome::Failed(fatal.to_string()));
                    eprintln!("{fatal}");
                }
            }
        }
        Err(Failure::Content(ds)) => {
            let text = ds.render();
            on_outcome(Outcome::Failed(text.clone()));
            eprint!("{text}");
            eprintln!(
                "the last good site is still in {}; waiting for the next change",
                out_dir.display()
            );
        }
        Err(Failure::Fatal(f)) => {
            on_outcome(Outcome::Failed(f.to_string()));
            eprintln!("{f}");
            eprintln!("waiting for the next change");
        }
    }
}

/// The absolute form, without `.` components (it is shown: `/site/public`, not `/site/./public`).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::{changes_content, is_relevant};
    use notify::event::{AccessKind, DataChange, MetadataKind, ModifyKind};
    use notify::EventKind;
    use std::path::Path;

    #[test]
    fn edits_count_reads_and_attributes_do_not() {
        // `--poll` reports every edit as a new modification time.
        assert!(changes_content(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::WriteTime
        ))));
        assert!(changes_content(&EventKind::Modify(ModifyKind::Data(
            DataChange::Any
        ))));
        assert!(!changes_content(&EventKind::Modify(ModifyKind::Metadata(
            MetadataKind::Permissions
        ))));
        assert!(!changes_content(&EventKind::Access(AccessKind::Any)));
    }

    #[test]
    fn filters_paths() {
        let root = Path::new("/site");
        let out = Path::new("/site/public");
        assert!(is_relevant(
            Path::new("/site/content/steps/a.fr.md"),
            root,
            out
        ));
        assert!(is_relevant(
            Path::new("/site/themes/default/static/style.css"),
            root,
            out
        ));
        assert!(!is_relevant(
            Path::new("/site/content/steps/.a.fr.md.swp"),
            root,
            out
        ));
        assert!(!is_relevant(
            Path::new("/site/content/steps/4913"),
            root,
            out
        ));
        assert!(!is_relevant(
            Path::new("/site/public/fr/index.html"),
            root,
            out
        ));
        assert!(!is_relevant(Path::new("/site/target/debug/x"), root, out));
    }
}
