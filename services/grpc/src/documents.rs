//! `kerjasama.v1.DocumentService`: document metadata on an agreement.

use kerjasama_core::CoreError;
use kerjasama_core::codes;
use kerjasama_core::documents::{self, Document, NewDocument};
use kerjasama_core::pool::PgPool;
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::document_service_server::DocumentService;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::codes_bridge::Bridge;
use crate::status::on;
use crate::wire::{Violations, date_text, non_empty, timestamp};

pub struct Documents {
    pool: PgPool,
}

impl Documents {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
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
        if d.uri.is_empty() {
            v.add("uri", "required: where the file lives");
        }
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
}
