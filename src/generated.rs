//! Generated pages: everything in the site that no content file describes — the root language
//! chooser, the 404 pages, the obstacles × steps matrix, the one-page print view, the index of
//! all pages, the search page and its index, `sitemap.xml` and `robots.txt`. Each takes the
//! assembled site and the already-rendered bodies; none re-reads a file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::errors::{Diagnostic, Diagnostics};
use crate::highlight::{escape, Highlighter};
use crate::markdown;
use crate::render::{link, render_template, Common, Link, Place};
use crate::search::{entry, script, Doc};
use crate::site::{Key, Site};
use crate::theme::Theme;

#[derive(Serialize)]
struct Ctx<'a, T: Serialize> {
    #[serde(flatten)]
    common: Common<'a>,
    #[serde(flatten)]
    data: T,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct MatrixRow {
    obstacle: Link,
    cells: Vec<Option<Link>>,
}

#[derive(Serialize)]
struct Matrix {
    steps: Vec<Link>,
    rows: Vec<MatrixRow>,
}

#[derive(Serialize)]
struct PrintSection {
    id: String,
    title: String,
    pages: Vec<PrintPage>,
}

#[derive(Serialize)]
struct PrintPage {
    id: String,
    title: String,
    summary: Option<String>,
    number: Option<i64>,
    content: String,
    signals: Vec<String>,
    addresses: Vec<Link>,
    addressed_by: Vec<Link>,
}

#[derive(Serialize)]
struct PrintView {
    intro: String,
    sections: Vec<PrintSection>,
}

#[derive(Serialize)]
struct PageGroup {
    title: String,
    url: String,
    pages: Vec<Link>,
}

#[derive(Serialize)]
struct AllPages {
    groups: Vec<PageGroup>,
}

#[derive(Serialize)]
struct SearchPage {
    index: String,
}

/// Renders every generated file.
pub fn render_all(
    site: &Site,
    theme: &Theme,
    bodies: &crate::render::Bodies,
    highlighter: &Highlighter,
) -> Result<Vec<(String, Vec<u8>)>, Diagnostics> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut problems = Diagnostics::default();
    let add = |files: &mut Vec<(String, Vec<u8>)>,
               problems: &mut Diagnostics,
               path: String,
               r: Result<String, Diagnostic>| match r {
        Ok(s) => files.push((path, s.into_bytes())),
        Err(d) => problems.push(d),
    };
    let default = site.languages[0].as_str();

    // The language chooser at the root.
    let chooser = |l: &str| site.url(&Key::home(), l).to_string();
    let common = Common::new(site, theme, default, "", Place::Custom(&chooser), false);
    add(
        &mut files,
        &mut problems,
        "index.html".into(),
        render_template(
            theme,
            "root.html",
            &Ctx {
                common,
                data: Empty {},
            },
        ),
    );

    for lang in &site.languages {
        let lang = lang.as_str();
        let gen = &site.generated[lang];

        // 404: served at any depth, so its links are absolute.
        let not_found = |l: &str| format!("{l}/404.html");
        let common = Common::new(
            site,
            theme,
            lang,
            &not_found(lang),
            Place::Custom(&not_found),
            true,
        );
        let html = render_template(
            theme,
            "404.html",
            &Ctx {
                common,
                data: Empty {},
            },
        );
        if lang == default {
            add(&mut files, &mut problems, "404.html".into(), html.clone());
        }
        add(&mut files, &mut problems, not_found(lang), html);

        // Matrix.
        let path = &gen["matrix"];
        let common = Common::new(site, theme, lang, path, Place::Generated("matrix"), false);
        let root = common.root.clone();
        let steps: Vec<Link> = site
            .steps
            .iter()
            .map(|k| link(site, k, lang, &root))
            .collect();
        let rows = site
            .obstacles
            .iter()
            .map(|o| MatrixRow {
                obstacle: link(site, o, lang, &root),
                cells: site
                    .steps
                    .iter()
                    .zip(&steps)
                    .map(|(s, l)| site.entry(s).addresses.contains(&o.id).then(|| l.clone()))
                    .collect(),
            })
            .collect();
        add(
            &mut files,
            &mut problems,
            format!("{path}index.html"),
            render_template(
                theme,
                "matrix.html",
                &Ctx {
                    common,
                    data: Matrix { steps, rows },
                },
            ),
        );

        // Print view: the playbook in reading order on one page.
        match print_page(site, theme, lang, highlighter) {
            Ok(file) => files.push(file),
            Err(ds) => problems.extend(ds),
        }

        // Every page, grouped by section: the search page's no-JavaScript fallback.
        let path = &gen["pages"];
        let common = Common::new(site, theme, lang, path, Place::Generated("pages"), false);
        let root = common.root.clone();
        let mut groups = vec![PageGroup {
            title: site.title(&Key::home(), lang),
            url: format!("{root}{}", site.url(&Key::home(), lang)),
            pages: site
                .section_pages("")
                .iter()
                .map(|k| link(site, k, lang, &root))
                .collect(),
        }];
        for key in site.nav().into_iter().filter(|k| k.is_index()) {
            groups.push(PageGroup {
                title: site.title(&key, lang),
                url: format!("{root}{}", site.url(&key, lang)),
                pages: site
                    .section_pages(&key.section)
                    .iter()
                    .map(|k| link(site, k, lang, &root))
                    .collect(),
            });
        }
        add(
            &mut files,
            &mut problems,
            format!("{path}index.html"),
            render_template(
                theme,
                "pages.html",
                &Ctx {
                    common,
                    data: AllPages { groups },
                },
            ),
        );

        // Search page and its index.
        let path = &gen["search"];
        let common = Common::new(site, theme, lang, path, Place::Generated("search"), false);
        let index = format!("{}{lang}/search-index.js", common.root);
        add(
            &mut files,
            &mut problems,
            format!("{path}index.html"),
            render_template(
                theme,
                "search.html",
                &Ctx {
                    common,
                    data: SearchPage { index },
                },
            ),
        );
        files.push(search_index(site, lang, bodies));
    }

    let (redirects, alias_problems) = aliases(site, theme);
    problems.extend(alias_problems);
    files.extend(redirects);
    files.push(("sitemap.xml".into(), sitemap(site).into_bytes()));
    let robots = if site.settings.noindex {
        "User-agent: *\nDisallow: /\n".to_string()
    } else {
        format!(
            "User-agent: *\nAllow: /\nSitemap: {}\n",
            site.settings.absolute("sitemap.xml")
        )
    };
    files.push(("robots.txt".into(), robots.into_bytes()));
    if problems.has_errors() {
        Err(problems)
    } else {
        Ok(files)
    }
}

/// The search index script of one language, from the entries indexed with the bodies (a page
/// without a body of its own, such as a section without an `_index` file, is indexed here).
pub fn search_index(site: &Site, lang: &str, bodies: &crate::render::Bodies) -> (String, Vec<u8>) {
    // `bodies.search` is sorted by page then language, like `site.entries`: walk both at once.
    let mut indexed = bodies
        .search
        .iter()
        .filter(|((_, l), _)| l == lang)
        .peekable();
    let mut entries: Vec<std::borrow::Cow<str>> = Vec::with_capacity(site.entries.len());
    for key in site.entries.keys() {
        while indexed.next_if(|((k, _), _)| k < key).is_some() {}
        entries.push(match indexed.next_if(|((k, _), _)| k == key) {
            Some((_, line)) => std::borrow::Cow::Borrowed(line.as_str()),
            None => std::borrow::Cow::Owned(search_entry(site, key, lang, "")),
        });
    }
    (
        format!("{lang}/search-index.js"),
        script(entries.iter().map(|e| e.as_ref())).into_bytes(),
    )
}

/// A page's line of the search index, with the plain text of its body.
pub fn search_entry(site: &Site, key: &Key, lang: &str, text: &str) -> String {
    entry(&Doc {
        title: site.title(key, lang),
        section: key
            .parent()
            .map(|p| site.title(&p, lang))
            .unwrap_or_default(),
        url: site.url(key, lang).to_string(),
        text: format!("{} {text}", site.summary(key, lang).unwrap_or_default()),
    })
}

/// The print view of one language.
pub fn print_page(
    site: &Site,
    theme: &Theme,
    lang: &str,
    highlighter: &Highlighter,
) -> Result<(String, Vec<u8>), Diagnostics> {
    let path = &site.generated[lang]["print"];
    let common = Common::new(site, theme, lang, path, Place::Generated("print"), false);
    let mut problems = Diagnostics::default();
    let print = print_view(site, lang, highlighter, &mut problems);
    match render_template(
        theme,
        "print.html",
        &Ctx {
            common,
            data: print,
        },
    ) {
        Ok(html) if !problems.has_errors() => Ok((format!("{path}index.html"), html.into_bytes())),
        Ok(_) => Err(problems),
        Err(d) => {
            problems.push(d);
            Err(problems)
        }
    }
}

/// The sections the print view shows after the home page's introduction, with the top-level
/// pages after them.
const PRINT_SECTIONS: [&str; 2] = ["obstacles", "steps"];

/// Whether the print view shows (part of) this page.
pub fn in_print_view(key: &Key) -> bool {
    key.section.is_empty() || PRINT_SECTIONS.contains(&key.section.as_str())
}

/// Home intro, obstacles, steps and the other pages, bodies rendered again with heading ids
/// prefixed per page (so they stay unique on one page) and links made absolute for paper.
fn print_view(
    site: &Site,
    lang: &str,
    highlighter: &Highlighter,
    problems: &mut Diagnostics,
) -> PrintView {
    let root = site.settings.base_url.clone();
    let mut body = |key: &Key| -> String {
        let Some((shown_lang, t)) = site.entry(key).shown(lang, &site.languages) else {
            return String::new();
        };
        let prefix = if key.is_index() {
            format!(
                "{}-intro",
                if key.section.is_empty() {
                    "home"
                } else {
                    &key.section
                }
            )
        } else {
            key.id.clone()
        };
        let ctx = markdown::Context {
            site,
            lang,
            text_lang: shown_lang,
            root: &root,
            highlighter,
            id_prefix: &prefix,
        };
        let (body, ps) = markdown::render(t, &ctx);
        for p in ps {
            problems.push(p);
        }
        body.html
    };
    let mut page = |key: &Key| -> PrintPage {
        let entry = site.entry(key);
        let signals = match entry
            .shown(lang, &site.languages)
            .map(|(_, t)| &t.front.kind)
        {
            Some(crate::frontmatter::KindFront::Obstacle { signals }) => signals.clone(),
            _ => Vec::new(),
        };
        PrintPage {
            id: format!(
                "print-{}-{}",
                if key.section.is_empty() {
                    "page"
                } else {
                    &key.section
                },
                key.id
            ),
            title: site.title(key, lang),
            summary: site.summary(key, lang),
            number: entry.order,
            content: body(key),
            signals,
            addresses: entry
                .addresses
                .iter()
                .map(|id| link(site, &Key::new("obstacles", id), lang, &root))
                .collect(),
            addressed_by: site
                .addressed_by
                .get(&key.id)
                .filter(|_| key.section == "obstacles")
                .map(|ids| {
                    ids.iter()
                        .map(|id| link(site, &Key::new("steps", id), lang, &root))
                        .collect()
                })
                .unwrap_or_default(),
        }
    };
    let mut sections = Vec::new();
    for section in PRINT_SECTIONS {
        let key = Key::new(section, "_index");
        if site.entries.contains_key(&key) {
            let pages = site.section_pages(section).iter().map(&mut page).collect();
            sections.push(PrintSection {
                id: format!("print-{section}"),
                title: site.title(&key, lang),
                pages,
            });
        }
    }
    let others: Vec<PrintPage> = site.section_pages("").iter().map(&mut page).collect();
    if !others.is_empty() {
        sections.push(PrintSection {
            id: "print-more".into(),
            title: String::new(),
            pages: others,
        });
    }
    let intro = {
        let Some((shown_lang, t)) = site.entry(&Key::home()).shown(lang, &site.languages) else {
            return PrintView {
                intro: String::new(),
                sections,
            };
        };
        let ctx = markdown::Context {
            site,
            lang,
            text_lang: shown_lang,
            root: &root,
            highlighter,
            id_prefix: "home-intro",
        };
        let (body, ps) = markdown::render(t, &ctx);
        for p in ps {
            problems.push(p);
        }
        body.html
    };
    PrintView { intro, sections }
}

/// Redirect pages for the old URLs listed in pages' `aliases`, and Netlify's `_redirects`
/// (permanent redirects, served before any file).
fn aliases(site: &Site, theme: &Theme) -> (Vec<(String, Vec<u8>)>, Diagnostics) {
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
                let root = crate::render::root_for(&path);
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
fn sitemap(site: &Site) -> String {
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
    for name in ["matrix", "print", "pages", "search"] {
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
