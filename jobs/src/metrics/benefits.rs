//! Family 2, realised benefits.
//!
//! `realised_benefits`: one row per live indicator: its target, what was
//! realised to date (realisations whose period ends on or before as_of),
//! realised in the period (periods ending inside the flow window), and the
//! realisation rate (to date ÷ target; empty when the target is zero or not
//! set). `realised_benefits_rollup`: the same sums per cooperation type, per
//! unit and per category, always per unit of measure (different units are
//! never added together). Sums are exact decimals; rupiah stay whole.

use polars::prelude::*;

use super::{Period, Table};
use crate::error::JobResult;
use crate::load::{Register, decimal_type};

fn zero() -> Expr {
    lit(0).cast(decimal_type())
}

fn sum_where(condition: Expr, alias: &str) -> Expr {
    when(condition)
        .then(col("value"))
        .otherwise(zero())
        .sum()
        .alias(alias)
}

pub fn tables(register: &Register, period: &Period) -> JobResult<Vec<Table>> {
    let as_of = period.as_of_day();
    let realised = register
        .realisations
        .clone()
        .lazy()
        .group_by([col("indicator_id")])
        .agg([
            sum_where(
                col("period_end").cast(DataType::Int32).lt_eq(lit(as_of)),
                "realised_to_date",
            ),
            sum_where(period.contains(col("period_end")), "realised_in_period"),
        ]);
    let agreements = register.agreements.clone().lazy().select([
        col("id").alias("agreement_key"),
        col("agreement"),
        col("title"),
        col("cooperation_type"),
        col("unit_code"),
    ]);
    let per_indicator = register
        .indicators
        .clone()
        .lazy()
        .join(
            agreements,
            [col("agreement_id")],
            [col("agreement_key")],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            realised,
            [col("id")],
            [col("indicator_id")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            col("realised_to_date").fill_null(zero()),
            col("realised_in_period").fill_null(zero()),
        ]);
    let rate = |realised: Expr, target: Expr| {
        let target = target.cast(DataType::Float64);
        when(target.clone().eq(lit(0.0)).or(target.clone().is_null()))
            .then(lit(NULL).cast(DataType::Float64))
            .otherwise(realised.cast(DataType::Float64) / target)
    };
    let indicators = per_indicator
        .clone()
        .with_column(rate(col("realised_to_date"), col("target_value")).alias("realisation_rate"))
        .select([
            col("agreement"),
            col("title"),
            col("cooperation_type"),
            col("unit_code"),
            col("indicator"),
            col("indicator_title"),
            col("category"),
            col("beneficiary"),
            col("unit_of_measure"),
            col("target_value"),
            col("realised_to_date"),
            col("realised_in_period"),
            col("realisation_rate"),
        ])
        .sort(["agreement", "indicator"], SortMultipleOptions::default());

    let rollup = |dimension: &str, key: &str| {
        per_indicator
            .clone()
            .group_by([col(key), col("unit_of_measure")])
            .agg([
                len().cast(DataType::UInt32).alias("indicators"),
                col("target_value").sum().alias("target_value"),
                col("realised_to_date").sum().alias("realised_to_date"),
                col("realised_in_period").sum().alias("realised_in_period"),
            ])
            .select([
                lit(dimension).alias("dimension"),
                col(key).alias("value"),
                col("unit_of_measure"),
                col("indicators"),
                col("target_value"),
                col("realised_to_date"),
                col("realised_in_period"),
            ])
    };
    let rollups = concat(
        [
            rollup("cooperation_type", "cooperation_type"),
            rollup("unit", "unit_code"),
            rollup("category", "category"),
        ],
        UnionArgs::default(),
    )?
    .sort(
        ["dimension", "value", "unit_of_measure"],
        SortMultipleOptions::default(),
    );

    Ok(vec![
        Table {
            name: "realised_benefits",
            frame: indicators.collect()?,
        },
        Table {
            name: "realised_benefits_rollup",
            frame: rollups.collect()?,
        },
    ])
}
