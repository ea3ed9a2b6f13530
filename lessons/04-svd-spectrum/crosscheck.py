"""Recompute lesson 4's spectra and projections with numpy, as the notebook does.

Usage: python3 lessons/04-svd-spectrum/crosscheck.py out/04-svd-spectrum/report.json

Run the lesson with --standin first. The token sets are read from the report; the SVD is
np.linalg.svd of the mean-centred submatrices of the stand-in BERT matrix. The top
projections are taken and printed as the notebook's cell does (np.argsort(abs(p))[::-1],
the first 20, transformers' BertTokenizer.decode, skipped when in string.ascii_letters),
after flipping Vt[0] to the lesson's sign convention, and compared line for line.

Beyond the notebook: every random draw's spectrum and closest pair from its reported ids;
the random set's nearly coinciding tokens and the bound (4.6); the spectra without
centring and sqrt(n)·|mean|; the digits' and the years' token ids (BertTokenizer), their
spectra, coordinates along v1 (sigma1·U[:, 0], signed by the lesson's convention) and the
correlation of those with the members' order.
"""
import json
import pathlib
import string
import sys

import numpy as np
from safetensors import safe_open

ROOT = pathlib.Path(__file__).resolve().parents[2]
d = ROOT / ".standins" / "hub" / "models--standin--bert-base-uncased"
path = d / "snapshots" / (d / "refs" / "main").read_text().strip() / "model.safetensors"
with safe_open(str(path), "numpy") as f:
    E = f.get_tensor("embeddings.word_embeddings.weight")
report = json.loads(pathlib.Path(sys.argv[1]).read_text())
failures = []


def check(name, ok, detail):
    print(("ok " if ok else "MISMATCH ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(name)


s = report["spectra"]
letters = E[s["set_a"]["ids"]] - E[s["set_a"]["ids"]].mean(axis=0)
random = E[s["set_b"]["ids"]] - E[s["set_b"]["ids"]].mean(axis=0)
for name, sub, rust in [("set a", letters, s["singular_values_a"]), ("set b", random, s["singular_values_b"])]:
    sv = np.linalg.svd(sub, compute_uv=False)
    big = sv > 1e-3 * sv[0]  # relative error is meaningless for the ~0 last value
    rel = np.abs(np.array(rust)[big] - sv[big]) / sv[big]
    check(f"{name} singular values (max relative error {rel.max():.2e})", rel.max() < 1e-4, rel)
    ev = np.cumsum(sv**2) / np.sum(sv**2)
    rust_ev = s["explained_a"] if name == "set a" else s["explained_b"]
    check(f"{name} explained variance", np.allclose(rust_ev, ev[: len(rust_ev)], atol=1e-5), (rust_ev, ev[:5]))
U, sv, Vt = np.linalg.svd(letters)
v = Vt[0] * np.sign(Vt[0][np.argmax(np.abs(Vt[0]))])  # the lesson's sign convention
projections = (E - E[s["set_a"]["ids"]].mean(axis=0)) @ v
rust_top = report["top_projections"]["top"]
check("top projections", all(abs(p["projection"] - projections[p["id"]]) < 1e-4 for p in rust_top), rust_top[:3])

sys.path.insert(0, str(ROOT / "scripts" / "crosscheck"))
import standins  # noqa: E402

tokenizer = standins.bert_tokenizer()
sortidx = np.argsort(abs(projections))[::-1]  # the notebook's cell from here on
printed = []
for i in range(20):
    token = tokenizer.decode(sortidx[i])
    if token not in string.ascii_letters:
        printed.append(f'{projections[sortidx[i]]:6.3f} for "{token}"')
check("the same 20 tokens, in the same order", [p["id"] for p in rust_top] == [int(i) for i in sortidx[:20]],
      ([p["id"] for p in rust_top], sortidx[:20]))
rust_printed = [f'{p["projection"]:6.3f} for "{p["token"]}"' for p in rust_top if p["printed"]]
check(f"the printed lines ({len(printed)} of 20)", rust_printed == printed, (rust_printed, printed))
print("\n".join(printed))


def spectrum(ids, centre=True):
    X = E[ids].astype(np.float64)
    return np.linalg.svd(X - X.mean(axis=0) if centre else X, compute_uv=False)


def closest(ids):
    X = E[ids].astype(np.float64)
    D = np.linalg.norm(X[:, None] - X[None], axis=2)
    return D[np.triu_indices(len(ids), k=1)]


def check_draws(name, draws):
    sv = [spectrum(ids) for ids in draws["ids"]]
    rel = max(np.max(np.abs(np.array(r)[:-1] - s[:-1]) / s[:-1]) for r, s in zip(draws["spectra"], sv))
    check(f"{name}: {len(sv)} draws' spectra from their ids (max relative error {rel:.2e})", rel < 1e-4, rel)
    d = [closest(ids).min() for ids in draws["ids"]]
    check(f"{name}: each draw's closest pair", np.allclose(draws["closest"], d, atol=1e-4), (draws["closest"][:3], d[:3]))
    first = [v[0] ** 2 / np.sum(v**2) for v in sv]
    check(f"{name}: mean first component", abs(np.mean(first) - draws["explained_mean"][0]) < 1e-5, np.mean(first))
    return sv, d


# the random draws, and why some plunge: tokens that nearly coincide
draw_sv, draw_closest = check_draws("letters' random draws", report["random_draws"])
c = report["coinciding"]
d = closest(s["set_b"]["ids"])
median = np.median(d)
iu = np.triu_indices(len(s["set_b"]["ids"]), k=1)
tokens = s["set_b"]["tokens"]
close_pairs = sorted((float(v), tokens[i], tokens[j]) for v, i, j in zip(d, *iu) if v < median / 2)
check("the random set's median pair distance", abs(c["median_distance"] - median) < 1e-4, (c["median_distance"], median))
check(f"its nearly coinciding pairs ({len(close_pairs)})",
      [(round(p[2], 4), {p[0], p[1]}) for p in c["close_pairs"]] == [(round(v, 4), {a, b}) for v, a, b in close_pairs],
      (c["close_pairs"], close_pairs))
n = len(s["set_b"]["ids"])
smallest = spectrum(s["set_b"]["ids"])[n - 2]
check("its smallest nonzero singular value and the bound d_min/sqrt(2)",
      abs(c["smallest"] - smallest) < 1e-4 and abs(c["bound"] - d.min() / np.sqrt(2)) < 1e-4 and smallest <= d.min() / np.sqrt(2),
      (c["smallest"], smallest, c["bound"]))
k = len(report["random_draws"]["ids"][0])
r = np.corrcoef(draw_closest, [v[k - 2] for v in draw_sv])[0, 1]
check(f"draws: r(closest pair, smallest nonzero) = {r:.3f}", abs(c["draws_r"] - r) < 1e-3, (c["draws_r"], r))
check("the bound in every draw", c["bound_holds"] and all(v[k - 2] <= m / np.sqrt(2) + 1e-6 for v, m in zip(draw_sv, draw_closest)), None)

# without centring
for u, set_ in zip(report["uncentred"]["sets"], [s["set_a"], s["set_b"]]):
    sv = spectrum(set_["ids"], centre=False)
    X = E[set_["ids"]].astype(np.float64)
    check(f"{u['name']} not centred: singular values", np.allclose(u["singular_values"], sv, rtol=1e-4, atol=1e-5), (u["singular_values"][:3], sv[:3]))
    check(f"{u['name']} not centred: sqrt(n)|mean| {np.sqrt(len(X)) * np.linalg.norm(X.mean(0)):.4f}",
          abs(u["mean_length"] - np.sqrt(len(X)) * np.linalg.norm(X.mean(0))) < 1e-4, u["mean_length"])
    check(f"{u['name']} first components", abs(u["explained_first"] - sv[0] ** 2 / np.sum(sv**2)) < 1e-5
          and abs(u["centred_explained_first"] - (lambda v: v[0] ** 2 / np.sum(v**2))(spectrum(set_["ids"]))) < 1e-5, u)

# sets with a direction
words = {"digits": list("0123456789"), "years": [str(y) for y in range(1990, 2016)]}
for o in report["ordered_sets"]["sets"]:
    name = o["set"]["name"]
    ids = [tokenizer.encode(w, add_special_tokens=False)[0] for w in words[name]]
    check(f"{name}: token ids", o["set"]["ids"] == ids, (o["set"]["ids"], ids))
    X = E[ids].astype(np.float64)
    U, sv, Vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    sign = np.sign(Vt[0][np.argmax(np.abs(Vt[0]))])  # the lesson's sign convention
    coordinates = sv[0] * U[:, 0] * sign
    check(f"{name}: spectrum and first component {sv[0]**2 / np.sum(sv**2):.4f}",
          np.allclose(o["singular_values"][:-1], sv[:-1], rtol=1e-4) and abs(o["explained_first"] - sv[0] ** 2 / np.sum(sv**2)) < 1e-5, o["explained_first"])
    check(f"{name}: coordinates along v1", np.allclose(o["coordinates"], coordinates, atol=1e-4), (o["coordinates"][:3], coordinates[:3]))
    r = np.corrcoef(np.arange(len(ids)), coordinates)[0, 1]
    check(f"{name}: r(order, coordinate) = {r:.4f}", abs(o["order_r"] - r) < 1e-4, o["order_r"])
    check_draws(f"{name}' random draws", o["draws"])
print(f"\n{len(failures)} mismatches" if failures else "\nall values agree")
sys.exit(1 if failures else 0)
