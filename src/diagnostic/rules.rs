//! How a result is chosen and what it must say. An answer whose `next` is `"result"` ends the
//! questions; the result shown is then the first *rule result* (a result with `order`, tried
//! in that order) whose `when` conditions all hold for the answers given. `Situation` is what
//! a path says (obstacles flagged, obstacles left to check), `Tone` what a result claims about
//! it, checked against every path by `validate`. No HTML here.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::diagnostic::model::{Answer, DecisionTree, Node};

/// The `next` of an answer that ends the questions and lets the rules choose the result.
pub(crate) const BY_RULES: &str = "result";

/// What a result says about the answers: nothing flagged and nothing to check (`clear`),
/// nothing flagged but something to check (`check`), or obstacles flagged (`obstacles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Tone {
    Clear,
    Check,
    Obstacles,
}

impl Tone {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Tone::Clear => "clear",
            Tone::Check => "check",
            Tone::Obstacles => "obstacles",
        }
    }
}

/// A rule result's conditions; all must hold (none: always).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct When {
    /// Every one of these obstacles is flagged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) flagged: Vec<String>,
    /// At least one of these is flagged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) flagged_any: Vec<String>,
    /// None of these is flagged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) not_flagged: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) flagged_at_least: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) flagged_at_most: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) to_check_at_least: Option<usize>,
    /// Answers given on the way, as `question=option`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) answered: Vec<String>,
}

impl When {
    /// Every obstacle id the conditions name, with the field naming it.
    pub(crate) fn obstacle_ids(&self) -> impl Iterator<Item = (&'static str, &String)> {
        self.flagged
            .iter()
            .map(|id| ("flagged", id))
            .chain(self.flagged_any.iter().map(|id| ("flagged_any", id)))
            .chain(self.not_flagged.iter().map(|id| ("not_flagged", id)))
    }

    pub(crate) fn holds(&self, s: &Situation, path: &[(&Node, &Answer)]) -> bool {
        let count = s.flagged.len();
        self.flagged.iter().all(|o| s.flagged.contains(o))
            && (self.flagged_any.is_empty()
                || self.flagged_any.iter().any(|o| s.flagged.contains(o)))
            && !self.not_flagged.iter().any(|o| s.flagged.contains(o))
            && self.flagged_at_least.is_none_or(|n| count >= n)
            && self.flagged_at_most.is_none_or(|n| count <= n)
            && self.to_check_at_least.is_none_or(|n| s.to_check.len() >= n)
            && self.answered.iter().all(|a| {
                path.iter()
                    .any(|(n, o)| a.split_once('=') == Some((n.id.as_str(), o.id.as_str())))
            })
    }
}

/// What the answers of a path say: the obstacles flagged, and those left to check (flagged
/// wins: an obstacle flagged by one answer and left open by another is flagged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Situation {
    pub(crate) flagged: BTreeSet<String>,
    pub(crate) to_check: BTreeSet<String>,
}

impl Situation {
    /// What the answers alone say (what the rules look at).
    pub(crate) fn of(path: &[(&Node, &Answer)]) -> Situation {
        let mut s = Situation::default();
        for (_, o) in path {
            s.flagged.extend(o.obstacles.iter().cloned());
            s.to_check.extend(o.to_check.iter().cloned());
        }
        s.settle();
        s
    }

    /// With the obstacles the result itself flags: what its page shows.
    pub(crate) fn shown(path: &[(&Node, &Answer)], result: &Node) -> Situation {
        let mut s = Situation::of(path);
        s.flagged.extend(result.obstacles.iter().cloned());
        s.settle();
        s
    }

    fn settle(&mut self) {
        let flagged = &self.flagged;
        self.to_check.retain(|o| !flagged.contains(o));
    }

    /// The tone a result must have to tell the truth about this situation.
    pub(crate) fn tone(&self) -> Tone {
        if !self.flagged.is_empty() {
            Tone::Obstacles
        } else if !self.to_check.is_empty() {
            Tone::Check
        } else {
            Tone::Clear
        }
    }
}

/// The result the rules choose after the answers of `path` (the last one being an answer
/// whose `next` is `"result"`).
pub(crate) fn choose<'t>(tree: &'t DecisionTree, path: &[(&Node, &Answer)]) -> Option<&'t Node> {
    let situation = Situation::of(path);
    tree.rules
        .iter()
        .map(|id| &tree.nodes[id])
        .find(|n| n.when.as_ref().is_none_or(|w| w.holds(&situation, path)))
}

/// A rule's conditions in words, from the interface strings (`string`) and obstacle titles
/// (`title`); answers are shown as `question → answer` (`answer`).
pub(crate) fn describe(
    when: Option<&When>,
    string: &dyn Fn(&str) -> String,
    title: &dyn Fn(&str) -> String,
    answer: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let Some(w) = when else {
        return vec![string("diagnostic_when_otherwise")];
    };
    let list = |ids: &[String]| {
        ids.iter()
            .map(|id| title(id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let count = |key_one: &str, key_many: &str, n: usize| {
        if n == 1 {
            string(key_one)
        } else {
            string(key_many).replace("{n}", &n.to_string())
        }
    };
    let mut out = Vec::new();
    if !w.flagged.is_empty() {
        out.push(string("diagnostic_when_flagged").replace("{obstacles}", &list(&w.flagged)));
    }
    if !w.flagged_any.is_empty() {
        out.push(
            string("diagnostic_when_flagged_any").replace("{obstacles}", &list(&w.flagged_any)),
        );
    }
    if !w.not_flagged.is_empty() {
        out.push(
            string("diagnostic_when_not_flagged").replace("{obstacles}", &list(&w.not_flagged)),
        );
    }
    if let Some(n) = w.flagged_at_least {
        out.push(count(
            "diagnostic_when_flagged_at_least_one",
            "diagnostic_when_flagged_at_least",
            n,
        ));
    }
    match w.flagged_at_most {
        Some(0) => out.push(string("diagnostic_when_none_flagged")),
        Some(n) => out.push(count(
            "diagnostic_when_flagged_at_most_one",
            "diagnostic_when_flagged_at_most",
            n,
        )),
        None => {}
    }
    if let Some(n) = w.to_check_at_least {
        out.push(count(
            "diagnostic_when_to_check_at_least_one",
            "diagnostic_when_to_check_at_least",
            n,
        ));
    }
    for a in &w.answered {
        out.push(string("diagnostic_when_answered").replace("{answer}", &answer(a)));
    }
    if out.is_empty() {
        out.push(string("diagnostic_when_otherwise"));
    }
    out
}
