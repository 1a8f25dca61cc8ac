//! Stamps: what tells, without reading it, that a published file still holds the bytes it
//! had (`Stamp`: its size, modification time and inode, kept in the build cache) and that a
//! folder still holds the entries it had (`FolderStamp`: its inode and change time, kept in a
//! tree's record, `record.rs`).

use std::path::Path;

/// What tells a published file's bytes without reading them: its size, modification time and
/// inode (a file replaced or written to has another). Kept in the build cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) len: u64,
    pub(crate) mtime: i64,
    pub(crate) mtime_nanos: i64,
    pub(crate) inode: u64,
}

impl Stamp {
    /// The stamp of the regular file at `path` (none for anything else, or off Unix).
    pub(crate) fn of(path: &Path) -> Option<Stamp> {
        #[cfg(unix)]
        {
            Stamp::at(rustix::fs::CWD, path)
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }

    /// The stamp of the regular file at `path`, relative to the folder `dir` (none for
    /// anything else; a link is not followed).
    #[cfg(unix)]
    pub(super) fn at(dir: impl rustix::fd::AsFd, path: impl rustix::path::Arg) -> Option<Stamp> {
        use rustix::fs::{statat, AtFlags, FileType};
        let st = statat(dir, path, AtFlags::SYMLINK_NOFOLLOW).ok()?;
        (FileType::from_raw_mode(st.st_mode) == FileType::RegularFile).then_some(Stamp {
            len: st.st_size as u64,
            mtime: st.st_mtime as i64,
            mtime_nanos: st.st_mtime_nsec as i64,
            inode: st.st_ino as u64,
        })
    }
}

/// What identifies a folder's entries: its inode and change time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FolderStamp {
    pub(super) inode: u64,
    pub(super) ctime: i64,
    pub(super) ctime_nanos: i64,
}

impl FolderStamp {
    /// A folder's stamp from its `stat` (whose field types differ from one platform to another).
    #[cfg(unix)]
    #[allow(clippy::unnecessary_cast)]
    pub(super) fn of_stat(st: &rustix::fs::Stat) -> FolderStamp {
        FolderStamp {
            inode: st.st_ino as u64,
            ctime: st.st_ctime as i64,
            ctime_nanos: st.st_ctime_nsec as i64,
        }
    }

    /// The stamp of the folder at `path` (a link is not followed; off Unix, none).
    pub(super) fn at(path: &Path) -> Option<FolderStamp> {
        #[cfg(unix)]
        {
            Some(FolderStamp::of_stat(&rustix::fs::lstat(path).ok()?))
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            None
        }
    }

    /// Whether a change made to the folder after `seen` (nanoseconds since the epoch, when the
    /// stamp was taken or earlier) would give it another stamp: its time is more than a clock
    /// tick before (20 ms), or two seconds on a file system that keeps whole seconds.
    pub(super) fn settled(&self, seen: i128) -> bool {
        let at = i128::from(self.ctime) * 1_000_000_000 + i128::from(self.ctime_nanos);
        let margin = if self.ctime_nanos == 0 {
            2_000_000_000
        } else {
            20_000_000
        };
        at < seen - margin
    }
}

/// The time now, in nanoseconds since the epoch.
pub(super) fn now() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}
