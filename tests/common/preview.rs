//! A browser for `playbook serve` in tests: the real binary on a free port (optionally under
//! `ulimit`), a small HTTP client and a WebSocket client written over `std::net::TcpStream`, so
//! that what is checked is the bytes on the wire. Every wait is a condition polled against a
//! deadline.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::time::Instant;

use super::running::{Running, DEADLINE, POLL};
use super::Site;

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A preview server on a free port, after its first build (good or bad).
pub struct Server {
    pub run: Running,
    pub port: u16,
}

pub fn serve(site: &Site) -> Server {
    serve_limited(site, "")
}

/// `serve_limited(site, "ulimit -n 256")`: the server under the shell's resource limits.
pub fn serve_limited(site: &Site, limits: &str) -> Server {
    // Another process may take the free port before the server does: then try another one.
    for _ in 0..3 {
        let port = free_port();
        let args = ["serve", "--port", &port.to_string()];
        let mut run = if limits.is_empty() {
            Running::start(site, &args)
        } else {
            Running::start_limited(site, limits, &args)
        };
        let started = Instant::now();
        loop {
            let out = run.out();
            if out.contains("serving on ")
                && out.contains("watching ")
                && run.builds() + run.failures() >= 1
            {
                return Server { run, port };
            }
            if let Some(status) = run.exited() {
                run.wait_exit();
                assert!(
                    run.err().contains("already in use"),
                    "playbook serve exited ({status})\n{}",
                    run.describe()
                );
                break;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "waited {DEADLINE:?} for the server\n{}",
                run.describe()
            );
            std::thread::sleep(POLL);
        }
    }
    panic!("no free port found in three tries");
}

// ---------------------------------------------------------------------------------------------
// HTTP and WebSocket clients

pub struct Response {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
}

/// Sends `GET <target>` exactly as given (no normalisation) and reads the whole answer.
pub fn get(port: u16, target: &str) -> Response {
    request(port, "GET", target)
}

pub fn request(port: u16, method: &str, target: &str) -> Response {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8(raw[..split].to_vec()).expect("UTF-8 headers");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let response = Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    if method != "HEAD" {
        assert_eq!(
            response.header("content-length"),
            response.body.len().to_string(),
            "Content-Length of {target}"
        );
    }
    response
}

/// Opens the live-reload WebSocket; returns once the server has accepted the handshake.
pub fn websocket(port: u16) -> TcpStream {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    write!(
        stream,
        "GET /__playbook/livereload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n\r\n"
    )
    .unwrap();
    // Byte by byte, so that no frame after the handshake is swallowed.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).expect("read the handshake");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(
        head.starts_with("HTTP/1.1 101"),
        "WebSocket handshake refused:\n{head}"
    );
    assert!(
        head.to_ascii_lowercase()
            .contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
        "wrong Sec-WebSocket-Accept (RFC 6455 example key):\n{head}"
    );
    stream
}

/// Reads the next text frame (the server sends small unmasked frames).
pub fn read_text_frame(stream: &mut TcpStream) -> String {
    loop {
        let mut h = [0u8; 2];
        stream.read_exact(&mut h).expect("a WebSocket frame");
        let opcode = h[0] & 0x0f;
        let mut len = u64::from(h[1] & 0x7f);
        if len == 126 {
            let mut b = [0u8; 2];
            stream.read_exact(&mut b).unwrap();
            len = u64::from(u16::from_be_bytes(b));
        } else if len == 127 {
            let mut b = [0u8; 8];
            stream.read_exact(&mut b).unwrap();
            len = u64::from_be_bytes(b);
        }
        assert_eq!(h[1] & 0x80, 0, "server frames are not masked");
        let mut payload = vec![0u8; len as usize];
        stream.read_exact(&mut payload).unwrap();
        match opcode {
            1 => return String::from_utf8(payload).expect("a UTF-8 text frame"),
            0x9 | 0xA => continue,
            other => panic!("unexpected WebSocket opcode {other}"),
        }
    }
}

/// Polls `GET <target>` until `cond` holds.
pub fn wait_for_page(
    server: &mut Server,
    target: &str,
    what: &str,
    mut cond: impl FnMut(&Response) -> bool,
) -> Response {
    let port = server.port;
    let mut last = None;
    server.run.wait_until(what, |_| {
        let r = get(port, target);
        let ok = cond(&r);
        last = Some(r);
        ok
    });
    last.unwrap()
}
