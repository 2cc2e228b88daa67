//! `kerjasama serve` and `kerjasama worker`: the long-running processes
//! (migrations, the optional demo load and bootstrap token, the gRPC and HTTP
//! ports, report workers and the scheduler) and their shutdown on a signal.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use kerjasama_core::access::Principal;
use kerjasama_core::codes::Role;
use kerjasama_core::tokens;
use kerjasama_jobs::scheduler;
use kerjasama_seed::demo;

use super::say;
use crate::cli::{self, ServeArgs};
use crate::database::Database;

pub async fn serve(global: &cli::Global, args: &ServeArgs) -> anyhow::Result<()> {
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
    let db = Database::open(global, true).await?;
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
    let archive = args.archive.settings(data_dir).await?;
    if args.demo {
        match demo::load(&db.pool).await? {
            demo::SeedOutcome::Loaded { units, agreements } => {
                let filed = kerjasama_seed::demo_archive::load(&db.pool, &archive).await?;
                say(&format!(
                    "loaded the demo register: {units} units, {agreements} agreements, {filed} signed texts in the archive"
                ))
            }
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
    let connections = kerjasama_grpc::connections::ConnectionLimits {
        per_port: args.max_connections as usize,
        per_peer: args.max_connections_per_peer as usize,
    };
    let downloads = tokio::spawn(kerjasama_grpc::downloads::serve(
        db.pool.clone(),
        http_listener,
        http_tls,
        telemetry.clone(),
        kerjasama_grpc::downloads::HttpSettings {
            open_register: args.open_register_settings(),
            archive: archive.clone(),
            limits: kerjasama_grpc::http_port::HttpLimits {
                connections,
                header_read: Duration::from_secs(args.http_header_timeout_secs),
                idle: Duration::from_secs(args.http_idle_timeout_secs),
            },
        },
        stop_signal(stopped.clone()),
    ));
    say(&format!(
        "HTTP port on {scheme}://{http}/ (report files under /reports/, document files under /documents/)"
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
        portal_url_template: args.scheduler.portal_url_template.clone(),
        allow_local_webhooks: args.digests.digest_allow_local_webhooks,
        connections,
        on_demand_retention: args.scheduler.on_demand_retention(),
        archive,
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
        portal_url_template: args.portal_url_template.clone(),
    }
}

/// The scheduler alone, until SIGINT or SIGTERM.
pub async fn worker(global: &cli::Global, args: &cli::SchedulerArgs) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    let data_dir = std::path::absolute(global.data_dir())?;
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let db = Database::open(global, true).await?;
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
                    on_demand_retention: args.on_demand_retention(),
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
