//! Lesson 1's figures, drawn as the notebook draws them.

use common::format::decimals;
use common::plot::{
    Axes, BLACK, C0, Color, Figure, GRAY, ImagePanel, MODEL_COLOURS, Marker, Panel, Rgba, Series,
    Style, XyPanel, hyphenated, indexed, paired, short_label,
};
use common::{Model, Pair};

use crate::{Comparison, Distribution, Distributions, LengthCounts};

fn bars(counts: &[(usize, usize)], title: String) -> Panel<'static> {
    let points = counts
        .iter()
        .map(|&(len, count)| (len as f64, count as f64))
        .collect();
    Panel::Xy(XyPanel {
        axes: Axes {
            title,
            xlabel: "Token length (chars)".into(),
            ylabel: "Token count".into(),
            xlim: Some((0.0, 22.0)),
            ..Axes::default()
        },
        series: vec![Series {
            label: None,
            points,
            style: Style::Bars {
                width: 0.8,
                face: BLACK,
                edge: Color(128, 128, 128),
            },
        }],
        legend: false,
    })
}

/// Token-length bar charts of the stored vocabulary strings (what the notebook counts),
/// GPT above BERT.
pub fn token_lengths(lengths: Pair<&LengthCounts>, labels: &Pair<String>) -> Figure<'static> {
    Figure::grid(
        800,
        600,
        2,
        1,
        vec![
            bars(
                lengths.gpt,
                format!("{} token lengths (clipped at 22)", labels.gpt),
            ),
            bars(lengths.bert, format!("{} token lengths", labels.bert)),
        ],
    )
}

/// The heatmaps' colour limits, the notebook's `vmin=-.15, vmax=.15`: a pixel whose value
/// (the mean of the cells it covers) lies beyond them takes the end colour (the lesson
/// counts the matrix's values beyond them).
pub const HEATMAP_LIMITS: [f64; 2] = [-0.15, 0.15];

/// Both embedding matrices, transposed (dimensions × tokens), colour limits `[vmin,
/// vmax]`, stretched over the panel (`aspect='auto'`).
pub fn heatmaps<'a>(
    models: Pair<&'a Model>,
    labels: &Pair<String>,
    [vmin, vmax]: [f64; 2],
) -> Figure<'a> {
    let panel = |model: &'a Model, title: String| -> Panel<'a> {
        Panel::Image(ImagePanel {
            transposed: true,
            equal_aspect: false,
            ..ImagePanel::new(
                Axes {
                    title,
                    xlabel: "Tokens".into(),
                    ylabel: "Dimensions".into(),
                    ..Axes::default()
                },
                &model.embeddings,
                (vmin, vmax),
                common::plot::Colormap::Viridis,
            )
        })
    };
    Figure::grid(
        1000,
        800,
        2,
        1,
        vec![
            panel(
                models.gpt,
                format!("{} embeddings matrix", hyphenated(&labels.gpt)),
            ),
            panel(models.bert, format!("{} embedding matrix", labels.bert)),
        ],
    )
}

/// One vector against the other on the dimensions compared, square markers as `'s'` draws
/// them (the face given, the edge the first colour of the cycle).
fn scatter(c: &Comparison, face: Rgba, title: String) -> Panel<'static> {
    let compared = c.compared();
    Panel::Xy(XyPanel {
        axes: Axes {
            title,
            xlabel: format!("{} (\"{}\")", c.labels.bert, c.token.bert),
            ylabel: format!("{} (\"{}\")", c.labels.gpt, c.token.gpt),
            ..Axes::default()
        },
        series: vec![Series {
            label: None,
            points: paired(compared.bert, compared.gpt),
            style: Style::Markers {
                marker: Marker::Square,
                size: 3,
                face,
                edge: C0,
            },
        }],
        legend: false,
    })
}

/// "Embedding comparison", saying when only the leading dimensions are compared.
fn comparison_title(c: &Comparison) -> String {
    if c.cut() {
        format!("Embedding comparison, first {} dims", c.dimensions)
    } else {
        "Embedding comparison".into()
    }
}

/// The same index in both models: both vectors over their dimensions, and one against the
/// other on the first min(d_BERT, d_GPT) dimensions.
pub fn same_index(c: &Comparison) -> Figure<'static> {
    let lines = Panel::Xy(XyPanel {
        axes: Axes {
            title: format!("Token {}", c.index.bert),
            xlabel: "Embeddings dimension".into(),
            ylabel: "Embedding value".into(),
            xlim: Some((0.0, c.vector.bert.len() as f64)),
            ..Axes::default()
        },
        // BERT drawn first, as in the notebook; each model in its colour (`MODEL_COLOURS`)
        series: vec![
            Series::line(
                c.labels.bert.clone(),
                indexed(&c.vector.bert),
                MODEL_COLOURS.bert,
                1,
            ),
            Series::line(
                c.labels.gpt.clone(),
                indexed(&c.vector.gpt),
                MODEL_COLOURS.gpt,
                1,
            ),
        ],
        legend: true,
    });
    let scatter = scatter(c, Rgba(0.7, 0.9, 0.7, 1.0), comparison_title(c));
    Figure::grid(1200, 400, 1, 2, vec![lines, scatter])
}

/// The same word in both models, one vector against the other, with r.
pub fn same_word(c: &Comparison) -> Figure<'static> {
    let title = format!(
        "{} (r = {})",
        comparison_title(c),
        decimals(f64::from(c.pearson_r), 3)
    );
    Figure::single(640, 480, scatter(c, Rgba(0.7, 0.9, 0.9, 1.0), title))
}

/// Density of the per-token variances and means in both models. The legends name each
/// model by its family alone ("BERT", "GPT"; the course models by the notebook's names):
/// a stand-in's full label would leave a half-width panel's legend no corner free of
/// the curves; the titles' stand-in tag and the chapter say which models they are.
pub fn distributions(d: &Distributions) -> Figure<'static> {
    let curves = |pair: &Pair<Distribution>| -> Vec<Series> {
        pair.as_ref()
            .zip(d.labels.as_ref())
            .zip(MODEL_COLOURS)
            .map(|((s, name), color)| {
                s.histogram
                    .as_ref()
                    .map(|h| Series::density(short_label(name).to_string(), h, color))
            })
            .into_array()
            .into_iter()
            .flatten()
            .collect()
    };
    let variance = Panel::Xy(XyPanel {
        axes: Axes {
            title: "Variances distributions".into(),
            xlabel: "Variance".into(),
            ylabel: "Density".into(),
            xlim: Some((0.0, f64::NAN)),
            ylim: Some((0.0, f64::NAN)),
            ..Axes::default()
        },
        series: curves(&d.variance),
        legend: true,
    });
    let mut mean_series = curves(&d.mean);
    mean_series.push(Series::axvline(0.0, GRAY));
    let mean = Panel::Xy(XyPanel {
        axes: Axes {
            title: "Means distributions".into(),
            xlabel: "Average".into(),
            ylabel: "Density".into(),
            ylim: Some((0.0, f64::NAN)),
            ..Axes::default()
        },
        series: mean_series,
        legend: true,
    });
    Figure::grid(1200, 350, 1, 2, vec![variance, mean])
}
