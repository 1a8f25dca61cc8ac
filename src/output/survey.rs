//! The survey of a claimed spare: what the folder a build is about to fill already holds,
//! path by path, so that the build keeps what is already right and publishing removes what
//! the site no longer has. Read on a thread of its own while the site loads.

use rustc_hash::FxHashMap;
use std::path::Path;

use crate::errors::Fatal;

use super::staging::fail;

/// What a claimed spare holds: path → what is there. (Looked up once for every file the build
/// puts: hashed, not sorted; the paths are the site's own.)
pub(super) type Surveyed = Result<FxHashMap<String, Held>, Fatal>;

/// An entry of the spare: a folder, or a file and its inode. A file hard-linked from the
/// published site has the same inode as it: nothing to compare. (The spare and the output are
/// siblings on one file system — publishing renames one onto the other — so one inode number
/// is one file.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Held {
    Folder,
    File { inode: u64 },
}

/// The files and folders of a claimed spare; anything else (a link, a socket, a name that is
/// not UTF-8) is removed now, so that nothing is ever written through it. Each folder is opened
/// relative to its parent (one name to look up, not the whole path), and what it holds is
/// known from its directory entries without a `stat` each.
#[cfg(unix)]
pub(super) fn survey(dir: &Path) -> Surveyed {
    use rustix::fs::{openat, Mode, CWD};
    let root = openat(CWD, dir, folder_flags(), Mode::empty()).map_err(|e| fail(dir, e.into()))?;
    let mut existing = FxHashMap::default();
    survey_folder(dir, root, "", &mut existing)?;
    Ok(existing)
}

/// How a folder of the spare is opened: never through a link.
#[cfg(unix)]
fn folder_flags() -> rustix::fs::OFlags {
    use rustix::fs::OFlags;
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

/// Adds what the open folder `fd` (at `prefix` in the spare `top`) holds, its folders first
/// opened then surveyed in turn (as many open at once as the tree is deep). Entries that
/// cannot be read are skipped: at worst the build writes files it could have kept.
#[cfg(unix)]
fn survey_folder(
    top: &Path,
    fd: rustix::fd::OwnedFd,
    prefix: &str,
    existing: &mut FxHashMap<String, Held>,
) -> Result<(), Fatal> {
    use rustix::fs::{openat, statat, unlinkat, AtFlags, Dir, FileType, Mode};
    let Ok(mut entries) = Dir::new(fd) else {
        return Ok(());
    };
    while let Some(entry) = entries.read() {
        let Ok(entry) = entry else { break };
        let name = entry.file_name();
        if matches!(name.to_bytes(), b"." | b"..") {
            continue;
        }
        let Ok(at) = entries.fd() else { break };
        let mut kind = entry.file_type();
        if kind == FileType::Unknown {
            // A file system that does not say in the entry.
            let Ok(st) = statat(at, name, AtFlags::SYMLINK_NOFOLLOW) else {
                continue;
            };
            kind = FileType::from_raw_mode(st.st_mode);
        }
        let rel = match std::str::from_utf8(name.to_bytes()) {
            Ok(n) if prefix.is_empty() => n.to_string(),
            Ok(n) => format!("{prefix}/{n}"),
            Err(_) => {
                let path = top.join(prefix).join(
                    <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(name.to_bytes()),
                );
                remove_any(&path, kind == FileType::Directory)?;
                continue;
            }
        };
        match kind {
            FileType::Directory => {
                if let Ok(child) = openat(at, name, folder_flags(), Mode::empty()) {
                    survey_folder(top, child, &rel, existing)?;
                }
                existing.insert(rel, Held::Folder);
            }
            FileType::RegularFile => {
                existing.insert(rel, Held::File { inode: entry.ino() });
            }
            _ => {
                unlinkat(at, name, AtFlags::empty()).map_err(|e| fail(&top.join(&rel), e.into()))?
            }
        }
    }
    Ok(())
}

/// Off Unix: the same survey, by path.
#[cfg(not(unix))]
pub(super) fn survey(dir: &Path) -> Surveyed {
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
            existing.insert(rel, Held::Folder);
        } else if kind.is_file() {
            existing.insert(rel, Held::File { inode: 0 });
        } else {
            remove_any(entry.path(), false)?;
        }
    }
    Ok(existing)
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

        let found = survey(&spare).unwrap();
        let mut seen: Vec<(&str, bool)> = found
            .iter()
            .map(|(rel, held)| (rel.as_str(), *held == Held::Folder))
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
}
