//! Page kinds and their front matter: which fields an obstacle, a step, any other page and the
//! diagnostic's start page take (unknown keys are errors), and the one `Front` they all become,
//! language-neutral fields left optional so either translation may carry them. The section
//! folder picks the kind; `frontmatter.rs` does the reading and the error messages.

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
    #[serde(default)]
    pub(crate) signals: Vec<String>,
    pub(crate) sources: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
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
    pub(crate) translated_from: Option<String>,
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
    pub(crate) sources: Option<Vec<String>>,
    pub(crate) aliases: Vec<String>,
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
            sources: f.sources,
            aliases: f.aliases,
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
            sources: f.sources,
            aliases: f.aliases,
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
            sources: f.sources,
            aliases: f.aliases,
            translated_from: f.translated_from,
            kind: KindFront::Page,
        }
    }
}

/// Which structure a file's front matter must fill, chosen by its section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Kind {
    Obstacle,
    Step,
    Page,
}

impl Kind {
    pub(crate) fn of(section: &str, id: &str) -> Kind {
        match (section, id) {
            (_, "_index") => Kind::Page,
            ("obstacles", _) => Kind::Obstacle,
            ("steps", _) => Kind::Step,
            _ => Kind::Page,
        }
    }

    pub(crate) fn parse(self, rel: &str, text: &str, split: &Split) -> Result<Front, Diagnostic> {
        Ok(match self {
            Kind::Obstacle => parse::<ObstacleFront>(rel, text, split)?.into(),
            Kind::Step => parse::<StepFront>(rel, text, split)?.into(),
            Kind::Page => parse::<PageFront>(rel, text, split)?.into(),
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
        sources: None,
        aliases: Vec::new(),
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
