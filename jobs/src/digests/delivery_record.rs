//! A digest delivery as a record: the row of `digest_deliveries` (one per
//! tick and recipient) and its state. The outbox writes and leases these, the
//! sender reads them; both sit above this file.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
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
