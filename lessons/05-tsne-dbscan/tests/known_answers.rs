//! What the lesson 5 chapter's first widget shows, asserted: point sets whose structure is
//! known, mapped by the lesson's own t-SNE (the notebook's call, PCA start) at distill's
//! perplexities 2, 5, 30, 50 and 100 (`lesson05::known_answers`, the book's
//! `--example known-answers`).
//!
//! `crosscheck_known_answers.py` maps the same points (from this run's report.json) with
//! scikit-learn 1.5.2's `TSNE(n_components=2, perplexity=p)` and measures its maps with
//! numpy and scipy: every assertion below holds for scikit-learn's maps too (its output is
//! quoted in the script's docstring).

use clap::Parser;
use course_tests::{assert_figures, out_dir};
use lesson05::known_answers::{KnownArgs, KnownSet, PERPLEXITIES, ToyMap, run};

fn set<'a>(sets: &'a [KnownSet], name: &str) -> &'a KnownSet {
    sets.iter().find(|s| s.set.name == name).unwrap()
}

fn at(set: &KnownSet, perplexity: f64) -> &ToyMap {
    set.maps
        .iter()
        .find(|m| m.perplexity == perplexity)
        .unwrap()
}

#[test]
fn the_known_answers_are_what_the_chapter_says() {
    let out = out_dir();
    let args = KnownArgs::parse_from(["known-answers", "--out", out.path().to_str().unwrap()]);
    let report = run(&args).unwrap();
    let sets = &report.results.sets;
    let stems: Vec<String> = sets
        .iter()
        .flat_map(|s| s.maps.iter().map(|m| m.figure.clone()))
        .collect();
    assert_eq!(stems.len(), 4 * PERPLEXITIES.len());
    assert_figures(
        out.path(),
        &stems.iter().map(String::as_str).collect::<Vec<_>>(),
    );

    // The clusters separate: in the data no point has a point of another cluster among
    // its 5 nearest, and on every map from perplexity 5 up neither; at perplexity 2 each
    // point attends to about two neighbours, its cluster breaks into specks, and specks of
    // different clusters may lie side by side.
    for name in ["sizes", "gap"] {
        let s = set(sets, name);
        assert_eq!(s.data.mixed, Some(0.0), "{name}");
        for p in [5.0, 30.0, 50.0, 100.0] {
            assert_eq!(at(s, p).shape.mixed, Some(0.0), "{name} at perplexity {p}");
        }
    }

    // Sizes on the map do not follow spreads: the cluster ten times as spread as its twin
    // in the data is at most twice as spread on any map, and at perplexities 5 to 50 about
    // as spread (within 15%).
    let sizes = set(sets, "sizes");
    let ratio = |spreads: &[f64]| spreads[1] / spreads[0];
    assert!(ratio(&sizes.data.spreads) > 9.0, "{:?}", sizes.data.spreads);
    for map in &sizes.maps {
        let r = ratio(&map.shape.spreads);
        assert!(r < 2.0, "perplexity {}: {r}", map.perplexity);
        if (5.0..=50.0).contains(&map.perplexity) {
            assert!((r - 1.0).abs() < 0.15, "perplexity {}: {r}", map.perplexity);
        }
    }
    // …they follow the number of points more: the cluster of 25 points is smaller on every
    // map than its twin of 100 with the same spread.
    assert!((sizes.data.spreads[2] / sizes.data.spreads[0] - 1.0).abs() < 0.2);
    for map in &sizes.maps {
        assert!(
            map.shape.spreads[2] < 0.5 * map.shape.spreads[0],
            "{}",
            map.perplexity
        );
    }

    // Gaps do not follow gaps: five times as far apart in the data, about as far apart
    // (within 20%) on the maps up to perplexity 30; only where the perplexity nears the
    // whole set (100 of 150 points) does the map's ratio approach the data's.
    let gap = set(sets, "gap");
    let ratio = |gaps: &[f64]| gaps[1] / gaps[0];
    assert!(
        (ratio(&gap.data.gaps) - 5.0).abs() < 0.2,
        "{:?}",
        gap.data.gaps
    );
    for p in [2.0, 5.0, 30.0] {
        let r = ratio(&at(gap, p).shape.gaps);
        assert!((r - 1.0).abs() < 0.2, "perplexity {p}: {r}");
    }
    assert!(ratio(&at(gap, 100.0).shape.gaps) > 2.5);

    // Pure noise looks clumped at perplexity 2: its widest gap is more than twice as wide
    // (in steps between neighbouring points) as at perplexity 30, where the map is one
    // round cloud as the data are.
    let noise = set(sets, "noise");
    assert!(noise.data.widest_gap < 2.0, "{}", noise.data.widest_gap);
    assert!(at(noise, 2.0).shape.widest_gap > 2.0 * at(noise, 30.0).shape.widest_gap);

    // A line keeps its order and loses its shape: every map's 5 nearest neighbours are
    // its neighbours along the line (trustworthiness at least 0.99), but at perplexity 2
    // and 5 the map curls it up (straightness below 0.3, against 0.96 in the data) and
    // breaks it; at perplexity 30 it is nearly straight again.
    let line = set(sets, "line");
    for map in &line.maps {
        assert!(map.trustworthiness >= 0.99, "{}", map.perplexity);
    }
    for p in [2.0, 5.0] {
        let shape = &at(line, p).shape;
        assert!(shape.straightness.unwrap() < 0.3, "perplexity {p}");
        assert!(shape.breaks.unwrap() >= 1, "perplexity {p}");
    }
    assert!(at(line, 30.0).shape.straightness.unwrap() > 0.7);
    assert_eq!(line.data.breaks, Some(0));
}
