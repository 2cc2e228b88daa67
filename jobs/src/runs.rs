//! Report runs: parameters checked, the run recorded in `report_runs`
//! (RUNNING → SUCCEEDED or FAILED with its error), metrics computed off the
//! async runtime, files published atomically.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use kerjasama_core::access::Principal;
use kerjasama_core::calendar;
use kerjasama_core::open_register;
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
    /// Only these tables (file stems, e.g. `overdue_stages`); empty: all.
    pub tables: Vec<String>,
    /// Also write the open register (`kerjasama_core::open_register`).
    pub public_register: bool,
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
            tables: Vec::new(),
            public_register: false,
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
    pub start_time: Option<DateTime<Utc>>,
    pub report_grace_days: i32,
    pub software_version: String,
    pub schedule_id: Option<Uuid>,
    pub scheduled_for: Option<DateTime<Utc>>,
    /// The tables asked for; empty: all.
    pub tables: Vec<String>,
    /// Attempts started so far (a run whose worker died is attempted again).
    pub attempts: i32,
    pub max_attempts: i32,
    /// The run also writes the open register.
    pub public_register: bool,
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

/// Every table of a run in one workbook, a sheet each.
pub const WORKBOOK: &str = "report.xlsx";

/// The version of the software that computes runs, recorded with each.
pub const SOFTWARE_VERSION: &str = concat!("kerjasama ", env!("CARGO_PKG_VERSION"));

/// A scheduled tick a run is for: (schedule, the instant it was due).
pub type Tick = (Uuid, DateTime<Utc>);

/// Records a queued run, after checking the caller may run reports.
pub async fn queue(
    pool: &PgPool,
    actor: &Principal,
    params: ReportParams,
    destination: Destination,
) -> JobResult<ReportRun> {
    let run = claim(pool, actor, params, destination, None, None)
        .await?
        .ok_or_else(|| CoreError::Internal("an unscheduled run cannot conflict".into()))?;
    crate::queue::wake();
    Ok(run)
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
    lease: Option<&crate::queue::Lease>,
) -> JobResult<Option<ReportRun>> {
    actor.check_run_reports()?;
    if let Some(region) = &params.region_code {
        actor.check_read(region)?;
    }
    let region_code = params
        .region_code
        .clone()
        .or_else(|| actor.region_code.clone());
    let id = Uuid::now_v7();
    let dir = match destination {
        Destination::UnderRoot(root) => root.join(id.to_string()),
        Destination::Folder(dir) => dir,
    };
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    conn.transaction(async |conn| {
        let run = diesel::insert_into(report_runs::table)
            .values((
                report_runs::id.eq(id),
                report_runs::region_code.eq(&region_code),
                report_runs::as_of.eq(params.as_of),
                report_runs::period_start.eq(params.period_start),
                report_runs::period_end.eq(params.period_end),
                report_runs::state.eq("QUEUED"),
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
            .optional()?;
        match (run, lease) {
            (Some(run), Some(lease)) => crate::queue::lease_run(conn, run.id, lease).await,
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
    let lease = crate::queue::Lease::new(std::time::Duration::from_secs(30));
    let leased = claim(pool, actor, params, destination, None, Some(&lease))
        .await?
        .ok_or_else(|| CoreError::Internal("an unscheduled run cannot conflict".into()))?;
    let finished = crate::queue::execute_leased(pool, database_url, &leased, &lease)
        .await?
        .ok_or_else(|| CoreError::Internal(format!("{} lost its lease", leased.name())))?;
    if finished.state == "FAILED" {
        return Err(CoreError::FailedPrecondition(
            finished.error.unwrap_or_else(|| "the run failed".into()),
        )
        .into());
    }
    Ok(finished)
}

#[derive(serde::Serialize)]
struct Manifest<'a> {
    run: String,
    as_of: NaiveDate,
    period_start: NaiveDate,
    period_end: NaiveDate,
    region_code: Option<&'a str>,
    report_grace_days: i32,
    software_version: &'a str,
    tables: Vec<ManifestTable>,
    files: Vec<ManifestFile>,
    duration_ms: u128,
}

#[derive(serde::Serialize)]
struct ManifestTable {
    name: &'static str,
    file: String,
    rows: usize,
    /// Each column's name and type (text, integer, decimal, date, boolean,
    /// number), so programs can read the CSV back with its types.
    columns: Vec<crate::rows::Column>,
}

#[derive(serde::Serialize)]
struct ManifestFile {
    name: String,
    sha256: String,
    bytes: u64,
}

/// Fault injection for the reliability tests: a pause (milliseconds) after
/// the register is loaded, so a test can kill a worker or its database while
/// a run is in flight. Unset in production.
const FAULT_PAUSE_ENV: &str = "KERJASAMA_FAULT_REPORT_PAUSE_MS";

/// Computes a run and publishes its files, unless `lease_lost` is set by
/// then (another attempt owns the run: its staged files are discarded).
pub(crate) async fn compute_and_publish(
    pool: &PgPool,
    database_url: &str,
    run: &ReportRun,
    lease_lost: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> JobResult<Vec<String>> {
    let started = std::time::Instant::now();
    let client = load::connect(database_url).await?;
    let register = load::register(&client, run.as_of, run.region_code.as_deref()).await?;
    let open_register = if run.public_register {
        Some(open_register::read(pool, run.region_code.as_deref(), run.as_of).await?)
    } else {
        None
    };
    tracing::info!(
        run = %run.name(),
        seconds = started.elapsed().as_secs_f64(),
        "report phase: register loaded"
    );
    if let Some(pause) = std::env::var(FAULT_PAUSE_ENV)
        .ok()
        .and_then(|ms| ms.parse::<u64>().ok())
    {
        tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
    }
    let run = run.clone();
    // Polars and file writing block: all of it runs off the async runtime, and
    // a panic in there becomes this run's error instead of a run left RUNNING.
    tokio::task::spawn_blocking(move || {
        let mut staging = Staging::new(Path::new(&run.output_dir), run.id)?;
        match write_files(
            &register,
            open_register.as_ref(),
            &run,
            &mut staging,
            started,
        ) {
            Ok(())
                if std::sync::atomic::AtomicBool::load(
                    &lease_lost,
                    std::sync::atomic::Ordering::SeqCst,
                ) =>
            {
                staging.discard();
                Err(CoreError::Aborted(format!("{} lost its lease", run.name())).into())
            }
            Ok(()) => staging.publish(),
            Err(error) => {
                staging.discard();
                Err(error)
            }
        }
    })
    .await
    .map_err(|e| CoreError::Internal(format!("report task: {e}")))?
}

/// Computes the run's tables and stages every file: CSVs, the workbook, the
/// meeting pack, and the manifest last (it lists the others' digests).
fn write_files(
    register: &load::Register,
    open_register: Option<&open_register::OpenRegister>,
    run: &ReportRun,
    staging: &mut Staging,
    started: std::time::Instant,
) -> JobResult<()> {
    let period = Period {
        as_of: run.as_of,
        start: run.period_start,
        end: run.period_end,
        report_grace_days: run.report_grace_days.max(0) as u32,
    };
    // Where a run's time goes, phase by phase (BENCHMARKS.md reads these).
    let mut phase_start = std::time::Instant::now();
    let mut phase = |name: &str| {
        tracing::info!(
            run = %run.name(),
            seconds = phase_start.elapsed().as_secs_f64(),
            "report phase: {name}"
        );
        phase_start = std::time::Instant::now();
    };
    let mut tables: Vec<metrics::Table> = metrics::compute(register, &period)?
        .into_iter()
        .filter(|t| run.tables.is_empty() || run.tables.iter().any(|w| w == t.name))
        .collect();
    phase("metrics computed");
    let mut listed = Vec::with_capacity(tables.len());
    for table in tables.iter_mut() {
        let file = format!("{}.csv", table.name);
        staging.write_csv(&file, &mut table.frame)?;
        staging.write_parquet(&format!("{}.parquet", table.name), &mut table.frame)?;
        listed.push(ManifestTable {
            name: table.name,
            file,
            rows: table.frame.height(),
            columns: crate::rows::columns_of(&table.frame),
        });
    }
    phase("CSV and Parquet written");
    let sheets: Vec<(&str, &polars::prelude::DataFrame)> =
        tables.iter().map(|t| (t.name, &t.frame)).collect();
    staging.write_xlsx(WORKBOOK, run, &sheets)?;
    phase("workbook written");
    let pack = crate::pack::build(&tables, run)?;
    staging.write_bytes(
        crate::pack::FILE_NAME,
        crate::pack::html::render(&pack)?.as_bytes(),
    )?;
    staging.write_bytes(
        crate::pack::PDF_FILE_NAME,
        &crate::pack::pdf::render(&pack)?,
    )?;
    phase("meeting pack written");
    if let Some(open) = open_register {
        let publisher = match &run.region_code {
            Some(code) => format!("Pemerintah Daerah, kode wilayah {code}"),
            None => "Biro Kerja Sama Daerah".to_string(),
        };
        staging.write_bytes(open_register::CSV_FILE, &open.to_csv()?)?;
        staging.write_bytes(open_register::JSON_FILE, &open.to_json()?)?;
        staging.write_bytes(
            open_register::DICTIONARY_FILE,
            &open_register::dictionary_csv()?,
        )?;
        staging.write_bytes(open_register::DCAT_FILE, &open.dcat(&publisher, "")?)?;
        phase("open register written");
    }
    let manifest = Manifest {
        run: run.name(),
        as_of: run.as_of,
        period_start: run.period_start,
        period_end: run.period_end,
        region_code: run.region_code.as_deref(),
        report_grace_days: run.report_grace_days,
        software_version: &run.software_version,
        tables: listed,
        files: staging
            .digests()?
            .into_iter()
            .map(|(name, sha256, bytes)| ManifestFile {
                name,
                sha256,
                bytes,
            })
            .collect(),
        duration_ms: started.elapsed().as_millis(),
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| CoreError::Internal(format!("manifest: {e}")))?;
    staging.write_bytes("manifest.json", &json)
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
        Some((stem, "html")) if has_csv(stem) => crate::pack::FILE_NAME,
        Some((stem, "pdf")) if has_csv(stem) => crate::pack::PDF_FILE_NAME,
        _ => file,
    };
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
    pub state: Option<String>,
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
) -> Result<kerjasama_core::agreements::Page<ReportRun>, CoreError> {
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
        query = query.filter(report_runs::state.eq(state.clone()));
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
    Ok(kerjasama_core::agreements::Page {
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
        .filter(report_runs::state.eq("SUCCEEDED"))
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
