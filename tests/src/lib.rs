//! Test harness: one PostgreSQL cluster per machine (started from the local
//! server binaries by the same code as `kerjasama serve`), the schema migrated
//! once into a template database, and for each test a fresh copy of it and a
//! real server on a free loopback port, reached by real tonic clients.

pub mod clamd;
pub mod daemon;
pub mod s3;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use kerjasama_core::access::Principal;
use kerjasama_core::codes::Role;
use kerjasama_core::pool::{self, PgPool, PoolSettings};
use kerjasama_core::tokens::{self, NewToken};
use kerjasama_pgcluster::Cluster;
use kerjasama_proto::v1::agreement_service_client::AgreementServiceClient;
use kerjasama_proto::v1::benefit_service_client::BenefitServiceClient;
use kerjasama_proto::v1::document_service_client::DocumentServiceClient;
use kerjasama_proto::v1::evaluation_meeting_service_client::EvaluationMeetingServiceClient;
use kerjasama_proto::v1::implementation_report_service_client::ImplementationReportServiceClient;
use kerjasama_proto::v1::report_schedule_service_client::ReportScheduleServiceClient;
use kerjasama_proto::v1::report_service_client::ReportServiceClient;
use kerjasama_proto::v1::stage_service_client::StageServiceClient;
use kerjasama_proto::v1::stage_template_service_client::StageTemplateServiceClient;
use kerjasama_proto::v1::unit_service_client::UnitServiceClient;
use sha2::{Digest, Sha256};
use tokio_postgres::NoTls;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

/// Where the shared test cluster lives: `$KERJASAMA_TEST_PG_DIR`, else a fixed
/// folder under /tmp (reachable by the unprivileged PostgreSQL user).
fn cluster_dir() -> PathBuf {
    std::env::var_os("KERJASAMA_TEST_PG_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/kerjasama-test-pg"))
}

/// A fresh folder beside the shared cluster, for a test that needs one (its
/// PostgreSQL, if it starts one, is stopped by `scripts/test` even when the
/// test fails).
pub fn scratch_dir(prefix: &str) -> PathBuf {
    cluster_dir().join(format!("{prefix}-{}", uuid::Uuid::now_v7()))
}

struct Shared {
    cluster: Cluster,
    template: String,
}

static SHARED: OnceLock<Shared> = OnceLock::new();

/// A digest of every migration, so a changed schema gets a new template.
fn migrations_digest() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("migrations folder")
        .flatten()
        .flat_map(|dir| {
            std::fs::read_dir(dir.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .map(|f| f.path())
        .collect();
    files.sort();
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&file).expect("migration file"));
    }
    hex::encode(&hasher.finalize()[..8])
}

async fn admin_client(cluster: &Cluster) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&cluster.url_for("postgres"), NoTls)
        .await
        .expect("connect to the test cluster");
    tokio::spawn(connection);
    client
}

/// Builds the template database once per schema version, under a lock shared
/// by every test process on the machine.
async fn shared() -> &'static Shared {
    if let Some(shared) = SHARED.get() {
        return shared;
    }
    let dir = cluster_dir();
    let cluster = tokio::task::spawn_blocking(move || Cluster::ensure_running(&dir))
        .await
        .unwrap()
        .expect("start the test PostgreSQL cluster");
    let template = format!("kerjasama_tpl_{}", migrations_digest());
    let lock_path = cluster_dir().join("template.lock");
    let lock = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::create(&lock_path).expect("template lock file");
        file.lock().expect("template lock");
        file
    })
    .await
    .unwrap();
    let admin = admin_client(&cluster).await;
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&template])
        .await
        .unwrap()
        .is_some();
    if !exists {
        let building = format!("{template}_building");
        for statement in [
            format!("DROP DATABASE IF EXISTS {building}"),
            format!("CREATE DATABASE {building}"),
        ] {
            admin.batch_execute(&statement).await.unwrap();
        }
        pool::migrate(&cluster.url_for(&building))
            .await
            .expect("migrate the template");
        admin
            .batch_execute(&format!("ALTER DATABASE {building} RENAME TO {template}"))
            .await
            .unwrap();
    }
    drop(lock);
    let _ = SHARED.set(Shared { cluster, template });
    SHARED.get().expect("just set")
}

/// A fresh database, migrated, for one test.
pub struct TestDatabase {
    pub url: String,
    pub pool: PgPool,
}

pub async fn fresh_database() -> TestDatabase {
    let shared = shared().await;
    let name = format!("t_{}", uuid::Uuid::now_v7().simple());
    let admin = admin_client(&shared.cluster).await;
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {name} TEMPLATE {}",
            shared.template
        ))
        .await
        .expect("copy the template database");
    let url = shared.cluster.url_for(&name);
    let pool = pool::connect(&url, &PoolSettings::default()).expect("pool");
    TestDatabase { url, pool }
}

/// How a test server runs.
#[derive(Clone)]
pub struct Options {
    pub health_interval: Duration,
    /// Report-queue workers (0: runs stay queued for another process).
    pub report_workers: usize,
    /// `--public-register`.
    pub open_register: Option<kerjasama_grpc::open_register::OpenRegisterSettings>,
    /// Run the digest outbox worker, sending email through this SMTP server
    /// (None inside: webhooks only), passing every 200 ms.
    pub digests: Option<Option<kerjasama_jobs::digests::delivery::SmtpSettings>>,
    /// `--portal-url-template`.
    pub portal_url_template: Option<String>,
    /// Refuse webhook recipients on this machine (the production default;
    /// test receivers listen on loopback, so tests allow them unless asked).
    pub refuse_local_webhooks: bool,
    /// The HTTP port's limits (its connection caps are the gRPC port's too).
    pub http_limits: kerjasama_grpc::http_port::HttpLimits,
    /// How long on-demand report runs are kept.
    pub on_demand_retention: kerjasama_jobs::retention::OnDemandRetention,
    /// The document archive's largest file (bytes).
    pub archive_max_file_bytes: u64,
    /// The document archive's quota per region (bytes).
    pub archive_region_quota_bytes: u64,
    /// clamd's address: scan the archive's files (rescanning every 300 ms).
    pub clamd: Option<String>,
    /// Keep the archive's files in this S3 bucket.
    pub s3: Option<kerjasama_core::archive::S3Settings>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            health_interval: Duration::from_secs(1),
            report_workers: 1,
            open_register: None,
            digests: None,
            portal_url_template: None,
            refuse_local_webhooks: false,
            http_limits: Default::default(),
            on_demand_retention: Default::default(),
            archive_max_file_bytes: kerjasama_core::archive::DEFAULT_MAX_FILE_BYTES,
            archive_region_quota_bytes: kerjasama_core::archive::DEFAULT_REGION_QUOTA_BYTES,
            clamd: None,
            s3: None,
        }
    }
}

/// A running server on its own database.
pub struct TestServer {
    pub addr: std::net::SocketAddr,
    /// Where report files are served over HTTP.
    pub http_addr: std::net::SocketAddr,
    pub db: TestDatabase,
    /// An ADMIN token not bound to a region.
    pub admin: String,
    pub reports_dir: PathBuf,
    /// The document archive's store folder.
    pub archive_dir: PathBuf,
    /// The archive's store (a folder under `archive_dir`, or a bucket).
    pub archive_store: kerjasama_core::archive::Store,
    channel: Channel,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let db = fresh_database().await;
        Self::start_on(db, Duration::from_secs(1)).await
    }

    pub async fn start_on(db: TestDatabase, health_interval: Duration) -> TestServer {
        Self::start_with(db, health_interval, 1).await
    }

    /// A server with `report_workers` report-queue workers (0: runs stay
    /// queued for another process).
    pub async fn start_with(
        db: TestDatabase,
        health_interval: Duration,
        report_workers: usize,
    ) -> TestServer {
        let options = Options {
            health_interval,
            report_workers,
            ..Options::default()
        };
        Self::start_with_options(db, options).await
    }

    /// A server with everything `options` sets.
    pub async fn start_with_options(db: TestDatabase, options: Options) -> TestServer {
        let Options {
            health_interval,
            report_workers,
            ..
        } = options.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let reports_dir = cluster_dir()
            .join("reports")
            .join(uuid::Uuid::now_v7().to_string());
        let telemetry = kerjasama_grpc::prometheus::Telemetry::new();
        let archive_dir = reports_dir.with_extension("archive");
        let archive = kerjasama_core::archive::Settings {
            store: match &options.s3 {
                Some(s3) => kerjasama_core::archive::Store::open_in_bucket(&archive_dir, s3)
                    .await
                    .expect("archive bucket"),
                None => kerjasama_core::archive::Store::open(&archive_dir).expect("archive folder"),
            },
            max_file_bytes: options.archive_max_file_bytes,
            region_quota_bytes: options.archive_region_quota_bytes,
            scanner: options.clamd.as_ref().map(|addr| {
                kerjasama_core::archive::Scanner::new(addr.clone(), Duration::from_secs(10))
            }),
            rescan_interval: Duration::from_millis(300),
        };
        let config = kerjasama_grpc::ServerConfig {
            pool: db.pool.clone(),
            database_url: db.url.clone(),
            reports_dir: reports_dir.clone(),
            health_interval,
            report_grace_days: kerjasama_core::implementation_reports::DEFAULT_GRACE_DAYS,
            report_workers,
            report_lease: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(5),
            cors_origins: Vec::new(),
            portal_url_template: options.portal_url_template.clone(),
            connections: options.http_limits.connections,
            on_demand_retention: options.on_demand_retention,
            allow_local_webhooks: !options.refuse_local_webhooks,
            report_database_url: None,
            telemetry: telemetry.clone(),
            tls: None,
            archive: archive.clone(),
        };
        let http_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let http_addr = http_listener.local_addr().unwrap();
        tokio::spawn(kerjasama_grpc::downloads::serve(
            db.pool.clone(),
            http_listener,
            None,
            telemetry,
            kerjasama_grpc::downloads::HttpSettings {
                open_register: options.open_register.clone(),
                archive: archive.clone(),
                limits: options.http_limits,
            },
            std::future::pending(),
        ));
        if let Some(smtp) = &options.digests {
            // The tests' receivers listen on loopback.
            let sender = kerjasama_jobs::digests::delivery::Sender::new(smtp.as_ref(), true)
                .expect("digest sender");
            tokio::spawn(kerjasama_jobs::digests::outbox::run_until(
                db.pool.clone(),
                sender,
                kerjasama_jobs::digests::outbox::WorkerSettings {
                    owner: format!("test-{}", uuid::Uuid::now_v7()),
                    interval: Duration::from_millis(200),
                    lease: Duration::from_secs(30),
                },
                std::future::pending(),
            ));
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            kerjasama_grpc::serve(config, listener, shutdown)
                .await
                .expect("server runs");
        });
        let channel = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect_timeout(Duration::from_secs(5))
            .connect()
            .await
            .expect("connect to the test server");
        let mut server = TestServer {
            addr,
            http_addr,
            db,
            admin: String::new(),
            reports_dir,
            archive_dir,
            archive_store: archive.store.clone(),
            channel,
            _stop: stop,
        };
        server.admin = server.token("test-admin", Role::Admin, None, None).await;
        server
    }

    /// Creates a token directly in the register (tokens have no RPC).
    pub async fn token(
        &self,
        name: &str,
        role: Role,
        unit: Option<&str>,
        region: Option<&str>,
    ) -> String {
        let (_, secret) = tokens::create(
            &self.db.pool,
            &Principal::system("test-harness"),
            NewToken {
                name: name.to_string(),
                role,
                unit_code: unit.map(str::to_string),
                region_code: region.map(str::to_string),
            },
        )
        .await
        .expect("create token");
        secret
    }

    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    pub fn agreements(&self) -> AgreementServiceClient<Channel> {
        AgreementServiceClient::new(self.channel())
    }

    pub fn units(&self) -> UnitServiceClient<Channel> {
        UnitServiceClient::new(self.channel())
    }

    pub fn reports(&self) -> ReportServiceClient<Channel> {
        ReportServiceClient::new(self.channel())
    }

    pub fn benefits(&self) -> BenefitServiceClient<Channel> {
        BenefitServiceClient::new(self.channel())
    }

    pub fn implementation_reports(&self) -> ImplementationReportServiceClient<Channel> {
        ImplementationReportServiceClient::new(self.channel())
    }

    pub fn documents(&self) -> DocumentServiceClient<Channel> {
        DocumentServiceClient::new(self.channel())
    }

    pub fn meetings(&self) -> EvaluationMeetingServiceClient<Channel> {
        EvaluationMeetingServiceClient::new(self.channel())
    }

    pub fn schedules(&self) -> ReportScheduleServiceClient<Channel> {
        ReportScheduleServiceClient::new(self.channel())
    }

    pub fn stages(&self) -> StageServiceClient<Channel> {
        StageServiceClient::new(self.channel())
    }

    pub fn templates(&self) -> StageTemplateServiceClient<Channel> {
        StageTemplateServiceClient::new(self.channel())
    }

    /// Waits until a report run has finished (SUCCEEDED or FAILED) and returns it.
    pub async fn finished(
        &self,
        run: kerjasama_proto::v1::ReportRun,
    ) -> kerjasama_proto::v1::ReportRun {
        use kerjasama_proto::v1::{GetReportRunRequest, ReportRunState};
        for _ in 0..300 {
            let now = self
                .reports()
                .get_report_run(authed(
                    &self.admin,
                    GetReportRunRequest {
                        name: run.name.clone(),
                    },
                ))
                .await
                .expect("get report run")
                .into_inner();
            if now.state == ReportRunState::Succeeded as i32
                || now.state == ReportRunState::Failed as i32
            {
                return now;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{} did not finish within 15 s", run.name);
    }

    /// The number of rows of every table the API writes, to prove that a
    /// rejected call wrote nothing.
    pub async fn row_counts(&self) -> Vec<(String, i64)> {
        self.row_counter().await.counts().await
    }

    /// [`TestServer::row_counts`] on one kept connection, in one query: for
    /// tests that check the database after each of thousands of calls.
    pub async fn row_counter(&self) -> RowCounter {
        RowCounter {
            sql: self.sql().await,
        }
    }

    /// Waits until no report run is queued or running (a RunReport that
    /// succeeded goes on in the background); panics after 30 s.
    pub async fn settle_runs(&self) {
        let sql = self.sql().await;
        for _ in 0..600 {
            let busy: i64 = sql
                .query_one(
                    "SELECT count(*) FROM report_runs WHERE state IN ('QUEUED', 'RUNNING')",
                    &[],
                )
                .await
                .expect("count runs")
                .get(0);
            if busy == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("report runs still running after 30 s");
    }

    /// Runs SQL against the test's database (for checks the API cannot make).
    pub async fn sql(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.db.url, NoTls).await.unwrap();
        tokio::spawn(connection);
        client
    }
}

/// Every table the API writes.
const WRITTEN_TABLES: &[&str] = &[
    "units",
    "agreements",
    "agreement_parties",
    "api_tokens",
    "audit_events",
    "create_requests",
    "report_runs",
    "agreement_stages",
    "stage_reschedules",
    "benefit_indicators",
    "benefit_realisations",
    "implementation_reports",
    "agreement_documents",
    "evaluation_meetings",
    "meeting_findings",
    "recommendations",
    "recommendation_status_changes",
    "report_schedules",
    "import_runs",
    "import_files",
    "import_rows",
    "digest_recipients",
    "digest_schedules",
    "digest_ticks",
    "digest_deliveries",
];

/// Counts the rows of every table the API writes, on one connection.
pub struct RowCounter {
    sql: tokio_postgres::Client,
}

impl RowCounter {
    pub async fn counts(&self) -> Vec<(String, i64)> {
        let columns: Vec<String> = WRITTEN_TABLES
            .iter()
            .map(|table| format!("(SELECT count(*) FROM {table})"))
            .collect();
        let row = self
            .sql
            .query_one(&format!("SELECT {}", columns.join(", ")), &[])
            .await
            .expect("count rows");
        WRITTEN_TABLES
            .iter()
            .enumerate()
            .map(|(i, table)| (table.to_string(), row.get(i)))
            .collect()
    }
}

/// A plain HTTP/1.1 GET: (status, headers in lower case, body).
pub async fn http_get(
    addr: std::net::SocketAddr,
    path: &str,
    token: Option<&str>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    http_request(addr, "GET", path, token, &[], None).await
}

/// A plain HTTP/1.1 request with extra `headers` and a `body` (sent with its
/// Content-Length): (status, headers in lower case, body).
pub async fn http_request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    if let Some(body) = body {
        // The server may answer (413) and close before the whole body is
        // read: what it answered is what counts.
        let _ = stream.write_all(body).await;
    }
    let mut raw = Vec::new();
    // A reset after the answer (the body left unread) keeps what was read.
    let _ = stream.read_to_end(&mut raw).await;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
        .collect();
    (status, headers, body)
}

/// One unary gRPC call over a bare HTTP/2 connection, so that what comes
/// back is exactly what the server answered: a tonic client enforces a
/// request's `grpc-timeout` itself and would answer for the server.
/// `metadata` is sent as request headers. Returns the status code and message.
pub async fn raw_unary(
    connection: &h2::client::SendRequest<bytes::Bytes>,
    addr: std::net::SocketAddr,
    path: &str,
    metadata: &[(&str, String)],
    message: &impl prost::Message,
) -> (Code, String) {
    let mut request = http::Request::post(format!("http://{addr}{path}"))
        .header("content-type", "application/grpc")
        .header("te", "trailers");
    for (name, value) in metadata {
        request = request.header(*name, value);
    }
    let request = request.body(()).expect("a valid request head");
    let encoded = message.encode_to_vec();
    let mut frame = Vec::with_capacity(encoded.len() + 5);
    frame.push(0);
    frame.extend_from_slice(&(encoded.len() as u32).to_be_bytes());
    frame.extend_from_slice(&encoded);
    let mut sender = connection
        .clone()
        .ready()
        .await
        .expect("the connection takes a stream");
    let (response, mut body) = sender.send_request(request, false).expect("a stream");
    body.send_data(bytes::Bytes::from(frame), true)
        .expect("the message sent");
    let response = response.await.expect("a response head");
    let status_of = |headers: &http::HeaderMap| {
        headers.get("grpc-status").map(|code| {
            let code = code.to_str().unwrap().parse::<i32>().unwrap();
            let message = headers
                .get("grpc-message")
                .map(|m| m.to_str().unwrap().to_string())
                .unwrap_or_default();
            (Code::from_i32(code), message)
        })
    };
    if let Some(answer) = status_of(response.headers()) {
        return answer;
    }
    let mut body = response.into_body();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.expect("the response body");
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    let trailers = body
        .trailers()
        .await
        .expect("trailers")
        .expect("a grpc-status trailer");
    status_of(&trailers).expect("a grpc-status trailer")
}

/// A bare HTTP/2 connection for [`raw_unary`].
pub async fn raw_connection(addr: std::net::SocketAddr) -> h2::client::SendRequest<bytes::Bytes> {
    raw_connection_from("127.0.0.1", addr).await
}

/// A bare HTTP/2 connection from the loopback address `from` (127.0.0.2, …:
/// another peer as far as the server can tell).
pub async fn raw_connection_from(
    from: &str,
    addr: std::net::SocketAddr,
) -> h2::client::SendRequest<bytes::Bytes> {
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind(format!("{from}:0").parse().expect("a loopback address"))
        .expect("bind to a loopback address");
    let tcp = socket.connect(addr).await.expect("the gRPC port");
    let (sender, connection) = h2::client::handshake(tcp)
        .await
        .expect("an HTTP/2 handshake");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    sender
}

/// A request carrying `authorization: Bearer <token>`.
pub fn authed<T>(token: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    let value: MetadataValue<_> = format!("Bearer {token}").parse().expect("ascii token");
    request.metadata_mut().insert("authorization", value);
    request
}

/// Asserts the status code and, for INVALID_ARGUMENT, that the named field
/// is among the `google.rpc.BadRequest` violations.
pub fn assert_rejected(status: &Status, code: Code, field: Option<&str>) {
    use tonic_types::StatusExt;
    assert_eq!(status.code(), code, "unexpected status: {status:?}");
    if let Some(field) = field {
        let fields: Vec<String> = status
            .get_details_bad_request()
            .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
            .unwrap_or_default();
        assert!(
            fields.iter().any(|f| f == field),
            "expected a violation of {field}, got {fields:?} ({})",
            status.message()
        );
    }
}

/// Runs the `kerjasama` binary once on the database at `database_url` with
/// `--data-dir data_dir`, `args` and `env` (and no ambient `KERJASAMA_CLAMD`):
/// whether it succeeded, and its stdout followed by its stderr.
pub async fn run_binary(
    database_url: &str,
    data_dir: &std::path::Path,
    args: &[std::ffi::OsString],
    env: &[(&str, &str)],
) -> (bool, String) {
    let output = tokio::process::Command::new(binary())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("KERJASAMA_CLAMD")
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).to_string()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

/// The `kerjasama` binary built next to the test executables.
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps")
        .join("kerjasama");
    assert!(
        path.exists(),
        "{} missing: build the workspace first",
        path.display()
    );
    path
}

/// A `kerjasama serve` process started by a test; stopped (SIGTERM) on drop.
pub struct Served {
    pub child: std::process::Child,
    pub addr: String,
    /// The HTTP port (report files, documents, `/metrics`), `host:port`.
    pub http_addr: Option<String>,
}

impl Drop for Served {
    /// A failing test still stops the server (and so its PostgreSQL).
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: kill(2) on our own child's pid has no memory effects.
            unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
            let _ = self.child.wait();
        }
    }
}

pub fn start_binary(data_dir: &std::path::Path, demo: bool) -> Served {
    start_binary_with(data_dir, if demo { &["--demo"] } else { &[] })
}

/// `kerjasama serve` on `data_dir` (its own PostgreSQL) with `extra` flags.
pub fn start_binary_with(data_dir: &std::path::Path, extra: &[&str]) -> Served {
    let mut command = std::process::Command::new(binary());
    command
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--http-listen",
            "127.0.0.1:0",
            "--data-dir",
        ])
        .arg(data_dir)
        .args(extra)
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    spawn_and_wait_for_address(command)
}

/// Starts the server and reads its stdout until it says where it listens.
pub fn spawn_and_wait_for_address(mut command: std::process::Command) -> Served {
    let mut child = command.spawn().unwrap();
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr = None;
    let mut http_addr = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("HTTP port on ") {
            http_addr = rest
                .split_whitespace()
                .next()
                .and_then(|url| url.split_once("://"))
                .map(|(_, host)| host.trim_end_matches('/').to_string());
        }
        if let Some(rest) = line.strip_prefix("kerjasama listening on ") {
            addr = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    // Keep draining what the server prints, as a terminal would.
    std::thread::spawn(move || lines.for_each(drop));
    Served {
        child,
        addr: addr.expect("the server prints where it listens"),
        http_addr,
    }
}
