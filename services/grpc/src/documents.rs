//! `kerjasama.v1.DocumentService`: document metadata on an agreement, and
//! the document's file in the archive (`kerjasama_core::archive`, the same
//! rules as the HTTP routes of `document_files`).

use std::pin::Pin;

use futures::{Stream, StreamExt};
use kerjasama_core::CoreError;
use kerjasama_core::archive::{self, ReceiveError, StoredFile, Upload};
use kerjasama_core::codes;
use kerjasama_core::documents::{self, Document, NewDocument};
use kerjasama_core::pool::PgPool;
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::document_service_server::DocumentService;
use pb::get_document_file_response::Content as Outgoing;
use pb::upload_document_file_request::Content as Incoming;
use tonic::{Request, Response, Status, Streaming};

use crate::auth::caller;
use crate::codes_bridge::Bridge;
use crate::status::on;
use crate::wire::{Violations, date_text, non_empty, timestamp};

pub struct Documents {
    pool: PgPool,
    archive: archive::Settings,
}

impl Documents {
    pub fn new(pool: PgPool, archive: archive::Settings) -> Self {
        Self { pool, archive }
    }
}

/// A file is sent to the client in chunks of this size.
const FILE_CHUNK_BYTES: usize = 1024 * 1024;

type FileStream = Pin<Box<dyn Stream<Item = Result<pb::GetDocumentFileResponse, Status>> + Send>>;

fn file_to_proto(agreement_id: uuid::Uuid, f: StoredFile) -> pb::DocumentFile {
    pb::DocumentFile {
        name: format!(
            "{}/documents/{}/files/{}",
            kerjasama_core::names::agreement_name(agreement_id),
            f.document_id,
            f.version
        ),
        version: f.version,
        sha256: f.sha256,
        size_bytes: f.size_bytes,
        media_type: f.media_type,
        file_name: f.file_name,
        uploaded_by: f.uploaded_by,
        create_time: Some(timestamp(f.create_time)),
        has_text: f.has_text,
        scan_status: match kerjasama_core::archive::ScanStatus::from_code(&f.scan_status) {
            kerjasama_core::archive::ScanStatus::NotScanned => pb::ScanStatus::NotScanned,
            kerjasama_core::archive::ScanStatus::Pending => pb::ScanStatus::Pending,
            kerjasama_core::archive::ScanStatus::Clean => pb::ScanStatus::Clean,
            kerjasama_core::archive::ScanStatus::Infected => pb::ScanStatus::Infected,
        } as i32,
        scan_signature: f.scan_signature.clone().unwrap_or_default(),
    }
}

/// An upload's refusal, its fields named as the request names them: the
/// metadata's as `metadata.…`, the file's bytes as `chunk`.
fn upload_status(error: CoreError) -> Status {
    let error = match error {
        CoreError::InvalidArgument(violations) => CoreError::InvalidArgument(
            violations
                .into_iter()
                .map(|mut v| {
                    v.field = if v.field == "file" {
                        "chunk".to_string()
                    } else {
                        format!("metadata.{}", v.field)
                    };
                    v
                })
                .collect(),
        ),
        other => other,
    };
    on("")(error)
}

/// `agreements/{a}/documents/{d}` (the newest version) or
/// `agreements/{a}/documents/{d}/files/{version}` (`1`, `2`, …, written
/// without a sign or leading zeros).
fn file_name_parts(name: &str) -> Option<(uuid::Uuid, uuid::Uuid, Option<i32>)> {
    let Some((document, version)) = name.split_once("/files/") else {
        return documents::parse_name(name).map(|(a, d)| (a, d, None));
    };
    let (a, d) = documents::parse_name(document)?;
    let canonical = !version.starts_with('0') && version.bytes().all(|b| b.is_ascii_digit());
    let version: i32 = version.parse().ok().filter(|v| canonical && *v >= 1)?;
    Some((a, d, Some(version)))
}

fn to_proto(d: Document) -> pb::Document {
    pb::Document {
        name: d.name(),
        r#type: codes::DocumentType::from_code(&d.kind)
            .map(Bridge::to_proto)
            .unwrap_or_default(),
        number: d.number,
        document_date: date_text(d.document_date),
        title: d.title,
        uri: d.uri,
        sha256: d.sha256.unwrap_or_default(),
        size_bytes: d.size_bytes,
        create_time: Some(timestamp(d.create_time)),
        delete_time: d.delete_time.map(timestamp),
    }
}

fn invalid(field: &str, description: &str) -> Status {
    on("")(CoreError::invalid(field, description))
}

fn document_name(name: &str) -> Result<(uuid::Uuid, uuid::Uuid), Status> {
    documents::parse_name(name)
        .ok_or_else(|| invalid("name", "must be agreements/{id}/documents/{id}"))
}

#[tonic::async_trait]
impl DocumentService for Documents {
    async fn create_document(
        &self,
        request: Request<pb::CreateDocumentRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let parent = kerjasama_core::names::parse_agreement_name(&request.parent)
            .ok_or_else(|| invalid("parent", "must be agreements/{id}"))?;
        let d = request
            .document
            .ok_or_else(|| invalid("document", "required"))?;
        let mut v = Violations::default();
        let kind = v.code::<codes::DocumentType>("type", d.r#type, true);
        let document_date = v.date("document_date", &d.document_date);
        v.finish().map_err(on("document"))?;
        let new = NewDocument {
            kind: kind.unwrap_or(codes::DocumentType::Other),
            number: d.number,
            document_date,
            title: d.title,
            uri: d.uri,
            sha256: non_empty(&d.sha256),
            size_bytes: d.size_bytes,
        };
        let created = documents::create(&self.pool, &actor, parent, new)
            .await
            .map_err(on("document"))?;
        Ok(Response::new(to_proto(created)))
    }

    async fn get_document(
        &self,
        request: Request<pb::GetDocumentRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        let actor = caller(&request)?;
        let (a, d) = document_name(&request.get_ref().name)?;
        let document = documents::get(&self.pool, &actor, a, d)
            .await
            .map_err(on(""))?;
        Ok(Response::new(to_proto(document)))
    }

    async fn list_documents(
        &self,
        request: Request<pb::ListDocumentsRequest>,
    ) -> Result<Response<pb::ListDocumentsResponse>, Status> {
        let actor = caller(&request)?;
        let parent = kerjasama_core::names::parse_agreement_name(&request.get_ref().parent)
            .ok_or_else(|| invalid("parent", "must be agreements/{id}"))?;
        let list = documents::list(&self.pool, &actor, parent, request.get_ref().show_deleted)
            .await
            .map_err(on(""))?;
        Ok(Response::new(pb::ListDocumentsResponse {
            documents: list.into_iter().map(to_proto).collect(),
        }))
    }

    async fn delete_document(
        &self,
        request: Request<pb::DeleteDocumentRequest>,
    ) -> Result<Response<pb::Document>, Status> {
        let actor = caller(&request)?;
        let (a, d) = document_name(&request.get_ref().name)?;
        let deleted = documents::delete(&self.pool, &actor, a, d)
            .await
            .map_err(on(""))?;
        Ok(Response::new(to_proto(deleted)))
    }

    async fn upload_document_file(
        &self,
        request: Request<Streaming<pb::UploadDocumentFileRequest>>,
    ) -> Result<Response<pb::DocumentFile>, Status> {
        let actor = caller(&request)?;
        let mut messages = request.into_inner();
        // A message tonic cannot decode (not protobuf, a string not UTF-8) is
        // the caller's mistake, not the server's.
        let first = messages.message().await.map_err(|status| {
            invalid(
                "metadata",
                &format!(
                    "the message is not a valid UploadDocumentFileRequest: {}",
                    status.message()
                ),
            )
        })?;
        let metadata = match first.and_then(|m| m.content) {
            Some(Incoming::Metadata(metadata)) => metadata,
            _ => {
                return Err(invalid(
                    "metadata",
                    "required: the first message carries the metadata, the file's bytes follow",
                ));
            }
        };
        let (agreement_id, document_id) = documents::parse_name(&metadata.parent)
            .ok_or_else(|| invalid("metadata.parent", "must be agreements/{id}/documents/{id}"))?;
        let upload = Upload {
            file_name: metadata.file_name,
            expected_sha256: non_empty(&metadata.sha256),
        };
        archive::check_upload(&upload).map_err(upload_status)?;
        // Who may write is settled before a byte is stored.
        archive::may_upload(&self.pool, &actor, agreement_id, document_id)
            .await
            .map_err(upload_status)?;
        let chunks = messages.map(|message| match message {
            Ok(pb::UploadDocumentFileRequest {
                content: Some(Incoming::Chunk(bytes)),
            }) => Ok(bytes),
            Ok(pb::UploadDocumentFileRequest { content: None }) => Ok(Vec::new()),
            Ok(pb::UploadDocumentFileRequest {
                content: Some(Incoming::Metadata(_)),
            }) => Err("metadata comes once, in the first message".to_string()),
            Err(status) => Err(status.message().to_string()),
        });
        let limit = self.archive.max_file_bytes;
        let received = self
            .archive
            .store
            .receive(chunks, limit)
            .await
            .map_err(|e| match e {
                ReceiveError::TooLarge { limit } => upload_status(archive::too_large(limit)),
                ReceiveError::Broken(why) => invalid("chunk", &why),
                ReceiveError::Io(e) => on("")(archive::store_failure(e)),
            })?;
        let stored = archive::upload(
            &self.pool,
            &self.archive,
            &actor,
            (agreement_id, document_id),
            upload,
            received,
        )
        .await
        .map_err(upload_status)?;
        Ok(Response::new(file_to_proto(agreement_id, stored)))
    }

    type GetDocumentFileStream = FileStream;

    async fn get_document_file(
        &self,
        request: Request<pb::GetDocumentFileRequest>,
    ) -> Result<Response<FileStream>, Status> {
        let actor = caller(&request)?;
        let (agreement_id, document_id, version) = file_name_parts(&request.get_ref().name)
            .ok_or_else(|| {
                invalid(
                    "name",
                    "must be agreements/{id}/documents/{id} or agreements/{id}/documents/{id}/files/{version}",
                )
            })?;
        let (stored, bytes) = archive::download(
            &self.pool,
            &self.archive.store,
            &actor,
            (agreement_id, document_id),
            version,
        )
        .await
        .map_err(on(""))?;
        let first = pb::GetDocumentFileResponse {
            content: Some(Outgoing::File(file_to_proto(agreement_id, stored))),
        };
        let chunks: Vec<Result<pb::GetDocumentFileResponse, Status>> = std::iter::once(first)
            .chain(
                bytes
                    .chunks(FILE_CHUNK_BYTES)
                    .map(|chunk| pb::GetDocumentFileResponse {
                        content: Some(Outgoing::Chunk(chunk.to_vec())),
                    }),
            )
            .map(Ok)
            .collect();
        Ok(Response::new(Box::pin(tokio_stream::iter(chunks))))
    }

    async fn list_document_files(
        &self,
        request: Request<pb::ListDocumentFilesRequest>,
    ) -> Result<Response<pb::ListDocumentFilesResponse>, Status> {
        let actor = caller(&request)?;
        let (agreement_id, document_id) = documents::parse_name(&request.get_ref().parent)
            .ok_or_else(|| invalid("parent", "must be agreements/{id}/documents/{id}"))?;
        let versions = archive::versions(&self.pool, &actor, agreement_id, document_id)
            .await
            .map_err(on(""))?;
        Ok(Response::new(pb::ListDocumentFilesResponse {
            files: versions
                .into_iter()
                .map(|f| file_to_proto(agreement_id, f))
                .collect(),
        }))
    }
}
