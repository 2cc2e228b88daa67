//! Family 3, overdue stages.
//!
//! `overdue_stages`: every stage open as of the date (started on or before it,
//! not completed or skipped on or before it) whose due date in force on that
//! date (the last reschedule decided on or before it, else the SLA due date)
//! is before it, on agreements not terminated or cancelled by then; with days
//! overdue (as_of − due date) and the ageing bucket (`1-30`, `31-90`,
//! `91-180`, `>180`).
//!
//! `overdue_by_unit_stage`: the same, counted per unit and stage.
//!
//! `stages_completed_late`: stages completed (not skipped) inside the period
//! after the due date in force on their completion day.

use polars::prelude::*;

use super::{Period, Table};
use crate::error::JobResult;
use crate::load::Register;

const KEYS: [&str; 2] = ["agreement_id", "stage_code"];

fn keys() -> Vec<Expr> {
    KEYS.iter().map(|k| col(*k)).collect()
}

/// The last reschedule of each stage among `reschedules` (by decision date,
/// then entry order) as `rescheduled_due_on`.
fn last_reschedule(reschedules: LazyFrame) -> LazyFrame {
    reschedules.group_by(keys()).agg([col("new_due_on")
        .sort_by(
            [col("decided_on"), col("seq")],
            SortMultipleOptions::default(),
        )
        .last()
        .alias("rescheduled_due_on")])
}

fn due_in_force() -> Expr {
    when(col("rescheduled_due_on").is_not_null())
        .then(col("rescheduled_due_on"))
        .otherwise(col("sla_due_on"))
        .alias("due_on")
}

/// How many stages an import assumed done (`history_from`) on or before the
/// date: the meeting pack says so in a footnote, since those completions are
/// the bureau's assumption, not its record.
pub fn stages_assumed_done(register: &Register, as_of: chrono::NaiveDate) -> JobResult<u64> {
    let as_of = crate::metrics::epoch_days(as_of);
    let counted = register
        .stages
        .clone()
        .lazy()
        .filter(
            col("assumed")
                .eq(lit(1))
                .and(days(col("closed_on")).lt_eq(lit(as_of))),
        )
        .collect()?;
    Ok(counted.height() as u64)
}

fn days(day: Expr) -> Expr {
    day.cast(DataType::Int32)
}

fn agreement_columns(register: &Register) -> LazyFrame {
    register.agreements.clone().lazy().select([
        col("id"),
        col("agreement"),
        col("title"),
        col("cooperation_type"),
        col("unit_code"),
        col("terminated_on"),
        col("cancelled_on"),
    ])
}

fn with_agreement(frame: LazyFrame, register: &Register) -> LazyFrame {
    frame.join(
        agreement_columns(register),
        [col("agreement_id")],
        [col("id")],
        JoinArgs::new(JoinType::Inner),
    )
}

fn bucket(days_overdue: Expr) -> Expr {
    when(days_overdue.clone().lt_eq(lit(30)))
        .then(lit("1-30"))
        .when(days_overdue.clone().lt_eq(lit(90)))
        .then(lit("31-90"))
        .when(days_overdue.lt_eq(lit(180)))
        .then(lit("91-180"))
        .otherwise(lit(">180"))
}

const BUCKETS: [&str; 4] = ["1-30", "31-90", "91-180", ">180"];

pub fn tables(register: &Register, period: &Period) -> JobResult<Vec<Table>> {
    let as_of = period.as_of_day();
    let not_ended_by = |column: &str| col(column).is_null().or(days(col(column)).gt(lit(as_of)));

    let decided_by_then = register
        .reschedules
        .clone()
        .lazy()
        .filter(days(col("decided_on")).lt_eq(lit(as_of)));
    let open = register
        .stages
        .clone()
        .lazy()
        .filter(
            days(col("started_on"))
                .lt_eq(lit(as_of))
                .and(
                    col("closed_on")
                        .is_null()
                        .or(days(col("closed_on")).gt(lit(as_of))),
                )
                .fill_null(lit(false)),
        )
        .join(
            last_reschedule(decided_by_then),
            keys(),
            keys(),
            JoinArgs::new(JoinType::Left),
        )
        .with_column(due_in_force())
        .filter(days(col("due_on")).lt(lit(as_of)).fill_null(lit(false)));
    let overdue = with_agreement(open, register)
        .filter(not_ended_by("terminated_on").and(not_ended_by("cancelled_on")))
        .with_column((lit(as_of) - days(col("due_on"))).alias("days_overdue"))
        .with_column(bucket(col("days_overdue")).alias("ageing_bucket"))
        .select([
            col("agreement"),
            col("title"),
            col("cooperation_type"),
            col("unit_code"),
            col("stage_code"),
            col("started_on"),
            col("due_on"),
            col("days_overdue"),
            col("ageing_bucket"),
        ])
        .sort_by_exprs(
            [col("days_overdue"), col("agreement"), col("stage_code")],
            SortMultipleOptions::default().with_order_descending_multi([true, false, false]),
        );

    let by_unit_stage = overdue
        .clone()
        .group_by([col("unit_code"), col("stage_code")])
        .agg(
            std::iter::once(len().cast(DataType::UInt32).alias("overdue_stages"))
                .chain(BUCKETS.iter().map(|b| {
                    col("ageing_bucket")
                        .eq(lit(*b))
                        .cast(DataType::UInt32)
                        .sum()
                        .alias(format!(
                            "days_{}",
                            b.replace('-', "_").replace('>', "over_")
                        ))
                }))
                .chain([col("days_overdue").max().alias("max_days_overdue")])
                .collect::<Vec<_>>(),
        )
        .sort(["unit_code", "stage_code"], SortMultipleOptions::default());

    // Due date in force on each completion day.
    let completed = register.stages.clone().lazy().filter(
        col("skipped")
            .eq(lit(0))
            .and(period.contains(col("closed_on"))),
    );
    let decided_by_completion = completed
        .clone()
        .select([col("agreement_id"), col("stage_code"), col("closed_on")])
        .join(
            register.reschedules.clone().lazy(),
            keys(),
            keys(),
            JoinArgs::new(JoinType::Inner),
        )
        .filter(days(col("decided_on")).lt_eq(days(col("closed_on"))))
        .select([
            col("agreement_id"),
            col("stage_code"),
            col("decided_on"),
            col("seq"),
            col("new_due_on"),
        ]);
    let late = with_agreement(
        completed
            .join(
                last_reschedule(decided_by_completion),
                keys(),
                keys(),
                JoinArgs::new(JoinType::Left),
            )
            .with_column(due_in_force())
            .filter(
                days(col("closed_on"))
                    .gt(days(col("due_on")))
                    .fill_null(lit(false)),
            ),
        register,
    )
    .with_column((days(col("closed_on")) - days(col("due_on"))).alias("days_late"))
    .select([
        col("agreement"),
        col("title"),
        col("cooperation_type"),
        col("unit_code"),
        col("stage_code"),
        col("due_on"),
        col("closed_on").alias("completed_on"),
        col("days_late"),
    ])
    .sort(
        ["completed_on", "agreement", "stage_code"],
        SortMultipleOptions::default(),
    );

    Ok(vec![
        Table {
            name: "overdue_stages",
            frame: overdue.collect()?,
        },
        Table {
            name: "overdue_by_unit_stage",
            frame: by_unit_stage.collect()?,
        },
        Table {
            name: "stages_completed_late",
            frame: late.collect()?,
        },
    ])
}
