//! The names people read in place of codes and ids: a unit (OPD) by its
//! display name, a stage by its Indonesian name, a sector and a unit of
//! measure by name, an agreement by its document number and title, a region
//! by its Kemendagri name, and every fixed code list through
//! [`kerjasama_core::code_labels`]. Loaded once per run, beside the register;
//! the pack, the workbook and the digests read them. CSV and Parquet keep
//! the codes (the machine contract) and gain, at the end, a name column for
//! each code column a person would otherwise need the catalogue to read
//! ([`with_name_columns`]).

use std::collections::HashMap;

use kerjasama_core::code_labels;
use kerjasama_core::regions;
use polars::prelude::{Column, DataFrame, IntoColumn, PolarsResult, StringChunkedBuilder};

use crate::error::JobResult;
use crate::load::Register;

/// A name in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub id: String,
    pub en: String,
}

#[derive(Debug, Clone, Default)]
pub struct Names {
    units: HashMap<String, String>,
    stages: HashMap<String, Name>,
    sectors: HashMap<String, Name>,
    measurement_units: HashMap<String, Name>,
    /// `agreements/{id}` → (document number, title).
    agreements: HashMap<String, (String, String)>,
}

impl Names {
    /// The catalogues from the database, and every agreement of the register.
    pub async fn load(client: &tokio_postgres::Client, register: &Register) -> JobResult<Names> {
        let pairs = |rows: Vec<tokio_postgres::Row>| -> HashMap<String, Name> {
            rows.into_iter()
                .map(|row| {
                    (
                        row.get::<_, String>(0),
                        Name {
                            id: row.get(1),
                            en: row.get(2),
                        },
                    )
                })
                .collect()
        };
        let units = client
            .query("SELECT code, display_name FROM units", &[])
            .await?
            .into_iter()
            .map(|row| (row.get::<_, String>(0), row.get::<_, String>(1)))
            .collect();
        let stages = pairs(
            client
                .query("SELECT code, name_id, name_en FROM stage_definitions", &[])
                .await?,
        );
        let sectors = pairs(
            client
                .query("SELECT code, name_id, name_en FROM sectors", &[])
                .await?,
        );
        let measurement_units = pairs(
            client
                .query("SELECT code, name_id, name FROM measurement_units", &[])
                .await?,
        );
        Ok(Names {
            units,
            stages,
            sectors,
            measurement_units,
            agreements: agreements_of(&register.agreements)?,
        })
    }

    /// A unit (OPD) by its display name; its code when unknown.
    pub fn unit(&self, code: &str) -> String {
        self.units
            .get(code)
            .filter(|n| !n.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// A stage by its Indonesian name; its code when unknown.
    pub fn stage(&self, code: &str) -> String {
        self.stages
            .get(code)
            .map(|n| n.id.clone())
            .unwrap_or_else(|| code.to_string())
    }

    /// `415.4/12-HUK/2023 — Pengelolaan sampah regional`, or the title alone
    /// when the agreement has no document number (yet).
    pub fn agreement(&self, name: &str) -> String {
        match self.agreements.get(name) {
            Some((number, title)) if !number.trim().is_empty() => format!("{number} — {title}"),
            Some((_, title)) => title.clone(),
            None => name.to_string(),
        }
    }

    /// An agreement's document number (empty when it has none).
    pub fn number(&self, name: &str) -> String {
        self.agreements
            .get(name)
            .map(|(number, _)| number.clone())
            .unwrap_or_default()
    }

    /// "Provinsi Banten", "Kota Serang"; "Semua wilayah" for none.
    pub fn region(code: Option<&str>) -> String {
        match code {
            Some(code) => regions::display(code),
            None => "Semua wilayah".to_string(),
        }
    }

    /// The Indonesian name of a code in a column of that list (units, stages,
    /// sectors, units of measure, regions, and every fixed code list); `None`
    /// for a column that holds no code.
    pub fn code(&self, column: &str, code: &str) -> Option<String> {
        if code.is_empty() {
            return None;
        }
        let from = |map: &HashMap<String, Name>| map.get(code).map(|n| n.id.clone());
        match column {
            "unit_code" | "responsible_unit" => Some(self.unit(code)),
            "stage_code" => Some(self.stage(code)),
            "sector" => from(&self.sectors),
            "unit_of_measure" => from(&self.measurement_units),
            "region_code" | "party_region_code" => Some(regions::display(code)),
            _ => code_labels::for_column(column, code).map(|l| l.id.to_string()),
        }
    }

    /// The English name, as [`Names::code`].
    pub fn code_en(&self, column: &str, code: &str) -> Option<String> {
        if code.is_empty() {
            return None;
        }
        let from = |map: &HashMap<String, Name>| map.get(code).map(|n| n.en.clone());
        match column {
            "unit_code" | "responsible_unit" => Some(self.unit(code)),
            "stage_code" => from(&self.stages),
            "sector" => from(&self.sectors),
            "unit_of_measure" => from(&self.measurement_units),
            "region_code" | "party_region_code" => Some(regions::display(code)),
            _ => code_labels::for_column(column, code).map(|l| l.en.to_string()),
        }
    }

    /// Names for tests and for outputs made without a database.
    #[cfg(test)]
    pub fn for_tests(units: &[(&str, &str)], agreements: &[(&str, &str, &str)]) -> Names {
        Names {
            units: units
                .iter()
                .map(|(c, n)| (c.to_string(), n.to_string()))
                .collect(),
            agreements: agreements
                .iter()
                .map(|(a, n, t)| (a.to_string(), (n.to_string(), t.to_string())))
                .collect(),
            ..Names::default()
        }
    }
}

fn agreements_of(frame: &DataFrame) -> JobResult<HashMap<String, (String, String)>> {
    let names = frame.column("agreement")?.str()?;
    let numbers = frame.column("document_number")?.str()?;
    let titles = frame.column("title")?.str()?;
    Ok((0..frame.height())
        .filter_map(|i| {
            Some((
                names.get(i)?.to_string(),
                (
                    numbers.get(i).unwrap_or_default().to_string(),
                    titles.get(i).unwrap_or_default().to_string(),
                ),
            ))
        })
        .collect())
}

/// The code columns a person needs a name for, with the name column's
/// machine name: `agreement` → `document_number`, `parent` →
/// `parent_document_number`, `unit_code` → `unit_name`, `stage_code` →
/// `stage_name`, `region_code` → `region_name`, any other → `<column>_name`.
pub fn name_column(column: &str) -> Option<String> {
    Some(match column {
        "agreement" => "document_number".into(),
        "unit_code" => "unit_name".into(),
        "stage_code" => "stage_name".into(),
        "parent" => "parent_document_number".into(),
        "region_code" => "region_name".into(),
        "sector" => "sector_name".into(),
        "responsible_unit" | "unit_of_measure" | "document_kind" | "state" | "status" | "watch"
        | "category" | "reporting_cycle" | "beneficiary" | "gap" | "document_type" => {
            format!("{column}_name")
        }
        _ => return None,
    })
}

impl Names {
    /// The names of a code column's values (a document number for
    /// `agreement` and `parent`), as a text column called `name`. Built in
    /// place: a document number is copied straight into the column, and each
    /// distinct code is named once (a detail table at national scale has
    /// millions of rows and a few dozen codes).
    pub fn names_of(&self, column: &str, name: &str, frame: &DataFrame) -> Option<Column> {
        let values = frame.column(column).ok()?.str().ok()?;
        let mut built = StringChunkedBuilder::new(name.into(), values.len());
        if column == "agreement" || column == "parent" {
            for value in values.iter() {
                built.append_option(value.map(|code| {
                    self.agreements
                        .get(code)
                        .map_or("", |(number, _)| number.as_str())
                }));
            }
        } else {
            let mut named: HashMap<&str, String> = HashMap::new();
            for value in values.iter() {
                built.append_option(value.map(|code| {
                    named
                        .entry(code)
                        .or_insert_with(|| self.code(column, code).unwrap_or_default())
                        .as_str()
                }));
            }
        }
        Some(built.finish().into_column())
    }
}

/// `frame` with, at the end (so every existing column keeps its place), a
/// name column for each code column of [`name_column`], in Bahasa Indonesia.
pub fn with_name_columns(frame: &DataFrame, names: &Names) -> PolarsResult<DataFrame> {
    let mut columns: Vec<Column> = frame.columns().to_vec();
    for column in frame.columns() {
        let code = column.name().as_str();
        let Some(name) = name_column(code) else {
            continue;
        };
        if frame.column(&name).is_ok() {
            continue;
        }
        if let Some(texts) = names.names_of(code, &name, frame) {
            columns.push(texts);
        }
    }
    DataFrame::new(frame.height(), columns)
}
