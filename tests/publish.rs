//! Publishing never removes what playbook did not make. The hidden folders beside the output
//! (the spare `.<output>.spare`, the staging folders `.<output>.staging-<pid>`) carry playbook's
//! marker from the moment they exist, and only folders with the marker are ever removed: a
//! folder of the author's that happens to have such a name is left alone with a warning, and
//! what a build killed with `kill -9` left behind is cleaned by the next build.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::running::{Running, DEADLINE};
use common::Site;

const MARKER: &str = ".playbook-output";

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    common::entries(dir)
}

#[test]
fn a_foreign_spare_folder_is_kept() {
    let site = Site::from_fixture("basic");
    site.write(".site.spare/notes.txt", "notes");
    let out = site.path("site");
    let out = out.to_str().unwrap();
    let run = site.run(&["build", "--output", out]);
    run.assert_code(0);
    assert_eq!(
        site.read(".site.spare/notes.txt"),
        "notes",
        "the notes survive"
    );
    assert!(
        run.stderr.contains(".site.spare`") && run.stderr.contains("not made by playbook"),
        "a warning names the folder\n{}",
        run.stderr
    );
    assert!(site.path("site/index.html").is_file(), "the site is built");
    // Again, now that a site is published: the old one has nowhere to go but away.
    site.save(
        "content/_index.fr.md",
        site.read("content/_index.fr.md") + "\nPlus.\n",
    );
    site.run(&["build", "--output", out]).assert_code(0);
    assert_eq!(site.read(".site.spare/notes.txt"), "notes");
    assert_eq!(
        names(&site.path(".site.spare")),
        vec!["notes.txt"],
        "nothing added to it either"
    );
    assert!(!names(site.root()).iter().any(|n| n.contains("staging")));
    // Even an empty folder of that name is not taken over.
    std::fs::remove_file(site.path(".site.spare/notes.txt")).unwrap();
    site.run(&["build", "--output", out]).assert_code(0);
    assert!(names(&site.path(".site.spare")).is_empty());
}

#[test]
fn foreign_staging_folders_are_kept() {
    let site = Site::from_fixture("basic");
    site.write(".public.staging-123/keep.txt", "keep");
    site.write(".public.staging-123.old/keep.txt", "keep");
    site.build_ok();
    site.build_ok();
    assert_eq!(site.read(".public.staging-123/keep.txt"), "keep");
    assert_eq!(site.read(".public.staging-123.old/keep.txt"), "keep");
}

/// A site big enough that writing it takes a while: `pages` generic pages in French.
fn big_site(pages: usize) -> Site {
    let site = Site::from_fixture("basic");
    let paragraph =
        "Un paragraphe assez long pour que chaque page pèse son poids de texte. ".repeat(40);
    for i in 0..pages {
        site.write(
            &format!("content/guide/page-{i:04}.fr.md"),
            format!("+++\ntitle = \"Page {i}\"\n+++\n## Partie\n\n{paragraph}\n\n{paragraph}\n"),
        );
    }
    site
}

#[test]
fn a_killed_build_leaves_nothing_the_next_build_keeps() {
    let site = big_site(1500);
    // A staging folder of a playbook that is still running is not touched either.
    let other = Site::from_fixture("basic");
    let mut live = Running::start(&other, &["build", "--watch"]);
    live.wait_ready();
    let live_staging = format!(".public.staging-{}", live.pid());
    site.write(&format!("{live_staging}/{MARKER}"), "");
    site.write(&format!("{live_staging}/index.html"), "busy");

    let mut child = Command::new(env!("CARGO_BIN_EXE_playbook"))
        .arg("--root")
        .arg(site.root())
        .arg("build")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let staging = site.path(&format!(".public.staging-{}", child.id()));
    // Killed as soon as it starts writing: its staging folder is marked from the start.
    let started = Instant::now();
    while !staging.join(MARKER).exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before it was killed"
        );
        assert!(started.elapsed() < DEADLINE, "no staging folder appeared");
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        staging.is_dir(),
        "the killed build left its staging folder behind"
    );
    assert!(!site.public().exists(), "and published nothing");

    site.build_ok();
    assert!(!staging.exists(), "the next build removed the leftover");
    assert_eq!(site.read(&format!("{live_staging}/index.html")), "busy");
    let left: Vec<String> = names(site.root())
        .into_iter()
        .filter(|n| n.starts_with(".public."))
        .collect();
    assert_eq!(left, vec![".public.spare".to_string(), live_staging]);
    live.interrupt();
    live.wait_exit();
}
