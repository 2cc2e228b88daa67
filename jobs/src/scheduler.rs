//! The scheduler: runs each enabled schedule's ticks exactly once, however
//! many processes (`serve` replicas, `kerjasama worker`) share the database.
//!
//! Every pass looks, per schedule, for the latest tick that is due (at or
//! before now) and later than the last tick already claimed (or the schedule's
//! creation). A tick is claimed by inserting its run: the unique
//! (schedule_id, scheduled_for) index lets exactly one process succeed, and
//! that process runs it. After downtime only the latest missed tick runs
//! (catch-up once, not once per missed tick). After each run, runs beyond the
//! schedule's `keep_runs` are deleted with their files (retention).

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kerjasama_core::CoreError;
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::{report_runs, report_schedules};

use crate::error::JobResult;
use crate::queue;
use crate::run_record::{Destination, ReportParams, ReportRun, RunState};
use crate::schedules::{self, Schedule};

/// The lease a scheduler pass holds on the run of a tick it claimed.
const SCHEDULED_LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    pub database_url: String,
    /// Where scheduled runs keep their files (`<root>/<run id>/`).
    pub reports_root: PathBuf,
    /// Time between passes.
    pub interval: Duration,
    /// Digest links: `{id}` replaced by the agreement's id.
    pub portal_url_template: Option<String>,
}

async fn last_tick(pool: &PgPool, schedule: &Schedule) -> JobResult<DateTime<Utc>> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let last: Option<DateTime<Utc>> = report_runs::table
        .filter(report_runs::schedule_id.eq(schedule.id))
        .select(diesel::dsl::max(report_runs::scheduled_for))
        .first(&mut conn)
        .await?;
    Ok(last.unwrap_or(schedule.create_time))
}

/// Live, enabled schedules, in id order.
async fn enabled_schedules(pool: &PgPool) -> JobResult<Vec<Schedule>> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    Ok(report_schedules::table
        .filter(report_schedules::enabled.eq(true))
        .filter(report_schedules::delete_time.is_null())
        .order(report_schedules::id)
        .select(Schedule::as_select())
        .load(&mut conn)
        .await?)
}

/// How far the scheduler is behind at `now`: the age of the oldest tick that
/// is due and not yet claimed, over every enabled schedule (zero when none).
pub async fn lag(pool: &PgPool, now: DateTime<Utc>) -> JobResult<Duration> {
    let enabled = enabled_schedules(pool).await?;
    let mut oldest = Duration::ZERO;
    for schedule in enabled {
        let (Ok(cron), Ok(zone)) = (
            schedules::parse_cron(&schedule.cron),
            schedules::parse_zone(&schedule.time_zone),
        ) else {
            continue;
        };
        let after = last_tick(pool, &schedule).await?;
        // The first due tick after the last claimed one (not the latest).
        if let Some(first) = cron.next_after(&zone, after)
            && first <= now
        {
            oldest = oldest.max((now - first).to_std().unwrap_or_default());
        }
    }
    Ok(oldest)
}

/// One pass at `now`: claims and runs what is due; returns the runs this
/// process ran.
pub async fn tick(
    pool: &PgPool,
    config: &SchedulerConfig,
    now: DateTime<Utc>,
) -> JobResult<Vec<ReportRun>> {
    let due = enabled_schedules(pool).await?;
    let actor = Principal::system("scheduler");
    let lease = queue::Lease::new(SCHEDULED_LEASE);
    let mut ran = Vec::new();
    for schedule in due {
        let (Ok(cron), Ok(zone)) = (
            schedules::parse_cron(&schedule.cron),
            schedules::parse_zone(&schedule.time_zone),
        ) else {
            tracing::warn!(schedule = %schedule.name(), "skipping a schedule with an invalid cron or zone");
            continue;
        };
        let Some(at) =
            crate::crontab::due_tick(&cron, zone, last_tick(pool, &schedule).await?, now)
        else {
            continue;
        };
        let day = at.with_timezone(&zone).date_naive();
        let Some((as_of, start, end)) = schedules::period_for(&schedule.period_rule, day) else {
            continue;
        };
        let params = ReportParams {
            as_of,
            period_start: start,
            period_end: end,
            region_code: schedule.region_code.clone(),
            report_grace_days: schedule.report_grace_days.max(0) as u32,
            tables: schedule.tables.clone(),
            public_register: false,
        };
        let destination = Destination::UnderRoot(config.reports_root.clone());
        // The tick's run is leased to this process in the claim's transaction.
        let Some(claimed) = queue::claim(
            pool,
            &actor,
            params,
            destination,
            Some((schedule.id, at)),
            Some(&lease),
        )
        .await?
        else {
            continue; // another process has this tick
        };
        tracing::info!(schedule = %schedule.name(), run = %claimed.name(), %at, "running a scheduled report");
        // Lost lease or unrecorded outcome: the queue finishes the run
        // (another attempt, or FAILED), so it is not listed as ran here.
        if let Ok(Some(run)) =
            queue::execute_leased(pool, &config.database_url, &claimed, &lease).await
        {
            // The digests that follow a scheduled report run, when asked for.
            if run.state == RunState::Succeeded
                && let Some(region) = &run.region_code
                && let Err(error) = crate::digests::outbox::after_report_run(
                    pool,
                    &crate::digests::outbox::ComposeSettings {
                        // The run's own grace: the digest agrees with the run.
                        report_grace_days: run.report_grace_days.max(0) as u32,
                        ..compose_settings(config)
                    },
                    run.id,
                    region,
                    run.as_of,
                )
                .await
            {
                tracing::warn!(%error, run = %run.name(), "queueing the digests after a report run failed");
            }
            ran.push(run);
        }
    }
    Ok(ran)
}

fn compose_settings(config: &SchedulerConfig) -> crate::digests::outbox::ComposeSettings {
    crate::digests::outbox::ComposeSettings {
        database_url: config.database_url.clone(),
        report_grace_days: kerjasama_core::implementation_reports::DEFAULT_GRACE_DAYS,
        portal_url_template: config.portal_url_template.clone(),
    }
}

/// Passes every `interval` until `shutdown` resolves: report schedules, then
/// digest schedules (each tick queued once across processes).
pub async fn run_until(
    pool: PgPool,
    config: SchedulerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        if let Err(error) = tick(&pool, &config, Utc::now()).await {
            tracing::warn!(%error, "scheduler pass failed; retrying next pass");
        }
        if let Err(error) =
            crate::digests::outbox::scheduler_pass(&pool, &compose_settings(&config), Utc::now())
                .await
        {
            tracing::warn!(%error, "digest scheduler pass failed; retrying next pass");
        }
        tokio::select! {
            _ = &mut shutdown => break,
            _ = tokio::time::sleep(config.interval) => {}
        }
    }
}
