"""Notebook 03 (RSA, BERT v GPT-2) on the stand-ins of bert-large-uncased and gpt2-medium:
per-word correlations, cosine-similarity matrices, the RSA score. Usage (from bench/run.py, with bench/python on PYTHONPATH): notebook.py OUT_DIR"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from standins import bert_tokenizer, embeddings, gpt_tokenizer, out_dir, save

out = out_dir()
tokenizerB, tokenizerG = bert_tokenizer("bert-large-uncased"), gpt_tokenizer("gpt2-medium")
embeddingsB, embeddingsG = embeddings("bert-large-uncased"), embeddings("gpt2-medium")
print(f"BERT embeddings shape: {list(embeddingsB.shape)}")
print(f"GPT2 embeddings shape: {list(embeddingsG.shape)}")
words = ["space", "spaceship", "planet", "moon", "star", "galaxy", "chair", "table", "couch",
         "stool", "floor", "desk", "apple", "banana", "pear", "orange", "peach", "grape"]
tokensB, tokensG = [], []
for w in words:
    tb = tokenizerB.encode(w, add_special_tokens=False)
    tg = tokenizerG.encode(w)
    tbs = tokenizerB.encode(f" {w}", add_special_tokens=False)
    tgs = tokenizerG.encode(f" {w}")
    print(f"{w:>10} |  {len(tb)}  |  {len(tg)}  |  {len(tbs)}  |  {len(tgs)}")
    tokensB.append(tb[0])
    tokensG.append(tgs[0])
sub_embedB, sub_embedG = embeddingsB[tokensB, :], embeddingsG[tokensG, :]

fig, axs = plt.subplots(1, 2, figsize=(10, 4))
axs[0].plot(sub_embedB[0, :], sub_embedG[0, :], "kh", markerfacecolor=[0.7, 0.7, 0.9, 0.4])
for i in range(len(words)):
    r = np.corrcoef(sub_embedB[i, :], sub_embedG[i, :])[0, 1]
    axs[1].plot(i, r, "kh", markerfacecolor=[0.9, 0.7, 0.7], markersize=10)
axs[1].set(xticks=range(len(words)), xticklabels=words, ylim=[-0.5, 0.5])
fig.tight_layout()
save(fig, out, "word_correlations")


def cosine(m):
    unit = m / np.linalg.norm(m, axis=1, keepdims=True)
    return unit @ unit.T


csB, csG = cosine(sub_embedB), cosine(sub_embedG)
unique_B = csB[np.triu_indices_from(csB, k=1)]
unique_G = csG[np.triu_indices_from(csG, k=1)]
r = np.corrcoef(unique_B, unique_G)[0, 1]
print(f"Number of non-redundant elements: {len(unique_B)}; RSA r = {r:.3f}")
fig, axs = plt.subplots(1, 3, figsize=(13, 4))
for ax, cs, title in ((axs[0], csB, "BERT"), (axs[1], csG, "GPT-2")):
    h = ax.imshow(cs, vmin=0.1, vmax=0.5, cmap="plasma")
    ax.set(xticks=range(0, len(words), 2), xticklabels=words[::2], title=f"Cossim matrix for {title}")
    fig.colorbar(h, ax=ax, fraction=0.046, pad=0.02)
axs[2].plot(unique_B, unique_G, "kh", markersize=8, markerfacecolor=[0.7, 0.9, 0.7, 0.5])
axs[2].set(title=f"C) Correlation (RSA score): r = {r:.2f}")
fig.tight_layout()
save(fig, out, "rsa")
