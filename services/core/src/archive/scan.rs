//! Virus scanning through a running `clamd` (ClamAV's daemon), by its
//! INSTREAM command: the file's bytes are streamed to the daemon, which
//! answers `stream: OK` or `stream: <signature> FOUND`. The daemon is
//! reached over TCP (`host:port`) or a Unix socket (an absolute path).
//!
//! A verdict is only ever CLEAN or INFECTED when the daemon gave one; a
//! daemon that cannot be reached, times out or answers an error gives no
//! verdict ([`ScanError`]), and the archive keeps the file PENDING, never
//! served, until a later scan gives one.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// How a file's scan came out, as stored in `document_files.scan_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanStatus {
    /// No scanner was configured when it arrived: served as files were
    /// before scanning existed.
    NotScanned,
    /// A scanner is configured but gave no verdict yet: never served.
    Pending,
    Clean,
    /// Never served; the signature is kept.
    Infected,
}

impl ScanStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotScanned => "NOT_SCANNED",
            Self::Pending => "PENDING",
            Self::Clean => "CLEAN",
            Self::Infected => "INFECTED",
        }
    }

    pub fn from_code(code: &str) -> Self {
        match code {
            "PENDING" => Self::Pending,
            "CLEAN" => Self::Clean,
            "INFECTED" => Self::Infected,
            _ => Self::NotScanned,
        }
    }

    /// Whether a file with this status may be downloaded.
    pub fn servable(self) -> bool {
        matches!(self, Self::NotScanned | Self::Clean)
    }
}

/// What the daemon said of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// The signature's name (`Win.Test.EICAR_HDB-1`, …).
    Infected(String),
}

/// Why no verdict was given.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("clamd at {addr} could not be reached: {source}")]
    Unreachable {
        addr: String,
        source: std::io::Error,
    },
    #[error("clamd at {addr} did not answer within {seconds} s")]
    TimedOut { addr: String, seconds: u64 },
    #[error("clamd at {addr} answered an error: {answer}")]
    Refused { addr: String, answer: String },
}

/// The scanner: where clamd listens and how long a scan may take.
#[derive(Debug, Clone)]
pub struct Scanner {
    addr: String,
    timeout: Duration,
}

/// The size of each INSTREAM chunk.
const CHUNK: usize = 1 << 20;

impl Scanner {
    /// `addr` is `host:port` or the absolute path of clamd's Unix socket.
    pub fn new(addr: impl Into<String>, timeout: Duration) -> Self {
        Self {
            addr: addr.into(),
            timeout,
        }
    }

    /// Scans `bytes`.
    pub async fn scan(&self, bytes: &[u8]) -> Result<Verdict, ScanError> {
        let answer = tokio::time::timeout(self.timeout, self.exchange(bytes))
            .await
            .map_err(|_| ScanError::TimedOut {
                addr: self.addr.clone(),
                seconds: self.timeout.as_secs(),
            })?
            .map_err(|source| ScanError::Unreachable {
                addr: self.addr.clone(),
                source,
            })?;
        read_answer(&answer).map_err(|answer| ScanError::Refused {
            addr: self.addr.clone(),
            answer,
        })
    }

    async fn exchange(&self, bytes: &[u8]) -> std::io::Result<String> {
        if self.addr.starts_with('/') {
            #[cfg(unix)]
            {
                let stream = tokio::net::UnixStream::connect(&self.addr).await?;
                return instream(stream, bytes).await;
            }
        }
        let stream = tokio::net::TcpStream::connect(&self.addr).await?;
        instream(stream, bytes).await
    }
}

/// One INSTREAM exchange on a fresh connection: the answer, without its
/// terminating NUL.
async fn instream<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    bytes: &[u8],
) -> std::io::Result<String> {
    stream.write_all(b"zINSTREAM\0").await?;
    for chunk in bytes.chunks(CHUNK) {
        stream
            .write_all(&(chunk.len() as u32).to_be_bytes())
            .await?;
        stream.write_all(chunk).await?;
    }
    stream.write_all(&0u32.to_be_bytes()).await?;
    stream.flush().await?;
    let mut answer = Vec::new();
    // clamd answers one line and closes; an answer is short.
    (&mut stream)
        .take(64 * 1024)
        .read_to_end(&mut answer)
        .await?;
    while answer.last().is_some_and(|b| *b == 0 || *b == b'\n') {
        answer.pop();
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// `stream: OK` → clean; `stream: X FOUND` → infected with X; anything else
/// (`… ERROR`, `INSTREAM size limit exceeded`) is no verdict.
fn read_answer(answer: &str) -> Result<Verdict, String> {
    let body = answer.strip_prefix("stream: ").unwrap_or(answer).trim();
    if body == "OK" {
        return Ok(Verdict::Clean);
    }
    if let Some(signature) = body.strip_suffix(" FOUND") {
        return Ok(Verdict::Infected(signature.trim().to_string()));
    }
    Err(answer.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamd_answers_are_read_as_verdicts_or_none() {
        assert_eq!(read_answer("stream: OK"), Ok(Verdict::Clean));
        assert_eq!(
            read_answer("stream: Win.Test.EICAR_HDB-1 FOUND"),
            Ok(Verdict::Infected("Win.Test.EICAR_HDB-1".into()))
        );
        assert!(read_answer("INSTREAM size limit exceeded. ERROR").is_err());
        assert!(read_answer("").is_err());
    }
}
