//! `kerjasama.v1.ReportService`: runs the reporting pipeline on request and
//! streams the files of a run.

use std::path::PathBuf;
use std::pin::Pin;

use futures::Stream;
use kerjasama_core::CoreError;
use kerjasama_core::pool::PgPool;
use kerjasama_jobs::csv_dialect::CsvDialect;
use kerjasama_jobs::run_record::{Destination, ReportParams, ReportRun, RunState};
use kerjasama_jobs::{queue, runs};
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::report_service_server::ReportService;
use tokio::io::AsyncReadExt;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::status::on;
use crate::wire::{Violations, date_text, timestamp};

/// Files are streamed in chunks of this size.
const CHUNK_BYTES: usize = 64 * 1024;

pub struct Reports {
    pool: PgPool,
    reports_dir: PathBuf,
    report_grace_days: u32,
}

impl Reports {
    pub fn new(pool: PgPool, reports_dir: PathBuf, report_grace_days: u32) -> Self {
        Self {
            pool,
            reports_dir,
            report_grace_days,
        }
    }
}

fn to_proto(run: ReportRun) -> pb::ReportRun {
    pb::ReportRun {
        name: run.name(),
        as_of: date_text(Some(run.as_of)),
        period_start: date_text(Some(run.period_start)),
        period_end: date_text(Some(run.period_end)),
        files: run.files,
        create_time: Some(timestamp(run.create_time)),
        state: pb::ReportRunState::from_str_name(&format!("REPORT_RUN_STATE_{}", run.state))
            .map(|s| s as i32)
            .unwrap_or_default(),
        error: run.error.unwrap_or_default(),
        start_time: run.start_time.map(timestamp),
        finish_time: run.finish_time.map(timestamp),
        requested_by: run.requested_by,
        region_code: run.region_code.unwrap_or_default(),
        report_grace_days: run.report_grace_days,
        software_version: run.software_version,
        schedule: run
            .schedule_id
            .map(|s| format!("reportSchedules/{s}"))
            .unwrap_or_default(),
        scheduled_for: run.scheduled_for.map(timestamp),
        attempts: run.attempts,
        max_attempts: run.max_attempts,
        public_register: run.public_register,
    }
}

fn parse_run_name(field: &str, name: &str) -> Result<uuid::Uuid, CoreError> {
    name.strip_prefix("reportRuns/")
        .and_then(kerjasama_core::names::parse_id)
        .ok_or_else(|| CoreError::invalid(field, "must be reportRuns/{id}"))
}

/// Reads until `buffer` is full or the file ends, so every chunk but the last is full.
async fn fill(file: &mut tokio::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]).await? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<pb::FileChunk, Status>> + Send>>;

#[tonic::async_trait]
impl ReportService for Reports {
    async fn run_report(
        &self,
        request: Request<pb::RunReportRequest>,
    ) -> Result<Response<pb::ReportRun>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut v = Violations::default();
        let as_of = v.date("as_of", &request.as_of);
        let start = v.date("period_start", &request.period_start);
        let end = v.date("period_end", &request.period_end);
        v.finish().map_err(on(""))?;
        let params = ReportParams {
            report_grace_days: self.report_grace_days,
            public_register: request.public_register,
            ..ReportParams::new(as_of, (start, end), None).map_err(on(""))?
        };
        // An identical request still unfinished returns the run already queued.
        let (run, _queued_now) = queue::queue(
            &self.pool,
            &actor,
            params,
            Destination::UnderRoot(self.reports_dir.clone()),
        )
        .await
        .map_err(|e| on("")(e.into()))?;
        Ok(Response::new(to_proto(run)))
    }

    async fn get_report_run(
        &self,
        request: Request<pb::GetReportRunRequest>,
    ) -> Result<Response<pb::ReportRun>, Status> {
        let actor = caller(&request)?;
        let id = parse_run_name("name", &request.get_ref().name).map_err(on(""))?;
        let run = runs::get(&self.pool, &actor, id).await.map_err(on(""))?;
        Ok(Response::new(to_proto(run)))
    }

    async fn list_report_runs(
        &self,
        request: Request<pb::ListReportRunsRequest>,
    ) -> Result<Response<pb::ListReportRunsResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut v = Violations::default();
        let state = match request.state {
            0 => None,
            n => match pb::ReportRunState::try_from(n) {
                Ok(state) => state
                    .as_str_name()
                    .strip_prefix("REPORT_RUN_STATE_")
                    .and_then(RunState::from_code),
                Err(_) => {
                    v.add("state", format!("{n} is not a known value"));
                    None
                }
            },
        };
        let schedule_id = match request.schedule.as_str() {
            "" => None,
            name => {
                let id = kerjasama_jobs::schedules::parse_name(name);
                if id.is_none() {
                    v.add("schedule", "must be reportSchedules/{id}");
                }
                id
            }
        };
        let filter = runs::RunFilter {
            schedule_id,
            state,
            as_of_from: v.date("as_of_from", &request.as_of_from),
            as_of_until: v.date("as_of_until", &request.as_of_until),
        };
        v.finish().map_err(on(""))?;
        let page = runs::list(
            &self.pool,
            &actor,
            filter,
            request.page_size,
            &request.page_token,
        )
        .await
        .map_err(on(""))?;
        Ok(Response::new(pb::ListReportRunsResponse {
            report_runs: page.items.into_iter().map(to_proto).collect(),
            next_page_token: page.next_page_token,
        }))
    }

    async fn get_metric_rows(
        &self,
        request: Request<pb::GetMetricRowsRequest>,
    ) -> Result<Response<pb::GetMetricRowsResponse>, Status> {
        use kerjasama_jobs::rows::{self, ColumnType, Value, page};
        let actor = caller(&request)?;
        let request = request.into_inner();
        let id = parse_run_name("run", &request.run).map_err(on(""))?;
        if request.table.is_empty() {
            return Err(on("")(CoreError::invalid(
                "table",
                "required: a table of the run, e.g. overdue_stages",
            )));
        }
        let limit = match request.page_size {
            n if n < 0 => Err(CoreError::invalid("page_size", "must not be negative")),
            0 => Ok(500),
            n => Ok((n as usize).min(1000)),
        }
        .map_err(on(""))?;
        let fingerprint = page::fingerprint(&request.run, &request.table);
        let offset = page::offset(&request.page_token, &fingerprint).map_err(on(""))?;
        let run = runs::get(&self.pool, &actor, id).await.map_err(on(""))?;
        if run.state != RunState::Succeeded {
            return Err(on("")(CoreError::FailedPrecondition(format!(
                "{} is {}; only a succeeded run has rows",
                run.name(),
                run.state
            ))));
        }
        let dir = std::path::PathBuf::from(&run.output_dir);
        let table = request.table.clone();
        let rows::Rows {
            columns,
            rows,
            total,
        } = tokio::task::spawn_blocking(move || rows::read(&dir, &table, offset, limit))
            .await
            .map_err(|e| on("")(CoreError::Internal(format!("rows task: {e}"))))?
            .map_err(|e| on("")(e.into()))?;
        let next = offset.saturating_add(rows.len());
        let cell = |value: Option<Value>| pb::MetricValue {
            value: value.map(|v| match v {
                Value::Text(t) => pb::metric_value::Value::Text(t),
                Value::Integer(n) => pb::metric_value::Value::Integer(n),
                Value::Decimal(d) => pb::metric_value::Value::Decimal(d),
                Value::Date(d) => pb::metric_value::Value::Date(d),
                Value::Boolean(b) => pb::metric_value::Value::Boolean(b),
                Value::Number(n) => pb::metric_value::Value::Number(n),
            }),
        };
        Ok(Response::new(pb::GetMetricRowsResponse {
            columns: columns
                .into_iter()
                .map(|c| pb::MetricColumn {
                    name: c.name,
                    r#type: match c.column_type {
                        ColumnType::Text => pb::MetricType::Text,
                        ColumnType::Integer => pb::MetricType::Integer,
                        ColumnType::Decimal => pb::MetricType::Decimal,
                        ColumnType::Date => pb::MetricType::Date,
                        ColumnType::Boolean => pb::MetricType::Boolean,
                        ColumnType::Number => pb::MetricType::Number,
                    } as i32,
                })
                .collect(),
            rows: rows
                .into_iter()
                .map(|row| pb::MetricRow {
                    values: row.into_iter().map(cell).collect(),
                })
                .collect(),
            next_page_token: if next < total {
                page::token(next, &fingerprint)
            } else {
                String::new()
            },
            total_rows: total as i64,
        }))
    }

    type DownloadReportFileStream = ChunkStream;

    async fn download_report_file(
        &self,
        request: Request<pb::DownloadReportFileRequest>,
    ) -> Result<Response<ChunkStream>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let id = parse_run_name("run", &request.run).map_err(on(""))?;
        if request.file.is_empty() {
            return Err(on("")(CoreError::invalid(
                "file",
                "required: one of the run's files",
            )));
        }
        let dialect = CsvDialect::parse(&request.dialect).ok_or_else(|| {
            on("")(CoreError::invalid(
                "dialect",
                format!("must be {}", CsvDialect::CHOICES),
            ))
        })?;
        let run = runs::get(&self.pool, &actor, id).await.map_err(on(""))?;
        if dialect != CsvDialect::Rfc4180 {
            // Rewritten in memory (a table's CSV), then sent in chunks.
            let bytes = runs::read_file(&run, &request.file, dialect)
                .await
                .map_err(on(""))?;
            let chunks: Vec<Result<pb::FileChunk, Status>> = bytes
                .chunks(CHUNK_BYTES)
                .map(|chunk| {
                    Ok(pb::FileChunk {
                        data: chunk.to_vec(),
                    })
                })
                .collect();
            return Ok(Response::new(Box::pin(tokio_stream::iter(chunks))));
        }
        let path = runs::file_path(&run, &request.file).map_err(on(""))?;
        let mut file = tokio::fs::File::open(&path)
            .await
            .map_err(|e| on("")(CoreError::Internal(format!("{}: {e}", path.display()))))?;
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            let mut buffer = vec![0u8; CHUNK_BYTES];
            loop {
                let message = match fill(&mut file, &mut buffer).await {
                    Ok(0) => break,
                    Ok(n) => Ok(pb::FileChunk {
                        data: buffer[..n].to_vec(),
                    }),
                    Err(e) => Err(on("")(CoreError::Internal(format!(
                        "{}: {e}",
                        path.display()
                    )))),
                };
                let failed = message.is_err();
                if sender.send(message).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(receiver),
        )))
    }
}
