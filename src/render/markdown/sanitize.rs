//! Raw HTML in Markdown, checked against an explicit allow-list by a maintained sanitizer on a
//! real HTML parser (`ammonia`, on `html5ever`). Each fragment an editor wrote (an HTML block,
//! or one inline tag) is sanitized and both versions are parsed the way a browser would: if the
//! trees differ, the fragment is refused — never rewritten behind the editor's back — and our
//! own walk of the tree says what is not allowed and what to write instead. A fragment that
//! leaves the parser inside a quote, a comment or a tag (it would swallow what follows it on the
//! page) is refused too. Fragments that pass are published exactly as written. (Trees are
//! built by `dom`, on the same `html5ever` parser `ammonia` uses.)

use super::dom::{Data, Id, Tree};

use crate::render::markdown::links::{scheme, SCHEMES};

/// Attributes every allowed element may carry.
pub(crate) const GLOBAL_ATTRIBUTES: [&str; 4] = ["class", "title", "lang", "dir"];

/// The elements raw HTML may use, each with the attributes it may carry besides the global
/// ones: what Markdown itself produces, plus what the theme styles (details/summary, kbd,
/// abbr, sup/sub, tables, figures, definition lists). No `id` or `name` (ids come from
/// headings), no `style`, no `on…` handler, no picture or media element (pictures are
/// Markdown, so their files are checked and published).
pub(crate) const ELEMENTS: [(&str, &[&str]); 56] = [
    ("a", &["href", "hreflang"]),
    ("abbr", &[]),
    ("b", &[]),
    ("bdi", &[]),
    ("blockquote", &[]),
    ("br", &[]),
    ("caption", &[]),
    ("cite", &[]),
    ("code", &[]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("dd", &[]),
    ("del", &[]),
    ("details", &["open"]),
    ("dfn", &[]),
    ("div", &[]),
    ("dl", &[]),
    ("dt", &[]),
    ("em", &[]),
    ("figcaption", &[]),
    ("figure", &[]),
    ("h1", &[]),
    ("h2", &[]),
    ("h3", &[]),
    ("h4", &[]),
    ("h5", &[]),
    ("h6", &[]),
    ("hr", &[]),
    ("i", &[]),
    ("ins", &[]),
    ("kbd", &[]),
    ("li", &["value"]),
    ("mark", &[]),
    ("ol", &["start", "reversed", "type"]),
    ("p", &[]),
    ("pre", &[]),
    ("q", &[]),
    ("s", &[]),
    ("samp", &[]),
    ("small", &[]),
    ("span", &[]),
    ("strong", &[]),
    ("sub", &[]),
    ("summary", &[]),
    ("sup", &[]),
    ("table", &[]),
    ("tbody", &[]),
    ("td", &["colspan", "rowspan"]),
    ("tfoot", &[]),
    ("th", &["colspan", "rowspan", "scope", "abbr"]),
    ("thead", &[]),
    ("time", &["datetime"]),
    ("tr", &[]),
    ("u", &[]),
    ("ul", &[]),
    ("var", &[]),
];

/// Why a fragment is refused: what to underline (a byte range of the fragment) and say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) at: usize,
    pub(crate) len: usize,
    pub(crate) message: String,
    pub(crate) help: String,
}

/// Deeper nesting is refused before parsing: an HTML parser's work on each tag grows with the
/// depth of the tags still open (its "in scope" checks), so a fragment of thousands of unclosed
/// tags would take quadratic time.
const MAX_DEPTH: usize = 256;

/// The sanitizer with the allow-list, built once per body that has raw HTML; a fragment met
/// again on the page (`<kbd>`, `</kbd>`) is not checked again.
pub(crate) struct Sanitizer {
    ammonia: ammonia::Builder<'static>,
    checked: std::collections::HashMap<String, Result<(), Refusal>>,
}

impl Sanitizer {
    pub(crate) fn new() -> Sanitizer {
        let mut b = ammonia::Builder::empty();
        b.tags(ELEMENTS.iter().map(|(name, _)| *name).collect())
            .generic_attributes(GLOBAL_ATTRIBUTES.into_iter().collect())
            .tag_attributes(
                ELEMENTS
                    .iter()
                    .filter(|(_, attrs)| !attrs.is_empty())
                    .map(|(name, attrs)| (*name, attrs.iter().copied().collect()))
                    .collect(),
            )
            .url_schemes(SCHEMES.into_iter().collect())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(None)
            .strip_comments(false);
        Sanitizer {
            ammonia: b,
            checked: std::collections::HashMap::new(),
        }
    }

    /// Checks one fragment of raw HTML.
    pub(crate) fn check(&mut self, html: &str) -> Result<(), Refusal> {
        if let Some(result) = self.checked.get(html) {
            return result.clone();
        }
        let result = self.check_anew(html);
        self.checked.insert(html.to_string(), result.clone());
        result
    }

    fn check_anew(&self, html: &str) -> Result<(), Refusal> {
        if nesting(html) > MAX_DEPTH {
            return Err(Refusal {
                at: 0,
                len: html.find('\n').unwrap_or(html.len()),
                message: format!("raw HTML nested more than {MAX_DEPTH} levels deep"),
                help: "close its tags, or write it in Markdown".into(),
            });
        }
        let original = Tree::fragment(html);
        let cleaned = Tree::fragment(&self.ammonia.clean(html).to_string());
        if !same_children(&original, &cleaned) {
            return Err(explain(html, &original).unwrap_or_else(|| Refusal {
                at: 0,
                len: html.trim_end().len(),
                message: "raw HTML that the allow-list would change is not allowed".into(),
                help: format!(
                    "the sanitizer would make it `{}`: write it in Markdown, or with the allowed elements",
                    self.ammonia.clean(html).to_string().trim()
                ),
            }));
        }
        if !leaves_nothing_open(html) {
            return Err(Refusal {
                at: 0,
                len: html.trim_end().len(),
                message: "raw HTML left open: a quote, a comment or a tag is not closed".into(),
                help: "close it: as it is, it swallows what follows it on the page".into(),
            });
        }
        Ok(())
    }
}

fn same_children(a: &Tree, b: &Tree) -> bool {
    same_lists((a, a.root_element()), (b, b.root_element()))
}

/// True when the children of the two nodes are the same, one by one.
fn same_lists((a, at): (&Tree, Id), (b, bt): (&Tree, Id)) -> bool {
    let (x, y): (Vec<Id>, Vec<Id>) = (a.children(at).collect(), b.children(bt).collect());
    x.len() == y.len() && x.iter().zip(&y).all(|(&x, &y)| same((a, x), (b, y)))
}

fn same((a, x): (&Tree, Id), (b, y): (&Tree, Id)) -> bool {
    let data = match (a.data(x), b.data(y)) {
        (Data::Text(x), Data::Text(y)) => **x == **y,
        (Data::Comment(x), Data::Comment(y)) => **x == **y,
        (
            Data::Element {
                name: xn,
                attrs: xa,
                ..
            },
            Data::Element {
                name: yn,
                attrs: ya,
                ..
            },
        ) => {
            let sorted = |attrs: &[html5ever::Attribute]| {
                let mut v: Vec<(String, String)> = attrs
                    .iter()
                    .map(|a| (format!("{:?}", a.name), a.value.to_string()))
                    .collect();
                v.sort();
                v
            };
            xn == yn && sorted(xa) == sorted(ya)
        }
        _ => false,
    };
    data && same_lists((a, x), (b, y))
}

/// How deep the tags of a fragment nest, read roughly from its text: each `<name` opens one
/// (void elements aside), each `</` closes one.
fn nesting(html: &str) -> usize {
    const VOID: [&str; 13] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];
    let bytes = html.as_bytes();
    let (mut depth, mut deepest) = (0usize, 0usize);
    for (i, _) in html.match_indices('<') {
        match bytes.get(i + 1) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(b) if b.is_ascii_alphabetic() => {
                let name: String = html[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if !VOID.contains(&name.as_str()) {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
            }
            _ => {}
        }
    }
    deepest
}

/// True when whatever follows the fragment is still parsed as markup of its own.
fn leaves_nothing_open(html: &str) -> bool {
    const SENTINEL: &str = "playbook-end-of-fragment";
    Tree::fragment(&format!("{html}<{SENTINEL}></{SENTINEL}>"))
        .all()
        .any(|n| matches!(n, Data::Element { name, .. } if &*name.local == SENTINEL))
}

/// The first thing in the tree the allow-list refuses, located in the fragment's text.
fn explain(html: &str, tree: &Tree) -> Option<Refusal> {
    for node in tree.descendants(tree.root_element()).skip(1) {
        let Data::Element { name, attrs, .. } = tree.data(node) else {
            continue;
        };
        let element = &*name.local;
        let allowed = ELEMENTS.iter().find(|(n, _)| *n == element);
        let Some((_, own)) = allowed.filter(|_| &*name.ns == "http://www.w3.org/1999/xhtml") else {
            return Some(element_refusal(html, element));
        };
        for html5ever::Attribute { name, value } in attrs {
            let attr = match &name.prefix {
                Some(p) => format!("{p}:{}", name.local),
                None => name.local.to_string(),
            };
            if !GLOBAL_ATTRIBUTES.contains(&attr.as_str()) && !own.contains(&attr.as_str()) {
                return Some(attribute_refusal(html, element, &attr));
            }
            if attr == "href" {
                if let Some(refusal) = href_refusal(html, value) {
                    return Some(refusal);
                }
            }
        }
    }
    None
}

fn element_refusal(html: &str, element: &str) -> Refusal {
    let help = match element {
        "script" | "noscript" => "the site runs under a strict Content-Security-Policy and works without JavaScript: scripts belong in the theme (ask a maintainer)".to_string(),
        "style" | "link" => STYLE_HELP.to_string(),
        "iframe" | "frame" | "frameset" | "object" | "embed" | "applet" | "portal" | "fencedframe" => {
            "pages cannot embed other pages or plugins: link to it instead, `[what it is](https://…)`".to_string()
        }
        "img" | "picture" | "source" | "image" => "show pictures with Markdown, `![what it shows](picture.png)`, the file next to the page".to_string(),
        "video" | "audio" | "track" => "put the file next to the page and link to it: `[the recording](recording.mp4)`, or link to where it is hosted".to_string(),
        "form" | "input" | "button" | "select" | "textarea" | "option" | "label" | "fieldset" | "output" | "datalist" | "meter" | "progress" => {
            "pages hold no forms: link to the form instead".to_string()
        }
        "base" | "meta" | "title" | "head" | "html" | "body" | "template" | "slot" => "the head of the page comes from the theme: remove it".to_string(),
        "svg" | "math" => "put a drawing in an .svg file next to the page and show it with `![what it shows](drawing.svg)`".to_string(),
        _ => format!(
            "write it in Markdown, or use an allowed element: {}",
            ELEMENTS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        ),
    };
    let (at, len) = find_tag(html, element).unwrap_or((0, html.trim_end().len()));
    Refusal {
        at,
        len,
        message: format!("raw HTML element <{element}> is not allowed"),
        help,
    }
}

const STYLE_HELP: &str =
    "style comes from the theme: use one of its classes (`class=\"…\"`), or ask a maintainer to add one";

fn attribute_refusal(html: &str, element: &str, attr: &str) -> Refusal {
    let help = if attr.starts_with("on") {
        "event handlers never run under the site's Content-Security-Policy (pages work without JavaScript): remove it".to_string()
    } else if attr == "style" {
        STYLE_HELP.to_string()
    } else if attr == "id" || attr == "name" {
        "ids come from headings: link to a heading with `#its-id`, or give it one with `## Title {#my-id}`".to_string()
    } else {
        let own = ELEMENTS
            .iter()
            .find(|(n, _)| *n == element)
            .map_or(&[][..], |(_, a)| *a);
        format!(
            "attributes allowed on <{element}>: {}",
            GLOBAL_ATTRIBUTES
                .iter()
                .chain(own.iter())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let (at, len) = find_attribute(html, attr).unwrap_or((0, html.trim_end().len()));
    Refusal {
        at,
        len,
        message: format!("raw HTML attribute `{attr}` is not allowed on <{element}>"),
        help,
    }
}

fn href_refusal(html: &str, href: &str) -> Option<Refusal> {
    let (at, len) = find_attribute(html, "href").unwrap_or((0, html.trim_end().len()));
    match scheme(href) {
        Some(s) if SCHEMES.contains(&s.as_str()) => None,
        Some(s) => Some(Refusal {
            at,
            len,
            message: format!("raw HTML link to a `{s}:` URL is not allowed"),
            help: "links lead to http, https, mailto or tel addresses, or to pages and files of the site".into(),
        }),
        None if href.trim_start().starts_with('#') || href.trim_start().starts_with("//") => None,
        None => Some(Refusal {
            at,
            len,
            message: format!("raw HTML link to `{}` is not checked", href.trim()),
            help: "link to pages and files in Markdown, where links are checked: `[text](../steps/champion.md)`".into(),
        }),
    }
}

/// `<name` in the fragment, ignoring case.
fn find_tag(html: &str, name: &str) -> Option<(usize, usize)> {
    let lower = html.to_ascii_lowercase();
    let needle = format!("<{name}");
    let mut from = 0;
    while let Some(i) = lower[from..].find(&needle) {
        let at = from + i;
        let next = lower[at + needle.len()..].chars().next();
        if next.is_none_or(|c| c.is_ascii_whitespace() || c == '>' || c == '/') {
            return Some((at, needle.len()));
        }
        from = at + 1;
    }
    None
}

/// An attribute named `name` inside a tag of the fragment, ignoring case.
fn find_attribute(html: &str, name: &str) -> Option<(usize, usize)> {
    let lower = html.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        let before = at.checked_sub(1).map(|b| bytes[b]);
        let after = bytes.get(at + name.len()).copied();
        let starts =
            before.is_some_and(|b| b.is_ascii_whitespace() || b == b'/' || b == b'"' || b == b'\'');
        let ends =
            after.is_none_or(|b| b.is_ascii_whitespace() || b == b'=' || b == b'>' || b == b'/');
        if starts && ends {
            return Some((at, name.len()));
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(html: &str) -> Refusal {
        Sanitizer::new()
            .check(html)
            .expect_err(&format!("should be refused: {html}"))
    }

    #[test]
    fn allowed_html_passes_as_written() {
        let mut s = Sanitizer::new();
        for ok in [
            "<kbd>",
            "</kbd>",
            "<details open>\n<summary>Plus</summary>\n",
            "<abbr title=\"Réseaux sociaux d’entreprise\">RSE</abbr>",
            "<a href=\"https://example.org/?a=1&amp;b=2\">x</a>",
            "<a href=\"#actions\">",
            "<TABLE><tr><td colspan=2>x</td></tr></TABLE>",
            "<!-- a note for editors -->",
            "<p class=\"lead\" lang=\"en\">Hello</p>",
        ] {
            assert_eq!(s.check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refusals_say_what_and_where() {
        let r = refused("<div\nonmouseover=\"alert(1)\">x</div>");
        assert_eq!((r.at, r.len), (5, 11));
        assert!(r.message.contains("`onmouseover`"), "{}", r.message);
        let r = refused("<p style =\"color:red\">x</p>");
        assert_eq!(r.at, 3);
        assert!(r.message.contains("`style`"));
        let r = refused("Text <IFRAME src=x></iframe>");
        assert_eq!((r.at, r.len), (5, 7));
        assert!(r.message.contains("<iframe>"));
        let r = refused("<a href=\"jav&#x09;ascript:alert(1)\">x</a>");
        assert!(r.message.contains("javascript:"), "{}", r.message);
        let r = refused("<span title=\"x>");
        assert!(r.message.contains("left open"), "{}", r.message);
        let r = refused("<!-- never closed");
        assert!(r.message.contains("left open"), "{}", r.message);
        let r = refused(&"<div>".repeat(50_000));
        assert!(r.message.contains("nested more than"), "{}", r.message);
    }
}
