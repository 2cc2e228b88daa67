//! `kerjasama import FILE --documents DIR|ZIP`: a register and the scans of
//! its signed texts, keyed by document number, filed in the archive with the
//! rows, all or nothing; a dry run checks every scan and stores none.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use kerjasama_tests::{TestServer, scratch_dir};

use crate::archive::{search, text_pdf};
use crate::fixtures::REGION;
use crate::imports::{KSB, PKS, build, register_spec, units};

/// Runs the binary on the test server's database with `data_dir`.
async fn kerjasama(server: &TestServer, data_dir: &Path, args: Vec<OsString>) -> (bool, String) {
    kerjasama_tests::run_binary(&server.db.url, data_dir, &args, &[]).await
}

async fn count(server: &TestServer, sql: &str) -> i64 {
    server.sql().await.query_one(sql, &[]).await.unwrap().get(0)
}

fn import(file: &Path, documents: &Path, dry_run: bool) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        "import".into(),
        file.into(),
        "--region".into(),
        REGION.into(),
        "--documents".into(),
        documents.into(),
    ];
    if dry_run {
        args.push("--dry-run".into());
    }
    args
}

fn write(path: PathBuf, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn scans_keyed_by_document_number_are_filed_with_the_register_all_or_nothing() {
    let server = TestServer::start().await;
    units(&server).await;
    let dir = scratch_dir("import-scans");
    let data_dir = dir.join("data");
    let (name, content) = build(&register_spec(), None).await.remove(0);
    let register = dir.join(name);
    write(register.clone(), &content);
    let ksb = text_pdf(&[
        "KESEPAKATAN BERSAMA",
        "Pengelolaan sampah regional Cilowong",
    ]);
    let pks = text_pdf(&[
        "PERJANJIAN KERJA SAMA",
        "Pengangkutan sampah ke TPAS Bagendung",
    ]);
    // Named as bureaus name scans: the number with its slashes replaced, in
    // any case, in a sub-folder.
    let scans = dir.join("pindaian");
    write(scans.join("415.4-01-HUK-2025.pdf"), &ksb);
    write(scans.join("2025").join("415.4_02_huk_2025.PDF"), &pks);
    write(scans.join(".DS_Store"), b"\0\0\0\x01Bud1");
    // Two that cannot be filed: no agreement has the number; not a document.
    write(scans.join("999-99-XYZ-2025.pdf"), &ksb);
    write(
        scans.join("415.4-03-HUK-2025.pdf"),
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
    );

    // The dry run lists both problems on the sheet "Berkas"; nothing written.
    let archive = data_dir.join("archive");
    let (ok, out) = kerjasama(&server, &data_dir, import(&register, &scans, true)).await;
    assert!(!ok, "{out}");
    assert!(out.contains("scans: 4 in"), "{out}");
    let report = std::fs::read_to_string(format!("{}.laporan.csv", register.display()))
        .unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(
        report.contains("Berkas,,Nama Berkas,999-99-XYZ-2025.pdf,tidak ada perjanjian di register wilayah Provinsi Banten"),
        "{report}"
    );
    assert!(
        report.contains("415.4-03-HUK-2025.pdf,")
            && report.contains("program yang dapat dijalankan"),
        "{report}"
    );
    assert_eq!(count(&server, "SELECT count(*) FROM agreements").await, 0);
    assert_eq!(
        count(&server, "SELECT count(*) FROM document_files").await,
        0
    );

    // Without them the dry run passes and would file two; still nothing stored.
    std::fs::remove_file(scans.join("999-99-XYZ-2025.pdf")).unwrap();
    std::fs::remove_file(scans.join("415.4-03-HUK-2025.pdf")).unwrap();
    let (ok, out) = kerjasama(&server, &data_dir, import(&register, &scans, true)).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("2 would be filed, 0 already filed, 0 with problems"),
        "{out}"
    );
    assert_eq!(
        count(&server, "SELECT count(*) FROM document_files").await,
        0
    );
    let store = kerjasama_core::archive::Store::open(&archive).unwrap();
    assert_eq!(store.object_count().unwrap(), 0, "a dry run stores nothing");

    // The commit writes the rows and files both scans, each as its
    // agreement's own signed document, in the audit trail with the run.
    let (ok, out) = kerjasama(&server, &data_dir, import(&register, &scans, false)).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("SUCCEEDED") && out.contains("2 filed"),
        "{out}"
    );
    let rows = server
        .sql()
        .await
        .query(
            "SELECT a.document_number, d.kind, d.number, d.uri, f.version, f.file_name, f.sha256 \
             FROM document_files f JOIN agreement_documents d ON d.id = f.document_id \
             JOIN agreements a ON a.id = d.agreement_id ORDER BY a.document_number",
            &[],
        )
        .await
        .unwrap();
    let filed: Vec<(String, String, String, String, i32, String)> = rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
        .collect();
    assert_eq!(
        filed,
        [
            (
                KSB.into(),
                "KSB".into(),
                KSB.into(),
                "".into(),
                1,
                "415.4-01-HUK-2025.pdf".into()
            ),
            (
                PKS.into(),
                "PKS".into(),
                PKS.into(),
                "".into(),
                1,
                "415.4_02_huk_2025.PDF".into()
            ),
        ]
    );
    let sha: String = rows[0].get(6);
    assert_eq!(store.read_verified(&sha).await.unwrap(), Some(ksb.clone()));
    assert_eq!(store.object_count().unwrap(), 2);
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM audit_events WHERE action = 'UploadDocumentFile' \
             AND request_id LIKE 'importRuns/%'"
        )
        .await,
        2
    );
    // Found by what the scans say.
    let found = search(&server, &server.admin, "\"TPAS Bagendung\"")
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].document_number, PKS);

    // Again, from a ZIP with a corrected scan of the KSB: version 2 of the
    // KSB; the PKS is already filed.
    let corrected = text_pdf(&[
        "KESEPAKATAN BERSAMA",
        "Pengelolaan sampah regional (pindaian ulang)",
    ]);
    let zipped = dir.join("pindaian.zip");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&zipped).unwrap());
        for (name, bytes) in [
            ("pindaian/415.4-01-HUK-2025.pdf", &corrected),
            ("pindaian/415.4-02-HUK-2025.pdf", &pks),
            ("__MACOSX/pindaian/._415.4-01-HUK-2025.pdf", &ksb),
        ] {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
    }
    let (ok, out) = kerjasama(&server, &data_dir, import(&register, &zipped, false)).await;
    assert!(ok, "{out}");
    assert!(
        out.contains("1 filed, 1 already filed, 0 with problems"),
        "{out}"
    );
    let versions: Vec<i32> = server
        .sql()
        .await
        .query("SELECT version FROM document_files ORDER BY version", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1, 1, 2]);

    // All or nothing: a register with a bad row files no scan either.
    let mut spec = register_spec();
    spec["sheets"][1]["rows"][1][9] = serde_json::json!("besok pagi");
    let (name, content) = build(&spec, None).await.remove(0);
    let bad = dir.join(format!("bad-{name}"));
    write(bad.clone(), &content);
    let other = dir.join("lain");
    write(
        other.join("415.4-02-HUK-2025.pdf"),
        &text_pdf(&["PERJANJIAN KERJA SAMA", "Adendum"]),
    );
    let (ok, out) = kerjasama(&server, &data_dir, import(&bad, &other, false)).await;
    assert!(!ok, "{out}");
    assert_eq!(
        count(&server, "SELECT count(*) FROM document_files").await,
        3
    );
    assert_eq!(store.object_count().unwrap(), 3);

    // A location that is neither a folder nor a ZIP stops at once.
    let single = scans.join("415.4-01-HUK-2025.pdf");
    let (ok, out) = kerjasama(&server, &data_dir, import(&register, &single, true)).await;
    assert!(!ok);
    assert!(out.contains("bukan folder atau berkas ZIP"), "{out}");
}
