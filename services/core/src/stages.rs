//! Procedure stages (tahapan): the templates per kind of record, the stages an
//! agreement gets from its template, and the rules that move them along.
//!
//! A stage starts only when every stage before it is settled (done, skipped or
//! not applicable); completing or skipping the current stage starts the next
//! one on the same date; completing the signing stage signs the agreement.
//! Every operation locks the agreement row, so two calls on one agreement run
//! one after the other. Dates are business dates: they may lie in the past
//! (backfilling a register) but never in the future.

use chrono::{DateTime, Days, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::access::Principal;
use crate::agreement_record::AgreementFields;
use crate::audit;
use crate::calendar;
use crate::codes::{CooperationType, DocumentKind, StageStatus};
use crate::error::{CoreError, CoreResult, FieldViolation};
use crate::pool::PgPool;
use crate::schema::agreements as agreements_table;
use crate::schema::{agreement_stages, stage_definitions, stage_reschedules, stage_templates};
use crate::wording::{self, Wording};

/// Which template a record follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TemplateKey {
    pub cooperation_type: CooperationType,
    pub document_kind: DocumentKind,
    /// A PKS under a KSB, a foreign KSB or PKS after an LOI, an addendum.
    pub with_parent: bool,
}

impl TemplateKey {
    pub fn of(fields: &AgreementFields) -> Self {
        Self {
            cooperation_type: fields.cooperation_type,
            document_kind: fields.document_kind,
            with_parent: fields.parent_id.is_some(),
        }
    }

    /// `stageTemplates/KSDD.PKS.WITH_PARENT`
    pub fn name(&self) -> String {
        let variant = if self.with_parent {
            "WITH_PARENT"
        } else {
            "STANDALONE"
        };
        format!(
            "stageTemplates/{}.{}.{variant}",
            self.cooperation_type, self.document_kind
        )
    }

    pub fn parse(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("stageTemplates/")?;
        let mut parts = rest.split('.');
        let key = TemplateKey {
            cooperation_type: CooperationType::from_code(parts.next()?)?,
            document_kind: DocumentKind::from_code(parts.next()?)?,
            with_parent: match parts.next()? {
                "WITH_PARENT" => true,
                "STANDALONE" => false,
                _ => return None,
            },
        };
        parts.next().is_none().then_some(key)
    }
}

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct TemplateStage {
    pub position: i16,
    pub code: String,
    pub target_days: i32,
    pub skippable: bool,
    pub name_id: String,
    pub name_en: String,
    /// Completing it signs the record.
    pub signs: bool,
    /// The DPRD approval stage.
    pub dprd: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageTemplate {
    pub key: TemplateKey,
    pub stages: Vec<TemplateStage>,
    pub update_time: Option<DateTime<Utc>>,
}

async fn template_stages(
    mut conn: &AsyncPgConnection,
    key: TemplateKey,
) -> CoreResult<Vec<TemplateStage>> {
    let stages = stage_templates::table
        .inner_join(stage_definitions::table)
        .filter(stage_templates::cooperation_type.eq(key.cooperation_type.code()))
        .filter(stage_templates::document_kind.eq(key.document_kind.code()))
        .filter(stage_templates::with_parent.eq(key.with_parent))
        .order(stage_templates::position)
        .select((
            stage_templates::position,
            stage_templates::stage_code,
            stage_templates::target_days,
            stage_templates::skippable,
            stage_definitions::name_id,
            stage_definitions::name_en,
            stage_definitions::signs,
            stage_definitions::dprd,
        ))
        .load(&mut conn)
        .await?;
    Ok(stages)
}

/// Every template, in a fixed order.
pub async fn list_templates(pool: &PgPool) -> CoreResult<Vec<StageTemplate>> {
    let mut conn = pool.get().await?;
    let keys: Vec<(String, String, bool, Option<DateTime<Utc>>)> = stage_templates::table
        .group_by((
            stage_templates::cooperation_type,
            stage_templates::document_kind,
            stage_templates::with_parent,
        ))
        .select((
            stage_templates::cooperation_type,
            stage_templates::document_kind,
            stage_templates::with_parent,
            diesel::dsl::max(stage_templates::update_time),
        ))
        .load(&mut conn)
        .await?;
    let mut templates = Vec::new();
    for (ctype, kind, with_parent, update_time) in keys {
        let key = TemplateKey {
            cooperation_type: CooperationType::from_code(&ctype)
                .ok_or_else(|| CoreError::Internal(format!("template type {ctype}")))?,
            document_kind: DocumentKind::from_code(&kind)
                .ok_or_else(|| CoreError::Internal(format!("template kind {kind}")))?,
            with_parent,
        };
        let stages = template_stages(&conn, key).await?;
        templates.push(StageTemplate {
            key,
            stages,
            update_time,
        });
    }
    templates.sort_by_key(|t| {
        (
            t.key.cooperation_type,
            t.key.document_kind,
            t.key.with_parent,
        )
    });
    Ok(templates)
}

pub async fn get_template(pool: &PgPool, key: TemplateKey) -> CoreResult<StageTemplate> {
    let conn = pool.get().await?;
    let stages = template_stages(&conn, key).await?;
    if stages.is_empty() {
        return Err(CoreError::not_found(key.name()));
    }
    Ok(StageTemplate {
        key,
        stages,
        update_time: None,
    })
}

/// A change to one stage of a template.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateStageChange {
    pub code: String,
    pub target_days: Option<i32>,
    pub skippable: Option<bool>,
}

/// Changes targets or skippability; stages already started keep their due dates.
pub async fn update_template(
    pool: &PgPool,
    actor: &Principal,
    key: TemplateKey,
    changes: Vec<TemplateStageChange>,
) -> CoreResult<StageTemplate> {
    actor.check_admin(None)?;
    if actor.region_code.is_some() {
        return Err(CoreError::PermissionDenied(
            "stage templates are deployment-wide: a token bound to a region cannot change them"
                .into(),
        ));
    }
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let before = template_stages(conn, key).await?;
        if before.is_empty() {
            return Err(CoreError::not_found(key.name()));
        }
        let mut violations = Vec::new();
        for (i, change) in changes.iter().enumerate() {
            let Some(stage) = before.iter().find(|s| s.code == change.code) else {
                violations.push(FieldViolation::says(
                    format!("stages[{i}].code"),
                    &crate::wording::NO_SUCH_STAGE,
                    vec![key.name().to_string(), change.code.to_string()],
                ));
                continue;
            };
            if change.target_days.is_some_and(|d| !(1..=3650).contains(&d)) {
                violations.push(FieldViolation::says(
                    format!("stages[{i}].target_days"),
                    &crate::wording::DAYS_BETWEEN,
                    vec!["1".to_string(), "3650".to_string()],
                ));
            }
            if change.skippable == Some(true) && (stage.signs || stage.dprd) {
                violations.push(FieldViolation::says(
                    format!("stages[{i}].skippable"),
                    &crate::wording::STAGE_NOT_SKIPPABLE,
                    vec![],
                ));
            }
        }
        if !violations.is_empty() {
            return Err(CoreError::InvalidArgument(violations));
        }
        for change in &changes {
            let target = stage_templates::table
                .filter(stage_templates::cooperation_type.eq(key.cooperation_type.code()))
                .filter(stage_templates::document_kind.eq(key.document_kind.code()))
                .filter(stage_templates::with_parent.eq(key.with_parent))
                .filter(stage_templates::stage_code.eq(&change.code));
            if let Some(days) = change.target_days {
                diesel::update(target)
                    .set((
                        stage_templates::target_days.eq(days),
                        stage_templates::update_time.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
            }
            if let Some(skippable) = change.skippable {
                diesel::update(target)
                    .set((
                        stage_templates::skippable.eq(skippable),
                        stage_templates::update_time.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
            }
        }
        let after = template_stages(conn, key).await?;
        audit::change(
            conn,
            actor,
            None,
            "UpdateStageTemplate",
            key.name(),
            audit::json(&before),
            audit::json(&after),
        )
        .await?;
        Ok(StageTemplate {
            key,
            stages: after,
            update_time: Some(Utc::now()),
        })
    })
    .await
}

fn add_days(date: NaiveDate, days: i32) -> NaiveDate {
    date.checked_add_days(Days::new(days.max(0) as u64))
        .unwrap_or(date)
}

/// Creates an agreement's stages from its template: [`template_of`],
/// [`plan`] and [`write`] in turn.
pub async fn instantiate(
    conn: &mut AsyncPgConnection,
    agreement_id: Uuid,
    fields: &AgreementFields,
    complete_through: Option<&str>,
) -> CoreResult<()> {
    let template = template_of(conn, fields).await?;
    let planned = plan(&template, agreement_id, fields, complete_through)?;
    write(conn, planned).await
}

/// The stage template an agreement with `fields` follows: empty when there
/// is none, which [`plan`] refuses (a caller that reads it beside its
/// validation reports the request's own mistakes first).
pub(crate) async fn template_of(
    conn: &AsyncPgConnection,
    fields: &AgreementFields,
) -> CoreResult<Vec<TemplateStage>> {
    template_stages(conn, TemplateKey::of(fields)).await
}

/// One stage row of a new agreement.
#[derive(Insertable)]
#[diesel(table_name = agreement_stages)]
struct NewStage {
    agreement_id: Uuid,
    region_code: String,
    position: i16,
    code: String,
    status: &'static str,
    skippable: bool,
    started_on: Option<NaiveDate>,
    sla_due_on: Option<NaiveDate>,
    completed_on: Option<NaiveDate>,
    backfilled: bool,
}

/// A new agreement's stages, planned from its template and not yet written.
pub(crate) struct PlannedStages(Vec<NewStage>);

/// The stages of a new agreement from its `template`. With a signed date,
/// every stage through signing (or through `complete_through`, a later
/// stage) is marked done on that date, flagged as backfilled, and the next
/// one starts then: a signed agreement's process started on its signing date
/// (which `agreements::create_in` stores with the row).
pub(crate) fn plan(
    template: &[TemplateStage],
    agreement_id: Uuid,
    fields: &AgreementFields,
    complete_through: Option<&str>,
) -> CoreResult<PlannedStages> {
    if template.is_empty() {
        return Err(CoreError::Internal(format!(
            "no stage template for {:?}",
            TemplateKey::of(fields)
        )));
    }
    let signing = template
        .iter()
        .find(|s| s.signs)
        .map(|s| s.position)
        .unwrap_or(0);
    let through = match (complete_through, fields.signed_on) {
        (None, _) => signing,
        (Some(_), None) => {
            return Err(CoreError::says(
                "complete_through_stage",
                &crate::wording::COMPLETE_THROUGH_NEEDS_SIGNED,
                vec![],
            ));
        }
        (Some(code), Some(_)) => match template.iter().find(|s| s.code == code) {
            Some(stage) if stage.position >= signing => stage.position,
            Some(_) => {
                return Err(CoreError::says(
                    "complete_through_stage",
                    &crate::wording::BEFORE_SIGNING_STAGE,
                    vec![code.to_string()],
                ));
            }
            None => {
                let codes: Vec<&str> = template.iter().map(|s| s.code.as_str()).collect();
                return Err(CoreError::says(
                    "complete_through_stage",
                    &crate::wording::NOT_A_STAGE_OF_RECORD,
                    vec![code.to_string(), codes.join(", ").to_string()],
                ));
            }
        },
    };
    let applicable = |s: &TemplateStage| !s.dprd || fields.dprd_approval_required;
    let next = template
        .iter()
        .find(|s| s.position > through && applicable(s))
        .map(|s| s.position);
    let rows = template
        .iter()
        .map(|s| {
            let (status, dates) = match fields.signed_on {
                _ if !applicable(s) => (StageStatus::NotApplicable, None),
                Some(signed) if s.position <= through => (StageStatus::Done, Some(signed)),
                Some(signed) if Some(s.position) == next => (StageStatus::InProgress, Some(signed)),
                _ => (StageStatus::Pending, None),
            };
            NewStage {
                agreement_id,
                region_code: fields.region_code.clone(),
                position: s.position,
                code: s.code.clone(),
                status: status.code(),
                skippable: s.skippable,
                started_on: dates,
                sla_due_on: dates.map(|d| add_days(d, s.target_days)),
                completed_on: (status == StageStatus::Done).then_some(dates).flatten(),
                backfilled: status == StageStatus::Done,
            }
        })
        .collect();
    Ok(PlannedStages(rows))
}

/// Inserts planned stages (their agreement's row must be written first,
/// earlier in the same pipeline at the latest).
pub(crate) async fn write(mut conn: &AsyncPgConnection, planned: PlannedStages) -> CoreResult<()> {
    diesel::insert_into(agreement_stages::table)
        .values(planned.0)
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Replaces an agreement's stages by those of its new template (its parent
/// was added or removed), allowed only while none has started.
pub async fn replace_template(
    conn: &mut AsyncPgConnection,
    agreement_id: Uuid,
    fields: &AgreementFields,
) -> CoreResult<()> {
    let moved: i64 = agreement_stages::table
        .filter(agreement_stages::agreement_id.eq(agreement_id))
        .filter(agreement_stages::status.ne_all(vec![
            StageStatus::Pending.code(),
            StageStatus::NotApplicable.code(),
        ]))
        .count()
        .get_result(conn)
        .await?;
    if moved > 0 {
        return Err(refused(
            &[],
            &wording::TEMPLATE_IN_USE,
            vec![crate::names::agreement_name(agreement_id)],
        ));
    }
    diesel::delete(agreement_stages::table.filter(agreement_stages::agreement_id.eq(agreement_id)))
        .execute(conn)
        .await?;
    instantiate(conn, agreement_id, fields, None).await?;
    Ok(())
}

/// A due-date change, kept forever.
/// The most reschedules one stage keeps (bounds a stage's size: with reasons
/// of at most 4,000 characters, a stage stays well under a megabyte).
pub const MAX_RESCHEDULES: usize = 50;

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct Reschedule {
    #[serde(skip)]
    pub stage_code: String,
    pub decided_on: NaiveDate,
    pub previous_due_on: NaiveDate,
    pub new_due_on: NaiveDate,
    pub reason: String,
    pub actor: String,
    pub create_time: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub agreement_id: Uuid,
    pub code: String,
    pub name_id: String,
    pub name_en: String,
    pub position: i16,
    pub status: StageStatus,
    pub skippable: bool,
    pub signs: bool,
    pub started_on: Option<NaiveDate>,
    /// Due date from the target duration when the stage started.
    pub sla_due_on: Option<NaiveDate>,
    /// The due date in force today: the last reschedule decided by today, else the SLA date.
    pub due_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub skip_reason: Option<String>,
    pub backfilled: bool,
    pub notes: String,
    pub evidence_document_id: Option<Uuid>,
    pub reschedules: Vec<Reschedule>,
    pub version: i64,
    pub update_time: DateTime<Utc>,
}

impl Stage {
    pub fn name(&self) -> String {
        format!(
            "{}/stages/{}",
            crate::names::agreement_name(self.agreement_id),
            self.code
        )
    }

    /// The due date in force on `day`.
    pub fn due_on_as_of(&self, day: NaiveDate) -> Option<NaiveDate> {
        self.reschedules
            .iter()
            .rfind(|r| r.decided_on <= day)
            .map(|r| r.new_due_on)
            .or(self.sla_due_on)
    }
}

/// Parses `agreements/{id}/stages/{code}`; a stage code is `A-Z`, `0-9`
/// and `_` (PERSIAPAN, PENANDATANGANAN_KSB).
pub fn parse_name(name: &str) -> Option<(Uuid, &str)> {
    let (agreement, code) = name.split_once("/stages/")?;
    let id = crate::names::parse_agreement_name(agreement)?;
    let is_code = !code.is_empty()
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    is_code.then_some((id, code))
}

type StageRow = (
    (
        i16,
        String,
        String,
        bool,
        Option<NaiveDate>,
        Option<NaiveDate>,
        Option<NaiveDate>,
    ),
    (
        Option<String>,
        bool,
        String,
        Option<Uuid>,
        i64,
        DateTime<Utc>,
    ),
    (String, String, bool),
);

/// The stages of one agreement, in order, with their reschedule history.
/// The stages of one agreement, in order, inside the caller's connection.
pub async fn load_stages(
    conn: &mut AsyncPgConnection,
    agreement_id: Uuid,
) -> CoreResult<Vec<Stage>> {
    let rows: Vec<StageRow> = agreement_stages::table
        .inner_join(stage_definitions::table)
        .filter(agreement_stages::agreement_id.eq(agreement_id))
        .order(agreement_stages::position)
        .select((
            (
                agreement_stages::position,
                agreement_stages::code,
                agreement_stages::status,
                agreement_stages::skippable,
                agreement_stages::started_on,
                agreement_stages::sla_due_on,
                agreement_stages::completed_on,
            ),
            (
                agreement_stages::skip_reason,
                agreement_stages::backfilled,
                agreement_stages::notes,
                agreement_stages::evidence_document_id,
                agreement_stages::version,
                agreement_stages::update_time,
            ),
            (
                stage_definitions::name_id,
                stage_definitions::name_en,
                stage_definitions::signs,
            ),
        ))
        .load(conn)
        .await?;
    let mut history: Vec<Reschedule> = stage_reschedules::table
        .filter(stage_reschedules::agreement_id.eq(agreement_id))
        .order((stage_reschedules::decided_on, stage_reschedules::id))
        .select((
            stage_reschedules::stage_code,
            stage_reschedules::decided_on,
            stage_reschedules::previous_due_on,
            stage_reschedules::new_due_on,
            stage_reschedules::reason,
            stage_reschedules::actor,
            stage_reschedules::create_time,
        ))
        .load(conn)
        .await?;
    let today = calendar::today();
    rows.into_iter()
        .map(
            |(
                (position, code, status, skippable, started_on, sla_due_on, completed_on),
                rest,
                names,
            )| {
                let (skip_reason, backfilled, notes, evidence_document_id, version, update_time) =
                    rest;
                let (name_id, name_en, signs) = names;
                let status = StageStatus::from_code(&status)
                    .ok_or_else(|| CoreError::Internal(format!("stage status {status}")))?;
                let reschedules: Vec<Reschedule> =
                    history.extract_if(.., |r| r.stage_code == code).collect();
                let mut stage = Stage {
                    agreement_id,
                    code,
                    name_id,
                    name_en,
                    position,
                    status,
                    skippable,
                    signs,
                    started_on,
                    sla_due_on,
                    due_on: None,
                    completed_on,
                    skip_reason,
                    backfilled,
                    notes,
                    evidence_document_id,
                    reschedules,
                    version,
                    update_time,
                };
                stage.due_on = stage.due_on_as_of(today);
                Ok(stage)
            },
        )
        .collect()
}

pub async fn list(pool: &PgPool, actor: &Principal, agreement_id: Uuid) -> CoreResult<Vec<Stage>> {
    let mut conn = pool.get().await?;
    let agreement = crate::agreement_record::load(&conn, agreement_id, false).await?;
    actor.check_read(&agreement.fields.region_code)?;
    load_stages(&mut conn, agreement_id).await
}

pub async fn get(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    code: &str,
) -> CoreResult<Stage> {
    list(pool, actor, agreement_id)
        .await?
        .into_iter()
        .find(|s| s.code == code)
        .ok_or_else(|| {
            CoreError::not_found(format!(
                "{}/stages/{code}",
                crate::names::agreement_name(agreement_id)
            ))
        })
}

/// What a stage operation does.
#[derive(Debug, Clone)]
pub enum StageAction {
    Start {
        on: Option<NaiveDate>,
        notes: Option<String>,
    },
    Complete {
        on: Option<NaiveDate>,
        notes: Option<String>,
        evidence_document_id: Option<Uuid>,
    },
    Skip {
        on: Option<NaiveDate>,
        reason: String,
    },
    Reschedule {
        decided_on: Option<NaiveDate>,
        new_due_on: NaiveDate,
        reason: String,
    },
}

impl StageAction {
    fn audit_name(&self) -> &'static str {
        match self {
            StageAction::Start { .. } => "StartStage",
            StageAction::Complete { .. } => "CompleteStage",
            StageAction::Skip { .. } => "SkipStage",
            StageAction::Reschedule { .. } => "RescheduleStage",
        }
    }
}

fn not_in_future(field: &str, day: Option<NaiveDate>, today: NaiveDate) -> CoreResult<NaiveDate> {
    let day = day.unwrap_or(today);
    if day > today {
        return Err(CoreError::says(
            field,
            &crate::wording::NOT_FUTURE,
            vec![today.to_string()],
        ));
    }
    Ok(day)
}

/// The first stage before `index` that is not settled yet.
fn blocker(stages: &[Stage], index: usize) -> Option<&Stage> {
    stages[..index].iter().find(|s| !s.status.is_settled())
}

/// The latest date a stage before `index` was settled on.
fn previous_completion(stages: &[Stage], index: usize) -> Option<NaiveDate> {
    stages[..index].iter().filter_map(|s| s.completed_on).max()
}

/// A state rule's refusal: the English keeps the codes, the Bahasa
/// Indonesia names them for people (see [`for_people`]).
fn refused(stages: &[Stage], wording: &'static Wording, values: Vec<String>) -> CoreError {
    let named = values.iter().map(|v| for_people(stages, v)).collect();
    CoreError::refused_named(wording, values, named)
}

/// A refusal's value as a person reads it: a stage code of the agreement by
/// the stage's name, a stage status by its Indonesian name (lower case, it
/// sits mid-sentence), a date as Indonesians write it; anything else as is.
fn for_people(stages: &[Stage], value: &str) -> String {
    if let Some(stage) = stages.iter().find(|s| s.code == value) {
        return stage.name_id.clone();
    }
    if let Some(status) = StageStatus::from_code(value) {
        return crate::code_labels::Labelled::label(status)
            .id
            .to_lowercase();
    }
    if let Some(day) = calendar::parse_date(value) {
        return calendar::indonesian_date(day);
    }
    value.to_string()
}

/// Applies one action to one stage, in one transaction with its audit row.
pub async fn act(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    code: &str,
    action: StageAction,
) -> CoreResult<Stage> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| act_in(conn, actor, agreement_id, code, &action).await)
        .await
}

/// [`act`] inside the caller's transaction (the import applies a bureau's
/// stage history through it, row by row).
pub async fn act_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    agreement_id: Uuid,
    code: &str,
    action: &StageAction,
) -> CoreResult<Stage> {
    let agreement = crate::agreement_record::load(conn, agreement_id, true).await?;
    actor.check_write_agreement(&agreement.fields.region_code, &agreement.fields.unit_code)?;
    if agreement.delete_time.is_some() {
        return Err(refused(&[], &wording::DELETED, vec![agreement.name()]));
    }
    if let Some(on) = agreement
        .lifecycle
        .terminated_on
        .or(agreement.lifecycle.cancelled_on)
    {
        return Err(refused(
            &[],
            &wording::STAGES_CLOSED,
            vec![agreement.name(), on.to_string()],
        ));
    }
    let stages = load_stages(conn, agreement_id).await?;
    let index = stages
        .iter()
        .position(|s| s.code == code)
        .ok_or_else(|| CoreError::not_found(format!("{}/stages/{code}", agreement.name())))?;
    let stage = &stages[index];
    let today = calendar::today();
    let template = template_stages(conn, TemplateKey::of(&agreement.fields)).await?;
    let target_days = |code: &str| {
        template
            .iter()
            .find(|t| t.code == code)
            .map(|t| t.target_days)
    };

    // (new status, started_on, sla_due_on, completed_on, skip_reason)
    let mut settle: Option<NaiveDate> = None;
    match action {
        StageAction::Start { on, notes } => {
            let on = not_in_future("started_on", *on, today)?;
            if stage.status != StageStatus::Pending {
                return Err(refused(
                    &stages,
                    &wording::STAGE_NOT_PENDING,
                    vec![code.to_string(), stage.status.to_string()],
                ));
            }
            if let Some(b) = blocker(&stages, index) {
                return Err(refused(
                    &stages,
                    &wording::STAGE_START_BLOCKED,
                    vec![code.to_string(), b.code.clone(), b.status.to_string()],
                ));
            }
            if let Some(previous) = previous_completion(&stages, index).filter(|p| on < *p) {
                return Err(refused(
                    &stages,
                    &wording::STAGE_START_BEFORE_PREVIOUS,
                    vec![code.to_string(), on.to_string(), previous.to_string()],
                ));
            }
            start_stage(conn, agreement_id, code, on, target_days(code).unwrap_or(0)).await?;
            if let Some(notes) = notes {
                set_notes(conn, agreement_id, code, notes).await?;
            }
            mark_process_started(conn, agreement_id, on).await?;
        }
        StageAction::Complete {
            on,
            notes,
            evidence_document_id,
        } => {
            let on = not_in_future("completed_on", *on, today)?;
            if stage.status != StageStatus::InProgress {
                let status = stage.status.to_string();
                return Err(match blocker(&stages, index) {
                    Some(b) => refused(
                        &stages,
                        &wording::STAGE_WAITS_FOR,
                        vec![
                            code.to_string(),
                            status,
                            b.code.clone(),
                            b.status.to_string(),
                        ],
                    ),
                    None if stage.status == StageStatus::Pending => {
                        refused(&stages, &wording::STAGE_NOT_STARTED, vec![code.to_string()])
                    }
                    None => refused(
                        &stages,
                        &wording::STAGE_NOT_IN_PROGRESS,
                        vec![code.to_string(), status],
                    ),
                });
            }
            if let Some(started) = stage.started_on.filter(|s| on < *s) {
                return Err(refused(
                    &stages,
                    &wording::STAGE_COMPLETED_BEFORE_START,
                    vec![code.to_string(), on.to_string(), started.to_string()],
                ));
            }
            crate::documents::ensure_evidence(
                conn,
                agreement_id,
                "evidence_document",
                *evidence_document_id,
            )
            .await?;
            diesel::update(stage_row(agreement_id, code))
                .set((
                    agreement_stages::status.eq(StageStatus::Done.code()),
                    agreement_stages::completed_on.eq(on),
                    agreement_stages::evidence_document_id.eq(evidence_document_id),
                    agreement_stages::version.eq(agreement_stages::version + 1),
                    agreement_stages::update_time.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            if let Some(notes) = notes {
                set_notes(conn, agreement_id, code, notes).await?;
            }
            if stage.signs {
                diesel::update(agreements_table::table.find(agreement_id))
                    .set((
                        agreements_table::signed_on.eq(on),
                        agreements_table::version.eq(agreements_table::version + 1),
                        agreements_table::update_time.eq(diesel::dsl::now),
                    ))
                    .execute(conn)
                    .await?;
            }
            settle = Some(on);
        }
        StageAction::Skip { on, reason } => {
            let on = not_in_future("skipped_on", *on, today)?;
            if reason.trim().is_empty() {
                return Err(CoreError::says(
                    "reason",
                    &crate::wording::REQUIRED_SKIP_REASON,
                    vec![],
                ));
            }
            if !stage.skippable {
                return Err(refused(
                    &stages,
                    &wording::STAGE_NEVER_SKIPPED,
                    vec![code.to_string()],
                ));
            }
            if !matches!(stage.status, StageStatus::Pending | StageStatus::InProgress) {
                return Err(refused(
                    &stages,
                    &wording::STAGE_SKIP_NOT_OPEN,
                    vec![code.to_string(), stage.status.to_string()],
                ));
            }
            if let Some(b) = blocker(&stages, index) {
                return Err(refused(
                    &stages,
                    &wording::STAGE_SKIP_BLOCKED,
                    vec![code.to_string(), b.code.clone(), b.status.to_string()],
                ));
            }
            let floor = stage.started_on.max(previous_completion(&stages, index));
            if let Some(floor) = floor.filter(|f| on < *f) {
                return Err(refused(
                    &stages,
                    &wording::STAGE_SKIP_TOO_EARLY,
                    vec![code.to_string(), on.to_string(), floor.to_string()],
                ));
            }
            diesel::update(stage_row(agreement_id, code))
                .set((
                    agreement_stages::status.eq(StageStatus::Skipped.code()),
                    agreement_stages::completed_on.eq(on),
                    agreement_stages::skip_reason.eq(reason.trim()),
                    agreement_stages::version.eq(agreement_stages::version + 1),
                    agreement_stages::update_time.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
            mark_process_started(conn, agreement_id, on).await?;
            settle = Some(on);
        }
        StageAction::Reschedule {
            decided_on,
            new_due_on,
            reason,
        } => {
            let decided_on = not_in_future("decided_on", *decided_on, today)?;
            if reason.trim().is_empty() {
                return Err(CoreError::says(
                    "reason",
                    &crate::wording::REQUIRED_RESCHEDULE_REASON,
                    vec![],
                ));
            }
            if stage.status != StageStatus::InProgress {
                return Err(refused(
                    &stages,
                    &wording::STAGE_RESCHEDULE_NOT_IN_PROGRESS,
                    vec![code.to_string(), stage.status.to_string()],
                ));
            }
            if stage.reschedules.len() >= MAX_RESCHEDULES {
                return Err(refused(
                    &stages,
                    &wording::STAGE_RESCHEDULE_LIMIT,
                    vec![code.to_string(), MAX_RESCHEDULES.to_string()],
                ));
            }
            let started = stage.started_on.unwrap_or(decided_on);
            if *new_due_on < started {
                return Err(CoreError::says(
                    "new_due_on",
                    &crate::wording::NOT_BEFORE_STAGE_START,
                    vec![started.to_string()],
                ));
            }
            if decided_on < started {
                return Err(CoreError::says(
                    "decided_on",
                    &crate::wording::NOT_BEFORE_STAGE_START,
                    vec![started.to_string()],
                ));
            }
            let previous = stage.due_on_as_of(decided_on).unwrap_or(started);
            diesel::insert_into(stage_reschedules::table)
                .values((
                    stage_reschedules::agreement_id.eq(agreement_id),
                    stage_reschedules::stage_code.eq(code),
                    stage_reschedules::region_code.eq(&agreement.fields.region_code),
                    stage_reschedules::decided_on.eq(decided_on),
                    stage_reschedules::previous_due_on.eq(previous),
                    stage_reschedules::new_due_on.eq(new_due_on),
                    stage_reschedules::reason.eq(reason.trim()),
                    stage_reschedules::actor.eq(&actor.name),
                ))
                .execute(conn)
                .await?;
            diesel::update(stage_row(agreement_id, code))
                .set((
                    agreement_stages::version.eq(agreement_stages::version + 1),
                    agreement_stages::update_time.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
        }
    }

    // Settling the current stage starts the next applicable one that day.
    if let Some(on) = settle
        && let Some(next) = stages[index + 1..]
            .iter()
            .find(|s| s.status == StageStatus::Pending)
    {
        start_stage(
            conn,
            agreement_id,
            &next.code,
            on,
            target_days(&next.code).unwrap_or(0),
        )
        .await?;
    }

    let after = load_stages(conn, agreement_id).await?;
    let changed = after
        .into_iter()
        .find(|s| s.code == code)
        .ok_or_else(|| CoreError::Internal("stage vanished".into()))?;
    audit::change(
        conn,
        actor,
        Some(agreement.fields.region_code.clone()),
        action.audit_name(),
        changed.name(),
        audit::json(stage),
        audit::json(&changed),
    )
    .await?;
    Ok(changed)
}

fn stage_row(
    agreement_id: Uuid,
    code: &str,
) -> diesel::dsl::Filter<
    diesel::dsl::Filter<
        agreement_stages::table,
        diesel::dsl::Eq<agreement_stages::agreement_id, Uuid>,
    >,
    diesel::dsl::Eq<agreement_stages::code, String>,
> {
    agreement_stages::table
        .filter(agreement_stages::agreement_id.eq(agreement_id))
        .filter(agreement_stages::code.eq(code.to_string()))
}

async fn start_stage(
    conn: &mut AsyncPgConnection,
    agreement_id: Uuid,
    code: &str,
    on: NaiveDate,
    target_days: i32,
) -> CoreResult<()> {
    diesel::update(stage_row(agreement_id, code))
        .set((
            agreement_stages::status.eq(StageStatus::InProgress.code()),
            agreement_stages::started_on.eq(on),
            agreement_stages::sla_due_on.eq(add_days(on, target_days)),
            agreement_stages::version.eq(agreement_stages::version + 1),
            agreement_stages::update_time.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

async fn set_notes(
    conn: &mut AsyncPgConnection,
    agreement_id: Uuid,
    code: &str,
    notes: &str,
) -> CoreResult<()> {
    diesel::update(stage_row(agreement_id, code))
        .set(agreement_stages::notes.eq(notes.trim()))
        .execute(conn)
        .await?;
    Ok(())
}

/// The first stage's start makes an unsigned agreement IN_PROCESS.
async fn mark_process_started(
    conn: &mut AsyncPgConnection,
    agreement_id: Uuid,
    on: NaiveDate,
) -> CoreResult<()> {
    diesel::update(
        agreements_table::table.find(agreement_id).filter(
            agreements_table::process_started_on
                .is_null()
                .or(agreements_table::process_started_on.gt(on)),
        ),
    )
    .set(agreements_table::process_started_on.eq(on))
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps the DPRD stage in line with `dprd_approval_required` while it has not
/// been reached: PENDING when required, NOT_APPLICABLE when not. A stage
/// already in progress or settled is left as it is (skip it with a reason).
pub async fn sync_dprd(
    conn: &mut AsyncPgConnection,
    agreement_id: Uuid,
    required: bool,
) -> CoreResult<()> {
    let (from, to) = if required {
        (StageStatus::NotApplicable, StageStatus::Pending)
    } else {
        (StageStatus::Pending, StageStatus::NotApplicable)
    };
    let dprd_codes = stage_definitions::table
        .filter(stage_definitions::dprd.eq(true))
        .select(stage_definitions::code);
    let candidates: Vec<(String, i16)> = agreement_stages::table
        .filter(agreement_stages::agreement_id.eq(agreement_id))
        .filter(agreement_stages::code.eq_any(dprd_codes))
        .filter(agreement_stages::status.eq(from.code()))
        .select((agreement_stages::code, agreement_stages::position))
        .load(conn)
        .await?;
    for (code, position) in candidates {
        // Reached: a later stage has started or settled.
        let reached: i64 = agreement_stages::table
            .filter(agreement_stages::agreement_id.eq(agreement_id))
            .filter(agreement_stages::position.gt(position))
            .filter(agreement_stages::status.ne_all(vec![
                StageStatus::Pending.code(),
                StageStatus::NotApplicable.code(),
            ]))
            .count()
            .get_result(conn)
            .await?;
        if reached == 0 {
            diesel::update(stage_row(agreement_id, &code))
                .set((
                    agreement_stages::status.eq(to.code()),
                    agreement_stages::version.eq(agreement_stages::version + 1),
                    agreement_stages::update_time.eq(diesel::dsl::now),
                ))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}
