//! `kerjasama.v1.StageService` and `StageTemplateService`: procedure stages
//! and their templates.

use kerjasama_core::CoreError;
use kerjasama_core::codes;
use kerjasama_core::pool::PgPool;
use kerjasama_core::stages::{
    self, Stage, StageAction, StageTemplate, TemplateKey, TemplateStageChange,
};
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::stage_service_server::StageService;
use kerjasama_proto::v1::stage_template_service_server::StageTemplateService;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::codes_bridge::Bridge;
use crate::status::on;
use crate::wire::{Violations, date_text, non_empty, timestamp};

pub struct Stages {
    pool: PgPool,
}

impl Stages {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn to_proto(stage: Stage) -> pb::Stage {
    pb::Stage {
        name: stage.name(),
        code: stage.code,
        display_name_id: stage.name_id,
        display_name_en: stage.name_en,
        position: i32::from(stage.position),
        status: stage.status.to_proto(),
        skippable: stage.skippable,
        signs_agreement: stage.signs,
        started_on: date_text(stage.started_on),
        sla_due_on: date_text(stage.sla_due_on),
        due_on: date_text(stage.due_on),
        completed_on: date_text(stage.completed_on),
        skip_reason: stage.skip_reason.unwrap_or_default(),
        backfilled: stage.backfilled,
        notes: stage.notes,
        evidence_document: stage
            .evidence_document_id
            .map(|d| d.to_string())
            .unwrap_or_default(),
        reschedules: stage
            .reschedules
            .into_iter()
            .map(|r| pb::Reschedule {
                decided_on: date_text(Some(r.decided_on)),
                previous_due_on: date_text(Some(r.previous_due_on)),
                new_due_on: date_text(Some(r.new_due_on)),
                reason: r.reason,
                actor: r.actor,
                create_time: Some(timestamp(r.create_time)),
            })
            .collect(),
        update_time: Some(timestamp(stage.update_time)),
    }
}

fn parse_stage_name(name: &str) -> Result<(uuid::Uuid, String), Status> {
    stages::parse_name(name)
        .map(|(id, code)| (id, code.to_string()))
        .ok_or_else(|| {
            on("")(CoreError::invalid(
                "name",
                "must be agreements/{id}/stages/{code}",
            ))
        })
}

impl Stages {
    async fn act<T>(
        &self,
        request: &Request<T>,
        name: &str,
        action: StageAction,
    ) -> Result<Response<pb::Stage>, Status> {
        let actor = caller(request)?;
        let (id, code) = parse_stage_name(name)?;
        let stage = stages::act(&self.pool, &actor, id, &code, action)
            .await
            .map_err(on(""))?;
        Ok(Response::new(to_proto(stage)))
    }
}

#[tonic::async_trait]
impl StageService for Stages {
    async fn list_stages(
        &self,
        request: Request<pb::ListStagesRequest>,
    ) -> Result<Response<pb::ListStagesResponse>, Status> {
        let actor = caller(&request)?;
        let id = kerjasama_core::names::parse_agreement_name(&request.get_ref().parent)
            .ok_or_else(|| on("")(CoreError::invalid("parent", "must be agreements/{id}")))?;
        let stages = stages::list(&self.pool, &actor, id).await.map_err(on(""))?;
        Ok(Response::new(pb::ListStagesResponse {
            stages: stages.into_iter().map(to_proto).collect(),
        }))
    }

    async fn get_stage(
        &self,
        request: Request<pb::GetStageRequest>,
    ) -> Result<Response<pb::Stage>, Status> {
        let actor = caller(&request)?;
        let (id, code) = parse_stage_name(&request.get_ref().name)?;
        let stage = stages::get(&self.pool, &actor, id, &code)
            .await
            .map_err(on(""))?;
        Ok(Response::new(to_proto(stage)))
    }

    async fn start_stage(
        &self,
        request: Request<pb::StartStageRequest>,
    ) -> Result<Response<pb::Stage>, Status> {
        let r = request.get_ref();
        let mut v = Violations::default();
        let on_date = v.date("started_on", &r.started_on);
        v.finish().map_err(on(""))?;
        let action = StageAction::Start {
            on: on_date,
            notes: non_empty(&r.notes),
        };
        self.act(&request, &r.name, action).await
    }

    async fn complete_stage(
        &self,
        request: Request<pb::CompleteStageRequest>,
    ) -> Result<Response<pb::Stage>, Status> {
        let r = request.get_ref();
        let mut v = Violations::default();
        let on_date = v.date("completed_on", &r.completed_on);
        let evidence = v.document_id("evidence_document", &r.evidence_document);
        v.finish().map_err(on(""))?;
        let action = StageAction::Complete {
            on: on_date,
            notes: non_empty(&r.notes),
            evidence_document_id: evidence,
        };
        self.act(&request, &r.name, action).await
    }

    async fn skip_stage(
        &self,
        request: Request<pb::SkipStageRequest>,
    ) -> Result<Response<pb::Stage>, Status> {
        let r = request.get_ref();
        let mut v = Violations::default();
        let on_date = v.date("skipped_on", &r.skipped_on);
        v.finish().map_err(on(""))?;
        let action = StageAction::Skip {
            on: on_date,
            reason: r.reason.clone(),
        };
        self.act(&request, &r.name, action).await
    }

    async fn reschedule_stage(
        &self,
        request: Request<pb::RescheduleStageRequest>,
    ) -> Result<Response<pb::Stage>, Status> {
        let r = request.get_ref();
        let mut v = Violations::default();
        let decided_on = v.date("decided_on", &r.decided_on);
        let new_due_on = v.date("new_due_on", &r.new_due_on);
        if r.new_due_on.is_empty() {
            v.add("new_due_on", "required");
        }
        v.finish().map_err(on(""))?;
        let action = StageAction::Reschedule {
            decided_on,
            new_due_on: new_due_on.unwrap_or_default(),
            reason: r.reason.clone(),
        };
        self.act(&request, &r.name, action).await
    }
}

pub struct StageTemplates {
    pool: PgPool,
}

impl StageTemplates {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn template_to_proto(template: StageTemplate) -> pb::StageTemplate {
    pb::StageTemplate {
        name: template.key.name(),
        cooperation_type: template.key.cooperation_type.to_proto(),
        document_kind: template.key.document_kind.to_proto(),
        with_parent: template.key.with_parent,
        stages: template
            .stages
            .into_iter()
            .map(|s| pb::TemplateStage {
                code: s.code,
                display_name_id: s.name_id,
                display_name_en: s.name_en,
                position: i32::from(s.position),
                target_days: s.target_days,
                skippable: s.skippable,
                signs_agreement: s.signs,
                dprd_approval: s.dprd,
            })
            .collect(),
        update_time: template.update_time.map(timestamp),
    }
}

#[tonic::async_trait]
impl StageTemplateService for StageTemplates {
    async fn list_stage_templates(
        &self,
        request: Request<pb::ListStageTemplatesRequest>,
    ) -> Result<Response<pb::ListStageTemplatesResponse>, Status> {
        caller(&request)?;
        let mut v = Violations::default();
        let only = v.code::<codes::CooperationType>(
            "cooperation_type",
            request.get_ref().cooperation_type,
            false,
        );
        v.finish().map_err(on(""))?;
        let templates = stages::list_templates(&self.pool).await.map_err(on(""))?;
        Ok(Response::new(pb::ListStageTemplatesResponse {
            stage_templates: templates
                .into_iter()
                .filter(|t| only.is_none_or(|o| t.key.cooperation_type == o))
                .map(template_to_proto)
                .collect(),
        }))
    }

    async fn update_stage_template(
        &self,
        request: Request<pb::UpdateStageTemplateRequest>,
    ) -> Result<Response<pb::StageTemplate>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let template = request
            .stage_template
            .ok_or_else(|| on("")(CoreError::invalid("stage_template", "required")))?;
        let key = TemplateKey::parse(&template.name).ok_or_else(|| {
            on("")(CoreError::invalid(
                "stage_template.name",
                "must be stageTemplates/{TYPE}.{KIND}.{WITH_PARENT|STANDALONE}",
            ))
        })?;
        let paths = request.update_mask.map(|m| m.paths).unwrap_or_default();
        let mut v = Violations::default();
        if paths.is_empty() {
            v.add(
                "update_mask",
                "required: stages.target_days and/or stages.skippable",
            );
        }
        let mut days = false;
        let mut skippable = false;
        for path in &paths {
            match path.as_str() {
                "stages.target_days" => days = true,
                "stages.skippable" => skippable = true,
                "stages" | "*" => (days, skippable) = (true, true),
                other => v.add("update_mask", format!("{other} cannot be changed")),
            }
        }
        v.finish().map_err(on(""))?;
        let changes = template
            .stages
            .into_iter()
            .map(|s| TemplateStageChange {
                code: s.code,
                target_days: days.then_some(s.target_days),
                skippable: skippable.then_some(s.skippable),
            })
            .collect();
        let updated = stages::update_template(&self.pool, &actor, key, changes)
            .await
            .map_err(on("stage_template"))?;
        Ok(Response::new(template_to_proto(updated)))
    }
}
