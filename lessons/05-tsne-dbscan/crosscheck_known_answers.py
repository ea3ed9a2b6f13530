"""scikit-learn's side of the known answers (tests/known_answers.rs): the same points, mapped
by scikit-learn's t-SNE and measured with numpy and scipy, independently of the Rust code.

Usage: python3 lessons/05-tsne-dbscan/crosscheck_known_answers.py out/05-known-answers/report.json

Run `cargo run -p lesson05 --example known-answers` first. For each point set in its
report (the points themselves are in it) and each perplexity, this calls
`TSNE(n_components=2, perplexity=p)` as the notebook does (scikit-learn's defaults: PCA
start, Barnes-Hut), measures the map as the lesson does — the share of points with a point
of another cluster among their 5 nearest, each cluster's root mean square distance to its
centre, the distances between consecutive centres, the minimum spanning tree's longest
step over its median step (scipy; numpy's median, as the lesson's), the line's straightness and breaks, trustworthiness
(scikit-learn's) — and checks every assertion of tests/known_answers.rs on scikit-learn's
maps, printing each measure beside the lesson's. It also recomputes the lesson's own
measures on the lesson's own points (the data, and each map in the report) to 1e-9. Exits 1
if an assertion fails for scikit-learn or a recomputed measure differs.

With scikit-learn 1.5.2 on the seed-42 sets (one run; scikit-learn's call is not
deterministic, see crosscheck.py) all 42 checks held, and its measures were close to the
lesson's: the tenfold-spread cluster's map spread over its twin's 1.01 (lesson 1.01) at
perplexity 5, 1.07 (1.00) at 30; the fivefold gap's map ratio 1.09 (1.03) at perplexity
30, 4.4 (4.5) at 100; pure noise's widest gap 8.8 (8.3) at perplexity 2 against 2.9 (3.0)
at 30; the line's straightness 0.14 (0.14) at perplexity 2 and 0.82 (0.80) at 30.
"""
import json
import sys

import numpy as np
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist
from sklearn.manifold import TSNE, trustworthiness


def shape(points, clusters, line):
    """The lesson's `Shape`, computed with numpy and scipy."""
    d = cdist(points, points)
    k = clusters.max() + 1
    out = {}
    if k > 1:
        np.fill_diagonal(d, np.inf)
        nearest = np.argsort(d, axis=1, kind="stable")[:, :5]
        out["mixed"] = float(np.mean((clusters[nearest] != clusters[:, None]).any(axis=1)))
        np.fill_diagonal(d, 0)
    centres = [points[clusters == c].mean(axis=0) for c in range(k)]
    out["spreads"] = [float(np.sqrt(((points[clusters == c] - centres[c]) ** 2).sum(1).mean())) for c in range(k)]
    out["gaps"] = [float(np.linalg.norm(centres[c] - centres[c - 1])) for c in range(1, k)]
    edges = minimum_spanning_tree(d).data
    edges.sort()
    out["widest_gap"] = float(edges[-1] / np.median(edges))
    if line:
        steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
        out["breaks"] = int((steps > 5 * np.median(steps)).sum())
        out["straightness"] = float(np.linalg.norm(points[-1] - points[0]) / steps.sum())
    return out


def close(mine, lesson):
    """Whether numpy's measures equal the lesson's: counts exactly, the rest to 1e-9."""
    for key, value in mine.items():
        if isinstance(value, int):
            if value != lesson[key]:
                return False
        elif not np.allclose(value, lesson[key], rtol=1e-9, atol=0):
            return False
    return True


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    report = json.load(open(sys.argv[1]))
    failures = []

    def check(ok, what):
        print(("  ok   " if ok else "  FAIL ") + what)
        if not ok:
            failures.append(what)

    for s in report["sets"]:
        # the points are f32 (the report writes each as its shortest decimal): read back as
        # f32, so that the data's measures see the lesson's exact values
        x = np.array(s["points"], dtype=np.float32).astype(np.float64)
        clusters = np.array(s["clusters"])
        line = s["along"] is not None
        data = shape(x, clusters, line)
        maps = {}
        print(f"{s['name']}: data {data}")
        # the lesson's own measures, recomputed on its own points (the data and each map)
        check(close(data, s["data"]), f"{s['name']}: the lesson's measures of the data, recomputed")
        for m in s["maps"]:
            p = m["perplexity"]
            check(close(shape(np.array(m["points"]), clusters, line), m["shape"]),
                  f"{s['name']}: the lesson's measures of its map at perplexity {p:g}, recomputed")
            y = TSNE(n_components=2, perplexity=p).fit_transform(x.astype(np.float32))
            mine = shape(y, clusters, line)
            mine["trustworthiness"] = float(trustworthiness(x, y, n_neighbors=5))
            maps[p] = mine
            lesson = dict(m["shape"], trustworthiness=m["trustworthiness"])
            shown = {key: (round(v, 3) if isinstance(v, float) else [round(e, 3) for e in v] if isinstance(v, list) else v)
                     for key, v in mine.items()}
            theirs = {key: (round(v, 3) if isinstance(v, float) else [round(e, 3) for e in v] if isinstance(v, list) else v)
                      for key, v in lesson.items() if v is not None}
            print(f"  perplexity {p:g}: scikit-learn {shown}\n{'':16}lesson       {theirs}")
        if s["name"] in ("sizes", "gap"):
            check(data["mixed"] == 0, f"{s['name']}: separate in the data")
            for p in (5, 30, 50, 100):
                check(maps[p]["mixed"] == 0, f"{s['name']}: separate at perplexity {p}")
        if s["name"] == "sizes":
            r = lambda sp: sp[1] / sp[0]
            check(r(data["spreads"]) > 9, "sizes: tenfold spread in the data")
            for p, m in maps.items():
                check(r(m["spreads"]) < 2, f"sizes: spread ratio {r(m['spreads']):.2f} < 2 at perplexity {p}")
                if 5 <= p <= 50:
                    check(abs(r(m["spreads"]) - 1) < 0.15, f"sizes: spread ratio within 15% of 1 at perplexity {p}")
                check(m["spreads"][2] < 0.5 * m["spreads"][0], f"sizes: 25 points smaller than 100 at perplexity {p}")
        if s["name"] == "gap":
            r = lambda g: g[1] / g[0]
            check(abs(r(data["gaps"]) - 5) < 0.2, "gap: fivefold gap in the data")
            for p in (2, 5, 30):
                check(abs(r(maps[p]["gaps"]) - 1) < 0.2, f"gap: ratio {r(maps[p]['gaps']):.2f} within 20% of 1 at perplexity {p}")
            check(r(maps[100]["gaps"]) > 2.5, f"gap: ratio {r(maps[100]['gaps']):.2f} > 2.5 at perplexity 100")
        if s["name"] == "noise":
            check(data["widest_gap"] < 2, "noise: no gap in the data")
            check(maps[2]["widest_gap"] > 2 * maps[30]["widest_gap"],
                  f"noise: widest gap {maps[2]['widest_gap']:.1f} at perplexity 2 > 2 × {maps[30]['widest_gap']:.1f} at 30")
        if s["name"] == "line":
            for p, m in maps.items():
                check(m["trustworthiness"] >= 0.99, f"line: trustworthiness {m['trustworthiness']:.3f} at perplexity {p}")
            for p in (2, 5):
                check(maps[p]["straightness"] < 0.3, f"line: straightness {maps[p]['straightness']:.2f} < 0.3 at perplexity {p}")
                check(maps[p]["breaks"] >= 1, f"line: {maps[p]['breaks']} breaks at perplexity {p}")
            check(maps[30]["straightness"] > 0.7, f"line: straightness {maps[30]['straightness']:.2f} > 0.7 at perplexity 30")
            check(data["breaks"] == 0, "line: unbroken in the data")
    if failures:
        sys.exit(f"error: {len(failures)} assertions fail on scikit-learn's maps")
    print("every assertion of tests/known_answers.rs holds on scikit-learn's maps")


if __name__ == "__main__":
    main()
