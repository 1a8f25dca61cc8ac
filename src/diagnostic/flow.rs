//! The tree as data: the overview's reading order (breadth-first from the first question) and
//! `flow.json`, the flow of one language (nodes, options, labels, slugs, targets) for scripts.

use std::collections::BTreeSet;

use crate::diagnostic::model::DecisionTree;

/// Node ids breadth-first from the start: the reading order of the overview.
pub(crate) fn order(tree: &DecisionTree) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut queue = std::collections::VecDeque::from([tree.start.clone()]);
    let mut list = Vec::new();
    while let Some(id) = queue.pop_front() {
        if seen.insert(id.clone()) {
            queue.extend(tree.nodes[&id].options.iter().map(|o| o.next.clone()));
            list.push(id);
        }
    }
    list
}

pub(crate) fn flow_json(tree: &DecisionTree, lang: &str) -> String {
    let nodes: Vec<serde_json::Value> = order(tree)
        .iter()
        .map(|id| {
            let n = &tree.nodes[id];
            serde_json::json!({
                "id": n.id,
                "kind": n.kind,
                "text": n.text.get(lang),
                "obstacles": n.obstacles,
                "always_steps": n.always_steps,
                "options": n.options.iter().map(|o| serde_json::json!({
                    "id": o.id,
                    "label": o.label.get(lang),
                    "slug": o.slug.get(lang),
                    "next": o.next,
                    "obstacles": o.obstacles,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let flow = serde_json::json!({ "lang": lang, "start": tree.start, "nodes": nodes });
    serde_json::to_string_pretty(&flow).expect("json") + "\n"
}
