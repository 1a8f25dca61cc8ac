//! Page kinds and their front matter: which fields an obstacle, a step, the glossary, any other
//! page and the diagnostic's start page take (unknown keys are errors), and the one `Front` they all become,
//! language-neutral fields left optional so either translation may carry them. The section
//! folder picks the kind; `frontmatter.rs` does the reading and the error messages.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::content::frontmatter::{parse, Split};
use crate::errors::Diagnostic;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ObstacleFront {
    pub(crate) title: String,
    pub(crate) summary: String,
    pub(crate) slug: Option<String>,
    pub(crate) weight: Option<i64>,
    /// Rank in the diagnostic: 1 is the obstacle that blocks the most, tackled first.
    pub(crate) priority: Option<i64>,
    #[serde(default)]
    pub(crate) signals: Vec<String>,
    pub(crate) sources: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    pub(crate) renamed_from: Option<String>,
    pub(crate) translated_from: Option<String>,
}

/// Front matter of a step page (`content/steps/`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepFront {
    pub(crate) title: String,
    pub(crate) summary: String,
    pub(crate) slug: Option<String>,
    pub(crate) order: Option<i64>,
    pub(crate) addresses: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) actions: Vec<String>,
    #[serde(default)]
    pub(crate) roles: Vec<String>,
    pub(crate) sources: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    pub(crate) renamed_from: Option<String>,
    pub(crate) translated_from: Option<String>,
}

/// Front matter of any other page, and of section pages (`_index`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageFront {
    pub(crate) title: String,
    pub(crate) summary: Option<String>,
    pub(crate) slug: Option<String>,
    pub(crate) weight: Option<i64>,
    pub(crate) sources: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    pub(crate) renamed_from: Option<String>,
    pub(crate) translated_from: Option<String>,
}

/// Front matter of the glossary page (`content/glossary.<lang>.md`): a page with, per term
/// id, the other forms of the term in this language (`terms = { working-group = ["working
/// groups"] }`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GlossaryFront {
    pub(crate) title: String,
    pub(crate) summary: Option<String>,
    pub(crate) slug: Option<String>,
    pub(crate) weight: Option<i64>,
    pub(crate) sources: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    pub(crate) translated_from: Option<String>,
    #[serde(default)]
    pub(crate) terms: BTreeMap<String, Vec<String>>,
}

/// The kind-specific part of a page, language-neutral fields left optional so either
/// translation may carry them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KindFront {
    Obstacle {
        signals: Vec<String>,
    },
    Step {
        order: Option<i64>,
        addresses: Option<Vec<String>>,
        actions: Vec<String>,
        roles: Vec<String>,
    },
    Page,
    /// The glossary page: extra forms of its terms in this language, by term id.
    Glossary {
        terms: BTreeMap<String, Vec<String>>,
    },
    /// The diagnostic's start page, naming its first question.
    DiagnosticStart {
        start: String,
    },
}

/// What every page's front matter says, whatever its kind.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Front {
    pub(crate) title: String,
    pub(crate) summary: Option<String>,
    pub(crate) slug: Option<String>,
    pub(crate) weight: Option<i64>,
    /// An obstacle's rank in the diagnostic (see `ObstacleFront::priority`).
    pub(crate) priority: Option<i64>,
    pub(crate) sources: Option<Vec<String>>,
    pub(crate) aliases: Vec<String>,
    /// The page id this file had before it was renamed (`old-id` or `section/old-id`): its
    /// addresses in the URL ledger become this page's old addresses.
    pub(crate) renamed_from: Option<String>,
    pub(crate) translated_from: Option<String>,
    pub(crate) kind: KindFront,
}

impl From<ObstacleFront> for Front {
    fn from(f: ObstacleFront) -> Self {
        Front {
            title: f.title,
            summary: Some(f.summary),
            slug: f.slug,
            weight: f.weight,
            priority: f.priority,
            sources: f.sources,
            aliases: f.aliases,
            renamed_from: f.renamed_from,
            translated_from: f.translated_from,
            kind: KindFront::Obstacle { signals: f.signals },
        }
    }
}

impl From<StepFront> for Front {
    fn from(f: StepFront) -> Self {
        Front {
            title: f.title,
            summary: Some(f.summary),
            slug: f.slug,
            weight: None,
            priority: None,
            sources: f.sources,
            aliases: f.aliases,
            renamed_from: f.renamed_from,
            translated_from: f.translated_from,
            kind: KindFront::Step {
                order: f.order,
                addresses: f.addresses,
                actions: f.actions,
                roles: f.roles,
            },
        }
    }
}

impl From<PageFront> for Front {
    fn from(f: PageFront) -> Self {
        Front {
            title: f.title,
            summary: f.summary,
            slug: f.slug,
            weight: f.weight,
            priority: None,
            sources: f.sources,
            aliases: f.aliases,
            renamed_from: f.renamed_from,
            translated_from: f.translated_from,
            kind: KindFront::Page,
        }
    }
}

impl From<GlossaryFront> for Front {
    fn from(f: GlossaryFront) -> Self {
        Front {
            title: f.title,
            summary: f.summary,
            slug: f.slug,
            weight: f.weight,
            priority: None,
            sources: f.sources,
            aliases: f.aliases,
            // Its id is fixed (`glossary`): it is never a renamed file.
            renamed_from: None,
            translated_from: f.translated_from,
            kind: KindFront::Glossary { terms: f.terms },
        }
    }
}

/// Which structure a file's front matter must fill, chosen by its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    Obstacle,
    Step,
    Page,
    /// The top-level page `glossary`: a page whose `## Term {#id}` headings are linked from
    /// the first use of each term on every other page.
    Glossary,
}

/// The id of the glossary page (`content/glossary.<lang>.md`).
pub(crate) const GLOSSARY_ID: &str = "glossary";

impl Kind {
    pub(crate) fn of(section: &str, id: &str) -> Kind {
        match (section, id) {
            (_, "_index") => Kind::Page,
            ("obstacles", _) => Kind::Obstacle,
            ("steps", _) => Kind::Step,
            ("", GLOSSARY_ID) => Kind::Glossary,
            _ => Kind::Page,
        }
    }

    pub(crate) fn parse(self, rel: &str, text: &str, split: &Split) -> Result<Front, Diagnostic> {
        Ok(match self {
            Kind::Obstacle => parse::<ObstacleFront>(rel, text, split)?.into(),
            Kind::Step => parse::<StepFront>(rel, text, split)?.into(),
            Kind::Page => parse::<PageFront>(rel, text, split)?.into(),
            Kind::Glossary => parse::<GlossaryFront>(rel, text, split)?.into(),
        })
    }
}

/// Front matter of the diagnostic's start page (`content/diagnostic/_index.<lang>.md`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StartFront {
    title: String,
    summary: Option<String>,
    slug: Option<String>,
    /// Id of the first question.
    start: String,
    translated_from: Option<String>,
}

/// Reads a diagnostic start page's front matter.
pub(crate) fn parse_start(rel: &str, text: &str, split: &Split) -> Result<Front, Diagnostic> {
    let f: StartFront = parse(rel, text, split)?;
    Ok(Front {
        title: f.title,
        summary: f.summary,
        slug: f.slug,
        weight: Some(0),
        priority: None,
        sources: None,
        aliases: Vec::new(),
        renamed_from: None,
        translated_from: f.translated_from,
        kind: KindFront::DiagnosticStart { start: f.start },
    })
}

/// The text `playbook new` writes for an editor to replace. Left as it is, it is a warning in
/// `build` (an error with `check --strict`): a page saying "Title to write" is never published
/// unnoticed.
pub(crate) struct Placeholder {
    /// The placeholder title starts with this (the page id follows).
    pub(crate) title: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) body: &'static str,
}

/// The placeholder text in `lang` (French, or English for any other language).
pub(crate) fn placeholder(lang: &str) -> Placeholder {
    if lang == "fr" {
        Placeholder {
            title: "Titre à écrire",
            summary: "Une ou deux phrases qui résument la page.",
            body: "Écrivez ici le texte en Markdown.",
        }
    } else {
        Placeholder {
            title: "Title to write",
            summary: "One or two sentences that sum up the page.",
            body: "Write the text here in Markdown.",
        }
    }
}
