//! The list shapes an admin or analyst asks `ListAgreements` for: a filter
//! and an order, written as `key=value` words. One table, read by
//! `kerjasama bench --list-shape` (timed at a million agreements by
//! `scripts/bench-lists`, BENCHMARKS.md "Lists at national scale") and by
//! the test that holds each shape to an index.
//!
//! Keys: `type`, `state`, `unit`, `region`, `sector`, `signed_from`,
//! `signed_until`, `ending_from`, `ending_until`, `order` (a field, with
//! `:desc` for descending). The value `@` is the sample agreement's own
//! (its type, unit, region or sector), so a shape means the same on any
//! register.

use kerjasama_proto::v1 as pb;

/// A named list request.
#[derive(Debug, Clone, Copy)]
pub struct ListShape {
    pub name: &'static str,
    pub spec: &'static str,
}

/// Every shape BENCHMARKS.md measures and the tests hold to an index.
pub const LIST_SHAPES: &[ListShape] = &[
    ListShape {
        name: "newest",
        spec: "",
    },
    ListShape {
        name: "type-active-by-signing",
        spec: "type=@ state=ACTIVE order=signed_on:desc",
    },
    ListShape {
        name: "type-active-by-title",
        spec: "type=@ state=ACTIVE order=title",
    },
    ListShape {
        name: "type-active-by-end",
        spec: "type=@ state=ACTIVE order=effective_until",
    },
    ListShape {
        name: "type-active-newest",
        spec: "type=@ state=ACTIVE order=create_time:desc",
    },
    ListShape {
        name: "expired-latest-end",
        spec: "state=EXPIRED order=effective_until:desc",
    },
    ListShape {
        name: "in-process",
        spec: "state=IN_PROCESS",
    },
    ListShape {
        name: "drafts-by-title",
        spec: "state=DRAFT order=title",
    },
    ListShape {
        name: "terminated-by-signing",
        spec: "state=TERMINATED order=signed_on:desc",
    },
    ListShape {
        name: "cancelled",
        spec: "state=CANCELLED",
    },
    ListShape {
        name: "renewal-watch",
        spec: "state=ACTIVE ending_from=2026-10-01 ending_until=2027-03-31 order=effective_until",
    },
    ListShape {
        name: "signed-in-a-year",
        spec: "signed_from=2025-01-01 signed_until=2025-12-31 order=signed_on:desc",
    },
    ListShape {
        name: "unit-type-active",
        spec: "unit=@ type=@ state=ACTIVE",
    },
    ListShape {
        name: "region-active-by-signing",
        spec: "region=@ state=ACTIVE order=signed_on:desc",
    },
    ListShape {
        name: "sector-by-title",
        spec: "sector=@ order=title",
    },
];

/// The first page (`page_size`) of the list `spec` describes, `@` read
/// from `sample`.
pub fn list_request(
    spec: &str,
    sample: &pb::Agreement,
    page_size: i32,
) -> Result<pb::ListAgreementsRequest, String> {
    let mut request = pb::ListAgreementsRequest {
        page_size,
        ..Default::default()
    };
    for word in spec.split_whitespace() {
        let (key, value) = word
            .split_once('=')
            .ok_or_else(|| format!("{word:?} is not key=value"))?;
        let own = |field: &str| {
            if value == "@" {
                field.to_string()
            } else {
                value.to_string()
            }
        };
        match key {
            "type" => request.cooperation_types.push(if value == "@" {
                sample.cooperation_type
            } else {
                pb::CooperationType::from_str_name(&format!("COOPERATION_TYPE_{value}"))
                    .or_else(|| pb::CooperationType::from_str_name(value))
                    .ok_or_else(|| format!("unknown cooperation type {value:?}"))?
                    as i32
            }),
            "state" => request.states.push(
                pb::AgreementState::from_str_name(&format!("AGREEMENT_STATE_{value}"))
                    .or_else(|| pb::AgreementState::from_str_name(value))
                    .ok_or_else(|| format!("unknown state {value:?}"))? as i32,
            ),
            "unit" => request.unit = own(&sample.unit),
            "region" => request.region_code = own(&sample.region_code),
            "sector" => request.sector = own(&sample.sector),
            "signed_from" => request.signed_from = value.to_string(),
            "signed_until" => request.signed_until = value.to_string(),
            "ending_from" => request.ending_from = value.to_string(),
            "ending_until" => request.ending_until = value.to_string(),
            "order" => request.order_by = value.replace(':', " "),
            _ => return Err(format!("unknown key {key:?}")),
        }
    }
    Ok(request)
}

/// The shape of this name.
pub fn shape(name: &str) -> Option<ListShape> {
    LIST_SHAPES.iter().copied().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_reads() {
        let sample = pb::Agreement {
            cooperation_type: pb::CooperationType::Ksdd as i32,
            unit: "DLH".into(),
            region_code: "36".into(),
            sector: "ENVIRONMENT".into(),
            ..Default::default()
        };
        for shape in LIST_SHAPES {
            list_request(shape.spec, &sample, 50).unwrap_or_else(|e| panic!("{}: {e}", shape.name));
        }
        let r = list_request("type=@ state=ACTIVE order=signed_on:desc", &sample, 50).unwrap();
        assert_eq!(r.cooperation_types, [pb::CooperationType::Ksdd as i32]);
        assert_eq!(r.states, [pb::AgreementState::Active as i32]);
        assert_eq!(r.order_by, "signed_on desc");
        assert!(list_request("colour=red", &sample, 50).is_err());
    }
}
