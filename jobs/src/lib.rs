//! kerjasama-jobs: the reporting pipeline. Loads the register from PostgreSQL
//! into polars (COPY … TO STDOUT), computes the evaluation metrics, and writes
//! each run's files atomically. It reads the database; it never calls the gRPC
//! layer.

pub mod crontab;
pub mod csv_dialect;
pub mod decimals;
pub mod digests;
pub mod error;
pub mod indonesian;
pub mod labels;
pub mod load;
pub mod metrics;
pub mod names;
pub mod output;
pub mod pack;
pub mod pipeline;
pub mod queue;
pub mod retention;
pub mod rows;
pub mod run_record;
pub mod runs;
pub mod scheduler;
pub mod schedules;
pub mod workbook;

pub use error::{JobError, JobResult};
