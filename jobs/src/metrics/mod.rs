//! The evaluation metrics, computed with polars' lazy API from the frames of
//! [`crate::load::Register`]. Each family is one module with the exact rules in
//! its doc comment and in docs/metrics.md; every table is tidy (one row per
//! thing counted) and computed as of a date for a period, from business dates
//! only, so a past date gives what was true then.

pub mod benefits;
pub mod counts;
pub mod follow_up;
pub mod overdue;
pub mod register;
pub mod renewal;
pub mod summary;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::error::JobResult;
use crate::load::Register;

/// The date the register is read as of, and the period whose flows are counted.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub as_of: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Days after a reporting cycle's end by which its report is on time.
    pub report_grace_days: u32,
}

impl Period {
    pub fn as_of_day(&self) -> i32 {
        epoch_days(self.as_of)
    }

    pub fn start_day(&self) -> i32 {
        epoch_days(self.start)
    }

    /// Flows count inside the period but never after `as_of`.
    pub fn flow_end_day(&self) -> i32 {
        epoch_days(self.end.min(self.as_of))
    }

    /// `day` (a Date column) lies in [start, min(end, as_of)].
    pub fn contains(&self, day: Expr) -> Expr {
        let day = day.cast(DataType::Int32);
        day.clone()
            .gt_eq(lit(self.start_day()))
            .and(day.lt_eq(lit(self.flow_end_day())))
            .fill_null(lit(false))
    }
}

/// Days since 1970-01-01: how polars stores a `Date`.
pub fn epoch_days(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    (date - epoch).num_days() as i32
}

/// The calendar date of a polars `Date` (days since 1970-01-01); the inverse
/// of [`epoch_days`].
pub fn from_epoch_days(days: i32) -> NaiveDate {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    epoch + chrono::Duration::days(i64::from(days))
}

/// A date as a polars literal of type Date.
pub fn date_lit(date: NaiveDate) -> Expr {
    lit(epoch_days(date)).cast(DataType::Date)
}

/// Every table a run can produce, in output order.
pub const TABLES: &[&str] = &[
    "evaluation_summary",
    "counts_by_type",
    "counts_by_dimension",
    "realised_benefits",
    "realised_benefits_rollup",
    "overdue_stages",
    "overdue_by_unit_stage",
    "stages_completed_late",
    "renewal_watch",
    "follow_up_ksb_without_pks",
    "follow_up_report_cycles",
    "follow_up_no_realisation",
    "follow_up_overdue_recommendations",
    "follow_up_missing_documents",
    "agreement_register",
];

/// One output table.
pub struct Table {
    /// The file stem, e.g. `counts_by_type`.
    pub name: &'static str,
    pub frame: DataFrame,
}

/// Every table of a run.
pub fn compute(register: &Register, period: &Period) -> JobResult<Vec<Table>> {
    let mut tables = counts::tables(register, period)?;
    tables.extend(benefits::tables(register, period)?);
    tables.extend(overdue::tables(register, period)?);
    tables.extend(renewal::tables(register, period)?);
    tables.extend(follow_up::tables(register, period)?);
    tables.extend(register::tables(register, period)?);
    let summary = summary::table_from(&tables, register)?;
    tables.insert(0, summary);
    Ok(tables)
}
