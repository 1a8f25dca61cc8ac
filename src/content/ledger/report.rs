//! What the URL ledger tells people: the terminal lines of a build (`moved: /a/ → /b/
//! (redirect kept)`), a warning for every page that disappeared with what to do about it, and —
//! in CI, or for `check` — every change the committed ledger does not record yet, located at
//! the page or at the ledger's line. Takes an `Update`; prints nothing itself.

use crate::content::ledger::update::{Change, Update};
use crate::content::ledger::{address_at, block_at, LedgerFile, LEDGER_FILE};
use crate::content::model::{Key, Site};
use crate::errors::{did_you_mean, Diagnostic, Diagnostics, Severity};

/// The lines a build prints about the addresses it changed.
pub(crate) fn lines(update: &Update) -> Vec<String> {
    let released = |page: &str, lang: &str, url: &str| {
        update.changes.iter().find_map(|c| match c {
            Change::Released {
                page: p,
                lang: l,
                url: u,
                now,
            } if (p.as_str(), l.as_str(), u.as_str()) == (page, lang, url) => Some(now.as_str()),
            _ => None,
        })
    };
    let mut lines = Vec::new();
    if update.created {
        lines.push(format!(
            "created {LEDGER_FILE}: the addresses of {} pages, to commit with the content",
            update.ledger.pages.len()
        ));
        return lines;
    }
    for change in &update.changes {
        match change {
            Change::Moved {
                page,
                lang,
                from,
                to,
            } => lines.push(match released(page, lang, from) {
                None => format!("moved: {from} → {to} (redirect kept)"),
                Some(now) => format!("moved: {from} → {to} (no redirect: {from} is now {now})"),
            }),
            Change::Released { url, now, .. } => {
                let moved_here = update
                    .changes
                    .iter()
                    .any(|c| matches!(c, Change::Moved { from, .. } if from == url));
                if !moved_here {
                    lines.push(format!("no longer redirects: {url} (now {now})"));
                }
            }
            Change::Dropped { url, lang, .. } => lines.push(format!(
                "dropped: {url} (`{lang}` is no longer a language of the site)"
            )),
            Change::Added { .. } | Change::Gone { .. } => {}
        }
    }
    lines
}

/// A warning for every page marked gone, located at its block in `text` (the ledger's text
/// as it is on disk after this run).
pub(crate) fn gone(update: &Update, text: &str, site: &Site) -> Diagnostics {
    let mut problems = Diagnostics::default();
    for (name, record) in update.ledger.pages.iter().filter(|(_, r)| r.gone) {
        let urls: Vec<String> = record
            .langs
            .values()
            .flat_map(|a| a.current.iter().chain(&a.old))
            .map(|u| format!("/{u}"))
            .collect();
        let key = Key::from_name(name);
        let same_section = site
            .entries
            .keys()
            .filter(|k| k.section == key.section && !k.is_index())
            .map(|k| k.id.as_str());
        let replacement = did_you_mean(&key.id, same_section)
            .map(|id| format!("`{}`", Key::new(&key.section, id).name()))
            .unwrap_or_else(|| "the page that replaces it".to_string());
        let example = record
            .langs
            .iter()
            .find_map(|(lang, a)| a.current.as_ref().map(|u| (lang, u)));
        let alias = example.map_or(String::new(), |(lang, url)| {
            format!(" (`aliases = [\"/{url}\"]` in its `{lang}` file, and so on)")
        });
        let (at, len) = block_at(text, name);
        problems.push(
            Diagnostic::at(
                LEDGER_FILE,
                text,
                at,
                len,
                format!(
                    "page `{name}` was removed: {} no longer {}",
                    urls.join(", "),
                    if urls.len() == 1 { "works" } else { "work" }
                ),
            )
            .help(format!(
                "list these addresses in the `aliases` of {replacement}{alias}; if its file was renamed, write `renamed_from = \"{name}\"` in the new file; to drop them for good, delete this block"
            ))
            .warning(),
        );
    }
    problems
}

/// Every change the ledger on disk does not record: errors in CI (`severity` error), warnings
/// for `check`. Located at the page when there is one, else at the ledger's line.
pub(crate) fn unrecorded(
    update: &Update,
    old: &LedgerFile,
    site: &Site,
    severity: Severity,
) -> Diagnostics {
    let mut problems = Diagnostics::default();
    if !update.stale {
        return problems;
    }
    let in_ledger = |(at, len): (usize, usize), message: String| {
        Diagnostic::at(LEDGER_FILE, &old.text, at, len, message)
    };
    let at_page = |page: &str, lang: &str, url: &str, message: String| {
        let entry = site.entries.get(&Key::from_name(page));
        match entry.and_then(|e| e.shown(lang, &site.languages)) {
            Some((_, t)) => match &t.front.slug {
                Some(slug) => t.error_at("slug", Some(slug), message),
                None => t.error_at("title", Some(&t.front.title), message),
            },
            None => in_ledger(address_at(&old.text, url.trim_start_matches('/')), message),
        }
    };
    let help = match severity {
        Severity::Error => {
            "run `playbook build` on your machine, then commit content/urls.lock with this change"
        }
        Severity::Warning => {
            "`playbook build` records it in content/urls.lock: commit that file with your change"
        }
    };
    let mut push = |d: Diagnostic| {
        let d = d.help(help);
        problems.push(match severity {
            Severity::Error => d,
            Severity::Warning => d.warning(),
        });
    };
    let not_yet = "and content/urls.lock does not record it yet";
    for change in &update.changes {
        push(match change {
            Change::Moved {
                page,
                lang,
                from,
                to,
            } => at_page(
                page,
                lang,
                from,
                format!("the `{lang}` address of this page changed from {from} to {to}, {not_yet}"),
            ),
            Change::Added { page, lang, url } => at_page(
                page,
                lang,
                url,
                format!(
                    "the `{lang}` address of this page, {url}, is not in content/urls.lock yet"
                ),
            ),
            Change::Released { url, now, .. } => in_ledger(
                address_at(&old.text, url.trim_start_matches('/')),
                format!("{url} no longer redirects (it is now {now}), {not_yet}"),
            ),
            Change::Gone { page } => in_ledger(
                block_at(&old.text, page),
                format!("page `{page}` has no file any more, {not_yet}"),
            ),
            Change::Dropped { url, lang, .. } => in_ledger(
                address_at(&old.text, url.trim_start_matches('/')),
                format!("{url}: `{lang}` is no longer a language of the site, {not_yet}"),
            ),
        });
    }
    if update.changes.is_empty() {
        // Same addresses, other text: a hand edit, or a merge.
        let line = old
            .text
            .lines()
            .zip(update.text.lines())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len() + 1)
            .sum();
        push(in_ledger(
            (line, 1),
            "content/urls.lock is not written the way `playbook build` writes it".to_string(),
        ));
    }
    problems
}

/// `--locked` on a site without a ledger.
pub(crate) fn missing() -> Diagnostic {
    Diagnostic::file(
        LEDGER_FILE,
        "there is no ledger of published addresses to check against",
    )
    .help("run `playbook build` on your machine, then commit content/urls.lock")
}
