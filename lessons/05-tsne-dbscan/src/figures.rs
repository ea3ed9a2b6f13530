//! Lesson 5's figures, drawn as the notebook draws them.

use common::Matrix;
use common::analysis::tsne::TsneResult;
use common::plot::{
    Axes, BLACK, CYCLE, Color, Colormap, DISTINCT, Figure, ImagePanel, Marker, Panel, Placed, Rgba,
    Series, Style, XyPanel, every_nth,
};

/// Embeddings, their transpose and the Gram matrix (colour limits ±0.2 and 2–7).
pub fn gram_parts<'a>(sub: &'a Matrix, gram: &'a Matrix) -> Figure<'a> {
    Figure::grid(
        1200,
        400,
        1,
        3,
        vec![
            Panel::imshow(
                Axes::labelled("Embeddings", "Embedding dimension", "Token"),
                sub,
                (-0.2, 0.2),
                false,
            ),
            Panel::imshow(
                Axes {
                    // the first and the last token only: the column is about 45 px wide,
                    // too narrow for numbered ticks ("0" and "50" ran into each other)
                    x_tick_labels: Some(ends(sub.rows())),
                    ..Axes::labelled("Embeddings transpose", "Token", "Embedding dimension")
                },
                sub,
                (-0.2, 0.2),
                true,
            ),
            Panel::imshow(
                Axes::labelled("Gram matrix", "Token", "Token"),
                gram,
                (2.0, 7.0),
                false,
            ),
        ],
    )
}

/// Tick labels for `n` categories: the first and the last numbered, the rest blank.
fn ends(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| match i {
            0 => "0".to_string(),
            _ if i + 1 == n => i.to_string(),
            _ => String::new(),
        })
        .collect()
}

/// The Gram matrix with decoded-token ticks beside the t-SNE map with every token written.
pub fn gram_and_map<'a>(
    gram: &'a Matrix,
    map: &TsneResult,
    ids: &[usize],
    labels: &[String],
) -> Figure<'a> {
    let gram_panel = Panel::Image(ImagePanel {
        colorbar: false,
        origin_lower: true,
        ..ImagePanel::new(
            Axes {
                title: format!("Gram matrix, first {} token embeds", ids.len()),
                // every sixth token where the notebook labels every third: at 12 px on the
                // page, every third token's label would overlap its neighbours
                x_tick_labels: Some(every_nth(labels, 6, 1)),
                y_tick_labels: Some(every_nth(labels, 6, 0)),
                ..Axes::default()
            },
            gram,
            (2.0, 7.0),
            Colormap::Viridis,
        )
    });
    let points: Vec<(f64, f64)> = map.points.iter().map(|p| (p[0], p[1])).collect();
    let ys = map.points.iter().map(|p| p[1]);
    let span = ys.clone().fold(f64::NEG_INFINITY, f64::max) - ys.fold(f64::INFINITY, f64::min);
    let raised = points.iter().map(|&(x, y)| (x, y + 0.02 * span)).collect();
    let scatter = Panel::Xy(XyPanel {
        axes: Axes::labelled(
            "T-SNE visualization of embeddings",
            "TSNE dim 1",
            "TSNE dim 2",
        ),
        series: vec![
            Series {
                label: None,
                points,
                style: Style::Markers {
                    marker: Marker::Circle,
                    size: 4,
                    face: Rgba(0.7, 0.7, 1.0, 1.0),
                    edge: BLACK,
                },
            },
            Series {
                label: None,
                points: raised,
                style: Style::Text {
                    texts: labels.to_vec(),
                    size: 12,
                },
            },
        ],
        legend: false,
    });
    // The map is 3 of 5 columns wide and the figure taller than the notebook's 13 × 5: a
    // word at 12 px on the page takes a larger share of a smaller panel, and at equal
    // widths the letters' labels ran into each other.
    Figure {
        width: 1300,
        height: 640,
        rows: 1,
        cols: 5,
        panels: vec![
            Placed::at(0, 0, gram_panel).spanning(1, 2),
            Placed::at(0, 2, scatter).spanning(1, 3),
        ],
    }
}

/// The notebook's `lineColors = 'rkbgm'`: matplotlib's red, black, blue, green, magenta.
const LINE_COLORS: [Color; 5] = [
    Color(255, 0, 0),
    Color(0, 0, 0),
    Color(0, 0, 255),
    Color(0, 128, 0),
    Color(191, 0, 191),
];

/// Each clustered point joined to its cluster's centroid; noise as '+', centroids as
/// diamonds. As the notebook draws them: cluster i's spokes and marker faces in
/// `'rkbgm'[i]`, its marker edges in the i-th colour of matplotlib's cycle (each
/// `plt.plot(..., 'o', markerfacecolor=...)` call takes the next). The notebook stops at 5
/// clusters (`lineColors[5]` is an IndexError); here both lists wrap around.
pub fn clusters(map: &TsneResult, labels: &[i64], centres: &[[f64; 2]]) -> Figure<'static> {
    let mut series = Vec::new();
    let noise: Vec<(f64, f64)> = map
        .points
        .iter()
        .zip(labels)
        .filter(|(_, l)| **l < 0)
        .map(|(p, _)| (p[0], p[1]))
        .collect();
    series.push(Series {
        label: None,
        points: noise,
        style: Style::Markers {
            marker: Marker::Plus,
            size: 4,
            face: Rgba(0.0, 0.0, 0.0, 1.0),
            edge: BLACK,
        },
    });
    for (c, centre) in centres.iter().enumerate() {
        let color = LINE_COLORS[c % LINE_COLORS.len()];
        let members: Vec<(f64, f64)> = map
            .points
            .iter()
            .zip(labels)
            .filter(|(_, l)| **l == c as i64)
            .map(|(p, _)| (p[0], p[1]))
            .collect();
        let spokes = members
            .iter()
            .flat_map(|&p| [p, (centre[0], centre[1])])
            .collect();
        series.push(Series {
            label: None,
            points: spokes,
            style: Style::Segments { color, width: 1 },
        });
        let face = Rgba(
            color.0 as f64 / 255.0,
            color.1 as f64 / 255.0,
            color.2 as f64 / 255.0,
            1.0,
        );
        series.push(Series {
            label: None,
            points: members,
            style: Style::Markers {
                marker: Marker::Circle,
                size: 4,
                face,
                edge: CYCLE[c % CYCLE.len()],
            },
        });
    }
    let diamonds = centres.iter().map(|c| (c[0], c[1])).collect();
    series.push(Series {
        label: None,
        points: diamonds,
        style: Style::Markers {
            marker: Marker::Diamond,
            size: 8,
            face: Rgba(0.8, 0.7, 0.1, 1.0),
            edge: BLACK,
        },
    });
    Figure::single(
        800,
        600,
        Panel::Xy(XyPanel {
            axes: Axes::labelled(
                &format!("Result of dbscan clustering (k={})", centres.len()),
                "tSNE axis 1",
                "tSNE axis 2",
            ),
            series,
            legend: false,
        }),
    )
}

/// Where a labelled map is shown: across the book's column, or as one of the small
/// multiples, two to a row (about 340–372 px on the page).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MapSize {
    Column,
    /// Drawn 420 px wide: the renderer's text (13.3 px, its least on a figure as wide
    /// as the column or narrower) shown at 340–372 px is still 11–12 px, as are the tokens.
    Half,
}

impl MapSize {
    /// The figure's width and height, and its markers' size.
    fn layout(self) -> (u32, u32, u32) {
        match self {
            MapSize::Column => (750, 560, 5),
            MapSize::Half => (420, 330, 4),
        }
    }
}

/// The map with every token written beside its point, each DBSCAN cluster in its own
/// colour (Kelly's colours, then the same colours as squares and diamonds: up to 57
/// clusters told apart), noise as black `+`: the clusters read as tokens, so a reader can
/// check on any map whether, say, the digits are neighbours. `bar`, when given, is DBSCAN's
/// eps drawn as a scale bar below the points (in map units): maps of different sizes, and
/// the radius DBSCAN used, compare by eye across panels.
pub fn clusters_labelled(
    map: &TsneResult,
    labels: &[i64],
    words: &[String],
    title: &str,
    bar: Option<f64>,
    size: MapSize,
) -> Figure<'static> {
    let (width, height, marker_size) = size.layout();
    let point = |p: &[f64; 2]| (p[0], p[1]);
    let members = |c: i64| -> Vec<(f64, f64)> {
        map.points
            .iter()
            .zip(labels)
            .filter(|(_, l)| **l == c)
            .map(|(p, _)| point(p))
            .collect()
    };
    let clusters = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut series = vec![Series {
        label: None,
        points: members(-1),
        style: Style::Markers {
            marker: Marker::Plus,
            size: marker_size,
            face: Rgba(0.0, 0.0, 0.0, 1.0),
            edge: BLACK,
        },
    }];
    for c in 0..clusters {
        let colour = DISTINCT[c as usize % DISTINCT.len()];
        let marker =
            [Marker::Circle, Marker::Square, Marker::Diamond][(c as usize / DISTINCT.len()) % 3];
        series.push(Series {
            label: None,
            points: members(c),
            style: Style::Markers {
                marker,
                size: marker_size,
                face: Rgba(
                    colour.0 as f64 / 255.0,
                    colour.1 as f64 / 255.0,
                    colour.2 as f64 / 255.0,
                    1.0,
                ),
                edge: BLACK,
            },
        });
    }
    let x_high = bounds(map.points.iter().map(|p| p[0])).1;
    let (y_low, y_high) = bounds(map.points.iter().map(|p| p[1]));
    let span = y_high - y_low;
    series.push(Series {
        label: None,
        points: map
            .points
            .iter()
            .map(|p| (p[0], p[1] + 0.025 * span))
            .collect(),
        style: Style::Text {
            texts: words.to_vec(),
            size: 12,
        },
    });
    if let Some(eps) = bar {
        // Right-aligned under the lowest point, clear of every point and label.
        let (right, y) = (x_high, y_low - 0.08 * span);
        series.push(Series {
            label: None,
            points: vec![(right - eps, y), (right, y)],
            style: Style::Segments {
                color: BLACK,
                width: 3,
            },
        });
        series.push(Series {
            label: None,
            points: vec![(right - eps / 2.0, y + 0.01 * span)],
            style: Style::Text {
                texts: vec![format!("eps {eps}")],
                size: 12,
            },
        });
    }
    Figure::single(
        width,
        height,
        Panel::Xy(XyPanel {
            axes: Axes::labelled(title, "tSNE axis 1", "tSNE axis 2"),
            series,
            legend: false,
        }),
    )
}

/// The least and the greatest of `values`.
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}
