//! Digests: what each unit (OPD) owes, sent to its contacts and endpoints.
//!
//! A digest is composed from the report's own tables (`overdue_stages`,
//! `renewal_watch`, `follow_up_report_cycles`,
//! `follow_up_overdue_recommendations`, `follow_up_missing_documents`)
//! computed as of the tick's date, so a
//! digest and the report of the same day always agree. Each unit's digest
//! holds its rows; the bureau's (no unit) holds every unit's. A digest with
//! nothing in it is not sent.
//!
//! `compose` builds them, `render` writes the message (Bahasa Indonesia first,
//! plain text and HTML, and the webhook's JSON), `recipients` and
//! `schedules_admin` are the admin use cases, `outbox` claims ticks and
//! queues one delivery per (tick, recipient), and `delivery` sends them by SMTP
//! and signed webhook.

pub mod delivery;
pub mod delivery_record;
pub mod outbox;
pub mod recipients;
pub mod render;
pub mod schedules_admin;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kerjasama_core::CoreError;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::units;
use polars::prelude::{AnyValue, DataFrame};
use serde::Serialize;

use crate::error::JobResult;
use crate::load;
use crate::metrics::{self, Period};
use crate::names::Names;

/// A stage past its due date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueStage {
    pub agreement: String,
    pub title: String,
    /// The agreement as people name it: document number and title.
    pub label: String,
    pub unit_code: String,
    pub unit_name: String,
    pub stage_code: String,
    /// The stage's Indonesian name.
    pub stage_name: String,
    /// The agreement's page in the bureau's portal (`--portal-url-template`).
    pub link: Option<String>,
    pub due_on: NaiveDate,
    pub days_overdue: i64,
}

/// An agreement whose in-force period ends within 180 days.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndingAgreement {
    pub agreement: String,
    pub title: String,
    pub label: String,
    pub unit_code: String,
    pub unit_name: String,
    pub link: Option<String>,
    pub effective_until: NaiveDate,
    pub days_to_end: i64,
    pub within_90_days: bool,
}

/// A reporting cycle whose implementation report is missing or was late.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportGap {
    pub agreement: String,
    pub title: String,
    pub label: String,
    pub unit_code: String,
    pub unit_name: String,
    pub reporting_cycle: String,
    pub link: Option<String>,
    pub cycle_start: NaiveDate,
    pub cycle_end: NaiveDate,
    pub deadline: NaiveDate,
    /// MISSING or LATE.
    pub status: String,
    pub submitted_on: Option<NaiveDate>,
}

/// An evaluation-meeting recommendation still open after its due date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueRecommendation {
    pub recommendation: String,
    pub meeting: String,
    pub agreement: Option<String>,
    pub agreement_label: Option<String>,
    pub unit_code: String,
    pub unit_name: String,
    pub description: String,
    pub link: Option<String>,
    pub due_on: NaiveDate,
    pub days_overdue: i64,
}

/// A document the archive should hold and does not: a signed record's own
/// signed text, or the DPRD approval letter once that stage is done.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingDocument {
    pub agreement: String,
    pub title: String,
    pub label: String,
    pub unit_code: String,
    pub unit_name: String,
    pub link: Option<String>,
    /// The document type's code (KSB, PKS, …, DPRD_APPROVAL).
    pub document_type: String,
    /// Its Indonesian name.
    pub document_name: String,
    pub required_since: NaiveDate,
    pub days_missing: i64,
}

/// One digest: a unit's (or, with `unit_code` None, the bureau's) items as of a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub region_code: String,
    pub unit_code: Option<String>,
    pub unit_name: String,
    pub as_of: NaiveDate,
    pub overdue_stages: Vec<OverdueStage>,
    pub ending: Vec<EndingAgreement>,
    pub report_gaps: Vec<ReportGap>,
    pub recommendations: Vec<OverdueRecommendation>,
    pub missing_documents: Vec<MissingDocument>,
}

impl Digest {
    pub fn item_count(&self) -> usize {
        self.overdue_stages.len()
            + self.ending.len()
            + self.report_gaps.len()
            + self.recommendations.len()
            + self.missing_documents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.item_count() == 0
    }
}

/// Every digest of a region as of a day: one per unit of the region (keyed
/// by unit code) and the bureau's (key `None`).
pub struct RegionDigests {
    pub bureau: Digest,
    pub units: BTreeMap<String, Digest>,
}

impl RegionDigests {
    /// The digest for a recipient of `unit` (None: the bureau).
    pub fn for_unit(&self, unit: Option<&str>) -> Option<&Digest> {
        match unit {
            None => Some(&self.bureau),
            Some(code) => self.units.get(code),
        }
    }
}

fn text(frame: &DataFrame, column: &str, row: usize) -> JobResult<String> {
    Ok(match frame.column(column)?.get(row)? {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        other => other.to_string(),
    })
}

fn integer(frame: &DataFrame, column: &str, row: usize) -> JobResult<i64> {
    let value = frame.column(column)?.get(row)?;
    value.extract::<i64>().ok_or_else(|| {
        CoreError::Internal(format!("{column} row {row}: not an integer ({value})")).into()
    })
}

fn date(frame: &DataFrame, column: &str, row: usize) -> JobResult<Option<NaiveDate>> {
    Ok(match frame.column(column)?.get(row)? {
        AnyValue::Date(days) => Some(metrics::from_epoch_days(days)),
        _ => None,
    })
}

fn required_date(frame: &DataFrame, column: &str, row: usize) -> JobResult<NaiveDate> {
    date(frame, column, row)?
        .ok_or_else(|| CoreError::Internal(format!("{column} row {row}: no date")).into())
}

fn boolean(frame: &DataFrame, column: &str, row: usize) -> JobResult<bool> {
    Ok(matches!(
        frame.column(column)?.get(row)?,
        AnyValue::Boolean(true)
    ))
}

fn table<'a>(tables: &'a [metrics::Table], name: &str) -> JobResult<&'a DataFrame> {
    tables
        .iter()
        .find(|t| t.name == name)
        .map(|t| &t.frame)
        .ok_or_else(|| CoreError::Internal(format!("the report has no {name} table")).into())
}

/// Every item of a region, before it is split by unit.
pub type Items = (
    Vec<OverdueStage>,
    Vec<EndingAgreement>,
    Vec<ReportGap>,
    Vec<OverdueRecommendation>,
    Vec<MissingDocument>,
);

/// An agreement's page in the bureau's portal: `{id}` in the template
/// replaced by the agreement's id.
pub fn portal_link(template: Option<&str>, agreement: &str) -> Option<String> {
    let id = agreement.strip_prefix("agreements/")?;
    template.map(|t| t.replace("{id}", id))
}

/// The digests' items, read from the report's own tables, with the names
/// people read and, with a portal template, a link per agreement.
pub fn items_from_tables(
    tables: &[metrics::Table],
    names: &Names,
    portal: Option<&str>,
) -> JobResult<Items> {
    let overdue = table(tables, "overdue_stages")?;
    let mut stages = Vec::with_capacity(overdue.height());
    for r in 0..overdue.height() {
        let agreement = text(overdue, "agreement", r)?;
        let unit_code = text(overdue, "unit_code", r)?;
        let stage_code = text(overdue, "stage_code", r)?;
        stages.push(OverdueStage {
            label: names.agreement(&agreement),
            link: portal_link(portal, &agreement),
            agreement,
            title: text(overdue, "title", r)?,
            unit_name: names.unit(&unit_code),
            unit_code,
            stage_name: names.stage(&stage_code),
            stage_code,
            due_on: required_date(overdue, "due_on", r)?,
            days_overdue: integer(overdue, "days_overdue", r)?,
        });
    }
    let renewal = table(tables, "renewal_watch")?;
    let mut ending = Vec::new();
    for r in 0..renewal.height() {
        if !boolean(renewal, "within_180_days", r)? {
            continue; // already past its end: the report lists it, the digest does not
        }
        let agreement = text(renewal, "agreement", r)?;
        let unit_code = text(renewal, "unit_code", r)?;
        ending.push(EndingAgreement {
            label: names.agreement(&agreement),
            link: portal_link(portal, &agreement),
            agreement,
            title: text(renewal, "title", r)?,
            unit_name: names.unit(&unit_code),
            unit_code,
            effective_until: required_date(renewal, "effective_until", r)?,
            days_to_end: integer(renewal, "days_to_end", r)?,
            within_90_days: boolean(renewal, "within_90_days", r)?,
        });
    }
    let cycles = table(tables, "follow_up_report_cycles")?;
    let mut gaps = Vec::with_capacity(cycles.height());
    for r in 0..cycles.height() {
        let agreement = text(cycles, "agreement", r)?;
        let unit_code = text(cycles, "unit_code", r)?;
        gaps.push(ReportGap {
            label: names.agreement(&agreement),
            link: portal_link(portal, &agreement),
            agreement,
            title: text(cycles, "title", r)?,
            unit_name: names.unit(&unit_code),
            unit_code,
            reporting_cycle: text(cycles, "reporting_cycle", r)?,
            cycle_start: required_date(cycles, "cycle_start", r)?,
            cycle_end: required_date(cycles, "cycle_end", r)?,
            deadline: required_date(cycles, "deadline", r)?,
            status: text(cycles, "status", r)?,
            submitted_on: date(cycles, "submitted_on", r)?,
        });
    }
    let open = table(tables, "follow_up_overdue_recommendations")?;
    let mut recommendations = Vec::with_capacity(open.height());
    for r in 0..open.height() {
        let agreement = text(open, "agreement", r)?;
        let unit_code = text(open, "responsible_unit", r)?;
        recommendations.push(OverdueRecommendation {
            recommendation: text(open, "recommendation", r)?,
            meeting: text(open, "meeting", r)?,
            agreement_label: (!agreement.is_empty()).then(|| names.agreement(&agreement)),
            link: portal_link(portal, &agreement),
            agreement: (!agreement.is_empty()).then_some(agreement),
            unit_name: names.unit(&unit_code),
            unit_code,
            description: text(open, "description", r)?,
            due_on: required_date(open, "due_on", r)?,
            days_overdue: integer(open, "days_overdue", r)?,
        });
    }
    let missing = table(tables, "follow_up_missing_documents")?;
    let mut documents = Vec::with_capacity(missing.height());
    for r in 0..missing.height() {
        let agreement = text(missing, "agreement", r)?;
        let unit_code = text(missing, "unit_code", r)?;
        let document_type = text(missing, "document_type", r)?;
        documents.push(MissingDocument {
            label: names.agreement(&agreement),
            link: portal_link(portal, &agreement),
            agreement,
            title: text(missing, "title", r)?,
            unit_name: names.unit(&unit_code),
            unit_code,
            document_name: names
                .code("document_type", &document_type)
                .unwrap_or_else(|| document_type.clone()),
            document_type,
            required_since: required_date(missing, "required_since", r)?,
            days_missing: integer(missing, "days_missing", r)?,
        });
    }
    Ok((stages, ending, gaps, recommendations, documents))
}

/// Composes every digest of `region_code` as of `as_of`, from the report
/// tables computed the way a report run computes them.
pub async fn compose(
    pool: &PgPool,
    database_url: &str,
    region_code: &str,
    as_of: NaiveDate,
    report_grace_days: u32,
    portal: Option<&str>,
) -> JobResult<RegionDigests> {
    let client = load::connect(database_url).await?;
    let register = load::register(&client, as_of, Some(region_code)).await?;
    let names = Names::load(&client, &register).await?;
    let portal = portal.map(str::to_string);
    let (start, end) = kerjasama_core::calendar::quarter_of(as_of);
    let period = Period {
        as_of,
        start,
        end,
        report_grace_days,
    };
    let (stages, ending, gaps, recommendations, documents) =
        tokio::task::spawn_blocking(move || {
            // Only the families a digest reads: the same functions the report's
            // `metrics::compute` calls, so the figures are the report's.
            let mut tables = metrics::overdue::tables(&register, &period)?;
            tables.extend(metrics::renewal::tables(&register, &period)?);
            tables.extend(metrics::follow_up::tables(&register, &period)?);
            items_from_tables(&tables, &names, portal.as_deref())
        })
        .await
        .map_err(|e| CoreError::Internal(format!("digest task: {e}")))??;

    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let unit_names: HashMap<String, String> = units::table
        .filter(units::region_code.eq(region_code))
        .select((units::code, units::display_name))
        .load::<(String, String)>(&mut conn)
        .await?
        .into_iter()
        .collect();
    let empty = |unit_code: Option<String>, unit_name: String| Digest {
        region_code: region_code.to_string(),
        unit_code,
        unit_name,
        as_of,
        overdue_stages: Vec::new(),
        ending: Vec::new(),
        report_gaps: Vec::new(),
        recommendations: Vec::new(),
        missing_documents: Vec::new(),
    };
    let mut units: BTreeMap<String, Digest> = unit_names
        .iter()
        .map(|(code, name)| (code.clone(), empty(Some(code.clone()), name.clone())))
        .collect();
    let mut bureau = empty(None, "Biro Kerja Sama".to_string());
    for item in stages {
        if let Some(d) = units.get_mut(&item.unit_code) {
            d.overdue_stages.push(item.clone());
        }
        bureau.overdue_stages.push(item);
    }
    for item in ending {
        if let Some(d) = units.get_mut(&item.unit_code) {
            d.ending.push(item.clone());
        }
        bureau.ending.push(item);
    }
    for item in gaps {
        if let Some(d) = units.get_mut(&item.unit_code) {
            d.report_gaps.push(item.clone());
        }
        bureau.report_gaps.push(item);
    }
    for item in recommendations {
        if let Some(d) = units.get_mut(&item.unit_code) {
            d.recommendations.push(item.clone());
        }
        bureau.recommendations.push(item);
    }
    for item in documents {
        if let Some(d) = units.get_mut(&item.unit_code) {
            d.missing_documents.push(item.clone());
        }
        bureau.missing_documents.push(item);
    }
    Ok(RegionDigests { bureau, units })
}
