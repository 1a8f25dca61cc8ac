//! Page context: what every template receives whatever the page (`Common`: language, links
//! to the site root and the generated pages, navigation, the language switch, assets) and the
//! small link types the pages share (`Link`, `LangLink`, `NavItem`), plus `render_template`,
//! which turns a serialisable context into HTML with errors located in the template. Content
//! pages, generated pages and the diagnostic all build on it; it calls none of them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::discover::DIAGNOSTIC_SECTION;
use crate::content::model::{Key, Site};
use crate::errors::Diagnostic;
use crate::render::theme::Theme;

/// A link to a page, with what a card shows.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Link {
    pub(crate) title: String,
    pub(crate) url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct LangLink {
    pub(crate) lang: String,
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) current: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct NavItem {
    pub(crate) title: String,
    pub(crate) url: String,
    pub(crate) current: bool,
}

/// What every page's template receives.
#[derive(Debug, Serialize)]
pub(crate) struct Common<'a> {
    pub(crate) lang: &'a str,
    pub(crate) root: String,
    pub(crate) t: &'a BTreeMap<String, String>,
    pub(crate) site_title: String,
    pub(crate) site_description: String,
    /// Published asset URLs by logical name, relative to this page.
    pub(crate) assets: BTreeMap<&'a str, String>,
    pub(crate) nav: Vec<NavItem>,
    /// This page in every language.
    pub(crate) languages: Vec<LangLink>,
    pub(crate) canonical: String,
    /// Absolute URLs of this page per language, for `<link rel="alternate" hreflang>`.
    pub(crate) alternates: Vec<LangLink>,
    pub(crate) noindex: bool,
    /// Generated pages and the home page, relative to this page.
    pub(crate) links: BTreeMap<&'static str, String>,
    /// The site's Content-Security-Policy, for `<meta http-equiv>`.
    pub(crate) csp: &'static str,
}

/// The Content-Security-Policy every page carries in a `<meta http-equiv>`, so that it holds on
/// any host (Netlify also sends it as a header, with `frame-ancestors`, which a meta tag
/// cannot set): nothing but the site's own files, no plugins, no foreign `<base>` or form
/// target.
pub(crate) const CSP: &str =
    "default-src 'self'; base-uri 'self'; form-action 'self'; object-src 'none'";

/// Where a page is: a content page, a generated page, or the language chooser.
#[derive(Clone, Copy)]
pub(crate) enum Place<'a> {
    Page(&'a Key),
    Generated(&'a str),
    Custom(&'a dyn Fn(&str) -> String),
}

/// `../` repeated once per folder level of a site path, so links work under any base path and
/// from `file://`.
pub(crate) fn root_for(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

impl<'a> Common<'a> {
    pub(crate) fn new(
        site: &'a Site,
        theme: &'a Theme,
        lang: &'a str,
        path: &str,
        place: Place,
        absolute_root: bool,
    ) -> Common<'a> {
        Self::with_nav(site, theme, lang, path, place, absolute_root, &site.nav())
    }

    /// `new`, with the navigation already worked out.
    pub(crate) fn with_nav(
        site: &'a Site,
        theme: &'a Theme,
        lang: &'a str,
        path: &str,
        place: Place,
        absolute_root: bool,
        nav: &[Key],
    ) -> Common<'a> {
        let root = if absolute_root {
            site.settings.base_path()
        } else {
            root_for(path)
        };
        let url_in = |l: &str| -> Option<String> {
            match place {
                Place::Page(key) => Some(site.url(key, l).to_string()),
                Place::Generated(name) => site.generated[l].get(name).cloned(),
                Place::Custom(f) => Some(f(l)),
            }
        };
        let languages = site
            .languages
            .iter()
            .filter_map(|l| {
                url_in(l).map(|u| LangLink {
                    lang: l.clone(),
                    name: theme.string(l, "language_name").to_string(),
                    url: format!("{root}{u}"),
                    current: l == lang,
                })
            })
            .collect();
        let alternates = site
            .languages
            .iter()
            .filter_map(|l| {
                url_in(l).map(|u| LangLink {
                    lang: l.clone(),
                    name: theme.string(l, "language_name").to_string(),
                    url: site.settings.absolute(&u),
                    current: l == lang,
                })
            })
            .collect();
        let current_section = match place {
            Place::Page(key) => Some(if key.section.is_empty() {
                key.clone()
            } else {
                Key::new(&key.section, "_index")
            }),
            _ => None,
        };
        let nav = nav
            .iter()
            .map(|k| NavItem {
                title: site.title(k, lang),
                url: format!("{root}{}", site.url(k, lang)),
                current: current_section.as_ref() == Some(k),
            })
            .collect();
        let mut links = BTreeMap::new();
        links.insert("home", format!("{root}{}", site.url(&Key::home(), lang)));
        for (name, url) in &site.generated[lang] {
            let name: &'static str = match name.as_str() {
                "search" => "search",
                "matrix" => "matrix",
                "print" => "print",
                "pages" => "pages",
                _ => continue,
            };
            links.insert(name, format!("{root}{url}"));
        }
        if let Some(url) = site
            .entries
            .get(&Key::new(DIAGNOSTIC_SECTION, "_index"))
            .map(|e| &e.urls[lang])
        {
            links.insert("diagnostic", format!("{root}{url}"));
        }
        Common {
            lang,
            t: &theme.strings[lang],
            site_title: site.settings.title(lang),
            site_description: site
                .settings
                .description
                .get(lang)
                .cloned()
                .unwrap_or_default(),
            assets: theme
                .assets
                .iter()
                .map(|(k, v)| (k.as_str(), format!("{root}{v}")))
                .collect(),
            nav,
            languages,
            canonical: site.settings.absolute(path),
            alternates,
            noindex: site.settings.noindex,
            links,
            root,
            csp: CSP,
        }
    }
}

/// A generated page's context: what every page receives and the page's own data, side by side.
#[derive(Serialize)]
pub(crate) struct Ctx<'a, T: Serialize> {
    #[serde(flatten)]
    pub(crate) common: Common<'a>,
    #[serde(flatten)]
    pub(crate) data: T,
}

/// The data of a page that shows nothing of its own.
#[derive(Serialize)]
pub(crate) struct Empty {}

/// Renders a template with a serialisable context; errors point into the template.
pub(crate) fn render_template<T: Serialize>(
    theme: &Theme,
    template: &str,
    ctx: &T,
) -> Result<String, Diagnostic> {
    let context = tera::Context::from_serialize(ctx).map_err(|e| theme.template_error(&e))?;
    theme
        .tera
        .render(template, &context)
        .map_err(|e| theme.template_error(&e))
}

/// A card linking to another page, from this page.
pub(crate) fn link(site: &Site, key: &Key, lang: &str, root: &str) -> Link {
    let entry = site.entry(key);
    Link {
        title: site.title(key, lang),
        url: format!("{root}{}", site.url(key, lang)),
        summary: site.summary(key, lang),
        number: entry.order,
        id: Some(key.id.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_climb_to_the_site() {
        assert_eq!(root_for("fr/etapes/champion/"), "../../../");
        assert_eq!(root_for(""), "");
    }
}
