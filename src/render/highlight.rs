//! Code highlighting at build time with syntect. Code blocks become `<pre>` with CSS classes
//! (no inline styles, so the strict Content-Security-Policy holds); the syntax definitions are
//! loaded once per build and only when a block names a language. `stylesheet` generates the one
//! stylesheet for those classes, each colour a light and a dark value (`light-dark()`, so it
//! follows the reader's chosen theme as the site's colours do), raised to WCAG AA contrast
//! against the code background.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};

use syntect::highlighting::ThemeSet;
use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Code block background colours; the theme's stylesheet uses the same values.
pub(crate) const LIGHT_BACKGROUND: (u8, u8, u8) = (0xf6, 0xf8, 0xfa);
pub(crate) const DARK_BACKGROUND: (u8, u8, u8) = (0x1b, 0x1f, 0x24);

/// Highlights code blocks; cheap to create, loads syntaxes on first use. Highlighting is by far
/// the costliest part of rendering, so watch mode keeps a `remembering` highlighter across
/// rebuilds: a block it has seen (unchanged on the edited page, or in the print view, which
/// shows every obstacle and step again) is not highlighted a second time. What it remembers
/// is bounded. (A one-off build does not remember: real pages' blocks differ, even between
/// languages, whose comments are translated.)
#[derive(Default)]
pub(crate) struct Highlighter {
    syntaxes: OnceLock<SyntaxSet>,
    done: Option<Mutex<Remembered>>,
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
            syntaxes: OnceLock::new(),
            done: Some(Mutex::default()),
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
        if let Some(syntax) = ss.find_syntax_by_token(lang) {
            let mut gen = ClassedHTMLGenerator::new_with_class_style(syntax, ss, CLASS_STYLE);
            let ok = LinesWithEndings::from(code)
                .all(|line| gen.parse_html_for_line_which_includes_newline(line).is_ok());
            if ok {
                let mut html = String::with_capacity(code.len() * 2 + 64);
                let _ = writeln!(
                    html,
                    "<pre class=\"code\" data-lang=\"{}\"><code>{}</code></pre>",
                    escape(lang),
                    gen.finalize()
                );
                return html;
            }
        }
        plain(code)
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
