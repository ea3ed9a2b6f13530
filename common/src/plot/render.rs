//! Drawing a [`Figure`] with plotters, to SVG and PNG.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::image::draw_image;
use super::spec::{Axes, Figure, Marker, Panel, RcParams, Series, Style, XyPanel};

pub(super) const FONT: &str = "sans-serif";

/// The width, in CSS pixels, the book shows a figure at (mdbook's content column).
pub const PAGE_WIDTH: u32 = 750;

/// The text's least size on the book's page, in CSS pixels (the font's em): matplotlib's
/// 10 pt tick and axis labels and its 12 pt ("large") titles, in that proportion, with the
/// smallest at 12 px so that a student reads them at the page's width. A figure narrow
/// enough for matplotlib's own text to come out larger on the page gets matplotlib's.
pub(super) const TICK_PX: f64 = 12.0;
const AXIS_LABEL_PX: f64 = 12.0;
const TITLE_PX: f64 = 14.4;

/// The most numbered ticks on an axis: matplotlib's 9 intervals.
const MAX_TICKS: usize = 10;

/// Page pixels left of a panel for its y tick labels ("-0.005") and the axis label.
const Y_LABEL_AREA: u32 = 66;

/// plotters writes a font of size `s` as CSS `font-size: s / 1.24` (its SVG backend) and
/// lays text out at the same em, so sizes given to it are this much larger than the em.
const PLOTTERS_FONT: f64 = 1.24;

/// matplotlib's 10 pt labels in CSS pixels on the page, for a figure `width` pixels wide
/// at the notebooks' 100 pixels an inch: its SVG is `0.96 × width` CSS pixels wide (72 pt
/// an inch), shown at most at the column's width.
fn matplotlib_label_px(width: u32) -> f64 {
    let css_width = 0.96 * width as f64;
    10.0 * 4.0 / 3.0 * (PAGE_WIDTH as f64 / css_width).min(1.0)
}

/// Text and spacing sizes for one figure. A figure wider than the book's column is shown
/// scaled down to it, so its text and spacing are drawn larger by the same factor: every
/// figure's text lands on the page at the sizes above, or matplotlib's where larger.
#[derive(Clone, Copy)]
pub(super) struct Sizes {
    /// Figure pixels a page pixel.
    scale: f64,
    /// How much larger than the least sizes the text is (matplotlib's on a narrow figure).
    text: f64,
}

impl Sizes {
    pub(super) fn of(figure: &Figure) -> Self {
        Sizes {
            scale: (figure.width as f64 / PAGE_WIDTH as f64).max(1.0),
            text: (matplotlib_label_px(figure.width) / TICK_PX).max(1.0),
        }
    }

    /// `n` page pixels in figure pixels.
    pub(super) fn px(self, n: u32) -> u32 {
        (n as f64 * self.scale).round() as u32
    }

    /// The plotters font size for text of least size `page_px` CSS pixels on the page.
    pub(super) fn font_size(self, page_px: f64) -> f64 {
        page_px * self.text * self.scale * PLOTTERS_FONT
    }

    /// At most how many numbered ticks fit a plotting area of `(width, height)` figure
    /// pixels with room between their labels: 4 em apart across ("10000" is 3), 2 em up;
    /// at least 2, at most [`MAX_TICKS`]. (matplotlib's locator likewise spaces ticks by
    /// the labels' size, 3 and 2 font sizes, in at most 9 intervals.)
    pub(super) fn tick_counts(self, (width, height): (u32, u32)) -> (usize, usize) {
        let em = TICK_PX * self.text * self.scale;
        let fit = |pixels: u32, spacing: f64| {
            ((pixels as f64 / (spacing * em)) as usize).clamp(2, MAX_TICKS)
        };
        (fit(width, 4.0), fit(height, 2.0))
    }

    /// Tick labels and text in panels.
    pub(super) fn label_font<'a>(self) -> TextStyle<'a> {
        (FONT, self.font_size(TICK_PX)).into_font().into()
    }

    fn axis_font<'a>(self, rc: RcParams) -> TextStyle<'a> {
        (FONT, self.font_size(AXIS_LABEL_PX), weight(rc))
            .into_font()
            .into()
    }

    fn title_font<'a>(self, rc: RcParams) -> TextStyle<'a> {
        (FONT, self.font_size(TITLE_PX), weight(rc))
            .into_font()
            .into()
    }

    /// A title's lines in a panel `width` figure pixels wide: one line when it fits at
    /// about 0.6 em a character (0.66 in bold), otherwise wrapped between words, so that
    /// it never runs into the next panel nor shrinks below the page's title size.
    fn title_lines(self, title: &str, width: u32, rc: RcParams) -> Vec<String> {
        let em_per_char = match rc {
            RcParams::Matplotlib => 0.6,
            RcParams::OpenBold => 0.66,
        };
        let em = TITLE_PX * self.text * self.scale;
        wrap(title, (width as f64 / (em_per_char * em)) as usize)
    }
}

/// `text` in lines of at most `chars` characters, broken between words (a longer word
/// stays whole on its own line).
fn wrap(text: &str, chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= chars => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../../assets/fonts/DejaVuSans.ttf"),
        )
        .is_ok()
            && plotters::style::register_font(
                FONT,
                FontStyle::Bold,
                include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf"),
            )
            .is_ok()
    });
    if ok {
        Ok(())
    } else {
        bail!("the bundled font could not be loaded")
    }
}

fn weight(rc: RcParams) -> FontStyle {
    match rc {
        RcParams::Matplotlib => FontStyle::Normal,
        RcParams::OpenBold => FontStyle::Bold,
    }
}

/// Writes `dir/stem.svg` and `dir/stem.png`; returns both paths. Every text is drawn as
/// [`crate::run::text::figure`] gives it, so the SVG is well-formed XML whatever a token holds.
pub fn save(mut figure: Figure, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    figure.map_texts(|text| crate::run::text::figure(text).into_owned());
    let figure = &figure;
    register_font()?;
    let svg = dir.join(format!("{stem}.svg"));
    let png = dir.join(format!("{stem}.png"));
    let text = draw_svg(figure).with_context(|| format!("cannot draw {}", svg.display()))?;
    std::fs::write(&svg, text).map_err(|e| anyhow!("cannot write {}: {e}", svg.display()))?;
    {
        let area = BitMapBackend::new(&png, (figure.width, figure.height)).into_drawing_area();
        draw_figure(figure, &area).with_context(|| format!("cannot draw {}", png.display()))?;
        area.present()
            .map_err(|e| anyhow!("cannot write {}: {e}", png.display()))?;
    }
    Ok(vec![svg, png])
}

/// The SVG [`save`] writes for `figure`, as text.
pub fn svg(mut figure: Figure) -> Result<String> {
    figure.map_texts(|text| crate::run::text::figure(text).into_owned());
    register_font()?;
    draw_svg(&figure)
}

fn draw_svg(figure: &Figure) -> Result<String> {
    let mut text = String::new();
    {
        let area =
            SVGBackend::with_string(&mut text, (figure.width, figure.height)).into_drawing_area();
        draw_figure(figure, &area)?;
        area.present().map_err(err)?;
    }
    Ok(text)
}

pub(super) type Area<DB> = DrawingArea<DB, Shift>;
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub(super) fn err(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow!("plotting failed: {e:?}")
}

pub(super) fn draw_figure<DB: DrawingBackend>(figure: &Figure, area: &Area<DB>) -> Result<()> {
    area.fill(&WHITE).map_err(err)?;
    let sizes = Sizes::of(figure);
    let cell_w = figure.width as f64 / figure.cols as f64;
    let cell_h = figure.height as f64 / figure.rows as f64;
    for placed in &figure.panels {
        let x = (placed.col as f64 * cell_w).round() as u32;
        let y = (placed.row as f64 * cell_h).round() as u32;
        let w = (placed.col_span as f64 * cell_w).round() as u32;
        let h = (placed.row_span as f64 * cell_h).round() as u32;
        let cell = area.clone().shrink((x, y), (w, h));
        match &placed.panel {
            Panel::Xy(panel) => draw_xy(panel, &cell, sizes)?,
            Panel::Image(panel) => draw_image(panel, &cell, sizes)?,
        }
    }
    Ok(())
}

/// Data range with matplotlib's 5% margins, unless the axes fix it.
fn range_of(values: impl Iterator<Item = f64>, fixed: Option<(f64, f64)>) -> Range<f64> {
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
fn extent(series: &[Series]) -> (Vec<f64>, Vec<f64>) {
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

pub(super) fn build_chart<'a, DB: DrawingBackend>(
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
    let mut chart = ChartBuilder::on(area)
        .margin(margin)
        .margin_top(margin + title_height)
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
fn grid<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, sizes: Sizes) -> Result<()> {
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
pub(super) fn frame<DB: DrawingBackend>(
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
pub(super) fn categorical_labels<DB: DrawingBackend>(
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
pub(super) fn short_number(v: f64) -> String {
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

fn draw_xy<DB: DrawingBackend>(panel: &XyPanel, area: &Area<DB>, sizes: Sizes) -> Result<()> {
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
    for series in &panel.series {
        // plotters clamps points outside the axes onto the frame; leave them out instead, as
        // matplotlib clips them (a line is cut at its last point inside).
        let points: Vec<(f64, f64)> = match series.style {
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
        };
        let label = series.label.clone();
        draw_series(
            &mut chart,
            &Series {
                label,
                points,
                style: series.style.clone(),
            },
            sizes,
        )?;
    }
    categorical_labels(&chart, area, &panel.axes, sizes)?;
    frame(&chart, area, &panel.axes)?;
    if panel.legend {
        chart
            .configure_series_labels()
            .label_font(sizes.label_font())
            .background_style(WHITE.mix(0.85))
            .border_style(super::GRAY.rgb())
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
    }
    Ok(())
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

fn draw_series<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
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
            chart
                .draw_series(DashedLineSeries::new(
                    points,
                    sizes.px(6),
                    sizes.px(4),
                    color.rgb().stroke_width(sizes.px(*width).max(1)),
                ))
                .map_err(err)?;
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
            chart
                .draw_series(points.clone().map(|(x, y)| {
                    Rectangle::new([(x - half, 0.0), (x + half, y)], face.rgb().filled())
                }))
                .map_err(err)?;
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
                *marker,
                sizes.px(*size) as i32,
                face.style(),
                edge.rgb(),
            )?;
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

fn draw_markers<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    points: &[(f64, f64)],
    marker: Marker,
    s: i32,
    face: RGBAColor,
    edge: RGBColor,
) -> Result<()> {
    let outline = edge.stroke_width(1);
    let points = points.iter().copied();
    match marker {
        Marker::Circle => {
            chart
                .draw_series(points.map(|p| {
                    EmptyElement::at(p)
                        + Circle::new((0, 0), s, face.filled())
                        + Circle::new((0, 0), s, outline)
                }))
                .map_err(err)?;
        }
        Marker::Plus => {
            chart
                .draw_series(points.map(|p| {
                    EmptyElement::at(p)
                        + PathElement::new(vec![(-s, 0), (s, 0)], outline)
                        + PathElement::new(vec![(0, -s), (0, s)], outline)
                }))
                .map_err(err)?;
        }
        Marker::Square | Marker::Diamond | Marker::Hexagon => {
            let shape = marker_outline(marker, s);
            let mut closed = shape.clone();
            closed.push(shape[0]);
            chart
                .draw_series(points.map(|p| {
                    EmptyElement::at(p)
                        + Polygon::new(shape.clone(), face.filled())
                        + PathElement::new(closed.clone(), outline)
                }))
                .map_err(err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::{C0, Colormap, ImagePanel};
    use crate::tensor::Matrix;

    #[test]
    fn colormap_ends_match_matplotlib() {
        assert_eq!(Colormap::Viridis.color(0.0), [68, 1, 84]);
        assert_eq!(Colormap::Viridis.color(1.0), [253, 231, 37]);
        assert_eq!(Colormap::Plasma.color(0.5), [204, 71, 120]);
        // clipped like imshow outside vmin..vmax
        assert_eq!(Colormap::Viridis.color(-3.0), Colormap::Viridis.color(0.0));
    }

    #[test]
    fn long_titles_wrap_between_words_and_short_ones_stay_on_one_line() {
        assert_eq!(
            wrap("A) Cossim matrix for BERT [stand-in]", 26),
            ["A) Cossim matrix for BERT", "[stand-in]"]
        );
        assert_eq!(wrap("Token 42", 26), ["Token 42"]);
        assert!(wrap("", 26).is_empty());
        // a three-panel figure 1500 px wide shows 250-px panels: 26 bold characters at 14.4 px
        let sizes = Sizes {
            scale: 2.0,
            text: 1.0,
        };
        let lines = sizes.title_lines(
            "B) Cossim matrix for GPT-2 [stand-in]",
            500,
            RcParams::OpenBold,
        );
        assert_eq!(lines, ["B) Cossim matrix for GPT-2", "[stand-in]"]);
        assert_eq!(sizes.font_size(TICK_PX), 12.0 * 2.0 * PLOTTERS_FONT);
        // matplotlib's own 10 pt: 13.3 px on the page for a 6.4-inch figure, 8.7 px for a
        // 12-inch one (which the lessons draw at 12 px)
        assert!((matplotlib_label_px(640) - 13.33).abs() < 0.01);
        assert!((matplotlib_label_px(1200) - 8.68).abs() < 0.01);
        assert_eq!(Sizes::of(&Figure::grid(1200, 400, 1, 1, vec![])).text, 1.0);
    }

    #[test]
    fn tick_numbers_are_short() {
        assert_eq!(short_number(0.1 + 0.2), "0.3");
        assert_eq!(short_number(-0.15), "-0.15");
        assert_eq!(short_number(20000.0), "20000");
        assert_eq!(short_number(0.0), "0");
    }

    #[test]
    fn figures_are_written_as_svg_and_png() {
        let dir = tempfile::tempdir().unwrap();
        let xy = XyPanel {
            axes: Axes {
                title: "t".into(),
                ..Axes::default()
            },
            series: vec![Series::line(
                Some("a".to_string()),
                vec![(0.0, 0.0), (1.0, 1.0)],
                C0,
                1,
            )],
            legend: true,
        };
        let matrix = Matrix::new(2, 2, vec![0.0, 1.0, 2.0, 3.0]).unwrap();
        let image = ImagePanel {
            axes: Axes::default(),
            matrix: &matrix,
            transposed: true,
            vmin: 0.0,
            vmax: 3.0,
            colormap: Colormap::Viridis,
            colorbar: true,
            origin_lower: false,
            cell_values: true,
            equal_aspect: true,
        };
        let figure = Figure::grid(400, 200, 1, 2, vec![Panel::Xy(xy), Panel::Image(image)]);
        let files = save(figure, dir.path(), "f").unwrap();
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("<image"),
            "SVG with the embedded image"
        );
        let png = std::fs::read(&files[1]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
