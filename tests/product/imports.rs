//! Bulk import through ImportService, with workbooks written by openpyxl
//! (tests/clients/python/build_workbook.py), a different writer than the
//! product's: dry run, commit all or nothing, re-import without duplicates,
//! and bad files that get clear answers.

use std::time::Duration;

use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::import_service_client::ImportServiceClient;
use kerjasama_tests::{TestServer, assert_rejected, authed, scratch_dir};
use serde_json::{Value, json};
use tonic::Code;
use tonic::transport::Channel;

use crate::clients::{clients_dir, python};
use crate::fixtures::{REGION, create_unit};

pub(crate) const AGREEMENT_HEADER: &[&str] = &[
    "Nomor Dokumen",
    "Judul",
    "Jenis Kerja Sama",
    "Jenis Dokumen",
    "Nomor Dokumen Induk",
    "Kode OPD",
    "Urusan",
    "Dasar KSDD",
    "Tujuan",
    "Tanggal Tanda Tangan",
    "Berlaku Mulai",
    "Berlaku Sampai",
    "Perlu Persetujuan DPRD",
    "Anggaran (Rp)",
    "Siklus Laporan",
    "Terbuka Penuh",
];
pub(crate) const PARTY_HEADER: &[&str] = &[
    "Nomor Dokumen",
    "Nama Pihak",
    "Jenis Pihak",
    "Kode Wilayah",
    "Kode Negara",
    "Nomor Dokumen Pihak",
];
const INDICATOR_HEADER: &[&str] = &[
    "Nomor Dokumen",
    "Judul Indikator",
    "Kategori",
    "Satuan",
    "Penerima Manfaat",
    "Nilai Awal",
    "Target",
    "Tanggal Target",
    "Makin Tinggi Makin Baik",
];
const REALISATION_HEADER: &[&str] = &[
    "Nomor Dokumen",
    "Judul Indikator",
    "Periode Mulai",
    "Periode Selesai",
    "Nilai",
    "Catatan",
];
pub(crate) const REPORT_HEADER: &[&str] = &[
    "Nomor Dokumen",
    "Awal Siklus",
    "Tanggal Disampaikan",
    "Ringkasan",
    "Kemajuan (%)",
    "Kendala",
    "Tindak Lanjut",
];

pub(crate) const KSB: &str = "415.4/01-HUK/2025";
pub(crate) const PKS: &str = "415.4/02-HUK/2025";
const UNSIGNED: &str = "070/03-DISDIK/2026";

pub(crate) fn date(text: &str) -> Value {
    json!({ "date": text })
}

pub(crate) fn header(names: &[&str]) -> Value {
    json!(names)
}

/// The register a bureau keeps today: a signed KSB with its PKS (a child by
/// document number), an unsigned PKS with a person among its partners, their
/// indicators, realisations and implementation reports.
pub(crate) fn register_spec() -> Value {
    json!({ "sheets": [
        { "name": "Petunjuk", "rows": [["Diisi oleh biro"]] },
        { "name": "Perjanjian", "rows": [
            header(AGREEMENT_HEADER),
            [KSB, "Pengelolaan sampah regional", "KSDD", "KSB", null, "DLH", "ENVIRONMENT", "MANDATORY",
             "Tujuan bersama", date("2025-03-10"), date("2025-03-10"), date("2030-03-09"), "tidak",
             1500000000, "QUARTERLY", "ya"],
            [PKS, "PKS pengangkutan sampah", "ksdd", "PKS", KSB, "DLH", "ENVIRONMENT", "MANDATORY",
             "", "12/05/2025", date("2025-05-12"), "2027-05-11", null, "Rp 250.000.000", "SEMESTER", null],
            [UNSIGNED, "Beasiswa mahasiswa", "KSDPK", "PKS", null, "DISDIK", "EDUCATION", null,
             "", null, null, null, null, null, null, null]
        ]},
        { "name": "Pihak", "rows": [
            header(PARTY_HEADER),
            [KSB, "Pemerintah Kota Tangerang", "CITY_GOVERNMENT", "36.71", null, "KOTA/01/2025"],
            [PKS, "Pemerintah Kota Tangerang", "CITY_GOVERNMENT", "36.71", null, "KOTA/02/2025"],
            [UNSIGNED, "Universitas Sultan Ageng Tirtayasa", "UNIVERSITY", null, null, null],
            [UNSIGNED, "Budi Santoso", "INDIVIDUAL", null, null, null]
        ]},
        { "name": "Indikator", "rows": [
            header(INDICATOR_HEADER),
            [PKS, "Sampah terangkut", "SERVICE_REACH", "TONNE", "REGION", 0, 1200.5, date("2026-12-31"), "ya"],
            [PKS, "Penghematan biaya", "COST_SAVING", "IDR", "REGION", null, "1.250.000.000", null, null]
        ]},
        { "name": "Realisasi", "rows": [
            header(REALISATION_HEADER),
            [PKS, "Sampah terangkut", date("2025-07-01"), date("2025-09-30"), 310.25, "Triwulan III"],
            [PKS, "Penghematan biaya", date("2025-07-01"), date("2025-12-31"), 125000000, ""]
        ]},
        { "name": "Laporan Pelaksanaan", "rows": [
            header(REPORT_HEADER),
            [PKS, date("2025-07-01"), date("2026-01-15"), "Pengangkutan berjalan", 40, "Armada kurang", "Tambah armada"]
        ]}
    ]})
}

/// Builds a workbook (or, with `csv`, CSV files) with openpyxl; returns the
/// files' names and bytes.
pub(crate) async fn build(spec: &Value, csv: Option<&[&str]>) -> Vec<(String, Vec<u8>)> {
    let dir = scratch_dir("import");
    std::fs::create_dir_all(&dir).unwrap();
    let spec_path = dir.join("spec.json");
    std::fs::write(&spec_path, serde_json::to_vec(spec).unwrap()).unwrap();
    let script = clients_dir().join("python").join("build_workbook.py");
    let out = match csv {
        None => dir.join("register.xlsx"),
        Some(_) => dir.join("csv"),
    };
    let mut command = tokio::process::Command::new(python());
    command.arg(&script).arg(&spec_path).arg(&out);
    if let Some(extra) = csv {
        command.arg("--csv").args(extra);
    }
    let output = tokio::time::timeout(Duration::from_secs(300), command.output())
        .await
        .expect("build_workbook.py within 5 minutes")
        .expect("run build_workbook.py");
    assert!(
        output.status.success(),
        "build_workbook.py: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    if csv.is_none() {
        return vec![("register.xlsx".into(), std::fs::read(&out).unwrap())];
    }
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

pub(crate) fn client(server: &TestServer) -> ImportServiceClient<Channel> {
    ImportServiceClient::new(server.channel())
        .max_decoding_message_size(64 * 1024 * 1024)
        .max_encoding_message_size(80 * 1024 * 1024)
}

pub(crate) async fn upload(
    server: &TestServer,
    files: &[(String, Vec<u8>)],
    validate_only: bool,
) -> Result<pb::ImportRun, tonic::Status> {
    upload_with(server, files, validate_only, "").await
}

/// An upload with the run's `history_from` (empty: none).
pub(crate) async fn upload_with(
    server: &TestServer,
    files: &[(String, Vec<u8>)],
    validate_only: bool,
    history_from: &str,
) -> Result<pb::ImportRun, tonic::Status> {
    client(server)
        .create_import_run(authed(
            &server.admin,
            pb::CreateImportRunRequest {
                region_code: REGION.into(),
                files: files
                    .iter()
                    .map(|(name, content)| pb::ImportFile {
                        file_name: name.clone(),
                        content: content.clone(),
                    })
                    .collect(),
                validate_only,
                request_id: String::new(),
                history_from: history_from.into(),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

/// Polls until the run leaves VALIDATING / COMMITTING.
pub(crate) async fn settled(server: &TestServer, run: &pb::ImportRun) -> pb::ImportRun {
    for _ in 0..1200 {
        let now = client(server)
            .get_import_run(authed(
                &server.admin,
                pb::GetImportRunRequest {
                    name: run.name.clone(),
                },
            ))
            .await
            .expect("get import run")
            .into_inner();
        let state = pb::ImportRunState::try_from(now.state).unwrap();
        if !matches!(
            state,
            pb::ImportRunState::Validating | pb::ImportRunState::Committing
        ) {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{} did not settle within 2 minutes", run.name);
}

pub(crate) async fn commit(server: &TestServer, run: &pb::ImportRun) -> pb::ImportRun {
    let started = client(server)
        .commit_import_run(authed(
            &server.admin,
            pb::CommitImportRunRequest {
                name: run.name.clone(),
                etag: run.etag.clone(),
            },
        ))
        .await
        .expect("commit")
        .into_inner();
    settled(server, &started).await
}

pub(crate) async fn rows(server: &TestServer, run: &pb::ImportRun) -> Vec<pb::ImportRow> {
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let page = client(server)
            .list_import_rows(authed(
                &server.admin,
                pb::ListImportRowsRequest {
                    parent: run.name.clone(),
                    page_size: 100,
                    page_token: token.clone(),
                },
            ))
            .await
            .expect("list import rows")
            .into_inner();
        all.extend(page.import_rows);
        if page.next_page_token.is_empty() {
            return all;
        }
        token = page.next_page_token;
    }
}

/// The rows of `table` in [`TestServer::row_counts`]'s answer.
fn rows_of(counts: &[(String, i64)], table: &str) -> i64 {
    counts
        .iter()
        .find(|(t, _)| t == table)
        .map(|(_, n)| *n)
        .unwrap_or_else(|| panic!("row_counts has no table {table}"))
}

pub(crate) async fn units(server: &TestServer) {
    for unit in ["DLH", "DISDIK"] {
        create_unit(server, unit).await;
    }
}

pub(crate) fn state(run: &pb::ImportRun) -> pb::ImportRunState {
    pb::ImportRunState::try_from(run.state).unwrap()
}

#[tokio::test]
async fn a_register_imports_after_a_dry_run_and_a_second_import_changes_nothing() {
    let server = TestServer::start().await;
    units(&server).await;
    let files = build(&register_spec(), None).await;
    let before = server.row_counts().await;

    // The dry run: every row checked, nothing written.
    let dry = settled(&server, &upload(&server, &files, true).await.unwrap()).await;
    assert_eq!(
        state(&dry),
        pb::ImportRunState::Validated,
        "{:?}",
        rows(&server, &dry).await
    );
    assert_eq!(
        dry.rows_total, 12,
        "3 agreements, 4 parties, 2 indicators, 2 realisations, 1 report"
    );
    assert_eq!(
        dry.created, 8,
        "parties are part of their agreement: {dry:?}"
    );
    assert_eq!(dry.problem_count, 0);
    let after_dry: Vec<(String, i64)> = server
        .row_counts()
        .await
        .into_iter()
        .filter(|(t, _)| !t.starts_with("import"))
        .collect();
    let before_register: Vec<(String, i64)> = before
        .iter()
        .filter(|(t, _)| !t.starts_with("import"))
        .cloned()
        .collect();
    assert_eq!(after_dry, before_register, "a dry run writes nothing");
    // A dry run cannot be committed.
    let refused = client(&server)
        .commit_import_run(authed(
            &server.admin,
            pb::CommitImportRunRequest {
                name: dry.name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);

    // Upload, validate, commit.
    let run = settled(&server, &upload(&server, &files, false).await.unwrap()).await;
    assert_eq!(state(&run), pb::ImportRunState::Validated);
    let done = commit(&server, &run).await;
    assert_eq!(state(&done), pb::ImportRunState::Succeeded, "{done:?}");
    assert_eq!(done.created, 8, "{done:?}");
    assert_eq!(done.committed_by, "test-admin");

    let sql = server.sql().await;
    let agreements = sql
        .query(
            "SELECT document_number, title, parent_id IS NOT NULL, budget_idr, signed_on::text, \
                    public_in_full, reporting_cycle \
             FROM agreements ORDER BY document_number",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(agreements.len(), 3);
    // Ordered by document number: the unsigned PKS, the KSB, its PKS.
    let pks = &agreements[2];
    assert_eq!(pks.get::<_, String>(0), PKS);
    assert!(pks.get::<_, bool>(2), "the PKS points at its KSB");
    assert_eq!(pks.get::<_, Option<i64>>(3), Some(250_000_000));
    assert_eq!(
        pks.get::<_, Option<String>>(4).as_deref(),
        Some("2025-05-12")
    );
    assert_eq!(pks.get::<_, String>(6), "SEMESTER");
    assert!(agreements[1].get::<_, bool>(5), "Terbuka Penuh: ya");
    // Signed agreements come with their stages through signing backfilled.
    let done_stages: i64 = sql
        .query_one(
            "SELECT count(*) FROM agreement_stages s JOIN agreements a ON a.id = s.agreement_id \
             WHERE a.document_number = $1 AND s.completed_on IS NOT NULL",
            &[&KSB],
        )
        .await
        .unwrap()
        .get(0);
    assert!(done_stages >= 1, "backfilled stages: {done_stages}");
    let value: String = sql
        .query_one(
            "SELECT value::text FROM benefit_realisations r JOIN benefit_indicators i ON i.id = r.indicator_id \
             WHERE i.title = 'Sampah terangkut'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(value.trim_end_matches('0').trim_end_matches('.'), "310.25");
    // Every record's audit row names the import and its actor.
    let audited: Vec<(String, String)> = sql
        .query(
            "SELECT actor, action FROM audit_events WHERE request_id = $1",
            &[&done.name],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert!(audited.len() >= 8, "{audited:?}");
    assert!(audited.iter().all(|(actor, _)| actor == "test-admin"));
    assert!(audited.iter().any(|(_, a)| a == "CreateAgreement"));
    assert!(
        audited
            .iter()
            .any(|(_, a)| a == "SubmitImplementationReport")
    );

    // The same file again: everything UNCHANGED, nothing duplicated.
    let counts = server.row_counts().await;
    let again = settled(&server, &upload(&server, &files, false).await.unwrap()).await;
    assert_eq!(state(&again), pb::ImportRunState::Validated);
    assert_eq!((again.created, again.unchanged), (0, 8), "{again:?}");
    let again = commit(&server, &again).await;
    assert_eq!(state(&again), pb::ImportRunState::Succeeded);
    let unchanged: Vec<(String, i64)> = server
        .row_counts()
        .await
        .into_iter()
        .filter(|(t, _)| !t.starts_with("import") && t != "audit_events")
        .collect();
    let expected: Vec<(String, i64)> = counts
        .into_iter()
        .filter(|(t, _)| !t.starts_with("import") && t != "audit_events")
        .collect();
    assert_eq!(unchanged, expected, "re-importing duplicates nothing");
    let report = rows(&server, &again).await;
    assert_eq!(
        report
            .iter()
            .filter(|r| r.outcome == pb::ImportRowOutcome::Unchanged as i32)
            .count(),
        8
    );

    // An overlapping file: one title changed (UPDATED), one type changed (CONFLICT).
    let mut spec = register_spec();
    spec["sheets"][1]["rows"][1][1] = json!("Pengelolaan sampah regional terpadu");
    spec["sheets"][1]["rows"][3][2] = json!("SINERGI");
    let changed = build(&spec, None).await;
    let run = settled(&server, &upload(&server, &changed, false).await.unwrap()).await;
    assert_eq!(state(&run), pb::ImportRunState::Invalid);
    assert_eq!(run.updated, 1, "{run:?}");
    assert_eq!(run.conflicting, 1);
    let report = rows(&server, &run).await;
    let conflict = report
        .iter()
        .find(|r| r.outcome == pb::ImportRowOutcome::Conflict as i32)
        .expect("a conflict line");
    assert_eq!((conflict.sheet.as_str(), conflict.row), ("Perjanjian", 4));
    assert_eq!(conflict.column, "Jenis Kerja Sama");
    assert!(
        conflict.message_id.contains("sudah ada di register"),
        "{conflict:?}"
    );
    let title: String = sql
        .query_one(
            "SELECT title FROM agreements WHERE document_number = $1",
            &[&KSB],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        title, "Pengelolaan sampah regional",
        "an invalid run writes nothing"
    );
}

#[tokio::test]
async fn one_bad_row_keeps_every_row_out_and_the_report_names_it() {
    let server = TestServer::start().await;
    units(&server).await;
    let mut spec = register_spec();
    // Text in a date column, a future signing date, an unknown unit.
    spec["sheets"][1]["rows"][2][9] = json!("kemarin");
    spec["sheets"][1]["rows"][3][5] = json!("DINAS-TIDAK-ADA");
    let files = build(&spec, None).await;
    let before = server.row_counts().await;
    let run = settled(&server, &upload(&server, &files, false).await.unwrap()).await;
    assert_eq!(state(&run), pb::ImportRunState::Invalid);
    let report = rows(&server, &run).await;
    let date_line = report
        .iter()
        .find(|r| r.row == 3 && r.sheet == "Perjanjian")
        .expect("the date problem");
    assert_eq!(date_line.column, "Tanggal Tanda Tangan");
    assert_eq!(date_line.value, "kemarin");
    assert!(!date_line.message_id.is_empty() && !date_line.message_en.is_empty());
    let unit_line = report
        .iter()
        .find(|r| r.row == 4 && r.sheet == "Perjanjian")
        .expect("the unit problem");
    assert_eq!(unit_line.column, "Kode OPD", "{unit_line:?}");
    // The report downloads as CSV and XLSX.
    for format in ["csv", "xlsx"] {
        let mut stream = client(&server)
            .download_import_report(authed(
                &server.admin,
                pb::DownloadImportReportRequest {
                    name: run.name.clone(),
                    format: format.into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.message().await.unwrap() {
            bytes.extend(chunk.data);
        }
        if format == "csv" {
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.starts_with("lembar,baris,kolom,nilai,pesan,message,hasil"));
            assert!(text.contains("kemarin"));
        } else {
            assert!(bytes.starts_with(b"PK"));
        }
    }
    // Committing an invalid run is refused; nothing was written.
    let refused = client(&server)
        .commit_import_run(authed(
            &server.admin,
            pb::CommitImportRunRequest {
                name: run.name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    let after: Vec<(String, i64)> = server
        .row_counts()
        .await
        .into_iter()
        .filter(|(t, _)| !t.starts_with("import"))
        .collect();
    let before: Vec<(String, i64)> = before
        .into_iter()
        .filter(|(t, _)| !t.starts_with("import"))
        .collect();
    assert_eq!(after, before);
}

/// A row the core's state rules refuse (a report for an agreement not yet
/// signed) is reported in Bahasa Indonesia, naming the agreement by its
/// document number, never by an id.
#[tokio::test]
async fn a_state_rule_is_reported_in_bahasa_naming_the_document_number() {
    let server = TestServer::start().await;
    units(&server).await;
    let mut spec = register_spec();
    spec["sheets"][5]["rows"]
        .as_array_mut()
        .unwrap()
        .push(json!([
            UNSIGNED,
            date("2026-01-01"),
            date("2026-04-15"),
            "Belum mulai",
            0,
            "",
            ""
        ]));
    let run = settled(
        &server,
        &upload(&server, &build(&spec, None).await, true)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(state(&run), pb::ImportRunState::Invalid);
    let report = rows(&server, &run).await;
    let report_line = report
        .iter()
        .find(|r| r.sheet == "Laporan Pelaksanaan" && r.row == 3)
        .expect("the report problem");
    assert_eq!(
        report_line.message_id,
        format!(
            "No. {UNSIGNED} belum ditandatangani; laporan pelaksanaan dimulai setelah kerja sama berlaku"
        ),
        "{report_line:?}"
    );
    assert!(
        !report_line.message_en.contains("agreements/")
            && report_line.message_en.contains(UNSIGNED),
        "{report_line:?}"
    );
    assert!(
        report
            .iter()
            .all(|r| !r.message_id.starts_with("Isian tidak sesuai aturan")),
        "{report:?}"
    );
}

/// Each bad file is INVALID with a clear line, never a crash or INTERNAL.
#[tokio::test]
async fn bad_files_get_clear_answers() {
    let server = TestServer::start().await;
    units(&server).await;
    let register = register_spec();
    type Files = Vec<(String, Vec<u8>)>;
    let mut cases: Vec<(&str, Files, &str)> = Vec::new();

    cases.push((
        "not a spreadsheet",
        vec![(
            "foto.jpg".into(),
            vec![
                0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 0x4A, 0x46, 0x49, 0x46, 0, 1, 2, 3, 250, 251,
            ],
        )],
        "",
    ));
    let mut spec = register.clone();
    spec["sheets"][1]["name"] = json!("Register");
    cases.push(("a missing sheet", build(&spec, None).await, "Perjanjian"));
    let mut spec = register.clone();
    spec["sheets"][1]["rows"][0][1] = json!("Nama Perjanjian");
    cases.push(("a missing column", build(&spec, None).await, "Judul"));
    let mut spec = register.clone();
    spec["sheets"][1]["merge"] = json!(["A1:B1"]);
    cases.push(("merged header cells", build(&spec, None).await, ""));
    let mut spec = register.clone();
    spec["sheets"][1]["rows"][1][13] = json!({"formula": "=1000*1000"});
    cases.push(("a formula", build(&spec, None).await, "Anggaran (Rp)"));
    let mut spec = register.clone();
    spec["password"] = json!("rahasia");
    cases.push((
        "a password-protected workbook",
        build(&spec, None).await,
        "",
    ));

    for (what, files, column) in cases {
        let run = settled(&server, &upload(&server, &files, true).await.expect(what)).await;
        assert_eq!(state(&run), pb::ImportRunState::Invalid, "{what}: {run:?}");
        let report = rows(&server, &run).await;
        assert!(!report.is_empty(), "{what}");
        let text: String = report
            .iter()
            .map(|r| format!("{} {} {} | ", r.column, r.message_id, r.message_en))
            .collect();
        assert!(
            report
                .iter()
                .all(|r| !r.message_id.is_empty() && !r.message_en.is_empty()),
            "{what}: {text}"
        );
        assert!(text.contains(column), "{what}: {text}");
        if what == "a password-protected workbook" {
            assert!(text.to_lowercase().contains("password"), "{text}");
        }
    }

    // Empty rows between data rows are skipped, not errors.
    let mut spec = register.clone();
    let rows_with_gap = {
        let mut rows = spec["sheets"][1]["rows"].as_array().unwrap().clone();
        rows.insert(2, json!([null, null, null]));
        rows.insert(2, json!([]));
        rows
    };
    spec["sheets"][1]["rows"] = json!(rows_with_gap);
    let run = settled(
        &server,
        &upload(&server, &build(&spec, None).await, true)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        state(&run),
        pb::ImportRunState::Validated,
        "{:?}",
        rows(&server, &run).await
    );

    // Over the size limit: refused at upload, naming the field and the limit.
    let big = vec![("besar.xlsx".to_string(), vec![b'x'; 50 * 1024 * 1024])];
    let status = upload(&server, &big, true).await.unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("files"));
}

/// 100 000 rows (CSV, semicolons and a byte-order mark, as an Indonesian
/// spreadsheet writes them) are read and answered row by row, not crashed on.
#[tokio::test]
async fn a_hundred_thousand_rows_get_a_bounded_report() {
    let server = TestServer::start().await;
    units(&server).await;
    let spec = json!({ "sheets": [
        { "name": "Realisasi", "rows": [header(REALISATION_HEADER)] }
    ], "repeat": { "sheet": "Realisasi", "times": 100000,
        "row": ["TIDAK-ADA/{i}", "Indikator", "2025-07-01", "2025-09-30", "1,5", "baris {i}"] } });
    let files = build(&spec, Some(&["--delimiter", ";", "--bom"])).await;
    assert_eq!(files.len(), 1);
    let run = settled(&server, &upload(&server, &files, true).await.unwrap()).await;
    assert_eq!(state(&run), pb::ImportRunState::Invalid);
    assert_eq!(run.rows_total, 100_000);
    assert_eq!(run.problem_count, 100_000);
    let page = client(&server)
        .list_import_rows(authed(
            &server.admin,
            pb::ListImportRowsRequest {
                parent: run.name.clone(),
                page_size: 2,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.total_size, 10_000, "the first 10 000 lines are kept");
    assert_eq!(page.import_rows[0].sheet, "Realisasi");
    assert_eq!(page.import_rows[0].row, 2, "{:?}", page.import_rows);
    assert!(
        page.import_rows[0].message_en.contains("TIDAK-ADA/1"),
        "{:?}",
        page.import_rows[0]
    );
}

#[tokio::test]
async fn csv_files_import_like_the_workbook() {
    let server = TestServer::start().await;
    units(&server).await;
    let mut spec = register_spec();
    // CSV has no date cells: dates as text, both forms.
    let sheets = spec["sheets"].as_array_mut().unwrap();
    sheets.remove(0);
    let text = |v: &Value| match v.get("date") {
        Some(d) => json!(d),
        None => v.clone(),
    };
    for sheet in sheets.iter_mut() {
        let rows: Vec<Value> = sheet["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| json!(row.as_array().unwrap().iter().map(text).collect::<Vec<_>>()))
            .collect();
        sheet["rows"] = json!(rows);
    }
    let files = build(&spec, Some(&["--delimiter", ";"])).await;
    assert_eq!(files.len(), 5);
    let run = settled(&server, &upload(&server, &files, false).await.unwrap()).await;
    assert_eq!(
        state(&run),
        pb::ImportRunState::Validated,
        "{:?}",
        rows(&server, &run).await
    );
    let done = commit(&server, &run).await;
    assert_eq!(state(&done), pb::ImportRunState::Succeeded);
    assert_eq!(done.created, 8);
}

/// An import's audit rows are sent in batches (a thousand to a statement):
/// every record it creates still has exactly one, naming the import, in the
/// order the file lists the records; a dry run leaves none.
#[tokio::test]
async fn every_imported_record_is_audited_once_in_file_order() {
    const N: usize = 1_200;
    let server = TestServer::start().await;
    units(&server).await;
    let spec = json!({ "sheets": [
        { "name": "Perjanjian", "rows": [header(AGREEMENT_HEADER)] },
        { "name": "Pihak", "rows": [header(PARTY_HEADER)] }
    ], "repeat": [
        { "sheet": "Perjanjian", "times": N,
          "row": ["070/{i}-DISDIK/2026", "Beasiswa mahasiswa angkatan {i}", "KSDPK", "PKS", null,
                  "DISDIK", "EDUCATION", null, "", null, null, null, null, null, null, null] },
        { "sheet": "Pihak", "times": N,
          "row": ["070/{i}-DISDIK/2026", "Universitas Sultan Ageng Tirtayasa", "UNIVERSITY",
                  null, null, null] }
    ] });
    let files = build(&spec, None).await;
    let audit_rows = |counts: &[(String, i64)]| rows_of(counts, "audit_events");
    let before = audit_rows(&server.row_counts().await);
    let dry = settled(&server, &upload(&server, &files, true).await.unwrap()).await;
    assert_eq!(state(&dry), pb::ImportRunState::Validated, "{dry:?}");
    assert_eq!(dry.created, N as i64);
    assert_eq!(
        audit_rows(&server.row_counts().await),
        before,
        "a dry run audits nothing"
    );

    let run = settled(&server, &upload(&server, &files, false).await.unwrap()).await;
    let done = commit(&server, &run).await;
    assert_eq!(state(&done), pb::ImportRunState::Succeeded, "{done:?}");
    assert_eq!(done.created, N as i64);
    let sql = server.sql().await;
    // The audited agreements' document numbers, in the audit trail's order.
    let audited: Vec<(String, String)> = sql
        .query(
            "SELECT e.action, a.document_number FROM audit_events e \
             LEFT JOIN agreements a ON e.resource = 'agreements/' || a.id \
             WHERE e.request_id = $1 ORDER BY e.id",
            &[&done.name],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get::<_, Option<String>>(1).unwrap_or_default()))
        .collect();
    let expected: Vec<(String, String)> = (1..=N)
        .map(|i| {
            (
                "CreateAgreement".to_string(),
                format!("070/{i}-DISDIK/2026"),
            )
        })
        .collect();
    assert_eq!(audited.len(), N, "one audit row per agreement");
    assert!(audited == expected, "first difference: {:?}", {
        audited.iter().zip(&expected).find(|(a, e)| a != e)
    });
}

#[tokio::test]
async fn imports_are_for_administrators_and_the_template_reads_back() {
    let server = TestServer::start().await;
    units(&server).await;
    let officer = server
        .token(
            "officer",
            kerjasama_core::codes::Role::UnitOfficer,
            Some("DLH"),
            Some(REGION),
        )
        .await;
    let analyst = server
        .token("analyst", kerjasama_core::codes::Role::Analyst, None, None)
        .await;
    for token in [&officer, &analyst] {
        let status = client(&server)
            .create_import_run(authed(
                token,
                pb::CreateImportRunRequest {
                    region_code: REGION.into(),
                    files: vec![pb::ImportFile {
                        file_name: "x.csv".into(),
                        content: b"a;b\n".to_vec(),
                    }],
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
    }
    // No region: the register's only region (the same rule as the CLI's), so
    // what is missing is the files …
    let status = client(&server)
        .create_import_run(authed(&server.admin, pb::CreateImportRunRequest::default()))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("files"));
    // … and a region code of the wrong shape is named.
    let status = client(&server)
        .create_import_run(authed(
            &server.admin,
            pb::CreateImportRunRequest {
                region_code: "3".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("region_code"));
    let status = client(&server)
        .create_import_run(authed(
            &server.admin,
            pb::CreateImportRunRequest {
                region_code: REGION.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("files"));
    let status = client(&server)
        .get_import_run(authed(
            &server.admin,
            pb::GetImportRunRequest {
                name: format!("importRuns/{}", uuid::Uuid::now_v7()),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    // The template: an untouched one validates with zero rows.
    let mut stream = client(&server)
        .get_import_template(authed(
            &server.admin,
            pb::GetImportTemplateRequest {
                region_code: REGION.into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let mut template = Vec::new();
    while let Some(chunk) = stream.message().await.unwrap() {
        template.extend(chunk.data);
    }
    let run = settled(
        &server,
        &upload(
            &server,
            &[("register-template.xlsx".into(), template)],
            true,
        )
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(state(&run), pb::ImportRunState::Validated);
    assert_eq!(run.rows_total, 0);
}

/// `kerjasama import`: the template, a dry run, the import and a refused file,
/// from the command line against the same database.
#[tokio::test]
async fn the_command_line_imports_all_or_nothing() {
    let server = TestServer::start().await;
    units(&server).await;
    let dir = scratch_dir("import-cli");
    std::fs::create_dir_all(&dir).unwrap();
    let kerjasama = |args: Vec<std::ffi::OsString>| {
        let url = server.db.url.clone();
        let data_dir = dir.join("data");
        async move { kerjasama_tests::run_binary(&url, &data_dir, &args, &[]).await }
    };
    let template = dir.join("register-template.xlsx");
    let (ok, out) = kerjasama(vec![
        "import".into(),
        "template".into(),
        "--out".into(),
        template.clone().into(),
        "--region".into(),
        REGION.into(),
    ])
    .await;
    assert!(ok, "{out}");
    assert!(std::fs::read(&template).unwrap().starts_with(b"PK"));

    let (name, content) = build(&register_spec(), None).await.remove(0);
    let file = dir.join(name);
    std::fs::write(&file, content).unwrap();
    let before = server.row_counts().await;
    let (ok, out) = kerjasama(vec![
        "import".into(),
        file.clone().into(),
        "--region".into(),
        REGION.into(),
        "--dry-run".into(),
    ])
    .await;
    assert!(ok, "{out}");
    assert!(out.contains("VALIDATED"), "{out}");
    let agreements = |counts: &[(String, i64)]| rows_of(counts, "agreements");
    assert_eq!(agreements(&server.row_counts().await), agreements(&before));
    let (ok, out) = kerjasama(vec![
        "import".into(),
        file.clone().into(),
        "--region".into(),
        REGION.into(),
    ])
    .await;
    assert!(ok, "{out}");
    assert!(
        out.contains("SUCCEEDED") && out.contains("8 created"),
        "{out}"
    );
    assert_eq!(
        agreements(&server.row_counts().await),
        agreements(&before) + 3
    );

    // A bad file: exit status non-zero, nothing written, the report beside it.
    let mut spec = register_spec();
    spec["sheets"][1]["rows"][1][9] = json!("besok pagi");
    let (name, content) = build(&spec, None).await.remove(0);
    let bad = dir.join(format!("bad-{name}"));
    std::fs::write(&bad, content).unwrap();
    let counts = server.row_counts().await;
    let (ok, out) = kerjasama(vec![
        "import".into(),
        bad.clone().into(),
        "--region".into(),
        REGION.into(),
    ])
    .await;
    assert!(!ok, "{out}");
    assert!(out.contains("tidak ada yang ditulis"), "{out}");
    let report = std::fs::read_to_string(dir.join(format!("bad-{name}.laporan.csv"))).unwrap();
    assert!(report.contains("besok pagi"), "{report}");
    let after: Vec<(String, i64)> = server
        .row_counts()
        .await
        .into_iter()
        .filter(|(t, _)| !t.starts_with("import"))
        .collect();
    let counts: Vec<(String, i64)> = counts
        .into_iter()
        .filter(|(t, _)| !t.starts_with("import"))
        .collect();
    assert_eq!(after, counts);
    // Without --region: the register's one region (here every row is
    // already there: UNCHANGED) …
    let (ok, out) = kerjasama(vec![
        "import".into(),
        file.clone().into(),
        "--dry-run".into(),
    ])
    .await;
    assert!(ok, "{out}");
    assert!(out.contains("8 unchanged"), "{out}");
    // … and with units in two regions, a clear error naming them.
    crate::fixtures::create_jabar_unit(&server).await;
    let (ok, out) = kerjasama(vec!["import".into(), file.into()]).await;
    assert!(!ok);
    assert!(
        out.contains("the register has units in regions 32, 36"),
        "{out}"
    );
}
