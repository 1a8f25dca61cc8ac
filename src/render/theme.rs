//! The theme: `themes/<name>/templates/*.html` (Tera), `themes/<name>/static/` (copied to the
//! site, CSS and JS fingerprinted as `style.<hash>.css` so they can be cached forever) and
//! `themes/<name>/i18n/<lang>.toml` (the interface strings per language; a string missing in
//! one language is an error). Template errors are reported against the template file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::content::discover::is_temporary;
use crate::content::fnv1a;
use crate::content::frontmatter::toml_error;
use crate::content::model::{ui_string, Strings};
use crate::content::settings::Settings;
use crate::errors::{did_you_mean, Diagnostic, Diagnostics, Failure, Fatal};

/// Strings the generator itself needs from every language file.
pub(crate) const REQUIRED_STRINGS: [&str; 15] = [
    "slug_search",
    "slug_matrix",
    "slug_print",
    "slug_pages",
    "slug_checklist",
    "months",
    // Markdown: callout labels, attachment sizes.
    "callout_note",
    "callout_tip",
    "callout_important",
    "callout_warning",
    "callout_caution",
    "size_bytes",
    "size_kb",
    "size_mb",
    "decimal_separator",
];

pub(crate) struct Theme {
    pub(crate) tera: tera::Tera,
    /// lang → key → string.
    pub(crate) strings: Strings,
    /// Logical asset name (`style.css`) → published name (`style.1f2e3d4c.css`).
    pub(crate) assets: BTreeMap<String, String>,
    /// Files to publish at the site root: path → bytes.
    pub(crate) files: BTreeMap<String, Vec<u8>>,
    /// Template name → (path relative to the site root, source), to locate template errors.
    sources: BTreeMap<String, (String, String)>,
}

impl Theme {
    pub(crate) fn load(root: &Path, settings: &Settings) -> Result<Theme, Failure> {
        let dir = root.join("themes").join(&settings.theme);
        if !dir.is_dir() {
            return Err(Fatal(format!(
                "theme `{}` not found: expected a folder `themes/{}/` in `{}`",
                settings.theme,
                settings.theme,
                root.display()
            ))
            .into());
        }
        let rel_dir = format!("themes/{}", settings.theme);
        let mut problems = Diagnostics::default();

        let strings = load_strings(&dir, &rel_dir, settings, &mut problems)?;

        let mut sources = BTreeMap::new();
        for (name, path) in files_under(&dir.join("templates"))? {
            if !name.ends_with(".html")
                && !name.ends_with(".xml")
                && !name.ends_with(".txt")
                && !name.ends_with(".json")
            {
                continue;
            }
            let source = read_text(&path, &format!("{rel_dir}/templates/{name}"), &mut problems)?;
            sources.insert(
                name.clone(),
                (format!("{rel_dir}/templates/{name}"), source),
            );
        }

        let mut files = BTreeMap::new();
        let mut assets = BTreeMap::new();
        for (name, path) in files_under(&dir.join("static"))? {
            let mut bytes = std::fs::read(&path)
                .map_err(|e| Fatal(format!("cannot read `{}`: {e}", path.display())))?;
            if name == "style.css" {
                bytes.extend_from_slice(crate::render::highlight::stylesheet().as_bytes());
            }
            let published = match name.rsplit_once('.') {
                Some((stem, ext)) if ext == "css" || ext == "js" => {
                    format!("assets/{stem}.{:08x}.{ext}", fnv1a(&bytes) as u32)
                }
                _ => name.clone(),
            };
            assets.insert(name, published.clone());
            files.insert(published, bytes);
        }

        let mut tera = tera::Tera::new();
        tera.autoescape_on(vec![".html", ".xml"]);
        let mut theme = Theme {
            tera,
            strings,
            assets,
            files,
            sources,
        };
        let templates: Vec<(String, String)> = theme
            .sources
            .iter()
            .map(|(n, (_, s))| (n.clone(), s.clone()))
            .collect();
        if let Err(e) = theme.tera.add_raw_templates(templates) {
            for d in theme.template_errors(&e) {
                problems.push(d);
            }
        }
        if problems.is_empty() {
            Ok(theme)
        } else {
            Err(problems.into())
        }
    }

    /// An interface string; `load` guarantees the required ones exist in every language.
    pub(crate) fn string(&self, lang: &str, key: &str) -> &str {
        ui_string(&self.strings, lang, key)
    }

    /// A Tera error as a diagnostic pointing into the template file.
    pub(crate) fn template_error(&self, e: &tera::Error) -> Diagnostic {
        self.template_errors(e).swap_remove(0)
    }

    /// A Tera error as diagnostics pointing into the template files: loading the templates
    /// reports every unknown filter, test, function or included template at once.
    pub(crate) fn template_errors(&self, e: &tera::Error) -> Vec<Diagnostic> {
        let report = match e.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
            _ => None,
        };
        if let Some(r) = report {
            if let Some((file, source)) = self.sources.get(r.filename()) {
                let span = r.span();
                let offset = crate::errors::offset_of(source, span.start_line, span.start_col + 1);
                let len = span.range.end.saturating_sub(span.range.start).max(1);
                return vec![located(file, source, offset, len, r.message())];
            }
        }
        // Checks made once every template is loaded come as text: Tera's own reports, each
        // `error: <message>` then `--> <template>:<line>:<column>` and the underlined line.
        if let tera::ErrorKind::Msg(text) = e.kind() {
            let found: Vec<Diagnostic> = text_reports(text)
                .into_iter()
                .filter_map(|(message, name, line, column, width)| {
                    let (file, source) = self.sources.get(&name)?;
                    let offset = crate::errors::offset_of(source, line, column);
                    Some(located(file, source, offset, width, &message))
                })
                .collect();
            if !found.is_empty() {
                return found;
            }
        }
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        vec![Diagnostic::file(
            "themes",
            format!("template error: {message}"),
        )]
    }
}

/// A template problem at `offset` of a template's source. Tera's "not defined" messages list
/// every name available (the interface strings are dozens): keep the closest one instead.
fn located(file: &str, source: &str, offset: usize, len: usize, message: &str) -> Diagnostic {
    let d = Diagnostic::at(file, source, offset, len, message);
    let help = "fix the template; the content is fine";
    let Some((head, list)) = message
        .split_once(" Available fields: ")
        .or_else(|| message.split_once(" Available variables: "))
    else {
        return d.help(help);
    };
    let mut d = Diagnostic {
        message: head.trim_end_matches('.').to_string(),
        ..d
    };
    let name = head.split('`').nth(1).unwrap_or("");
    if let Some(best) = did_you_mean(name, list.split(", ")) {
        d.message.push_str(&format!("; did you mean `{best}`?"));
    }
    let before = &source[..offset];
    if before.ends_with("t.")
        && !before[..before.len() - 2]
            .ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '.')
    {
        let dir = file.split("/templates/").next().unwrap_or("themes");
        return d.help(format!(
            "`t.{name}` is an interface string: add `{name} = \"…\"` to every file in `{dir}/i18n/`"
        ));
    }
    d.help(help)
}

/// The reports in a text of Tera's: (message, template name, line, column, underline width).
fn text_reports(text: &str) -> Vec<(String, String, usize, usize, usize)> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some(message) = line.strip_prefix("error: ") else {
            continue;
        };
        let Some(locus) = lines.get(i + 1).and_then(|l| l.trim().strip_prefix("--> ")) else {
            continue;
        };
        let mut parts = locus.rsplitn(3, ':');
        let (Some(column), Some(line_no), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(column), Ok(line_no)) = (column.parse(), line_no.parse()) else {
            continue;
        };
        let width = lines
            .get(i + 4)
            .map_or(1, |l| l.matches('^').count().max(1));
        out.push((
            message.to_string(),
            name.to_string(),
            line_no,
            column,
            width,
        ));
    }
    out
}

fn read_text(path: &Path, rel: &str, problems: &mut Diagnostics) -> Result<String, Fatal> {
    let bytes = std::fs::read(path).map_err(|e| Fatal(format!("cannot read `{rel}`: {e}")))?;
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s.replace("\r\n", "\n")),
        Err(_) => {
            problems.push(Diagnostic::file(rel, "not valid UTF-8; save it as UTF-8"));
            Ok(String::new())
        }
    }
}

/// Files under `dir`, sorted, as (path with `/` relative to `dir`, full path).
fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>, Fatal> {
    let mut out = Vec::new();
    if !dir.is_dir() {
        return Ok(out);
    }
    let walker = WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_temporary(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = entry.map_err(|e| Fatal(format!("cannot read `{}`: {e}", dir.display())))?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).expect("under dir");
            let name = rel
                .iter()
                .map(|p| p.to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, entry.path().to_path_buf()));
        }
    }
    Ok(out)
}

fn load_strings(
    dir: &Path,
    rel_dir: &str,
    settings: &Settings,
    problems: &mut Diagnostics,
) -> Result<Strings, Fatal> {
    let mut all = BTreeMap::new();
    let mut texts = BTreeMap::new();
    for lang in &settings.languages {
        let rel = format!("{rel_dir}/i18n/{lang}.toml");
        let path = dir.join("i18n").join(format!("{lang}.toml"));
        if !path.is_file() {
            problems.push(
                Diagnostic::file(
                    &rel,
                    format!("the theme has no interface strings for language `{lang}`"),
                )
                .help(format!(
                    "copy another language's file to `{rel}` and translate it"
                )),
            );
            continue;
        }
        let text = read_text(&path, &rel, problems)?;
        match toml::from_str::<BTreeMap<String, String>>(&text) {
            Ok(map) => {
                all.insert(lang.clone(), map);
            }
            Err(e) => problems.push(toml_error(&rel, &text, 0, &e)),
        }
        texts.insert(lang.clone(), (rel, text));
    }
    let keys: std::collections::BTreeSet<&String> = all.values().flat_map(|m| m.keys()).collect();
    for (lang, map) in &all {
        let (rel, _) = &texts[lang];
        for key in REQUIRED_STRINGS
            .iter()
            .map(|k| k.to_string())
            .collect::<Vec<_>>()
            .iter()
            .chain(keys.iter().copied())
        {
            if !map.contains_key(key) {
                let elsewhere = all
                    .iter()
                    .find(|(_, m)| m.contains_key(key))
                    .map(|(l, _)| l.clone());
                problems.push(
                    Diagnostic::file(rel, format!("missing interface string `{key}`")).help(
                        match elsewhere {
                            Some(l) => format!("add `{key} = \"…\"`, translated from `{l}.toml`"),
                            None => format!("add `{key} = \"…\"`"),
                        },
                    ),
                );
            }
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_teras_text_reports() {
        let text = "error: Unknown filter `upcase`\n --> notices.html:4:20\n  |\n4 | <p>{{ page.title | upcase }}</p>\n  |                    ^^^^^^\n\nerror: Unknown test `odd2`\n  --> page.html:12:7\n   |\n12 | {% if n is odd2 %}\n   |       ^^^^";
        assert_eq!(
            text_reports(text),
            [
                (
                    "Unknown filter `upcase`".to_string(),
                    "notices.html".to_string(),
                    4,
                    20,
                    6
                ),
                (
                    "Unknown test `odd2`".to_string(),
                    "page.html".to_string(),
                    12,
                    7,
                    4
                ),
            ]
        );
    }

    #[test]
    fn undefined_string_suggests_and_says_where_strings_live() {
        let source = "<p>{{ t.serch }}</p>\n";
        let d = located(
            "themes/default/templates/a.html",
            source,
            8,
            5,
            "Field `serch` is not defined. Available fields: search, step",
        );
        assert_eq!(
            d.message,
            "Field `serch` is not defined; did you mean `search`?"
        );
        assert_eq!((d.line, d.column), (1, 9));
        assert!(d.help.unwrap().contains("`themes/default/i18n/`"));
    }
}
