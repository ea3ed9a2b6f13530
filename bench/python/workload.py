"""The Python side of the whole-vocabulary workloads (bench/src/main.rs is the Rust side):
stage times as JSON on stdout.

  workload.py knn-graph MODEL K [GRAPH_OUT]     numpy (OpenBLAS) matmul + argpartition, blocked
  workload.py faiss-graph MODEL K [GRAPH_OUT]   FAISS IndexFlatL2: add, then search(x, k + 1)
  workload.py compare MODEL K GRAPH_A GRAPH_B    share of identical neighbour lists, and why others differ
  workload.py tsne MODEL PERPLEXITY ITERATIONS MAP_OUT SEED    openTSNE, FFT gradient, scikit-learn's P
  workload.py perplexities MODEL PERPLEXITY      tokens whose P rows miss the perplexity, per library
  workload.py dbscan MAP EPS MIN_SAMPLES          scikit-learn DBSCAN
  workload.py quality MODEL MAP PERPLEXITY SEED   trustworthiness on a sample, exact KL of the map under scikit-learn's P
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


def exact_neighbours(x, perplexity):
    """scikit-learn's exact search for t-SNE's int(3 * perplexity + 1) neighbours of
    every row, itself excluded."""
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=min(len(x) - 1, int(3.0 * perplexity + 1)), n_jobs=2).fit(x)


def scikit_learn_affinities(x, perplexity):
    """P as `sklearn.manifold.TSNE` computes it for Barnes-Hut: exact nearest neighbours,
    squared distances, a binary search per token for its perplexity, symmetrised and
    normalised to sum 1."""
    from sklearn.manifold._t_sne import _joint_probabilities_nn

    distances = exact_neighbours(x, perplexity).kneighbors_graph(mode="distance")
    distances.data **= 2
    return _joint_probabilities_nn(distances, perplexity, 0).tocsr()


def exact_kl(p, y):
    """KL(P ‖ Q) of a map, Q over every pair exactly (Z summed over all N² pairs in blocks),
    independently of either side's interpolated estimate."""
    squares = (y**2).sum(1)
    z = 0.0
    for start in range(0, len(y), BLOCK):
        d = squares[start : start + BLOCK, None] + squares[None, :] - 2.0 * (y[start : start + BLOCK] @ y.T)
        z += (1.0 / (1.0 + np.maximum(d, 0.0))).sum() - len(d)  # less each point's own 1
    rows = np.repeat(np.arange(p.shape[0]), np.diff(p.indptr))
    q = 1.0 / (1.0 + ((y[rows] - y[p.indices]) ** 2).sum(1)) / z
    return float((p.data * np.log(p.data / q)).sum())


def perplexities(x, perplexity):
    """How far each token's conditional distribution is from the asked perplexity, with
    openTSNE's calibration and with scikit-learn's, on the same exact neighbours."""
    from openTSNE import _tsne
    from sklearn.manifold._utils import _binary_search_perplexity

    distances, _ = exact_neighbours(x, perplexity).kneighbors()
    conditional = {
        "openTSNE": np.asarray(_tsne.compute_gaussian_perplexity(distances, np.array([perplexity]), num_threads=2)),
        "scikit-learn": _binary_search_perplexity((distances**2).astype(np.float32), perplexity, 0),
    }
    result = {}
    for name, p in conditional.items():
        reached = np.exp(-(p * np.log(np.maximum(p, 1e-300))).sum(1))
        off = np.abs(reached - perplexity) > 0.01 * perplexity
        result[name] = {"tokens_off_by_over_1pct": int(off.sum()), "max_perplexity": float(reached.max())}
    return result


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
        from openTSNE.affinity import PrecomputedAffinities

        x = embeddings(sys.argv[2]).astype(np.float64)
        load_s = time.perf_counter() - start
        perplexity, iterations = float(sys.argv[3]), int(sys.argv[4])
        t = time.perf_counter()
        # The same affinities as the Rust side: scikit-learn's P, from each token's exact
        # int(3 * perplexity + 1) nearest neighbours. openTSNE's own PerplexityBasedNN
        # leaves some tokens' distributions far from the asked perplexity (see
        # `perplexities`), so its P, and its KL, would not be comparable.
        affinities = PrecomputedAffinities(scikit_learn_affinities(x, perplexity), normalize=False)
        # The Rust lesson's schedule: 250 early-exaggerated iterations, then the rest, one
        # learning rate throughout. openTSNE's gradient lacks scikit-learn's factor 4, so
        # its learning rate is 4 × scikit-learn's N / 48. Otherwise openTSNE's defaults,
        # which the Rust `fft` method follows.
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
    elif what == "perplexities":
        result = perplexities(embeddings(sys.argv[2]).astype(np.float64), float(sys.argv[3]))
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
        result = {
            "trustworthiness_5000": float(trustworthiness(x[sample], points[sample], n_neighbors=5)),
            "exact_kl": exact_kl(scikit_learn_affinities(x.astype(np.float64), float(sys.argv[4])), points),
        }
    else:
        sys.exit(f"unknown workload {what}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
