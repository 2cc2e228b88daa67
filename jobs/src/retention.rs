//! Retention: a schedule keeps its newest `keep_runs` finished runs; older
//! ones are deleted with their folders. Called by the queue after each
//! scheduled run finishes. On-demand runs (RunReport) are kept for
//! [`OnDemandRetention`] (an age and a count); when one is deleted, its
//! record and manifest are kept in `<reports root>/retired/<run id>.json`.

use std::path::PathBuf;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kerjasama_core::CoreError;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::{report_runs, report_schedules};

use crate::error::JobResult;
use crate::run_record::RunState;

/// Deletes the finished runs of schedule `schedule_id` beyond its newest
/// `keep_runs`, with their folders (only a run's own `<root>/<run id>` folder).
pub async fn apply_retention(pool: &PgPool, schedule_id: uuid::Uuid) -> JobResult<()> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let keep: Option<i32> = report_schedules::table
        .find(schedule_id)
        .select(report_schedules::keep_runs)
        .first(&mut conn)
        .await
        .optional()?;
    let Some(keep) = keep else {
        return Ok(());
    };
    let old: Vec<(uuid::Uuid, String)> = report_runs::table
        .filter(report_runs::schedule_id.eq(schedule_id))
        .filter(report_runs::state.eq_any([RunState::Succeeded, RunState::Failed]))
        .order(report_runs::scheduled_for.desc())
        .offset(i64::from(keep))
        .select((report_runs::id, report_runs::output_dir))
        .load(&mut conn)
        .await?;
    for (id, dir) in old {
        let dir = PathBuf::from(dir);
        let own_folder = dir.file_name().is_some_and(|name| *name == *id.to_string());
        if own_folder && dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|source| crate::error::JobError::Io {
                path: dir.clone(),
                source,
            })?;
        }
        diesel::delete(report_runs::table.find(id))
            .execute(&mut conn)
            .await?;
    }
    Ok(())
}

/// How long on-demand runs (RunReport, no schedule) are kept: a finished run
/// is deleted once it is older than `keep_days` or not among the newest
/// `keep_runs` finished on-demand runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnDemandRetention {
    pub keep_days: u32,
    pub keep_runs: u32,
}

impl Default for OnDemandRetention {
    fn default() -> Self {
        Self {
            keep_days: 30,
            keep_runs: 200,
        }
    }
}

/// Deletes the finished on-demand runs kept by the server (folder
/// `<root>/<run id>`) that `retention` no longer keeps, each with its folder;
/// its record and manifest are written to `<root>/retired/<run id>.json`
/// first. Runs written elsewhere (`kerjasama report --out`) are left alone.
/// Returns how many were deleted.
pub async fn apply_on_demand_retention(
    pool: &PgPool,
    root: &std::path::Path,
    retention: OnDemandRetention,
) -> JobResult<usize> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(retention.keep_days));
    let finished: Vec<crate::run_record::ReportRun> = report_runs::table
        .filter(report_runs::schedule_id.is_null())
        .filter(report_runs::state.eq_any([RunState::Succeeded, RunState::Failed]))
        .order((report_runs::create_time.desc(), report_runs::id.desc()))
        .select(crate::run_record::ReportRun::as_select())
        .load(&mut conn)
        .await?;
    let retired_dir = root.join("retired");
    let mut deleted = 0;
    for (rank, run) in finished.iter().enumerate() {
        let keep = rank < retention.keep_runs as usize && run.create_time >= cutoff;
        let dir = PathBuf::from(&run.output_dir);
        if keep || dir != root.join(run.id.to_string()) {
            continue;
        }
        let io = |path: &std::path::Path| {
            let path = path.to_path_buf();
            move |source| crate::error::JobError::Io { path, source }
        };
        let manifest: Option<serde_json::Value> = std::fs::read(dir.join("manifest.json"))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let record = serde_json::json!({
            "name": run.name(),
            "region_code": run.region_code,
            "as_of": run.as_of,
            "period_start": run.period_start,
            "period_end": run.period_end,
            "state": run.state.code(),
            "error": run.error,
            "files": run.files,
            "requested_by": run.requested_by,
            "create_time": run.create_time,
            "finish_time": run.finish_time,
            "software_version": run.software_version,
            "tables": run.tables,
            "public_register": run.public_register,
            "deleted_time": chrono::Utc::now(),
            "deleted_because": if run.create_time < cutoff {
                format!("older than {} days", retention.keep_days)
            } else {
                format!("not among the newest {} on-demand runs", retention.keep_runs)
            },
            "manifest": manifest,
        });
        std::fs::create_dir_all(&retired_dir).map_err(io(&retired_dir))?;
        let target = retired_dir.join(format!("{}.json", run.id));
        let partial = retired_dir.join(format!(".{}.json.partial", run.id));
        let bytes = serde_json::to_vec_pretty(&record)
            .map_err(|e| CoreError::Internal(format!("a retired run's record: {e}")))?;
        std::fs::write(&partial, bytes).map_err(io(&partial))?;
        std::fs::rename(&partial, &target).map_err(io(&target))?;
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        diesel::delete(report_runs::table.find(run.id))
            .execute(&mut conn)
            .await?;
        deleted += 1;
    }
    Ok(deleted)
}
