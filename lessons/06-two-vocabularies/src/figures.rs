//! Lesson 6's figures, in the course's matplotlib style.

use common::plot::{
    Axes, BLACK, C0, C1, C3, Color, Figure, GRAY, Marker, Panel, Rgba, Series, Style, XyPanel,
    short_label,
};

use crate::{Agreement, Alignment, SharedSummary, Similarity};

fn axes(title: &str, xlabel: &str, ylabel: &str) -> Axes {
    Axes {
        title: title.into(),
        xlabel: xlabel.into(),
        ylabel: ylabel.into(),
        ..Axes::default()
    }
}

fn bars(label: Option<&str>, points: Vec<(f64, f64)>, width: f64, face: Color) -> Series {
    Series {
        label: label.map(str::to_string),
        points,
        style: Style::Bars {
            width,
            face,
            edge: face,
        },
    }
}

/// Each model's vocabulary by kind: all entries (grey) and the shared ones (blue), on a
/// log scale, since the kinds range from a handful of tokens to twenty thousand.
pub fn shared_tokens(shared: &SharedSummary) -> Figure<'static> {
    // a bar from 1 token (the axis) to log10 of the count; a kind with no token has none
    let log_bars = |counts: Vec<usize>| -> Vec<(f64, f64)> {
        counts
            .into_iter()
            .enumerate()
            .filter(|&(_, n)| n > 0)
            .map(|(i, n)| (i as f64, (n as f64).log10()))
            .collect()
    };
    let largest = shared
        .by_kind
        .iter()
        .flatten()
        .map(|c| c.entries)
        .max()
        .unwrap_or(1);
    let decades = (largest.max(1) as f64).log10().ceil() as usize;
    // short tick labels (1, 10, 100, 1k, …), so that the axis label keeps clear of them
    let ticks: Vec<String> = (0..=decades)
        .map(|d| match d {
            0..=2 => 10u64.pow(d as u32).to_string(),
            _ => format!("{}k", 10u64.pow(d as u32 - 3)),
        })
        .collect();
    let panels = (0..2)
        .map(|side| {
            let kinds = &shared.by_kind[side];
            let names: Vec<String> = kinds.iter().map(|c| c.kind.clone()).collect();
            let all = log_bars(kinds.iter().map(|c| c.entries).collect());
            let matched = log_bars(kinds.iter().map(|c| c.shared).collect());
            Panel::Xy(XyPanel {
                axes: Axes {
                    x_tick_labels: Some(names),
                    x_tick_rotation: true,
                    xlim: Some((-0.6, kinds.len() as f64 - 0.4)),
                    // a decade above the tallest bar for the key
                    ylim: Some((0.0, decades as f64 + 1.0)),
                    y_tick_labels: Some(ticks.clone()),
                    ..axes(short_label(&shared.labels[side]), "", "Tokens (log scale)")
                },
                series: vec![
                    bars(Some("in the vocabulary"), all, 0.7, GRAY),
                    bars(Some("shared"), matched, 0.7, C0),
                ],
                legend: true,
            })
        })
        .collect();
    Figure::grid(1200, 700, 1, 2, panels)
}

/// CKA and RSA of the lesson's words, of random subsets of each size (a dot per draw, a
/// line through their means) and of all shared tokens; CKA's shuffled-token mean dashed.
pub fn similarity_by_size(similarity: &Similarity) -> Figure<'static> {
    let mut ticks = Vec::new();
    let mut values: [Vec<Vec<f64>>; 2] = [Vec::new(), Vec::new()];
    let mut chance = Vec::new();
    // Lesson 3's words, where scored, take the first column: a chosen set drawn as its own
    // marker, not joined to the random subsets' means (it is not the smallest of them)
    let words = similarity.words.cka.is_some() && similarity.words.rsa.is_some();
    if let (Some(cka), Some(rsa)) = (&similarity.words.cka, &similarity.words.rsa) {
        ticks.push(format!("{} words", similarity.words.shared.len()));
        values[0].push(vec![cka.value]);
        values[1].push(vec![rsa.value]);
        chance.push(cka.chance);
    }
    for size in &similarity.by_size {
        ticks.push(size.tokens.to_string());
        values[0].push(size.cka.clone());
        values[1].push(size.rsa.clone());
        chance.push(size.cka_chance.iter().sum::<f64>() / size.cka_chance.len().max(1) as f64);
    }
    ticks.push(format!("all {}", similarity.tokens));
    values[0].push(vec![similarity.cka.value]);
    values[1].push(vec![similarity.rsa_all]);
    chance.push(similarity.cka.chance);
    let panels = ["Linear CKA", "RSA (Pearson)"]
        .into_iter()
        .zip(values)
        .map(|(title, columns)| {
            let drawn = usize::from(words);
            let dots = columns
                .iter()
                .enumerate()
                .skip(drawn)
                .flat_map(|(x, column)| column.iter().map(move |&v| (x as f64, v)))
                .collect();
            let means = columns
                .iter()
                .enumerate()
                .skip(drawn)
                .map(|(x, column)| (x as f64, column.iter().sum::<f64>() / column.len() as f64))
                .collect();
            let mut series = vec![
                Series::line(Some("mean of the draws".to_string()), means, C0, 2),
                Series::markers(dots, Marker::Circle, 4, Rgba(0.12, 0.47, 0.71, 0.5)),
            ];
            if words {
                series.push(Series {
                    label: Some("lesson 3's words".into()),
                    points: vec![(0.0, columns[0][0])],
                    style: Style::Markers {
                        marker: Marker::Diamond,
                        size: 6,
                        face: Rgba(1.0, 1.0, 1.0, 1.0),
                        edge: BLACK,
                    },
                });
            }
            if title == "Linear CKA" {
                let line = chance
                    .iter()
                    .enumerate()
                    .map(|(x, &c)| (x as f64, c))
                    .collect();
                series.push(Series {
                    label: Some("shuffled tokens (mean)".into()),
                    points: line,
                    style: Style::Dashed {
                        color: GRAY,
                        width: 2,
                    },
                });
            }
            Panel::Xy(XyPanel {
                axes: Axes {
                    x_tick_labels: Some(ticks.clone()),
                    xlim: Some((-0.5, ticks.len() as f64 - 0.5)),
                    ylim: Some((0.0, 1.0)),
                    ..axes(
                        &format!("{title} by number of tokens"),
                        "Shared tokens compared",
                        title,
                    )
                },
                series,
                legend: true,
            })
        })
        .collect();
    Figure::grid(1200, 460, 1, 2, panels)
}

/// Precision@k for every k from 1 to 10, by cosine and by CSLS: what the table's two
/// columns leave out, how the share found grows as more candidates are allowed.
pub fn alignment(alignment: &Alignment) -> Figure<'static> {
    let curve = |p: &crate::AtK| -> Vec<(f64, f64)> {
        p.by_k
            .iter()
            .enumerate()
            .map(|(i, &v)| (i as f64, v))
            .collect()
    };
    let dots = |p: &crate::AtK, face: Rgba| Series::markers(curve(p), Marker::Circle, 5, face);
    let ks = alignment.plain.by_k.len();
    // up to 1 (every counterpart found), from a tenth below the lowest precision (0 at
    // the least), so that the steps between k show
    let lowest = (alignment.plain.by_k.iter())
        .chain(&alignment.csls.by_k)
        .fold(1.0f64, |low, &v| low.min(v));
    let floor = ((lowest - 0.1) * 10.0).floor().max(0.0) / 10.0;
    Figure::single(
        800,
        480,
        Panel::Xy(XyPanel {
            axes: Axes {
                x_tick_labels: Some((1..=ks).map(|k| k.to_string()).collect()),
                xlim: Some((-0.5, ks as f64 - 0.5)),
                ylim: Some((floor, 1.0)),
                grid: true,
                ..axes(
                    &format!(
                        "Counterparts found after Procrustes ({} held-out tokens)",
                        alignment.test
                    ),
                    "k: the counterpart among the k candidates nearest to the mapped token",
                    "Precision@k",
                )
            },
            series: vec![
                Series::line(
                    Some("by cosine".to_string()),
                    curve(&alignment.plain),
                    C0,
                    2,
                ),
                dots(&alignment.plain, Rgba(0.12, 0.47, 0.71, 1.0)),
                Series::line(Some("by CSLS".to_string()), curve(&alignment.csls), C1, 2),
                dots(&alignment.csls, Rgba(1.0, 0.5, 0.05, 1.0)),
            ],
            legend: true,
        }),
    )
}

/// How many of each token's k neighbours the two models share, and the mean by kind.
pub fn agreement(agreement: &Agreement, shared: &SharedSummary) -> Figure<'static> {
    let k = agreement.k;
    let distribution = agreement
        .distribution
        .iter()
        .enumerate()
        .map(|(x, &tokens)| (x as f64, tokens as f64))
        .collect();
    let names: Vec<String> = agreement
        .by_kind
        .iter()
        .map(|kind| kind.kind.clone())
        .collect();
    let means = agreement
        .by_kind
        .iter()
        .enumerate()
        .map(|(x, kind)| (x as f64, kind.mean))
        .collect();
    Figure::grid(
        1200,
        700,
        1,
        2,
        vec![
            Panel::Xy(XyPanel {
                axes: Axes {
                    xlim: Some((-0.6, k as f64 + 0.6)),
                    // Room above the tallest bar for the legend.
                    ylim: Some((
                        0.0,
                        1.25 * agreement.distribution.iter().copied().max().unwrap_or(1) as f64,
                    )),
                    ..axes(
                        &format!("Shared neighbours per token ({} tokens)", agreement.tokens),
                        &format!("Of its {k} nearest shared tokens, the same in both models"),
                        "Tokens",
                    )
                },
                series: vec![
                    bars(None, distribution, 0.8, C0),
                    Series {
                        label: Some(format!(
                            "unrelated spaces: {:.3} on average",
                            agreement.chance
                        )),
                        // red and wider, so it shows against the bar at 0
                        style: Style::Dashed {
                            color: C3,
                            width: 2,
                        },
                        ..Series::axvline(agreement.chance, GRAY)
                    },
                ],
                legend: true,
            }),
            Panel::Xy(XyPanel {
                axes: Axes {
                    x_tick_labels: Some(names.clone()),
                    x_tick_rotation: true,
                    xlim: Some((-0.6, names.len() as f64 - 0.4)),
                    ylim: Some((0.0, k as f64)),
                    ..axes(
                        &format!(
                            "By kind of token (as {} classes it)",
                            short_label(&shared.labels[0])
                        ),
                        "",
                        &format!("Mean shared of {k}"),
                    )
                },
                series: vec![bars(None, means, 0.7, C0)],
                legend: false,
            }),
        ],
    )
}
