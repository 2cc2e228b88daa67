//! BenefitService: indicators and realisations, exact decimals.

use kerjasama_core::codes::Role;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use prost_types::FieldMask;
use tonic::Code;

use crate::fixtures::{create, create_unit, ksdd_ksb, ksdpk_pks};

fn revenue_indicator() -> pb::Indicator {
    pb::Indicator {
        title: "Retribusi pengelolaan sampah".into(),
        category: pb::BenefitCategory::Revenue as i32,
        unit_of_measure: "IDR".into(),
        beneficiary: pb::Beneficiary::Region as i32,
        baseline: "0".into(),
        target_value: "2500000000".into(),
        target_date: "2027-12-31".into(),
        ..Default::default()
    }
}

async fn indicator(
    server: &TestServer,
    agreement: &pb::Agreement,
    i: pb::Indicator,
) -> Result<pb::Indicator, tonic::Status> {
    server
        .benefits()
        .create_indicator(authed(
            &server.admin,
            pb::CreateIndicatorRequest {
                parent: agreement.name.clone(),
                indicator: Some(i),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

async fn realise(
    server: &TestServer,
    indicator: &str,
    (start, end, value): (&str, &str, &str),
) -> Result<pb::Realisation, tonic::Status> {
    server
        .benefits()
        .create_realisation(authed(
            &server.admin,
            pb::CreateRealisationRequest {
                parent: indicator.into(),
                realisation: Some(pb::Realisation {
                    period_start: start.into(),
                    period_end: end.into(),
                    value: value.into(),
                    note: "Laporan triwulan".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

/// A KSDD KSB in force from 2024-06-12 to 2029-06-11.
async fn signed(server: &TestServer) -> pb::Agreement {
    create_unit(server, "DLHK").await;
    create(server, ksdd_ksb("DLHK", "Berlaku")).await
}

#[tokio::test]
async fn indicators_and_realisations_keep_exact_values() {
    let server = TestServer::start().await;
    let agreement = signed(&server).await;
    let created = indicator(&server, &agreement, revenue_indicator())
        .await
        .unwrap();
    assert!(
        created
            .name
            .starts_with(&format!("{}/indicators/", agreement.name))
    );
    assert_eq!(created.target_value, "2500000000");
    assert_eq!(created.higher_is_better, Some(true));

    let people = indicator(
        &server,
        &agreement,
        pb::Indicator {
            title: "Warga terlayani".into(),
            category: pb::BenefitCategory::ServiceReach as i32,
            unit_of_measure: "PERSON".into(),
            beneficiary: pb::Beneficiary::Both as i32,
            target_value: "12000.5".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(people.target_value, "12000.5");

    let first = realise(
        &server,
        &created.name,
        ("2024-07-01", "2024-09-30", "9007199254740993"),
    )
    .await
    .unwrap();
    assert_eq!(first.value, "9007199254740993");
    assert_eq!(first.reported_by, "test-admin");
    realise(
        &server,
        &created.name,
        ("2024-10-01", "2024-12-31", "125000000"),
    )
    .await
    .unwrap();
    let listed = server
        .benefits()
        .list_realisations(authed(
            &server.admin,
            pb::ListRealisationsRequest {
                parent: created.name.clone(),
                show_deleted: false,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .realisations;
    let periods: Vec<(&str, &str)> = listed
        .iter()
        .map(|r| (r.period_start.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        periods,
        [
            ("2024-07-01", "9007199254740993"),
            ("2024-10-01", "125000000")
        ]
    );

    let indicators = server
        .benefits()
        .list_indicators(authed(
            &server.admin,
            pb::ListIndicatorsRequest {
                parent: agreement.name.clone(),
                show_deleted: false,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .indicators;
    assert_eq!(indicators.len(), 2);
}

#[tokio::test]
async fn invalid_indicators_name_the_field() {
    let server = TestServer::start().await;
    let agreement = signed(&server).await;
    let cases: Vec<(pb::Indicator, &str)> = vec![
        (
            pb::Indicator {
                title: " ".into(),
                ..revenue_indicator()
            },
            "indicator.title",
        ),
        (
            pb::Indicator {
                category: 0,
                ..revenue_indicator()
            },
            "indicator.category",
        ),
        (
            pb::Indicator {
                beneficiary: 0,
                ..revenue_indicator()
            },
            "indicator.beneficiary",
        ),
        (
            pb::Indicator {
                unit_of_measure: "RUPIAH".into(),
                ..revenue_indicator()
            },
            "indicator.unit_of_measure",
        ),
        (
            pb::Indicator {
                target_value: "2,5 M".into(),
                ..revenue_indicator()
            },
            "indicator.target_value",
        ),
        (
            pb::Indicator {
                target_value: "1e9".into(),
                ..revenue_indicator()
            },
            "indicator.target_value",
        ),
        (
            pb::Indicator {
                target_value: "100.50".into(),
                ..revenue_indicator()
            },
            "indicator.target_value",
        ),
        (
            pb::Indicator {
                baseline: "-1".into(),
                ..revenue_indicator()
            },
            "indicator.baseline",
        ),
        (
            pb::Indicator {
                target_date: "31/12/2027".into(),
                ..revenue_indicator()
            },
            "indicator.target_date",
        ),
    ];
    for (i, field) in cases {
        let status = indicator(&server, &agreement, i).await.unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
}

#[tokio::test]
async fn realisations_stay_inside_the_in_force_period_without_overlap() {
    let server = TestServer::start().await;
    let agreement = signed(&server).await;
    let i = indicator(&server, &agreement, revenue_indicator())
        .await
        .unwrap();
    realise(&server, &i.name, ("2025-01-01", "2025-03-31", "100"))
        .await
        .unwrap();
    for (period, field) in [
        (
            ("2025-03-31", "2025-06-30", "100"),
            "realisation.period_start",
        ),
        (
            ("2024-01-01", "2024-03-31", "100"),
            "realisation.period_start",
        ),
        (
            ("2025-07-01", "2025-06-30", "100"),
            "realisation.period_end",
        ),
        (
            ("2999-01-01", "2999-03-31", "100"),
            "realisation.period_end",
        ),
        (("2025-04-01", "2025-06-30", "100.5"), "realisation.value"),
        (("2025-04-01", "2025-06-30", "-100"), "realisation.value"),
        (("2025-04-01", "2025-06-30", "seratus"), "realisation.value"),
        (("2025-04-01", "", "100"), "realisation.period_end"),
    ] {
        let status = realise(&server, &i.name, period).await.unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
    // An unsigned agreement realises nothing yet.
    let draft = create(&server, ksdpk_pks("DLHK", "Belum berlaku")).await;
    let j = indicator(&server, &draft, revenue_indicator())
        .await
        .unwrap();
    let status = realise(&server, &j.name, ("2025-01-01", "2025-03-31", "1"))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
}

/// The overlap check runs after the indicator's lock, in the same round trip
/// as the lock (pipelined): realisations of one period sent at once are
/// recorded once, whether the server's connections are new (their
/// statements prepared on the way) or already have them cached.
#[tokio::test]
async fn overlapping_realisations_sent_at_once_are_recorded_once() {
    let server = TestServer::start().await;
    let agreement = signed(&server).await;
    let i = indicator(&server, &agreement, revenue_indicator())
        .await
        .unwrap();
    for (start, end) in [("2025-01-01", "2025-03-31"), ("2025-04-01", "2025-06-30")] {
        let calls = (0..8).map(|n| {
            let value = format!("{}", 100 + n);
            let server = &server;
            let name = i.name.clone();
            async move { realise(server, &name, (start, end, &value)).await }
        });
        let results = futures::future::join_all(calls).await;
        let recorded = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(recorded, 1, "{start}..{end}: {results:?}");
        for status in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_rejected(
                status,
                Code::InvalidArgument,
                Some("realisation.period_start"),
            );
        }
    }
    let listed = server
        .benefits()
        .list_realisations(authed(
            &server.admin,
            pb::ListRealisationsRequest {
                parent: i.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.realisations.len(), 2);
}

#[tokio::test]
async fn realisations_are_updated_under_their_etag_and_deleted_softly() {
    let server = TestServer::start().await;
    let agreement = signed(&server).await;
    let i = indicator(&server, &agreement, revenue_indicator())
        .await
        .unwrap();
    let r = realise(&server, &i.name, ("2025-01-01", "2025-03-31", "100"))
        .await
        .unwrap();
    let mut client = server.benefits();
    let update = |value: &str, etag: &str| {
        authed(
            &server.admin,
            pb::UpdateRealisationRequest {
                realisation: Some(pb::Realisation {
                    name: r.name.clone(),
                    value: value.into(),
                    etag: etag.into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["value".into()],
                }),
            },
        )
    };
    let updated = client
        .update_realisation(update("150", &r.etag))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (updated.value.as_str(), updated.period_start.as_str()),
        ("150", "2025-01-01")
    );
    let status = client
        .update_realisation(update("175", &r.etag))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::Aborted, None);

    let deleted = client
        .delete_realisation(authed(
            &server.admin,
            pb::DeleteRealisationRequest {
                name: r.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(deleted.delete_time.is_some());
    // Its period is free again.
    realise(&server, &i.name, ("2025-01-01", "2025-03-31", "90"))
        .await
        .unwrap();

    let renamed = client
        .update_indicator(authed(
            &server.admin,
            pb::UpdateIndicatorRequest {
                indicator: Some(pb::Indicator {
                    name: i.name.clone(),
                    target_value: "3000000000".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["target_value".into()],
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(renamed.target_value, "3000000000");
    assert_eq!(renamed.title, i.title);
}

#[tokio::test]
async fn analysts_and_other_units_cannot_record_benefits() {
    let server = TestServer::start().await;
    let agreement = signed(&server).await;
    create_unit(&server, "DINKES").await;
    for token in [
        server.token("analis", Role::Analyst, None, None).await,
        server
            .token("petugas-dinkes", Role::UnitOfficer, Some("DINKES"), None)
            .await,
    ] {
        let status = server
            .benefits()
            .create_indicator(authed(
                &token,
                pb::CreateIndicatorRequest {
                    parent: agreement.name.clone(),
                    indicator: Some(revenue_indicator()),
                },
            ))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::PermissionDenied, None);
    }
    let missing = format!("agreements/{}", uuid::Uuid::now_v7());
    let status = server
        .benefits()
        .create_indicator(authed(
            &server.admin,
            pb::CreateIndicatorRequest {
                parent: missing,
                indicator: Some(revenue_indicator()),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::NotFound, None);
}
