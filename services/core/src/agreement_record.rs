//! The agreement as a record: the fields a client sets, the lifecycle dates,
//! the stored row and its parties, and loading one or many (with the state
//! derived in SQL as of a date). The use cases in `agreements`, `stages` and
//! `documents` all load agreements through here, so none of them needs another.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::Principal;
use crate::calendar;
use crate::codes::{
    AgreementState, CooperationType, DocumentKind, KsddBasis, PartyKind, ReportingCycle,
};
use crate::error::{CoreError, CoreResult};
use crate::pool::PgPool;
use crate::prerendered::Prerendered;
use crate::schema::{agreement_parties, agreements};

diesel::define_sql_function! {
    /// SQL `agreement_state` (see the migrations): the one state derivation.
    fn agreement_state(
        signed_on: Nullable<Date>,
        effective_until: Nullable<Date>,
        process_started_on: Nullable<Date>,
        terminated_on: Nullable<Date>,
        cancelled_on: Nullable<Date>,
        as_of: Date,
    ) -> Text;
}

/// The state of every row as of `day`.
pub(crate) fn state_as_of(
    day: NaiveDate,
) -> agreement_state<
    agreements::signed_on,
    agreements::effective_until,
    agreements::process_started_on,
    agreements::terminated_on,
    agreements::cancelled_on,
    diesel::dsl::AsExprOf<NaiveDate, Date>,
> {
    agreement_state(
        agreements::signed_on,
        agreements::effective_until,
        agreements::process_started_on,
        agreements::terminated_on,
        agreements::cancelled_on,
        diesel::IntoSql::into_sql::<Date>(day),
    )
}

/// `agreement_state(…, day) IN (states)` spelled out on the columns: the
/// same cases as the SQL function, which a test holds equal to it on every
/// combination of dates (`listing::the_state_filter_is_the_state_function`).
/// PostgreSQL can estimate and index ranges of the date columns, while the
/// function is opaque to it (a state filter over 1,000,000 agreements was a
/// sequential scan). `day` is a date the service computed, written as a
/// literal; the caller's words never reach this text.
///
/// A draft as of today or later has none of the four lifecycle dates, since
/// none is ever stored later than the day it is written (signing, stage,
/// termination and cancellation dates are refused in the future): the
/// condition is just that, which lets the partial indexes of undated
/// agreements (migration 000018) serve a list of drafts in any order.
pub fn states_condition(states: &[AgreementState], day: NaiveDate) -> String {
    let d = format!("DATE '{}'", day.format("%Y-%m-%d"));
    // The sort keys of the signing and end dates, as the list orders by them
    // and the migrations index them (an unknown date after every real one):
    // a bound on them is a bound of those indexes' scans.
    let signed_key = "coalesce(agreements.signed_on, DATE '9999-12-31')";
    let until_key = "coalesce(agreements.effective_until, DATE '9999-12-31')";
    let not_cancelled =
        format!("(agreements.cancelled_on IS NULL OR agreements.cancelled_on > {d})");
    let open = format!(
        "{not_cancelled} AND (agreements.terminated_on IS NULL OR agreements.terminated_on > {d})"
    );
    let cases: Vec<String> = states
        .iter()
        .map(|state| match state {
            AgreementState::Cancelled => format!("agreements.cancelled_on <= {d}"),
            AgreementState::Terminated => {
                format!("{not_cancelled} AND agreements.terminated_on <= {d}")
            }
            AgreementState::Active => {
                format!("{open} AND {signed_key} <= {d} AND {until_key} >= {d}")
            }
            AgreementState::Expired => {
                format!("{open} AND {signed_key} <= {d} AND {until_key} < {d}")
            }
            AgreementState::InProcess => {
                format!("{open} AND {signed_key} > {d} AND agreements.process_started_on <= {d}")
            }
            // Nothing else to say: an undated agreement is a draft on any
            // day (and the planner then counts drafts from the one
            // predicate, as the partial indexes hold them, instead of
            // multiplying the shares of four correlated ones).
            AgreementState::Draft if day >= calendar::today() => UNDATED.to_string(),
            AgreementState::Draft => format!(
                "{open} AND {signed_key} > {d} \
                 AND (agreements.process_started_on IS NULL OR agreements.process_started_on > {d})"
            ),
        })
        .map(|case| format!("({case})"))
        .collect();
    if cases.is_empty() {
        "TRUE".to_string()
    } else {
        format!("({})", cases.join(" OR "))
    }
}

/// An agreement with none of its lifecycle dates (the predicate of the
/// partial indexes of migration 000018).
const UNDATED: &str = "(agreements.signed_on IS NULL AND agreements.process_started_on IS NULL \
     AND agreements.terminated_on IS NULL AND agreements.cancelled_on IS NULL)";

/// A partner of the owning region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub name: String,
    pub kind: PartyKind,
    /// Kemendagri code, for Indonesian regional governments.
    pub region_code: Option<String>,
    /// ISO 3166-1 alpha-2, for foreign partners.
    pub country_code: Option<String>,
    /// The number this party gave the document in its own register.
    pub document_number: String,
}

/// Everything a client sets on an agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementFields {
    pub region_code: String,
    pub title: String,
    pub cooperation_type: CooperationType,
    pub document_kind: DocumentKind,
    pub parent_id: Option<Uuid>,
    pub unit_code: String,
    pub sector: String,
    pub ksdd_basis: Option<KsddBasis>,
    pub parties: Vec<Party>,
    pub document_number: String,
    pub objective: String,
    pub signed_on: Option<NaiveDate>,
    pub effective_from: Option<NaiveDate>,
    pub effective_until: Option<NaiveDate>,
    pub dprd_approval_required: bool,
    /// Whole rupiah.
    pub budget_idr: Option<i64>,
    /// How often implementation reports are due while in force.
    pub reporting_cycle: ReportingCycle,
    /// The open register shows this agreement in full (budget and benefit
    /// figures too), not only its public fields.
    pub public_in_full: bool,
    /// Implementation-report cycles that end before this date owe nothing;
    /// `None`: the start of the in-force period. Given at creation (an
    /// import); changed later only by [`crate::agreements::set_reports_owed_from`].
    pub reports_owed_from: Option<NaiveDate>,
}

/// The dates the state derives from, besides signing and the effective range.
/// Set by stage operations and by TerminateAgreement / CancelAgreement.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Lifecycle {
    /// The first stage's start (or skip): from then on an unsigned agreement is IN_PROCESS.
    pub process_started_on: Option<NaiveDate>,
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    pub cancelled_on: Option<NaiveDate>,
    pub cancellation_reason: Option<String>,
}

/// A stored agreement.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    pub id: Uuid,
    #[serde(flatten)]
    pub fields: AgreementFields,
    #[serde(flatten)]
    pub lifecycle: Lifecycle,
    /// Derived as of today (Asia/Jakarta).
    pub state: AgreementState,
    pub version: i64,
    pub create_time: DateTime<Utc>,
    pub update_time: DateTime<Utc>,
    pub delete_time: Option<DateTime<Utc>>,
}

impl Agreement {
    pub fn name(&self) -> String {
        crate::names::agreement_name(self.id)
    }

    pub fn etag(&self) -> String {
        crate::etag::of(self.version)
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = agreements, check_for_backend(diesel::pg::Pg))]
pub(crate) struct AgreementRow {
    id: Uuid,
    region_code: String,
    title: String,
    cooperation_type: String,
    document_kind: String,
    parent_id: Option<Uuid>,
    unit_code: String,
    sector: String,
    ksdd_basis: Option<String>,
    document_number: String,
    objective: String,
    signed_on: Option<NaiveDate>,
    effective_from: Option<NaiveDate>,
    effective_until: Option<NaiveDate>,
    dprd_approval_required: bool,
    budget_idr: Option<i64>,
    version: i64,
    create_time: DateTime<Utc>,
    update_time: DateTime<Utc>,
    delete_time: Option<DateTime<Utc>>,
    process_started_on: Option<NaiveDate>,
    terminated_on: Option<NaiveDate>,
    termination_reason: Option<String>,
    cancelled_on: Option<NaiveDate>,
    cancellation_reason: Option<String>,
    reporting_cycle: String,
    public_in_full: bool,
    reports_owed_from: Option<NaiveDate>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = agreement_parties, check_for_backend(diesel::pg::Pg))]
struct PartyRow {
    agreement_id: Uuid,
    name: String,
    kind: String,
    party_region_code: Option<String>,
    country_code: Option<String>,
    document_number: String,
}

fn corrupt(what: &str, value: &str) -> CoreError {
    CoreError::Internal(format!("stored {what} {value:?} is not a known code"))
}

pub(crate) fn assemble(
    row: AgreementRow,
    state: String,
    parties: Vec<Party>,
) -> CoreResult<Agreement> {
    Ok(Agreement {
        id: row.id,
        fields: AgreementFields {
            region_code: row.region_code,
            title: row.title,
            cooperation_type: CooperationType::from_code(&row.cooperation_type)
                .ok_or_else(|| corrupt("cooperation_type", &row.cooperation_type))?,
            document_kind: DocumentKind::from_code(&row.document_kind)
                .ok_or_else(|| corrupt("document_kind", &row.document_kind))?,
            parent_id: row.parent_id,
            unit_code: row.unit_code,
            sector: row.sector,
            ksdd_basis: row
                .ksdd_basis
                .map(|b| KsddBasis::from_code(&b).ok_or_else(|| corrupt("ksdd_basis", &b)))
                .transpose()?,
            parties,
            document_number: row.document_number,
            objective: row.objective,
            signed_on: row.signed_on,
            effective_from: row.effective_from,
            effective_until: row.effective_until,
            dprd_approval_required: row.dprd_approval_required,
            budget_idr: row.budget_idr,
            reporting_cycle: ReportingCycle::from_code(&row.reporting_cycle)
                .ok_or_else(|| corrupt("reporting_cycle", &row.reporting_cycle))?,
            public_in_full: row.public_in_full,
            reports_owed_from: row.reports_owed_from,
        },
        lifecycle: Lifecycle {
            process_started_on: row.process_started_on,
            terminated_on: row.terminated_on,
            termination_reason: row.termination_reason,
            cancelled_on: row.cancelled_on,
            cancellation_reason: row.cancellation_reason,
        },
        state: AgreementState::from_code(&state).ok_or_else(|| corrupt("state", &state))?,
        version: row.version,
        create_time: row.create_time,
        update_time: row.update_time,
        delete_time: row.delete_time,
    })
}

async fn load_parties(
    mut conn: &AsyncPgConnection,
    ids: &[Uuid],
) -> CoreResult<HashMap<Uuid, Vec<Party>>> {
    let rows: Vec<PartyRow> = Prerendered::new(
        agreement_parties::table
            .filter(agreement_parties::agreement_id.eq_any(ids.to_vec()))
            .order((agreement_parties::agreement_id, agreement_parties::position))
            .select(PartyRow::as_select()),
    )?
    .load(&mut conn)
    .await?;
    parties_by_agreement(rows)
}

fn parties_by_agreement(rows: Vec<PartyRow>) -> CoreResult<HashMap<Uuid, Vec<Party>>> {
    let mut by_agreement: HashMap<Uuid, Vec<Party>> = HashMap::new();
    for row in rows {
        let kind =
            PartyKind::from_code(&row.kind).ok_or_else(|| corrupt("party kind", &row.kind))?;
        by_agreement
            .entry(row.agreement_id)
            .or_default()
            .push(Party {
                name: row.name,
                kind,
                region_code: row.party_region_code,
                country_code: row.country_code,
                document_number: row.document_number,
            });
    }
    Ok(by_agreement)
}

pub(crate) async fn assemble_all(
    conn: &mut AsyncPgConnection,
    rows: Vec<(AgreementRow, String)>,
) -> CoreResult<Vec<Agreement>> {
    let ids: Vec<Uuid> = rows.iter().map(|(row, _)| row.id).collect();
    let mut parties = load_parties(conn, &ids).await?;
    rows.into_iter()
        .map(|(row, state)| {
            let p = parties.remove(&row.id).unwrap_or_default();
            assemble(row, state, p)
        })
        .collect()
}

/// Loads one agreement (deleted ones too), optionally locking its row. Its
/// row and its parties are sent together, one round trip, and a caller may
/// join it with statements of its own to send them in the same pipeline
/// (PostgreSQL still runs them one after another, in the order they were
/// sent: a statement joined after a locking load runs once the lock is
/// held).
pub async fn load(conn: &AsyncPgConnection, id: Uuid, lock: bool) -> CoreResult<Agreement> {
    let today = calendar::today();
    let query = agreements::table
        .find(id)
        .select((AgreementRow::as_select(), state_as_of(today)));
    let row = async move {
        let mut conn = conn;
        let row: Option<(AgreementRow, String)> = if lock {
            Prerendered::new(query.for_update().limit(1))?
                .get_result(&mut conn)
                .await
                .optional()?
        } else {
            Prerendered::new(query.limit(1))?
                .get_result(&mut conn)
                .await
                .optional()?
        };
        Ok::<_, CoreError>(row)
    };
    let ids = [id];
    let (row, mut parties) = futures::try_join!(row, load_parties(conn, &ids))?;
    let (row, state) = row.ok_or_else(|| CoreError::not_found(crate::names::agreement_name(id)))?;
    assemble(row, state, parties.remove(&id).unwrap_or_default())
}

/// An agreement the caller may read, by id (deleted ones too).
pub async fn get(pool: &PgPool, actor: &Principal, id: Uuid) -> CoreResult<Agreement> {
    let conn = pool.get().await?;
    let agreement = load(&conn, id, false).await?;
    actor.check_read(&agreement.fields.region_code)?;
    Ok(agreement)
}
