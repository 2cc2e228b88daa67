//! `kerjasama.v1.ImportService`: bulk import runs (upload, validate in the
//! background, commit), their per-row report and the template workbook.

use std::pin::Pin;

use futures::Stream;
use kerjasama_core::CoreError;
use kerjasama_core::access::Principal;
use kerjasama_core::paging::{self, Cursor};
use kerjasama_core::pool::PgPool;
use kerjasama_import::runs::{self, ImportRun, ImportRunState, Upload};
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::import_service_server::ImportService;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::status::on;
use crate::wire::{IdPages, Violations, non_empty, timestamp};

const CHUNK_BYTES: usize = 64 * 1024;

type ChunkStream = Pin<Box<dyn Stream<Item = Result<pb::ImportFileChunk, Status>> + Send>>;

pub struct Imports {
    pool: PgPool,
}

impl Imports {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn state(state: ImportRunState) -> pb::ImportRunState {
    match state {
        ImportRunState::Validating => pb::ImportRunState::Validating,
        ImportRunState::Validated => pb::ImportRunState::Validated,
        ImportRunState::Invalid => pb::ImportRunState::Invalid,
        ImportRunState::Committing => pb::ImportRunState::Committing,
        ImportRunState::Succeeded => pb::ImportRunState::Succeeded,
        ImportRunState::Failed => pb::ImportRunState::Failed,
    }
}

fn to_proto(run: ImportRun) -> pb::ImportRun {
    pb::ImportRun {
        name: run.name(),
        etag: run.etag(),
        region_code: run.region_code,
        state: state(run.state) as i32,
        validate_only: run.validate_only,
        file_names: run.file_names,
        file_bytes: run.file_bytes,
        rows_total: run.rows_total,
        rows_processed: run.rows_processed,
        created: run.created,
        updated: run.updated,
        unchanged: run.unchanged,
        conflicting: run.conflicting,
        problem_count: run.problem_count,
        error: run.error.unwrap_or_default(),
        created_by: run.actor,
        committed_by: run.committed_by.unwrap_or_default(),
        create_time: Some(timestamp(run.create_time)),
        update_time: Some(timestamp(run.update_time)),
        commit_time: run.commit_time.map(timestamp),
        history_from: crate::wire::date_text(run.history_from),
        stages_assumed_done: run.assumed,
    }
}

fn run_id(field: &str, name: &str) -> Result<uuid::Uuid, Status> {
    runs::parse_name(name)
        .ok_or_else(|| on("")(CoreError::invalid(field, "must be importRuns/{id}")))
}

fn chunks(bytes: Vec<u8>) -> ChunkStream {
    let chunks: Vec<Result<pb::ImportFileChunk, Status>> = bytes
        .chunks(CHUNK_BYTES)
        .map(|chunk| {
            Ok(pb::ImportFileChunk {
                data: chunk.to_vec(),
            })
        })
        .collect();
    Box::pin(tokio_stream::iter(chunks))
}

/// Validates or commits in the background; the run records the outcome.
fn spawn(pool: PgPool, actor: Principal, id: uuid::Uuid, commit: bool) {
    tokio::spawn(async move {
        if let Err(error) = runs::execute(&pool, &actor, id, commit).await {
            tracing::warn!(%error, run = %format!("importRuns/{id}"), "import run failed to record");
        }
    });
}

#[tonic::async_trait]
impl ImportService for Imports {
    async fn create_import_run(
        &self,
        request: Request<pb::CreateImportRunRequest>,
    ) -> Result<Response<pb::ImportRun>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let request_id = match non_empty(&request.request_id) {
            None => None,
            Some(text) => Some(
                uuid::Uuid::parse_str(&text)
                    .map_err(|_| on("")(CoreError::invalid("request_id", "must be a UUID")))?,
            ),
        };
        let files = request
            .files
            .into_iter()
            .map(|f| Upload {
                name: f.file_name,
                content: f.content,
            })
            .collect();
        let mut v = Violations::default();
        let history_from = v.date("history_from", &request.history_from);
        v.finish().map_err(on(""))?;
        let (run, new) = runs::create(
            &self.pool,
            &actor,
            non_empty(&request.region_code),
            files,
            request.validate_only,
            request_id,
            history_from,
        )
        .await
        .map_err(on(""))?;
        if new {
            spawn(self.pool.clone(), actor, run.id, false);
        }
        Ok(Response::new(to_proto(run)))
    }

    async fn get_import_run(
        &self,
        request: Request<pb::GetImportRunRequest>,
    ) -> Result<Response<pb::ImportRun>, Status> {
        let actor = caller(&request)?;
        let id = run_id("name", &request.get_ref().name)?;
        let run = runs::get(&self.pool, &actor, id).await.map_err(on(""))?;
        Ok(Response::new(to_proto(run)))
    }

    async fn list_import_runs(
        &self,
        request: Request<pb::ListImportRunsRequest>,
    ) -> Result<Response<pb::ListImportRunsResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let pages = IdPages::new(
            request.page_size,
            &request.page_token,
            paging::fingerprint(&("importRuns", &actor.region_code)),
        )?;
        let mut page = runs::list(&self.pool, &actor, pages.after, pages.fetch())
            .await
            .map_err(on(""))?;
        let next_page_token = pages.finish(&mut page, |r| r.id);
        Ok(Response::new(pb::ListImportRunsResponse {
            import_runs: page.into_iter().map(to_proto).collect(),
            next_page_token,
        }))
    }

    async fn commit_import_run(
        &self,
        request: Request<pb::CommitImportRunRequest>,
    ) -> Result<Response<pb::ImportRun>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let id = run_id("name", &request.name)?;
        let run = runs::start_commit(&self.pool, &actor, id, non_empty(&request.etag).as_deref())
            .await
            .map_err(on(""))?;
        spawn(self.pool.clone(), actor, run.id, true);
        Ok(Response::new(to_proto(run)))
    }

    async fn list_import_rows(
        &self,
        request: Request<pb::ListImportRowsRequest>,
    ) -> Result<Response<pb::ListImportRowsResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let id = run_id("parent", &request.parent)?;
        let limit = match request.page_size {
            0 => 200,
            n if (1..=1000).contains(&n) => i64::from(n),
            _ => {
                return Err(on("")(CoreError::invalid(
                    "page_size",
                    "must be 0 (200) to 1000",
                )));
            }
        };
        let fingerprint = paging::fingerprint(&("importRows", id));
        let offset: i64 = match paging::decode(&request.page_token, &fingerprint).map_err(on(""))? {
            Some(cursor) => cursor.key.parse().map_err(|_| {
                on("")(CoreError::invalid(
                    "page_token",
                    "not a page token issued by this service",
                ))
            })?,
            None => 0,
        };
        let (lines, total) = runs::lines(&self.pool, &actor, id, offset, limit)
            .await
            .map_err(on(""))?;
        let next = offset + lines.len() as i64;
        Ok(Response::new(pb::ListImportRowsResponse {
            import_rows: lines
                .into_iter()
                .map(|line| pb::ImportRow {
                    sheet: line.problem.sheet,
                    row: line.problem.row.map_or(0, |r| r as i32),
                    column: line.problem.column.unwrap_or_default(),
                    value: line.problem.value,
                    outcome: match line.outcome {
                        kerjasama_import::problems::Outcome::Invalid => {
                            pb::ImportRowOutcome::Invalid
                        }
                        kerjasama_import::problems::Outcome::Conflict => {
                            pb::ImportRowOutcome::Conflict
                        }
                        kerjasama_import::problems::Outcome::Updated => {
                            pb::ImportRowOutcome::Updated
                        }
                        kerjasama_import::problems::Outcome::Unchanged => {
                            pb::ImportRowOutcome::Unchanged
                        }
                        kerjasama_import::problems::Outcome::Assumed => {
                            pb::ImportRowOutcome::Assumed
                        }
                        kerjasama_import::problems::Outcome::Filed => pb::ImportRowOutcome::Filed,
                    } as i32,
                    message_id: line.problem.message_id,
                    message_en: line.problem.message_en,
                })
                .collect(),
            next_page_token: if next < total {
                paging::encode(
                    Cursor {
                        key: next.to_string(),
                        id: String::new(),
                    },
                    &fingerprint,
                )
            } else {
                String::new()
            },
            total_size: total,
        }))
    }

    type DownloadImportReportStream = ChunkStream;

    async fn download_import_report(
        &self,
        request: Request<pb::DownloadImportReportRequest>,
    ) -> Result<Response<ChunkStream>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let id = run_id("name", &request.name)?;
        let bytes = runs::report_file(&self.pool, &actor, id, &request.format)
            .await
            .map_err(on(""))?;
        Ok(Response::new(chunks(bytes)))
    }

    type GetImportTemplateStream = ChunkStream;

    async fn get_import_template(
        &self,
        request: Request<pb::GetImportTemplateRequest>,
    ) -> Result<Response<ChunkStream>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let region = non_empty(&request.region_code).or_else(|| actor.region_code.clone());
        actor.check_admin(region.as_deref()).map_err(on(""))?;
        let bytes = runs::template_for(&self.pool, region.as_deref())
            .await
            .map_err(on(""))?;
        Ok(Response::new(chunks(bytes)))
    }
}
