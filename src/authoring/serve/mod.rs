//! The preview server: the watch loop plus an HTTP/1.1 server, on 127.0.0.1 unless asked,
//! that serves the last good build from memory, tells every open tab to reload over a
//! WebSocket after each rebuild, and shows the current build error as an overlay in the page.
//! Synchronous, a thread per connection, because a preview has one reader and a few tabs and
//! compile time matters more than throughput; bounded everywhere a client could make it grow
//! (`http.rs`: head size, connections, deadlines). `site.rs` decides what a path answers,
//! `livereload.rs` owns the socket. Nothing outside the built site is served.

mod http;
mod livereload;
mod site;

use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, RwLock};

use crate::authoring::watch::{self, Outcome, WatchOptions};
use crate::build::BuildOptions;
use crate::errors::Fatal;

use http::{read_head, respond, Answer, Request, Unread};
use livereload::{Tabs, RELOAD_JS, RELOAD_PATH};
use site::{is_local_host, Served, OVERLAY_CSS};

pub(crate) struct ServeOptions {
    pub(crate) bind: IpAddr,
    pub(crate) port: u16,
}

/// What every connection's thread shares.
struct Preview {
    served: RwLock<Served>,
    tabs: Tabs,
    /// A preview on loopback answers only to local names: a web page that points its own
    /// domain at 127.0.0.1 (DNS rebinding) cannot read it.
    loopback_only: bool,
    port: u16,
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
    let preview = Arc::new(Preview {
        served: RwLock::new(Served::default()),
        tabs: Tabs::default(),
        loopback_only: s.bind.is_loopback(),
        port: local.port(),
    });
    {
        let preview = preview.clone();
        std::thread::spawn(move || http::accept(listener, move |stream| handle(stream, &preview)));
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
            let mut served = preview.served.write().expect("preview lock");
            match outcome {
                Outcome::Built { output, pages } => {
                    served.output = output.clone();
                    served.languages = pages.keys().cloned().collect();
                    served.error = None;
                }
                Outcome::Failed(text) => served.error = Some(text),
            }
        }
        preview.tabs.reload_all();
    })
}

/// Reads one request and answers it.
fn handle(mut stream: TcpStream, preview: &Preview) {
    let req = match read_head(&mut stream) {
        Ok(req) => req,
        Err(Unread::Refuse(answer)) => return respond(&mut stream, &secure(answer, None), false),
        Err(Unread::Gone) => return,
    };
    let head_only = req.method == "HEAD";
    match route(&req, preview) {
        Route::Answer(answer) => respond(&mut stream, &secure(answer, host(&req)), head_only),
        Route::LiveReload => livereload::open(stream, &req, &preview.tabs, preview.port),
    }
}

/// The request's one well-formed Host header, if it has one.
fn host(req: &Request) -> Option<&str> {
    req.single("host")
        .ok()
        .flatten()
        .filter(|h| site::split_host(h).is_some())
}

/// The headers of every answer: the pages' own policy plus the live-reload socket, no caching.
fn secure(answer: Answer, host: Option<&str>) -> Answer {
    let connect = host.map_or(String::new(), |h| format!("; connect-src 'self' ws://{h}"));
    answer
        .header("Cache-Control", "no-store")
        .header("X-Content-Type-Options", "nosniff")
        .header(
            "Content-Security-Policy",
            format!("default-src 'self'{connect}"),
        )
}

enum Route {
    Answer(Answer),
    LiveReload,
}

fn route(req: &Request, preview: &Preview) -> Route {
    // One Host, well formed (HTTP/1.0 may leave it out); on loopback, a local name.
    let host = match (req.single("host"), host(req)) {
        (Ok(Some(_)), Some(host)) => Some(host),
        (Ok(None), _) if req.minor == 0 => None,
        _ => {
            let message = "bad request: expected one valid Host header";
            return Route::Answer(Answer::text(400, message));
        }
    };
    if preview.loopback_only && !host.is_none_or(is_local_host) {
        return Route::Answer(Answer::text(
            403,
            "this preview answers only to localhost or a loopback address",
        ));
    }
    if req.method != "GET" && req.method != "HEAD" {
        return Route::Answer(Answer::text(405, "method not allowed").header("Allow", "GET, HEAD"));
    }
    let path = req.target.split(['?', '#']).next().unwrap_or("/");
    Route::Answer(match path {
        RELOAD_PATH => return Route::LiveReload,
        "/__playbook/livereload.js" => {
            Answer::new(200, "text/javascript; charset=utf-8", RELOAD_JS)
        }
        "/__playbook/overlay.css" => Answer::new(200, "text/css; charset=utf-8", OVERLAY_CSS),
        _ => site::answer(&preview.served.read().expect("preview lock"), path),
    })
}
