"""Notebook 04 (SVD spectrum) on the BERT stand-in: letters v random tokens, spectra, the
projection of every token onto the top letter direction. Usage (from bench/run.py, with bench/python on PYTHONPATH): notebook.py OUT_DIR"""
import string

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from standins import bert_tokenizer, embeddings, out_dir, save

out = out_dir()
tokenizer = bert_tokenizer()
embeddings = embeddings("bert-base-uncased")
fig = plt.figure(figsize=(6, 5))
e1 = embeddings[tokenizer.encode("1", add_special_tokens=False)[0]]
e2 = embeddings[tokenizer.encode("2", add_special_tokens=False)[0]]
plt.plot(e1 - e1.mean(), e2 - e2.mean(), "ko", markerfacecolor=[0.9, 0.7, 0.7, 0.6])
save(fig, out, "digits")

lettertoks = [tokenizer.encode(i, add_special_tokens=False)[0] for i in string.ascii_lowercase]
randtoks = np.random.default_rng(42).integers(0, tokenizer.vocab_size, size=len(lettertoks))
subembLetters = embeddings[lettertoks, :]
subembRandom = embeddings[randtoks, :]
lettersMeanVect = subembLetters.mean(axis=0)[None, :]
subembLetters = subembLetters - lettersMeanVect
subembRandom = subembRandom - subembRandom.mean(axis=0)[None, :]
U, sRandom, VtRandom = np.linalg.svd(subembRandom)
U, sLetters, VtLetters = np.linalg.svd(subembLetters)
print(f"Embeddings is size {subembRandom.shape}; Vh is size {VtLetters.shape}")
fig, axs = plt.subplots(1, 3, figsize=(12, 5))
axs[0].plot(VtLetters[0], "k")
axs[1].plot(VtRandom[0], "b")
axs[2].plot(sLetters, "ks-", label="Letters")
axs[2].plot(sRandom, "bo-", label="Random")
axs[2].legend()
save(fig, out, "spectra")

projections = (embeddings - lettersMeanVect) @ VtLetters[0, :]
fig = plt.figure(figsize=(12, 4))
plt.plot(projections, "ko", markerfacecolor=[0.7, 0.7, 0.7, 0.6])
save(fig, out, "projections")
sortidx = np.argsort(abs(projections))[::-1]
for i in range(20):
    token = tokenizer.decode(sortidx[i])
    if token not in string.ascii_letters:
        print(f'{projections[sortidx[i]]:6.3f} for "{token}"')
fig = plt.figure()
plt.imshow(abs(np.corrcoef(subembLetters)), vmin=0, vmax=1)
plt.colorbar()
save(fig, out, "letter_correlations")
