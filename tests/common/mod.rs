//! Helpers shared by the integration tests: a fixture site copied into a temporary folder
//! (its `content/` plus the repository's `themes/`), the real `playbook` binary run on it, a
//! snapshot of a folder to compare before and after, and HTML checks with `scraper` (every
//! internal link and anchor of a built site resolves).

// Each test file uses a different part of these helpers.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use scraper::{Html, Selector};

pub mod preview;
pub mod running;

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests").join("fixtures").join(name)
}

/// A site folder in a temporary directory, deleted at the end of the test.
pub struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    /// A copy of `tests/fixtures/<name>/content` and of the repository's `themes/`.
    pub fn from_fixture(name: &str) -> Site {
        Site::from_content(&fixture(name).join("content"))
    }

    /// A copy of the repository's real `content/` and `themes/`: the published playbook.
    pub fn real() -> Site {
        Site::from_content(&repo().join("content"))
    }

    /// A copy of `content` and of the repository's `themes/`.
    pub fn from_content(content: &Path) -> Site {
        let dir = tempfile::Builder::new()
            .prefix("playbook-test-")
            .tempdir()
            .expect("create a temporary folder");
        copy_dir(content, &dir.path().join("content"));
        copy_dir(&repo().join("themes"), &dir.path().join("themes"));
        Site { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn public(&self) -> PathBuf {
        self.root().join("public")
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root().join(rel)
    }

    /// Writes (or replaces) a file of the site, creating its folder.
    pub fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).unwrap();
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {rel}: {e}"));
    }

    /// Saves a file the way many editors do: a temporary file renamed over it, so a watcher
    /// can never read it half-written (an in-place write has a moment where the file is empty).
    pub fn save(&self, rel: &str, text: impl AsRef<[u8]>) {
        let path = self.path(rel);
        let tmp = path.with_file_name(format!(
            ".{}.save-tmp",
            path.file_name().unwrap().to_string_lossy()
        ));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &path).unwrap_or_else(|e| panic!("save {rel}: {e}"));
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.path(rel)).unwrap_or_else(|e| panic!("remove {rel}: {e}"));
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Runs `playbook --root <site> <args…>`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// Runs `playbook --root <site> <args…>` with environment variables set (`Some`) or
    /// removed (`None`), e.g. `("CI", None)` for a run outside CI whatever the tests run in.
    pub fn run_env(&self, args: &[&str], env: &[(&str, Option<&str>)]) -> Run {
        let mut all = vec!["--root", self.root().to_str().expect("UTF-8 temp path")];
        all.extend_from_slice(args);
        playbook_env(&all, env)
    }

    /// `playbook build`, which must succeed.
    pub fn build_ok(&self) -> Run {
        let run = self.run(&["build"]);
        run.assert_code(0);
        run
    }

    /// Lays a case folder over the site: its files replace or add to the site's, a file named
    /// `<name>.append` is appended to `<name>`, and `remove.txt` lists files to delete (one
    /// path relative to the site root a line; `#` starts a comment).
    pub fn overlay(&self, case: &Path) {
        assert!(case.is_dir(), "no case folder {}", case.display());
        for (rel, bytes) in snapshot(case) {
            if rel == "remove.txt" {
                let list = String::from_utf8(bytes).expect("remove.txt is UTF-8");
                for line in list.lines().map(str::trim) {
                    if !line.is_empty() && !line.starts_with('#') {
                        self.remove(line);
                    }
                }
            } else if let Some(target) = rel.strip_suffix(".append") {
                let mut text = std::fs::read(self.path(target))
                    .unwrap_or_else(|e| panic!("append to {target}: {e}"));
                if !text.ends_with(b"\n") {
                    text.push(b'\n');
                }
                text.extend_from_slice(&bytes);
                self.write(target, text);
            } else {
                self.write(&rel, bytes);
            }
        }
    }
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn assert_code(&self, code: i32) {
        assert_eq!(
            self.code, code,
            "expected exit code {code}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
    }

    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }
}

/// Runs the real `playbook` binary with `args`.
pub fn playbook(args: &[&str]) -> Run {
    playbook_env(args, &[])
}

/// Runs the real `playbook` binary with `args` and environment variables set or removed.
pub fn playbook_env(args: &[&str], env: &[(&str, Option<&str>)]) -> Run {
    let started = Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_playbook"));
    command.args(args).env("NO_COLOR", "1");
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    let out = command.output().expect("run the playbook binary");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in snapshot(from) {
        let path = to.join(&rel);
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
}

/// Every file under `dir` (path relative to it, with `/`) and its bytes; empty folders as a
/// path ending in `/` with no bytes, so that they count too.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        if entries.is_empty() && dir != base {
            out.insert(format!("{}/", rel_of(base, dir)), Vec::new());
        }
        for entry in entries {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(base, &path, out);
            } else {
                out.insert(rel_of(base, &path), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn rel_of(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap()
        .iter()
        .map(|p| p.to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Names of the entries directly in `dir`, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Asserts two snapshots are equal, naming the first files that differ.
pub fn assert_same_tree(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
    what: &str,
) {
    if before == after {
        return;
    }
    let keys: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let differing: Vec<String> = keys
        .into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .take(10)
        .map(|k| match (before.contains_key(k), after.contains_key(k)) {
            (true, false) => format!("{k} (removed)"),
            (false, true) => format!("{k} (added)"),
            _ => format!("{k} (changed)"),
        })
        .collect();
    panic!("{what}: the trees differ: {}", differing.join(", "));
}

// ---------------------------------------------------------------------------------------------
// HTML

pub fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
}

/// Parses `public/<rel>`.
pub fn page(public: &Path, rel: &str) -> Html {
    let text = std::fs::read_to_string(public.join(rel))
        .unwrap_or_else(|e| panic!("read {rel} of the built site: {e}"));
    Html::parse_document(&text)
}

/// Text of the first element matching `css`, trimmed.
pub fn text_of(html: &Html, css: &str) -> Option<String> {
    html.select(&sel(css))
        .next()
        .map(|e| e.text().collect::<String>().trim().to_string())
}

/// All values of `attr` on elements matching `css`.
pub fn attrs(html: &Html, css: &str, attr: &str) -> Vec<String> {
    html.select(&sel(css))
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

/// `<html lang>`.
pub fn html_lang(html: &Html) -> String {
    attrs(html, "html", "lang")
        .pop()
        .expect("<html> has a lang attribute")
}

/// Every `.html` file of the built site, relative to `public`.
pub fn html_files(public: &Path) -> Vec<String> {
    snapshot(public)
        .into_keys()
        .filter(|k| k.ends_with(".html"))
        .collect()
}

/// The file a URL found in `from` (a file relative to `public`) points to, and its anchor.
/// `None` for URLs outside the site (another scheme or host). A directory URL means its
/// `index.html`; `/…` is taken from the site root (`base_path`, e.g. `/` or `/playbook/`).
pub fn resolve(from: &str, url: &str, base_path: &str) -> Option<(String, Option<String>)> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:")
        || lower.starts_with("tel:")
        || lower.starts_with("//")
    {
        return None;
    }
    let (rest, anchor) = match url.split_once('#') {
        Some((r, a)) => (r, Some(a.to_string())),
        None => (url, None),
    };
    let rest = rest.split('?').next().unwrap_or("");
    if rest.is_empty() {
        return Some((from.to_string(), anchor));
    }
    let mut parts: Vec<String> = if rest.starts_with('/') {
        match rest.strip_prefix(base_path) {
            Some(under_base) => under_base.split('/').map(str::to_string).collect(),
            None => {
                return Some((
                    format!("<outside the base path {base_path}: {url}>"),
                    anchor,
                ))
            }
        }
    } else {
        let mut dir: Vec<String> = from.split('/').map(str::to_string).collect();
        dir.pop();
        dir.extend(rest.split('/').map(str::to_string));
        dir
    };
    let directory = rest.ends_with('/');
    let mut out: Vec<String> = Vec::new();
    for part in parts.drain(..) {
        match part.as_str() {
            "" | "." => {}
            ".." => {
                if out.pop().is_none() {
                    return Some((format!("<above the site root: {url}>"), anchor));
                }
            }
            _ => out.push(part),
        }
    }
    if directory || out.is_empty() {
        out.push("index.html".into());
    }
    Some((out.join("/"), anchor))
}

/// Checks every `href` and `src` of every HTML page of a built site: the file exists, and a
/// `#anchor` names an `id` (or `<a name>`) of the target page. Returns the problems found.
pub fn broken_links(public: &Path, base_path: &str) -> Vec<String> {
    let files = snapshot(public);
    let mut ids: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut ids_of = |rel: &str| -> BTreeSet<String> {
        ids.entry(rel.to_string())
            .or_insert_with(|| {
                let html = Html::parse_document(&String::from_utf8_lossy(&files[rel]));
                let mut set: BTreeSet<String> = attrs(&html, "[id]", "id").into_iter().collect();
                set.extend(attrs(&html, "a[name]", "name"));
                set
            })
            .clone()
    };
    let mut problems = Vec::new();
    for rel in files.keys().filter(|k| k.ends_with(".html")) {
        let html = Html::parse_document(&String::from_utf8_lossy(&files[rel]));
        for attr in ["href", "src"] {
            for url in attrs(&html, &format!("[{attr}]"), attr) {
                if url.is_empty() || url == "#" {
                    problems.push(format!("{rel}: empty link {attr}=\"{url}\""));
                    continue;
                }
                let Some((target, anchor)) = resolve(rel, &url, base_path) else {
                    continue;
                };
                if !files.contains_key(&target) {
                    problems.push(format!("{rel}: {attr}=\"{url}\" → missing file {target}"));
                    continue;
                }
                if let Some(anchor) = anchor.filter(|a| !a.is_empty()) {
                    if !target.ends_with(".html") {
                        continue;
                    }
                    let anchor = percent_decode(&anchor);
                    if !ids_of(&target).contains(&anchor) {
                        problems.push(format!(
                            "{rel}: {attr}=\"{url}\" → no id `{anchor}` in {target}"
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// Decodes `%xx` escapes (anchors of accented headings may be escaped).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Calls `f` with every element of every HTML page of a built site (and the page's path).
pub fn each_element(public: &Path, mut f: impl FnMut(&str, scraper::ElementRef)) {
    for rel in html_files(public) {
        let html = page(public, &rel);
        for el in html
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
        {
            f(&rel, el);
        }
    }
}

/// Values of attributes that may not appear under `Content-Security-Policy: default-src
/// 'self'`: `style=""`, `on…=""` handlers, inline `<script>` and `<style>` elements.
pub fn csp_violations(public: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    each_element(public, |rel, el| {
        let name = el.value().name();
        for (attr, _) in el.value().attrs() {
            if attr == "style" || attr.starts_with("on") {
                problems.push(format!("{rel}: <{name} {attr}=…>"));
            }
        }
        if name == "script" && el.value().attr("src").is_none() {
            problems.push(format!("{rel}: inline <script>"));
        }
        if name == "style" {
            problems.push(format!("{rel}: inline <style>"));
        }
    });
    problems
}

/// What a sanitizer must never let into a page, found with a real HTML parser: `<script>`
/// without `src` (or whose `src` is not one of the site's own files), an `on…` handler, a
/// `style` attribute or element, an element that embeds, redirects or submits (`iframe`,
/// `object`, `embed`, `base`, `form`, `meta http-equiv=refresh`, `template`, `svg`, `math`…
/// inside `<main>`, where bodies go, the theme's search form, its "show more" button and the
/// copy button aside), and a URL attribute with a scheme other than http, https, mailto and tel.
pub fn unsafe_markup(public: &Path) -> Vec<String> {
    const ELEMENTS: [&str; 18] = [
        "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form", "button",
        "input", "textarea", "select", "template", "svg", "math", "noscript", "link", "style",
    ];
    const URL_ATTRIBUTES: [&str; 10] = [
        "href",
        "src",
        "action",
        "formaction",
        "data",
        "poster",
        "background",
        "xlink:href",
        "srcdoc",
        "srcset",
    ];
    let mut problems = Vec::new();
    each_element(public, |rel, el| {
        let name = el.value().name();
        let ancestors: Vec<scraper::ElementRef> = el
            .ancestors()
            .filter_map(scraper::ElementRef::wrap)
            .collect();
        let in_head = ancestors.iter().any(|a| a.value().name() == "head");
        // Bodies are rendered inside `<main>`; the theme's own icons and buttons (menu, colour
        // theme) live around it.
        let in_main = ancestors.iter().any(|a| a.value().name() == "main");
        // The theme's own controls: search forms, the search page's "show more" button and
        // the diagnostic's copy button.
        let theme_control = std::iter::once(&el).chain(&ancestors).any(|a| {
            (a.value().name() == "form" && a.value().attr("role") == Some("search"))
                || a.value().attr("data-search-more").is_some()
                || a.value().attr("data-copy-link").is_some()
        });
        match name {
            "script" => {
                let own = el
                    .value()
                    .attr("src")
                    .is_some_and(|s| !s.contains("//") && s.ends_with(".js"));
                if !own {
                    problems.push(format!("{rel}: <script> {:?}", el.value().attr("src")));
                }
            }
            // The theme's stylesheet, icon and alternates live in <head>.
            "link" if in_head => {}
            "meta" => {
                let equiv = el
                    .value()
                    .attr("http-equiv")
                    .unwrap_or("")
                    .to_ascii_lowercase();
                let target = el
                    .value()
                    .attr("content")
                    .unwrap_or("")
                    .to_ascii_lowercase();
                // The site's own: its CSP, and redirect pages' refresh to a page of the site.
                let own = in_head
                    && (equiv == "content-security-policy"
                        || (equiv == "refresh" && !target.contains(':')));
                if !equiv.is_empty() && !own {
                    problems.push(format!("{rel}: <meta http-equiv={equiv}>"));
                }
            }
            "form" | "button" | "input" | "select" | "textarea" if theme_control => {}
            n if ELEMENTS.contains(&n) && (in_main || n == "base" || n == "iframe") => {
                problems.push(format!("{rel}: <{n}>"))
            }
            _ => {}
        }
        for (attr, value) in el.value().attrs() {
            let lower = attr.to_ascii_lowercase();
            if lower.starts_with("on") || lower == "style" {
                problems.push(format!("{rel}: <{name} {attr}=…>"));
            }
            if URL_ATTRIBUTES.contains(&lower.as_str()) {
                let cleaned: String = value
                    .trim_start_matches(|c: char| c <= ' ')
                    .chars()
                    .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                    .collect::<String>()
                    .to_ascii_lowercase();
                let scheme = cleaned.split_once(':').map(|(s, _)| s).filter(|s| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                });
                if let Some(s) = scheme {
                    if !["http", "https", "mailto", "tel"].contains(&s) {
                        problems.push(format!("{rel}: <{name} {attr}=\"{value}\">"));
                    }
                }
            }
        }
    });
    problems
}

/// Runs `check` on every case, two at a time (each runs the binary, itself parallel), and
/// gathers what went wrong.
pub fn two_at_a_time<T: Sync>(
    cases: &[T],
    check: impl Fn(&T) -> Vec<String> + Sync,
) -> Vec<String> {
    let queue = std::sync::Mutex::new(cases.iter());
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(case) = queue.lock().unwrap().next() else {
                    break;
                };
                let problems = check(case);
                failures.lock().unwrap().extend(problems);
            });
        }
    });
    failures.into_inner().unwrap()
}
