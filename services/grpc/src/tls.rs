//! Transport security for both ports: rustls with the certificate and key
//! given at start (`--tls-cert`, `--tls-key`), and optionally mutual TLS
//! (`--tls-client-ca`: only clients with a certificate from that CA connect;
//! bearer tokens are still required on top). The gRPC port uses tonic's
//! rustls acceptor; the HTTP port uses the same rustls configuration, each
//! handshake on its connection's own task under the port's header timeout
//! (`crate::http_port`), so a slow client cannot hold up the others.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: no PEM certificate found")]
    NoCertificate(String),
    #[error("{0}: no PEM private key found (PKCS#8, PKCS#1 or SEC1)")]
    NoKey(String),
    #[error("the TLS certificate and key do not make a server configuration: {0}")]
    Config(String),
}

/// PEM material, read and checked at start.
#[derive(Clone)]
pub struct TlsSettings {
    cert_pem: Vec<u8>,
    key_pem: Vec<u8>,
    client_ca_pem: Option<Vec<u8>>,
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn certificates(pem: &[u8], path: &str) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect();
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(path.to_string()));
    }
    Ok(certs)
}

impl TlsSettings {
    /// Reads and checks the files: a certificate chain, its key, and the CA
    /// that signs client certificates (mutual TLS) when given.
    pub fn load(cert: &Path, key: &Path, client_ca: Option<&Path>) -> Result<Self, TlsError> {
        let settings = Self {
            cert_pem: read(cert)?,
            key_pem: read(key)?,
            client_ca_pem: client_ca.map(read).transpose()?,
        };
        certificates(&settings.cert_pem, &cert.display().to_string())?;
        PrivateKeyDer::from_pem_slice(&settings.key_pem)
            .map_err(|_| TlsError::NoKey(key.display().to_string()))?;
        if let (Some(pem), Some(path)) = (&settings.client_ca_pem, client_ca) {
            certificates(pem, &path.display().to_string())?;
        }
        // Building it once proves the key matches the certificate.
        settings.rustls()?;
        Ok(settings)
    }

    /// For the gRPC port (tonic).
    pub fn grpc(&self) -> tonic::transport::ServerTlsConfig {
        let identity = tonic::transport::Identity::from_pem(&self.cert_pem, &self.key_pem);
        let config = tonic::transport::ServerTlsConfig::new().identity(identity);
        match &self.client_ca_pem {
            Some(ca) => config.client_ca_root(tonic::transport::Certificate::from_pem(ca)),
            None => config,
        }
    }

    /// For the HTTP port.
    pub fn rustls(&self) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let config = |e: rustls::Error| TlsError::Config(e.to_string());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(config)?;
        let builder = match &self.client_ca_pem {
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                for cert in certificates(ca, "client CA")? {
                    roots.add(cert).map_err(config)?;
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    roots.into(),
                    provider,
                )
                .build()
                .map_err(|e| TlsError::Config(e.to_string()))?;
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let key = PrivateKeyDer::from_pem_slice(&self.key_pem)
            .map_err(|_| TlsError::NoKey("key".into()))?;
        let mut server = builder
            .with_single_cert(certificates(&self.cert_pem, "certificate")?, key)
            .map_err(config)?;
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(server))
    }
}
