//! `kerjasama.v1.EvaluationMeetingService`: meetings, findings and the status
//! of their recommendations.

use kerjasama_core::CoreError;
use kerjasama_core::codes;
use kerjasama_core::meetings::{
    self, Finding, Meeting, NewFinding, NewMeeting, NewRecommendation, Recommendation,
};
use kerjasama_core::pool::PgPool;
use kerjasama_core::units;
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::evaluation_meeting_service_server::EvaluationMeetingService;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::codes_bridge::Bridge;
use crate::status::on;
use crate::wire::{Violations, date_text, non_empty, timestamp};

pub struct Meetings {
    pool: PgPool,
}

impl Meetings {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn recommendation_to_proto(r: Recommendation) -> pb::Recommendation {
    pb::Recommendation {
        name: r.name(),
        etag: r.etag(),
        description: r.description,
        responsible_unit: format!("units/{}", r.responsible_unit),
        due_on: date_text(Some(r.due_on)),
        status: r.status.to_proto(),
        history: r
            .history
            .into_iter()
            .map(|c| pb::RecommendationStatusChange {
                status: codes::RecommendationStatus::from_code(&c.status)
                    .map(Bridge::to_proto)
                    .unwrap_or_default(),
                changed_on: date_text(Some(c.changed_on)),
                reason: c.reason.unwrap_or_default(),
                actor: c.actor,
                create_time: Some(timestamp(c.create_time)),
            })
            .collect(),
    }
}

fn finding_to_proto(f: Finding) -> pb::Finding {
    pb::Finding {
        name: f.name(),
        agreement: f
            .agreement_id
            .map(kerjasama_core::names::agreement_name)
            .unwrap_or_default(),
        description: f.description,
        recommendations: f
            .recommendations
            .into_iter()
            .map(recommendation_to_proto)
            .collect(),
    }
}

fn meeting_to_proto(m: Meeting) -> pb::EvaluationMeeting {
    pb::EvaluationMeeting {
        name: m.name(),
        region_code: m.region_code,
        held_on: date_text(Some(m.held_on)),
        period_start: date_text(Some(m.period_start)),
        period_end: date_text(Some(m.period_end)),
        title: m.title,
        participant_units: m
            .participant_units
            .into_iter()
            .map(|u| format!("units/{u}"))
            .collect(),
        notes: m.notes,
        findings: m.findings.into_iter().map(finding_to_proto).collect(),
        create_time: Some(timestamp(m.create_time)),
    }
}

fn unit_code(v: &mut Violations, field: &str, text: &str) -> String {
    match units::parse_name(text) {
        Some(code) => code.to_string(),
        None => {
            v.add(field, "must be units/{code}");
            String::new()
        }
    }
}

fn new_finding(v: &mut Violations, at: &str, f: pb::Finding) -> NewFinding {
    // A name is taken as written: " agreements/{id}" is not one.
    let agreement_id = if f.agreement.is_empty() {
        None
    } else {
        let id = kerjasama_core::names::parse_agreement_name(&f.agreement);
        if id.is_none() {
            v.add(format!("{at}agreement"), "must be agreements/{id}");
        }
        id
    };
    let recommendations = f
        .recommendations
        .into_iter()
        .enumerate()
        .map(|(j, r)| {
            let at = format!("{at}recommendations[{j}].");
            NewRecommendation {
                responsible_unit: unit_code(
                    v,
                    &format!("{at}responsible_unit"),
                    &r.responsible_unit,
                ),
                due_on: v.date(&format!("{at}due_on"), &r.due_on),
                description: r.description,
            }
        })
        .collect();
    NewFinding {
        agreement_id,
        description: f.description,
        recommendations,
    }
}

fn invalid(field: &str, description: &str) -> Status {
    on("")(CoreError::invalid(field, description))
}

#[tonic::async_trait]
impl EvaluationMeetingService for Meetings {
    async fn create_evaluation_meeting(
        &self,
        request: Request<pb::CreateEvaluationMeetingRequest>,
    ) -> Result<Response<pb::EvaluationMeeting>, Status> {
        let actor = caller(&request)?;
        let m = request
            .into_inner()
            .evaluation_meeting
            .ok_or_else(|| invalid("evaluation_meeting", "required"))?;
        let mut v = Violations::default();
        let new = NewMeeting {
            region_code: non_empty(&m.region_code)
                .or_else(|| actor.region_code.clone())
                .unwrap_or_default(),
            held_on: v.date("held_on", &m.held_on),
            period_start: v.date("period_start", &m.period_start),
            period_end: v.date("period_end", &m.period_end),
            title: m.title,
            participant_units: m
                .participant_units
                .iter()
                .enumerate()
                .map(|(i, u)| unit_code(&mut v, &format!("participant_units[{i}]"), u))
                .collect(),
            notes: m.notes,
            findings: m
                .findings
                .into_iter()
                .enumerate()
                .map(|(i, f)| new_finding(&mut v, &format!("findings[{i}]."), f))
                .collect(),
        };
        v.finish().map_err(on("evaluation_meeting"))?;
        let created = meetings::create(&self.pool, &actor, new)
            .await
            .map_err(on("evaluation_meeting"))?;
        Ok(Response::new(meeting_to_proto(created)))
    }

    async fn get_evaluation_meeting(
        &self,
        request: Request<pb::GetEvaluationMeetingRequest>,
    ) -> Result<Response<pb::EvaluationMeeting>, Status> {
        let actor = caller(&request)?;
        let id = meetings::parse_name(&request.get_ref().name)
            .ok_or_else(|| invalid("name", "must be evaluationMeetings/{id}"))?;
        let meeting = meetings::get(&self.pool, &actor, id)
            .await
            .map_err(on(""))?;
        Ok(Response::new(meeting_to_proto(meeting)))
    }

    async fn list_evaluation_meetings(
        &self,
        request: Request<pb::ListEvaluationMeetingsRequest>,
    ) -> Result<Response<pb::ListEvaluationMeetingsResponse>, Status> {
        let actor = caller(&request)?;
        let region = non_empty(&request.get_ref().region_code);
        let list = meetings::list(&self.pool, &actor, region)
            .await
            .map_err(on(""))?;
        Ok(Response::new(pb::ListEvaluationMeetingsResponse {
            evaluation_meetings: list.into_iter().map(meeting_to_proto).collect(),
        }))
    }

    async fn create_finding(
        &self,
        request: Request<pb::CreateFindingRequest>,
    ) -> Result<Response<pb::Finding>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let meeting = meetings::parse_name(&request.parent)
            .ok_or_else(|| invalid("parent", "must be evaluationMeetings/{id}"))?;
        let f = request
            .finding
            .ok_or_else(|| invalid("finding", "required"))?;
        let mut v = Violations::default();
        let finding = new_finding(&mut v, "finding.", f);
        v.finish().map_err(on(""))?;
        let added = meetings::add_finding(&self.pool, &actor, meeting, finding)
            .await
            .map_err(on(""))?;
        Ok(Response::new(finding_to_proto(added)))
    }

    async fn update_recommendation_status(
        &self,
        request: Request<pb::UpdateRecommendationStatusRequest>,
    ) -> Result<Response<pb::Recommendation>, Status> {
        let actor = caller(&request)?;
        let r = request.into_inner();
        let ids = meetings::parse_recommendation_name(&r.name).ok_or_else(|| {
            invalid(
                "name",
                "must be evaluationMeetings/{id}/recommendations/{id}",
            )
        })?;
        let mut v = Violations::default();
        let status = v.code::<codes::RecommendationStatus>("status", r.status, true);
        let on_date = v.date("changed_on", &r.changed_on);
        v.finish().map_err(on(""))?;
        let updated = meetings::set_recommendation_status(
            &self.pool,
            &actor,
            ids,
            status.unwrap_or(codes::RecommendationStatus::Open),
            on_date,
            non_empty(&r.reason),
        )
        .await
        .map_err(on(""))?;
        Ok(Response::new(recommendation_to_proto(updated)))
    }
}
