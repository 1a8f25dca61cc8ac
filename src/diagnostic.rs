//! The diagnostic (placeholder until the decision tree lands).

use crate::errors::{Diagnostic, Diagnostics};
use crate::frontmatter::{Front, KindFront, Split};
use crate::output::Output;
use crate::site::Site;
use crate::theme::Theme;

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StartFront {
    title: String,
    summary: Option<String>,
    slug: Option<String>,
    start: String,
    translated_from: Option<String>,
}

pub fn parse_start(rel: &str, text: &str, split: &Split) -> Result<Front, Diagnostic> {
    let f: StartFront = crate::frontmatter::parse(rel, text, split)?;
    let _ = f.start;
    Ok(Front {
        title: f.title,
        summary: f.summary,
        slug: f.slug,
        weight: None,
        sources: None,
        aliases: Vec::new(),
        translated_from: f.translated_from,
        kind: KindFront::Page,
    })
}

pub struct DecisionTree;

pub fn render(_tree: &DecisionTree, _site: &Site, _theme: &Theme) -> Result<Output, Diagnostics> {
    Ok(Output::new())
}
