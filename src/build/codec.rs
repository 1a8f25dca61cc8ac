//! The build cache's file format: a plain length-prefixed binary encoding of what a rendered
//! body leaves behind (headings, anchors and site paths with their diagnostics, media used,
//! warnings, the hash of its search line) and of what the build cache keeps for the generated files (hashes,
//! stamps, postings). Reading never trusts a length: one that runs past the end of the
//! file is an error, so a truncated or corrupt file costs nothing but a rebuild.

use crate::content::model::Key;
use crate::errors::{Diagnostic, Severity};
use crate::output::Stamp;
use crate::render::bodies::BodyJob;
use crate::render::markdown::{AnchorRef, Body, Heading, SitePathRef};

/// Appends values to a buffer.
#[derive(Default)]
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
}

/// A cache file written as it is encoded: `w` is handed to the file and to its checksum
/// 64 KiB at a time (blake3 is several times faster on long input than on a few hundred
/// bytes), and the checksum comes last.
pub(super) struct Stream {
    file: std::fs::File,
    sum: blake3::Hasher,
    pub(super) w: Writer,
}

impl Stream {
    pub(super) fn create(path: &std::path::Path) -> std::io::Result<Stream> {
        Ok(Stream {
            file: std::fs::File::create(path)?,
            sum: blake3::Hasher::new(),
            w: Writer::default(),
        })
    }

    /// Writes what is encoded so far, once it is 64 KiB or more.
    pub(super) fn flush_full(&mut self) -> std::io::Result<()> {
        if self.w.buf.len() >= 1 << 16 {
            self.sum.update(&self.w.buf);
            std::io::Write::write_all(&mut self.file, &self.w.buf)?;
            self.w.buf.clear();
        }
        Ok(())
    }

    /// Writes the rest and the checksum. No fsync: a file cut short by a crash fails its
    /// checksum and is ignored.
    pub(super) fn finish(mut self) -> std::io::Result<()> {
        self.sum.update(&self.w.buf);
        let sum = self.sum.finalize();
        self.w.buf.extend_from_slice(sum.as_bytes());
        std::io::Write::write_all(&mut self.file, &self.w.buf)
    }
}

impl Writer {
    pub(super) fn u64(&mut self, n: u64) {
        self.buf.extend_from_slice(&n.to_le_bytes());
    }

    pub(super) fn u32s(&mut self, ns: &[u32]) {
        self.u64(ns.len() as u64);
        for n in ns {
            self.buf.extend_from_slice(&n.to_le_bytes());
        }
    }

    pub(super) fn hash(&mut self, h: &blake3::Hash) {
        self.buf.extend_from_slice(h.as_bytes());
    }

    pub(super) fn stamp(&mut self, s: &Stamp) {
        for n in [s.len, s.mtime as u64, s.mtime_nanos as u64, s.inode] {
            self.u64(n);
        }
    }

    pub(super) fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    pub(super) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    fn opt(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.buf.push(1);
                self.str(s);
            }
            None => self.buf.push(0),
        }
    }

    pub(super) fn key(&mut self, k: &Key) {
        self.str(&k.section);
        self.str(&k.id);
    }

    fn diagnostic(&mut self, d: &Diagnostic) {
        self.buf.push(match d.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
        });
        self.str(&d.file);
        self.u64(d.line as u64);
        self.u64(d.column as u64);
        self.str(&d.message);
        self.opt(d.help.as_deref());
        self.opt(d.source_line.as_deref());
        self.u64(d.width as u64);
        self.u64(d.quote_start as u64);
    }

    fn diagnostics(&mut self, ds: &[Diagnostic]) {
        self.u64(ds.len() as u64);
        for d in ds {
            self.diagnostic(d);
        }
    }

    /// A body without its HTML and text (a cached page is not rendered again), and the hash of
    /// its search line (the line itself is made again when it is needed: `derived.rs`).
    pub(super) fn job(
        &mut self,
        (body, problems, own, line): (&Body, &[Diagnostic], bool, &blake3::Hash),
    ) {
        self.u64(body.headings.len() as u64);
        for h in &body.headings {
            self.buf.push(h.level);
            self.str(&h.id);
            self.str(&h.text);
        }
        self.u64(body.anchors.len() as u64);
        for a in &body.anchors {
            self.key(&a.target);
            self.str(&a.anchor);
            self.opt(a.lang.as_deref());
            self.diagnostic(&a.diagnostic);
        }
        self.u64(body.site_paths.len() as u64);
        for p in &body.site_paths {
            self.str(&p.path);
            self.diagnostic(&p.diagnostic);
        }
        self.u64(body.media.len() as u64);
        for m in &body.media {
            self.str(m);
        }
        self.diagnostics(problems);
        self.buf.push(own as u8);
        self.hash(line);
    }
}

/// Reads values back; every method fails on a length or tag that does not fit.
pub(super) struct Reader<'a> {
    pub(super) rest: &'a [u8],
}

pub(super) type Read<T> = Result<T, ()>;

impl<'a> Reader<'a> {
    /// The contents of a cache file after its `magic` line and `version`, when its checksum
    /// (the last 32 bytes: the hash of everything before) holds and both match.
    pub(super) fn open(bytes: &'a [u8], magic: &[u8], version: u64) -> Read<Reader<'a>> {
        let (content, checksum) = bytes.split_last_chunk::<32>().ok_or(())?;
        if blake3::hash(content) != blake3::Hash::from_bytes(*checksum) {
            return Err(());
        }
        let mut r = Reader {
            rest: content.strip_prefix(magic).ok_or(())?,
        };
        if r.u64()? != version {
            return Err(());
        }
        Ok(r)
    }

    /// The hash that follows the `magic` line and `version` of a cache file (its key), looked
    /// at without checking the file: whether it is worth decoding.
    pub(super) fn file_key(bytes: &[u8], magic: &[u8], version: u64) -> Option<blake3::Hash> {
        let mut r = Reader {
            rest: bytes.strip_prefix(magic)?,
        };
        (r.u64().ok()? == version).then_some(())?;
        r.hash().ok()
    }

    /// Files as published: path, hash and stamp of each.
    pub(super) fn published(&mut self) -> Read<Vec<(String, blake3::Hash, Stamp)>> {
        (0..self.count()?)
            .map(|_| Ok((self.string()?, self.hash()?, self.stamp()?)))
            .collect()
    }

    pub(super) fn u64(&mut self) -> Read<u64> {
        let (head, rest) = self.rest.split_first_chunk::<8>().ok_or(())?;
        self.rest = rest;
        Ok(u64::from_le_bytes(*head))
    }

    pub(super) fn u32s(&mut self) -> Read<Vec<u32>> {
        let n = self.count()?;
        let (body, rest) = self
            .rest
            .split_at_checked(n.checked_mul(4).ok_or(())?)
            .ok_or(())?;
        self.rest = rest;
        Ok(body
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    pub(super) fn hash(&mut self) -> Read<blake3::Hash> {
        let (head, rest) = self.rest.split_first_chunk::<32>().ok_or(())?;
        self.rest = rest;
        Ok(blake3::Hash::from_bytes(*head))
    }

    pub(super) fn stamp(&mut self) -> Read<Stamp> {
        Ok(Stamp {
            len: self.u64()?,
            mtime: self.u64()? as i64,
            mtime_nanos: self.u64()? as i64,
            inode: self.u64()?,
        })
    }

    pub(super) fn u8(&mut self) -> Read<u8> {
        let (&b, rest) = self.rest.split_first().ok_or(())?;
        self.rest = rest;
        Ok(b)
    }

    pub(super) fn count(&mut self) -> Read<usize> {
        // Every element takes at least one byte: a count beyond what is left is corrupt.
        let n = usize::try_from(self.u64()?).map_err(|_| ())?;
        if n > self.rest.len() {
            return Err(());
        }
        Ok(n)
    }

    pub(super) fn bytes(&mut self) -> Read<&'a [u8]> {
        let n = self.count()?;
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    pub(super) fn string(&mut self) -> Read<String> {
        String::from_utf8(self.bytes()?.to_vec()).map_err(|_| ())
    }

    fn opt(&mut self) -> Read<Option<String>> {
        match self.u8()? {
            0 => Ok(None),
            1 => self.string().map(Some),
            _ => Err(()),
        }
    }

    fn usize(&mut self) -> Read<usize> {
        usize::try_from(self.u64()?).map_err(|_| ())
    }

    pub(super) fn key(&mut self) -> Read<Key> {
        Ok(Key {
            section: self.string()?,
            id: self.string()?,
        })
    }

    fn diagnostic(&mut self) -> Read<Diagnostic> {
        let severity = match self.u8()? {
            0 => Severity::Error,
            1 => Severity::Warning,
            _ => return Err(()),
        };
        Ok(Diagnostic {
            severity,
            file: self.string()?,
            line: self.usize()?,
            column: self.usize()?,
            message: self.string()?,
            help: self.opt()?,
            source_line: self.opt()?,
            width: self.usize()?,
            quote_start: self.usize()?,
        })
    }

    /// A body as `Writer::job` left it, with an empty search line, and the line's hash.
    pub(super) fn job(&mut self) -> Read<(BodyJob, blake3::Hash)> {
        let mut body = Body::default();
        for _ in 0..self.count()? {
            body.headings.push(Heading {
                level: self.u8()?,
                id: self.string()?,
                text: self.string()?,
            });
        }
        for _ in 0..self.count()? {
            body.anchors.push(AnchorRef {
                target: self.key()?,
                anchor: self.string()?,
                lang: self.opt()?,
                diagnostic: self.diagnostic()?,
            });
        }
        for _ in 0..self.count()? {
            body.site_paths.push(SitePathRef {
                path: self.string()?,
                diagnostic: self.diagnostic()?,
            });
        }
        for _ in 0..self.count()? {
            body.media.push(self.string()?);
        }
        let mut problems = Vec::new();
        for _ in 0..self.count()? {
            problems.push(self.diagnostic()?);
        }
        let own = match self.u8()? {
            0 => false,
            1 => true,
            _ => return Err(()),
        };
        Ok(((body, problems, own, String::new()), self.hash()?))
    }
}
