"""The Python side of the whole-vocabulary workloads (bench/src/main.rs is the Rust side):
stage times as JSON on stdout.

  workload.py knn-graph MODEL K [GRAPH_OUT]     numpy (OpenBLAS) matmul + argpartition, blocked
  workload.py faiss-graph MODEL K [GRAPH_OUT]   FAISS IndexFlatL2: add, then search(x, k + 1)
  workload.py compare MODEL K GRAPH_A GRAPH_B    share of identical neighbour lists, and why others differ
  workload.py tsne MODEL PERPLEXITY ITERATIONS MAP_OUT SEED    openTSNE, FFT gradient
  workload.py dbscan MAP EPS MIN_SAMPLES          scikit-learn DBSCAN
  workload.py quality MODEL MAP PERPLEXITY SEED   KL of P v the map, trustworthiness on a sample
"""
import json
import sys
import time

import numpy as np

from standins import embeddings

BLOCK = 1024


def knn_graph(x, k):
    """Exact k nearest neighbours of every row, itself excluded, nearest first: squared
    distances from one matrix product per block of query rows."""
    squares = np.einsum("ij,ij->i", x, x)
    graph = np.empty((len(x), k), dtype=np.int64)
    for start in range(0, len(x), BLOCK):
        q = x[start : start + BLOCK]
        d = squares[start : start + BLOCK, None] + squares[None, :] - 2.0 * (q @ x.T)
        d[np.arange(len(q)), np.arange(start, start + len(q))] = np.inf
        part = np.argpartition(d, k, axis=1)[:, :k]
        order = np.take_along_axis(d, part, axis=1).argsort(axis=1, kind="stable")
        graph[start : start + len(q)] = np.take_along_axis(part, order, axis=1)
    return graph


def faiss_graph(x, k):
    """FAISS's exact index, as its users build a kNN graph: every row searched for k + 1
    neighbours, then the row itself dropped (or, when it is not among them because of
    exact duplicates, the last)."""
    import faiss

    index = faiss.IndexFlatL2(x.shape[1])
    index.add(x)
    _, found = index.search(x, k + 1)
    graph = np.empty((len(x), k), dtype=np.int64)
    for i, row in enumerate(found):
        others = row[row != i]
        graph[i] = others[:k]
    return graph


def compare(x, k, a, b):
    """How many neighbour lists are the same set in both graphs; of the others, how many
    differ only among tokens whose exact (float64) distances to the row are within 1e-4
    relative of the k-th nearest's: a tie at float32 precision, where both graphs rank by
    ‖x‖² − 2 q·x in float32 and which of the tied tokens makes the list is rounding."""
    x = x.astype(np.float64)
    a = np.fromfile(a, dtype="<u4").reshape(-1, k)
    b = np.fromfile(b, dtype="<u4").reshape(-1, k)
    same = ties = 0
    for i in range(len(a)):
        sa, sb = set(a[i].tolist()), set(b[i].tolist())
        if sa == sb:
            same += 1
            continue
        d = lambda ids: np.sqrt(((x[list(ids)] - x[i]) ** 2).sum(axis=1))  # noqa: E731
        kth = max(d(sa).max(), d(sb).max())
        if np.all(np.abs(d(sa ^ sb) - kth) <= 1e-4 * kth):
            ties += 1
    return {"rows": len(a), "same": same, "ties": ties, "other": len(a) - same - ties}


def main():
    what = sys.argv[1]
    start = time.perf_counter()
    if what == "knn-graph":
        x = embeddings(sys.argv[2])
        load_s = time.perf_counter() - start
        t = time.perf_counter()
        graph = knn_graph(x, int(sys.argv[3]))
        result = {"load_s": load_s, "graph_s": time.perf_counter() - t, "rows": len(graph)}
        if len(sys.argv) > 4:
            graph.astype("<u4").tofile(sys.argv[4])
    elif what == "faiss-graph":
        import faiss

        x = np.ascontiguousarray(embeddings(sys.argv[2]), dtype=np.float32)
        load_s = time.perf_counter() - start
        t = time.perf_counter()
        graph = faiss_graph(x, int(sys.argv[3]))
        result = {"load_s": load_s, "graph_s": time.perf_counter() - t, "rows": len(graph),
                  "faiss": faiss.__version__, "threads": faiss.omp_get_max_threads()}
        if len(sys.argv) > 4:
            graph.astype("<u4").tofile(sys.argv[4])
    elif what == "compare":
        result = compare(embeddings(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif what == "tsne":
        import openTSNE
        from openTSNE.affinity import PerplexityBasedNN

        x = embeddings(sys.argv[2]).astype(np.float64)
        load_s = time.perf_counter() - start
        perplexity, iterations = float(sys.argv[3]), int(sys.argv[4])
        t = time.perf_counter()
        # The Rust lesson's schedule (scikit-learn's): 250 early-exaggerated iterations,
        # then the rest, one learning rate throughout. openTSNE's gradient lacks
        # scikit-learn's factor 4, so its learning rate is 4 × scikit-learn's N / 48.
        # The same affinities as the Rust side (scikit-learn's): each token's exact
        # int(3 * perplexity + 1) nearest neighbours (openTSNE's default takes one fewer).
        affinities = PerplexityBasedNN(
            x,
            perplexity=perplexity,
            method="exact",
            k_neighbors=min(len(x) - 1, int(3 * perplexity + 1)),
            n_jobs=2,
            random_state=int(sys.argv[6]),
        )
        embedding = openTSNE.TSNE(
            negative_gradient_method="fft",
            learning_rate=max(len(x) / 12.0, 200.0),
            early_exaggeration_iter=250,
            early_exaggeration=12,
            n_iter=iterations - 250,
            n_jobs=2,
            random_state=int(sys.argv[6]),
        ).fit(x, affinities=affinities, initialization="pca")
        result = {"load_s": load_s, "tsne_s": time.perf_counter() - t, "kl": float(embedding.kl_divergence)}
        np.asarray(embedding, dtype="<f8").tofile(sys.argv[5])
    elif what == "dbscan":
        from sklearn.cluster import DBSCAN

        points = np.fromfile(sys.argv[2], dtype="<f8").reshape(-1, 2)
        t = time.perf_counter()
        labels = DBSCAN(eps=float(sys.argv[3]), min_samples=int(sys.argv[4])).fit(points).labels_
        result = {"dbscan_s": time.perf_counter() - t, "clusters": int(labels.max() + 1), "noise": int((labels == -1).sum())}
    elif what == "quality":
        from sklearn.manifold import trustworthiness

        x = embeddings(sys.argv[2])
        points = np.fromfile(sys.argv[3], dtype="<f8").reshape(-1, 2)
        sample = np.sort(np.random.default_rng(int(sys.argv[5])).choice(len(x), 5000, replace=False))
        result = {"trustworthiness_5000": float(trustworthiness(x[sample], points[sample], n_neighbors=5))}
    else:
        sys.exit(f"unknown workload {what}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
