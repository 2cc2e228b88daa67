//! The open register: the public part of the register that the region's
//! information office (PPID) publishes and its open-data portal (Satu Data
//! Indonesia) harvests.
//!
//! Only signed agreements in force (state ACTIVE as of the day) appear, and
//! only the fields in [`COLUMNS`]. No personal data: an INDIVIDUAL party's
//! name is replaced by its kind. Budget and benefit figures appear only for
//! agreements the bureau marked `public_in_full`. Everything published is
//! built by [`project`] from the stored record, field by field, so a field
//! that is not listed here cannot leak.
//!
//! Written as CSV (one row per agreement, parties joined with "; "), JSON (the
//! parties as a list), a data dictionary (CSV), and a DCAT-style JSON
//! description of the dataset.

use std::collections::HashMap;

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;

use crate::access::Principal;
use crate::agreements::{self, Agreement, AgreementFilter, Ordering, SortKey};
use crate::codes::{AgreementState, PartyKind};
use crate::error::{CoreError, CoreResult};
use crate::pool::PgPool;
use crate::schema::{benefit_indicators, benefit_realisations, sectors, units};

/// The file names, the same over HTTP (`/public/{name}`) and in a report run.
pub const CSV_FILE: &str = "public_register.csv";
pub const JSON_FILE: &str = "public_register.json";
pub const DICTIONARY_FILE: &str = "public_register_dictionary.csv";
pub const DCAT_FILE: &str = "dcat.json";

/// The licence the dataset is published under.
pub const LICENCE: &str = "https://creativecommons.org/licenses/by/4.0/";

/// One published column: its name, and what it holds in Bahasa Indonesia and English.
pub struct Column {
    pub name: &'static str,
    pub description_id: &'static str,
    pub description_en: &'static str,
}

/// Every column the open register publishes, in order. Nothing else appears.
pub const COLUMNS: &[Column] = &[
    Column {
        name: "id",
        description_id: "Pengenal tetap perjanjian di register",
        description_en: "The agreement's permanent identifier in the register",
    },
    Column {
        name: "title",
        description_id: "Judul perjanjian",
        description_en: "Title of the agreement",
    },
    Column {
        name: "cooperation_type",
        description_id: "Jenis kerja sama: KSDD, KSDPK, KSDPL, KSDLL, SINERGI",
        description_en: "Cooperation type: KSDD, KSDPK, KSDPL, KSDLL, SINERGI",
    },
    Column {
        name: "document_kind",
        description_id: "Jenis dokumen: LOI, KSB, PKS, ADDENDUM, NOTA_KESEPAKATAN",
        description_en: "Document kind: LOI, KSB, PKS, ADDENDUM, NOTA_KESEPAKATAN",
    },
    Column {
        name: "region_code",
        description_id: "Kode wilayah Kemendagri daerah pemilik",
        description_en: "Kemendagri code of the owning region",
    },
    Column {
        name: "unit_code",
        description_id: "Kode perangkat daerah (OPD) pemrakarsa",
        description_en: "Code of the initiating unit (OPD)",
    },
    Column {
        name: "unit_name",
        description_id: "Nama perangkat daerah (OPD) pemrakarsa",
        description_en: "Name of the initiating unit (OPD)",
    },
    Column {
        name: "sector",
        description_id: "Urusan pemerintahan",
        description_en: "Government affair (sector)",
    },
    Column {
        name: "signed_on",
        description_id: "Tanggal penandatanganan (YYYY-MM-DD)",
        description_en: "Date signed (YYYY-MM-DD)",
    },
    Column {
        name: "effective_from",
        description_id: "Berlaku mulai (YYYY-MM-DD)",
        description_en: "In force from (YYYY-MM-DD)",
    },
    Column {
        name: "effective_until",
        description_id: "Berlaku sampai (YYYY-MM-DD); kosong bila tidak ditentukan",
        description_en: "In force until (YYYY-MM-DD); empty when open-ended",
    },
    Column {
        name: "state",
        description_id: "Status per tanggal data (ACTIVE: berlaku)",
        description_en: "State as of the data date (ACTIVE: in force)",
    },
    Column {
        name: "party_names",
        description_id: "Nama para pihak, dipisah \"; \"; pihak perorangan ditulis jenisnya (INDIVIDUAL), bukan namanya",
        description_en: "Partners' names separated by \"; \"; an individual is shown by its kind (INDIVIDUAL), never by name",
    },
    Column {
        name: "party_kinds",
        description_id: "Jenis para pihak, urutan sama dengan party_names",
        description_en: "Partners' kinds, in the order of party_names",
    },
    Column {
        name: "party_region_codes",
        description_id: "Kode wilayah Kemendagri para pihak pemerintah daerah",
        description_en: "Kemendagri codes of regional-government partners",
    },
    Column {
        name: "party_country_codes",
        description_id: "Kode negara ISO 3166-1 para pihak luar negeri",
        description_en: "ISO 3166-1 country codes of foreign partners",
    },
    Column {
        name: "public_in_full",
        description_id: "true bila biro membuka perjanjian ini secara penuh (anggaran dan manfaat)",
        description_en: "true when the bureau published this agreement in full (budget and benefits)",
    },
    Column {
        name: "budget_idr",
        description_id: "Anggaran dalam rupiah utuh; hanya bila public_in_full",
        description_en: "Budget in whole rupiah; only when public_in_full",
    },
    Column {
        name: "planned_benefit_idr",
        description_id: "Target manfaat berupa rupiah (jumlah target indikator IDR); hanya bila public_in_full",
        description_en: "Planned benefit in rupiah (sum of IDR indicator targets); only when public_in_full",
    },
    Column {
        name: "realised_benefit_idr",
        description_id: "Manfaat rupiah yang terealisasi (jumlah realisasi indikator IDR); hanya bila public_in_full",
        description_en: "Realised benefit in rupiah (sum of IDR indicator realisations); only when public_in_full",
    },
    Column {
        name: "document_number",
        description_id: "Nomor dokumen perjanjian pada register daerah pemilik",
        description_en: "The agreement's document number in the owning region's register",
    },
    Column {
        name: "region_name",
        description_id: "Nama daerah pemilik (katalog wilayah Kemendagri)",
        description_en: "Name of the owning region (Kemendagri region catalogue)",
    },
    Column {
        name: "cooperation_type_label",
        description_id: "Nama jenis kerja sama",
        description_en: "Name of the cooperation type (in Indonesian)",
    },
    Column {
        name: "document_kind_label",
        description_id: "Nama jenis dokumen",
        description_en: "Name of the document kind (in Indonesian)",
    },
    Column {
        name: "state_label",
        description_id: "Nama status",
        description_en: "Name of the state (in Indonesian)",
    },
    Column {
        name: "sector_label",
        description_id: "Nama urusan pemerintahan",
        description_en: "Name of the government affair (in Indonesian)",
    },
    Column {
        name: "party_kind_labels",
        description_id: "Nama jenis para pihak, dipisah \"; \"",
        description_en: "Names of the partners' kinds, separated by \"; \"",
    },
    Column {
        name: "party_region_names",
        description_id: "Nama daerah mitra pemerintah daerah, dipisah \"; \"",
        description_en: "Names of the regional-government partners' regions, separated by \"; \"",
    },
    Column {
        name: "signed_document",
        description_id: "Alamat naskah perjanjian yang ditandatangani (PDF), relatif terhadap alamat register terbuka (/public/); hanya bila public_in_full dan naskahnya tersimpan di arsip",
        description_en: "Address of the signed agreement (PDF), relative to the open register's address (/public/); only when public_in_full and the signed text is in the archive",
    },
];

/// The address of an agreement's published signed PDF, relative to
/// `/public/`.
pub fn signed_document_path(agreement_id: uuid::Uuid) -> String {
    format!("agreements/{agreement_id}/signed.pdf")
}

/// A partner as published.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicParty {
    pub name: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub country_code: Option<String>,
}

/// One agreement as published: exactly the fields of [`COLUMNS`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicAgreement {
    pub id: String,
    pub title: String,
    pub document_number: String,
    pub cooperation_type: &'static str,
    pub cooperation_type_label: &'static str,
    pub document_kind: &'static str,
    pub document_kind_label: &'static str,
    pub region_code: String,
    pub region_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub sector: String,
    pub sector_label: String,
    pub signed_on: Option<NaiveDate>,
    pub effective_from: Option<NaiveDate>,
    pub effective_until: Option<NaiveDate>,
    pub state: &'static str,
    pub state_label: &'static str,
    pub parties: Vec<PublicParty>,
    pub public_in_full: bool,
    /// Whole rupiah, as a decimal string; only when `public_in_full`.
    pub budget_idr: Option<String>,
    pub planned_benefit_idr: Option<String>,
    pub realised_benefit_idr: Option<String>,
    /// Where its signed PDF is published ([`signed_document_path`]); only
    /// when `public_in_full` and the archive holds it.
    pub signed_document: Option<String>,
}

/// The register's public part as of a day.
#[derive(Debug, Clone, Serialize)]
pub struct OpenRegister {
    pub as_of: NaiveDate,
    /// `None`: every region of the deployment.
    pub region_code: Option<String>,
    /// The latest change among the published agreements.
    pub modified: Option<DateTime<Utc>>,
    pub agreements: Vec<PublicAgreement>,
}

/// Rupiah sums of one agreement's IDR indicators.
#[derive(Default)]
struct Benefits {
    planned: Option<BigDecimal>,
    realised: Option<BigDecimal>,
}

/// The published form of one agreement: each public field copied by name.
fn project(
    agreement: &Agreement,
    unit_name: &str,
    sector_label: &str,
    benefits: Option<&Benefits>,
    signed_pdf_on_file: bool,
) -> PublicAgreement {
    use crate::code_labels::Labelled;
    let f = &agreement.fields;
    let full = f.public_in_full;
    let whole = |amount: &BigDecimal| amount.with_scale(0).to_string();
    PublicAgreement {
        id: agreement.id.to_string(),
        title: f.title.clone(),
        document_number: f.document_number.clone(),
        cooperation_type: f.cooperation_type.code(),
        cooperation_type_label: f.cooperation_type.label().id,
        document_kind: f.document_kind.code(),
        document_kind_label: f.document_kind.label().id,
        region_code: f.region_code.clone(),
        region_name: crate::regions::display(&f.region_code),
        unit_code: f.unit_code.clone(),
        unit_name: unit_name.to_string(),
        sector: f.sector.clone(),
        sector_label: sector_label.to_string(),
        signed_on: f.signed_on,
        effective_from: f.effective_from,
        effective_until: f.effective_until,
        state: agreement.state.code(),
        state_label: agreement.state.label().id,
        parties: f
            .parties
            .iter()
            .map(|p| PublicParty {
                // No personal data: a person is published as a kind.
                name: if p.kind == PartyKind::Individual {
                    PartyKind::Individual.code().to_string()
                } else {
                    p.name.clone()
                },
                kind: p.kind.code(),
                kind_label: p.kind.label().id,
                region_code: p.region_code.clone(),
                region_name: p.region_code.as_deref().map(crate::regions::display),
                country_code: p.country_code.clone(),
            })
            .collect(),
        public_in_full: full,
        budget_idr: full.then(|| f.budget_idr.map(|b| b.to_string())).flatten(),
        planned_benefit_idr: full
            .then(|| benefits.and_then(|b| b.planned.as_ref()).map(whole))
            .flatten(),
        realised_benefit_idr: full
            .then(|| benefits.and_then(|b| b.realised.as_ref()).map(whole))
            .flatten(),
        signed_document: (full && signed_pdf_on_file).then(|| signed_document_path(agreement.id)),
    }
}

/// Reads the open register as of `as_of` (signed agreements ACTIVE that day,
/// not deleted), for one region or every region.
pub async fn read(
    pool: &PgPool,
    region_code: Option<&str>,
    as_of: NaiveDate,
) -> CoreResult<OpenRegister> {
    let reader = Principal::system("open-register");
    let filter = AgreementFilter {
        states: vec![AgreementState::Active],
        region_code: region_code.map(str::to_string),
        ..AgreementFilter::default()
    };
    let ordering = Ordering {
        key: SortKey::CreateTime,
        descending: false,
    };
    let mut listed: Vec<Agreement> = Vec::new();
    let mut token = String::new();
    loop {
        let page =
            agreements::list_as_of(pool, &reader, filter.clone(), ordering, 200, &token, as_of)
                .await?;
        listed.extend(page.items);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    listed.retain(|a| a.fields.signed_on.is_some() && a.delete_time.is_none());

    let mut conn = pool.get().await?;
    let unit_names: HashMap<String, String> = units::table
        .select((units::code, units::display_name))
        .load::<(String, String)>(&mut conn)
        .await?
        .into_iter()
        .collect();
    let sector_labels: HashMap<String, String> = sectors::table
        .select((sectors::code, sectors::name_id))
        .load::<(String, String)>(&mut conn)
        .await?
        .into_iter()
        .collect();
    let full: Vec<uuid::Uuid> = listed
        .iter()
        .filter(|a| a.fields.public_in_full)
        .map(|a| a.id)
        .collect();
    let mut benefits: HashMap<uuid::Uuid, Benefits> = HashMap::new();
    if !full.is_empty() {
        let planned: Vec<(uuid::Uuid, Option<BigDecimal>)> = benefit_indicators::table
            .filter(benefit_indicators::agreement_id.eq_any(&full))
            .filter(benefit_indicators::delete_time.is_null())
            .filter(benefit_indicators::unit_of_measure.eq("IDR"))
            .group_by(benefit_indicators::agreement_id)
            .select((
                benefit_indicators::agreement_id,
                diesel::dsl::sum(benefit_indicators::target_value),
            ))
            .load(&mut conn)
            .await?;
        for (id, sum) in planned {
            benefits.entry(id).or_default().planned = sum;
        }
        let realised: Vec<(uuid::Uuid, Option<BigDecimal>)> = benefit_realisations::table
            .inner_join(
                benefit_indicators::table
                    .on(benefit_indicators::id.eq(benefit_realisations::indicator_id)),
            )
            .filter(benefit_realisations::agreement_id.eq_any(&full))
            .filter(benefit_realisations::delete_time.is_null())
            .filter(benefit_indicators::delete_time.is_null())
            .filter(benefit_indicators::unit_of_measure.eq("IDR"))
            .filter(benefit_realisations::period_end.le(as_of))
            .group_by(benefit_realisations::agreement_id)
            .select((
                benefit_realisations::agreement_id,
                diesel::dsl::sum(benefit_realisations::value),
            ))
            .load(&mut conn)
            .await?;
        for (id, sum) in realised {
            benefits.entry(id).or_default().realised = sum;
        }
    }
    let published_pdfs: std::collections::HashSet<uuid::Uuid> = if full.is_empty() {
        Default::default()
    } else {
        crate::archive::signed_pdfs_on_file(&mut conn, &full).await?
    };
    let modified = listed.iter().map(|a| a.update_time).max();
    let agreements = listed
        .iter()
        .map(|a| {
            let unit_name = unit_names
                .get(&a.fields.unit_code)
                .map(String::as_str)
                .unwrap_or("");
            let sector = sector_labels
                .get(&a.fields.sector)
                .map(String::as_str)
                .unwrap_or("");
            project(
                a,
                unit_name,
                sector,
                benefits.get(&a.id),
                published_pdfs.contains(&a.id),
            )
        })
        .collect();
    Ok(OpenRegister {
        as_of,
        region_code: region_code.map(str::to_string),
        modified,
        agreements,
    })
}

fn joined<'a>(values: impl Iterator<Item = &'a str>) -> String {
    values.collect::<Vec<_>>().join("; ")
}

fn date(value: Option<NaiveDate>) -> String {
    value.map(|d| d.to_string()).unwrap_or_default()
}

impl OpenRegister {
    /// CSV (RFC 4180, UTF-8), one row per agreement, the columns of [`COLUMNS`].
    pub fn to_csv(&self) -> CoreResult<Vec<u8>> {
        let mut out = csv::Writer::from_writer(Vec::new());
        let fail = |e: csv::Error| CoreError::Internal(format!("open register CSV: {e}"));
        out.write_record(COLUMNS.iter().map(|c| c.name))
            .map_err(fail)?;
        for a in &self.agreements {
            let region_codes = joined(a.parties.iter().filter_map(|p| p.region_code.as_deref()));
            let country_codes = joined(a.parties.iter().filter_map(|p| p.country_code.as_deref()));
            let row = [
                a.id.as_str(),
                &a.title,
                a.cooperation_type,
                a.document_kind,
                &a.region_code,
                &a.unit_code,
                &a.unit_name,
                &a.sector,
                &date(a.signed_on),
                &date(a.effective_from),
                &date(a.effective_until),
                a.state,
                &joined(a.parties.iter().map(|p| p.name.as_str())),
                &joined(a.parties.iter().map(|p| p.kind)),
                &region_codes,
                &country_codes,
                if a.public_in_full { "true" } else { "false" },
                a.budget_idr.as_deref().unwrap_or(""),
                a.planned_benefit_idr.as_deref().unwrap_or(""),
                a.realised_benefit_idr.as_deref().unwrap_or(""),
                &a.document_number,
                &a.region_name,
                a.cooperation_type_label,
                a.document_kind_label,
                a.state_label,
                &a.sector_label,
                &joined(a.parties.iter().map(|p| p.kind_label)),
                &joined(a.parties.iter().filter_map(|p| p.region_name.as_deref())),
                a.signed_document.as_deref().unwrap_or(""),
            ]
            .map(|cell| crate::spreadsheet_cell::neutralise(cell).into_owned());
            out.write_record(&row).map_err(fail)?;
        }
        out.into_inner()
            .map_err(|e| CoreError::Internal(format!("open register CSV: {e}")))
    }

    /// JSON: `{as_of, region_code, modified, agreements: [...]}`.
    pub fn to_json(&self) -> CoreResult<Vec<u8>> {
        serde_json::to_vec_pretty(self)
            .map_err(|e| CoreError::Internal(format!("open register JSON: {e}")))
    }

    /// The dataset's description for portals to harvest: DCAT-AP as JSON-LD
    /// (namespaced keys, the context inline, the region as `dct:spatial`).
    /// `base_url` prefixes the distributions' download URLs (empty: the bare
    /// file names, for files that sit beside this one).
    pub fn dcat(&self, publisher: &str, base_url: &str) -> CoreResult<Vec<u8>> {
        let url = |file: &str| {
            if base_url.is_empty() {
                file.to_string()
            } else {
                format!("{}/{file}", base_url.trim_end_matches('/'))
            }
        };
        let region_name = self.region_code.as_deref().map(crate::regions::display);
        let scope = region_name
            .as_deref()
            .map(|name| format!(" {name}"))
            .unwrap_or_default();
        let modified = self
            .modified
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        let iri = |target: String| serde_json::json!({ "@id": target });
        let distribution = |title: &str, media: &str, file: &str| {
            serde_json::json!({
                "@type": "dcat:Distribution",
                "dct:title": title,
                "dcat:mediaType": media,
                "dcat:downloadURL": iri(url(file)),
                "dcat:accessURL": iri(url(file)),
                "dct:license": iri(LICENCE.to_string()),
            })
        };
        let mut csv = distribution("CSV", "text/csv", CSV_FILE);
        csv["dct:conformsTo"] = iri(url(DICTIONARY_FILE));
        // DCAT-AP as JSON-LD: every key in a declared namespace, the context
        // inline (a harvester needs nothing fetched to read it).
        let dataset = serde_json::json!({
            "@context": {
                "dcat": "http://www.w3.org/ns/dcat#",
                "dct": "http://purl.org/dc/terms/",
                "foaf": "http://xmlns.com/foaf/0.1/",
                "locn": "http://www.w3.org/ns/locn#",
                "skos": "http://www.w3.org/2004/02/skos/core#",
                "xsd": "http://www.w3.org/2001/XMLSchema#"
            },
            "@type": "dcat:Dataset",
            "dct:identifier": format!("kerjasama-open-register{}", self.region_code.as_deref().map(|c| format!("-{c}")).unwrap_or_default()),
            "dct:title": [
                {"@value": format!("Daftar Kerja Sama Daerah{scope}"), "@language": "id"},
                {"@value": format!("Regional cooperation agreements register{scope}"), "@language": "en"}
            ],
            "dct:description": [
                {"@value": format!("Perjanjian kerja sama daerah yang telah ditandatangani dan sedang berlaku per {} ({} perjanjian), dengan nomor dokumen, para pihak, jenis, urusan dan tanggal. Tanpa data pribadi: pihak perorangan ditulis jenisnya. Anggaran dan manfaat hanya untuk perjanjian yang dibuka penuh.", self.as_of, self.agreements.len()), "@language": "id"},
                {"@value": format!("Signed cooperation agreements in force as of {} ({} agreements), with their document numbers, partners, type, sector and dates. No personal data: individual partners appear as their kind. Budgets and benefits only for agreements published in full.", self.as_of, self.agreements.len()), "@language": "en"}
            ],
            "dct:publisher": {
                "@type": "foaf:Agent",
                "foaf:name": publisher,
            },
            "dct:spatial": match (&self.region_code, &region_name) {
                (Some(code), Some(name)) => serde_json::json!({
                    "@type": "dct:Location",
                    "skos:prefLabel": {"@value": name, "@language": "id"},
                    "dct:identifier": code,
                    "skos:inScheme": "Kode wilayah Kemendagri (Kepmendagri 300.2.2-2138/2025)",
                }),
                _ => serde_json::json!({
                    "@type": "dct:Location",
                    "skos:prefLabel": {"@value": "Indonesia", "@language": "id"},
                    "dct:identifier": "ID",
                }),
            },
            "dct:license": iri(LICENCE.to_string()),
            "dct:language": [
                iri("http://publications.europa.eu/resource/authority/language/IND".into()),
                iri("http://publications.europa.eu/resource/authority/language/ENG".into())
            ],
            "dcat:keyword": ["kerja sama daerah", "KSDD", "KSDPK", "KSDPL", "KSDLL", "perjanjian", "cooperation agreements"],
            "dct:temporal": {
                "@type": "dct:PeriodOfTime",
                "dcat:endDate": {"@value": self.as_of.to_string(), "@type": "xsd:date"},
            },
            "dct:modified": modified.map(|m| serde_json::json!({"@value": m, "@type": "xsd:dateTime"})),
            "dct:issued": {"@value": self.as_of.to_string(), "@type": "xsd:date"},
            "dcat:distribution": [
                csv,
                distribution("JSON", "application/json", JSON_FILE),
                distribution("Kamus data / Data dictionary", "text/csv", DICTIONARY_FILE),
            ],
        });
        serde_json::to_vec_pretty(&dataset)
            .map_err(|e| CoreError::Internal(format!("DCAT JSON: {e}")))
    }
}

/// The data dictionary: each column's name and description (Indonesian, English).
pub fn dictionary_csv() -> CoreResult<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| CoreError::Internal(format!("data dictionary: {e}"));
    out.write_record(["column", "keterangan", "description"])
        .map_err(fail)?;
    for c in COLUMNS {
        out.write_record([c.name, c.description_id, c.description_en])
            .map_err(fail)?;
    }
    out.into_inner()
        .map_err(|e| CoreError::Internal(format!("data dictionary: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreements::{AgreementFields, Lifecycle, Party};
    use crate::codes::{CooperationType, DocumentKind, ReportingCycle};

    fn agreement(public_in_full: bool) -> Agreement {
        Agreement {
            id: uuid::Uuid::nil(),
            fields: AgreementFields {
                region_code: "36".into(),
                title: "Kerja sama beasiswa".into(),
                cooperation_type: CooperationType::Ksdpk,
                document_kind: DocumentKind::Pks,
                parent_id: None,
                unit_code: "DISDIK".into(),
                sector: "EDUCATION".into(),
                ksdd_basis: None,
                parties: vec![
                    Party {
                        name: "Budi Santoso".into(),
                        kind: PartyKind::Individual,
                        region_code: None,
                        country_code: None,
                        document_number: "P-77".into(),
                    },
                    Party {
                        name: "Universitas Tirtayasa".into(),
                        kind: PartyKind::University,
                        region_code: None,
                        country_code: None,
                        document_number: "U-1".into(),
                    },
                ],
                document_number: "SECRET-NO-1".into(),
                objective: "internal objective".into(),
                signed_on: NaiveDate::from_ymd_opt(2026, 1, 5),
                effective_from: NaiveDate::from_ymd_opt(2026, 1, 5),
                effective_until: None,
                dprd_approval_required: false,
                budget_idr: Some(1_250_000_000),
                reporting_cycle: ReportingCycle::Quarterly,
                public_in_full,
                reports_owed_from: None,
            },
            lifecycle: Lifecycle::default(),
            state: AgreementState::Active,
            version: 1,
            create_time: Utc::now(),
            update_time: Utc::now(),
            delete_time: None,
        }
    }

    #[test]
    fn a_person_is_published_as_a_kind_and_figures_only_in_full() {
        let benefits = Benefits {
            planned: Some(BigDecimal::from(5)),
            realised: Some(BigDecimal::from(3)),
        };
        // Its signed PDF is on file, but it is not public in full.
        let public = project(
            &agreement(false),
            "Dinas Pendidikan",
            "Pendidikan",
            Some(&benefits),
            true,
        );
        assert_eq!(public.signed_document, None);
        assert_eq!(public.parties[0].name, "INDIVIDUAL");
        assert_eq!(public.parties[1].name, "Universitas Tirtayasa");
        assert_eq!(public.budget_idr, None);
        assert_eq!(public.realised_benefit_idr, None);
        let text = serde_json::to_string(&public).unwrap();
        for secret in ["Budi", "P-77", "U-1", "internal objective", "1250000000"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
        let full = project(
            &agreement(true),
            "Dinas Pendidikan",
            "Pendidikan",
            Some(&benefits),
            true,
        );
        assert!(
            full.signed_document
                .as_deref()
                .is_some_and(|d| d.ends_with("/signed.pdf"))
        );
        let without_file = project(&agreement(true), "Dinas", "Pendidikan", None, false);
        assert_eq!(without_file.signed_document, None);
        assert_eq!(full.budget_idr.as_deref(), Some("1250000000"));
        assert_eq!(full.realised_benefit_idr.as_deref(), Some("3"));
        assert_eq!(full.parties[0].name, "INDIVIDUAL");
    }

    #[test]
    fn the_csv_has_exactly_the_dictionary_columns() {
        let register = OpenRegister {
            as_of: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            region_code: Some("36".into()),
            modified: None,
            agreements: vec![project(&agreement(true), "Dinas", "Pendidikan", None, true)],
        };
        let csv = String::from_utf8(register.to_csv().unwrap()).unwrap();
        let header = csv.lines().next().unwrap();
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        assert_eq!(header, names.join(","));
        let dictionary = String::from_utf8(dictionary_csv().unwrap()).unwrap();
        assert_eq!(dictionary.lines().count(), COLUMNS.len() + 1);
    }
}
