//! The build cache (`.playbook-cache/build/`), through the real binary on the real playbook:
//! a second build after a one-page edit reuses the other pages and publishes exactly what a
//! clean full build does — its search words and print-view body included, in both languages;
//! a theme change, another binary, a corrupt, truncated or foreign cache (either of its two
//! files) and a published file changed by hand (a page, a generated page, a search file) are
//! never trusted.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_same_tree, snapshot, Site};

const CACHE: &str = ".playbook-cache/build/pages";
/// The cache's second file: search indexes, print bodies, generated pages.
const DERIVED: &str = ".playbook-cache/build/derived";

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
    clean_build_saying(site).0
}

/// `clean_build`, and what the build said.
fn clean_build_saying(site: &Site) -> (std::collections::BTreeMap<String, Vec<u8>>, String) {
    let cache = site.path(".playbook-cache/build");
    let kept = site.path("cache-kept");
    let had = std::fs::rename(&cache, &kept).is_ok();
    let out = site.path("clean-public");
    let stdout = build(site, &out);
    assert_eq!(reused(&stdout), 0, "{stdout}");
    let tree = snapshot(&out);
    std::fs::remove_dir_all(&out).unwrap();
    let _ = std::fs::remove_dir_all(site.path(".clean-public.spare"));
    // The clean build left a cache of its own: the site's goes back in its place.
    let _ = std::fs::remove_dir_all(&cache);
    if had {
        std::fs::rename(&kept, &cache).unwrap();
    }
    (tree, stdout)
}

/// The line of a build's summary about translations to redo.
fn translations_line(stdout: &str) -> String {
    stdout
        .lines()
        .filter(|l| l.contains("translation"))
        .collect::<Vec<_>>()
        .join("\n")
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
    #[cfg(unix)]
    let folder = inode(&out);
    let second = build(&site, &out);
    let n = reused(&second);
    assert!(n >= 20, "{n} reused: {second}");
    // The cache's new files were put in place while the site was published: the command
    // waited for them, and none is left aside under its temporary name.
    let cache_dir = site.path(CACHE).parent().unwrap().to_path_buf();
    let mut names: Vec<String> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["derived", "pages", "sources"], "{second}");
    // No earlier tree beside the output (the first build went into a new folder): the
    // changed files were renamed into it, no second tree was made and swapped in.
    #[cfg(unix)]
    assert_eq!(inode(&out), folder, "the output folder was replaced");
    let published = snapshot(&out);
    assert!(
        published.iter().any(|(p, b)| p.starts_with("fr/")
            && String::from_utf8_lossy(b).contains("cache-edit-marker")),
        "the edit is not published"
    );
    let (clean, said) = clean_build_saying(&site);
    assert_same_tree(&clean, &published, "cached build vs full build");
    // The edited source's translation is stale now: the cache's records of the other
    // sources do not hide it.
    assert_eq!(translations_line(&second), translations_line(&said));
    assert_ne!(
        translations_line(&second),
        translations_line(&first),
        "{second}"
    );

    // Nothing changed: the edited page (both languages: a translation's stale notice
    // depends on its source) comes from the cache too, and the output stays the same.
    let third = build(&site, &out);
    assert_eq!(reused(&third), n + 2, "{third}");
    assert_same_tree(&published, &snapshot(&out), "second cached build");
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
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

/// The published files under `prefix` whose text holds `needle`.
fn holding(
    tree: &std::collections::BTreeMap<String, Vec<u8>>,
    prefix: &str,
    needle: &str,
) -> Vec<String> {
    tree.iter()
        .filter(|(p, b)| p.starts_with(prefix) && String::from_utf8_lossy(b).contains(needle))
        .map(|(p, _)| p.clone())
        .collect()
}

#[test]
fn an_edit_shows_in_the_search_index_and_the_print_view_as_in_a_full_build() {
    let site = Site::real();
    let out = site.public();
    build(&site, &out);
    build(&site, &out);
    // A step (in the print view) edited in both languages: a new word, a new heading.
    let fr = first_step(&site);
    let en = fr.replace(".fr.md", ".en.md");
    let (fr_text, en_text) = (site.read(&fr), site.read(&en));
    site.write(
        &fr,
        format!("{fr_text}\n## Titre zqxcacheheadfr\n\nMot zqxcachewordfr ici.\n"),
    );
    site.write(
        &en,
        format!("{en_text}\n## Heading zqxcacheheaden\n\nWord zqxcachewordend here.\n"),
    );
    let stdout = build(&site, &out);
    assert!(reused(&stdout) >= 20, "{stdout}");
    let published = snapshot(&out);
    for (lang, word, head) in [
        ("fr", "zqxcachewordfr", "zqxcacheheadfr"),
        ("en", "zqxcachewordend", "zqxcacheheaden"),
    ] {
        let terms = format!("{lang}/search-index/terms/");
        assert_eq!(
            holding(&published, &terms, &format!("\"{word}\"")).len(),
            1,
            "{lang}: {word} not indexed"
        );
        assert_eq!(
            holding(&published, &terms, &format!("\"{head}\"")).len(),
            1,
            "{lang}: {head} not indexed"
        );
        assert_eq!(
            holding(&published, &format!("{lang}/search-index/pages/"), word).len(),
            1,
            "{lang}: page file"
        );
        let print: Vec<String> = holding(&published, &format!("{lang}/"), "print-steps");
        assert!(
            print
                .iter()
                .any(|p| String::from_utf8_lossy(&published[p]).contains(word)),
            "{lang}: the print view misses the edit ({print:?})"
        );
    }
    assert_same_tree(
        &clean_build(&site),
        &published,
        "after an edit to words and headings",
    );

    // The edit undone: the words leave the index (a word without pages goes), the print view
    // shows the old body again.
    site.write(&fr, &fr_text);
    site.write(&en, &en_text);
    let stdout = build(&site, &out);
    assert!(reused(&stdout) >= 20, "{stdout}");
    let published = snapshot(&out);
    for word in [
        "zqxcachewordfr",
        "zqxcacheheadfr",
        "zqxcachewordend",
        "zqxcacheheaden",
    ] {
        assert!(
            holding(&published, "", word).is_empty(),
            "{word} still published"
        );
    }
    assert_same_tree(&clean_build(&site), &published, "after the edit was undone");
}

#[test]
fn a_corrupt_or_missing_derived_file_is_ignored() {
    let site = Site::real();
    let out = site.public();
    build(&site, &out);
    let good = std::fs::read(site.path(DERIVED)).expect("the build left its derived file");
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    let step = first_step(&site);
    let text = site.read(&step);
    let cases: [(&str, Option<Vec<u8>>); 4] = [
        ("truncated", Some(good[..good.len() / 3].to_vec())),
        ("a flipped bit", Some(flipped)),
        ("garbage", Some(b"not a cache at all".to_vec())),
        ("missing", None),
    ];
    for (n, (what, bytes)) in cases.into_iter().enumerate() {
        match &bytes {
            Some(bytes) => std::fs::write(site.path(DERIVED), bytes).unwrap(),
            None => std::fs::remove_file(site.path(DERIVED)).unwrap(),
        }
        // An edit whose words must reach the index all the same.
        site.write(&step, format!("{text}\nMot zqxderived{n}word.\n"));
        let stdout = build(&site, &out);
        // The pages come from the cache's other file all the same.
        assert!(reused(&stdout) >= 20, "{what}: {stdout}");
        let published = snapshot(&out);
        assert_eq!(
            holding(
                &published,
                "fr/search-index/terms/",
                &format!("zqxderived{n}word")
            )
            .len(),
            1,
            "{what}"
        );
        assert_same_tree(&clean_build(&site), &published, what);
        assert!(site.path(DERIVED).is_file(), "{what}: not written again");
    }
}

#[test]
fn generated_files_changed_by_hand_are_rendered_again() {
    let site = Site::real();
    let out = site.public();
    build(&site, &out);
    build(&site, &out);
    let published = snapshot(&out);
    // A page made from the site alone (the matrix), a search page file, a term chunk and the
    // print view.
    let search_file = published
        .keys()
        .find(|p| p.starts_with("fr/search-index/pages/"))
        .expect("a search page file")
        .clone();
    let print = holding(&published, "en/", "print-steps")
        .into_iter()
        .find(|p| p.ends_with("index.html") && published[p].len() > 10_000)
        .expect("the print view");
    let matrix = holding(&published, "fr/", "<table")
        .into_iter()
        .find(|p| p.ends_with("index.html") && p.matches('/').count() == 2)
        .expect("the matrix");
    let touched = [
        search_file,
        "fr/search-index/terms/0.js".to_string(),
        print,
        matrix,
        "sitemap.xml".to_string(),
    ];
    for path in &touched {
        std::fs::write(out.join(path), "changed by hand").unwrap();
    }
    let stdout = build(&site, &out);
    assert!(reused(&stdout) >= 20, "{stdout}");
    let now = snapshot(&out);
    for path in &touched {
        assert_eq!(
            now.get(path),
            published.get(path),
            "{path} not rendered again"
        );
    }
    assert_same_tree(
        &clean_build(&site),
        &now,
        "after generated files were changed by hand",
    );
}

/// FNV-1a, 64 bits: what translations' records hash with.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash: u64, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[test]
fn a_translation_recorded_as_older_versions_did_is_not_stale_with_the_cache_either() {
    let site = Site::from_fixture("basic");
    let out = site.public();
    // The body's double space and line break: folded in the current record, not in the legacy
    // one (title, summary, then the body, as versions before whitespace folding hashed them).
    site.write(
        "content/legacy-note.fr.md",
        "+++\ntitle = \"Note ancienne\"\nsummary = \"Un résumé.\"\n+++\nUn  texte\nsur deux lignes.\n",
    );
    let legacy = fnv1a("Note ancienne\u{1f}Un résumé.\u{1e}Un  texte\nsur deux lignes.".as_bytes());
    let english = |record: &str| {
        format!("+++\ntitle = \"Old note\"\nsummary = \"A summary.\"\ntranslated_from = \"{record}\"\n+++\nA text.\n")
    };
    site.write("content/legacy-note.en.md", english("0000000000000000"));
    let stale = translations_line(&build(&site, &out));
    site.write(
        "content/legacy-note.en.md",
        english(&format!("{legacy:016x}")),
    );
    let first = build(&site, &out);
    assert_ne!(
        translations_line(&first),
        stale,
        "the legacy record is not accepted: {first}"
    );
    // Nothing changed: the source's records come from the cache, the legacy one included.
    let second = build(&site, &out);
    assert!(reused(&second) > 0, "{second}");
    assert_eq!(
        translations_line(&second),
        translations_line(&first),
        "{second}"
    );
    let (_, clean) = clean_build_saying(&site);
    assert_eq!(translations_line(&clean), translations_line(&first));
    // Nor does its page tell readers so.
    let published = snapshot(&out);
    let (_, page) = published
        .iter()
        .find(|(p, b)| p.starts_with("en/") && String::from_utf8_lossy(b).contains("A text."))
        .expect("the English page");
    let page = scraper::Html::parse_document(&String::from_utf8_lossy(page));
    assert!(page.select(&common::sel("p.notice")).next().is_none());
}

/// The build cache's record of the content files.
const SOURCES: &str = ".playbook-cache/build/sources";

/// Page files the cache recorded are not read again while their stamp holds (a file changed
/// within two seconds of a build is not recorded, so the site is left alone that long first):
/// an edit to one page's body, another's front matter, a third's text rewritten to the same
/// size with its modification time put back (only its change time tells), a page added —
/// each build publishes what a clean full build does. A corrupt record is ignored.
#[test]
fn pages_the_cache_recorded_are_not_read_again_and_the_site_is_the_same() {
    let site = Site::real();
    let out = site.public();
    std::thread::sleep(std::time::Duration::from_millis(2100));
    build(&site, &out);
    let record = std::fs::read(site.path(SOURCES)).expect("a record of the content files");
    let steps: Vec<String> = std::fs::read_dir(site.path("content/steps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".fr.md") && !p.ends_with("_index.fr.md"))
        .map(|p| format!("content/steps/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    assert!(steps.len() >= 3);
    for step in &steps {
        assert!(
            record.windows(step.len()).any(|w| w == step.as_bytes()),
            "{step} is not recorded"
        );
    }

    // One page's body, another's title.
    let body = site.read(&steps[0]);
    site.write(
        &steps[0],
        format!("{body}\nA paragraph from record-marker-one.\n"),
    );
    let front = site.read(&steps[1]);
    let title = front
        .lines()
        .find(|l| l.starts_with("title"))
        .unwrap()
        .to_string();
    site.write(
        &steps[1],
        front.replacen(&title, "title = \"record-marker-two\"", 1),
    );
    // A title is in every page (the site key changes): every page is rendered again, the
    // texts of those the record knows read only then.
    build(&site, &out);
    // The two files just changed are recorded all the same, without a stamp (read again
    // next time; their heads tell whether their front matter changed).
    let record = std::fs::read(site.path(SOURCES)).unwrap();
    for step in &steps[..2] {
        assert!(
            record.windows(step.len()).any(|w| w == step.as_bytes()),
            "{step}, just changed, is not recorded"
        );
    }
    let published = snapshot(&out);
    for marker in ["record-marker-one", "record-marker-two"] {
        assert!(
            published
                .values()
                .any(|b| String::from_utf8_lossy(b).contains(marker)),
            "{marker} is not published"
        );
    }
    assert_same_tree(&clean_build(&site), &published, "body and title edits");

    // The same size, the modification time put back: the change time still tells.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    build(&site, &out);
    let path = site.path(&steps[2]);
    let text = site.read(&steps[2]);
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let word = text
        .split_whitespace()
        .skip(20)
        .find(|w| w.len() >= 6 && w.chars().all(|c| c.is_ascii_lowercase()))
        .expect("a word to replace")
        .to_string();
    let same_size = "x".repeat(word.len());
    let changed = text.replacen(&format!(" {word} "), &format!(" {same_size} "), 1);
    assert_ne!(changed, text);
    assert_eq!(changed.len(), text.len());
    std::fs::write(&path, &changed).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    // Built once the change itself is settled, too: only the change time's value tells.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    build(&site, &out);
    let published = snapshot(&out);
    assert!(
        published
            .values()
            .any(|b| String::from_utf8_lossy(b).contains(&same_size)),
        "a rewrite of the same size went unseen"
    );
    assert_same_tree(&clean_build(&site), &published, "same size, same mtime");

    // A page added, and a corrupt record.
    site.write(
        "content/record-note.fr.md",
        "+++\ntitle = \"record-marker-three\"\n+++\nUn texte.\n",
    );
    site.write(
        "content/record-note.en.md",
        "+++\ntitle = \"A note\"\n+++\nA text.\n",
    );
    let mut record = std::fs::read(site.path(SOURCES)).unwrap();
    let middle = record.len() / 2;
    record[middle] ^= 0x20;
    std::fs::write(site.path(SOURCES), &record).unwrap();
    build(&site, &out);
    let published = snapshot(&out);
    assert!(published
        .values()
        .any(|b| String::from_utf8_lossy(b).contains("record-marker-three")));
    assert_same_tree(
        &clean_build(&site),
        &published,
        "a page added, a corrupt record",
    );
}

/// A build that stops before the content files are found (here, on its settings) while a
/// build cache is on disk ends with its error: the cache's files, read ahead on a thread of
/// their own, are not waited for. (A version of the early read waited for ever here.)
#[test]
fn a_build_failing_on_its_settings_with_a_cache_on_disk_ends_with_its_error() {
    use std::io::Read as _;
    use std::time::{Duration, Instant};
    let site = Site::from_fixture("basic");
    site.build_ok();
    assert!(site.root().join(".playbook-cache/build/pages").is_file());
    let settings = site.read("content/site.toml");
    site.write(
        "content/site.toml",
        format!("edit_url = \"git.example/edit\"\n{settings}"),
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_playbook"))
        .arg("--root")
        .arg(site.root())
        .arg("build")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the build did not end within 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: content/site.toml:1:1: `edit_url`"),
        "{stderr}"
    );
}
