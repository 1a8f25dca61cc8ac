//! What a result page shows, worked out from the answers: the obstacles flagged and those left
//! to check, most blocking first (obstacle `priority`), and the steps — at most three to start
//! with, the other relevant ones "then". The steps are listed obstacle by obstacle, most
//! blocking first, each obstacle's steps in playbook order (a step already listed is not
//! repeated), flagged obstacles before those to check, then the result's `always_steps`; the
//! first three of that list are the steps to start with. So a step to start with is never
//! preceded in the playbook by a step that deals with the same or a more blocking obstacle and
//! is left out. No HTML here.

use crate::content::model::{Key, Site};
use crate::diagnostic::model::{Answer, Node};
use crate::diagnostic::rules::{Situation, Tone};

/// The most steps a result asks the reader to start with.
pub(crate) const START_STEPS: usize = 3;

/// A result page's obstacles and steps, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    /// Flagged, most blocking first.
    pub(crate) obstacles: Vec<String>,
    /// Left open by the answers ("I don't know", "partly"), most blocking first.
    pub(crate) to_check: Vec<String>,
    /// The steps to start with (at most `START_STEPS`), in playbook order.
    pub(crate) start: Vec<String>,
    /// The other relevant steps, in playbook order.
    pub(crate) then: Vec<String>,
    /// What the answers say, which the result's `tone` must match.
    pub(crate) tone: Tone,
}

/// Obstacle ids from the one that blocks the most: by `priority`, then the obstacles without
/// one, in their usual order.
pub(crate) fn ranking(site: &Site) -> Vec<String> {
    let mut ranked: Vec<(i64, usize, &Key)> = site
        .obstacles
        .iter()
        .enumerate()
        .map(|(i, k)| (site.entry(k).priority.unwrap_or(i64::MAX), i, k))
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, _, k)| k.id.clone()).collect()
}

/// The obstacles and steps a result reached by `path` shows.
pub(crate) fn outcome(site: &Site, result: &Node, path: &[(&Node, &Answer)]) -> Outcome {
    let situation = Situation::shown(path, result);
    let ranked = ranking(site);
    let obstacles: Vec<String> = ranked
        .iter()
        .filter(|o| situation.flagged.contains(*o))
        .cloned()
        .collect();
    let to_check: Vec<String> = ranked
        .iter()
        .filter(|o| situation.to_check.contains(*o))
        .cloned()
        .collect();
    let mut list: Vec<String> = Vec::new();
    for o in obstacles.iter().chain(&to_check) {
        for step in site.addressed_by.get(o).into_iter().flatten() {
            if !list.contains(step) {
                list.push(step.clone());
            }
        }
    }
    for step in &site.steps {
        if result.always_steps.contains(&step.id) && !list.contains(&step.id) {
            list.push(step.id.clone());
        }
    }
    let in_playbook_order = |ids: &[String]| -> Vec<String> {
        site.steps
            .iter()
            .filter(|k| ids.contains(&k.id))
            .map(|k| k.id.clone())
            .collect()
    };
    let cut = list.len().min(START_STEPS);
    Outcome {
        start: in_playbook_order(&list[..cut]),
        then: in_playbook_order(&list[cut..]),
        obstacles,
        to_check,
        tone: situation.tone(),
    }
}
