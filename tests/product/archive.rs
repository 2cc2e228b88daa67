//! The document archive over HTTP: a document's file uploaded, versioned,
//! stored once per content, downloaded with its hash as ETag and in byte
//! ranges; files the archive does not keep refused by their content; the
//! access rules of the agreement; every upload and download audited.

use kerjasama_core::codes::Role;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{Options, TestServer, authed, fresh_database, http_request};
use sha2::Digest;

use crate::fixtures::{create, create_unit, ksdd_ksb};
/// A PDF with a text layer (the demo's own writer).
pub(crate) use kerjasama_seed::demo_archive::text_pdf;

/// A small, plain PDF (one page, a text line), written here.
pub(crate) fn plain_pdf(text: &str) -> Vec<u8> {
    let content = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
         2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
         3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >> endobj\n\
         4 0 obj << /Length {} >> stream\n{content}\nendstream endobj\n\
         trailer << /Root 1 0 R >>\n%%EOF\n",
        content.len()
    )
    .into_bytes()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// An agreement of unit DLHK with one document (metadata only); the paths of
/// its file.
pub(crate) async fn document(server: &TestServer) -> (String, String) {
    create_unit(server, "DLHK").await;
    let agreement = create(server, ksdd_ksb("DLHK", "Berarsip")).await;
    let document = server
        .documents()
        .create_document(authed(
            &server.admin,
            pb::CreateDocumentRequest {
                parent: agreement.name.clone(),
                document: Some(pb::Document {
                    r#type: pb::DocumentType::Ksb as i32,
                    number: "415.4/12-HUK/2024".into(),
                    document_date: "2024-06-12".into(),
                    title: "Kesepakatan Bersama yang ditandatangani".into(),
                    uri: "https://arsip.bantenprov.go.id/ks/2024/12.pdf".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    // agreements/{a}/documents/{d} → /documents/{a}/{d}/file
    let (a, d) = document
        .name
        .strip_prefix("agreements/")
        .unwrap()
        .split_once("/documents/")
        .unwrap();
    (format!("/documents/{a}/{d}/file"), document.name)
}

pub(crate) async fn put(
    server: &TestServer,
    path: &str,
    token: &str,
    query: &str,
    body: &[u8],
) -> (u16, Vec<(String, String)>, String) {
    let (status, headers, body) = http_request(
        server.http_addr,
        "PUT",
        &format!("{path}{query}"),
        Some(token),
        &[("Content-Type", "application/octet-stream")],
        Some(body),
    )
    .await;
    (status, headers, String::from_utf8_lossy(&body).to_string())
}

#[tokio::test]
async fn a_signed_scan_is_kept_versioned_stored_once_and_served_with_its_hash() {
    let server = TestServer::start().await;
    let (file, document) = document(&server).await;
    let first = plain_pdf("Kesepakatan Bersama 415.4/12-HUK/2024");

    // Nothing stored yet: downloading says so (in Bahasa first).
    let (status, _, body) = http_request(
        server.http_addr,
        "GET",
        &file,
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("tidak memiliki berkas tersimpan"));

    // Version 1, with the hash the client computed.
    let (status, headers, body) = put(
        &server,
        &file,
        &server.admin,
        &format!("?file_name=KSB%20415.4-12.pdf&sha256={}", sha(&first)),
        &first,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let v1: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v1["version"], 1);
    assert_eq!(v1["sha256"], sha(&first));
    assert_eq!(v1["media_type"], "application/pdf");
    assert_eq!(v1["file_name"], "KSB 415.4-12.pdf");
    assert_eq!(v1["size_bytes"], first.len());
    assert_eq!(v1["document"], document);
    assert_eq!(
        header(&headers, "etag"),
        Some(format!("\"{}\"", sha(&first)).as_str())
    );

    // The same file again is version 2 of the document, stored once.
    let (status, _, body) = put(&server, &file, &server.admin, "", &first).await;
    assert_eq!(status, 201, "{body}");
    let store = server.archive_store.clone();
    assert_eq!(store.object_count().unwrap(), 1);
    // A corrected scan is version 3; the newest is served by default.
    let corrected = plain_pdf("Kesepakatan Bersama 415.4/12-HUK/2024 (pindaian ulang)");
    let (status, _, body) = put(&server, &file, &server.admin, "", &corrected).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(store.object_count().unwrap(), 2);

    let (status, headers, body) = http_request(
        server.http_addr,
        "GET",
        &file,
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, corrected);
    assert_eq!(header(&headers, "content-type"), Some("application/pdf"));
    assert_eq!(header(&headers, "x-document-version"), Some("3"));
    assert_eq!(
        header(&headers, "etag"),
        Some(format!("\"{}\"", sha(&corrected)).as_str())
    );
    // Without a name of its own, the download is named by the document number.
    let disposition = header(&headers, "content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("415.4_12-HUK_2024.pdf"),
        "{disposition}"
    );
    // Every version stays retrievable.
    let (status, headers, body) = http_request(
        server.http_addr,
        "GET",
        &format!("{file}?version=1"),
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, first);
    assert!(
        header(&headers, "content-disposition")
            .unwrap()
            .contains("KSB%20415.4-12.pdf")
    );
    let (status, _, _) = http_request(
        server.http_addr,
        "GET",
        &format!("{file}?version=9"),
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = http_request(
        server.http_addr,
        "GET",
        &format!("{file}?version=x"),
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 400);

    // A cached copy is still good: 304. A byte range: 206.
    let etag = format!("\"{}\"", sha(&corrected));
    let (status, _, body) = http_request(
        server.http_addr,
        "GET",
        &file,
        Some(&server.admin),
        &[("If-None-Match", &etag)],
        None,
    )
    .await;
    assert_eq!((status, body.len()), (304, 0));
    let (status, headers, body) = http_request(
        server.http_addr,
        "GET",
        &file,
        Some(&server.admin),
        &[("Range", "bytes=0-7")],
        None,
    )
    .await;
    assert_eq!(status, 206);
    assert_eq!(body, b"%PDF-1.4");
    assert_eq!(
        header(&headers, "content-range"),
        Some(format!("bytes 0-7/{}", corrected.len()).as_str())
    );
    let (status, _, _) = http_request(
        server.http_addr,
        "GET",
        &file,
        Some(&server.admin),
        &[("Range", "bytes=999999-")],
        None,
    )
    .await;
    assert_eq!(status, 416);

    // The versions, listed.
    let (status, _, body) = http_request(
        server.http_addr,
        "GET",
        &file.replace("/file", "/files"),
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let versions: Vec<i64> = listed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [1, 2, 3]);

    // Each upload and download is in the audit trail: who, which hash.
    let client = server.sql().await;
    let rows = client
        .query(
            "SELECT action, actor, after->>'sha256' FROM audit_events WHERE resource = $1 \
             AND action IN ('UploadDocumentFile', 'DownloadDocumentFile') ORDER BY id",
            &[&document],
        )
        .await
        .unwrap();
    let trail: Vec<(String, String, Option<String>)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let uploads = trail.iter().filter(|t| t.0 == "UploadDocumentFile").count();
    let downloads = trail
        .iter()
        .filter(|t| t.0 == "DownloadDocumentFile")
        .count();
    assert_eq!(uploads, 3, "{trail:?}");
    // Every request that read the file is recorded: 200 (v3), 200 (v1),
    // 304, 206 and 416; the ones refused before reading it (no such
    // version, a bad version) are not.
    assert_eq!(downloads, 5, "{trail:?}");
    assert!(
        trail
            .iter()
            .all(|t| t.1 == "test-admin" && t.2.as_ref().is_some_and(|h| h.len() == 64))
    );
}

#[tokio::test]
async fn files_the_archive_does_not_keep_are_refused_by_their_content_in_bahasa_first() {
    let server = TestServer::start_with_options(
        fresh_database().await,
        Options {
            archive_max_file_bytes: 64 * 1024,
            ..Options::default()
        },
    )
    .await;
    let (file, _) = document(&server).await;
    let refused = |status: u16, body: &str, code_text: &str| (status, body.contains(code_text));
    // An executable named .pdf is an executable.
    let (status, _, body) = put(
        &server,
        &file,
        &server.admin,
        "?file_name=scan.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00",
    )
    .await;
    assert_eq!(
        refused(status, &body, "program yang dapat dijalankan"),
        (415, true),
        "{body}"
    );
    // An archive.
    let mut zip_bytes = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut zip_bytes));
        zip.start_file("scan.pdf", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, &plain_pdf("x")).unwrap();
        zip.finish().unwrap();
    }
    let (status, _, body) = put(&server, &file, &server.admin, "", &zip_bytes).await;
    assert_eq!(
        refused(status, &body, "paket ZIP yang bukan dokumen DOCX atau ODT"),
        (415, true),
        "{body}"
    );
    // A PDF with JavaScript, with embedded files, encrypted.
    for (pdf, says) in [
        (
            "/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
            "memuat JavaScript",
        ),
        ("/Names << /EmbeddedFiles 5 0 R >>", "memuat berkas sisipan"),
        ("/Encrypt 6 0 R", "terenkripsi"),
    ] {
        let bytes = format!("%PDF-1.7\n1 0 obj << /Type /Catalog {pdf} >> endobj\n%%EOF\n");
        let (status, _, body) = put(&server, &file, &server.admin, "", bytes.as_bytes()).await;
        assert_eq!(refused(status, &body, says), (415, true), "{body}");
        assert!(body.contains("file: "), "the field is named: {body}");
    }
    // Plain text is not a document the archive keeps.
    let (status, _, body) = put(&server, &file, &server.admin, "", b"Kesepakatan Bersama").await;
    assert_eq!(
        refused(status, &body, "tidak dikenali"),
        (415, true),
        "{body}"
    );
    // Too large (the limit here is 64 KB; 50 MB by default).
    let mut big = plain_pdf("besar");
    big.resize(65 * 1024, b' ');
    let (status, _, body) = put(&server, &file, &server.admin, "", &big).await;
    assert_eq!(
        refused(status, &body, "lebih besar dari 65536 bytes"),
        (413, true),
        "{body}"
    );
    // A file that changed on the way: its hash is not the one given.
    let pdf = plain_pdf("utuh");
    let (status, _, body) = put(
        &server,
        &file,
        &server.admin,
        &format!("?sha256={}", "0".repeat(64)),
        &pdf,
    )
    .await;
    assert_eq!(
        refused(status, &body, "sha256: SHA-256 berkas adalah"),
        (400, true),
        "{body}"
    );
    let (status, _, body) = put(&server, &file, &server.admin, "?sha256=abc", &pdf).await;
    assert_eq!((status, body.contains("sha256")), (400, true), "{body}");
    // An empty body.
    let (status, _, body) = put(&server, &file, &server.admin, "", b"").await;
    assert_eq!(
        refused(status, &body, "berkas kosong"),
        (400, true),
        "{body}"
    );
    // Nothing refused was stored or recorded.
    let store = server.archive_store.clone();
    assert_eq!(store.object_count().unwrap(), 0);
    let client = server.sql().await;
    let rows: i64 = client
        .query_one("SELECT count(*) FROM document_files", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 0);
    let leftovers = std::fs::read_dir(server.archive_dir.join("incoming"))
        .unwrap()
        .count();
    assert_eq!(leftovers, 0, "refused uploads leave nothing in incoming/");
}

#[tokio::test]
async fn a_region_keeps_no_more_than_its_quota_and_content_it_has_costs_nothing() {
    let server = TestServer::start_with_options(
        fresh_database().await,
        Options {
            archive_region_quota_bytes: 1000,
            ..Options::default()
        },
    )
    .await;
    let (file, _) = document(&server).await;
    let a = plain_pdf("Kesepakatan Bersama A");
    let b = plain_pdf("Perjanjian Kerja Sama B");
    assert!(a.len() + b.len() < 1000 && a.len() + b.len() + 400 > 1000);
    for bytes in [&a, &a, &b] {
        let (status, _, body) = put(&server, &file, &server.admin, "", bytes).await;
        assert_eq!(status, 201, "{body}");
    }
    // A third content would take the region past 1000 bytes.
    let mut c = plain_pdf("Persetujuan DPRD C");
    c.resize(400, b' ');
    let (status, _, body) = put(&server, &file, &server.admin, "", &c).await;
    assert_eq!(status, 507, "{body}");
    assert!(
        body.starts_with("arsip Provinsi Banten akan melampaui kuota 1000 bytes"),
        "{body}"
    );
    // Content the region already keeps still fits.
    let (status, _, body) = put(&server, &file, &server.admin, "", &b).await;
    assert_eq!(status, 201, "{body}");
    let rows: i64 = server
        .sql()
        .await
        .query_one("SELECT count(*) FROM document_files", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 4, "the refused upload recorded nothing");
    let store = server.archive_store.clone();
    assert_eq!(store.object_count().unwrap(), 2, "and stored nothing");
}

#[tokio::test]
async fn the_agreements_access_rules_hold_for_its_files() {
    let server = TestServer::start().await;
    let (file, _) = document(&server).await;
    let pdf = plain_pdf("Perjanjian");
    // No token, a bad token.
    let (status, _, _) = http_request(server.http_addr, "PUT", &file, None, &[], Some(&pdf)).await;
    assert_eq!(status, 401);
    let (status, _, _) = http_request(
        server.http_addr,
        "GET",
        &file,
        Some("not-a-token"),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 401);
    // An analyst reads but does not write; an officer of another unit
    // neither writes; another region's analyst does not even read.
    let analyst = server.token("analis", Role::Analyst, None, None).await;
    let (status, _, body) = put(&server, &file, &analyst, "", &pdf).await;
    assert_eq!(status, 403, "{body}");
    create_unit(&server, "DISHUB").await;
    let other_unit = server
        .token("petugas-lain", Role::UnitOfficer, Some("DISHUB"), None)
        .await;
    let (status, _, body) = put(&server, &file, &other_unit, "", &pdf).await;
    assert_eq!(status, 403, "{body}");
    let officer = server
        .token("petugas-dlhk", Role::UnitOfficer, Some("DLHK"), None)
        .await;
    let (status, _, body) = put(&server, &file, &officer, "", &pdf).await;
    assert_eq!(status, 201, "{body}");
    let (status, _, body) =
        http_request(server.http_addr, "GET", &file, Some(&analyst), &[], None).await;
    assert_eq!((status, body), (200, pdf.clone()));
    let elsewhere = server
        .token("analis-jabar", Role::Analyst, None, Some("32"))
        .await;
    let (status, _, _) =
        http_request(server.http_addr, "GET", &file, Some(&elsewhere), &[], None).await;
    assert_eq!(status, 403);
    // Names that are not ids; a document of another agreement.
    let (status, _, _) = http_request(
        server.http_addr,
        "GET",
        "/documents/x/y/file",
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 400);
    let wrong = format!(
        "/documents/{}/{}/file",
        uuid::Uuid::now_v7(),
        uuid::Uuid::now_v7()
    );
    let (status, _, _) = http_request(
        server.http_addr,
        "GET",
        &wrong,
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 404);
    // A deleted document takes no new version.
    let document = file
        .trim_start_matches("/documents/")
        .trim_end_matches("/file")
        .split_once('/')
        .map(|(a, d)| format!("agreements/{a}/documents/{d}"))
        .unwrap();
    server
        .documents()
        .delete_document(authed(
            &server.admin,
            pb::DeleteDocumentRequest { name: document },
        ))
        .await
        .unwrap();
    let (status, _, body) = put(&server, &file, &server.admin, "", &pdf).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("sudah dihapus"), "{body}");
}

/// The messages of an upload over gRPC: the metadata, then the file in
/// chunks of `chunk` bytes.
pub(crate) fn upload_messages(
    parent: &str,
    file_name: &str,
    sha256: &str,
    bytes: &[u8],
    chunk: usize,
) -> Vec<pb::UploadDocumentFileRequest> {
    use pb::upload_document_file_request::Content;
    std::iter::once(pb::UploadDocumentFileRequest {
        content: Some(Content::Metadata(pb::UploadDocumentFileMetadata {
            parent: parent.into(),
            file_name: file_name.into(),
            sha256: sha256.into(),
        })),
    })
    .chain(bytes.chunks(chunk).map(|c| pb::UploadDocumentFileRequest {
        content: Some(Content::Chunk(c.to_vec())),
    }))
    .collect()
}

/// An upload over gRPC by `token` (none: no authorization metadata).
pub(crate) async fn upload_grpc(
    server: &TestServer,
    token: Option<&str>,
    messages: Vec<pb::UploadDocumentFileRequest>,
) -> Result<pb::DocumentFile, tonic::Status> {
    let stream = tokio_stream::iter(messages);
    let request = match token {
        Some(token) => authed(token, stream),
        None => tonic::Request::new(stream),
    };
    server
        .documents()
        .upload_document_file(request)
        .await
        .map(tonic::Response::into_inner)
}

/// A document's file over gRPC: its description and its bytes.
pub(crate) async fn download_grpc(
    server: &TestServer,
    token: &str,
    name: &str,
) -> Result<(pb::DocumentFile, Vec<u8>), tonic::Status> {
    use pb::get_document_file_response::Content;
    let mut stream = server
        .documents()
        .get_document_file(authed(
            token,
            pb::GetDocumentFileRequest { name: name.into() },
        ))
        .await?
        .into_inner();
    let mut file = None;
    let mut bytes = Vec::new();
    while let Some(message) = stream.message().await? {
        match message.content {
            Some(Content::File(f)) => {
                assert!(file.is_none(), "the description comes once, first");
                file = Some(f);
            }
            Some(Content::Chunk(c)) => {
                assert!(file.is_some(), "the description comes first");
                bytes.extend(c);
            }
            None => {}
        }
    }
    Ok((file.expect("a description"), bytes))
}

pub(crate) fn violation_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn over_grpc_a_file_streams_in_and_out_with_the_same_rules() {
    let server = TestServer::start_with_options(
        fresh_database().await,
        Options {
            archive_max_file_bytes: 64 * 1024,
            ..Options::default()
        },
    )
    .await;
    let (http_path, document) = document(&server).await;
    let admin = server.admin.clone();

    // No file yet.
    let status = download_grpc(&server, &admin, &document).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");

    // A scan sent in 1 KiB chunks, with the hash the client computed.
    let mut scan = plain_pdf("Perjanjian Kerja Sama 000/1-PKS/2026");
    scan.resize(10 * 1024, b' ');
    let v1 = upload_grpc(
        &server,
        Some(&admin),
        upload_messages(&document, "PKS 000-1.pdf", &sha(&scan), &scan, 1024),
    )
    .await
    .unwrap();
    assert_eq!(v1.name, format!("{document}/files/1"));
    assert_eq!(
        (v1.version, v1.sha256.as_str(), v1.size_bytes),
        (1, sha(&scan).as_str(), scan.len() as i64)
    );
    assert_eq!(v1.media_type, "application/pdf");
    assert_eq!(v1.file_name, "PKS 000-1.pdf");
    assert_eq!(v1.uploaded_by, "test-admin");
    // A corrected scan, version 2; the same store serves both protocols.
    let corrected = plain_pdf("Perjanjian Kerja Sama 000/1-PKS/2026 (perbaikan)");
    let v2 = upload_grpc(
        &server,
        Some(&admin),
        upload_messages(&document, "", "", &corrected, 100),
    )
    .await
    .unwrap();
    assert_eq!(v2.version, 2);
    let (file, bytes) = download_grpc(&server, &admin, &document).await.unwrap();
    assert_eq!((file.version, bytes.as_slice()), (2, corrected.as_slice()));
    let (file, bytes) = download_grpc(&server, &admin, &v1.name).await.unwrap();
    assert_eq!((file, bytes), (v1.clone(), scan.clone()));
    let (status, _, body) =
        http_request(server.http_addr, "GET", &http_path, Some(&admin), &[], None).await;
    assert_eq!((status, body), (200, corrected.clone()));
    let listed = server
        .documents()
        .list_document_files(authed(
            &admin,
            pb::ListDocumentFilesRequest {
                parent: document.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed.files.iter().map(|f| f.version).collect::<Vec<_>>(),
        [1, 2]
    );

    // Refusals name the request's field.
    let refused = |result: Result<pb::DocumentFile, tonic::Status>| {
        let status = result.unwrap_err();
        (status.code(), violation_fields(&status))
    };
    let ia = |field: &str| (tonic::Code::InvalidArgument, vec![field.to_string()]);
    // Bytes before the metadata.
    let mut messages = upload_messages(&document, "", "", &scan, 1024);
    messages.remove(0);
    assert_eq!(
        refused(upload_grpc(&server, Some(&admin), messages).await),
        ia("metadata")
    );
    // The metadata twice.
    let mut messages = upload_messages(&document, "", "", &scan, 1024);
    messages.insert(2, messages[0].clone());
    assert_eq!(
        refused(upload_grpc(&server, Some(&admin), messages).await),
        ia("chunk")
    );
    for (parent, file_name, sha256, bytes, field) in [
        ("agreements/x", "", "", scan.clone(), "metadata.parent"),
        (
            document.as_str(),
            "",
            "abc",
            scan.clone(),
            "metadata.sha256",
        ),
        (
            document.as_str(),
            "",
            &"0".repeat(64),
            scan.clone(),
            "metadata.sha256",
        ),
        (
            document.as_str(),
            "scan\u{0}.pdf",
            "",
            scan.clone(),
            "metadata.file_name",
        ),
        (
            document.as_str(),
            "setup.pdf",
            "",
            b"MZ\x90\x00".to_vec(),
            "chunk",
        ),
        (document.as_str(), "", "", vec![b'%'; 65 * 1024], "chunk"),
        (document.as_str(), "", "", Vec::new(), "chunk"),
    ] {
        let result = upload_grpc(
            &server,
            Some(&admin),
            upload_messages(parent, file_name, sha256, &bytes, 8 * 1024),
        )
        .await;
        assert_eq!(refused(result), ia(field), "{field} ({file_name:?})");
    }
    // The Bahasa of the refusal comes along.
    let status = upload_grpc(
        &server,
        Some(&admin),
        upload_messages(&document, "", "", b"MZ\x90\x00", 1024),
    )
    .await
    .unwrap_err();
    use tonic_types::StatusExt;
    let localized = status.get_details_localized_message().unwrap();
    assert!(
        localized.message.contains("program yang dapat dijalankan"),
        "{localized:?}"
    );

    // Who may: no token, an analyst (reads, does not write), an unknown
    // document, a version that does not exist, a name that is not one.
    let status = upload_grpc(
        &server,
        None,
        upload_messages(&document, "", "", &scan, 1024),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated);
    let analyst = server.token("analis", Role::Analyst, None, None).await;
    let status = upload_grpc(
        &server,
        Some(&analyst),
        upload_messages(&document, "", "", &scan, 1024),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    assert!(download_grpc(&server, &analyst, &document).await.is_ok());
    let unknown = format!(
        "{}/documents/{}",
        document.split("/documents/").next().unwrap(),
        uuid::Uuid::now_v7()
    );
    let status = upload_grpc(
        &server,
        Some(&admin),
        upload_messages(&unknown, "", "", &scan, 1024),
    )
    .await
    .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound);
    for (name, code) in [
        (format!("{document}/files/3"), tonic::Code::NotFound),
        (format!("{document}/files/01"), tonic::Code::InvalidArgument),
        (format!("{document}/files/0"), tonic::Code::InvalidArgument),
        ("documents/x".to_string(), tonic::Code::InvalidArgument),
    ] {
        let status = download_grpc(&server, &admin, &name).await.unwrap_err();
        assert_eq!(status.code(), code, "{name}");
        if code == tonic::Code::InvalidArgument {
            assert_eq!(violation_fields(&status), ["name"]);
        }
    }
    // Nothing refused was recorded: versions 1 and 2 only.
    let rows: i64 = server
        .sql()
        .await
        .query_one("SELECT count(*) FROM document_files", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(rows, 2);
}

/// A scanned page as a PDF: one image, no text layer. Its pixel bytes hold
/// "/JS " and "/Encrypt", as any large scan's may by chance.
fn scanned_pdf() -> Vec<u8> {
    let mut pixels: Vec<u8> = (0..4096u32).map(|i| (i * 31 % 251) as u8).collect();
    pixels.splice(100..100, b"/JS \x00/Encrypt\x01/Launch ".iter().copied());
    let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
        2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n\
        3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
        /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>\nendobj\n\
        4 0 obj\n<< /Length 34 >>\nstream\nq 595 0 0 842 0 0 cm /Im1 Do Q    \nendstream\nendobj\n"
        .to_vec();
    pdf.extend(
        format!(
            "5 0 obj\n<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray \
             /BitsPerComponent 8 /Length {} >>\nstream\n",
            pixels.len()
        )
        .into_bytes(),
    );
    pdf.extend(&pixels);
    pdf.extend(b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    pdf
}

/// A DOCX with `paragraphs`.
fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
        .collect();
    let mut bytes = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("[Content_Types].xml", options).unwrap();
        std::io::Write::write_all(&mut zip, b"<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>").unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        std::io::Write::write_all(
            &mut zip,
            format!(
                "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
            )
            .as_bytes(),
        )
        .unwrap();
        zip.finish().unwrap();
    }
    bytes
}

pub(crate) async fn search(
    server: &TestServer,
    token: &str,
    query: &str,
) -> Result<Vec<pb::AgreementSearchResult>, tonic::Status> {
    server
        .agreements()
        .search_agreements(authed(
            token,
            pb::SearchAgreementsRequest {
                query: query.into(),
                ..Default::default()
            },
        ))
        .await
        .map(|r| r.into_inner().results)
}

/// A document of `kind` on `agreement` (metadata only), named by the
/// agreement's number and title.
pub(crate) async fn document_of(
    server: &TestServer,
    agreement: &pb::Agreement,
    kind: pb::DocumentType,
) -> String {
    server
        .documents()
        .create_document(authed(
            &server.admin,
            pb::CreateDocumentRequest {
                parent: agreement.name.clone(),
                document: Some(pb::Document {
                    r#type: kind as i32,
                    number: agreement.document_number.clone(),
                    title: agreement.title.clone(),
                    uri: "https://arsip.bantenprov.go.id/ks/naskah.pdf".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .name
}

/// A document of `kind` on `agreement` holding `bytes` (version 1).
pub(crate) async fn filed(
    server: &TestServer,
    agreement: &pb::Agreement,
    kind: pb::DocumentType,
    bytes: &[u8],
) -> (String, pb::DocumentFile) {
    let document = document_of(server, agreement, kind).await;
    let file = upload_grpc(
        server,
        Some(&server.admin),
        upload_messages(&document, "", "", bytes, 64 * 1024),
    )
    .await
    .unwrap();
    (document, file)
}

#[tokio::test]
async fn an_agreement_is_found_by_a_phrase_of_its_signed_text_ranked_with_a_snippet() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let numbered = |title: &str, number: &str| pb::Agreement {
        document_number: number.into(),
        ..ksdd_ksb("DLHK", title)
    };
    let waste = create(
        &server,
        numbered("Kerja sama bidang lingkungan", "415.4/12-HUK/2024"),
    )
    .await;
    let roads = create(
        &server,
        numbered("Kerja sama bidang pekerjaan umum", "415.4/13-HUK/2024"),
    )
    .await;
    let health = create(
        &server,
        numbered("Kerja sama kesehatan", "415.4/14-HUK/2024"),
    )
    .await;

    // The signed PKS of `waste` says what the title does not.
    let (_, pks) = filed(
        &server,
        &waste,
        pb::DocumentType::Ksb,
        &text_pdf(&[
            "KESEPAKATAN BERSAMA",
            "Pasal 3: Para Pihak sepakat melaksanakan pengelolaan sampah regional",
            "di Tempat Pemrosesan Akhir Sampah Cilowong, Kota Serang.",
        ]),
    )
    .await;
    assert!(pks.has_text, "a PDF with a text layer is searchable");
    // `roads` has a DOCX whose text mentions the landfill once.
    let (_, word) = filed(
        &server,
        &roads,
        pb::DocumentType::Ksb,
        &docx(&[
            "Rencana kerja pemeliharaan jalan akses menuju Cilowong.",
            "Jembatan dan drainase.",
        ]),
    )
    .await;
    assert!(word.has_text);
    // `health` has only a scanned PDF without a text layer (an image whose
    // pixels happen to hold the bytes "/JS" and "/Encrypt": data, not
    // syntax): stored, "no text".
    let (_, scan) = filed(&server, &health, pb::DocumentType::Ksb, &scanned_pdf()).await;
    assert!(!scan.has_text);
    assert_eq!(scan.media_type, "application/pdf");
    // An image is stored the same way.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend([0u8; 64]);
    let (_, photo) = filed(&server, &health, pb::DocumentType::Other, &png).await;
    assert!(!photo.has_text);

    // A phrase from the signed text finds `waste`, with where it matched.
    let hits = search(&server, &server.admin, "\"pengelolaan sampah regional\"")
        .await
        .unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!(hits[0].agreement, waste.name);
    assert_eq!(hits[0].document_number, "415.4/12-HUK/2024");
    assert_eq!(hits[0].matched_in, pb::SearchMatch::DocumentText as i32);
    assert!(
        hits[0]
            .document
            .starts_with(&format!("{}/documents/", waste.name))
    );
    assert!(
        hits[0]
            .snippet
            .contains("«pengelolaan» «sampah» «regional»"),
        "{}",
        hits[0].snippet
    );
    // Words are AND-ed; one word alone finds both texts that say it, ranked.
    let hits = search(&server, &server.admin, "Cilowong sampah")
        .await
        .unwrap();
    assert_eq!(
        hits.iter()
            .map(|h| h.agreement.as_str())
            .collect::<Vec<_>>(),
        [waste.name.as_str()],
        "AND-ed: only the text with both words"
    );
    let hits = search(&server, &server.admin, "Cilowong").await.unwrap();
    assert_eq!(hits.len(), 2, "{hits:?}");
    assert!(hits[0].rank >= hits[1].rank);
    // Indonesian stemming is PostgreSQL's: "pemeliharaan" is found as written.
    let hits = search(&server, &server.admin, "pemeliharaan jalan")
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].agreement, roads.name);
    // The title, the document number and the parties are searched too.
    let hits = search(&server, &server.admin, "kesehatan").await.unwrap();
    assert_eq!(
        (hits.len(), hits[0].matched_in),
        (1, pb::SearchMatch::Record as i32)
    );
    let hits = search(&server, &server.admin, "Tangerang").await.unwrap();
    assert_eq!(hits.len(), 3, "every fixture's partner is Kota Tangerang");
    assert!(
        hits.iter()
            .all(|h| h.matched_in == pb::SearchMatch::Party as i32)
    );
    // A word only a newer version no longer says is not found; the newest
    // version's is.
    let document = format!("{}/documents/", roads.name);
    let listed = server
        .documents()
        .list_documents(authed(
            &server.admin,
            pb::ListDocumentsRequest {
                parent: roads.name.clone(),
                show_deleted: false,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .documents;
    assert!(listed[0].name.starts_with(&document));
    upload_grpc(
        &server,
        Some(&server.admin),
        upload_messages(
            &listed[0].name,
            "",
            "",
            &docx(&["Rencana kerja pemeliharaan trotoar kota."]),
            1024,
        ),
    )
    .await
    .unwrap();
    assert!(
        search(&server, &server.admin, "Cilowong drainase")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        search(&server, &server.admin, "trotoar").await.unwrap()[0].agreement,
        roads.name
    );
    // A deleted document's text is not searched.
    let waste_documents = server
        .documents()
        .list_documents(authed(
            &server.admin,
            pb::ListDocumentsRequest {
                parent: waste.name.clone(),
                show_deleted: false,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .documents;
    server
        .documents()
        .delete_document(authed(
            &server.admin,
            pb::DeleteDocumentRequest {
                name: waste_documents[0].name.clone(),
            },
        ))
        .await
        .unwrap();
    assert!(
        search(&server, &server.admin, "\"pengelolaan sampah regional\"")
            .await
            .unwrap()
            .is_empty()
    );

    // Another region's reader finds nothing here and may not ask for it.
    let jabar = server
        .token("analis-jabar", Role::Analyst, None, Some("32"))
        .await;
    assert!(
        search(&server, &jabar, "Tangerang")
            .await
            .unwrap()
            .is_empty()
    );
    let status = server
        .agreements()
        .search_agreements(authed(
            &jabar,
            pb::SearchAgreementsRequest {
                query: "Tangerang".into(),
                region_code: "36".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied);
    // No words: INVALID_ARGUMENT on `query`.
    let status = search(&server, &server.admin, "   ").await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(violation_fields(&status), ["query"]);
}

/// A form's content type and body.
type Form = (String, Vec<u8>);

/// A `multipart/form-data` body of `parts`: (name, file name, bytes).
fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Form {
    let boundary = "----kerjasama-batas-7f3a";
    let mut body = Vec::new();
    for (name, file_name, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(f) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post(
    server: &TestServer,
    path: &str,
    token: &str,
    (content_type, body): Form,
) -> (u16, String) {
    let (status, _, body) = http_request(
        server.http_addr,
        "POST",
        path,
        Some(token),
        &[("Content-Type", &content_type)],
        Some(&body),
    )
    .await;
    (status, String::from_utf8_lossy(&body).to_string())
}

#[tokio::test]
async fn a_form_upload_is_the_same_upload_with_the_same_rules() {
    let server = TestServer::start().await;
    let (file, document) = document(&server).await;
    let pdf = plain_pdf("Perjanjian Kerja Sama lewat formulir");

    // The file part's own name is the download name; the hash is checked.
    let sha256 = sha(&pdf);
    let (status, body) = post(
        &server,
        &file,
        &server.admin,
        form(&[
            ("sha256", None, sha256.as_bytes()),
            ("file", Some("PKS 12 2024.pdf"), &pdf),
        ]),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let v1: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            &v1["version"],
            &v1["file_name"],
            &v1["sha256"],
            &v1["document"]
        ),
        (
            &serde_json::json!(1),
            &serde_json::json!("PKS 12 2024.pdf"),
            &serde_json::json!(sha256),
            &serde_json::json!(document)
        )
    );
    // A `file_name` part, after the file, names it instead.
    let (status, body) = post(
        &server,
        &file,
        &server.admin,
        form(&[
            ("file", Some("scan0001.pdf"), &pdf),
            ("file_name", None, "PKS 12-2024 (salinan).pdf".as_bytes()),
        ]),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(
        body.contains("\"file_name\":\"PKS 12-2024 (salinan).pdf\""),
        "{body}"
    );
    let (status, _, downloaded) = http_request(
        server.http_addr,
        "GET",
        &file,
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    assert_eq!((status, downloaded), (200, pdf.clone()));

    // Refusals, each storing nothing: the rules of PUT, then the form's own.
    let elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".repeat(8);
    let refused: Vec<(u16, Form, &str)> = vec![
        (415, form(&[("file", Some("surat.pdf"), &elf)]), "file:"),
        (
            400,
            form(&[
                ("file", Some("a.pdf"), &pdf),
                ("sha256", None, "0".repeat(64).as_bytes()),
            ]),
            "sha256:",
        ),
        (400, form(&[("sha256", None, sha256.as_bytes())]), "`file`"),
        (
            400,
            form(&[("file", Some("a.pdf"), &pdf), ("file", Some("b.pdf"), &pdf)]),
            "hanya satu",
        ),
        (
            400,
            form(&[("file", Some("a.pdf"), &pdf), ("catatan", None, b"x")]),
            "\"catatan\"",
        ),
        (
            400,
            ("application/pdf".to_string(), pdf.clone()),
            "multipart/form-data",
        ),
    ];
    for (expected, body, says) in refused {
        let (status, answer) = post(&server, &file, &server.admin, body).await;
        assert_eq!(status, expected, "{answer}");
        assert!(answer.contains(says), "{says:?} in {answer}");
    }
    // A form past the size limit is 413.
    let big = [plain_pdf("besar"), vec![b' '; 51 * 1024 * 1024]].concat();
    let (status, answer) = post(
        &server,
        &file,
        &server.admin,
        form(&[("file", Some("besar.pdf"), &big)]),
    )
    .await;
    assert_eq!(status, 413, "{answer}");
    // The agreement's access rule: an analyst reads, never writes.
    let analyst = server.token("analis", Role::Analyst, None, None).await;
    let (status, answer) = post(
        &server,
        &file,
        &analyst,
        form(&[("file", Some("a.pdf"), &pdf)]),
    )
    .await;
    assert_eq!(status, 403, "{answer}");
    let (status, _, listed) = http_request(
        server.http_addr,
        "GET",
        &format!("{}s", file),
        Some(&server.admin),
        &[],
        None,
    )
    .await;
    assert_eq!(status, 200);
    let listed: serde_json::Value = serde_json::from_slice(&listed).unwrap();
    assert_eq!(listed["files"].as_array().unwrap().len(), 2, "{listed}");
    let store = server.archive_store.clone();
    assert_eq!(store.object_count().unwrap(), 1);
}
