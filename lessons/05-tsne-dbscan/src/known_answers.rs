//! The known answer before the unknown one: point sets whose structure is known because
//! they were drawn that way — clusters of different spreads and sizes, a known gap, pure
//! noise, a line — mapped by the lesson's own t-SNE, called as the notebook calls it
//! (`TSNE(n_components=2, perplexity=…)`), at the perplexities of Wattenberg, Viégas and
//! Johnson's "How to use t-SNE effectively" (Distill, 2016). What each map keeps of the
//! known structure is measured the same way on the data and on the map ([`Shape`]), so a
//! reader of the token maps knows which of a map's features to trust before meeting a
//! space whose answer nobody knows.
//!
//! `cargo run -p lesson05 --example known-answers` writes the figures, `report.json` and
//! `numbers.md` (the lesson 5 chapter's first widget).

use std::fmt;

use anyhow::Result;
use clap::Parser;
use common::analysis::stats::median;
use common::analysis::tsne::{TsneOptions, TsneResult, trustworthiness, tsne};
use common::plot::{
    Axes, BLACK, CYCLE, Colormap, Figure, Marker, Panel, Rgba, Series, Style, XyPanel,
};
use common::rng::SeededRng;
use common::run::report::{BookNumbers, markdown_table};
use common::run::{Budget, Flags};
use common::{LessonArgs, Matrix, Report, Session};
use serde::Serialize;

pub const LESSON: &str = "05-known-answers";

/// Distill's perplexities.
pub const PERPLEXITIES: [f64; 5] = [2.0, 5.0, 30.0, 50.0, 100.0];

/// Neighbours counted by [`Shape::mixed`], as trustworthiness counts them.
const NEAREST: usize = 5;
/// A step along the line this many times its median step is a break.
const BREAK: f64 = 5.0;

/// The known answers mapped by lesson 5's t-SNE.
#[derive(Parser, Clone, Debug)]
#[command(name = "known-answers", version)]
pub struct KnownArgs {
    #[command(flatten)]
    pub common: LessonArgs,
}

impl Flags for KnownArgs {}

/// A point set drawn with a structure known in advance.
#[derive(Debug, Serialize)]
pub struct ToySet {
    /// Short name, as the figures' files and the widget's address name it.
    pub name: &'static str,
    pub title: &'static str,
    /// What was drawn, in words.
    pub known: String,
    /// Each point's cluster, 0, 1, … (a set without clusters is one cluster).
    pub clusters: Vec<usize>,
    /// What each cluster is, as the data were drawn.
    pub cluster_names: Vec<String>,
    /// For a line: each point's position along it (points in that order).
    pub along: Option<Vec<f64>>,
    /// The points, one row each (for the independent check, `crosscheck_known_answers.py`).
    pub points: Vec<Vec<f32>>,
}

/// `n` points of a Gaussian cluster of standard deviation `sigma` around `centre`.
fn gaussian(rng: &mut SeededRng, n: usize, sigma: f64, centre: &[f64]) -> Vec<Vec<f32>> {
    (0..n)
        .map(|_| {
            centre
                .iter()
                .map(|&c| (c + sigma * rng.normal()) as f32)
                .collect()
        })
        .collect()
}

/// A `dim`-dimensional point with coordinates 1 and 2 `first` and `second`, the rest 0.
fn axis_point(dim: usize, first: f64, second: f64) -> Vec<f64> {
    let mut p = vec![0.0; dim];
    p[0] = first;
    if dim > 1 {
        p[1] = second;
    }
    p
}

/// The four sets, drawn from `seed`.
pub fn toy_sets(seed: u64) -> Vec<ToySet> {
    let mut rng = SeededRng::new(seed);
    let mut sets = Vec::new();

    // Distill's "cluster sizes mean nothing": equal clusters, one ten times as spread;
    // and a third with a quarter of the points.
    let mut points = gaussian(&mut rng, 100, 1.0, &[0.0, 0.0]);
    points.extend(gaussian(&mut rng, 100, 10.0, &[60.0, 0.0]));
    points.extend(gaussian(&mut rng, 25, 1.0, &[30.0, 40.0]));
    sets.push(ToySet {
        name: "sizes",
        title: "Clusters of different spreads and sizes",
        known: "three Gaussian clusters in 2-D: 100 points of standard deviation 1, 100 points of standard deviation 10, 25 points of standard deviation 1".into(),
        clusters: [vec![0; 100], vec![1; 100], vec![2; 25]].concat(),
        cluster_names: vec![
            "100 points, σ 1".into(),
            "100 points, σ 10".into(),
            "25 points, σ 1".into(),
        ],
        along: None,
        points,
    });

    // Distill's "distances between clusters might not mean anything": three clusters in
    // 50-D, the second pair five times as far apart as the first.
    let dim = 50;
    let mut points = gaussian(&mut rng, 50, 1.0, &axis_point(dim, 0.0, 0.0));
    points.extend(gaussian(&mut rng, 50, 1.0, &axis_point(dim, 20.0, 0.0)));
    points.extend(gaussian(&mut rng, 50, 1.0, &axis_point(dim, 120.0, 0.0)));
    sets.push(ToySet {
        name: "gap",
        title: "A known gap",
        known: "three Gaussian clusters of 50 points in 50-D, standard deviation 1, centres at 0, 20 and 120 along the first coordinate: the gap between the second and third is five times the gap between the first and second".into(),
        clusters: [vec![0; 50], vec![1; 50], vec![2; 50]].concat(),
        cluster_names: vec![
            "centre 0".into(),
            "centre 20".into(),
            "centre 120".into(),
        ],
        along: None,
        points,
    });

    // Distill's "random noise doesn't always look random".
    let points = gaussian(&mut rng, 200, 1.0, &[0.0; 100]);
    sets.push(ToySet {
        name: "noise",
        title: "Pure noise",
        known: "200 points from one Gaussian in 100-D (standard deviation 1 in every direction): no clusters at all".into(),
        clusters: vec![0; 200],
        cluster_names: vec!["200 points, σ 1".into()],
        along: None,
        points,
    });

    // A line: evenly spaced points, a little noise across it (on an exact line, t-SNE's
    // PCA start and its gradient have nothing across it to act on: the map stays a line).
    let along: Vec<f64> = (0..200).map(|i| i as f64 / 2.0).collect();
    let points = along
        .iter()
        .map(|&t| vec![t as f32, (0.1 * rng.normal()) as f32])
        .collect();
    sets.push(ToySet {
        name: "line",
        title: "A line",
        known: "200 points 0.5 apart along a segment in 2-D, with noise of standard deviation 0.1 across it".into(),
        clusters: vec![0; 200],
        cluster_names: vec!["200 points on a line".into()],
        points,
        along: Some(along),
    });
    sets
}

impl ToySet {
    pub fn matrix(&self) -> Result<Matrix> {
        let cols = self.points.first().map_or(0, Vec::len);
        Matrix::new(self.points.len(), cols, self.points.concat())
    }

    /// What a point set shows of this set's known structure: the data itself or a map.
    pub fn shape(&self, points: &[Vec<f64>]) -> Shape {
        let n = points.len();
        let distance = |i: usize, j: usize| euclidean(&points[i], &points[j]);
        let clusters = self.cluster_names.len();
        let mixed = (clusters > 1).then(|| {
            let count = (0..n)
                .filter(|&i| {
                    let mut others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
                    others.sort_by(|&a, &b| {
                        distance(i, a).total_cmp(&distance(i, b)).then(a.cmp(&b))
                    });
                    others[..NEAREST]
                        .iter()
                        .any(|&j| self.clusters[j] != self.clusters[i])
                })
                .count();
            count as f64 / n as f64
        });
        let centroid = |c: usize| -> Vec<f64> {
            let members: Vec<&Vec<f64>> = (0..n)
                .filter(|&i| self.clusters[i] == c)
                .map(|i| &points[i])
                .collect();
            let dim = points[0].len();
            (0..dim)
                .map(|k| members.iter().map(|p| p[k]).sum::<f64>() / members.len() as f64)
                .collect()
        };
        let centroids: Vec<Vec<f64>> = (0..clusters).map(centroid).collect();
        let spreads = (0..clusters)
            .map(|c| {
                let members: Vec<usize> = (0..n).filter(|&i| self.clusters[i] == c).collect();
                let sum: f64 = members
                    .iter()
                    .map(|&i| euclidean(&points[i], &centroids[c]).powi(2))
                    .sum();
                (sum / members.len() as f64).sqrt()
            })
            .collect();
        let gaps = (1..clusters)
            .map(|c| euclidean(&centroids[c - 1], &centroids[c]))
            .collect();
        let edges = spanning_tree_edges(n, distance);
        let longest = edges.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let widest_gap = longest / median(edges);
        let steps: Vec<f64> = (1..n).map(|i| distance(i - 1, i)).collect();
        let breaks = self.along.as_ref().map(|_| {
            let typical = median(steps.clone());
            steps.iter().filter(|&&s| s > BREAK * typical).count()
        });
        let straightness = self
            .along
            .as_ref()
            .map(|_| distance(0, n - 1) / steps.iter().sum::<f64>());
        Shape {
            mixed,
            spreads,
            gaps,
            widest_gap,
            breaks,
            straightness,
        }
    }
}

fn euclidean(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// The edge lengths of the minimum spanning tree of `n` points (Prim, O(n²)): the steps
/// that join every point to the rest, the longest of them the widest gap.
fn spanning_tree_edges(n: usize, distance: impl Fn(usize, usize) -> f64) -> Vec<f64> {
    let mut nearest = vec![f64::INFINITY; n];
    let mut joined = vec![false; n];
    let mut edges = Vec::with_capacity(n - 1);
    let mut last = 0;
    joined[0] = true;
    for _ in 1..n {
        let mut next = usize::MAX;
        for j in 0..n {
            if !joined[j] {
                nearest[j] = nearest[j].min(distance(last, j));
                if next == usize::MAX || nearest[j] < nearest[next] {
                    next = j;
                }
            }
        }
        joined[next] = true;
        edges.push(nearest[next]);
        last = next;
    }
    edges
}

/// What a point set shows of a known structure, measured alike on the data and on a map.
#[derive(Clone, Debug, Serialize)]
pub struct Shape {
    /// The share of points with a point of another cluster among their 5 nearest: 0 when
    /// the clusters are apart (none for a set of one cluster).
    pub mixed: Option<f64>,
    /// Each cluster's spread: the root mean square distance of its points to its centre.
    pub spreads: Vec<f64>,
    /// Distances between the centres of consecutive clusters (first–second, second–third).
    pub gaps: Vec<f64>,
    /// The longest step of the minimum spanning tree over the median step: how wide the
    /// widest empty gap is, in typical distances between neighbouring points.
    pub widest_gap: f64,
    /// For a line: steps between consecutive points longer than 5 times the median step,
    /// the places where the map breaks it.
    pub breaks: Option<usize>,
    /// For a line: the distance between its ends over the length of the path through its
    /// points in order (1 for a straight line, near 0 for one curled up).
    pub straightness: Option<f64>,
}

/// One map of a known set.
#[derive(Debug, Serialize)]
pub struct ToyMap {
    pub perplexity: f64,
    pub figure: String,
    /// `None` where t-SNE's value is not a divergence (see `TsneResult::kl_divergence`).
    pub kl_divergence: Option<f64>,
    pub trustworthiness: f64,
    pub shape: Shape,
    pub points: Vec<[f64; 2]>,
}

/// A set, what its data show, and its maps.
#[derive(Debug, Serialize)]
pub struct KnownSet {
    #[serde(flatten)]
    pub set: ToySet,
    pub data: Shape,
    pub maps: Vec<ToyMap>,
}

#[derive(Debug, Serialize)]
pub struct KnownAnswers {
    pub perplexities: Vec<f64>,
    pub sets: Vec<KnownSet>,
}

/// Maps each known set at each of [`PERPLEXITIES`] with the notebook's t-SNE call.
pub fn run(args: &KnownArgs) -> Result<Report<KnownAnswers>> {
    let session = Session::start(LESSON, &args.common, Budget::none())?;
    let mut sets = Vec::new();
    for set in toy_sets(session.seed()) {
        session.section(set.title);
        let x = set.matrix()?;
        let rows: Vec<Vec<f64>> = set
            .points
            .iter()
            .map(|p| p.iter().map(|&v| v as f64).collect())
            .collect();
        let data = set.shape(&rows);
        let mut maps = Vec::new();
        for perplexity in PERPLEXITIES {
            let options = TsneOptions::scikit_learn(perplexity);
            let map = tsne(&x, &options, session.device(), |_, _| {})?;
            let figure = format!("{}-perplexity-{perplexity}", set.name);
            session.figure(set_and_map(&set, &map, perplexity), &figure)?;
            let points: Vec<Vec<f64>> = map.points.iter().map(|p| p.to_vec()).collect();
            maps.push(ToyMap {
                perplexity,
                figure,
                kl_divergence: map.kl_divergence,
                trustworthiness: trustworthiness(&x, &map.points, NEAREST),
                shape: set.shape(&points),
                points: map.points,
            });
        }
        let known = session.show(KnownSet { set, data, maps });
        sets.push(known);
    }
    session.finish(KnownAnswers {
        perplexities: PERPLEXITIES.to_vec(),
        sets,
    })
}

/// Each point's colour: its cluster's (matplotlib's cycle), or along a line its position
/// (viridis, from one end to the other).
fn colours(set: &ToySet) -> Vec<[u8; 3]> {
    match &set.along {
        Some(along) => {
            let last = along
                .iter()
                .copied()
                .fold(f64::MIN, f64::max)
                .max(f64::MIN_POSITIVE);
            along
                .iter()
                .map(|t| Colormap::Viridis.color(t / last))
                .collect()
        }
        None => set
            .clusters
            .iter()
            .map(|&c| {
                let color = CYCLE[c % CYCLE.len()];
                [color.0, color.1, color.2]
            })
            .collect(),
    }
}

/// One series of markers per colour.
fn coloured(points: &[(f64, f64)], colours: &[[u8; 3]]) -> Vec<Series> {
    let mut distinct: Vec<[u8; 3]> = colours.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    distinct
        .into_iter()
        .map(|c| Series {
            label: None,
            points: points
                .iter()
                .zip(colours)
                .filter(|(_, k)| **k == c)
                .map(|(p, _)| *p)
                .collect(),
            style: Style::Markers {
                marker: Marker::Circle,
                size: 3,
                face: Rgba(
                    c[0] as f64 / 255.0,
                    c[1] as f64 / 255.0,
                    c[2] as f64 / 255.0,
                    1.0,
                ),
                edge: BLACK,
            },
        })
        .collect()
}

/// Axes of equal scale on both coordinates, around `points` (a panel is about square):
/// a thin line looks thin, a round cluster round.
fn equal_axes(title: &str, xlabel: &str, ylabel: &str, points: &[(f64, f64)]) -> Axes {
    let range = |values: Vec<f64>| {
        let low = values.iter().copied().fold(f64::INFINITY, f64::min);
        let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (low, high)
    };
    let (x0, x1) = range(points.iter().map(|p| p.0).collect());
    let (y0, y1) = range(points.iter().map(|p| p.1).collect());
    let half = 0.55 * (x1 - x0).max(y1 - y0).max(f64::MIN_POSITIVE);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    Axes {
        xlim: Some((cx - half, cx + half)),
        ylim: Some((cy - half, cy + half)),
        ..Axes::labelled(title, xlabel, ylabel)
    }
}

/// The data (its first two coordinates, where the known structure lies) beside its map.
fn set_and_map(set: &ToySet, map: &TsneResult, perplexity: f64) -> Figure<'static> {
    let colours = colours(set);
    let data: Vec<(f64, f64)> = set
        .points
        .iter()
        .map(|p| (p[0] as f64, p.get(1).copied().unwrap_or(0.0) as f64))
        .collect();
    let mapped: Vec<(f64, f64)> = map.points.iter().map(|p| (p[0], p[1])).collect();
    Figure::grid(
        750,
        340,
        1,
        2,
        vec![
            Panel::Xy(XyPanel {
                axes: equal_axes(
                    "The data (coordinates 1 and 2)",
                    "coordinate 1",
                    "coordinate 2",
                    &data,
                ),
                series: coloured(&data, &colours),
                legend: false,
            }),
            Panel::Xy(XyPanel {
                axes: equal_axes(
                    &format!("t-SNE map, perplexity {perplexity}"),
                    "t-SNE 1",
                    "t-SNE 2",
                    &mapped,
                ),
                series: coloured(&mapped, &colours),
                legend: false,
            }),
        ],
    )
}

fn ratio_list(values: &[f64]) -> String {
    let first = values
        .first()
        .copied()
        .unwrap_or(1.0)
        .max(f64::MIN_POSITIVE);
    values
        .iter()
        .map(|v| format!("{:.2}", v / first))
        .collect::<Vec<_>>()
        .join(" : ")
}

impl Shape {
    /// The table row's cells after the first: mixed, spreads, gaps, widest gap, breaks.
    fn cells(&self) -> Vec<String> {
        let none = || "–".to_string();
        vec![
            self.mixed
                .map_or_else(none, |m| format!("{:.0}%", 100.0 * m)),
            if self.spreads.len() > 1 {
                ratio_list(&self.spreads)
            } else {
                none()
            },
            if self.gaps.len() > 1 {
                ratio_list(&self.gaps)
            } else {
                none()
            },
            format!("{:.1}", self.widest_gap),
            self.breaks.map_or_else(none, |b| b.to_string()),
            self.straightness.map_or_else(none, |s| format!("{s:.2}")),
        ]
    }
}

const HEADER: [&str; 9] = [
    "",
    "KL",
    "trustworthiness",
    "another cluster among the 5 nearest",
    "spreads (to the first)",
    "gaps between centres (to the first)",
    "widest gap (median steps)",
    "breaks",
    "straightness",
];

impl KnownSet {
    fn table(&self) -> String {
        let mut rows = vec![
            [
                vec!["the data".to_string(), "–".into(), "–".into()],
                self.data.cells(),
            ]
            .concat(),
        ];
        rows.extend(self.maps.iter().map(|m| {
            [
                vec![
                    format!("perplexity {}", m.perplexity),
                    m.kl_divergence
                        .map_or_else(|| "undefined".into(), |kl| format!("{kl:.3}")),
                    format!("{:.3}", m.trustworthiness),
                ],
                m.shape.cells(),
            ]
            .concat()
        }));
        // The measures that speak to this set's known structure.
        let kept: &[usize] = match self.set.name {
            "sizes" => &[0, 1, 2, 3, 4],
            "gap" => &[0, 1, 2, 3, 5],
            "noise" => &[0, 1, 2, 6],
            _ => &[0, 1, 2, 6, 7, 8],
        };
        let header: Vec<&str> = kept.iter().map(|&c| HEADER[c]).collect();
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|row| kept.iter().map(|&c| row[c].clone()).collect())
            .collect();
        markdown_table(&header, &rows)
    }
}

impl fmt::Display for KnownSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {}.", self.set.title, self.set.known)?;
        write!(f, "{}", self.table())
    }
}

impl BookNumbers for KnownAnswers {
    fn numbers(&self) -> String {
        self.sets
            .iter()
            .map(|s| format!("**{}**: {}.\n\n{}", s.set.title, s.set.known, s.table()))
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}
