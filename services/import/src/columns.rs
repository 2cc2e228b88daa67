//! The one catalogue of import sheets and their columns. The reader matches
//! headers against it, the template writes it, and the problem report names
//! columns by its Indonesian headers.
//!
//! A header matches a column when, compared case-insensitively with runs of
//! whitespace and underscores read as one space and the ends trimmed, it equals
//! the Indonesian header, the English header or the machine key.

use kerjasama_core::codes::{
    Beneficiary, CooperationType, DocumentKind, IndicatorCategory, KsddBasis, PartyKind,
    ReportingCycle,
};

/// One record kind of the import, one sheet of the workbook (or one CSV file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SheetKind {
    Agreements,
    Parties,
    Indicators,
    Realisations,
    Reports,
    /// What the bureau's file says of each agreement's procedure stages.
    Stages,
}

impl SheetKind {
    /// Catalogue order: the order of the template's sheets and of reading.
    pub const ALL: [SheetKind; 6] = [
        SheetKind::Agreements,
        SheetKind::Parties,
        SheetKind::Indicators,
        SheetKind::Realisations,
        SheetKind::Reports,
        SheetKind::Stages,
    ];

    /// The Indonesian sheet name (what the template writes).
    pub fn name(self) -> &'static str {
        match self {
            SheetKind::Agreements => "Perjanjian",
            SheetKind::Parties => "Pihak",
            SheetKind::Indicators => "Indikator",
            SheetKind::Realisations => "Realisasi",
            SheetKind::Reports => "Laporan Pelaksanaan",
            SheetKind::Stages => "Tahapan",
        }
    }

    /// The English sheet name (also accepted as a sheet name when reading).
    pub fn name_en(self) -> &'static str {
        match self {
            SheetKind::Agreements => "Agreements",
            SheetKind::Parties => "Parties",
            SheetKind::Indicators => "Indicators",
            SheetKind::Realisations => "Realisations",
            SheetKind::Reports => "Implementation reports",
            SheetKind::Stages => "Stages",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            SheetKind::Agreements => &AGREEMENT_COLUMNS,
            SheetKind::Parties => &PARTY_COLUMNS,
            SheetKind::Indicators => &INDICATOR_COLUMNS,
            SheetKind::Realisations => &REALISATION_COLUMNS,
            SheetKind::Reports => &REPORT_COLUMNS,
            SheetKind::Stages => &STAGE_COLUMNS,
        }
    }

    /// The column with this machine key.
    pub fn column(self, key: &str) -> Option<&'static Column> {
        self.columns().iter().find(|c| c.key == key)
    }

    /// The sheet a workbook sheet name stands for: the Indonesian or English
    /// name, compared like headers (case and whitespace ignored).
    pub fn from_sheet_name(name: &str) -> Option<SheetKind> {
        let name = normalize_header(name);
        SheetKind::ALL.into_iter().find(|kind| {
            normalize_header(kind.name()) == name || normalize_header(kind.name_en()) == name
        })
    }
}

/// The Indonesian sheet name of a record kind.
pub fn sheet_name(kind: SheetKind) -> &'static str {
    kind.name()
}

/// The Indonesian header of the column `key` of `kind`; `""` when the sheet
/// has no such column.
pub fn header(kind: SheetKind, key: &str) -> &'static str {
    kind.column(key).map_or("", |c| c.header)
}

/// The column of `kind` that carries the domain field `field` (the name used
/// in [`kerjasama_core::FieldViolation`] paths, without indexes: `title`,
/// `parties.name`, `value`, …).
pub fn column_for_field(kind: SheetKind, field: &str) -> Option<&'static Column> {
    kind.columns().iter().find(|c| c.field == field)
}

/// A code list a code column takes its values from (see [`kerjasama_core::codes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeList {
    CooperationType,
    DocumentKind,
    KsddBasis,
    PartyKind,
    ReportingCycle,
    IndicatorCategory,
    Beneficiary,
}

impl CodeList {
    pub const ALL: [CodeList; 7] = [
        CodeList::CooperationType,
        CodeList::DocumentKind,
        CodeList::KsddBasis,
        CodeList::PartyKind,
        CodeList::ReportingCycle,
        CodeList::IndicatorCategory,
        CodeList::Beneficiary,
    ];

    /// The allowed codes, in the code list's order.
    pub fn codes(self) -> Vec<&'static str> {
        fn all<T: Copy>(list: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
            list.iter().map(|v| code(*v)).collect()
        }
        match self {
            CodeList::CooperationType => all(CooperationType::ALL, CooperationType::code),
            CodeList::DocumentKind => all(DocumentKind::ALL, DocumentKind::code),
            CodeList::KsddBasis => all(KsddBasis::ALL, KsddBasis::code),
            CodeList::PartyKind => all(PartyKind::ALL, PartyKind::code),
            CodeList::ReportingCycle => all(ReportingCycle::ALL, ReportingCycle::code),
            CodeList::IndicatorCategory => all(IndicatorCategory::ALL, IndicatorCategory::code),
            CodeList::Beneficiary => all(Beneficiary::ALL, Beneficiary::code),
        }
    }

    /// The codes' Indonesian names, in the order of [`CodeList::codes`].
    pub fn labels(self) -> Vec<&'static str> {
        use kerjasama_core::code_labels::Labelled;
        fn all<T: Labelled>(list: &[T]) -> Vec<&'static str> {
            list.iter().map(|v| v.label().id).collect()
        }
        match self {
            CodeList::CooperationType => all(CooperationType::ALL),
            CodeList::DocumentKind => all(DocumentKind::ALL),
            CodeList::KsddBasis => all(KsddBasis::ALL),
            CodeList::PartyKind => all(PartyKind::ALL),
            CodeList::ReportingCycle => all(ReportingCycle::ALL),
            CodeList::IndicatorCategory => all(IndicatorCategory::ALL),
            CodeList::Beneficiary => all(Beneficiary::ALL),
        }
    }

    /// The list's title on the template's `Kode` sheet.
    pub fn title(self) -> &'static str {
        match self {
            CodeList::CooperationType => "Jenis Kerja Sama / Cooperation type",
            CodeList::DocumentKind => "Jenis Dokumen / Document kind",
            CodeList::KsddBasis => "Dasar KSDD / KSDD basis",
            CodeList::PartyKind => "Jenis Pihak / Party kind",
            CodeList::ReportingCycle => "Siklus Laporan / Reporting cycle",
            CodeList::IndicatorCategory => "Kategori / Indicator category",
            CodeList::Beneficiary => "Penerima Manfaat / Beneficiary",
        }
    }
}

/// What a column holds, and so how its cells are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Text,
    /// A date cell, or text `YYYY-MM-DD`, `DD/MM/YYYY` or `D/M/YYYY`.
    Date,
    /// A whole number (see [`Column::bounds`]).
    Integer,
    /// An exact decimal number.
    Decimal,
    /// Ya/tidak.
    Bool,
    /// One code of a code list, case-insensitive.
    Code(CodeList),
}

impl ValueKind {
    /// A short bilingual name of the kind, for the instructions sheet.
    pub fn describe(self) -> &'static str {
        match self {
            ValueKind::Text => "teks / text",
            ValueKind::Date => "tanggal / date",
            ValueKind::Integer => "bilangan bulat / whole number",
            ValueKind::Decimal => "angka / number",
            ValueKind::Bool => "ya/tidak / yes/no",
            ValueKind::Code(_) => "kode / code",
        }
    }
}

/// One column of one sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Machine key (`nomor_dokumen`), also accepted as a header.
    pub key: &'static str,
    /// The Indonesian header: what the template writes and problems name.
    pub header: &'static str,
    /// The English header, also accepted when reading.
    pub header_en: &'static str,
    pub kind: ValueKind,
    /// A required column must be present in the header and filled in every row.
    pub required: bool,
    /// The domain field the column fills (for text limits and for mapping a
    /// domain violation back to its column).
    pub field: &'static str,
    /// Inclusive bounds of an [`ValueKind::Integer`] column.
    pub bounds: Option<(i64, i64)>,
    pub description_id: &'static str,
    pub description_en: &'static str,
}

#[allow(clippy::too_many_arguments)]
const fn col(
    key: &'static str,
    header: &'static str,
    header_en: &'static str,
    kind: ValueKind,
    required: bool,
    field: &'static str,
    description_id: &'static str,
    description_en: &'static str,
) -> Column {
    Column {
        key,
        header,
        header_en,
        kind,
        required,
        field,
        bounds: None,
        description_id,
        description_en,
    }
}

const REQ: bool = true;
const OPT: bool = false;

use ValueKind::{Bool, Date, Decimal, Integer, Text};

const DOCUMENT_NUMBER_ID: &str =
    "Nomor dokumen perjanjian pada register daerah sendiri; kunci yang menghubungkan semua lembar.";
const DOCUMENT_NUMBER_EN: &str =
    "The agreement's document number in the region's own register; the key that links all sheets.";

pub static AGREEMENT_COLUMNS: [Column; 17] = [
    col(
        "nomor_dokumen",
        "Nomor Dokumen",
        "Document Number",
        Text,
        REQ,
        "document_number",
        "Nomor dokumen pada register daerah sendiri (unik per perjanjian).",
        "The document number in the region's own register (unique per agreement).",
    ),
    col(
        "judul",
        "Judul",
        "Title",
        Text,
        REQ,
        "title",
        "Judul perjanjian.",
        "Title of the agreement.",
    ),
    col(
        "jenis_kerja_sama",
        "Jenis Kerja Sama",
        "Cooperation Type",
        ValueKind::Code(CodeList::CooperationType),
        REQ,
        "cooperation_type",
        "Jenis kerja sama: KSDD, KSDPK, KSDPL, KSDLL atau SINERGI.",
        "Cooperation type: KSDD, KSDPK, KSDPL, KSDLL or SINERGI.",
    ),
    col(
        "jenis_dokumen",
        "Jenis Dokumen",
        "Document Kind",
        ValueKind::Code(CodeList::DocumentKind),
        REQ,
        "document_kind",
        "Jenis dokumen: LOI, KSB, PKS, ADDENDUM atau NOTA_KESEPAKATAN.",
        "Document kind: LOI, KSB, PKS, ADDENDUM or NOTA_KESEPAKATAN.",
    ),
    col(
        "nomor_dokumen_induk",
        "Nomor Dokumen Induk",
        "Parent Document Number",
        Text,
        OPT,
        "parent",
        "Nomor dokumen induk (KSB dari sebuah PKS, atau dokumen yang diubah oleh ADDENDUM).",
        "The parent's document number (the KSB of a PKS, or the document an ADDENDUM amends).",
    ),
    col(
        "kode_opd",
        "Kode OPD",
        "Unit Code",
        Text,
        REQ,
        "unit_code",
        "Kode perangkat daerah (OPD) pemrakarsa.",
        "Code of the initiating regional unit (OPD).",
    ),
    col(
        "urusan",
        "Urusan",
        "Sector",
        Text,
        REQ,
        "sector",
        "Kode urusan pemerintahan, misalnya HEALTH.",
        "Government affair (sector) code, such as HEALTH.",
    ),
    col(
        "dasar_ksdd",
        "Dasar KSDD",
        "KSDD Basis",
        ValueKind::Code(CodeList::KsddBasis),
        OPT,
        "ksdd_basis",
        "Untuk KSDD: MANDATORY (wajib) atau VOLUNTARY (sukarela).",
        "For KSDD: MANDATORY or VOLUNTARY.",
    ),
    col(
        "tujuan",
        "Tujuan",
        "Objective",
        Text,
        OPT,
        "objective",
        "Tujuan kerja sama.",
        "Objective of the cooperation.",
    ),
    col(
        "tanggal_tanda_tangan",
        "Tanggal Tanda Tangan",
        "Signed On",
        Date,
        OPT,
        "signed_on",
        "Tanggal penandatanganan.",
        "Date of signing.",
    ),
    col(
        "berlaku_mulai",
        "Berlaku Mulai",
        "Effective From",
        Date,
        OPT,
        "effective_from",
        "Tanggal mulai berlaku.",
        "First day in force.",
    ),
    col(
        "berlaku_sampai",
        "Berlaku Sampai",
        "Effective Until",
        Date,
        OPT,
        "effective_until",
        "Tanggal akhir berlaku.",
        "Last day in force.",
    ),
    col(
        "perlu_persetujuan_dprd",
        "Perlu Persetujuan DPRD",
        "DPRD Approval Required",
        Bool,
        OPT,
        "dprd_approval_required",
        "Ya jika perlu persetujuan DPRD; kosong: aturan bawaan menurut jenis kerja sama.",
        "Yes if DPRD approval is required; blank: the default for the cooperation type.",
    ),
    col(
        "anggaran_rp",
        "Anggaran (Rp)",
        "Budget (IDR)",
        Integer,
        OPT,
        "budget_idr",
        "Anggaran dalam rupiah penuh, tanpa desimal.",
        "Budget in whole rupiah, no decimals.",
    ),
    col(
        "siklus_laporan",
        "Siklus Laporan",
        "Reporting Cycle",
        ValueKind::Code(CodeList::ReportingCycle),
        OPT,
        "reporting_cycle",
        "Siklus laporan pelaksanaan: QUARTERLY, SEMESTER atau YEARLY; kosong: bawaan.",
        "Implementation reporting cycle: QUARTERLY, SEMESTER or YEARLY; blank: the default.",
    ),
    col(
        "terbuka_penuh",
        "Terbuka Penuh",
        "Public In Full",
        Bool,
        OPT,
        "public_in_full",
        "Ya jika perjanjian dibuka penuh di register terbuka (termasuk anggaran dan manfaat).",
        "Yes if the agreement is public in full in the open register (budget and benefits too).",
    ),
    col(
        "laporan_wajib_sejak",
        "Laporan Wajib Sejak",
        "Reports Owed From",
        Date,
        OPT,
        "reports_owed_from",
        "Siklus laporan pelaksanaan yang berakhir sebelum tanggal ini tidak ditagih (tidak terlambat, tidak hilang); kosong: sejak mulai berlaku, atau tanggal awal riwayat impor.",
        "Implementation-report cycles ending before this date owe nothing (neither late nor missing); blank: from the start of the in-force period, or the import's history date.",
    ),
];

pub static PARTY_COLUMNS: [Column; 6] = [
    col(
        "nomor_dokumen",
        "Nomor Dokumen",
        "Document Number",
        Text,
        REQ,
        "document_number",
        DOCUMENT_NUMBER_ID,
        DOCUMENT_NUMBER_EN,
    ),
    col(
        "nama_pihak",
        "Nama Pihak",
        "Party Name",
        Text,
        REQ,
        "parties.name",
        "Nama mitra kerja sama (satu baris per mitra).",
        "Name of the partner (one row per partner).",
    ),
    col(
        "jenis_pihak",
        "Jenis Pihak",
        "Party Kind",
        ValueKind::Code(CodeList::PartyKind),
        REQ,
        "parties.kind",
        "Jenis mitra, misalnya CITY_GOVERNMENT atau UNIVERSITY.",
        "Kind of partner, such as CITY_GOVERNMENT or UNIVERSITY.",
    ),
    col(
        "kode_wilayah",
        "Kode Wilayah",
        "Region Code",
        Text,
        OPT,
        "parties.region_code",
        "Kode wilayah Kemendagri untuk pemerintah daerah di Indonesia, misalnya 36.71.",
        "Kemendagri region code for an Indonesian regional government, such as 36.71.",
    ),
    col(
        "kode_negara",
        "Kode Negara",
        "Country Code",
        Text,
        OPT,
        "parties.country_code",
        "Kode negara ISO 3166-1 dua huruf untuk mitra luar negeri, misalnya JP.",
        "ISO 3166-1 two-letter country code of a foreign partner, such as JP.",
    ),
    col(
        "nomor_dokumen_pihak",
        "Nomor Dokumen Pihak",
        "Party Document Number",
        Text,
        OPT,
        "parties.document_number",
        "Nomor dokumen pada register mitra.",
        "The document number in the partner's own register.",
    ),
];

pub static INDICATOR_COLUMNS: [Column; 9] = [
    col(
        "nomor_dokumen",
        "Nomor Dokumen",
        "Document Number",
        Text,
        REQ,
        "document_number",
        DOCUMENT_NUMBER_ID,
        DOCUMENT_NUMBER_EN,
    ),
    col(
        "judul_indikator",
        "Judul Indikator",
        "Indicator Title",
        Text,
        REQ,
        "title",
        "Judul indikator manfaat (unik per perjanjian).",
        "Title of the benefit indicator (unique per agreement).",
    ),
    col(
        "kategori",
        "Kategori",
        "Category",
        ValueKind::Code(CodeList::IndicatorCategory),
        REQ,
        "category",
        "Kategori manfaat, misalnya REVENUE atau SERVICE_REACH.",
        "Benefit category, such as REVENUE or SERVICE_REACH.",
    ),
    col(
        "satuan",
        "Satuan",
        "Unit of Measure",
        Text,
        REQ,
        "unit_of_measure",
        "Kode satuan ukur, misalnya IDR atau PERSON.",
        "Unit of measure code, such as IDR or PERSON.",
    ),
    col(
        "penerima_manfaat",
        "Penerima Manfaat",
        "Beneficiary",
        ValueKind::Code(CodeList::Beneficiary),
        REQ,
        "beneficiary",
        "Pihak yang menerima manfaat: REGION, PARTNER atau BOTH.",
        "Which side benefits: REGION, PARTNER or BOTH.",
    ),
    col(
        "nilai_awal",
        "Nilai Awal",
        "Baseline",
        Decimal,
        OPT,
        "baseline",
        "Nilai awal (baseline).",
        "Baseline value.",
    ),
    col(
        "target",
        "Target",
        "Target",
        Decimal,
        OPT,
        "target_value",
        "Nilai target.",
        "Target value.",
    ),
    col(
        "tanggal_target",
        "Tanggal Target",
        "Target Date",
        Date,
        OPT,
        "target_date",
        "Tanggal target tercapai.",
        "Date by which the target is due.",
    ),
    col(
        "makin_tinggi_makin_baik",
        "Makin Tinggi Makin Baik",
        "Higher Is Better",
        Bool,
        OPT,
        "higher_is_better",
        "Ya jika nilai lebih tinggi lebih baik (bawaan: ya).",
        "Yes if a higher value is better (default: yes).",
    ),
];

pub static REALISATION_COLUMNS: [Column; 6] = [
    col(
        "nomor_dokumen",
        "Nomor Dokumen",
        "Document Number",
        Text,
        REQ,
        "document_number",
        DOCUMENT_NUMBER_ID,
        DOCUMENT_NUMBER_EN,
    ),
    col(
        "judul_indikator",
        "Judul Indikator",
        "Indicator Title",
        Text,
        REQ,
        "indicator",
        "Judul indikator yang direalisasikan (sama dengan lembar Indikator).",
        "Title of the indicator realised (as on the Indikator sheet).",
    ),
    col(
        "periode_mulai",
        "Periode Mulai",
        "Period Start",
        Date,
        REQ,
        "period_start",
        "Hari pertama periode realisasi.",
        "First day of the period.",
    ),
    col(
        "periode_selesai",
        "Periode Selesai",
        "Period End",
        Date,
        REQ,
        "period_end",
        "Hari terakhir periode realisasi.",
        "Last day of the period.",
    ),
    col(
        "nilai",
        "Nilai",
        "Value",
        Decimal,
        REQ,
        "value",
        "Nilai yang terealisasi dalam periode, dalam satuan indikator.",
        "Value realised in the period, in the indicator's unit.",
    ),
    col(
        "catatan", "Catatan", "Note", Text, OPT, "note", "Catatan.", "Note.",
    ),
];

pub static REPORT_COLUMNS: [Column; 7] = [
    col(
        "nomor_dokumen",
        "Nomor Dokumen",
        "Document Number",
        Text,
        REQ,
        "document_number",
        DOCUMENT_NUMBER_ID,
        DOCUMENT_NUMBER_EN,
    ),
    col(
        "awal_siklus",
        "Awal Siklus",
        "Cycle Start",
        Date,
        REQ,
        "cycle_start",
        "Hari pertama siklus laporan yang dilaporkan.",
        "First day of the reporting cycle reported on.",
    ),
    col(
        "tanggal_disampaikan",
        "Tanggal Disampaikan",
        "Submitted On",
        Date,
        OPT,
        "submitted_on",
        "Tanggal laporan disampaikan.",
        "Date the report was submitted.",
    ),
    col(
        "ringkasan",
        "Ringkasan",
        "Summary",
        Text,
        REQ,
        "summary",
        "Ringkasan pelaksanaan.",
        "Summary of the implementation.",
    ),
    Column {
        bounds: Some((0, 100)),
        ..col(
            "kemajuan_persen",
            "Kemajuan (%)",
            "Progress (%)",
            Integer,
            OPT,
            "progress_percent",
            "Kemajuan dalam persen, bilangan bulat 0 sampai 100.",
            "Progress in percent, a whole number from 0 to 100.",
        )
    },
    col(
        "kendala",
        "Kendala",
        "Obstacles",
        Text,
        OPT,
        "obstacles",
        "Kendala yang dihadapi.",
        "Obstacles met.",
    ),
    col(
        "tindak_lanjut",
        "Tindak Lanjut",
        "Follow-up",
        Text,
        OPT,
        "follow_up",
        "Tindak lanjut.",
        "Follow-up.",
    ),
];

/// The comparison form of a header: trimmed, lower case, runs of whitespace
/// and underscores as one space.
pub fn normalize_header(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_whitespace() || c == '_' {
            gap = !out.is_empty();
        } else {
            if gap {
                out.push(' ');
                gap = false;
            }
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// The column of `kind` a header cell names, if any.
pub fn match_header(kind: SheetKind, text: &str) -> Option<usize> {
    let text = normalize_header(text);
    if text.is_empty() {
        return None;
    }
    kind.columns().iter().position(|c| {
        normalize_header(c.header) == text
            || normalize_header(c.header_en) == text
            || normalize_header(c.key) == text
    })
}

pub static STAGE_COLUMNS: [Column; 4] = [
    col(
        "nomor_dokumen",
        "Nomor Dokumen",
        "Document Number",
        Text,
        REQ,
        "document_number",
        DOCUMENT_NUMBER_ID,
        DOCUMENT_NUMBER_EN,
    ),
    col(
        "tahapan",
        "Tahapan",
        "Stage",
        Text,
        REQ,
        "stage",
        "Nama tahapan (pilih dari daftar) atau kodenya, misalnya Penatausahaan atau PENATAUSAHAAN; satu baris per tahapan yang sudah selesai atau dilewati.",
        "The stage's name (pick from the list) or its code, e.g. Penatausahaan or PENATAUSAHAAN; one row per stage done or skipped.",
    ),
    col(
        "tanggal",
        "Tanggal Selesai",
        "Date Done",
        Date,
        REQ,
        "completed_on",
        "Tanggal tahapan selesai (atau dilewati). Tahapan yang tidak dicantumkan dianggap belum selesai.",
        "The day the stage was done (or skipped). A stage not listed is still open.",
    ),
    col(
        "alasan_dilewati",
        "Alasan Dilewati",
        "Skip Reason",
        Text,
        OPT,
        "reason",
        "Isi hanya jika tahapan dilewati: alasannya (tahapan dicatat DILEWATI, bukan SELESAI).",
        "Only when the stage was skipped: why (the stage is recorded SKIPPED, not DONE).",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn headers_are_unambiguous_within_each_sheet() {
        for kind in SheetKind::ALL {
            let mut seen: HashSet<String> = HashSet::new();
            let mut keys = HashSet::new();
            for (index, column) in kind.columns().iter().enumerate() {
                assert!(keys.insert(column.key), "{kind:?} {}", column.key);
                for alias in [column.header, column.header_en, column.key] {
                    assert_eq!(match_header(kind, alias), Some(index), "{alias}");
                    seen.insert(normalize_header(alias));
                }
                assert_eq!(
                    column.bounds.is_some(),
                    column.key == "kemajuan_persen",
                    "{}",
                    column.key
                );
            }
        }
        assert_eq!(
            header(SheetKind::Reports, "kemajuan_persen"),
            "Kemajuan (%)"
        );
        assert_eq!(header(SheetKind::Reports, "nope"), "");
        assert_eq!(sheet_name(SheetKind::Reports), "Laporan Pelaksanaan");
        assert_eq!(
            match_header(SheetKind::Agreements, "  nomor   DOKUMEN "),
            Some(0)
        );
        assert_eq!(
            SheetKind::from_sheet_name(" laporan  pelaksanaan"),
            Some(SheetKind::Reports)
        );
        assert_eq!(
            column_for_field(SheetKind::Parties, "parties.kind").map(|c| c.key),
            Some("jenis_pihak")
        );
    }

    #[test]
    fn every_sheet_starts_with_the_document_number() {
        for kind in SheetKind::ALL {
            let first = &kind.columns()[0];
            assert_eq!(first.key, "nomor_dokumen");
            assert!(first.required);
        }
        for list in CodeList::ALL {
            assert!(!list.codes().is_empty());
        }
    }
}
