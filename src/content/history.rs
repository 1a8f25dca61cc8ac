//! Git history of the content, read with the `git` command: when each content file last
//! changed (one `git log` pass over the history of `content/` for the whole build, plus one
//! `git status` to know which files differ from what was committed), and, for `check --diff`,
//! the past versions of one file. Outside a git checkout, without `git`, for a file with
//! uncommitted changes, or for a file whose last change lies beyond the history of a shallow
//! clone (a CI or Netlify checkout), nothing is known and nothing is claimed. Reads only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};

/// When each committed, unmodified content file last changed: path relative to the site root
/// (`content/steps/champion.fr.md`) → committer date (`2026-11-03`).
#[derive(Debug, Default, Clone)]
pub(crate) struct History {
    changed: BTreeMap<String, String>,
}

impl History {
    /// The date of the last commit that changed `rel`, when the file is as committed.
    pub(crate) fn last_change(&self, rel: &str) -> Option<&str> {
        self.changed.get(rel).map(String::as_str)
    }

    /// Reads the history of `root/content`; empty when it is not in a git checkout.
    pub(crate) fn read(root: &Path) -> History {
        // Where the site is in the repository, and the commits a shallow clone stops at: a
        // commit without its parent lists every file as changed, which says nothing.
        let Some(place) = git(
            root,
            &["rev-parse", "--show-prefix", "--git-path", "shallow"],
        ) else {
            return History::default();
        };
        let mut place = place.lines();
        let prefix = place.next().unwrap_or("").to_string();
        let shallow: BTreeSet<String> = place
            .next()
            .and_then(|p| std::fs::read_to_string(root.join(p)).ok())
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_default();
        let Some(log) = git(
            root,
            &[
                "log",
                "--format=format:%x00%H %cs",
                "--name-only",
                "--no-renames",
                "--relative",
                "--",
                "content",
            ],
        ) else {
            return History::default();
        };
        let dirty = dirty_files(root, &prefix);
        let mut changed = BTreeMap::new();
        let mut date = "";
        for line in log.lines() {
            if let Some(commit) = line.strip_prefix('\0') {
                let (hash, d) = commit.split_once(' ').unwrap_or(("", ""));
                date = if shallow.contains(hash) { "" } else { d };
            } else if !line.is_empty() && !dirty.contains(line) && is_date(date) {
                changed
                    .entry(line.to_string())
                    .or_insert_with(|| date.to_string());
            }
        }
        History { changed }
    }
}

/// `YYYY-MM-DD`.
fn is_date(s: &str) -> bool {
    s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
}

/// Content files (relative to the site root) that differ from the last commit or are not
/// committed at all.
fn dirty_files(root: &Path, prefix: &str) -> BTreeSet<String> {
    let Some(status) = git(
        root,
        &[
            "status",
            "--porcelain=v1",
            "-z",
            "--untracked-files=all",
            "--",
            "content",
        ],
    ) else {
        return BTreeSet::new();
    };
    let mut dirty = BTreeSet::new();
    let mut entries = status.split('\0');
    while let Some(entry) = entries.next() {
        if entry.len() < 4 {
            continue;
        }
        // A rename or copy is followed by its original name, which is dirty too.
        if entry.starts_with('R') || entry.starts_with('C') {
            if let Some(from) = entries.next() {
                dirty.extend(from.strip_prefix(prefix).map(str::to_string));
            }
        }
        // Porcelain paths are relative to the top of the repository.
        dirty.extend(entry[3..].strip_prefix(prefix).map(str::to_string));
    }
    dirty
}

/// One committed version of a file.
pub(crate) struct Version {
    /// Abbreviated commit id.
    pub(crate) commit: String,
    /// Committer date, `2026-11-03`.
    pub(crate) date: String,
    pub(crate) bytes: Vec<u8>,
}

/// The committed versions of `rel` (relative to the site root), newest first, read one by one
/// as `wanted` asks for them (`git show` per version: only `check --diff` uses this, for the
/// few stale translations). Nothing outside git.
pub(crate) fn find_version(
    root: &Path,
    rel: &str,
    limit: usize,
    mut wanted: impl FnMut(&Version) -> bool,
) -> Option<Version> {
    let log = git(
        root,
        &[
            "log",
            "--format=format:%h %cs",
            &format!("-n{limit}"),
            "--",
            rel,
        ],
    )?;
    for line in log.lines() {
        let (commit, date) = line.split_once(' ')?;
        let out = Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["show", &format!("{commit}:./{rel}")])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        let version = Version {
            commit: commit.to_string(),
            date: date.to_string(),
            bytes: out.stdout,
        };
        if out.status.success() && wanted(&version) {
            return Some(version);
        }
    }
    None
}

/// Runs `git` in `root`; its standard output when it succeeds and is UTF-8.
fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "core.quotepath=off"])
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

#[cfg(test)]
mod tests {
    use super::is_date;

    #[test]
    fn dates_are_checked() {
        assert!(is_date("2026-11-03"));
        assert!(!is_date(""));
        assert!(!is_date("2026/11/03"));
    }
}
