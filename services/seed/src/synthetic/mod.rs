//! Synthetic registers for benchmarks and load tests:
//! `kerjasama seed --synthetic --agreements N [--seed S]`.
//!
//! A deterministic generator of a plausible register (docs/domain.md) of `N`
//! agreements with all their children, streamed into PostgreSQL with
//! `COPY … FROM STDIN` (text format) on one connection, in one transaction.
//! The same `N`, seed and stage templates give byte-identical rows.
//!
//! # Shape
//!
//! - **Regions**: `max(2, ⌈N / 2 500⌉)` regions (one region for `N = 1`), at
//!   most [`MAX_REGIONS`]: first the 38 provinces (`36` Banten, `32`, `31`, …),
//!   then regencies and cities `PP.RR` (`RR` 01–69 a regency, 71–99 a city)
//!   round-robin over the provinces ([`region_code`]). Region `r` (0-based) owns
//!   the contiguous block of ordinals [`region_agreements`].
//! - **Units** (OPD): 20–40 per region, coded `{region}-{ACRONYM}` from a fixed
//!   list of 40 agencies ([`unit_code`]): `36-BAPPEDA`, `36.03-DINKES`. Every
//!   region has the first 20 (`BAPPEDA`, `BIRO-PEMERINTAHAN`, `DINKES`, …).
//! - **Families** of records, consecutive ordinals inside a region: a KSB with
//!   0–3 PKS under it (the `parent` column), a PKS alone, an LOI followed by a
//!   KSB or PKS, a SINERGI `NOTA_KESEPAKATAN`, and some ADDENDUMs under a signed
//!   PKS, KSB or Nota. A parent always has a smaller ordinal than its children.
//!   Cooperation types come out at about KSDD 35 %, KSDPK 30 %, SINERGI 15 %,
//!   KSDPL 12 %, KSDLL 8 % of records; 1–4 parties of kinds valid for the type.
//! - **Stages**: exactly the stages of the record's template, read from
//!   `stage_templates` at seed time, walked forward from a start date with
//!   durations around the template's targets (some late, some stalled), as the
//!   stage operations would have left them: settled stages, then at most one
//!   in progress (started the day the previous one settled), the rest pending;
//!   the DPRD stage NOT_APPLICABLE unless required; some skipped with a reason.
//!   Completing the signing stage is the signed date. About a third of the
//!   signed records are registered after signing (stages through signing
//!   backfilled, as `CreateAgreement` with `signed_on` does). Late stages are
//!   sometimes rescheduled (`stage_reschedules`, the history kept).
//! - **States** as of [`DEFAULT_AS_OF`]: drafts, in process (some overdue),
//!   active, expired, terminated (signed, ended early) and cancelled (unsigned).
//! - **Benefits**: 0–5 indicators per signed PKS, KSB or Nota (IDR and other
//!   units), realised per quarter or semester, some periods missing.
//! - **Implementation reports** per reporting cycle of the in-force period: most
//!   on time, some late, some missing.
//! - **Documents**: the signed text of each signed record, some DPRD and
//!   Minister approvals.
//! - **Evaluation meetings**: per region, one per semester since 2021 (most
//!   semesters), 2–6 findings (mostly about an agreement of the region with an
//!   overdue stage or weak reporting), 1–2 recommendations each, some done,
//!   some dropped, some still open past their due date.
//!
//! Business dates lie on or before the register's date, [`DEFAULT_AS_OF`]
//! (fixed, so that the data do not depend on the day of the load). No audit
//! events and no API tokens are written (`kerjasama token create` makes tokens).
//!
//! # Ids: computable from the ordinal
//!
//! Agreement `n` (1..=N) has the id [`synthetic_agreement_id`]`(n)`: the UUID
//! whose 32 hex digits are, in SQL,
//!
//! ```sql
//! lpad(to_hex(1700000000000 + n), 12, '0') || '7' || '000' || '8' || '000' || lpad(to_hex(n), 12, '0')
//! ```
//!
//! a UUIDv7 layout whose time prefix orders ids by ordinal. Its `create_time`
//! and `update_time` are that instant (1 700 000 000 000 + n ms after the Unix
//! epoch), so the default `ListAgreements` order (newest first) is `N, N-1, …`.
//! Children use the same layout with a tag in the `rand_a` digits and a
//! sequence number after the `8` ([`synthetic_id`]): tag `001` indicator (seq
//! k), `002` realisation (seq 512·indicator + period), `003` implementation
//! report (seq cycle), `004` document, all with the agreement's `n`; `005`
//! meeting, `006` finding, `007` recommendation with the region's index + 1 in
//! place of `n`. `stage_reschedules` and `recommendation_status_changes` take
//! their identity ids from their sequences.
//!
//! # Loading
//!
//! One connection, one transaction: the register tables are locked against
//! writers, the load refuses a register that holds any unit, agreement or
//! evaluation meeting (there is no override: the ids are fixed per ordinal, so
//! a second load would collide; load into a fresh data dir or database), then a
//! generator thread walks the regions and families once and hands over batches
//! of a few MB per table, each `COPY`'d (parents first) while the next batch is
//! generated. Any failure (or a killed process) rolls everything back;
//! `ANALYZE` runs after commit.
//!
//! CHECK constraints, primary keys and unique constraints are in force while
//! rows arrive. When the connecting role owns the tables (the embedded
//! PostgreSQL's role does), three things make the load about twice as fast,
//! all inside the transaction: the (empty) tables other than `units` are
//! truncated so that `COPY … WITH (FREEZE)` applies; their foreign keys are
//! dropped and added back at the end, which validates every row in one pass
//! per key instead of one lookup per row; and their secondary indexes (those
//! that back no constraint) are dropped and built again at the end. The
//! schema after commit is the schema before. A role that cannot do these
//! loads the same rows with the constraints checked row by row.

use std::io::Cursor;
use std::time::{Duration, Instant};

use futures::SinkExt;

use kerjasama_core::error::{CoreError, CoreResult};

mod generator;
mod model;
mod words;

use generator::*;
pub use model::*;

/// Where a load stands, for a progress display.
#[derive(Debug, Clone)]
pub struct Progress {
    pub phase: Phase,
    pub elapsed: Duration,
    /// Agreements loaded so far, of `total`.
    pub agreements: u64,
    pub total: u64,
    /// Rows loaded so far per table, in [`TABLES`] order.
    pub rows: [u64; TABLE_COUNT],
    /// Time spent in each table's COPY statements so far.
    pub copy_time: [Duration; TABLE_COUNT],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Loading,
    /// Building the secondary indexes dropped for the load.
    Indexing,
    /// Adding back the foreign keys dropped for the load, which checks every row.
    Validating,
    Committing,
    Analyzing,
    Done,
}

impl Phase {
    fn word(self) -> &'static str {
        match self {
            Phase::Loading => "loading",
            Phase::Indexing => "building indexes",
            Phase::Validating => "checking foreign keys",
            Phase::Committing => "committing",
            Phase::Analyzing => "analyzing",
            Phase::Done => "done",
        }
    }
}

/// What a load wrote.
#[derive(Debug, Clone)]
pub struct Summary {
    pub regions: u32,
    /// Rows per table, in [`TABLES`] order.
    pub rows: [u64; TABLE_COUNT],
    /// Time spent in each table's COPY statements.
    pub copy_time: [Duration; TABLE_COUNT],
    /// Until commit.
    pub load_time: Duration,
    /// Including ANALYZE.
    pub total_time: Duration,
}

impl Summary {
    pub fn rows_of(&self, table: &str) -> u64 {
        TABLES
            .iter()
            .position(|t| *t == table)
            .map_or(0, |i| self.rows[i])
    }
}

/// Renders [`Progress`] on stderr: on a terminal, a block of lines (one per
/// table) redrawn in place a few times a second; otherwise a plain line every
/// ten seconds and at each phase.
pub struct StderrProgress {
    terminal: bool,
    drawn: usize,
    last: Option<Instant>,
    last_phase: Option<Phase>,
}

impl Default for StderrProgress {
    fn default() -> Self {
        Self::new()
    }
}

impl StderrProgress {
    pub fn new() -> Self {
        use std::io::IsTerminal;
        Self {
            terminal: std::io::stderr().is_terminal(),
            drawn: 0,
            last: None,
            last_phase: None,
        }
    }

    pub fn update(&mut self, progress: &Progress) {
        use std::io::Write;
        let phase_changed = self.last_phase != Some(progress.phase);
        let every = if self.terminal {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(10)
        };
        if !phase_changed && self.last.is_some_and(|t| t.elapsed() < every) {
            return;
        }
        self.last = Some(Instant::now());
        self.last_phase = Some(progress.phase);
        let head = format!(
            "synthetic register: {} {:.1} s, {} of {} agreements",
            progress.phase.word(),
            progress.elapsed.as_secs_f64(),
            progress.agreements,
            progress.total
        );
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let mut text = String::new();
            if self.drawn > 0 {
                text.push_str(&format!("\x1b[{}A", self.drawn));
            }
            text.push_str(&format!("\r{head}\x1b[K\n"));
            for (table, rows) in TABLES.iter().zip(progress.rows) {
                text.push_str(&format!("  {table:<31}{rows:>12}\x1b[K\n"));
            }
            self.drawn = 1 + TABLES.len();
            let _ = err.write_all(text.as_bytes());
        } else {
            let rows: Vec<String> = TABLES
                .iter()
                .zip(progress.rows)
                .map(|(table, rows)| format!("{table} {rows}"))
                .collect();
            let _ = writeln!(err, "{head}; rows: {}", rows.join(", "));
        }
        let _ = err.flush();
    }
}

/// Loads a synthetic register of `options.agreements` agreements into the
/// empty database at `database_url`, in one transaction, then ANALYZEs it.
pub async fn load(
    database_url: &str,
    options: &SyntheticOptions,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> CoreResult<Summary> {
    if options.agreements == 0 || options.agreements > MAX_AGREEMENTS {
        return Err(CoreError::invalid(
            "agreements",
            format!("must be 1 to {MAX_AGREEMENTS}"),
        ));
    }
    let started = Instant::now();
    let (mut client, connection) = tokio_postgres::connect(database_url, tokio_postgres::NoTls)
        .await
        .map_err(db_error)?;
    let connection = tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "synthetic load connection closed");
        }
    });
    let outcome = load_on(&mut client, options, started, progress).await;
    drop(client);
    let _ = connection.await;
    outcome
}

async fn load_on(
    client: &mut tokio_postgres::Client,
    options: &SyntheticOptions,
    started: Instant,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> CoreResult<Summary> {
    let transaction = client.transaction().await.map_err(db_error)?;
    transaction
        .batch_execute(
            "LOCK TABLE units, agreements, evaluation_meetings IN SHARE ROW EXCLUSIVE MODE",
        )
        .await
        .map_err(db_error)?;
    let occupied: bool = transaction
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM units) OR EXISTS (SELECT 1 FROM agreements) \
             OR EXISTS (SELECT 1 FROM evaluation_meetings)",
            &[],
        )
        .await
        .map_err(db_error)?
        .get(0);
    if occupied {
        return Err(CoreError::FailedPrecondition(
            "the register is not empty: a synthetic register is loaded only into an empty \
             database (use a fresh --data-dir or DATABASE_URL)"
                .into(),
        ));
    }
    let templates = Templates::load(&transaction).await?;

    // Two speed-ups that need the tables' owner; without them the load is
    // the same, only slower. Emptied in this transaction, the tables take
    // COPY FREEZE (rows written frozen and all-visible: no hint-bit writes or
    // vacuum of the new rows afterwards). `units` stays: api_tokens refers
    // to it and may already hold the bootstrap token.
    let frozen = attempt(
        &transaction,
        &format!("TRUNCATE {}", TABLES[1..].join(", ")),
    )
    .await;
    // Foreign keys checked row by row cost more than half of the COPY time:
    // they are dropped here and added back, validated in one pass per key,
    // before commit.
    let foreign_keys = drop_foreign_keys(&transaction).await?;
    // Secondary indexes (not those of primary keys and unique constraints)
    // cost as much again to maintain row by row as to build once afterwards
    // (1M agreements: 25 s of COPY with them, 6 s without plus 6 s to build).
    let indexes = drop_indexes(&transaction).await?;
    let mut statements = Vec::with_capacity(TABLE_COUNT);
    for (t, (table, columns)) in TABLES.iter().zip(COLUMNS).enumerate() {
        let freeze = if frozen && t > 0 {
            " WITH (FREEZE)"
        } else {
            ""
        };
        let sql = format!("COPY {table} ({columns}) FROM STDIN{freeze}");
        statements.push(transaction.prepare(&sql).await.map_err(db_error)?);
    }

    let generator = Generator::new(options, templates);
    let regions = generator.regions;
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Message>(2);
    let thread = std::thread::Builder::new()
        .name("synthetic-register".into())
        .spawn(move || generator.run(&sender))
        .map_err(|e| CoreError::Internal(format!("starting the generator: {e}")))?;

    let mut report = Progress {
        phase: Phase::Loading,
        elapsed: started.elapsed(),
        agreements: 0,
        total: options.agreements,
        rows: [0; TABLE_COUNT],
        copy_time: [Duration::ZERO; TABLE_COUNT],
    };
    progress(&report);
    let mut finished = false;
    while let Some(message) = receiver.recv().await {
        let batch = match message {
            Message::Batch(batch) => batch,
            Message::Done => {
                finished = true;
                break;
            }
        };
        for (t, buffer) in batch.buffers.into_iter().enumerate() {
            if batch.rows[t] == 0 {
                continue;
            }
            let copy_started = Instant::now();
            let sink = transaction
                .copy_in::<_, Cursor<Vec<u8>>>(&statements[t])
                .await
                .map_err(|e| copy_error(TABLES[t], e))?;
            futures::pin_mut!(sink);
            sink.send(Cursor::new(buffer))
                .await
                .map_err(|e| copy_error(TABLES[t], e))?;
            sink.as_mut()
                .finish()
                .await
                .map_err(|e| copy_error(TABLES[t], e))?;
            report.rows[t] += batch.rows[t];
            report.copy_time[t] += copy_started.elapsed();
            report.elapsed = started.elapsed();
            progress(&report);
        }
        report.agreements = batch.agreements_through;
    }
    drop(receiver);
    if thread.join().is_err() || !finished {
        return Err(CoreError::Internal(
            "the synthetic register generator stopped early".into(),
        ));
    }
    if !indexes.is_empty() {
        report.phase = Phase::Indexing;
        report.elapsed = started.elapsed();
        progress(&report);
        transaction
            .batch_execute(&format!(
                "SET LOCAL maintenance_work_mem = '256MB';\n{}",
                indexes.join(";\n")
            ))
            .await
            .map_err(|e| copy_error("(indexes)", e))?;
    }
    if !foreign_keys.is_empty() {
        report.phase = Phase::Validating;
        report.elapsed = started.elapsed();
        progress(&report);
        let restore: Vec<String> = foreign_keys
            .iter()
            .map(|(table, name, definition)| {
                format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
            })
            .collect();
        transaction
            .batch_execute(&restore.join(";\n"))
            .await
            .map_err(|e| copy_error("(foreign keys)", e))?;
    }
    report.phase = Phase::Committing;
    report.elapsed = started.elapsed();
    progress(&report);
    transaction.commit().await.map_err(db_error)?;
    let load_time = started.elapsed();
    report.phase = Phase::Analyzing;
    report.elapsed = load_time;
    progress(&report);
    client
        .batch_execute(&format!("ANALYZE {}", TABLES.join(", ")))
        .await
        .map_err(db_error)?;
    report.phase = Phase::Done;
    report.elapsed = started.elapsed();
    progress(&report);
    Ok(Summary {
        regions,
        rows: report.rows,
        copy_time: report.copy_time,
        load_time,
        total_time: started.elapsed(),
    })
}

/// Runs `sql` in a savepoint; on failure (e.g. not the tables' owner) rolls
/// the savepoint back and says so.
async fn attempt(transaction: &tokio_postgres::Transaction<'_>, sql: &str) -> bool {
    if transaction
        .batch_execute("SAVEPOINT synthetic_speedup")
        .await
        .is_err()
    {
        return false;
    }
    match transaction.batch_execute(sql).await {
        Ok(()) => transaction
            .batch_execute("RELEASE SAVEPOINT synthetic_speedup")
            .await
            .is_ok(),
        Err(error) => {
            tracing::info!(%error, sql, "synthetic load: speed-up not available, going on without");
            let _ = transaction
                .batch_execute("ROLLBACK TO SAVEPOINT synthetic_speedup")
                .await;
            false
        }
    }
}

/// Drops the foreign keys of the loaded tables and returns them as (table,
/// name, definition) to add back; none when they cannot be dropped.
async fn drop_foreign_keys(
    transaction: &tokio_postgres::Transaction<'_>,
) -> CoreResult<Vec<(String, String, String)>> {
    let tables: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    let keys: Vec<(String, String, String)> = transaction
        .query(
            "SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid) \
             FROM pg_constraint c \
             WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY($1) ORDER BY 1, 2",
            &[&tables],
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    let drops: Vec<String> = keys
        .iter()
        .map(|(table, name, _)| format!("ALTER TABLE {table} DROP CONSTRAINT {name}"))
        .collect();
    if keys.is_empty() || !attempt(transaction, &drops.join(";\n")).await {
        return Ok(Vec::new());
    }
    Ok(keys)
}

/// Drops the indexes of the loaded tables that back no constraint and returns
/// their definitions to build again; none when they cannot be dropped.
async fn drop_indexes(transaction: &tokio_postgres::Transaction<'_>) -> CoreResult<Vec<String>> {
    let tables: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
    let indexes: Vec<(String, String)> = transaction
        .query(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i \
             WHERE i.indrelid::regclass::text = ANY($1) \
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) \
             ORDER BY 1",
            &[&tables],
        )
        .await
        .map_err(db_error)?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let drops: Vec<String> = indexes
        .iter()
        .map(|(name, _)| format!("DROP INDEX {name}"))
        .collect();
    if indexes.is_empty() || !attempt(transaction, &drops.join(";\n")).await {
        return Ok(Vec::new());
    }
    Ok(indexes
        .into_iter()
        .map(|(_, definition)| definition)
        .collect())
}

fn copy_error(table: &str, error: tokio_postgres::Error) -> CoreError {
    match error.as_db_error() {
        Some(db) => CoreError::Internal(format!(
            "synthetic load: COPY {table}: {} {}",
            db.message(),
            db.where_().unwrap_or_default()
        )),
        None => db_error(error),
    }
}

#[cfg(test)]
mod tests;
