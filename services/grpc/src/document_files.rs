//! The document archive over HTTP, on the HTTP port beside the report files
//! (same bearer tokens, same access rules as gRPC: `kerjasama_core::archive`):
//!
//! - `PUT /documents/{agreement id}/{document id}/file?file_name=…&sha256=…`:
//!   the body is the file; it becomes the document's next version. 201 with
//!   the version as JSON; 413 past the size limit, 415 for a kind the archive
//!   does not keep (an executable, an archive, a PDF with JavaScript, …), 400
//!   when the body's SHA-256 is not the `sha256` given.
//! - `POST /documents/{agreement id}/{document id}/file` with
//!   `multipart/form-data` (a `file` part; `file_name`, `sha256` parts
//!   optional): the same upload as an HTML form or `curl -F` sends it.
//! - `GET /documents/{agreement id}/{document id}/file[?version=N]`: the
//!   newest version (or version N), with `Content-Type` from its content,
//!   `Content-Disposition`, `ETag` = its SHA-256 (`If-None-Match` answers 304)
//!   and single byte ranges (`Range: bytes=…`, 206).
//! - `GET /documents/{agreement id}/{document id}/files`: every version as JSON.
//!
//! Refusals say why in Bahasa Indonesia first, then English.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kerjasama_core::CoreError;
use kerjasama_core::archive::{self, ReceiveError, StoredFile, Upload};
use serde::Deserialize;
use uuid::Uuid;

use crate::http_edge::{Failure, HttpState, attachment, authenticate};

fn ids(agreement: &str, document: &str) -> Result<(Uuid, Uuid), Failure> {
    let parse = |what: &str, text: &str| {
        kerjasama_core::names::parse_id(text).ok_or_else(|| {
            Failure(
                StatusCode::BAD_REQUEST,
                format!("{what}: {text:?} bukan id / is not an id"),
            )
        })
    };
    Ok((parse("agreement", agreement)?, parse("document", document)?))
}

/// An archive refusal: Bahasa Indonesia first, the HTTP status that says
/// what kind of refusal it is.
fn refusal(error: CoreError) -> Failure {
    if let CoreError::InvalidArgument(violations) = &error {
        let status = match violations.first().and_then(|v| v.code()) {
            Some("FILE_TOO_LARGE") => StatusCode::PAYLOAD_TOO_LARGE,
            Some("FILE_TYPE_REFUSED" | "FILE_PDF_ACTIVE" | "FILE_PDF_ENCRYPTED") => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            // Well-formed, of a kind kept, and refused for what it carries.
            Some("FILE_INFECTED") => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::BAD_REQUEST,
        };
        let text = violations
            .iter()
            .map(|v| match v.indonesian() {
                Some(id) => format!("{}: {id} / {}", v.field, v.description),
                None => v.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Failure(status, text);
    }
    if let Some(id) = error.indonesian_refusal() {
        return Failure(StatusCode::CONFLICT, format!("{id} / {error}"));
    }
    if let CoreError::ResourceExhausted { message, .. } = &error {
        // The region's archive is full: storage, not the rate of requests.
        return Failure(StatusCode::INSUFFICIENT_STORAGE, message.clone());
    }
    Failure::from(error)
}

#[derive(Deserialize)]
pub(crate) struct PutQuery {
    file_name: Option<String>,
    sha256: Option<String>,
}

fn json(status: StatusCode, value: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

fn describe(agreement: Uuid, stored: &StoredFile) -> serde_json::Value {
    serde_json::json!({
        "document": format!("agreements/{agreement}/documents/{}", stored.document_id),
        "version": stored.version,
        "sha256": stored.sha256,
        "size_bytes": stored.size_bytes,
        "media_type": stored.media_type,
        "file_name": stored.file_name,
        "uploaded_by": stored.uploaded_by,
        "create_time": stored.create_time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "has_text": stored.has_text,
        "scan_status": stored.scan_status,
        "scan_signature": stored.scan_signature,
    })
}

pub(crate) async fn put_file(
    State(state): State<HttpState>,
    Path((agreement, document)): Path<(String, String)>,
    Query(query): Query<PutQuery>,
    axum::Extension(peer): axum::Extension<crate::http_port::Peer>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Failure> {
    let actor = authenticate(&state, Some(peer), &headers).await?;
    let ids = ids(&agreement, &document)?;
    let upload = Upload {
        file_name: query.file_name.unwrap_or_default(),
        expected_sha256: query.sha256.filter(|s| !s.is_empty()),
    };
    archive::check_upload(&upload).map_err(refusal)?;
    // Who may write is settled before a byte is stored.
    archive::may_upload(&state.pool, &actor, ids.0, ids.1)
        .await
        .map_err(refusal)?;
    let limit = state.archive.max_file_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(refusal(archive::too_large(limit)));
    }
    let received = receive(&state, body.into_data_stream()).await?;
    record(&state, &actor, ids, upload, received).await
}

/// The bytes of an upload received into the store's `incoming/`, bounded by
/// the size limit.
async fn receive<S, B, E>(state: &HttpState, chunks: S) -> Result<archive::Received, Failure>
where
    S: futures::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    state
        .archive
        .store
        .receive(chunks, state.archive.max_file_bytes)
        .await
        .map_err(|e| match e {
            ReceiveError::TooLarge { limit } => refusal(archive::too_large(limit)),
            ReceiveError::Broken(why) => Failure(StatusCode::BAD_REQUEST, why),
            ReceiveError::Io(e) => Failure::from(archive::store_failure(e)),
        })
}

/// Records a received upload as the document's next version: 201 with the
/// version as JSON and its hash as `ETag`.
async fn record(
    state: &HttpState,
    actor: &kerjasama_core::access::Principal,
    (agreement_id, document_id): (Uuid, Uuid),
    upload: Upload,
    received: archive::Received,
) -> Result<Response, Failure> {
    let stored = archive::upload(
        &state.pool,
        &state.archive,
        actor,
        (agreement_id, document_id),
        upload,
        received,
    )
    .await
    .map_err(refusal)?;
    let mut response = json(StatusCode::CREATED, describe(agreement_id, &stored));
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", stored.sha256)) {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

/// The longest text field a multipart upload may carry (`file_name`,
/// `sha256`), in bytes.
const FORM_TEXT_LIMIT: usize = 1024;

/// `POST …/file` as `multipart/form-data` (what an HTML form or
/// `curl -F file=@scan.pdf` sends): one part named `file` holding the file
/// (its own `filename` is the download name unless a `file_name` part says
/// otherwise), and optionally `file_name` and `sha256` parts, in any order.
/// The same rules as `PUT`.
pub(crate) async fn post_file(
    State(state): State<HttpState>,
    Path((agreement, document)): Path<(String, String)>,
    axum::Extension(peer): axum::Extension<crate::http_port::Peer>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Result<Response, Failure> {
    use axum::extract::FromRequest;
    let actor = authenticate(&state, Some(peer), &headers).await?;
    let ids = ids(&agreement, &document)?;
    let form_error =
        |why: String| Failure(StatusCode::BAD_REQUEST, format!("formulir / form: {why}"));
    let mut form = axum::extract::Multipart::from_request(request, &state)
        .await
        .map_err(|e| {
            form_error(format!(
                "bukan multipart/form-data yang sah / not valid multipart/form-data: {}",
                e.body_text()
            ))
        })?;
    archive::may_upload(&state.pool, &actor, ids.0, ids.1)
        .await
        .map_err(refusal)?;
    let mut received = None;
    let mut part_name = None;
    let mut upload = Upload::default();
    let mut given_name = None;
    while let Some(mut field) = form
        .next_field()
        .await
        .map_err(|e| form_error(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" if received.is_none() => {
                part_name = field.file_name().map(str::to_string);
                received = Some(receive(&state, &mut field).await?);
            }
            "file" => {
                return Err(form_error(
                    "hanya satu bagian `file` / only one `file` part".into(),
                ));
            }
            "file_name" | "sha256" => {
                let mut text = Vec::new();
                while let Some(chunk) =
                    field.chunk().await.map_err(|e| form_error(e.body_text()))?
                {
                    text.extend_from_slice(&chunk);
                    if text.len() > FORM_TEXT_LIMIT {
                        return Err(form_error(format!(
                            "{name}: lebih dari {FORM_TEXT_LIMIT} byte / longer than {FORM_TEXT_LIMIT} bytes"
                        )));
                    }
                }
                let text = String::from_utf8(text)
                    .map_err(|_| form_error(format!("{name}: bukan UTF-8 / not UTF-8")))?;
                if name == "file_name" {
                    given_name = Some(text);
                } else if !text.trim().is_empty() {
                    upload.expected_sha256 = Some(text.trim().to_string());
                }
            }
            other => {
                return Err(form_error(format!(
                    "bagian {other:?} tidak dikenal (yang dikenal: file, file_name, sha256) / \
                     unknown part {other:?} (known: file, file_name, sha256)"
                )));
            }
        }
    }
    let Some(received) = received else {
        return Err(form_error(
            "bagian `file` tidak ada / the `file` part is missing".into(),
        ));
    };
    upload.file_name = given_name.or(part_name).unwrap_or_default();
    archive::check_upload(&upload).map_err(refusal)?;
    record(&state, &actor, ids, upload, received).await
}

#[derive(Deserialize)]
pub(crate) struct GetQuery {
    version: Option<String>,
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` of a file of `len` bytes: the
/// inclusive range, `Err` when unsatisfiable; `None` for anything else (the
/// whole file is sent, as RFC 9110 allows).
fn range(header: &str, len: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = header.strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = (start.trim(), end.trim());
    let parsed = match (start.is_empty(), end.is_empty()) {
        (true, false) => {
            let n: u64 = end.parse().ok()?;
            if n == 0 {
                return Some(Err(()));
            }
            (len.saturating_sub(n), len.saturating_sub(1))
        }
        (false, _) => {
            let a: u64 = start.parse().ok()?;
            let b: u64 = if end.is_empty() {
                len.saturating_sub(1)
            } else {
                end.parse::<u64>().ok()?.min(len.saturating_sub(1))
            };
            (a, b)
        }
        (true, true) => return None,
    };
    if len == 0 || parsed.0 >= len || parsed.0 > parsed.1 {
        return Some(Err(()));
    }
    Some(Ok(parsed))
}

pub(crate) async fn get_file(
    State(state): State<HttpState>,
    Path((agreement, document)): Path<(String, String)>,
    Query(query): Query<GetQuery>,
    axum::Extension(peer): axum::Extension<crate::http_port::Peer>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let actor = authenticate(&state, Some(peer), &headers).await?;
    let (agreement_id, document_id) = ids(&agreement, &document)?;
    let version = query
        .version
        .map(|v| {
            v.parse::<i32>().ok().filter(|v| *v >= 1).ok_or_else(|| {
                Failure(
                    StatusCode::BAD_REQUEST,
                    format!("version: {v:?} bukan nomor versi / is not a version number"),
                )
            })
        })
        .transpose()?;
    let (stored, bytes) = archive::download(
        &state.pool,
        &state.archive.store,
        &actor,
        (agreement_id, document_id),
        version,
    )
    .await
    .map_err(refusal)?;
    let etag = format!("\"{}\"", stored.sha256);
    let mut out = HeaderMap::new();
    let put = |out: &mut HeaderMap, name: header::HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            out.insert(name, value);
        }
    };
    put(&mut out, header::ETAG, &etag);
    put(&mut out, header::CONTENT_TYPE, &stored.media_type);
    put(&mut out, header::ACCEPT_RANGES, "bytes");
    put(
        &mut out,
        header::CONTENT_DISPOSITION,
        &attachment(&stored.file_name),
    );
    put(
        &mut out,
        header::HeaderName::from_static("x-document-version"),
        &stored.version.to_string(),
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    let len = bytes.len() as u64;
    if let Some(asked) = headers.get(header::RANGE).and_then(|v| v.to_str().ok())
        && let Some(answer) = range(asked, len)
    {
        return Ok(match answer {
            Ok((a, b)) => {
                put(
                    &mut out,
                    header::CONTENT_RANGE,
                    &format!("bytes {a}-{b}/{len}"),
                );
                let part = bytes[a as usize..=b as usize].to_vec();
                (StatusCode::PARTIAL_CONTENT, out, part).into_response()
            }
            Err(()) => {
                put(&mut out, header::CONTENT_RANGE, &format!("bytes */{len}"));
                (StatusCode::RANGE_NOT_SATISFIABLE, out).into_response()
            }
        });
    }
    Ok((StatusCode::OK, out, bytes).into_response())
}

pub(crate) async fn list_files(
    State(state): State<HttpState>,
    Path((agreement, document)): Path<(String, String)>,
    axum::Extension(peer): axum::Extension<crate::http_port::Peer>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let actor = authenticate(&state, Some(peer), &headers).await?;
    let (agreement_id, document_id) = ids(&agreement, &document)?;
    let versions = archive::versions(&state.pool, &actor, agreement_id, document_id)
        .await
        .map_err(refusal)?;
    Ok(json(
        StatusCode::OK,
        serde_json::json!({
            "files": versions.iter().map(|v| describe(agreement_id, v)).collect::<Vec<_>>(),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::range;

    #[test]
    fn byte_ranges_are_read_as_rfc_9110_says() {
        assert_eq!(range("bytes=0-9", 100), Some(Ok((0, 9))));
        assert_eq!(range("bytes=90-", 100), Some(Ok((90, 99))));
        assert_eq!(range("bytes=-10", 100), Some(Ok((90, 99))));
        assert_eq!(range("bytes=50-500", 100), Some(Ok((50, 99))));
        assert_eq!(range("bytes=100-", 100), Some(Err(())));
        assert_eq!(range("bytes=9-3", 100), Some(Err(())));
        assert_eq!(range("bytes=0-1,5-6", 100), None);
        assert_eq!(range("items=0-1", 100), None);
    }
}
