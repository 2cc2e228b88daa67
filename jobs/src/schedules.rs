//! Report schedules: when reports run by themselves.
//!
//! A schedule holds a crontab time expression (five fields: minute, hour, day
//! of month, month, day of week; `*`, lists, ranges, steps and names), read and
//! matched as Vixie cron does by [`crate::crontab`] (day of week 0-7 with 0 and
//! 7 Sunday; when both day fields are restricted, either may match), in the
//! schedule's time zone (default Asia/Jakarta, an IANA name). Where it still
//! differs from crontab (daylight-saving changes, range checks) is written in
//! that module.
//!
//! The period rule says what each run covers: CURRENT_QUARTER, PREVIOUS_QUARTER,
//! CURRENT_MONTH, PREVIOUS_MONTH, YEAR_TO_DATE or PREVIOUS_YEAR, relative to the
//! tick's date in the schedule's zone; a run is as of that date, or of the
//! period's last day when the period is already over.

use std::str::FromStr;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::report_schedules;
use kerjasama_core::{CoreError, FieldViolation, audit, calendar};
use serde::Serialize;
use uuid::Uuid;

use crate::crontab;
use crate::metrics::TABLES;

pub const PERIOD_RULES: &[&str] = &[
    "CURRENT_QUARTER",
    "PREVIOUS_QUARTER",
    "CURRENT_MONTH",
    "PREVIOUS_MONTH",
    "YEAR_TO_DATE",
    "PREVIOUS_YEAR",
];

/// A schedule's cron expression; the error names the field that is wrong.
pub fn parse_cron(expression: &str) -> Result<crontab::Expression, String> {
    crontab::Expression::parse(expression)
}

pub fn parse_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    chrono_tz::Tz::from_str(name)
        .map_err(|_| format!("{name:?} is not an IANA time zone such as Asia/Jakarta"))
}

/// (as_of, period start, period end) for a tick on `day`.
pub fn period_for(rule: &str, day: NaiveDate) -> Option<(NaiveDate, NaiveDate, NaiveDate)> {
    let month_start = NaiveDate::from_ymd_opt(day.year(), day.month(), 1)?;
    let (quarter_start, quarter_end) = calendar::quarter_of(day);
    let year_start = NaiveDate::from_ymd_opt(day.year(), 1, 1)?;
    let (start, end) = match rule {
        "CURRENT_QUARTER" => (quarter_start, quarter_end),
        "PREVIOUS_QUARTER" => calendar::quarter_of(quarter_start.pred_opt()?),
        "CURRENT_MONTH" => (
            month_start,
            month_start.checked_add_months(Months::new(1))?.pred_opt()?,
        ),
        "PREVIOUS_MONTH" => (
            month_start.checked_sub_months(Months::new(1))?,
            month_start.pred_opt()?,
        ),
        "YEAR_TO_DATE" => (year_start, day),
        "PREVIOUS_YEAR" => (
            NaiveDate::from_ymd_opt(day.year() - 1, 1, 1)?,
            year_start.pred_opt()?,
        ),
        _ => return None,
    };
    Some((day.min(end), start, end))
}

#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = report_schedules, check_for_backend(diesel::pg::Pg))]
pub struct Schedule {
    pub id: Uuid,
    pub region_code: Option<String>,
    pub display_name: String,
    pub cron: String,
    pub time_zone: String,
    pub period_rule: String,
    pub tables: Vec<String>,
    pub keep_runs: i32,
    pub report_grace_days: i32,
    pub enabled: bool,
    pub version: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

kerjasama_core::resource!(Schedule, "reportSchedules", report_schedules);

/// What a client sets on a schedule.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleFields {
    pub region_code: Option<String>,
    pub display_name: String,
    pub cron: String,
    pub time_zone: String,
    pub period_rule: String,
    pub tables: Vec<String>,
    pub keep_runs: i32,
    pub report_grace_days: i32,
    pub enabled: bool,
}

pub fn validate(f: &ScheduleFields) -> Vec<FieldViolation> {
    let mut v = Vec::new();
    let name = f.display_name.trim().chars().count();
    if name == 0 || f.display_name.chars().count() > 200 {
        v.push(FieldViolation::new(
            "display_name",
            "must be 1 to 200 characters",
        ));
    }
    match parse_cron(&f.cron) {
        Err(e) => v.push(FieldViolation::new("cron", e)),
        // Such as 0 7 31 2 *: a schedule that would never run.
        Ok(expression) if expression.next_after(&Utc, Utc::now()).is_none() => {
            v.push(FieldViolation::new(
                "cron",
                "never fires: none of its months has the day of the month it names",
            ))
        }
        Ok(_) => {}
    }
    if let Err(e) = parse_zone(&f.time_zone) {
        v.push(FieldViolation::new("time_zone", e));
    }
    if !PERIOD_RULES.contains(&f.period_rule.as_str()) {
        v.push(FieldViolation::new(
            "period_rule",
            format!("must be one of {}", PERIOD_RULES.join(", ")),
        ));
    }
    for (i, table) in f.tables.iter().enumerate() {
        if !TABLES.contains(&table.as_str()) {
            v.push(FieldViolation::new(
                format!("tables[{i}]"),
                format!("{table:?} is not a report table"),
            ));
        }
    }
    if !(1..=1000).contains(&f.keep_runs) {
        v.push(FieldViolation::new("keep_runs", "must be 1 to 1000"));
    }
    if !(0..=365).contains(&f.report_grace_days) {
        v.push(FieldViolation::new("report_grace_days", "must be 0 to 365"));
    }
    if let Some(region) = &f.region_code
        && !kerjasama_core::names::is_region_code(region)
    {
        v.push(FieldViolation::new(
            "region_code",
            "must be a Kemendagri region code such as 36",
        ));
    }
    v
}

fn check_access(actor: &Principal, region: Option<&str>) -> Result<(), CoreError> {
    actor.check_manage_schedule(region)
}

pub async fn create(
    pool: &PgPool,
    actor: &Principal,
    fields: ScheduleFields,
) -> Result<Schedule, CoreError> {
    let fields = ScheduleFields {
        region_code: fields.region_code.or_else(|| actor.region_code.clone()),
        ..fields
    };
    check_access(actor, fields.region_code.as_deref())?;
    let violations = validate(&fields);
    if !violations.is_empty() {
        return Err(CoreError::InvalidArgument(violations));
    }
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let id = Uuid::now_v7();
        diesel::insert_into(report_schedules::table)
            .values((
                report_schedules::id.eq(id),
                report_schedules::region_code.eq(&fields.region_code),
                report_schedules::display_name.eq(fields.display_name.trim()),
                report_schedules::cron.eq(fields.cron.trim()),
                report_schedules::time_zone.eq(&fields.time_zone),
                report_schedules::period_rule.eq(&fields.period_rule),
                report_schedules::tables.eq(&fields.tables),
                report_schedules::keep_runs.eq(fields.keep_runs),
                report_schedules::report_grace_days.eq(fields.report_grace_days),
                report_schedules::enabled.eq(fields.enabled),
            ))
            .execute(conn)
            .await?;
        let created = load(conn, id).await?;
        audit::change(
            conn,
            actor,
            created.region_code.clone(),
            "CreateReportSchedule",
            created.name(),
            None,
            audit::json(&created),
        )
        .await?;
        Ok(created)
    })
    .await
}

pub async fn get(pool: &PgPool, actor: &Principal, id: Uuid) -> Result<Schedule, CoreError> {
    let mut conn = pool.get().await?;
    let schedule = load(&mut conn, id).await?;
    check_access(actor, schedule.region_code.as_deref())?;
    Ok(schedule)
}

/// Live schedules the caller may see (a handful).
pub async fn list(pool: &PgPool, actor: &Principal) -> Result<Vec<Schedule>, CoreError> {
    check_access(actor, actor.region_code.as_deref())?;
    let mut conn = pool.get().await?;
    let all: Vec<Schedule> = report_schedules::table
        .filter(report_schedules::delete_time.is_null())
        .order(report_schedules::id)
        .select(Schedule::as_select())
        .load(&mut conn)
        .await?;
    Ok(all
        .into_iter()
        .filter(|s| check_access(actor, s.region_code.as_deref()).is_ok())
        .collect())
}

/// Replaces the fields of a schedule (all of them: the edge merges the mask).
pub async fn update(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    change: impl FnOnce(&Schedule) -> ScheduleFields + Send,
    etag: Option<&str>,
) -> Result<Schedule, CoreError> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let before = load(conn, id).await?;
        check_access(actor, before.region_code.as_deref())?;
        if before.delete_time.is_some() {
            return Err(CoreError::FailedPrecondition(format!(
                "{} is deleted",
                before.name()
            )));
        }
        kerjasama_core::etag::check(&before.etag(), etag, &before.name())?;
        let fields = change(&before);
        let violations = validate(&fields);
        if !violations.is_empty() {
            return Err(CoreError::InvalidArgument(violations));
        }
        diesel::update(report_schedules::table.find(id))
            .set((
                report_schedules::display_name.eq(fields.display_name.trim()),
                report_schedules::cron.eq(fields.cron.trim()),
                report_schedules::time_zone.eq(&fields.time_zone),
                report_schedules::period_rule.eq(&fields.period_rule),
                report_schedules::tables.eq(&fields.tables),
                report_schedules::keep_runs.eq(fields.keep_runs),
                report_schedules::report_grace_days.eq(fields.report_grace_days),
                report_schedules::enabled.eq(fields.enabled),
                report_schedules::version.eq(report_schedules::version + 1),
                report_schedules::update_time.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        let after = load(conn, id).await?;
        audit::change(
            conn,
            actor,
            after.region_code.clone(),
            "UpdateReportSchedule",
            after.name(),
            audit::json(&before),
            audit::json(&after),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Soft delete: it stops running; its runs stay.
pub async fn delete(pool: &PgPool, actor: &Principal, id: Uuid) -> Result<Schedule, CoreError> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let before = load(conn, id).await?;
        check_access(actor, before.region_code.as_deref())?;
        if before.delete_time.is_some() {
            return Err(CoreError::FailedPrecondition(format!(
                "{} is already deleted",
                before.name()
            )));
        }
        diesel::update(report_schedules::table.find(id))
            .set((
                report_schedules::delete_time.eq(diesel::dsl::now),
                report_schedules::version.eq(report_schedules::version + 1),
            ))
            .execute(conn)
            .await?;
        let after = load(conn, id).await?;
        audit::change(
            conn,
            actor,
            after.region_code.clone(),
            "DeleteReportSchedule",
            after.name(),
            audit::json(&before),
            audit::json(&after),
        )
        .await?;
        Ok(after)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Weekday};

    #[test]
    fn monday_means_monday_in_jakarta() {
        let schedule = parse_cron("30 7 * * 1").unwrap();
        let zone = chrono_tz::Asia::Jakarta;
        let from = zone.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let next = schedule
            .next_after(&zone, from.to_utc())
            .unwrap()
            .with_timezone(&zone);
        assert_eq!(next.weekday(), Weekday::Mon);
        assert_eq!(next.naive_local().to_string(), "2026-11-30 07:30:00");
    }

    #[test]
    fn period_rules() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(
            period_for("PREVIOUS_QUARTER", d("2026-10-05")),
            Some((d("2026-09-30"), d("2026-07-01"), d("2026-09-30")))
        );
        assert_eq!(
            period_for("CURRENT_QUARTER", d("2026-10-05")),
            Some((d("2026-10-05"), d("2026-10-01"), d("2026-12-31")))
        );
        assert_eq!(
            period_for("PREVIOUS_MONTH", d("2026-03-01")),
            Some((d("2026-02-28"), d("2026-02-01"), d("2026-02-28")))
        );
        assert_eq!(
            period_for("YEAR_TO_DATE", d("2026-03-01")),
            Some((d("2026-03-01"), d("2026-01-01"), d("2026-03-01")))
        );
        assert_eq!(
            period_for("PREVIOUS_YEAR", d("2026-03-01")),
            Some((d("2025-12-31"), d("2025-01-01"), d("2025-12-31")))
        );
        assert_eq!(period_for("NEVER", d("2026-03-01")), None);
    }
}
