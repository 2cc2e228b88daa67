//! Bearer tokens and roles: who may read and write what.

use kerjasama_core::codes::Role;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use prost_types::FieldMask;
use tonic::{Code, Request};

use crate::fixtures::{create, create_jabar_unit, create_unit, ksdd_ksb};

#[tokio::test]
async fn calls_without_a_valid_bearer_token_are_unauthenticated() {
    let server = TestServer::start().await;
    let mut client = server.agreements();
    let status = client
        .list_agreements(Request::new(pb::ListAgreementsRequest::default()))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::Unauthenticated, None);
    for token in ["ksm_0000", "not-even-a-token", ""] {
        let status = client
            .list_agreements(authed(token, pb::ListAgreementsRequest::default()))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::Unauthenticated, None);
    }
    let mut request = Request::new(pb::ListAgreementsRequest::default());
    request.metadata_mut().insert(
        "authorization",
        format!("Basic {}", server.admin).parse().unwrap(),
    );
    let status = client.list_agreements(request).await.unwrap_err();
    assert_rejected(&status, Code::Unauthenticated, None);
}

#[tokio::test]
async fn a_revoked_token_stops_working() {
    let server = TestServer::start().await;
    let token = server
        .token("leaving-analyst", Role::Analyst, None, None)
        .await;
    let mut client = server.agreements();
    client
        .list_agreements(authed(&token, pb::ListAgreementsRequest::default()))
        .await
        .expect("works before revocation");
    kerjasama_core::tokens::revoke(
        &server.db.pool,
        &kerjasama_core::access::Principal::system("test"),
        "leaving-analyst",
    )
    .await
    .unwrap();
    // Servers cache a resolved token for at most a second, and the
    // revocation's notification clears every server's cache at once: the
    // token stops working within that second (in practice, at once).
    let revoked = std::time::Instant::now();
    let status = loop {
        match client
            .list_agreements(authed(&token, pb::ListAgreementsRequest::default()))
            .await
        {
            Err(status) => break status,
            Ok(_) => {
                assert!(
                    revoked.elapsed() < kerjasama_grpc::auth::TOKEN_CACHE_TTL,
                    "the revoked token still works after {:?}",
                    revoked.elapsed()
                );
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    };
    assert_rejected(&status, Code::Unauthenticated, None);
}

#[tokio::test]
async fn a_token_is_read_from_the_database_at_most_once_a_second_while_it_is_used() {
    let server = TestServer::start().await;
    let token = server
        .token("busy-analyst", Role::Analyst, None, None)
        .await;
    let mut client = server.agreements();
    // Let the token listener subscribe (the cache is off until it has).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let sql = server.sql().await;
    async fn lookups(sql: &tokio_postgres::Client) -> i64 {
        sql.query_one(
            "SELECT coalesce(sum(idx_scan), 0)::bigint FROM pg_stat_user_indexes \
             WHERE indexrelname = 'api_tokens_secret_sha256_key'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
    }
    client
        .list_agreements(authed(&token, pb::ListAgreementsRequest::default()))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let before = lookups(&sql).await;
    let started = std::time::Instant::now();
    for _ in 0..50 {
        client
            .list_agreements(authed(&token, pb::ListAgreementsRequest::default()))
            .await
            .unwrap();
    }
    let elapsed = started.elapsed();
    // Statistics reach the view once the backends report them (within a
    // second or so of going idle).
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let after = lookups(&sql).await;
    let allowed = 1 + elapsed.as_secs() as i64;
    assert!(
        after - before <= allowed,
        "50 calls in {elapsed:?} looked the token up {} times",
        after - before
    );
}

#[tokio::test]
async fn analysts_read_but_cannot_write() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let created = create(&server, ksdd_ksb("DLHK", "Dibaca analis")).await;
    let analyst = server.token("analis", Role::Analyst, None, None).await;
    let mut client = server.agreements();
    client
        .get_agreement(authed(
            &analyst,
            pb::GetAgreementRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .expect("analysts read");
    let status = client
        .create_agreement(authed(
            &analyst,
            pb::CreateAgreementRequest {
                agreement: Some(ksdd_ksb("DLHK", "Ditulis analis")),
                request_id: String::new(),
                complete_through_stage: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    let status = client
        .delete_agreement(authed(
            &analyst,
            pb::DeleteAgreementRequest {
                name: created.name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    let status = server
        .units()
        .create_unit(authed(
            &analyst,
            pb::CreateUnitRequest {
                unit: Some(pb::Unit {
                    code: "DINSOS".into(),
                    region_code: "36".into(),
                    display_name: "Dinas Sosial".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
}

#[tokio::test]
async fn a_unit_officer_writes_only_its_own_units_agreements() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    create_unit(&server, "DINKES").await;
    let officer = server
        .token("petugas-dlhk", Role::UnitOfficer, Some("DLHK"), None)
        .await;
    let others = create(&server, ksdd_ksb("DINKES", "Milik Dinkes")).await;
    let mut client = server.agreements();

    let own = client
        .create_agreement(authed(
            &officer,
            pb::CreateAgreementRequest {
                agreement: Some(ksdd_ksb("DLHK", "Milik DLHK")),
                request_id: String::new(),
                complete_through_stage: String::new(),
            },
        ))
        .await
        .expect("own unit")
        .into_inner();
    let status = client
        .create_agreement(authed(
            &officer,
            pb::CreateAgreementRequest {
                agreement: Some(ksdd_ksb("DINKES", "Bukan miliknya")),
                request_id: String::new(),
                complete_through_stage: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);

    let retitle = |name: &str| {
        authed(
            &officer,
            pb::UpdateAgreementRequest {
                agreement: Some(pb::Agreement {
                    name: name.to_string(),
                    title: "Diubah".into(),
                    unit: "units/DINKES".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["title".into()],
                }),
            },
        )
    };
    client
        .update_agreement(retitle(&own.name))
        .await
        .expect("own agreement");
    let status = client
        .update_agreement(retitle(&others.name))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);

    // Handing its agreement over to another unit is not the officer's call.
    let status = client
        .update_agreement(authed(
            &officer,
            pb::UpdateAgreementRequest {
                agreement: Some(pb::Agreement {
                    name: own.name.clone(),
                    unit: "units/DINKES".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["unit".into()],
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);

    // Officers read everything in their region.
    client
        .get_agreement(authed(
            &officer,
            pb::GetAgreementRequest {
                name: others.name.clone(),
            },
        ))
        .await
        .expect("officers read other units' agreements");
}

#[tokio::test]
async fn a_region_scoped_token_sees_only_its_region() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let banten = create(&server, ksdd_ksb("DLHK", "Banten")).await;
    // A unit and an agreement of Jawa Barat (32).
    create_jabar_unit(&server).await;
    let mut jabar = ksdd_ksb("JABAR-DLH", "Jawa Barat");
    jabar.region_code = "32".into();
    jabar.parties[0].region_code = "36.71".into();
    create(&server, jabar).await;

    let scoped = server
        .token("analis-jabar", Role::Analyst, None, Some("32"))
        .await;
    let mut client = server.agreements();
    let listed = client
        .list_agreements(authed(&scoped, pb::ListAgreementsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let titles: Vec<&str> = listed.agreements.iter().map(|a| a.title.as_str()).collect();
    assert_eq!(titles, ["Jawa Barat"]);
    let status = client
        .get_agreement(authed(
            &scoped,
            pb::GetAgreementRequest {
                name: banten.name.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    let status = client
        .list_agreements(authed(
            &scoped,
            pb::ListAgreementsRequest {
                region_code: "36".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
}
