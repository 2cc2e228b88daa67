//! Bearer-token authentication: `authorization: Bearer <token>` resolves to a
//! [`Principal`]. It runs once per call, in [`crate::gate`], in front of every
//! service; handlers read the principal with [`caller`] and decide only what
//! it may do (the rules are in `kerjasama_core::access`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kerjasama_core::CoreError;
use kerjasama_core::access::Principal;
use kerjasama_core::pool::PgPool;
use kerjasama_core::tokens;
use tonic::{Request, Status};

use crate::status::to_status;

/// How long a resolved token is trusted without asking the database again.
/// Revocation normally reaches every server at once through the
/// `kerjasama_api_tokens` notification; this bounds it when a notification
/// is missed.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(1);

/// Resolved tokens by the SHA-256 of their secret, with when they were read.
/// Only used while the listener is connected: without it the cache is
/// bypassed, so a revocation is never missed for longer than the TTL.
#[derive(Default)]
struct TokenCache {
    entries: Mutex<Entries>,
    listening: AtomicBool,
}

#[derive(Default)]
struct Entries {
    by_digest: HashMap<[u8; 32], (Principal, Instant)>,
    /// Bumped by every clear: a lookup that began before a clear does not
    /// store what it read (it may predate the change that caused the clear).
    generation: u64,
}

impl TokenCache {
    /// Entries beyond this are dropped wholesale (a flood of distinct valid
    /// tokens cannot grow memory without bound).
    const MAX_ENTRIES: usize = 10_000;

    /// The cached principal, or the generation a lookup starts in.
    fn get(&self, key: &[u8; 32]) -> Result<Principal, u64> {
        let Ok(entries) = self.entries.lock() else {
            return Err(u64::MAX);
        };
        if !self.listening.load(Ordering::Acquire) {
            return Err(u64::MAX);
        }
        match entries.by_digest.get(key) {
            Some((principal, read_at)) if read_at.elapsed() < TOKEN_CACHE_TTL => {
                Ok(principal.clone())
            }
            _ => Err(entries.generation),
        }
    }

    fn put(&self, key: [u8; 32], principal: Principal, read_at: Instant, generation: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.generation != generation {
                return;
            }
            if entries.by_digest.len() >= Self::MAX_ENTRIES {
                entries.by_digest.clear();
            }
            entries.by_digest.insert(key, (principal, read_at));
        }
    }

    fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.by_digest.clear();
            entries.generation = entries.generation.wrapping_add(1);
        }
    }
}

#[derive(Clone)]
pub struct Authenticator {
    pool: PgPool,
    cache: Arc<TokenCache>,
}

impl Authenticator {
    /// Without a listener (tests, tools): every call reads the database.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            cache: Arc::default(),
        }
    }

    /// With the token cache, kept true by a `LISTEN kerjasama_api_tokens`
    /// connection to `database_url` (reconnected when it drops; the cache is
    /// off meanwhile). The listener stops when the returned handle is aborted.
    pub fn with_cache(pool: PgPool, database_url: String) -> (Self, tokio::task::JoinHandle<()>) {
        let cache: Arc<TokenCache> = Arc::default();
        let listener = tokio::spawn(listen(database_url, cache.clone()));
        (Self { pool, cache }, listener)
    }

    /// Resolves the `authorization` header (gRPC metadata or plain HTTP).
    pub async fn from_headers(&self, headers: &http::HeaderMap) -> Result<Principal, Status> {
        if headers.get(http::header::AUTHORIZATION).is_none() {
            return Err(Status::unauthenticated(
                "missing authorization: Bearer <token> metadata",
            ));
        }
        let secret = bearer_secret(headers).ok_or_else(|| {
            Status::unauthenticated("authorization metadata must be `Bearer <token>`")
        })?;
        let key = tokens::secret_digest(secret);
        let generation = match self.cache.get(&key) {
            Ok(principal) => return Ok(principal),
            Err(generation) => generation,
        };
        let read_at = Instant::now();
        let principal = tokens::authenticate(&self.pool, secret)
            .await
            .map_err(|e| match e {
                CoreError::Unauthenticated => Status::unauthenticated("unknown or revoked token"),
                other => to_status(other, ""),
            })?;
        self.cache.put(key, principal.clone(), read_at, generation);
        Ok(principal)
    }
}

/// Keeps `LISTEN kerjasama_api_tokens` open and clears the cache on every
/// notification; while disconnected the cache is off.
async fn listen(database_url: String, cache: Arc<TokenCache>) {
    use futures::StreamExt;
    loop {
        match tokio_postgres::connect(&database_url, tokio_postgres::NoTls).await {
            Ok((client, mut connection)) => {
                let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
                // The connection only makes progress while polled: LISTEN is
                // sent from a task of its own while this one drives it.
                let subscribed = tokio::spawn(async move {
                    let ok = client
                        .batch_execute("LISTEN kerjasama_api_tokens")
                        .await
                        .is_ok();
                    (client, ok)
                });
                let mut subscribed = Some(subscribed);
                let mut client = None;
                loop {
                    tokio::select! {
                        done = async { subscribed.as_mut().expect("pending").await }, if subscribed.is_some() => {
                            subscribed = None;
                            match done {
                                Ok((c, true)) => {
                                    client = Some(c);
                                    cache.clear();
                                    cache.listening.store(true, Ordering::Release);
                                }
                                _ => break,
                            }
                        }
                        message = messages.next() => match message {
                            Some(Ok(tokio_postgres::AsyncMessage::Notification(_))) => cache.clear(),
                            Some(Ok(_)) => {}
                            Some(Err(_)) | None => break,
                        }
                    }
                }
                drop(client);
            }
            Err(e) => tracing::debug!(error = %e, "token listener cannot connect"),
        }
        cache.listening.store(false, Ordering::Release);
        cache.clear();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The secret of an `authorization: Bearer <secret>` header, for gRPC and
/// the HTTP downloads alike.
pub fn bearer_secret(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers.get(http::header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
}

/// The caller of a request that passed the gate. A request without one never
/// reaches a handler; if it did (a service mounted outside the gate), it is
/// refused rather than served anonymously.
pub fn caller<T>(request: &Request<T>) -> Result<Principal, Status> {
    request
        .extensions()
        .get::<Principal>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated("missing authorization: Bearer <token> metadata"))
}
