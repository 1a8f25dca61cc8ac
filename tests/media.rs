//! Pictures, attachments and ordinary Markdown links, through the real binary on the `basic`
//! fixture with the `media` overlay (`tests/fixtures/media/`: a picture and a PDF next to the
//! champion step, used from both languages; a shared `content/media/` folder with a
//! spreadsheet, a large picture and an SVG; relative, language-less, `@/` and site-path links
//! with anchors; callouts). Pages are read with a real HTML parser; published copies of
//! resized pictures are measured from their bytes. The errors (missing file, wrong type, bad
//! name, unsafe SVG…) are fixtures of `tests/fixtures/invalid/`.

mod common;

use std::path::Path;

use common::{attrs, broken_links, fixture, page, resolve, sel, snapshot, text_of, Site};

const CHAMPION_FR: &str = "fr/steps/designer-un-champion/index.html";
const CHAMPION_EN: &str = "en/steps/designate-a-champion/index.html";

fn media_site() -> Site {
    let site = Site::from_fixture("basic");
    site.overlay(&fixture("media"));
    site
}

/// The file a link or picture of `from` leads to, and its anchor.
fn target(from: &str, url: &str) -> (String, Option<String>) {
    resolve(from, url, "/").unwrap_or_else(|| panic!("{url} leaves the site"))
}

/// The `href` of the link whose text is `text` in the page's body.
fn href_of(html: &scraper::Html, text: &str) -> String {
    html.select(&sel(".prose a"))
        .find(|a| a.text().collect::<String>().trim() == text)
        .and_then(|a| a.value().attr("href").map(str::to_string))
        .unwrap_or_else(|| panic!("no link `{text}`"))
}

#[test]
fn pictures_and_attachments_are_published_once_and_shown_in_both_languages() {
    let site = media_site();
    site.build_ok();
    let public = site.public();
    let files = snapshot(&public);
    for (published, source) in [
        ("media/steps/atelier.png", "content/steps/atelier.png"),
        ("media/steps/guide.pdf", "content/steps/guide.pdf"),
        ("media/media/grille.xlsx", "content/media/grille.xlsx"),
        ("media/media/boucle.svg", "content/media/boucle.svg"),
    ] {
        assert_eq!(
            files.get(published),
            Some(&std::fs::read(site.path(source)).unwrap()),
            "{published}"
        );
    }
    let copies = files.keys().filter(|k| k.ends_with("atelier.png")).count();
    assert_eq!(copies, 1, "published once, not once per language");

    for (rel, caption, meta_pdf, meta_xlsx) in [
        (
            CHAMPION_FR,
            "L’atelier de lancement",
            "(PDF, 125\u{a0}octets)",
            "(XLSX, 165\u{a0}octets)",
        ),
        (
            CHAMPION_EN,
            "The kick-off workshop",
            "(PDF, 125\u{a0}bytes)",
            "(XLSX, 165\u{a0}bytes)",
        ),
    ] {
        let html = page(&public, rel);
        let figure = html.select(&sel(".prose figure")).next().expect("a figure");
        let img = figure.select(&sel("img")).next().unwrap().value();
        assert_eq!(
            target(rel, img.attr("src").unwrap()).0,
            "media/steps/atelier.png"
        );
        assert_eq!(
            (img.attr("width"), img.attr("height")),
            (Some("400"), Some("300"))
        );
        assert_eq!(
            (img.attr("loading"), img.attr("decoding")),
            (Some("lazy"), Some("async"))
        );
        assert!(!img.attr("alt").unwrap_or("").is_empty());
        assert_eq!(
            text_of(&html, ".prose figure figcaption").as_deref(),
            Some(caption)
        );
        // Attachments say their type and size, inside the link.
        let metas: Vec<String> = html
            .select(&sel(".prose a .attachment-meta"))
            .map(|e| e.text().collect())
            .collect();
        assert_eq!(metas, [meta_pdf, meta_xlsx], "{rel}");
    }
    let html = page(&public, CHAMPION_FR);
    let svg = html
        .select(&sel(".prose img[src$='boucle.svg']"))
        .next()
        .expect("the SVG is shown as a picture, not inlined");
    assert_eq!(
        (svg.value().attr("width"), svg.value().attr("height")),
        (Some("320"), Some("120"))
    );
    assert_eq!(html.select(&sel(".prose svg")).count(), 0);

    assert_eq!(broken_links(&public, "/"), Vec::<String>::new());
    assert_eq!(common::unsafe_markup(&public), Vec::<String>::new());
}

#[test]
fn links_to_markdown_files_resolve_like_at_links() {
    let site = media_site();
    site.build_ok();
    let public = site.public();
    for (from, text, file, anchor) in [
        // `group.fr.md`: a sibling in the page's language.
        (
            CHAMPION_FR,
            "le groupe",
            "fr/steps/organiser-un-groupe-de-travail/index.html",
            None,
        ),
        // `champion.md#…`: language-less, the page's language.
        (
            CHAMPION_FR,
            "ses pièges",
            CHAMPION_FR,
            Some("pieges-a-eviter"),
        ),
        // `../obstacles/budget.md#…`: another section.
        (
            CHAMPION_FR,
            "le budget",
            "fr/obstacles/le-budget/index.html",
            Some("pourquoi-c-est-important"),
        ),
        // `champion.en.md#…`: the language the file names.
        (
            CHAMPION_FR,
            "la version anglaise",
            CHAMPION_EN,
            Some("pitfalls"),
        ),
        // `/fr/recherche/`: a site path, checked against the built site.
        (CHAMPION_FR, "la recherche", "fr/recherche/index.html", None),
        // `group.md` on the English page: the English URL, though only French text exists.
        (
            CHAMPION_EN,
            "the group",
            "en/steps/organiser-un-groupe-de-travail/index.html",
            None,
        ),
        (
            CHAMPION_EN,
            "the French version",
            CHAMPION_FR,
            Some("pieges-a-eviter"),
        ),
        (
            CHAMPION_EN,
            "the budget",
            "en/obstacles/budget/index.html",
            None,
        ),
    ] {
        let href = href_of(&page(&public, from), text);
        assert!(
            !href.starts_with('/'),
            "{text}: relative, works under any base path: {href}"
        );
        assert_eq!(
            target(from, &href),
            (file.to_string(), anchor.map(str::to_string)),
            "{text}"
        );
    }
}

/// (width, height) of a published picture, from its bytes.
fn measured(bytes: &[u8]) -> (usize, usize) {
    let size = imagesize::blob_size(bytes).expect("a picture");
    (size.width, size.height)
}

fn cache_files(root: &Path) -> Vec<(String, std::time::SystemTime)> {
    let dir = root.join(".playbook-cache/images");
    let mut files: Vec<(String, std::time::SystemTime)> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().unwrap().modified().unwrap(),
                )
            })
            .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

#[test]
fn large_pictures_are_resized_offered_in_srcset_and_resized_only_once() {
    let site = media_site();
    site.build_ok();
    let public = site.public();
    let html = page(&public, CHAMPION_FR);
    let img = html
        .select(&sel(".prose img[alt='Le site vu d’en haut']"))
        .next()
        .expect("the panorama");
    let img = img.value();
    // 1600 px wide, more than twice the 672 px column: shown 1344 px wide, 672 px offered.
    assert_eq!(
        target(CHAMPION_FR, img.attr("src").unwrap()).0,
        "media/media/panorama@1344.png"
    );
    assert_eq!(
        (img.attr("width"), img.attr("height")),
        (Some("1344"), Some("336"))
    );
    let srcset: Vec<(String, String)> = img
        .attr("srcset")
        .unwrap()
        .split(", ")
        .map(|c| {
            let (url, w) = c.split_once(' ').unwrap();
            (target(CHAMPION_FR, url).0, w.to_string())
        })
        .collect();
    assert_eq!(
        srcset,
        [
            (
                "media/media/panorama@672.png".to_string(),
                "672w".to_string()
            ),
            (
                "media/media/panorama@1344.png".to_string(),
                "1344w".to_string()
            )
        ]
    );
    assert!(img.attr("sizes").is_some_and(|s| s.contains("42rem")));
    let files = snapshot(&public);
    assert_eq!(measured(&files["media/media/panorama@672.png"]), (672, 168));
    assert_eq!(
        measured(&files["media/media/panorama@1344.png"]),
        (1344, 336)
    );
    assert_eq!(
        measured(&files["media/media/panorama.png"]),
        (1600, 400),
        "the original too"
    );

    // The copies are cached; a second build reads them instead of resizing again.
    let cached = cache_files(site.root());
    assert_eq!(cached.len(), 2, "{cached:?}");
    site.build_ok();
    assert_eq!(cache_files(site.root()), cached, "not written again");
    let (name, _) = &cached[1];
    assert!(name.ends_with("-672.png"), "{cached:?}");
    let marker = b"the cached copy, published as is".to_vec();
    std::fs::write(
        site.root().join(".playbook-cache/images").join(name),
        &marker,
    )
    .unwrap();
    site.build_ok();
    assert_eq!(
        snapshot(&public)["media/media/panorama@672.png"],
        marker,
        "read from the cache"
    );

    // A new picture under the same name is resized again; the old copies are removed.
    let atelier = std::fs::read(site.path("content/steps/atelier.png")).unwrap();
    let wide = image::load_from_memory(&atelier).unwrap().resize_exact(
        2000,
        500,
        image::imageops::FilterType::Nearest,
    );
    wide.save(site.path("content/media/panorama.png")).unwrap();
    site.build_ok();
    let after = cache_files(site.root());
    assert_eq!(after.len(), 2);
    assert!(
        after
            .iter()
            .all(|(n, _)| !cached.iter().any(|(c, _)| c == n)),
        "{after:?}"
    );
    assert_eq!(
        measured(&snapshot(&public)["media/media/panorama@1344.png"]),
        (1344, 336)
    );
}

/// A JPEG with EXIF orientation 6 (stored on its side, shown turned 90° clockwise, as phones
/// save portrait photos) from its stored pixels `(w, h)`.
fn sideways_jpeg(w: u32, h: u32) -> Vec<u8> {
    // Stored: the top third red, the rest blue; once turned, the right third is red.
    let img = image::RgbImage::from_fn(w, h, |_, y| {
        if y < h / 3 {
            image::Rgb([220, 20, 20])
        } else {
            image::Rgb([20, 20, 220])
        }
    });
    let mut jpeg = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    // APP1 "Exif": a big-endian TIFF header and one IFD entry, Orientation (0x0112) = 6.
    let tiff: [u8; 26] = [
        b'M', b'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0,
    ];
    let mut app1 = vec![0xFF, 0xE1, 0, (2 + 6 + tiff.len()) as u8];
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend(app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[test]
fn jpeg_photos_are_measured_and_resized_upright() {
    let site = Site::from_fixture("basic");
    site.write("content/steps/portrait.jpg", sideways_jpeg(300, 900));
    site.write("content/steps/paysage.jpg", sideways_jpeg(500, 1500));
    let page_text = site.read("content/steps/group.fr.md");
    site.write(
        "content/steps/group.fr.md",
        format!("{page_text}\n![Un portrait](portrait.jpg)\n\n![Un paysage](paysage.jpg)\n"),
    );
    site.build_ok();
    let rel = "fr/steps/organiser-un-groupe-de-travail/index.html";
    let html = page(&site.public(), rel);
    let sizes: Vec<(String, String)> = html
        .select(&sel(".prose img"))
        .map(|i| {
            (
                i.value().attr("width").unwrap().into(),
                i.value().attr("height").unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        sizes,
        [
            ("900".to_string(), "300".to_string()),
            ("1344".into(), "448".into())
        ],
        "sizes as shown, turned upright"
    );
    let files = snapshot(&site.public());
    let copy = image::load_from_memory(&files["media/steps/paysage@1344.jpg"])
        .unwrap()
        .to_rgb8();
    assert_eq!(copy.dimensions(), (1344, 448));
    let (right, left) = (copy.get_pixel(1300, 224), copy.get_pixel(40, 224));
    assert!(
        right[0] > 150 && right[2] < 100,
        "red on the right: {right:?}"
    );
    assert!(left[2] > 150 && left[0] < 100, "blue on the left: {left:?}");
}

#[test]
fn a_picture_without_alt_text_warns_and_fails_check_strict() {
    let site = media_site();
    let text = site.read("content/steps/champion.en.md");
    site.write(
        "content/steps/champion.en.md",
        format!("{text}\n![](atelier.png)\n"),
    );
    let build = site.run(&["build"]);
    build.assert_code(0);
    assert!(
        build.stderr.contains(
            "warning: content/steps/champion.en.md:25:5: picture without a text alternative"
        ),
        "{}",
        build.stderr
    );
    site.run(&["check"]).assert_code(0);
    let strict = site.run(&["check", "--strict"]);
    strict.assert_code(1);
    assert!(
        strict.stderr.contains("picture without a text alternative"),
        "{}",
        strict.stderr
    );
}

#[test]
fn unused_media_are_reported_by_check() {
    let site = media_site();
    site.write("content/media/oubli.txt", "notes\n");
    let build = site.run(&["build"]);
    build.assert_code(0);
    assert!(
        build.stderr.is_empty(),
        "build does not nag: {}",
        build.stderr
    );
    assert!(
        site.public().join("media/media/oubli.txt").is_file(),
        "published all the same"
    );
    let check = site.run(&["check"]);
    check.assert_code(0);
    assert!(
        check
            .stderr
            .contains("warning: content/media/oubli.txt: no page uses this file (forgotten?)"),
        "{}",
        check.stderr
    );
    assert_eq!(
        check.stderr.matches("no page uses").count(),
        1,
        "{}",
        check.stderr
    );
    site.run(&["check", "--strict"]).assert_code(1);
}

#[test]
fn the_print_view_shows_pictures_and_files_of_the_site() {
    let site = media_site();
    site.build_ok();
    let public = site.public();
    let rel = "fr/imprimer/index.html";
    let html = page(&public, rel);
    let pictures: Vec<String> = attrs(&html, ".prose img", "src")
        .iter()
        .map(|src| target(rel, src).0)
        .collect();
    assert!(
        pictures.contains(&"media/steps/atelier.png".to_string()),
        "{pictures:?}"
    );
    for file in &pictures {
        assert!(public.join(file).is_file(), "{file}");
    }
    let files: Vec<String> = attrs(&html, ".prose a", "href")
        .iter()
        .filter_map(|href| resolve(rel, href, "/").map(|(file, _)| file))
        .collect();
    assert!(
        files.contains(&"media/steps/guide.pdf".to_string()),
        "{files:?}"
    );
}

/// `bytes` (a PNG or a JPEG) with the width and height its header claims set to `w` × `h`:
/// what a decompression bomb looks like to the build, which must refuse it before decoding.
fn claiming(mut bytes: Vec<u8>, w: u16, h: u16) -> Vec<u8> {
    if bytes.starts_with(b"\x89PNG") {
        // IHDR's width and height, big-endian, right after the signature and chunk header.
        bytes[16..20].copy_from_slice(&u32::from(w).to_be_bytes());
        bytes[20..24].copy_from_slice(&u32::from(h).to_be_bytes());
    } else {
        // The baseline frame header (SOF0): length, precision, then height and width.
        let sof = bytes
            .windows(2)
            .position(|p| p == [0xFF, 0xC0])
            .expect("a baseline JPEG");
        bytes[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
        bytes[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    }
    bytes
}

#[test]
fn a_picture_claiming_too_many_pixels_is_refused_before_it_is_decoded() {
    let small = image::DynamicImage::ImageRgb8(image::RgbImage::new(8, 8));
    for (name, format) in [
        ("bomb.png", image::ImageFormat::Png),
        ("bomb.jpg", image::ImageFormat::Jpeg),
    ] {
        let site = media_site();
        let mut picture = Vec::new();
        small
            .write_to(&mut std::io::Cursor::new(&mut picture), format)
            .unwrap();
        let file = format!("content/steps/{name}");
        site.write(&file, claiming(picture.clone(), 60_000, 60_000));
        let started = std::time::Instant::now();
        let run = site.run(&["build"]);
        run.assert_code(1);
        assert!(
            run.stderr.contains(&file)
                && run
                    .stderr
                    .contains("60000 × 60000 pixels: more than 64 million"),
            "{}",
            run.stderr
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        // The picture as it really is (8 × 8) is published.
        site.write(&file, picture);
        site.build_ok();
    }
}
