//! The content stage: from the files under `content/` to a validated `Site`. Settings are read
//! first (`settings`), Markdown files and media are listed (`discover`, `media`), front matter
//! parsed into the typed structure of its kind (`frontmatter`, `kinds`), and the pages
//! assembled into a `Site` where every URL and relation is known (`assemble`, `urls`,
//! `model`), with the glossary's terms read from its page (`glossary`); `translations` says
//! which translations are missing or stale; `ledger` keeps the committed record of every
//! published address (`content/urls.lock`) and works out the redirects an address change
//! needs. Nothing here renders HTML or reads the theme: the few theme strings assembly needs
//! (generated pages' slugs) are handed in as data.

pub(crate) mod assemble;
pub(crate) mod discover;
pub(crate) mod frontmatter;
pub(crate) mod glossary;
pub(crate) mod history;
pub(crate) mod kinds;
pub(crate) mod ledger;
pub(crate) mod media;
pub(crate) mod model;
pub(crate) mod settings;
pub(crate) mod translations;
pub(crate) mod urls;

/// A stable 64-bit FNV-1a hash (fingerprints and translation records must not change between
/// Rust versions).
pub(crate) fn fnv1a<'a>(bytes: impl IntoIterator<Item = &'a u8>) -> u64 {
    bytes
        .into_iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash: u64, b| {
            (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
}
