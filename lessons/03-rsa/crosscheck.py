"""Recompute lesson 3's RSA numbers with numpy and scipy, as the notebook does.

Usage: python3 lessons/03-rsa/crosscheck.py out/03-rsa/report.json

Run the lesson with --standin first. Token counts and ids come from transformers'
pure-Python tokenizers on the stand-in vocabularies; cosine matrices, the upper
triangles, np.corrcoef and scipy's spearmanr are computed here from the stand-in
safetensors files.
"""
import json
import pathlib
import sys

import numpy as np
from safetensors import safe_open
from scipy.stats import spearmanr
from transformers import BertTokenizer, GPT2Tokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
HUB = ROOT / ".standins" / "hub"
PACKAGES = ROOT / ".standins" / "packages"
STANDIN = {"gpt2": "standin/gpt2", "gpt2-medium": "standin/gpt2-medium",
           "bert-base-uncased": "standin/bert-base-uncased", "bert-large-uncased": "standin/bert-large-uncased"}
failures = []


def snapshot(repo):
    d = HUB / f"models--{repo.replace('/', '--')}"
    return d / "snapshots" / (d / "refs" / "main").read_text().strip()


def embeddings(repo):
    with safe_open(str(snapshot(repo) / "model.safetensors"), "numpy") as f:
        return f.get_tensor([k for k in f.keys() if k.endswith(("word_embeddings.weight", "wte.weight"))][0])


def close(name, got, want, tol=1e-4):
    if not np.allclose(np.asarray(got, float), np.asarray(want, float), atol=tol):
        failures.append(name)
        print(f"MISMATCH {name}: rust {np.ravel(got)[:5]} python {np.ravel(want)[:5]}")
    else:
        print(f"ok {name}")


def cossim(sub):
    unit = sub / np.linalg.norm(sub, axis=1, keepdims=True)
    return unit @ unit.T


report = json.loads(pathlib.Path(sys.argv[1]).read_text())
tokG = GPT2Tokenizer(vocab_file=str(PACKAGES / "gpt2-tokenizer" / "encoder.json"),
                     merges_file=str(PACKAGES / "gpt2-tokenizer" / "vocab.bpe"))
tokB = BertTokenizer(vocab_file=str(snapshot("standin/bert-base-uncased") / "vocab.txt"))
words = [row["word"] for row in report["token_counts"]]

counts = [[len(tokB.encode(w, add_special_tokens=False)), len(tokG.encode(w)),
           len(tokB.encode(f" {w}", add_special_tokens=False)), len(tokG.encode(f" {w}"))] for w in words]
close("token counts", [[r["no_space"]["bert"], r["no_space"]["gpt2"], r["space"]["bert"], r["space"]["gpt2"]] for r in report["token_counts"]], counts, 0)
tokensB = [tokB.encode(w, add_special_tokens=False)[0] for w in words]
tokensG = [tokG.encode(f" {w}")[0] for w in words]
close("token ids", [report["tokens"]["bert"], report["tokens"]["gpt2"]], [tokensB, tokensG], 0)

eB = embeddings("standin/bert-large-uncased")[tokensB]
eG = embeddings("standin/gpt2-medium")[tokensG]
if report["per_word_correlation"]["correlations"] is not None:
    close("per-word correlation", report["per_word_correlation"]["correlations"],
          [np.corrcoef(eB[i], eG[i])[0, 1] for i in range(len(words))])
csB, csG = cossim(eB), cossim(eG)
n = len(words)
close("cosine matrices", [report["similarity_matrices"]["bert"], report["similarity_matrices"]["gpt2"]],
      [csB.ravel(), csG.ravel()])
iu = np.triu_indices_from(csB, k=1)
close("RSA pearson", report["rsa"]["pearson"], np.corrcoef(csB[iu], csG[iu])[0, 1])
close("RSA spearman", report["rsa"]["spearman"], spearmanr(csB[iu], csG[iu]).statistic)

sims = []
for name in report["model_sizes"]["names"]:
    E = embeddings(STANDIN[name])
    gpt_like = name.startswith("gpt")
    ids = [tokG.encode(f" {w}")[0] if gpt_like else tokB.encode(w, add_special_tokens=False)[0] for w in words]
    sims.append(cossim(E[ids])[iu])
close("model x model RSA", report["model_sizes"]["rsa"], [[np.corrcoef(a, b)[0, 1] for b in sims] for a in sims])
close("model x model Spearman", report["model_sizes"]["spearman"], [[spearmanr(a, b).statistic for b in sims] for a in sims])
print(f"\n{len(failures)} mismatches" if failures else "\nall values agree")
sys.exit(1 if failures else 0)
