//! A real `clamd` (ClamAV's daemon, Debian's clamav-daemon, installed by
//! `scripts/test`) for the archive's virus-scanning tests, started on a free
//! loopback port with a signature database the test writes itself: the
//! EICAR test string as a body signature (signature downloads are not
//! possible here, and the test must not depend on them).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The EICAR anti-virus test string: harmless, and every scanner's test.
pub const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// The name the test database gives EICAR (clamd adds `.UNOFFICIAL` to a
/// signature of an unsigned database).
pub const EICAR_SIGNATURE: &str = "Kerjasama.Test.EICAR.UNOFFICIAL";

/// A running clamd; stopped when dropped.
pub struct Clamd {
    pub addr: String,
    dir: PathBuf,
    child: Option<Child>,
}

fn binary() -> PathBuf {
    ["/usr/sbin/clamd", "/usr/bin/clamd"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("clamd is not installed: scripts/test installs Debian's clamav-daemon")
}

impl Clamd {
    /// Writes the configuration and the EICAR database and starts clamd on a
    /// free loopback port; returns once it accepts connections.
    pub fn start() -> Clamd {
        let dir = crate::scratch_dir("clamd");
        std::fs::create_dir_all(dir.join("db")).unwrap();
        std::fs::write(
            dir.join("db").join("kerjasama-test.ndb"),
            format!("Kerjasama.Test.EICAR:0:*:{}\n", hex::encode(EICAR)),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::write(
            dir.join("clamd.conf"),
            format!(
                "Foreground yes\nDatabaseDirectory {db}\nTCPSocket {port}\nTCPAddr 127.0.0.1\n\
                 LogFile {log}\nStreamMaxLength 100M\nSelfCheck 0\n",
                db = dir.join("db").display(),
                log = dir.join("clamd.log").display(),
            ),
        )
        .unwrap();
        let mut clamd = Clamd {
            addr: format!("127.0.0.1:{port}"),
            dir,
            child: None,
        };
        clamd.restart();
        clamd
    }

    /// Starts it again on the same port after [`Clamd::stop`].
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "clamd is running");
        let child = Command::new(binary())
            .arg("-c")
            .arg(self.dir.join("clamd.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start clamd");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(&self.addr).is_err() {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "clamd exited ({status}): {}",
                    std::fs::read_to_string(self.dir.join("clamd.log")).unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "clamd did not start listening within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops it: scans get no verdict until [`Clamd::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
