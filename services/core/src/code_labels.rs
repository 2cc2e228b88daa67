//! The one catalogue of what a person reads for a code: Bahasa Indonesia
//! first, English second, for every code list a person can meet in a pack, a
//! workbook, a digest, the open register, the import template or its report.
//! Codes stay the machine contract (API, CSV, Parquet); these are their names.
//!
//! Lists stored as data have their names beside them in the database
//! (`stage_definitions`, `sectors`, `measurement_units`, `units`) and the
//! region names are in [`crate::regions`]; the pipelines load those with the
//! run. Everything fixed in code is here.

use crate::codes::{
    AgreementState, Beneficiary, CooperationType, CycleStatus, DocumentKind, DocumentType,
    IndicatorCategory, KsddBasis, PartyKind, RecommendationStatus, ReportingCycle, StageStatus,
};

/// A code's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeLabel {
    /// Bahasa Indonesia.
    pub id: &'static str,
    /// English.
    pub en: &'static str,
}

const fn l(id: &'static str, en: &'static str) -> CodeLabel {
    CodeLabel { id, en }
}

/// A code list whose codes have names here.
pub trait Labelled: Copy {
    fn label(self) -> CodeLabel;
}

impl Labelled for CooperationType {
    fn label(self) -> CodeLabel {
        match self {
            CooperationType::Ksdd => l(
                "Kerja Sama Daerah dengan Daerah Lain",
                "Cooperation with another region",
            ),
            CooperationType::Ksdpk => l(
                "Kerja Sama Daerah dengan Pihak Ketiga",
                "Cooperation with a third party",
            ),
            CooperationType::Ksdpl => l(
                "Kerja Sama Daerah dengan Pemerintah Daerah di Luar Negeri",
                "Cooperation with a foreign regional government",
            ),
            CooperationType::Ksdll => l(
                "Kerja Sama Daerah dengan Lembaga di Luar Negeri",
                "Cooperation with a foreign institution",
            ),
            CooperationType::Sinergi => l(
                "Sinergi dengan Kementerian/Lembaga",
                "Synergy with a ministry or national agency",
            ),
        }
    }
}

impl Labelled for DocumentKind {
    fn label(self) -> CodeLabel {
        match self {
            DocumentKind::Loi => l("Pernyataan Kehendak (LOI)", "Letter of intent (LOI)"),
            DocumentKind::Ksb => l("Kesepakatan Bersama (KSB)", "Framework agreement (KSB)"),
            DocumentKind::Pks => l(
                "Perjanjian Kerja Sama (PKS)",
                "Implementing agreement (PKS)",
            ),
            DocumentKind::Addendum => l("Adendum", "Addendum"),
            DocumentKind::NotaKesepakatan => l("Nota Kesepakatan", "Memorandum of agreement"),
        }
    }
}

impl Labelled for AgreementState {
    fn label(self) -> CodeLabel {
        match self {
            AgreementState::Draft => l("Draf", "Draft"),
            AgreementState::InProcess => l("Dalam proses", "In process"),
            AgreementState::Active => l("Berlaku", "In force"),
            AgreementState::Expired => l("Berakhir", "Expired"),
            AgreementState::Terminated => l("Diakhiri", "Terminated"),
            AgreementState::Cancelled => l("Dibatalkan", "Cancelled"),
        }
    }
}

impl Labelled for KsddBasis {
    fn label(self) -> CodeLabel {
        match self {
            KsddBasis::Mandatory => l("Wajib", "Mandatory"),
            KsddBasis::Voluntary => l("Sukarela", "Voluntary"),
        }
    }
}

impl Labelled for PartyKind {
    fn label(self) -> CodeLabel {
        match self {
            PartyKind::ProvinceGovernment => l("Pemerintah provinsi", "Provincial government"),
            PartyKind::RegencyGovernment => l("Pemerintah kabupaten", "Regency government"),
            PartyKind::CityGovernment => l("Pemerintah kota", "City government"),
            PartyKind::Individual => l("Perorangan", "Individual"),
            PartyKind::StateOwnedEnterprise => l("BUMN", "State-owned enterprise"),
            PartyKind::RegionOwnedEnterprise => l("BUMD", "Region-owned enterprise"),
            PartyKind::PrivateCompany => l("Badan usaha swasta", "Private company"),
            PartyKind::CommunityOrganisation => {
                l("Organisasi kemasyarakatan", "Community organisation")
            }
            PartyKind::University => l("Perguruan tinggi", "University"),
            PartyKind::OtherNonGovernment => {
                l("Lembaga nonpemerintah lain", "Other non-government body")
            }
            PartyKind::ForeignRegionalGovernment => l(
                "Pemerintah daerah di luar negeri",
                "Foreign regional government",
            ),
            PartyKind::ForeignInstitution => l("Lembaga di luar negeri", "Foreign institution"),
            PartyKind::Ministry => l("Kementerian/lembaga", "Ministry or national agency"),
        }
    }
}

impl Labelled for StageStatus {
    fn label(self) -> CodeLabel {
        match self {
            StageStatus::Pending => l("Belum dimulai", "Pending"),
            StageStatus::InProgress => l("Berjalan", "In progress"),
            StageStatus::Done => l("Selesai", "Done"),
            StageStatus::Skipped => l("Dilewati", "Skipped"),
            StageStatus::NotApplicable => l("Tidak berlaku", "Not applicable"),
        }
    }
}

impl Labelled for ReportingCycle {
    fn label(self) -> CodeLabel {
        match self {
            ReportingCycle::Quarterly => l("Triwulanan", "Quarterly"),
            ReportingCycle::Semester => l("Semesteran", "Half-yearly"),
            ReportingCycle::Yearly => l("Tahunan", "Yearly"),
        }
    }
}

impl Labelled for IndicatorCategory {
    fn label(self) -> CodeLabel {
        match self {
            IndicatorCategory::Revenue => l("Pendapatan asli daerah", "Own-source revenue"),
            IndicatorCategory::CostSaving => l("Penghematan biaya", "Cost saving"),
            IndicatorCategory::Investment => l("Investasi", "Investment"),
            IndicatorCategory::ServiceReach => l("Jangkauan layanan", "People served"),
            IndicatorCategory::Capacity => l("Peningkatan kapasitas", "People trained"),
            IndicatorCategory::Infrastructure => l("Infrastruktur", "Infrastructure"),
            IndicatorCategory::Other => l("Lainnya", "Other"),
        }
    }
}

impl Labelled for Beneficiary {
    fn label(self) -> CodeLabel {
        match self {
            Beneficiary::Region => l("Daerah", "The region"),
            Beneficiary::Partner => l("Mitra", "The partner"),
            Beneficiary::Both => l("Keduanya", "Both"),
        }
    }
}

impl Labelled for CycleStatus {
    fn label(self) -> CodeLabel {
        match self {
            CycleStatus::Open => l("Berjalan", "Open"),
            CycleStatus::Due => l("Menunggu laporan", "Due"),
            CycleStatus::Submitted => l("Disampaikan tepat waktu", "Submitted on time"),
            CycleStatus::Late => l("Terlambat", "Late"),
            CycleStatus::Missing => l("Belum masuk", "Missing"),
        }
    }
}

impl Labelled for RecommendationStatus {
    fn label(self) -> CodeLabel {
        match self {
            RecommendationStatus::Open => l("Belum selesai", "Open"),
            RecommendationStatus::Done => l("Selesai", "Done"),
            RecommendationStatus::Dropped => l("Dibatalkan", "Dropped"),
        }
    }
}

impl Labelled for DocumentType {
    fn label(self) -> CodeLabel {
        match self {
            DocumentType::Loi => l("Pernyataan Kehendak (LOI)", "Letter of intent"),
            DocumentType::Ksb => l("Kesepakatan Bersama", "Framework agreement"),
            DocumentType::Pks => l("Perjanjian Kerja Sama", "Implementing agreement"),
            DocumentType::Addendum => l("Adendum", "Addendum"),
            DocumentType::NotaKesepakatan => l("Nota Kesepakatan", "Memorandum of agreement"),
            DocumentType::DprdApproval => l("Persetujuan DPRD", "DPRD approval"),
            DocumentType::MinisterApproval => l("Persetujuan Menteri", "Minister's approval"),
            DocumentType::Report => l("Laporan", "Report"),
            DocumentType::Other => l("Lainnya", "Other"),
        }
    }
}

/// The renewal watch's classes (`renewal_watch.watch`).
pub fn renewal_watch(code: &str) -> Option<CodeLabel> {
    match code {
        "PAST_END" => Some(l("Lewat masa berlaku", "Past its end date")),
        "ENDS_WITHIN_90_DAYS" => Some(l("Berakhir dalam 90 hari", "Ends within 90 days")),
        "ENDS_WITHIN_180_DAYS" => Some(l("Berakhir dalam 91–180 hari", "Ends within 91–180 days")),
        _ => None,
    }
}

/// A code of the list a column holds, by the column's name as the register
/// tables and reports call it; `None` for a column that holds no code of a
/// list here, or a code the list does not have.
pub fn for_column(column: &str, code: &str) -> Option<CodeLabel> {
    fn by<T: Labelled>(from: fn(&str) -> Option<T>, code: &str) -> Option<CodeLabel> {
        from(code).map(Labelled::label)
    }
    match column {
        "cooperation_type" => by(CooperationType::from_code, code),
        "document_kind" => by(DocumentKind::from_code, code),
        "state" => by(AgreementState::from_code, code),
        "ksdd_basis" => by(KsddBasis::from_code, code),
        "party_kind" | "kind" => by(PartyKind::from_code, code),
        "stage_status" => by(StageStatus::from_code, code),
        "reporting_cycle" => by(ReportingCycle::from_code, code),
        "category" => by(IndicatorCategory::from_code, code),
        "beneficiary" => by(Beneficiary::from_code, code),
        "status" | "cycle_status" => {
            by(CycleStatus::from_code, code).or_else(|| by(RecommendationStatus::from_code, code))
        }
        "recommendation_status" => by(RecommendationStatus::from_code, code),
        "document_type" => by(DocumentType::from_code, code),
        "watch" => renewal_watch(code),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_every_list_has_both_names() {
        fn all<T: Labelled>(list: &[T]) {
            for code in list {
                let label = code.label();
                assert!(!label.id.is_empty() && !label.en.is_empty());
            }
        }
        all(CooperationType::ALL);
        all(DocumentKind::ALL);
        all(AgreementState::ALL);
        all(KsddBasis::ALL);
        all(PartyKind::ALL);
        all(StageStatus::ALL);
        all(ReportingCycle::ALL);
        all(IndicatorCategory::ALL);
        all(Beneficiary::ALL);
        all(CycleStatus::ALL);
        all(RecommendationStatus::ALL);
        all(DocumentType::ALL);
    }

    #[test]
    fn columns_find_their_list() {
        assert_eq!(
            for_column("document_kind", "NOTA_KESEPAKATAN").unwrap().id,
            "Nota Kesepakatan"
        );
        assert_eq!(
            for_column("watch", "PAST_END").unwrap().id,
            "Lewat masa berlaku"
        );
        assert_eq!(
            for_column("kind", "PROVINCE_GOVERNMENT").unwrap().id,
            "Pemerintah provinsi"
        );
        assert_eq!(for_column("status", "MISSING").unwrap().id, "Belum masuk");
        assert!(for_column("title", "KSDD").is_none());
    }
}
