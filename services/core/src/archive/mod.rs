//! The document archive: the files of an agreement's documents (the signed
//! KSB and PKS, the DPRD approval, …), kept in the register's own store with
//! the register's access rules and audit trail (docs/archive.md).
//!
//! A document has versions: each upload is the next version, every version
//! stays retrievable and the newest is served by default. Uploads need the
//! right to write the agreement; downloads the right to read it; both are
//! audited with the file's SHA-256.

pub mod content;
pub mod store;
pub mod text;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::access::Principal;
use crate::audit;
use crate::error::{CoreError, CoreResult, FieldViolation};
use crate::pool::PgPool;
use crate::schema::{agreement_documents, document_files, document_texts};
use crate::wording;
pub use content::MediaType;
pub use store::{ReceiveError, Received, Store};

/// How long reading a file's text may take before the file is kept without
/// it.
const TEXT_EXTRACTION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The largest file the archive takes by default (bytes).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;

/// The most one region's files may take together by default (bytes): what
/// it has stored, each distinct content counted once.
pub const DEFAULT_REGION_QUOTA_BYTES: u64 = 20 * 1024 * 1024 * 1024;

/// Where the archive keeps files, how large one may be and how much a region
/// may keep.
#[derive(Debug, Clone)]
pub struct Settings {
    pub store: Store,
    /// The largest file taken (bytes).
    pub max_file_bytes: u64,
    /// The most one region's distinct contents may take together (bytes).
    pub region_quota_bytes: u64,
}

impl Settings {
    /// The store in `root` with the default limits.
    pub fn defaults_in(root: &std::path::Path) -> std::io::Result<Self> {
        Ok(Self {
            store: Store::open(root)?,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            region_quota_bytes: DEFAULT_REGION_QUOTA_BYTES,
        })
    }
}

/// A row of `document_files`.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = document_files, check_for_backend(diesel::pg::Pg))]
struct FileRow {
    document_id: Uuid,
    version: i32,
    sha256: String,
    size_bytes: i64,
    media_type: String,
    file_name: String,
    uploaded_by: String,
    create_time: DateTime<Utc>,
}

/// One stored version of a document's file.
#[derive(Debug, Clone, Serialize)]
pub struct StoredFile {
    pub document_id: Uuid,
    pub version: i32,
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub file_name: String,
    pub uploaded_by: String,
    pub create_time: DateTime<Utc>,
    /// Its text was read and is searchable; false: an image or a scan
    /// without a text layer ("no text").
    pub has_text: bool,
}

impl FileRow {
    fn with_text(self, has_text: bool) -> StoredFile {
        StoredFile {
            document_id: self.document_id,
            version: self.version,
            sha256: self.sha256,
            size_bytes: self.size_bytes,
            media_type: self.media_type,
            file_name: self.file_name,
            uploaded_by: self.uploaded_by,
            create_time: self.create_time,
            has_text,
        }
    }
}

/// The versions of `document_id` whose text was read.
async fn versions_with_text(
    conn: &mut diesel_async::AsyncPgConnection,
    document_id: Uuid,
) -> CoreResult<std::collections::HashSet<i32>> {
    Ok(document_texts::table
        .filter(document_texts::document_id.eq(document_id))
        .filter(document_texts::body.is_not_null())
        .select(document_texts::version)
        .load::<i32>(conn)
        .await?
        .into_iter()
        .collect())
}

/// What an upload says of itself besides its bytes.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    /// The file's name as the uploader has it (for downloads); empty: made
    /// from the document's number or title.
    pub file_name: String,
    /// The SHA-256 the uploader computed (64 hex digits); checked when given.
    pub expected_sha256: Option<String>,
}

/// `bytes` in the units people read for a limit: `50 MB`, `20 GB`.
pub fn megabytes(bytes: u64) -> String {
    if bytes >= 1024 * 1024 * 1024 && bytes.is_multiple_of(1024 * 1024 * 1024) {
        format!("{} GB", bytes / (1024 * 1024 * 1024))
    } else if bytes.is_multiple_of(1024 * 1024) {
        format!("{} MB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// The refusal of a file too large for `limit`.
pub fn too_large(limit: u64) -> CoreError {
    CoreError::says("file", &wording::FILE_TOO_LARGE, vec![megabytes(limit)])
}

/// The store's disk failed (full, read-only, gone): the archive is
/// unavailable until an operator mends it; nothing was recorded.
pub fn store_failure(error: std::io::Error) -> CoreError {
    tracing::error!(%error, "the document archive's store failed");
    CoreError::Unavailable(format!("the document archive's storage failed: {error}"))
}

/// Checks an upload's own fields before its bytes are read.
pub fn check_upload(upload: &Upload) -> CoreResult<()> {
    let mut violations = Vec::new();
    if let Err(v) = crate::text::check("file_name", "file_name", &upload.file_name) {
        violations.push(v);
    }
    if upload.file_name.chars().count() > 255 {
        violations.push(FieldViolation::new(
            "file_name",
            "must be at most 255 characters",
        ));
    }
    if let Some(sha) = &upload.expected_sha256
        && (sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        violations.push(FieldViolation::new("sha256", "must be 64 hex digits"));
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(CoreError::InvalidArgument(violations))
    }
}

/// The caller may add a file to this document: the agreement is writable by
/// them and neither it nor the document is deleted. Asked before the bytes
/// are read, and again when the version is recorded.
pub async fn may_upload(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    document_id: Uuid,
) -> CoreResult<()> {
    let mut conn = pool.get().await?;
    writable(&mut conn, actor, agreement_id, document_id).await?;
    Ok(())
}

async fn writable(
    conn: &mut diesel_async::AsyncPgConnection,
    actor: &Principal,
    agreement_id: Uuid,
    document_id: Uuid,
) -> CoreResult<(String, crate::documents::Document)> {
    let agreement = crate::agreement_record::load(conn, agreement_id, false).await?;
    actor.check_write_agreement(&agreement.fields.region_code, &agreement.fields.unit_code)?;
    if agreement.delete_time.is_some() {
        return Err(CoreError::refused(
            &wording::DELETED,
            vec![agreement.name()],
        ));
    }
    let document = document(conn, agreement_id, document_id).await?;
    if document.delete_time.is_some() {
        return Err(CoreError::refused(&wording::DELETED, vec![document.name()]));
    }
    Ok((agreement.fields.region_code, document))
}

async fn document(
    conn: &mut diesel_async::AsyncPgConnection,
    agreement_id: Uuid,
    document_id: Uuid,
) -> CoreResult<crate::documents::Document> {
    agreement_documents::table
        .find(document_id)
        .filter(agreement_documents::agreement_id.eq(agreement_id))
        .select(crate::documents::Document::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| {
            CoreError::not_found(format!(
                "{}/documents/{document_id}",
                crate::names::agreement_name(agreement_id)
            ))
        })
}

/// Records `received` as the document's next version: identified by its
/// content (refused when the archive does not keep its kind), checked
/// against the hash the uploader gave, kept in `store` (once per content),
/// and audited.
pub async fn upload(
    pool: &PgPool,
    settings: &Settings,
    actor: &Principal,
    (agreement_id, document_id): (Uuid, Uuid),
    upload: Upload,
    received: Received,
) -> CoreResult<StoredFile> {
    check_upload(&upload)?;
    if received.size_bytes == 0 {
        return Err(CoreError::says("file", &wording::FILE_EMPTY, vec![]));
    }
    if let Some(expected) = &upload.expected_sha256
        && !expected.eq_ignore_ascii_case(&received.sha256)
    {
        return Err(CoreError::says(
            "sha256",
            &wording::FILE_HASH_MISMATCH,
            vec![received.sha256.clone(), expected.to_ascii_lowercase()],
        ));
    }
    let bytes = received.read().await.map_err(store_failure)?;
    let kind = content::identify(&bytes).map_err(|refusal| match refusal {
        content::Refusal::Kind(what) => {
            CoreError::says("file", &wording::FILE_TYPE_REFUSED, vec![what.to_string()])
        }
        content::Refusal::PdfActive(what) => {
            CoreError::says("file", &wording::FILE_PDF_ACTIVE, vec![what.to_string()])
        }
        content::Refusal::PdfEncrypted => {
            CoreError::says("file", &wording::FILE_PDF_ENCRYPTED, vec![])
        }
    })?;
    // The words, for search: read off the runtime, bounded in time; a file
    // whose text cannot be read in time is kept without it.
    let text = tokio::time::timeout(
        TEXT_EXTRACTION_TIMEOUT,
        tokio::task::spawn_blocking(move || text::extract(kind, &bytes)),
    )
    .await
    .ok()
    .and_then(Result::ok)
    .flatten();
    let sha256 = received.sha256.clone();
    let size_bytes = received.size_bytes as i64;
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let (region_code, document) = writable(conn, actor, agreement_id, document_id).await?;
        check_quota(
            conn,
            &region_code,
            &sha256,
            size_bytes,
            settings.region_quota_bytes,
        )
        .await?;
        // One version at a time per document.
        agreement_documents::table
            .find(document_id)
            .select(agreement_documents::id)
            .for_update()
            .first::<Uuid>(conn)
            .await?;
        let last: Option<i32> = document_files::table
            .filter(document_files::document_id.eq(document_id))
            .select(diesel::dsl::max(document_files::version))
            .first(conn)
            .await?;
        let file_name = if upload.file_name.trim().is_empty() {
            default_file_name(&document, kind)
        } else {
            upload.file_name.trim().to_string()
        };
        let stored: FileRow = diesel::insert_into(document_files::table)
            .values((
                document_files::document_id.eq(document_id),
                document_files::version.eq(last.unwrap_or(0) + 1),
                document_files::region_code.eq(&region_code),
                document_files::sha256.eq(&sha256),
                document_files::size_bytes.eq(size_bytes),
                document_files::media_type.eq(kind.mime()),
                document_files::file_name.eq(&file_name),
                document_files::uploaded_by.eq(&actor.name),
            ))
            .returning(FileRow::as_returning())
            .get_result(conn)
            .await?;
        diesel::insert_into(document_texts::table)
            .values((
                document_texts::document_id.eq(document_id),
                document_texts::version.eq(stored.version),
                document_texts::region_code.eq(&region_code),
                document_texts::body.eq(text.as_deref()),
            ))
            .execute(conn)
            .await?;
        let stored = stored.with_text(text.is_some());
        // The file is in place before the row naming it commits; a refusal
        // above leaves nothing in the store.
        settings.store.keep(received).await.map_err(store_failure)?;
        audit::change(
            conn,
            actor,
            Some(region_code),
            "UploadDocumentFile",
            document.name(),
            None,
            audit::json(&stored),
        )
        .await?;
        Ok(stored)
    })
    .await
}

/// What the region's files take together, each distinct content once.
async fn region_usage(
    conn: &mut diesel_async::AsyncPgConnection,
    region_code: &str,
) -> CoreResult<i64> {
    #[derive(QueryableByName)]
    struct Usage {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        bytes: i64,
    }
    let usage: Usage = diesel::sql_query(
        "SELECT COALESCE(sum(size_bytes), 0)::bigint AS bytes FROM \
         (SELECT DISTINCT sha256, size_bytes FROM document_files WHERE region_code = $1) AS kept",
    )
    .bind::<diesel::sql_types::Text, _>(region_code)
    .get_result(conn)
    .await?;
    Ok(usage.bytes)
}

/// Refuses a content that would take the region past its quota (content the
/// region already keeps costs nothing). Uploads of one region are counted
/// one at a time (a transaction-scoped advisory lock), so two cannot both
/// fit in the same last gigabyte.
async fn check_quota(
    conn: &mut diesel_async::AsyncPgConnection,
    region_code: &str,
    sha256: &str,
    size_bytes: i64,
    quota: u64,
) -> CoreResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('archive quota ' || $1, 0))")
        .bind::<diesel::sql_types::Text, _>(region_code)
        .execute(conn)
        .await?;
    let already: i64 = document_files::table
        .filter(document_files::region_code.eq(region_code))
        .filter(document_files::sha256.eq(sha256))
        .count()
        .get_result(conn)
        .await?;
    if already > 0 {
        return Ok(());
    }
    let used = region_usage(conn, region_code).await?;
    if (used + size_bytes) as u64 > quota {
        let values = [
            crate::regions::display(region_code),
            megabytes(quota),
            megabytes_rounded(used as u64),
        ];
        return Err(CoreError::ResourceExhausted {
            subject: format!("regions/{region_code}/archive"),
            message: format!(
                "{} / {}",
                wording::FILE_QUOTA.indonesian(&values),
                wording::FILE_QUOTA.english(&values),
            ),
            retry_after: std::time::Duration::ZERO,
        });
    }
    Ok(())
}

/// `bytes` as whole megabytes, rounded up (what a region has used).
fn megabytes_rounded(bytes: u64) -> String {
    format!("{} MB", bytes.div_ceil(1024 * 1024))
}

/// A download name from the document when the uploader gave none.
fn default_file_name(document: &crate::documents::Document, kind: MediaType) -> String {
    let base = if document.number.trim().is_empty() {
        document.title.trim()
    } else {
        document.number.trim()
    };
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    format!("{safe}.{}", kind.extension())
}

/// The newest PDF of each agreement's own signed document (a live document
/// whose type is the agreement's `document_kind`): (agreement, document,
/// its newest PDF version). The newest such document wins.
async fn signed_pdfs(
    conn: &mut diesel_async::AsyncPgConnection,
    agreement_ids: &[Uuid],
) -> CoreResult<Vec<(Uuid, FileRow)>> {
    use crate::schema::agreements;
    let rows: Vec<(Uuid, FileRow)> = document_files::table
        .inner_join(
            agreement_documents::table.on(agreement_documents::id.eq(document_files::document_id)),
        )
        .inner_join(agreements::table.on(agreements::id.eq(agreement_documents::agreement_id)))
        .filter(agreement_documents::agreement_id.eq_any(agreement_ids))
        .filter(agreement_documents::delete_time.is_null())
        .filter(agreement_documents::kind.eq(agreements::document_kind))
        .filter(document_files::media_type.eq(MediaType::Pdf.mime()))
        .order((
            agreement_documents::agreement_id,
            agreement_documents::create_time.desc(),
            document_files::version.desc(),
        ))
        .select((agreement_documents::agreement_id, FileRow::as_select()))
        .load(conn)
        .await?;
    // The first row of each agreement: its newest document's newest PDF.
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|(agreement, _)| seen.insert(*agreement))
        .collect())
}

/// Which of `agreement_ids` have their own signed text on file as a PDF.
pub async fn signed_pdfs_on_file(
    conn: &mut diesel_async::AsyncPgConnection,
    agreement_ids: &[Uuid],
) -> CoreResult<std::collections::HashSet<Uuid>> {
    Ok(signed_pdfs(conn, agreement_ids)
        .await?
        .into_iter()
        .map(|(agreement, _)| agreement)
        .collect())
}

/// The signed PDF of an agreement the open register publishes (the caller
/// has checked that it does): the file and its bytes, verified. Not audited
/// per request: it is public, and a public path must not let anyone grow the
/// audit trail.
pub async fn published_signed_pdf(
    pool: &PgPool,
    store: &Store,
    agreement_id: Uuid,
) -> CoreResult<Option<(StoredFile, Vec<u8>)>> {
    let mut conn = pool.get().await?;
    let Some((_, row)) = signed_pdfs(&mut conn, &[agreement_id]).await?.pop() else {
        return Ok(None);
    };
    let bytes = store
        .read_verified(&row.sha256)
        .await
        .map_err(|e| CoreError::Unavailable(format!("reading the archive: {e}")))?
        .ok_or_else(|| {
            // The register says it is there and the disk disagrees: never
            // served as the signed original; an operator restores it.
            tracing::error!(
                agreement = %agreement_id,
                version = row.version,
                sha256 = %row.sha256,
                "the archive's copy of a published signed PDF is missing or damaged"
            );
            CoreError::Unavailable(format!(
                "the archive's copy of {} version {} is missing or damaged",
                row.document_id, row.version
            ))
        })?;
    Ok(Some((row.with_text(false), bytes)))
}

/// Every version of a document's file, oldest first (readers of the
/// agreement only).
pub async fn versions(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    document_id: Uuid,
) -> CoreResult<Vec<StoredFile>> {
    crate::agreement_record::get(pool, actor, agreement_id).await?;
    let mut conn = pool.get().await?;
    document(&mut conn, agreement_id, document_id).await?;
    let rows: Vec<FileRow> = document_files::table
        .filter(document_files::document_id.eq(document_id))
        .order(document_files::version)
        .select(FileRow::as_select())
        .load(&mut conn)
        .await?;
    let texts = versions_with_text(&mut conn, document_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let has_text = texts.contains(&row.version);
            row.with_text(has_text)
        })
        .collect())
}

/// A version of a document's file (the newest when `version` is `None`) with
/// its bytes, read back and verified against its hash; the download is
/// audited. Readers of the agreement only.
pub async fn download(
    pool: &PgPool,
    store: &Store,
    actor: &Principal,
    (agreement_id, document_id): (Uuid, Uuid),
    version: Option<i32>,
) -> CoreResult<(StoredFile, Vec<u8>)> {
    let agreement = crate::agreement_record::get(pool, actor, agreement_id).await?;
    let mut conn = pool.get().await?;
    let document = document(&mut conn, agreement_id, document_id).await?;
    let mut query = document_files::table
        .filter(document_files::document_id.eq(document_id))
        .order(document_files::version.desc())
        .select(FileRow::as_select())
        .into_boxed();
    if let Some(version) = version {
        query = query.filter(document_files::version.eq(version));
    }
    let stored = query.first(&mut conn).await.optional()?.ok_or_else(|| {
        if let Some(version) = version {
            return CoreError::not_found(format!("{}/files/{version}", document.name()));
        }
        CoreError::refused(
            &wording::FILE_NOT_STORED,
            vec![
                document.name(),
                version.map_or("terbaru / newest".into(), |v| v.to_string()),
            ],
        )
    })?;
    let bytes = store
        .read_verified(&stored.sha256)
        .await
        .map_err(|e| CoreError::Unavailable(format!("reading the archive: {e}")))?
        .ok_or_else(|| {
            // The register says it is there and the disk disagrees: an
            // operator's matter (restore from backup), not the caller's.
            CoreError::Internal(format!(
                "the archive's copy of {} version {} ({}) is missing or damaged",
                document.name(),
                stored.version,
                stored.sha256
            ))
        })?;
    audit::change(
        &mut conn,
        actor,
        Some(agreement.fields.region_code.clone()),
        "DownloadDocumentFile",
        document.name(),
        None,
        Some(serde_json::json!({
            "version": stored.version,
            "sha256": stored.sha256,
        })),
    )
    .await?;
    let has_text = versions_with_text(&mut conn, document_id)
        .await?
        .contains(&stored.version);
    Ok((stored.with_text(has_text), bytes))
}
