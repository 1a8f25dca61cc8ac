//! URLs that never break: the URL ledger (`content/urls.lock`) through the real binary, on
//! temporary copies of the `basic` fixture. A title change, a slug change, a translation
//! arriving, a section move and a marked rename each leave a working redirect (a redirect page
//! at the old address pointing at the new one, a `_redirects` line, a `moved:` line); chains
//! redirect straight to the current address; an old address another page takes stops
//! redirecting; a removed page is reported. In CI (`CI=true`, or `--locked`) an address change
//! the ledger does not record fails the build and writes nothing. Runs that must behave as on
//! an editor's machine remove `CI` from their environment, so the suite passes with and
//! without `CI=true`. Alias collisions (with generated files and pages) are located errors.

mod common;

use common::running::{Running, DEADLINE, POLL};
use common::{assert_same_tree, attrs, fixture, page, resolve, snapshot, Run, Site};

const LEDGER: &str = "content/urls.lock";
const CHAMPION_FR: &str = "content/steps/champion.fr.md";
const CHAMPION_TITLE: &str = "title = \"Désigner un champion\"";
const CHAMPION_URL: &str = "/fr/steps/designer-un-champion/";

/// A run as on an editor's machine: not in CI, whatever the tests run in.
fn local(site: &Site, args: &[&str]) -> Run {
    site.run_env(args, &[("CI", None)])
}

fn ci(site: &Site, args: &[&str]) -> Run {
    site.run_env(args, &[("CI", Some("true"))])
}

fn build_local(site: &Site) -> Run {
    let run = local(site, &["build"]);
    run.assert_code(0);
    run
}

/// Replaces `from` by `to` in a site file (which must contain it), saved as editors do.
fn edit(site: &Site, rel: &str, from: &str, to: &str) {
    let text = site.read(rel);
    assert!(text.contains(from), "{rel} has no {from:?}");
    site.save(rel, text.replacen(from, to, 1));
}

/// `old` (a site address) is a redirect page to `new` and a `_redirects` rule, and `new` is a
/// page.
fn assert_redirect(site: &Site, old: &str, new: &str) {
    let public = site.public();
    let rel = format!("{}index.html", &old[1..]);
    let target_rel = format!("{}index.html", &new[1..]);
    assert!(public.join(&target_rel).is_file(), "no page at {new}");
    let html = page(&public, &rel);
    let refresh = attrs(&html, "meta[http-equiv=refresh]", "content");
    assert_eq!(refresh.len(), 1, "{old}: one meta refresh");
    let url = refresh[0].split_once("url=").expect("refresh has a url").1;
    let (file, _) = resolve(&rel, url, "/").expect("a site link");
    assert_eq!(file, target_rel, "{old} forwards to {new}");
    assert_eq!(attrs(&html, "main a", "href"), vec![url.to_string()]);
    assert_eq!(
        attrs(&html, "meta[name=robots]", "content"),
        vec!["noindex"]
    );
    let canonical = attrs(&html, "link[rel=canonical]", "href");
    assert!(canonical[0].ends_with(new), "{canonical:?}");
    assert!(attrs(&html, "script", "src").is_empty());
    let rules = std::fs::read_to_string(public.join("_redirects")).unwrap();
    assert!(
        rules.lines().any(|l| l == format!("{old} {new} 301")),
        "no `{old} {new} 301` in _redirects:\n{rules}"
    );
}

fn assert_moved(run: &Run, old: &str, new: &str) {
    let line = format!("moved: {old} → {new} (redirect kept)");
    assert!(
        run.stdout.lines().any(|l| l == line),
        "no `{line}` in\n{}",
        run.stdout
    );
}

/// What CI would say now: the ledger records every address (and a build changes nothing).
fn assert_recorded(site: &Site) {
    let out = tempfile::tempdir().unwrap();
    let before = site.read(LEDGER);
    let run = ci(
        site,
        &[
            "build",
            "--locked",
            "--output",
            out.path().to_str().unwrap(),
        ],
    );
    run.assert_code(0);
    assert!(!run.stdout.contains("moved:"), "{}", run.stdout);
    assert_eq!(site.read(LEDGER), before);
}

// ---------------------------------------------------------------------------------------------
// The ledger itself

#[test]
fn the_first_build_writes_one_sorted_line_per_address() {
    let site = Site::from_fixture("basic");
    let run = build_local(&site);
    assert!(
        run.stdout.contains("created content/urls.lock"),
        "{}",
        run.stdout
    );
    let text = site.read(LEDGER);
    assert!(text.starts_with("# "), "a header comment says what it is");
    assert!(text.contains("Do not edit by hand"));
    let blocks: Vec<&str> = text.lines().filter(|l| l.starts_with("[\"")).collect();
    let mut sorted = blocks.clone();
    sorted.sort();
    assert_eq!(blocks, sorted);
    assert!(blocks.contains(&"[\"steps/champion\"]"), "{text}");
    assert!(
        text.contains(&format!("\nfr = \"{CHAMPION_URL}\"\n")),
        "{text}"
    );
    // The page missing in English is published at the fallback's address: recorded too.
    assert!(text.contains("en = \"/en/steps/organiser-un-groupe-de-travail/\""));
    // Nothing changed: nothing written, nothing said, the same site.
    let modified = std::fs::metadata(site.path(LEDGER))
        .unwrap()
        .modified()
        .unwrap();
    let public = snapshot(&site.public());
    let run = build_local(&site);
    assert!(
        !run.stdout.contains("moved") && !run.stdout.contains("created"),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::metadata(site.path(LEDGER))
            .unwrap()
            .modified()
            .unwrap(),
        modified
    );
    assert_same_tree(&public, &snapshot(&site.public()), "second build");
    assert!(!site.public().join("_redirects").exists());
    assert_recorded(&site);
}

#[test]
fn a_broken_ledger_is_a_located_error() {
    let site = Site::from_fixture("basic");
    build_local(&site);
    let text = site.read(LEDGER);
    site.write(
        LEDGER,
        text.replace(&format!("fr = \"{CHAMPION_URL}\""), "fr = \"fr/x\""),
    );
    let run = local(&site, &["build"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("error: content/urls.lock:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("`fr/x` is not an address of the site"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Every kind of address change keeps the old address working

#[test]
fn a_title_change_keeps_a_redirect() {
    let site = Site::from_fixture("basic");
    let first = build_local(&site);
    edit(
        &site,
        CHAMPION_FR,
        CHAMPION_TITLE,
        "title = \"Désigner un vrai champion\"",
    );
    let run = build_local(&site);
    let new = "/fr/steps/designer-un-vrai-champion/";
    assert_moved(&run, CHAMPION_URL, new);
    assert_redirect(&site, CHAMPION_URL, new);
    let text = site.read(LEDGER);
    assert!(
        text.contains(&format!(
            "fr = \"{new}\"\nfr_old = [\n  \"{CHAMPION_URL}\",\n]\n"
        )),
        "{text}"
    );
    // The page count does not count the redirect: `built 24 pages (en 12, fr 12) in …`.
    let counts = |run: &Run| run.stdout.split(" in ").next().unwrap().to_string();
    assert_eq!(counts(&run), counts(&first));
    assert_recorded(&site);
}

#[test]
fn a_slug_change_keeps_a_redirect() {
    let site = Site::from_fixture("basic");
    build_local(&site);
    edit(
        &site,
        "content/obstacles/support.en.md",
        "+++\n",
        "+++\nslug = \"no-support\"\n",
    );
    let run = build_local(&site);
    let old = "/en/obstacles/lack-of-management-support/";
    assert_moved(&run, old, "/en/obstacles/no-support/");
    assert_redirect(&site, old, "/en/obstacles/no-support/");
    assert_recorded(&site);
}

#[test]
fn a_translation_arriving_keeps_a_redirect() {
    let site = Site::from_fixture("basic");
    build_local(&site);
    // The English page was the French text, at an address made from the French title.
    let fallback = "/en/steps/organiser-un-groupe-de-travail/";
    site.write(
        "content/steps/group.en.md",
        "+++\ntitle = \"Set up a working group\"\nsummary = \"Heads of department become ambassadors.\"\n+++\nText.\n",
    );
    let run = build_local(&site);
    let new = "/en/steps/set-up-a-working-group/";
    assert_moved(&run, fallback, new);
    assert_redirect(&site, fallback, new);
    assert_recorded(&site);
}

#[test]
fn a_section_move_keeps_a_redirect() {
    let site = Site::from_fixture("basic");
    for lang in ["fr", "en"] {
        site.write(
            &format!("content/guides/checklist.{lang}.md"),
            format!("+++\ntitle = \"Checklist {lang}\"\n+++\nText.\n"),
        );
    }
    build_local(&site);
    std::fs::rename(site.path("content/guides"), site.path("content/toolkit")).unwrap();
    let run = build_local(&site);
    for (old, new) in [
        ("/fr/guides/checklist-fr/", "/fr/toolkit/checklist-fr/"),
        ("/en/guides/checklist-en/", "/en/toolkit/checklist-en/"),
        ("/fr/guides/", "/fr/toolkit/"),
    ] {
        assert_moved(&run, old, new);
        assert_redirect(&site, old, new);
    }
    assert!(
        !site.read(LEDGER).contains("[\"guides/"),
        "the old names are gone"
    );
    assert!(!run.stderr.contains("removed"), "{}", run.stderr);
    assert_recorded(&site);
}

/// `basic` with a page of its own in both languages, `content/guides/checklist.<lang>.md`,
/// built once.
fn with_checklist() -> Site {
    let site = Site::from_fixture("basic");
    for (lang, title) in [("fr", "Liste"), ("en", "List")] {
        site.write(
            &format!("content/guides/checklist.{lang}.md"),
            format!("+++\ntitle = \"{title}\"\n+++\nText.\n"),
        );
    }
    build_local(&site);
    site
}

/// Renames the checklist's files to `<id>.<lang>.md`, with `front` added to the French
/// one's front matter.
fn rename_checklist(site: &Site, id: &str, front: &str) {
    for lang in ["fr", "en"] {
        let from = format!("content/guides/checklist.{lang}.md");
        let mut text = site.read(&from);
        if lang == "fr" {
            text = text.replacen("+++\n", &format!("+++\n{front}\n"), 1);
        }
        site.remove(&from);
        site.write(&format!("content/guides/{id}.{lang}.md"), text);
    }
}

#[test]
fn a_renamed_file_marked_with_renamed_from_keeps_a_redirect() {
    let site = with_checklist();
    // Its address comes from the title: renaming the file alone changes no address.
    rename_checklist(&site, "list", "");
    let run = build_local(&site);
    assert!(
        !run.stdout.contains("moved") && !run.stderr.contains("removed"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    // A file renamed and retitled: marked, its old addresses follow it.
    let title = "title = \"Liste\"";
    edit(
        &site,
        "content/guides/list.fr.md",
        title,
        "title = \"Aide-mémoire\"",
    );
    let text = site.read("content/guides/list.fr.md");
    site.remove("content/guides/list.fr.md");
    site.remove("content/guides/list.en.md");
    site.write(
        "content/guides/memo.fr.md",
        text.replacen("+++\n", "+++\nrenamed_from = \"list\"\n", 1),
    );
    site.write(
        "content/guides/memo.en.md",
        "+++\ntitle = \"Memo\"\n+++\nText.\n",
    );
    let run = build_local(&site);
    assert_moved(&run, "/fr/guides/liste/", "/fr/guides/aide-memoire/");
    assert_moved(&run, "/en/guides/list/", "/en/guides/memo/");
    assert_redirect(&site, "/fr/guides/liste/", "/fr/guides/aide-memoire/");
    assert_redirect(&site, "/en/guides/list/", "/en/guides/memo/");
    let ledger = site.read(LEDGER);
    assert!(
        ledger.contains("[\"guides/memo\"]") && !ledger.contains("[\"guides/list\"]"),
        "{ledger}"
    );
    assert!(!run.stderr.contains("removed"), "{}", run.stderr);
    assert_recorded(&site);
    // The mark may stay: the rename is recorded, it does nothing more.
    assert_recorded(&site);
}

#[test]
fn a_renamed_file_without_the_mark_is_reported_as_removed() {
    let site = with_checklist();
    rename_checklist(&site, "memo", "");
    edit(
        &site,
        "content/guides/memo.fr.md",
        "title = \"Liste\"",
        "title = \"Aide-mémoire\"",
    );
    let run = build_local(&site);
    assert!(
        run.stderr
            .contains("page `guides/checklist` was removed: /fr/guides/liste/ no longer works"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("renamed_from = \"guides/checklist\""),
        "{}",
        run.stderr
    );
    // Marking it afterwards still works.
    edit(
        &site,
        "content/guides/memo.fr.md",
        "+++\n",
        "+++\nrenamed_from = \"checklist\"\n",
    );
    let run = build_local(&site);
    assert_moved(&run, "/fr/guides/liste/", "/fr/guides/aide-memoire/");
    assert!(!run.stderr.contains("removed"), "{}", run.stderr);
    assert_recorded(&site);
}

#[test]
fn a_chain_of_moves_redirects_straight_to_the_current_address() {
    let site = Site::from_fixture("basic");
    build_local(&site);
    let (a, b, c) = (
        CHAMPION_URL,
        "/fr/steps/designer-un-vrai-champion/",
        "/fr/steps/designer-une-championne/",
    );
    edit(
        &site,
        CHAMPION_FR,
        CHAMPION_TITLE,
        "title = \"Désigner un vrai champion\"",
    );
    build_local(&site);
    edit(
        &site,
        CHAMPION_FR,
        "Désigner un vrai champion",
        "Désigner une championne",
    );
    let run = build_local(&site);
    assert_moved(&run, b, c);
    assert_redirect(&site, a, c);
    assert_redirect(&site, b, c);
    // And back to the first title: the first address is a page again.
    edit(
        &site,
        CHAMPION_FR,
        "Désigner une championne",
        "Désigner un champion",
    );
    let run = build_local(&site);
    assert_moved(&run, c, a);
    assert_redirect(&site, b, a);
    assert_redirect(&site, c, a);
    assert!(attrs(
        &page(&site.public(), &format!("{}index.html", &a[1..])),
        "meta[http-equiv=refresh]",
        "content"
    )
    .is_empty());
    assert_recorded(&site);
}

/// `basic` built, then built again with the champion retitled: its first address redirects.
fn with_champion_moved() -> Site {
    let site = Site::from_fixture("basic");
    build_local(&site);
    edit(
        &site,
        CHAMPION_FR,
        CHAMPION_TITLE,
        "title = \"Désigner un vrai champion\"",
    );
    build_local(&site);
    site
}

/// The build says the champion's first address stopped redirecting (`now` is there instead),
/// and it is no redirect any more.
fn assert_released(site: &Site, run: &Run, now: &str) {
    let line = format!("no longer redirects: {CHAMPION_URL} (now the address of {now})");
    assert!(
        run.stdout.lines().any(|l| l == line),
        "no `{line}` in\n{}",
        run.stdout
    );
    let html = page(&site.public(), &format!("{}index.html", &CHAMPION_URL[1..]));
    assert!(attrs(&html, "meta[http-equiv=refresh]", "content").is_empty());
    let rules = std::fs::read_to_string(site.public().join("_redirects")).unwrap_or_default();
    assert!(
        !rules.lines().any(|l| l.starts_with(CHAMPION_URL)),
        "{rules}"
    );
    assert_recorded(site);
}

#[test]
fn an_old_address_another_page_takes_stops_redirecting() {
    let site = with_champion_moved();
    let group = "content/steps/group.fr.md";
    edit(
        &site,
        group,
        "Organiser un groupe de travail",
        "Désigner un champion",
    );
    let run = build_local(&site);
    assert_released(&site, &run, "an existing page, `content/steps/group.fr.md`");
}

#[test]
fn an_old_address_a_generated_page_takes_stops_redirecting() {
    let site = with_champion_moved();
    // The theme now publishes its search page where the champion used to be.
    let strings = "themes/default/i18n/fr.toml";
    edit(
        &site,
        strings,
        "slug_search = \"recherche\"",
        "slug_search = \"steps/designer-un-champion\"",
    );
    let run = build_local(&site);
    assert_released(&site, &run, "the generated search page");
}

// ---------------------------------------------------------------------------------------------
// A page that disappears

#[test]
fn a_removed_page_is_listed_by_check_until_an_alias_takes_its_addresses() {
    let site = Site::from_fixture("basic");
    build_local(&site);
    site.remove("content/steps/group.fr.md");
    let run = build_local(&site);
    let removed = "page `steps/group` was removed: /en/steps/organiser-un-groupe-de-travail/, /fr/steps/organiser-un-groupe-de-travail/ no longer work";
    assert!(run.stderr.contains(removed), "{}", run.stderr);
    assert!(site
        .read(LEDGER)
        .contains("[\"steps/group\"]\ngone = true\n"));
    let check = local(&site, &["check"]);
    check.assert_code(0);
    assert!(
        check.stderr.contains("warning: content/urls.lock:"),
        "{}",
        check.stderr
    );
    assert!(check.stderr.contains(removed), "{}", check.stderr);
    assert!(
        check
            .stderr
            .contains("aliases = [\"/en/steps/organiser-un-groupe-de-travail/\"]"),
        "the help shows the alias to write: {}",
        check.stderr
    );
    local(&site, &["check", "--strict"]).assert_code(1);
    // Still reported at the next build; in CI too (but CI passes: the ledger says so).
    assert!(build_local(&site).stderr.contains(removed));
    assert_recorded(&site);
    // The champion replaces it: its aliases take the addresses, the ledger lets them go.
    edit(
        &site,
        CHAMPION_FR,
        "+++\n",
        "+++\naliases = [\"/fr/steps/organiser-un-groupe-de-travail/\"]\n",
    );
    edit(
        &site,
        "content/steps/champion.en.md",
        "+++\n",
        "+++\naliases = [\"/en/steps/organiser-un-groupe-de-travail/\"]\n",
    );
    let run = build_local(&site);
    assert!(!run.stderr.contains("removed"), "{}", run.stderr);
    assert!(!site.read(LEDGER).contains("steps/group"));
    assert_redirect(
        &site,
        "/fr/steps/organiser-un-groupe-de-travail/",
        CHAMPION_URL,
    );
    assert_recorded(&site);
}

// ---------------------------------------------------------------------------------------------
// CI

#[test]
fn ci_refuses_an_address_change_the_ledger_does_not_record() {
    let site = Site::from_fixture("basic");
    build_local(&site);
    ci(&site, &["build"]).assert_code(0);
    edit(
        &site,
        CHAMPION_FR,
        CHAMPION_TITLE,
        "title = \"Désigner un vrai champion\"",
    );
    let before = snapshot(site.root());
    for run in [
        ci(&site, &["build"]),
        local(&site, &["build", "--locked"]),
        site.run_env(&["build"], &[("CI", Some("1"))]),
        ci(&site, &["check"]),
    ] {
        run.assert_code(1);
        assert!(
            run.stderr.contains("error: content/steps/champion.fr.md:2:10: the `fr` address of this page changed from /fr/steps/designer-un-champion/ to /fr/steps/designer-un-vrai-champion/, and content/urls.lock does not record it yet"),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(
                "help: run `playbook build` on your machine, then commit content/urls.lock"
            ),
            "{}",
            run.stderr
        );
        // The hidden spare is where a build writes its pages as they are rendered: a refused
        // build may have brought part of it up to date. Everything else is as it was.
        let without_spare = |tree: std::collections::BTreeMap<String, Vec<u8>>| {
            tree.into_iter()
                .filter(|(p, _)| !p.starts_with(".public.spare/"))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        assert_same_tree(
            &without_spare(before.clone()),
            &without_spare(snapshot(site.root())),
            "a refused build",
        );
    }
    // Outside CI, `check` warns; `CI=false` is outside CI.
    let check = local(&site, &["check"]);
    check.assert_code(0);
    assert!(
        check
            .stderr
            .contains("warning: content/steps/champion.fr.md:2:10:"),
        "{}",
        check.stderr
    );
    let run = site.run_env(&["build"], &[("CI", Some("false"))]);
    run.assert_code(0);
    assert_moved(&run, CHAMPION_URL, "/fr/steps/designer-un-vrai-champion/");
    assert_recorded(&site);
}

#[test]
fn ci_refuses_a_removed_page_the_ledger_still_lists() {
    let site = Site::from_fixture("basic");
    build_local(&site);
    site.remove("content/steps/group.fr.md");
    let run = ci(&site, &["build"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains(
            "page `steps/group` has no file any more, and content/urls.lock does not record it yet"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("error: content/urls.lock:"),
        "{}",
        run.stderr
    );
}

#[test]
fn without_a_ledger_ci_checks_nothing_and_locked_asks_for_one() {
    let site = Site::from_fixture("basic");
    ci(&site, &["build"]).assert_code(0);
    assert!(!site.path(LEDGER).exists(), "CI does not write the ledger");
    let run = local(&site, &["build", "--locked"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains(
            "error: content/urls.lock: there is no ledger of published addresses to check against"
        ),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Aliases never take an address the site publishes

#[test]
fn every_alias_collision_is_a_located_error() {
    let site = Site::from_fixture("basic");
    site.overlay(&fixture("diagnostic"));
    build_local(&site);
    let question = common::html_files(&site.public())
        .into_iter()
        .find(|f| f.starts_with("fr/diagnostic/q/"))
        .expect("a diagnostic page");
    let question = format!("/{}", question.trim_end_matches("index.html"));
    let cases: Vec<(String, String)> = vec![
        (
            "/robots.txt/".into(),
            "collides with the file `robots.txt`".into(),
        ),
        (
            "/404.html".into(),
            "collides with the file `404.html`".into(),
        ),
        (
            "/sitemap.xml".into(),
            "collides with the file `sitemap.xml`".into(),
        ),
        (
            "/_redirects".into(),
            "collides with the host's `_redirects` file".into(),
        ),
        (
            "/assets/old/".into(),
            "collides with `assets/`, the folder of the theme's files".into(),
        ),
        (
            "/fr/search-index/index.js".into(),
            "collides with the file `fr/search-index/index.js`".into(),
        ),
        (
            "/fr/recherche/".into(),
            "is the address of the generated search page".into(),
        ),
        (
            question.clone(),
            format!("is the address of a page the site generates (`{question}`)"),
        ),
        (
            "/fr/steps/designer-un-champion/".into(),
            "is the address of an existing page, `content/steps/champion.fr.md`".into(),
        ),
        ("/.playbook-output".into(), "is not a site path".into()),
    ];
    let before = snapshot(&site.public());
    let budget = site.read("content/obstacles/budget.fr.md");
    for (alias, message) in cases {
        site.write(
            "content/obstacles/budget.fr.md",
            budget.replacen("+++\n", &format!("+++\naliases = [\"{alias}\"]\n"), 1),
        );
        let run = local(&site, &["build"]);
        run.assert_code(1);
        let expected =
            format!("error: content/obstacles/budget.fr.md:2:13: alias `{alias}` {message}");
        assert!(
            run.stderr.contains(&expected),
            "{alias}: expected\n{expected}\n---\n{}",
            run.stderr
        );
        assert_same_tree(&before, &snapshot(&site.public()), &alias);
    }
}

// ---------------------------------------------------------------------------------------------
// Watch and serve

#[test]
fn a_title_edit_under_watch_records_the_move_without_rebuilding_again() {
    let site = Site::from_fixture("basic");
    let mut run = Running::start(&site, &["build", "--watch"]);
    run.wait_ready();
    assert!(site.path(LEDGER).is_file(), "watch creates the ledger");
    edit(
        &site,
        CHAMPION_FR,
        CHAMPION_TITLE,
        "title = \"Désigner un vrai champion\"",
    );
    let new = "/fr/steps/designer-un-vrai-champion/";
    let moved = format!("moved: {CHAMPION_URL} → {new} (redirect kept)");
    run.wait_until("the moved line", |r| r.out().contains(&moved));
    run.wait_until("the rebuild", |r| r.builds() == 2);
    assert!(site.read(LEDGER).contains(&format!("fr = \"{new}\"")));
    assert_redirect(&site, CHAMPION_URL, new);
    // Another edit: had writing the ledger started a rebuild, it would come before this one.
    edit(
        &site,
        "content/steps/group.fr.md",
        "Retour au",
        "Retour modifié au",
    );
    let group = site
        .public()
        .join("fr/steps/organiser-un-groupe-de-travail/index.html");
    run.wait_until("the second edit", |_| {
        std::fs::read_to_string(&group).is_ok_and(|t| t.contains("modifié"))
    });
    run.wait_until("the third build", |r| r.builds() == 3);
    let out = run.out();
    let changes: Vec<&str> = out.lines().filter(|l| l.starts_with("change:")).collect();
    assert_eq!(
        changes,
        vec![
            "change: content/steps/champion.fr.md",
            "change: content/steps/group.fr.md"
        ],
        "{}",
        run.describe()
    );
    assert_recorded(&site);
    // A ledger edited by hand (here: an old address dropped) is a change like any other.
    let text = site.read(LEDGER);
    site.save(
        LEDGER,
        text.replace(&format!("fr_old = [\n  \"{CHAMPION_URL}\",\n]\n"), ""),
    );
    let redirect = site
        .public()
        .join(format!("{}index.html", &CHAMPION_URL[1..]));
    run.wait_until("the dropped redirect", |r| {
        !redirect.exists() && r.builds() == 4
    });
    assert!(run.out().contains("change: content/urls.lock\n"));
}

/// `GET path` on the preview server: status and body.
fn http_get(port: u16, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

#[test]
fn under_serve_the_old_address_of_a_moved_page_forwards_to_the_new_one() {
    let site = Site::from_fixture("basic");
    let (mut run, port) = loop {
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut run = Running::start(&site, &["serve", "--port", &port.to_string()]);
        run.wait_until("the server", |r| {
            r.out().contains("serving on ") || r.err().contains("already in use")
        });
        if run.out().contains("serving on ") {
            run.wait_ready();
            break (run, port);
        }
    };
    let (status, _) = http_get(port, CHAMPION_URL);
    assert_eq!(status, 200);
    edit(
        &site,
        CHAMPION_FR,
        CHAMPION_TITLE,
        "title = \"Désigner un vrai champion\"",
    );
    run.wait_until("the rebuild", |r| r.builds() == 2);
    // What the tab's reload asks for: the old address, answered from memory.
    let (status, body) = http_get(port, CHAMPION_URL);
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("<meta http-equiv=\"refresh\" content=\"0; url=../../../fr/steps/designer-un-vrai-champion/\">"),
        "{body}"
    );
    let started = std::time::Instant::now();
    while http_get(port, "/fr/steps/designer-un-vrai-champion/").0 != 200 {
        assert!(
            started.elapsed() < DEADLINE,
            "the new address never answered"
        );
        std::thread::sleep(POLL);
    }
}

// ---------------------------------------------------------------------------------------------
// The real playbook

#[test]
fn the_committed_ledger_records_every_address_of_the_real_playbook() {
    let site = Site::real();
    let run = local(&site, &["build", "--locked"]);
    assert!(
        run.code == 0,
        "content/urls.lock is not up to date: run `cargo run -- build` and commit it\n{}",
        run.stderr
    );
    // Every address it records is a page of the built site.
    for line in site.read(LEDGER).lines() {
        if let Some((_, url)) = line.split_once(" = \"/") {
            let rel = format!("{}index.html", url.trim_end_matches('"'));
            assert!(site.public().join(&rel).is_file(), "{rel}");
        }
    }
}
