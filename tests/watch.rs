//! `playbook build --watch` as a user runs it: the real binary on a temporary copy of a fixture
//! site, its output read by threads, every expectation a condition polled against a deadline
//! (never a fixed sleep). Edits show in `public/`; broken edits keep the process alive, print a
//! located error and leave `public/` as it was; editor temporary files are ignored; atomic saves,
//! new and deleted pages, bursts of writes, a failing first build and Ctrl-C are handled; the
//! incremental rebuild is byte-identical to a full build. Most cases run with native change
//! notification and with `--poll`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::running::{Running, DEADLINE, POLL};
use common::{assert_same_tree, snapshot, Site};

const CHAMPION_FR: &str = "content/steps/champion.fr.md";
const CHAMPION_FR_PAGE: &str = "fr/steps/designer-un-champion/index.html";
const GROUP_FR: &str = "content/steps/group.fr.md";
const GROUP_FR_PAGE: &str = "fr/steps/organiser-un-groupe-de-travail/index.html";

// ---------------------------------------------------------------------------------------------
// Helpers

/// `public/<rel>` as text, or `None` while it does not exist (or is being replaced).
fn published(site: &Site, rel: &str) -> Option<String> {
    std::fs::read_to_string(site.public().join(rel)).ok()
}

fn published_contains(site: &Site, rel: &str, needle: &str) -> bool {
    published(site, rel).is_some_and(|t| t.contains(needle))
}

/// Like `common::snapshot`, but `None` instead of a panic when a folder is swapped under it.
fn try_snapshot(dir: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) -> Option<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .ok()?
            .collect::<Result<_, _>>()
            .ok()?;
        entries.sort_by_key(|e: &std::fs::DirEntry| e.file_name());
        if entries.is_empty() && dir != base {
            out.insert(format!("{}/", rel(base, dir)), Vec::new());
        }
        for entry in entries {
            let path = entry.path();
            if entry.file_type().ok()?.is_dir() {
                walk(base, &path, out)?;
            } else {
                out.insert(rel(base, &path), std::fs::read(&path).ok()?);
            }
        }
        Some(())
    }
    fn rel(base: &Path, path: &Path) -> String {
        let parts: Vec<String> = path
            .strip_prefix(base)
            .unwrap()
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        parts.join("/")
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out)?;
    Some(out)
}

/// A full `playbook build` of the site's current content into a folder of its own. With
/// `--locked`, so that it never writes the URL ledger the watch process keeps: it succeeds
/// once the watch has recorded the content's addresses (in CI, a plain build would wait for
/// that too).
fn fresh_build(site: &Site) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fresh");
    let started = std::time::Instant::now();
    loop {
        let run = site.run(&["build", "--locked", "--output", out.to_str().unwrap()]);
        if run.code == 0 {
            return (dir, out);
        }
        if started.elapsed() > DEADLINE {
            run.assert_code(0);
        }
        std::thread::sleep(POLL);
    }
}

/// Waits until `public/` is exactly a fresh full build of the current content.
fn wait_equal_to_full_build(run: &mut Running, site: &Site) {
    let (_dir, fresh) = fresh_build(site);
    let expected = snapshot(&fresh);
    let public = site.public();
    run.wait_until("public/ to equal a full build", |_| {
        try_snapshot(&public).as_ref() == Some(&expected)
    });
    assert_same_tree(&expected, &snapshot(&public), "watch output vs full build");
}

/// Appends to a file in place, in one write: the file is never empty or cut in the middle.
fn append(site: &Site, rel: &str, text: &str) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(site.path(rel))
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn mode_args(poll: bool) -> Vec<&'static str> {
    if poll {
        vec!["build", "--watch", "--poll"]
    } else {
        vec!["build", "--watch"]
    }
}

fn start_watch(site: &Site, poll: bool) -> Running {
    let mut run = Running::start(site, &mode_args(poll));
    run.wait_ready();
    run
}

// ---------------------------------------------------------------------------------------------
// Edits

fn edit_appears(poll: bool) {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, poll);
    assert!(published(&site, CHAMPION_FR_PAGE).is_some());
    let text = site.read(CHAMPION_FR);
    append(&site, CHAMPION_FR, "\nUn paragraphe ajouté en direct.\n");
    run.wait_until("the edit in public/", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Un paragraphe ajouté en direct.")
    });
    // Front matter edits too: the title shows on the page and in the other pages' links, and
    // the old address forwards to the new one (the URL ledger, tests/ledger.rs).
    site.save(
        CHAMPION_FR,
        text.replace("Désigner un champion", "Nommer une championne"),
    );
    run.wait_until("the new title in public/", |_| {
        published_contains(
            &site,
            "fr/steps/nommer-une-championne/index.html",
            "Nommer une championne",
        ) && published_contains(
            &site,
            CHAMPION_FR_PAGE,
            "url=../../../fr/steps/nommer-une-championne/",
        )
    });
    assert!(
        run.err().is_empty(),
        "unexpected errors\n{}",
        run.describe()
    );
}

#[test]
fn edit_appears_in_public() {
    edit_appears(false);
}

#[test]
fn edit_appears_in_public_with_poll() {
    edit_appears(true);
}

/// A text edit rewrites the page's own search file and the term chunks of the words it added,
/// and leaves every other file of the index untouched (same inode, same modification time);
/// the index kept between edits gives the bytes of a full build.
#[test]
fn an_edit_rewrites_only_the_search_files_it_changes() {
    use std::os::unix::fs::MetadataExt;
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, false);
    // The first edit indexes each language whole and keeps the index; the second updates it.
    append(&site, GROUP_FR, "\nUne première modification.\n");
    wait_equal_to_full_build(&mut run, &site);
    let index = site.public().join("fr/search-index");
    let stamp = |p: &Path| {
        let m = std::fs::metadata(p).unwrap();
        (m.ino(), m.mtime(), m.mtime_nsec())
    };
    let before: BTreeMap<String, (u64, i64, i64)> = snapshot(&index)
        .into_keys()
        .map(|rel| {
            let s = stamp(&index.join(&rel));
            (rel, s)
        })
        .collect();
    // The manifest, a term chunk and the page files (a few pages each) at least.
    assert!(before.len() >= 4, "{before:?}");
    append(&site, CHAMPION_FR, "\nZéphyrinesque et quasiréticulaire.\n");
    run.wait_until("the new words in the search index", |_| {
        try_snapshot(&index).is_some_and(|files| {
            files
                .values()
                .any(|b| String::from_utf8_lossy(b).contains("\"zephyrinesque\""))
        })
    });
    wait_equal_to_full_build(&mut run, &site);
    let after = snapshot(&index);
    let changed: Vec<&String> = before
        .iter()
        .filter(|(rel, s)| stamp(&index.join(rel.as_str())) != **s)
        .map(|(rel, _)| rel)
        .collect();
    assert_eq!(after.len(), before.len(), "files added or removed");
    let pages: Vec<&&String> = changed.iter().filter(|r| r.starts_with("pages/")).collect();
    assert_eq!(pages.len(), 1, "{changed:?}");
    assert!(String::from_utf8_lossy(&after[pages[0].as_str()]).contains("Zéphyrinesque"));
    for rel in changed.iter().filter(|r| r.starts_with("terms/")) {
        let text = String::from_utf8_lossy(&after[rel.as_str()]);
        assert!(
            text.contains("\"zephyrinesque\"") || text.contains("\"quasireticulaire\""),
            "{rel} was rewritten without a new word"
        );
    }
    assert!(changed.len() <= 3, "{changed:?}");
}

#[test]
fn settings_and_theme_changes_rebuild() {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, false);
    let settings = site.read("content/site.toml");
    site.save(
        "content/site.toml",
        settings.replace("Site d’essai", "Site modifié"),
    );
    run.wait_until("the new site title", |_| {
        published_contains(&site, "fr/index.html", "Site modifié")
    });
    let css = site.read("themes/default/static/style.css");
    site.save(
        "themes/default/static/style.css",
        format!("{css}\n.watch-marker{{color:red}}\n"),
    );
    run.wait_until("the new style sheet", |_| {
        std::fs::read_dir(site.public().join("assets")).is_ok_and(|d| {
            d.flatten().any(|e| {
                e.file_name().to_string_lossy().ends_with(".css")
                    && std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains(".watch-marker"))
            })
        })
    });
    assert!(
        run.err().is_empty(),
        "unexpected errors\n{}",
        run.describe()
    );
}

fn broken_edit_then_fix(poll: bool) {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, poll);
    let before = snapshot(&site.public());
    let good = site.read(GROUP_FR);

    // A syntax error in the front matter: the full pipeline reports it.
    site.write(
        GROUP_FR,
        good.replacen("groupe de travail\"", "groupe de travail", 1),
    );
    // Both lines waited for: the error and the line after it are two writes to stderr, and
    // the test can read between them (it did, once, in CI).
    let last_good = format!(
        "the last good site is still in {}; waiting for the next change",
        site.public().display()
    );
    run.wait_until(
        "the error, with its file and line, then where the last good site is",
        |r| {
            let err = r.err();
            err.find("error: content/steps/group.fr.md:2:")
                .is_some_and(|at| err[at..].contains(&last_good))
        },
    );
    run.assert_alive();
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after a broken edit",
    );

    // A broken link in the body only: the incremental path must refuse it as well.
    site.write(
        GROUP_FR,
        good.replace("@/steps/champion.md", "@/steps/champoin.md"),
    );
    run.wait_until("the broken link, with its file and line", |r| {
        r.err().contains("error: content/steps/group.fr.md:7:")
    });
    run.assert_alive();
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after a broken link",
    );

    // The fix rebuilds.
    site.write(GROUP_FR, good.replace("Retour au", "Revenir au"));
    run.wait_until("the fixed page", |_| {
        published_contains(&site, GROUP_FR_PAGE, "Revenir au")
    });
    wait_equal_to_full_build(&mut run, &site);
}

#[test]
fn broken_edit_keeps_running_leaves_public_and_fix_rebuilds() {
    broken_edit_then_fix(false);
}

#[test]
fn broken_edit_keeps_running_leaves_public_and_fix_rebuilds_with_poll() {
    broken_edit_then_fix(true);
}

fn editor_temp_files_are_ignored(poll: bool) {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, poll);
    let before = snapshot(&site.public());
    let builds = run.builds();
    let dir = site.path("content/steps");
    // vim: swap file, its write test file, backup; emacs: auto-save and lock (a dangling
    // symbolic link); JetBrains: safe-write temporary file; plus a hidden file.
    let garbage = "+++\ntitle = \"broken\n";
    for name in [
        ".champion.fr.md.swp",
        ".champion.fr.md.swx",
        "4913",
        "champion.fr.md~",
        "#champion.fr.md#",
        "champion.fr.md___jb_tmp___",
        "champion.fr.md___jb_old___",
        ".hidden.fr.md",
    ] {
        std::fs::write(dir.join(name), garbage).unwrap();
    }
    std::os::unix::fs::symlink("user@host.12345:1700000000", dir.join(".#champion.fr.md")).unwrap();
    std::fs::write(site.path("content/4913"), garbage).unwrap();
    std::fs::remove_file(dir.join("4913")).unwrap();
    std::fs::remove_file(dir.join("champion.fr.md___jb_old___")).unwrap();

    // A real save that changes nothing visible (one more blank line at the end): the one
    // change the watcher should report, after the temporary files (events arrive in order).
    append(&site, CHAMPION_FR, "\n");
    run.wait_until("the rebuild of the real save", |r| r.builds() > builds);
    let out = run.out();
    for line in out.lines().filter(|l| l.starts_with("change:")) {
        assert_eq!(
            line,
            "change: content/steps/champion.fr.md",
            "only the real file changed\n{}",
            run.describe()
        );
    }
    assert!(run.err().is_empty(), "no error\n{}", run.describe());
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after temp files",
    );

    // A full build with the temporary files present ignores them too.
    site.save(
        "content/site.toml",
        site.read("content/site.toml")
            .replace("Site d’essai", "Site d’essai 2"),
    );
    run.wait_until("the full rebuild", |_| {
        published_contains(&site, "fr/index.html", "Site d’essai 2")
    });
    assert!(run.err().is_empty(), "no error\n{}", run.describe());
    wait_equal_to_full_build(&mut run, &site);
}

#[test]
fn editor_temp_files_trigger_no_rebuild_and_no_error() {
    editor_temp_files_are_ignored(false);
}

#[test]
fn editor_temp_files_trigger_no_rebuild_and_no_error_with_poll() {
    editor_temp_files_are_ignored(true);
}

fn atomic_saves(poll: bool) {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, poll);
    let text = site.read(CHAMPION_FR);
    let dir = site.path("content/steps");

    // Write a temporary file, rename it over the page (many editors, `sed -i`, git).
    let tmp = dir.join(".champion.fr.md.tmp1234");
    std::fs::write(&tmp, format!("{text}\nSauvegarde atomique.\n")).unwrap();
    std::fs::rename(&tmp, site.path(CHAMPION_FR)).unwrap();
    run.wait_until("the atomic save in public/", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Sauvegarde atomique.")
    });

    // JetBrains "safe write": new text to `x___jb_tmp___`, `x` renamed to `x___jb_old___`,
    // the temporary file renamed to `x`, the old one deleted.
    let target = site.path(CHAMPION_FR);
    let jb_tmp = dir.join("champion.fr.md___jb_tmp___");
    let jb_old = dir.join("champion.fr.md___jb_old___");
    std::fs::write(&jb_tmp, format!("{text}\nÉcriture sûre.\n")).unwrap();
    std::fs::rename(&target, &jb_old).unwrap();
    std::fs::rename(&jb_tmp, &target).unwrap();
    std::fs::remove_file(&jb_old).unwrap();
    run.wait_until("the safe write in public/", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Écriture sûre.")
            && !published_contains(&site, CHAMPION_FR_PAGE, "Sauvegarde atomique.")
    });
    run.assert_alive();
    wait_equal_to_full_build(&mut run, &site);
}

#[test]
fn atomic_save_is_seen() {
    atomic_saves(false);
}

#[test]
fn atomic_save_is_seen_with_poll() {
    atomic_saves(true);
}

fn new_and_deleted_pages(poll: bool) {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, poll);
    let new_fr = "fr/steps/une-nouvelle-etape/index.html";
    let new_en = "en/steps/a-new-step/index.html";
    site.save("content/steps/new-step.fr.md",
        "+++\ntitle = \"Une nouvelle étape\"\nsummary = \"Ajoutée pendant la surveillance.\"\norder = 3\naddresses = [\"budget\"]\n+++\nTexte de la nouvelle étape.\n",
    );
    run.wait_until("the new page", |_| {
        published_contains(&site, new_fr, "Texte de la nouvelle étape.")
    });
    site.save("content/steps/new-step.en.md",
        "+++\ntitle = \"A new step\"\nsummary = \"Added while watching.\"\n+++\nText of the new step.\n",
    );
    run.wait_until("its translation", |_| {
        published_contains(&site, new_en, "Text of the new step.")
    });
    // The obstacle it addresses links to it.
    assert!(published_contains(
        &site,
        "fr/obstacles/le-budget/index.html",
        "Une nouvelle étape"
    ));

    site.remove("content/steps/new-step.en.md");
    site.remove("content/steps/new-step.fr.md");
    run.wait_until("the deleted page to disappear", |_| {
        published(&site, new_fr).is_none()
            && published(&site, new_en).is_none()
            && !published_contains(
                &site,
                "fr/obstacles/le-budget/index.html",
                "Une nouvelle étape",
            )
    });
    // The only thing said: the URL ledger warns that the page's addresses no longer work
    // (printed once the site is published).
    run.wait_until("the URL ledger's warning", |r| {
        r.err().contains("warning: content/urls.lock:")
    });
    assert!(!run.err().contains("error"), "no error\n{}", run.describe());
    wait_equal_to_full_build(&mut run, &site);
}

#[test]
fn new_page_appears_and_deleted_page_disappears() {
    new_and_deleted_pages(false);
}

#[test]
fn new_page_appears_and_deleted_page_disappears_with_poll() {
    new_and_deleted_pages(true);
}

#[test]
fn burst_of_writes_gives_the_same_site_as_a_full_build() {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, false);
    let champion = site.read(CHAMPION_FR);
    let budget = site.read("content/obstacles/budget.fr.md");
    let group = site.read(GROUP_FR);
    // 50 writes without a pause, mixing body edits (incremental) and title edits (full).
    for i in 0..50 {
        match i % 3 {
            0 => site.write(CHAMPION_FR, format!("{champion}\nÉdition {i}.\n")),
            1 => site.write(
                "content/obstacles/budget.fr.md",
                budget.replace("Le budget", &format!("Le budget {i}")),
            ),
            _ => site.write(GROUP_FR, format!("{group}\nLigne {i}.\n")),
        }
    }
    run.wait_until("the last write in public/", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Édition 48.")
            && published_contains(&site, GROUP_FR_PAGE, "Ligne 47.")
            && published_contains(
                &site,
                "fr/obstacles/le-budget-49/index.html",
                "Le budget 49",
            )
    });
    wait_equal_to_full_build(&mut run, &site);
    run.assert_alive();
}

/// A change that arrives while another file is broken is part of a failed build; fixing the
/// broken file must publish both, not only the fix.
fn changes_during_an_error_are_kept(poll: bool) {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, poll);
    let group = site.read(GROUP_FR);
    site.save(
        GROUP_FR,
        group.replacen("groupe de travail\"", "groupe de travail", 1),
    );
    run.wait_until("the first error", |r| r.failures() >= 1);
    let budget = site.read("content/obstacles/budget.fr.md");
    site.save(
        "content/obstacles/budget.fr.md",
        budget.replace("Le budget", "Le budget modifié"),
    );
    run.wait_until("the second error", |r| r.failures() >= 2);
    assert!(published(&site, "fr/obstacles/le-budget-modifie/index.html").is_none());
    // Fixing the other file publishes the title change too.
    site.save(GROUP_FR, &group);
    run.wait_until("the fix", |r| r.builds() >= 2);
    wait_equal_to_full_build(&mut run, &site);
    assert!(published_contains(
        &site,
        "fr/obstacles/le-budget-modifie/index.html",
        "Le budget modifié"
    ));
}

#[test]
fn changes_made_while_the_site_is_broken_are_published_after_the_fix() {
    changes_during_an_error_are_kept(false);
}

#[test]
fn changes_made_while_the_site_is_broken_are_published_after_the_fix_with_poll() {
    changes_during_an_error_are_kept(true);
}

/// Edits, broken saves, deletions, renames, new pages and editor files in a pseudo-random order
/// (fixed seed), as fast as they can be made; once the content is valid again, `public/` is
/// exactly a full build of it.
fn any_sequence_of_changes(poll: bool, seed: u64) {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, poll);
    let champion = site.read(CHAMPION_FR);
    let group = site.read(GROUP_FR);
    let support = site.read("content/obstacles/support.fr.md");
    let new_step = "+++\ntitle = \"Étape ajoutée\"\nsummary = \"Pour voir.\"\norder = 7\naddresses = [\"support\"]\n+++\nCorps.\n";
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let steps = site.path("content/steps");
    for i in 0..60 {
        match next() % 9 {
            0 => site.write(CHAMPION_FR, format!("{champion}\nPassage {i}.\n")),
            1 => site.save(
                GROUP_FR,
                group.replace("Organiser un groupe", &format!("Organiser le groupe {i}")),
            ),
            // A broken save, fixed by a later one.
            2 => site.write(
                "content/obstacles/support.fr.md",
                support.replace("weight = 2", "weight = deux"),
            ),
            3 => site.write("content/obstacles/support.fr.md", &support),
            4 => site.save("content/steps/added.fr.md", new_step),
            5 => {
                let _ = std::fs::remove_file(steps.join("added.fr.md"));
            }
            // A rename and back (`git mv`, a file manager).
            6 => {
                let _ = std::fs::rename(steps.join("champion.en.md"), steps.join("lead.en.md"));
            }
            7 => {
                let _ = std::fs::rename(steps.join("lead.en.md"), steps.join("champion.en.md"));
            }
            _ => {
                std::fs::write(steps.join(format!(".group.fr.md.swp{i}")), "x").unwrap();
                std::fs::write(steps.join(format!("group.fr.md~{i}")), "x").unwrap();
            }
        }
    }
    // Make the content valid (the English champion page may be under the other name: a page
    // with no original is an error), then wait.
    site.write("content/obstacles/support.fr.md", &support);
    let _ = std::fs::rename(steps.join("lead.en.md"), steps.join("champion.en.md"));
    wait_equal_to_full_build(&mut run, &site);
    run.assert_alive();
}

#[test]
fn any_sequence_of_edits_deletions_renames_and_temp_files() {
    for seed in [1, 2, 3] {
        any_sequence_of_changes(false, seed);
    }
}

#[test]
fn any_sequence_of_edits_deletions_renames_and_temp_files_with_poll() {
    any_sequence_of_changes(true, 4);
}

#[test]
fn deleted_output_folder_is_published_whole_on_the_next_change() {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, false);
    std::fs::remove_dir_all(site.public()).unwrap();
    // A body edit, which alone would update three files.
    append(&site, CHAMPION_FR, "\nAprès la suppression.\n");
    run.wait_until("the edit", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Après la suppression.")
    });
    wait_equal_to_full_build(&mut run, &site);
    // And the next change still publishes.
    site.save(
        "content/site.toml",
        site.read("content/site.toml")
            .replace("Site d’essai", "Site repris"),
    );
    run.wait_until("a full rebuild", |_| {
        published_contains(&site, "fr/index.html", "Site repris")
    });
    assert!(run.err().is_empty(), "no error\n{}", run.describe());
}

/// A folder moved out of `content/` and back (a branch switch, an undo in a file manager), and a
/// new folder created with its files: edits inside them are still seen.
fn moved_folders(poll: bool) {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, poll);
    let away = site.path("steps-away");
    std::fs::rename(site.path("content/steps"), &away).unwrap();
    // The home page links to a step: the build fails and says so; nothing is published.
    run.wait_until("the error about the missing step", |r| r.failures() >= 1);
    assert!(published(&site, CHAMPION_FR_PAGE).is_some());
    std::fs::rename(&away, site.path("content/steps")).unwrap();
    run.wait_until("the rebuild", |r| r.builds() >= 2);
    append(&site, CHAMPION_FR, "\nDans le dossier revenu.\n");
    run.wait_until("an edit in the folder moved back", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Dans le dossier revenu.")
    });

    // The folder deleted and made again, then an edit in it.
    let nested = site.path("content/steps");
    std::fs::rename(&nested, site.path("steps-tmp")).unwrap();
    std::fs::create_dir(&nested).unwrap();
    for name in ["champion.fr.md", "champion.en.md", "group.fr.md"] {
        std::fs::copy(site.path("steps-tmp").join(name), nested.join(name)).unwrap();
    }
    std::fs::remove_dir_all(site.path("steps-tmp")).unwrap();
    // Same files, same text: nothing to publish, but an edit made now must be seen.
    append(&site, CHAMPION_FR, "\nDans le nouveau dossier.\n");
    run.wait_until("an edit in the new folder", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Dans le nouveau dossier.")
    });
    wait_equal_to_full_build(&mut run, &site);
}

#[test]
fn folders_moved_out_and_back_or_recreated_are_still_watched() {
    moved_folders(false);
}

#[test]
fn folders_moved_out_and_back_or_recreated_are_still_watched_with_poll() {
    moved_folders(true);
}

/// `content/` itself replaced (a restore from a backup, a sync tool, `mv new content`): the
/// watcher follows the new folder.
fn replaced_content_folder(poll: bool) {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, poll);
    common::copy_dir(&site.path("content"), &site.path("content-new"));
    std::fs::rename(site.path("content"), site.path("content-old")).unwrap();
    std::fs::rename(site.path("content-new"), site.path("content")).unwrap();
    std::fs::remove_dir_all(site.path("content-old")).unwrap();
    append(&site, CHAMPION_FR, "\nDans le contenu remplacé.\n");
    run.wait_until("an edit in the new content folder", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Dans le contenu remplacé.")
    });
    append(&site, CHAMPION_FR, "\nEt encore.\n");
    run.wait_until("a second edit", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Et encore.")
    });
    wait_equal_to_full_build(&mut run, &site);
}

#[test]
fn replaced_content_folder_is_still_watched() {
    replaced_content_folder(false);
}

#[test]
fn replaced_content_folder_is_still_watched_with_poll() {
    replaced_content_folder(true);
}

// ---------------------------------------------------------------------------------------------
// Symbolic links: watch reads and writes exactly what a full build does

/// Puts a symbolic link at `rel` in one step (made beside it under a name watch ignores, then
/// renamed over it), as a sync tool or `ln -sf` would.
#[cfg(unix)]
fn link(site: &Site, rel: &str, target: &Path) {
    let path = site.path(rel);
    let tmp = path.with_file_name(format!(
        ".{}.link-tmp",
        path.file_name().unwrap().to_string_lossy()
    ));
    std::os::unix::fs::symlink(target, &tmp).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
}

/// A page file replaced by a link to a file outside the site, and a new page that is a link:
/// a full build skips links, and so does watch — nothing of the outside file is published.
#[cfg(unix)]
fn symlinked_pages(poll: bool) {
    let site = Site::from_fixture("basic");
    let outside = tempfile::tempdir().unwrap();
    // Same front matter as the page it replaces: the fast path of watch would take it.
    let secret = outside.path().join("secret.md");
    let group = site.read(GROUP_FR);
    std::fs::write(&secret, format!("{group}\nSECRET-OUTSIDE-THE-SITE\n")).unwrap();
    let mut run = start_watch(&site, poll);
    link(&site, GROUP_FR, &secret);
    run.wait_until("the page gone, as a full build skips the link", |_| {
        !published_contains(&site, GROUP_FR_PAGE, "Retour au")
    });
    wait_equal_to_full_build(&mut run, &site);
    // A new page that is a link, and the target edited afterwards.
    link(&site, "content/steps/linked.fr.md", &secret);
    append(&site, CHAMPION_FR, "\nAprès les liens.\n");
    std::fs::write(
        &secret,
        format!("{group}\nSECRET-OUTSIDE-THE-SITE, edited\n"),
    )
    .unwrap();
    run.wait_until("the next edit", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Après les liens.")
    });
    wait_equal_to_full_build(&mut run, &site);
    let leaked: Vec<String> = snapshot(&site.public())
        .into_iter()
        .filter(|(_, bytes)| String::from_utf8_lossy(bytes).contains("SECRET-OUTSIDE"))
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        leaked.is_empty(),
        "published from outside the site: {leaked:?}"
    );
}

#[cfg(unix)]
#[test]
fn symlinked_pages_are_skipped_as_by_a_full_build() {
    symlinked_pages(false);
}

#[cfg(unix)]
#[test]
fn symlinked_pages_are_skipped_as_by_a_full_build_with_poll() {
    symlinked_pages(true);
}

/// Links put inside the output folder (a page's folder, the temporary name a page is written
/// under) pointing outside the site: an edit never writes through them, and the published site
/// is again exactly a full build.
#[cfg(unix)]
#[test]
fn links_in_the_output_folder_are_never_written_through() {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, false);
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("index.html"), "VICTIM").unwrap();
    std::fs::write(outside.path().join("tmp-victim"), "TMP-VICTIM").unwrap();
    // The folder of the champion page becomes a link to the victim folder; the group page's
    // temporary name becomes a link to another file.
    let champion_dir = site.public().join("fr/steps/designer-un-champion");
    std::fs::remove_dir_all(&champion_dir).unwrap();
    std::os::unix::fs::symlink(&victim, &champion_dir).unwrap();
    let group_dir = site
        .public()
        .join("fr/steps/organiser-un-groupe-de-travail");
    std::os::unix::fs::symlink(
        outside.path().join("tmp-victim"),
        group_dir.join(".index.html.playbook-tmp"),
    )
    .unwrap();
    append(&site, CHAMPION_FR, "\nÉcrit à travers un lien ?\n");
    append(&site, GROUP_FR, "\nÉcrit à travers un lien ?\n");
    run.wait_until("both edits published", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "Écrit à travers un lien ?")
            && published_contains(&site, GROUP_FR_PAGE, "Écrit à travers un lien ?")
    });
    assert_eq!(
        std::fs::read_to_string(victim.join("index.html")).unwrap(),
        "VICTIM"
    );
    assert_eq!(
        std::fs::read_to_string(outside.path().join("tmp-victim")).unwrap(),
        "TMP-VICTIM"
    );
    assert!(
        !std::fs::symlink_metadata(&champion_dir)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is replaced by the page's folder"
    );
    wait_equal_to_full_build(&mut run, &site);
}

#[test]
fn starts_when_the_first_build_fails_and_recovers() {
    let site = Site::from_fixture("basic");
    let good = site.read(CHAMPION_FR);
    site.write(CHAMPION_FR, good.replace("order = 1", "order = \"un\""));
    let mut run = Running::start(&site, &mode_args(false));
    run.wait_ready();
    assert_eq!(
        run.failures(),
        1,
        "the first build fails\n{}",
        run.describe()
    );
    assert!(
        run.err().contains("content/steps/champion.fr.md:4:"),
        "located error\n{}",
        run.describe()
    );
    assert!(!site.public().exists(), "nothing is published");
    run.assert_alive();

    site.write(CHAMPION_FR, &good);
    run.wait_until("the site after the fix", |_| {
        published(&site, CHAMPION_FR_PAGE).is_some()
    });
    wait_equal_to_full_build(&mut run, &site);
}

#[test]
fn ctrl_c_exits_cleanly() {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, false);
    run.interrupt();
    let status = run.wait_exit();
    assert_eq!(status.code(), Some(0), "exit code\n{}", run.describe());
    assert!(
        run.out().contains("stopped"),
        "says it stopped\n{}",
        run.describe()
    );
    assert!(run.err().is_empty(), "no error\n{}", run.describe());
}

#[test]
fn ctrl_c_exits_cleanly_with_poll() {
    let site = Site::from_fixture("basic");
    let mut run = start_watch(&site, true);
    run.interrupt();
    assert_eq!(
        run.wait_exit().code(),
        Some(0),
        "exit code\n{}",
        run.describe()
    );
}

#[test]
fn incremental_rebuild_is_byte_identical_to_a_full_build() {
    // The real content: its English pages record what they translate, so a French body edit
    // must also turn the English page stale.
    let site = Site::real();
    let mut run = start_watch(&site, false);
    let rel = CHAMPION_FR;
    let text = site.read(rel);
    let first_para = text
        .lines()
        .find(|l| l.starts_with("Donner à la démarche"))
        .expect("the first paragraph of champion.fr.md");
    let updates = run.out().matches("updated ").count();
    let en_page = "en/steps/appoint-a-champion/index.html";
    let en_before = published(&site, en_page).expect("the English page");
    site.save(
        rel,
        text.replacen(first_para, &format!("{first_para} Phrase ajoutée."), 1),
    );
    run.wait_until("the incremental update", |r| {
        r.out().matches("updated ").count() > updates
    });
    assert!(run.err().is_empty(), "no error\n{}", run.describe());
    wait_equal_to_full_build(&mut run, &site);
    // The English page changed too: it now says its original changed.
    assert_ne!(published(&site, en_page).unwrap(), en_before);
    assert!(
        !en_before.contains("The original of this page has changed")
            && published_contains(&site, en_page, "The original of this page has changed"),
        "the English page turns stale"
    );
    // Only incremental updates happened after the first build.
    assert_eq!(
        run.out().matches("built ").count(),
        1,
        "no full rebuild\n{}",
        run.describe()
    );
}

// ---------------------------------------------------------------------------------------------
// Pictures and attachments

/// The `basic` fixture with the `media` overlay (pictures, attachments, a resized picture).
fn media_site() -> Site {
    let site = Site::from_fixture("basic");
    site.overlay(&common::fixture("media"));
    site
}

#[test]
fn picture_and_attachment_changes_give_the_same_site_as_a_full_build() {
    let site = media_site();
    let mut run = start_watch(&site, false);
    // The text of a page with pictures: the fast path, identical to a full build.
    let updates = run.out().matches("updated ").count();
    append(&site, CHAMPION_FR, "\nUn paragraphe sous les images.\n");
    run.wait_until("the incremental update", |r| {
        r.out().matches("updated ").count() > updates
    });
    wait_equal_to_full_build(&mut run, &site);

    // A picture replaced by a larger one: shown resized, with its new size.
    let panorama = std::fs::read(site.path("content/media/panorama.png")).unwrap();
    site.save("content/steps/atelier.png", &panorama);
    run.wait_until("the larger picture", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "atelier@1344.png")
    });
    wait_equal_to_full_build(&mut run, &site);

    // A new attachment and a link to it.
    site.save("content/steps/modele.csv", "Service;Référent\n");
    append(&site, CHAMPION_FR, "\nLe [modèle](modele.csv).\n");
    run.wait_until("the new attachment", |_| {
        published_contains(&site, CHAMPION_FR_PAGE, "(CSV, 19\u{a0}octets)")
            && site.public().join("media/steps/modele.csv").is_file()
    });
    wait_equal_to_full_build(&mut run, &site);

    // A file a page uses, deleted: a located error, public/ left as it was; back, it is published.
    let before = snapshot(&site.public());
    let pdf = std::fs::read(site.path("content/steps/guide.pdf")).unwrap();
    site.remove("content/steps/guide.pdf");
    run.wait_until("the error", |r| {
        r.err()
            .contains("link to a file that does not exist: `guide.pdf`")
    });
    assert!(
        run.err().contains("error: content/steps/champion.fr.md:"),
        "located\n{}",
        run.describe()
    );
    assert_same_tree(
        &before,
        &snapshot(&site.public()),
        "public/ after the error",
    );
    run.assert_alive();
    site.save("content/steps/guide.pdf", &pdf);
    wait_equal_to_full_build(&mut run, &site);
}

// ---------------------------------------------------------------------------------------------
// Measurement

/// The median time from saving a paragraph of `content/steps/champion.fr.md` to the new text in
/// `public/`, on the real content, over 20 edits. Run with
/// `cargo test --test watch -- --ignored --nocapture edit_to_output`; set `PLAYBOOK_BIN` to
/// measure another binary (e.g. `target/release/playbook`).
#[test]
#[ignore = "a measurement, not a check"]
fn edit_to_output_median() {
    let site = Site::real();
    edit_to_output(
        &site,
        "fr/etapes/designer-un-champion/index.html",
        "Donner à la démarche",
    );
}

/// The same on a page with pictures (the `media` fixture: a figure, an SVG and a picture
/// resized into two copies, cached after the first build).
#[test]
#[ignore = "a measurement, not a check"]
fn edit_to_output_median_on_a_page_with_pictures() {
    let site = media_site();
    edit_to_output(&site, CHAMPION_FR_PAGE, "Le [guide du champion]");
}

fn edit_to_output(site: &Site, page: &str, para_start: &str) {
    let bin = std::env::var_os("PLAYBOOK_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_playbook")));
    let mut run = Running::start_bin(&bin, site, &["build", "--watch"]);
    run.wait_ready();
    let page = site.public().join(page);
    let text = site.read(CHAMPION_FR);
    let para = text
        .lines()
        .find(|l| l.starts_with(para_start))
        .unwrap()
        .to_string();
    let mut times = Vec::new();
    for i in 0..20 {
        let marker = format!("Mesure numéro {i}.");
        let edited = text.replacen(&para, &format!("{para} {marker}"), 1);
        let builds = run.builds();
        let started = Instant::now();
        site.write(CHAMPION_FR, &edited);
        loop {
            if std::fs::read_to_string(&page).is_ok_and(|t| t.contains(&marker)) {
                break;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "no update\n{}",
                run.describe()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        times.push(started.elapsed());
        // Let the watcher report that build before the next edit.
        run.wait_until("the build report", |r| r.builds() > builds);
    }
    times.sort();
    let median = (times[9] + times[10]) / 2;
    // What the rebuilds themselves took, as reported: the rest is waiting for quiet and I/O.
    let mut builds: Vec<u64> = run
        .out()
        .lines()
        .filter(|l| l.starts_with("updated "))
        .filter_map(|l| l.strip_suffix(" ms")?.rsplit(' ').next()?.parse().ok())
        .collect();
    builds.sort();
    if let Some(b) = builds.get(builds.len() / 2) {
        println!("median rebuild time reported by playbook: {b} ms");
    }
    println!(
        "edit-to-output over 20 edits ({}): median {:.1} ms, min {:.1} ms, max {:.1} ms",
        bin.display(),
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[19].as_secs_f64() * 1e3
    );
}
