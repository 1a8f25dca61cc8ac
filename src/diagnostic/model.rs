//! The decision tree's model: the node files of `content/diagnostic/` (one file per question or
//! result, both languages inline) parsed into `Node`s, tied to the start page's first question,
//! and handed to `validate`. Also what a path through the tree means: `walk` visits every
//! (node, answers that led there), following an answer whose `next` is `"result"` to the result
//! the rules choose (`rules`). What a result shows is `outcome`'s. No HTML here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::content::discover::{SourceFile, DIAGNOSTIC_SECTION};
use crate::content::frontmatter;
use crate::content::kinds::KindFront;
use crate::content::model::{Key, Site, Translation};
use crate::diagnostic::rules::{choose, Tone, When, BY_RULES};
use crate::diagnostic::validate::validate;
use crate::errors::{did_you_mean, Diagnostic, Diagnostics};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum NodeKind {
    Question,
    Result,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeText {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) question: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) hint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) intro: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Answer {
    pub(crate) id: String,
    pub(crate) next: String,
    #[serde(default)]
    pub(crate) obstacles: Vec<String>,
    /// Obstacles this answer leaves open ("partly", "I don't know"): shown as to check.
    #[serde(default)]
    pub(crate) to_check: Vec<String>,
    pub(crate) label: BTreeMap<String, String>,
    pub(crate) slug: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct NodeFront {
    kind: NodeKind,
    text: BTreeMap<String, NodeText>,
    #[serde(default)]
    options: Vec<Answer>,
    #[serde(default)]
    obstacles: Vec<String>,
    #[serde(default)]
    always_steps: Vec<String>,
    tone: Option<Tone>,
    order: Option<i64>,
    when: Option<When>,
}

/// One question or result.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) id: String,
    pub(crate) kind: NodeKind,
    pub(crate) text: BTreeMap<String, NodeText>,
    pub(crate) options: Vec<Answer>,
    pub(crate) obstacles: Vec<String>,
    pub(crate) always_steps: Vec<String>,
    /// A result's claim about the answers (required on results, checked on every path).
    pub(crate) tone: Option<Tone>,
    /// A rule result's place among the rules.
    pub(crate) order: Option<i64>,
    /// A rule result's conditions.
    pub(crate) when: Option<When>,
    file: String,
    source: String,
    front: (usize, usize),
}

impl Node {
    /// A diagnostic on the line of `key` holding `needle` (or the nearest sensible place).
    pub(crate) fn error(
        &self,
        key: &str,
        needle: Option<&str>,
        message: impl Into<String>,
    ) -> Diagnostic {
        let (at, len) = locate(&self.source, self.front, key, needle);
        Diagnostic::at(&self.file, &self.source, at, len, message)
    }

    /// The nodes this node's answers lead to directly (not the rules' `"result"`).
    pub(crate) fn targets(&self) -> impl Iterator<Item = &String> {
        self.options
            .iter()
            .filter(|o| o.next != BY_RULES)
            .map(|o| &o.next)
    }

    pub(crate) fn heading(&self, lang: &str) -> &str {
        let t = &self.text[lang];
        match self.kind {
            NodeKind::Question => t.question.as_deref().unwrap_or(""),
            NodeKind::Result => t.title.as_deref().unwrap_or(""),
        }
    }
}

fn locate(
    text: &str,
    (start, end): (usize, usize),
    key: &str,
    needle: Option<&str>,
) -> (usize, usize) {
    let front = &text[start..end];
    let is_key_line = |line: &str| {
        let t = line.trim_start().trim_start_matches("- ");
        t.starts_with(key) && t[key.len()..].trim_start().starts_with(['=', ':'])
            || line.contains(&format!("{key} ="))
            || line.contains(&format!("{key}:"))
    };
    let mut offset = start;
    let mut key_line = None;
    let mut any_line = None;
    for line in front.split_inclusive('\n') {
        let quoted = needle.map(|n| format!("\"{n}\""));
        let hit = needle.and_then(|n| {
            line.find(quoted.as_deref().unwrap_or(n))
                .map(|i| (i + 1, n.len()))
                .or_else(|| line.find(n).map(|i| (i, n.len())))
        });
        if is_key_line(line) {
            if let Some((i, len)) = hit {
                return (offset + i, len);
            }
            key_line.get_or_insert((offset + line.len() - line.trim_start().len(), key.len()));
        } else if let (Some((i, len)), None) = (hit, any_line) {
            any_line = Some((offset + i, len));
        }
        offset += line.len();
    }
    any_line.or(key_line).unwrap_or((0, 3))
}

/// The validated decision tree.
#[derive(Debug)]
pub(crate) struct DecisionTree {
    pub(crate) start: String,
    pub(crate) nodes: BTreeMap<String, Node>,
    /// The rule results (results with `order`), in the order they are tried.
    pub(crate) rules: Vec<String>,
}

/// Loads and validates the tree. `None` when the site has no diagnostic.
pub(crate) fn load(site: &Site) -> (Option<DecisionTree>, Diagnostics) {
    let mut problems = Diagnostics::default();
    let index = site.entries.get(&Key::new(DIAGNOSTIC_SECTION, "_index"));
    if index.is_none() && site.diagnostic_files.is_empty() {
        return (None, problems);
    }
    let Some(index) = index else {
        let first = &site.diagnostic_files[0].rel;
        problems.push(
            Diagnostic::file(first, "the diagnostic has nodes but no start page")
                .help(format!("add `content/{DIAGNOSTIC_SECTION}/_index.{}.md` with `title` and `start = \"<first question id>\"`", site.languages[0])),
        );
        return (None, problems);
    };

    let mut nodes = BTreeMap::new();
    for file in &site.diagnostic_files {
        match parse_node(file) {
            Ok(node) => {
                nodes.insert(node.id.clone(), node);
            }
            Err(d) => problems.push(d),
        }
    }
    if problems.has_errors() {
        return (None, problems);
    }

    // The first question, the same in every language.
    let mut start: Option<(String, &Translation)> = None;
    for lang in &site.languages {
        let Some(t) = index.translations.get(lang) else {
            continue;
        };
        let KindFront::DiagnosticStart { start: s } = &t.front.kind else {
            continue;
        };
        match &start {
            None => start = Some((s.clone(), t)),
            Some((first, ft)) if first != s => problems.push(
                t.error_at(
                    "start",
                    Some(s),
                    format!("`start` is `{s}` here but `{first}` in `{}`", ft.file),
                )
                .help("every language starts the diagnostic with the same question"),
            ),
            Some(_) => {}
        }
    }
    let Some((start, start_file)) = start else {
        return (None, problems);
    };
    if !nodes.contains_key(&start) {
        let ids: Vec<&str> = nodes.keys().map(String::as_str).collect();
        let d = start_file.error_at(
            "start",
            Some(&start),
            format!("unknown first question `{start}`"),
        );
        problems.push(match did_you_mean(&start, ids.iter().copied()) {
            Some(best) => d.help(format!("did you mean `{best}`?")),
            None => d.help(format!(
                "name a node file of content/{DIAGNOSTIC_SECTION}/: {}",
                ids.join(", ")
            )),
        });
        return (None, problems);
    }
    let mut rules: Vec<(i64, String)> = nodes
        .values()
        .filter_map(|n| n.order.map(|o| (o, n.id.clone())))
        .collect();
    rules.sort();
    let rules = rules.into_iter().map(|(_, id)| id).collect();
    let tree = DecisionTree {
        start,
        nodes,
        rules,
    };
    validate(&tree, site, &mut problems);
    if problems.has_errors() {
        (None, problems)
    } else {
        (Some(tree), problems)
    }
}

fn parse_node(file: &SourceFile) -> Result<Node, Diagnostic> {
    let text = frontmatter::decode(&file.rel, &file.bytes)?;
    let split = frontmatter::split(&file.rel, &text)?;
    let f: NodeFront = frontmatter::parse(&file.rel, &text, &split)?;
    let front = (split.front_offset, split.front_offset + split.front.len());
    Ok(Node {
        id: file.id.clone(),
        kind: f.kind,
        text: f.text,
        options: f.options,
        obstacles: f.obstacles,
        always_steps: f.always_steps,
        tone: f.tone,
        order: f.order,
        when: f.when,
        file: file.rel.clone(),
        source: text,
        front,
    })
}

/// The answers that led to a node: (question, option chosen) from the start.
pub(crate) type Path<'t> = [(&'t Node, &'t Answer)];

/// Visits every (node, answers that led there) in depth-first order; `f` returns false to stop
/// descending. An answer leading to `"result"` visits the result the rules choose (none when no
/// rule matches, which `validate` reports).
pub(crate) fn walk<'t>(
    tree: &'t DecisionTree,
    id: &str,
    path: &mut Vec<(&'t Node, &'t Answer)>,
    f: &mut dyn FnMut(&'t Node, &Path<'t>) -> bool,
) {
    let node = &tree.nodes[id];
    if !f(node, path) {
        return;
    }
    for o in &node.options {
        path.push((node, o));
        if o.next == BY_RULES {
            if let Some(result) = choose(tree, path) {
                f(result, path);
            }
        } else {
            walk(tree, &o.next, path, f);
        }
        path.pop();
    }
}
