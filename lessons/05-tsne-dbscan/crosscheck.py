"""The scikit-learn side of lesson 5's checks, written to tests/reference/lesson05_sklearn.json beside it.

Usage: python3 lessons/05-tsne-dbscan/crosscheck.py out/05-tsne-dbscan/report.json

Run the lesson with --standin first. On the same input (the rows of the GPT stand-in,
SmolLM2-135M, that the lesson used, dequantised from its GGUF by the gguf package) this
runs sklearn's TSNE with perplexity 5, init="pca", learning_rate="auto", 1000 iterations
and method="exact" — the method the lesson uses at this size; the notebook itself leaves
scikit-learn's default Barnes-Hut method — and records its final KL divergence and
trustworthiness; on the lesson's own 2-D points it runs sklearn's DBSCAN (eps 7,
min_samples 3, and a finer eps 3, min_samples 2) and trustworthiness. tests/report.rs
compares the lesson against these numbers.
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

report = json.loads(pathlib.Path(sys.argv[1]).read_text())
X = standins.smollm_embeddings()[report["tokens"]]

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
    # A second setting, finer than the notebook's, with other clusters and border points to agree on.
    "dbscan_eps3_labels_of_lesson_points": DBSCAN(eps=3, min_samples=2).fit(ours).labels_.tolist(),
}
out = pathlib.Path(__file__).resolve().parent / "tests" / "reference" / "lesson05_sklearn.json"
out.write_text(json.dumps(reference, indent=1) + "\n")
print(json.dumps({k: v for k, v in reference.items() if "labels" not in k}, indent=1))
print("clusters at eps 3:", max(reference["dbscan_eps3_labels_of_lesson_points"]) + 1)
print(f"lesson KL {report['tsne']['kl_divergence']:.4f}, trustworthiness {report['trustworthiness']:.4f}")
print(f"wrote {out}")
