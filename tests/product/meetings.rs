//! EvaluationMeetingService: findings and recommendations with a dated status history.

use kerjasama_core::codes::Role;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, assert_rejected, authed};
use tonic::Code;

use crate::fixtures::{create, create_unit, ksdd_ksb};

fn meeting(agreement: &str) -> pb::EvaluationMeeting {
    pb::EvaluationMeeting {
        region_code: "36".into(),
        held_on: "2026-07-15".into(),
        period_start: "2026-01-01".into(),
        period_end: "2026-06-30".into(),
        title: "Rapat Evaluasi Kerja Sama Daerah Semester I 2026".into(),
        participant_units: vec!["units/DLHK".into(), "units/BIRO".into()],
        notes: "Dipimpin Asisten Pemerintahan".into(),
        findings: vec![pb::Finding {
            agreement: agreement.into(),
            description: "Laporan pelaksanaan triwulan II belum diterima".into(),
            recommendations: vec![pb::Recommendation {
                description: "DLHK menyampaikan laporan triwulan II".into(),
                responsible_unit: "units/DLHK".into(),
                due_on: "2026-08-15".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

async fn record(
    server: &TestServer,
    m: pb::EvaluationMeeting,
) -> Result<pb::EvaluationMeeting, tonic::Status> {
    server
        .meetings()
        .create_evaluation_meeting(authed(
            &server.admin,
            pb::CreateEvaluationMeetingRequest {
                evaluation_meeting: Some(m),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

async fn setup(server: &TestServer) -> pb::Agreement {
    create_unit(server, "DLHK").await;
    create_unit(server, "BIRO").await;
    create(server, ksdd_ksb("DLHK", "Dievaluasi")).await
}

#[tokio::test]
async fn a_meeting_keeps_its_findings_and_every_recommendation_status_change() {
    let server = TestServer::start().await;
    let agreement = setup(&server).await;
    let created = record(&server, meeting(&agreement.name)).await.unwrap();
    assert!(created.name.starts_with("evaluationMeetings/"));
    let recommendation = &created.findings[0].recommendations[0];
    assert_eq!(created.findings[0].agreement, agreement.name);
    assert_eq!(recommendation.status, pb::RecommendationStatus::Open as i32);
    assert_eq!(recommendation.history[0].changed_on, "2026-07-15");

    let officer = server
        .token("petugas-dlhk", Role::UnitOfficer, Some("DLHK"), None)
        .await;
    let done = server
        .meetings()
        .update_recommendation_status(authed(
            &officer,
            pb::UpdateRecommendationStatusRequest {
                name: recommendation.name.clone(),
                status: pb::RecommendationStatus::Done as i32,
                changed_on: "2026-08-20".into(),
                reason: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let history: Vec<(i32, &str, &str)> = done
        .history
        .iter()
        .map(|c| (c.status, c.changed_on.as_str(), c.actor.as_str()))
        .collect();
    assert_eq!(
        history,
        [
            (
                pb::RecommendationStatus::Open as i32,
                "2026-07-15",
                "test-admin"
            ),
            (
                pb::RecommendationStatus::Done as i32,
                "2026-08-20",
                "petugas-dlhk"
            ),
        ]
    );

    let added = server
        .meetings()
        .create_finding(authed(
            &server.admin,
            pb::CreateFindingRequest {
                parent: created.name.clone(),
                finding: Some(pb::Finding {
                    description: "Belum ada KSB baru dengan kabupaten tetangga".into(),
                    recommendations: vec![],
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(added.agreement.is_empty());
    let read = server
        .meetings()
        .get_evaluation_meeting(authed(
            &server.admin,
            pb::GetEvaluationMeetingRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read.findings.len(), 2);
    let listed = server
        .meetings()
        .list_evaluation_meetings(authed(
            &server.admin,
            pb::ListEvaluationMeetingsRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner()
        .evaluation_meetings;
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn meeting_and_recommendation_rules_are_enforced() {
    let server = TestServer::start().await;
    let agreement = setup(&server).await;
    for (m, field) in [
        (
            pb::EvaluationMeeting {
                held_on: "2999-01-01".into(),
                ..meeting(&agreement.name)
            },
            "evaluation_meeting.held_on",
        ),
        (
            pb::EvaluationMeeting {
                period_end: "2025-12-31".into(),
                ..meeting(&agreement.name)
            },
            "evaluation_meeting.period_end",
        ),
        (
            pb::EvaluationMeeting {
                title: "".into(),
                ..meeting(&agreement.name)
            },
            "evaluation_meeting.title",
        ),
        (
            pb::EvaluationMeeting {
                participant_units: vec!["units/NOPE".into()],
                ..meeting(&agreement.name)
            },
            "evaluation_meeting.participant_units[0]",
        ),
        (
            meeting(&format!("agreements/{}", uuid::Uuid::now_v7())),
            "evaluation_meeting.findings[0].agreement",
        ),
        (
            {
                let mut m = meeting(&agreement.name);
                m.findings[0].recommendations[0].due_on.clear();
                m
            },
            "evaluation_meeting.findings[0].recommendations[0].due_on",
        ),
        (
            {
                let mut m = meeting(&agreement.name);
                m.findings[0].recommendations[0].responsible_unit = "DLHK".into();
                m
            },
            "evaluation_meeting.findings[0].recommendations[0].responsible_unit",
        ),
    ] {
        let status = record(&server, m).await.unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
    let analyst = server.token("analis", Role::Analyst, None, None).await;
    let status = server
        .meetings()
        .create_evaluation_meeting(authed(
            &analyst,
            pb::CreateEvaluationMeetingRequest {
                evaluation_meeting: Some(meeting(&agreement.name)),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);

    let created = record(&server, meeting(&agreement.name)).await.unwrap();
    let name = created.findings[0].recommendations[0].name.clone();
    let change = |token: &str, status: pb::RecommendationStatus, on: &str, reason: &str| {
        authed(
            token,
            pb::UpdateRecommendationStatusRequest {
                name: name.clone(),
                status: status as i32,
                changed_on: on.into(),
                reason: reason.into(),
            },
        )
    };
    let mut client = server.meetings();
    let status = client
        .update_recommendation_status(change(
            &server.admin,
            pb::RecommendationStatus::Dropped,
            "2026-08-01",
            "",
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("reason"));
    let status = client
        .update_recommendation_status(change(
            &server.admin,
            pb::RecommendationStatus::Done,
            "2026-07-01",
            "",
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("changed_on"));
    let status = client
        .update_recommendation_status(change(
            &server.admin,
            pb::RecommendationStatus::Open,
            "2026-08-01",
            "",
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::FailedPrecondition, None);
    create_unit(&server, "DINKES").await;
    let other = server
        .token("petugas-dinkes", Role::UnitOfficer, Some("DINKES"), None)
        .await;
    let status = client
        .update_recommendation_status(change(
            &other,
            pb::RecommendationStatus::Done,
            "2026-08-01",
            "",
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::PermissionDenied, None);
    client
        .update_recommendation_status(change(
            &server.admin,
            pb::RecommendationStatus::Dropped,
            "2026-08-01",
            "Digabung ke rekomendasi lain",
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn concurrent_status_changes_of_one_recommendation_run_one_at_a_time() {
    let server = TestServer::start().await;
    let agreement = setup(&server).await;
    let created = record(&server, meeting(&agreement.name)).await.unwrap();
    let name = created.findings[0].recommendations[0].name.clone();
    // 30 calls at once, DONE and DROPPED alternately, on an OPEN recommendation.
    let calls = (0..30).map(|n| {
        let mut client = server.meetings();
        let (token, name) = (server.admin.clone(), name.clone());
        let (status, reason) = if n % 2 == 0 {
            (pb::RecommendationStatus::Done, "")
        } else {
            (
                pb::RecommendationStatus::Dropped,
                "Digabung ke rekomendasi lain",
            )
        };
        tokio::spawn(async move {
            client
                .update_recommendation_status(authed(
                    &token,
                    pb::UpdateRecommendationStatusRequest {
                        name,
                        status: status as i32,
                        changed_on: "2026-08-20".into(),
                        reason: reason.into(),
                    },
                ))
                .await
                .map(|r| r.into_inner())
        })
    });
    let results: Vec<_> = futures::future::join_all(calls)
        .await
        .into_iter()
        .map(|joined| joined.unwrap())
        .collect();
    let (succeeded, failed): (Vec<_>, Vec<_>) = results.into_iter().partition(|r| r.is_ok());
    let codes: Vec<Code> = failed
        .iter()
        .map(|r| r.as_ref().unwrap_err().code())
        .collect();
    assert_eq!(succeeded.len(), 1, "exactly one change wins: {codes:?}");
    for status in failed.iter().map(|r| r.as_ref().unwrap_err()) {
        assert_rejected(status, Code::FailedPrecondition, None);
    }
    let winner = succeeded.into_iter().next().unwrap().unwrap();

    let read = server
        .meetings()
        .get_evaluation_meeting(authed(
            &server.admin,
            pb::GetEvaluationMeetingRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let stored = &read.findings[0].recommendations[0];
    let statuses: Vec<i32> = stored.history.iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        [pb::RecommendationStatus::Open as i32, winner.status],
        "the meeting's OPEN and exactly one new entry"
    );
    assert_eq!(stored.status, winner.status);
    assert_eq!(stored.status, stored.history.last().unwrap().status);
    assert_eq!(stored.etag, winner.etag);
}
