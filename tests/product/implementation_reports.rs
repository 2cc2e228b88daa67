//! ImplementationReportService: reports per cycle, on time, late or missing.

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use tonic::Code;

use crate::fixtures::{create, create_unit, ksdd_ksb, ksdpk_pks, ksdpl_ksb};

/// Signed 2025-02-15, in force until 2026-02-14.
async fn in_force(server: &TestServer, cycle: pb::ReportingCycle) -> pb::Agreement {
    create_unit(server, "DLHK").await;
    let mut a = ksdd_ksb("DLHK", "Dilaporkan");
    a.signed_on = "2025-02-15".into();
    a.effective_from = "2025-02-15".into();
    a.effective_until = "2026-02-14".into();
    a.reporting_cycle = cycle as i32;
    create(server, a).await
}

fn report(cycle_start: &str, submitted_on: &str) -> pb::ImplementationReport {
    pb::ImplementationReport {
        cycle_start: cycle_start.into(),
        submitted_on: submitted_on.into(),
        summary: "Pengangkutan sampah berjalan sesuai rencana".into(),
        progress_percent: Some(40),
        obstacles: "Armada terbatas".into(),
        follow_up: "Penambahan dua truk".into(),
        ..Default::default()
    }
}

async fn submit(
    server: &TestServer,
    agreement: &pb::Agreement,
    r: pb::ImplementationReport,
) -> Result<pb::ImplementationReport, tonic::Status> {
    server
        .implementation_reports()
        .submit_implementation_report(authed(
            &server.admin,
            pb::SubmitImplementationReportRequest {
                parent: agreement.name.clone(),
                implementation_report: Some(r),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

async fn cycles(server: &TestServer, agreement: &pb::Agreement, as_of: &str) -> Vec<(String, i32)> {
    server
        .implementation_reports()
        .list_reporting_cycles(authed(
            &server.admin,
            pb::ListReportingCyclesRequest {
                parent: agreement.name.clone(),
                as_of: as_of.into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .cycles
        .into_iter()
        .map(|c| (c.start, c.status))
        .collect()
}

fn expect(rows: &[(&str, pb::CycleStatus)]) -> Vec<(String, i32)> {
    rows.iter()
        .map(|(s, st)| (s.to_string(), *st as i32))
        .collect()
}

#[tokio::test]
async fn cycles_are_on_time_late_due_or_missing_as_of_any_date() {
    use pb::CycleStatus::{Due, Late, Missing, Open, Submitted};
    let server = TestServer::start().await;
    let agreement = in_force(&server, pb::ReportingCycle::Quarterly).await;
    let q1 = submit(&server, &agreement, report("2025-01-01", "2025-04-20"))
        .await
        .unwrap();
    assert_eq!(
        (q1.cycle_end.as_str(), q1.reported_by.as_str()),
        ("2025-03-31", "test-admin")
    );
    submit(&server, &agreement, report("2025-04-01", "2025-08-05"))
        .await
        .unwrap();

    assert_eq!(
        cycles(&server, &agreement, "2025-07-15").await,
        expect(&[
            ("2025-01-01", Submitted),
            ("2025-04-01", Due),
            ("2025-07-01", Open)
        ])
    );
    assert_eq!(
        cycles(&server, &agreement, "2025-08-01").await,
        expect(&[
            ("2025-01-01", Submitted),
            ("2025-04-01", Missing),
            ("2025-07-01", Open)
        ])
    );
    assert_eq!(
        cycles(&server, &agreement, "2025-08-15").await,
        expect(&[
            ("2025-01-01", Submitted),
            ("2025-04-01", Late),
            ("2025-07-01", Open)
        ])
    );
    // After the end of the in-force period no new cycles appear.
    let all = cycles(&server, &agreement, "2026-11-01").await;
    assert_eq!(all.len(), 5, "Q1 2025 through Q1 2026: {all:?}");
    assert_eq!(all[4], ("2026-01-01".to_string(), Missing as i32));
    assert!(
        cycles(&server, &agreement, "2025-01-01").await.is_empty(),
        "not in force yet"
    );
}

#[tokio::test]
async fn semester_agreements_report_twice_a_year() {
    let server = TestServer::start().await;
    let agreement = in_force(&server, pb::ReportingCycle::Semester).await;
    let starts: Vec<String> = cycles(&server, &agreement, "2026-11-01")
        .await
        .into_iter()
        .map(|c| c.0)
        .collect();
    assert_eq!(starts, ["2025-01-01", "2025-07-01", "2026-01-01"]);
    let status = submit(&server, &agreement, report("2025-04-01", "2025-08-01"))
        .await
        .unwrap_err();
    assert_rejected(
        &status,
        Code::InvalidArgument,
        Some("implementation_report.cycle_start"),
    );
}

#[tokio::test]
async fn implementation_reports_are_checked() {
    let server = TestServer::start().await;
    let agreement = in_force(&server, pb::ReportingCycle::Quarterly).await;
    submit(&server, &agreement, report("2025-01-01", "2025-04-20"))
        .await
        .unwrap();
    let status = submit(&server, &agreement, report("2025-01-01", "2025-04-21"))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::AlreadyExists, None);
    for (r, field) in [
        (
            report("2025-02-01", "2025-05-01"),
            "implementation_report.cycle_start",
        ),
        (
            report("2027-01-01", "2027-04-01"),
            "implementation_report.cycle_start",
        ),
        (
            report("2024-10-01", "2025-01-10"),
            "implementation_report.cycle_start",
        ),
        (
            report("", "2025-05-01"),
            "implementation_report.cycle_start",
        ),
        (
            report("2025-04-01", "2999-01-01"),
            "implementation_report.submitted_on",
        ),
        (
            report("2025-04-01", "2025-03-01"),
            "implementation_report.submitted_on",
        ),
        (
            pb::ImplementationReport {
                summary: " ".into(),
                ..report("2025-04-01", "2025-07-01")
            },
            "implementation_report.summary",
        ),
        (
            pb::ImplementationReport {
                progress_percent: Some(150),
                ..report("2025-04-01", "2025-07-01")
            },
            "implementation_report.progress_percent",
        ),
    ] {
        let status = submit(&server, &agreement, r).await.unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
    let draft = create(&server, ksdpk_pks("DLHK", "Belum berlaku")).await;
    let status = submit(&server, &draft, report("2025-01-01", "2025-04-20"))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
}

/// The check for the cycle's existing report runs after the agreement's
/// lock, in the same round trip as the lock (pipelined): one cycle's report
/// sent several times at once is recorded once, and the others are told it
/// exists.
#[tokio::test]
async fn one_cycles_reports_sent_at_once_are_recorded_once() {
    let server = TestServer::start().await;
    let agreement = in_force(&server, pb::ReportingCycle::Quarterly).await;
    for cycle_start in ["2025-04-01", "2025-07-01"] {
        let calls = (0..8).map(|_| submit(&server, &agreement, report(cycle_start, "2025-10-15")));
        let results = futures::future::join_all(calls).await;
        let recorded = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(recorded, 1, "{cycle_start}: {results:?}");
        for status in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_rejected(status, Code::AlreadyExists, None);
        }
    }
}

#[tokio::test]
async fn a_deleted_report_frees_its_cycle() {
    let server = TestServer::start().await;
    let agreement = in_force(&server, pb::ReportingCycle::Quarterly).await;
    let first = submit(&server, &agreement, report("2025-01-01", "2025-04-20"))
        .await
        .unwrap();
    server
        .implementation_reports()
        .delete_implementation_report(authed(
            &server.admin,
            pb::DeleteImplementationReportRequest { name: first.name },
        ))
        .await
        .unwrap();
    submit(&server, &agreement, report("2025-01-01", "2025-04-25"))
        .await
        .unwrap();
    let listed = server
        .implementation_reports()
        .list_implementation_reports(authed(
            &server.admin,
            pb::ListImplementationReportsRequest {
                parent: agreement.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .implementation_reports;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].submitted_on, "2025-04-25");
}

#[tokio::test]
async fn an_addendum_or_an_loi_has_no_reporting_cycles_and_takes_no_report() {
    let server = TestServer::start().await;
    let amended = in_force(&server, pb::ReportingCycle::Quarterly).await;
    let in_force_since = |mut a: pb::Agreement| {
        a.signed_on = "2025-03-01".into();
        a.effective_from = "2025-03-01".into();
        a.effective_until = "2026-02-14".into();
        a
    };
    let addendum = create(
        &server,
        in_force_since(pb::Agreement {
            document_kind: pb::DocumentKind::Addendum as i32,
            parent: amended.name.clone(),
            ..ksdd_ksb("DLHK", "Adendum I")
        }),
    )
    .await;
    let loi = create(
        &server,
        in_force_since(pb::Agreement {
            document_kind: pb::DocumentKind::Loi as i32,
            ..ksdpl_ksb("DLHK", "Pernyataan kehendak", "JP")
        }),
    )
    .await;
    // The agreement it amends reports, quarter by quarter.
    assert_eq!(cycles(&server, &amended, "2025-08-01").await.len(), 3);
    for exempt in [&addendum, &loi] {
        assert!(cycles(&server, exempt, "2025-08-01").await.is_empty());
        let status = submit(&server, exempt, report("2025-04-01", "2025-07-01"))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::FailedPrecondition, None);
    }
}
