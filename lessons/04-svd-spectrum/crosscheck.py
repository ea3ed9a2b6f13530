"""Recompute lesson 4's spectra and projections with numpy, as the notebook does.

Usage: python3 lessons/04-svd-spectrum/crosscheck.py out/04-svd-spectrum/report.json

Run the lesson with --standin first. The token sets are read from the report; the SVD is
np.linalg.svd of the mean-centred submatrices of the stand-in BERT matrix. The top
projections are taken and printed as the notebook's cell does (np.argsort(abs(p))[::-1],
the first 20, transformers' BertTokenizer.decode, skipped when in string.ascii_letters),
after flipping Vt[0] to the lesson's sign convention, and compared line for line.
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
print(f"\n{len(failures)} mismatches" if failures else "\nall values agree")
sys.exit(1 if failures else 0)
