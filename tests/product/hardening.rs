//! The guarantees of issue 8, one test each: authentication before anything
//! else, unit officers bound to their region, one rule for report runs and one
//! for schedules, children only under one's own unit's agreements, and the
//! input rules every RPC shares (text, dates, region codes, links, page tokens).

use kerjasama_core::codes::Role;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed, http_get};
use tonic::{Code, Request};

use crate::fixtures::{REGION, create, create_jabar_unit, create_unit, ksdd_ksb, ksdpk_pks};

#[tokio::test]
async fn authentication_comes_before_validation_on_every_service() {
    let server = TestServer::start().await;
    // Malformed names and missing fields: without a token the answer is
    // UNAUTHENTICATED, never a validation error that probes the API.
    let status = server
        .stages()
        .start_stage(Request::new(pb::StartStageRequest {
            name: "not a stage".into(),
            started_on: "0000-01-01".into(),
            notes: "\0".into(),
        }))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::Unauthenticated, None);
    let status = server
        .stages()
        .reschedule_stage(authed(
            "ksm_forged",
            pb::RescheduleStageRequest {
                name: "x".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::Unauthenticated, None);
    let status = server
        .templates()
        .list_stage_templates(Request::new(pb::ListStageTemplatesRequest::default()))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::Unauthenticated, None);
}

#[tokio::test]
async fn a_unit_officer_token_is_bound_to_its_units_region() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let banten = create(&server, ksdd_ksb("DLHK", "Milik Banten")).await;
    create_jabar_unit(&server).await;
    // Created without a region: the unit's region is taken.
    let officer = server
        .token("petugas-jabar", Role::UnitOfficer, Some("JABAR-DLH"), None)
        .await;
    let sql = server.sql().await;
    let region: Option<String> = sql
        .query_one(
            "SELECT region_code::text FROM api_tokens WHERE name = 'petugas-jabar'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(region.as_deref(), Some("32"));

    let status = server
        .agreements()
        .get_agreement(authed(
            &officer,
            pb::GetAgreementRequest {
                name: banten.name.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    let listed = server
        .agreements()
        .list_agreements(authed(&officer, pb::ListAgreementsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.agreements.is_empty(), "{:?}", listed.agreements);

    // The schema itself refuses an unbound officer.
    let refused = sql
        .execute(
            "INSERT INTO api_tokens (id, name, role, unit_code, secret_sha256, create_time) \
             VALUES (gen_random_uuid(), 'lepas', 'UNIT_OFFICER', 'DLHK', '\\x00', now())",
            &[],
        )
        .await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn unit_officers_read_no_report_runs_over_grpc_or_http() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let run = server
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
        .into_inner();
    let run = server.finished(run).await;
    assert_eq!(run.state, pb::ReportRunState::Succeeded as i32, "{run:?}");
    let officer = server
        .token("petugas", Role::UnitOfficer, Some("DLHK"), Some(REGION))
        .await;
    let mut reports = server.reports();
    let status = reports
        .get_report_run(authed(
            &officer,
            pb::GetReportRunRequest {
                name: run.name.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    let status = reports
        .list_report_runs(authed(&officer, pb::ListReportRunsRequest::default()))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    let status = reports
        .get_metric_rows(authed(
            &officer,
            pb::GetMetricRowsRequest {
                run: run.name.clone(),
                table: "counts_by_type".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    let status = reports
        .download_report_file(authed(
            &officer,
            pb::DownloadReportFileRequest {
                run: run.name.clone(),
                file: "counts_by_type.csv".into(),
                dialect: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    // The HTTP downloads apply the same rule.
    let id = run.name.trim_start_matches("reportRuns/");
    for path in [
        format!("/reports/{id}/counts_by_type.csv"),
        "/reports/latest/counts_by_type.csv".to_string(),
    ] {
        let (status, _, _) = http_get(server.http_addr, &path, Some(&officer)).await;
        assert_eq!(status, 403, "{path}");
    }
    // A run over every region is not for a region-bound analyst either.
    let analyst = server
        .token("analis-banten", Role::Analyst, None, Some(REGION))
        .await;
    let status = reports
        .get_report_run(authed(
            &analyst,
            pb::GetReportRunRequest {
                name: run.name.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    let (status, _, _) = http_get(
        server.http_addr,
        &format!("/reports/{id}/counts_by_type.csv"),
        Some(&analyst),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn schedules_are_for_the_bureau_and_deployment_wide_ones_for_unbound_admins() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let wide = server
        .schedules()
        .create_report_schedule(authed(
            &server.admin,
            pb::CreateReportScheduleRequest {
                report_schedule: Some(pb::ReportSchedule {
                    display_name: "Nasional".into(),
                    cron: "0 7 * * 1".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(wide.region_code, "");
    let bound_admin = server
        .token("admin-banten", Role::Admin, None, Some(REGION))
        .await;
    let analyst = server.token("analis", Role::Analyst, None, None).await;
    let officer = server
        .token("petugas", Role::UnitOfficer, Some("DLHK"), None)
        .await;
    for token in [&bound_admin, &analyst, &officer] {
        let status = server
            .schedules()
            .get_report_schedule(authed(
                token,
                pb::GetReportScheduleRequest {
                    name: wide.name.clone(),
                },
            ))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::PermissionDenied, None);
    }
    for token in [&analyst, &officer] {
        let status = server
            .schedules()
            .list_report_schedules(authed(token, pb::ListReportSchedulesRequest::default()))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::PermissionDenied, None);
    }
    let listed = server
        .schedules()
        .list_report_schedules(authed(
            &bound_admin,
            pb::ListReportSchedulesRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(listed.report_schedules.is_empty());
}

#[tokio::test]
async fn a_unit_officer_attaches_children_only_under_its_own_units_agreements() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    create_unit(&server, "DINKES").await;
    let ksb = create(&server, ksdd_ksb("DINKES", "KSB Dinkes")).await;
    let officer = server
        .token("petugas-dlhk", Role::UnitOfficer, Some("DLHK"), None)
        .await;
    let mut pks = ksdpk_pks("DLHK", "PKS DLHK di bawah KSB Dinkes");
    pks.cooperation_type = pb::CooperationType::Ksdd as i32;
    pks.sector = "ENVIRONMENT".into();
    pks.ksdd_basis = pb::KsddBasis::Mandatory as i32;
    pks.parties = ksb.parties.clone();
    pks.parent = ksb.name.clone();
    let before = server.row_counts().await;
    let status = server
        .agreements()
        .create_agreement(authed(
            &officer,
            pb::CreateAgreementRequest {
                agreement: Some(pks.clone()),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    assert_eq!(server.row_counts().await, before);
    // The bureau may link across units.
    server
        .agreements()
        .create_agreement(authed(
            &server.admin,
            pb::CreateAgreementRequest {
                agreement: Some(pks),
                ..Default::default()
            },
        ))
        .await
        .expect("ADMIN links a PKS of one unit under another unit's KSB");
}

#[tokio::test]
async fn nul_and_control_characters_are_invalid_arguments_on_any_rpc() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let ksb = create(&server, ksdd_ksb("DLHK", "KSB")).await;
    let before = server.row_counts().await;
    let mut bad = ksdd_ksb("DLHK", "Judul\0dengan NUL");
    bad.parties[0].name = "Kota\u{1}".into();
    let status = server
        .agreements()
        .create_agreement(authed(
            &server.admin,
            pb::CreateAgreementRequest {
                agreement: Some(bad),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("agreement.title"));
    assert_rejected(
        &status,
        Code::InvalidArgument,
        Some("agreement.parties[0].name"),
    );
    let stage = format!("{}/stages/PERSIAPAN", ksb.name);
    let status = server
        .stages()
        .reschedule_stage(authed(
            &server.admin,
            pb::RescheduleStageRequest {
                name: stage,
                new_due_on: "2030-01-01".into(),
                reason: "alasan\0".into(),
                decided_on: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("reason"));
    let status = server
        .agreements()
        .list_agreements(authed(
            &server.admin,
            pb::ListAgreementsRequest {
                query: "\0".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("query"));
    let status = server
        .documents()
        .create_document(authed(
            &server.admin,
            pb::CreateDocumentRequest {
                parent: ksb.name.clone(),
                document: Some(pb::Document {
                    r#type: pb::DocumentType::Ksb as i32,
                    title: "Naskah".into(),
                    uri: "https://arsip.example.go.id/\0".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("document.uri"));
    assert_eq!(server.row_counts().await, before);
}

#[tokio::test]
async fn oversized_text_and_lists_are_refused_with_the_limit_named() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let ksb = create(&server, ksdd_ksb("DLHK", "KSB")).await;
    let before = server.row_counts().await;
    let status = server
        .stages()
        .reschedule_stage(authed(
            &server.admin,
            pb::RescheduleStageRequest {
                name: format!("{}/stages/PERSIAPAN", ksb.name),
                new_due_on: "2030-01-01".into(),
                reason: "x".repeat(1 << 20),
                decided_on: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("reason"));
    assert!(status.message().contains("4000"), "{}", status.message());
    let mut many = ksdd_ksb("DLHK", "Terlalu banyak pihak");
    many.parties = vec![many.parties[0].clone(); 21];
    let status = server
        .agreements()
        .create_agreement(authed(
            &server.admin,
            pb::CreateAgreementRequest {
                agreement: Some(many),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("agreement.parties"));
    let status = server
        .agreements()
        .create_agreement(authed(
            &server.admin,
            pb::CreateAgreementRequest {
                agreement: Some(ksdd_ksb("DLHK", &"judul ".repeat(60))),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("agreement.title"));
    assert_eq!(server.row_counts().await, before);
}

#[tokio::test]
async fn dates_outside_1900_to_2199_or_not_strictly_iso_are_refused() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let before = server.row_counts().await;
    for bad in [
        "0000-01-01",
        "-001-01-01",
        "+2025-01-1",
        "1899-12-31",
        "2200-01-01",
        "2026-02-30",
    ] {
        let mut agreement = ksdd_ksb("DLHK", "Tanggal aneh");
        agreement.signed_on = bad.into();
        let status = server
            .agreements()
            .create_agreement(authed(
                &server.admin,
                pb::CreateAgreementRequest {
                    agreement: Some(agreement),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some("agreement.signed_on"));
        let status = server
            .reports()
            .run_report(authed(
                &server.admin,
                pb::RunReportRequest {
                    as_of: bad.into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some("as_of"));
    }
    assert_eq!(server.row_counts().await, before);
    // The schema holds the same range for any writer that bypasses the API.
    let sql = server.sql().await;
    let refused = sql
        .execute("UPDATE agreements SET signed_on = '0001-01-01 BC'", &[])
        .await;
    let _ = create(&server, ksdd_ksb("DLHK", "Satu")).await;
    let refused_after = sql
        .execute("UPDATE agreements SET signed_on = '0001-01-01 BC'", &[])
        .await;
    assert!(refused.is_ok(), "no rows to check yet");
    assert!(refused_after.is_err());
}

#[tokio::test]
async fn region_codes_and_document_links_must_have_their_shape() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let ksb = create(&server, ksdd_ksb("DLHK", "KSB")).await;
    for region in ["x", "3", "36.", "36.7", "36.71.01.1", " 36"] {
        let status = server
            .agreements()
            .list_agreements(authed(
                &server.admin,
                pb::ListAgreementsRequest {
                    region_code: region.into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some("region_code"));
    }
    for uri in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,x",
    ] {
        let status = server
            .documents()
            .create_document(authed(
                &server.admin,
                pb::CreateDocumentRequest {
                    parent: ksb.name.clone(),
                    document: Some(pb::Document {
                        r#type: pb::DocumentType::Ksb as i32,
                        title: "Naskah".into(),
                        uri: uri.into(),
                        ..Default::default()
                    }),
                },
            ))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some("document.uri"));
    }
}

#[tokio::test]
async fn forged_page_tokens_are_invalid_arguments_and_never_panic() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    for i in 0..3 {
        create(&server, ksdd_ksb("DLHK", &format!("KSB {i}"))).await;
    }
    let page = server
        .agreements()
        .list_agreements(authed(
            &server.admin,
            pb::ListAgreementsRequest {
                page_size: 1,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!page.next_page_token.is_empty());
    // A real token with one byte changed, and tokens of the old unsigned shape.
    let mut bytes = URL_SAFE_NO_PAD.decode(&page.next_page_token).unwrap();
    bytes[3] ^= 1;
    let tampered = URL_SAFE_NO_PAD.encode(bytes);
    let unsigned =
        URL_SAFE_NO_PAD.encode(br#"{"c":{"key":"18446744073709551615","id":""},"f":"x"}"#);
    for token in [tampered.as_str(), unsigned.as_str(), "%%%", "AAAA"] {
        let status = server
            .agreements()
            .list_agreements(authed(
                &server.admin,
                pb::ListAgreementsRequest {
                    page_size: 1,
                    page_token: token.into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some("page_token"));
    }

    let run = server
        .reports()
        .run_report(authed(&server.admin, pb::RunReportRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let run = server.finished(run).await;
    for token in [unsigned.as_str(), tampered.as_str()] {
        let status = server
            .reports()
            .get_metric_rows(authed(
                &server.admin,
                pb::GetMetricRowsRequest {
                    run: run.name.clone(),
                    table: "counts_by_type".into(),
                    page_token: token.into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some("page_token"));
    }
    // The server is still answering.
    server
        .agreements()
        .list_agreements(authed(&server.admin, pb::ListAgreementsRequest::default()))
        .await
        .expect("the server survived");
}

#[tokio::test]
async fn a_stored_date_out_of_range_fails_only_the_reports_that_cover_it_naming_the_record() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let banten = create(&server, ksdd_ksb("DLHK", "Tanggal rusak")).await;
    create_jabar_unit(&server).await;
    let mut jabar = ksdd_ksb("JABAR-DLH", "Jawa Barat");
    jabar.region_code = "32".into();
    create(&server, jabar).await;
    // A row written before the range rule existed (the constraint is lifted
    // for the write, as it would have been absent then).
    let sql = server.sql().await;
    sql.batch_execute(
        "ALTER TABLE agreements DROP CONSTRAINT agreements_signed_on_range; \
         UPDATE agreements SET signed_on = '0001-01-01 BC' WHERE region_code = '36'; \
         ALTER TABLE agreements ADD CONSTRAINT agreements_signed_on_range \
           CHECK (signed_on BETWEEN DATE '1900-01-01' AND DATE '2199-12-31') NOT VALID;",
    )
    .await
    .unwrap();
    let id = banten.name.trim_start_matches("agreements/").to_string();
    let run_as = async |token: &str| {
        let run = server
            .reports()
            .run_report(authed(
                token,
                pb::RunReportRequest {
                    as_of: "2026-09-30".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
        server.finished(run).await
    };
    let jabar_admin = server
        .token("admin-jabar", Role::Admin, None, Some("32"))
        .await;
    let banten_admin = server
        .token("admin-banten", Role::Admin, None, Some("36"))
        .await;
    let other_region = run_as(&jabar_admin).await;
    assert_eq!(
        other_region.state,
        pb::ReportRunState::Succeeded as i32,
        "{other_region:?}"
    );
    for token in [&banten_admin, &server.admin] {
        let failed = run_as(token).await;
        assert_eq!(failed.state, pb::ReportRunState::Failed as i32);
        assert!(
            failed.error.contains(&id) && failed.error.contains("signed_on"),
            "{}",
            failed.error
        );
    }
}

#[tokio::test]
async fn hostile_download_urls_are_bad_requests_not_server_errors() {
    let server = TestServer::start().await;
    for path in [
        "/reports/latest/%00",
        "/reports/latest/a%01b.csv",
        "/reports/latest/evaluation_summary.csv?schedule=%00",
        "/reports/latest/evaluation_summary.csv?schedule=0193ABCD-0000-7000-8000-000000000000",
        "/reports/0193abcd-0000-7000-8000-000000000000/%00.csv",
        "/reports/{0193abcd-0000-7000-8000-000000000000}/x.csv",
    ] {
        let (status, _, body) = http_get(server.http_addr, path, Some(&server.admin)).await;
        assert_eq!(status, 400, "{path}: {}", String::from_utf8_lossy(&body));
    }
}
