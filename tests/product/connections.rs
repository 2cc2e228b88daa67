//! Issue 17, item 5: connection-level limits on both ports. Slow headers
//! (slowloris), idle kept-alive connections and header floods on the HTTP
//! port; connection caps per peer address and per port on both; the gRPC
//! port's HTTP/2 header list limit. All on loopback, bounded in count and
//! time; peers other than 127.0.0.1 are other loopback addresses.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kerjasama_grpc::connections::ConnectionLimits;
use kerjasama_grpc::http_port::HttpLimits;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{Options, TestServer, fresh_database, http_get, raw_connection, raw_unary};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tonic::Code;

async fn server_with(limits: HttpLimits) -> TestServer {
    TestServer::start_with_options(
        fresh_database().await,
        Options {
            http_limits: limits,
            ..Options::default()
        },
    )
    .await
}

/// A connection to `addr` from the loopback address `from`.
async fn connect_from(from: &str, addr: SocketAddr) -> TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

/// Whether the server has closed `stream` (EOF or reset) within `wait`;
/// bytes it sends meanwhile are read and dropped.
async fn closed_within(stream: &mut TcpStream, wait: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + wait;
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

#[tokio::test]
async fn slow_headers_idle_connections_and_header_floods_are_cut_off_on_the_http_port() {
    let limits = HttpLimits {
        connections: ConnectionLimits {
            per_port: 400,
            per_peer: 200,
        },
        header_read: Duration::from_secs(2),
        idle: Duration::from_secs(3),
    };
    let server = server_with(limits).await;
    let http = server.http_addr;

    // 100 slowloris sockets: a request head begun, one more byte every
    // 500 ms, never finished.
    let started = Instant::now();
    let mut slow = Vec::new();
    for _ in 0..100 {
        let mut stream = TcpStream::connect(http).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: kerjasama\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    let trickles: Vec<_> = slow
        .into_iter()
        .map(|mut stream| {
            tokio::spawn(async move {
                for _ in 0..40 {
                    if stream.write_all(b"a").await.is_err() {
                        break;
                    }
                    if closed_within(&mut stream, Duration::from_millis(500)).await {
                        return Some(Instant::now());
                    }
                }
                None
            })
        })
        .collect();
    // Meanwhile a real request is answered.
    let (status, _, _) = http_get(http, "/metrics", None).await;
    assert_eq!(status, 200, "a real request during the attack");
    let mut closed_after = Vec::new();
    for trickle in trickles {
        closed_after.push(trickle.await.unwrap());
    }
    let still_open = closed_after.iter().filter(|c| c.is_none()).count();
    assert_eq!(still_open, 0, "slow sockets still open after 20 s");
    let latest = closed_after
        .iter()
        .flatten()
        .map(|at| at.duration_since(started))
        .max()
        .unwrap();
    assert!(
        latest < Duration::from_secs(8),
        "the last slow socket closed after {latest:?} (header timeout 2 s)"
    );

    // A kept-alive connection that sends no next request is closed.
    let mut idle = TcpStream::connect(http).await.unwrap();
    idle.write_all(b"GET /metrics HTTP/1.1\r\nHost: kerjasama\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    assert!(
        closed_within(&mut idle, Duration::from_secs(8)).await,
        "an idle kept-alive connection stays open"
    );

    // Header floods: too many header lines, or too many bytes of them.
    for flood in [
        (0..200)
            .map(|i| format!("X-Flood-{i}: 1\r\n"))
            .collect::<String>(),
        format!("X-Flood: {}\r\n", "a".repeat(80 * 1024)),
    ] {
        let mut stream = TcpStream::connect(http).await.unwrap();
        let request = format!("GET /metrics HTTP/1.1\r\nHost: kerjasama\r\n{flood}\r\n");
        let _ = stream.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 431"),
            "a header flood of {} bytes: {:?}",
            flood.len(),
            answer.lines().next()
        );
    }
    eprintln!(
        "100 slowloris sockets all closed by {:.1} s (header timeout 2 s); idle keep-alive closed; floods 431",
        latest.as_secs_f64()
    );
}

#[tokio::test]
async fn each_port_caps_connections_per_peer_and_in_all() {
    let limits = HttpLimits {
        connections: ConnectionLimits {
            per_port: 6,
            per_peer: 4,
        },
        ..HttpLimits::default()
    };
    let server = server_with(limits).await;
    for (port, addr) in [("gRPC", server.addr), ("HTTP", server.http_addr)] {
        // Four from one peer are held open; the fifth is closed at once.
        let mut held = Vec::new();
        for _ in 0..4 {
            let mut stream = connect_from("127.0.0.2", addr).await;
            assert!(
                !closed_within(&mut stream, Duration::from_millis(300)).await,
                "{port}: one of the first four from a peer was closed"
            );
            held.push(stream);
        }
        let mut fifth = connect_from("127.0.0.2", addr).await;
        assert!(
            closed_within(&mut fifth, Duration::from_secs(2)).await,
            "{port}: a fifth connection from one peer was kept"
        );
        // Another peer still gets in, up to the port's cap of six (the test
        // harness's own gRPC channel from 127.0.0.1 is one of them).
        let mut others = Vec::new();
        let mut refused = false;
        for _ in 0..3 {
            let mut stream = connect_from("127.0.0.3", addr).await;
            if closed_within(&mut stream, Duration::from_millis(300)).await {
                refused = true;
                break;
            }
            others.push(stream);
        }
        assert!(refused, "{port}: more than six connections open at once");
        let open = 4 + others.len() + usize::from(port == "gRPC");
        assert_eq!(open, 6, "{port}: connections open when the cap was met");
        // Places are given back when connections close.
        drop(held);
        drop(others);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut again = connect_from("127.0.0.2", addr).await;
        assert!(
            !closed_within(&mut again, Duration::from_millis(300)).await,
            "{port}: a place was not given back"
        );
    }
    // The gRPC port still answers real calls.
    let bearer = format!("Bearer {}", server.admin);
    let connection = raw_connection(server.addr).await;
    let (code, message) = raw_unary(
        &connection,
        server.addr,
        "/kerjasama.v1.UnitService/ListUnits",
        &[("authorization", bearer)],
        &pb::ListUnitsRequest::default(),
    )
    .await;
    assert_eq!(code, Code::Ok, "{message}");
}

#[tokio::test]
async fn the_grpc_port_refuses_an_oversized_header_list() {
    let server = TestServer::start().await;
    let connection = raw_connection(server.addr).await;
    let bearer = format!("Bearer {}", server.admin);
    let huge = "a".repeat(32 * 1024);
    let request = http::Request::post(format!(
        "http://{}/kerjasama.v1.UnitService/ListUnits",
        server.addr
    ))
    .header("content-type", "application/grpc")
    .header("te", "trailers")
    .header("authorization", bearer.clone())
    .header("x-flood", huge)
    .body(())
    .unwrap();
    let mut sender = connection.clone().ready().await.unwrap();
    let outcome = match sender.send_request(request, true) {
        Err(error) => Err(error.to_string()),
        Ok((response, _)) => match response.await {
            Err(error) => Err(error.to_string()),
            Ok(response) => Ok(response.status()),
        },
    };
    match outcome {
        // Refused at the HTTP/2 layer (the stream reset), or answered 431.
        Err(_) => {}
        Ok(status) => assert_eq!(status, http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE),
    }
    // A normal call on a new connection still works.
    let connection = raw_connection(server.addr).await;
    let (code, message) = raw_unary(
        &connection,
        server.addr,
        "/kerjasama.v1.UnitService/ListUnits",
        &[("authorization", bearer)],
        &pb::ListUnitsRequest::default(),
    )
    .await;
    assert_eq!(code, Code::Ok, "{message}");
}
