//! Bearer-token authentication: `authorization: Bearer <token>` resolves to a
//! [`Principal`]. It runs once per call, in [`crate::gate`], in front of every
//! service; handlers read the principal with [`caller`] and decide only what
//! it may do (the rules are in `kerjasama_core::access`).

use std::collections::HashMap;
use std::net::IpAddr;
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

/// How long a token the database did not know is answered UNAUTHENTICATED
/// without asking it again. A token created meanwhile clears the cache
/// through the notification, like a revocation.
pub const UNKNOWN_TOKEN_TTL: Duration = Duration::from_secs(10);

/// Failed authentications one peer address may have in a burst, and how many
/// it earns back per second. Past them, tokens from that address are refused
/// without reading the database, except tokens valid within
/// [`KNOWN_GOOD_TTL`] (a real caller behind the same address).
pub const FAILED_AUTH_BURST: f64 = 20.0;
pub const FAILED_AUTH_PER_SECOND: f64 = 2.0;
/// How long a token that was valid is still looked up for a limited peer.
pub const KNOWN_GOOD_TTL: Duration = Duration::from_secs(600);

/// How a bearer token was checked (for `kerjasama_token_checks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checked {
    Cached,
    Found,
    Unknown,
    UnknownCached,
    Limited,
    Malformed,
}

impl Checked {
    pub fn label(self) -> &'static str {
        match self {
            Checked::Cached => "cached",
            Checked::Found => "found",
            Checked::Unknown => "unknown",
            Checked::UnknownCached => "unknown_cached",
            Checked::Limited => "limited",
            Checked::Malformed => "malformed",
        }
    }
}

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
    /// Tokens the database did not know, with when it said so.
    unknown: HashMap<[u8; 32], Instant>,
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

    /// Whether the database said, within [`UNKNOWN_TOKEN_TTL`], that it does
    /// not know this token (only while the listener keeps the cache true).
    fn known_unknown(&self, key: &[u8; 32]) -> bool {
        let Ok(entries) = self.entries.lock() else {
            return false;
        };
        self.listening.load(Ordering::Acquire)
            && entries
                .unknown
                .get(key)
                .is_some_and(|at| at.elapsed() < UNKNOWN_TOKEN_TTL)
    }

    fn put_unknown(&self, key: [u8; 32], read_at: Instant, generation: u64) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.generation != generation {
                return;
            }
            if entries.unknown.len() >= Self::MAX_ENTRIES {
                entries.unknown.clear();
            }
            entries.unknown.insert(key, read_at);
        }
    }

    fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.by_digest.clear();
            entries.unknown.clear();
            entries.generation = entries.generation.wrapping_add(1);
        }
    }
}

/// Failed authentications per peer address (a token bucket each), and the
/// tokens that were valid lately, which a limited peer may still present.
#[derive(Default)]
struct FailedAuthLimiter {
    state: Mutex<LimiterState>,
}

#[derive(Default)]
struct LimiterState {
    /// Tokens left and when they were counted, by peer.
    buckets: HashMap<IpAddr, (f64, Instant)>,
    known_good: HashMap<[u8; 32], Instant>,
}

impl FailedAuthLimiter {
    const MAX_PEERS: usize = 10_000;

    fn tokens_left(bucket: (f64, Instant)) -> f64 {
        (bucket.0 + bucket.1.elapsed().as_secs_f64() * FAILED_AUTH_PER_SECOND)
            .min(FAILED_AUTH_BURST)
    }

    /// Whether `peer` has used up its failed authentications and `key` was
    /// not valid lately: then the database is not asked.
    fn refuses(&self, peer: IpAddr, key: &[u8; 32]) -> bool {
        let Ok(state) = self.state.lock() else {
            return false;
        };
        let Some(bucket) = state.buckets.get(&peer) else {
            return false;
        };
        Self::tokens_left(*bucket) < 1.0
            && state
                .known_good
                .get(key)
                .is_none_or(|at| at.elapsed() >= KNOWN_GOOD_TTL)
    }

    fn failed(&self, peer: IpAddr) {
        if let Ok(mut state) = self.state.lock() {
            if state.buckets.len() >= Self::MAX_PEERS && !state.buckets.contains_key(&peer) {
                // Forget full buckets first; a flood of addresses cannot grow memory.
                state
                    .buckets
                    .retain(|_, bucket| Self::tokens_left(*bucket) < FAILED_AUTH_BURST);
                if state.buckets.len() >= Self::MAX_PEERS {
                    state.buckets.clear();
                }
            }
            let bucket = state
                .buckets
                .entry(peer)
                .or_insert((FAILED_AUTH_BURST, Instant::now()));
            *bucket = ((Self::tokens_left(*bucket) - 1.0).max(0.0), Instant::now());
        }
    }

    fn succeeded(&self, key: [u8; 32]) {
        if let Ok(mut state) = self.state.lock() {
            if state.known_good.len() >= TokenCache::MAX_ENTRIES {
                state.known_good.clear();
            }
            state.known_good.insert(key, Instant::now());
        }
    }
}

#[derive(Clone)]
pub struct Authenticator {
    pool: PgPool,
    cache: Arc<TokenCache>,
    limiter: Arc<FailedAuthLimiter>,
}

impl Authenticator {
    /// Without a listener (tests, tools): every call reads the database.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            cache: Arc::default(),
            limiter: Arc::default(),
        }
    }

    /// With the token cache, kept true by a `LISTEN kerjasama_api_tokens`
    /// connection to `database_url` (reconnected when it drops; the cache is
    /// off meanwhile). The listener stops when the returned handle is aborted.
    pub fn with_cache(pool: PgPool, database_url: String) -> (Self, tokio::task::JoinHandle<()>) {
        let cache: Arc<TokenCache> = Arc::default();
        let listener = tokio::spawn(listen(database_url, cache.clone()));
        (
            Self {
                pool,
                cache,
                limiter: Arc::default(),
            },
            listener,
        )
    }

    /// Resolves the `authorization` header (gRPC metadata or plain HTTP) of a
    /// call from `peer`, and says how it was decided.
    pub async fn from_headers(
        &self,
        headers: &http::HeaderMap,
        peer: Option<IpAddr>,
    ) -> (Result<Principal, Status>, Checked) {
        if headers.get(http::header::AUTHORIZATION).is_none() {
            let status = Status::unauthenticated("missing authorization: Bearer <token> metadata");
            return (Err(status), Checked::Malformed);
        }
        let Some(secret) = bearer_secret(headers) else {
            let status = Status::unauthenticated("authorization metadata must be `Bearer <token>`");
            return (Err(status), Checked::Malformed);
        };
        let key = tokens::secret_digest(secret);
        let generation = match self.cache.get(&key) {
            Ok(principal) => return (Ok(principal), Checked::Cached),
            Err(generation) => generation,
        };
        if self.cache.known_unknown(&key) {
            // Answered from memory: it costs the database nothing, so it does
            // not count against the peer.
            let status = Status::unauthenticated("unknown or revoked token");
            return (Err(status), Checked::UnknownCached);
        }
        if let Some(peer) = peer
            && self.limiter.refuses(peer, &key)
        {
            let mut details = tonic_types::ErrorDetails::new();
            details.set_retry_info(Some(Duration::from_secs_f64(1.0 / FAILED_AUTH_PER_SECOND)));
            let status = <Status as tonic_types::StatusExt>::with_error_details(
                tonic::Code::ResourceExhausted,
                "too many failed authentications from this address; retry later \
                 (terlalu banyak autentikasi gagal dari alamat ini)",
                details,
            );
            return (Err(status), Checked::Limited);
        }
        let read_at = Instant::now();
        match tokens::authenticate(&self.pool, secret).await {
            Ok(principal) => {
                self.cache.put(key, principal.clone(), read_at, generation);
                self.limiter.succeeded(key);
                (Ok(principal), Checked::Found)
            }
            Err(CoreError::Unauthenticated) => {
                self.cache.put_unknown(key, read_at, generation);
                if let Some(peer) = peer {
                    self.limiter.failed(peer);
                }
                let status = Status::unauthenticated("unknown or revoked token");
                (Err(status), Checked::Unknown)
            }
            Err(other) => (Err(to_status(other, "")), Checked::Unknown),
        }
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
