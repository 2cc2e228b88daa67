//! The per-row problem report of an import: every problem names its sheet,
//! row and column (the Indonesian header), the value found, and a message in
//! Bahasa Indonesia and in English. Written as CSV or as an XLSX sheet.

use super::columns::{SheetKind, header};
use kerjasama_core::spreadsheet_cell::neutralise;

/// The most characters of a cell value a problem quotes.
pub const MAX_VALUE_CHARS: usize = 200;

/// One problem of an import.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// The Indonesian sheet name; empty for a problem of a whole file.
    pub sheet: String,
    /// The row the user sees (header = 1); `None` for a sheet or file problem.
    pub row: Option<u32>,
    /// The Indonesian column header; `None` when no single column is at fault.
    pub column: Option<String>,
    /// The value found, at most [`MAX_VALUE_CHARS`] characters.
    pub value: String,
    /// The message in Bahasa Indonesia.
    pub message_id: String,
    /// The message in English.
    pub message_en: String,
}

impl Problem {
    /// Any problem; `value` is truncated to [`MAX_VALUE_CHARS`].
    pub fn new(
        sheet: impl Into<String>,
        row: Option<u32>,
        column: Option<String>,
        value: &str,
        message_id: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Problem {
        Problem {
            sheet: printable(sheet.into()),
            row,
            column: column.map(printable),
            value: printable(truncate_value(value)),
            message_id: printable(message_id.into()),
            message_en: printable(message_en.into()),
        }
    }

    /// A problem of a whole file (no sheet, row or column).
    pub fn file(message_id: impl Into<String>, message_en: impl Into<String>) -> Problem {
        Problem::new("", None, None, "", message_id, message_en)
    }

    /// A problem of a whole sheet.
    pub fn sheet(
        kind: SheetKind,
        message_id: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Problem {
        Problem::new(kind.name(), None, None, "", message_id, message_en)
    }

    /// A problem of a whole column of a sheet (`key` is the machine key).
    pub fn column(
        kind: SheetKind,
        key: &str,
        message_id: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Problem {
        Problem::new(
            kind.name(),
            None,
            Some(header(kind, key).to_string()),
            "",
            message_id,
            message_en,
        )
    }

    /// A problem of one row, not of one cell.
    pub fn row(
        kind: SheetKind,
        row: u32,
        message_id: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Problem {
        Problem::new(kind.name(), Some(row), None, "", message_id, message_en)
    }

    /// A problem of one cell: `key` is the column's machine key (see
    /// [`header`]), `value` the cell as the user wrote it.
    pub fn cell(
        kind: SheetKind,
        row: u32,
        key: &str,
        value: &str,
        message_id: impl Into<String>,
        message_en: impl Into<String>,
    ) -> Problem {
        Problem::new(
            kind.name(),
            Some(row),
            Some(header(kind, key).to_string()),
            value,
            message_id,
            message_en,
        )
    }
}

/// Control characters (a NUL byte in a CSV cell, say) shown as `U+0000`:
/// the report is stored in PostgreSQL text, which cannot hold NUL, and read
/// by people.
pub fn printable(text: String) -> String {
    if !text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t'))
    {
        return text;
    }
    text.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\t') {
                format!("U+{:04X}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// At most [`MAX_VALUE_CHARS`] characters; a longer value keeps its first
/// 199 characters and ends in `…`.
pub fn truncate_value(value: &str) -> String {
    match value.char_indices().nth(MAX_VALUE_CHARS) {
        None => value.to_string(),
        Some(_) => {
            let mut out: String = value.chars().take(MAX_VALUE_CHARS - 1).collect();
            out.push('…');
            out
        }
    }
}

/// A count in Indonesian style: `.` as thousands separator (`200.000`).
pub fn format_count(n: u64) -> String {
    group_digits(n, '.')
}

/// A count in English style: `,` as thousands separator (`200,000`).
pub fn format_count_en(n: u64) -> String {
    group_digits(n, ',')
}

fn group_digits(n: u64, separator: char) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// What became of a row the per-row report lists (rows created without a
/// problem are counted, not listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Outcome {
    /// The row breaks a rule.
    Invalid,
    /// The row matches a record it cannot be applied to.
    Conflict,
    /// The record exists and the row changes it.
    Updated,
    /// The record exists with the same values.
    Unchanged,
    /// A stage recorded DONE on its due date because the due date was before
    /// the run's history_from.
    Assumed,
    /// A scan filed in the document archive as an agreement's signed text.
    Filed,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Invalid => "INVALID",
            Outcome::Conflict => "CONFLICT",
            Outcome::Updated => "UPDATED",
            Outcome::Unchanged => "UNCHANGED",
            Outcome::Assumed => "ASSUMED",
            Outcome::Filed => "FILED",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Outcome::Invalid,
            Outcome::Conflict,
            Outcome::Updated,
            Outcome::Unchanged,
            Outcome::Assumed,
            Outcome::Filed,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }

    /// `tidak valid / invalid`, as the report's files write it.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Invalid => "tidak valid / invalid",
            Outcome::Conflict => "konflik / conflict",
            Outcome::Updated => "diperbarui / updated",
            Outcome::Unchanged => "tidak berubah / unchanged",
            Outcome::Assumed => "dianggap selesai / assumed done",
            Outcome::Filed => "diarsipkan / filed",
        }
    }
}

/// One line of the per-row report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReportLine {
    pub outcome: Outcome,
    #[serde(flatten)]
    pub problem: Problem,
}

/// Problems as report lines (outcome INVALID).
pub fn invalid(problems: Vec<Problem>) -> Vec<ReportLine> {
    problems
        .into_iter()
        .map(|problem| ReportLine {
            outcome: Outcome::Invalid,
            problem,
        })
        .collect()
}

/// The per-row report as CSV (UTF-8, comma, no BOM), header
/// `lembar,baris,kolom,nilai,pesan,message,hasil`. Fields a spreadsheet would
/// run as formulas get a leading `'`.
pub fn write_csv<W: std::io::Write>(lines: &[ReportLine], out: W) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    let to_io = |e: csv::Error| std::io::Error::other(e.to_string());
    writer
        .write_record([
            "lembar", "baris", "kolom", "nilai", "pesan", "message", "hasil",
        ])
        .map_err(to_io)?;
    for line in lines {
        let p = &line.problem;
        let row = p.row.map(|r| r.to_string()).unwrap_or_default();
        writer
            .write_record([
                neutralise(&p.sheet).as_ref(),
                row.as_str(),
                neutralise(p.column.as_deref().unwrap_or("")).as_ref(),
                neutralise(&truncate_value(&p.value)).as_ref(),
                neutralise(&p.message_id).as_ref(),
                neutralise(&p.message_en).as_ref(),
                line.outcome.label(),
            ])
            .map_err(to_io)?;
    }
    writer.flush()
}

/// Excel's last row (1-based).
const EXCEL_MAX_ROWS: u32 = 1_048_576;

/// The problems as a workbook with one sheet `Masalah`: a bilingual header
/// row (frozen, with an autofilter), one row per problem, and when
/// `not_listed > 0` a last line saying how many more were not listed.
/// Problems beyond Excel's row limit are counted as not listed.
pub fn write_xlsx(problems: &[ReportLine], not_listed: u64) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| e.to_string();

    // Header, problems, and a possible note line.
    let room = (EXCEL_MAX_ROWS - 2) as usize;
    let listed = &problems[..problems.len().min(room)];
    let not_listed = not_listed.saturating_add((problems.len() - listed.len()) as u64);

    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(err)?;
    sheet.set_name("Masalah").map_err(err)?;
    for (col, width) in [
        (0u16, 20.0),
        (1, 10.0),
        (2, 24.0),
        (3, 30.0),
        (4, 60.0),
        (5, 60.0),
        (6, 24.0),
    ] {
        sheet.set_column_width(col, width).map_err(err)?;
    }
    let headers = [
        "Lembar / Sheet",
        "Baris / Row",
        "Kolom / Column",
        "Nilai / Value",
        "Pesan (Bahasa Indonesia)",
        "Message (English)",
        "Hasil / Outcome",
    ];
    for (col, text) in (0u16..).zip(headers) {
        sheet
            .write_string_with_format(0, col, text, &bold)
            .map_err(err)?;
    }
    let mut row: u32 = 0;
    for line in listed {
        let p = &line.problem;
        row += 1;
        sheet.write_string(row, 0, &p.sheet).map_err(err)?;
        if let Some(r) = p.row {
            sheet.write_number(row, 1, f64::from(r)).map_err(err)?;
        }
        if let Some(column) = &p.column {
            sheet.write_string(row, 2, column).map_err(err)?;
        }
        if !p.value.is_empty() {
            sheet
                .write_string(row, 3, truncate_value(&p.value))
                .map_err(err)?;
        }
        sheet
            .write_string_with_format(row, 4, &p.message_id, &wrap)
            .map_err(err)?;
        sheet
            .write_string_with_format(row, 5, &p.message_en, &wrap)
            .map_err(err)?;
        sheet
            .write_string(row, 6, line.outcome.label())
            .map_err(err)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(err)?;
    sheet.autofilter(0, 0, row, 6).map_err(err)?;
    if not_listed > 0 {
        let note = format!(
            "… dan {} masalah lain tidak dicantumkan / and {} more not listed",
            format_count(not_listed),
            format_count_en(not_listed)
        );
        sheet
            .write_string_with_format(row + 1, 0, &note, &bold)
            .map_err(err)?;
    }
    workbook.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    fn sample() -> Vec<Problem> {
        vec![
            Problem::cell(
                SheetKind::Agreements,
                3,
                "anggaran_rp",
                "=1+1",
                "Sel berisi rumus",
                "The cell holds a formula",
            ),
            Problem::file("Berkas kosong", "The file is empty"),
            Problem::sheet(SheetKind::Parties, "x, \"y\"", "line\nbreak"),
        ]
    }

    #[test]
    fn control_characters_are_shown_not_stored() {
        let p = Problem::new("Pihak", Some(2), None, "a\0b\u{7}", "nilai \0", "value \0");
        assert_eq!(p.value, "aU+0000bU+0007");
        assert_eq!(p.message_id, "nilai U+0000");
        assert!(!p.message_en.contains('\0'));
    }

    #[test]
    fn counts_use_indonesian_grouping() {
        assert_eq!(format_count(0), "0");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_count(1_000), "1.000");
        assert_eq!(format_count(200_000), "200.000");
        assert_eq!(format_count(33_554_432), "33.554.432");
        assert_eq!(format_count_en(1_250_000), "1,250,000");
    }

    #[test]
    fn values_are_truncated_to_200_characters() {
        let long = "é".repeat(500);
        let p = Problem::cell(SheetKind::Parties, 2, "nama_pihak", &long, "a", "b");
        assert_eq!(p.value.chars().count(), MAX_VALUE_CHARS);
        assert!(p.value.ends_with('…'));
        let exact = "x".repeat(200);
        assert_eq!(truncate_value(&exact), exact);
        assert_eq!(p.column.as_deref(), Some("Nama Pihak"));
    }

    #[test]
    fn csv_report_has_the_bilingual_header_and_neutralizes_formulas() {
        let mut out = Vec::new();
        write_csv(&invalid(sample()), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("lembar,baris,kolom,nilai,pesan,message,hasil")
        );
        assert_eq!(
            lines.next(),
            Some(
                "Perjanjian,3,Anggaran (Rp),'=1+1,Sel berisi rumus,The cell holds a formula,tidak valid / invalid"
            )
        );
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert_eq!(records.len(), 3);
        assert_eq!(&records[2][4], "x, \"y\"");
        assert_eq!(&records[2][5], "line\nbreak");
        assert_eq!(&records[1][1], "");
    }

    #[test]
    fn xlsx_report_reads_back() {
        let bytes = write_xlsx(&invalid(sample()), 12_345).unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), vec!["Masalah".to_string()]);
        let range = book.worksheet_range("Masalah").unwrap();
        assert_eq!(
            range.get_value((0, 0)),
            Some(&Data::String("Lembar / Sheet".into()))
        );
        assert_eq!(range.get_value((1, 1)), Some(&Data::Float(3.0)));
        assert_eq!(
            range.get_value((1, 2)),
            Some(&Data::String("Anggaran (Rp)".into()))
        );
        assert_eq!(
            range.get_value((4, 0)),
            Some(&Data::String(
                "… dan 12.345 masalah lain tidak dicantumkan / and 12,345 more not listed".into()
            ))
        );
        let empty = write_xlsx(&[], 0).unwrap();
        let mut book = Xlsx::new(std::io::Cursor::new(empty)).unwrap();
        assert_eq!(book.worksheet_range("Masalah").unwrap().height(), 1);
    }
}
