//! URLs: every page gets one site path per language, from its section's slug and its own (`slug`
//! in front matter, else its title with accents folded), checked to be URL-safe and unique
//! across pages and the generated pages. Nothing here renders; links are made from these paths.

use std::collections::{hash_map, BTreeMap, HashMap};

use rayon::prelude::*;

use crate::content::model::{ui_string, Entry, Key, Site, Strings, GENERATED};
use crate::errors::Diagnostics;

/// Folds accents and case and keeps letters and digits, joined by single hyphens:
/// « Pièges à éviter » → `pieges-a-eviter`.
pub(crate) fn slugify(text: &str) -> String {
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
pub(crate) fn is_safe_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The site path an old address names — `/fr/ancien/`, `/fr/ancien` and
/// `/fr/ancien/index.html` all give `fr/ancien/` — or `None` when it is not a plain address
/// from the site root (no `..`, no hidden or empty segment, letters, digits and `-_.` only).
pub(crate) fn alias_path(alias: &str) -> Option<String> {
    let rest = alias.strip_prefix('/')?;
    let clean = rest.strip_suffix("index.html").unwrap_or(rest);
    let path = if clean.is_empty() || clean.ends_with('/') {
        clean.to_string()
    } else {
        format!("{clean}/")
    };
    let safe = !path.is_empty()
        && path[..path.len() - 1]
            .split('/')
            .all(|seg| !seg.is_empty() && !seg.starts_with('.'))
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c));
    safe.then_some(path)
}

/// Who holds a URL, for the message when another page wants it.
enum Owner<'a> {
    Named(String),
    /// A page in the language at this index of the site's.
    Page(&'a Entry, usize),
}

impl Owner<'_> {
    fn describe(&self, languages: &[String]) -> String {
        match self {
            Owner::Named(text) => text.clone(),
            Owner::Page(entry, i) => entry.shown_file(&languages[*i], languages),
        }
    }
}

/// Gives every page a URL per language and checks that no two pages share one.
pub(crate) fn assign_urls(site: &mut Site, strings: &Strings, problems: &mut Diagnostics) {
    let languages = site.languages.clone();
    // Who owns each URL, for collision messages.
    let mut owners: HashMap<String, Owner> = HashMap::new();
    for lang in &languages {
        let mut generated = BTreeMap::new();
        for (name, string) in GENERATED {
            let slug = ui_string(strings, lang, string).to_string();
            let url = format!("{lang}/{slug}/");
            owners.insert(
                url.clone(),
                Owner::Named(format!(
                    "the generated {name} page (theme string `{string}`)"
                )),
            );
            generated.insert(name.to_string(), url);
        }
        site.generated.insert(lang.clone(), generated);
    }

    // Each page's slug per language, explicit ones validated; in parallel, in page order.
    let slugged: Vec<(Vec<String>, Diagnostics)> = site
        .entries
        .par_iter()
        .map(|(_, entry)| {
            let mut problems = Diagnostics::default();
            let slugs = (languages.iter())
                .map(|lang| slug(entry, lang, &languages, &mut problems))
                .collect();
            (slugs, problems)
        })
        .collect();
    let mut slugs = Vec::with_capacity(slugged.len());
    for (page, page_problems) in slugged {
        problems.extend(page_problems);
        slugs.push(page);
    }
    let sections: HashMap<&str, &[String]> = (site.entries.keys().zip(&slugs))
        .filter(|(key, _)| key.is_index())
        .map(|(key, slugs)| (key.section.as_str(), &slugs[..]))
        .collect();

    let mut urls = Vec::with_capacity(slugs.len());
    for ((key, entry), own) in site.entries.iter().zip(&slugs) {
        let mut page = Vec::with_capacity(languages.len());
        for (i, lang) in languages.iter().enumerate() {
            let own = &own[i];
            let url = if *key == Key::home() {
                format!("{lang}/")
            } else if key.section.is_empty() || key.is_index() {
                format!("{lang}/{own}/")
            } else {
                let section = &sections
                    .get(key.section.as_str())
                    .expect("every section has an index page")[i];
                format!("{lang}/{section}/{own}/")
            };
            match owners.entry(url.clone()) {
                hash_map::Entry::Occupied(taken) => {
                    let owner = taken.get().describe(&languages);
                    if owner != Owner::Page(entry, i).describe(&languages) {
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
                }
                hash_map::Entry::Vacant(free) => {
                    free.insert(Owner::Page(entry, i));
                }
            }
            page.push(url);
        }
        urls.push(page);
    }
    for (entry, page) in site.entries.values_mut().zip(urls) {
        entry.urls.extend(languages.iter().cloned().zip(page));
    }
}

/// The slug of `entry` in `lang`: its own (checked), else from its title; a section index's
/// is the section's folder name, the home page's is empty.
fn slug(entry: &Entry, lang: &str, languages: &[String], problems: &mut Diagnostics) -> String {
    match entry.shown(lang, languages) {
        _ if entry.key == Key::home() => String::new(),
        Some((_, t)) => match &t.front.slug {
            Some(slug) if !is_safe_slug(slug) => {
                problems.push(
                    t.error_at("slug", Some(slug), format!("slug `{slug}` is not URL-safe"))
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

    #[test]
    fn old_addresses_are_site_paths() {
        for (alias, path) in [
            ("/fr/ancien/", Some("fr/ancien/")),
            ("/fr/ancien", Some("fr/ancien/")),
            ("/fr/ancien/index.html", Some("fr/ancien/")),
            ("/robots.txt", Some("robots.txt/")),
            ("fr/ancien/", None),
            ("/", None),
            ("/fr/../x/", None),
            ("/fr//x/", None),
            ("/.playbook-output", None),
            ("/fr/a b/", None),
        ] {
            assert_eq!(alias_path(alias).as_deref(), path, "{alias}");
        }
    }
}
