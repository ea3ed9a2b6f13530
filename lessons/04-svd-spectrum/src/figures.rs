//! Lesson 4's figures, drawn as the notebook draws them.

use common::analysis::svd::Svd;
use common::plot::{
    Axes, BLACK, BLUE, Color, Colormap, Figure, ImagePanel, Marker, Panel, Placed, Rgba, Series,
    Style, XyPanel, indexed,
};
use common::{Matrix, Model};

use crate::{RandomDraws, TokenSet};

/// A token set's name as the notebook's titles use it before a noun: "letter embeddings",
/// "random-token singular vector".
fn attributive(set: &str) -> &str {
    match set {
        "letters" => "letter",
        "digits" => "digit",
        "random" => "random-token",
        other => other,
    }
}

/// A set's singular-vector panel title as the notebook writes it: "Top letters singular
/// vector" (the set's name as it is), "Top random-token singular vector".
fn vector_title(set: &str) -> String {
    let name = if set == "random" {
        attributive(set)
    } else {
        set
    };
    format!("Top {name} singular vector")
}

/// A token set's name as the notebook's legend writes it: "Letters", "Random".
fn capitalised(set: &str) -> String {
    let mut chars = set.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The lecture's opening figure (no title, as in the notebook): embeddings of "1" and "2",
/// each mean-centred.
pub fn opening(model: &Model, one: usize, two: usize) -> Figure<'static> {
    let centred = |row: &[f32]| {
        let mean = row.iter().sum::<f32>() / row.len() as f32;
        row.iter().map(|v| v - mean).collect::<Vec<f32>>()
    };
    let (e1, e2) = (
        centred(model.embeddings.row(one)),
        centred(model.embeddings.row(two)),
    );
    let points = e1
        .iter()
        .zip(&e2)
        .map(|(&a, &b)| (a as f64, b as f64))
        .collect();
    Figure::single(
        600,
        500,
        Panel::Xy(XyPanel {
            axes: Axes {
                xlabel: "Embedding 1".into(),
                ylabel: "Embedding 2".into(),
                ..Axes::default()
            },
            series: vec![Series::markers(
                points,
                Marker::Circle,
                // matplotlib's 'o' at its default 6 pt: 8 px across on the page
                4,
                Rgba(0.9, 0.7, 0.7, 0.6),
            )],
            legend: false,
        }),
    )
}

fn line_with_markers(
    label: String,
    values: &[f32],
    color: Color,
    marker: Marker,
    face: Rgba,
) -> [Series; 2] {
    [
        Series::line(Some(label), indexed(values), color, 1),
        Series {
            label: None,
            points: indexed(values),
            style: Style::Markers {
                marker,
                size: 4,
                face,
                edge: color,
            },
        },
    ]
}

/// Top right singular vector of each set (left), both spectra with the spread of many
/// random draws (right), laid out as the notebook's GridSpec.
pub fn spectra(
    a: &TokenSet,
    svd_a: &Svd,
    b: &TokenSet,
    svd_b: &Svd,
    draws: Option<&RandomDraws>,
) -> Figure<'static> {
    let width = svd_a.vt.cols() as f64;
    // `xticklabels=[]`: the ticks stay, their text goes
    let vector = |title: String, values: &[f32], color: Color, xlabel: &str| {
        Panel::Xy(XyPanel {
            axes: Axes {
                title,
                xlabel: xlabel.into(),
                ylabel: "Score".into(),
                xlim: Some((0.0, width)),
                x_tick_labels: Some(Vec::new()),
                ..Axes::default()
            },
            series: vec![Series::line(None, indexed(values), color, 1)],
            legend: false,
        })
    };
    // Beyond the notebook, when given: the spectra of many random draws behind the two
    let mut series: Vec<Series> = Vec::new();
    if let Some(draws) = draws {
        series.extend(
            draws
                .spectra
                .iter()
                .map(|s| Series::line(None, indexed(s), Color(0xd0, 0xd0, 0xe8), 1)),
        );
        series.push(Series::line(
            Some(format!("{} random draws", draws.spectra.len())),
            Vec::new(),
            Color(0xd0, 0xd0, 0xe8),
            1,
        ));
    }
    series.extend(line_with_markers(
        capitalised(&a.name),
        &svd_a.s,
        BLACK,
        Marker::Square,
        Rgba(0.7, 0.7, 0.9, 1.0),
    ));
    series.extend(line_with_markers(
        capitalised(&b.name),
        &svd_b.s,
        BLUE,
        Marker::Circle,
        Rgba(0.9, 0.7, 0.7, 1.0),
    ));
    let spectrum = Panel::Xy(XyPanel {
        axes: Axes {
            title: "Spectrum of embeddings submatrix".into(),
            xlabel: "Component (sorted index)".into(),
            ylabel: "Singular value (max-norm)".into(),
            ..Axes::default()
        },
        series,
        legend: true,
    });
    let place = |row, col, row_span, panel| Placed {
        row,
        col,
        row_span,
        col_span: 1,
        panel,
    };
    Figure {
        // the notebook's 12 × 5 inches, taller: two vector panels above each other keep
        // room for their plots under 12 px text
        width: 1200,
        height: 640,
        rows: 2,
        cols: 2,
        panels: vec![
            place(
                0,
                0,
                1,
                vector(vector_title(&a.name), svd_a.vt.row(0), BLACK, ""),
            ),
            place(
                1,
                0,
                1,
                vector(
                    vector_title(&b.name),
                    svd_b.vt.row(0),
                    BLUE,
                    "Embedding dimension",
                ),
            ),
            place(0, 1, 2, spectrum),
        ],
    }
}

/// Every token's projection onto the top singular vector, by token index (no title, as
/// in the notebook: the chapter says which set's vector).
pub fn projections(projections: &[f32]) -> Figure<'static> {
    Figure::single(
        1200,
        400,
        Panel::Xy(XyPanel {
            axes: Axes {
                xlabel: "Token".into(),
                ylabel: "Projection".into(),
                ..Axes::default()
            },
            series: vec![Series {
                label: None,
                points: indexed(projections),
                style: Style::Markers {
                    marker: Marker::Circle,
                    size: 2,
                    face: Rgba(0.7, 0.7, 0.7, 0.6),
                    edge: BLACK,
                },
            }],
            legend: false,
        }),
    )
}

/// |R|: absolute correlations between the set's (mean-centred) embeddings.
pub fn abs_correlations<'a>(m: &'a Matrix, set: &str) -> Figure<'a> {
    Figure::single(
        620,
        520,
        Panel::Image(ImagePanel::new(
            Axes {
                title: format!("|R| for {} embeddings", attributive(set)),
                xlabel: "Tokens".into(),
                ylabel: "Tokens".into(),
                ..Axes::default()
            },
            m,
            (0.0, 1.0),
            Colormap::Viridis,
        )),
    )
}
