//! Page context: what every template receives whatever the page (`Common`: language, links
//! to the site root and the generated pages, the navigation with the current section and its
//! pages, the language switch, assets) and the small link types the pages share (`Link`,
//! `LangLink`, `NavItem`), plus `render_template`, which turns a serialisable context into HTML
//! with errors located in the template. Content pages, generated pages and the diagnostic all
//! build on it; it calls none of them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// An entry of the site navigation: a section (or a top-level page, or a generated page).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NavItem {
    pub(crate) title: String,
    pub(crate) url: String,
    /// The page is in this section (or is this page).
    pub(crate) current: bool,
    /// The page is this entry itself (the section's index, or the top-level page).
    pub(crate) here: bool,
    /// The section's pages in reading order, only for the current section (the side
    /// navigation); a very long section shows a window around the current page.
    pub(crate) pages: Vec<NavPage>,
    /// How many pages the section has (more than `pages` holds when it is a window).
    pub(crate) total: usize,
}

/// A page of the current section in the side navigation.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NavPage {
    pub(crate) title: String,
    pub(crate) url: String,
    /// The step number, for steps.
    pub(crate) number: Option<i64>,
    pub(crate) current: bool,
}

/// Most pages of one section the side navigation lists: past that, a window around the
/// current page and a link to the section's index (a list of hundreds of links helps no one
/// and would weigh on every page of the section; the menu's copy of the navigation lists a
/// section's pages only up to a dozen).
const SECTION_NAV_MAX: usize = 30;

/// The generated pages the navigation lists after the sections, with their title's string.
const TOOLS: [(&str, &str); 4] = [
    ("matrix", "matrix_title"),
    ("print", "print_title"),
    ("checklist", "checklist_title"),
    ("pages", "pages_title"),
];

/// Orderings every page needs (the navigation, each section's pages in reading order and
/// where each page stands in it), worked out once per render: asking the `Site` for them page
/// by page costs a scan and a sort of every page, for every page.
pub(crate) struct Lists {
    nav: Vec<Key>,
    sections: BTreeMap<String, Vec<Key>>,
    position: HashMap<Key, usize>,
}

impl Lists {
    pub(crate) fn new(site: &Site) -> Lists {
        let mut sections = BTreeMap::new();
        let mut position = HashMap::new();
        let names: BTreeSet<&str> = site.entries.keys().map(|k| k.section.as_str()).collect();
        for section in names {
            let pages = site.section_pages(section);
            for (i, key) in pages.iter().enumerate() {
                position.insert(key.clone(), i);
            }
            sections.insert(section.to_string(), pages);
        }
        Lists {
            nav: site.nav(),
            sections,
            position,
        }
    }

    /// The pages of a section in reading order (as `Site::section_pages`).
    pub(crate) fn section(&self, section: &str) -> &[Key] {
        self.sections.get(section).map_or(&[], Vec::as_slice)
    }

    /// Where a page stands in its section's reading order.
    pub(crate) fn position(&self, key: &Key) -> Option<usize> {
        self.position.get(key).copied()
    }
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
    /// The sections and top-level pages; the current one holds its pages.
    pub(crate) nav: Vec<NavItem>,
    /// The generated pages listed after the sections (matrix, print view, checklist, all pages).
    pub(crate) tools: Vec<NavItem>,
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
    /// The site's Content-Security-Policy, for `<meta http-equiv>`.
    pub(crate) csp: &'static str,
}

/// The Content-Security-Policy every page carries in a `<meta http-equiv>`, so that it holds on
/// any host (Netlify also sends it as a header, with `frame-ancestors`, which a meta tag
/// cannot set): nothing but the site's own files, no plugins, no foreign `<base>` or form
/// target.
pub(crate) const CSP: &str =
    "default-src 'self'; base-uri 'self'; form-action 'self'; object-src 'none'";

/// Where a page is: a content page, a generated page, or another page (the language chooser,
/// the 404, the diagnostic's own pages) given by its site path in each language and the
/// section it belongs to, if any (marked in the navigation).
#[derive(Clone, Copy)]
pub(crate) enum Place<'a> {
    Page(&'a Key),
    Generated(&'a str),
    Custom(&'a dyn Fn(&str) -> String, Option<&'a Key>),
}

impl Place<'_> {
    /// The navigation entry this place belongs to: a section's index or a top-level page.
    fn nav_key(&self) -> Option<Key> {
        match self {
            Place::Page(key) if **key == Key::home() => None,
            Place::Page(key) if key.section.is_empty() => Some((*key).clone()),
            Place::Page(key) => Some(Key::new(&key.section, "_index")),
            Place::Custom(_, section) => section.cloned(),
            Place::Generated(_) => None,
        }
    }
}

/// `../` repeated once per folder level of a site path, so links work under any base path and
/// from `file://`.
pub(crate) fn root_for(url: &str) -> String {
    "../".repeat(url.matches('/').count())
}

impl<'a> Common<'a> {
    /// What the template of the generated page `name` (`matrix`, `print`…) receives: its
    /// address is the one the settings give it in `lang`.
    pub(crate) fn generated(
        site: &'a Site,
        theme: &'a Theme,
        lang: &'a str,
        name: &str,
        lists: &Lists,
    ) -> Common<'a> {
        let path = site.generated[lang].get(name).map_or("", String::as_str);
        Common::with_lists(
            site,
            theme,
            lang,
            path,
            Place::Generated(name),
            false,
            lists,
        )
    }

    /// What a page's template receives, with the site's orderings worked out once per render.
    pub(crate) fn with_lists(
        site: &'a Site,
        theme: &'a Theme,
        lang: &'a str,
        path: &str,
        place: Place,
        absolute_root: bool,
        lists: &Lists,
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
                Place::Custom(f, _) => Some(f(l)),
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
        let current_section = place.nav_key();
        let this_page = match place {
            Place::Page(key) => Some(key),
            _ => None,
        };
        let nav = lists
            .nav
            .iter()
            .map(|k| {
                let current = current_section.as_ref() == Some(k);
                let all = if current && k.is_index() {
                    lists.section(&k.section)
                } else {
                    &[]
                };
                let shown = window(all, this_page.and_then(|p| lists.position(p)));
                NavItem {
                    title: site.title(k, lang),
                    url: format!("{root}{}", site.url(k, lang)),
                    current,
                    here: this_page == Some(k),
                    pages: shown
                        .iter()
                        .map(|p| NavPage {
                            title: site.title(p, lang),
                            url: format!("{root}{}", site.url(p, lang)),
                            number: site.entry(p).order,
                            current: this_page == Some(p),
                        })
                        .collect(),
                    total: all.len(),
                }
            })
            .collect();
        let tools = TOOLS
            .iter()
            .filter_map(|(name, title)| {
                site.generated[lang].get(*name).map(|url| NavItem {
                    title: theme.string(lang, title).to_string(),
                    url: format!("{root}{url}"),
                    current: matches!(place, Place::Generated(g) if g == *name),
                    here: matches!(place, Place::Generated(g) if g == *name),
                    pages: Vec::new(),
                    total: 0,
                })
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
            tools,
            languages,
            canonical: site.settings.absolute(path),
            alternates,
            noindex: site.settings.noindex,
            links,
            owner: OwnerView::new(site, theme, lang),
            root,
            csp: CSP,
        }
    }
}

/// The part of a section's pages the side navigation lists: all of them, or at most
/// `SECTION_NAV_MAX` around the page at `at` (from the start when the page is not among them).
fn window(pages: &[Key], at: Option<usize>) -> &[Key] {
    if pages.len() <= SECTION_NAV_MAX {
        return pages;
    }
    let at = at.filter(|&i| i < pages.len()).unwrap_or(0);
    let start = at
        .saturating_sub(SECTION_NAV_MAX / 2)
        .min(pages.len() - SECTION_NAV_MAX);
    &pages[start..start + SECTION_NAV_MAX]
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
    fn long_sections_show_a_window_around_the_page() {
        let keys: Vec<Key> = (0..100).map(|i| Key::new("s", &i.to_string())).collect();
        assert_eq!(window(&keys[..10], Some(3)).len(), 10);
        let w = window(&keys, Some(50));
        assert_eq!((w.len(), w[0].id.as_str()), (SECTION_NAV_MAX, "35"));
        assert_eq!(window(&keys, Some(99))[0].id, "70");
        assert_eq!(window(&keys, None)[0].id, "0");
    }

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
