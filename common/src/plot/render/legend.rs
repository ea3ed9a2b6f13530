//! Where a panel's legend goes: matplotlib's `loc="best"`, the first of its candidate
//! places (upper right, upper left, lower left, …) that covers the least data, so that a
//! legend never hides a curve it could have sat beside.

use plotters::prelude::*;

use super::Chart;
use crate::plot::spec::{Series, Style};

/// What a legend could cover, in pixels of the plotting area (origin at its top left).
#[derive(Default)]
pub(crate) struct Obstacles {
    /// Line vertices and marker positions.
    points: Vec<(f64, f64)>,
    /// Lines, each counted once if any of its segments crosses the legend.
    paths: Vec<Vec<(f64, f64)>>,
    /// Bars, as `(left, top, right, bottom)`.
    rects: Vec<(f64, f64, f64, f64)>,
}

impl Obstacles {
    /// The drawn series of `chart` in the plotting area's pixels; text is not an obstacle
    /// (matplotlib's "best" does not avoid it either).
    pub(crate) fn of<DB: DrawingBackend>(chart: &Chart<'_, DB>, series: &[Series]) -> Self {
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let pixel = |&(x, y): &(f64, f64)| {
            let (px, py) = chart.backend_coord(&(x, y));
            ((px - xs.start) as f64, (py - ys.start) as f64)
        };
        let mut obstacles = Obstacles::default();
        for s in series {
            let pixels: Vec<(f64, f64)> = s.points.iter().map(pixel).collect();
            match &s.style {
                Style::Line { .. } | Style::Dashed { .. } | Style::MarkedLine { .. } => {
                    obstacles.points.extend(&pixels);
                    obstacles.paths.push(pixels);
                }
                Style::Segments { .. } => {
                    obstacles
                        .paths
                        .extend(pixels.chunks_exact(2).map(|p| p.to_vec()));
                }
                Style::Markers { .. } => obstacles.points.extend(pixels),
                Style::Bars { width, .. } => {
                    obstacles.rects.extend(s.points.iter().map(|&(x, y)| {
                        let (a, b) = (pixel(&(x - width / 2.0, 0.0)), pixel(&(x + width / 2.0, y)));
                        (a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1))
                    }));
                }
                Style::Text { .. } => {}
            }
        }
        obstacles
    }

    /// matplotlib's badness of a legend box `(left, top, right, bottom)`: the vertices and
    /// markers inside it, the bars it overlaps, the lines that cross it.
    fn badness(&self, (l, t, r, b): (f64, f64, f64, f64)) -> usize {
        let inside = |&(x, y): &(f64, f64)| x >= l && x <= r && y >= t && y <= b;
        let points = self.points.iter().filter(|p| inside(p)).count();
        let rects = self
            .rects
            .iter()
            .filter(|&&(rl, rt, rr, rb)| rl < r && rr > l && rt < b && rb > t)
            .count();
        let crosses = |path: &Vec<(f64, f64)>| {
            path.len() == 1 && inside(&path[0])
                || path
                    .windows(2)
                    .any(|w| crosses_box(w[0], w[1], (l, t, r, b)))
        };
        points + rects + self.paths.iter().filter(|p| crosses(p)).count()
    }
}

/// matplotlib's candidates in its order of preference (`loc` codes 1–10; its "right" and
/// "center right" are one place here).
const CANDIDATES: [SeriesLabelPosition; 9] = [
    SeriesLabelPosition::UpperRight,
    SeriesLabelPosition::UpperLeft,
    SeriesLabelPosition::LowerLeft,
    SeriesLabelPosition::LowerRight,
    SeriesLabelPosition::MiddleRight,
    SeriesLabelPosition::MiddleLeft,
    SeriesLabelPosition::LowerMiddle,
    SeriesLabelPosition::UpperMiddle,
    SeriesLabelPosition::MiddleMiddle,
];

/// Where plotters puts the top left of a legend box `(bw, bh)` at `position` in a plotting
/// area `(w, h)`: 5 pixels in from the edges, or centred.
fn top_left(
    position: &SeriesLabelPosition,
    (w, h): (f64, f64),
    (bw, bh): (f64, f64),
) -> (f64, f64) {
    use SeriesLabelPosition::*;
    let x = match position {
        UpperLeft | MiddleLeft | LowerLeft => 5.0,
        UpperMiddle | MiddleMiddle | LowerMiddle => ((w - bw) / 2.0).floor(),
        _ => w - bw - 5.0,
    };
    let y = match position {
        UpperLeft | UpperMiddle | UpperRight => 5.0,
        MiddleLeft | MiddleMiddle | MiddleRight => ((h - bh) / 2.0).floor(),
        _ => h - bh - 5.0,
    };
    (x, y)
}

/// The place for a legend box `legend` (width, height) in a plotting area `area`: the
/// first candidate with the least badness, as matplotlib's `loc="best"` picks it.
pub(crate) fn best_position(
    area: (f64, f64),
    legend: (f64, f64),
    obstacles: &Obstacles,
) -> SeriesLabelPosition {
    let badness = |position: &SeriesLabelPosition| {
        let (x, y) = top_left(position, area, legend);
        obstacles.badness((x, y, x + legend.0, y + legend.1))
    };
    // `min_by_key` keeps the last of equal minima; the first is matplotlib's choice.
    CANDIDATES
        .iter()
        .enumerate()
        .min_by_key(|(i, p)| (badness(p), *i))
        .map_or(SeriesLabelPosition::UpperRight, |(_, p)| p.clone())
}

/// Whether the segment `a`–`b` has a point in the box (Liang–Barsky clipping).
fn crosses_box(a: (f64, f64), b: (f64, f64), (l, t, r, bottom): (f64, f64, f64, f64)) -> bool {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut enter, mut leave) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.0 - l),
        (dx, r - a.0),
        (-dy, a.1 - t),
        (dy, bottom - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return false;
            }
        } else {
            let s = q / p;
            if p < 0.0 {
                enter = enter.max(s);
            } else {
                leave = leave.min(s);
            }
        }
    }
    enter <= leave
}

#[cfg(test)]
mod tests {
    use super::*;

    const AREA: (f64, f64) = (400.0, 300.0);
    const LEGEND: (f64, f64) = (100.0, 60.0);

    fn line(points: &[(f64, f64)]) -> Obstacles {
        Obstacles {
            points: points.to_vec(),
            paths: vec![points.to_vec()],
            ..Obstacles::default()
        }
    }

    /// A curve through `(x, y)` pixels, every 4 pixels from x0 to x1.
    fn curve(x0: f64, x1: f64, y: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
        (0..)
            .map(|i| x0 + 4.0 * i as f64)
            .take_while(|&x| x <= x1)
            .map(|x| (x, y(x)))
            .collect()
    }

    #[test]
    fn an_empty_panel_keeps_the_upper_right() {
        assert_eq!(
            best_position(AREA, LEGEND, &Obstacles::default()),
            SeriesLabelPosition::UpperRight
        );
    }

    #[test]
    fn a_peak_under_the_upper_right_sends_the_legend_to_the_upper_left() {
        // a density peaked at the right, high near the top (pixel y grows downwards)
        let peak = curve(0.0, 400.0, |x| {
            300.0 - 290.0 * (-((x - 340.0) / 40.0).powi(2)).exp()
        });
        assert_eq!(
            best_position(AREA, LEGEND, &line(&peak)),
            SeriesLabelPosition::UpperLeft
        );
    }

    #[test]
    fn a_line_that_only_crosses_a_corner_counts_against_it() {
        // two vertices outside the upper-right box, the segment between them through it
        let diagonal = line(&[(250.0, 0.0), (400.0, 100.0)]);
        assert_eq!(diagonal.badness((295.0, 5.0, 395.0, 65.0)), 1);
        assert_ne!(
            best_position(AREA, LEGEND, &diagonal),
            SeriesLabelPosition::UpperRight
        );
    }

    #[test]
    fn data_everywhere_but_one_corner_leaves_the_legend_there() {
        // a grid of markers over the whole area except the lower left
        let points = (0..=40)
            .flat_map(|i| (0..=30).map(move |j| (10.0 * i as f64, 10.0 * j as f64)))
            .filter(|&(x, y)| !(x < 120.0 && y > 220.0))
            .collect();
        let obstacles = Obstacles {
            points,
            ..Obstacles::default()
        };
        assert_eq!(
            best_position(AREA, LEGEND, &obstacles),
            SeriesLabelPosition::LowerLeft
        );
    }

    #[test]
    fn bars_are_avoided_by_their_area_not_their_corners() {
        // one tall bar filling the right half: its corners are outside every candidate box
        let obstacles = Obstacles {
            rects: vec![(200.0, 0.0, 400.0, 300.0)],
            ..Obstacles::default()
        };
        assert_eq!(
            best_position(AREA, LEGEND, &obstacles),
            SeriesLabelPosition::UpperLeft
        );
    }

    #[test]
    fn equal_badness_goes_to_the_earlier_candidate() {
        // a line across the middle of the area: every corner is as free as the others
        let middle = line(&curve(0.0, 400.0, |_| 150.0));
        assert_eq!(
            best_position(AREA, LEGEND, &middle),
            SeriesLabelPosition::UpperRight
        );
    }
}
