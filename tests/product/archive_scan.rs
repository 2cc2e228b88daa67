//! Virus scanning of the archive through a real clamd (started by the test
//! with a signature database it writes: the EICAR test string): a clean file
//! is served, an infected one is refused and stored nowhere; while clamd is
//! down files are kept PENDING and never served, and once it is back the
//! rescan serves the clean ones and holds the infected ones.

use std::time::{Duration, Instant};

use kerjasama_proto::v1 as pb;
use kerjasama_tests::clamd::{Clamd, EICAR, EICAR_SIGNATURE};
use kerjasama_tests::{Options, TestServer, fresh_database, http_request};

use crate::archive::{
    document, download_grpc, plain_pdf, put, upload_grpc, upload_messages, violation_fields,
};

/// A PDF carrying the EICAR test string in a comment.
fn infected_pdf(text: &str) -> Vec<u8> {
    let mut pdf = plain_pdf(text);
    pdf.extend_from_slice(b"% ");
    pdf.extend_from_slice(EICAR);
    pdf.extend_from_slice(b"\n");
    pdf
}

async fn scanned_server(clamd: &Clamd) -> TestServer {
    TestServer::start_with_options(
        fresh_database().await,
        Options {
            clamd: Some(clamd.addr.clone()),
            ..Options::default()
        },
    )
    .await
}

async fn get(server: &TestServer, path: &str) -> (u16, Vec<u8>) {
    let (status, _, body) = http_request(
        server.http_addr,
        "GET",
        path,
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    (status, body)
}

/// `(version, scan_status, scan_signature)` of each version.
async fn statuses(server: &TestServer, file: &str) -> Vec<(i64, String, Option<String>)> {
    let (status, body) = get(server, &format!("{file}s")).await;
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_slice(&body).unwrap();
    listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["version"].as_i64().unwrap(),
                f["scan_status"].as_str().unwrap().to_string(),
                f["scan_signature"].as_str().map(str::to_string),
            )
        })
        .collect()
}

async fn audited(server: &TestServer, action: &str) -> Vec<serde_json::Value> {
    server
        .sql()
        .await
        .query(
            "SELECT after FROM audit_events WHERE action = $1 ORDER BY id",
            &[&action],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn a_file_is_served_only_once_clamd_has_scanned_it_clean() {
    let mut clamd = Clamd::start();
    let server = scanned_server(&clamd).await;
    let (file, document_name) = document(&server).await;
    let store = server.archive_store.clone();

    // Clean: stored, CLEAN, served.
    let clean = plain_pdf("Kesepakatan Bersama yang bersih");
    let (status, _, body) = put(&server, &file, &server.admin, "", &clean).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("\"scan_status\":\"CLEAN\""), "{body}");
    assert_eq!(get(&server, &file).await, (200, clean.clone()));

    // Infected: refused (422, the signature named, in Bahasa first), stored
    // nowhere, and the attempt is in the audit trail.
    let infected = infected_pdf("Perjanjian Kerja Sama bervirus");
    let (status, _, body) = put(&server, &file, &server.admin, "", &infected).await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.starts_with(&format!(
            "file: pemindai antivirus menemukan {EICAR_SIGNATURE} dalam berkas: berkas tidak disimpan"
        )),
        "{body}"
    );
    assert_eq!(store.object_count().unwrap(), 1);
    let refused = audited(&server, "RefuseInfectedDocumentFile").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["signature"], EICAR_SIGNATURE);
    // Over gRPC: INVALID_ARGUMENT on the file's bytes.
    let status = upload_grpc(
        &server,
        Some(&server.admin),
        upload_messages(&document_name, "", "", &infected, 1 << 20),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    assert_eq!(violation_fields(&status), ["chunk"]);
    assert!(status.message().contains(EICAR_SIGNATURE), "{status:?}");

    // clamd goes down: uploads are kept PENDING, never served.
    clamd.stop();
    let unscanned = plain_pdf("Adendum yang belum dipindai");
    let (status, _, body) = put(&server, &file, &server.admin, "", &unscanned).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("\"scan_status\":\"PENDING\""), "{body}");
    let hidden = infected_pdf("Adendum bervirus yang belum dipindai");
    let (status, _, body) = put(&server, &file, &server.admin, "", &hidden).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = get(&server, &file).await;
    assert_eq!(status, 409);
    assert!(
        String::from_utf8_lossy(&body).contains("versi 3 belum dipindai antivirus"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (status, _) = get(&server, &format!("{file}?version=2")).await;
    assert_eq!(status, 409);
    let status = download_grpc(&server, &server.admin, &document_name)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
    // A content clamd already gave a verdict on keeps it while clamd is down.
    let (status, _, body) = put(&server, &file, &server.admin, "", &clean).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("\"scan_status\":\"CLEAN\""), "{body}");
    assert_eq!(
        statuses(&server, &file)
            .await
            .into_iter()
            .map(|(v, s, _)| (v, s))
            .collect::<Vec<_>>(),
        [
            (1, "CLEAN".into()),
            (2, "PENDING".into()),
            (3, "PENDING".into()),
            (4, "CLEAN".into())
        ]
    );

    // clamd is back: the rescan serves the clean one and holds the infected.
    clamd.restart();
    let deadline = Instant::now() + Duration::from_secs(30);
    while statuses(&server, &file)
        .await
        .iter()
        .any(|(_, s, _)| s == "PENDING")
    {
        assert!(
            Instant::now() < deadline,
            "the rescan did not finish in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        statuses(&server, &file).await,
        [
            (1, "CLEAN".into(), None),
            (2, "CLEAN".into(), None),
            (3, "INFECTED".into(), Some(EICAR_SIGNATURE.into())),
            (4, "CLEAN".into(), None),
        ]
    );
    assert_eq!(
        get(&server, &format!("{file}?version=2")).await,
        (200, unscanned)
    );
    let (status, body) = get(&server, &format!("{file}?version=3")).await;
    assert_eq!(status, 409);
    assert!(
        String::from_utf8_lossy(&body).contains(&format!(
            "versi 3 ditahan: pemindai antivirus menemukan {EICAR_SIGNATURE}"
        )),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let status = download_grpc(&server, &server.admin, &format!("{document_name}/files/3"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
    let (file_info, _) = download_grpc(&server, &server.admin, &format!("{document_name}/files/2"))
        .await
        .unwrap();
    assert_eq!(file_info.scan_status, pb::ScanStatus::Clean as i32);
    let held = audited(&server, "QuarantineDocumentFile").await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["version"], 3);

    // The held content is refused from then on, even with clamd down.
    clamd.stop();
    let (status, _, body) = put(&server, &file, &server.admin, "", &hidden).await;
    assert_eq!(status, 422, "{body}");
}
