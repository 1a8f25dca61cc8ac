//! The theme: `themes/<name>/templates/*.html` (Tera), `themes/<name>/static/` (copied to the
//! site, CSS and JS fingerprinted as `style.<hash>.css` so they can be cached forever) and
//! `themes/<name>/i18n/<lang>.toml` (the interface strings per language; a string missing in
//! one language is an error). Template errors are reported against the template file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::Settings;
use crate::errors::{Diagnostic, Diagnostics, Failure, Fatal};
use crate::frontmatter::toml_error;

/// Strings the generator itself needs from every language file.
pub const REQUIRED_STRINGS: [&str; 5] = [
    "slug_search",
    "slug_matrix",
    "slug_print",
    "slug_pages",
    "months",
];

pub struct Theme {
    pub tera: tera::Tera,
    /// lang → key → string.
    pub strings: BTreeMap<String, BTreeMap<String, String>>,
    /// Logical asset name (`style.css`) → published name (`style.1f2e3d4c.css`).
    pub assets: BTreeMap<String, String>,
    /// Files to publish at the site root: path → bytes.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Template name → (path relative to the site root, source), to locate template errors.
    sources: BTreeMap<String, (String, String)>,
}

/// A stable 64-bit FNV-1a hash (fingerprints and translation records must not change between
/// Rust versions).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

impl Theme {
    pub fn load(root: &Path, settings: &Settings) -> Result<Theme, Failure> {
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
                bytes.extend_from_slice(crate::highlight::stylesheet().as_bytes());
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
        crate::render::register_filters(&mut tera);
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
            problems.push(theme.template_error(&e));
        }
        if problems.is_empty() {
            Ok(theme)
        } else {
            Err(problems.into())
        }
    }

    /// An interface string; `load` guarantees the required ones exist in every language.
    pub fn string(&self, lang: &str, key: &str) -> &str {
        self.strings
            .get(lang)
            .and_then(|s| s.get(key))
            .map_or("", String::as_str)
    }

    /// A Tera error as a diagnostic pointing into the template file.
    pub fn template_error(&self, e: &tera::Error) -> Diagnostic {
        let report = match e.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
            _ => None,
        };
        if let Some(r) = report {
            if let Some((file, source)) = self.sources.get(r.filename()) {
                let span = r.span();
                let offset = crate::errors::offset_of(source, span.start_line, span.start_col + 1);
                let len = span.range.end.saturating_sub(span.range.start).max(1);
                return Diagnostic::at(file, source, offset, len, r.message().to_string())
                    .help("fix the template; the content is fine");
            }
        }
        let mut message = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            message.push_str(&format!(": {s}"));
            source = s.source();
        }
        Diagnostic::file("themes", format!("template error: {message}"))
    }
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
        .filter_entry(|e| {
            e.depth() == 0 || !crate::discover::is_temporary(&e.file_name().to_string_lossy())
        });
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
) -> Result<BTreeMap<String, BTreeMap<String, String>>, Fatal> {
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
