//! Wire formats shared by the services: ISO dates as strings, timestamps,
//! resource names, and proto enums, each turned into domain values with a
//! field violation naming what was wrong.

use chrono::{DateTime, NaiveDate, Utc};
use kerjasama_core::{CoreError, FieldViolation};
use kerjasama_core::{calendar, decimal};

use crate::codes_bridge::Bridge;

/// Collects violations while converting a request.
#[derive(Default)]
pub struct Violations(Vec<FieldViolation>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation::new(field, description));
    }

    /// An optional `YYYY-MM-DD` date; empty means none.
    pub fn date(&mut self, field: &str, text: &str) -> Option<NaiveDate> {
        if text.is_empty() {
            return None;
        }
        let parsed = calendar::parse_date(text);
        if parsed.is_none() {
            self.0.push(FieldViolation::says(
                field,
                calendar::date_problem(text),
                vec![format!("{text:?}")],
            ));
        }
        parsed
    }

    /// A proto enum field as a domain code: `None` for UNSPECIFIED (a
    /// violation when `required`) or an unknown number (always a violation).
    pub fn code<D: Bridge>(&mut self, field: &str, value: i32, required: bool) -> Option<D> {
        if value == 0 {
            if required {
                self.add(field, "required");
            }
            return None;
        }
        let code = D::from_number(value);
        if code.is_none() {
            self.add(field, format!("{value} is not a known value"));
        }
        code
    }

    /// Adds those of `more` whose top-level field has no violation yet; only
    /// when there already are violations (else the core reports them itself).
    pub fn extend_unnamed(&mut self, more: Vec<FieldViolation>) {
        if self.0.is_empty() {
            return;
        }
        let top = |field: &str| {
            field
                .split(['.', '['])
                .next()
                .unwrap_or_default()
                .to_string()
        };
        let named: Vec<String> = self.0.iter().map(|v| top(&v.field)).collect();
        self.0
            .extend(more.into_iter().filter(|v| !named.contains(&top(&v.field))));
    }

    /// An optional exact decimal; empty means none.
    pub fn decimal(&mut self, field: &str, text: &str) -> Option<decimal::BigDecimal> {
        if text.is_empty() {
            return None;
        }
        decimal::parse(text).map_err(|e| self.add(field, e)).ok()
    }

    /// A required `YYYY-MM-DD` date.
    pub fn required_date(&mut self, field: &str, text: &str) -> Option<NaiveDate> {
        if text.is_empty() {
            self.add(field, "required (YYYY-MM-DD)");
            return None;
        }
        self.date(field, text)
    }

    /// An optional id of a document: a UUID or a resource name ending in one.
    pub fn document_id(&mut self, field: &str, text: &str) -> Option<uuid::Uuid> {
        if text.is_empty() {
            return None;
        }
        let id = uuid::Uuid::parse_str(text.rsplit('/').next().unwrap_or_default()).ok();
        if id.is_none() {
            self.add(field, "must be a document id (UUID) or its resource name");
        }
        id
    }

    pub fn finish(self) -> Result<(), CoreError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CoreError::InvalidArgument(self.0))
        }
    }
}

/// An update's field mask (AIP-134), checked once: at least one path, and
/// every path one of the fields `resource` lets a client replace.
pub struct FieldMask(Vec<String>);

impl FieldMask {
    pub fn checked(
        mask: Option<prost_types::FieldMask>,
        resource: &str,
        updatable: &[&str],
        v: &mut Violations,
    ) -> Self {
        let paths = mask.map(|m| m.paths).unwrap_or_default();
        if paths.is_empty() {
            v.add(
                "update_mask",
                format!("required: the fields to replace ({})", updatable.join(", ")),
            );
        }
        for path in &paths {
            if !updatable.contains(&path.as_str()) {
                v.add(
                    "update_mask",
                    format!(
                        "{path} is not an updatable field of {resource}; updatable: {}",
                        updatable.join(", ")
                    ),
                );
            }
        }
        Self(paths)
    }

    pub fn paths(&self) -> &[String] {
        &self.0
    }

    pub fn has(&self, path: &str) -> bool {
        self.0.iter().any(|p| p == path)
    }

    /// The request's value of `path` when the mask names it, else the stored one.
    pub fn pick<T>(&self, path: &str, requested: T, stored: T) -> T {
        if self.has(path) { requested } else { stored }
    }
}

pub fn date_text(date: Option<NaiveDate>) -> String {
    date.map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

pub fn timestamp(time: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: time.timestamp(),
        nanos: time.timestamp_subsec_nanos() as i32,
    }
}

/// An empty string is "not given".
pub fn non_empty(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

/// Keyset pages over time-ordered ids (UUIDv7): the lists whose order is
/// their id (import runs, digest recipients, schedules and deliveries).
pub struct IdPages {
    limit: i64,
    /// The id the page continues after (or before, newest first).
    pub after: Option<uuid::Uuid>,
    fingerprint: String,
}

impl IdPages {
    /// From a request's `page_size` and `page_token`; `fingerprint` names the
    /// list and its filters, so a token only continues the list it came from.
    pub fn new(size: i32, token: &str, fingerprint: String) -> Result<Self, tonic::Status> {
        use crate::status::on;
        let limit = kerjasama_core::paging::page_size(size).map_err(on(""))?;
        let after = kerjasama_core::paging::decode(token, &fingerprint)
            .map_err(on(""))?
            .and_then(|c| uuid::Uuid::parse_str(&c.id).ok());
        Ok(Self {
            limit,
            after,
            fingerprint,
        })
    }

    /// How many rows to read: one more than the page, to know whether
    /// another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }

    /// Cuts `items` (read with [`IdPages::fetch`]) to the page and returns
    /// the next page's token (empty on the last page).
    pub fn finish<T>(&self, items: &mut Vec<T>, id: impl Fn(&T) -> uuid::Uuid) -> String {
        let more = items.len() as i64 > self.limit;
        items.truncate(self.limit as usize);
        match (more, items.last()) {
            (true, Some(last)) => kerjasama_core::paging::encode(
                kerjasama_core::paging::Cursor {
                    key: String::new(),
                    id: id(last).to_string(),
                },
                &self.fingerprint,
            ),
            _ => String::new(),
        }
    }
}
