//! Import runs: the long-running resource behind ImportService and
//! `kerjasama import`. A run keeps its uploaded files; validating it applies
//! every row in a transaction that is then rolled back (the dry run: the
//! same use cases, the same rules, nothing written); committing it applies
//! them again in a transaction that is kept only when every row is clean.
//!
//! States: VALIDATING → VALIDATED | INVALID; VALIDATED (not validate_only)
//! or FAILED → COMMITTING → SUCCEEDED | INVALID | FAILED. The working process
//! beats `heartbeat_at` every few seconds; a run VALIDATING or COMMITTING
//! whose heartbeat is older than [`STALE_AFTER`] (its server died) is FAILED
//! when next read, and its transaction died with the server, so nothing of it
//! was written; it can be committed again.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::commit::{self, Applied, Mode, Progress};
use super::problems::{self, Outcome, Problem, ReportLine};
use super::read::{self, ImportFile, MAX_FILE_BYTES};
use super::template::{self, TemplateLists};
use kerjasama_core::access::Principal;
use kerjasama_core::audit;
use kerjasama_core::error::{CoreError, CoreResult, FieldViolation};
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::{
    import_files, import_rows, import_runs, measurement_units, sectors, stage_definitions, units,
};

/// A run VALIDATING or COMMITTING without a heartbeat for this long is FAILED.
pub const STALE_AFTER: Duration = Duration::from_secs(60);
const HEARTBEAT: Duration = Duration::from_secs(5);

kerjasama_core::code_list! {
    /// Where an import run stands: VALIDATING → VALIDATED (clean), INVALID (its
    /// report lists problems) or FAILED; a commit goes COMMITTING → SUCCEEDED
    /// or FAILED (nothing written).
    ImportRunState {
        Validating = "VALIDATING",
        Validated = "VALIDATED",
        Invalid = "INVALID",
        Committing = "COMMITTING",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
    }
}

impl ImportRunState {
    /// VALIDATING or COMMITTING: a process is working on the run.
    pub fn is_working(self) -> bool {
        matches!(
            self,
            ImportRunState::Validating | ImportRunState::Committing
        )
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = import_runs, check_for_backend(diesel::pg::Pg))]
pub struct ImportRun {
    pub id: Uuid,
    pub region_code: String,
    pub state: ImportRunState,
    pub validate_only: bool,
    pub actor: String,
    pub request_id: Option<Uuid>,
    pub file_names: Vec<String>,
    pub file_bytes: i64,
    pub rows_total: i64,
    pub rows_processed: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub conflicting: i64,
    pub problem_count: i64,
    pub lines_not_listed: i64,
    pub error: Option<String>,
    pub heartbeat_at: DateTime<Utc>,
    pub committed_by: Option<String>,
    pub commit_time: Option<DateTime<Utc>>,
    pub version: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    /// Open stages due before this date are assumed done (docs/domain.md).
    pub history_from: Option<chrono::NaiveDate>,
    /// Stages the run assumed done (its dry run: would assume).
    pub assumed: i64,
}

kerjasama_core::resource!(ImportRun, "importRuns", import_runs);

impl ImportRun {
    pub fn is_finished(&self) -> bool {
        !self.state.is_working()
    }
}

/// One uploaded file.
pub struct Upload {
    pub name: String,
    pub content: Vec<u8>,
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0)).replace('.', ",")
}

/// The region an import's rows belong to, one rule for the API and the CLI:
/// the one given, else the caller's own, else the register's only region (a
/// bureau's register has one); with units in several regions, or none yet,
/// the caller must say.
pub async fn import_region(
    pool: &PgPool,
    actor: &Principal,
    given: Option<String>,
) -> CoreResult<String> {
    if let Some(region) = given.or_else(|| actor.region_code.clone()) {
        return Ok(region);
    }
    match kerjasama_core::units::regions(pool).await?.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(CoreError::invalid(
            "region_code",
            "required: the register has no units yet; give the Kemendagri code of the region the rows belong to, e.g. 36",
        )),
        many => Err(CoreError::invalid(
            "region_code",
            format!(
                "required: the register has units in regions {}; give the one the rows belong to",
                many.join(", ")
            ),
        )),
    }
}

/// Records a new run with its files (state VALIDATING) and says whether it
/// is new (a retry with the same `request_id` returns the first run). The
/// caller then runs [`execute`] on a new run (in the background for the API).
pub async fn create(
    pool: &PgPool,
    actor: &Principal,
    region_code: Option<String>,
    files: Vec<Upload>,
    validate_only: bool,
    request_id: Option<Uuid>,
    history_from: Option<chrono::NaiveDate>,
) -> CoreResult<(ImportRun, bool)> {
    let region = import_region(pool, actor, region_code).await?;
    if !kerjasama_core::names::is_region_code(&region) {
        return Err(CoreError::invalid(
            "region_code",
            "must be a Kemendagri region code such as 36 or 36.71",
        ));
    }
    actor.check_admin(Some(&region))?;
    let mut v = Vec::new();
    if files.is_empty() {
        v.push(FieldViolation::new(
            "files",
            "required: one XLSX workbook, or one CSV file per sheet",
        ));
    }
    let total: usize = files.iter().map(|f| f.content.len()).sum();
    if total > MAX_FILE_BYTES {
        v.push(FieldViolation::new(
            "files",
            format!(
                "{} MB in all; an import takes at most {} MB (split the register into several files) / berkas {} MB, batas {} MB",
                megabytes(total),
                MAX_FILE_BYTES / (1024 * 1024),
                megabytes(total),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    for (i, file) in files.iter().enumerate() {
        if file.name.trim().is_empty() || file.name.chars().count() > 255 {
            v.push(FieldViolation::new(
                format!("files[{i}].file_name"),
                "required: the file's name, at most 255 characters",
            ));
        }
        if file.content.is_empty() {
            v.push(FieldViolation::new(
                format!("files[{i}].content"),
                "the file is empty",
            ));
        }
    }
    let today = kerjasama_core::calendar::today();
    if history_from.is_some_and(|d| d > today) {
        v.push(FieldViolation::says(
            "history_from",
            &kerjasama_core::wording::HISTORY_FROM_NOT_FUTURE,
            vec![today.to_string()],
        ));
    }
    if !v.is_empty() {
        return Err(CoreError::InvalidArgument(v));
    }
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        if let Some(request_id) = request_id {
            let earlier: Option<ImportRun> = import_runs::table
                .filter(import_runs::request_id.eq(request_id))
                .select(ImportRun::as_select())
                .first(conn)
                .await
                .optional()?;
            if let Some(earlier) = earlier {
                actor.check_admin(Some(&earlier.region_code))?;
                return Ok((earlier, false));
            }
        }
        let id = Uuid::now_v7();
        let names: Vec<String> = files.iter().map(|f| f.name.trim().to_string()).collect();
        let inserted = diesel::insert_into(import_runs::table)
            .values((
                import_runs::id.eq(id),
                import_runs::region_code.eq(&region),
                import_runs::state.eq(ImportRunState::Validating),
                import_runs::validate_only.eq(validate_only),
                import_runs::actor.eq(&actor.name),
                import_runs::request_id.eq(request_id),
                import_runs::file_names.eq(&names),
                import_runs::file_bytes.eq(total as i64),
                import_runs::history_from.eq(history_from),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 0 {
            // A concurrent retry with the same request_id won: its run.
            let earlier: ImportRun = import_runs::table
                .filter(import_runs::request_id.eq(request_id))
                .select(ImportRun::as_select())
                .first(conn)
                .await?;
            actor.check_admin(Some(&earlier.region_code))?;
            return Ok((earlier, false));
        }
        for (position, file) in files.iter().enumerate() {
            diesel::insert_into(import_files::table)
                .values((
                    import_files::run_id.eq(id),
                    import_files::position.eq(position as i16),
                    import_files::region_code.eq(&region),
                    import_files::name.eq(file.name.trim()),
                    import_files::content.eq(&file.content),
                ))
                .execute(conn)
                .await?;
        }
        Ok((load(conn, id).await?, true))
    })
    .await
}

/// Marks runs whose worker stopped beating as FAILED (nothing was written).
async fn reap(conn: &mut AsyncPgConnection) -> CoreResult<()> {
    // The database's clock on both sides (heartbeats are set by it too).
    let cutoff = diesel::dsl::sql::<diesel::sql_types::Timestamptz>(&format!(
        "now() - interval '{} seconds'",
        STALE_AFTER.as_secs()
    ));
    diesel::update(
        import_runs::table
            .filter(import_runs::state.eq_any([ImportRunState::Validating, ImportRunState::Committing]))
            .filter(import_runs::heartbeat_at.lt(cutoff)),
    )
    .set((
        import_runs::state.eq(ImportRunState::Failed),
        import_runs::error.eq(
            "the server working on this import stopped; nothing was written, commit it again / server berhenti; tidak ada yang ditulis, ulangi commit",
        ),
        import_runs::version.eq(import_runs::version + 1),
        import_runs::update_time.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(pool: &PgPool, actor: &Principal, id: Uuid) -> CoreResult<ImportRun> {
    let mut conn = pool.get().await?;
    reap(&mut conn).await?;
    let run = load(&mut conn, id).await?;
    actor.check_admin(Some(&run.region_code))?;
    Ok(run)
}

/// A page of runs, newest first.
pub async fn list(
    pool: &PgPool,
    actor: &Principal,
    before: Option<Uuid>,
    limit: i64,
) -> CoreResult<Vec<ImportRun>> {
    actor.check_admin(actor.region_code.as_deref())?;
    let mut conn = pool.get().await?;
    reap(&mut conn).await?;
    let mut query = import_runs::table
        .select(ImportRun::as_select())
        .order(import_runs::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(region) = &actor.region_code {
        query = query.filter(import_runs::region_code.eq(region.clone()));
    }
    if let Some(before) = before {
        query = query.filter(import_runs::id.lt(before));
    }
    Ok(query.load(&mut conn).await?)
}

/// Moves a finished run to COMMITTING (once: a second call finds it
/// COMMITTING and is refused).
pub async fn start_commit(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    etag: Option<&str>,
) -> CoreResult<ImportRun> {
    let run = get(pool, actor, id).await?;
    kerjasama_core::etag::check(&run.etag(), etag, &run.name())?;
    let refuse = |why: &str| {
        Err(CoreError::FailedPrecondition(format!(
            "{} is {}: {why}",
            run.name(),
            run.state
        )))
    };
    match (run.state, run.validate_only) {
        (_, true) => {
            return refuse(
                "it was uploaded as a dry run (validate_only); upload it again to commit",
            );
        }
        (ImportRunState::Validated | ImportRunState::Failed, false) => {}
        (ImportRunState::Validating, _) => return refuse("wait until it is VALIDATED"),
        (ImportRunState::Invalid, _) => {
            return refuse("fix the rows its report lists and upload the file again");
        }
        (ImportRunState::Committing, _) => return refuse("it is being committed"),
        _ => return refuse("it is already committed"),
    }
    let mut conn = pool.get().await?;
    let moved: Option<ImportRun> = diesel::update(
        import_runs::table
            .find(id)
            .filter(import_runs::version.eq(run.version)),
    )
    .set((
        import_runs::state.eq(ImportRunState::Committing),
        import_runs::committed_by.eq(&actor.name),
        import_runs::rows_processed.eq(0),
        import_runs::error.eq(None::<String>),
        import_runs::heartbeat_at.eq(diesel::dsl::now),
        import_runs::version.eq(import_runs::version + 1),
        import_runs::update_time.eq(diesel::dsl::now),
    ))
    .returning(ImportRun::as_returning())
    .get_result(&mut conn)
    .await
    .optional()?;
    moved.ok_or_else(|| {
        CoreError::Aborted(format!(
            "{} changed while committing; read it again",
            run.name()
        ))
    })
}

/// Moves a new run (just created, not validate_only) straight to
/// COMMITTING: the CLI's import without `--dry-run`, one pass that validates
/// and writes every row or none.
pub async fn commit_new(pool: &PgPool, actor: &Principal, id: Uuid) -> CoreResult<ImportRun> {
    let mut conn = pool.get().await?;
    diesel::update(
        import_runs::table
            .find(id)
            .filter(import_runs::state.eq(ImportRunState::Validating))
            .filter(import_runs::validate_only.eq(false)),
    )
    .set((
        import_runs::state.eq(ImportRunState::Committing),
        import_runs::committed_by.eq(&actor.name),
        import_runs::version.eq(import_runs::version + 1),
        import_runs::update_time.eq(diesel::dsl::now),
    ))
    .returning(ImportRun::as_returning())
    .get_result(&mut conn)
    .await
    .optional()?
    .ok_or_else(|| {
        CoreError::FailedPrecondition(format!("importRuns/{id} is not a new run to commit"))
    })
}

enum Finish {
    Core(CoreError),
    Rollback(Box<Applied>),
}

impl From<diesel::result::Error> for Finish {
    fn from(error: diesel::result::Error) -> Self {
        Finish::Core(error.into())
    }
}

/// Records a pass's outcome, only if the run is still the one this process
/// works on (same version, still VALIDATING or COMMITTING: not reaped, not
/// finished by another): `false` otherwise, and nothing is changed.
async fn record_outcome(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    version: i64,
    state: ImportRunState,
    applied: Option<&Applied>,
    error: Option<String>,
) -> CoreResult<bool> {
    let recorded = diesel::update(
        import_runs::table
            .find(id)
            .filter(import_runs::version.eq(version))
            .filter(
                import_runs::state.eq_any([ImportRunState::Validating, ImportRunState::Committing]),
            ),
    )
    .set((
        import_runs::state.eq(state),
        import_runs::error.eq(error),
        import_runs::version.eq(import_runs::version + 1),
        import_runs::update_time.eq(diesel::dsl::now),
    ))
    .returning(import_runs::region_code)
    .get_result::<String>(conn)
    .await
    .optional()?;
    let Some(region) = recorded else {
        return Ok(false);
    };
    if state == ImportRunState::Succeeded {
        diesel::update(import_runs::table.find(id))
            .set(import_runs::commit_time.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
    }
    if let Some(applied) = applied {
        let (lines, not_listed) = applied.report();
        diesel::update(import_runs::table.find(id))
            .set((
                import_runs::rows_total.eq(applied.rows_total as i64),
                import_runs::rows_processed.eq(applied.rows_total as i64),
                import_runs::created.eq(applied.created as i64),
                import_runs::updated.eq(applied.updated as i64),
                import_runs::unchanged.eq(applied.unchanged as i64),
                import_runs::conflicting.eq(applied.conflicting as i64),
                import_runs::assumed.eq(applied.assumed as i64),
                import_runs::problem_count.eq(applied.invalid as i64),
                import_runs::lines_not_listed.eq(not_listed as i64),
            ))
            .execute(conn)
            .await?;
        diesel::delete(import_rows::table.filter(import_rows::run_id.eq(id)))
            .execute(conn)
            .await?;
        for (chunk_index, chunk) in lines.chunks(1000).enumerate() {
            let rows: Vec<_> = chunk
                .iter()
                .enumerate()
                .map(|(i, line)| {
                    (
                        import_rows::run_id.eq(id),
                        import_rows::seq.eq((chunk_index * 1000 + i) as i32),
                        import_rows::region_code.eq(region.clone()),
                        import_rows::sheet.eq(line.problem.sheet.clone()),
                        import_rows::row_number.eq(line.problem.row.map(|r| r as i32)),
                        import_rows::column_name.eq(line.problem.column.clone()),
                        import_rows::value.eq(line.problem.value.clone()),
                        import_rows::outcome.eq(line.outcome.code()),
                        import_rows::message_id.eq(line.problem.message_id.clone()),
                        import_rows::message_en.eq(line.problem.message_en.clone()),
                    )
                })
                .collect();
            diesel::insert_into(import_rows::table)
                .values(rows)
                .execute(conn)
                .await?;
        }
    }
    Ok(true)
}

/// Validates (`commit` false) or commits a run, recording the outcome. The
/// caller has put it in VALIDATING or COMMITTING. `actor` is whose rights the
/// rows are written with (the uploader to validate, the committer to commit).
///
/// A commit records SUCCEEDED in the transaction that writes the rows, so
/// the two cannot part; every other outcome is recorded after the rows were
/// rolled back. Either is recorded only if the run was not reaped or
/// finished meanwhile (its version is unchanged).
pub async fn execute(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    commit: bool,
) -> CoreResult<ImportRun> {
    execute_with_scans(pool, actor, id, commit, None).await
}

/// [`execute`], filing `scans` in the document archive with the rows (the
/// command line's `--documents DIR|ZIP`): checked in a dry run, stored only
/// by a commit, and only when every row and every scan passes.
pub async fn execute_with_scans(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    commit: bool,
    scans: Option<&crate::filing::ScanSet>,
) -> CoreResult<ImportRun> {
    let version = {
        let mut conn = pool.get().await?;
        load(&mut conn, id).await?.version
    };
    let progress = Progress::default();
    let beat = {
        let pool = pool.clone();
        let progress = progress.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(HEARTBEAT).await;
                let beat = async {
                    let mut conn = pool.get().await?;
                    diesel::update(import_runs::table.find(id))
                        .set((
                            import_runs::heartbeat_at.eq(diesel::dsl::now),
                            import_runs::rows_processed.eq(progress.rows() as i64),
                        ))
                        .execute(&mut conn)
                        .await?;
                    Ok::<_, CoreError>(())
                };
                // A missed beat is retried at the next; a minute of them and
                // the run is reaped (and its outcome then not recorded).
                if let Err(error) = beat.await {
                    tracing::warn!(%error, run = %format!("importRuns/{id}"), "import heartbeat failed");
                }
            }
        })
    };
    let outcome = work(pool, actor, id, commit, version, &progress, scans).await;
    beat.abort();
    let (state, applied, error) = match outcome {
        // Recorded with the rows.
        Ok(_) => (ImportRunState::Succeeded, None, None),
        Err(Finish::Rollback(applied)) if applied.is_clean() && !commit => {
            (ImportRunState::Validated, Some(*applied), None)
        }
        Err(Finish::Rollback(applied)) => (ImportRunState::Invalid, Some(*applied), None),
        Err(Finish::Core(error)) => (ImportRunState::Failed, None, Some(error.to_string())),
    };
    let mut conn = pool.get().await?;
    if state != ImportRunState::Succeeded {
        let recorded = conn
            .transaction(async |conn| {
                record_outcome(conn, id, version, state, applied.as_ref(), error.clone()).await
            })
            .await;
        match recorded {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(run = %format!("importRuns/{id}"), "the run changed while it was worked on; its outcome is not recorded")
            }
            Err(record_error) => {
                // The report could not be stored: record at least the failure.
                tracing::warn!(%record_error, run = %format!("importRuns/{id}"), "recording the import's outcome failed");
                record_outcome(
                    &mut conn,
                    id,
                    version,
                    ImportRunState::Failed,
                    None,
                    Some(format!("recording the outcome failed: {record_error}")),
                )
                .await?;
            }
        }
    }
    load(&mut conn, id).await
}

async fn work(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    commit: bool,
    version: i64,
    progress: &Progress,
    scans: Option<&crate::filing::ScanSet>,
) -> Result<Applied, Finish> {
    let mut conn = pool.get().await.map_err(|e| Finish::Core(e.into()))?;
    let run = load(&mut conn, id).await.map_err(Finish::Core)?;
    let files: Vec<(String, Vec<u8>)> = import_files::table
        .filter(import_files::run_id.eq(id))
        .order(import_files::position)
        .select((import_files::name, import_files::content))
        .load(&mut conn)
        .await
        .map_err(|e| Finish::Core(e.into()))?;
    // Reading is CPU work: off the async runtime.
    let parsed = tokio::task::spawn_blocking(move || {
        let refs: Vec<ImportFile<'_>> = files
            .iter()
            .map(|(name, content)| ImportFile { name, content })
            .collect();
        read::read(&refs)
    })
    .await
    .map_err(|e| Finish::Core(CoreError::Internal(format!("reading the import: {e}"))))?;
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(file_problems) => {
            let lines = problems::invalid(file_problems);
            return Err(Finish::Rollback(Box::new(Applied {
                invalid: lines.len() as u64,
                lines,
                ..Applied::default()
            })));
        }
    };
    // The scans are read and checked once, before the transaction.
    let (ready, scan_problems) = match scans {
        Some(set) => crate::filing::prepare(pool, set)
            .await
            .map_err(Finish::Core)?,
        None => (Vec::new(), Vec::new()),
    };
    let batch = run.name();
    let region = run.region_code.clone();
    let past = commit::History {
        run: run.name(),
        history_from: run.history_from,
    };
    // A file the reader already faulted goes straight to the reporting pass.
    let fast_first = parsed.problems.is_empty() && parsed.problems_not_listed == 0;
    let modes: &[Mode] = if fast_first {
        &[Mode { savepoints: false }, Mode { savepoints: true }]
    } else {
        &[Mode { savepoints: true }]
    };
    let mut outcome = Err(Finish::Core(CoreError::Internal(
        "no import pass ran".into(),
    )));
    for &mode in modes {
        progress.reset();
        let rows = parsed.clone();
        outcome = audit::within(batch.clone(), async {
            let committed = conn.transaction(async |conn| {
                // One import of a region at a time: two overlapping files
                // cannot both create the same document number, and imports
                // never wait on each other's row locks.
                diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind::<diesel::sql_types::Text, _>(format!("kerjasama.import:{region}"))
                    .execute(conn)
                    .await?;
                let mut applied = commit::apply(conn, actor, mode, &region, rows, progress, &past)
                    .await
                    .map_err(Finish::Core)?;
                // Scans are filed under the rows just applied: only when
                // every row passed (a failed row's agreement is not there).
                let rows_clean = applied.is_clean();
                for problem in &scan_problems {
                    applied.invalid_line(problem.clone());
                }
                if let Some(set) = scans
                    && rows_clean
                {
                    crate::filing::file(
                        conn,
                        actor,
                        &region,
                        &set.settings,
                        &ready,
                        commit,
                        &mut applied,
                    )
                    .await
                    .map_err(Finish::Core)?;
                }
                // The audit rows the batch still holds back, in its transaction.
                audit::flush(conn).await.map_err(Finish::Core)?;
                if commit && applied.is_clean() {
                    if !record_outcome(
                        conn,
                        id,
                        version,
                        ImportRunState::Succeeded,
                        Some(&applied),
                        None,
                    )
                    .await
                    .map_err(Finish::Core)?
                    {
                        return Err(Finish::Core(CoreError::Aborted(format!(
                            "importRuns/{id} changed while it was committed; nothing was written"
                        ))));
                    }
                    Ok(applied)
                } else {
                    Err(Finish::Rollback(Box::new(applied)))
                }
            })
            .await;
            // Every audit row of a committed pass went out with it (the
            // flush above); one held back now would be lost.
            let unsent = audit::pending();
            if committed.is_ok() && unsent > 0 {
                tracing::error!(
                    unsent,
                    run = %batch,
                    "an import committed with audit rows it never sent"
                );
            }
            committed
        })
        .await;
        let clean = match &outcome {
            Ok(_) => true,
            Err(Finish::Rollback(applied)) => applied.is_clean(),
            Err(Finish::Core(_)) => false,
        };
        // The fast pass (no savepoints) is only trusted when every row
        // passed; otherwise the savepoint pass tries and reports every row.
        if clean || mode.savepoints {
            break;
        }
    }
    outcome
}

/// How many runs are in each state (for monitoring).
pub async fn counts_by_state(
    pool: &PgPool,
) -> CoreResult<std::collections::HashMap<ImportRunState, i64>> {
    let mut conn = pool.get().await?;
    let rows: Vec<(ImportRunState, i64)> = import_runs::table
        .group_by(import_runs::state)
        .select((import_runs::state, diesel::dsl::count_star()))
        .load(&mut conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The per-row report, lines `offset..offset + limit`, and the total.
pub async fn lines(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    offset: i64,
    limit: i64,
) -> CoreResult<(Vec<ReportLine>, i64)> {
    let run = get(pool, actor, id).await?;
    stored_lines(pool, &run, offset, limit).await
}

/// The stored lines of a run the caller may see.
async fn stored_lines(
    pool: &PgPool,
    run: &ImportRun,
    offset: i64,
    limit: i64,
) -> CoreResult<(Vec<ReportLine>, i64)> {
    let mut conn = pool.get().await?;
    let total: i64 = import_rows::table
        .filter(import_rows::run_id.eq(run.id))
        .count()
        .get_result(&mut conn)
        .await?;
    type Line = (
        String,
        Option<i32>,
        Option<String>,
        String,
        String,
        String,
        String,
    );
    let rows: Vec<Line> = import_rows::table
        .filter(import_rows::run_id.eq(run.id))
        .order(import_rows::seq)
        .offset(offset)
        .limit(limit)
        .select((
            import_rows::sheet,
            import_rows::row_number,
            import_rows::column_name,
            import_rows::value,
            import_rows::outcome,
            import_rows::message_id,
            import_rows::message_en,
        ))
        .load(&mut conn)
        .await?;
    let lines = rows
        .into_iter()
        .map(|(sheet, row, column, value, outcome, id, en)| ReportLine {
            outcome: Outcome::from_code(&outcome).unwrap_or(Outcome::Invalid),
            problem: Problem::new(sheet, row.map(|r| r.max(0) as u32), column, &value, id, en),
        })
        .collect();
    Ok((lines, total))
}

/// The per-row report as a file: `csv` or `xlsx`.
pub async fn report_file(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    format: &str,
) -> CoreResult<Vec<u8>> {
    let run = get(pool, actor, id).await?;
    let (lines, _) = stored_lines(pool, &run, 0, commit::MAX_LINES as i64).await?;
    let not_listed = run.lines_not_listed.max(0) as u64;
    match format {
        "" | "csv" => {
            let mut out = Vec::new();
            problems::write_csv(&lines, &mut out)
                .map_err(|e| CoreError::Internal(format!("import report CSV: {e}")))?;
            Ok(out)
        }
        "xlsx" => problems::write_xlsx(&lines, not_listed)
            .map_err(|e| CoreError::Internal(format!("import report XLSX: {e}"))),
        _ => Err(CoreError::invalid("format", "must be csv or xlsx")),
    }
}

/// The workbook a bureau fills in, with the region's units, the sectors and
/// the measurement units as drop-downs.
pub async fn template_for(pool: &PgPool, region: Option<&str>) -> CoreResult<Vec<u8>> {
    let mut conn = pool.get().await?;
    let mut unit_query = units::table
        .select((units::code, units::display_name))
        .order(units::code)
        .into_boxed();
    if let Some(region) = region {
        unit_query = unit_query.filter(units::region_code.eq(region.to_string()));
    }
    let (units, unit_names): (Vec<String>, Vec<String>) = unit_query
        .load::<(String, String)>(&mut conn)
        .await?
        .into_iter()
        .unzip();
    let (sectors, sector_names): (Vec<String>, Vec<String>) = sectors::table
        .select((sectors::code, sectors::name_id))
        .order(sectors::code)
        .load::<(String, String)>(&mut conn)
        .await?
        .into_iter()
        .unzip();
    let (measurement_units, measurement_unit_names): (Vec<String>, Vec<String>) =
        measurement_units::table
            .select((measurement_units::code, measurement_units::name_id))
            .order(measurement_units::code)
            .load::<(String, String)>(&mut conn)
            .await?
            .into_iter()
            .unzip();
    let lists = TemplateLists {
        units,
        unit_names,
        sectors,
        sector_names,
        measurement_units,
        measurement_unit_names,
        stages: stage_definitions::table
            .select(stage_definitions::name_id)
            .order(stage_definitions::name_id)
            .load(&mut conn)
            .await?,
    };
    tokio::task::spawn_blocking(move || template::template(&lists))
        .await
        .map_err(|e| CoreError::Internal(format!("template: {e}")))?
        .map_err(|e| CoreError::Internal(format!("template: {e}")))
}
