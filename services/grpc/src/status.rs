//! The one mapping from [`CoreError`] to `tonic::Status`, with rich details
//! (`google.rpc.BadRequest`, `ErrorInfo`, `RequestInfo`, and for the domain
//! rules' violations a `LocalizedMessage` in Bahasa Indonesia) that any gRPC
//! client can decode from `grpc-status-details-bin`.

use std::collections::HashMap;

use kerjasama_core::{CoreError, FieldViolation};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

const DOMAIN: &str = "kerjasama.v1";

/// Request-level fields: reported as they are, not under the resource.
const REQUEST_FIELDS: &[&str] = &[
    "name",
    "etag",
    "request_id",
    "page_size",
    "page_token",
    "order_by",
    "update_mask",
    "complete_through_stage",
];

/// Maps an error; field violations are reported under `resource`
/// (`agreement.title`) unless they name a request-level field.
pub fn to_status(error: CoreError, resource: &str) -> Status {
    let reason = match &error {
        CoreError::InvalidArgument(_) => "INVALID_ARGUMENT",
        CoreError::NotFound { .. } => "NOT_FOUND",
        CoreError::AlreadyExists { .. } => "ALREADY_EXISTS",
        CoreError::FailedPrecondition(_) | CoreError::Refused { .. } => "FAILED_PRECONDITION",
        CoreError::Aborted(_) => "ETAG_MISMATCH",
        CoreError::Unauthenticated => "UNAUTHENTICATED",
        CoreError::PermissionDenied(_) => "PERMISSION_DENIED",
        CoreError::Unavailable(_) => "DATABASE_UNAVAILABLE",
        CoreError::ResourceExhausted { .. } => "QUOTA_EXCEEDED",
        CoreError::Internal(_) => "INTERNAL",
    };
    let mut details = ErrorDetails::new();
    details.set_error_info(reason, DOMAIN, HashMap::<String, String>::new());
    let code = match &error {
        CoreError::InvalidArgument(violations) => {
            let violations: Vec<tonic_types::FieldViolation> = violations
                .iter()
                .map(|v| {
                    tonic_types::FieldViolation::new(qualified(resource, v), v.description.clone())
                })
                .collect();
            details.set_bad_request(violations);
            // The rules' own Bahasa Indonesia (by code), for clients that show
            // people the message: google.rpc.LocalizedMessage, locale id-ID.
            let indonesian: Vec<String> = error_violations(&error)
                .iter()
                .filter_map(|v| {
                    v.indonesian()
                        .map(|text| format!("{}: {text}", qualified(resource, v)))
                })
                .collect();
            if !indonesian.is_empty() {
                details.set_localized_message("id-ID", indonesian.join("; "));
            }
            Code::InvalidArgument
        }
        CoreError::NotFound { .. } => Code::NotFound,
        CoreError::AlreadyExists { .. } => Code::AlreadyExists,
        CoreError::FailedPrecondition(_) => Code::FailedPrecondition,
        CoreError::Refused { wording, .. } => {
            // The rule's code beside the generic reason, and its Bahasa
            // Indonesia, for clients that show people the message.
            details.set_error_info(
                reason,
                DOMAIN,
                HashMap::from([("rule".to_string(), wording.code.to_string())]),
            );
            details.set_localized_message("id-ID", error.indonesian_refusal().unwrap_or_default());
            Code::FailedPrecondition
        }
        CoreError::Aborted(_) => Code::Aborted,
        CoreError::Unauthenticated => Code::Unauthenticated,
        CoreError::PermissionDenied(_) => Code::PermissionDenied,
        CoreError::Unavailable(cause) => {
            let id = crate::request_id::RequestId::current();
            tracing::warn!(request_id = %id, %cause, "database unavailable");
            crate::database_health::call_found_database_unavailable();
            details.set_request_info(id, "");
            details.set_retry_info(Some(std::time::Duration::from_secs(1)));
            Code::Unavailable
        }
        CoreError::ResourceExhausted {
            subject,
            message,
            retry_after,
        } => {
            details.set_quota_failure(vec![tonic_types::QuotaViolation::new(
                subject.clone(),
                message.clone(),
            )]);
            // A quota that frees with time says when; one that needs an
            // operator (the archive's) says nothing of retrying.
            if !retry_after.is_zero() {
                details.set_retry_info(Some(*retry_after));
            }
            Code::ResourceExhausted
        }
        CoreError::Internal(cause) => {
            let id = crate::request_id::RequestId::current();
            tracing::error!(request_id = %id, %cause, "internal error");
            details.set_request_info(id, "");
            Code::Internal
        }
    };
    let message = match &error {
        CoreError::InvalidArgument(violations) => {
            let listed: Vec<String> = violations
                .iter()
                .map(|v| format!("{}: {}", qualified(resource, v), v.description))
                .collect();
            format!("invalid request: {}", listed.join("; "))
        }
        // Never leak internals; the request id ties the log line to the call.
        CoreError::Internal(_) => "internal error; the server log has the details".to_string(),
        CoreError::Unavailable(_) => "the database is unavailable; retry shortly".to_string(),
        other => other.to_string(),
    };
    Status::with_error_details(code, message, details)
}

fn error_violations(error: &CoreError) -> &[FieldViolation] {
    match error {
        CoreError::InvalidArgument(violations) => violations,
        _ => &[],
    }
}

fn qualified(resource: &str, violation: &FieldViolation) -> String {
    let top = violation.field.split(['.', '[']).next().unwrap_or_default();
    if resource.is_empty() || REQUEST_FIELDS.contains(&top) {
        violation.field.clone()
    } else {
        format!("{resource}.{}", violation.field)
    }
}

/// Shorthand for handlers: `.map_err(on(RESOURCE))`.
pub fn on(resource: &'static str) -> impl Fn(CoreError) -> Status {
    move |error| to_status(error, resource)
}
