"""Reference blocks for the GGUF dequantisers, written by the `gguf` Python package.

Usage: python3 scripts/crosscheck/gguf_quants.py   (gguf pinned in requirements.txt)

For each ggml type the lessons read, writes common/tests/data/gguf/<TYPE>.blocks (raw
blocks) and <TYPE>.f32 (what gguf.quants.dequantize makes of them, little-endian f32);
common/tests/gguf.rs checks the Rust dequantisers against them value for value. Types
gguf can quantise are quantised from seeded Gaussian data; for the K types, which it only
dequantises, the blocks are seeded random bytes with sane f16 scales, so every bit
pattern of the packed scales and values is exercised.
"""
import pathlib

import numpy as np
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType as T
from gguf import quants

OUT = pathlib.Path(__file__).resolve().parents[2] / "common" / "tests" / "data" / "gguf"
OUT.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(20261123)
VALUES = 1024  # four K blocks, 32 of the others

for t in [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1]:
    x = (rng.standard_normal((1, VALUES)) * 0.05).astype(np.float32)
    blocks = quants.quantize(x, t)
    (OUT / f"{t.name}.blocks").write_bytes(np.asarray(blocks).tobytes())
    (OUT / f"{t.name}.f32").write_bytes(quants.dequantize(blocks, t).astype("<f4").tobytes())

# (offset, length) of each block's f16 scales: d, and dmin for Q4_K/Q5_K.
SCALES = {T.Q4_K: [(0, 2), (2, 2)], T.Q5_K: [(0, 2), (2, 2)], T.Q6_K: [(208, 2)]}
for t, scales in SCALES.items():
    per_block, size = GGML_QUANT_SIZES[t]
    n = VALUES // per_block
    raw = rng.integers(0, 256, size=(n, size), dtype=np.uint8)
    for offset, _ in scales:
        d = (rng.random(n) * 0.01 + 0.001).astype(np.float16)
        raw[:, offset : offset + 2] = d.view(np.uint8).reshape(n, 2)
    (OUT / f"{t.name}.blocks").write_bytes(raw.tobytes())
    (OUT / f"{t.name}.f32").write_bytes(quants.dequantize(raw, t).astype("<f4").tobytes())

print(f"wrote {len(list(OUT.glob('*.blocks')))} reference block files to {OUT}")

# Whole files written by gguf's own writer, for the fuzzer's seeds and as files the Rust
# reader must read: a 64-token byte-level BPE vocabulary and a Q8_0 / Q4_K token_embd.
from gguf import GGUFWriter  # noqa: E402

SEEDS = OUT.parents[3] / "fuzz" / "seeds" / "gguf_header"
SEEDS.mkdir(parents=True, exist_ok=True)
tokens = ["<|endoftext|>"] + [chr(c) for c in range(ord("a"), ord("a") + 26)] + ["Ġ"] + \
         [a + b for a in "abc" for b in "abcdefghijkl"]
merges = [f"{a} {b}" for a in "abc" for b in "abcdefghijkl"]
for kind, cols in [(T.Q8_0, 64), (T.Q4_K, 256)]:
    path = SEEDS / f"{kind.name.lower()}.gguf"
    writer = GGUFWriter(str(path), "llama")
    writer.add_block_count(1)
    writer.add_embedding_length(cols)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("smollm")
    writer.add_token_list(tokens)
    writer.add_token_types([3] + [1] * (len(tokens) - 1))
    writer.add_token_merges(merges)
    x = (rng.standard_normal((len(tokens), cols)) * 0.05).astype(np.float32)
    if kind == T.Q8_0:
        data = quants.quantize(x, kind)
    else:  # gguf cannot quantise to Q4_K: random blocks with sane scales, as above
        per_block, size = GGML_QUANT_SIZES[kind]
        data = rng.integers(0, 256, size=(len(tokens), cols // per_block * size), dtype=np.uint8)
        data[:, 0:4] = (rng.random((len(tokens), 2)) * 0.01).astype(np.float16).view(np.uint8)
    writer.add_tensor("token_embd.weight", data, raw_dtype=kind)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {path}")
