//! UnitService: the initiating units (OPD).

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use prost_types::FieldMask;
use tonic::Code;

use crate::fixtures::create_unit;

fn new_unit(code: &str, region: &str, display_name: &str) -> pb::CreateUnitRequest {
    pb::CreateUnitRequest {
        unit: Some(pb::Unit {
            code: code.into(),
            region_code: region.into(),
            display_name: display_name.into(),
            ..Default::default()
        }),
        request_id: String::new(),
    }
}

#[tokio::test]
async fn units_are_created_read_listed_by_code_and_renamed() {
    let server = TestServer::start().await;
    let mut client = server.units();
    let created = client
        .create_unit(authed(
            &server.admin,
            new_unit("DINKES", "36", "Dinas Kesehatan"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.name, "units/DINKES");
    assert_eq!(created.region_code, "36");
    for code in ["BAPPEDA", "DISPAR", "DLHK"] {
        create_unit(&server, code).await;
    }
    let read = client
        .get_unit(authed(
            &server.admin,
            pb::GetUnitRequest {
                name: "units/DINKES".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read, created);

    let mut codes = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_units(authed(
                &server.admin,
                pb::ListUnitsRequest {
                    page_size: 3,
                    page_token: token,
                    region_code: String::new(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        codes.extend(page.units.into_iter().map(|u| u.code));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(codes, ["BAPPEDA", "DINKES", "DISPAR", "DLHK"]);

    let renamed = client
        .update_unit(authed(
            &server.admin,
            pb::UpdateUnitRequest {
                unit: Some(pb::Unit {
                    name: "units/DINKES".into(),
                    etag: created.etag.clone(),
                    display_name: "Dinas Kesehatan Provinsi Banten".into(),
                    region_code: "99".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["display_name".into()],
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(renamed.display_name, "Dinas Kesehatan Provinsi Banten");
    assert_eq!(renamed.region_code, "36");
    assert_ne!(renamed.etag, created.etag);

    let stale = client
        .update_unit(authed(
            &server.admin,
            pb::UpdateUnitRequest {
                unit: Some(pb::Unit {
                    name: "units/DINKES".into(),
                    etag: created.etag.clone(),
                    display_name: "Terlambat".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["display_name".into()],
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&stale, Code::Aborted, None);
}

#[tokio::test]
async fn unit_rules_are_enforced() {
    let server = TestServer::start().await;
    let mut client = server.units();
    create_unit(&server, "DLHK").await;
    let status = client
        .create_unit(authed(&server.admin, new_unit("DLHK", "36", "Lagi")))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::AlreadyExists, None);
    for (request, field) in [
        (new_unit("dinas kecil", "36", "Huruf kecil"), "unit.code"),
        (
            new_unit("DINSOS", "Banten", "Wilayah salah"),
            "unit.region_code",
        ),
        (new_unit("DINSOS", "36", "  "), "unit.display_name"),
    ] {
        let status = client
            .create_unit(authed(&server.admin, request))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
    let status = client
        .get_unit(authed(
            &server.admin,
            pb::GetUnitRequest {
                name: "units/NOPE".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::NotFound, None);
    let status = client
        .update_unit(authed(
            &server.admin,
            pb::UpdateUnitRequest {
                unit: Some(pb::Unit {
                    name: "units/DLHK".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["region_code".into()],
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("update_mask"));
}

#[tokio::test]
async fn a_retried_unit_create_returns_the_first_result() {
    let server = TestServer::start().await;
    let mut client = server.units();
    let mut request = new_unit("DISHUB", "36", "Dinas Perhubungan");
    request.request_id = uuid::Uuid::new_v4().to_string();
    let first = client
        .create_unit(authed(&server.admin, request.clone()))
        .await
        .unwrap()
        .into_inner();
    let again = client
        .create_unit(authed(&server.admin, request))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, again);
}
