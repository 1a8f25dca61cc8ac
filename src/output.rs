//! Output: the built site as an in-memory map from path to bytes, and the one function that
//! publishes it. `write_atomic` writes a sibling staging folder and exchanges it with the output
//! folder in one rename, so readers and a failed build never see a half-written `public/`.
//! Creating and deleting thousands of files and folders is what a rebuild would otherwise
//! spend most of its time on, so the site replaced by a build is kept as a hidden spare beside
//! the output (`.public.spare`) and the next build brings that spare up to date instead of
//! starting from nothing: folders that exist stay, files whose bytes did not change stay, a
//! changed file is replaced by a new one (hard-linked from the published folder when it holds
//! the same bytes), never rewritten in place, since the two trees share unchanged files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::errors::Fatal;

/// Path relative to the output folder (with `/`) → file content. Sorted, so the same input
/// always gives the same files in the same order.
pub(crate) type Output = BTreeMap<String, Vec<u8>>;

/// A file every output folder holds, so that playbook never replaces a folder it did not make.
pub(crate) const MARKER: &str = ".playbook-output";

/// Replaces `out` with exactly the files of `output`, atomically.
pub(crate) fn write_atomic(out: &Path, output: &Output) -> Result<(), Fatal> {
    let out = absolute(out)?;
    let parent = out
        .parent()
        .ok_or_else(|| Fatal(format!("cannot publish to `{}`", out.display())))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "public".into());
    std::fs::create_dir_all(parent)
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

    clean_leftovers(parent, &name);
    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    let spare = parent.join(format!(".{name}.spare"));
    // Ours from a process that had this id before, or the author's: only ours is replaced.
    if std::fs::symlink_metadata(&staging).is_ok() {
        if !is_ours(&staging) {
            return Err(Fatal(format!(
                "`{}` exists and was not made by playbook; remove or rename it",
                staging.display()
            )));
        }
        remove(&staging)?;
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
    // The spare is claimed by a rename, so two builds at once never share it; a new staging
    // folder is marked before anything else is written in it.
    if !(spare_is_ours && std::fs::rename(&spare, &staging).is_ok()) {
        std::fs::create_dir(&staging)
            .and_then(|()| std::fs::write(staging.join(MARKER), b""))
            .map_err(|e| Fatal(format!("cannot write `{}`: {e}", staging.display())))?;
    }
    let previous = out.join(MARKER).is_file().then_some(out.as_path());
    let result = write_tree(&staging, output, previous).and_then(|()| swap(&staging, &out));
    // The replaced site is the next build's starting point, unless a folder of the author's
    // has the spare's name.
    let kept = result.is_ok()
        && spare_is_ours
        && std::fs::symlink_metadata(&spare).is_err()
        && is_ours(&staging)
        && std::fs::rename(&staging, &spare).is_ok();
    if !kept && is_ours(&staging) {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

/// A real folder (not a link to one) holding playbook's marker: only such folders are ever
/// removed or written into.
fn is_ours(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir())
        && std::fs::symlink_metadata(dir.join(MARKER)).is_ok_and(|m| m.is_file())
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

fn absolute(path: &Path) -> Result<PathBuf, Fatal> {
    if path.is_absolute() {
        Ok(path.to_path_buf())
    } else {
        Ok(std::env::current_dir()
            .map_err(|e| Fatal(format!("cannot read the current folder: {e}")))?
            .join(path))
    }
}

/// Makes the folder `dir` (new, or a spare holding an earlier site) hold exactly `output`.
/// A file is never written in place: it may be a hard link shared with the published site.
/// Files identical to those of the `previous` output become hard links to them.
fn write_tree(dir: &Path, output: &Output, previous: Option<&Path>) -> Result<(), Fatal> {
    let fail = |p: &Path, e: std::io::Error| Fatal(format!("cannot write `{}`: {e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let empty = Vec::new();
    let files: BTreeMap<&str, &Vec<u8>> = output
        .iter()
        .map(|(rel, bytes)| (rel.as_str(), bytes))
        .chain(std::iter::once((MARKER, &empty)))
        .collect();
    let folders: BTreeSet<&Path> = files
        .keys()
        .flat_map(|rel| Path::new(rel).ancestors().skip(1))
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    // What the spare holds that the site does not: removed first (a file may become a
    // folder or the other way round).
    let mut existing: BTreeSet<String> = BTreeSet::new();
    let mut unwanted: Vec<(PathBuf, bool)> = Vec::new();
    let mut walk = walkdir::WalkDir::new(dir).min_depth(1).into_iter();
    while let Some(entry) = walk.next() {
        let Ok(entry) = entry else { continue };
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let rel_str = rel.to_string_lossy().replace('\\', "/");
        let is_dir = entry.file_type().is_dir();
        let wanted = if is_dir {
            folders.contains(rel)
        } else {
            entry.file_type().is_file() && files.contains_key(rel_str.as_str())
        };
        if wanted {
            existing.insert(rel_str);
        } else {
            if is_dir {
                walk.skip_current_dir();
            }
            unwanted.push((entry.into_path(), is_dir));
        }
    }
    unwanted.par_iter().try_for_each(|(path, is_dir)| {
        if *is_dir {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        }
        .map_err(|e| fail(path, e))
    })?;
    // Missing folders, level by level (parents before children), each level in parallel.
    let mut levels: BTreeMap<usize, Vec<&Path>> = BTreeMap::new();
    for folder in folders {
        if !existing.contains(folder.to_string_lossy().as_ref()) {
            levels
                .entry(folder.components().count())
                .or_default()
                .push(folder);
        }
    }
    for level in levels.values() {
        level.par_iter().try_for_each(|folder| {
            let path = dir.join(folder);
            std::fs::create_dir(&path).map_err(|e| fail(&path, e))
        })?;
    }
    let files: Vec<(&str, &Vec<u8>)> = files.into_iter().collect();
    files.par_iter().try_for_each(|&(rel, bytes)| {
        let path = dir.join(rel);
        let present = existing.contains(rel);
        if present && same_content(&path, bytes) {
            return Ok(());
        }
        if present {
            std::fs::remove_file(&path).map_err(|e| fail(&path, e))?;
        }
        if let Some(old) = previous.map(|p| p.join(rel)) {
            if same_content(&old, bytes) && std::fs::hard_link(&old, &path).is_ok() {
                return Ok(());
            }
        }
        std::fs::write(&path, bytes).map_err(|e| fail(&path, e))
    })
}

/// True when `path` is a regular file holding exactly `bytes`.
fn same_content(path: &Path, bytes: &[u8]) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|old| old == bytes)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_whole_tree() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut first = Output::new();
        first.insert("a/index.html".into(), b"one".to_vec());
        first.insert("gone.txt".into(), b"x".to_vec());
        write_atomic(&out, &first).unwrap();
        let mut second = Output::new();
        second.insert("a/index.html".into(), b"two".to_vec());
        write_atomic(&out, &second).unwrap();
        assert_eq!(std::fs::read(out.join("a/index.html")).unwrap(), b"two");
        assert!(!out.join("gone.txt").exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let mut leftovers: Vec<_> = leftovers.into_iter().collect();
        leftovers.sort();
        assert_eq!(
            leftovers,
            vec![
                std::ffi::OsString::from(".public.spare"),
                std::ffi::OsString::from("public")
            ]
        );
    }

    #[test]
    fn the_spare_is_brought_up_to_date_without_touching_the_published_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let site = |pairs: &[(&str, &str)]| -> Output {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
                .collect()
        };
        let builds = [
            site(&[
                ("a/index.html", "one"),
                ("b/index.html", "same"),
                ("c", "file"),
            ]),
            site(&[
                ("a/index.html", "two"),
                ("b/index.html", "same"),
                ("c/index.html", "dir"),
            ]),
            site(&[
                ("a/index.html", "three"),
                ("b/index.html", "same"),
                ("c", "file again"),
            ]),
            site(&[("b/index.html", "changed"), ("d/e/index.html", "new")]),
            site(&[("a/index.html", "one"), ("b/index.html", "changed")]),
        ];
        for (i, build) in builds.iter().enumerate() {
            write_atomic(&out, build).unwrap();
            let mut on_disk = Output::new();
            for entry in walkdir::WalkDir::new(&out).min_depth(1) {
                let entry = entry.unwrap();
                let rel = entry.path().strip_prefix(&out).unwrap();
                let rel = rel.to_string_lossy().into_owned();
                if entry.file_type().is_dir() {
                    // No folder left that the site does not need.
                    assert!(
                        build.keys().any(|k| k.starts_with(&format!("{rel}/"))),
                        "build {i}: {rel}"
                    );
                } else if rel != MARKER {
                    on_disk.insert(rel, std::fs::read(entry.path()).unwrap());
                }
            }
            assert_eq!(&on_disk, build, "build {i}");
        }
        // A spare that is not ours is neither used nor removed.
        std::fs::remove_dir_all(dir.path().join(".public.spare")).unwrap();
        std::fs::create_dir(dir.path().join(".public.spare")).unwrap();
        std::fs::write(dir.path().join(".public.spare/a"), b"x").unwrap();
        write_atomic(&out, &builds[0]).unwrap();
        assert_eq!(std::fs::read(out.join("c")).unwrap(), b"file");
        assert!(!out.join("a").is_file());
        assert_eq!(
            std::fs::read(dir.path().join(".public.spare/a")).unwrap(),
            b"x"
        );
    }

    #[cfg(unix)]
    #[test]
    fn unchanged_files_are_not_written_again() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut site = Output::new();
        site.insert("same/index.html".into(), b"same".to_vec());
        site.insert("changed/index.html".into(), b"one".to_vec());
        write_atomic(&out, &site).unwrap();
        let inode = |rel: &str| std::fs::metadata(out.join(rel)).unwrap().ino();
        let (same, changed) = (inode("same/index.html"), inode("changed/index.html"));
        site.insert("changed/index.html".into(), b"two".to_vec());
        write_atomic(&out, &site).unwrap();
        assert_eq!(inode("same/index.html"), same);
        assert_ne!(inode("changed/index.html"), changed);
        assert_eq!(
            std::fs::read(out.join("changed/index.html")).unwrap(),
            b"two"
        );
        assert_eq!(std::fs::read(out.join("same/index.html")).unwrap(), b"same");
    }

    #[test]
    fn refuses_a_foreign_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("precious.txt"), b"keep").unwrap();
        assert!(write_atomic(dir.path(), &Output::new()).is_err());
        assert!(dir.path().join("precious.txt").exists());
    }
}
