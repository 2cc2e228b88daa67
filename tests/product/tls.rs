//! Transport security: gRPC and the HTTP downloads over TLS with a
//! certificate from a CA made in the test (rcgen), and mutual TLS. A client
//! that does not trust the CA, speaks plaintext, or (with mTLS) shows no
//! client certificate of the right CA does not get through.

use std::sync::Arc;
use std::time::Duration;

use kerjasama_core::access::Principal;
use kerjasama_core::codes::Role;
use kerjasama_core::tokens::{self, NewToken};
use kerjasama_grpc::tls::TlsSettings;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{authed, fresh_database, scratch_dir};
use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

struct Authority {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn authority(name: &str) -> Authority {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().unwrap();
    let pem = params.self_signed(&key).unwrap().pem();
    Authority {
        pem,
        issuer: Issuer::new(params, key),
    }
}

/// (certificate PEM, key PEM) signed by `ca`.
fn leaf(ca: &Authority, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, String) {
    let mut params =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params.extended_key_usages = vec![usage];
    params.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

struct TlsServer {
    grpc: std::net::SocketAddr,
    http: std::net::SocketAddr,
    token: String,
}

async fn start(ca: &Authority, client_ca: Option<&Authority>) -> TlsServer {
    let dir = scratch_dir("tls");
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = leaf(
        ca,
        &["localhost", "127.0.0.1"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    std::fs::write(dir.join("server.pem"), cert).unwrap();
    std::fs::write(dir.join("server.key"), key).unwrap();
    let client_ca_path = client_ca.map(|authority| {
        let path = dir.join("client-ca.pem");
        std::fs::write(&path, &authority.pem).unwrap();
        path
    });
    let settings = TlsSettings::load(
        &dir.join("server.pem"),
        &dir.join("server.key"),
        client_ca_path.as_deref(),
    )
    .unwrap();
    let db = fresh_database().await;
    let (_, token) = tokens::create(
        &db.pool,
        &Principal::system("tls-test"),
        NewToken {
            name: "tls-admin".into(),
            role: Role::Admin,
            unit_code: None,
            region_code: None,
        },
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (grpc, http) = (
        listener.local_addr().unwrap(),
        http_listener.local_addr().unwrap(),
    );
    let telemetry = kerjasama_grpc::prometheus::Telemetry::new();
    let archive = kerjasama_core::archive::Settings::defaults_in(&kerjasama_tests::scratch_dir(
        "tls-archive",
    ))
    .unwrap();
    tokio::spawn(kerjasama_grpc::downloads::serve(
        db.pool.clone(),
        http_listener,
        Some(settings.rustls().unwrap()),
        telemetry.clone(),
        kerjasama_grpc::downloads::HttpSettings {
            open_register: None,
            archive: archive.clone(),
            limits: Default::default(),
        },
        std::future::pending(),
    ));
    let config = kerjasama_grpc::ServerConfig {
        pool: db.pool.clone(),
        database_url: db.url.clone(),
        reports_dir: dir.join("reports"),
        health_interval: Duration::from_secs(1),
        report_grace_days: 30,
        report_workers: 0,
        report_lease: Duration::from_secs(5),
        shutdown_grace: Duration::from_secs(1),
        cors_origins: Vec::new(),
        portal_url_template: None,
        connections: Default::default(),
        on_demand_retention: Default::default(),
        allow_local_webhooks: false,
        report_database_url: None,
        telemetry: telemetry.clone(),
        tls: Some(settings),
        archive,
    };
    tokio::spawn(kerjasama_grpc::serve(
        config,
        listener,
        std::future::pending(),
    ));
    TlsServer { grpc, http, token }
}

async fn list(
    server: &TlsServer,
    tls: Option<ClientTlsConfig>,
) -> Result<pb::ListUnitsResponse, String> {
    let scheme = if tls.is_some() { "https" } else { "http" };
    let mut endpoint = Channel::from_shared(format!("{scheme}://{}", server.grpc))
        .unwrap()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(5));
    if let Some(tls) = tls {
        endpoint = endpoint.tls_config(tls).map_err(|e| e.to_string())?;
    }
    let channel = endpoint.connect().await.map_err(|e| format!("{e:?}"))?;
    pb::unit_service_client::UnitServiceClient::new(channel)
        .list_units(authed(&server.token, pb::ListUnitsRequest::default()))
        .await
        .map(|r| r.into_inner())
        .map_err(|s| format!("{s:?}"))
}

fn trusting(ca: &Authority) -> ClientTlsConfig {
    ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(&ca.pem))
        .domain_name("localhost")
}

/// GET over HTTPS with rustls; the status code, or the failure.
async fn https_get(
    addr: std::net::SocketAddr,
    ca: &Authority,
    client: Option<(String, String)>,
    token: &str,
) -> Result<u16, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.pem.as_bytes()).unwrap())
        .unwrap();
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match client {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .map_err(|e| e.to_string())?;
    let request = format!(
        "GET /reports/latest/evaluation_summary.csv HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    tls.write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    tls.read_to_end(&mut raw).await.map_err(|e| e.to_string())?;
    let head = String::from_utf8_lossy(&raw);
    head.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("no HTTP status in {head:?}"))
}

#[tokio::test]
async fn grpc_and_http_are_served_over_tls_to_clients_that_trust_the_ca() {
    let ca = authority("kerjasama test CA");
    let server = start(&ca, None).await;
    list(&server, Some(trusting(&ca)))
        .await
        .expect("a client trusting the CA gets through");
    // Plaintext to the TLS port, and a client trusting another CA, do not.
    assert!(list(&server, None).await.is_err());
    let other = authority("another CA");
    assert!(list(&server, Some(trusting(&other))).await.is_err());
    // The HTTP port speaks HTTPS: no run yet, so 404 after authentication.
    assert_eq!(
        https_get(server.http, &ca, None, &server.token).await,
        Ok(404)
    );
    let (status, _, _) = tokio::time::timeout(Duration::from_secs(5), async {
        let mut stream = tokio::net::TcpStream::connect(server.http).await.unwrap();
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw).await;
        (
            String::from_utf8_lossy(&raw).starts_with("HTTP/1.1"),
            (),
            (),
        )
    })
    .await
    .unwrap();
    assert!(!status, "plain HTTP must not be answered on the TLS port");
}

#[tokio::test]
async fn with_a_client_ca_only_clients_holding_its_certificates_connect() {
    let ca = authority("kerjasama server CA");
    let clients = authority("kerjasama client CA");
    let server = start(&ca, Some(&clients)).await;
    let (cert, key) = leaf(
        &clients,
        &["portal.bantenprov.go.id"],
        ExtendedKeyUsagePurpose::ClientAuth,
    );
    list(
        &server,
        Some(trusting(&ca).identity(Identity::from_pem(&cert, &key))),
    )
    .await
    .expect("a client with a certificate of the client CA gets through");
    assert!(list(&server, Some(trusting(&ca))).await.is_err());
    let rogue = authority("rogue CA");
    let (rogue_cert, rogue_key) = leaf(&rogue, &["x"], ExtendedKeyUsagePurpose::ClientAuth);
    assert!(
        list(
            &server,
            Some(trusting(&ca).identity(Identity::from_pem(&rogue_cert, &rogue_key)))
        )
        .await
        .is_err()
    );
    assert_eq!(
        https_get(
            server.http,
            &ca,
            Some((cert.clone(), key.clone())),
            &server.token
        )
        .await,
        Ok(404)
    );
    assert!(
        https_get(server.http, &ca, None, &server.token)
            .await
            .is_err()
    );
}
