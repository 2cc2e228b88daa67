//! Finding agreements by what they say: PostgreSQL full-text search with the
//! `indonesian` configuration over each live agreement's title and document
//! number, its parties' names, and the text of the newest version of each of
//! its live documents' files (docs/archive.md). Ranked (`ts_rank`, the best
//! of an agreement's matches), each hit with a snippet of where it matched,
//! the matching words between `«` and `»`.
//!
//! The query is read as a web search (`websearch_to_tsquery`): words are
//! AND-ed, `"a phrase"` must appear as written, `or` gives alternatives and a
//! leading `-` excludes a word. Every branch is served by a GIN index
//! (migration `2026-12-07-000012_document_texts`).

use diesel::sql_types::{BigInt, Double, Nullable, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use uuid::Uuid;

use crate::access::Principal;
use crate::error::{CoreError, CoreResult, FieldViolation};
use crate::pool::PgPool;

/// At most this many hits are returned; 0 asks for the default.
pub const MAX_HITS: i64 = 50;
pub const DEFAULT_HITS: i64 = 20;

/// Where an agreement matched best.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedIn {
    /// Its title or document number.
    Record,
    /// A party's name.
    Party,
    /// The text of one of its documents' files.
    DocumentText,
}

/// One agreement found, with its best match.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub agreement_id: Uuid,
    pub title: String,
    pub document_number: String,
    pub rank: f64,
    pub matched_in: MatchedIn,
    /// The document whose text matched (`MatchedIn::DocumentText`).
    pub document_id: Option<Uuid>,
    /// Where it matched, the words found between `«` and `»`.
    pub snippet: String,
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = SqlUuid)]
    agreement_id: Uuid,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    document_number: String,
    #[diesel(sql_type = Double)]
    rank: f64,
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    document_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    snippet: String,
}

/// The longest query taken (characters).
const MAX_QUERY_CHARS: usize = 300;

const HEADLINE: &str =
    "StartSel=«, StopSel=», MaxWords=35, MinWords=12, MaxFragments=1, FragmentDelimiter=\" … \"";

/// The agreements of `region_code` (or every region the caller sees) that
/// match `query`, best first, at most `page_size` (0: 20; more than 50: 50).
pub async fn search(
    pool: &PgPool,
    actor: &Principal,
    query: &str,
    region_code: Option<&str>,
    page_size: i32,
) -> CoreResult<Vec<Hit>> {
    let mut violations = Vec::new();
    if let Err(v) = crate::text::check("query", "query", query) {
        violations.push(v);
    } else if query.trim().is_empty() {
        violations.push(FieldViolation::new(
            "query",
            "required: the words to find (a phrase in double quotes)",
        ));
    } else if query.chars().count() > MAX_QUERY_CHARS {
        violations.push(FieldViolation::new(
            "query",
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    if let Some(code) = region_code
        && !crate::names::is_region_code(code)
    {
        violations.push(FieldViolation::says(
            "region_code",
            &crate::wording::REGION_CODE_SHAPE,
            Vec::new(),
        ));
    }
    if page_size < 0 {
        violations.push(FieldViolation::says(
            "page_size",
            &crate::wording::NOT_NEGATIVE,
            vec![],
        ));
    }
    if !violations.is_empty() {
        return Err(CoreError::InvalidArgument(violations));
    }
    let limit = match page_size {
        0 => DEFAULT_HITS,
        n => i64::from(n).min(MAX_HITS),
    };
    // A bound caller searches its own region; asking for another is refused.
    let region = match (region_code, &actor.region_code) {
        (Some(asked), _) => {
            actor.check_read(asked)?;
            Some(asked.to_string())
        }
        (None, Some(own)) => Some(own.clone()),
        (None, None) if actor.sees_all_regions() => None,
        (None, None) => return Ok(Vec::new()),
    };
    // Ranks are computed for every match; snippets (the costly part: each
    // reads a whole text again) only for the hits returned.
    let sql = format!(
        "WITH q AS (SELECT websearch_to_tsquery('indonesian', $1) AS q), \
         hits AS ( \
           SELECT a.id AS agreement_id, 'RECORD' AS source, NULL::uuid AS document_id, \
                  NULL::int AS version, NULL::int AS position, \
                  ts_rank(to_tsvector('indonesian', a.title || ' ' || a.document_number), q.q)::float8 AS rank \
           FROM agreements a, q \
           WHERE a.delete_time IS NULL AND ($2::text IS NULL OR a.region_code = $2) \
             AND to_tsvector('indonesian', a.title || ' ' || a.document_number) @@ q.q \
           UNION ALL \
           SELECT a.id, 'PARTY', NULL::uuid, NULL::int, p.position::int, \
                  ts_rank(to_tsvector('indonesian', p.name), q.q)::float8 \
           FROM agreement_parties p JOIN agreements a ON a.id = p.agreement_id, q \
           WHERE a.delete_time IS NULL AND ($2::text IS NULL OR a.region_code = $2) \
             AND to_tsvector('indonesian', p.name) @@ q.q \
           UNION ALL \
           SELECT a.id, 'DOCUMENT_TEXT', d.id, t.version, NULL::int, ts_rank(t.search, q.q)::float8 \
           FROM document_texts t \
           JOIN agreement_documents d ON d.id = t.document_id \
           JOIN agreements a ON a.id = d.agreement_id, q \
           WHERE t.search @@ q.q AND d.delete_time IS NULL AND a.delete_time IS NULL \
             AND ($2::text IS NULL OR a.region_code = $2) \
             AND t.version = (SELECT max(f.version) FROM document_files f WHERE f.document_id = t.document_id) \
         ), best AS ( \
           SELECT DISTINCT ON (agreement_id) * FROM hits \
           ORDER BY agreement_id, rank DESC, source DESC, document_id, position \
         ), top AS ( \
           SELECT b.*, a.title, a.document_number FROM best b JOIN agreements a ON a.id = b.agreement_id \
           ORDER BY b.rank DESC, a.document_number, b.agreement_id LIMIT $3 \
         ) \
         SELECT t.agreement_id, t.title, t.document_number, t.rank, t.source, t.document_id, \
                coalesce(CASE t.source \
                  WHEN 'RECORD' THEN ts_headline('indonesian', t.document_number || ' ' || t.title, q.q, '{HEADLINE}') \
                  WHEN 'PARTY' THEN (SELECT ts_headline('indonesian', p.name, q.q, '{HEADLINE}') \
                                     FROM agreement_parties p \
                                     WHERE p.agreement_id = t.agreement_id AND p.position = t.position) \
                  ELSE (SELECT ts_headline('indonesian', x.body, q.q, '{HEADLINE}') FROM document_texts x \
                        WHERE x.document_id = t.document_id AND x.version = t.version) \
                END, '') AS snippet \
         FROM top t, q \
         ORDER BY t.rank DESC, t.document_number, t.agreement_id"
    );
    let mut conn = pool.get().await?;
    let rows: Vec<Row> = diesel::sql_query(sql)
        .bind::<Text, _>(query.trim())
        .bind::<Nullable<Text>, _>(region)
        .bind::<BigInt, _>(limit)
        .load(&mut conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Hit {
            agreement_id: r.agreement_id,
            title: r.title,
            document_number: r.document_number,
            rank: r.rank,
            matched_in: match r.source.as_str() {
                "PARTY" => MatchedIn::Party,
                "DOCUMENT_TEXT" => MatchedIn::DocumentText,
                _ => MatchedIn::Record,
            },
            document_id: r.document_id,
            snippet: r.snippet,
        })
        .collect())
}
