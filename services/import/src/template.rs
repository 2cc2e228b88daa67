//! The workbook a bureau fills in: instructions, one sheet per record kind
//! with the catalogue's Indonesian headers, drop-down lists and date and
//! number validation, and a `Kode` sheet with every code list.

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, Format,
    FormatBorder, Formula, Workbook, Worksheet, XlsxError, worksheet_range_absolute,
};

use super::columns::{CodeList, Column, SheetKind, ValueKind};
use super::problems::format_count;
use super::read::{MAX_FILE_BYTES, MAX_ROWS_PER_SHEET};
use kerjasama_core::calendar;

/// The region's own lists offered as drop-downs, each code with its name
/// (the names are shown beside the codes on the `Kode` sheet).
#[derive(Debug, Clone, Default)]
pub struct TemplateLists {
    /// OPD codes (`Kode OPD`).
    pub units: Vec<String>,
    pub unit_names: Vec<String>,
    /// Sector codes (`Urusan`).
    pub sectors: Vec<String>,
    pub sector_names: Vec<String>,
    /// Measurement unit codes (`Satuan`).
    pub measurement_units: Vec<String>,
    pub measurement_unit_names: Vec<String>,
    /// Stage names in Indonesian (`Tahapan`).
    pub stages: Vec<String>,
}

/// The instructions sheet's name.
pub const INSTRUCTIONS_SHEET: &str = "Petunjuk";
/// The sheet listing every code list (the target of long drop-downs).
pub const CODES_SHEET: &str = "Kode";

/// Excel's limit on an inline drop-down list, commas included.
const INLINE_LIST_MAX: usize = 255;

/// One list of the `Kode` sheet: its codes and, beside them, their names.
struct List {
    title: &'static str,
    values: Vec<String>,
    names: Vec<String>,
}

/// Which list a column's drop-down uses, as an index into the `Kode` lists.
fn list_of(column: &Column) -> Option<usize> {
    match column.kind {
        ValueKind::Code(list) => CodeList::ALL.iter().position(|l| *l == list),
        _ => match column.key {
            "kode_opd" => Some(CodeList::ALL.len()),
            "urusan" => Some(CodeList::ALL.len() + 1),
            "satuan" => Some(CodeList::ALL.len() + 2),
            "tahapan" => Some(CodeList::ALL.len() + 3),
            _ => None,
        },
    }
}

fn lists(template: &TemplateLists) -> Vec<List> {
    let mut lists: Vec<List> = CodeList::ALL
        .iter()
        .map(|list| List {
            title: list.title(),
            values: list.codes().into_iter().map(str::to_string).collect(),
            names: list.labels().into_iter().map(str::to_string).collect(),
        })
        .collect();
    let clean = |values: &[String]| -> Vec<String> {
        values
            .iter()
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    };
    // Names beside their codes (a blank code drops its name too).
    let named = |values: &[String], names: &[String]| -> (Vec<String>, Vec<String>) {
        values
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(i, v)| {
                (
                    v.trim().to_string(),
                    names.get(i).cloned().unwrap_or_default(),
                )
            })
            .unzip()
    };
    let (values, names) = named(&template.units, &template.unit_names);
    lists.push(List {
        title: "Kode OPD / Unit codes",
        values,
        names,
    });
    let (values, names) = named(&template.sectors, &template.sector_names);
    lists.push(List {
        title: "Urusan / Sectors",
        values,
        names,
    });
    let (values, names) = named(
        &template.measurement_units,
        &template.measurement_unit_names,
    );
    lists.push(List {
        title: "Satuan / Units of measure",
        values,
        names,
    });
    lists.push(List {
        title: "Tahapan / Stages",
        values: clean(&template.stages),
        names: Vec::new(),
    });
    lists
}

fn err(e: XlsxError) -> String {
    e.to_string()
}

/// Writes the import template (XLSX). An untouched template reads back as
/// an import with no rows and no problems.
pub fn template(lists_in: &TemplateLists) -> Result<Vec<u8>, String> {
    let lists = lists(lists_in);
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let header = Format::new()
        .set_bold()
        .set_background_color("#DDEBF7")
        .set_border_bottom(FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap();

    instructions(workbook.add_worksheet(), &bold, &header, &wrap).map_err(err)?;
    for kind in SheetKind::ALL {
        data_sheet(workbook.add_worksheet(), kind, &lists, &header).map_err(err)?;
    }
    codes_sheet(workbook.add_worksheet(), &lists, &header).map_err(err)?;
    workbook.save_to_buffer().map_err(err)
}

fn instructions(
    sheet: &mut Worksheet,
    bold: &Format,
    header: &Format,
    wrap: &Format,
) -> Result<(), XlsxError> {
    sheet.set_name(INSTRUCTIONS_SHEET)?;
    let rows = format_count(u64::from(MAX_ROWS_PER_SHEET));
    let mb = format_count((MAX_FILE_BYTES / (1024 * 1024)) as u64);
    let sheets: Vec<&str> = SheetKind::ALL.iter().map(|k| k.name()).collect();
    let sheets = sheets.join(", ");
    let (first, last) = (calendar::FIRST_DATE, calendar::LAST_DATE);
    let id = [
        "Petunjuk pengisian impor register kerja sama daerah".to_string(),
        format!(
            "1. Satu lembar per jenis data: {sheets}. Lembar Perjanjian wajib ada; lembar lain boleh kosong. Baris 1 berisi judul kolom: jangan diubah."
        ),
        "2. Kunci yang menghubungkan semua lembar adalah Nomor Dokumen: nomor perjanjian pada register daerah sendiri. Pihak, Indikator, Realisasi dan Laporan Pelaksanaan menyebut Nomor Dokumen perjanjiannya.".to_string(),
        format!(
            "3. Tanggal: sel tanggal, atau teks YYYY-MM-DD (2026-01-31) atau DD/MM/YYYY (31/01/2026), antara {first} dan {last}."
        ),
        "4. Anggaran dalam rupiah penuh tanpa desimal: 1250000000 atau 1.250.000.000 (boleh diawali Rp). Angka desimal: 1.250,5 atau 1250.5; perhatikan 1.250 dibaca seribu dua ratus lima puluh.".to_string(),
        "5. Ya/tidak: tulis ya atau tidak. Kode: pilih dari daftar (lihat lembar Kode); huruf besar/kecil tidak berpengaruh.".to_string(),
        "6. Jangan gunakan rumus atau sel yang digabung (merge): tempel sebagai nilai saja (Paste Values). Baris kosong dilewati.".to_string(),
        format!(
            "7. Simpan sebagai .xlsx tanpa kata sandi, atau sebagai CSV UTF-8 satu berkas per lembar (pemisah koma atau titik koma) dengan baris judul yang sama. Paling banyak {rows} baris per lembar dan {mb} MB per berkas."
        ),
    ];
    let rows_en = super::problems::format_count_en(u64::from(MAX_ROWS_PER_SHEET));
    let en = [
        "Instructions for importing the regional cooperation register".to_string(),
        format!(
            "1. One sheet per record kind: {sheets}. The Perjanjian (agreements) sheet is required; the others may be empty. Row 1 holds the column headers: do not change them."
        ),
        "2. The key linking all sheets is Nomor Dokumen: the agreement's number in the region's own register. Parties, indicators, realisations and implementation reports name their agreement's Nomor Dokumen.".to_string(),
        format!(
            "3. Dates: a date cell, or text YYYY-MM-DD (2026-01-31) or DD/MM/YYYY (31/01/2026), between {first} and {last}."
        ),
        "4. Amounts in whole rupiah, no decimals: 1250000000 or 1.250.000.000 (an Rp prefix is allowed). Decimal numbers: 1.250,5 or 1250.5; note that 1.250 reads as one thousand two hundred fifty.".to_string(),
        "5. Yes/no: write ya (yes) or tidak (no). Codes: pick from the list (see the Kode sheet); case does not matter.".to_string(),
        "6. No formulas and no merged cells: paste values only. Blank rows are skipped.".to_string(),
        format!(
            "7. Save as .xlsx without a password, or as CSV UTF-8, one file per sheet (comma or semicolon separated) with the same header line. At most {rows_en} rows per sheet and {mb} MB per file."
        ),
    ];
    sheet.set_column_width(0, 24)?;
    sheet.set_column_width(1, 28)?;
    sheet.set_column_width(2, 12)?;
    sheet.set_column_width(3, 24)?;
    sheet.set_column_width(4, 60)?;
    sheet.set_column_width(5, 60)?;
    let mut row = 0u32;
    for (i, line) in id.iter().enumerate() {
        if i == 0 {
            sheet.write_string_with_format(row, 0, line, bold)?;
        } else {
            sheet.write_string(row, 0, line)?;
        }
        row += 1;
    }
    row += 1;
    for (i, line) in en.iter().enumerate() {
        if i == 0 {
            sheet.write_string_with_format(row, 0, line, bold)?;
        } else {
            sheet.write_string(row, 0, line)?;
        }
        row += 1;
    }
    row += 1;
    sheet.write_string_with_format(row, 0, "Kolom / Columns", bold)?;
    row += 1;
    let titles = [
        "Lembar / Sheet",
        "Kolom / Column",
        "Wajib / Required",
        "Isi / Kind",
        "Keterangan",
        "Description",
    ];
    for (col, title) in (0u16..).zip(titles) {
        sheet.write_string_with_format(row, col, title, header)?;
    }
    for kind in SheetKind::ALL {
        for column in kind.columns() {
            row += 1;
            sheet.write_string(row, 0, kind.name())?;
            sheet.write_string(row, 1, column.header)?;
            sheet.write_string(
                row,
                2,
                if column.required {
                    "wajib / required"
                } else {
                    ""
                },
            )?;
            sheet.write_string(row, 3, column.kind.describe())?;
            sheet.write_string_with_format(row, 4, column.description_id, wrap)?;
            sheet.write_string_with_format(row, 5, column.description_en, wrap)?;
        }
    }
    Ok(())
}

fn data_sheet(
    sheet: &mut Worksheet,
    kind: SheetKind,
    lists: &[List],
    header: &Format,
) -> Result<(), XlsxError> {
    sheet.set_name(kind.name())?;
    let text = Format::new().set_num_format("@");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let whole = Format::new().set_num_format("#,##0");
    let last_row = MAX_ROWS_PER_SHEET;
    let first_date = ExcelDateTime::from_ymd(1900, 1, 1)?;
    let last_date = ExcelDateTime::from_ymd(2199, 12, 31)?;
    for (col, column) in (0u16..).zip(kind.columns()) {
        let width = (column.header.chars().count() + 6).max(16);
        sheet.set_column_width(col, width as f64)?;
        let validation = match column.kind {
            ValueKind::Text | ValueKind::Code(_) => {
                // Text cells keep what is typed: 36.10 stays 36.10, not 36.1.
                sheet.set_column_format(col, &text)?;
                match list_of(column).and_then(|i| Some((i, lists.get(i)?))) {
                    Some((i, list)) if !list.values.is_empty() => {
                        let strict = matches!(column.kind, ValueKind::Code(_));
                        Some(drop_down(i, list, strict)?)
                    }
                    _ => None,
                }
            }
            ValueKind::Date => {
                sheet.set_column_format(col, &date)?;
                Some(
                    DataValidation::new()
                        .allow_date(DataValidationRule::Between(first_date.clone(), last_date.clone()))
                        .set_error_title("Tanggal / Date")?
                        .set_error_message(
                            "Tanggal antara 1900-01-01 dan 2199-12-31.\nA date between 1900-01-01 and 2199-12-31.",
                        )?,
                )
            }
            ValueKind::Integer => {
                sheet.set_column_format(col, &whole)?;
                let rule = match column.bounds {
                    Some((min, max)) => DataValidationRule::Between(
                        i32::try_from(min).unwrap_or(i32::MIN),
                        i32::try_from(max).unwrap_or(i32::MAX),
                    ),
                    None => DataValidationRule::GreaterThanOrEqualTo(0),
                };
                Some(
                    DataValidation::new()
                        .allow_whole_number(rule)
                        .set_error_title("Bilangan bulat / Whole number")?
                        .set_error_message(
                            "Bilangan bulat tanpa desimal.\nA whole number without decimals.",
                        )?,
                )
            }
            ValueKind::Bool => Some(
                DataValidation::new()
                    .allow_list_strings(&["ya", "tidak"])?
                    .set_error_title("Ya/tidak / Yes/no")?
                    .set_error_message("Tulis ya atau tidak.\nWrite ya (yes) or tidak (no).")?
                    .set_error_style(DataValidationErrorStyle::Warning),
            ),
            ValueKind::Decimal => None,
        };
        if let Some(validation) = validation {
            sheet.add_data_validation(1, col, last_row, col, &validation)?;
        }
        sheet.write_string_with_format(0, col, column.header, header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// A drop-down of `list` (the `index`th column of the `Kode` sheet): inline
/// when it fits Excel's 255 characters, else a reference to the `Kode` sheet.
/// `strict` refuses other values; otherwise Excel only warns.
fn drop_down(index: usize, list: &List, strict: bool) -> Result<DataValidation, XlsxError> {
    let inline_len: usize = list.values.iter().map(|v| v.chars().count() + 1).sum();
    let inline_ok = inline_len.saturating_sub(1) <= INLINE_LIST_MAX
        && list
            .values
            .iter()
            .all(|v| !v.contains(',') && !v.contains('"'));
    let validation = if inline_ok {
        DataValidation::new().allow_list_strings(&list.values)?
    } else {
        // Each list takes two columns of the Kode sheet: codes, then names.
        let col = u16::try_from(index * 2).unwrap_or(u16::MAX);
        let last = u32::try_from(list.values.len()).unwrap_or(u32::MAX);
        let range = worksheet_range_absolute(CODES_SHEET, 1, col, last, col);
        DataValidation::new().allow_list_formula(Formula::new(format!("={range}")))
    };
    let validation = validation
        .set_error_title("Kode / Code")?
        .set_error_message(
            "Pilih dari daftar (lihat lembar Kode).\nPick from the list (see the Kode sheet).",
        )?;
    Ok(if strict {
        validation
    } else {
        validation.set_error_style(DataValidationErrorStyle::Warning)
    })
}

fn codes_sheet(sheet: &mut Worksheet, lists: &[List], header: &Format) -> Result<(), XlsxError> {
    sheet.set_name(CODES_SHEET)?;
    for (index, list) in lists.iter().enumerate() {
        let col = u16::try_from(index * 2).unwrap_or(u16::MAX);
        let width = list
            .values
            .iter()
            .map(|v| v.chars().count())
            .chain([list.title.chars().count()])
            .max()
            .unwrap_or(10)
            .clamp(12, 60);
        sheet.set_column_width(col, width as f64 + 2.0)?;
        sheet.write_string_with_format(0, col, list.title, header)?;
        for (row, value) in (1u32..).zip(&list.values) {
            sheet.write_string(row, col, value)?;
        }
        let names_width = list
            .names
            .iter()
            .map(|v| v.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 60);
        sheet.set_column_width(col + 1, names_width as f64 + 2.0)?;
        if !list.names.is_empty() {
            sheet.write_string_with_format(0, col + 1, "Nama / Name", header)?;
            for (row, name) in (1u32..).zip(&list.names) {
                sheet.write_string(row, col + 1, name)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    // Read-only, so the drop-downs that point here stay intact.
    sheet.protect();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{ImportFile, read};
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    #[test]
    fn the_untouched_template_reads_back_empty() {
        let lists = TemplateLists {
            units: (1..=60).map(|i| format!("1.{i:02}.01")).collect(),
            sectors: vec!["HEALTH".into(), "EDUCATION".into(), "TOURISM".into()],
            measurement_units: vec!["IDR".into(), "PERSON".into(), "KM".into(), "A,B".into()],
            stages: vec!["Persiapan".into(), "Penatausahaan".into()],
            ..TemplateLists::default()
        };
        let bytes = template(&lists).unwrap();
        let parsed = read(&[ImportFile {
            name: "templat.xlsx",
            content: &bytes,
        }])
        .unwrap();
        assert_eq!(parsed.rows_read, 0);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert!(parsed.agreements.is_empty() && parsed.reports.is_empty());

        let mut book = Xlsx::new(Cursor::new(bytes)).unwrap();
        let names = book.sheet_names();
        assert_eq!(
            names,
            [
                "Petunjuk",
                "Perjanjian",
                "Pihak",
                "Indikator",
                "Realisasi",
                "Laporan Pelaksanaan",
                "Tahapan",
                "Kode"
            ]
        );
        for kind in SheetKind::ALL {
            let range = book.worksheet_range(kind.name()).unwrap();
            for (col, column) in kind.columns().iter().enumerate() {
                assert_eq!(
                    range.get_value((0, col as u32)),
                    Some(&Data::String(column.header.to_string()))
                );
            }
        }
        let codes = book.worksheet_range("Kode").unwrap();
        assert_eq!(
            codes.get_value((1, 0)),
            Some(&Data::String("KSDD".to_string()))
        );
        // Each code with its Indonesian name beside it.
        assert_eq!(
            codes.get_value((1, 1)),
            Some(&Data::String(
                "Kerja Sama Daerah dengan Daerah Lain".to_string()
            ))
        );
        assert_eq!(
            codes.get_value((60, 14)),
            Some(&Data::String("1.60.01".to_string()))
        );
    }

    #[test]
    fn long_lists_point_at_the_codes_sheet() {
        let short = List {
            title: "t",
            values: vec!["A".into(), "B".into()],
            names: Vec::new(),
        };
        let long = List {
            title: "t",
            values: (0..100).map(|i| format!("UNIT-{i}")).collect(),
            names: Vec::new(),
        };
        assert!(drop_down(0, &short, true).is_ok());
        assert!(drop_down(7, &long, false).is_ok());
        // Everything, including an empty template, writes.
        assert!(template(&TemplateLists::default()).is_ok());
    }
}
