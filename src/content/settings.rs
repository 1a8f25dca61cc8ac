//! Site settings. Reads the one small TOML file `content/site.toml` (every key has a default,
//! and a site without the file builds) into `Settings`, the first typed value of the pipeline.
//! Unknown keys are errors with "did you mean"; the command line may override the base URL.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::content::frontmatter::toml_error;
use crate::errors::{Diagnostic, Diagnostics, Failure, Fatal};

pub(crate) const SETTINGS_FILE: &str = "content/site.toml";

/// Everything a build needs to know about the site as a whole.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Settings {
    /// Site languages, the first being the default unless `default_language` says otherwise.
    pub(crate) languages: Vec<String>,
    pub(crate) default_language: Option<String>,
    /// Site title per language.
    pub(crate) title: BTreeMap<String, String>,
    /// One-sentence description per language (meta description).
    pub(crate) description: BTreeMap<String, String>,
    /// Where the site is published; a path part (`/playbook/`) is honoured in every link.
    pub(crate) base_url: String,
    /// Folder name under `themes/`.
    pub(crate) theme: String,
    /// Ask search engines not to index the site (intranet default).
    pub(crate) noindex: bool,
    pub(crate) diagnostic: DiagnosticLimits,
    /// Works the content draws on, cited by id from pages' `sources`.
    pub(crate) sources: BTreeMap<String, Source>,
    /// Address of a content file in the repository's web editor, `{path}` standing for the
    /// file's path from the site folder (`content/steps/champion.fr.md`): every page built
    /// from a file links to it ("edit this page").
    pub(crate) edit_url: Option<String>,
    /// Who owns the playbook and when it was last reviewed (every page's footer).
    pub(crate) owner: Owner,
}

/// The `[owner]` table: every key optional; the footer shows what is given.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct Owner {
    /// The owner's name per language (a team rather than a person).
    pub(crate) name: BTreeMap<String, String>,
    /// Whom to contact: `mailto:…`, `https://…` or a path on the site.
    pub(crate) contact: Option<String>,
    /// `YYYY-MM-DD`.
    pub(crate) last_reviewed: Option<String>,
    /// The review cycle, in months.
    pub(crate) review_every_months: Option<i64>,
}

impl Owner {
    /// The month the next review is due (`YYYY-MM`), from the last review and the cycle.
    pub(crate) fn next_review(&self) -> Option<String> {
        let (y, m, _) = parse_date(self.last_reviewed.as_deref()?)?;
        let months = self.review_every_months?;
        let total = i64::from(y) * 12 + i64::from(m) - 1 + months;
        Some(format!(
            "{:04}-{:02}",
            total.div_euclid(12),
            total.rem_euclid(12) + 1
        ))
    }
}

/// `YYYY-MM-DD` as (year, month, day), if it is a real date.
pub(crate) fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let mut parts = s.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=days).contains(&d).then_some((y, m, d))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct DiagnosticLimits {
    /// Most answer-path pages per language.
    pub(crate) max_paths: usize,
    /// Most questions on one path.
    pub(crate) max_depth: usize,
}

impl Default for DiagnosticLimits {
    fn default() -> Self {
        DiagnosticLimits {
            max_paths: 500,
            max_depth: 12,
        }
    }
}

/// A cited work.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Source {
    pub(crate) author: String,
    pub(crate) title: String,
    pub(crate) publication: String,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub(crate) date: String,
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// A remark per language, such as who relayed the text.
    #[serde(default)]
    pub(crate) note: BTreeMap<String, String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            languages: vec!["fr".into(), "en".into()],
            default_language: None,
            title: BTreeMap::new(),
            description: BTreeMap::new(),
            base_url: "/".into(),
            theme: "default".into(),
            noindex: true,
            diagnostic: DiagnosticLimits::default(),
            sources: BTreeMap::new(),
            edit_url: None,
            owner: Owner::default(),
        }
    }
}

impl Settings {
    /// Reads `content/site.toml` under `root`, or the defaults when it does not exist.
    pub(crate) fn load(root: &Path, base_url: Option<&str>) -> Result<Settings, Failure> {
        let path = root.join(SETTINGS_FILE);
        let mut settings = match std::fs::read(&path) {
            Ok(bytes) => {
                let text = String::from_utf8(bytes).map_err(|_| {
                    Diagnostics::from(Diagnostic::file(
                        SETTINGS_FILE,
                        "the settings file is not valid UTF-8; save it as UTF-8",
                    ))
                })?;
                let text = text.trim_start_matches('\u{feff}').replace("\r\n", "\n");
                let settings: Settings = toml::from_str(&text)
                    .map_err(|e| Diagnostics::from(toml_error(SETTINGS_FILE, &text, 0, &e)))?;
                settings.validate(&text)?;
                settings
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Settings::default(),
            Err(e) => return Err(Fatal(format!("cannot read `{SETTINGS_FILE}`: {e}")).into()),
        };
        if let Some(url) = base_url {
            settings.base_url = url.to_string();
        }
        if !settings.base_url.ends_with('/') {
            settings.base_url.push('/');
        }
        Ok(settings)
    }

    fn validate(&self, text: &str) -> Result<(), Diagnostics> {
        let at = |key: &str, msg: String| {
            let off = text.find(key).unwrap_or(0);
            Diagnostic::at(SETTINGS_FILE, text, off, key.len(), msg)
        };
        let mut problems = Diagnostics::default();
        if self.languages.is_empty() {
            problems.push(at(
                "languages",
                "`languages` is empty; list at least one, e.g. [\"fr\", \"en\"]".into(),
            ));
        }
        for lang in &self.languages {
            if lang.len() < 2 || !lang.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                problems.push(at(
                    lang,
                    format!("`{lang}` is not a language code; use codes such as \"fr\" or \"en\""),
                ));
            }
        }
        if let Some(default) = &self.default_language {
            if !self.languages.contains(default) {
                problems.push(at(
                    "default_language",
                    format!(
                        "default language `{default}` is not in `languages` ({})",
                        self.languages.join(", ")
                    ),
                ));
            }
        }
        for map in [&self.title, &self.description] {
            for lang in map.keys() {
                if !self.languages.contains(lang) {
                    problems.push(at(
                        lang,
                        format!(
                            "`{lang}` is not one of the site's languages ({})",
                            self.languages.join(", ")
                        ),
                    ));
                }
            }
        }
        if let Some(url) = &self.edit_url {
            let web = url.starts_with("https://") || url.starts_with("http://");
            if !web || !url.contains("{path}") {
                problems.push(
                    at(
                        "edit_url",
                        format!("`edit_url` must be a web address with `{{path}}` where the file's path goes, not `{url}`"),
                    )
                    .help("e.g. edit_url = \"https://gitlab.example/communication/playbook/-/edit/main/{path}\""),
                );
            }
        }
        self.validate_owner(text, &mut problems);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The `[owner]` table: known languages, a usable contact, a real date, a sensible cycle.
    fn validate_owner(&self, text: &str, problems: &mut Diagnostics) {
        // Located within the table: its keys may repeat words used elsewhere in the file.
        let table = text.find("[owner]").unwrap_or(0);
        let at = |key: &str, needle: &str, msg: String| {
            let from = text[table..]
                .find(&format!("{key} "))
                .or_else(|| text[table..].find(key))
                .map_or(table, |i| table + i);
            let off = text[from..].find(needle).map_or(from, |i| from + i);
            let len = if off == from { key.len() } else { needle.len() };
            Diagnostic::at(SETTINGS_FILE, text, off, len, msg)
        };
        let owner = &self.owner;
        for lang in owner.name.keys() {
            if !self.languages.contains(lang) {
                problems.push(
                    at(
                        "name",
                        &format!("{lang} ="),
                        format!("`{lang}` is not one of the site's languages ({})", self.languages.join(", ")),
                    )
                    .help("give the owner's name in the site's languages, e.g. `name = { fr = \"Équipe communication\", en = \"Communications team\" }`"),
                );
            }
        }
        if let Some(contact) = &owner.contact {
            let ok = ["mailto:", "https://", "http://", "/"]
                .iter()
                .any(|p| contact.starts_with(p) && contact.len() > p.len())
                && !contact.contains(char::is_whitespace);
            if !ok {
                problems.push(
                    at("contact", contact, format!("contact `{contact}` is not an address readers can follow"))
                        .help("write `mailto:team@example.com`, an `https://` address, or a path on the intranet starting with `/`"),
                );
            }
        }
        if let Some(date) = &owner.last_reviewed {
            if parse_date(date).is_none() {
                problems.push(
                    at(
                        "last_reviewed",
                        date,
                        format!("`last_reviewed` is `{date}`, not a date"),
                    )
                    .help("write the date as YYYY-MM-DD, e.g. `last_reviewed = \"2026-11-15\"`"),
                );
            }
        }
        if let Some(months) = owner.review_every_months {
            if !(1..=120).contains(&months) {
                problems.push(
                    at(
                        "review_every_months",
                        &months.to_string(),
                        format!(
                            "`review_every_months` is {months}; a review cycle is 1 to 120 months"
                        ),
                    )
                    .help("e.g. `review_every_months = 6` for a review twice a year"),
                );
            }
        }
    }

    pub(crate) fn default_language(&self) -> &str {
        self.default_language
            .as_deref()
            .unwrap_or(&self.languages[0])
    }

    /// The path part of the base URL, always starting and ending with `/`.
    pub(crate) fn base_path(&self) -> String {
        let after_scheme = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, rest)| rest);
        let path = if self.base_url.contains("://") {
            after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
        } else {
            after_scheme
        };
        let mut path = path.to_string();
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        if !path.ends_with('/') {
            path.push('/');
        }
        path
    }

    /// Absolute URL of a site path (`fr/steps/`), for canonical links and the sitemap.
    pub(crate) fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// The site title in `lang`, falling back to the default language, then a neutral name.
    pub(crate) fn title(&self, lang: &str) -> String {
        self.title
            .get(lang)
            .or_else(|| self.title.get(self.default_language()))
            .cloned()
            .unwrap_or_else(|| "Playbook".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_review_cycle() {
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("15/11/2026"), None);
        let owner = Owner {
            last_reviewed: Some("2026-11-15".into()),
            review_every_months: Some(6),
            ..Owner::default()
        };
        assert_eq!(owner.next_review().as_deref(), Some("2027-05"));
        let owner = Owner {
            review_every_months: Some(1),
            last_reviewed: Some("2026-12-01".into()),
            ..owner
        };
        assert_eq!(owner.next_review().as_deref(), Some("2027-01"));
    }

    #[test]
    fn base_path_from_urls() {
        let mut s = Settings::default();
        for (url, path) in [
            ("/", "/"),
            ("https://intranet.example/playbook/", "/playbook/"),
            ("https://intranet.example", "/"),
            ("/docs", "/docs/"),
        ] {
            s.base_url = url.into();
            assert_eq!(s.base_path(), path, "{url}");
        }
    }
}
