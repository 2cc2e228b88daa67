//! Error policy. Library crates return [`CoreError`]: one variant per outcome a
//! caller must tell apart, each carrying the words a user needs. The gRPC edge
//! maps it to `tonic::Status` in one place; `anyhow` lives only in the binary.
//! A user's mistake is never `Internal`; `Internal` is logged with its cause.

use std::fmt;

use crate::wording::Wording;

/// One rejected field: `field` is a path relative to the request's resource
/// (`title`, `parties[0].country_code`), `description` the English message.
/// A domain rule's violation also carries its [`Wording`] and the values it
/// names, so it can be read in Bahasa Indonesia by code.
#[derive(Debug, Clone)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
    pub wording: Option<(&'static Wording, Vec<String>)>,
}

impl PartialEq for FieldViolation {
    fn eq(&self, other: &Self) -> bool {
        self.field == other.field
            && self.description == other.description
            && self.code() == other.code()
    }
}

impl Eq for FieldViolation {}

impl FieldViolation {
    /// A violation described in English only (wire-format checks at the edge).
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
            wording: None,
        }
    }

    /// A domain rule's violation: `wording` with `values` in place.
    pub fn says(field: impl Into<String>, wording: &'static Wording, values: Vec<String>) -> Self {
        Self {
            field: field.into(),
            description: wording.english(&values),
            wording: Some((wording, values)),
        }
    }

    /// The wording's code, when a domain rule said it.
    pub fn code(&self) -> Option<&'static str> {
        self.wording.as_ref().map(|(w, _)| w.code)
    }

    /// The message in Bahasa Indonesia, when a domain rule said it.
    pub fn indonesian(&self) -> Option<String> {
        self.wording
            .as_ref()
            .map(|(w, values)| w.indonesian(values))
    }
}

impl fmt::Display for FieldViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.description)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("invalid request: {}", join(.0))]
    InvalidArgument(Vec<FieldViolation>),
    #[error("{resource} not found")]
    NotFound { resource: String },
    #[error("{resource} already exists")]
    AlreadyExists { resource: String },
    #[error("{0}")]
    FailedPrecondition(String),
    /// A state rule refused the call (FAILED_PRECONDITION as well), in a
    /// [`Wording`] so it reads in Bahasa Indonesia too (the import's problem
    /// report, `google.rpc.LocalizedMessage` on the status).
    #[error("{}", .wording.english(.values))]
    Refused {
        wording: &'static Wording,
        values: Vec<String>,
        /// The same values as a person reads them (a stage by its name, a
        /// status by its Indonesian name, a date as Indonesians write it),
        /// for the Bahasa Indonesia text; empty: `values`.
        named: Vec<String>,
    },
    /// A concurrent change won (etag mismatch): re-read and retry.
    #[error("{0}")]
    Aborted(String),
    #[error("missing or invalid bearer token")]
    Unauthenticated,
    #[error("{0}")]
    PermissionDenied(String),
    /// The database cannot be reached or the pool is exhausted.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The caller has used up a quota (`subject` names it, e.g. the
    /// caller's queued report runs); retry after `retry_after`.
    #[error("{message}")]
    ResourceExhausted {
        subject: String,
        message: String,
        retry_after: std::time::Duration,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

fn join(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl CoreError {
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        CoreError::InvalidArgument(vec![FieldViolation::new(field, description)])
    }

    /// One domain rule's violation (see [`FieldViolation::says`]).
    pub fn says(field: impl Into<String>, wording: &'static Wording, values: Vec<String>) -> Self {
        CoreError::InvalidArgument(vec![FieldViolation::says(field, wording, values)])
    }

    /// A state rule's refusal: `wording` with `values` in place.
    pub fn refused(wording: &'static Wording, values: Vec<String>) -> Self {
        CoreError::Refused {
            wording,
            values,
            named: Vec::new(),
        }
    }

    /// A refusal whose Bahasa Indonesia names its values for people
    /// (`named`, one per value) while the English keeps the codes.
    pub fn refused_named(
        wording: &'static Wording,
        values: Vec<String>,
        named: Vec<String>,
    ) -> Self {
        debug_assert_eq!(values.len(), named.len());
        CoreError::Refused {
            wording,
            values,
            named,
        }
    }

    /// The refusal in Bahasa Indonesia, when a state rule said it.
    pub fn indonesian_refusal(&self) -> Option<String> {
        match self {
            CoreError::Refused { wording, named, .. } if !named.is_empty() => {
                Some(wording.indonesian(named))
            }
            CoreError::Refused {
                wording, values, ..
            } => Some(wording.indonesian(values)),
            _ => None,
        }
    }

    pub fn not_found(resource: impl Into<String>) -> Self {
        CoreError::NotFound {
            resource: resource.into(),
        }
    }
}

impl From<diesel::result::Error> for CoreError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match error {
            Error::NotFound => CoreError::not_found("resource"),
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                CoreError::Aborted(format!("concurrent change, retry: {}", info.message()))
            }
            // The connection broke, or the server is a standby, starting,
            // stopping or crashed: the call can be retried once it is back.
            Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection
                | DatabaseErrorKind::UnableToSendCommand
                | DatabaseErrorKind::ReadOnlyTransaction,
                info,
            ) => CoreError::Unavailable(info.message().to_string()),
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if server_unavailable(info.message()) =>
            {
                CoreError::Unavailable(info.message().to_string())
            }
            Error::BrokenTransactionManager => {
                CoreError::Unavailable("the connection broke during a transaction".into())
            }
            // Constraint violations that Rust validation did not catch first are
            // still the caller's data, but we cannot name the field: say what
            // the database said, without leaking SQL.
            Error::DatabaseError(
                kind @ (DatabaseErrorKind::CheckViolation
                | DatabaseErrorKind::ForeignKeyViolation
                | DatabaseErrorKind::NotNullViolation),
                info,
            ) => {
                tracing::warn!(
                    ?kind,
                    constraint = info.constraint_name(),
                    "constraint rejected a write"
                );
                CoreError::FailedPrecondition(format!(
                    "the register rejected the change ({})",
                    info.constraint_name().unwrap_or("constraint")
                ))
            }
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                CoreError::AlreadyExists {
                    resource: info.constraint_name().unwrap_or("record").to_string(),
                }
            }
            other => CoreError::Internal(other.to_string()),
        }
    }
}

/// PostgreSQL's messages for SQLSTATE classes 08 (connection exception) and
/// 57P (operator intervention: shutdown, crash, not accepting connections),
/// which diesel does not classify. The embedded cluster speaks English (C.UTF-8).
fn server_unavailable(message: &str) -> bool {
    const SIGNS: &[&str] = &[
        "terminating connection",
        "the database system is",
        "server closed the connection",
        "connection to server",
        "could not receive data",
        "could not send data",
        "no connection to the server",
        "canceling statement due to conflict with recovery",
    ];
    SIGNS.iter().any(|sign| message.contains(sign))
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for CoreError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        CoreError::Unavailable(error.to_string())
    }
}

pub type CoreResult<T> = Result<T, CoreError>;
