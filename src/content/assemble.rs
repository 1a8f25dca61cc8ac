//! Assembly: turns parsed files into a `Site` — every page with its translations paired by id,
//! its language-neutral fields merged (and checked to agree), its URL in every language, the
//! step ↔ obstacle relations and the reading order. Everything a later stage needs to link one
//! page to another is settled here, before any Markdown is rendered.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use crate::content::discover::{Discovered, SourceFile, DIAGNOSTIC_SECTION};
use crate::content::frontmatter;
use crate::content::history::History;
use crate::content::kinds::{placeholder, Kind, KindFront};
use crate::content::ledger::renames::{check_renames, renamed_key};
use crate::content::model::{Entry, Key, Site, Strings, Text, Translation};
use crate::content::settings::Settings;
use crate::content::urls::assign_urls;
use crate::errors::{did_you_mean, Diagnostic, Diagnostics};

/// Parses every file and assembles the site. Returns the site and the problems found; the
/// site is only meaningful when no error was found.
pub(crate) fn assemble(
    settings: Settings,
    strings: &Strings,
    discovered: Discovered,
    history: &History,
) -> (Site, Diagnostics) {
    let Discovered {
        pages: files,
        media,
        ..
    } = discovered;
    let mut problems = Diagnostics::default();
    let default = settings.default_language().to_string();
    let mut languages = vec![default.clone()];
    languages.extend(
        settings
            .languages
            .iter()
            .filter(|l| **l != default)
            .cloned(),
    );

    // Each file parsed on its own, in parallel; grouped in the order the files were found.
    let (diagnostic_files, pages): (Vec<SourceFile>, Vec<SourceFile>) =
        files.into_iter().partition(|f| f.lang.is_none());
    let parsed: Vec<(Key, String, Result<Translation, Diagnostic>)> = pages
        .into_par_iter()
        .map(|file| {
            let key = Key::new(&file.section, &file.id);
            let lang = file.lang.clone().unwrap_or_default();
            let kind = Kind::of(&file.section, &file.id);
            (key, lang, parse_translation(file, kind, history))
        })
        .collect();
    // Grouped by page, in order: sorted once and the maps built whole (thousands of
    // translations inserted one by one into a map of maps cost more).
    let mut good = Vec::with_capacity(parsed.len());
    for (key, lang, parsed) in parsed {
        match parsed {
            Ok(t) => {
                check_placeholders(&t, &lang, &mut problems);
                good.push((key, lang, t));
            }
            Err(d) => problems.push(d),
        }
    }
    good.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let mut pages: Vec<(Key, Vec<(String, Translation)>)> = Vec::with_capacity(good.len());
    for (key, lang, t) in good {
        match pages.last_mut() {
            Some((last, ts)) if *last == key => ts.push((lang, t)),
            _ => pages.push((key, vec![(lang, t)])),
        }
    }
    let grouped: BTreeMap<Key, BTreeMap<String, Translation>> = pages
        .into_iter()
        .map(|(key, ts)| (key, ts.into_iter().collect()))
        .collect();

    let obstacle_ids: BTreeSet<String> = grouped
        .keys()
        .filter(|k| k.section == "obstacles" && !k.is_index())
        .map(|k| k.id.clone())
        .collect();
    let mut merged = Vec::with_capacity(grouped.len());
    for (key, translations) in grouped {
        let kind = Kind::of(&key.section, &key.id);
        let entry = merge(
            key.clone(),
            kind,
            translations,
            &settings,
            &obstacle_ids,
            &mut problems,
        );
        merged.push((key, entry));
    }
    // In order already: the map is built whole.
    let mut entries: BTreeMap<Key, Entry> = merged.into_iter().collect();

    // Every section gets an index page, and the site a home page.
    let mut synthetic_titles = BTreeMap::new();
    let sections: BTreeSet<String> = entries.keys().map(|k| k.section.clone()).collect();
    let needs_index = sections
        .into_iter()
        .chain([String::new()])
        .collect::<BTreeSet<_>>();
    for section in needs_index {
        let key = Key::new(&section, "_index");
        if section == DIAGNOSTIC_SECTION || entries.contains_key(&key) {
            continue;
        }
        let mut title = section.replace(['-', '_'], " ");
        if let Some(first) = title.get(..1) {
            title = first.to_uppercase() + &title[1..];
        }
        synthetic_titles.insert(key.clone(), title);
        entries.insert(
            key.clone(),
            Entry {
                key,
                kind: Kind::Page,
                translations: BTreeMap::new(),
                weight: None,
                priority: None,
                order: None,
                addresses: Vec::new(),
                sources: Vec::new(),
                renamed_from: None,
                urls: BTreeMap::new(),
            },
        );
    }
    check_renames(&entries, &mut problems);

    let obstacles = ordered(&entries, "obstacles", |e| {
        (e.weight.unwrap_or(i64::MAX), e.key.id.clone())
    });
    let steps = ordered(&entries, "steps", |e| {
        (e.order.unwrap_or(i64::MAX), e.key.id.clone())
    });
    check_steps(&entries, &steps, &mut problems);
    check_priorities(&entries, &obstacles, &mut problems);
    let glossary = crate::content::glossary::read(&entries, &mut problems);
    let addressed_by = relations(&entries, &steps, &mut problems);
    check_sources(&entries, &settings, &mut problems);

    let mut site = Site {
        settings,
        languages,
        entries,
        synthetic_titles,
        steps,
        obstacles,
        addressed_by,
        generated: BTreeMap::new(),
        diagnostic_files,
        media: media.into_iter().map(|m| (m.path.clone(), m)).collect(),
        glossary,
    };
    assign_urls(&mut site, strings, &mut problems);
    (site, problems)
}

pub(crate) fn parse_translation(
    file: SourceFile,
    kind: Kind,
    history: &History,
) -> Result<Translation, Diagnostic> {
    let text = match file.known {
        Some(known) => Text::unread(file.path, file.rel.clone(), known),
        None => Text::read(
            frontmatter::decode_owned(&file.rel, file.bytes)?,
            file.stamp,
        ),
    };
    let (front, split) = {
        // A text not read: its recorded head holds the whole front matter (else it is read).
        let head = text.head();
        let (head, split) = match frontmatter::split(&file.rel, head) {
            Ok(split) if text.known().is_none() || split.body_offset == head.len() => (head, split),
            Err(e) if text.known().is_none() => return Err(e),
            _ => (text.get(), frontmatter::split(&file.rel, text.get())?),
        };
        let front = if file.section == DIAGNOSTIC_SECTION {
            crate::content::kinds::parse_start(&file.rel, head, &split)?
        } else {
            kind.parse(&file.rel, head, &split)?
        };
        (
            front,
            (
                split.format,
                split.front_offset,
                split.front.len(),
                split.body_offset,
            ),
        )
    };
    Ok(Translation {
        updated: history.last_change(&file.rel).map(str::to_string),
        file: file.rel,
        text,
        front,
        format: split.0,
        front_offset: split.1,
        front_len: split.2,
        body_offset: split.3,
    })
}

/// Whether the body of `t`, in `lang`, holds the text `playbook new` writes (what the build
/// cache records of a file, not to read it again for this).
pub(crate) fn holds_placeholder(t: &Translation, lang: &str) -> bool {
    t.body().contains(placeholder(lang).body)
}

/// Warns about the text `playbook new` wrote that is still there.
fn check_placeholders(t: &Translation, lang: &str, problems: &mut Diagnostics) {
    let p = placeholder(lang);
    let warn = |d: Diagnostic, what: &str| {
        d.help(format!(
            "replace the placeholder `playbook new` wrote with the page's {what}"
        ))
        .warning()
    };
    if t.front.title.starts_with(p.title) {
        let d = t.error_at("title", Some(p.title), "placeholder title");
        problems.push(warn(d, "title"));
    }
    if t.front.summary.as_deref() == Some(p.summary) {
        let d = t.error_at("summary", Some(p.summary), "placeholder summary");
        problems.push(warn(d, "summary"));
    }
    // A file known unchanged is read only when the cache recorded the placeholder in it.
    let at = match t.text.known() {
        Some(known) if !known.placeholder => None,
        _ => t.body().find(p.body),
    };
    if let Some(at) = at {
        let d = Diagnostic::at(
            &t.file,
            t.text(),
            t.body_offset + at,
            p.body.len(),
            "placeholder text",
        );
        problems.push(warn(d, "text"));
    }
}

/// Merges the language-neutral fields of a page's translations; they must agree.
fn merge(
    key: Key,
    kind: Kind,
    translations: BTreeMap<String, Translation>,
    settings: &Settings,
    obstacles: &BTreeSet<String>,
    problems: &mut Diagnostics,
) -> Entry {
    /// The value the translations agree on. When two disagree, the problem is reported where
    /// the wrong value is: at the file whose value is not `valid` when the other's is, at
    /// both files when nothing says which one is wrong.
    fn agree<T: PartialEq + std::fmt::Debug + Clone>(
        field: &str,
        values: Vec<(&Translation, Option<T>)>,
        valid: impl Fn(&T) -> bool,
        problems: &mut Diagnostics,
    ) -> Option<T> {
        let mut first: Option<(&Translation, T)> = None;
        for (t, v) in values {
            let Some(v) = v else { continue };
            let Some((ft, fv)) = &first else {
                first = Some((t, v));
                continue;
            };
            if *fv == v {
                continue;
            }
            let disagree = |here: &Translation, value: &T, there: &Translation, other: &T| {
                here.error_at(
                    field,
                    None,
                    format!("`{field}` is {value:?} here but {other:?} in `{}`", there.file),
                )
                .help(format!("`{field}` is the same in every language: write it once, or make both files agree"))
            };
            match (valid(fv), valid(&v)) {
                (true, false) => problems.push(disagree(t, &v, ft, fv)),
                (false, true) => {
                    problems.push(disagree(ft, fv, t, &v));
                    first = Some((t, v));
                }
                _ => {
                    problems.push(disagree(t, &v, ft, fv));
                    problems.push(disagree(ft, fv, t, &v));
                }
            }
        }
        first.map(|(_, v)| v)
    }

    let ts: Vec<&Translation> = settings
        .languages
        .iter()
        .filter_map(|l| translations.get(l))
        .collect();
    let weight = agree(
        "weight",
        ts.iter().map(|t| (*t, t.front.weight)).collect(),
        |_| true,
        problems,
    );
    let priority = agree(
        "priority",
        ts.iter().map(|t| (*t, t.front.priority)).collect(),
        |p: &i64| *p >= 1,
        problems,
    );
    let sources = agree(
        "sources",
        ts.iter().map(|t| (*t, t.front.sources.clone())).collect(),
        |ids: &Vec<String>| ids.iter().all(|id| settings.sources.contains_key(id)),
        problems,
    );
    let renamed_from = agree(
        "renamed_from",
        ts.iter()
            .map(|t| (*t, t.front.renamed_from.clone()))
            .collect(),
        |_| true,
        problems,
    )
    .and_then(|name| {
        let t = ts.iter().find(|t| t.front.renamed_from.is_some())?;
        renamed_key(&key, &name, t, problems)
    });
    let (order, addresses) = if kind == Kind::Step {
        let order = agree(
            "order",
            ts.iter()
                .map(|t| {
                    (
                        *t,
                        if let KindFront::Step { order, .. } = &t.front.kind {
                            *order
                        } else {
                            None
                        },
                    )
                })
                .collect(),
            |order: &i64| *order >= 1,
            problems,
        );
        let addresses = agree(
            "addresses",
            ts.iter()
                .map(|t| {
                    (
                        *t,
                        if let KindFront::Step { addresses, .. } = &t.front.kind {
                            addresses.clone()
                        } else {
                            None
                        },
                    )
                })
                .collect(),
            |ids: &Vec<String>| ids.iter().all(|id| obstacles.contains(id)),
            problems,
        );
        if order.is_none() {
            if let Some(t) = ts.first() {
                problems.push(
                    Diagnostic::at(&t.file, t.text(), 0, 3, "missing field `order`")
                        .help("give the step its place in the playbook, e.g. `order = 3` (in either language's file)"),
                );
            }
        }
        (order, addresses.unwrap_or_default())
    } else {
        (None, Vec::new())
    };
    Entry {
        key,
        kind,
        translations: translations
            .into_iter()
            .map(|(l, t)| (l, Box::new(t)))
            .collect(),
        weight,
        priority,
        order,
        addresses,
        sources: sources.unwrap_or_default(),
        renamed_from,
        urls: BTreeMap::new(),
    }
}

fn ordered(
    entries: &BTreeMap<Key, Entry>,
    section: &str,
    by: impl Fn(&Entry) -> (i64, String),
) -> Vec<Key> {
    let mut list: Vec<&Entry> = entries
        .values()
        .filter(|e| e.key.section == section && !e.key.is_index())
        .collect();
    list.sort_by_key(|e| by(e));
    list.into_iter().map(|e| e.key.clone()).collect()
}

fn any_translation(entry: &Entry) -> Option<&Translation> {
    entry.translations.values().next().map(|t| &**t)
}

/// The translation that writes a step's `order` (it may be in either language's file).
fn order_translation(entry: &Entry) -> Option<&Translation> {
    entry
        .translations
        .values()
        .find(|t| matches!(t.front.kind, KindFront::Step { order: Some(_), .. }))
        .map(|t| &**t)
        .or_else(|| any_translation(entry))
}

/// Step numbers start at 1 and are unique.
fn check_steps(entries: &BTreeMap<Key, Entry>, steps: &[Key], problems: &mut Diagnostics) {
    let used: BTreeSet<i64> = steps.iter().filter_map(|k| entries[k].order).collect();
    let free = (1..).find(|n| !used.contains(n)).unwrap_or(1);
    let mut seen: BTreeMap<i64, &Entry> = BTreeMap::new();
    for key in steps {
        let entry = &entries[key];
        let Some(order) = entry.order else { continue };
        let t = order_translation(entry).expect("a step has a file");
        let needle = order.to_string();
        if order < 1 {
            problems.push(
                t.error_at(
                    "order",
                    Some(&needle),
                    format!("step order {order} is not a step number"),
                )
                .help("steps are numbered from 1"),
            );
        } else if let Some(other) = seen.get(&order) {
            let first = order_translation(other).expect("a step has a file");
            let help = format!("give every step its own number: {free} is free");
            problems.push(
                t.error_at(
                    "order",
                    Some(&needle),
                    format!("step order {order} is already used by `{}`", first.file),
                )
                .help(help.clone()),
            );
            problems.push(
                first
                    .error_at(
                        "order",
                        Some(&needle),
                        format!("step order {order} is also used by `{}`", t.file),
                    )
                    .help(help),
            );
        } else {
            seen.insert(order, entry);
        }
    }
}

/// Obstacle priorities (the diagnostic's ranking) start at 1 and are unique.
fn check_priorities(entries: &BTreeMap<Key, Entry>, obstacles: &[Key], problems: &mut Diagnostics) {
    let mut seen: BTreeMap<i64, &Translation> = BTreeMap::new();
    for key in obstacles {
        let entry = &entries[key];
        let Some(priority) = entry.priority else {
            continue;
        };
        let t = entry
            .translations
            .values()
            .find(|t| t.front.priority.is_some())
            .expect("a priority comes from a file");
        let needle = priority.to_string();
        if priority < 1 {
            problems.push(
                t.error_at(
                    "priority",
                    Some(&needle),
                    format!("priority {priority} is not a rank"),
                )
                .help("rank obstacles from 1, the one that blocks the most"),
            );
        } else if let Some(other) = seen.get(&priority) {
            problems.push(
                t.error_at(
                    "priority",
                    Some(&needle),
                    format!("priority {priority} is already used by `{}`", other.file),
                )
                .help("give every obstacle its own rank: 1 for the one that blocks the most"),
            );
        } else {
            seen.insert(priority, t);
        }
    }
}

/// Checks `addresses` and builds obstacle → steps.
fn relations(
    entries: &BTreeMap<Key, Entry>,
    steps: &[Key],
    problems: &mut Diagnostics,
) -> BTreeMap<String, Vec<String>> {
    let obstacle_ids: Vec<&str> = entries
        .keys()
        .filter(|k| k.section == "obstacles" && !k.is_index())
        .map(|k| k.id.as_str())
        .collect();
    let mut addressed_by: BTreeMap<String, Vec<String>> = obstacle_ids
        .iter()
        .map(|id| (id.to_string(), Vec::new()))
        .collect();
    for key in steps {
        let entry = &entries[key];
        for id in &entry.addresses {
            match addressed_by.get_mut(id) {
                Some(list) => list.push(key.id.clone()),
                None => {
                    let written_in = entry.translations.values().filter(|t| {
                        matches!(
                            &t.front.kind,
                            KindFront::Step {
                                addresses: Some(_),
                                ..
                            }
                        )
                    });
                    for t in written_in {
                        let d = t.error_at(
                            "addresses",
                            Some(id),
                            format!("unknown obstacle `{id}` in `addresses`"),
                        );
                        problems.push(match did_you_mean(id, obstacle_ids.iter().copied()) {
                            Some(best) => d.help(format!(
                                "did you mean `{best}`? The obstacles are: {}",
                                obstacle_ids.join(", ")
                            )),
                            None => {
                                d.help(format!("the obstacles are: {}", obstacle_ids.join(", ")))
                            }
                        });
                    }
                }
            }
        }
    }
    addressed_by
}

fn check_sources(entries: &BTreeMap<Key, Entry>, settings: &Settings, problems: &mut Diagnostics) {
    let known: Vec<&str> = settings.sources.keys().map(String::as_str).collect();
    for entry in entries.values() {
        for id in &entry.sources {
            if settings.sources.contains_key(id) {
                continue;
            }
            let t = entry
                .translations
                .values()
                .find(|t| t.front.sources.as_ref().is_some_and(|s| s.contains(id)))
                .expect("sources come from a file");
            let mut d = t.error_at("sources", Some(id), format!("unknown source `{id}`"));
            d = match did_you_mean(id, known.iter().copied()) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None if known.is_empty() => {
                    d.help("declare it in content/site.toml under [sources.<id>]")
                }
                None => d.help(format!(
                    "the sources declared in content/site.toml are: {}",
                    known.join(", ")
                )),
            };
            problems.push(d);
        }
    }
}
