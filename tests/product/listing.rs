//! ListAgreements: keyset pages, typed filters, ordering.

use std::collections::HashSet;

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use tonic::Code;

use crate::fixtures::{create, create_unit, ksdd_ksb, ksdpk_pks, ksdpl_ksb};

async fn list(
    server: &TestServer,
    request: pb::ListAgreementsRequest,
) -> pb::ListAgreementsResponse {
    server
        .agreements()
        .list_agreements(authed(&server.admin, request))
        .await
        .expect("list")
        .into_inner()
}

fn titles(response: &pb::ListAgreementsResponse) -> Vec<String> {
    response
        .agreements
        .iter()
        .map(|a| a.title.clone())
        .collect()
}

#[tokio::test]
async fn pages_of_a_filtered_list_cover_every_match_once() {
    let server = TestServer::start().await;
    create_unit(&server, "DISPAR").await;
    for i in 0..7 {
        create(&server, ksdpk_pks("DISPAR", &format!("PKS {i}"))).await;
    }
    for i in 0..3 {
        create(&server, ksdd_ksb("DISPAR", &format!("KSB {i}"))).await;
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = list(
            &server,
            pb::ListAgreementsRequest {
                page_size: 3,
                page_token: token.clone(),
                cooperation_types: vec![pb::CooperationType::Ksdpk as i32],
                order_by: "create_time".into(),
                ..Default::default()
            },
        )
        .await;
        pages += 1;
        assert!(page.agreements.len() <= 3);
        seen.extend(titles(&page));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..7).map(|i| format!("PKS {i}")).collect();
    assert_eq!(
        seen, expected,
        "create_time order, every match exactly once"
    );
}

#[tokio::test]
async fn titles_page_in_order_in_both_directions() {
    let server = TestServer::start().await;
    create_unit(&server, "DISPAR").await;
    for title in ["Delta", "Alfa", "Echo", "Charlie", "Bravo"] {
        create(&server, ksdpk_pks("DISPAR", title)).await;
    }
    for (order_by, expected) in [
        ("title", ["Alfa", "Bravo", "Charlie", "Delta", "Echo"]),
        ("title desc", ["Echo", "Delta", "Charlie", "Bravo", "Alfa"]),
    ] {
        let mut seen = Vec::new();
        let mut token = String::new();
        loop {
            let page = list(
                &server,
                pb::ListAgreementsRequest {
                    page_size: 2,
                    page_token: token,
                    order_by: order_by.into(),
                    ..Default::default()
                },
            )
            .await;
            seen.extend(titles(&page));
            token = page.next_page_token;
            if token.is_empty() {
                break;
            }
        }
        assert_eq!(seen, expected, "{order_by}");
    }
}

#[tokio::test]
async fn unsigned_agreements_sort_after_signed_ones_by_signing_date() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    for (title, signed) in [
        ("2023", "2023-01-05"),
        ("unsigned", ""),
        ("2021", "2021-07-01"),
        ("2025", "2025-03-03"),
    ] {
        let mut a = ksdd_ksb("DLHK", title);
        a.signed_on = signed.into();
        a.effective_from = signed.into();
        if signed.is_empty() {
            a.effective_until.clear();
        }
        create(&server, a).await;
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = list(
            &server,
            pb::ListAgreementsRequest {
                page_size: 1,
                page_token: token,
                order_by: "signed_on".into(),
                ..Default::default()
            },
        )
        .await;
        seen.extend(titles(&page));
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(seen, ["2021", "2023", "2025", "unsigned"]);
}

#[tokio::test]
async fn typed_filters_select_what_they_say() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    create_unit(&server, "BIRO").await;
    let mut expired = ksdd_ksb("DLHK", "Sudah berakhir");
    expired.signed_on = "2019-01-10".into();
    expired.effective_from = "2019-01-10".into();
    expired.effective_until = "2022-01-09".into();
    create(&server, expired).await;
    create(&server, ksdd_ksb("DLHK", "Masih berlaku")).await;
    create(&server, ksdpk_pks("BIRO", "Belum ditandatangani")).await;
    create(&server, ksdpl_ksb("BIRO", "Kerja sama Jepang", "JP")).await;
    create(&server, ksdpl_ksb("BIRO", "Kerja sama Korea", "KR")).await;

    let cases: Vec<(pb::ListAgreementsRequest, Vec<&str>)> = vec![
        (
            pb::ListAgreementsRequest {
                states: vec![pb::AgreementState::Expired as i32],
                ..Default::default()
            },
            vec!["Sudah berakhir"],
        ),
        (
            pb::ListAgreementsRequest {
                states: vec![
                    pb::AgreementState::Active as i32,
                    pb::AgreementState::Expired as i32,
                ],
                ..Default::default()
            },
            vec!["Masih berlaku", "Sudah berakhir"],
        ),
        (
            pb::ListAgreementsRequest {
                partner_country: "KR".into(),
                ..Default::default()
            },
            vec!["Kerja sama Korea"],
        ),
        (
            pb::ListAgreementsRequest {
                unit: "units/DLHK".into(),
                ..Default::default()
            },
            vec!["Masih berlaku", "Sudah berakhir"],
        ),
        (
            pb::ListAgreementsRequest {
                sector: "EDUCATION".into(),
                ..Default::default()
            },
            vec!["Belum ditandatangani"],
        ),
        (
            // Matches a party's name, case-insensitively.
            pb::ListAgreementsRequest {
                query: "sultan ageng".into(),
                ..Default::default()
            },
            vec!["Belum ditandatangani"],
        ),
        (
            // Matches the title; LIKE wildcards in the query are literal.
            pb::ListAgreementsRequest {
                query: "berlaku".into(),
                ..Default::default()
            },
            vec!["Masih berlaku"],
        ),
        (
            pb::ListAgreementsRequest {
                query: "%".into(),
                ..Default::default()
            },
            vec![],
        ),
        (
            pb::ListAgreementsRequest {
                signed_from: "2019-01-01".into(),
                signed_until: "2019-12-31".into(),
                ..Default::default()
            },
            vec!["Sudah berakhir"],
        ),
        (
            pb::ListAgreementsRequest {
                ending_from: "2029-01-01".into(),
                ending_until: "2029-12-31".into(),
                ..Default::default()
            },
            vec!["Masih berlaku"],
        ),
        (
            pb::ListAgreementsRequest {
                cooperation_types: vec![
                    pb::CooperationType::Ksdpl as i32,
                    pb::CooperationType::Ksdpk as i32,
                ],
                document_kind: pb::DocumentKind::Ksb as i32,
                ..Default::default()
            },
            vec!["Kerja sama Jepang", "Kerja sama Korea"],
        ),
    ];
    for (request, expected) in cases {
        let described = format!("{request:?}");
        let got: HashSet<String> = titles(&list(&server, request).await).into_iter().collect();
        let expected: HashSet<String> = expected.into_iter().map(String::from).collect();
        assert_eq!(got, expected, "{described}");
    }
}

#[tokio::test]
async fn invalid_list_requests_name_the_field() {
    let server = TestServer::start().await;
    let mut client = server.agreements();
    let cases: Vec<(pb::ListAgreementsRequest, &str)> = vec![
        (
            pb::ListAgreementsRequest {
                page_size: -1,
                ..Default::default()
            },
            "page_size",
        ),
        (
            pb::ListAgreementsRequest {
                page_token: "bogus".into(),
                ..Default::default()
            },
            "page_token",
        ),
        (
            pb::ListAgreementsRequest {
                order_by: "budget_idr".into(),
                ..Default::default()
            },
            "order_by",
        ),
        (
            pb::ListAgreementsRequest {
                signed_from: "01-01-2024".into(),
                ..Default::default()
            },
            "signed_from",
        ),
        (
            pb::ListAgreementsRequest {
                partner_country: "jpn".into(),
                ..Default::default()
            },
            "partner_country",
        ),
        (
            pb::ListAgreementsRequest {
                states: vec![42],
                ..Default::default()
            },
            "states[0]",
        ),
        (
            pb::ListAgreementsRequest {
                unit: "DLHK".into(),
                ..Default::default()
            },
            "unit",
        ),
    ];
    for (request, field) in cases {
        let status = client
            .list_agreements(authed(&server.admin, request))
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
}

#[tokio::test]
async fn a_page_token_only_continues_the_list_it_came_from() {
    let server = TestServer::start().await;
    create_unit(&server, "DISPAR").await;
    for i in 0..3 {
        create(&server, ksdpk_pks("DISPAR", &format!("PKS {i}"))).await;
    }
    let first = list(
        &server,
        pb::ListAgreementsRequest {
            page_size: 1,
            ..Default::default()
        },
    )
    .await;
    assert!(!first.next_page_token.is_empty());
    let status = server
        .agreements()
        .list_agreements(authed(
            &server.admin,
            pb::ListAgreementsRequest {
                page_size: 1,
                page_token: first.next_page_token,
                sector: "HEALTH".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("page_token"));
}

#[tokio::test]
async fn page_size_is_capped_at_the_maximum() {
    let server = TestServer::start().await;
    create_unit(&server, "DISPAR").await;
    // 205 rows straight into the table: the cap, not the create path, is under test.
    server
        .sql()
        .await
        .batch_execute(
            "INSERT INTO agreements (id, region_code, title, cooperation_type, document_kind, unit_code, sector, search_text) \
             SELECT gen_random_uuid(), '36', 'Bulk ' || n, 'KSDPK', 'PKS', 'DISPAR', 'TOURISM', 'bulk ' || n \
             FROM generate_series(1, 205) AS n",
        )
        .await
        .unwrap();
    let first = list(
        &server,
        pb::ListAgreementsRequest {
            page_size: 100_000,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(first.agreements.len(), 200);
    let rest = list(
        &server,
        pb::ListAgreementsRequest {
            page_size: 100_000,
            page_token: first.next_page_token,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(rest.agreements.len(), 5);
    assert!(rest.next_page_token.is_empty());
    let default = list(&server, pb::ListAgreementsRequest::default()).await;
    assert_eq!(default.agreements.len(), 50);
}

#[tokio::test]
async fn the_query_finds_a_piece_of_a_document_number_through_trigram_indexes() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let mut wanted = ksdd_ksb("DLHK", "Pengelolaan sampah regional");
    wanted.document_number = "119/07-DLHK/2025".into();
    create(&server, wanted).await;
    let mut other = ksdd_ksb("DLHK", "Penerangan jalan umum");
    other.document_number = "120/08-DISHUB/2025".into();
    create(&server, other).await;
    // The middle of the number, as someone remembers it.
    let piece = "07-dlhk";
    let found = list(
        &server,
        pb::ListAgreementsRequest {
            query: piece.to_lowercase(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(titles(&found), ["Pengelolaan sampah regional"], "{piece}");
    // A piece of a word of the title finds it too.
    let found = list(
        &server,
        pb::ListAgreementsRequest {
            query: "ngelola".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(titles(&found), ["Pengelolaan sampah regional"]);

    // A common piece (three or more of the newest agreements have it) is
    // run the other way, walking the list's order: the same matches.
    for title in ["Sampah pasar", "Sampah rumah tangga", "Bank sampah"] {
        create(&server, ksdd_ksb("DLHK", title)).await;
    }
    let found = list(
        &server,
        pb::ListAgreementsRequest {
            query: "SAMPAH".into(),
            order_by: "title".into(),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        titles(&found),
        [
            "Bank sampah",
            "Pengelolaan sampah regional",
            "Sampah pasar",
            "Sampah rumah tangga"
        ]
    );

    // A party's name is searched too, and stays right when the parties
    // change; a piece never spans two fields (title and number here).
    let mut partnered = ksdd_ksb("DLHK", "Air bersih lintas kota");
    partnered.document_number = "77/AIR/2025".into();
    partnered.parties[0].name = "Perumda Tirta Kerta Raharja".into();
    let partnered = create(&server, partnered).await;
    let search = |query: &str| pb::ListAgreementsRequest {
        query: query.into(),
        ..Default::default()
    };
    assert_eq!(
        titles(&list(&server, search("kerta raharja")).await),
        ["Air bersih lintas kota"]
    );
    assert!(titles(&list(&server, search("kota 77/air")).await).is_empty());
    let mut renamed = partnered.clone();
    renamed.parties[0].name = "Perumda Tirtayasa".into();
    server
        .agreements()
        .update_agreement(authed(
            &server.admin,
            pb::UpdateAgreementRequest {
                agreement: Some(renamed),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["parties".into()],
                }),
            },
        ))
        .await
        .expect("update parties");
    assert!(titles(&list(&server, search("kerta raharja")).await).is_empty());
    assert_eq!(
        titles(&list(&server, search("TIRTAYASA")).await),
        ["Air bersih lintas kota"]
    );

    // A rare piece is found through the one trigram index (with sequential
    // scans priced out, as they are at a million agreements).
    let plan = explain(&server, "tirtayasa").await;
    assert!(plan.contains("agreements_search_text_trgm"), "{plan}");
}

/// The plan of the first page of `ListAgreements` with this `query`, as the
/// service would send it, with sequential scans priced out (as they are at
/// a million agreements).
async fn explain(server: &TestServer, query: &str) -> String {
    let request = pb::ListAgreementsRequest {
        query: query.into(),
        ..Default::default()
    };
    explain_request(server, &request, "-c enable_seqscan=off").await
}

/// The plan of the first page of this list as the service would send it,
/// with these PostgreSQL settings.
async fn explain_request(
    server: &TestServer,
    request: &pb::ListAgreementsRequest,
    settings: &str,
) -> String {
    use kerjasama_core::pool::{self, PoolSettings};
    let url = format!(
        "{}?options={}",
        server.db.url,
        settings.replace(' ', "%20").replace('=', "%3D")
    );
    let pool = pool::connect(&url, &PoolSettings::default()).unwrap();
    kerjasama_grpc::agreements::explain_list(&pool, request, false)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_documented_list_shape_is_served_by_an_index() {
    use kerjasama_loadgen::list_shapes::{LIST_SHAPES, list_request};
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    create_unit(&server, "DISPAR").await;
    let sample = create(&server, ksdd_ksb("DLHK", "Pengelolaan sampah regional")).await;
    create(&server, ksdpk_pks("DISPAR", "Promosi wisata bersama")).await;
    for shape in LIST_SHAPES {
        let request = list_request(shape.spec, &sample, 50).unwrap();
        // The service takes it ...
        let page = list(&server, request.clone()).await;
        if shape.spec.is_empty() {
            assert_eq!(page.agreements.len(), 2);
        }
        // ... and PostgreSQL can serve it in order without reading the
        // whole table (with sequential scans and sorts priced out, as they
        // are at a million agreements, a plan shows the index that delivers
        // the page in order); the rare ended states walk their own partial
        // indexes, a date range bounds its index scan.
        let plan = explain_request(
            &server,
            &request,
            "-c enable_seqscan=off -c enable_sort=off",
        )
        .await;
        assert!(
            !plan.contains("Seq Scan on agreements"),
            "{}: {}\n{plan}",
            shape.name,
            shape.spec
        );
        let expected = match shape.name {
            "terminated-by-signing" => Some("agreements_terminated_signed_idx"),
            "cancelled" => Some("agreements_cancelled_create_idx"),
            "drafts-by-title" => Some("agreements_undated_title_idx"),
            "signed-in-a-year" => Some("Index Cond: ((COALESCE(signed_on"),
            _ => None,
        };
        if let Some(expected) = expected {
            assert!(
                plan.contains(expected),
                "{}: {expected} not in\n{plan}",
                shape.name
            );
        }
    }
}

#[tokio::test]
async fn the_state_filter_is_the_state_function() {
    use chrono::{Days, NaiveDate};
    use kerjasama_core::codes::AgreementState;
    let server = TestServer::start().await;
    let client = server.sql().await;
    let past = NaiveDate::from_ymd_opt(2026, 6, 15).unwrap();
    let today = kerjasama_core::calendar::today();
    // Every combination of the five dates. As of a past day: unknown, the
    // day before, the day itself, the day after. As of today: no date is
    // ever stored in the future, so unknown, yesterday and today.
    let grids = [
        (past, vec![None, Some(-1), Some(0), Some(1)]),
        (today, vec![None, Some(-1), Some(0)]),
    ];
    for (day, offsets) in grids {
        let values: Vec<String> = offsets
            .iter()
            .map(|o| match o {
                None => "(NULL::date)".to_string(),
                Some(o) => {
                    let date = if *o < 0 {
                        day - Days::new(1)
                    } else {
                        day + Days::new(*o as u64)
                    };
                    format!("(DATE '{date}')")
                }
            })
            .collect();
        let cases = format!(
            "WITH d(v) AS (VALUES {}), \
             agreements AS (SELECT s.v AS signed_on, e.v AS effective_until, \
             p.v AS process_started_on, t.v AS terminated_on, c.v AS cancelled_on \
             FROM d s, d e, d p, d t, d c)",
            values.join(", ")
        );
        let mut sets: Vec<Vec<AgreementState>> =
            AgreementState::ALL.iter().map(|s| vec![*s]).collect();
        sets.push(vec![AgreementState::Active, AgreementState::Expired]);
        sets.push(AgreementState::ALL.to_vec());
        for states in sets {
            let codes: Vec<String> = states.iter().map(|s| format!("'{}'", s.code())).collect();
            let condition = kerjasama_core::agreements::states_condition(&states, day);
            let sql = format!(
                "{cases} SELECT count(*) FILTER (WHERE coalesce(({condition}), false) \
                 <> (agreement_state(signed_on, effective_until, process_started_on, terminated_on, \
                 cancelled_on, DATE '{day}') IN ({}))), \
                 count(*) FILTER (WHERE {condition}) FROM agreements",
                codes.join(", ")
            );
            let row = client.query_one(&sql, &[]).await.unwrap();
            let (differ, matched): (i64, i64) = (row.get(0), row.get(1));
            assert_eq!(differ, 0, "{states:?} as of {day}");
            assert!(matched > 0, "{states:?} as of {day}");
        }
    }
}
