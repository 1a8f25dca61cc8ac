//! HTTP/1.1 for the preview, bounded: connections are accepted up to a cap, a request head is
//! read within a size limit and a deadline (then parsed by `httparse`, the parser hyper uses),
//! and an answer is written within a deadline, then the connection is closed — one request per
//! connection, no body ever read, so no request can be smuggled behind another. What a request
//! is answered with is decided elsewhere (`mod.rs`, `site.rs`, `livereload.rs`).

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tungstenite::http::StatusCode;

/// The most a request head (request line and headers) may take: 431 beyond, 414 when the
/// request line alone is longer.
pub(super) const MAX_HEAD: usize = 16 * 1024;
/// The most headers a request may have: 431 beyond. Browsers send about twenty.
const MAX_HEADERS: usize = 64;
/// The whole head must arrive within this time, however it trickles in.
const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// The whole answer must be taken by the client within this time.
const ANSWER_DEADLINE: Duration = Duration::from_secs(30);
/// Connections open at once, live-reload sockets included: one more gets a 503.
const MAX_CONNECTIONS: usize = 64;
/// A connection's thread only parses and copies bytes.
const STACK: usize = 512 * 1024;

/// A request head, parsed. Header names are lowercase.
pub(super) struct Request {
    pub(super) method: String,
    pub(super) target: String,
    /// The minor version: `HTTP/1.0` or `HTTP/1.1`.
    pub(super) minor: u8,
    pub(super) headers: Vec<(String, String)>,
}

impl Request {
    /// Every value of header `name` (lowercase).
    pub(super) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> {
        self.headers
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of a header that may appear at most once; `Err` when it appears twice.
    pub(super) fn single<'a>(&'a self, name: &'a str) -> Result<Option<&'a str>, ()> {
        let mut values = self.all(name);
        match (values.next(), values.next()) {
            (first, None) => Ok(first),
            _ => Err(()),
        }
    }
}

/// An answer: status, content type, body and any further headers.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) content_type: &'static str,
    pub(super) body: Vec<u8>,
    pub(super) headers: Vec<(&'static str, String)>,
}

impl Answer {
    pub(super) fn new(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Self {
        Answer {
            status,
            content_type,
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// A short plain-text answer, for errors.
    pub(super) fn text(status: u16, message: &str) -> Self {
        Answer::new(status, "text/plain; charset=utf-8", format!("{message}\n"))
    }

    pub(super) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// Accepts connections until the listener fails, each handled on its own thread by `handle`
/// while fewer than `MAX_CONNECTIONS` are open; beyond that, a 503 and the connection is closed.
pub(super) fn accept<H>(listener: TcpListener, handle: H)
where
    H: Fn(TcpStream) + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    let open = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let stream = match stream {
            Ok(stream) => stream,
            Err(_) => {
                // Out of file descriptors, or a connection reset before it was accepted:
                // give the open connections a moment to finish rather than spin.
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let Some(slot) = Slot::take(&open) else {
            busy(stream);
            continue;
        };
        let handle = handle.clone();
        // A thread that cannot start (out of memory) only loses this connection.
        let _ = std::thread::Builder::new()
            .name("preview".into())
            .stack_size(STACK)
            .spawn(move || {
                let _slot = slot;
                handle(stream);
            });
    }
}

/// One of the `MAX_CONNECTIONS` places, given back when dropped.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(open: &Arc<AtomicUsize>) -> Option<Slot> {
        open.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
            (n < MAX_CONNECTIONS).then_some(n + 1)
        })
        .ok()
        .map(|_| Slot(open.clone()))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Too many connections: a 503 without reading the request, then closed.
fn busy(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let _ = stream.write_all(
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let _ = stream.shutdown(Shutdown::Both);
}

/// Why no request could be read: an answer to send, or nothing (the client left or stalled).
pub(super) enum Unread {
    Refuse(Answer),
    Gone,
}

/// Reads one request head: at most `MAX_HEAD` bytes, all within `HEAD_DEADLINE`.
pub(super) fn read_head(stream: &mut TcpStream) -> Result<Request, Unread> {
    let deadline = Instant::now() + HEAD_DEADLINE;
    let mut buf: Vec<u8> = Vec::with_capacity(2048);
    let mut chunk = [0u8; 4096];
    let end = loop {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(Unread::Gone)?;
        stream
            .set_read_timeout(Some(left))
            .map_err(|_| Unread::Gone)?;
        let n = match stream.read(&mut chunk) {
            Ok(0) => return Err(Unread::Gone),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return Err(Unread::Gone),
        };
        // Only the new bytes (and the three before them) can complete the blank line.
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = head_end(&buf[from..]).map(|i| from + i) {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Err(Unread::Refuse(too_large(&buf)));
        }
    };
    if end > MAX_HEAD {
        return Err(Unread::Refuse(too_large(&buf)));
    }
    parse(&buf[..end]).map_err(Unread::Refuse)
}

/// Where the head ends (just after its blank line), if it does within `bytes`.
fn head_end(bytes: &[u8]) -> Option<usize> {
    let crlf = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4);
    let lf = bytes.windows(2).position(|w| w == b"\n\n").map(|i| i + 2);
    crlf.into_iter().chain(lf).min()
}

fn too_large(buf: &[u8]) -> Answer {
    let line = buf.iter().position(|&b| b == b'\n').unwrap_or(buf.len());
    if line > MAX_HEAD {
        Answer::text(414, "the request line is too long")
    } else {
        Answer::text(431, "the request headers are too large")
    }
}

/// Parses a complete head.
fn parse(head: &[u8]) -> Result<Request, Answer> {
    let bad = |what: &str| Answer::text(400, &format!("bad request: {what}"));
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(bad("incomplete head")),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Answer::text(431, "too many request headers"))
        }
        Err(e) => return Err(bad(&e.to_string())),
    }
    let headers = req
        .headers
        .iter()
        .map(|h| {
            let value = std::str::from_utf8(h.value).map_err(|_| bad("a header is not UTF-8"))?;
            Ok((h.name.to_ascii_lowercase(), value.trim().to_string()))
        })
        .collect::<Result<_, Answer>>()?;
    Ok(Request {
        method: req.method.unwrap_or_default().to_string(),
        target: req.path.unwrap_or_default().to_string(),
        minor: req.version.unwrap_or(1),
        headers,
    })
}

/// Writes `answer` (its head only for `HEAD`), then closes the connection.
pub(super) fn respond(stream: &mut TcpStream, answer: &Answer, head_only: bool) {
    let deadline = Instant::now() + ANSWER_DEADLINE;
    let reason = StatusCode::from_u16(answer.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
        answer.status,
        answer.content_type,
        answer.body.len()
    );
    for (name, value) in &answer.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Connection: close\r\n\r\n");
    let written = write_by(stream, head.as_bytes(), deadline)
        .and_then(|()| match head_only {
            true => Ok(()),
            false => write_by(stream, &answer.body, deadline),
        })
        .is_ok();
    if written {
        linger(stream);
    }
}

/// Writes everything before `deadline`, however slowly the client reads.
fn write_by(stream: &mut TcpStream, mut bytes: &[u8], deadline: Instant) -> std::io::Result<()> {
    while !bytes.is_empty() {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|d| !d.is_zero())
            .ok_or(ErrorKind::TimedOut)?;
        stream.set_write_timeout(Some(left))?;
        match stream.write(&bytes[..bytes.len().min(64 * 1024)]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Closes gently: what the client sent beyond the head is read and dropped for a moment, so
/// that closing does not reset the connection before the client has read the answer (a
/// refused 20 KB head would otherwise lose its 431).
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let until = Instant::now() + Duration::from_secs(1);
    let mut sink = [0u8; 16 * 1024];
    let mut left: usize = 1024 * 1024;
    while left > 0 {
        let Some(wait) = until.checked_duration_since(Instant::now()) else {
            break;
        };
        if wait.is_zero() || stream.set_read_timeout(Some(wait)).is_err() {
            break;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_ends_at_the_first_blank_line() {
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n\r\nrest"), Some(27));
        assert_eq!(head_end(b"GET / HTTP/1.0\n\n"), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: a\r\n"), None);
    }

    #[test]
    fn parses_and_refuses() {
        let req = parse(b"GET /fr/?q=1 HTTP/1.1\r\nHost: a:1\r\nHOST: b\r\nOrigin: x\r\n\r\n")
            .ok()
            .unwrap();
        assert_eq!(
            (req.method.as_str(), req.target.as_str()),
            ("GET", "/fr/?q=1")
        );
        assert_eq!(req.minor, 1);
        assert!(req.single("host").is_err(), "two Host headers");
        assert_eq!(req.single("origin"), Ok(Some("x")));
        assert_eq!(req.single("cookie"), Ok(None));
        let status = |head: &[u8]| parse(head).err().map(|a| a.status);
        assert_eq!(status(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n"), Some(400));
        assert_eq!(status(b"GET / HTTP/1.1\r\nX: \xff\r\n\r\n"), Some(400));
        let many: String = (0..=MAX_HEADERS).map(|i| format!("X-{i}: 1\r\n")).collect();
        assert_eq!(
            status(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()),
            Some(431)
        );
        assert_eq!(too_large(&[b'a'; MAX_HEAD + 1]).status, 414);
        assert_eq!(too_large(b"GET / HTTP/1.1\r\nX: aaaa").status, 431);
    }
}
