//! Moves register rows from PostgreSQL into polars: `COPY (SELECT …) TO STDOUT`
//! as CSV through tokio-postgres, parsed by polars against a fixed schema
//! piece by piece as it streams. One round trip, no per-row decoding in Rust.

use std::io::Cursor;
use std::sync::Arc;

use chrono::NaiveDate;
use futures::TryStreamExt;
use polars::prelude::*;
use tokio_postgres::NoTls;

use crate::error::JobResult;

/// Opens a dedicated connection for bulk reads.
pub async fn connect(database_url: &str) -> JobResult<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(database_url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            tracing::warn!(%error, "reporting connection closed");
        }
    });
    Ok(client)
}

/// The CSV text parsed at a time: a COPY is parsed piece by piece as it
/// arrives, each piece in a blocking task while the next one streams in, so
/// no table's text is ever held whole (a million agreements' register is
/// gigabytes of CSV).
const PIECE_BYTES: usize = 64 << 20;

/// The length of `bytes` through the last complete CSV record: the last line
/// feed outside a quoted field (a doubled quote inside one toggles twice).
/// `bytes` starts at a record boundary.
fn complete_records(bytes: &[u8]) -> usize {
    let mut quoted = false;
    let mut end = 0;
    for (i, byte) in bytes.iter().enumerate() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => end = i + 1,
            _ => {}
        }
    }
    end
}

fn parse_csv(bytes: Vec<u8>, schema: Arc<Schema>, header: bool) -> JobResult<DataFrame> {
    let frame = CsvReadOptions::default()
        .with_has_header(header)
        .with_schema(Some(schema))
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()?;
    Ok(frame)
}

/// The type a UUID column is declared with in a frame's columns: it is held
/// as its [`Keys`] code, not as text.
fn key() -> DataType {
    DataType::UInt32
}

/// Every UUID the register's frames hold, each as a small number of its own:
/// the same UUID gets the same code in every frame of one load, a different
/// UUID a different code. The metrics only ever join, group and compare ids
/// (every output names a record by its `agreements/…` name, a text column
/// of its own), so codes compute exactly what the UUIDs would, in 4 bytes a
/// row instead of 52 (the text and its view): at a million agreements the
/// stages, realisations and reports alone hold 17 million of them.
#[derive(Clone, Default)]
struct Keys(Arc<std::sync::Mutex<std::collections::HashMap<uuid::Uuid, u32>>>);

impl Keys {
    /// `column` (UUIDs as text) as codes, under the same name; nulls stay null.
    fn encode(&self, column: &Column) -> JobResult<Column> {
        let text = column.str()?;
        let mut codes = self
            .0
            .lock()
            .map_err(|_| kerjasama_core::CoreError::Internal("register keys poisoned".into()))?;
        let mut encoded: Vec<Option<u32>> = Vec::with_capacity(text.len());
        for value in text.iter() {
            let Some(value) = value else {
                encoded.push(None);
                continue;
            };
            let id = uuid::Uuid::parse_str(value).map_err(|_| {
                crate::error::JobError::BadRecord(format!(
                    "{}: {value} is not a UUID",
                    column.name()
                ))
            })?;
            let next = u32::try_from(codes.len()).map_err(|_| {
                kerjasama_core::CoreError::Internal("more than 2^32 ids in one register".into())
            })?;
            encoded.push(Some(*codes.entry(id).or_insert(next)));
        }
        Ok(
            UInt32Chunked::from_iter_options(column.name().clone(), encoded.into_iter())
                .into_column(),
        )
    }
}

/// How one COPY's text becomes a frame: the CSV's schema (UUIDs as text),
/// and the columns then held as their [`Keys`] code.
#[derive(Clone)]
struct Shape {
    csv: Arc<Schema>,
    keyed: Vec<PlSmallStr>,
    keys: Keys,
}

impl Shape {
    fn new(columns: &[(&str, DataType)], keys: &Keys) -> Shape {
        let csv = columns
            .iter()
            .map(|(name, dtype)| {
                let dtype = if *dtype == key() {
                    DataType::String
                } else {
                    dtype.clone()
                };
                (*name, dtype)
            })
            .collect::<Vec<_>>();
        Shape {
            csv: Arc::new(schema(&csv)),
            keyed: columns
                .iter()
                .filter(|(_, dtype)| *dtype == key())
                .map(|(name, _)| (*name).into())
                .collect(),
            keys: keys.clone(),
        }
    }

    /// One piece of CSV text parsed, its UUIDs encoded.
    fn parse(&self, bytes: Vec<u8>, header: bool) -> JobResult<DataFrame> {
        let mut frame = parse_csv(bytes, self.csv.clone(), header)?;
        for name in &self.keyed {
            let encoded = self.keys.encode(frame.column(name)?)?;
            frame.with_column(encoded)?;
        }
        Ok(frame)
    }
}

/// Parses one piece off the async runtime.
fn spawn_parse(
    piece: Vec<u8>,
    shape: &Shape,
    header: bool,
) -> tokio::task::JoinHandle<JobResult<DataFrame>> {
    let shape = shape.clone();
    tokio::task::spawn_blocking(move || shape.parse(piece, header))
}

async fn joined(task: tokio::task::JoinHandle<JobResult<DataFrame>>) -> JobResult<DataFrame> {
    task.await
        .map_err(|e| kerjasama_core::CoreError::Internal(format!("CSV parse task: {e}")))?
}

/// `COPY (select) TO STDOUT` as CSV, parsed into a frame of `columns`
/// piece by piece ([`PIECE_BYTES`]) while it streams; a column declared
/// [`key()`] holds UUIDs and is held as their codes in `keys`.
async fn frame(
    client: &tokio_postgres::Client,
    keys: &Keys,
    select: String,
    columns: &[(&str, DataType)],
) -> JobResult<DataFrame> {
    let sql = format!("COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER true)");
    let stream = client.copy_out(sql.as_str()).await?;
    parse_stream(stream, Shape::new(columns, keys), PIECE_BYTES).await
}

/// Parses a CSV text with a header line, as it streams in, in pieces of
/// about `piece_bytes`.
async fn parse_stream<S>(stream: S, shape: Shape, piece_bytes: usize) -> JobResult<DataFrame>
where
    S: futures::Stream<Item = Result<bytes::Bytes, tokio_postgres::Error>>,
{
    futures::pin_mut!(stream);
    let mut pending: Vec<u8> = Vec::new();
    let mut parsed: Option<DataFrame> = None;
    let mut parsing: Option<tokio::task::JoinHandle<JobResult<DataFrame>>> = None;
    let mut header = true;
    while let Some(chunk) = stream.try_next().await? {
        pending.extend_from_slice(&chunk);
        if pending.len() < piece_bytes {
            continue;
        }
        let end = complete_records(&pending);
        if end == 0 {
            continue;
        }
        let rest = pending[end..].to_vec();
        pending.truncate(end);
        let piece = std::mem::replace(&mut pending, rest);
        // One piece parses while the next streams in; the one before is
        // appended first, so at most two pieces' text is held.
        if let Some(task) = parsing.take() {
            append(&mut parsed, joined(task).await?)?;
        }
        parsing = Some(spawn_parse(piece, &shape, header));
        header = false;
    }
    if let Some(task) = parsing.take() {
        append(&mut parsed, joined(task).await?)?;
    }
    // The rest (the header alone when the table is empty and nothing was
    // parsed yet: the frame then has the columns and no rows).
    if !pending.is_empty() || parsed.is_none() {
        append(
            &mut parsed,
            joined(spawn_parse(pending, &shape, header)).await?,
        )?;
    }
    let mut frame = parsed
        .ok_or_else(|| kerjasama_core::CoreError::Internal("COPY parsed to nothing".into()))?;
    // One chunk per column, as a whole-text parse gives: the metrics' joins
    // and sorts would otherwise copy the pieces together each time (a
    // million agreements' run measured 7.1 GiB and twice the writing time
    // with the pieces left apart).
    frame.rechunk_mut_par();
    Ok(frame)
}

fn append(parsed: &mut Option<DataFrame>, piece: DataFrame) -> JobResult<()> {
    match parsed {
        Some(frame) => {
            frame.vstack_mut_owned(piece)?;
        }
        None => *parsed = Some(piece),
    }
    Ok(())
}

/// SQL literal of a date we produced ourselves (never user text).
fn date_literal(date: NaiveDate) -> String {
    format!("'{}'::date", date.format("%Y-%m-%d"))
}

/// The register as the metrics read it. Every frame covers live (not
/// soft-deleted) agreements of the region asked for (or all regions). Ids
/// (`id` and every `…_id`) are the load's codes for the UUIDs ([`Keys`]):
/// equal where the UUIDs are equal, never shown; the `agreement`,
/// `indicator` and `recommendation` columns carry the records' names.
pub struct Register {
    /// agreement, id, title, document_number, region_code, cooperation_type, document_kind,
    /// parent_id, unit_code, sector, signed_on, effective_from, effective_until,
    /// terminated_on, cancelled_on, process_started_on, reporting_cycle,
    /// reports_owed_from, parent (`agreements/{parent_id}`), state
    /// (as of the date, from the same SQL function the service uses).
    pub agreements: DataFrame,
    /// agreement_id, country_code: the distinct partner countries.
    pub partner_countries: DataFrame,
    /// agreement_id, stage_code, position, started_on, sla_due_on, closed_on
    /// (completion or skip date), skipped, assumed (1: an import assumed it
    /// done on its due date, `history_from`).
    pub stages: DataFrame,
    /// agreement_id, stage_code, decided_on, seq, new_due_on: every reschedule.
    pub reschedules: DataFrame,
    /// indicator, id, agreement_id, indicator_title, category, unit_of_measure,
    /// beneficiary, target_value (exact decimal): live indicators.
    pub indicators: DataFrame,
    /// indicator_id, period_start, period_end, value (exact decimal): live
    /// realisations of live indicators.
    pub realisations: DataFrame,
    /// agreement_id, cycle_start, submitted_on: live implementation reports.
    pub implementation_reports: DataFrame,
    /// recommendation, id, meeting, held_on, agreement_id, description,
    /// responsible_unit, due_on: recommendations of live meetings.
    pub recommendations: DataFrame,
    /// recommendation_id, status, changed_on, seq: every status change.
    pub recommendation_changes: DataFrame,
    /// agreement_id, document_type, first_file_on: each live document type of
    /// an agreement that holds a file in the archive, with the day (Asia/Jakarta)
    /// its first file was uploaded.
    pub archived_documents: DataFrame,
}

/// Exact decimals: 38 digits, 4 after the point (the register's scale).
pub fn decimal_type() -> DataType {
    DataType::Decimal(38, 4)
}

fn schema(fields: &[(&str, DataType)]) -> Schema {
    Schema::from_iter(
        fields
            .iter()
            .map(|(name, dtype)| Field::new((*name).into(), dtype.clone())),
    )
}

/// Tables the pipeline reads; each carries `region_code`.
const SOURCE_TABLES: &[&str] = &[
    "agreements",
    "agreement_parties",
    "agreement_stages",
    "stage_reschedules",
    "benefit_indicators",
    "benefit_realisations",
    "implementation_reports",
    "evaluation_meetings",
    "recommendations",
    "recommendation_status_changes",
];

/// Refuses to compute over a stored date outside the range the API accepts
/// (written before the rule existed, or by hand): the run fails naming the
/// record and the column, instead of failing in the CSV parser with no clue.
async fn check_dates(client: &tokio_postgres::Client, region: &str) -> JobResult<()> {
    let columns = client
        .query(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND data_type = 'date' \
             AND table_name = ANY($1) ORDER BY table_name, column_name",
            &[&SOURCE_TABLES],
        )
        .await?;
    for row in columns {
        let (table, column): (String, String) = (row.get(0), row.get(1));
        let sql = format!(
            "SELECT coalesce(to_jsonb(t) ->> 'id', to_jsonb(t) ->> 'agreement_id', '?'), \
             t.{column}::text FROM {table} AS t \
             WHERE t.{column} NOT BETWEEN DATE '1900-01-01' AND DATE '2199-12-31' {region} LIMIT 1",
            region = region.replace("a.region_code", "t.region_code"),
        );
        if let Some(bad) = client.query_opt(sql.as_str(), &[]).await? {
            let (id, value): (String, String) = (bad.get(0), bad.get(1));
            return Err(crate::error::JobError::BadRecord(format!(
                "{table} {id}: {column} is {value}, outside 1900-01-01 .. 2199-12-31; \
                 correct the record, then run the report again"
            )));
        }
    }
    Ok(())
}

/// Loads the register as of `as_of`, one COPY per frame.
pub async fn register(
    client: &tokio_postgres::Client,
    as_of: NaiveDate,
    region_code: Option<&str>,
) -> JobResult<Register> {
    // Only a well-formed code reaches the SQL; anything else is refused, never
    // read as "no filter" (which would be the whole register).
    let region = match region_code {
        None => String::new(),
        Some(code) if kerjasama_core::names::is_region_code(code) => {
            format!("AND a.region_code = '{code}'")
        }
        Some(_) => {
            return Err(kerjasama_core::CoreError::says(
                "region_code",
                &kerjasama_core::wording::REGION_CODE_SHAPE,
                Vec::new(),
            )
            .into());
        }
    };
    check_dates(client, &region).await?;
    // One set of codes for the whole load, dropped with it.
    let keys = Keys::default();
    let live = format!("a.delete_time IS NULL {region}");
    let date = DataType::Date;
    let text = DataType::String;
    let agreements = frame(
        client,
        &keys,
        format!(
            "SELECT 'agreements/' || a.id AS agreement, a.id, a.title, a.document_number, a.region_code, a.cooperation_type, \
                    a.document_kind, a.parent_id, a.unit_code, a.sector, a.signed_on, a.effective_from, \
                    a.effective_until, a.terminated_on, a.cancelled_on, a.process_started_on, \
                    a.reporting_cycle, a.reports_owed_from, \
                    CASE WHEN a.parent_id IS NULL THEN NULL ELSE 'agreements/' || a.parent_id END AS parent, \
                    agreement_state(a.signed_on, a.effective_until, a.process_started_on, \
                                    a.terminated_on, a.cancelled_on, {as_of}) AS state \
             FROM agreements a WHERE {live} ORDER BY a.id",
            as_of = date_literal(as_of)
        ),
        &[
            ("agreement", text.clone()),
            ("id", key()),
            ("title", text.clone()),
            ("document_number", text.clone()),
            ("region_code", text.clone()),
            ("cooperation_type", text.clone()),
            ("document_kind", text.clone()),
            ("parent_id", key()),
            ("unit_code", text.clone()),
            ("sector", text.clone()),
            ("signed_on", date.clone()),
            ("effective_from", date.clone()),
            ("effective_until", date.clone()),
            ("terminated_on", date.clone()),
            ("cancelled_on", date.clone()),
            ("process_started_on", date.clone()),
            ("reporting_cycle", text.clone()),
            ("reports_owed_from", date.clone()),
            ("parent", text.clone()),
            ("state", text.clone()),
        ],
    )
    .await?;
    let partner_countries = frame(
        client,
        &keys,
        format!(
            "SELECT DISTINCT p.agreement_id, p.country_code FROM agreement_parties p \
             JOIN agreements a ON a.id = p.agreement_id \
             WHERE p.country_code IS NOT NULL AND {live} ORDER BY 1, 2"
        ),
        &[("agreement_id", key()), ("country_code", text.clone())],
    )
    .await?;
    let stages = frame(
        client,
        &keys,
        format!(
            "SELECT s.agreement_id, s.code AS stage_code, s.position, s.started_on, s.sla_due_on, \
                    s.completed_on AS closed_on, (s.status = 'SKIPPED')::int AS skipped, \
                    (s.assumed_by IS NOT NULL)::int AS assumed \
             FROM agreement_stages s JOIN agreements a ON a.id = s.agreement_id \
             WHERE {live} ORDER BY 1, s.position"
        ),
        &[
            ("agreement_id", key()),
            ("stage_code", text.clone()),
            ("position", DataType::Int32),
            ("started_on", date.clone()),
            ("sla_due_on", date.clone()),
            ("closed_on", date.clone()),
            ("skipped", DataType::Int32),
            ("assumed", DataType::Int32),
        ],
    )
    .await?;
    let reschedules = frame(
        client,
        &keys,
        format!(
            "SELECT r.agreement_id, r.stage_code, r.decided_on, r.id AS seq, r.new_due_on \
             FROM stage_reschedules r JOIN agreements a ON a.id = r.agreement_id \
             WHERE {live} ORDER BY r.decided_on, r.id"
        ),
        &[
            ("agreement_id", key()),
            ("stage_code", text.clone()),
            ("decided_on", date.clone()),
            ("seq", DataType::Int64),
            ("new_due_on", date),
        ],
    )
    .await?;
    let indicators = frame(
        client,
        &keys,
        format!(
            "SELECT 'agreements/' || i.agreement_id || '/indicators/' || i.id AS indicator, i.id, \
                    i.agreement_id, i.title AS indicator_title, i.category, i.unit_of_measure, \
                    i.beneficiary, i.target_value \
             FROM benefit_indicators i JOIN agreements a ON a.id = i.agreement_id \
             WHERE i.delete_time IS NULL AND {live} ORDER BY i.id"
        ),
        &[
            ("indicator", text.clone()),
            ("id", key()),
            ("agreement_id", key()),
            ("indicator_title", text.clone()),
            ("category", text.clone()),
            ("unit_of_measure", text.clone()),
            ("beneficiary", text.clone()),
            ("target_value", decimal_type()),
        ],
    )
    .await?;
    let realisations = frame(
        client,
        &keys,
        format!(
            "SELECT r.indicator_id, r.period_start, r.period_end, r.value \
             FROM benefit_realisations r \
             JOIN benefit_indicators i ON i.id = r.indicator_id \
             JOIN agreements a ON a.id = r.agreement_id \
             WHERE r.delete_time IS NULL AND i.delete_time IS NULL AND {live} ORDER BY r.id"
        ),
        &[
            ("indicator_id", key()),
            ("period_start", DataType::Date),
            ("period_end", DataType::Date),
            ("value", decimal_type()),
        ],
    )
    .await?;
    let implementation_reports = frame(
        client,
        &keys,
        format!(
            "SELECT r.agreement_id, r.cycle_start, r.submitted_on FROM implementation_reports r \
             JOIN agreements a ON a.id = r.agreement_id \
             WHERE r.delete_time IS NULL AND {live} ORDER BY 1, 2"
        ),
        &[
            ("agreement_id", key()),
            ("cycle_start", DataType::Date),
            ("submitted_on", DataType::Date),
        ],
    )
    .await?;
    let archived_documents = frame(
        client,
        &keys,
        format!(
            "SELECT d.agreement_id, d.kind AS document_type, \
                    min((f.create_time AT TIME ZONE 'Asia/Jakarta')::date) AS first_file_on \
             FROM agreement_documents d JOIN document_files f ON f.document_id = d.id \
             JOIN agreements a ON a.id = d.agreement_id \
             WHERE d.delete_time IS NULL AND {live} GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        &[
            ("agreement_id", key()),
            ("document_type", text.clone()),
            ("first_file_on", DataType::Date),
        ],
    )
    .await?;
    let meeting_region = region.replace("a.region_code", "m.region_code");
    let recommendations = frame(
        client,
        &keys,
        format!(
            "SELECT 'evaluationMeetings/' || m.id || '/recommendations/' || r.id AS recommendation, r.id, \
                    'evaluationMeetings/' || m.id AS meeting, m.held_on, f.agreement_id, r.description, \
                    r.responsible_unit, r.due_on \
             FROM recommendations r JOIN meeting_findings f ON f.id = r.finding_id \
             JOIN evaluation_meetings m ON m.id = r.meeting_id \
             WHERE m.delete_time IS NULL {meeting_region} ORDER BY r.id"
        ),
        &[
            ("recommendation", text.clone()),
            ("id", key()),
            ("meeting", text.clone()),
            ("held_on", DataType::Date),
            ("agreement_id", key()),
            ("description", text.clone()),
            ("responsible_unit", text.clone()),
            ("due_on", DataType::Date),
        ],
    )
    .await?;
    let recommendation_changes = frame(
        client,
        &keys,
        format!(
            "SELECT c.recommendation_id, c.status, c.changed_on, c.id AS seq \
             FROM recommendation_status_changes c JOIN recommendations r ON r.id = c.recommendation_id \
             JOIN evaluation_meetings m ON m.id = r.meeting_id \
             WHERE m.delete_time IS NULL {meeting_region} ORDER BY c.changed_on, c.id"
        ),
        &[
            ("recommendation_id", key()),
            ("status", text),
            ("changed_on", DataType::Date),
            ("seq", DataType::Int64),
        ],
    )
    .await?;
    Ok(Register {
        agreements,
        partner_countries,
        stages,
        reschedules,
        indicators,
        realisations,
        implementation_reports,
        recommendations,
        recommendation_changes,
        archived_documents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_ends_at_a_line_feed_outside_quotes() {
        assert_eq!(complete_records(b"a,b\n1,2\n3,"), 8);
        assert_eq!(complete_records(b"a,\"x\ny\"\n1,\"\"\"\n"), 8);
        assert_eq!(complete_records(b"a,\"x\ny\"\n1,\"\"\"\"\n"), 15);
        assert_eq!(complete_records(b"1,\"open\nstill"), 0);
    }

    #[test]
    fn a_uuid_has_one_code_in_every_frame_of_a_load() {
        let keys = Keys::default();
        let a = "01a25360-ab19-762b-b752-365b4a90cd5d";
        let b = "01a25360-ab19-762b-b752-365b4a90cd5e";
        let first = Column::new("id".into(), [Some(a), None, Some(b), Some(a)]);
        let second = Column::new("agreement_id".into(), [Some(b), Some(a)]);
        let first = keys.encode(&first).unwrap();
        let second = keys.encode(&second).unwrap();
        assert_eq!(first.name().as_str(), "id");
        assert_eq!(second.dtype(), &DataType::UInt32);
        let first: Vec<Option<u32>> = first.u32().unwrap().iter().collect();
        let second: Vec<Option<u32>> = second.u32().unwrap().iter().collect();
        assert_eq!(first[1], None);
        assert_eq!(first[0], first[3]);
        assert_ne!(first[0], first[2]);
        assert_eq!(second, vec![first[2], first[0]]);
        // Another load starts its own codes.
        let other = Keys::default()
            .encode(&Column::new("id".into(), [b]))
            .unwrap();
        assert_eq!(other.u32().unwrap().get(0), Some(0));
        let bad = keys.encode(&Column::new("parent_id".into(), ["not-a-uuid"]));
        assert!(
            matches!(&bad, Err(crate::error::JobError::BadRecord(m)) if m.contains("parent_id")),
            "{:?}",
            bad.err()
        );
    }

    #[tokio::test]
    async fn keyed_columns_parse_to_codes_and_the_rest_as_declared() {
        let keys = Keys::default();
        let shape = Shape::new(&[("id", key()), ("day", DataType::Date)], &keys);
        let text =
            b"id,day\n01a25360-ab19-762b-b752-365b4a90cd5d,2026-01-02\n,2026-01-03\n".to_vec();
        let frame = parse_stream(
            futures::stream::iter(vec![Ok::<_, tokio_postgres::Error>(bytes::Bytes::from(
                text,
            ))]),
            shape,
            100,
        )
        .await
        .unwrap();
        assert_eq!(frame.column("id").unwrap().dtype(), &DataType::UInt32);
        assert_eq!(frame.column("day").unwrap().dtype(), &DataType::Date);
        let ids: Vec<Option<u32>> = frame.column("id").unwrap().u32().unwrap().iter().collect();
        assert_eq!(ids, vec![Some(0), None]);
    }

    #[tokio::test]
    async fn pieces_parse_to_the_frame_the_whole_text_parses_to() {
        let mut text = String::from("id,note,day\n");
        for n in 0..500 {
            text.push_str(&format!(
                "{n},\"line {n}\nwith \"\"quotes\"\", and more\",2026-01-{:02}\n",
                n % 28 + 1
            ));
        }
        let schema = Arc::new(Schema::from_iter([
            Field::new("id".into(), DataType::Int64),
            Field::new("note".into(), DataType::String),
            Field::new("day".into(), DataType::Date),
        ]));
        let whole = parse_csv(text.clone().into_bytes(), schema.clone(), true).unwrap();
        // Chunks of 7 bytes, pieces of about 100: a record is cut everywhere.
        let chunks: Vec<Result<bytes::Bytes, tokio_postgres::Error>> = text
            .as_bytes()
            .chunks(7)
            .map(|c| Ok(bytes::Bytes::copy_from_slice(c)))
            .collect();
        let shape = |schema: &Arc<Schema>| Shape {
            csv: schema.clone(),
            keyed: Vec::new(),
            keys: Keys::default(),
        };
        let pieces = parse_stream(futures::stream::iter(chunks), shape(&schema), 100)
            .await
            .unwrap();
        assert_eq!(pieces.height(), 500);
        assert!(pieces.equals(&whole));
        let empty = vec![Ok(bytes::Bytes::from_static(b"id,note,day\n"))];
        let none = parse_stream(futures::stream::iter(empty), shape(&schema), 100)
            .await
            .unwrap();
        assert_eq!((none.height(), none.width()), (0, 3));
    }
}
