//! The checklist: one page per language listing every action of every step — the task list
//! under each step's `## Actions` heading, in playbook order, under the step's title linking to
//! it — with a box to tick per action, linked from the home page, the steps index and the print
//! view, and in the sitemap. On the real content (compared with the step pages themselves), on
//! the `basic` fixture (a step without actions), and in watch mode (an edited action shows up,
//! as a full build would show it).

mod common;

use std::path::Path;

use common::running::Running;
use common::{attrs, page, resolve, sel, Site};
use scraper::{ElementRef, Html};

const LANGS: [&str; 2] = ["fr", "en"];

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn text(e: ElementRef) -> String {
    normalize(&e.text().collect::<String>())
}

/// The items of the first list after the page's `h2#actions`, as text.
fn step_actions(html: &Html) -> Vec<String> {
    let Some(heading) = html.select(&sel("main h2#actions")).next() else {
        return Vec::new();
    };
    heading
        .next_siblings()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "ul")
        .map(|ul| ul.select(&sel(":scope > li")).map(text).collect())
        .unwrap_or_default()
}

/// The checklist's sections: (step id, heading link target, heading text, item texts, how many
/// items have a box).
fn sections(html: &Html, rel: &str) -> Vec<(String, String, String, Vec<String>, usize)> {
    html.select(&sel("main [data-checklist-step]"))
        .map(|s| {
            let a = s.select(&sel("h2 a[href]")).next().expect("a step link");
            let target = resolve(rel, a.value().attr("href").unwrap(), "/")
                .unwrap()
                .0;
            let items: Vec<ElementRef> = s.select(&sel("li")).collect();
            (
                s.value().attr("data-checklist-step").unwrap().to_string(),
                target,
                text(a),
                items.iter().map(|li| text(*li)).collect(),
                items
                    .iter()
                    .filter(|li| li.select(&sel(".task")).next().is_some())
                    .count(),
            )
        })
        .collect()
}

/// Where `from` links, resolved.
fn links(public: &Path, from: &str) -> Vec<String> {
    attrs(&page(public, from), "main a[href]", "href")
        .iter()
        .filter_map(|h| resolve(from, h, "/").map(|r| r.0))
        .collect()
}

#[test]
fn real_checklist_lists_every_action_of_every_step_in_order() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    for lang in LANGS {
        let (rel, home, steps, print) = if lang == "fr" {
            (
                "fr/liste-de-controle/index.html",
                "fr/index.html",
                "fr/etapes/index.html",
                "fr/imprimer/index.html",
            )
        } else {
            (
                "en/checklist/index.html",
                "en/index.html",
                "en/steps/index.html",
                "en/print/index.html",
            )
        };
        for from in [home, steps, print] {
            assert!(
                links(&public, from).contains(&rel.to_string()),
                "{from} links to the checklist {rel}"
            );
        }
        let url = format!("/{}", rel.trim_end_matches("index.html"));
        assert!(sitemap.contains(&url), "sitemap.xml lists {url}");

        // The steps in playbook order, as the steps index lists them.
        let index = page(&public, steps);
        let order: Vec<String> = index
            .select(&sel("main ol.cards a[href]"))
            .map(|a| {
                resolve(steps, a.value().attr("href").unwrap(), "/")
                    .unwrap()
                    .0
            })
            .collect();
        assert_eq!(order.len(), 8, "{steps}: the eight steps");
        let html = page(&public, rel);
        let found = sections(&html, rel);
        assert_eq!(
            found.iter().map(|s| s.1.clone()).collect::<Vec<_>>(),
            order,
            "{rel}: one section per step, in playbook order, linking to the step"
        );
        let mut total = 0;
        for (id, target, heading, items, boxes) in &found {
            let step = page(&public, target);
            let title = normalize(&common::text_of(&step, "main h1").unwrap());
            assert!(
                heading.ends_with(&title),
                "{rel}: `{heading}` names {title}"
            );
            let expected = step_actions(&step);
            assert!(expected.len() >= 3, "{target}: its actions");
            assert_eq!(
                items, &expected,
                "{rel}: the actions of `{id}` as on {target}"
            );
            assert_eq!(
                *boxes,
                items.len(),
                "{rel}: a box to tick per action of `{id}`"
            );
            total += items.len();
        }
        println!("{lang}: {total} actions");
        // Printable: the page is its own, its actions are not in a navigation block.
        assert!(
            html.select(&sel("main nav")).next().is_none(),
            "{rel}: no navigation in main"
        );
    }
}

#[test]
fn a_step_without_actions_is_listed_with_a_note() {
    let site = Site::from_fixture("basic");
    site.build_ok();
    let public = site.public();
    let rel = "fr/liste-de-controle/index.html";
    let found = sections(&page(&public, rel), rel);
    let ids: Vec<&str> = found.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(ids, ["champion", "group"], "{rel}: every step, in order");
    assert_eq!(
        found[0].3,
        ["Choisir", "Annoncer"],
        "{rel}: champion's actions"
    );
    assert_eq!(found[0].4, 2);
    assert!(found[1].3.is_empty(), "{rel}: group has no actions");
    let html = page(&public, rel);
    let note = html
        .select(&sel("[data-checklist-step=group] p"))
        .map(text)
        .collect::<Vec<_>>();
    assert_eq!(note, ["Cette étape ne liste pas d’actions."]);
    // A done action keeps its filled box.
    assert_eq!(
        html.select(&sel("[data-checklist-step=champion] li .task.done"))
            .count(),
        1
    );
}

#[test]
fn an_edited_action_reaches_the_checklist_in_watch_mode() {
    let site = Site::from_fixture("basic");
    let mut run = Running::start(&site, &["build", "--watch"]);
    run.wait_ready();
    let file = "content/steps/champion.fr.md";
    site.save(
        file,
        site.read(file).replace(
            "- [x] Annoncer",
            "- [x] Annoncer\n- [ ] Une action ajoutée en direct",
        ),
    );
    let rel = "fr/liste-de-controle/index.html";
    run.wait_until("the new action in the checklist", |_| {
        std::fs::read_to_string(site.public().join(rel))
            .is_ok_and(|t| t.contains("Une action ajoutée en direct"))
    });
    let fresh = tempfile::tempdir().unwrap();
    let out = fresh.path().join("out");
    site.run(&["build", "--output", out.to_str().unwrap()])
        .assert_code(0);
    assert_eq!(
        std::fs::read(site.public().join(rel)).unwrap(),
        std::fs::read(out.join(rel)).unwrap(),
        "{rel}: watch mode gives what a full build gives"
    );
}
