//! Bar charts of the meeting pack as SVG (plotters), drawn to survive a
//! greyscale printer: the series are shades of one hue with clearly different
//! lightness and a dark outline, the legend sits in its own strip below the
//! plot (it can never cover a bar), and a count axis only ever shows whole
//! numbers.

use plotters::prelude::*;

use crate::error::{JobError, JobResult};
use crate::indonesian;

/// What the values are: it decides the axis labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Whole things (agreements, stages): integer ticks only.
    Count,
    /// Rupiah: `1,5 M` (miliar), `250 jt` (juta).
    Rupiah,
}

/// A bar chart: one group per category, one bar per series (or, `stacked`,
/// one bar per category with the series on top of each other).
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    pub categories: Vec<String>,
    pub series: Vec<(String, Vec<f64>)>,
    pub scale: Scale,
    /// The series are parts of one whole (ageing buckets): stacked.
    pub stacked: bool,
}

/// The most categories one chart shows: a horizontal chart of more would
/// not fit an A4 landscape page (30 px a category).
pub const MAX_CATEGORIES: usize = 12;

impl BarChart {
    /// The `limit` categories with the largest totals (largest first; ties in
    /// the chart's own order) and how many were left out; the chart as it is
    /// when it has no more than `limit`.
    pub fn top(mut self, limit: usize) -> (Self, usize) {
        let n = self.categories.len();
        if n <= limit {
            return (self, 0);
        }
        let total = |i: usize| -> f64 {
            self.series
                .iter()
                .map(|(_, v)| v.get(i).copied().unwrap_or(0.0))
                .sum()
        };
        let totals: Vec<f64> = (0..n).map(total).collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| totals[*b].total_cmp(&totals[*a]));
        order.truncate(limit);
        self.categories = order.iter().map(|i| self.categories[*i].clone()).collect();
        for (_, values) in &mut self.series {
            *values = order
                .iter()
                .map(|i| values.get(*i).copied().unwrap_or(0.0))
                .collect();
        }
        (self, n - limit)
    }
}

/// Light to dark blues: distinct in colour and in grey.
const SHADES: [RGBColor; 4] = [
    RGBColor(198, 219, 239),
    RGBColor(107, 174, 214),
    RGBColor(33, 113, 181),
    RGBColor(8, 48, 107),
];

const WIDTH: u32 = 900;
const HEIGHT: u32 = 360;
const LEGEND_HEIGHT: u32 = 34;
/// A category label longer than this is cut (with …) on the axis.
const MAX_LABEL_CHARS: usize = 44;

fn chart_error(e: impl std::fmt::Display) -> JobError {
    kerjasama_core::CoreError::Internal(format!("drawing a chart: {e}")).into()
}

/// The shades for `n` series, spread over the whole range.
fn shades(n: usize) -> Vec<RGBColor> {
    match n {
        0 | 1 => vec![SHADES[2]],
        2 => vec![SHADES[1], SHADES[3]],
        3 => vec![SHADES[0], SHADES[2], SHADES[3]],
        _ => (0..n).map(|i| SHADES[i % SHADES.len()]).collect(),
    }
}

/// The top of the value axis and the number of tick intervals: for counts a
/// whole step (1, 2, 5, 10, ...) so that every tick is an integer.
fn axis(max: f64, scale: Scale) -> (f64, usize) {
    let max = max.max(0.0);
    if scale == Scale::Count {
        let max = max.ceil().max(1.0);
        let mut step = 1.0;
        while max / step > 8.0 {
            step *= if (step / 10f64.powf(step.log10().floor()) - 2.0).abs() < 1e-9 {
                2.5
            } else {
                2.0
            };
        }
        let intervals = (max / step).ceil();
        return (intervals * step, intervals as usize);
    }
    let top = if max <= 0.0 { 1.0 } else { max * 1.1 };
    (top, 5)
}

/// How rupiah figures of this size are written on the axis: the divisor and
/// the axis's unit ("Rp miliar").
fn rupiah_unit(max: f64) -> (f64, &'static str) {
    if max >= 1e12 {
        (1e12, "Rp triliun")
    } else if max >= 1e9 {
        (1e9, "Rp miliar")
    } else if max >= 1e6 {
        (1e6, "Rp juta")
    } else {
        (1.0, "Rp")
    }
}

fn decimal_comma(value: f64) -> String {
    let text = format!("{value:.1}").replace('.', ",");
    text.trim_end_matches(",0").to_string()
}

fn axis_label(value: f64, scale: Scale, divisor: f64) -> String {
    match scale {
        Scale::Count => {
            if (value - value.round()).abs() < 1e-6 {
                indonesian::integer(value.round() as i128)
            } else {
                String::new()
            }
        }
        Scale::Rupiah if divisor > 1.0 => decimal_comma(value / divisor),
        Scale::Rupiah => indonesian::integer(value.round() as i128),
    }
}

/// The figure written at a bar's end.
fn value_label(value: f64, scale: Scale, divisor: f64) -> String {
    match scale {
        Scale::Count => indonesian::integer(value.round() as i128),
        Scale::Rupiah => axis_label(value, scale, divisor),
    }
}

/// A category name short enough for the axis. "Provinsi" is shortened to
/// "Prov." first; a name still too long keeps its start and its end, cut in
/// the middle (the end is what tells two OPDs of different provinces apart:
/// "Dinas Perindustrian dan… Prov. Jawa Barat").
fn cut(label: &str) -> String {
    let label = label.replace(" Provinsi ", " Prov. ");
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= MAX_LABEL_CHARS {
        return label;
    }
    // The end: the last words, up to 20 characters.
    let mut tail_start = chars.len() - 20;
    while tail_start < chars.len() && chars[tail_start - 1] != ' ' {
        tail_start += 1;
    }
    if tail_start >= chars.len() {
        tail_start = chars.len() - 20;
    }
    let tail: String = chars[tail_start..].iter().collect();
    let room = MAX_LABEL_CHARS - 2 - tail.chars().count();
    let head: String = chars[..room].iter().collect();
    format!("{}… {}", head.trim_end(), tail.trim_start())
}

/// Long or many category names read better down the side than along the
/// bottom, where they would overlap.
fn horizontal(chart: &BarChart) -> bool {
    chart.categories.len() > 6 || chart.categories.iter().any(|c| c.chars().count() > 14)
}

/// The chart as an SVG document, its text in `font` (a family the renderer
/// has: `sans-serif` in a browser, a bundled face in the PDF). Series that are
/// zero everywhere are left out (no empty legend entries); every bar carries
/// its figure, zero included, so a zero never looks like a missing bar.
pub fn svg(chart: &BarChart, font: &str) -> JobResult<String> {
    let shown: Vec<&(String, Vec<f64>)> = {
        let nonzero: Vec<_> = chart
            .series
            .iter()
            .filter(|(_, values)| values.iter().any(|v| *v != 0.0))
            .collect();
        if nonzero.is_empty() {
            chart.series.iter().take(1).collect()
        } else {
            nonzero
        }
    };
    let n = chart.categories.len().max(1);
    let horizontal = horizontal(chart);
    let height = if horizontal {
        (90 + 30 * n as u32 + LEGEND_HEIGHT).max(HEIGHT)
    } else {
        HEIGHT
    };
    let max = if chart.stacked {
        (0..n)
            .map(|i| {
                shown
                    .iter()
                    .map(|(_, v)| v.get(i).copied().unwrap_or(0.0))
                    .sum()
            })
            .fold(0.0_f64, f64::max)
    } else {
        shown
            .iter()
            .flat_map(|(_, values)| values.iter().copied())
            .fold(0.0_f64, f64::max)
    };
    let (top, intervals) = axis(max, chart.scale);
    // Room for the figures written past the longest bar.
    let top = if chart.scale == Scale::Count {
        top
    } else {
        top * 1.05
    };
    let (divisor, unit) = match chart.scale {
        Scale::Rupiah => rupiah_unit(max),
        Scale::Count => (1.0, ""),
    };
    let scale = chart.scale;
    let colours = shades(shown.len());
    let labels: Vec<String> = chart.categories.iter().map(|c| cut(c)).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let (plot, legend) = root.split_vertically(height - LEGEND_HEIGHT);
        // Bars as (category index, start, end, series) in value units.
        let mut bars: Vec<(usize, f64, f64, usize)> = Vec::new();
        let mut ends: Vec<(f64, f64, String)> = Vec::new();
        let slots = if chart.stacked { 1 } else { shown.len().max(1) };
        let width = 0.8 / slots as f64;
        for i in 0..n {
            let mut base = 0.0;
            for (k, (_, values)) in shown.iter().enumerate() {
                let v = values.get(i).copied().unwrap_or(0.0);
                if chart.stacked {
                    bars.push((i, base, base + v, k));
                    base += v;
                } else {
                    bars.push((i, 0.0, v, k));
                    let centre = i as f64 - 0.4 + (k as f64 + 0.5) * width;
                    ends.push((centre, v, value_label(v, scale, divisor)));
                }
            }
            if chart.stacked {
                ends.push((i as f64, base, value_label(base, scale, divisor)));
            }
        }
        // Category i sits at position i (vertical) or n-1-i (horizontal, so
        // the first is at the top).
        let at = |i: usize| {
            if horizontal {
                (n - 1 - i) as f64
            } else {
                i as f64
            }
        };
        let band = |i: usize, k: usize| -> (f64, f64) {
            let offset = if chart.stacked { 0 } else { k };
            let lo = at(i) - 0.4 + offset as f64 * width;
            (lo, lo + width * 0.92)
        };
        if horizontal {
            let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
            let mut cartesian = ChartBuilder::on(&plot)
                .caption(&chart.title, (font, 19))
                .margin(10)
                .x_label_area_size(36)
                .y_label_area_size((longest as u32 * 8 + 12).clamp(60, 380))
                .build_cartesian_2d(0.0..top, -0.5..n as f64 - 0.5)
                .map_err(chart_error)?;
            cartesian
                .configure_mesh()
                .disable_y_mesh()
                .light_line_style(TRANSPARENT)
                .y_labels(n)
                .x_labels(intervals + 1)
                .label_style((font, 14))
                .x_desc(unit)
                .y_label_formatter(&|y| {
                    let p = y.round();
                    if (y - p).abs() < 1e-6 && p >= 0.0 && (p as usize) < n {
                        labels[n - 1 - p as usize].clone()
                    } else {
                        String::new()
                    }
                })
                .x_label_formatter(&|x| axis_label(*x, scale, divisor))
                .draw()
                .map_err(chart_error)?;
            // A zero bar is not drawn (an empty rectangle is not valid SVG for
            // every renderer); its figure "0" is written all the same.
            for &(i, start, end, k) in bars.iter().filter(|b| b.2 > b.1) {
                let (lo, hi) = band(i, k);
                let corners = [(start, lo), (end, hi)];
                cartesian
                    .draw_series([
                        Rectangle::new(corners, colours[k].filled()),
                        Rectangle::new(corners, BLACK.stroke_width(1)),
                    ])
                    .map_err(chart_error)?;
            }
            for (centre, value, text) in &ends {
                let position = if chart.stacked {
                    at(*centre as usize)
                } else {
                    // `centre` was computed for the vertical layout.
                    let i = (centre + 0.5).floor() as usize;
                    at(i) + (centre - i as f64)
                };
                cartesian
                    .draw_series(std::iter::once(Text::new(
                        text.clone(),
                        (*value + top * 0.01, position + 0.12),
                        (font, 13),
                    )))
                    .map_err(chart_error)?;
            }
        } else {
            let mut cartesian = ChartBuilder::on(&plot)
                .caption(&chart.title, (font, 19))
                .margin(10)
                .x_label_area_size(32)
                .y_label_area_size(70)
                .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..top)
                .map_err(chart_error)?;
            cartesian
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(TRANSPARENT)
                .x_labels(n)
                .y_labels(intervals + 1)
                .label_style((font, 15))
                .y_desc(unit)
                .x_label_formatter(&|x| {
                    let i = x.round();
                    if (x - i).abs() < 1e-6 && i >= 0.0 {
                        labels.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|y| axis_label(*y, scale, divisor))
                .draw()
                .map_err(chart_error)?;
            for &(i, start, end, k) in bars.iter().filter(|b| b.2 > b.1) {
                let (lo, hi) = band(i, k);
                let corners = [(lo, start), (hi, end)];
                cartesian
                    .draw_series([
                        Rectangle::new(corners, colours[k].filled()),
                        Rectangle::new(corners, BLACK.stroke_width(1)),
                    ])
                    .map_err(chart_error)?;
            }
            for (centre, value, text) in &ends {
                cartesian
                    .draw_series(std::iter::once(Text::new(
                        text.clone(),
                        (*centre - 0.05, *value + top * 0.03),
                        (font, 13),
                    )))
                    .map_err(chart_error)?;
            }
        }
        // The legend: its own strip under the plot, one swatch per series.
        let mut x = 80;
        for (k, (name, _)) in shown.iter().enumerate() {
            legend
                .draw(&Rectangle::new(
                    [(x, 10), (x + 16, 24)],
                    colours[k].filled(),
                ))
                .map_err(chart_error)?;
            legend
                .draw(&Rectangle::new(
                    [(x, 10), (x + 16, 24)],
                    BLACK.stroke_width(1),
                ))
                .map_err(chart_error)?;
            legend
                .draw(&Text::new(name.clone(), (x + 22, 9), (font, 15)))
                .map_err(chart_error)?;
            x += 22 + 9 * name.chars().count() as i32 + 28;
        }
        root.present().map_err(chart_error)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_keep_their_start_and_the_end_that_tells_them_apart() {
        assert_eq!(
            cut("Dinas Kesehatan Provinsi Banten"),
            "Dinas Kesehatan Prov. Banten"
        );
        let banten = cut("Dinas Perindustrian dan Perdagangan Provinsi Banten");
        let jabar = cut("Dinas Perindustrian dan Perdagangan Provinsi Jawa Barat");
        assert_ne!(banten, jabar);
        assert!(jabar.ends_with("Prov. Jawa Barat"), "{jabar}");
        assert!(jabar.starts_with("Dinas Perindustrian"), "{jabar}");
        for cut_name in [&banten, &jabar] {
            assert!(cut_name.chars().count() <= MAX_LABEL_CHARS, "{cut_name}");
        }
    }

    #[test]
    fn count_axes_have_whole_ticks_only() {
        for max in [0.0, 1.0, 3.0, 4.0, 7.0, 9.0, 13.0, 40.0, 97.0, 1234.0] {
            let (top, intervals) = axis(max, Scale::Count);
            let step = top / intervals as f64;
            assert!(top >= max, "{max}: top {top}");
            assert!((1..=8).contains(&intervals), "{max}: {intervals}");
            assert!((step - step.round()).abs() < 1e-9, "{max}: step {step}");
        }
        assert_eq!(axis_label(2.5, Scale::Count, 1.0), "");
        assert_eq!(axis_label(1000.0, Scale::Count, 1.0), "1.000");
        assert_eq!(rupiah_unit(15e9), (1e9, "Rp miliar"));
        assert_eq!(axis_label(1.5e9, Scale::Rupiah, 1e9), "1,5");
        assert_eq!(axis_label(2e9, Scale::Rupiah, 1e9), "2");
        assert_eq!(rupiah_unit(250e6), (1e6, "Rp juta"));
        assert_eq!(axis_label(250e6, Scale::Rupiah, 1e6), "250");
    }

    #[test]
    fn the_legend_is_drawn_below_the_plot() {
        let chart = BarChart {
            title: "t".into(),
            categories: vec!["A".into(), "B".into()],
            series: vec![
                ("satu".into(), vec![3.0, 4.0]),
                ("dua".into(), vec![1.0, 0.0]),
                ("kosong".into(), vec![0.0, 0.0]),
            ],
            scale: Scale::Count,
            stacked: false,
        };
        let svg = svg(&chart, "sans-serif").unwrap();
        // Each legend entry is a text element in the strip under the plot.
        for name in ["satu", "dua"] {
            let element = svg
                .split("<text")
                .skip(1)
                .find(|t| t.split('>').nth(1).is_some_and(|c| c.contains(name)))
                .unwrap_or_else(|| panic!("no legend text {name} in {svg}"));
            let y: f64 = element
                .split("y=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no y in {element}"));
            assert!(
                y >= f64::from(HEIGHT - LEGEND_HEIGHT),
                "{name} at y = {y}, inside the plot"
            );
        }
        // Tick labels are distinct whole numbers.
        assert!(!svg.contains(">2,5<") && !svg.contains(">0.5<"));
        // A series that is zero everywhere has no legend entry; a zero bar
        // still carries its figure.
        assert!(!svg.contains("kosong"), "{svg}");
        let texts: Vec<String> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>').map(|(_, rest)| rest))
            .filter_map(|rest| rest.split("</text>").next())
            .map(|t| t.trim().to_string())
            .collect();
        assert!(texts.iter().any(|t| t == "0"), "{texts:?}");
    }

    #[test]
    fn long_unit_names_go_down_the_side_without_overlapping() {
        let chart = BarChart {
            title: "t".into(),
            categories: (0..14)
                .map(|i| format!("Dinas Pekerjaan Umum Bidang {i}"))
                .collect(),
            series: vec![("a".into(), (0..14).map(f64::from).collect())],
            scale: Scale::Count,
            stacked: true,
        };
        assert!(horizontal(&chart));
        let (top, left_out) = chart.clone().top(2);
        assert_eq!(left_out, chart.categories.len() - 2);
        assert_eq!(top.categories.len(), 2);
        assert!(top.series.iter().all(|(_, v)| v.len() == 2));
        let svg = svg(&chart, "sans-serif").unwrap();
        assert!(svg.contains("Bidang 13"));
        assert!(svg.contains("Bidang 0"));
    }
}
