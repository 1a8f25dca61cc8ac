//! What a build changes in the URL ledger. Given the ledger on disk and the assembled site, it
//! works out every page's addresses now: an address that changed (title or slug edit, a
//! translation arriving, a section renamed, a page moved to another folder, a file renamed with
//! `renamed_from`) keeps its old address as a redirect, chains collapse (every old address
//! points at the current one), an old address that something else now publishes stops
//! redirecting, and a page whose file is gone is kept, marked `gone`. Pure: the caller says
//! which addresses the site publishes and decides whether the new text is written.

use std::collections::{BTreeMap, BTreeSet};

use crate::content::ledger::{to_text, Addresses, Langs, Ledger, LedgerFile, Record};
use crate::content::model::{Entry, Key, Site};
use crate::content::urls::alias_path;

/// One thing the ledger records that it did not before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// The page's address changed; the old one redirects.
    Moved {
        page: String,
        lang: String,
        from: String,
        to: String,
    },
    /// A page (or a language of it) the ledger did not know.
    Added {
        page: String,
        lang: String,
        url: String,
    },
    /// An old address that stops redirecting: `now` says what is there now ("the address
    /// of …", "an alias of …").
    Released {
        page: String,
        lang: String,
        url: String,
        now: String,
    },
    /// The page's file is gone (and no rename or move explains it).
    Gone { page: String },
    /// An address in a language the site no longer has.
    Dropped {
        page: String,
        lang: String,
        url: String,
    },
}

/// The ledger after a build.
#[derive(Debug, Clone)]
pub(crate) struct Update {
    pub(crate) ledger: Ledger,
    pub(crate) text: String,
    /// The file on disk is not `text` (or there is none): a build writes it.
    pub(crate) stale: bool,
    /// There was no file.
    pub(crate) created: bool,
    pub(crate) changes: Vec<Change>,
    /// Old address (site path) → the page and language it redirects to.
    pub(crate) redirects: Vec<(String, Key, String)>,
}

/// The new ledger. `published` says what the site publishes at a site path (`fr/x/`), if
/// anything: an old address there must stop redirecting.
pub(crate) fn update(
    old: Option<&LedgerFile>,
    site: &Site,
    published: &dyn Fn(&str) -> Option<String>,
) -> Update {
    let empty = Ledger::default();
    let before = old.map_or(&empty, |f| &f.ledger);
    let live: BTreeMap<String, &Entry> = site.entries.values().map(|e| (e.key.name(), e)).collect();
    // Addresses pages claim with `aliases`: an explicit choice wins over the ledger.
    let mut aliases: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for entry in site.entries.values() {
        for (lang, t) in &entry.translations {
            for path in t.front.aliases.iter().filter_map(|a| alias_path(a)) {
                aliases
                    .entry(path)
                    .or_insert_with(|| (entry.key.name(), lang.clone(), t.file.clone()));
            }
        }
    }

    let sources = sources(before, &live);
    let absorbed: BTreeSet<&str> = sources.values().flatten().copied().collect();
    let mut after = Ledger::default();
    let mut changes = Vec::new();
    // Old address → the page and language already redirecting from it.
    let mut claimed: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (name, entry) in &live {
        let mut record = Record::default();
        let from: Vec<&Record> = sources
            .get(name)
            .map(|names| names.iter().map(|n| &before.pages[*n]).collect())
            .unwrap_or_default();
        for lang in &site.languages {
            let current = entry.urls[lang].clone();
            let mut history = BTreeSet::new();
            let mut known = false;
            for a in from.iter().filter_map(|r| r.langs.get(lang)) {
                if let Some(c) = &a.current {
                    known = true;
                    if *c != current && history.insert(c.clone()) {
                        changes.push(Change::Moved {
                            page: name.clone(),
                            lang: lang.clone(),
                            from: format!("/{c}"),
                            to: format!("/{current}"),
                        });
                    }
                }
                history.extend(a.old.iter().cloned());
            }
            if !known {
                changes.push(Change::Added {
                    page: name.clone(),
                    lang: lang.clone(),
                    url: format!("/{current}"),
                });
            }
            let mut kept = BTreeSet::new();
            for url in history.into_iter().filter(|u| *u != current) {
                let now = match aliases.get(&url) {
                    Some((page, l, file)) if (page, l) != (name, lang) => {
                        Some(format!("an alias of `{file}`"))
                    }
                    _ => published(&url).or_else(|| {
                        claimed
                            .get(&url)
                            .map(|(page, l)| format!("an old address of page `{page}` ({l})"))
                    }),
                };
                match now {
                    Some(now) => changes.push(Change::Released {
                        page: name.clone(),
                        lang: lang.clone(),
                        url: format!("/{url}"),
                        now,
                    }),
                    None => {
                        claimed.insert(url.clone(), (name.clone(), lang.clone()));
                        kept.insert(url);
                    }
                }
            }
            record.langs.insert(
                lang.clone(),
                Addresses {
                    current: Some(current),
                    old: kept,
                },
            );
        }
        for r in &from {
            for (lang, a) in r.langs.iter().filter(|(l, _)| !site.languages.contains(l)) {
                for url in a.current.iter().chain(&a.old) {
                    changes.push(Change::Dropped {
                        page: name.clone(),
                        lang: lang.clone(),
                        url: format!("/{url}"),
                    });
                }
            }
        }
        after.pages.insert(name.clone(), record);
    }

    // Pages whose file is gone: kept, marked, minus what works again.
    for (name, record) in &before.pages {
        if live.contains_key(name) || absorbed.contains(name.as_str()) {
            continue;
        }
        let free = |url: &String| {
            published(url).is_none() && !aliases.contains_key(url) && !claimed.contains_key(url)
        };
        let mut kept = Record {
            gone: true,
            langs: Langs::default(),
        };
        for (lang, a) in record.langs.iter() {
            let left = Addresses {
                current: a.current.clone().filter(free),
                old: a.old.iter().filter(|u| free(u)).cloned().collect(),
            };
            if left.current.is_some() || !left.old.is_empty() {
                kept.langs.insert(lang.clone(), left);
            }
        }
        if kept.langs.is_empty() {
            continue;
        }
        if !record.gone {
            changes.push(Change::Gone { page: name.clone() });
        }
        after.pages.insert(name.clone(), kept);
    }

    let redirects = after
        .pages
        .iter()
        .filter(|(_, r)| !r.gone)
        .flat_map(|(name, r)| {
            r.langs.iter().flat_map(move |(lang, a)| {
                a.old
                    .iter()
                    .map(move |url| (url.clone(), Key::from_name(name), lang.clone()))
            })
        })
        .collect();
    let text = to_text(&after);
    Update {
        stale: old.is_none_or(|f| f.text != text),
        created: old.is_none(),
        ledger: after,
        text,
        changes,
        redirects,
    }
}

/// For each page of the site, the ledger records its addresses come from: its own, the one
/// its `renamed_from` names, or — when exactly one page left a folder and exactly one new page
/// with the same id appeared in another — the page it was moved from.
fn sources<'a>(
    before: &'a Ledger,
    live: &BTreeMap<String, &Entry>,
) -> BTreeMap<String, Vec<&'a str>> {
    let mut sources: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
    let mut renamed: BTreeSet<&str> = BTreeSet::new();
    for (name, entry) in live {
        if let Some((own, _)) = before.pages.get_key_value(name) {
            sources.entry(name.clone()).or_default().push(own);
        }
        // Assembly made sure the page it names has no file any more.
        let from = entry.renamed_from.as_ref().map(Key::name);
        if let Some((old, _)) = from.and_then(|f| before.pages.get_key_value(&f)) {
            sources.entry(name.clone()).or_default().push(old);
            renamed.insert(old);
        }
    }
    let id = |name: &str| name.rsplit('/').next().unwrap_or(name).to_string();
    let mut left: BTreeMap<String, Vec<&'a str>> = BTreeMap::new();
    for name in before.pages.keys() {
        if !live.contains_key(name) && !renamed.contains(name.as_str()) {
            left.entry(id(name)).or_default().push(name);
        }
    }
    let mut arrived: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for (name, entry) in live {
        if !before.pages.contains_key(name) && entry.renamed_from.is_none() {
            arrived.entry(id(name)).or_default().push(name);
        }
    }
    for (id, olds) in left {
        if let ([old], Some([new])) = (olds.as_slice(), arrived.get(&id).map(Vec::as_slice)) {
            sources.entry((*new).clone()).or_default().push(old);
        }
    }
    sources
}
