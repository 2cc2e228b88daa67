//! The audit trail: one row per mutation, written on the mutation's own
//! connection inside its transaction, so a change and its record commit or
//! roll back together.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use serde::Serialize;

use crate::access::Principal;
use crate::error::CoreResult;
use crate::schema::audit_events;

pub struct AuditEntry<'a> {
    pub region_code: Option<String>,
    pub actor: &'a str,
    /// The RPC or command, e.g. `CreateAgreement`.
    pub action: &'a str,
    /// The resource name, e.g. `agreements/0193…`.
    pub resource: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

pub async fn record(conn: &mut AsyncPgConnection, entry: AuditEntry<'_>) -> CoreResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::region_code.eq(entry.region_code),
            audit_events::actor.eq(entry.actor),
            audit_events::action.eq(entry.action),
            audit_events::resource.eq(entry.resource),
            audit_events::before.eq(entry.before),
            audit_events::after.eq(entry.after),
            audit_events::request_id.eq(entry.request_id),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A resource as audit JSON.
pub fn json(value: &impl Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// Records a change `actor` made to `resource` (no request id).
pub async fn change(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    region_code: Option<String>,
    action: &str,
    resource: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> CoreResult<()> {
    record(
        conn,
        AuditEntry {
            region_code,
            actor: &actor.name,
            action,
            resource,
            before,
            after,
            request_id: None,
        },
    )
    .await
}
