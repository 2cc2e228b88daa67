//! Issue 17, item 6: no caller's work is unbounded. The report queue bounds
//! each caller's and each region's unfinished runs (RESOURCE_EXHAUSTED with a
//! retry hint) and answers an identical request with the run already queued;
//! on-demand runs are kept for an age and a count, their records retired;
//! unknown tokens cost the database once, and a peer that keeps failing
//! authentication stops reaching it at all.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kerjasama_core::codes::Role;
use kerjasama_jobs::queue::{UNFINISHED_PER_CALLER, UNFINISHED_PER_REGION};
use kerjasama_jobs::retention::OnDemandRetention;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{
    Options, TestServer, assert_rejected, authed, fresh_database, http_get, raw_connection,
    raw_connection_from, raw_unary,
};
use tonic::Code;
use tonic_types::StatusExt;

fn run_request(as_of: &str) -> pb::RunReportRequest {
    pb::RunReportRequest {
        as_of: as_of.into(),
        ..Default::default()
    }
}

async fn run_report(
    server: &TestServer,
    token: &str,
    as_of: &str,
) -> Result<pb::ReportRun, tonic::Status> {
    server
        .reports()
        .run_report(authed(token, run_request(as_of)))
        .await
        .map(|r| r.into_inner())
}

fn assert_exhausted(status: &tonic::Status, subject: &str) {
    assert_rejected(status, Code::ResourceExhausted, None);
    let retry = status.get_details_retry_info().expect("a retry hint");
    assert!(retry.retry_delay.is_some_and(|d| d > Duration::ZERO));
    let quota = status.get_details_quota_failure().expect("the quota named");
    assert!(
        quota.violations.iter().any(|v| v.subject == subject),
        "{:?}",
        quota.violations
    );
}

#[tokio::test]
async fn the_report_queue_bounds_each_caller_and_region_and_answers_a_repeat_with_its_run() {
    // No worker: runs stay queued, as behind a long run.
    let server = TestServer::start_with(fresh_database().await, Duration::from_secs(1), 0).await;
    let first = server
        .token("analis-1", Role::Analyst, None, Some("36"))
        .await;

    // The same request twice: one run.
    let once = run_report(&server, &first, "2026-06-30").await.unwrap();
    let again = run_report(&server, &first, "2026-06-30").await.unwrap();
    assert_eq!(
        once.name, again.name,
        "an identical request returns the queued run"
    );

    // Up to the caller's bound, then RESOURCE_EXHAUSTED naming the caller.
    for day in 1..UNFINISHED_PER_CALLER {
        run_report(&server, &first, &format!("2026-06-{:02}", day))
            .await
            .unwrap();
    }
    let refused = run_report(&server, &first, "2026-05-31").await.unwrap_err();
    assert_exhausted(&refused, "callers/analis-1/reportRuns");

    // Concurrent requests of one caller cannot slip past the bound together.
    let second = server
        .token("analis-2", Role::Analyst, None, Some("36"))
        .await;
    let racing: Vec<_> = (0..12)
        .map(|day| {
            let (client, token) = (server.reports(), second.clone());
            tokio::spawn(async move {
                let mut client = client;
                client
                    .run_report(authed(
                        &token,
                        run_request(&format!("2026-04-{:02}", day + 1)),
                    ))
                    .await
                    .map(|_| ())
                    .map_err(|s| s.code())
            })
        })
        .collect();
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    for task in racing {
        let outcome = task.await.unwrap();
        *outcomes.entry(format!("{outcome:?}")).or_default() += 1;
    }
    assert_eq!(
        outcomes.get("Ok(())").copied(),
        Some(UNFINISHED_PER_CALLER as usize),
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes.get("Err(ResourceExhausted)").copied(),
        Some(12 - UNFINISHED_PER_CALLER as usize),
        "{outcomes:?}"
    );

    // The region's bound: four callers fill it, a fifth is refused by region.
    for caller in 3..=4 {
        let token = server
            .token(&format!("analis-{caller}"), Role::Analyst, None, Some("36"))
            .await;
        for day in 0..UNFINISHED_PER_CALLER {
            run_report(&server, &token, &format!("2026-03-{:02}", day + 1))
                .await
                .unwrap();
        }
    }
    assert_eq!(UNFINISHED_PER_REGION, 4 * UNFINISHED_PER_CALLER);
    let fifth = server
        .token("analis-5", Role::Analyst, None, Some("36"))
        .await;
    let refused = run_report(&server, &fifth, "2026-02-01").await.unwrap_err();
    assert_exhausted(&refused, "regions/36/reportRuns");
    // Another region is not held up.
    let elsewhere = server
        .token("analis-jabar", Role::Analyst, None, Some("32"))
        .await;
    run_report(&server, &elsewhere, "2026-02-01").await.unwrap();
}

#[tokio::test]
async fn on_demand_runs_are_kept_for_an_age_and_a_count_and_their_records_retired() {
    let server = TestServer::start_with_options(
        fresh_database().await,
        Options {
            on_demand_retention: OnDemandRetention {
                keep_days: 30,
                keep_runs: 3,
            },
            ..Options::default()
        },
    )
    .await;
    let mut runs = Vec::new();
    for as_of in ["2026-06-01", "2026-06-02", "2026-06-03"] {
        let run = run_report(&server, &server.admin, as_of).await.unwrap();
        runs.push(server.finished(run).await);
    }
    let id = |run: &pb::ReportRun| run.name.trim_start_matches("reportRuns/").to_string();
    // The second run was asked for 40 days ago.
    let sql = server.sql().await;
    sql.execute(
        "UPDATE report_runs SET create_time = now() - interval '40 days' WHERE id = $1::text::uuid",
        &[&id(&runs[1])],
    )
    .await
    .unwrap();
    let fourth = run_report(&server, &server.admin, "2026-06-04")
        .await
        .unwrap();
    server.finished(fourth).await;
    let fifth = run_report(&server, &server.admin, "2026-06-05")
        .await
        .unwrap();
    server.finished(fifth).await;

    // Retention runs just after a run is recorded finished: give it a moment.
    let mut left: Vec<String> = Vec::new();
    for _ in 0..100 {
        left = sql
            .query("SELECT id::text FROM report_runs ORDER BY create_time", &[])
            .await
            .unwrap()
            .into_iter()
            .map(|row| row.get(0))
            .collect();
        if left.len() <= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left.len(), 3, "three on-demand runs kept: {left:?}");
    for (gone, reason) in [
        (&runs[1], "older than 30 days"),
        (&runs[0], "not among the newest 3 on-demand runs"),
    ] {
        assert!(!left.contains(&id(gone)));
        assert!(
            !server.reports_dir.join(id(gone)).exists(),
            "its folder deleted"
        );
        let status = server
            .reports()
            .get_report_run(authed(
                &server.admin,
                pb::GetReportRunRequest {
                    name: gone.name.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::NotFound);
        let retired = server
            .reports_dir
            .join("retired")
            .join(format!("{}.json", id(gone)));
        let record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&retired).expect("a retired record")).unwrap();
        assert_eq!(record["name"], gone.name.as_str());
        assert_eq!(record["deleted_because"], reason);
        assert!(
            record["manifest"]["files"].is_array() || record["manifest"].is_object(),
            "the run's manifest is kept: {record}"
        );
    }
    assert!(
        server.reports_dir.join(id(&runs[2])).exists(),
        "a kept run keeps its folder"
    );
}

/// `kerjasama_token_checks_total` by how, from /metrics.
async fn token_checks(server: &TestServer) -> HashMap<String, f64> {
    let (_, _, body) = http_get(server.http_addr, "/metrics", None).await;
    let text = String::from_utf8(body).unwrap();
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap();
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == "kerjasama_token_checks_total")
        .filter_map(|s| match s.value {
            prometheus_parse::Value::Counter(v) | prometheus_parse::Value::Untyped(v) => {
                Some((s.labels.get("how")?.to_string(), v))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn unknown_tokens_reach_the_database_once_and_a_failing_peer_not_at_all() {
    let server = TestServer::start().await;
    let path = "/kerjasama.v1.UnitService/ListUnits";
    let request = pb::ListUnitsRequest::default();
    let connection = raw_connection(server.addr).await;
    // The real caller's token has been valid before the flood.
    let admin = [("authorization", format!("Bearer {}", server.admin))];
    assert_eq!(
        raw_unary(&connection, server.addr, path, &admin, &request)
            .await
            .0,
        Code::Ok
    );

    // One unknown token, 200 times: the database is asked once.
    let unknown = [(
        "authorization",
        "Bearer ksm_0000000000000000000000000000000000000000".to_string(),
    )];
    for _ in 0..200 {
        let (code, _) = raw_unary(&connection, server.addr, path, &unknown, &request).await;
        assert_eq!(code, Code::Unauthenticated);
    }
    let checks = token_checks(&server).await;
    assert_eq!(checks.get("unknown").copied(), Some(1.0), "{checks:?}");
    assert_eq!(
        checks.get("unknown_cached").copied(),
        Some(199.0),
        "{checks:?}"
    );

    // 300 distinct unknown tokens from one address: after its burst, refused
    // without reading the database; the real caller on that address is served.
    let started = Instant::now();
    let mut codes: HashMap<String, usize> = HashMap::new();
    for i in 1..=300 {
        let forged = [("authorization", format!("Bearer ksm_{i:040}"))];
        let (code, _) = raw_unary(&connection, server.addr, path, &forged, &request).await;
        *codes.entry(format!("{code:?}")).or_default() += 1;
        if i % 50 == 0 {
            let (code, message) = raw_unary(&connection, server.addr, path, &admin, &request).await;
            assert_eq!(
                code,
                Code::Ok,
                "the real caller during the flood: {message}"
            );
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let checks = token_checks(&server).await;
    let looked_up = checks.get("unknown").copied().unwrap_or(0.0) - 1.0;
    let refused = checks.get("limited").copied().unwrap_or(0.0);
    assert_eq!(looked_up + refused, 300.0, "{checks:?}");
    let allowed = kerjasama_grpc::auth::FAILED_AUTH_BURST
        + elapsed * kerjasama_grpc::auth::FAILED_AUTH_PER_SECOND
        + 1.0;
    assert!(
        looked_up <= allowed,
        "{looked_up} unknown tokens reached the database in {elapsed:.1} s (allowed {allowed:.0})"
    );
    assert_eq!(
        codes
            .keys()
            .filter(|c| *c != "Unauthenticated" && *c != "ResourceExhausted")
            .count(),
        0,
        "{codes:?}"
    );

    // Another address is not held up by this one's failures, with a token
    // the server has never seen.
    let fresh = server
        .token("analis-baru", Role::Analyst, None, Some("36"))
        .await;
    let other = raw_connection_from("127.0.0.2", server.addr).await;
    let (code, message) = raw_unary(
        &other,
        server.addr,
        path,
        &[("authorization", format!("Bearer {fresh}"))],
        &request,
    )
    .await;
    assert_eq!(code, Code::Ok, "{message}");
    eprintln!(
        "300 forged tokens in {elapsed:.1} s: {looked_up} read the database, {refused} refused unread; {codes:?}"
    );
}

#[tokio::test]
async fn failed_authentication_on_the_http_port_is_limited_per_peer_too() {
    let server = TestServer::start().await;
    let path = "/reports/latest/overdue_stages.csv";
    // The real caller has used its token on this port before.
    let (status, _, _) = http_get(server.http_addr, path, Some(&server.admin)).await;
    assert!(status != 401 && status != 429, "{status}");

    let started = Instant::now();
    let mut statuses: HashMap<u16, usize> = HashMap::new();
    for i in 1..=300 {
        let forged = format!("ksm_{i:040}");
        let (status, headers, _) = http_get(server.http_addr, path, Some(&forged)).await;
        if status == 429 {
            assert!(
                headers.iter().any(|(k, _)| k == "retry-after"),
                "{headers:?}"
            );
        }
        *statuses.entry(status).or_default() += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(
        statuses.keys().filter(|s| **s != 401 && **s != 429).count(),
        0,
        "{statuses:?}"
    );
    assert!(
        statuses.get(&429).is_some_and(|n| *n >= 250),
        "forged tokens past the burst are refused unread: {statuses:?}"
    );
    let checks = token_checks(&server).await;
    let looked_up = checks.get("unknown").copied().unwrap_or(0.0);
    let allowed = kerjasama_grpc::auth::FAILED_AUTH_BURST
        + elapsed * kerjasama_grpc::auth::FAILED_AUTH_PER_SECOND
        + 1.0;
    assert!(
        looked_up <= allowed,
        "{looked_up} forged tokens reached the database in {elapsed:.1} s over HTTP (allowed {allowed:.0})"
    );
    // The real caller is still served.
    let (status, _, _) = http_get(server.http_addr, path, Some(&server.admin)).await;
    assert!(status != 401 && status != 429, "{status}");
    eprintln!(
        "300 forged tokens over HTTP in {elapsed:.1} s: {looked_up} read the database; {statuses:?}"
    );
}
