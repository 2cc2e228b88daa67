//! Retention: a schedule keeps its newest `keep_runs` finished runs; older
//! ones are deleted with their folders. Called by the queue after each
//! scheduled run finishes.

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
