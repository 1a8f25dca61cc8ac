//! The record of a published tree, so that the build which later claims it as its staging
//! folder (two builds on: the published tree is the spare in between) need not read its
//! thousands of folders. A build that publishes records what its tree holds: every folder
//! below the top one with the stamp it had when this build last saw it — its inode and change
//! time, for a folder this build did not change, or else `stat`ed once it is written — and
//! every file with its inode. The records travel inside the spare, which only playbook
//! touches: the spare holds its own record (`.playbook-tree`) and the published tree's
//! (`.playbook-tree-published`), which becomes the spare's own once the next build swaps the
//! two. The build that claims the spare takes both out before anything else (`take`): they are
//! never published, and a build that stops half-way leaves no record of a tree it changed. The
//! survey then trusts a folder's entries from the record only when the folder still has the
//! recorded stamp, `stat`ed again: any entry added, removed or renamed in a folder gives it a
//! new change time. Only a *settled* stamp is recorded (`FolderStamp::settled`). A record that
//! is truncated, altered (a checksum covers it), holds a path that is not a plain relative one,
//! or was made for another folder (the top folder's inode) is not trusted at all. Whatever is
//! not trusted is read from the disk, as without a record.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

use super::stamp::{FolderStamp, Stamp};
use super::survey::Held;
use super::Manifest;
use std::path::Path;

/// The first bytes of a record: only a file that starts with them is ever replaced or removed.
const MAGIC: &[u8] = b"playbook tree record 1\n";

/// One folder of a recorded tree.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Folder {
    /// Its settled stamp; `None`: read it from the disk.
    pub(super) stamp: Option<FolderStamp>,
    /// Its files (name, inode) and the names of its folders.
    pub(super) files: Vec<(String, u64)>,
    pub(super) folders: Vec<String>,
}

/// A recorded tree: the inode of its top folder and the folders below it, by path.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Record {
    pub(super) root: u64,
    pub(super) folders: FxHashMap<String, Folder>,
}

/// In a spare: its own record, and the record of the tree published beside it.
const OWN: &str = ".playbook-tree";
const PUBLISHED: &str = ".playbook-tree-published";

/// The bytes of the record of a tree whose top folder has inode `root`: the header, that
/// inode, its folders (path, settled stamp), its files (path, inode), then a checksum of it
/// all. Paths with `/`; what is in the top folder itself is not needed (it is always read).
pub(super) fn encode(
    root: u64,
    folders: &[(&str, Option<FolderStamp>)],
    files: &[(&str, u64)],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + folders.len() * 56 + files.len() * 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&root.to_le_bytes());
    let text = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    out.extend_from_slice(&(folders.len() as u64).to_le_bytes());
    for (path, stamp) in folders {
        text(&mut out, path);
        match stamp {
            Some(s) => {
                out.push(1);
                for n in [s.inode as i64, s.ctime, s.ctime_nanos] {
                    out.extend_from_slice(&n.to_le_bytes());
                }
            }
            None => out.push(0),
        }
    }
    let inner = files.iter().filter(|(path, _)| path.contains('/'));
    out.extend_from_slice(&(inner.clone().count() as u64).to_le_bytes());
    for (path, inode) in inner {
        text(&mut out, path);
        out.extend_from_slice(&inode.to_le_bytes());
    }
    let sum = blake3::hash(&out);
    out.extend_from_slice(sum.as_bytes());
    out
}

impl Record {
    /// The stamp folder `rel` must still have for its entries to be taken from the record.
    pub(super) fn trusted_stamp(&self, rel: &str) -> Option<FolderStamp> {
        self.folders.get(rel)?.stamp
    }

    /// A record from its bytes; `None` when they are not a whole record of plain relative
    /// paths (each part a name: not empty, not `.` or `..`).
    pub(super) fn decode(bytes: &[u8]) -> Option<Record> {
        let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
        if blake3::hash(body).as_bytes() != sum {
            return None;
        }
        let mut r = Bytes(body.strip_prefix(MAGIC)?);
        let root = r.u64()?;
        let mut folders: FxHashMap<String, Folder> = FxHashMap::default();
        let count = r.u64()?;
        folders.reserve(usize::try_from(count).ok()?.min(body.len()));
        for _ in 0..count {
            let path = r.path()?;
            let stamp = match r.take(1)? {
                [0] => None,
                [1] => Some(FolderStamp {
                    inode: r.u64()?,
                    ctime: r.u64()? as i64,
                    ctime_nanos: r.u64()? as i64,
                }),
                _ => return None,
            };
            if let Some((parent, name)) = path.rsplit_once('/') {
                let name = name.to_string();
                folders
                    .entry(parent.to_string())
                    .or_default()
                    .folders
                    .push(name);
            }
            folders.entry(path).or_default().stamp = stamp;
        }
        for _ in 0..r.u64()? {
            let path = r.path()?;
            let inode = r.u64()?;
            let (parent, name) = path.rsplit_once('/')?;
            let files = &mut folders.entry(parent.to_string()).or_default().files;
            files.push((name.to_string(), inode));
        }
        r.0.is_empty().then_some(Record { root, folders })
    }
}

/// Takes the two records out of the claimed spare `dir` before anything in it changes: its
/// own (decoded later, by the survey) and the published tree's, as bytes.
pub(super) fn take(dir: &Path) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let take_one = |name: &str| {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).ok().filter(|b| b.starts_with(MAGIC));
        let _ = std::fs::remove_file(&path);
        bytes
    };
    (take_one(OWN), take_one(PUBLISHED))
}

/// Once a build published its tree (`published`, its encoded record), the tree it replaced is
/// the spare: it keeps its own record (`own`, when the build had it) and the published one. A
/// failure to write costs only a survey.
pub(super) fn keep(spare: &Path, own: Option<&[u8]>, published: &[u8]) {
    for (name, bytes) in [(OWN, own), (PUBLISHED, Some(published))] {
        let path = spare.join(name);
        let _ = std::fs::remove_file(&path);
        if let Some(bytes) = bytes {
            if super::staging::write_new(&path, bytes).is_err() {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// The record of the tree at `dir` as it is about to be published (`wanted`, its files and
/// folders; `files`, its files), encoded: the inode of each file, and the stamp of each folder
/// — as the survey saw it (`existing`) when it is not among the `changed` ones, else `stat`ed
/// now — when it is settled. `None` when a file's stamp is not known.
pub(super) fn of_tree(
    dir: &Path,
    existing: &FxHashMap<String, Held>,
    changed: &FxHashSet<String>,
    wanted: &FxHashSet<&str>,
    files: &Manifest,
    stamps: &BTreeMap<String, Stamp>,
) -> Option<Vec<u8>> {
    {
        let root = FolderStamp::at(dir)?;
        let now = super::stamp::now();
        let mut folders: Vec<(&str, Option<FolderStamp>)> = wanted
            .par_iter()
            .filter(|rel| !files.contains_key(**rel))
            .map(|&rel| match existing.get(rel) {
                Some(Held::Folder(stamp)) if !changed.contains(rel) => (rel, *stamp),
                _ => (
                    rel,
                    FolderStamp::at(&dir.join(rel)).filter(|s| s.settled(now)),
                ),
            })
            .collect();
        folders.par_sort_unstable_by_key(|&(rel, _)| rel);
        let files: Option<Vec<(&str, u64)>> = files
            .keys()
            .map(|rel| Some((rel.as_str(), stamps.get(rel)?.inode)))
            .collect();
        Some(encode(root.inode, &folders, &files?))
    }
}

/// A reader of a record's bytes.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A path of the tree, relative, `/` between names.
    fn path(&mut self) -> Option<String> {
        let len = usize::try_from(self.u64()?).ok()?;
        let path = String::from_utf8(self.take(len)?.to_vec()).ok()?;
        path.split('/')
            .all(|n| !matches!(n, "" | "." | "..") && !n.contains('\0'))
            .then_some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(inode: u64) -> Option<FolderStamp> {
        Some(FolderStamp {
            inode,
            ctime: 1_000,
            ctime_nanos: 5,
        })
    }

    /// The record of a small tree whose top folder has inode `root`.
    fn sample(root: u64) -> Vec<u8> {
        encode(
            root,
            &[("fr", stamp(1)), ("fr/a", None), ("fr/a/b", stamp(3))],
            &[
                ("fr/a/b/x.png", 11),
                ("fr/a/index.html", 10),
                ("index.html", 12),
            ],
        )
    }

    #[test]
    fn a_record_reads_back_as_written_and_nothing_else_does() {
        let bytes = sample(7);
        let record = Record::decode(&bytes).unwrap();
        assert_eq!(record.root, 7);
        let folder = |files: &[(&str, u64)], folders: &[&str], stamp| Folder {
            stamp,
            files: files.iter().map(|(n, i)| (n.to_string(), *i)).collect(),
            folders: folders.iter().map(|n| n.to_string()).collect(),
        };
        let expected: FxHashMap<String, Folder> = [
            // Nothing of the top folder itself: it is always read.
            ("fr", folder(&[], &["a"], stamp(1))),
            ("fr/a", folder(&[("index.html", 10)], &["b"], None)),
            ("fr/a/b", folder(&[("x.png", 11)], &[], stamp(3))),
        ]
        .into_iter()
        .map(|(p, f)| (p.to_string(), f))
        .collect();
        assert_eq!(record.folders, expected);
        assert_eq!(record.trusted_stamp("fr"), stamp(1));
        assert_eq!(
            record.trusted_stamp("fr/a"),
            None,
            "recorded without a stamp"
        );
        assert_eq!(record.trusted_stamp("fr/missing"), None);
        // Any byte changed, or the end cut off: not a record.
        for at in [0, MAGIC.len() + 3, bytes.len() / 2, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[at] ^= 1;
            assert_eq!(Record::decode(&bad), None, "byte {at} changed");
        }
        assert_eq!(Record::decode(&bytes[..bytes.len() - 1]), None);
        assert_eq!(Record::decode(&[]), None);
    }

    #[test]
    fn a_stamp_is_settled_a_tick_after_its_time_or_two_seconds_in_whole_seconds() {
        let second = 1_000_000_000_i128;
        let at = |ctime, ctime_nanos| FolderStamp {
            inode: 1,
            ctime,
            ctime_nanos,
        };
        let fine = at(1_000, 500_000_000);
        assert!(!fine.settled(1_000 * second + 500_000_000));
        assert!(!fine.settled(1_000 * second + 520_000_000));
        assert!(fine.settled(1_000 * second + 520_000_001));
        let whole = at(1_000, 0);
        assert!(!whole.settled(1_001 * second));
        assert!(!whole.settled(1_002 * second));
        assert!(whole.settled(1_002 * second + 1));
    }

    #[test]
    fn a_path_that_is_not_a_plain_relative_one_makes_the_record_unusable() {
        for bad in ["../x", "fr/../x", "/x", "fr//x", "./x", "fr/.", "x\0y"] {
            let file = format!("fr/{bad}");
            let bytes = encode(7, &[("fr", stamp(1))], &[(&file, 3)]);
            assert_eq!(Record::decode(&bytes), None, "{bad}");
            let bytes = encode(7, &[(bad, stamp(1))], &[]);
            assert_eq!(Record::decode(&bytes), None, "{bad}");
        }
    }

    #[test]
    fn the_records_are_taken_out_of_the_spare_once_and_written_back_into_it() {
        let dir = tempfile::tempdir().unwrap();
        let spare = dir.path();
        keep(spare, Some(&sample(1)), &sample(2));
        let names = crate::output::tests::names;
        assert_eq!(names(spare), [OWN, PUBLISHED]);
        assert_eq!(take(spare), (Some(sample(1)), Some(sample(2))));
        assert!(names(spare).is_empty());
        assert_eq!(take(spare), (None, None));
        // Without its own record: only the published tree's. A file that is not a record is
        // not one (and goes: nothing of the spare's top folder is the site's until built).
        keep(spare, None, &sample(3));
        assert_eq!(names(spare), [PUBLISHED]);
        std::fs::write(spare.join(OWN), b"notes").unwrap();
        assert_eq!(take(spare), (None, Some(sample(3))));
    }
}
