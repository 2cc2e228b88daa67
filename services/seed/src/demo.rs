//! The demo register: a Banten-like province (region 36) with a dozen units
//! (OPD) and agreements of all five cooperation types in several states.
//! Loaded by `kerjasama seed` and `serve --demo`, only into an empty register,
//! through the same use cases (validation, audit) as any client: stages in
//! several places (some overdue), benefits planned and realised, reports on
//! time, late and missing, and a past evaluation meeting.
//!
//! The register itself is data (`data/demo-register.json`, compiled into the
//! binary so `serve --demo` works from any folder); this module only reads it
//! and replays it through the use cases.

use std::collections::HashMap;

use bigdecimal::BigDecimal;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use uuid::Uuid;

use kerjasama_core::access::Principal;
use kerjasama_core::agreements::{self, AgreementFields, Party};
use kerjasama_core::benefits::{self, IndicatorFields, RealisationFields};
use kerjasama_core::codes::{
    Beneficiary, CooperationType, DocumentKind, IndicatorCategory, KsddBasis, PartyKind,
    RecommendationStatus, ReportingCycle,
};
use kerjasama_core::error::{CoreError, CoreResult};
use kerjasama_core::implementation_reports::{self, NewReport};
use kerjasama_core::meetings::{self, NewFinding, NewMeeting, NewRecommendation};
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::{agreements as agreements_table, units as units_table};
use kerjasama_core::stages::{self, StageAction};
use kerjasama_core::units::{self, NewUnit};

/// The demo register as shipped.
const DATA: &str = include_str!("../data/demo-register.json");

/// The region the demo register belongs to.
pub const REGION: &str = "36";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoRegister {
    #[allow(dead_code)]
    about: String,
    region_code: String,
    units: Vec<DemoUnit>,
    agreements: Vec<DemoAgreement>,
    stage_steps: Vec<DemoStageStep>,
    indicators: Vec<DemoIndicator>,
    implementation_reports: Vec<DemoReport>,
    meetings: Vec<DemoMeeting>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoUnit {
    code: String,
    display_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAgreement {
    /// How the rest of the file refers to this agreement.
    #[serde(rename = "ref")]
    key: String,
    title: String,
    cooperation_type: CooperationType,
    document_kind: DocumentKind,
    /// The `ref` of an earlier agreement.
    parent: Option<String>,
    unit: String,
    sector: String,
    ksdd_basis: Option<KsddBasis>,
    document_number: String,
    signed_on: Option<NaiveDate>,
    effective_from: Option<NaiveDate>,
    effective_until: Option<NaiveDate>,
    dprd_approval_required: bool,
    budget_idr: Option<i64>,
    /// For signed records: the stage through which the file is complete.
    complete_through: Option<String>,
    parties: Vec<DemoParty>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoParty {
    name: String,
    kind: PartyKind,
    region_code: Option<String>,
    country_code: Option<String>,
    document_number: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum DemoAction {
    Start,
    Complete,
    Skip,
    Reschedule,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoStageStep {
    agreement: String,
    stage: String,
    action: DemoAction,
    on: NaiveDate,
    new_due_on: Option<NaiveDate>,
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoIndicator {
    agreement: String,
    title: String,
    category: IndicatorCategory,
    unit_of_measure: String,
    beneficiary: Beneficiary,
    baseline: String,
    target_value: String,
    higher_is_better: bool,
    realisations: Vec<DemoRealisation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoRealisation {
    period_start: NaiveDate,
    period_end: NaiveDate,
    value: String,
    note: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoReport {
    agreement: String,
    cycle_start: NaiveDate,
    submitted_on: NaiveDate,
    progress_percent: i16,
    summary: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoMeeting {
    held_on: NaiveDate,
    period_start: NaiveDate,
    period_end: NaiveDate,
    title: String,
    participant_units: Vec<String>,
    notes: String,
    findings: Vec<DemoFinding>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoFinding {
    agreement: Option<String>,
    description: String,
    recommendations: Vec<DemoRecommendation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoRecommendation {
    description: String,
    responsible_unit: String,
    due_on: NaiveDate,
    /// A status the recommendation reached after the meeting, and when.
    status: Option<RecommendationStatus>,
    status_on: Option<NaiveDate>,
}

#[derive(Debug)]
pub enum SeedOutcome {
    Loaded {
        units: usize,
        agreements: usize,
    },
    /// The register already holds data; nothing was loaded.
    NotEmpty,
}

fn register() -> CoreResult<DemoRegister> {
    serde_json::from_str(DATA)
        .map_err(|e| CoreError::Internal(format!("data/demo-register.json: {e}")))
}

fn decimal(text: &str) -> CoreResult<BigDecimal> {
    kerjasama_core::decimal::parse(text)
        .map_err(|_| CoreError::Internal(format!("demo register: {text:?} is not a decimal")))
}

/// The agreement ids by `ref`, resolved as the file is replayed.
struct Refs(HashMap<String, Uuid>);

impl Refs {
    fn get(&self, key: &str) -> CoreResult<Uuid> {
        self.0.get(key).copied().ok_or_else(|| {
            CoreError::Internal(format!(
                "demo register: {key:?} is not an earlier agreement's ref"
            ))
        })
    }
}

/// Loads the demo register into an empty database.
pub async fn load(pool: &PgPool) -> CoreResult<SeedOutcome> {
    let register = register()?;
    {
        let mut conn = pool.get().await?;
        let units: i64 = units_table::table.count().get_result(&mut conn).await?;
        let agreements: i64 = agreements_table::table
            .count()
            .get_result(&mut conn)
            .await?;
        if units + agreements > 0 {
            return Ok(SeedOutcome::NotEmpty);
        }
    }
    let actor = Principal::system("demo-loader");
    for unit in &register.units {
        let new = NewUnit {
            code: unit.code.clone(),
            region_code: register.region_code.clone(),
            display_name: unit.display_name.clone(),
        };
        units::create(pool, &actor, new, None).await?;
    }
    let mut refs = Refs(HashMap::with_capacity(register.agreements.len()));
    for demo in &register.agreements {
        let parent_id = match &demo.parent {
            Some(key) => Some(refs.get(key)?),
            None => None,
        };
        let fields = AgreementFields {
            region_code: register.region_code.clone(),
            title: demo.title.clone(),
            cooperation_type: demo.cooperation_type,
            document_kind: demo.document_kind,
            parent_id,
            unit_code: demo.unit.clone(),
            sector: demo.sector.clone(),
            ksdd_basis: demo.ksdd_basis,
            parties: demo
                .parties
                .iter()
                .map(|party| Party {
                    name: party.name.clone(),
                    kind: party.kind,
                    region_code: party.region_code.clone(),
                    country_code: party.country_code.clone(),
                    document_number: party.document_number.clone(),
                })
                .collect(),
            document_number: demo.document_number.clone(),
            objective: String::new(),
            signed_on: demo.signed_on,
            effective_from: demo.effective_from,
            effective_until: demo.effective_until,
            dprd_approval_required: demo.dprd_approval_required,
            budget_idr: demo.budget_idr,
            public_in_full: false,
            reporting_cycle: ReportingCycle::Quarterly,
            reports_owed_from: None,
        };
        let created =
            agreements::create(pool, &actor, fields, demo.complete_through.as_deref(), None)
                .await?;
        refs.0.insert(demo.key.clone(), created.id);
    }
    activity(pool, &actor, &register, &refs).await?;
    Ok(SeedOutcome::Loaded {
        units: register.units.len(),
        agreements: register.agreements.len(),
    })
}

/// What the bureau recorded since: stages moving (some overdue, one
/// rescheduled, one skipped), planned and realised benefits, implementation
/// reports on time, late and missing, and a past evaluation meeting whose
/// recommendations are partly still open.
async fn activity(
    pool: &PgPool,
    actor: &Principal,
    register: &DemoRegister,
    refs: &Refs,
) -> CoreResult<()> {
    for step in &register.stage_steps {
        let reason = || step.reason.clone().unwrap_or_default();
        let action = match step.action {
            DemoAction::Start => StageAction::Start {
                on: Some(step.on),
                notes: None,
            },
            DemoAction::Complete => StageAction::Complete {
                on: Some(step.on),
                notes: None,
                evidence_document_id: None,
            },
            DemoAction::Skip => StageAction::Skip {
                on: Some(step.on),
                reason: reason(),
            },
            DemoAction::Reschedule => StageAction::Reschedule {
                decided_on: Some(step.on),
                new_due_on: step.new_due_on.ok_or_else(|| {
                    CoreError::Internal("demo register: a RESCHEDULE needs new_due_on".into())
                })?,
                reason: reason(),
            },
        };
        stages::act(pool, actor, refs.get(&step.agreement)?, &step.stage, action).await?;
    }

    for plan in &register.indicators {
        let agreement = refs.get(&plan.agreement)?;
        let fields = IndicatorFields {
            title: plan.title.clone(),
            category: plan.category,
            unit_of_measure: plan.unit_of_measure.clone(),
            beneficiary: plan.beneficiary,
            baseline: Some(decimal(&plan.baseline)?),
            target_value: Some(decimal(&plan.target_value)?),
            target_date: None,
            higher_is_better: plan.higher_is_better,
        };
        let indicator = benefits::create_indicator(pool, actor, agreement, fields).await?;
        for realised in &plan.realisations {
            let fields = RealisationFields {
                period_start: realised.period_start,
                period_end: realised.period_end,
                value: decimal(&realised.value)?,
                note: realised.note.clone(),
                evidence_document_id: None,
            };
            benefits::create_realisation(pool, actor, agreement, indicator.id, fields).await?;
        }
    }

    // Implementation reports: on time, late, and (by omission) missing.
    for report in &register.implementation_reports {
        let new = NewReport {
            cycle_start: report.cycle_start,
            submitted_on: Some(report.submitted_on),
            summary: report.summary.clone(),
            progress_percent: Some(report.progress_percent),
            obstacles: String::new(),
            follow_up: String::new(),
            document_id: None,
        };
        implementation_reports::submit(pool, actor, refs.get(&report.agreement)?, new).await?;
    }

    for demo in &register.meetings {
        let mut findings = Vec::with_capacity(demo.findings.len());
        for finding in &demo.findings {
            findings.push(NewFinding {
                agreement_id: match &finding.agreement {
                    Some(key) => Some(refs.get(key)?),
                    None => None,
                },
                description: finding.description.clone(),
                recommendations: finding
                    .recommendations
                    .iter()
                    .map(|r| NewRecommendation {
                        description: r.description.clone(),
                        responsible_unit: r.responsible_unit.clone(),
                        due_on: Some(r.due_on),
                    })
                    .collect(),
            });
        }
        let meeting = meetings::create(
            pool,
            actor,
            NewMeeting {
                region_code: register.region_code.clone(),
                held_on: Some(demo.held_on),
                period_start: Some(demo.period_start),
                period_end: Some(demo.period_end),
                title: demo.title.clone(),
                participant_units: demo.participant_units.clone(),
                notes: demo.notes.clone(),
                findings,
            },
        )
        .await?;
        for (finding, stored) in demo.findings.iter().zip(&meeting.findings) {
            for (wanted, stored) in finding.recommendations.iter().zip(&stored.recommendations) {
                if let Some(status) = wanted.status {
                    meetings::set_recommendation_status(
                        pool,
                        actor,
                        (meeting.id, stored.id),
                        status,
                        wanted.status_on,
                        None,
                    )
                    .await?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_demo_register_parses_and_its_refs_point_backwards() {
        let register = register().unwrap();
        assert_eq!(register.region_code, REGION);
        let mut seen = std::collections::HashSet::new();
        for agreement in &register.agreements {
            if let Some(parent) = &agreement.parent {
                assert!(
                    seen.contains(parent),
                    "{} names a later parent",
                    agreement.key
                );
            }
            assert!(seen.insert(agreement.key.clone()), "duplicate ref");
        }
        for step in &register.stage_steps {
            assert!(seen.contains(&step.agreement));
        }
        assert!(register.agreements.len() >= 15);
    }
}
