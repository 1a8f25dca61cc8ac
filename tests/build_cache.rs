//! The build cache (`.playbook-cache/build/`), through the real binary on the real playbook:
//! a second build after a one-page edit reuses the other pages and publishes exactly what a
//! clean full build does; a theme change, another binary, a corrupt, truncated or foreign
//! cache and a published file changed by hand are never trusted.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_same_tree, snapshot, Site};

const CACHE: &str = ".playbook-cache/build/pages";

/// `playbook build` outside CI, into `out`.
fn build(site: &Site, out: &Path) -> String {
    let run = site.run_env(
        &["build", "--output", out.to_str().unwrap()],
        &[("CI", None)],
    );
    run.assert_code(0);
    run.stdout
}

/// How many pages the summary says came from the cache.
fn reused(stdout: &str) -> usize {
    stdout
        .split(" unchanged, from the build cache")
        .next()
        .filter(|head| head.len() < stdout.len())
        .and_then(|head| head.rsplit('(').next())
        .map_or(0, |n| n.trim().parse().expect("a count"))
}

/// What a clean full build of the site as it is now publishes (no cache, a fresh folder);
/// the site's cache is left as it was.
fn clean_build(site: &Site) -> std::collections::BTreeMap<String, Vec<u8>> {
    let cache = site.path(CACHE);
    let kept = site.path("cache-kept");
    let had = std::fs::rename(&cache, &kept).is_ok();
    let out = site.path("clean-public");
    let stdout = build(site, &out);
    assert_eq!(reused(&stdout), 0, "{stdout}");
    let tree = snapshot(&out);
    std::fs::remove_dir_all(&out).unwrap();
    let _ = std::fs::remove_dir_all(site.path(".clean-public.spare"));
    if had {
        std::fs::rename(&kept, &cache).unwrap();
    }
    tree
}

fn first_step(site: &Site) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(site.path("content/steps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".fr.md") && !p.ends_with("_index.fr.md"))
        .collect();
    files.sort();
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    format!("content/steps/{name}")
}

#[test]
fn a_one_page_edit_reuses_the_other_pages_and_publishes_what_a_full_build_does() {
    let site = Site::real();
    let out = site.public();
    let first = build(&site, &out);
    assert_eq!(reused(&first), 0, "nothing to reuse yet: {first}");
    assert!(site.path(CACHE).is_file(), "the build left no cache");

    let step = first_step(&site);
    let text = site.read(&step);
    site.write(
        &step,
        format!("{text}\nA paragraph added by cache-edit-marker.\n"),
    );
    let second = build(&site, &out);
    let n = reused(&second);
    assert!(n >= 20, "{n} reused: {second}");
    let published = snapshot(&out);
    assert!(
        published.iter().any(|(p, b)| p.starts_with("fr/")
            && String::from_utf8_lossy(b).contains("cache-edit-marker")),
        "the edit is not published"
    );
    assert_same_tree(
        &clean_build(&site),
        &published,
        "cached build vs full build",
    );

    // Nothing changed: the edited page (both languages: a translation's stale notice
    // depends on its source) comes from the cache too, and the output stays the same.
    let third = build(&site, &out);
    assert_eq!(reused(&third), n + 2, "{third}");
    assert_same_tree(&published, &snapshot(&out), "second cached build");
}

#[test]
fn a_theme_change_invalidates_the_cache() {
    let site = Site::real();
    let out = site.public();
    build(&site, &out);
    let template = "themes/default/templates/base.html";
    let text = site.read(template);
    site.write(template, format!("{text}\n<!-- theme-change-marker -->\n"));
    let stdout = build(&site, &out);
    assert_eq!(reused(&stdout), 0, "{stdout}");
    let published = snapshot(&out);
    let html: Vec<&String> = published.keys().filter(|p| p.ends_with(".html")).collect();
    assert!(html.len() > 10);
    assert_same_tree(&clean_build(&site), &published, "after a theme change");
}

#[test]
fn a_settings_change_invalidates_the_cache() {
    let site = Site::real();
    let out = site.public();
    build(&site, &out);
    let stdout = site.run_env(
        &[
            "--base-url",
            "https://elsewhere.example/",
            "build",
            "--output",
            out.to_str().unwrap(),
        ],
        &[("CI", None)],
    );
    stdout.assert_code(0);
    assert_eq!(reused(&stdout.stdout), 0, "{}", stdout.stdout);
}

#[test]
fn a_corrupt_truncated_or_foreign_cache_is_ignored() {
    let site = Site::real();
    let other = Site::from_fixture("basic");
    let out = site.public();
    build(&other, &other.public());
    let foreign = std::fs::read(other.path(CACHE)).unwrap();
    build(&site, &out);
    let good = std::fs::read(site.path(CACHE)).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    let mut bad_length = good.clone();
    // The first length after the header: a huge count.
    bad_length[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
    let cases: [(&str, Vec<u8>); 5] = [
        ("truncated", good[..good.len() / 3].to_vec()),
        ("a flipped bit", flipped),
        ("a huge length", bad_length),
        ("another site's", foreign),
        ("garbage", b"not a cache at all".to_vec()),
    ];
    for (what, bytes) in cases {
        std::fs::write(site.path(CACHE), &bytes).unwrap();
        let stdout = build(&site, &out);
        assert_eq!(reused(&stdout), 0, "{what} cache was used: {stdout}");
        assert_same_tree(&clean_build(&site), &snapshot(&out), what);
        // The build wrote a good cache again.
        assert_ne!(std::fs::read(site.path(CACHE)).unwrap(), bytes, "{what}");
    }
}

#[test]
fn another_binary_does_not_trust_the_cache() {
    let site = Site::real();
    let out = site.public();
    build(&site, &out);
    // The same program with one more byte at the end: another build of playbook.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("playbook");
    let mut exe = std::fs::read(env!("CARGO_BIN_EXE_playbook")).unwrap();
    exe.push(0);
    std::fs::write(&copy, exe).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = std::process::Command::new(&copy)
        .args(["--root", site.root().to_str().unwrap(), "build"])
        .env_remove("CI")
        .output()
        .unwrap();
    assert!(run.status.success());
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(reused(&stdout), 0, "{stdout}");
    // And the original binary does not trust what the other one left either.
    let stdout = build(&site, &out);
    assert_eq!(reused(&stdout), 0, "{stdout}");
}

#[test]
fn a_published_file_changed_by_hand_is_rendered_again() {
    let site = Site::real();
    let out = site.public();
    build(&site, &out);
    build(&site, &out);
    let page = snapshot(&out)
        .into_keys()
        .find(|p| p.starts_with("fr/") && p.ends_with("/index.html") && p.matches('/').count() == 3)
        .expect("a page");
    std::fs::write(out.join(&page), "changed by hand").unwrap();
    let stdout = build(&site, &out);
    assert!(reused(&stdout) > 0, "{stdout}");
    assert_same_tree(&clean_build(&site), &snapshot(&out), "after a hand edit");
    // The same size, other bytes: read and hashed, not trusted either.
    let len = std::fs::metadata(out.join(&page)).unwrap().len() as usize;
    let other = site.path("other");
    std::fs::write(&other, "x".repeat(len)).unwrap();
    std::fs::rename(&other, out.join(&page)).unwrap();
    let stdout = build(&site, &out);
    assert!(reused(&stdout) > 0, "{stdout}");
    assert_same_tree(
        &clean_build(&site),
        &snapshot(&out),
        "after a same-size edit",
    );
}

#[test]
fn an_output_restored_by_a_ci_cache_is_reused() {
    // What a CI cache restores: copies of the output folder and of the cache, with new
    // inodes and times, and no spare.
    let site = Site::real();
    let out = site.public();
    build(&site, &out);
    let copy = site.path("restored");
    common::copy_dir(&out, &copy);
    std::fs::remove_dir_all(&out).unwrap();
    let _ = std::fs::remove_dir_all(site.path(".public.spare"));
    std::fs::rename(&copy, &out).unwrap();
    let stdout = build(&site, &out);
    assert!(reused(&stdout) >= 20, "{stdout}");
    assert_same_tree(&clean_build(&site), &snapshot(&out), "after a restore");
}
