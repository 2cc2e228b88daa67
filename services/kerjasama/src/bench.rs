//! `kerjasama bench`: drives a running server with the load generator
//! (`kerjasama-loadgen`) and prints each scenario's throughput and latency
//! percentiles, optionally as JSON lines.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use kerjasama_loadgen::{Config, Scenario};

fn parse_scenario(text: &str) -> Result<Scenario, String> {
    Scenario::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
        format!("unknown scenario {text:?}; one of {}", names.join(", "))
    })
}

#[derive(Args, Clone)]
pub struct BenchArgs {
    /// The server's gRPC address (loopback only).
    #[arg(long, default_value = "127.0.0.1:50051")]
    pub server: SocketAddr,
    /// ADMIN token; default: the data dir's `admin-token`.
    #[arg(long, env = "KERJASAMA_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Scenarios to run in turn: floor, get, list-first, list-deep,
    /// list-search, create, complete-stage, create-realisation, mix.
    #[arg(long = "scenario", required = true, value_delimiter = ',', value_parser = parse_scenario)]
    pub scenarios: Vec<Scenario>,
    /// Concurrent callers (each on its own connection); repeat or separate
    /// with commas to run each scenario at several levels.
    #[arg(long, value_delimiter = ',', default_value = "8",
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: Vec<u16>,
    /// Stop after this many calls per scenario ...
    #[arg(long, default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub requests: u64,
    /// ... or after this many seconds, whichever comes first.
    #[arg(long, default_value_t = 20.0)]
    pub seconds: f64,
    /// Agreements 1..=N of the synthetic register (`seed --synthetic --agreements N`) are read.
    #[arg(long, default_value_t = 1_000)]
    pub agreements: u64,
    /// The page `list-deep` asks for.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(2..=100_000))]
    pub deep_page: u32,
    /// The random seed of the callers' choices (the same seed, the same calls).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also append each scenario's figures as a JSON line to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// What list-search searches for (default: the longest word of a
    /// synthetic title, a common word); e.g. a rare word or one no title has.
    #[arg(long, default_value = "")]
    pub query: String,
    /// What list-first lists: a shape of BENCHMARKS.md's "Lists at
    /// national scale" by name (newest, type-active-by-signing, …); default:
    /// type, state ACTIVE and unit of a synthetic agreement.
    #[arg(long, value_parser = parse_list_shape)]
    pub list_shape: Option<String>,
    /// Before a list scenario, print PostgreSQL's plan of its first page
    /// with actual times (`EXPLAIN ANALYZE` of the statement the service
    /// sends) from the server's database at this URL.
    #[arg(long, env = "KERJASAMA_BENCH_EXPLAIN_URL", hide_env_values = true)]
    pub explain_database_url: Option<String>,
}

fn parse_list_shape(name: &str) -> Result<String, String> {
    use kerjasama_loadgen::list_shapes::{LIST_SHAPES, shape};
    shape(name).map(|s| s.spec.to_string()).ok_or_else(|| {
        let names: Vec<&str> = LIST_SHAPES.iter().map(|s| s.name).collect();
        format!("unknown list shape {name:?}; one of {}", names.join(", "))
    })
}

pub async fn run(args: BenchArgs, token: String) -> anyhow::Result<()> {
    if !(args.seconds > 0.0 && args.seconds <= 3600.0) {
        anyhow::bail!("--seconds must be more than 0 and at most 3600");
    }
    let mut json = match &args.json {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?,
        ),
        None => None,
    };
    let mut failed = false;
    for scenario in &args.scenarios {
        for concurrency in &args.concurrency {
            let config = Config {
                addr: args.server,
                token: token.clone(),
                scenario: *scenario,
                concurrency: usize::from(*concurrency),
                requests: args.requests,
                duration: Duration::from_secs_f64(args.seconds),
                register_size: args.agreements,
                deep_page: args.deep_page,
                seed: args.seed,
                query: args.query.clone(),
                list_shape: args.list_shape.clone(),
            };
            if let Some(url) = &args.explain_database_url {
                explain(&config, url).await?;
            }
            let report = kerjasama_loadgen::run(config).await?;
            println!("{report}");
            if let Some(error) = &report.first_error {
                eprintln!("  {} errors; the first: {error}", report.errors);
                failed = true;
            }
            if let Some(file) = json.as_mut() {
                writeln!(file, "{}", serde_json::to_string(&report)?)?;
            }
        }
    }
    if failed {
        anyhow::bail!("some calls failed");
    }
    Ok(())
}

/// Prints the plan of a list scenario's first page, run once.
async fn explain(config: &Config, database_url: &str) -> anyhow::Result<()> {
    use kerjasama_core::pool::{self, PoolSettings};
    let request = kerjasama_loadgen::list_target(config).await?;
    let pool = pool::connect(database_url, &PoolSettings::default())?;
    let plan = kerjasama_grpc::agreements::explain_list(&pool, &request, true).await?;
    println!("{plan}");
    Ok(())
}
