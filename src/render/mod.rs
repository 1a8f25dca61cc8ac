//! The render stage: from the assembled `Site` and the theme to the files of the site. The
//! theme is loaded (`theme`: templates, static files, interface strings); Markdown bodies are
//! rendered once every URL is known (`markdown` with `highlight` for code and `glossary` for
//! links to the glossary's terms, collected in `bodies`), pictures and attachments published
//! with what pages need to show them (`media`); content pages go through their templates
//! (`pages`), with the context every page
//! shares built in `context`; the pages no file describes are generated (`generated`, `print`,
//! `checklist`, `search`, `sitemap`). Each function returns files or located problems; none writes to disk,
//! and none knows about the decision tree, which renders itself on top of `context`.

pub(crate) mod bodies;
pub(crate) mod checklist;
pub(crate) mod context;
pub(crate) mod generated;
pub(crate) mod glossary;
pub(crate) mod highlight;
pub(crate) mod markdown;
pub(crate) mod media;
pub(crate) mod pages;
pub(crate) mod print;
pub(crate) mod search;
pub(crate) mod sitemap;
pub(crate) mod theme;
