//! A real S3-compatible server for the archive's S3 store: moto's server
//! (PyPI, pinned in tests/clients/s3-requirements.txt, installed by
//! scripts/clients.sh into its own venv, `KERJASAMA_S3_PYTHON`), started on a
//! free loopback port with one bucket.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kerjasama_core::archive::S3Settings;

/// A running S3 server; stopped when dropped.
pub struct S3Server {
    pub endpoint: String,
    port: u16,
    child: Option<Child>,
}

impl S3Server {
    /// Starts the server and creates `bucket` in it.
    pub async fn start(bucket: &str) -> S3Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = S3Server {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            child: None,
        };
        server.restart();
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
        server
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

    /// Starts it (again, on the same port after [`S3Server::stop`]; moto
    /// keeps nothing across a restart).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the S3 server is running");
        let python = std::env::var("KERJASAMA_S3_PYTHON").unwrap_or_else(|_| {
            panic!(
                "KERJASAMA_S3_PYTHON is not set: run the suite with scripts/test, or first \
                 `. scripts/clients.sh`, which installs the S3 server's venv"
            )
        });
        let child = Command::new(python)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p"])
            .arg(self.port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto's S3 server");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("the S3 server exited ({status})");
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the S3 server did not listen within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops it: the bucket cannot be reached until [`S3Server::restart`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}
