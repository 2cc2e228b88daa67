//! `kerjasama.v1.BenefitService`: indicators and their realisations.

use kerjasama_core::CoreError;
use kerjasama_core::benefits::{
    self, Indicator, IndicatorChange, IndicatorFields, Realisation, RealisationChange,
    RealisationFields,
};
use kerjasama_core::codes;
use kerjasama_core::decimal;
use kerjasama_core::pool::PgPool;
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::benefit_service_server::BenefitService;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::codes_bridge::Bridge;
use crate::status::on;
use crate::wire::{Violations, date_text, non_empty, timestamp};

pub struct Benefits {
    pool: PgPool,
}

impl Benefits {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn indicator_to_proto(i: Indicator) -> pb::Indicator {
    pb::Indicator {
        name: i.name(),
        etag: i.etag(),
        title: i.fields.title,
        category: i.fields.category.to_proto(),
        unit_of_measure: i.fields.unit_of_measure,
        beneficiary: i.fields.beneficiary.to_proto(),
        baseline: i
            .fields
            .baseline
            .as_ref()
            .map(decimal::format)
            .unwrap_or_default(),
        target_value: i
            .fields
            .target_value
            .as_ref()
            .map(decimal::format)
            .unwrap_or_default(),
        target_date: date_text(i.fields.target_date),
        higher_is_better: Some(i.fields.higher_is_better),
        create_time: Some(timestamp(i.create_time)),
        update_time: Some(timestamp(i.update_time)),
        delete_time: i.delete_time.map(timestamp),
    }
}

fn realisation_to_proto(r: Realisation) -> pb::Realisation {
    pb::Realisation {
        name: r.name(),
        etag: r.etag(),
        period_start: date_text(Some(r.fields.period_start)),
        period_end: date_text(Some(r.fields.period_end)),
        value: decimal::format(&r.fields.value),
        note: r.fields.note,
        evidence_document: r
            .fields
            .evidence_document_id
            .map(|d| d.to_string())
            .unwrap_or_default(),
        reported_by: r.reported_by,
        create_time: Some(timestamp(r.create_time)),
        update_time: Some(timestamp(r.update_time)),
        delete_time: r.delete_time.map(timestamp),
    }
}

fn invalid(field: &str, description: &str) -> Status {
    on("")(CoreError::invalid(field, description))
}

fn agreement_id(parent: &str) -> Result<uuid::Uuid, Status> {
    kerjasama_core::names::parse_agreement_name(parent)
        .ok_or_else(|| invalid("parent", "must be agreements/{id}"))
}

fn indicator_id(field: &str, name: &str) -> Result<(uuid::Uuid, uuid::Uuid), Status> {
    benefits::parse_indicator_name(name)
        .ok_or_else(|| invalid(field, "must be agreements/{id}/indicators/{id}"))
}

fn realisation_id(name: &str) -> Result<(uuid::Uuid, uuid::Uuid, uuid::Uuid), Status> {
    benefits::parse_realisation_name(name).ok_or_else(|| {
        invalid(
            "name",
            "must be agreements/{id}/indicators/{id}/realisations/{id}",
        )
    })
}

fn required_mask(mask: Option<prost_types::FieldMask>, v: &mut Violations) -> Vec<String> {
    let paths = mask.map(|m| m.paths).unwrap_or_default();
    if paths.is_empty() {
        v.add("update_mask", "required: the fields to replace");
    }
    paths
}

#[tonic::async_trait]
impl BenefitService for Benefits {
    async fn create_indicator(
        &self,
        request: Request<pb::CreateIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let parent = agreement_id(&request.parent)?;
        let i = request
            .indicator
            .ok_or_else(|| invalid("indicator", "required"))?;
        let mut v = Violations::default();
        let category = v.code::<codes::IndicatorCategory>("category", i.category, true);
        let beneficiary = v.code::<codes::Beneficiary>("beneficiary", i.beneficiary, true);
        let fields = IndicatorFields {
            title: i.title,
            category: category.unwrap_or(codes::IndicatorCategory::Other),
            unit_of_measure: i.unit_of_measure.trim().to_string(),
            beneficiary: beneficiary.unwrap_or(codes::Beneficiary::Region),
            baseline: v.decimal("baseline", &i.baseline),
            target_value: v.decimal("target_value", &i.target_value),
            target_date: v.date("target_date", &i.target_date),
            higher_is_better: i.higher_is_better.unwrap_or(true),
        };
        v.finish().map_err(on("indicator"))?;
        let created = benefits::create_indicator(&self.pool, &actor, parent, fields)
            .await
            .map_err(on("indicator"))?;
        Ok(Response::new(indicator_to_proto(created)))
    }

    async fn get_indicator(
        &self,
        request: Request<pb::GetIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        let actor = caller(&request)?;
        let (a, i) = indicator_id("name", &request.get_ref().name)?;
        let indicator = benefits::get_indicator(&self.pool, &actor, a, i)
            .await
            .map_err(on(""))?;
        Ok(Response::new(indicator_to_proto(indicator)))
    }

    async fn list_indicators(
        &self,
        request: Request<pb::ListIndicatorsRequest>,
    ) -> Result<Response<pb::ListIndicatorsResponse>, Status> {
        let actor = caller(&request)?;
        let parent = agreement_id(&request.get_ref().parent)?;
        let list =
            benefits::list_indicators(&self.pool, &actor, parent, request.get_ref().show_deleted)
                .await
                .map_err(on(""))?;
        Ok(Response::new(pb::ListIndicatorsResponse {
            indicators: list.into_iter().map(indicator_to_proto).collect(),
        }))
    }

    async fn update_indicator(
        &self,
        request: Request<pb::UpdateIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let i = request
            .indicator
            .ok_or_else(|| invalid("indicator", "required"))?;
        let (a, id) = indicator_id("indicator.name", &i.name)?;
        let mut v = Violations::default();
        let mut changes = Vec::new();
        for path in required_mask(request.update_mask, &mut v) {
            let change = match path.as_str() {
                "title" => Some(IndicatorChange::Title(i.title.clone())),
                "category" => v
                    .code::<codes::IndicatorCategory>("category", i.category, true)
                    .map(IndicatorChange::Category),
                "unit_of_measure" => Some(IndicatorChange::UnitOfMeasure(
                    i.unit_of_measure.trim().to_string(),
                )),
                "beneficiary" => v
                    .code::<codes::Beneficiary>("beneficiary", i.beneficiary, true)
                    .map(IndicatorChange::Beneficiary),
                "baseline" => Some(IndicatorChange::Baseline(
                    v.decimal("baseline", &i.baseline),
                )),
                "target_value" => Some(IndicatorChange::TargetValue(
                    v.decimal("target_value", &i.target_value),
                )),
                "target_date" => Some(IndicatorChange::TargetDate(
                    v.date("target_date", &i.target_date),
                )),
                "higher_is_better" => Some(IndicatorChange::HigherIsBetter(
                    i.higher_is_better.unwrap_or(true),
                )),
                other => {
                    v.add(
                        "update_mask",
                        format!("{other} is not an updatable field of Indicator"),
                    );
                    None
                }
            };
            changes.extend(change);
        }
        v.finish().map_err(on("indicator"))?;
        let etag = non_empty(&i.etag);
        let updated =
            benefits::update_indicator(&self.pool, &actor, a, id, changes, etag.as_deref())
                .await
                .map_err(on("indicator"))?;
        Ok(Response::new(indicator_to_proto(updated)))
    }

    async fn delete_indicator(
        &self,
        request: Request<pb::DeleteIndicatorRequest>,
    ) -> Result<Response<pb::Indicator>, Status> {
        let actor = caller(&request)?;
        let (a, i) = indicator_id("name", &request.get_ref().name)?;
        let deleted = benefits::delete_indicator(&self.pool, &actor, a, i)
            .await
            .map_err(on(""))?;
        Ok(Response::new(indicator_to_proto(deleted)))
    }

    async fn create_realisation(
        &self,
        request: Request<pb::CreateRealisationRequest>,
    ) -> Result<Response<pb::Realisation>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let (a, i) = indicator_id("parent", &request.parent)?;
        let r = request
            .realisation
            .ok_or_else(|| invalid("realisation", "required"))?;
        let mut v = Violations::default();
        let start = v.required_date("period_start", &r.period_start);
        let end = v.required_date("period_end", &r.period_end);
        if r.value.is_empty() {
            v.add("value", "required: a decimal string");
        }
        let value = v.decimal("value", &r.value);
        let evidence = v.document_id("evidence_document", &r.evidence_document);
        v.finish().map_err(on("realisation"))?;
        let (Some(period_start), Some(period_end), Some(value)) = (start, end, value) else {
            return Err(on("")(CoreError::Internal(
                "parsed realisation incomplete".into(),
            )));
        };
        let fields = RealisationFields {
            period_start,
            period_end,
            value,
            note: r.note,
            evidence_document_id: evidence,
        };
        let created = benefits::create_realisation(&self.pool, &actor, a, i, fields)
            .await
            .map_err(on("realisation"))?;
        Ok(Response::new(realisation_to_proto(created)))
    }

    async fn list_realisations(
        &self,
        request: Request<pb::ListRealisationsRequest>,
    ) -> Result<Response<pb::ListRealisationsResponse>, Status> {
        let actor = caller(&request)?;
        let (a, i) = indicator_id("parent", &request.get_ref().parent)?;
        let list =
            benefits::list_realisations(&self.pool, &actor, a, i, request.get_ref().show_deleted)
                .await
                .map_err(on(""))?;
        Ok(Response::new(pb::ListRealisationsResponse {
            realisations: list.into_iter().map(realisation_to_proto).collect(),
        }))
    }

    async fn update_realisation(
        &self,
        request: Request<pb::UpdateRealisationRequest>,
    ) -> Result<Response<pb::Realisation>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let r = request
            .realisation
            .ok_or_else(|| invalid("realisation", "required"))?;
        let ids = benefits::parse_realisation_name(&r.name).ok_or_else(|| {
            invalid(
                "realisation.name",
                "must be agreements/{id}/indicators/{id}/realisations/{id}",
            )
        })?;
        let mut v = Violations::default();
        let mut changes = Vec::new();
        for path in required_mask(request.update_mask, &mut v) {
            let change = match path.as_str() {
                "period_start" => v
                    .required_date("period_start", &r.period_start)
                    .map(RealisationChange::PeriodStart),
                "period_end" => v
                    .required_date("period_end", &r.period_end)
                    .map(RealisationChange::PeriodEnd),
                "value" => {
                    if r.value.is_empty() {
                        v.add("value", "required: a decimal string");
                    }
                    v.decimal("value", &r.value).map(RealisationChange::Value)
                }
                "note" => Some(RealisationChange::Note(r.note.clone())),
                "evidence_document" => Some(RealisationChange::EvidenceDocument(
                    v.document_id("evidence_document", &r.evidence_document),
                )),
                other => {
                    v.add(
                        "update_mask",
                        format!("{other} is not an updatable field of Realisation"),
                    );
                    None
                }
            };
            changes.extend(change);
        }
        v.finish().map_err(on("realisation"))?;
        let etag = non_empty(&r.etag);
        let updated =
            benefits::update_realisation(&self.pool, &actor, ids, changes, etag.as_deref())
                .await
                .map_err(on("realisation"))?;
        Ok(Response::new(realisation_to_proto(updated)))
    }

    async fn delete_realisation(
        &self,
        request: Request<pb::DeleteRealisationRequest>,
    ) -> Result<Response<pb::Realisation>, Status> {
        let actor = caller(&request)?;
        let ids = realisation_id(&request.get_ref().name)?;
        let deleted = benefits::delete_realisation(&self.pool, &actor, ids)
            .await
            .map_err(on(""))?;
        Ok(Response::new(realisation_to_proto(deleted)))
    }
}
