//! Bearer-token authentication: `authorization: Bearer <token>` resolves to a
//! [`Principal`]. It runs once per call, in [`crate::gate`], in front of every
//! service; handlers read the principal with [`caller`] and decide only what
//! it may do (the rules are in `kerjasama_core::access`).

use kerjasama_core::CoreError;
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;
use kerjasama_core::tokens;
use tonic::{Request, Status};

use crate::status::to_status;

#[derive(Clone)]
pub struct Authenticator {
    pool: PgPool,
}

impl Authenticator {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Resolves the `authorization` header (gRPC metadata or plain HTTP).
    pub async fn from_headers(&self, headers: &http::HeaderMap) -> Result<Principal, Status> {
        if headers.get(http::header::AUTHORIZATION).is_none() {
            return Err(Status::unauthenticated(
                "missing authorization: Bearer <token> metadata",
            ));
        }
        let secret = bearer_secret(headers).ok_or_else(|| {
            Status::unauthenticated("authorization metadata must be `Bearer <token>`")
        })?;
        tokens::authenticate(&self.pool, secret)
            .await
            .map_err(|e| match e {
                CoreError::Unauthenticated => Status::unauthenticated("unknown or revoked token"),
                other => to_status(other, ""),
            })
    }
}

/// The secret of an `authorization: Bearer <secret>` header, for gRPC and
/// the HTTP downloads alike.
pub fn bearer_secret(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

/// The caller of a request that passed the gate. A request without one never
/// reaches a handler; if it did (a service mounted outside the gate), it is
/// refused rather than served anonymously.
pub fn caller<T>(request: &Request<T>) -> Result<Principal, Status> {
    request
        .extensions()
        .get::<Principal>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated("missing authorization: Bearer <token> metadata"))
}
