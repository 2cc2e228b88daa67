//! Digests to the units and the bureau: a real SMTP server (aiosmtpd, from
//! tests/clients/python/smtp_sink.py) and a real HTTP receiver that fails
//! twice before it accepts; the mail's headers, encoding and both parts,
//! checked by Python's own email parser, and the figures against the
//! report's own tables.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use kerjasama_jobs::digests::delivery::{SmtpSecurity, SmtpSettings};
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::digest_service_client::DigestServiceClient;
use kerjasama_tests::{Options, TestServer, assert_rejected, authed, fresh_database, scratch_dir};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tonic::Code;
use tonic::transport::Channel;

use crate::clients::{clients_dir, python};
use crate::fixtures::{REGION, create_unit};

pub(crate) const SECRET: &str = "rahasia-webhook-0123456789";

struct SmtpSink {
    port: u16,
    dir: std::path::PathBuf,
    _child: tokio::process::Child,
}

async fn smtp_sink() -> SmtpSink {
    smtp_sink_with(&[]).await
}

/// The sink with extra arguments (`--auth USER:PASS`).
async fn smtp_sink_with(args: &[&str]) -> SmtpSink {
    let dir = scratch_dir("smtp");
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = tokio::process::Command::new(python())
        .arg(clients_dir().join("python").join("smtp_sink.py"))
        .arg(&dir)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start smtp_sink.py");
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("smtp_sink.py prints its port")
        .unwrap()
        .expect("a line");
    let port = line.trim_start_matches("PORT ").trim().parse().unwrap();
    SmtpSink {
        port,
        dir,
        _child: child,
    }
}

/// One request the receiver saw: its headers (lower case) and body.
pub(crate) type Seen = (HashMap<String, String>, Vec<u8>);

/// An HTTP receiver that answers 503 to its first `failures` requests and
/// 200 afterwards.
pub(crate) async fn receiver(failures: usize) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/kerjasama/digest", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let record = record.clone();
            tokio::spawn(async move {
                let mut reader = tokio::io::BufReader::new(stream);
                let mut headers = HashMap::new();
                let mut line = String::new();
                reader.read_line(&mut line).await.unwrap();
                loop {
                    line.clear();
                    reader.read_line(&mut line).await.unwrap();
                    if line.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        headers.insert(k.trim().to_lowercase(), v.trim().to_string());
                    }
                }
                let length: usize = headers
                    .get("content-length")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(0);
                let mut body = vec![0; length];
                reader.read_exact(&mut body).await.unwrap();
                let n = {
                    let mut seen = record.lock().unwrap();
                    seen.push((headers, body));
                    seen.len()
                };
                let answer = if n <= failures {
                    "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                } else {
                    "HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                };
                let mut stream = reader.into_inner();
                stream.write_all(answer.as_bytes()).await.unwrap();
                let _ = stream.shutdown().await;
            });
        }
    });
    (url, seen)
}

pub(crate) fn client(server: &TestServer) -> DigestServiceClient<Channel> {
    DigestServiceClient::new(server.channel())
}

pub(crate) async fn recipient(
    server: &TestServer,
    unit: &str,
    channel: pb::DigestChannel,
    address: &str,
    secret: &str,
) -> Result<pb::DigestRecipient, tonic::Status> {
    client(server)
        .create_digest_recipient(authed(
            &server.admin,
            pb::CreateDigestRecipientRequest {
                digest_recipient: Some(pb::DigestRecipient {
                    region_code: REGION.into(),
                    unit: unit.into(),
                    channel: channel as i32,
                    address: address.into(),
                    display_name: "Kontak".into(),
                    secret: secret.into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

pub(crate) async fn deliveries(server: &TestServer) -> Vec<pb::DigestDelivery> {
    client(server)
        .list_digest_deliveries(authed(
            &server.admin,
            pb::ListDigestDeliveriesRequest {
                page_size: 100,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .digest_deliveries
}

/// The outbox once `settled` holds for it (or after 20 s, for the caller's
/// assertions to show what it was).
pub(crate) async fn deliveries_when(
    server: &TestServer,
    settled: impl Fn(&[pb::DigestDelivery]) -> bool,
) -> Vec<pb::DigestDelivery> {
    deliveries_within(server, Duration::from_secs(20), settled).await
}

/// The outbox once `settled` holds for it, polled for up to `patience`.
pub(crate) async fn deliveries_within(
    server: &TestServer,
    patience: Duration,
    settled: impl Fn(&[pb::DigestDelivery]) -> bool,
) -> Vec<pb::DigestDelivery> {
    let started = std::time::Instant::now();
    loop {
        let listed = deliveries(server).await;
        if settled(&listed) || started.elapsed() > patience {
            return listed;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn all_delivered(listed: &[pb::DigestDelivery]) -> bool {
    !listed.is_empty()
        && listed
            .iter()
            .all(|d| d.state == pb::DigestDeliveryState::Delivered as i32)
}

fn failed_once(listed: &[pb::DigestDelivery]) -> bool {
    listed.first().is_some_and(|d| !d.last_error.is_empty())
}

/// Parses a saved message with Python's email package: subject, headers and
/// each text part decoded.
async fn parse_mail(path: &std::path::Path) -> serde_json::Value {
    let script = r#"
import email, email.policy, json, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
parts = [{"type": p.get_content_type(), "charset": p.get_content_charset(), "cte": str(p.get('Content-Transfer-Encoding')), "text": p.get_content()} for p in m.walk() if p.get_content_maintype() == 'text']
print(json.dumps({"subject": str(m['Subject']), "message_id": str(m['Message-ID']), "to": str(m['To']), "from": str(m['From']), "type": m.get_content_type(), "delivery": str(m['Kerjasama-Delivery']), "parts": parts}))
"#;
    let output = tokio::process::Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(path)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The rows of a report table for one unit (CSV of a run as of today).
fn table_rows(
    server: &TestServer,
    run: &pb::ReportRun,
    table: &str,
    unit: &str,
) -> Vec<csv::StringRecord> {
    let path = server
        .reports_dir
        .join(run.name.trim_start_matches("reportRuns/"))
        .join(format!("{table}.csv"));
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let unit_column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "unit_code" || h == "responsible_unit")
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[unit_column] == unit)
        .collect()
}

#[tokio::test]
async fn digests_reach_each_unit_and_the_bureau_by_email_and_signed_webhook() {
    let smtp = smtp_sink().await;
    let (url, seen) = receiver(2).await;
    let server = TestServer::start_with_options(
        fresh_database().await,
        Options {
            digests: Some(Some(SmtpSettings {
                host: "127.0.0.1".into(),
                port: smtp.port,
                security: SmtpSecurity::None,
                credentials: None,
                from: "Biro Kerja Sama <kerjasama@bantenprov.go.id>".into(),
            })),
            ..Options::default()
        },
    )
    .await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    create_unit(&server, "KOSONG").await;

    // The report as of today: the figures a digest must agree with.
    let run = server
        .reports()
        .run_report(authed(&server.admin, pb::RunReportRequest::default()))
        .await
        .unwrap()
        .into_inner();
    let run = server.finished(run).await;
    assert_eq!(
        run.state,
        pb::ReportRunState::Succeeded as i32,
        "{}",
        run.error
    );
    let sql = server.sql().await;
    let units: Vec<String> = sql
        .query(
            "SELECT code FROM units WHERE code <> 'KOSONG' ORDER BY code",
            &[],
        )
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    let busiest = units
        .iter()
        .max_by_key(|u| table_rows(&server, &run, "overdue_stages", u).len())
        .unwrap()
        .clone();
    let overdue = table_rows(&server, &run, "overdue_stages", &busiest).len();
    assert!(overdue > 0, "the demo register has overdue stages");
    let ending = table_rows(&server, &run, "renewal_watch", &busiest)
        .iter()
        .filter(|r| r.iter().any(|c| c == "true"))
        .count();

    let unit_mail = recipient(
        &server,
        &format!("units/{busiest}"),
        pb::DigestChannel::Email,
        "opd@bantenprov.go.id",
        "",
    )
    .await
    .unwrap();
    recipient(
        &server,
        "units/KOSONG",
        pb::DigestChannel::Email,
        "kosong@bantenprov.go.id",
        "",
    )
    .await
    .unwrap();
    recipient(
        &server,
        "",
        pb::DigestChannel::Email,
        "biro@bantenprov.go.id",
        "",
    )
    .await
    .unwrap();
    let hook = recipient(&server, "", pb::DigestChannel::Webhook, &url, SECRET)
        .await
        .unwrap();
    assert!(hook.secret.is_empty(), "the secret is never returned");
    // The region got the default weekly schedule with its first recipient.
    let schedules = client(&server)
        .list_digest_schedules(authed(
            &server.admin,
            pb::ListDigestSchedulesRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner()
        .digest_schedules;
    assert_eq!(schedules.len(), 1);
    assert_eq!(
        (schedules[0].cron.as_str(), schedules[0].time_zone.as_str()),
        ("0 7 * * 1", "Asia/Jakarta")
    );

    // A preview sends nothing.
    let preview = client(&server)
        .send_digest(authed(
            &server.admin,
            pb::SendDigestRequest {
                region_code: REGION.into(),
                validate_only: true,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    // One digest for the unit, one for the bureau (its email and webhook
    // share it); none for the unit with nothing to say.
    let recipients: Vec<usize> = preview.digests.iter().map(|d| d.recipients.len()).collect();
    assert_eq!(
        recipients,
        [1, 2],
        "{:?}",
        preview.digests.iter().map(|d| &d.unit).collect::<Vec<_>>()
    );
    assert_eq!(preview.digests[0].unit, format!("units/{busiest}"));
    assert!(preview.digests[1].unit.is_empty());
    assert!(preview.digests[1].item_count as usize >= overdue);
    assert!(preview.digest_deliveries.is_empty());
    assert!(deliveries(&server).await.is_empty());

    // Send now: one delivery per recipient with something to say.
    let sent = client(&server)
        .send_digest(authed(
            &server.admin,
            pb::SendDigestRequest {
                region_code: REGION.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sent.digest_deliveries.len(), 3);
    let delivered = deliveries_when(&server, all_delivered).await;
    assert!(
        delivered
            .iter()
            .all(|d| d.state == pb::DigestDeliveryState::Delivered as i32),
        "{delivered:?}"
    );

    // The webhook: refused twice, accepted once, the same delivery id each time.
    let hook_delivery = delivered
        .iter()
        .find(|d| d.channel == pb::DigestChannel::Webhook as i32)
        .unwrap();
    assert_eq!(hook_delivery.attempts, 3);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 3, "two refusals and one accepted delivery");
    let id = hook_delivery.name.trim_start_matches("digestDeliveries/");
    for (headers, body) in &seen {
        assert_eq!(
            headers.get("kerjasama-delivery").map(String::as_str),
            Some(id)
        );
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(body);
        let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert_eq!(headers.get("kerjasama-signature"), Some(&expected));
        let payload: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(payload["delivery_id"], id);
        assert_eq!(
            payload["unit_code"],
            serde_json::Value::Null,
            "the bureau's digest"
        );
    }

    // Two emails (the unit's and the bureau's), none for the unit with nothing to say.
    let mut mails: Vec<std::path::PathBuf> = std::fs::read_dir(&smtp.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    mails.sort();
    assert_eq!(mails.len(), 2);
    let mut unit_seen = false;
    for path in mails {
        let mail = parse_mail(&path).await;
        assert_eq!(mail["type"], "multipart/alternative");
        assert!(
            mail["from"]
                .as_str()
                .unwrap()
                .contains("kerjasama@bantenprov.go.id")
        );
        let delivery = mail["delivery"].as_str().unwrap();
        assert_eq!(mail["message_id"], format!("<{delivery}@kerjasama>"));
        let parts = mail["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0]["type"], "text/plain");
        assert_eq!(parts[1]["type"], "text/html");
        for part in parts {
            assert_eq!(part["charset"], "utf-8");
        }
        let subject = mail["subject"].as_str().unwrap();
        assert!(subject.starts_with("Kerja sama: "), "{subject}");
        assert!(
            subject.contains('—'),
            "the subject's UTF-8 survives: {subject}"
        );
        let text = parts[0]["text"].as_str().unwrap().replace("\r\n", "\n");
        let text = text.as_str();
        assert!(text.contains("Tahapan yang terlambat"), "{text}");
        assert!(
            text.contains("\nOverdue procedure stages\n"),
            "English below the heading"
        );
        if mail["to"].as_str().unwrap().contains("opd@") {
            unit_seen = true;
            assert_eq!(delivery, unit_mail_delivery(&delivered, &unit_mail));
            assert!(
                text.contains(&format!("Tahapan yang terlambat ({overdue})")),
                "{text}"
            );
            if ending > 0 {
                assert!(
                    text.contains(&format!(
                        "Perjanjian yang berakhir dalam 180 hari ({ending})"
                    )),
                    "{text}"
                );
            }
            let listed = text
                .lines()
                .filter(|l| l.starts_with("- ") && l.contains("jatuh tempo"))
                .count();
            assert_eq!(
                listed, overdue,
                "every overdue stage of the unit, as in the report"
            );
            assert!(parts[1]["text"].as_str().unwrap().contains("<li>"));
        }
    }
    assert!(unit_seen);

    // The outbox records each delivery once per tick: a scheduler pass at a
    // tick and a second pass at the same instant queue nothing twice.
    let settings = kerjasama_jobs::digests::outbox::ComposeSettings {
        database_url: server.db.url.clone(),
        report_grace_days: 30,
        portal_url_template: None,
    };
    let monday = chrono::Utc::now() + chrono::Duration::days(8);
    let first = kerjasama_jobs::digests::outbox::scheduler_pass(&server.db.pool, &settings, monday)
        .await
        .unwrap();
    let second =
        kerjasama_jobs::digests::outbox::scheduler_pass(&server.db.pool, &settings, monday)
            .await
            .unwrap();
    assert_eq!((first, second), (3, 0));
}

fn unit_mail_delivery(delivered: &[pb::DigestDelivery], recipient: &pb::DigestRecipient) -> String {
    delivered
        .iter()
        .find(|d| d.recipient == recipient.name)
        .map(|d| d.name.trim_start_matches("digestDeliveries/").to_string())
        .unwrap()
}

#[tokio::test]
async fn bad_recipients_and_callers_are_refused() {
    let server = TestServer::start().await;
    create_unit(&server, "DLH").await;
    let cases = [
        (
            "units/DLH",
            pb::DigestChannel::Email,
            "bukan-alamat",
            "",
            "digest_recipient.address",
        ),
        (
            "units/DLH",
            pb::DigestChannel::Webhook,
            "https://opd.example.go.id/hook",
            "",
            "digest_recipient.secret",
        ),
        (
            "units/DLH",
            pb::DigestChannel::Webhook,
            "ftp://opd.example.go.id/hook",
            SECRET,
            "digest_recipient.address",
        ),
        (
            "units/DLH",
            pb::DigestChannel::Unspecified,
            "a@b.go.id",
            "",
            "digest_recipient.channel",
        ),
        (
            "units/TIDAK-ADA",
            pb::DigestChannel::Email,
            "a@b.go.id",
            "",
            "digest_recipient.unit",
        ),
        (
            "dinas",
            pb::DigestChannel::Email,
            "a@b.go.id",
            "",
            "digest_recipient.unit",
        ),
    ];
    for (unit, channel, address, secret, field) in cases {
        let status = recipient(&server, unit, channel, address, secret)
            .await
            .unwrap_err();
        assert_rejected(&status, Code::InvalidArgument, Some(field));
    }
    let officer = server
        .token(
            "officer",
            kerjasama_core::codes::Role::UnitOfficer,
            Some("DLH"),
            Some(REGION),
        )
        .await;
    let status = client(&server)
        .send_digest(authed(&officer, pb::SendDigestRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = client(&server)
        .list_digest_deliveries(authed(&officer, pb::ListDigestDeliveriesRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = client(&server)
        .create_digest_schedule(authed(
            &server.admin,
            pb::CreateDigestScheduleRequest {
                digest_schedule: Some(pb::DigestSchedule {
                    region_code: REGION.into(),
                    cron: "0 25 * * *".into(),
                    ..Default::default()
                }),
                request_id: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("digest_schedule.cron"));
    let status = client(&server)
        .send_digest(authed(
            &server.admin,
            pb::SendDigestRequest {
                region_code: REGION.into(),
                as_of: "2999-01-01".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(&status, Code::InvalidArgument, Some("as_of"));
}

/// A server that claimed a delivery and died before recording it: when its
/// lease runs out another worker sends it, under the same delivery id, and
/// the receiver gets it once.
#[tokio::test]
async fn a_delivery_whose_sender_died_is_sent_again_under_the_same_id() {
    let (url, seen) = receiver(0).await;
    let server = TestServer::start().await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    recipient(&server, "", pb::DigestChannel::Webhook, &url, SECRET)
        .await
        .unwrap();
    let sent = client(&server)
        .send_digest(authed(
            &server.admin,
            pb::SendDigestRequest {
                region_code: REGION.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(sent.digest_deliveries.len(), 1);
    let id = sent.digest_deliveries[0]
        .name
        .trim_start_matches("digestDeliveries/")
        .to_string();

    // The dead server's claim: SENDING under a one-second lease, never recorded.
    let claimed = kerjasama_jobs::digests::outbox::claim(
        &server.db.pool,
        "dead-server",
        &["WEBHOOK"],
        Duration::from_secs(1),
        16,
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 1);
    let listed = deliveries(&server).await;
    assert_eq!(listed[0].state, pb::DigestDeliveryState::Sending as i32);

    // A live worker: nothing is due until the lease runs out, then it sends.
    tokio::spawn(kerjasama_jobs::digests::outbox::run_until(
        server.db.pool.clone(),
        kerjasama_jobs::digests::delivery::Sender::new(None, true).unwrap(),
        kerjasama_jobs::digests::outbox::WorkerSettings {
            owner: "live-server".into(),
            interval: Duration::from_millis(100),
            lease: Duration::from_secs(30),
        },
        std::future::pending(),
    ));
    let delivered = deliveries_when(&server, all_delivered).await;
    assert_eq!(
        delivered[0].state,
        pb::DigestDeliveryState::Delivered as i32,
        "{delivered:?}"
    );
    assert_eq!(
        delivered[0].attempts, 2,
        "the dead attempt and the live one"
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].0.get("kerjasama-delivery").map(String::as_str),
        Some(id.as_str())
    );
}

/// A digest schedule with `after_report_runs` sends the digests of each
/// scheduled report run's date, once per run.
#[tokio::test]
async fn digests_follow_a_scheduled_report_run_when_asked() {
    let server = TestServer::start().await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    recipient(
        &server,
        "",
        pb::DigestChannel::Email,
        "biro@bantenprov.go.id",
        "",
    )
    .await
    .unwrap();
    let schedules = client(&server)
        .list_digest_schedules(authed(
            &server.admin,
            pb::ListDigestSchedulesRequest::default(),
        ))
        .await
        .unwrap()
        .into_inner()
        .digest_schedules;
    client(&server)
        .update_digest_schedule(authed(
            &server.admin,
            pb::UpdateDigestScheduleRequest {
                digest_schedule: Some(pb::DigestSchedule {
                    name: schedules[0].name.clone(),
                    after_report_runs: true,
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["after_report_runs".into()],
                }),
            },
        ))
        .await
        .unwrap();
    server
        .schedules()
        .create_report_schedule(authed(
            &server.admin,
            pb::CreateReportScheduleRequest {
                report_schedule: Some(pb::ReportSchedule {
                    region_code: REGION.into(),
                    display_name: "Tiap lima menit".into(),
                    cron: "*/5 * * * *".into(),
                    period_rule: "CURRENT_QUARTER".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();
    let config = kerjasama_jobs::scheduler::SchedulerConfig {
        database_url: server.db.url.clone(),
        reports_root: scratch_dir("digest-after-run"),
        interval: Duration::from_secs(60),
        portal_url_template: None,
    };
    let now = chrono::Utc::now() + chrono::Duration::minutes(6);
    let ran = kerjasama_jobs::scheduler::tick(&server.db.pool, &config, now)
        .await
        .unwrap();
    assert_eq!(ran.len(), 1);
    assert_eq!(ran[0].state.code(), "SUCCEEDED", "{:?}", ran[0].error);
    let sql = server.sql().await;
    let ticks: Vec<String> = sql
        .query("SELECT tick FROM digest_ticks", &[])
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(ticks, [format!("report:{}", ran[0].id)]);
    let listed = deliveries(&server).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].tick, ticks[0]);
    // The same run's tick is never queued twice.
    kerjasama_jobs::digests::outbox::after_report_run(
        &server.db.pool,
        &kerjasama_jobs::digests::outbox::ComposeSettings {
            database_url: server.db.url.clone(),
            report_grace_days: 30,
            portal_url_template: None,
        },
        ran[0].id,
        REGION,
        ran[0].as_of,
    )
    .await
    .unwrap();
    assert_eq!(deliveries(&server).await.len(), 1);
}

/// SMTP credentials from the configuration: right ones deliver, wrong ones
/// leave the delivery PENDING with the server's refusal as its last error.
#[tokio::test]
async fn smtp_credentials_come_from_the_configuration() {
    let smtp = smtp_sink_with(&["--auth", "kerjasama:rahasia-smtp"]).await;
    for (password, delivered) in [("salah", false), ("rahasia-smtp", true)] {
        let server = TestServer::start_with_options(
            fresh_database().await,
            Options {
                digests: Some(Some(SmtpSettings {
                    host: "127.0.0.1".into(),
                    port: smtp.port,
                    security: SmtpSecurity::None,
                    credentials: Some(("kerjasama".into(), password.into())),
                    from: "kerjasama@bantenprov.go.id".into(),
                })),
                ..Options::default()
            },
        )
        .await;
        kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
        recipient(
            &server,
            "",
            pb::DigestChannel::Email,
            "biro@bantenprov.go.id",
            "",
        )
        .await
        .unwrap();
        client(&server)
            .send_digest(authed(
                &server.admin,
                pb::SendDigestRequest {
                    region_code: REGION.into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap();
        let listed = if delivered {
            deliveries_when(&server, all_delivered).await
        } else {
            deliveries_when(&server, failed_once).await
        };
        if delivered {
            assert_eq!(
                listed[0].state,
                pb::DigestDeliveryState::Delivered as i32,
                "{listed:?}"
            );
        } else {
            assert_eq!(
                listed[0].state,
                pb::DigestDeliveryState::Pending as i32,
                "{listed:?}"
            );
            assert!(listed[0].last_error.contains("SMTP"), "{listed:?}");
        }
    }
    let mails = std::fs::read_dir(&smtp.dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "eml")
        })
        .count();
    assert_eq!(mails, 1, "only the authenticated server's mail arrived");
}

/// By default a webhook may not reach this machine (or link-local addresses
/// such as a cloud metadata service): the delivery waits with the reason.
#[tokio::test]
async fn webhooks_to_local_addresses_are_refused_by_default() {
    let (url, seen) = receiver(0).await;
    let server = TestServer::start().await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    recipient(&server, "", pb::DigestChannel::Webhook, &url, SECRET)
        .await
        .unwrap();
    client(&server)
        .send_digest(authed(
            &server.admin,
            pb::SendDigestRequest {
                region_code: REGION.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();
    tokio::spawn(kerjasama_jobs::digests::outbox::run_until(
        server.db.pool.clone(),
        kerjasama_jobs::digests::delivery::Sender::new(None, false).unwrap(),
        kerjasama_jobs::digests::outbox::WorkerSettings {
            owner: "default-worker".into(),
            interval: Duration::from_millis(100),
            lease: Duration::from_secs(30),
        },
        std::future::pending(),
    ));
    let listed = deliveries_when(&server, failed_once).await;
    assert_eq!(
        listed[0].state,
        pb::DigestDeliveryState::Pending as i32,
        "{listed:?}"
    );
    assert!(
        listed[0].last_error.contains("local address (127.0.0.1)"),
        "{listed:?}"
    );
    assert!(!listed[0].last_error.contains(&url), "no URL in the error");
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing reached the receiver"
    );
}

#[tokio::test]
async fn digests_name_agreements_and_stages_and_link_to_the_portal() {
    let db = kerjasama_tests::fresh_database().await;
    let server = TestServer::start_with_options(
        db,
        kerjasama_tests::Options {
            portal_url_template: Some("https://kerjasama.bantenprov.go.id/a/{id}".into()),
            ..Default::default()
        },
    )
    .await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    recipient(
        &server,
        "",
        pb::DigestChannel::Email,
        "biro@bantenprov.go.id",
        "",
    )
    .await
    .unwrap();
    let preview = client(&server)
        .send_digest(authed(
            &server.admin,
            pb::SendDigestRequest {
                region_code: REGION.into(),
                validate_only: true,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let bureau = preview
        .digests
        .iter()
        .find(|d| d.unit.is_empty())
        .expect("the bureau's digest");
    let text = &bureau.body_text;
    // Agreements by document number and title, stages and units by name,
    // report cycles written compactly; no ids but in the portal links.
    assert!(
        text.contains("415.4/07-PKS/DLHK/2024 — Perjanjian Kerja Sama Operasional TPAS"),
        "{text}"
    );
    assert!(text.contains("tahapan Penatausahaan"), "{text}");
    assert!(
        text.contains("[Dinas Lingkungan Hidup dan Kehutanan]"),
        "{text}"
    );
    assert!(text.contains("belum masuk Triwulan"), "{text}");
    assert!(
        text.contains("https://kerjasama.bantenprov.go.id/a/"),
        "{text}"
    );
    let without_links: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("https://"))
        .collect();
    assert!(!without_links.contains("agreements/"), "{text}");
    assert!(!text.contains("PENATAUSAHAAN"), "{text}");
    assert!(
        bureau
            .body_html
            .contains("<a href=\"https://kerjasama.bantenprov.go.id/a/"),
        "{}",
        bureau.body_html
    );
}

#[tokio::test]
async fn a_webhook_the_sender_would_refuse_is_refused_when_the_recipient_is_created() {
    let db = kerjasama_tests::fresh_database().await;
    let server = TestServer::start_with_options(
        db,
        kerjasama_tests::Options {
            refuse_local_webhooks: true,
            ..Default::default()
        },
    )
    .await;
    for address in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data",
    ] {
        let status = recipient(&server, "", pb::DigestChannel::Webhook, address, SECRET)
            .await
            .unwrap_err();
        assert_rejected(
            &status,
            tonic::Code::InvalidArgument,
            Some("digest_recipient.address"),
        );
    }
    // A private network address (an agency's own system) is fine.
    let created = recipient(
        &server,
        "",
        pb::DigestChannel::Webhook,
        "http://10.20.30.40/kerjasama",
        SECRET,
    )
    .await
    .unwrap();
    // And an update cannot point it at this machine afterwards.
    let mut changed = created.clone();
    changed.address = "http://127.0.0.1/x".into();
    let status = client(&server)
        .update_digest_recipient(authed(
            &server.admin,
            pb::UpdateDigestRecipientRequest {
                digest_recipient: Some(changed),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["address".into()],
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_rejected(
        &status,
        tonic::Code::InvalidArgument,
        Some("digest_recipient.address"),
    );
}
