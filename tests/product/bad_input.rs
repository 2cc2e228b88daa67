// Over 1,000 lines: one table of bad input for every RPC of the contract (a row per RPC), kept in one place so a new RPC cannot be missed.
//! Bad input on every RPC of kerjasama.v1, table-driven.
//!
//! Each RPC has one [`Spec`]: a valid request (addressing records made once
//! in [`Targets::new`]) and the bad variants derived from it, each with the
//! answer the contract documents. Two sources of variants:
//!
//! - generated from the request's descriptor, for every field at any depth
//!   ([`generic_cases`]): NUL and control characters and one character over
//!   the limit in every string, invalid UTF-8 in every string (patched into
//!   the encoded bytes), unknown numbers in every enum, one item over the
//!   limit in every list, garbage in every `region_code`, a truncated and a
//!   garbage message;
//! - written per RPC from small families ([`Spec::name`], [`Spec::dates`],
//!   [`Spec::masks`], [`Spec::tokens`], …): missing required fields,
//!   malformed and unknown resource names, malformed and out-of-range dates,
//!   hostile field masks, page tokens and page sizes, bad decimals.
//!
//! Every case is sent as raw bytes with the unbound ADMIN token. After each
//! case the row counts of every table must be unchanged, after each RPC the
//! valid request itself must succeed (so each case fails only for what it
//! changed) and the server must still answer. Every disagreement is
//! collected; the test fails once, listing all of them.

use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::{Buf, BufMut};
use chrono::Days;
use kerjasama_proto::v1 as pb;
use kerjasama_tests::{RowCounter, TestServer, authed};
use prost::Message;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage, Value,
};
use prost_types::FieldMask;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::{Code, Status};
use uuid::Uuid;

use crate::fixtures::{REGION, create, create_unit, ksdd_ksb};

mod parsers;

// ---------------------------------------------------------------------------
// What a case must answer.

#[derive(Debug, Clone)]
enum Want {
    /// INVALID_ARGUMENT with this field among the `BadRequest` violations.
    Invalid(String),
    /// INVALID_ARGUMENT for bytes that are no valid request at all (no field to name).
    Malformed,
    /// Exactly this code (NOT_FOUND, FAILED_PRECONDITION, ABORTED, OK…).
    Code(Code),
}

fn ia(field: impl Into<String>) -> Want {
    Want::Invalid(field.into())
}

const NOT_FOUND: Want = Want::Code(Code::NotFound);
const PRECONDITION: Want = Want::Code(Code::FailedPrecondition);
const ABORTED: Want = Want::Code(Code::Aborted);

/// `None` when `got` is what `want` says, else what was wrong.
fn verdict(want: &Want, got: &Result<(), Status>) -> Option<String> {
    use tonic_types::StatusExt;
    let (code, fields, message) = match got {
        Ok(()) => (Code::Ok, Vec::new(), String::new()),
        Err(status) => (
            status.code(),
            status
                .get_details_bad_request()
                .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
                .unwrap_or_default(),
            status.message().chars().take(240).collect::<String>(),
        ),
    };
    let ok = match want {
        Want::Invalid(field) => code == Code::InvalidArgument && fields.contains(field),
        Want::Malformed => code == Code::InvalidArgument,
        Want::Code(expected) => code == *expected,
    };
    (!ok).then(|| format!("got {code:?} {fields:?} {message:?}"))
}

// ---------------------------------------------------------------------------
// Requests: a valid message, changed by edits at field paths.

/// A value set at a field path.
#[derive(Debug, Clone)]
enum Val {
    /// A string.
    S(String),
    /// A number, for int32, int64 and enum fields.
    I(i64),
    /// A repeated string field.
    L(Vec<String>),
    /// The field's default: empty, zero, absent.
    Clear,
    /// A repeated field with this many copies of its first item (or of a default one).
    Copies(usize),
}

fn s(text: impl Into<String>) -> Val {
    Val::S(text.into())
}

fn paths(items: &[&str]) -> Val {
    Val::L(items.iter().map(|p| p.to_string()).collect())
}

/// `agreement.parties[0].name` → `[("agreement", None), ("parties", Some(0)), ("name", None)]`.
fn segments(path: &str) -> Vec<(&str, Option<usize>)> {
    path.split('.')
        .map(|segment| match segment.split_once('[') {
            Some((name, index)) => (
                name,
                Some(index.trim_end_matches(']').parse().expect("an index")),
            ),
            None => (segment, None),
        })
        .collect()
}

fn item_mut<'a>(value: &'a mut Value, field: &FieldDescriptor, index: usize) -> &'a mut Value {
    let list = value.as_list_mut().expect("a repeated field");
    while list.len() <= index {
        list.push(Value::default_value(&field.kind()));
    }
    &mut list[index]
}

fn scalar(val: &Val, kind: &Kind, path: &str) -> Value {
    match (val, kind) {
        (Val::S(text), Kind::String) => Value::String(text.clone()),
        (Val::I(n), Kind::Int32) => Value::I32(i32::try_from(*n).expect("an i32")),
        (Val::I(n), Kind::Int64) => Value::I64(*n),
        (Val::I(n), Kind::Enum(_)) => Value::EnumNumber(i32::try_from(*n).expect("an i32")),
        (Val::Clear, kind) => Value::default_value(kind),
        (val, kind) => panic!("{path}: cannot set {val:?} on a {kind:?} field"),
    }
}

/// Sets `path` (creating the messages and list items on the way) to `val`.
fn apply(message: &mut DynamicMessage, path: &str, val: &Val) {
    let segments = segments(path);
    let (&(name, index), parents) = segments.split_last().expect("a path");
    let mut here = message;
    for &(parent, parent_index) in parents {
        let field = here
            .descriptor()
            .get_field_by_name(parent)
            .unwrap_or_else(|| panic!("{path}: no field {parent}"));
        let mut value = here.get_field_mut(&field);
        if let Some(i) = parent_index {
            value = item_mut(value, &field, i);
        }
        here = value
            .as_message_mut()
            .unwrap_or_else(|| panic!("{path}: {parent} is not a message"));
    }
    let field = here
        .descriptor()
        .get_field_by_name(name)
        .unwrap_or_else(|| panic!("{path}: no field {name}"));
    match (val, index) {
        (val, Some(i)) => {
            let kind = field.kind();
            *item_mut(here.get_field_mut(&field), &field, i) = scalar(val, &kind, path);
        }
        (Val::Clear, None) => here.clear_field(&field),
        (Val::L(items), None) => here.set_field(
            &field,
            Value::List(items.iter().cloned().map(Value::String).collect()),
        ),
        (Val::Copies(n), None) => {
            let first = here
                .get_field(&field)
                .as_list()
                .and_then(|items| items.first().cloned())
                .unwrap_or_else(|| Value::default_value(&field.kind()));
            here.set_field(&field, Value::List(vec![first; *n]));
        }
        (val, None) => {
            let kind = field.kind();
            here.set_field(&field, scalar(val, &kind, path));
        }
    }
}

/// The encoded request with `edits` applied.
fn encode(valid: &DynamicMessage, edits: &[(String, Val)]) -> Vec<u8> {
    let mut message = valid.clone();
    for (path, val) in edits {
        apply(&mut message, path, val);
    }
    message.encode_to_vec()
}

// ---------------------------------------------------------------------------
// Cases and the per-RPC table.

enum Body {
    Edits(Vec<(String, Val)>),
    Raw(Vec<u8>),
}

struct Case {
    label: String,
    body: Body,
    want: Want,
}

fn descriptors() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(kerjasama_proto::FILE_DESCRIPTOR_SET).expect("descriptor set")
    })
}

/// One RPC: its valid request and its bad variants.
struct Spec {
    service: &'static str,
    method: &'static str,
    streaming: bool,
    valid: DynamicMessage,
    /// A client-streaming RPC: the messages sent after the first (the one the
    /// cases edit), encoded.
    then: Vec<Vec<u8>>,
    /// An Update RPC: a family case on `resource.field` also names `field`
    /// in `update_mask` (a field outside the mask is ignored, AIP-134).
    masked: bool,
    cases: Vec<Case>,
}

/// Invalid date texts: out of range, not a calendar day, not strictly `YYYY-MM-DD`.
const BAD_DATES: &[&str] = &[
    "0000-01-01",
    "-001-01-01",
    "+2025-01-1",
    "1899-12-31",
    "2200-01-01",
    "2026-02-30",
    "2026-02-29",
    "2026-13-01",
    "2026-00-10",
    "2026-1-01",
    "26-01-01",
    "2026/01/01",
    "20260101",
    "2026-01-01T00:00:00Z",
    " 2026-01-01",
    "２０２６-01-01",
];

/// Not plain decimals of at most 18 + 4 digits.
const BAD_DECIMALS: &[&str] = &[
    "1e9",
    "1.500.000",
    "1,5",
    " 1",
    ".5",
    "5.",
    "0.00001",
    "1234567890123456789",
    "NaN",
    "inf",
    "--1",
    "+1",
    "0x10",
    "١٢",
];

/// Not whole rupiah written as digits.
const BAD_RUPIAH: &[&str] = &[
    "1e9",
    "-1",
    "1.5",
    "1,500",
    " 1",
    "+1",
    "9223372036854775808",
    "١٢",
];

/// Not Kemendagri region codes.
const BAD_REGIONS: &[&str] = &[
    "x",
    "3",
    "36.",
    "36.7",
    "36.71.01.1",
    " 36",
    "36 ",
    "36..71",
    "٣٦",
];

impl Spec {
    fn new(service: &'static str, method: &'static str, valid: &impl Message) -> Spec {
        let descriptor = descriptors()
            .get_service_by_name(&format!("kerjasama.v1.{service}"))
            .unwrap_or_else(|| panic!("no service {service}"))
            .methods()
            .find(|m| m.name() == method)
            .unwrap_or_else(|| panic!("no method {service}.{method}"));
        Spec {
            service,
            method,
            streaming: descriptor.is_server_streaming(),
            then: Vec::new(),
            valid: DynamicMessage::decode(descriptor.input(), valid.encode_to_vec().as_slice())
                .expect("the valid request decodes"),
            masked: false,
            cases: Vec::new(),
        }
    }

    /// A client-streaming RPC: `messages` follow the first in every case.
    fn then(mut self, messages: &[&impl Message]) -> Self {
        self.then = messages.iter().map(|m| m.encode_to_vec()).collect();
        self
    }

    fn masked(mut self) -> Self {
        self.masked = true;
        self
    }

    fn rpc(&self) -> String {
        format!("{}.{}", self.service, self.method)
    }

    /// On an Update RPC, `agreement.parties[0].name` is named in the mask as `parties`.
    fn with_mask(&self, path: &str, mut edits: Vec<(String, Val)>) -> Vec<(String, Val)> {
        if self.masked
            && let Some((_, rest)) = path.split_once('.')
        {
            let field = rest.split(['.', '[']).next().unwrap_or_default();
            // The resource's name and etag are not fields to replace.
            if !matches!(field, "name" | "etag") {
                edits.push(("update_mask.paths".into(), paths(&[field])));
            }
        }
        edits
    }

    fn case(mut self, label: impl Into<String>, edits: &[(&str, Val)], want: Want) -> Self {
        let edits = edits
            .iter()
            .map(|(path, val)| (path.to_string(), val.clone()))
            .collect();
        self.cases.push(Case {
            label: label.into(),
            body: Body::Edits(edits),
            want,
        });
        self
    }

    /// One path set to one value, named in the mask on an Update RPC.
    fn set(mut self, path: &str, val: Val, want: Want) -> Self {
        let label = match &val {
            Val::S(text) if text.chars().count() > 200 => {
                format!("{path} = {} chars", text.chars().count())
            }
            val => format!("{path} = {val:?}"),
        };
        let edits = self.with_mask(path, vec![(path.to_string(), val)]);
        self.cases.push(Case {
            label,
            body: Body::Edits(edits),
            want,
        });
        self
    }

    /// Each path missing (empty, zero or absent) is INVALID_ARGUMENT naming it.
    fn required(self, paths: &[&str]) -> Self {
        paths
            .iter()
            .fold(self, |spec, path| spec.set(path, Val::Clear, ia(*path)))
    }

    fn dates(self, paths: &[&str]) -> Self {
        paths.iter().fold(self, |spec, path| {
            BAD_DATES
                .iter()
                .fold(spec, |spec, bad| spec.set(path, s(*bad), ia(*path)))
        })
    }

    fn decimals(self, paths: &[&str]) -> Self {
        paths.iter().fold(self, |spec, path| {
            BAD_DECIMALS
                .iter()
                .fold(spec, |spec, bad| spec.set(path, s(*bad), ia(*path)))
        })
    }

    fn rupiah(self, path: &str) -> Self {
        BAD_RUPIAH
            .iter()
            .fold(self, |spec, bad| spec.set(path, s(*bad), ia(path)))
    }

    /// A resource name the RPC acts on (`field` holds `valid`): missing or
    /// malformed is INVALID_ARGUMENT naming `field`; well-formed but naming
    /// no record is NOT_FOUND.
    fn name(self, field: &str, valid: &str, targets: &Targets) -> Self {
        self.names(field, valid, targets, true, NOT_FOUND)
    }

    /// A resource name a record refers to (optional): malformed, or naming
    /// no record, is INVALID_ARGUMENT naming `field`.
    fn reference(self, field: &str, valid: &str, targets: &Targets) -> Self {
        self.names(field, valid, targets, false, ia(field))
    }

    fn names(
        mut self,
        field: &str,
        valid: &str,
        targets: &Targets,
        required: bool,
        missing: Want,
    ) -> Self {
        let shape = name_variants(valid, targets);
        if required {
            self = self.set(field, s(""), ia(field));
        }
        for bad in shape.malformed {
            self = self.set(field, s(bad), ia(field));
        }
        for absent in shape.absent {
            self = self.set(field, s(absent), missing.clone());
        }
        self
    }

    /// Hostile `update_mask`s; `valid` is one updatable path.
    fn masks(mut self, valid: &str, star_allowed: bool) -> Self {
        let mut bad: Vec<Vec<String>> = [
            "no_such_field",
            "",
            "name",
            "create_time",
            "etag",
            &format!("{valid}.x"),
            &valid.to_uppercase(),
            &format!(" {valid}"),
            &format!("{valid},{valid}"),
            "*.x",
        ]
        .iter()
        .map(|p| vec![p.to_string()])
        .collect();
        bad.push(vec![valid.to_string(), "no_such_field".into()]);
        if !star_allowed {
            bad.push(vec!["*".into()]);
        }
        self = self
            .case(
                "update_mask absent",
                &[("update_mask", Val::Clear)],
                ia("update_mask"),
            )
            .case(
                "update_mask empty",
                &[("update_mask.paths", Val::L(Vec::new()))],
                ia("update_mask"),
            );
        for mask in bad {
            self = self.case(
                format!("update_mask {mask:?}"),
                &[("update_mask.paths", Val::L(mask))],
                ia("update_mask"),
            );
        }
        self
    }

    /// An etag that matches no version: the write is refused as a lost update.
    fn etag(self, path: &str) -> Self {
        self.case(
            format!("{path} stale"),
            &[(path, s("W/\"no-such-version\""))],
            ABORTED,
        )
        .case(
            format!("{path} of another version"),
            &[(path, s("\"999999\""))],
            ABORTED,
        )
    }

    fn page_size(self) -> Self {
        self.case(
            "page_size -1",
            &[("page_size", Val::I(-1))],
            ia("page_size"),
        )
        .case(
            "page_size i32::MIN",
            &[("page_size", Val::I(i64::from(i32::MIN)))],
            ia("page_size"),
        )
    }

    /// Page tokens the service did not issue for this request. `refilter`
    /// changes the request so that the real token no longer fits it.
    fn tokens(mut self, targets: &Targets, refilter: &[(&str, Val)]) -> Self {
        let rpc = self.method;
        let own = targets.token(rpc).to_string();
        let mut bytes = URL_SAFE_NO_PAD.decode(&own).expect("a real token");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        let flipped = URL_SAFE_NO_PAD.encode(&bytes);
        bytes[middle] ^= 0x01;
        let last = bytes.len() - 1;
        bytes[last] ^= 0x80;
        let tag_flipped = URL_SAFE_NO_PAD.encode(&bytes);
        let unsigned =
            URL_SAFE_NO_PAD.encode(br#"{"c":{"key":"18446744073709551615","id":""},"f":"x"}"#);
        let noise = URL_SAFE_NO_PAD.encode(
            (0..64u8)
                .map(|i| i.wrapping_mul(37) ^ 0x5a)
                .collect::<Vec<_>>(),
        );
        let hostile = [
            ("random base64", "AAAA".to_string()),
            ("random bytes", noise),
            ("not base64", "%%%".to_string()),
            ("padded base64", format!("{own}==")),
            ("one payload byte flipped", flipped),
            ("one tag bit flipped", tag_flipped),
            ("truncated", own[..own.len() - 2].to_string()),
            ("extended", format!("{own}AA")),
            ("unsigned", unsigned),
            ("2049 characters", "A".repeat(2049)),
        ];
        for (label, token) in hostile {
            self = self.case(
                format!("page_token {label}"),
                &[("page_token", s(token))],
                ia("page_token"),
            );
        }
        for (other, token) in &targets.tokens {
            if *other != rpc {
                self = self.case(
                    format!("page_token of {other}"),
                    &[("page_token", s(token.clone()))],
                    ia("page_token"),
                );
            }
        }
        let mut edits = refilter.to_vec();
        edits.push(("page_token", s(own)));
        self.case("page_token with other filters", &edits, ia("page_token"))
            .page_size()
    }
}

/// Malformed variants of a valid resource name, and well-formed ones naming no record.
struct NameVariants {
    malformed: Vec<String>,
    absent: Vec<String>,
}

fn name_variants(valid: &str, targets: &Targets) -> NameVariants {
    let mut malformed = vec![
        "foo/bar".to_string(),
        format!("{valid}/"),
        format!("/{valid}"),
        format!("{valid}/extra"),
        format!(" {valid}"),
        format!("{valid} "),
        format!(
            "widgets/{}",
            valid.split_once('/').map_or(valid, |(_, rest)| rest)
        ),
        format!("{}{}", valid[..1].to_uppercase(), &valid[1..]),
        valid
            .split_once('/')
            .map_or(valid, |(_, rest)| rest)
            .to_string(),
    ];
    let mut absent = Vec::new();
    let parts: Vec<&str> = valid.split('/').collect();
    let with = |i: usize, segment: &str| {
        let mut changed = parts.clone();
        changed[i] = segment;
        changed.join("/")
    };
    let ids: Vec<usize> = (0..parts.len())
        .filter(|&i| i % 2 == 1 && Uuid::try_parse(parts[i]).is_ok())
        .collect();
    for &i in &ids {
        let id = Uuid::try_parse(parts[i]).expect("an id");
        for form in [
            "not-a-uuid".to_string(),
            String::new(),
            parts[i].to_uppercase(),
            id.simple().to_string(),
            id.braced().to_string(),
            id.urn().to_string(),
            format!("{}x", parts[i]),
        ] {
            malformed.push(with(i, &form));
        }
        absent.push(with(i, &targets.nowhere.to_string()));
    }
    // A child id under another existing agreement.
    if ids.len() > 1 && parts[0] == "agreements" {
        absent.push(with(1, targets.other.trim_start_matches("agreements/")));
    }
    match parts.as_slice() {
        ["units", _] => {
            malformed.extend(["units/".into(), "units/a b".into(), "units/dlhk".into()]);
            absent.push("units/NO-SUCH-UNIT".into());
        }
        ["agreements", _, "stages", _] => {
            malformed.push(with(3, ""));
            absent.push(with(3, "NO_SUCH_STAGE"));
        }
        ["stageTemplates", _] => {
            malformed.extend([
                "stageTemplates/".into(),
                "stageTemplates/KSDD.KSB".into(),
                "stageTemplates/KSDD.KSB.STANDALONE.X".into(),
                "stageTemplates/XX.KSB.STANDALONE".into(),
                "stageTemplates/KSDD.KSB.SOMETIMES".into(),
                "stageTemplates/ksdd.ksb.standalone".into(),
            ]);
            absent.push("stageTemplates/KSDD.LOI.STANDALONE".into());
        }
        _ => {}
    }
    NameVariants { malformed, absent }
}

// ---------------------------------------------------------------------------
// Cases generated from the descriptor, for every field of every request.

/// The documented character limits: prose 4000, links and page tokens 2048,
/// everything else 300.
fn max_chars(field: &str) -> usize {
    const PROSE: &[&str] = &[
        "notes",
        "note",
        "description",
        "summary",
        "objective",
        "obstacles",
        "follow_up",
        "text",
        "reason",
        "skip_reason",
        "termination_reason",
        "cancellation_reason",
    ];
    if PROSE.contains(&field) {
        4000
    } else if matches!(field, "uri" | "page_token") {
        2048
    } else {
        300
    }
}

/// The documented list limits: parties 20, everything else 100.
fn max_items(field: &str) -> usize {
    if field == "parties" { 20 } else { 100 }
}

enum SlotKind {
    Text,
    Enum,
    List,
}

struct Slot {
    path: String,
    name: String,
    kind: SlotKind,
}

/// Every string, enum and list of `descriptor`, at any depth; messages are
/// entered whether `message` has them or not (a list's first item).
fn slots(
    descriptor: &MessageDescriptor,
    message: Option<&DynamicMessage>,
    prefix: &str,
    out: &mut Vec<Slot>,
) {
    if prefix.matches('.').count() > 6 {
        return;
    }
    for field in descriptor.fields() {
        let path = if prefix.is_empty() {
            field.name().to_string()
        } else {
            format!("{prefix}.{}", field.name())
        };
        let value = message
            .filter(|m| m.has_field(&field))
            .map(|m| m.get_field(&field));
        let slot = |path: String, kind| Slot {
            path,
            name: field.name().to_string(),
            kind,
        };
        let (path, value) = if field.is_list() {
            out.push(slot(path.clone(), SlotKind::List));
            let first = value
                .as_deref()
                .and_then(Value::as_list)
                .and_then(|items| items.first().cloned());
            (format!("{path}[0]"), first)
        } else {
            (path, value.map(|v| v.into_owned()))
        };
        match field.kind() {
            Kind::String => out.push(slot(path, SlotKind::Text)),
            Kind::Enum(_) => out.push(slot(path, SlotKind::Enum)),
            Kind::Message(inner) => slots(
                &inner,
                value.as_ref().and_then(Value::as_message),
                &path,
                out,
            ),
            _ => {}
        }
    }
}

/// Bytes that are not UTF-8, the length of [`MARKER`]: an invalid lead
/// byte, an overlong `/`, a UTF-16 surrogate.
const NOT_UTF8: &[[u8; 4]] = &[
    [0xff, 0xfe, b'a', b'a'],
    [0xc0, 0xaf, b'a', b'a'],
    [0xed, 0xa0, 0x80, b'a'],
];
const MARKER: &str = "~U8~";

/// The request with `path` set to [`MARKER`], the marker's bytes replaced by `bad`.
fn not_utf8(valid: &DynamicMessage, path: &str, bad: &[u8; 4]) -> Vec<u8> {
    let mut bytes = encode(valid, &[(path.to_string(), s(MARKER))]);
    let at: Vec<usize> = bytes
        .windows(MARKER.len())
        .enumerate()
        .filter(|(_, w)| *w == MARKER.as_bytes())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(at.len(), 1, "{path}: the marker must occur once");
    bytes[at[0]..at[0] + MARKER.len()].copy_from_slice(bad);
    bytes
}

fn generic_cases(valid: &DynamicMessage) -> Vec<Case> {
    let mut found = Vec::new();
    slots(&valid.descriptor(), Some(valid), "", &mut found);
    let mut cases = Vec::new();
    let edit = |label: String, path: &str, val: Val, want: Want| Case {
        label,
        body: Body::Edits(vec![(path.to_string(), val)]),
        want,
    };
    for slot in &found {
        let path = slot.path.as_str();
        match slot.kind {
            SlotKind::Text => {
                cases.push(edit(format!("NUL in {path}"), path, s("a\0b"), ia(path)));
                cases.push(edit(
                    format!("U+0001 in {path}"),
                    path,
                    s("\u{1}"),
                    ia(path),
                ));
                cases.push(edit(
                    format!("ESC in {path}"),
                    path,
                    s("a\u{1b}[2J"),
                    ia(path),
                ));
                let over = max_chars(&slot.name) + 1;
                cases.push(edit(
                    format!("{over} characters in {path}"),
                    path,
                    s("é".repeat(over)),
                    ia(path),
                ));
                if slot.name == "region_code" {
                    for bad in BAD_REGIONS {
                        cases.push(edit(format!("{path} = {bad:?}"), path, s(*bad), ia(path)));
                    }
                }
            }
            SlotKind::Enum => {
                for n in [99, -1, i64::from(i32::MAX)] {
                    cases.push(edit(format!("{path} = {n}"), path, Val::I(n), ia(path)));
                }
            }
            SlotKind::List => {
                let over = max_items(&slot.name) + 1;
                cases.push(edit(
                    format!("{over} items in {path}"),
                    path,
                    Val::Copies(over),
                    ia(path),
                ));
            }
        }
    }
    let texts = found.iter().filter(|s| matches!(s.kind, SlotKind::Text));
    for slot in texts.clone() {
        for bad in NOT_UTF8 {
            cases.push(Case {
                label: format!("{:02x?} (not UTF-8) in {}", &bad[..2], slot.path),
                body: Body::Raw(not_utf8(valid, &slot.path, bad)),
                want: Want::Malformed,
            });
        }
    }
    if let Some(first) = texts.clone().next() {
        cases.push(edit(
            format!("1 MiB in {}", first.path),
            &first.path,
            s("x".repeat(1 << 20)),
            ia(&first.path),
        ));
    }
    let bytes = valid.encode_to_vec();
    if !bytes.is_empty() {
        cases.push(Case {
            label: "truncated message".into(),
            body: Body::Raw(bytes[..bytes.len() - 1].to_vec()),
            want: Want::Malformed,
        });
    }
    cases.push(Case {
        label: "invalid wire type".into(),
        body: Body::Raw(vec![0x0f, 0x00]),
        want: Want::Malformed,
    });
    cases.push(Case {
        label: "varint longer than 10 bytes".into(),
        body: Body::Raw(vec![
            0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ]),
        want: Want::Malformed,
    });
    cases
}

// ---------------------------------------------------------------------------
// Sending raw bytes.

/// Passes message bytes through unchanged, both ways.
#[derive(Clone, Copy, Default)]
struct RawCodec;

struct Raw;

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        let mut bytes = vec![0; src.remaining()];
        src.copy_to_slice(&mut bytes);
        Ok(Some(bytes))
    }
}

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

/// Calls `Service/method` with `body`; a server stream is read to its end.
async fn call(
    server: &TestServer,
    service: &str,
    method: &str,
    streaming: bool,
    body: Vec<u8>,
    then: &[Vec<u8>],
) -> Result<(), Status> {
    let mut grpc = tonic::client::Grpc::new(server.channel());
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let path =
        PathAndQuery::try_from(format!("/kerjasama.v1.{service}/{method}")).expect("a method path");
    if !then.is_empty() {
        let messages: Vec<Vec<u8>> = std::iter::once(body).chain(then.to_vec()).collect();
        let request = authed(&server.admin, tokio_stream::iter(messages));
        return grpc
            .client_streaming(request, path, RawCodec)
            .await
            .map(drop);
    }
    let request = authed(&server.admin, body);
    if streaming {
        let mut stream = grpc
            .server_streaming(request, path, RawCodec)
            .await?
            .into_inner();
        while stream.message().await?.is_some() {}
        Ok(())
    } else {
        grpc.unary(request, path, RawCodec).await.map(drop)
    }
}

// ---------------------------------------------------------------------------
// The records the valid requests address.

/// A unit, agreements, and one record of every kind, made once. A record a
/// valid request consumes (deletes, ends, starts…) is that RPC's own.
struct Targets {
    unit: String,
    /// Signed, in force: indicators, documents, reports, events, a finding.
    agreement: String,
    /// Another signed agreement (children of `agreement` are not under it).
    other: String,
    /// Unsigned, untouched: its first stage is PENDING.
    pending: String,
    /// Unsigned, first stage IN_PROGRESS: RescheduleStage.
    in_progress: String,
    /// Own targets of StartStage, CompleteStage (started) and SkipStage.
    to_start: String,
    to_complete: String,
    to_skip: String,
    /// Own targets of TerminateAgreement, CancelAgreement, DeleteAgreement,
    /// UndeleteAgreement (deleted).
    to_terminate: String,
    to_cancel: String,
    to_delete: String,
    deleted: String,
    /// Deleted for good: no child may be added under it.
    gone: String,
    indicator: String,
    indicator_to_delete: String,
    realisation: String,
    realisation_to_delete: String,
    document: String,
    document_to_delete: String,
    report: String,
    meeting: String,
    recommendation: String,
    run: String,
    other_run: String,
    /// A table of `run` with more than one row.
    table: String,
    schedule: String,
    schedule_to_delete: String,
    /// A VALIDATED dry-run import, and a VALIDATED import to commit.
    import_dry: String,
    import_to_commit: String,
    recipient: String,
    recipient_to_delete: String,
    digest_schedule: String,
    digest_schedule_to_delete: String,
    template: pb::StageTemplate,
    /// A real next-page token of each paged RPC, from a page of one item.
    tokens: Vec<(&'static str, String)>,
    /// A well-formed id of no record.
    nowhere: Uuid,
    today: chrono::NaiveDate,
}

fn unsigned(title: &str) -> pb::Agreement {
    let mut agreement = ksdd_ksb("DLHK", title);
    agreement.signed_on.clear();
    agreement.effective_from.clear();
    agreement.effective_until.clear();
    agreement
}

fn indicator() -> pb::Indicator {
    pb::Indicator {
        title: "Retribusi pengelolaan sampah".into(),
        category: pb::BenefitCategory::Revenue as i32,
        unit_of_measure: "IDR".into(),
        beneficiary: pb::Beneficiary::Region as i32,
        baseline: "0".into(),
        target_value: "2500000000".into(),
        target_date: "2027-12-31".into(),
        higher_is_better: Some(true),
        ..Default::default()
    }
}

fn realisation(start: &str, end: &str) -> pb::Realisation {
    pb::Realisation {
        period_start: start.into(),
        period_end: end.into(),
        value: "125000000".into(),
        note: "Laporan triwulan".into(),
        ..Default::default()
    }
}

fn document() -> pb::Document {
    pb::Document {
        r#type: pb::DocumentType::Ksb as i32,
        number: "415.4/12-HUK/2024".into(),
        document_date: "2024-06-12".into(),
        title: "Kesepakatan Bersama yang ditandatangani".into(),
        uri: "https://arsip.bantenprov.go.id/ks/2024/12.pdf".into(),
        sha256: "ab".repeat(32),
        size_bytes: Some(123_456),
        ..Default::default()
    }
}

fn implementation_report(cycle: &str, submitted: &str) -> pb::ImplementationReport {
    pb::ImplementationReport {
        cycle_start: cycle.into(),
        submitted_on: submitted.into(),
        summary: "Pengangkutan sampah berjalan sesuai rencana".into(),
        progress_percent: Some(40),
        obstacles: "Armada terbatas".into(),
        follow_up: "Penambahan armada".into(),
        ..Default::default()
    }
}

fn recommendation(due_on: &str) -> pb::Recommendation {
    pb::Recommendation {
        description: "DLHK menyampaikan laporan triwulan II".into(),
        responsible_unit: "units/DLHK".into(),
        due_on: due_on.into(),
        ..Default::default()
    }
}

fn finding(agreement: &str) -> pb::Finding {
    pb::Finding {
        agreement: agreement.into(),
        description: "Laporan pelaksanaan triwulan II belum diterima".into(),
        recommendations: vec![recommendation("2026-12-31")],
        ..Default::default()
    }
}

fn meeting(agreement: &str) -> pb::EvaluationMeeting {
    pb::EvaluationMeeting {
        region_code: REGION.into(),
        held_on: "2026-07-15".into(),
        period_start: "2026-01-01".into(),
        period_end: "2026-06-30".into(),
        title: "Rapat Evaluasi Kerja Sama Daerah Semester I 2026".into(),
        participant_units: vec!["units/DLHK".into()],
        notes: "Dihadiri seluruh OPD pemrakarsa".into(),
        findings: vec![finding(agreement)],
        ..Default::default()
    }
}

fn schedule() -> pb::ReportSchedule {
    pb::ReportSchedule {
        region_code: REGION.into(),
        display_name: "Rekap tahunan".into(),
        cron: "0 6 1 1 *".into(),
        time_zone: "Asia/Jakarta".into(),
        period_rule: "CURRENT_QUARTER".into(),
        tables: vec!["counts_by_type".into()],
        keep_runs: 12,
        report_grace_days: Some(30),
        enabled: Some(false),
        ..Default::default()
    }
}

fn import_request(validate_only: bool) -> pb::CreateImportRunRequest {
    pb::CreateImportRunRequest {
        region_code: REGION.into(),
        files: vec![pb::ImportFile {
            file_name: "realisasi.csv".into(),
            content: b"Nomor Dokumen;Judul Indikator;Periode Mulai;Periode Selesai;Nilai\n"
                .to_vec(),
        }],
        validate_only,
        request_id: String::new(),
        history_from: String::new(),
    }
}

fn recipient() -> pb::DigestRecipient {
    pb::DigestRecipient {
        region_code: REGION.into(),
        unit: "units/DLHK".into(),
        channel: pb::DigestChannel::Email as i32,
        address: "kerjasama@dlhk.bantenprov.go.id".into(),
        display_name: "Sekretariat DLHK".into(),
        ..Default::default()
    }
}

fn recipient_request() -> pb::CreateDigestRecipientRequest {
    pb::CreateDigestRecipientRequest {
        digest_recipient: Some(recipient()),
        request_id: String::new(),
    }
}

fn digest_schedule() -> pb::DigestSchedule {
    pb::DigestSchedule {
        region_code: REGION.into(),
        display_name: "Ringkasan mingguan".into(),
        cron: "0 7 * * 1".into(),
        time_zone: "Asia/Jakarta".into(),
        enabled: Some(false),
        ..Default::default()
    }
}

fn digest_schedule_request() -> pb::CreateDigestScheduleRequest {
    pb::CreateDigestScheduleRequest {
        digest_schedule: Some(digest_schedule()),
        request_id: String::new(),
    }
}

fn mask(path: &str) -> Option<FieldMask> {
    Some(FieldMask {
        paths: vec![path.into()],
    })
}

impl Targets {
    async fn new(server: &TestServer) -> Targets {
        let admin = server.admin.as_str();
        create_unit(server, "DLHK").await;
        create_unit(server, "DINKES").await;
        let signed = async |title: &str| create(server, ksdd_ksb("DLHK", title)).await.name;
        let draft = async |title: &str| create(server, unsigned(title)).await.name;
        let agreement = signed("Pengelolaan sampah regional").await;
        let other = signed("Kerja sama lain").await;
        let to_terminate = signed("Diakhiri").await;
        let to_delete = signed("Dihapus").await;
        let deleted = signed("Sudah dihapus").await;
        let gone = signed("Dihapus untuk selamanya").await;
        let pending = draft("Belum mulai").await;
        let in_progress = draft("Sedang berjalan").await;
        let to_start = draft("Akan dimulai").await;
        let to_complete = draft("Akan diselesaikan").await;
        let to_skip = draft("Akan dilewati").await;
        let to_cancel = draft("Dibatalkan").await;
        for agreement in [&deleted, &gone] {
            server
                .agreements()
                .delete_agreement(authed(
                    admin,
                    pb::DeleteAgreementRequest {
                        name: agreement.clone(),
                        etag: String::new(),
                    },
                ))
                .await
                .expect("delete agreement");
        }
        for agreement in [&in_progress, &to_complete] {
            server
                .stages()
                .start_stage(authed(
                    admin,
                    pb::StartStageRequest {
                        name: format!("{agreement}/stages/PERSIAPAN"),
                        ..Default::default()
                    },
                ))
                .await
                .expect("start stage");
        }
        let new_indicator = async || {
            server
                .benefits()
                .create_indicator(authed(
                    admin,
                    pb::CreateIndicatorRequest {
                        parent: agreement.clone(),
                        indicator: Some(indicator()),
                    },
                ))
                .await
                .expect("create indicator")
                .into_inner()
                .name
        };
        let indicator = new_indicator().await;
        let indicator_to_delete = new_indicator().await;
        let new_realisation = async |start: &str, end: &str| {
            server
                .benefits()
                .create_realisation(authed(
                    admin,
                    pb::CreateRealisationRequest {
                        parent: indicator.clone(),
                        realisation: Some(realisation(start, end)),
                    },
                ))
                .await
                .expect("create realisation")
                .into_inner()
                .name
        };
        let realisation = new_realisation("2025-01-01", "2025-03-31").await;
        let realisation_to_delete = new_realisation("2025-04-01", "2025-06-30").await;
        let new_document = async || {
            server
                .documents()
                .create_document(authed(
                    admin,
                    pb::CreateDocumentRequest {
                        parent: agreement.clone(),
                        document: Some(document()),
                    },
                ))
                .await
                .expect("create document")
                .into_inner()
                .name
        };
        let document = new_document().await;
        // Its file, version 1 (GetDocumentFile reads it).
        crate::archive::upload_grpc(
            server,
            Some(admin),
            crate::archive::upload_messages(
                &document,
                "ksb.pdf",
                "",
                &crate::archive::plain_pdf("Kesepakatan Bersama"),
                1024,
            ),
        )
        .await
        .expect("upload a document's file");
        let document_to_delete = new_document().await;
        let report = server
            .implementation_reports()
            .submit_implementation_report(authed(
                admin,
                pb::SubmitImplementationReportRequest {
                    parent: agreement.clone(),
                    implementation_report: Some(implementation_report("2025-01-01", "2025-04-10")),
                },
            ))
            .await
            .expect("submit implementation report")
            .into_inner()
            .name;
        let meeting = server
            .meetings()
            .create_evaluation_meeting(authed(
                admin,
                pb::CreateEvaluationMeetingRequest {
                    evaluation_meeting: Some(meeting(&agreement)),
                },
            ))
            .await
            .expect("create evaluation meeting")
            .into_inner();
        let recommendation = meeting.findings[0].recommendations[0].name.clone();
        let new_run = async || {
            let queued = server
                .reports()
                .run_report(authed(
                    admin,
                    pb::RunReportRequest {
                        as_of: "2026-09-30".into(),
                        ..Default::default()
                    },
                ))
                .await
                .expect("run report")
                .into_inner();
            let run = server.finished(queued).await;
            assert_eq!(run.state, pb::ReportRunState::Succeeded as i32, "{run:?}");
            run
        };
        let run = new_run().await;
        let other_run = new_run().await.name;
        let new_schedule = async || {
            server
                .schedules()
                .create_report_schedule(authed(
                    admin,
                    pb::CreateReportScheduleRequest {
                        report_schedule: Some(schedule()),
                    },
                ))
                .await
                .expect("create report schedule")
                .into_inner()
                .name
        };
        let schedule = new_schedule().await;
        let schedule_to_delete = new_schedule().await;
        let template = server
            .templates()
            .list_stage_templates(authed(admin, pb::ListStageTemplatesRequest::default()))
            .await
            .expect("list stage templates")
            .into_inner()
            .stage_templates
            .into_iter()
            .next()
            .expect("a stage template");

        // A table of the run with a second page, and a real token of each paged RPC.
        let mut table = None;
        let mut rows_token = String::new();
        for file in &run.files {
            let Some(stem) = file.strip_suffix(".csv") else {
                continue;
            };
            let page = server
                .reports()
                .get_metric_rows(authed(
                    admin,
                    pb::GetMetricRowsRequest {
                        run: run.name.clone(),
                        table: stem.into(),
                        page_size: 1,
                        page_token: String::new(),
                    },
                ))
                .await
                .expect("get metric rows")
                .into_inner();
            if !page.next_page_token.is_empty() {
                table = Some(stem.to_string());
                rows_token = page.next_page_token;
                break;
            }
        }
        let table = table.expect("a table with more than one row");
        let agreements_token = server
            .agreements()
            .list_agreements(authed(
                admin,
                pb::ListAgreementsRequest {
                    page_size: 1,
                    ..Default::default()
                },
            ))
            .await
            .expect("list agreements")
            .into_inner()
            .next_page_token;
        let events_token = server
            .agreements()
            .list_agreement_events(authed(
                admin,
                pb::ListAgreementEventsRequest {
                    parent: agreement.clone(),
                    page_size: 1,
                    page_token: String::new(),
                },
            ))
            .await
            .expect("list agreement events")
            .into_inner()
            .next_page_token;
        let units_token = server
            .units()
            .list_units(authed(
                admin,
                pb::ListUnitsRequest {
                    page_size: 1,
                    ..Default::default()
                },
            ))
            .await
            .expect("list units")
            .into_inner()
            .next_page_token;
        let runs_token = server
            .reports()
            .list_report_runs(authed(
                admin,
                pb::ListReportRunsRequest {
                    page_size: 1,
                    ..Default::default()
                },
            ))
            .await
            .expect("list report runs")
            .into_inner()
            .next_page_token;
        let imports = || {
            kerjasama_proto::v1::import_service_client::ImportServiceClient::new(server.channel())
        };
        let digests = || {
            kerjasama_proto::v1::digest_service_client::DigestServiceClient::new(server.channel())
        };
        let new_import = |validate_only: bool| async move {
            let run = imports()
                .create_import_run(authed(admin, import_request(validate_only)))
                .await
                .expect("create import run")
                .into_inner();
            for _ in 0..600 {
                let now = imports()
                    .get_import_run(authed(
                        admin,
                        pb::GetImportRunRequest {
                            name: run.name.clone(),
                        },
                    ))
                    .await
                    .expect("get import run")
                    .into_inner();
                if now.state == pb::ImportRunState::Validated as i32 {
                    return now.name;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("{} did not validate", run.name);
        };
        let import_dry = new_import(true).await;
        let import_to_commit = new_import(false).await;
        let new_recipient = || async {
            digests()
                .create_digest_recipient(authed(admin, recipient_request()))
                .await
                .expect("create digest recipient")
                .into_inner()
                .name
        };
        let recipient = new_recipient().await;
        let recipient_to_delete = new_recipient().await;
        let new_digest_schedule = || async {
            digests()
                .create_digest_schedule(authed(admin, digest_schedule_request()))
                .await
                .expect("create digest schedule")
                .into_inner()
                .name
        };
        let digest_schedule = new_digest_schedule().await;
        let digest_schedule_to_delete = new_digest_schedule().await;
        let tokens = vec![
            ("ListAgreements", agreements_token),
            ("ListAgreementEvents", events_token),
            ("ListUnits", units_token),
            ("ListReportRuns", runs_token),
            ("GetMetricRows", rows_token),
        ];
        for (rpc, token) in &tokens {
            assert!(!token.is_empty(), "{rpc} issued no next-page token");
        }
        Targets {
            unit: "units/DLHK".into(),
            agreement,
            other,
            pending,
            in_progress,
            to_start,
            to_complete,
            to_skip,
            to_terminate,
            to_cancel,
            to_delete,
            deleted,
            gone,
            indicator,
            indicator_to_delete,
            realisation,
            realisation_to_delete,
            document,
            document_to_delete,
            report,
            meeting: meeting.name,
            recommendation,
            run: run.name,
            other_run,
            table,
            schedule,
            schedule_to_delete,
            import_dry,
            import_to_commit,
            recipient,
            recipient_to_delete,
            digest_schedule,
            digest_schedule_to_delete,
            template,
            tokens,
            nowhere: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0bad),
            today: kerjasama_core::calendar::today(),
        }
    }

    fn token(&self, rpc: &str) -> &str {
        &self
            .tokens
            .iter()
            .find(|(r, _)| *r == rpc)
            .unwrap_or_else(|| panic!("no token of {rpc}"))
            .1
    }

    fn future(&self) -> String {
        (self.today + Days::new(30)).to_string()
    }

    fn stage(&self, agreement: &str) -> String {
        format!("{agreement}/stages/PERSIAPAN")
    }
}

// ---------------------------------------------------------------------------
// The table: one entry per RPC of the contract.

fn specs(t: &Targets) -> Vec<Spec> {
    let future = t.future();
    let a = t.agreement.as_str();
    let template_stage = &t.template.stages[0];
    vec![
        // AgreementService
        Spec::new(
            "AgreementService",
            "CreateAgreement",
            &pb::CreateAgreementRequest {
                agreement: Some(ksdd_ksb("DLHK", "Kerja sama baru")),
                request_id: "0190a2b4-7c1d-7e3f-8a5b-6c7d8e9f0a1b".into(),
                complete_through_stage: String::new(),
            },
        )
        .required(&[
            "agreement",
            "agreement.title",
            "agreement.unit",
            "agreement.sector",
            "agreement.region_code",
            "agreement.cooperation_type",
            "agreement.document_kind",
            "agreement.ksdd_basis",
            "agreement.parties",
            "agreement.parties[0].name",
            "agreement.parties[0].kind",
            "agreement.parties[0].region_code",
        ])
        .dates(&[
            "agreement.signed_on",
            "agreement.effective_from",
            "agreement.effective_until",
        ])
        .rupiah("agreement.budget_idr")
        .reference("agreement.parent", &t.other, t)
        .reference("agreement.unit", &t.unit, t)
        .set("agreement.title", s("   "), ia("agreement.title"))
        .set(
            "agreement.sector",
            s("NOT_A_SECTOR"),
            ia("agreement.sector"),
        )
        .set("agreement.signed_on", s(&future), ia("agreement.signed_on"))
        .set(
            "agreement.effective_until",
            s("2024-01-01"),
            ia("agreement.effective_until"),
        )
        .set(
            "agreement.parties[0].country_code",
            s("ZZZ"),
            ia("agreement.parties[0].country_code"),
        )
        .set("request_id", s("not-a-uuid"), ia("request_id"))
        .set(
            "complete_through_stage",
            s("NO_SUCH_STAGE"),
            ia("complete_through_stage"),
        )
        .case(
            "5 MiB request",
            &[("agreement.objective", s("x".repeat(5 << 20)))],
            Want::Code(Code::ResourceExhausted),
        ),
        Spec::new(
            "AgreementService",
            "GetAgreement",
            &pb::GetAgreementRequest { name: a.into() },
        )
        .name("name", a, t),
        Spec::new(
            "AgreementService",
            "ListAgreements",
            &pb::ListAgreementsRequest::default(),
        )
        .tokens(t, &[("query", s("sampah"))])
        .dates(&["signed_from", "signed_until", "ending_from", "ending_until"])
        .set("order_by", s("bogus"), ia("order_by"))
        .set("order_by", s("title desc desc"), ia("order_by"))
        .set(
            "order_by",
            s("title; DROP TABLE agreements"),
            ia("order_by"),
        )
        .set("partner_country", s("jp"), ia("partner_country"))
        .set("partner_country", s("JPN"), ia("partner_country"))
        .set("unit", s("DLHK"), ia("unit"))
        .set("unit", s("units/"), ia("unit"))
        .set("parent", s("foo/bar"), ia("parent"))
        .set("parent", s("agreements/not-a-uuid"), ia("parent"))
        .set(
            "cooperation_types[0]",
            Val::I(0),
            ia("cooperation_types[0]"),
        )
        .set("states[0]", Val::I(0), ia("states[0]")),
        Spec::new(
            "AgreementService",
            "SearchAgreements",
            &pb::SearchAgreementsRequest {
                query: "sampah".into(),
                region_code: "36".into(),
                page_size: 5,
            },
        )
        .page_size()
        .set("query", s(""), ia("query"))
        .set("query", s("   "), ia("query"))
        .set("region_code", s(""), Want::Code(Code::Ok)),
        Spec::new(
            "AgreementService",
            "UpdateAgreement",
            &pb::UpdateAgreementRequest {
                agreement: Some(pb::Agreement {
                    name: a.into(),
                    title: "Pengelolaan sampah regional (diperbarui)".into(),
                    ..ksdd_ksb("DLHK", "")
                }),
                update_mask: mask("title"),
            },
        )
        .masked()
        .name("agreement.name", a, t)
        .masks("title", true)
        .required(&[
            "agreement",
            "agreement.title",
            "agreement.unit",
            "agreement.sector",
        ])
        .dates(&["agreement.effective_from", "agreement.effective_until"])
        .rupiah("agreement.budget_idr")
        .reference("agreement.parent", &t.other, t)
        .set(
            "agreement.effective_until",
            s("2024-01-01"),
            ia("agreement.effective_until"),
        )
        .set(
            "agreement.reporting_cycle",
            Val::I(0),
            ia("agreement.reporting_cycle"),
        )
        .case(
            "update_mask signed_on",
            &[("update_mask.paths", paths(&["signed_on"]))],
            ia("update_mask"),
        )
        .case(
            "update_mask region_code",
            &[("update_mask.paths", paths(&["region_code"]))],
            ia("update_mask"),
        )
        .case(
            "update_mask state",
            &[("update_mask.paths", paths(&["state"]))],
            ia("update_mask"),
        )
        .etag("agreement.etag"),
        Spec::new(
            "AgreementService",
            "DeleteAgreement",
            &pb::DeleteAgreementRequest {
                name: t.to_delete.clone(),
                etag: String::new(),
            },
        )
        .name("name", &t.to_delete, t)
        .etag("etag"),
        Spec::new(
            "AgreementService",
            "UndeleteAgreement",
            &pb::UndeleteAgreementRequest {
                name: t.deleted.clone(),
            },
        )
        .name("name", &t.deleted, t)
        .set("name", s(a), PRECONDITION),
        Spec::new(
            "AgreementService",
            "TerminateAgreement",
            &pb::TerminateAgreementRequest {
                name: t.to_terminate.clone(),
                terminated_on: t.today.to_string(),
                reason: "Diakhiri atas kesepakatan para pihak".into(),
            },
        )
        .name("name", &t.to_terminate, t)
        .required(&["reason"])
        .set("reason", s("  \n "), ia("reason"))
        .dates(&["terminated_on"])
        .set("terminated_on", s(&future), ia("terminated_on"))
        // Before the stored signing date: a rule of the record's state.
        .set("terminated_on", s("2024-01-01"), PRECONDITION)
        .set("name", s(&t.pending), PRECONDITION),
        Spec::new(
            "AgreementService",
            "CancelAgreement",
            &pb::CancelAgreementRequest {
                name: t.to_cancel.clone(),
                cancelled_on: t.today.to_string(),
                reason: "Mitra mengundurkan diri".into(),
            },
        )
        .name("name", &t.to_cancel, t)
        .required(&["reason"])
        .dates(&["cancelled_on"])
        .set("cancelled_on", s(&future), ia("cancelled_on"))
        .set("name", s(a), PRECONDITION),
        Spec::new(
            "AgreementService",
            "SetReportsOwedFrom",
            &pb::SetReportsOwedFromRequest {
                name: a.into(),
                reports_owed_from: "2025-01-01".into(),
                reason: "Register lama dimulai 2025".into(),
                etag: String::new(),
            },
        )
        .name("name", a, t)
        .required(&["reason"])
        .set("reason", s("  \n "), ia("reason"))
        .dates(&["reports_owed_from"]),
        Spec::new(
            "AgreementService",
            "ListAgreementEvents",
            &pb::ListAgreementEventsRequest {
                parent: a.into(),
                ..Default::default()
            },
        )
        .name("parent", a, t)
        .tokens(t, &[("parent", s(&t.other))]),
        // BenefitService
        Spec::new(
            "BenefitService",
            "CreateIndicator",
            &pb::CreateIndicatorRequest {
                parent: a.into(),
                indicator: Some(indicator()),
            },
        )
        .name("parent", a, t)
        .required(&[
            "indicator",
            "indicator.title",
            "indicator.category",
            "indicator.beneficiary",
            "indicator.unit_of_measure",
        ])
        .set(
            "indicator.unit_of_measure",
            s("PARSEC"),
            ia("indicator.unit_of_measure"),
        )
        .decimals(&["indicator.baseline", "indicator.target_value"])
        .dates(&["indicator.target_date"])
        .set("parent", s(&t.gone), PRECONDITION),
        Spec::new(
            "BenefitService",
            "GetIndicator",
            &pb::GetIndicatorRequest {
                name: t.indicator.clone(),
            },
        )
        .name("name", &t.indicator, t),
        Spec::new(
            "BenefitService",
            "ListIndicators",
            &pb::ListIndicatorsRequest {
                parent: a.into(),
                show_deleted: true,
            },
        )
        .name("parent", a, t),
        Spec::new(
            "BenefitService",
            "UpdateIndicator",
            &pb::UpdateIndicatorRequest {
                indicator: Some(pb::Indicator {
                    name: t.indicator.clone(),
                    title: "Retribusi sampah (diperbarui)".into(),
                    ..indicator()
                }),
                update_mask: mask("title"),
            },
        )
        .masked()
        .name("indicator.name", &t.indicator, t)
        .masks("title", false)
        .required(&[
            "indicator",
            "indicator.title",
            "indicator.category",
            "indicator.beneficiary",
        ])
        .decimals(&["indicator.baseline", "indicator.target_value"])
        .dates(&["indicator.target_date"])
        .etag("indicator.etag"),
        Spec::new(
            "BenefitService",
            "DeleteIndicator",
            &pb::DeleteIndicatorRequest {
                name: t.indicator_to_delete.clone(),
            },
        )
        .name("name", &t.indicator_to_delete, t),
        Spec::new(
            "BenefitService",
            "CreateRealisation",
            &pb::CreateRealisationRequest {
                parent: t.indicator.clone(),
                realisation: Some(pb::Realisation {
                    evidence_document: t.document.clone(),
                    ..realisation("2025-07-01", "2025-09-30")
                }),
            },
        )
        .name("parent", &t.indicator, t)
        .required(&[
            "realisation",
            "realisation.period_start",
            "realisation.period_end",
            "realisation.value",
        ])
        .dates(&["realisation.period_start", "realisation.period_end"])
        .decimals(&["realisation.value"])
        .set(
            "realisation.evidence_document",
            s("not-a-uuid"),
            ia("realisation.evidence_document"),
        )
        .set(
            "realisation.period_end",
            s("2025-06-30"),
            ia("realisation.period_end"),
        )
        .set(
            "realisation.period_end",
            s(&future),
            ia("realisation.period_end"),
        ),
        Spec::new(
            "BenefitService",
            "ListRealisations",
            &pb::ListRealisationsRequest {
                parent: t.indicator.clone(),
                show_deleted: true,
            },
        )
        .name("parent", &t.indicator, t),
        Spec::new(
            "BenefitService",
            "UpdateRealisation",
            &pb::UpdateRealisationRequest {
                realisation: Some(pb::Realisation {
                    name: t.realisation.clone(),
                    note: "Laporan triwulan I (dikoreksi)".into(),
                    ..realisation("2025-01-01", "2025-03-31")
                }),
                update_mask: mask("note"),
            },
        )
        .masked()
        .name("realisation.name", &t.realisation, t)
        .masks("note", false)
        .required(&[
            "realisation",
            "realisation.period_start",
            "realisation.period_end",
            "realisation.value",
        ])
        .dates(&["realisation.period_start", "realisation.period_end"])
        .decimals(&["realisation.value"])
        .set(
            "realisation.evidence_document",
            s("not-a-uuid"),
            ia("realisation.evidence_document"),
        )
        .etag("realisation.etag"),
        Spec::new(
            "BenefitService",
            "DeleteRealisation",
            &pb::DeleteRealisationRequest {
                name: t.realisation_to_delete.clone(),
            },
        )
        .name("name", &t.realisation_to_delete, t),
        // DocumentService
        Spec::new(
            "DocumentService",
            "CreateDocument",
            &pb::CreateDocumentRequest {
                parent: a.into(),
                document: Some(document()),
            },
        )
        .name("parent", a, t)
        .required(&["document", "document.type", "document.title"])
        .dates(&["document.document_date"])
        .set(
            "document.document_date",
            s(&future),
            ia("document.document_date"),
        )
        .set("document.uri", s("javascript:alert(1)"), ia("document.uri"))
        .set("document.uri", s("file:///etc/passwd"), ia("document.uri"))
        .set("document.uri", s("not a link"), ia("document.uri"))
        .set("document.sha256", s("xyz"), ia("document.sha256"))
        .set("document.sha256", s("AB".repeat(32)), ia("document.sha256"))
        .case(
            "document.size_bytes = -1",
            &[("document.size_bytes", Val::I(-1))],
            ia("document.size_bytes"),
        )
        .set("parent", s(&t.gone), PRECONDITION),
        Spec::new(
            "DocumentService",
            "GetDocument",
            &pb::GetDocumentRequest {
                name: t.document.clone(),
            },
        )
        .name("name", &t.document, t),
        Spec::new(
            "DocumentService",
            "ListDocuments",
            &pb::ListDocumentsRequest {
                parent: a.into(),
                show_deleted: true,
            },
        )
        .name("parent", a, t),
        Spec::new(
            "DocumentService",
            "DeleteDocument",
            &pb::DeleteDocumentRequest {
                name: t.document_to_delete.clone(),
            },
        )
        .name("name", &t.document_to_delete, t),
        Spec::new(
            "DocumentService",
            "UploadDocumentFile",
            &pb::UploadDocumentFileRequest {
                content: Some(pb::upload_document_file_request::Content::Metadata(
                    pb::UploadDocumentFileMetadata {
                        parent: t.document.clone(),
                        file_name: "pks.pdf".into(),
                        sha256: String::new(),
                    },
                )),
            },
        )
        .then(&[&pb::UploadDocumentFileRequest {
            content: Some(pb::upload_document_file_request::Content::Chunk(
                crate::archive::plain_pdf("Perjanjian Kerja Sama"),
            )),
        }])
        .name("metadata.parent", &t.document, t)
        .set("metadata.sha256", s("abc"), ia("metadata.sha256"))
        .set("metadata.sha256", s("0".repeat(64)), ia("metadata.sha256"))
        .set("metadata.parent", s(&t.document_to_delete), PRECONDITION),
        Spec::new(
            "DocumentService",
            "GetDocumentFile",
            &pb::GetDocumentFileRequest {
                name: format!("{}/files/1", t.document),
            },
        )
        .name("name", &format!("{}/files/1", t.document), t)
        .set("name", s(format!("{}/files/0", t.document)), ia("name"))
        .set("name", s(format!("{}/files/01", t.document)), ia("name"))
        .set("name", s(format!("{}/files/-1", t.document)), ia("name"))
        .set("name", s(format!("{}/files/9", t.document)), NOT_FOUND),
        Spec::new(
            "DocumentService",
            "ListDocumentFiles",
            &pb::ListDocumentFilesRequest {
                parent: t.document.clone(),
            },
        )
        .name("parent", &t.document, t),
        // ImplementationReportService
        Spec::new(
            "ImplementationReportService",
            "SubmitImplementationReport",
            &pb::SubmitImplementationReportRequest {
                parent: a.into(),
                implementation_report: Some(pb::ImplementationReport {
                    document: t.document.clone(),
                    ..implementation_report("2025-04-01", "2025-07-10")
                }),
            },
        )
        .name("parent", a, t)
        .required(&[
            "implementation_report",
            "implementation_report.cycle_start",
            "implementation_report.summary",
        ])
        .dates(&[
            "implementation_report.cycle_start",
            "implementation_report.submitted_on",
        ])
        .set(
            "implementation_report.submitted_on",
            s(&future),
            ia("implementation_report.submitted_on"),
        )
        .set(
            "implementation_report.cycle_start",
            s("2025-04-02"),
            ia("implementation_report.cycle_start"),
        )
        .set(
            "implementation_report.document",
            s("not-a-uuid"),
            ia("implementation_report.document"),
        )
        .case(
            "implementation_report.progress_percent = 101",
            &[("implementation_report.progress_percent", Val::I(101))],
            ia("implementation_report.progress_percent"),
        )
        .case(
            "implementation_report.progress_percent = -1",
            &[("implementation_report.progress_percent", Val::I(-1))],
            ia("implementation_report.progress_percent"),
        )
        .case(
            "implementation_report.progress_percent = i32::MAX",
            &[(
                "implementation_report.progress_percent",
                Val::I(i64::from(i32::MAX)),
            )],
            ia("implementation_report.progress_percent"),
        )
        .set("parent", s(&t.pending), PRECONDITION),
        Spec::new(
            "ImplementationReportService",
            "ListImplementationReports",
            &pb::ListImplementationReportsRequest { parent: a.into() },
        )
        .name("parent", a, t),
        Spec::new(
            "ImplementationReportService",
            "DeleteImplementationReport",
            &pb::DeleteImplementationReportRequest {
                name: t.report.clone(),
            },
        )
        .name("name", &t.report, t),
        Spec::new(
            "ImplementationReportService",
            "ListReportingCycles",
            &pb::ListReportingCyclesRequest {
                parent: a.into(),
                as_of: "2026-09-30".into(),
            },
        )
        .name("parent", a, t)
        .dates(&["as_of"]),
        // EvaluationMeetingService
        Spec::new(
            "EvaluationMeetingService",
            "CreateEvaluationMeeting",
            &pb::CreateEvaluationMeetingRequest {
                evaluation_meeting: Some(meeting(a)),
            },
        )
        .required(&[
            "evaluation_meeting",
            "evaluation_meeting.region_code",
            "evaluation_meeting.title",
            "evaluation_meeting.held_on",
            "evaluation_meeting.period_start",
            "evaluation_meeting.period_end",
            "evaluation_meeting.findings[0].description",
            "evaluation_meeting.findings[0].recommendations[0].description",
            "evaluation_meeting.findings[0].recommendations[0].responsible_unit",
            "evaluation_meeting.findings[0].recommendations[0].due_on",
        ])
        .dates(&[
            "evaluation_meeting.held_on",
            "evaluation_meeting.period_start",
            "evaluation_meeting.period_end",
            "evaluation_meeting.findings[0].recommendations[0].due_on",
        ])
        .set(
            "evaluation_meeting.held_on",
            s(&future),
            ia("evaluation_meeting.held_on"),
        )
        .set(
            "evaluation_meeting.period_end",
            s("2025-12-31"),
            ia("evaluation_meeting.period_end"),
        )
        .reference("evaluation_meeting.participant_units[0]", &t.unit, t)
        .reference("evaluation_meeting.findings[0].agreement", a, t)
        .reference(
            "evaluation_meeting.findings[0].recommendations[0].responsible_unit",
            &t.unit,
            t,
        ),
        Spec::new(
            "EvaluationMeetingService",
            "GetEvaluationMeeting",
            &pb::GetEvaluationMeetingRequest {
                name: t.meeting.clone(),
            },
        )
        .name("name", &t.meeting, t),
        Spec::new(
            "EvaluationMeetingService",
            "ListEvaluationMeetings",
            &pb::ListEvaluationMeetingsRequest {
                region_code: REGION.into(),
            },
        ),
        Spec::new(
            "EvaluationMeetingService",
            "CreateFinding",
            &pb::CreateFindingRequest {
                parent: t.meeting.clone(),
                finding: Some(finding(a)),
            },
        )
        .name("parent", &t.meeting, t)
        .required(&[
            "finding",
            "finding.description",
            "finding.recommendations[0].description",
            "finding.recommendations[0].responsible_unit",
            "finding.recommendations[0].due_on",
        ])
        .dates(&["finding.recommendations[0].due_on"])
        .reference("finding.agreement", a, t)
        .reference("finding.recommendations[0].responsible_unit", &t.unit, t),
        Spec::new(
            "EvaluationMeetingService",
            "UpdateRecommendationStatus",
            &pb::UpdateRecommendationStatusRequest {
                name: t.recommendation.clone(),
                status: pb::RecommendationStatus::Done as i32,
                changed_on: t.today.to_string(),
                reason: String::new(),
            },
        )
        .name("name", &t.recommendation, t)
        .required(&["status"])
        .dates(&["changed_on"])
        .set("changed_on", s(&future), ia("changed_on"))
        .set("changed_on", s("2026-01-01"), ia("changed_on"))
        .case(
            "DROPPED without a reason",
            &[("status", Val::I(pb::RecommendationStatus::Dropped as i64))],
            ia("reason"),
        )
        .set(
            "status",
            Val::I(pb::RecommendationStatus::Open as i64),
            PRECONDITION,
        ),
        // ReportService
        Spec::new(
            "ReportService",
            "RunReport",
            &pb::RunReportRequest {
                as_of: "2026-09-30".into(),
                period_start: "2026-07-01".into(),
                period_end: "2026-09-30".into(),
                ..Default::default()
            },
        )
        .dates(&["as_of", "period_start", "period_end"])
        .set("period_end", s("2026-06-30"), ia("period_end")),
        Spec::new(
            "ReportService",
            "GetReportRun",
            &pb::GetReportRunRequest {
                name: t.run.clone(),
            },
        )
        .name("name", &t.run, t),
        Spec::new(
            "ReportService",
            "ListReportRuns",
            &pb::ListReportRunsRequest::default(),
        )
        .tokens(
            t,
            &[("state", Val::I(pb::ReportRunState::Succeeded as i64))],
        )
        .dates(&["as_of_from", "as_of_until"])
        .set("schedule", s("foo/bar"), ia("schedule"))
        .set("schedule", s("reportSchedules/not-a-uuid"), ia("schedule"))
        .set("schedule", s(format!("{}/", t.schedule)), ia("schedule")),
        Spec::new(
            "ReportService",
            "GetMetricRows",
            &pb::GetMetricRowsRequest {
                run: t.run.clone(),
                table: t.table.clone(),
                page_size: 0,
                page_token: String::new(),
            },
        )
        .name("run", &t.run, t)
        .tokens(t, &[("run", s(&t.other_run))])
        .required(&["table"])
        .set("table", s("no_such_table"), NOT_FOUND)
        .set("table", s("../manifest"), NOT_FOUND),
        Spec::new(
            "ReportService",
            "DownloadReportFile",
            &pb::DownloadReportFileRequest {
                run: t.run.clone(),
                file: format!("{}.csv", t.table),
                dialect: String::new(),
            },
        )
        .name("run", &t.run, t)
        .required(&["file"])
        .set("file", s("no_such_file.csv"), NOT_FOUND)
        .set("file", s("../manifest.json"), NOT_FOUND)
        .set("file", s("/etc/passwd"), NOT_FOUND)
        .set("file", s(format!("{}/manifest.json", t.run)), NOT_FOUND),
        // ReportScheduleService
        Spec::new(
            "ReportScheduleService",
            "CreateReportSchedule",
            &pb::CreateReportScheduleRequest {
                report_schedule: Some(schedule()),
            },
        )
        .required(&[
            "report_schedule",
            "report_schedule.display_name",
            "report_schedule.cron",
        ])
        .set(
            "report_schedule.cron",
            s("* * *"),
            ia("report_schedule.cron"),
        )
        .set(
            "report_schedule.cron",
            s("61 * * * *"),
            ia("report_schedule.cron"),
        )
        .set(
            "report_schedule.cron",
            s("0 7 31 2 *"),
            ia("report_schedule.cron"),
        )
        .set(
            "report_schedule.time_zone",
            s("Mars/Olympus_Mons"),
            ia("report_schedule.time_zone"),
        )
        .set(
            "report_schedule.period_rule",
            s("WHENEVER"),
            ia("report_schedule.period_rule"),
        )
        .set(
            "report_schedule.tables[0]",
            s("no_such_table"),
            ia("report_schedule.tables[0]"),
        )
        .set(
            "report_schedule.keep_runs",
            Val::I(-1),
            ia("report_schedule.keep_runs"),
        )
        .set(
            "report_schedule.keep_runs",
            Val::I(1001),
            ia("report_schedule.keep_runs"),
        )
        .set(
            "report_schedule.report_grace_days",
            Val::I(-1),
            ia("report_schedule.report_grace_days"),
        )
        .set(
            "report_schedule.report_grace_days",
            Val::I(366),
            ia("report_schedule.report_grace_days"),
        ),
        Spec::new(
            "ReportScheduleService",
            "GetReportSchedule",
            &pb::GetReportScheduleRequest {
                name: t.schedule.clone(),
            },
        )
        .name("name", &t.schedule, t),
        Spec::new(
            "ReportScheduleService",
            "ListReportSchedules",
            &pb::ListReportSchedulesRequest {},
        ),
        Spec::new(
            "ReportScheduleService",
            "UpdateReportSchedule",
            &pb::UpdateReportScheduleRequest {
                report_schedule: Some(pb::ReportSchedule {
                    name: t.schedule.clone(),
                    display_name: "Rekap tahunan (diperbarui)".into(),
                    ..schedule()
                }),
                update_mask: mask("display_name"),
            },
        )
        .masked()
        .name("report_schedule.name", &t.schedule, t)
        .masks("display_name", false)
        .required(&[
            "report_schedule",
            "report_schedule.display_name",
            "report_schedule.cron",
            "report_schedule.keep_runs",
        ])
        .set(
            "report_schedule.cron",
            s("* * *"),
            ia("report_schedule.cron"),
        )
        .set(
            "report_schedule.time_zone",
            s("Mars/Olympus_Mons"),
            ia("report_schedule.time_zone"),
        )
        .set(
            "report_schedule.period_rule",
            s("WHENEVER"),
            ia("report_schedule.period_rule"),
        )
        .set(
            "report_schedule.tables[0]",
            s("no_such_table"),
            ia("report_schedule.tables[0]"),
        )
        .set(
            "report_schedule.keep_runs",
            Val::I(1001),
            ia("report_schedule.keep_runs"),
        )
        .set(
            "report_schedule.report_grace_days",
            Val::I(366),
            ia("report_schedule.report_grace_days"),
        )
        .case(
            "update_mask region_code",
            &[("update_mask.paths", paths(&["region_code"]))],
            ia("update_mask"),
        )
        .etag("report_schedule.etag"),
        Spec::new(
            "ReportScheduleService",
            "DeleteReportSchedule",
            &pb::DeleteReportScheduleRequest {
                name: t.schedule_to_delete.clone(),
            },
        )
        .name("name", &t.schedule_to_delete, t),
        // ImportService
        Spec::new("ImportService", "CreateImportRun", &import_request(true))
            .required(&["files", "files[0].file_name", "files[0].content"])
            .set("request_id", s("not-a-uuid"), ia("request_id"))
            .dates(&["history_from"])
            .set("history_from", s(&future), ia("history_from"))
            .set(
                "files[0].file_name",
                s("x".repeat(256)),
                ia("files[0].file_name"),
            ),
        Spec::new(
            "ImportService",
            "GetImportRun",
            &pb::GetImportRunRequest {
                name: t.import_dry.clone(),
            },
        )
        .name("name", &t.import_dry, t),
        Spec::new(
            "ImportService",
            "ListImportRuns",
            &pb::ListImportRunsRequest::default(),
        )
        .page_size(),
        Spec::new(
            "ImportService",
            "CommitImportRun",
            &pb::CommitImportRunRequest {
                name: t.import_to_commit.clone(),
                etag: String::new(),
            },
        )
        .name("name", &t.import_to_commit, t)
        .set("name", s(&t.import_dry), PRECONDITION)
        .etag("etag"),
        Spec::new(
            "ImportService",
            "ListImportRows",
            &pb::ListImportRowsRequest {
                parent: t.import_dry.clone(),
                ..Default::default()
            },
        )
        .name("parent", &t.import_dry, t)
        .page_size()
        .set("page_size", Val::I(1001), ia("page_size")),
        Spec::new(
            "ImportService",
            "DownloadImportReport",
            &pb::DownloadImportReportRequest {
                name: t.import_dry.clone(),
                format: "xlsx".into(),
            },
        )
        .name("name", &t.import_dry, t)
        .set("format", s("pdf"), ia("format")),
        Spec::new(
            "ImportService",
            "GetImportTemplate",
            &pb::GetImportTemplateRequest {
                region_code: REGION.into(),
            },
        ),
        // DigestService
        Spec::new(
            "DigestService",
            "CreateDigestRecipient",
            &recipient_request(),
        )
        .required(&[
            "digest_recipient",
            "digest_recipient.channel",
            "digest_recipient.address",
        ])
        .reference("digest_recipient.unit", "units/DLHK", t)
        .set(
            "digest_recipient.address",
            s("bukan-alamat"),
            ia("digest_recipient.address"),
        )
        .set(
            "digest_recipient.address",
            s("a@b"),
            ia("digest_recipient.address"),
        )
        .set(
            "digest_recipient.secret",
            s("rahasia-tapi-email"),
            ia("digest_recipient.secret"),
        )
        .case(
            "a webhook without a secret",
            &[
                (
                    "digest_recipient.channel",
                    Val::I(pb::DigestChannel::Webhook as i64),
                ),
                (
                    "digest_recipient.address",
                    s("https://opd.bantenprov.go.id/hook"),
                ),
            ],
            ia("digest_recipient.secret"),
        )
        .case(
            "a webhook that is not http(s)",
            &[
                (
                    "digest_recipient.channel",
                    Val::I(pb::DigestChannel::Webhook as i64),
                ),
                (
                    "digest_recipient.address",
                    s("ftp://opd.bantenprov.go.id/hook"),
                ),
                ("digest_recipient.secret", s("0123456789abcdef0123")),
            ],
            ia("digest_recipient.address"),
        ),
        Spec::new(
            "DigestService",
            "GetDigestRecipient",
            &pb::GetDigestRecipientRequest {
                name: t.recipient.clone(),
            },
        )
        .name("name", &t.recipient, t),
        Spec::new(
            "DigestService",
            "ListDigestRecipients",
            &pb::ListDigestRecipientsRequest::default(),
        )
        .page_size()
        .set("unit", s("DLHK"), ia("unit")),
        Spec::new(
            "DigestService",
            "UpdateDigestRecipient",
            &pb::UpdateDigestRecipientRequest {
                digest_recipient: Some(pb::DigestRecipient {
                    name: t.recipient.clone(),
                    display_name: "Sekretariat DLHK (baru)".into(),
                    ..recipient()
                }),
                update_mask: mask("display_name"),
            },
        )
        .masked()
        .name("digest_recipient.name", &t.recipient, t)
        .masks("display_name", false)
        .set(
            "digest_recipient.address",
            s("bukan-alamat"),
            ia("digest_recipient.address"),
        )
        .case(
            "update_mask unit",
            &[("update_mask.paths", paths(&["unit"]))],
            ia("update_mask"),
        )
        .etag("digest_recipient.etag"),
        Spec::new(
            "DigestService",
            "DeleteDigestRecipient",
            &pb::DeleteDigestRecipientRequest {
                name: t.recipient_to_delete.clone(),
                etag: String::new(),
            },
        )
        .name("name", &t.recipient_to_delete, t)
        .etag("etag"),
        Spec::new(
            "DigestService",
            "CreateDigestSchedule",
            &digest_schedule_request(),
        )
        .required(&["digest_schedule"])
        .set(
            "digest_schedule.cron",
            s("* * *"),
            ia("digest_schedule.cron"),
        )
        .set(
            "digest_schedule.cron",
            s("61 * * * *"),
            ia("digest_schedule.cron"),
        )
        .set(
            "digest_schedule.time_zone",
            s("Mars/Olympus_Mons"),
            ia("digest_schedule.time_zone"),
        ),
        Spec::new(
            "DigestService",
            "ListDigestSchedules",
            &pb::ListDigestSchedulesRequest::default(),
        )
        .page_size(),
        Spec::new(
            "DigestService",
            "UpdateDigestSchedule",
            &pb::UpdateDigestScheduleRequest {
                digest_schedule: Some(pb::DigestSchedule {
                    name: t.digest_schedule.clone(),
                    cron: "0 8 * * 1".into(),
                    ..digest_schedule()
                }),
                update_mask: mask("cron"),
            },
        )
        .masked()
        .name("digest_schedule.name", &t.digest_schedule, t)
        .masks("cron", false)
        .set(
            "digest_schedule.cron",
            s("* * *"),
            ia("digest_schedule.cron"),
        )
        .set(
            "digest_schedule.time_zone",
            s("Mars/Olympus_Mons"),
            ia("digest_schedule.time_zone"),
        )
        .etag("digest_schedule.etag"),
        Spec::new(
            "DigestService",
            "DeleteDigestSchedule",
            &pb::DeleteDigestScheduleRequest {
                name: t.digest_schedule_to_delete.clone(),
                etag: String::new(),
            },
        )
        .name("name", &t.digest_schedule_to_delete, t)
        .etag("etag"),
        Spec::new(
            "DigestService",
            "ListDigestDeliveries",
            &pb::ListDigestDeliveriesRequest::default(),
        )
        .page_size()
        .set("recipient", s("DLHK"), ia("recipient")),
        Spec::new(
            "DigestService",
            "SendDigest",
            &pb::SendDigestRequest {
                region_code: REGION.into(),
                validate_only: true,
                ..Default::default()
            },
        )
        .dates(&["as_of"])
        .set("as_of", s(&future), ia("as_of"))
        .set("unit", s("DLHK"), ia("unit")),
        // StageService
        Spec::new(
            "StageService",
            "ListStages",
            &pb::ListStagesRequest { parent: a.into() },
        )
        .name("parent", a, t),
        Spec::new(
            "StageService",
            "GetStage",
            &pb::GetStageRequest { name: t.stage(a) },
        )
        .name("name", &t.stage(a), t),
        Spec::new(
            "StageService",
            "StartStage",
            &pb::StartStageRequest {
                name: t.stage(&t.to_start),
                started_on: t.today.to_string(),
                notes: "Rapat persiapan pertama".into(),
            },
        )
        .name("name", &t.stage(&t.to_start), t)
        .dates(&["started_on"])
        .set("started_on", s(&future), ia("started_on"))
        .set("name", s(t.stage(a)), PRECONDITION)
        .set("name", s(t.stage(&t.in_progress)), PRECONDITION),
        Spec::new(
            "StageService",
            "CompleteStage",
            &pb::CompleteStageRequest {
                name: t.stage(&t.to_complete),
                completed_on: t.today.to_string(),
                notes: "Selesai".into(),
                evidence_document: String::new(),
            },
        )
        .name("name", &t.stage(&t.to_complete), t)
        .dates(&["completed_on"])
        .set("completed_on", s(&future), ia("completed_on"))
        .set(
            "evidence_document",
            s("not-a-uuid"),
            ia("evidence_document"),
        )
        .set("evidence_document", s(&t.document), ia("evidence_document"))
        .set("name", s(t.stage(&t.pending)), PRECONDITION),
        Spec::new(
            "StageService",
            "SkipStage",
            &pb::SkipStageRequest {
                name: t.stage(&t.to_skip),
                skipped_on: t.today.to_string(),
                reason: "Inisiatif datang dari mitra".into(),
            },
        )
        .name("name", &t.stage(&t.to_skip), t)
        .required(&["reason"])
        .dates(&["skipped_on"])
        .set("skipped_on", s(&future), ia("skipped_on"))
        .set("name", s(t.stage(a)), PRECONDITION),
        Spec::new(
            "StageService",
            "RescheduleStage",
            &pb::RescheduleStageRequest {
                name: t.stage(&t.in_progress),
                new_due_on: (t.today + Days::new(90)).to_string(),
                reason: "Menunggu jadwal mitra".into(),
                decided_on: t.today.to_string(),
            },
        )
        .name("name", &t.stage(&t.in_progress), t)
        .required(&["new_due_on", "reason"])
        .dates(&["new_due_on", "decided_on"])
        .set("decided_on", s(&future), ia("decided_on"))
        .set("new_due_on", s("2020-01-01"), ia("new_due_on"))
        .set("name", s(t.stage(&t.pending)), PRECONDITION),
        // StageTemplateService
        Spec::new(
            "StageTemplateService",
            "ListStageTemplates",
            &pb::ListStageTemplatesRequest::default(),
        ),
        Spec::new(
            "StageTemplateService",
            "UpdateStageTemplate",
            &pb::UpdateStageTemplateRequest {
                stage_template: Some(pb::StageTemplate {
                    name: t.template.name.clone(),
                    stages: vec![pb::TemplateStage {
                        code: template_stage.code.clone(),
                        target_days: template_stage.target_days,
                        skippable: template_stage.skippable,
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                update_mask: mask("stages.target_days"),
            },
        )
        .name("stage_template.name", &t.template.name, t)
        .masks("stages.target_days", true)
        .required(&["stage_template", "stage_template.stages[0].code"])
        .set(
            "stage_template.stages[0].code",
            s("NO_SUCH_STAGE"),
            ia("stage_template.stages[0].code"),
        )
        .set(
            "stage_template.stages[0].target_days",
            Val::I(0),
            ia("stage_template.stages[0].target_days"),
        )
        .set(
            "stage_template.stages[0].target_days",
            Val::I(3651),
            ia("stage_template.stages[0].target_days"),
        )
        .set(
            "stage_template.stages[0].target_days",
            Val::I(-1),
            ia("stage_template.stages[0].target_days"),
        ),
        // UnitService
        Spec::new(
            "UnitService",
            "CreateUnit",
            &pb::CreateUnitRequest {
                unit: Some(pb::Unit {
                    code: "BAPPEDA".into(),
                    region_code: REGION.into(),
                    display_name: "Badan Perencanaan Pembangunan Daerah".into(),
                    ..Default::default()
                }),
                request_id: "0190a2b4-7c1d-7e3f-8a5b-6c7d8e9f0a2c".into(),
            },
        )
        .required(&["unit", "unit.code", "unit.display_name", "unit.region_code"])
        .set("unit.code", s("bappeda"), ia("unit.code"))
        .set("unit.code", s("B"), ia("unit.code"))
        .set("unit.code", s("-BAPPEDA"), ia("unit.code"))
        .set("unit.code", s("B".repeat(33)), ia("unit.code"))
        .set("unit.code", s("BAP PEDA"), ia("unit.code"))
        .set("unit.code", s("BAPPEDA/X"), ia("unit.code"))
        .set("unit.display_name", s("   "), ia("unit.display_name"))
        .set(
            "unit.display_name",
            s("d".repeat(201)),
            ia("unit.display_name"),
        )
        .set("request_id", s("not-a-uuid"), ia("request_id"))
        .set("unit.code", s("DLHK"), Want::Code(Code::AlreadyExists)),
        Spec::new(
            "UnitService",
            "GetUnit",
            &pb::GetUnitRequest {
                name: t.unit.clone(),
            },
        )
        .name("name", &t.unit, t),
        Spec::new("UnitService", "ListUnits", &pb::ListUnitsRequest::default())
            .tokens(t, &[("region_code", s(REGION))]),
        Spec::new(
            "UnitService",
            "UpdateUnit",
            &pb::UpdateUnitRequest {
                unit: Some(pb::Unit {
                    name: t.unit.clone(),
                    display_name: "Dinas Lingkungan Hidup dan Kebersihan".into(),
                    ..Default::default()
                }),
                update_mask: mask("display_name"),
            },
        )
        .masked()
        .name("unit.name", &t.unit, t)
        .masks("display_name", true)
        .required(&["unit", "unit.display_name"])
        .set(
            "unit.display_name",
            s("d".repeat(201)),
            ia("unit.display_name"),
        )
        .case(
            "update_mask code",
            &[("update_mask.paths", paths(&["code"]))],
            ia("update_mask"),
        )
        .etag("unit.etag"),
    ]
}

// ---------------------------------------------------------------------------
// The run.

/// Every `Service.Method` of the contract.
fn contract_rpcs() -> BTreeSet<String> {
    descriptors()
        .services()
        .filter(|s| s.package_name() == "kerjasama.v1")
        .flat_map(|s| {
            let service = s.name().to_string();
            s.methods()
                .map(move |m| format!("{service}.{}", m.name()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn diff(before: &[(String, i64)], after: &[(String, i64)]) -> String {
    before
        .iter()
        .zip(after)
        .filter(|(b, a)| b.1 != a.1)
        .map(|(b, a)| format!("{} {} → {}", b.0, b.1, a.1))
        .collect::<Vec<_>>()
        .join(", ")
}

struct Tally {
    cases: usize,
    rpcs: usize,
    /// Answers that are never right for bad input: INTERNAL, UNKNOWN.
    crashes: usize,
    problems: Vec<String>,
}

async fn run_spec(server: &TestServer, counter: &RowCounter, spec: Spec, tally: &mut Tally) {
    let rpc = spec.rpc();
    let generic = generic_cases(&spec.valid);
    let mut before = counter.counts().await;
    for case in generic.into_iter().chain(spec.cases) {
        let body = match &case.body {
            Body::Edits(edits) => encode(&spec.valid, edits),
            Body::Raw(bytes) => bytes.clone(),
        };
        let got = call(
            server,
            spec.service,
            spec.method,
            spec.streaming,
            body,
            &spec.then,
        )
        .await;
        tally.cases += 1;
        if let Err(status) = &got
            && matches!(status.code(), Code::Internal | Code::Unknown)
        {
            tally.crashes += 1;
        }
        if let Some(problem) = verdict(&case.want, &got) {
            tally.problems.push(format!(
                "{rpc}: {}: expected {:?}, {problem}",
                case.label, case.want
            ));
        }
        let after = counter.counts().await;
        if after != before {
            tally.problems.push(format!(
                "{rpc}: {}: the database changed: {}",
                case.label,
                diff(&before, &after)
            ));
            before = after;
        }
    }
    // The valid request the cases were derived from succeeds.
    let got = call(
        server,
        spec.service,
        spec.method,
        spec.streaming,
        spec.valid.encode_to_vec(),
        &spec.then,
    )
    .await;
    if let Some(problem) = verdict(&Want::Code(Code::Ok), &got) {
        tally
            .problems
            .push(format!("{rpc}: the valid request failed: {problem}"));
    }
    server.settle_runs().await;
    // The server still answers.
    let alive = call(
        server,
        "StageTemplateService",
        "ListStageTemplates",
        false,
        Vec::new(),
        &[],
    )
    .await;
    if let Err(status) = alive {
        tally.problems.push(format!(
            "after {rpc}: the server stopped answering: {status:?}"
        ));
    }
    tally.rpcs += 1;
}

#[tokio::test]
async fn every_rpc_refuses_bad_input_with_the_documented_code_and_writes_nothing() {
    let server = TestServer::start().await;
    let targets = Targets::new(&server).await;
    let started = Instant::now();
    let specs = specs(&targets);
    let mut tally = Tally {
        cases: 0,
        rpcs: 0,
        crashes: 0,
        problems: Vec::new(),
    };
    let covered: BTreeSet<String> = specs.iter().map(Spec::rpc).collect();
    for missing in contract_rpcs().difference(&covered) {
        tally
            .problems
            .push(format!("{missing}: no entry in the table"));
    }
    let counter = server.row_counter().await;
    for spec in specs {
        run_spec(&server, &counter, spec, &mut tally).await;
    }
    eprintln!(
        "bad-input cases: {} over {} RPCs in {:.1} s; {} mismatches, {} INTERNAL or UNKNOWN",
        tally.cases,
        tally.rpcs,
        started.elapsed().as_secs_f64(),
        tally.problems.len(),
        tally.crashes
    );
    assert!(
        tally.problems.is_empty(),
        "{} of {} bad-input cases disagree with the contract:\n{}",
        tally.problems.len(),
        tally.cases,
        tally.problems.join("\n")
    );
}
