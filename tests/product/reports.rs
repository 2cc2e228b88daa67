// Over 1,000 lines: the ReportService end to end (run, rows, files, dialects, the pack), one scenario per test on the same fixtures.
//! ReportService: the first report (counts_by_type.csv), computed by the
//! polars job from PostgreSQL and downloaded in chunks.

use kerjasama_core::codes::Role;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use sha2::Digest;
use tonic::Code;

use crate::fixtures::{create, create_unit, ksdd_ksb, ksdpk_pks, ksdpl_ksb, party};

pub fn signed(mut a: pb::Agreement, on: &str, until: &str) -> pb::Agreement {
    a.signed_on = on.into();
    a.effective_from = on.into();
    a.effective_until = until.into();
    a
}

/// Runs a report of every table as of `as_of` (default period) as ADMIN and
/// waits for it to end.
async fn run_as_of(server: &TestServer, as_of: &str) -> pb::ReportRun {
    let run = server
        .reports()
        .run_report(authed(
            &server.admin,
            pb::RunReportRequest {
                as_of: as_of.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    server.finished(run).await
}

pub async fn download(
    server: &TestServer,
    run: &str,
    file: &str,
) -> Result<Vec<u8>, tonic::Status> {
    download_in(server, run, file, "").await
}

/// A file of a run in a CSV dialect (`""`: as stored).
pub async fn download_in(
    server: &TestServer,
    run: &str,
    file: &str,
    dialect: &str,
) -> Result<Vec<u8>, tonic::Status> {
    let mut stream = server
        .reports()
        .download_report_file(authed(
            &server.admin,
            pb::DownloadReportFileRequest {
                run: run.into(),
                file: file.into(),
                dialect: dialect.into(),
            },
        ))
        .await?
        .into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.message().await? {
        bytes.extend(chunk.data);
    }
    Ok(bytes)
}

/// The known dataset: as of 2026-09-30, period Q3 2026.
async fn known_register(server: &TestServer) {
    create_unit(server, "DLHK").await;
    // KSDD: active and signed in the period; expired; an addendum (not counted).
    let ksb = create(
        server,
        signed(ksdd_ksb("DLHK", "KSB aktif"), "2026-07-15", "2031-07-14"),
    )
    .await;
    create(
        server,
        signed(
            pb::Agreement {
                document_kind: pb::DocumentKind::Pks as i32,
                ..ksdd_ksb("DLHK", "PKS berakhir")
            },
            "2025-01-10",
            "2026-06-30",
        ),
    )
    .await;
    create(
        server,
        signed(
            pb::Agreement {
                document_kind: pb::DocumentKind::Addendum as i32,
                parent: ksb.name.clone(),
                ..ksdd_ksb("DLHK", "Adendum")
            },
            "2026-08-01",
            "2031-07-14",
        ),
    )
    .await;
    // KSDPK: a draft; one signed on the last day of the period (= as_of).
    create(server, ksdpk_pks("DLHK", "PKS draf")).await;
    create(
        server,
        signed(
            ksdpk_pks("DLHK", "PKS hari terakhir"),
            "2026-09-30",
            "2027-09-29",
        ),
    )
    .await;
    // KSDPL signed after as_of: a draft as of then, and not signed in the period.
    create(
        server,
        signed(
            ksdpl_ksb("DLHK", "KSB setelah tanggal", "JP"),
            "2026-10-05",
            "2031-10-04",
        ),
    )
    .await;
    // SINERGI signed the day before the period: active, not in the period.
    create(
        server,
        signed(
            pb::Agreement {
                cooperation_type: pb::CooperationType::Sinergi as i32,
                document_kind: pb::DocumentKind::NotaKesepakatan as i32,
                parties: vec![party(
                    "Kementerian Dalam Negeri",
                    pb::PartyKind::Ministry,
                    "",
                    "",
                )],
                ..ksdpk_pks("DLHK", "Nota kesepakatan")
            },
            "2026-06-30",
            "2029-06-29",
        ),
    )
    .await;
    // KSDLL signed in the period but soft-deleted: never counted.
    let deleted = create(
        server,
        signed(
            pb::Agreement {
                cooperation_type: pb::CooperationType::Ksdll as i32,
                parties: vec![party("JICA", pb::PartyKind::ForeignInstitution, "", "JP")],
                ..ksdpl_ksb("DLHK", "Dihapus", "JP")
            },
            "2026-08-01",
            "2029-07-31",
        ),
    )
    .await;
    server
        .agreements()
        .delete_agreement(authed(
            &server.admin,
            pb::DeleteAgreementRequest {
                name: deleted.name,
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn counts_by_type_csv_has_the_exact_expected_content() {
    let server = TestServer::start().await;
    known_register(&server).await;
    let run = server
        .finished(
            server
                .reports()
                .run_report(authed(
                    &server.admin,
                    pb::RunReportRequest {
                        as_of: "2026-09-30".into(),
                        period_start: "2026-07-01".into(),
                        period_end: "2026-09-30".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner(),
        )
        .await;
    assert!(run.name.starts_with("reportRuns/"));
    let tables = [
        "evaluation_summary",
        "counts_by_type",
        "counts_by_dimension",
        "realised_benefits",
        "realised_benefits_rollup",
        "overdue_stages",
        "overdue_by_unit_stage",
        "stages_completed_late",
        "renewal_watch",
        "follow_up_ksb_without_pks",
        "follow_up_report_cycles",
        "follow_up_no_realisation",
        "follow_up_overdue_recommendations",
        "follow_up_missing_documents",
        "agreement_register",
    ];
    let expected: Vec<String> = tables
        .iter()
        .flat_map(|t| [format!("{t}.csv"), format!("{t}.parquet")])
        .chain(
            [
                "report.xlsx",
                "meeting_pack.html",
                "meeting_pack.pdf",
                "manifest.json",
            ]
            .map(String::from),
        )
        .collect();
    assert_eq!(run.files, expected);
    assert_eq!(run.state, pb::ReportRunState::Succeeded as i32);
    assert_eq!(run.requested_by, "test-admin");
    assert!(run.start_time.is_some() && run.finish_time.is_some());

    // The manifest names every other file with its SHA-256 and size, and the
    // parameters and row counts of the run.
    let manifest: serde_json::Value =
        serde_json::from_slice(&download(&server, &run.name, "manifest.json").await.unwrap())
            .unwrap();
    assert_eq!(manifest["as_of"], "2026-09-30");
    assert_eq!(manifest["period_start"], "2026-07-01");
    assert_eq!(manifest["report_grace_days"], 30);
    let files = manifest["files"].as_array().unwrap();
    assert_eq!(files.len(), run.files.len() - 1);
    for file in files {
        let name = file["name"].as_str().unwrap();
        let bytes = download(&server, &run.name, name).await.unwrap();
        assert_eq!(file["bytes"], bytes.len());
        assert_eq!(file["sha256"], hex::encode(sha2::Sha256::digest(&bytes)));
    }
    let rows_of = |table: &str| {
        manifest["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == table)
            .map(|t| t["rows"].as_u64().unwrap())
    };
    assert_eq!(rows_of("counts_by_type"), Some(5));
    assert_eq!(rows_of("overdue_stages"), Some(4));

    // The meeting pack: self-contained HTML with inline SVG charts and tables.
    let html = String::from_utf8(
        download(&server, &run.name, "meeting_pack.html")
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        !html.contains("src=") && !html.contains("<link") && !html.contains("<script"),
        "no external assets"
    );
    assert_eq!(
        html.matches("<svg").count(),
        2,
        "counts by type and overdue stages by unit (no rupiah indicators)"
    );
    assert!(
        html.contains("<section id=\"evaluation_summary\">")
            && html.contains("<section id=\"renewal_watch\">")
    );
    assert!(
        html.contains("per <strong>30 September 2026</strong>"),
        "{html}"
    );
    // No resource name or UUID anywhere a person reads, the footer included:
    // it says when the run was made and gives a short reference.
    let id = run.name.trim_start_matches("reportRuns/");
    assert!(
        !html.contains("reportRuns/") && !html.contains("agreements/") && !html.contains(id),
        "{html}"
    );
    assert!(
        html.contains(&format!("ref. laporan {}", &id.replace('-', "")[..8])),
        "{html}"
    );
    assert!(html.contains(" WIB · ref. laporan "), "{html}");
    // Table cells as Indonesians read them: no true/false, no ISO dates.
    assert!(
        !html.contains(">true<") && !html.contains(">false<"),
        "{html}"
    );
    assert!(
        !html.contains(">2026-") && !html.contains(">2025-"),
        "{html}"
    );
    let summary = html
        .split("<section id=\"ringkasan-eksekutif\">")
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .expect("an executive summary");
    // Sentences a regional secretary reads, with the figures of the run's own
    // tables, dates and numbers as Indonesians write them.
    for sentence in [
        "<li>Per 30 September 2026: 3 kerja sama aktif dari 6 yang tercatat; 2 ditandatangani dan 1 berakhir dalam periode 1 Juli 2026 – 30 September 2026.</li>",
        "<li>0 kerja sama berakhir dalam 90 hari, 0 lagi dalam 91–180 hari; 1 telah melewati masa berlakunya tetapi belum ditutup.</li>",
        "<li>4 tahapan terlambat, 1 di antaranya lebih dari 180 hari; terbanyak di Dinas DLHK (4 tahapan).</li>",
        "<li>Manfaat rupiah yang terealisasi: Rp 0 sampai saat ini, Rp 0 dalam periode ini.</li>",
        "<li>0 KSB belum ditindaklanjuti dengan PKS; 1 laporan pelaksanaan belum masuk dan 0 terlambat; 3 kerja sama aktif belum mencatat realisasi manfaat.</li>",
        "<li>0 rekomendasi rapat evaluasi melewati batas waktu.</li>",
    ] {
        assert!(
            summary.contains(sentence),
            "{sentence} missing from {summary}"
        );
    }
    // The same figures as the summary table of the run.
    let table = String::from_utf8(
        download(&server, &run.name, "evaluation_summary.csv")
            .await
            .unwrap(),
    )
    .unwrap();
    let mut rows = csv::Reader::from_reader(table.as_bytes());
    let header = rows.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (mut active, mut overdue) = (0, 0);
    for row in rows.records() {
        let row = row.unwrap();
        active += row[column("active")].parse::<i64>().unwrap();
        overdue += row[column("overdue_stages")].parse::<i64>().unwrap();
    }
    assert_eq!((active, overdue), (3, 4));
    assert!(
        html.contains("PKS berakhir"),
        "the renewal watch lists the expired PKS"
    );
    let csv = download(&server, &run.name, "counts_by_type.csv")
        .await
        .unwrap();
    let header = "draft,in_process,active,expired,terminated,cancelled,total,signed_in_period,ended_in_period";
    let expected = format!(
        "cooperation_type,{header}\r\n\
         KSDD,0,0,1,1,0,0,2,1,1\r\n\
         KSDPK,1,0,1,0,0,0,2,1,0\r\n\
         KSDPL,1,0,0,0,0,0,1,0,0\r\n\
         KSDLL,0,0,0,0,0,0,0,0,0\r\n\
         SINERGI,0,0,1,0,0,0,1,0,0\r\n"
    );
    assert_eq!(String::from_utf8(csv).unwrap(), expected);
    let csv = download(&server, &run.name, "counts_by_dimension.csv")
        .await
        .unwrap();
    let expected = format!(
        "dimension,value,{header}\r\n\
         partner_country,JP,1,0,0,0,0,0,1,0,0\r\n\
         sector,AGRICULTURE,1,0,0,0,0,0,1,0,0\r\n\
         sector,EDUCATION,1,0,2,0,0,0,3,1,0\r\n\
         sector,ENVIRONMENT,0,0,1,1,0,0,2,1,1\r\n\
         unit,DLHK,2,0,3,1,0,0,6,2,1\r\n"
    );
    assert_eq!(String::from_utf8(csv).unwrap(), expected);
    // Open stages of the known register as of 2026-09-30: each signed record's
    // PENATAUSAHAAN (due 14 days after signing), the addendum's included.
    let csv = String::from_utf8(
        download(&server, &run.name, "overdue_stages.csv")
            .await
            .unwrap(),
    )
    .unwrap();
    let overdue: Vec<String> = crate::metrics::contract_rows(&csv)
        .into_iter()
        .map(|fields| fields[1..].join(","))
        .collect();
    assert_eq!(
        overdue,
        [
            "PKS berakhir,KSDD,DLHK,PENATAUSAHAAN,2025-01-10,2025-01-24,614,>180",
            "Nota kesepakatan,SINERGI,DLHK,PENATAUSAHAAN,2026-06-30,2026-07-14,78,31-90",
            "KSB aktif,KSDD,DLHK,PENATAUSAHAAN,2026-07-15,2026-07-29,63,31-90",
            "Adendum,KSDD,DLHK,PENATAUSAHAAN,2026-08-01,2026-08-15,46,31-90",
        ]
    );
    // The file ends with the names of its codes, for people: the document
    // number, the OPD's name and the stage's Indonesian name.
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header[header.len() - 3..],
        ["document_number", "unit_name", "stage_name"]
    );
    let named: Vec<Vec<String>> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            r.iter().skip(r.len() - 3).map(String::from).collect()
        })
        .collect();
    assert_eq!(
        named[0],
        ["415.4/12-HUK/2024", "Dinas DLHK", "Penatausahaan"],
        "{named:?}"
    );
    assert_eq!(named[1][0], "", "an agreement without a number has none");

    let state: String = server
        .sql()
        .await
        .query_one(
            "SELECT state FROM report_runs WHERE id = $1",
            &[&uuid::Uuid::parse_str(run.name.trim_start_matches("reportRuns/")).unwrap()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(state, "SUCCEEDED");
}

#[tokio::test]
async fn the_default_period_is_the_quarter_of_as_of() {
    let server = TestServer::start().await;
    let run = server
        .finished(
            server
                .reports()
                .run_report(authed(
                    &server.admin,
                    pb::RunReportRequest {
                        as_of: "2026-05-20".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner(),
        )
        .await;
    assert_eq!(
        (run.period_start.as_str(), run.period_end.as_str()),
        ("2026-04-01", "2026-06-30")
    );
    let csv = String::from_utf8(
        download(&server, &run.name, "counts_by_type.csv")
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        csv.lines().count(),
        6,
        "a header and all five types, even with no agreements"
    );
}

#[tokio::test]
async fn a_large_file_arrives_in_several_chunks_intact() {
    let server = TestServer::start().await;
    let run = server
        .finished(
            server
                .reports()
                .run_report(authed(&server.admin, pb::RunReportRequest::default()))
                .await
                .unwrap()
                .into_inner(),
        )
        .await;
    // Replace the published file by a larger one to exercise chunking.
    let path = server
        .reports_dir
        .join(run.name.trim_start_matches("reportRuns/"))
        .join("counts_by_type.csv");
    let big: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    std::fs::write(&path, &big).unwrap();
    let mut stream = server
        .reports()
        .download_report_file(authed(
            &server.admin,
            pb::DownloadReportFileRequest {
                run: run.name.clone(),
                file: "counts_by_type.csv".into(),
                dialect: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let mut chunks = 0;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.message().await.unwrap() {
        assert!(chunk.data.len() <= 64 * 1024);
        chunks += 1;
        bytes.extend(chunk.data);
    }
    assert_eq!(chunks, 13);
    assert_eq!(bytes, big);
}

#[tokio::test]
async fn report_requests_are_checked() {
    let server = TestServer::start().await;
    let mut client = server.reports();
    for (request, field) in [
        (
            pb::RunReportRequest {
                as_of: "30/09/2026".into(),
                ..Default::default()
            },
            "as_of",
        ),
        (
            pb::RunReportRequest {
                as_of: "2999-01-01".into(),
                ..Default::default()
            },
            "as_of",
        ),
        (
            pb::RunReportRequest {
                as_of: "2026-09-30".into(),
                period_start: "2026-09-01".into(),
                period_end: "2026-08-01".into(),
                ..Default::default()
            },
            "period_end",
        ),
        (
            pb::RunReportRequest {
                as_of: "2026-09-30".into(),
                period_start: "2026-09-01".into(),
                period_end: String::new(),
                ..Default::default()
            },
            "period_end",
        ),
    ] {
        let status = client
            .run_report(authed(&server.admin, request))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }

    create_unit(&server, "DLHK").await;
    let officer = server
        .token("petugas", Role::UnitOfficer, Some("DLHK"), None)
        .await;
    let status = client
        .run_report(authed(&officer, pb::RunReportRequest::default()))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);

    let run = server
        .finished(
            client
                .run_report(authed(&server.admin, pb::RunReportRequest::default()))
                .await
                .unwrap()
                .into_inner(),
        )
        .await;
    let status = download(&server, &run.name, "../../etc/passwd")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::NotFound, None);
    let status = download(
        &server,
        &format!("reportRuns/{}", uuid::Uuid::now_v7()),
        "counts_by_type.csv",
    )
    .await
    .unwrap_err();
    assert_rejected(&status, Code::NotFound, None);
    let status = download(&server, "runs/1", "counts_by_type.csv")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("run"));
}

#[tokio::test]
async fn runs_are_queued_then_listed_newest_first() {
    let server = TestServer::start().await;
    let mut client = server.reports();
    let mut names = Vec::new();
    for as_of in ["2026-03-31", "2026-06-30", "2026-09-30"] {
        let queued = client
            .run_report(authed(
                &server.admin,
                pb::RunReportRequest {
                    as_of: as_of.into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(
            [
                pb::ReportRunState::Queued as i32,
                pb::ReportRunState::Running as i32,
                pb::ReportRunState::Succeeded as i32
            ]
            .contains(&queued.state)
        );
        names.push(server.finished(queued).await.name);
    }
    let mut listed = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_report_runs(authed(
                &server.admin,
                pb::ListReportRunsRequest {
                    page_size: 2,
                    page_token: token,
                    state: pb::ReportRunState::Succeeded as i32,
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        listed.extend(page.report_runs.into_iter().map(|r| r.name));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    names.reverse();
    assert_eq!(listed, names);
    let only_june = client
        .list_report_runs(authed(
            &server.admin,
            pb::ListReportRunsRequest {
                as_of_from: "2026-06-01".into(),
                as_of_until: "2026-06-30".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(only_june.report_runs.len(), 1);
    let status = client
        .list_report_runs(authed(
            &server.admin,
            pb::ListReportRunsRequest {
                as_of_from: "juni".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("as_of_from"));
    let status = client
        .get_report_run(authed(
            &server.admin,
            pb::GetReportRunRequest {
                name: format!("reportRuns/{}", uuid::Uuid::now_v7()),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::NotFound, None);
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn report_files_download_over_http_with_the_bearer_token() {
    use kerjasama_tests::http_get;
    let server = TestServer::start().await;
    known_register(&server).await;
    let run = server
        .finished(
            server
                .reports()
                .run_report(authed(
                    &server.admin,
                    pb::RunReportRequest {
                        as_of: "2026-09-30".into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap()
                .into_inner(),
        )
        .await;
    let id = run.name.trim_start_matches("reportRuns/");
    let path = format!("/reports/{id}/counts_by_type.csv");

    let (status, headers, body) = http_get(server.http_addr, &path, Some(&server.admin)).await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        header(&headers, "content-disposition"),
        Some(format!("attachment; filename=\"{id}-counts_by_type.csv\"").as_str())
    );
    assert_eq!(
        body,
        download(&server, &run.name, "counts_by_type.csv")
            .await
            .unwrap()
    );

    // The workbook: one sheet per table, a zip container.
    let (status, headers, body) = http_get(
        server.http_addr,
        &format!("/reports/{id}/report.xlsx"),
        Some(&server.admin),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );
    assert_eq!(&body[..2], b"PK");

    // `<table>.xlsx` is the run's workbook (a sheet per table).
    let (status, _, alias) = http_get(
        server.http_addr,
        &format!("/reports/{id}/overdue_stages.xlsx"),
        Some(&server.admin),
    )
    .await;
    assert_eq!((status, alias), (200, body));

    // Parquet, one file per table.
    let (status, headers, body) = http_get(
        server.http_addr,
        &format!("/reports/{id}/overdue_stages.parquet"),
        Some(&server.admin),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "content-type"),
        Some("application/vnd.apache.parquet")
    );
    assert!(body.starts_with(b"PAR1") && body.ends_with(b"PAR1"));

    // The latest run's file, with or without naming a schedule.
    let (status, _, latest) = http_get(
        server.http_addr,
        "/reports/latest/counts_by_type.csv",
        Some(&server.admin),
    )
    .await;
    assert_eq!(
        (status, latest.len()),
        (
            200,
            download(&server, &run.name, "counts_by_type.csv")
                .await
                .unwrap()
                .len()
        )
    );

    let (status, headers, _) = http_get(server.http_addr, &path, None).await;
    assert_eq!(status, 401);
    assert_eq!(header(&headers, "www-authenticate"), Some("Bearer"));
    let (status, _, _) = http_get(server.http_addr, &path, Some("ksm_nope")).await;
    assert_eq!(status, 401);
    let officer = server
        .token("petugas", Role::UnitOfficer, Some("DLHK"), None)
        .await;
    let (status, _, _) = http_get(server.http_addr, &path, Some(&officer)).await;
    assert_eq!(status, 403);
    let (status, _, _) = http_get(
        server.http_addr,
        &format!("/reports/{id}/nothing.csv"),
        Some(&server.admin),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = http_get(
        server.http_addr,
        "/reports/not-a-run/counts_by_type.csv",
        Some(&server.admin),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _, _) = http_get(
        server.http_addr,
        &format!(
            "/reports/latest/counts_by_type.csv?schedule={}",
            uuid::Uuid::now_v7()
        ),
        Some(&server.admin),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn tables_download_as_csv_for_indonesian_excel_on_every_path() {
    let server = TestServer::start().await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    let run = run_as_of(&server, "2026-09-30").await;
    assert_eq!(run.state, pb::ReportRunState::Succeeded as i32, "{run:?}");
    let file = "realised_benefits.csv";
    let plain = download(&server, &run.name, file).await.unwrap();
    let excel = download_in(&server, &run.name, file, "excel-id")
        .await
        .unwrap();
    let id = run.name.trim_start_matches("reportRuns/");
    let (status, _, over_http) = kerjasama_tests::http_get(
        server.http_addr,
        &format!("/reports/{id}/{file}?dialect=excel-id"),
        Some(&server.admin),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(over_http, excel, "HTTP and gRPC serve the same bytes");

    // A byte-order mark, semicolons, and the same cells with a decimal comma
    // where the manifest says the column is a decimal or a number.
    assert!(excel.starts_with("\u{feff}".as_bytes()));
    let read = |bytes: &[u8], delimiter: u8| -> Vec<Vec<String>> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .from_reader(bytes)
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect()
    };
    let rfc = read(&plain, b',');
    let id_rows = read(&excel[3..], b';');
    assert_eq!(rfc.len(), id_rows.len());
    assert!(rfc.len() > 1, "the demo register realises benefits");
    let manifest: serde_json::Value =
        serde_json::from_slice(&download(&server, &run.name, "manifest.json").await.unwrap())
            .unwrap();
    let columns = manifest["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["file"] == file)
        .unwrap()["columns"]
        .as_array()
        .unwrap()
        .clone();
    let mut decimals_seen = 0;
    for (row, (a, b)) in rfc.iter().zip(&id_rows).enumerate() {
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            let numeric = matches!(columns[i]["type"].as_str(), Some("decimal" | "number"));
            if row > 0 && numeric {
                assert_eq!(*y, x.replace('.', ","));
                decimals_seen += usize::from(y.contains(','));
            } else {
                assert_eq!(x, y);
            }
        }
    }
    assert!(decimals_seen > 0, "some decimal cells were rewritten");

    // Unknown dialects, and dialects on files that are not a table's CSV.
    let status = download_in(&server, &run.name, file, "excel")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("dialect"));
    let status = download_in(&server, &run.name, "report.xlsx", "excel-id")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("dialect"));
    let (status, _, _) = kerjasama_tests::http_get(
        server.http_addr,
        &format!("/reports/{id}/{file}?dialect=excel"),
        Some(&server.admin),
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_workbook_has_date_cells_number_cells_frozen_headers_and_filters() {
    use calamine::{Data, Reader, Xlsx};
    let server = TestServer::start().await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    let run = run_as_of(&server, "2026-09-30").await;
    let bytes = download(&server, &run.name, "report.xlsx").await.unwrap();

    // Read with a reader other than the writer.
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone()))
            .expect("the workbook opens");
    // The first sheet is README: the run's parameters, every sheet with its
    // CSV file, and a data dictionary from each heading to its CSV column.
    let names = workbook.sheet_names();
    assert_eq!(names[0], "README");
    let readme = workbook.worksheet_range("README").unwrap();
    let text = |cell: &Data| cell.to_string();
    let cells: Vec<Vec<String>> = readme
        .rows()
        .map(|r| r.iter().map(text).collect())
        .collect();
    let row_with = |first: &str| {
        cells
            .iter()
            .find(|r| r.first().is_some_and(|c| c == first))
            .cloned()
            .unwrap_or_else(|| panic!("README has no row {first:?}: {cells:?}"))
    };
    assert_eq!(row_with("Per tanggal / As of")[1], "30 September 2026");
    assert_eq!(
        row_with("Periode / Period")[1],
        "1 Juli 2026 – 30 September 2026"
    );
    // Every table's sheet is named for people (its Indonesian heading, 31
    // characters at most) and the README gives its CSV file.
    for file in run.files.iter().filter(|f| f.ends_with(".csv")) {
        let listed = cells
            .iter()
            .find(|r| r.get(1).is_some_and(|c| c == file))
            .unwrap_or_else(|| panic!("README does not list {file}"));
        assert!(names.contains(&listed[0]), "{listed:?}");
        assert!(
            listed[0].chars().count() <= 31 && !listed[0].contains('_'),
            "{listed:?}"
        );
        assert!(!listed[3].is_empty() && !listed[4].is_empty(), "{listed:?}");
    }
    assert_eq!(
        row_with("Wilayah / Region")[1],
        "semua wilayah / all regions"
    );
    let dictionary: std::collections::HashMap<(String, String), String> = cells
        .iter()
        .skip_while(|r| {
            r.first()
                .is_none_or(|c| c != "Kamus data / Data dictionary")
        })
        .skip(2)
        .filter(|r| r.len() >= 4 && !r[0].is_empty())
        .map(|r| ((r[0].clone(), r[1].clone()), r[3].clone()))
        .collect();
    assert!(dictionary.len() > 50, "{dictionary:?}");
    // Every column has a human heading, not its machine name.
    for ((sheet, heading), column) in &dictionary {
        assert_ne!(heading, column, "{sheet}.{column} has no heading");
    }
    let (mut dates, mut amounts) = (0, 0);
    for name in names.iter().skip(1) {
        let range = workbook.worksheet_range(name).unwrap();
        let mut rows = range.rows();
        let Some(header) = rows.next() else { continue };
        // The CSV name behind each human heading.
        let header: Vec<String> = header
            .iter()
            .map(|c| {
                dictionary
                    .get(&(name.clone(), c.to_string()))
                    .cloned()
                    .unwrap_or_else(|| panic!("{name}: heading {c} not in the dictionary"))
            })
            .collect();
        for row in rows {
            for (column, cell) in header.iter().zip(row) {
                if matches!(cell, Data::Empty) {
                    continue;
                }
                if column.ends_with("_on") || column.ends_with("_until") || column == "as_of" {
                    assert!(
                        matches!(cell, Data::DateTime(_)),
                        "{name}.{column}: {cell:?} is not a date cell"
                    );
                    dates += 1;
                }
                if column.contains("idr") {
                    assert!(
                        matches!(cell, Data::Float(_) | Data::Int(_)),
                        "{name}.{column}: {cell:?} is not a number"
                    );
                    amounts += 1;
                }
            }
        }
    }
    assert!(dates > 0 && amounts > 0, "dates {dates}, amounts {amounts}");
    // Codes come with their names: the overdue stages' sheet names each
    // stage and each unit, and each agreement's document number.
    let mut named_stage = false;
    for name in names.iter().skip(1) {
        let range = workbook.worksheet_range(name).unwrap();
        let mut rows = range.rows();
        let Some(header) = rows.next() else { continue };
        let header: Vec<String> = header.iter().map(|c| c.to_string()).collect();
        let (Some(stage), Some(unit), Some(number)) = (
            header.iter().position(|h| h == "Nama tahapan"),
            header.iter().position(|h| h == "Nama OPD"),
            header.iter().position(|h| h == "Nomor dokumen"),
        ) else {
            continue;
        };
        for row in rows {
            let text = |i: usize| row[i].to_string();
            assert!(!text(stage).is_empty() && text(stage) != text(stage).to_uppercase());
            assert!(
                text(unit).starts_with("Dinas") || text(unit).starts_with("B"),
                "{}",
                text(unit)
            );
            // Unsigned agreements may have no number yet.
            named_stage |= text(number).contains('/');
        }
    }
    assert!(named_stage, "no sheet names its stages");

    // Every sheet: the header row frozen, an autofilter over the table.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let sheets: Vec<String> = zip
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.to_string())
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .collect();
    assert!(sheets.len() > 1);
    for sheet in &sheets {
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(sheet).unwrap(), &mut xml).unwrap();
        // Every sheet prints on A4 landscape, fitted to the page width, with
        // the run and the page number in the footer.
        assert!(
            xml.contains("orientation=\"landscape\""),
            "{sheet}: not landscape"
        );
        assert!(xml.contains("paperSize=\"9\""), "{sheet}: not A4");
        assert!(xml.contains("fitToPage=\"1\""), "{sheet}: not fitted");
        assert!(
            xml.contains("Halaman &amp;P dari &amp;N"),
            "{sheet}: no page number"
        );
        if sheet == "xl/worksheets/sheet1.xml" {
            continue;
        }
        assert!(xml.contains("ySplit=\"1\""), "{sheet}: header not frozen");
        assert!(xml.contains("<autoFilter"), "{sheet}: no autofilter");
    }
    // The header row repeats on every printed page of every table sheet.
    let mut book_xml = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut book_xml)
        .unwrap();
    assert_eq!(
        book_xml.matches("_xlnm.Print_Titles").count(),
        sheets.len(),
        "{book_xml}"
    );
}

/// Runs a poppler tool on a file; its standard output.
pub fn poppler(tool: &str, args: &[&str], file: &std::path::Path) -> String {
    let output = std::process::Command::new(tool)
        .args(args)
        .arg(file)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils, installed by scripts/setup.sh): {e}"));
    assert!(
        output.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn the_meeting_pack_pdf_is_a4_landscape_with_its_figures_as_text() {
    let server = TestServer::start().await;
    known_register(&server).await;
    let run = run_as_of(&server, "2026-09-30").await;
    let pdf = download(&server, &run.name, "meeting_pack.pdf")
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let dir = kerjasama_tests::scratch_dir("pack-pdf");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("meeting_pack.pdf");
    std::fs::write(&path, &pdf).unwrap();

    // pdfinfo prints to stdout and takes no output argument.
    let info = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("pdfinfo (poppler-utils, installed by scripts/setup.sh)");
    // A reader independent of the writer finds nothing to complain about.
    assert!(
        info.stderr.is_empty(),
        "pdfinfo: {}",
        String::from_utf8_lossy(&info.stderr)
    );
    let info = String::from_utf8(info.stdout).unwrap();
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} in {info}"))
    };
    // A4 landscape: 297 × 210 mm.
    assert!(
        field("Page size:").starts_with("841.89 x 595.276"),
        "{info}"
    );
    let text = poppler("pdftotext", &[], &path);
    // Executive summary, one agenda section per OPD with items, summary
    // table, counts chart, benefits, overdue stages, renewal watch: one
    // section per page.
    let agendas = text.matches("Agenda OPD:").count();
    assert!(agendas >= 1, "no agenda section: {text}");
    let pages: usize = field("Pages:").parse().unwrap();
    assert_eq!(pages, 6 + agendas, "{info}");

    let per_page: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(per_page.len(), pages);
    for (i, page) in per_page.iter().enumerate() {
        // The running header and the page number on every page.
        assert!(
            page.contains("per 30 September 2026 · periode 1 Juli 2026 – 30 September 2026"),
            "page {}: {page}",
            i + 1
        );
        assert!(
            page.contains(&format!("Halaman {} dari {pages}", i + 1)),
            "page {}: {page}",
            i + 1
        );
    }
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for headline in [
        "Per 30 September 2026: 3 kerja sama aktif dari 6 yang tercatat",
        "4 tahapan terlambat, 1 di antaranya lebih dari 180 hari; terbanyak di Dinas DLHK (4 tahapan).",
        // The agenda: each OPD by name, its overdue stages one by one.
        "Agenda OPD: Dinas DLHK",
        "Tahapan terlambat / Overdue stages",
        "Ringkasan evaluasi per jenis kerja sama",
        "Tahapan terlambat / Overdue stages",
        "Pemantauan perpanjangan",
        // The renewal watch names the agreement by its title.
        "PKS berakhir",
        "Lewat masa berlaku",
    ] {
        assert!(
            flat.contains(headline),
            "{headline:?} not in the PDF text: {flat}"
        );
    }
    // Numbers and dates as Indonesians write them; no machine names.
    assert!(
        !flat.contains("realised_idr") && !flat.contains("true") && !flat.contains("2026-09-30")
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// Converts a workbook to PDF with LibreOffice headless (a printer other
/// than the writer, installed by scripts/test); the PDF's path.
fn print_with_libreoffice(xlsx: &std::path::Path) -> std::path::PathBuf {
    let dir = xlsx.parent().unwrap();
    // A profile of its own, so parallel tests and a user's LibreOffice
    // never share one.
    let profile = dir.join("lo-profile");
    let output = std::process::Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir)
        .arg(xlsx)
        .env("HOME", dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("soffice (libreoffice-calc-nogui, installed by scripts/test): {e}")
        });
    let pdf = xlsx.with_extension("pdf");
    assert!(
        output.status.success() && pdf.exists(),
        "soffice: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    pdf
}

#[tokio::test]
async fn the_workbook_prints_on_a4_landscape_with_every_readme_cell_whole() {
    use calamine::{Reader, Xlsx};
    let server = TestServer::start().await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    let run = run_as_of(&server, "2026-09-30").await;
    let bytes = download(&server, &run.name, "report.xlsx").await.unwrap();
    let dir = kerjasama_tests::scratch_dir("workbook-print");
    std::fs::create_dir_all(&dir).unwrap();
    let xlsx = dir.join("report.xlsx");
    std::fs::write(&xlsx, &bytes).unwrap();
    let pdf = print_with_libreoffice(&xlsx);

    // Every printed page is A4 landscape (841.89 × 595.28 pt).
    let info = std::process::Command::new("pdfinfo")
        .args(["-f", "1", "-l", "100000"])
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    let info = String::from_utf8(info.stdout).unwrap();
    let sizes: Vec<&str> = info
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
        .collect();
    assert!(!sizes.is_empty(), "{info}");
    for size in &sizes {
        // "Page    1 size:  841.89 x 595.304 pts (A4)"
        let numbers: Vec<f64> = size
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let [_, width, height] = numbers[..] else {
            panic!("{size}")
        };
        assert!(
            (width - 841.89).abs() < 1.0 && (height - 595.28).abs() < 1.0,
            "not A4 landscape: {size}"
        );
    }

    // The README sheet prints first, and every one of its cells is whole:
    // no text cut off by the cell beside it or by the page edge.
    let text = poppler("pdftotext", &[], &pdf);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let readme = workbook.worksheet_range("README").unwrap();
    // The README pages: those whose footer names the README sheet (the
    // footer names each page's sheet).
    assert!(pages[0].contains("README"), "{}", pages[0]);
    let printed: String = pages
        .iter()
        .filter(|p| p.contains("README"))
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let printed_words: std::collections::HashSet<&str> = printed.split_whitespace().collect();
    let mut cells = 0;
    for row in readme.rows() {
        for cell in row {
            let value = cell.to_string();
            for word in value.split_whitespace() {
                assert!(
                    printed_words.contains(word),
                    "README cell {value:?}: {word:?} is not printed whole"
                );
            }
            cells += usize::from(!value.is_empty());
        }
    }
    assert!(cells > 100, "{cells} README cells");
    // The footer: the run and the page number.
    assert!(
        text.contains("Halaman 1 dari"),
        "no page number in the printed workbook: {}",
        pages[0]
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_loader_refuses_a_malformed_region_code_instead_of_reading_the_whole_register() {
    let server = TestServer::start().await;
    let client = server.sql().await;
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
    for bad in ["", "x", "36' OR '1'='1", "36..71"] {
        let refused = kerjasama_jobs::load::register(&client, as_of, Some(bad))
            .await
            .err()
            .unwrap_or_else(|| panic!("{bad:?} was read as a filter"));
        match kerjasama_core::CoreError::from(refused) {
            kerjasama_core::CoreError::InvalidArgument(violations) => {
                assert_eq!(
                    violations[0].field, "region_code",
                    "{bad:?}: {violations:?}"
                );
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert!(
        kerjasama_jobs::load::register(&client, as_of, Some("36"))
            .await
            .is_ok()
    );
}
