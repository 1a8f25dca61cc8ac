//! The site's addresses for machines and old links: `sitemap.xml` with `hreflang` alternates,
//! `robots.txt`, and the redirects from old addresses — pages' `aliases` and the old addresses
//! the URL ledger keeps — as a small page at each old address and Netlify's `_redirects`. One
//! mechanism for both; `Published` says what the site publishes where, so that no redirect
//! takes the place of a page or a file (an alias that would is a located error).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::content::model::{Key, Site, GENERATED};
use crate::content::urls::alias_path;
use crate::errors::Diagnostics;
use crate::render::context::{root_for, CSP};
use crate::render::highlight::escape;
use crate::render::theme::Theme;

/// What the site publishes at an address, so that no redirect — an alias, or an old address
/// from the URL ledger — ever takes the place of a page or a file.
pub(crate) struct Published<'a> {
    files: &'a crate::output::Manifest,
    /// Content page address → its page and language (what is shown there is worked out
    /// only for a message).
    pages: BTreeMap<&'a str, (&'a crate::content::model::Entry, &'a str)>,
    languages: &'a [String],
    /// Generated page address → its name (`search`, …).
    generated: BTreeMap<&'a str, &'a str>,
}

/// What is at an address, for messages.
pub(crate) enum Taken {
    /// A page: `an existing page, `content/…``, `the generated search page`, …
    Page(String),
    /// A published file, or a folder the site keeps for its own files.
    File(String),
}

impl std::fmt::Display for Taken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Taken::Page(what) | Taken::File(what) => f.write_str(what),
        }
    }
}

impl<'a> Published<'a> {
    /// `files`: everything the build publishes except the redirects.
    pub(crate) fn new(site: &'a Site, files: &'a crate::output::Manifest) -> Published<'a> {
        let pages = site
            .entries
            .values()
            .flat_map(|e| {
                e.urls
                    .iter()
                    .map(move |(l, url)| (url.as_str(), (e, l.as_str())))
            })
            .collect();
        let generated = site
            .generated
            .values()
            .flat_map(|g| g.iter().map(|(name, url)| (url.as_str(), name.as_str())))
            .collect();
        Published {
            files,
            pages,
            languages: &site.languages,
            generated,
        }
    }

    /// What the site publishes at `path` (`fr/ancien/`, a folder address), if anything.
    pub(crate) fn at(&self, path: &str) -> Option<Taken> {
        let top = path.split('/').next().unwrap_or("");
        if top == "assets" {
            return Some(Taken::File(
                "`assets/`, the folder of the theme's files".into(),
            ));
        }
        if top == "_redirects" || top == "_headers" {
            return Some(Taken::File(format!("the host's `{top}` file")));
        }
        // A file where the redirect needs a folder: `robots.txt` for `/robots.txt/`.
        for (i, _) in path.match_indices('/') {
            if self.files.contains_key(&path[..i]) {
                return Some(Taken::File(format!("the file `{}`", &path[..i])));
            }
        }
        if !self.files.contains_key(&format!("{path}index.html")) {
            return None;
        }
        Some(Taken::Page(
            if let Some((entry, lang)) = self.pages.get(path) {
                format!(
                    "an existing page, {}",
                    entry.shown_file(lang, self.languages)
                )
            } else if let Some(name) = self.generated.get(path) {
                format!("the generated {name} page")
            } else {
                format!("a page the site generates (`/{path}`)")
            },
        ))
    }
}

/// Redirects from old addresses: the `aliases` of pages (checked here: each a free site path,
/// claimed once) and the old addresses the URL ledger keeps (`ledger`: old site path → page
/// and language, already free). Each is a small page at the old address — a meta refresh and a
/// link, canonical to the new address, noindex, no script — and a line of Netlify's
/// `_redirects` (a permanent redirect).
pub(crate) fn redirects(
    site: &Site,
    theme: &Theme,
    published: &Published,
    ledger: &[(String, Key, String)],
) -> (Vec<(String, Vec<u8>)>, Diagnostics) {
    let mut problems = Diagnostics::default();
    // Old site path → (page, language).
    let mut all: BTreeMap<String, (Key, String)> = BTreeMap::new();
    let mut claimed: BTreeMap<String, String> = BTreeMap::new();
    for entry in site.entries.values() {
        for (lang, t) in &entry.translations {
            for alias in &t.front.aliases {
                let Some(path) = alias_path(alias) else {
                    problems.push(
                        t.error_at("aliases", Some(alias), format!("alias `{alias}` is not a site path"))
                            .help("write the old address from the site root, e.g. `/fr/obstacles/ancien-nom/`"),
                    );
                    continue;
                };
                if let Some(taken) = published.at(&path) {
                    let (message, help) = match taken {
                        Taken::Page(what) => (
                            format!("alias `{alias}` is the address of {what}"),
                            "remove it: that page would be replaced by a redirect",
                        ),
                        Taken::File(what) => (
                            format!("alias `{alias}` collides with {what}"),
                            "remove it: an alias is an old address of this page, and the site publishes something else there",
                        ),
                    };
                    problems.push(t.error_at("aliases", Some(alias), message).help(help));
                    continue;
                }
                if let Some(other) = claimed.insert(path.clone(), t.file.clone()) {
                    problems.push(t.error_at(
                        "aliases",
                        Some(alias),
                        format!("alias `{alias}` is also claimed by `{other}`"),
                    ));
                    continue;
                }
                all.insert(path, (entry.key.clone(), lang.clone()));
            }
        }
    }
    for (path, key, lang) in ledger {
        // An alias of the same page says the same; the ledger gives way to any other.
        all.entry(path.clone())
            .or_insert_with(|| (key.clone(), lang.clone()));
    }

    let base = site.settings.base_path();
    let mut files = Vec::new();
    let mut rules = String::new();
    for (path, (key, lang)) in &all {
        let target_path = site.url(key, lang);
        let target = format!("{}{target_path}", root_for(path));
        let title = escape(&site.title(key, lang));
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n<title>{title}</title>\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"canonical\" href=\"{}\">\n<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n</head>\n<body>\n<main><p>{} <a href=\"{target}\">{title}</a></p></main>\n</body>\n</html>\n",
            escape(&site.settings.absolute(target_path)),
            escape(theme.string(lang, "moved_to"))
        );
        files.push((format!("{path}index.html"), html.into_bytes()));
        let _ = writeln!(rules, "{base}{path} {base}{target_path} 301");
    }
    if !rules.is_empty() {
        files.push(("_redirects".into(), rules.into_bytes()));
    }
    (files, problems)
}

/// `sitemap.xml` with every indexable page and its `hreflang` alternates.
pub(crate) fn sitemap(site: &Site) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let mut groups: Vec<BTreeMap<&str, String>> = site
        .entries
        .values()
        .map(|e| {
            site.languages
                .iter()
                .map(|l| (l.as_str(), e.urls[l].clone()))
                .collect()
        })
        .collect();
    for (name, _) in GENERATED {
        groups.push(
            site.languages
                .iter()
                .map(|l| (l.as_str(), site.generated[l][name].clone()))
                .collect(),
        );
    }
    for group in &groups {
        for url in group.values() {
            let _ = writeln!(
                xml,
                "  <url>\n    <loc>{}</loc>",
                escape(&site.settings.absolute(url))
            );
            for (l, alt) in group {
                let _ = writeln!(
                    xml,
                    "    <xhtml:link rel=\"alternate\" hreflang=\"{l}\" href=\"{}\"/>",
                    escape(&site.settings.absolute(alt))
                );
            }
            xml.push_str("  </url>\n");
        }
    }
    xml.push_str("</urlset>\n");
    xml
}

/// `robots.txt`: everything disallowed on an intranet (`noindex`), else the sitemap.
pub(crate) fn robots(site: &Site) -> String {
    if site.settings.noindex {
        "User-agent: *\nDisallow: /\n".to_string()
    } else {
        format!(
            "User-agent: *\nAllow: /\nSitemap: {}\n",
            site.settings.absolute("sitemap.xml")
        )
    }
}
