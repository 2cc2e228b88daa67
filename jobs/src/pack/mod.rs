//! The evaluation meeting pack, for people who read it on paper and on a
//! projector. One content model ([`Pack`]) is built from a run's tables, then
//! rendered twice: a self-contained HTML page ([`html`], print-ready A4
//! landscape) and a PDF ([`pdf`], typeset in-process by typst with bundled
//! fonts). Headings are Bahasa Indonesia first (English second), numbers and
//! dates as Indonesians write them, agreements by title (their id small
//! beneath), and charts that print in greyscale ([`chart`]).

pub mod chart;
pub mod html;
pub mod pdf;

use polars::prelude::*;

use crate::decimals::decimal_text;
use crate::error::JobResult;
use crate::indonesian;
use crate::labels;
use crate::metrics::Table as MetricTable;
use crate::run_record::ReportRun;
use chart::{BarChart, Scale};

/// At most this many rows of a detail list are printed; the rest are counted
/// and left to the CSV named beside it.
pub const MAX_LIST_ROWS: usize = 200;

/// A heading in both languages.
#[derive(Debug, Clone)]
pub struct Heading {
    pub id: String,
    pub en: String,
}

impl Heading {
    fn new(id: &str, en: &str) -> Self {
        Self {
            id: id.into(),
            en: en.into(),
        }
    }

    fn of_column(name: &str) -> Self {
        match labels::column(name) {
            Some(l) => Self::new(l.id, l.en),
            None => Self::new(name, name),
        }
    }
}

/// One cell: its text as printed, an optional small note beneath it (an
/// agreement's id under its title), and whether it is a number (set right).
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub note: Option<String>,
    pub numeric: bool,
}

#[derive(Debug, Clone)]
pub struct PackTable {
    pub headers: Vec<Heading>,
    pub rows: Vec<Vec<Cell>>,
    /// The last row is a total (printed bold).
    pub total_row: bool,
    /// Rows left out (beyond [`MAX_LIST_ROWS`]) and the file that has them all.
    pub omitted: Option<(usize, String)>,
}

#[derive(Debug, Clone)]
pub enum Block {
    Sentences(Vec<String>),
    Paragraph(String),
    Table(PackTable),
    Chart(BarChart),
}

#[derive(Debug, Clone)]
pub struct Section {
    /// An anchor (`ringkasan-eksekutif`).
    pub anchor: &'static str,
    pub heading: Heading,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub struct Pack {
    pub title: String,
    /// The region's code, or "semua wilayah".
    pub region: String,
    pub as_of: String,
    pub period: String,
    /// The run's name and software version, for the small print.
    pub provenance: String,
    pub sections: Vec<Section>,
}

/// A table cell as Indonesians read it: `1.234`, `611.250.000,5`, `ya`/`tidak`,
/// `30 September 2026`.
fn cell_text(value: &AnyValue) -> String {
    match value {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Boolean(true) => "ya".into(),
        AnyValue::Boolean(false) => "tidak".into(),
        AnyValue::UInt32(n) => indonesian::integer(i128::from(*n)),
        AnyValue::Int32(n) => indonesian::integer(i128::from(*n)),
        AnyValue::Int64(n) => indonesian::integer(i128::from(*n)),
        AnyValue::Decimal(v, _, scale) => indonesian::decimal(&decimal_text(*v, *scale)),
        AnyValue::Float64(n) if n.is_finite() => indonesian::decimal(&format!("{n:.4}")),
        AnyValue::Date(days) => indonesian::date(crate::metrics::from_epoch_days(*days)),
        other => other.to_string(),
    }
}

fn is_numeric(value: &AnyValue) -> bool {
    matches!(
        value,
        AnyValue::UInt32(_)
            | AnyValue::Int32(_)
            | AnyValue::Int64(_)
            | AnyValue::Decimal(..)
            | AnyValue::Float64(_)
    )
}

/// How a renewal-watch code reads.
fn watch_text(code: &str) -> String {
    match code {
        "PAST_END" => "lewat masa berlaku".into(),
        "ENDS_WITHIN_90_DAYS" => "berakhir ≤ 90 hari".into(),
        "ENDS_WITHIN_180_DAYS" => "berakhir ≤ 180 hari".into(),
        other => other.into(),
    }
}

fn value_at(frame: &DataFrame, column: &str, row: usize) -> JobResult<AnyValue<'static>> {
    Ok(frame
        .column(column)?
        .as_materialized_series()
        .get(row)?
        .into_static())
}

fn column_f64(frame: &DataFrame, name: &str) -> JobResult<Vec<f64>> {
    Ok(frame
        .column(name)?
        .as_materialized_series()
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect())
}

fn column_strings(frame: &DataFrame, name: &str) -> JobResult<Vec<String>> {
    Ok(frame
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or_default().to_string())
        .collect())
}

fn find<'a>(tables: &'a [MetricTable], name: &str) -> Option<&'a DataFrame> {
    tables.iter().find(|t| t.name == name).map(|t| &t.frame)
}

/// The sum of a column over every row: (whole number, or exact decimal text).
fn total(frame: &DataFrame, name: &str) -> JobResult<(i128, String)> {
    let summed = frame.clone().lazy().select([col(name).sum()]).collect()?;
    let value = summed.column(name)?.as_materialized_series().get(0)?;
    Ok(match value {
        AnyValue::Decimal(v, _, scale) => (v / 10i128.pow(scale as u32), decimal_text(v, scale)),
        other => {
            let n = other.extract::<i64>().unwrap_or(0);
            (i128::from(n), n.to_string())
        }
    })
}

/// Overdue stages per unit, largest first, with the ageing buckets.
fn overdue_per_unit(by_unit: &DataFrame) -> JobResult<DataFrame> {
    Ok(by_unit
        .clone()
        .lazy()
        .group_by([col("unit_code")])
        .agg([
            col("days_1_30").sum(),
            col("days_31_90").sum(),
            col("days_91_180").sum(),
            col("days_over_180").sum(),
        ])
        .with_column(
            (col("days_1_30") + col("days_31_90") + col("days_91_180") + col("days_over_180"))
                .alias("stages"),
        )
        .sort(
            ["stages", "unit_code"],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .collect()?)
}

/// The executive summary: the headline figures in sentences a regional
/// secretary reads, in Bahasa Indonesia, numbers as Indonesians write them.
fn executive_summary(tables: &[MetricTable], run: &ReportRun) -> JobResult<Vec<String>> {
    use indonesian::{date, integer, rupiah};
    let Some(summary) = find(tables, "evaluation_summary") else {
        return Ok(Vec::new());
    };
    let n = |name: &str| -> JobResult<String> { Ok(integer(total(summary, name)?.0)) };
    let rp = |name: &str| -> JobResult<String> {
        let (_, exact) = total(summary, name)?;
        Ok(rupiah(&exact).unwrap_or(exact))
    };
    let mut lines = vec![
        format!(
            "Per {}: {} kerja sama aktif dari {} yang tercatat; {} ditandatangani dan {} berakhir dalam periode {} – {}.",
            date(run.as_of),
            n("active")?,
            n("agreements")?,
            n("signed_in_period")?,
            n("ended_in_period")?,
            date(run.period_start),
            date(run.period_end),
        ),
        format!(
            "{} kerja sama berakhir dalam 90 hari dan {} dalam 180 hari; {} telah melewati masa berlakunya tetapi belum ditutup.",
            n("ending_within_90_days")?,
            n("ending_within_180_days")?,
            n("past_end")?,
        ),
    ];
    let overdue = total(summary, "overdue_stages")?.0;
    if overdue == 0 {
        lines.push("Tidak ada tahapan yang terlambat.".into());
    } else {
        let mut line = format!("{} tahapan terlambat", integer(overdue));
        if let Some(by_unit) = find(tables, "overdue_by_unit_stage") {
            let per_unit = overdue_per_unit(by_unit)?;
            let over_180 = total(&per_unit, "days_over_180")?.0;
            line.push_str(&format!(
                ", {} di antaranya lebih dari 180 hari",
                integer(over_180)
            ));
            if let (Some(unit), Some(count)) = (
                column_strings(&per_unit, "unit_code")?.first(),
                column_f64(&per_unit, "stages")?.first(),
            ) {
                line.push_str(&format!(
                    "; terbanyak di {unit} ({} tahapan)",
                    integer(*count as i128)
                ));
            }
        }
        line.push('.');
        lines.push(line);
    }
    lines.push(format!(
        "Manfaat rupiah yang terealisasi: {} sampai saat ini, {} dalam periode ini.",
        rp("realised_idr_to_date")?,
        rp("realised_idr_in_period")?,
    ));
    lines.push(format!(
        "{} KSB belum ditindaklanjuti dengan PKS; {} laporan pelaksanaan belum masuk dan {} terlambat; {} kerja sama aktif belum mencatat realisasi manfaat.",
        n("ksb_without_pks")?,
        n("missing_reports")?,
        n("late_reports")?,
        n("active_without_realisation")?,
    ));
    lines.push(format!(
        "{} rekomendasi rapat evaluasi melewati batas waktu.",
        n("overdue_recommendations")?
    ));
    Ok(lines)
}

/// The evaluation summary turned on its side, so it fits a page: one row per
/// measure, one column per cooperation type, and a total.
fn summary_table(summary: &DataFrame) -> JobResult<PackTable> {
    let types = column_strings(summary, "cooperation_type")?;
    let mut headers = vec![Heading::new("Ukuran", "Measure")];
    headers.extend(types.iter().map(|t| Heading::new(t, t)));
    headers.push(Heading::new("Jumlah", "Total"));
    let mut rows = Vec::new();
    for column in summary.columns() {
        let name = column.name().as_str();
        if name == "cooperation_type" {
            continue;
        }
        let heading = Heading::of_column(name);
        let mut row = vec![Cell {
            text: format!("{} / {}", heading.id, heading.en),
            ..Cell::default()
        }];
        for i in 0..summary.height() {
            let value = value_at(summary, name, i)?;
            row.push(Cell {
                text: cell_text(&value),
                numeric: true,
                note: None,
            });
        }
        let (whole, exact) = total(summary, name)?;
        let text = if exact.contains('.') {
            indonesian::decimal(&exact)
        } else {
            indonesian::integer(whole)
        };
        row.push(Cell {
            text,
            numeric: true,
            note: None,
        });
        rows.push(row);
    }
    Ok(PackTable {
        headers,
        rows,
        total_row: false,
        omitted: None,
    })
}

/// The renewal watch list: each agreement by its title, its id beneath.
fn renewal_table(renewal: &DataFrame) -> JobResult<PackTable> {
    let shown = [
        "title",
        "cooperation_type",
        "document_kind",
        "unit_code",
        "effective_until",
        "days_to_end",
        "watch",
    ];
    let headers = shown.iter().map(|c| Heading::of_column(c)).collect();
    let mut rows = Vec::new();
    for i in 0..renewal.height().min(MAX_LIST_ROWS) {
        let mut row = Vec::new();
        for column in shown {
            let value = value_at(renewal, column, i)?;
            let mut cell = Cell {
                text: cell_text(&value),
                numeric: is_numeric(&value),
                note: None,
            };
            if column == "title" {
                let id = value_at(renewal, "agreement", i)?;
                cell.note = Some(cell_text(&id));
            }
            if column == "watch" {
                cell.text = watch_text(&cell.text);
            }
            row.push(cell);
        }
        rows.push(row);
    }
    let omitted = (renewal.height() > MAX_LIST_ROWS).then(|| {
        (
            renewal.height() - MAX_LIST_ROWS,
            "renewal_watch.csv".to_string(),
        )
    });
    Ok(PackTable {
        headers,
        rows,
        total_row: false,
        omitted,
    })
}

/// The pack's content for a run, from whichever of its tables were computed.
/// What the pack says besides the tables.
#[derive(Debug, Clone, Default)]
pub struct PackContext {
    /// Stages an import assumed done (`history_from`) by the report's date.
    pub stages_assumed_done: u64,
}

pub fn build(tables: &[MetricTable], run: &ReportRun, context: &PackContext) -> JobResult<Pack> {
    let mut sections = Vec::new();
    let summary_lines = executive_summary(tables, run)?;
    if !summary_lines.is_empty() {
        sections.push(Section {
            anchor: "ringkasan-eksekutif",
            heading: Heading::new("Ringkasan eksekutif", "Executive summary"),
            blocks: vec![Block::Sentences(summary_lines)],
        });
    }
    if let Some(summary) = find(tables, "evaluation_summary") {
        sections.push(Section {
            anchor: "evaluation_summary",
            heading: Heading::new(
                "Ringkasan evaluasi per jenis kerja sama",
                "Evaluation summary",
            ),
            blocks: vec![Block::Table(summary_table(summary)?)],
        });
    }
    if let Some(counts) = find(tables, "counts_by_type") {
        sections.push(Section {
            anchor: "counts_by_type",
            heading: Heading::new("Jumlah kerja sama per jenis", "Agreements by type"),
            blocks: vec![Block::Chart(BarChart {
                title: "Kerja sama per jenis / Agreements by type".into(),
                categories: column_strings(counts, "cooperation_type")?,
                series: vec![
                    ("Seluruhnya / total".into(), column_f64(counts, "total")?),
                    ("Aktif / active".into(), column_f64(counts, "active")?),
                    (
                        "Ditandatangani dalam periode / signed in period".into(),
                        column_f64(counts, "signed_in_period")?,
                    ),
                ],
                scale: Scale::Count,
            })],
        });
    }
    if let Some(rollup) = find(tables, "realised_benefits_rollup") {
        let mut blocks = Vec::new();
        for (dimension, title) in [
            (
                "cooperation_type",
                "per jenis kerja sama / by cooperation type",
            ),
            ("unit", "per OPD / by unit"),
        ] {
            let rows = rollup
                .clone()
                .lazy()
                .filter(
                    col("dimension")
                        .eq(lit(dimension))
                        .and(col("unit_of_measure").eq(lit("IDR"))),
                )
                .collect()?;
            if rows.height() == 0 {
                continue;
            }
            blocks.push(Block::Chart(BarChart {
                title: format!("Manfaat rupiah {title}"),
                categories: column_strings(&rows, "value")?,
                series: vec![
                    ("Target".into(), column_f64(&rows, "target_value")?),
                    (
                        "Realisasi s.d. tanggal laporan / realised to date".into(),
                        column_f64(&rows, "realised_to_date")?,
                    ),
                ],
                scale: Scale::Rupiah,
            }));
        }
        if blocks.is_empty() {
            blocks.push(Block::Paragraph(
                "Belum ada indikator manfaat dalam rupiah. / No rupiah benefit indicators yet."
                    .into(),
            ));
        }
        sections.push(Section {
            anchor: "realised_benefits",
            heading: Heading::new("Manfaat: target dan realisasi", "Realised against target"),
            blocks,
        });
    }
    if let Some(by_unit) = find(tables, "overdue_by_unit_stage") {
        let per_unit = overdue_per_unit(by_unit)?;
        let block = if per_unit.height() == 0 {
            Block::Paragraph("Tidak ada tahapan yang terlambat. / No overdue stages.".into())
        } else {
            Block::Chart(BarChart {
                title: "Tahapan terlambat per OPD dan lama keterlambatan (hari) / Overdue stages by unit and days overdue".into(),
                categories: column_strings(&per_unit, "unit_code")?,
                series: vec![
                    ("1–30".into(), column_f64(&per_unit, "days_1_30")?),
                    ("31–90".into(), column_f64(&per_unit, "days_31_90")?),
                    ("91–180".into(), column_f64(&per_unit, "days_91_180")?),
                    ("> 180".into(), column_f64(&per_unit, "days_over_180")?),
                ],
                scale: Scale::Count,
            })
        };
        let mut blocks = vec![block];
        if context.stages_assumed_done > 0 {
            let n = indonesian::integer(i128::from(context.stages_assumed_done));
            blocks.push(Block::Paragraph(format!(
                "Catatan: {n} tahapan dianggap selesai pada tanggal jatuh temponya karena jatuh tempo \
                 sebelum register ini disimpan (impor dengan tanggal awal riwayat); tahapan itu tidak \
                 dihitung terlambat. / Note: {count} stages were assumed done on their due dates because \
                 they fell due before this register was kept (an import with history_from); they are \
                 not counted as overdue.",
                count = context.stages_assumed_done
            )));
        }
        sections.push(Section {
            anchor: "overdue_stages",
            heading: Heading::new("Tahapan terlambat", "Overdue stages"),
            blocks,
        });
    }
    if let Some(renewal) = find(tables, "renewal_watch") {
        let block = if renewal.height() == 0 {
            Block::Paragraph(
                "Tidak ada kerja sama yang berakhir dalam 180 hari. / Nothing ends within 180 days."
                    .into(),
            )
        } else {
            Block::Table(renewal_table(renewal)?)
        };
        sections.push(Section {
            anchor: "renewal_watch",
            heading: Heading::new("Pemantauan perpanjangan", "Renewal watch"),
            blocks: vec![block],
        });
    }
    Ok(Pack {
        title: "Rapat Evaluasi Kerja Sama Daerah".into(),
        region: run
            .region_code
            .clone()
            .map(|code| format!("Wilayah {code}"))
            .unwrap_or_else(|| "Semua wilayah".into()),
        as_of: indonesian::date(run.as_of),
        period: format!(
            "{} – {}",
            indonesian::date(run.period_start),
            indonesian::date(run.period_end)
        ),
        provenance: format!("{}; {}", run.name(), run.software_version),
        sections,
    })
}
