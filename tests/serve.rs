//! `playbook serve` as a browser sees it: the real binary on a temporary copy of a site, on a
//! free port, spoken to with the small HTTP and WebSocket clients of `common::preview`. Pages answer with the right content type and security headers, unknown
//! paths get the 404 page, nothing outside the built site is reachable, the server listens on
//! loopback only, a taken port is a clear error, and live reload and the error overlay work.
//! Every wait is a condition polled against a deadline.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::Command;
use std::time::Duration;

use common::preview::{free_port, get, read_text_frame, request, serve, wait_for_page, websocket};
use common::running::{Running, DEADLINE};
use common::Site;

const GROUP_FR: &str = "content/steps/group.fr.md";
const GROUP_FR_URL: &str = "/fr/steps/organiser-un-groupe-de-travail/";

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn pages_answer_with_the_right_content_type() {
    let site = Site::real();
    let server = serve(&site);
    let public = site.public();
    let asset = |ext: &str| {
        let name = common::entries(&public.join("assets"))
            .into_iter()
            .find(|n| n.ends_with(ext))
            .unwrap_or_else(|| panic!("a .{ext} file in assets/"));
        format!("/assets/{name}")
    };
    let svg = common::snapshot(&public)
        .into_keys()
        .find(|k| k.ends_with(".svg"))
        .expect("an SVG in the site");
    let cases = [
        ("/".to_string(), "text/html; charset=utf-8"),
        ("/fr/".to_string(), "text/html; charset=utf-8"),
        ("/en/steps/".to_string(), "text/html; charset=utf-8"),
        (asset(".css"), "text/css; charset=utf-8"),
        (asset(".js"), "text/javascript; charset=utf-8"),
        (format!("/{svg}"), "image/svg+xml"),
        ("/fr/diagnostic/flow.json".to_string(), "application/json"),
        ("/sitemap.xml".to_string(), "application/xml"),
        ("/robots.txt".to_string(), "text/plain; charset=utf-8"),
    ];
    for (target, ctype) in &cases {
        let r = get(server.port, target);
        assert_eq!(
            r.status,
            200,
            "status of {target}\n{}",
            server.run.describe()
        );
        assert_eq!(r.header("content-type"), *ctype, "content type of {target}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{target}");
        if ctype.starts_with("text/html") {
            assert!(
                r.text().contains("/__playbook/livereload.js"),
                "{target} carries the reload script"
            );
        } else {
            // Other files are served exactly as built.
            let rel = target.trim_start_matches('/');
            assert_eq!(
                r.body,
                std::fs::read(public.join(rel)).unwrap(),
                "body of {target}"
            );
        }
    }
    // The page is the built page.
    let page = get(server.port, "/fr/");
    let built = std::fs::read_to_string(public.join("fr/index.html")).unwrap();
    let title = built
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap();
    assert!(page.text().contains(&format!("<title>{title}</title>")));
    // A folder without its slash is redirected to it; HEAD has no body.
    let r = get(server.port, "/fr");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), "/fr/");
    let r = request(server.port, "HEAD", "/fr/");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    let r = request(server.port, "POST", "/fr/");
    assert_eq!(r.status, 405);
}

#[test]
fn unknown_path_gives_the_404_page() {
    let site = Site::from_fixture("basic");
    let server = serve(&site);
    let public = site.public();
    for (target, page) in [
        ("/fr/nulle-part/", "fr/404.html"),
        ("/en/nowhere/", "en/404.html"),
        ("/en/nowhere.css", "en/404.html"),
        ("/nowhere/", "404.html"),
    ] {
        let r = get(server.port, target);
        assert_eq!(r.status, 404, "status of {target}");
        assert_eq!(r.header("content-type"), "text/html; charset=utf-8");
        let built = std::fs::read_to_string(public.join(page)).unwrap();
        let h1 = built
            .split("<h1")
            .nth(1)
            .and_then(|t| t.split("</h1>").next())
            .unwrap_or_else(|| panic!("a heading in {page}"));
        assert!(r.text().contains(h1), "{target} shows {page}");
    }
}

#[test]
fn nothing_outside_the_site_is_served() {
    let site = Site::from_fixture("basic");
    // Secrets next to public/ (in the site folder) and above the site folder.
    site.write("secret.txt", "TOP-SECRET-ROOT");
    let above = site
        .root()
        .parent()
        .unwrap()
        .join(format!("playbook-secret-{}.txt", std::process::id()));
    std::fs::write(&above, "TOP-SECRET-ABOVE").unwrap();
    let above_name = above.file_name().unwrap().to_str().unwrap().to_string();
    let server = serve(&site);
    let targets = [
        "/../secret.txt".to_string(),
        "/fr/../../secret.txt".to_string(),
        "/%2e%2e/secret.txt".to_string(),
        "/%2E%2E/secret.txt".to_string(),
        "/.%2e/secret.txt".to_string(),
        "/fr/..%2f..%2fsecret.txt".to_string(),
        "/fr/%2e%2e%2f%2e%2e%2fsecret.txt".to_string(),
        "/..%5csecret.txt".to_string(),
        "/..\\secret.txt".to_string(),
        "/%00/../secret.txt".to_string(),
        format!("/../../{above_name}"),
        format!("/%2e%2e/%2e%2e/{above_name}"),
        "/../../../../../../../../etc/passwd".to_string(),
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd".to_string(),
        "/secret.txt".to_string(),
        "/content/site.toml".to_string(),
        "/themes/default/templates/base.html".to_string(),
        "/.playbook-output".to_string(),
    ];
    for target in &targets {
        let r = get(server.port, target);
        assert!(
            matches!(r.status, 400 | 403 | 404),
            "{target} answered {}",
            r.status
        );
        let text = r.text();
        assert!(
            !text.contains("TOP-SECRET") && !text.contains("root:x:0:0"),
            "{target} leaked a file"
        );
        assert!(
            !text.contains("[sources.") && !text.contains("{% block"),
            "{target} served a source file"
        );
    }
    // The dot-dot forms are refused outright rather than looked up.
    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/fr/..%2f..%2fsecret.txt",
    ] {
        assert_eq!(get(server.port, target).status, 403, "{target}");
    }
    std::fs::remove_file(above).unwrap();
}

/// A non-loopback IPv4 address of this machine, if it has one.
fn non_loopback_address() -> Option<Ipv4Addr> {
    // Connecting a UDP socket sends nothing; it picks the interface a packet would leave by.
    let from_route = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|s| s.connect((Ipv4Addr::new(192, 0, 2, 1), 9)).map(|()| s))
        .and_then(|s| s.local_addr())
        .ok()
        .and_then(|a| match a {
            SocketAddr::V4(v4) => Some(*v4.ip()),
            SocketAddr::V6(_) => None,
        });
    let from_hostname = || {
        let out = Command::new("hostname").arg("-I").output().ok()?;
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|a| a.parse::<Ipv4Addr>().ok())
            .find(|a| !a.is_loopback() && !a.is_unspecified())
    };
    from_route
        .filter(|a| !a.is_loopback() && !a.is_unspecified())
        .or_else(from_hostname)
}

#[test]
fn listens_on_loopback_only_by_default() {
    let site = Site::from_fixture("basic");
    let server = serve(&site);
    let port = server.port;
    assert!(
        server
            .run
            .out()
            .contains(&format!("serving on http://127.0.0.1:{port}/")),
        "prints the loopback address\n{}",
        server.run.describe()
    );
    assert!(!server.run.out().contains("warning"));
    assert_eq!(get(port, "/fr/").status, 200);
    match non_loopback_address() {
        Some(ip) => {
            let refused =
                TcpStream::connect_timeout(&SocketAddr::from((ip, port)), Duration::from_secs(5));
            assert!(
                refused.is_err(),
                "the preview answered on {ip}:{port}, which other machines can reach"
            );
        }
        None => {
            eprintln!("no non-loopback address on this machine: only the printed address checked")
        }
    }
}

#[test]
fn taken_port_is_a_clear_error_with_exit_code_2() {
    let site = Site::from_fixture("basic");
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut run = Running::start(&site, &["serve", "--port", &port.to_string()]);
    let status = run.wait_exit();
    assert_eq!(status.code(), Some(2), "exit code\n{}", run.describe());
    let err = run.err();
    assert!(
        err.contains(&format!("port {port} is already in use")) && err.contains("--port"),
        "clear message\n{}",
        run.describe()
    );
    assert_eq!(err.lines().count(), 1, "one line\n{}", run.describe());
    assert!(!site.public().exists(), "nothing built");
    drop(taken);
}

#[test]
fn websocket_gets_a_reload_after_an_edit() {
    let site = Site::from_fixture("basic");
    let mut server = serve(&site);
    let mut ws = websocket(server.port);
    let text = site.read(GROUP_FR);
    site.save(GROUP_FR, format!("{text}\nAjouté pendant l’aperçu.\n"));
    assert_eq!(read_text_frame(&mut ws), "reload");
    // By the time the reload is sent, the server has the new page.
    let r = get(server.port, GROUP_FR_URL);
    assert_eq!(r.status, 200);
    assert!(
        r.text().contains("Ajouté pendant l’aperçu."),
        "the new text is served"
    );
    // A second tab gets the next one too, and so does the first.
    let mut ws2 = websocket(server.port);
    site.save(GROUP_FR, format!("{text}\nDeuxième ajout.\n"));
    assert_eq!(read_text_frame(&mut ws), "reload");
    assert_eq!(read_text_frame(&mut ws2), "reload");
    wait_for_page(&mut server, GROUP_FR_URL, "the second edit", |r| {
        r.text().contains("Deuxième ajout.")
    });
}

#[test]
fn broken_edit_shows_the_error_overlay_until_fixed() {
    let site = Site::from_fixture("basic");
    let server = serve(&site);
    let mut ws = websocket(server.port);
    let good = site.read(GROUP_FR);
    site.save(
        GROUP_FR,
        good.replacen("groupe de travail\"", "groupe de travail", 1),
    );
    assert_eq!(
        read_text_frame(&mut ws),
        "reload",
        "the tab reloads to show the error"
    );
    let r = get(server.port, GROUP_FR_URL);
    assert_eq!(r.status, 200, "the last good page is still served");
    let html = r.text();
    assert!(html.contains("class=\"playbook-error\""), "overlay shown");
    assert!(
        html.contains("content/steps/group.fr.md:2:"),
        "the overlay names file and line\n{html}"
    );
    assert!(html.contains("/__playbook/overlay.css"), "its style sheet");
    assert_eq!(
        get(server.port, "/__playbook/overlay.css").header("content-type"),
        "text/css; charset=utf-8"
    );
    // Every page shows it, in both languages.
    assert!(get(server.port, "/en/").text().contains("playbook-error"));

    site.save(GROUP_FR, &good);
    assert_eq!(read_text_frame(&mut ws), "reload");
    let html = get(server.port, GROUP_FR_URL).text();
    assert!(
        !html.contains("playbook-error"),
        "overlay gone after the fix"
    );
}

#[test]
fn failing_first_build_shows_the_error_and_recovers() {
    let site = Site::from_fixture("basic");
    let good = site.read(GROUP_FR);
    site.write(
        GROUP_FR,
        good.replacen("groupe de travail\"", "groupe de travail", 1),
    );
    let mut server = serve(&site);
    let r = get(server.port, "/fr/");
    assert_eq!(r.status, 404, "no site yet");
    let html = r.text();
    assert!(
        html.contains("playbook-error") && html.contains("content/steps/group.fr.md:2:"),
        "the error is shown\n{html}"
    );
    assert!(
        html.contains("/__playbook/livereload.js"),
        "and the page will reload"
    );
    let mut ws = websocket(server.port);
    site.save(GROUP_FR, &good);
    assert_eq!(read_text_frame(&mut ws), "reload");
    wait_for_page(&mut server, "/fr/", "the site after the fix", |r| {
        r.status == 200 && !r.text().contains("playbook-error")
    });
}

#[test]
fn security_headers_on_every_answer() {
    let site = Site::from_fixture("basic");
    let server = serve(&site);
    for target in [
        "/fr/",
        "/nowhere/",
        "/sitemap.xml",
        "/__playbook/livereload.js",
    ] {
        let r = get(server.port, target);
        let csp = r.header("content-security-policy");
        assert!(
            csp.starts_with("default-src 'self'"),
            "{target}: Content-Security-Policy {csp:?}"
        );
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{target}");
    }
    // The live-reload connection is allowed by the policy of the pages.
    let csp = get(server.port, "/fr/")
        .header("content-security-policy")
        .to_string();
    assert!(
        csp.contains(&format!("ws://127.0.0.1:{}", server.port)),
        "connect-src allows the reload socket: {csp}"
    );
    // The injected script is a file, not inline code the policy would block.
    let html = get(server.port, "/fr/").text();
    assert!(!html.contains("<script>"), "no inline script");
}

#[test]
fn ctrl_c_stops_the_server() {
    let site = Site::from_fixture("basic");
    let mut server = serve(&site);
    server.run.interrupt();
    let status = server.run.wait_exit();
    assert_eq!(
        status.code(),
        Some(0),
        "exit code\n{}",
        server.run.describe()
    );
    assert!(
        TcpStream::connect((Ipv4Addr::LOCALHOST, server.port)).is_err(),
        "the port is closed"
    );
}

/// `--bind` to another loopback address: the printed URL is the one that answers.
#[test]
fn printed_address_is_the_one_listened_on() {
    let ipv6 = std::net::TcpListener::bind("[::1]:0").is_ok();
    let mut binds = vec!["127.0.0.2"];
    if ipv6 {
        binds.push("::1");
    }
    for bind in binds {
        let site = Site::from_fixture("basic");
        let port = free_port();
        let mut run = Running::start(
            &site,
            &["serve", "--bind", bind, "--port", &port.to_string()],
        );
        run.wait_until("the server", |r| r.out().contains("serving on "));
        let url = run
            .out()
            .lines()
            .find_map(|l| l.strip_prefix("serving on http://"))
            .and_then(|l| l.split('/').next())
            .unwrap()
            .to_string();
        let addr: SocketAddr = url
            .parse()
            .unwrap_or_else(|e| panic!("printed address {url}: {e}"));
        assert_eq!(addr.port(), port);
        assert_eq!(addr.ip().to_string(), bind, "printed {url}");
        let mut stream = TcpStream::connect(addr).expect("the printed address answers");
        write!(
            stream,
            "GET / HTTP/1.1\r\nHost: {url}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).unwrap();
        assert!(head.starts_with(b"HTTP/1.1 "), "an HTTP answer from {url}");
    }
}
