//! The HTTP port's server (report files, the open register, metrics):
//! HTTP/1.1 only, with the limits a port facing analysts' tools and the
//! public needs:
//!
//! - the connection caps of [`crate::connections`] (per port, per peer);
//! - a TLS handshake must finish within [`HttpLimits::header_read`];
//! - a request's head must arrive within [`HttpLimits::header_read`] of the
//!   server starting to wait for it (this also closes a kept-alive connection
//!   that sends no next request), and may not exceed 64 KiB or 100 headers
//!   (431 past either);
//! - a connection on which nothing moves either way for [`HttpLimits::idle`]
//!   (a client that stops reading a response, or a half-sent request) is closed.
//!
//! On shutdown the port stops accepting, lets requests in flight finish and
//! closes idle connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

use crate::connections::{Admissions, ConnectionLimits};

/// The HTTP port's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    pub connections: ConnectionLimits,
    /// For a TLS handshake, and for a request's head.
    pub header_read: Duration,
    /// With nothing read or written, a connection is closed after this.
    pub idle: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            connections: ConnectionLimits::default(),
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
        }
    }
}

/// The address a request came from, in its extensions (for per-peer limits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub std::net::SocketAddr);

/// The largest request head read (bytes).
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// The most header lines in one request.
const MAX_HEADERS: usize = 100;

/// Serves `app` on `listener` until `shutdown`, then drains.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: axum::Router,
    limits: HttpLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let admissions = Admissions::new(limits.connections);
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (admitted, peer) = tokio::select! {
            accepted = admissions.accept(&listener) => accepted,
            () = &mut shutdown => break,
        };
        // Reap finished connections so the set does not grow.
        while connections.try_join_next().is_some() {}
        let (app, acceptor, stopping) = (app.clone(), acceptor.clone(), stopping.clone());
        connections.spawn(async move {
            let (stream, _admission) = admitted.into_parts();
            match acceptor {
                None => connection(stream, app, peer, limits, stopping).await,
                Some(acceptor) => {
                    match tokio::time::timeout(limits.header_read, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => connection(tls, app, peer, limits, stopping).await,
                        Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// One connection, to its end, a timeout or shutdown.
async fn connection<S>(
    stream: S,
    app: axum::Router,
    peer: std::net::SocketAddr,
    limits: HttpLimits,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Activity::new();
    let watched = Watched {
        inner: stream,
        activity: activity.clone(),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_header_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS);
    let app = tower::ServiceExt::map_request(
        app,
        move |mut request: http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(Peer(peer));
            request
        },
    );
    let served = builder.serve_connection(TokioIo::new(watched), TowerToHyperService::new(app));
    tokio::pin!(served);
    let mut check = tokio::time::interval(Duration::from_secs(1).min(limits.idle));
    let mut draining = false;
    loop {
        tokio::select! {
            result = served.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "HTTP connection ended with an error");
                }
                return;
            }
            changed = stopping.changed(), if !draining => {
                if changed.is_err() || *stopping.borrow() {
                    draining = true;
                    served.as_mut().graceful_shutdown();
                }
            }
            _ = check.tick() => {
                if activity.idle_for() >= limits.idle {
                    tracing::debug!("HTTP connection idle: closed");
                    return;
                }
            }
        }
    }
}

/// When a connection last moved a byte.
#[derive(Clone)]
struct Activity {
    started: Instant,
    last_ms: Arc<AtomicU64>,
}

impl Activity {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            last_ms: Arc::new(AtomicU64::new(0)),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(now, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_ms.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }
}

/// A stream that records each byte moved in [`Activity`].
struct Watched<S> {
    inner: S,
    activity: Activity,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
