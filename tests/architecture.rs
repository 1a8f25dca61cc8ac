//! The shape of `src/`, as ARCHITECTURE.md describes it: one folder per stage, dependencies
//! between top-level modules pointing one way (no circle), no file over 600 lines, every file
//! opening with a `//!` paragraph. Read from the source files themselves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

/// Top-level module → the top-level modules its non-test code names as `crate::<module>`.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in sources() {
        let top = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let deps = graph.entry(top.clone()).or_default();
        for (i, _) in code.match_indices("crate::") {
            let name: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !name.is_empty() && name != top {
                deps.insert(name);
            }
        }
    }
    graph
}

#[test]
fn no_circle_between_top_level_modules() {
    let graph = dependencies();
    // Depth-first search for a back edge.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("import circle: {}\n{graph:#?}", cycle.join(" → "));
        }
    }
    // The content model is the bottom: it reads nothing but the error type.
    assert_eq!(
        graph["content"],
        BTreeSet::from(["errors".to_string()]),
        "content/ may only depend on errors"
    );
    for stage in ["render", "content"] {
        assert!(
            !graph[stage].contains("diagnostic") && !graph[stage].contains("build"),
            "{stage}/ calls up into the diagnostic or the pipeline: {:?}",
            graph[stage]
        );
    }
}

#[test]
fn files_are_short_and_say_what_they_are_for() {
    for (rel, text) in sources() {
        let lines = text.lines().count();
        assert!(lines <= 600, "src/{rel} has {lines} lines (at most 600)");
        assert!(
            text.starts_with("//! "),
            "src/{rel} does not open with a `//!` paragraph"
        );
    }
}
