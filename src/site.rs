//! Assembly: turns parsed files into a `Site` — every page with its translations paired by id,
//! its language-neutral fields merged (and checked to agree), its URL in every language, the
//! step ↔ obstacle relations and the reading order. Everything a later stage needs to link one
//! page to another is settled here, before any Markdown is rendered.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Settings;
use crate::discover::{SourceFile, DIAGNOSTIC_SECTION};
use crate::errors::{did_you_mean, Diagnostic, Diagnostics};
use crate::frontmatter::{self, Front, Kind, KindFront};
use crate::theme::Theme;

/// The language-neutral identity of a page: its folder under `content/` and its file stem.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub section: String,
    pub id: String,
}

impl Key {
    pub fn new(section: &str, id: &str) -> Key {
        Key {
            section: section.to_string(),
            id: id.to_string(),
        }
    }

    pub fn home() -> Key {
        Key::new("", "_index")
    }

    pub fn is_index(&self) -> bool {
        self.id == "_index"
    }

    /// The `@/…` path that links to this page.
    pub fn link_path(&self) -> String {
        if self.section.is_empty() {
            format!("{}.md", self.id)
        } else {
            format!("{}/{}.md", self.section, self.id)
        }
    }

    /// The key of the section page this page belongs to.
    pub fn parent(&self) -> Option<Key> {
        match (self.section.is_empty(), self.is_index()) {
            (true, true) => None,
            (true, false) | (false, true) => Some(Key::home()),
            (false, false) => Some(Key::new(&self.section, "_index")),
        }
    }
}

/// One language's file of a page.
#[derive(Debug, Clone)]
pub struct Translation {
    pub file: String,
    pub text: String,
    pub front: Front,
    pub front_offset: usize,
    pub front_len: usize,
    pub body_offset: usize,
    pub format: frontmatter::Format,
}

impl Translation {
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    /// A diagnostic pointing at `needle` on the line of front matter field `key`.
    pub fn error_at(
        &self,
        key: &str,
        needle: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let split = frontmatter::Split {
            format: self.format,
            front: &self.text[self.front_offset..self.front_offset + self.front_len],
            front_offset: self.front_offset,
            body_offset: self.body_offset,
        };
        let (at, len) = frontmatter::locate(&self.text, &split, key, needle);
        Diagnostic::at(&self.file, &self.text, at, len, message)
    }
}

/// A page in every language: its files, merged neutral fields and URLs.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: Key,
    pub kind: Kind,
    pub translations: BTreeMap<String, Translation>,
    pub weight: Option<i64>,
    pub order: Option<i64>,
    pub addresses: Vec<String>,
    pub sources: Vec<String>,
    /// Site path per language, e.g. `fr/etapes/champion/`.
    pub urls: BTreeMap<String, String>,
}

impl Entry {
    /// The translation shown in `lang`: its own, or the first available in fallback order.
    pub fn shown<'a>(
        &'a self,
        lang: &str,
        site_langs: &[String],
    ) -> Option<(&'a str, &'a Translation)> {
        if let Some((l, t)) = self.translations.get_key_value(lang) {
            return Some((l.as_str(), t));
        }
        site_langs
            .iter()
            .find_map(|l| self.translations.get_key_value(l.as_str()))
            .map(|(l, t)| (l.as_str(), t))
    }
}

/// The whole site, every link known.
#[derive(Debug)]
pub struct Site {
    pub settings: Settings,
    /// Site languages, default first.
    pub languages: Vec<String>,
    pub entries: BTreeMap<Key, Entry>,
    /// Titles of sections that have no `_index` file, per language.
    pub synthetic_titles: BTreeMap<Key, String>,
    /// Steps in playbook order, obstacles by weight.
    pub steps: Vec<Key>,
    pub obstacles: Vec<Key>,
    /// Obstacle id → ids of the steps that address it, in step order.
    pub addressed_by: BTreeMap<String, Vec<String>>,
    /// Generated pages per language: name (`search`, `matrix`, …) → site path.
    pub generated: BTreeMap<String, BTreeMap<String, String>>,
    /// Files of the diagnostic's nodes, handed to the diagnostic stage.
    pub diagnostic_files: Vec<SourceFile>,
}

/// The generated pages and the theme string that gives each its slug.
pub const GENERATED: [(&str, &str); 4] = [
    ("search", "slug_search"),
    ("matrix", "slug_matrix"),
    ("print", "slug_print"),
    ("pages", "slug_pages"),
];

impl Site {
    pub fn entry(&self, key: &Key) -> &Entry {
        &self.entries[key]
    }

    pub fn url(&self, key: &Key, lang: &str) -> &str {
        &self.entries[key].urls[lang]
    }

    /// Title of a page in `lang` (its own translation or the fallback's).
    pub fn title(&self, key: &Key, lang: &str) -> String {
        match self.entries[key].shown(lang, &self.languages) {
            Some((_, t)) => t.front.title.clone(),
            None => self
                .synthetic_titles
                .get(key)
                .cloned()
                .unwrap_or_else(|| self.settings.title(lang)),
        }
    }

    pub fn summary(&self, key: &Key, lang: &str) -> Option<String> {
        self.entries[key]
            .shown(lang, &self.languages)
            .and_then(|(_, t)| t.front.summary.clone())
    }

    /// Pages of a section (not the index), in reading order.
    pub fn section_pages(&self, section: &str) -> Vec<Key> {
        match section {
            "steps" => self.steps.clone(),
            "obstacles" => self.obstacles.clone(),
            _ => {
                let mut keys: Vec<&Entry> = self
                    .entries
                    .values()
                    .filter(|e| e.key.section == section && !e.key.is_index())
                    .collect();
                keys.sort_by_key(|e| (e.weight.unwrap_or(i64::MAX), e.key.id.clone()));
                keys.into_iter().map(|e| e.key.clone()).collect()
            }
        }
    }

    /// Section pages (and top-level pages) for the header navigation, by weight.
    pub fn nav(&self) -> Vec<Key> {
        let mut keys: Vec<&Entry> = self
            .entries
            .values()
            .filter(|e| e.key != Key::home() && (e.key.is_index() || e.key.section.is_empty()))
            .collect();
        keys.sort_by_key(|e| {
            (
                e.key.section.is_empty(),
                e.weight.unwrap_or(i64::MAX),
                e.key.section.clone(),
                e.key.id.clone(),
            )
        });
        keys.into_iter().map(|e| e.key.clone()).collect()
    }
}

/// Folds accents and case and keeps letters and digits, joined by single hyphens:
/// « Pièges à éviter » → `pieges-a-eviter`.
pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

/// A slug written by hand must already be URL-safe.
pub fn is_safe_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Parses every file and assembles the site. Returns the site and the problems found; the
/// site is only meaningful when no error was found.
pub fn assemble(settings: Settings, theme: &Theme, files: Vec<SourceFile>) -> (Site, Diagnostics) {
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

    let mut grouped: BTreeMap<Key, BTreeMap<String, Translation>> = BTreeMap::new();
    let mut diagnostic_files = Vec::new();
    for file in files {
        let Some(lang) = file.lang.clone() else {
            diagnostic_files.push(file);
            continue;
        };
        let key = Key::new(&file.section, &file.id);
        let kind = Kind::of(&file.section, &file.id);
        match parse_translation(&file, kind) {
            Ok(t) => {
                grouped.entry(key).or_default().insert(lang, t);
            }
            Err(d) => problems.push(d),
        }
    }

    let mut entries = BTreeMap::new();
    for (key, translations) in grouped {
        let kind = Kind::of(&key.section, &key.id);
        let entry = merge(key.clone(), kind, translations, &settings, &mut problems);
        entries.insert(key, entry);
    }

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
                order: None,
                addresses: Vec::new(),
                sources: Vec::new(),
                urls: BTreeMap::new(),
            },
        );
    }

    let obstacles = ordered(&entries, "obstacles", |e| {
        (e.weight.unwrap_or(i64::MAX), e.key.id.clone())
    });
    let steps = ordered(&entries, "steps", |e| {
        (e.order.unwrap_or(i64::MAX), e.key.id.clone())
    });
    check_steps(&entries, &steps, &mut problems);
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
    };
    assign_urls(&mut site, theme, &mut problems);
    (site, problems)
}

fn parse_translation(file: &SourceFile, kind: Kind) -> Result<Translation, Diagnostic> {
    let text = frontmatter::decode(&file.rel, &file.bytes)?;
    let (front, split) = {
        let split = frontmatter::split(&file.rel, &text)?;
        let front = if file.section == DIAGNOSTIC_SECTION {
            crate::diagnostic::parse_start(&file.rel, &text, &split)?
        } else {
            kind.parse(&file.rel, &text, &split)?
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
        file: file.rel.clone(),
        text,
        front,
        format: split.0,
        front_offset: split.1,
        front_len: split.2,
        body_offset: split.3,
    })
}

/// Merges the language-neutral fields of a page's translations; they must agree.
fn merge(
    key: Key,
    kind: Kind,
    translations: BTreeMap<String, Translation>,
    settings: &Settings,
    problems: &mut Diagnostics,
) -> Entry {
    fn agree<T: PartialEq + std::fmt::Debug + Clone>(
        field: &str,
        values: Vec<(&Translation, Option<T>)>,
        problems: &mut Diagnostics,
    ) -> Option<T> {
        let mut first: Option<(&Translation, T)> = None;
        for (t, v) in values {
            let Some(v) = v else { continue };
            match &first {
                None => first = Some((t, v)),
                Some((ft, fv)) if *fv != v => problems.push(
                    t.error_at(field, None, format!("`{field}` is {v:?} here but {fv:?} in `{}`", ft.file))
                        .help(format!("`{field}` is the same in every language: write it once, or make both files agree")),
                ),
                Some(_) => {}
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
        problems,
    );
    let sources = agree(
        "sources",
        ts.iter().map(|t| (*t, t.front.sources.clone())).collect(),
        problems,
    );
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
            problems,
        );
        if order.is_none() {
            if let Some(t) = ts.first() {
                problems.push(
                    Diagnostic::at(&t.file, &t.text, 0, 3, "missing field `order`")
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
        translations,
        weight,
        order,
        addresses,
        sources: sources.unwrap_or_default(),
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
    entry.translations.values().next()
}

/// The translation that writes a step's `order` (it may be in either language's file).
fn order_translation(entry: &Entry) -> Option<&Translation> {
    entry
        .translations
        .values()
        .find(|t| matches!(t.front.kind, KindFront::Step { order: Some(_), .. }))
        .or_else(|| any_translation(entry))
}

/// Step numbers start at 1 and are unique.
fn check_steps(entries: &BTreeMap<Key, Entry>, steps: &[Key], problems: &mut Diagnostics) {
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
            let other_file = &order_translation(other).expect("a step has a file").file;
            problems.push(
                t.error_at(
                    "order",
                    Some(&needle),
                    format!("step order {order} is already used by `{other_file}`"),
                )
                .help("give every step its own number"),
            );
        } else {
            seen.insert(order, entry);
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
                .find(|t| t.front.sources.is_some())
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

/// Gives every page a URL per language and checks that no two pages share one.
fn assign_urls(site: &mut Site, theme: &Theme, problems: &mut Diagnostics) {
    let languages = site.languages.clone();
    // Who owns each URL, for collision messages.
    let mut owners: BTreeMap<String, String> = BTreeMap::new();
    for lang in &languages {
        let mut generated = BTreeMap::new();
        for (name, string) in GENERATED {
            let slug = theme.string(lang, string).to_string();
            let url = format!("{lang}/{slug}/");
            owners.insert(
                url.clone(),
                format!("the generated {name} page (theme string `{string}`)"),
            );
            generated.insert(name.to_string(), url);
        }
        site.generated.insert(lang.clone(), generated);
    }

    // Slug per (key, lang), explicit ones validated.
    let mut slugs: BTreeMap<(Key, String), String> = BTreeMap::new();
    for entry in site.entries.values() {
        for lang in &languages {
            let slug = match entry.shown(lang, &languages) {
                _ if entry.key == Key::home() => String::new(),
                Some((_, t)) => match &t.front.slug {
                    Some(slug) if !is_safe_slug(slug) => {
                        problems.push(
                            t.error_at(
                                "slug",
                                Some(slug),
                                format!("slug `{slug}` is not URL-safe"),
                            )
                            .help(format!(
                                "use lowercase letters, digits and hyphens, e.g. `{}`",
                                slugify(slug)
                            )),
                        );
                        slugify(slug)
                    }
                    Some(slug) => slug.clone(),
                    None if entry.key.is_index() => entry.key.section.clone(),
                    None => {
                        let slug = slugify(&t.front.title);
                        if slug.is_empty() {
                            problems.push(
                                t.error_at("title", None, "cannot make a URL from this title")
                                    .help("add a `slug = \"…\"` field with letters, digits and hyphens"),
                            );
                        }
                        slug
                    }
                },
                None => entry.key.section.clone(),
            };
            slugs.insert((entry.key.clone(), lang.clone()), slug);
        }
    }

    let keys: Vec<Key> = site.entries.keys().cloned().collect();
    for key in &keys {
        for lang in &languages {
            let own = &slugs[&(key.clone(), lang.clone())];
            let url = if *key == Key::home() {
                format!("{lang}/")
            } else if key.section.is_empty() || key.is_index() {
                format!("{lang}/{own}/")
            } else {
                let section = &slugs[&(Key::new(&key.section, "_index"), lang.clone())];
                format!("{lang}/{section}/{own}/")
            };
            let entry = site.entries.get_mut(key).expect("listed key");
            let this_file = entry.shown(lang, &languages).map_or_else(
                || format!("the index of section `{}`", key.section),
                |(_, t)| format!("`{}`", t.file),
            );
            if let Some(owner) = owners.get(&url) {
                if owner != &this_file {
                    if let Some((_, t)) = entry.shown(lang, &languages) {
                        let needle = t.front.slug.clone();
                        problems.push(
                            t.error_at(
                                if needle.is_some() { "slug" } else { "title" },
                                needle.as_deref(),
                                format!("the URL `/{url}` is already used by {owner}"),
                            )
                            .help("give this page another `slug`"),
                        );
                    }
                }
            } else {
                owners.insert(url.clone(), this_file);
            }
            entry.urls.insert(lang.clone(), url);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_fold_accents() {
        assert_eq!(
            slugify("Manque de soutien de la direction"),
            "manque-de-soutien-de-la-direction"
        );
        assert_eq!(slugify("Pièges à éviter !"), "pieges-a-eviter");
        assert_eq!(slugify("Œuvre d’équipe"), "oeuvre-d-equipe");
        assert!(!is_safe_slug("../etc"));
        assert!(!is_safe_slug("a/b"));
    }
}
