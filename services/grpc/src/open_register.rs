//! The open register over HTTP, without a token, only when the server runs
//! with `--public-register`:
//!
//! - `GET /public/public_register.csv` and `/public/public_register.json`: the
//!   signed agreements in force today, their public fields only
//!   (`kerjasama_core::open_register`);
//! - `GET /public/public_register_dictionary.csv`: the data dictionary;
//! - `GET /public/dcat.json`: the DCAT-style description portals harvest;
//! - `GET /public/agreements/{id}/signed.pdf`: the signed PDF of an agreement
//!   in the register that the bureau marked `public_in_full`, when the archive
//!   holds it (the `signed_document` column links it); 404 for any other.
//!
//! Disabled, every `/public/` path answers 404 and reads nothing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kerjasama_core::archive::Store;
use kerjasama_core::calendar;
use kerjasama_core::open_register::{self, OpenRegister};
use kerjasama_core::pool::PgPool;

/// What the open register publishes, from the server's flags.
#[derive(Debug, Clone)]
pub struct OpenRegisterSettings {
    /// Only this region's agreements; `None`: every region of the deployment.
    pub region_code: Option<String>,
    /// The publisher named in the DCAT description.
    pub publisher: String,
    /// The public base URL of `/public/` (e.g. `https://data.example.go.id/kerjasama/public`);
    /// `None`: built from the request's Host header.
    pub base_url: Option<String>,
}

/// How long a read of the open register is served again: requests need no
/// token, so they are answered from one read a minute, not one read each.
/// Responses tell caches to keep them only for what is left of that minute
/// (`Cache-Control: max-age`), so a change (a withdrawn budget, an agreement
/// ended) is public everywhere within a minute, not later in a proxy.
const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(60);

/// The data dictionary changes only with a release.
const DICTIONARY_MAX_AGE_SECS: u64 = 3600;

/// The last read: when, for which day, and what.
type Cached = Option<(std::time::Instant, chrono::NaiveDate, Arc<OpenRegister>)>;

#[derive(Clone)]
pub(crate) struct OpenRegisterState {
    pub pool: PgPool,
    pub settings: Option<OpenRegisterSettings>,
    pub cache: Arc<tokio::sync::Mutex<Cached>>,
    /// The document archive (signed PDFs of `public_in_full` agreements).
    pub store: Store,
}

impl OpenRegisterState {
    pub fn new(pool: PgPool, settings: Option<OpenRegisterSettings>, store: Store) -> Self {
        Self {
            pool,
            settings,
            cache: Arc::default(),
            store,
        }
    }

    /// The register as of today, read at most once a minute (concurrent
    /// requests wait for the one read).
    async fn read(
        &self,
        region: Option<&str>,
    ) -> Result<(Arc<OpenRegister>, u64), kerjasama_core::CoreError> {
        let today = calendar::today();
        let mut cache = self.cache.lock().await;
        if let Some((at, day, register)) = cache.as_ref()
            && *day == today
            && at.elapsed() < FRESH_FOR
        {
            let left = FRESH_FOR.saturating_sub(at.elapsed()).as_secs();
            return Ok((register.clone(), left));
        }
        let register = Arc::new(open_register::read(&self.pool, region, today).await?);
        *cache = Some((std::time::Instant::now(), today, register.clone()));
        Ok((register, FRESH_FOR.as_secs()))
    }
}

fn failure(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text}\n"),
    )
        .into_response()
}

fn base_url(settings: &OpenRegisterSettings, headers: &HeaderMap, tls: bool) -> String {
    if let Some(base) = &settings.base_url {
        return base.trim_end_matches('/').to_string();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{host}/public")
}

/// `GET /public/{file}`.
pub(crate) async fn public_file(
    State((state, tls)): State<(OpenRegisterState, bool)>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(settings) = &state.settings else {
        return failure(
            StatusCode::NOT_FOUND,
            "the open register is not published by this server (start it with --public-register)",
        );
    };
    let known = [
        open_register::CSV_FILE,
        open_register::JSON_FILE,
        open_register::DICTIONARY_FILE,
        open_register::DCAT_FILE,
    ];
    if !known.contains(&file.as_str()) {
        return failure(
            StatusCode::NOT_FOUND,
            &format!("no such file; the open register has {}", known.join(", ")),
        );
    }
    if file == open_register::DICTIONARY_FILE {
        return match open_register::dictionary_csv() {
            Ok(bytes) => send(&file, bytes, DICTIONARY_MAX_AGE_SECS),
            Err(error) => failure(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
        };
    }
    let (register, max_age) = match state.read(settings.region_code.as_deref()).await {
        Ok(read) => read,
        Err(kerjasama_core::CoreError::Unavailable(reason)) => {
            return failure(StatusCode::SERVICE_UNAVAILABLE, &reason);
        }
        Err(error) => {
            tracing::warn!(%error, "open register");
            return failure(
                StatusCode::SERVICE_UNAVAILABLE,
                "the register cannot be read right now; try again shortly",
            );
        }
    };
    let bytes = match file.as_str() {
        open_register::CSV_FILE => register.to_csv(),
        open_register::JSON_FILE => register.to_json(),
        _ => register.dcat(&settings.publisher, &base_url(settings, &headers, tls)),
    };
    match bytes {
        Ok(bytes) => send(&file, bytes, max_age),
        Err(error) => failure(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

/// `GET /public/agreements/{id}/signed.pdf`: published only for an agreement
/// the open register lists with a `signed_document` (in force today,
/// `public_in_full`, its signed PDF in the archive); 404 otherwise, the same
/// answer whether the agreement exists or not.
pub(crate) async fn signed_pdf(
    State(state): State<OpenRegisterState>,
    Path(id): Path<String>,
) -> Response {
    let not_published = || {
        failure(
            StatusCode::NOT_FOUND,
            "tidak dipublikasikan / not published: the open register publishes the signed PDF of an agreement in force that the bureau marked public_in_full",
        )
    };
    let Some(settings) = &state.settings else {
        return failure(
            StatusCode::NOT_FOUND,
            "the open register is not published by this server (start it with --public-register)",
        );
    };
    let Some(agreement_id) = kerjasama_core::names::parse_id(&id) else {
        return not_published();
    };
    let (register, max_age) = match state.read(settings.region_code.as_deref()).await {
        Ok(read) => read,
        Err(error) => {
            tracing::warn!(%error, "open register");
            return failure(
                StatusCode::SERVICE_UNAVAILABLE,
                "the register cannot be read right now; try again shortly",
            );
        }
    };
    let Some(published) = register
        .agreements
        .iter()
        .find(|a| a.id == agreement_id.to_string() && a.signed_document.is_some())
    else {
        return not_published();
    };
    match kerjasama_core::archive::published_signed_pdf(&state.pool, &state.store, agreement_id)
        .await
    {
        Ok(Some((file, bytes))) => {
            let name: String = published
                .document_number
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!(
                            "inline; filename=\"{}.pdf\"",
                            if name.is_empty() { "naskah" } else { &name }
                        ),
                    ),
                    (header::ETAG, format!("\"{}\"", file.sha256)),
                    (header::CACHE_CONTROL, format!("public, max-age={max_age}")),
                    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()),
                ],
                bytes,
            )
                .into_response()
        }
        Ok(None) => not_published(),
        Err(error) => {
            tracing::warn!(%error, "open register signed PDF");
            failure(
                StatusCode::SERVICE_UNAVAILABLE,
                "the archive cannot be read right now; try again shortly",
            )
        }
    }
}

fn send(file: &str, bytes: Vec<u8>, max_age_secs: u64) -> Response {
    let content_type = if file.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{file}\""),
            ),
            (
                header::CACHE_CONTROL,
                format!("public, max-age={max_age_secs}"),
            ),
            // dcat.json's links follow the Host header (without --public-register-base-url).
            (header::VARY, "Host".to_string()),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_string()),
        ],
        bytes,
    )
        .into_response()
}
