"""Where the Python counterparts find the offline stand-in models: the same files the
Rust lessons read with --standin ($EMBEDDING_STANDINS_DIR, else .standins/, prepared by scripts/fetch-standins.sh and
the first lesson run). Weights come through safetensors, or for the GPT stand-in
(SmolLM2-135M as GGUF) through the `gguf` package, as a Python user with a llama.cpp
model reads it (transformers' model classes need torch, which the stand-ins do not
require); tokenizers through transformers and its fast `tokenizers` library."""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
STANDINS_DIR = pathlib.Path(os.environ.get("EMBEDDING_STANDINS_DIR") or ROOT / ".standins")
HUB = STANDINS_DIR / "hub"

# The stand-in repo of each course model name.
STANDINS = {
    "gpt2": "SmolLM2-135M-Instruct",
    "gpt2-medium": "SmolLM2-135M-Instruct-1024",
    "bert-base-uncased": "bert-base-uncased",
    "bert-large-uncased": "bert-large-uncased",
}

# What each stand-in is, as the lessons name it: the trained model, and for the two
# 1024-wide ones the random projection of its matrix (generated values).
SOURCES = {
    "gpt2": ("SmolLM2-135M-Instruct", None),
    "gpt2-medium": ("SmolLM2-135M-Instruct", 1024),
    "bert-base-uncased": ("all-MiniLM-L6-v2", None),
    "bert-large-uncased": ("all-MiniLM-L6-v2", 1024),
}


def label(course_model):
    """A lesson's name for the stand-in of `course_model` (its report's `model`)."""
    source, width = SOURCES[course_model]
    if width is None:
        return f"{source} (stand-in for {course_model})"
    return f"{source} → {width} (SYNTHETIC stand-in for {course_model})"

# Names of the token-embedding tensor in BERT, GPT-2, LLaMA-style and GGUF checkpoints.
EMBEDDING_SUFFIXES = ("word_embeddings.weight", "wte.weight", "embed_tokens.weight", "token_embd.weight")


def snapshot(model):
    repo = HUB / f"models--standin--{STANDINS.get(model, model)}"
    return repo / "snapshots" / (repo / "refs" / "main").read_text().strip()


def gguf_file(model):
    return next(iter(sorted(snapshot(model).glob("*.gguf"))), None)


def embeddings(model, reader=None):
    """The token-embedding matrix as float32 numpy (the notebook's `.weight.detach().numpy()`);
    `reader`: the GGUF stand-in's GGUFReader, if the caller has one open already."""
    gguf = gguf_file(model)
    if gguf is not None:
        from gguf import GGUFReader, quants

        t = next(t for t in (reader or GGUFReader(str(gguf))).tensors if t.name == "token_embd.weight")
        return quants.dequantize(t.data, t.tensor_type).reshape(-1, int(t.shape[0]))
    from safetensors import safe_open

    with safe_open(str(snapshot(model) / "model.safetensors"), "numpy") as f:
        name = next(k for k in f.keys() if k.endswith(EMBEDDING_SUFFIXES))
        return f.get_tensor(name)


def embedding_bytes(model):
    """Bytes of the token-embedding matrix as the lessons hold it, in f32: a safetensors
    f32 tensor as stored, a GGUF's quantised one once dequantised (4 bytes an entry)."""
    gguf = gguf_file(model)
    if gguf is not None:
        from gguf import GGUFReader

        return 4 * int(next(t for t in GGUFReader(str(gguf)).tensors if t.name == "token_embd.weight").n_elements)
    import json

    with open(snapshot(model) / "model.safetensors", "rb") as f:
        header = json.loads(f.read(int.from_bytes(f.read(8), "little")))
    name = next(k for k in header if k.endswith(EMBEDDING_SUFFIXES))
    start, end = header[name]["data_offsets"]
    return end - start


def _gguf_strings(field):
    return [bytes(field.parts[i]).decode("utf-8") for i in field.data]


def special_ids(model="gpt2"):
    """Ids of the control tokens (GGUF token type 3) of a GGUF stand-in."""
    from gguf import GGUFReader

    types = GGUFReader(str(gguf_file(model))).fields["tokenizer.ggml.token_type"]
    return {i for i, part in enumerate(types.data) if int(types.parts[part][0]) == 3}


def gpt_tokenizer(model="gpt2"):
    """The GPT stand-in's tokenizer as a transformers fast tokenizer: built from the GGUF's
    metadata (byte-level BPE, digits split first as SmolLM's pre-tokenizer does), or from
    the tokenizer.json beside a safetensors stand-in."""
    from transformers import PreTrainedTokenizerFast

    gguf = gguf_file(model)
    if gguf is None:
        return PreTrainedTokenizerFast(tokenizer_file=str(snapshot(model) / "tokenizer.json"))
    from gguf import GGUFReader
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    fields = GGUFReader(str(gguf)).fields
    tokens = _gguf_strings(fields["tokenizer.ggml.tokens"])
    merges = [tuple(m.split(" ", 1)) for m in _gguf_strings(fields["tokenizer.ggml.merges"])]
    tok = Tokenizer(models.BPE({t: i for i, t in enumerate(tokens)}, merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.ByteLevel(add_prefix_space=False)])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([tokens[i] for i in sorted(special_ids(model))])
    return PreTrainedTokenizerFast(tokenizer_object=tok)


def bert_tokenizer(model="bert-base-uncased"):
    from transformers import BertTokenizer

    return BertTokenizer.from_pretrained(str(snapshot(model)))


def save(fig, out, name):
    """Every figure as SVG and PNG, as the Rust lessons write them."""
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / f"{name}.svg")
    fig.savefig(out / f"{name}.png", dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)


def out_dir():
    import sys

    return sys.argv[1] if len(sys.argv) > 1 else "out/python"
