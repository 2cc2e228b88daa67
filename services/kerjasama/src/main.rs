//! The `kerjasama` binary: thin dispatch to the library crates.

mod bench;
mod cli;
mod database;

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use kerjasama_core::access::Principal;
use kerjasama_core::codes::Role;
use kerjasama_core::{calendar, demo, synthetic, tokens};
use kerjasama_jobs::runs::{self, Destination, ReportParams};
use kerjasama_jobs::scheduler;

use cli::{Cli, Command, LogFormat, ReportCommand, RoleArg, ServeArgs, TokenCommand};
use database::Database;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    cli.global.validate()?;
    init_logging(&cli.global.log, cli.global.log_format)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli))
}

fn init_logging(filter: &str, format: LogFormat) -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).context("--log / KERJASAMA_LOG")?;
    use std::io::IsTerminal;
    // Colour only for a person at a terminal: files and journald get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let global = &cli.global;
    match &cli.command {
        Command::Serve(args) => return serve(global, args).await,
        Command::Worker(args) => return worker(global, args).await,
        Command::Bench(args) => {
            let token = token_or_admin(global, args.token.as_deref())?;
            return bench::run(args.clone(), token).await;
        }
        Command::Report(ReportCommand::Fetch {
            run,
            table,
            format,
            server,
            token,
            out,
            dialect,
        }) => {
            let token = token_or_admin(global, token.as_deref())?;
            return fetch(
                server,
                &token,
                run,
                table.as_deref(),
                *format,
                dialect,
                out.as_deref(),
            )
            .await;
        }
        _ => {}
    }
    let db = Database::open(global).await?;
    let outcome = command(&cli.command, &db).await;
    db.close(false).await?;
    outcome
}

/// `kerjasama import`: the template, or a file validated and committed.
async fn import(args: &cli::ImportArgs, db: &Database) -> anyhow::Result<()> {
    use kerjasama_core::import::runs::{self, Upload};
    if let Some(cli::ImportCommand::Template { out, region }) = &args.template {
        let bytes = runs::template_for(&db.pool, region.as_deref()).await?;
        std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))?;
        println!("wrote the import template to {}", out.display());
        return Ok(());
    }
    // Default: the register's one region (a bureau's register has one).
    let region = match &args.region {
        Some(region) => region.clone(),
        None => match kerjasama_core::units::regions(&db.pool).await?.as_slice() {
            [only] => only.clone(),
            [] => anyhow::bail!(
                "--region is required: the register has no units yet; give the Kemendagri code of the region the rows belong to, e.g. --region 36"
            ),
            many => anyhow::bail!(
                "--region is required: the register has units in regions {}",
                many.join(", ")
            ),
        },
    };
    let actor = Principal::system("kerjasama-import");
    let mut uploads = Vec::new();
    for path in &args.files {
        let content = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| path.display().to_string());
        uploads.push(Upload { name, content });
    }
    let started = std::time::Instant::now();
    let (run, _) = runs::create(&db.pool, &actor, Some(region), uploads, args.dry_run, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let summary = |run: &runs::ImportRun, what: &str| {
        println!(
            "{what} {}: {} — {} rows; {} created, {} updated, {} unchanged, {} conflicting, {} with problems ({:.1} s)",
            run.name(),
            run.state,
            run.rows_total,
            run.created,
            run.updated,
            run.unchanged,
            run.conflicting,
            run.problem_count,
            started.elapsed().as_secs_f64()
        );
    };
    // A dry run validates; otherwise one pass validates and writes every row
    // or none (no separate validation pass first).
    let run = if args.dry_run {
        let run = runs::execute(&db.pool, &actor, run.id, false).await?;
        summary(&run, "validated (dry run, nothing written)");
        run
    } else {
        runs::commit_new(&db.pool, &actor, run.id).await?;
        let run = runs::execute(&db.pool, &actor, run.id, true).await?;
        summary(&run, "imported");
        run
    };
    let listed = run.problem_count + run.conflicting + run.updated + run.unchanged;
    if listed > 0 || args.report.is_some() {
        let path = args.report.clone().unwrap_or_else(|| {
            let mut p = args.files[0].clone().into_os_string();
            p.push(".laporan.csv");
            std::path::PathBuf::from(p)
        });
        let format = if path.extension().is_some_and(|e| e == "xlsx") {
            "xlsx"
        } else {
            "csv"
        };
        let bytes = runs::report_file(&db.pool, &actor, run.id, format).await?;
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        println!("per-row report: {}", path.display());
    }
    match run.state.as_str() {
        "SUCCEEDED" | "VALIDATED" => Ok(()),
        "INVALID" => anyhow::bail!(
            "nothing was written: fix the rows the report lists and import again / tidak ada yang ditulis: perbaiki baris pada laporan lalu impor lagi"
        ),
        _ => anyhow::bail!("the import failed: {}", run.error.unwrap_or_default()),
    }
}

/// `--token`, else the data dir's bootstrap `admin-token`.
fn token_or_admin(global: &cli::Global, token: Option<&str>) -> anyhow::Result<String> {
    match token {
        Some(token) => Ok(token.to_string()),
        None => {
            let file = global.data_dir().join("admin-token");
            Ok(std::fs::read_to_string(&file)
                .with_context(|| format!("no --token and no {}", file.display()))?
                .trim()
                .to_string())
        }
    }
}

async fn command(command: &Command, db: &Database) -> anyhow::Result<()> {
    let system = Principal::system("kerjasama-cli");
    match command {
        Command::Serve(_)
        | Command::Worker(_)
        | Command::Bench(_)
        | Command::Report(ReportCommand::Fetch { .. }) => {
            unreachable!("handled before opening the database")
        }
        Command::Migrate => println!("migrations are up to date"),
        Command::Import(args) => import(args, db).await?,
        Command::Seed(cli::SeedArgs {
            synthetic: true,
            agreements: Some(agreements),
            seed,
        }) => {
            let options = synthetic::SyntheticOptions::new(*agreements, *seed);
            let mut display = synthetic::StderrProgress::new();
            let summary = synthetic::load(&db.url, &options, &mut |p| display.update(p)).await?;
            println!(
                "loaded a synthetic register (seed {seed}): {agreements} agreements in {} regions, \
                 committed after {:.1} s, analyzed after {:.1} s",
                summary.regions,
                summary.load_time.as_secs_f64(),
                summary.total_time.as_secs_f64()
            );
            println!("{:<31}{:>12}{:>12}", "table", "rows", "COPY s");
            for ((table, rows), time) in synthetic::TABLES
                .iter()
                .zip(summary.rows)
                .zip(summary.copy_time)
            {
                println!("{table:<31}{rows:>12}{:>12.1}", time.as_secs_f64());
            }
        }
        Command::Seed(_) => match demo::load(&db.pool).await? {
            demo::SeedOutcome::Loaded { units, agreements } => {
                println!("loaded the demo register: {units} units, {agreements} agreements")
            }
            demo::SeedOutcome::NotEmpty => println!("the register is not empty; nothing loaded"),
        },
        Command::Token(TokenCommand::Create {
            role,
            name,
            unit,
            region,
        }) => {
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::UnitOfficer => Role::UnitOfficer,
                RoleArg::Analyst => Role::Analyst,
            };
            let new = tokens::NewToken {
                name: name.clone(),
                role,
                unit_code: unit.clone(),
                region_code: region.clone(),
            };
            let (info, secret) = tokens::create(&db.pool, &system, new).await?;
            eprintln!(
                "created token {} ({}); its secret is shown only now:",
                info.name, info.role
            );
            println!("{secret}");
        }
        Command::Token(TokenCommand::Revoke { name }) => {
            tokens::revoke(&db.pool, &system, name).await?;
            println!("revoked token {name}");
        }
        Command::Report(ReportCommand::Run {
            as_of,
            period,
            period_start,
            period_end,
            region,
            report_grace_days,
            public_register,
            out,
        }) => {
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
        }
    }
    Ok(())
}

async fn serve(global: &cli::Global, args: &ServeArgs) -> anyhow::Result<()> {
    // Installed first: a signal during start-up stops the server once it runs,
    // and its PostgreSQL with it.
    let shutdown = shutdown_signal()?;
    let data_dir = std::path::absolute(global.data_dir())?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let http_listener = tokio::net::TcpListener::bind(args.http_listen)
        .await
        .with_context(|| format!("listening on {}", args.http_listen))?;
    let db = Database::open(global).await?;
    let supervisor = db.supervise(Duration::from_secs(2));
    let outcome = serve_with(
        global,
        args,
        &db,
        &data_dir,
        (listener, http_listener),
        shutdown,
    )
    .await;
    if let Some(supervisor) = supervisor {
        supervisor.abort();
    }
    db.close(true).await?;
    outcome
}

async fn serve_with(
    global: &cli::Global,
    args: &ServeArgs,
    db: &Database,
    data_dir: &Path,
    (listener, http_listener): (tokio::net::TcpListener, tokio::net::TcpListener),
    shutdown: impl std::future::Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    if args.demo {
        match demo::load(&db.pool).await? {
            demo::SeedOutcome::Loaded { units, agreements } => say(&format!(
                "loaded the demo register: {units} units, {agreements} agreements"
            )),
            demo::SeedOutcome::NotEmpty => {
                tracing::info!("register not empty: demo data not loaded")
            }
        }
    }
    let token_file = data_dir.join("admin-token");
    if !tokens::any_exist(&db.pool).await? {
        let (_, secret) = tokens::create(
            &db.pool,
            &Principal::system("kerjasama-serve"),
            tokens::NewToken {
                name: "bootstrap-admin".into(),
                role: Role::Admin,
                unit_code: None,
                region_code: None,
            },
        )
        .await?;
        write_secret(&token_file, &secret)?;
        say(&format!(
            "bootstrap admin token written to {}",
            token_file.display()
        ));
    } else if token_file.exists() {
        say(&format!("admin token: {}", token_file.display()));
    }
    if global.database_url.is_none() {
        say(&format!("data dir: {}", data_dir.display()));
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(
            kerjasama_grpc::tls::TlsSettings::load(cert, key, args.tls_client_ca.as_deref())
                .context("loading the TLS certificate")?,
        ),
        _ => None,
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stop_signal = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.changed().await;
    };
    let scheduler = (!args.no_scheduler).then(|| {
        let config = scheduler_config(db, data_dir, &args.scheduler);
        tokio::spawn(scheduler::run_until(
            db.pool.clone(),
            config,
            stop_signal(stopped.clone()),
        ))
    });
    let digest_worker = if args.digests.no_digests {
        None
    } else {
        let d = &args.digests;
        let smtp = d
            .smtp_server
            .as_deref()
            .map(|server| {
                kerjasama_jobs::digests::delivery::SmtpSettings::parse(
                    server,
                    &d.smtp_security,
                    d.smtp_username.clone().zip(d.smtp_password.clone()),
                    &d.smtp_from,
                )
            })
            .transpose()
            .map_err(|e| anyhow::anyhow!("--smtp-server: {e}"))?;
        let sender = kerjasama_jobs::digests::delivery::Sender::new(
            smtp.as_ref(),
            d.digest_allow_local_webhooks,
        )
        .map_err(|e| anyhow::anyhow!("digests: {e}"))?;
        let settings = kerjasama_jobs::digests::outbox::WorkerSettings {
            owner: format!(
                "{}:{}:{}",
                hostname(),
                std::process::id(),
                uuid::Uuid::now_v7()
            ),
            interval: Duration::from_secs(d.digest_retry_secs),
            lease: Duration::from_secs(120),
        };
        Some(tokio::spawn(kerjasama_jobs::digests::outbox::run_until(
            db.pool.clone(),
            sender,
            settings,
            stop_signal(stopped.clone()),
        )))
    };
    let http = http_listener.local_addr()?;
    let http_tls = tls.as_ref().map(|t| t.rustls()).transpose()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let telemetry = kerjasama_grpc::prometheus::Telemetry::new();
    let downloads = tokio::spawn(kerjasama_grpc::downloads::serve(
        db.pool.clone(),
        http_listener,
        http_tls,
        telemetry.clone(),
        args.open_register_settings(),
        stop_signal(stopped.clone()),
    ));
    say(&format!(
        "report files over HTTP on {scheme}://{http}/reports/"
    ));
    let local = listener.local_addr()?;
    say(&format!(
        "kerjasama listening on {local} (gRPC{}; health and reflection enabled)",
        if args.tls_cert.is_some() {
            " over TLS"
        } else {
            ""
        }
    ));
    let shutdown = async move {
        shutdown.await;
        let _ = stop.send(true);
    };
    let config = kerjasama_grpc::ServerConfig {
        pool: db.pool.clone(),
        database_url: db.url.clone(),
        reports_dir: data_dir.join("reports"),
        health_interval: Duration::from_secs(args.health_interval_secs),
        report_grace_days: args.report_grace_days,
        report_workers: args.scheduler.report_workers as usize,
        report_lease: Duration::from_secs(args.scheduler.report_lease_secs),
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        report_database_url: args.scheduler.report_database_url.clone(),
        telemetry,
        tls,
        cors_origins: args.cors_origins.clone(),
    };
    kerjasama_grpc::serve(config, listener, shutdown).await?;
    if let Some(scheduler) = scheduler {
        let _ = scheduler.await;
    }
    if let Some(worker) = digest_worker {
        let _ = worker.await;
    }
    downloads.await?.context("serving report downloads")?;
    tracing::info!("server stopped");
    Ok(())
}

/// This machine's name, for outbox claims (`lease_owner`).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "kerjasama".into())
}

fn scheduler_config(
    db: &Database,
    data_dir: &Path,
    args: &cli::SchedulerArgs,
) -> scheduler::SchedulerConfig {
    scheduler::SchedulerConfig {
        database_url: args
            .report_database_url
            .clone()
            .unwrap_or_else(|| db.url.clone()),
        reports_root: data_dir.join("reports"),
        interval: Duration::from_secs(args.scheduler_interval_secs),
    }
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
) -> anyhow::Result<runs::ReportRun> {
    use std::io::IsTerminal;
    let (pool, url, actor) = (db.pool.clone(), db.url.clone(), actor.clone());
    let destination = Destination::Folder(out.to_path_buf());
    let work =
        tokio::spawn(async move { runs::run(&pool, &url, &actor, params, destination).await });
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
async fn fetch(
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
        (cli::FetchFormat::Xlsx, _) => kerjasama_jobs::runs::WORKBOOK.to_string(),
        (cli::FetchFormat::Html, _) => kerjasama_jobs::pack::FILE_NAME.to_string(),
        (cli::FetchFormat::Pdf, _) => kerjasama_jobs::pack::PDF_FILE_NAME.to_string(),
        (cli::FetchFormat::Manifest, _) => "manifest.json".to_string(),
    };
    let run = if run.starts_with("reportRuns/") {
        run.to_string()
    } else {
        format!("reportRuns/{run}")
    };
    let mut client = ReportServiceClient::connect(server.to_string())
        .await
        .with_context(|| format!("connecting to {server}"))?;
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

/// The scheduler alone, until SIGINT or SIGTERM.
async fn worker(global: &cli::Global, args: &cli::SchedulerArgs) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    let data_dir = std::path::absolute(global.data_dir())?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let db = Database::open(global).await?;
    say(&format!(
        "kerjasama worker running the report scheduler and {} report-queue worker(s)",
        args.report_workers
    ));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let queue_workers: Vec<_> = (0..args.report_workers)
        .map(|_| {
            tokio::spawn(kerjasama_jobs::queue::work_until(
                db.pool.clone(),
                kerjasama_jobs::queue::WorkerConfig {
                    database_url: args
                        .report_database_url
                        .clone()
                        .unwrap_or_else(|| db.url.clone()),
                    reports_root: data_dir.join("reports"),
                    lease: Duration::from_secs(args.report_lease_secs),
                    poll: Duration::from_secs(1),
                },
                {
                    let mut stopped = stopped.clone();
                    async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    }
                },
            ))
        })
        .collect();
    scheduler::run_until(
        db.pool.clone(),
        scheduler_config(&db, &data_dir, args),
        async move {
            shutdown.await;
            let _ = stop.send(true);
        },
    )
    .await;
    for worker in queue_workers {
        let _ = tokio::time::timeout(Duration::from_secs(10), worker).await;
    }
    db.close(false).await
}

/// A line for the operator on stdout. A server must not die because whoever
/// started it stopped reading its output, so write errors are ignored.
fn say(line: &str) {
    let _ = writeln!(std::io::stdout(), "{line}");
}

fn write_secret(path: &Path, secret: &str) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    writeln!(file, "{secret}")?;
    Ok(())
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed here, at
/// once, so a signal that arrives before the server starts polling is not lost.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut terminate =
        signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutting down");
    })
}
