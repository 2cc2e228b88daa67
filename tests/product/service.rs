//! The server as an operator meets it: health, reflection, the demo register,
//! and the `kerjasama` binary starting its own PostgreSQL.

use std::process::{Command, Stdio};
use std::time::Duration;

use kerjasama_core::pool::{self, PoolSettings};
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{
    Served, TestDatabase, TestServer, authed, binary, spawn_and_wait_for_address, start_binary,
};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

#[tokio::test]
async fn health_is_serving_with_a_reachable_database() {
    let server = TestServer::start().await;
    let mut health = HealthClient::new(server.channel());
    for service in [
        "",
        "kerjasama.v1.AgreementService",
        "kerjasama.v1.ReportService",
    ] {
        let reply = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(reply.status, ServingStatus::Serving as i32, "{service:?}");
    }
}

#[tokio::test]
async fn health_is_not_serving_and_calls_are_unavailable_while_the_database_is_unreachable() {
    // A pool pointing at a port where no PostgreSQL listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://kerjasama:x@127.0.0.1:{port}/kerjasama");
    let settings = PoolSettings {
        wait_timeout: Duration::from_millis(500),
        connect_timeout: Duration::from_millis(500),
        ..PoolSettings::default()
    };
    let db = TestDatabase {
        pool: pool::connect(&url, &settings).unwrap(),
        url,
    };
    // Health answers without auth; it must not wait for the database.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = kerjasama_grpc::ServerConfig {
        pool: db.pool.clone(),
        database_url: db.url.clone(),
        reports_dir: std::env::temp_dir(),
        health_interval: Duration::from_millis(200),
        report_grace_days: 30,
        report_workers: 1,
        report_lease: Duration::from_secs(5),
        shutdown_grace: Duration::from_secs(5),
        cors_origins: Vec::new(),
        portal_url_template: None,
        connections: Default::default(),
        on_demand_retention: Default::default(),
        allow_local_webhooks: false,
        report_database_url: None,
        telemetry: kerjasama_grpc::prometheus::Telemetry::new(),
        tls: None,
        archive: kerjasama_core::archive::Settings::defaults_in(&kerjasama_tests::scratch_dir(
            "service-archive",
        ))
        .unwrap(),
    };
    tokio::spawn(kerjasama_grpc::serve(
        config,
        listener,
        std::future::pending(),
    ));
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel.clone());
    let mut status = -1;
    for _ in 0..50 {
        if let Ok(reply) = health
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await
        {
            status = reply.into_inner().status;
            if status == ServingStatus::NotServing as i32 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, ServingStatus::NotServing as i32);
    let status = pb::agreement_service_client::AgreementServiceClient::new(channel)
        .list_agreements(authed("ksm_whatever", pb::ListAgreementsRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
}

#[tokio::test]
async fn reflection_lists_the_services_in_both_versions() {
    use tokio_stream::StreamExt;
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1alpha;

    let server = TestServer::start().await;
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = ServerReflectionClient::new(server.channel())
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let reply = replies.next().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response else {
        panic!("unexpected reflection reply {reply:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "kerjasama.v1.AgreementService",
        "kerjasama.v1.UnitService",
        "kerjasama.v1.ReportService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }

    // A client resolving a symbol gets its file and the imports it needs.
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::FileContainingSymbol(
            "kerjasama.v1.Agreement".into(),
        )),
    };
    let mut replies = ServerReflectionClient::new(server.channel())
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .unwrap()
        .into_inner();
    let reply = replies.next().await.unwrap().unwrap();
    assert!(
        matches!(reply.message_response, Some(MessageResponse::FileDescriptorResponse(ref f)) if !f.file_descriptor_proto.is_empty()),
        "{reply:?}"
    );

    let request = v1alpha::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            v1alpha::server_reflection_request::MessageRequest::ListServices(String::new()),
        ),
    };
    let mut replies =
        v1alpha::server_reflection_client::ServerReflectionClient::new(server.channel())
            .server_reflection_info(tokio_stream::iter(vec![request]))
            .await
            .unwrap()
            .into_inner();
    assert!(replies.next().await.unwrap().is_ok());
}

#[tokio::test]
async fn the_demo_register_has_every_cooperation_type_and_loads_only_once() {
    let server = TestServer::start().await;
    let loaded = kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    assert!(matches!(
        loaded,
        kerjasama_seed::demo::SeedOutcome::Loaded {
            units: 13,
            agreements: 16
        }
    ));
    let again = kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    assert!(matches!(again, kerjasama_seed::demo::SeedOutcome::NotEmpty));
    // Its signed texts in the archive: two in three of the signed agreements
    // (the rest are missing documents), each found by what it says.
    let archive = kerjasama_core::archive::Settings::defaults_in(&server.archive_dir).unwrap();
    let filed = kerjasama_seed::demo_archive::load(&server.db.pool, &archive)
        .await
        .unwrap();
    assert!(filed >= 6, "{filed}");
    let found = server
        .agreements()
        .search_agreements(authed(
            &server.admin,
            pb::SearchAgreementsRequest {
                query: "\"dibebankan pada APBD\"".into(),
                page_size: 50,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .results;
    assert_eq!(found.len(), filed);
    assert!(
        found
            .iter()
            .all(|r| r.matched_in == pb::SearchMatch::DocumentText as i32)
    );
    let mut client = server.agreements();
    for t in [
        pb::CooperationType::Ksdd,
        pb::CooperationType::Ksdpk,
        pb::CooperationType::Ksdpl,
        pb::CooperationType::Ksdll,
        pb::CooperationType::Sinergi,
    ] {
        let page = client
            .list_agreements(authed(
                &server.admin,
                pb::ListAgreementsRequest {
                    cooperation_types: vec![t as i32],
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(!page.agreements.is_empty(), "{t:?}");
    }

    // Its lifecycle: an overdue stage, a past meeting with an open recommendation.
    let transport = client
        .list_agreements(authed(
            &server.admin,
            pb::ListAgreementsRequest {
                query: "Transportasi".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .agreements
        .remove(0);
    assert_eq!(transport.state, pb::AgreementState::InProcess as i32);
    let stages = server
        .stages()
        .list_stages(authed(
            &server.admin,
            pb::ListStagesRequest {
                parent: transport.name,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .stages;
    let offer = stages.iter().find(|s| s.code == "PENAWARAN").unwrap();
    assert_eq!(offer.status, pb::StageStatus::InProgress as i32);
    assert!(offer.due_on.as_str() < kerjasama_core::calendar::today().to_string().as_str());
    let meetings = server
        .meetings()
        .list_evaluation_meetings(authed(
            &server.admin,
            pb::ListEvaluationMeetingsRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner()
        .evaluation_meetings;
    let statuses: Vec<i32> = meetings[0]
        .findings
        .iter()
        .flat_map(|f| f.recommendations.iter().map(|r| r.status))
        .collect();
    assert_eq!(
        statuses,
        [
            pb::RecommendationStatus::Done as i32,
            pb::RecommendationStatus::Open as i32
        ]
    );
}

fn stop_binary(mut served: Served) {
    // SIGTERM: the server and its PostgreSQL stop cleanly.
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    unsafe { libc::kill(served.child.id() as i32, libc::SIGTERM) };
    let status = served.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

async fn count_agreements(addr: &str, token: &str) -> usize {
    let mut client =
        pb::agreement_service_client::AgreementServiceClient::connect(format!("http://{addr}"))
            .await
            .unwrap();
    client
        .list_agreements(authed(
            token,
            pb::ListAgreementsRequest {
                page_size: 200,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .agreements
        .len()
}

#[tokio::test]
async fn the_binary_runs_its_own_postgresql_and_keeps_the_data_across_restarts() {
    let data_dir = kerjasama_tests::scratch_dir("e2e");
    let served = tokio::task::spawn_blocking({
        let dir = data_dir.clone();
        move || start_binary(&dir, true)
    })
    .await
    .unwrap();
    let token_file = data_dir.join("admin-token");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(&token_file).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(count_agreements(&served.addr, &token).await, 16);

    // The CLI finds the running server's PostgreSQL, computes a report into a
    // folder, and fetches a file of it back through the server.
    let out = data_dir.join("cli-report");
    let report = Command::new(binary())
        .args([
            "report",
            "run",
            "--as-of",
            "2026-09-30",
            "--period",
            "2026-01-01..2026-06-30",
            "--data-dir",
        ])
        .arg(&data_dir)
        .arg("--out")
        .arg(&out)
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let printed = String::from_utf8(report.stdout).unwrap();
    let run = printed.split(':').next().unwrap().to_string();
    assert!(run.starts_with("reportRuns/"), "{printed}");
    assert!(
        printed.contains("as of 2026-09-30, period 2026-01-01 to 2026-06-30"),
        "{printed}"
    );
    for file in [
        "evaluation_summary.csv",
        "report.xlsx",
        "meeting_pack.html",
        "meeting_pack.pdf",
        "manifest.json",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    let fetched = data_dir.join("fetched.csv");
    let fetch = Command::new(binary())
        .args(["report", "fetch", &run, "evaluation_summary", "--server"])
        .arg(format!("http://{}", served.addr))
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("--out")
        .arg(&fetched)
        .output()
        .unwrap();
    assert!(
        fetch.status.success(),
        "{}",
        String::from_utf8_lossy(&fetch.stderr)
    );
    assert_eq!(
        std::fs::read(&fetched).unwrap(),
        std::fs::read(out.join("evaluation_summary.csv")).unwrap()
    );
    // The meeting pack's PDF, by its format.
    let fetched = data_dir.join("fetched.pdf");
    let fetch = Command::new(binary())
        .args(["report", "fetch", &run, "--format", "pdf", "--server"])
        .arg(format!("http://{}", served.addr))
        .arg("--data-dir")
        .arg(&data_dir)
        .arg("--out")
        .arg(&fetched)
        .output()
        .unwrap();
    assert!(
        fetch.status.success(),
        "{}",
        String::from_utf8_lossy(&fetch.stderr)
    );
    let pdf = std::fs::read(&fetched).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(pdf, std::fs::read(out.join("meeting_pack.pdf")).unwrap());
    tokio::task::spawn_blocking(move || stop_binary(served))
        .await
        .unwrap();
    assert!(
        !data_dir.join("postgres/postmaster.pid").exists(),
        "PostgreSQL stops with the server"
    );

    // Second start: same data, same token, no second demo load.
    let served = tokio::task::spawn_blocking({
        let dir = data_dir.clone();
        move || start_binary(&dir, true)
    })
    .await
    .unwrap();
    assert_eq!(std::fs::read_to_string(&token_file).unwrap().trim(), token);
    assert_eq!(count_agreements(&served.addr, &token).await, 16);
    tokio::task::spawn_blocking(move || stop_binary(served))
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&data_dir);
}

/// The PostgreSQL the binary starts is sized to the machine: a quarter of its
/// memory (the cgroup's limit when lower) as shared buffers, within 128 MiB
/// and 8 GiB, where PostgreSQL's own default is 128 MiB whatever the machine.
#[tokio::test]
async fn its_own_postgresql_gets_a_quarter_of_the_machines_memory() {
    let server = TestServer::start().await;
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let total_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    let mut memory = total_kib * 1024;
    if let Some(limit) = std::fs::read_to_string("/sys/fs/cgroup/memory.max")
        .ok()
        .and_then(|t| t.trim().parse::<u64>().ok())
    {
        memory = memory.min(limit);
    }
    let expected_mib = (memory / (1024 * 1024) / 4).clamp(128, 8192) as i64;
    let sql = server.sql().await;
    // `setting` is in 8 kB pages.
    let pages: String = sql
        .query_one(
            "SELECT setting FROM pg_settings WHERE name = 'shared_buffers'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let pages: i64 = pages.parse().unwrap();
    assert_eq!(pages * 8 / 1024, expected_mib, "shared_buffers in MiB");
    let source: String = sql
        .query_one(
            "SELECT source FROM pg_settings WHERE name = 'shared_buffers'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(source, "command line");
}

#[tokio::test]
async fn with_database_url_the_binary_uses_that_server_and_starts_none() {
    let db = kerjasama_tests::fresh_database().await;
    let data_dir = kerjasama_tests::scratch_dir("e2e-url");
    let url = db.url.clone();
    let dir = data_dir.clone();
    let served = tokio::task::spawn_blocking(move || {
        let mut command = Command::new(binary());
        command
            .args([
                "serve",
                "--demo",
                "--listen",
                "127.0.0.1:0",
                "--http-listen",
                "127.0.0.1:0",
                "--data-dir",
            ])
            .arg(&dir)
            .env("DATABASE_URL", &url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        spawn_and_wait_for_address(command)
    })
    .await
    .unwrap();
    let token = std::fs::read_to_string(data_dir.join("admin-token"))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(count_agreements(&served.addr, &token).await, 16);
    assert!(!data_dir.join("postgres").exists(), "no cluster of its own");
    // The data landed in the given database.
    let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let count: i64 = client
        .query_one("SELECT count(*) FROM agreements", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 16);
    tokio::task::spawn_blocking(move || stop_binary(served))
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test]
async fn logs_written_to_a_pipe_or_file_carry_no_colour_codes() {
    let db = kerjasama_tests::fresh_database().await;
    let output = tokio::task::spawn_blocking(move || {
        Command::new(binary())
            .args(["--log", "debug", "migrate"])
            .env("DATABASE_URL", &db.url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.trim().is_empty(), "the command logged something");
    assert!(!stderr.contains('\u{1b}'), "ANSI escapes in {stderr:?}");
}

#[tokio::test]
async fn prometheus_metrics_count_calls_by_rpc_and_code_and_sample_the_pool_and_runs() {
    let server = TestServer::start().await;
    let mut client = server.agreements();
    for _ in 0..3 {
        client
            .list_agreements(authed(&server.admin, pb::ListAgreementsRequest::default()))
            .await
            .unwrap();
    }
    let status = client
        .get_agreement(authed(
            &server.admin,
            pb::GetAgreementRequest {
                name: "agreements/not-an-id".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    let run = server
        .reports()
        .run_report(authed(&server.admin, pb::RunReportRequest::default()))
        .await
        .unwrap()
        .into_inner();
    server.finished(run).await;

    let (code, headers, body) = kerjasama_tests::http_get(server.http_addr, "/metrics", None).await;
    assert_eq!(code, 200);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("application/openmetrics-text")),
        "{headers:?}"
    );
    let text = String::from_utf8(body).unwrap();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .expect("the exposition format parses");
    let value = |name: &str, labels: &[(&str, &str)]| -> Option<f64> {
        scrape
            .samples
            .iter()
            .find(|s| {
                s.metric == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(k).is_some_and(|l| l == *v))
            })
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => f64::NAN,
            })
    };
    let list = "kerjasama.v1.AgreementService/ListAgreements";
    assert_eq!(
        value(
            "kerjasama_grpc_requests_total",
            &[("rpc", list), ("code", "OK")]
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        value(
            "kerjasama_grpc_requests_total",
            &[
                ("rpc", "kerjasama.v1.AgreementService/GetAgreement"),
                ("code", "INVALID_ARGUMENT")
            ]
        ),
        Some(1.0)
    );
    assert!(
        scrape
            .samples
            .iter()
            .any(|s| s.metric == "kerjasama_grpc_request_duration_seconds"
                && s.labels.get("rpc") == Some(list)),
        "a latency histogram per RPC"
    );
    assert_eq!(
        value("kerjasama_report_runs", &[("state", "SUCCEEDED")]),
        Some(1.0)
    );
    assert!(value("kerjasama_db_pool_max_connections", &[]).is_some_and(|v| v >= 1.0));
    assert!(value("kerjasama_db_pool_connections", &[("state", "open")]).is_some());
    assert_eq!(value("kerjasama_scheduler_lag_seconds", &[]), Some(0.0));
    assert!(value("kerjasama_grpc_requests_in_flight", &[]).is_some());
    // Import runs and digest deliveries by outcome, every state present.
    assert_eq!(
        value("kerjasama_import_runs", &[("state", "SUCCEEDED")]),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        value("kerjasama_digest_deliveries", &[("state", "FAILED")]),
        Some(0.0),
        "{text}"
    );
}

#[tokio::test]
async fn json_logs_name_the_rpc_and_request_id_of_each_call() {
    let data_dir = kerjasama_tests::scratch_dir("json-logs");
    std::fs::create_dir_all(&data_dir).unwrap();
    let log_path = data_dir.join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let served = tokio::task::spawn_blocking({
        let dir = data_dir.clone();
        move || {
            let mut command = Command::new(binary());
            command
                .args([
                    "serve",
                    "--listen",
                    "127.0.0.1:0",
                    "--http-listen",
                    "127.0.0.1:0",
                    "--log-format",
                    "json",
                    "--log",
                    "info,kerjasama_grpc=debug",
                    "--data-dir",
                ])
                .arg(&dir)
                .env_remove("DATABASE_URL")
                .stdout(Stdio::piped())
                .stderr(Stdio::from(log));
            spawn_and_wait_for_address(command)
        }
    })
    .await
    .unwrap();
    let token = std::fs::read_to_string(data_dir.join("admin-token"))
        .unwrap()
        .trim()
        .to_string();
    let mut client = pb::agreement_service_client::AgreementServiceClient::connect(format!(
        "http://{}",
        served.addr
    ))
    .await
    .unwrap();
    client
        .list_agreements(authed(&token, pb::ListAgreementsRequest::default()))
        .await
        .unwrap();
    drop(client);
    // Off the runtime, so the client's connection can answer the server's GOAWAY.
    tokio::task::spawn_blocking(move || stop_binary(served))
        .await
        .unwrap();
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(!text.contains('\u{1b}'), "no colour codes in JSON logs");
    let answered: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| entry["fields"]["message"] == "call answered")
        .collect();
    let list = answered
        .iter()
        .find(|e| e["span"]["rpc"] == "kerjasama.v1.AgreementService/ListAgreements")
        .unwrap_or_else(|| panic!("no log line for ListAgreements in {text}"));
    let id = list["span"]["request_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    assert_eq!(list["fields"]["code"], "Ok");
}

#[tokio::test]
async fn commands_that_need_a_register_refuse_a_data_dir_without_one() {
    let dir = kerjasama_tests::scratch_dir("no-register");
    std::fs::create_dir_all(&dir).unwrap();
    let output = Command::new(binary())
        .args(["report", "run", "--as-of", "2026-09-30", "--data-dir"])
        .arg(&dir)
        .arg("--out")
        .arg(dir.join("out"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("there is no register in"), "{stderr}");
    assert!(stderr.contains("kerjasama seed"), "{stderr}");
    // Nothing was created in the folder.
    assert!(!dir.join("postgres").exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn report_fetch_takes_a_bare_address_and_says_when_no_server_is_there() {
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = Command::new(binary())
        .args([
            "report",
            "fetch",
            "0190a2b4-7c1d-7e3f-8a5b-6c7d8e9f0a1b",
            "--format",
            "pdf",
        ])
        .args(["--server", &format!("127.0.0.1:{port}"), "--token", "x"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "no kerjasama server is listening at http://127.0.0.1:{port}"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("kerjasama serve"), "{stderr}");
    // One line of explanation, not a transport error chain.
    assert!(!stderr.contains("transport error"), "{stderr}");
}

#[tokio::test]
async fn an_impossible_date_is_named_as_such_on_the_command_line() {
    let output = Command::new(binary())
        .args([
            "report",
            "run",
            "--as-of",
            "2026-02-30",
            "--out",
            "/nonexistent",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("2026-02-30 bukan tanggal kalender / 2026-02-30 is not a calendar date"),
        "{stderr}"
    );
}
