"""Recompute lesson 3's RSA numbers with numpy and scipy, as the notebook does.

Usage: python3 lessons/03-rsa/crosscheck.py out/03-rsa/report.json

Checks the default run (`cargo run -p lesson03 -- --standin`, the snapshot's run: the
notebook's 18 words, part 4's four models, 1000 permutations). Token counts and ids come
from transformers' pure-Python tokenizers on the stand-in vocabularies (SmolLM2's built
from its GGUF metadata, see scripts/crosscheck/standins.py); cosine matrices, the upper
triangles, np.corrcoef and scipy's spearmanr are computed here from the stand-in files
(SmolLM2's GGUF dequantised by the gguf package, the others' safetensors).

The permutation p-value is a seeded draw of the lesson's own generator: it is checked
against this script's own null, 10,000 shuffles of the GPT words' labels with numpy
(rows and columns together, as the lesson shuffles): the lesson's count of shuffles that
reached the observed RSA must be a likely draw, within the 0.01%-99.99% quantiles of the
binomial distribution of that count over the lesson's 1000 shuffles at numpy's p.

Each p-value's standard error, sqrt(p(1 - p)/N) for the lesson's N = 1000 shuffles, is
recomputed from the p the report gives (1e-12 relative).

Tolerances: counts, ids, names exact; correlations and similarities 1e-4 absolute.
The snapshot leaves out the similarity matrices; every other field is in it.
"""
import pathlib
import sys

import numpy as np
from scipy.stats import binom, spearmanr

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code
from check import Check  # noqa: E402

WORDS = ["space", "spaceship", "planet", "moon", "star", "galaxy", "chair", "table", "couch", "stool",
         "floor", "desk", "apple", "banana", "pear", "orange", "peach", "grape"]  # the notebook's
PART4 = ["gpt2", "gpt2-medium", "bert-base-uncased", "bert-large-uncased"]  # the lesson's --models
PERMUTATIONS, NULL = 1000, 10_000
# the notebook's pair, then part 4's other two
c = Check({}, models=["bert-large-uncased", "gpt2-medium", "gpt2", "bert-base-uncased"])


def cossim(sub):
    unit = sub / np.linalg.norm(sub, axis=1, keepdims=True)
    return unit @ unit.T


def embeddings(name):
    return standins.embeddings("standin/" + standins.STANDINS[name])


# Part 1: embeddings from two LLMs (the notebook's bert-large-uncased and gpt2-medium)
tokB = standins.bert_tokenizer("standin/" + standins.STANDINS["bert-large-uncased"])
tokG = standins.SmolTokenizer()
eB, eG = embeddings("bert-large-uncased"), embeddings("gpt2-medium")
c.equal("vocab_sizes", {"bert": tokB.vocab_size, "gpt": tokG.vocab_size})
c.equal("embedding_shapes", {"bert": list(eB.shape), "gpt": list(eG.shape)})

# Part 2: the words' token counts without and with a leading space, their first tokens
# (GPT's with the space, as the notebook takes them), and each word's correlation
counts = [{"word": w, "no_space": {"bert": len(tokB.encode(w, add_special_tokens=False)), "gpt": len(tokG.encode(w))},
           "space": {"bert": len(tokB.encode(f" {w}", add_special_tokens=False)), "gpt": len(tokG.encode(f" {w}"))}}
          for w in WORDS]
c.equal("token_counts", counts)
tokens = {"bert": [tokB.encode(w, add_special_tokens=False)[0] for w in WORDS], "gpt": [tokG.encode(f" {w}")[0] for w in WORDS]}
c.equal("tokens", tokens)
vB, vG = eB[tokens["bert"]], eG[tokens["gpt"]]
c.close("per_word_correlation.correlations", [np.corrcoef(vB[i], vG[i])[0, 1] for i in range(len(WORDS))], rtol=0, atol=1e-4)
c.equal("per_word_correlation.skipped", None)  # both 1024 wide: nothing skipped

# Part 3: RSA, the correlation of the two cosine matrices' upper triangles
csB, csG = cossim(vB), cossim(vG)
c.close("similarity_matrices.bert", csB.ravel(), rtol=0, atol=1e-4)
c.close("similarity_matrices.gpt", csG.ravel(), rtol=0, atol=1e-4)
iu = np.triu_indices_from(csB, k=1)
observed = np.corrcoef(csB[iu], csG[iu])[0, 1]
c.close("rsa.pearson", observed, rtol=0, atol=1e-4)
c.close("rsa.spearman", spearmanr(csB[iu], csG[iu]).statistic, rtol=0, atol=1e-4)
c.equal("rsa.permutations", PERMUTATIONS)
# Beyond the notebook: the permutation null, numpy's own shuffles of GPT's word labels
rng = np.random.default_rng(0)
null = []
for _ in range(NULL):
    order = rng.permutation(len(WORDS))
    null.append(np.corrcoef(csB[iu], csG[np.ix_(order, order)][iu])[0, 1])
null = np.array(null)


def p_value_within(path, observed):
    """The lesson's p-value (its own seeded shuffles) against numpy's null: the lesson's
    count of shuffles reaching the score within binomial quantiles of numpy's p."""
    reached = int(np.sum(null >= observed))
    p = (reached + 1) / (NULL + 1)
    low, high = binom.ppf(1e-4, PERMUTATIONS, p), binom.ppf(1 - 1e-4, PERMUTATIONS, p)
    c.within(path, (low + 1) / (PERMUTATIONS + 1), (high + 1) / (PERMUTATIONS + 1),
             f"numpy's p {p:.2g} from {NULL} shuffles ({reached} reached it): the lesson's count of "
             f"{PERMUTATIONS} shuffles within binomial quantiles 0.01%-99.99%, {low:.0f} to {high:.0f}")


p_value_within("rsa.p_value", observed)

# Part 4: RSA between every pair of the four models, whatever their widths
sims, widths = [], []
for name in PART4:
    E = embeddings(name)
    ids = tokens["gpt"] if name.startswith("gpt") else tokens["bert"]  # the tokenizers that tell "word" from " word"
    sims.append(cossim(E[ids])[iu])
    widths.append(E.shape[1])
c.equal("model_sizes.names", PART4)
c.equal("model_sizes.models", [standins.label(n) for n in PART4])
c.equal("model_sizes.standin", [True] * len(PART4))  # every model read from its stand-in
c.equal("model_sizes.widths", widths)
c.close("model_sizes.rsa", [[np.corrcoef(a, b)[0, 1] for b in sims] for a in sims], rtol=0, atol=1e-4)
c.close("model_sizes.spearman", [[spearmanr(a, b).statistic for b in sims] for a in sims], rtol=0, atol=1e-4)

# Beyond the notebook: GPT's words in reverse order, a relabelling of the words, scored and
# tested against the same null
csR = cossim(vG[::-1])
reversed_score = np.corrcoef(csB[iu], csR[iu])[0, 1]
c.close("reversed.pearson", reversed_score, rtol=0, atol=1e-4)
c.close("reversed.spearman", spearmanr(csB[iu], csR[iu]).statistic, rtol=0, atol=1e-4)
c.equal("reversed.permutations", PERMUTATIONS)
p_value_within("reversed.p_value", reversed_score)

# Beyond the notebook: each p-value's Monte Carlo standard error, sqrt(p(1 - p)/N) for the
# lesson's N shuffles, from the p it reports (checked above against numpy's null)
for key in ["rsa", "reversed"]:
    p = c[f"{key}.p_value"]
    c.close(f"p_value_standard_errors.{key}", np.sqrt(p * (1 - p) / PERMUTATIONS), rtol=1e-12, atol=0)
c.finish()
