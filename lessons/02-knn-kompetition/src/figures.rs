//! Lesson 2's figure: the distributions of distances from the seed word.

use common::Model;
use common::model::title_tag;
use common::plot::{Axes, C0, C1, Figure, Panel, Series, XyPanel};

use crate::Search;

/// Overlaid density histograms (90 bins) of the distances in both models.
pub fn distances(word: &str, search: &Search, bert: &Model, gpt: &Model) -> Figure<'static> {
    let mut series = Vec::new();
    for (name, histogram, color) in [
        ("GPT2", &search.gpt2_histogram, C0),
        ("BERT", &search.bert_histogram, C1),
    ] {
        if let Some(h) = histogram {
            series.push(Series::line(
                Some(name.to_string()),
                h.left_edge_points(),
                color,
                2,
            ));
        }
    }
    let how = if search.normalised {
        " with vector normalization"
    } else {
        ""
    };
    Figure::single(
        1000,
        400,
        Panel::Xy(XyPanel {
            axes: Axes {
                title: format!("Distances from \"{word}\"{how}{}", title_tag(&[bert, gpt])),
                xlabel: "Distances".into(),
                ylabel: "Density".into(),
                ..Axes::default()
            },
            series,
            legend: true,
        }),
    )
}
