//! Writing a run's files. Everything is written into a staging folder first
//! and moved into place only when the whole run succeeded, so readers never
//! see a half-written file and a failed run publishes nothing.

use std::fs;
use std::path::{Path, PathBuf};

use polars::prelude::*;

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

    /// RFC 4180 CSV: UTF-8, header row, CRLF line ends, ISO dates, `.` decimals.
    pub fn write_csv(&mut self, name: &str, frame: &mut DataFrame) -> JobResult<()> {
        let path = self.staging.join(name);
        let file = fs::File::create(&path).map_err(io(&path))?;
        CsvWriter::new(file)
            .include_header(true)
            .with_line_terminator("\r\n".into())
            .with_date_format(Some("%Y-%m-%d".into()))
            .finish(frame)?;
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

    /// One workbook, a sheet per table (header row in bold). Text, integers,
    /// booleans and ISO dates are written as such; decimals as numbers when a
    /// spreadsheet number holds them exactly (15 significant digits), else as
    /// text, so no amount is ever rounded.
    /// The workbook analysts open: a sheet per table with a bold, frozen
    /// header row and an autofilter; dates as real date cells
    /// (`27 November 2026`); rupiah (`*_idr*` columns) and counts as numbers
    /// with thousands separators and no decimals; other decimals with theirs;
    /// ratios (`*_rate`) as percentages. Cell values are never rounded: only
    /// their display is formatted.
    pub fn write_xlsx(&mut self, name: &str, tables: &[(&str, &DataFrame)]) -> JobResult<()> {
        use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
        let xlsx = |e: rust_xlsxwriter::XlsxError| {
            crate::error::JobError::Core(kerjasama_core::CoreError::Internal(format!(
                "writing {name}: {e}"
            )))
        };
        let mut workbook = Workbook::new();
        let header = Format::new().set_bold().set_text_wrap();
        // [$-421]: Indonesian month names, as Indonesians write dates.
        let date = Format::new().set_num_format("[$-421]d mmmm yyyy");
        let whole = Format::new().set_num_format("#,##0");
        let fraction = Format::new().set_num_format("#,##0.00##");
        let percent = Format::new().set_num_format("0.0%");
        for (table, frame) in tables {
            let sheet = workbook.add_worksheet();
            sheet.set_name(sheet_name(table)).map_err(xlsx)?;
            for (c, column) in frame.columns().iter().enumerate() {
                let c = c as u16;
                let column_name = column.name().as_str();
                sheet
                    .write_string_with_format(0, c, column_name, &header)
                    .map_err(xlsx)?;
                let is_rate = column_name.ends_with("_rate");
                let is_idr = column_name.contains("idr");
                let number_format = |n: f64| {
                    if is_rate {
                        &percent
                    } else if is_idr || n.fract() == 0.0 {
                        &whole
                    } else {
                        &fraction
                    }
                };
                let mut width = column_name.len().max(10);
                let series = column.as_materialized_series();
                for (r, value) in series.iter().enumerate() {
                    let r = r as u32 + 1;
                    match value {
                        AnyValue::Null => continue,
                        AnyValue::Boolean(b) => sheet.write_boolean(r, c, b),
                        AnyValue::String(s) => {
                            width = width.max(s.chars().count());
                            sheet.write_string(r, c, s)
                        }
                        AnyValue::StringOwned(s) => {
                            width = width.max(s.chars().count());
                            sheet.write_string(r, c, s.as_str())
                        }
                        AnyValue::UInt32(n) => {
                            sheet.write_number_with_format(r, c, f64::from(n), &whole)
                        }
                        AnyValue::Int32(n) => {
                            sheet.write_number_with_format(r, c, f64::from(n), &whole)
                        }
                        AnyValue::Int64(n) => {
                            sheet.write_number_with_format(r, c, n as f64, &whole)
                        }
                        AnyValue::Float64(n) => {
                            sheet.write_number_with_format(r, c, n, number_format(n))
                        }
                        AnyValue::Date(days) => {
                            let day = epoch_day(days);
                            let cell = chrono::Datelike::year(&day).try_into().ok().and_then(
                                |year: u16| {
                                    ExcelDateTime::from_ymd(
                                        year,
                                        chrono::Datelike::month(&day) as u8,
                                        chrono::Datelike::day(&day) as u8,
                                    )
                                    .ok()
                                },
                            );
                            width = width.max(18);
                            match cell {
                                Some(cell) => sheet.write_date_with_format(r, c, cell, &date),
                                None => sheet.write_string(r, c, iso_date(days)),
                            }
                        }
                        AnyValue::Decimal(value, _, scale) => {
                            let text = decimal_text(value, scale);
                            width = width.max(text.len() + 4);
                            match text.parse::<f64>() {
                                Ok(n) if significant_digits(&text) <= 15 => {
                                    sheet.write_number_with_format(r, c, n, number_format(n))
                                }
                                _ => sheet.write_string(r, c, text),
                            }
                        }
                        other => sheet.write_string(r, c, other.to_string()),
                    }
                    .map_err(xlsx)?;
                }
                sheet
                    .set_column_width(c, width.min(60) as f64 + 1.0)
                    .map_err(xlsx)?;
            }
            sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
            if frame.width() > 0 {
                sheet
                    .autofilter(0, 0, frame.height() as u32, frame.width() as u16 - 1)
                    .map_err(xlsx)?;
            }
        }
        let path = self.staging.join(name);
        workbook.save(&path).map_err(xlsx)?;
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
                let path = self.staging.join(name);
                let bytes = fs::read(&path).map_err(io(&path))?;
                Ok((
                    name.clone(),
                    hex::encode(Sha256::digest(&bytes)),
                    bytes.len() as u64,
                ))
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

/// Sheet names are at most 31 characters.
fn sheet_name(table: &str) -> String {
    let name = if table.len() > 31 {
        table.replacen("follow_up_", "gaps_", 1)
    } else {
        table.to_string()
    };
    name.chars().take(31).collect()
}

fn epoch_day(days: i32) -> chrono::NaiveDate {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    epoch + chrono::Duration::days(i64::from(days))
}

fn iso_date(days: i32) -> String {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    (epoch + chrono::Duration::days(i64::from(days)))
        .format("%Y-%m-%d")
        .to_string()
}

/// An i128 with `scale` decimals as plain text, e.g. (6750000010000, 4) → "675000001.0000".
pub fn decimal_text(value: i128, scale: usize) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let digits = value.unsigned_abs().to_string();
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (int, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{int}.{frac}")
}

fn significant_digits(text: &str) -> usize {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.trim_start_matches('0').trim_end_matches('0').len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_written_exactly() {
        assert_eq!(decimal_text(6_750_000_010_000, 4), "675000001.0000");
        assert_eq!(decimal_text(-125, 4), "-0.0125");
        assert_eq!(decimal_text(5, 0), "5");
        assert_eq!(significant_digits("675000001.0000"), 9);
        assert_eq!(significant_digits("9007199254740993.0000"), 16);
    }

    #[test]
    fn long_table_names_fit_a_sheet() {
        assert_eq!(
            sheet_name("follow_up_overdue_recommendations"),
            "gaps_overdue_recommendations"
        );
        assert_eq!(sheet_name("counts_by_type"), "counts_by_type");
    }
}
