//! The report pipeline, in one straight line: load the register (COPY into
//! polars) → compute the metric tables → write the outputs (CSV, Parquet, the
//! workbook) → build the meeting pack (HTML, PDF) → the manifest. Files are
//! staged and published atomically; the queue decides when a run computes.

use std::path::Path;

use chrono::NaiveDate;

use kerjasama_core::CoreError;
use kerjasama_core::open_register;
use kerjasama_core::pool::PgPool;

use crate::error::JobResult;
use crate::load;
use crate::metrics::{self, Period};
use crate::output::Staging;
use crate::run_record::{PACK_HTML, PACK_PDF, ReportRun, WORKBOOK};

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
    let names = crate::names::Names::load(&client, &register).await?;
    let open_register = if run.public_register {
        Some(open_register::read(pool, run.region_code.as_deref(), run.as_of).await?)
    } else {
        None
    };
    log_phase(
        &run.name(),
        "register loaded",
        started.elapsed().as_secs_f64(),
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
        let outcome = stage_and_publish(register, names, open_register, &run, &lease_lost, started);
        // Everything the run held is dropped by now.
        release_freed_memory(&run.name());
        outcome
    })
    .await
    .map_err(|e| CoreError::Internal(format!("report task: {e}")))?
}

/// Writes the run's files to a staging folder and publishes them, or
/// discards them (an error, or `lease_lost` set by then). Takes the
/// register, names and open register by value: they are freed on return.
fn stage_and_publish(
    register: load::Register,
    names: crate::names::Names,
    open_register: Option<open_register::OpenRegister>,
    run: &ReportRun,
    lease_lost: &std::sync::atomic::AtomicBool,
    started: std::time::Instant,
) -> JobResult<Vec<String>> {
    let mut staging = Staging::new(Path::new(&run.output_dir), run.id)?;
    match write_files(
        register,
        &names,
        open_register.as_ref(),
        run,
        &mut staging,
        started,
    ) {
        Ok(()) if lease_lost.load(std::sync::atomic::Ordering::SeqCst) => {
            staging.discard();
            Err(CoreError::Aborted(format!("{} lost its lease", run.name())).into())
        }
        Ok(()) => staging.publish(),
        Err(error) => {
            staging.discard();
            Err(error)
        }
    }
}

/// One `report phase: …` line: the phase's seconds and this process's
/// resident memory now and at its peak (BENCHMARKS.md reads these).
fn log_phase(run: &str, phase: &str, seconds: f64) {
    let (rss_mib, peak_rss_mib) = resident_mib();
    tracing::info!(run, seconds, rss_mib, peak_rss_mib, "report phase: {phase}");
}

/// Gives the memory a run freed back to the kernel. glibc's malloc keeps
/// freed heap pages for reuse, and after a run at national scale that is
/// gigabytes a server would otherwise hold until its next run. Logged with the
/// resident memory before and after.
fn release_freed_memory(run: &str) {
    let (before, _) = resident_mib();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only hands free heap pages back to the kernel; it
    // is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
    let (after, peak) = resident_mib();
    tracing::info!(
        run,
        rss_before_mib = before,
        rss_mib = after,
        peak_rss_mib = peak,
        "report phase: freed memory released"
    );
}

/// This process's resident memory now and at its peak so far, in MiB
/// (`VmRSS` and `VmHWM` of /proc/self/status; 0 where there is no such file).
/// The whole process's, so a server running other work counts that too.
fn resident_mib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    // "VmRSS:	 2030376 kB"
    let field = |key: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
            .map_or(0, |kib| kib / 1024)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Computes the run's tables and stages every file: CSVs, the workbook, the
/// meeting pack, and the manifest last (it lists the others' digests).
fn write_files(
    register: load::Register,
    names: &crate::names::Names,
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
    // Where a run's time goes, phase by phase.
    let run_name = run.name();
    let mut phase_start = std::time::Instant::now();
    let mut phase = |name: &str| {
        log_phase(&run_name, name, phase_start.elapsed().as_secs_f64());
        phase_start = std::time::Instant::now();
    };
    let mut tables: Vec<metrics::Table> = metrics::compute(&register, &period)?
        .into_iter()
        .filter(|t| run.tables.is_empty() || run.tables.iter().any(|w| w == t.name))
        .collect();
    let stages_assumed_done = crate::metrics::overdue::stages_assumed_done(&register, run.as_of)?;
    // Everything after this reads the tables and the names only: the
    // register's frames (most of the run's memory at national scale) go now,
    // not after the last file.
    drop(register);
    phase("metrics computed");
    let mut listed = Vec::with_capacity(tables.len());
    for table in tables.iter_mut() {
        let file = format!("{}.csv", table.name);
        // The files keep the codes and gain, at the end, their names.
        let mut named = crate::names::with_name_columns(&table.frame, names)?;
        staging.write_csv(&file, &mut named)?;
        staging.write_parquet(&format!("{}.parquet", table.name), &mut named)?;
        listed.push(ManifestTable {
            name: table.name,
            file,
            rows: named.height(),
            columns: crate::rows::columns_of(&named),
        });
    }
    phase("CSV and Parquet written");
    let sheets: Vec<(&str, &polars::prelude::DataFrame)> =
        tables.iter().map(|t| (t.name, &t.frame)).collect();
    staging.write_xlsx(WORKBOOK, run, &sheets, names)?;
    phase("workbook written");
    let context = crate::pack::PackContext {
        stages_assumed_done,
        names,
    };
    let pack = crate::pack::build(&tables, run, &context)?;
    staging.write_bytes(PACK_HTML, crate::pack::html::render(&pack)?.as_bytes())?;
    staging.write_bytes(PACK_PDF, &crate::pack::pdf::render(&pack)?)?;
    phase("meeting pack written");
    if let Some(open) = open_register {
        let publisher = match &run.region_code {
            Some(code) => format!("Pemerintah {}", kerjasama_core::regions::display(code)),
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
