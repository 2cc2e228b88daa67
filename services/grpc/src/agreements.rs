//! `kerjasama.v1.AgreementService`: converts messages to domain values (and
//! back) and calls `kerjasama_core::agreements`.

use kerjasama_core::access::Principal;
use kerjasama_core::agreements::{
    self, Agreement, AgreementChange, AgreementFields, AgreementFilter, Ending, Ordering, Party,
};
use kerjasama_core::events;
use kerjasama_core::idempotency::parse_request_id;
use kerjasama_core::pool::PgPool;
use kerjasama_core::{CoreError, units};
use kerjasama_core::{calendar, codes};
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::agreement_service_server::AgreementService;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::codes_bridge::Bridge;
use crate::status::on;
use crate::wire::{Violations, date_text, non_empty, timestamp};

const RESOURCE: &str = "agreement";

pub struct Agreements {
    pool: PgPool,
}

impl Agreements {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }
}

fn parse_agreement_name(field: &str, name: &str) -> Result<uuid::Uuid, CoreError> {
    kerjasama_core::names::parse_agreement_name(name)
        .ok_or_else(|| CoreError::invalid(field, "must be agreements/{id}"))
}

pub fn to_proto(a: Agreement) -> pb::Agreement {
    let name = a.name();
    let etag = a.etag();
    let f = a.fields;
    let l = a.lifecycle;
    pb::Agreement {
        name,
        region_code: f.region_code,
        title: f.title,
        cooperation_type: f.cooperation_type.to_proto(),
        document_kind: f.document_kind.to_proto(),
        parent: f
            .parent_id
            .map(kerjasama_core::names::agreement_name)
            .unwrap_or_default(),
        unit: format!("units/{}", f.unit_code),
        sector: f.sector,
        ksdd_basis: f.ksdd_basis.map(|b| b.to_proto()).unwrap_or_default(),
        parties: f
            .parties
            .into_iter()
            .map(|p| pb::Party {
                name: p.name,
                kind: p.kind.to_proto(),
                region_code: p.region_code.unwrap_or_default(),
                country_code: p.country_code.unwrap_or_default(),
                document_number: p.document_number,
            })
            .collect(),
        document_number: f.document_number,
        objective: f.objective,
        signed_on: date_text(f.signed_on),
        effective_from: date_text(f.effective_from),
        effective_until: date_text(f.effective_until),
        dprd_approval_required: Some(f.dprd_approval_required),
        budget_idr: f.budget_idr.map(|b| b.to_string()).unwrap_or_default(),
        state: a.state.to_proto(),
        create_time: Some(timestamp(a.create_time)),
        update_time: Some(timestamp(a.update_time)),
        delete_time: a.delete_time.map(timestamp),
        etag,
        reporting_cycle: f.reporting_cycle.to_proto(),
        public_in_full: f.public_in_full,
        process_started_on: date_text(l.process_started_on),
        terminated_on: date_text(l.terminated_on),
        termination_reason: l.termination_reason.unwrap_or_default(),
        cancelled_on: date_text(l.cancelled_on),
        cancellation_reason: l.cancellation_reason.unwrap_or_default(),
        reports_owed_from: date_text(f.reports_owed_from),
    }
}

fn parent(v: &mut Violations, text: &str) -> Option<uuid::Uuid> {
    if text.is_empty() {
        return None;
    }
    let id = kerjasama_core::names::parse_agreement_name(text);
    if id.is_none() {
        v.add("parent", "must be agreements/{id}");
    }
    id
}

fn unit_code(v: &mut Violations, text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    match units::parse_name(text) {
        Some(code) => code.to_string(),
        None => {
            v.add("unit", "must be units/{code}");
            String::new()
        }
    }
}

/// Whole rupiah as decimal digits; empty means not stated.
fn budget(v: &mut Violations, text: &str) -> Option<i64> {
    if text.is_empty() {
        return None;
    }
    let parsed = text
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse::<i64>().ok())
        .flatten();
    if parsed.is_none() {
        v.add(
            "budget_idr",
            "must be whole rupiah written as digits only, e.g. 1500000000 (at most 9223372036854775807)",
        );
    }
    parsed
}

fn parties(v: &mut Violations, parties: &[pb::Party]) -> Vec<Party> {
    parties
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let kind = v.code::<codes::PartyKind>(&format!("parties[{i}].kind"), p.kind, true)?;
            Some(Party {
                name: p.name.clone(),
                kind,
                region_code: non_empty(&p.region_code),
                country_code: non_empty(&p.country_code),
                document_number: p.document_number.clone(),
            })
        })
        .collect()
}

fn ksdd_basis(v: &mut Violations, value: i32) -> Option<codes::KsddBasis> {
    v.code::<codes::KsddBasis>("ksdd_basis", value, false)
}

/// A new agreement from a create request; the owning region defaults to the
/// caller's region.
fn fields_for_create(
    message: pb::Agreement,
    actor: &Principal,
) -> Result<AgreementFields, CoreError> {
    let mut v = Violations::default();
    let cooperation_type =
        v.code::<codes::CooperationType>("cooperation_type", message.cooperation_type, true);
    let document_kind = v.code::<codes::DocumentKind>("document_kind", message.document_kind, true);
    let region_code = non_empty(&message.region_code)
        .or_else(|| actor.region_code.clone())
        .unwrap_or_default();
    // Parse every field first, so one reply names every violation.
    let parent_id = parent(&mut v, &message.parent);
    let unit_code = unit_code(&mut v, &message.unit);
    let ksdd_basis = ksdd_basis(&mut v, message.ksdd_basis);
    let parties = parties(&mut v, &message.parties);
    let signed_on = v.date("signed_on", &message.signed_on);
    let effective_from = v.date("effective_from", &message.effective_from);
    let effective_until = v.date("effective_until", &message.effective_until);
    let budget_idr = budget(&mut v, &message.budget_idr);
    let reports_owed_from = v.date("reports_owed_from", &message.reports_owed_from);
    let reporting_cycle = v
        .code::<codes::ReportingCycle>("reporting_cycle", message.reporting_cycle, false)
        .unwrap_or(codes::ReportingCycle::Quarterly);
    let (Some(cooperation_type), Some(document_kind)) = (cooperation_type, document_kind) else {
        v.finish()?;
        return Err(CoreError::Internal(
            "type or kind missing without a violation".into(),
        ));
    };
    let fields = AgreementFields {
        region_code,
        title: message.title,
        cooperation_type,
        document_kind,
        parent_id,
        unit_code,
        sector: message.sector.trim().to_string(),
        ksdd_basis,
        parties,
        document_number: message.document_number,
        objective: message.objective,
        signed_on,
        effective_from,
        effective_until,
        dprd_approval_required: message
            .dprd_approval_required
            .unwrap_or(cooperation_type.is_foreign()),
        budget_idr,
        reporting_cycle,
        public_in_full: message.public_in_full,
        reports_owed_from,
    };
    // With wire-format violations, add the record's own rule violations too
    // (except on fields already named), so one reply lists everything.
    v.extend_unnamed(agreements::validate(&fields, calendar::today()));
    v.finish()?;
    Ok(fields)
}

const NOT_UPDATABLE: &[&str] = &[
    "process_started_on",
    // Through SetReportsOwedFrom (ADMIN, with a reason).
    "reports_owed_from",
    "name",
    "region_code",
    "cooperation_type",
    "document_kind",
    "state",
    "create_time",
    "update_time",
    "delete_time",
    "etag",
];

const UPDATABLE: &[&str] = &[
    "title",
    "parent",
    "unit",
    "sector",
    "ksdd_basis",
    "parties",
    "document_number",
    "objective",
    "effective_from",
    "effective_until",
    "dprd_approval_required",
    "budget_idr",
    "reporting_cycle",
    "public_in_full",
];

/// The changes named by the field mask, read from `message`.
fn changes_for_update(
    message: &pb::Agreement,
    paths: &[String],
) -> Result<Vec<AgreementChange>, CoreError> {
    let mut v = Violations::default();
    if paths.is_empty() {
        v.add(
            "update_mask",
            "required: the fields to replace, or * for all updatable fields",
        );
    }
    let mut expanded: Vec<&str> = Vec::new();
    for path in paths {
        match path.as_str() {
            "*" => expanded.extend(UPDATABLE),
            p if UPDATABLE.contains(&p) => expanded.push(p),
            "signed_on" => v.add(
                "update_mask",
                "signed_on is set by completing the signing stage (StageService.CompleteStage)",
            ),
            "terminated_on" | "termination_reason" | "cancelled_on" | "cancellation_reason" => v
                .add(
                    "update_mask",
                    format!("{path} is set by TerminateAgreement or CancelAgreement"),
                ),
            p if NOT_UPDATABLE.contains(&p) => {
                v.add("update_mask", format!("{p} cannot be changed"))
            }
            p => v.add("update_mask", format!("{p} is not a field of Agreement")),
        }
    }
    expanded.sort_unstable();
    expanded.dedup();
    let changes = expanded
        .into_iter()
        .filter_map(|path| {
            Some(match path {
                "title" => AgreementChange::Title(message.title.clone()),
                "parent" => AgreementChange::Parent(parent(&mut v, &message.parent)),
                "unit" => {
                    if message.unit.is_empty() {
                        v.add("unit", "required: units/{code} of the initiating unit");
                    }
                    AgreementChange::Unit(unit_code(&mut v, &message.unit))
                }
                "sector" => AgreementChange::Sector(message.sector.trim().to_string()),
                "ksdd_basis" => AgreementChange::KsddBasis(ksdd_basis(&mut v, message.ksdd_basis)),
                "parties" => AgreementChange::Parties(parties(&mut v, &message.parties)),
                "document_number" => {
                    AgreementChange::DocumentNumber(message.document_number.clone())
                }
                "objective" => AgreementChange::Objective(message.objective.clone()),
                "effective_from" => AgreementChange::EffectiveFrom(
                    v.date("effective_from", &message.effective_from),
                ),
                "effective_until" => AgreementChange::EffectiveUntil(
                    v.date("effective_until", &message.effective_until),
                ),
                "dprd_approval_required" => AgreementChange::DprdApprovalRequired(
                    message.dprd_approval_required.unwrap_or(false),
                ),
                "budget_idr" => AgreementChange::BudgetIdr(budget(&mut v, &message.budget_idr)),
                "reporting_cycle" => AgreementChange::ReportingCycle(
                    v.code::<codes::ReportingCycle>(
                        "reporting_cycle",
                        message.reporting_cycle,
                        true,
                    )
                    .unwrap_or(codes::ReportingCycle::Quarterly),
                ),
                "public_in_full" => AgreementChange::PublicInFull(message.public_in_full),
                _ => return None,
            })
        })
        .collect();
    v.finish()?;
    Ok(changes)
}

/// PostgreSQL's plan of the first page `ListAgreements` would send for this
/// request, as the bureau's own tools see it (no region bound, as of
/// today): `kerjasama bench --explain-database-url` prints it, the tests
/// hold each documented list shape to an index with it.
pub async fn explain_list(
    pool: &PgPool,
    request: &pb::ListAgreementsRequest,
    analyze: bool,
) -> Result<String, CoreError> {
    let (filter, ordering) = filter_for_list(request)?;
    agreements::explain_list(
        pool,
        &Principal::system("explain"),
        filter,
        ordering,
        calendar::today(),
        analyze,
    )
    .await
}

/// A `ListAgreementsRequest`'s filter and order, checked (every field in
/// error named).
fn filter_for_list(
    request: &pb::ListAgreementsRequest,
) -> Result<(AgreementFilter, Ordering), CoreError> {
    let mut v = Violations::default();
    let mut cooperation_types = Vec::new();
    for (i, value) in request.cooperation_types.iter().enumerate() {
        if let Some(t) =
            v.code::<codes::CooperationType>(&format!("cooperation_types[{i}]"), *value, true)
        {
            cooperation_types.push(t);
        }
    }
    let mut states = Vec::new();
    for (i, value) in request.states.iter().enumerate() {
        if let Some(s) = v.code::<codes::AgreementState>(&format!("states[{i}]"), *value, true) {
            states.push(s);
        }
    }
    let partner_country = non_empty(&request.partner_country);
    if partner_country
        .as_deref()
        .is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
    {
        v.add(
            "partner_country",
            "must be an ISO 3166-1 alpha-2 code in capitals, e.g. JP",
        );
    }
    let region_code = non_empty(&request.region_code);
    if region_code
        .as_deref()
        .is_some_and(|r| !kerjasama_core::names::is_region_code(r))
    {
        v.add(
            "region_code",
            "must be a Kemendagri region code such as 36 or 36.71",
        );
    }
    let unit_code = non_empty(&request.unit).map(|u| unit_code(&mut v, &u));
    let filter = AgreementFilter {
        cooperation_types,
        states,
        document_kind: v.code::<codes::DocumentKind>("document_kind", request.document_kind, false),
        unit_code,
        sector: non_empty(&request.sector),
        partner_country,
        region_code,
        parent_id: parent(&mut v, &request.parent),
        signed_from: v.date("signed_from", &request.signed_from),
        signed_until: v.date("signed_until", &request.signed_until),
        ending_from: v.date("ending_from", &request.ending_from),
        ending_until: v.date("ending_until", &request.ending_until),
        query: non_empty(&request.query),
        show_deleted: request.show_deleted,
    };
    let ordering = Ordering::parse(&request.order_by);
    v.finish()?;
    Ok((filter, ordering?))
}

#[tonic::async_trait]
impl AgreementService for Agreements {
    async fn create_agreement(
        &self,
        request: Request<pb::CreateAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let message = request
            .agreement
            .ok_or_else(|| CoreError::invalid("agreement", "required"))
            .map_err(on(""))?;
        let request_id = parse_request_id(&request.request_id).map_err(on(RESOURCE))?;
        let fields = fields_for_create(message, &actor).map_err(on(RESOURCE))?;
        let complete_through = non_empty(&request.complete_through_stage);
        let created = agreements::create(
            &self.pool,
            &actor,
            fields,
            complete_through.as_deref(),
            request_id,
        )
        .await
        .map_err(on(RESOURCE))?;
        Ok(Response::new(to_proto(created)))
    }

    async fn get_agreement(
        &self,
        request: Request<pb::GetAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let actor = caller(&request)?;
        let id = parse_agreement_name("name", &request.get_ref().name).map_err(on(RESOURCE))?;
        let agreement = agreements::get(&self.pool, &actor, id)
            .await
            .map_err(on(RESOURCE))?;
        Ok(Response::new(to_proto(agreement)))
    }

    async fn list_agreements(
        &self,
        request: Request<pb::ListAgreementsRequest>,
    ) -> Result<Response<pb::ListAgreementsResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let (filter, ordering) = filter_for_list(&request).map_err(on(""))?;
        let page = agreements::list(
            &self.pool,
            &actor,
            filter,
            ordering,
            request.page_size,
            &request.page_token,
        )
        .await
        .map_err(on(""))?;
        Ok(Response::new(pb::ListAgreementsResponse {
            agreements: page.items.into_iter().map(to_proto).collect(),
            next_page_token: page.next_page_token,
        }))
    }

    async fn update_agreement(
        &self,
        request: Request<pb::UpdateAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let message = request
            .agreement
            .ok_or_else(|| CoreError::invalid("agreement", "required"))
            .map_err(on(""))?;
        // The name is inside the resource: reported as agreement.name.
        let id = parse_agreement_name("agreement.name", &message.name).map_err(on(""))?;
        let paths = request.update_mask.map(|m| m.paths).unwrap_or_default();
        let changes = changes_for_update(&message, &paths).map_err(on(RESOURCE))?;
        let etag = non_empty(&message.etag);
        let updated = agreements::update(&self.pool, &actor, id, changes, etag.as_deref())
            .await
            .map_err(on(RESOURCE))?;
        Ok(Response::new(to_proto(updated)))
    }

    async fn delete_agreement(
        &self,
        request: Request<pb::DeleteAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let id = parse_agreement_name("name", &request.name).map_err(on(RESOURCE))?;
        let etag = non_empty(&request.etag);
        let deleted = agreements::delete(&self.pool, &actor, id, etag.as_deref())
            .await
            .map_err(on(RESOURCE))?;
        Ok(Response::new(to_proto(deleted)))
    }

    async fn undelete_agreement(
        &self,
        request: Request<pb::UndeleteAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let actor = caller(&request)?;
        let id = parse_agreement_name("name", &request.get_ref().name).map_err(on(RESOURCE))?;
        let restored = agreements::undelete(&self.pool, &actor, id)
            .await
            .map_err(on(RESOURCE))?;
        Ok(Response::new(to_proto(restored)))
    }

    async fn terminate_agreement(
        &self,
        request: Request<pb::TerminateAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let (id, on) = name_and_date(&request.name, "terminated_on", &request.terminated_on)?;
        let ended = agreements::end(
            &self.pool,
            &actor,
            id,
            Ending::Terminate,
            on,
            &request.reason,
        )
        .await
        .map_err(on_request)?;
        Ok(Response::new(to_proto(ended)))
    }

    async fn cancel_agreement(
        &self,
        request: Request<pb::CancelAgreementRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let (id, on) = name_and_date(&request.name, "cancelled_on", &request.cancelled_on)?;
        let ended = agreements::end(&self.pool, &actor, id, Ending::Cancel, on, &request.reason)
            .await
            .map_err(on_request)?;
        Ok(Response::new(to_proto(ended)))
    }

    async fn set_reports_owed_from(
        &self,
        request: Request<pb::SetReportsOwedFromRequest>,
    ) -> Result<Response<pb::Agreement>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let (id, on) = name_and_date(
            &request.name,
            "reports_owed_from",
            &request.reports_owed_from,
        )?;
        let changed = agreements::set_reports_owed_from(
            &self.pool,
            &actor,
            id,
            on,
            &request.reason,
            non_empty(&request.etag).as_deref(),
        )
        .await
        .map_err(on_request)?;
        Ok(Response::new(to_proto(changed)))
    }

    async fn search_agreements(
        &self,
        request: Request<pb::SearchAgreementsRequest>,
    ) -> Result<Response<pb::SearchAgreementsResponse>, Status> {
        use kerjasama_core::agreement_search::{self, MatchedIn};
        let actor = caller(&request)?;
        let request = request.into_inner();
        let region = Some(request.region_code.as_str()).filter(|r| !r.is_empty());
        let hits = agreement_search::search(
            &self.pool,
            &actor,
            &request.query,
            region,
            request.page_size,
        )
        .await
        .map_err(on(""))?;
        Ok(Response::new(pb::SearchAgreementsResponse {
            results: hits
                .into_iter()
                .map(|hit| pb::AgreementSearchResult {
                    agreement: kerjasama_core::names::agreement_name(hit.agreement_id),
                    document: hit
                        .document_id
                        .map(|d| {
                            format!(
                                "{}/documents/{d}",
                                kerjasama_core::names::agreement_name(hit.agreement_id)
                            )
                        })
                        .unwrap_or_default(),
                    title: hit.title,
                    document_number: hit.document_number,
                    rank: hit.rank,
                    matched_in: match hit.matched_in {
                        MatchedIn::Record => pb::SearchMatch::Record,
                        MatchedIn::Party => pb::SearchMatch::Party,
                        MatchedIn::DocumentText => pb::SearchMatch::DocumentText,
                    } as i32,
                    snippet: hit.snippet,
                })
                .collect(),
        }))
    }

    async fn list_agreement_events(
        &self,
        request: Request<pb::ListAgreementEventsRequest>,
    ) -> Result<Response<pb::ListAgreementEventsResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let id = parse_agreement_name("parent", &request.parent).map_err(on(""))?;
        let page = events::list_for_agreement(
            &self.pool,
            &actor,
            id,
            request.page_size,
            &request.page_token,
        )
        .await
        .map_err(on(""))?;
        let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string()).unwrap_or_default();
        Ok(Response::new(pb::ListAgreementEventsResponse {
            events: page
                .items
                .into_iter()
                .map(|e| pb::AgreementEvent {
                    resource: e.resource,
                    action: e.action,
                    actor: e.actor,
                    occur_time: Some(timestamp(e.occurred_at)),
                    before_json: json(e.before),
                    after_json: json(e.after),
                    request_id: e.request_id.unwrap_or_default(),
                })
                .collect(),
            next_page_token: page.next_page_token,
        }))
    }
}

/// Request-level fields of the end RPCs are reported as they are.
fn on_request(error: CoreError) -> Status {
    on("")(error)
}

fn name_and_date(
    name: &str,
    date_field: &str,
    date: &str,
) -> Result<(uuid::Uuid, Option<chrono::NaiveDate>), Status> {
    let mut v = Violations::default();
    let id = kerjasama_core::names::parse_agreement_name(name);
    if id.is_none() {
        v.add("name", "must be agreements/{id}");
    }
    let on = v.date(date_field, date);
    v.finish().map_err(on_request)?;
    Ok((id.unwrap_or_default(), on))
}
