//! The digest outbox, in PostgreSQL.
//!
//! **Ticks.** A tick (a schedule's cron instant, a scheduled report run, or a
//! SendDigest call) is claimed by inserting its `digest_ticks` row; in the
//! same transaction the claimer inserts one `digest_deliveries` row per
//! recipient whose digest has something to say, with the message fixed
//! (subject, both parts, the webhook JSON). `UNIQUE (tick, recipient_id)` and
//! the tick's primary key mean one delivery per (tick, recipient), however
//! many replicas race.
//!
//! **Sending.** A worker claims due PENDING rows (and SENDING rows whose lease
//! expired) with `FOR UPDATE SKIP LOCKED`, marks them SENDING with a lease in
//! the same statement, sends, and records DELIVERED, or PENDING again with an
//! exponential backoff, or FAILED after `max_attempts`. It sends up to
//! [`CONCURRENT_SENDS`] at once and at most [`SENDS_PER_ENDPOINT`] to one
//! endpoint, so a receiver that never answers delays only its own deliveries.
//!
//! **Deleting a recipient** fails its PENDING and SENDING deliveries in the
//! delete's transaction, and a sender checks the recipient is live in the
//! statement that renews its lease just before each send; from the delete's
//! commit on, the only POST or email that can still arrive is one already
//! leaving the machine.
//!
//! **The guarantee: at-least-once to the transport, with an idempotency key.**
//! A server that dies after the SMTP server or the endpoint accepted a message
//! but before DELIVERED was recorded leaves the row SENDING; when its lease
//! expires another worker sends it again, with the same delivery id (the
//! email's `Message-ID` and `Kerjasama-Delivery` header, the webhook's
//! `Kerjasama-Delivery` header and `delivery_id` field). That window is the
//! only way a receiver sees one delivery twice, and the id lets it drop the
//! repeat. No tick ever produces a second delivery for a recipient.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use kerjasama_core::CoreError;
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;
use kerjasama_core::schema::{
    digest_deliveries, digest_recipients, digest_schedules, digest_ticks,
};
use uuid::Uuid;

use super::delivery_record::{Delivery, DeliveryState, RECIPIENT_DELETED};
use super::recipients::Recipient;
use super::schedules_admin::DigestSchedule;
use super::{Digest, RegionDigests, compose, render};
use crate::error::JobResult;
use crate::schedules::{parse_cron, parse_zone};

/// One recipient's composed digest, before (or without) queueing it.
pub struct Composed {
    pub recipient: Recipient,
    pub digest: Digest,
    pub message: render::Message,
}

/// Wakes the outbox workers of this process (a delivery was queued).
static WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();

pub fn wake() {
    WAKE.notify_waiters();
}

async fn live_recipients(
    pool: &PgPool,
    region: &str,
    unit: Option<&str>,
) -> JobResult<Vec<Recipient>> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let mut query = digest_recipients::table
        .filter(digest_recipients::region_code.eq(region))
        .filter(digest_recipients::delete_time.is_null())
        .order(digest_recipients::id)
        .select(Recipient::as_select())
        .into_boxed();
    if let Some(unit) = unit {
        query = query.filter(digest_recipients::unit_code.eq(unit.to_string()));
    }
    Ok(query.load(&mut conn).await?)
}

/// Each recipient's digest, when it has something to say.
pub fn per_recipient(digests: &RegionDigests, recipients: Vec<Recipient>) -> Vec<Composed> {
    recipients
        .into_iter()
        .filter_map(|recipient| {
            let digest = digests.for_unit(recipient.unit_code.as_deref())?;
            (!digest.is_empty()).then(|| Composed {
                message: render::message(digest),
                digest: digest.clone(),
                recipient,
            })
        })
        .collect()
}

/// Claims `tick` and queues its deliveries in one transaction; `None` when
/// another process claimed the tick first.
pub async fn enqueue(
    pool: &PgPool,
    tick: &str,
    schedule_id: Option<Uuid>,
    scheduled_for: DateTime<Utc>,
    region: &str,
    as_of: NaiveDate,
    composed: &[Composed],
) -> JobResult<Option<Vec<Delivery>>> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let queued = conn
        .transaction(async |conn| {
            let claimed = diesel::insert_into(digest_ticks::table)
                .values((
                    digest_ticks::tick.eq(tick),
                    digest_ticks::region_code.eq(region),
                    digest_ticks::schedule_id.eq(schedule_id),
                    digest_ticks::scheduled_for.eq(scheduled_for),
                    digest_ticks::as_of.eq(as_of),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            if claimed == 0 {
                return Ok::<_, CoreError>(None);
            }
            let mut rows = Vec::with_capacity(composed.len());
            for c in composed {
                let id = Uuid::now_v7();
                let payload = render::payload(&c.digest, &id.to_string(), tick);
                let row: Delivery = diesel::insert_into(digest_deliveries::table)
                    .values((
                        digest_deliveries::id.eq(id),
                        digest_deliveries::region_code.eq(region),
                        digest_deliveries::tick.eq(tick),
                        digest_deliveries::recipient_id.eq(c.recipient.id),
                        digest_deliveries::unit_code.eq(&c.recipient.unit_code),
                        digest_deliveries::channel.eq(&c.recipient.channel),
                        digest_deliveries::address.eq(&c.recipient.address),
                        digest_deliveries::subject.eq(&c.message.subject),
                        digest_deliveries::body_text.eq(&c.message.text),
                        digest_deliveries::body_html.eq(&c.message.html),
                        digest_deliveries::payload.eq(payload),
                        digest_deliveries::state.eq(DeliveryState::Pending),
                    ))
                    .returning(Delivery::as_returning())
                    .get_result(conn)
                    .await?;
                rows.push(row);
            }
            Ok(Some(rows))
        })
        .await?;
    if queued.as_ref().is_some_and(|rows| !rows.is_empty()) {
        wake();
    }
    Ok(queued)
}

/// What the scheduler and SendDigest need to compose digests.
#[derive(Debug, Clone)]
pub struct ComposeSettings {
    pub database_url: String,
    pub report_grace_days: u32,
    /// A link per agreement: `{id}` replaced by its id (`--portal-url-template`).
    pub portal_url_template: Option<String>,
}

/// Composes and queues the digests of a region for `tick`; `None` when the
/// tick was already claimed.
pub async fn send_for_tick(
    pool: &PgPool,
    settings: &ComposeSettings,
    tick: &str,
    schedule_id: Option<Uuid>,
    scheduled_for: DateTime<Utc>,
    region: &str,
    as_of: NaiveDate,
) -> JobResult<Option<Vec<Delivery>>> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let taken: i64 = digest_ticks::table
        .filter(digest_ticks::tick.eq(tick))
        .count()
        .get_result(&mut conn)
        .await?;
    drop(conn);
    if taken > 0 {
        return Ok(None);
    }
    let digests = compose(
        pool,
        &settings.database_url,
        region,
        as_of,
        settings.report_grace_days,
        settings.portal_url_template.as_deref(),
    )
    .await?;
    let composed = per_recipient(&digests, live_recipients(pool, region, None).await?);
    enqueue(
        pool,
        tick,
        schedule_id,
        scheduled_for,
        region,
        as_of,
        &composed,
    )
    .await
}

/// SendDigest: composes a region's digests now (only `unit`'s recipients
/// when given); with `preview`, returns them without queueing anything.
pub async fn send_now(
    pool: &PgPool,
    settings: &ComposeSettings,
    actor: &Principal,
    region: &str,
    unit: Option<&str>,
    as_of: NaiveDate,
    preview: bool,
) -> JobResult<(Vec<Composed>, Vec<Delivery>)> {
    actor.check_admin(Some(region))?;
    let digests = compose(
        pool,
        &settings.database_url,
        region,
        as_of,
        settings.report_grace_days,
        settings.portal_url_template.as_deref(),
    )
    .await?;
    let composed = per_recipient(&digests, live_recipients(pool, region, unit).await?);
    if preview {
        return Ok((composed, Vec::new()));
    }
    let tick = format!("manual:{}", Uuid::now_v7());
    let queued = enqueue(pool, &tick, None, Utc::now(), region, as_of, &composed)
        .await?
        .unwrap_or_default();
    Ok((composed, queued))
}

/// One scheduler pass over the digest schedules at `now`: queues each due
/// tick once across every process.
pub async fn scheduler_pass(
    pool: &PgPool,
    settings: &ComposeSettings,
    now: DateTime<Utc>,
) -> JobResult<usize> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let schedules: Vec<DigestSchedule> = digest_schedules::table
        .filter(digest_schedules::delete_time.is_null())
        .filter(digest_schedules::enabled.eq(true))
        .select(DigestSchedule::as_select())
        .load(&mut conn)
        .await?;
    let mut queued = 0;
    for schedule in schedules {
        let (Ok(cron), Ok(zone)) = (parse_cron(&schedule.cron), parse_zone(&schedule.time_zone))
        else {
            continue;
        };
        let last: Option<DateTime<Utc>> = digest_ticks::table
            .filter(digest_ticks::schedule_id.eq(schedule.id))
            .select(diesel::dsl::max(digest_ticks::scheduled_for))
            .first(&mut conn)
            .await?;
        let after = last.unwrap_or(schedule.create_time);
        let Some(at) = crate::crontab::due_tick(&cron, zone, after, now) else {
            continue;
        };
        let as_of = at.with_timezone(&zone).date_naive();
        let tick = format!(
            "schedule:{}:{}",
            schedule.id,
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        match send_for_tick(
            pool,
            settings,
            &tick,
            Some(schedule.id),
            at,
            &schedule.region_code,
            as_of,
        )
        .await
        {
            Ok(Some(rows)) => {
                tracing::info!(%tick, deliveries = rows.len(), "digest tick queued");
                queued += rows.len();
            }
            Ok(None) => {}
            // One region's failure does not hold up the others' digests.
            Err(error) => {
                tracing::warn!(%error, %tick, "composing a digest tick failed; retrying next pass")
            }
        }
    }
    Ok(queued)
}

/// After a scheduled report run of `region` succeeded: the digests of the
/// run's date, when a schedule of the region asks for them.
pub async fn after_report_run(
    pool: &PgPool,
    settings: &ComposeSettings,
    run_id: Uuid,
    region: &str,
    as_of: NaiveDate,
) -> JobResult<()> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let wanted: i64 = digest_schedules::table
        .filter(digest_schedules::region_code.eq(region))
        .filter(digest_schedules::delete_time.is_null())
        .filter(digest_schedules::enabled.eq(true))
        .filter(digest_schedules::after_report_runs.eq(true))
        .count()
        .get_result(&mut conn)
        .await?;
    drop(conn);
    if wanted > 0 {
        let tick = format!("report:{run_id}");
        send_for_tick(pool, settings, &tick, None, Utc::now(), region, as_of).await?;
    }
    Ok(())
}

/// Claims up to `limit` deliveries on `channels` that are due (or whose
/// sender died with attempts left), leased to `owner` for `lease`, each with
/// its endpoint's secret. Rows whose sender died on their last attempt are
/// FAILED instead.
pub async fn claim(
    pool: &PgPool,
    owner: &str,
    channels: &[&str],
    lease: Duration,
    limit: i64,
) -> JobResult<Vec<(Delivery, Option<String>)>> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    diesel::sql_query(
        "UPDATE digest_deliveries SET state = 'FAILED', lease_owner = NULL, lease_expires_at = NULL, \
             last_error = coalesce(last_error, 'the sender stopped during its last attempt'), update_time = now() \
         WHERE state = 'SENDING' AND lease_expires_at < now() AND attempts >= max_attempts",
    )
    .execute(&mut conn)
    .await?;
    let channels: Vec<String> = channels.iter().map(|c| c.to_string()).collect();
    let claimed: Vec<Delivery> = diesel::sql_query(
        "UPDATE digest_deliveries SET state = 'SENDING', lease_owner = $1, \
             lease_expires_at = now() + make_interval(secs => $2), attempts = attempts + 1, \
             update_time = now() \
         WHERE id IN (SELECT id FROM digest_deliveries \
                      WHERE channel = ANY($4) \
                        AND ((state = 'PENDING' AND next_attempt_at <= now()) \
                          OR (state = 'SENDING' AND lease_expires_at < now() AND attempts < max_attempts)) \
                      ORDER BY next_attempt_at, id LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING *",
    )
    .bind::<diesel::sql_types::Text, _>(owner)
    .bind::<diesel::sql_types::Double, _>(lease.as_secs_f64())
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(&channels)
    .load(&mut conn)
    .await?;
    let ids: Vec<Uuid> = claimed.iter().map(|d| d.recipient_id).collect();
    let secrets: std::collections::HashMap<Uuid, Option<String>> = digest_recipients::table
        .filter(digest_recipients::id.eq_any(&ids))
        .select((digest_recipients::id, digest_recipients::secret))
        .load::<(Uuid, Option<String>)>(&mut conn)
        .await?
        .into_iter()
        .collect();
    Ok(claimed
        .into_iter()
        .map(|d| {
            let secret = secrets.get(&d.recipient_id).cloned().flatten();
            (d, secret)
        })
        .collect())
}

/// Renews this worker's lease on a delivery just before it is sent; `false`
/// when it must not be sent: the lease is no longer this worker's (it ran
/// out and another worker took the delivery), or its recipient was deleted
/// (the delivery is then FAILED, in the same statement).
pub async fn renew(
    pool: &PgPool,
    delivery: &Delivery,
    owner: &str,
    lease: Duration,
) -> JobResult<bool> {
    #[derive(QueryableByName)]
    struct Renewed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        live: bool,
    }
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let renewed: Vec<Renewed> = diesel::sql_query(
        "UPDATE digest_deliveries d SET \
             state = CASE WHEN r.delete_time IS NULL THEN 'SENDING' ELSE 'FAILED' END, \
             lease_expires_at = CASE WHEN r.delete_time IS NULL \
                 THEN now() + make_interval(secs => $3) END, \
             lease_owner = CASE WHEN r.delete_time IS NULL THEN d.lease_owner END, \
             last_error = CASE WHEN r.delete_time IS NULL THEN d.last_error ELSE $4 END, \
             update_time = now() \
         FROM digest_recipients r \
         WHERE d.id = $1 AND d.lease_owner = $2 AND d.state = 'SENDING' AND r.id = d.recipient_id \
         RETURNING r.delete_time IS NULL AS live",
    )
    .bind::<diesel::sql_types::Uuid, _>(delivery.id)
    .bind::<diesel::sql_types::Text, _>(owner)
    .bind::<diesel::sql_types::Double, _>(lease.as_secs_f64())
    .bind::<diesel::sql_types::Text, _>(RECIPIENT_DELETED)
    .load(&mut conn)
    .await?;
    Ok(renewed.iter().any(|r| r.live))
}

/// Gives a claimed delivery back without spending an attempt, due again in
/// a second: its endpoint already has [`SENDS_PER_ENDPOINT`] sends under way.
async fn defer(pool: &PgPool, delivery: &Delivery, owner: &str) -> JobResult<()> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    diesel::sql_query(
        "UPDATE digest_deliveries SET state = 'PENDING', attempts = attempts - 1, \
             lease_owner = NULL, lease_expires_at = NULL, \
             next_attempt_at = now() + interval '1 second', update_time = now() \
         WHERE id = $1 AND lease_owner = $2 AND state = 'SENDING'",
    )
    .bind::<diesel::sql_types::Uuid, _>(delivery.id)
    .bind::<diesel::sql_types::Text, _>(owner)
    .execute(&mut conn)
    .await?;
    Ok(())
}

/// Records an attempt's outcome, if `owner` still holds the lease.
pub async fn record(
    pool: &PgPool,
    delivery: &Delivery,
    owner: &str,
    outcome: Result<(), String>,
    retry_base: Duration,
) -> JobResult<()> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let mine = digest_deliveries::table
        .find(delivery.id)
        .filter(digest_deliveries::state.eq(DeliveryState::Sending))
        .filter(digest_deliveries::lease_owner.eq(owner));
    match outcome {
        Ok(()) => {
            diesel::update(mine)
                .set((
                    digest_deliveries::state.eq(DeliveryState::Delivered),
                    digest_deliveries::delivered_at.eq(diesel::dsl::now),
                    digest_deliveries::lease_owner.eq(None::<String>),
                    digest_deliveries::lease_expires_at.eq(None::<DateTime<Utc>>),
                    digest_deliveries::last_error.eq(None::<String>),
                    digest_deliveries::update_time.eq(diesel::dsl::now),
                ))
                .execute(&mut conn)
                .await?;
        }
        Err(error) => {
            let exhausted = delivery.attempts >= delivery.max_attempts;
            let exponent = u32::try_from(delivery.attempts.clamp(1, 20) - 1).unwrap_or(0);
            let delay = retry_base
                .saturating_mul(2u32.saturating_pow(exponent))
                .min(Duration::from_secs(3600));
            let next = Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default();
            let error: String = error.chars().take(2000).collect();
            tracing::warn!(delivery = %delivery.name(), attempts = delivery.attempts, %error, "digest delivery failed");
            diesel::update(mine)
                .set((
                    digest_deliveries::state.eq(if exhausted {
                        DeliveryState::Failed
                    } else {
                        DeliveryState::Pending
                    }),
                    digest_deliveries::next_attempt_at.eq(next),
                    digest_deliveries::lease_owner.eq(None::<String>),
                    digest_deliveries::lease_expires_at.eq(None::<DateTime<Utc>>),
                    digest_deliveries::last_error.eq(error),
                    digest_deliveries::update_time.eq(diesel::dsl::now),
                ))
                .execute(&mut conn)
                .await?;
        }
    }
    Ok(())
}

/// A page of the outbox, newest first.
pub async fn list(
    pool: &PgPool,
    actor: &Principal,
    state: Option<DeliveryState>,
    recipient: Option<Uuid>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Delivery>, CoreError> {
    actor.check_admin(actor.region_code.as_deref())?;
    let mut conn = pool.get().await?;
    let mut query = digest_deliveries::table
        .select(Delivery::as_select())
        .order(digest_deliveries::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(region) = &actor.region_code {
        query = query.filter(digest_deliveries::region_code.eq(region.clone()));
    }
    if let Some(state) = state {
        query = query.filter(digest_deliveries::state.eq(state));
    }
    if let Some(recipient) = recipient {
        query = query.filter(digest_deliveries::recipient_id.eq(recipient));
    }
    if let Some(before) = before {
        query = query.filter(digest_deliveries::id.lt(before));
    }
    Ok(query.load(&mut conn).await?)
}

/// How an outbox worker runs.
#[derive(Clone)]
pub struct WorkerSettings {
    /// Identifies this process's claims.
    pub owner: String,
    /// Time between passes, and the first retry's delay.
    pub interval: Duration,
    /// How long a claim lasts before another worker may send the delivery again.
    pub lease: Duration,
}

/// How many deliveries one worker sends at once.
pub const CONCURRENT_SENDS: usize = 16;
/// How many of them may go to one endpoint (a webhook's host and port; the
/// SMTP server counts as one): a slow endpoint holds at most this many.
pub const SENDS_PER_ENDPOINT: usize = 2;

/// The endpoint a delivery goes to, for [`SENDS_PER_ENDPOINT`].
fn endpoint_of(delivery: &Delivery) -> String {
    if delivery.channel != "WEBHOOK" {
        return delivery.channel.clone();
    }
    reqwest::Url::parse(&delivery.address)
        .ok()
        .and_then(|url| {
            let host = url.host_str()?.to_ascii_lowercase();
            Some(format!("{host}:{}", url.port_or_known_default()?))
        })
        .unwrap_or_else(|| delivery.address.clone())
}

/// The sends under way, by endpoint.
#[derive(Default)]
struct EndpointsBusy {
    by_task: std::collections::HashMap<tokio::task::Id, String>,
    sends: std::collections::HashMap<String, usize>,
}

impl EndpointsBusy {
    fn full(&self, endpoint: &str) -> bool {
        self.sends
            .get(endpoint)
            .is_some_and(|n| *n >= SENDS_PER_ENDPOINT)
    }

    fn started(&mut self, task: tokio::task::Id, endpoint: String) {
        *self.sends.entry(endpoint.clone()).or_default() += 1;
        self.by_task.insert(task, endpoint);
    }

    fn finished(&mut self, task: tokio::task::Id) {
        if let Some(endpoint) = self.by_task.remove(&task)
            && let Some(count) = self.sends.get_mut(&endpoint)
        {
            *count -= 1;
            if *count == 0 {
                self.sends.remove(&endpoint);
            }
        }
    }
}

/// One delivery's attempt: renew the lease (and check the recipient is
/// live), send, record.
async fn attempt(
    pool: PgPool,
    sender: super::delivery::Sender,
    settings: WorkerSettings,
    delivery: Delivery,
    secret: Option<String>,
) {
    // The lease covers this send, however long the wait before it took.
    match renew(&pool, &delivery, &settings.owner, settings.lease).await {
        Ok(true) => {}
        Ok(false) => return,
        Err(error) => {
            tracing::warn!(%error, delivery = %delivery.name(), "renewing a digest lease failed");
            return;
        }
    }
    let outcome = sender.send(&delivery, secret.as_deref()).await;
    if let Err(error) = record(
        &pool,
        &delivery,
        &settings.owner,
        outcome,
        settings.interval,
    )
    .await
    {
        tracing::warn!(%error, delivery = %delivery.name(), "recording a digest delivery failed");
    }
}

/// Sends due deliveries until `shutdown` resolves: up to
/// [`CONCURRENT_SENDS`] at once, at most [`SENDS_PER_ENDPOINT`] to one
/// endpoint, so a receiver that never answers costs its own deliveries a
/// timeout and delays no one else's. On shutdown, sends under way may finish
/// within the sender's timeouts; any left are sent again once their lease ends.
pub async fn run_until(
    pool: PgPool,
    sender: super::delivery::Sender,
    settings: WorkerSettings,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut sending = tokio::task::JoinSet::new();
    let mut endpoints = EndpointsBusy::default();
    loop {
        let woken = WAKE.notified();
        tokio::pin!(woken);
        woken.as_mut().enable();
        while let Some(done) = sending.try_join_next_with_id() {
            endpoints.finished(done.map_or_else(|error| error.id(), |(id, ())| id));
        }
        let free = CONCURRENT_SENDS - sending.len();
        let mut started = false;
        if free > 0 {
            match claim(
                &pool,
                &settings.owner,
                &sender.channels(),
                settings.lease,
                free as i64,
            )
            .await
            {
                Ok(batch) => {
                    for (delivery, secret) in batch {
                        let endpoint = endpoint_of(&delivery);
                        if endpoints.full(&endpoint) {
                            if let Err(error) = defer(&pool, &delivery, &settings.owner).await {
                                tracing::warn!(%error, delivery = %delivery.name(), "deferring a digest delivery failed");
                            }
                            continue;
                        }
                        let handle = sending.spawn(attempt(
                            pool.clone(),
                            sender.clone(),
                            settings.clone(),
                            delivery,
                            secret,
                        ));
                        endpoints.started(handle.id(), endpoint);
                        started = true;
                    }
                }
                Err(error) => tracing::warn!(%error, "digest outbox pass failed; retrying"),
            }
        }
        if started && sending.len() < CONCURRENT_SENDS {
            continue;
        }
        tokio::select! {
            _ = &mut shutdown => break,
            Some(done) = sending.join_next_with_id(), if !sending.is_empty() => {
                endpoints.finished(done.map_or_else(|error| error.id(), |(id, ())| id));
            }
            _ = &mut woken => {}
            _ = tokio::time::sleep(settings.interval) => {}
        }
    }
    let under_way = async { while sending.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(super::delivery::SMTP_TIMEOUT, under_way).await;
}

/// How many deliveries are in each state (for monitoring).
pub async fn counts_by_state(
    pool: &PgPool,
) -> JobResult<std::collections::HashMap<DeliveryState, i64>> {
    let mut conn = pool.get().await.map_err(CoreError::from)?;
    let rows: Vec<(DeliveryState, i64)> = digest_deliveries::table
        .group_by(digest_deliveries::state)
        .select((digest_deliveries::state, diesel::dsl::count_star()))
        .load(&mut conn)
        .await?;
    Ok(rows.into_iter().collect())
}
