//! Media: the files under `content/` that are not pages — pictures and attachments. Discovery
//! hands each one on as a `Media` (its path and bytes); this module says which types the site
//! publishes and which names are allowed. Reading sizes, checking SVGs, resizing and publishing
//! are the render stage's (`render::media`): nothing here decodes a picture.

/// Top-level files of `content/` that are neither pages nor media.
pub(crate) const NOT_MEDIA: [&str; 2] = ["site.toml", "urls.lock"];

/// Picture types: shown with `![alt](file)`.
pub(crate) const IMAGE_TYPES: [&str; 7] = ["png", "jpg", "jpeg", "gif", "webp", "avif", "svg"];

/// Attachment types: linked with `[text](file)`.
pub(crate) const ATTACHMENT_TYPES: [&str; 10] = [
    "pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "csv", "txt", "zip",
];

/// What a media file is, by its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MediaKind {
    /// png, jpg/jpeg, gif, webp, avif.
    Raster,
    Svg,
    Attachment,
}

impl MediaKind {
    /// The kind of a file name, `None` when the site does not publish that type.
    pub(crate) fn of(name: &str) -> Option<MediaKind> {
        let ext = extension(name)?;
        if ext == "svg" {
            Some(MediaKind::Svg)
        } else if IMAGE_TYPES.contains(&ext) {
            Some(MediaKind::Raster)
        } else if ATTACHMENT_TYPES.contains(&ext) {
            Some(MediaKind::Attachment)
        } else {
            None
        }
    }
}

/// The extension of a file name (what follows its last dot), if any.
pub(crate) fn extension(name: &str) -> Option<&str> {
    name.rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|e| !e.is_empty())
}

/// One picture or attachment of the content.
#[derive(Debug, Clone)]
pub(crate) struct Media {
    /// Path relative to the site root, e.g. `content/steps/atelier.png`.
    pub(crate) rel: String,
    /// Path under `content/`, e.g. `steps/atelier.png`: what `@/` links name.
    pub(crate) path: String,
    pub(crate) kind: MediaKind,
    pub(crate) bytes: Vec<u8>,
}

/// Media names are part of URLs and are typed in links: lowercase ASCII letters, digits, `-`,
/// `_` and `.`, not starting with a dot. (Resized copies are named with `@`, which is
/// therefore never part of an editor's file name.)
pub(crate) fn is_valid_name(segment: &str) -> bool {
    !segment.is_empty()
        && !segment.starts_with('.')
        && !segment.starts_with('-')
        && segment
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

/// A file name made valid: accents folded, lowercase, other characters as `-`.
pub(crate) fn suggested_name(segment: &str) -> String {
    let folded = deunicode::deunicode(segment).to_ascii_lowercase();
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        let c = if c.is_ascii_alphanumeric() || "_.".contains(c) {
            c
        } else {
            '-'
        };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    out.replace("-.", ".")
}

/// `pdf, docx, …` for messages.
pub(crate) fn allowed_types() -> String {
    format!(
        "pictures ({}) and attachments ({})",
        IMAGE_TYPES.join(", "),
        ATTACHMENT_TYPES.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_extension() {
        assert_eq!(MediaKind::of("atelier.png"), Some(MediaKind::Raster));
        assert_eq!(MediaKind::of("eight-steps.fr.svg"), Some(MediaKind::Svg));
        assert_eq!(MediaKind::of("grille.xlsx"), Some(MediaKind::Attachment));
        assert_eq!(MediaKind::of("macro.docm"), None);
        assert_eq!(MediaKind::of("README"), None);
    }

    #[test]
    fn names() {
        assert!(is_valid_name("grille-2026_v2.xlsx"));
        assert!(!is_valid_name("Grille.xlsx"));
        assert!(!is_valid_name("mon image.png"));
        assert!(!is_valid_name("a@2x.png"));
        assert_eq!(
            suggested_name("Photo Atelier (1).JPG"),
            "photo-atelier-1.jpg"
        );
        assert_eq!(
            suggested_name("Grille d’évaluation.xlsx"),
            "grille-d-evaluation.xlsx"
        );
    }
}
