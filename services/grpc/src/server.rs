//! Assembles the gRPC server: the kerjasama.v1 services, gRPC health (NOT_SERVING
//! while the database is unreachable) and server reflection (v1 and v1alpha).

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use kerjasama_core::pool::PgPool;
use kerjasama_proto::v1::agreement_service_server::AgreementServiceServer;
use kerjasama_proto::v1::benefit_service_server::BenefitServiceServer;
use kerjasama_proto::v1::document_service_server::DocumentServiceServer;
use kerjasama_proto::v1::evaluation_meeting_service_server::EvaluationMeetingServiceServer;
use kerjasama_proto::v1::implementation_report_service_server::ImplementationReportServiceServer;
use kerjasama_proto::v1::report_schedule_service_server::ReportScheduleServiceServer;
use kerjasama_proto::v1::report_service_server::ReportServiceServer;
use kerjasama_proto::v1::stage_service_server::StageServiceServer;
use kerjasama_proto::v1::stage_template_service_server::StageTemplateServiceServer;
use kerjasama_proto::v1::unit_service_server::UnitServiceServer;
use tokio::net::TcpListener;

use crate::agreements::Agreements;
use crate::auth::Authenticator;
use crate::benefits::Benefits;
use crate::documents::Documents;
use crate::gate::GateLayer;
use crate::implementation_reports::ImplementationReports;
use crate::meetings::Meetings;
use crate::reports::Reports;
use crate::request_check::RequestCheck;
use crate::schedules::Schedules;
use crate::stages::{StageTemplates, Stages};
use crate::units::Units;

/// Streams (calls) open at once on one gRPC connection.
pub const GRPC_MAX_CONCURRENT_STREAMS: u32 = 128;
/// The largest header list a gRPC call may send (bytes, HPACK-decoded).
pub const GRPC_MAX_HEADER_LIST_BYTES: u32 = 16 * 1024;
/// Streams a client may open and reset before the server accepts them (the
/// "rapid reset" flood, CVE-2023-44487) before the connection is closed.
pub const GRPC_MAX_PENDING_RESETS: usize = 20;
/// Streams the server may reset for a client's protocol errors before it
/// closes the connection.
pub const GRPC_MAX_LOCAL_ERROR_RESETS: usize = 1024;

pub struct ServerConfig {
    pub pool: PgPool,
    pub database_url: String,
    /// Where report runs keep their files.
    pub reports_dir: PathBuf,
    /// How often health probes the database.
    pub health_interval: Duration,
    /// Days after a reporting cycle's end by which its implementation report is on time.
    pub report_grace_days: u32,
    /// Report-queue workers in this process (0: another process computes runs).
    pub report_workers: usize,
    /// How long a worker's claim on a run lasts without renewal.
    pub report_lease: Duration,
    /// Where report-queue workers read the register (a hot standby, say);
    /// `None`: `database_url`.
    pub report_database_url: Option<String>,
    /// Where call counts and latencies go (served at `/metrics` by `downloads`).
    pub telemetry: std::sync::Arc<crate::prometheus::Telemetry>,
    /// TLS (and mutual TLS) for the gRPC port; `None`: plaintext.
    pub tls: Option<crate::tls::TlsSettings>,
    /// After the shutdown signal, how long in-flight calls may take to finish
    /// (new calls are refused at once); then the server stops regardless.
    pub shutdown_grace: Duration,
    /// Browser origins allowed to call over gRPC-Web (CORS); empty: none.
    pub cors_origins: Vec<http::HeaderValue>,
    /// Digest links: `{id}` replaced by the agreement's id; None: no links.
    pub portal_url_template: Option<String>,
    /// Webhook recipients may be on this machine or link-local
    /// (`--digest-allow-local-webhooks`); refused when created otherwise.
    pub allow_local_webhooks: bool,
    /// How long on-demand report runs are kept.
    pub on_demand_retention: kerjasama_jobs::retention::OnDemandRetention,
    /// Connection caps of the gRPC port.
    pub connections: crate::connections::ConnectionLimits,
    /// The document archive (shared with the HTTP port).
    pub archive: kerjasama_core::archive::Settings,
}

/// CORS for browsers calling over gRPC-Web: only the configured origins, only
/// POST, the headers gRPC-Web clients send, and the gRPC trailers exposed so
/// a browser can read a call's status and error details.
fn cors(origins: Vec<http::HeaderValue>) -> tower_http::cors::CorsLayer {
    use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderName};
    tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::AllowOrigin::list(origins))
        .allow_methods([http::Method::POST])
        .allow_headers([
            CONTENT_TYPE,
            AUTHORIZATION,
            HeaderName::from_static("x-grpc-web"),
            HeaderName::from_static("x-user-agent"),
            HeaderName::from_static("grpc-timeout"),
            HeaderName::from_static("x-request-id"),
            HeaderName::from_static("connect-protocol-version"),
        ])
        .expose_headers([
            HeaderName::from_static("grpc-status"),
            HeaderName::from_static("grpc-message"),
            HeaderName::from_static("grpc-status-details-bin"),
            HeaderName::from_static("x-request-id"),
        ])
        .max_age(Duration::from_secs(3600))
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("building reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error("reading the contract's descriptors: {0}")]
    Descriptors(#[from] prost_reflect::DescriptorError),
    #[error("gRPC transport: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// Serves until `shutdown` completes, then drains in-flight calls.
pub async fn serve(
    config: ServerConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let (reporter, health) = tonic_health::server::health_reporter();
    let watcher = tokio::spawn(crate::database_health::watch(
        reporter,
        config.database_url.clone(),
        config.health_interval,
    ));

    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(kerjasama_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(kerjasama_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let (authenticator, token_listener) =
        Authenticator::with_cache(config.pool.clone(), config.database_url.clone());
    let gate = GateLayer::new(
        config.pool.clone(),
        authenticator,
        RequestCheck::new()?,
        config.telemetry.clone(),
    );
    let agreements = Agreements::new(config.pool.clone());
    let units = Units::new(config.pool.clone());
    let stages = Stages::new(config.pool.clone());
    let templates = StageTemplates::new(config.pool.clone());
    let benefits = Benefits::new(config.pool.clone());
    let implementation = ImplementationReports::new(config.pool.clone(), config.report_grace_days);
    let documents = Documents::new(config.pool.clone(), config.archive.clone());
    let meetings = Meetings::new(config.pool.clone());
    let schedules = Schedules::new(config.pool.clone());
    let (stop_workers, stopped) = tokio::sync::watch::channel(false);
    let workers: Vec<_> = (0..config.report_workers)
        .map(|_| {
            let mut stopped = stopped.clone();
            tokio::spawn(kerjasama_jobs::queue::work_until(
                config.pool.clone(),
                kerjasama_jobs::queue::WorkerConfig {
                    database_url: config
                        .report_database_url
                        .clone()
                        .unwrap_or_else(|| config.database_url.clone()),
                    reports_root: config.reports_dir.clone(),
                    lease: config.report_lease,
                    poll: Duration::from_secs(1),
                    on_demand_retention: config.on_demand_retention,
                },
                async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                },
            ))
        })
        .collect();
    // Files the virus scanner has not given a verdict on yet (it was down
    // when they arrived, or they predate it) are scanned again.
    let rescanner = {
        let mut stopped = stopped.clone();
        tokio::spawn(kerjasama_core::archive::rescan_until(
            config.pool.clone(),
            config.archive.clone(),
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            },
        ))
    };
    let shutdown = async move {
        shutdown.await;
        let _ = stop_workers.send(true);
    };
    let grace = config.shutdown_grace;
    let mut stopping = stopped.clone();
    let grace_over = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
        tokio::time::sleep(grace).await;
    };
    let reports = Reports::new(
        config.pool.clone(),
        config.reports_dir,
        config.report_grace_days,
    );
    let imports = crate::imports::Imports::new(config.pool.clone());
    let digests = crate::digests::Digests::new(
        config.pool.clone(),
        kerjasama_jobs::digests::outbox::ComposeSettings {
            database_url: config.database_url.clone(),
            report_grace_days: config.report_grace_days,
            portal_url_template: config.portal_url_template.clone(),
        },
        config.allow_local_webhooks,
    );

    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = &config.tls {
        builder = builder.tls_config(tls.grpc())?;
    }
    // Outermost first: CORS answers browsers' preflights, gRPC-Web calls are
    // turned into gRPC, and only then does the gate see them, exactly as it
    // sees native gRPC.
    let result = builder
        .accept_http1(true)
        .timeout(crate::deadline::SERVER_CEILING)
        // HTTP/2 limits, explicit rather than left to library defaults.
        .max_concurrent_streams(GRPC_MAX_CONCURRENT_STREAMS)
        .http2_max_header_list_size(GRPC_MAX_HEADER_LIST_BYTES)
        .http2_max_pending_accept_reset_streams(Some(GRPC_MAX_PENDING_RESETS))
        .http2_max_local_error_reset_streams(Some(GRPC_MAX_LOCAL_ERROR_RESETS))
        .http2_keepalive_interval(Some(Duration::from_secs(60)))
        .http2_keepalive_timeout(Some(Duration::from_secs(20)))
        .layer(cors(config.cors_origins))
        .layer(tonic_web::GrpcWebLayer::new())
        .layer(gate)
        .add_service(health)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(AgreementServiceServer::new(agreements))
        .add_service(UnitServiceServer::new(units))
        .add_service(ReportServiceServer::new(reports))
        .add_service(StageServiceServer::new(stages))
        .add_service(StageTemplateServiceServer::new(templates))
        .add_service(BenefitServiceServer::new(benefits))
        .add_service(ImplementationReportServiceServer::new(implementation))
        .add_service(DocumentServiceServer::new(documents))
        .add_service(EvaluationMeetingServiceServer::new(meetings))
        .add_service(ReportScheduleServiceServer::new(schedules))
        .add_service(
            kerjasama_proto::v1::import_service_server::ImportServiceServer::new(imports)
                .max_decoding_message_size(crate::gate::MAX_UPLOAD_BYTES),
        )
        .add_service(kerjasama_proto::v1::digest_service_server::DigestServiceServer::new(digests))
        .serve_with_incoming_shutdown(
            crate::connections::Admissions::new(config.connections).incoming(listener),
            shutdown,
        );
    let result = tokio::select! {
        result = result => result,
        _ = grace_over => {
            tracing::warn!(?grace, "calls still in flight after the shutdown grace; stopping anyway");
            Ok(())
        }
    };
    watcher.abort();
    token_listener.abort();
    rescanner.abort();
    for worker in workers {
        // A worker gives its run back to the queue and stops promptly.
        let _ = tokio::time::timeout(Duration::from_secs(10), worker).await;
    }
    Ok(result?)
}
