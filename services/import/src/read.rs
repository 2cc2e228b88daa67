// Over 1,000 lines: one streaming reader for both formats (XLSX cells and CSV records meet in one row builder), and its tests (a third of the file) build workbooks cell by cell.
//! Reads an import, one XLSX workbook or CSV files (one per sheet), into
//! typed rows, streaming cells and collecting every problem.
//!
//! Rules not spelled out on the items below:
//! - The format is found from the content: a ZIP is read as XLSX, an OLE2
//!   compound file (encrypted workbook, old `.xls`) is refused, valid UTF-8
//!   text is CSV. Either one workbook alone, or one or more CSV files.
//! - A workbook's sheets are found by name, Indonesian or English, compared
//!   like headers; `Perjanjian` is required, the others optional; other
//!   sheets (the template's `Petunjuk` and `Kode`) are ignored.
//! - Row 1 is the header. A header cell holding a formula, a merged cell
//!   touching row 1, a duplicate or missing required column stop the file.
//! - Only the catalogue's columns are read: a cell under an unknown header is
//!   ignored, whatever it holds (formulas and merges included). A row is blank,
//!   and skipped, when every catalogue column of it is empty or whitespace.
//! - A cell holding a formula is a problem whatever its cached value.
//! - A merged region crossing a catalogue column is a problem on every
//!   non-blank row it covers.
//! - At most [`MAX_PROBLEMS`] problems are listed; the rest are counted in
//!   [`ParsedImport::problems_not_listed`] (their rows are left out all the same).

use std::io::Cursor;

use bigdecimal::BigDecimal;
use calamine::{Dimensions, Reader, SheetType, Xlsx, XlsxError};
use chrono::NaiveDate;

use super::cells::{self, CellError, Raw, cell_name, quote};
use super::columns::{Column, SheetKind, ValueKind, match_header};
use super::expansion;
use super::problems::{Problem, format_count, format_count_en};
use kerjasama_core::codes::{
    Beneficiary, CooperationType, DocumentKind, IndicatorCategory, KsddBasis, PartyKind,
    ReportingCycle,
};

/// The largest file accepted.
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;
/// The most data rows (non-blank) a sheet may hold.
pub const MAX_ROWS_PER_SHEET: u32 = 200_000;
/// The most cell problems listed in [`ParsedImport::problems`].
pub const MAX_PROBLEMS: usize = 10_000;

/// A row of the `Perjanjian` sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementRow {
    pub row: u32,
    pub document_number: String,
    pub title: String,
    pub cooperation_type: CooperationType,
    pub document_kind: DocumentKind,
    pub parent_document_number: Option<String>,
    pub unit_code: String,
    pub sector: String,
    pub ksdd_basis: Option<KsddBasis>,
    pub objective: String,
    pub signed_on: Option<NaiveDate>,
    pub effective_from: Option<NaiveDate>,
    pub effective_until: Option<NaiveDate>,
    pub dprd_approval_required: Option<bool>,
    pub budget_idr: Option<i64>,
    pub reporting_cycle: Option<ReportingCycle>,
    pub public_in_full: Option<bool>,
    pub reports_owed_from: Option<NaiveDate>,
}

/// A row of the `Pihak` sheet: one partner of an agreement.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyRow {
    pub row: u32,
    pub document_number: String,
    pub name: String,
    pub kind: PartyKind,
    pub region_code: Option<String>,
    pub country_code: Option<String>,
    pub party_document_number: String,
}

/// A row of the `Indikator` sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRow {
    pub row: u32,
    pub document_number: String,
    pub title: String,
    pub category: IndicatorCategory,
    pub unit_of_measure: String,
    pub beneficiary: Beneficiary,
    pub baseline: Option<BigDecimal>,
    pub target_value: Option<BigDecimal>,
    pub target_date: Option<NaiveDate>,
    /// Blank reads as `true`.
    pub higher_is_better: bool,
}

/// A row of the `Realisasi` sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct RealisationRow {
    pub row: u32,
    pub document_number: String,
    pub indicator_title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: BigDecimal,
    pub note: String,
}

/// A row of the `Laporan Pelaksanaan` sheet.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRow {
    pub row: u32,
    pub document_number: String,
    pub cycle_start: NaiveDate,
    pub submitted_on: Option<NaiveDate>,
    pub summary: String,
    pub progress_percent: Option<i16>,
    pub obstacles: String,
    pub follow_up: String,
}

/// A row of the `Tahapan` sheet: what the bureau's file says of one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StageRow {
    pub row: u32,
    pub document_number: String,
    /// As written: a stage's Indonesian or English name, or its code (the
    /// commit resolves it against the stage catalogue).
    pub stage: String,
    pub on: NaiveDate,
    /// Set: the stage was skipped, for this reason.
    pub skip_reason: Option<String>,
}

/// Everything read from an import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedImport {
    pub agreements: Vec<AgreementRow>,
    pub parties: Vec<PartyRow>,
    pub indicators: Vec<IndicatorRow>,
    pub realisations: Vec<RealisationRow>,
    pub reports: Vec<ReportRow>,
    pub stages: Vec<StageRow>,
    /// cell-level problems of rows that were therefore left out of the Vecs above
    pub problems: Vec<Problem>,
    /// data rows read (non-blank), over all sheets
    pub rows_read: u64,
    /// Problems beyond [`MAX_PROBLEMS`], counted but not listed.
    pub problems_not_listed: u64,
}

/// One uploaded file.
#[derive(Debug, Clone, Copy)]
pub struct ImportFile<'a> {
    pub name: &'a str,
    pub content: &'a [u8],
}

/// Reads one XLSX workbook, or one or more CSV files (one per sheet).
///
/// Err = problems that stop the whole file (no rows are usable).
pub fn read(files: &[ImportFile<'_>]) -> Result<ParsedImport, Vec<Problem>> {
    if files.is_empty() {
        return Err(vec![Problem::file(
            "Tidak ada berkas yang dikirim.",
            "No file was sent.",
        )]);
    }
    let mut fatal = Vec::new();
    let mut xlsx = Vec::new();
    let mut csv = Vec::new();
    for file in files {
        match detect(file) {
            Ok(Format::Xlsx) => xlsx.push(*file),
            Ok(Format::Csv(text)) => csv.push((*file, text)),
            Err(problem) => fatal.push(*problem),
        }
    }
    if !fatal.is_empty() {
        return Err(fatal);
    }
    let out = match (xlsx.as_slice(), csv.is_empty()) {
        ([], _) => {
            let mut out = Collector::default();
            read_csv_files(&csv, &mut out);
            out
        }
        ([file], true) => read_xlsx_guarded(file),
        _ => {
            return Err(vec![Problem::file(
                "Kirim satu buku kerja XLSX saja, atau berkas CSV (satu per lembar), jangan keduanya atau beberapa buku kerja.",
                "Send one XLSX workbook alone, or CSV files (one per sheet); not both, and not several workbooks.",
            )]);
        }
    };
    out.finish()
}

// ---------------------------------------------------------------------------
// Format detection

enum Format<'a> {
    Xlsx,
    Csv(&'a str),
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const UTF8_BOM: &str = "\u{feff}";

/// A file name quoted in a message (at most 60 characters).
fn file_label(file: &ImportFile<'_>) -> String {
    quote(file.name)
}

fn detect<'a>(file: &ImportFile<'a>) -> Result<Format<'a>, Box<Problem>> {
    let name = file_label(file);
    let content = file.content;
    if content.len() > MAX_FILE_BYTES {
        let mb = (MAX_FILE_BYTES / (1024 * 1024)) as u64;
        return Err(Box::new(Problem::file(
            format!(
                "Berkas {name} lebih besar dari batas {} MB; bagi menjadi beberapa berkas.",
                format_count(mb)
            ),
            format!(
                "The file {name} is larger than the {} MB limit; split it into several files.",
                format_count_en(mb)
            ),
        )));
    }
    if content.is_empty() {
        return Err(Box::new(Problem::file(
            format!("Berkas {name} kosong."),
            format!("The file {name} is empty."),
        )));
    }
    if content.starts_with(ZIP_MAGIC) {
        return Ok(Format::Xlsx);
    }
    if content.starts_with(OLE2_MAGIC) {
        return Err(Box::new(Problem::file(
            format!(
                "Berkas {name} adalah buku kerja yang dilindungi kata sandi (terenkripsi) atau berformat .xls lama: simpan sebagai .xlsx tanpa kata sandi."
            ),
            format!(
                "The file {name} is a password-protected (encrypted) workbook or an old .xls file: save it as .xlsx without a password."
            ),
        )));
    }
    if content.starts_with(&[0xFF, 0xFE]) || content.starts_with(&[0xFE, 0xFF]) {
        return Err(Box::new(Problem::file(
            format!(
                "Berkas {name} adalah teks UTF-16 (\"Unicode Text\"): simpan sebagai CSV UTF-8 (koma atau titik koma) atau .xlsx."
            ),
            format!(
                "The file {name} is UTF-16 (\"Unicode Text\"): save it as CSV UTF-8 (comma or semicolon) or as .xlsx."
            ),
        )));
    }
    match std::str::from_utf8(content) {
        Ok(text) => Ok(Format::Csv(text.strip_prefix(UTF8_BOM).unwrap_or(text))),
        Err(e) => {
            // Text in another encoding (no NUL bytes) is a CSV saved wrongly.
            let head = &content[..content.len().min(8192)];
            if head.contains(&0) {
                Err(Box::new(Problem::file(
                    format!(
                        "Berkas {name} bukan lembar kerja XLSX maupun CSV UTF-8: simpan sebagai .xlsx, atau sebagai CSV UTF-8."
                    ),
                    format!(
                        "The file {name} is neither an XLSX spreadsheet nor a UTF-8 CSV: save it as .xlsx, or as CSV UTF-8."
                    ),
                )))
            } else {
                let at = e.valid_up_to() as u64;
                Err(Box::new(Problem::file(
                    format!(
                        "Berkas {name} bukan teks UTF-8 (byte tidak sah pada posisi {}): simpan ulang sebagai \"CSV UTF-8\".",
                        format_count(at)
                    ),
                    format!(
                        "The file {name} is not UTF-8 text (invalid byte at offset {}): save it again as \"CSV UTF-8\".",
                        format_count_en(at)
                    ),
                )))
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Collecting rows and problems

/// One catalogue column of the row being read.
#[derive(Debug, Clone)]
enum Slot<'a> {
    Blank,
    Value(Raw<'a>),
    /// A formula cell, with its text when known.
    Formula(Option<String>),
}

impl Slot<'_> {
    fn is_blank(&self) -> bool {
        match self {
            Slot::Blank => true,
            Slot::Value(raw) => raw.is_blank(),
            Slot::Formula(_) => false,
        }
    }
}

#[derive(Default)]
struct Collector {
    parsed: ParsedImport,
    fatal: Vec<Problem>,
    rows: [u32; 6],
}

fn index(kind: SheetKind) -> usize {
    match kind {
        SheetKind::Agreements => 0,
        SheetKind::Parties => 1,
        SheetKind::Indicators => 2,
        SheetKind::Realisations => 3,
        SheetKind::Reports => 4,
        SheetKind::Stages => 5,
    }
}

impl Collector {
    fn problem(&mut self, problem: Problem) {
        if self.parsed.problems.len() < MAX_PROBLEMS {
            self.parsed.problems.push(problem);
        } else {
            self.parsed.problems_not_listed += 1;
        }
    }

    fn finish(self) -> Result<ParsedImport, Vec<Problem>> {
        if self.fatal.is_empty() {
            Ok(self.parsed)
        } else {
            Err(self.fatal)
        }
    }

    /// Reads one row (`slots` in catalogue order; `extra` are problems of
    /// the row found outside its cells). Returns false once the sheet has
    /// passed the row limit: stop reading it.
    fn row(&mut self, kind: SheetKind, row: u32, slots: &[Slot<'_>], extra: Vec<Problem>) -> bool {
        if slots.iter().all(Slot::is_blank) {
            return true;
        }
        self.parsed.rows_read += 1;
        let count = &mut self.rows[index(kind)];
        *count += 1;
        if *count > MAX_ROWS_PER_SHEET {
            let max = u64::from(MAX_ROWS_PER_SHEET);
            self.fatal.push(Problem::sheet(
                kind,
                format!(
                    "Lembar {} berisi lebih dari {} baris data; bagi menjadi beberapa impor.",
                    kind.name(),
                    format_count(max)
                ),
                format!(
                    "The sheet {} holds more than {} data rows; split it into several imports.",
                    kind.name(),
                    format_count_en(max)
                ),
            ));
            return false;
        }
        let mut fields = Fields {
            kind,
            row,
            slots,
            problems: extra,
        };
        let parsed = &mut self.parsed;
        let accepted = match kind {
            SheetKind::Agreements => agreement(&mut fields).map(|r| parsed.agreements.push(r)),
            SheetKind::Parties => party(&mut fields).map(|r| parsed.parties.push(r)),
            SheetKind::Indicators => indicator(&mut fields).map(|r| parsed.indicators.push(r)),
            SheetKind::Realisations => {
                realisation(&mut fields).map(|r| parsed.realisations.push(r))
            }
            SheetKind::Reports => report(&mut fields).map(|r| parsed.reports.push(r)),
            SheetKind::Stages => stage(&mut fields).map(|r| parsed.stages.push(r)),
        };
        if accepted.is_none() && fields.problems.is_empty() {
            // Not reachable: every refusal records its reason. Never drop a row silently.
            fields.problems.push(Problem::row(
                kind,
                row,
                "Baris tidak dapat dibaca.",
                "The row cannot be read.",
            ));
        }
        for problem in fields.problems {
            self.problem(problem);
        }
        true
    }
}

/// The cells of one row, read column by column; problems pile up.
struct Fields<'r, 'a> {
    kind: SheetKind,
    row: u32,
    slots: &'r [Slot<'a>],
    problems: Vec<Problem>,
}

impl<'r, 'a> Fields<'r, 'a> {
    fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn push(&mut self, column: &Column, value: &str, id: String, en: String) {
        self.problems.push(Problem::cell(
            self.kind, self.row, column.key, value, id, en,
        ));
    }

    /// Reads the column `key` with `parse`. `None` when blank (a problem if
    /// `required`) or unreadable (a problem).
    fn read<T>(
        &mut self,
        key: &str,
        required: bool,
        parse: impl FnOnce(&Raw<'a>, &'static Column) -> Result<Option<T>, CellError>,
    ) -> Option<T> {
        let position = self.kind.columns().iter().position(|c| c.key == key)?;
        let column = self.kind.columns().get(position)?;
        let slot = self.slots.get(position).unwrap_or(&Slot::Blank);
        let raw = match slot {
            Slot::Formula(text) => {
                let shown = text.as_deref().map(|f| format!("={f}")).unwrap_or_default();
                self.push(
                    column,
                    &shown,
                    "Sel berisi rumus; salin lalu tempel sebagai nilai saja (Paste Values).".into(),
                    "The cell holds a formula; copy it and paste values only.".into(),
                );
                return None;
            }
            Slot::Blank => None,
            Slot::Value(raw) => Some(raw),
        };
        let result = match raw {
            Some(raw) => parse(raw, column).map_err(|e| (raw.display(), e)),
            None => Ok(None),
        };
        match result {
            Ok(Some(value)) => Some(value),
            Ok(None) => {
                if required {
                    self.push(
                        column,
                        "",
                        format!("Kolom {} wajib diisi.", quote(column.header)),
                        format!("The column {} is required.", quote(column.header)),
                    );
                }
                None
            }
            Err((shown, e)) => {
                self.push(column, &shown, e.message_id, e.message_en);
                None
            }
        }
    }

    fn text_with(&mut self, key: &str, required: bool) -> Option<String> {
        self.read(key, required, |raw, column| cells::text(raw, column.field))
    }

    fn text(&mut self, key: &str) -> Option<String> {
        self.text_with(key, false)
    }

    fn text_req(&mut self, key: &str) -> Option<String> {
        self.text_with(key, true)
    }

    /// Text that must not come from a number cell: a number loses its
    /// trailing zeros (`32.10` becomes `32.1`).
    fn code_text(&mut self, key: &str) -> Option<String> {
        self.read(key, false, |raw, column| match raw {
            Raw::Float(_) | Raw::Int(_) => Err(CellError {
                message_id: format!(
                    "Tulis {} sebagai teks (format sel Teks, atau awali dengan '), bukan angka: angka kehilangan nol di belakang.",
                    quote(column.header)
                ),
                message_en: format!(
                    "Write {} as text (Text cell format, or start with '), not as a number: a number loses trailing zeros.",
                    quote(column.header)
                ),
            }),
            _ => cells::text(raw, column.field),
        })
    }

    fn date_with(&mut self, key: &str, required: bool) -> Option<NaiveDate> {
        self.read(key, required, |raw, _| cells::date(raw))
    }

    fn date(&mut self, key: &str) -> Option<NaiveDate> {
        self.date_with(key, false)
    }

    fn date_req(&mut self, key: &str) -> Option<NaiveDate> {
        self.date_with(key, true)
    }

    fn decimal_with(&mut self, key: &str, required: bool) -> Option<BigDecimal> {
        self.read(key, required, |raw, _| cells::decimal(raw))
    }

    fn integer(&mut self, key: &str) -> Option<i64> {
        self.read(key, false, |raw, column| cells::integer(raw, column.bounds))
    }

    fn boolean(&mut self, key: &str) -> Option<bool> {
        self.read(key, false, |raw, _| cells::boolean(raw))
    }

    fn code_with<T>(
        &mut self,
        key: &str,
        required: bool,
        from: fn(&str) -> Option<T>,
    ) -> Option<T> {
        self.read(key, required, |raw, column| match column.kind {
            ValueKind::Code(list) => Ok(cells::code(raw, list)?.and_then(from)),
            _ => Ok(None),
        })
    }

    fn code<T>(&mut self, key: &str, from: fn(&str) -> Option<T>) -> Option<T> {
        self.code_with(key, false, from)
    }

    fn code_req<T>(&mut self, key: &str, from: fn(&str) -> Option<T>) -> Option<T> {
        self.code_with(key, true, from)
    }
}

fn agreement(f: &mut Fields<'_, '_>) -> Option<AgreementRow> {
    let document_number = f.text_req("nomor_dokumen");
    let title = f.text_req("judul");
    let cooperation_type = f.code_req("jenis_kerja_sama", CooperationType::from_code);
    let document_kind = f.code_req("jenis_dokumen", DocumentKind::from_code);
    let parent_document_number = f.text("nomor_dokumen_induk");
    let unit_code = f.text_req("kode_opd");
    let sector = f.text_req("urusan");
    let ksdd_basis = f.code("dasar_ksdd", KsddBasis::from_code);
    let objective = f.text("tujuan").unwrap_or_default();
    let signed_on = f.date("tanggal_tanda_tangan");
    let effective_from = f.date("berlaku_mulai");
    let effective_until = f.date("berlaku_sampai");
    let dprd_approval_required = f.boolean("perlu_persetujuan_dprd");
    let budget_idr = f.integer("anggaran_rp");
    let reporting_cycle = f.code("siklus_laporan", ReportingCycle::from_code);
    let public_in_full = f.boolean("terbuka_penuh");
    let reports_owed_from = f.date("laporan_wajib_sejak");
    let (
        Some(document_number),
        Some(title),
        Some(cooperation_type),
        Some(document_kind),
        Some(unit_code),
        Some(sector),
    ) = (
        document_number,
        title,
        cooperation_type,
        document_kind,
        unit_code,
        sector,
    )
    else {
        return None;
    };
    f.ok().then_some(AgreementRow {
        row: f.row,
        document_number,
        title,
        cooperation_type,
        document_kind,
        parent_document_number,
        unit_code,
        sector,
        ksdd_basis,
        objective,
        signed_on,
        effective_from,
        effective_until,
        dprd_approval_required,
        budget_idr,
        reporting_cycle,
        public_in_full,
        reports_owed_from,
    })
}

fn party(f: &mut Fields<'_, '_>) -> Option<PartyRow> {
    let document_number = f.text_req("nomor_dokumen");
    let name = f.text_req("nama_pihak");
    let kind = f.code_req("jenis_pihak", PartyKind::from_code);
    let region_code = f.code_text("kode_wilayah");
    let country_code = f.text("kode_negara");
    let party_document_number = f.text("nomor_dokumen_pihak").unwrap_or_default();
    let (Some(document_number), Some(name), Some(kind)) = (document_number, name, kind) else {
        return None;
    };
    f.ok().then_some(PartyRow {
        row: f.row,
        document_number,
        name,
        kind,
        region_code,
        country_code,
        party_document_number,
    })
}

fn indicator(f: &mut Fields<'_, '_>) -> Option<IndicatorRow> {
    let document_number = f.text_req("nomor_dokumen");
    let title = f.text_req("judul_indikator");
    let category = f.code_req("kategori", IndicatorCategory::from_code);
    let unit_of_measure = f.text_req("satuan");
    let beneficiary = f.code_req("penerima_manfaat", Beneficiary::from_code);
    let baseline = f.decimal_with("nilai_awal", false);
    let target_value = f.decimal_with("target", false);
    let target_date = f.date("tanggal_target");
    let higher_is_better = f.boolean("makin_tinggi_makin_baik").unwrap_or(true);
    let (
        Some(document_number),
        Some(title),
        Some(category),
        Some(unit_of_measure),
        Some(beneficiary),
    ) = (
        document_number,
        title,
        category,
        unit_of_measure,
        beneficiary,
    )
    else {
        return None;
    };
    f.ok().then_some(IndicatorRow {
        row: f.row,
        document_number,
        title,
        category,
        unit_of_measure,
        beneficiary,
        baseline,
        target_value,
        target_date,
        higher_is_better,
    })
}

fn realisation(f: &mut Fields<'_, '_>) -> Option<RealisationRow> {
    let document_number = f.text_req("nomor_dokumen");
    let indicator_title = f.text_req("judul_indikator");
    let period_start = f.date_req("periode_mulai");
    let period_end = f.date_req("periode_selesai");
    let value = f.decimal_with("nilai", true);
    let note = f.text("catatan").unwrap_or_default();
    let (
        Some(document_number),
        Some(indicator_title),
        Some(period_start),
        Some(period_end),
        Some(value),
    ) = (
        document_number,
        indicator_title,
        period_start,
        period_end,
        value,
    )
    else {
        return None;
    };
    f.ok().then_some(RealisationRow {
        row: f.row,
        document_number,
        indicator_title,
        period_start,
        period_end,
        value,
        note,
    })
}

fn report(f: &mut Fields<'_, '_>) -> Option<ReportRow> {
    let document_number = f.text_req("nomor_dokumen");
    let cycle_start = f.date_req("awal_siklus");
    let submitted_on = f.date("tanggal_disampaikan");
    let summary = f.text_req("ringkasan");
    // Bounded to 0..=100 by the catalogue, so it fits an i16.
    let progress_percent = f
        .integer("kemajuan_persen")
        .and_then(|p| i16::try_from(p).ok());
    let obstacles = f.text("kendala").unwrap_or_default();
    let follow_up = f.text("tindak_lanjut").unwrap_or_default();
    let (Some(document_number), Some(cycle_start), Some(summary)) =
        (document_number, cycle_start, summary)
    else {
        return None;
    };
    f.ok().then_some(ReportRow {
        row: f.row,
        document_number,
        cycle_start,
        submitted_on,
        summary,
        progress_percent,
        obstacles,
        follow_up,
    })
}

fn stage(f: &mut Fields<'_, '_>) -> Option<StageRow> {
    let document_number = f.text_req("nomor_dokumen");
    let stage = f.text_req("tahapan");
    let on = f.date_req("tanggal");
    let skip_reason = f.text("alasan_dilewati").filter(|r| !r.trim().is_empty());
    let (Some(document_number), Some(stage), Some(on)) = (document_number, stage, on) else {
        return None;
    };
    f.ok().then_some(StageRow {
        row: f.row,
        document_number,
        stage,
        on,
        skip_reason,
    })
}

// ---------------------------------------------------------------------------
// Headers

/// One header cell: its 0-based column, its text, whether it holds a formula,
/// and where it is, as the user would name it.
struct HeaderCell {
    col: u32,
    text: String,
    formula: bool,
    place: String,
}

/// Maps a header to catalogue columns: `map[physical column]` is the index
/// of the catalogue column, if any. `where_id`/`where_en` name the sheet or
/// file in messages.
fn map_header(
    kind: SheetKind,
    cells: &[HeaderCell],
    where_id: &str,
    where_en: &str,
) -> Result<Vec<Option<usize>>, Vec<Problem>> {
    let mut problems = Vec::new();
    let width = cells.iter().map(|c| c.col as usize + 1).max().unwrap_or(0);
    let mut map = vec![None; width];
    let mut first_place: Vec<Option<&str>> = vec![None; kind.columns().len()];
    for cell in cells {
        if cell.formula {
            problems.push(Problem::new(
                kind.name(),
                Some(1),
                None,
                &cell.text,
                format!(
                    "Sel judul {} di {where_id} berisi rumus; tulis judul kolom sebagai teks.",
                    cell.place
                ),
                format!(
                    "The header cell {} of {where_en} holds a formula; write the column header as text.",
                    cell.place
                ),
            ));
            continue;
        }
        let Some(index) = match_header(kind, &cell.text) else {
            continue;
        };
        let Some(column) = kind.columns().get(index) else {
            continue;
        };
        match first_place.get(index).copied().flatten() {
            Some(first) => problems.push(Problem::new(
                kind.name(),
                Some(1),
                Some(column.header.to_string()),
                &cell.text,
                format!(
                    "Kolom {} muncul dua kali di {where_id} ({first} dan {}); hapus salah satunya.",
                    quote(column.header),
                    cell.place
                ),
                format!(
                    "The column {} appears twice in {where_en} ({first} and {}); remove one.",
                    quote(column.header),
                    cell.place
                ),
            )),
            None => {
                if let Some(place) = first_place.get_mut(index) {
                    *place = Some(&cell.place);
                }
                if let Some(target) = map.get_mut(cell.col as usize) {
                    *target = Some(index);
                }
            }
        }
    }
    for (index, column) in kind.columns().iter().enumerate() {
        if column.required && first_place.get(index).copied().flatten().is_none() {
            problems.push(Problem::column(
                kind,
                column.key,
                format!(
                    "Kolom wajib {} tidak ada di baris judul (baris 1) {where_id}.",
                    quote(column.header)
                ),
                format!(
                    "The required column {} is missing from the header row (row 1) of {where_en}.",
                    quote(column.header)
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(map)
    } else {
        Err(problems)
    }
}

// ---------------------------------------------------------------------------
// XLSX

fn read_xlsx_guarded(file: &ImportFile<'_>) -> Collector {
    // calamine parses untrusted XML and ZIP data; whatever happens in there,
    // the user gets a problem, not a dropped connection.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut out = Collector::default();
        read_xlsx(file, &mut out);
        out
    }))
    .unwrap_or_else(|_| {
        let mut out = Collector::default();
        out.fatal
            .push(unreadable_workbook(file, "internal reader error"));
        out
    })
}

/// The problem a workbook past an expansion bound is refused with, naming the limit.
fn expansion_problem(file: &ImportFile<'_>, refusal: &expansion::Refusal) -> Problem {
    use expansion::Refusal;
    let name = file_label(file);
    let mb = |bytes: u64| bytes.div_ceil(1024 * 1024);
    match refusal {
        Refusal::Part {
            part,
            declared,
            limit,
        } => Problem::file(
            format!(
                "Bagian {part} dari berkas {name} berisi {} MB setelah dibuka; batas per bagian {} MB. Bagi data menjadi beberapa berkas.",
                format_count(mb(*declared)),
                format_count(mb(*limit))
            ),
            format!(
                "Part {part} of the file {name} holds {} MB once unpacked; the limit per part is {} MB. Split the data into several files.",
                format_count_en(mb(*declared)),
                format_count_en(mb(*limit))
            ),
        ),
        Refusal::Total { declared, limit } => Problem::file(
            format!(
                "Berkas {name} berisi {} MB setelah dibuka; untuk berkas sebesar ini batasnya {} MB ({}× ukuran berkas, paling sedikit {} MB, paling banyak {} MB). Bagi data menjadi beberapa berkas.",
                format_count(mb(*declared)),
                format_count(mb(*limit)),
                expansion::EXPANSION_RATIO,
                format_count(mb(expansion::EXPANSION_FLOOR)),
                format_count(mb(expansion::MAX_EXPANDED_BYTES))
            ),
            format!(
                "The file {name} holds {} MB once unpacked; for a file of its size the limit is {} MB ({}× the file's size, at least {} MB, at most {} MB). Split the data into several files.",
                format_count_en(mb(*declared)),
                format_count_en(mb(*limit)),
                expansion::EXPANSION_RATIO,
                format_count_en(mb(expansion::EXPANSION_FLOOR)),
                format_count_en(mb(expansion::MAX_EXPANDED_BYTES))
            ),
        ),
        Refusal::TooManyParts { parts } => Problem::file(
            format!(
                "Berkas {name} terdiri dari {} bagian; batasnya {}. Buka di Excel lalu simpan ulang sebagai .xlsx.",
                format_count(*parts as u64),
                format_count(expansion::MAX_PARTS as u64)
            ),
            format!(
                "The file {name} has {} parts; the limit is {}. Open it in Excel and save it again as .xlsx.",
                format_count_en(*parts as u64),
                format_count_en(expansion::MAX_PARTS as u64)
            ),
        ),
        Refusal::StringCount {
            part,
            claimed,
            bytes,
        } => Problem::file(
            format!(
                "Bagian {part} dari berkas {name} menyatakan {} teks, lebih dari yang dapat dimuat {} bita: berkas rusak atau dibuat untuk menyerang. Buka di Excel lalu simpan ulang sebagai .xlsx.",
                format_count(*claimed),
                format_count(*bytes)
            ),
            format!(
                "Part {part} of the file {name} claims {} strings, more than its {} bytes can hold: the file is damaged or crafted. Open it in Excel and save it again as .xlsx.",
                format_count_en(*claimed),
                format_count_en(*bytes)
            ),
        ),
    }
}

fn unreadable_workbook(file: &ImportFile<'_>, detail: &str) -> Problem {
    let name = file_label(file);
    Problem::file(
        format!(
            "Berkas {name} bukan buku kerja XLSX yang sah atau rusak: buka di Excel lalu simpan ulang sebagai .xlsx. (Rincian: {detail})"
        ),
        format!(
            "The file {name} is not a valid XLSX workbook or is damaged: open it in Excel and save it again as .xlsx. (Details: {detail})"
        ),
    )
}

fn sheet_unreadable(kind: SheetKind, detail: &XlsxError) -> Problem {
    Problem::sheet(
        kind,
        format!(
            "Lembar {} tidak dapat dibaca: buka di Excel lalu simpan ulang sebagai .xlsx. (Rincian: {detail})",
            kind.name()
        ),
        format!(
            "The sheet {} cannot be read: open the workbook in Excel and save it again as .xlsx. (Details: {detail})",
            kind.name()
        ),
    )
}

type Book<'a> = Xlsx<Cursor<&'a [u8]>>;

fn read_xlsx(file: &ImportFile<'_>, out: &mut Collector) {
    match zip::ZipArchive::new(Cursor::new(file.content)) {
        Err(e) => {
            out.fatal.push(unreadable_workbook(file, &e.to_string()));
            return;
        }
        Ok(mut archive) => {
            if let Err(refusal) = expansion::check(&mut archive, file.content.len() as u64) {
                out.fatal.push(expansion_problem(file, &refusal));
                return;
            }
        }
    }
    let mut book: Book<'_> = match Xlsx::new(Cursor::new(file.content)) {
        Ok(book) => book,
        Err(XlsxError::Password) => {
            let name = file_label(file);
            out.fatal.push(Problem::file(
                format!(
                    "Berkas {name} dilindungi kata sandi: simpan sebagai .xlsx tanpa kata sandi."
                ),
                format!(
                    "The file {name} is password-protected: save it as .xlsx without a password."
                ),
            ));
            return;
        }
        Err(e) => {
            out.fatal.push(unreadable_workbook(file, &e.to_string()));
            return;
        }
    };

    let mut found: [Option<String>; 6] = Default::default();
    let sheets: Vec<(String, SheetType)> = book
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.typ))
        .collect();
    for (name, typ) in &sheets {
        let Some(kind) = SheetKind::from_sheet_name(name) else {
            continue;
        };
        if let Some(first) = &found[index(kind)] {
            out.fatal.push(Problem::sheet(
                kind,
                format!(
                    "Buku kerja berisi dua lembar untuk {}: {} dan {}; hapus salah satunya.",
                    kind.name(),
                    quote(first),
                    quote(name)
                ),
                format!(
                    "The workbook has two sheets for {}: {} and {}; remove one.",
                    kind.name(),
                    quote(first),
                    quote(name)
                ),
            ));
        } else if *typ != SheetType::WorkSheet {
            out.fatal.push(Problem::sheet(
                kind,
                format!(
                    "Lembar {} bukan lembar kerja biasa (misalnya lembar grafik).",
                    quote(name)
                ),
                format!(
                    "The sheet {} is not a plain worksheet (a chart sheet, for example).",
                    quote(name)
                ),
            ));
        } else {
            found[index(kind)] = Some(name.clone());
        }
    }
    if found[index(SheetKind::Agreements)].is_none()
        && !out
            .fatal
            .iter()
            .any(|p| p.sheet == SheetKind::Agreements.name())
    {
        let expected: Vec<&str> = SheetKind::ALL.iter().map(|k| k.name()).collect();
        let present: Vec<String> = sheets.iter().map(|(n, _)| quote(n)).collect();
        let name = file_label(file);
        out.fatal.push(Problem::file(
            format!(
                "Buku kerja {name} tidak memiliki lembar Perjanjian (wajib). Nama lembar yang dikenali: {}. Lembar yang ada: {}.",
                expected.join(", "),
                present.join(", ")
            ),
            format!(
                "The workbook {name} has no Perjanjian (Agreements) sheet, which is required. Sheet names recognised: {}. Sheets present: {}.",
                expected.join(", "),
                present.join(", ")
            ),
        ));
    }
    if !out.fatal.is_empty() {
        return;
    }
    for kind in SheetKind::ALL {
        if let Some(name) = &found[index(kind)] {
            read_sheet(&mut book, kind, name, out);
        }
    }
}

fn range_name(d: &Dimensions) -> String {
    format!(
        "{}:{}",
        cell_name(d.start.0, d.start.1),
        cell_name(d.end.0, d.end.1)
    )
}

/// Merged regions of the data rows, and which of them cover a given row.
/// Rows must be asked for in ascending order.
struct Merges {
    /// (region, Indonesian header of its first catalogue column), by start row.
    regions: Vec<(Dimensions, &'static str)>,
    next: usize,
    active: Vec<(Dimensions, &'static str)>,
}

impl Merges {
    fn new(kind: SheetKind, all: &[Dimensions], map: &[Option<usize>]) -> Merges {
        let mut regions: Vec<(Dimensions, &'static str)> = all
            .iter()
            .filter_map(|d| {
                let first = (d.start.1..=d.end.1)
                    .find_map(|col| map.get(col as usize).copied().flatten())?;
                Some((*d, kind.columns().get(first)?.header))
            })
            .collect();
        regions.sort_by_key(|(d, _)| d.start.0);
        Merges {
            regions,
            next: 0,
            active: Vec::new(),
        }
    }

    fn problems(&mut self, kind: SheetKind, row0: u32) -> Vec<Problem> {
        while let Some(region) = self.regions.get(self.next) {
            if region.0.start.0 > row0 {
                break;
            }
            self.active.push(*region);
            self.next += 1;
        }
        self.active.retain(|(d, _)| d.end.0 >= row0);
        self.active
            .iter()
            .map(|(d, header)| {
                let range = range_name(d);
                Problem::new(
                    kind.name(),
                    Some(row0.saturating_add(1)),
                    Some((*header).to_string()),
                    "",
                    format!(
                        "Baris ini memuat sel yang digabung ({range}); pisahkan gabungan sel (Unmerge) dan isi setiap baris."
                    ),
                    format!(
                        "The row is part of merged cells ({range}); unmerge them and fill in every row."
                    ),
                )
            })
            .collect()
    }
}

fn read_sheet(book: &mut Book<'_>, kind: SheetKind, name: &str, out: &mut Collector) {
    let where_id = format!("lembar {}", kind.name());
    let where_en = format!("sheet {}", kind.name());
    let merges = match book.merge_cells_by_sheet_name(name) {
        Ok(merges) => merges,
        Err(e) => {
            out.fatal.push(sheet_unreadable(kind, &e));
            return;
        }
    };
    let header_merges: Vec<String> = merges
        .iter()
        .filter(|d| d.start.0 == 0)
        .map(range_name)
        .collect();
    if !header_merges.is_empty() {
        let ranges = header_merges.join(", ");
        out.fatal.push(Problem::new(
            kind.name(),
            Some(1),
            None,
            "",
            format!(
                "Baris judul {where_id} memuat sel yang digabung ({ranges}); pisahkan gabungan sel (Unmerge): satu judul per kolom."
            ),
            format!(
                "The header row of {where_en} has merged header cells ({ranges}); unmerge them: one header per column."
            ),
        ));
        return;
    }
    let mut reader = match book.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        Err(e) => {
            out.fatal.push(sheet_unreadable(kind, &e));
            return;
        }
    };
    let width = kind.columns().len();
    let mut header = Vec::new();
    let mut map: Option<Vec<Option<usize>>> = None;
    let mut data_merges: Option<Merges> = None;
    let mut current: Option<u32> = None;
    let mut slots: Vec<Slot<'_>> = vec![Slot::Blank; width];
    let out_of_order = |row0: u32| {
        Problem::sheet(
            kind,
            format!(
                "Baris {} {where_id} tersimpan tidak berurutan; buka di Excel lalu simpan ulang sebagai .xlsx.",
                u64::from(row0) + 1
            ),
            format!(
                "Row {} of {where_en} is stored out of order; open the workbook in Excel and save it again as .xlsx.",
                u64::from(row0) + 1
            ),
        )
    };
    loop {
        let record = match reader.next_cell_with_formula_metadata() {
            Ok(Some(record)) => record,
            Ok(None) => break,
            Err(e) => {
                out.fatal.push(sheet_unreadable(kind, &e));
                return;
            }
        };
        let (row0, col) = record.pos;
        if row0 == 0 {
            if current.is_some() {
                out.fatal.push(out_of_order(row0));
                return;
            }
            header.push(HeaderCell {
                col,
                text: Raw::from(record.value).display().trim().to_string(),
                formula: record.formula.is_some(),
                place: cell_name(row0, col),
            });
            continue;
        }
        if map.is_none() {
            match map_header(kind, &header, &where_id, &where_en) {
                Ok(built) => {
                    data_merges = Some(Merges::new(kind, &merges, &built));
                    map = Some(built);
                }
                Err(problems) => {
                    out.fatal.extend(problems);
                    return;
                }
            }
        }
        let Some(map) = &map else {
            continue;
        };
        if current != Some(row0) {
            if let Some(done) = current {
                if row0 < done {
                    out.fatal.push(out_of_order(row0));
                    return;
                }
                let extra = data_merges
                    .as_mut()
                    .map(|m| m.problems(kind, done))
                    .unwrap_or_default();
                if !out.row(kind, done.saturating_add(1), &slots, extra) {
                    return;
                }
                slots.fill(Slot::Blank);
            }
            current = Some(row0);
        }
        let Some(position) = map.get(col as usize).copied().flatten() else {
            continue;
        };
        if let Some(slot) = slots.get_mut(position) {
            *slot = match record.formula {
                Some(formula) => Slot::Formula(match formula {
                    calamine::XlsxFormulaMetadata::Normal { formula }
                    | calamine::XlsxFormulaMetadata::Shared { formula, .. } => Some(formula),
                    _ => None,
                }),
                None => Slot::Value(Raw::from(record.value)),
            };
        }
    }
    if map.is_none() {
        // No data rows: the header must still be complete.
        if let Err(problems) = map_header(kind, &header, &where_id, &where_en) {
            out.fatal.extend(problems);
        }
        return;
    }
    if let Some(done) = current {
        let extra = data_merges
            .as_mut()
            .map(|m| m.problems(kind, done))
            .unwrap_or_default();
        out.row(kind, done.saturating_add(1), &slots, extra);
    }
}

// ---------------------------------------------------------------------------
// CSV

/// Comma or semicolon: whichever occurs more often, outside quotes, in the
/// header line (comma on a tie).
fn sniff_delimiter(text: &str) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0usize, 0usize, false);
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' | '\r' if !quoted => break,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(text))
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

fn csv_error(file: &ImportFile<'_>, e: &csv::Error) -> Problem {
    let name = file_label(file);
    let line = e.position().map(|p| p.line()).unwrap_or(0);
    Problem::file(
        format!(
            "Berkas CSV {name} tidak dapat dibaca di sekitar baris {}: {e}",
            format_count(line)
        ),
        format!(
            "The CSV file {name} cannot be read near line {}: {e}",
            format_count_en(line)
        ),
    )
}

/// Which sheet a CSV file is for, from its header, and its column map.
fn csv_sheet(
    file: &ImportFile<'_>,
    text: &str,
) -> Result<(SheetKind, Vec<Option<usize>>), Vec<Problem>> {
    let name = file_label(file);
    let mut reader = csv_reader(text);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => {
            return Err(vec![Problem::file(
                format!("Berkas {name} kosong: baris pertama harus berisi judul kolom."),
                format!("The file {name} is empty: the first line must hold the column headers."),
            )]);
        }
        Err(e) => return Err(vec![csv_error(file, &e)]),
    }
    let header: Vec<HeaderCell> = (0u32..)
        .zip(record.iter())
        .map(|(col, text)| HeaderCell {
            col,
            text: text.trim().to_string(),
            formula: false,
            place: format!("#{}", u64::from(col) + 1),
        })
        .collect();
    // For each sheet: how many of its columns the header names, and which
    // required ones it lacks.
    let fits: Vec<(SheetKind, usize, Vec<&'static str>)> = SheetKind::ALL
        .iter()
        .map(|&kind| {
            let matched: Vec<usize> = header
                .iter()
                .filter_map(|h| match_header(kind, &h.text))
                .collect();
            let missing = kind
                .columns()
                .iter()
                .enumerate()
                .filter(|(i, c)| c.required && !matched.contains(i))
                .map(|(_, c)| c.header)
                .collect();
            (kind, matched.len(), missing)
        })
        .collect();
    let complete: Vec<SheetKind> = fits
        .iter()
        .filter(|(_, _, missing)| missing.is_empty())
        .map(|(kind, ..)| *kind)
        .collect();
    match complete.as_slice() {
        [kind] => {
            let where_id = format!("berkas {name}");
            let where_en = format!("the file {name}");
            map_header(*kind, &header, &where_id, &where_en).map(|map| (*kind, map))
        }
        [] => {
            let best = fits
                .iter()
                .filter(|(_, matched, _)| *matched > 0)
                .max_by_key(|(kind, matched, _)| (*matched, std::cmp::Reverse(index(*kind))));
            Err(vec![match best {
                Some((kind, _, missing)) => {
                    let missing: Vec<String> = missing.iter().map(|h| quote(h)).collect();
                    Problem::file(
                        format!(
                            "Baris judul berkas {name} tidak cocok dengan lembar mana pun. Paling mirip lembar {}, tetapi kolom wajib ini tidak ada: {}.",
                            kind.name(),
                            missing.join(", ")
                        ),
                        format!(
                            "The header line of the file {name} matches no sheet. It is closest to the sheet {}, but lacks these required columns: {}.",
                            kind.name(),
                            missing.join(", ")
                        ),
                    )
                }
                None => Problem::file(
                    format!(
                        "Baris pertama berkas {name} tidak berisi satu pun judul kolom yang dikenal (misalnya Nomor Dokumen); pisahkan kolom dengan koma atau titik koma."
                    ),
                    format!(
                        "The first line of the file {name} holds no known column header (such as Nomor Dokumen); separate columns with commas or semicolons."
                    ),
                ),
            }])
        }
        several => {
            let names: Vec<&str> = several.iter().map(|k| k.name()).collect();
            Err(vec![Problem::file(
                format!(
                    "Baris judul berkas {name} cocok dengan beberapa lembar ({}); satu berkas CSV hanya untuk satu lembar.",
                    names.join(", ")
                ),
                format!(
                    "The header line of the file {name} fits several sheets ({}); one CSV file is for one sheet only.",
                    names.join(", ")
                ),
            )])
        }
    }
}

fn read_csv_files(files: &[(ImportFile<'_>, &str)], out: &mut Collector) {
    let mut plans: Vec<(SheetKind, Vec<Option<usize>>, &ImportFile<'_>, &str)> = Vec::new();
    for (file, text) in files {
        match csv_sheet(file, text) {
            Ok((kind, map)) => {
                if let Some((_, _, first, _)) = plans.iter().find(|(k, ..)| *k == kind) {
                    out.fatal.push(Problem::sheet(
                        kind,
                        format!(
                            "Dua berkas CSV untuk lembar {}: {} dan {}; gabungkan menjadi satu berkas.",
                            kind.name(),
                            file_label(first),
                            file_label(file)
                        ),
                        format!(
                            "Two CSV files for the sheet {}: {} and {}; merge them into one file.",
                            kind.name(),
                            file_label(first),
                            file_label(file)
                        ),
                    ));
                } else {
                    plans.push((kind, map, file, text));
                }
            }
            Err(problems) => out.fatal.extend(problems),
        }
    }
    if !out.fatal.is_empty() {
        return;
    }
    plans.sort_by_key(|(kind, ..)| index(*kind));
    for (kind, map, file, text) in plans {
        read_csv_rows(kind, &map, file, text, out);
    }
}

fn read_csv_rows(
    kind: SheetKind,
    map: &[Option<usize>],
    file: &ImportFile<'_>,
    text: &str,
    out: &mut Collector,
) {
    let mut reader = csv_reader(text);
    let mut record = csv::StringRecord::new();
    let mut first = true;
    let bytes = text.as_bytes();
    let (mut counted_to, mut counted_to_line) = (0usize, 0usize);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                out.fatal.push(csv_error(file, &e));
                return;
            }
        }
        if first {
            first = false;
            continue;
        }
        // The record's first line, counted from its byte offset: with CRLF
        // line ends the csv crate's own line counter lags one line behind
        // (the LF of the previous line is read as the record's first byte).
        let byte = record
            .position()
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
            .min(bytes.len());
        if byte >= counted_to {
            counted_to_line += bytes[counted_to..byte]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            counted_to = byte;
        }
        let mut line = counted_to_line + 1;
        if bytes.get(byte) == Some(&b'\n') {
            line += 1;
        }
        let row = u32::try_from(line).unwrap_or(u32::MAX);
        let mut slots = vec![Slot::Blank; kind.columns().len()];
        for (field, target) in record.iter().zip(map) {
            if let Some(slot) = target.and_then(|i| slots.get_mut(i)) {
                *slot = Slot::Value(Raw::Text(field.into()));
            }
        }
        if !out.row(kind, row, &slots, Vec::new()) {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};
    use std::str::FromStr;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dec(s: &str) -> BigDecimal {
        BigDecimal::from_str(s).unwrap()
    }

    fn one(name: &str, content: &[u8]) -> Result<ParsedImport, Vec<Problem>> {
        read(&[ImportFile { name, content }])
    }

    /// Writes a header row of the catalogue's Indonesian headers.
    fn headers(sheet: &mut Worksheet, kind: SheetKind) {
        for (col, column) in (0u16..).zip(kind.columns()) {
            sheet.write_string(0, col, column.header).unwrap();
        }
    }

    fn col(kind: SheetKind, key: &str) -> u16 {
        kind.columns().iter().position(|c| c.key == key).unwrap() as u16
    }

    fn date_cell(sheet: &mut Worksheet, row: u32, col: u16, y: u16, m: u8, day: u8) {
        let format = Format::new().set_num_format("dd/mm/yyyy");
        let date = ExcelDateTime::from_ymd(y, m, day).unwrap();
        sheet
            .write_date_with_format(row, col, date, &format)
            .unwrap();
    }

    /// A workbook with `build` run on an agreements sheet with headers.
    fn agreements_book(build: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Perjanjian").unwrap();
        headers(sheet, SheetKind::Agreements);
        build(sheet);
        book.save_to_buffer().unwrap()
    }

    fn fill_agreement(sheet: &mut Worksheet, row: u32, number: &str) {
        let a = SheetKind::Agreements;
        sheet
            .write_string(row, col(a, "nomor_dokumen"), number)
            .unwrap();
        sheet.write_string(row, col(a, "judul"), "Judul").unwrap();
        sheet
            .write_string(row, col(a, "jenis_kerja_sama"), "KSDD")
            .unwrap();
        sheet
            .write_string(row, col(a, "jenis_dokumen"), "KSB")
            .unwrap();
        sheet
            .write_string(row, col(a, "kode_opd"), "1.02.01")
            .unwrap();
        sheet.write_string(row, col(a, "urusan"), "HEALTH").unwrap();
    }

    fn messages(problems: &[Problem]) -> String {
        problems
            .iter()
            .map(|p| format!("{} | {}", p.message_id, p.message_en))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_full_workbook_reads_into_typed_rows() {
        let mut book = Workbook::new();
        // Ignored sheets, before and after.
        book.add_worksheet()
            .set_name("Petunjuk")
            .unwrap()
            .write_string(0, 0, "bebas")
            .unwrap();

        let a = SheetKind::Agreements;
        let sheet = book.add_worksheet();
        sheet.set_name("Perjanjian").unwrap();
        headers(sheet, a);
        sheet.write_string(0, 20, "Catatan Internal").unwrap();
        fill_agreement(sheet, 1, "  119/KSB/2025 ");
        sheet
            .write_string(1, col(a, "jenis_kerja_sama"), " ksdd")
            .unwrap();
        sheet
            .write_string(1, col(a, "dasar_ksdd"), "voluntary")
            .unwrap();
        sheet
            .write_string(1, col(a, "tujuan"), "Layanan kesehatan")
            .unwrap();
        date_cell(sheet, 1, col(a, "tanggal_tanda_tangan"), 2025, 3, 14);
        sheet
            .write_string(1, col(a, "berlaku_mulai"), "2025-03-15")
            .unwrap();
        sheet
            .write_string(1, col(a, "berlaku_sampai"), "14/3/2030")
            .unwrap();
        sheet
            .write_string(1, col(a, "perlu_persetujuan_dprd"), "Tidak")
            .unwrap();
        sheet
            .write_string(1, col(a, "anggaran_rp"), "Rp 1.250.000.000")
            .unwrap();
        sheet
            .write_string(1, col(a, "siklus_laporan"), "semester")
            .unwrap();
        sheet
            .write_boolean(1, col(a, "terbuka_penuh"), true)
            .unwrap();
        sheet.write_formula(1, 20, Formula::new("=1+1")).unwrap();
        // Row 3 blank, row 4 a PKS with numbers as cells.
        fill_agreement(sheet, 3, "7/PKS/2025");
        sheet
            .write_string(3, col(a, "jenis_dokumen"), "pks")
            .unwrap();
        sheet
            .write_string(3, col(a, "nomor_dokumen_induk"), "119/KSB/2025")
            .unwrap();
        sheet
            .write_number(3, col(a, "anggaran_rp"), 1_500_000_000_000.0)
            .unwrap();
        sheet.write_string(3, col(a, "terbuka_penuh"), "").unwrap();

        let p = SheetKind::Parties;
        let sheet = book.add_worksheet();
        sheet.set_name("Pihak").unwrap();
        headers(sheet, p);
        sheet.write_string(1, 0, "119/KSB/2025").unwrap();
        sheet
            .write_string(1, 1, "Pemerintah Kota Tangerang")
            .unwrap();
        sheet.write_string(1, 2, "city_government").unwrap();
        sheet.write_string(1, 3, "36.71").unwrap();
        sheet.write_string(1, 5, "B/12/KOTA").unwrap();

        let i = SheetKind::Indicators;
        let sheet = book.add_worksheet();
        sheet.set_name("indikator").unwrap();
        headers(sheet, i);
        let row = [
            "119/KSB/2025",
            "PAD retribusi",
            "REVENUE",
            "IDR",
            "REGION",
            "1.250,5",
            "",
            "31/12/2026",
            "tidak",
        ];
        for (c, v) in (0u16..).zip(row) {
            sheet.write_string(1, c, v).unwrap();
        }
        sheet.write_number(1, col(i, "target"), 0.1).unwrap();
        sheet.write_string(2, 0, "119/KSB/2025").unwrap();
        sheet.write_string(2, 1, "Pasien terlayani").unwrap();
        sheet.write_string(2, 2, "SERVICE_REACH").unwrap();
        sheet.write_string(2, 3, "PERSON").unwrap();
        sheet.write_string(2, 4, "both").unwrap();

        let r = SheetKind::Realisations;
        let sheet = book.add_worksheet();
        sheet.set_name("Realisasi").unwrap();
        headers(sheet, r);
        sheet.write_string(1, 0, "119/KSB/2025").unwrap();
        sheet.write_string(1, 1, "PAD retribusi").unwrap();
        date_cell(sheet, 1, 2, 2025, 4, 1);
        date_cell(sheet, 1, 3, 2025, 6, 30);
        sheet.write_number(1, 4, 1_250_000.25).unwrap();
        sheet.write_string(1, 5, "Triwulan II").unwrap();

        let l = SheetKind::Reports;
        let sheet = book.add_worksheet();
        sheet.set_name("Laporan Pelaksanaan").unwrap();
        headers(sheet, l);
        sheet.write_string(1, 0, "119/KSB/2025").unwrap();
        sheet.write_string(1, 1, "01/04/2025").unwrap();
        date_cell(sheet, 1, 2, 2025, 7, 10);
        sheet.write_string(1, 3, "Berjalan baik").unwrap();
        sheet.write_number(1, 4, 75.0).unwrap();
        sheet.write_string(1, 6, "Lanjutkan").unwrap();
        book.add_worksheet().set_name("Kode").unwrap();
        let bytes = book.save_to_buffer().unwrap();

        let parsed = one("register.xlsx", &bytes).unwrap();
        assert!(parsed.problems.is_empty(), "{}", messages(&parsed.problems));
        assert_eq!(parsed.rows_read, 2 + 1 + 2 + 1 + 1);
        assert_eq!(
            parsed.agreements,
            vec![
                AgreementRow {
                    row: 2,
                    document_number: "119/KSB/2025".into(),
                    title: "Judul".into(),
                    cooperation_type: CooperationType::Ksdd,
                    document_kind: DocumentKind::Ksb,
                    parent_document_number: None,
                    unit_code: "1.02.01".into(),
                    sector: "HEALTH".into(),
                    ksdd_basis: Some(KsddBasis::Voluntary),
                    objective: "Layanan kesehatan".into(),
                    signed_on: Some(d(2025, 3, 14)),
                    effective_from: Some(d(2025, 3, 15)),
                    effective_until: Some(d(2030, 3, 14)),
                    dprd_approval_required: Some(false),
                    budget_idr: Some(1_250_000_000),
                    reporting_cycle: Some(ReportingCycle::Semester),
                    public_in_full: Some(true),
                    reports_owed_from: None,
                },
                AgreementRow {
                    row: 4,
                    document_number: "7/PKS/2025".into(),
                    title: "Judul".into(),
                    cooperation_type: CooperationType::Ksdd,
                    document_kind: DocumentKind::Pks,
                    parent_document_number: Some("119/KSB/2025".into()),
                    unit_code: "1.02.01".into(),
                    sector: "HEALTH".into(),
                    ksdd_basis: None,
                    objective: String::new(),
                    signed_on: None,
                    effective_from: None,
                    effective_until: None,
                    dprd_approval_required: None,
                    budget_idr: Some(1_500_000_000_000),
                    reporting_cycle: None,
                    public_in_full: None,
                    reports_owed_from: None,
                },
            ]
        );
        assert_eq!(
            parsed.parties,
            vec![PartyRow {
                row: 2,
                document_number: "119/KSB/2025".into(),
                name: "Pemerintah Kota Tangerang".into(),
                kind: PartyKind::CityGovernment,
                region_code: Some("36.71".into()),
                country_code: None,
                party_document_number: "B/12/KOTA".into(),
            }]
        );
        assert_eq!(
            parsed.indicators,
            vec![
                IndicatorRow {
                    row: 2,
                    document_number: "119/KSB/2025".into(),
                    title: "PAD retribusi".into(),
                    category: IndicatorCategory::Revenue,
                    unit_of_measure: "IDR".into(),
                    beneficiary: Beneficiary::Region,
                    baseline: Some(dec("1250.5")),
                    target_value: Some(dec("0.1")),
                    target_date: Some(d(2026, 12, 31)),
                    higher_is_better: false,
                },
                IndicatorRow {
                    row: 3,
                    document_number: "119/KSB/2025".into(),
                    title: "Pasien terlayani".into(),
                    category: IndicatorCategory::ServiceReach,
                    unit_of_measure: "PERSON".into(),
                    beneficiary: Beneficiary::Both,
                    baseline: None,
                    target_value: None,
                    target_date: None,
                    higher_is_better: true,
                },
            ]
        );
        assert_eq!(
            parsed.realisations,
            vec![RealisationRow {
                row: 2,
                document_number: "119/KSB/2025".into(),
                indicator_title: "PAD retribusi".into(),
                period_start: d(2025, 4, 1),
                period_end: d(2025, 6, 30),
                value: dec("1250000.25"),
                note: "Triwulan II".into(),
            }]
        );
        assert_eq!(
            parsed.reports,
            vec![ReportRow {
                row: 2,
                document_number: "119/KSB/2025".into(),
                cycle_start: d(2025, 4, 1),
                submitted_on: Some(d(2025, 7, 10)),
                summary: "Berjalan baik".into(),
                progress_percent: Some(75),
                obstacles: String::new(),
                follow_up: "Lanjutkan".into(),
            }]
        );
    }

    #[test]
    fn bad_cells_leave_their_rows_out_with_one_problem_each() {
        let a = SheetKind::Agreements;
        let bytes = agreements_book(|sheet| {
            fill_agreement(sheet, 1, "A/1");
            sheet
                .write_string(1, col(a, "tanggal_tanda_tangan"), "besok")
                .unwrap();
            sheet
                .write_string(1, col(a, "jenis_dokumen"), "MOU")
                .unwrap();
            fill_agreement(sheet, 2, "A/2");
            sheet
                .write_number(2, col(a, "berlaku_mulai"), 45_000.0)
                .unwrap();
            sheet
                .write_formula(2, col(a, "anggaran_rp"), Formula::new("=2*3"))
                .unwrap();
            fill_agreement(sheet, 3, "A/3");
            sheet.write_string(3, col(a, "judul"), "  ").unwrap();
            fill_agreement(sheet, 4, "A/4");
        });
        let parsed = one("a.xlsx", &bytes).unwrap();
        assert_eq!(parsed.rows_read, 4);
        assert_eq!(parsed.agreements.len(), 1);
        assert_eq!(parsed.agreements[0].row, 5);
        let got: Vec<(Option<u32>, Option<&str>, &str)> = parsed
            .problems
            .iter()
            .map(|p| (p.row, p.column.as_deref(), p.value.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(2), Some("Jenis Dokumen"), "MOU"),
                (Some(2), Some("Tanggal Tanda Tangan"), "besok"),
                (Some(3), Some("Berlaku Mulai"), "45000"),
                (Some(3), Some("Anggaran (Rp)"), "=2*3"),
                (Some(4), Some("Judul"), ""),
            ],
            "{}",
            messages(&parsed.problems)
        );
        let text = messages(&parsed.problems);
        assert!(text.contains("“besok” bukan tanggal"), "{text}");
        assert!(text.contains("“besok” is not a date"), "{text}");
        assert!(text.contains("paste values only"), "{text}");
        assert!(
            text.contains("LOI, KSB, PKS, ADDENDUM, NOTA_KESEPAKATAN"),
            "{text}"
        );
        assert!(parsed.problems.iter().all(|p| p.sheet == "Perjanjian"));
    }

    #[test]
    fn region_codes_must_be_text() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Perjanjian").unwrap();
        headers(sheet, SheetKind::Agreements);
        let sheet = book.add_worksheet();
        sheet.set_name("Parties").unwrap();
        sheet.write_string(0, 0, "document number").unwrap();
        sheet.write_string(0, 1, "Party Name").unwrap();
        sheet.write_string(0, 2, "jenis_pihak").unwrap();
        sheet.write_string(0, 3, "Kode Wilayah").unwrap();
        sheet.write_string(1, 0, "X").unwrap();
        sheet.write_string(1, 1, "Kab. Majalengka").unwrap();
        sheet.write_string(1, 2, "REGENCY_GOVERNMENT").unwrap();
        sheet.write_number(1, 3, 32.1).unwrap();
        let parsed = one("p.xlsx", &book.save_to_buffer().unwrap()).unwrap();
        assert!(parsed.parties.is_empty());
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].sheet, "Pihak");
        assert!(parsed.problems[0].message_en.contains("as text"));
    }

    #[test]
    fn merged_cells() {
        let format = Format::new();
        let header = agreements_book(|sheet| {
            sheet
                .merge_range(0, 0, 0, 1, "Nomor Dokumen", &format)
                .unwrap();
        });
        let problems = one("h.xlsx", &header).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .message_en
                .contains("merged header cells (A1:B1)"),
            "{}",
            messages(&problems)
        );

        let a = SheetKind::Agreements;
        let data = agreements_book(|sheet| {
            fill_agreement(sheet, 1, "A/1");
            fill_agreement(sheet, 2, "A/2");
            sheet
                .merge_range(1, col(a, "urusan"), 2, col(a, "urusan"), "HEALTH", &format)
                .unwrap();
            fill_agreement(sheet, 3, "A/3");
            // Merges under unknown headers do not matter.
            sheet.merge_range(1, 30, 3, 31, "x", &format).unwrap();
        });
        let parsed = one("d.xlsx", &data).unwrap();
        assert_eq!(parsed.agreements.len(), 1, "{}", messages(&parsed.problems));
        assert_eq!(parsed.agreements[0].row, 4);
        let rows: Vec<Option<u32>> = parsed.problems.iter().map(|p| p.row).collect();
        // Row 3's own cell under the merge is empty, hence also required.
        assert_eq!(rows, vec![Some(2), Some(3), Some(3)]);
        assert!(parsed.problems[2].message_en.contains("required"));
        assert!(
            parsed.problems[0]
                .message_en
                .contains("merged cells (G2:G3)")
        );
        assert_eq!(parsed.problems[0].column.as_deref(), Some("Urusan"));
    }

    #[test]
    fn sheet_level_problems_stop_the_file() {
        // No Perjanjian sheet.
        let mut book = Workbook::new();
        book.add_worksheet().set_name("Data").unwrap();
        let problems = one("x.xlsx", &book.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(problems.len(), 1);
        let text = messages(&problems);
        assert!(
            text.contains("Perjanjian, Pihak, Indikator, Realisasi, Laporan Pelaksanaan"),
            "{text}"
        );
        assert!(text.contains("“Data”"), "{text}");

        // A required column missing, and a duplicate column.
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("Perjanjian").unwrap();
        headers(sheet, SheetKind::Agreements);
        sheet
            .write_string(0, col(SheetKind::Agreements, "urusan"), "Sektor")
            .unwrap();
        sheet.write_string(0, 17, "judul").unwrap();
        let problems = one("x.xlsx", &book.save_to_buffer().unwrap()).unwrap_err();
        let text = messages(&problems);
        assert_eq!(problems.len(), 2, "{text}");
        assert!(
            text.contains("“Judul” appears twice in sheet Perjanjian (B1 and R1)"),
            "{text}"
        );
        assert!(
            text.contains("required column “Urusan” is missing"),
            "{text}"
        );
        assert_eq!(problems[1].column.as_deref(), Some("Urusan"));

        // A formula in the header.
        let bytes = agreements_book(|sheet| {
            sheet.write_formula(0, 20, Formula::new("=\"x\"")).unwrap();
        });
        let text = messages(&one("x.xlsx", &bytes).unwrap_err());
        assert!(text.contains("header cell U1"), "{text}");
    }

    #[test]
    fn broken_files_get_a_clear_problem() {
        let mut noise = Vec::new();
        let mut state: u32 = 12345;
        for _ in 0..4096 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            noise.push((state >> 16) as u8);
        }
        noise[0] = 0;
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("noise.bin", noise.clone(), "neither an XLSX"),
            ("empty.csv", Vec::new(), "is empty"),
            (
                "secret.xlsx",
                [OLE2_MAGIC, &noise[..]].concat(),
                "password-protected (encrypted) workbook or an old .xls",
            ),
            (
                "zip.xlsx",
                [ZIP_MAGIC, &noise[..]].concat(),
                "not a valid XLSX",
            ),
            (
                "latin1.csv",
                b"Nomor Dokumen;Judul\nA;Caf\xe9\n".to_vec(),
                "save it again as \"CSV UTF-8\"",
            ),
            ("utf16.csv", vec![0xFF, 0xFE, b'N', 0], "UTF-16"),
            (
                "blank.csv",
                b"\n\n".to_vec(),
                "is empty: the first line must hold",
            ),
        ];
        for (name, content, expected) in cases {
            let problems = one(name, &content).unwrap_err();
            let text = messages(&problems);
            assert!(text.contains(expected), "{name}: {text}");
            assert!(problems.iter().all(|p| !p.message_id.is_empty()));
        }

        // A real ZIP that is no workbook, and a workbook cut short.
        let mut zipped = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(Cursor::new(&mut zipped));
            writer
                .start_file("readme.txt", zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(&mut writer, b"hello").unwrap();
            writer.finish().unwrap();
        }
        assert!(messages(&one("z.xlsx", &zipped).unwrap_err()).contains("not a valid XLSX"));
        let good = agreements_book(|sheet| fill_agreement(sheet, 1, "A/1"));
        for cut in [10, good.len() / 3, good.len() / 2, good.len() - 30] {
            let problems = one("cut.xlsx", &good[..cut]).unwrap_err();
            assert!(!problems.is_empty());
        }

        let too_big = vec![b'a'; MAX_FILE_BYTES + 1];
        let text = messages(&one("big.csv", &too_big).unwrap_err());
        assert!(text.contains("batas 32 MB"), "{text}");
        assert!(read(&[]).is_err());

        // A workbook and a CSV together.
        let csv = b"Nomor Dokumen,Nama Pihak,Jenis Pihak\n";
        let problems = read(&[
            ImportFile {
                name: "a.xlsx",
                content: &good,
            },
            ImportFile {
                name: "p.csv",
                content: csv,
            },
        ])
        .unwrap_err();
        assert!(messages(&problems).contains("not both"));
    }

    #[test]
    fn csv_with_semicolons_bom_and_multiline_fields() {
        let agreements = "\u{feff}Nomor Dokumen;Judul;Jenis Kerja Sama;Jenis Dokumen;Kode OPD;Urusan;Tujuan;Anggaran (Rp);Berlaku Mulai\n\
             A/1;\"Kerja sama; bidang kesehatan\";KSDPK;PKS;1.02.01;HEALTH;\"baris satu\nbaris dua\";1.250.000,00;31/01/2026\n\
             ;;;;;;;;\n\
             A/2;Judul dua;SINERGI;NOTA_KESEPAKATAN;1.02.01;HEALTH;;;2026-02-01\n";
        let reports = "nomor_dokumen,awal_siklus,ringkasan,kemajuan_persen\nA/1,2026-01-01,\"Ringkas, jelas\",101\nA/2,2026-01-01,Oke,\n";
        let parsed = read(&[
            ImportFile {
                name: "laporan.csv",
                content: reports.as_bytes(),
            },
            ImportFile {
                name: "perjanjian.csv",
                content: agreements.as_bytes(),
            },
        ])
        .unwrap();
        assert_eq!(parsed.rows_read, 4);
        assert_eq!(parsed.agreements.len(), 2);
        let first = &parsed.agreements[0];
        assert_eq!(first.row, 2);
        assert_eq!(first.title, "Kerja sama; bidang kesehatan");
        assert_eq!(first.objective, "baris satu\nbaris dua");
        assert_eq!(first.budget_idr, Some(1_250_000));
        assert_eq!(first.effective_from, Some(d(2026, 1, 31)));
        assert_eq!(first.document_kind, DocumentKind::Pks);
        // The multi-line record spans lines 2-3; the blank record is line 4.
        assert_eq!(parsed.agreements[1].row, 5);
        assert_eq!(parsed.reports.len(), 1);
        assert_eq!(parsed.reports[0].row, 3);
        assert_eq!(parsed.problems.len(), 1);
        let p = &parsed.problems[0];
        assert_eq!(
            (
                p.sheet.as_str(),
                p.row,
                p.column.as_deref(),
                p.value.as_str()
            ),
            ("Laporan Pelaksanaan", Some(2), Some("Kemajuan (%)"), "101")
        );
    }

    #[test]
    fn csv_files_must_name_one_sheet_each() {
        let parties = b"Nomor Dokumen,Nama Pihak,Jenis Pihak\nA,B,UNIVERSITY\n";
        let problems = read(&[
            ImportFile {
                name: "p1.csv",
                content: parties,
            },
            ImportFile {
                name: "p2.csv",
                content: parties,
            },
        ])
        .unwrap_err();
        let text = messages(&problems);
        assert!(
            text.contains("Two CSV files for the sheet Pihak: “p1.csv” and “p2.csv”"),
            "{text}"
        );

        let problems = one("x.csv", b"Nomor Dokumen,Nama Pihak\nA,B\n").unwrap_err();
        let text = messages(&problems);
        assert!(
            text.contains("“x.csv”") && text.contains("closest to the sheet Pihak"),
            "{text}"
        );
        assert!(text.contains("“Jenis Pihak”"), "{text}");

        let problems = one("tab.csv", b"Nomor Dokumen\tJudul\n").unwrap_err();
        assert!(messages(&problems).contains("no known column header"));

        let both = "Nomor Dokumen,Judul Indikator,Kategori,Satuan,Penerima Manfaat,Periode Mulai,Periode Selesai,Nilai\n";
        let text = messages(&one("both.csv", both.as_bytes()).unwrap_err());
        assert!(
            text.contains("fits several sheets (Indikator, Realisasi)"),
            "{text}"
        );

        // Only a parties file: fine (no Perjanjian required for CSV).
        let parsed = one("p.csv", parties).unwrap();
        assert_eq!(parsed.parties.len(), 1);
    }

    #[test]
    fn the_row_limit_stops_the_sheet() {
        let mut text = String::from("Nomor Dokumen;Nama Pihak;Jenis Pihak\n");
        for i in 0..=MAX_ROWS_PER_SHEET {
            text.push_str(&format!("A/{i};Mitra;UNIVERSITY\n"));
        }
        let problems = one("banyak.csv", text.as_bytes()).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].message_id.contains("lebih dari 200.000 baris"),
            "{}",
            messages(&problems)
        );

        let mut text = String::from("Nomor Dokumen;Nama Pihak;Jenis Pihak\n");
        for i in 0..MAX_ROWS_PER_SHEET {
            text.push_str(&format!("A/{i};Mitra;UNIVERSITY\n"));
        }
        text.push_str(";;\n;;\n");
        assert_eq!(
            one("pas.csv", text.as_bytes()).unwrap().parties.len(),
            MAX_ROWS_PER_SHEET as usize
        );
    }

    #[test]
    fn problems_beyond_the_cap_are_counted() {
        let mut text = String::from("Nomor Dokumen,Nama Pihak,Jenis Pihak\n");
        for _ in 0..(MAX_PROBLEMS + 5) {
            text.push_str("A,B,NOPE\n");
        }
        let parsed = one("p.csv", text.as_bytes()).unwrap();
        assert_eq!(parsed.problems.len(), MAX_PROBLEMS);
        assert_eq!(parsed.problems_not_listed, 5);
        assert!(parsed.parties.is_empty());
    }
}
