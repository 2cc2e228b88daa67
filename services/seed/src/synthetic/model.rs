//! What the generator and the loader share: the public surface (ids, regions,
//! units, options, the tables), the stage templates as the register defines
//! them, deterministic randomness, and day arithmetic.

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use kerjasama_core::codes::{CooperationType, DocumentKind};
use kerjasama_core::error::{CoreError, CoreResult};

use super::words::{PROVINCES, UNITS};

// ---------------------------------------------------------------------------
// Public surface
// ---------------------------------------------------------------------------

/// The millisecond instant of ordinal 0: agreement `n`'s id and timestamps are
/// `SYNTHETIC_EPOCH_MS + n` ms after the Unix epoch (2023-11-14T22:13:20Z + n ms).
pub const SYNTHETIC_EPOCH_MS: u64 = 1_700_000_000_000;

/// The register's date: every business date of a synthetic register lies on
/// or before it (the end of Q3 2026, the date `scripts/bench` reports as of).
pub const DEFAULT_AS_OF: NaiveDate = NaiveDate::from_ymd_opt(2026, 9, 30).expect("a valid date");

/// The most regions a register gets (38 provinces and 92 regencies or cities
/// under each); beyond that, regions grow instead.
pub const MAX_REGIONS: u32 = 38 + 38 * 92;

/// The most agreements one load takes (ordinals fit the 48-bit id fields many
/// times over; this bounds the time of a mistyped load, not the format).
pub const MAX_AGREEMENTS: u64 = 100_000_000;

/// The id of synthetic agreement `n` (1..=N): hex digits
/// `lpad(hex(1700000000000 + n), 12) ‖ 7 ‖ 000 ‖ 8 ‖ 000 ‖ lpad(hex(n), 12)`.
pub fn synthetic_agreement_id(n: u64) -> Uuid {
    synthetic_id(n, 0, 0)
}

/// The id layout of every synthetic record: 48-bit time `SYNTHETIC_EPOCH_MS +
/// key`, version 7, the 12-bit `tag` (0 agreement, 1 indicator, 2 realisation,
/// 3 implementation report, 4 document, 5 meeting, 6 finding, 7
/// recommendation), the variant `8`, the 12-bit `seq`, and `key` in the last 48
/// bits. `key` is the agreement's ordinal, or the region index + 1 for tags 5–7.
pub fn synthetic_id(key: u64, tag: u16, seq: u16) -> Uuid {
    const MASK48: u64 = 0xffff_ffff_ffff;
    let high = (((SYNTHETIC_EPOCH_MS + key) & MASK48) << 16) | 0x7000 | u64::from(tag & 0x0fff);
    let low = 0x8000_0000_0000_0000 | (u64::from(seq & 0x0fff) << 48) | (key & MASK48);
    Uuid::from_u64_pair(high, low)
}

/// How many regions a register of `agreements` agreements spreads over.
pub fn region_count(agreements: u64) -> u32 {
    if agreements <= 1 {
        return 1;
    }
    let wanted = agreements.div_ceil(2_500).max(2);
    u32::try_from(wanted.min(u64::from(MAX_REGIONS))).unwrap_or(MAX_REGIONS)
}

/// The ordinals of region `r` (0-based): a contiguous block, every region the
/// same size give or take one.
pub fn region_agreements(agreements: u64, r: u32) -> std::ops::RangeInclusive<u64> {
    let regions = u64::from(region_count(agreements));
    let r = u64::from(r);
    let first = r * agreements / regions + 1;
    let last = (r + 1) * agreements / regions;
    first..=last
}

/// The region (0-based index) of agreement `n`.
pub fn region_of(agreements: u64, n: u64) -> u32 {
    let regions = u64::from(region_count(agreements));
    let n = n.clamp(1, agreements);
    // Region r holds r·N/R < n <= (r+1)·N/R.
    let mut r = (n - 1) * regions / agreements;
    while r + 1 < regions && (r + 1) * agreements / regions < n {
        r += 1;
    }
    while r > 0 && r * agreements / regions >= n {
        r -= 1;
    }
    u32::try_from(r).unwrap_or(u32::MAX)
}

/// The Kemendagri code of region `r`: the 38 provinces first (`36` Banten
/// first), then regencies (`PP.01`–`PP.69`) and cities (`PP.71`–`PP.99`) of each
/// province in turn.
pub fn region_code(r: u32) -> String {
    let provinces = PROVINCES.len() as u32;
    if r < provinces {
        return PROVINCES[r as usize].0.to_string();
    }
    let j = r - provinces;
    let province = PROVINCES[(j % provinces) as usize].0;
    format!("{province}.{:02}", sub_region(j / provinces))
}

/// The `RR` of the `k`-th regency or city of a province: three regencies,
/// then a city (01, 02, 03, 71, 04, 05, 06, 72, …).
pub(super) fn sub_region(k: u32) -> u32 {
    if k % 4 == 3 {
        71 + k / 4
    } else {
        1 + (k / 4) * 3 + k % 4
    }
}

/// How many units (OPD) region `r` has under `seed`: 20 to 40.
pub fn unit_count(seed: u64, r: u32) -> usize {
    let mut rng = Rng::new(seed, STREAM_REGION, u64::from(r));
    20 + rng.below(21) as usize
}

/// The code of unit `k` (0-based, below [`unit_count`]) of the region coded
/// `region`: `{region}-{ACRONYM}`, e.g. `36.03-DINKES`.
pub fn unit_code(region: &str, k: usize) -> String {
    format!("{region}-{}", UNITS[k].0)
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SyntheticOptions {
    /// N: agreements (ordinals 1..=N).
    pub agreements: u64,
    pub seed: u64,
    /// The register's date (default [`DEFAULT_AS_OF`]).
    pub as_of: NaiveDate,
}

impl SyntheticOptions {
    pub fn new(agreements: u64, seed: u64) -> Self {
        Self {
            agreements,
            seed,
            as_of: DEFAULT_AS_OF,
        }
    }
}

/// The tables loaded, in load order (parents before children), with their rows.
pub const TABLES: [&str; TABLE_COUNT] = [
    "units",
    "agreements",
    "agreement_parties",
    "agreement_stages",
    "stage_reschedules",
    "agreement_documents",
    "benefit_indicators",
    "benefit_realisations",
    "implementation_reports",
    "evaluation_meetings",
    "meeting_findings",
    "recommendations",
    "recommendation_status_changes",
];
pub const TABLE_COUNT: usize = 13;

pub(super) const COLUMNS: [&str; TABLE_COUNT] = [
    "code, region_code, display_name, version, create_time, update_time",
    "id, region_code, title, cooperation_type, document_kind, parent_id, unit_code, sector, \
     ksdd_basis, document_number, objective, signed_on, effective_from, effective_until, \
     dprd_approval_required, budget_idr, version, create_time, update_time, delete_time, \
     process_started_on, terminated_on, termination_reason, cancelled_on, cancellation_reason, \
     reporting_cycle, search_text",
    "agreement_id, position, region_code, name, kind, party_region_code, country_code, document_number",
    "agreement_id, region_code, position, code, status, skippable, started_on, sla_due_on, \
     completed_on, skip_reason, backfilled, notes, evidence_document_id, version, update_time",
    "agreement_id, stage_code, region_code, decided_on, previous_due_on, new_due_on, reason, actor, \
     create_time",
    "id, agreement_id, region_code, kind, number, document_date, title, uri, sha256, size_bytes, \
     create_time, delete_time",
    "id, agreement_id, region_code, title, category, unit_of_measure, beneficiary, baseline, \
     target_value, target_date, higher_is_better, version, create_time, update_time, delete_time",
    "id, indicator_id, agreement_id, region_code, period_start, period_end, value, note, \
     evidence_document_id, reported_by, version, create_time, update_time, delete_time",
    "id, agreement_id, region_code, cycle_start, cycle_end, submitted_on, summary, \
     progress_percent, obstacles, follow_up, document_id, reported_by, create_time, delete_time",
    "id, region_code, held_on, period_start, period_end, title, participant_units, notes, \
     create_time, delete_time",
    "id, meeting_id, region_code, agreement_id, description, position",
    "id, finding_id, meeting_id, region_code, description, responsible_unit, due_on, status, version",
    "recommendation_id, region_code, status, changed_on, reason, actor, create_time",
];

pub(super) const UNITS_T: usize = 0;
pub(super) const AGREEMENTS_T: usize = 1;
pub(super) const PARTIES_T: usize = 2;
pub(super) const STAGES_T: usize = 3;
pub(super) const RESCHEDULES_T: usize = 4;
pub(super) const DOCUMENTS_T: usize = 5;
pub(super) const INDICATORS_T: usize = 6;
pub(super) const REALISATIONS_T: usize = 7;
pub(super) const REPORTS_T: usize = 8;
pub(super) const MEETINGS_T: usize = 9;
pub(super) const FINDINGS_T: usize = 10;
pub(super) const RECOMMENDATIONS_T: usize = 11;
pub(super) const STATUS_CHANGES_T: usize = 12;

// ---------------------------------------------------------------------------
// Stage templates, as the register defines them at seed time
// ---------------------------------------------------------------------------

pub(super) struct TemplateStage {
    pub(super) position: i16,
    pub(super) code: String,
    pub(super) target_days: i32,
    pub(super) skippable: bool,
    pub(super) signs: bool,
    pub(super) dprd: bool,
}

pub(super) struct Templates {
    pub(super) by_key: Vec<Vec<TemplateStage>>,
}

pub(super) fn type_index(t: CooperationType) -> usize {
    CooperationType::ALL
        .iter()
        .position(|x| *x == t)
        .unwrap_or(0)
}

pub(super) fn kind_index(k: DocumentKind) -> usize {
    DocumentKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

pub(super) fn template_key(t: CooperationType, k: DocumentKind, with_parent: bool) -> usize {
    type_index(t) * 10 + kind_index(k) * 2 + usize::from(with_parent)
}

impl Templates {
    pub(super) async fn load(
        transaction: &tokio_postgres::Transaction<'_>,
    ) -> CoreResult<Templates> {
        let rows = transaction
            .query(
                "SELECT t.cooperation_type, t.document_kind, t.with_parent, t.position, \
                        t.stage_code, t.target_days, t.skippable, d.signs, d.dprd \
                 FROM stage_templates t JOIN stage_definitions d ON d.code = t.stage_code \
                 ORDER BY 1, 2, 3, 4",
                &[],
            )
            .await
            .map_err(db_error)?;
        let mut templates = Templates::empty();
        for row in rows {
            let ctype: String = row.get(0);
            let kind: String = row.get(1);
            let (Some(ctype), Some(kind)) = (
                CooperationType::from_code(&ctype),
                DocumentKind::from_code(&kind),
            ) else {
                continue;
            };
            templates.by_key[template_key(ctype, kind, row.get(2))].push(TemplateStage {
                position: row.get(3),
                code: row.get(4),
                target_days: row.get(5),
                skippable: row.get(6),
                signs: row.get(7),
                dprd: row.get(8),
            });
        }
        templates.check()?;
        Ok(templates)
    }

    pub(super) fn empty() -> Templates {
        Templates {
            by_key: (0..50).map(|_| Vec::new()).collect(),
        }
    }

    /// Every combination the generator produces must have a template with a
    /// signing stage.
    pub(super) fn check(&self) -> CoreResult<()> {
        use CooperationType::*;
        use DocumentKind::*;
        let needed = [
            (Ksdd, Ksb, false),
            (Ksdd, Pks, false),
            (Ksdd, Pks, true),
            (Ksdpk, Ksb, false),
            (Ksdpk, Pks, false),
            (Ksdpk, Pks, true),
            (Ksdpl, Loi, false),
            (Ksdpl, Ksb, false),
            (Ksdpl, Ksb, true),
            (Ksdpl, Pks, false),
            (Ksdpl, Pks, true),
            (Ksdll, Loi, false),
            (Ksdll, Ksb, false),
            (Ksdll, Ksb, true),
            (Ksdll, Pks, false),
            (Ksdll, Pks, true),
            (Sinergi, NotaKesepakatan, false),
        ];
        let addenda = CooperationType::ALL.iter().map(|t| (*t, Addendum, true));
        for (t, k, p) in needed.into_iter().chain(addenda) {
            let stages = self.get(t, k, p);
            if !stages.iter().any(|s| s.signs) {
                return Err(CoreError::FailedPrecondition(format!(
                    "stage template {t}.{k}.{} has no signing stage",
                    if p { "WITH_PARENT" } else { "STANDALONE" }
                )));
            }
        }
        Ok(())
    }

    pub(super) fn get(
        &self,
        t: CooperationType,
        k: DocumentKind,
        with_parent: bool,
    ) -> &[TemplateStage] {
        &self.by_key[template_key(t, k, with_parent)]
    }
}

// ---------------------------------------------------------------------------
// Deterministic randomness: splitmix64, one stream per (purpose, key)
// ---------------------------------------------------------------------------

pub(super) const STREAM_REGION: u64 = 1;
pub(super) const STREAM_FAMILY: u64 = 2;
pub(super) const STREAM_RECORD: u64 = 3;
pub(super) const STREAM_ROWS: u64 = 4;
pub(super) const STREAM_MEETINGS: u64 = 5;

pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64, stream: u64, key: u64) -> Rng {
        Rng(mix(mix(seed ^ 0x6b65_726a_6173_616d)
            ^ mix(stream.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ key)))
    }

    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in 0..n (n > 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in lo..=hi.
    pub(super) fn between(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i32
    }

    pub(super) fn big_between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as u64 + 1) as i64
    }

    /// Uniform in [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub(super) fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index drawn with the given weights.
    pub(super) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut draw = self.below(u64::from(total)) as u32;
        for (i, w) in weights.iter().enumerate() {
            if draw < *w {
                return i;
            }
            draw -= w;
        }
        weights.len() - 1
    }
}

// ---------------------------------------------------------------------------
// Calendar on day numbers
// ---------------------------------------------------------------------------

/// Days since 0001-01-01 (chrono's `num_days_from_ce`).
pub(super) type Day = i32;

pub(super) fn day_of(date: NaiveDate) -> Day {
    date.num_days_from_ce()
}

pub(super) fn date_of(day: Day) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(DEFAULT_AS_OF)
}

pub(super) fn ymd(year: i32, month: u32, day: u32) -> Day {
    day_of(NaiveDate::from_ymd_opt(year, month, day).unwrap_or(DEFAULT_AS_OF))
}

pub(super) fn add_months(day: Day, months: u32) -> Day {
    day_of(
        date_of(day)
            .checked_add_months(chrono::Months::new(months))
            .unwrap_or(DEFAULT_AS_OF),
    )
}

/// The reporting cycle of `months` months containing `day`: (first, last day).
pub(super) fn cycle_of(day: Day, months: u32) -> (Day, Day) {
    let date = date_of(day);
    let first_month = (date.month0() / months) * months + 1;
    let start = ymd(date.year(), first_month, 1);
    (start, add_months(start, months) - 1)
}

pub(super) fn year_of(day: Day) -> i32 {
    date_of(day).year()
}

/// A database error of the load: UNAVAILABLE when the connection is gone.
pub(super) fn db_error(error: tokio_postgres::Error) -> CoreError {
    if error.is_closed() || error.code().is_none() {
        CoreError::Unavailable(error.to_string())
    } else {
        let detail = error
            .as_db_error()
            .map(|e| e.message().to_string())
            .unwrap_or_else(|| error.to_string());
        CoreError::Internal(format!("synthetic load: {detail}"))
    }
}
