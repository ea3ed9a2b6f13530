//! Lesson 4's figures, drawn as the notebook draws them.

use common::analysis::svd::Svd;
use common::plot::{
    Axes, BLACK, BLUE, Color, Colormap, Figure, ImagePanel, Marker, Panel, Placed, Rgba, Series,
    Style, XyPanel, every_nth, indexed,
};
use common::{Matrix, Model};

use crate::{OrderedSet, OrderedSets, RandomDraws, Spectra, TokenSet, Uncentred};

/// The random draws' spectra drawn behind a set's: thin light lines, one a draw.
const DRAWS: Color = Color(0xd0, 0xd0, 0xe8);

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
    let draws_drawn = draws.is_some();
    let mut series: Vec<Series> = draws
        .map(|d| draw_lines(d, <[f32]>::to_vec))
        .unwrap_or_default();
    series.push(Series::marked_line(
        capitalised(&a.name),
        indexed(&svd_a.s),
        BLACK,
        Marker::Square,
        Rgba(0.7, 0.7, 0.9, 1.0),
    ));
    series.push(Series::marked_line(
        capitalised(&b.name),
        indexed(&svd_b.s),
        BLUE,
        Marker::Circle,
        Rgba(0.9, 0.7, 0.7, 1.0),
    ));
    let spectrum = Panel::Xy(XyPanel {
        axes: Axes {
            title: "Spectrum of embeddings submatrix".into(),
            xlabel: "Component (sorted index)".into(),
            // the notebook's label on the notebook's figure; the values are raw, so the
            // lesson's own figure (with the draws) says so
            ylabel: if draws_drawn {
                "Singular value"
            } else {
                "Singular value (max-norm)"
            }
            .into(),
            ..Axes::default()
        },
        series,
        legend: true,
    });
    Figure {
        // the notebook's 12 × 5 inches, taller: two vector panels above each other keep
        // room for their plots under 12 px text
        width: 1200,
        height: 640,
        rows: 2,
        cols: 2,
        panels: vec![
            Placed::at(
                0,
                0,
                vector(vector_title(&a.name), svd_a.vt.row(0), BLACK, ""),
            ),
            Placed::at(
                1,
                0,
                vector(
                    vector_title(&b.name),
                    svd_b.vt.row(0),
                    BLUE,
                    "Embedding dimension",
                ),
            ),
            Placed::at(0, 1, spectrum).spanning(2, 1),
        ],
    }
}

/// Each random draw's spectrum as a thin line (`values` of its singular values), and one
/// legend entry for them all.
fn draw_lines(draws: &RandomDraws, values: impl Fn(&[f32]) -> Vec<f32>) -> Vec<Series> {
    let mut lines: Vec<Series> = draws
        .spectra
        .iter()
        .map(|s| Series::line(None, indexed(&values(s)), DRAWS, 1))
        .collect();
    lines.push(Series::line(
        Some(format!("{} random draws", draws.spectra.len())),
        Vec::new(),
        DRAWS,
        1,
    ));
    lines
}

/// The two sets' spectra with and without centring, on one scale: left as they are, with
/// each set's √n‖x̄‖ dashed; right centred, as the notebook draws them.
pub fn uncentred(uncentred: &Uncentred, centred: &Spectra) -> Figure<'static> {
    let styles = [
        (BLACK, Marker::Square, Rgba(0.7, 0.7, 0.9, 1.0)),
        (BLUE, Marker::Circle, Rgba(0.9, 0.7, 0.7, 1.0)),
    ];
    let names = [&centred.set_a.name, &centred.set_b.name].map(|n| capitalised(n));
    let top = uncentred
        .sets
        .iter()
        .map(|u| u.singular_values[0].max(u.mean_length as f32))
        .fold(0.0f32, f32::max) as f64;
    let panel = |title: &str, spectra: [&[f32]; 2], means: Option<[f64; 2]>| {
        let mut series: Vec<Series> = Vec::new();
        for (i, ((color, marker, face), values)) in styles.into_iter().zip(spectra).enumerate() {
            series.push(Series::marked_line(
                names[i].clone(),
                indexed(values),
                color,
                marker,
                face,
            ));
            if let Some(means) = means {
                series.push(Series::axhline(means[i], color));
            }
        }
        Panel::Xy(XyPanel {
            axes: Axes {
                ylim: Some((0.0, 1.05 * top)),
                ..Axes::labelled(title, "Component (sorted index)", "Singular value")
            },
            series,
            legend: true,
        })
    };
    let [a, b] = [&uncentred.sets[0], &uncentred.sets[1]];
    Figure::grid(
        1200,
        450,
        1,
        2,
        vec![
            panel(
                "Not centred (dashed: √n ‖mean‖)",
                [&a.singular_values, &b.singular_values],
                Some([a.mean_length, b.mean_length]),
            ),
            panel(
                "Centred (the notebook's)",
                [&centred.singular_values_a, &centred.singular_values_b],
                None,
            ),
        ],
    )
}

/// Each component's fraction of the variance, σₖ² / Σσ² (4.3, one term at a time).
fn fractions(s: &[f32]) -> Vec<f32> {
    let total: f64 = s.iter().map(|&v| (v as f64).powi(2)).sum();
    s.iter()
        .map(|&v| ((v as f64).powi(2) / total) as f32)
        .collect()
}

/// For each ordered set: each component's fraction of its variance over the random draws
/// of its size (left; the shape, not the scale, is compared), and each member's
/// coordinate along its first direction against its place in the set (right).
pub fn ordered_sets(sets: &OrderedSets) -> Figure<'static> {
    let rows = sets.sets.len().max(1);
    let panels = sets.sets.iter().flat_map(|o| {
        let mut series = draw_lines(&o.draws, fractions);
        series.push(Series::marked_line(
            capitalised(&o.set.name),
            indexed(&fractions(&o.singular_values)),
            BLACK,
            Marker::Square,
            Rgba(0.7, 0.7, 0.9, 1.0),
        ));
        let spectrum = Panel::Xy(XyPanel {
            axes: Axes::labelled(
                &format!("Spectrum of the {}", o.set.name),
                "Component (sorted index)",
                "Fraction of variance",
            ),
            series,
            legend: true,
        });
        [spectrum, along_first_direction(o)]
    });
    Figure::grid(1200, 400 * rows as u32, rows, 2, panels.collect())
}

/// One set's members along its first direction, in the set's order, labelled by token
/// (every few where the labels would touch: about 300 page pixels for them, 7.5 a
/// character and 10 between).
fn along_first_direction(o: &OrderedSet) -> Panel<'static> {
    let longest = o
        .set
        .tokens
        .iter()
        .map(|t| t.chars().count())
        .max()
        .unwrap_or(1);
    let step = (o.set.tokens.len() * (longest * 15 / 2 + 10)).div_ceil(300);
    Panel::Xy(XyPanel {
        axes: Axes {
            x_tick_labels: Some(every_nth(&o.set.tokens, step, 0)),
            xlim: Some((-0.5, o.set.tokens.len() as f64 - 0.5)),
            ..Axes::labelled(
                &format!("The {} along v₁ (r = {:.2})", o.set.name, o.order_r),
                "",
                "Coordinate along v₁",
            )
        },
        series: vec![Series::marked_line(
            None,
            indexed(&o.coordinates),
            BLACK,
            Marker::Square,
            Rgba(0.7, 0.7, 0.9, 1.0),
        )],
        legend: false,
    })
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

/// |R|: absolute correlations between the set's (mean-centred) embeddings, each row and
/// column labelled by its token (every few, for a set too large to label each).
pub fn abs_correlations<'a>(m: &'a Matrix, set: &TokenSet) -> Figure<'a> {
    let labels = every_nth(&set.tokens, set.tokens.len().div_ceil(26), 0);
    Figure::single(
        620,
        520,
        Panel::Image(ImagePanel::new(
            Axes {
                title: format!("|R| for {} embeddings", attributive(&set.name)),
                xlabel: "Tokens".into(),
                ylabel: "Tokens".into(),
                x_tick_labels: Some(labels.clone()),
                y_tick_labels: Some(labels),
                ..Axes::default()
            },
            m,
            (0.0, 1.0),
            Colormap::Viridis,
        )),
    )
}
