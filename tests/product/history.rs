//! Day one: a bureau imports the register it kept in a spreadsheet, with
//! what its file says of each procedure stage (the Tahapan sheet), its own
//! `Laporan Wajib Sejak` dates and a `history_from` date for the rest; the
//! first report shows exactly the overdue stages, late completions and
//! missing reports the file implies (docs/domain.md, "Records that predate the
//! system"). Every expected figure is worked out by hand below.

use std::collections::BTreeSet;

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use serde_json::{Value, json};
use tonic::Code;

use crate::imports::{
    AGREEMENT_HEADER, PARTY_HEADER, REPORT_HEADER, build, commit, date, header, rows, settled,
    state, units, upload_with,
};
use crate::metrics::run;

const A: &str = "A/2023";
const B: &str = "B/2024";
const C: &str = "C/2026";
const D: &str = "D/2025";
const E: &str = "E/2026";

const STAGE_HEADER: &[&str] = &[
    "Nomor Dokumen",
    "Tahapan",
    "Tanggal Selesai",
    "Alasan Dilewati",
];

/// The bureau's register. Stage targets (the seeded templates): PENATAUSAHAAN
/// 14 days, PELAPORAN 30, PENAWARAN 30, PENYUSUNAN_PKS 30. Reports quarterly,
/// 30 days' grace.
///
/// - A, KSB signed 2023-01-10. Stages through signing are done on signing;
///   PENATAUSAHAAN became current 2023-01-10 (due 01-24), done 2023-03-01
///   (late, but not in the report's period); PELAPORAN current 03-01 (due
///   03-31), done 2023-03-20. Reports owed from 2026-01-01 (the file says
///   so): Q1 2026 reported 2026-04-20, before its deadline 04-30.
/// - B, PKS under A signed 2024-06-01 (no DPRD). Nothing in the Tahapan sheet;
///   with history_from 2025-01-01: PENATAUSAHAAN (due 2024-06-15) is assumed
///   done 2024-06-15, then PELAPORAN (current 06-15, due 07-15) is assumed done
///   2024-07-15: two assumptions. Reports owed from 2025-01-01 (history_from):
///   Q1 2025 reported 04-15 (on time), Q2 2025 reported 08-20 (deadline 07-30:
///   LATE), Q3 2025, Q4 2025 and Q1 2026 missing.
/// - C, PKS without parent, KSDPK, unsigned. PERSIAPAN done 2026-02-10 (first
///   stage: current that day); PENAWARAN current 02-10, skipped 2026-03-01;
///   DPRD not applicable; PENYUSUNAN_PKS current 03-01, due 03-31, open.
/// - D, KSB signed 2025-02-01. PENATAUSAHAAN done 2025-03-10; PELAPORAN
///   current 03-10, due 04-09, open (due after history_from: not assumed).
///   Reports owed from 2025-01-01: Q1 2025 … Q1 2026 missing (5).
/// - E, KSB signed 2026-03-02. PENATAUSAHAAN due 03-16, done 2026-04-10 (25
///   days late, inside Q2 2026); PELAPORAN current 04-10, due 05-10, open.
///   Q1 2026 (in force from 03-02) missing.
fn register() -> Value {
    let mut agreement_header: Vec<&str> = AGREEMENT_HEADER.to_vec();
    agreement_header.push("Laporan Wajib Sejak");
    let ksb = |number: &str, title: &str, signed: &str, until: &str, owed: Value| {
        json!([
            number,
            title,
            "KSDD",
            "KSB",
            null,
            "DLH",
            "ENVIRONMENT",
            "MANDATORY",
            "",
            date(signed),
            date(signed),
            date(until),
            null,
            null,
            "QUARTERLY",
            null,
            owed
        ])
    };
    json!({ "sheets": [
        { "name": "Perjanjian", "rows": [
            header(&agreement_header),
            ksb(A, "Pengelolaan sampah regional", "2023-01-10", "2028-01-09", date("2026-01-01")),
            [B, "Pengangkutan sampah regional", "KSDD", "PKS", A, "DLH", "ENVIRONMENT", "MANDATORY", "",
             date("2024-06-01"), date("2024-06-01"), date("2027-05-31"), null, null, "QUARTERLY", null, null],
            [C, "Beasiswa mahasiswa", "KSDPK", "PKS", null, "DISDIK", "EDUCATION", null, "",
             null, null, null, null, null, null, null, null],
            ksb(D, "Penanganan jalan perbatasan", "2025-02-01", "2030-01-31", Value::Null),
            ksb(E, "Transportasi aglomerasi", "2026-03-02", "2031-03-01", Value::Null)
        ]},
        { "name": "Pihak", "rows": [
            header(PARTY_HEADER),
            [A, "Pemerintah Kota Tangerang", "CITY_GOVERNMENT", "36.71", null, null],
            [B, "Pemerintah Kota Tangerang", "CITY_GOVERNMENT", "36.71", null, null],
            [C, "Universitas Sultan Ageng Tirtayasa", "UNIVERSITY", null, null, null],
            [D, "Pemerintah Provinsi Jawa Barat", "PROVINCE_GOVERNMENT", "32", null, null],
            [E, "Pemerintah Provinsi DKI Jakarta", "PROVINCE_GOVERNMENT", "31", null, null]
        ]},
        { "name": "Tahapan", "rows": [
            header(STAGE_HEADER),
            // Listed out of order: the import settles each record's stages in
            // the order of its procedure.
            [A, "Pelaporan", date("2023-03-20"), null],
            [A, "PENATAUSAHAAN", date("2023-03-01"), null],
            [C, "Persiapan", date("2026-02-10"), null],
            [C, "Penawaran", date("2026-03-01"), "Penawaran langsung oleh mitra"],
            [D, "Penatausahaan", date("2025-03-10"), null],
            [E, "Administration (registering and archiving)", date("2026-04-10"), null]
        ]},
        { "name": "Laporan Pelaksanaan", "rows": [
            header(REPORT_HEADER),
            [A, date("2026-01-01"), date("2026-04-20"), "Berjalan", 30, "", ""],
            [B, date("2025-01-01"), date("2025-04-15"), "Berjalan", 20, "", ""],
            [B, date("2025-04-01"), date("2025-08-20"), "Terlambat dilaporkan", 35, "", ""]
        ]}
    ]})
}

/// Uploads `files` for commit with `history_from` and waits until the run has
/// been committed; it must succeed.
async fn committed(
    server: &TestServer,
    files: &[(String, Vec<u8>)],
    history_from: &str,
) -> pb::ImportRun {
    let run = settled(
        server,
        &upload_with(server, files, false, history_from)
            .await
            .unwrap(),
    )
    .await;
    let run = if state(&run) == pb::ImportRunState::Validated {
        commit(server, &run).await
    } else {
        run
    };
    assert_eq!(state(&run), pb::ImportRunState::Succeeded, "{run:?}");
    run
}

async fn agreement_by_number(server: &TestServer, number: &str) -> pb::Agreement {
    let page = server
        .agreements()
        .list_agreements(authed(
            &server.admin,
            pb::ListAgreementsRequest {
                page_size: 100,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    page.agreements
        .into_iter()
        .find(|a| a.document_number == number)
        .unwrap_or_else(|| panic!("no agreement {number}"))
}

#[tokio::test]
async fn an_imported_register_with_its_history_reports_what_the_bureaus_file_implies() {
    let server = TestServer::start().await;
    units(&server).await;
    let files = build(&register(), None).await;

    // The dry run lists every assumption it would make, and writes nothing.
    let dry = settled(
        &server,
        &upload_with(&server, &files, true, "2025-01-01")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(state(&dry), pb::ImportRunState::Validated, "{dry:?}");
    assert_eq!(dry.history_from, "2025-01-01");
    assert_eq!(dry.stages_assumed_done, 2);
    let assumed: BTreeSet<(String, String)> = rows(&server, &dry)
        .await
        .into_iter()
        .filter(|r| r.outcome == pb::ImportRowOutcome::Assumed as i32)
        .map(|r| (r.value, r.message_id))
        .collect();
    assert_eq!(assumed.len(), 2, "{assumed:?}");
    let codes: Vec<&str> = assumed.iter().map(|(code, _)| code.as_str()).collect();
    assert_eq!(codes, ["PELAPORAN", "PENATAUSAHAAN"]);
    assert!(
        assumed
            .iter()
            .all(|(_, message)| message.contains(B) && message.contains("dianggap selesai")),
        "{assumed:?}"
    );

    // Committed: all or nothing, the same assumptions.
    let run = committed(&server, &files, "2025-01-01").await;
    assert_eq!(run.stages_assumed_done, 2);

    // reports_owed_from: the file's own date, else history_from.
    let a = agreement_by_number(&server, A).await;
    let b = agreement_by_number(&server, B).await;
    assert_eq!(a.reports_owed_from, "2026-01-01");
    assert_eq!(b.reports_owed_from, "2025-01-01");

    // An assumed stage says so, with the run's name.
    let stages = server
        .stages()
        .list_stages(authed(
            &server.admin,
            pb::ListStagesRequest {
                parent: b.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .stages;
    let administration = stages
        .iter()
        .find(|s| s.name.ends_with("/PENATAUSAHAAN"))
        .unwrap();
    assert_eq!(administration.completed_on, "2024-06-15");
    assert!(
        administration.notes.contains(&run.name) && administration.notes.contains("assumed"),
        "{administration:?}"
    );

    // The first report, as of 2026-06-30 for Q2 2026.
    let report = run_report(&server).await;
    let mut overdue = crate::metrics::rows(&server, &report, "overdue_stages.csv", true).await;
    overdue.iter_mut().for_each(|row| *row = without_start(row));
    assert_eq!(
        overdue,
        [
            // 2025-04-09 → 2026-04-09 is 365 days, + 21 (April) + 31 + 30 = 447.
            "Penanganan jalan perbatasan,KSDD,DLH,PELAPORAN,2025-04-09,447,>180",
            // 2026-03-31 → 06-30: 30 + 31 + 30 = 91.
            "Beasiswa mahasiswa,KSDPK,DISDIK,PENYUSUNAN_PKS,2026-03-31,91,91-180",
            // 2026-05-10 → 06-30: 21 + 30 = 51.
            "Transportasi aglomerasi,KSDD,DLH,PELAPORAN,2026-05-10,51,31-90",
        ]
    );
    assert_eq!(
        crate::metrics::rows(&server, &report, "stages_completed_late.csv", true).await,
        // Due 2026-03-02 + 14 = 03-16, done 04-10: 15 + 10 = 25 days late.
        ["Transportasi aglomerasi,KSDD,DLH,PENATAUSAHAAN,2026-03-16,2026-04-10,25"]
    );
    let cycles: BTreeSet<String> =
        crate::metrics::rows(&server, &report, "follow_up_report_cycles.csv", true)
            .await
            .into_iter()
            .map(|row| {
                let f: Vec<&str> = row.split(',').collect();
                // title, cycle_start, status
                format!("{} {} {}", f[0], f[4], f[7])
            })
            .collect();
    let expected: BTreeSet<String> = [
        "Pengangkutan sampah regional 2025-04-01 LATE",
        "Pengangkutan sampah regional 2025-07-01 MISSING",
        "Pengangkutan sampah regional 2025-10-01 MISSING",
        "Pengangkutan sampah regional 2026-01-01 MISSING",
        "Penanganan jalan perbatasan 2025-01-01 MISSING",
        "Penanganan jalan perbatasan 2025-04-01 MISSING",
        "Penanganan jalan perbatasan 2025-07-01 MISSING",
        "Penanganan jalan perbatasan 2025-10-01 MISSING",
        "Penanganan jalan perbatasan 2026-01-01 MISSING",
        "Transportasi aglomerasi 2026-01-01 MISSING",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    assert_eq!(cycles, expected);

    // The register table carries each agreement's reports_owed_from (CSV and
    // Parquet keep codes and dates; the name columns come at the end).
    let register = String::from_utf8(
        crate::reports::download(&server, &report.name, "agreement_register.csv")
            .await
            .unwrap(),
    )
    .unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(register.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let owed: BTreeSet<(String, String, String)> = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| [A, B].contains(&&r[at("document_number")]))
        .map(|r| {
            (
                r[at("document_number")].to_string(),
                r[at("reports_owed_from")].to_string(),
                r[at("state_name")].to_string(),
            )
        })
        .collect();
    assert_eq!(
        owed,
        BTreeSet::from([
            (
                A.to_string(),
                "2026-01-01".to_string(),
                "Berlaku".to_string()
            ),
            (
                B.to_string(),
                "2025-01-01".to_string(),
                "Berlaku".to_string()
            ),
        ]),
        "{register}"
    );

    // The meeting pack says how many stages were assumed done.
    let pack = String::from_utf8(
        crate::reports::download(&server, &report.name, "meeting_pack.html")
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(pack.contains("2 tahapan dianggap selesai"), "no footnote");

    // Importing the same file again changes nothing and assumes nothing more.
    let again = settled(
        &server,
        &upload_with(&server, &files, true, "2025-01-01")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(state(&again), pb::ImportRunState::Validated, "{again:?}");
    assert_eq!(again.stages_assumed_done, 0);
    assert_eq!(again.created, 0);
    assert_eq!(again.updated, 0);
}

/// `title,cooperation_type,unit_code,stage_code,started_on,due_on,…` without
/// `started_on` (checked through `due_on`, which derives from it).
fn without_start(row: &str) -> String {
    let mut fields: Vec<&str> = row.split(',').collect();
    fields.remove(4);
    fields.join(",")
}

async fn run_report(server: &TestServer) -> pb::ReportRun {
    let report = run(server, "2026-06-30", "2026-04-01", "2026-06-30").await;
    assert_eq!(
        report.state,
        pb::ReportRunState::Succeeded as i32,
        "{report:?}"
    );
    report
}

#[tokio::test]
async fn reports_owed_from_changes_only_by_an_administrator_with_a_reason() {
    let server = TestServer::start().await;
    units(&server).await;
    let files = build(&register(), None).await;
    let run = committed(&server, &files, "").await;
    // Without history_from nothing is assumed and D owes from its start.
    assert_eq!(run.stages_assumed_done, 0);
    let d = agreement_by_number(&server, D).await;
    assert_eq!(d.reports_owed_from, "");

    let mut client = server.agreements();
    let status = client
        .set_reports_owed_from(authed(
            &server.admin,
            pb::SetReportsOwedFromRequest {
                name: d.name.clone(),
                reports_owed_from: "2026-01-01".into(),
                reason: "  ".into(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("reason"));
    let changed = client
        .set_reports_owed_from(authed(
            &server.admin,
            pb::SetReportsOwedFromRequest {
                name: d.name.clone(),
                reports_owed_from: "2026-01-01".into(),
                reason: "Laporan baru ditagih sejak register dipakai".into(),
                etag: d.etag.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(changed.reports_owed_from, "2026-01-01");
    // A stale etag is ABORTED; an update mask cannot reach the field.
    let status = client
        .set_reports_owed_from(authed(
            &server.admin,
            pb::SetReportsOwedFromRequest {
                name: d.name.clone(),
                reports_owed_from: String::new(),
                reason: "Kembali ke bawaan".into(),
                etag: d.etag.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Aborted);
    let mut masked = changed.clone();
    masked.reports_owed_from = "2020-01-01".into();
    let status = client
        .update_agreement(authed(
            &server.admin,
            pb::UpdateAgreementRequest {
                agreement: Some(masked),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["reports_owed_from".into()],
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("update_mask"));

    // The audit trail keeps the reason.
    let events = client
        .list_agreement_events(authed(
            &server.admin,
            pb::ListAgreementEventsRequest {
                parent: d.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .events;
    let set = events
        .iter()
        .find(|e| e.action == "SetReportsOwedFrom")
        .expect("an audit event");
    assert!(set.after_json.contains("Laporan baru ditagih"), "{set:?}");
}

#[tokio::test]
async fn stage_history_that_breaks_the_procedure_is_refused_row_by_row_in_bahasa_indonesia() {
    let server = TestServer::start().await;
    units(&server).await;
    let mut agreement_header: Vec<&str> = AGREEMENT_HEADER.to_vec();
    agreement_header.push("Laporan Wajib Sejak");
    let spec = json!({ "sheets": [
        { "name": "Perjanjian", "rows": [
            header(&agreement_header),
            [C, "Beasiswa mahasiswa", "KSDPK", "PKS", null, "DISDIK", "EDUCATION", null, "",
             null, null, null, null, null, null, null, null]
        ]},
        { "name": "Pihak", "rows": [
            header(PARTY_HEADER),
            [C, "Universitas Sultan Ageng Tirtayasa", "UNIVERSITY", null, null, null]
        ]},
        { "name": "Tahapan", "rows": [
            header(STAGE_HEADER),
            // Signing is never skipped …
            [C, "Penandatanganan Perjanjian Kerja Sama", date("2026-03-01"), "Tidak perlu"],
            // … no such stage …
            [C, "Penerbangan", date("2026-03-01"), null],
            // … and a stage cannot be recorded while an earlier one is open.
            [C, "Penyusunan Perjanjian Kerja Sama", date("2026-03-05"), null]
        ]}
    ]});
    let files = build(&spec, None).await;
    let run = settled(
        &server,
        &upload_with(&server, &files, true, "").await.unwrap(),
    )
    .await;
    assert_eq!(state(&run), pb::ImportRunState::Invalid, "{run:?}");
    let lines: Vec<pb::ImportRow> = rows(&server, &run)
        .await
        .into_iter()
        .filter(|r| r.outcome == pb::ImportRowOutcome::Invalid as i32)
        .collect();
    let said = |row: i32| {
        lines
            .iter()
            .filter(|l| l.sheet == "Tahapan" && l.row == row)
            .map(|l| l.message_id.clone())
            .collect::<Vec<_>>()
            .join(" | ")
    };
    assert!(said(2).contains("tidak boleh dilewati"), "{lines:?}");
    assert!(
        said(3).contains("bukan nama atau kode tahapan"),
        "{lines:?}"
    );
    assert!(
        said(4).contains("tidak dapat dicatat sebelum tahapan PERSIAPAN"),
        "{lines:?}"
    );
    // Nothing is written by a dry run, let alone an invalid one.
    assert!(
        server
            .agreements()
            .list_agreements(authed(&server.admin, pb::ListAgreementsRequest::default()))
            .await
            .unwrap()
            .into_inner()
            .agreements
            .is_empty()
    );
}
