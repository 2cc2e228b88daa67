//! Document metadata on an agreement (the signed KSB, the DPRD approval letter,
//! reports, …): number, date, title, where the file lives (a URI) and its
//! SHA-256 and size. No file storage here.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::access::Principal;
use crate::agreement_record;
use crate::audit;
use crate::calendar;
use crate::codes::DocumentType;
use crate::error::{CoreError, CoreResult, FieldViolation};
use crate::pool::PgPool;
use crate::schema::agreement_documents;

#[derive(Debug, Clone, Serialize)]
pub struct NewDocument {
    pub kind: DocumentType,
    pub number: String,
    pub document_date: Option<NaiveDate>,
    pub title: String,
    pub uri: String,
    /// Lower-case hex.
    pub sha256: Option<String>,
    pub size_bytes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = agreement_documents, check_for_backend(diesel::pg::Pg))]
pub struct Document {
    pub id: Uuid,
    pub agreement_id: Uuid,
    pub kind: String,
    pub number: String,
    pub document_date: Option<NaiveDate>,
    pub title: String,
    pub uri: String,
    pub sha256: Option<String>,
    pub size_bytes: Option<i64>,
    pub create_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

impl Document {
    pub fn name(&self) -> String {
        format!(
            "{}/documents/{}",
            crate::names::agreement_name(self.agreement_id),
            self.id
        )
    }
}

/// Parses `agreements/{a}/documents/{d}`.
pub fn parse_name(name: &str) -> Option<(Uuid, Uuid)> {
    let (agreement, document) = name.split_once("/documents/")?;
    Some((
        crate::names::parse_agreement_name(agreement)?,
        crate::names::parse_id(document)?,
    ))
}

/// The schemes a document link may use: the web, and object storage (`s3://bucket/key`)
/// where bureaus keep their archives. No `javascript:`, `data:` or `file:`.
pub const URI_SCHEMES: &[&str] = &["https", "http", "s3"];

fn uri_allowed(uri: &str) -> bool {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    URI_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme))
        && !host.is_empty()
        && uri.chars().count() <= 2000
        && !uri.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn validate(new: &NewDocument) -> Vec<FieldViolation> {
    let mut v = Vec::new();
    let today = calendar::today();
    let title = new.title.trim().chars().count();
    if title == 0 || new.title.chars().count() > 300 {
        v.push(FieldViolation::says(
            "title",
            &crate::wording::CHARACTERS_BETWEEN,
            vec!["1".to_string(), "300".to_string()],
        ));
    }
    if new.number.chars().count() > 200 {
        v.push(FieldViolation::says(
            "number",
            &crate::wording::AT_MOST_CHARACTERS,
            vec!["200".to_string()],
        ));
    }
    // Empty: the document's file is kept in the archive, not elsewhere.
    if !new.uri.is_empty() && !uri_allowed(&new.uri) {
        v.push(FieldViolation::says(
            "uri",
            &crate::wording::URI_SHAPE,
            vec![
                URI_SCHEMES.join(", ").to_string(),
                "https://arsip.bantenprov.go.id/ks/2024/12.pdf".to_string(),
            ],
        ));
    }
    if let Some(hash) = &new.sha256
        && (hash.len() != 64
            || !hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    {
        v.push(FieldViolation::says(
            "sha256",
            &crate::wording::SHA256_SHAPE,
            vec![],
        ));
    }
    if new.size_bytes.is_some_and(|s| s < 0) {
        v.push(FieldViolation::says(
            "size_bytes",
            &crate::wording::NOT_NEGATIVE,
            vec![],
        ));
    }
    if new.document_date.is_some_and(|d| d > today) {
        v.push(FieldViolation::says(
            "document_date",
            &crate::wording::NOT_FUTURE,
            vec![today.to_string()],
        ));
    }
    v
}

/// Refuses a new document that breaks a field rule, naming every field.
fn check(new: &NewDocument) -> CoreResult<()> {
    let violations = validate(new);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(CoreError::InvalidArgument(violations))
    }
}

pub async fn create(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    new: NewDocument,
) -> CoreResult<Document> {
    check(&new)?;
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let agreement = crate::agreement_record::load(conn, agreement_id, true).await?;
        actor.check_write_agreement(&agreement.fields.region_code, &agreement.fields.unit_code)?;
        if agreement.delete_time.is_some() {
            return Err(CoreError::refused(
                &crate::wording::DELETED,
                vec![agreement.name()],
            ));
        }
        create_in(
            conn,
            actor,
            &agreement.fields.region_code,
            agreement_id,
            new,
        )
        .await
    })
    .await
}

/// Creates a document of a live agreement of `region_code` the caller may
/// write, inside the caller's transaction (the import files scans this way).
pub async fn create_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    region_code: &str,
    agreement_id: Uuid,
    new: NewDocument,
) -> CoreResult<Document> {
    check(&new)?;
    let id = Uuid::now_v7();
    diesel::insert_into(agreement_documents::table)
        .values((
            agreement_documents::id.eq(id),
            agreement_documents::agreement_id.eq(agreement_id),
            agreement_documents::region_code.eq(region_code),
            agreement_documents::kind.eq(new.kind.code()),
            agreement_documents::number.eq(new.number.trim()),
            agreement_documents::document_date.eq(new.document_date),
            agreement_documents::title.eq(new.title.trim()),
            agreement_documents::uri.eq(&new.uri),
            agreement_documents::sha256.eq(&new.sha256),
            agreement_documents::size_bytes.eq(new.size_bytes),
        ))
        .execute(conn)
        .await?;
    let document = load(conn, agreement_id, id).await?;
    audit::change(
        conn,
        actor,
        Some(region_code.to_string()),
        "CreateDocument",
        document.name(),
        None,
        audit::json(&document),
    )
    .await?;
    Ok(document)
}

async fn load(conn: &mut AsyncPgConnection, agreement_id: Uuid, id: Uuid) -> CoreResult<Document> {
    agreement_documents::table
        .find(id)
        .filter(agreement_documents::agreement_id.eq(agreement_id))
        .select(Document::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| {
            CoreError::not_found(format!(
                "{}/documents/{id}",
                crate::names::agreement_name(agreement_id)
            ))
        })
}

/// An evidence reference must name a live document of the same agreement.
pub async fn ensure_evidence(
    conn: &mut AsyncPgConnection,
    agreement_id: Uuid,
    field: &str,
    id: Option<Uuid>,
) -> CoreResult<()> {
    let Some(id) = id else { return Ok(()) };
    match load(conn, agreement_id, id).await {
        Ok(document) if document.delete_time.is_none() => Ok(()),
        Ok(_) | Err(CoreError::NotFound { .. }) => Err(CoreError::says(
            field,
            &crate::wording::NOT_THIS_AGREEMENTS_DOCUMENT,
            vec![format!(
                "{}/documents/{id}",
                crate::names::agreement_name(agreement_id)
            )],
        )),
        Err(other) => Err(other),
    }
}

pub async fn get(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    id: Uuid,
) -> CoreResult<Document> {
    agreement_record::get(pool, actor, agreement_id).await?;
    let mut conn = pool.get().await?;
    load(&mut conn, agreement_id, id).await
}

pub async fn list(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    show_deleted: bool,
) -> CoreResult<Vec<Document>> {
    agreement_record::get(pool, actor, agreement_id).await?;
    let mut conn = pool.get().await?;
    let mut query = agreement_documents::table
        .filter(agreement_documents::agreement_id.eq(agreement_id))
        .order(agreement_documents::id)
        .select(Document::as_select())
        .into_boxed();
    if !show_deleted {
        query = query.filter(agreement_documents::delete_time.is_null());
    }
    Ok(query.load(&mut conn).await?)
}

pub async fn delete(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    id: Uuid,
) -> CoreResult<Document> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let agreement = crate::agreement_record::load(conn, agreement_id, true).await?;
        actor.check_write_agreement(&agreement.fields.region_code, &agreement.fields.unit_code)?;
        let before = load(conn, agreement_id, id).await?;
        if before.delete_time.is_some() {
            return Err(CoreError::refused(
                &crate::wording::ALREADY_DELETED,
                vec![before.name()],
            ));
        }
        diesel::update(agreement_documents::table.find(id))
            .set(agreement_documents::delete_time.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
        let after = load(conn, agreement_id, id).await?;
        audit::change(
            conn,
            actor,
            Some(agreement.fields.region_code.clone()),
            "DeleteDocument",
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
    use super::uri_allowed;

    #[test]
    fn only_web_and_storage_links_are_accepted() {
        assert!(uri_allowed("https://arsip.bantenprov.go.id/ks/2024/12.pdf"));
        assert!(uri_allowed("HTTP://example.org"));
        assert!(uri_allowed("s3://arsip-ks/2024/12.pdf"));
        for bad in [
            "javascript:alert(1)",
            "JavaScript://x/%0aalert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>",
            "https://",
            "https:///path",
            "ftp://example.org/x",
            "https://example.org/a b",
            "/relative/path",
        ] {
            assert!(!uri_allowed(bad), "{bad}");
        }
    }
}
