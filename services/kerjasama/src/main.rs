//! The `kerjasama` binary: flags and environment (`cli`), finding the
//! database (`database`), and one module per subcommand (`commands`); this
//! file parses, sets up logging and dispatches.

mod bench;
mod cli;
mod commands;
mod database;

use anyhow::Context;
use clap::Parser;

use cli::{Cli, Command, LogFormat, ReportCommand};
use database::Database;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    cli.global.validate()?;
    init_logging(&cli.global.log, cli.global.log_format)?;
    // The import is one conversation with PostgreSQL (one transaction, one
    // statement after another): on one thread, its task and its
    // connection's task hand over without waking another thread (87.7 s
    // → 74.1 s for 10,000 agreements with their children on two cores,
    // BENCHMARKS.md "Bulk import").
    let runtime = match cli.command {
        Command::Import(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
        _ => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?,
    };
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
        Command::Serve(args) => return commands::serve::serve(global, args).await,
        Command::Worker(args) => return commands::serve::worker(global, args).await,
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
            return commands::report::fetch(
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
        Command::Restore {
            file,
            verify,
            base_dir,
            until,
        } => {
            return match (file, base_dir, until, &global.wal_archive) {
                (Some(file), None, _, _) => commands::backup::restore(global, file, *verify).await,
                (None, Some(base), Some(until), Some(archive)) => {
                    commands::backup::restore_to(global, base, archive, until).await
                }
                _ => anyhow::bail!(
                    "restore needs a backup FILE, or --base-dir with --wal-archive and --until"
                ),
            };
        }
        _ => {}
    }
    // Only these make a register where there is none.
    let create = matches!(cli.command, Command::Migrate | Command::Seed(_));
    let db = Database::open(global, create).await?;
    let outcome = command(global, &cli.command, &db).await;
    db.close(false).await?;
    outcome
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

/// The subcommands that work on the database, opened for them by `run`.
async fn command(global: &cli::Global, command: &Command, db: &Database) -> anyhow::Result<()> {
    match command {
        Command::Serve(_)
        | Command::Worker(_)
        | Command::Bench(_)
        | Command::Report(ReportCommand::Fetch { .. })
        | Command::Restore { .. } => {
            unreachable!("handled before opening the database")
        }
        Command::Backup { out, base_dir } => match (out, base_dir) {
            (Some(out), _) => commands::backup::backup(global, &db.url, out).await?,
            (None, Some(base)) => commands::backup::base_backup(global, &db.url, base).await?,
            (None, None) => anyhow::bail!("backup needs --out FILE or --base-dir DIR"),
        },
        Command::Migrate => println!("migrations are up to date"),
        Command::Import(args) => commands::import::run(args, db, &global.data_dir()).await?,
        Command::Seed(args) => commands::seed::run(args, db, &global.data_dir()).await?,
        Command::Token(command) => commands::token::run(command, db).await?,
        Command::Report(command) => commands::report::run(command, db).await?,
    }
    Ok(())
}
