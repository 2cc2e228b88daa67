//! kerjasama-grpc: the edge. Converts `kerjasama.v1` messages into domain
//! values, authenticates callers, calls `kerjasama-core` and `kerjasama-jobs`,
//! and maps their errors to `tonic::Status` in one place (`status`); also
//! serves report files over plain HTTP (`downloads`) for analysts' tools.

pub mod agreements;
pub mod auth;
pub mod benefits;
pub mod codes_bridge;
pub mod connections;
pub mod database_health;
pub mod deadline;
pub mod digests;
pub mod document_files;
pub mod documents;
pub mod downloads;
pub mod gate;
pub mod http_edge;
pub mod http_port;
pub mod implementation_reports;
pub mod imports;
pub mod meetings;
pub mod open_register;
pub mod prometheus;
pub mod reports;
pub mod request_check;
pub mod request_id;
pub mod schedules;
pub mod server;
pub mod stages;
pub mod status;
pub mod tls;
pub mod units;
pub mod wire;

pub use server::{ServeError, ServerConfig, serve};
