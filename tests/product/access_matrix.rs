// Over 1,000 lines: the access matrix is one table (every RPC × nine callers), the specification itself.
//! The access matrix: every RPC of kerjasama.v1, called by nine callers, and
//! the gRPC code each must get. The table below is the specification (written
//! from the rules in `kerjasama_core::access`, not from what the server
//! answers); the test runs every cell and fails listing every cell that
//! disagrees.
//!
//! The target of every cell is a record owned by unit A (DLHK) of region 36.
//! A cell that changes something gets its own fresh target, created by the
//! unbound admin first, so one column's success cannot change the next
//! column's answer. Lists are called so that they name region 36 (a
//! `region_code` filter, or the region-36 parent of a nested list).

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::Days;
use kerjasama_core::access::Principal;
use kerjasama_core::codes::Role;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{TestServer, authed};
use prost_types::FieldMask;
use tonic::{Code, Request, Status};

use crate::fixtures::{REGION, create, create_unit, ksdd_ksb};
use Expect::{OK, PD, UA};
use Rpc::*;
use kerjasama_proto::v1::digest_service_client::DigestServiceClient;
use kerjasama_proto::v1::import_service_client::ImportServiceClient;

/// What a cell must answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Success.
    OK,
    /// PERMISSION_DENIED.
    PD,
    /// UNAUTHENTICATED.
    UA,
}

impl Expect {
    fn code(self) -> Code {
        match self {
            OK => Code::Ok,
            PD => Code::PermissionDenied,
            UA => Code::Unauthenticated,
        }
    }
}

/// The nine callers, in column order.
const CALLERS: [&str; 9] = [
    "ADMIN unbound",
    "ADMIN bound to 36",
    "ADMIN bound to 32",
    "UNIT_OFFICER of A (DLHK, 36)",
    "UNIT_OFFICER of B (DINKES, 36)",
    "UNIT_OFFICER of C (DLHJABAR, 32)",
    "ANALYST unbound",
    "revoked token",
    "no token",
];

/// Every RPC of proto/kerjasama/v1, named as in the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rpc {
    CreateAgreement,
    GetAgreement,
    ListAgreements,
    UpdateAgreement,
    DeleteAgreement,
    UndeleteAgreement,
    TerminateAgreement,
    CancelAgreement,
    SetReportsOwedFrom,
    ListAgreementEvents,
    SearchAgreements,
    CreateIndicator,
    GetIndicator,
    ListIndicators,
    UpdateIndicator,
    DeleteIndicator,
    CreateRealisation,
    ListRealisations,
    UpdateRealisation,
    DeleteRealisation,
    CreateDocument,
    GetDocument,
    ListDocuments,
    DeleteDocument,
    UploadDocumentFile,
    GetDocumentFile,
    ListDocumentFiles,
    SubmitImplementationReport,
    ListImplementationReports,
    DeleteImplementationReport,
    ListReportingCycles,
    CreateEvaluationMeeting,
    GetEvaluationMeeting,
    ListEvaluationMeetings,
    CreateFinding,
    UpdateRecommendationStatus,
    RunReport,
    GetReportRun,
    ListReportRuns,
    GetMetricRows,
    DownloadReportFile,
    CreateReportSchedule,
    GetReportSchedule,
    ListReportSchedules,
    UpdateReportSchedule,
    DeleteReportSchedule,
    ListStages,
    GetStage,
    StartStage,
    CompleteStage,
    SkipStage,
    RescheduleStage,
    ListStageTemplates,
    UpdateStageTemplate,
    CreateUnit,
    GetUnit,
    ListUnits,
    UpdateUnit,
    CreateImportRun,
    GetImportRun,
    ListImportRuns,
    CommitImportRun,
    ListImportRows,
    DownloadImportReport,
    GetImportTemplate,
    CreateDigestRecipient,
    GetDigestRecipient,
    ListDigestRecipients,
    UpdateDigestRecipient,
    DeleteDigestRecipient,
    CreateDigestSchedule,
    ListDigestSchedules,
    UpdateDigestSchedule,
    DeleteDigestSchedule,
    ListDigestDeliveries,
    SendDigest,
}

type Row = (Rpc, [Expect; 9]);

/// Who gets what. Target: a record of unit A (DLHK), region 36.
/// OK = success, PD = PERMISSION_DENIED, UA = UNAUTHENTICATED.
#[rustfmt::skip]
const MATRIX: &[Row] = &[
    //                             ADMIN  ADMIN  ADMIN  OFFICR OFFICR OFFICR ANALYST revoked no
    //                             unbnd  @36    @32    A@36   B@36   C@32   unbnd   token   token
    // AgreementService
    (CreateAgreement,            [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (GetAgreement,               [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (ListAgreements,             [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]), // region_code: "36"
    (UpdateAgreement,            [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (DeleteAgreement,            [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (UndeleteAgreement,          [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (TerminateAgreement,         [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (CancelAgreement,            [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (SetReportsOwedFrom,         [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (ListAgreementEvents,        [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (SearchAgreements,           [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]), // region_code: "36"
    // BenefitService
    (CreateIndicator,            [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (GetIndicator,               [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (ListIndicators,             [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (UpdateIndicator,            [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (DeleteIndicator,            [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (CreateRealisation,          [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (ListRealisations,           [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (UpdateRealisation,          [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (DeleteRealisation,          [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    // DocumentService
    (CreateDocument,             [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (GetDocument,                [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (ListDocuments,              [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (DeleteDocument,             [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (UploadDocumentFile,         [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (GetDocumentFile,            [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (ListDocumentFiles,          [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    // ImplementationReportService
    (SubmitImplementationReport, [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (ListImplementationReports,  [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (DeleteImplementationReport, [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (ListReportingCycles,        [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    // EvaluationMeetingService: a meeting is the bureau's record of region 36
    // (meetings.rs), not an agreement of a unit, so writing it is ADMIN only;
    // a recommendation's status is changed by the bureau or by an officer of
    // its responsible unit (here A).
    (CreateEvaluationMeeting,    [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (GetEvaluationMeeting,       [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (ListEvaluationMeetings,     [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]), // region_code: "36"
    (CreateFinding,              [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (UpdateRecommendationStatus, [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    // ReportService: ADMIN and ANALYST, within their region; target: a run of region 36.
    (RunReport,                  [OK,    OK,    OK,    PD,    PD,    PD,    OK,     UA,     UA]), // no region in the request: a bound caller runs its own region's report (@32: a run of 32)
    (GetReportRun,               [OK,    OK,    PD,    PD,    PD,    PD,    OK,     UA,     UA]),
    (ListReportRuns,             [OK,    OK,    OK,    PD,    PD,    PD,    OK,     UA,     UA]), // no region filter in the request: a bound caller lists its own region's runs
    (GetMetricRows,              [OK,    OK,    PD,    PD,    PD,    PD,    OK,     UA,     UA]),
    (DownloadReportFile,         [OK,    OK,    PD,    PD,    PD,    PD,    OK,     UA,     UA]),
    // ReportScheduleService: ADMIN only, within its region; target: a schedule of region 36.
    (CreateReportSchedule,       [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]), // region_code: "36"
    (GetReportSchedule,          [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (ListReportSchedules,        [OK,    OK,    OK,    PD,    PD,    PD,    PD,     UA,     UA]), // no region filter in the request: a bound admin lists its own region's
    (UpdateReportSchedule,       [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (DeleteReportSchedule,       [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    // StageService
    (ListStages,                 [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (GetStage,                   [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (StartStage,                 [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (CompleteStage,              [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (SkipStage,                  [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    (RescheduleStage,            [OK,    OK,    PD,    OK,    PD,    PD,    PD,     UA,     UA]),
    // StageTemplateService: templates belong to no region; changing one
    // changes it for every region, so a region-bound ADMIN may not (stages.rs).
    (ListStageTemplates,         [OK,    OK,    OK,    OK,    OK,    OK,    OK,     UA,     UA]),
    (UpdateStageTemplate,        [OK,    PD,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    // UnitService: units are read by whoever sees their region, written by ADMIN.
    (CreateUnit,                 [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]), // region_code: "36"
    (GetUnit,                    [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]),
    (ListUnits,                  [OK,    OK,    PD,    OK,    OK,    PD,    OK,     UA,     UA]), // region_code: "36"
    (UpdateUnit,                 [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    // ImportService and DigestService: the bureau (ADMIN) only, within its region; targets of region 36.
    (CreateImportRun,            [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (GetImportRun,               [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (ListImportRuns,             [OK,    OK,    OK,    PD,    PD,    PD,    PD,     UA,     UA]), // no region in the request: a bound admin lists its own region's
    (CommitImportRun,            [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (ListImportRows,             [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (DownloadImportReport,       [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (GetImportTemplate,          [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (CreateDigestRecipient,      [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (GetDigestRecipient,         [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (ListDigestRecipients,       [OK,    OK,    OK,    PD,    PD,    PD,    PD,     UA,     UA]), // no region in the request: a bound admin lists its own region's
    (UpdateDigestRecipient,      [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (DeleteDigestRecipient,      [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (CreateDigestSchedule,       [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (ListDigestSchedules,        [OK,    OK,    OK,    PD,    PD,    PD,    PD,     UA,     UA]), // no region in the request: a bound admin lists its own region's
    (UpdateDigestSchedule,       [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (DeleteDigestSchedule,       [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (ListDigestDeliveries,       [OK,    OK,    OK,    PD,    PD,    PD,    PD,     UA,     UA]), // no region in the request: a bound admin lists its own region's
    (SendDigest,                 [OK,    OK,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
];

/// The same schedule RPCs on a deployment-wide schedule (region_code empty):
/// only an unbound ADMIN reaches it.
#[rustfmt::skip]
const DEPLOYMENT_WIDE_SCHEDULE: &[Row] = &[
    //                             ADMIN  ADMIN  ADMIN  OFFICR OFFICR OFFICR ANALYST revoked no
    //                             unbnd  @36    @32    A@36   B@36   C@32   unbnd   token   token
    (CreateReportSchedule,       [OK,    OK,    OK,    PD,    PD,    PD,    PD,     UA,     UA]), // empty region_code: a bound admin creates one of its own region
    (GetReportSchedule,          [OK,    PD,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (UpdateReportSchedule,       [OK,    PD,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
    (DeleteReportSchedule,       [OK,    PD,    PD,    PD,    PD,    PD,    PD,     UA,     UA]),
];

/// Unit codes: A and B of region 36, C of region 32.
const UNIT_A: &str = "DLHK";
const UNIT_B: &str = "DINKES";
const UNIT_C: &str = "DLHJABAR";
const OTHER_REGION: &str = "32";

/// The records the read cells address, and the tokens of the nine callers.
struct Ctx {
    server: TestServer,
    tokens: [Option<String>; 9],
    agreement: String,
    indicator: String,
    document: String,
    meeting: String,
    run: String,
    schedules: Schedules,
    template: pb::StageTemplate,
    serial: AtomicUsize,
}

/// The shared schedule of each table: region 36 and deployment-wide.
struct Schedules {
    region: String,
    deployment_wide: String,
}

fn request<T>(token: Option<&str>, message: T) -> Request<T> {
    match token {
        Some(token) => authed(token, message),
        None => Request::new(message),
    }
}

fn mask(path: &str) -> Option<FieldMask> {
    Some(FieldMask {
        paths: vec![path.into()],
    })
}

fn unsigned(title: &str) -> pb::Agreement {
    let mut agreement = ksdd_ksb(UNIT_A, title);
    agreement.signed_on.clear();
    agreement.effective_from.clear();
    agreement.effective_until.clear();
    agreement
}

fn indicator() -> pb::Indicator {
    pb::Indicator {
        title: "Retribusi pengelolaan sampah".into(),
        category: pb::BenefitCategory::Revenue as i32,
        unit_of_measure: "IDR".into(),
        beneficiary: pb::Beneficiary::Region as i32,
        target_value: "2500000000".into(),
        ..Default::default()
    }
}

fn realisation() -> pb::Realisation {
    pb::Realisation {
        period_start: "2025-01-01".into(),
        period_end: "2025-03-31".into(),
        value: "125000000".into(),
        note: "Laporan triwulan I".into(),
        ..Default::default()
    }
}

fn document() -> pb::Document {
    pb::Document {
        r#type: pb::DocumentType::Ksb as i32,
        number: "415.4/12-HUK/2024".into(),
        document_date: "2024-06-12".into(),
        title: "Kesepakatan Bersama yang ditandatangani".into(),
        uri: "https://arsip.bantenprov.go.id/ks/2024/12.pdf".into(),
        ..Default::default()
    }
}

fn implementation_report() -> pb::ImplementationReport {
    pb::ImplementationReport {
        cycle_start: "2025-01-01".into(),
        submitted_on: "2025-04-10".into(),
        summary: "Pengangkutan sampah berjalan sesuai rencana".into(),
        progress_percent: Some(40),
        ..Default::default()
    }
}

fn meeting(agreement: &str) -> pb::EvaluationMeeting {
    pb::EvaluationMeeting {
        region_code: REGION.into(),
        held_on: "2026-07-15".into(),
        period_start: "2026-01-01".into(),
        period_end: "2026-06-30".into(),
        title: "Rapat Evaluasi Kerja Sama Daerah Semester I 2026".into(),
        participant_units: vec![format!("units/{UNIT_A}")],
        findings: vec![pb::Finding {
            agreement: agreement.into(),
            description: "Laporan pelaksanaan triwulan II belum diterima".into(),
            recommendations: vec![pb::Recommendation {
                description: "DLHK menyampaikan laporan triwulan II".into(),
                responsible_unit: format!("units/{UNIT_A}"),
                due_on: "2026-08-15".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn import_request(validate_only: bool) -> pb::CreateImportRunRequest {
    pb::CreateImportRunRequest {
        region_code: REGION.into(),
        files: vec![pb::ImportFile {
            file_name: "realisasi.csv".into(),
            content: b"Nomor Dokumen;Judul Indikator;Periode Mulai;Periode Selesai;Nilai\n"
                .to_vec(),
        }],
        validate_only,
        request_id: String::new(),
        history_from: String::new(),
    }
}

fn recipient_request() -> pb::CreateDigestRecipientRequest {
    pb::CreateDigestRecipientRequest {
        digest_recipient: Some(pb::DigestRecipient {
            region_code: REGION.into(),
            unit: format!("units/{UNIT_A}"),
            channel: pb::DigestChannel::Email as i32,
            address: "kerjasama@dlhk.bantenprov.go.id".into(),
            ..Default::default()
        }),
        request_id: String::new(),
    }
}

fn digest_schedule_request() -> pb::CreateDigestScheduleRequest {
    pb::CreateDigestScheduleRequest {
        digest_schedule: Some(pb::DigestSchedule {
            region_code: REGION.into(),
            cron: "0 7 * * 1".into(),
            enabled: Some(false),
            ..Default::default()
        }),
        request_id: String::new(),
    }
}

fn schedule(region: &str) -> pb::ReportSchedule {
    pb::ReportSchedule {
        region_code: region.into(),
        display_name: "Rekap tahunan".into(),
        cron: "0 6 1 1 *".into(),
        period_rule: "CURRENT_QUARTER".into(),
        enabled: Some(false),
        ..Default::default()
    }
}

impl Ctx {
    async fn new() -> Ctx {
        let server = TestServer::start().await;
        create_unit(&server, UNIT_A).await;
        create_unit(&server, UNIT_B).await;
        server
            .units()
            .create_unit(authed(
                &server.admin,
                pb::CreateUnitRequest {
                    unit: Some(pb::Unit {
                        code: UNIT_C.into(),
                        region_code: OTHER_REGION.into(),
                        display_name: "Dinas Lingkungan Hidup Jawa Barat".into(),
                        ..Default::default()
                    }),
                    request_id: String::new(),
                },
            ))
            .await
            .expect("create unit C");
        let officer = |unit, region| (Role::UnitOfficer, Some(unit), Some(region));
        let callers = [
            ("admin-36", (Role::Admin, None, Some(REGION))),
            ("admin-32", (Role::Admin, None, Some(OTHER_REGION))),
            ("officer-a", officer(UNIT_A, REGION)),
            ("officer-b", officer(UNIT_B, REGION)),
            ("officer-c", officer(UNIT_C, OTHER_REGION)),
            ("analyst", (Role::Analyst, None, None)),
            ("revoked", (Role::Admin, None, None)),
        ];
        let mut tokens: [Option<String>; 9] = Default::default();
        tokens[0] = Some(server.admin.clone());
        for (i, (name, (role, unit, region))) in callers.into_iter().enumerate() {
            tokens[i + 1] = Some(server.token(name, role, unit, region).await);
        }
        kerjasama_core::tokens::revoke(&server.db.pool, &Principal::system("test"), "revoked")
            .await
            .expect("revoke");

        let agreement = create(&server, ksdd_ksb(UNIT_A, "Matriks akses"))
            .await
            .name;
        let mut ctx = Ctx {
            server,
            tokens,
            agreement,
            indicator: String::new(),
            document: String::new(),
            meeting: String::new(),
            run: String::new(),
            schedules: Schedules {
                region: String::new(),
                deployment_wide: String::new(),
            },
            template: pb::StageTemplate::default(),
            serial: AtomicUsize::new(0),
        };
        ctx.indicator = ctx.fresh_indicator().await;
        ctx.document = ctx.fresh_document().await;
        // Its file, version 1 (GetDocumentFile reads it).
        crate::archive::upload_grpc(
            &ctx.server,
            Some(ctx.admin()),
            crate::archive::upload_messages(
                &ctx.document,
                "ksb.pdf",
                "",
                &crate::archive::plain_pdf("Kesepakatan Bersama"),
                1024,
            ),
        )
        .await
        .expect("upload a document's file");
        ctx.submit_report(&ctx.agreement).await;
        ctx.meeting = ctx.fresh_meeting().await.name;
        ctx.run = ctx.finished_run().await;
        ctx.schedules = Schedules {
            region: ctx.fresh_schedule(REGION).await,
            deployment_wide: ctx.fresh_schedule("").await,
        };
        ctx.template = ctx
            .server
            .templates()
            .list_stage_templates(authed(
                &ctx.server.admin,
                pb::ListStageTemplatesRequest::default(),
            ))
            .await
            .expect("list stage templates")
            .into_inner()
            .stage_templates
            .into_iter()
            .next()
            .expect("a stage template");
        ctx
    }

    fn admin(&self) -> &str {
        &self.server.admin
    }

    fn serial(&self) -> usize {
        self.serial.fetch_add(1, Ordering::Relaxed)
    }

    async fn fresh_agreement(&self, agreement: pb::Agreement) -> String {
        create(&self.server, agreement).await.name
    }

    async fn fresh_signed(&self) -> String {
        let title = format!("Ditandatangani {}", self.serial());
        self.fresh_agreement(ksdd_ksb(UNIT_A, &title)).await
    }

    async fn fresh_unsigned(&self) -> String {
        let title = format!("Dalam proses {}", self.serial());
        self.fresh_agreement(unsigned(&title)).await
    }

    async fn fresh_deleted(&self) -> String {
        let name = self.fresh_signed().await;
        self.server
            .agreements()
            .delete_agreement(authed(
                self.admin(),
                pb::DeleteAgreementRequest {
                    name: name.clone(),
                    etag: String::new(),
                },
            ))
            .await
            .expect("delete agreement");
        name
    }

    async fn fresh_indicator(&self) -> String {
        self.server
            .benefits()
            .create_indicator(authed(
                self.admin(),
                pb::CreateIndicatorRequest {
                    parent: self.agreement.clone(),
                    indicator: Some(indicator()),
                },
            ))
            .await
            .expect("create indicator")
            .into_inner()
            .name
    }

    async fn fresh_realisation(&self) -> String {
        let parent = self.fresh_indicator().await;
        self.server
            .benefits()
            .create_realisation(authed(
                self.admin(),
                pb::CreateRealisationRequest {
                    parent,
                    realisation: Some(realisation()),
                },
            ))
            .await
            .expect("create realisation")
            .into_inner()
            .name
    }

    async fn fresh_document(&self) -> String {
        self.server
            .documents()
            .create_document(authed(
                self.admin(),
                pb::CreateDocumentRequest {
                    parent: self.agreement.clone(),
                    document: Some(document()),
                },
            ))
            .await
            .expect("create document")
            .into_inner()
            .name
    }

    async fn submit_report(&self, agreement: &str) -> String {
        self.server
            .implementation_reports()
            .submit_implementation_report(authed(
                self.admin(),
                pb::SubmitImplementationReportRequest {
                    parent: agreement.into(),
                    implementation_report: Some(implementation_report()),
                },
            ))
            .await
            .expect("submit implementation report")
            .into_inner()
            .name
    }

    async fn fresh_meeting(&self) -> pb::EvaluationMeeting {
        self.server
            .meetings()
            .create_evaluation_meeting(authed(
                self.admin(),
                pb::CreateEvaluationMeetingRequest {
                    evaluation_meeting: Some(meeting(&self.agreement)),
                },
            ))
            .await
            .expect("create evaluation meeting")
            .into_inner()
    }

    /// A succeeded run of region 36 (run by the admin bound to 36).
    async fn finished_run(&self) -> String {
        let queued = self
            .server
            .reports()
            .run_report(authed(
                self.tokens[1].as_deref().expect("admin-36"),
                pb::RunReportRequest::default(),
            ))
            .await
            .expect("run report")
            .into_inner();
        let run = self.server.finished(queued).await;
        assert_eq!(run.state, pb::ReportRunState::Succeeded as i32, "{run:?}");
        assert_eq!(run.region_code, REGION);
        run.name
    }

    async fn fresh_schedule(&self, region: &str) -> String {
        self.server
            .schedules()
            .create_report_schedule(authed(
                self.admin(),
                pb::CreateReportScheduleRequest {
                    report_schedule: Some(schedule(region)),
                },
            ))
            .await
            .expect("create report schedule")
            .into_inner()
            .name
    }

    async fn fresh_unit(&self) -> String {
        let code = format!("UNIT{}", self.serial());
        create_unit(&self.server, &code).await.name
    }

    /// A fresh unsigned agreement with its first stage in progress.
    async fn fresh_started_stage(&self) -> String {
        let stage = format!("{}/stages/PERSIAPAN", self.fresh_unsigned().await);
        self.server
            .stages()
            .start_stage(authed(
                self.admin(),
                pb::StartStageRequest {
                    name: stage.clone(),
                    ..Default::default()
                },
            ))
            .await
            .expect("start stage");
        stage
    }

    /// The record a cell addresses: shared for reads, fresh for writes.
    /// `schedule_region` is "36" for [`MATRIX`], "" for [`DEPLOYMENT_WIDE_SCHEDULE`].
    async fn target(&self, rpc: Rpc, schedule_region: &str) -> String {
        match rpc {
            CreateAgreement
            | ListAgreements
            | SearchAgreements
            | CreateEvaluationMeeting
            | RunReport
            | ListReportRuns
            | ListReportSchedules
            | ListEvaluationMeetings
            | ListStageTemplates
            | ListUnits => String::new(),
            GetAgreement
            | ListAgreementEvents
            | CreateIndicator
            | ListIndicators
            | CreateDocument
            | ListDocuments
            | ListImplementationReports
            | ListReportingCycles
            | ListStages => self.agreement.clone(),
            UpdateAgreement
            | DeleteAgreement
            | TerminateAgreement
            | SetReportsOwedFrom
            | SubmitImplementationReport => self.fresh_signed().await,
            UndeleteAgreement => self.fresh_deleted().await,
            CancelAgreement => self.fresh_unsigned().await,
            GetIndicator | ListRealisations => self.indicator.clone(),
            UpdateIndicator | DeleteIndicator | CreateRealisation => self.fresh_indicator().await,
            UpdateRealisation | DeleteRealisation => self.fresh_realisation().await,
            GetDocument | GetDocumentFile | ListDocumentFiles => self.document.clone(),
            DeleteDocument | UploadDocumentFile => self.fresh_document().await,
            DeleteImplementationReport => {
                let agreement = self.fresh_signed().await;
                self.submit_report(&agreement).await
            }
            GetEvaluationMeeting | CreateFinding => self.meeting.clone(),
            UpdateRecommendationStatus => self.fresh_meeting().await.findings[0].recommendations[0]
                .name
                .clone(),
            GetReportRun | GetMetricRows | DownloadReportFile => self.run.clone(),
            CreateReportSchedule => schedule_region.into(),
            GetReportSchedule if schedule_region.is_empty() => {
                self.schedules.deployment_wide.clone()
            }
            GetReportSchedule => self.schedules.region.clone(),
            UpdateReportSchedule | DeleteReportSchedule => {
                self.fresh_schedule(schedule_region).await
            }
            GetStage => format!("{}/stages/PERSIAPAN", self.agreement),
            StartStage | SkipStage => format!("{}/stages/PERSIAPAN", self.fresh_unsigned().await),
            CompleteStage | RescheduleStage => self.fresh_started_stage().await,
            UpdateStageTemplate => self.template.name.clone(),
            CreateUnit => format!("NEW{}", self.serial()),
            GetUnit => format!("units/{UNIT_A}"),
            UpdateUnit => self.fresh_unit().await,
            CreateImportRun
            | ListImportRuns
            | GetImportTemplate
            | CreateDigestRecipient
            | ListDigestRecipients
            | CreateDigestSchedule
            | ListDigestSchedules
            | ListDigestDeliveries
            | SendDigest => String::new(),
            GetImportRun | ListImportRows | DownloadImportReport => self.fresh_import(true).await,
            CommitImportRun => self.fresh_import(false).await,
            GetDigestRecipient | UpdateDigestRecipient | DeleteDigestRecipient => {
                self.fresh_recipient().await
            }
            UpdateDigestSchedule | DeleteDigestSchedule => self.fresh_digest_schedule().await,
        }
    }

    fn imports(&self) -> ImportServiceClient<tonic::transport::Channel> {
        ImportServiceClient::new(self.server.channel())
    }

    fn digests(&self) -> DigestServiceClient<tonic::transport::Channel> {
        DigestServiceClient::new(self.server.channel())
    }

    /// An import of region 36 (an empty Realisasi sheet), settled: VALIDATED.
    async fn fresh_import(&self, validate_only: bool) -> String {
        let run = self
            .imports()
            .create_import_run(authed(&self.server.admin, import_request(validate_only)))
            .await
            .expect("create import run")
            .into_inner();
        for _ in 0..600 {
            let now = self
                .imports()
                .get_import_run(authed(
                    &self.server.admin,
                    pb::GetImportRunRequest {
                        name: run.name.clone(),
                    },
                ))
                .await
                .expect("get import run")
                .into_inner();
            if now.state == pb::ImportRunState::Validated as i32 {
                return now.name;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("{} did not validate", run.name);
    }

    async fn fresh_recipient(&self) -> String {
        self.digests()
            .create_digest_recipient(authed(&self.server.admin, recipient_request()))
            .await
            .expect("create digest recipient")
            .into_inner()
            .name
    }

    async fn fresh_digest_schedule(&self) -> String {
        self.digests()
            .create_digest_schedule(authed(&self.server.admin, digest_schedule_request()))
            .await
            .expect("create digest schedule")
            .into_inner()
            .name
    }

    /// One cell: `rpc` on `target` (see [`Ctx::target`]) with `token`.
    async fn call(&self, rpc: Rpc, target: String, token: Option<&str>) -> Result<(), Status> {
        let s = &self.server;
        let t = target;
        match rpc {
            CreateAgreement => {
                let title = format!("Baru {}", self.serial());
                let message = pb::CreateAgreementRequest {
                    agreement: Some(ksdd_ksb(UNIT_A, &title)),
                    ..Default::default()
                };
                s.agreements()
                    .create_agreement(request(token, message))
                    .await
                    .map(drop)
            }
            GetAgreement => {
                let message = pb::GetAgreementRequest { name: t };
                s.agreements()
                    .get_agreement(request(token, message))
                    .await
                    .map(drop)
            }
            ListAgreements => {
                let message = pb::ListAgreementsRequest {
                    region_code: REGION.into(),
                    ..Default::default()
                };
                s.agreements()
                    .list_agreements(request(token, message))
                    .await
                    .map(drop)
            }
            SearchAgreements => {
                let message = pb::SearchAgreementsRequest {
                    query: "Matriks".into(),
                    region_code: REGION.into(),
                    page_size: 0,
                };
                s.agreements()
                    .search_agreements(request(token, message))
                    .await
                    .map(drop)
            }
            UpdateAgreement => {
                let message = pb::UpdateAgreementRequest {
                    agreement: Some(pb::Agreement {
                        name: t,
                        title: "Judul yang diperbarui".into(),
                        ..Default::default()
                    }),
                    update_mask: mask("title"),
                };
                s.agreements()
                    .update_agreement(request(token, message))
                    .await
                    .map(drop)
            }
            DeleteAgreement => {
                let message = pb::DeleteAgreementRequest {
                    name: t,
                    etag: String::new(),
                };
                s.agreements()
                    .delete_agreement(request(token, message))
                    .await
                    .map(drop)
            }
            UndeleteAgreement => {
                let message = pb::UndeleteAgreementRequest { name: t };
                s.agreements()
                    .undelete_agreement(request(token, message))
                    .await
                    .map(drop)
            }
            TerminateAgreement => {
                let message = pb::TerminateAgreementRequest {
                    name: t,
                    terminated_on: String::new(),
                    reason: "Diakhiri atas kesepakatan para pihak".into(),
                };
                s.agreements()
                    .terminate_agreement(request(token, message))
                    .await
                    .map(drop)
            }
            CancelAgreement => {
                let message = pb::CancelAgreementRequest {
                    name: t,
                    cancelled_on: String::new(),
                    reason: "Mitra mengundurkan diri".into(),
                };
                s.agreements()
                    .cancel_agreement(request(token, message))
                    .await
                    .map(drop)
            }
            SetReportsOwedFrom => {
                let message = pb::SetReportsOwedFromRequest {
                    name: t,
                    reports_owed_from: "2025-01-01".into(),
                    reason: "Register lama dimulai 2025".into(),
                    etag: String::new(),
                };
                s.agreements()
                    .set_reports_owed_from(request(token, message))
                    .await
                    .map(drop)
            }
            ListAgreementEvents => {
                let message = pb::ListAgreementEventsRequest {
                    parent: t,
                    ..Default::default()
                };
                s.agreements()
                    .list_agreement_events(request(token, message))
                    .await
                    .map(drop)
            }
            CreateIndicator => {
                let message = pb::CreateIndicatorRequest {
                    parent: t,
                    indicator: Some(indicator()),
                };
                s.benefits()
                    .create_indicator(request(token, message))
                    .await
                    .map(drop)
            }
            GetIndicator => {
                let message = pb::GetIndicatorRequest { name: t };
                s.benefits()
                    .get_indicator(request(token, message))
                    .await
                    .map(drop)
            }
            ListIndicators => {
                let message = pb::ListIndicatorsRequest {
                    parent: t,
                    show_deleted: false,
                };
                s.benefits()
                    .list_indicators(request(token, message))
                    .await
                    .map(drop)
            }
            UpdateIndicator => {
                let message = pb::UpdateIndicatorRequest {
                    indicator: Some(pb::Indicator {
                        name: t,
                        title: "Retribusi sampah (diperbarui)".into(),
                        ..Default::default()
                    }),
                    update_mask: mask("title"),
                };
                s.benefits()
                    .update_indicator(request(token, message))
                    .await
                    .map(drop)
            }
            DeleteIndicator => {
                let message = pb::DeleteIndicatorRequest { name: t };
                s.benefits()
                    .delete_indicator(request(token, message))
                    .await
                    .map(drop)
            }
            CreateRealisation => {
                let message = pb::CreateRealisationRequest {
                    parent: t,
                    realisation: Some(realisation()),
                };
                s.benefits()
                    .create_realisation(request(token, message))
                    .await
                    .map(drop)
            }
            ListRealisations => {
                let message = pb::ListRealisationsRequest {
                    parent: t,
                    show_deleted: false,
                };
                s.benefits()
                    .list_realisations(request(token, message))
                    .await
                    .map(drop)
            }
            UpdateRealisation => {
                let message = pb::UpdateRealisationRequest {
                    realisation: Some(pb::Realisation {
                        name: t,
                        note: "Laporan triwulan I (dikoreksi)".into(),
                        ..Default::default()
                    }),
                    update_mask: mask("note"),
                };
                s.benefits()
                    .update_realisation(request(token, message))
                    .await
                    .map(drop)
            }
            DeleteRealisation => {
                let message = pb::DeleteRealisationRequest { name: t };
                s.benefits()
                    .delete_realisation(request(token, message))
                    .await
                    .map(drop)
            }
            CreateDocument => {
                let message = pb::CreateDocumentRequest {
                    parent: t,
                    document: Some(document()),
                };
                s.documents()
                    .create_document(request(token, message))
                    .await
                    .map(drop)
            }
            GetDocument => {
                let message = pb::GetDocumentRequest { name: t };
                s.documents()
                    .get_document(request(token, message))
                    .await
                    .map(drop)
            }
            ListDocuments => {
                let message = pb::ListDocumentsRequest {
                    parent: t,
                    show_deleted: false,
                };
                s.documents()
                    .list_documents(request(token, message))
                    .await
                    .map(drop)
            }
            DeleteDocument => {
                let message = pb::DeleteDocumentRequest { name: t };
                s.documents()
                    .delete_document(request(token, message))
                    .await
                    .map(drop)
            }
            UploadDocumentFile => {
                let pdf = crate::archive::plain_pdf("Perjanjian Kerja Sama");
                let messages = crate::archive::upload_messages(&t, "", "", &pdf, 1024);
                crate::archive::upload_grpc(s, token, messages)
                    .await
                    .map(drop)
            }
            GetDocumentFile => {
                let message = pb::GetDocumentFileRequest { name: t };
                // A server stream: the refusal may come with the response or
                // as the first message.
                let mut stream = s
                    .documents()
                    .get_document_file(request(token, message))
                    .await?
                    .into_inner();
                while stream.message().await?.is_some() {}
                Ok(())
            }
            ListDocumentFiles => {
                let message = pb::ListDocumentFilesRequest { parent: t };
                s.documents()
                    .list_document_files(request(token, message))
                    .await
                    .map(drop)
            }
            SubmitImplementationReport => {
                let message = pb::SubmitImplementationReportRequest {
                    parent: t,
                    implementation_report: Some(implementation_report()),
                };
                s.implementation_reports()
                    .submit_implementation_report(request(token, message))
                    .await
                    .map(drop)
            }
            ListImplementationReports => {
                let message = pb::ListImplementationReportsRequest { parent: t };
                s.implementation_reports()
                    .list_implementation_reports(request(token, message))
                    .await
                    .map(drop)
            }
            DeleteImplementationReport => {
                let message = pb::DeleteImplementationReportRequest { name: t };
                s.implementation_reports()
                    .delete_implementation_report(request(token, message))
                    .await
                    .map(drop)
            }
            ListReportingCycles => {
                let message = pb::ListReportingCyclesRequest {
                    parent: t,
                    as_of: String::new(),
                };
                s.implementation_reports()
                    .list_reporting_cycles(request(token, message))
                    .await
                    .map(drop)
            }
            CreateEvaluationMeeting => {
                let message = pb::CreateEvaluationMeetingRequest {
                    evaluation_meeting: Some(meeting(&self.agreement)),
                };
                s.meetings()
                    .create_evaluation_meeting(request(token, message))
                    .await
                    .map(drop)
            }
            GetEvaluationMeeting => {
                let message = pb::GetEvaluationMeetingRequest { name: t };
                s.meetings()
                    .get_evaluation_meeting(request(token, message))
                    .await
                    .map(drop)
            }
            ListEvaluationMeetings => {
                let message = pb::ListEvaluationMeetingsRequest {
                    region_code: REGION.into(),
                };
                s.meetings()
                    .list_evaluation_meetings(request(token, message))
                    .await
                    .map(drop)
            }
            CreateFinding => {
                let message = pb::CreateFindingRequest {
                    parent: t,
                    finding: Some(pb::Finding {
                        description: "Belum ada KSB baru dengan kabupaten tetangga".into(),
                        ..Default::default()
                    }),
                };
                s.meetings()
                    .create_finding(request(token, message))
                    .await
                    .map(drop)
            }
            UpdateRecommendationStatus => {
                let message = pb::UpdateRecommendationStatusRequest {
                    name: t,
                    status: pb::RecommendationStatus::Done as i32,
                    changed_on: String::new(),
                    reason: String::new(),
                };
                s.meetings()
                    .update_recommendation_status(request(token, message))
                    .await
                    .map(drop)
            }
            RunReport => {
                let message = pb::RunReportRequest::default();
                s.reports()
                    .run_report(request(token, message))
                    .await
                    .map(drop)
            }
            GetReportRun => {
                let message = pb::GetReportRunRequest { name: t };
                s.reports()
                    .get_report_run(request(token, message))
                    .await
                    .map(drop)
            }
            ListReportRuns => {
                let message = pb::ListReportRunsRequest::default();
                s.reports()
                    .list_report_runs(request(token, message))
                    .await
                    .map(drop)
            }
            GetMetricRows => {
                let message = pb::GetMetricRowsRequest {
                    run: t,
                    table: "counts_by_type".into(),
                    ..Default::default()
                };
                s.reports()
                    .get_metric_rows(request(token, message))
                    .await
                    .map(drop)
            }
            DownloadReportFile => {
                let message = pb::DownloadReportFileRequest {
                    run: t,
                    file: "counts_by_type.csv".into(),
                    dialect: String::new(),
                };
                // A server stream: the refusal may come with the response or
                // as the first message.
                let mut stream = s
                    .reports()
                    .download_report_file(request(token, message))
                    .await?
                    .into_inner();
                while stream.message().await?.is_some() {}
                Ok(())
            }
            CreateReportSchedule => {
                let message = pb::CreateReportScheduleRequest {
                    report_schedule: Some(schedule(&t)),
                };
                s.schedules()
                    .create_report_schedule(request(token, message))
                    .await
                    .map(drop)
            }
            GetReportSchedule => {
                let message = pb::GetReportScheduleRequest { name: t };
                s.schedules()
                    .get_report_schedule(request(token, message))
                    .await
                    .map(drop)
            }
            ListReportSchedules => {
                let message = pb::ListReportSchedulesRequest {};
                s.schedules()
                    .list_report_schedules(request(token, message))
                    .await
                    .map(drop)
            }
            UpdateReportSchedule => {
                let message = pb::UpdateReportScheduleRequest {
                    report_schedule: Some(pb::ReportSchedule {
                        name: t,
                        display_name: "Rekap tahunan (diperbarui)".into(),
                        ..Default::default()
                    }),
                    update_mask: mask("display_name"),
                };
                s.schedules()
                    .update_report_schedule(request(token, message))
                    .await
                    .map(drop)
            }
            DeleteReportSchedule => {
                let message = pb::DeleteReportScheduleRequest { name: t };
                s.schedules()
                    .delete_report_schedule(request(token, message))
                    .await
                    .map(drop)
            }
            ListStages => {
                let message = pb::ListStagesRequest { parent: t };
                s.stages()
                    .list_stages(request(token, message))
                    .await
                    .map(drop)
            }
            GetStage => {
                let message = pb::GetStageRequest { name: t };
                s.stages()
                    .get_stage(request(token, message))
                    .await
                    .map(drop)
            }
            StartStage => {
                let message = pb::StartStageRequest {
                    name: t,
                    ..Default::default()
                };
                s.stages()
                    .start_stage(request(token, message))
                    .await
                    .map(drop)
            }
            CompleteStage => {
                let message = pb::CompleteStageRequest {
                    name: t,
                    ..Default::default()
                };
                s.stages()
                    .complete_stage(request(token, message))
                    .await
                    .map(drop)
            }
            SkipStage => {
                let message = pb::SkipStageRequest {
                    name: t,
                    skipped_on: String::new(),
                    reason: "Inisiatif datang dari mitra".into(),
                };
                s.stages()
                    .skip_stage(request(token, message))
                    .await
                    .map(drop)
            }
            RescheduleStage => {
                let due = kerjasama_core::calendar::today() + Days::new(90);
                let message = pb::RescheduleStageRequest {
                    name: t,
                    new_due_on: due.to_string(),
                    reason: "Menunggu jadwal mitra".into(),
                    decided_on: String::new(),
                };
                s.stages()
                    .reschedule_stage(request(token, message))
                    .await
                    .map(drop)
            }
            ListStageTemplates => {
                let message = pb::ListStageTemplatesRequest::default();
                s.templates()
                    .list_stage_templates(request(token, message))
                    .await
                    .map(drop)
            }
            UpdateStageTemplate => {
                // Writes back the first stage's current target: a real change
                // that changes nothing for the other cells.
                let first = &self.template.stages[0];
                let message = pb::UpdateStageTemplateRequest {
                    stage_template: Some(pb::StageTemplate {
                        name: t,
                        stages: vec![pb::TemplateStage {
                            code: first.code.clone(),
                            target_days: first.target_days,
                            ..Default::default()
                        }],
                        ..Default::default()
                    }),
                    update_mask: mask("stages.target_days"),
                };
                s.templates()
                    .update_stage_template(request(token, message))
                    .await
                    .map(drop)
            }
            CreateUnit => {
                let message = pb::CreateUnitRequest {
                    unit: Some(pb::Unit {
                        code: t,
                        region_code: REGION.into(),
                        display_name: "Dinas baru".into(),
                        ..Default::default()
                    }),
                    request_id: String::new(),
                };
                s.units()
                    .create_unit(request(token, message))
                    .await
                    .map(drop)
            }
            GetUnit => {
                let message = pb::GetUnitRequest { name: t };
                s.units().get_unit(request(token, message)).await.map(drop)
            }
            ListUnits => {
                let message = pb::ListUnitsRequest {
                    region_code: REGION.into(),
                    ..Default::default()
                };
                s.units()
                    .list_units(request(token, message))
                    .await
                    .map(drop)
            }
            UpdateUnit => {
                let message = pb::UpdateUnitRequest {
                    unit: Some(pb::Unit {
                        name: t,
                        display_name: "Dinas berganti nama".into(),
                        ..Default::default()
                    }),
                    update_mask: mask("display_name"),
                };
                s.units()
                    .update_unit(request(token, message))
                    .await
                    .map(drop)
            }
            CreateImportRun => self
                .imports()
                .create_import_run(request(token, import_request(true)))
                .await
                .map(drop),
            GetImportRun => self
                .imports()
                .get_import_run(request(token, pb::GetImportRunRequest { name: t }))
                .await
                .map(drop),
            ListImportRuns => self
                .imports()
                .list_import_runs(request(token, pb::ListImportRunsRequest::default()))
                .await
                .map(drop),
            CommitImportRun => self
                .imports()
                .commit_import_run(request(
                    token,
                    pb::CommitImportRunRequest {
                        name: t,
                        etag: String::new(),
                    },
                ))
                .await
                .map(drop),
            ListImportRows => self
                .imports()
                .list_import_rows(request(
                    token,
                    pb::ListImportRowsRequest {
                        parent: t,
                        ..Default::default()
                    },
                ))
                .await
                .map(drop),
            DownloadImportReport => {
                let mut stream = self
                    .imports()
                    .download_import_report(request(
                        token,
                        pb::DownloadImportReportRequest {
                            name: t,
                            format: "csv".into(),
                        },
                    ))
                    .await?
                    .into_inner();
                while stream.message().await?.is_some() {}
                Ok(())
            }
            GetImportTemplate => {
                let mut stream = self
                    .imports()
                    .get_import_template(request(
                        token,
                        pb::GetImportTemplateRequest {
                            region_code: REGION.into(),
                        },
                    ))
                    .await?
                    .into_inner();
                while stream.message().await?.is_some() {}
                Ok(())
            }
            CreateDigestRecipient => self
                .digests()
                .create_digest_recipient(request(token, recipient_request()))
                .await
                .map(drop),
            GetDigestRecipient => self
                .digests()
                .get_digest_recipient(request(token, pb::GetDigestRecipientRequest { name: t }))
                .await
                .map(drop),
            ListDigestRecipients => self
                .digests()
                .list_digest_recipients(request(token, pb::ListDigestRecipientsRequest::default()))
                .await
                .map(drop),
            UpdateDigestRecipient => self
                .digests()
                .update_digest_recipient(request(
                    token,
                    pb::UpdateDigestRecipientRequest {
                        digest_recipient: Some(pb::DigestRecipient {
                            name: t,
                            display_name: "Sekretariat".into(),
                            ..Default::default()
                        }),
                        update_mask: mask("display_name"),
                    },
                ))
                .await
                .map(drop),
            DeleteDigestRecipient => self
                .digests()
                .delete_digest_recipient(request(
                    token,
                    pb::DeleteDigestRecipientRequest {
                        name: t,
                        etag: String::new(),
                    },
                ))
                .await
                .map(drop),
            CreateDigestSchedule => self
                .digests()
                .create_digest_schedule(request(token, digest_schedule_request()))
                .await
                .map(drop),
            ListDigestSchedules => self
                .digests()
                .list_digest_schedules(request(token, pb::ListDigestSchedulesRequest::default()))
                .await
                .map(drop),
            UpdateDigestSchedule => self
                .digests()
                .update_digest_schedule(request(
                    token,
                    pb::UpdateDigestScheduleRequest {
                        digest_schedule: Some(pb::DigestSchedule {
                            name: t,
                            cron: "0 8 * * 1".into(),
                            ..Default::default()
                        }),
                        update_mask: mask("cron"),
                    },
                ))
                .await
                .map(drop),
            DeleteDigestSchedule => self
                .digests()
                .delete_digest_schedule(request(
                    token,
                    pb::DeleteDigestScheduleRequest {
                        name: t,
                        etag: String::new(),
                    },
                ))
                .await
                .map(drop),
            ListDigestDeliveries => self
                .digests()
                .list_digest_deliveries(request(token, pb::ListDigestDeliveriesRequest::default()))
                .await
                .map(drop),
            SendDigest => self
                .digests()
                .send_digest(request(
                    token,
                    pb::SendDigestRequest {
                        region_code: REGION.into(),
                        validate_only: true,
                        ..Default::default()
                    },
                ))
                .await
                .map(drop),
        }
    }

    /// Runs every cell of `table`; returns one line per cell that disagrees.
    async fn run(&self, table: &str, rows: &[Row], schedule_region: &str) -> Vec<String> {
        let mut mismatches = Vec::new();
        for &(rpc, expected) in rows {
            for (column, expect) in expected.into_iter().enumerate() {
                let target = self.target(rpc, schedule_region).await;
                let token = self.tokens[column].as_deref();
                let got = match self.call(rpc, target, token).await {
                    Ok(()) => Status::ok(""),
                    Err(status) => status,
                };
                if got.code() != expect.code() {
                    mismatches.push(format!(
                        "{table}: {rpc:?} by {}: expected {expect:?} ({:?}), got {:?}: {}",
                        CALLERS[column],
                        expect.code(),
                        got.code(),
                        got.message()
                    ));
                }
            }
        }
        mismatches
    }
}

/// Every `rpc Name(` of the contract.
fn contract_rpcs() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../proto/kerjasama/v1");
    let mut rpcs = Vec::new();
    for entry in std::fs::read_dir(dir).expect("proto folder") {
        let text = std::fs::read_to_string(entry.expect("proto file").path()).expect("proto");
        for line in text.lines() {
            if let Some(rest) = line.trim_start().strip_prefix("rpc ") {
                let name = rest.split('(').next().unwrap_or_default().trim();
                rpcs.push(name.to_string());
            }
        }
    }
    rpcs.sort();
    rpcs
}

#[test]
fn the_matrix_has_one_row_for_every_rpc_of_the_contract() {
    let mut rows: Vec<String> = MATRIX.iter().map(|(rpc, _)| format!("{rpc:?}")).collect();
    rows.sort();
    assert_eq!(rows, contract_rpcs());
}

#[tokio::test]
async fn every_caller_gets_the_documented_code_from_every_rpc() {
    let ctx = Ctx::new().await;
    let mut mismatches = ctx.run("MATRIX", MATRIX, REGION).await;
    mismatches.extend(
        ctx.run("DEPLOYMENT_WIDE_SCHEDULE", DEPLOYMENT_WIDE_SCHEDULE, "")
            .await,
    );
    ctx.server.settle_runs().await;
    let cells = (MATRIX.len() + DEPLOYMENT_WIDE_SCHEDULE.len()) * CALLERS.len();
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells disagree with the access matrix:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
