"""Recompute lesson 1's report.json with numpy and Hugging Face transformers.

Usage: python3 lessons/01-explore-embeddings/crosscheck.py out/01-explore-embeddings/report.json

Checks the default run (`cargo run -p lesson01 -- --standin`, the snapshot's run). Every
number is recomputed here from the stand-in files, independently of the Rust code
(scripts/crosscheck/standins.py): the architectures from config.json and the GGUF's
metadata and tensor list (the `safetensors` and `gguf` packages), token lengths with
Python's len() over the vocabularies of transformers' own tokenizer classes (BertTokenizer
from vocab.txt; GPT2Tokenizer over SmolLM2's tokens and merges from its GGUF metadata),
decoded lengths with their pure-Python decoders, and the embedding statistics with numpy,
exactly as the notebook computes them, on the matrices the `safetensors` and `gguf`
packages read. The module trees' numbers (every Embedding and Linear shape, the layer
count, the norms' eps, the dropouts) are checked against the config; their class names
are transformers', which prints them from torch modules (torch is not installed here).
Tolerances: integers, ids and text exact; Pearson r to 1e-4 relative; per-token
statistics and their histograms to 2e-3 relative (float32 sums in another order).

The same-index row is the lesson's seeded draw of the notebook's
np.random.randint(10000, 20000), which numpy cannot repeat: a single draw, checked to lie
in that range (one index for both models); its tokens and correlation are recomputed.

Beyond the notebook: the shares of each matrix's values outside the heatmaps' colour
range (the notebook's vmin=-.15, vmax=.15) are counted with numpy (exact to 1e-9); the
tree line holding each token embedding matrix is found in the printed tree by the config's
vocabulary size and width. The same word's GPT vector against seeded shuffles of its own
dimensions is the lesson's draw: numpy cannot repeat it, so each r is checked to lie
within the 0.01%-99.99% quantiles of numpy's own 20,000 shuffles of that vector, and the
mean |r| within those of numpy's means of as many shuffles (and equal to the mean of the
reported |r|).

The snapshot (snapshots/lesson01_report.snap) holds this report with each tensor list
replaced by its length and each histogram by its peak bin and density: both derived from
fields recomputed here.
"""
import json
import pathlib
import re
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code
from check import Check  # noqa: E402

LISTED = {
    "labels": "the figures' legend text for each model, written in the lesson",
    "architectures.bert.module_classes_known": "whether the lesson names transformers' classes for this "
                                               "architecture (its own table of BERT, GPT-2, Llama)",
    "architectures.gpt.module_classes_known": "as for BERT",
}
c = Check(LISTED, models=["bert-base-uncased", "gpt2"])


def counts(lengths):
    u, n = np.unique(lengths, return_counts=True)
    return [[int(a), int(b)] for a, b in zip(u, n)]


# print(model): the architecture's numbers from config.json (BERT) and the GGUF's
# metadata (GPT); the parameter count (1) from each architecture's formula and (2) from
# the base model's floating-point tensors in the files (no buffers such as position_ids,
# no heads): sum(p.numel() for p in model.parameters()).
config = json.loads((standins.snapshot(standins.BERT) / "config.json").read_text())
V, P, T, L, d, I, H = (config[k] for k in ["vocab_size", "max_position_embeddings", "type_vocab_size",
                                            "num_hidden_layers", "hidden_size", "intermediate_size",
                                            "num_attention_heads"])
bert_formula = (V + P + T) * d + 2 * d + L * (4 * d * d + 2 * d * I + 9 * d + I) + d * d + d
from safetensors import safe_open  # noqa: E402

with safe_open(str(standins.snapshot(standins.BERT) / "model.safetensors"), "numpy") as f:
    shapes = {k: list(f.get_slice(k).get_shape()) for k in f.keys()}
    dtypes = {k: f.get_slice(k).get_dtype() for k in f.keys()}
bert_files = sum(int(np.prod(s)) for k, s in shapes.items() if not k.endswith("position_ids") and not k.startswith("cls."))
bert = {"model_type": config["model_type"], "layers": L, "hidden_size": d, "heads": H, "vocab_size": V,
        "positions": P, "embedding_tensor": next(k for k in shapes if k.endswith("word_embeddings.weight")),
        "tensors": [{"name": k, "dtype": dtypes[k], "shape": shapes[k]} for k in sorted(shapes)],
        "parameters": bert_formula, "parameters_in_files": bert_files}
bert_tree = {"Embedding": {(V, d), (P, d), (T, d)}, "Linear": {(d, d), (d, I), (I, d)}, "layers": L,
             "eps": {config["layer_norm_eps"]}, "dropout": {config["hidden_dropout_prob"], config["attention_probs_dropout_prob"]}}

reader = standins.gguf_reader()
field = lambda key: reader.fields[key].parts[reader.fields[key].data[0]][0]  # noqa: E731
text = lambda key: bytes(reader.fields[key].parts[reader.fields[key].data[0]]).decode()  # noqa: E731
arch = text("general.architecture")
V, d, L, F = (len(reader.fields["tokenizer.ggml.tokens"].data), int(field(f"{arch}.embedding_length")),
              int(field(f"{arch}.block_count")), int(field(f"{arch}.feed_forward_length")))
heads, kv = int(field(f"{arch}.attention.head_count")), int(field(f"{arch}.attention.head_count_kv"))
kv_width = kv * d // heads
gpt_formula = V * d + L * (2 * d * d + 2 * d * kv_width + 3 * d * F + 2 * d) + d
gpt = {"model_type": arch, "layers": L, "hidden_size": d, "heads": heads, "vocab_size": V,
       "positions": int(field(f"{arch}.context_length")), "embedding_tensor": "token_embd.weight",
       "tensors": [{"name": t.name, "dtype": t.tensor_type.name, "shape": [int(n) for n in reversed(t.shape)]}
                   for t in sorted(reader.tensors, key=lambda t: t.name)],
       "parameters": gpt_formula,
       "parameters_in_files": sum(int(t.n_elements) for t in reader.tensors if t.name != "output.weight")}
gpt_tree = {"Embedding": {(V, d)}, "Linear": {(d, d), (d, kv_width), (d, F), (F, d)}, "layers": L,
            "eps": {float(f'{field(f"{arch}.attention.layer_norm_rms_epsilon"):.6g}')}, "dropout": set()}


def tree_numbers(tree):
    """The numbers in a printed module tree: Embedding and Linear shapes, the repeated
    layer count, the norms' eps and the dropouts' p."""
    pair = r"\((?:in_features=)?(\d+), (?:out_features=)?(\d+)"
    return {"Embedding": {(int(a), int(b)) for a, b in re.findall(r"Embedding" + pair, tree)},
            "Linear": {(int(a), int(b)) for a, b in re.findall(r"Linear" + pair, tree)},
            "layers": [int(n) for n in re.findall(r"\(0-\d+\): (\d+) x", tree)][0],
            "eps": {float(e) for e in re.findall(r"eps=([0-9.e-]+)", tree)},  # as printed: 6 digits
            "dropout": {float(p) for p in re.findall(r"Dropout\(p=([0-9.]+)", tree)}}


for name, want, tree, model in [("bert", bert, bert_tree, "bert-base-uncased"), ("gpt", gpt, gpt_tree, "gpt2")]:
    for key, value in want.items():
        c.equal(f"architectures.{name}.{key}", value)
    c.equal(f"architectures.{name}.model", standins.label(model))
    # transformers prints the tree from a torch module (torch is not installed): its class
    # names are the lesson's, its numbers are checked here against the config.
    got = tree_numbers(c[f"architectures.{name}.module_tree"])
    c.holds(f"architectures.{name}.module_tree", got == tree, f"numbers {got} vs config {tree}")

# How long are the tokens?
tokG = standins.SmolTokenizer(reader)
tokB = standins.bert_tokenizer()
c.equal("vocab_sizes", {"bert": tokB.vocab_size, "gpt": tokG.vocab_size})
stored = {"gpt": [len(w) for w in tokG.tokens], "bert": [len(w) for w in tokB.get_vocab().keys()]}
decoded = {"gpt": [len(tokG.decode([i])) for i in range(tokG.vocab_size)],
           "bert": [len(tokB.decode([i], clean_up_tokenization_spaces=False)) for i in range(tokB.vocab_size)]}
for name in ["bert", "gpt"]:
    c.equal(f"token_lengths.{name}", counts(stored[name]))
    c.equal(f"decoded_lengths.{name}.counts", counts(decoded[name]))
    c.equal(f"decoded_lengths.{name}.changed_by_decoding", sum(a != b for a, b in zip(stored[name], decoded[name])))

eB = standins.embeddings(standins.BERT)
eG = standins.embeddings(standins.GPT)
c.equal("embedding_shapes", {"bert": list(eB.shape), "gpt": list(eG.shape)})

# The same index: the notebook's np.random.randint(10000, 20000), one index for both
# models, drawn by the lesson's seeded generator (a single draw: checked to lie in that
# range), then compared on the first min(d_BERT, d_GPT) dimensions, as the notebook's
# corrcoef would run on vectors of one width.
n = min(eB.shape[1], eG.shape[1])
idx = c.value("same_index.index.bert")
c.holds("same_index.index", 10000 <= idx < 20000 and c["same_index.index.gpt"] == idx,
        f"{c['same_index.index']} in [10000, 20000), one index for both")
# how about the same word? the notebook's 'the': BERT's first token after [CLS], GPT's first
c.equal("same_word.word", "the")
c.equal("same_word.comparison.index", {"bert": tokB.encode("the")[1], "gpt": tokG.encode("the")[0]})
for key, (ib, ig) in {"same_index": (idx, idx), "same_word.comparison": (tokB.encode("the")[1], tokG.encode("the")[0])}.items():
    c.equal(f"{key}.token", {"bert": tokB.decode([ib]), "gpt": tokG.decode([ig])})
    c.equal(f"{key}.dimensions", n)
    c.close(f"{key}.pearson_r", np.corrcoef(eB[ib][:n], eG[ig][:n])[0, 1], rtol=1e-4)

# Distributions of per-token variances and means: np.histogram(..., bins=100, density=True)
for stat, fn in [("variance", lambda e: e.var(axis=1)), ("mean", lambda e: e.mean(axis=1))]:
    for name, e in [("bert", eB), ("gpt", eG)]:
        values = fn(e)
        y, x = np.histogram(values, bins=100, density=True)
        at = f"distributions.{stat}.{name}"
        c.close(f"{at}.histogram.edges", x, rtol=2e-3)
        c.close(f"{at}.histogram.values", y, rtol=2e-3)
        for key, want in [("mean", values.astype(np.float64).mean()), ("min", values.min()), ("max", values.max())]:
            c.close(f"{at}.{key}", want, rtol=2e-3)

# Beyond the notebook: the print(model) tree line that holds each token embedding matrix,
# an Embedding(V, d...) of the matrix's shape, with its line number and the tree's length
for name, e in [("bert", eB), ("gpt", eG)]:
    tree = c[f"architectures.{name}.module_tree"].splitlines()
    pattern = re.compile(rf"Embedding\({e.shape[0]}, {e.shape[1]}[,)]")
    number = next((i for i, line in enumerate(tree, 1) if pattern.search(line)), None)
    c.equal(f"embedding_in_tree.{name}", number and {"number": number, "lines": len(tree), "text": tree[number - 1].strip()})

# Beyond the notebook: the shares of each matrix's values outside the heatmaps' colour
# range, compared in float64 as the figure compares them
LIMITS = [-0.15, 0.15]  # the notebook's imshow(..., vmin=-.15, vmax=.15)
c.equal("clipped.limits", LIMITS)
for name, e in [("bert", eB), ("gpt", eG)]:
    e64 = e.astype(np.float64)
    c.close(f"clipped.share.{name}.below", np.mean(e64 < LIMITS[0]), rtol=0, atol=1e-9)
    c.close(f"clipped.share.{name}.above", np.mean(e64 > LIMITS[1]), rtol=0, atol=1e-9)

# Beyond the notebook: the same word's GPT vector against seeded shuffles of its own
# dimensions (the lesson's draws), against numpy's own shuffles of the same vector
the = tokG.encode("the")[0]
c.equal("shuffled_self.word", "the")
c.equal("shuffled_self.index", the)
c.equal("shuffled_self.dimensions", eG.shape[1])
c.close("shuffled_self.band", 2 / np.sqrt(eG.shape[1]), rtol=1e-12, atol=0)
vector = eG[the].astype(np.float64)
rng = np.random.default_rng(1)
null = np.array([np.corrcoef(vector, rng.permutation(vector))[0, 1] for _ in range(20_000)])
low, high = np.quantile(null, [1e-4, 1 - 1e-4])
drawn = c["shuffled_self.correlations"]
c.holds("shuffled_self.correlations", all(low <= r <= high for r in drawn),
        f"each of {drawn} in numpy's 0.01%-99.99% quantiles [{low:.4f}, {high:.4f}] of 20,000 shuffles",
        tolerance=high - low)
means = np.abs(null).reshape(-1, len(drawn)).mean(axis=1)
c.within("shuffled_self.mean_abs_r", *np.quantile(means, [1e-4, 1 - 1e-4]),
         f"numpy's mean |r| of {len(drawn)} shuffles, 0.01%-99.99% quantiles")
c.close("shuffled_self.mean_abs_r", np.mean(np.abs(drawn)), rtol=1e-12, atol=0)
c.finish()
