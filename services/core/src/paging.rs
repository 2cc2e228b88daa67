//! Page sizes and opaque keyset page tokens (AIP-158).
//!
//! A token is base64url JSON holding the sort key of the last row returned and
//! a fingerprint of the request's filters, so a token replayed with other
//! filters is rejected instead of silently skipping rows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{CoreError, CoreResult};

pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 200;

/// 0 means the default; above the maximum is coerced down (AIP-158).
pub fn page_size(requested: i32) -> CoreResult<i64> {
    match requested {
        n if n < 0 => Err(CoreError::invalid("page_size", "must not be negative")),
        0 => Ok(DEFAULT_PAGE_SIZE),
        n => Ok(i64::from(n).min(MAX_PAGE_SIZE)),
    }
}

/// The position after which the next page starts.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Cursor {
    /// The sort key of the last row, as text.
    pub key: String,
    /// The id (tie-breaker) of the last row.
    pub id: String,
}

#[derive(Serialize, Deserialize)]
struct Token {
    c: Cursor,
    f: String,
}

/// A digest of everything in the request that shapes the result set.
pub fn fingerprint(parts: &impl Serialize) -> String {
    let json = serde_json::to_vec(parts).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..12])
}

pub fn encode(cursor: Cursor, fingerprint: &str) -> String {
    let json = serde_json::to_vec(&Token {
        c: cursor,
        f: fingerprint.to_string(),
    })
    .expect("a cursor serialises");
    URL_SAFE_NO_PAD.encode(json)
}

/// Decodes `token` (empty: first page) issued for a request with `fingerprint`.
pub fn decode(token: &str, fingerprint: &str) -> CoreResult<Option<Cursor>> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || CoreError::invalid("page_token", "not a page token issued by this service");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let token: Token = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if token.f != fingerprint {
        return Err(CoreError::invalid(
            "page_token",
            "the request's filters or order changed since this token was issued",
        ));
    }
    Ok(Some(token.c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound_to_their_filters() {
        let cursor = Cursor {
            key: "2026-01-01".into(),
            id: "x".into(),
        };
        let token = encode(cursor.clone(), "abc");
        assert_eq!(decode(&token, "abc").unwrap(), Some(cursor));
        assert!(decode(&token, "abd").is_err());
        assert!(decode("garbage!", "abc").is_err());
        assert_eq!(decode("", "abc").unwrap(), None);
    }

    #[test]
    fn page_size_defaults_and_caps() {
        assert_eq!(page_size(0).unwrap(), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(1000).unwrap(), MAX_PAGE_SIZE);
        assert_eq!(page_size(7).unwrap(), 7);
        assert!(page_size(-1).is_err());
    }
}
