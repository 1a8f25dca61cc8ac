//! The diagnostic stage: the decision tree of `content/diagnostic/`, from files to pages. The
//! node files are parsed and tied to the start page (`model`), results are chosen by rules over
//! the answers (`rules`) and show the obstacles flagged and the steps to start with (`outcome`),
//! every rule is checked with located errors (`validate`), and each language gets its start
//! page, one static page per answer path and an overview (`pages`), with the diagram drawn in
//! pure Rust (`svg`) and the flow as data (`flow`). It reads the assembled `Site` and renders through `render::context`; nothing in
//! `content` or `render` calls back into it.

pub(crate) mod flow;
pub(crate) mod model;
pub(crate) mod outcome;
pub(crate) mod pages;
pub(crate) mod rules;
pub(crate) mod svg;
pub(crate) mod validate;

pub(crate) use model::{load, DecisionTree};
pub(crate) use pages::render;
