//! The diagnostic's overview diagram, drawn at build time in pure Rust: a layered layout (each
//! node one row below its deepest parent; answers ending with the rules lead to one box for
//! them, which leads to each rule result under its condition), real `<text>` with labels wrapped to the box and
//! answer labels wrapped and stacked above the node they lead to (rows spaced to fit them),
//! `role="img"` with `<title>` and `<desc>`, ids prefixed per language so they cannot clash,
//! and colours set by classes in the SVG's own stylesheet, with a dark variant.

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

/// The SVG document for `lang`; `order` lists node ids breadth-first from the start. Answers
/// ending with `"result"` lead to one box standing for the rules, which leads to each rule
/// result under its condition.
pub(crate) fn draw(
    tree: &DecisionTree,
    lang: &str,
    order: &[String],
    rules: &RulesBox,
    title: &str,
    desc: &str,
) -> String {
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

    let p = format!("pbd-{lang}");
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-labelledby=\"{p}-title {p}-desc\" lang=\"{lang}\">\n<title id=\"{p}-title\">{}</title>\n<desc id=\"{p}-desc\">{}</desc>\n",
        escape(title),
        escape(desc)
    );
    svg.push_str(concat!(
        "<style>\n",
        "text { font-family: system-ui, -apple-system, \"Segoe UI\", Roboto, Arial, sans-serif; font-size: 13px; fill: #1f2328; }\n",
        ".node rect { fill: #ffffff; stroke: #57606a; stroke-width: 1.5; }\n",
        ".result rect { fill: #ddf4ff; stroke: #0a5bc4; }\n",
        ".rules rect { fill: #fff8c5; stroke: #9a6700; stroke-dasharray: 6 3; }\n",
        ".edge { fill: none; stroke: #57606a; stroke-width: 1.5; }\n",
        ".arrow { fill: #57606a; }\n",
        ".label { font-size: 12px; font-weight: 700; fill: #0a5bc4; paint-order: stroke; stroke: #ffffff; stroke-width: 4px; }\n",
        ".canvas { fill: #ffffff; }\n",
        "@media (prefers-color-scheme: dark) {\n",
        "  text { fill: #e6edf3; }\n",
        "  .canvas { fill: #0d1117; }\n",
        "  .node rect { fill: #161b22; stroke: #9aa5b1; }\n",
        "  .result rect { fill: #0c2d6b; stroke: #6cb6ff; }\n",
        "  .rules rect { fill: #3b2300; stroke: #d29922; }\n",
        "  .edge { stroke: #9aa5b1; }\n",
        "  .arrow { fill: #9aa5b1; }\n",
        "  .label { fill: #6cb6ff; stroke: #0d1117; }\n",
        "}\n",
        "</style>\n"
    ));
    let _ = writeln!(
        svg,
        "<defs><marker id=\"{p}-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path class=\"arrow\" d=\"M0,0 L10,5 L0,10 z\"/></marker></defs>"
    );
    let _ = writeln!(
        svg,
        "<rect class=\"canvas\" x=\"0\" y=\"0\" width=\"{width:.0}\" height=\"{height:.0}\"/>"
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
            "<path class=\"edge\" d=\"M{x1:.1},{y1:.1} C{x1:.1},{my:.1} {x2:.1},{my:.1} {x2:.1},{yt:.1} L{x2:.1},{y2:.1}\" marker-end=\"url(#{p}-arrow)\"/>"
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
                "<text class=\"label\" x=\"{x:.1}\" y=\"{first:.1}\" text-anchor=\"middle\">"
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
        let class = match tree.nodes.get(*id).map(|n| n.kind) {
            Some(NodeKind::Result) => "node result",
            Some(NodeKind::Question) => "node",
            None => "node rules",
        };
        let _ = writeln!(svg, "<g class=\"{class}\" id=\"{p}-node-{}\">", escape(id));
        let _ = writeln!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{BOX_W:.0}\" height=\"{:.1}\" rx=\"6\"/>",
            n.x, n.y, n.h
        );
        for (i, line) in n.lines.iter().enumerate() {
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                n.x + BOX_W / 2.0,
                n.y + PAD + LINE_H * (i as f64 + 1.0) - 4.0,
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
    use super::wrap;

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(
            wrap("La direction soutient-elle activement le projet ?", 20),
            vec!["La direction", "soutient-elle", "activement le projet", "?"]
        );
        assert_eq!(wrap("abcdefghij", 4), vec!["abcd", "efgh", "ij"]);
    }
}
