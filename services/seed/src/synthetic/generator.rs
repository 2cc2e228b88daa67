// Over 1,000 lines: one generator; its record types, row encoder and planner share private state, and splitting them would spread one algorithm.
//! The generator: it turns the seed and the options into COPY text, family by family.

use chrono::Datelike;
use uuid::Uuid;

use kerjasama_core::codes::{CooperationType, DocumentKind, KsddBasis, PartyKind, ReportingCycle};

use super::model::*;
use super::words::*;

// ---------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------

pub(super) enum Message {
    Batch(Batch),
    Done,
}

/// Rows of every table for a run of consecutive ordinals, in COPY text format.
pub(super) struct Batch {
    pub(super) buffers: Vec<Vec<u8>>,
    pub(super) rows: [u64; TABLE_COUNT],
    pub(super) agreements_through: u64,
}

/// A batch is handed over once its buffers hold this many bytes.
pub(super) const BATCH_BYTES: usize = 8 << 20;

impl Batch {
    pub(super) fn new() -> Batch {
        Batch {
            buffers: (0..TABLE_COUNT)
                .map(|_| Vec::with_capacity(1 << 16))
                .collect(),
            rows: [0; TABLE_COUNT],
            agreements_through: 0,
        }
    }

    pub(super) fn bytes(&self) -> usize {
        self.buffers.iter().map(Vec::len).sum()
    }

    pub(super) fn row(&mut self, table: usize) -> Row<'_> {
        self.rows[table] += 1;
        Row {
            buf: &mut self.buffers[table],
        }
    }
}

/// One row being written: each value is followed by a tab; `end` turns the
/// last one into the newline.
pub(super) struct Row<'a> {
    pub(super) buf: &'a mut Vec<u8>,
}

impl Row<'_> {
    pub(super) fn text(&mut self, value: &str) -> &mut Self {
        if value
            .bytes()
            .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
        {
            for b in value.bytes() {
                match b {
                    b'\\' => self.buf.extend_from_slice(b"\\\\"),
                    b'\t' => self.buf.extend_from_slice(b"\\t"),
                    b'\n' => self.buf.extend_from_slice(b"\\n"),
                    b'\r' => self.buf.extend_from_slice(b"\\r"),
                    other => self.buf.push(other),
                }
            }
        } else {
            self.buf.extend_from_slice(value.as_bytes());
        }
        self.buf.push(b'\t');
        self
    }

    pub(super) fn opt_text(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.text(v),
            None => self.null(),
        }
    }

    pub(super) fn null(&mut self) -> &mut Self {
        self.buf.extend_from_slice(b"\\N\t");
        self
    }

    pub(super) fn int(&mut self, value: i64) -> &mut Self {
        push_int(self.buf, value);
        self.buf.push(b'\t');
        self
    }

    pub(super) fn opt_int(&mut self, value: Option<i64>) -> &mut Self {
        match value {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    /// A decimal with `decimals` digits after the point, from its scaled integer.
    pub(super) fn decimal(&mut self, scaled: i64, decimals: u32) -> &mut Self {
        push_decimal(self.buf, scaled, decimals);
        self.buf.push(b'\t');
        self
    }

    pub(super) fn boolean(&mut self, value: bool) -> &mut Self {
        self.buf
            .extend_from_slice(if value { b"t\t" } else { b"f\t" });
        self
    }

    pub(super) fn date(&mut self, day: Day) -> &mut Self {
        push_date(self.buf, day);
        self.buf.push(b'\t');
        self
    }

    pub(super) fn opt_date(&mut self, day: Option<Day>) -> &mut Self {
        match day {
            Some(d) => self.date(d),
            None => self.null(),
        }
    }

    pub(super) fn uuid(&mut self, id: Uuid) -> &mut Self {
        let mut text = [0u8; 36];
        self.buf
            .extend_from_slice(id.hyphenated().encode_lower(&mut text).as_bytes());
        self.buf.push(b'\t');
        self
    }

    pub(super) fn opt_uuid(&mut self, id: Option<Uuid>) -> &mut Self {
        match id {
            Some(id) => self.uuid(id),
            None => self.null(),
        }
    }

    pub(super) fn end(&mut self) {
        if let Some(last) = self.buf.last_mut() {
            *last = b'\n';
        }
    }
}

pub(super) fn push_int(buf: &mut Vec<u8>, value: i64) {
    if value < 0 {
        buf.push(b'-');
    }
    let mut v = value.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

pub(super) fn push_decimal(buf: &mut Vec<u8>, scaled: i64, decimals: u32) {
    if decimals == 0 {
        push_int(buf, scaled);
        return;
    }
    let factor = 10i64.pow(decimals);
    if scaled < 0 {
        buf.push(b'-');
    }
    let v = scaled.unsigned_abs();
    push_int(buf, (v / factor.unsigned_abs()) as i64);
    buf.push(b'.');
    let fraction = v % factor.unsigned_abs();
    let mut text = [b'0'; 4];
    let mut f = fraction;
    for i in (0..decimals as usize).rev() {
        text[i] = b'0' + (f % 10) as u8;
        f /= 10;
    }
    buf.extend_from_slice(&text[..decimals as usize]);
}

pub(super) fn push_two(buf: &mut Vec<u8>, v: u32) {
    buf.push(b'0' + (v / 10) as u8);
    buf.push(b'0' + (v % 10) as u8);
}

pub(super) fn push_date(buf: &mut Vec<u8>, day: Day) {
    let date = date_of(day);
    let year = date.year() as u32;
    push_two(buf, year / 100);
    push_two(buf, year % 100);
    buf.push(b'-');
    push_two(buf, date.month());
    buf.push(b'-');
    push_two(buf, date.day());
}

/// `YYYY-MM-DD HH:MM:SS.mmm+00` of a millisecond instant.
pub(super) fn timestamp(ms: u64) -> String {
    let instant = chrono::DateTime::from_timestamp_millis(ms as i64).unwrap_or_default();
    instant.format("%Y-%m-%d %H:%M:%S%.3f+00").to_string()
}

/// A partner of a family: the parties of its records.
pub(super) struct Partner {
    pub(super) name: String,
    pub(super) kind: PartyKind,
    pub(super) region: Option<String>,
    pub(super) country: Option<&'static str>,
}

/// What the records of one family share.
pub(super) struct Family {
    pub(super) ctype: CooperationType,
    pub(super) unit: usize,
    pub(super) sector: usize,
    pub(super) basis: Option<KsddBasis>,
    pub(super) partners: Vec<Partner>,
    pub(super) verb: &'static str,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Pending,
    InProgress,
    Done,
    Skipped,
    NotApplicable,
}

impl Status {
    pub(super) fn code(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::InProgress => "IN_PROGRESS",
            Status::Done => "DONE",
            Status::Skipped => "SKIPPED",
            Status::NotApplicable => "NOT_APPLICABLE",
        }
    }
}

pub(super) struct StageRow {
    pub(super) status: Status,
    pub(super) started: Option<Day>,
    pub(super) due: Option<Day>,
    pub(super) completed: Option<Day>,
    pub(super) skip_reason: Option<&'static str>,
    pub(super) backfilled: bool,
    pub(super) version: i64,
}

pub(super) struct Reschedule {
    pub(super) stage: usize,
    pub(super) decided: Day,
    pub(super) previous: Day,
    pub(super) new_due: Day,
    pub(super) reason: &'static str,
}

/// One agreement record, planned.
pub(super) struct Record {
    pub(super) n: u64,
    pub(super) kind: DocumentKind,
    pub(super) parent: Option<u64>,
    pub(super) unit: usize,
    pub(super) title: String,
    pub(super) number: String,
    pub(super) dprd: bool,
    pub(super) budget: Option<i64>,
    pub(super) cycle: ReportingCycle,
    pub(super) signed: Option<Day>,
    pub(super) effective_from: Option<Day>,
    pub(super) effective_until: Option<Day>,
    pub(super) process_started: Option<Day>,
    pub(super) terminated: Option<(Day, &'static str)>,
    pub(super) cancelled: Option<(Day, &'static str)>,
    pub(super) template: usize,
    pub(super) stages: Vec<StageRow>,
    pub(super) reschedules: Vec<Reschedule>,
    pub(super) parties: usize,
    /// Share of reporting cycles reported (0..1).
    pub(super) diligence: f64,
    pub(super) version: i64,
    /// An open stage past its due date as of the register's date.
    pub(super) overdue: bool,
}

impl Record {
    pub(super) fn implemented(&self) -> bool {
        self.kind.is_implemented()
    }

    /// The in-force period (from, until), when signed.
    pub(super) fn in_force(&self) -> Option<(Day, Option<Day>)> {
        let signed = self.signed?;
        let from = self.effective_from.map_or(signed, |f| f.max(signed));
        let until = [self.effective_until, self.terminated.map(|t| t.0)]
            .into_iter()
            .flatten()
            .min();
        match until {
            Some(until) if until < from => None,
            _ => Some((from, until)),
        }
    }
}

/// A region being generated.
pub(super) struct Region {
    pub(super) index: u32,
    pub(super) code: String,
    /// `Provinsi Banten`, `Kabupaten 36.03`.
    pub(super) label: String,
    pub(super) province: usize,
    pub(super) units: Vec<String>,
    /// Agreements worth a finding at an evaluation meeting: (ordinal, unit, about reporting).
    pub(super) candidates: Vec<(u64, usize, bool)>,
    pub(super) seen_candidates: u64,
}

pub(super) struct Generator {
    pub(super) agreements: u64,
    pub(super) seed: u64,
    pub(super) as_of: Day,
    pub(super) regions: u32,
    pub(super) templates: Templates,
}

/// Families by cooperation type, weighted so that records come out at about
/// KSDD 35 %, KSDPK 30 %, SINERGI 15 %, KSDPL 12 %, KSDLL 8 % (families of
/// KSDD and KSDPK are larger).
pub(super) const FAMILY_TYPES: [CooperationType; 5] = [
    CooperationType::Ksdd,
    CooperationType::Ksdpk,
    CooperationType::Sinergi,
    CooperationType::Ksdpl,
    CooperationType::Ksdll,
];
pub(super) const FAMILY_WEIGHTS: [u32; 5] = [210, 180, 136, 75, 50];

/// Start dates of records that open a family: within the decade before the
/// register's date, more of them recent.
pub(super) const FIRST_START: (i32, u32, u32) = (2014, 1, 1);

impl Generator {
    pub(super) fn new(options: &SyntheticOptions, templates: Templates) -> Generator {
        Generator {
            agreements: options.agreements,
            seed: options.seed,
            as_of: day_of(options.as_of),
            regions: region_count(options.agreements),
            templates,
        }
    }

    pub(super) fn run(self, sender: &tokio::sync::mpsc::Sender<Message>) {
        let mut batch = Batch::new();
        let mut family = Vec::new();
        for r in 0..self.regions {
            let mut region = self.region(r);
            self.write_units(&mut batch, &region);
            let range = region_agreements(self.agreements, r);
            let mut n = *range.start();
            while n <= *range.end() {
                family.clear();
                let context = self.family(&region, n, range.end() - n + 1, &mut family);
                for record in &family {
                    self.write_record(&mut batch, &mut region, &context, record);
                }
                n += family.len() as u64;
                batch.agreements_through = n - 1;
                if batch.bytes() >= BATCH_BYTES {
                    let full = std::mem::replace(&mut batch, Batch::new());
                    if sender.blocking_send(Message::Batch(full)).is_err() {
                        return;
                    }
                }
            }
            self.write_meetings(&mut batch, &region);
        }
        if sender.blocking_send(Message::Batch(batch)).is_err() {
            return;
        }
        let _ = sender.blocking_send(Message::Done);
    }

    pub(super) fn region(&self, r: u32) -> Region {
        let code = region_code(r);
        let provinces = PROVINCES.len() as u32;
        let province = if r < provinces {
            r as usize
        } else {
            ((r - provinces) % provinces) as usize
        };
        let label = if code.len() == 2 {
            format!("Provinsi {}", PROVINCES[province].1)
        } else if code[3..].parse::<u32>().unwrap_or(0) >= 71 {
            format!("Kota {code}")
        } else {
            format!("Kabupaten {code}")
        };
        let units = (0..unit_count(self.seed, r))
            .map(|k| unit_code(&code, k))
            .collect();
        Region {
            index: r,
            code,
            label,
            province,
            units,
            candidates: Vec::new(),
            seen_candidates: 0,
        }
    }

    pub(super) fn write_units(&self, batch: &mut Batch, region: &Region) {
        let time = timestamp(SYNTHETIC_EPOCH_MS);
        for (k, code) in region.units.iter().enumerate() {
            let name = format!("{} {}", UNITS[k].1, region.label);
            batch
                .row(UNITS_T)
                .text(code)
                .text(&region.code)
                .text(&name)
                .int(1)
                .text(&time)
                .text(&time)
                .end();
        }
    }

    // -- families -------------------------------------------------------------

    /// Plans the family starting at ordinal `first` (at most `budget` records)
    /// into `out`, and returns what its records share.
    pub(super) fn family(
        &self,
        region: &Region,
        first: u64,
        budget: u64,
        out: &mut Vec<Record>,
    ) -> Family {
        let mut rng = Rng::new(self.seed, STREAM_FAMILY, first);
        let ctype = FAMILY_TYPES[rng.weighted(&FAMILY_WEIGHTS)];
        // Busier units first: the planning agency and the bureau propose most.
        let u = rng.unit();
        let unit = ((u * u) * region.units.len() as f64) as usize;
        let unit = unit.min(region.units.len() - 1);
        let home_sector = SECTORS
            .iter()
            .position(|s| s.0 == UNITS[unit].2)
            .unwrap_or(SECTORS.len() - 1);
        let sector = if rng.chance(0.75) {
            home_sector
        } else {
            rng.below(SECTORS.len() as u64) as usize
        };
        let basis = (ctype == CooperationType::Ksdd).then(|| {
            if rng.chance(0.4) {
                KsddBasis::Mandatory
            } else {
                KsddBasis::Voluntary
            }
        });
        let partners = self.partners(region, ctype, &mut rng);
        let family = Family {
            ctype,
            unit,
            sector,
            basis,
            partners,
            verb: rng.word(&VERBS),
        };
        let mut plan = Planner {
            generator: self,
            family: &family,
            first,
            budget,
            out,
            rng: &mut rng,
        };
        plan.run();
        family
    }

    pub(super) fn partners(
        &self,
        region: &Region,
        ctype: CooperationType,
        rng: &mut Rng,
    ) -> Vec<Partner> {
        let count = 1 + rng.weighted(&[70, 20, 7, 3]);
        let mut partners: Vec<Partner> = Vec::with_capacity(count);
        let mut attempts = 0;
        while partners.len() < count && attempts < 20 {
            attempts += 1;
            let partner = match ctype {
                CooperationType::Ksdd => self.government_partner(region, rng),
                CooperationType::Ksdpk => third_party(region, rng),
                CooperationType::Ksdpl => {
                    let (name, country) = *rng.pick(&FOREIGN_REGIONS);
                    Partner {
                        name: name.to_string(),
                        kind: PartyKind::ForeignRegionalGovernment,
                        region: None,
                        country: Some(country),
                    }
                }
                CooperationType::Ksdll => {
                    let (name, country) = *rng.pick(&FOREIGN_INSTITUTIONS);
                    Partner {
                        name: name.to_string(),
                        kind: PartyKind::ForeignInstitution,
                        region: None,
                        country: Some(country),
                    }
                }
                CooperationType::Sinergi => Partner {
                    name: rng.pick(&MINISTRIES).to_string(),
                    kind: PartyKind::Ministry,
                    region: None,
                    country: None,
                },
            };
            if !partners.iter().any(|p| p.name == partner.name) {
                partners.push(partner);
            }
        }
        partners
    }

    /// Another Indonesian regional government: for a province, a neighbouring
    /// province or one of its own regencies and cities; for a regency or city,
    /// its province, a neighbour in the same province or one further away.
    pub(super) fn government_partner(&self, region: &Region, rng: &mut Rng) -> Partner {
        let province_count = PROVINCES.len();
        let nearby = |rng: &mut Rng| {
            (region.province + province_count + rng.between(1, 3) as usize
                - if rng.chance(0.5) { 0 } else { 4 })
                % province_count
        };
        let (province, sub): (usize, Option<u32>) = if region.code.len() == 2 {
            if rng.chance(0.5) {
                (nearby(rng), None)
            } else {
                (region.province, Some(sub_region(rng.below(12) as u32)))
            }
        } else {
            let own: u32 = region.code[3..].parse().unwrap_or(1);
            match rng.weighted(&[40, 40, 20]) {
                0 => (region.province, None),
                1 => {
                    let mut other = sub_region(rng.below(12) as u32);
                    if other == own {
                        other = if own == 1 { 2 } else { 1 };
                    }
                    (region.province, Some(other))
                }
                _ => (nearby(rng), Some(sub_region(rng.below(12) as u32))),
            }
        };
        let (code, name) = PROVINCES[province];
        match sub {
            None => Partner {
                name: format!("Pemerintah Provinsi {name}"),
                kind: PartyKind::ProvinceGovernment,
                region: Some(code.to_string()),
                country: None,
            },
            Some(rr) if rr >= 71 => Partner {
                name: local_government(&format!("{code}.{rr:02}"), "Kota"),
                kind: PartyKind::CityGovernment,
                region: Some(format!("{code}.{rr:02}")),
                country: None,
            },
            Some(rr) => Partner {
                name: local_government(&format!("{code}.{rr:02}"), "Kabupaten"),
                kind: PartyKind::RegencyGovernment,
                region: Some(format!("{code}.{rr:02}")),
                country: None,
            },
        }
    }

    // -- rows ---------------------------------------------------------------------

    pub(super) fn write_record(
        &self,
        batch: &mut Batch,
        region: &mut Region,
        family: &Family,
        rec: &Record,
    ) {
        let mut rng = Rng::new(self.seed, STREAM_ROWS, rec.n);
        let id = synthetic_agreement_id(rec.n);
        let time = timestamp(SYNTHETIC_EPOCH_MS + rec.n);
        let unit = &region.units[rec.unit];
        let region_code = region.code.as_str();
        let objective = format!(
            "Meningkatkan kualitas {} melalui kerja sama yang saling menguntungkan.",
            SECTORS[family.sector].1.to_lowercase()
        );
        batch
            .row(AGREEMENTS_T)
            .uuid(id)
            .text(region_code)
            .text(&rec.title)
            .text(family.ctype.code())
            .text(rec.kind.code())
            .opt_uuid(rec.parent.map(synthetic_agreement_id))
            .text(unit)
            .text(SECTORS[family.sector].0)
            .opt_text(family.basis.map(KsddBasis::code))
            .text(&rec.number)
            .text(&objective)
            .opt_date(rec.signed)
            .opt_date(rec.effective_from)
            .opt_date(rec.effective_until)
            .boolean(rec.dprd)
            .opt_int(rec.budget)
            .int(rec.version)
            .text(&time)
            .text(&time)
            .null()
            .opt_date(rec.process_started)
            .opt_date(rec.terminated.map(|t| t.0))
            .opt_text(rec.terminated.map(|t| t.1))
            .opt_date(rec.cancelled.map(|c| c.0))
            .opt_text(rec.cancelled.map(|c| c.1))
            .text(rec.cycle.code())
            .text(&kerjasama_core::agreements::search_text(
                &rec.title,
                &rec.number,
                family.partners[..rec.parties]
                    .iter()
                    .map(|p| p.name.as_str()),
            ))
            .end();

        for (position, partner) in family.partners[..rec.parties].iter().enumerate() {
            let number = match rec.signed {
                Some(signed) => format!(
                    "{}/{}/{}",
                    rng.between(1, 999),
                    ["KS", "PKS", "HK", "NK"][position % 4],
                    year_of(signed)
                ),
                None => String::new(),
            };
            batch
                .row(PARTIES_T)
                .uuid(id)
                .int(position as i64)
                .text(region_code)
                .text(&partner.name)
                .text(partner.kind.code())
                .opt_text(partner.region.as_deref())
                .opt_text(partner.country)
                .text(&number)
                .end();
        }

        let template = &self.templates.by_key[rec.template];
        for (stage, row) in template.iter().zip(&rec.stages) {
            batch
                .row(STAGES_T)
                .uuid(id)
                .text(region_code)
                .int(i64::from(stage.position))
                .text(&stage.code)
                .text(row.status.code())
                .boolean(stage.skippable)
                .opt_date(row.started)
                .opt_date(row.due)
                .opt_date(row.completed)
                .opt_text(row.skip_reason)
                .boolean(row.backfilled)
                .text("")
                .null()
                .int(row.version)
                .text(&time)
                .end();
        }
        for reschedule in &rec.reschedules {
            batch
                .row(RESCHEDULES_T)
                .uuid(id)
                .text(&template[reschedule.stage].code)
                .text(region_code)
                .date(reschedule.decided)
                .date(reschedule.previous)
                .date(reschedule.new_due)
                .text(reschedule.reason)
                .text(unit)
                .text(&time)
                .end();
        }

        self.write_documents(batch, region_code, rec, template, &mut rng);
        if rec.implemented() {
            self.write_benefits(batch, region_code, unit, rec, &time, &mut rng);
            self.write_reports(batch, region_code, unit, rec, &time, &mut rng);
        }

        // Worth a finding at a meeting: an open stage past due, or weak reporting.
        let weak_reporting = rec.implemented() && rec.signed.is_some() && rec.diligence < 0.7;
        if (rec.overdue || weak_reporting) && rec.cancelled.is_none() {
            region.seen_candidates += 1;
            let entry = (rec.n, rec.unit, !rec.overdue);
            if region.candidates.len() < 64 {
                region.candidates.push(entry);
            } else {
                let slot = rng.below(region.seen_candidates);
                if slot < 64 {
                    region.candidates[slot as usize] = entry;
                }
            }
        }
    }

    pub(super) fn write_documents(
        &self,
        batch: &mut Batch,
        region_code: &str,
        rec: &Record,
        template: &[TemplateStage],
        rng: &mut Rng,
    ) {
        let Some(signed) = rec.signed else {
            return;
        };
        let mut documents: Vec<(&str, Day, String)> = vec![(
            rec.kind.code(),
            signed,
            format!("Naskah {}", truncate(&rec.title, 280)),
        )];
        for (stage, row) in template.iter().zip(&rec.stages) {
            if row.status != Status::Done || row.backfilled || !rng.chance(0.6) {
                continue;
            }
            if stage.dprd {
                documents.push((
                    "DPRD_APPROVAL",
                    row.completed.unwrap_or(signed),
                    "Surat persetujuan DPRD".to_string(),
                ));
            } else if stage.code == "PERSETUJUAN_MENTERI" {
                documents.push((
                    "MINISTER_APPROVAL",
                    row.completed.unwrap_or(signed),
                    "Surat persetujuan Menteri Dalam Negeri".to_string(),
                ));
            }
        }
        let time = timestamp(SYNTHETIC_EPOCH_MS + rec.n);
        for (k, (kind, date, title)) in documents.into_iter().enumerate() {
            let id = synthetic_id(rec.n, 4, k as u16);
            let uri = format!(
                "https://arsip.kerjasama.example.go.id/{region_code}/{}/{id}.pdf",
                year_of(date)
            );
            let sha = format!(
                "{:016x}{:016x}{:016x}{:016x}",
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64(),
                rng.next_u64()
            );
            let number = if k == 0 { rec.number.as_str() } else { "" };
            batch
                .row(DOCUMENTS_T)
                .uuid(id)
                .uuid(synthetic_agreement_id(rec.n))
                .text(region_code)
                .text(kind)
                .text(number)
                .date(date)
                .text(&title)
                .text(&uri)
                .text(&sha)
                .int(rng.big_between(150_000, 8_000_000))
                .text(&time)
                .null()
                .end();
        }
    }

    pub(super) fn write_benefits(
        &self,
        batch: &mut Batch,
        region_code: &str,
        unit: &str,
        rec: &Record,
        time: &str,
        rng: &mut Rng,
    ) {
        let Some((from, until)) = rec.in_force() else {
            return;
        };
        let id = synthetic_agreement_id(rec.n);
        let indicators = rng.weighted(&[15, 25, 25, 18, 10, 7]);
        let months = if rec.cycle == ReportingCycle::Quarterly {
            3
        } else {
            6
        };
        let last = until.map_or(self.as_of, |u| u.min(self.as_of));
        for k in 0..indicators {
            let (category, measure, title, lo, hi, decimals) = *rng.pick(&INDICATORS);
            let scale = 10i64.pow(decimals);
            let mut target = rng.big_between(lo, hi);
            if measure == "IDR" {
                target = target / 1_000_000 * 1_000_000;
            }
            let target_scaled = target * scale;
            let indicator = synthetic_id(rec.n, 1, k as u16);
            let beneficiary = ["REGION", "BOTH", "PARTNER"][rng.weighted(&[60, 30, 10])];
            let mut row = batch.row(INDICATORS_T);
            row.uuid(indicator)
                .uuid(id)
                .text(region_code)
                .text(title)
                .text(category)
                .text(measure)
                .text(beneficiary);
            match rng.weighted(&[60, 25, 15]) {
                0 => row.decimal(0, 0),
                1 => row.null(),
                _ => row.decimal(target_scaled / 10, decimals),
            };
            row.decimal(target_scaled, decimals)
                .opt_date(rec.effective_until)
                .boolean(measure != "PERCENT" || rng.chance(0.9))
                .int(1)
                .text(time)
                .text(time)
                .null()
                .end();

            // Realisations per quarter or semester of the in-force period;
            // some indicators have none, the others miss some periods.
            if rng.chance(0.12) {
                continue;
            }
            let coverage = rec.diligence * (0.6 + 0.4 * rng.unit());
            let mut start = cycle_of(from, months).0;
            let periods = 1 + (last - from).max(0) / (30 * months as i32);
            let per_period = (target_scaled / i64::from(periods)).max(1);
            let mut period = 0u16;
            while start <= last && period < 512 {
                let (_, cycle_end) = cycle_of(start, months);
                let period_start = start.max(from);
                let period_end = until.map_or(cycle_end, |u| cycle_end.min(u));
                if period_end > self.as_of {
                    break;
                }
                if rng.chance(coverage) {
                    let factor = 0.4 + rng.unit();
                    let mut value = (per_period as f64 * factor) as i64;
                    if measure == "PERCENT" {
                        value = value.min(100 * scale);
                    }
                    let note = if rng.chance(0.5) { "Laporan OPD" } else { "" };
                    batch
                        .row(REALISATIONS_T)
                        .uuid(synthetic_id(rec.n, 2, k as u16 * 512 + period))
                        .uuid(indicator)
                        .uuid(id)
                        .text(region_code)
                        .date(period_start)
                        .date(period_end)
                        .decimal(value, decimals)
                        .text(note)
                        .null()
                        .text(unit)
                        .int(1)
                        .text(time)
                        .text(time)
                        .null()
                        .end();
                }
                start = cycle_end + 1;
                period += 1;
            }
        }
    }

    pub(super) fn write_reports(
        &self,
        batch: &mut Batch,
        region_code: &str,
        unit: &str,
        rec: &Record,
        time: &str,
        rng: &mut Rng,
    ) {
        let Some((from, until)) = rec.in_force() else {
            return;
        };
        let months = rec.cycle.months();
        let last = until.map_or(self.as_of, |u| u.min(self.as_of));
        let total = 1 + (until.unwrap_or(from + 1_095) - from).max(0) / (30 * months as i32);
        let mut start = cycle_of(from, months).0;
        let mut k = 0u16;
        while start <= last && k < 4096 {
            let (_, end) = cycle_of(start, months);
            if end > self.as_of {
                break;
            }
            if rng.chance(rec.diligence) {
                let delay = if rng.chance(0.2) {
                    rng.between(31, 150)
                } else {
                    rng.between(1, 30)
                };
                let submitted = end + delay;
                if submitted <= self.as_of {
                    let progress = ((i64::from(k) + 1) * 100 / i64::from(total)
                        + i64::from(rng.between(-5, 10)))
                    .clamp(0, 100);
                    let (obstacles, follow_up) = if rng.chance(0.3) {
                        (*rng.pick(&OBSTACLES), *rng.pick(&FOLLOW_UPS))
                    } else {
                        ("", "")
                    };
                    batch
                        .row(REPORTS_T)
                        .uuid(synthetic_id(rec.n, 3, k))
                        .uuid(synthetic_agreement_id(rec.n))
                        .text(region_code)
                        .date(start)
                        .date(end)
                        .date(submitted)
                        .text(rng.word(&REPORT_SUMMARIES))
                        .int(progress)
                        .text(obstacles)
                        .text(follow_up)
                        .null()
                        .text(unit)
                        .text(time)
                        .null()
                        .end();
                }
            }
            start = end + 1;
            k += 1;
        }
    }

    /// The region's evaluation meetings: one per semester since 2021 (most
    /// semesters), held a few weeks after the semester, with findings about
    /// the region's agreements and recommendations to its units.
    pub(super) fn write_meetings(&self, batch: &mut Batch, region: &Region) {
        let mut rng = Rng::new(self.seed, STREAM_MEETINGS, u64::from(region.index));
        let key = u64::from(region.index) + 1;
        let time = timestamp(SYNTHETIC_EPOCH_MS + key);
        let actor = format!("biro-kerja-sama-{}", region.code);
        let mut meeting_index = 0u16;
        for semester in 0..40 {
            let year = 2021 + semester / 2;
            let first_month = if semester % 2 == 0 { 1 } else { 7 };
            let period_start = ymd(year, first_month, 1);
            let period_end = add_months(period_start, 6) - 1;
            let held = period_end + rng.between(10, 45);
            if held > self.as_of {
                break;
            }
            if !rng.chance(0.85) || meeting_index >= 128 {
                continue;
            }
            let meeting = synthetic_id(key, 5, meeting_index);
            let half = if semester % 2 == 0 { "I" } else { "II" };
            let title = format!(
                "Rapat Evaluasi Kerja Sama Daerah Semester {half} Tahun {year} {}",
                region.label
            );
            let participants = 3 + rng.below(4) as usize;
            let mut units: Vec<&str> = Vec::with_capacity(participants);
            while units.len() < participants {
                let unit = rng.pick(&region.units).as_str();
                if !units.contains(&unit) {
                    units.push(unit);
                }
            }
            let array = format!("{{{}}}", units.join(","));
            batch
                .row(MEETINGS_T)
                .uuid(meeting)
                .text(&region.code)
                .date(held)
                .date(period_start)
                .date(period_end)
                .text(&title)
                .text(&array)
                .text("Dipimpin Sekretaris Daerah; dihadiri perangkat daerah pemrakarsa")
                .text(&time)
                .null()
                .end();
            let findings = 2 + rng.below(5) as u16;
            for f in 0..findings {
                let finding = synthetic_id(key, 6, meeting_index * 8 + f);
                let about = if !region.candidates.is_empty() && rng.chance(0.85) {
                    Some(*rng.pick(&region.candidates))
                } else {
                    None
                };
                let description = match about {
                    Some((_, _, true)) => *rng.pick(&FINDINGS_REPORTING),
                    Some((_, _, false)) => *rng.pick(&FINDINGS_OVERDUE),
                    None => *rng.pick(&FINDINGS_GENERAL),
                };
                batch
                    .row(FINDINGS_T)
                    .uuid(finding)
                    .uuid(meeting)
                    .text(&region.code)
                    .opt_uuid(about.map(|a| synthetic_agreement_id(a.0)))
                    .text(description)
                    .int(i64::from(f))
                    .end();
                let recommendations = 1 + rng.below(2) as u16;
                for k in 0..recommendations {
                    let id = synthetic_id(key, 7, meeting_index * 32 + f * 4 + k);
                    let unit = match about {
                        Some((_, unit, _)) if k == 0 => region.units[unit].as_str(),
                        _ => rng.pick(&region.units).as_str(),
                    };
                    let due = held + rng.between(30, 120);
                    // (status, date, reason)
                    let outcome: Option<(&str, Day, Option<&str>)> = if due < self.as_of {
                        match rng.weighted(&[55, 10, 35]) {
                            0 => Some((
                                "DONE",
                                rng.between(held + 5, (due + 60).min(self.as_of)),
                                None,
                            )),
                            1 => Some((
                                "DROPPED",
                                rng.between(held + 5, self.as_of),
                                Some(*rng.pick(&DROP_REASONS)),
                            )),
                            _ => None,
                        }
                    } else if rng.chance(0.2) {
                        Some(("DONE", rng.between(held, self.as_of), None))
                    } else {
                        None
                    };
                    batch
                        .row(RECOMMENDATIONS_T)
                        .uuid(id)
                        .uuid(finding)
                        .uuid(meeting)
                        .text(&region.code)
                        .text(rng.word(&RECOMMENDATIONS))
                        .text(unit)
                        .date(due)
                        .text(outcome.map_or("OPEN", |o| o.0))
                        .int(1 + i64::from(outcome.is_some()))
                        .end();
                    batch
                        .row(STATUS_CHANGES_T)
                        .uuid(id)
                        .text(&region.code)
                        .text("OPEN")
                        .date(held)
                        .null()
                        .text(&actor)
                        .text(&time)
                        .end();
                    if let Some((status, on, reason)) = outcome {
                        batch
                            .row(STATUS_CHANGES_T)
                            .uuid(id)
                            .text(&region.code)
                            .text(status)
                            .date(on)
                            .opt_text(reason)
                            .text(&actor)
                            .text(&time)
                            .end();
                    }
                }
            }
            meeting_index += 1;
        }
    }
}

pub(super) fn third_party(region: &Region, rng: &mut Rng) -> Partner {
    let kinds = [
        PartyKind::PrivateCompany,
        PartyKind::StateOwnedEnterprise,
        PartyKind::RegionOwnedEnterprise,
        PartyKind::University,
        PartyKind::CommunityOrganisation,
        PartyKind::OtherNonGovernment,
        PartyKind::Individual,
    ];
    let kind = kinds[rng.weighted(&[35, 15, 12, 18, 10, 6, 4])];
    let name = match kind {
        PartyKind::PrivateCompany => format!(
            "PT {} {} {}",
            rng.pick(&COMPANY_A),
            rng.pick(&COMPANY_B),
            rng.pick(&COMPANY_C)
        ),
        PartyKind::StateOwnedEnterprise => rng.pick(&STATE_OWNED).to_string(),
        PartyKind::RegionOwnedEnterprise => {
            format!("{} {}", rng.pick(&REGION_OWNED), region.label)
        }
        PartyKind::University => rng.pick(&UNIVERSITIES).to_string(),
        PartyKind::CommunityOrganisation => format!(
            "Yayasan {} {}",
            rng.pick(&FOUNDATION_A),
            rng.pick(&FOUNDATION_B)
        ),
        PartyKind::OtherNonGovernment => rng.pick(&NON_GOVERNMENT).to_string(),
        _ => format!("{} {}", rng.pick(&FIRST_NAMES), rng.pick(&LAST_NAMES)),
    };
    Partner {
        name,
        kind,
        region: None,
        country: None,
    }
}

pub(super) fn truncate(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

// ---------------------------------------------------------------------------
// Planning one family's records
// ---------------------------------------------------------------------------

/// Where a record's procedure starts.
pub(super) enum Start {
    /// A record that opens a family: sometime in the past decade.
    Fresh,
    /// After its parent was signed, between `min` and `max` days later.
    After { day: Day, min: i32, max: i32 },
}

pub(super) struct Planner<'a> {
    pub(super) generator: &'a Generator,
    pub(super) family: &'a Family,
    pub(super) first: u64,
    pub(super) budget: u64,
    pub(super) out: &'a mut Vec<Record>,
    pub(super) rng: &'a mut Rng,
}

impl Planner<'_> {
    pub(super) fn room(&self) -> bool {
        (self.out.len() as u64) < self.budget
    }

    /// Plans a record with the next ordinal; `None` when there is no room or
    /// it would start after the register's date. Returns its index in `out`.
    pub(super) fn add(
        &mut self,
        kind: DocumentKind,
        parent: Option<usize>,
        start: Start,
    ) -> Option<usize> {
        if !self.room() {
            return None;
        }
        let n = self.first + self.out.len() as u64;
        let parent = parent.map(|p| &self.out[p]);
        let record = plan_record(self.generator, self.family, n, kind, parent, start)?;
        self.out.push(record);
        Some(self.out.len() - 1)
    }

    pub(super) fn signed(&self, index: usize) -> Option<Day> {
        self.out[index].signed
    }

    /// An addendum under a signed record, sometimes.
    pub(super) fn maybe_addendum(&mut self, parent: usize, chance: f64) {
        if let Some(signed) = self.signed(parent)
            && self.rng.chance(chance)
        {
            self.add(
                DocumentKind::Addendum,
                Some(parent),
                Start::After {
                    day: signed,
                    min: 180,
                    max: 1_400,
                },
            );
        }
    }

    pub(super) fn run(&mut self) {
        use DocumentKind::*;
        match self.family.ctype {
            CooperationType::Ksdd | CooperationType::Ksdpk => {
                if self.rng.chance(0.55) {
                    let Some(ksb) = self.add(Ksb, None, Start::Fresh) else {
                        return;
                    };
                    if let Some(signed) = self.signed(ksb) {
                        let children = self.rng.weighted(&[35, 35, 20, 10]);
                        for _ in 0..children {
                            let start = Start::After {
                                day: signed,
                                min: 14,
                                max: 420,
                            };
                            if let Some(pks) = self.add(Pks, Some(ksb), start) {
                                self.maybe_addendum(pks, 0.12);
                            }
                        }
                        self.maybe_addendum(ksb, 0.04);
                    }
                } else if let Some(pks) = self.add(Pks, None, Start::Fresh) {
                    self.maybe_addendum(pks, 0.12);
                }
            }
            CooperationType::Sinergi => {
                if let Some(nota) = self.add(NotaKesepakatan, None, Start::Fresh) {
                    self.maybe_addendum(nota, 0.1);
                }
            }
            CooperationType::Ksdpl | CooperationType::Ksdll => {
                let head = if self.rng.chance(0.4) {
                    let Some(loi) = self.add(Loi, None, Start::Fresh) else {
                        return;
                    };
                    let Some(signed) = self.signed(loi) else {
                        return;
                    };
                    let after = Start::After {
                        day: signed,
                        min: 30,
                        max: 540,
                    };
                    match self.rng.weighted(&[45, 20, 35]) {
                        0 => self.add(Ksb, Some(loi), after),
                        1 => self.add(Pks, Some(loi), after),
                        _ => None,
                    }
                } else if self.rng.chance(0.5) {
                    self.add(Ksb, None, Start::Fresh)
                } else {
                    self.add(Pks, None, Start::Fresh)
                };
                let Some(head) = head else {
                    return;
                };
                if self.out[head].kind == Ksb
                    && let Some(signed) = self.signed(head)
                    && self.rng.chance(0.45)
                {
                    let start = Start::After {
                        day: signed,
                        min: 30,
                        max: 420,
                    };
                    if let Some(pks) = self.add(Pks, Some(head), start) {
                        self.maybe_addendum(pks, 0.08);
                    }
                } else if self.out[head].kind == Pks {
                    self.maybe_addendum(head, 0.08);
                }
            }
        }
    }
}

/// How a record's procedure went.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Registered, no stage started.
    Draft,
    /// Registered after signing: stages through signing backfilled.
    Backfilled,
    /// Walked through the stages.
    Walked,
}

/// Days a stage took, from its target: mostly on time, some late, a few very late.
pub(super) fn stage_days(rng: &mut Rng, target: i32) -> i32 {
    let draw = rng.unit();
    let factor = if draw < 0.55 {
        0.3 + 0.7 * rng.unit()
    } else if draw < 0.85 {
        1.0 + rng.unit()
    } else {
        2.0 + 3.0 * rng.unit()
    };
    ((f64::from(target) * factor).round() as i32).max(1)
}

pub(super) fn plan_record(
    generator: &Generator,
    family: &Family,
    n: u64,
    kind: DocumentKind,
    parent: Option<&Record>,
    start: Start,
) -> Option<Record> {
    let mut rng = Rng::new(generator.seed, STREAM_RECORD, n);
    let as_of = generator.as_of;
    let ctype = family.ctype;
    let template = template_key(ctype, kind, parent.is_some());
    let stages = generator.templates.get(ctype, kind, parent.is_some());
    let first_day = ymd(FIRST_START.0, FIRST_START.1, FIRST_START.2);
    let start_day = match start {
        Start::Fresh => {
            let u = rng.unit();
            let span = f64::from(as_of - first_day);
            as_of - (span * (0.2 * u + 0.8 * u * u * u * u)) as i32
        }
        Start::After { day, min, max } => day + rng.between(min, max),
    };
    if start_day > as_of {
        return None;
    }
    let dprd = match kind {
        DocumentKind::Ksb | DocumentKind::NotaKesepakatan | DocumentKind::Loi => ctype.is_foreign(),
        DocumentKind::Pks if ctype.is_foreign() => rng.chance(0.9),
        DocumentKind::Pks => rng.chance(0.3),
        DocumentKind::Addendum => rng.chance(0.15),
    };
    let mode = match start {
        Start::Fresh if rng.chance(0.05) => Mode::Draft,
        _ if rng.chance(0.3) => Mode::Backfilled,
        _ => Mode::Walked,
    };
    // Records that stall at one stage; some of the stalled unsigned ones are
    // cancelled.
    let doomed = mode == Mode::Walked && rng.chance(0.1);
    let signing = stages.iter().position(|s| s.signs).unwrap_or(0);
    let applicable = |s: &TemplateStage| !s.dprd || dprd;
    let stall = if doomed {
        let before: Vec<usize> = (0..=signing).filter(|i| applicable(&stages[*i])).collect();
        Some(*rng.pick(&before))
    } else if rng.chance(0.1) {
        Some(rng.below(stages.len() as u64) as usize)
    } else {
        None
    };

    let mut rows: Vec<StageRow> = stages
        .iter()
        .map(|s| StageRow {
            status: if applicable(s) {
                Status::Pending
            } else {
                Status::NotApplicable
            },
            started: None,
            due: None,
            completed: None,
            skip_reason: None,
            backfilled: false,
            version: 1,
        })
        .collect();

    let mut record = Record {
        n,
        kind,
        parent: parent.map(|p| p.n),
        unit: if parent.is_some() && rng.chance(0.1) {
            rng.below(UNITS.len().min(20) as u64) as usize
        } else {
            family.unit
        },
        title: String::new(),
        number: String::new(),
        dprd,
        budget: None,
        cycle: ReportingCycle::Quarterly,
        signed: None,
        effective_from: None,
        effective_until: None,
        process_started: None,
        terminated: None,
        cancelled: None,
        template,
        stages: Vec::new(),
        reschedules: Vec::new(),
        parties: 1,
        diligence: *rng.pick(&[0.98, 0.98, 0.98, 0.9, 0.9, 0.9, 0.75, 0.6, 0.4, 0.15]),
        version: 1,
        overdue: false,
    };
    if kind.is_implemented() {
        record.cycle = [
            ReportingCycle::Quarterly,
            ReportingCycle::Semester,
            ReportingCycle::Yearly,
        ][rng.weighted(&[70, 20, 10])];
    }

    // The stage walk. `limit`: no stage event after it (the register's date,
    // or the termination).
    let parent_until = parent.and_then(|p| p.effective_until);
    let mut limit = as_of;
    let mut first_index = 0;
    let mut day = start_day;
    let mut instantiated_open = false;
    match mode {
        Mode::Draft => first_index = stages.len(),
        Mode::Backfilled => {
            let pre: i32 = stages[..=signing]
                .iter()
                .filter(|s| applicable(s))
                .map(|s| s.target_days)
                .sum();
            let signed = start_day + (f64::from(pre) * (0.8 + 1.2 * rng.unit())) as i32;
            if signed <= as_of {
                for (stage, row) in stages[..=signing].iter().zip(rows.iter_mut()) {
                    if row.status == Status::NotApplicable {
                        continue;
                    }
                    row.status = Status::Done;
                    row.started = Some(signed);
                    row.due = Some(signed + stage.target_days);
                    row.completed = Some(signed);
                    row.backfilled = true;
                }
                record.process_started = Some(signed);
                limit = sign(&mut record, parent_until, signed, &mut rng, as_of);
                // CreateAgreement with signed_on: version 1, no signing step.
                record.version -= 1;
                first_index = signing + 1;
                day = signed;
                instantiated_open = true;
            } else {
                record.process_started = Some(start_day);
            }
        }
        Mode::Walked => record.process_started = Some(start_day),
    }
    let mut open: Option<usize> = None;
    if mode != Mode::Draft {
        let mut first = true;
        for i in first_index..stages.len() {
            let stage = &stages[i];
            if rows[i].status == Status::NotApplicable {
                continue;
            }
            let started = day;
            let row = &mut rows[i];
            row.started = Some(started);
            row.due = Some(started + stage.target_days);
            // Started by StartStage, by the previous stage settling, or
            // (right after a backfilled signing) by the registration itself.
            row.version = if first && instantiated_open { 1 } else { 2 };
            if !first && stage.skippable && !stage.signs && rng.chance(0.05) {
                let skipped = started + rng.between(0, 7);
                if skipped <= limit {
                    row.status = Status::Skipped;
                    row.completed = Some(skipped);
                    row.skip_reason = Some(*rng.pick(&SKIP_REASONS));
                    row.version += 1;
                    day = skipped;
                    first = false;
                    continue;
                }
            }
            let mut days = stage_days(&mut rng, stage.target_days);
            if stall == Some(i) {
                days *= if doomed {
                    rng.between(20, 60)
                } else {
                    rng.between(5, 25)
                };
            }
            let end = started + days;
            if end <= limit {
                row.status = Status::Done;
                row.completed = Some(end);
                row.version += 1;
                day = end;
                if stage.signs {
                    limit = sign(&mut record, parent_until, end, &mut rng, as_of);
                }
            } else {
                row.status = Status::InProgress;
                open = Some(i);
                break;
            }
            first = false;
        }
    }

    // A stalled unsigned record is sometimes given up.
    if let Some(i) = open
        && record.signed.is_none()
        && (doomed || rng.chance(0.25))
        && let Some(started) = rows[i].started
    {
        let cancelled = started + rng.between(30, 540);
        if cancelled <= as_of {
            record.cancelled = Some((cancelled, *rng.pick(&CANCELLATION_REASONS)));
            record.version += 1;
            limit = limit.min(cancelled);
        }
    }
    if mode == Mode::Draft && rng.chance(0.12) {
        let cancelled = (start_day + rng.between(30, 400)).min(as_of);
        record.cancelled = Some((cancelled, *rng.pick(&CANCELLATION_REASONS)));
        record.version += 1;
    }

    // Reschedules of late stages, decided while they were in progress.
    for (i, row) in rows.iter_mut().enumerate() {
        let (Some(started), Some(due)) = (row.started, row.due) else {
            continue;
        };
        if row.backfilled || row.status == Status::Skipped {
            continue;
        }
        let window_end = row.completed.unwrap_or(limit);
        let late = window_end > due;
        if window_end < started || !rng.chance(if late { 0.35 } else { 0.04 }) {
            continue;
        }
        let count = if rng.chance(0.2) { 2 } else { 1 };
        let mut current = due;
        let mut decided = started;
        for _ in 0..count {
            decided = rng.between(decided, window_end);
            let new_due = current + rng.between(14, 120);
            record.reschedules.push(Reschedule {
                stage: i,
                decided,
                previous: current,
                new_due,
                reason: rng.word(&RESCHEDULE_REASONS),
            });
            current = new_due;
        }
        row.version += count;
        if row.status == Status::InProgress && current < as_of && record.cancelled.is_none() {
            record.overdue = true;
        }
    }
    if let Some(i) = open
        && record.cancelled.is_none()
        && !record.reschedules.iter().any(|r| r.stage == i)
        && rows[i].due.is_some_and(|due| due < as_of)
    {
        record.overdue = true;
    }
    record.stages = rows;

    // Text: title, number, parties, money.
    let partner = &family.partners[0].name;
    let topic = SECTORS[family.sector].1;
    let verb = family.verb;
    record.title = match (kind, parent) {
        (DocumentKind::Addendum, Some(p)) => {
            truncate(&format!("Adendum I {}", p.title), 500).to_string()
        }
        (DocumentKind::Loi, _) => {
            format!("Pernyataan Kehendak Kerja Sama {verb} {topic} dengan {partner}")
        }
        (DocumentKind::Ksb, _) => format!("Kesepakatan Bersama {verb} {topic} dengan {partner}"),
        (DocumentKind::Pks, _) => {
            format!("Perjanjian Kerja Sama {verb} {topic} dengan {partner}")
        }
        _ => format!("Nota Kesepakatan {verb} {topic} dengan {partner}"),
    };
    if let Some(signed) = record.signed {
        let short = match kind {
            DocumentKind::Loi => "LOI",
            DocumentKind::Ksb => "KSB",
            DocumentKind::Pks => "PKS",
            DocumentKind::Addendum => "ADD",
            DocumentKind::NotaKesepakatan => "NK",
        };
        record.number = format!(
            "415.4/{}-{short}/{}/{}",
            rng.between(1, 400),
            UNITS[record.unit].0,
            year_of(signed)
        );
    }
    record.parties = match parent {
        Some(p) => p.parties.min(1 + rng.below(p.parties as u64) as usize),
        None => family.partners.len(),
    };
    record.budget = match kind {
        DocumentKind::Pks if rng.chance(0.6) => Some(rng.big_between(100, 50_000) * 1_000_000),
        DocumentKind::NotaKesepakatan | DocumentKind::Addendum if rng.chance(0.3) => {
            Some(rng.big_between(50, 10_000) * 1_000_000)
        }
        _ => None,
    };
    Some(record)
}

/// Signs `record` on `signed`: its effective period and, for a few, an early
/// termination. Returns the last day stage events may happen.
pub(super) fn sign(
    record: &mut Record,
    parent_until: Option<Day>,
    signed: Day,
    rng: &mut Rng,
    as_of: Day,
) -> Day {
    record.signed = Some(signed);
    record.version += 1;
    let from = if rng.chance(0.75) {
        signed
    } else {
        let (_, month_end) = cycle_of(signed, 1);
        month_end + 1
    };
    let years = |rng: &mut Rng, choices: &[u32]| *rng.pick(choices);
    let until = match record.kind {
        DocumentKind::Loi if rng.chance(0.6) => None,
        DocumentKind::Loi => Some(add_months(from, 24) - 1),
        DocumentKind::Ksb if rng.chance(0.05) => None,
        DocumentKind::Ksb => Some(add_months(from, 12 * years(rng, &[5, 5, 5, 3])) - 1),
        DocumentKind::Pks if rng.chance(0.05) => None,
        DocumentKind::Pks => Some(add_months(from, 12 * years(rng, &[2, 3, 3, 5, 5])) - 1),
        DocumentKind::NotaKesepakatan => Some(add_months(from, 12 * years(rng, &[3, 5])) - 1),
        // An addendum runs to the end of what it amends, or a year or two.
        DocumentKind::Addendum => match parent_until {
            Some(until) if until > from => Some(until),
            _ => Some(add_months(from, 12 * years(rng, &[1, 2])) - 1),
        },
    };
    record.effective_from = Some(from);
    record.effective_until = until;
    if record.kind.is_implemented() && rng.chance(0.05) {
        let end = until.unwrap_or(as_of).min(as_of);
        if end > signed + 30 {
            let terminated = rng.between(signed + 30, end);
            record.terminated = Some((terminated, *rng.pick(&TERMINATION_REASONS)));
            record.version += 1;
            return terminated.min(as_of);
        }
    }
    as_of
}

/// "Pemerintah Kota Serang" for a regency or city the region catalogue knows;
/// for one it does not, its kind and code.
fn local_government(code: &str, kind: &str) -> String {
    let name = kerjasama_core::regions::display(code);
    if name == code {
        format!("Pemerintah {kind} {code}")
    } else {
        format!("Pemerintah {name}")
    }
}
