//! The core's validation messages in Bahasa Indonesia, for the import report.
//!
//! The use cases describe a rejected field in English (`FieldViolation`, in
//! `agreements`, `benefits`, `implementation_reports`, `stages`, `units`,
//! `documents`, `text`, and the date rule of `calendar`). A bulk import is read
//! by bureau staff, so its report gives each message in Bahasa Indonesia first
//! and the core's English second; this module is the Indonesian half.
//!
//! Fixed messages are looked up whole (`EXACT`); messages built with
//! `format!` are matched against their English template (`PATTERNS`, `{}`
//! standing for an interpolated value) and the values (dates, codes, numbers,
//! resource names) are carried into the Indonesian sentence unchanged. A
//! message this module does not know (a rule added to the core later) is not
//! lost: it comes back prefixed, still in English.
//!
//! Terms follow `jobs/src/labels.rs`: OPD (perangkat daerah), kerja sama,
//! tahapan, realisasi, laporan pelaksanaan, urusan pemerintahan; "today in
//! Asia/Jakarta" is "hari ini … WIB". Codes (KSDD, PKS, NOTA_KESEPAKATAN, …)
//! stay as written, since they are what the spreadsheet's cells hold.

/// The Bahasa Indonesia rendering of one core validation message (`english`, as the core wrote it, for `field`).
pub fn indonesian(field: &str, english: &str) -> String {
    // Every message reads the same whatever field it is about (the report
    // names the field itself); `field` is part of the signature so that a
    // message that ever needs it can be told apart without changing callers.
    let _ = field;
    if let Some((_, id)) = EXACT.iter().find(|(en, _)| *en == english) {
        return (*id).to_string();
    }
    for pattern in PATTERNS {
        if let Some(values) = captures(pattern.en, english) {
            let values: Vec<String> = values
                .iter()
                .enumerate()
                .map(|(i, value)| match pattern.words {
                    Some((at, translate)) if at == i => translate(value),
                    _ => (*value).to_string(),
                })
                .collect();
            return fill(pattern.id, &values);
        }
    }
    format!("Isian tidak sesuai aturan: {english}")
}

/// Messages written as fixed text, English to Indonesian.
const EXACT: &[(&str, &str)] = &[
    // text, implementation_reports
    ("required", "wajib diisi"),
    (
        "must not contain a NUL character",
        "tidak boleh memuat karakter NUL",
    ),
    // agreements, benefits, documents
    ("must not be negative", "tidak boleh bernilai negatif"),
    // agreements
    (
        "required: the Kemendagri code of the owning region, e.g. 36",
        "wajib diisi: kode wilayah Kemendagri daerah pemilik kerja sama, misalnya 36",
    ),
    (
        "must be a Kemendagri region code such as 36 or 36.71",
        "harus berupa kode wilayah Kemendagri, misalnya 36 atau 36.71",
    ),
    (
        "required: units/{code} of the initiating unit",
        "wajib diisi: kode OPD pemrakarsa (units/{kode})",
    ),
    (
        "required: a government affair code such as HEALTH",
        "wajib diisi: kode urusan pemerintahan, misalnya HEALTH",
    ),
    (
        "an LOI (pernyataan kehendak) is only used for KSDPL and KSDLL",
        "LOI (pernyataan kehendak) hanya digunakan untuk kerja sama KSDPL dan KSDLL",
    ),
    (
        "a NOTA_KESEPAKATAN is the SINERGI document",
        "NOTA_KESEPAKATAN hanya digunakan untuk kerja sama SINERGI",
    ),
    (
        "a SINERGI cooperation is signed as a NOTA_KESEPAKATAN",
        "kerja sama SINERGI ditandatangani dalam bentuk NOTA_KESEPAKATAN",
    ),
    (
        "an ADDENDUM needs the agreement it amends as parent",
        "ADDENDUM wajib mencantumkan kerja sama yang diubahnya sebagai induk",
    ),
    (
        "required for KSDD: MANDATORY (wajib) or VOLUNTARY (sukarela)",
        "wajib diisi untuk KSDD: MANDATORY (wajib) atau VOLUNTARY (sukarela)",
    ),
    (
        "only KSDD agreements have a basis",
        "hanya kerja sama KSDD yang memiliki sifat wajib atau sukarela",
    ),
    (
        "required when effective_until is set and the agreement is not signed",
        "wajib diisi apabila tanggal berlaku sampai diisi dan kerja sama belum ditandatangani",
    ),
    (
        "at least one partner is required",
        "paling sedikit satu mitra wajib diisi",
    ),
    (
        "required for an Indonesian regional government (Kemendagri code)",
        "wajib diisi untuk pemerintah daerah di Indonesia (kode wilayah Kemendagri)",
    ),
    (
        "only Indonesian regional governments have a region code",
        "hanya pemerintah daerah di Indonesia yang memiliki kode wilayah",
    ),
    (
        "must be a province code (36) for a province, a regency/city code (36.71) otherwise",
        "harus berupa kode provinsi (36) untuk pemerintah provinsi, atau kode kabupaten/kota (36.71) untuk pemerintah kabupaten/kota",
    ),
    (
        "a partner cannot be the owning region itself",
        "mitra tidak boleh sama dengan daerah pemilik kerja sama",
    ),
    (
        "required for a foreign partner (ISO 3166-1 alpha-2, e.g. JP)",
        "wajib diisi untuk mitra luar negeri (kode negara ISO 3166-1 alpha-2, misalnya JP)",
    ),
    (
        "only foreign partners have a country code",
        "hanya mitra luar negeri yang memiliki kode negara",
    ),
    (
        "must be an ISO 3166-1 alpha-2 code in capitals, e.g. JP",
        "harus berupa kode negara ISO 3166-1 alpha-2 dalam huruf kapital, misalnya JP",
    ),
    (
        "a foreign partner cannot be in Indonesia (ID)",
        "mitra luar negeri tidak boleh berkedudukan di Indonesia (ID)",
    ),
    (
        "an agreement cannot be its own parent",
        "kerja sama tidak boleh menjadi induk bagi dirinya sendiri",
    ),
    (
        "a written reason is required",
        "alasan tertulis wajib diisi",
    ),
    (
        "must be one of create_time, title, signed_on, effective_until, optionally followed by desc",
        "harus salah satu dari create_time, title, signed_on, effective_until, dapat diikuti desc",
    ),
    (
        "not a page token issued by this service",
        "bukan token halaman yang diterbitkan oleh layanan ini",
    ),
    // benefits
    (
        "rupiah amounts are whole numbers",
        "nilai rupiah harus berupa bilangan bulat",
    ),
    (
        "must not be before period_start",
        "tidak boleh sebelum awal periode",
    ),
    // implementation_reports
    (
        "must not be before the cycle starts",
        "tidak boleh sebelum awal siklus",
    ),
    ("must be 0 to 100", "harus bernilai 0 sampai 100"),
    // stages
    (
        "signing and DPRD approval stages cannot be made skippable",
        "tahapan penandatanganan dan persetujuan DPRD tidak dapat ditetapkan sebagai tahapan yang boleh dilewati",
    ),
    (
        "only a signed agreement (with signed_on) can be registered as complete through a stage",
        "hanya kerja sama yang sudah ditandatangani (tanggal penandatanganan terisi) yang dapat dicatat selesai sampai suatu tahapan",
    ),
    (
        "a written reason is required to skip a stage",
        "alasan tertulis wajib diisi untuk melewati tahapan",
    ),
    (
        "a written reason is required to reschedule",
        "alasan tertulis wajib diisi untuk menjadwalkan ulang",
    ),
    // units
    (
        "must be 2 to 32 of A-Z, 0-9, _, -, . starting with a letter or digit",
        "harus terdiri atas 2 sampai 32 karakter A-Z, 0-9, _, -, atau ., diawali huruf atau angka",
    ),
    // documents
    (
        "must be 64 lower-case hexadecimal digits",
        "harus berupa 64 digit heksadesimal huruf kecil",
    ),
    // calendar::DATE_RULE
    (
        "a date in YYYY-MM-DD form between 1900-01-01 and 2199-12-31",
        "tanggal berformat YYYY-MM-DD antara 1900-01-01 dan 2199-12-31",
    ),
];

/// A message built with `format!`.
struct Pattern {
    /// The English template, `{}` for each interpolated value.
    en: &'static str,
    /// The Indonesian, `{0}`, `{1}`, … for the values in their English order.
    id: &'static str,
    /// A value that is itself English words (not a code, date or number), by
    /// position, and how to translate it.
    words: Option<(usize, Translate)>,
}

/// Translates one interpolated value.
type Translate = fn(&str) -> String;

const fn p(en: &'static str, id: &'static str) -> Pattern {
    Pattern {
        en,
        id,
        words: None,
    }
}

/// Templates in matching order: where one template's text could also match
/// another (`… belongs to region {}` and `… belongs to region {}, not {}`),
/// the longer comes first.
const PATTERNS: &[Pattern] = &[
    // text, agreements, documents
    p(
        "must be at most {} characters",
        "paling banyak {0} karakter",
    ),
    p(
        "must be {} to {} characters (not only spaces)",
        "harus terdiri atas {0} sampai {1} karakter (tidak boleh hanya berisi spasi)",
    ),
    // benefits, documents, units
    p(
        "must be {} to {} characters",
        "harus terdiri atas {0} sampai {1} karakter",
    ),
    p(
        "must not contain the control character U+{}",
        "tidak boleh memuat karakter kontrol U+{0}",
    ),
    // agreements, benefits, implementation_reports, documents, stages
    p(
        "must not be in the future (today is {} in Asia/Jakarta): report what was realised",
        "tidak boleh di masa depan (hari ini {0} WIB): laporkan yang sudah terealisasi",
    ),
    p(
        "must not be in the future (today is {} in Asia/Jakarta)",
        "tidak boleh di masa depan (hari ini {0} WIB)",
    ),
    // agreements
    p(
        "a {} of type {} has no parent",
        "{0} pada kerja sama jenis {1} tidak memiliki induk",
    ),
    p(
        "must not be before effective_from ({})",
        "tidak boleh sebelum tanggal mulai berlaku ({0})",
    ),
    p("at most {} partners", "paling banyak {0} mitra"),
    p(
        "a {} partner must be one of {}",
        "jenis mitra kerja sama {0} harus salah satu dari: {1}",
    ),
    p(
        "{} belongs to region {}, not {}",
        "{0} milik daerah {1}, bukan {2}",
    ),
    p("{} belongs to region {}", "{0} milik daerah {1}"),
    p(
        "{} is a {} agreement, not {}",
        "{0} adalah kerja sama {1}, bukan {2}",
    ),
    Pattern {
        en: "the parent of a {} must be a {}; {} is a {}",
        id: "induk dari {0} harus berupa {1}; {2} adalah {3}",
        words: Some((1, or_list)),
    },
    p(
        "{} is not a government affair code (see the sectors list in the README)",
        "{0} bukan kode urusan pemerintahan (lihat daftar kode urusan pada README)",
    ),
    p("{} does not exist", "{0} tidak ditemukan"),
    p("{} is deleted", "{0} telah dihapus"),
    // benefits
    p(
        "{} is not a unit of measure; use one of {}",
        "{0} bukan satuan ukur yang dikenal; gunakan salah satu dari: {1}",
    ),
    p(
        "must not be before the agreement is in force ({})",
        "tidak boleh sebelum kerja sama mulai berlaku ({0})",
    ),
    p(
        "must not be more than {} days after the agreement ended ({})",
        "tidak boleh lebih dari {0} hari setelah kerja sama berakhir ({1})",
    ),
    p(
        "the period overlaps realisation {} ({} to {}) of the same indicator",
        "periode ini tumpang tindih dengan realisasi {0} ({1} s.d. {2}) pada indikator yang sama",
    ),
    // implementation_reports
    Pattern {
        en: "{} cycles start on the first day of a {}; {} is inside the cycle starting {}",
        id: "siklus {0} dimulai pada hari pertama {1}; {2} berada di dalam siklus yang dimulai {3}",
        words: Some((1, cycle_word)),
    },
    p(
        "the cycle {} to {} is outside the agreement's in-force period (from {})",
        "siklus {0} s.d. {1} berada di luar masa berlaku kerja sama (mulai {2})",
    ),
    // documents::ensure_evidence
    p(
        "{} is not a document of this agreement",
        "{0} bukan dokumen kerja sama ini",
    ),
    // documents
    p(
        "must be an absolute {} URI with a host and no spaces, e.g. {}",
        "harus berupa URI absolut (skema {0}) yang memuat nama host dan tanpa spasi, misalnya {1}",
    ),
    // stages
    p("{} has no stage {}", "{0} tidak memiliki tahapan {1}"),
    p("must be {} to {} days", "harus {0} sampai {1} hari"),
    p(
        "{} comes before signing; a signed agreement is complete through signing anyway",
        "{0} berada sebelum tahapan penandatanganan; kerja sama yang sudah ditandatangani dengan sendirinya telah selesai sampai tahapan penandatanganan",
    ),
    p(
        "{} is not a stage of this record; its stages are {}",
        "{0} bukan tahapan kerja sama ini; tahapannya adalah {1}",
    ),
    p(
        "must not be before the stage started ({})",
        "tidak boleh sebelum tahapan dimulai ({0})",
    ),
    // calendar::DATE_RULE, as the gRPC edge uses it
    p(
        "{} is not a date in YYYY-MM-DD form between 1900-01-01 and 2199-12-31",
        "{0} bukan tanggal berformat YYYY-MM-DD antara 1900-01-01 dan 2199-12-31",
    ),
];

/// `KSB or PKS` → `KSB atau PKS`.
fn or_list(value: &str) -> String {
    value.replace(" or ", " atau ")
}

/// `implementation_reports::cycle_word`.
fn cycle_word(value: &str) -> String {
    match value {
        "calendar quarter" => "triwulan kalender".to_string(),
        "half year (January or July)" => "semester (Januari atau Juli)".to_string(),
        "year" => "tahun".to_string(),
        other => other.to_string(),
    }
}

/// The values that `template`'s `{}` stand for in `text`, or None if `text`
/// does not have the template's shape. A value ends at the first occurrence of
/// the text that follows it in the template (the last at the end of `text`).
fn captures<'a>(template: &str, text: &'a str) -> Option<Vec<&'a str>> {
    let mut pieces = template.split("{}");
    let first = pieces.next().unwrap_or("");
    let mut rest = text.strip_prefix(first)?;
    let pieces: Vec<&str> = pieces.collect();
    if pieces.is_empty() {
        return rest.is_empty().then(Vec::new);
    }
    let mut values = Vec::with_capacity(pieces.len());
    for (i, piece) in pieces.iter().enumerate() {
        if i + 1 == pieces.len() {
            values.push(rest.strip_suffix(piece)?);
        } else {
            let at = rest.find(piece)?;
            values.push(&rest[..at]);
            rest = &rest[at + piece.len()..];
        }
    }
    Some(values)
}

/// `template` with `{0}`…`{9}` replaced by `values`; the values themselves are
/// not scanned again, so a value containing `{1}` stays as it is.
fn fill(template: &str, values: &[String]) -> String {
    let mut out =
        String::with_capacity(template.len() + values.iter().map(String::len).sum::<usize>());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let bytes = after.as_bytes();
        let value = (bytes.len() >= 3 && bytes[1].is_ascii_digit() && bytes[2] == b'}')
            .then(|| values.get(usize::from(bytes[1] - b'0')))
            .flatten();
        match value {
            Some(value) => {
                out.push_str(value);
                rest = &after[3..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FALLBACK: &str = "Isian tidak sesuai aturan: ";

    #[test]
    fn fixed_messages() {
        let cases = [
            ("summary", "required", "wajib diisi"),
            (
                "budget_idr",
                "must not be negative",
                "tidak boleh bernilai negatif",
            ),
            (
                "region_code",
                "must be a Kemendagri region code such as 36 or 36.71",
                "harus berupa kode wilayah Kemendagri, misalnya 36 atau 36.71",
            ),
            (
                "unit",
                "required: units/{code} of the initiating unit",
                "wajib diisi: kode OPD pemrakarsa (units/{kode})",
            ),
            (
                "document_kind",
                "an LOI (pernyataan kehendak) is only used for KSDPL and KSDLL",
                "LOI (pernyataan kehendak) hanya digunakan untuk kerja sama KSDPL dan KSDLL",
            ),
            (
                "ksdd_basis",
                "required for KSDD: MANDATORY (wajib) or VOLUNTARY (sukarela)",
                "wajib diisi untuk KSDD: MANDATORY (wajib) atau VOLUNTARY (sukarela)",
            ),
            (
                "parties[0].country_code",
                "a foreign partner cannot be in Indonesia (ID)",
                "mitra luar negeri tidak boleh berkedudukan di Indonesia (ID)",
            ),
            (
                "value",
                "rupiah amounts are whole numbers",
                "nilai rupiah harus berupa bilangan bulat",
            ),
            (
                "period_end",
                "must not be before period_start",
                "tidak boleh sebelum awal periode",
            ),
            (
                "progress_percent",
                "must be 0 to 100",
                "harus bernilai 0 sampai 100",
            ),
            (
                "sha256",
                "must be 64 lower-case hexadecimal digits",
                "harus berupa 64 digit heksadesimal huruf kecil",
            ),
            (
                "reason",
                "a written reason is required",
                "alasan tertulis wajib diisi",
            ),
        ];
        for (field, english, expected) in cases {
            assert_eq!(indonesian(field, english), expected, "{english}");
        }
    }

    #[test]
    fn formatted_messages() {
        let name = "agreements/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let cases = [
            (
                "signed_on",
                "must not be in the future (today is 2026-03-14 in Asia/Jakarta)".to_string(),
                "tidak boleh di masa depan (hari ini 2026-03-14 WIB)".to_string(),
            ),
            (
                "period_end",
                "must not be in the future (today is 2026-03-14 in Asia/Jakarta): report what was realised".to_string(),
                "tidak boleh di masa depan (hari ini 2026-03-14 WIB): laporkan yang sudah terealisasi".to_string(),
            ),
            (
                "effective_until",
                "must not be before effective_from (2025-01-02)".to_string(),
                "tidak boleh sebelum tanggal mulai berlaku (2025-01-02)".to_string(),
            ),
            (
                "title",
                "must be 1 to 500 characters (not only spaces)".to_string(),
                "harus terdiri atas 1 sampai 500 karakter (tidak boleh hanya berisi spasi)".to_string(),
            ),
            (
                "objective",
                "must be at most 5000 characters".to_string(),
                "paling banyak 5000 karakter".to_string(),
            ),
            (
                "display_name",
                "must be 1 to 200 characters".to_string(),
                "harus terdiri atas 1 sampai 200 karakter".to_string(),
            ),
            (
                "unit",
                "units/DPUPR belongs to region 36, not 36.71".to_string(),
                "units/DPUPR milik daerah 36, bukan 36.71".to_string(),
            ),
            (
                "parent",
                format!("{name} belongs to region 32"),
                format!("{name} milik daerah 32"),
            ),
            (
                "parent",
                format!("the parent of a ADDENDUM must be a KSB or PKS; {name} is a LOI"),
                format!("induk dari ADDENDUM harus berupa KSB atau PKS; {name} adalah LOI"),
            ),
            (
                "parties[1].kind",
                "a KSDD partner must be one of PROVINCE_GOVERNMENT, REGENCY_GOVERNMENT, CITY_GOVERNMENT".to_string(),
                "jenis mitra kerja sama KSDD harus salah satu dari: PROVINCE_GOVERNMENT, REGENCY_GOVERNMENT, CITY_GOVERNMENT".to_string(),
            ),
            (
                "sector",
                "HEALT is not a government affair code (see the sectors list in the README)".to_string(),
                "HEALT bukan kode urusan pemerintahan (lihat daftar kode urusan pada README)".to_string(),
            ),
            (
                "unit_of_measure",
                "\"ton\" is not a unit of measure; use one of IDR, KG, PERSON".to_string(),
                "\"ton\" bukan satuan ukur yang dikenal; gunakan salah satu dari: IDR, KG, PERSON".to_string(),
            ),
            (
                "period_end",
                "must not be more than 90 days after the agreement ended (2025-12-31)".to_string(),
                "tidak boleh lebih dari 90 hari setelah kerja sama berakhir (2025-12-31)".to_string(),
            ),
            (
                "cycle_start",
                "SEMESTER cycles start on the first day of a half year (January or July); 2026-03-01 is inside the cycle starting 2026-01-01".to_string(),
                "siklus SEMESTER dimulai pada hari pertama semester (Januari atau Juli); 2026-03-01 berada di dalam siklus yang dimulai 2026-01-01".to_string(),
            ),
            (
                "stages[2].code",
                "stageTemplates/KSDD.PKS.STANDALONE has no stage HARMONISASI".to_string(),
                "stageTemplates/KSDD.PKS.STANDALONE tidak memiliki tahapan HARMONISASI".to_string(),
            ),
            (
                "meeting.findings[2].text",
                "must not contain the control character U+001B".to_string(),
                "tidak boleh memuat karakter kontrol U+001B".to_string(),
            ),
        ];
        for (field, english, expected) in cases {
            assert_eq!(indonesian(field, &english), expected, "{english}");
        }
    }

    #[test]
    fn unknown_message_falls_back_to_english() {
        assert_eq!(
            indonesian("title", "must rhyme with kerja sama"),
            "Isian tidak sesuai aturan: must rhyme with kerja sama"
        );
        // A known template's words with extra text are not that template.
        assert_eq!(
            indonesian("summary", "required, and more"),
            "Isian tidak sesuai aturan: required, and more"
        );
        assert_eq!(indonesian("x", ""), "Isian tidak sesuai aturan: ");
    }

    #[test]
    fn interpolated_values_survive() {
        let cases: [(&str, &[&str]); 6] = [
            (
                "the period overlaps realisation benefitRealisations/7 (2026-01-01 to 2026-03-31) of the same indicator",
                &["benefitRealisations/7", "2026-01-01", "2026-03-31"],
            ),
            (
                "the cycle 2024-01-01 to 2024-03-31 is outside the agreement's in-force period (from 2024-06-15)",
                &["2024-01-01", "2024-03-31", "2024-06-15"],
            ),
            (
                "agreements/abc/documents/0190a1b2-c3d4 is not a document of this agreement",
                &["agreements/abc/documents/0190a1b2-c3d4"],
            ),
            (
                "must be an absolute https, http, s3 URI with a host and no spaces, e.g. https://arsip.bantenprov.go.id/ks/2024/12.pdf",
                &[
                    "https, http, s3",
                    "https://arsip.bantenprov.go.id/ks/2024/12.pdf",
                ],
            ),
            (
                "PENJAJAKAN is not a stage of this record; its stages are PENJAJAKAN_AWAL, TTD",
                &["PENJAJAKAN", "PENJAJAKAN_AWAL, TTD"],
            ),
            (
                "\"31/01/2026 {1}\" is not a date in YYYY-MM-DD form between 1900-01-01 and 2199-12-31",
                &["\"31/01/2026 {1}\""],
            ),
        ];
        for (english, values) in cases {
            let out = indonesian("f", english);
            assert!(!out.starts_with(FALLBACK), "{english} fell back");
            for value in values {
                assert!(out.contains(value), "{value} lost from {out:?}");
            }
        }
    }

    /// Every message the core's validators write, with sample values: none
    /// falls back, and no template placeholder is left unfilled.
    #[test]
    fn every_core_message_is_translated() {
        let name = "agreements/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let formatted = [
            "must be at most 200 characters".to_string(),
            "must be 1 to 500 characters (not only spaces)".to_string(),
            "must be 1 to 300 characters".to_string(),
            "must not contain the control character U+0007".to_string(),
            "must not be in the future (today is 2026-03-14 in Asia/Jakarta)".to_string(),
            "must not be in the future (today is 2026-03-14 in Asia/Jakarta): report what was realised".to_string(),
            "a ADDENDUM of type SINERGI has no parent".to_string(),
            "must not be before effective_from (2025-01-01)".to_string(),
            "at most 20 partners".to_string(),
            "a KSDPL partner must be one of FOREIGN_REGIONAL_GOVERNMENT".to_string(),
            format!("{name} does not exist"),
            "units/BAPPEDA does not exist".to_string(),
            format!("{name} is deleted"),
            format!("{name} belongs to region 36"),
            format!("{name} is a KSDD agreement, not KSDPK"),
            format!("the parent of a PKS must be a KSB; {name} is a PKS"),
            "units/BAPPEDA belongs to region 36.71, not 36".to_string(),
            "EDUCATON is not a government affair code (see the sectors list in the README)".to_string(),
            "\"kg\" is not a unit of measure; use one of IDR, KG".to_string(),
            "must not be before the agreement is in force (2025-01-01)".to_string(),
            "must not be more than 90 days after the agreement ended (2025-12-31)".to_string(),
            "the period overlaps realisation x (2026-01-01 to 2026-03-31) of the same indicator".to_string(),
            "QUARTERLY cycles start on the first day of a calendar quarter; 2026-02-01 is inside the cycle starting 2026-01-01".to_string(),
            "YEARLY cycles start on the first day of a year; 2026-02-01 is inside the cycle starting 2026-01-01".to_string(),
            "the cycle 2024-01-01 to 2024-03-31 is outside the agreement's in-force period (from 2024-06-15)".to_string(),
            format!("{name}/documents/0190 is not a document of this agreement"),
            "must be an absolute https, http, s3 URI with a host and no spaces, e.g. https://a.go.id/x.pdf".to_string(),
            "stageTemplates/KSDD.PKS.WITH_PARENT has no stage X".to_string(),
            "must be 1 to 3650 days".to_string(),
            "DRAFTING comes before signing; a signed agreement is complete through signing anyway".to_string(),
            "X is not a stage of this record; its stages are A, B".to_string(),
            "must not be before the stage started (2026-01-05)".to_string(),
            "\"2026-13-01\" is not a date in YYYY-MM-DD form between 1900-01-01 and 2199-12-31".to_string(),
        ];
        let fixed = EXACT.iter().map(|(en, _)| en.to_string());
        for english in formatted.into_iter().chain(fixed) {
            let out = indonesian("field", &english);
            assert!(!out.starts_with(FALLBACK), "{english} fell back");
            assert!(!out.contains("Asia/Jakarta"), "{out}");
            for i in 0..10 {
                assert!(!out.contains(&format!("{{{i}}}")), "{out}");
            }
        }
    }

    /// Each template, filled with plain values, is matched by itself and not
    /// by an earlier one (the order of `PATTERNS` is right), and uses every
    /// value it captures.
    #[test]
    fn every_pattern_is_reachable() {
        for pattern in PATTERNS {
            let count = pattern.en.matches("{}").count();
            let values: Vec<String> = (0..count).map(|i| format!("V{i}x")).collect();
            let mut english = String::new();
            for (i, piece) in pattern.en.split("{}").enumerate() {
                if i > 0 {
                    english.push_str(&values[i - 1]);
                }
                english.push_str(piece);
            }
            let first = PATTERNS
                .iter()
                .find(|p| captures(p.en, &english).is_some())
                .map(|p| p.en);
            assert_eq!(first, Some(pattern.en), "{english}");
            let out = indonesian("f", &english);
            for value in &values {
                assert!(out.contains(value.as_str()), "{value} lost from {out:?}");
            }
        }
        // A fixed message is not also the shape of a template.
        for (en, _) in EXACT {
            assert!(
                PATTERNS.iter().all(|p| captures(p.en, en).is_none()),
                "{en}"
            );
        }
    }

    #[test]
    fn capture_and_fill() {
        assert_eq!(
            captures("a {} b {}", "a 1 b 2 b 3"),
            Some(vec!["1", "2 b 3"])
        );
        assert_eq!(captures("x {} y", "x 1 z"), None);
        assert_eq!(captures("fixed", "fixed"), Some(vec![]));
        assert_eq!(captures("fixed", "fixed!"), None);
        let values = ["{1}".to_string(), "b".to_string()];
        assert_eq!(fill("{1}-{0}-{2}-{x}", &values), "b-{1}-{2}-{x}");
    }
}
