//! `kerjasama report`: compute a run into a folder (`run`), or download a
//! file of a run from a running server (`fetch`).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use kerjasama_core::access::Principal;
use kerjasama_core::calendar;
use kerjasama_jobs::run_record::{self, Destination, ReportParams};

use super::say;
use crate::cli::{self, ReportCommand};
use crate::database::Database;

/// `kerjasama report run`.
pub async fn run(command: &ReportCommand, db: &Database) -> anyhow::Result<()> {
    let system = Principal::system("kerjasama-cli");
    let ReportCommand::Run {
        as_of,
        period,
        period_start,
        period_end,
        region,
        report_grace_days,
        public_register,
        out,
    } = command
    else {
        unreachable!("report fetch needs no database and is dispatched before");
    };
    let date = |flag: &str, text: &Option<String>| -> anyhow::Result<_> {
        text.as_deref()
            .map(|t| {
                calendar::parse_date(t)
                    .with_context(|| format!("--{flag} {t}: expected YYYY-MM-DD"))
            })
            .transpose()
    };
    let params = ReportParams {
        report_grace_days: *report_grace_days,
        public_register: *public_register,
        ..ReportParams::new(
            date("as-of", as_of)?,
            (
                date(
                    "period-start",
                    &period_start.clone().or_else(|| period_bound(period, 0)),
                )?,
                date(
                    "period-end",
                    &period_end.clone().or_else(|| period_bound(period, 1)),
                )?,
            ),
            region.clone(),
        )?
    };
    let run = run_with_progress(db, &system, params, out).await?;
    println!(
        "{}: as of {}, period {} to {}",
        run.name(),
        run.as_of,
        run.period_start,
        run.period_end
    );
    for file in &run.files {
        println!("{}", out.join(file).display());
    }
    Ok(())
}

/// `START..END` of `--period`: the bound at `index` (0 start, 1 end).
fn period_bound(period: &Option<String>, index: usize) -> Option<String> {
    let period = period.as_deref()?;
    let (start, end) = period.split_once("..").unwrap_or((period, ""));
    Some([start, end][index].trim().to_string())
}

/// Runs a report into `out`, showing a spinner with the elapsed time when
/// stderr is a terminal.
async fn run_with_progress(
    db: &Database,
    actor: &Principal,
    params: ReportParams,
    out: &Path,
) -> anyhow::Result<run_record::ReportRun> {
    use std::io::IsTerminal;
    let (pool, url, actor) = (db.pool.clone(), db.url.clone(), actor.clone());
    let destination = Destination::Folder(out.to_path_buf());
    let work = tokio::spawn(async move {
        kerjasama_jobs::queue::run(&pool, &url, &actor, params, destination).await
    });
    let terminal = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut frames = ['|', '/', '-', '\\'].iter().cycle();
    while !work.is_finished() {
        if terminal {
            let frame = frames.next().unwrap_or(&'|');
            eprint!(
                "\r{frame} computing the report ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
    if terminal {
        eprintln!(
            "\r  computed the report in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(work.await??)
}

/// Downloads one file of a run through the server's ReportService.
pub async fn fetch(
    server: &str,
    token: &str,
    run: &str,
    table: Option<&str>,
    format: cli::FetchFormat,
    dialect: &str,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    use kerjasama_proto::v1::DownloadReportFileRequest;
    use kerjasama_proto::v1::report_service_client::ReportServiceClient;
    let file = match (format, table) {
        (cli::FetchFormat::Csv, Some(table)) => format!("{table}.csv"),
        (cli::FetchFormat::Csv, None) => {
            anyhow::bail!("--format csv needs the table, e.g. overdue_stages")
        }
        (cli::FetchFormat::Xlsx, _) => kerjasama_jobs::run_record::WORKBOOK.to_string(),
        (cli::FetchFormat::Html, _) => kerjasama_jobs::run_record::PACK_HTML.to_string(),
        (cli::FetchFormat::Pdf, _) => kerjasama_jobs::run_record::PACK_PDF.to_string(),
        (cli::FetchFormat::Manifest, _) => "manifest.json".to_string(),
    };
    let run = if run.starts_with("reportRuns/") {
        run.to_string()
    } else {
        format!("reportRuns/{run}")
    };
    // `127.0.0.1:50051` means the plain gRPC port on that address.
    let server = if server.contains("://") {
        server.to_string()
    } else {
        format!("http://{server}")
    };
    let mut client = match ReportServiceClient::connect(server.clone()).await {
        Ok(client) => client,
        Err(_) => anyhow::bail!(
            "tidak ada server kerjasama di {server} / no kerjasama server is listening at {server}; \
             start one with `kerjasama serve` (or scripts/demo), or name another with --server"
        ),
    };
    let mut request = tonic::Request::new(DownloadReportFileRequest {
        run,
        file: file.clone(),
        dialect: dialect.to_string(),
    });
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}")
            .parse()
            .context("token is not ASCII")?,
    );
    let mut stream = client
        .download_report_file(request)
        .await
        .map_err(|s| anyhow::anyhow!("{}: {}", s.code(), s.message()))?
        .into_inner();
    let target = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| std::path::PathBuf::from(&file));
    let partial = target.with_extension("partial");
    let mut written = 0usize;
    {
        let mut output = std::fs::File::create(&partial)
            .with_context(|| format!("creating {}", partial.display()))?;
        while let Some(chunk) = stream
            .message()
            .await
            .map_err(|s| anyhow::anyhow!("{}: {}", s.code(), s.message()))?
        {
            output.write_all(&chunk.data)?;
            written += chunk.data.len();
        }
    }
    std::fs::rename(&partial, &target)?;
    say(&format!("wrote {written} bytes to {}", target.display()));
    Ok(())
}
