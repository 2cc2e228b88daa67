//! The meeting's agenda: after the summary, one section per OPD (the unit
//! with the most to answer for first), listing its items so the meeting can go
//! through them one by one: overdue stages, missing and late implementation
//! reports (grouped by agreement, cycles written compactly: "Triwulan I–III
//! 2026"), overdue recommendations, documents not on file in the archive, and
//! agreements ending within 180 days or past their end. Agreements by document number and title, units and stages
//! by name. Long lists stop at [`MAX_AGENDA_ROWS`] with a pointer to the
//! workbook sheet that has them all.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use polars::prelude::*;

use super::model::{Block, Cell, Heading, PackTable, Section, find, value_at};
use crate::error::JobResult;
use crate::indonesian;
use crate::labels;
use crate::metrics::Table as MetricTable;
use crate::names::Names;

/// At most this many rows of one list of one OPD.
pub const MAX_AGENDA_ROWS: usize = 15;

/// At most this many OPD get a section of their own (a page each); the rest
/// are counted in one table (a report over many regions has hundreds).
pub const MAX_AGENDA_UNITS: usize = 30;

/// One list of one unit, in its table's order: the rows the pack shows (the
/// first [`MAX_AGENDA_ROWS`]) and how many there are. The rest are only
/// counted: at national scale a unit's list runs to thousands of rows, and
/// building every row's cells only to drop them cost a gigabyte.
#[derive(Default)]
struct List {
    shown: Vec<Vec<Cell>>,
    total: usize,
}

impl List {
    /// Counts a row, and builds its cells while the list still shows rows.
    fn push(&mut self, row: impl FnOnce() -> JobResult<Vec<Cell>>) -> JobResult<()> {
        self.total += 1;
        if self.shown.len() < MAX_AGENDA_ROWS {
            self.shown.push(row()?);
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.total
    }

    fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// One unit's items.
#[derive(Default)]
struct UnitItems {
    overdue: List,
    /// agreement → (reporting cycle, missing cycle starts, late cycle starts).
    reports: BTreeMap<String, (String, Vec<NaiveDate>, Vec<NaiveDate>)>,
    recommendations: List,
    /// Documents the archive should hold and does not.
    documents: List,
    ending: List,
}

impl UnitItems {
    fn count(&self) -> usize {
        self.overdue.len()
            + self.reports.len()
            + self.recommendations.len()
            + self.documents.len()
            + self.ending.len()
    }
}

fn text_at(frame: &DataFrame, column: &str, row: usize) -> JobResult<String> {
    Ok(match value_at(frame, column, row)? {
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Null => String::new(),
        other => other.to_string(),
    })
}

fn date_at(frame: &DataFrame, column: &str, row: usize) -> JobResult<Option<NaiveDate>> {
    Ok(match value_at(frame, column, row)? {
        AnyValue::Date(days) => Some(crate::metrics::from_epoch_days(days)),
        _ => None,
    })
}

fn int_at(frame: &DataFrame, column: &str, row: usize) -> JobResult<i64> {
    Ok(value_at(frame, column, row)?.extract::<i64>().unwrap_or(0))
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        ..Cell::default()
    }
}

fn number(n: i64) -> Cell {
    Cell {
        text: indonesian::integer(i128::from(n)),
        numeric: true,
        note: None,
    }
}

fn date_cell(date: Option<NaiveDate>) -> Cell {
    cell(date.map(indonesian::date).unwrap_or_default())
}

/// The first [`MAX_AGENDA_ROWS`] of `rows`, of `total` in all, and where the
/// rest are.
fn bounded(rows: Vec<Vec<Cell>>, total: usize, headers: Vec<Heading>, table: &str) -> PackTable {
    let rows: Vec<Vec<Cell>> = rows.into_iter().take(MAX_AGENDA_ROWS).collect();
    let sheet = labels::table(table).map_or(table.to_string(), |l| l.id.to_string());
    PackTable {
        headers,
        rows,
        total_row: false,
        omitted: (total > MAX_AGENDA_ROWS).then(|| {
            (
                total - MAX_AGENDA_ROWS,
                format!("lembar \"{sheet}\" di report.xlsx"),
            )
        }),
    }
}

/// One section per OPD with anything to answer for.
pub fn sections(tables: &[MetricTable], names: &Names) -> JobResult<Vec<Section>> {
    let mut units: HashMap<String, UnitItems> = HashMap::new();
    if let Some(frame) = find(tables, "overdue_stages") {
        for i in 0..frame.height() {
            let unit = text_at(frame, "unit_code", i)?;
            units.entry(unit).or_default().overdue.push(|| {
                Ok(vec![
                    cell(names.agreement(&text_at(frame, "agreement", i)?)),
                    cell(names.stage(&text_at(frame, "stage_code", i)?)),
                    date_cell(date_at(frame, "due_on", i)?),
                    number(int_at(frame, "days_overdue", i)?),
                ])
            })?;
        }
    }
    if let Some(frame) = find(tables, "follow_up_report_cycles") {
        for i in 0..frame.height() {
            let unit = text_at(frame, "unit_code", i)?;
            let agreement = text_at(frame, "agreement", i)?;
            let cycle = text_at(frame, "reporting_cycle", i)?;
            let Some(start) = date_at(frame, "cycle_start", i)? else {
                continue;
            };
            let entry = units
                .entry(unit)
                .or_default()
                .reports
                .entry(agreement)
                .or_insert_with(|| (cycle, Vec::new(), Vec::new()));
            match text_at(frame, "status", i)?.as_str() {
                "LATE" => entry.2.push(start),
                _ => entry.1.push(start),
            }
        }
    }
    if let Some(frame) = find(tables, "follow_up_overdue_recommendations") {
        for i in 0..frame.height() {
            let unit = text_at(frame, "responsible_unit", i)?;
            units.entry(unit).or_default().recommendations.push(|| {
                let held = date_at(frame, "held_on", i)?;
                let agreement = text_at(frame, "agreement", i)?;
                let mut text = text_at(frame, "description", i)?;
                if !agreement.is_empty() {
                    text = format!("{text} ({})", names.agreement(&agreement));
                }
                Ok(vec![
                    cell(format!(
                        "Rapat {}",
                        held.map(indonesian::date).unwrap_or_default()
                    )),
                    cell(text),
                    date_cell(date_at(frame, "due_on", i)?),
                    number(int_at(frame, "days_overdue", i)?),
                ])
            })?;
        }
    }
    if let Some(frame) = find(tables, "follow_up_missing_documents") {
        for i in 0..frame.height() {
            let unit = text_at(frame, "unit_code", i)?;
            units.entry(unit).or_default().documents.push(|| {
                let document = text_at(frame, "document_type", i)?;
                Ok(vec![
                    cell(names.agreement(&text_at(frame, "agreement", i)?)),
                    cell(names.code("document_type", &document).unwrap_or(document)),
                    date_cell(date_at(frame, "required_since", i)?),
                    number(int_at(frame, "days_missing", i)?),
                ])
            })?;
        }
    }
    if let Some(frame) = find(tables, "renewal_watch") {
        for i in super::renewal_order(frame)? {
            let unit = text_at(frame, "unit_code", i)?;
            units.entry(unit).or_default().ending.push(|| {
                let watch = text_at(frame, "watch", i)?;
                Ok(vec![
                    cell(names.agreement(&text_at(frame, "agreement", i)?)),
                    date_cell(date_at(frame, "effective_until", i)?),
                    cell(indonesian::days_left(int_at(frame, "days_to_end", i)?)),
                    cell(names.code("watch", &watch).unwrap_or(watch)),
                ])
            })?;
        }
    }

    let mut ordered: Vec<(String, UnitItems)> = units.into_iter().collect();
    ordered.sort_by(|(a, items_a), (b, items_b)| {
        items_b
            .count()
            .cmp(&items_a.count())
            .then_with(|| names.unit(a).cmp(&names.unit(b)))
    });
    let mut sections = Vec::new();
    let ordered: Vec<(String, UnitItems)> = ordered
        .into_iter()
        .filter(|(_, items)| items.count() > 0)
        .collect();
    let rest: Vec<Vec<Cell>> = ordered
        .iter()
        .skip(MAX_AGENDA_UNITS)
        .map(|(unit, items)| {
            let missing: usize = items.reports.values().map(|(_, m, _)| m.len()).sum();
            let late: usize = items.reports.values().map(|(_, _, l)| l.len()).sum();
            vec![
                cell(names.unit(unit)),
                number(items.overdue.len() as i64),
                number(missing as i64),
                number(late as i64),
                number(items.recommendations.len() as i64),
                number(items.documents.len() as i64),
                number(items.ending.len() as i64),
            ]
        })
        .collect();
    for (unit, items) in ordered.into_iter().take(MAX_AGENDA_UNITS) {
        let name = names.unit(&unit);
        let missing: usize = items.reports.values().map(|(_, m, _)| m.len()).sum();
        let late: usize = items.reports.values().map(|(_, _, l)| l.len()).sum();
        let n = |k: usize| indonesian::integer(k as i128);
        let mut blocks = vec![Block::Paragraph(format!(
            "{} tahapan terlambat; {} laporan pelaksanaan belum masuk dan {} terlambat; {} rekomendasi melewati batas waktu; {} dokumen belum diarsipkan; {} kerja sama berakhir dalam 180 hari atau telah lewat masa berlakunya.",
            n(items.overdue.len()),
            n(missing),
            n(late),
            n(items.recommendations.len()),
            n(items.documents.len()),
            n(items.ending.len()),
        ))];
        if !items.overdue.is_empty() {
            blocks.push(Block::Paragraph(
                "Tahapan terlambat / Overdue stages".into(),
            ));
            blocks.push(Block::Table(bounded(
                items.overdue.shown,
                items.overdue.total,
                vec![
                    Heading::new("Perjanjian", "Agreement"),
                    Heading::new("Tahapan", "Stage"),
                    Heading::new("Jatuh tempo", "Due"),
                    Heading::new("Hari terlambat", "Days overdue"),
                ],
                "overdue_stages",
            )));
        }
        if !items.reports.is_empty() {
            let mut rows: Vec<(String, Vec<Cell>)> = items
                .reports
                .iter()
                .map(|(agreement, (cycle, missing, late))| {
                    let label = names.agreement(agreement);
                    (
                        label.clone(),
                        vec![
                            cell(label),
                            cell(indonesian::cycles(cycle, missing)),
                            cell(indonesian::cycles(cycle, late)),
                        ],
                    )
                })
                .collect();
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            blocks.push(Block::Paragraph(
                "Laporan pelaksanaan / Implementation reports".into(),
            ));
            let total = rows.len();
            blocks.push(Block::Table(bounded(
                rows.into_iter().map(|(_, r)| r).collect(),
                total,
                vec![
                    Heading::new("Perjanjian", "Agreement"),
                    Heading::new("Belum masuk", "Missing"),
                    Heading::new("Terlambat", "Late"),
                ],
                "follow_up_report_cycles",
            )));
        }
        if !items.recommendations.is_empty() {
            blocks.push(Block::Paragraph(
                "Rekomendasi melewati batas waktu / Overdue recommendations".into(),
            ));
            blocks.push(Block::Table(bounded(
                items.recommendations.shown,
                items.recommendations.total,
                vec![
                    Heading::new("Rapat", "Meeting"),
                    Heading::new("Rekomendasi", "Recommendation"),
                    Heading::new("Batas waktu", "Due"),
                    Heading::new("Hari terlambat", "Days overdue"),
                ],
                "follow_up_overdue_recommendations",
            )));
        }
        if !items.documents.is_empty() {
            blocks.push(Block::Paragraph(
                "Dokumen belum diarsipkan / Documents not on file".into(),
            ));
            blocks.push(Block::Table(bounded(
                items.documents.shown,
                items.documents.total,
                vec![
                    Heading::new("Perjanjian", "Agreement"),
                    Heading::new("Dokumen", "Document"),
                    Heading::new("Wajib ada sejak", "Required since"),
                    Heading::new("Hari tanpa berkas", "Days without"),
                ],
                "follow_up_missing_documents",
            )));
        }
        if !items.ending.is_empty() {
            blocks.push(Block::Paragraph(
                "Berakhir dalam 180 hari atau lewat masa berlaku / Ending within 180 days or past end"
                    .into(),
            ));
            blocks.push(Block::Table(bounded(
                items.ending.shown,
                items.ending.total,
                vec![
                    Heading::new("Perjanjian", "Agreement"),
                    Heading::new("Berlaku sampai", "In force until"),
                    Heading::new("Sisa masa berlaku", "Days left"),
                    Heading::new("Keterangan", "Watch"),
                ],
                "renewal_watch",
            )));
        }
        sections.push(Section {
            anchor: "agenda-opd",
            heading: Heading::new(&format!("Agenda OPD: {name}"), "Unit agenda"),
            blocks,
        });
    }
    if !rest.is_empty() {
        let count = rest.len();
        let mut table = bounded(
            rest,
            count,
            vec![
                Heading::new("OPD", "Unit"),
                Heading::new("Tahapan terlambat", "Overdue stages"),
                Heading::new("Laporan belum masuk", "Reports missing"),
                Heading::new("Laporan terlambat", "Reports late"),
                Heading::new("Rekomendasi", "Recommendations"),
                Heading::new("Dokumen", "Documents"),
                Heading::new("Berakhir", "Ending"),
            ],
            "overdue_by_unit_stage",
        );
        table.omitted = (count > MAX_AGENDA_ROWS).then(|| {
            (
                count - MAX_AGENDA_ROWS,
                "report.xlsx (lembar per tabel)".to_string(),
            )
        });
        sections.push(Section {
            anchor: "agenda-opd-lainnya",
            heading: Heading::new("Agenda OPD lainnya", "Other units"),
            blocks: vec![
                Block::Paragraph(format!(
                    "{} OPD lainnya juga memiliki butir tindak lanjut; rinciannya ada di workbook. / {} more units have items; the workbook lists them.",
                    indonesian::integer(count as i128),
                    count
                )),
                Block::Table(table),
            ],
        });
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit with more overdue stages than the agenda shows: the first
    /// [`MAX_AGENDA_ROWS`] in the table's order, the rest counted.
    #[test]
    fn a_long_list_shows_its_first_rows_and_counts_every_row() {
        let n = MAX_AGENDA_ROWS + 5;
        let agreements: Vec<String> = (0..n).map(|i| format!("agreements/{i:02}")).collect();
        let frame = df!(
            "unit_code" => vec!["DINKES"; n],
            "agreement" => agreements.clone(),
            "stage_code" => vec!["DRAFTING"; n],
            "due_on" => (0..n as i32).map(|d| 20_000 + d).collect::<Vec<i32>>(),
            "days_overdue" => (0..n as i64).collect::<Vec<i64>>(),
        )
        .unwrap()
        .lazy()
        .with_column(col("due_on").cast(DataType::Date))
        .collect()
        .unwrap();
        let tables = vec![MetricTable {
            name: "overdue_stages",
            frame,
        }];
        let named: Vec<(String, String, String)> = agreements
            .iter()
            .enumerate()
            .map(|(i, a)| (a.clone(), format!("NO/{i:02}"), format!("Judul {i:02}")))
            .collect();
        let named: Vec<(&str, &str, &str)> = named
            .iter()
            .map(|(a, n, t)| (a.as_str(), n.as_str(), t.as_str()))
            .collect();
        let names = Names::for_tests(&[("DINKES", "Dinas Kesehatan")], &named);
        let sections = sections(&tables, &names).unwrap();
        assert_eq!(sections.len(), 1);
        let blocks = &sections[0].blocks;
        let Block::Paragraph(summary) = &blocks[0] else {
            panic!("{blocks:?}")
        };
        assert!(
            summary.starts_with(&format!("{n} tahapan terlambat")),
            "{summary}"
        );
        let table = blocks
            .iter()
            .find_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
            .unwrap();
        assert_eq!(table.rows.len(), MAX_AGENDA_ROWS);
        assert_eq!(table.rows[0][0].text, "NO/00 — Judul 00");
        assert_eq!(
            table.rows[MAX_AGENDA_ROWS - 1][0].text,
            format!(
                "NO/{:02} — Judul {:02}",
                MAX_AGENDA_ROWS - 1,
                MAX_AGENDA_ROWS - 1
            )
        );
        assert_eq!(table.omitted.as_ref().map(|(more, _)| *more), Some(5));
    }
}
