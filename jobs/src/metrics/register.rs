//! The register itself, as of the date.
//!
//! `agreement_register`: one row per live (not deleted) agreement of the
//! region, with its state as of `as_of` and the dates the metrics read
//! (`reports_owed_from` among them: report cycles ending before it owe
//! nothing). It is the table an analyst starts from, and the one that shows
//! what an import recorded of a bureau's history. Sorted by document number,
//! then agreement.

use polars::prelude::*;

use super::{Period, Table};
use crate::error::JobResult;
use crate::load::Register;

pub fn tables(register: &Register, _period: &Period) -> JobResult<Vec<Table>> {
    let frame = register
        .agreements
        .clone()
        .lazy()
        .sort(
            ["document_number", "agreement"],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .select([
            col("agreement"),
            col("title"),
            col("region_code"),
            col("cooperation_type"),
            col("document_kind"),
            col("parent"),
            col("unit_code"),
            col("sector"),
            col("state"),
            col("signed_on"),
            col("effective_from"),
            col("effective_until"),
            col("terminated_on"),
            col("cancelled_on"),
            col("reporting_cycle"),
            col("reports_owed_from"),
        ])
        .collect()?;
    Ok(vec![Table {
        name: "agreement_register",
        frame,
    }])
}
