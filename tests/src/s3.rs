//! A real S3-compatible server for the archive's S3 store: moto's server
//! (PyPI, pinned in tests/clients/s3-requirements.txt, installed by
//! scripts/clients.sh into its own venv, `KERJASAMA_S3_PYTHON`), started on a
//! free loopback port with one bucket.

use std::process::Command;

use crate::daemon::{Daemon, free_port};

use kerjasama_core::archive::S3Settings;

/// A running S3 server; stopped when dropped.
pub struct S3Server {
    pub endpoint: String,
    daemon: Daemon,
}

impl S3Server {
    /// Starts the server and creates `bucket` in it.
    pub async fn start(bucket: &str) -> S3Server {
        let port = free_port();
        let python = std::env::var("KERJASAMA_S3_PYTHON").unwrap_or_else(|_| {
            panic!(
                "KERJASAMA_S3_PYTHON is not set: run the suite with scripts/test, or first \
                 `. scripts/clients.sh`, which installs the S3 server's venv"
            )
        });
        let mut daemon = Daemon::new(
            "moto's S3 server",
            port,
            move || {
                let mut command = Command::new(&python);
                command
                    .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
                    .arg(port.to_string());
                command
            },
            None,
        );
        daemon.start();
        let (status, _, body) = crate::http_request(
            ([127, 0, 0, 1], port).into(),
            "PUT",
            &format!("/{bucket}"),
            None,
            &[],
            Some(b""),
        )
        .await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            daemon,
        }
    }

    /// The settings that reach `bucket` on this server.
    pub fn settings(&self, bucket: &str) -> S3Settings {
        S3Settings {
            bucket: bucket.into(),
            endpoint: self.endpoint.clone(),
            region: "us-east-1".into(),
            access_key_id: "kerjasama-test".into(),
            secret_access_key: "kerjasama-test-secret".into(),
        }
    }

    /// Stops it: the bucket cannot be reached (moto keeps nothing across a
    /// restart, so it is not started again).
    pub fn stop(&mut self) {
        self.daemon.stop();
    }
}
