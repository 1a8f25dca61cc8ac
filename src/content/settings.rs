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
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
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
