//! The demo register: a Banten-like province (region 36) with a dozen units
//! (OPD) and agreements of all five cooperation types in several states.
//! Loaded by `kerjasama seed` and `serve --demo`, only into an empty register,
//! through the same use cases (validation, audit) as any client: stages in
//! several places (some overdue), benefits planned and realised, reports on
//! time, late and missing, and a past evaluation meeting.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use bigdecimal::BigDecimal;
use uuid::Uuid;

use crate::access::Principal;
use crate::agreements::{self, AgreementFields, Party};
use crate::benefits::{self, IndicatorFields, RealisationFields};
use crate::codes::{Beneficiary, IndicatorCategory, RecommendationStatus};
use crate::codes::{CooperationType as T, DocumentKind as K, KsddBasis, PartyKind as P};
use crate::error::{CoreError, CoreResult};
use crate::implementation_reports::{self, NewReport};
use crate::meetings::{self, NewFinding, NewMeeting, NewRecommendation};
use crate::pool::PgPool;
use crate::schema::{agreements as agreements_table, units as units_table};
use crate::stages::{self, StageAction};
use crate::units::{self, NewUnit};

pub const REGION: &str = "36";

const UNITS: &[(&str, &str)] = &[
    (
        "BIRO-PEMKESRA",
        "Biro Pemerintahan dan Kesejahteraan Rakyat",
    ),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah"),
    ("DINKES", "Dinas Kesehatan"),
    ("DINDIKBUD", "Dinas Pendidikan dan Kebudayaan"),
    ("DISPAR", "Dinas Pariwisata"),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
    ("DLHK", "Dinas Lingkungan Hidup dan Kehutanan"),
    (
        "DPMPTSP",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
    ),
    ("DISHUB", "Dinas Perhubungan"),
    ("DINSOS", "Dinas Sosial"),
    ("DKP", "Dinas Kelautan dan Perikanan"),
    ("DISPERINDAG", "Dinas Perindustrian dan Perdagangan"),
    (
        "DISKOMINFO",
        "Dinas Komunikasi, Informatika, Statistik dan Persandian",
    ),
];

/// (name, kind, region code, country code, the party's document number)
type DemoParty = (
    &'static str,
    P,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

struct DemoAgreement {
    title: &'static str,
    cooperation_type: T,
    document_kind: K,
    /// Index of the parent in `AGREEMENTS`.
    parent: Option<usize>,
    unit: &'static str,
    sector: &'static str,
    basis: Option<KsddBasis>,
    parties: &'static [DemoParty],
    number: &'static str,
    signed_on: Option<&'static str>,
    effective: Option<(&'static str, &'static str)>,
    dprd: bool,
    budget_idr: Option<i64>,
    /// For signed records: the stage through which the file is complete.
    complete_through: Option<&'static str>,
}

const AGREEMENTS: &[DemoAgreement] = &[
    DemoAgreement {
        title: "Kesepakatan Bersama Pengelolaan Sampah Regional Tangerang Raya",
        cooperation_type: T::Ksdd,
        document_kind: K::Ksb,
        parent: None,
        unit: "DLHK",
        sector: "ENVIRONMENT",
        basis: Some(KsddBasis::Mandatory),
        parties: &[
            (
                "Pemerintah Kota Tangerang",
                P::CityGovernment,
                Some("36.71"),
                None,
                "658.1/21-DLH/2023",
            ),
            (
                "Pemerintah Kabupaten Tangerang",
                P::RegencyGovernment,
                Some("36.03"),
                None,
                "658/117-DLHK/2023",
            ),
        ],
        number: "415.4/12-HUK/2023",
        signed_on: Some("2023-06-12"),
        effective: Some(("2023-06-12", "2028-06-11")),
        dprd: false,
        budget_idr: None,
        complete_through: Some("PELAPORAN"),
    },
    DemoAgreement {
        title: "Perjanjian Kerja Sama Operasional TPAS Regional Jatiwaringin",
        cooperation_type: T::Ksdd,
        document_kind: K::Pks,
        parent: Some(0),
        unit: "DLHK",
        sector: "ENVIRONMENT",
        basis: Some(KsddBasis::Mandatory),
        parties: &[(
            "Pemerintah Kabupaten Tangerang",
            P::RegencyGovernment,
            Some("36.03"),
            None,
            "658/31-DLHK/2024",
        )],
        number: "415.4/07-PKS/DLHK/2024",
        signed_on: Some("2024-02-20"),
        effective: Some(("2024-03-01", "2027-02-28")),
        dprd: true,
        budget_idr: Some(12_500_000_000),
        complete_through: None,
    },
    DemoAgreement {
        title: "Kesepakatan Bersama Penanganan Jalan Perbatasan Banten - Jawa Barat",
        cooperation_type: T::Ksdd,
        document_kind: K::Ksb,
        parent: None,
        unit: "DPUPR",
        sector: "PUBLIC_WORKS",
        basis: Some(KsddBasis::Mandatory),
        parties: &[(
            "Pemerintah Provinsi Jawa Barat",
            P::ProvinceGovernment,
            Some("32"),
            None,
            "120/15/OTDA/2022",
        )],
        number: "415.4/31-HUK/2022",
        signed_on: Some("2022-09-01"),
        effective: Some(("2022-09-01", "2025-08-31")),
        dprd: false,
        budget_idr: None,
        complete_through: Some("PELAPORAN"),
    },
    DemoAgreement {
        title: "Kesepakatan Bersama Transportasi Terintegrasi Kawasan Aglomerasi Jakarta - Banten",
        cooperation_type: T::Ksdd,
        document_kind: K::Ksb,
        parent: None,
        unit: "DISHUB",
        sector: "TRANSPORTATION",
        basis: Some(KsddBasis::Voluntary),
        parties: &[(
            "Pemerintah Provinsi DKI Jakarta",
            P::ProvinceGovernment,
            Some("31"),
            None,
            "",
        )],
        number: "",
        signed_on: None,
        effective: None,
        dprd: false,
        budget_idr: None,
        complete_through: None,
    },
    DemoAgreement {
        title: "Kesepakatan Bersama Pengelolaan Kas Daerah dan Layanan Perbankan",
        cooperation_type: T::Ksdpk,
        document_kind: K::Ksb,
        parent: None,
        unit: "BAPPEDA",
        sector: "FINANCE",
        basis: None,
        parties: &[(
            "PT Bank Pembangunan Daerah Banten Tbk",
            P::RegionOwnedEnterprise,
            None,
            None,
            "001/PKS-DIR/BB/V/2024",
        )],
        number: "415.4/18-HUK/2024",
        signed_on: Some("2024-05-02"),
        effective: Some(("2024-05-02", "2029-05-01")),
        dprd: false,
        budget_idr: None,
        complete_through: Some("PELAPORAN"),
    },
    DemoAgreement {
        title: "Perjanjian Kerja Sama Pendampingan Penyusunan Rencana Induk Pariwisata Daerah",
        cooperation_type: T::Ksdpk,
        document_kind: K::Pks,
        parent: None,
        unit: "DISPAR",
        sector: "TOURISM",
        basis: None,
        parties: &[(
            "Universitas Sultan Ageng Tirtayasa",
            P::University,
            None,
            None,
            "B/412/UN43/KS.00/2025",
        )],
        number: "556/09-PKS/DISPAR/2025",
        signed_on: Some("2025-03-10"),
        effective: Some(("2025-03-10", "2026-12-31")),
        dprd: false,
        budget_idr: Some(850_000_000),
        complete_through: Some("PENATAUSAHAAN"),
    },
    DemoAgreement {
        title: "Kesepakatan Bersama Pengembangan Kawasan Industri Cilegon",
        cooperation_type: T::Ksdpk,
        document_kind: K::Ksb,
        parent: None,
        unit: "DISPERINDAG",
        sector: "INDUSTRY",
        basis: None,
        parties: &[(
            "PT Krakatau Steel (Persero) Tbk",
            P::StateOwnedEnterprise,
            None,
            None,
            "KS/0912/DU/XI/2021",
        )],
        number: "415.4/44-HUK/2021",
        signed_on: Some("2021-11-15"),
        effective: Some(("2021-11-15", "2026-11-14")),
        dprd: false,
        budget_idr: None,
        complete_through: Some("PELAPORAN"),
    },
    DemoAgreement {
        title: "Perjanjian Kerja Sama Layanan Kesehatan Bergerak Daerah Terpencil",
        cooperation_type: T::Ksdpk,
        document_kind: K::Pks,
        parent: None,
        unit: "DINKES",
        sector: "HEALTH",
        basis: None,
        parties: &[(
            "Yayasan Sehat Bersama Nusantara",
            P::CommunityOrganisation,
            None,
            None,
            "",
        )],
        number: "",
        signed_on: None,
        effective: None,
        dprd: false,
        budget_idr: Some(2_400_000_000),
        complete_through: None,
    },
    DemoAgreement {
        title: "Pernyataan Kehendak Kerja Sama Provinsi Banten dan Prefektur Ibaraki",
        cooperation_type: T::Ksdpl,
        document_kind: K::Loi,
        parent: None,
        unit: "BIRO-PEMKESRA",
        sector: "AGRICULTURE",
        basis: None,
        parties: &[(
            "Ibaraki Prefectural Government",
            P::ForeignRegionalGovernment,
            None,
            Some("JP"),
            "IBK-INT-2025-044",
        )],
        number: "415.4/02-LOI/2025",
        signed_on: Some("2025-08-20"),
        effective: None,
        dprd: true,
        budget_idr: None,
        complete_through: None,
    },
    DemoAgreement {
        title: "Kesepakatan Bersama Provinsi Kembar Banten - Ibaraki bidang Pertanian dan Pendidikan Vokasi",
        cooperation_type: T::Ksdpl,
        document_kind: K::Ksb,
        parent: Some(8),
        unit: "BIRO-PEMKESRA",
        sector: "AGRICULTURE",
        basis: None,
        parties: &[(
            "Ibaraki Prefectural Government",
            P::ForeignRegionalGovernment,
            None,
            Some("JP"),
            "",
        )],
        number: "",
        signed_on: None,
        effective: None,
        dprd: true,
        budget_idr: None,
        complete_through: None,
    },
    DemoAgreement {
        title: "Kesepakatan Bersama Kerja Sama Pendidikan Banten - Gyeongsangbuk-do",
        cooperation_type: T::Ksdpl,
        document_kind: K::Ksb,
        parent: None,
        unit: "DINDIKBUD",
        sector: "EDUCATION",
        basis: None,
        parties: &[(
            "Gyeongsangbuk-do Provincial Government",
            P::ForeignRegionalGovernment,
            None,
            Some("KR"),
            "GB-IC-2023-17",
        )],
        number: "415.4/36-HUK/2023",
        signed_on: Some("2023-10-05"),
        effective: Some(("2023-10-05", "2028-10-04")),
        dprd: true,
        budget_idr: None,
        complete_through: Some("PELAPORAN"),
    },
    DemoAgreement {
        title: "Kesepakatan Bersama Peningkatan Kapasitas Pengelolaan Air Limbah Domestik",
        cooperation_type: T::Ksdll,
        document_kind: K::Ksb,
        parent: None,
        unit: "DLHK",
        sector: "ENVIRONMENT",
        basis: None,
        parties: &[(
            "Japan International Cooperation Agency (JICA)",
            P::ForeignInstitution,
            None,
            Some("JP"),
            "JICA-IDN-2024-0715",
        )],
        number: "415.4/25-HUK/2024",
        signed_on: Some("2024-07-15"),
        effective: Some(("2024-07-15", "2027-07-14")),
        dprd: true,
        budget_idr: None,
        complete_through: Some("PELAPORAN"),
    },
    DemoAgreement {
        title: "Perjanjian Kerja Sama Pelatihan Vokasi Energi Terbarukan",
        cooperation_type: T::Ksdll,
        document_kind: K::Pks,
        parent: None,
        unit: "DINDIKBUD",
        sector: "ENERGY_MINERAL",
        basis: None,
        parties: &[(
            "Deutsche Gesellschaft fuer Internationale Zusammenarbeit (GIZ)",
            P::ForeignInstitution,
            None,
            Some("DE"),
            "",
        )],
        number: "",
        signed_on: None,
        effective: None,
        dprd: true,
        budget_idr: Some(3_150_000_000),
        complete_through: None,
    },
    DemoAgreement {
        title: "Nota Kesepakatan Percepatan Pelayanan Administrasi Kependudukan",
        cooperation_type: T::Sinergi,
        document_kind: K::NotaKesepakatan,
        parent: None,
        unit: "BIRO-PEMKESRA",
        sector: "POPULATION_ADMINISTRATION",
        basis: None,
        parties: &[(
            "Kementerian Dalam Negeri",
            P::Ministry,
            None,
            None,
            "470/1123/DUKCAPIL/2024",
        )],
        number: "415.4/03-NK/2024",
        signed_on: Some("2024-01-18"),
        effective: Some(("2024-01-18", "2027-01-17")),
        dprd: false,
        budget_idr: None,
        complete_through: Some("PELAPORAN"),
    },
    DemoAgreement {
        title: "Nota Kesepakatan Pengembangan Kampung Nelayan Modern",
        cooperation_type: T::Sinergi,
        document_kind: K::NotaKesepakatan,
        parent: None,
        unit: "DKP",
        sector: "MARINE_FISHERIES",
        basis: None,
        parties: &[(
            "Kementerian Kelautan dan Perikanan",
            P::Ministry,
            None,
            None,
            "B.412/MEN-KP/VI/2025",
        )],
        number: "415.4/21-NK/2025",
        signed_on: Some("2025-06-05"),
        effective: Some(("2025-06-05", "2028-06-04")),
        dprd: false,
        budget_idr: Some(7_250_000_000),
        complete_through: None,
    },
    DemoAgreement {
        title: "Adendum I Perjanjian Kerja Sama TPAS Regional Jatiwaringin: Penyesuaian Tipping Fee",
        cooperation_type: T::Ksdd,
        document_kind: K::Addendum,
        parent: Some(1),
        unit: "DLHK",
        sector: "ENVIRONMENT",
        basis: Some(KsddBasis::Mandatory),
        parties: &[(
            "Pemerintah Kabupaten Tangerang",
            P::RegencyGovernment,
            Some("36.03"),
            None,
            "658/88-DLHK/2025",
        )],
        number: "415.4/11-ADD/DLHK/2025",
        signed_on: Some("2025-09-01"),
        effective: Some(("2025-09-01", "2027-02-28")),
        dprd: false,
        budget_idr: Some(1_125_000_000),
        complete_through: Some("PENATAUSAHAAN"),
    },
];

#[derive(Debug)]
pub enum SeedOutcome {
    Loaded {
        units: usize,
        agreements: usize,
    },
    /// The register already holds data; nothing was loaded.
    NotEmpty,
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("demo dates are ISO")
}

/// Loads the demo register into an empty database.
pub async fn load(pool: &PgPool) -> CoreResult<SeedOutcome> {
    {
        let mut conn = pool.get().await?;
        let units: i64 = units_table::table.count().get_result(&mut conn).await?;
        let agreements: i64 = agreements_table::table
            .count()
            .get_result(&mut conn)
            .await?;
        if units + agreements > 0 {
            return Ok(SeedOutcome::NotEmpty);
        }
    }
    let actor = Principal::system("demo-loader");
    for (code, display_name) in UNITS {
        let new = NewUnit {
            code: code.to_string(),
            region_code: REGION.to_string(),
            display_name: display_name.to_string(),
        };
        units::create(pool, &actor, new, None).await?;
    }
    let mut ids = Vec::with_capacity(AGREEMENTS.len());
    for demo in AGREEMENTS {
        let parent_id = match demo.parent {
            Some(index) => Some(*ids.get(index).ok_or_else(|| {
                CoreError::Internal(format!(
                    "demo agreement {:?} names a later parent",
                    demo.title
                ))
            })?),
            None => None,
        };
        let fields = AgreementFields {
            region_code: REGION.to_string(),
            title: demo.title.to_string(),
            cooperation_type: demo.cooperation_type,
            document_kind: demo.document_kind,
            parent_id,
            unit_code: demo.unit.to_string(),
            sector: demo.sector.to_string(),
            ksdd_basis: demo.basis,
            parties: demo
                .parties
                .iter()
                .map(|(name, kind, region, country, number)| Party {
                    name: name.to_string(),
                    kind: *kind,
                    region_code: region.map(str::to_string),
                    country_code: country.map(str::to_string),
                    document_number: number.to_string(),
                })
                .collect(),
            document_number: demo.number.to_string(),
            objective: String::new(),
            signed_on: demo.signed_on.map(date),
            effective_from: demo.effective.map(|(from, _)| date(from)),
            effective_until: demo.effective.map(|(_, until)| date(until)),
            dprd_approval_required: demo.dprd,
            budget_idr: demo.budget_idr,
            public_in_full: false,
            reporting_cycle: crate::codes::ReportingCycle::Quarterly,
        };
        ids.push(
            agreements::create(pool, &actor, fields, demo.complete_through, None)
                .await?
                .id,
        );
    }
    activity(pool, &actor, &ids).await?;
    Ok(SeedOutcome::Loaded {
        units: UNITS.len(),
        agreements: AGREEMENTS.len(),
    })
}

fn decimal(text: &str) -> BigDecimal {
    crate::decimal::parse(text).expect("demo decimals are plain")
}

/// What the bureau recorded since: stages moving (some overdue, one
/// rescheduled, one skipped), planned and realised benefits, implementation
/// reports on time, late and missing, and a past evaluation meeting whose
/// recommendations are partly still open.
async fn activity(pool: &PgPool, actor: &Principal, ids: &[Uuid]) -> CoreResult<()> {
    use StageAction::{Complete, Reschedule, Skip, Start};
    let stage = |index: usize, code: &'static str, action: StageAction| (ids[index], code, action);
    let steps = [
        // KSDD KSB with DKI Jakarta: offer stalled since July 2026 (overdue).
        stage(
            3,
            "PERSIAPAN",
            Start {
                on: Some(date("2026-06-01")),
                notes: None,
            },
        ),
        stage(
            3,
            "PERSIAPAN",
            Complete {
                on: Some(date("2026-07-10")),
                notes: None,
                evidence_document_id: None,
            },
        ),
        // KSDPK health PKS: preparation, due date moved after the TKKSD review.
        stage(
            7,
            "PERSIAPAN",
            Start {
                on: Some(date("2026-09-01")),
                notes: None,
            },
        ),
        stage(
            7,
            "PERSIAPAN",
            Reschedule {
                decided_on: Some(date("2026-09-20")),
                new_due_on: date("2026-12-15"),
                reason: "Menunggu hasil kajian TKKSD".into(),
            },
        ),
        // KSDPL sister province with Ibaraki: waiting for DPRD since November 2025.
        stage(
            9,
            "PENYUSUNAN_RENCANA",
            Start {
                on: Some(date("2025-10-01")),
                notes: None,
            },
        ),
        stage(
            9,
            "PENYUSUNAN_RENCANA",
            Complete {
                on: Some(date("2025-11-15")),
                notes: None,
                evidence_document_id: None,
            },
        ),
        // KSDLL vocational training with GIZ: exploration skipped, plan overdue.
        stage(
            12,
            "PRAKARSA",
            Start {
                on: Some(date("2026-03-01")),
                notes: None,
            },
        ),
        stage(
            12,
            "PRAKARSA",
            Complete {
                on: Some(date("2026-04-01")),
                notes: None,
                evidence_document_id: None,
            },
        ),
        stage(
            12,
            "PENJAJAKAN",
            Skip {
                on: Some(date("2026-04-05")),
                reason: "Penjajakan sudah dilakukan bersama Kementerian Luar Negeri".into(),
            },
        ),
    ];
    for (agreement, code, action) in steps {
        stages::act(pool, actor, agreement, code, action).await?;
    }

    let indicator = |index: usize, title: &str, category, unit: &str, target: &str| {
        (
            ids[index],
            IndicatorFields {
                title: title.to_string(),
                category,
                unit_of_measure: unit.to_string(),
                beneficiary: Beneficiary::Region,
                baseline: Some(decimal("0")),
                target_value: Some(decimal(target)),
                target_date: None,
                higher_is_better: true,
            },
        )
    };
    let plans = [
        (
            indicator(
                0,
                "Sampah terolah di TPAS regional",
                IndicatorCategory::Infrastructure,
                "TONNE",
                "120000",
            ),
            &[
                ("2025-01-01", "2025-03-31", "9150.5"),
                ("2025-04-01", "2025-06-30", "10210"),
                ("2025-07-01", "2025-09-30", "11030.25"),
            ][..],
        ),
        (
            indicator(
                1,
                "Retribusi tipping fee TPAS",
                IndicatorCategory::Revenue,
                "IDR",
                "2500000000",
            ),
            &[
                ("2024-04-01", "2024-06-30", "312500000"),
                ("2024-07-01", "2024-09-30", "298750000"),
            ][..],
        ),
        (
            indicator(
                4,
                "Pendapatan jasa giro kas daerah",
                IndicatorCategory::Revenue,
                "IDR",
                "18000000000",
            ),
            &[][..],
        ),
        (
            indicator(
                10,
                "Guru vokasi mengikuti pelatihan di Gyeongsangbuk-do",
                IndicatorCategory::Capacity,
                "PERSON",
                "120",
            ),
            &[("2024-07-01", "2024-12-31", "35")][..],
        ),
        (
            indicator(
                13,
                "Penduduk menerima KTP-el layanan jemput bola",
                IndicatorCategory::ServiceReach,
                "PERSON",
                "250000",
            ),
            &[
                ("2024-01-18", "2024-06-30", "61250"),
                ("2024-07-01", "2024-12-31", "74810"),
            ][..],
        ),
    ];
    for ((agreement, fields), realised) in plans {
        let indicator = benefits::create_indicator(pool, actor, agreement, fields).await?;
        for (start, end, value) in realised {
            let fields = RealisationFields {
                period_start: date(start),
                period_end: date(end),
                value: decimal(value),
                note: "Laporan OPD".into(),
                evidence_document_id: None,
            };
            benefits::create_realisation(pool, actor, agreement, indicator.id, fields).await?;
        }
    }

    // Implementation reports: on time, late, and (by omission) missing.
    let reports = [
        (0, "2025-01-01", "2025-04-21", 55),
        (0, "2025-04-01", "2025-08-28", 60),
        (13, "2024-01-01", "2024-04-15", 20),
        (13, "2024-04-01", "2024-07-10", 35),
        (5, "2025-01-01", "2025-04-25", 10),
    ];
    for (index, cycle_start, submitted, progress) in reports {
        let report = NewReport {
            cycle_start: date(cycle_start),
            submitted_on: Some(date(submitted)),
            summary: "Kegiatan berjalan sesuai rencana kerja".into(),
            progress_percent: Some(progress),
            obstacles: String::new(),
            follow_up: String::new(),
            document_id: None,
        };
        implementation_reports::submit(pool, actor, ids[index], report).await?;
    }

    let meeting = meetings::create(
        pool,
        actor,
        NewMeeting {
            region_code: REGION.to_string(),
            held_on: Some(date("2026-07-20")),
            period_start: Some(date("2026-01-01")),
            period_end: Some(date("2026-06-30")),
            title: "Rapat Evaluasi Kerja Sama Daerah Semester I Tahun 2026".into(),
            participant_units: vec![
                "BIRO-PEMKESRA".into(),
                "DLHK".into(),
                "DISPAR".into(),
                "DISHUB".into(),
            ],
            notes: "Dipimpin Asisten Pemerintahan dan Kesejahteraan Rakyat".into(),
            findings: vec![
                NewFinding {
                    agreement_id: Some(ids[0]),
                    description: "Laporan pelaksanaan triwulan III dan IV 2025 belum diterima"
                        .into(),
                    recommendations: vec![NewRecommendation {
                        description: "DLHK menyampaikan laporan pelaksanaan yang tertunda".into(),
                        responsible_unit: "DLHK".into(),
                        due_on: Some(date("2026-08-31")),
                    }],
                },
                NewFinding {
                    agreement_id: Some(ids[3]),
                    description:
                        "Penawaran kerja sama transportasi aglomerasi belum ditindaklanjuti".into(),
                    recommendations: vec![NewRecommendation {
                        description: "Dishub menyusun surat penawaran kepada Pemprov DKI Jakarta"
                            .into(),
                        responsible_unit: "DISHUB".into(),
                        due_on: Some(date("2026-09-30")),
                    }],
                },
            ],
        },
    )
    .await?;
    let first = &meeting.findings[0].recommendations[0];
    meetings::set_recommendation_status(
        pool,
        actor,
        (meeting.id, first.id),
        RecommendationStatus::Done,
        Some(date("2026-08-25")),
        None,
    )
    .await?;
    Ok(())
}
