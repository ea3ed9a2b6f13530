//! Lesson 7's figures: every measure drawn on the model (blue) beside its nulls — the
//! Gaussian matrix (grey) and the column-shuffled matrix (orange).

use common::analysis::isotropy::IsotropyStages;
use common::analysis::norm_frequency::MERGE_RANK;
use common::analysis::spectrum::SpectrumAgainstChance;
use common::analysis::stats::histogram;
use common::plot::{
    Axes, C0, C1, C3, Color, Figure, GRAY, Marker, Panel, Rgba, Series, Style, XyPanel,
};

use crate::{Counts, Intrinsic, Norms, Nulls, UnderTrained};

const MODEL: Color = C0;
const GAUSSIAN: Color = Color(0x7f, 0x7f, 0x7f);
const SHUFFLED: Color = C1;

fn panel(axes: Axes, series: Vec<Series>) -> Panel<'static> {
    Panel::Xy(XyPanel {
        axes,
        series,
        legend: true,
    })
}

/// A legend entry of its own: the renderer keys lines, not bars, markers or dashes.
fn bars(points: Vec<(f64, f64)>, width: f64, face: Color) -> Series {
    Series {
        label: None,
        points,
        style: Style::Bars {
            width,
            face,
            edge: face,
        },
    }
}

fn dots(points: Vec<(f64, f64)>, color: Color, size: u32) -> Series {
    let Color(r, g, b) = color;
    Series {
        label: None,
        points,
        style: Style::Markers {
            marker: Marker::Circle,
            size,
            face: Rgba(
                f64::from(r) / 255.0,
                f64::from(g) / 255.0,
                f64::from(b) / 255.0,
                0.6,
            ),
            edge: color,
        },
    }
}

/// Mean cosine and partition isotropy of the rows as they are, centred and
/// all-but-the-top, grouped bars for the model and both nulls.
pub fn isotropy(n: &Nulls<IsotropyStages>) -> Figure<'static> {
    let stages = |s: &IsotropyStages| [s.raw, s.centred, s.all_but_the_top];
    let labels = vec![
        "as they are".to_string(),
        "centred".to_string(),
        format!("all-but-the-top ({})", n.model.removed),
    ];
    // One legend, in the mean-cosine panel: the centred bars leave its upper right free,
    // while the isotropy panel's bars reach its top at every stage.
    let measure =
        |title: &str, value: fn(&common::analysis::isotropy::Isotropy) -> f64, keyed: bool| {
            let group = |s: &IsotropyStages, offset: f64| -> Vec<(f64, f64)> {
                stages(s)
                    .iter()
                    .enumerate()
                    .map(|(i, x)| (i as f64 + offset, value(x)))
                    .collect()
            };
            let keyed_bars = |label: &str, points, colour| Series {
                label: keyed.then(|| label.to_string()),
                ..bars(points, 0.25, colour)
            };
            let series = vec![
                keyed_bars("model", group(&n.model, -0.27), MODEL),
                keyed_bars("Gaussian null", group(&n.gaussian, 0.0), GAUSSIAN),
                keyed_bars("columns shuffled", group(&n.shuffled, 0.27), SHUFFLED),
            ];
            let axes = Axes {
                title: title.into(),
                x_tick_labels: Some(labels.clone()),
                xlim: Some((-0.5, 2.5)),
                ..Axes::default()
            };
            panel(axes, series)
        };
    Figure::grid(
        1200,
        420,
        1,
        2,
        vec![
            measure("Mean cosine of every pair", |x| x.mean_cosine, true),
            measure(
                "Partition isotropy I (1: no preferred direction)",
                |x| x.partition,
                false,
            ),
        ],
    )
}

/// Each dimension's contribution to the mean cosine, in dimension order. The equal share
/// and the Gaussian null both lie close to zero at this scale, so their keys give their
/// values.
pub fn rogue(contributions: &Nulls<Vec<f64>>) -> Figure<'static> {
    let indexed = |c: &[f64]| -> Vec<(f64, f64)> {
        c.iter().enumerate().map(|(i, &v)| (i as f64, v)).collect()
    };
    let d = contributions.model.len() as f64;
    let equal = contributions.model.iter().sum::<f64>() / d;
    let gaussian_largest = contributions
        .gaussian
        .iter()
        .fold(0.0f64, |a, &b| a.max(b.abs()));
    // Room above the tallest bar for the key, so that it hides none of them.
    let all = || {
        contributions
            .model
            .iter()
            .chain(&contributions.shuffled)
            .chain(&contributions.gaussian)
    };
    let low = all().fold(0.0f64, |a, &b| a.min(b));
    let high = all().fold(0.0f64, |a, &b| a.max(b));
    let span = (high - low).max(f64::MIN_POSITIVE);
    Figure::single(
        1200,
        420,
        panel(
            Axes {
                title: "Each dimension's term Cᵢ of the mean cosine".into(),
                xlabel: "Dimension".into(),
                ylabel: "Contribution Cᵢ".into(),
                xlim: Some((-1.0, d)),
                ylim: Some((low - 0.03 * span, high + 0.8 * span)),
                ..Axes::default()
            },
            vec![
                Series {
                    label: Some("model".into()),
                    ..bars(indexed(&contributions.model), 1.0, MODEL)
                },
                Series {
                    label: Some("columns shuffled".into()),
                    ..dots(indexed(&contributions.shuffled), SHUFFLED, 2)
                },
                Series {
                    label: Some(format!(
                        "Gaussian null (every |Cᵢ| ≤ {gaussian_largest:.1e})"
                    )),
                    ..dots(indexed(&contributions.gaussian), GAUSSIAN, 2)
                },
                Series {
                    label: Some(format!("equal shares ({equal:.5} each)")),
                    style: Style::Dashed {
                        color: C3,
                        width: 2,
                    },
                    ..Series::axhline(equal, C3)
                },
            ],
        ),
    )
}

/// The covariance's eigenvalues against the Marchenko–Pastur bulk (left, log scale), and
/// the Gaussian null's eigenvalues against the law's density (right).
pub fn spectrum(s: &Nulls<SpectrumAgainstChance>) -> Figure<'static> {
    let log = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .filter(|(_, x)| **x > 0.0)
            .map(|(i, x)| ((i + 1) as f64, x.log10()))
            .collect()
    };
    let law = s.model.law;
    let upper = Series {
        label: Some("bulk edges".to_string()),
        ..Series::axhline(law.upper.log10(), C3)
    };
    let lower = Series::axhline(law.lower.log10(), C3);
    let sorted = panel(
        Axes {
            title: "Eigenvalues of the covariance".into(),
            xlabel: "Component".into(),
            ylabel: "log10 eigenvalue".into(),
            ..Axes::default()
        },
        vec![
            Series::line(
                Some("model".to_string()),
                log(&s.model.eigenvalues),
                MODEL,
                2,
            ),
            Series::line(
                Some("columns shuffled".to_string()),
                log(&s.shuffled.eigenvalues),
                SHUFFLED,
                2,
            ),
            // thinner, over the shuffled line: inside the bulk the two nulls coincide
            Series::line(
                Some("Gaussian null".to_string()),
                log(&s.gaussian.eigenvalues),
                GAUSSIAN,
                1,
            ),
            upper,
            lower,
        ],
    );
    let null = &s.gaussian;
    let values: Vec<f32> = null.eigenvalues.iter().map(|&v| v as f32).collect();
    let mut series = Vec::new();
    if let Some(h) = histogram(&values, 30, true) {
        let width = h.edges[1] - h.edges[0];
        series.push(Series {
            label: Some("Gaussian null".into()),
            ..bars(h.centre_points(), width, GRAY)
        });
    }
    let (lo, hi) = (null.law.lower, null.law.upper);
    let curve = (0..=200)
        .map(|i| lo + (hi - lo) * f64::from(i) / 200.0)
        .map(|x| (x, null.law.density(x)))
        .collect();
    series.push(Series::line(
        Some("Marchenko–Pastur law".to_string()),
        curve,
        C3,
        2,
    ));
    // Room above the histogram's top for the key, so that it hides no bar.
    let peak = series
        .iter()
        .flat_map(|s| s.points.iter().map(|&(_, y)| y))
        .fold(0.0f64, f64::max);
    let bulk = panel(
        Axes {
            title: "The null's eigenvalues and the law".into(),
            xlabel: "Eigenvalue".into(),
            ylabel: "Density".into(),
            ylim: (peak > 0.0).then_some((0.0, 1.45 * peak)),
            ..Axes::default()
        },
        series,
    );
    Figure::grid(1200, 440, 1, 2, vec![sorted, bulk])
}

/// How many tokens have each k-occurrence, log scale, under both metrics.
pub fn hubness(counts: &Counts) -> Figure<'static> {
    let distribution = |n: &[u32]| -> Vec<(f64, f64)> {
        let top = n.iter().copied().max().unwrap_or(0) as usize;
        let mut tokens = vec![0u32; top + 1];
        for &v in n {
            tokens[v as usize] += 1;
        }
        tokens
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(v, &c)| ((v as f64 + 1.0).log10(), f64::from(c).log10()))
            .collect()
    };
    let metric = |title: &str, model: &[u32], null: &[u32]| {
        panel(
            Axes {
                title: title.into(),
                xlabel: "log10 (1 + Nₖ): in how many lists".into(),
                ylabel: "log10 tokens".into(),
                ..Axes::default()
            },
            vec![
                Series {
                    label: Some("model".into()),
                    ..dots(distribution(model), MODEL, 3)
                },
                Series {
                    label: Some("Gaussian null".into()),
                    ..dots(distribution(null), GAUSSIAN, 3)
                },
            ],
        )
    };
    Figure::grid(
        1200,
        440,
        1,
        2,
        vec![
            metric(
                "k-occurrence, Euclidean",
                &counts.model.euclidean,
                &counts.gaussian.euclidean,
            ),
            metric(
                "k-occurrence, cosine",
                &counts.model.cosine,
                &counts.gaussian.cosine,
            ),
        ],
    )
}

/// TwoNN's fit: −ln(1 − F(μ)) against ln μ with the fitted line through the origin, whose
/// slope is the estimate.
pub fn twonn(i: &Intrinsic) -> Figure<'static> {
    let mut series = Vec::new();
    for (name, t, color) in [
        ("model", &i.model, MODEL),
        ("Gaussian null", &i.gaussian, GAUSSIAN),
        ("Gaussian of width 8", &i.check, C3),
    ] {
        series.push(dots(t.fit_points.clone(), color, 2));
        let x_end = t.fit_points.iter().map(|p| p.0).fold(0.0, f64::max);
        series.push(Series::line(
            Some(format!("{name}: slope {:.1}", t.dimension)),
            vec![(0.0, 0.0), (x_end, t.dimension * x_end)],
            color,
            2,
        ));
    }
    Figure::single(
        900,
        480,
        panel(
            Axes {
                title: "TwoNN: the slope is the intrinsic dimension".into(),
                xlabel: "ln μ  (μ = r₂ / r₁)".into(),
                ylabel: "−ln(1 − F(μ))".into(),
                ..Axes::default()
            },
            series,
        ),
    )
}

/// The distribution of row norms (left) and the mean norm along the frequency proxy (right).
pub fn norms(n: &Norms) -> Figure<'static> {
    let mut left = Vec::new();
    let mut peak = 0.0f64;
    if let Some(h) = &n.histogram {
        peak = h.values.iter().copied().fold(0.0, f64::max);
        left.push(Series::line(
            "model".to_string(),
            h.outline_points(),
            MODEL,
            2,
        ));
    }
    left.push(Series {
        label: Some("Gaussian null's mean".to_string()),
        ..Series::axvline(n.gaussian.mean, GAUSSIAN)
    });
    let proxy = n
        .model
        .as_ref()
        .map_or("frequency proxy".to_string(), |m| m.proxy.clone());
    let right = vec![
        Series::line(
            Some("model".to_string()),
            n.binned.iter().map(|&(x, m, _)| (x, m)).collect(),
            MODEL,
            2,
        ),
        Series::line(
            Some("columns shuffled".to_string()),
            n.binned.iter().map(|&(x, _, s)| (x, s)).collect(),
            SHUFFLED,
            2,
        ),
    ];
    Figure::grid(
        1200,
        440,
        1,
        2,
        vec![
            panel(
                Axes {
                    title: "Row norms".into(),
                    xlabel: "‖e‖".into(),
                    ylabel: "Density".into(),
                    // room above the density for the key, which the dashed line crosses
                    // wherever it sits
                    ylim: (peak > 0.0).then_some((0.0, 1.4 * peak)),
                    ..Axes::default()
                },
                left,
            ),
            panel(
                Axes {
                    title: format!("Mean norm along the {proxy}"),
                    // only merge ranks follow frequency; a WordPiece id follows vocab.txt
                    xlabel: if proxy == MERGE_RANK {
                        format!("{proxy} (rarer →)")
                    } else {
                        proxy.clone()
                    },
                    ylabel: "Mean ‖e‖ of 1/50 of the tokens".into(),
                    // the bins' own range, so no tick past them is cut at the edge
                    xlim: bins_range(&n.binned),
                    ..Axes::default()
                },
                right,
            ),
        ],
    )
}

/// From the first bin's x to the last's, a fiftieth of the span beyond each.
fn bins_range(binned: &[(f64, f64, f64)]) -> Option<(f64, f64)> {
    let (first, last) = (binned.first()?.0, binned.last()?.0);
    let pad = (last - first) / 50.0;
    (last > first).then_some((first - pad, last + pad))
}

/// The densities of the under-trained score: unreachable tokens against reachable ones.
pub fn under_trained(u: &UnderTrained) -> Figure<'static> {
    let colors = [C3, MODEL, GAUSSIAN];
    let series = u
        .score_densities
        .iter()
        .zip(colors)
        .map(|((name, h), color)| Series::line(name.clone(), h.outline_points(), color, 2))
        .collect();
    let what = match u.method {
        crate::Method::Indicator => "Indicator: cosine to the unreachable tokens' mean row",
        crate::Method::Norm => "No unreachable tokens: the score is minus the row norm",
    };
    Figure::single(
        1000,
        420,
        panel(
            Axes {
                title: what.into(),
                xlabel: "Under-trained score".into(),
                ylabel: "Density".into(),
                ..Axes::default()
            },
            series,
        ),
    )
}
