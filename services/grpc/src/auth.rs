//! Bearer-token authentication at the edge: `authorization: Bearer <token>`
//! resolves to a [`Principal`]; what the principal may do is decided in
//! `kerjasama_core::access`.

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

    pub async fn principal<T>(&self, request: &Request<T>) -> Result<Principal, Status> {
        let header = request.metadata().get("authorization").ok_or_else(|| {
            Status::unauthenticated("missing authorization: Bearer <token> metadata")
        })?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| {
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
