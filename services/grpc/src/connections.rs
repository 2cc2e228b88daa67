//! Connection-level limits, the same on both ports: at most
//! [`ConnectionLimits::per_port`] connections open on a port and at most
//! [`ConnectionLimits::per_peer`] from one peer address. A connection past
//! either cap is closed as soon as it is accepted, so a flood of idle or
//! slow sockets cannot take every slot, and one address cannot take them all.
//!
//! The HTTP port adds its own timeouts (`crate::http_port`); the gRPC port's
//! HTTP/2 limits are set where its server is built (`crate::server`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// How many connections a port takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections open on the port at once.
    pub per_port: usize,
    /// Connections open from one peer address at once.
    pub per_peer: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            per_port: 1024,
            per_peer: 64,
        }
    }
}

/// The connections open on one port, by peer; cheap to clone.
#[derive(Clone)]
pub struct Admissions {
    limits: ConnectionLimits,
    open: Arc<Mutex<Open>>,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_peer: HashMap<IpAddr, usize>,
}

/// One admitted connection's place; given back when dropped.
pub struct Admission {
    open: Arc<Mutex<Open>>,
    peer: IpAddr,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        open.total -= 1;
        if let Some(count) = open.by_peer.get_mut(&self.peer) {
            *count -= 1;
            if *count == 0 {
                open.by_peer.remove(&self.peer);
            }
        }
    }
}

impl Admissions {
    pub fn new(limits: ConnectionLimits) -> Self {
        Self {
            limits,
            open: Arc::default(),
        }
    }

    /// A place for a connection from `peer`, or `None` past a cap.
    pub fn admit(&self, peer: IpAddr) -> Option<Admission> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let from_peer = open.by_peer.get(&peer).copied().unwrap_or(0);
        if open.total >= self.limits.per_port || from_peer >= self.limits.per_peer {
            return None;
        }
        open.total += 1;
        *open.by_peer.entry(peer).or_default() += 1;
        Some(Admission {
            open: self.open.clone(),
            peer,
        })
    }

    /// Accepts the next connection this port admits; those past a cap are
    /// closed at once. Accepted sockets have Nagle's algorithm off (a small
    /// reply must not wait for the client's delayed ACK, about 40 ms).
    pub async fn accept(&self, listener: &TcpListener) -> (Admitted, SocketAddr) {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Some(admission) = self.admit(peer.ip()) else {
                tracing::debug!(%peer, "connection refused: too many open connections");
                drop(stream);
                continue;
            };
            if let Err(error) = stream.set_nodelay(true) {
                tracing::debug!(%error, "TCP_NODELAY not set");
            }
            return (Admitted { stream, admission }, peer);
        }
    }

    /// Every admitted connection of `listener`, as a stream (for tonic).
    pub fn incoming(
        self,
        listener: TcpListener,
    ) -> impl tokio_stream::Stream<Item = std::io::Result<Admitted>> {
        futures::stream::unfold((self, listener), |(admissions, listener)| async move {
            let (admitted, _) = admissions.accept(&listener).await;
            Some((Ok(admitted), (admissions, listener)))
        })
    }
}

/// An admitted TCP connection: holds its place until it closes.
pub struct Admitted {
    stream: TcpStream,
    admission: Admission,
}

impl Admitted {
    pub fn into_parts(self) -> (TcpStream, Admission) {
        (self.stream, self.admission)
    }
}

impl AsyncRead for Admitted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Admitted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

impl tonic::transport::server::Connected for Admitted {
    type ConnectInfo = tonic::transport::server::TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.stream.connect_info()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_peer_and_per_port_and_gives_places_back() {
        let admissions = Admissions::new(ConnectionLimits {
            per_port: 3,
            per_peer: 2,
        });
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let first = admissions.admit(a).unwrap();
        let _second = admissions.admit(a).unwrap();
        assert!(admissions.admit(a).is_none(), "per peer");
        let _third = admissions.admit(b).unwrap();
        assert!(admissions.admit(b).is_none(), "per port");
        drop(first);
        assert!(admissions.admit(a).is_some(), "a place given back");
    }
}
