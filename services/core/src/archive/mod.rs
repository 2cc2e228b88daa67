//! The document archive: the files of an agreement's documents (the signed
//! KSB and PKS, the DPRD approval, …), kept in the register's own store with
//! the register's access rules and audit trail (docs/archive.md).
//!
//! A document has versions: each upload is the next version, every version
//! stays retrievable and the newest is served by default. Uploads need the
//! right to write the agreement; downloads the right to read it; both are
//! audited with the file's SHA-256.

pub mod content;
pub mod scan;
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
pub use scan::{ScanStatus, Scanner};
pub use store::{BucketError, ReceiveError, Received, S3Settings, Store};

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
    /// clamd, when files are scanned for viruses: a file is then served only
    /// once scanned clean.
    pub scanner: Option<Scanner>,
    /// How often files the scanner has not yet given a verdict on are
    /// scanned again.
    pub rescan_interval: std::time::Duration,
}

/// How often unscanned files are scanned again by default.
pub const DEFAULT_RESCAN_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

impl Settings {
    /// The store in `root` with the default limits.
    pub fn defaults_in(root: &std::path::Path) -> std::io::Result<Self> {
        Ok(Self {
            store: Store::open(root)?,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            region_quota_bytes: DEFAULT_REGION_QUOTA_BYTES,
            scanner: None,
            rescan_interval: DEFAULT_RESCAN_INTERVAL,
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
    scan_status: String,
    scan_signature: Option<String>,
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
    /// NOT_SCANNED, PENDING, CLEAN or INFECTED ([`ScanStatus`]).
    pub scan_status: String,
    /// What the scanner found, when INFECTED.
    pub scan_signature: Option<String>,
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
            scan_status: self.scan_status,
            scan_signature: self.scan_signature,
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

/// A received file that passed every check that needs no transaction: its
/// hash, its kind (told from its content), the scanner's verdict and its
/// words. [`record_version`] records it.
#[derive(Debug)]
pub struct Prepared {
    pub received: Received,
    pub kind: MediaType,
    text: Option<String>,
    scan: ScanStatus,
}

/// Why [`prepare`] refused a file: the refusal, and the signature when the
/// scanner found one (the caller audits who tried to store it).
#[derive(Debug)]
pub struct Refused {
    pub error: CoreError,
    pub signature: Option<String>,
}

impl From<CoreError> for Refused {
    fn from(error: CoreError) -> Self {
        Refused {
            error,
            signature: None,
        }
    }
}

/// Checks `received` before it is recorded: not empty, the hash the uploader
/// gave, a kind the archive keeps, no virus (when a scanner is configured;
/// without a verdict, what an earlier scan said of the same content), and
/// reads its words for search.
pub async fn prepare(
    pool: &PgPool,
    settings: &Settings,
    received: Received,
    expected_sha256: Option<&str>,
) -> Result<Prepared, Refused> {
    if received.size_bytes == 0 {
        return Err(CoreError::says("file", &wording::FILE_EMPTY, vec![]).into());
    }
    if let Some(expected) = expected_sha256
        && !expected.eq_ignore_ascii_case(&received.sha256)
    {
        return Err(CoreError::says(
            "sha256",
            &wording::FILE_HASH_MISMATCH,
            vec![received.sha256.clone(), expected.to_ascii_lowercase()],
        )
        .into());
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
    let scan = scan_verdict(pool, settings, &received.sha256, &bytes)
        .await?
        .map_err(|signature| Refused {
            error: CoreError::says("file", &wording::FILE_INFECTED, vec![signature.clone()]),
            signature: Some(signature),
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
    Ok(Prepared {
        received,
        kind,
        text,
        scan,
    })
}

/// Records `received` as the document's next version: identified by its
/// content (refused when the archive does not keep its kind), checked
/// against the hash the uploader gave, scanned, kept in `store` (once per
/// content), and audited.
pub async fn upload(
    pool: &PgPool,
    settings: &Settings,
    actor: &Principal,
    (agreement_id, document_id): (Uuid, Uuid),
    upload: Upload,
    received: Received,
) -> CoreResult<StoredFile> {
    check_upload(&upload)?;
    let sha256 = received.sha256.clone();
    let prepared = match prepare(pool, settings, received, upload.expected_sha256.as_deref()).await
    {
        Ok(prepared) => prepared,
        Err(Refused {
            error,
            signature: Some(signature),
        }) => {
            audit_infected(
                pool,
                actor,
                (agreement_id, document_id),
                &sha256,
                &signature,
            )
            .await;
            return Err(error);
        }
        Err(Refused { error, .. }) => return Err(error),
    };
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let (region_code, document) = writable(conn, actor, agreement_id, document_id).await?;
        record_version(
            conn,
            settings,
            actor,
            (&region_code, &document),
            upload.file_name.trim(),
            &prepared,
            true,
        )
        .await
    })
    .await
}

/// Records a prepared file as `document`'s next version, inside the
/// caller's transaction: the region's quota, the version number (the
/// document row locked), its text, the file kept in the store (when `keep`;
/// a dry run records and rolls back without storing) and the audit entry.
/// An empty `file_name` is made from the document's number.
pub async fn record_version(
    conn: &mut diesel_async::AsyncPgConnection,
    settings: &Settings,
    actor: &Principal,
    (region_code, document): (&str, &crate::documents::Document),
    file_name: &str,
    prepared: &Prepared,
    keep: bool,
) -> CoreResult<StoredFile> {
    let Prepared {
        received,
        kind,
        text,
        scan,
    } = prepared;
    let (kind, scan) = (*kind, *scan);
    let sha256 = received.sha256.clone();
    let size_bytes = received.size_bytes as i64;
    check_quota(
        conn,
        region_code,
        &sha256,
        size_bytes,
        settings.region_quota_bytes,
    )
    .await?;
    // One version at a time per document.
    agreement_documents::table
        .find(document.id)
        .select(agreement_documents::id)
        .for_update()
        .first::<Uuid>(conn)
        .await?;
    let last: Option<i32> = document_files::table
        .filter(document_files::document_id.eq(document.id))
        .select(diesel::dsl::max(document_files::version))
        .first(conn)
        .await?;
    let file_name = if file_name.is_empty() {
        default_file_name(document, kind)
    } else {
        file_name.to_string()
    };
    let stored: FileRow = diesel::insert_into(document_files::table)
        .values((
            document_files::document_id.eq(document.id),
            document_files::version.eq(last.unwrap_or(0) + 1),
            document_files::region_code.eq(region_code),
            document_files::sha256.eq(&sha256),
            document_files::size_bytes.eq(size_bytes),
            document_files::media_type.eq(kind.mime()),
            document_files::file_name.eq(&file_name),
            document_files::uploaded_by.eq(&actor.name),
            document_files::scan_status.eq(scan.code()),
            document_files::scan_time
                .eq((scan != ScanStatus::NotScanned && scan != ScanStatus::Pending).then(Utc::now)),
        ))
        .returning(FileRow::as_returning())
        .get_result(conn)
        .await?;
    diesel::insert_into(document_texts::table)
        .values((
            document_texts::document_id.eq(document.id),
            document_texts::version.eq(stored.version),
            document_texts::region_code.eq(region_code),
            document_texts::body.eq(text.as_deref()),
        ))
        .execute(conn)
        .await?;
    if scan == ScanStatus::Clean {
        // The verdict belongs to the content: earlier versions holding it
        // and still waiting for one are clean too.
        diesel::update(
            document_files::table
                .filter(document_files::sha256.eq(&sha256))
                .filter(document_files::scan_status.eq_any(UNSCANNED)),
        )
        .set((
            document_files::scan_status.eq(ScanStatus::Clean.code()),
            document_files::scan_time.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    }
    let stored = stored.with_text(text.is_some());
    // The file is in place before the row naming it commits; a refusal
    // above leaves nothing in the store.
    if keep {
        settings.store.keep(received).await.map_err(store_failure)?;
    }
    audit::change(
        conn,
        actor,
        Some(region_code.to_string()),
        "UploadDocumentFile",
        document.name(),
        None,
        audit::json(&stored),
    )
    .await?;
    Ok(stored)
}

/// The statuses the scanner has still to give a verdict on.
const UNSCANNED: [&str; 2] = ["NOT_SCANNED", "PENDING"];

/// The verdict an earlier scan gave this content, if any.
async fn known_verdict(
    conn: &mut diesel_async::AsyncPgConnection,
    sha256: &str,
) -> CoreResult<Option<(ScanStatus, Option<String>)>> {
    let row: Option<(String, Option<String>)> = document_files::table
        .filter(document_files::sha256.eq(sha256))
        .filter(document_files::scan_status.eq_any(["CLEAN", "INFECTED"]))
        // An INFECTED verdict outweighs a CLEAN one of an older signature
        // database.
        .order(document_files::scan_status.desc())
        .select((document_files::scan_status, document_files::scan_signature))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(status, signature)| (ScanStatus::from_code(&status), signature)))
}

/// Who tried to store a file the scanner found `signature` in, which
/// content: audited (outside any transaction: nothing else is written) and
/// logged.
async fn audit_infected(
    pool: &PgPool,
    actor: &Principal,
    (agreement_id, document_id): (Uuid, Uuid),
    sha256: &str,
    signature: &str,
) {
    tracing::warn!(
        actor = %actor.name,
        document = %document_id,
        %sha256,
        %signature,
        "the antivirus scanner refused an upload"
    );
    let audited = async {
        let mut conn = pool.get().await?;
        let (region_code, document) = writable(&mut conn, actor, agreement_id, document_id).await?;
        audit::change(
            &mut conn,
            actor,
            Some(region_code),
            "RefuseInfectedDocumentFile",
            document.name(),
            None,
            Some(serde_json::json!({ "sha256": sha256, "signature": signature })),
        )
        .await
    };
    if let Err(error) = audited.await {
        tracing::error!(%error, "auditing the refused upload failed");
    }
}

/// The scan status a file is recorded with: scanned now when a scanner is
/// configured (`Err(signature)` when infected); without a verdict (no
/// scanner, or one that cannot be reached), what an earlier scan said of the
/// same content, else NOT_SCANNED or PENDING.
async fn scan_verdict(
    pool: &PgPool,
    settings: &Settings,
    sha256: &str,
    bytes: &[u8],
) -> CoreResult<Result<ScanStatus, String>> {
    let unscanned = match &settings.scanner {
        Some(scanner) => match scanner.scan(bytes).await {
            Ok(scan::Verdict::Clean) => return Ok(Ok(ScanStatus::Clean)),
            Ok(scan::Verdict::Infected(signature)) => return Ok(Err(signature)),
            Err(error) => {
                tracing::warn!(%error, %sha256, "a file is kept unscanned until the scanner answers");
                ScanStatus::Pending
            }
        },
        None => ScanStatus::NotScanned,
    };
    let mut conn = pool.get().await?;
    Ok(match known_verdict(&mut conn, sha256).await? {
        Some((ScanStatus::Infected, signature)) => Err(signature.unwrap_or_default()),
        Some((status, _)) => Ok(status),
        None => Ok(unscanned),
    })
}

/// What the rescan of unscanned files did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rescan {
    pub clean: usize,
    pub infected: usize,
    /// Contents left for the next pass (the scanner stopped answering, or a
    /// copy is missing from the store).
    pub left: usize,
    /// A whole batch got its verdicts: more may be waiting, so the next pass
    /// comes at once (a register scanned for the first time is worked
    /// through, not 100 files a minute).
    pub more: bool,
}

/// How many contents one rescan pass looks at.
const RESCAN_BATCH: i64 = 100;

/// Scans the contents without a verdict (PENDING: the scanner was down when
/// they arrived; NOT_SCANNED: stored before a scanner was configured) and
/// records what the scanner says, for every version holding them. An
/// INFECTED content is held (never served again) and each version is
/// audited as `QuarantineDocumentFile`. Stops at the first scan that gets no
/// verdict: the next pass tries again.
pub async fn rescan(pool: &PgPool, settings: &Settings) -> CoreResult<Rescan> {
    let mut outcome = Rescan::default();
    let Some(scanner) = &settings.scanner else {
        return Ok(outcome);
    };
    let mut conn = pool.get().await?;
    let contents: Vec<String> = document_files::table
        .filter(document_files::scan_status.eq_any(UNSCANNED))
        .select(document_files::sha256)
        .distinct()
        .limit(RESCAN_BATCH)
        .load(&mut conn)
        .await?;
    let system = Principal::system("archive-scanner");
    for (i, sha256) in contents.iter().enumerate() {
        let bytes = match settings.store.read_verified(sha256).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                tracing::error!(%sha256, "an unscanned file is missing or damaged in the archive's store");
                outcome.left += 1;
                continue;
            }
            Err(error) => {
                tracing::error!(%error, "the archive's store failed while rescanning");
                outcome.left += contents.len() - i;
                break;
            }
        };
        let verdict = match scanner.scan(&bytes).await {
            Ok(verdict) => verdict,
            Err(error) => {
                tracing::warn!(%error, "rescanning stopped: the scanner gives no verdict");
                outcome.left += contents.len() - i;
                break;
            }
        };
        let rows = document_files::table
            .filter(document_files::sha256.eq(sha256))
            .filter(document_files::scan_status.eq_any(UNSCANNED));
        match verdict {
            scan::Verdict::Clean => {
                diesel::update(rows)
                    .set((
                        document_files::scan_status.eq(ScanStatus::Clean.code()),
                        document_files::scan_time.eq(Utc::now()),
                    ))
                    .execute(&mut conn)
                    .await?;
                outcome.clean += 1;
            }
            scan::Verdict::Infected(signature) => {
                conn.transaction(async |conn| {
                    let held: Vec<(Uuid, i32, String)> = diesel::update(rows)
                        .set((
                            document_files::scan_status.eq(ScanStatus::Infected.code()),
                            document_files::scan_signature.eq(&signature),
                            document_files::scan_time.eq(Utc::now()),
                        ))
                        .returning((
                            document_files::document_id,
                            document_files::version,
                            document_files::region_code,
                        ))
                        .get_results(conn)
                        .await?;
                    for (document_id, version, region_code) in held {
                        let agreement_id: Uuid = agreement_documents::table
                            .find(document_id)
                            .select(agreement_documents::agreement_id)
                            .first(conn)
                            .await?;
                        tracing::error!(
                            document = %document_id, version, %sha256, %signature,
                            "the antivirus scanner found a virus in an archived file: it is held, never served"
                        );
                        audit::change(
                            conn,
                            &system,
                            Some(region_code),
                            "QuarantineDocumentFile",
                            format!(
                                "{}/documents/{document_id}",
                                crate::names::agreement_name(agreement_id)
                            ),
                            None,
                            Some(serde_json::json!({
                                "version": version,
                                "sha256": sha256,
                                "signature": signature,
                            })),
                        )
                        .await?;
                    }
                    Ok::<_, CoreError>(())
                })
                .await?;
                outcome.infected += 1;
            }
        }
    }
    outcome.more = contents.len() as i64 == RESCAN_BATCH && outcome.left == 0;
    Ok(outcome)
}

/// Rescans unscanned files every `settings.rescan_interval` until
/// `shutdown` (nothing to do without a scanner).
pub async fn rescan_until(
    pool: PgPool,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) {
    if settings.scanner.is_none() {
        return;
    }
    let passes = async {
        loop {
            let more = match rescan(&pool, &settings).await {
                Ok(outcome) if outcome != Rescan::default() => {
                    tracing::info!(?outcome, "archive rescan pass");
                    outcome.more
                }
                Ok(_) => false,
                Err(error) => {
                    tracing::warn!(%error, "archive rescan pass failed");
                    false
                }
            };
            if !more {
                tokio::time::sleep(settings.rescan_interval).await;
            }
        }
    };
    tokio::select! {
        _ = shutdown => {}
        _ = passes => {}
    }
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
        // Only what may be served: never a file awaiting its scan or held.
        .filter(document_files::scan_status.eq_any(["NOT_SCANNED", "CLEAN"]))
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
    match ScanStatus::from_code(&stored.scan_status) {
        ScanStatus::Pending => {
            return Err(CoreError::refused(
                &wording::FILE_NOT_YET_SCANNED,
                vec![document.name(), stored.version.to_string()],
            ));
        }
        ScanStatus::Infected => {
            return Err(CoreError::refused(
                &wording::FILE_HELD_INFECTED,
                vec![
                    document.name(),
                    stored.version.to_string(),
                    stored.scan_signature.clone().unwrap_or_default(),
                ],
            ));
        }
        ScanStatus::NotScanned | ScanStatus::Clean => {}
    }
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
