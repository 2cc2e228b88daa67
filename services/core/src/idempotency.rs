//! `request_id` on creates (AIP-155): the first call with an id creates the
//! resource and remembers it; a retry with the same id and the same request
//! returns that resource; the same id with a different request is rejected.
//!
//! The claim is an `INSERT … ON CONFLICT DO NOTHING` inside the create's
//! transaction: a concurrent duplicate waits on the primary key until the
//! first commits (then finds its row) or rolls back (then claims it itself).

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{CoreError, CoreResult};
use crate::schema::create_requests;

pub fn parse_request_id(text: &str) -> CoreResult<Option<Uuid>> {
    if text.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(text)
        .map(Some)
        .map_err(|_| CoreError::says("request_id", &crate::wording::UUID_SHAPE, vec![]))
}

pub fn request_hash(request: &impl Serialize) -> String {
    hex::encode(Sha256::digest(
        serde_json::to_vec(request).unwrap_or_default(),
    ))
}

pub enum Claim {
    /// This call owns the request id: go on and create `resource`.
    Claimed,
    /// An earlier call with this id created this resource.
    Replay { resource: String },
}

pub struct CreateRequest<'a> {
    pub method: &'a str,
    pub request_id: Uuid,
    pub region_code: &'a str,
    pub actor: &'a str,
    pub request_hash: String,
    pub resource: String,
}

pub async fn claim(conn: &mut AsyncPgConnection, request: CreateRequest<'_>) -> CoreResult<Claim> {
    let inserted = diesel::insert_into(create_requests::table)
        .values((
            create_requests::method.eq(request.method),
            create_requests::request_id.eq(request.request_id),
            create_requests::region_code.eq(request.region_code),
            create_requests::actor.eq(request.actor),
            create_requests::request_hash.eq(&request.request_hash),
            create_requests::resource.eq(&request.resource),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    let (hash, resource): (String, String) = create_requests::table
        .find((request.method, request.request_id))
        .select((create_requests::request_hash, create_requests::resource))
        .first(conn)
        .await?;
    if hash != request.request_hash {
        return Err(CoreError::says(
            "request_id",
            &crate::wording::REQUEST_ID_REUSED,
            vec![],
        ));
    }
    Ok(Claim::Replay { resource })
}
