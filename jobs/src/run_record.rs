//! The report run as a record: what was asked (`ReportParams`), the row in
//! `report_runs` (`ReportRun`) with its state, and where its files go. Every
//! part of the pipeline (the writers, the queue, the scheduler, the read side)
//! passes these around, so they sit below all of them.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use kerjasama_core::calendar;
use kerjasama_core::schema::report_runs;
use kerjasama_core::{CoreError, FieldViolation};
use uuid::Uuid;

kerjasama_core::code_list! {
    /// Where a report run stands: QUEUED → RUNNING → SUCCEEDED or FAILED (a
    /// RUNNING run whose lease expired is QUEUED again, up to its attempts).
    RunState {
        Queued = "QUEUED",
        Running = "RUNNING",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
    }
}

impl RunState {
    /// SUCCEEDED or FAILED: the run will not change again.
    pub fn is_finished(self) -> bool {
        matches!(self, RunState::Succeeded | RunState::Failed)
    }
}

/// What a run computes: the state of the register as of a date, and the
/// flows (signings) inside a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportParams {
    pub as_of: NaiveDate,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Only this region's agreements; `None`: every region.
    pub region_code: Option<String>,
    /// Days after a reporting cycle's end by which its report is on time.
    pub report_grace_days: u32,
    /// Only these tables (file stems, e.g. `overdue_stages`); empty: all.
    pub tables: Vec<String>,
    /// Also write the open register (`kerjasama_core::open_register`).
    pub public_register: bool,
}

impl ReportParams {
    /// Defaults: as of today (Asia/Jakarta), period = the quarter containing as_of.
    pub fn new(
        as_of: Option<NaiveDate>,
        period: (Option<NaiveDate>, Option<NaiveDate>),
        region_code: Option<String>,
    ) -> Result<Self, CoreError> {
        let today = calendar::today();
        let as_of = as_of.unwrap_or(today);
        let mut violations = Vec::new();
        if as_of > today {
            violations.push(FieldViolation::new(
                "as_of",
                format!("must not be after today ({today} in Asia/Jakarta)"),
            ));
        }
        let (quarter_start, quarter_end) = calendar::quarter_of(as_of);
        let params = match period {
            (None, None) => (quarter_start, quarter_end),
            (Some(start), Some(end)) => (start, end),
            (Some(_), None) => {
                violations.push(FieldViolation::new(
                    "period_end",
                    "required with period_start",
                ));
                (quarter_start, quarter_end)
            }
            (None, Some(_)) => {
                violations.push(FieldViolation::new(
                    "period_start",
                    "required with period_end",
                ));
                (quarter_start, quarter_end)
            }
        };
        if params.1 < params.0 {
            violations.push(FieldViolation::new(
                "period_end",
                "must not be before period_start",
            ));
        }
        if !violations.is_empty() {
            return Err(CoreError::InvalidArgument(violations));
        }
        Ok(Self {
            as_of,
            period_start: params.0,
            period_end: params.1,
            region_code,
            report_grace_days: kerjasama_core::implementation_reports::DEFAULT_GRACE_DAYS,
            tables: Vec::new(),
            public_register: false,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_runs, check_for_backend(diesel::pg::Pg))]
pub struct ReportRun {
    pub id: Uuid,
    pub region_code: Option<String>,
    pub as_of: NaiveDate,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub state: RunState,
    pub error: Option<String>,
    pub files: Vec<String>,
    pub output_dir: String,
    pub requested_by: String,
    pub create_time: DateTime<Utc>,
    pub finish_time: Option<DateTime<Utc>>,
    pub start_time: Option<DateTime<Utc>>,
    pub report_grace_days: i32,
    pub software_version: String,
    pub schedule_id: Option<Uuid>,
    pub scheduled_for: Option<DateTime<Utc>>,
    /// The tables asked for; empty: all.
    pub tables: Vec<String>,
    /// Attempts started so far (a run whose worker died is attempted again).
    pub attempts: i32,
    pub max_attempts: i32,
    /// The run also writes the open register.
    pub public_register: bool,
}

impl ReportRun {
    pub fn name(&self) -> String {
        format!("reportRuns/{}", self.id)
    }
}

/// Where a run's files go.
pub enum Destination {
    /// `<root>/<run id>/`: runs kept by the server.
    UnderRoot(PathBuf),
    /// Exactly this folder (the CLI's `--out`).
    Folder(PathBuf),
}

/// Every table of a run in one workbook, a sheet each.
pub const WORKBOOK: &str = "report.xlsx";

/// The version of the software that computes runs, recorded with each.
pub const SOFTWARE_VERSION: &str = concat!("kerjasama ", env!("CARGO_PKG_VERSION"));

/// A scheduled tick a run is for: (schedule, the instant it was due).
pub type Tick = (Uuid, DateTime<Utc>);

/// The meeting pack's HTML file, written by `crate::pack` into every run.
pub const PACK_HTML: &str = "meeting_pack.html";
/// The meeting pack as PDF (the same content, typeset).
pub const PACK_PDF: &str = "meeting_pack.pdf";
