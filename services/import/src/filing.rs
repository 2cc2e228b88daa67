//! Filing the scans that come with an import (`--documents DIR|ZIP`) in the
//! document archive, inside the import's transaction, so the register and
//! its scans are written together or not at all.
//!
//! Each scan is keyed by its file name ([`crate::scans::key`]) and filed as
//! the signed text of the one live agreement of the region whose document
//! number has that key: the newest version of that agreement's own document
//! (its type is the agreement's document kind), created when it has none
//! (number, date and title from the agreement, no external link). A scan
//! equal to that document's newest file is UNCHANGED; any other is FILED as
//! its next version. Each file passes the archive's own checks first (size,
//! kind by content, viruses when a scanner is configured), and each problem
//! is a line of the import's report on the sheet "Berkas".

use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::commit::Applied;
use crate::messages;
use crate::problems::{Outcome, Problem};
use crate::scans::{ReadError, ScanFile};
use kerjasama_core::access::Principal;
use kerjasama_core::archive::{self, Prepared};
use kerjasama_core::codes::DocumentType;
use kerjasama_core::error::{CoreError, CoreResult};
use kerjasama_core::schema::{agreement_documents, agreements, document_files};

/// The report's sheet for scans.
pub const SHEET: &str = "Berkas";
/// The report's column for a scan's path.
const COLUMN: &str = "Nama Berkas";

/// The scans of an import and the archive they go to.
#[derive(Clone)]
pub struct ScanSet {
    pub files: Vec<ScanFile>,
    pub settings: archive::Settings,
}

/// A scan that passed the archive's checks.
pub(crate) struct Ready {
    file: ScanFile,
    prepared: Prepared,
}

/// An archive refusal in the report's two languages, without the field
/// name (the line names the file).
fn refusal(error: &CoreError) -> (String, String) {
    match error {
        CoreError::InvalidArgument(violations) => (
            violations
                .iter()
                .map(|v| v.indonesian().unwrap_or_else(|| v.description.clone()))
                .collect::<Vec<_>>()
                .join("; "),
            violations
                .iter()
                .map(|v| v.description.clone())
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => (messages::error(other), other.to_string()),
    }
}

fn problem(file: &ScanFile, id: impl Into<String>, en: impl Into<String>) -> Problem {
    Problem::new(SHEET, None, Some(COLUMN.to_string()), &file.path, id, en)
}

/// Reads and checks every scan (no transaction needed): the ones that pass,
/// and a problem for each that does not.
pub(crate) async fn prepare(
    pool: &kerjasama_core::pool::PgPool,
    set: &ScanSet,
) -> CoreResult<(Vec<Ready>, Vec<Problem>)> {
    let mut ready = Vec::new();
    let mut problems = Vec::new();
    let mut seen: HashMap<&str, &str> = HashMap::new();
    let limit = set.settings.max_file_bytes;
    for file in &set.files {
        if file.key.is_empty() {
            problems.push(problem(
                file,
                "nama berkas tidak memuat nomor dokumen",
                "the file name holds no document number",
            ));
            continue;
        }
        if let Some(first) = seen.insert(&file.key, &file.path) {
            problems.push(problem(
                file,
                format!("{first} sudah berkas untuk nomor dokumen yang sama: satu berkas per perjanjian"),
                format!("{first} is already the file for the same document number: one file per agreement"),
            ));
            continue;
        }
        let file_ = file.clone();
        let bytes = match tokio::task::spawn_blocking(move || file_.read(limit))
            .await
            .map_err(|e| CoreError::Internal(format!("reading a scan: {e}")))?
        {
            Ok(bytes) => bytes,
            Err(ReadError::TooLarge(_)) => {
                let (id, en) = refusal(&archive::too_large(limit));
                problems.push(problem(file, id, en));
                continue;
            }
            Err(ReadError::Io(why)) => {
                problems.push(problem(
                    file,
                    format!("berkas tidak dapat dibaca: {why}"),
                    format!("the file cannot be read: {why}"),
                ));
                continue;
            }
        };
        let received = set
            .settings
            .store
            .receive(
                futures::stream::iter([Ok::<_, std::convert::Infallible>(bytes)]),
                limit,
            )
            .await
            .map_err(|e| match e {
                archive::ReceiveError::Io(e) => archive::store_failure(e),
                other => CoreError::Internal(other.to_string()),
            })?;
        match archive::prepare(pool, &set.settings, received, None).await {
            Ok(prepared) => ready.push(Ready {
                file: file.clone(),
                prepared,
            }),
            Err(refused) => match refused.error {
                CoreError::Unavailable(_) | CoreError::Internal(_) => return Err(refused.error),
                error => {
                    let (id, en) = refusal(&error);
                    problems.push(problem(file, id, en))
                }
            },
        }
    }
    Ok((ready, problems))
}

/// A live agreement of the region a scan can be filed under.
struct Agreement {
    id: Uuid,
    number: String,
    kind: String,
    title: String,
    signed_on: Option<chrono::NaiveDate>,
}

/// Files `ready` scans under their agreements inside the import's
/// transaction (`keep`: a commit stores the files; a dry run records and
/// rolls back, storing nothing), with a report line for each.
pub(crate) async fn file(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    region: &str,
    settings: &archive::Settings,
    ready: &[Ready],
    keep: bool,
    applied: &mut Applied,
) -> CoreResult<()> {
    let live: Vec<(Uuid, String, String, String, Option<chrono::NaiveDate>)> = agreements::table
        .filter(agreements::region_code.eq(region))
        .filter(agreements::delete_time.is_null())
        .select((
            agreements::id,
            agreements::document_number,
            agreements::document_kind,
            agreements::title,
            agreements::signed_on,
        ))
        .load(conn)
        .await?;
    let mut by_key: HashMap<String, Vec<Agreement>> = HashMap::new();
    for (id, number, kind, title, signed_on) in live {
        by_key
            .entry(crate::scans::key(&number))
            .or_default()
            .push(Agreement {
                id,
                number,
                kind,
                title,
                signed_on,
            });
    }
    for Ready { file, prepared } in ready {
        let agreement = match by_key.get(&file.key).map(Vec::as_slice) {
            Some([one]) => one,
            Some(several) => {
                let numbers: Vec<&str> = several.iter().map(|a| a.number.as_str()).collect();
                applied.invalid_line(
                    problem(
                        file,
                        format!(
                            "nama berkas cocok dengan lebih dari satu perjanjian ({}): beri nama berkas persis seperti nomor dokumennya",
                            numbers.join("; ")
                        ),
                        format!(
                            "the file name matches more than one agreement ({}): name the file exactly as its document number",
                            numbers.join("; ")
                        ),
                    ),
                );
                continue;
            }
            None => {
                applied.invalid_line(
                    problem(
                        file,
                        format!(
                            "tidak ada perjanjian di register wilayah {} yang nomor dokumennya cocok dengan nama berkas ini",
                            kerjasama_core::regions::display(region)
                        ),
                        format!(
                            "no agreement of region {region} has a document number matching this file name"
                        ),
                    ),
                );
                continue;
            }
        };
        let Some(kind) = DocumentType::from_code(&agreement.kind) else {
            applied.invalid_line(problem(
                file,
                format!("jenis dokumen {} tidak dapat diarsipkan", agreement.kind),
                format!("document kind {} cannot be archived", agreement.kind),
            ));
            continue;
        };
        let document = signed_document(conn, actor, region, agreement, kind).await?;
        let newest: Option<String> = document_files::table
            .filter(document_files::document_id.eq(document.id))
            .order(document_files::version.desc())
            .select(document_files::sha256)
            .first(conn)
            .await
            .optional()?;
        if newest.as_deref() == Some(prepared.received.sha256.as_str()) {
            applied.line(
                Outcome::Unchanged,
                problem(
                    file,
                    format!("sudah diarsipkan sebagai naskah {}", agreement.number),
                    format!("already filed as the signed text of {}", agreement.number),
                ),
            );
            continue;
        }
        match archive::record_version(
            conn,
            settings,
            actor,
            (region, &document),
            &file.file_name,
            prepared,
            keep,
        )
        .await
        {
            Ok(stored) => applied.line(
                Outcome::Filed,
                problem(
                    file,
                    format!(
                        "diarsipkan sebagai naskah {} (versi {})",
                        agreement.number, stored.version
                    ),
                    format!(
                        "filed as the signed text of {} (version {})",
                        agreement.number, stored.version
                    ),
                ),
            ),
            Err(CoreError::ResourceExhausted { message, .. }) => {
                let (id, en) = message.split_once(" / ").unwrap_or((&message, &message));
                applied.invalid_line(problem(file, id, en));
            }
            Err(other) => return Err(other),
        }
    }
    Ok(())
}

/// The agreement's own signed document (the newest live one of its kind),
/// created when it has none.
async fn signed_document(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    region: &str,
    agreement: &Agreement,
    kind: DocumentType,
) -> CoreResult<kerjasama_core::documents::Document> {
    let existing = agreement_documents::table
        .filter(agreement_documents::agreement_id.eq(agreement.id))
        .filter(agreement_documents::kind.eq(kind.code()))
        .filter(agreement_documents::delete_time.is_null())
        .order(agreement_documents::create_time.desc())
        .select(kerjasama_core::documents::Document::as_select())
        .first(conn)
        .await
        .optional()?;
    if let Some(document) = existing {
        return Ok(document);
    }
    kerjasama_core::documents::create_in(
        conn,
        actor,
        region,
        agreement.id,
        kerjasama_core::documents::NewDocument {
            kind,
            number: agreement.number.clone(),
            document_date: agreement.signed_on,
            title: agreement.title.chars().take(300).collect(),
            uri: String::new(),
            sha256: None,
            size_bytes: None,
        },
    )
    .await
}
