//! Family 6, `evaluation_summary`: one row per cooperation type (all five, in
//! regulation order) with the headline figures of the other tables, for the
//! meeting's first slide. Every column is a count or sum of rows of another
//! table of the same run, so the two can never disagree (and ADDENDUM and LOI
//! records, absent from the report-cycle and no-realisation tables, are absent
//! from `missing_reports`, `late_reports` and `active_without_realisation`).

use kerjasama_core::codes::{CooperationType, CycleStatus};
use polars::prelude::*;

use super::Table;
use crate::error::JobResult;
use crate::load::{Register, decimal_type};

fn table<'a>(tables: &'a [Table], name: &str) -> JobResult<&'a DataFrame> {
    tables
        .iter()
        .find(|t| t.name == name)
        .map(|t| &t.frame)
        .ok_or_else(|| {
            kerjasama_core::CoreError::Internal(format!("table {name} was not computed")).into()
        })
}

/// Rows of `frame` (optionally filtered) counted per cooperation type.
fn count(frame: &DataFrame, filter: Option<Expr>, alias: &str) -> LazyFrame {
    let mut lazy = frame.clone().lazy();
    if let Some(filter) = filter {
        lazy = lazy.filter(filter);
    }
    lazy.group_by([col("cooperation_type")])
        .agg([len().cast(DataType::UInt32).alias(alias)])
}

pub fn table_from(tables: &[Table], register: &Register) -> JobResult<Table> {
    let types: Vec<&str> = CooperationType::ALL.iter().map(|t| t.code()).collect();
    let order: Vec<u32> = (0..types.len() as u32).collect();
    let mut summary = df!("cooperation_type" => types, "type_order" => order)?.lazy();

    let counts = table(tables, "counts_by_type")?.clone().lazy().select([
        col("cooperation_type"),
        col("total").alias("agreements"),
        col("active"),
        col("signed_in_period"),
        col("ended_in_period"),
    ]);
    let idr = table(tables, "realised_benefits")?
        .clone()
        .lazy()
        .filter(col("unit_of_measure").eq(lit("IDR")))
        .group_by([col("cooperation_type")])
        .agg([
            col("realised_to_date").sum().alias("realised_idr_to_date"),
            col("realised_in_period")
                .sum()
                .alias("realised_idr_in_period"),
        ]);
    let renewal = table(tables, "renewal_watch")?;
    let cycles = table(tables, "follow_up_report_cycles")?;
    let gaps = table(tables, "follow_up_no_realisation")?;
    // Recommendations carry their agreement's name; those naming none are not
    // attributed to a type.
    let recommendations = table(tables, "follow_up_overdue_recommendations")?
        .clone()
        .lazy()
        .join(
            register.agreements.clone().lazy().select([
                col("agreement").alias("agreement_name"),
                col("cooperation_type"),
            ]),
            [col("agreement")],
            [col("agreement_name")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col("cooperation_type")])
        .agg([len()
            .cast(DataType::UInt32)
            .alias("overdue_recommendations")]);

    let parts: Vec<(LazyFrame, Vec<&str>)> = vec![
        (
            counts,
            vec![
                "agreements",
                "active",
                "signed_in_period",
                "ended_in_period",
            ],
        ),
        (idr, vec!["realised_idr_to_date", "realised_idr_in_period"]),
        (
            count(table(tables, "overdue_stages")?, None, "overdue_stages"),
            vec!["overdue_stages"],
        ),
        (
            count(
                renewal,
                Some(col("within_90_days")),
                "ending_within_90_days",
            ),
            vec!["ending_within_90_days"],
        ),
        (
            count(
                renewal,
                Some(col("within_180_days")),
                "ending_within_180_days",
            ),
            vec!["ending_within_180_days"],
        ),
        (
            count(renewal, Some(col("watch").eq(lit("PAST_END"))), "past_end"),
            vec!["past_end"],
        ),
        (
            count(
                table(tables, "follow_up_ksb_without_pks")?,
                None,
                "ksb_without_pks",
            ),
            vec!["ksb_without_pks"],
        ),
        (
            count(
                cycles,
                Some(col("status").eq(lit(CycleStatus::Missing.code()))),
                "missing_reports",
            ),
            vec!["missing_reports"],
        ),
        (
            count(
                cycles,
                Some(col("status").eq(lit(CycleStatus::Late.code()))),
                "late_reports",
            ),
            vec!["late_reports"],
        ),
        (
            count(gaps, None, "active_without_realisation"),
            vec!["active_without_realisation"],
        ),
        (recommendations, vec!["overdue_recommendations"]),
    ];
    let mut columns = Vec::new();
    for (part, names) in parts {
        summary = summary.join(
            part,
            [col("cooperation_type")],
            [col("cooperation_type")],
            JoinArgs::new(JoinType::Left),
        );
        columns.extend(names);
    }
    let filled: Vec<Expr> = columns
        .iter()
        .map(|c| {
            let zero = if c.starts_with("realised_idr") {
                lit(0).cast(decimal_type())
            } else {
                lit(0u32)
            };
            col(*c).fill_null(zero).alias(*c)
        })
        .collect();
    let frame = summary
        .with_columns(filled)
        .sort(["type_order"], SortMultipleOptions::default())
        .select(
            std::iter::once(col("cooperation_type"))
                .chain(columns.iter().map(|c| col(*c)))
                .collect::<Vec<_>>(),
        )
        .collect()?;
    Ok(Table {
        name: "evaluation_summary",
        frame,
    })
}
