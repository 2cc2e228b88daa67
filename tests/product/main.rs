//! kerjasama driven from outside: every test starts a real server on its own
//! copy of a real PostgreSQL database and calls it through generated tonic
//! clients, as any program of the bureau would.

mod access;
mod access_matrix;
mod agreements;
mod archive;
mod archive_s3;
mod archive_scan;
mod audit;
mod backups;
mod bad_input;
mod bench;
mod benefits;
mod bounded_work;
mod clients;
mod connections;
mod deadlines;
mod digest_delivery;
mod digests;
mod documents;
mod failover;
mod faults;
mod fixtures;
mod hardening;
mod history;
mod implementation_reports;
mod import_bombs;
mod import_scans;
mod imports;
mod listing;
mod meetings;
mod metrics;
mod open_register;
mod reports;
mod schedules;
mod service;
mod spreadsheet_cells;
mod stages;
mod state;
mod synthetic;
mod tls;
mod units;
