//! `kerjasama.v1.ImplementationReportService`: reports per cycle and the
//! cycles' status as of a date.

use kerjasama_core::CoreError;
use kerjasama_core::calendar;
use kerjasama_core::implementation_reports::{self, ImplementationReport, NewReport};
use kerjasama_core::pool::PgPool;
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::implementation_report_service_server::ImplementationReportService;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::codes_bridge::Bridge;
use crate::status::on;
use crate::wire::{Violations, date_text, timestamp};

pub struct ImplementationReports {
    pool: PgPool,
    grace_days: u32,
}

impl ImplementationReports {
    pub fn new(pool: PgPool, grace_days: u32) -> Self {
        Self { pool, grace_days }
    }
}

fn to_proto(r: ImplementationReport) -> pb::ImplementationReport {
    pb::ImplementationReport {
        name: r.name(),
        cycle_start: date_text(Some(r.cycle_start)),
        cycle_end: date_text(Some(r.cycle_end)),
        submitted_on: date_text(Some(r.submitted_on)),
        summary: r.summary,
        progress_percent: r.progress_percent.map(i32::from),
        obstacles: r.obstacles,
        follow_up: r.follow_up,
        document: r.document_id.map(|d| d.to_string()).unwrap_or_default(),
        reported_by: r.reported_by,
        create_time: Some(timestamp(r.create_time)),
    }
}

fn parent(text: &str) -> Result<uuid::Uuid, Status> {
    kerjasama_core::names::parse_agreement_name(text)
        .ok_or_else(|| on("")(CoreError::invalid("parent", "must be agreements/{id}")))
}

#[tonic::async_trait]
impl ImplementationReportService for ImplementationReports {
    async fn submit_implementation_report(
        &self,
        request: Request<pb::SubmitImplementationReportRequest>,
    ) -> Result<Response<pb::ImplementationReport>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let agreement = parent(&request.parent)?;
        let r = request
            .implementation_report
            .ok_or_else(|| on("")(CoreError::invalid("implementation_report", "required")))?;
        let mut v = Violations::default();
        let cycle_start = v.required_date("cycle_start", &r.cycle_start);
        let submitted_on = v.date("submitted_on", &r.submitted_on);
        let document_id = v.document_id("document", &r.document);
        let progress_percent = r
            .progress_percent
            .map(|p| i16::try_from(p).unwrap_or(i16::MAX));
        v.finish().map_err(on("implementation_report"))?;
        let new = NewReport {
            cycle_start: cycle_start.unwrap_or_default(),
            submitted_on,
            summary: r.summary,
            progress_percent,
            obstacles: r.obstacles,
            follow_up: r.follow_up,
            document_id,
        };
        let report = implementation_reports::submit(&self.pool, &actor, agreement, new)
            .await
            .map_err(on("implementation_report"))?;
        Ok(Response::new(to_proto(report)))
    }

    async fn list_implementation_reports(
        &self,
        request: Request<pb::ListImplementationReportsRequest>,
    ) -> Result<Response<pb::ListImplementationReportsResponse>, Status> {
        let actor = caller(&request)?;
        let agreement = parent(&request.get_ref().parent)?;
        let reports = implementation_reports::list(&self.pool, &actor, agreement)
            .await
            .map_err(on(""))?;
        Ok(Response::new(pb::ListImplementationReportsResponse {
            implementation_reports: reports.into_iter().map(to_proto).collect(),
        }))
    }

    async fn delete_implementation_report(
        &self,
        request: Request<pb::DeleteImplementationReportRequest>,
    ) -> Result<Response<pb::ImplementationReport>, Status> {
        let actor = caller(&request)?;
        let (agreement, id) = implementation_reports::parse_name(&request.get_ref().name)
            .ok_or_else(|| {
                on("")(CoreError::invalid(
                    "name",
                    "must be agreements/{id}/implementationReports/{id}",
                ))
            })?;
        let report = implementation_reports::delete(&self.pool, &actor, agreement, id)
            .await
            .map_err(on(""))?;
        Ok(Response::new(to_proto(report)))
    }

    async fn list_reporting_cycles(
        &self,
        request: Request<pb::ListReportingCyclesRequest>,
    ) -> Result<Response<pb::ListReportingCyclesResponse>, Status> {
        let actor = caller(&request)?;
        let agreement = parent(&request.get_ref().parent)?;
        let mut v = Violations::default();
        let as_of = v
            .date("as_of", &request.get_ref().as_of)
            .unwrap_or_else(calendar::today);
        v.finish().map_err(on(""))?;
        let cycles =
            implementation_reports::cycles(&self.pool, &actor, agreement, as_of, self.grace_days)
                .await
                .map_err(on(""))?;
        Ok(Response::new(pb::ListReportingCyclesResponse {
            cycles: cycles
                .into_iter()
                .map(|c| pb::ImplementationCycle {
                    start: date_text(Some(c.start)),
                    end: date_text(Some(c.end)),
                    deadline: date_text(Some(c.deadline)),
                    status: c.status.to_proto(),
                    implementation_report: c.report.map(to_proto),
                })
                .collect(),
        }))
    }
}
