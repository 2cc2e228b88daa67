//! Records that predate the system (docs/domain.md, "Records that predate the
//! system"): what a bureau's own file says of an imported agreement's stages,
//! applied through the stage use cases, and the `history_from` assumption.
//!
//! - A stage the file gives a date for is settled on that date: DONE, or
//!   SKIPPED when the file gives a reason. A stage that has not started yet
//!   becomes current first, on the day the stage before it was settled (the
//!   first stage of a record: on its own date, since the file does not say
//!   when the work began). Due dates follow as for any record, so a stage
//!   done after its due date counts as completed late.
//! - A stage the file says nothing of stays open and is overdue once past its
//!   due date, exactly as for a record entered today.
//! - With `history_from`, an open stage whose due date is before it is
//!   recorded DONE on its due date, noted as assumed, and marked with the
//!   import run's name; the next stage then becomes current that day, and the
//!   rule applies to it in turn.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::access::Principal;
use crate::codes::StageStatus;
use crate::error::{CoreError, CoreResult};
use crate::schema::agreement_stages;
use crate::stages::{self, Stage, StageAction};
use crate::wording;

/// What a bureau's file says of one stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageEvent {
    pub code: String,
    /// The day the stage was done (or skipped).
    pub on: NaiveDate,
    /// Set: the stage was skipped, for this reason.
    pub skip_reason: Option<String>,
}

/// What applying one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// The stage is now settled as the file says.
    Applied,
    /// The register already says the same (a re-import), or the stage was
    /// recorded done when the agreement was registered as signed.
    AlreadyRecorded,
    /// The register says otherwise; nothing was changed. The text says what
    /// is stored (Indonesian, English).
    Conflict(String, String),
}

/// The note on a stage the bureau's file settled.
pub fn event_note(run: &str) -> String {
    format!("dari register lama / from the bureau's earlier register ({run})")
}

/// The note on a stage assumed done.
pub fn assumption_note(run: &str) -> String {
    format!(
        "dianggap selesai sebelum register disimpan / assumed done before the register was kept ({run})"
    )
}

/// Applies one event to one agreement inside the caller's transaction.
pub async fn apply_event_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    agreement_id: Uuid,
    event: &StageEvent,
    note: &str,
) -> CoreResult<EventOutcome> {
    let stages = stages::load_stages(conn, agreement_id).await?;
    let Some(index) = stages.iter().position(|s| s.code == event.code) else {
        let codes: Vec<&str> = stages.iter().map(|s| s.code.as_str()).collect();
        return Err(CoreError::says(
            "stage",
            &wording::NOT_A_STAGE_OF_RECORD,
            vec![event.code.clone(), codes.join(", ")],
        ));
    };
    let stage = &stages[index];
    match stage.status {
        StageStatus::Done | StageStatus::Skipped => return Ok(compare(stage, event)),
        StageStatus::NotApplicable => {
            return Err(CoreError::says(
                "stage",
                &wording::STAGE_NOT_APPLICABLE,
                vec![event.code.clone()],
            ));
        }
        StageStatus::Pending | StageStatus::InProgress => {}
    }
    if event.skip_reason.is_some() && !stage.skippable {
        return Err(CoreError::says(
            "reason",
            &wording::STAGE_CANNOT_BE_SKIPPED,
            vec![event.code.clone()],
        ));
    }
    if let Some(open) = stages[..index].iter().find(|s| !s.status.is_settled()) {
        return Err(CoreError::says(
            "stage",
            &wording::EARLIER_STAGE_OPEN,
            vec![
                event.code.clone(),
                open.code.clone(),
                open.status.to_string(),
            ],
        ));
    }
    let previous = stages[..index].iter().filter_map(|s| s.completed_on).max();
    let floor = stage.started_on.or(previous);
    if let Some(floor) = floor.filter(|f| event.on < *f) {
        return Err(CoreError::says(
            "completed_on",
            &wording::NOT_BEFORE_STAGE_BECAME_CURRENT,
            vec![floor.to_string()],
        ));
    }
    if stage.status == StageStatus::Pending {
        let start = previous.unwrap_or(event.on);
        let action = StageAction::Start {
            on: Some(start),
            notes: None,
        };
        stages::act_in(conn, actor, agreement_id, &event.code, &action).await?;
    }
    let action = match &event.skip_reason {
        Some(reason) => StageAction::Skip {
            on: Some(event.on),
            reason: reason.clone(),
        },
        None => StageAction::Complete {
            on: Some(event.on),
            notes: Some(note.to_string()),
            evidence_document_id: None,
        },
    };
    stages::act_in(conn, actor, agreement_id, &event.code, &action).await?;
    Ok(EventOutcome::Applied)
}

fn compare(stage: &Stage, event: &StageEvent) -> EventOutcome {
    let same = match (&event.skip_reason, stage.status) {
        (None, StageStatus::Done) => {
            stage.completed_on == Some(event.on)
                // Registered as signed: the stages through signing were
                // recorded done on the signing date; an earlier date from
                // the file agrees with that.
                || (stage.backfilled && stage.completed_on.is_some_and(|d| event.on <= d))
        }
        (Some(reason), StageStatus::Skipped) => {
            stage.completed_on == Some(event.on)
                && stage.skip_reason.as_deref().map(str::trim) == Some(reason.trim())
        }
        _ => false,
    };
    if same {
        return EventOutcome::AlreadyRecorded;
    }
    let on = stage
        .completed_on
        .map(|d| d.to_string())
        .unwrap_or_default();
    EventOutcome::Conflict(
        format!(
            "Tahapan {} sudah tercatat {} pada {on} di register; tidak diubah melalui impor.",
            stage.code, stage.status
        ),
        format!(
            "Stage {} is already recorded {} on {on} in the register; import does not change it.",
            stage.code, stage.status
        ),
    )
}

/// One stage assumed done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumption {
    pub code: String,
    /// Its due date, the day it is recorded done.
    pub on: NaiveDate,
}

/// Applies `history_from` to one agreement: every open stage due before it,
/// in turn, is recorded DONE on its due date and marked with `run`. A deleted,
/// terminated or cancelled agreement is left as it is.
pub async fn assume_in(
    conn: &mut AsyncPgConnection,
    actor: &Principal,
    agreement_id: Uuid,
    history_from: NaiveDate,
    run: &str,
) -> CoreResult<Vec<Assumption>> {
    let agreement = crate::agreement_record::load(conn, agreement_id, false).await?;
    if agreement.delete_time.is_some()
        || agreement.lifecycle.terminated_on.is_some()
        || agreement.lifecycle.cancelled_on.is_some()
    {
        return Ok(Vec::new());
    }
    let mut assumed = Vec::new();
    // Each pass settles one stage; a record has at most a dozen.
    for _ in 0..64 {
        let stages = stages::load_stages(conn, agreement_id).await?;
        let Some(open) = stages.iter().find(|s| s.status == StageStatus::InProgress) else {
            break;
        };
        let Some(due) = open.due_on.filter(|d| *d < history_from) else {
            break;
        };
        let action = StageAction::Complete {
            on: Some(due),
            notes: Some(assumption_note(run)),
            evidence_document_id: None,
        };
        let code = open.code.clone();
        stages::act_in(conn, actor, agreement_id, &code, &action).await?;
        diesel::update(
            agreement_stages::table
                .filter(agreement_stages::agreement_id.eq(agreement_id))
                .filter(agreement_stages::code.eq(&code)),
        )
        .set(agreement_stages::assumed_by.eq(run))
        .execute(conn)
        .await?;
        assumed.push(Assumption { code, on: due });
    }
    Ok(assumed)
}
