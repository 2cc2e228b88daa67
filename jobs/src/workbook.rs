//! `report.xlsx`, the workbook analysts open in Excel or LibreOffice.
//!
//! - A first sheet, `README`, with the run's parameters, what each sheet
//!   holds (its CSV file, heading and meaning) and a data dictionary: every
//!   column's heading and its name in the CSV and Parquet files.
//! - Then a sheet per table, named by its Indonesian heading (31 characters at
//!   most; the README sheet gives each sheet's CSV file). Headers are human
//!   (Bahasa Indonesia; the README sheet has the English and the machine
//!   names), bold, frozen, with an autofilter and column widths that fit the
//!   data. Beside every code column (unit, stage, sector, document kind,
//!   status, ...) a column gives its name, and beside `agreement` its
//!   document number, so nobody needs the catalogue to read a sheet.
//! - Every sheet prints on A4 landscape, fitted to the page width, with the
//!   header row repeated and the run and page number in the footer.
//! - Dates are real date cells (`27 November 2026`); rupiah (`*_idr*`) and
//!   counts are numbers with thousands separators and no decimals; other
//!   decimals keep theirs; ratios (`*_rate`) are percentages. Values are
//!   never rounded (an amount a spreadsheet number cannot hold exactly is
//!   written as text); only their display is formatted.
//! - Sheets are written row by row in constant-memory mode (rows stream to a
//!   temporary file in the staging folder), and a table longer than a sheet
//!   (1,048,576 rows with the header) continues on `name (2)`, `name (3)`, ...

use std::path::Path;

use polars::prelude::*;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};

use crate::decimals::{decimal_text, significant_digits};
use crate::error::{JobError, JobResult};
use crate::labels;
use crate::names::Names;
use crate::run_record::ReportRun;

/// Data rows per sheet: Excel's 1,048,576 rows less the header.
pub const ROWS_PER_SHEET: usize = 1_048_575;

/// The longest table the workbook holds: a longer one (a detail table of a
/// national register) is left to its CSV and Parquet files, and the README
/// sheet says so. A spreadsheet of hundreds of thousands of rows is not read
/// by a person, and writing it cost a third of a million-agreement run
/// (BENCHMARKS.md, "The report run").
pub const WORKBOOK_ROWS_MAX: usize = 100_000;

/// Rows looked at to size a column.
const WIDTH_SAMPLE: usize = 2_000;
/// The widest a table column gets, in characters; longer texts wrap.
const WRAP_WIDTH: usize = 40;

/// Columns holding resource names (`agreements/{id}`): kept in the sheet for
/// lookups, hidden from reading and printing. Each of `agreement` and
/// `parent` has its document number beside it.
fn machine_only(column: &str) -> bool {
    matches!(
        column,
        "agreement" | "parent" | "meeting" | "recommendation"
    )
}

fn xlsx_error(e: XlsxError) -> JobError {
    kerjasama_core::CoreError::Internal(format!("writing the workbook: {e}")).into()
}

/// A sheet's name: the table's Indonesian heading (at most 31 characters,
/// none of `[ ] : * ? / \`); `part` > 1 numbers a continuation.
pub fn sheet_name(table: &str, part: usize) -> String {
    let base: String = labels::table(table)
        .map(|l| l.id.to_string())
        .unwrap_or_else(|| table.replacen("follow_up_", "gaps_", 1))
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .collect();
    if part <= 1 {
        base.chars().take(31).collect()
    } else {
        let suffix = format!(" ({part})");
        let keep = 31 - suffix.len();
        format!("{}{suffix}", base.chars().take(keep).collect::<String>())
    }
}

/// One column of a sheet: its name in the frame, its headings, and what the
/// README's data dictionary says it is in the CSV file.
struct SheetColumn {
    id: String,
    en: String,
    csv: String,
}

/// A column's name in both languages, for the extra name columns.
fn named(column: &str) -> Option<(String, String)> {
    crate::names::name_column(column)?;
    let heading = |c: &str| labels::column(c).map(|l| (l.id, l.en));
    Some(match column {
        "unit_code" | "responsible_unit" => ("Nama OPD".into(), "Unit name".into()),
        "stage_code" => ("Nama tahapan".into(), "Stage name".into()),
        "agreement" => ("Nomor dokumen".into(), "Document number".into()),
        "parent" => (
            "Nomor dokumen induk".into(),
            "Parent document number".into(),
        ),
        "region_code" => ("Nama wilayah".into(), "Region name".into()),
        _ => {
            let (id, en) = heading(column).unwrap_or((column, column));
            (format!("{id} (uraian)"), format!("{en} (name)"))
        }
    })
}

/// The frame as people read it: after each code column its name, after
/// `agreement` its document number; and the sheet's columns.
fn for_people(frame: &DataFrame, names: &Names) -> JobResult<(DataFrame, Vec<SheetColumn>)> {
    let mut columns: Vec<Column> = Vec::with_capacity(frame.width() * 2);
    let mut described = Vec::with_capacity(frame.width() * 2);
    for column in frame.columns() {
        let name = column.name().as_str().to_string();
        let heading = labels::column(&name);
        described.push(SheetColumn {
            id: heading.map_or(name.clone(), |l| l.id.to_string()),
            en: heading.map_or(name.clone(), |l| l.en.to_string()),
            csv: name.clone(),
        });
        columns.push(column.clone());
        let Some((id, en)) = named(&name) else {
            continue;
        };
        let extra = format!("{name} (nama)");
        let Some(texts) = names.names_of(&name, &extra, frame) else {
            continue;
        };
        columns.push(texts);
        described.push(SheetColumn {
            id,
            en,
            csv: crate::names::name_column(&name).unwrap_or_default(),
        });
    }
    Ok((DataFrame::new(frame.height(), columns)?, described))
}

struct Formats {
    header: Format,
    title: Format,
    date: Format,
    whole: Format,
    fraction: Format,
    percent: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_background_color("#E8E8E8"),
            title: Format::new().set_bold().set_font_size(14),
            // [$-421]: Indonesian month names, as Indonesians write dates.
            date: Format::new().set_num_format("[$-421]d mmmm yyyy"),
            whole: Format::new().set_num_format("#,##0"),
            fraction: Format::new().set_num_format("#,##0.00##"),
            percent: Format::new().set_num_format("0.0%"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// How wide a value prints, in characters (for column widths).
fn printed_width(value: &AnyValue) -> usize {
    match value {
        AnyValue::Null => 0,
        AnyValue::String(s) => s.chars().count(),
        AnyValue::StringOwned(s) => s.chars().count(),
        AnyValue::Date(_) => 18,
        AnyValue::Decimal(v, _, scale) => decimal_text(*v, *scale).len() + 4,
        AnyValue::Boolean(_) => 6,
        other => other.to_string().len() + 3,
    }
}

fn write_cell(
    sheet: &mut Worksheet,
    formats: &Formats,
    (r, c): (u32, u16),
    (column_name, wrap): (&str, bool),
    value: AnyValue,
) -> Result<(), XlsxError> {
    let is_rate = column_name.ends_with("_rate");
    let is_idr = column_name.contains("idr");
    let number_format = |n: f64| {
        if is_rate {
            &formats.percent
        } else if is_idr || n.fract() == 0.0 {
            &formats.whole
        } else {
            &formats.fraction
        }
    };
    match value {
        AnyValue::Null => return Ok(()),
        AnyValue::Boolean(b) => sheet.write_boolean(r, c, b),
        AnyValue::String(s) if wrap => sheet.write_string_with_format(r, c, s, &formats.wrap),
        AnyValue::StringOwned(s) if wrap => {
            sheet.write_string_with_format(r, c, s.as_str(), &formats.wrap)
        }
        AnyValue::String(s) => sheet.write_string(r, c, s),
        AnyValue::StringOwned(s) => sheet.write_string(r, c, s.as_str()),
        AnyValue::UInt32(n) => sheet.write_number_with_format(r, c, f64::from(n), &formats.whole),
        AnyValue::Int32(n) => sheet.write_number_with_format(r, c, f64::from(n), &formats.whole),
        AnyValue::Int64(n) => sheet.write_number_with_format(r, c, n as f64, &formats.whole),
        AnyValue::Float64(n) => sheet.write_number_with_format(r, c, n, number_format(n)),
        AnyValue::Date(days) => {
            let day = crate::metrics::from_epoch_days(days);
            let cell = u16::try_from(chrono::Datelike::year(&day))
                .ok()
                .and_then(|year| {
                    ExcelDateTime::from_ymd(
                        year,
                        chrono::Datelike::month(&day) as u8,
                        chrono::Datelike::day(&day) as u8,
                    )
                    .ok()
                });
            match cell {
                Some(cell) => sheet.write_date_with_format(r, c, cell, &formats.date),
                None => sheet.write_string(r, c, day.format("%Y-%m-%d").to_string()),
            }
        }
        AnyValue::Decimal(value, _, scale) => {
            let text = decimal_text(value, scale);
            match text.parse::<f64>() {
                Ok(n) if significant_digits(&text) <= 15 => {
                    sheet.write_number_with_format(r, c, n, number_format(n))
                }
                _ => sheet.write_string(r, c, text),
            }
        }
        other => sheet.write_string(r, c, other.to_string()),
    }
    .map(|_| ())
}

/// One table from row `start`, at most [`ROWS_PER_SHEET`] rows, on `sheet`.
fn write_table_part(
    sheet: &mut Worksheet,
    formats: &Formats,
    frame: &DataFrame,
    described: &[SheetColumn],
    start: usize,
    footer: &str,
) -> Result<usize, XlsxError> {
    let len = frame.height().saturating_sub(start).min(ROWS_PER_SHEET);
    let series: Vec<&Series> = frame
        .columns()
        .iter()
        .map(|c| c.as_materialized_series())
        .collect();
    // Widths and the header row first: constant-memory sheets are written
    // strictly row by row.
    let mut headings = Vec::with_capacity(series.len());
    let mut wrapped = Vec::with_capacity(series.len());
    for (c, s) in series.iter().enumerate() {
        let name = s.name().as_str();
        let heading = described.get(c).map_or(name, |d| d.id.as_str());
        let widest = s
            .iter()
            .skip(start)
            .take(len.min(WIDTH_SAMPLE))
            .map(|v| printed_width(&v))
            .max()
            .unwrap_or(0);
        // Long texts (titles, descriptions) wrap in a column of at most
        // WRAP_WIDTH, so a sheet fitted to the page width stays legible.
        let width = widest
            .max(heading.chars().count().min(24))
            .clamp(8, WRAP_WIDTH) as f64
            + 2.0;
        wrapped.push(widest > WRAP_WIDTH);
        sheet.set_column_width(c as u16, width)?;
        // A resource name (`agreements/{id}`) is for machines: the column
        // stays for lookups and filters but is hidden, so it neither shows
        // nor prints; its document number stands beside it.
        if machine_only(name) {
            sheet.set_column_hidden(c as u16)?;
        }
        headings.push((heading, width));
    }
    // Long headings wrap: the row is as tall as the tallest of them, so no
    // heading prints over the first row of data.
    fit_row_height(sheet, 0, &headings)?;
    for (c, (heading, _)) in headings.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *heading, &formats.header)?;
    }
    let mut columns: Vec<_> = series.iter().map(|s| s.iter().skip(start)).collect();
    let mut row = Vec::with_capacity(columns.len());
    let mut texts: Vec<(String, f64)> = Vec::new();
    for r in 0..len {
        row.clear();
        row.extend(
            columns
                .iter_mut()
                .map(|values| values.next().unwrap_or(AnyValue::Null)),
        );
        // A row is as tall as its longest wrapped text.
        texts.clear();
        for (c, value) in row.iter().enumerate() {
            if let (true, AnyValue::String(text)) = (wrapped[c], value) {
                texts.push((text.to_string(), headings[c].1));
            } else if let (true, AnyValue::StringOwned(text)) = (wrapped[c], value) {
                texts.push((text.to_string(), headings[c].1));
            }
        }
        if !texts.is_empty() {
            let cells: Vec<(&str, f64)> = texts.iter().map(|(t, w)| (t.as_str(), *w)).collect();
            fit_row_height(sheet, r as u32 + 1, &cells)?;
        }
        for (c, value) in row.drain(..).enumerate() {
            write_cell(
                sheet,
                formats,
                (r as u32 + 1, c as u16),
                (series[c].name().as_str(), wrapped[c]),
                value,
            )?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if frame.width() > 0 {
        sheet.autofilter(0, 0, len as u32, frame.width() as u16 - 1)?;
    }
    print_setup(sheet, footer)?;
    Ok(len)
}

/// A4 landscape, fitted to the page width, the header row on every page, and
/// the run, the sheet and the page number in the footer.
fn print_setup(sheet: &mut Worksheet, footer: &str) -> Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    sheet.set_footer(footer);
    Ok(())
}

/// Points per printed line of the default 11-point font.
const LINE_HEIGHT: f64 = 15.0;

/// How many lines `text` takes when wrapped at word boundaries in a column
/// `width` characters wide. Conservative (a line holds a character less than
/// the width), since a wrapped line printed past its row's height overlaps
/// the next row.
fn wrapped_lines(text: &str, width: f64) -> usize {
    let room = (width - 1.0).max(1.0) as usize;
    let mut lines = 1;
    let mut used = 0;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if used == 0 {
            used = len;
        } else if used + 1 + len <= room {
            used += 1 + len;
        } else {
            lines += 1;
            used = len;
        }
        // A word longer than the line breaks inside it.
        while used > room {
            lines += 1;
            used -= room;
        }
    }
    lines
}

/// Sets row `row` tall enough for the tallest of its wrapped cells (text,
/// column width); rows of one line keep the default height.
fn fit_row_height(sheet: &mut Worksheet, row: u32, cells: &[(&str, f64)]) -> Result<(), XlsxError> {
    let lines = cells
        .iter()
        .map(|(text, width)| wrapped_lines(text, *width))
        .max()
        .unwrap_or(1);
    if lines > 1 {
        sheet.set_row_height(row, lines as f64 * LINE_HEIGHT)?;
    }
    Ok(())
}

/// The README sheet: parameters, sheets, and the data dictionary.
fn write_readme(
    sheet: &mut Worksheet,
    formats: &Formats,
    run: &ReportRun,
    sheets: &[(Option<String>, &str, usize)],
    tables: &[(&str, &[SheetColumn])],
    rows_max: usize,
) -> Result<(), XlsxError> {
    use crate::indonesian::date;
    sheet.set_name("README")?;
    const WIDTHS: [f64; 5] = [34.0, 40.0, 34.0, 56.0, 56.0];
    for (c, width) in WIDTHS.into_iter().enumerate() {
        sheet.set_column_width(c as u16, width)?;
    }
    let mut r = 0u32;
    sheet.write_string_with_format(
        r,
        0,
        "Laporan evaluasi kerja sama daerah / Regional cooperation evaluation report",
        &formats.title,
    )?;
    r += 2;
    let parameters = [
        ("Laporan / Run", run.name()),
        ("Per tanggal / As of", date(run.as_of)),
        (
            "Periode / Period",
            format!("{} – {}", date(run.period_start), date(run.period_end)),
        ),
        (
            "Wilayah / Region",
            match &run.region_code {
                Some(code) => format!("{} ({code})", kerjasama_core::regions::display(code)),
                None => "semua wilayah / all regions".into(),
            },
        ),
        (
            "Tenggang laporan pelaksanaan / Report grace",
            format!("{} hari / days", run.report_grace_days),
        ),
        ("Diminta oleh / Requested by", run.requested_by.clone()),
        (
            "Versi perangkat lunak / Software",
            run.software_version.clone(),
        ),
    ];
    for (label, value) in parameters {
        fit_row_height(sheet, r, &[(label, WIDTHS[0])])?;
        sheet.write_string_with_format(r, 0, label, &formats.header)?;
        sheet.write_string(r, 1, value)?;
        r += 1;
    }
    r += 1;
    // Long sentences wrap inside a merged row, so nothing spills over the
    // next cells when printed.
    let about = "Berkas CSV dan Parquet memuat tabel yang sama dengan nama kolom mesin; lembar kerja di bawah memakai judul Bahasa Indonesia dan menambahkan nama di samping setiap kode. \
         / The CSV and Parquet files hold the same tables with machine column names; the sheets below use Indonesian headings and add a name beside every code.";
    fit_row_height(sheet, r, &[(about, WIDTHS.iter().sum())])?;
    sheet.merge_range(r, 0, r, 4, about, &formats.wrap)?;
    r += 2;
    sheet.write_string_with_format(r, 0, "Lembar / Sheets", &formats.title)?;
    r += 1;
    for (c, h) in [
        "Lembar / Sheet",
        "Berkas CSV / CSV file",
        "Baris / Rows",
        "Isi",
        "Contents",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(r, c as u16, *h, &formats.header)?;
    }
    r += 1;
    let left_out = format!(
        "hanya di berkas CSV dan Parquet: lebih dari {} baris / in the CSV and Parquet files only: more than {} rows",
        crate::indonesian::integer(rows_max as i128),
        rows_max
    );
    for (sheet_name, table, rows) in sheets {
        let (id, en) = match labels::table(table) {
            Some(label) => (
                format!("{}. {}", label.id, label.about_id),
                format!("{}. {}", label.en, label.about_en),
            ),
            None => (String::new(), String::new()),
        };
        // A left-out table's note wraps in the sheet column: the row is as
        // tall as its longest cell.
        let first = sheet_name.as_deref().unwrap_or(&left_out);
        fit_row_height(
            sheet,
            r,
            &[(first, WIDTHS[0]), (&id, WIDTHS[3]), (&en, WIDTHS[4])],
        )?;
        match sheet_name {
            Some(name) => sheet.write_string(r, 0, name)?,
            None => sheet.write_string_with_format(r, 0, &left_out, &formats.wrap)?,
        };
        sheet.write_string(r, 1, format!("{table}.csv"))?;
        sheet.write_number_with_format(r, 2, *rows as f64, &formats.whole)?;
        if !id.is_empty() {
            sheet.write_string_with_format(r, 3, id, &formats.wrap)?;
            sheet.write_string_with_format(r, 4, en, &formats.wrap)?;
        }
        r += 1;
    }
    r += 1;
    sheet.write_string_with_format(r, 0, "Kamus data / Data dictionary", &formats.title)?;
    r += 1;
    for (c, h) in [
        "Lembar / Sheet",
        "Judul kolom / Heading",
        "Heading (English)",
        "Kolom CSV / CSV column",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(r, c as u16, *h, &formats.header)?;
    }
    r += 1;
    for (table, columns) in tables {
        // A table left out of the workbook is read in its CSV file.
        let in_workbook = sheets
            .iter()
            .any(|(name, t, _)| t == table && name.is_some());
        let place = if in_workbook {
            sheet_name(table, 1)
        } else {
            format!("{table}.csv")
        };
        for column in *columns {
            sheet.write_string(r, 0, &place)?;
            sheet.write_string(r, 1, &column.id)?;
            sheet.write_string(r, 2, &column.en)?;
            sheet.write_string(r, 3, &column.csv)?;
            r += 1;
        }
    }
    Ok(())
}

/// Writes the workbook for `tables` to `path`; temporary row files go to `scratch`.
pub fn write(
    path: &Path,
    scratch: &Path,
    run: &ReportRun,
    tables: &[(&str, &DataFrame)],
    names: &Names,
    rows_max: usize,
) -> JobResult<()> {
    // `&` starts a header/footer code: doubled to print as itself. The
    // footer: the run on the left, the sheet's name in the middle, the page
    // number on the right.
    let footer = format!(
        "&L{}&C&A&RHalaman &P dari &N",
        run.name().replace('&', "&&")
    );
    let mut people = Vec::with_capacity(tables.len());
    for (table, frame) in tables {
        let (frame, described) = for_people(frame, names)?;
        people.push((*table, frame, described));
    }
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    workbook.set_tempdir(scratch).map_err(xlsx_error)?;
    // The README sheet comes first but lists the sheets, so it is written
    // (in normal mode; it is small) after them and moved to the front.
    workbook
        .add_worksheet()
        .set_name("README")
        .map_err(xlsx_error)?;
    let mut sheets = Vec::new();
    for (table, frame, described) in &people {
        if frame.height() > rows_max {
            sheets.push((None, *table, frame.height()));
            continue;
        }
        let mut start = 0;
        let mut part = 1;
        loop {
            let name = sheet_name(table, part);
            let sheet = workbook
                .add_worksheet_with_constant_memory()
                .map_err(xlsx_error)?;
            sheet.set_name(&name).map_err(xlsx_error)?;
            let written = write_table_part(sheet, &formats, frame, described, start, &footer)
                .map_err(xlsx_error)?;
            sheets.push((Some(name), *table, written));
            start += written;
            part += 1;
            if start >= frame.height() {
                break;
            }
        }
    }
    let readme = workbook.worksheet_from_name("README").map_err(xlsx_error)?;
    let dictionary: Vec<(&str, &[SheetColumn])> = people
        .iter()
        .map(|(table, _, described)| (*table, described.as_slice()))
        .collect();
    write_readme(readme, &formats, run, &sheets, &dictionary, rows_max).map_err(xlsx_error)?;
    print_setup(readme, &footer).map_err(xlsx_error)?;
    workbook.save(path).map_err(xlsx_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrapped_text_counts_its_lines_at_word_boundaries() {
        use super::wrapped_lines;
        assert_eq!(wrapped_lines("", 10.0), 1);
        assert_eq!(wrapped_lines("Per tanggal", 12.0), 1);
        // An 11-wide column holds ten characters a line.
        assert_eq!(wrapped_lines("Per tanggal", 11.0), 2);
        assert_eq!(wrapped_lines("aaaa bbbb cccc", 10.0), 2);
        // A word longer than the line breaks inside it.
        assert_eq!(wrapped_lines("abcdefghijklmnopqrst", 11.0), 2);
        assert_eq!(wrapped_lines("abcdefghijklmnopqrstu", 11.0), 3);
    }

    use super::*;

    #[test]
    fn sheets_are_named_for_people_and_fit_excel() {
        let name = sheet_name("counts_by_type", 1);
        assert_eq!(name, labels::table("counts_by_type").unwrap().id);
        assert_eq!(sheet_name("counts_by_type", 2), format!("{name} (2)"));
        for table in crate::metrics::TABLES {
            let name = sheet_name(table, 1);
            assert!(name.chars().count() <= 31, "{name}");
            assert!(
                !name.contains(['[', ']', ':', '*', '?', '/', '\\']),
                "{name}"
            );
        }
        let long = sheet_name("follow_up_overdue_recommendations", 12);
        assert!(
            long.chars().count() <= 31 && long.ends_with(" (12)"),
            "{long}"
        );
    }

    #[test]
    fn a_table_longer_than_the_limit_is_left_to_its_files_and_the_readme_says_so() {
        use calamine::{Reader, Xlsx, open_workbook};
        let dir = std::env::temp_dir().join(format!("kerjasama-workbook-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
        let run = ReportRun {
            id: uuid::Uuid::now_v7(),
            region_code: None,
            as_of: day,
            period_start: day,
            period_end: day,
            state: crate::run_record::RunState::Running,
            error: None,
            files: vec![],
            output_dir: String::new(),
            requested_by: "test".into(),
            create_time: chrono::Utc::now(),
            finish_time: None,
            start_time: None,
            report_grace_days: 30,
            software_version: "test".into(),
            schedule_id: None,
            scheduled_for: None,
            tables: vec![],
            attempts: 1,
            max_attempts: 1,
            public_register: false,
        };
        let long = df!("count" => [1i64, 2, 3]).unwrap();
        let short = df!("count" => [1i64]).unwrap();
        let path = dir.join("report.xlsx");
        write(
            &path,
            &dir,
            &run,
            &[("counts_by_type", &long), ("renewal_watch", &short)],
            &Names::default(),
            2,
        )
        .unwrap();
        let mut book: Xlsx<_> = open_workbook(&path).unwrap();
        let sheets = book.sheet_names();
        assert_eq!(
            sheets,
            ["README".to_string(), sheet_name("renewal_watch", 1)]
        );
        let readme = book.worksheet_range("README").unwrap();
        let row = readme
            .rows()
            .find(|r| r.get(1).is_some_and(|c| *c == "counts_by_type.csv"))
            .expect("the left-out table listed");
        assert!(
            row[0]
                .to_string()
                .starts_with("hanya di berkas CSV dan Parquet: lebih dari 2 baris"),
            "{row:?}"
        );
        assert_eq!(row[2].to_string(), "3");
        // Its columns in the data dictionary point at the CSV file, not at a
        // sheet that is not there.
        let dictionary: Vec<String> = readme
            .rows()
            .skip_while(|r| {
                r.first()
                    .is_none_or(|c| *c != "Kamus data / Data dictionary")
            })
            .skip(2)
            .filter_map(|r| r.first().map(|c| c.to_string()))
            .filter(|c| !c.is_empty())
            .collect();
        assert_eq!(
            dictionary,
            [
                "counts_by_type.csv".to_string(),
                sheet_name("renewal_watch", 1)
            ]
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
