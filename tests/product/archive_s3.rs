//! The archive's S3 store against a real S3 server process (moto's, started
//! by the test): files go to the bucket, not the data dir, stored once per
//! content, read back verified; a bucket that stops answering is 503 with
//! nothing recorded.

use kerjasama_tests::s3::S3Server;
use kerjasama_tests::{Options, TestServer, fresh_database, http_request};
use sha2::Digest;

use crate::archive::{document, download_grpc, plain_pdf, put};

const BUCKET: &str = "arsip-kerjasama";

#[tokio::test]
async fn the_archive_keeps_its_files_in_an_s3_bucket() {
    let mut s3 = S3Server::start(BUCKET).await;
    let server = TestServer::start_with_options(
        fresh_database().await,
        Options {
            s3: Some(s3.settings(BUCKET)),
            ..Options::default()
        },
    )
    .await;
    assert_eq!(server.archive_store.location(), format!("s3://{BUCKET}"));
    let (file, document_name) = document(&server).await;
    let first = plain_pdf("Kesepakatan Bersama di ember S3");
    let second = plain_pdf("Kesepakatan Bersama di ember S3 (pindaian ulang)");
    for bytes in [&first, &first, &second] {
        let (status, _, body) = put(&server, &file, &server.admin, "", bytes).await;
        assert_eq!(status, 201, "{body}");
    }
    // Two contents in the bucket, none in the data dir, nothing left behind.
    assert_eq!(server.archive_store.count_objects().await.unwrap(), 2);
    assert!(!server.archive_dir.join("objects").exists());
    assert_eq!(
        std::fs::read_dir(server.archive_dir.join("incoming"))
            .unwrap()
            .count(),
        0
    );
    // Served from the bucket over HTTP and gRPC, every version.
    let get = |path: String| {
        let server = &server;
        async move {
            let (status, _, body) = http_request(
                server.http_addr,
                "GET",
                &path,
                Some(&server.admin),
                &[],
                None,
            )
            .await;
            (status, body)
        }
    };
    assert_eq!(get(file.clone()).await, (200, second.clone()));
    assert_eq!(get(format!("{file}?version=1")).await, (200, first.clone()));
    let (_, bytes) = download_grpc(&server, &server.admin, &document_name)
        .await
        .unwrap();
    assert_eq!(bytes, second);

    // Read back verified: an object changed in the bucket is never served.
    let sha = hex::encode(sha2::Sha256::digest(&first));
    // (Changed behind the register's back, with the bucket's own keys.)
    let bucket = s3.settings(BUCKET);
    let raw = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_endpoint(&bucket.endpoint)
        .with_allow_http(true)
        .with_region(&bucket.region)
        .with_access_key_id(&bucket.access_key_id)
        .with_secret_access_key(&bucket.secret_access_key)
        .build()
        .unwrap();
    object_store::ObjectStore::put(
        &raw,
        &object_store::path::Path::from(format!("objects/{}/{sha}", &sha[..2])),
        object_store::PutPayload::from_static(b"%PDF-1.4 diubah"),
    )
    .await
    .unwrap();
    let (status, _) = get(format!("{file}?version=1")).await;
    assert_eq!(status, 500);

    // The bucket stops answering: an upload is 503 and records nothing.
    s3.stop();
    let third = plain_pdf("Adendum saat S3 mati");
    let (status, _, body) = put(&server, &file, &server.admin, "", &third).await;
    assert_eq!(status, 503, "{body}");
    let versions: i64 = server
        .sql()
        .await
        .query_one("SELECT count(*) FROM document_files", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(versions, 3);
    let (status, _) = get(file.clone()).await;
    assert_eq!(status, 503);
}

#[tokio::test]
async fn a_bucket_that_does_not_answer_stops_the_server_at_start() {
    let s3 = S3Server::start(BUCKET).await;
    let dir = kerjasama_tests::scratch_dir("s3-missing");
    let missing = kerjasama_core::archive::Store::open_in_bucket(&dir, &s3.settings("tidak-ada"))
        .await
        .unwrap_err();
    assert!(
        missing
            .to_string()
            .starts_with("the archive's bucket s3://tidak-ada:"),
        "{missing}"
    );
    // The command line says so before doing anything else.
    let db = fresh_database().await;
    let args: Vec<std::ffi::OsString> = vec![
        "import".into(),
        "register.xlsx".into(),
        "--documents".into(),
        dir.clone().into(),
        "--archive-s3-bucket".into(),
        "tidak-ada".into(),
        "--archive-s3-endpoint".into(),
        s3.endpoint.clone().into(),
        "--archive-s3-access-key-id".into(),
        "kerjasama-test".into(),
    ];
    let (ok, said) = kerjasama_tests::run_binary(
        &db.url,
        &dir,
        &args,
        &[(
            "KERJASAMA_ARCHIVE_S3_SECRET_ACCESS_KEY",
            "kerjasama-test-secret",
        )],
    )
    .await;
    assert!(!ok);
    assert!(
        said.contains("the archive's bucket s3://tidak-ada"),
        "{said}"
    );
}
