//! Evaluation meetings (rapat evaluasi kerja sama daerah): the bureau's
//! periodic review, its findings (each may name an agreement) and the
//! recommendations that follow, each with a responsible unit, a due date and a
//! status whose every change is kept with its business date, so that "open as
//! of a date" can be answered for any past date.
//!
//! A recommendation is closed (DONE or DROPPED) only while OPEN, and reopened
//! only while closed. A status change locks the recommendation's row, so
//! concurrent changes run one after the other and each is judged against the
//! status the previous one left: of many calls closing one recommendation at
//! once, exactly one succeeds and the rest fail with FAILED_PRECONDITION.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use crate::access::Principal;
use crate::audit;
use crate::calendar;
use crate::codes::{RecommendationStatus, Role};
use crate::error::{CoreError, CoreResult, FieldViolation};
use crate::pool::PgPool;
use crate::schema::{
    agreements as agreements_table, evaluation_meetings, meeting_findings,
    recommendation_status_changes, recommendations, units,
};

#[derive(Debug, Clone, Serialize)]
pub struct NewRecommendation {
    pub description: String,
    pub responsible_unit: String,
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewFinding {
    pub agreement_id: Option<Uuid>,
    pub description: String,
    pub recommendations: Vec<NewRecommendation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewMeeting {
    pub region_code: String,
    pub held_on: Option<NaiveDate>,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub title: String,
    pub participant_units: Vec<String>,
    pub notes: String,
    pub findings: Vec<NewFinding>,
}

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct StatusChange {
    pub status: String,
    pub changed_on: NaiveDate,
    pub reason: Option<String>,
    pub actor: String,
    pub create_time: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub finding_id: Uuid,
    pub description: String,
    pub responsible_unit: String,
    pub due_on: NaiveDate,
    pub status: RecommendationStatus,
    pub history: Vec<StatusChange>,
    pub version: i64,
}

impl Recommendation {
    pub fn name(&self) -> String {
        format!(
            "evaluationMeetings/{}/recommendations/{}",
            self.meeting_id, self.id
        )
    }

    pub fn etag(&self) -> String {
        crate::etag::of(self.version)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub agreement_id: Option<Uuid>,
    pub description: String,
    pub position: i16,
    pub recommendations: Vec<Recommendation>,
}

impl Finding {
    pub fn name(&self) -> String {
        format!(
            "evaluationMeetings/{}/findings/{}",
            self.meeting_id, self.id
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Meeting {
    pub id: Uuid,
    pub region_code: String,
    pub held_on: NaiveDate,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub title: String,
    pub participant_units: Vec<String>,
    pub notes: String,
    pub findings: Vec<Finding>,
    pub create_time: DateTime<Utc>,
}

impl Meeting {
    pub fn name(&self) -> String {
        format!("evaluationMeetings/{}", self.id)
    }
}

pub fn parse_name(name: &str) -> Option<Uuid> {
    name.strip_prefix("evaluationMeetings/")
        .and_then(crate::names::parse_id)
}

/// Parses `evaluationMeetings/{m}/recommendations/{r}`.
pub fn parse_recommendation_name(name: &str) -> Option<(Uuid, Uuid)> {
    let (meeting, recommendation) = name.split_once("/recommendations/")?;
    Some((
        parse_name(meeting)?,
        crate::names::parse_id(recommendation)?,
    ))
}

/// Checks a finding and its recommendations; `at` prefixes the field paths.
async fn check_finding(
    conn: &mut AsyncPgConnection,
    region_code: &str,
    finding: &NewFinding,
    at: &str,
    v: &mut Vec<FieldViolation>,
) -> CoreResult<()> {
    if finding.description.trim().is_empty() {
        v.push(FieldViolation::says(
            format!("{at}description"),
            &crate::wording::REQUIRED,
            vec![],
        ));
    }
    if let Some(agreement) = finding.agreement_id {
        let region: Option<(String, Option<DateTime<Utc>>)> = agreements_table::table
            .find(agreement)
            .select((agreements_table::region_code, agreements_table::delete_time))
            .first(conn)
            .await
            .optional()?;
        match region {
            Some((r, None)) if r == region_code => {}
            Some((r, None)) => v.push(FieldViolation::says(
                format!("{at}agreement"),
                &crate::wording::BELONGS_TO_REGION,
                vec![
                    crate::names::agreement_name(agreement).to_string(),
                    r.to_string(),
                ],
            )),
            _ => v.push(FieldViolation::says(
                format!("{at}agreement"),
                &crate::wording::DOES_NOT_EXIST,
                vec![crate::names::agreement_name(agreement).to_string()],
            )),
        }
    }
    for (j, r) in finding.recommendations.iter().enumerate() {
        let at = format!("{at}recommendations[{j}].");
        if r.description.trim().is_empty() {
            v.push(FieldViolation::says(
                format!("{at}description"),
                &crate::wording::REQUIRED,
                vec![],
            ));
        }
        if r.due_on.is_none() {
            v.push(FieldViolation::says(
                format!("{at}due_on"),
                &crate::wording::REQUIRED_DATE,
                vec![],
            ));
        }
        let unit_region: Option<String> = units::table
            .find(&r.responsible_unit)
            .select(units::region_code)
            .first(conn)
            .await
            .optional()?;
        if unit_region.as_deref() != Some(region_code) {
            v.push(FieldViolation::says(
                format!("{at}responsible_unit"),
                &crate::wording::NOT_A_UNIT_OF_REGION,
                vec![
                    format!("units/{}", r.responsible_unit),
                    region_code.to_string(),
                ],
            ));
        }
    }
    Ok(())
}

async fn insert_finding(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    meeting_id: Uuid,
    region_code: &str,
    held_on: NaiveDate,
    position: i16,
    finding: &NewFinding,
) -> CoreResult<()> {
    let finding_id = Uuid::now_v7();
    diesel::insert_into(meeting_findings::table)
        .values((
            meeting_findings::id.eq(finding_id),
            meeting_findings::meeting_id.eq(meeting_id),
            meeting_findings::region_code.eq(region_code),
            meeting_findings::agreement_id.eq(finding.agreement_id),
            meeting_findings::description.eq(finding.description.trim()),
            meeting_findings::position.eq(position),
        ))
        .execute(conn)
        .await?;
    for r in &finding.recommendations {
        let id = Uuid::now_v7();
        diesel::insert_into(recommendations::table)
            .values((
                recommendations::id.eq(id),
                recommendations::finding_id.eq(finding_id),
                recommendations::meeting_id.eq(meeting_id),
                recommendations::region_code.eq(region_code),
                recommendations::description.eq(r.description.trim()),
                recommendations::responsible_unit.eq(&r.responsible_unit),
                recommendations::due_on.eq(r.due_on.unwrap_or(held_on)),
            ))
            .execute(conn)
            .await?;
        // A recommendation is open from the meeting day.
        diesel::insert_into(recommendation_status_changes::table)
            .values((
                recommendation_status_changes::recommendation_id.eq(id),
                recommendation_status_changes::region_code.eq(region_code),
                recommendation_status_changes::status.eq(RecommendationStatus::Open.code()),
                recommendation_status_changes::changed_on.eq(held_on),
                recommendation_status_changes::actor.eq(&actor.name),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Records a meeting with its findings and recommendations (the bureau: ADMIN).
pub async fn create(pool: &PgPool, actor: &Principal, new: NewMeeting) -> CoreResult<Meeting> {
    actor.check_admin(Some(&new.region_code))?;
    let today = calendar::today();
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let mut v = Vec::new();
        let region_ok = crate::names::is_region_code(&new.region_code);
        if new.region_code.is_empty() {
            v.push(FieldViolation::says(
                "region_code",
                &crate::wording::REQUIRED_MEETING_REGION,
                vec![],
            ));
        } else if !region_ok {
            v.push(FieldViolation::says(
                "region_code",
                &crate::wording::PROVINCE_OR_REGION_CODE_SHAPE,
                vec![],
            ));
        }
        let title = new.title.trim().chars().count();
        if title == 0 || new.title.chars().count() > 300 {
            v.push(FieldViolation::says(
                "title",
                &crate::wording::CHARACTERS_BETWEEN,
                vec!["1".to_string(), "300".to_string()],
            ));
        }
        match new.held_on {
            None => v.push(FieldViolation::says(
                "held_on",
                &crate::wording::REQUIRED_DATE,
                vec![],
            )),
            Some(d) if d > today => v.push(FieldViolation::says(
                "held_on",
                &crate::wording::NOT_FUTURE,
                vec![today.to_string()],
            )),
            Some(_) => {}
        }
        match (new.period_start, new.period_end) {
            (Some(s), Some(e)) if e < s => v.push(FieldViolation::says(
                "period_end",
                &crate::wording::NOT_BEFORE_PERIOD_START,
                vec![],
            )),
            (Some(_), Some(_)) => {}
            (start, end) => {
                for (field, missing) in [
                    ("period_start", start.is_none()),
                    ("period_end", end.is_none()),
                ] {
                    if missing {
                        v.push(FieldViolation::says(
                            field,
                            &crate::wording::REQUIRED_PERIOD,
                            vec![],
                        ));
                    }
                }
            }
        }
        // Units and agreements are checked against the region, once it is known.
        let participants = if region_ok {
            new.participant_units.as_slice()
        } else {
            &[]
        };
        for (i, unit) in participants.iter().enumerate() {
            let region: Option<String> = units::table
                .find(unit)
                .select(units::region_code)
                .first(conn)
                .await
                .optional()?;
            if region.as_deref() != Some(new.region_code.as_str()) {
                v.push(FieldViolation::says(
                    format!("participant_units[{i}]"),
                    &crate::wording::NOT_A_UNIT_OF_REGION,
                    vec![format!("units/{unit}"), new.region_code.to_string()],
                ));
            }
        }
        for (i, finding) in new.findings.iter().enumerate() {
            check_finding(
                conn,
                &new.region_code,
                finding,
                &format!("findings[{i}]."),
                &mut v,
            )
            .await?;
        }
        if !v.is_empty() {
            return Err(CoreError::InvalidArgument(v));
        }
        let (Some(held_on), Some(period_start), Some(period_end)) =
            (new.held_on, new.period_start, new.period_end)
        else {
            return Err(CoreError::Internal(
                "meeting dates missing without a violation".into(),
            ));
        };
        let id = Uuid::now_v7();
        diesel::insert_into(evaluation_meetings::table)
            .values((
                evaluation_meetings::id.eq(id),
                evaluation_meetings::region_code.eq(&new.region_code),
                evaluation_meetings::held_on.eq(held_on),
                evaluation_meetings::period_start.eq(period_start),
                evaluation_meetings::period_end.eq(period_end),
                evaluation_meetings::title.eq(new.title.trim()),
                evaluation_meetings::participant_units.eq(&new.participant_units),
                evaluation_meetings::notes.eq(new.notes.trim()),
            ))
            .execute(conn)
            .await?;
        for (i, finding) in new.findings.iter().enumerate() {
            insert_finding(
                conn,
                actor,
                id,
                &new.region_code,
                held_on,
                i as i16,
                finding,
            )
            .await?;
        }
        let meeting = load(conn, id).await?;
        audit::change(
            conn,
            actor,
            Some(new.region_code.clone()),
            "CreateEvaluationMeeting",
            meeting.name(),
            None,
            audit::json(&meeting),
        )
        .await?;
        Ok(meeting)
    })
    .await
}

/// Adds a finding (with its recommendations) to a meeting.
pub async fn add_finding(
    pool: &PgPool,
    actor: &Principal,
    meeting_id: Uuid,
    finding: NewFinding,
) -> CoreResult<Finding> {
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        let meeting = load(conn, meeting_id).await?;
        actor.check_admin(Some(&meeting.region_code))?;
        let mut v = Vec::new();
        check_finding(conn, &meeting.region_code, &finding, "finding.", &mut v).await?;
        if !v.is_empty() {
            return Err(CoreError::InvalidArgument(v));
        }
        let position = meeting.findings.len() as i16;
        insert_finding(
            conn,
            actor,
            meeting_id,
            &meeting.region_code,
            meeting.held_on,
            position,
            &finding,
        )
        .await?;
        let after = load(conn, meeting_id).await?;
        let added = after
            .findings
            .into_iter()
            .find(|f| f.position == position)
            .ok_or_else(|| CoreError::Internal("added finding vanished".into()))?;
        audit::change(
            conn,
            actor,
            Some(meeting.region_code.clone()),
            "CreateFinding",
            added.name(),
            None,
            audit::json(&added),
        )
        .await?;
        Ok(added)
    })
    .await
}

type MeetingRow = (
    Uuid,
    String,
    NaiveDate,
    NaiveDate,
    NaiveDate,
    String,
    Vec<String>,
    String,
    DateTime<Utc>,
);
type FindingRow = (Uuid, Option<Uuid>, String, i16);
type RecommendationRow = (Uuid, Uuid, String, String, NaiveDate, String, i64);

async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> CoreResult<Meeting> {
    let row: MeetingRow = evaluation_meetings::table
        .find(id)
        .filter(evaluation_meetings::delete_time.is_null())
        .select((
            evaluation_meetings::id,
            evaluation_meetings::region_code,
            evaluation_meetings::held_on,
            evaluation_meetings::period_start,
            evaluation_meetings::period_end,
            evaluation_meetings::title,
            evaluation_meetings::participant_units,
            evaluation_meetings::notes,
            evaluation_meetings::create_time,
        ))
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| CoreError::not_found(format!("evaluationMeetings/{id}")))?;
    let findings: Vec<FindingRow> = meeting_findings::table
        .filter(meeting_findings::meeting_id.eq(id))
        .order(meeting_findings::position)
        .select((
            meeting_findings::id,
            meeting_findings::agreement_id,
            meeting_findings::description,
            meeting_findings::position,
        ))
        .load(conn)
        .await?;
    let recs: Vec<RecommendationRow> = recommendations::table
        .filter(recommendations::meeting_id.eq(id))
        .order(recommendations::id)
        .select((
            recommendations::id,
            recommendations::finding_id,
            recommendations::description,
            recommendations::responsible_unit,
            recommendations::due_on,
            recommendations::status,
            recommendations::version,
        ))
        .load(conn)
        .await?;
    let rec_ids: Vec<Uuid> = recs.iter().map(|r| r.0).collect();
    let changes: Vec<(Uuid, StatusChange)> = recommendation_status_changes::table
        .filter(recommendation_status_changes::recommendation_id.eq_any(&rec_ids))
        .order((
            recommendation_status_changes::changed_on,
            recommendation_status_changes::id,
        ))
        .select((
            recommendation_status_changes::recommendation_id,
            (
                recommendation_status_changes::status,
                recommendation_status_changes::changed_on,
                recommendation_status_changes::reason,
                recommendation_status_changes::actor,
                recommendation_status_changes::create_time,
            ),
        ))
        .load(conn)
        .await?;
    let recommendations_of = |finding: Uuid| -> CoreResult<Vec<Recommendation>> {
        recs.iter()
            .filter(|r| r.1 == finding)
            .map(|(rid, fid, description, unit, due_on, status, version)| {
                Ok(Recommendation {
                    id: *rid,
                    meeting_id: id,
                    finding_id: *fid,
                    description: description.clone(),
                    responsible_unit: unit.clone(),
                    due_on: *due_on,
                    status: RecommendationStatus::from_code(status).ok_or_else(|| {
                        CoreError::Internal(format!("recommendation status {status}"))
                    })?,
                    history: changes
                        .iter()
                        .filter(|(r, _)| r == rid)
                        .map(|(_, c)| c.clone())
                        .collect(),
                    version: *version,
                })
            })
            .collect()
    };
    let mut out = Vec::new();
    for (fid, agreement_id, description, position) in findings {
        out.push(Finding {
            id: fid,
            meeting_id: id,
            agreement_id,
            description,
            position,
            recommendations: recommendations_of(fid)?,
        });
    }
    let (
        id,
        region_code,
        held_on,
        period_start,
        period_end,
        title,
        participant_units,
        notes,
        create_time,
    ) = row;
    Ok(Meeting {
        id,
        region_code,
        held_on,
        period_start,
        period_end,
        title,
        participant_units,
        notes,
        findings: out,
        create_time,
    })
}

pub async fn get(pool: &PgPool, actor: &Principal, id: Uuid) -> CoreResult<Meeting> {
    let mut conn = pool.get().await?;
    let meeting = load(&mut conn, id).await?;
    actor.check_read(&meeting.region_code)?;
    Ok(meeting)
}

/// Meetings the caller may see, most recent first (a few a year per region).
pub async fn list(
    pool: &PgPool,
    actor: &Principal,
    region_code: Option<String>,
) -> CoreResult<Vec<Meeting>> {
    let region = match (&actor.region_code, region_code) {
        (_, Some(asked)) => {
            actor.check_read(&asked)?;
            Some(asked)
        }
        (Some(own), None) => Some(own.clone()),
        (None, None) => None,
    };
    let mut conn = pool.get().await?;
    let mut query = evaluation_meetings::table
        .filter(evaluation_meetings::delete_time.is_null())
        .select(evaluation_meetings::id)
        .order((
            evaluation_meetings::held_on.desc(),
            evaluation_meetings::id.desc(),
        ))
        .into_boxed();
    if let Some(region) = region {
        query = query.filter(evaluation_meetings::region_code.eq(region));
    }
    let ids: Vec<Uuid> = query.load(&mut conn).await?;
    let mut meetings = Vec::with_capacity(ids.len());
    for id in ids {
        meetings.push(load(&mut conn, id).await?);
    }
    Ok(meetings)
}

/// Moves a recommendation to `status` as of `on` (default today): DONE or
/// DROPPED from OPEN, OPEN (reopened) from either. Dropping needs a reason. The
/// bureau, or an officer of the responsible unit, may do it.
pub async fn set_recommendation_status(
    pool: &PgPool,
    actor: &Principal,
    (meeting_id, id): (Uuid, Uuid),
    status: RecommendationStatus,
    on: Option<NaiveDate>,
    reason: Option<String>,
) -> CoreResult<Recommendation> {
    let today = calendar::today();
    let on = on.unwrap_or(today);
    let not_found = || {
        CoreError::not_found(format!(
            "evaluationMeetings/{meeting_id}/recommendations/{id}"
        ))
    };
    let mut conn = pool.get().await?;
    conn.transaction(async |conn| {
        // Held until commit: a concurrent change waits here, then reads the
        // status and history this one leaves.
        recommendations::table
            .find(id)
            .filter(recommendations::meeting_id.eq(meeting_id))
            .select(recommendations::id)
            .for_update()
            .first::<Uuid>(conn)
            .await
            .optional()?
            .ok_or_else(not_found)?;
        let meeting = load(conn, meeting_id).await?;
        let before = meeting
            .findings
            .iter()
            .flat_map(|f| f.recommendations.iter())
            .find(|r| r.id == id)
            .cloned()
            .ok_or_else(not_found)?;
        actor.check_read(&meeting.region_code)?;
        let allowed = match actor.role {
            Role::Admin => true,
            Role::UnitOfficer => {
                actor.unit_code.as_deref() == Some(before.responsible_unit.as_str())
            }
            Role::Analyst => false,
        };
        if !allowed {
            return Err(CoreError::PermissionDenied(format!(
                "only the bureau or an officer of units/{} may change this recommendation",
                before.responsible_unit
            )));
        }
        let mut v = Vec::new();
        if on > today {
            v.push(FieldViolation::says(
                "changed_on",
                &crate::wording::NOT_FUTURE,
                vec![today.to_string()],
            ));
        }
        if on < meeting.held_on {
            v.push(FieldViolation::says(
                "changed_on",
                &crate::wording::NOT_BEFORE_MEETING,
                vec![meeting.held_on.to_string()],
            ));
        }
        if let Some(last) = before.history.last().filter(|c| on < c.changed_on) {
            v.push(FieldViolation::says(
                "changed_on",
                &crate::wording::NOT_BEFORE_LAST_STATUS_CHANGE,
                vec![last.changed_on.to_string()],
            ));
        }
        let reason = reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        if status == RecommendationStatus::Dropped && reason.is_none() {
            v.push(FieldViolation::says(
                "reason",
                &crate::wording::REQUIRED_DROP_REASON,
                vec![],
            ));
        }
        if !v.is_empty() {
            return Err(CoreError::InvalidArgument(v));
        }
        let open = RecommendationStatus::Open;
        if status == before.status {
            return Err(CoreError::FailedPrecondition(format!(
                "{} is already {status}",
                before.name()
            )));
        }
        if status != open && before.status != open {
            return Err(CoreError::FailedPrecondition(format!(
                "{} is {}; reopen it (OPEN) before marking it {status}",
                before.name(),
                before.status
            )));
        }
        diesel::insert_into(recommendation_status_changes::table)
            .values((
                recommendation_status_changes::recommendation_id.eq(id),
                recommendation_status_changes::region_code.eq(&meeting.region_code),
                recommendation_status_changes::status.eq(status.code()),
                recommendation_status_changes::changed_on.eq(on),
                recommendation_status_changes::reason.eq(&reason),
                recommendation_status_changes::actor.eq(&actor.name),
            ))
            .execute(conn)
            .await?;
        diesel::update(recommendations::table.find(id))
            .set((
                recommendations::status.eq(status.code()),
                recommendations::version.eq(recommendations::version + 1),
            ))
            .execute(conn)
            .await?;
        let after = load(conn, meeting_id)
            .await?
            .findings
            .into_iter()
            .flat_map(|f| f.recommendations)
            .find(|r| r.id == id)
            .ok_or_else(|| CoreError::Internal("recommendation vanished".into()))?;
        audit::change(
            conn,
            actor,
            Some(meeting.region_code.clone()),
            "UpdateRecommendationStatus",
            after.name(),
            audit::json(&before),
            audit::json(&after),
        )
        .await?;
        Ok(after)
    })
    .await
}
