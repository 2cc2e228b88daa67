//! The meeting pack: one self-contained, printable HTML file per run (no
//! external assets) with the summary table, charts drawn as inline SVG by
//! plotters (counts by type, realised against target, overdue stages by unit
//! and ageing) and the renewal watch list.

use plotters::prelude::*;
use polars::prelude::*;

use crate::error::{JobError, JobResult};
use crate::metrics::Table;
use crate::output::decimal_text;
use crate::runs::ReportRun;

pub const FILE_NAME: &str = "meeting_pack.html";

const PALETTE: [RGBColor; 4] = [
    RGBColor(31, 94, 158),
    RGBColor(230, 145, 56),
    RGBColor(106, 168, 79),
    RGBColor(204, 65, 37),
];

fn chart_error(e: impl std::fmt::Display) -> JobError {
    kerjasama_core::CoreError::Internal(format!("drawing a chart: {e}")).into()
}

/// A grouped bar chart as an SVG string: one group per category, one bar per series.
pub fn bar_chart(
    title: &str,
    categories: &[String],
    series: &[(&str, Vec<f64>)],
) -> JobResult<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (760, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let max = series
            .iter()
            .flat_map(|(_, values)| values.iter().copied())
            .fold(0.0_f64, f64::max)
            .max(1.0);
        let n = categories.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..max * 1.15)
            .map_err(chart_error)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(categories.len().max(1))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    categories.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| format_number(*y))
            .draw()
            .map_err(chart_error)?;
        let width = 0.8 / series.len().max(1) as f64;
        for (k, (name, values)) in series.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            chart
                .draw_series(values.iter().enumerate().map(|(i, v)| {
                    let x0 = i as f64 - 0.4 + k as f64 * width;
                    Rectangle::new([(x0, 0.0), (x0 + width * 0.95, *v)], color.filled())
                }))
                .map_err(chart_error)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(chart_error)?;
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

fn format_number(value: f64) -> String {
    if value.abs() >= 1e12 {
        format!("{:.1} T", value / 1e12)
    } else if value.abs() >= 1e9 {
        format!("{:.1} M", value / 1e9)
    } else if value.abs() >= 1e6 {
        format!("{:.1} jt", value / 1e6)
    } else {
        format!("{value:.0}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A table cell as Indonesians read it: `1.234`, `611.250.000,5`, `ya`/`tidak`,
/// `30 September 2026`.
fn cell(value: AnyValue) -> String {
    use crate::indonesian;
    match value {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => escape(s),
        AnyValue::StringOwned(s) => escape(s.as_str()),
        AnyValue::Boolean(true) => "ya".into(),
        AnyValue::Boolean(false) => "tidak".into(),
        AnyValue::UInt32(n) => indonesian::integer(i128::from(n)),
        AnyValue::Int32(n) => indonesian::integer(i128::from(n)),
        AnyValue::Int64(n) => indonesian::integer(i128::from(n)),
        AnyValue::Decimal(v, _, scale) => indonesian::decimal(&decimal_text(v, scale)),
        AnyValue::Float64(n) if n.is_finite() => indonesian::decimal(&format!("{n:.4}")),
        AnyValue::Date(days) => {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
            indonesian::date(epoch + chrono::Duration::days(i64::from(days)))
        }
        other => escape(&other.to_string()),
    }
}

/// An HTML table of a frame (header row and every row).
fn html_table(frame: &DataFrame, id: &str) -> String {
    let mut html = format!("<table id=\"{id}\"><thead><tr>");
    for column in frame.columns() {
        html.push_str(&format!("<th>{}</th>", escape(column.name().as_str())));
    }
    html.push_str("</tr></thead><tbody>");
    for row in 0..frame.height() {
        html.push_str("<tr>");
        for column in frame.columns() {
            let value = column
                .as_materialized_series()
                .get(row)
                .unwrap_or(AnyValue::Null);
            html.push_str(&format!("<td>{}</td>", cell(value)));
        }
        html.push_str("</tr>");
    }
    html.push_str("</tbody></table>");
    html
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

fn find<'a>(tables: &'a [Table], name: &str) -> Option<&'a DataFrame> {
    tables.iter().find(|t| t.name == name).map(|t| &t.frame)
}

/// The pack for a run, from whichever of its tables were computed.
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

/// The executive summary: the headline figures in sentences a regional
/// secretary reads, in Bahasa Indonesia, numbers as Indonesians write them.
fn executive_summary(tables: &[Table], run: &ReportRun) -> JobResult<String> {
    use crate::indonesian::{date, integer, rupiah};
    let Some(summary) = find(tables, "evaluation_summary") else {
        return Ok(String::new());
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
            let per_unit = by_unit
                .clone()
                .lazy()
                .group_by([col("unit_code")])
                .agg([
                    (col("days_1_30")
                        + col("days_31_90")
                        + col("days_91_180")
                        + col("days_over_180"))
                    .sum()
                    .alias("stages"),
                    col("days_over_180").sum().alias("over_180"),
                ])
                .sort(
                    ["stages", "unit_code"],
                    SortMultipleOptions::default().with_order_descending_multi([true, false]),
                )
                .collect()?;
            let over_180 = total(&per_unit, "over_180")?.0;
            line.push_str(&format!(
                ", {} di antaranya lebih dari 180 hari",
                integer(over_180)
            ));
            if let (Some(unit), Some(count)) = (
                column_strings(&per_unit, "unit_code")?.first(),
                column_f64(&per_unit, "stages")?.first(),
            ) {
                line.push_str(&format!(
                    "; terbanyak di {} ({} tahapan)",
                    escape(unit),
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
    let items: String = lines.iter().map(|l| format!("<li>{l}</li>")).collect();
    Ok(format!(
        "<section id=\"ringkasan-eksekutif\"><h2>Ringkasan eksekutif / Executive summary</h2><ul>{items}</ul></section>"
    ))
}

pub fn render(tables: &[Table], run: &ReportRun) -> JobResult<String> {
    let mut body = executive_summary(tables, run)?;
    if let Some(summary) = find(tables, "evaluation_summary") {
        body.push_str("<h2>Ringkasan evaluasi / Evaluation summary</h2>");
        body.push_str(&html_table(summary, "evaluation_summary"));
    }
    if let Some(counts) = find(tables, "counts_by_type") {
        let types = column_strings(counts, "cooperation_type")?;
        body.push_str("<h2>Jumlah kerja sama per jenis / Agreements by type</h2>");
        body.push_str(&bar_chart(
            "Agreements by cooperation type",
            &types,
            &[
                ("total", column_f64(counts, "total")?),
                ("active", column_f64(counts, "active")?),
                ("signed in period", column_f64(counts, "signed_in_period")?),
            ],
        )?);
    }
    if let Some(rollup) = find(tables, "realised_benefits_rollup") {
        body.push_str("<h2>Manfaat: realisasi dan target / Realised against target</h2>");
        for (dimension, title) in [
            ("cooperation_type", "by cooperation type"),
            ("unit", "by unit"),
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
            body.push_str(&bar_chart(
                &format!("Rupiah benefits {title}"),
                &column_strings(&rows, "value")?,
                &[
                    ("target", column_f64(&rows, "target_value")?),
                    ("realised to date", column_f64(&rows, "realised_to_date")?),
                ],
            )?);
        }
    }
    if let Some(by_unit) = find(tables, "overdue_by_unit_stage") {
        let per_unit = by_unit
            .clone()
            .lazy()
            .group_by([col("unit_code")])
            .agg([
                col("days_1_30").sum(),
                col("days_31_90").sum(),
                col("days_91_180").sum(),
                col("days_over_180").sum(),
            ])
            .sort(["unit_code"], SortMultipleOptions::default())
            .collect()?;
        body.push_str("<h2>Tahapan terlambat / Overdue stages</h2>");
        if per_unit.height() == 0 {
            body.push_str("<p>No overdue stages.</p>");
        } else {
            body.push_str(&bar_chart(
                "Overdue stages by unit and ageing (days)",
                &column_strings(&per_unit, "unit_code")?,
                &[
                    ("1-30", column_f64(&per_unit, "days_1_30")?),
                    ("31-90", column_f64(&per_unit, "days_31_90")?),
                    ("91-180", column_f64(&per_unit, "days_91_180")?),
                    (">180", column_f64(&per_unit, "days_over_180")?),
                ],
            )?);
        }
    }
    if let Some(renewal) = find(tables, "renewal_watch") {
        body.push_str("<h2>Perpanjangan / Renewal watch</h2>");
        body.push_str(&html_table(renewal, "renewal_watch"));
    }
    let region = run.region_code.as_deref().unwrap_or("semua wilayah");
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"id\"><head><meta charset=\"utf-8\">\
         <title>Rapat Evaluasi Kerja Sama Daerah: {as_of}</title>\
         <style>body{{font-family:sans-serif;margin:2em;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0;font-size:12px}}\
         th,td{{border:1px solid #bbb;padding:3px 6px;text-align:right}}\
         th{{background:#eee}}td:first-child,th:first-child{{text-align:left}}\
         h2{{page-break-after:avoid;margin-top:1.5em}}svg{{max-width:100%;height:auto}}\
         @media print{{body{{margin:0}}h2{{page-break-before:auto}}}}</style></head>\
         <body><h1>Rapat Evaluasi Kerja Sama Daerah</h1>\
         <p>Per <strong>{as_of_id}</strong>; periode {start_id} – {end_id}; {region}; {name}; {version}.</p>\
         {body}</body></html>\n",
        as_of = run.as_of,
        as_of_id = crate::indonesian::date(run.as_of),
        start_id = crate::indonesian::date(run.period_start),
        end_id = crate::indonesian::date(run.period_end),
        region = escape(region),
        name = run.name(),
        version = escape(&run.software_version),
    ))
}
