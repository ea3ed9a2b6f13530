//! Lesson 1's figures, drawn as the notebook draws them.

use common::plot::{
    Axes, BLACK, C0, C1, Color, Colormap, Figure, GRAY, ImagePanel, Marker, Panel, Rgba, Series,
    Style, XyPanel, indexed, paired,
};
use common::{Model, Pair};

use crate::{Comparison, Distribution, Distributions, TokenLengths};

fn bars(counts: &[(usize, usize)], axes: Axes) -> Panel<'static> {
    let points = counts
        .iter()
        .map(|&(len, count)| (len as f64, count as f64))
        .collect();
    Panel::Xy(XyPanel {
        axes,
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

/// Token-length bar charts: the notebook's (stored strings) on the left, decoded on the right.
pub fn token_lengths(lengths: Pair<&TokenLengths>) -> Figure<'static> {
    let axes = |title: &str| Axes {
        title: title.into(),
        xlabel: "Token length (chars)".into(),
        ylabel: "Token count".into(),
        xlim: Some((0.0, 22.0)),
        ..Axes::default()
    };
    let Pair { bert, gpt } = lengths;
    Figure::grid(
        1300,
        650,
        2,
        2,
        vec![
            bars(
                &gpt.stored,
                axes("GPT token lengths, as stored (clipped at 22)"),
            ),
            bars(
                &gpt.decoded,
                axes("GPT token lengths, decoded (clipped at 22)"),
            ),
            bars(&bert.stored, axes("BERT token lengths, as stored")),
            bars(&bert.decoded, axes("BERT token lengths, decoded")),
        ],
    )
}

/// Both embedding matrices, transposed (dimensions × tokens), colour limits ±0.15.
pub fn heatmaps(models: Pair<&Model>) -> Figure<'_> {
    fn panel<'a>(model: &'a Model, title: &str) -> Panel<'a> {
        Panel::Image(ImagePanel {
            transposed: true,
            ..ImagePanel::new(
                Axes {
                    title: title.into(),
                    xlabel: "Tokens".into(),
                    ylabel: "Dimensions".into(),
                    ..Axes::default()
                },
                &model.embeddings,
                (-0.15, 0.15),
                Colormap::Viridis,
            )
        })
    }
    Figure::grid(
        1000,
        800,
        2,
        1,
        vec![
            panel(models.gpt, "GPT embedding matrix"),
            panel(models.bert, "BERT embedding matrix"),
        ],
    )
}

fn scatter(c: &Comparison, face: Rgba, title: String) -> Panel<'static> {
    Panel::Xy(XyPanel {
        axes: Axes {
            title,
            xlabel: format!("BERT (\"{}\")", c.token.bert),
            ylabel: format!("GPT (\"{}\")", c.token.gpt),
            ..Axes::default()
        },
        series: vec![Series::markers(
            paired(&c.vector.bert, &c.vector.gpt),
            Marker::Square,
            3,
            face,
        )],
        legend: false,
    })
}

/// The same index in both models: both vectors over their dimensions, and (when the widths
/// match) one against the other.
pub fn same_index(c: &Comparison) -> Figure<'static> {
    let lines = Panel::Xy(XyPanel {
        axes: Axes {
            title: format!("Token {}", c.index.bert),
            xlabel: "Embeddings dimension".into(),
            ylabel: "Embedding value".into(),
            xlim: Some((0.0, c.vector.bert.len() as f64)),
            ..Axes::default()
        },
        series: vec![
            Series::line(
                Some(format!("BERT (\"{}\")", c.token.bert)),
                indexed(&c.vector.bert),
                C0,
                1,
            ),
            Series::line(
                Some(format!("GPT (\"{}\")", c.token.gpt)),
                indexed(&c.vector.gpt),
                C1,
                1,
            ),
        ],
        legend: true,
    });
    match c.pearson_r {
        Some(_) => Figure::grid(
            1200,
            400,
            1,
            2,
            vec![
                lines,
                scatter(c, Rgba(0.7, 0.9, 0.7, 1.0), "Embedding comparison".into()),
            ],
        ),
        None => Figure::single(800, 400, lines),
    }
}

/// The same word in both models, one vector against the other (needs equal widths).
pub fn same_word(c: &Comparison) -> Option<Figure<'static>> {
    let r = c.pearson_r?;
    let title = format!("Embedding comparison (r = {r:.2})");
    Some(Figure::single(
        640,
        480,
        scatter(c, Rgba(0.7, 0.9, 0.9, 1.0), title),
    ))
}

/// Density of the per-token variances and means in both models.
pub fn distributions(d: &Distributions) -> Figure<'static> {
    let curves = |pair: &Pair<Distribution>| -> Vec<Series> {
        pair.as_ref()
            .zip(Pair::new(C0, C1))
            .map_named(|name, (s, color)| {
                s.histogram
                    .as_ref()
                    .map(|h| Series::line(Some(name.to_string()), h.left_edge_points(), color, 2))
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
    let top = d
        .mean
        .as_ref()
        .into_array()
        .iter()
        .filter_map(|s| s.histogram.as_ref())
        .flat_map(|h| h.values.iter().copied())
        .fold(0.0, f64::max);
    mean_series.push(Series::vertical_line(0.0, (0.0, top), GRAY));
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
