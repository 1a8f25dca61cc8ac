//! What `playbook serve` promises against clients that misbehave, each fault found by an outside
//! review pinned by a test against the real binary run under `ulimit` (as an author's machine
//! may be): a huge request head is refused with 431 and does not grow the server's memory
//! (`ulimit -v`); WebSocket clients that close are dropped at once and slow clients cannot hold
//! connections open, so a small file limit (`ulimit -n 256`) is never exhausted; the live-reload
//! socket needs a proper upgrade from the served origin; the Host header is checked strictly.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::preview::{get, serve, serve_limited, websocket, Server};
use common::running::{DEADLINE, POLL};
use common::Site;

/// A small file limit: the old server ran out of descriptors under it.
const FEW_FILES: &str = "ulimit -n 256";

/// Sends `head` as it is and returns the status of the answer (`None`: no answer, only a
/// closed or reset connection).
fn status_of(port: u16, head: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()?;
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    // The server may answer and close before it has read everything: ignore write errors.
    let _ = stream.write_all(head);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let line = String::from_utf8_lossy(&answer);
    line.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// Polls `GET /` until it answers 200 (connection errors and 503 count as "not yet").
fn wait_until_answering(server: &mut Server, what: &str) -> Duration {
    let started = Instant::now();
    let port = server.port;
    server.run.wait_until(what, |_| {
        let head = format!("GET /fr/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        status_of(port, head.as_bytes()) == Some(200)
    });
    started.elapsed()
}

/// A value in kB from `/proc/<pid>/status` (`VmHWM`: the most memory the process ever held).
fn proc_status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// How many files the process has open.
fn open_files(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count()
}

/// Sends a request whose head never ends, `megabytes` long, as fast as the server takes it.
fn flood(port: u16, start: &str, megabytes: usize) {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
    stream.set_write_timeout(Some(DEADLINE)).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    let _ = stream.write_all(start.as_bytes());
    for _ in 0..megabytes {
        if stream.write_all(&chunk).is_err() {
            return;
        }
    }
}

#[test]
fn a_huge_request_head_is_refused_and_memory_stays_bounded() {
    let site = Site::from_fixture("basic");
    // About 450 MB of address space are taken at rest (thread stacks, allocator arenas): a
    // gigabyte of header would not fit; the old server died with "memory allocation failed".
    let mut server = serve_limited(&site, &format!("{FEW_FILES}; ulimit -v 1048576"));
    let port = server.port;
    let pid = server.run.pid();
    // Just under the limit: answered. Just over: 431 (a header), 414 (the request line).
    let head = |extra: &str| format!("GET /fr/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}\r\n");
    let filler = |n: usize| "a".repeat(n);
    assert_eq!(
        status_of(
            port,
            head(&format!("X-Big: {}\r\n", filler(15_000))).as_bytes()
        ),
        Some(200)
    );
    assert_eq!(
        status_of(
            port,
            head(&format!("X-Big: {}\r\n", filler(17_000))).as_bytes()
        ),
        Some(431)
    );
    let line = format!(
        "GET /{} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",
        filler(17_000)
    );
    assert_eq!(status_of(port, line.as_bytes()), Some(414));
    // A gigabyte of header, then of request line: the server stays up and small.
    let header_start = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Big: ");
    flood(port, &header_start, 1024);
    flood(port, "GET /", 1024);
    server.run.assert_alive();
    wait_until_answering(&mut server, "an answer after the flood");
    let peak = proc_status_kb(pid, "VmHWM");
    assert!(
        peak < 200_000,
        "the server held {peak} kB at its peak\n{}",
        server.run.describe()
    );
}

#[test]
fn closed_websocket_clients_are_dropped_at_once() {
    let site = Site::from_fixture("basic");
    let mut server = serve_limited(&site, FEW_FILES);
    let pid = server.run.pid();
    let before = open_files(pid);
    for i in 0..1000 {
        let ws = websocket(server.port);
        // Half leave politely (a close frame), half just go away.
        if i % 2 == 0 {
            let mut ws = ws;
            let _ = ws.write_all(&[0x88, 0x80, 1, 2, 3, 4]);
        }
    }
    assert_eq!(get(server.port, "/fr/").status, 200, "still answering");
    server
        .run
        .wait_until("the closed sockets to be released", |_| {
            open_files(pid) <= before + 2
        });
}

#[test]
fn slow_clients_cannot_hold_the_server() {
    let site = Site::from_fixture("basic");
    let mut server = serve_limited(&site, FEW_FILES);
    let port = server.port;
    // More connections than the server may open files, each sending its head one byte at a
    // time, never finishing it.
    let mut slow: Vec<TcpStream> = (0..300)
        .filter_map(|_| TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok())
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let trickle = {
        let streams: Vec<TcpStream> = slow.iter().map(|s| s.try_clone().unwrap()).collect();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut streams = streams;
            while !stop.load(Ordering::SeqCst) {
                for s in &mut streams {
                    let _ = s.write_all(b"X");
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        })
    };
    let waited = wait_until_answering(&mut server, "an answer while slow clients trickle");
    assert!(
        waited < Duration::from_secs(15),
        "answered only after {waited:?}"
    );
    // No connection lasts beyond the deadline for a request head (10 s): each one is closed
    // by the server while its client is still trickling.
    let started = Instant::now();
    for s in &mut slow {
        s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    }
    let mut open = slow.len();
    while open > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{open} slow connections still open after {:?}",
            started.elapsed()
        );
        open = 0;
        for s in &mut slow {
            let mut buf = [0u8; 512];
            match s.read(&mut buf) {
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    open += 1
                }
                _ => {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
        }
        std::thread::sleep(POLL);
    }
    stop.store(true, Ordering::SeqCst);
    trickle.join().unwrap();
    assert_eq!(get(port, "/fr/").status, 200);
}

/// The status a live-reload handshake gets with `headers` (after the request line and Host).
fn handshake(port: u16, headers: &str) -> Option<u16> {
    let head =
        format!("GET /__playbook/livereload HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}\r\n");
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).ok()?;
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(head.as_bytes()).ok()?;
    // Only the status line: a 101 keeps the connection open.
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") && stream.read_exact(&mut byte).is_ok() {
        line.push(byte[0]);
    }
    String::from_utf8_lossy(&line)
        .strip_prefix("HTTP/1.1 ")?
        .get(..3)?
        .parse()
        .ok()
}

#[test]
fn the_websocket_needs_a_proper_upgrade_from_the_served_origin() {
    let site = Site::from_fixture("basic");
    let server = serve(&site);
    let port = server.port;
    let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    let version = "Sec-WebSocket-Version: 13\r\n";
    let origin = format!("Origin: http://127.0.0.1:{port}\r\n");
    let good = format!("{upgrade}{version}{key}{origin}");
    assert_eq!(handshake(port, &good), Some(101), "a proper upgrade");
    let refused = [
        ("no Origin", format!("{upgrade}{version}{key}")),
        (
            "another site's Origin",
            format!("{upgrade}{version}{key}Origin: http://evil.example\r\n"),
        ),
        (
            "another port's Origin",
            format!(
                "{upgrade}{version}{key}Origin: http://127.0.0.1:{}\r\n",
                port.wrapping_add(1)
            ),
        ),
        (
            "Origin null",
            format!("{upgrade}{version}{key}Origin: null\r\n"),
        ),
        (
            "no Upgrade header",
            format!("Connection: Upgrade\r\n{version}{key}{origin}"),
        ),
        (
            "no Connection: upgrade",
            format!("Upgrade: websocket\r\n{version}{key}{origin}"),
        ),
        (
            "another protocol",
            format!("Upgrade: h2c\r\nConnection: Upgrade\r\n{version}{key}{origin}"),
        ),
        (
            "version 8",
            format!("{upgrade}Sec-WebSocket-Version: 8\r\n{key}{origin}"),
        ),
        ("no key", format!("{upgrade}{version}{origin}")),
    ];
    for (what, headers) in &refused {
        let status = handshake(port, headers);
        assert!(
            matches!(status, Some(400 | 403 | 426)),
            "{what}: answered {status:?}"
        );
    }
    // The origin check names the server's own origin in both spellings a browser may use.
    let localhost = format!(
        "GET /__playbook/livereload HTTP/1.1\r\nHost: localhost:{port}\r\n{upgrade}{version}{key}Origin: http://localhost:{port}\r\n\r\n"
    );
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(localhost.as_bytes()).unwrap();
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 101");
}

#[test]
fn the_host_header_is_checked_strictly() {
    let site = Site::from_fixture("basic");
    let server = serve(&site);
    let port = server.port;
    let with_hosts = |hosts: &[&str]| {
        let lines: String = hosts.iter().map(|h| format!("Host: {h}\r\n")).collect();
        status_of(
            port,
            format!("GET /fr/ HTTP/1.1\r\n{lines}Connection: close\r\n\r\n").as_bytes(),
        )
    };
    assert_eq!(with_hosts(&[&format!("127.0.0.1:{port}")]), Some(200));
    assert_eq!(with_hosts(&[&format!("[::1]:{port}")]), Some(200));
    assert_eq!(with_hosts(&[&format!("localhost:{port}")]), Some(200));
    for host in [
        "[::1]evil.example",
        "[::1]evil.example:80",
        "[::1]:80evil",
        "localhost:evil",
        "evil.example",
        "127.0.0.1.evil.example",
    ] {
        let status = with_hosts(&[host]);
        assert!(
            matches!(status, Some(400 | 403)),
            "Host: {host}: {status:?}"
        );
    }
    // Two Host headers: which one counts is ambiguous, so neither does.
    let local = format!("127.0.0.1:{port}");
    assert_eq!(with_hosts(&["evil.example", &local]), Some(400));
    assert_eq!(with_hosts(&[&local, &local]), Some(400));
    // HTTP/1.1 requires a Host.
    assert_eq!(
        status_of(port, b"GET /fr/ HTTP/1.1\r\nConnection: close\r\n\r\n"),
        Some(400)
    );
}
