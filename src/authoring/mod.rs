//! The authoring stage: what an editor runs while writing. `watch` loops the pipeline on every
//! change to `content/` or `themes/`, `incremental` re-renders only the pages whose text changed
//! (byte-identical to a full build), `serve` adds a local preview server with live reload and
//! the error in the page, `scaffold` writes a new page's files (`playbook new`), and `ledger`
//! keeps the URL ledger (`content/urls.lock`) on disk after each publish. It calls
//! the pipeline of `build`; nothing below it knows it exists.

pub(crate) mod incremental;
pub(crate) mod ledger;
pub(crate) mod scaffold;
pub(crate) mod serve;
pub(crate) mod watch;
