//! Media published: every picture and attachment of the content, once (not per language), at
//! `media/<path under content/>` — `content/steps/atelier.png` is `/media/steps/atelier.png`.
//! For each, the `Catalog` keeps what a page needs to show or link it: its URL, size in bytes
//! and type; for a picture, its width and height (read from the file's header, SVGs checked by
//! `svg`), and for a PNG or JPEG wider than twice the content column, smaller copies for
//! `srcset` (`resize`, cached on disk) named `<name>@<width>.<ext>` next to the original.
//! GIF (it may be animated), WebP and AVIF are published as they are. Nothing here reads
//! Markdown: pages use the catalog through `render::markdown`.

pub(crate) mod resize;
pub(crate) mod svg;

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::content::media::{extension, Media, MediaKind};
use crate::content::model::Site;
use crate::errors::{Diagnostic, Diagnostics};
use resize::Cache;

/// The content column of the theme (`--measure: 42rem` in style.css) in CSS pixels.
pub(crate) const COLUMN: u32 = 672;
/// Pictures wider than this (twice the column, for high-density screens) are resized.
pub(crate) const MAX_WIDTH: u32 = 2 * COLUMN;
/// `sizes` of a resized picture: the column, or the screen less the page's margins.
pub(crate) const SIZES: &str = "(min-width: 44rem) 42rem, calc(100vw - 2rem)";

/// Where a file under `content/` is published.
pub(crate) fn site_path(path: &str) -> String {
    format!("media/{path}")
}

/// How a picture is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Picture {
    /// Site path of the file `<img src>` shows (a resized copy for a large picture).
    pub(crate) src: String,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// Smaller copies, `(width, site path)`, narrowest first; empty unless resized.
    pub(crate) srcset: Vec<(u32, String)>,
}

/// One published file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) kind: MediaKind,
    /// Site path of the file as it was given (`media/steps/atelier.png`).
    pub(crate) url: String,
    /// Its size in bytes.
    pub(crate) len: u64,
    /// Its type for readers: `PDF`, `XLSX`.
    pub(crate) label: String,
    /// Set for pictures.
    pub(crate) picture: Option<Picture>,
}

/// Every published file by its path under `content/`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalog {
    pub(crate) items: BTreeMap<String, Item>,
}

impl Catalog {
    pub(crate) fn get(&self, path: &str) -> Option<&Item> {
        self.items.get(path)
    }
}

/// What `publish` hands on.
pub(crate) struct Published {
    pub(crate) catalog: Catalog,
    /// The files to write: originals and resized copies, by site path.
    pub(crate) files: Vec<(String, Vec<u8>)>,
    pub(crate) problems: Diagnostics,
}

/// One published file: its catalog entry, its files, the cached copies it uses and what is
/// wrong with it. A file with problems stays in the catalog, so links to it are not reported
/// as broken too.
struct One {
    item: Item,
    files: Vec<(String, Vec<u8>)>,
    cached: Vec<String>,
    problems: Vec<Diagnostic>,
}

/// Publishes every media file of the site (in parallel: resizing is the slow part), and
/// removes cached copies no picture uses any more.
pub(crate) fn publish(site: &Site, cache: &Cache) -> Published {
    let done: Vec<(&String, One)> = site
        .media
        .par_iter()
        .map(|(path, m)| (path, one(m, cache)))
        .collect();
    let mut catalog = Catalog::default();
    let mut files = Vec::new();
    let mut problems = Diagnostics::default();
    let mut cached = BTreeSet::new();
    for (path, one) in done {
        catalog.items.insert(path.clone(), one.item);
        files.extend(one.files);
        cached.extend(one.cached);
        one.problems.into_iter().for_each(|d| problems.push(d));
    }
    if !problems.has_errors() {
        cache.prune(&cached);
    }
    Published {
        catalog,
        files,
        problems,
    }
}

fn one(m: &Media, cache: &Cache) -> One {
    let ext = extension(&m.path).unwrap_or("").to_ascii_lowercase();
    let url = site_path(&m.path);
    let mut one = One {
        item: Item {
            kind: m.kind,
            url: url.clone(),
            len: m.bytes.len() as u64,
            label: ext.to_ascii_uppercase(),
            picture: None,
        },
        files: vec![(url.clone(), m.bytes.clone())],
        cached: Vec::new(),
        problems: Vec::new(),
    };
    let as_is = |(width, height)| Picture {
        src: url.clone(),
        width,
        height,
        srcset: Vec::new(),
    };
    let size = match m.kind {
        MediaKind::Attachment => return one,
        MediaKind::Svg => svg::check(m),
        MediaKind::Raster => raster_size(m, &ext),
    };
    let size = match size {
        Ok(size) => size,
        Err(problems) => {
            one.problems = problems;
            one.item.picture = Some(as_is((1, 1)));
            return one;
        }
    };
    let resizable = m.kind == MediaKind::Raster && matches!(ext.as_str(), "png" | "jpg" | "jpeg");
    if size.0 <= MAX_WIDTH || !resizable {
        one.item.picture = Some(as_is(size));
        return one;
    }
    let widths: Vec<u32> = [COLUMN, MAX_WIDTH]
        .into_iter()
        .filter(|w| *w < size.0)
        .collect();
    let copies = match resize::copies(&m.bytes, &ext, size, &widths, cache) {
        Ok(copies) => copies,
        Err(e) => {
            one.problems
                .push(Diagnostic::file(&m.rel, e).help(REEXPORT));
            one.item.picture = Some(as_is(size));
            return one;
        }
    };
    let (stem, _) = url.rsplit_once('.').expect("media have an extension");
    let mut picture = as_is(size);
    for copy in copies {
        let path = format!("{stem}@{}.{ext}", copy.width);
        picture.srcset.push((copy.width, path.clone()));
        (picture.src, picture.width, picture.height) = (path.clone(), copy.width, copy.height);
        one.cached.push(copy.cached_as);
        one.files.push((path, copy.bytes));
    }
    one.item.picture = Some(picture);
    one
}

const REEXPORT: &str = "open it in an image editor and export it again (PNG or JPEG)";

/// The most pixels a raster picture may have: decoding it to make the smaller copies takes
/// three or four bytes a pixel, and a header can claim 65,535 × 65,535 in a few bytes. 64
/// million covers a phone's 50-megapixel photo.
const MAX_PIXELS: u64 = 64_000_000;

/// Width and height of a raster picture as shown, from its header.
fn raster_size(m: &Media, ext: &str) -> Result<(u32, u32), Vec<Diagnostic>> {
    let jpeg = matches!(ext, "jpg" | "jpeg");
    let size = if jpeg {
        resize::jpeg_shown_size(&m.bytes)
    } else {
        None
    };
    let size = size.or_else(|| {
        imagesize::blob_size(&m.bytes)
            .ok()
            .map(|s| (s.width as u32, s.height as u32))
    });
    match size {
        Some((w, h)) if u64::from(w) * u64::from(h) > MAX_PIXELS => Err(vec![Diagnostic::file(
            &m.rel,
            format!(
                "the picture is {w} × {h} pixels: more than {} million",
                MAX_PIXELS / 1_000_000
            ),
        )
        .help(format!(
            "a page shows it at most {MAX_WIDTH} px wide: export it at {} px wide or less (still sharp on any screen)",
            2 * MAX_WIDTH
        ))]),
        Some((w, h)) if w > 0 && h > 0 => Ok((w, h)),
        _ => Err(vec![Diagnostic::file(
            &m.rel,
            format!(
                "this file is not a {} picture the site can read",
                ext.to_ascii_uppercase()
            ),
        )
        .help(REEXPORT)]),
    }
}
