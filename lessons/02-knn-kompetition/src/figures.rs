//! Lesson 2's figure: the distributions of distances from the seed word.

use common::Pair;
use common::plot::{Axes, Figure, MODEL_COLOURS, Panel, Series, XyPanel};

use common::analysis::stats::Histogram;

/// Overlaid density histograms (90 bins) of the distances in both models, among
/// unit-length vectors when `normalised`.
pub fn distances(
    word: &str,
    normalised: bool,
    histogram: &Pair<Option<Histogram>>,
    labels: &Pair<String>,
) -> Figure<'static> {
    // The notebook draws GPT-2 first, in the cycle's first colour (blue); the lesson draws
    // it first too, but in GPT's colour in every lesson (`MODEL_COLOURS`, orange).
    let lines = histogram
        .as_ref()
        .zip(MODEL_COLOURS)
        .zip(labels.as_ref())
        .map(|((histogram, color), name)| {
            histogram
                .as_ref()
                .map(|h| Series::density(name.clone(), h, color))
        });
    let series = [lines.gpt, lines.bert].into_iter().flatten().collect();
    // The notebook sets the x-limits to the outer bin edges of both histograms (no margins).
    let edges: Vec<f64> = [&histogram.bert, &histogram.gpt]
        .into_iter()
        .flatten()
        .flat_map(|h| [h.edges.first(), h.edges.last()])
        .flatten()
        .copied()
        .collect();
    let xlim = edges
        .iter()
        .copied()
        .reduce(f64::min)
        .zip(edges.iter().copied().reduce(f64::max));
    let how = if normalised {
        " with vector normalization"
    } else {
        ""
    };
    Figure::single(
        1000,
        400,
        Panel::Xy(XyPanel {
            axes: Axes {
                title: format!("Distances from \"{word}\"{how}"),
                xlabel: "Distances".into(),
                ylabel: "Density".into(),
                xlim,
                ..Axes::default()
            },
            series,
            legend: true,
        }),
    )
}
