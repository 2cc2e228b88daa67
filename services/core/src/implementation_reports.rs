//! Implementation reports (laporan pelaksanaan): while an agreement is in force
//! its unit reports once per cycle (calendar quarter by default, or semester,
//! or year). A cycle's report is due by the cycle's end plus a grace period;
//! [`cycles`] tells, as of any date, which cycles were submitted on time, late,
//! are due, or are missing.
//!
//! The in-force period runs from the later of `signed_on` and `effective_from`
//! to the earlier of `effective_until` and the termination date.
//!
//! ADDENDUM and LOI records have no cycles: an addendum's reports are its
//! parent's, and nothing is implemented under a statement of intent
//! ([`DocumentKind::is_implemented`]).

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::access::Principal;
use crate::agreements::{self, Agreement};
use crate::audit;
use crate::calendar;
use crate::codes::{CycleStatus, DocumentKind, ReportingCycle};
use crate::error::{CoreError, CoreResult, FieldViolation};
use crate::pool::PgPool;
use crate::schema::implementation_reports;

/// Days after a cycle's end by which its report is on time (DOMAIN default).
pub const DEFAULT_GRACE_DAYS: u32 = 30;

/// The cycle of kind `cycle` that contains `date`: (first day, last day).
pub fn cycle_containing(date: NaiveDate, cycle: ReportingCycle) -> (NaiveDate, NaiveDate) {
    let months = cycle.months();
    let first_month = (date.month0() / months) * months + 1;
    let start = NaiveDate::from_ymd_opt(date.year(), first_month, 1).expect("valid cycle start");
    let next = start
        .checked_add_months(chrono::Months::new(months))
        .expect("valid next cycle start");
    (start, next.pred_opt().expect("day before a cycle start"))
}

/// When an agreement is in force: (from, until); `None` while unsigned.
pub fn in_force(agreement: &Agreement) -> Option<(NaiveDate, Option<NaiveDate>)> {
    in_force_period(
        agreement.fields.signed_on,
        agreement.fields.effective_from,
        agreement.fields.effective_until,
        agreement.lifecycle.terminated_on,
    )
}

/// The in-force period from an agreement's dates: from the later of signing and
/// `effective_from` to the earlier of `effective_until` and termination.
pub fn in_force_period(
    signed_on: Option<NaiveDate>,
    effective_from: Option<NaiveDate>,
    effective_until: Option<NaiveDate>,
    terminated_on: Option<NaiveDate>,
) -> Option<(NaiveDate, Option<NaiveDate>)> {
    let signed = signed_on?;
    let from = effective_from.map_or(signed, |f| f.max(signed));
    let until = [effective_until, terminated_on].into_iter().flatten().min();
    Some((from, until))
}

/// The cycles that owe a report: those overlapping the in-force period up to
/// `as_of` that do not end before `reports_owed_from` (a record that predates
/// the register owes nothing for the time before it; docs/domain.md).
pub fn owed_cycles(
    from: NaiveDate,
    until: Option<NaiveDate>,
    cycle: ReportingCycle,
    as_of: NaiveDate,
    reports_owed_from: Option<NaiveDate>,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut cycles = cycles_between(from, until, cycle, as_of);
    if let Some(owed_from) = reports_owed_from {
        cycles.retain(|(_, end)| *end >= owed_from);
    }
    cycles
}

/// Every cycle overlapping the in-force period up to `as_of`.
pub fn cycles_between(
    from: NaiveDate,
    until: Option<NaiveDate>,
    cycle: ReportingCycle,
    as_of: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate)> {
    let last = until.map_or(as_of, |u| u.min(as_of));
    let mut out = Vec::new();
    let mut day = from;
    while day <= last {
        let (start, end) = cycle_containing(day, cycle);
        out.push((start, end));
        match end.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// The status of a cycle ending on `end`, as of `as_of`, given the date its
/// report was submitted (reports submitted after `as_of` do not count yet).
pub fn status_of(
    end: NaiveDate,
    grace_days: u32,
    submitted_on: Option<NaiveDate>,
    as_of: NaiveDate,
) -> CycleStatus {
    let deadline = end
        .checked_add_days(Days::new(u64::from(grace_days)))
        .unwrap_or(end);
    match submitted_on.filter(|s| *s <= as_of) {
        Some(s) if s <= deadline => CycleStatus::Submitted,
        Some(_) => CycleStatus::Late,
        None if as_of > deadline => CycleStatus::Missing,
        None if as_of > end => CycleStatus::Due,
        None => CycleStatus::Open,
    }
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = implementation_reports, check_for_backend(diesel::pg::Pg))]
pub struct ImplementationReport {
    pub id: Uuid,
    pub agreement_id: Uuid,
    pub cycle_start: NaiveDate,
    pub cycle_end: NaiveDate,
    pub submitted_on: NaiveDate,
    pub summary: String,
    pub progress_percent: Option<i16>,
    pub obstacles: String,
    pub follow_up: String,
    pub document_id: Option<Uuid>,
    pub reported_by: String,
    pub create_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

impl ImplementationReport {
    pub fn name(&self) -> String {
        format!(
            "{}/implementationReports/{}",
            crate::names::agreement_name(self.agreement_id),
            self.id
        )
    }
}

/// Parses `agreements/{a}/implementationReports/{r}`.
pub fn parse_name(name: &str) -> Option<(Uuid, Uuid)> {
    let (agreement, report) = name.split_once("/implementationReports/")?;
    Some((
        crate::names::parse_agreement_name(agreement)?,
        crate::names::parse_id(report)?,
    ))
}

#[derive(Debug, Clone)]
pub struct NewReport {
    pub cycle_start: NaiveDate,
    pub submitted_on: Option<NaiveDate>,
    pub summary: String,
    pub progress_percent: Option<i16>,
    pub obstacles: String,
    pub follow_up: String,
    pub document_id: Option<Uuid>,
}

pub async fn submit(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    new: NewReport,
) -> CoreResult<ImplementationReport> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| submit_in(conn, actor, agreement_id, new).await)
        .await
}

/// [`submit`] on a connection the caller holds, inside the caller's
/// transaction (the bulk import runs every row through it).
pub async fn submit_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    agreement_id: Uuid,
    new: NewReport,
) -> CoreResult<ImplementationReport> {
    let today = calendar::today();
    // The agreement locked and the count of live reports of the cycle the
    // request names, in one round trip. The count only matters when that
    // cycle start is the aligned one (otherwise the request is refused).
    let (agreement, existing) = futures::try_join!(
        crate::agreement_record::load(conn, agreement_id, true),
        reports_of_cycle(conn, agreement_id, new.cycle_start),
    )?;
    actor.check_write_agreement(&agreement.fields.region_code, &agreement.fields.unit_code)?;
    if agreement.delete_time.is_some() {
        return Err(CoreError::refused(
            &crate::wording::DELETED,
            vec![agreement.name()],
        ));
    }
    if !agreement.fields.document_kind.is_implemented() {
        return Err(CoreError::refused(
            &crate::wording::NO_REPORTING_CYCLES,
            vec![
                agreement.name(),
                agreement.fields.document_kind.to_string(),
                no_cycles_because(agreement.fields.document_kind).to_string(),
            ],
        ));
    }
    let Some((from, until)) = in_force(&agreement) else {
        return Err(CoreError::refused(
            &crate::wording::NOT_SIGNED_FOR_REPORTS,
            vec![agreement.name()],
        ));
    };
    let cycle = agreement.fields.reporting_cycle;
    let (start, end) = cycle_containing(new.cycle_start, cycle);
    let submitted_on = new.submitted_on.unwrap_or(today);
    let mut v = Vec::new();
    if start != new.cycle_start {
        v.push(FieldViolation::says(
            "cycle_start",
            &crate::wording::CYCLE_START_ALIGNED,
            vec![
                cycle.to_string(),
                cycle_word(cycle).to_string(),
                new.cycle_start.to_string(),
                start.to_string(),
            ],
        ));
    } else if end < from || until.is_some_and(|u| start > u) {
        v.push(FieldViolation::says(
            "cycle_start",
            &crate::wording::CYCLE_OUTSIDE_IN_FORCE,
            vec![start.to_string(), end.to_string(), from.to_string()],
        ));
    }
    if submitted_on > today {
        v.push(FieldViolation::says(
            "submitted_on",
            &crate::wording::NOT_FUTURE,
            vec![today.to_string()],
        ));
    } else if submitted_on < new.cycle_start {
        v.push(FieldViolation::says(
            "submitted_on",
            &crate::wording::NOT_BEFORE_CYCLE_START,
            vec![],
        ));
    }
    if new.summary.trim().is_empty() {
        v.push(FieldViolation::says(
            "summary",
            &crate::wording::REQUIRED,
            vec![],
        ));
    }
    if new
        .progress_percent
        .is_some_and(|p| !(0..=100).contains(&p))
    {
        v.push(FieldViolation::says(
            "progress_percent",
            &crate::wording::PERCENT_RANGE,
            vec![],
        ));
    }
    match crate::documents::ensure_evidence(conn, agreement_id, "document", new.document_id).await {
        Ok(()) => {}
        Err(CoreError::InvalidArgument(mut invalid)) => v.append(&mut invalid),
        Err(other) => return Err(other),
    }
    if !v.is_empty() {
        return Err(CoreError::InvalidArgument(v));
    }
    if existing > 0 {
        return Err(CoreError::AlreadyExists {
            resource: format!(
                "the implementation report of {} for the cycle starting {start}",
                agreement.name()
            ),
        });
    }
    let id = Uuid::now_v7();
    let report: ImplementationReport = diesel::insert_into(implementation_reports::table)
        .values((
            implementation_reports::id.eq(id),
            implementation_reports::agreement_id.eq(agreement_id),
            implementation_reports::region_code.eq(&agreement.fields.region_code),
            implementation_reports::cycle_start.eq(start),
            implementation_reports::cycle_end.eq(end),
            implementation_reports::submitted_on.eq(submitted_on),
            implementation_reports::summary.eq(new.summary.trim()),
            implementation_reports::progress_percent.eq(new.progress_percent),
            implementation_reports::obstacles.eq(new.obstacles.trim()),
            implementation_reports::follow_up.eq(new.follow_up.trim()),
            implementation_reports::document_id.eq(new.document_id),
            implementation_reports::reported_by.eq(&actor.name),
        ))
        .returning(ImplementationReport::as_returning())
        .get_result(conn)
        .await?;
    audit::change(
        conn,
        actor,
        Some(agreement.fields.region_code.clone()),
        "SubmitImplementationReport",
        report.name(),
        None,
        audit::json(&report),
    )
    .await?;
    Ok(report)
}

/// How many live reports `agreement_id` has for the cycle starting `start`.
async fn reports_of_cycle(
    mut conn: &AsyncPgConnection,
    agreement_id: Uuid,
    start: NaiveDate,
) -> CoreResult<i64> {
    Ok(implementation_reports::table
        .filter(implementation_reports::agreement_id.eq(agreement_id))
        .filter(implementation_reports::cycle_start.eq(start))
        .filter(implementation_reports::delete_time.is_null())
        .count()
        .get_result(&mut conn)
        .await?)
}

fn no_cycles_because(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Addendum => "the agreement it amends reports its implementation",
        _ => "nothing is implemented under a statement of intent",
    }
}

fn cycle_word(cycle: ReportingCycle) -> &'static str {
    match cycle {
        ReportingCycle::Quarterly => "calendar quarter",
        ReportingCycle::Semester => "half year (January or July)",
        ReportingCycle::Yearly => "year",
    }
}

/// An agreement's live reports, by cycle.
pub async fn list(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
) -> CoreResult<Vec<ImplementationReport>> {
    agreements::get(pool, actor, agreement_id).await?;
    let mut conn = pool.get().await?;
    Ok(implementation_reports::table
        .filter(implementation_reports::agreement_id.eq(agreement_id))
        .filter(implementation_reports::delete_time.is_null())
        .order(implementation_reports::cycle_start)
        .select(ImplementationReport::as_select())
        .load(&mut conn)
        .await?)
}

/// Soft delete (a report filed by mistake); its cycle is open for a new one.
pub async fn delete(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    id: Uuid,
) -> CoreResult<ImplementationReport> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let agreement = crate::agreement_record::load(conn, agreement_id, true).await?;
        actor.check_write_agreement(&agreement.fields.region_code, &agreement.fields.unit_code)?;
        let report: ImplementationReport = implementation_reports::table
            .find(id)
            .filter(implementation_reports::agreement_id.eq(agreement_id))
            .filter(implementation_reports::delete_time.is_null())
            .select(ImplementationReport::as_select())
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| {
                CoreError::not_found(format!("{}/implementationReports/{id}", agreement.name()))
            })?;
        diesel::update(implementation_reports::table.find(id))
            .set(implementation_reports::delete_time.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
        audit::change(
            conn,
            actor,
            Some(agreement.fields.region_code.clone()),
            "DeleteImplementationReport",
            report.name(),
            audit::json(&report),
            None,
        )
        .await?;
        Ok(report)
    })
    .await
}

/// One reporting cycle and where it stands.
#[derive(Debug, Clone, Serialize)]
pub struct Cycle {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The last day a report is on time.
    pub deadline: NaiveDate,
    pub status: CycleStatus,
    pub report: Option<ImplementationReport>,
}

/// The cycles of an agreement in force up to `as_of`, with their status;
/// none for an ADDENDUM or an LOI.
pub async fn cycles(
    pool: &PgPool,
    actor: &Principal,
    agreement_id: Uuid,
    as_of: NaiveDate,
    grace_days: u32,
) -> CoreResult<Vec<Cycle>> {
    let agreement = agreements::get(pool, actor, agreement_id).await?;
    if !agreement.fields.document_kind.is_implemented() {
        return Ok(Vec::new());
    }
    let reports = list(pool, actor, agreement_id).await?;
    let Some((from, until)) = in_force(&agreement) else {
        return Ok(Vec::new());
    };
    if from > as_of {
        return Ok(Vec::new());
    }
    Ok(owed_cycles(
        from,
        until,
        agreement.fields.reporting_cycle,
        as_of,
        agreement.fields.reports_owed_from,
    )
    .into_iter()
    .map(|(start, end)| {
        let report = reports
            .iter()
            .find(|r| r.cycle_start == start && r.submitted_on <= as_of)
            .cloned();
        Cycle {
            start,
            end,
            deadline: end
                .checked_add_days(Days::new(u64::from(grace_days)))
                .unwrap_or(end),
            status: status_of(
                end,
                grace_days,
                report.as_ref().map(|r| r.submitted_on),
                as_of,
            ),
            report,
        }
    })
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn cycles_are_calendar_quarters_semesters_or_years() {
        assert_eq!(
            cycle_containing(d("2026-05-20"), ReportingCycle::Quarterly),
            (d("2026-04-01"), d("2026-06-30"))
        );
        assert_eq!(
            cycle_containing(d("2026-05-20"), ReportingCycle::Semester),
            (d("2026-01-01"), d("2026-06-30"))
        );
        assert_eq!(
            cycle_containing(d("2026-07-01"), ReportingCycle::Semester),
            (d("2026-07-01"), d("2026-12-31"))
        );
        assert_eq!(
            cycle_containing(d("2026-12-31"), ReportingCycle::Yearly),
            (d("2026-01-01"), d("2026-12-31"))
        );
    }

    #[test]
    fn cycles_ending_before_reports_owed_from_owe_nothing() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let owed = owed_cycles(
            d(2024, 2, 10),
            None,
            ReportingCycle::Quarterly,
            d(2026, 3, 31),
            Some(d(2025, 11, 15)),
        );
        // Q4 2025 ends after the date (it is owed); Q3 2025 ended before it.
        assert_eq!(owed[0], (d(2025, 10, 1), d(2025, 12, 31)));
        assert_eq!(owed.len(), 2);
    }

    #[test]
    fn cycles_overlap_the_in_force_period_up_to_as_of() {
        let quarters = cycles_between(
            d("2025-02-15"),
            Some(d("2025-08-01")),
            ReportingCycle::Quarterly,
            d("2026-01-01"),
        );
        assert_eq!(
            quarters.iter().map(|c| c.0).collect::<Vec<_>>(),
            [d("2025-01-01"), d("2025-04-01"), d("2025-07-01")]
        );
        let so_far = cycles_between(
            d("2025-02-15"),
            None,
            ReportingCycle::Quarterly,
            d("2025-04-01"),
        );
        assert_eq!(so_far.len(), 2);
    }

    #[test]
    fn status_follows_the_grace_period_and_the_as_of_date() {
        let end = d("2026-03-31");
        assert_eq!(status_of(end, 30, None, d("2026-03-31")), CycleStatus::Open);
        assert_eq!(status_of(end, 30, None, d("2026-04-30")), CycleStatus::Due);
        assert_eq!(
            status_of(end, 30, None, d("2026-05-01")),
            CycleStatus::Missing
        );
        assert_eq!(
            status_of(end, 30, Some(d("2026-04-30")), d("2026-06-01")),
            CycleStatus::Submitted
        );
        assert_eq!(
            status_of(end, 30, Some(d("2026-05-01")), d("2026-06-01")),
            CycleStatus::Late
        );
        // A report that arrives later does not count as of earlier dates.
        assert_eq!(
            status_of(end, 30, Some(d("2026-05-20")), d("2026-05-10")),
            CycleStatus::Missing
        );
    }
}
