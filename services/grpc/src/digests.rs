//! `kerjasama.v1.DigestService`: digest recipients, digest schedules, the
//! outbox, and sending (or previewing) a region's digests now.

use kerjasama_core::paging;
use kerjasama_core::pool::PgPool;
use kerjasama_core::{CoreError, calendar, units};
use kerjasama_jobs::digests::delivery_record::{Delivery, DeliveryState};
use kerjasama_jobs::digests::outbox::{self, ComposeSettings, Composed};
use kerjasama_jobs::digests::recipients::{
    self, Channel, Recipient, RecipientChange, RecipientFields,
};
use kerjasama_jobs::digests::render;
use kerjasama_jobs::digests::schedules_admin::{self, DigestSchedule, DigestScheduleFields};
use kerjasama_proto::v1 as pb;
use kerjasama_proto::v1::digest_service_server::DigestService;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::status::on;
use crate::wire::{FieldMask, IdPages, Violations, non_empty, timestamp};

pub struct Digests {
    pool: PgPool,
    compose: ComposeSettings,
    /// `--digest-allow-local-webhooks`: recipients may be on this machine.
    allow_local_webhooks: bool,
}

impl Digests {
    pub fn new(pool: PgPool, compose: ComposeSettings, allow_local_webhooks: bool) -> Self {
        Self {
            pool,
            compose,
            allow_local_webhooks,
        }
    }
}

fn channel_to_proto(code: &str) -> i32 {
    match code {
        "EMAIL" => pb::DigestChannel::Email as i32,
        "WEBHOOK" => pb::DigestChannel::Webhook as i32,
        _ => pb::DigestChannel::Unspecified as i32,
    }
}

fn unit_name(code: &Option<String>) -> String {
    code.as_ref()
        .map(|c| format!("units/{c}"))
        .unwrap_or_default()
}

fn recipient_to_proto(r: Recipient) -> pb::DigestRecipient {
    pb::DigestRecipient {
        name: r.name(),
        etag: r.etag(),
        region_code: r.region_code,
        unit: unit_name(&r.unit_code),
        channel: channel_to_proto(&r.channel),
        address: r.address,
        display_name: r.display_name,
        secret: String::new(),
        create_time: Some(timestamp(r.create_time)),
        update_time: Some(timestamp(r.update_time)),
        delete_time: r.delete_time.map(timestamp),
    }
}

fn schedule_to_proto(s: DigestSchedule) -> pb::DigestSchedule {
    pb::DigestSchedule {
        name: s.name(),
        etag: s.etag(),
        region_code: s.region_code,
        display_name: s.display_name,
        cron: s.cron,
        time_zone: s.time_zone,
        enabled: Some(s.enabled),
        after_report_runs: s.after_report_runs,
        create_time: Some(timestamp(s.create_time)),
        update_time: Some(timestamp(s.update_time)),
        delete_time: s.delete_time.map(timestamp),
    }
}

fn delivery_state(state: DeliveryState) -> i32 {
    (match state {
        DeliveryState::Pending => pb::DigestDeliveryState::Pending,
        DeliveryState::Sending => pb::DigestDeliveryState::Sending,
        DeliveryState::Delivered => pb::DigestDeliveryState::Delivered,
        DeliveryState::Failed => pb::DigestDeliveryState::Failed,
    }) as i32
}

fn delivery_to_proto(d: Delivery) -> pb::DigestDelivery {
    pb::DigestDelivery {
        name: d.name(),
        region_code: d.region_code,
        recipient: format!("digestRecipients/{}", d.recipient_id),
        unit: unit_name(&d.unit_code),
        channel: channel_to_proto(&d.channel),
        address: d.address,
        tick: d.tick,
        subject: d.subject,
        state: delivery_state(d.state),
        attempts: d.attempts,
        max_attempts: d.max_attempts,
        next_attempt_time: Some(timestamp(d.next_attempt_at)),
        last_error: d.last_error.unwrap_or_default(),
        deliver_time: d.delivered_at.map(timestamp),
        create_time: Some(timestamp(d.create_time)),
    }
}

/// One digest per unit (and one for the bureau), naming all its recipients.
fn composed_to_proto(composed: &[Composed]) -> Vec<pb::Digest> {
    let mut out: Vec<pb::Digest> = Vec::new();
    for c in composed {
        let unit = unit_name(&c.recipient.unit_code);
        if let Some(same) = out.iter_mut().find(|d| d.unit == unit) {
            same.recipients.push(c.recipient.name());
            continue;
        }
        out.push(pb::Digest {
            recipients: vec![c.recipient.name()],
            unit,
            subject: c.message.subject.clone(),
            body_text: c.message.text.clone(),
            body_html: c.message.html.clone(),
            payload_json: render::payload(&c.digest, "", "preview").to_string(),
            item_count: c.digest.item_count() as i32,
        });
    }
    out
}

/// `units/{code}` → code; empty → None.
fn unit_code(v: &mut Violations, field: &str, name: &str) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    match units::parse_name(name) {
        Some(code) => Some(code.to_string()),
        None => {
            v.add(field, "must be units/{code}");
            None
        }
    }
}

fn id_of(
    field: &str,
    name: &str,
    parse: fn(&str) -> Option<uuid::Uuid>,
    shape: &str,
) -> Result<uuid::Uuid, Status> {
    parse(name).ok_or_else(|| on("")(CoreError::invalid(field, format!("must be {shape}"))))
}

#[tonic::async_trait]
impl DigestService for Digests {
    async fn create_digest_recipient(
        &self,
        request: Request<pb::CreateDigestRecipientRequest>,
    ) -> Result<Response<pb::DigestRecipient>, Status> {
        let actor = caller(&request)?;
        let r = request
            .into_inner()
            .digest_recipient
            .ok_or_else(|| on("")(CoreError::invalid("digest_recipient", "required")))?;
        let mut v = Violations::default();
        let unit = unit_code(&mut v, "unit", &r.unit);
        let channel = match pb::DigestChannel::try_from(r.channel) {
            Ok(pb::DigestChannel::Email) => Some(Channel::Email),
            Ok(pb::DigestChannel::Webhook) => Some(Channel::Webhook),
            Ok(pb::DigestChannel::Unspecified) => None,
            Err(_) => {
                v.add("channel", "not a DigestChannel value");
                None
            }
        };
        v.finish().map_err(on("digest_recipient"))?;
        let created = recipients::create(
            &self.pool,
            &actor,
            RecipientFields {
                region_code: non_empty(&r.region_code),
                unit_code: unit,
                channel,
                address: r.address,
                display_name: r.display_name,
                secret: non_empty(&r.secret),
            },
            self.allow_local_webhooks,
        )
        .await
        .map_err(on("digest_recipient"))?;
        Ok(Response::new(recipient_to_proto(created)))
    }

    async fn get_digest_recipient(
        &self,
        request: Request<pb::GetDigestRecipientRequest>,
    ) -> Result<Response<pb::DigestRecipient>, Status> {
        let actor = caller(&request)?;
        let id = id_of(
            "name",
            &request.get_ref().name,
            recipients::parse_name,
            "digestRecipients/{id}",
        )?;
        let r = recipients::get(&self.pool, &actor, id)
            .await
            .map_err(on(""))?;
        Ok(Response::new(recipient_to_proto(r)))
    }

    async fn list_digest_recipients(
        &self,
        request: Request<pb::ListDigestRecipientsRequest>,
    ) -> Result<Response<pb::ListDigestRecipientsResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut v = Violations::default();
        let unit = unit_code(&mut v, "unit", &request.unit);
        v.finish().map_err(on(""))?;
        let pages = IdPages::new(
            request.page_size,
            &request.page_token,
            paging::fingerprint(&("digestRecipients", &unit, request.show_deleted)),
        )?;
        let mut found = recipients::list(
            &self.pool,
            &actor,
            unit.as_deref(),
            request.show_deleted,
            pages.after,
            pages.fetch(),
        )
        .await
        .map_err(on(""))?;
        let next_page_token = pages.finish(&mut found, |r| r.id);
        Ok(Response::new(pb::ListDigestRecipientsResponse {
            digest_recipients: found.into_iter().map(recipient_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn update_digest_recipient(
        &self,
        request: Request<pb::UpdateDigestRecipientRequest>,
    ) -> Result<Response<pb::DigestRecipient>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let r = request
            .digest_recipient
            .ok_or_else(|| on("")(CoreError::invalid("digest_recipient", "required")))?;
        let id = id_of(
            "digest_recipient.name",
            &r.name,
            recipients::parse_name,
            "digestRecipients/{id}",
        )?;
        let mut v = Violations::default();
        let mask = FieldMask::checked(
            request.update_mask,
            "DigestRecipient",
            &["display_name", "address", "secret"],
            &mut v,
        );
        v.finish().map_err(on(""))?;
        let mut changes = Vec::new();
        for path in mask.paths() {
            match path.as_str() {
                "display_name" => {
                    changes.push(RecipientChange::DisplayName(r.display_name.clone()))
                }
                "address" => changes.push(RecipientChange::Address(r.address.clone())),
                _ => changes.push(RecipientChange::Secret(r.secret.clone())),
            }
        }
        let updated = recipients::update(
            &self.pool,
            &actor,
            id,
            changes,
            non_empty(&r.etag).as_deref(),
            self.allow_local_webhooks,
        )
        .await
        .map_err(on("digest_recipient"))?;
        Ok(Response::new(recipient_to_proto(updated)))
    }

    async fn delete_digest_recipient(
        &self,
        request: Request<pb::DeleteDigestRecipientRequest>,
    ) -> Result<Response<pb::DigestRecipient>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let id = id_of(
            "name",
            &request.name,
            recipients::parse_name,
            "digestRecipients/{id}",
        )?;
        let deleted =
            recipients::delete(&self.pool, &actor, id, non_empty(&request.etag).as_deref())
                .await
                .map_err(on(""))?;
        Ok(Response::new(recipient_to_proto(deleted)))
    }

    async fn create_digest_schedule(
        &self,
        request: Request<pb::CreateDigestScheduleRequest>,
    ) -> Result<Response<pb::DigestSchedule>, Status> {
        let actor = caller(&request)?;
        let s = request
            .into_inner()
            .digest_schedule
            .ok_or_else(|| on("")(CoreError::invalid("digest_schedule", "required")))?;
        let created = schedules_admin::create(
            &self.pool,
            &actor,
            non_empty(&s.region_code),
            DigestScheduleFields {
                display_name: s.display_name,
                cron: non_empty(&s.cron).unwrap_or_else(|| recipients::DEFAULT_CRON.into()),
                time_zone: non_empty(&s.time_zone).unwrap_or_else(|| "Asia/Jakarta".into()),
                enabled: s.enabled.unwrap_or(true),
                after_report_runs: s.after_report_runs,
            },
        )
        .await
        .map_err(on("digest_schedule"))?;
        Ok(Response::new(schedule_to_proto(created)))
    }

    async fn list_digest_schedules(
        &self,
        request: Request<pb::ListDigestSchedulesRequest>,
    ) -> Result<Response<pb::ListDigestSchedulesResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let pages = IdPages::new(
            request.page_size,
            &request.page_token,
            paging::fingerprint(&"digestSchedules"),
        )?;
        let mut all: Vec<DigestSchedule> = schedules_admin::list(&self.pool, &actor)
            .await
            .map_err(on(""))?
            .into_iter()
            .filter(|s| pages.after.is_none_or(|a| s.id > a))
            .collect();
        let next_page_token = pages.finish(&mut all, |s| s.id);
        Ok(Response::new(pb::ListDigestSchedulesResponse {
            digest_schedules: all.into_iter().map(schedule_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn update_digest_schedule(
        &self,
        request: Request<pb::UpdateDigestScheduleRequest>,
    ) -> Result<Response<pb::DigestSchedule>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let s = request
            .digest_schedule
            .ok_or_else(|| on("")(CoreError::invalid("digest_schedule", "required")))?;
        let id = id_of(
            "digest_schedule.name",
            &s.name,
            schedules_admin::parse_name,
            "digestSchedules/{id}",
        )?;
        let mut v = Violations::default();
        let mask = FieldMask::checked(
            request.update_mask,
            "DigestSchedule",
            &[
                "display_name",
                "cron",
                "time_zone",
                "enabled",
                "after_report_runs",
            ],
            &mut v,
        );
        v.finish().map_err(on(""))?;
        let etag = non_empty(&s.etag);
        let merge = move |before: &DigestSchedule| DigestScheduleFields {
            display_name: mask.pick(
                "display_name",
                s.display_name.clone(),
                before.display_name.clone(),
            ),
            cron: mask.pick("cron", s.cron.clone(), before.cron.clone()),
            time_zone: mask.pick("time_zone", s.time_zone.clone(), before.time_zone.clone()),
            enabled: mask.pick("enabled", s.enabled.unwrap_or(true), before.enabled),
            after_report_runs: mask.pick(
                "after_report_runs",
                s.after_report_runs,
                before.after_report_runs,
            ),
        };
        let updated = schedules_admin::change(
            &self.pool,
            &actor,
            id,
            Some(Box::new(merge)),
            etag.as_deref(),
        )
        .await
        .map_err(on("digest_schedule"))?;
        Ok(Response::new(schedule_to_proto(updated)))
    }

    async fn delete_digest_schedule(
        &self,
        request: Request<pb::DeleteDigestScheduleRequest>,
    ) -> Result<Response<pb::DigestSchedule>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let id = id_of(
            "name",
            &request.name,
            schedules_admin::parse_name,
            "digestSchedules/{id}",
        )?;
        let deleted = schedules_admin::change(
            &self.pool,
            &actor,
            id,
            None,
            non_empty(&request.etag).as_deref(),
        )
        .await
        .map_err(on(""))?;
        Ok(Response::new(schedule_to_proto(deleted)))
    }

    async fn list_digest_deliveries(
        &self,
        request: Request<pb::ListDigestDeliveriesRequest>,
    ) -> Result<Response<pb::ListDigestDeliveriesResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut v = Violations::default();
        let state = match pb::DigestDeliveryState::try_from(request.state) {
            Ok(pb::DigestDeliveryState::Unspecified) => None,
            Ok(pb::DigestDeliveryState::Pending) => Some(DeliveryState::Pending),
            Ok(pb::DigestDeliveryState::Sending) => Some(DeliveryState::Sending),
            Ok(pb::DigestDeliveryState::Delivered) => Some(DeliveryState::Delivered),
            Ok(pb::DigestDeliveryState::Failed) => Some(DeliveryState::Failed),
            Err(_) => {
                v.add("state", "not a DigestDeliveryState value");
                None
            }
        };
        let recipient = match non_empty(&request.recipient) {
            None => None,
            Some(name) => match recipients::parse_name(&name) {
                Some(id) => Some(id),
                None => {
                    v.add("recipient", "must be digestRecipients/{id}");
                    None
                }
            },
        };
        v.finish().map_err(on(""))?;
        let pages = IdPages::new(
            request.page_size,
            &request.page_token,
            paging::fingerprint(&("digestDeliveries", state, recipient)),
        )?;
        let mut found = outbox::list(
            &self.pool,
            &actor,
            state,
            recipient,
            pages.after,
            pages.fetch(),
        )
        .await
        .map_err(on(""))?;
        let next_page_token = pages.finish(&mut found, |d| d.id);
        Ok(Response::new(pb::ListDigestDeliveriesResponse {
            digest_deliveries: found.into_iter().map(delivery_to_proto).collect(),
            next_page_token,
        }))
    }

    async fn send_digest(
        &self,
        request: Request<pb::SendDigestRequest>,
    ) -> Result<Response<pb::SendDigestResponse>, Status> {
        let actor = caller(&request)?;
        let request = request.into_inner();
        let mut v = Violations::default();
        let unit = unit_code(&mut v, "unit", &request.unit);
        let as_of = v.date("as_of", &request.as_of);
        let today = calendar::today();
        if as_of.is_some_and(|d| d > today) {
            v.add(
                "as_of",
                format!("must not be after today ({today} in Asia/Jakarta)"),
            );
        }
        let region = non_empty(&request.region_code).or_else(|| actor.region_code.clone());
        if region.is_none() {
            v.add(
                "region_code",
                "required: the Kemendagri code of the region, e.g. 36",
            );
        }
        v.finish().map_err(on(""))?;
        let region = region.unwrap_or_default();
        let (composed, queued) = outbox::send_now(
            &self.pool,
            &self.compose,
            &actor,
            &region,
            unit.as_deref(),
            as_of.unwrap_or(today),
            request.validate_only,
        )
        .await
        .map_err(|e| on("")(e.into()))?;
        Ok(Response::new(pb::SendDigestResponse {
            digests: composed_to_proto(&composed),
            digest_deliveries: queued.into_iter().map(delivery_to_proto).collect(),
        }))
    }
}
