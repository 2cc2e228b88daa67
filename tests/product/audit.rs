//! The audit trail: every mutation leaves a row, in the same transaction.

use kerjasama_core::codes::Role;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, authed};
use prost_types::FieldMask;

use crate::fixtures::{create_unit, ksdd_ksb};

/// actor, action, region, title before, title after, deleted after.
type AuditRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
);

#[tokio::test]
async fn every_mutation_writes_an_audit_row_with_actor_and_before_after() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let officer = server
        .token("petugas-dlhk", Role::UnitOfficer, Some("DLHK"), None)
        .await;
    let mut client = server.agreements();
    let created = client
        .create_agreement(authed(
            &officer,
            pb::CreateAgreementRequest {
                agreement: Some(ksdd_ksb("DLHK", "Diaudit")),
                request_id: String::new(),
                complete_through_stage: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    client
        .update_agreement(authed(
            &officer,
            pb::UpdateAgreementRequest {
                agreement: Some(pb::Agreement {
                    name: created.name.clone(),
                    title: "Diaudit ulang".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["title".into()],
                }),
            },
        ))
        .await
        .unwrap();
    client
        .delete_agreement(authed(
            &officer,
            pb::DeleteAgreementRequest {
                name: created.name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
    client
        .undelete_agreement(authed(
            &officer,
            pb::UndeleteAgreementRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap();

    let rows = server
        .sql()
        .await
        .query(
            "SELECT actor, action, region_code, before->>'title', after->>'title', after->>'delete_time' \
             FROM audit_events WHERE resource = $1 ORDER BY id",
            &[&created.name],
        )
        .await
        .unwrap();
    let seen: Vec<AuditRow> = rows
        .iter()
        .map(|r| {
            (
                r.get(0),
                r.get(1),
                r.get(2),
                r.get(3),
                r.get(4),
                r.get::<_, Option<String>>(5).is_some(),
            )
        })
        .collect();
    let actor = "petugas-dlhk".to_string();
    let region = Some("36".to_string());
    let t = |s: &str| Some(s.to_string());
    assert_eq!(
        seen,
        vec![
            (
                actor.clone(),
                "CreateAgreement".into(),
                region.clone(),
                None,
                t("Diaudit"),
                false
            ),
            (
                actor.clone(),
                "UpdateAgreement".into(),
                region.clone(),
                t("Diaudit"),
                t("Diaudit ulang"),
                false
            ),
            (
                actor.clone(),
                "DeleteAgreement".into(),
                region.clone(),
                t("Diaudit ulang"),
                t("Diaudit ulang"),
                true
            ),
            (
                actor.clone(),
                "UndeleteAgreement".into(),
                region.clone(),
                t("Diaudit ulang"),
                t("Diaudit ulang"),
                false
            ),
        ]
    );
}

#[tokio::test]
async fn a_rejected_change_leaves_neither_a_record_nor_an_audit_row() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let mut bad = ksdd_ksb("DLHK", "Ditolak");
    bad.sector = "NOT_A_SECTOR".into();
    server
        .agreements()
        .create_agreement(authed(
            &server.admin,
            pb::CreateAgreementRequest {
                agreement: Some(bad),
                request_id: uuid::Uuid::new_v4().to_string(),
                complete_through_stage: String::new(),
            },
        ))
        .await
        .unwrap_err();
    let sql = server.sql().await;
    for table in ["agreements", "agreement_parties", "create_requests"] {
        let count: i64 = sql
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(count, 0, "{table}");
    }
    let audited: i64 = sql
        .query_one(
            "SELECT count(*) FROM audit_events WHERE action = 'CreateAgreement'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(audited, 0);
}
