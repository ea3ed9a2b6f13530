"""Lesson 6 (two models, one vocabulary) as a Python user would write it, on the stand-ins
of bert-base-uncased and gpt2, for the benchmark: the shared tokens, linear CKA with 100
shuffles, RSA over all pairs (in blocks) and on 2,000 tokens with 100 shuffles, CKA and
RSA of random subsets, scipy's orthogonal Procrustes with cosine and CSLS retrieval (fitted
on half the tokens, and again on all of them), neighbour agreement, and both t-SNE maps
with openTSNE (FFT, perplexity 30, 250 + 250 iterations). Usage (from bench/run.py, with
bench/python on PYTHONPATH): notebook.py OUT_DIR"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from openTSNE import TSNE
from scipy.linalg import orthogonal_procrustes
from scipy.stats import spearmanr

from standins import bert_tokenizer, embeddings, gpt_tokenizer, out_dir, save, special_ids

out = out_dir()
rng = np.random.default_rng(42)
bert, gpt = bert_tokenizer("bert-base-uncased"), gpt_tokenizer("gpt2")
EB, EG = embeddings("bert-base-uncased"), embeddings("gpt2")

# 1. shared tokens: BERT's `ring` is GPT's ` ring`, BERT's `##ing` is GPT's `ing`
keysB = {}
for token, i in bert.get_vocab().items():
    if token not in bert.all_special_tokens:
        keysB.setdefault((token[2:], False) if token.startswith("##") and len(token) > 2 else (token, True), i)
keysG, special = {}, special_ids("gpt2")
for i in range(len(EG)):
    text = gpt.decode([i])
    if i not in special and "\ufffd" not in text and text.strip(" "):
        keysG.setdefault((text[1:], True) if text.startswith(" ") else (text, False), i)
shared = sorted((keysB[k], keysG[k]) for k in keysB.keys() & keysG.keys())
X, Y = EB[[b for b, _ in shared]].astype(np.float64), EG[[g for _, g in shared]].astype(np.float64)
n = len(shared)
print(f"{n} shared tokens")


def unit(m):
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def cka(x, y):
    x, y = x - x.mean(0), y - y.mean(0)
    return np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def rsa(x, y, block=1024):
    ux, uy = unit(x).astype(np.float32), unit(y).astype(np.float32)
    a, b = [], []
    sums = np.zeros(5)
    for s in range(0, len(ux), block):
        keep = np.arange(len(ux))[None, :] > np.arange(s, min(s + block, len(ux)))[:, None]
        a, b = (ux[s:s + block] @ ux.T)[keep].astype(np.float64), (uy[s:s + block] @ uy.T)[keep].astype(np.float64)
        sums += [a.sum(), b.sum(), (a * a).sum(), (b * b).sum(), (a * b).sum()]
    m = len(ux) * (len(ux) - 1) / 2
    sa, sb, saa, sbb, sab = sums
    return (m * sab - sa * sb) / np.sqrt((m * saa - sa * sa) * (m * sbb - sb * sb))


# 2. similarity of the geometries
observed = cka(X, Y)
xc, yc = (X - X.mean(0)).astype(np.float32), (Y - Y.mean(0)).astype(np.float32)
norm = np.linalg.norm(xc.T @ xc) * np.linalg.norm(yc.T @ yc)
null = [np.linalg.norm(xc.T @ yc[rng.permutation(n)]) ** 2 / norm for _ in range(100)]
print(f"CKA {observed:.4f}, p = {(1 + sum(v >= observed for v in null)) / 101:.4f}; RSA all pairs {rsa(X, Y):.4f}")
idx = np.sort(rng.choice(n, 2000, replace=False))
iu = np.triu_indices(2000, k=1)
sB, sG = unit(X[idx]) @ unit(X[idx]).T, unit(Y[idx]) @ unit(Y[idx]).T
r = np.corrcoef(sB[iu], sG[iu])[0, 1]
hits = sum(np.corrcoef(sB[iu], sG[np.ix_(p, p)][iu])[0, 1] >= r for p in (rng.permutation(2000) for _ in range(100)))
print(f"RSA of 2000 tokens: r = {r:.4f}, rho = {spearmanr(sB[iu], sG[iu]).statistic:.4f}, p = {(hits + 1) / 101:.4f}")
sizes = [s for s in (100, 1000, 10000) if s < n]
by_size = {s: [(cka(X[d], Y[d]), rsa(X[d], Y[d])) for d in (rng.choice(n, s, replace=False) for _ in range(10))]
           for s in sizes}
fig, axs = plt.subplots(1, 2, figsize=(12, 4.6))
for ax, j, name in ((axs[0], 0, "CKA"), (axs[1], 1, "RSA")):
    for x, s in enumerate(sizes):
        ax.plot([x] * 10, [v[j] for v in by_size[s]], "o", alpha=0.5)
    ax.set(xticks=range(len(sizes)), xticklabels=sizes, title=f"{name} by number of tokens")
save(fig, out, "similarity_by_size")

# 3. alignment: Procrustes on half the tokens (the narrower space padded with zeros); then,
# as exercise 5, on every token, the same held-out tokens asked again
A, B = unit(X - X.mean(0)), unit(Y - Y.mean(0))
order = rng.permutation(n)
train, test = np.sort(order[: n // 2]), np.sort(order[n // 2:])
padded, B32 = np.pad(A, ((0, 0), (0, B.shape[1] - A.shape[1]))), B.astype(np.float32)


def counterpart_ranks(fit):
    R, _ = orthogonal_procrustes(padded[fit], B[fit])
    mapped = unit(A @ R[: A.shape[1]]).astype(np.float32)
    hub = np.concatenate([np.sort(B32[s:s + 1024] @ mapped.T, axis=1)[:, -10:].mean(1) for s in range(0, n, 1024)])
    ranks = {"cosine": [], "CSLS": []}
    for s in range(0, len(test), 1024):
        rows = test[s:s + 1024]
        sims = mapped[rows] @ B32.T
        for name, scores in (("cosine", sims), ("CSLS", 2 * sims - hub)):
            ranks[name] += list((scores > scores[np.arange(len(rows)), rows][:, None]).sum(1))
    return ranks


for fitted, fit in (("half", train), ("all", np.arange(n))):
    for name, r in counterpart_ranks(fit).items():
        at_k = [np.mean(np.array(r) < k) for k in range(1, 11)]
        print(f"W fitted on {fitted}, {name}: precision@1 {at_k[0]:.4f}, @10 {at_k[9]:.4f}")


# 4. agreement per token, and the two maps
def neighbours(m, k):
    u = unit(m).astype(np.float32)
    out = []
    for s in range(0, n, 1024):
        c = u[s:s + 1024] @ u.T
        c[np.arange(len(c)), np.arange(s, s + len(c))] = -np.inf
        out.append(np.argpartition(-c, k, axis=1)[:, :k])
    return np.concatenate(out)


nB, nG = neighbours(X, 10), neighbours(Y, 10)
overlap = np.array([len(set(a) & set(b)) for a, b in zip(nB, nG)])
print(f"agreement: {overlap.mean():.2f} of 10 on average")
maps = [TSNE(perplexity=30, metric="cosine", n_jobs=2, random_state=42, early_exaggeration_iter=250, n_iter=250).fit(m)
        for m in (X, Y)]
fig, axs = plt.subplots(1, 2, figsize=(12, 6))
for ax, m in zip(axs, maps):
    ax.scatter(m[:, 0], m[:, 1], c=overlap, s=1, cmap="viridis")
save(fig, out, "maps")
