//! What every request on the HTTP port shares (report files, the document
//! archive): the port's state, the caller's bearer token checked by the same
//! authenticator as the gRPC gate, the plain-text error answer, and file
//! names for `Content-Disposition`. Each resource keeps its own access rule.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kerjasama_core::CoreError;
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;

#[derive(Clone)]
pub(crate) struct HttpState {
    pub(crate) pool: PgPool,
    pub(crate) telemetry: std::sync::Arc<crate::prometheus::Telemetry>,
    /// The same token checks as the gRPC gate: a peer that keeps failing is
    /// refused without reading the database.
    pub(crate) auth: crate::auth::Authenticator,
    /// The document archive (`document_files`).
    pub(crate) archive: kerjasama_core::archive::Settings,
}

/// An HTTP error with a plain-text reason.
pub(crate) struct Failure(pub(crate) StatusCode, pub(crate) String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = (self.0, format!("{}\n", self.1)).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.0 == StatusCode::TOO_MANY_REQUESTS {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

impl From<CoreError> for Failure {
    fn from(error: CoreError) -> Self {
        let status = match &error {
            CoreError::InvalidArgument(_) => StatusCode::BAD_REQUEST,
            CoreError::NotFound { .. } => StatusCode::NOT_FOUND,
            CoreError::AlreadyExists { .. }
            | CoreError::FailedPrecondition(_)
            | CoreError::Refused { .. }
            | CoreError::Aborted(_) => StatusCode::CONFLICT,
            CoreError::Unauthenticated => StatusCode::UNAUTHORIZED,
            CoreError::PermissionDenied(_) => StatusCode::FORBIDDEN,
            CoreError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            CoreError::ResourceExhausted { .. } => StatusCode::TOO_MANY_REQUESTS,
            CoreError::Internal(cause) => {
                tracing::error!(%cause, "download failed");
                return Failure(StatusCode::INTERNAL_SERVER_ERROR, "internal error".into());
            }
        };
        Failure(status, error.to_string())
    }
}

/// `Content-Disposition: attachment` for `name` (RFC 6266): an ASCII
/// fallback and the exact name, UTF-8 and percent-encoded.
pub(crate) fn attachment(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The caller of any request on this port: a valid bearer token, checked by
/// the same authenticator as the gRPC gate. What it may do is the resource's
/// own access rule.
pub(crate) async fn authenticate(
    state: &HttpState,
    peer: Option<crate::http_port::Peer>,
    headers: &HeaderMap,
) -> Result<Principal, Failure> {
    let (checked, how) = state
        .auth
        .from_headers(headers, peer.map(|p| p.0.ip()))
        .await;
    state.telemetry.token_checked(how);
    let actor = checked.map_err(|status| {
        let code = match status.code() {
            tonic::Code::Unauthenticated => StatusCode::UNAUTHORIZED,
            tonic::Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
            tonic::Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Failure(code, status.message().to_string())
    })?;
    Ok(actor)
}
