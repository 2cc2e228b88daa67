// Over 1,000 lines: one transaction applies five sheets in dependency order with shared row matching; splitting per sheet would scatter the savepoint and conflict rules.
//! Applying parsed rows to the register through the same use cases as the
//! API (`agreements::create_in`, `update_in`, `benefits::create_indicator_in`,
//! …), each row in its own savepoint, inside one transaction the caller
//! owns (each row's savepoint is a nested diesel transaction). A dry run rolls that transaction back; a commit keeps it only when
//! no row is invalid or conflicting. Either way nothing half-written is left.
//!
//! Rows are matched on the region's own document number (Nomor Dokumen):
//! - an agreement that exists (one live agreement of the region with that
//!   number) is UNCHANGED when every imported field equals the stored one,
//!   UPDATED through `agreements::update_in` when only updatable fields
//!   differ, and CONFLICT when its type, document kind or signed date differ
//!   (those change only through the lifecycle), or when several live
//!   agreements carry the number, or the file lists the number twice;
//! - an indicator matches on (document number, indicator title), a
//!   realisation on (document number, indicator title, period), an
//!   implementation report on (document number, cycle start); equal is
//!   UNCHANGED, different is UPDATED (indicators, realisations) or CONFLICT
//!   (reports, which have no update).
//!
//! Every audit row written carries the import's name as its request id
//! ([`kerjasama_core::audit::within`]) and the importing token as its actor.
//! The import's audit rows are held back and sent a thousand to a statement,
//! in the same transaction (a rejected row's are dropped with its savepoint);
//! the caller sends the last of them ([`audit::flush`]) before it commits.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::columns::{SheetKind, column_for_field, header, normalize_header};
use super::messages;
use super::problems::{Outcome, Problem, ReportLine};
use super::read::{
    AgreementRow, IndicatorRow, ParsedImport, PartyRow, RealisationRow, ReportRow, StageRow,
};
use kerjasama_core::access::Principal;
use kerjasama_core::agreements::{self, AgreementChange, AgreementFields, Party};
use kerjasama_core::audit;
use kerjasama_core::benefits::{
    self, IndicatorChange, IndicatorFields, RealisationChange, RealisationFields,
};
use kerjasama_core::codes::ReportingCycle;
use kerjasama_core::error::{CoreError, CoreResult};
use kerjasama_core::history::{self, EventOutcome, StageEvent};
use kerjasama_core::implementation_reports::{self, NewReport};
use kerjasama_core::schema::{
    agreements as agreements_table, benefit_indicators, benefit_realisations,
    implementation_reports as reports_table, stage_definitions,
};

/// The most report lines kept (the rest are counted).
pub const MAX_LINES: usize = 10_000;

/// What applying the rows did (or, after a rollback, would do).
#[derive(Debug, Default, Clone)]
pub struct Applied {
    pub rows_total: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub conflicting: u64,
    /// Stages assumed done (`history_from`).
    pub assumed: u64,
    /// Rows with at least one problem.
    pub invalid: u64,
    /// Problem lines (INVALID, CONFLICT), at most [`MAX_LINES`].
    pub lines: Vec<ReportLine>,
    /// UPDATED and UNCHANGED lines, at most [`MAX_LINES`]: kept apart so that
    /// they never crowd out a problem.
    pub info_lines: Vec<ReportLine>,
    pub lines_not_listed: u64,
    /// Records created by this pass: nothing stored hangs under them, so
    /// their children need no lookup.
    pub(crate) fresh: HashSet<Uuid>,
    /// Agreement → its document number, so a rule that names an agreement
    /// names it as the bureau's file does.
    pub(crate) numbers: HashMap<Uuid, String>,
}

impl Applied {
    /// Whether every row can be written.
    pub fn is_clean(&self) -> bool {
        self.invalid == 0 && self.conflicting == 0
    }

    pub(crate) fn line(&mut self, outcome: Outcome, problem: Problem) {
        let list = match outcome {
            Outcome::Invalid | Outcome::Conflict => &mut self.lines,
            Outcome::Updated | Outcome::Unchanged | Outcome::Assumed | Outcome::Filed => {
                &mut self.info_lines
            }
        };
        if list.len() < MAX_LINES {
            list.push(ReportLine { outcome, problem });
        } else {
            self.lines_not_listed += 1;
        }
    }

    /// A problem line that keeps the run from being written.
    pub(crate) fn invalid_line(&mut self, problem: Problem) {
        self.line(Outcome::Invalid, problem);
        self.invalid += 1;
    }

    /// The report as stored: problems first, then updated and unchanged
    /// rows, [`MAX_LINES`] in all; and how many more there were.
    pub fn report(&self) -> (Vec<&ReportLine>, u64) {
        let listed: Vec<&ReportLine> = self
            .lines
            .iter()
            .chain(self.info_lines.iter())
            .take(MAX_LINES)
            .collect();
        let all = (self.lines.len() + self.info_lines.len()) as u64 + self.lines_not_listed;
        let not_listed = all - listed.len() as u64;
        (listed, not_listed)
    }
}

/// Where a record came from: its sheet and row.
#[derive(Clone, Copy)]
struct At {
    sheet: SheetKind,
    row: u32,
}

fn problem(at: At, column_key: Option<&str>, value: &str, id: String, en: String) -> Problem {
    Problem::new(
        at.sheet.name(),
        Some(at.row),
        column_key.map(|k| header(at.sheet, k).to_string()),
        value,
        id,
        en,
    )
}

/// A rule's field path (`parties[1].kind`, `unit`, `value`) without indexes.
fn bare_field(path: &str) -> (String, Option<usize>) {
    let mut index = None;
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '[' {
            let digits: String = chars.by_ref().take_while(|c| *c != ']').collect();
            index = digits.parse().ok();
        } else {
            out.push(c);
        }
    }
    (out, index)
}

/// The report lines for a row's rejection by the core rules.
fn violations_to_lines(applied: &mut Applied, at: At, party_rows: &[At], error: &CoreError) {
    let lines: Vec<(At, Option<&'static str>, String, String)> = match error {
        CoreError::InvalidArgument(violations) => violations
            .iter()
            .map(|v| {
                let (field, description) = (&v.field, &v.description);
                let (bare, index) = bare_field(field);
                // The API names the unit `unit`; the sheet's column is the unit code.
                let bare = if bare == "unit" {
                    "unit_code".to_string()
                } else {
                    bare
                };
                let (row_at, sheet_field) = match (bare.strip_prefix("parties."), index) {
                    (Some(party_field), Some(i)) => (
                        party_rows.get(i).copied().unwrap_or(at),
                        format!("parties.{party_field}"),
                    ),
                    _ => (at, bare.clone()),
                };
                let column = column_for_field(row_at.sheet, &sheet_field)
                    .or_else(|| {
                        column_for_field(row_at.sheet, sheet_field.trim_start_matches("parties."))
                    })
                    .map(|c| c.key);
                (
                    row_at,
                    column,
                    messages::violation(v),
                    format!("{field}: {description}"),
                )
            })
            .collect(),
        CoreError::Refused {
            wording,
            values,
            named,
        } => {
            // An agreement named by its document number, not its id.
            let by_number = |list: &[String]| -> Vec<String> {
                list.iter()
                    .map(|v| {
                        v.strip_prefix("agreements/")
                            .and_then(|id| Uuid::parse_str(id).ok())
                            .and_then(|id| applied.numbers.get(&id))
                            .map(|number| format!("No. {number}"))
                            .unwrap_or_else(|| v.clone())
                    })
                    .collect()
            };
            let people = if named.is_empty() { values } else { named };
            let named = CoreError::refused_named(wording, by_number(values), by_number(people));
            vec![(at, None, messages::error(&named), named.to_string())]
        }
        other => {
            let text = other.to_string();
            vec![(at, None, messages::error(other), text)]
        }
    };
    for (row_at, column, id, en) in lines {
        applied.line(Outcome::Invalid, problem(row_at, column, "", id, en));
    }
}

/// Errors that end the whole import (the database, not the file).
fn is_fatal(error: &CoreError) -> bool {
    matches!(error, CoreError::Unavailable(_) | CoreError::Internal(_))
}

/// Runs one row's writes: in a savepoint of its own (so a rejected row
/// leaves nothing and the pass goes on), or, on the fast path, directly in
/// the import's transaction (the caller then discards a pass with any
/// rejected row, see [`Mode`]).
macro_rules! row {
    ($conn:ident, $mode:expr, $call:expr) => {{
        let audit_mark = audit::pending();
        begin_row($conn, $mode).await?;
        let result = $call.await;
        end_row($conn, $mode, result.is_ok(), audit_mark).await?;
        result
    }};
}

async fn begin_row(conn: &mut AsyncPgConnection, mode: Mode) -> CoreResult<()> {
    if mode.savepoints {
        diesel::sql_query("SAVEPOINT import_row")
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Ends a row: its savepoint released or rolled back, and the audit rows it
/// wrote (held back by the import's batch, [`audit::within`]) kept or
/// dropped with it; a statement's worth of kept rows is then sent.
async fn end_row(
    conn: &mut AsyncPgConnection,
    mode: Mode,
    ok: bool,
    audit_mark: usize,
) -> CoreResult<()> {
    if mode.savepoints {
        let statement = if ok {
            "RELEASE SAVEPOINT import_row"
        } else {
            "ROLLBACK TO SAVEPOINT import_row"
        };
        diesel::sql_query(statement).execute(conn).await?;
    }
    if ok {
        audit::flush_if_full(conn).await
    } else {
        audit::forget_since(audit_mark);
        Ok(())
    }
}

/// How [`apply`] runs the rows.
#[derive(Debug, Clone, Copy)]
pub struct Mode {
    /// Each row in a savepoint: every row is tried and reported. Without
    /// savepoints (the fast path, for files expected to be clean), a rejected
    /// row may leave part of itself or end the transaction, so a pass with
    /// any rejected row is thrown away and run again with savepoints for the
    /// report.
    pub savepoints: bool,
}

/// Keeps the planner's statistics in step with a growing import. A first
/// import into a young register grows its tables many times over inside one
/// transaction; planned on the statistics of the small tables, every lookup
/// would scan them whole. `ANALYZE` in the transaction counts its own new
/// rows, and the new statistics replace the cached plans; it runs after 256
/// rows, then each time the count doubles, so a few times per import. Each
/// kind of row also has its own table analysed as that table grows
/// ([`Statistics::begin`]): the reports come last, and analysed while still
/// empty, their table's lookups would scan it whole for the rest of the import.
struct Statistics {
    next: u64,
    /// The kind of row being applied: its table and how many of its rows.
    section: Option<Section>,
    /// Rows the register's largest import table held when the import began:
    /// an import that adds less than a tenth of that leaves the statistics
    /// good enough, and big tables are not sampled again and again.
    base: f64,
}

/// The tables an import writes and then reads back.
const IMPORT_TABLES: &str = "agreements, agreement_parties, agreement_stages, benefit_indicators, \
     benefit_realisations, implementation_reports, audit_events";

struct Section {
    table: &'static str,
    rows: u64,
    next: u64,
}

impl Statistics {
    /// Rows for `table` come next: it is analysed after 256 of them, then
    /// each time their count doubles.
    fn begin(&mut self, table: &'static str) {
        self.section = Some(Section {
            table,
            rows: 0,
            next: 256,
        });
    }

    async fn new(conn: &mut AsyncPgConnection) -> CoreResult<Self> {
        #[derive(QueryableByName)]
        struct Size {
            #[diesel(sql_type = diesel::sql_types::Double)]
            rows: f64,
        }
        let size: Size = diesel::sql_query(
            "SELECT coalesce(max(reltuples), 0)::float8 AS rows FROM pg_class \
             WHERE relname IN ('agreements', 'agreement_stages', 'benefit_realisations')",
        )
        .get_result(conn)
        .await?;
        Ok(Self {
            next: 256,
            section: None,
            base: size.rows.max(0.0),
        })
    }

    async fn after_row(
        &mut self,
        conn: &mut AsyncPgConnection,
        progress: &Progress,
    ) -> CoreResult<()> {
        let rows = progress.rows();
        if rows >= self.next && (rows as f64) * 10.0 >= self.base {
            self.next = self.next.saturating_mul(2);
            diesel::sql_query(format!("ANALYZE {IMPORT_TABLES}"))
                .execute(conn)
                .await?;
        }
        if let Some(section) = &mut self.section {
            section.rows += 1;
            if section.rows >= section.next && (section.rows as f64) * 10.0 >= self.base {
                section.next = section.next.saturating_mul(2);
                diesel::sql_query(format!("ANALYZE {}", section.table))
                    .execute(conn)
                    .await?;
            }
        }
        Ok(())
    }
}

/// The import's progress, read by whoever reports it.
#[derive(Clone, Default)]
pub struct Progress(Arc<AtomicU64>);

impl Progress {
    pub fn rows(&self) -> u64 {
        AtomicU64::load(&self.0, AtomicOrdering::Relaxed)
    }

    fn step(&self) {
        self.0.fetch_add(1, AtomicOrdering::Relaxed);
    }

    /// Starts counting again (a second pass).
    pub fn reset(&self) {
        self.0.store(0, AtomicOrdering::Relaxed);
    }
}

/// What a run knows of the bureau's past (docs/domain.md, "Records that
/// predate the system").
#[derive(Debug, Clone)]
pub struct History {
    /// The run's name (`importRuns/{id}`), on every stage it settles.
    pub run: String,
    /// Open stages due before this date are assumed done; records without
    /// their own `reports_owed_from` owe reports from it.
    pub history_from: Option<chrono::NaiveDate>,
}

/// Applies every row inside the caller's transaction on `conn`.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    mode: Mode,
    region: &str,
    parsed: ParsedImport,
    progress: &Progress,
    past: &History,
) -> CoreResult<Applied> {
    let mut statistics = Statistics::new(conn).await?;
    let mut applied = Applied {
        rows_total: parsed.rows_read,
        invalid: 0,
        ..Applied::default()
    };
    // Rows the reader already refused.
    let mut refused_rows: HashSet<(String, u32)> = HashSet::new();
    for p in parsed.problems {
        if let Some(row) = p.row {
            refused_rows.insert((p.sheet.clone(), row));
        } else {
            refused_rows.insert((p.sheet.clone(), 0));
        }
        applied.line(Outcome::Invalid, p);
    }
    applied.lines_not_listed += parsed.problems_not_listed;
    applied.invalid = refused_rows.len() as u64 + parsed.problems_not_listed;

    // Agreements: document number → its row(s) in the file.
    let mut by_number: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, row) in parsed.agreements.iter().enumerate() {
        by_number
            .entry(row.document_number.clone())
            .or_default()
            .push(i);
    }
    let mut parties: HashMap<String, Vec<PartyRow>> = HashMap::new();
    for party in parsed.parties {
        parties
            .entry(party.document_number.clone())
            .or_default()
            .push(party);
    }
    // Every document number the file names, looked up in the register once.
    let mut numbers: HashSet<&str> = by_number.keys().map(String::as_str).collect();
    numbers.extend(
        parsed
            .agreements
            .iter()
            .filter_map(|a| a.parent_document_number.as_deref()),
    );
    numbers.extend(parsed.indicators.iter().map(|r| r.document_number.as_str()));
    numbers.extend(
        parsed
            .realisations
            .iter()
            .map(|r| r.document_number.as_str()),
    );
    numbers.extend(parsed.reports.iter().map(|r| r.document_number.as_str()));
    numbers.extend(parsed.stages.iter().map(|r| r.document_number.as_str()));
    let numbers: Vec<String> = numbers.into_iter().map(str::to_string).collect();
    let mut existing: HashMap<String, Vec<Uuid>> = HashMap::new();
    for chunk in numbers.chunks(5_000) {
        let found: Vec<(String, Uuid)> = agreements_table::table
            .filter(agreements_table::region_code.eq(region))
            .filter(agreements_table::delete_time.is_null())
            .filter(agreements_table::document_number.eq_any(chunk))
            .select((agreements_table::document_number, agreements_table::id))
            .load(conn)
            .await?;
        for (number, id) in found {
            applied.numbers.insert(id, number.clone());
            existing.entry(number).or_default().push(id);
        }
    }

    // Document number → the agreement it resolved to (created, updated or
    // unchanged); numbers whose row failed resolve to nothing.
    let mut resolved: HashMap<String, Uuid> = HashMap::new();
    let mut failed_numbers: HashSet<String> = HashSet::new();
    for (number, rows) in &by_number {
        if rows.len() > 1 {
            failed_numbers.insert(number.clone());
            for &i in rows {
                let row = &parsed.agreements[i];
                let at = At {
                    sheet: SheetKind::Agreements,
                    row: row.row,
                };
                applied.conflicting += 1;
                progress.step();
                applied.line(
                    Outcome::Conflict,
                    problem(
                        at,
                        Some("nomor_dokumen"),
                        number,
                        format!("Nomor dokumen {number} muncul {} kali dalam berkas ini; setiap perjanjian hanya satu baris.", rows.len()),
                        format!("Document number {number} appears {} times in this file; each agreement is one row.", rows.len()),
                    ),
                );
            }
        }
    }
    // Parents first: a row waits until its parent's document number resolves.
    let mut pending: Vec<usize> = (0..parsed.agreements.len())
        .filter(|&i| !failed_numbers.contains(&parsed.agreements[i].document_number))
        .collect();
    loop {
        let before = pending.len();
        let mut waiting = Vec::new();
        for i in pending {
            let row = &parsed.agreements[i];
            let parent_ready = match &row.parent_document_number {
                None => true,
                Some(parent) => {
                    resolved.contains_key(parent)
                        || failed_numbers.contains(parent)
                        || !by_number.contains_key(parent)
                }
            };
            if !parent_ready {
                waiting.push(i);
                continue;
            }
            let own_parties = parties.remove(&row.document_number).unwrap_or_default();
            match agreement_row(
                conn,
                actor,
                mode,
                region,
                row,
                &own_parties,
                &existing,
                &resolved,
                &failed_numbers,
                &mut applied,
                past,
            )
            .await?
            {
                Some(id) => {
                    applied.numbers.insert(id, row.document_number.clone());
                    resolved.insert(row.document_number.clone(), id);
                }
                None => {
                    failed_numbers.insert(row.document_number.clone());
                }
            }
            progress.step();
            statistics.after_row(conn, progress).await?;
        }
        pending = waiting;
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    for i in pending {
        let row = &parsed.agreements[i];
        applied.invalid += 1;
        progress.step();
        applied.line(
            Outcome::Invalid,
            problem(
                At {
                    sheet: SheetKind::Agreements,
                    row: row.row,
                },
                Some("nomor_dokumen_induk"),
                row.parent_document_number.as_deref().unwrap_or(""),
                "Nomor dokumen induk membentuk lingkaran dengan baris lain.".into(),
                "The parent document numbers form a cycle with other rows.".into(),
            ),
        );
    }
    // Party rows whose agreement is not in the Perjanjian sheet.
    for (number, rows) in parties {
        for party in rows {
            applied.invalid += 1;
            progress.step();
            applied.line(
                Outcome::Invalid,
                problem(
                    At { sheet: SheetKind::Parties, row: party.row },
                    Some("nomor_dokumen"),
                    &number,
                    format!("Tidak ada baris Perjanjian dengan nomor dokumen {number}; para pihak diimpor bersama perjanjiannya."),
                    format!("No Perjanjian row has document number {number}; parties are imported with their agreement."),
                ),
            );
        }
    }

    let agreement_of = |number: &str,
                        existing: &HashMap<String, Vec<Uuid>>,
                        resolved: &HashMap<String, Uuid>,
                        failed: &HashSet<String>|
     -> Result<Uuid, (String, String)> {
        if let Some(id) = resolved.get(number) {
            return Ok(*id);
        }
        if failed.contains(number) {
            return Err((
                format!(
                    "Perjanjian dengan nomor dokumen {number} tidak dapat diimpor (lihat barisnya di lembar Perjanjian)."
                ),
                format!(
                    "The agreement with document number {number} cannot be imported (see its row on the Perjanjian sheet)."
                ),
            ));
        }
        match existing.get(number).map(Vec::as_slice) {
            Some([id]) => Ok(*id),
            Some(many) if many.len() > 1 => Err((
                format!(
                    "{} perjanjian di register memakai nomor dokumen {number}.",
                    many.len()
                ),
                format!(
                    "{} agreements in the register carry document number {number}.",
                    many.len()
                ),
            )),
            _ => Err((
                format!(
                    "Tidak ada perjanjian dengan nomor dokumen {number}, di berkas maupun di register."
                ),
                format!(
                    "No agreement has document number {number}, in the file or in the register."
                ),
            )),
        }
    };

    // Indicators: (document number, title) → id.
    let mut indicators: HashMap<(String, String), Uuid> = HashMap::new();
    let mut failed_indicators: HashSet<(String, String)> = HashSet::new();
    statistics.begin("benefit_indicators");
    for row in &parsed.indicators {
        let at = At {
            sheet: SheetKind::Indicators,
            row: row.row,
        };
        progress.step();
        statistics.after_row(conn, progress).await?;
        let key = (row.document_number.clone(), row.title.clone());
        let agreement =
            match agreement_of(&row.document_number, &existing, &resolved, &failed_numbers) {
                Ok(id) => id,
                Err((id, en)) => {
                    applied.invalid += 1;
                    failed_indicators.insert(key);
                    applied.line(
                        Outcome::Invalid,
                        problem(at, Some("nomor_dokumen"), &row.document_number, id, en),
                    );
                    continue;
                }
            };
        if indicators.contains_key(&key) || failed_indicators.contains(&key) {
            applied.conflicting += 1;
            applied.line(Outcome::Conflict, problem(at, Some("judul_indikator"), &row.title,
                format!("Indikator \"{}\" untuk nomor dokumen {} muncul lebih dari sekali dalam berkas.", row.title, row.document_number),
                format!("Indicator \"{}\" of document number {} appears more than once in the file.", row.title, row.document_number)));
            continue;
        }
        match indicator_row(conn, actor, mode, agreement, row, at, &mut applied).await? {
            Some(id) => {
                indicators.insert(key, id);
            }
            None => {
                failed_indicators.insert(key);
            }
        }
    }
    statistics.begin("benefit_realisations");
    for row in &parsed.realisations {
        let at = At {
            sheet: SheetKind::Realisations,
            row: row.row,
        };
        progress.step();
        statistics.after_row(conn, progress).await?;
        let key = (row.document_number.clone(), row.indicator_title.clone());
        let found = match indicators.get(&key) {
            Some(id) => {
                match agreement_of(&row.document_number, &existing, &resolved, &failed_numbers) {
                    Ok(agreement) => Ok((agreement, *id)),
                    Err(e) => Err(e),
                }
            }
            None if failed_indicators.contains(&key) => Err((
                format!(
                    "Indikator \"{}\" tidak dapat diimpor (lihat lembar Indikator).",
                    row.indicator_title
                ),
                format!(
                    "Indicator \"{}\" cannot be imported (see the Indikator sheet).",
                    row.indicator_title
                ),
            )),
            None => match agreement_of(&row.document_number, &existing, &resolved, &failed_numbers)
            {
                Ok(agreement) => {
                    let stored: Option<Uuid> = benefit_indicators::table
                        .filter(benefit_indicators::agreement_id.eq(agreement))
                        .filter(benefit_indicators::delete_time.is_null())
                        .filter(benefit_indicators::title.eq(&row.indicator_title))
                        .select(benefit_indicators::id)
                        .first(conn)
                        .await
                        .optional()?;
                    stored.map(|id| (agreement, id)).ok_or_else(|| (
                        format!("Perjanjian {} tidak punya indikator \"{}\", di berkas maupun di register.", row.document_number, row.indicator_title),
                        format!("Agreement {} has no indicator \"{}\", in the file or in the register.", row.document_number, row.indicator_title),
                    ))
                }
                Err(e) => Err(e),
            },
        };
        match found {
            Ok((agreement, indicator)) => {
                realisation_row(
                    conn,
                    actor,
                    mode,
                    agreement,
                    indicator,
                    row,
                    at,
                    &mut applied,
                )
                .await?;
            }
            Err((id, en)) => {
                applied.invalid += 1;
                applied.line(
                    Outcome::Invalid,
                    problem(at, Some("judul_indikator"), &row.indicator_title, id, en),
                );
            }
        }
    }
    statistics.begin("implementation_reports");
    for row in &parsed.reports {
        let at = At {
            sheet: SheetKind::Reports,
            row: row.row,
        };
        progress.step();
        statistics.after_row(conn, progress).await?;
        match agreement_of(&row.document_number, &existing, &resolved, &failed_numbers) {
            Ok(agreement) => {
                report_row(conn, actor, mode, agreement, row, at, &mut applied).await?
            }
            Err((id, en)) => {
                applied.invalid += 1;
                applied.line(
                    Outcome::Invalid,
                    problem(at, Some("nomor_dokumen"), &row.document_number, id, en),
                );
            }
        }
    }
    stage_rows(
        conn,
        actor,
        mode,
        &parsed.stages,
        &|number: &str| agreement_of(number, &existing, &resolved, &failed_numbers),
        progress,
        past,
        &mut applied,
    )
    .await?;
    if let Some(from) = past.history_from {
        assume(
            conn,
            actor,
            mode,
            &parsed.agreements,
            &resolved,
            from,
            past,
            &mut applied,
        )
        .await?;
    }
    Ok(applied)
}

/// The stage catalogue: code, Indonesian name, English name.
async fn stage_names(conn: &mut AsyncPgConnection) -> CoreResult<Vec<(String, String, String)>> {
    Ok(stage_definitions::table
        .select((
            stage_definitions::code,
            stage_definitions::name_id,
            stage_definitions::name_en,
        ))
        .order(stage_definitions::code)
        .load(conn)
        .await?)
}

/// `Penatausahaan (PENATAUSAHAAN)`.
fn stage_label(names: &[(String, String, String)], code: &str) -> String {
    match names.iter().find(|(c, _, _)| c == code) {
        Some((_, id, _)) => format!("{id} ({code})"),
        None => code.to_string(),
    }
}

type AgreementOf<'a> = dyn Fn(&str) -> Result<Uuid, (String, String)> + Sync + 'a;

/// The Tahapan sheet: each agreement's rows in the order of its stages,
/// through [`history::apply_event_in`].
#[allow(clippy::too_many_arguments)]
async fn stage_rows(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    mode: Mode,
    rows: &[StageRow],
    agreement_of: &AgreementOf<'_>,
    progress: &Progress,
    past: &History,
    applied: &mut Applied,
) -> CoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let names = stage_names(conn).await?;
    let code_of = |text: &str| -> Option<String> {
        let wanted = normalize_header(text);
        names
            .iter()
            .find(|(code, id, en)| {
                normalize_header(code) == wanted
                    || normalize_header(id) == wanted
                    || normalize_header(en) == wanted
            })
            .map(|(code, _, _)| code.clone())
    };
    let mut order: Vec<Uuid> = Vec::new();
    let mut groups: HashMap<Uuid, Vec<(&StageRow, String)>> = HashMap::new();
    for row in rows {
        progress.step();
        let at = At {
            sheet: SheetKind::Stages,
            row: row.row,
        };
        let agreement = match agreement_of(&row.document_number) {
            Ok(id) => id,
            Err((id, en)) => {
                applied.invalid += 1;
                applied.line(
                    Outcome::Invalid,
                    problem(at, Some("nomor_dokumen"), &row.document_number, id, en),
                );
                continue;
            }
        };
        let Some(code) = code_of(&row.stage) else {
            applied.invalid += 1;
            applied.line(
                Outcome::Invalid,
                problem(
                    at,
                    Some("tahapan"),
                    &row.stage,
                    format!("{} bukan nama atau kode tahapan; pilih dari daftar pada lembar Kode.", row.stage),
                    format!("{} is not a stage's name or code; pick one from the list on the Kode sheet.", row.stage),
                ),
            );
            continue;
        };
        if !groups.contains_key(&agreement) {
            order.push(agreement);
        }
        groups.entry(agreement).or_default().push((row, code));
    }
    let note = history::event_note(&past.run);
    for agreement in order {
        let mut rows = groups.remove(&agreement).unwrap_or_default();
        let positions: HashMap<String, i16> = kerjasama_core::stages::load_stages(conn, agreement)
            .await?
            .into_iter()
            .map(|s| (s.code, s.position))
            .collect();
        rows.sort_by_key(|(row, code)| (positions.get(code).copied().unwrap_or(i16::MAX), row.row));
        for (row, code) in rows {
            let at = At {
                sheet: SheetKind::Stages,
                row: row.row,
            };
            let label = stage_label(&names, &code);
            let event = StageEvent {
                code,
                on: row.on,
                skip_reason: row.skip_reason.clone(),
            };
            let result = row!(
                conn,
                mode,
                history::apply_event_in(conn, actor, agreement, &event, &note)
            );
            let done = if event.skip_reason.is_some() {
                ("dilewati", "skipped")
            } else {
                ("selesai", "done")
            };
            match result {
                Ok(EventOutcome::Applied) if applied.fresh.contains(&agreement) => {
                    applied.created += 1;
                }
                Ok(EventOutcome::Applied) => {
                    applied.updated += 1;
                    applied.line(
                        Outcome::Updated,
                        problem(
                            at,
                            Some("tahapan"),
                            &row.stage,
                            format!("Mencatat tahapan {label} {} pada {}.", done.0, event.on),
                            format!("Records stage {label} {} on {}.", done.1, event.on),
                        ),
                    );
                }
                Ok(EventOutcome::AlreadyRecorded) => {
                    applied.unchanged += 1;
                    applied.line(
                        Outcome::Unchanged,
                        problem(
                            at,
                            Some("tahapan"),
                            &row.stage,
                            format!("Tahapan {label} sudah tercatat {} di register.", done.0),
                            format!(
                                "Stage {label} is already recorded {} in the register.",
                                done.1
                            ),
                        ),
                    );
                }
                Ok(EventOutcome::Conflict(id, en)) => {
                    applied.conflicting += 1;
                    applied.line(
                        Outcome::Conflict,
                        problem(at, Some("tahapan"), &row.stage, id, en),
                    );
                }
                Err(error) if is_fatal(&error) => return Err(error),
                Err(error) => {
                    applied.invalid += 1;
                    violations_to_lines(applied, at, &[], &error);
                }
            }
        }
    }
    Ok(())
}

/// `history_from`: every agreement of the run, its open stages due before
/// the date assumed done, each listed as ASSUMED.
#[allow(clippy::too_many_arguments)]
async fn assume(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    mode: Mode,
    rows: &[AgreementRow],
    resolved: &HashMap<String, Uuid>,
    from: chrono::NaiveDate,
    past: &History,
    applied: &mut Applied,
) -> CoreResult<()> {
    let names = stage_names(conn).await?;
    let mut seen = HashSet::new();
    for row in rows {
        let Some(&id) = resolved.get(&row.document_number) else {
            continue;
        };
        if !seen.insert(id) {
            continue;
        }
        let at = At {
            sheet: SheetKind::Agreements,
            row: row.row,
        };
        let result = row!(
            conn,
            mode,
            history::assume_in(conn, actor, id, from, &past.run)
        );
        match result {
            Ok(assumed) => {
                for a in assumed {
                    applied.assumed += 1;
                    let label = stage_label(&names, &a.code);
                    applied.line(
                        Outcome::Assumed,
                        problem(
                            at,
                            None,
                            &a.code,
                            format!(
                                "Perjanjian {}: tahapan {label} dianggap selesai pada {} (jatuh tempo sebelum tanggal awal riwayat {from}).",
                                row.document_number, a.on
                            ),
                            format!(
                                "Agreement {}: stage {label} assumed done on {} (due before the history date {from}).",
                                row.document_number, a.on
                            ),
                        ),
                    );
                }
            }
            Err(error) if is_fatal(&error) => return Err(error),
            Err(error) => {
                applied.invalid += 1;
                violations_to_lines(applied, at, &[], &error);
            }
        }
    }
    Ok(())
}

fn fields_of(
    row: &AgreementRow,
    region: &str,
    parties: &[PartyRow],
    parent_id: Option<Uuid>,
) -> AgreementFields {
    AgreementFields {
        region_code: region.to_string(),
        title: row.title.clone(),
        cooperation_type: row.cooperation_type,
        document_kind: row.document_kind,
        parent_id,
        unit_code: row.unit_code.clone(),
        sector: row.sector.clone(),
        ksdd_basis: row.ksdd_basis,
        parties: parties
            .iter()
            .map(|p| Party {
                name: p.name.clone(),
                kind: p.kind,
                region_code: p.region_code.clone(),
                country_code: p.country_code.clone(),
                document_number: p.party_document_number.clone(),
            })
            .collect(),
        document_number: row.document_number.clone(),
        objective: row.objective.clone(),
        signed_on: row.signed_on,
        effective_from: row.effective_from,
        effective_until: row.effective_until,
        dprd_approval_required: row
            .dprd_approval_required
            .unwrap_or(row.cooperation_type.is_foreign()),
        budget_idr: row.budget_idr,
        reporting_cycle: row.reporting_cycle.unwrap_or(ReportingCycle::Quarterly),
        public_in_full: row.public_in_full.unwrap_or(false),
        reports_owed_from: row.reports_owed_from,
    }
}

#[allow(clippy::too_many_arguments)]
async fn agreement_row(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    mode: Mode,
    region: &str,
    row: &AgreementRow,
    parties: &[PartyRow],
    existing: &HashMap<String, Vec<Uuid>>,
    resolved: &HashMap<String, Uuid>,
    failed: &HashSet<String>,
    applied: &mut Applied,
    past: &History,
) -> CoreResult<Option<Uuid>> {
    let at = At {
        sheet: SheetKind::Agreements,
        row: row.row,
    };
    let party_rows: Vec<At> = parties
        .iter()
        .map(|p| At {
            sheet: SheetKind::Parties,
            row: p.row,
        })
        .collect();
    let parent_id: Result<Option<Uuid>, (String, String)> = match &row.parent_document_number {
        None => Ok(None),
        Some(parent) => match resolved.get(parent) {
            Some(id) => Ok(Some(*id)),
            None if failed.contains(parent) => Err((
                format!("Perjanjian induk {parent} tidak dapat diimpor (lihat barisnya)."),
                format!("The parent agreement {parent} cannot be imported (see its row)."),
            )),
            None => match existing.get(parent).map(Vec::as_slice) {
                Some([id]) => Ok(Some(*id)),
                Some(many) if many.len() > 1 => Err((
                    format!(
                        "Beberapa perjanjian di register memakai nomor dokumen induk {parent}."
                    ),
                    format!(
                        "Several agreements in the register carry parent document number {parent}."
                    ),
                )),
                _ => Err((
                    format!(
                        "Tidak ada perjanjian dengan nomor dokumen induk {parent}, di berkas maupun di register."
                    ),
                    format!(
                        "No agreement has parent document number {parent}, in the file or in the register."
                    ),
                )),
            },
        },
    };
    let parent_id = match parent_id {
        Ok(parent_id) => parent_id,
        Err((id, en)) => {
            applied.invalid += 1;
            let value = row.parent_document_number.as_deref().unwrap_or("");
            applied.line(
                Outcome::Invalid,
                problem(at, Some("nomor_dokumen_induk"), value, id, en),
            );
            return Ok(None);
        }
    };
    agreement_row_with_parent(
        conn,
        actor,
        mode,
        region,
        row,
        parties,
        existing,
        parent_id,
        applied,
        at,
        &party_rows,
        past,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn agreement_row_with_parent(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    mode: Mode,
    region: &str,
    row: &AgreementRow,
    parties: &[PartyRow],
    existing: &HashMap<String, Vec<Uuid>>,
    parent_id: Option<Uuid>,
    applied: &mut Applied,
    at: At,
    party_rows: &[At],
    past: &History,
) -> CoreResult<Option<Uuid>> {
    let mut fields = fields_of(row, region, parties, parent_id);
    // The bureau's own date, else the run's history_from (docs/domain.md).
    fields.reports_owed_from = row.reports_owed_from.or(past.history_from);
    let number = &row.document_number;
    match existing.get(number).map(Vec::as_slice) {
        None | Some([]) => {
            let result = row!(
                conn,
                mode,
                agreements::create_in(conn, actor, fields, None, None)
            );
            match result {
                Ok(created) => {
                    applied.created += 1;
                    applied.fresh.insert(created.id);
                    Ok(Some(created.id))
                }
                Err(error) if is_fatal(&error) => Err(error),
                Err(error) => {
                    applied.invalid += 1;
                    violations_to_lines(applied, at, party_rows, &error);
                    Ok(None)
                }
            }
        }
        Some([id]) => {
            let stored = kerjasama_core::agreement_record::load(conn, *id, false).await?;
            let s = &stored.fields;
            // No Pihak rows for an agreement already in the register: its
            // parties stay as they are.
            let mut fields = fields;
            if parties.is_empty() {
                fields.parties = s.parties.clone();
            }
            let mut fixed = Vec::new();
            if s.cooperation_type != fields.cooperation_type {
                fixed.push(("jenis_kerja_sama", s.cooperation_type.code().to_string()));
            }
            if s.document_kind != fields.document_kind {
                fixed.push(("jenis_dokumen", s.document_kind.code().to_string()));
            }
            if let (Some(stored_from), Some(given)) = (s.reports_owed_from, row.reports_owed_from)
                && stored_from != given
            {
                fixed.push(("laporan_wajib_sejak", stored_from.to_string()));
            }
            if s.signed_on != fields.signed_on {
                fixed.push((
                    "tanggal_tanda_tangan",
                    s.signed_on
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "-".into()),
                ));
            }
            if !fixed.is_empty() {
                applied.conflicting += 1;
                for (column, stored_value) in fixed {
                    applied.line(
                        Outcome::Conflict,
                        problem(
                            at,
                            Some(column),
                            "",
                            format!("Perjanjian {number} sudah ada di register ({}) dengan {} {stored_value}; kolom ini hanya berubah melalui tahapan, bukan impor.", stored.name(), header(SheetKind::Agreements, column)),
                            format!("Agreement {number} is already in the register ({}) with {} {stored_value}; this column changes only through the lifecycle, not by import.", stored.name(), header(SheetKind::Agreements, column)),
                        ),
                    );
                }
                return Ok(None);
            }
            let mut changes = Vec::new();
            if s.title != fields.title {
                changes.push(AgreementChange::Title(fields.title.clone()));
            }
            if s.parent_id != fields.parent_id {
                changes.push(AgreementChange::Parent(fields.parent_id));
            }
            if s.unit_code != fields.unit_code {
                changes.push(AgreementChange::Unit(fields.unit_code.clone()));
            }
            if s.sector != fields.sector {
                changes.push(AgreementChange::Sector(fields.sector.clone()));
            }
            if s.ksdd_basis != fields.ksdd_basis {
                changes.push(AgreementChange::KsddBasis(fields.ksdd_basis));
            }
            if s.parties != fields.parties {
                changes.push(AgreementChange::Parties(fields.parties.clone()));
            }
            if s.objective != fields.objective {
                changes.push(AgreementChange::Objective(fields.objective.clone()));
            }
            if s.effective_from != fields.effective_from {
                changes.push(AgreementChange::EffectiveFrom(fields.effective_from));
            }
            if s.effective_until != fields.effective_until {
                changes.push(AgreementChange::EffectiveUntil(fields.effective_until));
            }
            if s.dprd_approval_required != fields.dprd_approval_required {
                changes.push(AgreementChange::DprdApprovalRequired(
                    fields.dprd_approval_required,
                ));
            }
            if s.budget_idr != fields.budget_idr {
                changes.push(AgreementChange::BudgetIdr(fields.budget_idr));
            }
            if s.reporting_cycle != fields.reporting_cycle {
                changes.push(AgreementChange::ReportingCycle(fields.reporting_cycle));
            }
            if s.public_in_full != fields.public_in_full {
                changes.push(AgreementChange::PublicInFull(fields.public_in_full));
            }
            // A record without its own date gets the file's (or history_from),
            // through the ADMIN use case, with the run as the reason.
            let mut owed_set = false;
            if s.reports_owed_from.is_none()
                && let Some(from) = fields.reports_owed_from
            {
                let reason = format!("impor / import {}", past.run);
                let result = row!(
                    conn,
                    mode,
                    agreements::set_reports_owed_from_in(
                        conn,
                        actor,
                        *id,
                        Some(from),
                        &reason,
                        None
                    )
                );
                match result {
                    Ok(_) => {
                        owed_set = true;
                        applied.line(
                            Outcome::Updated,
                            problem(
                                at,
                                Some("laporan_wajib_sejak"),
                                &from.to_string(),
                                format!("Laporan wajib sejak {from} untuk {}.", stored.name()),
                                format!("Reports owed from {from} for {}.", stored.name()),
                            ),
                        );
                    }
                    Err(error) if is_fatal(&error) => return Err(error),
                    Err(error) => {
                        applied.invalid += 1;
                        violations_to_lines(applied, at, party_rows, &error);
                        return Ok(None);
                    }
                }
            }
            if changes.is_empty() && owed_set {
                applied.updated += 1;
                return Ok(Some(*id));
            }
            if changes.is_empty() {
                applied.unchanged += 1;
                applied.line(
                    Outcome::Unchanged,
                    problem(
                        at,
                        None,
                        number,
                        format!(
                            "Sudah ada di register ({}) dengan isi yang sama.",
                            stored.name()
                        ),
                        format!(
                            "Already in the register ({}) with the same values.",
                            stored.name()
                        ),
                    ),
                );
                return Ok(Some(*id));
            }
            let changed: Vec<String> = changes.iter().map(change_name).collect();
            let result = row!(
                conn,
                mode,
                agreements::update_in(conn, actor, *id, changes, None)
            );
            match result {
                Ok(_) => {
                    applied.updated += 1;
                    applied.line(
                        Outcome::Updated,
                        problem(
                            at,
                            None,
                            number,
                            format!("Memperbarui {} ({}).", stored.name(), changed.join(", ")),
                            format!("Updates {} ({}).", stored.name(), changed.join(", ")),
                        ),
                    );
                    Ok(Some(*id))
                }
                Err(error) if is_fatal(&error) => Err(error),
                Err(error) => {
                    applied.invalid += 1;
                    violations_to_lines(applied, at, party_rows, &error);
                    Ok(None)
                }
            }
        }
        Some(many) => {
            applied.conflicting += 1;
            applied.line(Outcome::Conflict, problem(at, Some("nomor_dokumen"), number,
                format!("{} perjanjian di register memakai nomor dokumen {number}; rapikan register sebelum mengimpor baris ini.", many.len()),
                format!("{} agreements in the register carry document number {number}; tidy the register before importing this row.", many.len())));
            Ok(None)
        }
    }
}

fn change_name(change: &AgreementChange) -> String {
    let name = match change {
        AgreementChange::Title(_) => "title",
        AgreementChange::Parent(_) => "parent",
        AgreementChange::Unit(_) => "unit",
        AgreementChange::Sector(_) => "sector",
        AgreementChange::KsddBasis(_) => "ksdd_basis",
        AgreementChange::Parties(_) => "parties",
        AgreementChange::DocumentNumber(_) => "document_number",
        AgreementChange::Objective(_) => "objective",
        AgreementChange::EffectiveFrom(_) => "effective_from",
        AgreementChange::EffectiveUntil(_) => "effective_until",
        AgreementChange::DprdApprovalRequired(_) => "dprd_approval_required",
        AgreementChange::BudgetIdr(_) => "budget_idr",
        AgreementChange::ReportingCycle(_) => "reporting_cycle",
        AgreementChange::PublicInFull(_) => "public_in_full",
    };
    name.to_string()
}

async fn indicator_row(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    mode: Mode,
    agreement: Uuid,
    row: &IndicatorRow,
    at: At,
    applied: &mut Applied,
) -> CoreResult<Option<Uuid>> {
    let fields = IndicatorFields {
        title: row.title.clone(),
        category: row.category,
        unit_of_measure: row.unit_of_measure.clone(),
        beneficiary: row.beneficiary,
        baseline: row.baseline.clone(),
        target_value: row.target_value.clone(),
        target_date: row.target_date,
        higher_is_better: row.higher_is_better,
    };
    let stored: Option<Uuid> = if applied.fresh.contains(&agreement) {
        None
    } else {
        benefit_indicators::table
            .filter(benefit_indicators::agreement_id.eq(agreement))
            .filter(benefit_indicators::delete_time.is_null())
            .filter(benefit_indicators::title.eq(&row.title))
            .select(benefit_indicators::id)
            .first(conn)
            .await
            .optional()?
    };
    let result = match stored {
        None => row!(
            conn,
            mode,
            benefits::create_indicator_in(conn, actor, agreement, fields)
        )
        .map(|i| (i.id, None)),
        Some(id) => {
            let before = benefits::load_indicator_for(conn, agreement, id).await?;
            let b = &before.fields;
            let mut changes = Vec::new();
            if b.category != fields.category {
                changes.push(IndicatorChange::Category(fields.category));
            }
            if b.unit_of_measure != fields.unit_of_measure {
                changes.push(IndicatorChange::UnitOfMeasure(
                    fields.unit_of_measure.clone(),
                ));
            }
            if b.beneficiary != fields.beneficiary {
                changes.push(IndicatorChange::Beneficiary(fields.beneficiary));
            }
            if b.baseline != fields.baseline {
                changes.push(IndicatorChange::Baseline(fields.baseline.clone()));
            }
            if b.target_value != fields.target_value {
                changes.push(IndicatorChange::TargetValue(fields.target_value.clone()));
            }
            if b.target_date != fields.target_date {
                changes.push(IndicatorChange::TargetDate(fields.target_date));
            }
            if b.higher_is_better != fields.higher_is_better {
                changes.push(IndicatorChange::HigherIsBetter(fields.higher_is_better));
            }
            if changes.is_empty() {
                Ok((id, Some(Outcome::Unchanged)))
            } else {
                row!(
                    conn,
                    mode,
                    benefits::update_indicator_in(conn, actor, agreement, id, changes, None)
                )
                .map(|i| (i.id, Some(Outcome::Updated)))
            }
        }
    };
    record_child(applied, at, &row.title, result)
}

/// Counts a child row's outcome; `Some(id)` when it resolved.
fn record_child(
    applied: &mut Applied,
    at: At,
    value: &str,
    result: CoreResult<(Uuid, Option<Outcome>)>,
) -> CoreResult<Option<Uuid>> {
    match result {
        Ok((id, None)) => {
            applied.created += 1;
            applied.fresh.insert(id);
            Ok(Some(id))
        }
        Ok((id, Some(Outcome::Unchanged))) => {
            applied.unchanged += 1;
            applied.line(
                Outcome::Unchanged,
                problem(
                    at,
                    None,
                    value,
                    "Sudah ada di register dengan isi yang sama.".into(),
                    "Already in the register with the same values.".into(),
                ),
            );
            Ok(Some(id))
        }
        // Updated (Unchanged is the arm above; conflicts never get here).
        Ok((id, Some(_))) => {
            applied.updated += 1;
            applied.line(
                Outcome::Updated,
                problem(
                    at,
                    None,
                    value,
                    "Memperbarui data yang sudah ada di register.".into(),
                    "Updates the record already in the register.".into(),
                ),
            );
            Ok(Some(id))
        }
        Err(error) if is_fatal(&error) => Err(error),
        Err(error) => {
            applied.invalid += 1;
            violations_to_lines(applied, at, &[], &error);
            Ok(None)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn realisation_row(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    mode: Mode,
    agreement: Uuid,
    indicator: Uuid,
    row: &RealisationRow,
    at: At,
    applied: &mut Applied,
) -> CoreResult<()> {
    let fields = RealisationFields {
        period_start: row.period_start,
        period_end: row.period_end,
        value: row.value.clone(),
        note: row.note.clone(),
        evidence_document_id: None,
    };
    let stored: Option<(Uuid, bigdecimal::BigDecimal, String)> =
        if applied.fresh.contains(&indicator) {
            None
        } else {
            benefit_realisations::table
                .filter(benefit_realisations::indicator_id.eq(indicator))
                .filter(benefit_realisations::delete_time.is_null())
                .filter(benefit_realisations::period_start.eq(row.period_start))
                .filter(benefit_realisations::period_end.eq(row.period_end))
                .select((
                    benefit_realisations::id,
                    benefit_realisations::value,
                    benefit_realisations::note,
                ))
                .first(conn)
                .await
                .optional()?
        };
    let result = match stored {
        None => row!(
            conn,
            mode,
            benefits::create_realisation_in(conn, actor, agreement, indicator, fields)
        )
        .map(|r| (r.id, None)),
        Some((id, value, note)) => {
            let mut changes = Vec::new();
            if value != fields.value {
                changes.push(RealisationChange::Value(fields.value.clone()));
            }
            if note != fields.note {
                changes.push(RealisationChange::Note(fields.note.clone()));
            }
            if changes.is_empty() {
                Ok((id, Some(Outcome::Unchanged)))
            } else {
                row!(
                    conn,
                    mode,
                    benefits::update_realisation_in(
                        conn,
                        actor,
                        (agreement, indicator, id),
                        changes,
                        None,
                    )
                )
                .map(|r| (r.id, Some(Outcome::Updated)))
            }
        }
    };
    record_child(applied, at, &row.value.to_string(), result).map(|_| ())
}

async fn report_row(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    mode: Mode,
    agreement: Uuid,
    row: &ReportRow,
    at: At,
    applied: &mut Applied,
) -> CoreResult<()> {
    let stored: Option<implementation_reports::ImplementationReport> =
        if applied.fresh.contains(&agreement) {
            None
        } else {
            reports_table::table
                .filter(reports_table::agreement_id.eq(agreement))
                .filter(reports_table::cycle_start.eq(row.cycle_start))
                .filter(reports_table::delete_time.is_null())
                .select(implementation_reports::ImplementationReport::as_select())
                .first(conn)
                .await
                .optional()?
        };
    if let Some(stored) = stored {
        let same = stored.summary == row.summary
            && stored.progress_percent == row.progress_percent
            && stored.obstacles == row.obstacles
            && stored.follow_up == row.follow_up
            && row.submitted_on.is_none_or(|d| d == stored.submitted_on);
        if same {
            return record_child(
                applied,
                at,
                &row.cycle_start.to_string(),
                Ok((stored.id, Some(Outcome::Unchanged))),
            )
            .map(|_| ());
        }
        applied.conflicting += 1;
        applied.line(Outcome::Conflict, problem(at, Some("awal_siklus"), &row.cycle_start.to_string(),
            format!("Laporan pelaksanaan siklus {} sudah ada ({}) dengan isi berbeda; laporan tidak diubah melalui impor.", row.cycle_start, stored.name()),
            format!("The implementation report of the cycle starting {} exists ({}) with different content; reports are not changed by import.", row.cycle_start, stored.name())));
        return Ok(());
    }
    let new = NewReport {
        cycle_start: row.cycle_start,
        submitted_on: row.submitted_on,
        summary: row.summary.clone(),
        progress_percent: row.progress_percent,
        obstacles: row.obstacles.clone(),
        follow_up: row.follow_up.clone(),
        document_id: None,
    };
    let result = row!(
        conn,
        mode,
        implementation_reports::submit_in(conn, actor, agreement, new)
    )
    .map(|r| (r.id, None));
    record_child(applied, at, &row.cycle_start.to_string(), result).map(|_| ())
}
