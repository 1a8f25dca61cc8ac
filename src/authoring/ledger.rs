//! The URL ledger on disk: when a build or a rebuild is about to publish the site, `record` writes
//! `content/urls.lock` when its text changed (only then, so a rebuild that changes no address
//! writes nothing) and says what moved. Watch mode asks `is_own_write` whether a change to
//! the ledger is the one it just made, so that writing it never triggers another rebuild; an
//! edit by hand (or a `git pull`) still does.

use std::path::Path;

use crate::content::ledger::update::Update;
use crate::content::ledger::{report, LEDGER_FILE};
use crate::errors::Fatal;

/// Writes the ledger if it changed (a temporary file renamed over it: never half-written);
/// returns the lines to print about it (`moved: …`), after the build's summary.
pub(crate) fn record(root: &Path, update: &Update) -> Result<Vec<String>, Fatal> {
    if update.stale {
        let path = root.join(LEDGER_FILE);
        let tmp = root.join("content/.urls.lock.playbook-tmp");
        let fail = |e: std::io::Error| Fatal(format!("cannot write `{LEDGER_FILE}`: {e}"));
        std::fs::write(&tmp, &update.text).map_err(fail)?;
        std::fs::rename(&tmp, &path).map_err(fail)?;
    }
    Ok(report::lines(update))
}

/// True when `path` is the ledger and holds exactly `text`, what the last build wrote there.
pub(crate) fn is_own_write(path: &Path, root: &Path, text: Option<&str>) -> bool {
    path == root.join(LEDGER_FILE)
        && text.is_some_and(|text| std::fs::read(path).is_ok_and(|bytes| bytes == text.as_bytes()))
}
