//! Issue 17, items 2 and 3: where a webhook may go when its host name
//! answers differently each time (DNS rebinding), a receiver that never
//! answers delaying no one else, and a deleted recipient receiving nothing
//! more.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kerjasama_jobs::digests::delivery::{HostLookup, Sender};
use kerjasama_jobs::digests::outbox::{self, WorkerSettings};
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{Options, TestServer, authed, fresh_database};
use tokio::io::AsyncReadExt;

use crate::digests::{SECRET, client, deliveries, deliveries_within, receiver, recipient};
use crate::fixtures::REGION;

/// A name server that answers differently on each query: a public address,
/// then this machine, then both.
struct Rebinding {
    queries: AtomicUsize,
}

impl HostLookup for Rebinding {
    fn lookup(
        &self,
        _host: String,
    ) -> std::pin::Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        let query = self.queries.fetch_add(1, Ordering::SeqCst);
        let public: IpAddr = "203.0.113.7".parse().unwrap();
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let answer = match query % 3 {
            0 => vec![public],
            1 => vec![loopback],
            _ => vec![public, loopback],
        };
        Box::pin(async move { Ok(answer) })
    }
}

async fn send_digest(server: &TestServer) -> Vec<pb::DigestDelivery> {
    client(server)
        .send_digest(authed(
            &server.admin,
            pb::SendDigestRequest {
                region_code: REGION.into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .digest_deliveries
}

fn worker(owner: &str) -> WorkerSettings {
    WorkerSettings {
        owner: owner.into(),
        interval: Duration::from_millis(100),
        lease: Duration::from_secs(30),
    }
}

#[tokio::test]
async fn a_webhook_host_that_answers_differently_each_time_never_reaches_this_machine() {
    let (url, seen) = receiver(0).await;
    let port = url.split(':').nth(2).unwrap().split('/').next().unwrap();
    let server = TestServer::start().await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    for i in 0..8 {
        let address = format!("http://rebind-{i}.kerjasama.test:{port}/kerjasama/digest");
        recipient(&server, "", pb::DigestChannel::Webhook, &address, SECRET)
            .await
            .unwrap();
    }
    assert_eq!(send_digest(&server).await.len(), 8);
    let resolver = Arc::new(Rebinding {
        queries: AtomicUsize::new(0),
    });
    let sender = Sender::with_lookup(None, false, resolver.clone()).unwrap();
    tokio::spawn(outbox::run_until(
        server.db.pool.clone(),
        sender,
        worker("rebinding-worker"),
        std::future::pending(),
    ));
    // Every delivery tried at least twice, so that each answer of the cycle
    // was met by some attempt.
    let listed = deliveries_within(&server, Duration::from_secs(60), |listed| {
        listed.len() == 8 && listed.iter().all(|d| d.attempts >= 2)
    })
    .await;
    assert!(
        listed.iter().all(|d| d.attempts >= 2),
        "every delivery tried twice: {listed:?}"
    );
    let queries = resolver.queries.load(Ordering::SeqCst);
    assert!(queries >= 16, "the resolver was asked {queries} times");
    assert!(
        seen.lock().unwrap().is_empty(),
        "a POST reached the loopback receiver"
    );
    assert!(
        listed
            .iter()
            .all(|d| d.state != pb::DigestDeliveryState::Delivered as i32),
        "{listed:?}"
    );
    assert!(
        listed
            .iter()
            .any(|d| d.last_error.contains("local address (127.0.0.1)")),
        "the refusal names the address: {listed:?}"
    );
    eprintln!(
        "{} resolver answers, {} attempts, 0 POSTs to loopback",
        queries,
        listed.iter().map(|d| d.attempts).sum::<i32>()
    );
}

/// An endpoint that accepts connections and never answers; counts the
/// connections open at once (the most seen, and now).
async fn black_hole() -> (String, Arc<Mutex<(usize, usize)>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let open: Arc<Mutex<(usize, usize)>> = Arc::default();
    let count = open.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let count = count.clone();
            tokio::spawn(async move {
                {
                    let mut c = count.lock().unwrap();
                    c.1 += 1;
                    c.0 = c.0.max(c.1);
                }
                let mut buffer = [0u8; 4096];
                // Reads until the sender gives up and closes; never answers.
                while matches!(stream.read(&mut buffer).await, Ok(n) if n > 0) {}
                count.lock().unwrap().1 -= 1;
            });
        }
    });
    (base, open)
}

#[tokio::test]
async fn a_receiver_that_never_answers_delays_no_one_else() {
    let (hole, open) = black_hole().await;
    let (healthy_url, healthy) = receiver(0).await;
    let server = TestServer::start_with_options(
        fresh_database().await,
        Options {
            digests: Some(None),
            ..Options::default()
        },
    )
    .await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    // Three recipients behind the silent endpoint first, so that a sender
    // working in order meets them before the healthy one.
    for path in ["a", "b", "c"] {
        recipient(
            &server,
            "",
            pb::DigestChannel::Webhook,
            &format!("{hole}/{path}"),
            SECRET,
        )
        .await
        .unwrap();
    }
    let healthy_recipient = recipient(
        &server,
        "",
        pb::DigestChannel::Webhook,
        &healthy_url,
        SECRET,
    )
    .await
    .unwrap();
    let sent_at = Instant::now();
    assert_eq!(send_digest(&server).await.len(), 4);
    while healthy.lock().unwrap().is_empty() && sent_at.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let delay = sent_at.elapsed();
    assert_eq!(
        healthy.lock().unwrap().len(),
        1,
        "the healthy endpoint got its digest"
    );
    // When it arrived, no silent delivery had ended yet: it waited for none.
    let listed = deliveries(&server).await;
    let silent: Vec<_> = listed
        .iter()
        .filter(|d| d.recipient != healthy_recipient.name)
        .collect();
    assert_eq!(silent.len(), 3);
    assert!(
        silent.iter().all(|d| d.last_error.is_empty()),
        "the healthy delivery waited for a silent one: {silent:?}"
    );
    // The silent endpoint is held to two sends at once; each costs the
    // sender's timeout and is then retried.
    let listed = deliveries_within(&server, Duration::from_secs(60), |listed| {
        listed
            .iter()
            .filter(|d| d.recipient != healthy_recipient.name && !d.last_error.is_empty())
            .count()
            >= 2
    })
    .await;
    let errors: Vec<_> = listed
        .iter()
        .filter(|d| d.recipient != healthy_recipient.name && !d.last_error.is_empty())
        .map(|d| d.last_error.clone())
        .collect();
    assert!(errors.len() >= 2, "{listed:?}");
    assert!(
        errors
            .iter()
            .all(|e| e.contains("timed out") || e.contains("timeout")),
        "{errors:?}"
    );
    let most_at_once = open.lock().unwrap().0;
    assert_eq!(
        most_at_once,
        outbox::SENDS_PER_ENDPOINT,
        "connections open at once to one endpoint"
    );
    eprintln!(
        "healthy delivery after {:.0} ms; at most {most_at_once} connections to the silent endpoint",
        delay.as_secs_f64() * 1000.0
    );
}

#[tokio::test]
async fn a_deleted_recipient_receives_nothing_more() {
    // An endpoint that always answers 503: its delivery keeps retrying.
    let (url, seen) = receiver(usize::MAX).await;
    let server = TestServer::start_with_options(
        fresh_database().await,
        Options {
            digests: Some(None),
            ..Options::default()
        },
    )
    .await;
    kerjasama_seed::demo::load(&server.db.pool).await.unwrap();
    let retrying = recipient(&server, "", pb::DigestChannel::Webhook, &url, SECRET)
        .await
        .unwrap();
    send_digest(&server).await;
    while seen.lock().unwrap().len() < 2 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    client(&server)
        .delete_digest_recipient(authed(
            &server.admin,
            pb::DeleteDigestRecipientRequest {
                name: retrying.name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
    // The delete's own transaction ended the delivery.
    let listed = deliveries(&server).await;
    assert_eq!(
        listed[0].state,
        pb::DigestDeliveryState::Failed as i32,
        "{listed:?}"
    );
    assert!(
        listed[0].last_error.contains("recipient was deleted"),
        "{listed:?}"
    );
    // Nothing more arrives: a send already leaving may land within its
    // timeout, then the count stays put over several retry intervals.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let settled = seen.lock().unwrap().len();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        seen.lock().unwrap().len(),
        settled,
        "POSTs after the delete"
    );

    // A recipient deleted behind the outbox's back (as a delete racing a
    // tick could leave it): the sender checks before each send.
    let (url, seen) = receiver(0).await;
    let racing = recipient(&server, "", pb::DigestChannel::Webhook, &url, SECRET)
        .await
        .unwrap();
    let id: uuid::Uuid = racing
        .name
        .trim_start_matches("digestRecipients/")
        .parse()
        .unwrap();
    let sql = server.sql().await;
    // The recipient is marked deleted, then a tick that read it while it
    // was live queues its delivery.
    sql.execute(
        "UPDATE digest_recipients SET delete_time = now() WHERE id = $1",
        &[&id],
    )
    .await
    .unwrap();
    sql.batch_execute(&format!(
        "INSERT INTO digest_ticks (tick, region_code, scheduled_for, as_of) \
         VALUES ('race', '{REGION}', now(), current_date)"
    ))
    .await
    .unwrap();
    sql.execute(
        "INSERT INTO digest_deliveries (id, region_code, tick, recipient_id, unit_code, channel, \
             address, subject, body_text, body_html, payload, state) \
         SELECT gen_random_uuid(), region_code, 'race', id, unit_code, channel, address, \
             's', 't', 'h', '{}'::jsonb, 'PENDING' \
         FROM digest_recipients WHERE id = $1",
        &[&id],
    )
    .await
    .unwrap();
    outbox::wake();
    let listed = deliveries_within(&server, Duration::from_secs(20), |listed| {
        listed.iter().any(|d| {
            d.recipient == racing.name && d.state == pb::DigestDeliveryState::Failed as i32
        })
    })
    .await;
    let raced = listed
        .iter()
        .find(|d| d.recipient == racing.name)
        .expect("the raced delivery");
    assert_eq!(
        raced.state,
        pb::DigestDeliveryState::Failed as i32,
        "{raced:?}"
    );
    assert!(
        raced.last_error.contains("recipient was deleted"),
        "{raced:?}"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "nothing sent to a deleted recipient"
    );
}
