//! Issue 17, item 9: backups a bureau can restore. A backup taken while
//! clients create agreements holds every write acknowledged before it
//! started; `restore --verify` proves it in a scratch PostgreSQL; `restore`
//! rebuilds a data dir that serves the same register and report files; a
//! damaged backup or a non-empty target is refused, touching nothing.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{authed, binary, scratch_dir, start_binary, start_binary_with};

use crate::faults::{admin_token, create_unit_at, postmaster};
use crate::fixtures::ksdd_ksb;

/// Runs `kerjasama args…` to its end: (success, stdout, stderr).
async fn kerjasama(args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let output = Command::new(binary())
            .args(&args)
            .env_remove("DATABASE_URL")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stdout).to_string(),
            String::from_utf8_lossy(&output.stderr).to_string(),
        )
    })
    .await
    .unwrap()
}

fn arg(path: &Path) -> String {
    path.to_string_lossy().to_string()
}

async fn channel(addr: &str) -> tonic::transport::Channel {
    tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// Every agreement title the server at `addr` lists.
async fn titles(addr: &str, token: &str) -> std::collections::HashSet<String> {
    let mut client = pb::agreement_service_client::AgreementServiceClient::new(channel(addr).await);
    let mut titles = std::collections::HashSet::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_agreements(authed(
                token,
                pb::ListAgreementsRequest {
                    page_size: 500,
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
async fn a_backup_taken_under_load_restores_every_write_acknowledged_before_it() {
    let source = scratch_dir("backup-source");
    let served = tokio::task::spawn_blocking({
        let dir = source.clone();
        move || start_binary(&dir, false)
    })
    .await
    .unwrap();
    let token = admin_token(&source);
    let channel = channel(&served.addr).await;
    create_unit_at(&served.addr, &token, "DLHK").await;
    // A finished report run, so that files are backed up too.
    let mut reports = pb::report_service_client::ReportServiceClient::new(channel.clone());
    let run = reports
        .run_report(authed(&token, pb::RunReportRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let mut finished = run.clone();
    for _ in 0..600 {
        finished = reports
            .get_report_run(authed(
                &token,
                pb::GetReportRunRequest {
                    name: run.name.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        if finished.state == pb::ReportRunState::Succeeded as i32 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(finished.state, pb::ReportRunState::Succeeded as i32);
    let run_id = run.name.trim_start_matches("reportRuns/").to_string();

    // A signed scan in the archive, so that archived files are backed up too.
    let scan = crate::archive::plain_pdf("Kesepakatan Bersama yang dicadangkan");
    let scan_sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&scan));
    let agreement = pb::agreement_service_client::AgreementServiceClient::new(channel.clone())
        .create_agreement(authed(
            &token,
            pb::CreateAgreementRequest {
                agreement: Some(ksdd_ksb("DLHK", "Berarsip dan dicadangkan")),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let document = pb::document_service_client::DocumentServiceClient::new(channel.clone())
        .create_document(authed(
            &token,
            pb::CreateDocumentRequest {
                parent: agreement.name.clone(),
                document: Some(pb::Document {
                    r#type: pb::DocumentType::Ksb as i32,
                    number: "415.4/99-HUK/2026".into(),
                    document_date: "2026-01-12".into(),
                    title: "Kesepakatan Bersama".into(),
                    uri: "https://arsip.example.go.id/ksb.pdf".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let (a, d) = document
        .name
        .strip_prefix("agreements/")
        .unwrap()
        .split_once("/documents/")
        .unwrap();
    let http_addr: std::net::SocketAddr = served
        .http_addr
        .as_deref()
        .expect("the server prints its HTTP port")
        .parse()
        .unwrap();
    let (status, _, body) = kerjasama_tests::http_request(
        http_addr,
        "PUT",
        &format!("/documents/{a}/{d}/file?file_name=ksb.pdf"),
        Some(&token),
        &[],
        Some(&scan),
    )
    .await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));

    // The create load: four clients, each write with when it was acknowledged.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (channel, token, stop) = (channel.clone(), token.clone(), stop.clone());
            tokio::spawn(async move {
                let mut client = pb::agreement_service_client::AgreementServiceClient::new(channel);
                let mut acknowledged = Vec::new();
                for i in 0.. {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let title = format!("Cadangan {c}-{i}");
                    if client
                        .create_agreement(authed(
                            &token,
                            pb::CreateAgreementRequest {
                                agreement: Some(ksdd_ksb("DLHK", &title)),
                                ..Default::default()
                            },
                        ))
                        .await
                        .is_ok()
                    {
                        acknowledged.push((title, Instant::now()));
                    }
                }
                acknowledged
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let file = scratch_dir("backup-file").with_extension("zip");
    let backup_started = Instant::now();
    let (ok, out, err) = kerjasama(vec![
        "backup".into(),
        "--out".into(),
        arg(&file),
        "--data-dir".into(),
        arg(&source),
    ])
    .await;
    assert!(ok, "backup: {out} {err}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut acknowledged = Vec::new();
    for client in clients {
        acknowledged.extend(client.await.unwrap());
    }
    let before: Vec<&String> = acknowledged
        .iter()
        .filter(|(_, at)| *at < backup_started)
        .map(|(title, _)| title)
        .collect();
    assert!(
        before.len() > 10,
        "writes before the backup: {}",
        before.len()
    );
    drop(served);

    // Proof in a scratch PostgreSQL.
    let (ok, out, err) = kerjasama(vec!["restore".into(), arg(&file), "--verify".into()]).await;
    assert!(ok, "restore --verify: {out} {err}");
    assert!(
        out.contains("every row count and checksum as in the backup"),
        "{out}"
    );
    assert!(
        out.contains("1 archived document files, each present and hashing to its key"),
        "{out}"
    );

    // A new data dir from the backup serves what was acknowledged before it.
    let target = scratch_dir("backup-target");
    let (ok, out, err) = kerjasama(vec![
        "restore".into(),
        arg(&file),
        "--data-dir".into(),
        arg(&target),
    ])
    .await;
    assert!(ok, "restore: {out} {err}");
    for name in std::fs::read_dir(source.join("reports").join(&run_id)).unwrap() {
        let name = name.unwrap().file_name();
        let original = std::fs::read(source.join("reports").join(&run_id).join(&name)).unwrap();
        let restored = std::fs::read(target.join("reports").join(&run_id).join(&name))
            .unwrap_or_else(|e| panic!("{name:?} restored: {e}"));
        assert_eq!(original, restored, "{name:?}");
    }
    // The archived scan is back under its key, byte for byte.
    assert_eq!(
        std::fs::read(
            target
                .join("archive/objects")
                .join(&scan_sha[..2])
                .join(&scan_sha)
        )
        .unwrap(),
        scan
    );
    let restored = tokio::task::spawn_blocking({
        let dir = target.clone();
        move || start_binary(&dir, false)
    })
    .await
    .unwrap();
    let present = titles(&restored.addr, &token).await;
    let lost: Vec<_> = before.iter().filter(|t| !present.contains(**t)).collect();
    assert!(
        lost.is_empty(),
        "acknowledged before the backup, not restored: {lost:?}"
    );
    eprintln!(
        "{} creates acknowledged, {} before the backup started: all restored ({} agreements in the backup)",
        acknowledged.len(),
        before.len(),
        present.len()
    );
    drop(restored);

    // A second restore into the now non-empty data dir is refused.
    let (ok, _, err) = kerjasama(vec![
        "restore".into(),
        arg(&file),
        "--data-dir".into(),
        arg(&target),
    ])
    .await;
    assert!(!ok);
    assert!(err.contains("already holds a register"), "{err}");

    // A damaged backup is refused before anything is restored.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[400] ^= 0xFF;
    let damaged = file.with_extension("damaged.zip");
    std::fs::write(&damaged, bytes).unwrap();
    let elsewhere = scratch_dir("backup-damaged");
    let (ok, _, err) = kerjasama(vec![
        "restore".into(),
        arg(&damaged),
        "--data-dir".into(),
        arg(&elsewhere),
    ])
    .await;
    assert!(!ok);
    assert!(err.contains("damaged"), "{err}");
    assert!(!elsewhere.join("postgres").exists(), "nothing restored");
}

/// A SQL connection to the embedded PostgreSQL of `data_dir`.
async fn embedded_sql(data_dir: &Path) -> tokio_postgres::Client {
    let password = std::fs::read_to_string(data_dir.join("postgres.password")).unwrap();
    let (_, port) = postmaster(data_dir).expect("the embedded PostgreSQL runs");
    let url = format!(
        "postgres://kerjasama:{}@127.0.0.1:{port}/kerjasama",
        password.trim()
    );
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

async fn create_titled(channel: &tonic::transport::Channel, token: &str, titles: &[String]) {
    let mut client = pb::agreement_service_client::AgreementServiceClient::new(channel.clone());
    for title in titles {
        client
            .create_agreement(authed(
                token,
                pb::CreateAgreementRequest {
                    agreement: Some(ksdd_ksb("DLHK", title)),
                    ..Default::default()
                },
            ))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_point_in_time_restore_brings_back_exactly_the_writes_before_that_instant() {
    let source = scratch_dir("pitr-source");
    let archive = scratch_dir("pitr-wal");
    let served = tokio::task::spawn_blocking({
        let (dir, archive) = (source.clone(), arg(&archive));
        move || start_binary_with(&dir, &["--wal-archive", &archive])
    })
    .await
    .unwrap();
    let token = admin_token(&source);
    let channel = channel(&served.addr).await;
    create_unit_at(&served.addr, &token, "DLHK").await;

    // A base backup, then writes on both sides of an instant.
    let base = scratch_dir("pitr-base");
    let (ok, out, err) = kerjasama(vec![
        "backup".into(),
        "--base-dir".into(),
        arg(&base),
        "--data-dir".into(),
        arg(&source),
    ])
    .await;
    assert!(ok, "base backup: {out} {err}");
    let before: Vec<String> = (0..20).map(|i| format!("Sebelum {i}")).collect();
    let after: Vec<String> = (0..20).map(|i| format!("Sesudah {i}")).collect();
    create_titled(&channel, &token, &before).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let instant =
        chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    create_titled(&channel, &token, &after).await;
    // The segment holding them is archived (in production: within a minute,
    // `archive_timeout`).
    let sql = embedded_sql(&source).await;
    let segment: String = sql
        .query_one("SELECT pg_walfile_name(pg_switch_wal())", &[])
        .await
        .unwrap()
        .get(0);
    for _ in 0..300 {
        let archived: Option<String> = sql
            .query_one("SELECT last_archived_wal FROM pg_stat_archiver", &[])
            .await
            .unwrap()
            .get(0);
        if archived.is_some_and(|a| a >= segment) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(sql);
    drop(served);

    let target = scratch_dir("pitr-target");
    let until = instant.to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
    let (ok, out, err) = kerjasama(vec![
        "restore".into(),
        "--base-dir".into(),
        arg(&base),
        "--wal-archive".into(),
        arg(&archive),
        "--until".into(),
        until.clone(),
        "--data-dir".into(),
        arg(&target),
    ])
    .await;
    assert!(ok, "point-in-time restore: {out} {err}");
    let restored = tokio::task::spawn_blocking({
        let dir = target.clone();
        move || start_binary(&dir, false)
    })
    .await
    .unwrap();
    let present = titles(&restored.addr, &token).await;
    let missing: Vec<_> = before.iter().filter(|t| !present.contains(*t)).collect();
    let too_many: Vec<_> = after.iter().filter(|t| present.contains(*t)).collect();
    assert!(
        missing.is_empty(),
        "written before {until}, not restored: {missing:?}"
    );
    assert!(
        too_many.is_empty(),
        "written after {until}, restored: {too_many:?}"
    );
    eprintln!(
        "restored to {until}: all {} writes before it, none of the {} after",
        before.len(),
        after.len()
    );
}
