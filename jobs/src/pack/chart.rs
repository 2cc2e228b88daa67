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

/// A grouped bar chart: one group per category, one bar per series.
#[derive(Debug, Clone)]
pub struct BarChart {
    pub title: String,
    pub categories: Vec<String>,
    pub series: Vec<(String, Vec<f64>)>,
    pub scale: Scale,
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

fn axis_label(value: f64, scale: Scale) -> String {
    match scale {
        Scale::Count => {
            if (value - value.round()).abs() < 1e-6 {
                indonesian::integer(value.round() as i128)
            } else {
                String::new()
            }
        }
        Scale::Rupiah => {
            let short = |v: f64, unit: &str| {
                let text = format!("{v:.1}").replace('.', ",");
                format!("{} {unit}", text.trim_end_matches(",0"))
            };
            if value.abs() >= 1e12 {
                short(value / 1e12, "T")
            } else if value.abs() >= 1e9 {
                short(value / 1e9, "M")
            } else if value.abs() >= 1e6 {
                short(value / 1e6, "jt")
            } else {
                indonesian::integer(value.round() as i128)
            }
        }
    }
}

/// The chart as an SVG document, its text in `font` (a family the renderer
/// has: `sans-serif` in a browser, a bundled face in the PDF).
pub fn svg(chart: &BarChart, font: &str) -> JobResult<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(chart_error)?;
        let (plot, legend) = root.split_vertically(HEIGHT - LEGEND_HEIGHT);
        let max = chart
            .series
            .iter()
            .flat_map(|(_, values)| values.iter().copied())
            .fold(0.0_f64, f64::max);
        let (top, intervals) = axis(max, chart.scale);
        let n = chart.categories.len().max(1) as f64;
        let mut cartesian = ChartBuilder::on(&plot)
            .caption(&chart.title, (font, 19))
            .margin(10)
            .x_label_area_size(32)
            .y_label_area_size(70)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..top)
            .map_err(chart_error)?;
        let categories = &chart.categories;
        let scale = chart.scale;
        cartesian
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(categories.len().max(1))
            .y_labels(intervals + 1)
            .label_style((font, 15))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    categories.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| axis_label(*y, scale))
            .draw()
            .map_err(chart_error)?;
        let colours = shades(chart.series.len());
        let width = 0.8 / chart.series.len().max(1) as f64;
        for (k, (_, values)) in chart.series.iter().enumerate() {
            let colour = colours[k];
            let x_of = move |i: usize| i as f64 - 0.4 + k as f64 * width;
            cartesian
                .draw_series(values.iter().enumerate().map(|(i, v)| {
                    Rectangle::new(
                        [(x_of(i), 0.0), (x_of(i) + width * 0.92, *v)],
                        colour.filled(),
                    )
                }))
                .map_err(chart_error)?;
            cartesian
                .draw_series(
                    values
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| **v > 0.0)
                        .map(|(i, v)| {
                            Rectangle::new(
                                [(x_of(i), 0.0), (x_of(i) + width * 0.92, *v)],
                                BLACK.stroke_width(1),
                            )
                        }),
                )
                .map_err(chart_error)?;
        }
        // The legend: its own strip under the plot, one swatch per series.
        let mut x = 80;
        for (k, (name, _)) in chart.series.iter().enumerate() {
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
    fn count_axes_have_whole_ticks_only() {
        for max in [0.0, 1.0, 3.0, 4.0, 7.0, 9.0, 13.0, 40.0, 97.0, 1234.0] {
            let (top, intervals) = axis(max, Scale::Count);
            let step = top / intervals as f64;
            assert!(top >= max, "{max}: top {top}");
            assert!((1..=8).contains(&intervals), "{max}: {intervals}");
            assert!((step - step.round()).abs() < 1e-9, "{max}: step {step}");
        }
        assert_eq!(axis_label(2.5, Scale::Count), "");
        assert_eq!(axis_label(1000.0, Scale::Count), "1.000");
        assert_eq!(axis_label(1.5e9, Scale::Rupiah), "1,5 M");
        assert_eq!(axis_label(2e9, Scale::Rupiah), "2 M");
        assert_eq!(axis_label(250e6, Scale::Rupiah), "250 jt");
    }

    #[test]
    fn the_legend_is_drawn_below_the_plot() {
        let chart = BarChart {
            title: "t".into(),
            categories: vec!["A".into(), "B".into()],
            series: vec![
                ("satu".into(), vec![3.0, 4.0]),
                ("dua".into(), vec![1.0, 0.0]),
            ],
            scale: Scale::Count,
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
    }
}
