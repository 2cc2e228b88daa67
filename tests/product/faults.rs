//! Faults a bureau's machine will meet: a worker killed in the middle of a
//! report run, a run whose worker never comes back, an unwritable reports
//! folder. Each ends with every run in a final state and the service up.

use std::process::{Command, Stdio};
use std::time::Duration;

use kerjasama_jobs::queue::{self, WorkerConfig};
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, authed, binary, fresh_database, scratch_dir};

use crate::fixtures::{create, create_unit, ksdd_ksb};

/// Kills the child on drop, so a failing test leaves no worker behind.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn queue_run(server: &TestServer) -> pb::ReportRun {
    server
        .reports()
        .run_report(authed(
            &server.admin,
            pb::RunReportRequest {
                as_of: "2026-09-30".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn run_row(server: &TestServer, run: &pb::ReportRun) -> (String, i32, Option<String>) {
    let id = uuid::Uuid::parse_str(run.name.trim_start_matches("reportRuns/")).unwrap();
    let row = server
        .sql()
        .await
        .query_one(
            "SELECT state, attempts, lease_owner FROM report_runs WHERE id = $1",
            &[&id],
        )
        .await
        .unwrap();
    (row.get(0), row.get(1), row.get(2))
}

fn worker_config(server: &TestServer) -> WorkerConfig {
    WorkerConfig {
        database_url: server.db.url.clone(),
        reports_root: server.reports_dir.clone(),
        lease: Duration::from_secs(2),
        poll: Duration::from_millis(200),
        on_demand_retention: Default::default(),
    }
}

#[tokio::test]
async fn a_run_whose_worker_is_killed_mid_run_is_finished_by_another_worker() {
    // No worker in the server: the run waits in the queue for the processes below.
    let server = TestServer::start_with(fresh_database().await, Duration::from_secs(1), 0).await;
    create_unit(&server, "DLHK").await;
    create(&server, ksdd_ksb("DLHK", "Dilaporkan")).await;
    let run = queue_run(&server).await;
    assert_eq!(run.state, pb::ReportRunState::Queued as i32);

    // A separate `kerjasama worker` process claims it and is killed while it
    // computes (a fault pause holds it after loading the register).
    let data_dir = scratch_dir("killed-worker");
    std::fs::create_dir_all(&data_dir).unwrap();
    let worker = Command::new(binary())
        .args(["worker", "--report-lease-secs", "2"])
        .arg("--scheduler-interval-secs")
        .arg("3600")
        .arg("--data-dir")
        .arg(&data_dir)
        .env("DATABASE_URL", &server.db.url)
        .env("KERJASAMA_FAULT_REPORT_PAUSE_MS", "60000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut worker = Child(worker);
    let pid = format!(":{}:", worker.0.id());
    let mut claimed = false;
    for _ in 0..200 {
        let (state, _, owner) = run_row(&server, &run).await;
        if state == "RUNNING" && owner.as_deref().is_some_and(|o| o.contains(&pid)) {
            claimed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(claimed, "the worker process claimed the run");
    worker.0.kill().unwrap();
    worker.0.wait().unwrap();
    assert_eq!(run_row(&server, &run).await.0, "RUNNING");

    // Another worker finds the expired lease, queues the run again and finishes it.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let second = tokio::spawn(queue::work_until(
        server.db.pool.clone(),
        worker_config(&server),
        async move {
            let _ = stopped.await;
        },
    ));
    let finished = server.finished(run.clone()).await;
    assert_eq!(
        finished.state,
        pb::ReportRunState::Succeeded as i32,
        "{finished:?}"
    );
    let (_, attempts, owner) = run_row(&server, &run).await;
    assert_eq!(attempts, 2);
    assert_eq!((finished.attempts, finished.max_attempts), (2, 3));
    assert_eq!(owner, None);
    let dir = server
        .reports_dir
        .join(run.name.trim_start_matches("reportRuns/"));
    assert!(dir.join("manifest.json").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = stop.send(());
    second.await.unwrap();
}

#[tokio::test]
async fn a_run_whose_attempts_all_die_ends_failed_not_running_forever() {
    let server = TestServer::start_with(fresh_database().await, Duration::from_secs(1), 0).await;
    let run = queue_run(&server).await;
    // Every attempt "dies": its lease is claimed and left to expire.
    let sql = server.sql().await;
    let id = uuid::Uuid::parse_str(run.name.trim_start_matches("reportRuns/")).unwrap();
    for attempt in 1..=3 {
        sql.execute(
            "UPDATE report_runs SET state = 'RUNNING', attempts = $2, lease_owner = 'dead:1:x', \
             lease_expires_at = now() - interval '1 second' WHERE id = $1",
            &[&id, &attempt],
        )
        .await
        .unwrap();
        let (requeued, failed) = queue::reap(&server.db.pool).await.unwrap();
        if attempt < 3 {
            assert_eq!((requeued, failed), (1, 0));
            assert_eq!(run_row(&server, &run).await.0, "QUEUED");
        } else {
            assert_eq!((requeued, failed), (0, 1));
        }
    }
    let finished = server.finished(run).await;
    assert_eq!(finished.state, pb::ReportRunState::Failed as i32);
    assert!(finished.error.contains("3 attempts"), "{}", finished.error);
}

#[tokio::test]
async fn an_unwritable_reports_folder_fails_the_run_with_a_clear_error_and_the_service_stays_up() {
    let db = fresh_database().await;
    let server = TestServer::start_with(db, Duration::from_secs(1), 1).await;
    // The reports root is a file: nothing can be created under it.
    std::fs::create_dir_all(server.reports_dir.parent().unwrap()).unwrap();
    std::fs::write(&server.reports_dir, b"not a folder").unwrap();
    let run = queue_run(&server).await;
    let finished = server.finished(run).await;
    assert_eq!(finished.state, pb::ReportRunState::Failed as i32);
    assert!(
        finished
            .error
            .contains(&server.reports_dir.display().to_string()),
        "{}",
        finished.error
    );
    server
        .agreements()
        .list_agreements(authed(&server.admin, pb::ListAgreementsRequest::default()))
        .await
        .expect("the service stays up");
    std::fs::remove_file(&server.reports_dir).unwrap();
}

pub(crate) fn admin_token(data_dir: &std::path::Path) -> String {
    std::fs::read_to_string(data_dir.join("admin-token"))
        .unwrap()
        .trim()
        .to_string()
}

/// (pid, port) of the embedded PostgreSQL, from its `postmaster.pid`.
pub(crate) fn postmaster(data_dir: &std::path::Path) -> Option<(i32, u16)> {
    let text = std::fs::read_to_string(data_dir.join("postgres/postmaster.pid")).ok()?;
    let mut lines = text.lines();
    let pid = lines.next()?.trim().parse().ok()?;
    let port = lines.nth(2)?.trim().parse().ok()?;
    Some((pid, port))
}

async fn agreements_client(
    addr: &str,
) -> pb::agreement_service_client::AgreementServiceClient<tonic::transport::Channel> {
    pb::agreement_service_client::AgreementServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
}

pub(crate) async fn create_unit_at(addr: &str, token: &str, code: &str) {
    pb::unit_service_client::UnitServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap()
        .create_unit(authed(
            token,
            pb::CreateUnitRequest {
                unit: Some(pb::Unit {
                    code: code.into(),
                    region_code: "36".into(),
                    display_name: format!("Dinas {code}"),
                    ..Default::default()
                }),
                request_id: String::new(),
            },
        ))
        .await
        .unwrap();
}

async fn all_titles(addr: &str, token: &str) -> std::collections::HashSet<String> {
    let mut client = agreements_client(addr).await;
    let mut titles = std::collections::HashSet::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_agreements(authed(
                token,
                pb::ListAgreementsRequest {
                    page_size: 200,
                    page_token: page_token.clone(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        titles.extend(page.agreements.into_iter().map(|a| a.title));
        if page.next_page_token.is_empty() {
            return titles;
        }
        page_token = page.next_page_token;
    }
}

#[tokio::test]
async fn the_server_restarts_its_own_postgresql_when_it_dies_and_calls_recover() {
    let data_dir = scratch_dir("pg-crash");
    let served = tokio::task::spawn_blocking({
        let dir = data_dir.clone();
        move || kerjasama_tests::start_binary(&dir, false)
    })
    .await
    .unwrap();
    let token = admin_token(&data_dir);
    create_unit_at(&served.addr, &token, "DLHK").await;
    let (old_pid, port) = postmaster(&data_dir).expect("PostgreSQL is running");
    // SAFETY: kill(2) with a pid read from postmaster.pid.
    assert_eq!(unsafe { libc::kill(old_pid, libc::SIGKILL) }, 0);

    let mut client = agreements_client(&served.addr).await;
    let mut codes = Vec::new();
    let mut recovered = false;
    for i in 0..150 {
        let call = client
            .create_agreement(authed(
                &token,
                pb::CreateAgreementRequest {
                    agreement: Some(ksdd_ksb("DLHK", &format!("Setelah gangguan {i}"))),
                    ..Default::default()
                },
            ))
            .await;
        match call {
            Ok(_) => {
                recovered = true;
                break;
            }
            Err(status) => codes.push(status.code()),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "calls did not recover: {codes:?}");
    assert!(
        codes.iter().all(|c| *c == tonic::Code::Unavailable),
        "while PostgreSQL was down calls must be UNAVAILABLE (retryable): {codes:?}"
    );
    let (new_pid, new_port) = postmaster(&data_dir).unwrap();
    assert_ne!(new_pid, old_pid);
    assert_eq!(new_port, port, "restarted on the same port");
    drop(served);
}

#[tokio::test]
async fn a_saturated_pool_is_busy_not_down_for_health() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    let server = TestServer::start().await;
    let mut held = Vec::new();
    while let Ok(Ok(conn)) =
        tokio::time::timeout(Duration::from_millis(300), server.db.pool.get()).await
    {
        held.push(conn);
    }
    assert!(held.len() >= 16, "held {} connections", held.len());
    // Longer than the health interval (1 s in tests): the probe has run.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let status = HealthClient::new(server.channel())
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(status, ServingStatus::Serving as i32);
    drop(held);
}

#[tokio::test]
async fn sigterm_under_load_finishes_in_flight_calls_loses_no_acknowledged_write_and_stops_postgresql()
 {
    let data_dir = scratch_dir("sigterm");
    let served = tokio::task::spawn_blocking({
        let dir = data_dir.clone();
        move || kerjasama_tests::start_binary(&dir, false)
    })
    .await
    .unwrap();
    let token = admin_token(&data_dir);
    create_unit_at(&served.addr, &token, "DLHK").await;
    let stop_load = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..8 {
        let (addr, token, stop_load) = (served.addr.clone(), token.clone(), stop_load.clone());
        clients.push(tokio::spawn(async move {
            let mut client = agreements_client(&addr).await;
            let mut acknowledged = Vec::new();
            let mut refused = Vec::new();
            for i in 0.. {
                if stop_load.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let title = format!("Beban {c}-{i}");
                match client
                    .create_agreement(authed(
                        &token,
                        pb::CreateAgreementRequest {
                            agreement: Some(ksdd_ksb("DLHK", &title)),
                            ..Default::default()
                        },
                    ))
                    .await
                {
                    Ok(_) => acknowledged.push(title),
                    Err(status) => {
                        refused.push(status.code());
                        break;
                    }
                }
            }
            (acknowledged, refused)
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut served = served;
    let signalled = std::time::Instant::now();
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(served.child.id() as i32, libc::SIGTERM) };
    let exit = tokio::task::spawn_blocking(move || {
        let status = served.child.wait().unwrap();
        (status, served)
    });
    let (status, served) = tokio::time::timeout(Duration::from_secs(40), exit)
        .await
        .expect("the server stops within its grace")
        .unwrap();
    assert!(status.success(), "{status:?}");
    let stopped_after = signalled.elapsed();
    eprintln!("stopped {stopped_after:?} after SIGTERM");
    stop_load.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut acknowledged = Vec::new();
    for client in clients {
        let (ok, refused) = client.await.unwrap();
        assert!(
            refused.iter().all(|c| *c == tonic::Code::Unavailable),
            "calls refused during shutdown must be UNAVAILABLE: {refused:?}"
        );
        acknowledged.extend(ok);
    }
    assert!(
        acknowledged.len() > 8,
        "the load ran: {}",
        acknowledged.len()
    );
    assert!(
        postmaster(&data_dir).is_none(),
        "PostgreSQL was stopped cleanly (no postmaster.pid left)"
    );
    drop(served);

    // Every acknowledged create is there after a restart.
    let again = tokio::task::spawn_blocking({
        let dir = data_dir.clone();
        move || kerjasama_tests::start_binary(&dir, false)
    })
    .await
    .unwrap();
    let stored = all_titles(&again.addr, &token).await;
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|t| !stored.contains(*t))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    eprintln!(
        "SIGTERM under load: {} creates acknowledged, {} found after restart, 0 lost",
        acknowledged.len(),
        stored.len()
    );
}

#[tokio::test]
async fn a_run_whose_postgresql_dies_mid_run_ends_failed_or_succeeded_never_running() {
    let data_dir = scratch_dir("pg-crash-run");
    std::fs::create_dir_all(&data_dir).unwrap();
    let served = tokio::task::spawn_blocking({
        let dir = data_dir.clone();
        move || {
            let mut command = Command::new(binary());
            command
                .args([
                    "serve",
                    "--demo",
                    "--listen",
                    "127.0.0.1:0",
                    "--http-listen",
                    "127.0.0.1:0",
                    "--report-lease-secs",
                    "3",
                    "--data-dir",
                ])
                .arg(&dir)
                .env_remove("DATABASE_URL")
                // Holds each run after it loaded the register: the database dies then.
                .env("KERJASAMA_FAULT_REPORT_PAUSE_MS", "3000")
                .stdout(Stdio::piped())
                .stderr(Stdio::null());
            kerjasama_tests::spawn_and_wait_for_address(command)
        }
    })
    .await
    .unwrap();
    let token = admin_token(&data_dir);
    let channel = tonic::transport::Channel::from_shared(format!("http://{}", served.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut reports = pb::report_service_client::ReportServiceClient::new(channel);
    let run = reports
        .run_report(authed(&token, pb::RunReportRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let get = pb::GetReportRunRequest {
        name: run.name.clone(),
    };
    let mut running = false;
    for _ in 0..100 {
        if let Ok(now) = reports.get_report_run(authed(&token, get.clone())).await
            && now.get_ref().state == pb::ReportRunState::Running as i32
        {
            running = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(running, "the run started");
    let (pid, _) = postmaster(&data_dir).unwrap();
    // SAFETY: kill(2) with a pid read from postmaster.pid.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);

    // The server brings PostgreSQL back; the run ends, one way or the other.
    let mut last = None;
    for _ in 0..600 {
        if let Ok(now) = reports.get_report_run(authed(&token, get.clone())).await {
            let now = now.into_inner();
            if now.state == pb::ReportRunState::Succeeded as i32
                || now.state == pb::ReportRunState::Failed as i32
            {
                last = Some(now);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let last = last.expect("the run reached SUCCEEDED or FAILED within a minute");
    eprintln!(
        "PostgreSQL killed mid-run: run ended {:?} after {} attempt(s){}",
        pb::ReportRunState::try_from(last.state).unwrap(),
        last.attempts,
        if last.error.is_empty() {
            String::new()
        } else {
            format!(" ({})", last.error)
        }
    );
    drop(served);
}

/// Unmounts the small file system on drop, even when the test fails.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[tokio::test]
async fn a_full_disk_fails_the_run_with_a_clear_error_leaves_nothing_behind_and_the_service_stays_up()
 {
    // A test that cannot check what it claims fails; it never passes unrun.
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "this test mounts a 16 KiB tmpfs and needs root (scripts/test and CI run as root)"
    );
    let server = TestServer::start_with(fresh_database().await, Duration::from_secs(1), 1).await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    // The reports folder is a 16 KiB file system: the run's files do not fit.
    std::fs::create_dir_all(&server.reports_dir).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k", "tmpfs"])
        .arg(&server.reports_dir)
        .status()
        .unwrap();
    assert!(mounted.success(), "mount a 16 KiB tmpfs");
    let _mount = Mounted(server.reports_dir.clone());
    let run = queue_run(&server).await;
    let finished = server.finished(run).await;
    assert_eq!(finished.state, pb::ReportRunState::Failed as i32);
    assert!(
        finished.error.contains("No space left on device"),
        "{}",
        finished.error
    );
    let dir = server
        .reports_dir
        .join(finished.name.trim_start_matches("reportRuns/"));
    let left: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing published or staged: {left:?}");
    server
        .agreements()
        .list_agreements(authed(&server.admin, pb::ListAgreementsRequest::default()))
        .await
        .expect("the service stays up");
}
