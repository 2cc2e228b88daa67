//! Moves register rows from PostgreSQL into polars: `COPY (SELECT …) TO STDOUT`
//! as CSV through tokio-postgres, parsed by polars against a fixed schema.
//! One round trip, no per-row decoding in Rust.

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

async fn copy_csv(client: &tokio_postgres::Client, select: &str) -> JobResult<Vec<u8>> {
    let sql = format!("COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER true)");
    let stream = client.copy_out(sql.as_str()).await?;
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await?;
    Ok(chunks.concat())
}

fn parse_csv(bytes: Vec<u8>, schema: Schema) -> JobResult<DataFrame> {
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(Arc::new(schema)))
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()?;
    Ok(frame)
}

/// SQL literal of a date we produced ourselves (never user text).
fn date_literal(date: NaiveDate) -> String {
    format!("'{}'::date", date.format("%Y-%m-%d"))
}

/// Every live (not soft-deleted) agreement with its state as of `as_of`,
/// derived by the same SQL function the service uses.
///
/// Columns: id, region_code, cooperation_type, document_kind, unit_code,
/// sector, signed_on, effective_from, effective_until, state.
pub async fn agreements(
    client: &tokio_postgres::Client,
    as_of: NaiveDate,
    region_code: Option<&str>,
) -> JobResult<DataFrame> {
    let region_filter = match region_code {
        // Region codes are validated as digits and dots before they get here.
        Some(code) if kerjasama_core::agreements::is_region_code(code) => {
            format!("AND region_code = '{code}'")
        }
        _ => String::new(),
    };
    let select = format!(
        "SELECT id, region_code, cooperation_type, document_kind, unit_code, sector, \
                signed_on, effective_from, effective_until, \
                agreement_state(signed_on, effective_until, process_started_on, terminated_on, cancelled_on, {as_of}) AS state \
         FROM agreements WHERE delete_time IS NULL {region_filter} ORDER BY id",
        as_of = date_literal(as_of),
    );
    let bytes = copy_csv(client, &select).await?;
    let schema = Schema::from_iter([
        Field::new("id".into(), DataType::String),
        Field::new("region_code".into(), DataType::String),
        Field::new("cooperation_type".into(), DataType::String),
        Field::new("document_kind".into(), DataType::String),
        Field::new("unit_code".into(), DataType::String),
        Field::new("sector".into(), DataType::String),
        Field::new("signed_on".into(), DataType::Date),
        Field::new("effective_from".into(), DataType::Date),
        Field::new("effective_until".into(), DataType::Date),
        Field::new("state".into(), DataType::String),
    ]);
    tokio::task::spawn_blocking(move || parse_csv(bytes, schema))
        .await
        .map_err(|e| kerjasama_core::CoreError::Internal(format!("CSV parse task: {e}")))?
}
