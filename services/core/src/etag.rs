//! Etags (AIP-154): a resource's etag is its row version, quoted. A write
//! that names an etag goes through only if the resource has not changed since.

use crate::error::{CoreError, CoreResult};

/// The etag of a resource at `version`.
pub fn of(version: i64) -> String {
    format!("\"{version}\"")
}

/// Aborted when `given` (if any) is not `current`; `name` is the resource's name.
pub fn check(current: &str, given: Option<&str>, name: &str) -> CoreResult<()> {
    match given {
        Some(etag) if !etag.is_empty() && etag != current => Err(CoreError::Aborted(format!(
            "{name} changed since it was read (etag {etag} is now {current}); read it again and retry"
        ))),
        _ => Ok(()),
    }
}
