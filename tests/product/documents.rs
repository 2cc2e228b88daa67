//! DocumentService: document metadata, and documents cited as evidence.

use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use tonic::Code;

use crate::fixtures::{create, create_unit, ksdd_ksb};

fn signed_ksb_document() -> pb::Document {
    pb::Document {
        r#type: pb::DocumentType::Ksb as i32,
        number: "415.4/12-HUK/2024".into(),
        document_date: "2024-06-12".into(),
        title: "Kesepakatan Bersama yang ditandatangani".into(),
        uri: "https://arsip.bantenprov.go.id/ks/2024/12.pdf".into(),
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        size_bytes: Some(482_113),
        ..Default::default()
    }
}

async fn add(
    server: &TestServer,
    agreement: &str,
    d: pb::Document,
) -> Result<pb::Document, tonic::Status> {
    server
        .documents()
        .create_document(authed(
            &server.admin,
            pb::CreateDocumentRequest {
                parent: agreement.into(),
                document: Some(d),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

#[tokio::test]
async fn documents_are_recorded_listed_and_deleted() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let agreement = create(&server, ksdd_ksb("DLHK", "Berdokumen")).await;
    let document = add(&server, &agreement.name, signed_ksb_document())
        .await
        .unwrap();
    assert!(
        document
            .name
            .starts_with(&format!("{}/documents/", agreement.name))
    );
    assert_eq!(document.r#type, pb::DocumentType::Ksb as i32);
    assert_eq!(document.size_bytes, Some(482_113));
    let read = server
        .documents()
        .get_document(authed(
            &server.admin,
            pb::GetDocumentRequest {
                name: document.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read, document);
    server
        .documents()
        .delete_document(authed(
            &server.admin,
            pb::DeleteDocumentRequest {
                name: document.name.clone(),
            },
        ))
        .await
        .unwrap();
    let listed = server
        .documents()
        .list_documents(authed(
            &server.admin,
            pb::ListDocumentsRequest {
                parent: agreement.name.clone(),
                show_deleted: false,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .documents;
    assert!(listed.is_empty());
}

#[tokio::test]
async fn invalid_documents_name_the_field() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let agreement = create(&server, ksdd_ksb("DLHK", "Berdokumen")).await;
    for (d, field) in [
        (
            pb::Document {
                r#type: 0,
                ..signed_ksb_document()
            },
            "document.type",
        ),
        (
            pb::Document {
                title: "".into(),
                ..signed_ksb_document()
            },
            "document.title",
        ),
        (
            pb::Document {
                uri: "arsip/ks 12.pdf".into(),
                ..signed_ksb_document()
            },
            "document.uri",
        ),
        (
            pb::Document {
                sha256: "ABC".into(),
                ..signed_ksb_document()
            },
            "document.sha256",
        ),
        (
            pb::Document {
                size_bytes: Some(-1),
                ..signed_ksb_document()
            },
            "document.size_bytes",
        ),
        (
            pb::Document {
                document_date: "2999-01-01".into(),
                ..signed_ksb_document()
            },
            "document.document_date",
        ),
    ] {
        let status = add(&server, &agreement.name, d).await.unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
    // No link at all is fine: the file is then kept in the register's own
    // archive (docs/archive.md).
    let kept_here = add(
        &server,
        &agreement.name,
        pb::Document {
            uri: "".into(),
            ..signed_ksb_document()
        },
    )
    .await
    .unwrap();
    assert_eq!(kept_here.uri, "");
}

#[tokio::test]
async fn evidence_must_be_a_document_of_the_same_agreement() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let agreement = create(&server, ksdd_ksb("DLHK", "Dengan bukti")).await;
    let other = create(&server, ksdd_ksb("DLHK", "Lain")).await;
    let foreign_doc = add(&server, &other.name, signed_ksb_document())
        .await
        .unwrap();
    let own_doc = add(&server, &agreement.name, signed_ksb_document())
        .await
        .unwrap();
    let complete = |evidence: &str| {
        authed(
            &server.admin,
            pb::CompleteStageRequest {
                name: format!("{}/stages/PENATAUSAHAAN", agreement.name),
                completed_on: "2024-06-20".into(),
                notes: "Diarsipkan".into(),
                evidence_document: evidence.into(),
            },
        )
    };
    let status = server
        .stages()
        .complete_stage(complete(&foreign_doc.name))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("evidence_document"));
    let done = server
        .stages()
        .complete_stage(complete(&own_doc.name))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        done.evidence_document,
        own_doc.name.rsplit('/').next().unwrap()
    );
    assert_eq!(done.notes, "Diarsipkan");
}
