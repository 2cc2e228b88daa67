//! The state derivation: one SQL function, checked on a table of cases,
//! including dates in the past.

use kerjasama_tests::TestServer;

#[tokio::test]
async fn the_state_of_an_agreement_follows_its_dates_as_of_any_day() {
    let server = TestServer::start().await;
    let sql = server.sql().await;
    // signed, until, process started, terminated, cancelled, as of → state
    let cases: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
        ("", "", "", "", "", "2026-01-01", "DRAFT"),
        ("", "", "2026-02-01", "", "", "2026-01-31", "DRAFT"),
        ("", "", "2026-02-01", "", "", "2026-02-01", "IN_PROCESS"),
        (
            "2026-03-01",
            "",
            "2026-02-01",
            "",
            "",
            "2026-02-28",
            "IN_PROCESS",
        ),
        (
            "2026-03-01",
            "",
            "2026-02-01",
            "",
            "",
            "2026-03-01",
            "ACTIVE",
        ),
        (
            "2026-03-01",
            "2027-02-28",
            "2026-02-01",
            "",
            "",
            "2027-02-28",
            "ACTIVE",
        ),
        (
            "2026-03-01",
            "2027-02-28",
            "2026-02-01",
            "",
            "",
            "2027-03-01",
            "EXPIRED",
        ),
        (
            "2026-03-01",
            "2030-01-01",
            "2026-03-01",
            "2026-09-30",
            "",
            "2026-09-29",
            "ACTIVE",
        ),
        (
            "2026-03-01",
            "2030-01-01",
            "2026-03-01",
            "2026-09-30",
            "",
            "2026-09-30",
            "TERMINATED",
        ),
        (
            "2026-03-01",
            "2026-06-30",
            "2026-03-01",
            "2026-09-30",
            "",
            "2026-10-01",
            "TERMINATED",
        ),
        (
            "",
            "",
            "2026-02-01",
            "",
            "2026-04-01",
            "2026-03-31",
            "IN_PROCESS",
        ),
        (
            "",
            "",
            "2026-02-01",
            "",
            "2026-04-01",
            "2026-04-01",
            "CANCELLED",
        ),
        ("", "", "", "", "2026-04-01", "2026-05-01", "CANCELLED"),
    ];
    for (signed, until, started, terminated, cancelled, as_of, expected) in cases {
        let date = |s: &str| {
            (!s.is_empty()).then(|| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
        };
        let state: String = sql
            .query_one(
                "SELECT agreement_state($1, $2, $3, $4, $5, $6)",
                &[
                    &date(signed),
                    &date(until),
                    &date(started),
                    &date(terminated),
                    &date(cancelled),
                    &date(as_of).unwrap(),
                ],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            &state, expected,
            "{signed} {until} {started} {terminated} {cancelled} as of {as_of}"
        );
    }
}
