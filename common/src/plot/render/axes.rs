//! A panel's axes as matplotlib draws them: data ranges with 5% margins, ticks spaced
//! for their labels, wrapped titles, categorical labels, the frame and the grid.

use std::ops::Range;

use anyhow::Result;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::text::{PLOTTERS_FONT, Sizes, TITLE_PX, Y_LABEL_AREA};
use super::{Area, Chart, err};
use crate::plot::spec::{Axes, RcParams, Series, Style};

/// Data range with matplotlib's 5% margins, unless the axes fix it.
pub(crate) fn range_of(values: impl Iterator<Item = f64>, fixed: Option<(f64, f64)>) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
    let (mut a, mut b) = (lo - pad, hi + pad);
    if let Some((fa, fb)) = fixed {
        if fa.is_finite() {
            a = fa;
        }
        if fb.is_finite() {
            b = fb;
        }
    }
    a..b
}

/// Every coordinate a series touches (bars include their base and both sides).
pub(crate) fn extent(series: &[Series]) -> (Vec<f64>, Vec<f64>) {
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for s in series {
        for &(x, y) in &s.points {
            match s.style {
                Style::Bars { width, .. } => {
                    xs.extend([x - width / 2.0, x + width / 2.0]);
                    ys.extend([0.0, y]);
                }
                _ => {
                    xs.push(x);
                    ys.push(y);
                }
            }
        }
    }
    (xs, ys)
}

pub(crate) fn build_chart<'a, DB: DrawingBackend>(
    area: &'a Area<DB>,
    axes: &Axes,
    x: Range<f64>,
    y: Range<f64>,
    sizes: Sizes,
) -> Result<Chart<'a, DB>> {
    // room for the longest categorical label at about 0.6 em (7.5 page pixels) a character
    let longest = |labels: &Vec<String>| {
        labels
            .iter()
            .map(|l| sizes.px(l.chars().count() as u32 * 15 / 2 + 14))
            .max()
            .unwrap_or(0)
    };
    let x_label_area = match &axes.x_tick_labels {
        Some(labels) if axes.x_tick_rotation => longest(labels).max(sizes.px(40)),
        Some(_) => sizes.px(40),
        None if axes.xlabel.is_empty() => sizes.px(24),
        None => sizes.px(40),
    };
    // The title, drawn here rather than as plotters' one-line caption so that a long one
    // wraps; the chart starts below it.
    let margin = sizes.px(6);
    let lines = sizes.title_lines(&axes.title, area.dim_in_pixel().0, axes.rc);
    let line_height = (sizes.font_size(TITLE_PX) / PLOTTERS_FONT * 1.25).round() as u32;
    let font = sizes
        .title_font(axes.rc)
        .pos(Pos::new(HPos::Center, VPos::Top));
    let centre = area.dim_in_pixel().0 as i32 / 2;
    for (i, line) in lines.iter().enumerate() {
        let top = (margin + i as u32 * line_height) as i32;
        area.draw(&Text::new(line.as_str(), (centre, top), font.clone()))
            .map_err(err)?;
    }
    let title_height = match lines.len() {
        0 => 0,
        n => n as u32 * line_height + sizes.px(4),
    };
    // A number tick's label is centred on its tick, and the last tick can sit at the right
    // edge: room for half of the longest such label, so that it is not cut off there.
    let margin_right = match &axes.x_tick_labels {
        None => {
            let last = short_number(x.start.abs().max(x.end.abs()));
            margin.max(sizes.px(last.chars().count() as u32 * 15 / 4 + 2))
        }
        Some(_) => margin,
    };
    let mut chart = ChartBuilder::on(area)
        .margin(margin)
        .margin_top(margin + title_height)
        .margin_right(margin_right)
        .x_label_area_size(x_label_area)
        .y_label_area_size(match &axes.y_tick_labels {
            Some(labels) => longest(labels).max(sizes.px(Y_LABEL_AREA)),
            None => sizes.px(Y_LABEL_AREA),
        })
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    let x_labels = axes.x_tick_labels.clone();
    let y_labels = axes.y_tick_labels.clone();
    let category = |labels: &Option<Vec<String>>, v: f64| -> String {
        match labels {
            Some(labels) if (v - v.round()).abs() < 1e-6 && v >= -0.5 => {
                labels.get(v.round() as usize).cloned().unwrap_or_default()
            }
            Some(_) => String::new(),
            None => short_number(v),
        }
    };
    let x_fmt = |v: &f64| category(&x_labels, *v);
    let y_fmt = |v: &f64| category(&y_labels, *v);
    let (x_ticks, y_ticks) = sizes.tick_counts(chart.plotting_area().dim_in_pixel());
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh()
        .x_desc(&axes.xlabel)
        .y_desc(&axes.ylabel)
        .label_style(sizes.label_font())
        .axis_desc_style(sizes.axis_font(axes.rc))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt);
    // Categorical ticks and their text are drawn by `categorical_labels`, one per label,
    // after the data: plotters would place its own evenly spaced ticks. An empty list keeps
    // plotters' ticks without their text (`xticklabels=[]`).
    let categorical = |labels: &Option<Vec<String>>| labels.as_ref().is_some_and(|l| !l.is_empty());
    mesh.x_labels(if categorical(&axes.x_tick_labels) {
        0
    } else {
        x_ticks
    })
    .y_labels(if categorical(&axes.y_tick_labels) {
        0
    } else {
        y_ticks
    });
    mesh.draw().map_err(err)?;
    if axes.grid {
        grid(&mut chart, sizes)?;
    }
    Ok(chart)
}

/// Dashed grid lines at the tick positions, in matplotlib's `grid(color=[.9,.9,.9])` grey.
pub(super) fn grid<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, sizes: Sizes) -> Result<()> {
    let (x, y) = (chart.x_range(), chart.y_range());
    // at the ticks `build_chart` numbered
    let (x_ticks, y_ticks) = sizes.tick_counts(chart.plotting_area().dim_in_pixel());
    let style = RGBColor(230, 230, 230).stroke_width(1);
    let dashed =
        |points: [(f64, f64); 2]| DashedLineSeries::new(points, sizes.px(4), sizes.px(3), style);
    for v in RangedCoordf64::from(x.clone()).key_points(x_ticks) {
        chart
            .draw_series(dashed([(v, y.start), (v, y.end)]))
            .map_err(err)?;
    }
    for v in RangedCoordf64::from(y.clone()).key_points(y_ticks) {
        chart
            .draw_series(dashed([(x.start, v), (x.end, v)]))
            .map_err(err)?;
    }
    Ok(())
}

/// The top and right spines matplotlib draws by default (plotters draws only the left and
/// bottom axes).
pub(crate) fn frame<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    area: &Area<DB>,
    axes: &Axes,
) -> Result<()> {
    if axes.rc == RcParams::OpenBold {
        return Ok(());
    }
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let (x0, y0) = (
        area.get_pixel_range().0.start,
        area.get_pixel_range().1.start,
    );
    let (left, right) = (xs.start - x0, xs.end - x0 - 1);
    let (top, bottom) = (ys.start - y0, ys.end - y0 - 1);
    area.draw(&PathElement::new(
        [(left, top), (right, top), (right, bottom)],
        BLACK,
    ))
    .map_err(err)
}

/// Categorical ticks, one at each labelled position: x labels below the axis, horizontal
/// (matplotlib's default) or written vertically reading bottom to top when the axes ask
/// for `labelrotation=90`; y labels left of it.
pub(crate) fn categorical_labels<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    area: &Area<DB>,
    axes: &Axes,
    sizes: Sizes,
) -> Result<()> {
    let tick = sizes.px(5) as i32;
    let (x_range, y_range) = chart.plotting_area().get_pixel_range();
    let (x0, y0) = (
        area.get_pixel_range().0.start,
        area.get_pixel_range().1.start,
    );
    let labelled = |labels: &Option<Vec<String>>| -> Vec<(usize, String)> {
        labels
            .iter()
            .flatten()
            .cloned()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .collect()
    };
    let below = if axes.x_tick_rotation {
        sizes
            .label_font()
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Right, VPos::Center))
    } else {
        sizes.label_font().pos(Pos::new(HPos::Center, VPos::Top))
    };
    let bottom = y_range.end - y0;
    for (i, label) in labelled(&axes.x_tick_labels) {
        let (x, _) = chart.backend_coord(&(i as f64, 0.0));
        let x = x - x0;
        area.draw(&PathElement::new([(x, bottom), (x, bottom + tick)], BLACK))
            .map_err(err)?;
        area.draw(&Text::new(label, (x, bottom + tick + 3), below.clone()))
            .map_err(err)?;
    }
    let horizontal = sizes.label_font().pos(Pos::new(HPos::Right, VPos::Center));
    let left = x_range.start - x0;
    for (i, label) in labelled(&axes.y_tick_labels) {
        let (_, y) = chart.backend_coord(&(0.0, i as f64));
        let y = y - y0;
        area.draw(&PathElement::new([(left - tick, y), (left, y)], BLACK))
            .map_err(err)?;
        area.draw(&Text::new(label, (left - tick - 3, y), horizontal.clone()))
            .map_err(err)?;
    }
    Ok(())
}

/// Tick text without float noise: `0.1` not `0.10000000000000003`.
pub(crate) fn short_number(v: f64) -> String {
    // Ticks computed as sums of steps land a rounding error away from zero.
    if v.abs() < 1e-12 {
        return "0".into();
    }
    let magnitude = v.abs();
    let text = if (1e-3..1e5).contains(&magnitude) {
        format!("{v:.4}")
    } else {
        format!("{v:.1e}")
    };
    if text.contains('e') {
        text
    } else {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_numbers_are_short() {
        assert_eq!(short_number(0.1 + 0.2), "0.3");
        assert_eq!(short_number(-0.15), "-0.15");
        assert_eq!(short_number(20000.0), "20000");
        assert_eq!(short_number(0.0), "0");
    }
}
