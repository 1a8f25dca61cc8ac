//! Output: the built site as an in-memory map from path to bytes, and the one function that
//! publishes it. `write_atomic` writes a sibling staging folder and exchanges it with the output
//! folder in one rename, so readers and a failed build never see a half-written `public/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::errors::Fatal;

/// Path relative to the output folder (with `/`) → file content. Sorted, so the same input
/// always gives the same files in the same order.
pub type Output = BTreeMap<String, Vec<u8>>;

/// A file every output folder holds, so that playbook never replaces a folder it did not make.
pub const MARKER: &str = ".playbook-output";

/// Replaces `out` with exactly the files of `output`, atomically.
pub fn write_atomic(out: &Path, output: &Output) -> Result<(), Fatal> {
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

    let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let result = write_tree(&staging, output).and_then(|()| swap(&staging, &out));
    let _ = std::fs::remove_dir_all(&staging);
    result
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

fn write_tree(dir: &Path, output: &Output) -> Result<(), Fatal> {
    let fail = |p: &Path, e: std::io::Error| Fatal(format!("cannot write `{}`: {e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let mut made: std::collections::BTreeSet<PathBuf> = std::collections::BTreeSet::new();
    for (rel, bytes) in output
        .iter()
        .chain(std::iter::once((&MARKER.to_string(), &Vec::new())))
    {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            if made.insert(parent.to_path_buf()) {
                std::fs::create_dir_all(parent).map_err(|e| fail(parent, e))?;
            }
        }
        std::fs::write(&path, bytes).map_err(|e| fail(&path, e))?;
    }
    Ok(())
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
    let old = staging.with_extension("old");
    let _ = std::fs::remove_dir_all(&old);
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
        assert_eq!(leftovers, vec![std::ffi::OsString::from("public")]);
    }

    #[test]
    fn refuses_a_foreign_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("precious.txt"), b"keep").unwrap();
        assert!(write_atomic(dir.path(), &Output::new()).is_err());
        assert!(dir.path().join("precious.txt").exists());
    }
}
