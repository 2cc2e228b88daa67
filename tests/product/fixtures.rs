//! Valid requests to start from; each test changes what it is about.

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, authed};

pub const REGION: &str = "36";

pub async fn create_unit(server: &TestServer, code: &str) -> pb::Unit {
    server
        .units()
        .create_unit(authed(
            &server.admin,
            pb::CreateUnitRequest {
                unit: Some(pb::Unit {
                    code: code.to_string(),
                    region_code: REGION.to_string(),
                    display_name: format!("Dinas {code}"),
                    ..Default::default()
                }),
                request_id: String::new(),
            },
        ))
        .await
        .expect("create unit")
        .into_inner()
}

/// A unit of another province: Jawa Barat (32), for tests of region scopes.
pub async fn create_jabar_unit(server: &TestServer) -> pb::Unit {
    server
        .units()
        .create_unit(authed(
            &server.admin,
            pb::CreateUnitRequest {
                unit: Some(pb::Unit {
                    code: "JABAR-DLH".into(),
                    region_code: "32".into(),
                    display_name: "Dinas Lingkungan Hidup Jawa Barat".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            },
        ))
        .await
        .expect("create the Jawa Barat unit")
        .into_inner()
}

pub fn party(name: &str, kind: pb::PartyKind, region: &str, country: &str) -> pb::Party {
    pb::Party {
        name: name.to_string(),
        kind: kind as i32,
        region_code: region.to_string(),
        country_code: country.to_string(),
        document_number: String::new(),
    }
}

/// A signed KSDD framework agreement (KSB) with Kota Tangerang.
pub fn ksdd_ksb(unit: &str, title: &str) -> pb::Agreement {
    pb::Agreement {
        region_code: REGION.to_string(),
        title: title.to_string(),
        cooperation_type: pb::CooperationType::Ksdd as i32,
        document_kind: pb::DocumentKind::Ksb as i32,
        unit: format!("units/{unit}"),
        sector: "ENVIRONMENT".to_string(),
        ksdd_basis: pb::KsddBasis::Mandatory as i32,
        parties: vec![party(
            "Pemerintah Kota Tangerang",
            pb::PartyKind::CityGovernment,
            "36.71",
            "",
        )],
        document_number: "415.4/12-HUK/2024".to_string(),
        signed_on: "2024-06-12".to_string(),
        effective_from: "2024-06-12".to_string(),
        effective_until: "2029-06-11".to_string(),
        budget_idr: "1500000000".to_string(),
        ..Default::default()
    }
}

/// An unsigned KSDPK implementing agreement (PKS) with a university.
pub fn ksdpk_pks(unit: &str, title: &str) -> pb::Agreement {
    pb::Agreement {
        region_code: REGION.to_string(),
        title: title.to_string(),
        cooperation_type: pb::CooperationType::Ksdpk as i32,
        document_kind: pb::DocumentKind::Pks as i32,
        unit: format!("units/{unit}"),
        sector: "EDUCATION".to_string(),
        parties: vec![party(
            "Universitas Sultan Ageng Tirtayasa",
            pb::PartyKind::University,
            "",
            "",
        )],
        ..Default::default()
    }
}

/// A KSDPL framework agreement with a foreign regional government.
pub fn ksdpl_ksb(unit: &str, title: &str, country: &str) -> pb::Agreement {
    pb::Agreement {
        region_code: REGION.to_string(),
        title: title.to_string(),
        cooperation_type: pb::CooperationType::Ksdpl as i32,
        document_kind: pb::DocumentKind::Ksb as i32,
        unit: format!("units/{unit}"),
        sector: "AGRICULTURE".to_string(),
        parties: vec![party(
            "Ibaraki Prefectural Government",
            pb::PartyKind::ForeignRegionalGovernment,
            "",
            country,
        )],
        ..Default::default()
    }
}

pub async fn create(server: &TestServer, agreement: pb::Agreement) -> pb::Agreement {
    server
        .agreements()
        .create_agreement(authed(
            &server.admin,
            pb::CreateAgreementRequest {
                agreement: Some(agreement),
                request_id: String::new(),
                complete_through_stage: String::new(),
            },
        ))
        .await
        .expect("create agreement")
        .into_inner()
}
