//! Prometheus metrics, served at `GET /metrics` on the HTTP port (OpenMetrics
//! text, which Prometheus scrapes): what an operator watches.
//!
//! - `kerjasama_import_runs{state}`, `kerjasama_digest_deliveries{state}`:
//!   import runs and digest deliveries by outcome, read at scrape.
//! - `kerjasama_grpc_requests_total{rpc, code}` and
//!   `kerjasama_grpc_request_duration_seconds{rpc, code}`: every call through
//!   the gate, by method and gRPC status code (`rpc="unknown"` for a path the
//!   contract does not define, so garbage cannot grow the label set);
//!   `kerjasama_grpc_requests_in_flight`.
//! - `kerjasama_db_pool_connections{state="open|idle|waiting"}` and
//!   `kerjasama_db_pool_max_connections`.
//! - `kerjasama_report_runs{state}`, `kerjasama_report_run_mean_seconds{state}`,
//!   `kerjasama_report_run_max_seconds{state}`.
//! - `kerjasama_scheduler_lag_seconds`: now − the oldest tick due and not yet
//!   claimed; `kerjasama_report_schedule_last_success_timestamp_seconds{schedule}`.
//!
//! The first group is counted as calls happen; the others are read when
//! scraped. Scraping needs no token (like health); it exposes no record data.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use kerjasama_core::pool::PgPool;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

pub struct Telemetry {
    registry: Registry,
    requests: Family<Labels, Counter>,
    durations: Family<Labels, Histogram>,
    in_flight: Gauge,
    pool: Family<Labels, Gauge>,
    pool_max: Gauge,
    runs: Family<Labels, Gauge>,
    run_mean: Family<Labels, FloatGauge>,
    run_max: Family<Labels, FloatGauge>,
    scheduler_lag: FloatGauge,
    last_success: Family<Labels, FloatGauge>,
    imports: Family<Labels, Gauge>,
    deliveries: Family<Labels, Gauge>,
    token_checks: Family<Labels, Counter>,
}

/// gRPC's canonical name of a status code (`OK`, `INVALID_ARGUMENT`), as
/// every other gRPC dashboard writes it.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}

impl Telemetry {
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::default();
        let requests = Family::<Labels, Counter>::default();
        // 0.5 ms … about 16 s.
        let durations = Family::<Labels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let in_flight = Gauge::default();
        let pool = Family::<Labels, Gauge>::default();
        let pool_max = Gauge::default();
        let runs = Family::<Labels, Gauge>::default();
        let run_mean = Family::<Labels, FloatGauge>::default();
        let run_max = Family::<Labels, FloatGauge>::default();
        let scheduler_lag = FloatGauge::default();
        let last_success = Family::<Labels, FloatGauge>::default();
        let imports = Family::<Labels, Gauge>::default();
        let deliveries = Family::<Labels, Gauge>::default();
        let token_checks = Family::<Labels, Counter>::default();
        registry.register(
            "kerjasama_token_checks",
            "bearer tokens checked, by how: cached, found or unknown in the database, \
             unknown from the negative cache, or refused unread (the peer's failed-authentication limit)",
            token_checks.clone(),
        );
        registry.register(
            "kerjasama_import_runs",
            "Import runs by outcome (VALIDATED, INVALID, SUCCEEDED, FAILED, …)",
            imports.clone(),
        );
        registry.register(
            "kerjasama_digest_deliveries",
            "Digest deliveries by outcome (PENDING, SENDING, DELIVERED, FAILED)",
            deliveries.clone(),
        );
        registry.register(
            "kerjasama_grpc_requests",
            "gRPC calls by method and status code",
            requests.clone(),
        );
        registry.register(
            "kerjasama_grpc_request_duration_seconds",
            "gRPC call latency until the response starts, by method and status code",
            durations.clone(),
        );
        registry.register(
            "kerjasama_grpc_requests_in_flight",
            "gRPC calls being handled now",
            in_flight.clone(),
        );
        registry.register(
            "kerjasama_db_pool_connections",
            "database pool connections: open, idle, and calls waiting for one",
            pool.clone(),
        );
        registry.register(
            "kerjasama_db_pool_max_connections",
            "the pool's size limit",
            pool_max.clone(),
        );
        registry.register(
            "kerjasama_report_runs",
            "report runs by state",
            runs.clone(),
        );
        registry.register(
            "kerjasama_report_run_mean_seconds",
            "mean duration of finished report runs, by state",
            run_mean.clone(),
        );
        registry.register(
            "kerjasama_report_run_max_seconds",
            "longest finished report run, by state",
            run_max.clone(),
        );
        registry.register(
            "kerjasama_scheduler_lag_seconds",
            "age of the oldest schedule tick that is due and not yet claimed",
            scheduler_lag.clone(),
        );
        registry.register(
            "kerjasama_report_schedule_last_success_timestamp_seconds",
            "when each schedule's newest succeeded run finished (Unix time)",
            last_success.clone(),
        );
        Arc::new(Self {
            registry,
            requests,
            durations,
            in_flight,
            pool,
            pool_max,
            runs,
            run_mean,
            run_max,
            scheduler_lag,
            last_success,
            imports,
            deliveries,
            token_checks,
        })
    }

    /// Counts one bearer-token check by how it was decided.
    pub fn token_checked(&self, how: crate::auth::Checked) {
        self.token_checks
            .get_or_create(&vec![("how", how.label().to_string())])
            .inc();
    }

    /// Counts a call from its start; [`Call::finish`] records its outcome.
    pub fn start(self: &Arc<Self>, rpc: String) -> Call {
        self.in_flight.inc();
        Call {
            telemetry: self.clone(),
            rpc,
            started: Instant::now(),
            finished: false,
        }
    }

    /// The metrics as OpenMetrics text, with the sampled ones read now.
    pub async fn render(&self, pool: &PgPool) -> String {
        // Import runs and digest deliveries by outcome (every state, zero too,
        // so an alert can watch FAILED from the first scrape).
        if let Ok(counts) = kerjasama_import::runs::counts_by_state(pool).await {
            for state in kerjasama_import::runs::ImportRunState::ALL {
                let n = counts.get(state).copied().unwrap_or(0);
                self.imports
                    .get_or_create(&vec![("state", state.code().to_string())])
                    .set(n);
            }
        }
        if let Ok(counts) = kerjasama_jobs::digests::outbox::counts_by_state(pool).await {
            for state in kerjasama_jobs::digests::delivery_record::DeliveryState::ALL {
                let n = counts.get(state).copied().unwrap_or(0);
                self.deliveries
                    .get_or_create(&vec![("state", state.code().to_string())])
                    .set(n);
            }
        }
        let status = pool.status();
        let state = |s: &str| vec![("state", s.to_string())];
        self.pool
            .get_or_create(&state("open"))
            .set(status.size as i64);
        self.pool
            .get_or_create(&state("idle"))
            .set(status.available as i64);
        self.pool
            .get_or_create(&state("waiting"))
            .set(status.waiting as i64);
        self.pool_max.set(status.max_size as i64);
        // The database may be down: the request metrics still answer.
        if let Ok(statistics) = kerjasama_jobs::runs::statistics(pool).await {
            for s in statistics {
                let labels = state(&s.state);
                self.runs.get_or_create(&labels).set(s.runs);
                self.run_mean.get_or_create(&labels).set(s.mean_seconds);
                self.run_max.get_or_create(&labels).set(s.max_seconds);
            }
        }
        if let Ok(lag) = kerjasama_jobs::scheduler::lag(pool, chrono::Utc::now()).await {
            self.scheduler_lag.set(lag.as_secs_f64());
        }
        if let Ok(last) = kerjasama_jobs::runs::last_success_per_schedule(pool).await {
            for (schedule, finished) in last {
                self.last_success
                    .get_or_create(&vec![("schedule", format!("reportSchedules/{schedule}"))])
                    .set(finished.timestamp_millis() as f64 / 1000.0);
            }
        }
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::warn!(%error, "encoding metrics failed");
        }
        text
    }
}

/// One call being counted.
pub struct Call {
    telemetry: Arc<Telemetry>,
    rpc: String,
    started: Instant,
    finished: bool,
}

impl Call {
    /// Records the call with its gRPC status code (the name, e.g. `NotFound`).
    pub fn finish(mut self, code: tonic::Code) {
        self.record(code);
    }

    fn record(&mut self, code: tonic::Code) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.telemetry.in_flight.dec();
        let labels = vec![
            ("rpc", self.rpc.clone()),
            ("code", code_name(code).to_string()),
        ];
        self.telemetry.requests.get_or_create(&labels).inc();
        self.telemetry
            .durations
            .get_or_create(&labels)
            .observe(self.started.elapsed().as_secs_f64());
    }
}

impl Drop for Call {
    /// A call dropped unanswered (the client went away) counts as CANCELLED.
    fn drop(&mut self) {
        self.record(tonic::Code::Cancelled);
    }
}
