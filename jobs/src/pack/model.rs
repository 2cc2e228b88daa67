//! The pack's content model (one [`Pack`] of sections, each of blocks:
//! sentences, paragraphs, tables, charts), and how a value of a run's tables
//! reads in a cell. Built by the pack's sections, rendered by `html` and `pdf`.

use polars::prelude::*;

use super::chart::BarChart;
use crate::decimals::decimal_text;
use crate::error::JobResult;
use crate::indonesian;
use crate::labels;
use crate::metrics::Table as MetricTable;

/// At most this many rows of a detail list are printed; the rest are counted
/// and left to the workbook sheet named beside it.
pub const MAX_LIST_ROWS: usize = 40;

/// A heading in both languages.
#[derive(Debug, Clone)]
pub struct Heading {
    pub id: String,
    pub en: String,
}

impl Heading {
    pub(crate) fn new(id: &str, en: &str) -> Self {
        Self {
            id: id.into(),
            en: en.into(),
        }
    }

    pub(crate) fn of_column(name: &str) -> Self {
        match labels::column(name) {
            Some(l) => Self::new(l.id, l.en),
            None => Self::new(name, name),
        }
    }
}

/// One cell: its text as printed, an optional small note beneath it (an
/// agreement's id under its title), and whether it is a number (set right).
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub note: Option<String>,
    pub numeric: bool,
}

#[derive(Debug, Clone)]
pub struct PackTable {
    pub headers: Vec<Heading>,
    pub rows: Vec<Vec<Cell>>,
    /// The last row is a total (printed bold).
    pub total_row: bool,
    /// Rows left out (beyond [`MAX_LIST_ROWS`]) and the file that has them all.
    pub omitted: Option<(usize, String)>,
}

#[derive(Debug, Clone)]
pub enum Block {
    Sentences(Vec<String>),
    Paragraph(String),
    Table(PackTable),
    Chart(BarChart),
}

#[derive(Debug, Clone)]
pub struct Section {
    /// An anchor (`ringkasan-eksekutif`).
    pub anchor: &'static str,
    pub heading: Heading,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub struct Pack {
    pub title: String,
    /// The region's code, or "semua wilayah".
    pub region: String,
    pub as_of: String,
    pub period: String,
    /// The run's name and software version, for the small print.
    pub provenance: String,
    pub sections: Vec<Section>,
}

/// A table cell as Indonesians read it: `1.234`, `611.250.000,5`, `ya`/`tidak`,
/// `30 September 2026`.
pub(crate) fn cell_text(value: &AnyValue) -> String {
    match value {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Boolean(true) => "ya".into(),
        AnyValue::Boolean(false) => "tidak".into(),
        AnyValue::UInt32(n) => indonesian::integer(i128::from(*n)),
        AnyValue::Int32(n) => indonesian::integer(i128::from(*n)),
        AnyValue::Int64(n) => indonesian::integer(i128::from(*n)),
        AnyValue::Decimal(v, _, scale) => indonesian::decimal(&decimal_text(*v, *scale)),
        AnyValue::Float64(n) if n.is_finite() => indonesian::decimal(&format!("{n:.4}")),
        AnyValue::Date(days) => indonesian::date(crate::metrics::from_epoch_days(*days)),
        other => other.to_string(),
    }
}

pub(crate) fn is_numeric(value: &AnyValue) -> bool {
    matches!(
        value,
        AnyValue::UInt32(_)
            | AnyValue::Int32(_)
            | AnyValue::Int64(_)
            | AnyValue::Decimal(..)
            | AnyValue::Float64(_)
    )
}

pub(crate) fn value_at(
    frame: &DataFrame,
    column: &str,
    row: usize,
) -> JobResult<AnyValue<'static>> {
    Ok(frame
        .column(column)?
        .as_materialized_series()
        .get(row)?
        .into_static())
}

pub(crate) fn column_f64(frame: &DataFrame, name: &str) -> JobResult<Vec<f64>> {
    Ok(frame
        .column(name)?
        .as_materialized_series()
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect())
}

pub(crate) fn column_strings(frame: &DataFrame, name: &str) -> JobResult<Vec<String>> {
    Ok(frame
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

pub(crate) fn find<'a>(tables: &'a [MetricTable], name: &str) -> Option<&'a DataFrame> {
    tables.iter().find(|t| t.name == name).map(|t| &t.frame)
}
