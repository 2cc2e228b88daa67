//! The contract from other languages: third-party clients in tests/clients/,
//! each run against a real server. A Python client (grpcio, stubs generated
//! from proto/ at test time) and a Node client (@grpc/grpc-js with
//! @grpc/proto-loader) create, list over pages, read rich errors and download a
//! report; a report's Parquet files are read alike by pyarrow, polars and
//! DuckDB; a gRPC-Web client (sonora) and browser CORS rules.
//!
//! `scripts/clients.sh` (sourced by scripts/test) installs their Python venv and
//! Node packages and exports `KERJASAMA_CLIENTS_PYTHON` and
//! `KERJASAMA_CLIENTS_NODE`; it also runs `buf lint` and `buf breaking`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kerjasama_core::codes::Role;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, authed, binary, scratch_dir, spawn_and_wait_for_address};
use tokio::io::AsyncReadExt;

/// How long one client script may run before it is killed and the test fails.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

/// The origin the gRPC-Web check's server allows (`--cors-origin`).
const WEB_ORIGIN: &str = "http://localhost:5173";

pub(crate) fn clients_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// A program that scripts/clients.sh installed, from the variable it exports.
fn installed(variable: &str) -> PathBuf {
    let path = std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            panic!(
                "{variable} is not set: run the suite with scripts/test, or first \
                 `. scripts/clients.sh`, which installs the client checks' Python venv and \
                 Node packages and exports KERJASAMA_CLIENTS_PYTHON and KERJASAMA_CLIENTS_NODE"
            )
        });
    assert!(
        path.exists(),
        "{variable}={} does not exist: run scripts/clients.sh again",
        path.display()
    );
    path
}

pub(crate) fn python() -> PathBuf {
    installed("KERJASAMA_CLIENTS_PYTHON")
}

fn node() -> PathBuf {
    installed("KERJASAMA_CLIENTS_NODE")
}

/// Runs `program tests/clients/<script> args…` with `envs` to its end, within
/// [`SCRIPT_TIMEOUT`], and asserts it exited 0; a failure shows its output.
async fn run_script(program: &Path, script: &str, args: &[&str], envs: &[(&str, &str)]) {
    let path = clients_dir().join(script);
    let mut command = tokio::process::Command::new(program);
    command
        .arg(&path)
        .args(args)
        .envs(envs.iter().copied())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(clients_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {} {}: {e}", program.display(), path.display()));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stdout = tokio::spawn(async move {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes).await;
        bytes
    });
    let stderr = tokio::spawn(async move {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes).await;
        bytes
    });
    let status = match tokio::time::timeout(SCRIPT_TIMEOUT, child.wait()).await {
        Ok(status) => Some(status.expect("wait for the client script")),
        Err(_) => {
            let _ = child.kill().await;
            None
        }
    };
    let stdout = String::from_utf8_lossy(&stdout.await.unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&stderr.await.unwrap()).into_owned();
    match status {
        None => panic!(
            "{script} {args:?} did not finish within {} s and was killed\n\
             --- stdout\n{stdout}\n--- stderr\n{stderr}",
            SCRIPT_TIMEOUT.as_secs()
        ),
        Some(status) => assert!(
            status.success(),
            "{script} {args:?} failed ({status})\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        ),
    }
    println!("{script}:\n{stdout}");
}

#[tokio::test]
async fn a_python_client_creates_pages_reads_bad_request_details_and_downloads_a_report() {
    let server = TestServer::start().await;
    let token = server.token("python-client", Role::Admin, None, None).await;
    let addr = server.addr.to_string();
    run_script(
        &python(),
        "python/client.py",
        &[],
        &[
            ("KERJASAMA_ADDR", addr.as_str()),
            ("KERJASAMA_TOKEN", token.as_str()),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_node_client_creates_pages_reads_bad_request_details_and_downloads_a_report() {
    let server = TestServer::start().await;
    let token = server.token("node-client", Role::Admin, None, None).await;
    let addr = server.addr.to_string();
    run_script(
        &node(),
        "node/client.mjs",
        &[],
        &[
            ("KERJASAMA_ADDR", addr.as_str()),
            ("KERJASAMA_TOKEN", token.as_str()),
        ],
    )
    .await;
}

#[tokio::test]
async fn pyarrow_polars_and_duckdb_read_a_runs_parquet_files_alike_with_dates_and_decimals() {
    let server = TestServer::start().await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    let token = server
        .token("parquet-reader", Role::Admin, None, None)
        .await;
    let run = server
        .reports()
        .run_report(authed(
            &token,
            pb::RunReportRequest {
                as_of: "2026-09-30".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("run a report")
        .into_inner();
    let run = server.finished(run).await;
    assert_eq!(run.state, pb::ReportRunState::Succeeded as i32, "{run:?}");

    // The run's folder, as someone with access to the server's disk reads it.
    let folder = server
        .reports_dir
        .join(run.name.trim_start_matches("reportRuns/"));
    let folder = folder.to_str().expect("a UTF-8 path");
    run_script(&python(), "python/parquet_readers.py", &[folder], &[]).await;

    // The files downloaded over HTTP, as an analyst gets them.
    let http = server.http_addr.to_string();
    run_script(
        &python(),
        "python/parquet_readers.py",
        &["--run", run.name.as_str(), "--http", http.as_str()],
        &[("KERJASAMA_TOKEN", token.as_str())],
    )
    .await;
}

#[tokio::test]
async fn a_grpc_web_client_works_and_cors_admits_only_allowed_origins() {
    let data_dir = scratch_dir("grpc-web");
    std::fs::create_dir_all(&data_dir).unwrap();
    let served = tokio::task::spawn_blocking({
        let dir = data_dir.clone();
        move || {
            let mut command = std::process::Command::new(binary());
            command
                .args([
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--http-listen",
                    "127.0.0.1:0",
                    "--cors-origin",
                    WEB_ORIGIN,
                    "--data-dir",
                ])
                .arg(&dir)
                .env_remove("DATABASE_URL")
                .stdout(Stdio::piped())
                .stderr(Stdio::null());
            spawn_and_wait_for_address(command)
        }
    })
    .await
    .unwrap();
    let token = std::fs::read_to_string(data_dir.join("admin-token"))
        .expect("the bootstrap admin token")
        .trim()
        .to_string();
    run_script(
        &python(),
        "python/grpc_web.py",
        &["--origin", WEB_ORIGIN],
        &[
            ("KERJASAMA_ADDR", served.addr.as_str()),
            ("KERJASAMA_TOKEN", token.as_str()),
        ],
    )
    .await;
    drop(served);
}
