//! `kerjasama bench`, the load generator behind BENCHMARKS.md, kept from
//! rotting: a few hundred calls of every scenario against a real server on a
//! small synthetic register. Nothing here is timed; it checks that every
//! scenario runs, every call succeeds and the JSON lines are complete.

use kerjasama_seed::synthetic::{self, SyntheticOptions};
use kerjasama_tests::{TestServer, binary};

#[tokio::test]
async fn every_bench_scenario_runs_without_errors_and_reports_its_figures() {
    let server = TestServer::start().await;
    synthetic::load(&server.db.url, &SyntheticOptions::new(600, 7), &mut |_| {})
        .await
        .expect("a small synthetic register");
    let dir = kerjasama_tests::scratch_dir("bench-smoke");
    std::fs::create_dir_all(&dir).unwrap();
    let json = dir.join("bench.jsonl");
    let scenarios = [
        "floor",
        "get",
        "list-first",
        "list-deep",
        "list-search",
        "create",
        "complete-stage",
        "create-realisation",
        "mix",
    ];
    // The server runs on this test's runtime: wait for the child without blocking it.
    let output = tokio::process::Command::new(binary())
        .args(["bench", "--server"])
        .arg(server.addr.to_string())
        .args(["--token", &server.admin, "--agreements", "600"])
        .args(["--scenario", &scenarios.join(",")])
        .args(["--concurrency", "2", "--requests", "40", "--seconds", "60"])
        .args(["--deep-page", "2", "--json"])
        .arg(&json)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&json)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), scenarios.len(), "{stdout}");
    for (line, scenario) in lines.iter().zip(scenarios) {
        assert_eq!(line["scenario"], scenario);
        assert_eq!(line["calls"], 40, "{line}");
        assert_eq!(line["errors"], 0, "{line}");
        for figure in ["calls_per_second", "p50_ms", "p99_ms", "max_ms"] {
            assert!(
                line[figure].as_f64().unwrap() > 0.0,
                "{scenario}: {figure} in {line}"
            );
        }
        assert!(line["p50_ms"].as_f64() <= line["p99_ms"].as_f64());
    }
    // Writes landed: the created agreements are in the register.
    let created: i64 = server
        .sql()
        .await
        .query_one(
            "SELECT count(*) FROM agreements WHERE unit_code = 'BENCH-LOAD'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(created >= 40, "{created}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_bench_refuses_a_server_that_is_not_on_loopback() {
    let output = std::process::Command::new(binary())
        .args(["bench", "--server", "192.0.2.1:50051", "--token", "x"])
        .args(["--scenario", "get"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a loopback address"), "{stderr}");
}
