//! The domain's code lists. Each is stored and sent as its upper-case code,
//! the same string in SQL `CHECK` constraints, CSV files and JSON audit rows.

/// Declares a code list: an enum stored and sent as its upper-case code, with
/// `code`/`from_code`, serde, and diesel's `Text` mapping (so a column holding
/// the code reads and writes as the enum, and an unknown code in the database
/// is a read error, not a silent default). Exported so the pipelines' own
/// lists (run states, delivery states) are declared the same way.
#[macro_export]
macro_rules! code_list {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
            ::diesel::AsExpression, ::diesel::FromSqlRow,
        )]
        #[diesel(sql_type = ::diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::diesel::serialize::ToSql<::diesel::sql_types::Text, ::diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut ::diesel::serialize::Output<'b, '_, ::diesel::pg::Pg>,
            ) -> ::diesel::serialize::Result {
                <str as ::diesel::serialize::ToSql<::diesel::sql_types::Text, ::diesel::pg::Pg>>::to_sql(
                    self.code(),
                    out,
                )
            }
        }

        impl ::diesel::deserialize::FromSql<::diesel::sql_types::Text, ::diesel::pg::Pg> for $name {
            fn from_sql(
                bytes: ::diesel::pg::PgValue<'_>,
            ) -> ::diesel::deserialize::Result<Self> {
                let text = <String as ::diesel::deserialize::FromSql<
                    ::diesel::sql_types::Text,
                    ::diesel::pg::Pg,
                >>::from_sql(bytes)?;
                $name::from_code(&text).ok_or_else(|| {
                    format!(concat!("unknown ", stringify!($name), " code {:?}"), text).into()
                })
            }
        }
    };
}

code_list! {
    /// Cooperation type (jenis kerja sama), PP 28/2018.
    CooperationType {
        /// Kerja Sama Daerah dengan Daerah lain.
        Ksdd = "KSDD",
        /// Kerja Sama Daerah dengan Pihak Ketiga.
        Ksdpk = "KSDPK",
        /// Kerja Sama Daerah dengan Pemerintah Daerah di Luar Negeri.
        Ksdpl = "KSDPL",
        /// Kerja Sama Daerah dengan Lembaga di Luar Negeri.
        Ksdll = "KSDLL",
        /// Cooperation with a central-government ministry or agency.
        Sinergi = "SINERGI",
    }
}

impl CooperationType {
    /// KSDPL and KSDLL: partners abroad, LOI first, DPRD approval by default.
    pub fn is_foreign(self) -> bool {
        matches!(self, CooperationType::Ksdpl | CooperationType::Ksdll)
    }

    /// The party kinds a partner of this type may be.
    pub fn partner_kinds(self) -> &'static [PartyKind] {
        use PartyKind::*;
        match self {
            CooperationType::Ksdd => &[ProvinceGovernment, RegencyGovernment, CityGovernment],
            CooperationType::Ksdpk => &[
                Individual,
                StateOwnedEnterprise,
                RegionOwnedEnterprise,
                PrivateCompany,
                CommunityOrganisation,
                University,
                OtherNonGovernment,
            ],
            CooperationType::Ksdpl => &[ForeignRegionalGovernment],
            CooperationType::Ksdll => &[ForeignInstitution],
            CooperationType::Sinergi => &[Ministry],
        }
    }
}

code_list! {
    /// The kind of document an agreement record is.
    DocumentKind {
        /// Pernyataan kehendak: statement of intent.
        Loi = "LOI",
        /// Kesepakatan Bersama: framework agreement (MoU).
        Ksb = "KSB",
        /// Perjanjian Kerja Sama: implementing agreement.
        Pks = "PKS",
        Addendum = "ADDENDUM",
        /// The SINERGI document.
        NotaKesepakatan = "NOTA_KESEPAKATAN",
    }
}

impl DocumentKind {
    /// Whether a record of this kind is followed up on its own while in force:
    /// it files implementation reports (laporan pelaksanaan) and realises
    /// benefits. An ADDENDUM does neither (its parent does), and nothing is
    /// implemented under an LOI, a statement of intent.
    pub fn is_implemented(self) -> bool {
        !matches!(self, DocumentKind::Addendum | DocumentKind::Loi)
    }
}

code_list! {
    /// Derived state of an agreement as of a date (see SQL `agreement_state`).
    AgreementState {
        /// Not signed, no stage started.
        Draft = "DRAFT",
        /// Not signed, a stage started.
        InProcess = "IN_PROCESS",
        /// Signed, not past `effective_until`: in force (implementation).
        Active = "ACTIVE",
        /// Past `effective_until`.
        Expired = "EXPIRED",
        /// Ended early by explicit action.
        Terminated = "TERMINATED",
        /// Abandoned before signing by explicit action.
        Cancelled = "CANCELLED",
    }
}

code_list! {
    /// For KSDD: wajib (mandatory) or sukarela (voluntary).
    KsddBasis {
        Mandatory = "MANDATORY",
        Voluntary = "VOLUNTARY",
    }
}

code_list! {
    PartyKind {
        ProvinceGovernment = "PROVINCE_GOVERNMENT",
        RegencyGovernment = "REGENCY_GOVERNMENT",
        CityGovernment = "CITY_GOVERNMENT",
        Individual = "INDIVIDUAL",
        /// BUMN.
        StateOwnedEnterprise = "STATE_OWNED_ENTERPRISE",
        /// BUMD.
        RegionOwnedEnterprise = "REGION_OWNED_ENTERPRISE",
        PrivateCompany = "PRIVATE_COMPANY",
        CommunityOrganisation = "COMMUNITY_ORGANISATION",
        University = "UNIVERSITY",
        OtherNonGovernment = "OTHER_NON_GOVERNMENT",
        ForeignRegionalGovernment = "FOREIGN_REGIONAL_GOVERNMENT",
        ForeignInstitution = "FOREIGN_INSTITUTION",
        Ministry = "MINISTRY",
    }
}

impl PartyKind {
    /// Indonesian regional governments, identified by a Kemendagri code.
    pub fn is_indonesian_region(self) -> bool {
        matches!(
            self,
            PartyKind::ProvinceGovernment
                | PartyKind::RegencyGovernment
                | PartyKind::CityGovernment
        )
    }

    pub fn is_foreign(self) -> bool {
        matches!(
            self,
            PartyKind::ForeignRegionalGovernment | PartyKind::ForeignInstitution
        )
    }
}

code_list! {
    /// What a bearer token may do.
    Role {
        /// The cooperation bureau: everything.
        Admin = "ADMIN",
        /// An OPD officer: reads, and writes the agreements of its own unit.
        UnitOfficer = "UNIT_OFFICER",
        /// Analysts and leadership: read-only, may run reports.
        Analyst = "ANALYST",
    }
}

code_list! {
    /// Where a procedure stage stands.
    StageStatus {
        Pending = "PENDING",
        InProgress = "IN_PROGRESS",
        Done = "DONE",
        Skipped = "SKIPPED",
        NotApplicable = "NOT_APPLICABLE",
    }
}

impl StageStatus {
    /// Settled stages no longer hold up the next one.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            StageStatus::Done | StageStatus::Skipped | StageStatus::NotApplicable
        )
    }
}

code_list! {
    /// How often an agreement in force reports its implementation.
    ReportingCycle {
        Quarterly = "QUARTERLY",
        /// January-June, July-December.
        Semester = "SEMESTER",
        Yearly = "YEARLY",
    }
}

impl ReportingCycle {
    pub fn months(self) -> u32 {
        match self {
            ReportingCycle::Quarterly => 3,
            ReportingCycle::Semester => 6,
            ReportingCycle::Yearly => 12,
        }
    }
}

code_list! {
    /// What kind of benefit an indicator measures.
    IndicatorCategory {
        /// Regional own-source revenue (PAD).
        Revenue = "REVENUE",
        CostSaving = "COST_SAVING",
        Investment = "INVESTMENT",
        /// People served.
        ServiceReach = "SERVICE_REACH",
        /// People trained.
        Capacity = "CAPACITY",
        Infrastructure = "INFRASTRUCTURE",
        Other = "OTHER",
    }
}

code_list! {
    /// Which side a benefit accrues to (saling menguntungkan).
    Beneficiary {
        Region = "REGION",
        Partner = "PARTNER",
        Both = "BOTH",
    }
}

code_list! {
    /// Where one reporting cycle of an agreement in force stands, as of a date.
    CycleStatus {
        /// The cycle has not ended yet.
        Open = "OPEN",
        /// Ended, within the grace period, no report yet.
        Due = "DUE",
        /// A report arrived by the end of the grace period.
        Submitted = "SUBMITTED",
        /// A report arrived after the grace period.
        Late = "LATE",
        /// No report, and the grace period has passed.
        Missing = "MISSING",
    }
}

code_list! {
    /// What a document attached to an agreement is.
    DocumentType {
        Loi = "LOI",
        Ksb = "KSB",
        Pks = "PKS",
        Addendum = "ADDENDUM",
        NotaKesepakatan = "NOTA_KESEPAKATAN",
        /// Persetujuan DPRD: the regional parliament's approval letter.
        DprdApproval = "DPRD_APPROVAL",
        /// The Minister's approval (foreign cooperation).
        MinisterApproval = "MINISTER_APPROVAL",
        Report = "REPORT",
        Other = "OTHER",
    }
}

code_list! {
    /// Where an evaluation meeting's recommendation stands.
    RecommendationStatus {
        Open = "OPEN",
        Done = "DONE",
        /// Abandoned, with a reason.
        Dropped = "DROPPED",
    }
}
