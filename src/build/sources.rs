//! The build cache's record of the content's page files (`.playbook-cache/build/sources`):
//! for each file that parsed, its stamp (size, modification and change times, inode: see
//! `FileStamp`), the hash of its text, its head (the text up to the end of the front matter)
//! and whether its body holds `playbook new`'s placeholder. The next build does not read a
//! file whose stamp is still the recorded one (`content::discover`): it parses the recorded
//! head, and reads the rest only if something asks for it (`content::model::Text`) — in a
//! one-page edit, the pages rendered again. A file changed within two seconds of being
//! looked at, or on a system without such stamps, is recorded without a stamp (its stamp
//! could stay the same through another change): it is always read again, and its head only
//! tells the next build whether its front matter changed (`Discovered::fronts_as_recorded`).
//! The record carries the hash of the executable (parsing is the binary's) and a checksum: a
//! record that is missing, corrupt or of another binary is ignored, and every file is read.

use std::path::Path;

use super::cache::Saved;
use super::codec::Reader;
use crate::content::assemble::holds_placeholder;
use crate::content::discover::{Known, KnownFiles};
use crate::content::model::{FileStamp, Site, Translation};
use crate::render::media::resize::CACHE_DIR;

const MAGIC: &[u8] = b"playbook content record\n";
const VERSION: u64 = 2;
const FILE: &str = "sources";

/// What the record of the site in `root` holds for this binary (nothing when it is missing,
/// corrupt or another's).
pub(crate) fn read(root: &Path, binary: &blake3::Hash) -> KnownFiles {
    std::fs::read(root.join(CACHE_DIR).join("build").join(FILE))
        .ok()
        .and_then(|bytes| decode(&bytes, binary).ok())
        .unwrap_or_default()
}

fn decode(bytes: &[u8], binary: &blake3::Hash) -> Result<KnownFiles, ()> {
    let mut r = Reader::open(bytes, MAGIC, VERSION)?;
    if r.hash()? != *binary {
        return Err(());
    }
    let mut known = KnownFiles::new();
    for _ in 0..r.count()? {
        let rel = r.string()?;
        let stamp = match r.u8()? {
            0 => None,
            1 => Some(FileStamp {
                len: r.u64()?,
                mtime: (r.u64()? as i64, r.u64()? as i64),
                ctime: (r.u64()? as i64, r.u64()? as i64),
                inode: r.u64()?,
            }),
            _ => return Err(()),
        };
        let hash = r.hash()?;
        let placeholder = match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(()),
        };
        let head = r.string()?;
        known.insert(
            rel,
            Known {
                stamp,
                head,
                hash,
                placeholder,
            },
        );
    }
    if !r.rest.is_empty() {
        return Err(());
    }
    Ok(known)
}

/// Writes the record of `site`'s page files beside the one in the cache folder `dir`; `keep`
/// puts it in place.
pub(crate) fn save(dir: &Path, binary: &blake3::Hash, site: &Site) -> std::io::Result<Saved> {
    let mut files: Vec<(&str, &Translation)> = site
        .entries
        .values()
        .flat_map(|e| e.translations.iter())
        .map(|(lang, t)| (lang.as_str(), &**t))
        .collect();
    files.sort_by(|a, b| a.1.file.cmp(&b.1.file));
    // Streamed, with its checksum (the heads are megabytes).
    let (mut out, saved) = Saved::stream(&dir.join(FILE))?;
    let w = &mut out.w;
    w.buf.extend_from_slice(MAGIC);
    w.u64(VERSION);
    w.hash(binary);
    w.u64(files.len() as u64);
    for (lang, t) in files {
        let w = &mut out.w;
        w.str(&t.file);
        match t.text.stamp {
            Some(stamp) => {
                w.buf.push(1);
                w.u64(stamp.len);
                for n in [stamp.mtime.0, stamp.mtime.1, stamp.ctime.0, stamp.ctime.1] {
                    w.u64(n as u64);
                }
                w.u64(stamp.inode);
            }
            None => w.buf.push(0),
        }
        match t.text.known() {
            // Not read: what was recorded.
            Some(known) => {
                w.hash(&known.hash);
                w.buf.push(u8::from(known.placeholder));
                w.str(&known.head);
            }
            None => {
                w.hash(&t.text.hash());
                w.buf.push(u8::from(holds_placeholder(t, lang)));
                w.str(t.text().get(..t.body_offset).unwrap_or(""));
            }
        }
        out.flush_full()?;
    }
    out.finish()?;
    Ok(saved)
}
