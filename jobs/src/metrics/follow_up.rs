//! Family 5, follow-up gaps: what the meeting must chase.
//!
//! `follow_up_ksb_without_pks`: KSBs signed more than 180 days before as_of
//! (strictly), ACTIVE or EXPIRED then, not followed by a PKS as of then: no
//! live PKS under them had started (first stage started, or signed) by as_of
//! without being cancelled by as_of. A cancelled PKS leaves its KSB without an
//! implementing agreement again; a terminated or expired one still followed it.
//!
//! `follow_up_report_cycles`: the reporting cycles of agreements ACTIVE as of
//! the date (their `reporting_cycle`: calendar quarters, semesters or years
//! overlapping the in-force period up to as_of) whose report is MISSING (none
//! by the cycle's end + grace, and the grace has passed) or LATE (it arrived
//! after that). Reports submitted after as_of do not count yet.
//!
//! `follow_up_no_realisation`: agreements ACTIVE as of the date with no
//! realisation recorded (none whose period ends on or before as_of), split into
//! INDICATORS_WITHOUT_REALISATION and NO_INDICATOR.
//!
//! ADDENDUM and LOI records owe neither reports nor realisations of their own
//! ([`DocumentKind::is_implemented`]), so they are in neither of the last two
//! tables, as `ListReportingCycles` gives them no cycles.
//!
//! `follow_up_overdue_recommendations`: meeting recommendations whose status on
//! as_of (their last status change on or before it) is OPEN and whose due date
//! is before as_of.
//!
//! `follow_up_missing_documents`: documents the archive should hold as of the
//! date and does not. A record signed on or before as_of needs its own signed
//! document: a live document of the agreement whose type is the record's
//! `document_kind` (LOI, KSB, PKS, ADDENDUM, NOTA_KESEPAKATAN) with a file
//! uploaded on or before as_of (Asia/Jakarta); it is required since the
//! signing date. A record whose PERSETUJUAN_DPRD stage was DONE (not skipped)
//! on or before as_of needs a live DPRD_APPROVAL document with a file uploaded
//! by then; it is required since the stage's completion date. Every signed
//! record counts, whatever its state (an ended agreement's signed text is
//! still the bureau's record).

use chrono::{Days, NaiveDate};
use kerjasama_core::codes::{
    AgreementState, CycleStatus, DocumentKind, DocumentType, ReportingCycle,
};
use kerjasama_core::implementation_reports::{in_force_period, owed_cycles};
use polars::prelude::*;

use super::{Period, Table, epoch_days};
use crate::error::JobResult;
use crate::load::Register;

fn days(day: Expr) -> Expr {
    day.cast(DataType::Int32)
}

fn from_days(value: Option<i32>) -> Option<NaiveDate> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
    let days = value?;
    if days >= 0 {
        epoch.checked_add_days(Days::new(days as u64))
    } else {
        epoch.checked_sub_days(Days::new(days.unsigned_abs() as u64))
    }
}

/// `document_kind` is one whose records file reports and realise benefits.
fn is_implemented() -> Expr {
    DocumentKind::ALL
        .iter()
        .filter(|kind| kind.is_implemented())
        .map(|kind| col("document_kind").eq(lit(kind.code())))
        .reduce(|any, this| any.or(this))
        .unwrap_or(lit(false))
        .fill_null(lit(false))
}

fn ksb_without_pks(register: &Register, period: &Period) -> JobResult<DataFrame> {
    let as_of = period.as_of_day();
    let started = days(col("process_started_on"))
        .lt_eq(lit(as_of))
        .or(days(col("signed_on")).lt_eq(lit(as_of)))
        .fill_null(lit(false));
    let not_cancelled = col("cancelled_on")
        .is_null()
        .or(days(col("cancelled_on")).gt(lit(as_of)))
        .fill_null(lit(false));
    let following_pks = register
        .agreements
        .clone()
        .lazy()
        .filter(
            col("document_kind")
                .eq(lit(DocumentKind::Pks.code()))
                .and(col("parent_id").is_not_null())
                .and(started)
                .and(not_cancelled),
        )
        .group_by([col("parent_id")])
        .agg([len().alias("following_pks")]);
    let frame = register
        .agreements
        .clone()
        .lazy()
        .filter(
            col("document_kind")
                .eq(lit(DocumentKind::Ksb.code()))
                .and(days(col("signed_on")).lt(lit(as_of - 180)))
                .and(
                    col("state")
                        .eq(lit(AgreementState::Active.code()))
                        .or(col("state").eq(lit(AgreementState::Expired.code()))),
                )
                .fill_null(lit(false)),
        )
        .join(
            following_pks,
            [col("id")],
            [col("parent_id")],
            JoinArgs::new(JoinType::Left),
        )
        .filter(col("following_pks").is_null())
        .with_column((lit(as_of) - days(col("signed_on"))).alias("days_since_signed"))
        .select([
            col("agreement"),
            col("title"),
            col("cooperation_type"),
            col("unit_code"),
            col("state"),
            col("signed_on"),
            col("days_since_signed"),
        ])
        .sort(["signed_on", "agreement"], SortMultipleOptions::default())
        .collect()?;
    Ok(frame)
}

/// Every cycle of every agreement ACTIVE as of the date, up to as_of (none
/// for ADDENDUM and LOI records, as in `implementation_reports::cycles`).
fn cycles(register: &Register, period: &Period) -> JobResult<DataFrame> {
    let active = register
        .agreements
        .clone()
        .lazy()
        .filter(
            col("state")
                .eq(lit(AgreementState::Active.code()))
                .and(is_implemented()),
        )
        .select([
            col("id"),
            days(col("signed_on")).alias("signed_on"),
            days(col("effective_from")).alias("effective_from"),
            days(col("effective_until")).alias("effective_until"),
            days(col("terminated_on")).alias("terminated_on"),
            col("reporting_cycle"),
            days(col("reports_owed_from")).alias("reports_owed_from"),
        ])
        .collect()?;
    let ids = active.column("id")?.u32()?;
    let cycle_codes = active.column("reporting_cycle")?.str()?;
    let date_column = |name: &str| -> JobResult<Vec<Option<i32>>> {
        Ok(active.column(name)?.i32()?.iter().collect())
    };
    let (signed, from, until, terminated, owed_from) = (
        date_column("signed_on")?,
        date_column("effective_from")?,
        date_column("effective_until")?,
        date_column("terminated_on")?,
        date_column("reports_owed_from")?,
    );
    let (mut out_ids, mut starts, mut ends) = (Vec::new(), Vec::new(), Vec::new());
    for row in 0..active.height() {
        let cycle = cycle_codes
            .get(row)
            .and_then(ReportingCycle::from_code)
            .unwrap_or(ReportingCycle::Quarterly);
        let period_in_force = in_force_period(
            from_days(signed[row]),
            from_days(from[row]),
            from_days(until[row]),
            from_days(terminated[row]),
        );
        let Some((first, last)) = period_in_force else {
            continue;
        };
        if first > period.as_of {
            continue;
        }
        for (start, end) in owed_cycles(first, last, cycle, period.as_of, from_days(owed_from[row]))
        {
            out_ids.push(ids.get(row));
            starts.push(epoch_days(start));
            ends.push(epoch_days(end));
        }
    }
    let frame = df!("agreement_id" => out_ids, "cycle_start" => starts, "cycle_end" => ends)?;
    Ok(frame)
}

fn report_cycles(register: &Register, period: &Period) -> JobResult<DataFrame> {
    let as_of = period.as_of_day();
    let grace = period.report_grace_days as i32;
    let reports = register
        .implementation_reports
        .clone()
        .lazy()
        .filter(days(col("submitted_on")).lt_eq(lit(as_of)))
        .select([
            col("agreement_id").alias("report_agreement"),
            days(col("cycle_start")).alias("report_cycle_start"),
            col("submitted_on"),
        ]);
    let deadline = col("cycle_end") + lit(grace);
    let status = when(col("submitted_on").is_not_null())
        .then(
            when(days(col("submitted_on")).lt_eq(deadline.clone()))
                .then(lit(CycleStatus::Submitted.code()))
                .otherwise(lit(CycleStatus::Late.code())),
        )
        .when(lit(as_of).gt(deadline.clone()))
        .then(lit(CycleStatus::Missing.code()))
        .when(lit(as_of).gt(col("cycle_end")))
        .then(lit(CycleStatus::Due.code()))
        .otherwise(lit(CycleStatus::Open.code()));
    let agreements = register.agreements.clone().lazy().select([
        col("id"),
        col("agreement"),
        col("title"),
        col("cooperation_type"),
        col("unit_code"),
        col("reporting_cycle"),
    ]);
    let frame = cycles(register, period)?
        .lazy()
        .join(
            reports,
            [col("agreement_id"), col("cycle_start")],
            [col("report_agreement"), col("report_cycle_start")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([status.alias("status"), deadline.alias("deadline")])
        .filter(
            col("status")
                .eq(lit(CycleStatus::Missing.code()))
                .or(col("status").eq(lit(CycleStatus::Late.code()))),
        )
        .join(
            agreements,
            [col("agreement_id")],
            [col("id")],
            JoinArgs::new(JoinType::Inner),
        )
        .select([
            col("agreement"),
            col("title"),
            col("cooperation_type"),
            col("unit_code"),
            col("reporting_cycle"),
            col("cycle_start").cast(DataType::Date),
            col("cycle_end").cast(DataType::Date),
            col("deadline").cast(DataType::Date),
            col("status"),
            col("submitted_on"),
        ])
        .sort(["agreement", "cycle_start"], SortMultipleOptions::default())
        .collect()?;
    Ok(frame)
}

fn no_realisation(register: &Register, period: &Period) -> JobResult<DataFrame> {
    let as_of = period.as_of_day();
    let indicators = register
        .indicators
        .clone()
        .lazy()
        .group_by([col("agreement_id")])
        .agg([len().cast(DataType::UInt32).alias("indicators")]);
    let realised = register
        .realisations
        .clone()
        .lazy()
        .filter(days(col("period_end")).lt_eq(lit(as_of)))
        .join(
            register
                .indicators
                .clone()
                .lazy()
                .select([col("id"), col("agreement_id")]),
            [col("indicator_id")],
            [col("id")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col("agreement_id")])
        .agg([len().alias("realisations")]);
    let frame = register
        .agreements
        .clone()
        .lazy()
        .filter(
            col("state")
                .eq(lit(AgreementState::Active.code()))
                .and(is_implemented()),
        )
        .join(
            indicators,
            [col("id")],
            [col("agreement_id")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            realised,
            [col("id")],
            [col("agreement_id")],
            JoinArgs::new(JoinType::Left),
        )
        .filter(col("realisations").is_null())
        .with_columns([
            col("indicators").fill_null(lit(0u32)),
            when(col("indicators").is_null())
                .then(lit("NO_INDICATOR"))
                .otherwise(lit("INDICATORS_WITHOUT_REALISATION"))
                .alias("gap"),
        ])
        .select([
            col("agreement"),
            col("title"),
            col("cooperation_type"),
            col("unit_code"),
            col("gap"),
            col("indicators"),
        ])
        .sort(["gap", "agreement"], SortMultipleOptions::default())
        .collect()?;
    Ok(frame)
}

fn overdue_recommendations(register: &Register, period: &Period) -> JobResult<DataFrame> {
    let as_of = period.as_of_day();
    let status_then = register
        .recommendation_changes
        .clone()
        .lazy()
        .filter(days(col("changed_on")).lt_eq(lit(as_of)))
        .group_by([col("recommendation_id")])
        .agg([col("status")
            .sort_by(
                [col("changed_on"), col("seq")],
                SortMultipleOptions::default(),
            )
            .last()
            .alias("status")]);
    let agreements = register
        .agreements
        .clone()
        .lazy()
        .select([col("id").alias("agreement_key"), col("agreement")]);
    let frame = register
        .recommendations
        .clone()
        .lazy()
        .join(
            status_then,
            [col("id")],
            [col("recommendation_id")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            col("status")
                .eq(lit("OPEN"))
                .and(days(col("due_on")).lt(lit(as_of))),
        )
        .join(
            agreements,
            [col("agreement_id")],
            [col("agreement_key")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column((lit(as_of) - days(col("due_on"))).alias("days_overdue"))
        .select([
            col("recommendation"),
            col("meeting"),
            col("held_on"),
            col("agreement"),
            col("responsible_unit"),
            col("description"),
            col("due_on"),
            col("days_overdue"),
        ])
        .sort(["due_on", "recommendation"], SortMultipleOptions::default())
        .collect()?;
    Ok(frame)
}

/// The stage whose completion requires a DPRD approval document on file.
const DPRD_STAGE: &str = "PERSETUJUAN_DPRD";

fn missing_documents(register: &Register, period: &Period) -> JobResult<DataFrame> {
    let as_of = period.as_of_day();
    let on_file = register
        .archived_documents
        .clone()
        .lazy()
        .filter(days(col("first_file_on")).lt_eq(lit(as_of)))
        .select([
            col("agreement_id").alias("filed_agreement"),
            col("document_type").alias("filed_type"),
            lit(true).alias("on_file"),
        ]);
    let agreements = register.agreements.clone().lazy().select([
        col("id"),
        col("agreement"),
        col("title"),
        col("cooperation_type"),
        col("document_kind"),
        col("unit_code"),
    ]);
    // Every signed record needs its own signed text.
    let signed = register
        .agreements
        .clone()
        .lazy()
        .filter(
            days(col("signed_on"))
                .lt_eq(lit(as_of))
                .fill_null(lit(false)),
        )
        .select([
            col("id").alias("needing"),
            col("document_kind").alias("document_type"),
            days(col("signed_on")).alias("required_since"),
        ]);
    // A DPRD approval given (its stage DONE) needs its letter.
    let approved = register
        .stages
        .clone()
        .lazy()
        .filter(
            col("stage_code")
                .eq(lit(DPRD_STAGE))
                .and(col("skipped").eq(lit(0)))
                .and(days(col("closed_on")).lt_eq(lit(as_of)))
                .fill_null(lit(false)),
        )
        .select([
            col("agreement_id").alias("needing"),
            lit(DocumentType::DprdApproval.code()).alias("document_type"),
            days(col("closed_on")).alias("required_since"),
        ]);
    let frame = concat([signed, approved], UnionArgs::default())?
        .join(
            on_file,
            [col("needing"), col("document_type")],
            [col("filed_agreement"), col("filed_type")],
            JoinArgs::new(JoinType::Left),
        )
        .filter(col("on_file").is_null())
        .join(
            agreements,
            [col("needing")],
            [col("id")],
            JoinArgs::new(JoinType::Inner),
        )
        .with_column((lit(as_of) - col("required_since")).alias("days_missing"))
        .select([
            col("agreement"),
            col("title"),
            col("cooperation_type"),
            col("document_kind"),
            col("unit_code"),
            col("document_type"),
            col("required_since").cast(DataType::Date),
            col("days_missing"),
        ])
        .sort(
            ["required_since", "agreement", "document_type"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    Ok(frame)
}

pub fn tables(register: &Register, period: &Period) -> JobResult<Vec<Table>> {
    Ok(vec![
        Table {
            name: "follow_up_ksb_without_pks",
            frame: ksb_without_pks(register, period)?,
        },
        Table {
            name: "follow_up_report_cycles",
            frame: report_cycles(register, period)?,
        },
        Table {
            name: "follow_up_no_realisation",
            frame: no_realisation(register, period)?,
        },
        Table {
            name: "follow_up_overdue_recommendations",
            frame: overdue_recommendations(register, period)?,
        },
        Table {
            name: "follow_up_missing_documents",
            frame: missing_documents(register, period)?,
        },
    ])
}
