//! Figures as data, drawn twice: SVG for the book and the browser, PNG for everything else.
//!
//! A lesson describes a figure the way a notebook calls matplotlib — panels on a grid,
//! each with lines, markers, bars or an image — and [`save`] renders it with plotters.
//! Keeping the description separate from the drawing lets one renderer serve both
//! formats and every lesson.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::element::BitMapElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::matrix::Matrix;

/// matplotlib's default colour cycle, so figures look like the notebooks'.
pub const C0: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
pub const C1: RGBColor = RGBColor(0xff, 0x7f, 0x0e);
pub const C2: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
pub const C3: RGBColor = RGBColor(0xd6, 0x27, 0x28);
pub const C4: RGBColor = RGBColor(0x94, 0x67, 0xbd);
pub const CYCLE: [RGBColor; 10] = [
    C0,
    C1,
    C2,
    C3,
    C4,
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];
pub const GRAY: RGBColor = RGBColor(0xb3, 0xb3, 0xb3);

/// A colour with opacity, for marker faces like matplotlib's `[.7, .9, .7, .5]`.
#[derive(Clone, Copy, Debug)]
pub struct Rgba(pub f64, pub f64, pub f64, pub f64);

impl Rgba {
    fn style(self) -> RGBAColor {
        let c = |v: f64| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        RGBAColor(c(self.0), c(self.1), c(self.2), self.3)
    }
}

/// A figure: `rows × cols` cells, panels placed on them, `width × height` pixels.
pub struct Figure<'a> {
    pub width: u32,
    pub height: u32,
    pub rows: usize,
    pub cols: usize,
    pub panels: Vec<Placed<'a>>,
}

/// A panel and the grid cells it covers.
pub struct Placed<'a> {
    pub row: usize,
    pub col: usize,
    pub row_span: usize,
    pub col_span: usize,
    pub panel: Panel<'a>,
}

pub enum Panel<'a> {
    Xy(XyPanel),
    Image(ImagePanel<'a>),
}

/// Title, axis labels and limits, as `ax.set(...)` takes them.
#[derive(Clone, Debug, Default)]
pub struct Axes {
    pub title: String,
    pub xlabel: String,
    pub ylabel: String,
    pub xlim: Option<(f64, f64)>,
    pub ylim: Option<(f64, f64)>,
    /// Text for integer x positions (categorical axes); other positions stay unlabelled.
    pub x_tick_labels: Option<Vec<String>>,
    pub y_tick_labels: Option<Vec<String>>,
}

/// Lines, markers, bars and text on x–y axes.
#[derive(Default)]
pub struct XyPanel {
    pub axes: Axes,
    pub series: Vec<Series>,
    pub legend: bool,
}

pub struct Series {
    pub label: Option<String>,
    pub points: Vec<(f64, f64)>,
    pub style: Style,
}

#[derive(Clone, Copy, Debug)]
pub enum Marker {
    Circle,
    Square,
    Hexagon,
    Diamond,
    Plus,
}

#[derive(Clone)]
pub enum Style {
    Line {
        color: RGBColor,
        width: u32,
    },
    Dashed {
        color: RGBColor,
        width: u32,
    },
    Markers {
        marker: Marker,
        size: u32,
        face: Rgba,
        edge: RGBColor,
    },
    /// Bars centred on each x, `width` wide in data units, from 0 to y.
    Bars {
        width: f64,
        face: RGBColor,
        edge: RGBColor,
    },
    /// Points taken two at a time as separate line segments.
    Segments {
        color: RGBColor,
        width: u32,
    },
    /// `texts[i]` written centred just above `points[i]`.
    Text {
        texts: Vec<String>,
        size: u32,
    },
}

impl Series {
    pub fn line(
        label: impl Into<Option<String>>,
        points: Vec<(f64, f64)>,
        color: RGBColor,
        width: u32,
    ) -> Self {
        Series {
            label: label.into(),
            points,
            style: Style::Line { color, width },
        }
    }

    pub fn markers(points: Vec<(f64, f64)>, marker: Marker, size: u32, face: Rgba) -> Self {
        Series {
            label: None,
            points,
            style: Style::Markers {
                marker,
                size,
                face,
                edge: BLACK,
            },
        }
    }

    /// A dashed reference line across the given extent (`axvline`/`axhline`).
    pub fn vertical_line(x: f64, y: (f64, f64), color: RGBColor) -> Self {
        Series {
            label: None,
            points: vec![(x, y.0), (x, y.1)],
            style: Style::Dashed { color, width: 1 },
        }
    }

    pub fn horizontal_line(y: f64, x: (f64, f64), color: RGBColor) -> Self {
        Series {
            label: None,
            points: vec![(x.0, y), (x.1, y)],
            style: Style::Dashed { color, width: 1 },
        }
    }
}

/// A matrix drawn as an image (`imshow`), row 0 at the top unless `origin_lower`;
/// `transposed` draws `matrix.T` without copying it (embedding matrices are large).
pub struct ImagePanel<'a> {
    pub axes: Axes,
    pub matrix: &'a Matrix,
    pub transposed: bool,
    pub vmin: f64,
    pub vmax: f64,
    pub colormap: Colormap,
    pub colorbar: bool,
    pub origin_lower: bool,
    /// Write each cell's value on it (for small matrices).
    pub cell_values: bool,
}

impl<'a> ImagePanel<'a> {
    /// `matrix` drawn as imshow draws it by default: row 0 at the top, a colour bar, no
    /// transpose, no values in the cells. Change any field with struct-update syntax.
    pub fn new(
        axes: Axes,
        matrix: &'a Matrix,
        (vmin, vmax): (f64, f64),
        colormap: Colormap,
    ) -> Self {
        ImagePanel {
            axes,
            matrix,
            transposed: false,
            vmin,
            vmax,
            colormap,
            colorbar: true,
            origin_lower: false,
            cell_values: false,
        }
    }
}

/// Perceptually uniform colour maps, sampled from matplotlib's tables at 17 points
/// (every 1/16) and interpolated linearly between them.
#[derive(Clone, Copy, Debug)]
pub enum Colormap {
    Viridis,
    Plasma,
}

const VIRIDIS: [(u8, u8, u8); 17] = [
    (68, 1, 84),
    (72, 24, 106),
    (71, 45, 123),
    (66, 64, 134),
    (59, 82, 139),
    (51, 99, 141),
    (44, 114, 142),
    (38, 130, 142),
    (33, 145, 140),
    (31, 160, 136),
    (40, 174, 128),
    (63, 188, 115),
    (94, 201, 98),
    (132, 212, 75),
    (173, 220, 48),
    (216, 226, 25),
    (253, 231, 37),
];
const PLASMA: [(u8, u8, u8); 17] = [
    (13, 8, 135),
    (49, 5, 151),
    (76, 2, 161),
    (102, 0, 167),
    (126, 3, 168),
    (149, 17, 161),
    (170, 35, 149),
    (188, 53, 135),
    (204, 71, 120),
    (218, 90, 106),
    (230, 108, 92),
    (240, 128, 78),
    (248, 149, 64),
    (253, 172, 51),
    (253, 197, 39),
    (248, 223, 37),
    (240, 249, 33),
];

impl Colormap {
    /// Colour of `t` in [0, 1] (clamped, as imshow clips to vmin/vmax).
    pub fn color(self, t: f64) -> [u8; 3] {
        let table = match self {
            Colormap::Viridis => &VIRIDIS,
            Colormap::Plasma => &PLASMA,
        };
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) } * 16.0;
        let i = (t.floor() as usize).min(15);
        let f = t - i as f64;
        let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
        let (a, b) = (table[i], table[i + 1]);
        [mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2)]
    }
}

impl<'a> Figure<'a> {
    /// One panel filling the whole figure.
    pub fn single(width: u32, height: u32, panel: Panel<'a>) -> Self {
        Figure {
            width,
            height,
            rows: 1,
            cols: 1,
            panels: vec![Placed {
                row: 0,
                col: 0,
                row_span: 1,
                col_span: 1,
                panel,
            }],
        }
    }

    /// Panels laid out left to right, top to bottom on a `rows × cols` grid.
    pub fn grid(width: u32, height: u32, rows: usize, cols: usize, panels: Vec<Panel<'a>>) -> Self {
        let panels = panels
            .into_iter()
            .enumerate()
            .map(|(i, panel)| Placed {
                row: i / cols,
                col: i % cols,
                row_span: 1,
                col_span: 1,
                panel,
            })
            .collect();
        Figure {
            width,
            height,
            rows,
            cols,
            panels,
        }
    }
}

/// `(i, values[i])` points: a vector drawn over its index, as `plt.plot(v)` draws it.
pub fn indexed(values: &[f32]) -> Vec<(f64, f64)> {
    values
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as f64, v as f64))
        .collect()
}

/// `(a[i], b[i])` points: one vector against another, as `plt.plot(a, b, 'o')` draws it.
pub fn paired(a: &[f32], b: &[f32]) -> Vec<(f64, f64)> {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (x as f64, y as f64))
        .collect()
}

const FONT: &str = "sans-serif";

fn register_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
        )
        .is_ok()
    });
    if ok {
        Ok(())
    } else {
        bail!("the bundled font could not be loaded")
    }
}

/// Writes `dir/stem.svg` and `dir/stem.png`; returns both paths.
pub fn save(figure: &Figure, dir: &Path, stem: &str) -> Result<Vec<PathBuf>> {
    register_font()?;
    let svg = dir.join(format!("{stem}.svg"));
    let png = dir.join(format!("{stem}.png"));
    {
        let area = SVGBackend::new(&svg, (figure.width, figure.height)).into_drawing_area();
        draw_figure(figure, &area).with_context(|| format!("cannot draw {}", svg.display()))?;
        area.present()
            .map_err(|e| anyhow!("cannot write {}: {e}", svg.display()))?;
    }
    {
        let area = BitMapBackend::new(&png, (figure.width, figure.height)).into_drawing_area();
        draw_figure(figure, &area).with_context(|| format!("cannot draw {}", png.display()))?;
        area.present()
            .map_err(|e| anyhow!("cannot write {}: {e}", png.display()))?;
    }
    Ok(vec![svg, png])
}

type Area<DB> = DrawingArea<DB, Shift>;
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

fn err(e: impl std::fmt::Debug) -> anyhow::Error {
    anyhow!("plotting failed: {e:?}")
}

fn draw_figure<DB: DrawingBackend>(figure: &Figure, area: &Area<DB>) -> Result<()> {
    area.fill(&WHITE).map_err(err)?;
    let cell_w = figure.width as f64 / figure.cols as f64;
    let cell_h = figure.height as f64 / figure.rows as f64;
    for placed in &figure.panels {
        let x = (placed.col as f64 * cell_w).round() as u32;
        let y = (placed.row as f64 * cell_h).round() as u32;
        let w = (placed.col_span as f64 * cell_w).round() as u32;
        let h = (placed.row_span as f64 * cell_h).round() as u32;
        let cell = area.clone().shrink((x, y), (w, h));
        match &placed.panel {
            Panel::Xy(panel) => draw_xy(panel, &cell)?,
            Panel::Image(panel) => draw_image(panel, &cell)?,
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

fn label_font<'a>() -> TextStyle<'a> {
    (FONT, 13).into_font().into()
}

fn build_chart<'a, DB: DrawingBackend>(
    area: &'a Area<DB>,
    axes: &Axes,
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Chart<'a, DB>> {
    let mut chart = ChartBuilder::on(area)
        .caption(&axes.title, (FONT, 15))
        .margin(8)
        .x_label_area_size(match &axes.x_tick_labels {
            // categorical labels are written vertically (matplotlib's labelrotation=90)
            Some(labels) => labels
                .iter()
                .map(|l| l.chars().count() as u32 * 8 + 16)
                .max()
                .unwrap_or(0)
                .max(44),
            None if axes.xlabel.is_empty() => 24,
            None => 44,
        })
        .y_label_area_size(match &axes.y_tick_labels {
            // room for the longest label at about 8 pixels a character
            Some(labels) => labels
                .iter()
                .map(|l| l.chars().count() as u32 * 8 + 16)
                .max()
                .unwrap_or(0)
                .max(60),
            None => 60,
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
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh()
        .x_desc(&axes.xlabel)
        .y_desc(&axes.ylabel)
        .label_style(label_font())
        .axis_desc_style((FONT, 14))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt);
    if let Some(labels) = &axes.x_tick_labels {
        // the text itself is drawn by `categorical_x_labels`, rotated, after the data
        mesh.x_labels(labels.len().min(40))
            .x_label_formatter(&|_| String::new());
    }
    if let Some(labels) = &axes.y_tick_labels {
        mesh.y_labels(labels.len().min(40));
    }
    mesh.draw().map_err(err)?;
    Ok(chart)
}

/// Categorical x tick labels written vertically below the axis, reading bottom to top
/// (matplotlib's `labelrotation=90`).
fn categorical_x_labels<DB: DrawingBackend>(
    chart: &Chart<'_, DB>,
    area: &Area<DB>,
    labels: &[String],
) -> Result<()> {
    let (_, y_range) = chart.plotting_area().get_pixel_range();
    let (x0, y0) = (
        area.get_pixel_range().0.start,
        area.get_pixel_range().1.start,
    );
    let style = label_font()
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Right, VPos::Center));
    for (i, label) in labels.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
        let (x, _) = chart.backend_coord(&(i as f64, 0.0));
        area.draw(&Text::new(
            label.clone(),
            (x - x0, y_range.end - y0 + 8),
            style.clone(),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// Tick text without float noise: `0.1` not `0.10000000000000003`.
fn short_number(v: f64) -> String {
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

fn draw_xy<DB: DrawingBackend>(panel: &XyPanel, area: &Area<DB>) -> Result<()> {
    let (xs, ys) = extent(&panel.series);
    let x = range_of(xs.into_iter(), panel.axes.xlim);
    let y = range_of(ys.into_iter(), panel.axes.ylim);
    let inside = |&(px, py): &(f64, f64)| {
        let within = |v: f64, r: &Range<f64>| v >= r.start.min(r.end) && v <= r.start.max(r.end);
        within(px, &x) && within(py, &y)
    };
    let mut chart = build_chart(area, &panel.axes, x.clone(), y.clone())?;
    for series in &panel.series {
        // plotters clamps points outside the axes onto the frame; leave them out instead, as
        // matplotlib clips them (a line is cut at its last point inside).
        let points: Vec<(f64, f64)> = match series.style {
            Style::Bars { .. }
            | Style::Segments { .. }
            | Style::Dashed { .. }
            | Style::Text { .. } => series.points.clone(),
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
        )?;
    }
    if let Some(labels) = &panel.axes.x_tick_labels {
        categorical_x_labels(&chart, area, labels)?;
    }
    if panel.legend {
        chart
            .configure_series_labels()
            .label_font(label_font())
            .background_style(WHITE.mix(0.85))
            .border_style(GRAY)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

fn draw_series<DB: DrawingBackend>(chart: &mut Chart<'_, DB>, series: &Series) -> Result<()> {
    let points = series.points.iter().copied();
    match &series.style {
        Style::Line { color, width } => {
            let style = color.stroke_width(*width);
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
                    6,
                    4,
                    color.stroke_width(*width),
                ))
                .map_err(err)?;
        }
        Style::Segments { color, width } => {
            let style = color.stroke_width(*width);
            let segments = series
                .points
                .chunks_exact(2)
                .map(|p| PathElement::new(vec![p[0], p[1]], style));
            chart.draw_series(segments).map_err(err)?;
        }
        Style::Bars { width, face, edge } => {
            let half = width / 2.0;
            chart
                .draw_series(
                    points.clone().map(|(x, y)| {
                        Rectangle::new([(x - half, 0.0), (x + half, y)], face.filled())
                    }),
                )
                .map_err(err)?;
            chart
                .draw_series(points.map(|(x, y)| {
                    Rectangle::new([(x - half, 0.0), (x + half, y)], edge.stroke_width(1))
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
                *size as i32,
                face.style(),
                *edge,
            )?;
        }
        Style::Text { texts, size } => {
            let font = (FONT, *size)
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

impl ImagePanel<'_> {
    /// Rows and columns as displayed.
    fn shape(&self) -> (usize, usize) {
        let (r, c) = (self.matrix.rows(), self.matrix.cols());
        if self.transposed { (c, r) } else { (r, c) }
    }

    fn value(&self, row: usize, col: usize) -> f32 {
        if self.transposed {
            self.matrix.row(col)[row]
        } else {
            self.matrix.row(row)[col]
        }
    }
}

/// RGB pixels of the displayed matrix scaled to `w × h`, nearest neighbour, as imshow draws it.
fn raster(panel: &ImagePanel, w: u32, h: u32) -> Vec<u8> {
    let (rows, cols) = panel.shape();
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    let span = panel.vmax - panel.vmin;
    for py in 0..h {
        let mut row = (((py as f64 + 0.5) / h as f64 * rows as f64) as usize).min(rows - 1);
        if panel.origin_lower {
            row = rows - 1 - row;
        }
        for px in 0..w {
            let col = (((px as f64 + 0.5) / w as f64 * cols as f64) as usize).min(cols - 1);
            let t = (panel.value(row, col) as f64 - panel.vmin) / span;
            pixels.extend(panel.colormap.color(t));
        }
    }
    pixels
}

fn draw_image<DB: DrawingBackend>(panel: &ImagePanel, area: &Area<DB>) -> Result<()> {
    if panel.matrix.rows() == 0 || panel.matrix.cols() == 0 {
        bail!("cannot draw an empty matrix");
    }
    let (main, bar) = if panel.colorbar {
        let (w, _) = area.dim_in_pixel();
        area.split_horizontally(w.saturating_sub(90))
    } else {
        (area.clone(), area.clone().shrink((0, 0), (0, 0)))
    };
    let (rows, cols) = panel.shape();
    let (rows, cols) = (rows as f64, cols as f64);
    // Cell i spans i-0.5..i+0.5, as imshow places it, so integer ticks sit on cell centres.
    let y = if panel.origin_lower {
        -0.5..rows - 0.5
    } else {
        rows - 0.5..-0.5
    };
    let mut chart = build_chart(&main, &panel.axes, -0.5..cols - 0.5, y)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (w, h) = (
        (px.end - px.start).max(1) as u32,
        (py.end - py.start).max(1) as u32,
    );
    blit(&main, (px.start, py.start), (w, h), raster(panel, w, h))?;
    if let Some(labels) = &panel.axes.x_tick_labels {
        categorical_x_labels(&chart, &main, labels)?;
    }
    if panel.cell_values {
        let (rows, cols) = panel.shape();
        let centred = Pos::new(HPos::Center, VPos::Center);
        let mut labels = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let v = panel.value(r, c) as f64;
                // dark text on the bright end of the colour map, light text on the dark end
                let bright = (v - panel.vmin) / (panel.vmax - panel.vmin) > 0.6;
                let color = if bright { BLACK } else { WHITE };
                let style = (FONT, 13).into_font().color(&color).pos(centred);
                labels.push(Text::new(format!("{v:.2}"), (c as f64, r as f64), style));
            }
        }
        chart.draw_series(labels).map_err(err)?;
    }
    if panel.colorbar {
        draw_colorbar(panel, &bar, py)?;
    }
    Ok(())
}

fn draw_colorbar<DB: DrawingBackend>(
    panel: &ImagePanel,
    area: &Area<DB>,
    plot_rows: Range<i32>,
) -> Result<()> {
    let (_, area_rows) = area.get_pixel_range();
    let top = (plot_rows.start - area_rows.start).max(0) as u32;
    let height = (plot_rows.end - plot_rows.start).max(1) as u32;
    let strip = area
        .clone()
        .shrink((4, top), (area.dim_in_pixel().0.saturating_sub(4), height));
    let mut chart = ChartBuilder::on(&strip)
        .margin(0)
        .y_label_area_size(0)
        .right_y_label_area_size(55)
        .build_cartesian_2d(0.0..1.0, panel.vmin..panel.vmax)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .label_style(label_font())
        .y_label_formatter(&|v| short_number(*v))
        .draw()
        .map_err(err)?;
    let (px, py) = chart.plotting_area().get_pixel_range();
    let (w, h) = (
        (px.end - px.start).max(1) as u32,
        (py.end - py.start).max(1) as u32,
    );
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    for row in 0..h {
        let color = panel.colormap.color(1.0 - (row as f64 + 0.5) / h as f64);
        for _ in 0..w {
            pixels.extend(color);
        }
    }
    blit(&strip, (px.start, py.start), (w, h), pixels)
}

/// Draws RGB `pixels` with their top-left corner at backend pixel `at` (plotters places
/// elements relative to the area, so the area's own offset is taken off).
fn blit<DB: DrawingBackend>(
    area: &Area<DB>,
    at: (i32, i32),
    size: (u32, u32),
    pixels: Vec<u8>,
) -> Result<()> {
    let (xs, ys) = area.get_pixel_range();
    let image = BitMapElement::with_owned_buffer((at.0 - xs.start, at.1 - ys.start), size, pixels)
        .ok_or_else(|| anyhow!("image buffer has the wrong size"))?;
    area.draw(&image).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colormap_ends_match_matplotlib() {
        assert_eq!(Colormap::Viridis.color(0.0), [68, 1, 84]);
        assert_eq!(Colormap::Viridis.color(1.0), [253, 231, 37]);
        assert_eq!(Colormap::Plasma.color(0.5), [204, 71, 120]);
        // clipped like imshow outside vmin..vmax
        assert_eq!(Colormap::Viridis.color(-3.0), Colormap::Viridis.color(0.0));
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
        };
        let figure = Figure::grid(400, 200, 1, 2, vec![Panel::Xy(xy), Panel::Image(image)]);
        let files = save(&figure, dir.path(), "f").unwrap();
        let svg = std::fs::read_to_string(&files[0]).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.contains("<image"),
            "SVG with the embedded image"
        );
        let png = std::fs::read(&files[1]).unwrap();
        assert_eq!(&png[1..4], b"PNG");
    }
}
