//! What a figure is, as data: panels on a grid, each with axes and lines, markers, bars,
//! text or an image — the way a notebook calls matplotlib.

use crate::analysis::stats::Histogram;
use crate::tensor::Matrix;

use super::color::{BLACK, Color, Colormap, Rgba};
use super::labels;

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

impl<'a> Placed<'a> {
    /// `panel` in the one cell at `row`, `col` of its figure's grid.
    pub fn at(row: usize, col: usize, panel: Panel<'a>) -> Self {
        Placed {
            row,
            col,
            row_span: 1,
            col_span: 1,
            panel,
        }
    }

    /// The panel stretched over `rows × cols` cells from its own.
    pub fn spanning(self, rows: usize, cols: usize) -> Self {
        Placed {
            row_span: rows,
            col_span: cols,
            ..self
        }
    }
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
    /// Categorical x labels written vertically (`tick_params(axis='x', labelrotation=90)`);
    /// horizontal otherwise, as matplotlib writes them by default.
    pub x_tick_rotation: bool,
    /// Dashed light-grey grid lines at the ticks (`ax.grid(linestyle='--')`).
    pub grid: bool,
    /// The look a notebook sets with `plt.rcParams` for all its axes.
    pub rc: RcParams,
}

/// The notebook-wide settings (`plt.rcParams`) that change how axes look.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum RcParams {
    /// matplotlib's defaults: a frame on all four sides, regular-weight text.
    #[default]
    Matplotlib,
    /// No top and right spines, bold titles and axis labels (lesson 3's notebook).
    OpenBold,
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
        color: Color,
        width: u32,
    },
    Dashed {
        color: Color,
        width: u32,
    },
    Markers {
        marker: Marker,
        size: u32,
        face: Rgba,
        edge: Color,
    },
    /// A line with a marker at every point, edged in the line's colour (matplotlib's
    /// `'ks-'`): its legend key is the line with one marker on it, as matplotlib's is.
    MarkedLine {
        color: Color,
        width: u32,
        marker: Marker,
        size: u32,
        face: Rgba,
    },
    /// Bars centred on each x, `width` wide in data units, from 0 to y.
    Bars {
        width: f64,
        face: Color,
        edge: Color,
    },
    /// Points taken two at a time as separate line segments.
    Segments {
        color: Color,
        width: u32,
    },
    /// `texts[i]` written centred just above `points[i]`, `size` pixels on the page.
    Text {
        texts: Vec<String>,
        size: u32,
    },
}

impl Series {
    /// The notebooks' density curve: `y, x = np.histogram(values, bins, density=True)`
    /// drawn as `plt.plot(x[:-1], y, linewidth=2)`, a line through each bin's left edge.
    pub fn density(label: impl Into<Option<String>>, histogram: &Histogram, color: Color) -> Self {
        Series::line(label, histogram.left_edge_points(), color, 2)
    }

    pub fn line(
        label: impl Into<Option<String>>,
        points: Vec<(f64, f64)>,
        color: Color,
        width: u32,
    ) -> Self {
        Series {
            label: label.into(),
            points,
            style: Style::Line { color, width },
        }
    }

    /// `plt.plot(values, 'ks-', markerfacecolor=face)`: a line of `color`, width 1,
    /// through `marker`s of radius 4 with `face` inside and `color` round them.
    pub fn marked_line(
        label: impl Into<Option<String>>,
        points: Vec<(f64, f64)>,
        color: Color,
        marker: Marker,
        face: Rgba,
    ) -> Self {
        Series {
            label: label.into(),
            points,
            style: Style::MarkedLine {
                color,
                width: 1,
                marker,
                size: 4,
                face,
            },
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

    /// A dashed vertical line spanning the axes from bottom to top (`axvline`).
    pub fn axvline(x: f64, color: Color) -> Self {
        Series {
            label: None,
            points: vec![(x, f64::NEG_INFINITY), (x, f64::INFINITY)],
            style: Style::Dashed { color, width: 1 },
        }
    }

    /// A dashed horizontal line spanning the axes from left to right (`axhline`).
    pub fn axhline(y: f64, color: Color) -> Self {
        Series {
            label: None,
            points: vec![(f64::NEG_INFINITY, y), (f64::INFINITY, y)],
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
    /// Square cells (imshow's default `aspect='equal'`); false stretches the image over
    /// the panel (`aspect='auto'`).
    pub equal_aspect: bool,
}

impl Axes {
    /// Axes with a title and both axis labels, matplotlib's defaults otherwise
    /// (`ax.set(title=…, xlabel=…, ylabel=…)`).
    pub fn labelled(title: &str, xlabel: &str, ylabel: &str) -> Self {
        Axes {
            title: title.into(),
            xlabel: xlabel.into(),
            ylabel: ylabel.into(),
            ..Axes::default()
        }
    }
}

impl<'a> Panel<'a> {
    /// matplotlib's plain `imshow(m, vmin=…, vmax=…)`: viridis, no colour bar;
    /// `transposed` draws `m.T`.
    pub fn imshow(axes: Axes, m: &'a Matrix, limits: (f64, f64), transposed: bool) -> Self {
        Panel::Image(ImagePanel {
            transposed,
            colorbar: false,
            ..ImagePanel::new(axes, m, limits, Colormap::Viridis)
        })
    }
}

impl<'a> ImagePanel<'a> {
    /// `matrix` drawn as imshow draws it by default: row 0 at the top, square cells, a
    /// colour bar, no transpose, no values in the cells. Change any field with
    /// struct-update syntax.
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
            equal_aspect: true,
        }
    }
}

impl<'a> Figure<'a> {
    /// Appends `tag` to every panel title (the session's stand-in warning) but those that
    /// already name their model as a stand-in ("… for BERT (MiniLM stand-in)", as
    /// [`labels::names_a_standin`] tells): those say more than the tag would, and twice
    /// is noise.
    pub fn tag_titles(&mut self, tag: &str) {
        if tag.is_empty() {
            return;
        }
        for placed in &mut self.panels {
            let axes = match &mut placed.panel {
                Panel::Xy(panel) => &mut panel.axes,
                Panel::Image(panel) => &mut panel.axes,
            };
            if !axes.title.is_empty() && !labels::names_a_standin(&axes.title) {
                axes.title.push_str(tag);
            }
        }
    }

    /// Replaces every text of the figure (titles, axis labels, tick labels, legend
    /// labels, text marks) with `map` of it.
    pub fn map_texts(&mut self, map: impl Fn(&str) -> String) {
        let axes = |axes: &mut Axes| {
            for text in [&mut axes.title, &mut axes.xlabel, &mut axes.ylabel] {
                *text = map(text);
            }
            for labels in [&mut axes.x_tick_labels, &mut axes.y_tick_labels]
                .into_iter()
                .flatten()
            {
                labels.iter_mut().for_each(|label| *label = map(label));
            }
        };
        for placed in &mut self.panels {
            match &mut placed.panel {
                Panel::Image(panel) => axes(&mut panel.axes),
                Panel::Xy(panel) => {
                    axes(&mut panel.axes);
                    for series in &mut panel.series {
                        if let Some(label) = &mut series.label {
                            *label = map(label);
                        }
                        if let Style::Text { texts, .. } = &mut series.style {
                            texts.iter_mut().for_each(|text| *text = map(text));
                        }
                    }
                }
            }
        }
    }

    /// A small figure holding every kind of text a figure draws (title, axis labels,
    /// categorical tick labels, a legend entry, a text mark), taken from `texts` in turn:
    /// what the SVG fuzz target draws from arbitrary text.
    pub fn text_specimen(texts: &[String]) -> Figure<'static> {
        let text = |i: usize| texts.get(i).cloned().unwrap_or_default();
        let axes = Axes {
            title: text(0),
            xlabel: text(1),
            ylabel: text(2),
            xlim: Some((-0.5, 1.5)),
            ylim: Some((0.0, 1.0)),
            x_tick_labels: Some(vec![text(3), text(4)]),
            ..Axes::default()
        };
        let series = vec![
            Series::line(text(5), vec![(0.0, 0.2), (1.0, 0.8)], BLACK, 1),
            Series {
                label: None,
                points: vec![(0.5, 0.5)],
                style: Style::Text {
                    texts: vec![text(6)],
                    size: 10,
                },
            },
        ];
        Figure::single(
            320,
            240,
            Panel::Xy(XyPanel {
                axes,
                series,
                legend: true,
            }),
        )
    }

    /// One panel filling the whole figure.
    pub fn single(width: u32, height: u32, panel: Panel<'a>) -> Self {
        Figure {
            width,
            height,
            rows: 1,
            cols: 1,
            panels: vec![Placed::at(0, 0, panel)],
        }
    }

    /// Panels laid out left to right, top to bottom on a `rows × cols` grid.
    pub fn grid(width: u32, height: u32, rows: usize, cols: usize, panels: Vec<Panel<'a>>) -> Self {
        let panels = panels
            .into_iter()
            .enumerate()
            .map(|(i, panel)| Placed::at(i / cols, i % cols, panel))
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

/// Tick text for every `step`-th label from `first` on, the others blank, so a crowded
/// categorical axis stays legible (the notebooks' `ax.set_xticks(range(first, n, step))`).
pub fn every_nth(labels: &[String], step: usize, first: usize) -> Vec<String> {
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            if i >= first && (i - first).is_multiple_of(step.max(1)) {
                label.clone()
            } else {
                String::new()
            }
        })
        .collect()
}
