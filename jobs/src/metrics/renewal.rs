//! Family 4, renewal watch.
//!
//! `renewal_watch`: agreements in force (ACTIVE as of the date) whose
//! `effective_until` lies in [as_of, as_of + 180 days] (`within_90_days` when
//! also in [as_of, as_of + 90 days]; both ends inclusive), and agreements past
//! their end date (EXPIRED: not terminated or cancelled). `days_to_end` is
//! effective_until − as_of (negative once past). ADDENDUM records are left
//! out: the agreement they amend is the one renewed.

use chrono::Days;
use kerjasama_core::codes::{AgreementState, DocumentKind};
use polars::prelude::*;

use super::{Period, Table, epoch_days};
use crate::error::JobResult;
use crate::load::Register;

pub fn tables(register: &Register, period: &Period) -> JobResult<Vec<Table>> {
    let as_of = period.as_of_day();
    let horizon = |days: u64| {
        epoch_days(
            period
                .as_of
                .checked_add_days(Days::new(days))
                .unwrap_or(period.as_of),
        )
    };
    let until = col("effective_until").cast(DataType::Int32);
    let active = col("state").eq(lit(AgreementState::Active.code()));
    let expired = col("state").eq(lit(AgreementState::Expired.code()));
    let within = |days: u64| {
        active
            .clone()
            .and(until.clone().gt_eq(lit(as_of)))
            .and(until.clone().lt_eq(lit(horizon(days))))
            .fill_null(lit(false))
    };
    let watch = register
        .agreements
        .clone()
        .lazy()
        .filter(col("document_kind").neq(lit(DocumentKind::Addendum.code())))
        .with_columns([
            within(90).alias("within_90_days"),
            within(180).alias("within_180_days"),
        ])
        .filter(col("within_180_days").or(expired.clone()))
        .with_columns([
            when(expired)
                .then(lit("PAST_END"))
                .when(col("within_90_days"))
                .then(lit("ENDS_WITHIN_90_DAYS"))
                .otherwise(lit("ENDS_WITHIN_180_DAYS"))
                .alias("watch"),
            (until - lit(as_of)).alias("days_to_end"),
        ])
        .select([
            col("agreement"),
            col("title"),
            col("cooperation_type"),
            col("document_kind"),
            col("unit_code"),
            col("effective_until"),
            col("days_to_end"),
            col("watch"),
            col("within_90_days"),
            col("within_180_days"),
        ])
        .sort(
            ["effective_until", "agreement"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    Ok(vec![Table {
        name: "renewal_watch",
        frame: watch,
    }])
}
