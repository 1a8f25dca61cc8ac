//! Live reload: the script every preview page loads, and the WebSocket it opens. The socket is
//! accepted only for a proper upgrade (`tungstenite` checks `Upgrade`, `Connection`, the version
//! and the key, and computes the answer) coming from a page of the preview itself (`Origin` is
//! this server's own `http://host:port`), so no other site the author visits can open one.
//! Each socket has its own thread, which reads it all the time: a tab that closes is dropped at
//! once, and after each rebuild every open tab is sent `reload`.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::Mutex;
use std::time::Duration;

use tungstenite::handshake::server::{create_response, write_response};
use tungstenite::http;
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

use super::http::{respond, Answer, Request};
use super::site::split_host;

pub(super) const RELOAD_PATH: &str = "/__playbook/livereload";

/// The page script: reconnects after a server restart, reloads on every message.
pub(super) const RELOAD_JS: &str = r#"(function () {
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

/// How long a socket's thread waits for a frame before looking for a reload to send.
const POLL: Duration = Duration::from_millis(50);

/// The open tabs: one channel to each socket's thread, removed when the thread ends.
#[derive(Default)]
pub(super) struct Tabs {
    open: Mutex<(u64, BTreeMap<u64, mpsc::Sender<()>>)>,
}

impl Tabs {
    /// Tells every open tab to reload.
    pub(super) fn reload_all(&self) {
        let open = self.open.lock().expect("tabs lock");
        for tab in open.1.values() {
            let _ = tab.send(());
        }
    }

    fn add(&self) -> (Tab<'_>, Receiver<()>) {
        let (tx, rx) = mpsc::channel();
        let mut open = self.open.lock().expect("tabs lock");
        open.0 += 1;
        let id = open.0;
        open.1.insert(id, tx);
        (Tab { tabs: self, id }, rx)
    }
}

/// A registered tab, unregistered when dropped.
struct Tab<'a> {
    tabs: &'a Tabs,
    id: u64,
}

impl Drop for Tab<'_> {
    fn drop(&mut self) {
        self.tabs.open.lock().expect("tabs lock").1.remove(&self.id);
    }
}

/// Whether `origin` is this server as the browser named it in `host`: the page that opens
/// the socket was served from here.
fn is_own_origin(origin: Option<&str>, host: Option<&str>, port: u16) -> bool {
    let (Some(origin), Some(host)) = (origin, host) else {
        return false;
    };
    let Some((_, host_port)) = split_host(host) else {
        return false;
    };
    host_port.unwrap_or(80) == port && origin.eq_ignore_ascii_case(&format!("http://{host}"))
}

/// Answers a request for the live-reload socket: refuses it, or completes the handshake and
/// keeps the socket until the tab goes away.
pub(super) fn open(mut stream: TcpStream, req: &Request, tabs: &Tabs, port: u16) {
    let host = req.single("host").ok().flatten();
    let origin = req.single("origin").ok().flatten();
    if !is_own_origin(origin, host, port) {
        let answer = Answer::text(
            403,
            "the live-reload socket is for this preview's own pages",
        );
        return respond(&mut stream, &answer, false);
    }
    let mut request = http::Request::builder()
        .method(req.method.as_str())
        .uri(req.target.as_str())
        .version(match req.minor {
            0 => http::Version::HTTP_10,
            _ => http::Version::HTTP_11,
        });
    for (name, value) in &req.headers {
        request = request.header(name, value);
    }
    let response = match request.body(()).map(|r| create_response(&r)) {
        Ok(Ok(response)) => response,
        Ok(Err(tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::MissingSecWebSocketVersionHeader,
        ))) => {
            let answer = Answer::text(426, "this server speaks WebSocket version 13")
                .header("Sec-WebSocket-Version", "13");
            return respond(&mut stream, &answer, false);
        }
        Ok(Err(e)) => {
            let answer = Answer::text(400, &format!("expected a WebSocket upgrade: {e}"));
            return respond(&mut stream, &answer, false);
        }
        Err(_) => return respond(&mut stream, &Answer::text(400, "bad request"), false),
    };
    // Registered before the client can read the answer, so no reload is missed.
    let (_tab, reloads) = tabs.add();
    if write_response(&mut stream, &response).is_err()
        || stream.set_read_timeout(Some(POLL)).is_err()
        || stream
            .set_write_timeout(Some(Duration::from_secs(10)))
            .is_err()
    {
        return;
    }
    // A tab only ever sends a close frame or a pong: no need for room beyond that.
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(64 * 1024));
    let mut ws = WebSocket::from_raw_socket(stream, Role::Server, Some(config));
    loop {
        match reloads.try_recv() {
            Ok(()) => {
                if ws.send(Message::text("reload")).is_err() {
                    return;
                }
            }
            Err(TryRecvError::Empty) => {}
            Err(TryRecvError::Disconnected) => return,
        }
        match ws.read() {
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            // Closed, reset or broken: the tab is gone.
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_own_origin;

    #[test]
    fn only_the_served_origin_may_open_the_socket() {
        let own = |origin, host| is_own_origin(origin, host, 1111);
        assert!(own(Some("http://127.0.0.1:1111"), Some("127.0.0.1:1111")));
        assert!(own(Some("http://localhost:1111"), Some("localhost:1111")));
        assert!(own(Some("http://[::1]:1111"), Some("[::1]:1111")));
        assert!(!own(None, Some("127.0.0.1:1111")));
        assert!(!own(Some("null"), Some("127.0.0.1:1111")));
        assert!(!own(Some("http://evil.example"), Some("127.0.0.1:1111")));
        assert!(!own(Some("http://localhost:1111"), Some("127.0.0.1:1111")));
        assert!(!own(Some("http://127.0.0.1:2222"), Some("127.0.0.1:2222")));
        assert!(!own(Some("https://127.0.0.1:1111"), Some("127.0.0.1:1111")));
    }
}
