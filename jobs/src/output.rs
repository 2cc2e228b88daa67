//! Writing a run's files. Everything is written into a staging folder first
//! and moved into place only when the whole run succeeded, so readers never
//! see a half-written file and a failed run publishes nothing.

use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use std::borrow::Cow;

use kerjasama_core::spreadsheet_cell::neutralise;

use crate::error::{JobError, JobResult};

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JobError + '_ {
    move |source| JobError::Io {
        path: path.to_path_buf(),
        source,
    }
}

pub struct Staging {
    staging: PathBuf,
    destination: PathBuf,
    files: Vec<String>,
}

impl Staging {
    /// Stages files for `destination` (created if missing).
    pub fn new(destination: &Path, run_id: uuid::Uuid) -> JobResult<Self> {
        let staging = destination.join(format!(".staging-{run_id}"));
        // What an earlier, interrupted attempt left is not this attempt's.
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(io(&staging))?;
        }
        fs::create_dir_all(&staging).map_err(io(&staging))?;
        Ok(Self {
            staging,
            destination: destination.to_path_buf(),
            files: Vec::new(),
        })
    }

    /// RFC 4180 CSV: UTF-8, header row, CRLF line ends, ISO dates, `.` decimals;
    /// rupiah columns as whole rupiah (see [`whole_rupiah`]); text a
    /// spreadsheet would run as a formula neutralised (see [`formulas_as_text`]).
    pub fn write_csv(&mut self, name: &str, frame: &mut DataFrame) -> JobResult<()> {
        let path = self.staging.join(name);
        let file = fs::File::create(&path).map_err(io(&path))?;
        let mut frame = formulas_as_text(&whole_rupiah(frame)?)?;
        CsvWriter::new(file)
            .include_header(true)
            .with_line_terminator("\r\n".into())
            .with_date_format(Some("%Y-%m-%d".into()))
            .finish(&mut frame)?;
        self.files.push(name.to_string());
        Ok(())
    }

    /// Apache Parquet, the table's column types kept (dates as dates, exact
    /// decimals as decimals), zstd-compressed.
    pub fn write_parquet(&mut self, name: &str, frame: &mut DataFrame) -> JobResult<()> {
        let path = self.staging.join(name);
        let file = fs::File::create(&path).map_err(io(&path))?;
        ParquetWriter::new(file)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(frame)?;
        self.files.push(name.to_string());
        Ok(())
    }

    /// The analysts' workbook (see [`crate::workbook`]).
    pub fn write_xlsx(
        &mut self,
        name: &str,
        run: &crate::run_record::ReportRun,
        tables: &[(&str, &DataFrame)],
        names: &crate::names::Names,
    ) -> JobResult<()> {
        let path = self.staging.join(name);
        crate::workbook::write(
            &path,
            &self.staging,
            run,
            tables,
            names,
            crate::workbook::WORKBOOK_ROWS_MAX,
        )?;
        self.files.push(name.to_string());
        Ok(())
    }

    /// Writes `name` with `bytes` (e.g. the manifest).
    pub fn write_bytes(&mut self, name: &str, bytes: &[u8]) -> JobResult<()> {
        let path = self.staging.join(name);
        fs::write(&path, bytes).map_err(io(&path))?;
        self.files.push(name.to_string());
        Ok(())
    }

    /// (name, SHA-256 hex, size in bytes) of every file staged so far.
    pub fn digests(&self) -> JobResult<Vec<(String, String, u64)>> {
        use sha2::{Digest, Sha256};
        self.files
            .iter()
            .map(|name| {
                // Streamed through the hash: a national register's largest
                // CSV is hundreds of megabytes, never read into memory whole.
                let path = self.staging.join(name);
                let mut file = fs::File::open(&path).map_err(io(&path))?;
                let mut hasher = Sha256::new();
                let bytes = std::io::copy(&mut file, &mut hasher).map_err(io(&path))?;
                Ok((name.clone(), hex::encode(hasher.finalize()), bytes))
            })
            .collect()
    }

    /// Moves every staged file into the destination; returns their names.
    pub fn publish(self) -> JobResult<Vec<String>> {
        for name in &self.files {
            let target = self.destination.join(name);
            fs::rename(self.staging.join(name), &target).map_err(io(&target))?;
        }
        fs::remove_dir(&self.staging).map_err(io(&self.staging))?;
        Ok(self.files)
    }

    /// Removes whatever was staged.
    pub fn discard(self) {
        let _ = fs::remove_dir_all(&self.staging);
    }
}

/// Rupiah columns (`*_idr*`) written as whole rupiah, `611250000` rather than
/// `611250000.0000`: money is whole rupiah, so the decimals say nothing. A
/// column is rewritten only when every value in it is whole (else it keeps its
/// scale, so no amount is ever rounded); Parquet keeps the decimal type.
pub fn whole_rupiah(frame: &DataFrame) -> JobResult<DataFrame> {
    let mut out = frame.clone();
    for column in frame.columns() {
        if !column.name().contains("idr") || !matches!(column.dtype(), DataType::Decimal(..)) {
            continue;
        }
        let exact = column.as_materialized_series();
        let Ok(whole) = exact.strict_cast(&DataType::Int64) else {
            continue;
        };
        if whole.cast(exact.dtype())?.equal_missing(exact)?.all() {
            out.with_column(whole.into_column())?;
        }
    }
    Ok(out)
}

/// Every text column's cells through
/// [`kerjasama_core::spreadsheet_cell::neutralise`], for the CSV only: the
/// frame itself (and so Parquet and the workbook) keeps the exact values.
pub fn formulas_as_text(frame: &DataFrame) -> JobResult<DataFrame> {
    let mut out = frame.clone();
    for column in frame.columns() {
        if !matches!(column.dtype(), DataType::String) {
            continue;
        }
        let text = column.as_materialized_series().str()?;
        if !text
            .iter()
            .flatten()
            .any(|cell| matches!(neutralise(cell), Cow::Owned(_)))
        {
            continue;
        }
        let safe: StringChunked = text
            .iter()
            .map(|cell| cell.map(|c| neutralise(c).into_owned()))
            .collect();
        out.with_column(safe.with_name(column.name().clone()).into_column())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rupiah_columns_lose_only_meaningless_decimals() {
        let decimal = DataType::Decimal(20, 4);
        let frame = df!(
            "realised_idr_to_date" => [611_250_000i64, 0],
            "realised_idr_in_period" => [1i64, 2],
            "target_value" => [5i64, 6],
        )
        .unwrap();
        let frame = frame
            .lazy()
            .with_columns([
                col("realised_idr_to_date").cast(decimal.clone()),
                (col("realised_idr_in_period").cast(decimal.clone())
                    / lit(4).cast(decimal.clone()))
                .cast(decimal.clone()),
                col("target_value").cast(decimal),
            ])
            .collect()
            .unwrap();
        let whole = whole_rupiah(&frame).unwrap();
        assert_eq!(
            whole.column("realised_idr_to_date").unwrap().dtype(),
            &DataType::Int64
        );
        // A fraction keeps the column's scale; columns that are not rupiah are left alone.
        assert!(matches!(
            whole.column("realised_idr_in_period").unwrap().dtype(),
            DataType::Decimal(..)
        ));
        assert!(matches!(
            whole.column("target_value").unwrap().dtype(),
            DataType::Decimal(..)
        ));
        let mut csv = Vec::new();
        CsvWriter::new(&mut csv).finish(&mut whole.clone()).unwrap();
        let text = String::from_utf8(csv).unwrap();
        assert!(text.contains("611250000,0.2500,5.0000"), "{text}");
    }

    #[test]
    fn text_a_spreadsheet_would_run_gets_an_apostrophe_in_the_csv_only() {
        let frame = df!(
            "title" => [Some("=HYPERLINK(\"http://evil.example/\",\"klik\")"), Some("Beasiswa"), None],
            "days_overdue" => [-5i64, 3, 4],
        )
        .unwrap();
        let safe = formulas_as_text(&frame).unwrap();
        let titles: Vec<Option<&str>> = safe
            .column("title")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(
            titles,
            [
                Some("'=HYPERLINK(\"http://evil.example/\",\"klik\")"),
                Some("Beasiswa"),
                None
            ]
        );
        assert_eq!(
            safe.column("days_overdue").unwrap(),
            frame.column("days_overdue").unwrap()
        );
    }
}
