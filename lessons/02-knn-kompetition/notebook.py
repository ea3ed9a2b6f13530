"""Notebook 02 (kNN kompetition) on the stand-ins: Euclidean neighbours of "ring", raw and
normalised, distance histograms, and the multi-token "beauty". Usage (from bench/run.py, with bench/python on PYTHONPATH): notebook.py OUT_DIR"""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from standins import bert_tokenizer, embeddings, gpt_tokenizer, out_dir, save

out = out_dir()
tokenizerB, tokenizerG = bert_tokenizer(), gpt_tokenizer()
embeddingsB, embeddingsG = embeddings("bert-base-uncased"), embeddings("gpt2")


def neighbours(eB, eG, seedword, title, k=15):
    seedidxB = tokenizerB.encode(seedword, add_special_tokens=False)
    seedidxG = tokenizerG.encode(seedword)
    print(f'In BERT: "{seedword}" has index {seedidxB}')
    print(f'In GPT2: "{seedword}" has index {seedidxG}')
    eucDist_bert = np.sqrt(np.sum((eB - eB[seedidxB, :].mean(axis=0)) ** 2, axis=1))
    eucDist_gpt2 = np.sqrt(np.sum((eG - eG[seedidxG, :].mean(axis=0)) ** 2, axis=1))
    fig = plt.figure(figsize=(10, 4))
    yB, xB = np.histogram(eucDist_bert, bins=90, density=True)
    yG, xG = np.histogram(eucDist_gpt2, bins=90, density=True)
    plt.plot(xG[:-1], yG, linewidth=2, label="GPT2")
    plt.plot(xB[:-1], yB, linewidth=2, label="BERT")
    plt.legend()
    plt.gca().set(xlabel="Distances", ylabel="Density", title=title)
    save(fig, out, title.replace(" ", "_").replace('"', ""))
    topB = np.argsort(eucDist_bert)[:k]
    topG = np.argsort(eucDist_gpt2)[:k]
    for b, g in zip(topB, topG):
        print(f"  {tokenizerB.decode([b]):>10} ({eucDist_bert[b]:.2f})  |  ({eucDist_gpt2[g]:4.2f}) {tokenizerG.decode([g])}")


for word in ("ring", "beauty"):
    neighbours(embeddingsB, embeddingsG, word, f'Distances from "{word}"')
    normB = embeddingsB / np.linalg.norm(embeddingsB, axis=1, keepdims=True)
    normG = embeddingsG / np.linalg.norm(embeddingsG, axis=1, keepdims=True)
    neighbours(normB, normG, word, f'Distances from "{word}" normalised')
