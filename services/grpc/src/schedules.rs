//! `kerjasama.v1.ReportScheduleService`: report schedules.

use kerjasama_core::CoreError;
use kerjasama_core::pool::PgPool;
use kerjasama_jobs::schedules::{self, Schedule, ScheduleFields};
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::report_schedule_service_server::ReportScheduleService;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::status::on;
use crate::wire::{FieldMask, Violations, non_empty, timestamp};

const RESOURCE: &str = "report_schedule";

pub struct Schedules {
    pool: PgPool,
}

impl Schedules {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn to_proto(s: Schedule) -> pb::ReportSchedule {
    pb::ReportSchedule {
        name: s.name(),
        etag: s.etag(),
        region_code: s.region_code.unwrap_or_default(),
        display_name: s.display_name,
        cron: s.cron,
        time_zone: s.time_zone,
        period_rule: s.period_rule,
        tables: s.tables,
        keep_runs: s.keep_runs,
        report_grace_days: Some(s.report_grace_days),
        enabled: Some(s.enabled),
        create_time: Some(timestamp(s.create_time)),
        update_time: Some(timestamp(s.update_time)),
        delete_time: s.delete_time.map(timestamp),
    }
}

fn schedule_id(field: &str, name: &str) -> Result<uuid::Uuid, Status> {
    schedules::parse_name(name)
        .ok_or_else(|| on("")(CoreError::invalid(field, "must be reportSchedules/{id}")))
}

#[tonic::async_trait]
impl ReportScheduleService for Schedules {
    async fn create_report_schedule(
        &self,
        request: Request<pb::CreateReportScheduleRequest>,
    ) -> Result<Response<pb::ReportSchedule>, Status> {
        let actor = caller(&request)?;
        let s = request
            .into_inner()
            .report_schedule
            .ok_or_else(|| on("")(CoreError::invalid("report_schedule", "required")))?;
        let fields = ScheduleFields {
            region_code: non_empty(&s.region_code),
            display_name: s.display_name,
            cron: s.cron,
            time_zone: non_empty(&s.time_zone).unwrap_or_else(|| "Asia/Jakarta".into()),
            period_rule: non_empty(&s.period_rule).unwrap_or_else(|| "CURRENT_QUARTER".into()),
            tables: s.tables,
            keep_runs: if s.keep_runs == 0 { 12 } else { s.keep_runs },
            report_grace_days: s.report_grace_days.unwrap_or(30),
            enabled: s.enabled.unwrap_or(true),
        };
        let created = schedules::create(&self.pool, &actor, fields)
            .await
            .map_err(on(RESOURCE))?;
        Ok(Response::new(to_proto(created)))
    }

    async fn get_report_schedule(
        &self,
        request: Request<pb::GetReportScheduleRequest>,
    ) -> Result<Response<pb::ReportSchedule>, Status> {
        let actor = caller(&request)?;
        let id = schedule_id("name", &request.get_ref().name)?;
        let schedule = schedules::get(&self.pool, &actor, id)
            .await
            .map_err(on(""))?;
        Ok(Response::new(to_proto(schedule)))
    }

    async fn list_report_schedules(
        &self,
        request: Request<pb::ListReportSchedulesRequest>,
    ) -> Result<Response<pb::ListReportSchedulesResponse>, Status> {
        let actor = caller(&request)?;
        let list = schedules::list(&self.pool, &actor).await.map_err(on(""))?;
        Ok(Response::new(pb::ListReportSchedulesResponse {
            report_schedules: list.into_iter().map(to_proto).collect(),
        }))
    }

    async fn update_report_schedule(
        &self,
        request: Request<pb::UpdateReportScheduleRequest>,
    ) -> Result<Response<pb::ReportSchedule>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let s = request
            .report_schedule
            .ok_or_else(|| on("")(CoreError::invalid("report_schedule", "required")))?;
        let id = schedule_id("report_schedule.name", &s.name)?;
        let mut v = Violations::default();
        let mask = FieldMask::checked(
            request.update_mask,
            "ReportSchedule",
            &[
                "display_name",
                "cron",
                "time_zone",
                "period_rule",
                "tables",
                "keep_runs",
                "report_grace_days",
                "enabled",
            ],
            &mut v,
        );
        v.finish().map_err(on(RESOURCE))?;
        let etag = non_empty(&s.etag);
        let updated = schedules::update(
            &self.pool,
            &actor,
            id,
            |before| ScheduleFields {
                region_code: before.region_code.clone(),
                display_name: mask.pick(
                    "display_name",
                    s.display_name.clone(),
                    before.display_name.clone(),
                ),
                cron: mask.pick("cron", s.cron.clone(), before.cron.clone()),
                time_zone: mask.pick("time_zone", s.time_zone.clone(), before.time_zone.clone()),
                period_rule: mask.pick(
                    "period_rule",
                    s.period_rule.clone(),
                    before.period_rule.clone(),
                ),
                tables: mask.pick("tables", s.tables.clone(), before.tables.clone()),
                keep_runs: mask.pick("keep_runs", s.keep_runs, before.keep_runs),
                report_grace_days: mask.pick(
                    "report_grace_days",
                    s.report_grace_days.unwrap_or(30),
                    before.report_grace_days,
                ),
                enabled: mask.pick("enabled", s.enabled.unwrap_or(true), before.enabled),
            },
            etag.as_deref(),
        )
        .await
        .map_err(on(RESOURCE))?;
        Ok(Response::new(to_proto(updated)))
    }

    async fn delete_report_schedule(
        &self,
        request: Request<pb::DeleteReportScheduleRequest>,
    ) -> Result<Response<pb::ReportSchedule>, Status> {
        let actor = caller(&request)?;
        let id = schedule_id("name", &request.get_ref().name)?;
        let deleted = schedules::delete(&self.pool, &actor, id)
            .await
            .map_err(on(""))?;
        Ok(Response::new(to_proto(deleted)))
    }
}
