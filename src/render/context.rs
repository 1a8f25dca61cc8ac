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
    /// Who owns the playbook, whom to contact, when it was reviewed (the footer).
    pub(crate) owner: Option<OwnerView>,
}

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
                "checklist" => "checklist",
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
            owner: OwnerView::new(site, theme, lang),
            root,
        }
    }
}

/// Formats `2011-08-19` with the language's month names (`19 août 2011`).
pub(crate) fn long_date(date: &str, months: &str) -> String {
    let months: Vec<&str> = months.split(',').map(str::trim).collect();
    let parts: Vec<&str> = date.split('-').collect();
    let month = |m: &str| {
        m.parse::<usize>()
            .ok()
            .and_then(|m| months.get(m.wrapping_sub(1)).copied())
    };
    match parts.as_slice() {
        [y, m, d] => match month(m) {
            Some(name) => format!("{} {name} {y}", d.trim_start_matches('0')),
            None => date.to_string(),
        },
        [y, m] => month(m).map_or_else(|| date.to_string(), |name| format!("{name} {y}")),
        _ => date.to_string(),
    }
}
/// The footer's line about the playbook's owner and review (`[owner]` in `content/site.toml`),
/// in one language; each part only when it is set.
#[derive(Debug, Serialize)]
pub(crate) struct OwnerView {
    name: Option<String>,
    contact_url: Option<String>,
    contact_text: Option<String>,
    last_reviewed: Option<String>,
    last_reviewed_iso: Option<String>,
    /// "reviewed every 6 months; next review: May 2027".
    cycle: Option<String>,
    /// The same, as a sentence of its own (when no date is given).
    cycle_alone: Option<String>,
}

impl OwnerView {
    fn new(site: &Site, theme: &Theme, lang: &str) -> Option<OwnerView> {
        let owner = &site.settings.owner;
        let string = |key: &str| theme.string(lang, key);
        let months = string("months");
        let name = owner
            .name
            .get(lang)
            .or_else(|| owner.name.get(site.settings.default_language()))
            .cloned();
        let contact_text = owner
            .contact
            .as_ref()
            .map(|c| match c.strip_prefix("mailto:") {
                Some(address) => address.split('?').next().unwrap_or(address).to_string(),
                None => string("footer_contact_page").to_string(),
            });
        let cycle = owner.review_every_months.map(|n| {
            let every = if n == 1 {
                string("footer_review_monthly").to_string()
            } else {
                string("footer_review_cycle").replace("{n}", &n.to_string())
            };
            match owner.next_review() {
                Some(next) => format!(
                    "{every}{}{}",
                    string("footer_review_separator"),
                    string("footer_next_review").replace("{date}", &long_date(&next, months))
                ),
                None => every,
            }
        });
        let view = OwnerView {
            name,
            contact_url: owner.contact.clone(),
            contact_text,
            last_reviewed: owner.last_reviewed.as_deref().map(|d| long_date(d, months)),
            last_reviewed_iso: owner.last_reviewed.clone(),
            cycle_alone: cycle.as_deref().map(|c| {
                let mut chars = c.chars();
                chars
                    .next()
                    .map(|f| f.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            }),
            cycle,
        };
        (view.name.is_some()
            || view.contact_url.is_some()
            || view.last_reviewed.is_some()
            || view.cycle.is_some())
        .then_some(view)
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
    fn long_dates_in_the_language() {
        let fr = "janvier, février, mars, avril, mai, juin, juillet, août, septembre, octobre, novembre, décembre";
        assert_eq!(long_date("2011-08-19", fr), "19 août 2011");
        assert_eq!(long_date("2014-09", fr), "septembre 2014");
        assert_eq!(long_date("2014", fr), "2014");
    }

    #[test]
    fn roots_climb_to_the_site() {
        assert_eq!(root_for("fr/etapes/champion/"), "../../../");
        assert_eq!(root_for(""), "");
    }
}
