//! Report runs as a durable queue in PostgreSQL, so a run is computed by
//! whichever process is free and a crash never leaves one stuck.
//!
//! - RunReport only records a QUEUED run. Any process running a worker
//!   (`serve`, `kerjasama worker`) claims the oldest queued run with
//!   `FOR UPDATE SKIP LOCKED`, marks it RUNNING with a lease
//!   (`lease_owner`, `lease_expires_at`, on the database's clock) and renews the
//!   lease while it computes (a heartbeat every third of the lease).
//! - A run whose lease expired (its process was killed, lost its disk or its
//!   database) is queued again by the next pass of any worker, up to
//!   `max_attempts`, then FAILED with the reason.
//! - Files are published only while the lease is held; a worker that lost its
//!   lease discards its staged files. The final state is written with retries
//!   until the lease would expire.
//! - A worker asked to stop releases its run (QUEUED again) for another.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, RunQueryDsl};
use kerjasama_core::CoreError;
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::report_runs;
use tokio::sync::Notify;
use uuid::Uuid;

use crate::error::JobResult;
use crate::pipeline;
use crate::run_record::{Destination, ReportParams, ReportRun, RunState, SOFTWARE_VERSION, Tick};

/// Wakes this process's workers when a run is queued here (other processes
/// find it at their next poll).
static QUEUED: Notify = Notify::const_new();

pub fn wake() {
    QUEUED.notify_one();
}

/// Who holds a lease and for how long each renewal lasts.
#[derive(Debug, Clone)]
pub struct Lease {
    /// Unique per worker: `<host>:<pid>:<random>`.
    pub owner: String,
    pub duration: Duration,
}

impl Lease {
    pub fn new(duration: Duration) -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        Self {
            owner: format!("{host}:{}:{}", std::process::id(), Uuid::now_v7().simple()),
            duration,
        }
    }

    fn millis(&self) -> i64 {
        i64::try_from(self.duration.as_millis()).unwrap_or(i64::MAX)
    }
}

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub database_url: String,
    /// Reports kept by the server live under here (retention deletes only here).
    pub reports_root: std::path::PathBuf,
    pub lease: Duration,
    /// Time between looks at the queue when nothing woke the worker.
    pub poll: Duration,
    /// How long on-demand runs are kept (applied after each one finishes).
    pub on_demand_retention: crate::retention::OnDemandRetention,
}

async fn load(conn: &mut diesel_async::AsyncPgConnection, id: Uuid) -> JobResult<ReportRun> {
    Ok(report_runs::table
        .find(id)
        .select(ReportRun::as_select())
        .first(conn)
        .await?)
}

/// Marks run `id` RUNNING under `lease` if it is QUEUED (on `conn`, which may
/// be inside the transaction that queued it).
pub async fn lease_run(
    conn: &mut diesel_async::AsyncPgConnection,
    id: Uuid,
    lease: &Lease,
) -> JobResult<Option<ReportRun>> {
    let updated = diesel::sql_query(
        "UPDATE report_runs SET state = 'RUNNING', attempts = attempts + 1, \
         lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3 / 1000.0), \
         start_time = now(), error = NULL \
         WHERE id = $1 AND state = 'QUEUED'",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(&lease.owner)
    .bind::<BigInt, _>(lease.millis())
    .execute(conn)
    .await?;
    if updated == 0 {
        return Ok(None);
    }
    Ok(Some(load(conn, id).await?))
}

/// Claims the oldest queued run, if any, for `lease`.
pub async fn claim_next(pool: &PgPool, lease: &Lease) -> JobResult<Option<ReportRun>> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    conn.transaction(async |conn| {
        // report_runs_queued_idx
        let next: Option<Uuid> = report_runs::table
            .filter(report_runs::state.eq(RunState::Queued))
            .order((report_runs::create_time, report_runs::id))
            .select(report_runs::id)
            .limit(1)
            .for_update()
            .skip_locked()
            .first(conn)
            .await
            .optional()?;
        match next {
            Some(id) => lease_run(conn, id, lease).await,
            None => Ok(None),
        }
    })
    .await
}

/// Extends the lease; `false` when it is no longer ours (expired and taken).
async fn renew(pool: &PgPool, id: Uuid, lease: &Lease) -> JobResult<bool> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let updated = diesel::sql_query(
        "UPDATE report_runs SET lease_expires_at = now() + make_interval(secs => $3 / 1000.0) \
         WHERE id = $1 AND lease_owner = $2 AND state = 'RUNNING'",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(&lease.owner)
    .bind::<BigInt, _>(lease.millis())
    .execute(&mut conn)
    .await?;
    Ok(updated == 1)
}

/// Queues again (or fails, after `max_attempts`) every run whose lease
/// expired. Returns (queued again, failed).
pub async fn reap(pool: &PgPool) -> JobResult<(usize, usize)> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let failed = diesel::sql_query(
        "UPDATE report_runs SET state = 'FAILED', finish_time = now(), \
         lease_owner = NULL, lease_expires_at = NULL, \
         error = format('interrupted: the process running it stopped during each of its %s attempts', attempts) \
         WHERE state = 'RUNNING' AND lease_expires_at < now() AND attempts >= max_attempts",
    )
    .execute(&mut conn)
    .await?;
    let requeued = diesel::sql_query(
        "UPDATE report_runs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL \
         WHERE state = 'RUNNING' AND lease_expires_at < now()",
    )
    .execute(&mut conn)
    .await?;
    if failed + requeued > 0 {
        tracing::warn!(
            requeued,
            failed,
            "report runs whose worker stopped were queued again or failed"
        );
    }
    Ok((requeued, failed))
}

/// Gives a run back to the queue (this worker is stopping).
async fn release(pool: &PgPool, id: Uuid, lease: &Lease) -> JobResult<()> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    diesel::sql_query(
        "UPDATE report_runs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL, \
         attempts = greatest(attempts - 1, 0) \
         WHERE id = $1 AND lease_owner = $2 AND state = 'RUNNING'",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(&lease.owner)
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// Records the outcome while the lease is ours, retrying through a database
/// outage until the lease would have expired (then the reaper decides).
async fn finish(
    pool: &PgPool,
    run: &ReportRun,
    lease: &Lease,
    outcome: &JobResult<Vec<String>>,
) -> JobResult<Option<ReportRun>> {
    let (state, error, files) = match outcome {
        Ok(files) => (RunState::Succeeded, None, files.clone()),
        Err(e) => (RunState::Failed, Some(e.to_string()), Vec::new()),
    };
    let deadline = tokio::time::Instant::now() + lease.duration;
    let mut pause = Duration::from_millis(100);
    loop {
        let attempt = async {
            let mut conn = pool.get().await.map_err(CoreError::from)?;
            let recorded: Option<ReportRun> = diesel::update(
                report_runs::table
                    .find(run.id)
                    .filter(report_runs::lease_owner.eq(&lease.owner))
                    .filter(report_runs::state.eq(RunState::Running)),
            )
            .set((
                report_runs::state.eq(state),
                report_runs::error.eq(&error),
                report_runs::files.eq(&files),
                report_runs::finish_time.eq(diesel::dsl::now),
                report_runs::lease_owner.eq(None::<String>),
                report_runs::lease_expires_at.eq(None::<chrono::DateTime<chrono::Utc>>),
            ))
            .returning(ReportRun::as_returning())
            .get_result(&mut conn)
            .await
            .optional()?;
            JobResult::Ok(recorded)
        };
        match attempt.await {
            Ok(recorded) => return Ok(recorded),
            Err(error) if tokio::time::Instant::now() + pause < deadline => {
                tracing::warn!(run = %run.name(), %error, "recording the run's outcome failed; retrying");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            Err(error) => return Err(error),
        }
    }
}

/// Computes a run this process holds the lease of, renewing the lease, and
/// records the outcome. `None` when the lease was lost (another attempt owns
/// the run now).
pub async fn execute_leased(
    pool: &PgPool,
    database_url: &str,
    run: &ReportRun,
    lease: &Lease,
) -> JobResult<Option<ReportRun>> {
    let lost = Arc::new(AtomicBool::new(false));
    let heartbeat = {
        let (pool, lease, lost, id) = (pool.clone(), lease.clone(), lost.clone(), run.id);
        tokio::spawn(async move {
            let mut last_renewal = tokio::time::Instant::now();
            loop {
                tokio::time::sleep(lease.duration / 3).await;
                match renew(&pool, id, &lease).await {
                    Ok(true) => last_renewal = tokio::time::Instant::now(),
                    Ok(false) => {
                        lost.store(true, Ordering::SeqCst);
                        break;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "renewing a report run's lease failed");
                        if last_renewal.elapsed() >= lease.duration {
                            lost.store(true, Ordering::SeqCst);
                            break;
                        }
                    }
                }
            }
        })
    };
    let outcome = pipeline::compute_and_publish(pool, database_url, run, lost.clone()).await;
    heartbeat.abort();
    if let Err(error) = &outcome {
        tracing::warn!(run = %run.name(), %error, "report run failed");
    }
    if AtomicBool::load(&lost, Ordering::SeqCst) {
        tracing::warn!(run = %run.name(), "lost the run's lease; another attempt will finish it");
        return Ok(None);
    }
    let recorded = finish(pool, run, lease, &outcome).await?;
    if let Some(run) = &recorded
        && let Some(schedule) = run.schedule_id
    {
        crate::retention::apply_retention(pool, schedule).await?;
    }
    Ok(recorded)
}

/// Removes staging folders (`<root>/<run>/.staging-<run>`) that no running
/// attempt owns: what a killed process left behind.
async fn remove_stale_staging(pool: &PgPool, root: &std::path::Path) -> JobResult<usize> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Ok(0);
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let Ok(id) = Uuid::parse_str(&entry.file_name().to_string_lossy()) else {
            continue;
        };
        let staging = entry.path().join(format!(".staging-{id}"));
        if !staging.exists() {
            continue;
        }
        let mut conn = pool.get().await.map_err(CoreError::from)?;
        let state: Option<RunState> = report_runs::table
            .find(id)
            .select(report_runs::state)
            .first(&mut conn)
            .await
            .optional()?;
        if state != Some(RunState::Running) {
            std::fs::remove_dir_all(&staging).map_err(|source| crate::error::JobError::Io {
                path: staging.clone(),
                source,
            })?;
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(
            removed,
            "removed staging folders of runs no process is computing"
        );
    }
    Ok(removed)
}

/// Runs queued reports until `shutdown`: reaps expired leases, claims and
/// computes one run at a time, sleeps `poll` or until woken.
pub async fn work_until(
    pool: PgPool,
    config: WorkerConfig,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let lease = Lease::new(config.lease);
    tokio::pin!(shutdown);
    if let Err(error) = remove_stale_staging(&pool, &config.reports_root).await {
        tracing::warn!(%error, "could not clean staging folders of dead runs");
    }
    loop {
        if let Err(error) = reap(&pool).await {
            tracing::debug!(%error, "reaping expired report leases failed");
        }
        loop {
            let run = match claim_next(&pool, &lease).await {
                Ok(Some(run)) => run,
                Ok(None) => break,
                Err(error) => {
                    tracing::debug!(%error, "claiming a queued report failed");
                    break;
                }
            };
            tracing::info!(run = %run.name(), attempt = run.attempts, "computing a report run");
            let work = execute_leased(&pool, &config.database_url, &run, &lease);
            tokio::select! {
                result = work => match result {
                    Err(error) => {
                        tracing::warn!(run = %run.name(), %error, "report run not recorded; its lease will expire");
                    }
                    Ok(Some(finished)) if finished.schedule_id.is_none() => {
                        if let Err(error) = crate::retention::apply_on_demand_retention(
                            &pool,
                            &config.reports_root,
                            config.on_demand_retention,
                        )
                        .await
                        {
                            tracing::warn!(%error, "applying the on-demand runs' retention failed");
                        }
                    }
                    Ok(_) => {}
                },
                _ = &mut shutdown => {
                    if let Err(error) = release(&pool, run.id, &lease).await {
                        tracing::warn!(run = %run.name(), %error, "could not release the run; its lease will expire");
                    }
                    return;
                }
            }
        }
        tokio::select! {
            _ = &mut shutdown => return,
            _ = QUEUED.notified() => {}
            _ = tokio::time::sleep(config.poll) => {}
        }
    }
}

/// How many unfinished (queued or running) on-demand runs one caller (a
/// token) may have at once.
pub const UNFINISHED_PER_CALLER: i64 = 4;
/// How many unfinished runs one region may have at once, scheduled or on
/// demand (runs over every region count as a region of their own).
pub const UNFINISHED_PER_REGION: i64 = 16;
/// An identical request (same caller, same parameters) within this long of an
/// unfinished run returns that run instead of queueing another.
pub const SAME_REQUEST_WINDOW_SECS: i64 = 15 * 60;
/// The retry hint of a refusal past a bound: about one run's time.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// Records a queued on-demand run, after checking the caller may run
/// reports, unless the same caller queued the same run within
/// [`SAME_REQUEST_WINDOW_SECS`] and it is not finished (that run is returned,
/// with `false`). Past [`UNFINISHED_PER_CALLER`] or [`UNFINISHED_PER_REGION`]
/// the request is RESOURCE_EXHAUSTED with a retry hint.
pub async fn queue(
    pool: &PgPool,
    actor: &Principal,
    params: ReportParams,
    destination: Destination,
) -> JobResult<(ReportRun, bool)> {
    check_may_run(actor, &params)?;
    let region_code = run_region(actor, &params);
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let queued = conn
        .transaction(async |conn| {
            // One on-demand queueing at a time: the counts below hold until commit.
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('kerjasama.report_queue'))")
                .execute(conn)
                .await?;
            let unfinished = [RunState::Queued, RunState::Running];
            let same: Option<ReportRun> = report_runs::table
                .filter(report_runs::schedule_id.is_null())
                .filter(report_runs::requested_by.eq(&actor.name))
                .filter(report_runs::state.eq_any(unfinished))
                .filter(report_runs::region_code.is_not_distinct_from(region_code.clone()))
                .filter(report_runs::as_of.eq(params.as_of))
                .filter(report_runs::period_start.eq(params.period_start))
                .filter(report_runs::period_end.eq(params.period_end))
                .filter(report_runs::tables.eq(&params.tables))
                .filter(report_runs::public_register.eq(params.public_register))
                .filter(report_runs::report_grace_days.eq(params.report_grace_days as i32))
                .filter(report_runs::create_time.gt(
                    chrono::Utc::now() - chrono::Duration::seconds(SAME_REQUEST_WINDOW_SECS),
                ))
                .order(report_runs::create_time.desc())
                .select(ReportRun::as_select())
                .first(conn)
                .await
                .optional()?;
            if let Some(run) = same {
                return Ok::<_, crate::error::JobError>((run, false));
            }
            let by_caller: i64 = report_runs::table
                .filter(report_runs::schedule_id.is_null())
                .filter(report_runs::requested_by.eq(&actor.name))
                .filter(report_runs::state.eq_any(unfinished))
                .count()
                .get_result(conn)
                .await?;
            if by_caller >= UNFINISHED_PER_CALLER {
                return Err(CoreError::ResourceExhausted {
                    subject: format!("callers/{}/reportRuns", actor.name),
                    message: format!(
                        "{by_caller} report runs of this caller are still queued or running; at most \
                         {UNFINISHED_PER_CALLER} at once (laporan yang masih antre untuk pemanggil ini \
                         sudah {by_caller}; paling banyak {UNFINISHED_PER_CALLER}): retry when one finishes"
                    ),
                    retry_after: RETRY_AFTER,
                }
                .into());
            }
            let by_region: i64 = report_runs::table
                .filter(report_runs::region_code.is_not_distinct_from(region_code.clone()))
                .filter(report_runs::state.eq_any(unfinished))
                .count()
                .get_result(conn)
                .await?;
            if by_region >= UNFINISHED_PER_REGION {
                let region = region_code.as_deref().unwrap_or("all");
                return Err(CoreError::ResourceExhausted {
                    subject: format!("regions/{region}/reportRuns"),
                    message: format!(
                        "{by_region} report runs of region {region} are still queued or running; at \
                         most {UNFINISHED_PER_REGION} at once (laporan wilayah {region} yang masih \
                         antre sudah {by_region}; paling banyak {UNFINISHED_PER_REGION}): retry when one finishes"
                    ),
                    retry_after: RETRY_AFTER,
                }
                .into());
            }
            let run = insert_run(conn, actor, &params, destination, None)
                .await?
                .ok_or_else(|| CoreError::Internal("an unscheduled run cannot conflict".into()))?;
            Ok((run, true))
        })
        .await?;
    if queued.1 {
        wake();
    }
    Ok(queued)
}

fn check_may_run(actor: &Principal, params: &ReportParams) -> Result<(), CoreError> {
    actor.check_run_reports()?;
    if let Some(region) = &params.region_code {
        actor.check_read(region)?;
    }
    Ok(())
}

/// The region a run covers: the one asked for, else the caller's own.
fn run_region(actor: &Principal, params: &ReportParams) -> Option<String> {
    params
        .region_code
        .clone()
        .or_else(|| actor.region_code.clone())
}

/// Inserts a QUEUED run; `None` when a run already claimed `tick`.
async fn insert_run(
    conn: &mut diesel_async::AsyncPgConnection,
    actor: &Principal,
    params: &ReportParams,
    destination: Destination,
    tick: Option<Tick>,
) -> JobResult<Option<ReportRun>> {
    let id = Uuid::now_v7();
    let dir = match destination {
        Destination::UnderRoot(root) => root.join(id.to_string()),
        Destination::Folder(dir) => dir,
    };
    Ok(diesel::insert_into(report_runs::table)
        .values((
            report_runs::id.eq(id),
            report_runs::region_code.eq(run_region(actor, params)),
            report_runs::as_of.eq(params.as_of),
            report_runs::period_start.eq(params.period_start),
            report_runs::period_end.eq(params.period_end),
            report_runs::state.eq(RunState::Queued),
            report_runs::output_dir.eq(dir.to_string_lossy().as_ref()),
            report_runs::requested_by.eq(&actor.name),
            report_runs::report_grace_days.eq(params.report_grace_days as i32),
            report_runs::software_version.eq(SOFTWARE_VERSION),
            report_runs::schedule_id.eq(tick.map(|t| t.0)),
            report_runs::scheduled_for.eq(tick.map(|t| t.1)),
            report_runs::tables.eq(&params.tables),
            report_runs::public_register.eq(params.public_register),
        ))
        .on_conflict_do_nothing()
        .returning(ReportRun::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// Records a queued run; for a scheduled tick, only if no run claimed that
/// tick before (across every process sharing the database): `None` then.
/// With `lease`, the run is leased to the caller in the same transaction
/// (RUNNING before any other worker can see it).
pub async fn claim(
    pool: &PgPool,
    actor: &Principal,
    params: ReportParams,
    destination: Destination,
    tick: Option<Tick>,
    lease: Option<&Lease>,
) -> JobResult<Option<ReportRun>> {
    check_may_run(actor, &params)?;
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    conn.transaction(async |conn| {
        let run = insert_run(conn, actor, &params, destination, tick).await?;
        match (run, lease) {
            (Some(run), Some(lease)) => lease_run(conn, run.id, lease).await,
            (run, _) => Ok(run),
        }
    })
    .await
}

/// Queues a run leased to this process and computes it, waiting for it (the
/// CLI, whose `--out` folder no server worker should write to).
pub async fn run(
    pool: &PgPool,
    database_url: &str,
    actor: &Principal,
    params: ReportParams,
    destination: Destination,
) -> JobResult<ReportRun> {
    let lease = Lease::new(std::time::Duration::from_secs(30));
    let leased = claim(pool, actor, params, destination, None, Some(&lease))
        .await?
        .ok_or_else(|| CoreError::Internal("an unscheduled run cannot conflict".into()))?;
    let finished = execute_leased(pool, database_url, &leased, &lease)
        .await?
        .ok_or_else(|| CoreError::Internal(format!("{} lost its lease", leased.name())))?;
    if finished.state == RunState::Failed {
        return Err(CoreError::FailedPrecondition(
            finished.error.unwrap_or_else(|| "the run failed".into()),
        )
        .into());
    }
    Ok(finished)
}
