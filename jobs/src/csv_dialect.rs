//! The CSV dialects a run's tables are served in. Files are written once, as
//! RFC 4180 (UTF-8, `,` between fields, `.` as the decimal point, CRLF); on
//! request they are served rewritten for spreadsheets set to Indonesian
//! (`excel-id`): a UTF-8 byte-order mark, `;` between fields and a decimal
//! comma in numeric columns, since Excel in an Indonesian locale reads a
//! comma-separated file as one column and `1.5` as a date or text.

use crate::error::{JobError, JobResult};
use crate::rows::{Column, ColumnType};
use kerjasama_core::CoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvDialect {
    /// RFC 4180, as the files are stored.
    #[default]
    Rfc4180,
    /// Excel and LibreOffice in an Indonesian locale.
    ExcelIndonesia,
}

impl CsvDialect {
    /// What `dialect` may be, for error messages.
    pub const CHOICES: &str = "rfc4180 (the default) or excel-id";

    /// `""` and `rfc4180`, or `excel-id`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "" | "rfc4180" => Some(Self::Rfc4180),
            "excel-id" => Some(Self::ExcelIndonesia),
            _ => None,
        }
    }
}

fn csv_error(error: csv::Error) -> JobError {
    CoreError::Internal(format!("rewriting CSV: {error}")).into()
}

/// Rewrites an RFC 4180 table (header row first) for Indonesian-locale
/// spreadsheets; `columns` are the table's columns with their types.
pub fn to_excel_indonesia(csv_bytes: &[u8], columns: &[Column]) -> JobResult<Vec<u8>> {
    let numeric: Vec<bool> = columns
        .iter()
        .map(|c| matches!(c.column_type, ColumnType::Decimal | ColumnType::Number))
        .collect();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_bytes);
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        for (row, record) in reader.records().enumerate() {
            let record = record.map_err(csv_error)?;
            let fields = record.iter().enumerate().map(|(i, field)| {
                if row > 0 && numeric.get(i).copied().unwrap_or(false) {
                    field.replace('.', ",")
                } else {
                    field.to_string()
                }
            });
            writer.write_record(fields).map_err(csv_error)?;
        }
        writer.flush().map_err(|e| csv_error(e.into()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_indonesia_uses_semicolons_a_bom_and_decimal_commas_in_numbers_only() {
        let columns = vec![
            Column {
                name: "indicator_title".into(),
                column_type: ColumnType::Text,
            },
            Column {
                name: "realised".into(),
                column_type: ColumnType::Decimal,
            },
            Column {
                name: "rate".into(),
                column_type: ColumnType::Number,
            },
            Column {
                name: "as_of".into(),
                column_type: ColumnType::Date,
            },
        ];
        let rfc = b"indicator_title,realised,rate,as_of\r\n\"PAD v.2; retribusi\",611250000.0000,0.5,2026-09-30\r\n";
        let out = String::from_utf8(to_excel_indonesia(rfc, &columns).unwrap()).unwrap();
        assert_eq!(
            out,
            "\u{feff}indicator_title;realised;rate;as_of\r\n\"PAD v.2; retribusi\";611250000,0000;0,5;2026-09-30\r\n"
        );
        assert_eq!(CsvDialect::parse(""), Some(CsvDialect::Rfc4180));
        assert_eq!(
            CsvDialect::parse("excel-id"),
            Some(CsvDialect::ExcelIndonesia)
        );
        assert_eq!(CsvDialect::parse("excel"), None);
    }
}
