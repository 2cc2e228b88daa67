//! The audit trail of one agreement, as clients read it (ListAgreementEvents):
//! rows about the agreement itself and about its sub-resources
//! (`agreements/{id}/stages/…`), oldest first, keyset-paged by row id.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::access::Principal;
use crate::agreements;
use crate::error::{CoreError, CoreResult};
use crate::paging::{self, Cursor, Page};
use crate::pool::PgPool;
use crate::schema::audit_events;

#[derive(Debug, Clone, Queryable)]
pub struct AuditEvent {
    pub id: i64,
    pub resource: String,
    pub action: String,
    pub actor: String,
    pub occurred_at: DateTime<Utc>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
}

/// A page of events stays under this many bytes of JSON (well below gRPC's
/// default 4 MiB message limit).
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;

impl AuditEvent {
    fn approximate_bytes(&self) -> usize {
        let json = |v: &Option<serde_json::Value>| v.as_ref().map_or(0, |v| v.to_string().len());
        json(&self.before) + json(&self.after) + self.resource.len() + 128
    }
}

pub async fn list_for_agreement(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    page_size: i32,
    page_token: &str,
) -> CoreResult<Page<AuditEvent>> {
    let limit = paging::page_size(page_size)?;
    let agreement = agreements::get(pool, actor, agreement_id).await?;
    let name = agreement.name();
    let fingerprint = paging::fingerprint(&name);
    let after: i64 = match paging::decode(page_token, &fingerprint)? {
        Some(cursor) => cursor.key.parse().map_err(|_| {
            CoreError::says("page_token", &crate::wording::PAGE_TOKEN_FOREIGN, vec![])
        })?,
        None => 0,
    };
    let prefix = format!("{name}/%");
    let mut conn = pool.get().await?;
    // audit_events_resource_idx / audit_events_resource_prefix_idx
    let mut events: Vec<AuditEvent> = audit_events::table
        .filter(
            audit_events::resource
                .eq(&name)
                .or(audit_events::resource.like(&prefix)),
        )
        .filter(audit_events::id.gt(after))
        .order(audit_events::id)
        .limit(limit + 1)
        .select((
            audit_events::id,
            audit_events::resource,
            audit_events::action,
            audit_events::actor,
            audit_events::occurred_at,
            audit_events::before,
            audit_events::after,
            audit_events::request_id,
        ))
        .load(&mut conn)
        .await?;
    let mut more = events.len() as i64 > limit;
    events.truncate(limit as usize);
    // Pages are bounded in bytes too: stop before the page passes the budget
    // (always keeping one event, which the per-field limits keep small).
    let mut bytes = 0usize;
    let fits = events
        .iter()
        .position(|e| {
            bytes = bytes.saturating_add(e.approximate_bytes());
            bytes > MAX_PAGE_BYTES
        })
        .map_or(events.len(), |i| i.max(1));
    if fits < events.len() {
        events.truncate(fits);
        more = true;
    }
    let next_page_token = match events.last() {
        Some(last) if more => paging::encode(
            Cursor {
                key: last.id.to_string(),
                id: String::new(),
            },
            &fingerprint,
        ),
        _ => String::new(),
    };
    Ok(Page {
        items: events,
        next_page_token,
    })
}
