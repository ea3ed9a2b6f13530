"""The scikit-learn side of lesson 5's checks, written to tests/reference/lesson05_sklearn.json beside it.

Usage: python3 lessons/05-tsne-dbscan/crosscheck.py out/05-tsne-dbscan/report.json out/exact/report.json [output.txt]

Run the lesson with --standin first, once as it is (Barnes-Hut, the notebook's method) and
once with --method exact. On the same input (the rows of the GPT stand-in, SmolLM2-135M,
that the lesson used, dequantised from its GGUF by the gguf package) this

- calls t-SNE exactly as the notebook does, `TSNE(n_components=2, perplexity=5)`, RUNS
  times. Those are scikit-learn's defaults: method="barnes_hut", angle=0.5, affinities
  over each point's min(n - 1, int(3 * perplexity + 1)) = 16 nearest neighbours,
  init="pca", learning_rate="auto", early exaggeration 12 for 250 iterations, max_iter
  1000, n_iter_without_progress 300, min_grad_norm 1e-7. The call is not deterministic:
  with random_state=None its PCA initialisation is a randomized SVD whose last digits
  change from run to run, and the Barnes-Hut sums are float32 sums over OpenMP threads;
  t-SNE's 1000 steps carry those last digits into different local minima. So this records
  every run's KL divergence, trustworthiness (k = 5) and map, and the test places the
  lesson among them;
- calls `TSNE(n_components=2, perplexity=5, method="exact", random_state=0)` once, for the
  lesson's --method exact;
- runs DBSCAN (eps 7, min_samples 3, and a finer eps 3, min_samples 2) and
  trustworthiness on the lesson's own 2-D points;
- given the lesson's printed output, prints `groupidx` and the groups' token lists with
  the notebook's own code (numpy's repr, Python's list repr, a pure-Python decoder) and
  checks that the lesson printed the same text.
"""
import json
import pathlib
import sys

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN
from sklearn.manifold import TSNE, trustworthiness

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code

RUNS = 20

report = json.loads(pathlib.Path(sys.argv[1]).read_text())
exact_report = json.loads(pathlib.Path(sys.argv[2]).read_text())
assert report["tsne"]["method"] == "barnes-hut" and exact_report["tsne"]["method"] == "exact"
assert report["tokens"] == exact_report["tokens"]
X = standins.smollm_embeddings()[report["tokens"]]
ours = np.array(report["tsne"]["points"])


def neighbour_overlap(a, b, k=5):
    """Mean share of each point's k nearest neighbours on map a that are also its k nearest on map b."""
    def knn(m):
        d = ((m[:, None, :] - m[None, :, :]) ** 2).sum(-1)
        np.fill_diagonal(d, np.inf)
        return np.argsort(d, axis=1, kind="stable")[:, :k]
    na, nb = knn(a), knn(b)
    return float(np.mean([len(set(x) & set(y)) / k for x, y in zip(na, nb)]))


notebook_runs = []
for _ in range(RUNS):
    tsne = TSNE(n_components=2, perplexity=5)  # the notebook's call, as written
    points = tsne.fit_transform(X)
    notebook_runs.append({
        "kl_divergence": float(tsne.kl_divergence_),
        "iterations": int(tsne.n_iter_) + 1,
        "trustworthiness": float(trustworthiness(X, points, n_neighbors=5)),
        "points": points.astype(float).round(5).tolist(),
    })
maps = [np.array(r["points"]) for r in notebook_runs]
pairwise = [neighbour_overlap(a, b) for i, a in enumerate(maps) for b in maps[i + 1:]]

exact = TSNE(n_components=2, perplexity=5, method="exact", random_state=0)
exact_points = exact.fit_transform(X)
labels = DBSCAN(eps=7, min_samples=3).fit(ours).labels_
kls = [r["kl_divergence"] for r in notebook_runs]
reference = {
    "sklearn_version": sklearn.__version__,
    "notebook_runs": notebook_runs,
    "notebook_kl_min": min(kls),
    "notebook_kl_max": max(kls),
    "notebook_kl_mean": float(np.mean(kls)),
    "notebook_kl_sd": float(np.std(kls, ddof=1)),
    "notebook_trustworthiness_min": min(r["trustworthiness"] for r in notebook_runs),
    "notebook_trustworthiness_max": max(r["trustworthiness"] for r in notebook_runs),
    "notebook_map_overlap_min": min(pairwise),
    "notebook_map_overlap_mean": float(np.mean(pairwise)),
    "lesson_map_overlap_mean": float(np.mean([neighbour_overlap(ours, m) for m in maps])),
    "exact_kl_divergence": float(exact.kl_divergence_),
    "exact_iterations": int(exact.n_iter_) + 1,
    "exact_trustworthiness": float(trustworthiness(X, exact_points, n_neighbors=5)),
    "trustworthiness_of_lesson_points": float(trustworthiness(X, ours, n_neighbors=5)),
    "dbscan_labels_of_lesson_points": labels.tolist(),
    # A second setting, finer than the notebook's, with other clusters and border points to agree on.
    "dbscan_eps3_labels_of_lesson_points": DBSCAN(eps=3, min_samples=2).fit(ours).labels_.tolist(),
}
out = pathlib.Path(__file__).resolve().parent / "tests" / "reference" / "lesson05_sklearn.json"
out.write_text(json.dumps(reference) + "\n")
print(json.dumps({k: v for k, v in reference.items() if "labels" not in k and k != "notebook_runs"}, indent=1))
print("notebook-call KL divergences:", " ".join(f"{k:.4f}" for k in sorted(kls)))
print("clusters at eps 3:", max(reference["dbscan_eps3_labels_of_lesson_points"]) + 1)
print(f"lesson (barnes-hut) KL {report['tsne']['kl_divergence']:.4f}, trustworthiness {report['trustworthiness']:.4f}, "
      f"{report['tsne']['iterations']} iterations")
print(f"lesson (exact) KL {exact_report['tsne']['kl_divergence']:.4f}, trustworthiness {exact_report['trustworthiness']:.4f}")
print(f"wrote {out}")

if len(sys.argv) > 3:
    tokenizer = standins.SmolTokenizer()
    groupidx = np.array(report["dbscan"]["labels"])
    lines = [repr(groupidx)]
    for cidx in range(-1, max(groupidx) + 1):  # the notebook's last cell
        tokensInGroup = np.where(groupidx == cidx)[0]
        lines.append("\nUngrouped tokens:" if cidx == -1 else f"\nTokens in group {cidx}:")
        lines.append(str([" ".join(tokenizer.decode([report["tokens"][t]])) for t in tokensInGroup]))
    printed = pathlib.Path(sys.argv[3]).read_text()
    printed = printed[printed.index("groupidx:\n") + len("groupidx:\n"):].split("\n\nInteractive map")[0]
    same = printed.strip() == "\n".join(lines).strip()
    print("groupidx and group lists printed as Python prints them:", "ok" if same else "MISMATCH")
    sys.exit(0 if same else 1)
