//! Malformed input: every folder of `tests/fixtures/invalid/<case>/` is laid over a copy of the
//! `basic` fixture that has already been built once (see `Site::overlay`: files replace or add
//! to the site's, `<name>.append` appends, `remove.txt` deletes). Then `playbook build` must
//! exit with code 1, print exactly the case's `expected.txt` on stderr (every error located at
//! `file:line:col` with its quoted line, caret and help, sorted, then the count), and leave the
//! previous `public/` byte for byte as it was; `playbook check` must fail the same way.
//!
//! A case folder without `expected.txt` fails the test, so a new case cannot be skipped
//! silently. To write the expectations of new cases from the binary's current output, run with
//! `PLAYBOOK_BLESS=1` and read every file it wrote before committing it.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{assert_same_tree, copy_dir, fixture, snapshot, Site};

/// The issue asks for at least this many malformed inputs.
const MIN_CASES: usize = 15;

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixture("invalid"))
        .expect("tests/fixtures/invalid exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn name_of(case: &Path) -> String {
    case.file_name().unwrap().to_string_lossy().into_owned()
}

/// The `error: <file>:<line>:<col>: …` (or `error: <file>: …`) header lines of a report.
fn headers(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error: ") || l.starts_with("warning: "))
        .collect()
}

/// (file, line, column) of a header; 0 for a problem about a whole file.
fn position(header: &str) -> (String, usize, usize) {
    let rest = header.split_once(": ").expect("header has a label").1;
    let mut parts = rest.splitn(4, ':');
    let file = parts.next().unwrap_or("").to_string();
    let line = parts.next().and_then(|s| s.parse().ok());
    let col = parts.next().and_then(|s| s.parse().ok());
    match (line, col) {
        (Some(line), Some(col)) => (file, line, col),
        _ => (file, 0, 0),
    }
}

/// Runs one case; returns what went wrong, if anything.
fn run_case(base_public: &BTreeMap<String, Vec<u8>>, base: &Site, case: &Path) -> Vec<String> {
    let name = name_of(case);
    let mut problems = Vec::new();
    let expected_path = case.join("expected.txt");
    let bless = std::env::var_os("PLAYBOOK_BLESS").is_some();
    let expected = match std::fs::read_to_string(&expected_path) {
        Ok(text) => Some(text),
        Err(_) if bless => None,
        Err(e) => {
            return vec![format!(
                "{name}: no expected.txt ({e}); every case states the exact message it expects"
            )]
        }
    };

    // The fixture built once, then the case laid over it.
    let site = Site::from_fixture("basic");
    copy_dir(&base.public(), &site.public());
    assert_same_tree(base_public, &snapshot(&site.public()), "copied public/");
    let overlay = tempfile::tempdir().unwrap();
    copy_dir(case, overlay.path());
    let _ = std::fs::remove_file(overlay.path().join("expected.txt"));
    site.overlay(overlay.path());

    let build = site.run(&["build"]);
    if build.code != 1 {
        problems.push(format!(
            "{name}: `build` exited with {}, expected 1\n--- stderr\n{}",
            build.code, build.stderr
        ));
    }
    if !build.stdout.is_empty() {
        problems.push(format!(
            "{name}: `build` printed on stdout: {}",
            build.stdout
        ));
    }
    let expected = match expected {
        Some(text) => text,
        None => {
            std::fs::write(&expected_path, &build.stderr).unwrap();
            build.stderr.clone()
        }
    };
    if build.stderr != expected {
        problems.push(format!(
            "{name}: `build` did not print the expected message\n--- expected\n{expected}--- got\n{}",
            build.stderr
        ));
    }
    let after = snapshot(&site.public());
    if &after != base_public {
        let changed: Vec<&String> = base_public
            .keys()
            .chain(after.keys())
            .filter(|k| base_public.get(*k) != after.get(*k))
            .take(5)
            .collect();
        problems.push(format!("{name}: `build` changed public/: {changed:?}"));
    }

    // The expectation itself is a complete, located, sorted report with its count.
    let heads = headers(&expected);
    if heads.is_empty() || !expected.starts_with("error: ") {
        problems.push(format!("{name}: expected.txt does not start with an error"));
    }
    for h in &heads {
        let (file, line, _) = position(h);
        if !(file.starts_with("content/") || file.starts_with("themes/")) {
            problems.push(format!("{name}: `{h}` does not name a file of the site"));
        }
        // A located error quotes its line: `<n> | <text>` follows, then the caret.
        if line > 0 {
            let quoted = format!("{line} | ");
            let after_header: Vec<&str> = expected
                .lines()
                .skip_while(|l| l != h)
                .skip(1)
                .take(3)
                .collect();
            let caret_ok = after_header
                .get(2)
                .is_some_and(|l| l.trim_start().starts_with('|') && l.contains('^'));
            if !after_header.get(1).is_some_and(|l| l.starts_with(&quoted)) || !caret_ok {
                problems.push(format!(
                    "{name}: `{h}` is not followed by its quoted line and a caret"
                ));
            }
        }
    }
    let positions: Vec<(String, usize, usize)> = heads.iter().map(|h| position(h)).collect();
    let mut sorted = positions.clone();
    sorted.sort();
    if positions != sorted {
        problems.push(format!(
            "{name}: the errors are not sorted by file and position"
        ));
    }
    let errors = heads.iter().filter(|h| h.starts_with("error: ")).count();
    let count = format!(
        "{errors} error{}: nothing was written",
        if errors == 1 { "" } else { "s" }
    );
    if expected.lines().last() != Some(count.as_str()) {
        problems.push(format!(
            "{name}: the report does not end with the count `{count}`"
        ));
    }

    // `check` validates the same way and writes nothing.
    let check = site.run(&["check"]);
    if check.code != 1 {
        problems.push(format!(
            "{name}: `check` exited with {}, expected 1\n--- stderr\n{}",
            check.code, check.stderr
        ));
    }
    if check.stderr != expected {
        problems.push(format!(
            "{name}: `check` did not print the expected message\n--- expected\n{expected}--- got\n{}",
            check.stderr
        ));
    }
    if snapshot(&site.public()) != *base_public {
        problems.push(format!("{name}: `check` changed public/"));
    }
    problems
}

#[test]
fn every_malformed_input_is_located_and_leaves_public_unchanged() {
    let cases = cases();
    assert!(
        cases.len() >= MIN_CASES,
        "only {} malformed-input cases in tests/fixtures/invalid, expected at least {MIN_CASES}",
        cases.len()
    );
    for case in &cases {
        assert!(
            snapshot(case).keys().any(|k| k != "expected.txt"),
            "case {} changes nothing",
            name_of(case)
        );
    }

    let base = Site::from_fixture("basic");
    base.build_ok();
    let base_public = snapshot(&base.public());
    assert!(base_public.contains_key("index.html"), "the fixture built");

    // Two cases at a time: each runs the binary twice, and the binary is itself parallel.
    let failures = common::two_at_a_time(&cases, |case| run_case(&base_public, &base, case));
    assert!(
        failures.is_empty(),
        "{} problem(s) in {} cases:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// Several errors of one run are all reported, sorted by file, line and column (whatever
/// order the parallel stages found them in), followed by their count.
#[test]
fn several_errors_are_reported_together_sorted_and_counted() {
    let site = Site::from_fixture("basic");
    site.build_ok();
    let before = snapshot(&site.public());
    site.overlay(&fixture("invalid").join("several-errors"));
    let run = site.run(&["build"]);
    run.assert_code(1);
    let heads: Vec<(String, usize, usize)> =
        headers(&run.stderr).iter().map(|h| position(h)).collect();
    assert_eq!(
        heads,
        [
            ("content/_index.en.md", 5, 62),
            ("content/obstacles/support.en.md", 6, 17),
            ("content/obstacles/support.en.md", 8, 20),
            ("content/steps/group.fr.md", 7, 22),
            ("content/steps/group.fr.md", 9, 24),
            ("content/steps/group.fr.md", 9, 63),
        ]
        .map(|(f, l, c)| (f.to_string(), l, c)),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.ends_with("\n6 errors: nothing was written\n"),
        "{}",
        run.stderr
    );
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after a failed build",
    );
}

/// Control characters in a page (a title holding a terminal escape sequence, an unknown field
/// named with one through a TOML escape, a file name with one) reach the terminal escaped (`\x1b`), never raw: an
/// escape sequence could recolour, retitle or rewrite the author's terminal.
#[test]
fn control_characters_from_content_are_shown_escaped() {
    let site = Site::from_fixture("basic");
    site.write(
        "content/steps/champion.fr.md",
        site.read("content/steps/champion.fr.md").replace(
            "title = \"Désigner un champion\"",
            "title = \"Désigner\u{1b}[31m un \u{9b}2J champion\"",
        ),
    );
    site.write(
        "content/obstacles/budget.fr.md",
        site.read("content/obstacles/budget.fr.md").replace(
            "weight = 1",
            "weight = 1\n\"colour\\u001b]0;owned\\u0007\" = 2",
        ),
    );
    site.write(
        "content/steps/evil\u{1b}[2J.fr.md",
        "+++\ntitle = \"x\"\n+++\n",
    );
    let run = site.run(&["check"]);
    run.assert_code(1);
    let raw: Vec<char> = run
        .stderr
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        raw.is_empty(),
        "raw control characters {raw:?} in\n{}",
        run.stderr
    );
    for shown in [
        "Désigner\\x1b[31m un \\u{9b}2J champion",
        "colour\\x1b]0;owned\\x07",
        "content/steps/evil\\x1b[2J.fr.md",
    ] {
        assert!(run.stderr.contains(shown), "{shown} in\n{}", run.stderr);
    }
    // The caret still points under the quoted line's error, counted in what is shown.
    let lines: Vec<&str> = run.stderr.lines().collect();
    let quoted = lines
        .iter()
        .position(|l| l.contains("title = \"Désigner"))
        .expect("the title line quoted");
    let column = |l: &str, pat: &str| l.find(pat).map(|b| l[..b].chars().count());
    let caret = column(lines[quoted + 1], "^").expect("a caret line");
    let header = lines[..quoted]
        .iter()
        .rev()
        .find(|l| l.starts_with("error: content/steps/champion.fr.md:"))
        .unwrap();
    let col: usize = header.split(':').nth(3).unwrap().parse().unwrap();
    let source = site.read("content/steps/champion.fr.md");
    let line = source.lines().find(|l| l.starts_with("title")).unwrap();
    let before: String = line.chars().take(col - 1).collect();
    let shown_before = before
        .replace('\u{1b}', "\\x1b")
        .replace('\u{9b}', "\\u{9b}");
    assert_eq!(
        caret - column(lines[quoted], "title").unwrap(),
        shown_before.chars().count(),
        "caret under column {col}\n{}",
        run.stderr
    );
}
