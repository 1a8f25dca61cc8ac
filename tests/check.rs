//! `playbook check`, `playbook translated` and `playbook new` on a temporary copy of the `basic`
//! fixture (an English home page in YAML, English translations without a record, a step and a
//! section index with no English file): missing and stale translations are reported as text and
//! as JSON, `--strict` fails on them, `translated` clears them and a later edit of the original
//! brings them back; `check` writes nothing; `new` writes files in both languages that build, and
//! never overwrites.

mod common;

use common::{assert_same_tree, snapshot, Site};
use serde_json::Value;

/// Missing and stale translations of the `basic` fixture, in the order `check` lists them.
const MISSING: [&str; 2] = [
    "content/obstacles/_index.en.md",
    "content/steps/group.en.md",
];
const STALE: [&str; 4] = [
    "content/_index.en.md",
    "content/obstacles/budget.en.md",
    "content/obstacles/support.en.md",
    "content/steps/champion.en.md",
];

fn json_check(site: &Site, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    let run = site.run(&args);
    let value: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("check --format json is JSON ({e})\n{}", run.stdout));
    (run.code, value)
}

/// `(state, file)` of every entry of the JSON translation report.
fn statuses(report: &Value) -> Vec<(String, String)> {
    report["translations"]
        .as_array()
        .expect("a translations array")
        .iter()
        .map(|s| {
            (
                s["state"].as_str().unwrap().to_string(),
                s["file"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn missing_and_stale_translations_are_reported_as_text() {
    let site = Site::from_fixture("basic");
    let run = site.run(&["check"]);
    run.assert_code(0);
    assert!(run.stdout.contains("translations (en):"), "{}", run.stdout);
    for file in MISSING {
        let source = file.replace(".en.md", ".fr.md");
        assert!(
            run.stdout
                .contains(&format!("missing  {file}  (from {source})")),
            "{file} reported missing\n{}",
            run.stdout
        );
    }
    for file in STALE {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(&format!("  stale    {file}  ("))),
            "{file} reported stale\n{}",
            run.stdout
        );
    }
    assert!(run
        .stdout
        .contains("mark a translation as up to date with: playbook translated <file>"));
    assert!(
        run.stdout.contains("check: no errors, 6 warning(s)"),
        "{}",
        run.stdout
    );
    assert!(!site.public().exists());
}

#[test]
fn missing_and_stale_translations_are_reported_as_json() {
    let site = Site::from_fixture("basic");
    let (code, report) = json_check(&site, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["ok"], true);
    assert_eq!(report["errors"], 0);
    assert_eq!(report["warnings"], 6);
    let mut expected: Vec<(String, String)> = MISSING
        .iter()
        .map(|f| ("missing".to_string(), f.to_string()))
        .chain(STALE.iter().map(|f| ("stale".to_string(), f.to_string())))
        .collect();
    expected.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(statuses(&report), expected);
    for s in report["translations"].as_array().unwrap() {
        assert_eq!(s["lang"], "en");
        assert_eq!(
            s["source"].as_str().unwrap(),
            s["file"].as_str().unwrap().replace(".en.md", ".fr.md")
        );
        let current = s["current"].as_str().unwrap();
        assert!(
            current.len() == 16 && current.chars().all(|c| c.is_ascii_hexdigit()),
            "hash {current}"
        );
    }
    // The same as warnings, each naming its file and what to run.
    let diagnostics = report["diagnostics"].as_array().unwrap();
    for file in MISSING.iter().chain(STALE.iter()) {
        let d = diagnostics
            .iter()
            .find(|d| d["file"] == *file)
            .unwrap_or_else(|| panic!("a diagnostic for {file}"));
        assert_eq!(d["severity"], "warning");
        assert!(d["help"]
            .as_str()
            .unwrap()
            .contains(&format!("playbook translated {file}")));
    }
    // The page counts are there too.
    assert!(report["pages"].is_object(), "{report}");
}

#[test]
fn strict_fails_on_translation_warnings() {
    let site = Site::from_fixture("basic");
    let run = site.run(&["check", "--strict"]);
    run.assert_code(1);
    assert!(run.stdout.contains("(--strict: failing)"), "{}", run.stdout);
    let (code, report) = json_check(&site, &["--strict"]);
    assert_eq!(code, 1);
    assert_eq!(report["ok"], false);
    // The real playbook is fully translated: strict passes.
    let real = Site::real();
    let run = real.run(&["check", "--strict"]);
    run.assert_code(0);
    assert!(run.stdout.contains("translations: all up to date"));
}

#[test]
fn translated_clears_the_report_until_the_original_changes() {
    let site = Site::from_fixture("basic");
    let (_, report) = json_check(&site, &[]);
    let champion = "content/steps/champion.en.md";
    let current = report["translations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["file"] == champion)
        .unwrap()["current"]
        .as_str()
        .unwrap()
        .to_string();

    let before = site.read(champion);
    let run = site.run(&["translated", champion]);
    run.assert_code(0);
    assert_eq!(
        run.stdout.trim(),
        format!("marked {champion} ← content/steps/champion.fr.md ({current})")
    );
    let after = site.read(champion);
    assert_eq!(
        after,
        before.replacen(
            "+++\n",
            &format!("+++\ntranslated_from = \"{current}\"\n"),
            1
        ),
        "only the record is added"
    );
    let (_, report) = json_check(&site, &[]);
    assert!(
        !statuses(&report).iter().any(|(_, f)| f == champion),
        "{champion} no longer reported"
    );
    assert_eq!(report["warnings"], 5);

    // Marking again replaces the record rather than adding a second one.
    site.run(&["translated", champion]).assert_code(0);
    assert_eq!(site.read(champion), after);

    // A change to the original's text makes it stale again, with a record this time.
    let fr = "content/steps/champion.fr.md";
    site.write(fr, format!("{}\nUn ajout.\n", site.read(fr)));
    let run = site.run(&["check"]);
    assert!(
        run.stdout.contains(&format!(
            "  stale    {champion}  (content/steps/champion.fr.md changed since)"
        )),
        "{}",
        run.stdout
    );
    let (_, report) = json_check(&site, &[]);
    let entry = report["translations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["file"] == champion)
        .expect("stale again")
        .clone();
    assert_eq!(entry["state"], "stale");
    assert_eq!(entry["recorded"], current.as_str());
    assert_ne!(entry["current"], current.as_str());

    // Everything marked (several files at once, YAML front matter too) and the missing pages
    // written: strict passes, and the site builds.
    site.write(
        "content/steps/group.en.md",
        "+++\ntitle = \"Set up a working group\"\nsummary = \"Heads of department become ambassadors.\"\n+++\nBack to the [champion](@/steps/champion.md).\n",
    );
    site.write(
        "content/obstacles/_index.en.md",
        "+++\ntitle = \"Obstacles\"\n+++\n",
    );
    let mut args = vec!["translated"];
    args.extend(STALE);
    args.extend(MISSING);
    let run = site.run(&args);
    run.assert_code(0);
    assert_eq!(run.stdout.lines().count(), 6, "{}", run.stdout);
    assert!(site
        .read("content/_index.en.md")
        .contains("\ntranslated_from: \""));
    let run = site.run(&["check", "--strict"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("translations: all up to date"),
        "{}",
        run.stdout
    );
    site.build_ok();
}

#[test]
fn translated_refuses_originals_and_unknown_files() {
    let site = Site::from_fixture("basic");
    let before = snapshot(site.root());
    let run = site.run(&["translated", "content/steps/champion.fr.md"]);
    run.assert_code(2);
    assert!(run.stderr.contains("source language"), "{}", run.stderr);
    let run = site.run(&["translated", "content/steps/nope.en.md"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("is not a page of this site"),
        "{}",
        run.stderr
    );
    assert_same_tree(&before, &snapshot(site.root()), "after refused marks");
}

#[test]
fn check_writes_nothing() {
    let site = Site::from_fixture("basic");
    let before = snapshot(site.root());
    site.run(&["check"]).assert_code(0);
    site.run(&["check", "--format", "json"]).assert_code(0);
    site.run(&["check", "--strict"]).assert_code(1);
    assert_same_tree(&before, &snapshot(site.root()), "after check");

    // With an error: reported with its place, still nothing written.
    site.write(
        "content/steps/group.fr.md",
        site.read("content/steps/group.fr.md")
            .replace("addresses", "adresses"),
    );
    let before = snapshot(site.root());
    let run = site.run(&["check"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("content/steps/group.fr.md:5:"),
        "{}",
        run.stderr
    );
    let (code, report) = json_check(&site, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"], 1);
    assert_eq!(
        report["diagnostics"][0]["file"],
        "content/steps/group.fr.md"
    );
    assert_eq!(report["diagnostics"][0]["line"], 5);
    assert_same_tree(&before, &snapshot(site.root()), "after a failed check");

    // Nor does it touch an existing public/.
    site.write(
        "content/steps/group.fr.md",
        site.read("content/steps/group.fr.md")
            .replace("adresses", "addresses"),
    );
    site.build_ok();
    let before = snapshot(site.root());
    site.run(&["check"]).assert_code(0);
    assert_same_tree(&before, &snapshot(site.root()), "public/ after check");
}

#[test]
fn new_pages_in_both_languages_build() {
    let site = Site::from_fixture("basic");
    for (kind, id, folder) in [
        ("obstacle", "no-time", "content/obstacles"),
        ("step", "train-staff", "content/steps"),
        ("step", "measure", "content/steps"),
        ("page", "glossary", "content"),
    ] {
        let run = site.run(&["new", kind, id]);
        run.assert_code(0);
        let fr = format!("{folder}/{id}.fr.md");
        let en = format!("{folder}/{id}.en.md");
        assert_eq!(
            run.stdout,
            format!("created {fr}\ncreated {en}\n"),
            "new {kind} {id}"
        );
        assert!(site.path(&fr).is_file() && site.path(&en).is_file());
        assert!(
            site.read(&en).contains("playbook translated"),
            "a hint in {en}"
        );
    }
    // Both language files of every new page build, with the other pages (two new steps too).
    let run = site.build_ok();
    assert!(run.stdout.starts_with("built "), "{}", run.stdout);
    let public = site.public();
    for lang in ["fr", "en"] {
        let pages: Vec<String> = common::html_files(&public)
            .into_iter()
            .filter(|p| p.starts_with(&format!("{lang}/")))
            .collect();
        for id in ["no-time", "train-staff", "measure", "glossary"] {
            assert!(
                pages.iter().any(|p| p.contains(id)),
                "a {lang} page for {id}: {pages:?}"
            );
        }
    }
    assert!(common::broken_links(&public, "/").is_empty());
    // check is happy apart from the new translations it asks to confirm.
    site.run(&["check"]).assert_code(0);
}

#[test]
fn new_refuses_to_overwrite() {
    let site = Site::from_fixture("basic");
    // Both files exist.
    let run = site.run(&["new", "step", "champion"]);
    run.assert_code(2);
    assert_eq!(
        run.stderr.trim(),
        "error: `content/steps/champion.fr.md` already exists; playbook new never overwrites a page"
    );
    // Only the French file exists: the English one is not written either.
    let run = site.run(&["new", "step", "group"]);
    run.assert_code(2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert!(!site.path("content/steps/group.en.md").exists());
    // Only the English file exists.
    site.remove("content/obstacles/budget.fr.md");
    let budget_en = site.read("content/obstacles/budget.en.md");
    let run = site.run(&["new", "obstacle", "budget"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("`content/obstacles/budget.en.md` already exists"),
        "{}",
        run.stderr
    );
    assert!(!site.path("content/obstacles/budget.fr.md").exists());
    assert_eq!(site.read("content/obstacles/budget.en.md"), budget_en);
    // An id that cannot be a file name of the site.
    let run = site.run(&["new", "page", "Mon Glossaire"]);
    run.assert_code(2);
    assert!(run.stderr.contains("not a valid page id"), "{}", run.stderr);
    // A second `new` of the same page.
    site.run(&["new", "page", "glossary"]).assert_code(0);
    let text = site.read("content/glossary.fr.md");
    site.write("content/glossary.fr.md", format!("{text}\nMon texte.\n"));
    let run = site.run(&["new", "page", "glossary"]);
    run.assert_code(2);
    assert!(site
        .read("content/glossary.fr.md")
        .ends_with("Mon texte.\n"));
}

#[test]
fn translated_accepts_absolute_paths_and_paths_from_the_current_folder() {
    let site = Site::from_fixture("basic");
    let champion = "content/steps/champion.en.md";
    let absolute = site.path(champion);
    site.run(&["translated", absolute.to_str().unwrap()])
        .assert_code(0);
    assert!(site.read(champion).contains("translated_from = \""));
    // From inside content/, as a shell completes it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_playbook"))
        .current_dir(site.path("content"))
        .args(["--root", "..", "translated", "obstacles/budget.en.md"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(site
        .read("content/obstacles/budget.en.md")
        .contains("translated_from = \""));
    let (_, report) = json_check(&site, &[]);
    assert!(!statuses(&report)
        .iter()
        .any(|(_, f)| f == champion || f == "content/obstacles/budget.en.md"));
}

#[test]
fn new_step_takes_a_number_no_step_has() {
    let site = Site::from_fixture("basic");
    // Steps 1 and 3 (step 2 was removed): a new step must not take 3.
    site.write(
        "content/steps/group.fr.md",
        site.read("content/steps/group.fr.md")
            .replace("order = 2", "order = 3"),
    );
    site.run(&["new", "step", "next-step"]).assert_code(0);
    assert!(site
        .read("content/steps/next-step.fr.md")
        .contains("\norder = 4\n"));
    site.run(&["new", "obstacle", "next-obstacle"])
        .assert_code(0);
    assert!(site
        .read("content/obstacles/next-obstacle.fr.md")
        .contains("\nweight = 3\n"));
    site.build_ok();
}

#[test]
fn json_check_answers_json_even_without_a_site() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::playbook(&[
        "--root",
        dir.path().to_str().unwrap(),
        "check",
        "--format",
        "json",
    ]);
    run.assert_code(2);
    let report: Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("JSON ({e}): {}", run.stdout));
    assert_eq!(report["ok"], false);
    assert!(report["fatal"]
        .as_str()
        .unwrap()
        .contains("no `content/` folder"));
    assert!(
        run.stderr.contains("no `content/` folder"),
        "{}",
        run.stderr
    );
}
