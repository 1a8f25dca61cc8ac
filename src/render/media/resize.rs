//! Smaller copies of large PNG and JPEG pictures, for `srcset`. Resizing is the slowest thing
//! a build can do, so each copy is cached on disk in `<site>/.playbook-cache/images/`, named
//! by the BLAKE3 hash of the original's bytes and the width: a picture is resized once, by
//! whichever of `build`, `check` or `--watch` meets it first, and never again until its bytes
//! change. This is the one place the render stage writes to disk, and it writes only the
//! cache (never the output folder); a cache that cannot be written only costs time.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::codecs::jpeg::{JpegDecoder, JpegEncoder};
use image::codecs::png::PngEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder};

/// Bumped when the way copies are made changes, so old cached copies are not reused.
const VERSION: &str = "v1";

/// The folder, under the site root, that holds cached copies.
pub(crate) const CACHE_DIR: &str = ".playbook-cache";

/// The cache of resized pictures of one site.
#[derive(Debug, Clone)]
pub(crate) struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub(crate) fn new(root: &Path) -> Cache {
        Cache {
            dir: root.join(CACHE_DIR).join("images"),
        }
    }

    fn file(&self, hash: &str, width: u32, ext: &str) -> PathBuf {
        self.dir.join(format!("{hash}-{width}.{ext}"))
    }

    /// Removes cached copies no picture of the site uses any more (`used`: file names).
    pub(crate) fn prune(&self, used: &std::collections::BTreeSet<String>) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !used.contains(&name) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Width and height of a JPEG as it is shown: its EXIF orientation applied (browsers turn
/// photos upright, so `<img width height>` must too). `None` when it is not a JPEG.
pub(crate) fn jpeg_shown_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut decoder = JpegDecoder::new(Cursor::new(bytes)).ok()?;
    let (w, h) = decoder.dimensions();
    let turned = matches!(
        decoder.orientation().ok()?,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    Some(if turned { (h, w) } else { (w, h) })
}

/// One smaller copy: its width, height and bytes.
pub(crate) struct Resized {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) bytes: Vec<u8>,
    /// Its file name in the cache.
    pub(crate) cached_as: String,
}

/// The copies of a picture at `widths` (each smaller than the picture, whose shown size is
/// `size`), from the cache or made now. `ext` is `png`, `jpg` or `jpeg`.
pub(crate) fn copies(
    bytes: &[u8],
    ext: &str,
    size: (u32, u32),
    widths: &[u32],
    cache: &Cache,
) -> Result<Vec<Resized>, String> {
    let hash = blake3::Hash::to_hex(&blake3::keyed_hash(&key(), bytes)).to_string();
    let hash = &hash[..32];
    let mut copies = Vec::with_capacity(widths.len());
    let mut decoded: Option<DynamicImage> = None;
    for &width in widths {
        let height = scaled_height(size, width);
        let path = cache.file(hash, width, ext);
        let cached_as = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Ok(bytes) = std::fs::read(&path) {
            copies.push(Resized {
                width,
                height,
                bytes,
                cached_as,
            });
            continue;
        }
        if decoded.is_none() {
            decoded = Some(decode(bytes, ext)?);
        }
        let image = decoded.as_ref().expect("just decoded");
        let small = image.resize_exact(width, height, FilterType::Lanczos3);
        let out = encode(&small, ext)?;
        store(&path, &out);
        copies.push(Resized {
            width,
            height,
            bytes: out,
            cached_as,
        });
    }
    Ok(copies)
}

/// The height of a copy `width` wide, keeping the proportions.
pub(crate) fn scaled_height((w, h): (u32, u32), width: u32) -> u32 {
    ((u64::from(h) * u64::from(width) + u64::from(w) / 2) / u64::from(w.max(1))).max(1) as u32
}

/// The hashing key: the version of the resizing, so a new way of resizing misses the cache.
fn key() -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..VERSION.len()].copy_from_slice(VERSION.as_bytes());
    key
}

fn decode(bytes: &[u8], ext: &str) -> Result<DynamicImage, String> {
    let fail = |e: image::ImageError| format!("cannot decode the picture: {e}");
    if ext == "png" {
        return image::load_from_memory_with_format(bytes, image::ImageFormat::Png).map_err(fail);
    }
    let mut decoder = JpegDecoder::new(Cursor::new(bytes)).map_err(fail)?;
    let orientation = decoder.orientation().map_err(fail)?;
    let mut image = DynamicImage::from_decoder(decoder).map_err(fail)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn encode(image: &DynamicImage, ext: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let result = if ext == "png" {
        image.write_with_encoder(PngEncoder::new(&mut out))
    } else {
        DynamicImage::ImageRgb8(image.to_rgb8())
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 85))
    };
    result.map_err(|e| format!("cannot write a smaller copy of the picture: {e}"))?;
    Ok(out)
}

/// Writes a cached copy atomically (a temporary file renamed), ignoring failures.
fn store(path: &Path, bytes: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    ));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_keep_proportions() {
        assert_eq!(scaled_height((2000, 1000), 672), 336);
        assert_eq!(scaled_height((3000, 2000), 1344), 896);
        assert_eq!(scaled_height((5000, 1), 672), 1);
    }

    #[test]
    fn a_copy_is_made_once_then_read_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let mut png = Vec::new();
        DynamicImage::new_rgb8(40, 20)
            .write_with_encoder(PngEncoder::new(&mut png))
            .unwrap();
        let first = copies(&png, "png", (40, 20), &[10, 20], &cache).unwrap();
        assert_eq!(
            first
                .iter()
                .map(|c| (c.width, c.height))
                .collect::<Vec<_>>(),
            [(10, 5), (20, 10)]
        );
        let files = std::fs::read_dir(dir.path().join(CACHE_DIR).join("images"))
            .unwrap()
            .count();
        assert_eq!(files, 2);
        // A cached copy is what the next build publishes, without decoding anything.
        std::fs::write(cache.file(&first[0].cached_as[..32], 10, "png"), b"cached").unwrap();
        let second = copies(&png, "png", (40, 20), &[10], &cache).unwrap();
        assert_eq!(second[0].bytes, b"cached");
    }
}
