//! `playbook`: a static site generator for a bilingual playbook. The crate is the pipeline,
//! one folder per stage, dependencies pointing one way (see ARCHITECTURE.md):
//!
//! ```text
//! commands ─▶ authoring (watch, serve, new) ─▶ build (the pipeline) ─▶ diagnostic ─▶ render ─▶ content
//!                                                         └──────────▶ output         errors (everywhere)
//! ```
//!
//! The binary (`main.rs`) parses the command line and calls `commands`; `fuzz` exposes the
//! parsers to the fuzz targets. Everything else is private to the crate.

// A `Diagnostic` carries its quoted line and help; errors are the cold path, so it is returned
// by value rather than boxed everywhere.
#![allow(clippy::result_large_err)]

/// `println!` that does not panic when the reader of standard output has gone away
/// (`playbook check | head`): what cannot be written is dropped.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod authoring;
mod build;
pub mod commands;
mod content;
mod diagnostic;
mod errors;
pub mod fuzz;
mod output;
mod render;
