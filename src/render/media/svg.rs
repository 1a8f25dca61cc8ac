//! SVG pictures: checked with a real XML parser before they are published, under the same
//! rule as raw HTML in Markdown — nothing that runs or loads anything. Drawing elements only
//! (an allow-list), no `<script>`, `<foreignObject>`, `<style>` or animation, no `on…`
//! handlers or `style` attributes, no editor-specific namespaces, and every reference
//! (`href`, `url(…)`) inside the file. Hands back the picture's size for `<img width height>`;
//! problems are located in the SVG file itself.

use crate::content::media::Media;
use crate::errors::{offset_of, Diagnostic};

const SVG_NS: &str = "http://www.w3.org/2000/svg";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

/// The elements a drawing may use.
pub(crate) const ELEMENTS: [&str; 43] = [
    "svg",
    "g",
    "defs",
    "symbol",
    "use",
    "title",
    "desc",
    "metadata",
    "path",
    "rect",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "text",
    "tspan",
    "textPath",
    "marker",
    "pattern",
    "clipPath",
    "mask",
    "linearGradient",
    "radialGradient",
    "stop",
    "image",
    "switch",
    "filter",
    "feBlend",
    "feColorMatrix",
    "feComponentTransfer",
    "feComposite",
    "feFlood",
    "feFuncA",
    "feFuncB",
    "feFuncG",
    "feFuncR",
    "feGaussianBlur",
    "feMerge",
    "feMergeNode",
    "feMorphology",
    "feOffset",
    "feDropShadow",
];

const EXPORT_HELP: &str = "export the drawing as plain SVG (Inkscape: Save As → Optimized SVG or Plain SVG with “style to attributes”; or run it through svgo) with colours as attributes";

/// Checks an SVG file; returns its width and height in CSS pixels.
pub(crate) fn check(media: &Media) -> Result<(u32, u32), Vec<Diagnostic>> {
    let Ok(text) = std::str::from_utf8(&media.bytes) else {
        return Err(vec![Diagnostic::file(
            &media.rel,
            "this SVG file is not UTF-8 text",
        )
        .help(EXPORT_HELP)]);
    };
    let doc = match roxmltree::Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let pos = e.pos();
            let at = offset_of(text, pos.row as usize, pos.col as usize);
            let help = if matches!(e, roxmltree::Error::DtdDetected) {
                "remove the <!DOCTYPE …> line: SVG pictures need none".to_string()
            } else {
                "open it in a drawing program and export it again as SVG".to_string()
            };
            return Err(vec![Diagnostic::at(
                &media.rel,
                text,
                at,
                1,
                format!("this SVG file is not well-formed XML: {e}"),
            )
            .help(help)]);
        }
    };
    let mut problems = Vec::new();
    let at = |range: std::ops::Range<usize>, message: String, help: &str| {
        Diagnostic::at(&media.rel, text, range.start, range.len(), message).help(help)
    };
    let root = doc.root_element();
    if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
        problems.push(at(
            root.range(),
            "this file is not an SVG picture: its root is not <svg xmlns=\"http://www.w3.org/2000/svg\">".into(),
            EXPORT_HELP,
        ));
        return Err(problems);
    }
    let mut nodes = root.descendants();
    while let Some(node) = nodes.next() {
        if node.is_pi() {
            problems.push(at(
                node.range(),
                "processing instructions (`<?…?>`) are not allowed in SVG pictures".into(),
                "remove it: a stylesheet or script it names would not be published",
            ));
            continue;
        }
        if !node.is_element() {
            continue;
        }
        let name = node.tag_name();
        let in_metadata = node
            .ancestors()
            .skip(1)
            .any(|a| a.tag_name().name() == "metadata" && a.tag_name().namespace() == Some(SVG_NS));
        if in_metadata {
            continue; // RDF descriptions: never drawn
        }
        if name.namespace() != Some(SVG_NS) {
            problems.push(at(
                node.range(),
                format!(
                    "the element <{}> (from a drawing program, not SVG) is not allowed",
                    qualified(&node)
                ),
                EXPORT_HELP,
            ));
            skip_subtree(&mut nodes, node);
            continue;
        }
        if !ELEMENTS.contains(&name.name()) {
            let help = match name.name() {
                "script" => "scripts never run in published pictures: remove it",
                "style" => EXPORT_HELP,
                "foreignObject" => "HTML inside a drawing is not allowed: convert its text to <text>, or remove it",
                "a" => "links inside pictures do not work in pages: put the link next to the picture in Markdown",
                "animate" | "set" | "animateMotion" | "animateTransform" => "animations are not allowed: export a still picture",
                _ => EXPORT_HELP,
            };
            problems.push(at(
                node.range(),
                format!(
                    "the element <{}> is not allowed in SVG pictures",
                    name.name()
                ),
                help,
            ));
            skip_subtree(&mut nodes, node);
            continue;
        }
        for attr in node.attributes() {
            if let Some(problem) = attribute_problem(name.name(), &attr) {
                problems.push(at(attr.range(), problem.0, problem.1));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    size(&root).ok_or_else(|| {
        vec![at(
            root.range(),
            "this SVG picture has no size".into(),
            "give <svg> a viewBox (e.g. viewBox=\"0 0 800 400\") or width and height in pixels",
        )]
    })
}

fn qualified(node: &roxmltree::Node) -> String {
    let name = node.tag_name();
    match name.namespace().and_then(|ns| node.lookup_prefix(ns)) {
        Some(prefix) if !prefix.is_empty() => format!("{prefix}:{}", name.name()),
        _ => name.name().to_string(),
    }
}

/// Advances `nodes` past the descendants of `node`.
fn skip_subtree(nodes: &mut roxmltree::Descendants, node: roxmltree::Node) {
    for _ in 1..node.descendants().count() {
        nodes.next();
    }
}

/// What is wrong with an attribute, and what to do instead.
fn attribute_problem(element: &str, attr: &roxmltree::Attribute) -> Option<(String, &'static str)> {
    let local = attr.name();
    let lower = local.to_ascii_lowercase();
    match attr.namespace() {
        None | Some(XML_NS) => {}
        Some(XLINK_NS) if local == "href" || local == "title" => {}
        Some(_) => {
            return Some((
                format!("the attribute `{local}` (from a drawing program, not SVG) is not allowed"),
                EXPORT_HELP,
            ))
        }
    }
    if lower.starts_with("on") {
        return Some((
            format!("the event-handler attribute `{local}` is not allowed in SVG pictures"),
            "scripts never run in published pictures: remove it",
        ));
    }
    if lower == "style" {
        return Some((
            "the attribute `style` is not allowed in SVG pictures".into(),
            EXPORT_HELP,
        ));
    }
    let value = attr.value().trim();
    if lower == "href" {
        let embedded = element == "image"
            && [
                "data:image/png;",
                "data:image/jpeg;",
                "data:image/gif;",
                "data:image/webp;",
            ]
            .iter()
            .any(|p| value.to_ascii_lowercase().starts_with(p));
        if !value.starts_with('#') && !embedded {
            return Some((
                format!("the reference `{}` leads outside the picture", short(value)),
                "an SVG picture may only refer to its own parts (`#id`) or embed PNG/JPEG data: remove the link or embed the image",
            ));
        }
    }
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let mut rest = compact.as_str();
    while let Some(i) = rest.find("url(") {
        let target = rest[i + 4..].trim_start_matches(['"', '\'']);
        if !target.starts_with('#') {
            return Some((
                format!("`{}` refers to something outside the picture", short(value)),
                "use `url(#id)` with an element of the same file",
            ));
        }
        rest = &rest[i + 4..];
    }
    None
}

fn short(value: &str) -> String {
    if value.chars().count() > 40 {
        format!("{}…", value.chars().take(40).collect::<String>())
    } else {
        value.to_string()
    }
}

/// Width and height from `width`/`height` (pixels) or else the `viewBox`.
fn size(root: &roxmltree::Node) -> Option<(u32, u32)> {
    let px = |name: &str| -> Option<f64> {
        let v = root.attribute(name)?.trim();
        let v = v.strip_suffix("px").unwrap_or(v);
        v.parse::<f64>().ok().filter(|n| *n > 0.0)
    };
    let view_box = || -> Option<(f64, f64)> {
        let parts: Vec<f64> = root
            .attribute("viewBox")?
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().ok())
            .collect::<Option<_>>()?;
        match parts.as_slice() {
            [_, _, w, h] if *w > 0.0 && *h > 0.0 => Some((*w, *h)),
            _ => None,
        }
    };
    let (w, h) = match (px("width"), px("height")) {
        (Some(w), Some(h)) => (w, h),
        (Some(w), None) => view_box().map(|(vw, vh)| (w, w * vh / vw))?,
        (None, Some(h)) => view_box().map(|(vw, vh)| (h * vw / vh, h))?,
        (None, None) => view_box()?,
    };
    Some((w.round().max(1.0) as u32, h.round().max(1.0) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::media::MediaKind;

    fn svg(body: &str) -> Result<(u32, u32), Vec<Diagnostic>> {
        check(&Media {
            rel: "content/x.svg".into(),
            path: "x.svg".into(),
            kind: MediaKind::Svg,
            bytes: body.as_bytes().to_vec(),
        })
    }

    const OPEN: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 80 40\">";

    #[test]
    fn a_plain_drawing_passes_with_its_size() {
        let ok = format!("{OPEN}<title>t</title><defs><linearGradient id=\"g\"/></defs><rect fill=\"url(#g)\" width=\"5\" height=\"5\"/><use href=\"#g\"/></svg>");
        assert_eq!(svg(&ok).unwrap(), (80, 40));
        let sized = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"880px\" viewBox=\"0 0 440 164\"></svg>";
        assert_eq!(svg(sized).unwrap(), (880, 328));
    }

    #[test]
    fn anything_active_or_external_is_refused() {
        for bad in [
            "<script>alert(1)</script>",
            "<rect onload=\"alert(1)\"/>",
            "<rect ONCLICK=\"alert(1)\"/>",
            "<rect style=\"fill:red\"/>",
            "<style>rect{fill:red}</style>",
            "<foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\">x</div></foreignObject>",
            "<use xlink:href=\"https://evil.example/x.svg#a\"/>",
            "<use href=\"data:image/svg+xml;base64,PHN2Zz4=\"/>",
            "<image href=\"https://evil.example/x.png\"/>",
            "<rect fill=\"url(https://evil.example/#g)\"/>",
            "<a href=\"javascript:alert(1)\"><text>x</text></a>",
            "<animate attributeName=\"href\" to=\"javascript:alert(1)\"/>",
            "<set attributeName=\"onclick\" to=\"alert(1)\"/>",
            "<?xml-stylesheet href=\"evil.css\"?>",
        ] {
            let doc = format!("{OPEN}{bad}</svg>");
            let problems = svg(&doc).expect_err(bad);
            assert!(
                problems.iter().all(|p| p.line == 1 && p.column > 1),
                "{bad}: {problems:?}"
            );
        }
        assert!(svg(
            "<!DOCTYPE svg [<!ENTITY x \"y\">]><svg xmlns=\"http://www.w3.org/2000/svg\"/>"
        )
        .is_err());
        assert!(svg("<html><script>alert(1)</script></html>").is_err());
        assert!(
            svg("<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>").is_err(),
            "no size"
        );
    }
}
