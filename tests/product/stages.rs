//! StageService and StageTemplateService: procedure stages with due dates.

use kerjasama_core::codes::Role;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use prost_types::FieldMask;
use tonic::Code;

use crate::fixtures::{create, create_unit, ksdd_ksb, ksdpk_pks};

/// A KSDD KSB not signed yet: PERSIAPAN … PELAPORAN, all pending.
async fn unsigned_ksb(server: &TestServer) -> pb::Agreement {
    create_unit(server, "DLHK").await;
    let mut ksb = ksdd_ksb("DLHK", "KSB dalam proses");
    ksb.signed_on.clear();
    ksb.effective_from.clear();
    ksb.effective_until.clear();
    create(server, ksb).await
}

async fn stages(server: &TestServer, agreement: &str) -> Vec<pb::Stage> {
    server
        .stages()
        .list_stages(authed(
            &server.admin,
            pb::ListStagesRequest {
                parent: agreement.into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .stages
}

fn summary(stages: &[pb::Stage]) -> Vec<(String, i32, String, String)> {
    stages
        .iter()
        .map(|s| {
            (
                s.code.clone(),
                s.status,
                s.started_on.clone(),
                s.completed_on.clone(),
            )
        })
        .collect()
}

fn stage_name(agreement: &pb::Agreement, code: &str) -> String {
    format!("{}/stages/{code}", agreement.name)
}

async fn start(
    server: &TestServer,
    agreement: &pb::Agreement,
    code: &str,
    on: &str,
) -> Result<pb::Stage, tonic::Status> {
    server
        .stages()
        .start_stage(authed(
            &server.admin,
            pb::StartStageRequest {
                name: stage_name(agreement, code),
                started_on: on.into(),
                notes: String::new(),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

async fn complete(
    server: &TestServer,
    agreement: &pb::Agreement,
    code: &str,
    on: &str,
) -> Result<pb::Stage, tonic::Status> {
    server
        .stages()
        .complete_stage(authed(
            &server.admin,
            pb::CompleteStageRequest {
                name: stage_name(agreement, code),
                completed_on: on.into(),
                ..Default::default()
            },
        ))
        .await
        .map(|r| r.into_inner())
}

async fn get_agreement(server: &TestServer, name: &str) -> pb::Agreement {
    server
        .agreements()
        .get_agreement(authed(
            &server.admin,
            pb::GetAgreementRequest { name: name.into() },
        ))
        .await
        .unwrap()
        .into_inner()
}

const PENDING: i32 = pb::StageStatus::Pending as i32;
const IN_PROGRESS: i32 = pb::StageStatus::InProgress as i32;
const DONE: i32 = pb::StageStatus::Done as i32;
const SKIPPED: i32 = pb::StageStatus::Skipped as i32;
const NOT_APPLICABLE: i32 = pb::StageStatus::NotApplicable as i32;

#[tokio::test]
async fn a_new_unsigned_agreement_gets_its_templates_stages_all_pending() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    assert_eq!(ksb.state, pb::AgreementState::Draft as i32);
    let codes: Vec<(String, i32)> = stages(&server, &ksb.name)
        .await
        .into_iter()
        .map(|s| (s.code, s.status))
        .collect();
    let expected: Vec<(String, i32)> = [
        "PERSIAPAN",
        "PENAWARAN",
        "PENYUSUNAN_KSB",
        "PENANDATANGANAN_KSB",
        "PENATAUSAHAAN",
        "PELAPORAN",
    ]
    .into_iter()
    .map(|c| (c.to_string(), PENDING))
    .collect();
    assert_eq!(codes, expected);
}

#[tokio::test]
async fn the_dprd_stage_applies_only_when_dprd_approval_is_required_and_follows_the_flag_until_reached()
 {
    let server = TestServer::start().await;
    create_unit(&server, "DISPAR").await;
    let pks = create(&server, ksdpk_pks("DISPAR", "PKS tanpa DPRD")).await;
    let dprd = |stages: &[pb::Stage]| {
        stages
            .iter()
            .find(|s| s.code == "PERSETUJUAN_DPRD")
            .unwrap()
            .status
    };
    assert_eq!(dprd(&stages(&server, &pks.name).await), NOT_APPLICABLE);
    let update = |required: bool| {
        authed(
            &server.admin,
            pb::UpdateAgreementRequest {
                agreement: Some(pb::Agreement {
                    name: pks.name.clone(),
                    dprd_approval_required: Some(required),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["dprd_approval_required".into()],
                }),
            },
        )
    };
    server
        .agreements()
        .update_agreement(update(true))
        .await
        .unwrap();
    assert_eq!(dprd(&stages(&server, &pks.name).await), PENDING);
    server
        .agreements()
        .update_agreement(update(false))
        .await
        .unwrap();
    assert_eq!(dprd(&stages(&server, &pks.name).await), NOT_APPLICABLE);
}

#[tokio::test]
async fn starting_the_first_stage_puts_the_agreement_in_process_with_an_sla_due_date() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    let stage = start(&server, &ksb, "PERSIAPAN", "2026-10-01")
        .await
        .unwrap();
    assert_eq!(stage.status, IN_PROGRESS);
    assert_eq!(stage.started_on, "2026-10-01");
    assert_eq!(
        stage.sla_due_on, "2026-10-31",
        "PERSIAPAN's target is 30 days"
    );
    assert_eq!(stage.due_on, "2026-10-31");
    let agreement = get_agreement(&server, &ksb.name).await;
    assert_eq!(agreement.state, pb::AgreementState::InProcess as i32);
    assert_eq!(agreement.process_started_on, "2026-10-01");
}

#[tokio::test]
async fn a_stage_waits_for_its_predecessors_and_the_message_names_the_blocking_stage() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    let status = start(&server, &ksb, "PENAWARAN", "2026-10-01")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
    assert!(
        status.message().contains("PERSIAPAN"),
        "{}",
        status.message()
    );
    // The rule reads in Bahasa Indonesia too, and names itself.
    use tonic_types::StatusExt;
    assert_eq!(
        status
            .get_details_localized_message()
            .map(|m| (m.locale, m.message)),
        Some((
            "id-ID".to_string(),
            "tahapan Penawaran tidak dapat dimulai sebelum tahapan Persiapan selesai atau \
             dilewati (statusnya belum dimulai)"
                .to_string()
        ))
    );
    assert_eq!(
        status
            .get_details_error_info()
            .and_then(|i| i.metadata.get("rule").cloned())
            .as_deref(),
        Some("STAGE_START_BLOCKED")
    );
    let status = complete(&server, &ksb, "PERSIAPAN", "2026-10-01")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
    assert!(
        stages(&server, &ksb.name)
            .await
            .iter()
            .all(|s| s.status == PENDING),
        "nothing changed"
    );
}

#[tokio::test]
async fn completing_a_stage_starts_the_next_on_the_same_day_and_signing_signs_the_agreement() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    start(&server, &ksb, "PERSIAPAN", "2026-06-01")
        .await
        .unwrap();
    complete(&server, &ksb, "PERSIAPAN", "2026-06-20")
        .await
        .unwrap();
    complete(&server, &ksb, "PENAWARAN", "2026-07-10")
        .await
        .unwrap();
    complete(&server, &ksb, "PENYUSUNAN_KSB", "2026-08-01")
        .await
        .unwrap();
    let signing = complete(&server, &ksb, "PENANDATANGANAN_KSB", "2026-08-15")
        .await
        .unwrap();
    assert!(signing.signs_agreement);
    let all = stages(&server, &ksb.name).await;
    let s = |c: &str, st: i32, from: &str, to: &str| {
        (c.to_string(), st, from.to_string(), to.to_string())
    };
    assert_eq!(
        summary(&all),
        vec![
            s("PERSIAPAN", DONE, "2026-06-01", "2026-06-20"),
            s("PENAWARAN", DONE, "2026-06-20", "2026-07-10"),
            s("PENYUSUNAN_KSB", DONE, "2026-07-10", "2026-08-01"),
            s("PENANDATANGANAN_KSB", DONE, "2026-08-01", "2026-08-15"),
            s("PENATAUSAHAAN", IN_PROGRESS, "2026-08-15", ""),
            s("PELAPORAN", PENDING, "", ""),
        ]
    );
    let agreement = get_agreement(&server, &ksb.name).await;
    assert_eq!(agreement.signed_on, "2026-08-15");
    assert_eq!(agreement.state, pb::AgreementState::Active as i32);
}

#[tokio::test]
async fn stage_dates_may_be_past_but_not_future_nor_before_the_previous_stage() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    let status = start(&server, &ksb, "PERSIAPAN", "2999-01-01")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("started_on"));
    let status = start(&server, &ksb, "PERSIAPAN", "1-1-2026")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("started_on"));
    start(&server, &ksb, "PERSIAPAN", "2025-03-01")
        .await
        .unwrap();
    let status = complete(&server, &ksb, "PERSIAPAN", "2025-02-01")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
    complete(&server, &ksb, "PERSIAPAN", "2025-03-05")
        .await
        .unwrap();
    let status = complete(&server, &ksb, "PENAWARAN", "2025-03-04")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
}

#[tokio::test]
async fn skipping_needs_a_reason_and_a_skippable_stage() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    let mut client = server.stages();
    let skip = |code: &str, reason: &str| {
        authed(
            &server.admin,
            pb::SkipStageRequest {
                name: stage_name(&ksb, code),
                skipped_on: "2026-09-01".into(),
                reason: reason.into(),
            },
        )
    };
    let status = client
        .skip_stage(skip("PERSIAPAN", "  "))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("reason"));
    let skipped = client
        .skip_stage(skip("PERSIAPAN", "Inisiatif datang dari mitra"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (skipped.status, skipped.skip_reason.as_str()),
        (SKIPPED, "Inisiatif datang dari mitra")
    );
    let next = &stages(&server, &ksb.name).await[1];
    assert_eq!(
        (next.status, next.started_on.as_str()),
        (IN_PROGRESS, "2026-09-01")
    );
    complete(&server, &ksb, "PENAWARAN", "2026-09-02")
        .await
        .unwrap();
    complete(&server, &ksb, "PENYUSUNAN_KSB", "2026-09-03")
        .await
        .unwrap();
    let status = client
        .skip_stage(skip("PENANDATANGANAN_KSB", "tidak perlu"))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
}

#[tokio::test]
async fn reschedules_move_the_due_date_and_are_all_kept() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    start(&server, &ksb, "PERSIAPAN", "2026-01-05")
        .await
        .unwrap();
    let mut client = server.stages();
    let reschedule = |due: &str, decided: &str, reason: &str| {
        authed(
            &server.admin,
            pb::RescheduleStageRequest {
                name: stage_name(&ksb, "PERSIAPAN"),
                new_due_on: due.into(),
                reason: reason.into(),
                decided_on: decided.into(),
            },
        )
    };
    client
        .reschedule_stage(reschedule(
            "2026-03-31",
            "2026-02-01",
            "Menunggu data mitra",
        ))
        .await
        .unwrap();
    let stage = client
        .reschedule_stage(reschedule("2026-05-31", "2026-03-15", "Pergantian pejabat"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stage.sla_due_on, "2026-02-04");
    assert_eq!(stage.due_on, "2026-05-31");
    let history: Vec<(&str, &str, &str)> = stage
        .reschedules
        .iter()
        .map(|r| {
            (
                r.decided_on.as_str(),
                r.previous_due_on.as_str(),
                r.new_due_on.as_str(),
            )
        })
        .collect();
    assert_eq!(
        history,
        [
            ("2026-02-01", "2026-02-04", "2026-03-31"),
            ("2026-03-15", "2026-03-31", "2026-05-31")
        ]
    );
    assert_eq!(stage.reschedules[0].actor, "test-admin");

    let status = client
        .reschedule_stage(reschedule("2026-06-30", "", ""))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("reason"));
    let status = client
        .reschedule_stage(reschedule("2025-12-31", "", "sebelum mulai"))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("new_due_on"));
    let pending = client
        .reschedule_stage(authed(
            &server.admin,
            pb::RescheduleStageRequest {
                name: stage_name(&ksb, "PELAPORAN"),
                new_due_on: "2026-12-31".into(),
                reason: "belum mulai".into(),
                decided_on: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&pending, Code::FailedPrecondition, None);
}

#[tokio::test]
async fn a_past_signed_agreement_is_backfilled_through_signing_or_a_named_later_stage() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let signed = create(&server, ksdd_ksb("DLHK", "KSB lama")).await;
    let all = stages(&server, &signed.name).await;
    let s = |c: &str, st: i32, from: &str, to: &str| {
        (c.to_string(), st, from.to_string(), to.to_string())
    };
    assert_eq!(
        summary(&all),
        vec![
            s("PERSIAPAN", DONE, "2024-06-12", "2024-06-12"),
            s("PENAWARAN", DONE, "2024-06-12", "2024-06-12"),
            s("PENYUSUNAN_KSB", DONE, "2024-06-12", "2024-06-12"),
            s("PENANDATANGANAN_KSB", DONE, "2024-06-12", "2024-06-12"),
            s("PENATAUSAHAAN", IN_PROGRESS, "2024-06-12", ""),
            s("PELAPORAN", PENDING, "", ""),
        ]
    );
    assert!(all[..4].iter().all(|s| s.backfilled) && !all[4].backfilled);
    assert_eq!(signed.state, pb::AgreementState::Active as i32);

    let mut client = server.agreements();
    let complete_through = |stage: &str| {
        authed(
            &server.admin,
            pb::CreateAgreementRequest {
                agreement: Some(ksdd_ksb("DLHK", "KSB lama lengkap")),
                request_id: String::new(),
                complete_through_stage: stage.into(),
            },
        )
    };
    let done = client
        .create_agreement(complete_through("PELAPORAN"))
        .await
        .unwrap()
        .into_inner();
    assert!(
        stages(&server, &done.name)
            .await
            .iter()
            .all(|s| s.status == DONE)
    );
    for bad in ["PENJAJAKAN", "PERSIAPAN"] {
        let status = client
            .create_agreement(complete_through(bad))
            .await
            .unwrap_err();
        assert_rejected(
            &status,
            Code::InvalidArgument,
            Some("complete_through_stage"),
        );
    }
}

#[tokio::test]
async fn signed_on_is_owned_by_the_signing_stage() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    let status = server
        .agreements()
        .update_agreement(authed(
            &server.admin,
            pb::UpdateAgreementRequest {
                agreement: Some(pb::Agreement {
                    name: ksb.name.clone(),
                    signed_on: "2026-01-01".into(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["signed_on".into()],
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("update_mask"));
}

#[tokio::test]
async fn a_template_change_applies_to_stages_that_start_afterwards() {
    let server = TestServer::start().await;
    let first = unsigned_ksb(&server).await;
    start(&server, &first, "PERSIAPAN", "2026-10-01")
        .await
        .unwrap();
    let mut templates = server.templates();
    let listed = templates
        .list_stage_templates(authed(
            &server.admin,
            pb::ListStageTemplatesRequest {
                cooperation_type: pb::CooperationType::Ksdd as i32,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .stage_templates;
    assert_eq!(listed.len(), 4, "KSB, PKS with and without a KSB, ADDENDUM");
    let name = "stageTemplates/KSDD.KSB.STANDALONE".to_string();
    assert!(listed.iter().any(|t| t.name == name));
    let change = |days: i32, token: &str| {
        authed(
            token,
            pb::UpdateStageTemplateRequest {
                stage_template: Some(pb::StageTemplate {
                    name: name.clone(),
                    stages: vec![pb::TemplateStage {
                        code: "PERSIAPAN".into(),
                        target_days: days,
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["stages.target_days".into()],
                }),
            },
        )
    };
    let updated = templates
        .update_stage_template(change(10, &server.admin))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.stages[0].target_days, 10);

    let second = create(
        &server,
        pb::Agreement {
            signed_on: String::new(),
            effective_from: String::new(),
            effective_until: String::new(),
            ..ksdd_ksb("DLHK", "KSB kedua")
        },
    )
    .await;
    let later = start(&server, &second, "PERSIAPAN", "2026-10-01")
        .await
        .unwrap();
    assert_eq!(later.sla_due_on, "2026-10-11");
    let earlier = &stages(&server, &first.name).await[0];
    assert_eq!(
        earlier.sla_due_on, "2026-10-31",
        "a started stage keeps its due date"
    );

    let status = templates
        .update_stage_template(change(0, &server.admin))
        .await
        .unwrap_err();
    assert_rejected(
        &status,
        Code::InvalidArgument,
        Some("stage_template.stages[0].target_days"),
    );
    let analyst = server.token("analis", Role::Analyst, None, None).await;
    let status = templates
        .update_stage_template(change(20, &analyst))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
}

#[tokio::test]
async fn only_the_units_officer_moves_its_agreements_stages() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    create_unit(&server, "DINKES").await;
    let other = server
        .token("petugas-dinkes", Role::UnitOfficer, Some("DINKES"), None)
        .await;
    let own = server
        .token("petugas-dlhk", Role::UnitOfficer, Some("DLHK"), None)
        .await;
    let request = |token: &str| {
        authed(
            token,
            pb::StartStageRequest {
                name: stage_name(&ksb, "PERSIAPAN"),
                started_on: "2026-10-01".into(),
                notes: String::new(),
            },
        )
    };
    let status = server
        .stages()
        .start_stage(request(&other))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    server
        .stages()
        .start_stage(request(&own))
        .await
        .expect("own unit");
}

#[tokio::test]
async fn terminating_and_cancelling_end_an_agreement_with_a_reason() {
    let server = TestServer::start().await;
    create_unit(&server, "DLHK").await;
    let signed = create(&server, ksdd_ksb("DLHK", "Diakhiri")).await;
    let mut draft = ksdd_ksb("DLHK", "Dibatalkan");
    draft.signed_on.clear();
    draft.effective_from.clear();
    draft.effective_until.clear();
    let draft = create(&server, draft).await;
    let mut client = server.agreements();
    let terminate = |name: &str, on: &str, reason: &str| {
        authed(
            &server.admin,
            pb::TerminateAgreementRequest {
                name: name.into(),
                terminated_on: on.into(),
                reason: reason.into(),
            },
        )
    };
    let cancel = |name: &str, reason: &str| {
        authed(
            &server.admin,
            pb::CancelAgreementRequest {
                name: name.into(),
                cancelled_on: "2026-10-01".into(),
                reason: reason.into(),
            },
        )
    };
    let status = client
        .terminate_agreement(terminate(&signed.name, "2026-10-01", ""))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("reason"));
    let status = client
        .terminate_agreement(terminate(
            &signed.name,
            "2024-01-01",
            "sebelum tanda tangan",
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
    let status = client
        .terminate_agreement(terminate(&draft.name, "2026-10-01", "belum ditandatangani"))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
    let status = client
        .cancel_agreement(cancel(&signed.name, "sudah ditandatangani"))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);

    let ended = client
        .terminate_agreement(terminate(
            &signed.name,
            "2026-10-01",
            "Mitra tidak melanjutkan",
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ended.state, pb::AgreementState::Terminated as i32);
    assert_eq!(
        (
            ended.terminated_on.as_str(),
            ended.termination_reason.as_str()
        ),
        ("2026-10-01", "Mitra tidak melanjutkan")
    );
    let cancelled = client
        .cancel_agreement(cancel(&draft.name, "Tidak disetujui TKKSD"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.state, pb::AgreementState::Cancelled as i32);

    let status = client
        .cancel_agreement(cancel(&draft.name, "lagi"))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
    let status = start(&server, &draft, "PERSIAPAN", "2026-10-02")
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
}

#[tokio::test]
async fn the_agreement_event_list_includes_its_stage_changes_in_pages() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    start(&server, &ksb, "PERSIAPAN", "2026-10-01")
        .await
        .unwrap();
    complete(&server, &ksb, "PERSIAPAN", "2026-10-02")
        .await
        .unwrap();
    let mut actions = Vec::new();
    let mut token = String::new();
    loop {
        let page = server
            .agreements()
            .list_agreement_events(authed(
                &server.admin,
                pb::ListAgreementEventsRequest {
                    parent: ksb.name.clone(),
                    page_size: 2,
                    page_token: token,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        actions.extend(
            page.events
                .into_iter()
                .map(|e| (e.action, e.resource, e.actor)),
        );
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    let persiapan = stage_name(&ksb, "PERSIAPAN");
    let admin = "test-admin".to_string();
    assert_eq!(
        actions,
        vec![
            (
                "CreateAgreement".to_string(),
                ksb.name.clone(),
                admin.clone()
            ),
            ("StartStage".to_string(), persiapan.clone(), admin.clone()),
            (
                "CompleteStage".to_string(),
                persiapan.clone(),
                admin.clone()
            ),
        ]
    );
}

#[tokio::test]
async fn giving_a_pks_a_parent_switches_its_template_only_before_any_stage_started() {
    let server = TestServer::start().await;
    create_unit(&server, "DISPAR").await;
    let mut ksb = ksdd_ksb("DISPAR", "KSB induk");
    ksb.cooperation_type = pb::CooperationType::Ksdpk as i32;
    ksb.ksdd_basis = 0;
    ksb.parties = ksdpk_pks("DISPAR", "x").parties;
    let ksb = create(&server, ksb).await;
    let pks = create(&server, ksdpk_pks("DISPAR", "PKS mandiri")).await;
    assert_eq!(
        stages(&server, &pks.name).await.len(),
        7,
        "a PKS without a KSB"
    );
    let attach = |name: &str| {
        authed(
            &server.admin,
            pb::UpdateAgreementRequest {
                agreement: Some(pb::Agreement {
                    name: name.into(),
                    parent: ksb.name.clone(),
                    ..Default::default()
                }),
                update_mask: Some(FieldMask {
                    paths: vec!["parent".into()],
                }),
            },
        )
    };
    server
        .agreements()
        .update_agreement(attach(&pks.name))
        .await
        .unwrap();
    let codes: Vec<String> = stages(&server, &pks.name)
        .await
        .into_iter()
        .map(|s| s.code)
        .collect();
    assert_eq!(
        codes[..2],
        ["PERSETUJUAN_DPRD", "PENYUSUNAN_PKS"],
        "a PKS under a KSB"
    );

    let started = create(&server, ksdpk_pks("DISPAR", "PKS berjalan")).await;
    start(&server, &started, "PERSIAPAN", "2026-10-01")
        .await
        .unwrap();
    let status = server
        .agreements()
        .update_agreement(attach(&started.name))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
}

#[tokio::test]
async fn reschedule_history_is_bounded_and_audited_as_growth_only() {
    let server = TestServer::start().await;
    let ksb = unsigned_ksb(&server).await;
    start(&server, &ksb, "PERSIAPAN", "2026-01-05")
        .await
        .unwrap();
    let mut client = server.stages();
    let reason = |i: usize| format!("alasan {i:02} {}", "x".repeat(3_900));
    let reschedule = |i: usize| {
        authed(
            &server.admin,
            pb::RescheduleStageRequest {
                name: stage_name(&ksb, "PERSIAPAN"),
                new_due_on: "2026-12-31".into(),
                reason: reason(i),
                decided_on: "2026-02-01".into(),
            },
        )
    };
    for i in 0..kerjasama_core::stages::MAX_RESCHEDULES {
        client.reschedule_stage(reschedule(i)).await.unwrap();
    }
    let status = client.reschedule_stage(reschedule(99)).await.unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);

    // Each audit row holds the one reschedule it added, not the whole history.
    let mut events = Vec::new();
    let mut token = String::new();
    loop {
        let page = server
            .agreements()
            .list_agreement_events(authed(
                &server.admin,
                pb::ListAgreementEventsRequest {
                    parent: ksb.name.clone(),
                    page_size: 200,
                    page_token: token.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        let bytes: usize = page
            .events
            .iter()
            .map(|e| e.before_json.len() + e.after_json.len())
            .sum();
        assert!(bytes <= kerjasama_core::events::MAX_PAGE_BYTES, "{bytes}");
        events.extend(page.events);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let reschedules: Vec<_> = events
        .iter()
        .filter(|e| e.action == "RescheduleStage")
        .collect();
    assert_eq!(reschedules.len(), kerjasama_core::stages::MAX_RESCHEDULES);
    for (i, event) in reschedules.iter().enumerate() {
        assert!(
            !event.before_json.contains("alasan"),
            "{}",
            event.before_json
        );
        assert_eq!(event.after_json.matches("alasan").count(), 1);
        assert!(event.after_json.contains(&format!("alasan {i:02}")));
    }
    let total: usize = events
        .iter()
        .map(|e| e.before_json.len() + e.after_json.len())
        .sum();
    assert!(total < 400_000, "audit of 50 reschedules is {total} bytes");
}
