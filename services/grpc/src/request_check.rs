//! What every request must satisfy before a handler sees it, checked once for
//! every RPC from the contract itself: the request is decoded against its
//! descriptor (so invalid UTF-8 or a malformed message is INVALID_ARGUMENT, not
//! tonic's INTERNAL), then every string, list and enum in it, at any depth,
//! is held to `kerjasama_core::text` (NUL and control characters, per-field
//! character limits, per-list item limits) and to the enum's known values.

use kerjasama_core::text;
use kerjasama_core::{CoreError, FieldViolation};
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value,
};
use tonic::Status;

use crate::status::to_status;

/// At most this many violations are reported for one request.
const MAX_REPORTED: usize = 20;

#[derive(Clone)]
pub struct RequestCheck {
    descriptors: DescriptorPool,
}

impl RequestCheck {
    pub fn new() -> Result<Self, prost_reflect::DescriptorError> {
        Ok(Self {
            descriptors: DescriptorPool::decode(kerjasama_proto::FILE_DESCRIPTOR_SET)?,
        })
    }

    /// The input message of the RPC at `path` (`/kerjasama.v1.X/Method`), if it is ours.
    fn input(&self, path: &str) -> Option<MessageDescriptor> {
        let (service, method) = path.strip_prefix('/')?.split_once('/')?;
        let service = self.descriptors.get_service_by_name(service)?;
        let method = service.methods().find(|m| m.name() == method)?;
        Some(method.input())
    }

    /// A bounded name for metrics: `kerjasama.v1.Service/Method` or
    /// `grpc.health.v1.Health/Check` for methods that exist, else `unknown`.
    pub fn rpc_label(&self, path: &str) -> String {
        let known = self.input(path).is_some()
            || matches!(
                path,
                "/grpc.health.v1.Health/Check" | "/grpc.health.v1.Health/Watch"
            );
        if known {
            path.trim_start_matches('/').to_string()
        } else {
            "unknown".to_string()
        }
    }

    /// Checks the body of a unary call (a sequence of gRPC frames).
    pub fn check(&self, path: &str, body: &[u8]) -> Result<(), Status> {
        let Some(input) = self.input(path) else {
            return Ok(());
        };
        let mut rest = body;
        while !rest.is_empty() {
            let malformed = || Status::invalid_argument("malformed gRPC message frame");
            if rest.len() < 5 {
                return Err(malformed());
            }
            let compressed = rest[0] != 0;
            let length = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
            let frame = rest
                .get(5..5usize.saturating_add(length))
                .ok_or_else(malformed)?;
            rest = &rest[5 + length..];
            if compressed {
                // The server accepts no compression; tonic refuses the call itself.
                continue;
            }
            let message = DynamicMessage::decode(input.clone(), frame).map_err(|e| {
                Status::invalid_argument(format!(
                    "the request is not a valid {}: {e}",
                    input.full_name()
                ))
            })?;
            let mut violations = Vec::new();
            walk(&message, "", &mut violations);
            if !violations.is_empty() {
                violations.truncate(MAX_REPORTED);
                return Err(to_status(CoreError::InvalidArgument(violations), ""));
            }
        }
        Ok(())
    }
}

fn walk(message: &DynamicMessage, prefix: &str, out: &mut Vec<FieldViolation>) {
    for (field, value) in message.fields() {
        let path = if prefix.is_empty() {
            field.name().to_string()
        } else {
            format!("{prefix}.{}", field.name())
        };
        match value {
            Value::List(items) => {
                let max = text::max_items(field.name());
                if items.len() > max {
                    out.push(FieldViolation::new(
                        &path,
                        format!("must have at most {max} items"),
                    ));
                    continue;
                }
                for (i, item) in items.iter().enumerate() {
                    visit(&field, &format!("{path}[{i}]"), item, out);
                }
            }
            Value::Map(entries) => {
                for (key, item) in entries {
                    let key = match key {
                        MapKey::String(k) => {
                            if let Err(v) = text::check(&path, field.name(), k) {
                                out.push(v);
                            }
                            k.clone()
                        }
                        other => format!("{other:?}"),
                    };
                    visit(&field, &format!("{path}[{key}]"), item, out);
                }
            }
            single => visit(&field, &path, single, out),
        }
    }
}

fn visit(field: &FieldDescriptor, path: &str, value: &Value, out: &mut Vec<FieldViolation>) {
    match value {
        Value::String(s) => {
            if let Err(v) = text::check(path, field.name(), s) {
                out.push(v);
            } else if field.name() == "region_code"
                && !s.is_empty()
                && !kerjasama_core::names::is_region_code(s)
            {
                out.push(FieldViolation::new(
                    path,
                    "must be a Kemendagri region code such as 36 or 36.71",
                ));
            }
        }
        Value::Message(inner) => walk(inner, path, out),
        Value::EnumNumber(n) => {
            let kind = match field.kind() {
                Kind::Message(entry) if field.is_map() => entry.map_entry_value_field().kind(),
                kind => kind,
            };
            if let Kind::Enum(e) = kind
                && e.get_value(*n).is_none()
            {
                out.push(FieldViolation::new(
                    path,
                    format!("{n} is not a known value of {}", e.name()),
                ));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kerjasama_proto::v1 as pb;
    use prost::Message;

    fn framed(message: &impl Message) -> Vec<u8> {
        let bytes = message.encode_to_vec();
        let mut out = vec![0];
        out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
        out.extend_from_slice(&bytes);
        out
    }

    fn fields(status: Status) -> Vec<String> {
        use tonic_types::StatusExt;
        status
            .get_details_bad_request()
            .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
            .unwrap_or_default()
    }

    const CREATE: &str = "/kerjasama.v1.AgreementService/CreateAgreement";

    #[test]
    fn nested_strings_lists_and_enums_are_checked_by_name() {
        let check = RequestCheck::new().unwrap();
        let request = pb::CreateAgreementRequest {
            agreement: Some(pb::Agreement {
                title: "ok".into(),
                parties: vec![pb::Party {
                    name: "bad\0name".into(),
                    ..Default::default()
                }],
                cooperation_type: 99,
                ..Default::default()
            }),
            ..Default::default()
        };
        let status = check.check(CREATE, &framed(&request)).unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        let named = fields(status);
        assert!(
            named.contains(&"agreement.parties[0].name".to_string()),
            "{named:?}"
        );
        assert!(
            named.contains(&"agreement.cooperation_type".to_string()),
            "{named:?}"
        );
    }

    #[test]
    fn invalid_utf8_and_broken_frames_are_invalid_arguments() {
        let check = RequestCheck::new().unwrap();
        // Field 1 (agreement), a message holding field 3 (title) as bytes that are not UTF-8.
        let inner = [0x1a, 0x02, 0xff, 0xfe];
        let mut message = vec![0x0a, inner.len() as u8];
        message.extend_from_slice(&inner);
        let mut body = vec![0];
        body.extend_from_slice(&(message.len() as u32).to_be_bytes());
        body.extend_from_slice(&message);
        let status = check.check(CREATE, &body).unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        let status = check.check(CREATE, &[0, 0, 0, 0, 9, 1]).unwrap_err();
        assert_eq!(status.code(), tonic::Code::InvalidArgument);
        assert!(check.check("/grpc.health.v1.Health/Check", &[1, 2]).is_ok());
    }

    #[test]
    fn oversized_lists_are_refused_before_their_items_are_read() {
        let check = RequestCheck::new().unwrap();
        let request = pb::CreateAgreementRequest {
            agreement: Some(pb::Agreement {
                parties: vec![pb::Party::default(); text::MAX_PARTIES + 1],
                ..Default::default()
            }),
            ..Default::default()
        };
        let status = check.check(CREATE, &framed(&request)).unwrap_err();
        assert_eq!(fields(status), vec!["agreement.parties".to_string()]);
    }
}
