//! The diagnostic's overview diagram, drawn at build time in pure Rust: a layered layout (each
//! node one row below its deepest parent; answers ending with the rules lead to one box for
//! them, which leads to each rule result under its condition), real `<text>` with labels wrapped to the box and
//! answer labels wrapped and stacked above the node they lead to (rows spaced to fit them),
//! `role="img"` with `<title>` and `<desc>`, ids prefixed per language so they cannot clash.
//!
//! Colours and fonts are presentation attributes only (`fill`, `stroke`, `font-*`): no `<style>`
//! element and no `style=""`, so the file needs nothing beyond the site's own
//! `Content-Security-Policy: default-src 'self'` and the host needs no rule of its own for it.
//! Dark mode is a second file drawn with [`DARK`], which the overview page picks with
//! `<picture><source media="(prefers-color-scheme: dark)">`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::diagnostic::model::{DecisionTree, NodeKind};
use crate::diagnostic::rules::BY_RULES;
use crate::render::highlight::escape;

const BOX_W: f64 = 210.0;
const GAP_X: f64 = 30.0;
const GAP_Y: f64 = 70.0;
const LINE_H: f64 = 17.0;
const PAD: f64 = 10.0;
const CHARS_PER_LINE: usize = 26;
/// Answer labels are wrapped too, narrower than a box, and set above the box they lead to.
const LABEL_CHARS: usize = 30;
const LABEL_LINE_H: f64 = 15.0;
/// Room between a stack of answer labels and the boxes above and below it.
const LABEL_ROOM: f64 = 40.0;

/// Splits `text` into lines of at most `width` characters, at spaces where possible.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let fits = line.chars().count() + 1 + word.chars().count() <= width;
        if !line.is_empty() && !fits {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let cut: String = line.chars().take(width).collect();
            let rest: String = line.chars().skip(width).collect();
            lines.push(cut);
            line = rest;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The colours of one variant of the diagram.
pub(crate) struct Palette {
    /// Suffix of the ids (and of nothing else), so that the variants' ids differ too.
    pub(crate) id_suffix: &'static str,
    pub(crate) canvas: &'static str,
    /// Text in the boxes.
    pub(crate) text: &'static str,
    pub(crate) node_fill: &'static str,
    pub(crate) node_stroke: &'static str,
    pub(crate) result_fill: &'static str,
    pub(crate) result_stroke: &'static str,
    /// The box standing for the result rules.
    pub(crate) rules_fill: &'static str,
    pub(crate) rules_stroke: &'static str,
    /// Arrows and their heads.
    pub(crate) edge: &'static str,
    /// Answer labels, and the halo that keeps them readable where they cross an arrow.
    pub(crate) label: &'static str,
    pub(crate) label_halo: &'static str,
}

/// On a light page: the diagram as it always looked.
pub(crate) const LIGHT: Palette = Palette {
    id_suffix: "",
    canvas: "#ffffff",
    text: "#1f2328",
    node_fill: "#ffffff",
    node_stroke: "#57606a",
    result_fill: "#ddf4ff",
    result_stroke: "#0a5bc4",
    rules_fill: "#fff8c5",
    rules_stroke: "#9a6700",
    edge: "#57606a",
    label: "#0a5bc4",
    label_halo: "#ffffff",
};

/// On a dark page (the former `prefers-color-scheme: dark` rules of the SVG's stylesheet).
pub(crate) const DARK: Palette = Palette {
    id_suffix: "-dark",
    canvas: "#0d1117",
    text: "#e6edf3",
    node_fill: "#161b22",
    node_stroke: "#9aa5b1",
    result_fill: "#0c2d6b",
    result_stroke: "#6cb6ff",
    rules_fill: "#3b2300",
    rules_stroke: "#d29922",
    edge: "#9aa5b1",
    label: "#6cb6ff",
    label_halo: "#0d1117",
};

const FONT_FAMILY: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";

struct Placed {
    x: f64,
    y: f64,
    h: f64,
    lines: Vec<String>,
}

/// The rules' box in the drawing: its text and, per rule result in order, its edge label.
pub(crate) struct RulesBox<'a> {
    pub(crate) text: &'a str,
    pub(crate) labels: Vec<String>,
}

/// The SVG document for `lang` in the colours of `palette`; `order` lists node ids
/// breadth-first from the start. Answers ending with `"result"` lead to one box standing for
/// the rules, which leads to each rule result under its condition.
pub(crate) fn draw(
    tree: &DecisionTree,
    lang: &str,
    order: &[String],
    rules: &RulesBox,
    title: &str,
    desc: &str,
    palette: &Palette,
) -> String {
    let c = palette;
    // The boxes: the nodes, and the rules' box before the first rule result.
    let mut order: Vec<&str> = order.iter().map(String::as_str).collect();
    let has_rules = tree
        .nodes
        .values()
        .any(|n| n.options.iter().any(|o| o.next == BY_RULES));
    if has_rules {
        let at = order
            .iter()
            .position(|id| tree.rules.iter().any(|r| r == id))
            .unwrap_or(order.len());
        order.insert(at, BY_RULES);
    }
    let text_of = |id: &str| -> String {
        match tree.nodes.get(id) {
            Some(n) => n.text[lang]
                .question
                .as_deref()
                .or(n.text[lang].title.as_deref())
                .unwrap_or(id)
                .to_string(),
            None => rules.text.to_string(),
        }
    };
    // Edges (from, to, label), answers leading to the same node sharing one.
    let mut out_edges: BTreeMap<&str, Vec<(&str, Vec<&str>)>> = BTreeMap::new();
    for id in &order {
        let mut targets: Vec<(&str, Vec<&str>)> = Vec::new();
        match tree.nodes.get(*id) {
            Some(node) => {
                for o in &node.options {
                    match targets.iter_mut().find(|(t, _)| *t == o.next) {
                        Some((_, labels)) => labels.push(&o.label[lang]),
                        None => targets.push((&o.next, vec![&o.label[lang]])),
                    }
                }
            }
            None => {
                for (r, label) in tree.rules.iter().zip(&rules.labels) {
                    targets.push((r, vec![label.as_str()]));
                }
            }
        }
        out_edges.insert(id, targets);
    }

    // Layer = longest distance from the start.
    let mut layer: BTreeMap<&str, usize> = BTreeMap::new();
    layer.insert(tree.start.as_str(), 0);
    // Relax edges in order until stable; the graph is acyclic (validated).
    for _ in 0..order.len() {
        let mut changed = false;
        for id in &order {
            let Some(&l) = layer.get(id) else {
                continue;
            };
            for (target, _) in &out_edges[id] {
                let entry = layer.entry(target).or_insert(0);
                if *entry < l + 1 {
                    *entry = l + 1;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let depth = layer.values().copied().max().unwrap_or(0);
    let rows: Vec<Vec<&str>> = (0..=depth)
        .map(|d| {
            order
                .iter()
                .copied()
                .filter(|id| layer.get(id) == Some(&d))
                .collect()
        })
        .collect();
    // One arrow per (box, target), its label wrapped to lines. Labels are stacked above their
    // target, where they cannot run into the labels of the target's neighbours.
    let mut edges: Vec<(&str, &str)> = Vec::new();
    let mut incoming: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
    for id in &order {
        for (target, names) in &out_edges[id] {
            edges.push((id, target));
            incoming
                .entry(target)
                .or_default()
                .push(wrap(&names.join(" / "), LABEL_CHARS));
        }
    }
    let labels_h = |id: &str| -> f64 {
        incoming.get(id).map_or(0.0, |blocks| {
            blocks
                .iter()
                .map(|b| b.len() as f64 * LABEL_LINE_H + 4.0)
                .sum()
        })
    };

    let widest = rows.iter().map(Vec::len).max().unwrap_or(1) as f64;
    let width = widest * (BOX_W + GAP_X) + GAP_X;

    let mut placed: BTreeMap<&str, Placed> = BTreeMap::new();
    let mut y = 20.0;
    for (d, row) in rows.iter().enumerate() {
        if d > 0 {
            let labels = row.iter().map(|id| labels_h(id)).fold(0.0, f64::max);
            y += GAP_Y.max(labels + LABEL_ROOM);
        }
        let row_w = row.len() as f64 * (BOX_W + GAP_X) - GAP_X;
        let mut x = (width - row_w) / 2.0;
        let mut row_h: f64 = 0.0;
        for id in row {
            let lines = wrap(&text_of(id), CHARS_PER_LINE);
            let h = lines.len() as f64 * LINE_H + 2.0 * PAD;
            row_h = row_h.max(h);
            placed.insert(id, Placed { x, y, h, lines });
            x += BOX_W + GAP_X;
        }
        y += row_h;
    }
    let height = y + 20.0;

    let p = format!("pbd-{lang}{}", c.id_suffix);
    let mut svg = String::new();
    // Font attributes on the root are inherited by every <text>.
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-labelledby=\"{p}-title {p}-desc\" lang=\"{lang}\" font-family=\"{FONT_FAMILY}\" font-size=\"13\">\n<title id=\"{p}-title\">{}</title>\n<desc id=\"{p}-desc\">{}</desc>\n",
        escape(title),
        escape(desc)
    );
    let _ = writeln!(
        svg,
        "<defs><marker id=\"{p}-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path class=\"arrow\" d=\"M0,0 L10,5 L0,10 z\" fill=\"{}\"/></marker></defs>",
        c.edge
    );
    let _ = writeln!(
        svg,
        "<rect class=\"canvas\" x=\"0\" y=\"0\" width=\"{width:.0}\" height=\"{height:.0}\" fill=\"{}\"/>",
        c.canvas
    );

    // Edges first, so boxes sit on top; labels last, so they sit on everything. An arrow bends
    // in the upper part of the gap, then runs straight down through its target's labels.
    for (from, target) in &edges {
        let (from, to) = (&placed[from], &placed[target]);
        let (x1, y1) = (from.x + BOX_W / 2.0, from.y + from.h);
        let (x2, y2) = (to.x + BOX_W / 2.0, to.y);
        let yt = (y2 - labels_h(target) - 14.0).max(y1);
        let my = (y1 + yt) / 2.0;
        let _ = writeln!(
            svg,
            "<path class=\"edge\" d=\"M{x1:.1},{y1:.1} C{x1:.1},{my:.1} {x2:.1},{my:.1} {x2:.1},{yt:.1} L{x2:.1},{y2:.1}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" marker-end=\"url(#{p}-arrow)\"/>",
            c.edge
        );
    }
    let mut labels = String::new();
    for (target, blocks) in &incoming {
        let to = &placed[target];
        let x = to.x + BOX_W / 2.0;
        let mut bottom = to.y - 14.0;
        for lines in blocks.iter().rev() {
            let first = bottom - (lines.len() as f64 - 1.0) * LABEL_LINE_H;
            let _ = write!(
                labels,
                "<text class=\"label\" x=\"{x:.1}\" y=\"{first:.1}\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"700\" fill=\"{}\" stroke=\"{}\" stroke-width=\"4\" paint-order=\"stroke\">",
                c.label, c.label_halo
            );
            for (i, line) in lines.iter().enumerate() {
                let dy = if i == 0 { 0.0 } else { LABEL_LINE_H };
                let _ = write!(
                    labels,
                    "<tspan x=\"{x:.1}\" dy=\"{dy:.0}\">{}</tspan>",
                    escape(line)
                );
            }
            labels.push_str("</text>\n");
            bottom = first - LABEL_LINE_H - 4.0;
        }
    }
    for id in &order {
        let n = &placed[id];
        let (class, fill, stroke) = match tree.nodes.get(*id).map(|n| n.kind) {
            Some(NodeKind::Result) => ("node result", c.result_fill, c.result_stroke),
            Some(NodeKind::Question) => ("node", c.node_fill, c.node_stroke),
            None => ("node rules", c.rules_fill, c.rules_stroke),
        };
        let _ = writeln!(svg, "<g class=\"{class}\" id=\"{p}-node-{}\">", escape(id));
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{BOX_W:.0}\" height=\"{:.1}\" rx=\"6\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>",
            n.x, n.y, n.h
        );
        for (i, line) in n.lines.iter().enumerate() {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
                n.x + BOX_W / 2.0,
                n.y + PAD + LINE_H * (i as f64 + 1.0) - 4.0,
                c.text,
                escape(line)
            );
        }
        svg.push_str("</g>\n");
    }
    svg.push_str(&labels);
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::{wrap, Palette, DARK, LIGHT};

    /// WCAG 2 contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let luminance = |hex: &str| {
            let channel = |i: usize| {
                let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
                if c <= 0.03928 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        };
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn both_palettes_keep_text_and_lines_readable() {
        for (name, c) in [("light", &LIGHT), ("dark", &DARK)] {
            let c: &Palette = c;
            // Text: 4.5:1 (WCAG 1.4.3) on everything it is drawn on.
            for (what, fg, bg) in [
                ("box text on a question", c.text, c.node_fill),
                ("box text on a result", c.text, c.result_fill),
                ("box text on the rules", c.text, c.rules_fill),
                ("answer label on its halo", c.label, c.label_halo),
                ("answer label on the canvas", c.label, c.canvas),
            ] {
                let r = contrast(fg, bg);
                assert!(r >= 4.5, "{name}: {what}: {fg} on {bg} is {r:.2}:1");
            }
            // Lines that carry meaning: 3:1 (WCAG 1.4.11) against the canvas.
            for (what, fg) in [
                ("arrows", c.edge),
                ("question boxes", c.node_stroke),
                ("result boxes", c.result_stroke),
                ("the rules' box", c.rules_stroke),
            ] {
                let r = contrast(fg, c.canvas);
                assert!(r >= 3.0, "{name}: {what}: {fg} on {} is {r:.2}:1", c.canvas);
            }
        }
    }

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(
            wrap("La direction soutient-elle activement le projet ?", 20),
            vec!["La direction", "soutient-elle", "activement le projet", "?"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }
}
