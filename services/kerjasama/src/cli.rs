//! Command line: flags, `KERJASAMA_*` environment variables, and their checks.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "kerjasama",
    version,
    about = "Register and evaluation of regional cooperation agreements (kerja sama daerah)"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args)]
pub struct Global {
    /// Where kerjasama keeps its own PostgreSQL, the admin token, report files and archived documents.
    /// Default: $XDG_DATA_HOME/kerjasama, else ./kerjasama-data.
    #[arg(long, env = "KERJASAMA_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Use this PostgreSQL server instead of starting one in the data dir.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    #[arg(
        long,
        env = "KERJASAMA_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `kerjasama_core=debug`.
    #[arg(long, env = "KERJASAMA_LOG", default_value = "info", global = true)]
    pub log: String,
    /// Database connections in the pool.
    #[arg(long, env = "KERJASAMA_POOL_SIZE", default_value_t = 16, global = true,
          value_parser = clap::value_parser!(u16).range(1..=500))]
    pub pool_size: u16,
    /// Seconds a request waits for a database connection before UNAVAILABLE.
    #[arg(long, env = "KERJASAMA_POOL_WAIT_SECS", default_value_t = 5, global = true,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub pool_wait_secs: u64,
    /// With kerjasama's own PostgreSQL (no DATABASE_URL): archive every
    /// completed WAL segment into this folder (at least once a minute), for
    /// point-in-time restores from a base backup (`backup --base-dir`).
    #[arg(long, env = "KERJASAMA_WAL_ARCHIVE", global = true)]
    pub wal_archive: Option<PathBuf>,
}

impl Global {
    pub fn data_dir(&self) -> PathBuf {
        if let Some(dir) = &self.data_dir {
            return dir.clone();
        }
        match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            Some(base) => PathBuf::from(base).join("kerjasama"),
            None => PathBuf::from("kerjasama-data"),
        }
    }

    /// Checks what clap cannot: the database URL's scheme, and that a WAL
    /// archive is asked only of kerjasama's own PostgreSQL.
    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(url) = &self.database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            anyhow::bail!("DATABASE_URL must start with postgres:// or postgresql://");
        }
        if self.wal_archive.is_some() && self.database_url.is_some() {
            anyhow::bail!(
                "--wal-archive archives kerjasama's own PostgreSQL; with DATABASE_URL, archive that server's WAL with its own settings"
            );
        }
        Ok(())
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Run the gRPC server (applies migrations first) and the report scheduler.
    #[command(
        after_help = "Examples:\n  kerjasama serve --demo --public-register\n  kerjasama serve --listen 0.0.0.0:50051 --data-dir /var/lib/kerjasama\n  DATABASE_URL=postgres://kerjasama@db/kerjasama kerjasama serve --portal-url-template 'https://kerjasama.bantenprov.go.id/a/{id}'"
    )]
    Serve(Box<ServeArgs>),
    /// Run only the report scheduler (for a separate process).
    #[command(
        after_help = "Examples:\n  kerjasama worker --data-dir /var/lib/kerjasama\n  kerjasama worker --report-workers 2 --report-database-url postgres://standby/kerjasama"
    )]
    Worker(SchedulerArgs),
    /// Apply pending database migrations and exit.
    #[command(
        after_help = "Examples:\n  kerjasama migrate --data-dir /var/lib/kerjasama\n  DATABASE_URL=postgres://kerjasama@db/kerjasama kerjasama migrate"
    )]
    Migrate,
    /// Load the demo register into an empty database (or, with --synthetic, a
    /// generated register of N agreements for benchmarks).
    #[command(
        after_help = "Examples:\n  kerjasama seed\n  kerjasama seed --synthetic --agreements 100000 --seed 7"
    )]
    Seed(SeedArgs),
    /// Create or revoke API tokens.
    #[command(
        subcommand,
        after_help = "Examples:\n  kerjasama token create --role UNIT_OFFICER --name dinkes-1 --unit DINKES --region 36\n  kerjasama token create --role ANALYST --name bappeda-analis\n  kerjasama token revoke --name dinkes-1"
    )]
    Token(TokenCommand),
    /// Compute evaluation reports.
    #[command(
        subcommand,
        after_help = "Examples:\n  kerjasama report run --as-of 2026-09-30 --out laporan-tw3\n  kerjasama report run --period 2026-01-01..2026-06-30 --region 36 --out semester-1\n  kerjasama report fetch 01a24e57-52ea-7615-8805-df1228deb90c --format pdf --server 127.0.0.1:50051"
    )]
    Report(ReportCommand),
    /// Import an existing register from a spreadsheet (XLSX, or CSV files one
    /// per sheet): validate every row, then commit all of them or none.
    /// `kerjasama import template --out FILE` writes the workbook to fill in.
    #[command(
        after_help = "Examples:\n  kerjasama import template --out register-template.xlsx --region 36\n  kerjasama import register.xlsx --region 36 --history-from 2025-01-01 --dry-run\n  kerjasama import perjanjian.csv pihak.csv tahapan.csv --region 36"
    )]
    Import(ImportArgs),
    /// Load a running server on loopback with one or more scenarios and print
    /// throughput and latency percentiles (see BENCHMARKS.md).
    #[command(
        after_help = "Examples:\n  kerjasama bench --scenario get,list-first --concurrency 8 --seconds 20\n  kerjasama bench --scenario create --requests 2000 --json bench.json"
    )]
    Bench(crate::bench::BenchArgs),
    /// Write a backup of the register (database, report files and archived documents) to one file,
    /// with a manifest of every table's rows and checksum and every file's SHA-256.
    #[command(
        after_help = "Examples:\n  kerjasama backup --out /srv/cadangan/kerjasama-2026-12-07.zip\n  kerjasama backup --base-dir /srv/cadangan/dasar-2026-12-07\n  DATABASE_URL=postgres://kerjasama@db/kerjasama kerjasama backup --out kerjasama.zip --data-dir /var/lib/kerjasama"
    )]
    Backup {
        /// The backup file to write (never overwritten).
        #[arg(
            long,
            required_unless_present = "base_dir",
            conflicts_with = "base_dir"
        )]
        out: Option<PathBuf>,
        /// Instead: a base backup of kerjasama's own PostgreSQL into this new
        /// folder, the starting point of a point-in-time restore with the WAL
        /// archive (`--wal-archive` on serve).
        #[arg(long)]
        base_dir: Option<PathBuf>,
    },
    /// Restore a backup into an empty data dir (or the empty database of
    /// DATABASE_URL); with --verify, restore it into a scratch PostgreSQL and
    /// compare every table's rows and checksum, touching nothing else.
    #[command(
        after_help = "Examples:\n  kerjasama restore kerjasama-2026-12-07.zip --verify\n  kerjasama restore kerjasama-2026-12-07.zip --data-dir /var/lib/kerjasama-baru\n  kerjasama restore --base-dir /srv/cadangan/dasar --wal-archive /srv/cadangan/wal --until 2026-12-07T10:30:00+07:00 --data-dir /var/lib/kerjasama-baru"
    )]
    Restore {
        /// The backup file.
        #[arg(required_unless_present = "base_dir", conflicts_with = "base_dir")]
        file: Option<PathBuf>,
        /// Only prove that it restores (into a scratch PostgreSQL, removed afterwards).
        #[arg(long)]
        verify: bool,
        /// Point-in-time restore: the base backup (`backup --base-dir`) to
        /// start from, replaying the WAL archive (`--wal-archive`) up to `--until`.
        #[arg(long, requires = "until")]
        base_dir: Option<PathBuf>,
        /// The instant to restore to (RFC 3339, e.g. 2026-12-07T10:30:00+07:00):
        /// every transaction committed before it, none after.
        #[arg(long, requires = "base_dir")]
        until: Option<String>,
    },
}

#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub template: Option<ImportCommand>,
    /// The workbook (.xlsx), or the CSV files (one per sheet).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Validate every row and write the report; write nothing to the register.
    #[arg(long)]
    pub dry_run: bool,
    /// The region every imported agreement belongs to (Kemendagri code, e.g.
    /// 36); default: the register's region, when its units are all of one.
    #[arg(long, value_parser = parse_region)]
    pub region: Option<String>,
    /// Where to write the per-row report (.csv or .xlsx); default
    /// `<first file>.laporan.csv` beside the first file, when there is anything to report.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// YYYY-MM-DD: assume the bureau's history from this date. Every open stage
    /// due before it is recorded done on its due date (listed as ASSUMED in
    /// the report), and agreements without their own "Laporan Wajib Sejak"
    /// owe implementation reports from it. Without it nothing is assumed.
    #[arg(long, value_parser = parse_date_arg)]
    pub history_from: Option<chrono::NaiveDate>,
    /// A folder or ZIP of the agreements' signed texts (PDF, JPEG, PNG, TIFF,
    /// DOCX, ODT), each named by its agreement's document number
    /// (`415.4-12-HUK-2024.pdf` for 415.4/12/HUK/2024): filed in the
    /// document archive of `<data dir>/archive` with the rows, all or none;
    /// a dry run checks them and stores nothing.
    #[arg(long)]
    pub documents: Option<PathBuf>,
    #[command(flatten)]
    pub archive: ArchiveArgs,
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Write the workbook a bureau fills in (instructions, one sheet per
    /// record kind, drop-down code lists).
    Template {
        /// Where to write the workbook (.xlsx).
        #[arg(long)]
        out: PathBuf,
        /// The region whose units fill the unit drop-down; default every unit.
        #[arg(long, value_parser = parse_region)]
        region: Option<String>,
    },
}

/// The document archive's settings, shared by `serve` and `import`
/// (`--documents`), so both keep files by the same rules.
#[derive(Args, Clone)]
pub struct ArchiveArgs {
    /// The document archive: the largest file one upload may be, in MB
    /// (files are kept in `<data dir>/archive/`).
    #[arg(long, env = "KERJASAMA_ARCHIVE_MAX_FILE_MB", default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub archive_max_file_mb: u64,
    /// The document archive: the most one region's files may take together,
    /// in MB (each distinct content counted once); past it an upload is
    /// refused (RESOURCE_EXHAUSTED; HTTP 507).
    #[arg(long, env = "KERJASAMA_ARCHIVE_REGION_QUOTA_MB", default_value_t = 20 * 1024,
          value_parser = clap::value_parser!(u64).range(1..=64 * 1024 * 1024))]
    pub archive_region_quota_mb: u64,
    /// The document archive: scan every uploaded file for viruses with this
    /// clamd (`host:port`, or the absolute path of its Unix socket). An
    /// infected file is refused; while clamd cannot be reached, files are
    /// kept PENDING and not served until rescanned clean. clamd's
    /// StreamMaxLength must be at least --archive-max-file-mb.
    #[arg(long, env = "KERJASAMA_CLAMD", value_parser = parse_clamd)]
    pub clamd: Option<String>,
    /// Seconds one clamd scan may take before the file is kept PENDING.
    #[arg(long, env = "KERJASAMA_CLAMD_TIMEOUT_SECS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub clamd_timeout_secs: u64,
    /// Seconds between passes that scan files clamd has not given a
    /// verdict on yet (PENDING, or stored before --clamd was set).
    #[arg(long, env = "KERJASAMA_ARCHIVE_RESCAN_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub archive_rescan_secs: u64,
    /// The document archive: keep the files in this bucket of an
    /// S3-compatible object store instead of `<data dir>/archive/objects`
    /// (credentials from --archive-s3-access-key-id or the standard
    /// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
    #[arg(long, env = "KERJASAMA_ARCHIVE_S3_BUCKET")]
    pub archive_s3_bucket: Option<String>,
    /// The S3-compatible server (MinIO, Ceph, …), e.g. http://127.0.0.1:9000;
    /// default: AWS for --archive-s3-region.
    #[arg(long, env = "KERJASAMA_ARCHIVE_S3_ENDPOINT", requires = "archive_s3_bucket",
          value_parser = parse_endpoint)]
    pub archive_s3_endpoint: Option<String>,
    /// The bucket's region.
    #[arg(long, env = "KERJASAMA_ARCHIVE_S3_REGION", default_value = "us-east-1")]
    pub archive_s3_region: String,
    /// The access key (with KERJASAMA_ARCHIVE_S3_SECRET_ACCESS_KEY, never a
    /// flag); default: the standard AWS environment.
    #[arg(
        long,
        env = "KERJASAMA_ARCHIVE_S3_ACCESS_KEY_ID",
        requires = "archive_s3_bucket"
    )]
    pub archive_s3_access_key_id: Option<String>,
}

impl ArchiveArgs {
    /// The archive in `<data dir>/archive` with these settings.
    pub async fn settings(
        &self,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<kerjasama_core::archive::Settings> {
        use anyhow::Context;
        let root = data_dir.join("archive");
        let store = match &self.archive_s3_bucket {
            Some(bucket) => {
                let secret =
                    std::env::var("KERJASAMA_ARCHIVE_S3_SECRET_ACCESS_KEY").unwrap_or_default();
                if self.archive_s3_access_key_id.is_some() && secret.is_empty() {
                    anyhow::bail!(
                        "--archive-s3-access-key-id needs KERJASAMA_ARCHIVE_S3_SECRET_ACCESS_KEY in the environment"
                    );
                }
                kerjasama_core::archive::Store::open_in_bucket(
                    &root,
                    &kerjasama_core::archive::S3Settings {
                        bucket: bucket.clone(),
                        endpoint: self.archive_s3_endpoint.clone().unwrap_or_default(),
                        region: self.archive_s3_region.clone(),
                        access_key_id: self.archive_s3_access_key_id.clone().unwrap_or_default(),
                        secret_access_key: secret,
                    },
                )
                .await?
            }
            None => kerjasama_core::archive::Store::open(&root)
                .with_context(|| format!("opening the archive in {}", root.display()))?,
        };
        Ok(kerjasama_core::archive::Settings {
            store,
            max_file_bytes: self.archive_max_file_mb * 1024 * 1024,
            region_quota_bytes: self.archive_region_quota_mb * 1024 * 1024,
            scanner: self.clamd.as_ref().map(|addr| {
                kerjasama_core::archive::Scanner::new(
                    addr.clone(),
                    std::time::Duration::from_secs(self.clamd_timeout_secs),
                )
            }),
            rescan_interval: std::time::Duration::from_secs(self.archive_rescan_secs),
        })
    }
}

#[derive(Args)]
pub struct ServeArgs {
    /// Where gRPC (and gRPC-Web) is served.
    #[arg(long, env = "KERJASAMA_LISTEN", default_value = "127.0.0.1:50051")]
    pub listen: SocketAddr,
    /// Where report files (GET /reports/...) and document files (/documents/...) are served over HTTP.
    #[arg(long, env = "KERJASAMA_HTTP_LISTEN", default_value = "127.0.0.1:50052")]
    pub http_listen: SocketAddr,
    /// Load the demo register on first start (only into an empty database).
    #[arg(long, env = "KERJASAMA_DEMO")]
    pub demo: bool,
    /// Seconds between database health probes.
    #[arg(long, env = "KERJASAMA_HEALTH_INTERVAL_SECS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub health_interval_secs: u64,
    /// Days after a reporting cycle's end by which its implementation report is on time.
    #[arg(long, env = "KERJASAMA_REPORT_GRACE_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(0..=365))]
    pub report_grace_days: u32,
    /// On SIGTERM/SIGINT: seconds in-flight calls may take to finish (new
    /// calls are refused at once) before the server stops anyway.
    #[arg(long, env = "KERJASAMA_SHUTDOWN_GRACE_SECS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(0..=600))]
    pub shutdown_grace_secs: u64,
    /// Connections open at once on each port (gRPC and HTTP); more are closed on accept.
    #[arg(long, env = "KERJASAMA_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_connections: u64,
    /// Connections open at once from one peer address, on each port.
    #[arg(long, env = "KERJASAMA_MAX_CONNECTIONS_PER_PEER", default_value_t = 64,
          value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_connections_per_peer: u64,
    /// HTTP port: seconds a client has to finish a TLS handshake, and to send
    /// a request's head (also how long a kept-alive connection may wait idle).
    #[arg(long, env = "KERJASAMA_HTTP_HEADER_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub http_header_timeout_secs: u64,
    /// HTTP port: seconds with no byte moved either way before a connection is closed.
    #[arg(long, env = "KERJASAMA_HTTP_IDLE_TIMEOUT_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub http_idle_timeout_secs: u64,
    #[command(flatten)]
    pub archive: ArchiveArgs,
    /// PEM certificate chain: serve gRPC and HTTP over TLS (with --tls-key).
    #[arg(long, env = "KERJASAMA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "KERJASAMA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA certificate(s): require client certificates signed by it (mutual TLS).
    #[arg(long, env = "KERJASAMA_TLS_CLIENT_CA", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// A browser origin (`https://portal.example.go.id`) allowed to call the
    /// API over gRPC-Web (CORS); repeat the flag, or separate with commas in
    /// the variable. None: gRPC-Web still works for clients that are not
    /// browsers, and browsers only from the same origin.
    #[arg(long = "cors-origin", env = "KERJASAMA_CORS_ORIGINS", value_delimiter = ',',
          value_parser = parse_origin)]
    pub cors_origins: Vec<http::HeaderValue>,
    /// Publish the open register over HTTP without a token: GET
    /// /public/public_register.csv, .json, the data dictionary and dcat.json
    /// (signed agreements in force, public fields only). Off by default.
    #[arg(long, env = "KERJASAMA_PUBLIC_REGISTER")]
    pub public_register: bool,
    /// With --public-register: publish only this region's agreements.
    #[arg(long, env = "KERJASAMA_PUBLIC_REGISTER_REGION", requires = "public_register",
          value_parser = parse_region)]
    pub public_register_region: Option<String>,
    /// With --public-register: the publisher the DCAT description names.
    #[arg(
        long,
        env = "KERJASAMA_PUBLIC_REGISTER_PUBLISHER",
        requires = "public_register",
        default_value = "Biro Kerja Sama Daerah"
    )]
    pub public_register_publisher: String,
    /// With --public-register: the public URL of /public/ that download links
    /// in dcat.json start with (default: from the request's Host header).
    #[arg(long, env = "KERJASAMA_PUBLIC_REGISTER_BASE_URL", requires = "public_register",
          value_parser = parse_base_url)]
    pub public_register_base_url: Option<String>,
    #[command(flatten)]
    pub digests: DigestArgs,
    #[command(flatten)]
    pub scheduler: SchedulerArgs,
    /// Do not run the report scheduler in this process (run `kerjasama worker` instead).
    #[arg(long, env = "KERJASAMA_NO_SCHEDULER")]
    pub no_scheduler: bool,
}

#[derive(Args)]
pub struct SeedArgs {
    /// Load a deterministic synthetic register of --agreements N agreements
    /// with all their children (COPY, one transaction) instead of the demo
    /// register. Refuses a register that already holds units, agreements or
    /// evaluation meetings.
    #[arg(long, requires = "agreements")]
    pub synthetic: bool,
    /// With --synthetic: how many agreements (ordinals 1..=N; agreement n has a
    /// UUID computable from n, see the README's Benchmarks section).
    #[arg(long, requires = "synthetic",
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub agreements: Option<u64>,
    /// With --synthetic: the generator's seed; the same N and seed give the
    /// same rows.
    #[arg(long, requires = "synthetic", default_value_t = 1)]
    pub seed: u64,
}

impl SchedulerArgs {
    pub fn on_demand_retention(&self) -> kerjasama_jobs::retention::OnDemandRetention {
        kerjasama_jobs::retention::OnDemandRetention {
            keep_days: self.report_keep_days,
            keep_runs: self.report_keep_runs,
        }
    }
}

#[derive(Args)]
pub struct SchedulerArgs {
    /// Seconds between scheduler passes.
    #[arg(long, env = "KERJASAMA_SCHEDULER_INTERVAL_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub scheduler_interval_secs: u64,
    /// Report-queue workers in this process: each computes one queued report
    /// run at a time (0: leave runs to other processes).
    #[arg(long, env = "KERJASAMA_REPORT_WORKERS", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(0..=16))]
    pub report_workers: u64,
    /// Seconds a worker's claim on a run lasts without renewal; a run whose
    /// worker died is queued again this long after its last heartbeat.
    #[arg(long, env = "KERJASAMA_REPORT_LEASE_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub report_lease_secs: u64,
    /// On-demand report runs (RunReport) are deleted this many days after
    /// they were asked for; their record and manifest stay in `reports/retired/`.
    #[arg(long, env = "KERJASAMA_REPORT_KEEP_DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub report_keep_days: u32,
    /// At most this many finished on-demand report runs are kept (the newest).
    #[arg(long, env = "KERJASAMA_REPORT_KEEP_RUNS", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub report_keep_runs: u32,
    /// Where report runs read the register from, e.g. a hot standby
    /// (default: the main database). Runs are still recorded on the primary.
    #[arg(long, env = "KERJASAMA_REPORT_DATABASE_URL", hide_env_values = true)]
    pub report_database_url: Option<String>,
    /// The bureau's page of an agreement, for a link per agreement in the
    /// digests: an http(s) URL with `{id}` where the agreement's id goes, e.g.
    /// https://kerjasama.bantenprov.go.id/a/{id}. Unset: no links.
    #[arg(long, env = "KERJASAMA_PORTAL_URL_TEMPLATE", value_parser = parse_portal_template)]
    pub portal_url_template: Option<String>,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret (shown only this once).
    Create {
        /// ADMIN (the bureau), UNIT_OFFICER (one OPD) or ANALYST (read-only).
        #[arg(long, value_enum)]
        role: RoleArg,
        /// A unique name, recorded as the actor in the audit trail.
        #[arg(long)]
        name: String,
        /// The unit (OPD) code, for UNIT_OFFICER tokens.
        #[arg(long)]
        unit: Option<String>,
        /// Limit the token to one region's records.
        #[arg(long)]
        region: Option<String>,
    },
    /// Revoke a token by name; it stops working at once.
    Revoke {
        /// The token's name, as given when it was created.
        #[arg(long)]
        name: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoleArg {
    Admin,
    UnitOfficer,
    Analyst,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FetchFormat {
    /// `<table>.csv`
    Csv,
    /// `report.xlsx`, every table of the run
    Xlsx,
    /// `meeting_pack.html`
    Html,
    /// `meeting_pack.pdf`
    Pdf,
    /// `manifest.json`
    Manifest,
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Download a file of a run from a running server (gRPC).
    Fetch {
        /// `reportRuns/{id}` or the bare id.
        run: String,
        /// The table, e.g. overdue_stages (for --format csv).
        table: Option<String>,
        /// Which file of the run.
        #[arg(long, value_enum, default_value = "csv")]
        format: FetchFormat,
        /// The server's gRPC address: `127.0.0.1:50051` or a URL
        /// (`https://kerjasama.bantenprov.go.id:50051`).
        #[arg(
            long,
            env = "KERJASAMA_SERVER",
            default_value = "http://127.0.0.1:50051"
        )]
        server: String,
        /// A bearer token; default: the data dir's admin-token file.
        #[arg(long, env = "KERJASAMA_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Where to write; default: the file's name in the current folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// For --format csv: rfc4180 (comma, decimal point) or excel-id
        /// (semicolon, decimal comma, byte-order mark: Excel in an Indonesian locale).
        #[arg(long, default_value = "rfc4180", value_parser = ["rfc4180", "excel-id"])]
        dialect: String,
    },
    /// Compute the report and write its files into a folder.
    Run {
        /// YYYY-MM-DD; default today in Asia/Jakarta.
        #[arg(long, value_parser = check_date_text)]
        as_of: Option<String>,
        /// START..END, e.g. 2026-07-01..2026-09-30 (same as --period-start and
        /// --period-end). Default: the quarter containing --as-of.
        #[arg(long, conflicts_with_all = ["period_start", "period_end"])]
        period: Option<String>,
        /// YYYY-MM-DD; with --period-end.
        #[arg(long, value_parser = check_date_text)]
        period_start: Option<String>,
        /// YYYY-MM-DD; with --period-start.
        #[arg(long, value_parser = check_date_text)]
        period_end: Option<String>,
        /// Only this region's agreements.
        #[arg(long)]
        region: Option<String>,
        /// Days after a reporting cycle's end by which its report is on time.
        #[arg(long, env = "KERJASAMA_REPORT_GRACE_DAYS", default_value_t = 30,
              value_parser = clap::value_parser!(u32).range(0..=365))]
        report_grace_days: u32,
        /// Also write the open register (public_register.csv and .json, its
        /// data dictionary, dcat.json).
        #[arg(long)]
        public_register: bool,
        /// The folder the run's files are written to.
        #[arg(long)]
        out: PathBuf,
    },
}

/// A CORS origin exactly as a browser sends it: `scheme://host[:port]`, with
/// scheme `https` or `http`, and nothing after the authority.
fn parse_origin(text: &str) -> Result<http::HeaderValue, String> {
    let text = text.trim();
    let uri: http::Uri = text
        .parse()
        .map_err(|e| format!("{text:?} is not an origin: {e}"))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("https" | "http"));
    let bare = uri.path_and_query().is_none_or(|p| p.as_str() == "/") && !text.ends_with('/');
    if !scheme_ok || uri.authority().is_none() || !bare {
        return Err(format!(
            "{text:?} is not an origin: write scheme://host[:port], e.g. https://portal.example.go.id"
        ));
    }
    http::HeaderValue::from_str(text).map_err(|e| format!("{text:?}: {e}"))
}

/// A Kemendagri region code such as 36 or 36.71.
/// An http(s) URL template with `{id}`.
fn parse_portal_template(text: &str) -> Result<String, String> {
    let text = text.trim();
    let scheme_ok = text.starts_with("https://") || text.starts_with("http://");
    if !scheme_ok || !text.contains("{id}") || text.contains(char::is_whitespace) {
        return Err(format!(
            "{text:?} is not an http(s) URL with {{id}} where the agreement's id goes, e.g. https://kerjasama.bantenprov.go.id/a/{{id}}"
        ));
    }
    Ok(text.to_string())
}

/// A date's text, checked as [`parse_date_arg`] checks it.
fn check_date_text(text: &str) -> Result<String, String> {
    parse_date_arg(text).map(|_| text.to_string())
}

/// A calendar date as the API takes it (`YYYY-MM-DD`, 1900-01-01 … 2199-12-31).
fn parse_date_arg(text: &str) -> Result<chrono::NaiveDate, String> {
    kerjasama_core::calendar::parse_date(text)
        .ok_or_else(|| kerjasama_core::calendar::date_problem_text(text))
}

fn parse_region(text: &str) -> Result<String, String> {
    let text = text.trim();
    if kerjasama_core::names::is_region_code(text) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not a Kemendagri region code such as 36 or 36.71"
        ))
    }
}

/// An absolute http(s) URL, without a query.
fn parse_base_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    let uri: http::Uri = text
        .parse()
        .map_err(|e| format!("{text:?} is not a URL: {e}"))?;
    if !matches!(uri.scheme_str(), Some("https" | "http"))
        || uri.authority().is_none()
        || uri.query().is_some()
    {
        return Err(format!(
            "{text:?} is not an http(s) URL such as https://data.example.go.id/kerjasama/public"
        ));
    }
    Ok(text.trim_end_matches('/').to_string())
}

impl ServeArgs {
    /// The open register's settings; `None` unless --public-register.
    pub fn open_register_settings(
        &self,
    ) -> Option<kerjasama_grpc::open_register::OpenRegisterSettings> {
        self.public_register
            .then(|| kerjasama_grpc::open_register::OpenRegisterSettings {
                region_code: self.public_register_region.clone(),
                publisher: self.public_register_publisher.clone(),
                base_url: self.public_register_base_url.clone(),
            })
    }
}

/// How digests are delivered (see the README's Digests section).
#[derive(Args)]
pub struct DigestArgs {
    /// SMTP server for digest emails, host[:port] (default port 587 with
    /// starttls, 465 with tls, 25 with none). Unset: email digests wait in the
    /// outbox (webhooks still go out).
    #[arg(long, env = "KERJASAMA_SMTP_SERVER")]
    pub smtp_server: Option<String>,
    /// none, starttls or tls (implicit TLS).
    #[arg(long, env = "KERJASAMA_SMTP_SECURITY", default_value = "starttls",
          value_parser = ["none", "starttls", "tls"])]
    pub smtp_security: String,
    /// The SMTP account's user name (with --smtp-password).
    #[arg(long, env = "KERJASAMA_SMTP_USERNAME", requires = "smtp_password")]
    pub smtp_username: Option<String>,
    /// The SMTP account's password (with --smtp-username); never printed.
    #[arg(
        long,
        env = "KERJASAMA_SMTP_PASSWORD",
        hide_env_values = true,
        requires = "smtp_username"
    )]
    pub smtp_password: Option<String>,
    /// The From address of digest emails.
    #[arg(
        long,
        env = "KERJASAMA_SMTP_FROM",
        default_value = "kerjasama@localhost"
    )]
    pub smtp_from: String,
    /// Seconds between outbox passes (and the first retry's delay; each retry
    /// doubles it, up to an hour).
    #[arg(long, env = "KERJASAMA_DIGEST_RETRY_SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub digest_retry_secs: u64,
    /// Do not send digests from this process.
    #[arg(long, env = "KERJASAMA_NO_DIGESTS")]
    pub no_digests: bool,
    /// Let webhooks reach this machine and link-local addresses (loopback,
    /// 169.254.0.0/16, …); refused by default so an endpoint cannot be used to
    /// probe the server's own services. Private networks are always allowed.
    #[arg(long, env = "KERJASAMA_DIGEST_ALLOW_LOCAL_WEBHOOKS")]
    pub digest_allow_local_webhooks: bool,
}

/// `--archive-s3-endpoint`: an http(s) URL.
fn parse_endpoint(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    match text.split_once("://") {
        Some(("http" | "https", host)) if !host.is_empty() && !host.contains('/') => {
            Ok(text.to_string())
        }
        _ => Err(format!(
            "{text:?} bukan alamat http(s)://host:port / is not an http(s)://host:port address"
        )),
    }
}

/// `--clamd`: `host:port` or an absolute socket path.
fn parse_clamd(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.starts_with('/') {
        return Ok(text.to_string());
    }
    match text.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
            Ok(text.to_string())
        }
        _ => Err(format!(
            "{text:?} bukan host:port atau jalur soket / is not host:port or a socket path (e.g. 127.0.0.1:3310, /run/clamav/clamd.ctl)"
        )),
    }
}

#[cfg(test)]
mod help_tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every flag and argument of every subcommand says what it is.
    #[test]
    fn an_s3_endpoint_is_an_http_url() {
        assert_eq!(
            super::parse_endpoint("http://127.0.0.1:9000/").as_deref(),
            Ok("http://127.0.0.1:9000")
        );
        assert_eq!(
            super::parse_endpoint("https://s3.example.go.id").as_deref(),
            Ok("https://s3.example.go.id")
        );
        for bad in [
            "127.0.0.1:9000",
            "ftp://host",
            "http://",
            "http://host/bucket",
        ] {
            assert!(super::parse_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn clamd_is_an_address_or_a_socket_path() {
        assert_eq!(
            super::parse_clamd("127.0.0.1:3310").as_deref(),
            Ok("127.0.0.1:3310")
        );
        assert_eq!(
            super::parse_clamd("/run/clamav/clamd.ctl").as_deref(),
            Ok("/run/clamav/clamd.ctl")
        );
        for bad in [
            "clamd",
            "127.0.0.1:0",
            ":3310",
            "host:port",
            "127.0.0.1:70000",
        ] {
            let refusal = super::parse_clamd(bad).unwrap_err();
            assert!(refusal.contains("bukan host:port"), "{bad}: {refusal}");
        }
    }

    #[test]
    fn every_flag_has_help_and_every_command_examples() {
        fn walk(command: &clap::Command, path: &str, top: bool, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} --{id}: no help text"));
                }
            }
            if top
                && !command
                    .get_after_help()
                    .is_some_and(|h| h.to_string().contains("Examples:"))
            {
                missing.push(format!("{path}: no examples"));
            }
            for sub in command.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                walk(sub, &name, false, missing);
            }
        }
        let cli = Cli::command();
        let mut missing = Vec::new();
        for sub in cli.get_subcommands() {
            walk(
                sub,
                &format!("kerjasama {}", sub.get_name()),
                true,
                &mut missing,
            );
        }
        assert!(missing.is_empty(), "{missing:#?}");
    }
}
