//! The editor's conveniences, through the real binary: "edit this page" links from the
//! settings, "last updated" dates from git (one history pass, nothing claimed for uncommitted
//! files or outside git), `check --diff` showing what changed in the original of a stale
//! translation (whitespace-only changes leave translations alone), the one-line translation
//! status of `build` and `build --watch`, `translated` on a page that has no translation yet,
//! the placeholder text of `new`, and errors located where the wrong value is.

mod common;

use std::path::Path;
use std::process::Command;

use common::running::Running;
use common::{page, Site};

/// Runs git in `dir` with a fixed identity and commit date, so the test is reproducible.
fn git(dir: &Path, date: &str, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `basic` fixture as a git repository with everything committed on `date`.
fn committed_site(date: &str) -> Site {
    let site = Site::from_fixture("basic");
    git(site.root(), date, &["init", "-q"]);
    std::fs::write(site.path(".gitignore"), "/public\n.public.*\n").unwrap();
    git(site.root(), date, &["add", "-A"]);
    git(site.root(), date, &["commit", "-q", "-m", "first"]);
    site
}

fn meta(site: &Site, rel: &str) -> (Option<String>, Option<String>, Option<String>) {
    let html = page(&site.public(), rel);
    let time = html.select(&common::sel(".page-meta time")).next();
    let edit = html.select(&common::sel("a.edit-link")).next();
    (
        time.and_then(|t| t.value().attr("datetime").map(str::to_string)),
        time.map(|t| t.text().collect()),
        edit.and_then(|a| a.value().attr("href").map(str::to_string)),
    )
}

#[test]
fn pages_show_when_their_file_last_changed_in_git_and_nothing_for_uncommitted_files() {
    let site = committed_site("2026-11-03T10:00:00+01:00");
    site.build_ok();
    let (datetime, text, _) = meta(&site, "fr/obstacles/le-budget/index.html");
    assert_eq!(datetime.as_deref(), Some("2026-11-03"));
    assert_eq!(text.as_deref(), Some("3 novembre 2026"));
    let (_, text, _) = meta(&site, "en/obstacles/budget/index.html");
    assert_eq!(text.as_deref(), Some("3 November 2026"));
    let first = common::snapshot(&site.public());

    // The same commit gives the same bytes.
    site.build_ok();
    assert_eq!(common::snapshot(&site.public()), first);

    // An uncommitted edit: no date rather than a wrong one, on that page only.
    let budget = site.read("content/obstacles/budget.fr.md");
    site.write(
        "content/obstacles/budget.fr.md",
        budget.replace("Le temps coûte.", "Le temps coûte cher."),
    );
    site.build_ok();
    assert_eq!(meta(&site, "fr/obstacles/le-budget/index.html").0, None);
    assert_eq!(
        meta(
            &site,
            "fr/obstacles/manque-de-soutien-de-la-direction/index.html"
        )
        .0
        .as_deref(),
        Some("2026-11-03")
    );

    // Committed later: the page says so.
    git(
        site.root(),
        "2026-11-20T09:00:00+01:00",
        &["commit", "-qam", "edit"],
    );
    site.build_ok();
    assert_eq!(
        meta(&site, "fr/obstacles/le-budget/index.html")
            .0
            .as_deref(),
        Some("2026-11-20")
    );
}

#[test]
fn outside_git_no_date_is_shown() {
    let site = Site::from_fixture("basic");
    site.build_ok();
    let html =
        std::fs::read_to_string(site.public().join("fr/obstacles/le-budget/index.html")).unwrap();
    assert!(!html.contains("<time"), "{html}");
}

#[test]
fn edit_links_follow_the_settings_pattern_per_language() {
    let site = Site::from_fixture("basic");
    site.build_ok();
    assert_eq!(meta(&site, "fr/obstacles/le-budget/index.html").2, None);

    let settings = site.read("content/site.toml");
    site.write(
        "content/site.toml",
        format!("edit_url = \"https://git.example/playbook/-/edit/main/{{path}}\"\n{settings}"),
    );
    site.build_ok();
    assert_eq!(
        meta(&site, "fr/obstacles/le-budget/index.html")
            .2
            .as_deref(),
        Some("https://git.example/playbook/-/edit/main/content/obstacles/budget.fr.md")
    );
    assert_eq!(
        meta(&site, "en/obstacles/budget/index.html").2.as_deref(),
        Some("https://git.example/playbook/-/edit/main/content/obstacles/budget.en.md")
    );

    site.write(
        "content/site.toml",
        format!("edit_url = \"git.example/edit\"\n{settings}"),
    );
    let run = site.run(&["build"]);
    run.assert_code(1);
    assert!(
        run.stderr.starts_with(
            "error: content/site.toml:1:1: `edit_url` must be a web address with `{path}`"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn check_diff_shows_what_changed_in_the_original_since_the_translation() {
    let site = committed_site("2026-11-01T10:00:00+01:00");
    site.run(&["translated", "content/steps/champion.en.md"])
        .assert_code(0);
    git(
        site.root(),
        "2026-11-02T10:00:00+01:00",
        &["commit", "-qam", "translated"],
    );

    // Re-wrapping a paragraph is not a change of the text.
    let fr = site.read("content/steps/champion.fr.md");
    let rewrapped = fr.replacen("## Actions\n", "## Actions\n\n", 1);
    assert_ne!(rewrapped, fr);
    site.write("content/steps/champion.fr.md", &rewrapped);
    let run = site.run(&["check", "--diff"]);
    assert!(
        !run.stdout.contains("stale    content/steps/champion.en.md"),
        "{}",
        run.stdout
    );

    // A real change: stale, and --diff shows it against the version translated.
    site.write(
        "content/steps/champion.fr.md",
        rewrapped.replace(
            "title = \"Désigner un champion\"",
            "title = \"Nommer un champion\"",
        ),
    );
    git(
        site.root(),
        "2026-11-05T10:00:00+01:00",
        &["commit", "-qam", "retitle"],
    );
    let run = site.run(&["check", "--diff"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("stale    content/steps/champion.en.md"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("since the version translated (commit "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("-title = \"Désigner un champion\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("+title = \"Nommer un champion\""),
        "{}",
        run.stdout
    );

    let json = site.run(&["check", "--diff", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let stale = doc["translations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["file"] == "content/steps/champion.en.md")
        .expect("reported");
    assert!(stale["diff"]
        .as_str()
        .unwrap()
        .contains("+title = \"Nommer un champion\""));
}

#[test]
fn build_and_watch_say_in_one_line_when_translations_need_work() {
    let site = Site::from_fixture("basic");
    let run = site.build_ok();
    // The fixture has stale English pages and pages with no English file.
    let line = run
        .stdout
        .lines()
        .find(|l| l.ends_with(" — playbook check for details"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(line.contains("stale") && line.contains("missing"), "{line}");

    let mut watch = Running::start(&site, &["build", "--watch"]);
    watch.wait_until("the status line", |r| {
        r.out().contains(" — playbook check for details")
    });
}

#[test]
fn translated_on_a_page_without_translation_says_how_to_make_one() {
    let site = Site::from_fixture("basic");
    let run = site.run(&["translated", "content/steps/group.en.md"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("does not exist yet: this page has no en translation")
            && run
                .stderr
                .contains("copy `content/steps/group.fr.md` to `content/steps/group.en.md`"),
        "{}",
        run.stderr
    );
}

#[test]
fn placeholder_text_left_by_new_is_a_warning_and_fails_strict_check() {
    let site = Site::from_fixture("basic");
    site.run(&["new", "page", "charte"]).assert_code(0);
    let run = site.build_ok();
    for what in [
        "placeholder title",
        "placeholder summary",
        "placeholder text",
    ] {
        assert!(
            run.stderr.contains("content/charte.fr.md:")
                && run.stderr.contains(&format!(": {what}")),
            "{what}: {}",
            run.stderr
        );
    }
    site.run(&["check", "--strict"]).assert_code(1);

    // Written for real: no warning about it any more.
    site.write(
        "content/charte.fr.md",
        "+++\ntitle = \"La charte\"\nsummary = \"Ce que chacun peut publier.\"\n+++\nLe texte.\n",
    );
    site.write(
        "content/charte.en.md",
        "+++\ntitle = \"The policy\"\nsummary = \"What everyone may post.\"\n+++\nThe text.\n",
    );
    let run = site.build_ok();
    assert!(!run.stderr.contains("placeholder"), "{}", run.stderr);
}

#[test]
fn a_diagnostic_slug_written_as_text_asks_for_one_per_language() {
    let site = Site::from_fixture("basic");
    site.overlay(&common::fixture("diagnostic"));
    let path = "content/diagnostic/q-support.md";
    let text = site.read(path);
    let line = text
        .lines()
        .find(|l| l.starts_with("slug = {"))
        .expect("a slug table")
        .to_string();
    site.write(path, text.replacen(&line, "slug = \"mesure-non\"", 1));
    let run = site.run(&["build"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("expected one value per language")
            && run.stderr.contains(
                "`slug` takes one value per language, e.g. `slug = { fr = \"…\", en = \"…\" }`"
            ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_shallow_clone_claims_no_date_it_cannot_know() {
    let site = committed_site("2026-11-01T10:00:00+01:00");
    let budget = site.read("content/obstacles/budget.fr.md");
    site.write(
        "content/obstacles/budget.fr.md",
        budget.replace("Le temps coûte.", "Le temps coûte cher."),
    );
    git(
        site.root(),
        "2026-11-10T10:00:00+01:00",
        &["commit", "-qam", "edit"],
    );
    // Two commits deep: the first one's files have lost their history.
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", site.root().display());
    git(
        clone.path(),
        "2026-11-10T10:00:00+01:00",
        &["clone", "-q", "--depth", "1", &url, "site"],
    );
    let root = clone.path().join("site");
    let out = clone.path().join("public");
    let run = common::playbook(&[
        "--root",
        root.to_str().unwrap(),
        "build",
        "--output",
        out.to_str().unwrap(),
    ]);
    run.assert_code(0);
    // Depth 1: the only commit has no parent, so it says nothing about when files changed.
    for rel in ["fr/obstacles/le-budget/index.html", "fr/index.html"] {
        let html = std::fs::read_to_string(out.join(rel)).unwrap();
        assert!(!html.contains("<time"), "{rel}: {html}");
    }
    git(
        clone.path(),
        "2026-11-10T10:00:00+01:00",
        &["-C", "site", "fetch", "-q", "--depth", "2"],
    );
    let run = common::playbook(&[
        "--root",
        root.to_str().unwrap(),
        "build",
        "--output",
        out.to_str().unwrap(),
    ]);
    run.assert_code(0);
    let html = std::fs::read_to_string(out.join("fr/obstacles/le-budget/index.html")).unwrap();
    assert!(html.contains("<time datetime=\"2026-11-10\">"), "{html}");
    let html = std::fs::read_to_string(out.join("fr/index.html")).unwrap();
    assert!(!html.contains("<time"), "{html}");
}
