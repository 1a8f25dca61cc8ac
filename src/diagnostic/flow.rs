//! The tree as data: the overview's reading order (breadth-first from the first question, then
//! the rule results in the order they are tried) and `flow.json`, the flow of one language
//! (nodes, options, labels, slugs, targets, and the rules that choose a result where an
//! answer's `next` is `"result"`) for scripts.

use std::collections::BTreeSet;

use crate::diagnostic::model::DecisionTree;

/// Node ids breadth-first from the start, then the rule results not met on the way: the
/// reading order of the overview.
pub(crate) fn order(tree: &DecisionTree) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut queue = std::collections::VecDeque::from([tree.start.clone()]);
    let mut list = Vec::new();
    while let Some(id) = queue.pop_front() {
        if seen.insert(id.clone()) {
            queue.extend(tree.nodes[&id].targets().cloned());
            list.push(id);
        }
    }
    for id in &tree.rules {
        if seen.insert(id.clone()) {
            list.push(id.clone());
        }
    }
    list
}

pub(crate) fn flow_json(tree: &DecisionTree, lang: &str) -> String {
    let nodes: Vec<serde_json::Value> = order(tree)
        .iter()
        .map(|id| {
            let n = &tree.nodes[id];
            let mut node = serde_json::json!({
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
                    "to_check": o.to_check,
                })).collect::<Vec<_>>(),
            });
            if let Some(tone) = n.tone {
                node["tone"] = serde_json::json!(tone);
            }
            if let Some(order) = n.order {
                node["order"] = serde_json::json!(order);
                node["when"] = serde_json::json!(n.when.clone().unwrap_or_default());
            }
            node
        })
        .collect();
    let flow = serde_json::json!({
        "lang": lang,
        "start": tree.start,
        "rules": tree.rules,
        "nodes": nodes,
    });
    serde_json::to_string_pretty(&flow).expect("json") + "\n"
}
