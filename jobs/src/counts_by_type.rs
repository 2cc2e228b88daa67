//! `counts_by_type`: agreements per cooperation type and derived state as of a
//! date, and how many were signed in the period. Columns (see the README):
//! cooperation_type, one column per state (draft, in_process, active, expired,
//! terminated, cancelled), total, signed_in_period.
//! ADDENDUM records amend an agreement and are not counted as agreements.

use chrono::NaiveDate;
use kerjasama_core::codes::{AgreementState, CooperationType, DocumentKind};
use polars::prelude::*;

use crate::error::JobResult;

pub const FILE_NAME: &str = "counts_by_type.csv";

/// Days since 1970-01-01: how polars stores a `Date`.
fn epoch_days(date: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    (date - epoch).num_days() as i32
}

fn state_count(state: AgreementState) -> Expr {
    col("state")
        .eq(lit(state.code()))
        .cast(DataType::UInt32)
        .sum()
        .alias(state.code().to_lowercase())
}

/// `agreements` is the frame from [`crate::load::agreements`].
pub fn compute(
    agreements: DataFrame,
    as_of: NaiveDate,
    period_start: NaiveDate,
    period_end: NaiveDate,
) -> JobResult<DataFrame> {
    let signed_until = period_end.min(as_of);
    let signed_day = col("signed_on").cast(DataType::Int32);
    let signed_in_period = signed_day
        .clone()
        .gt_eq(lit(epoch_days(period_start)))
        .and(signed_day.lt_eq(lit(epoch_days(signed_until))))
        .fill_null(lit(false));

    let counted = agreements
        .lazy()
        .filter(col("document_kind").neq(lit(DocumentKind::Addendum.code())))
        .group_by([col("cooperation_type")])
        .agg(
            AgreementState::ALL
                .iter()
                .map(|s| state_count(*s))
                .chain([
                    len().cast(DataType::UInt32).alias("total"),
                    signed_in_period
                        .cast(DataType::UInt32)
                        .sum()
                        .alias("signed_in_period"),
                ])
                .collect::<Vec<_>>(),
        );

    // Every type appears, in the order of the regulation, even with no agreements.
    let types: Vec<&str> = CooperationType::ALL.iter().map(|t| t.code()).collect();
    let order: Vec<u32> = (0..types.len() as u32).collect();
    let all_types = df!("cooperation_type" => types, "type_order" => order)?.lazy();

    let count_columns: Vec<String> = AgreementState::ALL
        .iter()
        .map(|s| s.code().to_lowercase())
        .chain(["total".to_string(), "signed_in_period".to_string()])
        .collect();
    let table = all_types
        .join(
            counted,
            [col("cooperation_type")],
            [col("cooperation_type")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns(
            count_columns
                .iter()
                .map(|c| col(c.as_str()).fill_null(lit(0u32)).alias(c.as_str()))
                .collect::<Vec<_>>(),
        )
        .sort(["type_order"], SortMultipleOptions::default())
        .select(
            std::iter::once(col("cooperation_type"))
                .chain(count_columns.iter().map(|c| col(c.as_str())))
                .collect::<Vec<_>>(),
        )
        .collect()?;
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn counts_states_and_signings_per_type_with_all_types_present() {
        let signed: Vec<Option<i32>> = vec![
            Some(epoch_days(d("2026-10-01"))), // in period, on its first day
            Some(epoch_days(d("2026-09-30"))), // the day before
            None,
            Some(epoch_days(d("2026-11-20"))), // addendum: not counted
        ];
        let frame = df!(
            "cooperation_type" => ["KSDD", "KSDD", "KSDD", "KSDD"],
            "document_kind" => ["KSB", "PKS", "KSB", "ADDENDUM"],
            "state" => ["ACTIVE", "EXPIRED", "IN_PROCESS", "ACTIVE"],
            "signed_on" => signed,
        )
        .unwrap();
        let frame = frame
            .lazy()
            .with_column(col("signed_on").cast(DataType::Date))
            .collect()
            .unwrap();
        let table = compute(frame, d("2026-11-25"), d("2026-10-01"), d("2026-12-31")).unwrap();
        assert_eq!(table.height(), 5);
        let ksdd = table.slice(0, 1);
        let value = |c: &str| ksdd.column(c).unwrap().u32().unwrap().get(0).unwrap();
        assert_eq!(
            [
                "draft",
                "in_process",
                "active",
                "expired",
                "terminated",
                "cancelled",
                "total",
                "signed_in_period"
            ]
            .map(value),
            [0, 1, 1, 1, 0, 0, 3, 1]
        );
        let sinergi_total = table.column("total").unwrap().u32().unwrap().get(4);
        assert_eq!(sinergi_total, Some(0));
    }
}
