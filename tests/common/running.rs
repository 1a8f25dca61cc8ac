//! A `playbook` process running in the background (`build --watch`, `serve`), its output
//! collected by threads, and waits on conditions against a deadline: never a fixed sleep.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Site;

/// Generous, for a loaded CI machine; a passing test never waits this long.
pub const DEADLINE: Duration = Duration::from_secs(30);
pub const POLL: Duration = Duration::from_millis(20);

/// A running `playbook`, killed when dropped.
pub struct Running {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

fn collect(stream: impl Read + Send + 'static, into: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while matches!(reader.read_line(&mut line), Ok(n) if n > 0) {
            into.lock().unwrap().push_str(&line);
            line.clear();
        }
    })
}

impl Running {
    /// `playbook --root <site> <args…>`.
    pub fn start(site: &Site, args: &[&str]) -> Running {
        Running::start_bin(Path::new(env!("CARGO_BIN_EXE_playbook")), site, args)
    }

    pub fn start_bin(bin: &Path, site: &Site, args: &[&str]) -> Running {
        Running::spawn(Command::new(bin).arg("--root").arg(site.root()).args(args))
    }

    fn spawn(command: &mut Command) -> Running {
        let mut child = command
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the playbook binary");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone()),
            collect(child.stderr.take().unwrap(), stderr.clone()),
        ];
        Running {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    /// `playbook --root <site> <args…>` under the shell's resource limits, e.g.
    /// `ulimit -n 256; ulimit -v 1048576`: bash sets them, then becomes playbook (`exec`), so
    /// the process id is playbook's.
    pub fn start_limited(site: &Site, limits: &str, args: &[&str]) -> Running {
        let script = format!("{limits}; exec \"$0\" \"$@\"");
        let mut all = vec![
            "-c",
            script.as_str(),
            env!("CARGO_BIN_EXE_playbook"),
            "--root",
            site.root().to_str().expect("UTF-8 temp path"),
        ];
        all.extend_from_slice(args);
        Running::spawn(Command::new("bash").args(&all))
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, once the process has ended.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    pub fn out(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    pub fn err(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn describe(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.out(), self.err())
    }

    /// Polls `cond` until it holds; fails after the deadline or if the process exits.
    pub fn wait_until(&mut self, what: &str, mut cond: impl FnMut(&Running) -> bool) {
        let started = Instant::now();
        loop {
            if cond(self) {
                return;
            }
            if let Some(status) = self.exited() {
                panic!(
                    "playbook exited ({status}) while waiting for {what}\n{}",
                    self.describe()
                );
            }
            if started.elapsed() > DEADLINE {
                panic!("waited {DEADLINE:?} for {what}\n{}", self.describe());
            }
            std::thread::sleep(POLL);
        }
    }

    /// Successful builds so far (full or incremental).
    pub fn builds(&self) -> usize {
        self.out()
            .lines()
            .filter(|l| l.starts_with("built ") || l.starts_with("updated "))
            .count()
    }

    /// Failed builds so far.
    pub fn failures(&self) -> usize {
        self.err()
            .lines()
            .filter(|l| l.starts_with("the last good site is still in"))
            .count()
    }

    /// Waits for the first build, good or bad, and for the watcher to be ready.
    pub fn wait_ready(&mut self) {
        self.wait_until("the first build", |r| {
            r.out().contains("watching ") && r.builds() + r.failures() >= 1
        });
    }

    pub fn assert_alive(&mut self) {
        if let Some(status) = self.exited() {
            panic!("playbook exited ({status})\n{}", self.describe());
        }
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    pub fn interrupt(&mut self) {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -INT failed");
    }

    /// Waits for the process to end, then for the rest of its output.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for playbook") {
                break status;
            }
            if started.elapsed() > DEADLINE {
                panic!(
                    "playbook still running after {DEADLINE:?}\n{}",
                    self.describe()
                );
            }
            std::thread::sleep(POLL);
        };
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        status
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
