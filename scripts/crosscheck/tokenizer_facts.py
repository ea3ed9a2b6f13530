"""Recompute tests/tests/tokenizers.rs's facts of GPT-2's and bert-base-uncased's real
tokenizers with transformers' pure-Python tokenizer classes.

Usage: python3 scripts/crosscheck/tokenizer_facts.py   (after any lesson has prepared .standins)

Checks the ids the test asserts and the token-length histograms in
snapshots/gpt2_token_lengths.snap and snapshots/bert_token_lengths.snap: stored lengths
with Python's len() over the vocabularies, decoded lengths over each token decoded alone.
"""
import json
import sys

import numpy as np
from transformers import GPT2Tokenizer

from standins import PACKAGES, ROOT, bert_tokenizer

failures = []


def check(name, got, want):
    print(("ok " if got == want else "MISMATCH ") + name)
    if got != want:
        failures.append(name)


def counts(lengths):
    u, c = np.unique(lengths, return_counts=True)
    return [[int(a), int(b)] for a, b in zip(u, c)]


def snapshot(name):
    return json.loads((ROOT / "snapshots" / f"{name}.snap").read_text().split("---\n", 2)[2])


gpt2 = GPT2Tokenizer(vocab_file=str(PACKAGES / "gpt2-tokenizer" / "encoder.json"),
                     merges_file=str(PACKAGES / "gpt2-tokenizer" / "vocab.bpe"))
check("gpt2 vocabulary", gpt2.vocab_size, 50257)
for text, ids in [("the", [1169]), (" the", [262]), ("Hello world", [15496, 995]), ("ring", [1806]), (" ring", [5858])]:
    check(f"gpt2 ids of {text!r}", gpt2.encode(text), ids)
bert = bert_tokenizer()
for text, ids in [("it's don't i'm i'd", [2009, 1005, 1055, 2123, 1005, 1056, 1045, 1005, 1049, 1045, 1005, 1040])]:
    check(f"bert ids of {text!r}", bert.encode(text, add_special_tokens=False), ids)
for tok, name in [(gpt2, "gpt2"), (bert, "bert")]:
    vocab = tok.encoder if tok is gpt2 else tok.vocab
    stored = [len(w) for w, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    decoded = [len(tok.decode([i], clean_up_tokenization_spaces=False)) for i in range(tok.vocab_size)]
    want = snapshot(f"{name}_token_lengths")
    check(f"{name} stored lengths", counts(stored), want["stored"])
    check(f"{name} decoded lengths", counts(decoded), want["decoded"])

print(f"\n{len(failures)} mismatches" if failures else "\nall values agree")
sys.exit(1 if failures else 0)
