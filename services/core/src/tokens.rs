//! Bearer tokens: random secrets shown once, stored as SHA-256 digests (the
//! secrets carry 256 bits of entropy, so a slow password hash adds nothing).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::access::Principal;
use crate::audit::{self, AuditEntry};
use crate::codes::Role;
use crate::error::{CoreError, CoreResult, FieldViolation};
use crate::pool::PgPool;
use crate::schema::{api_tokens, units};

const SECRET_PREFIX: &str = "ksm_";

#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    pub region_code: Option<String>,
    pub create_time: DateTime<Utc>,
}

pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    pub region_code: Option<String>,
}

fn digest(secret: &str) -> Vec<u8> {
    secret_digest(secret).to_vec()
}

/// The SHA-256 of a bearer secret: what is stored, and what caches key on.
pub fn secret_digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// Creates a token; returns it with its secret, which is not stored.
pub async fn create(
    pool: &PgPool,
    actor: &Principal,
    new: NewToken,
) -> CoreResult<(TokenInfo, String)> {
    actor.check_admin(new.region_code.as_deref())?;
    let mut violations = Vec::new();
    let name = new.name.trim().to_string();
    if name.is_empty() || name.len() > 100 {
        violations.push(FieldViolation::says(
            "name",
            &crate::wording::CHARACTERS_BETWEEN,
            vec!["1".to_string(), "100".to_string()],
        ));
    }
    match (new.role, &new.unit_code) {
        (Role::UnitOfficer, None) => violations.push(FieldViolation::says(
            "unit",
            &crate::wording::UNIT_OFFICER_NEEDS_UNIT,
            vec![],
        )),
        (Role::Admin | Role::Analyst, Some(_)) => violations.push(FieldViolation::says(
            "unit",
            &crate::wording::UNIT_ONLY_FOR_UNIT_OFFICER,
            vec![],
        )),
        _ => {}
    }
    if let Some(region) = &new.region_code
        && !crate::names::is_region_code(region)
    {
        violations.push(FieldViolation::says(
            "region",
            &crate::wording::REGION_CODE_SHAPE,
            vec![],
        ));
    }
    if !violations.is_empty() {
        return Err(CoreError::InvalidArgument(violations));
    }

    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{SECRET_PREFIX}{}", hex::encode(bytes));
    let mut conn = pool.get().await?;
    // A unit officer is bound to its unit's region, given or not.
    let mut region_code = new.region_code;
    if let Some(unit) = &new.unit_code {
        let unit_region: Option<String> = units::table
            .find(unit)
            .select(units::region_code)
            .first(&mut conn)
            .await
            .optional()?;
        match unit_region {
            None => {
                return Err(CoreError::says(
                    "unit",
                    &crate::wording::NO_SUCH_UNIT,
                    vec![unit.to_string()],
                ));
            }
            Some(r) if region_code.as_ref().is_some_and(|own| own != &r) => {
                return Err(CoreError::says(
                    "region",
                    &crate::wording::BELONGS_TO_REGION,
                    vec![format!("unit {unit}"), r.to_string()],
                ));
            }
            Some(r) => {
                actor.check_admin(Some(&r))?;
                region_code = Some(r);
            }
        }
    }
    let info = TokenInfo {
        id: Uuid::now_v7(),
        name,
        role: new.role,
        unit_code: new.unit_code,
        region_code,
        create_time: Utc::now(),
    };
    let info = conn
        .transaction(async |conn| {
            let taken: i64 = api_tokens::table
                .filter(api_tokens::name.eq(&info.name))
                .count()
                .get_result(conn)
                .await?;
            if taken > 0 {
                return Err(CoreError::AlreadyExists {
                    resource: format!("token {}", info.name),
                });
            }
            diesel::insert_into(api_tokens::table)
                .values((
                    api_tokens::id.eq(info.id),
                    api_tokens::region_code.eq(&info.region_code),
                    api_tokens::name.eq(&info.name),
                    api_tokens::role.eq(info.role.code()),
                    api_tokens::unit_code.eq(&info.unit_code),
                    api_tokens::secret_sha256.eq(digest(&secret)),
                    api_tokens::create_time.eq(info.create_time),
                ))
                .execute(conn)
                .await?;
            audit::change(
                conn,
                actor,
                info.region_code.clone(),
                "CreateToken",
                format!("tokens/{}", info.id),
                None,
                Some(serde_json::to_value(&info).map_err(|e| CoreError::Internal(e.to_string()))?),
            )
            .await?;
            Ok(info)
        })
        .await?;
    Ok((info, secret))
}

/// Resolves a bearer secret to its principal; revoked or unknown → Unauthenticated.
pub async fn authenticate(pool: &PgPool, secret: &str) -> CoreResult<Principal> {
    if !secret.starts_with(SECRET_PREFIX) {
        return Err(CoreError::Unauthenticated);
    }
    let mut conn = pool.get().await?;
    let row: Option<(String, String, Option<String>, Option<String>)> = api_tokens::table
        .filter(api_tokens::secret_sha256.eq(digest(secret)))
        .filter(api_tokens::revoke_time.is_null())
        .select((
            api_tokens::name,
            api_tokens::role,
            api_tokens::unit_code,
            api_tokens::region_code,
        ))
        .first(&mut conn)
        .await
        .optional()?;
    let (name, role, unit_code, region_code) = row.ok_or(CoreError::Unauthenticated)?;
    let role = Role::from_code(&role)
        .ok_or_else(|| CoreError::Internal(format!("token {name} has role {role}")))?;
    if role == Role::UnitOfficer && region_code.is_none() {
        // The schema forbids it; should one exist, it opens nothing.
        return Err(CoreError::Unauthenticated);
    }
    Ok(Principal {
        name,
        role,
        unit_code,
        region_code,
    })
}

/// Whether any token exists (the first start creates the bootstrap admin).
pub async fn any_exist(pool: &PgPool) -> CoreResult<bool> {
    let mut conn = pool.get().await?;
    let count: i64 = api_tokens::table.count().get_result(&mut conn).await?;
    Ok(count > 0)
}

/// Revokes a token by name; it stops working at once.
pub async fn revoke(pool: &PgPool, actor: &Principal, name: &str) -> CoreResult<()> {
    actor.check_admin(None)?;
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let id: Option<(Uuid, Option<String>)> = diesel::update(
            api_tokens::table
                .filter(api_tokens::name.eq(name))
                .filter(api_tokens::revoke_time.is_null()),
        )
        .set(api_tokens::revoke_time.eq(Utc::now()))
        .returning((api_tokens::id, api_tokens::region_code))
        .get_result(conn)
        .await
        .optional()?;
        let (id, region_code) =
            id.ok_or_else(|| CoreError::not_found(format!("active token {name}")))?;
        audit::record(
            conn,
            AuditEntry {
                region_code,
                actor: &actor.name,
                action: "RevokeToken",
                resource: format!("tokens/{id}"),
                before: None,
                after: None,
                request_id: None,
            },
        )
        .await
    })
    .await
}
