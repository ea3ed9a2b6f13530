"""Recompute lesson 3's RSA numbers with numpy and scipy, as the notebook does.

Usage: python3 lessons/03-rsa/crosscheck.py out/03-rsa/report.json

Run the lesson with --standin first. Token counts and ids come from transformers'
pure-Python tokenizers on the stand-in vocabularies (SmolLM2's built from its GGUF
metadata, see scripts/crosscheck/standins.py); cosine matrices, the upper triangles,
np.corrcoef and scipy's spearmanr are computed here from the stand-in files (SmolLM2's
GGUF dequantised by the gguf package, the others' safetensors).
"""
import json
import pathlib
import sys

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code

STANDIN = {"gpt2": standins.GPT, "gpt2-medium": "standin/SmolLM2-135M-Instruct-1024",
           "bert-base-uncased": standins.BERT, "bert-large-uncased": "standin/bert-large-uncased"}
failures = []


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
tokG = standins.SmolTokenizer()
tokB = standins.bert_tokenizer()
words = [row["word"] for row in report["token_counts"]]

counts = [[len(tokB.encode(w, add_special_tokens=False)), len(tokG.encode(w)),
           len(tokB.encode(f" {w}", add_special_tokens=False)), len(tokG.encode(f" {w}"))] for w in words]
close("token counts", [[r["no_space"]["bert"], r["no_space"]["gpt"], r["space"]["bert"], r["space"]["gpt"]] for r in report["token_counts"]], counts, 0)
tokensB = [tokB.encode(w, add_special_tokens=False)[0] for w in words]
tokensG = [tokG.encode(f" {w}")[0] for w in words]
close("token ids", [report["tokens"]["bert"], report["tokens"]["gpt"]], [tokensB, tokensG], 0)

eB = standins.embeddings("standin/bert-large-uncased")[tokensB]
eG = standins.embeddings("standin/SmolLM2-135M-Instruct-1024")[tokensG]
if report["per_word_correlation"]["correlations"] is not None:
    close("per-word correlation", report["per_word_correlation"]["correlations"],
          [np.corrcoef(eB[i], eG[i])[0, 1] for i in range(len(words))])
csB, csG = cossim(eB), cossim(eG)
n = len(words)
close("cosine matrices", [report["similarity_matrices"]["bert"], report["similarity_matrices"]["gpt"]],
      [csB.ravel(), csG.ravel()])
iu = np.triu_indices_from(csB, k=1)
close("RSA pearson", report["rsa"]["pearson"], np.corrcoef(csB[iu], csG[iu])[0, 1])
close("RSA spearman", report["rsa"]["spearman"], spearmanr(csB[iu], csG[iu]).statistic)

# Beyond the notebook: GPT's words in reverse order (the lesson's last section), and both
# permutation p-values. The lesson's shuffles come from its own seeded generator, so p is
# compared with numpy's from 20,000 shuffles, within four standard errors of the
# lesson's count of shuffles (and never below the floor 1/(N + 1)).
csR = cossim(eG[::-1])
close("reversed RSA pearson", report["reversed"]["pearson"], np.corrcoef(csB[iu], csR[iu])[0, 1])
close("reversed RSA spearman", report["reversed"]["spearman"], spearmanr(csB[iu], csR[iu]).statistic)
rng = np.random.default_rng(0)
null = []
for _ in range(20000):
    order = rng.permutation(n)
    null.append(np.corrcoef(csB[iu], csG[np.ix_(order, order)][iu])[0, 1])
null = np.array(null)
for name, score in [("rsa", report["rsa"]), ("reversed", report["reversed"])]:
    if score["p_value"] is None:
        continue
    N = score["permutations"]
    p = max(np.mean(null >= score["pearson"]), 1 / (N + 1))
    tolerance = 4 * np.sqrt(max(p * (1 - p), 1 / N) / N) + 1 / (N + 1)
    print(f"  {name}: lesson p {score['p_value']:.4f}, numpy p {p:.4f} (20,000 shuffles)")
    close(f"{name} permutation p", score["p_value"], p, tolerance)

sims = []
for name in report["model_sizes"]["names"]:
    E = standins.embeddings(STANDIN[name])
    gpt_like = name.startswith("gpt")  # the tokenizers that tell "word" from " word"
    ids = [tokG.encode(f" {w}")[0] if gpt_like else tokB.encode(w, add_special_tokens=False)[0] for w in words]
    sims.append(cossim(E[ids])[iu])
close("model x model RSA", report["model_sizes"]["rsa"], [[np.corrcoef(a, b)[0, 1] for b in sims] for a in sims])
close("model x model Spearman", report["model_sizes"]["spearman"], [[spearmanr(a, b).statistic for b in sims] for a in sims])
print(f"\n{len(failures)} mismatches" if failures else "\nall values agree")
sys.exit(1 if failures else 0)
