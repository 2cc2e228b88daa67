//! AgreementService: create, get, update, delete and undelete, with their rules.

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use prost_types::FieldMask;
use tonic::Code;

use crate::fixtures::{create, create_unit, ksdd_ksb, ksdpk_pks, ksdpl_ksb, party};

fn create_request(agreement: pb::Agreement, request_id: &str) -> pb::CreateAgreementRequest {
    pb::CreateAgreementRequest {
        agreement: Some(agreement),
        request_id: request_id.to_string(),
        complete_through_stage: String::new(),
    }
}

fn mask(paths: &[&str]) -> Option<FieldMask> {
    Some(FieldMask {
        paths: paths.iter().map(|p| p.to_string()).collect(),
    })
}

#[tokio::test]
async fn a_created_agreement_is_returned_whole_and_read_back_identically() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let created = create(&server, ksdd_ksb("DLHK", "Pengelolaan Sampah Regional")).await;

    assert!(created.name.starts_with("agreements/"), "{}", created.name);
    assert_eq!(created.region_code, "36");
    assert_eq!(created.title, "Pengelolaan Sampah Regional");
    assert_eq!(created.cooperation_type, pb::CooperationType::Ksdd as i32);
    assert_eq!(created.document_kind, pb::DocumentKind::Ksb as i32);
    assert_eq!(created.unit, "units/DLHK");
    assert_eq!(created.parties.len(), 1);
    assert_eq!(created.parties[0].region_code, "36.71");
    assert_eq!(created.signed_on, "2024-06-12");
    assert_eq!(created.effective_until, "2029-06-11");
    assert_eq!(created.budget_idr, "1500000000");
    assert_eq!(created.state, pb::AgreementState::Active as i32);
    assert_eq!(created.dprd_approval_required, Some(false));
    assert!(!created.etag.is_empty());
    assert!(created.create_time.is_some() && created.delete_time.is_none());

    let read = server
        .agreements()
        .get_agreement(authed(
            &server.admin,
            pb::GetAgreementRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read, created);
}

#[tokio::test]
async fn budgets_beyond_floating_point_precision_stay_exact() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let mut agreement = ksdd_ksb("DLHK", "Anggaran besar");
    // 2^53 + 1: the first integer a double cannot hold.
    agreement.budget_idr = "9007199254740993".to_string();
    assert_eq!(
        create(&server, agreement).await.budget_idr,
        "9007199254740993"
    );
}

#[tokio::test]
async fn foreign_agreements_need_dprd_approval_unless_told_otherwise() {
    let server = TestServer::start().await;
    create_unit(&server, "BIRO").await;
    let foreign = create(&server, ksdpl_ksb("BIRO", "Provinsi kembar", "JP")).await;
    assert_eq!(foreign.dprd_approval_required, Some(true));
    assert_eq!(foreign.state, pb::AgreementState::Draft as i32);
    let domestic = create(&server, ksdpk_pks("BIRO", "Kerja sama kampus")).await;
    assert_eq!(domestic.dprd_approval_required, Some(false));
}

#[tokio::test]
async fn a_retried_create_with_the_same_request_id_returns_the_first_agreement() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut client = server.agreements();
    let first = client
        .create_agreement(authed(
            &server.admin,
            create_request(ksdd_ksb("DLHK", "Sekali saja"), &request_id),
        ))
        .await
        .unwrap()
        .into_inner();
    let retry = client
        .create_agreement(authed(
            &server.admin,
            create_request(ksdd_ksb("DLHK", "Sekali saja"), &request_id),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retry, first);
    let listed = client
        .list_agreements(authed(&server.admin, pb::ListAgreementsRequest::default()))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        listed.agreements.len(),
        1,
        "a retry must not create a duplicate"
    );
}

#[tokio::test]
async fn concurrent_creates_with_one_request_id_create_one_agreement() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let request_id = uuid::Uuid::new_v4().to_string();
    let calls = (0..4).map(|_| {
        let mut client = server.agreements();
        let request = authed(
            &server.admin,
            create_request(ksdd_ksb("DLHK", "Balapan"), &request_id),
        );
        async move {
            client
                .create_agreement(request)
                .await
                .map(|r| r.into_inner().name)
        }
    });
    let names: Vec<String> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("every retry succeeds"))
        .collect();
    assert!(names.windows(2).all(|w| w[0] == w[1]), "{names:?}");
    let count: i64 = server
        .sql()
        .await
        .query_one("SELECT count(*) FROM agreements", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
}

#[tokio::test]
async fn reusing_a_request_id_for_a_different_agreement_is_rejected() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut client = server.agreements();
    client
        .create_agreement(authed(
            &server.admin,
            create_request(ksdd_ksb("DLHK", "Pertama"), &request_id),
        ))
        .await
        .unwrap();
    let status = client
        .create_agreement(authed(
            &server.admin,
            create_request(ksdd_ksb("DLHK", "Kedua"), &request_id),
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("request_id"));
    let status = client
        .create_agreement(authed(
            &server.admin,
            create_request(ksdd_ksb("DLHK", "Ketiga"), "not-a-uuid"),
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("request_id"));
}

/// Each case breaks one rule and must be rejected naming its field; nothing is written.
#[tokio::test]
async fn invalid_agreements_are_rejected_naming_the_field() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let pks_parent = create(&server, ksdpk_pks("DLHK", "Bukan KSB")).await;
    let base = || ksdd_ksb("DLHK", "Uji aturan");
    type Case = (&'static str, Box<dyn Fn(&mut pb::Agreement)>);
    let parent_name = pks_parent.name.clone();
    let cases: Vec<Case> = vec![
        ("agreement.title", Box::new(|a| a.title = "   ".into())),
        (
            "agreement.cooperation_type",
            Box::new(|a| a.cooperation_type = 0),
        ),
        (
            "agreement.cooperation_type",
            Box::new(|a| a.cooperation_type = 77),
        ),
        ("agreement.document_kind", Box::new(|a| a.document_kind = 0)),
        (
            "agreement.region_code",
            Box::new(|a| a.region_code = "Banten".into()),
        ),
        ("agreement.unit", Box::new(|a| a.unit = "units/NOPE".into())),
        ("agreement.unit", Box::new(|a| a.unit = "DLHK".into())),
        (
            "agreement.sector",
            Box::new(|a| a.sector = "ASTROLOGY".into()),
        ),
        ("agreement.ksdd_basis", Box::new(|a| a.ksdd_basis = 0)),
        ("agreement.parties", Box::new(|a| a.parties.clear())),
        (
            "agreement.parties[0].kind",
            Box::new(|a| a.parties[0].kind = pb::PartyKind::University as i32),
        ),
        (
            "agreement.parties[0].region_code",
            Box::new(|a| a.parties[0].region_code.clear()),
        ),
        (
            "agreement.parties[0].region_code",
            Box::new(|a| a.parties[0].region_code = "36".into()),
        ),
        (
            "agreement.parties[0].country_code",
            Box::new(|a| a.parties[0].country_code = "JP".into()),
        ),
        (
            "agreement.signed_on",
            Box::new(|a| a.signed_on = "2024-02-30".into()),
        ),
        (
            "agreement.signed_on",
            Box::new(|a| a.signed_on = "2999-01-01".into()),
        ),
        (
            "agreement.effective_until",
            Box::new(|a| a.effective_until = "2020-01-01".into()),
        ),
        (
            "agreement.budget_idr",
            Box::new(|a| a.budget_idr = "1.500.000".into()),
        ),
        (
            "agreement.budget_idr",
            Box::new(|a| a.budget_idr = "-5".into()),
        ),
        (
            "agreement.document_kind",
            Box::new(|a| a.document_kind = pb::DocumentKind::Loi as i32),
        ),
        (
            "agreement.parent",
            Box::new(|a| a.parent = "agreements/xyz".into()),
        ),
        (
            "agreement.parent",
            Box::new(|a| a.parent = format!("agreements/{}", uuid::Uuid::now_v7())),
        ),
        ("agreement.parent", {
            let parent_name = parent_name.clone();
            Box::new(move |a| {
                a.document_kind = pb::DocumentKind::Pks as i32;
                a.parent = parent_name.clone();
            })
        }),
        (
            "agreement.parent",
            Box::new(|a| {
                a.document_kind = pb::DocumentKind::Addendum as i32;
                a.parent.clear();
            }),
        ),
    ];
    let mut client = server.agreements();
    for (field, break_rule) in cases {
        let mut agreement = base();
        break_rule(&mut agreement);
        let status = client
            .create_agreement(authed(&server.admin, create_request(agreement, "")))
            .await
            .expect_err(field);
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
    let count: i64 = server
        .sql()
        .await
        .query_one("SELECT count(*) FROM agreements", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1, "only the fixture's PKS exists");
}

#[tokio::test]
async fn region_codes_must_name_real_regions_of_the_right_kind() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let mut client = server.agreements();
    let cases: Vec<(pb::Agreement, &str, &str)> = vec![
        // The right shape, but no such province in the Kemendagri catalogue.
        (
            {
                let mut a = ksdd_ksb("DLHK", "Partner 99");
                a.parties[0] = party(
                    "Pemerintah Provinsi X",
                    pb::PartyKind::ProvinceGovernment,
                    "99",
                    "",
                );
                a
            },
            "agreement.parties[0].region_code",
            "bukan kode wilayah dalam katalog",
        ),
        // No regency 36.99 in Banten.
        (
            {
                let mut a = ksdd_ksb("DLHK", "Partner 36.99");
                a.parties[0].region_code = "36.99".into();
                a
            },
            "agreement.parties[0].region_code",
            "catalogue",
        ),
        // 36.71 is Kota Tangerang: a city, not a regency.
        (
            {
                let mut a = ksdd_ksb("DLHK", "Kota sebagai kabupaten");
                a.parties[0].kind = pb::PartyKind::RegencyGovernment as i32;
                a
            },
            "agreement.parties[0].region_code",
            "Kota Tangerang",
        ),
    ];
    for (agreement, field, words) in cases {
        let status = client
            .create_agreement(authed(&server.admin, create_request(agreement, "")))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
        use tonic_types::StatusExt;
        let indonesian = status
            .get_details_localized_message()
            .map(|m| m.message)
            .unwrap_or_default();
        assert!(
            status.message().contains(words) || indonesian.contains(words),
            "{words}: {} / {indonesian}",
            status.message()
        );
    }
    // 36.03 is Kabupaten Tangerang: a regency partner is accepted.
    let mut ok = ksdd_ksb("DLHK", "Kabupaten Tangerang");
    ok.parties[0] = party(
        "Pemerintah Kabupaten Tangerang",
        pb::PartyKind::RegencyGovernment,
        "36.03",
        "",
    );
    create(&server, ok).await;
}

#[tokio::test]
async fn partners_must_match_the_cooperation_type() {
    let server = TestServer::start().await;
    create_unit(&server, "BIRO").await;
    let mut client = server.agreements();
    let cases: Vec<(pb::Agreement, &str)> = vec![
        // KSDPL: the partner must be a foreign regional government, with a country.
        (
            {
                let mut a = ksdpl_ksb("BIRO", "Tanpa negara", "");
                a.parties[0].country_code.clear();
                a
            },
            "agreement.parties[0].country_code",
        ),
        (
            ksdpl_ksb("BIRO", "Indonesia bukan luar negeri", "ID"),
            "agreement.parties[0].country_code",
        ),
        (
            {
                let mut a = ksdpl_ksb("BIRO", "Lembaga, bukan pemda", "JP");
                a.parties[0].kind = pb::PartyKind::ForeignInstitution as i32;
                a
            },
            "agreement.parties[0].kind",
        ),
        (
            {
                let mut a = ksdpl_ksb("BIRO", "Pemda luar negeri dengan kode wilayah", "JP");
                a.parties[0].region_code = "36.71".into();
                a
            },
            "agreement.parties[0].region_code",
        ),
        // KSDD with a KSDD-only field on another type.
        (
            {
                let mut a = ksdpk_pks("BIRO", "Dasar KSDD pada KSDPK");
                a.ksdd_basis = pb::KsddBasis::Voluntary as i32;
                a
            },
            "agreement.ksdd_basis",
        ),
        // SINERGI partners are ministries, signed as a Nota Kesepakatan.
        (
            pb::Agreement {
                cooperation_type: pb::CooperationType::Sinergi as i32,
                document_kind: pb::DocumentKind::Ksb as i32,
                parties: vec![party(
                    "Kementerian Dalam Negeri",
                    pb::PartyKind::Ministry,
                    "",
                    "",
                )],
                ..ksdpk_pks("BIRO", "Sinergi sebagai KSB")
            },
            "agreement.document_kind",
        ),
    ];
    for (agreement, field) in cases {
        let status = client
            .create_agreement(authed(&server.admin, create_request(agreement, "")))
            .await
            .expect_err(field);
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
}

#[tokio::test]
async fn a_pks_under_a_ksb_and_an_addendum_under_the_pks_are_accepted() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let ksb = create(&server, ksdd_ksb("DLHK", "KSB induk")).await;
    let pks = create(
        &server,
        pb::Agreement {
            document_kind: pb::DocumentKind::Pks as i32,
            parent: ksb.name.clone(),
            ..ksdd_ksb("DLHK", "PKS pelaksana")
        },
    )
    .await;
    assert_eq!(pks.parent, ksb.name);
    let addendum = create(
        &server,
        pb::Agreement {
            document_kind: pb::DocumentKind::Addendum as i32,
            parent: pks.name.clone(),
            ..ksdd_ksb("DLHK", "Adendum I")
        },
    )
    .await;
    assert_eq!(addendum.parent, pks.name);
}

#[tokio::test]
async fn an_update_changes_only_the_masked_fields_and_a_new_etag() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    create_unit(&server, "DINKES").await;
    let created = create(&server, ksdd_ksb("DLHK", "Judul lama")).await;
    let change = pb::Agreement {
        name: created.name.clone(),
        etag: created.etag.clone(),
        title: "Judul baru".into(),
        unit: "units/DINKES".into(),
        effective_until: "2030-12-31".into(),
        // Not in the mask: must be ignored.
        objective: "diabaikan".into(),
        budget_idr: "1".into(),
        ..Default::default()
    };
    let updated = server
        .agreements()
        .update_agreement(authed(
            &server.admin,
            pb::UpdateAgreementRequest {
                agreement: Some(change),
                update_mask: mask(&["title", "unit", "effective_until"]),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.title, "Judul baru");
    assert_eq!(updated.unit, "units/DINKES");
    assert_eq!(updated.effective_until, "2030-12-31");
    assert_eq!(updated.objective, created.objective);
    assert_eq!(updated.budget_idr, created.budget_idr);
    assert_eq!(updated.parties, created.parties);
    assert_ne!(updated.etag, created.etag);
}

#[tokio::test]
async fn an_update_can_replace_the_parties_and_clear_the_budget() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let created = create(&server, ksdd_ksb("DLHK", "Mitra berubah")).await;
    let change = pb::Agreement {
        name: created.name.clone(),
        parties: vec![
            party(
                "Pemerintah Kabupaten Serang",
                pb::PartyKind::RegencyGovernment,
                "36.04",
                "",
            ),
            party(
                "Pemerintah Kota Cilegon",
                pb::PartyKind::CityGovernment,
                "36.72",
                "",
            ),
        ],
        ..Default::default()
    };
    let updated = server
        .agreements()
        .update_agreement(authed(
            &server.admin,
            pb::UpdateAgreementRequest {
                agreement: Some(change),
                update_mask: mask(&["parties", "budget_idr"]),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let names: Vec<&str> = updated.parties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["Pemerintah Kabupaten Serang", "Pemerintah Kota Cilegon"]
    );
    assert_eq!(updated.budget_idr, "", "a masked empty budget clears it");
}

#[tokio::test]
async fn an_update_with_a_stale_etag_is_aborted_and_changes_nothing() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let created = create(&server, ksdd_ksb("DLHK", "Rebutan")).await;
    let mut client = server.agreements();
    let update = |title: &str, etag: &str| {
        authed(
            &server.admin,
            pb::UpdateAgreementRequest {
                agreement: Some(pb::Agreement {
                    name: created.name.clone(),
                    etag: etag.to_string(),
                    title: title.to_string(),
                    ..Default::default()
                }),
                update_mask: mask(&["title"]),
            },
        )
    };
    client
        .update_agreement(update("Pertama menang", &created.etag))
        .await
        .unwrap();
    let status = client
        .update_agreement(update("Kedua kalah", &created.etag))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::Aborted, None);
    let now = client
        .get_agreement(authed(
            &server.admin,
            pb::GetAgreementRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(now.title, "Pertama menang");
}

#[tokio::test]
async fn update_masks_must_name_changeable_fields() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let created = create(&server, ksdd_ksb("DLHK", "Topeng")).await;
    let mut client = server.agreements();
    for paths in [&[][..], &["cooperation_type"][..], &["no_such_field"][..]] {
        let status = client
            .update_agreement(authed(
                &server.admin,
                pb::UpdateAgreementRequest {
                    agreement: Some(pb::Agreement {
                        name: created.name.clone(),
                        ..Default::default()
                    }),
                    update_mask: mask(paths),
                },
            ))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some("update_mask"));
    }
    // A masked field is validated like on create.
    let status = client
        .update_agreement(authed(
            &server.admin,
            pb::UpdateAgreementRequest {
                agreement: Some(pb::Agreement {
                    name: created.name.clone(),
                    effective_until: "2000-01-01".into(),
                    ..Default::default()
                }),
                update_mask: mask(&["effective_until"]),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(
        &status,
        Code::InvalidArgument,
        Some("agreement.effective_until"),
    );
}

#[tokio::test]
async fn unknown_and_malformed_names_are_told_apart() {
    let server = TestServer::start().await;
    let mut client = server.agreements();
    let missing = format!("agreements/{}", uuid::Uuid::now_v7());
    let status = client
        .get_agreement(authed(
            &server.admin,
            pb::GetAgreementRequest { name: missing },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::NotFound, None);
    let status = client
        .get_agreement(authed(
            &server.admin,
            pb::GetAgreementRequest {
                name: "agreement-1".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("name"));
}

#[tokio::test]
async fn a_deleted_agreement_is_hidden_until_undeleted() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let created = create(&server, ksdd_ksb("DLHK", "Dihapus sementara")).await;
    let mut client = server.agreements();
    let list = |show_deleted| {
        authed(
            &server.admin,
            pb::ListAgreementsRequest {
                show_deleted,
                ..Default::default()
            },
        )
    };

    let deleted = client
        .delete_agreement(authed(
            &server.admin,
            pb::DeleteAgreementRequest {
                name: created.name.clone(),
                etag: created.etag.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(deleted.delete_time.is_some());
    assert!(
        client
            .list_agreements(list(false))
            .await
            .unwrap()
            .into_inner()
            .agreements
            .is_empty()
    );
    assert_eq!(
        client
            .list_agreements(list(true))
            .await
            .unwrap()
            .into_inner()
            .agreements
            .len(),
        1
    );

    // Still readable by name, but not changeable, and not deletable twice.
    let read = client
        .get_agreement(authed(
            &server.admin,
            pb::GetAgreementRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(read.delete_time.is_some());
    let status = client
        .update_agreement(authed(
            &server.admin,
            pb::UpdateAgreementRequest {
                agreement: Some(pb::Agreement {
                    name: created.name.clone(),
                    title: "x".into(),
                    ..Default::default()
                }),
                update_mask: mask(&["title"]),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
    let status = client
        .delete_agreement(authed(
            &server.admin,
            pb::DeleteAgreementRequest {
                name: created.name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);

    let restored = client
        .undelete_agreement(authed(
            &server.admin,
            pb::UndeleteAgreementRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(restored.delete_time.is_none());
    assert_eq!(
        client
            .list_agreements(list(false))
            .await
            .unwrap()
            .into_inner()
            .agreements
            .len(),
        1
    );
    let status = client
        .undelete_agreement(authed(
            &server.admin,
            pb::UndeleteAgreementRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
}

#[tokio::test]
async fn deleting_with_a_stale_etag_is_aborted() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let created = create(&server, ksdd_ksb("DLHK", "Etag hapus")).await;
    let status = server
        .agreements()
        .delete_agreement(authed(
            &server.admin,
            pb::DeleteAgreementRequest {
                name: created.name.clone(),
                etag: "\"999\"".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::Aborted, None);
}

#[tokio::test]
async fn a_ksb_with_a_live_pks_cannot_be_deleted() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let ksb = create(&server, ksdd_ksb("DLHK", "Induk")).await;
    create(
        &server,
        pb::Agreement {
            document_kind: pb::DocumentKind::Pks as i32,
            parent: ksb.name.clone(),
            ..ksdd_ksb("DLHK", "Anak")
        },
    )
    .await;
    let status = server
        .agreements()
        .delete_agreement(authed(
            &server.admin,
            pb::DeleteAgreementRequest {
                name: ksb.name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
    assert!(
        status.message().contains("agreements/"),
        "{}",
        status.message()
    );
}

#[tokio::test]
async fn one_reply_names_every_mistake_of_a_request() {
    let server = TestServer::start().await;
    create_unit(&server, "BIRO").await;
    let mut agreement = ksdpl_ksb("BIRO", "  ", "");
    agreement.signed_on = "kemarin".into();
    agreement.region_code.clear();
    let status = server
        .agreements()
        .create_agreement(authed(&server.admin, create_request(agreement, "")))
        .await
        .unwrap_err();
    for field in [
        "agreement.signed_on",
        "agreement.title",
        "agreement.region_code",
        "agreement.parties[0].country_code",
    ] {
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
    assert!(
        status.message().contains("agreement.title"),
        "{}",
        status.message()
    );
}
