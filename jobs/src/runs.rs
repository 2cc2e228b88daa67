//! The read side of report runs: one run by id, the list (keyset-paged),
//! a run's published files (in either CSV dialect), and the statistics the
//! health and metrics endpoints read.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kerjasama_core::CoreError;
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::report_runs;
use uuid::Uuid;

use crate::error::JobResult;
use crate::run_record::{PACK_HTML, PACK_PDF, ReportRun, RunState, WORKBOOK};

/// A run the caller may see, by id.
pub async fn get(pool: &PgPool, actor: &Principal, id: Uuid) -> Result<ReportRun, CoreError> {
    let mut conn = pool.get().await?;
    let run: ReportRun = report_runs::table
        .find(id)
        .select(ReportRun::as_select())
        .first(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| CoreError::not_found(format!("reportRuns/{id}")))?;
    actor.check_read_report_run(run.region_code.as_deref())?;
    Ok(run)
}

/// The path of one published file of a succeeded run. `<table>.xlsx`,
/// `<table>.html` and `<table>.pdf` name the run's workbook and meeting pack,
/// which hold every table of the run.
pub fn file_path(run: &ReportRun, file: &str) -> Result<PathBuf, CoreError> {
    let has_csv = |stem: &str| run.files.iter().any(|f| *f == format!("{stem}.csv"));
    let file = match file.rsplit_once('.') {
        Some((stem, "xlsx")) if has_csv(stem) => WORKBOOK,
        Some((stem, "html")) if has_csv(stem) => PACK_HTML,
        Some((stem, "pdf")) if has_csv(stem) => PACK_PDF,
        _ => file,
    };
    if run.state != RunState::Succeeded {
        return Err(CoreError::FailedPrecondition(format!(
            "{} is {}; only a succeeded run has files",
            run.name(),
            run.state
        )));
    }
    if !run.files.iter().any(|f| f == file) {
        return Err(CoreError::not_found(format!(
            "file {file} of {}",
            run.name()
        )));
    }
    Ok(Path::new(&run.output_dir).join(file))
}

/// A published file of a run, in `dialect` when it is a table's CSV.
pub async fn read_file(
    run: &ReportRun,
    file: &str,
    dialect: crate::csv_dialect::CsvDialect,
) -> Result<Vec<u8>, CoreError> {
    use crate::csv_dialect::CsvDialect;
    let path = file_path(run, file)?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| CoreError::Internal(format!("{}: {e}", path.display())))?;
    if dialect == CsvDialect::Rfc4180 {
        return Ok(bytes);
    }
    let dir = PathBuf::from(&run.output_dir);
    let stored = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let columns = crate::rows::columns_of_file(&dir, &stored)
        .map_err(CoreError::from)?
        .ok_or_else(|| {
            CoreError::invalid(
                "dialect",
                format!("{file} is not a table's CSV; a dialect applies to <table>.csv only"),
            )
        })?;
    tokio::task::spawn_blocking(move || crate::csv_dialect::to_excel_indonesia(&bytes, &columns))
        .await
        .map_err(|e| CoreError::Internal(format!("CSV task: {e}")))?
        .map_err(CoreError::from)
}

/// ListReportRuns filters; `None` means any.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunFilter {
    pub schedule_id: Option<Uuid>,
    pub state: Option<RunState>,
    pub as_of_from: Option<NaiveDate>,
    pub as_of_until: Option<NaiveDate>,
}

/// Runs the caller may see, newest first, keyset-paged (report_runs_create_time_idx).
pub async fn list(
    pool: &PgPool,
    actor: &Principal,
    filter: RunFilter,
    page_size: i32,
    page_token: &str,
) -> Result<kerjasama_core::paging::Page<ReportRun>, CoreError> {
    use kerjasama_core::paging;
    actor.check_read_report_run(actor.region_code.as_deref())?;
    let limit = paging::page_size(page_size)?;
    let fingerprint = paging::fingerprint(&(&filter, &actor.region_code));
    let after = page::position(page_token, &fingerprint)?;
    let mut query = report_runs::table
        .select(ReportRun::as_select())
        .into_boxed();
    if let Some(own) = &actor.region_code {
        query = query.filter(report_runs::region_code.eq(own.clone()));
    }
    if let Some(state) = &filter.state {
        query = query.filter(report_runs::state.eq(*state));
    }
    if let Some(schedule) = filter.schedule_id {
        query = query.filter(report_runs::schedule_id.eq(schedule));
    }
    if let Some(from) = filter.as_of_from {
        query = query.filter(report_runs::as_of.ge(from));
    }
    if let Some(until) = filter.as_of_until {
        query = query.filter(report_runs::as_of.le(until));
    }
    if let Some((time, id)) = after {
        query = query.filter(
            report_runs::create_time
                .lt(time)
                .or(report_runs::create_time
                    .eq(time)
                    .and(report_runs::id.lt(id))),
        );
    }
    let mut conn = pool.get().await?;
    let mut items: Vec<ReportRun> = query
        .order((report_runs::create_time.desc(), report_runs::id.desc()))
        .limit(limit + 1)
        .load(&mut conn)
        .await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_page_token = match items.last() {
        Some(last) if more => page::token(last.create_time, last.id, &fingerprint),
        _ => String::new(),
    };
    Ok(kerjasama_core::paging::Page {
        items,
        next_page_token,
    })
}

/// ListReportRuns page tokens: the keyset position (create time, id) of the
/// last run of the page, bound to the request's filters.
pub mod page {
    use chrono::{DateTime, Utc};
    use kerjasama_core::CoreError;
    use kerjasama_core::paging::{self, Cursor};
    use uuid::Uuid;

    /// The token of the page after the run created at `time` with `id`.
    pub fn token(time: DateTime<Utc>, id: Uuid, fingerprint: &str) -> String {
        paging::encode(
            Cursor {
                key: time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                id: id.to_string(),
            },
            fingerprint,
        )
    }

    /// The position after which the page `token` starts (empty: the first page).
    pub fn position(
        token: &str,
        fingerprint: &str,
    ) -> Result<Option<(DateTime<Utc>, Uuid)>, CoreError> {
        let bad_token =
            || CoreError::invalid("page_token", "not a page token issued by this service");
        let Some(cursor) = paging::decode(token, fingerprint)? else {
            return Ok(None);
        };
        let time = DateTime::parse_from_rfc3339(&cursor.key)
            .map_err(|_| bad_token())?
            .with_timezone(&Utc);
        let id = Uuid::parse_str(&cursor.id).map_err(|_| bad_token())?;
        Ok(Some((time, id)))
    }
}

/// Report runs per state, for monitoring: how many, and how long the finished
/// ones took (mean and longest, seconds).
#[derive(Debug, diesel::QueryableByName)]
pub struct StateStatistics {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub runs: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub mean_seconds: f64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub max_seconds: f64,
}

pub async fn statistics(pool: &PgPool) -> JobResult<Vec<StateStatistics>> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    Ok(diesel::sql_query(
        "SELECT state, count(*) AS runs, \
         coalesce(avg(extract(epoch FROM finish_time - start_time)), 0)::float8 AS mean_seconds, \
         coalesce(max(extract(epoch FROM finish_time - start_time)), 0)::float8 AS max_seconds \
         FROM report_runs GROUP BY state ORDER BY state",
    )
    .load(&mut conn)
    .await?)
}

/// When each schedule's newest succeeded run finished.
pub async fn last_success_per_schedule(pool: &PgPool) -> JobResult<Vec<(Uuid, DateTime<Utc>)>> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let rows: Vec<(Option<Uuid>, Option<DateTime<Utc>>)> = report_runs::table
        .filter(report_runs::state.eq(RunState::Succeeded))
        .filter(report_runs::schedule_id.is_not_null())
        .group_by(report_runs::schedule_id)
        .select((
            report_runs::schedule_id,
            diesel::dsl::max(report_runs::finish_time),
        ))
        .load(&mut conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(schedule, finished)| Some((schedule?, finished?)))
        .collect())
}
