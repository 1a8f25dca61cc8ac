//! Publishing in place, when there is no earlier tree to bring up to date: a build into a new
//! folder leaves an empty spare, and a CI cache restores the output alone. The swap needs a
//! second whole tree, and making one costs a folder for every page and a link for every file
//! (on the benchmark's 10,000 pages, two thirds of a one-page rebuild). So such a build writes
//! only the files that changed into its staging folder, while the published output is
//! surveyed beside it (nothing in it is touched). If the build succeeds and they are at most a
//! quarter of the site, each is renamed into the output — a rename is atomic: a reader sees
//! the old file or the new one, never part of one, as in watch mode — then what the site no
//! longer has is removed, and the staging folder goes back to being the empty spare, holding
//! the output's new record (`record.rs`). Otherwise — more files changed, or the output holds
//! something the build cannot account for (a link, a folder it cannot read, a file where the
//! site now has a folder) — the staging folder is completed with hard links to the published
//! files and swapped in whole. A build that fails leaves the output as it was either way.

use rustc_hash::FxHashSet;
use std::path::Path;
use std::sync::Mutex;
use std::thread::JoinHandle;

use rayon::prelude::*;

use crate::errors::Fatal;

use super::lock;
use super::record;
use super::record::Record;
use super::staging::{fail, remove_unwanted, same_content, Staging};
use super::stamp::Stamp;
use super::survey::{folders_of, unwanted, wanted};
use super::survey::{Held, Surveyed};
use super::{Manifest, MARKER};

/// At most this share of the site's files (1/N) is renamed into the output one by one.
const AT_MOST_ONE_IN: usize = 4;

/// A build that may publish in place.
pub(super) struct InPlace {
    /// What the output holds, surveyed on another thread while the site loads.
    survey: Mutex<Option<JoinHandle<Surveyed>>>,
    /// The files written into the staging folder: those whose bytes changed, or new ones.
    written: Mutex<FxHashSet<String>>,
}

impl InPlace {
    /// For a staging folder that starts empty beside `out`, a published output of ours;
    /// `record`, the output's record when the spare kept it. Unix only (elsewhere, the swap).
    pub(super) fn start(out: &Path, record: Option<&[u8]>) -> Option<InPlace> {
        #[cfg(unix)]
        {
            let out = out.to_path_buf();
            // Decoded on the survey's thread: the build starts meanwhile.
            let record = record.map(<[u8]>::to_vec);
            let survey = std::thread::spawn(move || {
                super::in_background();
                let record = record.as_deref().and_then(Record::decode);
                super::survey::survey_output(&out, record)
            });
            Some(InPlace {
                survey: Mutex::new(Some(survey)),
                written: Mutex::default(),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = (out, record);
            None
        }
    }

    /// Adds one file of the site: nothing to write when the output holds the same bytes (its
    /// stamp there), else a new file in the staging folder (its stamp, which the rename keeps).
    pub(super) fn put(
        &self,
        staging: &Staging,
        rel: &str,
        bytes: &[u8],
    ) -> Result<Option<Stamp>, Fatal> {
        let old = staging.out.join(rel);
        if same_content(&old, bytes) {
            return Ok(staging.previous_stamp(rel, &old));
        }
        lock(&self.written).insert(rel.to_string());
        let path = staging.dir.join(rel);
        if !staging.create(rel, |p| super::staging::write_new(p, bytes)) {
            super::staging::write_new(&path, bytes).map_err(|e| fail(&path, e))?;
        }
        Ok(Stamp::of(&path))
    }

    /// Publishes the site (`files`, with the `stamps` of their files) by renaming the changed
    /// files into the output, when it can. False: nothing was done, and the caller completes
    /// the staging folder (`complete`) and swaps it.
    pub(super) fn publish(
        &self,
        staging: &mut Staging,
        files: &Manifest,
        stamps: &std::collections::BTreeMap<String, Stamp>,
    ) -> Result<bool, Fatal> {
        let mut written: Vec<String> = lock(&self.written).iter().cloned().collect();
        if written.len() > files.len() / AT_MOST_ONE_IN {
            return Ok(false);
        }
        let Some(Ok(Ok(output))) = lock(&self.survey).take().map(JoinHandle::join) else {
            return Ok(false);
        };
        // A file where the site has a folder, or the other way round: the swap replaces it.
        let fits = written.iter().all(|rel| {
            !matches!(output.get(rel.as_str()), Some(Held::Folder(_)))
                && folders_of(rel).all(|f| !matches!(output.get(f), Some(Held::File { .. })))
        });
        if !fits {
            return Ok(false);
        }
        written.sort_unstable();
        let wanted = wanted(files);
        let out = staging.out.clone();
        // From here on the output changes: this build publishes, whatever happens.
        staging.done = true;
        let mut changed: FxHashSet<String> = FxHashSet::default();
        let result = (|| {
            // One build at a time renames into the output.
            let _held = lock_output(&out)?;
            for rel in &written {
                let parent = folders_of(rel).next().unwrap_or("");
                if !parent.is_empty() && !output.contains_key(parent) {
                    let at = out.join(parent);
                    std::fs::create_dir_all(&at).map_err(|e| fail(&at, e))?;
                    changed.extend(folders_of(rel).map(str::to_string));
                }
                changed.insert(parent.to_string());
                let to = out.join(rel);
                std::fs::rename(staging.dir.join(rel), &to).map_err(|e| fail(&to, e))?;
            }
            // What the site no longer has, once the new files are there.
            for (rel, is_dir) in unwanted(&output, &wanted) {
                changed.insert(folders_of(rel).next().unwrap_or("").to_string());
                remove_unwanted(&out.join(rel), is_dir)?;
            }
            Ok(())
        })();
        // The staging folder goes back to being the empty spare, with the output's record
        // when every change went in.
        let record = result
            .as_ref()
            .ok()
            .and_then(|()| record::of_tree(&out, &output, &changed, &wanted, files, stamps));
        staging.back_to_empty_spare(true, record.as_deref());
        result.map(|()| true)
    }

    /// Completes the staging folder for the swap: a hard link to the published file for each
    /// file of the site that was not written.
    pub(super) fn complete(&self, staging: &Staging, files: &Manifest) -> Result<(), Fatal> {
        let written = lock(&self.written);
        files
            .par_iter()
            .filter(|(rel, _)| !written.contains(rel.as_str()))
            .try_for_each(|(rel, _)| {
                let old = staging.out.join(rel);
                // Else the published file went while the site was built: the build fails, the
                // output stays as it is.
                staging
                    .create(rel, |p| staging.link_previous(rel, &old, p))
                    .then_some(())
                    .ok_or_else(|| {
                        Fatal(format!(
                            "`{}` was removed or replaced while the site was built; build again",
                            old.display()
                        ))
                    })
            })
    }

    /// Waits for the survey of the output (nothing may change while it reads).
    pub(super) fn settle(&self) {
        if let Some(survey) = lock(&self.survey).take() {
            let _ = survey.join();
        }
    }
}

/// Whether the folder `dir` holds nothing but playbook's marker (an empty spare).
pub(super) fn holds_nothing(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .map(|e| e.map(|e| e.file_name() == MARKER))
            .all(|ours| ours.unwrap_or(false))
    })
}

/// Removes everything in the folder `dir` but playbook's marker.
pub(super) fn empty(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name() == MARKER {
            continue;
        }
        let _ = match entry.file_type() {
            Ok(t) if t.is_dir() => std::fs::remove_dir_all(entry.path()),
            _ => std::fs::remove_file(entry.path()),
        };
    }
}

/// The output's marker, opened and locked (Unix): one build at a time renames files into
/// the output. The lock goes with the file.
fn lock_output(out: &Path) -> Result<std::fs::File, Fatal> {
    let marker = out.join(MARKER);
    let file = std::fs::File::open(&marker).map_err(|e| fail(&marker, e))?;
    #[cfg(unix)]
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .map_err(|e| fail(&marker, e.into()))?;
    Ok(file)
}

#[cfg(all(test, unix))]
mod tests {
    use super::super::tests::{names, site};
    use super::super::{Files, Output, MARKER};
    use std::os::unix::fs::MetadataExt;
    use std::path::Path;

    /// A build of `site` into `out`.
    fn publish(out: &Path, site: &Output) {
        super::super::write_atomic(out, site).unwrap();
    }

    /// The files under `dir` but the marker, and their bytes; empty folders too (no bytes).
    fn tree(dir: &Path) -> Output {
        walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_name() != MARKER)
            .filter(|e| {
                !e.file_type().is_dir() || std::fs::read_dir(e.path()).unwrap().next().is_none()
            })
            .map(|e| {
                let rel = e.path().strip_prefix(dir).unwrap().display().to_string();
                let bytes = std::fs::read(e.path()).unwrap_or_default();
                (rel, bytes)
            })
            .collect()
    }

    fn inode(path: &Path) -> u64 {
        std::fs::symlink_metadata(path).unwrap().ino()
    }

    /// Eight pages.
    fn pages() -> Output {
        (0..8)
            .map(|i| (format!("p{i}/index.html"), format!("page {i}").into_bytes()))
            .collect()
    }

    #[test]
    fn a_small_change_is_renamed_into_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut pages = pages();
        publish(&out, &pages);
        let (folder, kept) = (inode(&out), inode(&out.join("p1/index.html")));
        // Something the site does not have, put there by someone else.
        std::fs::write(out.join("p2/notes.txt"), b"not the site's").unwrap();
        pages.insert("p0/index.html".into(), b"page 0, edited".to_vec());
        pages.remove("p3/index.html");
        pages.insert("new/deeper/index.html".into(), b"a new page".to_vec());
        publish(&out, &pages);
        assert_eq!(tree(&out), pages);
        // The same folder, the unchanged file the same: nothing was swapped or linked.
        assert_eq!(inode(&out), folder);
        assert_eq!(inode(&out.join("p1/index.html")), kept);
        // The spare stays empty, with the output's record; the next build trusts it.
        let spare = dir.path().join(".public.spare");
        assert_eq!(names(&spare), [MARKER, ".playbook-tree-published"]);
        pages.insert("p1/index.html".into(), b"page 1, edited".to_vec());
        std::thread::sleep(std::time::Duration::from_millis(30));
        publish(&out, &pages);
        assert_eq!(tree(&out), pages);
        assert_eq!(inode(&out), folder);
    }

    #[test]
    fn more_than_a_quarter_of_the_files_changed_swaps_a_whole_tree() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut pages = pages();
        publish(&out, &pages);
        let (folder, before) = (inode(&out), tree(&out));
        for i in 0..3 {
            pages.insert(format!("p{i}/index.html"), b"edited".to_vec());
        }
        publish(&out, &pages);
        assert_eq!(tree(&out), pages);
        assert_ne!(inode(&out), folder);
        // The replaced tree is the spare.
        let spare = dir.path().join(".public.spare");
        assert_eq!(inode(&spare), folder);
        let mut held = tree(&spare);
        held.retain(|rel, _| !rel.starts_with(".playbook-tree"));
        assert_eq!(held, before);
    }

    #[test]
    fn an_output_holding_a_link_or_a_file_where_a_folder_goes_is_swapped() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        std::fs::write(elsewhere.join("keep.txt"), b"keep").unwrap();
        let mut pages = pages();
        publish(&out, &pages);
        let folder = inode(&out);
        // A link: never followed, never removed before the build succeeds; the swap drops it.
        std::os::unix::fs::symlink(&elsewhere, out.join("p1/elsewhere")).unwrap();
        pages.insert("p0/index.html".into(), b"edited".to_vec());
        publish(&out, &pages);
        assert_eq!(tree(&out), pages);
        assert_ne!(inode(&out), folder);
        assert_eq!(std::fs::read(elsewhere.join("keep.txt")).unwrap(), b"keep");
        // A page where a file was (in an output with no spare tree: the link's build left
        // one): the file's place becomes a folder in a new tree.
        let out = dir.path().join("other");
        let mut flat = site(&[("a", "a file")]);
        flat.extend(pages.clone());
        publish(&out, &flat);
        let folder = inode(&out);
        let mut nested = pages.clone();
        nested.insert("a/index.html".into(), b"a page".to_vec());
        publish(&out, &nested);
        assert_eq!(tree(&out), nested);
        assert_ne!(inode(&out), folder);
    }

    #[test]
    fn a_build_that_fails_leaves_the_output_and_its_record() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let pages = pages();
        publish(&out, &pages);
        let (folder, before) = (inode(&out), tree(&out));
        {
            // Dropped without publishing, as a failed build is.
            let files = Files::staged(&out, false).unwrap();
            files.put("p0/index.html".into(), b"half".to_vec());
            files.put("new/index.html".into(), b"half".to_vec());
        }
        assert_eq!(tree(&out), before);
        assert_eq!(inode(&out), folder);
        let spare = dir.path().join(".public.spare");
        assert_eq!(names(&spare), [MARKER, ".playbook-tree-published"]);
        assert_eq!(names(dir.path()), [".public.spare", "public"]);
    }

    #[test]
    fn an_output_restored_without_its_spare_is_updated_in_place() {
        // What a CI cache restores: a copy of the output (new inodes and times), no spare.
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut pages = pages();
        publish(&out, &pages);
        let copy = dir.path().join("copy");
        for entry in walkdir::WalkDir::new(&out).min_depth(1) {
            let entry = entry.unwrap();
            let to = copy.join(entry.path().strip_prefix(&out).unwrap());
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            if entry.file_type().is_file() {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
        std::fs::remove_dir_all(&out).unwrap();
        std::fs::remove_dir_all(dir.path().join(".public.spare")).unwrap();
        std::fs::rename(&copy, &out).unwrap();
        let folder = inode(&out);
        pages.insert("p5/index.html".into(), b"edited".to_vec());
        publish(&out, &pages);
        assert_eq!(tree(&out), pages);
        assert_eq!(inode(&out), folder);
        assert_eq!(names(dir.path()), [".public.spare", "public"]);
    }
}
