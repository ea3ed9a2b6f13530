"""Notebook 05 (t-SNE and DBSCAN) on the GPT-2 stand-in: Gram matrix of the first 100
tokens, scikit-learn's t-SNE (perplexity 5) and DBSCAN (eps 7, min_samples 3).
Usage (from bench/run.py, with bench/python on PYTHONPATH): notebook.py OUT_DIR"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.cluster import DBSCAN
from sklearn.manifold import TSNE

from standins import embeddings, gpt_tokenizer, out_dir, save, special_ids

out = out_dir()
tokenizer = gpt_tokenizer()
embedding = embeddings("gpt2")
nToks = 100
# GPT-2's ids 0-99 are its first 100 text tokens; the stand-in's vocabulary starts with
# special tokens, so the first 100 that are text.
special = special_ids("gpt2")
ids = [i for i in range(len(embedding)) if i not in special][:nToks]
subEmbed = embedding[ids, :]
G = subEmbed @ subEmbed.T
fig, axs = plt.subplots(1, 3, figsize=(12, 4))
axs[0].imshow(subEmbed, vmin=-0.2, vmax=0.2)
axs[1].imshow(subEmbed.T, vmin=-0.2, vmax=0.2)
axs[2].imshow(G, vmin=2, vmax=7)
fig.tight_layout()
save(fig, out, "gram")

tsne_result = TSNE(n_components=2, perplexity=5, random_state=42).fit_transform(subEmbed)
fig, axs = plt.subplots(1, 2, figsize=(13, 5))
axs[0].imshow(G, origin="lower", vmin=2, vmax=7)
axs[1].scatter(tsne_result[:, 0], tsne_result[:, 1], color=[0.7, 0.7, 1], edgecolor="k")
for i in range(nToks):
    axs[1].text(tsne_result[i, 0], tsne_result[i, 1], tokenizer.decode([ids[i]]), ha="center")
fig.tight_layout()
save(fig, out, "gram_and_tsne")

groupidx = DBSCAN(eps=7, min_samples=3).fit(tsne_result).labels_
nclust = max(groupidx) + 1
cents = np.array([tsne_result[groupidx == ci].mean(axis=0) for ci in range(nclust)]).reshape(-1, 2)
fig = plt.figure(figsize=(8, 6))
lineColors = "rkbgm"
for i in range(len(tsne_result)):
    if groupidx[i] == -1:
        plt.plot(tsne_result[i, 0], tsne_result[i, 1], "k+")
    else:
        c = cents[groupidx[i]]
        plt.plot([tsne_result[i, 0], c[0]], [tsne_result[i, 1], c[1]], lineColors[groupidx[i] % 5])
plt.plot(cents[:, 0], cents[:, 1], "kd", markerfacecolor=[0.8, 0.7, 0.1], markersize=10)
save(fig, out, "dbscan")
for cidx in range(-1, nclust):
    print([" ".join(tokenizer.decode([ids[t]])) for t in np.where(groupidx == cidx)[0]])
