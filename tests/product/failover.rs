//! A database failover on a real replica pair: a primary and a streaming hot
//! standby on loopback (pg_basebackup, the standby synchronous), the server
//! given both hosts with `target_session_attrs=read-write`. Under a create
//! load the primary is killed and the standby promoted: every acknowledged
//! write is on the new primary, calls in between are UNAVAILABLE (retryable),
//! the server reconnects by itself, and health goes NOT_SERVING, then SERVING.
//! Report runs read from the standby (`--report-database-url`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{authed, binary, scratch_dir, spawn_and_wait_for_address};
use tokio_postgres::NoTls;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::fixtures::ksdd_ksb;

/// One PostgreSQL server of the pair. Its data dir ends in `postgres/`, so
/// `scripts/test` stops it even when the test fails.
struct Node {
    pgdata: PathBuf,
    port: u16,
}

fn pg(program: &str, args: &[&str]) -> std::process::Output {
    let output = pg_output(program, args);
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Runs a server binary as PostgreSQL's user and returns what it did.
fn pg_output(program: &str, args: &[&str]) -> std::process::Output {
    let bin = kerjasama_pgcluster::server_binaries()
        .unwrap()
        .join(program);
    let mut command = match kerjasama_pgcluster::server_user().unwrap() {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", &user, "--"]).arg(&bin);
            c
        }
        None => Command::new(&bin),
    };
    command.args(args).current_dir("/").output().unwrap()
}

fn give_to_server_user(path: &Path) {
    if let Some(user) = kerjasama_pgcluster::server_user().unwrap() {
        let status = Command::new("chown")
            .args(["-R", &format!("{user}:")])
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Node {
    fn text(&self) -> String {
        self.pgdata.to_string_lossy().into_owned()
    }

    /// Appends to `postgresql.auto.conf`, read last (after what `pg_basebackup -R` wrote).
    fn append_conf(&self, lines: &str) {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(self.pgdata.join("postgresql.auto.conf"))
            .unwrap();
        writeln!(file, "{lines}").unwrap();
    }

    fn start(&self) {
        let log = self.pgdata.with_extension("log");
        let log = log.to_string_lossy();
        pg(
            "pg_ctl",
            &["-D", &self.text(), "-l", &log, "-w", "-t", "60", "start"],
        );
    }

    fn postmaster_pid(&self) -> i32 {
        std::fs::read_to_string(self.pgdata.join("postmaster.pid"))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }

    fn url(&self) -> String {
        format!(
            "postgres://kerjasama@127.0.0.1:{}/kerjasama?connect_timeout=2",
            self.port
        )
    }

    async fn sql(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url(), NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if self.pgdata.join("postmaster.pid").exists() {
            // The killed primary has nothing to stop; that is fine here.
            let _ = pg_output(
                "pg_ctl",
                &["-D", &self.text(), "-m", "immediate", "-w", "stop"],
            );
        }
    }
}

/// A primary with a synchronous streaming standby (`standby1`).
fn replica_pair(base: &Path) -> (Node, Node) {
    std::fs::create_dir_all(base.join("primary")).unwrap();
    std::fs::create_dir_all(base.join("standby")).unwrap();
    give_to_server_user(base);
    let primary = Node {
        pgdata: base.join("primary/postgres"),
        port: free_port(),
    };
    // Trust on loopback only, for this test's throwaway pair.
    pg(
        "initdb",
        &[
            "-D",
            &primary.text(),
            "-U",
            "kerjasama",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
    );
    primary.append_conf(&format!(
        "port = {}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n\
         wal_level = replica\nmax_wal_senders = 5\nwal_keep_size = '128MB'\n\
         synchronous_commit = on\nmax_connections = 100",
        primary.port
    ));
    primary.start();
    let port = primary.port.to_string();
    pg(
        "createdb",
        &[
            "-h",
            "127.0.0.1",
            "-p",
            &port,
            "-U",
            "kerjasama",
            "kerjasama",
        ],
    );
    let standby = Node {
        pgdata: base.join("standby/postgres"),
        port: free_port(),
    };
    let source = format!("host=127.0.0.1 port={} user=kerjasama", primary.port);
    pg(
        "pg_basebackup",
        &[
            "-d",
            &source,
            "-D",
            &standby.text(),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        ],
    );
    standby.append_conf(&format!(
        "port = {}\nhot_standby = on\n\
         primary_conninfo = 'host=127.0.0.1 port={} user=kerjasama application_name=standby1'",
        standby.port, primary.port
    ));
    standby.start();
    (primary, standby)
}

/// Makes the standby synchronous (only now: with no standby attached, every
/// commit on the primary would wait) and waits until it is.
async fn wait_for_sync_standby(primary: &Node) {
    let sql = primary.sql().await;
    for statement in [
        "ALTER SYSTEM SET synchronous_standby_names = 'standby1'",
        "SELECT pg_reload_conf()",
    ] {
        sql.simple_query(statement).await.unwrap();
    }
    for _ in 0..100 {
        let rows = sql
            .query(
                "SELECT 1 FROM pg_stat_replication WHERE application_name = 'standby1' AND sync_state = 'sync'",
                &[],
            )
            .await
            .unwrap();
        if !rows.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the standby never became synchronous");
}

#[tokio::test]
async fn a_failover_to_the_promoted_standby_loses_no_acknowledged_write() {
    let base = scratch_dir("failover");
    let (primary, standby) = replica_pair(&base);
    wait_for_sync_standby(&primary).await;

    let app_dir = base.join("app");
    std::fs::create_dir_all(&app_dir).unwrap();
    let both = format!(
        "postgres://kerjasama@127.0.0.1:{},127.0.0.1:{}/kerjasama\
         ?target_session_attrs=read-write&connect_timeout=2",
        primary.port, standby.port
    );
    let served = tokio::task::spawn_blocking({
        let (both, standby_url, app_dir) = (both.clone(), standby.url(), app_dir.clone());
        move || {
            let mut command = Command::new(binary());
            command
                .args([
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--http-listen",
                    "127.0.0.1:0",
                    // The default probe interval: health must follow the
                    // outage through failed calls, not the interval.
                    "--health-interval-secs",
                    "5",
                    "--pool-wait-secs",
                    "2",
                    "--no-scheduler",
                    "--data-dir",
                ])
                .arg(&app_dir)
                .arg("--report-database-url")
                .arg(standby_url)
                .env("DATABASE_URL", both)
                .stdout(Stdio::piped())
                .stderr(Stdio::null());
            spawn_and_wait_for_address(command)
        }
    })
    .await
    .unwrap();
    let addr = format!("http://{}", served.addr);
    let token = std::fs::read_to_string(app_dir.join("admin-token"))
        .unwrap()
        .trim()
        .to_string();
    let channel = tonic::transport::Channel::from_shared(addr.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    pb::unit_service_client::UnitServiceClient::new(channel.clone())
        .create_unit(authed(
            &token,
            pb::CreateUnitRequest {
                unit: Some(pb::Unit {
                    code: "DLHK".into(),
                    region_code: "36".into(),
                    display_name: "Dinas Lingkungan Hidup dan Kehutanan".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            },
        ))
        .await
        .unwrap();

    // A report run reads the register from the hot standby.
    let mut reports = pb::report_service_client::ReportServiceClient::new(channel.clone());
    let run = reports
        .run_report(authed(&token, pb::RunReportRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let mut state = run.state;
    for _ in 0..300 {
        state = reports
            .get_report_run(authed(
                &token,
                pb::GetReportRunRequest {
                    name: run.name.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .state;
        if state == pb::ReportRunState::Succeeded as i32
            || state == pb::ReportRunState::Failed as i32
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(state, pb::ReportRunState::Succeeded as i32);

    // Health, watched throughout.
    let health_seen = Arc::new(std::sync::Mutex::new(Vec::<(Instant, i32)>::new()));
    let watching = Arc::new(AtomicBool::new(true));
    let watcher = {
        let (seen, watching, channel) = (health_seen.clone(), watching.clone(), channel.clone());
        tokio::spawn(async move {
            let mut health = HealthClient::new(channel);
            while watching.load(Ordering::SeqCst) {
                if let Ok(reply) = health
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await
                {
                    let status = reply.into_inner().status;
                    let mut seen = seen.lock().unwrap();
                    if seen.last().map(|(_, s)| *s) != Some(status) {
                        seen.push((Instant::now(), status));
                    }
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    // The create load: four clients until each has succeeded after the promotion.
    let promoted = Arc::new(AtomicBool::new(false));
    let after_promotion = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..4 {
        let (channel, token, promoted, after_promotion) = (
            channel.clone(),
            token.clone(),
            promoted.clone(),
            after_promotion.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut client = pb::agreement_service_client::AgreementServiceClient::new(channel);
            let (mut acknowledged, mut refused) = (Vec::new(), Vec::new());
            // When this client first met the outage, and first got through after it.
            let (mut first_refused, mut first_recovered) = (None::<Instant>, None::<Instant>);
            let started = Instant::now();
            let mut ok_after = 0;
            for i in 0.. {
                if ok_after >= 5 || started.elapsed() > Duration::from_secs(60) {
                    break;
                }
                let title = format!("Gagal alih {c}-{i}");
                let result = client
                    .create_agreement(authed(
                        &token,
                        pb::CreateAgreementRequest {
                            agreement: Some(ksdd_ksb("DLHK", &title)),
                            ..Default::default()
                        },
                    ))
                    .await;
                match result {
                    Ok(_) => {
                        if first_refused.is_some() && first_recovered.is_none() {
                            first_recovered = Some(Instant::now());
                        }
                        acknowledged.push(title);
                        if promoted.load(Ordering::SeqCst) {
                            ok_after += 1;
                            after_promotion.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    Err(status) => {
                        first_refused.get_or_insert_with(Instant::now);
                        refused.push((status.code(), status.message().to_string()));
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
            (acknowledged, refused, first_refused, first_recovered)
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let primary_pid = primary.postmaster_pid();
    // SAFETY: kill(2) with a pid read from postmaster.pid.
    assert_eq!(unsafe { libc::kill(primary_pid, libc::SIGKILL) }, 0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let standby_dir = standby.text();
    tokio::task::spawn_blocking(move || pg("pg_ctl", &["-D", &standby_dir, "-w", "promote"]))
        .await
        .unwrap();
    promoted.store(true, Ordering::SeqCst);

    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    let (mut outage_met, mut recovered) = (Vec::new(), Vec::new());
    for client in clients {
        let (ok, failed, first_refused, first_recovered) = client.await.unwrap();
        acknowledged.extend(ok);
        refused.extend(failed);
        outage_met.extend(first_refused);
        recovered.extend(first_recovered);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    watching.store(false, Ordering::SeqCst);
    watcher.await.unwrap();

    assert!(
        after_promotion.load(Ordering::SeqCst) >= 20,
        "the server reconnected to the new primary by itself"
    );
    let unexpected: Vec<_> = refused
        .iter()
        .filter(|(code, _)| *code != tonic::Code::Unavailable)
        .collect();
    assert!(
        unexpected.is_empty(),
        "calls during the switch must be UNAVAILABLE (retryable): {unexpected:?}"
    );
    let seen = health_seen.lock().unwrap().clone();
    let statuses: Vec<i32> = seen.iter().map(|(_, s)| *s).collect();
    let serving = ServingStatus::Serving as i32;
    let not_serving = ServingStatus::NotServing as i32;
    let went_down = statuses.iter().position(|s| *s == not_serving);
    assert!(
        went_down.is_some_and(|i| statuses[i..].contains(&serving)) && statuses[0] == serving,
        "health went SERVING → NOT_SERVING → SERVING: {statuses:?}"
    );
    // Health follows the outage within a second of the calls, both ways,
    // with a probe interval of 5 s.
    let down_at = seen[went_down.unwrap()].0;
    let up_at = seen[went_down.unwrap()..]
        .iter()
        .find(|(_, s)| *s == serving)
        .unwrap()
        .0;
    let outage_met = *outage_met.iter().min().expect("a call met the outage");
    let recovered = *recovered.iter().min().expect("a call got through after it");
    let lag_down = down_at.saturating_duration_since(outage_met);
    let lag_up = up_at.saturating_duration_since(recovered);
    assert!(
        lag_down <= Duration::from_secs(1),
        "health went NOT_SERVING {lag_down:?} after the first call met the outage"
    );
    assert!(
        lag_up <= Duration::from_secs(1),
        "health went SERVING {lag_up:?} after calls had recovered"
    );

    let sql = standby.sql().await;
    let stored: std::collections::HashSet<String> = sql
        .query("SELECT title FROM agreements", &[])
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.get(0))
        .collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|t| !stored.contains(*t))
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged but not on the new primary: {lost:?}"
    );
    eprintln!(
        "failover: {} creates acknowledged, all {} on the new primary; {} calls refused with UNAVAILABLE during the switch; health {statuses:?}, NOT_SERVING {lag_down:?} after the first refused call, SERVING {lag_up:?} after the first recovered one",
        acknowledged.len(),
        acknowledged.len(),
        refused.len(),
    );
    drop(served);
    drop(standby);
    drop(primary);
}
