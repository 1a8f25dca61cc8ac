//! Where a URL written in Markdown leads, for links and pictures alike. Addresses outside the
//! site may only use http, https, mailto and tel (read the way a browser reads them: case,
//! control characters and spaces do not hide a `javascript:`). Everything else names a file of
//! `content/`, written `@/` + its path under `content/`, relative to the Markdown file as
//! GitLab and GitHub previews resolve it (`atelier.png`, `../steps/champion.fr.md#actions`),
//! or as a site path (`/fr/etapes/…`): a page (in the page's language, or in the language the
//! file name gives), a picture or an attachment. What cannot be found is a `Problem` with a
//! "did you mean" written the way the link was.

use crate::content::model::{Key, Site};
use crate::errors::did_you_mean;
use crate::render::media::Catalog;

/// The schemes a link may use.
pub(crate) const SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// The scheme of a URL as a browser parses it (lowercase), `None` for a relative URL. Leading
/// spaces and control characters are skipped and tabs and newlines ignored, as browsers do.
pub(crate) fn scheme(url: &str) -> Option<String> {
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (name, _) = cleaned.split_once(':')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)))
        .then(|| name.to_ascii_lowercase())
}

/// What a link leads to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// Kept as written: an allowed scheme, `#anchor` on this page, `//host/…`.
    AsWritten,
    /// A page of the site. `lang` is set when the link names a language (`champion.en.md`,
    /// `/en/…`); otherwise the page's own language applies.
    Page {
        key: Key,
        lang: Option<String>,
        anchor: Option<String>,
    },
    /// A picture or attachment, by its path under `content/`, and what follows `#`.
    Media {
        path: String,
        fragment: Option<String>,
    },
    /// A path of the built site no Markdown file describes (`/fr/diagnostic/…`), checked once
    /// the whole site is rendered.
    SitePath {
        path: String,
        fragment: Option<String>,
    },
}

/// Why a link leads nowhere: what to say, and what to write instead.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) message: String,
    pub(crate) help: String,
}

fn problem(message: impl Into<String>, help: impl Into<String>) -> Problem {
    Problem {
        message: message.into(),
        help: help.into(),
    }
}

/// Where the link is written: the page's folder under `content/` and what the site holds.
pub(crate) struct Origin<'a> {
    pub(crate) site: &'a Site,
    pub(crate) media: &'a Catalog,
    /// Folder of the Markdown file under `content/` (`steps`, or `` at the top).
    pub(crate) dir: &'a str,
}

/// Resolves `dest` as written in a link.
pub(crate) fn target(dest: &str, from: &Origin) -> Result<Target, Problem> {
    if let Some(s) = scheme(dest) {
        return if SCHEMES.contains(&s.as_str()) {
            Ok(Target::AsWritten)
        } else {
            Err(problem(
                format!("link to a `{s}:` URL is not allowed"),
                "links lead to http, https, mailto or tel addresses, or to pages and files of the site (`@/steps/champion.md`, `../steps/champion.md`, `atelier.png`)",
            ))
        };
    }
    if dest.trim().is_empty() {
        return Err(problem(
            "link to nowhere: the link has no address",
            "write where it leads: `[text](../steps/champion.md)`, `[text](guide.pdf)` or `[text](https://…)`",
        ));
    }
    if dest.starts_with('#') || dest.starts_with("//") {
        return Ok(Target::AsWritten);
    }
    let (path, fragment) = match dest.split_once('#') {
        Some((p, f)) => (p, Some(f.to_string())),
        None => (dest, None),
    };
    let decoded = decode(path);
    if let Some(under) = decoded.strip_prefix("@/") {
        return in_content(under, fragment, from, &|p| format!("@/{p}"));
    }
    if decoded.starts_with('/') {
        return site_path(&decoded, fragment, from);
    }
    let Some(under) = join(from.dir, &decoded) else {
        return Err(problem(
            format!("link to `{dest}` leads outside content/"),
            "links name files of content/: relative to this file (`../steps/champion.md`) or from content/ (`@/steps/champion.md`)",
        ));
    };
    in_content(&under, fragment, from, &|p| relative(from.dir, p))
}

/// `%xx` escapes decoded (a file name may be written `mon%20image.png`).
fn decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

/// `dir` + `path` with `.` and `..` resolved; `None` above `content/`.
fn join(dir: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    let mut joined = parts.join("/");
    if path.ends_with('/') && !joined.is_empty() {
        joined.push('/');
    }
    Some(joined)
}

/// `path` (under `content/`) as written from the folder `dir`.
pub(crate) fn relative(dir: &str, path: &str) -> String {
    let from: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let to: Vec<&str> = path.split('/').collect();
    let common = from
        .iter()
        .zip(&to)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to.len().saturating_sub(1));
    let mut out = "../".repeat(from.len() - common);
    out.push_str(&to[common..].join("/"));
    out
}

/// A path under `content/`: a page's Markdown file or a media file.
fn in_content(
    path: &str,
    fragment: Option<String>,
    from: &Origin,
    written: &dyn Fn(&str) -> String,
) -> Result<Target, Problem> {
    if let Some(stem) = path.strip_suffix(".md") {
        let (folder, name) = stem.rsplit_once('/').unwrap_or(("", stem));
        let (id, lang) = match name.rsplit_once('.') {
            Some((id, l)) if from.site.languages.iter().any(|x| x == l) => (id, Some(l)),
            _ => (name, None),
        };
        let key = Key::new(folder, id);
        if from.site.entries.contains_key(&key) {
            return Ok(Target::Page {
                key,
                lang: lang.map(str::to_string),
                anchor: fragment.filter(|a| !a.is_empty()),
            });
        }
        let mut candidates: Vec<String> = from.site.entries.keys().map(Key::link_path).collect();
        candidates.extend(
            from.site
                .entries
                .values()
                .flat_map(|e| e.translations.values())
                .map(|t| t.file.trim_start_matches("content/").to_string()),
        );
        return Err(not_found("page", path, &candidates, written));
    }
    if from.media.get(path).is_some() {
        return Ok(Target::Media {
            path: path.to_string(),
            fragment,
        });
    }
    let candidates: Vec<String> = from.media.items.keys().cloned().collect();
    Err(not_found("file", path, &candidates, written))
}

fn not_found(
    what: &str,
    path: &str,
    candidates: &[String],
    written: &dyn Fn(&str) -> String,
) -> Problem {
    let shown = written(path);
    let help = match did_you_mean(path, candidates.iter().map(String::as_str)) {
        Some(best) => format!("did you mean `{}`?", written(best)),
        None if what == "page" => {
            "links to pages name their Markdown file: `@/<section>/<id>.md`, e.g. `@/steps/champion.md`, or relative to this file, e.g. `../steps/champion.md`".to_string()
        }
        None => format!(
            "put the file in content/ (next to this page, or in a shared folder such as content/media/) and link to it relative to this file; {}",
            crate::content::media::allowed_types()
        ),
    };
    let message = if what == "page" {
        format!("link to a page that does not exist: `{shown}`")
    } else if path.ends_with('/') || !path.rsplit('/').next().unwrap_or("").contains('.') {
        format!("link to `{shown}`, which is neither a page nor a file of content/")
    } else {
        format!("link to a file that does not exist: `{shown}`")
    };
    problem(message, help)
}

/// A site path (`/fr/etapes/champion/`, with or without the base path): a page, a media file,
/// or a path only the finished site can confirm.
fn site_path(path: &str, fragment: Option<String>, from: &Origin) -> Result<Target, Problem> {
    let base = from.site.settings.base_path();
    let rel = path
        .strip_prefix(base.as_str())
        .or_else(|| path.strip_prefix('/'))
        .unwrap_or(path);
    let rel = rel.trim_start_matches('/');
    if let Some(media) = rel.strip_prefix("media/") {
        if from.media.get(media).is_some() {
            return Ok(Target::Media {
                path: media.to_string(),
                fragment,
            });
        }
    }
    let last = rel.rsplit('/').next().unwrap_or("");
    let dir = if rel.is_empty() || rel.ends_with('/') || last.contains('.') {
        rel.to_string()
    } else {
        format!("{rel}/")
    };
    for (key, entry) in &from.site.entries {
        for (lang, url) in &entry.urls {
            if *url == dir || format!("{url}index.html") == rel {
                return Ok(Target::Page {
                    key: key.clone(),
                    lang: Some(lang.clone()),
                    anchor: fragment.filter(|a| !a.is_empty()),
                });
            }
        }
    }
    Ok(Target::SitePath {
        path: rel.to_string(),
        fragment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_are_read_as_a_browser_reads_them() {
        assert_eq!(scheme("https://example.org"), Some("https".into()));
        assert_eq!(scheme("JaVaScRiPt:alert(1)"), Some("javascript".into()));
        assert_eq!(
            scheme(" \u{1}java\tscript:alert(1)"),
            Some("javascript".into())
        );
        assert_eq!(scheme("java\nscript:alert(1)"), Some("javascript".into()));
        assert_eq!(scheme("vbscript:msgbox"), Some("vbscript".into()));
        assert_eq!(scheme("data:text/html;base64,xx"), Some("data".into()));
        assert_eq!(scheme("../steps/champion.md"), None);
        assert_eq!(scheme("@/steps/champion.md"), None);
        assert_eq!(scheme("javascript%3Aalert(1)"), None);
        assert_eq!(scheme("./a:b"), None);
        assert_eq!(scheme("#top"), None);
    }

    #[test]
    fn paths_resolve_and_are_written_back_relative() {
        assert_eq!(
            join("steps", "../media/grille.xlsx").as_deref(),
            Some("media/grille.xlsx")
        );
        assert_eq!(
            join("steps", "./atelier.png").as_deref(),
            Some("steps/atelier.png")
        );
        assert_eq!(join("", "../x.png"), None);
        assert_eq!(
            relative("steps", "media/grille.xlsx"),
            "../media/grille.xlsx"
        );
        assert_eq!(relative("steps", "steps/atelier.png"), "atelier.png");
        assert_eq!(relative("", "steps/champion.md"), "steps/champion.md");
        assert_eq!(relative("steps", "about.md"), "../about.md");
    }
}
