//! Sending one delivery: an email over SMTP (lettre; plain, STARTTLS or
//! implicit TLS, with credentials from config) or a signed webhook POST.
//!
//! Webhooks carry the digest's JSON with these headers:
//! - `Kerjasama-Delivery`: the delivery id, the receiver's idempotency key;
//! - `Kerjasama-Signature: sha256=<hex>`: HMAC-SHA256 of the exact body bytes
//!   under the endpoint's secret.
//!
//! A 2xx answer is delivered; anything else (or no answer in 15 s) is retried.

use std::time::Duration;

use hmac::{Hmac, Mac};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::Sha256;

use super::outbox::Delivery;

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

/// Sends deliveries; cheap to clone.
#[derive(Clone)]
pub struct Sender {
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    http: reqwest::Client,
}

impl Sender {
    pub fn new(smtp: Option<&SmtpSettings>) -> Result<Self, String> {
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
                let mut builder = builder.port(s.port).timeout(Some(Duration::from_secs(30)));
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
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("kerjasama/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self { smtp, http })
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

    async fn webhook(&self, delivery: &Delivery, secret: Option<&str>) -> Result<(), String> {
        let secret = secret.ok_or("the endpoint has no secret")?;
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
            .map_err(|e| format!("POST to the endpoint failed: {}", e.without_url()))?;
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
