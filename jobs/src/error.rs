//! Errors of the reporting pipeline. Callers on the gRPC edge see them as
//! [`CoreError`]s (the one error type the edge maps to `tonic::Status`).

use kerjasama_core::CoreError;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("database: {}", describe(.0))]
    Database(#[from] tokio_postgres::Error),
    /// A stored record the pipeline cannot read; names the record and the fix.
    #[error("{0}")]
    BadRecord(String),
    #[error("computing metrics: {0}")]
    Polars(#[from] polars::error::PolarsError),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// tokio-postgres says only "db error"; the server's own message says what.
fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}

impl From<diesel::result::Error> for JobError {
    fn from(error: diesel::result::Error) -> Self {
        JobError::Core(error.into())
    }
}

impl From<JobError> for CoreError {
    fn from(error: JobError) -> Self {
        match error {
            JobError::Core(core) => core,
            JobError::Database(e) if e.is_closed() || e.as_db_error().is_none() => {
                CoreError::Unavailable(e.to_string())
            }
            other => CoreError::Internal(other.to_string()),
        }
    }
}

pub type JobResult<T> = Result<T, JobError>;
