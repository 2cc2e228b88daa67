//! A call's deadline, answered as DEADLINE_EXCEEDED.
//!
//! tonic's transport enforces `grpc-timeout` itself, but answers an expired
//! call with `CANCELLED "Timeout expired"`. The gate enforces the same
//! deadline first (its timer is armed before the transport's, so it never
//! fires later) and answers `DEADLINE_EXCEEDED`, as the gRPC status codes
//! define it. The server's own ceiling for any call applies too.

use std::time::Duration;

use http::HeaderMap;
use tokio::time::Instant;

/// No call runs longer than this, whatever its client asked.
pub const SERVER_CEILING: Duration = Duration::from_secs(120);

/// When the call must be answered by: the client's `grpc-timeout` (when it
/// parses) or the server's ceiling, whichever is sooner.
pub fn of(headers: &HeaderMap) -> Instant {
    let now = Instant::now();
    let asked = headers
        .get("grpc-timeout")
        .and_then(|value| value.to_str().ok())
        .and_then(parse_grpc_timeout);
    now + asked.map_or(SERVER_CEILING, |asked| asked.min(SERVER_CEILING))
}

/// `grpc-timeout` as the gRPC over HTTP/2 specification writes it: at most
/// eight ASCII digits and one unit (`H`, `M`, `S`, `m`, `u`, `n`).
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    if !value.is_ascii() {
        return None;
    }
    let (digits, unit) = value.split_at(value.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(amount * 3600),
        "M" => Duration::from_secs(amount * 60),
        "S" => Duration::from_secs(amount),
        "m" => Duration::from_millis(amount),
        "u" => Duration::from_micros(amount),
        "n" => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// The answer to a call whose deadline passed first.
pub fn exceeded() -> tonic::Status {
    tonic::Status::deadline_exceeded(
        "the call's deadline passed before it was answered (batas waktu panggilan habis); \
         a write may or may not have been applied: read it back, or retry with the same request_id",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_unit_of_the_specification() {
        assert_eq!(parse_grpc_timeout("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_grpc_timeout("2M"), Some(Duration::from_secs(120)));
        assert_eq!(parse_grpc_timeout("3S"), Some(Duration::from_secs(3)));
        assert_eq!(parse_grpc_timeout("250m"), Some(Duration::from_millis(250)));
        assert_eq!(
            parse_grpc_timeout("99999999u"),
            Some(Duration::from_micros(99_999_999))
        );
        assert_eq!(parse_grpc_timeout("5n"), Some(Duration::from_nanos(5)));
    }

    #[test]
    fn refuses_what_the_specification_does_not_allow() {
        for bad in [
            "",
            "S",
            "123456789S",
            "1s",
            "1.5S",
            "-1S",
            "1 S",
            "１S",
            "1é",
        ] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad:?}");
        }
    }
}
