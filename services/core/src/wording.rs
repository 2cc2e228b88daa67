//! What the domain's rules say when they reject a value, by code, in both
//! languages. A [`FieldViolation`](crate::FieldViolation) made with
//! [`FieldViolation::says`](crate::FieldViolation::says) carries its wording's
//! code and the values it names; its English description is rendered from
//! `en`, and a reader who wants Bahasa Indonesia (the import's problem
//! report, a bureau's staff) gets `id` filled with the same values. The
//! translation is looked up by the code, never by matching English text, so
//! rewording a message changes both languages in this one file or neither.
//!
//! `{0}`, `{1}`, … stand for the values, in the order the rule gives them.
//! Values are dates, codes, numbers and resource names, carried into both
//! languages unchanged; where a value is itself English words, `translate`
//! names its position and how to say it in Indonesian. Terms follow the
//! labels of the reports: OPD (perangkat daerah), kerja sama, tahapan,
//! realisasi, laporan pelaksanaan, urusan pemerintahan; "today in
//! Asia/Jakarta" is "hari ini … WIB". Codes (KSDD, PKS, NOTA_KESEPAKATAN)
//! stay as written, since they are what clients and spreadsheets hold.

/// One rule's message, in English and Bahasa Indonesia.
#[derive(Debug)]
pub struct Wording {
    /// Stable: what programs and tests may match on.
    pub code: &'static str,
    pub en: &'static str,
    pub id: &'static str,
    /// A value (by position) that is English words, and its translation.
    pub translate: Option<(usize, Translate)>,
}

/// Says an English value in Indonesian.
pub type Translate = fn(&str) -> String;

impl Wording {
    /// The English message with `values` in place.
    pub fn english(&self, values: &[String]) -> String {
        fill(self.en, values)
    }

    /// The Indonesian message with `values` in place (translated where the
    /// wording says a value is English words).
    pub fn indonesian(&self, values: &[String]) -> String {
        match self.translate {
            Some((at, translate)) => {
                let values: Vec<String> = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| if i == at { translate(v) } else { v.clone() })
                    .collect();
                fill(self.id, &values)
            }
            None => fill(self.id, values),
        }
    }
}

/// `KSB or PKS` → `KSB atau PKS`.
fn or_list(value: &str) -> String {
    value.replace(" or ", " atau ")
}

/// The cycle words of `implementation_reports`.
fn cycle_word(value: &str) -> String {
    match value {
        "calendar quarter" => "triwulan kalender".to_string(),
        "half year (January or July)" => "semester (Januari atau Juli)".to_string(),
        "year" => "tahun".to_string(),
        other => other.to_string(),
    }
}

/// Why an ADDENDUM or LOI has no reporting cycles (`implementation_reports`).
fn no_cycles_reason(value: &str) -> String {
    match value {
        "the agreement it amends reports its implementation" => {
            "kerja sama yang diubahnya yang melaporkan pelaksanaannya".to_string()
        }
        "nothing is implemented under a statement of intent" => {
            "tidak ada yang dilaksanakan berdasarkan pernyataan kehendak".to_string()
        }
        other => other.to_string(),
    }
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

/// Every wording, for tests and for a client that wants the catalogue.
pub static ALL: &[&Wording] = &[
    &STAGE_CANNOT_BE_SKIPPED,
    &DELETED,
    &ALREADY_DELETED,
    &STAGES_CLOSED,
    &STAGE_NOT_PENDING,
    &STAGE_START_BLOCKED,
    &STAGE_START_BEFORE_PREVIOUS,
    &STAGE_NOT_IN_PROGRESS,
    &STAGE_NOT_STARTED,
    &STAGE_WAITS_FOR,
    &STAGE_COMPLETED_BEFORE_START,
    &STAGE_NEVER_SKIPPED,
    &STAGE_SKIP_NOT_OPEN,
    &STAGE_SKIP_BLOCKED,
    &STAGE_SKIP_TOO_EARLY,
    &STAGE_RESCHEDULE_NOT_IN_PROGRESS,
    &STAGE_RESCHEDULE_LIMIT,
    &TEMPLATE_IN_USE,
    &NOT_SIGNED_FOR_BENEFITS,
    &NO_REPORTING_CYCLES,
    &NOT_SIGNED_FOR_REPORTS,
    &FILE_TOO_LARGE,
    &FILE_TYPE_REFUSED,
    &FILE_PDF_ACTIVE,
    &FILE_PDF_ENCRYPTED,
    &FILE_HASH_MISMATCH,
    &FILE_EMPTY,
    &FILE_NOT_STORED,
    &FILE_QUOTA,
    &FILE_INFECTED,
    &FILE_NOT_YET_SCANNED,
    &FILE_HELD_INFECTED,
    &NOT_A_CALENDAR_DATE,
    &UNKNOWN_REGION,
    &REGION_IS_NOT_KIND,
    &STAGE_NOT_APPLICABLE,
    &EARLIER_STAGE_OPEN,
    &NOT_BEFORE_STAGE_BECAME_CURRENT,
    &HISTORY_FROM_NOT_FUTURE,
    &REQUIRED,
    &NO_NUL,
    &NOT_NEGATIVE,
    &REQUIRED_OWNING_REGION,
    &REGION_CODE_SHAPE,
    &REQUIRED_INITIATING_UNIT,
    &REQUIRED_SECTOR,
    &LOI_ONLY_ABROAD,
    &NOTA_KESEPAKATAN_ONLY_SINERGI,
    &SINERGI_NEEDS_NOTA_KESEPAKATAN,
    &ADDENDUM_NEEDS_PARENT,
    &REQUIRED_KSDD_BASIS,
    &BASIS_ONLY_KSDD,
    &REQUIRED_WITH_EFFECTIVE_UNTIL,
    &REQUIRED_PARTNER,
    &REQUIRED_PARTY_REGION,
    &PARTY_REGION_ONLY_REGIONS,
    &PARTY_REGION_LEVEL,
    &PARTNER_NOT_OWNER,
    &REQUIRED_COUNTRY,
    &COUNTRY_ONLY_FOREIGN,
    &COUNTRY_CODE_SHAPE,
    &FOREIGN_NOT_INDONESIA,
    &NOT_OWN_PARENT,
    &REQUIRED_REASON,
    &ORDER_BY_SHAPE,
    &PAGE_TOKEN_FOREIGN,
    &WHOLE_RUPIAH,
    &NOT_BEFORE_PERIOD_START,
    &NOT_BEFORE_CYCLE_START,
    &PERCENT_RANGE,
    &STAGE_NOT_SKIPPABLE,
    &COMPLETE_THROUGH_NEEDS_SIGNED,
    &REQUIRED_SKIP_REASON,
    &REQUIRED_RESCHEDULE_REASON,
    &UNIT_CODE_SHAPE,
    &SHA256_SHAPE,
    &AT_MOST_CHARACTERS,
    &CHARACTERS_NOT_BLANK,
    &CHARACTERS_BETWEEN,
    &NO_CONTROL_CHARACTER,
    &NOT_FUTURE_REALISED,
    &NOT_FUTURE,
    &NO_PARENT_FOR_KIND,
    &NOT_BEFORE_EFFECTIVE_FROM,
    &AT_MOST_PARTNERS,
    &PARTNER_KIND_FOR_TYPE,
    &OTHER_REGION,
    &BELONGS_TO_REGION,
    &PARENT_TYPE_DIFFERS,
    &PARENT_KIND,
    &UNKNOWN_SECTOR,
    &DOES_NOT_EXIST,
    &IS_DELETED,
    &UNKNOWN_UNIT_OF_MEASURE,
    &NOT_BEFORE_IN_FORCE,
    &TOO_LONG_AFTER_END,
    &PERIOD_OVERLAPS,
    &CYCLE_START_ALIGNED,
    &CYCLE_OUTSIDE_IN_FORCE,
    &NOT_THIS_AGREEMENTS_DOCUMENT,
    &URI_SHAPE,
    &NO_SUCH_STAGE,
    &DAYS_BETWEEN,
    &BEFORE_SIGNING_STAGE,
    &NOT_A_STAGE_OF_RECORD,
    &NOT_BEFORE_STAGE_START,
    &NOT_A_DATE,
    &REQUIRED_DATE,
    &NOT_A_UNIT_OF_REGION,
    &REQUIRED_MEETING_REGION,
    &PROVINCE_OR_REGION_CODE_SHAPE,
    &REQUIRED_PERIOD,
    &NOT_BEFORE_MEETING,
    &NOT_BEFORE_LAST_STATUS_CHANGE,
    &REQUIRED_DROP_REASON,
    &PAGE_TOKEN_STALE,
    &UNIT_OFFICER_NEEDS_UNIT,
    &UNIT_ONLY_FOR_UNIT_OFFICER,
    &NO_SUCH_UNIT,
    &UUID_SHAPE,
    &REQUEST_ID_REUSED,
];

/// required
pub static REQUIRED: Wording = Wording {
    code: "REQUIRED",
    en: "required",
    id: "wajib diisi",
    translate: None,
};

/// must not contain a NUL character
pub static NO_NUL: Wording = Wording {
    code: "NO_NUL",
    en: "must not contain a NUL character",
    id: "tidak boleh memuat karakter NUL",
    translate: None,
};

/// must not be negative
pub static NOT_NEGATIVE: Wording = Wording {
    code: "NOT_NEGATIVE",
    en: "must not be negative",
    id: "tidak boleh bernilai negatif",
    translate: None,
};

/// required: the Kemendagri code of the owning region, e.g. 36
pub static REQUIRED_OWNING_REGION: Wording = Wording {
    code: "REQUIRED_OWNING_REGION",
    en: "required: the Kemendagri code of the owning region, e.g. 36",
    id: "wajib diisi: kode wilayah Kemendagri daerah pemilik kerja sama, misalnya 36",
    translate: None,
};

/// must be a Kemendagri region code such as 36 or 36.71
pub static REGION_CODE_SHAPE: Wording = Wording {
    code: "REGION_CODE_SHAPE",
    en: "must be a Kemendagri region code such as 36 or 36.71",
    id: "harus berupa kode wilayah Kemendagri, misalnya 36 atau 36.71",
    translate: None,
};

/// required: units/{code} of the initiating unit
pub static REQUIRED_INITIATING_UNIT: Wording = Wording {
    code: "REQUIRED_INITIATING_UNIT",
    en: "required: units/{code} of the initiating unit",
    id: "wajib diisi: kode OPD pemrakarsa (units/{kode})",
    translate: None,
};

/// required: a government affair code such as HEALTH
pub static REQUIRED_SECTOR: Wording = Wording {
    code: "REQUIRED_SECTOR",
    en: "required: a government affair code such as HEALTH",
    id: "wajib diisi: kode urusan pemerintahan, misalnya HEALTH",
    translate: None,
};

/// an LOI (pernyataan kehendak) is only used for KSDPL and KSDLL
pub static LOI_ONLY_ABROAD: Wording = Wording {
    code: "LOI_ONLY_ABROAD",
    en: "an LOI (pernyataan kehendak) is only used for KSDPL and KSDLL",
    id: "LOI (pernyataan kehendak) hanya digunakan untuk kerja sama KSDPL dan KSDLL",
    translate: None,
};

/// a NOTA_KESEPAKATAN is the SINERGI document
pub static NOTA_KESEPAKATAN_ONLY_SINERGI: Wording = Wording {
    code: "NOTA_KESEPAKATAN_ONLY_SINERGI",
    en: "a NOTA_KESEPAKATAN is the SINERGI document",
    id: "NOTA_KESEPAKATAN hanya digunakan untuk kerja sama SINERGI",
    translate: None,
};

/// a SINERGI cooperation is signed as a NOTA_KESEPAKATAN
pub static SINERGI_NEEDS_NOTA_KESEPAKATAN: Wording = Wording {
    code: "SINERGI_NEEDS_NOTA_KESEPAKATAN",
    en: "a SINERGI cooperation is signed as a NOTA_KESEPAKATAN",
    id: "kerja sama SINERGI ditandatangani dalam bentuk NOTA_KESEPAKATAN",
    translate: None,
};

/// an ADDENDUM needs the agreement it amends as parent
pub static ADDENDUM_NEEDS_PARENT: Wording = Wording {
    code: "ADDENDUM_NEEDS_PARENT",
    en: "an ADDENDUM needs the agreement it amends as parent",
    id: "ADDENDUM wajib mencantumkan kerja sama yang diubahnya sebagai induk",
    translate: None,
};

/// required for KSDD: MANDATORY (wajib) or VOLUNTARY (sukarela)
pub static REQUIRED_KSDD_BASIS: Wording = Wording {
    code: "REQUIRED_KSDD_BASIS",
    en: "required for KSDD: MANDATORY (wajib) or VOLUNTARY (sukarela)",
    id: "wajib diisi untuk KSDD: MANDATORY (wajib) atau VOLUNTARY (sukarela)",
    translate: None,
};

/// only KSDD agreements have a basis
pub static BASIS_ONLY_KSDD: Wording = Wording {
    code: "BASIS_ONLY_KSDD",
    en: "only KSDD agreements have a basis",
    id: "hanya kerja sama KSDD yang memiliki sifat wajib atau sukarela",
    translate: None,
};

/// required when effective_until is set and the agreement is not signed
pub static REQUIRED_WITH_EFFECTIVE_UNTIL: Wording = Wording {
    code: "REQUIRED_WITH_EFFECTIVE_UNTIL",
    en: "required when effective_until is set and the agreement is not signed",
    id: "wajib diisi apabila tanggal berlaku sampai diisi dan kerja sama belum ditandatangani",
    translate: None,
};

/// at least one partner is required
pub static REQUIRED_PARTNER: Wording = Wording {
    code: "REQUIRED_PARTNER",
    en: "at least one partner is required",
    id: "paling sedikit satu mitra wajib diisi",
    translate: None,
};

/// required for an Indonesian regional government (Kemendagri code)
pub static REQUIRED_PARTY_REGION: Wording = Wording {
    code: "REQUIRED_PARTY_REGION",
    en: "required for an Indonesian regional government (Kemendagri code)",
    id: "wajib diisi untuk pemerintah daerah di Indonesia (kode wilayah Kemendagri)",
    translate: None,
};

/// only Indonesian regional governments have a region code
pub static PARTY_REGION_ONLY_REGIONS: Wording = Wording {
    code: "PARTY_REGION_ONLY_REGIONS",
    en: "only Indonesian regional governments have a region code",
    id: "hanya pemerintah daerah di Indonesia yang memiliki kode wilayah",
    translate: None,
};

/// must be a province code (36) for a province, a regency/city code (36.71) otherwise
pub static PARTY_REGION_LEVEL: Wording = Wording {
    code: "PARTY_REGION_LEVEL",
    en: "must be a province code (36) for a province, a regency/city code (36.71) otherwise",
    id: "harus berupa kode provinsi (36) untuk pemerintah provinsi, atau kode kabupaten/kota (36.71) untuk pemerintah kabupaten/kota",
    translate: None,
};

/// a partner cannot be the owning region itself
pub static PARTNER_NOT_OWNER: Wording = Wording {
    code: "PARTNER_NOT_OWNER",
    en: "a partner cannot be the owning region itself",
    id: "mitra tidak boleh sama dengan daerah pemilik kerja sama",
    translate: None,
};

/// required for a foreign partner (ISO 3166-1 alpha-2, e.g. JP)
pub static REQUIRED_COUNTRY: Wording = Wording {
    code: "REQUIRED_COUNTRY",
    en: "required for a foreign partner (ISO 3166-1 alpha-2, e.g. JP)",
    id: "wajib diisi untuk mitra luar negeri (kode negara ISO 3166-1 alpha-2, misalnya JP)",
    translate: None,
};

/// only foreign partners have a country code
pub static COUNTRY_ONLY_FOREIGN: Wording = Wording {
    code: "COUNTRY_ONLY_FOREIGN",
    en: "only foreign partners have a country code",
    id: "hanya mitra luar negeri yang memiliki kode negara",
    translate: None,
};

/// must be an ISO 3166-1 alpha-2 code in capitals, e.g. JP
pub static COUNTRY_CODE_SHAPE: Wording = Wording {
    code: "COUNTRY_CODE_SHAPE",
    en: "must be an ISO 3166-1 alpha-2 code in capitals, e.g. JP",
    id: "harus berupa kode negara ISO 3166-1 alpha-2 dalam huruf kapital, misalnya JP",
    translate: None,
};

/// a foreign partner cannot be in Indonesia (ID)
pub static FOREIGN_NOT_INDONESIA: Wording = Wording {
    code: "FOREIGN_NOT_INDONESIA",
    en: "a foreign partner cannot be in Indonesia (ID)",
    id: "mitra luar negeri tidak boleh berkedudukan di Indonesia (ID)",
    translate: None,
};

/// an agreement cannot be its own parent
pub static NOT_OWN_PARENT: Wording = Wording {
    code: "NOT_OWN_PARENT",
    en: "an agreement cannot be its own parent",
    id: "kerja sama tidak boleh menjadi induk bagi dirinya sendiri",
    translate: None,
};

/// a written reason is required
pub static REQUIRED_REASON: Wording = Wording {
    code: "REQUIRED_REASON",
    en: "a written reason is required",
    id: "alasan tertulis wajib diisi",
    translate: None,
};

/// must be one of create_time, title, signed_on, effective_until, optionally followed by desc
pub static ORDER_BY_SHAPE: Wording = Wording {
    code: "ORDER_BY_SHAPE",
    en: "must be one of create_time, title, signed_on, effective_until, optionally followed by desc",
    id: "harus salah satu dari create_time, title, signed_on, effective_until, dapat diikuti desc",
    translate: None,
};

/// not a page token issued by this service
pub static PAGE_TOKEN_FOREIGN: Wording = Wording {
    code: "PAGE_TOKEN_FOREIGN",
    en: "not a page token issued by this service",
    id: "bukan token halaman yang diterbitkan oleh layanan ini",
    translate: None,
};

/// rupiah amounts are whole numbers
pub static WHOLE_RUPIAH: Wording = Wording {
    code: "WHOLE_RUPIAH",
    en: "rupiah amounts are whole numbers",
    id: "nilai rupiah harus berupa bilangan bulat",
    translate: None,
};

/// must not be before period_start
pub static NOT_BEFORE_PERIOD_START: Wording = Wording {
    code: "NOT_BEFORE_PERIOD_START",
    en: "must not be before period_start",
    id: "tidak boleh sebelum awal periode",
    translate: None,
};

/// must not be before the cycle starts
pub static NOT_BEFORE_CYCLE_START: Wording = Wording {
    code: "NOT_BEFORE_CYCLE_START",
    en: "must not be before the cycle starts",
    id: "tidak boleh sebelum awal siklus",
    translate: None,
};

/// must be 0 to 100
pub static PERCENT_RANGE: Wording = Wording {
    code: "PERCENT_RANGE",
    en: "must be 0 to 100",
    id: "harus bernilai 0 sampai 100",
    translate: None,
};

/// signing and DPRD approval stages cannot be made skippable
pub static STAGE_NOT_SKIPPABLE: Wording = Wording {
    code: "STAGE_NOT_SKIPPABLE",
    en: "signing and DPRD approval stages cannot be made skippable",
    id: "tahapan penandatanganan dan persetujuan DPRD tidak dapat ditetapkan sebagai tahapan yang boleh dilewati",
    translate: None,
};

/// only a signed agreement (with signed_on) can be registered as complete through a stage
pub static COMPLETE_THROUGH_NEEDS_SIGNED: Wording = Wording {
    code: "COMPLETE_THROUGH_NEEDS_SIGNED",
    en: "only a signed agreement (with signed_on) can be registered as complete through a stage",
    id: "hanya kerja sama yang sudah ditandatangani (tanggal penandatanganan terisi) yang dapat dicatat selesai sampai suatu tahapan",
    translate: None,
};

/// a written reason is required to skip a stage
pub static REQUIRED_SKIP_REASON: Wording = Wording {
    code: "REQUIRED_SKIP_REASON",
    en: "a written reason is required to skip a stage",
    id: "alasan tertulis wajib diisi untuk melewati tahapan",
    translate: None,
};

/// a written reason is required to reschedule
pub static REQUIRED_RESCHEDULE_REASON: Wording = Wording {
    code: "REQUIRED_RESCHEDULE_REASON",
    en: "a written reason is required to reschedule",
    id: "alasan tertulis wajib diisi untuk menjadwalkan ulang",
    translate: None,
};

/// must be 2 to 32 of A-Z, 0-9, _, -, . starting with a letter or digit
pub static UNIT_CODE_SHAPE: Wording = Wording {
    code: "UNIT_CODE_SHAPE",
    en: "must be 2 to 32 of A-Z, 0-9, _, -, . starting with a letter or digit",
    id: "harus terdiri atas 2 sampai 32 karakter A-Z, 0-9, _, -, atau ., diawali huruf atau angka",
    translate: None,
};

/// must be 64 lower-case hexadecimal digits
pub static SHA256_SHAPE: Wording = Wording {
    code: "SHA256_SHAPE",
    en: "must be 64 lower-case hexadecimal digits",
    id: "harus berupa 64 digit heksadesimal huruf kecil",
    translate: None,
};

/// must be at most {0} characters
pub static AT_MOST_CHARACTERS: Wording = Wording {
    code: "AT_MOST_CHARACTERS",
    en: "must be at most {0} characters",
    id: "paling banyak {0} karakter",
    translate: None,
};

/// must be {0} to {1} characters (not only spaces)
pub static CHARACTERS_NOT_BLANK: Wording = Wording {
    code: "CHARACTERS_NOT_BLANK",
    en: "must be {0} to {1} characters (not only spaces)",
    id: "harus terdiri atas {0} sampai {1} karakter (tidak boleh hanya berisi spasi)",
    translate: None,
};

/// must be {0} to {1} characters
pub static CHARACTERS_BETWEEN: Wording = Wording {
    code: "CHARACTERS_BETWEEN",
    en: "must be {0} to {1} characters",
    id: "harus terdiri atas {0} sampai {1} karakter",
    translate: None,
};

/// must not contain the control character U+{0}
pub static NO_CONTROL_CHARACTER: Wording = Wording {
    code: "NO_CONTROL_CHARACTER",
    en: "must not contain the control character U+{0}",
    id: "tidak boleh memuat karakter kontrol U+{0}",
    translate: None,
};

/// must not be in the future (today is {0} in Asia/Jakarta): report what was realised
pub static NOT_FUTURE_REALISED: Wording = Wording {
    code: "NOT_FUTURE_REALISED",
    en: "must not be in the future (today is {0} in Asia/Jakarta): report what was realised",
    id: "tidak boleh di masa depan (hari ini {0} WIB): laporkan yang sudah terealisasi",
    translate: None,
};

/// must not be in the future (today is {0} in Asia/Jakarta)
pub static NOT_FUTURE: Wording = Wording {
    code: "NOT_FUTURE",
    en: "must not be in the future (today is {0} in Asia/Jakarta)",
    id: "tidak boleh di masa depan (hari ini {0} WIB)",
    translate: None,
};

/// a {0} of type {1} has no parent
pub static NO_PARENT_FOR_KIND: Wording = Wording {
    code: "NO_PARENT_FOR_KIND",
    en: "a {0} of type {1} has no parent",
    id: "{0} pada kerja sama jenis {1} tidak memiliki induk",
    translate: None,
};

/// must not be before effective_from ({0})
pub static NOT_BEFORE_EFFECTIVE_FROM: Wording = Wording {
    code: "NOT_BEFORE_EFFECTIVE_FROM",
    en: "must not be before effective_from ({0})",
    id: "tidak boleh sebelum tanggal mulai berlaku ({0})",
    translate: None,
};

/// at most {0} partners
pub static AT_MOST_PARTNERS: Wording = Wording {
    code: "AT_MOST_PARTNERS",
    en: "at most {0} partners",
    id: "paling banyak {0} mitra",
    translate: None,
};

/// a {0} partner must be one of {1}
pub static PARTNER_KIND_FOR_TYPE: Wording = Wording {
    code: "PARTNER_KIND_FOR_TYPE",
    en: "a {0} partner must be one of {1}",
    id: "jenis mitra kerja sama {0} harus salah satu dari: {1}",
    translate: None,
};

/// {0} belongs to region {1}, not {2}
pub static OTHER_REGION: Wording = Wording {
    code: "OTHER_REGION",
    en: "{0} belongs to region {1}, not {2}",
    id: "{0} milik daerah {1}, bukan {2}",
    translate: None,
};

/// {0} belongs to region {1}
pub static BELONGS_TO_REGION: Wording = Wording {
    code: "BELONGS_TO_REGION",
    en: "{0} belongs to region {1}",
    id: "{0} milik daerah {1}",
    translate: None,
};

/// {0} is a {1} agreement, not {2}
pub static PARENT_TYPE_DIFFERS: Wording = Wording {
    code: "PARENT_TYPE_DIFFERS",
    en: "{0} is a {1} agreement, not {2}",
    id: "{0} adalah kerja sama {1}, bukan {2}",
    translate: None,
};

/// the parent of a {0} must be a {1}; {2} is a {3}
pub static PARENT_KIND: Wording = Wording {
    code: "PARENT_KIND",
    en: "the parent of a {0} must be a {1}; {2} is a {3}",
    id: "induk dari {0} harus berupa {1}; {2} adalah {3}",
    translate: Some((1, or_list)),
};

/// {0} is not a government affair code (see the sectors list in the README)
pub static UNKNOWN_SECTOR: Wording = Wording {
    code: "UNKNOWN_SECTOR",
    en: "{0} is not a government affair code (see the sectors list in the README)",
    id: "{0} bukan kode urusan pemerintahan (lihat daftar kode urusan pada README)",
    translate: None,
};

/// {0} does not exist
pub static DOES_NOT_EXIST: Wording = Wording {
    code: "DOES_NOT_EXIST",
    en: "{0} does not exist",
    id: "{0} tidak ditemukan",
    translate: None,
};

/// {0} is deleted
pub static IS_DELETED: Wording = Wording {
    code: "IS_DELETED",
    en: "{0} is deleted",
    id: "{0} telah dihapus",
    translate: None,
};

/// {0} is not a unit of measure; use one of {1}
pub static UNKNOWN_UNIT_OF_MEASURE: Wording = Wording {
    code: "UNKNOWN_UNIT_OF_MEASURE",
    en: "{0} is not a unit of measure; use one of {1}",
    id: "{0} bukan satuan ukur yang dikenal; gunakan salah satu dari: {1}",
    translate: None,
};

/// must not be before the agreement is in force ({0})
pub static NOT_BEFORE_IN_FORCE: Wording = Wording {
    code: "NOT_BEFORE_IN_FORCE",
    en: "must not be before the agreement is in force ({0})",
    id: "tidak boleh sebelum kerja sama mulai berlaku ({0})",
    translate: None,
};

/// must not be more than {0} days after the agreement ended ({1})
pub static TOO_LONG_AFTER_END: Wording = Wording {
    code: "TOO_LONG_AFTER_END",
    en: "must not be more than {0} days after the agreement ended ({1})",
    id: "tidak boleh lebih dari {0} hari setelah kerja sama berakhir ({1})",
    translate: None,
};

/// the period overlaps realisation {0} ({1} to {2}) of the same indicator
pub static PERIOD_OVERLAPS: Wording = Wording {
    code: "PERIOD_OVERLAPS",
    en: "the period overlaps realisation {0} ({1} to {2}) of the same indicator",
    id: "periode ini tumpang tindih dengan realisasi {0} ({1} s.d. {2}) pada indikator yang sama",
    translate: None,
};

/// {0} cycles start on the first day of a {1}; {2} is inside the cycle starting {3}
pub static CYCLE_START_ALIGNED: Wording = Wording {
    code: "CYCLE_START_ALIGNED",
    en: "{0} cycles start on the first day of a {1}; {2} is inside the cycle starting {3}",
    id: "siklus {0} dimulai pada hari pertama {1}; {2} berada di dalam siklus yang dimulai {3}",
    translate: Some((1, cycle_word)),
};

/// the cycle {0} to {1} is outside the agreement's in-force period (from {2})
pub static CYCLE_OUTSIDE_IN_FORCE: Wording = Wording {
    code: "CYCLE_OUTSIDE_IN_FORCE",
    en: "the cycle {0} to {1} is outside the agreement's in-force period (from {2})",
    id: "siklus {0} s.d. {1} berada di luar masa berlaku kerja sama (mulai {2})",
    translate: None,
};

/// {0} is not a document of this agreement
pub static NOT_THIS_AGREEMENTS_DOCUMENT: Wording = Wording {
    code: "NOT_THIS_AGREEMENTS_DOCUMENT",
    en: "{0} is not a document of this agreement",
    id: "{0} bukan dokumen kerja sama ini",
    translate: None,
};

/// must be an absolute {0} URI with a host and no spaces, e.g. {1}
pub static URI_SHAPE: Wording = Wording {
    code: "URI_SHAPE",
    en: "must be an absolute {0} URI with a host and no spaces, e.g. {1}",
    id: "harus berupa URI absolut (skema {0}) yang memuat nama host dan tanpa spasi, misalnya {1}",
    translate: None,
};

/// {0} has no stage {1}
pub static NO_SUCH_STAGE: Wording = Wording {
    code: "NO_SUCH_STAGE",
    en: "{0} has no stage {1}",
    id: "{0} tidak memiliki tahapan {1}",
    translate: None,
};

/// must be {0} to {1} days
pub static DAYS_BETWEEN: Wording = Wording {
    code: "DAYS_BETWEEN",
    en: "must be {0} to {1} days",
    id: "harus {0} sampai {1} hari",
    translate: None,
};

/// {0} comes before signing; a signed agreement is complete through signing anyway
pub static BEFORE_SIGNING_STAGE: Wording = Wording {
    code: "BEFORE_SIGNING_STAGE",
    en: "{0} comes before signing; a signed agreement is complete through signing anyway",
    id: "{0} berada sebelum tahapan penandatanganan; kerja sama yang sudah ditandatangani dengan sendirinya telah selesai sampai tahapan penandatanganan",
    translate: None,
};

/// {0} is not a stage of this record; its stages are {1}
pub static NOT_A_STAGE_OF_RECORD: Wording = Wording {
    code: "NOT_A_STAGE_OF_RECORD",
    en: "{0} is not a stage of this record; its stages are {1}",
    id: "{0} bukan tahapan kerja sama ini; tahapannya adalah {1}",
    translate: None,
};

/// must not be before the stage started ({0})
pub static NOT_BEFORE_STAGE_START: Wording = Wording {
    code: "NOT_BEFORE_STAGE_START",
    en: "must not be before the stage started ({0})",
    id: "tidak boleh sebelum tahapan dimulai ({0})",
    translate: None,
};

/// {0} is not a date in YYYY-MM-DD form between 1900-01-01 and 2199-12-31
pub static NOT_A_DATE: Wording = Wording {
    code: "NOT_A_DATE",
    en: "{0} is not a date in YYYY-MM-DD form between 1900-01-01 and 2199-12-31",
    id: "{0} bukan tanggal berformat YYYY-MM-DD antara 1900-01-01 dan 2199-12-31",
    translate: None,
};

/// required (YYYY-MM-DD)
pub static REQUIRED_DATE: Wording = Wording {
    code: "REQUIRED_DATE",
    en: "required (YYYY-MM-DD)",
    id: "wajib diisi (YYYY-MM-DD)",
    translate: None,
};

/// {0} is not a unit of region {1}
pub static NOT_A_UNIT_OF_REGION: Wording = Wording {
    code: "NOT_A_UNIT_OF_REGION",
    en: "{0} is not a unit of region {1}",
    id: "{0} bukan OPD daerah {1}",
    translate: None,
};

/// required: the region whose meeting this is, e.g. 36
pub static REQUIRED_MEETING_REGION: Wording = Wording {
    code: "REQUIRED_MEETING_REGION",
    en: "required: the region whose meeting this is, e.g. 36",
    id: "wajib diisi: daerah penyelenggara rapat, misalnya 36",
    translate: None,
};

/// must be a Kemendagri region code such as 36
pub static PROVINCE_OR_REGION_CODE_SHAPE: Wording = Wording {
    code: "PROVINCE_OR_REGION_CODE_SHAPE",
    en: "must be a Kemendagri region code such as 36",
    id: "harus berupa kode wilayah Kemendagri, misalnya 36",
    translate: None,
};

/// required: the period covered has a start and an end (YYYY-MM-DD)
pub static REQUIRED_PERIOD: Wording = Wording {
    code: "REQUIRED_PERIOD",
    en: "required: the period covered has a start and an end (YYYY-MM-DD)",
    id: "wajib diisi: periode yang dievaluasi memiliki tanggal awal dan akhir (YYYY-MM-DD)",
    translate: None,
};

/// must not be before the meeting ({0})
pub static NOT_BEFORE_MEETING: Wording = Wording {
    code: "NOT_BEFORE_MEETING",
    en: "must not be before the meeting ({0})",
    id: "tidak boleh sebelum tanggal rapat ({0})",
    translate: None,
};

/// must not be before the last status change ({0})
pub static NOT_BEFORE_LAST_STATUS_CHANGE: Wording = Wording {
    code: "NOT_BEFORE_LAST_STATUS_CHANGE",
    en: "must not be before the last status change ({0})",
    id: "tidak boleh sebelum perubahan status terakhir ({0})",
    translate: None,
};

/// a reason is required to drop a recommendation
pub static REQUIRED_DROP_REASON: Wording = Wording {
    code: "REQUIRED_DROP_REASON",
    en: "a reason is required to drop a recommendation",
    id: "alasan wajib diisi untuk membatalkan rekomendasi",
    translate: None,
};

/// the request's filters or order changed since this token was issued
pub static PAGE_TOKEN_STALE: Wording = Wording {
    code: "PAGE_TOKEN_STALE",
    en: "the request's filters or order changed since this token was issued",
    id: "filter atau urutan permintaan berubah sejak token halaman ini diterbitkan",
    translate: None,
};

/// a UNIT_OFFICER token needs its unit
pub static UNIT_OFFICER_NEEDS_UNIT: Wording = Wording {
    code: "UNIT_OFFICER_NEEDS_UNIT",
    en: "a UNIT_OFFICER token needs its unit",
    id: "token UNIT_OFFICER wajib terikat pada OPD-nya",
    translate: None,
};

/// only UNIT_OFFICER tokens are bound to a unit
pub static UNIT_ONLY_FOR_UNIT_OFFICER: Wording = Wording {
    code: "UNIT_ONLY_FOR_UNIT_OFFICER",
    en: "only UNIT_OFFICER tokens are bound to a unit",
    id: "hanya token UNIT_OFFICER yang terikat pada OPD",
    translate: None,
};

/// no unit {0}
pub static NO_SUCH_UNIT: Wording = Wording {
    code: "NO_SUCH_UNIT",
    en: "no unit {0}",
    id: "OPD {0} tidak ditemukan",
    translate: None,
};

/// must be a UUID
pub static UUID_SHAPE: Wording = Wording {
    code: "UUID_SHAPE",
    en: "must be a UUID",
    id: "harus berupa UUID",
    translate: None,
};

/// already used for a different request; use a new request_id for a new resource
pub static REQUEST_ID_REUSED: Wording = Wording {
    code: "REQUEST_ID_REUSED",
    en: "already used for a different request; use a new request_id for a new resource",
    id: "sudah dipakai untuk permintaan lain; gunakan request_id baru untuk sumber daya baru",
    translate: None,
};

/// {0} does not apply to this record (its DPRD approval is not required)
pub static STAGE_NOT_APPLICABLE: Wording = Wording {
    code: "STAGE_NOT_APPLICABLE",
    en: "{0} does not apply to this record (DPRD approval is not required)",
    id: "tahapan {0} tidak berlaku untuk kerja sama ini (tidak memerlukan persetujuan DPRD)",
    translate: None,
};

/// {0} cannot be recorded before {1} is done or skipped (it is {2})
pub static EARLIER_STAGE_OPEN: Wording = Wording {
    code: "EARLIER_STAGE_OPEN",
    en: "{0} cannot be recorded before stage {1} is done or skipped (it is {2})",
    id: "tahapan {0} tidak dapat dicatat sebelum tahapan {1} selesai atau dilewati (statusnya {2})",
    translate: None,
};

/// must not be before the stage became current ({0})
pub static NOT_BEFORE_STAGE_BECAME_CURRENT: Wording = Wording {
    code: "NOT_BEFORE_STAGE_BECAME_CURRENT",
    en: "must not be before the stage became current ({0}: the previous stage was settled then)",
    id: "tidak boleh sebelum tahapan ini berjalan ({0}: tahapan sebelumnya selesai pada tanggal itu)",
    translate: None,
};

/// must not be after today
pub static HISTORY_FROM_NOT_FUTURE: Wording = Wording {
    code: "HISTORY_FROM_NOT_FUTURE",
    en: "must not be in the future (today is {0} in Asia/Jakarta): history is assumed only for what has passed",
    id: "tidak boleh di masa depan (hari ini {0} WIB): riwayat hanya dianggap untuk yang sudah lewat",
    translate: None,
};

/// {0} is not a region of the Kemendagri catalogue
pub static UNKNOWN_REGION: Wording = Wording {
    code: "UNKNOWN_REGION",
    en: "{0} is not a region in the Kemendagri catalogue (Kepmendagri 300.2.2-2138/2025)",
    id: "{0} bukan kode wilayah dalam katalog Kemendagri (Kepmendagri 300.2.2-2138/2025)",
    translate: None,
};

/// {0} ({1}) is not a {2}
pub static REGION_IS_NOT_KIND: Wording = Wording {
    code: "REGION_IS_NOT_KIND",
    en: "{0} ({1}) does not match the party kind {2}",
    id: "{0} ({1}) tidak sesuai dengan jenis pihak {2}",
    translate: None,
};

/// {0} is not a calendar date
pub static NOT_A_CALENDAR_DATE: Wording = Wording {
    code: "NOT_A_CALENDAR_DATE",
    en: "{0} is not a calendar date",
    id: "{0} bukan tanggal kalender",
    translate: None,
};

/// {0} cannot be skipped
pub static STAGE_CANNOT_BE_SKIPPED: Wording = Wording {
    code: "STAGE_CANNOT_BE_SKIPPED",
    en: "stage {0} cannot be skipped (signing and approvals are never skipped); give its completion date",
    id: "tahapan {0} tidak boleh dilewati (penandatanganan dan persetujuan tidak pernah dilewati); isi tanggal selesainya",
    translate: None,
};

/// {0} is deleted
pub static DELETED: Wording = Wording {
    code: "DELETED",
    en: "{0} is deleted",
    id: "{0} sudah dihapus",
    translate: None,
};

/// {0} is already deleted
pub static ALREADY_DELETED: Wording = Wording {
    code: "ALREADY_DELETED",
    en: "{0} is already deleted",
    id: "{0} sudah dihapus sebelumnya",
    translate: None,
};

/// {0} was terminated or cancelled on {1}; its stages are closed
pub static STAGES_CLOSED: Wording = Wording {
    code: "STAGES_CLOSED",
    en: "{0} was terminated or cancelled on {1}; its stages are closed",
    id: "{0} telah diakhiri atau dibatalkan pada {1}; tahapannya sudah ditutup",
    translate: None,
};

/// stage {0} is {1}, not PENDING
pub static STAGE_NOT_PENDING: Wording = Wording {
    code: "STAGE_NOT_PENDING",
    en: "stage {0} is {1}, not PENDING",
    id: "tahapan {0} berstatus {1}; hanya tahapan yang belum dimulai yang dapat dimulai",
    translate: None,
};

/// stage {0} cannot start before stage {1} is done or skipped (it is {2})
pub static STAGE_START_BLOCKED: Wording = Wording {
    code: "STAGE_START_BLOCKED",
    en: "stage {0} cannot start before stage {1} is done or skipped (it is {2})",
    id: "tahapan {0} tidak dapat dimulai sebelum tahapan {1} selesai atau dilewati (statusnya {2})",
    translate: None,
};

/// stage {0} cannot start on {1}, before the previous stage was settled on {2}
pub static STAGE_START_BEFORE_PREVIOUS: Wording = Wording {
    code: "STAGE_START_BEFORE_PREVIOUS",
    en: "stage {0} cannot start on {1}, before the previous stage was settled on {2}",
    id: "tahapan {0} tidak dapat dimulai pada {1}, sebelum tahapan sebelumnya selesai pada {2}",
    translate: None,
};

/// stage {0} is {1}, not IN_PROGRESS
pub static STAGE_NOT_IN_PROGRESS: Wording = Wording {
    code: "STAGE_NOT_IN_PROGRESS",
    en: "stage {0} is {1}, not IN_PROGRESS",
    id: "tahapan {0} berstatus {1}; hanya tahapan yang sedang berjalan yang dapat diselesaikan",
    translate: None,
};

/// stage {0} is PENDING, not IN_PROGRESS; start it first
pub static STAGE_NOT_STARTED: Wording = Wording {
    code: "STAGE_NOT_STARTED",
    en: "stage {0} is PENDING, not IN_PROGRESS; start it first",
    id: "tahapan {0} belum dimulai; mulai tahapan ini terlebih dahulu",
    translate: None,
};

/// stage {0} is {1}, not IN_PROGRESS; stage {2} is {3}
pub static STAGE_WAITS_FOR: Wording = Wording {
    code: "STAGE_WAITS_FOR",
    en: "stage {0} is {1}, not IN_PROGRESS; stage {2} is {3}",
    id: "tahapan {0} berstatus {1} dan belum dapat diselesaikan: tahapan {2} masih berstatus {3}",
    translate: None,
};

/// stage {0} cannot be completed on {1}, before it started on {2}
pub static STAGE_COMPLETED_BEFORE_START: Wording = Wording {
    code: "STAGE_COMPLETED_BEFORE_START",
    en: "stage {0} cannot be completed on {1}, before it started on {2}",
    id: "tahapan {0} tidak dapat diselesaikan pada {1}, sebelum tahapan itu dimulai pada {2}",
    translate: None,
};

/// stage {0} cannot be skipped
pub static STAGE_NEVER_SKIPPED: Wording = Wording {
    code: "STAGE_NEVER_SKIPPED",
    en: "stage {0} cannot be skipped",
    id: "tahapan {0} tidak boleh dilewati",
    translate: None,
};

/// stage {0} is {1}; only open stages are skipped
pub static STAGE_SKIP_NOT_OPEN: Wording = Wording {
    code: "STAGE_SKIP_NOT_OPEN",
    en: "stage {0} is {1}; only open stages are skipped",
    id: "tahapan {0} berstatus {1}; hanya tahapan yang belum selesai yang dapat dilewati",
    translate: None,
};

/// stage {0} cannot be skipped before stage {1} is done or skipped (it is {2})
pub static STAGE_SKIP_BLOCKED: Wording = Wording {
    code: "STAGE_SKIP_BLOCKED",
    en: "stage {0} cannot be skipped before stage {1} is done or skipped (it is {2})",
    id: "tahapan {0} tidak dapat dilewati sebelum tahapan {1} selesai atau dilewati (statusnya {2})",
    translate: None,
};

/// stage {0} cannot be skipped on {1}, before {2} (its start or the previous stage's end)
pub static STAGE_SKIP_TOO_EARLY: Wording = Wording {
    code: "STAGE_SKIP_TOO_EARLY",
    en: "stage {0} cannot be skipped on {1}, before {2} (its start or the previous stage's end)",
    id: "tahapan {0} tidak dapat dilewati pada {1}, sebelum {2} (tanggal mulainya atau tanggal selesai tahapan sebelumnya)",
    translate: None,
};

/// stage {0} is {1}; only a stage in progress has a due date to move
pub static STAGE_RESCHEDULE_NOT_IN_PROGRESS: Wording = Wording {
    code: "STAGE_RESCHEDULE_NOT_IN_PROGRESS",
    en: "stage {0} is {1}; only a stage in progress has a due date to move",
    id: "tahapan {0} berstatus {1}; hanya tahapan yang sedang berjalan yang batas waktunya dapat diubah",
    translate: None,
};

/// stage {0} has been rescheduled {1} times, the most one stage keeps; settle or skip it instead
pub static STAGE_RESCHEDULE_LIMIT: Wording = Wording {
    code: "STAGE_RESCHEDULE_LIMIT",
    en: "stage {0} has been rescheduled {1} times, the most one stage keeps; settle or skip it instead",
    id: "batas waktu tahapan {0} sudah diubah {1} kali, batas terbanyak untuk satu tahapan; selesaikan atau lewati tahapan ini",
    translate: None,
};

/// {0}'s stages have started under its current template; adding or removing its parent would change them
pub static TEMPLATE_IN_USE: Wording = Wording {
    code: "TEMPLATE_IN_USE",
    en: "{0}'s stages have started under its current template; adding or removing its parent would change them",
    id: "tahapan {0} sudah berjalan menurut templatnya saat ini; menambah atau menghapus induknya akan mengubah tahapan tersebut",
    translate: None,
};

/// {0} is not signed; benefits are realised while it is in force
pub static NOT_SIGNED_FOR_BENEFITS: Wording = Wording {
    code: "NOT_SIGNED_FOR_BENEFITS",
    en: "{0} is not signed; benefits are realised while it is in force",
    id: "{0} belum ditandatangani; realisasi manfaat dicatat selama kerja sama berlaku",
    translate: None,
};

/// {0} is an {1}, which has no reporting cycles: {2}
pub static NO_REPORTING_CYCLES: Wording = Wording {
    code: "NO_REPORTING_CYCLES",
    en: "{0} is an {1}, which has no reporting cycles: {2}",
    id: "{0} adalah {1}, yang tidak memiliki siklus laporan pelaksanaan: {2}",
    translate: Some((2, no_cycles_reason)),
};

/// {0} is not signed; implementation reports start once it is in force
pub static NOT_SIGNED_FOR_REPORTS: Wording = Wording {
    code: "NOT_SIGNED_FOR_REPORTS",
    en: "{0} is not signed; implementation reports start once it is in force",
    id: "{0} belum ditandatangani; laporan pelaksanaan dimulai setelah kerja sama berlaku",
    translate: None,
};

/// the archive of {0} would exceed its quota of {1} ({2} already kept)
pub static FILE_QUOTA: Wording = Wording {
    code: "FILE_QUOTA",
    en: "the archive of {0} would exceed its quota of {1} ({2} already kept); ask the operator to raise --archive-region-quota-mb",
    id: "arsip {0} akan melampaui kuota {1} ({2} sudah tersimpan); minta operator menaikkan --archive-region-quota-mb",
    translate: None,
};

/// the file is larger than {0}, the most one file may be
pub static FILE_TOO_LARGE: Wording = Wording {
    code: "FILE_TOO_LARGE",
    en: "the file is larger than {0}, the most one file may be",
    id: "berkas lebih besar dari {0}, batas terbesar satu berkas",
    translate: None,
};

/// the file is {0}; the archive keeps PDF, JPEG, PNG, TIFF, DOCX and ODT only
pub static FILE_TYPE_REFUSED: Wording = Wording {
    code: "FILE_TYPE_REFUSED",
    en: "the file is {0}; the archive keeps PDF, JPEG, PNG, TIFF, DOCX and ODT only",
    id: "berkas ini {0}; arsip hanya menyimpan PDF, JPEG, PNG, TIFF, DOCX dan ODT",
    translate: Some((0, file_kind_id)),
};

/// the PDF carries {0}, which the archive does not keep: print it to a plain PDF first
pub static FILE_PDF_ACTIVE: Wording = Wording {
    code: "FILE_PDF_ACTIVE",
    en: "the PDF carries {0}, which the archive does not keep: print it to a plain PDF first",
    id: "PDF ini memuat {0}, yang tidak disimpan arsip: cetak ulang menjadi PDF biasa terlebih dahulu",
    translate: Some((0, file_kind_id)),
};

/// the PDF is encrypted (password-protected): the archive keeps documents anyone allowed can open
pub static FILE_PDF_ENCRYPTED: Wording = Wording {
    code: "FILE_PDF_ENCRYPTED",
    en: "the PDF is encrypted (password-protected): the archive keeps documents anyone allowed can open",
    id: "PDF ini terenkripsi (berkata sandi): arsip hanya menyimpan dokumen yang dapat dibuka pihak yang berhak",
    translate: None,
};

/// the file's SHA-256 is {0}, not the {1} the request gave: it changed on the way
pub static FILE_HASH_MISMATCH: Wording = Wording {
    code: "FILE_HASH_MISMATCH",
    en: "the file's SHA-256 is {0}, not the {1} the request gave: it changed on the way",
    id: "SHA-256 berkas adalah {0}, bukan {1} seperti yang disebut permintaan: berkas berubah dalam perjalanan",
    translate: None,
};

/// the file is empty
pub static FILE_EMPTY: Wording = Wording {
    code: "FILE_EMPTY",
    en: "the file is empty",
    id: "berkas kosong",
    translate: None,
};

/// {0} has no stored file (version {1})
pub static FILE_NOT_STORED: Wording = Wording {
    code: "FILE_NOT_STORED",
    en: "{0} has no stored file (version {1})",
    id: "{0} tidak memiliki berkas tersimpan (versi {1})",
    translate: None,
};

/// the antivirus scanner found {0} in the file: it was not stored
pub static FILE_INFECTED: Wording = Wording {
    code: "FILE_INFECTED",
    en: "the antivirus scanner found {0} in the file: it was not stored",
    id: "pemindai antivirus menemukan {0} dalam berkas: berkas tidak disimpan",
    translate: None,
};

/// {0} version {1} has not been scanned for viruses yet (the scanner was unreachable when it arrived): it can be downloaded once it is scanned clean
pub static FILE_NOT_YET_SCANNED: Wording = Wording {
    code: "FILE_NOT_YET_SCANNED",
    en: "{0} version {1} has not been scanned for viruses yet (the scanner was unreachable when it arrived): it can be downloaded once it is scanned clean",
    id: "{0} versi {1} belum dipindai antivirus (pemindai tidak dapat dihubungi saat berkas diterima): berkas dapat diunduh setelah dinyatakan bersih",
    translate: None,
};

/// {0} version {1} is held: the antivirus scanner found {2} in it
pub static FILE_HELD_INFECTED: Wording = Wording {
    code: "FILE_HELD_INFECTED",
    en: "{0} version {1} is held: the antivirus scanner found {2} in it",
    id: "{0} versi {1} ditahan: pemindai antivirus menemukan {2} di dalamnya",
    translate: None,
};

/// The archive's names for what a refused file is, in Indonesian.
fn file_kind_id(english: &str) -> String {
    match english {
        "an executable program" => "program yang dapat dijalankan".into(),
        "an archive (ZIP, RAR, 7z, gzip, …)" => {
            "arsip terkompresi (ZIP, RAR, 7z, gzip, …)".into()
        }
        "a ZIP package that is not a DOCX or ODT document" => {
            "paket ZIP yang bukan dokumen DOCX atau ODT".into()
        }
        "a DOCX with macros" => "DOCX yang memuat makro".into(),
        "JavaScript" => "JavaScript".into(),
        "embedded files" => "berkas sisipan".into(),
        "an automatic action" => "tindakan otomatis".into(),
        "of a kind the archive does not recognise" => "berjenis yang tidak dikenali arsip".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<usize> {
        let mut found: Vec<usize> = (0..10)
            .filter(|i| text.contains(&format!("{{{i}}}")))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn every_wording_names_the_same_values_in_both_languages() {
        for w in ALL {
            assert_eq!(placeholders(w.en), placeholders(w.id), "{}", w.code);
            let n = placeholders(w.en).len();
            assert_eq!(placeholders(w.en), (0..n).collect::<Vec<_>>(), "{}", w.code);
            assert_ne!(w.en, w.id, "{}", w.code);
        }
    }

    #[test]
    fn codes_are_unique_and_match_their_constant() {
        let mut seen = std::collections::HashSet::new();
        for w in ALL {
            assert!(seen.insert(w.code), "{} twice", w.code);
            assert!(
                w.code
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            );
        }
    }

    #[test]
    fn values_are_carried_and_words_translated() {
        let values = vec![
            "quarterly".to_string(),
            "calendar quarter".to_string(),
            "2026-02-15".to_string(),
            "2026-01-01".to_string(),
        ];
        assert_eq!(
            CYCLE_START_ALIGNED.indonesian(&values),
            "siklus quarterly dimulai pada hari pertama triwulan kalender; 2026-02-15 berada di dalam siklus yang dimulai 2026-01-01"
        );
        assert_eq!(
            CYCLE_START_ALIGNED.english(&values),
            "quarterly cycles start on the first day of a calendar quarter; 2026-02-15 is inside the cycle starting 2026-01-01"
        );
        // A value that looks like a placeholder is not filled again.
        assert_eq!(
            DOES_NOT_EXIST.indonesian(&["{1}".to_string()]),
            "{1} tidak ditemukan"
        );
    }

    #[test]
    fn the_date_wording_states_the_calendar_rule() {
        assert_eq!(
            NOT_A_DATE.en,
            format!("{{0}} is not {}", crate::calendar::DATE_RULE)
        );
    }
}
