//! Health follows the database: `grpc.health.v1` is SERVING while a probe
//! on a connection of its own reaches the database, NOT_SERVING otherwise.
//!
//! The probe runs every `--health-interval-secs` while all is well. A call
//! that finds the database unavailable ([`call_found_database_unavailable`],
//! rung by the status mapping) has it probed at once, and while the database
//! is unreachable it is probed every [`RECOVERY_PROBE`], so health follows an
//! outage and a recovery (a failover) within a fraction of a second, not
//! within the interval.

use std::time::Duration;

use tokio::sync::Notify;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

/// The names health is reported for (every one follows the database); ""
/// is the server as a whole.
pub const SERVICES: &[&str] = &[
    "",
    "kerjasama.v1.AgreementService",
    "kerjasama.v1.UnitService",
    "kerjasama.v1.ReportService",
    "kerjasama.v1.StageService",
    "kerjasama.v1.StageTemplateService",
    "kerjasama.v1.BenefitService",
    "kerjasama.v1.ImplementationReportService",
    "kerjasama.v1.DocumentService",
    "kerjasama.v1.EvaluationMeetingService",
    "kerjasama.v1.ReportScheduleService",
];

/// How often an unreachable database is probed, until it answers.
pub const RECOVERY_PROBE: Duration = Duration::from_millis(250);

/// Rung when a call finds the database unavailable.
static TROUBLE: Notify = Notify::const_new();

/// A call found the database unavailable: probe it now.
pub fn call_found_database_unavailable() {
    // A stored permit: a probe under way when this rings runs again at once.
    TROUBLE.notify_one();
}

/// Probes the database on a connection of its own, with its own timeout: a
/// saturated pool is busy, not down, and must not turn health NOT_SERVING.
struct DatabaseProbe {
    url: String,
    client: Option<tokio_postgres::Client>,
}

impl DatabaseProbe {
    const TIMEOUT: Duration = Duration::from_secs(2);

    async fn reachable(&mut self) -> bool {
        if self.client.as_ref().is_none_or(|c| c.is_closed()) {
            let connect = tokio_postgres::connect(&self.url, tokio_postgres::NoTls);
            match tokio::time::timeout(Self::TIMEOUT, connect).await {
                Ok(Ok((client, connection))) => {
                    tokio::spawn(async move {
                        let _ = connection.await;
                    });
                    self.client = Some(client);
                }
                _ => return false,
            }
        }
        let Some(client) = &self.client else {
            return false;
        };
        let ok = matches!(
            tokio::time::timeout(Self::TIMEOUT, client.simple_query("SELECT 1")).await,
            Ok(Ok(_))
        );
        if !ok {
            self.client = None;
        }
        ok
    }
}

/// Keeps every service's health in step with the database, for ever.
pub async fn watch(reporter: HealthReporter, url: String, interval: Duration) {
    let mut probe = DatabaseProbe { url, client: None };
    let mut last = None;
    loop {
        let status = if probe.reachable().await {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        if last != Some(status) {
            if status == ServingStatus::NotServing {
                tracing::warn!("database unreachable: health is NOT_SERVING");
            } else if last.is_some() {
                tracing::info!("database reachable again: health is SERVING");
            }
            for service in SERVICES {
                reporter.set_service_status(*service, status).await;
            }
            last = Some(status);
        }
        let wait = if status == ServingStatus::Serving {
            interval
        } else {
            RECOVERY_PROBE
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = TROUBLE.notified() => {}
        }
    }
}
