// Over 1,000 lines: the agreement's use cases share one validation (pure rules, then references) and one list query builder; the record itself lives in agreement_record.rs.
//! Agreements: the register's central record, and the rules that guard it.
//!
//! The use cases (create, get, list, update, delete, undelete) each run in one
//! transaction that also writes the audit row. Validation happens in two
//! steps: [`validate`] checks one record on its own (pure, every violation at
//! once), [`check_references`] checks what it points at (parent, unit,
//! sector). SQL constraints guard the same rules again.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::exists;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{Date, Nullable};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::access::Principal;
use crate::audit::{self, AuditEntry};
use crate::calendar;
use crate::codes::{
    AgreementState, CooperationType, DocumentKind, KsddBasis, PartyKind, ReportingCycle,
};
use crate::error::{CoreError, CoreResult, FieldViolation};
use crate::idempotency::{self, Claim, CreateRequest};
use crate::paging::{self, Cursor, Page};
use crate::pool::PgPool;
use crate::schema::{agreement_parties, agreements, sectors, units};
use crate::stages;

pub use crate::agreement_record::{
    Agreement, AgreementFields, Lifecycle, Party, get, states_condition,
};
use crate::agreement_record::{AgreementRow, assemble, assemble_all, load, state_as_of};
use crate::names::{is_region_code, parse_agreement_name};

diesel::define_sql_function! {
    /// `coalesce(date, fallback)`: the sort key of a nullable date column.
    #[sql_name = "coalesce"]
    fn date_or(value: Nullable<Date>, fallback: Date) -> Date;
}

/// The sort key of an unknown date: after every real date (matches the
/// expression indexes in the migration).
fn no_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).expect("valid date")
}

const MAX_PARTIES: usize = 20;

/// One field replaced by an update (AIP-134 field mask entry).
#[derive(Debug, Clone)]
pub enum AgreementChange {
    Title(String),
    Parent(Option<Uuid>),
    Unit(String),
    Sector(String),
    KsddBasis(Option<KsddBasis>),
    Parties(Vec<Party>),
    DocumentNumber(String),
    Objective(String),
    EffectiveFrom(Option<NaiveDate>),
    EffectiveUntil(Option<NaiveDate>),
    DprdApprovalRequired(bool),
    BudgetIdr(Option<i64>),
    ReportingCycle(ReportingCycle),
    PublicInFull(bool),
}

impl AgreementFields {
    fn apply(&mut self, change: AgreementChange) {
        match change {
            AgreementChange::Title(v) => self.title = v,
            AgreementChange::Parent(v) => self.parent_id = v,
            AgreementChange::Unit(v) => self.unit_code = v,
            AgreementChange::Sector(v) => self.sector = v,
            AgreementChange::KsddBasis(v) => self.ksdd_basis = v,
            AgreementChange::Parties(v) => self.parties = v,
            AgreementChange::DocumentNumber(v) => self.document_number = v,
            AgreementChange::Objective(v) => self.objective = v,
            AgreementChange::EffectiveFrom(v) => self.effective_from = v,
            AgreementChange::EffectiveUntil(v) => self.effective_until = v,
            AgreementChange::DprdApprovalRequired(v) => self.dprd_approval_required = v,
            AgreementChange::BudgetIdr(v) => self.budget_idr = v,
            AgreementChange::ReportingCycle(v) => self.reporting_cycle = v,
            AgreementChange::PublicInFull(v) => self.public_in_full = v,
        }
    }
}

fn text_length(
    violations: &mut Vec<FieldViolation>,
    field: &str,
    value: &str,
    min: usize,
    max: usize,
) {
    let len = value.trim().chars().count();
    if len < min || value.chars().count() > max {
        violations.push(if min == 0 {
            FieldViolation::says(
                field,
                &crate::wording::AT_MOST_CHARACTERS,
                vec![max.to_string()],
            )
        } else {
            FieldViolation::says(
                field,
                &crate::wording::CHARACTERS_NOT_BLANK,
                vec![min.to_string(), max.to_string()],
            )
        });
    }
}

/// The rules one agreement must satisfy on its own, as of `today`.
pub fn validate(fields: &AgreementFields, today: NaiveDate) -> Vec<FieldViolation> {
    let mut v = Vec::new();
    let kind = fields.document_kind;
    let ctype = fields.cooperation_type;

    if fields.region_code.is_empty() {
        v.push(FieldViolation::says(
            "region_code",
            &crate::wording::REQUIRED_OWNING_REGION,
            vec![],
        ));
    } else if !is_region_code(&fields.region_code) {
        v.push(FieldViolation::says(
            "region_code",
            &crate::wording::REGION_CODE_SHAPE,
            vec![],
        ));
    } else if !crate::regions::is_known(&fields.region_code) {
        v.push(FieldViolation::says(
            "region_code",
            &crate::wording::UNKNOWN_REGION,
            vec![fields.region_code.clone()],
        ));
    }
    text_length(&mut v, "title", &fields.title, 1, 500);
    text_length(&mut v, "document_number", &fields.document_number, 0, 200);
    text_length(&mut v, "objective", &fields.objective, 0, 5000);
    if fields.unit_code.is_empty() {
        v.push(FieldViolation::says(
            "unit",
            &crate::wording::REQUIRED_INITIATING_UNIT,
            vec![],
        ));
    }
    if fields.sector.is_empty() {
        v.push(FieldViolation::says(
            "sector",
            &crate::wording::REQUIRED_SECTOR,
            vec![],
        ));
    }

    match (kind, ctype) {
        (DocumentKind::Loi, t) if !t.is_foreign() => v.push(FieldViolation::says(
            "document_kind",
            &crate::wording::LOI_ONLY_ABROAD,
            vec![],
        )),
        (DocumentKind::NotaKesepakatan, t) if t != CooperationType::Sinergi => {
            v.push(FieldViolation::says(
                "document_kind",
                &crate::wording::NOTA_KESEPAKATAN_ONLY_SINERGI,
                vec![],
            ))
        }
        (DocumentKind::Ksb | DocumentKind::Pks, CooperationType::Sinergi) => {
            v.push(FieldViolation::says(
                "document_kind",
                &crate::wording::SINERGI_NEEDS_NOTA_KESEPAKATAN,
                vec![],
            ))
        }
        _ => {}
    }
    if kind == DocumentKind::Addendum && fields.parent_id.is_none() {
        v.push(FieldViolation::says(
            "parent",
            &crate::wording::ADDENDUM_NEEDS_PARENT,
            vec![],
        ));
    }
    if fields.parent_id.is_some() && allowed_parent_kinds(kind, ctype).is_empty() {
        v.push(FieldViolation::says(
            "parent",
            &crate::wording::NO_PARENT_FOR_KIND,
            vec![kind.to_string(), ctype.to_string()],
        ));
    }

    match (ctype, fields.ksdd_basis) {
        (CooperationType::Ksdd, None) => v.push(FieldViolation::says(
            "ksdd_basis",
            &crate::wording::REQUIRED_KSDD_BASIS,
            vec![],
        )),
        (t, Some(_)) if t != CooperationType::Ksdd => v.push(FieldViolation::says(
            "ksdd_basis",
            &crate::wording::BASIS_ONLY_KSDD,
            vec![],
        )),
        _ => {}
    }

    validate_parties(&mut v, fields);

    if let Some(signed) = fields.signed_on
        && signed > today
    {
        v.push(FieldViolation::says(
            "signed_on",
            &crate::wording::NOT_FUTURE,
            vec![today.to_string()],
        ));
    }
    if let (Some(from), Some(until)) = (fields.effective_from, fields.effective_until)
        && until < from
    {
        v.push(FieldViolation::says(
            "effective_until",
            &crate::wording::NOT_BEFORE_EFFECTIVE_FROM,
            vec![from.to_string()],
        ));
    }
    if fields.effective_until.is_some()
        && fields.effective_from.is_none()
        && fields.signed_on.is_none()
    {
        v.push(FieldViolation::says(
            "effective_from",
            &crate::wording::REQUIRED_WITH_EFFECTIVE_UNTIL,
            vec![],
        ));
    }
    if fields.budget_idr.is_some_and(|b| b < 0) {
        v.push(FieldViolation::says(
            "budget_idr",
            &crate::wording::NOT_NEGATIVE,
            vec![],
        ));
    }
    v
}

fn validate_parties(v: &mut Vec<FieldViolation>, fields: &AgreementFields) {
    let ctype = fields.cooperation_type;
    if fields.parties.is_empty() {
        v.push(FieldViolation::says(
            "parties",
            &crate::wording::REQUIRED_PARTNER,
            vec![],
        ));
    }
    if fields.parties.len() > MAX_PARTIES {
        v.push(FieldViolation::says(
            "parties",
            &crate::wording::AT_MOST_PARTNERS,
            vec![format!("{MAX_PARTIES}")],
        ));
    }
    for (i, party) in fields.parties.iter().enumerate() {
        let at = |field: &str| format!("parties[{i}].{field}");
        text_length(v, &at("name"), &party.name, 1, 300);
        text_length(v, &at("document_number"), &party.document_number, 0, 200);
        if !ctype.partner_kinds().contains(&party.kind) {
            let allowed: Vec<&str> = ctype.partner_kinds().iter().map(|k| k.code()).collect();
            v.push(FieldViolation::says(
                at("kind"),
                &crate::wording::PARTNER_KIND_FOR_TYPE,
                vec![ctype.to_string(), allowed.join(", ").to_string()],
            ));
        }
        match (&party.region_code, party.kind.is_indonesian_region()) {
            (None, true) => v.push(FieldViolation::says(
                at("region_code"),
                &crate::wording::REQUIRED_PARTY_REGION,
                vec![],
            )),
            (Some(_), false) => v.push(FieldViolation::says(
                at("region_code"),
                &crate::wording::PARTY_REGION_ONLY_REGIONS,
                vec![],
            )),
            (Some(code), true) => {
                let level_ok = match party.kind {
                    PartyKind::ProvinceGovernment => code.len() == 2,
                    _ => code.len() == 5,
                };
                let region = crate::regions::get(code);
                let kind_ok = match (party.kind, region.map(|r| r.level)) {
                    (PartyKind::RegencyGovernment, Some(level)) => {
                        level == crate::regions::Level::Regency
                    }
                    (PartyKind::CityGovernment, Some(level)) => {
                        level == crate::regions::Level::City
                    }
                    _ => true,
                };
                if !is_region_code(code) || !level_ok {
                    v.push(FieldViolation::says(
                        at("region_code"),
                        &crate::wording::PARTY_REGION_LEVEL,
                        vec![],
                    ));
                } else if region.is_none() {
                    v.push(FieldViolation::says(
                        at("region_code"),
                        &crate::wording::UNKNOWN_REGION,
                        vec![code.clone()],
                    ));
                } else if !kind_ok {
                    v.push(FieldViolation::says(
                        at("region_code"),
                        &crate::wording::REGION_IS_NOT_KIND,
                        vec![
                            code.clone(),
                            crate::regions::display(code),
                            party.kind.code().to_string(),
                        ],
                    ));
                } else if code == &fields.region_code {
                    v.push(FieldViolation::says(
                        at("region_code"),
                        &crate::wording::PARTNER_NOT_OWNER,
                        vec![],
                    ));
                }
            }
            (None, false) => {}
        }
        match (&party.country_code, party.kind.is_foreign()) {
            (None, true) => v.push(FieldViolation::says(
                at("country_code"),
                &crate::wording::REQUIRED_COUNTRY,
                vec![],
            )),
            (Some(_), false) => v.push(FieldViolation::says(
                at("country_code"),
                &crate::wording::COUNTRY_ONLY_FOREIGN,
                vec![],
            )),
            (Some(code), true) => {
                if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                    v.push(FieldViolation::says(
                        at("country_code"),
                        &crate::wording::COUNTRY_CODE_SHAPE,
                        vec![],
                    ));
                } else if code == "ID" {
                    v.push(FieldViolation::says(
                        at("country_code"),
                        &crate::wording::FOREIGN_NOT_INDONESIA,
                        vec![],
                    ));
                }
            }
            (None, false) => {}
        }
    }
}

/// Which document kinds may be the parent of `kind` in a cooperation of `ctype`.
fn allowed_parent_kinds(kind: DocumentKind, ctype: CooperationType) -> &'static [DocumentKind] {
    use DocumentKind::*;
    match kind {
        Loi | NotaKesepakatan => &[],
        Ksb if ctype.is_foreign() => &[Loi],
        Ksb => &[],
        Pks if ctype.is_foreign() => &[Ksb, Loi],
        Pks => &[Ksb],
        Addendum => &[Ksb, Pks, NotaKesepakatan],
    }
}

/// The rules about what an agreement points at: its parent, unit and sector.
async fn check_references(
    mut conn: &AsyncPgConnection,
    fields: &AgreementFields,
    own_id: Option<Uuid>,
) -> CoreResult<Vec<FieldViolation>> {
    let mut v = Vec::new();
    if let Some(parent_id) = fields.parent_id {
        let parent: Option<(String, String, String, Option<DateTime<Utc>>)> = agreements::table
            .find(parent_id)
            .select((
                agreements::region_code,
                agreements::cooperation_type,
                agreements::document_kind,
                agreements::delete_time,
            ))
            .first(&mut conn)
            .await
            .optional()?;
        let name = crate::names::agreement_name(parent_id);
        match parent {
            _ if Some(parent_id) == own_id => v.push(FieldViolation::says(
                "parent",
                &crate::wording::NOT_OWN_PARENT,
                vec![],
            )),
            None => v.push(FieldViolation::says(
                "parent",
                &crate::wording::DOES_NOT_EXIST,
                vec![name.to_string()],
            )),
            Some((_, _, _, Some(_))) => v.push(FieldViolation::says(
                "parent",
                &crate::wording::IS_DELETED,
                vec![name.to_string()],
            )),
            Some((region, ctype, kind, None)) => {
                let allowed = allowed_parent_kinds(fields.document_kind, fields.cooperation_type);
                if !fields.region_code.is_empty() && region != fields.region_code {
                    v.push(FieldViolation::says(
                        "parent",
                        &crate::wording::BELONGS_TO_REGION,
                        vec![name.to_string(), region.to_string()],
                    ));
                } else if ctype != fields.cooperation_type.code() {
                    v.push(FieldViolation::says(
                        "parent",
                        &crate::wording::PARENT_TYPE_DIFFERS,
                        vec![
                            name.to_string(),
                            ctype.to_string(),
                            fields.cooperation_type.to_string(),
                        ],
                    ));
                } else if !allowed.iter().any(|k| k.code() == kind) {
                    let allowed: Vec<&str> = allowed.iter().map(|k| k.code()).collect();
                    v.push(FieldViolation::says(
                        "parent",
                        &crate::wording::PARENT_KIND,
                        vec![
                            fields.document_kind.to_string(),
                            allowed.join(" or ").to_string(),
                            name.to_string(),
                            kind.to_string(),
                        ],
                    ));
                }
            }
        }
    }
    // The unit's region and whether the sector is known, in one round trip.
    let (unit_region, sector_known): (Option<String>, bool) = diesel::select((
        units::table
            .find(&fields.unit_code)
            .select(units::region_code)
            .single_value(),
        exists(sectors::table.filter(sectors::code.eq(&fields.sector))),
    ))
    .get_result(&mut conn)
    .await?;
    if !fields.unit_code.is_empty() {
        match unit_region {
            None => v.push(FieldViolation::says(
                "unit",
                &crate::wording::DOES_NOT_EXIST,
                vec![format!("units/{}", fields.unit_code)],
            )),
            Some(r) if !fields.region_code.is_empty() && r != fields.region_code => {
                v.push(FieldViolation::says(
                    "unit",
                    &crate::wording::OTHER_REGION,
                    vec![
                        format!("units/{}", fields.unit_code),
                        r.to_string(),
                        fields.region_code.to_string(),
                    ],
                ))
            }
            Some(_) => {}
        }
    }
    if !fields.sector.is_empty() && !sector_known {
        v.push(FieldViolation::says(
            "sector",
            &crate::wording::UNKNOWN_SECTOR,
            vec![fields.sector.to_string()],
        ));
    }
    Ok(v)
}

async fn ensure_valid(
    mut conn: &AsyncPgConnection,
    actor: &Principal,
    fields: &AgreementFields,
    own_id: Option<Uuid>,
    previous_parent: Option<Uuid>,
) -> CoreResult<()> {
    let mut violations = validate(fields, calendar::today());
    violations.extend(check_references(conn, fields, own_id).await?);
    if !violations.is_empty() {
        return Err(CoreError::InvalidArgument(violations));
    }
    if let Some(parent_id) = fields.parent_id.filter(|p| Some(*p) != previous_parent) {
        // A child blocks its parent's deletion: only the parent's own unit (or
        // the bureau) may hang one under it.
        let parent_unit: String = agreements::table
            .find(parent_id)
            .select(agreements::unit_code)
            .first(&mut conn)
            .await?;
        actor.check_attach_child(&parent_unit)?;
    }
    Ok(())
}

/// The columns a client writes; `skip_update` ones are fixed at creation.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = agreements, treat_none_as_null = true)]
struct AgreementColumns<'a> {
    #[diesel(skip_update)]
    id: Uuid,
    #[diesel(skip_update)]
    region_code: &'a str,
    #[diesel(skip_update)]
    cooperation_type: &'a str,
    #[diesel(skip_update)]
    document_kind: &'a str,
    title: &'a str,
    parent_id: Option<Uuid>,
    unit_code: &'a str,
    sector: &'a str,
    ksdd_basis: Option<&'a str>,
    document_number: &'a str,
    objective: &'a str,
    signed_on: Option<NaiveDate>,
    effective_from: Option<NaiveDate>,
    effective_until: Option<NaiveDate>,
    dprd_approval_required: bool,
    budget_idr: Option<i64>,
    reporting_cycle: &'a str,
    public_in_full: bool,
    #[diesel(skip_update)]
    reports_owed_from: Option<NaiveDate>,
    search_text: String,
}

impl<'a> AgreementColumns<'a> {
    fn new(id: Uuid, f: &'a AgreementFields) -> Self {
        Self {
            id,
            region_code: &f.region_code,
            cooperation_type: f.cooperation_type.code(),
            document_kind: f.document_kind.code(),
            title: f.title.trim(),
            parent_id: f.parent_id,
            unit_code: &f.unit_code,
            sector: &f.sector,
            ksdd_basis: f.ksdd_basis.map(KsddBasis::code),
            document_number: f.document_number.trim(),
            objective: f.objective.trim(),
            signed_on: f.signed_on,
            effective_from: f.effective_from,
            effective_until: f.effective_until,
            dprd_approval_required: f.dprd_approval_required,
            budget_idr: f.budget_idr,
            reporting_cycle: f.reporting_cycle.code(),
            public_in_full: f.public_in_full,
            reports_owed_from: f.reports_owed_from,
            search_text: search_text(
                f.title.trim(),
                f.document_number.trim(),
                f.parties.iter().map(|p| p.name.trim()),
            ),
        }
    }
}

/// Joins the text fields' values in `agreements.search_text` (migration
/// 000016): a control character no caller's text may hold (the one text
/// validator refuses it), so a searched piece never spans two of them.
const SEARCH_TEXT_SEPARATOR: char = '\u{1f}';

/// The text `ListAgreements.query` searches: the title, the document number
/// and the parties' names in order, in lower case (Unicode's, as the query
/// is lowered), so a search is a plain `LIKE`: `ILIKE` folds the case of
/// every row it tries, which made a common word's walk cost half again as
/// much. Every writer of those fields stores it (the migration computed the
/// same for the rows it found).
pub fn search_text<'a>(
    title: &str,
    document_number: &str,
    party_names: impl IntoIterator<Item = &'a str>,
) -> String {
    let mut text = format!("{title}{SEARCH_TEXT_SEPARATOR}{document_number}");
    for name in party_names {
        text.push(SEARCH_TEXT_SEPARATOR);
        text.push_str(name);
    }
    text.to_lowercase()
}

/// Writes the agreement's parties; `replace` first removes the ones stored
/// (an update), which a new agreement has none of.
async fn write_parties(
    mut conn: &AsyncPgConnection,
    id: Uuid,
    fields: &AgreementFields,
    replace: bool,
) -> CoreResult<()> {
    if replace {
        diesel::delete(agreement_parties::table.filter(agreement_parties::agreement_id.eq(id)))
            .execute(&mut conn)
            .await?;
    }
    let rows: Vec<_> = fields
        .parties
        .iter()
        .enumerate()
        .map(|(position, p)| {
            (
                agreement_parties::agreement_id.eq(id),
                agreement_parties::position.eq(position as i16),
                agreement_parties::region_code.eq(&fields.region_code),
                agreement_parties::name.eq(p.name.trim()),
                agreement_parties::kind.eq(p.kind.code()),
                agreement_parties::party_region_code.eq(&p.region_code),
                agreement_parties::country_code.eq(&p.country_code),
                agreement_parties::document_number.eq(p.document_number.trim()),
            )
        })
        .collect();
    diesel::insert_into(agreement_parties::table)
        .values(rows)
        .execute(&mut conn)
        .await?;
    Ok(())
}

fn to_json(agreement: &Agreement) -> CoreResult<serde_json::Value> {
    serde_json::to_value(agreement).map_err(|e| CoreError::Internal(format!("audit JSON: {e}")))
}

/// Registers an agreement. With a `request_id`, a retry returns the first result.
pub async fn create(
    pool: &PgPool,
    actor: &Principal,
    fields: AgreementFields,
    complete_through: Option<&str>,
    request_id: Option<Uuid>,
) -> CoreResult<Agreement> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        create_in(conn, actor, fields, complete_through, request_id).await
    })
    .await
}

/// [`create`] on a connection the caller holds, inside the caller's
/// transaction (the bulk import runs every row through it).
pub async fn create_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    fields: AgreementFields,
    complete_through: Option<&str>,
    request_id: Option<Uuid>,
) -> CoreResult<Agreement> {
    actor.check_write_agreement(&fields.region_code, &fields.unit_code)?;
    if fields.public_in_full {
        actor.check_publish_in_full()?;
    }
    let id = Uuid::now_v7();
    if let Some(request_id) = request_id {
        // The claim stores the region, which may be the field in error:
        // a request that breaks the record's own rules is refused (with
        // every violation) before it is claimed. Those rules read nothing
        // stored and only relax as days pass, so a true replay (the same
        // fields as a first call that passed them) never fails them.
        if !validate(&fields, calendar::today()).is_empty() {
            ensure_valid(conn, actor, &fields, None, None).await?;
        }
        let claim = idempotency::claim(
            conn,
            CreateRequest {
                method: "CreateAgreement",
                request_id,
                region_code: &fields.region_code,
                actor: &actor.name,
                request_hash: idempotency::request_hash(&fields),
                resource: crate::names::agreement_name(id),
            },
        )
        .await?;
        if let Claim::Replay { resource } = claim {
            let existing = parse_agreement_name(&resource)
                .ok_or_else(|| CoreError::Internal(format!("remembered resource {resource}")))?;
            return load(conn, existing, false).await;
        }
    }
    // Statements that do not depend on each other's answers are sent
    // together (pipelined, see `agreement_record::load`): the
    // references are checked while the stage template is read, and the
    // agreement, its parties and its stages are inserted in one round trip,
    // in that order.
    let (_, template) = futures::try_join!(
        ensure_valid(conn, actor, &fields, None, None),
        stages::template_of(conn, &fields),
    )?;
    let planned = stages::plan(&template, id, &fields, complete_through)?;
    // The stored row with its state, returned by the insert. A signed
    // agreement's procedure started on its signing date (its stages through
    // signing are done then).
    let today = calendar::today();
    let insert = async {
        let row: (AgreementRow, String) = diesel::insert_into(agreements::table)
            .values((
                AgreementColumns::new(id, &fields),
                agreements::process_started_on.eq(fields.signed_on),
            ))
            .returning((AgreementRow::as_returning(), state_as_of(today)))
            .get_result(&mut &*conn)
            .await?;
        Ok::<_, CoreError>(row)
    };
    let (row, (), ()) = futures::try_join!(
        insert,
        write_parties(conn, id, &fields, false),
        stages::write(conn, planned),
    )?;
    let parties = fields
        .parties
        .iter()
        .map(|p| Party {
            name: p.name.trim().to_string(),
            kind: p.kind,
            region_code: p.region_code.clone(),
            country_code: p.country_code.clone(),
            document_number: p.document_number.trim().to_string(),
        })
        .collect();
    let created = assemble(row.0, row.1, parties)?;
    audit::record(
        conn,
        AuditEntry {
            region_code: Some(fields.region_code.clone()),
            actor: &actor.name,
            action: "CreateAgreement",
            resource: created.name(),
            before: None,
            after: Some(to_json(&created)?),
            request_id: request_id.map(|r| r.to_string()),
        },
    )
    .await?;
    Ok(created)
}

fn check_etag(agreement: &Agreement, etag: Option<&str>) -> CoreResult<()> {
    crate::etag::check(&agreement.etag(), etag, &agreement.name())
}

/// Replaces the fields named by `changes`; `etag`, when given, must match.
pub async fn update(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    changes: Vec<AgreementChange>,
    etag: Option<&str>,
) -> CoreResult<Agreement> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| update_in(conn, actor, id, changes, etag).await)
        .await
}

/// [`update`] on a connection the caller holds, inside the caller's
/// transaction (the bulk import runs every row through it).
pub async fn update_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    id: Uuid,
    changes: Vec<AgreementChange>,
    etag: Option<&str>,
) -> CoreResult<Agreement> {
    let before = load(conn, id, true).await?;
    actor.check_write_agreement(&before.fields.region_code, &before.fields.unit_code)?;
    if before.delete_time.is_some() {
        return Err(CoreError::FailedPrecondition(format!(
            "{} is deleted; undelete it before changing it",
            before.name()
        )));
    }
    check_etag(&before, etag)?;
    let mut fields = before.fields.clone();
    let parties_changed = changes
        .iter()
        .any(|c| matches!(c, AgreementChange::Parties(_)));
    for change in changes {
        fields.apply(change);
    }
    if fields.unit_code != before.fields.unit_code {
        actor.check_write_agreement(&fields.region_code, &fields.unit_code)?;
    }
    if fields.public_in_full != before.fields.public_in_full {
        actor.check_publish_in_full()?;
    }
    ensure_valid(conn, actor, &fields, Some(id), before.fields.parent_id).await?;
    diesel::update(agreements::table.find(id))
        .set((
            AgreementColumns::new(id, &fields),
            agreements::version.eq(agreements::version + 1),
            agreements::update_time.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    if parties_changed {
        write_parties(conn, id, &fields, true).await?;
    }
    if fields.parent_id.is_some() != before.fields.parent_id.is_some() {
        stages::replace_template(conn, id, &fields).await?;
    } else if fields.dprd_approval_required != before.fields.dprd_approval_required {
        stages::sync_dprd(conn, id, fields.dprd_approval_required).await?;
    }
    let after = load(conn, id, false).await?;
    record_change(conn, actor, "UpdateAgreement", &before, &after).await?;
    Ok(after)
}

async fn record_change(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    action: &str,
    before: &Agreement,
    after: &Agreement,
) -> CoreResult<()> {
    audit::change(
        conn,
        actor,
        Some(after.fields.region_code.clone()),
        action,
        after.name(),
        Some(to_json(before)?),
        Some(to_json(after)?),
    )
    .await
}

/// Soft delete. Refused while live agreements name this one as parent.
pub async fn delete(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    etag: Option<&str>,
) -> CoreResult<Agreement> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let before = load(conn, id, true).await?;
        actor.check_write_agreement(&before.fields.region_code, &before.fields.unit_code)?;
        if before.delete_time.is_some() {
            return Err(CoreError::refused(
                &crate::wording::ALREADY_DELETED,
                vec![before.name()],
            ));
        }
        check_etag(&before, etag)?;
        let children: Vec<Uuid> = agreements::table
            .filter(agreements::parent_id.eq(id))
            .filter(agreements::delete_time.is_null())
            .select(agreements::id)
            .limit(3)
            .load(conn)
            .await?;
        if !children.is_empty() {
            let names: Vec<String> = children
                .into_iter()
                .map(crate::names::agreement_name)
                .collect();
            return Err(CoreError::FailedPrecondition(format!(
                "{} is the parent of {}; delete those first",
                before.name(),
                names.join(", ")
            )));
        }
        diesel::update(agreements::table.find(id))
            .set((
                agreements::delete_time.eq(diesel::dsl::now),
                agreements::version.eq(agreements::version + 1),
                agreements::update_time.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        let after = load(conn, id, false).await?;
        record_change(conn, actor, "DeleteAgreement", &before, &after).await?;
        Ok(after)
    })
    .await
}

/// Restores a soft-deleted agreement. Refused while its parent is deleted.
pub async fn undelete(pool: &PgPool, actor: &Principal, id: Uuid) -> CoreResult<Agreement> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let before = load(conn, id, true).await?;
        actor.check_write_agreement(&before.fields.region_code, &before.fields.unit_code)?;
        if before.delete_time.is_none() {
            return Err(CoreError::FailedPrecondition(format!(
                "{} is not deleted",
                before.name()
            )));
        }
        if let Some(parent_id) = before.fields.parent_id {
            let parent_deleted: Option<DateTime<Utc>> = agreements::table
                .find(parent_id)
                .select(agreements::delete_time)
                .first(conn)
                .await?;
            if parent_deleted.is_some() {
                return Err(CoreError::FailedPrecondition(format!(
                    "its parent {} is deleted; undelete the parent first",
                    crate::names::agreement_name(parent_id)
                )));
            }
        }
        diesel::update(agreements::table.find(id))
            .set((
                agreements::delete_time.eq(None::<DateTime<Utc>>),
                agreements::version.eq(agreements::version + 1),
                agreements::update_time.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        let after = load(conn, id, false).await?;
        record_change(conn, actor, "UndeleteAgreement", &before, &after).await?;
        Ok(after)
    })
    .await
}

/// How an agreement ends early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// A signed agreement ended before `effective_until` (pengakhiran).
    Terminate,
    /// An unsigned agreement abandoned (pembatalan).
    Cancel,
}

/// Terminates a signed agreement or cancels an unsigned one, as of `on`
/// (default today), with a written reason. Its open stages stay as they were.
pub async fn end(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    ending: Ending,
    on: Option<NaiveDate>,
    reason: &str,
) -> CoreResult<Agreement> {
    let today = calendar::today();
    let on = on.unwrap_or(today);
    let mut violations = Vec::new();
    let date_field = match ending {
        Ending::Terminate => "terminated_on",
        Ending::Cancel => "cancelled_on",
    };
    if on > today {
        violations.push(FieldViolation::says(
            date_field,
            &crate::wording::NOT_FUTURE,
            vec![today.to_string()],
        ));
    }
    if reason.trim().is_empty() {
        violations.push(FieldViolation::says(
            "reason",
            &crate::wording::REQUIRED_REASON,
            vec![],
        ));
    }
    if !violations.is_empty() {
        return Err(CoreError::InvalidArgument(violations));
    }
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let before = load(conn, id, true).await?;
        actor.check_write_agreement(&before.fields.region_code, &before.fields.unit_code)?;
        if before.delete_time.is_some() {
            return Err(CoreError::refused(
                &crate::wording::DELETED,
                vec![before.name()],
            ));
        }
        if let Some(ended) = before
            .lifecycle
            .terminated_on
            .or(before.lifecycle.cancelled_on)
        {
            return Err(CoreError::FailedPrecondition(format!(
                "{} already ended on {ended}",
                before.name()
            )));
        }
        let action = match (ending, before.fields.signed_on) {
            (Ending::Terminate, Some(signed)) if on >= signed => {
                diesel::update(agreements::table.find(id))
                    .set((
                        agreements::terminated_on.eq(on),
                        agreements::termination_reason.eq(reason.trim()),
                    ))
                    .execute(conn)
                    .await?;
                "TerminateAgreement"
            }
            (Ending::Terminate, Some(signed)) => {
                return Err(CoreError::FailedPrecondition(format!(
                    "{} was signed on {signed}; it cannot be terminated before that",
                    before.name()
                )));
            }
            (Ending::Terminate, None) => {
                return Err(CoreError::FailedPrecondition(format!(
                    "{} is not signed; cancel it instead of terminating it",
                    before.name()
                )));
            }
            (Ending::Cancel, None) => {
                diesel::update(agreements::table.find(id))
                    .set((
                        agreements::cancelled_on.eq(on),
                        agreements::cancellation_reason.eq(reason.trim()),
                    ))
                    .execute(conn)
                    .await?;
                "CancelAgreement"
            }
            (Ending::Cancel, Some(signed)) => {
                return Err(CoreError::FailedPrecondition(format!(
                    "{} was signed on {signed}; terminate it instead of cancelling it",
                    before.name()
                )));
            }
        };
        diesel::update(agreements::table.find(id))
            .set((
                agreements::version.eq(agreements::version + 1),
                agreements::update_time.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
        let after = load(conn, id, false).await?;
        record_change(conn, actor, action, &before, &after).await?;
        Ok(after)
    })
    .await
}

/// Sets (or, with `None`, clears to the default) the date from which the
/// agreement owes implementation reports: the bureau's own answer to "since
/// when do we expect reports" for a record that predates the register. ADMIN
/// only, with a written reason; the audit row keeps the old and new dates and
/// the reason.
pub async fn set_reports_owed_from(
    pool: &PgPool,
    actor: &Principal,
    id: Uuid,
    reports_owed_from: Option<NaiveDate>,
    reason: &str,
    etag: Option<&str>,
) -> CoreResult<Agreement> {
    if reason.trim().is_empty() {
        return Err(CoreError::says(
            "reason",
            &crate::wording::REQUIRED_REASON,
            vec![],
        ));
    }
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        set_reports_owed_from_in(conn, actor, id, reports_owed_from, reason, etag).await
    })
    .await
}

/// [`set_reports_owed_from`] inside the caller's transaction (an import).
pub async fn set_reports_owed_from_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    id: Uuid,
    reports_owed_from: Option<NaiveDate>,
    reason: &str,
    etag: Option<&str>,
) -> CoreResult<Agreement> {
    if reason.trim().is_empty() {
        return Err(CoreError::says(
            "reason",
            &crate::wording::REQUIRED_REASON,
            vec![],
        ));
    }
    let before = load(conn, id, true).await?;
    actor.check_admin(Some(&before.fields.region_code))?;
    check_etag(&before, etag)?;
    if before.delete_time.is_some() {
        return Err(CoreError::refused(
            &crate::wording::DELETED,
            vec![before.name()],
        ));
    }
    diesel::update(agreements::table.find(id))
        .set((
            agreements::reports_owed_from.eq(reports_owed_from),
            agreements::version.eq(agreements::version + 1),
            agreements::update_time.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    let after = load(conn, id, false).await?;
    audit::change(
        conn,
        actor,
        Some(after.fields.region_code.clone()),
        "SetReportsOwedFrom",
        after.name(),
        Some(serde_json::json!({
            "reports_owed_from": before.fields.reports_owed_from,
            "version": before.version,
        })),
        Some(serde_json::json!({
            "reports_owed_from": after.fields.reports_owed_from,
            "version": after.version,
            "reason": reason.trim(),
        })),
    )
    .await?;
    Ok(after)
}

/// ListAgreements filters; empty collections and `None` mean "any".
#[derive(Debug, Clone, Default, Serialize)]
pub struct AgreementFilter {
    pub cooperation_types: Vec<CooperationType>,
    pub states: Vec<AgreementState>,
    pub document_kind: Option<DocumentKind>,
    pub unit_code: Option<String>,
    pub sector: Option<String>,
    pub partner_country: Option<String>,
    pub region_code: Option<String>,
    pub parent_id: Option<Uuid>,
    pub signed_from: Option<NaiveDate>,
    pub signed_until: Option<NaiveDate>,
    pub ending_from: Option<NaiveDate>,
    pub ending_until: Option<NaiveDate>,
    /// Case-insensitive piece of the title, the document number or a
    /// party's name (`agreements.search_text`).
    pub query: Option<String>,
    pub show_deleted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SortKey {
    CreateTime,
    Title,
    SignedOn,
    EffectiveUntil,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Ordering {
    pub key: SortKey,
    pub descending: bool,
}

impl Ordering {
    /// Parses AIP-132 `order_by`: one field, optionally followed by `desc`.
    pub fn parse(text: &str) -> CoreResult<Self> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let invalid = || CoreError::says("order_by", &crate::wording::ORDER_BY_SHAPE, vec![]);
        let (field, descending) = match words.as_slice() {
            [] => {
                return Ok(Ordering {
                    key: SortKey::CreateTime,
                    descending: true,
                });
            }
            [field] => (*field, false),
            [field, dir] if dir.eq_ignore_ascii_case("desc") => (*field, true),
            [field, dir] if dir.eq_ignore_ascii_case("asc") => (*field, false),
            _ => return Err(invalid()),
        };
        let key = match field {
            "create_time" => SortKey::CreateTime,
            "title" => SortKey::Title,
            "signed_on" => SortKey::SignedOn,
            "effective_until" => SortKey::EffectiveUntil,
            _ => return Err(invalid()),
        };
        Ok(Ordering { key, descending })
    }
}

/// How a `query` filter is best run: by walking the list's order and trying
/// each row, or by finding the matches through the trigram indexes first.
enum QueryShape {
    Walk,
    Matches,
}

/// How many of the newest agreements [`query_shape`] samples (`LIKE` on 500
/// rows' search text costs about a millisecond).
const QUERY_SAMPLE: i64 = 500;
/// Matches in the sample from which walking is the cheaper way: at about
/// one agreement in 170, a page of 51 comes within ~9,000 rows of the walk,
/// while the matches of a million-agreement register already number ~6,000
/// (the two cost about the same there; BENCHMARKS.md).
const QUERY_WALK_FROM: i64 = 3;

/// Tells a common pattern from a rare one by trying it on the newest
/// agreements' search text (about a millisecond): either plan is ruinous
/// for the other kind, and the planner's own estimate of a `%piece%`
/// pattern does not tell them apart reliably (BENCHMARKS.md, "Title
/// search").
async fn query_shape(conn: &mut AsyncPgConnection, pattern: &str) -> CoreResult<QueryShape> {
    #[derive(QueryableByName)]
    struct Sampled {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        matches: i64,
    }
    let sampled: Sampled = diesel::sql_query(
        "SELECT count(*) AS matches FROM (SELECT 1 FROM (SELECT search_text \
         FROM agreements ORDER BY create_time DESC LIMIT $2) AS newest \
         WHERE search_text LIKE $1 LIMIT $3) AS enough",
    )
    .bind::<diesel::sql_types::Text, _>(pattern)
    .bind::<diesel::sql_types::BigInt, _>(QUERY_SAMPLE)
    .bind::<diesel::sql_types::BigInt, _>(QUERY_WALK_FROM)
    .get_result(conn)
    .await?;
    Ok(if sampled.matches >= QUERY_WALK_FROM {
        QueryShape::Walk
    } else {
        QueryShape::Matches
    })
}

fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Orders by `(key, id)` and, after a cursor, seeks past it (keyset pagination).
/// Orders by a plain column and the id, and seeks past the cursor with a
/// row comparison, `(key, id) < (value, id)`, which PostgreSQL uses as the
/// bound of an index on `(…, key, id)`: page 500 starts where it starts, it
/// does not read the 499 pages before it.
macro_rules! order_and_seek_column {
    ($query:expr, $key:expr, $key_sql:literal, $sql_type:ty, $after:expr, $descending:expr) => {{
        let mut query = $query;
        if let Some((value, id)) = $after {
            let op = if $descending { "<" } else { ">" };
            query = query.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                    "({}, agreements.id) {op} (",
                    $key_sql
                ))
                .bind::<$sql_type, _>(value)
                .sql(", ")
                .bind::<diesel::sql_types::Uuid, _>(id)
                .sql(")"),
            );
        }
        if $descending {
            query.order(($key.desc(), agreements::id.desc()))
        } else {
            query.order(($key.asc(), agreements::id.asc()))
        }
    }};
}

macro_rules! order_and_seek {
    ($query:expr, $key:expr, $after:expr, $descending:expr) => {{
        let mut query = $query;
        if let Some((value, id)) = $after {
            query = if $descending {
                query.filter(
                    $key.lt(value.clone())
                        .or($key.eq(value).and(agreements::id.lt(id))),
                )
            } else {
                query.filter(
                    $key.gt(value.clone())
                        .or($key.eq(value).and(agreements::id.gt(id))),
                )
            };
        }
        if $descending {
            query.order(($key.desc(), agreements::id.desc()))
        } else {
            query.order(($key.asc(), agreements::id.asc()))
        }
    }};
}

fn cursor_of(agreement: &Agreement, key: SortKey) -> Cursor {
    let date_key = |d: Option<NaiveDate>| d.unwrap_or_else(no_date).to_string();
    let key = match key {
        SortKey::CreateTime => agreement
            .create_time
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        SortKey::Title => agreement.fields.title.clone(),
        SortKey::SignedOn => date_key(agreement.fields.signed_on),
        SortKey::EffectiveUntil => date_key(agreement.fields.effective_until),
    };
    Cursor {
        key,
        id: agreement.id.to_string(),
    }
}

pub async fn list(
    pool: &PgPool,
    actor: &Principal,
    filter: AgreementFilter,
    ordering: Ordering,
    page_size: i32,
    page_token: &str,
) -> CoreResult<Page<Agreement>> {
    list_as_of(
        pool,
        actor,
        filter,
        ordering,
        page_size,
        page_token,
        calendar::today(),
    )
    .await
}

/// [`list`] with each state (and the `states` filter) as of `as_of`.
pub async fn list_as_of(
    pool: &PgPool,
    actor: &Principal,
    filter: AgreementFilter,
    ordering: Ordering,
    page_size: i32,
    page_token: &str,
    as_of: NaiveDate,
) -> CoreResult<Page<Agreement>> {
    let mut conn = pool.get().await?;
    let statement = list_statement(
        &mut conn, actor, filter, ordering, page_size, page_token, as_of,
    )
    .await?;
    let mut rows: Vec<(AgreementRow, String)> = statement
        .query
        .limit(statement.limit + 1)
        .load(&mut conn)
        .await?;
    let more = rows.len() as i64 > statement.limit;
    rows.truncate(statement.limit as usize);
    let items = assemble_all(&mut conn, rows).await?;
    let next_page_token = match items.last() {
        Some(last) if more => paging::encode(cursor_of(last, ordering.key), &statement.fingerprint),
        _ => String::new(),
    };
    Ok(Page {
        items,
        next_page_token,
    })
}

/// PostgreSQL's plan (`EXPLAIN`, text; with `analyze`, run once with its
/// actual times) for the statement [`list_as_of`] would send for the first
/// page: how a list shape is served (the tests hold every documented shape
/// to an index; `scripts/bench-lists` prints the plans at a million
/// agreements).
pub async fn explain_list(
    pool: &PgPool,
    actor: &Principal,
    filter: AgreementFilter,
    ordering: Ordering,
    as_of: NaiveDate,
    analyze: bool,
) -> CoreResult<String> {
    let mut conn = pool.get().await?;
    let statement = list_statement(&mut conn, actor, filter, ordering, 0, "", as_of).await?;
    let query = statement.query.limit(statement.limit + 1);
    let lines: Vec<String> = Explain { query, analyze }.load(&mut conn).await?;
    Ok(lines.join("\n"))
}

/// `EXPLAIN` in front of a query of ours.
struct Explain<Q> {
    query: Q,
    analyze: bool,
}

impl<Q: diesel::query_builder::QueryFragment<Pg>> diesel::query_builder::QueryFragment<Pg>
    for Explain<Q>
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, Pg>,
    ) -> QueryResult<()> {
        out.push_sql(if self.analyze {
            "EXPLAIN (ANALYZE, BUFFERS) "
        } else {
            "EXPLAIN "
        });
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q> diesel::query_builder::QueryId for Explain<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q> diesel::query_builder::Query for Explain<Q> {
    type SqlType = diesel::sql_types::Text;
}

type ListQuery = agreements::BoxedQuery<
    'static,
    Pg,
    (
        diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<AgreementRow, Pg>>,
        diesel::sql_types::Text,
    ),
>;

/// A list's statement, filtered, ordered and past its page token, without
/// its limit.
struct ListStatement {
    query: ListQuery,
    limit: i64,
    fingerprint: String,
}

async fn list_statement(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    mut filter: AgreementFilter,
    ordering: Ordering,
    page_size: i32,
    page_token: &str,
    as_of: NaiveDate,
) -> CoreResult<ListStatement> {
    let limit = paging::page_size(page_size)?;
    if let Some(own) = &actor.region_code {
        match &filter.region_code {
            Some(asked) => actor.check_read(asked)?,
            None => filter.region_code = Some(own.clone()),
        }
    }
    let fingerprint = paging::fingerprint(&(&filter, &ordering));
    let cursor = paging::decode(page_token, &fingerprint)?;
    let bad_token = || CoreError::says("page_token", &crate::wording::PAGE_TOKEN_FOREIGN, vec![]);
    let after_id = cursor
        .as_ref()
        .map(|c| Uuid::parse_str(&c.id).map_err(|_| bad_token()))
        .transpose()?;

    let state = state_as_of(as_of);
    let mut query = agreements::table
        .select((AgreementRow::as_select(), state))
        .into_boxed();
    if !filter.show_deleted {
        query = query.filter(agreements::delete_time.is_null());
    }
    if !filter.cooperation_types.is_empty() {
        let codes: Vec<&str> = filter.cooperation_types.iter().map(|t| t.code()).collect();
        query = query.filter(agreements::cooperation_type.eq_any(codes));
    }
    if !filter.states.is_empty() {
        query = query.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            &states_condition(&filter.states, as_of),
        ));
    }
    if let Some(kind) = filter.document_kind {
        query = query.filter(agreements::document_kind.eq(kind.code()));
    }
    if let Some(unit) = &filter.unit_code {
        query = query.filter(agreements::unit_code.eq(unit.clone()));
    }
    if let Some(sector) = &filter.sector {
        query = query.filter(agreements::sector.eq(sector.clone()));
    }
    if let Some(region) = &filter.region_code {
        query = query.filter(agreements::region_code.eq(region.clone()));
    }
    if let Some(parent) = filter.parent_id {
        query = query.filter(agreements::parent_id.eq(parent));
    }
    if let Some(country) = &filter.partner_country {
        query = query.filter(exists(
            agreement_parties::table
                .filter(agreement_parties::agreement_id.eq(agreements::id))
                .filter(agreement_parties::country_code.eq(country.clone())),
        ));
    }
    // Each date bound also bounds the date's sort key, which the list's
    // indexes hold (an unknown date sorts after every real one, and the
    // column's own bound keeps it out): an index scan starts and stops there.
    let signed_key = date_or(agreements::signed_on, no_date());
    let until_key = date_or(agreements::effective_until, no_date());
    if let Some(from) = filter.signed_from {
        query = query.filter(agreements::signed_on.ge(from).and(signed_key.ge(from)));
    }
    if let Some(until) = filter.signed_until {
        query = query.filter(agreements::signed_on.le(until).and(signed_key.le(until)));
    }
    if let Some(from) = filter.ending_from {
        query = query.filter(agreements::effective_until.ge(from).and(until_key.ge(from)));
    }
    if let Some(until) = filter.ending_until {
        query = query.filter(
            agreements::effective_until
                .le(until)
                .and(until_key.le(until)),
        );
    }
    if let Some(text) = filter.query.as_deref().filter(|q| !q.trim().is_empty()) {
        let pattern = like_pattern(&text.trim().to_lowercase());
        query = match query_shape(conn, &pattern).await? {
            // Common: the list's own order walked, each row tried (51
            // matches come within a few hundred rows).
            QueryShape::Walk => query.filter(agreements::search_text.like(pattern)),
            // Rare: the few matching ids found through the trigram index
            // (migration 000016) first, then ordered.
            QueryShape::Matches => query.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "agreements.id IN (SELECT matched.id FROM agreements AS matched \
                     WHERE matched.search_text LIKE ",
                )
                .bind::<diesel::sql_types::Text, _>(pattern)
                .sql(")"),
            ),
        };
    }

    let desc = ordering.descending;
    let query = match ordering.key {
        SortKey::CreateTime => {
            let after = match (&cursor, after_id) {
                (Some(c), Some(id)) => Some((
                    DateTime::parse_from_rfc3339(&c.key)
                        .map_err(|_| bad_token())?
                        .with_timezone(&Utc),
                    id,
                )),
                _ => None,
            };
            order_and_seek_column!(
                query,
                agreements::create_time,
                "agreements.create_time",
                diesel::sql_types::Timestamptz,
                after,
                desc
            )
        }
        SortKey::Title => {
            let after = cursor
                .as_ref()
                .zip(after_id)
                .map(|(c, id)| (c.key.clone(), id));
            order_and_seek_column!(
                query,
                agreements::title,
                "agreements.title",
                diesel::sql_types::Text,
                after,
                desc
            )
        }
        SortKey::SignedOn | SortKey::EffectiveUntil => {
            let after = match (&cursor, after_id) {
                (Some(c), Some(id)) => {
                    Some((calendar::parse_date(&c.key).ok_or_else(bad_token)?, id))
                }
                _ => None,
            };
            if ordering.key == SortKey::SignedOn {
                order_and_seek!(
                    query,
                    date_or(agreements::signed_on, no_date()),
                    after,
                    desc
                )
            } else {
                order_and_seek!(
                    query,
                    date_or(agreements::effective_until, no_date()),
                    after,
                    desc
                )
            }
        }
    };

    Ok(ListStatement {
        query,
        limit,
        fingerprint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ksdd() -> AgreementFields {
        AgreementFields {
            region_code: "36".into(),
            title: "Pengelolaan sampah regional".into(),
            cooperation_type: CooperationType::Ksdd,
            document_kind: DocumentKind::Ksb,
            parent_id: None,
            unit_code: "DLH".into(),
            sector: "ENVIRONMENT".into(),
            ksdd_basis: Some(KsddBasis::Mandatory),
            parties: vec![Party {
                name: "Pemerintah Kota Tangerang".into(),
                kind: PartyKind::CityGovernment,
                region_code: Some("36.71".into()),
                country_code: None,
                document_number: "119/01-KS/2026".into(),
            }],
            document_number: "120/05/KSB/2026".into(),
            objective: String::new(),
            signed_on: NaiveDate::from_ymd_opt(2026, 3, 1),
            effective_from: NaiveDate::from_ymd_opt(2026, 3, 1),
            effective_until: NaiveDate::from_ymd_opt(2031, 2, 28),
            dprd_approval_required: false,
            budget_idr: Some(1_500_000_000),
            reporting_cycle: ReportingCycle::Quarterly,
            public_in_full: false,
            reports_owed_from: None,
        }
    }

    fn fields_of(violations: Vec<FieldViolation>) -> Vec<String> {
        violations.into_iter().map(|v| v.field).collect()
    }

    const TODAY: NaiveDate = match NaiveDate::from_ymd_opt(2026, 11, 25) {
        Some(d) => d,
        None => NaiveDate::MIN,
    };

    #[test]
    fn a_complete_ksdd_is_valid() {
        assert!(validate(&ksdd(), TODAY).is_empty());
    }

    #[test]
    fn foreign_partner_of_a_ksdd_is_named() {
        let mut f = ksdd();
        f.parties[0].country_code = Some("JP".into());
        assert_eq!(fields_of(validate(&f, TODAY)), ["parties[0].country_code"]);
    }

    #[test]
    fn ksdpl_partner_must_be_a_foreign_regional_government() {
        let mut f = ksdd();
        f.cooperation_type = CooperationType::Ksdpl;
        f.ksdd_basis = None;
        f.parties[0] = Party {
            name: "Kyoto University".into(),
            kind: PartyKind::ForeignInstitution,
            region_code: None,
            country_code: Some("JP".into()),
            document_number: String::new(),
        };
        assert_eq!(fields_of(validate(&f, TODAY)), ["parties[0].kind"]);
    }

    #[test]
    fn dates_are_checked_across_fields() {
        let mut f = ksdd();
        f.effective_until = NaiveDate::from_ymd_opt(2025, 1, 1);
        f.signed_on = NaiveDate::from_ymd_opt(2026, 12, 1);
        assert_eq!(
            fields_of(validate(&f, TODAY)),
            ["signed_on", "effective_until"]
        );
    }

    #[test]
    fn region_codes() {
        assert!(is_region_code("36"));
        assert!(is_region_code("36.71"));
        assert!(is_region_code("36.03.01.2001"));
        assert!(!is_region_code("3"));
        assert!(!is_region_code("36."));
        assert!(!is_region_code("36.7a"));
        assert!(!is_region_code(""));
    }

    #[test]
    fn order_by_parses() {
        assert_eq!(
            Ordering::parse("title desc").unwrap(),
            Ordering {
                key: SortKey::Title,
                descending: true
            }
        );
        assert!(Ordering::parse("budget").is_err());
        assert_eq!(Ordering::parse("").unwrap().key, SortKey::CreateTime);
    }
}
