//! `kerjasama seed --synthetic`: a deterministic synthetic register loaded
//! with COPY, whose rows obey the rules the API enforces, read back through
//! the API and reported on.

use std::process::Command;
use std::time::Duration;

use kerjasama_core::CoreError;
use kerjasama_proto::v1 as pb;
use kerjasama_seed::synthetic::{self, SyntheticOptions, synthetic_agreement_id};
use kerjasama_tests::{TestServer, authed, binary, fresh_database};

const N: u64 = 2_000;

async fn load(url: &str, seed: u64) -> Result<synthetic::Summary, CoreError> {
    load_n(url, N, seed).await
}

async fn load_n(url: &str, n: u64, seed: u64) -> Result<synthetic::Summary, CoreError> {
    synthetic::load(url, &SyntheticOptions::new(n, seed), &mut |_| {}).await
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// (table, rows, md5 of every row as JSON in a fixed order). The identity ids
/// of `stage_reschedules` and `recommendation_status_changes` come from
/// sequences, so they are left out.
async fn digests(client: &tokio_postgres::Client) -> Vec<(String, i64, String)> {
    let mut out = Vec::new();
    for table in synthetic::TABLES {
        let without = if matches!(table, "stage_reschedules" | "recommendation_status_changes") {
            " - 'id'"
        } else {
            ""
        };
        let row = client
            .query_one(
                &format!(
                    "SELECT count(*), coalesce(md5(string_agg(j, E'\\n' ORDER BY j)), '') \
                     FROM (SELECT (to_jsonb(t){without})::text AS j FROM {table} t) s"
                ),
                &[],
            )
            .await
            .unwrap();
        out.push((table.to_string(), row.get(0), row.get(1)));
    }
    out
}

async fn count(client: &tokio_postgres::Client, sql: &str) -> i64 {
    client
        .query_one(&format!("SELECT count(*) FROM ({sql}) q"), &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .get(0)
}

/// Rules the API enforces (services/core: agreements, stages, benefits,
/// implementation_reports, meetings) that the schema alone does not: each
/// query selects the rows that break one. As of the register's date.
const RULES: &[(&str, &str)] = &[
    (
        "an agreement has exactly its template's stages, at the template's positions",
        "SELECT a.id FROM agreements a
         JOIN stage_templates t ON t.cooperation_type = a.cooperation_type
          AND t.document_kind = a.document_kind AND t.with_parent = (a.parent_id IS NOT NULL)
         FULL JOIN agreement_stages s ON s.agreement_id = a.id AND s.code = t.stage_code
         WHERE s.code IS NULL OR t.stage_code IS NULL OR s.position <> t.position",
    ),
    (
        "no stage moved while an earlier one is pending or in progress",
        "SELECT 1 FROM agreement_stages s WHERE s.status IN ('IN_PROGRESS', 'DONE', 'SKIPPED')
         AND EXISTS (SELECT 1 FROM agreement_stages p WHERE p.agreement_id = s.agreement_id
                     AND p.position < s.position AND p.status IN ('PENDING', 'IN_PROGRESS'))",
    ),
    (
        "a stage starts the day the previous one settled",
        "SELECT 1 FROM agreement_stages s
         JOIN LATERAL (SELECT p.completed_on FROM agreement_stages p
                       WHERE p.agreement_id = s.agreement_id AND p.position < s.position
                         AND p.status IN ('DONE', 'SKIPPED')
                       ORDER BY p.position DESC LIMIT 1) prev ON true
         WHERE s.started_on IS NOT NULL AND NOT s.backfilled AND s.started_on <> prev.completed_on",
    ),
    (
        "the SLA due date is the start plus the template's target",
        "SELECT 1 FROM agreement_stages s JOIN agreements a ON a.id = s.agreement_id
         JOIN stage_templates t ON t.cooperation_type = a.cooperation_type
          AND t.document_kind = a.document_kind AND t.with_parent = (a.parent_id IS NOT NULL)
          AND t.stage_code = s.code
         WHERE (s.started_on IS NULL) <> (s.sla_due_on IS NULL)
            OR s.sla_due_on <> s.started_on + t.target_days",
    ),
    (
        "signed exactly when the signing stage is done, on its date",
        "SELECT 1 FROM agreements a JOIN agreement_stages s ON s.agreement_id = a.id
         JOIN stage_definitions d ON d.code = s.code AND d.signs
         WHERE (a.signed_on IS NULL) <> (s.status <> 'DONE') OR a.signed_on <> s.completed_on",
    ),
    (
        "the process started on the first stage's start",
        "SELECT 1 FROM agreements a
         LEFT JOIN LATERAL (SELECT min(coalesce(started_on, completed_on)) AS first
                            FROM agreement_stages s WHERE s.agreement_id = a.id) f ON true
         WHERE a.process_started_on IS DISTINCT FROM f.first",
    ),
    (
        "the DPRD stage applies exactly when DPRD approval is required",
        "SELECT 1 FROM agreements a JOIN agreement_stages s ON s.agreement_id = a.id
         JOIN stage_definitions d ON d.code = s.code AND d.dprd
         WHERE (s.status = 'NOT_APPLICABLE') = a.dprd_approval_required",
    ),
    (
        "only skippable stages are skipped",
        "SELECT 1 FROM agreement_stages WHERE status = 'SKIPPED' AND NOT skippable",
    ),
    (
        "no stage event after the register's date or the agreement's end",
        "SELECT 1 FROM agreement_stages s JOIN agreements a ON a.id = s.agreement_id
         WHERE s.started_on > DATE '2026-09-30'
            OR s.completed_on > least(coalesce(a.terminated_on, a.cancelled_on, DATE '2026-09-30'),
                                      DATE '2026-09-30')",
    ),
    (
        "reschedules are decided while the stage is in progress, in a chain of due dates",
        "SELECT 1 FROM (SELECT r.*, lag(new_due_on) OVER (PARTITION BY agreement_id, stage_code
                                                          ORDER BY decided_on, id) AS prev
                        FROM stage_reschedules r) r
         JOIN agreement_stages s ON s.agreement_id = r.agreement_id AND s.code = r.stage_code
         JOIN agreements a ON a.id = r.agreement_id
         WHERE r.decided_on < s.started_on OR r.new_due_on < s.started_on OR s.backfilled
            OR r.decided_on > coalesce(s.completed_on, least(coalesce(a.terminated_on,
                              a.cancelled_on, DATE '2026-09-30'), DATE '2026-09-30'))
            OR s.status NOT IN ('IN_PROGRESS', 'DONE')
            OR r.previous_due_on <> coalesce(r.prev, s.sla_due_on)
            OR r.region_code <> a.region_code",
    ),
    (
        "a parent comes first, in the same region and type, of a kind the child may have, signed before the child started",
        "SELECT 1 FROM agreements c JOIN agreements p ON p.id = c.parent_id
         WHERE p.region_code <> c.region_code OR p.cooperation_type <> c.cooperation_type
            OR p.id >= c.id OR c.process_started_on < p.signed_on
            OR NOT ((c.document_kind = 'ADDENDUM' AND p.document_kind IN ('KSB', 'PKS', 'NOTA_KESEPAKATAN'))
                 OR (c.document_kind = 'PKS' AND p.document_kind = 'KSB')
                 OR (c.document_kind IN ('KSB', 'PKS') AND p.document_kind = 'LOI'
                     AND c.cooperation_type IN ('KSDPL', 'KSDLL')))",
    ),
    (
        "document kinds fit the cooperation type; only KSDD has a basis",
        "SELECT 1 FROM agreements
         WHERE (document_kind = 'LOI' AND cooperation_type NOT IN ('KSDPL', 'KSDLL'))
            OR (document_kind IN ('KSB', 'PKS') AND cooperation_type = 'SINERGI')
            OR (document_kind = 'NOTA_KESEPAKATAN' AND cooperation_type <> 'SINERGI')
            OR (cooperation_type = 'KSDD') <> (ksdd_basis IS NOT NULL)",
    ),
    (
        "the unit belongs to the agreement's region",
        "SELECT 1 FROM agreements a JOIN units u ON u.code = a.unit_code
         WHERE u.region_code <> a.region_code",
    ),
    (
        "every party is of a kind the type allows, with the right region or country",
        "SELECT 1 FROM agreement_parties p JOIN agreements a ON a.id = p.agreement_id
         WHERE p.region_code <> a.region_code OR NOT (
            (a.cooperation_type = 'KSDD'
             AND p.kind IN ('PROVINCE_GOVERNMENT', 'REGENCY_GOVERNMENT', 'CITY_GOVERNMENT')
             AND p.party_region_code <> a.region_code AND p.country_code IS NULL
             AND length(p.party_region_code) = CASE p.kind WHEN 'PROVINCE_GOVERNMENT' THEN 2 ELSE 5 END)
         OR (a.cooperation_type = 'KSDPK' AND p.party_region_code IS NULL AND p.country_code IS NULL
             AND p.kind IN ('INDIVIDUAL', 'STATE_OWNED_ENTERPRISE', 'REGION_OWNED_ENTERPRISE',
                            'PRIVATE_COMPANY', 'COMMUNITY_ORGANISATION', 'UNIVERSITY',
                            'OTHER_NON_GOVERNMENT'))
         OR (a.cooperation_type = 'KSDPL' AND p.kind = 'FOREIGN_REGIONAL_GOVERNMENT'
             AND p.country_code <> 'ID' AND p.party_region_code IS NULL)
         OR (a.cooperation_type = 'KSDLL' AND p.kind = 'FOREIGN_INSTITUTION'
             AND p.country_code <> 'ID' AND p.party_region_code IS NULL)
         OR (a.cooperation_type = 'SINERGI' AND p.kind = 'MINISTRY'
             AND p.party_region_code IS NULL AND p.country_code IS NULL))",
    ),
    (
        "every agreement has 1 to 4 parties",
        "SELECT a.id FROM agreements a LEFT JOIN agreement_parties p ON p.agreement_id = a.id
         GROUP BY a.id HAVING count(p.*) NOT BETWEEN 1 AND 4",
    ),
    (
        "only signed records are terminated, only unsigned ones cancelled, never in the future",
        "SELECT 1 FROM agreements
         WHERE (terminated_on IS NOT NULL AND (signed_on IS NULL OR terminated_on < signed_on))
            OR (cancelled_on IS NOT NULL AND signed_on IS NOT NULL)
            OR greatest(signed_on, terminated_on, cancelled_on) > DATE '2026-09-30'",
    ),
    (
        "implementation reports: signed PKS, KSB or Nota, a cycle of the in-force period, submitted after it began",
        "SELECT 1 FROM implementation_reports r JOIN agreements a ON a.id = r.agreement_id
         CROSS JOIN LATERAL (SELECT CASE a.reporting_cycle WHEN 'QUARTERLY' THEN 3
                                    WHEN 'SEMESTER' THEN 6 ELSE 12 END AS months) c
         WHERE a.document_kind IN ('ADDENDUM', 'LOI') OR a.signed_on IS NULL
            OR extract(day FROM r.cycle_start) <> 1
            OR (extract(month FROM r.cycle_start)::int - 1) % c.months <> 0
            OR r.cycle_end <> (r.cycle_start + make_interval(months => c.months))::date - 1
            OR r.cycle_end < greatest(a.signed_on, coalesce(a.effective_from, a.signed_on))
            OR r.cycle_start > least(a.effective_until, a.terminated_on)
            OR r.submitted_on < r.cycle_start OR r.submitted_on > DATE '2026-09-30'",
    ),
    (
        "realisations: of the agreement's indicator, inside the in-force period (plus 90 days), whole rupiah",
        "SELECT 1 FROM benefit_realisations r JOIN agreements a ON a.id = r.agreement_id
         JOIN benefit_indicators i ON i.id = r.indicator_id
         WHERE i.agreement_id <> r.agreement_id OR a.signed_on IS NULL
            OR a.document_kind IN ('ADDENDUM', 'LOI')
            OR r.period_start < coalesce(a.effective_from, a.signed_on)
            OR r.period_end > DATE '2026-09-30'
            OR r.period_end > least(a.effective_until, a.terminated_on) + 90
            OR (i.unit_of_measure = 'IDR' AND scale(r.value) > 0)",
    ),
    (
        "realisation periods of an indicator never overlap",
        "SELECT 1 FROM benefit_realisations r JOIN benefit_realisations o
           ON o.indicator_id = r.indicator_id AND o.id <> r.id
          AND o.period_start <= r.period_end AND o.period_end >= r.period_start",
    ),
    (
        "findings and recommendations stay in the meeting's region",
        "SELECT 1 FROM meeting_findings f JOIN evaluation_meetings m ON m.id = f.meeting_id
         LEFT JOIN agreements a ON a.id = f.agreement_id
         LEFT JOIN recommendations r ON r.finding_id = f.id
         LEFT JOIN units u ON u.code = r.responsible_unit
         WHERE f.region_code <> m.region_code OR a.region_code <> m.region_code
            OR u.region_code <> m.region_code OR r.region_code <> m.region_code",
    ),
    (
        "a recommendation's status is its last status change, none before the meeting",
        "SELECT 1 FROM recommendations r JOIN evaluation_meetings m ON m.id = r.meeting_id
         WHERE r.status <> (SELECT c.status FROM recommendation_status_changes c
                            WHERE c.recommendation_id = r.id ORDER BY changed_on DESC, id DESC LIMIT 1)
            OR EXISTS (SELECT 1 FROM recommendation_status_changes c WHERE c.recommendation_id = r.id
                       AND (c.changed_on < m.held_on OR c.changed_on > DATE '2026-09-30'))",
    ),
    (
        "meeting participants are units of the region",
        "SELECT 1 FROM evaluation_meetings m, unnest(m.participant_units) AS p(code)
         LEFT JOIN units u ON u.code = p.code
         WHERE u.region_code IS DISTINCT FROM m.region_code",
    ),
    (
        "documents belong to signed agreements of the same region",
        "SELECT 1 FROM agreement_documents d JOIN agreements a ON a.id = d.agreement_id
         WHERE a.signed_on IS NULL OR d.document_date > DATE '2026-09-30'
            OR d.region_code <> a.region_code",
    ),
];

#[tokio::test]
async fn a_synthetic_register_is_deterministic_plausible_and_follows_the_rules() {
    let first = fresh_database().await;
    let second = fresh_database().await;
    let other = fresh_database().await;
    let summary = load(&first.url, 7).await.expect("first load");
    load(&second.url, 7).await.expect("second load");
    load(&other.url, 8).await.expect("load with another seed");
    let sql = connect(&first.url).await;

    // Byte for byte the same rows from the same N and seed; others from another seed.
    let digest = digests(&sql).await;
    assert_eq!(digest, digests(&connect(&second.url).await).await);
    let another = digests(&connect(&other.url).await).await;
    assert_ne!(digest[1], another[1], "agreements differ with the seed");
    for (table, rows, _) in &digest {
        assert_eq!(
            *rows as u64,
            summary.rows_of(table),
            "{table}: the summary counts what landed"
        );
    }

    // Plausible sizes.
    let rows = |table: &str| summary.rows_of(table);
    assert_eq!(summary.regions, 2);
    assert_eq!(rows("agreements"), N);
    assert!((40..=80).contains(&rows("units")), "{}", rows("units"));
    assert!((N..=4 * N).contains(&rows("agreement_parties")));
    assert!((3 * N..=11 * N).contains(&rows("agreement_stages")));
    assert!(rows("stage_reschedules") > N / 20);
    assert!(rows("agreement_documents") > N / 2);
    assert!(rows("benefit_indicators") > N / 2);
    assert!(rows("benefit_realisations") > rows("benefit_indicators"));
    assert!(rows("implementation_reports") > N);
    assert!(rows("evaluation_meetings") >= 10);
    assert!(rows("meeting_findings") >= 2 * rows("evaluation_meetings"));
    assert!(rows("recommendations") >= rows("meeting_findings"));
    assert!(rows("recommendation_status_changes") > rows("recommendations"));
    let first_ids: Vec<String> = sql
        .query(
            "SELECT id::text FROM agreements ORDER BY create_time, id LIMIT 2",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        first_ids,
        [
            synthetic_agreement_id(1).to_string(),
            synthetic_agreement_id(2).to_string()
        ]
    );
    let regions: Vec<(String, i64)> = sql
        .query(
            "SELECT region_code::text, count(*) FROM agreements GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(
        regions,
        [("32".to_string(), 1_000), ("36".to_string(), 1_000)]
    );

    // The five types in about their shares, every state, the chains.
    for (ctype, low, high) in [
        ("KSDD", 28, 42),
        ("KSDPK", 24, 36),
        ("SINERGI", 10, 21),
        ("KSDPL", 7, 17),
        ("KSDLL", 4, 12),
    ] {
        let share = count(
            &sql,
            &format!("SELECT 1 FROM agreements WHERE cooperation_type = '{ctype}'"),
        )
        .await
            * 100
            / N as i64;
        assert!((low..=high).contains(&share), "{ctype}: {share} %");
    }
    for state in [
        "DRAFT",
        "IN_PROCESS",
        "ACTIVE",
        "EXPIRED",
        "TERMINATED",
        "CANCELLED",
    ] {
        let n = count(
            &sql,
            &format!(
                "SELECT 1 FROM agreements WHERE agreement_state(signed_on, effective_until, \
                 process_started_on, terminated_on, cancelled_on, DATE '2026-09-30') = '{state}'"
            ),
        )
        .await;
        assert!(n >= 5, "{state}: {n}");
    }
    for (what, query) in [
        (
            "PKS under a KSB",
            "SELECT 1 FROM agreements c JOIN agreements p ON p.id = c.parent_id \
             WHERE c.document_kind = 'PKS' AND p.document_kind = 'KSB'",
        ),
        (
            "KSB after an LOI",
            "SELECT 1 FROM agreements c JOIN agreements p ON p.id = c.parent_id \
             WHERE c.document_kind = 'KSB' AND p.document_kind = 'LOI'",
        ),
        (
            "ADDENDUM under a PKS",
            "SELECT 1 FROM agreements c JOIN agreements p ON p.id = c.parent_id \
             WHERE c.document_kind = 'ADDENDUM' AND p.document_kind = 'PKS'",
        ),
        (
            "KSB signed long ago without a PKS",
            "SELECT 1 FROM agreements k WHERE k.document_kind = 'KSB' AND k.signed_on < DATE '2026-04-01' \
             AND NOT EXISTS (SELECT 1 FROM agreements c WHERE c.parent_id = k.id)",
        ),
        (
            "overdue open stage",
            "SELECT 1 FROM agreement_stages WHERE status = 'IN_PROGRESS' AND sla_due_on < DATE '2026-09-30'",
        ),
        (
            "backfilled stage",
            "SELECT 1 FROM agreement_stages WHERE backfilled",
        ),
        (
            "skipped stage",
            "SELECT 1 FROM agreement_stages WHERE status = 'SKIPPED'",
        ),
        (
            "late report",
            "SELECT 1 FROM implementation_reports WHERE submitted_on > cycle_end + 30",
        ),
        (
            "IDR indicator",
            "SELECT 1 FROM benefit_indicators WHERE unit_of_measure = 'IDR'",
        ),
        (
            "other indicator",
            "SELECT 1 FROM benefit_indicators WHERE unit_of_measure <> 'IDR'",
        ),
        (
            "overdue open recommendation",
            "SELECT 1 FROM recommendations WHERE status = 'OPEN' AND due_on < DATE '2026-09-30'",
        ),
        (
            "closed recommendation",
            "SELECT 1 FROM recommendations WHERE status IN ('DONE', 'DROPPED')",
        ),
    ] {
        assert!(count(&sql, query).await > 0, "no {what}");
    }

    // Rows the API could have written.
    for (rule, query) in RULES {
        assert_eq!(count(&sql, query).await, 0, "broken: {rule}");
    }

    // A register that is not empty is refused, and nothing changes.
    match load(&first.url, 7).await {
        Err(CoreError::FailedPrecondition(message)) => {
            assert!(message.contains("not empty"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(digests(&sql).await, digest);
}

#[tokio::test]
async fn the_api_reads_a_synthetic_register_and_reports_on_it() {
    let server = TestServer::start().await;
    load(&server.db.url, 1).await.expect("synthetic load");
    let mut agreements = server.agreements();

    let first = agreements
        .get_agreement(authed(
            &server.admin,
            pb::GetAgreementRequest {
                name: format!("agreements/{}", synthetic_agreement_id(1)),
            },
        ))
        .await
        .expect("agreement 1 by its computed id")
        .into_inner();
    assert_eq!(first.region_code, "36");
    assert!(!first.title.is_empty() && first.unit.starts_with("units/36-"));
    let last = agreements
        .get_agreement(authed(
            &server.admin,
            pb::GetAgreementRequest {
                name: format!("agreements/{}", synthetic_agreement_id(N)),
            },
        ))
        .await
        .expect("agreement N")
        .into_inner();
    assert_eq!(last.region_code, "32");

    // Newest first: N, N-1, ...
    let page = agreements
        .list_agreements(authed(
            &server.admin,
            pb::ListAgreementsRequest {
                page_size: 50,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.agreements.len(), 50);
    assert!(!page.next_page_token.is_empty());
    let names: Vec<String> = page.agreements.iter().map(|a| a.name.clone()).collect();
    let expected: Vec<String> = (N - 49..=N)
        .rev()
        .map(|n| format!("agreements/{}", synthetic_agreement_id(n)))
        .collect();
    assert_eq!(names, expected);
    let banten = agreements
        .list_agreements(authed(
            &server.admin,
            pb::ListAgreementsRequest {
                page_size: 200,
                region_code: "36".into(),
                cooperation_types: vec![pb::CooperationType::Ksdpl as i32],
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!banten.agreements.is_empty());
    assert!(
        banten
            .agreements
            .iter()
            .all(|a| a.region_code == "36"
                && a.cooperation_type == pb::CooperationType::Ksdpl as i32)
    );

    let stages = server
        .stages()
        .list_stages(authed(
            &server.admin,
            pb::ListStagesRequest {
                parent: first.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .stages;
    assert!(stages.len() >= 3, "{stages:?}");

    // A report over the whole register.
    let run = server
        .reports()
        .run_report(authed(
            &server.admin,
            pb::RunReportRequest {
                as_of: "2026-09-30".into(),
                period_start: "2026-07-01".into(),
                period_end: "2026-09-30".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let mut run = run;
    for _ in 0..1_200 {
        if run.state == pb::ReportRunState::Succeeded as i32
            || run.state == pb::ReportRunState::Failed as i32
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        run = server
            .reports()
            .get_report_run(authed(
                &server.admin,
                pb::GetReportRunRequest {
                    name: run.name.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
    }
    assert_eq!(
        run.state,
        pb::ReportRunState::Succeeded as i32,
        "{}",
        run.error
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &crate::reports::download(&server, &run.name, "manifest.json")
            .await
            .unwrap(),
    )
    .unwrap();
    let rows_of = |table: &str| {
        manifest["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == table)
            .and_then(|t| t["rows"].as_u64())
            .unwrap_or(0)
    };
    assert_eq!(rows_of("counts_by_type"), 5);
    for table in [
        "overdue_stages",
        "stages_completed_late",
        "renewal_watch",
        "realised_benefits",
        "follow_up_ksb_without_pks",
        "follow_up_report_cycles",
        "follow_up_no_realisation",
        "follow_up_overdue_recommendations",
        "follow_up_missing_documents",
        "agreement_register",
    ] {
        assert!(rows_of(table) > 0, "{table} is empty: {manifest}");
    }

    // The meeting pack of a large register stays readable: a chart shows at
    // most 12 units (the largest) and says where the rest are; a list stops
    // at 40 rows with a pointer to its workbook sheet.
    let pdf = crate::reports::download(&server, &run.name, "meeting_pack.pdf")
        .await
        .unwrap();
    let dir = kerjasama_tests::scratch_dir("synthetic-pack");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("meeting_pack.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let text = crate::reports::poppler("pdftotext", &[], &path);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Grafik menampilkan 12 OPD teratas dari")
            && flat.contains("selengkapnya di lembar \"Tahapan terlambat per OPD\" di report.xlsx"),
        "{flat}"
    );
    if rows_of("renewal_watch") > 40 {
        let more = rows_of("renewal_watch") - 40;
        assert!(
            flat.contains(&format!(
                "dan {more} baris lainnya: lihat lembar \"Pemantauan perpanjangan\" di report.xlsx"
            )),
            "{flat}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_binary_seeds_a_synthetic_register_with_progress_and_refuses_a_second_one() {
    let db = fresh_database().await;
    let url = db.url.clone();
    let seed = move || {
        Command::new(binary())
            .args(["seed", "--synthetic", "--agreements", "300", "--seed", "3"])
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let first = tokio::task::spawn_blocking(seed.clone()).await.unwrap();
    assert!(first.status.success(), "{first:?}");
    let stdout = String::from_utf8_lossy(&first.stdout);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(
        stdout.contains("loaded a synthetic register (seed 3): 300 agreements in 2 regions"),
        "{stdout}"
    );
    assert!(stdout.contains("agreement_stages"), "{stdout}");
    // Not a terminal: plain progress lines, no escapes.
    assert!(
        stderr.contains("synthetic register: done") && stderr.contains("agreements 300"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    let sql = connect(&db.url).await;
    assert_eq!(count(&sql, "SELECT 1 FROM agreements").await, 300);

    let second = tokio::task::spawn_blocking(seed).await.unwrap();
    assert!(!second.status.success());
    assert!(
        String::from_utf8_lossy(&second.stderr).contains("not empty"),
        "{second:?}"
    );
    assert_eq!(count(&sql, "SELECT 1 FROM agreements").await, 300);

    // --agreements belongs to --synthetic.
    let url = db.url.clone();
    let stray = tokio::task::spawn_blocking(move || {
        Command::new(binary())
            .args(["seed", "--agreements", "5"])
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(stray.status.code(), Some(2), "{stray:?}");
}

/// The schema as the catalogue describes it: constraints and indexes of every table.
async fn schema(client: &tokio_postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) \
             FROM pg_constraint WHERE connamespace = current_schema()::regnamespace \
             UNION ALL SELECT pg_get_indexdef(indexrelid) FROM pg_index i \
             JOIN pg_class c ON c.oid = i.indexrelid \
             WHERE c.relnamespace = current_schema()::regnamespace ORDER BY 1",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

#[tokio::test]
async fn a_role_that_does_not_own_the_tables_loads_the_same_rows_with_every_check_row_by_row() {
    // The owner's load (truncate, COPY FREEZE, keys and indexes dropped and
    // built again) against a plain application role's (none of that).
    let owned = fresh_database().await;
    let granted = fresh_database().await;
    let owner = connect(&granted.url).await;
    let before = schema(&owner).await;
    let role = format!("loader_{}", uuid::Uuid::now_v7().simple());
    owner
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'loader-secret';
             GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
             GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role};"
        ))
        .await
        .unwrap();
    let (_, rest) = granted.url.split_once('@').unwrap();
    let as_role = format!("postgres://{role}:loader-secret@{rest}");

    let summary = load_n(&as_role, 500, 5)
        .await
        .expect("load as a plain role");
    load_n(&owned.url, 500, 5).await.expect("load as the owner");
    assert_eq!(summary.rows_of("agreements"), 500);
    assert_eq!(
        digests(&owner).await,
        digests(&connect(&owned.url).await).await
    );
    assert_eq!(schema(&owner).await, before);
    assert_eq!(schema(&connect(&owned.url).await).await, before);
    owner
        .batch_execute(&format!(
            "REASSIGN OWNED BY {role} TO CURRENT_USER; DROP OWNED BY {role}; DROP ROLE {role};"
        ))
        .await
        .unwrap();
}

/// Each phase of a report run logs its seconds and the process's resident
/// memory (now and at its peak), and the run ends by handing the memory it
/// freed back to the kernel, logged with the figure before and after.
#[tokio::test]
async fn a_report_run_logs_each_phase_with_its_memory_and_releases_what_it_freed() {
    let db = fresh_database().await;
    let url = db.url.clone();
    let dir = kerjasama_tests::scratch_dir("report-phases");
    let out = dir.join("out");
    let output = tokio::task::spawn_blocking(move || {
        let seeded = Command::new(binary())
            .args(["seed", "--synthetic", "--agreements", "200", "--seed", "5"])
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        assert!(seeded.status.success(), "{seeded:?}");
        Command::new(binary())
            .args(["--log", "info", "--log-format", "json", "report", "run"])
            .args(["--as-of", "2026-09-30", "--out"])
            .arg(&out)
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let phases: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| {
            entry["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("report phase: "))
        })
        .collect();
    let names: Vec<&str> = phases
        .iter()
        .map(|p| p["fields"]["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "report phase: register loaded",
            "report phase: metrics computed",
            "report phase: CSV and Parquet written",
            "report phase: workbook written",
            "report phase: meeting pack written",
            "report phase: freed memory released",
        ],
        "{text}"
    );
    for phase in &phases {
        let rss = phase["fields"]["rss_mib"].as_u64().unwrap_or(0);
        let peak = phase["fields"]["peak_rss_mib"].as_u64().unwrap_or(0);
        assert!(rss > 0 && rss <= peak, "{phase}");
    }
    let last = phases.last().unwrap();
    assert!(
        last["fields"]["rss_before_mib"].as_u64().unwrap_or(0) > 0,
        "{last}"
    );
    assert!(
        phases[..5]
            .iter()
            .all(|p| p["fields"]["seconds"].is_number())
    );
    let _ = std::fs::remove_dir_all(dir);
}
