//! Lesson 3's figures, drawn as the notebook draws them, with its `plt.rcParams`: no top
//! or right spines, bold titles and axis labels.

use common::analysis::rsa::upper_triangle;
use common::plot::{
    Axes, BLACK, Colormap, Figure, ImagePanel, Marker, Panel, Placed, RcParams, Rgba, Series,
    XyPanel, every_nth, hyphenated, paired, short_label,
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
            // the family alone: a stand-in's full label runs past the axis; the
            // title's tag says what the models are
            xlabel: format!("{} embeddings", short_label(&labels.bert)),
            ylabel: format!("{} embeddings", hyphenated(short_label(&labels.gpt))),
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
    // A word whose r is undefined (a constant vector) has no point.
    let points = r
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i as f64, v as f64)))
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

/// The most words a similarity panel labels each of, at the RSA figure's size (18, the
/// notebook's default list, measured to fit without their labels touching); longer
/// lists get every second, third… word, as the notebook labels every second.
const LABELLED_WORDS: usize = 18;

/// A cosine-similarity matrix with its words on both axes (every one that fits);
/// `colorbar` for the one panel that carries the colour bar both share (the same limits
/// and colour map).
fn similarity_panel<'a>(
    m: &'a Matrix,
    words: &[String],
    title: String,
    colorbar: bool,
) -> Panel<'a> {
    let step = words.len().div_ceil(LABELLED_WORDS).max(1);
    Panel::Image(ImagePanel {
        colorbar,
        ..ImagePanel::new(
            Axes {
                title,
                x_tick_labels: Some(every_nth(words, step, 0)),
                y_tick_labels: Some(every_nth(words, step, (step > 1).into())),
                x_tick_rotation: true,
                rc: RcParams::OpenBold,
                ..Axes::default()
            },
            m,
            (0.1, 0.5),
            Colormap::Plasma,
        )
    })
}

/// Part 3: both cosine-similarity matrices and their upper triangles against each other.
/// The matrices' titles name the models in full (a long title wraps); the scatter's axes,
/// a third of the page wide, name them by [`short_label`].
pub fn rsa<'a>(
    words: &[String],
    similarity: Pair<&'a Matrix>,
    r: f64,
    labels: &Pair<String>,
) -> Figure<'a> {
    let Pair { bert, gpt } = similarity;
    let labels = labels.as_ref().map(|label| hyphenated(label));
    let scatter = Panel::Xy(XyPanel {
        axes: Axes {
            title: format!("C) Correlation (RSA score): r = {r:.2}"),
            xlabel: format!("{} cosine similarities", short_label(&labels.bert)),
            ylabel: format!("{} cosine similarities", short_label(&labels.gpt)),
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
    // The notebook's three panels in a row leave each a third of the page, too narrow for
    // word labels at a legible size: the matrices side by side, the scatter centred below.
    // The notebook labels every other word; here every word is labelled, which 18 rows
    // fit only with one colour bar for both matrices, the GPT panel's: its panel is wider
    // by the bar (19 of 35 columns to 16), so that the two matrices are drawn one size.
    let title = |label: &str, model: &str| format!("{label}) Cossim matrix for {model}");
    Figure {
        width: 1000,
        height: 1100,
        rows: 2,
        cols: 35,
        panels: vec![
            Placed::at(
                0,
                0,
                similarity_panel(bert, words, title("A", &labels.bert), false),
            )
            .spanning(1, 16),
            Placed::at(
                0,
                16,
                similarity_panel(gpt, words, title("B", &labels.gpt), true),
            )
            .spanning(1, 19),
            Placed::at(1, 8, scatter).spanning(1, 19),
        ],
    }
}

/// Part 4: the model × model RSA matrix (`sizes.rsa` as a matrix), values in the cells.
pub fn model_matrix<'a>(sizes: &ModelSizes, matrix: &'a Matrix) -> Figure<'a> {
    let labels = sizes.axis_labels.clone();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every panel's title and axis labels, in order.
    fn texts(figure: &Figure) -> Vec<String> {
        figure
            .panels
            .iter()
            .flat_map(|placed| {
                let axes = match &placed.panel {
                    Panel::Xy(panel) => &panel.axes,
                    Panel::Image(panel) => &panel.axes,
                };
                [&axes.title, &axes.xlabel, &axes.ylabel]
                    .into_iter()
                    .filter(|t| !t.is_empty())
                    .cloned()
            })
            .collect()
    }

    #[test]
    fn the_similarity_panels_label_every_word_up_to_eighteen_then_every_other() {
        let m = Matrix::new(1, 1, vec![1.0]).unwrap();
        let labels = |n: usize| {
            let words: Vec<String> = (0..n).map(|i| format!("w{i}")).collect();
            match similarity_panel(&m, &words, String::new(), false) {
                Panel::Image(p) => (p.axes.x_tick_labels.unwrap(), p.axes.y_tick_labels.unwrap()),
                Panel::Xy(_) => unreachable!(),
            }
        };
        let (x, y) = labels(18);
        assert!(x.iter().chain(&y).all(|l| !l.is_empty()));
        // 27 words: the notebook's every other, x from the first word, y from the second
        let (x, y) = labels(27);
        assert_eq!(
            (x[0].as_str(), x[1].as_str(), x[2].as_str()),
            ("w0", "", "w2")
        );
        assert_eq!(
            (y[0].as_str(), y[1].as_str(), y[2].as_str()),
            ("", "w1", "")
        );
    }

    #[test]
    fn the_rsa_figure_says_the_notebooks_names_for_the_course_models_and_what_a_stand_in_is() {
        let m = Matrix::new(2, 2, vec![1.0, 0.3, 0.3, 1.0]).unwrap();
        let words = ["cat".to_string(), "dog".to_string()];
        let course = Pair::new("BERT".to_string(), "GPT2".to_string());
        assert_eq!(
            texts(&rsa(&words, Pair::new(&m, &m), 0.5, &course)),
            [
                "A) Cossim matrix for BERT",
                "B) Cossim matrix for GPT-2",
                "C) Correlation (RSA score): r = 0.50",
                "BERT cosine similarities",
                "GPT-2 cosine similarities",
            ]
        );
        let standins = Pair::new(
            "BERT (MiniLM stand-in)".to_string(),
            "GPT (SmolLM2 stand-in)".to_string(),
        );
        assert_eq!(
            texts(&rsa(&words, Pair::new(&m, &m), 0.5, &standins)),
            [
                "A) Cossim matrix for BERT (MiniLM stand-in)",
                "B) Cossim matrix for GPT (SmolLM2 stand-in)",
                "C) Correlation (RSA score): r = 0.50",
                "BERT cosine similarities",
                "GPT cosine similarities",
            ]
        );
    }
}
