"""The stand-in files as the cross-checks read them, independently of the Rust code.

BERT: safetensors (the `safetensors` package) and transformers' pure-Python BertTokenizer.
GPT: SmolLM2-135M's GGUF read with the `gguf` package (`gguf.quants.dequantize`), and a
pure-Python tokenizer — transformers' GPT2Tokenizer (byte-level BPE) over the GGUF's own
tokens and merges, after splitting off every digit as llama.cpp's `smollm` pre-tokenizer
does — so neither the Rust GGUF reader nor the Rust tokenizers library is involved.
"""
import functools
import importlib.util
import json
import os
import pathlib
import tempfile
import unicodedata

# transformers' tokenizers only: no notice that no deep-learning framework is installed.
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ROOT = pathlib.Path(__file__).resolve().parents[2]
GPT = "standin/SmolLM2-135M-Instruct"
BERT = "standin/bert-base-uncased"

# The benchmark's Python side already reads the stand-in files (safetensors, and the GGUF
# through gguf.quants.dequantize), independently of the Rust code: its readers serve here.
_spec = importlib.util.spec_from_file_location("bench_standins", ROOT / "bench" / "python" / "standins.py")
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)
PACKAGES = _bench.STANDINS_DIR / "packages"
STANDINS = _bench.STANDINS  # the stand-in repo of each course model name
label = _bench.label  # what a lesson calls the stand-in of a course model


def snapshot(repo):
    return _bench.snapshot(repo.removeprefix("standin/"))


@functools.cache
def embeddings(repo):
    """The token-embedding matrix of stand-in `repo` as float32 numpy, read once (read-only)."""
    name = repo.removeprefix("standin/")
    matrix = _bench.embeddings(name, gguf_reader(repo) if _bench.gguf_file(name) else None)
    matrix.flags.writeable = False
    return matrix


def smollm_embeddings():
    """token_embd.weight of the GPT stand-in's GGUF, dequantised by gguf: rows × 576."""
    return embeddings(GPT)


@functools.cache
def gguf_reader(repo=GPT):
    """The GGUF's reader, opened once: parsing its 100,000 metadata strings takes seconds."""
    from gguf import GGUFReader

    return GGUFReader(str(_bench.gguf_file(repo.removeprefix("standin/"))))


def _strings(reader, key):
    field = reader.fields[key]
    return [bytes(field.parts[i]).decode("utf-8") for i in field.data]


class SmolTokenizer:
    """SmolLM2's tokenizer from the GGUF's metadata, in pure Python."""

    def __init__(self, reader=None):
        from transformers import GPT2Tokenizer

        reader = reader or gguf_reader()
        tokens = _strings(reader, "tokenizer.ggml.tokens")
        merges = _strings(reader, "tokenizer.ggml.merges")
        types = reader.fields["tokenizer.ggml.token_type"]
        self.special = {i for i, part in enumerate(types.data) if int(types.parts[part][0]) == 3}
        with tempfile.TemporaryDirectory() as tmp:
            vocab, merges_file = pathlib.Path(tmp, "vocab.json"), pathlib.Path(tmp, "merges.txt")
            vocab.write_text(json.dumps({t: i for i, t in enumerate(tokens)}))
            merges_file.write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
            self.inner = GPT2Tokenizer(vocab_file=str(vocab), merges_file=str(merges_file))
        self.tokens = tokens
        self.vocab_size = len(tokens)

    def encode(self, text):
        """Ids of `text` without special tokens: digits split off one by one, then BPE."""
        pieces, current = [], ""
        for ch in text:
            if unicodedata.category(ch)[0] == "N":  # \p{N}, as llama.cpp and Rust's is_numeric
                pieces += [current, ch] if current else [ch]
                current = ""
            else:
                current += ch
        pieces += [current] if current else []
        return [i for p in pieces for i in self.inner.convert_tokens_to_ids(self.inner._tokenize(p))]

    def decode(self, ids):
        return self.inner.decode(ids, clean_up_tokenization_spaces=False)


def bert_tokenizer(repo=BERT):
    from transformers import BertTokenizer

    return BertTokenizer(vocab_file=str(snapshot(repo) / "vocab.txt"))
