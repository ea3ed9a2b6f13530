"""Notebook 01 (explore GPT-2 and BERT embeddings) on the stand-ins, as the notebook
computes it: numpy statistics, matplotlib figures. Usage (from bench/run.py, with bench/python on PYTHONPATH): notebook.py OUT_DIR"""
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from standins import bert_tokenizer, embeddings, gguf_file, gpt_tokenizer, out_dir, save, snapshot

out = out_dir()
tokenizerG, tokenizerB = gpt_tokenizer(), bert_tokenizer()
print(gguf_file("gpt2"))  # print(model): the architecture (the GGUF's metadata for the GPT stand-in)
print(json.dumps(json.loads((snapshot("bert-base-uncased") / "config.json").read_text()), indent=1))
print(f"BERT has {tokenizerB.vocab_size:,} tokens.")
print(f"GPT2 has {tokenizerG.vocab_size:,} tokens.")

token_lengths = np.zeros(tokenizerG.vocab_size, dtype=int)
for word, idx in tokenizerG.get_vocab().items():
    token_lengths[idx] = len(word)
uniqueLengthsG, tokenCountG = np.unique(token_lengths, return_counts=True)
token_lengths = np.zeros(tokenizerB.vocab_size, dtype=int)
for idx, word in enumerate(tokenizerB.get_vocab().keys()):
    token_lengths[idx] = len(word)
uniqueLengthsB, tokenCountB = np.unique(token_lengths, return_counts=True)
fig, axs = plt.subplots(2, 1, figsize=(8, 6))
axs[0].bar(uniqueLengthsG, tokenCountG, color="k", edgecolor="gray")
axs[0].set(xlabel="Token length (chars)", ylabel="Token count", title="GPT2 token lengths", xlim=[0, 22])
axs[1].bar(uniqueLengthsB, tokenCountB, color="k", edgecolor="gray")
axs[1].set(xlabel="Token length (chars)", ylabel="Token count", title="BERT token lengths", xlim=[0, 22])
fig.tight_layout()
save(fig, out, "token_lengths")

embeddingsG, embeddingsB = embeddings("gpt2"), embeddings("bert-base-uncased")
print(f"BERT embedding matrix is of size {embeddingsB.shape}.")
print(f"GPT2 embedding matrix is of size {embeddingsG.shape}.")
fig, axs = plt.subplots(2, 1, figsize=(10, 8))
h = axs[0].imshow(embeddingsG.T, aspect="auto", vmin=-0.15, vmax=0.15)
axs[0].set(xlabel="Tokens", ylabel="Dimensions", title="GPT-2 embeddings matrix")
fig.colorbar(h, ax=axs[0], pad=0.01)
h = axs[1].imshow(embeddingsB.T, aspect="auto", vmin=-0.15, vmax=0.15)
axs[1].set(xlabel="Tokens", ylabel="Dimensions", title="BERT embedding matrix")
fig.colorbar(h, ax=axs[1], pad=0.01)
fig.tight_layout()
save(fig, out, "embedding_matrices")

ridx = np.random.default_rng(42).integers(10000, 20000)
fig, axs = plt.subplots(1, 2, figsize=(12, 4))
axs[0].plot(embeddingsB[ridx, :], label="BERT", linewidth=0.5)
axs[0].plot(embeddingsG[ridx, :], label="GPT2", linewidth=0.5)
axs[0].legend()
axs[0].set(xlabel="Embeddings dimension", ylabel="Embedding value", title=f"Token {ridx}")
n = min(embeddingsB.shape[1], embeddingsG.shape[1])
axs[1].plot(embeddingsB[ridx, :n], embeddingsG[ridx, :n], "s", markerfacecolor=[0.7, 0.9, 0.7])
axs[1].set(xlabel=f'BERT ("{tokenizerB.decode(ridx)}")', ylabel=f'GPT2 ("{tokenizerG.decode(ridx)}")')
save(fig, out, "same_index")

token = "the"
token_idxB = tokenizerB.encode(token)[1]
token_idxG = tokenizerG.encode(token)[0]
print(f'BERT: "{token}" is index {token_idxB}')
print(f'GPT2: "{token}" is index {token_idxG}')

fig, axs = plt.subplots(1, 2, figsize=(12, 3.5))
for ax, stat, title in ((axs[0], np.var, "Variances"), (axs[1], np.mean, "Means")):
    for name, m in (("BERT", embeddingsB), ("GPT2", embeddingsG)):
        y, x = np.histogram(stat(m, axis=1), bins=100, density=True)
        ax.plot(x[:-1], y, linewidth=2, label=name)
    ax.set(xlabel=title, ylabel="Density", title=f"{title} distributions")
    ax.legend()
save(fig, out, "distributions")
