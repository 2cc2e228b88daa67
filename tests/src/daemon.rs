//! A server process a test starts, stops and starts again (clamd, the S3
//! server): spawned with its output discarded, waited for until its loopback
//! port accepts connections, killed when stopped or dropped.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The process and how to start it again.
pub struct Daemon {
    name: &'static str,
    port: u16,
    command: Box<dyn Fn() -> Command + Send + Sync>,
    /// Read into the panic message when the process exits at start.
    log: Option<PathBuf>,
    child: Option<Child>,
}

impl Daemon {
    /// A daemon `name` listening on 127.0.0.1:`port` once `command` runs;
    /// not started yet.
    pub fn new(
        name: &'static str,
        port: u16,
        command: impl Fn() -> Command + Send + Sync + 'static,
        log: Option<PathBuf>,
    ) -> Daemon {
        Daemon {
            name,
            port,
            command: Box::new(command),
            log,
            child: None,
        }
    }

    /// Starts it and returns once its port accepts connections (60 s at most).
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "{} is running", self.name);
        let child = (self.command)()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.name));
        let child = self.child.insert(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                let log = self
                    .log
                    .as_ref()
                    .and_then(|l| std::fs::read_to_string(l).ok())
                    .unwrap_or_default();
                panic!("{} exited ({status}): {log}", self.name);
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{} did not listen within 60 s",
                self.name
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops it (killed and reaped).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}
