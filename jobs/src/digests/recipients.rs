//! Digest recipients: a unit's (or the bureau's) email contacts and webhook
//! endpoints. ADMIN only, within its region. The first recipient of a region
//! also gives the region the default digest schedule (Monday 07:00 WIB) when
//! it has none, so digests start without further setup.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::{digest_recipients, digest_schedules, units};
use kerjasama_core::{CoreError, FieldViolation, audit};
use serde::Serialize;
use uuid::Uuid;

use super::delivery::is_local;

/// The channel a recipient is reached by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Channel {
    Email,
    Webhook,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Email => "EMAIL",
            Channel::Webhook => "WEBHOOK",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "EMAIL" => Some(Channel::Email),
            "WEBHOOK" => Some(Channel::Webhook),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = digest_recipients, check_for_backend(diesel::pg::Pg))]
pub struct Recipient {
    pub id: Uuid,
    pub region_code: String,
    pub unit_code: Option<String>,
    pub channel: String,
    pub address: String,
    pub display_name: String,
    /// Never serialised (audit rows, responses).
    #[serde(skip)]
    pub secret: Option<String>,
    pub version: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

kerjasama_core::resource!(Recipient, "digestRecipients", digest_recipients);

/// What a client sets on a recipient.
#[derive(Debug, Clone, Default)]
pub struct RecipientFields {
    pub region_code: Option<String>,
    pub unit_code: Option<String>,
    pub channel: Option<Channel>,
    pub address: String,
    pub display_name: String,
    pub secret: Option<String>,
}

/// The default digest schedule: Monday 07:00 in Asia/Jakarta (WIB).
pub const DEFAULT_CRON: &str = "0 7 * * 1";

/// A plausible email address: one `@`, a local part, a dotted domain, no
/// spaces or control characters (the SMTP server has the last word).
pub fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && address.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && address
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '<' && c != '>')
}

/// An absolute http(s) URL with a host.
pub fn is_webhook_url(address: &str) -> bool {
    let Ok(uri) = address.parse::<http::Uri>() else {
        return false;
    };
    matches!(uri.scheme_str(), Some("http" | "https"))
        && uri.host().is_some_and(|h| !h.is_empty())
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn validate(fields: &RecipientFields) -> Vec<FieldViolation> {
    let mut v = Vec::new();
    let address = fields.address.trim();
    match fields.channel {
        None => v.push(FieldViolation::new(
            "channel",
            "required: DIGEST_CHANNEL_EMAIL or DIGEST_CHANNEL_WEBHOOK",
        )),
        Some(Channel::Email) => {
            if !is_email(address) {
                v.push(FieldViolation::new(
                    "address",
                    "must be an email address such as kerjasama@bantenprov.go.id",
                ));
            }
            if fields.secret.as_deref().is_some_and(|s| !s.is_empty()) {
                v.push(FieldViolation::new(
                    "secret",
                    "only webhook endpoints have a secret",
                ));
            }
        }
        Some(Channel::Webhook) => {
            if !is_webhook_url(address) || address.len() > 500 {
                v.push(FieldViolation::new(
                    "address",
                    "must be an http(s) URL such as https://sistem.opd.go.id/kerjasama/digest",
                ));
            }
            match fields.secret.as_deref() {
                Some(s) if s.chars().count() >= 16 && s.chars().count() <= 200 => {}
                _ => v.push(FieldViolation::new(
                    "secret",
                    "required for a webhook: 16 to 200 characters, the HMAC-SHA256 key the endpoint checks signatures with",
                )),
            }
        }
    }
    if fields.display_name.chars().count() > 200 {
        v.push(FieldViolation::new(
            "display_name",
            "at most 200 characters",
        ));
    }
    v
}

/// Where a webhook address leads when it is this machine or a link-local
/// address (what the sender refuses unless `--digest-allow-local-webhooks`):
/// an IP literal, `localhost`, or a name that resolves (within 2 s) to such an
/// address. A name that does not resolve now is not refused here; the sender
/// checks every address again at each delivery.
async fn local_webhook(address: &str) -> Option<String> {
    let uri: http::Uri = address.trim().parse().ok()?;
    let host = uri
        .host()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return Some(host);
    }
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return is_local(ip).then(|| ip.to_string());
    }
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    let resolved = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    .ok()?
    .ok()?;
    for addr in resolved {
        if is_local(addr.ip()) {
            return Some(format!("{host} ({})", addr.ip()));
        }
    }
    None
}

/// The violation for a webhook the sender would refuse.
async fn check_reachable(
    fields: &RecipientFields,
    allow_local_webhooks: bool,
    violations: &mut Vec<FieldViolation>,
) {
    if allow_local_webhooks || fields.channel != Some(Channel::Webhook) {
        return;
    }
    if let Some(place) = local_webhook(&fields.address).await {
        violations.push(FieldViolation::new(
            "address",
            format!(
                "{place} is this machine or a link-local address, which digests may not reach \
                 / alamat {place} mengarah ke server ini atau alamat link-local yang tidak boleh dituju digest"
            ),
        ));
    }
}

pub async fn create(
    pool: &PgPool,
    actor: &Principal,
    fields: RecipientFields,
    allow_local_webhooks: bool,
) -> Result<Recipient, CoreError> {
    let region = fields
        .region_code
        .clone()
        .or_else(|| actor.region_code.clone())
        .ok_or_else(|| {
            CoreError::invalid(
                "region_code",
                "required: the Kemendagri code of the region whose digests it receives",
            )
        })?;
    actor.check_admin(Some(&region))?;
    let mut violations = validate(&fields);
    if violations.is_empty() {
        check_reachable(&fields, allow_local_webhooks, &mut violations).await;
    }
    let mut conn = pool.get().await?;
    if let Some(unit) = &fields.unit_code {
        let unit_region: Option<String> = units::table
            .find(unit)
            .select(units::region_code)
            .first(&mut conn)
            .await
            .optional()?;
        match unit_region {
            None => violations.push(FieldViolation::new(
                "unit",
                format!("units/{unit} does not exist"),
            )),
            Some(r) if r != region => violations.push(FieldViolation::new(
                "unit",
                format!("units/{unit} belongs to region {r}, not {region}"),
            )),
            Some(_) => {}
        }
    }
    if !violations.is_empty() {
        return Err(CoreError::InvalidArgument(violations));
    }
    conn.transaction(async |conn| {
        let id = Uuid::now_v7();
        diesel::insert_into(digest_recipients::table)
            .values((
                digest_recipients::id.eq(id),
                digest_recipients::region_code.eq(&region),
                digest_recipients::unit_code.eq(&fields.unit_code),
                digest_recipients::channel.eq(fields.channel.map_or("EMAIL", Channel::code)),
                digest_recipients::address.eq(fields.address.trim()),
                digest_recipients::display_name.eq(fields.display_name.trim()),
                digest_recipients::secret.eq(fields.secret.as_deref().filter(|s| !s.is_empty())),
            ))
            .execute(conn)
            .await?;
        // The region's first recipient starts the default weekly schedule.
        let schedules: i64 = digest_schedules::table
            .filter(digest_schedules::region_code.eq(&region))
            .count()
            .get_result(conn)
            .await?;
        if schedules == 0 {
            diesel::insert_into(digest_schedules::table)
                .values((
                    digest_schedules::id.eq(Uuid::now_v7()),
                    digest_schedules::region_code.eq(&region),
                    digest_schedules::display_name
                        .eq("Ringkasan mingguan (Senin 07.00 WIB) / Weekly digest"),
                    digest_schedules::cron.eq(DEFAULT_CRON),
                    digest_schedules::time_zone.eq("Asia/Jakarta"),
                ))
                .execute(conn)
                .await?;
        }
        let created = load(conn, id).await?;
        audit::change(
            conn,
            actor,
            Some(region.clone()),
            "CreateDigestRecipient",
            created.name(),
            None,
            audit::json(&created),
        )
        .await?;
        Ok(created)
    })
    .await
}

/// The recipient an update or delete acts on: administered by `actor`, not
/// deleted, at the `etag` given (if any).
async fn live(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    id: Uuid,
    etag: Option<&str>,
) -> Result<Recipient, CoreError> {
    let before = load(conn, id).await?;
    actor.check_admin(Some(&before.region_code))?;
    if before.delete_time.is_some() {
        return Err(CoreError::refused(
            &kerjasama_core::wording::DELETED,
            vec![before.name()],
        ));
    }
    kerjasama_core::etag::check(&before.etag(), etag, &before.name())?;
    Ok(before)
}

pub async fn get(pool: &PgPool, actor: &Principal, id: Uuid) -> Result<Recipient, CoreError> {
    let mut conn = pool.get().await?;
    let recipient = load(&mut conn, id).await?;
    actor.check_admin(Some(&recipient.region_code))?;
    Ok(recipient)
}

/// A page of the recipients the caller administers, oldest first.
pub async fn list(
    pool: &PgPool,
    actor: &Principal,
    unit: Option<&str>,
    show_deleted: bool,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Recipient>, CoreError> {
    actor.check_admin(actor.region_code.as_deref())?;
    let mut conn = pool.get().await?;
    let mut query = digest_recipients::table
        .select(Recipient::as_select())
        .order(digest_recipients::id)
        .limit(limit)
        .into_boxed();
    if let Some(region) = &actor.region_code {
        query = query.filter(digest_recipients::region_code.eq(region.clone()));
    }
    if let Some(unit) = unit {
        query = query.filter(digest_recipients::unit_code.eq(unit.to_string()));
    }
    if !show_deleted {
        query = query.filter(digest_recipients::delete_time.is_null());
    }
    if let Some(after) = after {
        query = query.filter(digest_recipients::id.gt(after));
    }
    Ok(query.load(&mut conn).await?)
}

/// One field replaced by UpdateDigestRecipient.
#[derive(Debug, Clone)]
pub enum RecipientChange {
    DisplayName(String),
    Address(String),
    Secret(String),
}

pub async fn update(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    changes: Vec<RecipientChange>,
    etag: Option<&str>,
    allow_local_webhooks: bool,
) -> Result<Recipient, CoreError> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let before = live(conn, actor, id, etag).await?;
        let mut fields = RecipientFields {
            region_code: Some(before.region_code.clone()),
            unit_code: before.unit_code.clone(),
            channel: Channel::from_code(&before.channel),
            address: before.address.clone(),
            display_name: before.display_name.clone(),
            secret: before.secret.clone(),
        };
        for change in changes {
            match change {
                RecipientChange::DisplayName(v) => fields.display_name = v,
                RecipientChange::Address(v) => fields.address = v,
                RecipientChange::Secret(v) => fields.secret = Some(v),
            }
        }
        let mut violations = validate(&fields);
        if violations.is_empty() && fields.address.trim() != before.address {
            check_reachable(&fields, allow_local_webhooks, &mut violations).await;
        }
        if !violations.is_empty() {
            return Err(CoreError::InvalidArgument(violations));
        }
        diesel::update(digest_recipients::table.find(id))
            .set((
                digest_recipients::address.eq(fields.address.trim()),
                digest_recipients::display_name.eq(fields.display_name.trim()),
                digest_recipients::secret.eq(fields.secret.as_deref().filter(|s| !s.is_empty())),
                digest_recipients::version.eq(digest_recipients::version + 1),
                digest_recipients::update_time.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        let after = load(conn, id).await?;
        audit::change(
            conn,
            actor,
            Some(after.region_code.clone()),
            "UpdateDigestRecipient",
            after.name(),
            audit::json(&before),
            audit::json(&after),
        )
        .await?;
        Ok(after)
    })
    .await
}

pub async fn delete(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    etag: Option<&str>,
) -> Result<Recipient, CoreError> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let before = live(conn, actor, id, etag).await?;
        diesel::update(digest_recipients::table.find(id))
            .set((
                digest_recipients::delete_time.eq(diesel::dsl::now),
                digest_recipients::version.eq(digest_recipients::version + 1),
                digest_recipients::update_time.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        super::delivery_record::cancel_for_recipient(conn, id).await?;
        let after = load(conn, id).await?;
        audit::change(
            conn,
            actor,
            Some(after.region_code.clone()),
            "DeleteDigestRecipient",
            after.name(),
            audit::json(&before),
            audit::json(&after),
        )
        .await?;
        Ok(after)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_by_channel() {
        assert!(is_email("kerjasama@bantenprov.go.id"));
        assert!(!is_email("kerjasama@localhost"));
        assert!(!is_email("two@@example.org"));
        assert!(!is_email("a b@example.org"));
        assert!(is_webhook_url("https://sistem.opd.go.id/hook"));
        assert!(is_webhook_url("http://127.0.0.1:8080/hook"));
        assert!(!is_webhook_url("ftp://example.org/x"));
        assert!(!is_webhook_url("/relative"));
    }
}
