//! Report files over plain HTTP, for analysts' `curl -O` and browsers:
//!
//! - `GET /reports/{run id}/{file}`: a file of a succeeded run (`counts_by_type.csv`,
//!   `manifest.json`, …);
//! - `GET /reports/latest/{file}?schedule={schedule id}`: that file of the newest
//!   succeeded run that has it (of the schedule, when given).
//!
//! - `PUT`/`GET /documents/{agreement}/{document}/file`: the document archive
//!   (see `document_files`).
//! - `GET /metrics`: Prometheus metrics (no token; see `prometheus`).
//! - `GET /public/{file}`: the open register, no token, only with
//!   `--public-register` (see `open_register`).
//!
//! The report files need `Authorization: Bearer <token>` with the same rules as gRPC
//! (ADMIN and ANALYST tokens, limited to their region), and answer with the
//! right `Content-Type` and a `Content-Disposition` file name.

use std::future::Future;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kerjasama_core::CoreError;
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::report_runs;
use kerjasama_jobs::csv_dialect::CsvDialect;
use kerjasama_jobs::run_record::{ReportRun, RunState};
use kerjasama_jobs::runs;
use serde::Deserialize;
use tokio::net::TcpListener;

use crate::http_edge::{Failure, HttpState, authenticate};

/// `GET /metrics`: Prometheus metrics (see `prometheus`), no token needed.
async fn metrics(State(state): State<HttpState>) -> Response {
    let text = state.telemetry.render(&state.pool).await;
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// The caller of a report-file request: a token that may read reports.
async fn principal(
    state: &HttpState,
    peer: Option<crate::http_port::Peer>,
    headers: &HeaderMap,
) -> Result<Principal, Failure> {
    let actor = authenticate(state, peer, headers).await?;
    actor.check_run_reports()?;
    Ok(actor)
}

/// The one text validator, for what arrives in a URL (`%00` decodes to NUL,
/// which PostgreSQL cannot even compare).
fn checked_text(field: &str, value: &str) -> Result<(), Failure> {
    kerjasama_core::text::check(field, field, value)
        .map_err(|v| Failure(StatusCode::BAD_REQUEST, v.to_string()))
}

fn content_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") => "application/json",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("html") => "text/html; charset=utf-8",
        Some("pdf") => "application/pdf",
        Some("parquet") => "application/vnd.apache.parquet",
        _ => "application/octet-stream",
    }
}

async fn send(run: &ReportRun, file: &str, dialect: Option<&str>) -> Result<Response, Failure> {
    let dialect = dialect.unwrap_or_default();
    checked_text("dialect", dialect)?;
    let dialect = CsvDialect::parse(dialect).ok_or_else(|| {
        Failure(
            StatusCode::BAD_REQUEST,
            format!("dialect must be {}", CsvDialect::CHOICES),
        )
    })?;
    let bytes = runs::read_file(run, file, dialect).await?;
    let disposition = format!("attachment; filename=\"{}-{file}\"", run.id);
    Ok((
        [
            (header::CONTENT_TYPE, content_type(file).to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
struct FileQuery {
    dialect: Option<String>,
}

async fn run_file(
    State(state): State<HttpState>,
    Path((run, file)): Path<(String, String)>,
    Query(query): Query<FileQuery>,
    axum::Extension(peer): axum::Extension<crate::http_port::Peer>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let actor = principal(&state, Some(peer), &headers).await?;
    checked_text("file", &file)?;
    let id = kerjasama_core::names::parse_id(&run).ok_or_else(|| {
        Failure(
            StatusCode::BAD_REQUEST,
            format!("{run:?} is not a report run id"),
        )
    })?;
    let run = runs::get(&state.pool, &actor, id).await?;
    send(&run, &file, query.dialect.as_deref()).await
}

#[derive(Deserialize)]
struct Latest {
    schedule: Option<String>,
    dialect: Option<String>,
}

async fn latest_file(
    State(state): State<HttpState>,
    Path(file): Path<String>,
    Query(query): Query<Latest>,
    axum::Extension(peer): axum::Extension<crate::http_port::Peer>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let actor = principal(&state, Some(peer), &headers).await?;
    checked_text("file", &file)?;
    let dialect = query.dialect.clone();
    let schedule = query
        .schedule
        .as_deref()
        .map(|s| {
            kerjasama_core::names::parse_id(s.trim_start_matches("reportSchedules/")).ok_or_else(
                || {
                    Failure(
                        StatusCode::BAD_REQUEST,
                        format!("{s:?} is not a schedule id"),
                    )
                },
            )
        })
        .transpose()?;
    let mut conn = state.pool.get().await.map_err(CoreError::from)?;
    let mut query = report_runs::table
        .filter(report_runs::state.eq(RunState::Succeeded))
        .filter(report_runs::files.contains(vec![file.clone()]))
        .select(report_runs::id)
        .order((report_runs::finish_time.desc(), report_runs::id.desc()))
        .into_boxed();
    if let Some(schedule) = schedule {
        query = query.filter(report_runs::schedule_id.eq(schedule));
    }
    if let Some(own) = &actor.region_code {
        query = query.filter(report_runs::region_code.eq(own.clone()));
    }
    let id: Option<uuid::Uuid> = query
        .first(&mut conn)
        .await
        .optional()
        .map_err(CoreError::from)?;
    let id = id.ok_or_else(|| {
        Failure(
            StatusCode::NOT_FOUND,
            format!("no succeeded run has {file}"),
        )
    })?;
    drop(conn);
    let run = runs::get(&state.pool, &actor, id).await?;
    send(&run, &file, dialect.as_deref()).await
}

/// What the HTTP port serves besides report files.
pub struct HttpSettings {
    /// `--public-register`: the open register at `/public/`.
    pub open_register: Option<crate::open_register::OpenRegisterSettings>,
    /// The document archive at `/documents/`.
    pub archive: kerjasama_core::archive::Settings,
    pub limits: crate::http_port::HttpLimits,
}

/// Serves downloads until `shutdown` completes.
/// With `tls`, only HTTPS is spoken on `listener`.
pub async fn serve(
    pool: PgPool,
    listener: TcpListener,
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    telemetry: std::sync::Arc<crate::prometheus::Telemetry>,
    settings: HttpSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let HttpSettings {
        open_register,
        archive,
        limits,
    } = settings;
    let public = crate::open_register::OpenRegisterState::new(
        pool.clone(),
        open_register,
        archive.store.clone(),
    );
    let app = Router::new()
        .route(
            "/public/{file}",
            get(crate::open_register::public_file).with_state((public.clone(), tls.is_some())),
        )
        .route(
            "/public/agreements/{id}/signed.pdf",
            get(crate::open_register::signed_pdf).with_state(public),
        )
        .route("/metrics", get(metrics))
        .route("/reports/latest/{file}", get(latest_file))
        .route("/reports/{run}/{file}", get(run_file))
        .route(
            "/documents/{agreement}/{document}/file",
            get(crate::document_files::get_file)
                .put(crate::document_files::put_file)
                .post(crate::document_files::post_file),
        )
        .route(
            "/documents/{agreement}/{document}/files",
            get(crate::document_files::list_files),
        )
        // The archive bounds a file itself (archive::Settings::max_file_bytes),
        // streaming it to disk; axum's 2 MB default would refuse scans.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .with_state(HttpState {
            auth: crate::auth::Authenticator::new(pool.clone()),
            pool,
            telemetry,
            archive,
        });
    crate::http_port::serve(listener, tls, app, limits, shutdown).await
}
