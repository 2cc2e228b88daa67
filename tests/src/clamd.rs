//! A real `clamd` (ClamAV's daemon, Debian's clamav-daemon, installed by
//! `scripts/test`) for the archive's virus-scanning tests, started on a free
//! loopback port with a signature database the test writes itself: the
//! EICAR test string as a body signature (signature downloads are not
//! possible here, and the test must not depend on them).

use std::path::PathBuf;
use std::process::Command;

use crate::daemon::{Daemon, free_port};

/// The EICAR anti-virus test string: harmless, and every scanner's test.
pub const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

/// The name the test database gives EICAR (clamd adds `.UNOFFICIAL` to a
/// signature of an unsigned database).
pub const EICAR_SIGNATURE: &str = "Kerjasama.Test.EICAR.UNOFFICIAL";

/// A running clamd; stopped when dropped.
pub struct Clamd {
    pub addr: String,
    dir: PathBuf,
    daemon: Daemon,
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
        let port = free_port();
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
        let config = dir.join("clamd.conf");
        let mut daemon = Daemon::new(
            "clamd",
            port,
            move || {
                let mut command = Command::new(binary());
                command.arg("-c").arg(&config);
                command
            },
            Some(dir.join("clamd.log")),
        );
        daemon.start();
        Clamd {
            addr: format!("127.0.0.1:{port}"),
            dir,
            daemon,
        }
    }

    /// Starts it again on the same port after [`Clamd::stop`].
    pub fn restart(&mut self) {
        self.daemon.start();
    }

    /// Stops it: scans get no verdict until [`Clamd::restart`].
    pub fn stop(&mut self) {
        self.daemon.stop();
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        self.daemon.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
