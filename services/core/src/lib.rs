//! kerjasama-core: the agreement register of a regional government's
//! cooperation bureau (kerja sama daerah). Domain rules, PostgreSQL persistence
//! through diesel-async, and the use cases that the gRPC edge, the CLI, the
//! import and the seed loaders call. It knows nothing of gRPC.

pub mod access;
pub mod agreement_record;
pub mod agreement_search;
pub mod agreements;
pub mod archive;
pub mod audit;
pub mod benefits;
pub mod calendar;
pub mod code_labels;
pub mod codes;
pub mod decimal;
pub mod documents;
pub mod error;
pub mod etag;
pub mod events;
pub mod history;
pub mod idempotency;
pub mod implementation_reports;
pub mod meetings;
pub mod names;
pub mod open_register;
pub mod paging;
pub mod pool;
mod prerendered;
pub mod regions;
pub mod resource;
pub mod schema;
pub mod spreadsheet_cell;
pub mod stages;
pub mod text;
pub mod tokens;
pub mod units;
pub mod wording;

pub use error::{CoreError, CoreResult, FieldViolation};
