//! The open register: published over HTTP without a token only with
//! `--public-register`, and by report runs when asked; signed agreements in
//! force, public fields only, no personal data.

use kerjasama_grpc::open_register::OpenRegisterSettings;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{Options, TestServer, authed, fresh_database, http_get};

use crate::fixtures::{REGION, create, create_unit, ksdd_ksb, ksdpk_pks, party};

const PUBLIC_COLUMNS: &[&str] = &[
    "id",
    "title",
    "cooperation_type",
    "document_kind",
    "region_code",
    "unit_code",
    "unit_name",
    "sector",
    "signed_on",
    "effective_from",
    "effective_until",
    "state",
    "party_names",
    "party_kinds",
    "party_region_codes",
    "party_country_codes",
    "public_in_full",
    "budget_idr",
    "planned_benefit_idr",
    "realised_benefit_idr",
    "document_number",
    "region_name",
    "cooperation_type_label",
    "document_kind_label",
    "state_label",
    "sector_label",
    "party_kind_labels",
    "party_region_names",
    "signed_document",
];

async fn public_server() -> TestServer {
    TestServer::start_with_options(
        fresh_database().await,
        Options {
            open_register: Some(OpenRegisterSettings {
                region_code: Some(REGION.into()),
                publisher: "Biro Kerja Sama Provinsi Banten".into(),
                base_url: None,
            }),
            ..Options::default()
        },
    )
    .await
}

/// A register with something of everything the export must leave out.
struct Seeded {
    live: pb::Agreement,
    full: pb::Agreement,
    draft: pb::Agreement,
    deleted: pb::Agreement,
}

async fn seed(server: &TestServer) -> Seeded {
    create_unit(server, "DISDIK").await;
    create_unit(server, "DLH").await;
    // Signed, in force, with a person among the partners and private details.
    let mut live = ksdpk_pks("DISDIK", "Beasiswa mahasiswa berprestasi");
    live.parties.push(pb::Party {
        document_number: "PERS-0042/KTP".into(),
        ..party(
            "Siti Rahmawati Nurhaliza",
            pb::PartyKind::Individual,
            "",
            "",
        )
    });
    live.parties[0].document_number = "UNTIRTA/PKS/77".into();
    live.document_number = "421/045-DISDIK/2026".into();
    live.objective = "Tujuan internal: rincian anggaran beasiswa".into();
    live.signed_on = "2026-02-01".into();
    live.effective_from = "2026-02-01".into();
    live.effective_until = "2028-01-31".into();
    live.budget_idr = "987654321".into();
    let live = create(server, live).await;
    // Signed, in force, marked public in full.
    let mut full = ksdd_ksb("DLH", "Pengelolaan sampah regional");
    full.public_in_full = true;
    full.budget_idr = "1250000000".into();
    let full = create(server, full).await;
    // Not signed: never published.
    let mut draft = ksdpk_pks("DISDIK", "Rancangan kerja sama pelatihan guru");
    draft.budget_idr = "555444333".into();
    let draft = create(server, draft).await;
    // Signed, then deleted: never published.
    let mut deleted = ksdd_ksb("DLH", "Perjanjian yang dihapus");
    deleted.document_number = "DELETED-DOC-99".into();
    let deleted = create(server, deleted).await;
    server
        .agreements()
        .delete_agreement(authed(
            &server.admin,
            pb::DeleteAgreementRequest {
                name: deleted.name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .expect("delete");
    Seeded {
        live,
        full,
        draft,
        deleted,
    }
}

async fn fetch(server: &TestServer, file: &str) -> (u16, Vec<(String, String)>, String) {
    let (status, headers, body) =
        http_get(server.http_addr, &format!("/public/{file}"), None).await;
    (status, headers, String::from_utf8(body).expect("UTF-8"))
}

#[tokio::test]
async fn the_open_register_publishes_signed_agreements_in_force_without_a_token() {
    let server = public_server().await;
    let seeded = seed(&server).await;

    let (status, headers, csv) = fetch(&server, "public_register.csv").await;
    assert_eq!(status, 200, "{csv}");
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("text/csv"))
    );
    // Caches keep it no longer than the server's own one-minute read.
    let max_age: u64 = headers
        .iter()
        .find(|(k, _)| k == "cache-control")
        .and_then(|(_, v)| v.strip_prefix("public, max-age="))
        .expect("a Cache-Control max-age")
        .parse()
        .unwrap();
    assert!(max_age <= 60, "max-age={max_age}");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, PUBLIC_COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let id = |a: &pb::Agreement| a.name.trim_start_matches("agreements/").to_string();
    let mut ids: Vec<String> = rows.iter().map(|r| r[0].to_string()).collect();
    ids.sort();
    let mut expected = vec![id(&seeded.live), id(&seeded.full)];
    expected.sort();
    assert_eq!(ids, expected, "only signed agreements in force");

    let live = rows.iter().find(|r| r[0] == id(&seeded.live)).unwrap();
    assert_eq!(&live[1], "Beasiswa mahasiswa berprestasi");
    assert_eq!(&live[2], "KSDPK");
    assert_eq!(&live[6], "Dinas DISDIK");
    assert_eq!(&live[11], "ACTIVE");
    assert_eq!(&live[12], "Universitas Sultan Ageng Tirtayasa; INDIVIDUAL");
    assert_eq!(&live[13], "UNIVERSITY; INDIVIDUAL");
    assert_eq!(&live[16], "false");
    assert_eq!(&live[17], "", "no budget unless public in full");
    let full = rows.iter().find(|r| r[0] == id(&seeded.full)).unwrap();
    assert_eq!(&full[16], "true");
    assert_eq!(&full[17], "1250000000");
    assert_eq!(&full[14], "36.71");

    let (status, _, json) = fetch(&server, "public_register.json").await;
    assert_eq!(status, 200);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let agreements = value["agreements"].as_array().unwrap();
    assert_eq!(agreements.len(), 2);
    for a in agreements {
        for key in a.as_object().unwrap().keys() {
            assert!(
                PUBLIC_COLUMNS.contains(&key.as_str()) || key == "parties",
                "{key} is not a public field"
            );
        }
        for p in a["parties"].as_array().unwrap() {
            let mut keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(
                keys,
                [
                    "country_code",
                    "kind",
                    "kind_label",
                    "name",
                    "region_code",
                    "region_name"
                ]
            );
        }
    }

    let (status, _, dictionary) = fetch(&server, "public_register_dictionary.csv").await;
    assert_eq!(status, 200);
    let described: Vec<String> = csv::Reader::from_reader(dictionary.as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    assert_eq!(
        described, PUBLIC_COLUMNS,
        "every column is in the dictionary"
    );

    let (status, _, dcat) = fetch(&server, "dcat.json").await;
    assert_eq!(status, 200);
    let parsed: serde_json::Value = serde_json::from_str(&dcat).unwrap();
    assert_eq!(parsed["@type"], "dcat:Dataset");
    assert_eq!(
        parsed["dct:publisher"]["foaf:name"],
        "Biro Kerja Sama Provinsi Banten"
    );
    // DCAT-AP as JSON-LD, read by an independent processor (PyLD): every key
    // namespaced, the region as dct:spatial by its name, the distributions'
    // download URLs.
    let dir = kerjasama_tests::scratch_dir("dcat");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dcat.json");
    std::fs::write(&path, &dcat).unwrap();
    let checked = std::process::Command::new(crate::clients::python())
        .arg(
            crate::clients::clients_dir()
                .join("python")
                .join("check_dcat.py"),
        )
        .arg(&path)
        .arg(format!("http://{}/public/", server.http_addr))
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "check_dcat.py: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
    assert_eq!(
        summary["spatial"],
        serde_json::json!([REGION, "Provinsi Banten"])
    );
    let urls: Vec<String> = summary["urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_string())
        .collect();
    let base = format!("http://{}/public/", server.http_addr);
    assert_eq!(
        urls,
        [
            format!("{base}public_register.csv"),
            format!("{base}public_register.json"),
            format!("{base}public_register_dictionary.csv"),
        ]
    );
    // The links work.
    for url in urls {
        let path = url.trim_start_matches(&format!("http://{}", server.http_addr));
        assert_eq!(
            http_get(server.http_addr, path, None).await.0,
            200,
            "{path}"
        );
    }
    let (status, _, _) = fetch(&server, "secrets.csv").await;
    assert_eq!(status, 404);
}

/// Every value of every column that is not public, anywhere in the seeded
/// register, is absent from every published file.
#[tokio::test]
async fn nothing_outside_the_public_field_list_is_ever_published() {
    let server = public_server().await;
    let seeded = seed(&server).await;
    let sql = server.sql().await;
    let mut published = String::new();
    for file in ["public_register.csv", "public_register.json", "dcat.json"] {
        let (status, _, body) = fetch(&server, file).await;
        assert_eq!(status, 200);
        published.push_str(&body);
    }
    // Non-public columns of the agreements, read back from the database.
    let mut secrets: Vec<String> = Vec::new();
    for row in sql
        .query(
            "SELECT document_number, objective, coalesce(budget_idr::text, ''), \
                    coalesce(termination_reason, ''), coalesce(cancellation_reason, ''), \
                    public_in_full, title, signed_on IS NOT NULL AND delete_time IS NULL AS live \
             FROM agreements",
            &[],
        )
        .await
        .unwrap()
    {
        let public_in_full: bool = row.get(5);
        let live: bool = row.get(7);
        // The document number is public for a published agreement (it is
        // how a bureau names one), never for one that is not published.
        for i in [1, 3, 4] {
            secrets.push(row.get(i));
        }
        if !public_in_full {
            secrets.push(row.get(2));
        }
        if !live {
            secrets.push(row.get(6));
            secrets.push(row.get(0));
        }
    }
    for row in sql
        .query(
            "SELECT document_number, name, kind FROM agreement_parties",
            &[],
        )
        .await
        .unwrap()
    {
        secrets.push(row.get(0));
        let kind: String = row.get(2);
        if kind == "INDIVIDUAL" {
            secrets.push(row.get(1));
        }
    }
    secrets.retain(|s| s.trim().len() >= 3);
    assert!(
        secrets.len() >= 10,
        "the seeded register has private values"
    );
    for secret in &secrets {
        assert!(
            !published.contains(secret.as_str()),
            "{secret:?} is not public but was published"
        );
    }
    // The ids of agreements that are not published do not appear either.
    for hidden in [&seeded.draft, &seeded.deleted] {
        let id = hidden.name.trim_start_matches("agreements/");
        assert!(!published.contains(id), "{} was published", hidden.name);
    }
    for shown in [&seeded.live, &seeded.full] {
        assert!(published.contains(shown.name.trim_start_matches("agreements/")));
    }
}

#[tokio::test]
async fn the_signed_pdf_is_published_only_for_an_agreement_public_in_full() {
    let server = public_server().await;
    let seeded = seed(&server).await;
    let signed = crate::archive::text_pdf(&["KESEPAKATAN BERSAMA", "Pengelolaan sampah regional"]);
    // Both agreements in force hold their signed text; only `full` is public
    // in full. A draft's scan is never published either.
    crate::archive::filed(&server, &seeded.full, pb::DocumentType::Ksb, &signed).await;
    let live_pdf = crate::archive::text_pdf(&["PERJANJIAN KERJA SAMA", "Beasiswa"]);
    crate::archive::filed(&server, &seeded.live, pb::DocumentType::Pks, &live_pdf).await;
    crate::archive::filed(&server, &seeded.draft, pb::DocumentType::Pks, &live_pdf).await;

    let (status, _, csv) = fetch(&server, "public_register.csv").await;
    assert_eq!(status, 200);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "signed_document")
        .unwrap();
    let links: std::collections::BTreeMap<String, String> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_string(), r[at].to_string())
        })
        .collect();
    let id = |a: &pb::Agreement| a.name.trim_start_matches("agreements/").to_string();
    assert_eq!(
        links[&id(&seeded.full)],
        format!("agreements/{}/signed.pdf", id(&seeded.full))
    );
    assert_eq!(links[&id(&seeded.live)], "", "not public in full: no link");

    // The link, resolved against /public/, serves the signed PDF, no token.
    let (status, headers, body) = http_get(
        server.http_addr,
        &format!("/public/{}", links[&id(&seeded.full)]),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, signed);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/pdf")
    );
    // A damaged copy on disk is never served as the signed original.
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&signed));
    let object = server
        .archive_dir
        .join("objects")
        .join(&sha[..2])
        .join(&sha);
    std::fs::write(&object, b"%PDF-1.4 damaged").unwrap();
    let (status, _, _) = http_get(
        server.http_addr,
        &format!("/public/{}", links[&id(&seeded.full)]),
        None,
    )
    .await;
    assert_eq!(status, 503);
    std::fs::write(&object, &signed).unwrap();
    // Not public in full, not in force, not there at all: the same 404.
    for agreement in [
        id(&seeded.live),
        id(&seeded.draft),
        id(&seeded.deleted),
        uuid::Uuid::now_v7().to_string(),
        "x".into(),
    ] {
        let (status, _, body) = http_get(
            server.http_addr,
            &format!("/public/agreements/{agreement}/signed.pdf"),
            None,
        )
        .await;
        assert_eq!(
            status,
            404,
            "{agreement}: {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[tokio::test]
async fn without_the_flag_nothing_is_published() {
    let server = TestServer::start().await;
    seed(&server).await;
    for file in [
        "public_register.csv",
        "public_register.json",
        "public_register_dictionary.csv",
        "dcat.json",
    ] {
        let (status, _, body) = fetch(&server, file).await;
        assert_eq!(status, 404, "{file}");
        assert!(body.contains("--public-register"), "{body}");
    }
}

#[tokio::test]
async fn a_report_run_writes_the_open_register_when_asked() {
    let server = TestServer::start().await;
    let seeded = seed(&server).await;
    for asked in [false, true] {
        let run = server
            .reports()
            .run_report(authed(
                &server.admin,
                pb::RunReportRequest {
                    public_register: asked,
                    ..Default::default()
                },
            ))
            .await
            .expect("run report")
            .into_inner();
        let run = server.finished(run).await;
        assert_eq!(
            run.state,
            pb::ReportRunState::Succeeded as i32,
            "{}",
            run.error
        );
        assert_eq!(run.public_register, asked);
        let files = [
            "public_register.csv",
            "public_register.json",
            "public_register_dictionary.csv",
            "dcat.json",
        ];
        for file in files {
            assert_eq!(run.files.iter().any(|f| f == file), asked, "{file}");
        }
        if asked {
            let path = format!(
                "/reports/{}/public_register.csv",
                run.name.trim_start_matches("reportRuns/")
            );
            let (status, _, body) = http_get(server.http_addr, &path, Some(&server.admin)).await;
            assert_eq!(status, 200);
            let body = String::from_utf8(body).unwrap();
            assert!(body.contains(seeded.live.name.trim_start_matches("agreements/")));
            assert!(!body.contains("Siti Rahmawati"));
            assert!(!body.contains(seeded.draft.name.trim_start_matches("agreements/")));
            let manifest = std::fs::read_to_string(
                server
                    .reports_dir
                    .join(run.name.trim_start_matches("reportRuns/"))
                    .join("manifest.json"),
            )
            .unwrap();
            assert!(manifest.contains("public_register.json"));
        }
    }
}
