//! The real playbook in `content/`: five obstacles and eight steps in French and English,
//! every obstacle addressed by a step and linked back, the steps walked 1 → 8 by their
//! previous/next links, sources credited, the home page leading everywhere, French
//! typography, `check --strict` clean, and no sentence pasted from the source texts.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{attrs, broken_links, html_files, page, repo, resolve, text_of, Site};
use scraper::Html;

const LANGS: [&str; 2] = ["fr", "en"];
const OBSTACLES: [&str; 5] = [
    "budget",
    "platform-complexity",
    "experienced-staff",
    "acting-on-feedback",
    "management-support",
];
const STEPS: [&str; 8] = [
    "accept-context",
    "champion",
    "working-group",
    "visualise-destination",
    "evaluate-technologies",
    "reintegrate-staff",
    "maintain-protect",
    "keep-watch",
];

/// The TOML front matter of `content/<rel>`.
fn front(rel: &str) -> toml::Table {
    let text = std::fs::read_to_string(repo().join("content").join(rel))
        .unwrap_or_else(|e| panic!("content/{rel}: {e}"));
    let inner = text
        .strip_prefix("+++\n")
        .and_then(|t| t.split_once("\n+++\n"))
        .unwrap_or_else(|| panic!("content/{rel} has no +++ front matter"))
        .0;
    toml::from_str(inner).unwrap_or_else(|e| panic!("content/{rel}: {e}"))
}

fn strings(table: &toml::Table, key: &str) -> Vec<String> {
    table
        .get(key)
        .and_then(|v| v.as_array())
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn title(rel: &str) -> String {
    front(rel)["title"].as_str().unwrap().to_string()
}

/// `id` → the ids of the steps that address it, read from the steps' front matter.
fn addressed_by() -> BTreeMap<String, BTreeSet<String>> {
    let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for step in STEPS {
        for obstacle in strings(&front(&format!("steps/{step}.fr.md")), "addresses") {
            map.entry(obstacle).or_default().insert(step.to_string());
        }
    }
    map
}

/// The section's folder in the URLs of a language (`content/site.toml` names them).
fn folder(lang: &str, section: &str) -> &'static str {
    match (lang, section) {
        ("fr", "steps") => "etapes",
        (_, "steps") => "steps",
        _ => "obstacles",
    }
}

/// The built page of every card of a section index, by the card's title.
fn cards(public: &Path, lang: &str, section: &str) -> BTreeMap<String, String> {
    let index = &format!("{lang}/{}/index.html", folder(lang, section));
    let html = page(public, index);
    html.select(&common::sel("ol.cards > li.card > a"))
        .map(|a| {
            let href = a.value().attr("href").unwrap();
            let (file, _) = resolve(index, href, "/").unwrap();
            (a.text().collect::<String>(), file)
        })
        .collect()
}

fn h1(html: &Html) -> String {
    text_of(html, "main h1").expect("a <h1>")
}

#[test]
fn every_obstacle_and_step_exists_in_both_languages_with_complete_front_matter() {
    for id in OBSTACLES {
        for lang in LANGS {
            let f = front(&format!("obstacles/{id}.{lang}.md"));
            assert!(
                f["summary"].as_str().unwrap().len() > 40,
                "{id}.{lang}: summary"
            );
            assert!(strings(&f, "signals").len() >= 3, "{id}.{lang}: signals");
            assert_eq!(
                strings(&f, "sources"),
                ["allemann-2011"],
                "{id}.{lang}: source"
            );
        }
    }
    for (i, id) in STEPS.iter().enumerate() {
        for lang in LANGS {
            let f = front(&format!("steps/{id}.{lang}.md"));
            assert_eq!(
                f["order"].as_integer(),
                Some(i as i64 + 1),
                "{id}.{lang}: order"
            );
            assert!(
                !strings(&f, "addresses").is_empty(),
                "{id}.{lang}: addresses"
            );
            assert_eq!(
                strings(&f, "sources"),
                ["stiles-2014"],
                "{id}.{lang}: source"
            );
        }
    }
    for page in [
        "_index",
        "silos",
        "about",
        "obstacles/_index",
        "steps/_index",
        "diagnostic/_index",
    ] {
        for lang in LANGS {
            assert!(
                repo().join(format!("content/{page}.{lang}.md")).is_file(),
                "{page}.{lang}"
            );
        }
    }
    // Every obstacle is addressed by at least one step, and only known obstacles are named.
    let map = addressed_by();
    assert_eq!(map.keys().map(String::as_str).collect::<Vec<_>>(), {
        let mut ids = OBSTACLES.to_vec();
        ids.sort();
        ids
    });
}

#[test]
fn check_strict_is_clean() {
    let site = Site::real();
    let run = site.run(&["check", "--strict"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains("translations: all up to date"),
        "{}",
        run.stdout
    );
    assert!(!site.public().exists());
}

#[test]
fn obstacles_and_steps_link_to_each_other_both_ways() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    let map = addressed_by();
    for lang in LANGS {
        let obstacles = cards(&public, lang, "obstacles");
        assert_eq!(obstacles.len(), 5, "{lang}: obstacles index");
        for id in OBSTACLES {
            let file = &obstacles[&title(&format!("obstacles/{id}.{lang}.md"))];
            let html = page(&public, file);
            // The obstacle lists exactly the steps that address it, and each link leads there.
            let steps: BTreeSet<String> = attrs(&html, "li.card[data-step]", "data-step")
                .into_iter()
                .collect();
            assert_eq!(&steps, &map[id], "{file}: addressed by");
            for a in html.select(&common::sel("li.card[data-step] > a")) {
                let (target, _) = resolve(file, a.value().attr("href").unwrap(), "/").unwrap();
                let step = a.value().attr("href").unwrap();
                let shown = h1(&page(&public, &target));
                assert!(
                    STEPS
                        .iter()
                        .any(|s| title(&format!("steps/{s}.{lang}.md")) == shown),
                    "{file}: link {step} lands on {shown:?}, not a step"
                );
            }
        }
        let steps = cards(&public, lang, "steps");
        assert_eq!(steps.len(), 8, "{lang}: steps index");
        for id in STEPS {
            let f = front(&format!("steps/{id}.{lang}.md"));
            let file = &steps[f["title"].as_str().unwrap()];
            let html = page(&public, file);
            let shown: BTreeSet<String> = attrs(&html, "li.card[data-obstacle]", "data-obstacle")
                .into_iter()
                .collect();
            let expected: BTreeSet<String> = strings(&f, "addresses").into_iter().collect();
            assert_eq!(shown, expected, "{file}: addresses");
            for a in html.select(&common::sel("li.card[data-obstacle] > a")) {
                let (target, _) = resolve(file, a.value().attr("href").unwrap(), "/").unwrap();
                let obstacle = a.value().attr("href").unwrap();
                let landed = h1(&page(&public, &target));
                assert!(
                    OBSTACLES
                        .iter()
                        .any(|o| title(&format!("obstacles/{o}.{lang}.md")) == landed),
                    "{file}: link {obstacle} lands on {landed:?}, not an obstacle"
                );
            }
        }
    }
}

#[test]
fn previous_and_next_walk_the_steps_in_order_in_both_languages() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    for lang in LANGS {
        let steps = cards(&public, lang, "steps");
        let mut file = steps[&title(&format!("steps/{}.{lang}.md", STEPS[0]))].clone();
        let mut walked = Vec::new();
        loop {
            let html = page(&public, &file);
            walked.push(h1(&html));
            let next = attrs(&html, "nav.prev-next a[rel=next]", "href");
            if walked.len() > 1 {
                let prev = attrs(&html, "nav.prev-next a[rel=prev]", "href");
                assert_eq!(prev.len(), 1, "{file}: previous");
            }
            match next.first() {
                Some(href) => file = resolve(&file, href, "/").unwrap().0,
                None => break,
            }
            assert!(
                walked.len() <= 8,
                "{lang}: next goes beyond the eighth step"
            );
        }
        let expected: Vec<String> = STEPS
            .iter()
            .map(|s| title(&format!("steps/{s}.{lang}.md")))
            .collect();
        assert_eq!(walked, expected, "{lang}: steps walked by next");
    }
}

#[test]
fn every_link_resolves_and_the_language_switch_pairs_pages() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    let broken = broken_links(&public, "/");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    // Each obstacle and step switches to its own translation and back.
    for (section, ids) in [("obstacles", &OBSTACLES[..]), ("steps", &STEPS[..])] {
        let fr = cards(&public, "fr", section);
        for id in ids {
            let file = &fr[&title(&format!("{section}/{id}.fr.md"))];
            let html = page(&public, file);
            let switch = attrs(&html, "nav.lang-switch a[hreflang=en]", "href");
            let (en, _) = resolve(file, &switch[0], "/").unwrap();
            assert_eq!(
                h1(&page(&public, &en)),
                title(&format!("{section}/{id}.en.md"))
            );
            let back = attrs(
                &page(&public, &en),
                "nav.lang-switch a[hreflang=fr]",
                "href",
            );
            assert_eq!(&resolve(&en, &back[0], "/").unwrap().0, file);
        }
    }
}

#[test]
fn sources_are_credited_on_every_page_that_draws_on_them_and_on_the_about_page() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    for lang in LANGS {
        for (section, author) in [("obstacles", "Allemann"), ("steps", "Stiles")] {
            for (name, file) in cards(&public, lang, section) {
                let credit = text_of(&page(&public, &file), "section.sources").unwrap_or_default();
                assert!(
                    credit.contains(author),
                    "{file} ({name}) does not credit {author}"
                );
                assert!(credit.contains("20"), "{file}: the credit has no date");
            }
        }
        let home = page(&public, &format!("{lang}/index.html"));
        let about = home
            .select(&common::sel("main a"))
            .filter_map(|a| resolve(&format!("{lang}/index.html"), a.value().attr("href")?, "/"))
            .map(|(f, _)| f)
            .find(|f| f.contains("propos") || f.contains("about"))
            .expect("the home page links to the about page");
        let text = page(&public, &about)
            .root_element()
            .text()
            .collect::<String>();
        for needle in [
            "Dominik Allemann",
            "ICT-Journal",
            "2011",
            "Mike Stiles",
            "Oracle",
            "2014",
        ] {
            assert!(text.contains(needle), "{about} does not mention {needle}");
        }
    }
}

#[test]
fn home_leads_to_every_section() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    for lang in LANGS {
        let rel = format!("{lang}/index.html");
        let home = page(&public, &rel);
        let targets: BTreeSet<String> = home
            .select(&common::sel("main a"))
            .filter_map(|a| resolve(&rel, a.value().attr("href")?, "/"))
            .map(|(f, _)| f)
            .collect();
        let pick = |idx: &str| resolve(&rel, idx, "/").unwrap().0;
        for section in ["obstacles/", "diagnostic/"] {
            assert!(
                targets.contains(&pick(section)),
                "{rel} does not link to {section}"
            );
        }
        assert!(
            targets
                .iter()
                .any(|t| t.contains("etapes/") || t.contains("steps/")),
            "{rel} does not link to the steps"
        );
        assert!(
            targets.iter().any(|t| t.contains("silos")),
            "{rel} does not link to the silos page"
        );
    }
}

/// The body text of the French files (front matter strings included), code blocks left out.
fn french_prose() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(repo().join("content")) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        if !(name.ends_with(".fr.md") || entry.path().parent().unwrap().ends_with("diagnostic")) {
            continue;
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let mut in_code = false;
        for (n, line) in text.lines().enumerate() {
            if line.starts_with("```") {
                in_code = !in_code;
                continue;
            }
            if !in_code {
                out.push((format!("{}:{}", name, n + 1), line.to_string()));
            }
        }
    }
    out
}

#[test]
fn french_typography_uses_non_breaking_spaces_and_guillemets() {
    let mut problems = Vec::new();
    for (at, line) in french_prose() {
        // Lines of English in the inline diagnostic files are skipped.
        if line.trim_start().starts_with("en ") || line.contains("en =") {
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        for (i, c) in chars.iter().enumerate() {
            let before = i.checked_sub(1).map(|j| chars[j]);
            let after = chars.get(i + 1).copied();
            let bad = match c {
                ';' | '!' | '?' | '»' => before == Some(' '),
                ':' => before == Some(' ') && !line.trim_start().starts_with(':'),
                '«' => after == Some(' '),
                _ => false,
            };
            if bad {
                problems.push(format!("{at}: plain space around `{c}`: {line}"));
            }
        }
        // A TOML string's own delimiters are not prose.
        let trimmed = line.trim().trim_end_matches(',');
        let inner = trimmed
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(trimmed);
        if inner.contains('"') && !inner.contains('=') && !inner.contains("](") {
            problems.push(format!("{at}: straight quotes in prose: {line}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_passage_is_copied_from_the_source_texts() {
    let words = |text: &str| -> Vec<String> {
        text.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    const RUN: usize = 9;
    let mut seeds = BTreeSet::new();
    for entry in std::fs::read_dir(repo().join("../shared/seeds"))
        .into_iter()
        .flatten()
        .flatten()
    {
        if entry.path().extension().is_some_and(|e| e == "txt") {
            let w = words(&std::fs::read_to_string(entry.path()).unwrap());
            for run in w.windows(RUN) {
                seeds.insert(run.join(" "));
            }
        }
    }
    // Citing a source's title is not copying it.
    let settings = std::fs::read_to_string(repo().join("content/site.toml")).unwrap();
    for run in words(&settings).windows(RUN) {
        seeds.remove(&run.join(" "));
    }
    if seeds.is_empty() {
        eprintln!("the source texts are not next to the repository: nothing to compare");
        return;
    }
    let mut copied = Vec::new();
    for entry in walkdir::WalkDir::new(repo().join("content")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let w = words(&std::fs::read_to_string(entry.path()).unwrap());
            for run in w.windows(RUN) {
                if seeds.contains(&run.join(" ")) {
                    copied.push(format!("{}: {}", entry.path().display(), run.join(" ")));
                }
            }
        }
    }
    assert!(
        copied.is_empty(),
        "passages pasted from the sources:\n{}",
        copied.join("\n")
    );
}

/// The documents the actions ask for: each template page in both languages, linked from the
/// action that needs it, and the logs and grids downloadable as a spreadsheet whose link says
/// its type and size.
#[test]
fn every_action_that_needs_a_document_links_its_template_and_logs_are_downloadable() {
    // (page that asks for it, template id, downloadable sheet)
    const TEMPLATES: [(&str, &str, bool); 7] = [
        ("steps/accept-context", "starting-point-summary", false),
        ("steps/visualise-destination", "department-sheet", true),
        ("steps/evaluate-technologies", "technology-grid", true),
        ("steps/reintegrate-staff", "response-guide", false),
        ("steps/maintain-protect", "crisis-procedure", false),
        ("steps/keep-watch", "decision-log", true),
        ("obstacles/acting-on-feedback", "feedback-log", true),
    ];
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    // (language, page title) → built file, for the pages under the templates section.
    let mut built = BTreeMap::new();
    for file in html_files(&public) {
        let lang = LANGS.into_iter().find(|l| {
            file.starts_with(&format!("{l}/modeles/"))
                || file.starts_with(&format!("{l}/templates/"))
        });
        if let (Some(lang), Some(h)) = (lang, text_of(&page(&public, &file), "main h1")) {
            built.insert((lang, h), file);
        }
    }
    for (from, id, sheet) in TEMPLATES {
        for lang in LANGS {
            let source =
                std::fs::read_to_string(repo().join(format!("content/{from}.{lang}.md"))).unwrap();
            assert!(
                source.contains(&format!("(@/templates/{id}.md")),
                "content/{from}.{lang}.md does not link the template `{id}`"
            );
            assert!(
                !title(&format!("templates/{id}.{lang}.md")).is_empty(),
                "templates/{id}.{lang}.md"
            );
        }
        // The built template page, found by its title.
        for lang in LANGS {
            let file = built
                .get(&(lang, title(&format!("templates/{id}.{lang}.md"))))
                .unwrap_or_else(|| panic!("no built page for templates/{id}.{lang}.md"))
                .clone();
            let html = page(&public, &file);
            let sheets: Vec<(String, String)> = html
                .select(&common::sel("main a[href$='.csv']"))
                .map(|a| {
                    (
                        a.value().attr("href").unwrap().to_string(),
                        a.text().collect::<String>(),
                    )
                })
                .collect();
            assert_eq!(!sheets.is_empty(), sheet, "{file}: CSV links {sheets:?}");
            for (href, text) in sheets {
                let (target, _) = resolve(&file, &href, "/").unwrap();
                let bytes = std::fs::read(public.join(&target)).unwrap();
                assert!(std::str::from_utf8(&bytes).is_ok(), "{target} is UTF-8");
                assert!(
                    text.contains("(CSV, "),
                    "{file}: `{text}` gives no type and size"
                );
            }
        }
    }
}

/// The eight steps drawn as a path: the steps index of each language shows its own SVG as a
/// picture (published, not inlined), whose `<text>` carries every step's number and title as
/// real text, and whose alt text names every step.
#[test]
fn the_steps_index_shows_the_eight_steps_as_a_drawing_with_real_text() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    for lang in LANGS {
        let index = format!("{lang}/{}/index.html", folder(lang, "steps"));
        let html = page(&public, &index);
        let img = html
            .select(&common::sel("main figure img[src$='.svg']"))
            .next()
            .unwrap_or_else(|| panic!("{index}: no SVG figure"));
        assert!(html.select(&common::sel("main svg")).next().is_none());
        let (file, _) = resolve(&index, img.value().attr("src").unwrap(), "/").unwrap();
        assert!(file.ends_with(&format!("eight-steps.{lang}.svg")), "{file}");
        let svg = std::fs::read_to_string(public.join(&file)).unwrap();
        let drawing = Html::parse_fragment(&svg);
        let text: String = drawing
            .select(&common::sel("text"))
            .map(|t| t.text().collect::<String>() + " ")
            .collect();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let alt = img.value().attr("alt").unwrap();
        for (n, step) in STEPS.iter().enumerate() {
            let title = title(&format!("steps/{step}.{lang}.md"));
            assert!(
                text.contains(&(n + 1).to_string()),
                "{file}: no number {}",
                n + 1
            );
            assert!(
                text.contains(&title),
                "{file}: no text `{title}` in {text:?}"
            );
            assert!(alt.contains(&title), "{index}: alt text lacks `{title}`");
        }
    }
}

/// The warnings the pages give are callouts, not quotes: each language shows as many, of the
/// same kinds, and no quote is a warning in disguise (« Attention : … », "Warning: …").
#[test]
fn warnings_are_callouts_in_both_languages() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    let mut kinds: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for file in html_files(&public) {
        let Some(lang) = LANGS
            .into_iter()
            .find(|l| file.starts_with(&format!("{l}/")))
        else {
            continue;
        };
        let html = page(&public, &file);
        for callout in html.select(&common::sel("main .callout[role=note]")) {
            assert!(
                callout
                    .select(&common::sel(".callout-title"))
                    .next()
                    .is_some(),
                "{file}: a callout without its label"
            );
            kinds
                .entry(lang)
                .or_default()
                .push(callout.value().attr("class").unwrap().into());
        }
        for quote in html.select(&common::sel("main blockquote")) {
            let text: String = quote.text().collect();
            let start = text.trim_start().to_lowercase();
            for word in ["attention", "warning", "important", "prudence", "caution"] {
                assert!(
                    !start.starts_with(word),
                    "{file}: a warning as a quote: {text:?}"
                );
            }
        }
    }
    for list in kinds.values_mut() {
        list.sort();
    }
    assert!(kinds.get("fr").is_some_and(|k| k.len() >= 4), "{kinds:?}");
    assert_eq!(kinds.get("fr"), kinds.get("en"));
}
