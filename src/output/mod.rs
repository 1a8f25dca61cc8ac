//! Output: where the rendered files go. Rendering hands each file to `Files` as soon as it is
//! made; `Files` writes it into a staging folder (`staging.rs`) and keeps only its path and
//! a hash (the `Manifest`: what the link checks, the redirects and watch mode need), or its
//! bytes as well for the preview server, which serves from memory. `publish` then swaps the
//! staging folder in place of the output folder in one rename, so readers and a failed build
//! never see a half-written `public/`, and the site it replaced becomes the hidden spare the
//! next build brings up to date instead of starting from nothing. Without such a tree to start
//! from, a build that changed few files renames them into the output one by one instead, once
//! it has succeeded (`in_place.rs`).

mod in_place;
mod record;
mod staging;
mod stamp;
mod survey;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use crate::errors::Fatal;

pub(crate) use staging::Staging;
pub(crate) use stamp::Stamp;

/// Path relative to the output folder (with `/`) → file content. Sorted, so the same input
/// always gives the same files in the same order.
pub(crate) type Output = BTreeMap<String, Vec<u8>>;

/// Path relative to the output folder → hash of the file's bytes: what a build published,
/// without the bytes.
pub(crate) type Manifest = BTreeMap<String, blake3::Hash>;

/// Lowers the priority of the calling thread (Linux: a thread has a `nice` value of its own),
/// for work that runs beside the build and is needed only later: the build's own thread and
/// its pool then get the processor first (on two cores, four threads at once share it
/// evenly otherwise). Nothing happens where the system does not allow it.
pub(crate) fn in_background() {
    #[cfg(target_os = "linux")]
    {
        // A new thread inherits its creator's priority: the thread pool is made first, if it
        // is not yet, so that its threads never start from this one lowered.
        let _ = rayon::current_num_threads();
        let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 10);
    }
}

/// A file every output folder holds, so that playbook never replaces a folder it did not make.
pub(crate) const MARKER: &str = ".playbook-output";

/// Where a build's files go while it renders. Shared by the rendering threads.
pub(crate) struct Files {
    manifest: Mutex<Manifest>,
    /// The bytes too, when asked (the preview server serves from memory).
    bytes: Option<Mutex<Output>>,
    staging: Option<Staging>,
    /// The stamp of every file in the staging folder (what the build cache records).
    stamps: Mutex<BTreeMap<String, Stamp>>,
    /// The first write that failed: the build fails with it when it publishes.
    failed: Mutex<Option<Fatal>>,
}

impl Files {
    /// Files written nowhere: their paths and hashes only (`check`).
    pub(crate) fn nowhere() -> Files {
        Files {
            manifest: Mutex::default(),
            bytes: None,
            staging: None,
            stamps: Mutex::default(),
            failed: Mutex::default(),
        }
    }

    /// Files written into a staging folder for `out` as they come, published by `publish`.
    /// With `keep_bytes`, also kept in memory.
    pub(crate) fn staged(out: &Path, keep_bytes: bool) -> Result<Files, Fatal> {
        Ok(Files {
            staging: Some(Staging::open(out)?),
            bytes: keep_bytes.then(Mutex::default),
            ..Files::nowhere()
        })
    }

    /// Adds one file of the site.
    pub(crate) fn put(&self, rel: String, bytes: Vec<u8>) {
        let hash = blake3::hash(&bytes);
        if let Some(staging) = &self.staging {
            match staging.put(&rel, &bytes) {
                Ok(Some(stamp)) => {
                    lock(&self.stamps).insert(rel.clone(), stamp);
                }
                Ok(None) => {}
                Err(e) => {
                    lock(&self.failed).get_or_insert(e);
                }
            }
        }
        if let Some(kept) = &self.bytes {
            lock(kept).insert(rel.clone(), bytes);
        }
        lock(&self.manifest).insert(rel, hash);
    }

    /// Adds files of the site, one after the other.
    pub(crate) fn put_all(&self, all: impl IntoIterator<Item = (String, Vec<u8>)>) {
        all.into_iter()
            .for_each(|(rel, bytes)| self.put(rel, bytes));
    }

    /// Adds the file the output folder published at `rel` by the last build, unchanged, when
    /// it still has the `stamp` the build cache recorded for it or else its bytes still hash
    /// to `hash`.
    /// Its stamp now; `None` when it cannot (no staging folder, bytes kept in memory, the
    /// file changed): the caller renders it.
    pub(crate) fn reuse(&self, rel: &str, hash: blake3::Hash, stamp: Stamp) -> Option<Stamp> {
        let staging = self.staging.as_ref().filter(|_| self.bytes.is_none())?;
        let stamp = staging.reuse(rel, &hash, stamp)?;
        lock(&self.stamps).insert(rel.to_string(), stamp);
        lock(&self.manifest).insert(rel.to_string(), hash);
        Some(stamp)
    }

    /// The stamp of a staged file.
    pub(crate) fn stamp(&self, rel: &str) -> Option<Stamp> {
        lock(&self.stamps).get(rel).copied()
    }

    /// The hash of an added file.
    pub(crate) fn hash(&self, rel: &str) -> Option<blake3::Hash> {
        lock(&self.manifest).get(rel).copied()
    }

    /// What was added so far.
    pub(crate) fn manifest(&self) -> Manifest {
        lock(&self.manifest).clone()
    }

    /// The bytes added, when kept (else empty).
    pub(crate) fn take_bytes(&mut self) -> Output {
        self.bytes
            .as_mut()
            .map(|b| std::mem::take(b.get_mut().unwrap_or_else(|p| p.into_inner())))
            .unwrap_or_default()
    }

    /// Puts the staged files in place of the output folder (nothing to do for files kept
    /// nowhere or in memory). The first failed write, if any, fails it.
    pub(crate) fn publish(self) -> Result<(), Fatal> {
        self.publish_with(false)
    }

    /// `publish` for a process that exits next (`build`): the lists of files, one entry per
    /// file of the site, are left to the end of the process instead of freed entry by entry.
    pub(crate) fn publish_before_exit(self) -> Result<(), Fatal> {
        self.publish_with(true)
    }

    fn publish_with(self, exiting: bool) -> Result<(), Fatal> {
        if let Some(e) = self.failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        let manifest = self
            .manifest
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        let stamps = self.stamps.into_inner().unwrap_or_else(|p| p.into_inner());
        let published = match self.staging {
            Some(staging) => staging.publish(&manifest, &stamps),
            None => Ok(()),
        };
        if exiting {
            std::mem::forget((manifest, stamps));
        }
        published
    }
}

/// HTML pages per language (the first folder of their path) among the files of `output`.
pub(crate) fn pages_per_language(
    languages: &[String],
    output: &Manifest,
) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = languages.iter().map(|l| (l.clone(), 0)).collect();
    for path in output.keys().filter(|p| p.ends_with(".html")) {
        if let Some(n) = path.split('/').next().and_then(|l| counts.get_mut(l)) {
            *n += 1;
        }
    }
    counts
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Replaces `out` with exactly the files of `output`, atomically.
#[cfg(test)]
pub(super) fn write_atomic(out: &Path, output: &Output) -> Result<(), Fatal> {
    let files = Files::staged(out, false)?;
    for (rel, bytes) in output {
        files.put(rel.clone(), bytes.clone());
    }
    files.publish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A site of `(path, text)` files.
    pub(super) fn site(pairs: &[(&str, &str)]) -> Output {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    /// The names in `dir`, sorted (for the output module's tests).
    pub(super) fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    /// Publishes `site` into `out` with a whole earlier tree in the spare, as after a build
    /// that changed every file (it swaps its tree in: the replaced one is the spare) and one
    /// more: the state the spare's tests start from. Each build waits a little before it
    /// publishes, so that its folders' stamps are settled and recorded (`record.rs`).
    pub(super) fn with_spare(out: &Path, site: &Output) {
        let other: Output = site
            .iter()
            .map(|(rel, bytes)| (rel.clone(), [bytes.as_slice(), b" changed"].concat()))
            .collect();
        for build in [site, &other, site] {
            let files = Files::staged(out, false).unwrap();
            files.put_all(build.clone());
            std::thread::sleep(std::time::Duration::from_millis(30));
            files.publish().unwrap();
        }
        let spare = out.with_file_name(".public.spare");
        assert!(spare.join(site.keys().next().unwrap()).is_file());
    }

    #[test]
    fn replaces_the_whole_tree() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let first = site(&[("a/index.html", "one"), ("gone.txt", "x")]);
        write_atomic(&out, &first).unwrap();
        write_atomic(&out, &site(&[("a/index.html", "two")])).unwrap();
        assert_eq!(std::fs::read(out.join("a/index.html")).unwrap(), b"two");
        assert!(!out.join("gone.txt").exists());
        assert_eq!(names(dir.path()), [".public.spare", "public"]);
    }

    #[test]
    fn a_published_file_is_stamped_and_linked_as_its_path_says() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        with_spare(&out, &site(&[("fr/a/index.html", "one")]));
        let staging = Staging::open(&out).unwrap();
        let path = out.join("fr/a/index.html");
        let stamp = Stamp::of(&path).unwrap();
        assert_eq!(
            staging.previous_stamp("fr/a/index.html", &path),
            Some(stamp)
        );
        // Not a file: no stamp.
        assert_eq!(staging.previous_stamp("fr/a", &out.join("fr/a")), None);
        assert_eq!(staging.previous_stamp("fr/b", &out.join("fr/b")), None);
        // Reused: the staging folder holds the same file (one inode).
        let hash = blake3::hash(b"one");
        assert_eq!(staging.reuse("fr/a/index.html", &hash, stamp), Some(stamp));
        let staged = staging.dir.join("fr/a/index.html");
        assert_eq!(Stamp::of(&staged).map(|s| s.inode), Some(stamp.inode));
    }

    #[test]
    fn the_spare_is_brought_up_to_date_without_touching_the_published_site() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
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
            site(&[("a/index.html", "one"), ("d/e/f/index.html", "deeper")]),
            site(&[("a/index.html", "one"), ("d/e/f/index.html", "deeper")]),
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

    #[test]
    fn a_build_that_does_not_publish_leaves_the_output_and_the_spare() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let mut site = Output::new();
        site.insert("a/index.html".into(), b"one".to_vec());
        with_spare(&out, &site);
        {
            // Dropped without publishing, half written, as a failed build is.
            let files = Files::staged(&out, false).unwrap();
            files.put("a/index.html".into(), b"half".to_vec());
            files.put("b/index.html".into(), b"half".to_vec());
        }
        assert_eq!(std::fs::read(out.join("a/index.html")).unwrap(), b"one");
        assert!(!out.join("b").exists());
        assert_eq!(names(dir.path()), [".public.spare", "public"]);
        // The next build starts from that spare and publishes exactly its own files.
        write_atomic(&out, &site).unwrap();
        assert!(!out.join("b").exists());
        assert_eq!(std::fs::read(out.join("a/index.html")).unwrap(), b"one");
        // Without a spare to claim, a failed build's new staging folder is removed.
        std::fs::remove_dir_all(dir.path().join(".public.spare")).unwrap();
        drop(Files::staged(&out, false).unwrap());
        assert_eq!(names(dir.path()), ["public"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_file_the_survey_did_not_see_is_replaced_not_written_into() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let published = site(&[("a/index.html", "one"), ("b/index.html", "published")]);
        with_spare(&out, &published);
        // The next build claims the spare; once its survey is done, a file it never saw
        // appears there, a hard link to the published site's.
        let files = Files::staged(&out, false).unwrap();
        files.put("a/index.html".into(), b"two".to_vec());
        let staging = files.staging.as_ref().unwrap().dir.clone();
        std::fs::create_dir_all(staging.join("c")).unwrap();
        std::fs::hard_link(out.join("b/index.html"), staging.join("c/index.html")).unwrap();
        files.put("c/index.html".into(), b"new page".to_vec());
        assert_eq!(
            std::fs::read(out.join("b/index.html")).unwrap(),
            b"published"
        );
        assert_eq!(
            std::fs::read(staging.join("c/index.html")).unwrap(),
            b"new page"
        );
        files.publish().unwrap();
        assert_eq!(
            std::fs::read(out.join("c/index.html")).unwrap(),
            b"new page"
        );
    }

    #[test]
    fn links_in_the_spare_are_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let mut site = Output::new();
        site.insert("a/index.html".into(), b"one".to_vec());
        with_spare(&out, &site);
        let spare = dir.path().join(".public.spare");
        std::fs::remove_dir_all(spare.join("a")).unwrap();
        std::os::unix::fs::symlink(&elsewhere, spare.join("a")).unwrap();
        site.insert("a/index.html".into(), b"two".to_vec());
        write_atomic(&out, &site).unwrap();
        assert_eq!(std::fs::read(out.join("a/index.html")).unwrap(), b"two");
        assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
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

    /// A build of `site` into `out` that waits a little before it publishes: its folders'
    /// stamps are settled then and go into its record (`record.rs`).
    #[cfg(unix)]
    fn publish_settled(out: &Path, site: &Output) {
        let files = Files::staged(out, false).unwrap();
        for (rel, bytes) in site {
            files.put(rel.clone(), bytes.clone());
        }
        std::thread::sleep(std::time::Duration::from_millis(30));
        files.publish().unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_site_published_where_there_was_none_leaves_its_record_in_an_empty_spare() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let spare = dir.path().join(".public.spare");
        let published = site(&[("a/index.html", "one"), ("b/c/index.html", "two")]);
        let build = || publish_settled(&out, &published);
        build();
        assert_eq!(
            names(&spare),
            [".playbook-output", ".playbook-tree-published"]
        );
        assert_eq!(names(&out), [".playbook-output", "a", "b"]);
        // The next build claims that empty spare; with nothing changed, it publishes in place
        // (`in_place.rs`): the spare stays empty, with the output's record.
        build();
        assert_eq!(
            names(&spare),
            [".playbook-output", ".playbook-tree-published"]
        );
        // One that changes every file publishes a whole tree; the tree it replaces is the
        // spare now, with its own record: the build after needs no survey.
        let other = site(&[("a/index.html", "three"), ("b/c/index.html", "four")]);
        publish_settled(&out, &other);
        assert_eq!(
            names(&spare),
            [
                ".playbook-output",
                ".playbook-tree",
                ".playbook-tree-published",
                "a",
                "b"
            ]
        );
        assert_eq!(names(&out), [".playbook-output", "a", "b"]);
    }

    #[test]
    fn refuses_a_foreign_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("precious.txt"), b"keep").unwrap();
        assert!(write_atomic(dir.path(), &Output::new()).is_err());
        assert!(dir.path().join("precious.txt").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_added_to_the_output_after_its_record_is_not_published_again() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let published = site(&[("a/index.html", "one"), ("b/c/index.html", "two")]);
        let build = || publish_settled(&out, &published);
        with_spare(&out, &published);
        // The spare holds its own record and the published tree's, never published.
        let spare = dir.path().join(".public.spare");
        assert!(spare.join(".playbook-tree-published").is_file());
        assert!(!out.join(".playbook-tree-published").exists());
        // Something else writes into the published folder; two builds later, that tree is
        // the spare claimed with its record: the folder that changed is read again.
        std::fs::write(out.join("b/c/extra.txt"), b"not the site's").unwrap();
        build();
        assert!(dir.path().join(".public.spare/b/c/extra.txt").is_file());
        build();
        assert!(!out.join("b/c/extra.txt").exists());
        let mut files: Vec<String> = walkdir::WalkDir::new(&out)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(&out).unwrap().display().to_string())
            .collect();
        files.sort();
        assert_eq!(files, [MARKER, "a/index.html", "b/c/index.html"]);
    }
}
