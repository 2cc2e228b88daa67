//! Benefits planned and realised: indicators on an agreement (IATI-style
//! result indicators) and the values realised per period. Values are exact
//! decimals; rupiah (unit IDR) are whole. Realisation periods of one indicator
//! never overlap and fall inside the agreement's in-force period, extended by
//! [`REALISATION_GRACE_DAYS`] after its end for benefits that land late.

use bigdecimal::BigDecimal;
use chrono::{DateTime, Days, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::access::Principal;
use crate::agreements::{self, Agreement};
use crate::audit::{self, json};
use crate::calendar;
use crate::codes::{Beneficiary, IndicatorCategory};
use crate::decimal;
use crate::error::{CoreError, CoreResult, FieldViolation};
use crate::pool::PgPool;
use crate::schema::{benefit_indicators, benefit_realisations, measurement_units};

/// Days after the end of the in-force period in which realisations may still fall.
pub const REALISATION_GRACE_DAYS: u64 = 90;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorFields {
    pub title: String,
    pub category: IndicatorCategory,
    /// A code of `measurement_units`: IDR, PERSON, UNIT, PERCENT, KM, …
    pub unit_of_measure: String,
    pub beneficiary: Beneficiary,
    pub baseline: Option<BigDecimal>,
    pub target_value: Option<BigDecimal>,
    pub target_date: Option<NaiveDate>,
    pub higher_is_better: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub id: Uuid,
    pub agreement_id: Uuid,
    #[serde(flatten)]
    pub fields: IndicatorFields,
    pub version: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

impl Indicator {
    pub fn name(&self) -> String {
        format!(
            "{}/indicators/{}",
            crate::names::agreement_name(self.agreement_id),
            self.id
        )
    }

    pub fn etag(&self) -> String {
        crate::etag::of(self.version)
    }
}

/// One field replaced by UpdateIndicator.
#[derive(Debug, Clone)]
pub enum IndicatorChange {
    Title(String),
    Category(IndicatorCategory),
    UnitOfMeasure(String),
    Beneficiary(Beneficiary),
    Baseline(Option<BigDecimal>),
    TargetValue(Option<BigDecimal>),
    TargetDate(Option<NaiveDate>),
    HigherIsBetter(bool),
}

impl IndicatorFields {
    fn apply(&mut self, change: IndicatorChange) {
        match change {
            IndicatorChange::Title(v) => self.title = v,
            IndicatorChange::Category(v) => self.category = v,
            IndicatorChange::UnitOfMeasure(v) => self.unit_of_measure = v,
            IndicatorChange::Beneficiary(v) => self.beneficiary = v,
            IndicatorChange::Baseline(v) => self.baseline = v,
            IndicatorChange::TargetValue(v) => self.target_value = v,
            IndicatorChange::TargetDate(v) => self.target_date = v,
            IndicatorChange::HigherIsBetter(v) => self.higher_is_better = v,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RealisationFields {
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: BigDecimal,
    pub note: String,
    pub evidence_document_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Realisation {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub agreement_id: Uuid,
    #[serde(flatten)]
    pub fields: RealisationFields,
    /// The token that reported it.
    pub reported_by: String,
    pub version: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

impl Realisation {
    pub fn name(&self) -> String {
        format!(
            "{}/indicators/{}/realisations/{}",
            crate::names::agreement_name(self.agreement_id),
            self.indicator_id,
            self.id
        )
    }

    pub fn etag(&self) -> String {
        crate::etag::of(self.version)
    }
}

/// One field replaced by UpdateRealisation.
#[derive(Debug, Clone)]
pub enum RealisationChange {
    PeriodStart(NaiveDate),
    PeriodEnd(NaiveDate),
    Value(BigDecimal),
    Note(String),
    EvidenceDocument(Option<Uuid>),
}

/// Parses `agreements/{a}/indicators/{i}`.
pub fn parse_indicator_name(name: &str) -> Option<(Uuid, Uuid)> {
    let (agreement, indicator) = name.split_once("/indicators/")?;
    Some((
        crate::names::parse_agreement_name(agreement)?,
        crate::names::parse_id(indicator)?,
    ))
}

/// Parses `agreements/{a}/indicators/{i}/realisations/{r}`.
pub fn parse_realisation_name(name: &str) -> Option<(Uuid, Uuid, Uuid)> {
    let (indicator, realisation) = name.split_once("/realisations/")?;
    let (agreement, indicator) = parse_indicator_name(indicator)?;
    Some((agreement, indicator, crate::names::parse_id(realisation)?))
}

/// The agreement, locked, checked writable by `actor` and not deleted.
async fn writable_agreement(
    conn: &AsyncPgConnection,
    actor: &Principal,
    id: Uuid,
) -> CoreResult<Agreement> {
    let agreement = crate::agreement_record::load(conn, id, true).await?;
    writable(actor, agreement)
}

/// `agreement` (loaded locked) if `actor` may write it and it is not deleted.
fn writable(actor: &Principal, agreement: Agreement) -> CoreResult<Agreement> {
    actor.check_write_agreement(&agreement.fields.region_code, &agreement.fields.unit_code)?;
    if agreement.delete_time.is_some() {
        return Err(CoreError::refused(
            &crate::wording::DELETED,
            vec![agreement.name()],
        ));
    }
    Ok(agreement)
}

/// Whether `code` is a unit of measure of the register.
async fn unit_known(mut conn: &AsyncPgConnection, code: &str) -> CoreResult<bool> {
    let known: i64 = measurement_units::table
        .filter(measurement_units::code.eq(code))
        .count()
        .get_result(&mut conn)
        .await?;
    Ok(known > 0)
}

/// The indicator's rules; `unit_known` is [`unit_known`] of its unit.
async fn validate_indicator(
    conn: &mut AsyncPgConnection,
    f: &IndicatorFields,
    unit_known: bool,
) -> CoreResult<()> {
    let mut v = Vec::new();
    let title = f.title.trim().chars().count();
    if title == 0 || f.title.chars().count() > 300 {
        v.push(FieldViolation::says(
            "title",
            &crate::wording::CHARACTERS_BETWEEN,
            vec!["1".to_string(), "300".to_string()],
        ));
    }
    if !unit_known {
        let codes: Vec<String> = measurement_units::table
            .select(measurement_units::code)
            .order(measurement_units::code)
            .load(conn)
            .await?;
        v.push(FieldViolation::says(
            "unit_of_measure",
            &crate::wording::UNKNOWN_UNIT_OF_MEASURE,
            vec![
                format!("{:?}", f.unit_of_measure),
                codes.join(", ").to_string(),
            ],
        ));
    }
    for (field, value) in [("baseline", &f.baseline), ("target_value", &f.target_value)] {
        if let Some(value) = value {
            if *value < 0 {
                v.push(FieldViolation::says(
                    field,
                    &crate::wording::NOT_NEGATIVE,
                    vec![],
                ));
            } else if f.unit_of_measure == "IDR" && !decimal::is_whole(value) {
                v.push(FieldViolation::says(
                    field,
                    &crate::wording::WHOLE_RUPIAH,
                    vec![],
                ));
            }
        }
    }
    if v.is_empty() {
        Ok(())
    } else {
        Err(CoreError::InvalidArgument(v))
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = benefit_indicators, check_for_backend(diesel::pg::Pg))]
struct IndicatorRow {
    id: Uuid,
    agreement_id: Uuid,
    title: String,
    category: String,
    unit_of_measure: String,
    beneficiary: String,
    baseline: Option<BigDecimal>,
    target_value: Option<BigDecimal>,
    target_date: Option<NaiveDate>,
    higher_is_better: bool,
    version: i64,
    create_time: DateTime<Utc>,
    update_time: DateTime<Utc>,
    delete_time: Option<DateTime<Utc>>,
}

fn indicator_of(row: IndicatorRow) -> CoreResult<Indicator> {
    Ok(Indicator {
        id: row.id,
        agreement_id: row.agreement_id,
        fields: IndicatorFields {
            title: row.title,
            category: IndicatorCategory::from_code(&row.category).ok_or_else(|| {
                CoreError::Internal(format!("indicator category {}", row.category))
            })?,
            unit_of_measure: row.unit_of_measure,
            beneficiary: Beneficiary::from_code(&row.beneficiary)
                .ok_or_else(|| CoreError::Internal(format!("beneficiary {}", row.beneficiary)))?,
            baseline: row.baseline,
            target_value: row.target_value,
            target_date: row.target_date,
            higher_is_better: row.higher_is_better,
        },
        version: row.version,
        create_time: row.create_time,
        update_time: row.update_time,
        delete_time: row.delete_time,
    })
}

/// One indicator of an agreement (deleted ones too), unlocked.
pub async fn load_indicator_for(
    conn: &mut AsyncPgConnection,
    agreement_id: Uuid,
    id: Uuid,
) -> CoreResult<Indicator> {
    load_indicator(conn, agreement_id, id, false).await
}

async fn load_indicator(
    conn: &AsyncPgConnection,
    agreement_id: Uuid,
    id: Uuid,
    lock: bool,
) -> CoreResult<Indicator> {
    let found = find_indicator(conn, agreement_id, id, lock).await?;
    found.ok_or_else(|| indicator_not_found(agreement_id, id))
}

/// [`load_indicator`] with a missing indicator as `None`, so that a caller
/// that sends it in a pipeline checks the agreement's answer first.
async fn find_indicator(
    mut conn: &AsyncPgConnection,
    agreement_id: Uuid,
    id: Uuid,
    lock: bool,
) -> CoreResult<Option<Indicator>> {
    let query = benefit_indicators::table
        .find(id)
        .filter(benefit_indicators::agreement_id.eq(agreement_id))
        .select(IndicatorRow::as_select());
    let row = if lock {
        query.for_update().first(&mut conn).await.optional()?
    } else {
        query.first(&mut conn).await.optional()?
    };
    row.map(indicator_of).transpose()
}

fn indicator_not_found(agreement_id: Uuid, id: Uuid) -> CoreError {
    CoreError::not_found(format!(
        "{}/indicators/{id}",
        crate::names::agreement_name(agreement_id)
    ))
}

pub async fn create_indicator(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    fields: IndicatorFields,
) -> CoreResult<Indicator> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| create_indicator_in(conn, actor, agreement_id, fields).await)
        .await
}

/// [`create_indicator`] on a connection the caller holds, inside the caller's
/// transaction (the bulk import runs every row through it).
pub async fn create_indicator_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    agreement_id: Uuid,
    fields: IndicatorFields,
) -> CoreResult<Indicator> {
    // The agreement (locked) and the unit check in one round trip.
    let (agreement, known) = futures::try_join!(
        crate::agreement_record::load(conn, agreement_id, true),
        unit_known(conn, &fields.unit_of_measure),
    )?;
    let agreement = writable(actor, agreement)?;
    validate_indicator(conn, &fields, known).await?;
    let id = Uuid::now_v7();
    let created: IndicatorRow = diesel::insert_into(benefit_indicators::table)
        .values((
            benefit_indicators::id.eq(id),
            benefit_indicators::agreement_id.eq(agreement_id),
            benefit_indicators::region_code.eq(&agreement.fields.region_code),
            benefit_indicators::title.eq(fields.title.trim()),
            benefit_indicators::category.eq(fields.category.code()),
            benefit_indicators::unit_of_measure.eq(&fields.unit_of_measure),
            benefit_indicators::beneficiary.eq(fields.beneficiary.code()),
            benefit_indicators::baseline.eq(&fields.baseline),
            benefit_indicators::target_value.eq(&fields.target_value),
            benefit_indicators::target_date.eq(fields.target_date),
            benefit_indicators::higher_is_better.eq(fields.higher_is_better),
        ))
        .returning(IndicatorRow::as_returning())
        .get_result(conn)
        .await?;
    let created = indicator_of(created)?;
    let region = agreement.fields.region_code.clone();
    audit::change(
        conn,
        actor,
        Some(region),
        "CreateIndicator",
        created.name(),
        None,
        json(&created),
    )
    .await?;
    Ok(created)
}

pub async fn get_indicator(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    id: Uuid,
) -> CoreResult<Indicator> {
    let agreement = agreements::get(pool, actor, agreement_id).await?;
    let conn = pool.get().await?;
    load_indicator(&conn, agreement.id, id, false).await
}

/// The indicators of one agreement (a handful), oldest first.
pub async fn list_indicators(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    show_deleted: bool,
) -> CoreResult<Vec<Indicator>> {
    agreements::get(pool, actor, agreement_id).await?;
    let mut conn = pool.get().await?;
    let mut query = benefit_indicators::table
        .filter(benefit_indicators::agreement_id.eq(agreement_id))
        .select(IndicatorRow::as_select())
        .order(benefit_indicators::id)
        .into_boxed();
    if !show_deleted {
        query = query.filter(benefit_indicators::delete_time.is_null());
    }
    let rows: Vec<IndicatorRow> = query.load(&mut conn).await?;
    rows.into_iter().map(indicator_of).collect()
}

pub async fn update_indicator(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    id: Uuid,
    changes: Vec<IndicatorChange>,
    etag: Option<&str>,
) -> CoreResult<Indicator> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        update_indicator_in(conn, actor, agreement_id, id, changes, etag).await
    })
    .await
}

/// [`update_indicator`] on a connection the caller holds, inside the caller's
/// transaction (the bulk import runs every row through it).
pub async fn update_indicator_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    agreement_id: Uuid,
    id: Uuid,
    changes: Vec<IndicatorChange>,
    etag: Option<&str>,
) -> CoreResult<Indicator> {
    let agreement = writable_agreement(conn, actor, agreement_id).await?;
    let before = load_indicator(conn, agreement_id, id, true).await?;
    if before.delete_time.is_some() {
        return Err(CoreError::refused(
            &crate::wording::DELETED,
            vec![before.name()],
        ));
    }
    crate::etag::check(&before.etag(), etag, &before.name())?;
    let mut fields = before.fields.clone();
    for change in changes {
        fields.apply(change);
    }
    let known = unit_known(conn, &fields.unit_of_measure).await?;
    validate_indicator(conn, &fields, known).await?;
    diesel::update(benefit_indicators::table.find(id))
        .set((
            benefit_indicators::title.eq(fields.title.trim()),
            benefit_indicators::category.eq(fields.category.code()),
            benefit_indicators::unit_of_measure.eq(&fields.unit_of_measure),
            benefit_indicators::beneficiary.eq(fields.beneficiary.code()),
            benefit_indicators::baseline.eq(&fields.baseline),
            benefit_indicators::target_value.eq(&fields.target_value),
            benefit_indicators::target_date.eq(fields.target_date),
            benefit_indicators::higher_is_better.eq(fields.higher_is_better),
            benefit_indicators::version.eq(benefit_indicators::version + 1),
            benefit_indicators::update_time.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    let after = load_indicator(conn, agreement_id, id, false).await?;
    let region = agreement.fields.region_code.clone();
    audit::change(
        conn,
        actor,
        Some(region),
        "UpdateIndicator",
        after.name(),
        json(&before),
        json(&after),
    )
    .await?;
    Ok(after)
}

/// Soft delete; its realisations no longer count either.
pub async fn delete_indicator(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    id: Uuid,
) -> CoreResult<Indicator> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let agreement = writable_agreement(conn, actor, agreement_id).await?;
        let before = load_indicator(conn, agreement_id, id, true).await?;
        if before.delete_time.is_some() {
            return Err(CoreError::refused(
                &crate::wording::ALREADY_DELETED,
                vec![before.name()],
            ));
        }
        diesel::update(benefit_indicators::table.find(id))
            .set((
                benefit_indicators::delete_time.eq(diesel::dsl::now),
                benefit_indicators::version.eq(benefit_indicators::version + 1),
                benefit_indicators::update_time.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        let after = load_indicator(conn, agreement_id, id, false).await?;
        let region = agreement.fields.region_code.clone();
        audit::change(
            conn,
            actor,
            Some(region),
            "DeleteIndicator",
            after.name(),
            json(&before),
            json(&after),
        )
        .await?;
        Ok(after)
    })
    .await
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = benefit_realisations, check_for_backend(diesel::pg::Pg))]
struct RealisationRow {
    id: Uuid,
    indicator_id: Uuid,
    agreement_id: Uuid,
    period_start: NaiveDate,
    period_end: NaiveDate,
    value: BigDecimal,
    note: String,
    evidence_document_id: Option<Uuid>,
    reported_by: String,
    version: i64,
    create_time: DateTime<Utc>,
    update_time: DateTime<Utc>,
    delete_time: Option<DateTime<Utc>>,
}

fn realisation_of(row: RealisationRow) -> Realisation {
    Realisation {
        id: row.id,
        indicator_id: row.indicator_id,
        agreement_id: row.agreement_id,
        fields: RealisationFields {
            period_start: row.period_start,
            period_end: row.period_end,
            value: row.value,
            note: row.note,
            evidence_document_id: row.evidence_document_id,
        },
        reported_by: row.reported_by,
        version: row.version,
        create_time: row.create_time,
        update_time: row.update_time,
        delete_time: row.delete_time,
    }
}

/// The rules of one realisation against its agreement, indicator and siblings.
/// Another live realisation of `indicator_id` whose period overlaps `fields`'
/// (other than `own_id`): its id and period.
type Clash = (Uuid, NaiveDate, NaiveDate);

/// The first realisation that [`check_realisation`] would refuse `fields`
/// for overlapping. Run it after the indicator is locked (in the same
/// pipeline, after the locking statement), which serialises the checks.
async fn overlapping(
    mut conn: &AsyncPgConnection,
    indicator_id: Uuid,
    fields: &RealisationFields,
    own_id: Option<Uuid>,
) -> CoreResult<Option<Clash>> {
    let mut overlapping = benefit_realisations::table
        .filter(benefit_realisations::indicator_id.eq(indicator_id))
        .filter(benefit_realisations::delete_time.is_null())
        .filter(benefit_realisations::period_start.le(fields.period_end))
        .filter(benefit_realisations::period_end.ge(fields.period_start))
        .select((
            benefit_realisations::id,
            benefit_realisations::period_start,
            benefit_realisations::period_end,
        ))
        .into_boxed();
    if let Some(own) = own_id {
        overlapping = overlapping.filter(benefit_realisations::id.ne(own));
    }
    Ok(overlapping.first(&mut conn).await.optional()?)
}

/// `clash` is what [`overlapping`] found; it is reported only when the
/// realisation breaks no other rule.
async fn check_realisation(
    conn: &mut AsyncPgConnection,
    agreement: &Agreement,
    indicator: &Indicator,
    fields: &RealisationFields,
    clash: Option<Clash>,
) -> CoreResult<()> {
    let today = calendar::today();
    let mut v = Vec::new();
    if fields.period_end < fields.period_start {
        v.push(FieldViolation::says(
            "period_end",
            &crate::wording::NOT_BEFORE_PERIOD_START,
            vec![],
        ));
    }
    if fields.period_end > today {
        v.push(FieldViolation::says(
            "period_end",
            &crate::wording::NOT_FUTURE_REALISED,
            vec![today.to_string()],
        ));
    }
    if fields.value < 0 {
        v.push(FieldViolation::says(
            "value",
            &crate::wording::NOT_NEGATIVE,
            vec![],
        ));
    } else if indicator.fields.unit_of_measure == "IDR" && !decimal::is_whole(&fields.value) {
        v.push(FieldViolation::says(
            "value",
            &crate::wording::WHOLE_RUPIAH,
            vec![],
        ));
    }
    let Some(from) = agreement
        .fields
        .effective_from
        .or(agreement.fields.signed_on)
    else {
        return Err(CoreError::refused(
            &crate::wording::NOT_SIGNED_FOR_BENEFITS,
            vec![agreement.name()],
        ));
    };
    if fields.period_start < from {
        v.push(FieldViolation::says(
            "period_start",
            &crate::wording::NOT_BEFORE_IN_FORCE,
            vec![from.to_string()],
        ));
    }
    let end = [
        agreement.fields.effective_until,
        agreement.lifecycle.terminated_on,
    ]
    .into_iter()
    .flatten()
    .min();
    if let Some(end) = end {
        let limit = end
            .checked_add_days(Days::new(REALISATION_GRACE_DAYS))
            .unwrap_or(end);
        if fields.period_end > limit {
            v.push(FieldViolation::says(
                "period_end",
                &crate::wording::TOO_LONG_AFTER_END,
                vec![format!("{REALISATION_GRACE_DAYS}"), end.to_string()],
            ));
        }
    }
    match crate::documents::ensure_evidence(
        conn,
        agreement.id,
        "evidence_document",
        fields.evidence_document_id,
    )
    .await
    {
        Ok(()) => {}
        Err(CoreError::InvalidArgument(mut invalid)) => v.append(&mut invalid),
        Err(other) => return Err(other),
    }
    if let (true, Some((other, start, end))) = (v.is_empty(), clash) {
        v.push(FieldViolation::says(
            "period_start",
            &crate::wording::PERIOD_OVERLAPS,
            vec![other.to_string(), start.to_string(), end.to_string()],
        ));
    }
    if v.is_empty() {
        Ok(())
    } else {
        Err(CoreError::InvalidArgument(v))
    }
}

async fn load_realisation(
    mut conn: &AsyncPgConnection,
    indicator: &Indicator,
    id: Uuid,
) -> CoreResult<Realisation> {
    let row: Option<RealisationRow> = benefit_realisations::table
        .find(id)
        .filter(benefit_realisations::indicator_id.eq(indicator.id))
        .select(RealisationRow::as_select())
        .first(&mut conn)
        .await
        .optional()?;
    row.map(realisation_of)
        .ok_or_else(|| CoreError::not_found(format!("{}/realisations/{id}", indicator.name())))
}

/// Locks the agreement and the indicator (serialising overlap checks).
async fn writable_indicator(
    conn: &AsyncPgConnection,
    actor: &Principal,
    agreement_id: Uuid,
    indicator_id: Uuid,
) -> CoreResult<(Agreement, Indicator)> {
    let (agreement, indicator) = futures::try_join!(
        crate::agreement_record::load(conn, agreement_id, true),
        find_indicator(conn, agreement_id, indicator_id, true),
    )?;
    writable_pair(actor, agreement, indicator, (agreement_id, indicator_id))
}

/// The checks of [`writable_indicator`] on what it loaded, in its order:
/// the agreement writable, then the indicator found and not deleted.
fn writable_pair(
    actor: &Principal,
    agreement: Agreement,
    indicator: Option<Indicator>,
    (agreement_id, indicator_id): (Uuid, Uuid),
) -> CoreResult<(Agreement, Indicator)> {
    let agreement = writable(actor, agreement)?;
    let indicator = indicator.ok_or_else(|| indicator_not_found(agreement_id, indicator_id))?;
    if indicator.delete_time.is_some() {
        return Err(CoreError::refused(
            &crate::wording::DELETED,
            vec![indicator.name()],
        ));
    }
    Ok((agreement, indicator))
}

pub async fn create_realisation(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    indicator_id: Uuid,
    fields: RealisationFields,
) -> CoreResult<Realisation> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        create_realisation_in(conn, actor, agreement_id, indicator_id, fields).await
    })
    .await
}

/// [`create_realisation`] on a connection the caller holds, inside the caller's
/// transaction (the bulk import runs every row through it).
pub async fn create_realisation_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    agreement_id: Uuid,
    indicator_id: Uuid,
    fields: RealisationFields,
) -> CoreResult<Realisation> {
    // The agreement and the indicator locked, and the overlap check after
    // them, in one round trip.
    let (agreement, indicator, clash) = futures::try_join!(
        crate::agreement_record::load(conn, agreement_id, true),
        find_indicator(conn, agreement_id, indicator_id, true),
        overlapping(conn, indicator_id, &fields, None),
    )?;
    let (agreement, indicator) =
        writable_pair(actor, agreement, indicator, (agreement_id, indicator_id))?;
    check_realisation(conn, &agreement, &indicator, &fields, clash).await?;
    let id = Uuid::now_v7();
    let created: RealisationRow = diesel::insert_into(benefit_realisations::table)
        .values((
            benefit_realisations::id.eq(id),
            benefit_realisations::indicator_id.eq(indicator_id),
            benefit_realisations::agreement_id.eq(agreement_id),
            benefit_realisations::region_code.eq(&agreement.fields.region_code),
            benefit_realisations::period_start.eq(fields.period_start),
            benefit_realisations::period_end.eq(fields.period_end),
            benefit_realisations::value.eq(&fields.value),
            benefit_realisations::note.eq(fields.note.trim()),
            benefit_realisations::evidence_document_id.eq(fields.evidence_document_id),
            benefit_realisations::reported_by.eq(&actor.name),
        ))
        .returning(RealisationRow::as_returning())
        .get_result(conn)
        .await?;
    let created = realisation_of(created);
    let region = agreement.fields.region_code.clone();
    audit::change(
        conn,
        actor,
        Some(region),
        "CreateRealisation",
        created.name(),
        None,
        json(&created),
    )
    .await?;
    Ok(created)
}

/// The realisations of one indicator, by period.
pub async fn list_realisations(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    indicator_id: Uuid,
    show_deleted: bool,
) -> CoreResult<Vec<Realisation>> {
    let indicator = get_indicator(pool, actor, agreement_id, indicator_id).await?;
    let mut conn = pool.get().await?;
    let mut query = benefit_realisations::table
        .filter(benefit_realisations::indicator_id.eq(indicator.id))
        .select(RealisationRow::as_select())
        .order((benefit_realisations::period_start, benefit_realisations::id))
        .into_boxed();
    if !show_deleted {
        query = query.filter(benefit_realisations::delete_time.is_null());
    }
    let rows: Vec<RealisationRow> = query.load(&mut conn).await?;
    Ok(rows.into_iter().map(realisation_of).collect())
}

pub async fn update_realisation(
    pool: &PgPool,
    actor: &Principal,
    (agreement_id, indicator_id, id): (Uuid, Uuid, Uuid),
    changes: Vec<RealisationChange>,
    etag: Option<&str>,
) -> CoreResult<Realisation> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        update_realisation_in(conn, actor, (agreement_id, indicator_id, id), changes, etag).await
    })
    .await
}

/// [`update_realisation`] on a connection the caller holds, inside the caller's
/// transaction (the bulk import runs every row through it).
pub async fn update_realisation_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    (agreement_id, indicator_id, id): (Uuid, Uuid, Uuid),
    changes: Vec<RealisationChange>,
    etag: Option<&str>,
) -> CoreResult<Realisation> {
    let (agreement, indicator) =
        writable_indicator(conn, actor, agreement_id, indicator_id).await?;
    let before = load_realisation(conn, &indicator, id).await?;
    if before.delete_time.is_some() {
        return Err(CoreError::refused(
            &crate::wording::DELETED,
            vec![before.name()],
        ));
    }
    crate::etag::check(&before.etag(), etag, &before.name())?;
    let mut fields = before.fields.clone();
    for change in changes {
        match change {
            RealisationChange::PeriodStart(v) => fields.period_start = v,
            RealisationChange::PeriodEnd(v) => fields.period_end = v,
            RealisationChange::Value(v) => fields.value = v,
            RealisationChange::Note(v) => fields.note = v,
            RealisationChange::EvidenceDocument(v) => fields.evidence_document_id = v,
        }
    }
    let clash = overlapping(conn, indicator_id, &fields, Some(id)).await?;
    check_realisation(conn, &agreement, &indicator, &fields, clash).await?;
    diesel::update(benefit_realisations::table.find(id))
        .set((
            benefit_realisations::period_start.eq(fields.period_start),
            benefit_realisations::period_end.eq(fields.period_end),
            benefit_realisations::value.eq(&fields.value),
            benefit_realisations::note.eq(fields.note.trim()),
            benefit_realisations::evidence_document_id.eq(fields.evidence_document_id),
            benefit_realisations::version.eq(benefit_realisations::version + 1),
            benefit_realisations::update_time.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    let after = load_realisation(conn, &indicator, id).await?;
    let region = agreement.fields.region_code.clone();
    audit::change(
        conn,
        actor,
        Some(region),
        "UpdateRealisation",
        after.name(),
        json(&before),
        json(&after),
    )
    .await?;
    Ok(after)
}

pub async fn delete_realisation(
    pool: &PgPool,
    actor: &Principal,
    (agreement_id, indicator_id, id): (Uuid, Uuid, Uuid),
) -> CoreResult<Realisation> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let (agreement, indicator) =
            writable_indicator(conn, actor, agreement_id, indicator_id).await?;
        let before = load_realisation(conn, &indicator, id).await?;
        if before.delete_time.is_some() {
            return Err(CoreError::refused(
                &crate::wording::ALREADY_DELETED,
                vec![before.name()],
            ));
        }
        diesel::update(benefit_realisations::table.find(id))
            .set((
                benefit_realisations::delete_time.eq(diesel::dsl::now),
                benefit_realisations::version.eq(benefit_realisations::version + 1),
                benefit_realisations::update_time.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        let after = load_realisation(conn, &indicator, id).await?;
        let region = agreement.fields.region_code.clone();
        audit::change(
            conn,
            actor,
            Some(region),
            "DeleteRealisation",
            after.name(),
            json(&before),
            json(&after),
        )
        .await?;
        Ok(after)
    })
    .await
}
