//! A digest delivery as a record: the row of `digest_deliveries` (one per
//! tick and recipient) and its state. The outbox writes and leases these, the
//! sender reads them; both sit above this file, and so does a recipient's
//! deletion, which ends its pending deliveries here ([`cancel_for_recipient`]).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kerjasama_core::CoreError;
use kerjasama_core::schema::digest_deliveries;
use serde::Serialize;
use uuid::Uuid;

kerjasama_core::code_list! {
    /// Where a delivery stands: PENDING (waiting for its next attempt) →
    /// SENDING (leased to a sender) → DELIVERED, or FAILED once its attempts
    /// are spent (or its recipient was deleted).
    DeliveryState {
        Pending = "PENDING",
        Sending = "SENDING",
        Delivered = "DELIVERED",
        Failed = "FAILED",
    }
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Serialize)]
#[diesel(table_name = digest_deliveries, check_for_backend(diesel::pg::Pg))]
pub struct Delivery {
    pub id: Uuid,
    pub region_code: String,
    pub tick: String,
    pub recipient_id: Uuid,
    pub unit_code: Option<String>,
    pub channel: String,
    pub address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub payload: serde_json::Value,
    pub state: DeliveryState,
    pub attempts: i32,
    pub max_attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

impl Delivery {
    pub fn name(&self) -> String {
        format!("digestDeliveries/{}", self.id)
    }
}

/// Why a delivery whose recipient was deleted ends FAILED.
pub const RECIPIENT_DELETED: &str = "the recipient was deleted: nothing more is sent to it \
     (penerima dihapus; tidak ada lagi yang dikirim)";

/// Fails the pending deliveries of a recipient being deleted, in the
/// delete's transaction: from its commit on, nothing more is sent to it.
pub async fn cancel_for_recipient(
    conn: &mut diesel_async::AsyncPgConnection,
    recipient: Uuid,
) -> Result<usize, CoreError> {
    Ok(diesel::update(
        digest_deliveries::table
            .filter(digest_deliveries::recipient_id.eq(recipient))
            .filter(
                digest_deliveries::state.eq_any([DeliveryState::Pending, DeliveryState::Sending]),
            ),
    )
    .set((
        digest_deliveries::state.eq(DeliveryState::Failed),
        digest_deliveries::lease_owner.eq(None::<String>),
        digest_deliveries::lease_expires_at.eq(None::<DateTime<Utc>>),
        digest_deliveries::last_error.eq(RECIPIENT_DELETED),
        digest_deliveries::update_time.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?)
}
