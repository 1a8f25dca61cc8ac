//! Deployment: `netlify.toml` read with a real TOML parser and checked against the README and
//! the built site (publish folder, build command, security headers, caching, every redirect
//! target); a sub-path build of the real playbook whose every link stays under the sub-path,
//! with canonical URLs, sitemap and hreflang on the base URL; renamed pages redirecting from
//! their `aliases`; `robots.txt` and the robots meta tag on by default and configurable.

mod common;

use std::collections::BTreeMap;

use common::{attrs, broken_links, html_files, page, repo, resolve, Site};

fn netlify() -> toml::Table {
    let text = std::fs::read_to_string(repo().join("netlify.toml")).expect("read netlify.toml");
    toml::from_str(&text).expect("netlify.toml is valid TOML")
}

fn str_at<'a>(table: &'a toml::Table, key: &str) -> &'a str {
    table
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("netlify.toml: `{key}` is missing or not a string"))
}

/// The `[headers.values]` of the `[[headers]]` block `for = <path>`.
fn headers_for(netlify: &toml::Table, path: &str) -> BTreeMap<String, String> {
    let blocks = netlify["headers"].as_array().expect("[[headers]] blocks");
    let block = blocks
        .iter()
        .map(|b| b.as_table().expect("a [[headers]] table"))
        .find(|b| str_at(b, "for") == path)
        .unwrap_or_else(|| panic!("netlify.toml has no [[headers]] for {path}"));
    block["values"]
        .as_table()
        .expect("[headers.values]")
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap().to_string()))
        .collect()
}

/// The README's build command: the first line of its first shell block that runs `build`.
fn readme_build_command() -> String {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    readme
        .lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .find(|l| l.starts_with("cargo run") && l.ends_with(" build"))
        .expect("README shows the build command")
        .to_string()
}

#[test]
fn build_settings_match_the_readme_and_the_builds_output() {
    let netlify = netlify();
    let build = netlify["build"].as_table().expect("[build]");
    assert_eq!(str_at(build, "command"), readme_build_command());
    assert_eq!(str_at(build, "command"), "cargo run --release -- build");
    // `publish` is the folder `playbook build` writes to when given no --output.
    let site = Site::real();
    site.build_ok();
    let publish = site.path(str_at(build, "publish"));
    assert!(
        publish.join("index.html").is_file() && publish.join("fr/index.html").is_file(),
        "`playbook build` did not write into `publish` ({})",
        publish.display()
    );
}

#[test]
fn security_headers_on_every_path() {
    let all = headers_for(&netlify(), "/*");
    let csp = &all["content-security-policy"];
    let directives: BTreeMap<&str, &str> = csp
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| d.split_once(' ').unwrap_or((d, "")))
        .collect();
    assert_eq!(directives["default-src"], "'self'", "{csp}");
    assert_eq!(directives["frame-ancestors"], "'none'", "{csp}");
    assert_eq!(directives["object-src"], "'none'", "{csp}");
    for (name, value) in &directives {
        assert!(
            !value.contains("unsafe") && !value.contains("http") && !value.contains('*'),
            "the site's CSP must not loosen {name}: {value}"
        );
    }
    assert_eq!(all["x-content-type-options"], "nosniff");
    assert_eq!(all["x-frame-options"], "DENY");
    assert!(
        [
            "same-origin",
            "no-referrer",
            "strict-origin-when-cross-origin",
            "strict-origin"
        ]
        .contains(&all["referrer-policy"].as_str()),
        "Referrer-Policy {}",
        all["referrer-policy"]
    );
    let permissions = &all["permissions-policy"];
    for feature in ["camera=()", "microphone=()", "geolocation=()"] {
        assert!(
            permissions.contains(feature),
            "Permissions-Policy lacks {feature}"
        );
    }
    // HTML is revalidated by Netlify's own default (`public, max-age=0, must-revalidate`): a
    // Cache-Control on `/*` would also match /assets/* and be joined with the one there.
    // Fingerprinted assets are cached for a year. (tests/browser/headers.mjs checks, with
    // Netlify's parser, that no header is set twice for any file of the built site.)
    assert!(
        !all.contains_key("cache-control"),
        "`/*` sets Cache-Control: {}",
        all["cache-control"]
    );
    let assets = headers_for(&netlify(), "/assets/*");
    assert!(
        assets["cache-control"].contains("max-age=31536000")
            && assets["cache-control"].contains("immutable"),
        "{}",
        assets["cache-control"]
    );
}

#[test]
fn only_fingerprinted_files_are_cached_forever() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    let assets: Vec<String> = std::fs::read_dir(public.join("assets"))
        .expect("public/assets")
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(!assets.is_empty());
    for name in &assets {
        // <stem>.<16 hex digits>.<ext>
        let parts: Vec<&str> = name.split('.').collect();
        assert!(
            parts.len() >= 3
                && parts[parts.len() - 2].len() >= 8
                && parts[parts.len() - 2]
                    .chars()
                    .all(|c| c.is_ascii_hexdigit()),
            "public/assets/{name} is cached as immutable but has no content hash"
        );
    }
    // Every stylesheet and script a page loads is one of them.
    for rel in html_files(&public) {
        let html = page(&public, &rel);
        for url in attrs(&html, "link[rel=stylesheet]", "href")
            .into_iter()
            .chain(attrs(&html, "script[src]", "src"))
        {
            let (target, _) = resolve(&rel, &url, "/").unwrap();
            // The search index changes with the content: it is revalidated like the pages (and
            // loaded by search.js, not by a <script> of the page).
            let index = target.contains("/search-index/");
            assert!(
                target.starts_with("assets/") != index,
                "{rel} loads {url}: only fingerprinted files belong in /assets/"
            );
        }
    }
}

#[test]
fn every_redirect_target_exists_in_the_built_site() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    let redirects = netlify()["redirects"]
        .as_array()
        .expect("[[redirects]]")
        .clone();
    let mut by_from: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for r in &redirects {
        let r = r.as_table().unwrap();
        let to = str_at(r, "to");
        let status = r["status"].as_integer().unwrap();
        by_from
            .entry(str_at(r, "from").to_string())
            .or_default()
            .push((to.to_string(), status));
        if to.starts_with('/') {
            let (file, _) = resolve("index.html", to, "/").unwrap();
            assert!(
                public.join(&file).is_file(),
                "redirect target {to} ({file}) is not built"
            );
        }
    }
    // `/` goes to the reader's language, French unless the browser asks for English.
    let root = &by_from["/"];
    assert_eq!(root.last().unwrap().0, "/fr/", "French is the default");
    let english = redirects
        .iter()
        .map(|r| r.as_table().unwrap())
        .find(|r| str_at(r, "from") == "/" && str_at(r, "to") == "/en/")
        .expect("a redirect from / to /en/");
    let languages = english["conditions"]["Language"].as_array().unwrap();
    assert!(languages.iter().any(|l| l.as_str() == Some("en")));
    // Per-language 404 pages, with the 404 status.
    for lang in ["fr", "en"] {
        assert_eq!(
            by_from[&format!("/{lang}/*")],
            vec![(format!("/{lang}/404.html"), 404)]
        );
    }
}

#[test]
fn sub_path_build_keeps_every_link_under_the_sub_path() {
    let site = Site::real();
    site.run(&["--base-url", "https://intranet.example/playbook/", "build"])
        .assert_code(0);
    let public = site.public();
    let broken = broken_links(&public, "/playbook/");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    let mut canonicals = 0;
    for rel in html_files(&public) {
        let html = page(&public, &rel);
        for url in attrs(&html, "link[rel=canonical], link[rel=alternate]", "href") {
            assert!(
                url.starts_with("https://intranet.example/playbook/"),
                "{rel}: {url} is not on the base URL"
            );
            canonicals += 1;
        }
        for url in attrs(&html, "[href], [src]", "href")
            .into_iter()
            .chain(attrs(&html, "[src]", "src"))
        {
            if url.starts_with('/') {
                assert!(
                    url.starts_with("/playbook/"),
                    "{rel}: {url} escapes the sub-path"
                );
            }
        }
    }
    assert!(
        canonicals > 100,
        "only {canonicals} canonical/alternate links"
    );
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    let doc = roxmltree::Document::parse(&sitemap).expect("sitemap.xml is XML");
    let mut locs = 0;
    for node in doc.descendants() {
        let url = match node.tag_name().name() {
            "loc" => node.text().unwrap().to_string(),
            "link" => node.attribute("href").unwrap().to_string(),
            _ => continue,
        };
        locs += 1;
        let path = url
            .strip_prefix("https://intranet.example/playbook/")
            .unwrap_or_else(|| panic!("sitemap URL {url} is not on the base URL"));
        assert!(
            public.join(path).join("index.html").is_file(),
            "sitemap URL {url} has no page"
        );
    }
    assert!(locs > 100);
    let robots = std::fs::read_to_string(public.join("robots.txt")).unwrap();
    assert!(robots.contains("Disallow: /"), "{robots}");
}

/// The `basic` fixture with `alias` added to the front matter of `file`.
fn with_alias(file: &str, alias: &str) -> Site {
    let site = Site::from_fixture("basic");
    let text = site.read(file);
    assert!(
        text.starts_with("+++\n"),
        "{file} starts with TOML front matter"
    );
    site.write(
        file,
        text.replacen("+++\n", &format!("+++\naliases = [\"{alias}\"]\n"), 1),
    );
    site
}

#[test]
fn a_renamed_page_redirects_from_its_old_address() {
    let site = with_alias(
        "content/obstacles/budget.fr.md",
        "/fr/obstacles/ancien-budget/",
    );
    site.build_ok();
    let public = site.public();
    let old = page(&public, "fr/obstacles/ancien-budget/index.html");
    let refresh = attrs(&old, "meta[http-equiv=refresh]", "content");
    assert_eq!(refresh.len(), 1);
    let target = refresh[0].split_once("url=").expect("refresh has a url").1;
    let (file, _) = resolve("fr/obstacles/ancien-budget/index.html", target, "/").unwrap();
    assert_eq!(file, "fr/obstacles/le-budget/index.html");
    // The same target as a plain link (no meta refresh needed to follow it), and noindex.
    assert_eq!(attrs(&old, "main a", "href"), vec![target.to_string()]);
    assert_eq!(attrs(&old, "meta[name=robots]", "content"), vec!["noindex"]);
    // Netlify answers with a real 301 before looking for the file.
    let rules = std::fs::read_to_string(public.join("_redirects")).unwrap();
    assert_eq!(
        rules.lines().collect::<Vec<_>>(),
        vec!["/fr/obstacles/ancien-budget/ /fr/obstacles/le-budget/ 301"]
    );
    // Not in the sitemap: it is not a page.
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(!sitemap.contains("ancien-budget"));
}

#[test]
fn an_alias_under_a_sub_path_redirects_under_it() {
    let site = with_alias(
        "content/obstacles/support.en.md",
        "/en/obstacles/no-support",
    );
    site.run(&["--base-url", "https://intranet.example/playbook/", "build"])
        .assert_code(0);
    let rules = std::fs::read_to_string(site.public().join("_redirects")).unwrap();
    assert_eq!(
        rules.trim(),
        "/playbook/en/obstacles/no-support/ /playbook/en/obstacles/lack-of-management-support/ 301"
    );
    assert!(broken_links(&site.public(), "/playbook/").is_empty());
}

#[test]
fn an_alias_that_takes_a_pages_address_is_an_error() {
    let site = with_alias("content/obstacles/budget.fr.md", "/fr/obstacles/");
    let run = site.run(&["build"]);
    run.assert_code(1);
    assert!(
        run.stderr
            .contains("alias `/fr/obstacles/` is the address of an existing page"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("content/obstacles/budget.fr.md:2:"),
        "{}",
        run.stderr
    );
    assert!(!site.public().exists());
}

#[test]
fn robots_noindex_by_default_and_configurable() {
    let site = Site::real();
    site.build_ok();
    let public = site.public();
    let robots = std::fs::read_to_string(public.join("robots.txt")).unwrap();
    assert!(
        robots.lines().any(|l| l.trim() == "Disallow: /"),
        "robots.txt: {robots}"
    );
    for rel in html_files(&public) {
        assert_eq!(
            attrs(&page(&public, &rel), "meta[name=robots]", "content"),
            vec!["noindex"],
            "{rel}"
        );
    }

    let open = Site::from_fixture("basic");
    let settings = open.read("content/site.toml");
    assert!(!settings.contains("noindex"));
    open.write("content/site.toml", format!("noindex = false\n{settings}"));
    open.build_ok();
    let public = open.public();
    let robots = std::fs::read_to_string(public.join("robots.txt")).unwrap();
    assert!(
        !robots.lines().any(|l| l.trim() == "Disallow: /"),
        "{robots}"
    );
    assert!(
        robots.contains("Sitemap: https://intranet.example/sitemap.xml"),
        "{robots}"
    );
    // Path pages of a diagnostic stay noindex; ordinary pages are indexable.
    for rel in ["fr/index.html", "en/obstacles/budget/index.html"] {
        assert!(
            attrs(&page(&public, rel), "meta[name=robots]", "content").is_empty(),
            "{rel}"
        );
    }
}
