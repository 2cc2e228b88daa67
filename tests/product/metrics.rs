//! Golden tests of the evaluation metrics: small registers built through the
//! API, with every expected figure worked out by hand in the comments.

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, authed};

use crate::fixtures::{create, create_unit, ksdd_ksb, ksdpk_pks, ksdpl_ksb};
use crate::reports::{download, signed};

fn unsigned(mut a: pb::Agreement) -> pb::Agreement {
    a.signed_on.clear();
    a.effective_from.clear();
    a.effective_until.clear();
    a
}

async fn stage(server: &TestServer, agreement: &pb::Agreement, code: &str, action: &str, on: &str) {
    let name = format!("{}/stages/{code}", agreement.name);
    let mut client = server.stages();
    match action {
        "start" => {
            client
                .start_stage(authed(
                    &server.admin,
                    pb::StartStageRequest {
                        name,
                        started_on: on.into(),
                        notes: String::new(),
                    },
                ))
                .await
                .unwrap();
        }
        "complete" => {
            client
                .complete_stage(authed(
                    &server.admin,
                    pb::CompleteStageRequest {
                        name,
                        completed_on: on.into(),
                        ..Default::default()
                    },
                ))
                .await
                .unwrap();
        }
        _ => unreachable!(),
    }
}

async fn reschedule(
    server: &TestServer,
    agreement: &pb::Agreement,
    code: &str,
    decided: &str,
    due: &str,
) {
    server
        .stages()
        .reschedule_stage(authed(
            &server.admin,
            pb::RescheduleStageRequest {
                name: format!("{}/stages/{code}", agreement.name),
                new_due_on: due.into(),
                reason: "Jadwal mitra berubah".into(),
                decided_on: decided.into(),
            },
        ))
        .await
        .unwrap();
}

pub(crate) async fn run(server: &TestServer, as_of: &str, start: &str, end: &str) -> pb::ReportRun {
    let queued = server
        .reports()
        .run_report(authed(
            &server.admin,
            pb::RunReportRequest {
                as_of: as_of.into(),
                period_start: start.into(),
                period_end: end.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    server.finished(queued).await
}

/// The CSV's rows without the header, each with the `agreement` column
/// (a generated name) dropped when `drop_first` is set.
pub(crate) async fn rows(
    server: &TestServer,
    run: &pb::ReportRun,
    file: &str,
    drop_first: bool,
) -> Vec<String> {
    let text = String::from_utf8(download(server, &run.name, file).await.unwrap()).unwrap();
    contract_rows(&text)
        .into_iter()
        .map(|fields| {
            let fields = if drop_first {
                &fields[1..]
            } else {
                &fields[..]
            };
            fields.join(",")
        })
        .collect()
}

/// A metric CSV's data rows, each cut to its contract columns: the name
/// columns every file ends with (`document_number`, `unit_name`, `*_name`)
/// left out, since they are checked on their own.
pub(crate) fn contract_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let contract = header
        .iter()
        .position(|h| kerjasama_jobs::labels::NAME_COLUMNS.contains(&h))
        .unwrap_or(header.len());
    reader
        .records()
        .map(|record| {
            record
                .unwrap()
                .iter()
                .take(contract)
                .map(str::to_string)
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn overdue_stages_use_the_due_date_in_force_on_the_day_asked_about() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    create_unit(&server, "DINKES").await;
    // A1: PERSIAPAN from 2026-01-05 (SLA due 02-04), moved to 03-31 on 02-01 and
    // to 08-31 on 07-10. As of 06-30 the 03-31 date is in force: 91 days → 91-180.
    let a1 = create(&server, unsigned(ksdd_ksb("DLHK", "A1 dijadwal ulang"))).await;
    stage(&server, &a1, "PERSIAPAN", "start", "2026-01-05").await;
    reschedule(&server, &a1, "PERSIAPAN", "2026-02-01", "2026-03-31").await;
    reschedule(&server, &a1, "PERSIAPAN", "2026-07-10", "2026-08-31").await;
    // A2: PERSIAPAN 05-01 (due 05-31) completed 06-10: completed 10 days late;
    // PENAWARAN then starts 06-10 (due 07-10): not overdue.
    let a2 = create(
        &server,
        unsigned(ksdpk_pks("DINKES", "A2 terlambat selesai")),
    )
    .await;
    stage(&server, &a2, "PERSIAPAN", "start", "2026-05-01").await;
    stage(&server, &a2, "PERSIAPAN", "complete", "2026-06-10").await;
    // A3: due exactly on as_of (05-31 + 30 = 06-30): not overdue.
    let a3 = create(
        &server,
        unsigned(ksdpk_pks("DINKES", "A3 jatuh tempo hari ini")),
    )
    .await;
    stage(&server, &a3, "PERSIAPAN", "start", "2026-05-31").await;
    // A4: PERSIAPAN 03-01, due moved on 03-20 to 04-30, completed 04-25: on
    // time. PENAWARAN from 04-25 (due 05-25): 36 days overdue → 31-90.
    let a4 = create(&server, unsigned(ksdd_ksb("DLHK", "A4 tepat waktu"))).await;
    stage(&server, &a4, "PERSIAPAN", "start", "2026-03-01").await;
    reschedule(&server, &a4, "PERSIAPAN", "2026-03-20", "2026-04-30").await;
    stage(&server, &a4, "PERSIAPAN", "complete", "2026-04-25").await;
    // A5: cancelled on 06-01: its open stage no longer counts.
    let a5 = create(&server, unsigned(ksdd_ksb("DLHK", "A5 dibatalkan"))).await;
    stage(&server, &a5, "PERSIAPAN", "start", "2026-01-10").await;
    // A6: cancelled on 07-15, after as_of: still counted. Due 03-03: 119 days.
    let a6 = create(
        &server,
        unsigned(ksdd_ksb("DLHK", "A6 dibatalkan kemudian")),
    )
    .await;
    stage(&server, &a6, "PERSIAPAN", "start", "2026-02-01").await;
    for (agreement, on) in [(&a5, "2026-06-01"), (&a6, "2026-07-15")] {
        server
            .agreements()
            .cancel_agreement(authed(
                &server.admin,
                pb::CancelAgreementRequest {
                    name: agreement.name.clone(),
                    cancelled_on: on.into(),
                    reason: "Tidak dilanjutkan".into(),
                },
            ))
            .await
            .unwrap();
    }

    let report = run(&server, "2026-06-30", "2026-04-01", "2026-06-30").await;
    assert_eq!(
        rows(&server, &report, "overdue_stages.csv", true).await,
        [
            "A6 dibatalkan kemudian,KSDD,DLHK,PERSIAPAN,2026-02-01,2026-03-03,119,91-180",
            "A1 dijadwal ulang,KSDD,DLHK,PERSIAPAN,2026-01-05,2026-03-31,91,91-180",
            "A4 tepat waktu,KSDD,DLHK,PENAWARAN,2026-04-25,2026-05-25,36,31-90",
        ]
    );
    assert_eq!(
        rows(&server, &report, "overdue_by_unit_stage.csv", false).await,
        [
            "DLHK,PENAWARAN,1,0,1,0,0,36",
            "DLHK,PERSIAPAN,2,0,0,2,0,119"
        ]
    );
    assert_eq!(
        rows(&server, &report, "stages_completed_late.csv", true).await,
        ["A2 terlambat selesai,KSDPK,DINKES,PERSIAPAN,2026-05-31,2026-06-10,10"]
    );

    // As of 07-31 the 07-10 reschedule is in force for A1 (due 08-31): not overdue.
    // A6 is cancelled by then; A4's PENAWARAN is 67 days overdue; A2's PENAWARAN
    // (due 07-10) 21; A3's PERSIAPAN (due 06-30) 31.
    let later = run(&server, "2026-07-31", "2026-07-01", "2026-07-31").await;
    let titles: Vec<String> = rows(&server, &later, "overdue_stages.csv", true)
        .await
        .into_iter()
        .map(|r| r.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(
        titles,
        [
            "A4 tepat waktu",
            "A3 jatuh tempo hari ini",
            "A2 terlambat selesai"
        ]
    );
}

#[tokio::test]
async fn renewal_watch_lists_endings_within_90_and_180_days_and_past_ends() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let complete = |title: &str, until: &str| {
        let a = signed(ksdd_ksb("DLHK", title), "2025-01-02", until);
        authed(
            &server.admin,
            pb::CreateAgreementRequest {
                agreement: Some(a),
                request_id: String::new(),
                complete_through_stage: "PELAPORAN".into(),
            },
        )
    };
    let mut client = server.agreements();
    for (title, until) in [
        ("R1 sembilan puluh", "2026-09-28"),
        ("R2 sembilan puluh satu", "2026-09-29"),
        ("R3 seratus delapan puluh", "2026-12-27"),
        ("R4 seratus delapan puluh satu", "2026-12-28"),
        ("R5 berakhir hari ini", "2026-06-30"),
        ("R6 berakhir kemarin", "2026-06-29"),
        ("R7 diakhiri", "2026-12-01"),
    ] {
        client
            .create_agreement(complete(title, until))
            .await
            .unwrap();
    }
    let r7 = client
        .list_agreements(authed(
            &server.admin,
            pb::ListAgreementsRequest {
                query: "R7".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .agreements
        .remove(0);
    client
        .terminate_agreement(authed(
            &server.admin,
            pb::TerminateAgreementRequest {
                name: r7.name,
                terminated_on: "2026-04-01".into(),
                reason: "Mitra bubar".into(),
            },
        ))
        .await
        .unwrap();

    let report = run(&server, "2026-06-30", "2026-04-01", "2026-06-30").await;
    assert_eq!(
        rows(&server, &report, "renewal_watch.csv", true).await,
        [
            "R6 berakhir kemarin,KSDD,KSB,DLHK,2026-06-29,-1,PAST_END,false,false",
            "R5 berakhir hari ini,KSDD,KSB,DLHK,2026-06-30,0,ENDS_WITHIN_90_DAYS,true,true",
            "R1 sembilan puluh,KSDD,KSB,DLHK,2026-09-28,90,ENDS_WITHIN_90_DAYS,true,true",
            "R2 sembilan puluh satu,KSDD,KSB,DLHK,2026-09-29,91,ENDS_WITHIN_180_DAYS,false,true",
            "R3 seratus delapan puluh,KSDD,KSB,DLHK,2026-12-27,180,ENDS_WITHIN_180_DAYS,false,true",
        ]
    );
    // Ended in Q2: R6 (expired on 06-30) and R7 (terminated 04-01); R5 is
    // still in force on its last day.
    let counts = rows(&server, &report, "counts_by_type.csv", false).await;
    assert_eq!(counts[0], "KSDD,0,0,5,1,1,0,7,0,2");
    assert!(
        rows(&server, &report, "overdue_stages.csv", false)
            .await
            .is_empty()
    );
}

async fn indicator(
    server: &TestServer,
    agreement: &pb::Agreement,
    title: &str,
    category: pb::BenefitCategory,
    unit: &str,
    target: &str,
) -> pb::Indicator {
    server
        .benefits()
        .create_indicator(authed(
            &server.admin,
            pb::CreateIndicatorRequest {
                parent: agreement.name.clone(),
                indicator: Some(pb::Indicator {
                    title: title.into(),
                    category: category as i32,
                    unit_of_measure: unit.into(),
                    beneficiary: pb::Beneficiary::Region as i32,
                    target_value: target.into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn realise(
    server: &TestServer,
    indicator: &pb::Indicator,
    start: &str,
    end: &str,
    value: &str,
) {
    server
        .benefits()
        .create_realisation(authed(
            &server.admin,
            pb::CreateRealisationRequest {
                parent: indicator.name.clone(),
                realisation: Some(pb::Realisation {
                    period_start: start.into(),
                    period_end: end.into(),
                    value: value.into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn realised_benefits_are_exact_and_never_add_different_units() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    create_unit(&server, "DINKES").await;
    let b1 = create(&server, ksdd_ksb("DLHK", "B1")).await;
    let b2 = create(
        &server,
        signed(ksdpk_pks("DINKES", "B2"), "2025-01-02", "2027-12-31"),
    )
    .await;
    // I1: to date 250000000 + 300000000 + 125000001 = 675000001; in Q2 125000001.
    let i1 = indicator(
        &server,
        &b1,
        "I1 retribusi",
        pb::BenefitCategory::Revenue,
        "IDR",
        "1000000000",
    )
    .await;
    realise(&server, &i1, "2025-10-01", "2025-12-31", "250000000").await;
    realise(&server, &i1, "2026-01-01", "2026-03-31", "300000000").await;
    realise(&server, &i1, "2026-04-01", "2026-06-30", "125000001").await;
    // I2: a zero target has no rate.
    let i2 = indicator(
        &server,
        &b1,
        "I2 warga",
        pb::BenefitCategory::ServiceReach,
        "PERSON",
        "0",
    )
    .await;
    realise(&server, &i2, "2026-05-01", "2026-05-31", "12.5").await;
    // I3: no target; its only realisation ends after as_of.
    let i3 = indicator(
        &server,
        &b2,
        "I3 tanpa target",
        pb::BenefitCategory::Revenue,
        "IDR",
        "",
    )
    .await;
    realise(&server, &i3, "2026-07-01", "2026-07-31", "999").await;
    // I4: deleted, with a realisation: never counted.
    let i4 = indicator(
        &server,
        &b2,
        "I4 dihapus",
        pb::BenefitCategory::Revenue,
        "IDR",
        "5",
    )
    .await;
    realise(&server, &i4, "2026-04-01", "2026-04-30", "5").await;
    server
        .benefits()
        .delete_indicator(authed(
            &server.admin,
            pb::DeleteIndicatorRequest {
                name: i4.name.clone(),
            },
        ))
        .await
        .unwrap();

    let report = run(&server, "2026-06-30", "2026-04-01", "2026-06-30").await;
    let mut per_indicator: Vec<String> = rows(&server, &report, "realised_benefits.csv", false)
        .await
        .into_iter()
        .map(|row| {
            // Drop the generated agreement and indicator names.
            let cells: Vec<&str> = row.split(',').collect();
            [&cells[1..4], &cells[5..]].concat().join(",")
        })
        .collect();
    per_indicator.sort();
    assert_eq!(
        per_indicator,
        [
            "B1,KSDD,DLHK,I1 retribusi,REVENUE,REGION,IDR,1000000000.0000,675000001.0000,125000001.0000,0.675000001",
            "B1,KSDD,DLHK,I2 warga,SERVICE_REACH,REGION,PERSON,0.0000,12.5000,12.5000,",
            "B2,KSDPK,DINKES,I3 tanpa target,REVENUE,REGION,IDR,,0.0000,0.0000,",
        ]
    );
    assert_eq!(
        rows(&server, &report, "realised_benefits_rollup.csv", false).await,
        [
            "category,REVENUE,IDR,2,1000000000.0000,675000001.0000,125000001.0000",
            "category,SERVICE_REACH,PERSON,1,0.0000,12.5000,12.5000",
            "cooperation_type,KSDD,IDR,1,1000000000.0000,675000001.0000,125000001.0000",
            "cooperation_type,KSDD,PERSON,1,0.0000,12.5000,12.5000",
            "cooperation_type,KSDPK,IDR,1,0.0000,0.0000,0.0000",
            "unit,DINKES,IDR,1,0.0000,0.0000,0.0000",
            "unit,DLHK,IDR,1,1000000000.0000,675000001.0000,125000001.0000",
            "unit,DLHK,PERSON,1,0.0000,12.5000,12.5000",
        ]
    );

    // The same table as typed rows, two per page.
    let mut client = server.reports();
    let mut token = String::new();
    let mut rows = Vec::new();
    let mut columns: Vec<pb::MetricColumn>;
    loop {
        let page = client
            .get_metric_rows(authed(
                &server.admin,
                pb::GetMetricRowsRequest {
                    run: report.name.clone(),
                    table: "realised_benefits".into(),
                    page_size: 2,
                    page_token: token,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.total_rows, 3);
        columns = page.columns;
        rows.extend(page.rows);
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(rows.len(), 3);
    let column = |name: &str| columns.iter().position(|c| c.name == name).unwrap();
    assert_eq!(
        columns[column("realised_to_date")].r#type,
        pb::MetricType::Decimal as i32
    );
    assert_eq!(
        columns[column("realisation_rate")].r#type,
        pb::MetricType::Number as i32
    );
    use pb::metric_value::Value;
    let i1 = rows
        .iter()
        .find(|r| {
            r.values[column("indicator_title")].value == Some(Value::Text("I1 retribusi".into()))
        })
        .unwrap();
    assert_eq!(
        i1.values[column("realised_to_date")].value,
        Some(Value::Decimal("675000001.0000".into()))
    );
    assert_eq!(
        i1.values[column("realisation_rate")].value,
        Some(Value::Number(0.675000001))
    );
    let i3 = rows
        .iter()
        .find(|r| {
            r.values[column("indicator_title")].value == Some(Value::Text("I3 tanpa target".into()))
        })
        .unwrap();
    assert_eq!(
        i3.values[column("target_value")].value,
        None,
        "an empty cell"
    );
    let status = client
        .get_metric_rows(authed(
            &server.admin,
            pb::GetMetricRowsRequest {
                run: report.name.clone(),
                table: "no_such_table".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::NotFound);
}

#[tokio::test]
async fn follow_up_gaps_are_reconstructed_as_of_the_date() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let complete = |title: &str, on: &str, until: &str, cycle: pb::ReportingCycle| {
        let mut a = signed(ksdd_ksb("DLHK", title), on, until);
        a.reporting_cycle = cycle as i32;
        authed(
            &server.admin,
            pb::CreateAgreementRequest {
                agreement: Some(a),
                request_id: String::new(),
                complete_through_stage: "PELAPORAN".into(),
            },
        )
    };
    let mut client = server.agreements();
    let mut create_complete = async |title: &str, on: &str, until: &str, cycle| {
        client
            .create_agreement(complete(title, on, until, cycle))
            .await
            .unwrap()
            .into_inner()
    };
    // F1: signed 211 days before as_of, no PKS. F2: exactly 180 days: not yet.
    let f1 = create_complete(
        "F1 tanpa PKS",
        "2025-12-01",
        "2030-11-30",
        pb::ReportingCycle::Quarterly,
    )
    .await;
    let f2 = create_complete(
        "F2 seratus delapan puluh hari",
        "2026-01-01",
        "2030-12-31",
        pb::ReportingCycle::Quarterly,
    )
    .await;
    // F3: a PKS under it started before as_of. F4: expired, its PKS started after as_of.
    let f3 = create_complete(
        "F3 dengan PKS",
        "2025-06-01",
        "2030-05-31",
        pb::ReportingCycle::Yearly,
    )
    .await;
    let f4 = create_complete(
        "F4 PKS belakangan",
        "2025-05-01",
        "2026-05-31",
        pb::ReportingCycle::Yearly,
    )
    .await;
    for (parent, started) in [(&f3, "2026-03-01"), (&f4, "2026-07-10")] {
        let pks = create(
            &server,
            pb::Agreement {
                document_kind: pb::DocumentKind::Pks as i32,
                parent: parent.name.clone(),
                ..unsigned(ksdd_ksb("DLHK", &format!("PKS di bawah {}", parent.title)))
            },
        )
        .await;
        stage(&server, &pks, "PENYUSUNAN_PKS", "start", started).await;
    }

    // Reports: F1 Q4 2025 late (deadline 2026-01-30), Q1 2026 missing; F2 Q1
    // on time; F3's 2025 report on time.
    for (agreement, cycle_start, submitted) in [
        (&f1, "2025-10-01", "2026-02-15"),
        (&f2, "2026-01-01", "2026-04-20"),
        (&f3, "2025-01-01", "2026-01-15"),
    ] {
        server
            .implementation_reports()
            .submit_implementation_report(authed(
                &server.admin,
                pb::SubmitImplementationReportRequest {
                    parent: agreement.name.clone(),
                    implementation_report: Some(pb::ImplementationReport {
                        cycle_start: cycle_start.into(),
                        submitted_on: submitted.into(),
                        summary: "Berjalan".into(),
                        ..Default::default()
                    }),
                },
            ))
            .await
            .unwrap();
    }

    // Benefits: F1 realised something by as_of; F2 has an indicator only; F3 none.
    let i1 = indicator(
        &server,
        &f1,
        "Sampah terolah",
        pb::BenefitCategory::Infrastructure,
        "TONNE",
        "100",
    )
    .await;
    realise(&server, &i1, "2026-01-01", "2026-03-31", "20").await;
    indicator(
        &server,
        &f2,
        "Warga terlayani",
        pb::BenefitCategory::ServiceReach,
        "PERSON",
        "1000",
    )
    .await;

    // A meeting on 2026-03-15 with four recommendations.
    let recommendation = |description: &str, due: &str| pb::Recommendation {
        description: description.into(),
        responsible_unit: "units/DLHK".into(),
        due_on: due.into(),
        ..Default::default()
    };
    let meeting = server
        .meetings()
        .create_evaluation_meeting(authed(
            &server.admin,
            pb::CreateEvaluationMeetingRequest {
                evaluation_meeting: Some(pb::EvaluationMeeting {
                    region_code: "36".into(),
                    held_on: "2026-03-15".into(),
                    period_start: "2025-07-01".into(),
                    period_end: "2025-12-31".into(),
                    title: "Rapat evaluasi".into(),
                    findings: vec![pb::Finding {
                        agreement: f1.name.clone(),
                        description: "Tindak lanjut".into(),
                        recommendations: vec![
                            recommendation("R1 masih terbuka", "2026-05-31"),
                            recommendation("R2 selesai tepat", "2026-05-31"),
                            recommendation("R3 selesai belakangan", "2026-04-30"),
                            recommendation("R4 jatuh tempo hari ini", "2026-06-30"),
                        ],
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let recs = &meeting.findings[0].recommendations;
    for (index, on) in [(1, "2026-06-15"), (2, "2026-07-20")] {
        server
            .meetings()
            .update_recommendation_status(authed(
                &server.admin,
                pb::UpdateRecommendationStatusRequest {
                    name: recs[index].name.clone(),
                    status: pb::RecommendationStatus::Done as i32,
                    changed_on: on.into(),
                    reason: String::new(),
                },
            ))
            .await
            .unwrap();
    }

    let report = run(&server, "2026-06-30", "2026-04-01", "2026-06-30").await;
    assert_eq!(
        rows(&server, &report, "follow_up_ksb_without_pks.csv", true).await,
        [
            "F4 PKS belakangan,KSDD,DLHK,EXPIRED,2025-05-01,425",
            "F1 tanpa PKS,KSDD,DLHK,ACTIVE,2025-12-01,211",
        ]
    );
    assert_eq!(
        rows(&server, &report, "follow_up_report_cycles.csv", true).await,
        [
            "F1 tanpa PKS,KSDD,DLHK,QUARTERLY,2025-10-01,2025-12-31,2026-01-30,LATE,2026-02-15",
            "F1 tanpa PKS,KSDD,DLHK,QUARTERLY,2026-01-01,2026-03-31,2026-04-30,MISSING,",
        ]
    );
    assert_eq!(
        rows(&server, &report, "follow_up_no_realisation.csv", true).await,
        [
            "F2 seratus delapan puluh hari,KSDD,DLHK,INDICATORS_WITHOUT_REALISATION,1",
            "F3 dengan PKS,KSDD,DLHK,NO_INDICATOR,0",
        ]
    );
    let recommendations: Vec<String> = rows(
        &server,
        &report,
        "follow_up_overdue_recommendations.csv",
        false,
    )
    .await
    .into_iter()
    .map(|r| {
        let cells: Vec<&str> = r.split(',').collect();
        // held_on, responsible_unit, description, due_on, days_overdue
        [cells[2], cells[4], cells[5], cells[6], cells[7]].join(",")
    })
    .collect();
    assert_eq!(
        recommendations,
        [
            "2026-03-15,DLHK,R3 selesai belakangan,2026-04-30,61",
            "2026-03-15,DLHK,R1 masih terbuka,2026-05-31,30",
        ]
    );

    // The summary's KSDD row: 6 records (F1-F4 and two PKS), 3 active, none
    // signed and one ended (F4 expired on 06-01) in Q2, no rupiah indicators,
    // one overdue stage (F3's PKS: PENYUSUNAN_PKS due 03-31), F4 past its end,
    // two KSB without PKS, one missing and one late report, two active
    // agreements without realisation, two overdue recommendations.
    let summary = rows(&server, &report, "evaluation_summary.csv", false).await;
    assert_eq!(summary[0], "KSDD,6,3,0,1,0,0,1,0,0,1,2,1,1,2,2");
    assert_eq!(summary[1], "KSDPK,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0");
    assert_eq!(summary.len(), 5);
}

/// Created signed in the past with every stage through `through` done.
async fn backfilled(server: &TestServer, agreement: pb::Agreement, through: &str) -> pb::Agreement {
    server
        .agreements()
        .create_agreement(authed(
            &server.admin,
            pb::CreateAgreementRequest {
                agreement: Some(agreement),
                request_id: String::new(),
                complete_through_stage: through.into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn end(server: &TestServer, agreement: &pb::Agreement, ending: &str, on: &str) {
    let mut client = server.agreements();
    let reason = "Tidak dilanjutkan".to_string();
    let name = agreement.name.clone();
    match ending {
        "cancel" => client
            .cancel_agreement(authed(
                &server.admin,
                pb::CancelAgreementRequest {
                    name,
                    cancelled_on: on.into(),
                    reason,
                },
            ))
            .await
            .map(drop),
        "terminate" => client
            .terminate_agreement(authed(
                &server.admin,
                pb::TerminateAgreementRequest {
                    name,
                    terminated_on: on.into(),
                    reason,
                },
            ))
            .await
            .map(drop),
        _ => unreachable!(),
    }
    .unwrap();
}

fn pks_under(parent: &pb::Agreement, title: &str) -> pb::Agreement {
    pb::Agreement {
        document_kind: pb::DocumentKind::Pks as i32,
        parent: parent.name.clone(),
        ..unsigned(ksdd_ksb("DLHK", title))
    }
}

#[tokio::test]
async fn a_cancelled_pks_leaves_its_ksb_unfollowed_and_addenda_and_lois_owe_no_follow_up() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let ksb = |title: &str, on: &str, until: &str| {
        let mut a = signed(ksdd_ksb("DLHK", title), on, until);
        a.reporting_cycle = pb::ReportingCycle::Yearly as i32;
        a
    };
    // G1: its only PKS started 2025-10-01 and was cancelled on 2026-05-04,
    // before as_of: listed again, 302 days after signing.
    let g1 = backfilled(
        &server,
        ksb("G1 PKS dibatalkan", "2025-09-01", "2030-08-31"),
        "PELAPORAN",
    )
    .await;
    let p1 = create(&server, pks_under(&g1, "P1 dibatalkan")).await;
    stage(&server, &p1, "PENYUSUNAN_PKS", "start", "2025-10-01").await;
    end(&server, &p1, "cancel", "2026-05-04").await;
    // G2: its only PKS (started 2025-09-01, due 10-01) is cancelled on
    // 2026-07-10, after as_of: on 06-30 it still followed G2.
    let g2 = backfilled(
        &server,
        ksb("G2 PKS dibatalkan kemudian", "2025-08-01", "2030-07-31"),
        "PELAPORAN",
    )
    .await;
    let p2 = create(&server, pks_under(&g2, "P2 dibatalkan kemudian")).await;
    stage(&server, &p2, "PENYUSUNAN_PKS", "start", "2025-09-01").await;
    end(&server, &p2, "cancel", "2026-07-10").await;
    // G3: its PKS was signed, then terminated on 2026-03-01. G4: its PKS
    // expired on 2026-01-31. Both still followed their KSB.
    let g3 = backfilled(
        &server,
        ksb("G3 PKS diakhiri", "2025-07-01", "2030-06-30"),
        "PELAPORAN",
    )
    .await;
    let p3 = backfilled(
        &server,
        signed(pks_under(&g3, "P3 diakhiri"), "2025-08-01", "2026-12-31"),
        "PELAPORAN",
    )
    .await;
    end(&server, &p3, "terminate", "2026-03-01").await;
    let g4 = backfilled(
        &server,
        ksb("G4 PKS berakhir", "2025-07-01", "2030-06-30"),
        "PELAPORAN",
    )
    .await;
    backfilled(
        &server,
        signed(pks_under(&g4, "P4 berakhir"), "2025-08-01", "2026-01-31"),
        "PELAPORAN",
    )
    .await;
    // An ADDENDUM of G1 and a KSDPL LOI, both in force since 2025 without a
    // report or an indicator: quarterly, each would have two MISSING cycles
    // (2025 Q4 and 2026 Q1) and no realisation, but neither owes any.
    let addendum = backfilled(
        &server,
        signed(
            pb::Agreement {
                document_kind: pb::DocumentKind::Addendum as i32,
                parent: g1.name.clone(),
                ..ksdd_ksb("DLHK", "G5 Adendum")
            },
            "2025-10-15",
            "2030-08-31",
        ),
        "PENATAUSAHAAN",
    )
    .await;
    let loi = create(
        &server,
        signed(
            pb::Agreement {
                document_kind: pb::DocumentKind::Loi as i32,
                ..ksdpl_ksb("DLHK", "G6 Pernyataan kehendak", "JP")
            },
            "2025-10-01",
            "2027-09-30",
        ),
    )
    .await;
    for exempt in [&addendum, &loi] {
        let cycles = server
            .implementation_reports()
            .list_reporting_cycles(authed(
                &server.admin,
                pb::ListReportingCyclesRequest {
                    parent: exempt.name.clone(),
                    as_of: "2026-06-30".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner()
            .cycles;
        assert!(cycles.is_empty(), "{}: {cycles:?}", exempt.title);
    }

    let report = run(&server, "2026-06-30", "2026-04-01", "2026-06-30").await;
    assert_eq!(
        rows(&server, &report, "follow_up_ksb_without_pks.csv", true).await,
        ["G1 PKS dibatalkan,KSDD,DLHK,ACTIVE,2025-09-01,302"]
    );
    // The four KSBs owe their 2025 report; the addendum and the LOI nothing.
    assert_eq!(
        rows(&server, &report, "follow_up_report_cycles.csv", true).await,
        [
            "G1 PKS dibatalkan,KSDD,DLHK,YEARLY,2025-01-01,2025-12-31,2026-01-30,MISSING,",
            "G2 PKS dibatalkan kemudian,KSDD,DLHK,YEARLY,2025-01-01,2025-12-31,2026-01-30,MISSING,",
            "G3 PKS diakhiri,KSDD,DLHK,YEARLY,2025-01-01,2025-12-31,2026-01-30,MISSING,",
            "G4 PKS berakhir,KSDD,DLHK,YEARLY,2025-01-01,2025-12-31,2026-01-30,MISSING,",
        ]
    );
    assert_eq!(
        rows(&server, &report, "follow_up_no_realisation.csv", true).await,
        [
            "G1 PKS dibatalkan,KSDD,DLHK,NO_INDICATOR,0",
            "G2 PKS dibatalkan kemudian,KSDD,DLHK,NO_INDICATOR,0",
            "G3 PKS diakhiri,KSDD,DLHK,NO_INDICATOR,0",
            "G4 PKS berakhir,KSDD,DLHK,NO_INDICATOR,0",
        ]
    );
    // KSDD: 8 records (G1-G4, P1-P4; the addendum is not counted), 4 active,
    // none signed or ended in Q2, one overdue stage (P2's PENYUSUNAN_PKS: P1
    // is cancelled by then), P4 past its end, one KSB without PKS, four
    // missing reports, four active agreements without realisation. KSDPL: the
    // LOI is active and counted, but owes no report and no realisation.
    let summary = rows(&server, &report, "evaluation_summary.csv", false).await;
    assert_eq!(summary[0], "KSDD,8,4,0,0,0,0,1,0,0,1,1,4,0,4,0");
    assert_eq!(summary[2], "KSDPL,1,1,0,0,0,0,0,0,0,0,0,0,0,0,0");

    // By 2026-07-31 P2 is cancelled too: G2 is listed again.
    let later = run(&server, "2026-07-31", "2026-07-01", "2026-07-31").await;
    assert_eq!(
        rows(&server, &later, "follow_up_ksb_without_pks.csv", true).await,
        [
            "G2 PKS dibatalkan kemudian,KSDD,DLHK,ACTIVE,2025-08-01,364",
            "G1 PKS dibatalkan,KSDD,DLHK,ACTIVE,2025-09-01,333",
        ]
    );
}

/// A document of `kind` on `agreement`; with `file`, a file uploaded at the
/// instant `uploaded_at` (set in the database: the test cannot wait for a
/// date to come).
async fn document_on_file(
    server: &TestServer,
    agreement: &pb::Agreement,
    kind: pb::DocumentType,
    file: Option<&str>,
) -> String {
    let document = crate::archive::document_of(server, agreement, kind).await;
    if let Some(uploaded_at) = file {
        let pdf = crate::archive::plain_pdf(&document);
        crate::archive::upload_grpc(
            server,
            Some(&server.admin),
            crate::archive::upload_messages(&document, "", "", &pdf, 4096),
        )
        .await
        .unwrap();
        let id = document.rsplit('/').next().unwrap().to_string();
        server
            .sql()
            .await
            .execute(
                "UPDATE document_files SET create_time = $1::text::timestamptz \
                 WHERE document_id = $2::text::uuid",
                &[&uploaded_at, &id],
            )
            .await
            .unwrap();
    }
    document
}

/// Missing documents, as of two dates. Figures by hand:
///
/// - A: KSB signed 2025-01-10; its KSB's file uploaded 2026-03-31 17:30 UTC,
///   which is 2026-04-01 00:30 in Jakarta: missing as of 2026-03-31 (since
///   2025-01-10: 445 days), on file as of 2026-06-30.
/// - B: PKS signed 2026-02-01; a PKS document without a file, and one with a
///   file that was deleted: neither counts. Missing since 2026-02-01: 58 days
///   as of 03-31, 149 as of 06-30.
/// - C: foreign KSB signed 2026-01-20 with DPRD approval required, so its
///   PERSETUJUAN_DPRD stage is DONE on 2026-01-20; its KSB's file uploaded
///   2026-03-31 16:59 UTC (23:59 in Jakarta: on file that day), a report's
///   file too, no DPRD approval letter: DPRD_APPROVAL missing since
///   2026-01-20, 70 days as of 03-31, 161 as of 06-30.
/// - D: an unsigned PKS: needs nothing yet.
/// - E: KSB signed 2026-05-01, nothing on file: not signed as of 03-31;
///   missing since 2026-05-01 as of 06-30 (60 days).
#[tokio::test]
async fn missing_documents_are_the_signed_texts_and_dprd_letters_not_on_file_as_of_the_date() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let signed_ksb = |title: &str, number: &str, on: &str| pb::Agreement {
        document_number: number.into(),
        signed_on: on.into(),
        effective_from: on.into(),
        effective_until: "2030-12-31".into(),
        dprd_approval_required: Some(false),
        ..ksdd_ksb("DLHK", title)
    };
    let a = create(&server, signed_ksb("Arsip A", "A/2025", "2025-01-10")).await;
    document_on_file(
        &server,
        &a,
        pb::DocumentType::Ksb,
        Some("2026-03-31T17:30:00Z"),
    )
    .await;
    let b = create(
        &server,
        pb::Agreement {
            document_number: "B/2026".into(),
            signed_on: "2026-02-01".into(),
            effective_from: "2026-02-01".into(),
            effective_until: "2028-01-31".into(),
            dprd_approval_required: Some(false),
            ..ksdpk_pks("DLHK", "Arsip B")
        },
    )
    .await;
    document_on_file(&server, &b, pb::DocumentType::Pks, None).await;
    let deleted = document_on_file(
        &server,
        &b,
        pb::DocumentType::Pks,
        Some("2026-02-02T03:00:00Z"),
    )
    .await;
    server
        .documents()
        .delete_document(authed(
            &server.admin,
            pb::DeleteDocumentRequest { name: deleted },
        ))
        .await
        .unwrap();
    let c = create(
        &server,
        pb::Agreement {
            document_number: "C/2026".into(),
            signed_on: "2026-01-20".into(),
            effective_from: "2026-01-20".into(),
            effective_until: "2031-01-19".into(),
            dprd_approval_required: Some(true),
            ..ksdpl_ksb("DLHK", "Arsip C", "JP")
        },
    )
    .await;
    document_on_file(
        &server,
        &c,
        pb::DocumentType::Ksb,
        Some("2026-03-31T16:59:00Z"),
    )
    .await;
    document_on_file(
        &server,
        &c,
        pb::DocumentType::Report,
        Some("2026-02-01T00:00:00Z"),
    )
    .await;
    create(&server, unsigned(ksdpk_pks("DLHK", "Arsip D"))).await;
    create(&server, signed_ksb("Arsip E", "E/2026", "2026-05-01")).await;

    let march = run(&server, "2026-03-31", "2026-01-01", "2026-03-31").await;
    assert_eq!(
        rows(&server, &march, "follow_up_missing_documents.csv", true).await,
        [
            "Arsip A,KSDD,KSB,DLHK,KSB,2025-01-10,445",
            "Arsip C,KSDPL,KSB,DLHK,DPRD_APPROVAL,2026-01-20,70",
            "Arsip B,KSDPK,PKS,DLHK,PKS,2026-02-01,58",
        ]
    );
    let june = run(&server, "2026-06-30", "2026-04-01", "2026-06-30").await;
    assert_eq!(
        rows(&server, &june, "follow_up_missing_documents.csv", true).await,
        [
            "Arsip C,KSDPL,KSB,DLHK,DPRD_APPROVAL,2026-01-20,161",
            "Arsip B,KSDPK,PKS,DLHK,PKS,2026-02-01,149",
            "Arsip E,KSDD,KSB,DLHK,KSB,2026-05-01,60",
        ]
    );
    // The name columns a person reads: the document number and the missing
    // document's Indonesian name.
    let text = String::from_utf8(
        download(&server, &june.name, "follow_up_missing_documents.csv")
            .await
            .unwrap(),
    )
    .unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let first = reader.records().next().unwrap().unwrap();
    assert_eq!(&first[at("document_number")], "C/2026");
    assert_eq!(&first[at("document_type_name")], "Persetujuan DPRD");

    // The meeting pack says it in its summary and lists them in the OPD's
    // agenda.
    let pack = String::from_utf8(
        download(&server, &june.name, "meeting_pack.html")
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        pack.contains(
            "3 dokumen belum diarsipkan: 2 naskah kerja sama yang sudah ditandatangani dan 1 surat persetujuan DPRD."
        ),
        "{pack}"
    );
    assert!(pack.contains("Dokumen belum diarsipkan / Documents not on file"));
    assert!(
        pack.contains("3 dokumen belum diarsipkan;"),
        "the OPD's count"
    );

    // The digest names them, one line each, with its count in the JSON.
    crate::digests::recipient(
        &server,
        "",
        pb::DigestChannel::Email,
        "kerjasama@bantenprov.go.id",
        "",
    )
    .await
    .unwrap();
    let preview = crate::digests::client(&server)
        .send_digest(authed(
            &server.admin,
            pb::SendDigestRequest {
                region_code: "36".into(),
                as_of: "2026-06-30".into(),
                validate_only: true,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let bureau = preview
        .digests
        .iter()
        .find(|d| d.unit.is_empty())
        .expect("the bureau's digest");
    assert!(
        bureau.subject.contains("3 dokumen belum diarsipkan"),
        "{}",
        bureau.subject
    );
    assert!(
        bureau
            .body_text
            .contains("Dokumen yang belum diarsipkan (3)\nDocuments not on file in the archive"),
        "{}",
        bureau.body_text
    );
    assert!(
        bureau
            .body_text
            .contains("Persetujuan DPRD — wajib ada sejak 20 Jan 2026, 161 hari tanpa berkas"),
        "{}",
        bureau.body_text
    );
    let payload: serde_json::Value = serde_json::from_str(&bureau.payload_json).unwrap();
    assert_eq!(payload["counts"]["missing_documents"], 3);
    assert_eq!(
        payload["missing_documents"][0]["document_type"],
        "DPRD_APPROVAL"
    );
}
