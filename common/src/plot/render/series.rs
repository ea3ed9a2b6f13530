//! An x–y panel's series: lines, markers and bars, and the legend (placed by [`super::legend`]).

use std::ops::Range;

use anyhow::Result;
use plotters::element::ComposedElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axes::{build_chart, categorical_labels, extent, frame, grid, range_of};
use super::legend::{Obstacles, best_position};
use super::text::{FONT, Sizes};
use super::{Area, Chart, err};
use crate::plot::image::blit;
use crate::plot::spec::{Marker, Series, Style, XyPanel};

pub(crate) fn draw_xy<DB: DrawingBackend>(
    panel: &XyPanel,
    area: &Area<DB>,
    sizes: Sizes,
) -> Result<()> {
    let (xs, ys) = extent(&panel.series);
    let x = range_of(xs.into_iter(), panel.axes.xlim);
    let mut y = range_of(ys.into_iter(), panel.axes.ylim);
    // bars stand on the axis, as matplotlib's sticky edges keep them (no margin below 0)
    let bars = |s: &Series| matches!(s.style, Style::Bars { .. });
    if panel.axes.ylim.is_none()
        && panel.series.iter().any(bars)
        && panel
            .series
            .iter()
            .flat_map(|s| &s.points)
            .all(|&(_, v)| v >= 0.0)
    {
        y.start = 0.0;
    }
    let inside = |&(px, py): &(f64, f64)| {
        let within = |v: f64, r: &Range<f64>| v >= r.start.min(r.end) && v <= r.start.max(r.end);
        within(px, &x) && within(py, &y)
    };
    let mut chart = build_chart(area, &panel.axes, x.clone(), y.clone(), sizes)?;
    // plotters clamps points outside the axes onto the frame; leave them out instead, as
    // matplotlib clips them (a line is cut at its last point inside).
    let drawn: Vec<Series> = panel
        .series
        .iter()
        .map(|series| Series {
            label: series.label.clone(),
            points: match series.style {
                // a reference line's infinite end is the edge of the axes (axvline, axhline)
                Style::Dashed { .. } => series
                    .points
                    .iter()
                    .map(|&(px, py)| (edge(px, &x), edge(py, &y)))
                    .collect(),
                Style::Bars { .. } | Style::Segments { .. } | Style::Text { .. } => {
                    series.points.clone()
                }
                _ => series.points.iter().copied().filter(inside).collect(),
            },
            style: series.style.clone(),
        })
        .collect();
    let markers: usize = drawn
        .iter()
        .filter(|series| matches!(series.style, Style::Markers { .. }))
        .map(|series| series.points.len())
        .sum();
    let raster = markers > RASTERIZE_ABOVE;
    if raster {
        draw_raster(&chart, area, &drawn, (x, y), panel.axes.grid, sizes)?;
    }
    for series in &drawn {
        if raster && !matches!(series.style, Style::Text { .. }) {
            // drawn in the raster: here only its legend key
            let key = Series {
                label: series.label.clone(),
                points: Vec::new(),
                style: series.style.clone(),
            };
            draw_series(&mut chart, &key, sizes)?;
        } else {
            draw_series(&mut chart, series, sizes)?;
        }
    }
    categorical_labels(&chart, area, &panel.axes, sizes)?;
    frame(&chart, area, &panel.axes)?;
    // A panel without a labelled series has no legend (plotters would draw an empty box).
    if panel.legend && drawn.iter().any(|series| series.label.is_some()) {
        draw_legend(&mut chart, &drawn, sizes)?;
    }
    Ok(())
}

/// Above this many markers a panel's series (all but its texts) are drawn as one raster
/// image, as matplotlib's `rasterized=True` does. Why: plotters writes two SVG elements a
/// marker, so lesson 4's projections of 30,522 tokens made a 5.7 MB SVG, held as one
/// string while it was drawn (the most memory beside the matrix) and slow for a page to show.
const RASTERIZE_ABOVE: usize = 5_000;

/// Draws `drawn` (all but its texts) into an RGB image of the plotting area, white where
/// nothing is drawn, over the grid when the axes have one, and places it on `area`. A
/// chart of the image's size maps data to the same pixels as `chart` (plotters maps a range
/// onto its area's pixels from its first), so the pixels are those a bitmap gets drawn
/// directly, but for markers that cross the axes' edge: the image cuts them there, as
/// matplotlib clips, where a panel drawn as vectors lets them cross.
fn draw_raster<DB: DrawingBackend>(
    chart: &Chart<DB>,
    area: &Area<DB>,
    drawn: &[Series],
    (x, y): (Range<f64>, Range<f64>),
    with_grid: bool,
    sizes: Sizes,
) -> Result<()> {
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (w, h) = (
        (px.end - px.start).max(1) as u32,
        (py.end - py.start).max(1) as u32,
    );
    let mut pixels = vec![255u8; w as usize * h as usize * 3];
    {
        let layer = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
        let mut layer_chart = ChartBuilder::on(&layer)
            .build_cartesian_2d(x, y)
            .map_err(err)?;
        if with_grid {
            grid(&mut layer_chart, sizes)?;
        }
        for series in drawn {
            if !matches!(series.style, Style::Text { .. }) {
                draw_series(&mut layer_chart, series, sizes)?;
            }
        }
        layer.present().map_err(err)?;
    }
    blit(area, (px.start, py.start), (w, h), pixels)
}

/// The legend of the labelled lines, where it covers the least data (matplotlib's
/// `loc="best"`, [`best_position`]).
fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    drawn: &[Series],
    sizes: Sizes,
) -> Result<()> {
    let font = sizes.label_font();
    // plotters' legend box: the labels' text, a 30-pixel key and a 10-pixel margin around
    let mut text = MultiLineText::<(i32, i32), &str>::new((0, 0), &font);
    for series in drawn {
        // the styles `draw_series` gives a key: lines, dashes, bars and markers
        let keyed = matches!(
            series.style,
            Style::Line { .. }
                | Style::Dashed { .. }
                | Style::Bars { .. }
                | Style::Markers { .. }
                | Style::MarkedLine { .. }
        );
        if let (Some(label), true) = (&series.label, keyed) {
            text.push_line(label.as_str());
        }
    }
    let (w, h) = text.estimate_dimension().map_err(err)?;
    let (area_w, area_h) = chart.plotting_area().dim_in_pixel();
    let position = best_position(
        (area_w as f64, area_h as f64),
        ((w + 30 + 20) as f64, (h + 20) as f64),
        &Obstacles::of(chart, drawn),
    );
    chart
        .configure_series_labels()
        .label_font(font)
        .legend_area_size(30)
        .margin(10)
        .background_style(WHITE.mix(0.85))
        .border_style(crate::plot::GRAY.rgb())
        .position(position)
        .draw()
        .map_err(err)
}

/// `v`, or the near (−∞) or far (+∞) end of `range` when `v` is infinite.
fn edge(v: f64, range: &Range<f64>) -> f64 {
    if v == f64::NEG_INFINITY {
        range.start.min(range.end)
    } else if v == f64::INFINITY {
        range.start.max(range.end)
    } else {
        v
    }
}

fn draw_series<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    series: &Series,
    sizes: Sizes,
) -> Result<()> {
    let points = series.points.iter().copied();
    match &series.style {
        Style::Line { color, width } => {
            let style = color.rgb().stroke_width(sizes.px(*width).max(1));
            // plotters joins thick polyline segments with mitres, which spike far past the
            // data at sharp turns (a histogram's narrow peak); separate segments have no joins.
            let points: Vec<(f64, f64)> = points.collect();
            let segments = points
                .windows(2)
                .map(|w| PathElement::new(vec![w[0], w[1]], style));
            let anno = chart.draw_series(segments).map_err(err)?;
            if let Some(label) = &series.label {
                anno.label(label.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
            }
        }
        Style::Dashed { color, width } => {
            let style = color.rgb().stroke_width(sizes.px(*width).max(1));
            let anno = chart
                .draw_series(DashedLineSeries::new(
                    points,
                    sizes.px(6),
                    sizes.px(4),
                    style,
                ))
                .map_err(err)?;
            if let Some(label) = &series.label {
                // two dashes with a gap, as matplotlib keys a dashed line (one path through
                // the four points would be drawn solid)
                anno.label(label.as_str()).legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(0, 0), (8, 0)], style)
                        + PathElement::new(vec![(12, 0), (20, 0)], style)
                });
            }
        }
        Style::Segments { color, width } => {
            let style = color.rgb().stroke_width(sizes.px(*width).max(1));
            let segments = series
                .points
                .chunks_exact(2)
                .map(|p| PathElement::new(vec![p[0], p[1]], style));
            chart.draw_series(segments).map_err(err)?;
        }
        Style::Bars { width, face, edge } => {
            let half = width / 2.0;
            let fill = face.rgb().filled();
            let anno = chart
                .draw_series(
                    points
                        .clone()
                        .map(|(x, y)| Rectangle::new([(x - half, 0.0), (x + half, y)], fill)),
                )
                .map_err(err)?;
            if let Some(label) = &series.label {
                anno.label(label.as_str())
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], fill));
            }
            chart
                .draw_series(points.map(|(x, y)| {
                    Rectangle::new([(x - half, 0.0), (x + half, y)], edge.rgb().stroke_width(1))
                }))
                .map_err(err)?;
        }
        Style::Markers {
            marker,
            size,
            face,
            edge,
        } => {
            draw_markers(
                chart,
                &series.points,
                series.label.as_deref(),
                *marker,
                sizes.px(*size) as i32,
                face.style(),
                edge.rgb(),
            )?;
        }
        Style::MarkedLine {
            color,
            width,
            marker,
            size,
            face,
        } => {
            let line = Series::line(None, series.points.clone(), *color, *width);
            draw_series(chart, &line, sizes)?;
            let s = sizes.px(*size) as i32;
            draw_markers(
                chart,
                &series.points,
                None,
                *marker,
                s,
                face.style(),
                color.rgb(),
            )?;
            if let Some(label) = &series.label {
                let stroke = color.rgb().stroke_width(sizes.px(*width).max(1));
                let (fill, outline) = (face.style().filled(), color.rgb().stroke_width(1));
                let key = s.max(2);
                let anno = chart
                    .draw_series(std::iter::empty::<EmptyElement<(f64, f64), DB>>())
                    .map_err(err)?
                    .label(label.as_str());
                // The line across the key's 20 pixels, the series' marker in the middle.
                let line = move |at| {
                    EmptyElement::at(at) + PathElement::new(vec![(0, 0), (20, 0)], stroke)
                };
                let (mid, marker) = ((10, 0), *marker);
                match marker {
                    Marker::Circle => {
                        anno.legend(move |at| line(at) + circle(mid, key, fill, outline))
                    }
                    Marker::Plus => anno.legend(move |at| line(at) + plus(mid, key, outline)),
                    Marker::Square | Marker::Diamond | Marker::Hexagon => {
                        anno.legend(move |at| line(at) + polygon(mid, marker, key, fill, outline))
                    }
                };
            }
        }
        Style::Text { texts, size } => {
            let font = (FONT, sizes.font_size(*size as f64))
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom));
            chart
                .draw_series(
                    series
                        .points
                        .iter()
                        .zip(texts)
                        .map(|(&p, t)| Text::new(t.clone(), p, font.clone())),
                )
                .map_err(err)?;
        }
    }
    Ok(())
}

/// Marker outline (in pixels around the point) for the polygon-shaped markers.
fn marker_outline(marker: Marker, s: i32) -> Vec<(i32, i32)> {
    match marker {
        Marker::Square => vec![(-s, -s), (s, -s), (s, s), (-s, s)],
        Marker::Diamond => vec![(0, -s), (s, 0), (0, s), (-s, 0)],
        _ => (0..6)
            .map(|k| {
                let a = std::f64::consts::FRAC_PI_3 * k as f64 + std::f64::consts::FRAC_PI_2;
                (
                    (s as f64 * a.cos()).round() as i32,
                    (s as f64 * a.sin()).round() as i32,
                )
            })
            .collect(),
    }
}

/// Draws `points` as `marker`s of radius `s` pixels; a labelled series gets one marker,
/// at least 2 pixels in radius, as its key.
fn draw_markers<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    points: &[(f64, f64)],
    label: Option<&str>,
    marker: Marker,
    s: i32,
    face: RGBAColor,
    edge: RGBColor,
) -> Result<()> {
    let points = points.iter().copied();
    let (fill, outline) = (face.filled(), edge.stroke_width(1));
    let key = s.max(2);
    // The key's marker sits in the middle of the legend's 20-pixel key area.
    let mid = |(x, y): BackendCoord| (x + 10, y);
    match marker {
        Marker::Circle => {
            let anno = chart
                .draw_series(points.map(|p| circle(p, s, fill, outline)))
                .map_err(err)?;
            if let Some(label) = label {
                anno.label(label)
                    .legend(move |at| circle(mid(at), key, fill, outline));
            }
        }
        Marker::Plus => {
            let anno = chart
                .draw_series(points.map(|p| plus(p, s, outline)))
                .map_err(err)?;
            if let Some(label) = label {
                anno.label(label)
                    .legend(move |at| plus(mid(at), key, outline));
            }
        }
        Marker::Square | Marker::Diamond | Marker::Hexagon => {
            let anno = chart
                .draw_series(points.map(|p| polygon(p, marker, s, fill, outline)))
                .map_err(err)?;
            if let Some(label) = label {
                anno.label(label)
                    .legend(move |at| polygon(mid(at), marker, key, fill, outline));
            }
        }
    }
    Ok(())
}

/// A point in backend pixels.
type BackendCoord = (i32, i32);

/// A marker: an anchor at the point, and two shapes in pixels around it.
type Marked<C, DB, A, B> = ComposedElement<C, DB, A, B>;

/// A filled circle of radius `s` pixels with its outline, at `at`.
fn circle<C, DB: DrawingBackend>(
    at: C,
    s: i32,
    fill: ShapeStyle,
    outline: ShapeStyle,
) -> Marked<C, DB, Circle<BackendCoord, i32>, Circle<BackendCoord, i32>> {
    EmptyElement::at(at) + Circle::new((0, 0), s, fill) + Circle::new((0, 0), s, outline)
}

/// A plus sign `s` pixels each way, at `at`.
fn plus<C, DB: DrawingBackend>(
    at: C,
    s: i32,
    outline: ShapeStyle,
) -> Marked<C, DB, PathElement<BackendCoord>, PathElement<BackendCoord>> {
    EmptyElement::at(at)
        + PathElement::new(vec![(-s, 0), (s, 0)], outline)
        + PathElement::new(vec![(0, -s), (0, s)], outline)
}

/// A filled square, diamond or hexagon of half-size `s` pixels with its outline, at `at`.
fn polygon<C, DB: DrawingBackend>(
    at: C,
    marker: Marker,
    s: i32,
    fill: ShapeStyle,
    outline: ShapeStyle,
) -> Marked<C, DB, Polygon<BackendCoord>, PathElement<BackendCoord>> {
    let corners = marker_outline(marker, s);
    let mut closed = corners.clone();
    closed.push(corners[0]);
    EmptyElement::at(at) + Polygon::new(corners, fill) + PathElement::new(closed, outline)
}
