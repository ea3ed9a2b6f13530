//! Lesson 1's figures, drawn as the notebook draws them.

use common::Model;
use common::model::title_tag;
use common::plot::{
    Axes, C0, C1, Colormap, Figure, GRAY, ImagePanel, Marker, Panel, Rgba, Series, Style, XyPanel,
    indexed, paired,
};
use plotters::style::{BLACK, RGBColor};

use crate::{Comparison, Distributions, TokenLengths};

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
                edge: RGBColor(128, 128, 128),
            },
        }],
        legend: false,
    })
}

/// Token-length bar charts: the notebook's (stored strings) on the left, decoded on the right.
pub fn token_lengths(
    gpt: &TokenLengths,
    bert: &TokenLengths,
    gpt_model: &Model,
    bert_model: &Model,
) -> Figure<'static> {
    let axes = |title: String| Axes {
        title,
        xlabel: "Token length (chars)".into(),
        ylabel: "Token count".into(),
        xlim: Some((0.0, 22.0)),
        ..Axes::default()
    };
    let (g, b) = (gpt_model.title_tag(), bert_model.title_tag());
    Figure::grid(
        1300,
        650,
        2,
        2,
        vec![
            bars(
                &gpt.stored,
                axes(format!("GPT2 token lengths, as stored (clipped at 22){g}")),
            ),
            bars(
                &gpt.decoded,
                axes(format!("GPT2 token lengths, decoded (clipped at 22){g}")),
            ),
            bars(
                &bert.stored,
                axes(format!("BERT token lengths, as stored{b}")),
            ),
            bars(
                &bert.decoded,
                axes(format!("BERT token lengths, decoded{b}")),
            ),
        ],
    )
}

/// Both embedding matrices, transposed (dimensions × tokens), colour limits ±0.15.
pub fn heatmaps<'a>(gpt: &'a Model, bert: &'a Model) -> Figure<'a> {
    let panel = |model: &'a Model, title: String| {
        Panel::Image(ImagePanel {
            transposed: true,
            ..ImagePanel::new(
                Axes {
                    title,
                    xlabel: "Tokens".into(),
                    ylabel: "Dimensions".into(),
                    ..Axes::default()
                },
                &model.embeddings,
                (-0.15, 0.15),
                Colormap::Viridis,
            )
        })
    };
    Figure::grid(
        1000,
        800,
        2,
        1,
        vec![
            panel(gpt, format!("GPT-2 embeddings matrix{}", gpt.title_tag())),
            panel(bert, format!("BERT embedding matrix{}", bert.title_tag())),
        ],
    )
}

fn scatter(c: &Comparison, face: Rgba, title: String) -> Panel<'static> {
    Panel::Xy(XyPanel {
        axes: Axes {
            title,
            xlabel: format!("BERT (\"{}\")", c.bert_token),
            ylabel: format!("GPT2 (\"{}\")", c.gpt2_token),
            ..Axes::default()
        },
        series: vec![Series::markers(
            paired(&c.bert_vector, &c.gpt2_vector),
            Marker::Square,
            3,
            face,
        )],
        legend: false,
    })
}

/// The same index in both models: both vectors over their dimensions, and (when the widths
/// match) one against the other.
pub fn same_index(c: &Comparison, bert: &Model, gpt: &Model) -> Figure<'static> {
    let lines = Panel::Xy(XyPanel {
        axes: Axes {
            title: format!("Token {}{}", c.bert_index, title_tag(&[bert, gpt])),
            xlabel: "Embeddings dimension".into(),
            ylabel: "Embedding value".into(),
            xlim: Some((0.0, c.bert_vector.len() as f64)),
            ..Axes::default()
        },
        series: vec![
            Series::line(
                Some(format!("BERT (\"{}\")", c.bert_token)),
                indexed(&c.bert_vector),
                C0,
                1,
            ),
            Series::line(
                Some(format!("GPT2 (\"{}\")", c.gpt2_token)),
                indexed(&c.gpt2_vector),
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
pub fn same_word(c: &Comparison, bert: &Model, gpt: &Model) -> Option<Figure<'static>> {
    let r = c.pearson_r?;
    let title = format!(
        "Embedding comparison (r = {r:.2}){}",
        title_tag(&[bert, gpt])
    );
    Some(Figure::single(
        640,
        480,
        scatter(c, Rgba(0.7, 0.9, 0.9, 1.0), title),
    ))
}

/// Density of the per-token variances and means in both models.
pub fn distributions(d: &Distributions, bert: &Model, gpt: &Model) -> Figure<'static> {
    let curves = |summaries: &[crate::Summary; 2]| -> Vec<Series> {
        summaries
            .iter()
            .zip([("BERT", C0), ("GPT2", C1)])
            .filter_map(|(s, (name, color))| {
                s.histogram
                    .as_ref()
                    .map(|h| Series::line(Some(name.to_string()), h.left_edge_points(), color, 2))
            })
            .collect()
    };
    let tag = title_tag(&[bert, gpt]);
    let variance = Panel::Xy(XyPanel {
        axes: Axes {
            title: format!("Variances distributions{tag}"),
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
        .iter()
        .filter_map(|s| s.histogram.as_ref())
        .flat_map(|h| h.values.iter().copied())
        .fold(0.0, f64::max);
    mean_series.push(Series::vertical_line(0.0, (0.0, top), GRAY));
    let mean = Panel::Xy(XyPanel {
        axes: Axes {
            title: format!("Means distributions{tag}"),
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
