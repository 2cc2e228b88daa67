//! Digest schedules: when a region's digests go out. A crontab expression in
//! a time zone (default Monday 07:00 Asia/Jakarta), and optionally after each
//! scheduled report run of the region. ADMIN only, within its region.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::digest_schedules;
use kerjasama_core::{CoreError, FieldViolation, audit};
use serde::Serialize;
use uuid::Uuid;

use crate::schedules::{parse_cron, parse_zone};

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = digest_schedules, check_for_backend(diesel::pg::Pg))]
pub struct DigestSchedule {
    pub id: Uuid,
    pub region_code: String,
    pub display_name: String,
    pub cron: String,
    pub time_zone: String,
    pub enabled: bool,
    pub after_report_runs: bool,
    pub version: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

kerjasama_core::resource!(DigestSchedule, "digestSchedules", digest_schedules);

#[derive(Debug, Clone)]
pub struct DigestScheduleFields {
    pub display_name: String,
    pub cron: String,
    pub time_zone: String,
    pub enabled: bool,
    pub after_report_runs: bool,
}

fn validate(f: &DigestScheduleFields) -> Vec<FieldViolation> {
    let mut v = Vec::new();
    if let Err(reason) = parse_cron(f.cron.trim()) {
        v.push(FieldViolation::new("cron", reason));
    }
    if let Err(reason) = parse_zone(&f.time_zone) {
        v.push(FieldViolation::new("time_zone", reason));
    }
    if f.display_name.chars().count() > 200 {
        v.push(FieldViolation::new(
            "display_name",
            "at most 200 characters",
        ));
    }
    v
}

pub async fn create(
    pool: &PgPool,
    actor: &Principal,
    region_code: Option<String>,
    fields: DigestScheduleFields,
) -> Result<DigestSchedule, CoreError> {
    let region = region_code
        .or_else(|| actor.region_code.clone())
        .ok_or_else(|| {
            CoreError::invalid(
                "region_code",
                "required: the Kemendagri code of the region whose digests it sends",
            )
        })?;
    actor.check_admin(Some(&region))?;
    let violations = validate(&fields);
    if !violations.is_empty() {
        return Err(CoreError::InvalidArgument(violations));
    }
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let id = Uuid::now_v7();
        diesel::insert_into(digest_schedules::table)
            .values((
                digest_schedules::id.eq(id),
                digest_schedules::region_code.eq(&region),
                digest_schedules::display_name.eq(fields.display_name.trim()),
                digest_schedules::cron.eq(fields.cron.trim()),
                digest_schedules::time_zone.eq(&fields.time_zone),
                digest_schedules::enabled.eq(fields.enabled),
                digest_schedules::after_report_runs.eq(fields.after_report_runs),
            ))
            .execute(conn)
            .await?;
        let created = load(conn, id).await?;
        audit::change(
            conn,
            actor,
            Some(region.clone()),
            "CreateDigestSchedule",
            created.name(),
            None,
            audit::json(&created),
        )
        .await?;
        Ok(created)
    })
    .await
}

/// The live schedules the caller administers.
pub async fn list(pool: &PgPool, actor: &Principal) -> Result<Vec<DigestSchedule>, CoreError> {
    actor.check_admin(actor.region_code.as_deref())?;
    let mut conn = pool.get().await?;
    let mut query = digest_schedules::table
        .filter(digest_schedules::delete_time.is_null())
        .order(digest_schedules::id)
        .select(DigestSchedule::as_select())
        .into_boxed();
    if let Some(region) = &actor.region_code {
        query = query.filter(digest_schedules::region_code.eq(region.clone()));
    }
    Ok(query.load(&mut conn).await?)
}

/// How an update computes the new fields from the stored schedule.
pub type Merge = Box<dyn FnOnce(&DigestSchedule) -> DigestScheduleFields + Send>;

/// Replaces the schedule's fields (the edge merges the field mask) or, with
/// `delete`, soft-deletes it.
pub async fn change(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    change: Option<Merge>,
    etag: Option<&str>,
) -> Result<DigestSchedule, CoreError> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let before = load(conn, id).await?;
        actor.check_admin(Some(&before.region_code))?;
        if before.delete_time.is_some() {
            return Err(CoreError::refused(
                &kerjasama_core::wording::DELETED,
                vec![before.name()],
            ));
        }
        kerjasama_core::etag::check(&before.etag(), etag, &before.name())?;
        let action = match change {
            Some(change) => {
                let fields = change(&before);
                let violations = validate(&fields);
                if !violations.is_empty() {
                    return Err(CoreError::InvalidArgument(violations));
                }
                diesel::update(digest_schedules::table.find(id))
                    .set((
                        digest_schedules::display_name.eq(fields.display_name.trim()),
                        digest_schedules::cron.eq(fields.cron.trim()),
                        digest_schedules::time_zone.eq(&fields.time_zone),
                        digest_schedules::enabled.eq(fields.enabled),
                        digest_schedules::after_report_runs.eq(fields.after_report_runs),
                        digest_schedules::version.eq(digest_schedules::version + 1),
                        digest_schedules::update_time.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
                "UpdateDigestSchedule"
            }
            None => {
                diesel::update(digest_schedules::table.find(id))
                    .set((
                        digest_schedules::delete_time.eq(diesel::dsl::now),
                        digest_schedules::version.eq(digest_schedules::version + 1),
                        digest_schedules::update_time.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
                "DeleteDigestSchedule"
            }
        };
        let after = load(conn, id).await?;
        audit::change(
            conn,
            actor,
            Some(after.region_code.clone()),
            action,
            after.name(),
            audit::json(&before),
            audit::json(&after),
        )
        .await?;
        Ok(after)
    })
    .await
}
