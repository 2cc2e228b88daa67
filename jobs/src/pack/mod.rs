//! The evaluation meeting pack, for people who read it on paper and on a
//! projector. One content model ([`Pack`]) is built from a run's tables, then
//! rendered twice: a self-contained HTML page ([`html`], print-ready A4
//! landscape) and a PDF ([`pdf`], typeset in-process by typst with bundled
//! fonts). Headings are Bahasa Indonesia first (English second), numbers and
//! dates as Indonesians write them, agreements by title (their id small
//! beneath), and charts that print in greyscale ([`chart`]).

pub mod agenda;
pub mod chart;
pub mod html;
pub mod model;
pub mod pdf;

pub use model::*;

use polars::prelude::*;

use crate::decimals::decimal_text;
use crate::error::JobResult;
use crate::indonesian;
use crate::metrics::Table as MetricTable;
use crate::names::Names;
use crate::run_record::ReportRun;
use chart::{BarChart, Scale};

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
fn executive_summary(
    tables: &[MetricTable],
    run: &ReportRun,
    names: &Names,
) -> JobResult<Vec<String>> {
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
            "{} kerja sama berakhir dalam 90 hari, {} lagi dalam 91–180 hari; {} telah melewati masa berlakunya tetapi belum ditutup.",
            n("ending_within_90_days")?,
            integer(
                total(summary, "ending_within_180_days")?.0
                    - total(summary, "ending_within_90_days")?.0
            ),
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
            let units = column_strings(&per_unit, "unit_code")?;
            let counts = column_f64(&per_unit, "stages")?;
            // "Most at" only when one unit has more than every other.
            if let (Some(unit), Some(count)) = (units.first(), counts.first())
                && counts.get(1).is_none_or(|next| next < count)
            {
                line.push_str(&format!(
                    "; terbanyak di {} ({} tahapan)",
                    names.unit(unit),
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
    if let Some(missing) = find(tables, "follow_up_missing_documents") {
        let kinds = column_strings(missing, "document_type")?;
        let letters = kinds.iter().filter(|k| *k == "DPRD_APPROVAL").count();
        lines.push(if kinds.is_empty() {
            "Semua naskah yang ditandatangani dan surat persetujuan DPRD sudah tersimpan di arsip.".into()
        } else {
            format!(
                "{} dokumen belum diarsipkan: {} naskah kerja sama yang sudah ditandatangani dan {} surat persetujuan DPRD.",
                integer(kinds.len() as i128),
                integer((kinds.len() - letters) as i128),
                integer(letters as i128),
            )
        });
    }
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

/// The renewal watch list: each agreement by its document number and title,
/// its unit by name, days past the end written as such.
/// The rows of `renewal_watch` in the order a meeting takes them: agreements
/// still in force, the soonest ending first; then those past their end, the
/// most recently ended first (the oldest are the likeliest closed already).
fn renewal_order(renewal: &DataFrame) -> JobResult<Vec<usize>> {
    let mut order: Vec<(bool, i64, usize)> = (0..renewal.height())
        .map(|i| {
            let days = value_at(renewal, "days_to_end", i)?
                .extract::<i64>()
                .unwrap_or(0);
            Ok((days < 0, days.abs(), i))
        })
        .collect::<JobResult<_>>()?;
    order.sort_unstable();
    Ok(order.into_iter().map(|(_, _, i)| i).collect())
}

fn renewal_table(renewal: &DataFrame, names: &Names) -> JobResult<PackTable> {
    let shown = [
        "agreement",
        "cooperation_type",
        "document_kind",
        "unit_code",
        "effective_until",
        "days_to_end",
        "watch",
    ];
    let headers = shown
        .iter()
        .map(|c| match *c {
            "agreement" => Heading::new("Perjanjian", "Agreement"),
            "unit_code" => Heading::new("OPD", "Unit"),
            other => Heading::of_column(other),
        })
        .collect();
    let mut rows = Vec::new();
    for i in renewal_order(renewal)?.into_iter().take(MAX_LIST_ROWS) {
        let mut row = Vec::new();
        for column in shown {
            let value = value_at(renewal, column, i)?;
            let mut cell = Cell {
                text: cell_text(&value),
                numeric: is_numeric(&value),
                note: None,
            };
            match column {
                "agreement" => cell.text = names.agreement(&cell.text),
                "days_to_end" => {
                    cell.text = indonesian::days_left(value.extract::<i64>().unwrap_or(0));
                    cell.numeric = false;
                }
                "unit_code" | "watch" | "document_kind" => {
                    if let Some(label) = names.code(column, &cell.text) {
                        cell.text = label;
                    }
                }
                _ => {}
            }
            row.push(cell);
        }
        rows.push(row);
    }
    let omitted = (renewal.height() > MAX_LIST_ROWS).then(|| {
        let sheet = crate::labels::table("renewal_watch").map_or("renewal_watch", |l| l.id);
        (
            renewal.height() - MAX_LIST_ROWS,
            format!("lembar \"{sheet}\" di report.xlsx"),
        )
    });
    Ok(PackTable {
        headers,
        rows,
        total_row: false,
        omitted,
    })
}

/// What the pack says besides the tables.
#[derive(Debug, Clone, Copy)]
pub struct PackContext<'a> {
    /// Stages an import assumed done (`history_from`) by the report's date.
    pub stages_assumed_done: u64,
    /// Units, stages and agreements by name (the run's own, not a copy: at
    /// national scale the agreements' names are a million entries).
    pub names: &'a Names,
}

/// Adds `chart` to `blocks`, bounded to [`chart::MAX_CATEGORIES`] (the
/// largest first) so it fits a page, with a note pointing to the workbook
/// sheet of `table` when some were left out.
fn push_chart(
    blocks: &mut Vec<Block>,
    table: &str,
    (what, what_en): (&str, &str),
    chart: BarChart,
) {
    let (chart, left_out) = chart.top(chart::MAX_CATEGORIES);
    let shown = chart.categories.len();
    blocks.push(Block::Chart(chart));
    if left_out > 0 {
        let sheet = crate::labels::table(table).map_or(table.to_string(), |l| l.id.to_string());
        blocks.push(Block::Paragraph(format!(
            "Grafik menampilkan {shown} {what} teratas dari {all}; selengkapnya di lembar \"{sheet}\" \
             di report.xlsx. / The chart shows the top {shown} of {all} {what_en}; all are in sheet \
             \"{sheet}\" of report.xlsx.",
            all = shown + left_out
        )));
    }
}

/// The pack's content for a run, from whichever of its tables were computed.
pub fn build(tables: &[MetricTable], run: &ReportRun, context: &PackContext) -> JobResult<Pack> {
    let names = context.names;
    let mut sections = Vec::new();
    let summary_lines = executive_summary(tables, run, names)?;
    if !summary_lines.is_empty() {
        sections.push(Section {
            anchor: "ringkasan-eksekutif",
            heading: Heading::new("Ringkasan eksekutif", "Executive summary"),
            blocks: vec![Block::Sentences(summary_lines)],
        });
    }
    // The agenda: what each OPD has to answer for, item by item.
    sections.extend(agenda::sections(tables, names)?);
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
                stacked: false,
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
            push_chart(
                &mut blocks,
                "realised_benefits_rollup",
                ("OPD", "units"),
                BarChart {
                    title: format!("Manfaat rupiah {title}"),
                    categories: column_strings(&rows, "value")?
                        .into_iter()
                        .map(|v| {
                            if dimension == "unit" {
                                names.unit(&v)
                            } else {
                                v
                            }
                        })
                        .collect(),
                    series: vec![
                        ("Target".into(), column_f64(&rows, "target_value")?),
                        (
                            "Realisasi s.d. tanggal laporan / realised to date".into(),
                            column_f64(&rows, "realised_to_date")?,
                        ),
                    ],
                    scale: Scale::Rupiah,
                    stacked: false,
                },
            );
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
        let mut blocks = Vec::new();
        if per_unit.height() == 0 {
            blocks.push(Block::Paragraph(
                "Tidak ada tahapan yang terlambat. / No overdue stages.".into(),
            ));
        } else {
            push_chart(&mut blocks, "overdue_by_unit_stage", ("OPD", "units"), BarChart {
                title: "Tahapan terlambat per OPD dan lama keterlambatan (hari) / Overdue stages by unit and days overdue".into(),
                categories: column_strings(&per_unit, "unit_code")?
                    .iter()
                    .map(|u| names.unit(u))
                    .collect(),
                series: vec![
                    ("1–30".into(), column_f64(&per_unit, "days_1_30")?),
                    ("31–90".into(), column_f64(&per_unit, "days_31_90")?),
                    ("91–180".into(), column_f64(&per_unit, "days_91_180")?),
                    ("> 180".into(), column_f64(&per_unit, "days_over_180")?),
                ],
                scale: Scale::Count,
                stacked: true,
            });
        }
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
            Block::Table(renewal_table(renewal, names)?)
        };
        sections.push(Section {
            anchor: "renewal_watch",
            heading: Heading::new("Pemantauan perpanjangan", "Renewal watch"),
            blocks: vec![block],
        });
    }
    Ok(Pack {
        title: "Rapat Evaluasi Kerja Sama Daerah".into(),
        region: Names::region(run.region_code.as_deref()),
        as_of: indonesian::date(run.as_of),
        period: format!(
            "{} – {}",
            indonesian::date(run.period_start),
            indonesian::date(run.period_end)
        ),
        provenance: provenance(run),
        sections,
    })
}

/// The pack's footer, as a person reads it: when the run was asked for
/// (WIB), a short reference to the run (the first eight characters of its id,
/// enough to find it in `ListReportRuns`) and the software's version; no
/// resource name.
fn provenance(run: &ReportRun) -> String {
    // Asia/Jakarta keeps UTC+7 all year.
    let wib = run.create_time + chrono::Duration::hours(7);
    let reference: String = run.id.simple().to_string().chars().take(8).collect();
    format!(
        "Dibuat {} pukul {} WIB · ref. laporan {reference} · {}",
        indonesian::date(wib.date_naive()),
        wib.format("%H.%M"),
        run.software_version
    )
}
