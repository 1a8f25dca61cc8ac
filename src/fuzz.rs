//! Entry points for the fuzz targets (`fuzz/`) and the bounded property tests: each feeds
//! arbitrary bytes to one parser of user input the way a build would, and must return — never
//! panic, hang or blow up quadratically — whatever the input. Not part of the tool's interface.

use crate::content::frontmatter;
use crate::content::kinds::Kind;

/// Front matter: decode, split and parse as each page kind.
pub fn front_matter(bytes: &[u8]) {
    let Ok(text) = frontmatter::decode("content/steps/x.fr.md", bytes) else {
        return;
    };
    let Ok(split) = frontmatter::split("content/steps/x.fr.md", &text) else {
        return;
    };
    for kind in [Kind::Obstacle, Kind::Step, Kind::Page, Kind::Glossary] {
        let _ = kind.parse("content/steps/x.fr.md", &text, &split);
    }
}
