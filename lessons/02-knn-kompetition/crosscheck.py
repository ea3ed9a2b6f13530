"""Recompute lesson 2's neighbour tables with numpy, as the notebook does.

Usage: python3 lessons/02-knn-kompetition/crosscheck.py out/02-knn-kompetition/report.json

Checks the default run (`cargo run -p lesson02 -- --standin`, the snapshot's run: the
notebook's "ring" and "beauty", k = 15, Euclidean). Ids come from transformers'
pure-Python tokenizers (`encode(word)`, BERT without special tokens, as the notebook
calls them), tokens from their decoders. Distances are the notebook's direct formula,
np.sqrt(np.sum((E - seed)**2, axis=1)), over the stand-in files (the GPT one dequantised
from its GGUF by the `gguf` package); the order is np.argsort's (stable, so ties go to
the lower index, as in the lesson); histograms are np.histogram(d, bins=90,
density=True), the unit-length searches without the seed's own distance
(`d[np.nonzero(d)]`). The anisotropy is the mean cosine of every pair of distinct
tokens, in closed form (|sum of unit rows|² - n) / (n(n - 1)) in float64.

Tolerances: ids, tokens, counts exact (two neighbours closer than 1e-4 may swap);
distances 1e-4; histogram edges 3e-3 (the lesson's distances come from the matmul form
|e|² + |s|² - 2 e·s, whose float32 rounding leaves the seed's own distance, the first
edge, at up to ~1.5e-3 instead of 0), and on the report's bins each density within two
tokens' worth (a distance within rounding of a bin edge may fall on either side); the
anisotropy and norms 1e-4 relative.

With `--graph` (the book's second run, book/src/generated/02-knn-kompetition-graph): the
exact k = 15 Euclidean graph of every token in float64 (blocks of squared distances
|x|² + |y|² - 2 x·y, np.argpartition). Rows tied at the 15th place are common in the GPT
stand-in (special tokens whose Q8_0 rows are within 0.01 of one another), and which of
them a list takes is decided by float32 rounding; so each token's count of lists is
checked to lie between the lists it is surely in (squared distance below the 15th's minus
1e-5 relative) and the lists it may be in (up to the 15th's plus 1e-5), and the report's
ten hubs to be the ten most listed within those bounds. Orphans and the mutual share are
compared within the same ties, the three hubs' spread and the median distance to the 15th
neighbour at 1e-4 relative.

The snapshot leaves out the histograms; every other field is in it.
"""
import hashlib
import os
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code
from check import Check  # noqa: E402

WORDS, K = ["ring", "beauty"], 15  # the notebook's seed words, k
c = Check({}, models=["bert-base-uncased", "gpt2"])
c.equal("metric", "euclidean")
E = {"bert": standins.embeddings(standins.BERT), "gpt": standins.embeddings(standins.GPT)}
tok = {"bert": standins.bert_tokenizer(), "gpt": standins.SmolTokenizer()}
encode = {"bert": lambda w: tok["bert"].encode(w, add_special_tokens=False), "gpt": lambda w: tok["gpt"].encode(w)}
decode = {"bert": lambda i: tok["bert"].decode([i]), "gpt": lambda i: tok["gpt"].decode([i])}

# Beyond the notebook: anisotropy, the mean cosine of every pair of tokens, raw and centred
for family, e in E.items():
    e = e.astype(np.float64)
    at = f"anisotropy.{family}"
    for kind, x in [("raw", e), ("centred", e - e.mean(axis=0))]:
        unit = x / np.linalg.norm(x, axis=1, keepdims=True)
        n = len(unit)
        c.close(f"{at}.{kind}", (np.sum(unit.sum(axis=0) ** 2) - n) / (n * (n - 1)), rtol=1e-4, atol=1e-7)
    c.close(f"{at}.mean_vector_norm", np.linalg.norm(e.mean(axis=0)), rtol=1e-4)
    c.close(f"{at}.mean_row_norm", np.linalg.norm(e, axis=1).mean(), rtol=1e-4)


def distances(family, ids, normalise=False, centred=False):
    """The notebook's distances from the mean vector of `ids` to every token."""
    e = E[family]
    if centred:
        e = e - e.mean(axis=0)
    if normalise:
        e = e / np.linalg.norm(e, axis=1, keepdims=True)
    return np.sqrt(np.sum((e - e[ids, :].mean(axis=0)) ** 2, axis=1))


def neighbours(path, family, d):
    """The report's top K: np.argsort's ids (ties within 1e-4 may swap), distances, tokens."""
    rows = c[path]
    got_ids, got_d = [n["id"] for n in rows], np.array([n["distance"] for n in rows])
    order = np.argsort(d, kind="stable")[:K]
    same = got_ids == order.tolist() or (len(set(got_ids)) == K and np.allclose(np.sort(d)[:K], d[got_ids], atol=1e-4))
    tokens = [n["token"] for n in rows] == [decode[family](i) for i in got_ids]
    c.holds(path, same and np.allclose(got_d, d[got_ids], atol=1e-4) and tokens,
            f"report {got_ids[:5]} numpy {order[:5].tolist()}", tolerance=1e-4)


def histogram(path, d, normalise, single):
    """np.histogram(d, bins=90, density=True): the report's edges, and its densities on its
    own edges (which may sit up to 3e-3 off numpy's), each within two tokens' worth."""
    if normalise and single:
        d = d[np.nonzero(d)]  # the seed itself: at distance ~0, left out as the notebook does
    _, x = np.histogram(d, bins=90, density=True)
    edges, values = np.array(c[path]["edges"]), np.array(c[path]["values"])
    y, bins = np.histogram(d, bins=90, range=(edges[0], edges[-1]), density=True)
    count = 2 / (len(d) * (bins[1] - bins[0]))
    ok = edges.shape == x.shape and values.shape == y.shape
    ok = ok and np.allclose(edges, x, rtol=1e-4, atol=3e-3) and np.allclose(values, y, rtol=0, atol=count)
    c.holds(path, ok, "" if ok else f"edges off by up to {np.max(np.abs(edges - x)):.2g}, densities by "
            f"{np.max(np.abs(values - y)):.2g} (two tokens: {count:.2g})", tolerance=max(3e-3 + 1e-4 * x[0], count))


for w, word in enumerate(WORDS):
    at = f"words[{w}]"
    c.equal(f"{at}.word", word)
    ids = {family: encode[family](word) for family in E}
    c.equal(f"{at}.ids", ids)
    for kind, normalise, centred in [("raw", False, False), ("normalised", True, False), ("centred", True, True)]:
        c.equal(f"{at}.{kind}.metric", "euclidean")
        c.equal(f"{at}.{kind}.normalised", normalise)
        c.equal(f"{at}.{kind}.centred", centred)
        for family in E:
            d = distances(family, ids[family], normalise, centred)
            neighbours(f"{at}.{kind}.neighbours.{family}", family, d)
            histogram(f"{at}.{kind}.histogram.{family}", d, normalise, len(ids[family]) == 1)
    # Exercise 3, the importance of emptiness: "ring" and " ring" in the GPT model, raw
    spaced = encode["gpt"](" " + word)
    found = {}
    for key, seed in [("without_space", ids["gpt"]), ("with_space", spaced)]:
        neighbours(f"{at}.emptiness.{key}", "gpt", distances("gpt", seed))
        found[key] = np.argsort(distances("gpt", seed), kind="stable")[:K]
        c.equal(f"{at}.emptiness.word_initial_{key}", sum(decode["gpt"](i).startswith(" ") for i in found[key]))
    c.equal(f"{at}.emptiness.shared", len(set(found["without_space"]) & set(found["with_space"])))


def exact_graph(e, k):
    """numpy's exact graph of `e`: each row's k nearest (float64, ties decided by
    argpartition), the lists each row is surely and maybe in, each row's k-th distance."""
    n = len(e)
    sq = (e * e).sum(axis=1)
    surely, maybe = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    lists, kth = [], np.empty(n)
    for start in range(0, n, 2048):
        rows = np.arange(start, min(start + 2048, n))
        d2 = sq[rows, None] + sq[None, :] - 2 * e[rows] @ e.T
        d2[rows - start, rows] = np.inf  # a token is not its own neighbour
        part = np.argpartition(d2, k - 1, axis=1)[:, :k]
        last = np.take_along_axis(d2, part, axis=1).max(axis=1, keepdims=True)
        slack = 1e-5 * np.abs(last)
        surely += np.bincount(np.nonzero(d2 < last - slack)[1], minlength=n)
        maybe += np.bincount(np.nonzero(d2 <= last + slack)[1], minlength=n)
        kth[rows] = np.sqrt(np.maximum(last[:, 0], 0))
        lists.append(part)
    return np.concatenate(lists), surely, maybe, kth


def cached_graph(family, e, k):
    """exact_graph, kept in CROSSCHECK_CACHE when it is set: the perturbation test runs
    this check several times on the same stand-ins, and each graph takes minutes."""
    folder = os.environ.get("CROSSCHECK_CACHE")
    if not folder:
        return exact_graph(e, k)
    key = hashlib.sha256(e.tobytes()).hexdigest()[:16]
    path = pathlib.Path(folder) / f"graph-{family}-{k}-{key}.npz"
    if not path.exists():
        graph, surely, maybe, kth = exact_graph(e, k)
        written = path.with_suffix(f".{os.getpid()}.npz")
        np.savez(written, graph=graph, surely=surely, maybe=maybe, kth=kth)
        written.replace(path)
    with np.load(path) as kept:
        return kept["graph"], kept["surely"], kept["maybe"], kept["kth"]


def check_graph(family, g):
    """`--graph`'s summary of `family` against numpy's exact graph, rounding ties allowed."""
    at, e = f"graph.{family}", E[family].astype(np.float64)
    n, k = len(e), K
    c.equal(f"{at}.k", K)
    graph, surely, maybe, kth = cached_graph(family, e, k)
    ids = {}
    for i in range(n):
        ids.setdefault(decode[family](i), []).append(i)
    hubs = g["hubs"]
    fits = all(any(surely[i] <= count <= maybe[i] for i in ids.get(text, [])) for text, count in hubs)
    tenth = hubs[-1][1]
    missed = [decode[family](i) for i in np.nonzero(surely > tenth)[0]
              if decode[family](i) not in [t for t, _ in hubs]]
    # the widest band of counts a hub's ties allow
    band = max((int(maybe[i] - surely[i]) for text, _ in hubs for i in ids.get(text, [])), default=0)
    c.holds(f"{at}.hubs", fits and not missed and len(hubs) == 10,
            f"each count within the lists numpy's graph surely/maybe gives it; not listed but surely above "
            f"the tenth: {missed[:3]}", tolerance=band)
    # tokens in no list: fewest if every tie went their way, most if none did
    fewest, most = int((maybe == 0).sum()), int((surely == 0).sum())
    c.holds(f"{at}.orphans", fewest <= g["orphans"] <= most,
            f"report {g['orphans']}, numpy {fewest}..{most}", tolerance=most - fewest)
    edges = set(zip(np.repeat(np.arange(n), k).tolist(), graph.ravel().tolist()))
    mutual = sum((j, i) in edges for i, j in edges) / len(edges)
    unsure = (maybe - surely).sum() / len(edges)  # the share of edges rounding may move
    c.holds(f"{at}.mutual", abs(g["mutual"] - mutual) <= 2 * unsure + 1e-12,
            f"report {g['mutual']:.6f}, numpy {mutual:.6f} (edges on ties: {unsure:.2%})", tolerance=2 * unsure)
    top = [i for text, _ in hubs[:3] for i in ids.get(text, [])[:1]]
    spread = max(np.linalg.norm(e[a] - e[b]) for a in top for b in top) if len(top) == 3 else np.nan
    c.close(f"{at}.hub_spread", spread, rtol=1e-4, atol=1e-6)
    c.close(f"{at}.median_kth", np.median(kth), rtol=1e-4)


# The report holds a graph only with --graph (the default run leaves the field out).
if c.report.get("graph") is not None:
    for family in E:
        check_graph(family, c[f"graph.{family}"])
c.finish()
