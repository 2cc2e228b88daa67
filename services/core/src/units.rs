//! Units (OPD, perangkat daerah): the agencies that initiate and carry out
//! agreements. Only the bureau (ADMIN) writes them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::access::Principal;
use crate::audit::{self, AuditEntry};
use crate::error::{CoreError, CoreResult, FieldViolation};
use crate::idempotency::{self, Claim, CreateRequest};
use crate::names::is_region_code;
use crate::paging::{self, Cursor, Page};
use crate::pool::PgPool;
use crate::schema::units;

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = units, check_for_backend(diesel::pg::Pg))]
pub struct Unit {
    pub code: String,
    pub region_code: String,
    pub display_name: String,
    pub version: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
}

impl Unit {
    pub fn name(&self) -> String {
        format!("units/{}", self.code)
    }

    pub fn etag(&self) -> String {
        crate::etag::of(self.version)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NewUnit {
    pub code: String,
    pub region_code: String,
    pub display_name: String,
}

/// Parses `units/{code}`; a code no unit can have is a malformed name.
pub fn parse_name(name: &str) -> Option<&str> {
    name.strip_prefix("units/")
        .filter(|code| is_unit_code(code))
}

pub fn is_unit_code(code: &str) -> bool {
    let bytes = code.as_bytes();
    (2..=32).contains(&bytes.len())
        && bytes[0].is_ascii_alphanumeric()
        && bytes.iter().all(|b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'_' | b'-' | b'.')
        })
}

fn validate_display_name(violations: &mut Vec<FieldViolation>, display_name: &str) {
    let len = display_name.trim().chars().count();
    if len == 0 || display_name.chars().count() > 200 {
        violations.push(FieldViolation::says(
            "display_name",
            &crate::wording::CHARACTERS_BETWEEN,
            vec!["1".to_string(), "200".to_string()],
        ));
    }
}

async fn load(conn: &mut AsyncPgConnection, code: &str) -> CoreResult<Unit> {
    units::table
        .find(code)
        .select(Unit::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| CoreError::not_found(format!("units/{code}")))
}

fn to_json(unit: &Unit) -> CoreResult<serde_json::Value> {
    serde_json::to_value(unit).map_err(|e| CoreError::Internal(format!("audit JSON: {e}")))
}

pub async fn create(
    pool: &PgPool,
    actor: &Principal,
    new: NewUnit,
    request_id: Option<Uuid>,
) -> CoreResult<Unit> {
    actor.check_admin(Some(&new.region_code))?;
    let mut violations = Vec::new();
    if !is_unit_code(&new.code) {
        violations.push(FieldViolation::says(
            "code",
            &crate::wording::UNIT_CODE_SHAPE,
            vec![],
        ));
    }
    if !is_region_code(&new.region_code) {
        violations.push(FieldViolation::says(
            "region_code",
            &crate::wording::REGION_CODE_SHAPE,
            vec![],
        ));
    } else if !crate::regions::is_known(&new.region_code) {
        violations.push(FieldViolation::says(
            "region_code",
            &crate::wording::UNKNOWN_REGION,
            vec![new.region_code.clone()],
        ));
    }
    validate_display_name(&mut violations, &new.display_name);
    if !violations.is_empty() {
        return Err(CoreError::InvalidArgument(violations));
    }
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let resource = format!("units/{}", new.code);
        if let Some(request_id) = request_id {
            let claim = idempotency::claim(
                conn,
                CreateRequest {
                    method: "CreateUnit",
                    request_id,
                    region_code: &new.region_code,
                    actor: &actor.name,
                    request_hash: idempotency::request_hash(&new),
                    resource: resource.clone(),
                },
            )
            .await?;
            if let Claim::Replay { .. } = claim {
                return load(conn, &new.code).await;
            }
        }
        let inserted = diesel::insert_into(units::table)
            .values((
                units::code.eq(&new.code),
                units::region_code.eq(&new.region_code),
                units::display_name.eq(new.display_name.trim()),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 0 {
            return Err(CoreError::AlreadyExists { resource });
        }
        let unit = load(conn, &new.code).await?;
        audit::record(
            conn,
            AuditEntry {
                region_code: Some(unit.region_code.clone()),
                actor: &actor.name,
                action: "CreateUnit",
                resource,
                before: None,
                after: Some(to_json(&unit)?),
                request_id: request_id.map(|r| r.to_string()),
            },
        )
        .await?;
        Ok(unit)
    })
    .await
}

pub async fn get(pool: &PgPool, actor: &Principal, code: &str) -> CoreResult<Unit> {
    let mut conn = pool.get().await?;
    let unit = load(&mut conn, code).await?;
    actor.check_read(&unit.region_code)?;
    Ok(unit)
}

/// Changes the display name; `etag`, when given, must match.
pub async fn update(
    pool: &PgPool,
    actor: &Principal,
    code: &str,
    display_name: Option<String>,
    etag: Option<&str>,
) -> CoreResult<Unit> {
    let mut violations = Vec::new();
    if let Some(name) = &display_name {
        validate_display_name(&mut violations, name);
    }
    if !violations.is_empty() {
        return Err(CoreError::InvalidArgument(violations));
    }
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let before: Unit = units::table
            .find(code)
            .select(Unit::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| CoreError::not_found(format!("units/{code}")))?;
        actor.check_admin(Some(&before.region_code))?;
        crate::etag::check(&before.etag(), etag, &before.name())?;
        let new_name = display_name
            .as_deref()
            .map(str::trim)
            .unwrap_or(&before.display_name);
        diesel::update(units::table.find(code))
            .set((
                units::display_name.eq(new_name),
                units::version.eq(units::version + 1),
                units::update_time.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        let after = load(conn, code).await?;
        audit::change(
            conn,
            actor,
            Some(after.region_code.clone()),
            "UpdateUnit",
            after.name(),
            Some(to_json(&before)?),
            Some(to_json(&after)?),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Units ordered by code (primary key), keyset-paginated.
pub async fn list(
    pool: &PgPool,
    actor: &Principal,
    region_code: Option<String>,
    page_size: i32,
    page_token: &str,
) -> CoreResult<Page<Unit>> {
    let limit = paging::page_size(page_size)?;
    let region_code = match (&actor.region_code, region_code) {
        (Some(own), None) => Some(own.clone()),
        (_, Some(asked)) => {
            actor.check_read(&asked)?;
            Some(asked)
        }
        (None, None) => None,
    };
    let fingerprint = paging::fingerprint(&region_code);
    let cursor = paging::decode(page_token, &fingerprint)?;
    let mut query = units::table.select(Unit::as_select()).into_boxed();
    if let Some(region) = &region_code {
        query = query.filter(units::region_code.eq(region.clone()));
    }
    if let Some(cursor) = &cursor {
        query = query.filter(units::code.gt(cursor.key.clone()));
    }
    let mut conn = pool.get().await?;
    let mut items: Vec<Unit> = query
        .order(units::code)
        .limit(limit + 1)
        .load(&mut conn)
        .await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_page_token = match items.last() {
        Some(last) if more => paging::encode(
            Cursor {
                key: last.code.clone(),
                id: String::new(),
            },
            &fingerprint,
        ),
        _ => String::new(),
    };
    Ok(Page {
        items,
        next_page_token,
    })
}

/// The regions that have units, in order: a register kept by one bureau has one.
pub async fn regions(pool: &PgPool) -> CoreResult<Vec<String>> {
    let mut conn = pool.get().await?;
    Ok(units::table
        .select(units::region_code)
        .distinct()
        .order(units::region_code)
        .load(&mut conn)
        .await?)
}
