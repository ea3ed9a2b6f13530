"""The scikit-learn side of lesson 5's checks, written to tests/reference/lesson05_sklearn.json beside it.

Usage: python3 lessons/05-tsne-dbscan/crosscheck.py out/05-tsne-dbscan/report.json

Run the lesson with --standin first. On the same input (the stand-in GPT-2 rows the
lesson used) this runs sklearn's TSNE with the notebook's settings (perplexity 5,
init="pca", learning_rate="auto", exact gradient, 1000 iterations) and records its final
KL divergence and trustworthiness; on the lesson's own 2-D points it runs sklearn's
DBSCAN (eps 7, min_samples 3) and trustworthiness. tests/report.rs compares the
lesson against these numbers.
"""
import json
import pathlib
import sys

import numpy as np
import sklearn
from safetensors import safe_open
from sklearn.cluster import DBSCAN
from sklearn.manifold import TSNE, trustworthiness

ROOT = pathlib.Path(__file__).resolve().parents[2]
report = json.loads(pathlib.Path(sys.argv[1]).read_text())
d = ROOT / ".standins" / "hub" / "models--standin--gpt2"
path = d / "snapshots" / (d / "refs" / "main").read_text().strip() / "model.safetensors"
with safe_open(str(path), "numpy") as f:
    X = f.get_tensor("wte.weight")[report["tokens"]]

ours = np.array(report["tsne"]["points"])
tsne = TSNE(n_components=2, perplexity=5, init="pca", learning_rate="auto", method="exact",
            max_iter=1000, random_state=0)
theirs = tsne.fit_transform(X)
labels = DBSCAN(eps=7, min_samples=3).fit(ours).labels_
reference = {
    "sklearn_version": sklearn.__version__,
    "sklearn_kl_divergence": float(tsne.kl_divergence_),
    "sklearn_trustworthiness": float(trustworthiness(X, theirs, n_neighbors=5)),
    "trustworthiness_of_lesson_points": float(trustworthiness(X, ours, n_neighbors=5)),
    "dbscan_labels_of_lesson_points": labels.tolist(),
    # The synthetic stand-in's map is spread out (no clusters at eps 7); a wider eps with min_samples 2 gives
    # DBSCAN clusters and border points to agree on.
    "dbscan_eps20_labels_of_lesson_points": DBSCAN(eps=20, min_samples=2).fit(ours).labels_.tolist(),
}
out = pathlib.Path(__file__).resolve().parent / "tests" / "reference" / "lesson05_sklearn.json"
out.write_text(json.dumps(reference, indent=1) + "\n")
print(json.dumps({k: v for k, v in reference.items() if "labels" not in k}, indent=1))
print("clusters at eps 20:", max(reference["dbscan_eps20_labels_of_lesson_points"]) + 1)
print(f"lesson KL {report['tsne']['kl_divergence']:.4f}, trustworthiness {report['trustworthiness']:.4f}")
print(f"wrote {out}")
