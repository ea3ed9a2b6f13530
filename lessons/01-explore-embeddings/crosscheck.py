"""Recompute lesson 1's report.json with numpy and Hugging Face transformers.

Usage: python3 lessons/01-explore-embeddings/crosscheck.py out/01-explore-embeddings/report.json

Run the lesson with --standin first. Every number is recomputed here from the stand-in
files, independently of the Rust code (scripts/crosscheck/standins.py): token lengths
with Python's len() over the vocabularies of transformers' own tokenizer classes
(BertTokenizer from vocab.txt; GPT2Tokenizer over SmolLM2's tokens and merges from its
GGUF metadata), decoded lengths with their pure-Python decoders, and the embedding
statistics with numpy, exactly as the notebook computes them, on the matrices the
`safetensors` and `gguf` packages read.
"""
import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code

failures = []


def close(name, got, want, rel=2e-3, abs_=1e-6):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    if got.shape != want.shape or not np.allclose(got, want, rtol=rel, atol=abs_):
        failures.append(name)
        print(f"MISMATCH {name}: rust {got.ravel()[:6]} python {want.ravel()[:6]}")
    else:
        print(f"ok {name}")


def equal(name, got, want):
    if got != want:
        failures.append(name)
        print(f"MISMATCH {name}: rust {str(got)[:200]} python {str(want)[:200]}")
    else:
        print(f"ok {name}")


def counts(lengths):
    u, c = np.unique(lengths, return_counts=True)
    return [[int(a), int(b)] for a, b in zip(u, c)]


report = json.loads(pathlib.Path(sys.argv[1]).read_text())

# print(model)'s parameter count: sum(p.numel() for p in model.parameters()) of the base
# model class, (1) from each architecture's formula over its config and (2) from the base
# model's floating-point tensors in the files (no buffers such as position_ids, no heads).
config = json.loads((standins.snapshot(standins.BERT) / "config.json").read_text())
V, P, T, L, d, I = (config[k] for k in ["vocab_size", "max_position_embeddings", "type_vocab_size",
                                         "num_hidden_layers", "hidden_size", "intermediate_size"])
bert_formula = (V + P + T) * d + 2 * d + L * (4 * d * d + 2 * d * I + 9 * d + I) + d * d + d
from safetensors import safe_open  # noqa: E402

with safe_open(str(standins.snapshot(standins.BERT) / "model.safetensors"), "numpy") as f:
    bert_files = sum(int(np.prod(f.get_slice(k).get_shape())) for k in f.keys()
                     if not k.endswith("position_ids") and not k.startswith("cls."))
reader = standins.gguf_reader()
field = lambda key: int(reader.fields[key].parts[reader.fields[key].data[0]][0])  # noqa: E731
V, d, L, F = len(reader.fields["tokenizer.ggml.tokens"].data), field("llama.embedding_length"), \
    field("llama.block_count"), field("llama.feed_forward_length")
heads, kv = field("llama.attention.head_count"), field("llama.attention.head_count_kv")
kv_width = kv * d // heads
gpt_formula = V * d + L * (2 * d * d + 2 * d * kv_width + 3 * d * F + 2 * d) + d
gpt_files = sum(int(t.n_elements) for t in reader.tensors if t.name != "output.weight")
equal("BERT parameters (formula)", report["architectures"]["bert"]["parameters"], bert_formula)
equal("BERT parameters in files", report["architectures"]["bert"]["parameters"], bert_files)
equal("GPT parameters (formula)", report["architectures"]["gpt"]["parameters"], gpt_formula)
equal("GPT parameters in files", report["architectures"]["gpt"]["parameters"], gpt_files)

tokG = standins.SmolTokenizer()
tokB = standins.bert_tokenizer()
equal("vocab sizes", report["vocab_sizes"], {"bert": tokB.vocab_size, "gpt": tokG.vocab_size})

stored_G = [len(w) for w in tokG.tokens]
stored_B = [len(w) for w in tokB.get_vocab().keys()]
decoded_G = [len(tokG.decode([i])) for i in range(tokG.vocab_size)]
decoded_B = [len(tokB.decode([i], clean_up_tokenization_spaces=False)) for i in range(tokB.vocab_size)]
tl = report["token_lengths"]
equal("gpt stored lengths", tl["gpt"]["stored"], counts(stored_G))
equal("gpt decoded lengths", tl["gpt"]["decoded"], counts(decoded_G))
equal("bert stored lengths", tl["bert"]["stored"], counts(stored_B))
equal("bert decoded lengths", tl["bert"]["decoded"], counts(decoded_B))
equal("gpt changed by decoding", tl["gpt"]["changed_by_decoding"], sum(a != b for a, b in zip(stored_G, decoded_G)))
equal("bert changed by decoding", tl["bert"]["changed_by_decoding"], sum(a != b for a, b in zip(stored_B, decoded_B)))

word = report["same_word"]["word"]
cmp = report["same_word"]["comparison"]
equal("same word ids", [cmp["index"]["bert"], cmp["index"]["gpt"]], [tokB.encode(word)[1], tokG.encode(word)[0]])

eB = standins.embeddings(standins.BERT)
eG = standins.embeddings(standins.GPT)
equal("embedding shapes", report["embedding_shapes"], {"bert": list(eB.shape), "gpt": list(eG.shape)})

idx = report["same_index"]["index"]["bert"]
equal("same index tokens", [report["same_index"]["token"]["bert"], report["same_index"]["token"]["gpt"]],
      [tokB.decode([idx]), tokG.decode([idx])])
# Both comparisons on the first min(d_BERT, d_GPT) dimensions, as the notebook's corrcoef
# would run on vectors of one width.
n = min(eB.shape[1], eG.shape[1])
for key, (a, b) in {"same_index": (eB[idx], eG[idx]), "same_word": (eB[cmp["index"]["bert"]], eG[cmp["index"]["gpt"]])}.items():
    got = report[key] if key == "same_index" else cmp
    equal(f"{key} dimensions compared", got["dimensions"], n)
    close(f"{key} pearson r", got["pearson_r"], np.corrcoef(a[:n], b[:n])[0, 1], rel=1e-4)

for stat, fn in [("variance", lambda e: e.var(axis=1)), ("mean", lambda e: e.mean(axis=1))]:
    for name, e in [("bert", eB), ("gpt", eG)]:
        values = fn(e)
        s = report["distributions"][stat][name]
        y, x = np.histogram(values, bins=100, density=True)
        close(f"{name} {stat} histogram edges", s["histogram"]["edges"], x)
        close(f"{name} {stat} histogram densities", s["histogram"]["values"], y)
        close(f"{name} {stat} summary", [s["mean"], s["min"], s["max"]],
              [values.astype(np.float64).mean(), values.min(), values.max()])

print(f"\n{len(failures)} mismatches" if failures else "\nall values agree")
sys.exit(1 if failures else 0)
