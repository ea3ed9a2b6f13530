"""Recompute lesson 2's neighbour tables with numpy, as the notebook does.

Usage: python3 lessons/02-knn-kompetition/crosscheck.py out/02-knn-kompetition/report.json

Run the lesson with --standin first. Distances here are the notebook's direct formula,
np.sqrt(np.sum((E - seed)**2, axis=1)), over the stand-in files (the GPT one dequantised from its GGUF by the `gguf` package), and
the order is np.argsort's (stable, so ties go to the lower index, as in the lesson).
"""
import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code
failures = []


def check(name, rust, E, ids, normalise, metric, centred=False):
    if centred:
        E = E - E.mean(axis=0)
    if normalise:
        E = E / np.linalg.norm(E, axis=1, keepdims=True)
    seed = E[ids, :].mean(axis=0)
    if metric == "cosine":
        d = 1 - (E @ seed) / (np.linalg.norm(E, axis=1) * np.linalg.norm(seed))
    else:
        d = np.sqrt(np.sum((E - seed) ** 2, axis=1))
    order = np.argsort(d, kind="stable")[: len(rust)]
    got_ids = [n["id"] for n in rust]
    got_d = np.array([n["distance"] for n in rust])
    # Distances from the matmul form differ from the direct one by rounding (~1e-6);
    # a swap of two neighbours closer than that is not a disagreement.
    same = got_ids == list(order) or np.allclose(np.sort(d)[: len(rust)], got_d, atol=1e-4)
    if not same or not np.allclose(got_d, d[got_ids], atol=1e-4, rtol=1e-4):
        failures.append(name)
        print(f"MISMATCH {name}: rust {got_ids[:5]} numpy {list(order[:5])}")
    else:
        print(f"ok {name}")


report = json.loads(pathlib.Path(sys.argv[1]).read_text())
eB = standins.embeddings(standins.BERT)
eG = standins.embeddings(standins.GPT)
for w in report["words"]:
    for kind in ["raw", "normalised", "centred"]:
        s = w[kind]
        if s is None:
            continue
        for family, E in [("bert", eB), ("gpt", eG)]:
            check(f'{w["word"]} {kind} {family}', s["neighbours"][family], E, w["ids"][family], s["normalised"], s["metric"], s["centred"])


def mean_cosine_of_random_pairs(E, pairs=200_000, seed=0):
    """The mean cosine by sampling pairs (a different method from the lesson's exact sum)."""
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, len(E), pairs), rng.integers(0, len(E), pairs)
    i, j = i[i != j], j[i != j]
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    return float(np.mean(np.sum(U[i] * U[j], axis=1)))


for family, E in [("bert", eB), ("gpt", eG)]:
    a = report["anisotropy"][family]
    E = E.astype(np.float64)
    for kind, X in [("raw", E), ("centred", E - E.mean(axis=0))]:
        sampled = mean_cosine_of_random_pairs(X)
        # 200,000 pairs: standard error about 0.1 / sqrt(200,000) < 0.001.
        if abs(sampled - a[kind]) > 0.003:
            failures.append(f"anisotropy {family} {kind}")
            print(f"MISMATCH anisotropy {family} {kind}: rust {a[kind]:.4f} sampled {sampled:.4f}")
        else:
            print(f"ok anisotropy {family} {kind}: rust {a[kind]:.4f} sampled {sampled:.4f}")
    norms = [np.linalg.norm(E.mean(axis=0)), np.linalg.norm(E, axis=1).mean()]
    if not np.allclose(norms, [a["mean_vector_norm"], a["mean_row_norm"]], rtol=1e-4):
        failures.append(f"norms {family}")
        print(f"MISMATCH norms {family}: {norms}")
print(f"\n{len(failures)} mismatches" if failures else "\nall tables agree")
sys.exit(1 if failures else 0)
