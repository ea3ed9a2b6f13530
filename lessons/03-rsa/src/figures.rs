//! Lesson 3's figures, drawn as the notebook draws them, with its `plt.rcParams`: no top
//! or right spines, bold titles and axis labels.

use common::analysis::rsa::upper_triangle;
use common::pair::Family;
use common::plot::{
    Axes, BLACK, Colormap, Figure, ImagePanel, Marker, Panel, RcParams, Rgba, Series, XyPanel,
    every_nth, paired,
};
use common::{Matrix, Pair};

use crate::{ModelSizes, PerWord};

/// Part 2: the first word's two vectors against each other, and every word's correlation.
/// `None` when the widths differ (there is nothing to pair).
pub fn per_word(
    words: &[String],
    vectors: Pair<&Matrix>,
    per_word: &PerWord,
    labels: &Pair<String>,
) -> Option<Figure<'static>> {
    let r = per_word.correlations.as_ref()?;
    let Pair { bert, gpt } = vectors;
    let scatter = Panel::Xy(XyPanel {
        axes: Axes {
            title: format!("A) Embeddings for \"{}\"", words[0]),
            xlabel: format!("{} embeddings", labels.bert),
            ylabel: format!("{} embeddings", labels.gpt),
            rc: RcParams::OpenBold,
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
            x_tick_rotation: true,
            rc: RcParams::OpenBold,
            ..Axes::default()
        },
        series: vec![
            Series::axhline(0.0, BLACK),
            Series::markers(points, Marker::Hexagon, 7, Rgba(0.9, 0.7, 0.7, 1.0)),
        ],
        legend: false,
    });
    Some(Figure::grid(1000, 400, 1, 2, vec![scatter, correlations]))
}

fn similarity_panel<'a>(m: &'a Matrix, words: &[String], title: String) -> Panel<'a> {
    Panel::Image(ImagePanel::new(
        Axes {
            title,
            x_tick_labels: Some(every_nth(words, 2, 0)),
            y_tick_labels: Some(every_nth(words, 2, 1)),
            x_tick_rotation: true,
            rc: RcParams::OpenBold,
            ..Axes::default()
        },
        m,
        (0.1, 0.5),
        Colormap::Plasma,
    ))
}

/// Part 3: both cosine-similarity matrices and their upper triangles against each other.
pub fn rsa<'a>(words: &[String], similarity: Pair<&'a Matrix>, r: f64) -> Figure<'a> {
    let Pair { bert, gpt } = similarity;
    let scatter = Panel::Xy(XyPanel {
        axes: Axes {
            title: format!("C) Correlation (RSA score): r = {r:.2}"),
            // the families alone, as in the matrices' titles: a panel a third wide
            xlabel: format!("{} cosine similarities", Family::BERT),
            ylabel: format!("{} cosine similarities", Family::GPT),
            grid: true,
            rc: RcParams::OpenBold,
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
            // the family alone: a label and the stand-in tag overflow a third of the figure
            similarity_panel(
                bert,
                words,
                format!("A) Cossim matrix for {}", Family::BERT),
            ),
            similarity_panel(gpt, words, format!("B) Cossim matrix for {}", Family::GPT)),
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
    Figure::single(
        900,
        700,
        Panel::Image(ImagePanel {
            cell_values: true,
            ..ImagePanel::new(
                Axes {
                    title: "RSA between models of different widths".into(),
                    x_tick_labels: Some(labels.clone()),
                    y_tick_labels: Some(labels),
                    x_tick_rotation: true,
                    rc: RcParams::OpenBold,
                    ..Axes::default()
                },
                matrix,
                (0.0, 1.0),
                Colormap::Viridis,
            )
        }),
    )
}
