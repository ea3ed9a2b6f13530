"""Check lesson 5's map against scikit-learn, called as the notebook calls it.

Usage: python3 lessons/05-tsne-dbscan/crosscheck.py out/05-tsne-dbscan/report.json
       python3 lessons/05-tsne-dbscan/crosscheck.py REPORT --write-reference EXACT_REPORT

Checks the default run (`cargo run -p lesson05 -- --standin`, the snapshot's run: the
first 100 text tokens of the GPT stand-in, SmolLM2-135M, dequantised from its GGUF by the
gguf package; perplexity 5, Barnes-Hut; DBSCAN eps 7, min_samples 3), with the files
beside its report (map.html, map-data.js and, when there, the printed output.txt).

t-SNE's map is the lesson's own run, which scikit-learn cannot repeat: the notebook's
`TSNE(n_components=2, perplexity=5)` differs from run to run (scikit-learn's defaults:
Barnes-Hut, angle 0.5, affinities over each point's 16 nearest neighbours, PCA start,
learning rate "auto", early exaggeration 12 for 250 iterations, max_iter 1000). So the
map is placed among RUNS of scikit-learn's runs (random_state 0 to RUNS - 1): its KL
divergence and trustworthiness within 4 standard deviations of theirs, its iterations
within theirs, and its 2-D neighbourhoods (the share of each point's 5 nearest that two
maps share) as close to theirs as theirs are to one another. Its KL divergence is also
recomputed exactly on its own points, with scikit-learn's affinities P: within 0.01 (the
lesson reports, as scikit-learn does, the Barnes-Hut estimate at the last check before
the last step; scikit-learn's own runs differ from their exact KL by 0.001-0.003).

On the lesson's own points everything else is recomputed: trustworthiness (k = 5) by
scikit-learn to 1e-9, DBSCAN's labels exactly, the centroids (np.mean of each cluster) to
1e-9, each group's tokens decoded by the pure-Python tokenizer, and the printout of
`groupidx` and the groups as numpy and Python print them. DBSCAN on the embeddings
themselves (beyond the notebook): eps the 5% quantile of scipy's pairwise distances
(np.quantile), scikit-learn's DBSCAN on the same f64 rows, labels and clusters exactly, and
the map's groups each cluster falls in. The interactive map's
neighbour lists are recomputed with numpy (crosscheck_map.py) over the whole vocabulary's
text tokens; its regions are the lesson's seeded label propagation on the cosine
neighbour graph: each is checked to be a set of at least 5 map tokens joined by mutual
neighbour edges (numpy's lists), the regions largest first, and each region's name, its
three members with the most neighbours in it, is recomputed from numpy's lists.

--write-reference also runs scikit-learn's exact method (random_state 0) beside the
lesson's --method exact run, and RUNS unseeded runs of the notebook's call, into
tests/reference/lesson05_sklearn.json, which tests/report.rs reads.
"""
import json
import pathlib
import sys

import numpy as np
import sklearn
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import cdist, pdist, squareform
from sklearn.cluster import DBSCAN
from sklearn.manifold import TSNE, trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities_nn
from sklearn.neighbors import NearestNeighbors

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code
from check import Check  # noqa: E402
from crosscheck_map import disagreements  # noqa: E402

RUNS, N_TOKS, PERPLEXITY, EPS, MIN_SAMPLES = 20, 100, 5, 7, 3  # the notebook's nToks, TSNE and DBSCAN
SPACE_QUANTILE = 0.05  # DBSCAN on the embeddings: eps this quantile of the pairwise distances
LISTED = {"explorer.seconds": "the time the map took to write, a measurement"}


def neighbour_overlap(a, b, k=5):
    """Mean share of each point's k nearest neighbours on map a that are also its k nearest on map b."""
    def knn(m):
        d = ((m[:, None, :] - m[None, :, :]) ** 2).sum(-1)
        np.fill_diagonal(d, np.inf)
        return np.argsort(d, axis=1, kind="stable")[:, :k]
    na, nb = knn(a), knn(b)
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(na, nb)]))


def notebook_runs(X, seeds):
    """The notebook's TSNE call, once per seed: KL divergence, iterations, trustworthiness, map."""
    runs = []
    for seed in seeds:
        tsne = TSNE(n_components=2, perplexity=PERPLEXITY, random_state=seed)
        points = tsne.fit_transform(X)
        runs.append({"kl_divergence": float(tsne.kl_divergence_), "iterations": int(tsne.n_iter_) + 1,
                     "trustworthiness": float(trustworthiness(X, points, n_neighbors=5)),
                     "points": points.astype(float).round(5).tolist()})
    return runs


def exact_kl(X, Y):
    """KL(P || Q) of map Y, with scikit-learn's Barnes-Hut affinities P of X."""
    graph = NearestNeighbors(n_neighbors=min(len(X) - 1, int(3 * PERPLEXITY + 1))).fit(X).kneighbors_graph(mode="distance")
    graph.data **= 2
    P = _joint_probabilities_nn(graph, PERPLEXITY, 0).toarray()
    q = 1 / (1 + ((Y[:, None, :] - Y[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(q, 0)
    Q, on = q / q.sum(), P > 0
    return float(np.sum(P[on] * np.log(P[on] / Q[on])))


def write_reference(report, exact_report, X, runs):
    ours = np.array(report["tsne"]["points"])
    exact = TSNE(n_components=2, perplexity=PERPLEXITY, method="exact", random_state=0)
    exact_points = exact.fit_transform(X)
    maps = [np.array(r["points"]) for r in runs]
    kls = [r["kl_divergence"] for r in runs]
    reference = {
        "sklearn_version": sklearn.__version__,
        "notebook_runs": runs,
        "notebook_kl_min": min(kls), "notebook_kl_max": max(kls),
        "notebook_kl_mean": float(np.mean(kls)), "notebook_kl_sd": float(np.std(kls, ddof=1)),
        "notebook_trustworthiness_min": min(r["trustworthiness"] for r in runs),
        "notebook_trustworthiness_max": max(r["trustworthiness"] for r in runs),
        "notebook_map_overlap_min": min(neighbour_overlap(a, b) for i, a in enumerate(maps) for b in maps[i + 1:]),
        "notebook_map_overlap_mean": float(np.mean([neighbour_overlap(a, b) for i, a in enumerate(maps) for b in maps[i + 1:]])),
        "lesson_map_overlap_mean": float(np.mean([neighbour_overlap(ours, m) for m in maps])),
        "exact_kl_divergence": float(exact.kl_divergence_), "exact_iterations": int(exact.n_iter_) + 1,
        "exact_trustworthiness": float(trustworthiness(X, exact_points, n_neighbors=5)),
        "trustworthiness_of_lesson_points": float(trustworthiness(X, ours, n_neighbors=5)),
        "dbscan_labels_of_lesson_points": DBSCAN(eps=EPS, min_samples=MIN_SAMPLES).fit(ours).labels_.tolist(),
        # A second setting, finer than the notebook's, with other clusters and border points to agree on.
        "dbscan_eps3_labels_of_lesson_points": DBSCAN(eps=3, min_samples=2).fit(ours).labels_.tolist(),
    }
    assert exact_report["tsne"]["method"] == "exact" and exact_report["tokens"] == report["tokens"]
    out = pathlib.Path(__file__).resolve().parent / "tests" / "reference" / "lesson05_sklearn.json"
    out.write_text(json.dumps(reference) + "\n")
    print(f"wrote {out}")


c = Check(LISTED, models=["gpt2"])
tokenizer = standins.SmolTokenizer()
special = tokenizer.special
ordinary = [i for i in range(tokenizer.vocab_size) if i not in special]
# extract the first N embeddings (the special tokens, which GPT-2 has not, skipped)
ids = ordinary[:N_TOKS]
c.equal("tokens", ids)
X = standins.smollm_embeddings()[ids]
if "--write-reference" in sys.argv:
    exact_report = json.loads(pathlib.Path(sys.argv[sys.argv.index("--write-reference") + 1]).read_text())
    write_reference(c.report, exact_report, X, notebook_runs(X, [None] * RUNS))
    sys.exit(0)

# TSNE on some embeddings vectors: the lesson's map among scikit-learn's runs
c.equal("tsne.method", "barnes-hut")
points = np.array(c.value("tsne.points"), dtype=float)
runs = notebook_runs(X, range(RUNS))
maps = [np.array(r["points"]) for r in runs]
theirs = min(neighbour_overlap(a, b) for i, a in enumerate(maps) for b in maps[i + 1:])
ours = np.mean([neighbour_overlap(points, m) for m in maps])
c.holds("tsne.points", points.shape == (N_TOKS, 2) and ours >= theirs,
        f"its 5 nearest on the map shared with scikit-learn's maps: {ours:.3f} on average; "
        f"theirs with one another: at least {theirs:.3f}")


def among_runs(path, key):
    values = np.array([r[key] for r in runs])
    mean, sd = values.mean(), values.std(ddof=1)
    c.within(path, mean - 4 * sd, mean + 4 * sd, f"scikit-learn's {RUNS} runs: {mean:.4f} +- 4 x {sd:.4f}")


among_runs("tsne.kl_divergence", "kl_divergence")
c.close("tsne.kl_divergence", exact_kl(X, points), rtol=0, atol=0.01)
iterations = [r["iterations"] for r in runs]
c.within("tsne.iterations", min(iterations), max(iterations), f"scikit-learn's {RUNS} runs")
among_runs("trustworthiness", "trustworthiness")
c.close("trustworthiness", trustworthiness(X, points, n_neighbors=5), rtol=0, atol=1e-9)

# DBscan to find clusters, their centroids, and the tokens in each group (noise first)
groupidx = DBSCAN(eps=EPS, min_samples=MIN_SAMPLES).fit(points).labels_
c.equal("dbscan.labels", groupidx.tolist())
c.close("dbscan.centroids", [points[groupidx == ci].mean(axis=0) for ci in range(max(groupidx) + 1)], rtol=0, atol=1e-9)
groups = [[tokenizer.decode([ids[t]]) for t in np.where(groupidx == ci)[0]] for ci in range(-1, max(groupidx) + 1)]
c.equal("dbscan.members", groups)
printed = c.path.parent / "output.txt"
if printed.exists():  # the notebook's last cells, as numpy and Python print them
    lines = [repr(groupidx)]
    for cidx, group in zip(range(-1, max(groupidx) + 1), groups):
        lines.append("\nUngrouped tokens:" if cidx == -1 else f"\nTokens in group {cidx}:")
        lines.append(str([" ".join(t) for t in group]))
    text = printed.read_text()
    text = text[text.index("groupidx:\n") + len("groupidx:\n"):].split("\n\nInteractive map")[0]
    text = text.split("\nt-SNE result shape")[0].split("\n\n# ")[0]
    c.beside("output.txt", text.strip() == "\n".join(lines).strip(), "groupidx and the groups printed as Python prints them")

# Beyond the notebook: what the Gram matrix shows, X @ X.T of the map's tokens: the mean dot
# product inside each group of one-character tokens, and of each capital with its
# lower-case letter against the other capital-letter pairs
G = X.astype(np.float64) @ X.astype(np.float64).T
words = [tokenizer.decode([i]) for i in ids]
off = ~np.eye(len(G), dtype=bool)
c.close("gram.median", np.median(G[off]), rtol=1e-4)  # the lesson sums in f32
tests = [("digits", str.isdigit), ("capitals", lambda ch: ch.isascii() and ch.isupper()),
         ("lower-case letters", lambda ch: ch.isascii() and ch.islower()),
         ("tokens that decode to \ufffd", lambda ch: ch == "\ufffd")]
members = {name: [i for i, w in enumerate(words) if len(w) == 1 and test(w)] for name, test in tests}
found = [(name, m) for name, m in members.items() if len(m) > 1]
for g, (name, m) in enumerate(found):
    c.equal(f"gram.groups[{g}].name", name)
    c.equal(f"gram.groups[{g}].tokens", len(m))
    block_ = G[np.ix_(m, m)]
    c.close(f"gram.groups[{g}].mean", block_[~np.eye(len(m), dtype=bool)].mean(), rtol=1e-5)
c.holds("gram.groups", len(c["gram.groups"]) == len(found), f"{len(found)} groups of 2+ tokens")
caps, small = members["capitals"], members["lower-case letters"]
same = [(i, j) for i in caps for j in small if words[i].lower() == words[j]]
other = [(i, j) for i in caps for j in small if words[i].lower() != words[j]]
c.equal("gram.case_pairs.pairs", len(same))
offsets = {j - i for i, j in same}
c.equal("gram.case_pairs.offset", offsets.pop() if len(offsets) == 1 else None)
c.close("gram.case_pairs.same", np.mean([G[i, j] for i, j in same]), rtol=1e-5)
c.close("gram.case_pairs.other", np.mean([G[i, j] for i, j in other]), rtol=1e-5)
# each capital's nearest token of all: by dot product (float64 X @ X.T), by distance in the
# space (scipy's cdist on the rows) and on the map (the report's points)
def nearest_own(far):
    far = far.astype(np.float64).copy()
    np.fill_diagonal(far, np.inf)
    return sum(int(np.argmin(far[i]) == j) for i, j in same)


c.equal("gram.case_pairs.nearest_own.by_dot_product", nearest_own(-G))
X64 = X.astype(np.float64)
c.equal("gram.case_pairs.nearest_own.by_distance", nearest_own(cdist(X64, X64)))
c.equal("gram.case_pairs.nearest_own.on_map", nearest_own(cdist(points, points)))

# Beyond the notebook: DBSCAN on the embeddings themselves, eps the 5% quantile of the
# distances between distinct tokens (scipy's pdist, numpy's quantile), scikit-learn's DBSCAN
# on the same rows with the notebook's min_samples, and where its clusters lie on the map
pairs = pdist(X64)
c.equal("space.quantile", SPACE_QUANTILE)
c.equal("space.pairs", len(pairs))
space_eps = float(np.quantile(pairs, SPACE_QUANTILE))
c.close("space.eps", space_eps, rtol=1e-12, atol=0)
c.equal("space.min_samples", MIN_SAMPLES)
# on the distance matrix itself (metric="precomputed"), so that a distance equal to eps,
# which the quantile can be, is compared as the lesson compares it, not recomputed by
# another formula
space = DBSCAN(eps=space_eps, min_samples=MIN_SAMPLES, metric="precomputed").fit(squareform(pairs)).labels_
c.equal("space.labels", space.tolist())
space_clusters = []
for ci in range(max(space) + 1):
    members = np.where(space == ci)[0]
    groups, counts = np.unique(groupidx[members], return_counts=True)
    space_clusters.append({"tokens": [words[i] for i in members],
                           "on_map": [{"group": int(g), "tokens": int(n)} for g, n in zip(groups, counts)]})
c.equal("space.clusters", space_clusters)
c.equal("space.one_map_cluster", sum(len(k["on_map"]) == 1 and k["on_map"][0]["group"] >= 0 for k in space_clusters))
c.equal("space.noise", int(np.sum(space == -1)))
c.equal("space.noise_clustered_on_map", int(np.sum((space == -1) & (groupidx >= 0))))

# Beyond the notebook: the interactive map, its neighbour lists and its regions
e = c["explorer"]
c.holds("explorer.file", (c.path.parent / e["file"]).is_file(), "beside the report")
data_file = c.path.parent / "map-data.js"
c.equal("explorer.data_bytes", data_file.stat().st_size)
checked, k, problems = disagreements(c.path.parent)
c.holds("explorer.neighbours", k == e["neighbours"] and checked == 2 * N_TOKS and not problems,
        f"{checked} lists of {k} neighbours agree with numpy" if not problems else problems[0])
c.equal("explorer.vocabulary", len(set(ordinary) | set(ids)))
data = json.loads(data_file.read_text().split("window.MAP_DATA = ", 1)[1].rstrip().rstrip(";"))
unit = standins.smollm_embeddings().astype(np.float64)
unit /= np.linalg.norm(unit, axis=1, keepdims=True)
vocabulary = np.array(sorted(set(ordinary) | set(ids)))
cos = unit[ids] @ unit[vocabulary].T
cos[vocabulary[None, :] == np.array(ids)[:, None]] = -np.inf  # not its own neighbour
where = {t: i for i, t in enumerate(ids)}
lists = [[where[t] for t in vocabulary[np.argsort(-row, kind="stable")[:k]] if t in where] for row in cos]
mutual = np.array([[j in lists[i] and i in lists[j] for j in range(N_TOKS)] for i in range(N_TOKS)])
component = connected_components(mutual, directed=False)[1]
region = np.array(data["regions"])
sizes = [int(np.sum(region == r)) for r in range(len(data["region_names"]))]
joined = all(len(set(component[region == r])) == 1 for r in range(len(sizes)))
names = []
for r in range(len(sizes)):
    members = np.where(region == r)[0]
    inside = [sum(region[j] == r for j in lists[i]) for i in members]
    names.append(" ".join(data["tokens"][members[i]] for i in sorted(range(len(members)), key=lambda i: (-inside[i], members[i]))[:3]))
c.holds("explorer.regions", joined and min(sizes) >= 5 and sizes == sorted(sizes, reverse=True)
        and data["region_names"] == c["explorer.regions"] and c["explorer.regions"] == names,
        f"regions of {sizes} tokens, each joined by mutual neighbours: {joined}; names {names}")
c.finish()
