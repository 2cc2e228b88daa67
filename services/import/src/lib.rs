//! Bulk import of an existing register from a spreadsheet (XLSX) or CSV files.
//!
//! `columns` is the catalogue of sheets and columns, `cells` turns a cell into a
//! typed value, `expansion` bounds what a workbook may unpack to (checked from
//! its ZIP directory first), `read` streams a workbook or CSV files into typed
//! rows (with every cell-level problem), `template` writes the workbook a bureau fills in,
//! `problems` is the per-row report (CSV and XLSX), `messages` gives the core
//! rules' messages in Bahasa Indonesia, and `commit` validates the rows through
//! the same use cases as the API and writes them, all or nothing. `scans` lists
//! the scans that come with a register (`--documents DIR|ZIP`) and `filing`
//! files them in the document archive in the same transaction.

pub mod cells;
pub mod columns;
pub mod commit;
pub mod expansion;
pub mod filing;
pub mod messages;
pub mod problems;
pub mod read;
pub mod runs;
pub mod scans;
pub mod template;
