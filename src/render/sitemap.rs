//! The site's addresses for machines and old links: `sitemap.xml` with `hreflang` alternates,
//! `robots.txt`, and the redirects for pages' `aliases` (a small page at each old address and
//! Netlify's `_redirects`). Every alias is checked to be a safe site path that no page owns.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::content::model::{Site, GENERATED};
use crate::errors::Diagnostics;
use crate::render::context::root_for;
use crate::render::highlight::escape;
use crate::render::theme::Theme;

/// Redirect pages for the old URLs listed in pages' `aliases`, and Netlify's `_redirects`
/// (permanent redirects, served before any file).
pub(crate) fn aliases(site: &Site, theme: &Theme) -> (Vec<(String, Vec<u8>)>, Diagnostics) {
    let mut files = Vec::new();
    let mut problems = Diagnostics::default();
    let mut rules = String::new();
    let taken: std::collections::BTreeSet<String> = site
        .entries
        .values()
        .flat_map(|e| e.urls.values().cloned())
        .chain(site.generated.values().flat_map(|g| g.values().cloned()))
        .collect();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let base = site.settings.base_path();
    for entry in site.entries.values() {
        for (lang, t) in &entry.translations {
            for alias in &t.front.aliases {
                let clean = alias.trim_start_matches('/').trim_end_matches("index.html");
                let path = if clean.is_empty() || clean.ends_with('/') {
                    clean.to_string()
                } else {
                    format!("{clean}/")
                };
                let safe = alias.starts_with('/')
                    && !path.is_empty()
                    && path.split('/').all(|seg| seg != ".." && seg != ".")
                    && path
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c));
                if !safe {
                    problems.push(
                        t.error_at("aliases", Some(alias), format!("alias `{alias}` is not a site path"))
                            .help("write the old address from the site root, e.g. `/fr/obstacles/ancien-nom/`"),
                    );
                    continue;
                }
                if taken.contains(&path) {
                    problems.push(
                        t.error_at(
                            "aliases",
                            Some(alias),
                            format!("alias `{alias}` is the address of an existing page"),
                        )
                        .help("remove it: that page would be replaced by a redirect"),
                    );
                    continue;
                }
                if let Some(other) = seen.insert(path.clone(), t.file.clone()) {
                    problems.push(t.error_at(
                        "aliases",
                        Some(alias),
                        format!("alias `{alias}` is also claimed by `{other}`"),
                    ));
                    continue;
                }
                let target_path = &entry.urls[lang];
                let root = root_for(&path);
                let target = format!("{root}{target_path}");
                let title = escape(&t.front.title);
                let html = format!(
                    "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<meta name=\"robots\" content=\"noindex\">\n<link rel=\"canonical\" href=\"{}\">\n<meta http-equiv=\"refresh\" content=\"0; url={target}\">\n</head>\n<body>\n<main><p>{} <a href=\"{target}\">{title}</a></p></main>\n</body>\n</html>\n",
                    escape(&site.settings.absolute(target_path)),
                    escape(theme.string(lang, "moved_to"))
                );
                files.push((format!("{path}index.html"), html.into_bytes()));
                rules.push_str(&format!("{base}{path} {base}{target_path} 301\n"));
            }
        }
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
