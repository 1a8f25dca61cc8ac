//! `renamed_from`: a page's front matter may name the page its file was before a rename
//! (`old-id`, or `section/old-id` from another folder), so that the URL ledger hands it that
//! page's addresses. Assembly resolves the name to a `Key` and checks it: a page id, not the
//! page itself, not a page that still exists, claimed by one page only.

use std::collections::BTreeMap;

use crate::content::model::{Entry, Key, Translation};
use crate::errors::Diagnostics;

/// The page a `renamed_from` names: `old-id` in the page's own section, `section/old-id`
/// in another.
pub(crate) fn renamed_key(
    key: &Key,
    name: &str,
    t: &Translation,
    problems: &mut Diagnostics,
) -> Option<Key> {
    let old = match name.split_once('/') {
        Some((section, id)) => Key::new(section, id),
        None => Key::new(&key.section, name),
    };
    let valid = |s: &str| crate::content::discover::is_valid_id(s);
    if !valid(&old.id) || !(old.section.is_empty() || valid(&old.section)) {
        problems.push(
            t.error_at("renamed_from", Some(name), format!("`{name}` is not a page id"))
                .help("write the file name the page had, without language and `.md`: `renamed_from = \"old-id\"`, or `\"section/old-id\"` for a page that was in another folder"),
        );
        return None;
    }
    if old == *key {
        problems.push(
            t.error_at(
                "renamed_from",
                Some(name),
                "a page cannot be renamed from itself",
            )
            .help("write the id the file had before it was renamed"),
        );
        return None;
    }
    Some(old)
}

/// A page named by `renamed_from` must be gone, and claimed by one page only.
pub(crate) fn check_renames(entries: &BTreeMap<Key, Entry>, problems: &mut Diagnostics) {
    let mut claimed: BTreeMap<&Key, &Key> = BTreeMap::new();
    for entry in entries.values() {
        let Some(old) = &entry.renamed_from else {
            continue;
        };
        let Some(t) = entry
            .translations
            .values()
            .find(|t| t.front.renamed_from.is_some())
        else {
            continue;
        };
        let needle = t.front.renamed_from.as_deref();
        if let Some(page) = entries.get(old) {
            let file = page.translations.values().next().map_or_else(
                || format!("the section `{}`", old.section),
                |t| format!("`{}`", t.file),
            );
            problems.push(
                t.error_at(
                    "renamed_from",
                    needle,
                    format!("`{}` is still a page ({file})", old.name()),
                )
                .help("`renamed_from` names a page whose file was renamed to this one; remove the line if the rename is already recorded in content/urls.lock"),
            );
        } else if let Some(other) = claimed.insert(old, &entry.key) {
            problems.push(t.error_at(
                "renamed_from",
                needle,
                format!("`{}` is also named by `renamed_from` in page `{}`", old.name(), other.name()),
            ).help("a page can be renamed into one page only; for the other, add its old addresses to `aliases`"));
        }
    }
}
