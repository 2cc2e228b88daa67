//! Proto enum values are the domain codes (`KSDD`, `ACTIVE`, ...) behind their
//! enum's prefix (`COOPERATION_TYPE_KSDD`, `AGREEMENT_STATE_ACTIVE`), as the
//! protobuf style guide asks, so each pair converts through that name: one
//! rule for all.

use kerjasama_core::codes;
use kerjasama_proto::v1 as pb;

pub trait Bridge: Sized {
    fn to_proto(self) -> i32;
    /// `None` for UNSPECIFIED and for numbers without a domain value.
    fn from_number(value: i32) -> Option<Self>;
}

macro_rules! bridge {
    ($($domain:ty => $proto:ty, $prefix:literal);+ $(;)?) => {$(
        impl Bridge for $domain {
            fn to_proto(self) -> i32 {
                <$proto>::from_str_name(&format!("{}{}", $prefix, self.code()))
                    .map(|p| p as i32)
                    .unwrap_or_default()
            }

            fn from_number(value: i32) -> Option<Self> {
                let proto = <$proto>::try_from(value).ok()?;
                <$domain>::from_code(proto.as_str_name().strip_prefix($prefix)?)
            }
        }
    )+};
}

// Enum values share one namespace per proto package, so every value carries
// its enum's name as a prefix (buf lint's ENUM_VALUE_PREFIX).
bridge! {
    codes::CooperationType => pb::CooperationType, "COOPERATION_TYPE_";
    codes::DocumentKind => pb::DocumentKind, "DOCUMENT_KIND_";
    codes::AgreementState => pb::AgreementState, "AGREEMENT_STATE_";
    codes::KsddBasis => pb::KsddBasis, "KSDD_BASIS_";
    codes::PartyKind => pb::PartyKind, "PARTY_KIND_";
    codes::StageStatus => pb::StageStatus, "STAGE_STATUS_";
    codes::ReportingCycle => pb::ReportingCycle, "REPORTING_CYCLE_";
    codes::IndicatorCategory => pb::BenefitCategory, "BENEFIT_CATEGORY_";
    codes::Beneficiary => pb::Beneficiary, "BENEFICIARY_";
    codes::CycleStatus => pb::CycleStatus, "CYCLE_STATUS_";
    codes::DocumentType => pb::DocumentType, "DOCUMENT_TYPE_";
    codes::RecommendationStatus => pb::RecommendationStatus, "RECOMMENDATION_STATUS_";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<D: Bridge + Copy + PartialEq + std::fmt::Debug>(all: &[D]) {
        for &d in all {
            let number = d.to_proto();
            assert_ne!(number, 0, "{d:?} has no proto value");
            assert_eq!(D::from_number(number), Some(d));
        }
        assert_eq!(D::from_number(0), None);
        assert_eq!(D::from_number(9999), None);
    }

    /// Every domain code has a proto value of the same name and back.
    #[test]
    fn every_code_round_trips() {
        round_trips(codes::CooperationType::ALL);
        round_trips(codes::DocumentKind::ALL);
        round_trips(codes::AgreementState::ALL);
        round_trips(codes::KsddBasis::ALL);
        round_trips(codes::PartyKind::ALL);
        round_trips(codes::StageStatus::ALL);
        round_trips(codes::ReportingCycle::ALL);
        round_trips(codes::IndicatorCategory::ALL);
        round_trips(codes::Beneficiary::ALL);
        round_trips(codes::CycleStatus::ALL);
        round_trips(codes::DocumentType::ALL);
        round_trips(codes::RecommendationStatus::ALL);
    }
}
