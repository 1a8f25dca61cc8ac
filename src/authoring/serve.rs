//! The preview server: the watch loop plus a small HTTP/1.1 server on 127.0.0.1 that serves
//! the last good build from memory, tells every open tab to reload over a WebSocket after each
//! rebuild, and shows the current build error as an overlay in the page. It is a few hundred
//! lines of std networking rather than an async framework: one reader, a handful of tabs, and
//! fast compiles matter more here than throughput. Nothing outside the built site is served.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::authoring::watch::{self, Outcome, WatchOptions};
use crate::build::BuildOptions;
use crate::errors::Fatal;
use crate::output::Output;
use crate::render::highlight::escape;

const RELOAD_PATH: &str = "/__playbook/livereload";

/// The page script: reconnects after a server restart, reloads on every message.
const RELOAD_JS: &str = r#"(function () {
  "use strict";
  var delay = 500;
  function connect() {
    var ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/__playbook/livereload");
    ws.onmessage = function () { location.reload(); };
    ws.onopen = function () { delay = 500; };
    ws.onclose = function () { setTimeout(connect, delay); delay = Math.min(delay * 2, 5000); };
  }
  connect();
})();
"#;

const OVERLAY_CSS: &str = ".playbook-error{position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;\
background:rgba(20,0,0,.92);color:#fff;font:14px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap}\
.playbook-error strong{display:block;font-size:1.2rem;margin-bottom:1rem;color:#ffb4b4}\n";

#[derive(Default)]
struct State {
    output: Output,
    error: Option<String>,
    languages: Vec<String>,
}

pub(crate) struct ServeOptions {
    pub(crate) bind: IpAddr,
    pub(crate) port: u16,
}

/// Starts the server, then runs the watch loop until Ctrl-C.
pub(crate) fn serve(opts: &BuildOptions, w: &WatchOptions, s: &ServeOptions) -> Result<(), Fatal> {
    let addr = SocketAddr::new(s.bind, s.port);
    let listener = TcpListener::bind(addr).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => Fatal(format!(
            "port {} is already in use on {}; choose another with --port",
            s.port, s.bind
        )),
        _ => Fatal(format!("cannot listen on {addr}: {e}")),
    })?;
    let local = listener
        .local_addr()
        .map_err(|e| Fatal(format!("cannot listen: {e}")))?;
    let state = Arc::new(RwLock::new(State::default()));
    // A preview on loopback answers only to local names: a web page that points its own
    // domain at 127.0.0.1 (DNS rebinding) cannot read it.
    let loopback_only = s.bind.is_loopback();
    let clients: Arc<Mutex<Vec<TcpStream>>> = Arc::new(Mutex::new(Vec::new()));
    {
        let state = state.clone();
        let clients = clients.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = state.clone();
                let clients = clients.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &state, &clients, loopback_only);
                });
            }
        });
    }
    // The address really listened on: `[::1]:1111` for `--bind ::1`, not 127.0.0.1.
    let shown = local.to_string();
    say!("serving on http://{shown}/ (Ctrl-C to stop)");
    if !s.bind.is_loopback() {
        say!(
            "warning: listening on {} — other machines on the network can read this preview",
            s.bind
        );
    }
    let mut opts = opts.clone();
    if opts.base_url.is_none() {
        opts.base_url = Some(format!("http://{shown}/"));
    }
    watch::run(&opts, w, &mut |outcome| {
        {
            let mut st = state.write().expect("state lock");
            match outcome {
                Outcome::Built { output, pages } => {
                    st.output = output.clone();
                    st.languages = pages.keys().cloned().collect();
                    st.error = None;
                }
                Outcome::Failed(text) => st.error = Some(text),
            }
        }
        broadcast(&clients, "reload");
    })
}

fn broadcast(clients: &Mutex<Vec<TcpStream>>, text: &str) {
    let mut frame = vec![0x81u8];
    frame.push(text.len() as u8);
    frame.extend_from_slice(text.as_bytes());
    let mut list = clients.lock().expect("clients lock");
    list.retain_mut(|c| c.write_all(&frame).is_ok());
}

struct Request {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let path = parts.next()?.to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 || h == "\r\n" || h == "\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
        if headers.len() > 100 {
            return None;
        }
    }
    Some(Request {
        method,
        path,
        headers,
    })
}

fn handle(
    mut stream: TcpStream,
    state: &RwLock<State>,
    clients: &Mutex<Vec<TcpStream>>,
    loopback_only: bool,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let Some(req) = read_request(&stream) else {
        return Ok(());
    };
    if loopback_only && !is_local_host(req.headers.get("host").map(String::as_str)) {
        return respond(
            &mut stream,
            403,
            "text/plain; charset=utf-8",
            b"this preview answers only to localhost or a loopback address\n",
            &req,
            "",
        );
    }
    if req.method != "GET" && req.method != "HEAD" {
        return respond(
            &mut stream,
            405,
            "text/plain; charset=utf-8",
            b"method not allowed\n",
            &req,
            "",
        );
    }
    let path = req.path.split(['?', '#']).next().unwrap_or("/").to_string();
    if path == RELOAD_PATH {
        return upgrade(stream, &req, clients);
    }
    if path == "/__playbook/livereload.js" {
        return respond(
            &mut stream,
            200,
            "text/javascript; charset=utf-8",
            RELOAD_JS.as_bytes(),
            &req,
            "",
        );
    }
    if path == "/__playbook/overlay.css" {
        return respond(
            &mut stream,
            200,
            "text/css; charset=utf-8",
            OVERLAY_CSS.as_bytes(),
            &req,
            "",
        );
    }
    let Some(decoded) = percent_decode(&path) else {
        return respond(
            &mut stream,
            400,
            "text/plain; charset=utf-8",
            b"bad request\n",
            &req,
            "",
        );
    };
    // Never anything outside the site: no `..`, no backslashes, no NUL.
    if decoded.split('/').any(|seg| seg == ".." || seg == ".")
        || decoded.contains('\\')
        || decoded.contains('\0')
    {
        return respond(
            &mut stream,
            403,
            "text/plain; charset=utf-8",
            b"forbidden\n",
            &req,
            "",
        );
    }
    let rel = decoded.trim_start_matches('/').to_string();
    let st = state.read().expect("state lock");
    let (status, file, body) = if let Some(b) = st
        .output
        .get(&rel)
        .filter(|_| !rel.is_empty() && !rel.ends_with('/'))
    {
        (200, rel.clone(), b.clone())
    } else if let Some(b) = st
        .output
        .get(&format!("{rel}index.html"))
        .filter(|_| rel.is_empty() || rel.ends_with('/'))
    {
        (200, format!("{rel}index.html"), b.clone())
    } else if st.output.contains_key(&format!("{rel}/index.html")) {
        drop(st);
        let location = format!("/{rel}/");
        let head = format!("HTTP/1.1 301 Moved Permanently\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return stream.write_all(head.as_bytes());
    } else {
        let lang = rel.split('/').next().unwrap_or("");
        let page = if st.languages.iter().any(|l| l == lang) {
            format!("{lang}/404.html")
        } else {
            "404.html".to_string()
        };
        match st.output.get(&page) {
            Some(b) => (404, page, b.clone()),
            None if st.error.is_some() => (404, "error.html".into(), b"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Build error</title></head><body></body></html>".to_vec()),
            None => (404, "404.txt".into(), b"not found\n".to_vec()),
        }
    };
    let ctype = content_type(&file);
    let body = if ctype.starts_with("text/html") {
        inject(body, st.error.as_deref())
    } else {
        body
    };
    drop(st);
    let host = req.headers.get("host").cloned().unwrap_or_default();
    respond(&mut stream, status, ctype, &body, &req, &host)
}

/// Adds the reload script and, when the last build failed, the error overlay.
/// Whether a `Host` header names this machine: `localhost`, a loopback address, or none
/// (HTTP/1.0).
fn is_local_host(host: Option<&str>) -> bool {
    let Some(host) = host else { return true };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn inject(html: Vec<u8>, error: Option<&str>) -> Vec<u8> {
    let Ok(mut text) = String::from_utf8(html.clone()) else {
        return html;
    };
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

fn respond(
    stream: &mut TcpStream,
    status: u16,
    ctype: &str,
    body: &[u8],
    req: &Request,
    host: &str,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Error",
    };
    let connect = if host.is_empty() {
        String::new()
    } else {
        format!("; connect-src 'self' ws://{host}")
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nContent-Security-Policy: default-src 'self'{connect}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if req.method != "HEAD" {
        stream.write_all(body)?;
    }
    stream.flush()
}

pub(crate) fn content_type(path: &str) -> &'static str {
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

/// Completes the WebSocket handshake and keeps the connection for reload messages.
fn upgrade(
    mut stream: TcpStream,
    req: &Request,
    clients: &Mutex<Vec<TcpStream>>,
) -> std::io::Result<()> {
    let Some(key) = req.headers.get("sec-websocket-key") else {
        return respond(
            &mut stream,
            400,
            "text/plain; charset=utf-8",
            b"expected a WebSocket upgrade\n",
            req,
            "",
        );
    };
    let accept = base64(&sha1(
        format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11").as_bytes(),
    ));
    let head = format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
    stream.set_read_timeout(None)?;
    {
        // Registered before the client can read the answer, so no reload is missed, and
        // under the lock, so no reload frame comes before the handshake.
        let mut list = clients.lock().expect("clients lock");
        stream.write_all(head.as_bytes())?;
        list.push(stream.try_clone()?);
    }
    // Read (and ignore) frames until the browser goes away.
    let mut buf = [0u8; 512];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
    Ok(())
}

fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut msg = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&bit_len.to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 80];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_accept_matches_rfc_6455_example() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let accept = base64(&sha1(
            format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11").as_bytes(),
        ));
        assert_eq!(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

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
            None,
            Some("localhost:1111"),
            Some("127.0.0.1:8080"),
            Some("[::1]:1111"),
            Some("app.localhost"),
        ] {
            assert!(is_local_host(host), "{host:?}");
        }
        for host in [
            Some("evil.example:1111"),
            Some("evil.example"),
            Some("10.0.0.1:1111"),
            Some(""),
        ] {
            assert!(!is_local_host(host), "{host:?}");
        }
    }

    #[test]
    fn overlay_is_escaped() {
        let html = inject(
            b"<html><head></head><body><p>x</p></body></html>".to_vec(),
            Some("error: <b>"),
        );
        let text = String::from_utf8(html).unwrap();
        assert!(text.contains("&lt;b&gt;"));
        assert!(text.contains("/__playbook/livereload.js"));
    }
}
