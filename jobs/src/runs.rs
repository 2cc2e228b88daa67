//! Report runs: parameters checked, the run recorded in `report_runs`
//! (RUNNING → SUCCEEDED or FAILED with its error), metrics computed off the
//! async runtime, files published atomically.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kerjasama_core::access::Principal;
use kerjasama_core::calendar;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::report_runs;
use kerjasama_core::{CoreError, FieldViolation};
use uuid::Uuid;

use crate::error::JobResult;
use crate::load;
use crate::metrics::{self, Period};
use crate::output::Staging;

/// What a run computes: the state of the register as of a date, and the
/// flows (signings) inside a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportParams {
    pub as_of: NaiveDate,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Only this region's agreements; `None`: every region.
    pub region_code: Option<String>,
    /// Days after a reporting cycle's end by which its report is on time.
    pub report_grace_days: u32,
}

impl ReportParams {
    /// Defaults: as of today (Asia/Jakarta), period = the quarter containing as_of.
    pub fn new(
        as_of: Option<NaiveDate>,
        period: (Option<NaiveDate>, Option<NaiveDate>),
        region_code: Option<String>,
    ) -> Result<Self, CoreError> {
        let today = calendar::today();
        let as_of = as_of.unwrap_or(today);
        let mut violations = Vec::new();
        if as_of > today {
            violations.push(FieldViolation::new(
                "as_of",
                format!("must not be after today ({today} in Asia/Jakarta)"),
            ));
        }
        let (quarter_start, quarter_end) = calendar::quarter_of(as_of);
        let params = match period {
            (None, None) => (quarter_start, quarter_end),
            (Some(start), Some(end)) => (start, end),
            (Some(_), None) => {
                violations.push(FieldViolation::new(
                    "period_end",
                    "required with period_start",
                ));
                (quarter_start, quarter_end)
            }
            (None, Some(_)) => {
                violations.push(FieldViolation::new(
                    "period_start",
                    "required with period_end",
                ));
                (quarter_start, quarter_end)
            }
        };
        if params.1 < params.0 {
            violations.push(FieldViolation::new(
                "period_end",
                "must not be before period_start",
            ));
        }
        if !violations.is_empty() {
            return Err(CoreError::InvalidArgument(violations));
        }
        Ok(Self {
            as_of,
            period_start: params.0,
            period_end: params.1,
            region_code,
            report_grace_days: kerjasama_core::implementation_reports::DEFAULT_GRACE_DAYS,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_runs, check_for_backend(diesel::pg::Pg))]
pub struct ReportRun {
    pub id: Uuid,
    pub region_code: Option<String>,
    pub as_of: NaiveDate,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub state: String,
    pub error: Option<String>,
    pub files: Vec<String>,
    pub output_dir: String,
    pub requested_by: String,
    pub create_time: DateTime<Utc>,
    pub finish_time: Option<DateTime<Utc>>,
}

impl ReportRun {
    pub fn name(&self) -> String {
        format!("reportRuns/{}", self.id)
    }
}

/// Where a run's files go.
pub enum Destination {
    /// `<root>/<run id>/`: runs kept by the server.
    UnderRoot(PathBuf),
    /// Exactly this folder (the CLI's `--out`).
    Folder(PathBuf),
}

/// Computes and publishes a report; the run is recorded whatever happens.
pub async fn run(
    pool: &PgPool,
    database_url: &str,
    actor: &Principal,
    params: ReportParams,
    destination: Destination,
) -> JobResult<ReportRun> {
    actor.check_run_reports()?;
    if let Some(region) = &params.region_code {
        actor.check_read(region)?;
    }
    let params = ReportParams {
        region_code: params.region_code.or_else(|| actor.region_code.clone()),
        ..params
    };
    let id = Uuid::now_v7();
    let dir = match destination {
        Destination::UnderRoot(root) => root.join(id.to_string()),
        Destination::Folder(dir) => dir,
    };
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    diesel::insert_into(report_runs::table)
        .values((
            report_runs::id.eq(id),
            report_runs::region_code.eq(&params.region_code),
            report_runs::as_of.eq(params.as_of),
            report_runs::period_start.eq(params.period_start),
            report_runs::period_end.eq(params.period_end),
            report_runs::state.eq("RUNNING"),
            report_runs::output_dir.eq(dir.to_string_lossy().as_ref()),
            report_runs::requested_by.eq(&actor.name),
        ))
        .execute(&mut conn)
        .await?;
    drop(conn);

    let outcome = compute_and_publish(database_url, &params, &dir, id).await;
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let (state, error, files) = match &outcome {
        Ok(files) => ("SUCCEEDED", None, files.clone()),
        Err(e) => ("FAILED", Some(e.to_string()), Vec::new()),
    };
    let recorded: ReportRun = diesel::update(report_runs::table.find(id))
        .set((
            report_runs::state.eq(state),
            report_runs::error.eq(error),
            report_runs::files.eq(files),
            report_runs::finish_time.eq(diesel::dsl::now),
        ))
        .returning(ReportRun::as_returning())
        .get_result(&mut conn)
        .await?;
    outcome.map(|_| recorded)
}

async fn compute_and_publish(
    database_url: &str,
    params: &ReportParams,
    dir: &Path,
    id: Uuid,
) -> JobResult<Vec<String>> {
    let client = load::connect(database_url).await?;
    let register = load::register(&client, params.as_of, params.region_code.as_deref()).await?;
    let mut staging = Staging::new(dir, id)?;
    let period = Period {
        as_of: params.as_of,
        start: params.period_start,
        end: params.period_end,
        report_grace_days: params.report_grace_days,
    };
    let computed = tokio::task::spawn_blocking(move || metrics::compute(&register, &period))
        .await
        .map_err(|e| CoreError::Internal(format!("metrics task: {e}")))?;
    let written = computed.and_then(|tables| {
        tables.into_iter().try_for_each(|mut table| {
            staging.write_csv(&format!("{}.csv", table.name), &mut table.frame)
        })
    });
    match written {
        Ok(()) => staging.publish(),
        Err(error) => {
            staging.discard();
            Err(error)
        }
    }
}

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
    match (&actor.region_code, &run.region_code) {
        (None, _) => Ok(run),
        (Some(own), Some(region)) if own == region => Ok(run),
        _ => Err(CoreError::PermissionDenied(format!(
            "reportRuns/{id} covers regions outside token {}'s scope",
            actor.name
        ))),
    }
}

/// The path of one published file of a succeeded run.
pub fn file_path(run: &ReportRun, file: &str) -> Result<PathBuf, CoreError> {
    if run.state != "SUCCEEDED" {
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
