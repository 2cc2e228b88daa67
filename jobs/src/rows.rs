//! Typed rows of one table of a run, for programs that do not want files
//! (ReportService.GetMetricRows). The manifest records each column's type; the
//! table's CSV is read back with exactly those types, so decimals stay exact.

use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::decimals::decimal_text;
use crate::error::{JobError, JobResult};
use crate::load::decimal_type;
use kerjasama_core::CoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Text,
    Integer,
    Decimal,
    Date,
    Boolean,
    Number,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub column_type: ColumnType,
}

/// A cell: `None` is empty.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Integer(i64),
    /// Plain decimal text, exact.
    Decimal(String),
    /// ISO date.
    Date(String),
    Boolean(bool),
    Number(f64),
}

fn type_of(dtype: &DataType) -> ColumnType {
    match dtype {
        DataType::Decimal(_, _) => ColumnType::Decimal,
        DataType::Date => ColumnType::Date,
        DataType::Boolean => ColumnType::Boolean,
        DataType::Float32 | DataType::Float64 => ColumnType::Number,
        d if d.is_integer() => ColumnType::Integer,
        _ => ColumnType::Text,
    }
}

/// GetMetricRows page tokens: a row offset, bound to the run and the table.
pub mod page {
    use kerjasama_core::CoreError;
    use kerjasama_core::paging::{self, Cursor};

    /// What a token is bound to: the request's run and table.
    pub fn fingerprint(run: &str, table: &str) -> String {
        paging::fingerprint(&(run, table))
    }

    /// The token of the page starting at row `offset`.
    pub fn token(offset: usize, fingerprint: &str) -> String {
        paging::encode(
            Cursor {
                key: offset.to_string(),
                id: String::new(),
            },
            fingerprint,
        )
    }

    /// The first row of the page `token` asks for (empty: the first page).
    pub fn offset(token: &str, fingerprint: &str) -> Result<usize, CoreError> {
        match paging::decode(token, fingerprint)? {
            Some(cursor) => cursor.key.parse::<usize>().map_err(|_| {
                CoreError::invalid("page_token", "not a page token issued by this service")
            }),
            None => Ok(0),
        }
    }
}

pub fn columns_of(frame: &DataFrame) -> Vec<Column> {
    frame
        .columns()
        .iter()
        .map(|c| Column {
            name: c.name().to_string(),
            column_type: type_of(c.dtype()),
        })
        .collect()
}

fn polars_type(column_type: ColumnType) -> DataType {
    match column_type {
        ColumnType::Text => DataType::String,
        ColumnType::Integer => DataType::Int64,
        ColumnType::Decimal => decimal_type(),
        ColumnType::Date => DataType::Date,
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Number => DataType::Float64,
    }
}

#[derive(Deserialize)]
struct ManifestTable {
    name: String,
    file: String,
    columns: Vec<Column>,
}

#[derive(Deserialize)]
struct Manifest {
    tables: Vec<ManifestTable>,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JobError + '_ {
    move |source| JobError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A page of a table's rows.
pub struct Rows {
    pub columns: Vec<Column>,
    /// Each row's cells in the order of `columns`; `None` is empty.
    pub rows: Vec<Vec<Option<Value>>>,
    /// Rows in the whole table.
    pub total: usize,
}

/// The columns of the table stored as `file` (e.g. `overdue_stages.csv`) in
/// the run folder `dir`, from its manifest; `None` when no table is stored so.
pub fn columns_of_file(dir: &Path, file: &str) -> JobResult<Option<Vec<Column>>> {
    let manifest_path = dir.join("manifest.json");
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(&manifest_path).map_err(io(&manifest_path))?)
            .map_err(|e| CoreError::Internal(format!("{}: {e}", manifest_path.display())))?;
    Ok(manifest
        .tables
        .into_iter()
        .find(|t| t.file == file)
        .map(|t| t.columns))
}

/// The columns of `table` in the run folder `dir`, and rows `offset..offset + limit`.
pub fn read(dir: &Path, table: &str, offset: usize, limit: usize) -> JobResult<Rows> {
    let manifest_path = dir.join("manifest.json");
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(&manifest_path).map_err(io(&manifest_path))?)
            .map_err(|e| CoreError::Internal(format!("{}: {e}", manifest_path.display())))?;
    let Some(entry) = manifest.tables.into_iter().find(|t| t.name == table) else {
        return Err(CoreError::not_found(format!("table {table} of this run")).into());
    };
    let schema = Schema::from_iter(
        entry
            .columns
            .iter()
            .map(|c| Field::new(c.name.as_str().into(), polars_type(c.column_type))),
    );
    let path = dir.join(&entry.file);
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(std::sync::Arc::new(schema)))
        .try_into_reader_with_file_path(Some(path.clone()))?
        .finish()?;
    let total = frame.height();
    // Past the end is an empty page, never a negative (from-the-end) slice.
    let start = i64::try_from(offset.min(total)).unwrap_or(i64::MAX);
    let page = frame.slice(start, limit);
    let mut rows = Vec::with_capacity(page.height());
    for r in 0..page.height() {
        let mut row = Vec::with_capacity(entry.columns.len());
        for column in page.columns() {
            let value = column.as_materialized_series().get(r)?;
            row.push(match value {
                AnyValue::Null => None,
                AnyValue::String(s) => Some(Value::Text(s.to_string())),
                AnyValue::StringOwned(s) => Some(Value::Text(s.to_string())),
                AnyValue::Boolean(b) => Some(Value::Boolean(b)),
                AnyValue::Int64(n) => Some(Value::Integer(n)),
                AnyValue::Float64(n) => Some(Value::Number(n)),
                AnyValue::Decimal(v, _, scale) => Some(Value::Decimal(decimal_text(v, scale))),
                AnyValue::Date(days) => Some(Value::Date(
                    crate::metrics::from_epoch_days(days).to_string(),
                )),
                other => Some(Value::Text(other.to_string())),
            });
        }
        rows.push(row);
    }
    Ok(Rows {
        columns: entry.columns,
        rows,
        total,
    })
}
