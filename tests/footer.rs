//! Who owns the playbook, whom to contact and when it was last reviewed: `[owner]` in
//! `content/site.toml`, shown in the footer of every page in the page's language, with the
//! next review worked out from the cycle (no clock: the same bytes on every build). Each key is
//! optional: a site without `[owner]` shows nothing, one with only a cycle shows only that.

mod common;

use common::{html_files, html_lang, page, sel, Site};
use scraper::Html;

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The footer's owner items, as text, and the contact link and review date, if any.
fn owner(html: &Html) -> (Vec<String>, Option<String>, Option<String>) {
    let items = html
        .select(&sel("footer [data-owner] li"))
        .map(|li| normalize(&li.text().collect::<String>()))
        .collect();
    let contact = html
        .select(&sel("footer [data-owner-contact] a[href]"))
        .next()
        .map(|a| a.value().attr("href").unwrap().to_string());
    let date = html
        .select(&sel("footer [data-last-reviewed] time[datetime]"))
        .next()
        .map(|t| t.value().attr("datetime").unwrap().to_string());
    (items, contact, date)
}

/// Pages that are not the site's own (redirect stubs for old addresses) carry no footer.
fn has_footer(html: &Html) -> bool {
    html.select(&sel("footer.site-footer")).next().is_some()
}

#[test]
fn every_real_page_says_who_owns_it_and_when_it_was_reviewed() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    let mut pages = 0;
    for rel in html_files(&public) {
        let html = page(&public, &rel);
        if !has_footer(&html) {
            continue;
        }
        pages += 1;
        let (items, contact, date) = owner(&html);
        let expected: Vec<&str> = match html_lang(&html).as_str() {
            "fr" => vec![
                "Responsable : Équipe communication",
                "Contact : communication@example.com",
                "Dernière revue : 15 novembre 2026 (revue tous les 6 mois ; prochaine revue : mai 2027)",
            ],
            _ => vec![
                "Owner: Communications team",
                "Contact: communication@example.com",
                "Last reviewed: 15 November 2026 (reviewed every 6 months; next review: May 2027)",
            ],
        };
        assert_eq!(items, expected, "{rel}: the footer's owner line");
        assert_eq!(
            contact.as_deref(),
            Some("mailto:communication@example.com"),
            "{rel}"
        );
        assert_eq!(date.as_deref(), Some("2026-11-15"), "{rel}");
    }
    assert!(pages > 800, "only {pages} pages with a footer");
}

#[test]
fn without_owner_settings_the_footer_says_nothing_of_them() {
    let site = Site::from_fixture("basic");
    site.build_ok();
    for rel in html_files(&site.public()) {
        let html = page(&site.public(), &rel);
        assert!(
            html.select(&sel("[data-owner]")).next().is_none(),
            "{rel}: an owner line without `[owner]`"
        );
    }
}

#[test]
fn each_owner_setting_is_shown_on_its_own() {
    let site = Site::from_fixture("basic");
    let settings = site.read("content/site.toml");
    site.write(
        "content/site.toml",
        format!("{settings}\n[owner]\nreview_every_months = 12\n"),
    );
    site.build_ok();
    let public = site.public();
    let (items, contact, date) = owner(&page(&public, "fr/index.html"));
    assert_eq!(items, ["Revue tous les 12 mois"]);
    assert_eq!((contact, date), (None, None));
    let (items, _, _) = owner(&page(&public, "en/index.html"));
    assert_eq!(items, ["Reviewed every 12 months"]);

    site.write(
        "content/site.toml",
        format!(
            "{settings}\n[owner]\nname = {{ fr = \"Équipe web\" }}\ncontact = \"https://intranet.example/contact/\"\nlast_reviewed = \"2026-12-01\"\nreview_every_months = 1\n"
        ),
    );
    site.build_ok();
    let (items, contact, date) = owner(&page(&public, "en/index.html"));
    assert_eq!(
        items,
        [
            // No English name: the default language's.
            "Owner: Équipe web",
            "Contact: contact page",
            "Last reviewed: 1 December 2026 (reviewed every month; next review: January 2027)",
        ]
    );
    assert_eq!(
        contact.as_deref(),
        Some("https://intranet.example/contact/")
    );
    assert_eq!(date.as_deref(), Some("2026-12-01"));
}
