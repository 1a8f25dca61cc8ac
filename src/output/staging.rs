//! The staging folder a build writes into as it renders, and the swap that publishes it. A
//! build claims the hidden spare beside the output (`.public.spare`, the site the previous
//! build replaced) by renaming it to `.public.staging-<pid>`, or makes a new marked folder;
//! each file is then written as soon as it is rendered: a file the spare already holds with
//! the same bytes stays, one the published site holds with the same bytes becomes a hard link
//! to it, anything else is a new file (never rewritten in place: the two trees share
//! unchanged files). `publish` removes what the site no longer has, exchanges the folder with
//! the output in one rename and keeps the replaced site as the next spare. A build that fails
//! drops its staging folder: a claimed spare goes back to being the spare, a new one is
//! removed; the output folder is never touched. Nothing is written through a link, and only
//! folders holding playbook's marker are ever removed or written into. A staging folder that
//! starts empty beside a published output holds only the files that changed, and may be
//! published by renaming them into the output (`in_place.rs`).

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use rayon::prelude::*;

use crate::errors::Fatal;

use super::in_place::{self, InPlace};
use super::record::{self, Record};
use super::stamp::Stamp;
use super::survey::{survey, unwanted, wanted, Held, Surveyed};
use super::{lock, Manifest, MARKER};

/// A staging folder being filled.
pub(crate) struct Staging {
    pub(super) out: PathBuf,
    pub(super) dir: PathBuf,
    spare: PathBuf,
    spare_is_ours: bool,
    /// The staging folder was the spare (not a new folder).
    claimed: bool,
    /// The published output, when it is ours: unchanged files are hard-linked from it.
    previous: Option<PathBuf>,
    /// The same folder opened (Unix): its files are looked at and linked relative to it, a
    /// shorter path to resolve for each of thousands of files, and all in the one folder.
    previous_dir: Option<std::fs::File>,
    /// What the claimed spare held: path → folder or file. Surveyed on another thread while
    /// the site loads; the first write waits for it.
    existing: OnceLock<Surveyed>,
    survey: Mutex<Option<JoinHandle<Surveyed>>>,
    /// The folders this build added an entry to, removed one from or replaced one in: their
    /// stamps are not recorded for the next build.
    changed: Mutex<FxHashSet<String>>,
    /// The record of the published tree, found in the claimed spare: once this build's site
    /// is published, that tree is the spare and keeps it (`record.rs`).
    published_record: Option<Vec<u8>>,
    /// Set when the staging folder starts empty beside a published output: the build may
    /// publish by renaming its changed files into the output (`in_place.rs`).
    in_place: Option<InPlace>,
    pub(super) done: bool,
}

impl Staging {
    /// Claims the spare (or makes a new staging folder) for the output folder `out`; refuses
    /// an output folder playbook did not make.
    pub(crate) fn open(out: &Path) -> Result<Staging, Fatal> {
        let out = absolute(out)?;
        let parent = out
            .parent()
            .ok_or_else(|| Fatal(format!("cannot publish to `{}`", out.display())))?
            .to_path_buf();
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "public".into());
        std::fs::create_dir_all(&parent)
            .map_err(|e| Fatal(format!("cannot create `{}`: {e}", parent.display())))?;
        if out.exists()
            && !out.join(MARKER).exists()
            && std::fs::read_dir(&out)
                .map(|mut d| d.next().is_some())
                .unwrap_or(true)
        {
            return Err(Fatal(format!(
                "`{}` exists and was not made by playbook; remove it or choose another --output",
                out.display()
            )));
        }
        clean_leftovers(&parent, &name);
        let dir = parent.join(format!(".{name}.staging-{}", std::process::id()));
        let spare = parent.join(format!(".{name}.spare"));
        // Ours from a process that had this id before, or the author's: only ours is replaced.
        if std::fs::symlink_metadata(&dir).is_ok() {
            if !is_ours(&dir) {
                return Err(Fatal(format!(
                    "`{}` exists and was not made by playbook; remove or rename it",
                    dir.display()
                )));
            }
            remove(&dir)?;
        }
        let spare_is_ours = match std::fs::symlink_metadata(&spare) {
            Err(_) => true,
            Ok(_) if is_ours(&spare) => true,
            Ok(_) => {
                eprintln!(
                    "warning: `{}` was not made by playbook; it is left alone and the site is written from scratch",
                    spare.display()
                );
                false
            }
        };
        // The spare is claimed by a rename, so two builds at once never share it; a new
        // staging folder is marked before anything else is written in it.
        let claimed = spare_is_ours && std::fs::rename(&spare, &dir).is_ok();
        if !claimed {
            std::fs::create_dir(&dir)
                .and_then(|()| std::fs::write(dir.join(MARKER), b""))
                .map_err(|e| Fatal(format!("cannot write `{}`: {e}", dir.display())))?;
        }
        let previous = out.join(MARKER).is_file().then(|| out.clone());
        let previous_dir = previous
            .as_ref()
            .filter(|_| cfg!(unix))
            .and_then(|p| std::fs::File::open(p).ok());
        let mut staging = Staging {
            out,
            dir,
            spare,
            spare_is_ours,
            claimed,
            previous,
            previous_dir,
            existing: OnceLock::new(),
            survey: Mutex::new(None),
            changed: Mutex::default(),
            published_record: None,
            in_place: None,
            done: false,
        };
        if claimed {
            let dir = staging.dir.clone();
            // The records it holds, taken out before anything in it changes.
            let (own, published) = record::take(&dir);
            staging.published_record = published;
            if !in_place::holds_nothing(&dir) {
                *lock(&staging.survey) = Some(std::thread::spawn(move || {
                    super::in_background();
                    survey(&dir, own.as_deref().and_then(Record::decode))
                }));
                return Ok(staging);
            }
        }
        let _ = staging.existing.set(Ok(FxHashMap::default()));
        if staging.previous.is_some() {
            staging.in_place = InPlace::start(&staging.out, staging.published_record.as_deref());
        }
        Ok(staging)
    }

    /// What the claimed spare held, once surveyed.
    fn existing(&self) -> Result<&FxHashMap<String, Held>, Fatal> {
        self.existing
            .get_or_init(|| match lock(&self.survey).take().map(JoinHandle::join) {
                Some(Ok(surveyed)) => surveyed,
                _ => Err(Fatal(format!("cannot read `{}`", self.dir.display()))),
            })
            .as_ref()
            .map_err(|e| Fatal(e.0.clone()))
    }

    /// Notes that the folder holding `rel` changes (an entry added, removed or replaced): its
    /// stamp is not recorded. With `all`, so do the folders above it (folders made or
    /// replaced on the way).
    fn change(&self, rel: &str, all: bool) {
        let mut changed = lock(&self.changed);
        for (i, _) in rel.rmatch_indices('/') {
            if !changed.contains(&rel[..i]) {
                changed.insert(rel[..i].to_string());
            }
            if !all {
                break;
            }
        }
    }

    /// Writes one file of the site (`rel`, with `/`) into the staging folder; its stamp.
    pub(crate) fn put(&self, rel: &str, bytes: &[u8]) -> Result<Option<Stamp>, Fatal> {
        if let Some(place) = &self.in_place {
            return place.put(self, rel, bytes);
        }
        self.write(rel, bytes)?;
        Ok(Stamp::of(&self.dir.join(rel)))
    }

    /// Puts the published file at `rel` into the staging folder as it is, when it still holds
    /// the bytes hashing to `hash`: it has the `stamp` it had when it was published, or else
    /// (a copy restored by a CI cache has new inodes and times) its bytes are read and hashed.
    /// A hard link, or nothing to do when the spare already shares it. Its stamp now; `None`
    /// when it cannot: the caller renders the file instead.
    pub(crate) fn reuse(&self, rel: &str, hash: &blake3::Hash, stamp: Stamp) -> Option<Stamp> {
        let old = self.previous.as_ref()?.join(rel);
        let now = self.previous_stamp(rel, &old)?;
        if now != stamp
            && (now.len != stamp.len
                || std::fs::read(&old).map(|b| blake3::hash(&b)).ok()? != *hash)
        {
            return None;
        }
        // Linked only if the site is swapped in whole (`InPlace::complete`).
        if self.in_place.is_some() {
            return Some(now);
        }
        let path = self.dir.join(rel);
        let held = self.existing().ok()?.get(rel);
        // The spare already shares the published file (the survey saw its inode).
        if matches!(held, Some(Held::File { inode }) if *inode == now.inode) {
            return Some(now);
        }
        self.change(rel, false);
        match held {
            Some(Held::File { .. }) => ignore_missing(std::fs::remove_file(&path)).ok()?,
            Some(Held::Folder(_)) => ignore_missing(std::fs::remove_dir_all(&path)).ok()?,
            None => {}
        }
        self.create(rel, |p| self.link_previous(rel, &old, p))
            .then_some(now)
    }

    /// The stamp of the published file at `rel` (`old`, its path).
    pub(super) fn previous_stamp(&self, rel: &str, old: &Path) -> Option<Stamp> {
        #[cfg(unix)]
        if let Some(dir) = &self.previous_dir {
            return Stamp::at(dir, rel);
        }
        Stamp::of(old)
    }

    /// Hard-links the published file at `rel` (`old`, its path) to `to`.
    pub(super) fn link_previous(&self, rel: &str, old: &Path, to: &Path) -> std::io::Result<()> {
        #[cfg(unix)]
        if let Some(dir) = &self.previous_dir {
            use rustix::fs::{linkat, AtFlags, CWD};
            return Ok(linkat(dir, rel, CWD, to, AtFlags::empty())?);
        }
        std::fs::hard_link(old, to)
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), Fatal> {
        let path = self.dir.join(rel);
        match self.existing()?.get(rel) {
            Some(Held::File { .. }) => {
                if same_content(&path, bytes) {
                    return Ok(());
                }
                self.change(rel, false);
                // Maybe shared with the published site: replaced, never written in place.
                ignore_missing(std::fs::remove_file(&path)).map_err(|e| fail(&path, e))?;
            }
            // A folder where the site now has a file: nothing the site wants is inside.
            Some(Held::Folder(_)) => {
                self.change(rel, false);
                ignore_missing(std::fs::remove_dir_all(&path)).map_err(|e| fail(&path, e))?
            }
            None => self.change(rel, false),
        }
        if let Some(old) = self.previous.as_ref().map(|p| p.join(rel)) {
            if same_content(&old, bytes) && self.create(rel, |p| std::fs::hard_link(&old, p)) {
                return Ok(());
            }
        }
        if self.create(rel, |p| write_new(p, bytes)) {
            return Ok(());
        }
        // Something the survey did not see is there (a folder it could not read): replaced,
        // never written into — it may be a link to the published site.
        ignore_missing(std::fs::remove_file(&path))
            .and_then(|()| write_new(&path, bytes))
            .map_err(|e| fail(&path, e))
    }

    /// Runs `make` on the path of `rel`, making its folders when they are missing (or a file
    /// of the spare stands where the site now has a folder). False when it still fails.
    pub(super) fn create(&self, rel: &str, make: impl Fn(&Path) -> std::io::Result<()>) -> bool {
        let path = self.dir.join(rel);
        if make(&path).is_ok() {
            return true;
        }
        self.change(rel, true);
        let mut folder = String::new();
        for part in rel
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, p)| p)
        {
            if !folder.is_empty() {
                folder.push('/');
            }
            folder.push_str(part);
            if self
                .existing()
                .is_ok_and(|e| matches!(e.get(&folder), Some(Held::File { .. })))
            {
                // Another thread may have replaced it already.
                let _ = std::fs::remove_file(self.dir.join(&folder));
            }
        }
        path.parent()
            .is_some_and(|p| std::fs::create_dir_all(p).is_ok())
            && make(&path).is_ok()
    }

    /// Removes what the staging folder holds beyond `files` (the site's files), puts it in
    /// place of the output folder and keeps the replaced site as the next build's spare.
    /// `stamps` are the stamps of the staged files: with them, what the folder holds is
    /// recorded for the build that will claim it as its spare (`record.rs`).
    pub(crate) fn publish(
        mut self,
        files: &Manifest,
        stamps: &BTreeMap<String, Stamp>,
    ) -> Result<(), Fatal> {
        if let Some(place) = self.in_place.take() {
            if place.publish(&mut self, files, stamps)? {
                return Ok(());
            }
            place.complete(&self, files)?;
        }
        let wanted = wanted(files);
        unwanted(self.existing()?, &wanted)
            .par_iter()
            .try_for_each(|&(rel, is_dir)| {
                self.change(rel, false);
                remove_unwanted(&self.dir.join(rel), is_dir)
            })?;
        if !self.dir.join(MARKER).is_file() {
            std::fs::write(self.dir.join(MARKER), b"").map_err(|e| fail(&self.dir, e))?;
        }
        let record = self.record(&wanted, files, stamps);
        self.done = true;
        let result = swap(&self.dir, &self.out);
        // The replaced site is the next build's starting point, unless a folder of the
        // author's has the spare's name.
        let kept = result.is_ok()
            && self.spare_is_ours
            && std::fs::symlink_metadata(&self.spare).is_err()
            && is_ours(&self.dir)
            && std::fs::rename(&self.dir, &self.spare).is_ok();
        if !kept && is_ours(&self.dir) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        // A site published where there was none replaced nothing: an empty spare carries its
        // record, so that the build after next (which claims this tree) need not survey it.
        let spare = kept
            || (result.is_ok()
                && self.spare_is_ours
                && std::fs::symlink_metadata(&self.dir).is_err()
                && make_marked(&self.spare));
        if let (true, Some(record)) = (spare, record) {
            record::keep(&self.spare, self.published_record.as_deref(), &record);
        }
        result
    }

    /// The record of the staging folder as it is about to be published (`wanted`, its files
    /// and folders; `files`, its files), encoded: the inode of each file, and the stamp of
    /// each folder — as the survey saw it when this build did not change it, else `stat`ed
    /// now — when it is settled. `None` when a file's stamp is not known.
    fn record(
        &self,
        wanted: &FxHashSet<&str>,
        files: &Manifest,
        stamps: &BTreeMap<String, Stamp>,
    ) -> Option<Vec<u8>> {
        let existing = self.existing().ok()?;
        record::of_tree(
            &self.dir,
            existing,
            &lock(&self.changed),
            wanted,
            files,
            stamps,
        )
    }

    /// After a build that published in place, or a build that could have and failed (`keep`
    /// false: the staging folder was the spare): the staging folder, emptied, is the spare,
    /// with `record`, the output's record when known. Else it goes.
    pub(super) fn back_to_empty_spare(&self, keep: bool, record: Option<&[u8]>) {
        in_place::empty(&self.dir);
        let spare = (keep || self.claimed)
            && self.spare_is_ours
            && std::fs::symlink_metadata(&self.spare).is_err()
            && std::fs::rename(&self.dir, &self.spare).is_ok();
        if !spare {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        if let (true, Some(record)) = (spare, record) {
            record::keep(&self.spare, None, record);
        }
    }
}

impl Drop for Staging {
    /// A build that did not publish: a claimed spare is still a spare (its files are compared
    /// byte by byte before any is kept), a new staging folder goes.
    fn drop(&mut self) {
        // Nothing is moved or removed while the survey walks it.
        let _ = self.existing();
        if self.done || !is_ours(&self.dir) {
            return;
        }
        // A build that may have published in place wrote only what changed: its folder
        // empties, and the output, untouched, keeps its record.
        if let Some(place) = self.in_place.take() {
            place.settle();
            self.back_to_empty_spare(false, self.published_record.as_deref());
            return;
        }
        let back = self.claimed
            && std::fs::symlink_metadata(&self.spare).is_err()
            && std::fs::rename(&self.dir, &self.spare).is_ok();
        if !back {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Removes the file or folder (`is_dir`) at `path` that the site does not have; what stands
/// there now may be what the site put in its place: then it stays.
pub(super) fn remove_unwanted(path: &Path, is_dir: bool) -> Result<(), Fatal> {
    match std::fs::symlink_metadata(path).map(|m| m.is_dir()) {
        Ok(true) if is_dir => std::fs::remove_dir_all(path),
        Ok(false) if !is_dir => std::fs::remove_file(path),
        _ => Ok(()),
    }
    .map_err(|e| fail(path, e))
}

pub(super) fn fail(p: &Path, e: std::io::Error) -> Fatal {
    Fatal(format!("cannot write `{}`: {e}", p.display()))
}

fn ignore_missing(r: std::io::Result<()>) -> std::io::Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// A real folder (not a link to one) holding playbook's marker: only such folders are ever
/// removed or written into.
pub(super) fn is_ours(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
        && std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file())
}

/// Makes an empty folder holding playbook's marker at `dir`, where nothing is; false when
/// it cannot (an unmarked folder is removed again: a foreign-looking spare would be left alone
/// by every later build).
fn make_marked(dir: &Path) -> bool {
    if std::fs::create_dir(dir).is_err() {
        return false;
    }
    let marked = std::fs::write(dir.join(MARKER), b"").is_ok();
    if !marked {
        let _ = std::fs::remove_dir(dir);
    }
    marked
}

fn remove(dir: &Path) -> Result<(), Fatal> {
    std::fs::remove_dir_all(dir)
        .map_err(|e| Fatal(format!("cannot remove `{}`: {e}", dir.display())))
}

/// Removes the staging folders of builds that were killed (`.<name>.staging-<pid>`, and its
/// `.old` from the two-rename swap): those that carry the marker and whose process is no
/// longer a running playbook. Anything else with such a name is left alone.
fn clean_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}.staging-");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Ok(pid) = rest.strip_suffix(".old").unwrap_or(rest).parse::<u32>() else {
            continue;
        };
        if pid != std::process::id() && !is_running_playbook(pid) && is_ours(&entry.path()) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether process `pid` is a playbook that may still be writing its staging folder. Without
/// `/proc` there is no telling, so the answer is yes.
fn is_running_playbook(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/comm")) {
        Ok(comm) => comm.trim_end() == "playbook",
        Err(_) => !Path::new("/proc/self").exists(),
    }
}

pub(super) fn absolute(path: &Path) -> Result<PathBuf, Fatal> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .map_err(|e| Fatal(format!("cannot read the current folder: {e}")))?
            .join(path))
    }
}

/// True when `path` is a regular file holding exactly `bytes`; read in pieces (a search index
/// is megabytes: not twice in memory).
pub(super) fn same_content(path: &Path, bytes: &[u8]) -> bool {
    use std::io::Read;
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
    {
        return false;
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut buf = vec![0; bytes.len().clamp(1, 1 << 16)];
    let mut rest = bytes;
    loop {
        match file.read(&mut buf) {
            Ok(0) => return rest.is_empty(),
            Ok(n) if n <= rest.len() && buf[..n] == rest[..n] => rest = &rest[n..],
            Ok(_) => return false,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return false,
        }
    }
}

/// Writes a new file at `path`; fails when anything is there already (a file there may be
/// shared with the published site: written into, the site would change).
pub(super) fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::File::options()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(bytes)
}

/// Puts `staging` in place of `out`; afterwards `staging` holds the old site (or nothing).
fn swap(staging: &Path, out: &Path) -> Result<(), Fatal> {
    if !out.exists() {
        return std::fs::rename(staging, out)
            .map_err(|e| Fatal(format!("cannot create `{}`: {e}", out.display())));
    }
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{renameat_with, RenameFlags, CWD};
        if renameat_with(CWD, staging, CWD, out, RenameFlags::EXCHANGE).is_ok() {
            return Ok(());
        }
    }
    // No atomic exchange here: two renames, the window between them kept as short as possible.
    let mut old_name = staging.file_name().unwrap_or_default().to_owned();
    old_name.push(".old");
    let old = staging.with_file_name(old_name);
    if is_ours(&old) {
        remove(&old)?;
    }
    std::fs::rename(out, &old)
        .map_err(|e| Fatal(format!("cannot replace `{}`: {e}", out.display())))?;
    std::fs::rename(staging, out)
        .map_err(|e| Fatal(format!("cannot replace `{}`: {e}", out.display())))?;
    std::fs::rename(&old, staging)
        .map_err(|e| Fatal(format!("cannot clean up `{}`: {e}", old.display())))
}
