//! ReportScheduleService and the scheduler: every tick exactly once across
//! instances, one catch-up run after downtime, retention, failures recorded.

use std::time::Duration;

use chrono::{DateTime, Utc};
use kerjasama_core::codes::Role;
use kerjasama_core::pool::{self, PoolSettings};
use kerjasama_jobs::scheduler::{self, SchedulerConfig};
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use prost_types::FieldMask;
use tonic::Code;

fn every_five_minutes(keep_runs: i32) -> pb::ReportSchedule {
    pb::ReportSchedule {
        display_name: "Setiap lima menit".into(),
        cron: "*/5 * * * *".into(),
        period_rule: "CURRENT_QUARTER".into(),
        tables: vec!["counts_by_type".into(), "overdue_stages".into()],
        keep_runs,
        ..Default::default()
    }
}

async fn create(
    server: &TestServer,
    schedule: pb::ReportSchedule,
) -> Result<pb::ReportSchedule, tonic::Status> {
    server
        .schedules()
        .create_report_schedule(authed(
            &server.admin,
            pb::CreateReportScheduleRequest {
                report_schedule: Some(schedule),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

fn config(server: &TestServer, root: std::path::PathBuf) -> SchedulerConfig {
    SchedulerConfig {
        database_url: server.db.url.clone(),
        reports_root: root,
        interval: Duration::from_secs(60),
        portal_url_template: None,
    }
}

/// The first five-minute boundary after `t`.
fn next_boundary(t: DateTime<Utc>) -> DateTime<Utc> {
    let secs = t.timestamp();
    DateTime::from_timestamp(secs - secs.rem_euclid(300) + 300, 0).unwrap()
}

async fn runs_of(server: &TestServer, schedule: &str) -> Vec<(DateTime<Utc>, String)> {
    let id = uuid::Uuid::parse_str(schedule.trim_start_matches("reportSchedules/")).unwrap();
    server
        .sql()
        .await
        .query(
            "SELECT scheduled_for, state FROM report_runs WHERE schedule_id = $1 ORDER BY scheduled_for",
            &[&id],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

#[tokio::test]
async fn two_scheduler_instances_run_each_tick_exactly_once_and_catch_up_once() {
    let server = TestServer::start().await;
    let schedule = create(&server, every_five_minutes(100)).await.unwrap();
    let other_pool = pool::connect(&server.db.url, &PoolSettings::default()).unwrap();
    let config = config(&server, server.reports_dir.clone());
    let first = next_boundary(Utc::now());
    let mut ran = 0;
    for n in 0..3 {
        let now = first + chrono::Duration::minutes(5 * n) + chrono::Duration::seconds(1);
        let (a, b) = tokio::join!(
            scheduler::tick(&server.db.pool, &config, now),
            scheduler::tick(&other_pool, &config, now)
        );
        ran += a.unwrap().len() + b.unwrap().len();
    }
    assert_eq!(ran, 3, "three ticks, three runs, whoever ran them");
    let runs = runs_of(&server, &schedule.name).await;
    assert_eq!(runs.len(), 3);
    assert!(
        runs.iter().all(|(_, state)| state == "SUCCEEDED"),
        "{runs:?}"
    );
    assert_eq!(runs[0].0, first);

    // An hour of downtime: twelve missed ticks, one catch-up run, for the latest.
    let after_downtime = first + chrono::Duration::minutes(10 + 60) + chrono::Duration::seconds(30);
    let caught_up = scheduler::tick(&other_pool, &config, after_downtime)
        .await
        .unwrap();
    assert_eq!(caught_up.len(), 1);
    let runs = runs_of(&server, &schedule.name).await;
    assert_eq!(runs.len(), 4);
    assert_eq!(runs[3].0, first + chrono::Duration::minutes(70));
    // Nothing more is due at the same instant.
    assert!(
        scheduler::tick(&server.db.pool, &config, after_downtime)
            .await
            .unwrap()
            .is_empty()
    );

    // The schedule's runs through the API, newest first.
    let listed = server
        .reports()
        .list_report_runs(authed(
            &server.admin,
            pb::ListReportRunsRequest {
                schedule: schedule.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .report_runs;
    assert_eq!(listed.len(), 4);
    assert!(
        listed
            .iter()
            .all(|r| r.schedule == schedule.name && r.scheduled_for.is_some())
    );
    let status = server
        .reports()
        .list_report_runs(authed(
            &server.admin,
            pb::ListReportRunsRequest {
                schedule: "weekly".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("schedule"));

    // A scheduled run writes only the tables it asked for, and its manifest.
    assert_eq!(
        caught_up[0].files,
        [
            "counts_by_type.csv",
            "counts_by_type.parquet",
            "overdue_stages.csv",
            "overdue_stages.parquet",
            "report.xlsx",
            "meeting_pack.html",
            "meeting_pack.pdf",
            "manifest.json"
        ]
    );
}

#[tokio::test]
async fn old_runs_beyond_keep_runs_are_deleted_with_their_files() {
    let server = TestServer::start().await;
    let schedule = create(&server, every_five_minutes(2)).await.unwrap();
    let config = config(&server, server.reports_dir.clone());
    let first = next_boundary(Utc::now());
    let mut folders = Vec::new();
    for n in 0..4 {
        let now = first + chrono::Duration::minutes(5 * n);
        let ran = scheduler::tick(&server.db.pool, &config, now)
            .await
            .unwrap();
        folders.push(std::path::PathBuf::from(&ran[0].output_dir));
    }
    let runs = runs_of(&server, &schedule.name).await;
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0].0, first + chrono::Duration::minutes(10));
    assert!(!folders[0].exists() && !folders[1].exists());
    assert!(folders[2].exists() && folders[3].exists());
}

#[tokio::test]
async fn a_failed_scheduled_run_is_recorded_and_publishes_nothing() {
    let server = TestServer::start().await;
    let schedule = create(&server, every_five_minutes(10)).await.unwrap();
    // The reports root is a file: the run cannot write its folder.
    let root = server.reports_dir.with_extension("not-a-folder");
    std::fs::create_dir_all(root.parent().unwrap()).unwrap();
    std::fs::write(&root, b"x").unwrap();
    let ran = scheduler::tick(
        &server.db.pool,
        &config(&server, root.clone()),
        next_boundary(Utc::now()),
    )
    .await
    .unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].state.code(), "FAILED");
    assert!(ran[0].error.as_deref().is_some_and(|e| !e.is_empty()));
    assert!(ran[0].files.is_empty());
    assert_eq!(runs_of(&server, &schedule.name).await[0].1, "FAILED");
}

#[tokio::test]
async fn schedules_are_validated_and_managed_by_the_bureau() {
    let server = TestServer::start().await;
    for (schedule, field) in [
        (
            pb::ReportSchedule {
                cron: "every monday".into(),
                ..every_five_minutes(5)
            },
            "report_schedule.cron",
        ),
        (
            pb::ReportSchedule {
                cron: "0 7 * * 9".into(),
                ..every_five_minutes(5)
            },
            "report_schedule.cron",
        ),
        (
            pb::ReportSchedule {
                cron: "61 * * * *".into(),
                ..every_five_minutes(5)
            },
            "report_schedule.cron",
        ),
        (
            pb::ReportSchedule {
                time_zone: "WIB".into(),
                ..every_five_minutes(5)
            },
            "report_schedule.time_zone",
        ),
        (
            pb::ReportSchedule {
                period_rule: "NEXT_QUARTER".into(),
                ..every_five_minutes(5)
            },
            "report_schedule.period_rule",
        ),
        (
            pb::ReportSchedule {
                tables: vec!["everything".into()],
                ..every_five_minutes(5)
            },
            "report_schedule.tables[0]",
        ),
        (
            pb::ReportSchedule {
                keep_runs: -1,
                ..every_five_minutes(5)
            },
            "report_schedule.keep_runs",
        ),
        (
            pb::ReportSchedule {
                display_name: " ".into(),
                ..every_five_minutes(5)
            },
            "report_schedule.display_name",
        ),
    ] {
        let status = create(&server, schedule).await.unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
    let analyst = server.token("analis", Role::Analyst, None, None).await;
    let status = server
        .schedules()
        .create_report_schedule(authed(
            &analyst,
            pb::CreateReportScheduleRequest {
                report_schedule: Some(every_five_minutes(5)),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);

    let quarterly = create(
        &server,
        pb::ReportSchedule {
            display_name: "Awal triwulan".into(),
            cron: "0 7 1 1,4,7,10 *".into(),
            period_rule: "PREVIOUS_QUARTER".into(),
            tables: vec![],
            keep_runs: 0,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (quarterly.time_zone.as_str(), quarterly.keep_runs),
        ("Asia/Jakarta", 12)
    );
    assert_eq!(quarterly.enabled, Some(true));
    let mut client = server.schedules();
    let paused = client
        .update_report_schedule(authed(
            &server.admin,
            pb::UpdateReportScheduleRequest {
                report_schedule: Some(pb::ReportSchedule {
                    name: quarterly.name.clone(),
                    enabled: Some(false),
                    etag: quarterly.etag.clone(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["enabled".into()],
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(paused.enabled, Some(false));
    assert_eq!(paused.cron, quarterly.cron);
    let status = client
        .update_report_schedule(authed(
            &server.admin,
            pb::UpdateReportScheduleRequest {
                report_schedule: Some(pb::ReportSchedule {
                    name: quarterly.name.clone(),
                    cron: "nope".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["cron".into()],
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("report_schedule.cron"));
    let listed = client
        .list_report_schedules(authed(&server.admin, pb::ListReportSchedulesRequest {}))
        .await
        .unwrap()
        .into_inner()
        .report_schedules;
    assert_eq!(listed.len(), 1);
    client
        .delete_report_schedule(authed(
            &server.admin,
            pb::DeleteReportScheduleRequest {
                name: quarterly.name.clone(),
            },
        ))
        .await
        .unwrap();
    let listed = client
        .list_report_schedules(authed(&server.admin, pb::ListReportSchedulesRequest {}))
        .await
        .unwrap()
        .into_inner()
        .report_schedules;
    assert!(listed.is_empty());
}

#[tokio::test]
async fn cron_expressions_follow_crontab() {
    let server = TestServer::start().await;
    let with_cron = |cron: &str| pb::ReportSchedule {
        cron: cron.into(),
        ..every_five_minutes(5)
    };
    // Day of week 0-7, 0 and 7 both Sunday: Friday to Sunday.
    let weekend = create(&server, with_cron("0 0 * * 5-7")).await.unwrap();
    assert_eq!(weekend.cron, "0 0 * * 5-7");
    for cron in ["0 7 1 * MON", "30 6 * * mon-fri", "0 0 * * 0,7", "@monthly"] {
        create(&server, with_cron(cron))
            .await
            .unwrap_or_else(|e| panic!("{cron}: {e:?}"));
    }
    for cron in [
        "0 0 * * 8",
        "0 0 * * FRI-SUN",
        "5/10 * * * *",
        "0 0 * *",
        "@reboot",
    ] {
        let status = create(&server, with_cron(cron)).await.unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some("report_schedule.cron"));
    }
    // The violation says which part of the expression is wrong.
    use tonic_types::StatusExt;
    let status = create(&server, with_cron("0 0 * * 8")).await.unwrap_err();
    let violations = status.get_details_bad_request().unwrap().field_violations;
    assert!(
        violations[0]
            .description
            .starts_with("day of week: \"8\" is not 0-7"),
        "{violations:?}"
    );
}

#[tokio::test]
async fn the_scheduler_runs_on_the_first_or_on_mondays_when_both_day_fields_are_set() {
    use chrono::{Datelike, FixedOffset, NaiveDate, TimeZone, Weekday};
    let server = TestServer::start().await;
    let schedule = create(
        &server,
        pb::ReportSchedule {
            cron: "0 7 1 * MON".into(),
            ..every_five_minutes(5)
        },
    )
    .await
    .unwrap();
    // Forty days on, the tick due is the latest 07:00 WIB on a day that is the
    // 1st of a month or a Monday, worked out here day by day.
    let jakarta = FixedOffset::east_opt(7 * 3600).unwrap(); // WIB, no daylight saving
    let now = Utc::now() + chrono::Duration::days(40);
    let seven_on = |day: NaiveDate| {
        jakarta
            .from_local_datetime(&day.and_hms_opt(7, 0, 0).unwrap())
            .unwrap()
            .with_timezone(&Utc)
    };
    let expected = now
        .with_timezone(&jakarta)
        .date_naive()
        .iter_days()
        .rev()
        .find(|day| (day.day() == 1 || day.weekday() == Weekday::Mon) && seven_on(*day) <= now)
        .map(seven_on)
        .unwrap();
    let config = config(&server, server.reports_dir.clone());
    let ran = scheduler::tick(&server.db.pool, &config, now)
        .await
        .unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(runs_of(&server, &schedule.name).await[0].0, expected);
}
