//! Code highlighting at build time with syntect. Code blocks become `<pre>` with CSS classes
//! (no inline styles, so the strict Content-Security-Policy holds); the syntax definitions are
//! loaded once per build and only when a block names a language. A line already highlighted
//! in the same parser state is not parsed again (`Lines`): syntect's parser is a function of
//! its state and the line, and a bilingual site repeats each block's code in both languages
//! with only its comments translated. `stylesheet` generates the one
//! stylesheet for those classes, each colour a light and a dark value (`light-dark()`, so it
//! follows the reader's chosen theme as the site's colours do), raised to WCAG AA contrast
//! against the code background.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::BuildHasher as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use rustc_hash::{FxBuildHasher, FxHashMap};
use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, line_tokens_to_classed_spans, ClassStyle};
use syntect::parsing::{ParseState, ScopeStack, SyntaxReference, SyntaxSet};
use syntect::util::LinesWithEndings;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Code block background colours; the theme's stylesheet uses the same values.
pub(crate) const LIGHT_BACKGROUND: (u8, u8, u8) = (0xf6, 0xf8, 0xfa);
pub(crate) const DARK_BACKGROUND: (u8, u8, u8) = (0x1b, 0x1f, 0x24);

/// Highlights code blocks; cheap to create, loads syntaxes on first use. Highlighting is by far
/// the costliest part of rendering, so watch mode keeps a `remembering` highlighter across
/// rebuilds: a block it has seen (unchanged on the edited page, or in the print view, which
/// shows every obstacle and step again) is not highlighted a second time. What it remembers
/// is bounded. (A one-off build does not remember whole blocks: real pages' blocks differ,
/// even between languages, whose comments are translated; every highlighter remembers lines,
/// which such blocks share.)
pub(crate) struct Highlighter {
    /// Which highlighter this is, for the lines each thread remembers (`Lines`).
    id: u64,
    syntaxes: OnceLock<SyntaxSet>,
    done: Option<Mutex<Remembered>>,
}

impl Default for Highlighter {
    fn default() -> Highlighter {
        static MADE: AtomicU64 = AtomicU64::new(1);
        Highlighter {
            id: MADE.fetch_add(1, Ordering::Relaxed),
            syntaxes: OnceLock::new(),
            done: None,
        }
    }
}

/// Highlighted blocks by language and hash of the code, and the bytes they hold.
#[derive(Default)]
struct Remembered {
    blocks: HashMap<(String, blake3::Hash), String>,
    bytes: usize,
}

/// The most HTML a remembering highlighter keeps; blocks beyond are highlighted every time.
const REMEMBERED_BYTES: usize = 16 << 20;

impl Highlighter {
    /// A highlighter that keeps the blocks it highlighted, up to `REMEMBERED_BYTES`.
    pub(crate) fn remembering() -> Highlighter {
        Highlighter {
            done: Some(Mutex::default()),
            ..Highlighter::default()
        }
    }

    fn syntaxes(&self) -> &SyntaxSet {
        self.syntaxes.get_or_init(SyntaxSet::load_defaults_newlines)
    }

    /// Loads the syntax definitions now (from another thread while content is read).
    pub(crate) fn preload(&self) {
        self.syntaxes();
    }

    /// The HTML of a code block. An unknown or missing language gives plain preformatted text.
    pub(crate) fn block(&self, code: &str, lang: &str) -> String {
        let lang = lang.split([',', ' ']).next().unwrap_or("").trim();
        if lang.is_empty() {
            return plain(code);
        }
        let Some(done) = &self.done else {
            return self.highlight(code, lang);
        };
        let key = (lang.to_string(), blake3::hash(code.as_bytes()));
        if let Some(html) = done.lock().ok().and_then(|d| d.blocks.get(&key).cloned()) {
            return html;
        }
        let html = self.highlight(code, lang);
        if let Ok(mut done) = done.lock() {
            if done.bytes + html.len() <= REMEMBERED_BYTES {
                done.bytes += html.len();
                done.blocks.insert(key, html.clone());
            }
        }
        html
    }

    fn highlight(&self, code: &str, lang: &str) -> String {
        let ss = self.syntaxes();
        let Some(syntax) = ss.find_syntax_by_token(lang) else {
            return plain(code);
        };
        // Highlighted HTML is several times the code's length (a span per token).
        let mut html = String::with_capacity(code.len() * 8 + 64);
        let _ = write!(
            html,
            "<pre class=\"code\" data-lang=\"{}\"><code>",
            escape(lang)
        );
        if self.spans(&mut html, code, syntax, ss).is_none() {
            return plain(code);
        }
        html.push_str("</code></pre>\n");
        html
    }

    /// The code as classed `<span>`s, added to `out` line by line as syntect's
    /// `ClassedHTMLGenerator` writes it, each line taken from `Lines` when it was already
    /// highlighted in the same state. `None` when syntect fails on a line.
    fn spans(
        &self,
        out: &mut String,
        code: &str,
        syntax: &SyntaxReference,
        ss: &SyntaxSet,
    ) -> Option<()> {
        let mut state = State {
            parse: ParseState::new(syntax),
            scopes: ScopeStack::new(),
        };
        let mut open = 0;
        LINES.with_borrow_mut(|lines| {
            lines.serve(self.id);
            // The state's number in `lines`, when it has one. After a line found there, `state`
            // lags behind and is brought up to date only when a line has to be parsed.
            let mut known = lines.number(&state);
            let mut behind = false;
            for line in LinesWithEndings::from(code) {
                if let Some((html, delta, after)) = known.and_then(|n| lines.get(n, line)) {
                    open += delta;
                    out.push_str(html);
                    known = Some(after);
                    behind = true;
                    continue;
                }
                if behind {
                    state.clone_from(lines.states.get(known? as usize)?);
                    behind = false;
                }
                let ops = state.parse.parse_line(line, ss).ok()?;
                let (html, delta) =
                    line_tokens_to_classed_spans(line, &ops, CLASS_STYLE, &mut state.scopes)
                        .ok()?;
                let after = lines.number(&state);
                if let (Some(before), Some(after)) = (known, after) {
                    lines.put(line, before, after, &html, delta);
                }
                known = after;
                open += delta;
                out.push_str(&html);
            }
            Some(())
        })?;
        for _ in 0..open {
            out.push_str("</span>");
        }
        Some(())
    }
}

/// Where syntect is between two lines: the parser's contexts and the open scopes.
#[derive(Clone, PartialEq, Eq)]
struct State {
    parse: ParseState,
    scopes: ScopeStack,
}

/// Lines already highlighted, by their text and the state they started in, with the HTML they
/// gave (and how many spans it left open) and the state they ended in. Syntect's output for a
/// line is a function of those two, so a line found here in the same state gives the same HTML
/// as parsing it again. States are kept once each and named by their number. A parser state
/// cannot move between threads (it may hold Oniguruma's captures), so each thread rendering
/// pages keeps its own, for one highlighter at a time (states name that highlighter's syntax
/// definitions). The lines' text and HTML go one after the other into one buffer reserved at
/// its full size on first use (memory is only taken as it fills, and nothing kept is scattered
/// among the build's other allocations); bounded by `LINE_TEXT`, `LINES_KEPT` and `STATES`,
/// beyond which nothing new is kept.
#[derive(Default)]
struct Lines {
    owner: u64,
    states: Vec<State>,
    /// By the hash of a line's text and the number of the state it started in.
    found: FxHashMap<(u64, u32), Done>,
    /// Each kept line's text, then its HTML.
    text: String,
}

/// A line kept: where its text and HTML are in `Lines::text`, and what it did.
#[derive(Clone, Copy)]
struct Done {
    start: u32,
    line: u32,
    html: u32,
    after: u32,
    delta: isize,
}

/// The most text and HTML a thread's `Lines` keeps, in bytes.
const LINE_TEXT: usize = 1 << 20;
/// The most lines a thread's `Lines` keeps.
const LINES_KEPT: usize = 8192;
/// The most states a thread's `Lines` keeps (each new state is compared with all of them).
const STATES: usize = 256;

thread_local! {
    static LINES: RefCell<Lines> = RefCell::default();
}

fn line_hash(line: &str) -> u64 {
    FxBuildHasher.hash_one(line)
}

impl Lines {
    /// Starts over when another highlighter than the last one uses this thread.
    fn serve(&mut self, owner: u64) {
        if self.owner != owner {
            *self = Lines {
                owner,
                ..Lines::default()
            };
        }
    }

    /// The number of `state`, kept now if it is new and there is room.
    fn number(&mut self, state: &State) -> Option<u32> {
        if let Some(n) = self.states.iter().position(|s| s == state) {
            return u32::try_from(n).ok();
        }
        if self.states.len() >= STATES {
            return None;
        }
        self.states.push(state.clone());
        u32::try_from(self.states.len() - 1).ok()
    }

    /// `line` as highlighted in the state numbered `before`, if it was: its HTML, the change in
    /// open spans, the number of the state after it.
    fn get(&self, before: u32, line: &str) -> Option<(&str, isize, u32)> {
        let done = self.found.get(&(line_hash(line), before))?;
        let start = done.start as usize;
        let middle = start + done.line as usize;
        let end = middle + done.html as usize;
        let (kept, html) = (self.text.get(start..middle)?, self.text.get(middle..end)?);
        // Two texts with the same hash: the one kept is not this one.
        (kept == line).then_some((html, done.delta, done.after))
    }

    fn put(&mut self, line: &str, before: u32, after: u32, html: &str, delta: isize) {
        if self.found.len() >= LINES_KEPT || self.text.len() + line.len() + html.len() > LINE_TEXT {
            return;
        }
        let (Ok(start), Ok(line_len), Ok(html_len)) = (
            u32::try_from(self.text.len()),
            u32::try_from(line.len()),
            u32::try_from(html.len()),
        ) else {
            return;
        };
        if self.text.capacity() == 0 {
            self.text.reserve_exact(LINE_TEXT);
        }
        let text = &mut self.text;
        self.found
            .entry((line_hash(line), before))
            .or_insert_with(|| {
                text.push_str(line);
                text.push_str(html);
                Done {
                    start,
                    line: line_len,
                    html: html_len,
                    after,
                    delta,
                }
            });
    }
}

/// A code block without highlighting.
fn plain(code: &str) -> String {
    format!("<pre class=\"code\"><code>{}</code></pre>\n", escape(code))
}

pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The stylesheet for highlighted code: syntect's base16-ocean theme, whose light and dark
/// variants share their rules, as one set of rules whose colours are `light-dark()` pairs,
/// each raised to AA contrast against its code background. `light-dark()` follows the page's
/// `color-scheme`, which follows the reader's chosen theme (`<html data-theme>`, set by the
/// theme's script) or else the system's, as the site's own colours do.
pub(crate) fn stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let light = rules(&themes, "base16-ocean.light");
    let dark = rules(&themes, "base16-ocean.dark");
    let hex = |c: (u8, u8, u8)| format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2);
    let mut out = String::from(
        "/* Code highlighting, generated by playbook from syntect's base16-ocean themes. */\n",
    );
    for (selector, decls) in &light {
        // The dark variant's colour for the same rule; a rule only the light variant has keeps
        // its hue, raised against the dark background.
        let dark_colour = dark.iter().find(|(s, _)| s == selector).and_then(|(_, d)| {
            d.iter()
                .find_map(|(p, v)| (p == "color").then(|| parse_hex(v)).flatten())
        });
        let decls: Vec<String> = decls
            .iter()
            .filter_map(|(prop, value)| {
                if prop != "color" {
                    return Some(format!("{prop}: {value}"));
                }
                let c = parse_hex(value)?;
                let l = ensure_contrast(c, LIGHT_BACKGROUND, 4.6);
                let d = ensure_contrast(dark_colour.unwrap_or(c), DARK_BACKGROUND, 4.6);
                Some(format!("color: light-dark({}, {})", hex(l), hex(d)))
            })
            .collect();
        if !decls.is_empty() {
            let _ = writeln!(out, "{selector} {{ {}; }}", decls.join("; "));
        }
    }
    out
}

/// A syntect theme's token rules in order: selector and the declarations kept (colour, font
/// style and weight, decoration; the code block's background is the site's).
fn rules(themes: &ThemeSet, name: &str) -> Vec<(String, Vec<(String, String)>)> {
    let css = css_for_theme_with_class_style(&themes.themes[name], CLASS_STYLE).unwrap_or_default();
    let mut out = Vec::new();
    for rule in css.split('}') {
        let Some((selector, body)) = rule.split_once('{') else {
            continue;
        };
        let selector = strip_comments(selector).trim().to_string();
        if selector.is_empty() || selector == ".hl-code" {
            continue;
        }
        let decls = body
            .split(';')
            .filter_map(|decl| decl.split_once(':'))
            .map(|(p, v)| (p.trim().to_string(), v.trim().to_string()))
            .filter(|(p, _)| {
                matches!(
                    p.as_str(),
                    "color" | "font-style" | "font-weight" | "text-decoration"
                )
            })
            .collect();
        out.push((selector, decls));
    }
    out
}

fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i..].find("*/").map_or("", |j| &rest[i + j + 2..]);
    }
    out.push_str(rest);
    out
}

fn parse_hex(value: &str) -> Option<(u8, u8, u8)> {
    let hex = value.strip_prefix('#')?;
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let lin = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

pub(crate) fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Moves `colour` towards black or white (away from the background) until it reaches `ratio`.
fn ensure_contrast(colour: (u8, u8, u8), background: (u8, u8, u8), ratio: f64) -> (u8, u8, u8) {
    let target = if luminance(background) > 0.5 {
        0.0
    } else {
        255.0
    };
    let mix = |c: u8, t: f64| -> u8 { (f64::from(c) + (t - f64::from(c)) * 0.08).round() as u8 };
    let mut c = colour;
    for _ in 0..60 {
        if contrast(c, background) >= ratio {
            break;
        }
        c = (mix(c.0, target), mix(c.1, target), mix(c.2, target));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_language_is_plain() {
        let h = Highlighter::default();
        assert_eq!(
            h.block("a < b\n", "nosuchlang"),
            "<pre class=\"code\"><code>a &lt; b\n</code></pre>\n"
        );
    }

    #[test]
    fn yaml_gets_classes() {
        let html = Highlighter::default().block("weight: 3\n", "yaml");
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(!html.contains("style="));
    }

    /// What syntect's own generator writes for a block: the reference the line memory must
    /// give back byte for byte.
    fn reference(code: &str, lang: &str) -> String {
        let ss = SyntaxSet::load_defaults_newlines();
        let syntax = ss.find_syntax_by_token(lang).unwrap();
        let mut gen =
            syntect::html::ClassedHTMLGenerator::new_with_class_style(syntax, &ss, CLASS_STYLE);
        for line in LinesWithEndings::from(code) {
            gen.parse_html_for_line_which_includes_newline(line)
                .unwrap();
        }
        format!(
            "<pre class=\"code\" data-lang=\"{lang}\"><code>{}</code></pre>\n",
            gen.finalize()
        )
    }

    #[test]
    fn a_line_met_again_gives_what_parsing_it_again_gives() {
        // The same lines in different states: inside and outside a block comment, a heredoc
        // (whose end the parser finds through a capture), a docstring, a string left open.
        let blocks = [
            ("rust", "fn main() {}\n*/ let x = 1;\n"),
            ("rust", "/* a comment\n*/ let x = 1;\nfn main() {}\n"),
            ("rust", "fn main() {}\n/* open\nfn main() {}\n"),
            ("bash", "cat <<EOF\nfn main() {}\nEOF\necho done\n"),
            ("bash", "cat <<END\nEOF\necho done\nEND\necho done\n"),
            ("bash", "echo done\nEOF\n"),
            (
                "python",
                "def f():\n    \"\"\"Doc\n    echo done\n    \"\"\"\n    return 1\n",
            ),
            ("python", "    echo done\n    return 1\n"),
            ("yaml", "a: |\n  echo done\nb: 2\n"),
            ("yaml", "echo done\nb: 2\n"),
            ("javascript", "let s = `open\nfn main() {}\n"),
        ];
        let h = Highlighter::default();
        let kept = || LINES.with_borrow(|lines| lines.found.len());
        let mut after_first = 0;
        for round in 0..3 {
            for (lang, code) in blocks {
                assert_eq!(
                    h.block(code, lang),
                    reference(code, lang),
                    "{lang}, round {round}: {code}"
                );
            }
            if round == 0 {
                after_first = kept();
            }
        }
        // Every line was kept the first time, in each state it met, and found again after.
        let lines: usize = blocks.iter().map(|(_, code)| code.lines().count()).sum();
        assert!(
            after_first > lines / 2 && after_first <= lines,
            "{after_first}"
        );
        assert_eq!(kept(), after_first);
        LINES.with_borrow(|lines| assert_eq!(lines.owner, h.id));
    }

    #[test]
    fn what_a_thread_keeps_of_its_lines_is_bounded() {
        let h = Highlighter::default();
        let code: String = (0..4_000)
            .map(|i| format!("let value_{i} = \"{i}\"; /* {i}\n*/\n"))
            .collect();
        assert_eq!(h.block(&code, "rust"), reference(&code, "rust"));
        LINES.with_borrow(|lines| {
            assert!(lines.text.len() <= LINE_TEXT, "{}", lines.text.len());
            assert!(lines.text.len() > LINE_TEXT / 2, "{}", lines.text.len());
            assert!(lines.found.len() <= LINES_KEPT);
            assert!(lines.states.len() <= STATES);
        });
        // Another highlighter on the same thread starts from nothing.
        let other = Highlighter::default();
        assert_eq!(
            other.block("let x = 1;\n", "rust"),
            reference("let x = 1;\n", "rust")
        );
        LINES.with_borrow(|lines| assert_eq!(lines.found.len(), 1));
    }

    #[test]
    fn a_line_kept_under_the_same_hash_as_another_is_not_taken_for_it() {
        let mut lines = Lines::default();
        lines.put("a\n", 0, 0, "<b>a</b>\n", 0);
        assert_eq!(lines.get(0, "a\n"), Some(("<b>a</b>\n", 0, 0)));
        assert_eq!(lines.get(1, "a\n"), None, "another state");
        // Another line whose hash were the same would find the entry: its text is compared.
        let done = lines.found[&(line_hash("a\n"), 0)];
        lines.found.insert((line_hash("b\n"), 0), done);
        assert_eq!(lines.get(0, "b\n"), None);
    }

    #[test]
    fn every_colour_has_a_light_and_a_dark_value_with_contrast() {
        let css = stylesheet();
        let mut pairs = 0;
        for value in css.split("light-dark(").skip(1) {
            let (light, rest) = value.split_once(", ").unwrap();
            let dark = &rest[..7];
            let (light, dark) = (parse_hex(light).unwrap(), parse_hex(dark).unwrap());
            assert!(contrast(light, LIGHT_BACKGROUND) >= 4.5, "{value}");
            assert!(contrast(dark, DARK_BACKGROUND) >= 4.5, "{value}");
            pairs += 1;
        }
        assert!(pairs > 20, "{css}");
        // Both variants' own colours: the dark one is not the light one raised.
        assert!(css.contains("light-dark(#"), "{css}");
        assert!(!css.contains("color: #"), "every colour follows the theme");
    }
}
