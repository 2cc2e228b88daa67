//! Family 1, counts by cooperation type.
//!
//! `counts_by_type`: one row per cooperation type (all five, in the order
//! KSDD, KSDPK, KSDPL, KSDLL, SINERGI). `counts_by_dimension`: the same counts
//! per unit, per sector and per partner country (`dimension` = `unit`,
//! `sector` or `partner_country`; an agreement with partners in two countries
//! counts under both; domestic ones have no country row).
//!
//! Columns: one per derived state as of the date (draft, in_process, active,
//! expired, terminated, cancelled), `total` (their sum), `signed_in_period`
//! (signed_on in [period start, min(period end, as_of)]) and `ended_in_period`
//! (signed on or before as_of, and the day it stopped being in force in that
//! same window: the termination date, or the day after effective_until,
//! whichever comes first; that is the day its state became TERMINATED or
//! EXPIRED). ADDENDUM records amend an agreement and are not counted as
//! agreements.

use kerjasama_core::codes::{AgreementState, CooperationType, DocumentKind};
use polars::prelude::*;

use super::{Period, Table};
use crate::error::JobResult;
use crate::load::Register;

fn state_count(state: AgreementState) -> Expr {
    col("state")
        .eq(lit(state.code()))
        .cast(DataType::UInt32)
        .sum()
        .alias(state.code().to_lowercase())
}

/// The count columns, in output order.
fn count_columns() -> Vec<String> {
    AgreementState::ALL
        .iter()
        .map(|s| s.code().to_lowercase())
        .chain(["total", "signed_in_period", "ended_in_period"].map(String::from))
        .collect()
}

/// The agreements counted, with the two flow flags.
fn counted(register: &Register, period: &Period) -> LazyFrame {
    let signed_by_then = col("signed_on")
        .cast(DataType::Int32)
        .lt_eq(lit(period.as_of_day()))
        .fill_null(lit(false));
    let expiry_day = col("effective_until").cast(DataType::Int32) + lit(1);
    let terminated_first = col("terminated_on").is_not_null().and(
        col("effective_until").is_null().or(col("terminated_on")
            .cast(DataType::Int32)
            .lt(expiry_day.clone())),
    );
    let ended_on = when(terminated_first)
        .then(col("terminated_on").cast(DataType::Int32))
        .otherwise(expiry_day);
    register
        .agreements
        .clone()
        .lazy()
        .filter(col("document_kind").neq(lit(DocumentKind::Addendum.code())))
        .with_columns([
            period.contains(col("signed_on")).alias("signed_in_period"),
            signed_by_then
                .and(period.contains(ended_on))
                .alias("ended_in_period"),
        ])
}

/// The counts of `frame` grouped by `keys`.
fn count_by(frame: LazyFrame, keys: &[&str]) -> LazyFrame {
    let aggregates: Vec<Expr> = AgreementState::ALL
        .iter()
        .map(|s| state_count(*s))
        .chain([
            len().cast(DataType::UInt32).alias("total"),
            col("signed_in_period")
                .cast(DataType::UInt32)
                .sum()
                .alias("signed_in_period"),
            col("ended_in_period")
                .cast(DataType::UInt32)
                .sum()
                .alias("ended_in_period"),
        ])
        .collect();
    frame
        .group_by(keys.iter().map(|k| col(*k)).collect::<Vec<_>>())
        .agg(aggregates)
}

pub fn tables(register: &Register, period: &Period) -> JobResult<Vec<Table>> {
    let columns = count_columns();

    // Every type appears, in the order of the regulation, even with no agreements.
    let types: Vec<&str> = CooperationType::ALL.iter().map(|t| t.code()).collect();
    let order: Vec<u32> = (0..types.len() as u32).collect();
    let all_types = df!("cooperation_type" => types, "type_order" => order)?.lazy();
    let by_type = all_types
        .join(
            count_by(counted(register, period), &["cooperation_type"]),
            [col("cooperation_type")],
            [col("cooperation_type")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(
            columns
                .iter()
                .map(|c| col(c.as_str()).fill_null(lit(0u32)).alias(c.as_str()))
                .collect::<Vec<_>>(),
        )
        .sort(["type_order"], SortMultipleOptions::default())
        .select(
            std::iter::once(col("cooperation_type"))
                .chain(columns.iter().map(|c| col(c.as_str())))
                .collect::<Vec<_>>(),
        )
        .collect()?;

    let per = |dimension: &str, source: LazyFrame, key: &str| {
        count_by(source, &[key]).select(
            [lit(dimension).alias("dimension"), col(key).alias("value")]
                .into_iter()
                .chain(columns.iter().map(|c| col(c.as_str())))
                .collect::<Vec<_>>(),
        )
    };
    let with_countries = counted(register, period).join(
        register.partner_countries.clone().lazy(),
        [col("id")],
        [col("agreement_id")],
        JoinArgs::new(JoinType::Inner),
    );
    let by_dimension = concat(
        [
            per("unit", counted(register, period), "unit_code"),
            per("sector", counted(register, period), "sector"),
            per("partner_country", with_countries, "country_code"),
        ],
        UnionArgs::default(),
    )?
    .sort(["dimension", "value"], SortMultipleOptions::default())
    .collect()?;

    Ok(vec![
        Table {
            name: "counts_by_type",
            frame: by_type,
        },
        Table {
            name: "counts_by_dimension",
            frame: by_dimension,
        },
    ])
}
