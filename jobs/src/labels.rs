//! Human headings of the report's tables and columns, Bahasa Indonesia first
//! and English second, for what people read: the meeting pack (HTML/PDF) and
//! the analysts' workbook (xlsx). CSV and Parquet files keep the machine names
//! (`realised_idr_to_date`), which programs rely on.
//!
//! One entry per column name, shared by every table that has the column (a
//! name means the same thing wherever it appears; see the notes on `due_on`,
//! `days_overdue`, `indicators`, `target_value`, `dimension` and `value`).
//! Column headings are short enough for a table header (at most 32
//! characters); table headings fit an xlsx sheet name (at most 31 characters,
//! none of `[ ] : * ? / \`). Terms follow the regulations' usage: OPD
//! (perangkat daerah), KSB, PKS, Rp, realisasi, tahapan, rekomendasi, laporan
//! pelaksanaan.
//!
//! Callers fall back to the machine name for a name not in the catalogue
//! ([`column`] and [`table`] return `None`), so a new column never breaks a
//! run; a test should check that every produced table and column is here
//! ([`TABLES`], [`COLUMNS`]).
//!
//! "s.d. saat ini" (to date) means up to the run's `as_of` date, which for a
//! run of a past date is that date, not today.

/// A column's heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label {
    /// Bahasa Indonesia.
    pub id: &'static str,
    /// English.
    pub en: &'static str,
}

/// A table's heading and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableLabel {
    /// Bahasa Indonesia.
    pub id: &'static str,
    /// English.
    pub en: &'static str,
    /// One or two sentences in Bahasa Indonesia: what a row is and what the
    /// table is for.
    pub about_id: &'static str,
    /// The same in English.
    pub about_en: &'static str,
}

/// A column's heading; None for a name not in the catalogue (callers fall
/// back to the machine name).
pub fn column(name: &str) -> Option<Label> {
    COLUMN_LABELS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, label)| *label)
}

/// A table's heading and description; None for a name not in the catalogue.
pub fn table(name: &str) -> Option<TableLabel> {
    TABLE_LABELS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, label)| *label)
}

/// Every table name in the catalogue, in the order a run writes them (for
/// tests that check every produced table has a label).
pub const TABLES: &[&str] = &names(&TABLE_LABELS);

/// Every column name in the catalogue, in order of first appearance in the
/// report.
pub const COLUMNS: &[&str] = &names(&COLUMN_LABELS);

/// The name columns CSV and Parquet files end with (`names::name_column`),
/// one per code column of the table; in no table of [`REPORT`], which lists
/// what the metrics compute.
pub const NAME_COLUMNS: &[&str] = &[
    "document_number",
    "unit_name",
    "stage_name",
    "responsible_unit_name",
    "unit_of_measure_name",
    "document_kind_name",
    "state_name",
    "status_name",
    "watch_name",
    "category_name",
    "reporting_cycle_name",
    "beneficiary_name",
    "gap_name",
    "region_name",
    "parent_document_number",
    "sector_name",
    "document_type_name",
];

/// The names of a catalogue, in its order.
const fn names<T: Copy, const N: usize>(entries: &[(&'static str, T); N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = entries[i].0;
        i += 1;
    }
    out
}

const fn l(id: &'static str, en: &'static str) -> Label {
    Label { id, en }
}

const fn t(
    id: &'static str,
    en: &'static str,
    about_id: &'static str,
    about_en: &'static str,
) -> TableLabel {
    TableLabel {
        id,
        en,
        about_id,
        about_en,
    }
}

const TABLE_LABELS: [(&str, TableLabel); 15] = [
    (
        "evaluation_summary",
        t(
            "Ringkasan evaluasi",
            "Evaluation summary",
            "Satu baris per jenis kerja sama, berisi angka utama dari tabel lain dalam laporan ini, \
             untuk halaman pertama bahan Rapat Evaluasi Kerja Sama Daerah.",
            "One row per cooperation type with the headline figures of the report's other tables, \
             for the first page of the evaluation meeting pack.",
        ),
    ),
    (
        "counts_by_type",
        t(
            "Jumlah per jenis kerja sama",
            "Agreements by type",
            "Satu baris per jenis kerja sama (KSDD, KSDPK, KSDPL, KSDLL, SINERGI): jumlah kerja sama \
             menurut status per tanggal laporan, serta yang ditandatangani dan yang berakhir dalam \
             periode. Adendum tidak dihitung sebagai kerja sama tersendiri.",
            "One row per cooperation type (KSDD, KSDPK, KSDPL, KSDLL, SINERGI): agreements by state \
             as of the report date, and those signed and ended in the period. Addenda are not \
             counted as agreements of their own.",
        ),
    ),
    (
        "counts_by_dimension",
        t(
            "Jumlah per OPD, urusan, negara",
            "By unit, sector and country",
            "Satu baris per OPD pemrakarsa, per urusan pemerintahan, dan per negara mitra luar \
             negeri, dengan hitungan yang sama seperti tabel per jenis. Kerja sama dengan mitra di \
             dua negara dihitung di kedua negara.",
            "One row per initiating unit (OPD), per government affair (sector) and per foreign \
             partner's country, with the same counts as the table by type. An agreement with \
             partners in two countries counts under both.",
        ),
    ),
    (
        "realised_benefits",
        t(
            "Realisasi manfaat per indikator",
            "Realised benefits by indicator",
            "Satu baris per indikator manfaat: target, realisasi s.d. tanggal laporan dan dalam \
             periode, serta tingkat realisasinya, untuk menilai apakah kerja sama saling \
             menguntungkan.",
            "One row per benefit indicator: its target, what was realised up to the report date \
             and in the period, and the realisation rate, to judge whether each cooperation is \
             mutually beneficial.",
        ),
    ),
    (
        "realised_benefits_rollup",
        t(
            "Rekap realisasi manfaat",
            "Realised benefits totals",
            "Jumlah target dan realisasi manfaat per jenis kerja sama, per OPD, dan per kategori, \
             selalu per satuan (satuan yang berbeda tidak dijumlahkan). Baris bersatuan IDR adalah \
             total rupiah.",
            "Benefit targets and realisations summed per cooperation type, per unit (OPD) and per \
             category, always per unit of measure (different units are never added). The IDR rows \
             are the rupiah totals.",
        ),
    ),
    (
        "overdue_stages",
        t(
            "Tahapan terlambat",
            "Overdue stages",
            "Satu baris per tahapan yang masih berjalan dan telah melewati batas waktunya per \
             tanggal laporan, dengan lama keterlambatannya; untuk menemukan proses yang macet.",
            "One row per open procedure stage past its due date as of the report date, with how \
             long it is overdue; to find stalled procedures.",
        ),
    ),
    (
        "overdue_by_unit_stage",
        t(
            "Tahapan terlambat per OPD",
            "Overdue stages by unit",
            "Jumlah tahapan terlambat per OPD dan per tahapan, dirinci menurut rentang hari \
             keterlambatan; untuk melihat di mana proses paling sering macet.",
            "Overdue stages counted per unit (OPD) and per stage, split by ageing bucket; to see \
             where procedures stall most.",
        ),
    ),
    (
        "stages_completed_late",
        t(
            "Tahapan selesai terlambat",
            "Stages completed late",
            "Satu baris per tahapan yang diselesaikan dalam periode setelah batas waktunya, dengan \
             jumlah hari keterlambatannya.",
            "One row per stage completed in the period after its due date, with the days it was \
             late.",
        ),
    ),
    (
        "renewal_watch",
        t(
            "Pemantauan perpanjangan",
            "Renewal watch",
            "Satu baris per kerja sama aktif yang berakhir dalam 180 hari, atau yang telah melewati \
             masa berlakunya tetapi belum ditutup; untuk menyiapkan perpanjangan atau pengakhiran \
             tepat waktu.",
            "One row per active agreement ending within 180 days, or past its end date but not \
             closed; to prepare its renewal or closure in time.",
        ),
    ),
    (
        "follow_up_ksb_without_pks",
        t(
            "KSB belum ditindaklanjuti PKS",
            "KSBs without a PKS",
            "Satu baris per KSB yang ditandatangani lebih dari 180 hari lalu tetapi belum \
             ditindaklanjuti dengan PKS (PKS yang dibatalkan tidak dihitung).",
            "One row per KSB signed over 180 days ago that no PKS has followed yet (a cancelled \
             PKS does not count).",
        ),
    ),
    (
        "follow_up_report_cycles",
        t(
            "Laporan belum masuk & terlambat",
            "Missing and late reports",
            "Satu baris per siklus pelaporan kerja sama aktif yang laporan pelaksanaannya belum \
             masuk setelah batas waktu, atau masuk terlambat.",
            "One row per reporting cycle of an active agreement whose implementation report is \
             missing after its deadline, or arrived late.",
        ),
    ),
    (
        "follow_up_no_realisation",
        t(
            "Kerja sama tanpa realisasi",
            "Agreements with no realisation",
            "Satu baris per kerja sama aktif yang belum mencatat realisasi manfaat apa pun, karena \
             belum memiliki indikator atau karena indikatornya belum direalisasikan.",
            "One row per active agreement with no benefit realisation recorded, because it has no \
             indicator or because none of its indicators has a realisation.",
        ),
    ),
    (
        "follow_up_overdue_recommendations",
        t(
            "Rekomendasi lewat batas waktu",
            "Overdue recommendations",
            "Satu baris per rekomendasi rapat evaluasi yang masih terbuka dan telah melewati batas \
             waktunya; untuk ditagih kepada OPD penanggung jawab.",
            "One row per evaluation-meeting recommendation still open after its due date; to be \
             chased with the responsible unit.",
        ),
    ),
    (
        "follow_up_missing_documents",
        t(
            "Dokumen belum diarsipkan",
            "Documents not on file",
            "Satu baris per dokumen yang seharusnya sudah tersimpan di arsip per tanggal laporan \
             tetapi belum: naskah kerja sama yang sudah ditandatangani, atau surat persetujuan DPRD \
             setelah tahapan persetujuan DPRD selesai.",
            "One row per document the archive should hold as of the report date and does not: \
             the signed text of a signed agreement, or the DPRD approval letter once the DPRD \
             approval stage is done.",
        ),
    ),
    (
        "agreement_register",
        t(
            "Register kerja sama",
            "Agreement register",
            "Satu baris per kerja sama yang tercatat (tidak dihapus), dengan statusnya per tanggal \
             laporan dan tanggal-tanggal yang dibaca oleh perhitungan, termasuk sejak kapan laporan \
             pelaksanaan wajib disampaikan.",
            "One row per recorded (not deleted) agreement, with its state as of the report date \
             and the dates the metrics read, including from when implementation reports are owed.",
        ),
    ),
];

const COLUMN_LABELS: [(&str, Label); 97] = [
    // evaluation_summary
    (
        "cooperation_type",
        l("Jenis kerja sama", "Cooperation type"),
    ),
    ("agreements", l("Jumlah kerja sama", "Agreements")),
    ("active", l("Aktif", "Active")),
    (
        "signed_in_period",
        l("Ditandatangani dalam periode", "Signed in period"),
    ),
    (
        "ended_in_period",
        l("Berakhir dalam periode", "Ended in period"),
    ),
    (
        "realised_idr_to_date",
        l("Realisasi Rp s.d. saat ini", "Realised IDR to date"),
    ),
    (
        "realised_idr_in_period",
        l("Realisasi Rp dalam periode", "Realised IDR in period"),
    ),
    // A count of overdue stages (evaluation_summary, overdue_by_unit_stage);
    // also the name of a table.
    ("overdue_stages", l("Tahapan terlambat", "Overdue stages")),
    (
        "ending_within_90_days",
        l("Berakhir ≤ 90 hari", "Ending within 90 days"),
    ),
    (
        "ending_within_180_days",
        l("Berakhir ≤ 180 hari", "Ending within 180 days"),
    ),
    ("past_end", l("Lewat masa berlaku", "Past end date")),
    ("ksb_without_pks", l("KSB tanpa PKS", "KSB without PKS")),
    (
        "missing_reports",
        l("Laporan pelaksanaan belum masuk", "Missing reports"),
    ),
    (
        "late_reports",
        l("Laporan pelaksanaan terlambat", "Late reports"),
    ),
    (
        "active_without_realisation",
        l(
            "Aktif tanpa realisasi manfaat",
            "Active without realisation",
        ),
    ),
    (
        "overdue_recommendations",
        l("Rekomendasi lewat batas waktu", "Overdue recommendations"),
    ),
    // counts_by_type: one column per agreement state as of the date.
    ("draft", l("Draf", "Draft")),
    ("in_process", l("Dalam proses", "In process")),
    ("expired", l("Habis masa berlaku", "Expired")),
    ("terminated", l("Diakhiri lebih awal", "Terminated")),
    ("cancelled", l("Dibatalkan", "Cancelled")),
    ("total", l("Jumlah", "Total")),
    // counts_by_dimension, realised_benefits_rollup: what rows are grouped by
    // (unit, sector, partner_country; cooperation_type, unit, category) and the
    // group's code.
    ("dimension", l("Dikelompokkan per", "Grouped by")),
    ("value", l("Kelompok", "Group")),
    // The name columns CSV and Parquet gain at the end, one per code column
    // (`names::with_name_columns`).
    ("document_number", l("Nomor dokumen", "Document number")),
    ("unit_name", l("Nama OPD", "Unit name")),
    ("stage_name", l("Nama tahapan", "Stage name")),
    (
        "responsible_unit_name",
        l("Nama OPD penanggung jawab", "Responsible unit name"),
    ),
    (
        "unit_of_measure_name",
        l("Satuan (uraian)", "Unit of measure (name)"),
    ),
    (
        "document_kind_name",
        l("Jenis dokumen (uraian)", "Document kind (name)"),
    ),
    (
        "state_name",
        l("Status kerja sama (uraian)", "Agreement state (name)"),
    ),
    (
        "status_name",
        l("Status laporan (uraian)", "Report status (name)"),
    ),
    ("watch_name", l("Pemantauan (uraian)", "Watch (name)")),
    ("category_name", l("Kategori (uraian)", "Category (name)")),
    (
        "reporting_cycle_name",
        l("Siklus laporan (uraian)", "Reporting cycle (name)"),
    ),
    (
        "beneficiary_name",
        l("Penerima manfaat (uraian)", "Beneficiary (name)"),
    ),
    ("gap_name", l("Kekurangan (uraian)", "Gap (name)")),
    // realised_benefits
    ("agreement", l("ID kerja sama", "Agreement ID")),
    ("title", l("Judul kerja sama", "Agreement title")),
    ("unit_code", l("Kode OPD", "Unit code")),
    ("indicator", l("ID indikator", "Indicator ID")),
    (
        "indicator_title",
        l("Indikator manfaat", "Benefit indicator"),
    ),
    ("category", l("Kategori manfaat", "Benefit category")),
    ("beneficiary", l("Penerima manfaat", "Beneficiary")),
    ("unit_of_measure", l("Satuan", "Unit of measure")),
    // The indicator's target (realised_benefits), or the sum of the targets
    // set (realised_benefits_rollup).
    ("target_value", l("Target", "Target")),
    (
        "realised_to_date",
        l("Realisasi s.d. saat ini", "Realised to date"),
    ),
    (
        "realised_in_period",
        l("Realisasi dalam periode", "Realised in period"),
    ),
    (
        "realisation_rate",
        l("Tingkat realisasi", "Realisation rate"),
    ),
    // realised_benefits_rollup (indicators per group) and
    // follow_up_no_realisation (indicators of the agreement).
    ("indicators", l("Jumlah indikator", "Indicators")),
    // overdue_stages
    ("stage_code", l("Tahapan", "Stage")),
    ("started_on", l("Tanggal mulai", "Started on")),
    // A stage's due date in force (overdue_stages, stages_completed_late) or
    // a recommendation's (follow_up_overdue_recommendations).
    ("due_on", l("Batas waktu", "Due date")),
    // Days past the due date of an open stage or an open recommendation.
    ("days_overdue", l("Hari lewat batas waktu", "Days overdue")),
    ("ageing_bucket", l("Rentang keterlambatan", "Ageing bucket")),
    // overdue_by_unit_stage
    ("days_1_30", l("Terlambat 1-30 hari", "1-30 days overdue")),
    (
        "days_31_90",
        l("Terlambat 31-90 hari", "31-90 days overdue"),
    ),
    (
        "days_91_180",
        l("Terlambat 91-180 hari", "91-180 days overdue"),
    ),
    (
        "days_over_180",
        l("Terlambat > 180 hari", "Over 180 days overdue"),
    ),
    (
        "max_days_overdue",
        l("Keterlambatan terlama (hari)", "Most days overdue"),
    ),
    // stages_completed_late
    ("completed_on", l("Tanggal selesai", "Completed on")),
    ("days_late", l("Hari keterlambatan", "Days late")),
    // renewal_watch
    ("document_kind", l("Jenis dokumen", "Document kind")),
    ("effective_until", l("Berlaku sampai", "Effective until")),
    ("days_to_end", l("Sisa hari berlaku", "Days to end")),
    ("watch", l("Kategori pantauan", "Watch")),
    ("within_90_days", l("Dalam 90 hari", "Within 90 days")),
    ("within_180_days", l("Dalam 180 hari", "Within 180 days")),
    // follow_up_ksb_without_pks
    ("state", l("Status kerja sama", "Agreement state")),
    ("signed_on", l("Tanggal penandatanganan", "Signed on")),
    (
        "days_since_signed",
        l("Hari sejak ditandatangani", "Days since signed"),
    ),
    // follow_up_report_cycles
    ("reporting_cycle", l("Siklus pelaporan", "Reporting cycle")),
    ("cycle_start", l("Awal siklus", "Cycle start")),
    ("cycle_end", l("Akhir siklus", "Cycle end")),
    ("deadline", l("Batas waktu laporan", "Report deadline")),
    // MISSING or LATE: the report's status, not the agreement's (`state`).
    ("status", l("Status laporan", "Report status")),
    ("submitted_on", l("Tanggal disampaikan", "Submitted on")),
    // follow_up_no_realisation
    ("gap", l("Jenis kekurangan", "Gap")),
    // follow_up_overdue_recommendations
    ("recommendation", l("ID rekomendasi", "Recommendation ID")),
    ("meeting", l("ID rapat evaluasi", "Evaluation meeting ID")),
    ("held_on", l("Tanggal rapat", "Meeting date")),
    (
        "responsible_unit",
        l("Kode OPD penanggung jawab", "Responsible unit code"),
    ),
    ("description", l("Uraian rekomendasi", "Recommendation")),
    // follow_up_missing_documents
    (
        "document_type",
        l("Dokumen yang belum ada", "Missing document"),
    ),
    ("required_since", l("Wajib ada sejak", "Required since")),
    (
        "days_missing",
        l("Hari tanpa berkas", "Days without the file"),
    ),
    // agreement_register
    ("region_code", l("Kode wilayah", "Region code")),
    ("parent", l("ID kerja sama induk", "Parent agreement ID")),
    (
        "sector",
        l("Urusan pemerintahan", "Government affairs sector"),
    ),
    ("effective_from", l("Berlaku mulai", "Effective from")),
    ("terminated_on", l("Tanggal diakhiri", "Terminated on")),
    ("cancelled_on", l("Tanggal dibatalkan", "Cancelled on")),
    (
        "reports_owed_from",
        l("Laporan wajib sejak", "Reports owed from"),
    ),
    ("region_name", l("Nama wilayah", "Region name")),
    (
        "parent_document_number",
        l("Nomor dokumen induk", "Parent document number"),
    ),
    ("sector_name", l("Urusan (uraian)", "Sector (name)")),
    (
        "document_type_name",
        l("Dokumen yang belum ada (uraian)", "Missing document (name)"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The tables a run writes and their columns, in output order, as the
    /// metrics code builds them (`crate::metrics::TABLES` and each module's
    /// final `select`). Keep in step with jobs/src/metrics/*.rs.
    const REPORT: &[(&str, &[&str])] = &[
        (
            "evaluation_summary",
            &[
                "cooperation_type",
                "agreements",
                "active",
                "signed_in_period",
                "ended_in_period",
                "realised_idr_to_date",
                "realised_idr_in_period",
                "overdue_stages",
                "ending_within_90_days",
                "ending_within_180_days",
                "past_end",
                "ksb_without_pks",
                "missing_reports",
                "late_reports",
                "active_without_realisation",
                "overdue_recommendations",
            ],
        ),
        (
            "counts_by_type",
            &[
                "cooperation_type",
                "draft",
                "in_process",
                "active",
                "expired",
                "terminated",
                "cancelled",
                "total",
                "signed_in_period",
                "ended_in_period",
            ],
        ),
        (
            "counts_by_dimension",
            &[
                "dimension",
                "value",
                "draft",
                "in_process",
                "active",
                "expired",
                "terminated",
                "cancelled",
                "total",
                "signed_in_period",
                "ended_in_period",
            ],
        ),
        (
            "realised_benefits",
            &[
                "agreement",
                "title",
                "cooperation_type",
                "unit_code",
                "indicator",
                "indicator_title",
                "category",
                "beneficiary",
                "unit_of_measure",
                "target_value",
                "realised_to_date",
                "realised_in_period",
                "realisation_rate",
            ],
        ),
        (
            "realised_benefits_rollup",
            &[
                "dimension",
                "value",
                "unit_of_measure",
                "indicators",
                "target_value",
                "realised_to_date",
                "realised_in_period",
            ],
        ),
        (
            "overdue_stages",
            &[
                "agreement",
                "title",
                "cooperation_type",
                "unit_code",
                "stage_code",
                "started_on",
                "due_on",
                "days_overdue",
                "ageing_bucket",
            ],
        ),
        (
            "overdue_by_unit_stage",
            &[
                "unit_code",
                "stage_code",
                "overdue_stages",
                "days_1_30",
                "days_31_90",
                "days_91_180",
                "days_over_180",
                "max_days_overdue",
            ],
        ),
        (
            "stages_completed_late",
            &[
                "agreement",
                "title",
                "cooperation_type",
                "unit_code",
                "stage_code",
                "due_on",
                "completed_on",
                "days_late",
            ],
        ),
        (
            "renewal_watch",
            &[
                "agreement",
                "title",
                "cooperation_type",
                "document_kind",
                "unit_code",
                "effective_until",
                "days_to_end",
                "watch",
                "within_90_days",
                "within_180_days",
            ],
        ),
        (
            "follow_up_ksb_without_pks",
            &[
                "agreement",
                "title",
                "cooperation_type",
                "unit_code",
                "state",
                "signed_on",
                "days_since_signed",
            ],
        ),
        (
            "follow_up_report_cycles",
            &[
                "agreement",
                "title",
                "cooperation_type",
                "unit_code",
                "reporting_cycle",
                "cycle_start",
                "cycle_end",
                "deadline",
                "status",
                "submitted_on",
            ],
        ),
        (
            "follow_up_no_realisation",
            &[
                "agreement",
                "title",
                "cooperation_type",
                "unit_code",
                "gap",
                "indicators",
            ],
        ),
        (
            "follow_up_overdue_recommendations",
            &[
                "recommendation",
                "meeting",
                "held_on",
                "agreement",
                "responsible_unit",
                "description",
                "due_on",
                "days_overdue",
            ],
        ),
        (
            "follow_up_missing_documents",
            &[
                "agreement",
                "title",
                "cooperation_type",
                "document_kind",
                "unit_code",
                "document_type",
                "required_since",
                "days_missing",
            ],
        ),
        (
            "agreement_register",
            &[
                "agreement",
                "title",
                "region_code",
                "cooperation_type",
                "document_kind",
                "parent",
                "unit_code",
                "sector",
                "state",
                "signed_on",
                "effective_from",
                "effective_until",
                "terminated_on",
                "cancelled_on",
                "reporting_cycle",
                "reports_owed_from",
            ],
        ),
    ];

    fn assert_unique(what: &str, items: impl IntoIterator<Item = &'static str>) {
        let mut seen = HashSet::new();
        for item in items {
            assert!(seen.insert(item), "{what}: {item:?} appears twice");
        }
    }

    fn assert_filled(what: &str, text: &str) {
        assert!(!text.trim().is_empty(), "{what} is empty");
        assert_eq!(text, text.trim(), "{what} has spaces around it");
        assert!(!text.contains("  "), "{what} has a double space: {text:?}");
    }

    #[test]
    fn every_column_resolves() {
        for name in COLUMNS {
            let label = column(name).unwrap_or_else(|| panic!("column {name} has no label"));
            assert_filled(&format!("{name}.id"), label.id);
            assert_filled(&format!("{name}.en"), label.en);
        }
    }

    #[test]
    fn every_table_resolves() {
        for name in TABLES {
            let label = table(name).unwrap_or_else(|| panic!("table {name} has no label"));
            assert_filled(&format!("{name}.id"), label.id);
            assert_filled(&format!("{name}.en"), label.en);
            assert_filled(&format!("{name}.about_id"), label.about_id);
            assert_filled(&format!("{name}.about_en"), label.about_en);
            assert!(label.about_id.ends_with('.'), "{name}.about_id");
            assert!(label.about_en.ends_with('.'), "{name}.about_en");
        }
    }

    #[test]
    fn names_and_headings_are_unique() {
        assert_unique("COLUMNS", COLUMNS.iter().copied());
        assert_unique("TABLES", TABLES.iter().copied());
        // Two columns with one heading could not be told apart.
        assert_unique("column id", COLUMN_LABELS.iter().map(|(_, l)| l.id));
        assert_unique("column en", COLUMN_LABELS.iter().map(|(_, l)| l.en));
        assert_unique("table id", TABLE_LABELS.iter().map(|(_, l)| l.id));
        assert_unique("table en", TABLE_LABELS.iter().map(|(_, l)| l.en));
    }

    #[test]
    fn names_are_machine_names() {
        for name in COLUMNS.iter().chain(TABLES) {
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{name:?} is not a machine name"
            );
        }
    }

    #[test]
    fn column_headings_fit_a_table_header() {
        for (name, label) in COLUMN_LABELS {
            assert!(label.id.chars().count() <= 32, "{name}: {:?}", label.id);
            assert!(label.en.chars().count() <= 32, "{name}: {:?}", label.en);
        }
    }

    #[test]
    fn table_headings_fit_a_sheet_name() {
        for (name, label) in TABLE_LABELS {
            for heading in [label.id, label.en] {
                assert!(heading.chars().count() <= 31, "{name}: {heading:?}");
                assert!(
                    !heading.contains(['[', ']', ':', '*', '?', '/', '\\']),
                    "{name}: {heading:?} cannot name a sheet"
                );
            }
        }
    }

    #[test]
    fn unknown_names_fall_back() {
        assert_eq!(column("no_such_column"), None);
        assert_eq!(column(""), None);
        assert_eq!(table("no_such_table"), None);
        assert_eq!(table("counts_by_type.csv"), None);
    }

    #[test]
    fn catalogue_covers_the_report_exactly() {
        let tables: Vec<&str> = REPORT.iter().map(|(t, _)| *t).collect();
        assert_eq!(TABLES, tables.as_slice(), "tables, in output order");
        let used: HashSet<&str> = REPORT.iter().flat_map(|(_, c)| c.iter().copied()).collect();
        for (table, columns) in REPORT {
            for c in *columns {
                assert!(column(c).is_some(), "{table}.{c} has no label");
            }
        }
        for c in COLUMNS {
            assert!(
                used.contains(c) || NAME_COLUMNS.contains(c),
                "{c} is in no table of the report"
            );
        }
        // Every name column a table gets is catalogued, and every catalogued
        // one is some table's.
        let given: HashSet<String> = used
            .iter()
            .filter_map(|c| crate::names::name_column(c))
            .collect();
        for name in NAME_COLUMNS {
            assert!(column(name).is_some(), "{name} has no label");
            assert!(given.contains(*name), "{name} is given to no table");
        }
        for name in &given {
            assert!(
                NAME_COLUMNS.contains(&name.as_str()),
                "{name} is not in NAME_COLUMNS"
            );
        }
    }

    #[test]
    fn examples() {
        assert_eq!(
            column("realised_idr_to_date"),
            Some(Label {
                id: "Realisasi Rp s.d. saat ini",
                en: "Realised IDR to date"
            })
        );
        assert_eq!(
            column("ending_within_90_days").unwrap().id,
            "Berakhir ≤ 90 hari"
        );
        assert_eq!(column("unit_code").unwrap().id, "Kode OPD");
        assert_eq!(column("cooperation_type").unwrap().en, "Cooperation type");
        assert_eq!(table("renewal_watch").unwrap().en, "Renewal watch");
    }
}
