//! Bounded runs of the fuzz targets inside `cargo test`: the parsers of user input
//! (`playbook::fuzz`: front matter, one page body through the build's Markdown, link and
//! sanitizing path, the diagnostic's node files) must return on any input — no panic, no hang.
//! Three kinds of input: property tests with `proptest` (arbitrary bytes, and text built from
//! the pieces these formats are made of), every file of the committed fuzz corpus
//! (`fuzz/corpus/<target>/`, which includes the inputs of any crash found, as regressions),
//! and large pathological bodies that must render in bounded time (no quadratic blow-up).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use playbook::fuzz;

/// Pieces of Markdown, links and HTML that interact badly when nested or left open.
const MARKDOWN: &[&str] = &[
    "[",
    "]",
    "(",
    ")",
    "](",
    "![",
    "<",
    ">",
    "</",
    "`",
    "```",
    "```rust\n",
    "~~~",
    "*",
    "**",
    "_",
    "~~",
    "#",
    "## ",
    "\n",
    "\n\n",
    "  ",
    "\t",
    "> ",
    "- ",
    "1. ",
    "- [ ] ",
    "|",
    "| --- |",
    "[^1]",
    "[^1]: ",
    "\\",
    "&amp;",
    "&#0;",
    "@/steps/champion.md",
    "@/obstacles/budget.md",
    "#actions",
    "#nowhere",
    "../",
    "./image.png",
    "https://example.org/",
    "javascript:",
    "<div>",
    "</div>",
    "<script>",
    "<a href=\"x\">",
    "<img src=x onerror=y>",
    "<!--",
    "-->",
    "> [!WARNING]\n",
    "> [!NOTE]\n",
    "\u{0}",
    "\u{1b}",
    "é",
    "\u{202e}",
    "+++",
    "---",
    "{#id}",
];

/// Pieces of TOML and YAML front matter.
const FRONT_MATTER: &[&str] = &[
    "+++\n",
    "---\n",
    "title = ",
    "summary = ",
    "order = ",
    "weight = ",
    "addresses = ",
    "slug = ",
    "aliases = ",
    "\"",
    "'",
    "\"\"\"",
    "[",
    "]",
    "{",
    "}",
    ",",
    "=",
    ":",
    " ",
    "\n",
    "1",
    "-1",
    "99999999999999999999",
    "1.5",
    "true",
    "x",
    "é",
    "\\u0000",
    "\\",
    "#",
    "[[a]]",
    "title: ",
    "order: ",
    "- ",
    "&a ",
    "*a",
    "!!str ",
    "|\n",
    ">\n",
    "\u{feff}",
    "\r\n",
];

/// Pieces of a decision-tree node file.
const NODE: &[&str] = &[
    "q-a\n",
    "q-b\n",
    "r-a\n",
    "\0",
    "+++\n",
    "kind = \"question\"\n",
    "kind = \"result\"\n",
    "[text.fr]\n",
    "[text.en]\n",
    "question = \"Q ?\"\n",
    "title = \"T\"\n",
    "hint = \"H\"\n",
    "[[options]]\n",
    "id = \"yes\"\n",
    "id = \"no\"\n",
    "next = \"q-a\"\n",
    "next = \"q-b\"\n",
    "next = \"r-a\"\n",
    "obstacles = [\"budget\"]\n",
    "obstacles = [\"nope\"]\n",
    "always_steps = [\"champion\"]\n",
    "label = { fr = \"Oui\", en = \"Yes\" }\n",
    "slug = { fr = \"oui\", en = \"yes\" }\n",
    "slug = { fr = \"oui\", en = \"oui\" }\n",
    "=",
    "\"",
];

fn joined(pieces: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(pieces), 0..max).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn front_matter_returns_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        fuzz::front_matter(&bytes);
    }

    #[test]
    fn front_matter_returns_on_any_text(text in joined(FRONT_MATTER, 40)) {
        fuzz::front_matter(text.as_bytes());
        fuzz::front_matter(format!("+++\ntitle = \"x\"\n{text}\n+++\n").as_bytes());
    }

    #[test]
    fn markdown_returns_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        fuzz::markdown(&bytes);
    }

    #[test]
    fn markdown_returns_on_any_text(text in joined(MARKDOWN, 60)) {
        fuzz::markdown(text.as_bytes());
    }

    #[test]
    fn diagnostic_returns_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        fuzz::diagnostic(&bytes);
    }

    #[test]
    fn diagnostic_returns_on_any_text(text in joined(NODE, 50)) {
        fuzz::diagnostic(format!("q-a\n{text}").as_bytes());
    }
}

/// Every file of `fuzz/corpus/<target>/`.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    assert!(files.len() >= 5, "a seed corpus in {}", dir.display());
    files
}

#[test]
fn the_fuzz_corpus_replays_without_a_panic() {
    type Target = fn(&[u8]);
    let targets: [(&str, Target); 3] = [
        ("front_matter", fuzz::front_matter),
        ("markdown", |b| {
            fuzz::markdown(b);
        }),
        ("diagnostic", |b| {
            fuzz::diagnostic(b);
        }),
    ];
    for (name, target) in targets {
        for (path, bytes) in corpus(name) {
            let started = Instant::now();
            target(&bytes);
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{} took {:?}",
                path.display(),
                started.elapsed()
            );
        }
    }
}

/// Renders a body of about a megabyte and says how long it took.
fn time_markdown(body: &str) -> Duration {
    let started = Instant::now();
    fuzz::markdown(body.as_bytes());
    started.elapsed()
}

/// What makes parsers backtrack or nest, in bodies of a megabyte (the three classic ones) or a
/// quarter of one: each renders in bounded time. Linear work on these takes a few seconds at
/// most unoptimised; quadratic work took minutes (a page of 65,000 same-named headings, links
/// with anchors on one long line: both found by fuzzing and fixed).
#[test]
fn pathological_bodies_render_in_bounded_time() {
    const MB: usize = 1 << 20;
    const QUARTER: usize = MB / 4;
    let repeat = |piece: &str, bytes: usize| piece.repeat(bytes / piece.len());
    let cases = [
        ("nested brackets", repeat("[", MB)),
        ("nested quotes", repeat("> ", MB)),
        ("emphasis runs", repeat("**", MB)),
        ("nested images", repeat("![", QUARTER)),
        ("open link targets", repeat("[a](", QUARTER)),
        ("alternating emphasis", repeat("*a_", QUARTER)),
        ("backticks", repeat("`", QUARTER)),
        ("code span runs", repeat("`a``", QUARTER)),
        ("nested lists", repeat("- ", QUARTER)),
        ("unclosed HTML", repeat("<div>", QUARTER)),
        ("HTML comments", repeat("<!--", QUARTER)),
        (
            "links with anchors on one line",
            repeat("[a](@/steps/champion.md#actions) ", QUARTER),
        ),
        ("footnotes", repeat("[^a]", QUARTER)),
        ("same-named headings", repeat("# a\n", QUARTER)),
        ("table cells", format!("|a|\n|-|\n{}", repeat("|", QUARTER))),
    ];
    let limit = Duration::from_secs(30);
    for (what, body) in &cases {
        let took = time_markdown(body);
        println!("{what}: {} bytes in {took:?}", body.len());
        assert!(took < limit, "{what}: {took:?} for {} bytes", body.len());
    }
}
