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

tokio::task_local! {
    /// The batch a mutation belongs to (`importRuns/{id}`), set by [`within`].
    static ON_BEHALF_OF: String;
}

/// Runs `work` with every audit row it writes naming `batch` (e.g.
/// `importRuns/{id}`) as its request id, unless the row names its own.
pub async fn within<F: std::future::Future>(batch: String, work: F) -> F::Output {
    ON_BEHALF_OF.scope(batch, work).await
}

pub async fn record(conn: &mut AsyncPgConnection, entry: AuditEntry<'_>) -> CoreResult<()> {
    let request_id = entry
        .request_id
        .or_else(|| ON_BEHALF_OF.try_with(Clone::clone).ok());
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::region_code.eq(entry.region_code),
            audit_events::actor.eq(entry.actor),
            audit_events::action.eq(entry.action),
            audit_events::resource.eq(entry.resource),
            audit_events::before.eq(entry.before),
            audit_events::after.eq(entry.after),
            audit_events::request_id.eq(request_id),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A resource as audit JSON.
pub fn json(value: &impl Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// Keeps an audit row the size of the change: a top-level list that only grew
/// (a stage's reschedules, a meeting's findings) is stored as its new items
/// under `<field>_added` in `after` and left out of `before`, so the history
/// of a record rescheduled n times is O(n), not O(n²).
fn only_growth(
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> (Option<serde_json::Value>, Option<serde_json::Value>) {
    use serde_json::Value;
    let (Some(Value::Object(mut old)), Some(Value::Object(mut new))) =
        (before.clone(), after.clone())
    else {
        return (before, after);
    };
    let grown: Vec<String> = new
        .iter()
        .filter_map(|(key, value)| match (old.get(key), value) {
            (Some(Value::Array(was)), Value::Array(now))
                if now.len() > was.len() && now.starts_with(was) =>
            {
                Some(key.clone())
            }
            _ => None,
        })
        .collect();
    for key in grown {
        let was = old
            .remove(&key)
            .and_then(|v| v.as_array().map(Vec::len))
            .unwrap_or(0);
        if let Some(Value::Array(mut now)) = new.remove(&key) {
            new.insert(format!("{key}_added"), Value::Array(now.split_off(was)));
        }
    }
    (Some(Value::Object(old)), Some(Value::Object(new)))
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
    let (before, after) = only_growth(before, after);
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_grown_list_is_stored_as_its_new_items_only() {
        let before = json!({"code": "PERSIAPAN", "due_on": "2026-01-01", "reschedules": [1, 2]});
        let after = json!({"code": "PERSIAPAN", "due_on": "2026-02-01", "reschedules": [1, 2, 3]});
        let (b, a) = super::only_growth(Some(before), Some(after));
        assert_eq!(
            b,
            Some(json!({"code": "PERSIAPAN", "due_on": "2026-01-01"}))
        );
        assert_eq!(
            a,
            Some(json!({"code": "PERSIAPAN", "due_on": "2026-02-01", "reschedules_added": [3]}))
        );
        // A list that changed otherwise is kept whole on both sides.
        let (b, a) = super::only_growth(Some(json!({"x": [1, 2]})), Some(json!({"x": [2]})));
        assert_eq!(
            (b, a),
            (Some(json!({"x": [1, 2]})), Some(json!({"x": [2]})))
        );
    }
}
