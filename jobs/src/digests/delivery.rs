//! Sending one delivery: an email over SMTP (lettre; plain, STARTTLS or
//! implicit TLS, with credentials from config) or a signed webhook POST.
//!
//! Webhooks carry the digest's JSON with these headers:
//! - `Kerjasama-Delivery`: the delivery id, the receiver's idempotency key;
//! - `Kerjasama-Signature: sha256=<hex>`: HMAC-SHA256 of the exact body bytes
//!   under the endpoint's secret.
//!
//! A 2xx answer is delivered; anything else (or no answer within
//! [`WEBHOOK_TIMEOUT`]) is retried.
//!
//! **Where a webhook may go.** A host name is resolved once, by the webhook
//! client's own resolver ([`CheckedResolver`]): every address it answers is
//! checked against [`is_local`] and the client connects to exactly those
//! addresses, so a name that answers a public address to a check and
//! 127.0.0.1 to the connection (DNS rebinding) cannot reach this machine.
//! Redirects are never followed.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;

use super::delivery_record::Delivery;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    None,
    StartTls,
    Tls,
}

/// The SMTP server digests are sent through.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub credentials: Option<(String, String)>,
    /// The From address.
    pub from: String,
}

impl SmtpSettings {
    /// From `host[:port]` and the security mode (default ports 25, 587, 465).
    pub fn parse(
        server: &str,
        security: &str,
        credentials: Option<(String, String)>,
        from: &str,
    ) -> Result<Self, String> {
        let security = match security {
            "none" => SmtpSecurity::None,
            "starttls" => SmtpSecurity::StartTls,
            "tls" => SmtpSecurity::Tls,
            other => {
                return Err(format!(
                    "SMTP security {other:?}: use none, starttls or tls"
                ));
            }
        };
        let (host, port) = match server.rsplit_once(':') {
            Some((host, port)) => (
                host.to_string(),
                port.parse::<u16>()
                    .map_err(|_| format!("SMTP server {server:?}: the port is not a number"))?,
            ),
            None => (
                server.to_string(),
                match security {
                    SmtpSecurity::None => 25,
                    SmtpSecurity::StartTls => 587,
                    SmtpSecurity::Tls => 465,
                },
            ),
        };
        if host.is_empty() {
            return Err(format!("SMTP server {server:?}: no host"));
        }
        from.parse::<Mailbox>()
            .map_err(|e| format!("SMTP from address {from:?}: {e}"))?;
        Ok(Self {
            host,
            port,
            security,
            credentials,
            from: from.to_string(),
        })
    }
}

/// How long a webhook's endpoint has to accept the connection.
pub const WEBHOOK_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a webhook's whole exchange may take, connection included.
pub const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an SMTP exchange may take.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Sends deliveries; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    http: reqwest::Client,
    /// Whether webhooks may reach this machine or link-local addresses
    /// (`--digest-allow-local-webhooks`; tests and single-machine setups).
    allow_local: bool,
}

/// Turns a webhook's host name into addresses: the system's resolver in
/// production; a test gives its own (one that answers differently each time).
pub trait HostLookup: Send + Sync + 'static {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>;
}

/// The system's resolver (getaddrinfo).
pub struct SystemLookup;

impl HostLookup for SystemLookup {
    fn lookup(
        &self,
        host: String,
    ) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>> {
        Box::pin(async move {
            Ok(tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .map(|socket| socket.ip())
                .collect())
        })
    }
}

/// A webhook's host answered an address webhooks may not reach.
#[derive(Debug, thiserror::Error)]
#[error(
    "the endpoint resolves to a local address ({0}), which webhooks may not reach (start the server with --digest-allow-local-webhooks to allow it)"
)]
struct LocalAddress(IpAddr);

/// The webhook client's only resolver: each name is looked up once, every
/// address answered is checked, and the client connects to exactly those.
struct CheckedResolver {
    lookup: Arc<dyn HostLookup>,
    allow_local: bool,
}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let lookup = self.lookup.clone();
        let allow_local = self.allow_local;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addresses = lookup.lookup(host).await?;
            if !allow_local && let Some(local) = addresses.iter().find(|ip| is_local(**ip)) {
                return Err(
                    Box::new(LocalAddress(*local)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            // The port is the URL's; the connector sets it.
            let addresses: reqwest::dns::Addrs =
                Box::new(addresses.into_iter().map(|ip| SocketAddr::new(ip, 0)));
            Ok(addresses)
        })
    }
}

/// An error and its causes, without the URL (which may carry a token).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

/// Addresses a webhook must not reach unless allowed: this machine
/// (loopback, unspecified), link-local ones (cloud metadata services live at
/// 169.254.169.254) and multicast. The region's own networks (10/8,
/// 172.16/12, 192.168/16) are allowed: agencies' systems live there.
pub fn is_local(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_unspecified()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
        }
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_local(std::net::IpAddr::V4(v4)))
        }
    }
}

impl Sender {
    pub fn new(smtp: Option<&SmtpSettings>, allow_local_webhooks: bool) -> Result<Self, String> {
        Self::with_lookup(smtp, allow_local_webhooks, Arc::new(SystemLookup))
    }

    /// A sender whose webhook hosts are resolved by `lookup`.
    pub fn with_lookup(
        smtp: Option<&SmtpSettings>,
        allow_local_webhooks: bool,
        lookup: Arc<dyn HostLookup>,
    ) -> Result<Self, String> {
        let smtp = match smtp {
            None => None,
            Some(s) => {
                let builder = match s.security {
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
                    }
                    SmtpSecurity::StartTls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                            .map_err(|e| format!("SMTP server {}: {e}", s.host))?
                    }
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)
                        .map_err(|e| format!("SMTP server {}: {e}", s.host))?,
                };
                let mut builder = builder.port(s.port).timeout(Some(SMTP_TIMEOUT));
                if let Some((user, password)) = &s.credentials {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                let from = s
                    .from
                    .parse::<Mailbox>()
                    .map_err(|e| format!("SMTP from address: {e}"))?;
                Some((builder.build(), from))
            }
        };
        let http = reqwest::Client::builder()
            .connect_timeout(WEBHOOK_CONNECT_TIMEOUT)
            .timeout(WEBHOOK_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(CheckedResolver {
                lookup,
                allow_local: allow_local_webhooks,
            }))
            .user_agent(concat!("kerjasama/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self {
            smtp,
            http,
            allow_local: allow_local_webhooks,
        })
    }

    /// The channels this sender can deliver on: webhooks always, email only
    /// with an SMTP server (email deliveries wait for a worker that has one).
    pub fn channels(&self) -> Vec<&'static str> {
        if self.smtp.is_some() {
            vec!["EMAIL", "WEBHOOK"]
        } else {
            vec!["WEBHOOK"]
        }
    }

    /// One attempt; `Err` carries the reason recorded in the outbox.
    pub async fn send(&self, delivery: &Delivery, secret: Option<&str>) -> Result<(), String> {
        match delivery.channel.as_str() {
            "EMAIL" => self.email(delivery).await,
            "WEBHOOK" => self.webhook(delivery, secret).await,
            other => Err(format!("unknown channel {other}")),
        }
    }

    async fn email(&self, delivery: &Delivery) -> Result<(), String> {
        let Some((transport, from)) = &self.smtp else {
            return Err("no SMTP server is configured (--smtp-server)".into());
        };
        let to: Mailbox = delivery
            .address
            .parse()
            .map_err(|e| format!("recipient address {:?}: {e}", delivery.address))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(delivery.subject.clone())
            .message_id(Some(format!("<{}@kerjasama>", delivery.id)))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Kerjasama-Delivery"),
                delivery.id.to_string(),
            ))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(delivery.body_text.clone()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(delivery.body_html.clone()),
                    ),
            )
            .map_err(|e| format!("composing the email: {e}"))?;
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }

    /// Refuses an endpoint written as a local IP address (a host name is
    /// checked by [`CheckedResolver`] when the client resolves it).
    fn check_target(&self, address: &str) -> Result<(), String> {
        if self.allow_local {
            return Ok(());
        }
        let url = reqwest::Url::parse(address).map_err(|e| format!("the endpoint URL: {e}"))?;
        let host = url.host_str().ok_or("the endpoint URL has no host")?;
        let Ok(literal) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        else {
            return Ok(());
        };
        if is_local(literal) {
            return Err(LocalAddress(literal).to_string());
        }
        Ok(())
    }

    async fn webhook(&self, delivery: &Delivery, secret: Option<&str>) -> Result<(), String> {
        let secret = secret.ok_or("the endpoint has no secret")?;
        self.check_target(&delivery.address)?;
        let body = serde_json::to_vec(&delivery.payload).map_err(|e| format!("JSON: {e}"))?;
        let response = self
            .http
            .post(&delivery.address)
            .header("content-type", "application/json")
            .header("kerjasama-delivery", delivery.id.to_string())
            .header("kerjasama-signature", signature(secret, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| format!("POST to the endpoint failed: {}", describe(e)))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("the endpoint answered HTTP {status}"))
        }
    }
}

/// `sha256=<hex>` of the body under the endpoint's secret.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn local_addresses_are_recognised() {
        for local in [
            "127.0.0.1",
            "0.0.0.0",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(is_local(local.parse().unwrap()), "{local}");
        }
        for remote in [
            "10.1.2.3",
            "192.168.1.10",
            "172.16.0.5",
            "203.0.113.7",
            "2001:db8::1",
        ] {
            assert!(!is_local(remote.parse().unwrap()), "{remote}");
        }
    }

    #[test]
    fn smtp_settings_default_the_port_by_security() {
        let s =
            SmtpSettings::parse("mail.example.go.id", "starttls", None, "a@example.go.id").unwrap();
        assert_eq!(s.port, 587);
        let s = SmtpSettings::parse("127.0.0.1:2525", "none", None, "a@example.go.id").unwrap();
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 2525));
        assert!(SmtpSettings::parse("x:y", "none", None, "a@b.c").is_err());
        assert!(SmtpSettings::parse("x", "ssl", None, "a@b.c").is_err());
    }
}
