//! Page sizes and opaque keyset page tokens (AIP-158).
//!
//! A token is base64url JSON holding the sort key of the last row returned and
//! a fingerprint of the request's filters, so a token replayed with other
//! filters is rejected instead of silently skipping rows, followed by an
//! HMAC-SHA256 tag under the deployment's key (`server_keys`, shared by every
//! replica): a token the service did not issue is INVALID_ARGUMENT before any
//! of its contents is used.

use std::sync::RwLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{CoreError, CoreResult};

pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 200;

/// 0 means the default; above the maximum is coerced down (AIP-158).
pub fn page_size(requested: i32) -> CoreResult<i64> {
    match requested {
        n if n < 0 => Err(CoreError::says(
            "page_size",
            &crate::wording::NOT_NEGATIVE,
            vec![],
        )),
        0 => Ok(DEFAULT_PAGE_SIZE),
        n => Ok(i64::from(n).min(MAX_PAGE_SIZE)),
    }
}

/// Bytes of the HMAC tag kept in a token (128 bits).
const TAG_BYTES: usize = 16;

/// The signing key; until [`install_key`] runs, a random key of this process.
static KEY: RwLock<Option<Vec<u8>>> = RwLock::new(None);

/// Sets the key page tokens are signed with (every replica must share it).
pub fn install_key(key: &[u8]) {
    *KEY.write().unwrap_or_else(|e| e.into_inner()) = Some(key.to_vec());
    KEY_INSTALLED.store(true, std::sync::atomic::Ordering::Release);
}

/// Whether the deployment's key has been installed (else tokens would be
/// signed with a key of this process only).
pub fn has_key() -> bool {
    KEY_INSTALLED.load(std::sync::atomic::Ordering::Acquire)
}

static KEY_INSTALLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Installs the deployment's page-token key from `server_keys`.
pub async fn load_key(pool: &crate::pool::PgPool) -> CoreResult<()> {
    use crate::schema::server_keys;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let mut conn = pool.get().await?;
    let key: Vec<u8> = server_keys::table
        .find("page_tokens")
        .select(server_keys::key)
        .first(&mut conn)
        .await?;
    install_key(&key);
    Ok(())
}

fn tag(payload: &[u8]) -> Vec<u8> {
    let sign = |key: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
        mac.update(payload);
        mac.finalize().into_bytes()[..TAG_BYTES].to_vec()
    };
    // Every page signs or checks a token: readers share the lock.
    if let Some(key) = KEY.read().unwrap_or_else(|e| e.into_inner()).as_deref() {
        return sign(key);
    }
    let mut guard = KEY.write().unwrap_or_else(|e| e.into_inner());
    let key = guard.get_or_insert_with(|| {
        let mut key = vec![0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
        key
    });
    sign(key)
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
    let mut bytes = serde_json::to_vec(&Token {
        c: cursor,
        f: fingerprint.to_string(),
    })
    .expect("a cursor serialises");
    let tag = tag(&bytes);
    bytes.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes `token` (empty: first page) issued for a request with `fingerprint`.
pub fn decode(token: &str, fingerprint: &str) -> CoreResult<Option<Cursor>> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || CoreError::says("page_token", &crate::wording::PAGE_TOKEN_FOREIGN, vec![]);
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let split = bytes.len().checked_sub(TAG_BYTES).ok_or_else(invalid)?;
    let (payload, given) = bytes.split_at(split);
    // Constant-time comparison of the tags.
    let expected = tag(payload);
    if expected
        .iter()
        .zip(given)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        != 0
    {
        return Err(invalid());
    }
    let token: Token = serde_json::from_slice(payload).map_err(|_| invalid())?;
    if token.f != fingerprint {
        return Err(CoreError::says(
            "page_token",
            &crate::wording::PAGE_TOKEN_STALE,
            vec![],
        ));
    }
    Ok(Some(token.c))
}

/// One page of a list: its items and the token of the next (empty: the last).
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_page_token: String,
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
        // A token with its payload changed (same length) fails its tag.
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        let i = bytes.iter().position(|b| *b == b'x').unwrap();
        bytes[i] = b'y';
        assert!(decode(&URL_SAFE_NO_PAD.encode(&bytes), "abc").is_err());
        // An unsigned token of the old shape is refused.
        let unsigned =
            URL_SAFE_NO_PAD.encode(br#"{"c":{"key":"18446744073709551615","id":""},"f":"abc"}"#);
        assert!(decode(&unsigned, "abc").is_err());
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
