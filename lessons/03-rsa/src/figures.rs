//! Lesson 3's figures, drawn as the notebook draws them.

use common::model::title_tag;
use common::plot::{
    Axes, Colormap, Figure, ImagePanel, Marker, Panel, Rgba, Series, XyPanel, paired,
};
use common::rsa::upper_triangle;
use common::{Matrix, Model};
use plotters::style::BLACK;

use crate::{ModelSizes, PerWord};

/// Part 2: the first word's two vectors against each other, and every word's correlation.
/// `None` when the widths differ (there is nothing to pair).
pub fn per_word(
    words: &[String],
    bert: &Matrix,
    gpt: &Matrix,
    per_word: &PerWord,
    bm: &Model,
    gm: &Model,
) -> Option<Figure<'static>> {
    let r = per_word.correlations.as_ref()?;
    let tag = title_tag(&[bm, gm]);
    let scatter = Panel::Xy(XyPanel {
        axes: Axes {
            title: format!("A) Embeddings for \"{}\"{tag}", words[0]),
            xlabel: "BERT embeddings".into(),
            ylabel: "GPT-2 embeddings".into(),
            ..Axes::default()
        },
        series: vec![Series::markers(
            paired(bert.row(0), gpt.row(0)),
            Marker::Hexagon,
            4,
            Rgba(0.7, 0.7, 0.9, 0.4),
        )],
        legend: false,
    });
    let points = r
        .iter()
        .enumerate()
        .map(|(i, &v)| (i as f64, v as f64))
        .collect();
    let correlations = Panel::Xy(XyPanel {
        axes: Axes {
            title: "B) Correlation for each word".into(),
            ylabel: "Correlation coefficient".into(),
            ylim: Some((-0.5, 0.5)),
            xlim: Some((-0.5, words.len() as f64 - 0.5)),
            x_tick_labels: Some(words.to_vec()),
            ..Axes::default()
        },
        series: vec![
            Series::horizontal_line(0.0, (-0.5, words.len() as f64 - 0.5), BLACK),
            Series::markers(points, Marker::Hexagon, 7, Rgba(0.9, 0.7, 0.7, 1.0)),
        ],
        legend: false,
    });
    Some(Figure::grid(1000, 400, 1, 2, vec![scatter, correlations]))
}

/// Every other word as tick text, as the notebook labels its 18×18 matrices.
fn every_other(words: &[String], first: usize) -> Vec<String> {
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i % 2 == first {
                w.clone()
            } else {
                String::new()
            }
        })
        .collect()
}

fn similarity_panel<'a>(m: &'a Matrix, words: &[String], title: String) -> Panel<'a> {
    Panel::Image(ImagePanel::new(
        Axes {
            title,
            x_tick_labels: Some(every_other(words, 0)),
            y_tick_labels: Some(every_other(words, 1)),
            ..Axes::default()
        },
        m,
        (0.1, 0.5),
        Colormap::Plasma,
    ))
}

/// Part 3: both cosine-similarity matrices and their upper triangles against each other.
pub fn rsa<'a>(
    words: &[String],
    bert: &'a Matrix,
    gpt: &'a Matrix,
    r: f64,
    bm: &Model,
    gm: &Model,
) -> Figure<'a> {
    let tag = title_tag(&[bm, gm]);
    let scatter = Panel::Xy(XyPanel {
        axes: Axes {
            title: format!("C) Correlation (RSA score): r = {r:.2}"),
            xlabel: "BERT cosine similarities".into(),
            ylabel: "GPT-2 cosine similarities".into(),
            ..Axes::default()
        },
        series: vec![Series::markers(
            paired(&upper_triangle(bert), &upper_triangle(gpt)),
            Marker::Hexagon,
            5,
            Rgba(0.7, 0.9, 0.7, 0.5),
        )],
        legend: false,
    });
    Figure::grid(
        1500,
        460,
        1,
        3,
        vec![
            similarity_panel(bert, words, format!("A) Cossim matrix for BERT{tag}")),
            similarity_panel(gpt, words, format!("B) Cossim matrix for GPT-2{tag}")),
            scatter,
        ],
    )
}

/// Part 4: the model × model RSA matrix (`sizes.rsa` as a matrix), values in the cells.
pub fn model_matrix<'a>(sizes: &ModelSizes, matrix: &'a Matrix) -> Figure<'a> {
    let labels: Vec<String> = sizes
        .names
        .iter()
        .zip(&sizes.widths)
        .map(|(m, w)| format!("{m} ({w})"))
        .collect();
    let tag = if sizes.standin.iter().any(|&s| s) {
        " [stand-ins]"
    } else {
        ""
    };
    Figure::single(
        900,
        700,
        Panel::Image(ImagePanel {
            cell_values: true,
            ..ImagePanel::new(
                Axes {
                    title: format!("RSA between models of different widths{tag}"),
                    x_tick_labels: Some(labels.clone()),
                    y_tick_labels: Some(labels),
                    ..Axes::default()
                },
                matrix,
                (0.0, 1.0),
                Colormap::Viridis,
            )
        }),
    )
}
