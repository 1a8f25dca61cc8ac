//! The survey of a claimed spare: what the folder a build is about to fill already holds,
//! path by path, so that the build keeps what is already right and publishing removes what
//! the site no longer has (`unwanted`). Read on a thread of its own while the site loads. The
//! published output is surveyed the same way, only looking, by a build that may update it in
//! place (`in_place.rs`).

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::Path;

use crate::errors::Fatal;

use super::record::Record;
use super::staging::fail;
use super::stamp::FolderStamp;
use super::{Manifest, MARKER};

/// What a claimed spare holds: path → what is there. (Looked up once for every file the build
/// puts: hashed, not sorted; the paths are the site's own.)
pub(super) type Surveyed = Result<FxHashMap<String, Held>, Fatal>;

/// An entry of the spare: a folder, or a file and its inode. A file hard-linked from the
/// published site has the same inode as it: nothing to compare. (The spare and the output are
/// siblings on one file system — publishing renames one onto the other — so one inode number
/// is one file.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Held {
    /// A folder, with its stamp when it was read, if settled (`record.rs`; none off Unix).
    Folder(Option<FolderStamp>),
    File {
        inode: u64,
    },
}

/// The files and folders of a claimed spare; anything else (a link, a socket, a name that is
/// not UTF-8) is removed now, so that nothing is ever written through it. Each folder is opened
/// relative to its parent (one name to look up, not the whole path), and what it holds is
/// known from its directory entries without a `stat` each. With the spare's `record`, a
/// folder that still has the stamp recorded for it is not opened: its entries are the
/// record's (`record.rs`), its own folders checked in turn.
#[cfg(unix)]
pub(super) fn survey(dir: &Path, record: Option<Record>) -> Surveyed {
    survey_with(dir, record, false)
}

/// The files and folders of the published output, for a build that updates it in place
/// (`in_place.rs`): the same survey, but nothing is removed — anything but a file or a
/// folder, or a folder that cannot be read, fails it (that build then swaps in a whole tree).
#[cfg(unix)]
pub(super) fn survey_output(dir: &Path, record: Option<Record>) -> Surveyed {
    survey_with(dir, record, true)
}

#[cfg(unix)]
fn survey_with(dir: &Path, record: Option<Record>, only_look: bool) -> Surveyed {
    use rustix::fs::{fstat, openat, Mode, CWD};
    let root = openat(CWD, dir, folder_flags(), Mode::empty()).map_err(|e| fail(dir, e.into()))?;
    let record =
        record.filter(|r| fstat(&root).is_ok_and(|st| FolderStamp::of_stat(&st).inode == r.root));
    let mut survey = Survey {
        top: dir,
        existing: FxHashMap::default(),
        record,
        started: super::stamp::now(),
        only_look,
    };
    survey.folder(root, "")?;
    Ok(survey.existing)
}

/// How a folder of the spare is opened: never through a link.
#[cfg(unix)]
fn folder_flags() -> rustix::fs::OFlags {
    use rustix::fs::OFlags;
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

/// A survey under way.
#[cfg(unix)]
struct Survey<'a> {
    top: &'a Path,
    existing: FxHashMap<String, Held>,
    record: Option<Record>,
    /// When it started: a folder's stamp is kept when it is settled by then.
    started: i128,
    /// Nothing is removed: what would be fails the survey.
    only_look: bool,
}

#[cfg(unix)]
impl Survey<'_> {
    /// Adds what the open folder `fd` (at `prefix` in the spare) holds, its folders first
    /// opened then surveyed in turn (as many open at once as the tree is deep). Entries that
    /// cannot be read are skipped: at worst the build writes files it could have kept.
    fn folder(&mut self, fd: rustix::fd::OwnedFd, prefix: &str) -> Result<(), Fatal> {
        use rustix::fs::{fstat, statat, unlinkat, AtFlags, Dir, FileType};
        // Its stamp before its entries are read: a change made meanwhile gives it another.
        if !prefix.is_empty() {
            let stamp = fstat(&fd)
                .ok()
                .map(|st| FolderStamp::of_stat(&st))
                .filter(|s| s.settled(self.started));
            self.existing
                .insert(prefix.to_string(), Held::Folder(stamp));
        }
        let Ok(mut entries) = Dir::new(fd) else {
            return self.removable(prefix);
        };
        while let Some(entry) = entries.read() {
            let Ok(entry) = entry else {
                return self.removable(prefix);
            };
            let name = entry.file_name();
            if matches!(name.to_bytes(), b"." | b"..") {
                continue;
            }
            let Ok(at) = entries.fd() else {
                return self.removable(prefix);
            };
            let mut kind = entry.file_type();
            if kind == FileType::Unknown {
                // A file system that does not say in the entry.
                let Ok(st) = statat(at, name, AtFlags::SYMLINK_NOFOLLOW) else {
                    self.removable(prefix)?;
                    continue;
                };
                kind = FileType::from_raw_mode(st.st_mode);
            }
            let rel = match std::str::from_utf8(name.to_bytes()) {
                Ok(n) if prefix.is_empty() => n.to_string(),
                Ok(n) => format!("{prefix}/{n}"),
                Err(_) => {
                    self.removable(prefix)?;
                    let path = self.top.join(prefix).join(
                        <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(
                            name.to_bytes(),
                        ),
                    );
                    remove_any(&path, kind == FileType::Directory)?;
                    continue;
                }
            };
            match kind {
                FileType::Directory => self.subfolder(at, name, rel)?,
                FileType::RegularFile => {
                    self.existing.insert(rel, Held::File { inode: entry.ino() });
                }
                _ => {
                    self.removable(&rel)?;
                    unlinkat(at, name, AtFlags::empty())
                        .map_err(|e| fail(&self.top.join(&rel), e.into()))?
                }
            }
        }
        Ok(())
    }

    /// Adds the folder `name` of the open folder `at` (`rel` in the spare): from the record
    /// when it can say, else read from the disk.
    fn subfolder(
        &mut self,
        at: impl rustix::fd::AsFd,
        name: &std::ffi::CStr,
        rel: String,
    ) -> Result<(), Fatal> {
        use rustix::fs::{openat, Mode};
        if self.recorded(&at, name, &rel)? {
            return Ok(());
        }
        match openat(&at, name, folder_flags(), Mode::empty()) {
            Ok(child) => self.folder(child, &rel),
            // Unreadable: known as a folder all the same.
            Err(_) => {
                self.removable(&rel)?;
                self.existing.insert(rel, Held::Folder(None));
                Ok(())
            }
        }
    }

    /// Fails a survey that only looks, at `rel`: something there is not a plain file or
    /// folder, or cannot be read.
    fn removable(&self, rel: &str) -> Result<(), Fatal> {
        if self.only_look {
            return Err(Fatal(format!(
                "`{}` holds something that is not a plain file or folder",
                self.top.join(rel).display()
            )));
        }
        Ok(())
    }

    /// Adds the folder `name` of the open folder `at` (`rel` in the spare) from the record
    /// when it still has the recorded stamp (each folder is met once: its entry is taken out
    /// of the record), and its folders in turn. False when the record cannot say what it holds.
    fn recorded(
        &mut self,
        at: impl rustix::fd::AsFd,
        name: &std::ffi::CStr,
        rel: &str,
    ) -> Result<bool, Fatal> {
        use rustix::fs::{openat, statat, AtFlags, Mode};
        let Some(stamp) = self.record.as_ref().and_then(|r| r.trusted_stamp(rel)) else {
            return Ok(false);
        };
        let now = statat(&at, name, AtFlags::SYMLINK_NOFOLLOW);
        if !now.is_ok_and(|st| is_folder(&st) && FolderStamp::of_stat(&st) == stamp) {
            return Ok(false);
        }
        let Some(folder) = self.record.as_mut().and_then(|r| r.folders.remove(rel)) else {
            return Ok(false);
        };
        // Its own folders are looked at relative to it: opened first (else it is read).
        let dir = if folder.folders.is_empty() {
            None
        } else {
            match openat(&at, name, folder_flags(), Mode::empty()) {
                Ok(dir) => Some(dir),
                Err(_) => return Ok(false),
            }
        };
        self.existing
            .insert(rel.to_string(), Held::Folder(Some(stamp)));
        for (file, inode) in folder.files {
            let held = Held::File { inode };
            self.existing.insert(format!("{rel}/{file}"), held);
        }
        let Some(dir) = dir else { return Ok(true) };
        for sub in folder.folders {
            // (A record's names hold no NUL: `Record::decode`.)
            let Ok(c_name) = std::ffi::CString::new(sub.as_str()) else {
                continue;
            };
            self.subfolder(&dir, &c_name, format!("{rel}/{sub}"))?;
        }
        Ok(true)
    }
}

/// Whether a `stat` is a folder's.
#[cfg(unix)]
fn is_folder(st: &rustix::fs::Stat) -> bool {
    rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Directory
}

/// Off Unix: the same survey, by path.
#[cfg(not(unix))]
pub(super) fn survey(dir: &Path, _record: Option<Record>) -> Surveyed {
    let mut existing = FxHashMap::default();
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let Ok(entry) = entry else { continue };
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let Some(rel) = rel.to_str().map(|r| r.replace('\\', "/")) else {
            remove_any(entry.path(), entry.file_type().is_dir())?;
            continue;
        };
        let kind = entry.file_type();
        if kind.is_dir() {
            existing.insert(rel, Held::Folder(None));
        } else if kind.is_file() {
            existing.insert(rel, Held::File { inode: 0 });
        } else {
            remove_any(entry.path(), false)?;
        }
    }
    Ok(existing)
}

/// The site's files and the folders that hold them.
pub(super) fn wanted(files: &Manifest) -> FxHashSet<&str> {
    let mut wanted: FxHashSet<&str> = FxHashSet::default();
    wanted.reserve(files.len() * 2);
    for rel in files.keys() {
        wanted.insert(rel);
        // Its folders, deepest first, until one is known (so are those above it then).
        for folder in folders_of(rel) {
            if !wanted.insert(folder) {
                break;
            }
        }
    }
    wanted
}

/// What a tree holds (`existing`) that the site (`wanted`) does not have, in order: a folder
/// comes before what it holds, and what it holds is not listed (it goes as a whole). With
/// whether it is a folder.
pub(super) fn unwanted<'a>(
    existing: &'a FxHashMap<String, Held>,
    wanted: &FxHashSet<&str>,
) -> Vec<(&'a str, bool)> {
    let mut all: Vec<(&str, bool)> = existing
        .iter()
        .map(|(rel, &held)| (rel.as_str(), matches!(held, Held::Folder(_))))
        .filter(|&(rel, _)| rel != MARKER && !wanted.contains(rel))
        .collect();
    all.sort_unstable();
    let mut unwanted: Vec<(&str, bool)> = Vec::new();
    let mut removed_folder: Option<&str> = None;
    for (rel, is_dir) in all {
        // Inside a folder that goes as a whole.
        if removed_folder.is_some_and(|f| rel.starts_with(f) && rel[f.len()..].starts_with('/')) {
            continue;
        }
        if is_dir {
            removed_folder = Some(rel);
        }
        unwanted.push((rel, is_dir));
    }
    unwanted
}

/// The folders above the file or folder `rel` (with `/`), deepest first.
pub(super) fn folders_of(rel: &str) -> impl Iterator<Item = &str> {
    rel.rmatch_indices('/').map(|(i, _)| &rel[..i])
}

/// Removes a file or a whole folder of the spare.
fn remove_any(path: &Path, folder: bool) -> Result<(), Fatal> {
    let removed = if folder {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    };
    removed.map_err(|e| fail(path, e))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn the_survey_sees_files_and_folders_and_removes_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let spare = dir.path().join("spare");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(spare.join("fr/etapes/champion")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("keep.html"), b"not ours").unwrap();
        std::fs::write(spare.join("fr/etapes/champion/index.html"), b"page").unwrap();
        std::fs::write(spare.join("index.html"), b"home").unwrap();
        std::os::unix::fs::symlink(&outside, spare.join("fr/linked")).unwrap();
        std::os::unix::fs::symlink(outside.join("keep.html"), spare.join("fr/file.html")).unwrap();
        let odd = std::ffi::OsStr::from_bytes(b"caf\xe9");
        std::fs::create_dir_all(spare.join(odd).join("inside")).unwrap();
        std::fs::write(spare.join("fr").join(odd), b"latin-1 name").unwrap();

        let found = survey(&spare, None).unwrap();
        let mut seen: Vec<(&str, bool)> = found
            .iter()
            .map(|(rel, held)| (rel.as_str(), matches!(held, Held::Folder(_))))
            .collect();
        seen.sort_unstable();
        assert_eq!(
            seen,
            [
                ("fr", true),
                ("fr/etapes", true),
                ("fr/etapes/champion", true),
                ("fr/etapes/champion/index.html", false),
                ("index.html", false),
            ]
        );
        let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap());
        assert_eq!(
            found["index.html"],
            Held::File {
                inode: inode(&spare.join("index.html"))
            }
        );
        // The links and the odd names are gone; what the links pointed to is not.
        for gone in [
            spare.join("fr/linked"),
            spare.join("fr/file.html"),
            spare.join(odd),
        ] {
            assert!(
                std::fs::symlink_metadata(&gone).is_err(),
                "{}",
                gone.display()
            );
        }
        assert!(std::fs::symlink_metadata(spare.join("fr").join(odd)).is_err());
        assert_eq!(
            std::fs::read(outside.join("keep.html")).unwrap(),
            b"not ours"
        );
    }

    #[test]
    fn a_folder_that_kept_its_recorded_stamp_is_taken_from_the_record_and_no_other() {
        use super::super::record::{encode, Record};
        let dir = tempfile::tempdir().unwrap();
        let spare = dir.path().join("spare");
        for folder in ["fr/a", "fr/b"] {
            std::fs::create_dir_all(spare.join(folder)).unwrap();
            std::fs::write(spare.join(folder).join("index.html"), b"page").unwrap();
        }
        let stat = |rel: &str| rustix::fs::lstat(spare.join(rel)).unwrap();
        let stamp = |rel: &str| Some(FolderStamp::of_stat(&stat(rel)));
        let inode = |rel: &str| {
            std::os::unix::fs::MetadataExt::ino(
                &std::fs::symlink_metadata(spare.join(rel)).unwrap(),
            )
        };
        // A record that says more than the disk holds: `fr/a` also holds `ghost.html`. Its
        // entries are trusted only while `fr/a` has the stamp recorded.
        let record = |root: u64| {
            let bytes = encode(
                root,
                &[("fr", stamp("fr")), ("fr/a", stamp("fr/a")), ("fr/b", None)],
                &[
                    ("fr/a/ghost.html", 99),
                    ("fr/a/index.html", inode("fr/a/index.html")),
                    ("fr/b/index.html", inode("fr/b/index.html")),
                ],
            );
            Record::decode(&bytes)
        };
        let plain = survey(&spare, None).unwrap();
        assert!(!plain.contains_key("fr/a/ghost.html"));
        let recorded = survey(&spare, record(inode(""))).unwrap();
        assert_eq!(recorded["fr/a/ghost.html"], Held::File { inode: 99 });
        let mut expected = plain.clone();
        expected.insert("fr/a/ghost.html".into(), Held::File { inode: 99 });
        let kinds = |m: &FxHashMap<String, Held>| {
            let mut v: Vec<(String, Option<u64>)> = m
                .iter()
                .map(|(k, h)| match h {
                    Held::File { inode } => (k.clone(), Some(*inode)),
                    Held::Folder(_) => (k.clone(), None),
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(kinds(&recorded), kinds(&expected));
        // A record of another folder (its top folder's inode) is not used.
        let other = survey(&spare, record(inode("") + 1)).unwrap();
        assert_eq!(kinds(&other), kinds(&plain));
        // Once an entry of `fr/a` changes, its stamp does: `fr/a` is read from the disk.
        let record_before = record(inode(""));
        // (Later than a tick of the clock: a stamp is recorded only once settled, record.rs.)
        std::thread::sleep(std::time::Duration::from_millis(30));
        std::fs::write(spare.join("fr/a/new.html"), b"new").unwrap();
        let changed = survey(&spare, record_before).unwrap();
        assert!(!changed.contains_key("fr/a/ghost.html"));
        assert!(changed.contains_key("fr/a/new.html"));
    }
}
