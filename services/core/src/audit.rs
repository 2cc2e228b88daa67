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

/// A stored audit row, before PostgreSQL numbers and dates it.
#[derive(Insertable)]
#[diesel(table_name = audit_events)]
struct NewAuditRow {
    region_code: Option<String>,
    actor: String,
    action: String,
    resource: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
    request_id: Option<String>,
}

/// A batch of mutations (an import pass): its name, and the audit rows its
/// mutations wrote that are not yet sent.
struct Batch {
    name: String,
    pending: std::cell::RefCell<Vec<NewAuditRow>>,
}

tokio::task_local! {
    /// The batch the running mutations belong to, set by [`within`].
    static BATCH: Batch;
}

/// The most audit rows sent in one statement (7 binds each, well under
/// PostgreSQL's 65,535).
const ROWS_PER_INSERT: usize = 1000;

/// Runs `work` as the batch `batch` (e.g. `importRuns/{id}`): every audit row
/// it writes names `batch` as its request id, unless the row names its own,
/// and is held back, to be sent with the others in one statement by
/// [`flush`] (or [`flush_if_full`]). The rows are written on the batch's own
/// connection inside its transaction, as every audit row is; `work` must
/// call [`flush`] before it commits, and [`forget_since`] when it rolls back
/// to a savepoint.
pub async fn within<F: std::future::Future>(batch: String, work: F) -> F::Output {
    let batch = Batch {
        name: batch,
        pending: std::cell::RefCell::new(Vec::new()),
    };
    BATCH.scope(batch, work).await
}

/// How many audit rows of the running batch are held back (0 outside one):
/// a mark for [`forget_since`].
pub fn pending() -> usize {
    BATCH.try_with(|b| b.pending.borrow().len()).unwrap_or(0)
}

/// Drops the held-back rows written after `mark` (their mutations were
/// rolled back to a savepoint).
pub fn forget_since(mark: usize) {
    let _ = BATCH.try_with(|b| b.pending.borrow_mut().truncate(mark));
}

/// Sends the running batch's held-back audit rows, in the order written.
pub async fn flush(conn: &mut AsyncPgConnection) -> CoreResult<()> {
    let rows = BATCH
        .try_with(|b| std::mem::take(&mut *b.pending.borrow_mut()))
        .unwrap_or_default();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        diesel::insert_into(audit_events::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// [`flush`] once a statement's worth of rows is held back.
pub async fn flush_if_full(conn: &mut AsyncPgConnection) -> CoreResult<()> {
    if pending() >= ROWS_PER_INSERT {
        flush(conn).await?;
    }
    Ok(())
}

/// Writes `entry`: at once, or, inside a batch ([`within`]), held back for
/// the batch's next [`flush`].
pub async fn record(conn: &mut AsyncPgConnection, entry: AuditEntry<'_>) -> CoreResult<()> {
    let row = NewAuditRow {
        region_code: entry.region_code,
        actor: entry.actor.to_string(),
        action: entry.action.to_string(),
        resource: entry.resource,
        before: entry.before,
        after: entry.after,
        request_id: entry.request_id,
    };
    // Taken by the running batch, if there is one.
    let mut row = Some(row);
    let _ = BATCH.try_with(|b| {
        if let Some(mut held) = row.take() {
            held.request_id.get_or_insert_with(|| b.name.clone());
            b.pending.borrow_mut().push(held);
        }
    });
    let Some(row) = row else {
        return Ok(());
    };
    diesel::insert_into(audit_events::table)
        .values(&row)
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
