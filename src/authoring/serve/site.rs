//! What a path of the preview answers, from the last good build held in memory: a built file,
//! a folder's `index.html`, a redirect to the folder with its slash, or the 404 page of the
//! path's language. HTML gets the live-reload script and, when the last build failed, the
//! error as an overlay. Nothing outside the built site is ever read: no `..`, no file system.
//! Also the Host check that keeps a loopback preview from answering to other names.

use std::net::IpAddr;

use crate::output::Output;
use crate::render::highlight::escape;

use super::http::Answer;

pub(super) const OVERLAY_CSS: &str = ".playbook-error{position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;\
background:rgba(20,0,0,.92);color:#fff;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}\
.playbook-error strong{display:block;font-size:1.2rem;margin-bottom:1rem;color:#ffb4b4}\n";

/// The last build as the preview serves it.
#[derive(Default)]
pub(super) struct Served {
    pub(super) output: Output,
    /// The last build's error, shown over every page until a build succeeds.
    pub(super) error: Option<String>,
    pub(super) languages: Vec<String>,
}

/// The answer to `GET <path>` (the target without its query).
pub(super) fn answer(served: &Served, path: &str) -> Answer {
    let Some(decoded) = percent_decode(path) else {
        return Answer::text(400, "bad request");
    };
    // Never anything outside the site: no `..`, no backslashes, no NUL.
    if decoded.split('/').any(|seg| seg == ".." || seg == ".")
        || decoded.contains('\\')
        || decoded.contains('\0')
    {
        return Answer::text(403, "forbidden");
    }
    let rel = decoded.trim_start_matches('/');
    let output = &served.output;
    let is_folder = rel.is_empty() || rel.ends_with('/');
    let (status, file, body): (u16, String, &[u8]) =
        if let Some(b) = output.get(rel).filter(|_| !is_folder) {
            (200, rel.to_string(), b)
        } else if let Some(b) = output
            .get(&format!("{rel}index.html"))
            .filter(|_| is_folder)
        {
            (200, format!("{rel}index.html"), b)
        } else if output.contains_key(&format!("{rel}/index.html")) {
            return Answer::new(301, "text/plain; charset=utf-8", "")
                .header("Location", format!("/{rel}/"));
        } else {
            let lang = rel.split('/').next().unwrap_or("");
            let page = if served.languages.iter().any(|l| l == lang) {
                format!("{lang}/404.html")
            } else {
                "404.html".to_string()
            };
            match output.get(&page) {
                Some(b) => (404, page, b),
                None if served.error.is_some() => (404, "error.html".into(), EMPTY_PAGE),
                None => return Answer::text(404, "not found"),
            }
        };
    let content_type = content_type(&file);
    let body = if content_type.starts_with("text/html") {
        inject(body, served.error.as_deref())
    } else {
        body.to_vec()
    };
    Answer::new(status, content_type, body)
}

/// The page under the overlay when no build has succeeded yet.
const EMPTY_PAGE: &[u8] = b"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build error</title></head><body></body></html>";

/// Adds the reload script and, when the last build failed, the error overlay.
fn inject(html: &[u8], error: Option<&str>) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(html) else {
        return html.to_vec();
    };
    let mut text = text.to_string();
    if let Some(error) = error {
        let overlay = format!(
            "<div class=\"playbook-error\" role=\"alert\"><strong>Build failed — the page below is the last good build</strong>{}</div>",
            escape(error)
        );
        if let Some(i) = text.find("</head>") {
            text.insert_str(
                i,
                "<link rel=\"stylesheet\" href=\"/__playbook/overlay.css\">\n",
            );
        }
        match text
            .find("<body")
            .and_then(|i| text[i..].find('>').map(|j| i + j + 1))
        {
            Some(i) => text.insert_str(i, &overlay),
            None => text.push_str(&overlay),
        }
    }
    let script = "<script src=\"/__playbook/livereload.js\"></script>\n";
    match text.rfind("</body>") {
        Some(i) => text.insert_str(i, script),
        None => text.push_str(script),
    }
    text.into_bytes()
}

pub(super) fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A Host header's name and port: `name`, `name:port`, `[v6]` or `[v6]:port`, and nothing
/// else (`[::1]evil.example` is not a host).
pub(super) fn split_host(host: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = match host.strip_prefix('[') {
        Some(rest) => {
            let (name, after) = rest.split_once(']')?;
            name.parse::<std::net::Ipv6Addr>().ok()?;
            match after {
                "" => (name, None),
                _ => (name, Some(after.strip_prefix(':')?)),
            }
        }
        None => match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        },
    };
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'_'));
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
    };
    valid_name.then_some((name, port))
}

/// Whether a `Host` header names this machine: `localhost`, a name under `.localhost`, or a
/// loopback address, with an optional port.
pub(super) fn is_local_host(host: &str) -> bool {
    let Some((name, _)) = split_host(host) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_refuses() {
        assert_eq!(
            percent_decode("/fr/%C3%A9t%C3%A9/").as_deref(),
            Some("/fr/été/")
        );
        assert_eq!(percent_decode("/%2e%2e/etc").as_deref(), Some("/../etc"));
        assert!(percent_decode("/%zz").is_none());
    }

    #[test]
    fn only_local_host_names_are_answered_on_loopback() {
        for host in [
            "localhost:1111",
            "localhost",
            "127.0.0.1:8080",
            "[::1]:1111",
            "[::1]",
            "app.localhost",
        ] {
            assert!(is_local_host(host), "{host:?}");
        }
        for host in [
            "evil.example:1111",
            "evil.example",
            "10.0.0.1:1111",
            "",
            "[::1]evil.example",
            "[::1]evil.example:1111",
            "[::1]:1111evil",
            "[::1]:",
            "localhost:evil",
            "localhost:",
            "localhost:99999",
            "127.0.0.1.evil.example",
            "local host",
            "::1",
        ] {
            assert!(!is_local_host(host), "{host:?}");
        }
    }

    #[test]
    fn overlay_is_escaped() {
        let html = inject(
            b"<html><head></head><body><p>x</p></body></html>",
            Some("error: <b>"),
        );
        let text = String::from_utf8(html).unwrap();
        assert!(text.contains("&lt;b&gt;"));
        assert!(text.contains("/__playbook/livereload.js"));
    }
}
