"""The notebooks' own plotting cells, run on the stand-in data, beside the lessons' figures.

Usage: python3 scripts/figures/notebook_figures.py book/src/generated

Run after every lesson has written its figures and report.json into GENERATED/NN-name/
(scripts/build-book.sh does both). Each cell below is the notebook's plotting cell as
written in the seed notebook: the same matplotlib calls, with `plt.show()` saving the
figure. Its data is recomputed here with numpy from the stand-in files (the cross-checks'
readers, independent of the Rust code), on the token ids and draws the lesson reports
in report.json, so both sides draw the same numbers. Edits to a cell are marked
`# edited:` and say why. Writes GENERATED/notebooks/NN-name/*.svg and
GENERATED/notebooks/appendix.md, the appendix page's body: every notebook figure above
the lesson's, with what differs and why.
"""
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "python"))
import standins  # noqa: E402  the stand-in files as the Python side reads them

GENERATED = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "book" / "src" / "generated"
OUT = GENERATED / "notebooks"


def report(lesson):
    return json.loads((GENERATED / lesson / "report.json").read_text())


def standin_tag(lesson):
    """The tag the lesson's figure titles carry for the models its report names (as
    common/src/run/session.rs's `tag_for` makes it), so that a notebook figure drawn from
    stand-ins is no more taken for the course models' than the lesson's."""
    standins = [m["standin"] for m in report(lesson)["models"] if m.get("standin")]
    synthetic = sum(s["synthetic"] for s in standins)
    if not standins:
        return ""
    if synthetic == 0:
        return " [stand-in]"
    return " [SYNTHETIC stand-in]" if synthetic == len(standins) else " [stand-ins, some SYNTHETIC]"


def run_cell(lesson, source, names, namespace):
    """Runs one notebook cell; each `plt.show()` saves the open figure as the next name,
    marked with the lesson's stand-in tag in its lower right corner (in the titles, as
    the lesson writes it, the tag ran into the next panel's title: matplotlib does not
    wrap them)."""
    names = list(names)
    folder = OUT / lesson
    folder.mkdir(parents=True, exist_ok=True)
    tag = standin_tag(lesson)

    def show():
        fig = plt.gcf()
        if tag:
            # 12 px on the page: a point is 4/3 of a CSS pixel, and a figure wider than the
            # 750 px column (96 px an inch) is scaled down to it; the notebook's own text
            # stays as the notebook drew it
            size = 9 * max(1.0, fig.get_figwidth() * 96 / 750)
            fig.text(0.995, 0.005, tag.strip(), ha="right", va="bottom", fontsize=size, color="0.3")
        fig.savefig(folder / f"{names.pop(0)}.svg")
        plt.close(fig)

    namespace.update(np=np, plt=plt, show=show)
    exec(source.replace("plt.show()", "show()"), namespace)
    if names:
        raise SystemExit(f"error: {lesson}: the cell drew no figure for {names}")


def gpt_tokenizer(model):
    """The GPT stand-in's tokenizer, with GPT2Tokenizer's `encoder` (token -> id in id
    order), which notebook 1 iterates."""
    tok = standins.gpt_tokenizer(model)
    tok.encoder = dict(sorted(tok.get_vocab().items(), key=lambda kv: kv[1]))
    return tok


# ---------------------------------------------------------------- lesson 1
LESSON1 = "01-explore-embeddings"
LESSON1_CELLS = [
    (["token_lengths"], """
# draw the barplot!
_,axs = plt.subplots(2,1,figsize=(8,6))
axs[0].bar(uniqueLengthsG,tokenCountG,color='k',edgecolor='gray')
axs[0].set(xlabel='Token length (chars)',ylabel='Token count',title='GPT2 token lengths (clipped at 22)',
           xlim=[0,22])

axs[1].bar(uniqueLengthsB,tokenCountB,color='k',edgecolor='gray')
axs[1].set(xlabel='Token length (chars)',ylabel='Token count',title='BERT token lengths',
           xlim=[0,22])

plt.tight_layout()
plt.show()
"""),
    (["embedding_matrices"], """
fig,axs = plt.subplots(2,1,figsize=(10,8))

# GPT embeddings
h = axs[0].imshow(embeddingsG.T,aspect='auto',vmin=-.15,vmax=.15)
axs[0].set(xlabel='Tokens',ylabel='Dimensions',title='GPT-2 embeddings matrix')
fig.colorbar(h,ax=axs[0],pad=.01)

# BERT embeddings
h = axs[1].imshow(embeddingsB.T,aspect='auto',vmin=-.15,vmax=.15)
axs[1].set(xlabel='Tokens',ylabel='Dimensions',title='BERT embedding matrix')
fig.colorbar(h,ax=axs[1],pad=.01)

plt.tight_layout()
plt.show()
"""),
    (["same_index"], """
# pick a random token index
ridx = lesson_ridx # edited: the lesson's seeded draw instead of np.random.randint(10000,20000)

_,axs = plt.subplots(1,2,figsize=(12,4))

axs[0].plot(embeddingsB[ridx,:],label='BERT',linewidth=.5)
axs[0].plot(embeddingsG[ridx,:],label='GPT2',linewidth=.5)
axs[0].legend()
axs[0].set(xlabel='Embeddings dimension',ylabel='Embedding value',xlim=[0,embeddingsB.shape[1]],title=f'Token {ridx}')

axs[1].plot(embeddingsB[ridx,:n],embeddingsG[ridx,:n],'s',markerfacecolor=[.7,.9,.7]) # edited: [:n], the widths differ
axs[1].set(xlabel=f'BERT ("{tokenizerB.decode(ridx)}")',ylabel=f'GPT2 ("{tokenizerG.decode(ridx)}")',
           title='Embedding comparison')

plt.show()
"""),
    (["same_word"], """
# how about the same word?
token = 'the'
token_idxB = tokenizerB.encode(token)[1]
token_idxG = tokenizerG.encode(token)[0]

# their correlation
corr = np.corrcoef(embeddingsB[token_idxB,:n],embeddingsG[token_idxG,:n]) # edited: [:n], the widths differ

plt.plot(embeddingsB[token_idxB,:n],embeddingsG[token_idxG,:n],'s',markerfacecolor=[.7,.9,.9]) # edited: [:n]
plt.gca().set(xlabel=f'BERT ("{tokenizerB.decode(token_idxB)}")',ylabel=f'GPT2 ("{tokenizerG.decode(token_idxG)}")',
           title=f'Embedding comparison (r = {corr[0,1]:.2f})')

plt.show()
"""),
    (["distributions"], """
_,axs = plt.subplots(1,2,figsize=(12,3.5))

# compare the embeddings variances
yB,xB = np.histogram(embeddingsB.var(axis=1),bins=100,density=True)
yG,xG = np.histogram(embeddingsG.var(axis=1),bins=100,density=True)

axs[0].plot(xB[:-1],yB,linewidth=2,label='BERT')
axs[0].plot(xG[:-1],yG,linewidth=2,label='GPT2')
axs[0].set(xlabel='Variance',ylabel='Density',xlim=[0,None],ylim=[0,None],title='Variances distributions')
axs[0].legend()

# compare the embeddings means
yB,xB = np.histogram(embeddingsB.mean(axis=1),bins=100,density=True)
yG,xG = np.histogram(embeddingsG.mean(axis=1),bins=100,density=True)

axs[1].plot(xB[:-1],yB,linewidth=2,label='BERT')
axs[1].plot(xG[:-1],yG,linewidth=2,label='GPT2')
axs[1].axvline(0,color=[.7,.7,.7],linestyle='--')
axs[1].set(xlabel='Average',ylabel='Density',ylim=[0,None],title='Means distributions')
axs[1].legend()


plt.show()
"""),
]


def lesson1():
    tokenizerG, tokenizerB = gpt_tokenizer("gpt2"), standins.bert_tokenizer("bert-base-uncased")
    embeddingsG, embeddingsB = standins.embeddings("gpt2"), standins.embeddings("bert-base-uncased")
    # the notebook's token-length cell, unchanged
    token_lengths = np.zeros(tokenizerG.vocab_size, dtype=int)
    for idx, word in enumerate(tokenizerG.encoder.keys()):
        token_lengths[idx] = len(word)
    uniqueLengthsG, tokenCountG = np.unique(token_lengths, return_counts=True)
    token_lengths = np.zeros(tokenizerB.vocab_size, dtype=int)
    for idx, word in enumerate(tokenizerB.get_vocab().keys()):
        token_lengths[idx] = len(word)
    uniqueLengthsB, tokenCountB = np.unique(token_lengths, return_counts=True)
    namespace = dict(
        tokenizerG=tokenizerG, tokenizerB=tokenizerB, embeddingsG=embeddingsG, embeddingsB=embeddingsB,
        uniqueLengthsG=uniqueLengthsG, tokenCountG=tokenCountG, uniqueLengthsB=uniqueLengthsB,
        tokenCountB=tokenCountB, lesson_ridx=report(LESSON1)["same_index"]["index"]["bert"],
        n=min(embeddingsB.shape[1], embeddingsG.shape[1]),
    )
    for names, source in LESSON1_CELLS:
        run_cell(LESSON1, source, names, namespace)


# ---------------------------------------------------------------- lesson 2
LESSON2 = "02-knn-kompetition"
LESSON2_CELLS = [
    (["distances_ring"], """
# Euclidean distances
eucDist_bert = np.sqrt(np.sum( (embeddingsB-embeddingsB[seedidxB,:])**2 ,axis=1))
eucDist_gpt2 = np.sqrt(np.sum( (embeddingsG-embeddingsG[seedidxG,:])**2 ,axis=1))

# visualize the distributions
plt.figure(figsize=(10,4))
yB,xB = np.histogram(eucDist_bert,bins=90,density=True)
yG,xG = np.histogram(eucDist_gpt2,bins=90,density=True)

plt.plot(xG[:-1],yG,linewidth=2,label='GPT2')
plt.plot(xB[:-1],yB,linewidth=2,label='BERT')
plt.legend()
plt.gca().set(xlim=[min(xB.min(),xG.min()),max(xB.max(),xG.max())],
              xlabel='Distances',ylabel='Density',title=f'Distances from "{seedword}"')
plt.show()
"""),
    (["distances_ring_normalised"], """
# normalize
embeddingsBnorm = embeddingsB / np.linalg.norm(embeddingsB, axis=1, keepdims=True)
embeddingsGnorm = embeddingsG / np.linalg.norm(embeddingsG, axis=1, keepdims=True)

# Euclidean distances
eucDist_bert = np.sqrt(np.sum( (embeddingsBnorm-embeddingsBnorm[seedidxB,:])**2 ,axis=1))
eucDist_gpt2 = np.sqrt(np.sum( (embeddingsGnorm-embeddingsGnorm[seedidxG,:])**2 ,axis=1))


# visualize the distributions
plt.figure(figsize=(10,4))
yB,xB = np.histogram(eucDist_bert[np.nonzero(eucDist_bert)],bins=90,density=True)
yG,xG = np.histogram(eucDist_gpt2[np.nonzero(eucDist_gpt2)],bins=90,density=True)

plt.plot(xG[:-1],yG,linewidth=2,label='GPT2')
plt.plot(xB[:-1],yB,linewidth=2,label='BERT')
plt.legend()
plt.gca().set(xlim=[min(xB.min(),xG.min()),max(xB.max(),xG.max())],
              xlabel='Distances',ylabel='Density',title=f'Distances from "{seedword}" with vector normalization')
plt.show()
"""),
]


def lesson2():
    word = report(LESSON2)["words"][0]
    namespace = dict(embeddingsB=standins.embeddings("bert-base-uncased"), embeddingsG=standins.embeddings("gpt2"),
                     seedword=word["word"], seedidxB=word["ids"]["bert"], seedidxG=word["ids"]["gpt"])
    for names, source in LESSON2_CELLS:
        run_cell(LESSON2, source, names, namespace)


# ---------------------------------------------------------------- lesson 3
LESSON3 = "03-rsa"
LESSON3_RC = """
plt.rcParams.update({
    'axes.spines.right': False,
    'axes.spines.top':   False,
    'axes.titleweight': 'bold',
    'axes.labelweight': 'bold',
    'savefig.dpi':300,
})
"""
LESSON3_CELLS = [
    (["part2_per_word"], """
_,axs = plt.subplots(1,2,figsize=(10,4))

# scatter plot of an example word
axs[0].plot(sub_embedB[0,:],sub_embedG[0,:],'kh',
            markerfacecolor=[.7,.7,.9,.4])
axs[0].set(xlabel='BERT embeddings',ylabel='GPT-2 embeddings',title=f'A) Embeddings for "{words[0]}"')

# correlations for all words
for i in range(num_words):
  r = np.corrcoef(sub_embedB[i,:],sub_embedG[i,:])[0,1]
  axs[1].plot(i,r,'kh',markerfacecolor=[.9,.7,.7],markersize=10)

axs[1].axhline(0,linestyle='--',color='k',linewidth=.5,zorder=-1)
axs[1].set(xticks=range(num_words),xticklabels=words,ylim=[-.5,.5],
           title='B) Correlation for each word',ylabel='Correlation coefficient')
axs[1].tick_params(axis='x',labelrotation=90)

plt.tight_layout()
plt.show() # edited: the notebook also saves ch3_proj12_part2.png
"""),
    (["part3_rsa"], """
# cosine similarities (edited: numpy for torch.cosine_similarity, row by row as the notebook)
csB = np.array([sub_embedB @ v / (np.linalg.norm(sub_embedB, axis=1) * np.linalg.norm(v)) for v in sub_embedB])
csG = np.array([sub_embedG @ v / (np.linalg.norm(sub_embedG, axis=1) * np.linalg.norm(v)) for v in sub_embedG])
unique_B = csB[np.triu_indices_from(csB, k=1)]
unique_G = csG[np.triu_indices_from(csG, k=1)]
r = np.corrcoef(unique_B,unique_G)[0,1]

# and visualize
fig,axs = plt.subplots(1,3,figsize=(13,4))

# color limits for images
vminmax = [.1,.5]

# BERT: cosine similarity matrix
h = axs[0].imshow(csB,vmin=vminmax[0],vmax=vminmax[1],cmap='plasma')
axs[0].set(xticks=range(0,len(words),2),xticklabels=words[::2],
           yticks=range(1,len(words),2),yticklabels=words[1::2],
           title='A) Cossim matrix for BERT')
axs[0].tick_params(axis='x',labelrotation=90)
fig.colorbar(h,ax=axs[0],fraction=.046,pad=.02)


# GPT2: cosine similarity matrix
h = axs[1].imshow(csG,vmin=vminmax[0],vmax=vminmax[1],cmap='plasma')
axs[1].set(xticks=range(0,len(words),2),xticklabels=words[::2],
           yticks=range(1,len(words),2),yticklabels=words[1::2],
           title='B) Cossim matrix for GPT-2')
axs[1].tick_params(axis='x',labelrotation=90)
fig.colorbar(h,ax=axs[1],fraction=.046,pad=.02)


# scatter plot
axs[2].plot(unique_B,unique_G,'kh',markersize=8,markerfacecolor=[.7,.9,.7,.5])
axs[2].set(xlabel='BERT cosine similarities',ylabel='GPT-2 cosine similarities',
              title=f'C) Correlation (RSA score): r = {r:.2f}')
axs[2].grid(linestyle='--',color=[.9,.9,.9])


plt.tight_layout()
plt.show() # edited: the notebook also saves ch3_proj12_part3.png
"""),
]


def lesson3():
    r = report(LESSON3)
    words = [row["word"] for row in r["token_counts"]]
    embeddingsB = standins.embeddings("bert-large-uncased")
    embeddingsG = standins.embeddings("gpt2-medium")
    namespace = dict(words=words, num_words=len(words),
                     sub_embedB=embeddingsB[r["tokens"]["bert"], :], sub_embedG=embeddingsG[r["tokens"]["gpt"], :])
    with plt.rc_context():
        exec(LESSON3_RC, {"plt": plt})
        for names, source in LESSON3_CELLS:
            run_cell(LESSON3, source, names, namespace)


# ---------------------------------------------------------------- lesson 4
LESSON4 = "04-svd-spectrum"
LESSON4_CELLS = [
    (["opening_1_vs_2"], """
# the figure in the beginning of the lecture
plt.figure(figsize=(6,5))
e1 = embeddings[tokenizer.encode('1',add_special_tokens=False)[0]]
e2 = embeddings[tokenizer.encode('2',add_special_tokens=False)[0]]
plt.plot(e1-e1.mean(),e2-e2.mean(),'ko',markerfacecolor=[.9,.7,.7,.6])
plt.gca().set(xlabel='Embedding 1',ylabel='Embedding 2')
plt.show()
"""),
    (["spectra"], """
fig = plt.figure(figsize=(12,5))
gs = GridSpec(2,2,figure=fig)

ax0 = fig.add_subplot(gs[0,0])
ax1 = fig.add_subplot(gs[1,0])
ax2 = fig.add_subplot(gs[:,1])

ax0.plot(VtLetters[0],'k')
ax0.set(xlim=[0,hidden_size],xticklabels=[],ylabel='Score',
        title='Top letters singular vector') # edited: hidden_size for model.config.hidden_size

ax1.plot(VtRandom[0],'b')
ax1.set(xlim=[0,hidden_size],xticklabels=[],xlabel='Embedding dimension',ylabel='Score',
        title='Top random-token singular vector')


# plot their spectra
ax2.plot(sLetters,'ks-',markerfacecolor=[.7,.7,.9],label='Letters',markersize=8)
ax2.plot(sRandom,'bo-',markerfacecolor=[.9,.7,.7],label='Random',markersize=8)
ax2.set(xlabel='Component (sorted index)',ylabel='Singular value (max-norm)',title='Spectrum of embeddings submatrix')
ax2.legend()

plt.tight_layout()
plt.show()
"""),
    (["projections"], """
# mean-center
embeddingsCentered = embeddings - lettersMeanVect

# project all embeddings onto the singular vector
projections = embeddingsCentered @ VtLetters[0,:]

plt.figure(figsize=(12,4))
plt.plot(projections,'ko',markerfacecolor=[.7,.7,.7,.6])
plt.gca().set(xlabel='Token',ylabel='Projection')
plt.show()
"""),
    (["abs_correlations"], """
# correlation matrix of all letter embeddings
plt.imshow(abs(np.corrcoef(subembLetters)),vmin=0,vmax=1)

plt.gca().set(xlabel='Tokens',ylabel='Tokens',title='|R| for letter embeddings')
plt.colorbar()
plt.show()
"""),
]


def lesson4():
    from matplotlib.gridspec import GridSpec

    r = report(LESSON4)["spectra"]
    embeddings = standins.embeddings("bert-base-uncased")
    tokenizer = standins.bert_tokenizer("bert-base-uncased")
    # the notebook's submatrix, mean-centring and SVD cells, on the lesson's token sets
    subembLetters = embeddings[r["set_a"]["ids"], :]
    subembRandom = embeddings[r["set_b"]["ids"], :]
    lettersMeanVect = subembLetters.mean(axis=0)[None, :]
    randomMeanVect = subembRandom.mean(axis=0)[None, :]
    subembLetters = subembLetters - lettersMeanVect
    subembRandom = subembRandom - randomMeanVect
    U, sRandom, VtRandom = np.linalg.svd(subembRandom)
    U, sLetters, VtLetters = np.linalg.svd(subembLetters)
    namespace = dict(embeddings=embeddings, tokenizer=tokenizer, GridSpec=GridSpec,
                     hidden_size=embeddings.shape[1], subembLetters=subembLetters,
                     lettersMeanVect=lettersMeanVect, sLetters=sLetters, sRandom=sRandom,
                     VtLetters=VtLetters, VtRandom=VtRandom)
    for names, source in LESSON4_CELLS:
        run_cell(LESSON4, source, names, namespace)


# ---------------------------------------------------------------- lesson 5
LESSON5 = "05-tsne-dbscan"
LESSON5_CELLS = [
    (["gram"], """
# image for creating a Gram matrix
_,axs = plt.subplots(1,3,figsize=(12,4))

G = subEmbed @ subEmbed.T

axs[0].imshow(subEmbed,vmin=-.2,vmax=.2)
axs[0].set(xlabel='Embedding dimension',ylabel='Token',title='Embeddings')

axs[1].imshow(subEmbed.T,vmin=-.2,vmax=.2)
axs[1].set(ylabel='Embedding dimension',xlabel='Token',title='Embeddings transpose')

axs[2].imshow(G,vmin=2,vmax=7)
axs[2].set(xlabel='Token',ylabel='Token',title='Gram matrix')

plt.tight_layout()
plt.show()
"""),
    (["gram_and_tsne"], """
# plot the results
_,axs = plt.subplots(1,2,figsize=(13,5))

# show the gram matrix
axs[0].imshow(G,origin='lower',vmin=2,vmax=7)
axs[0].set(xticks=range(1,nToks,3),xticklabels=[tokenizer.decode(i) for i in ids[1:nToks:3]],
           yticks=range(0,nToks,3),yticklabels=[tokenizer.decode(i) for i in ids[0:nToks:3]],
           title=f'Gram matrix, first {nToks} token embeds') # edited: the lesson's token ids

axs[1].scatter(tsne_result[:,0], tsne_result[:,1], color=[.7,.7,1],edgecolor='k')


# label words
yoffset = .02 * np.diff(plt.gca().get_ylim()) # shift words up by x%
for i in range(nToks):
  axs[1].text(tsne_result[i,0], tsne_result[i,1]+yoffset, tokenizer.decode([ids[i]]),  ha='center') # edited: ids

axs[1].set(xlabel='TSNE dim 1',ylabel='TSNE dim 2',title='T-SNE visualization of embeddings')

plt.tight_layout()
plt.show()
"""),
    (["dbscan"], """
# draw lines from each data point to the centroids of each cluster
plt.figure(figsize=(8,6))
lineColors = 'rkbgm'

# plot each dot according to its cluster (or lack thereof)
for i in range(len(tsne_result)):
  if groupidx[i]==-1:
    plt.plot(tsne_result[i,0],tsne_result[i,1],'k+')
  else:
    plt.plot([ tsne_result[i,0], cents[groupidx[i],0] ],[ tsne_result[i,1], cents[groupidx[i],1] ],lineColors[groupidx[i]])


# now draw the raw data in different colors
for i in range(nclust):
  plt.plot(tsne_result[groupidx==i,0],tsne_result[groupidx==i,1],'o',markerfacecolor=lineColors[i])

# and now plot the centroid locations
plt.plot(cents[:,0],cents[:,1],'kd',markerfacecolor=[.8,.7,.1],markersize=10)
plt.gca().set(xlabel='tSNE axis 1',ylabel='tSNE axis 2',title=f'Result of dbscan clustering (k={nclust})')

plt.show()
"""),
]


def lesson5():
    r = report(LESSON5)
    ids = r["tokens"]
    embedding = standins.embeddings("gpt2")
    tokenizer = gpt_tokenizer("gpt2")
    nToks = len(ids)
    subEmbed = embedding[ids, :]  # edited: the lesson's tokens (the notebook's embedding[:nToks,:])
    # the lesson's t-SNE map and DBSCAN labels: the figure is compared, not the optimiser
    tsne_result = np.array(r["tsne"]["points"])
    groupidx = np.array(r["dbscan"]["labels"])
    nclust = max(groupidx) + 1
    cents = np.zeros((nclust, 2))
    for ci in range(nclust):
        cents[ci, 0] = np.mean(tsne_result[groupidx == ci, 0])
        cents[ci, 1] = np.mean(tsne_result[groupidx == ci, 1])
    namespace = dict(subEmbed=subEmbed, nToks=nToks, ids=ids, tokenizer=tokenizer, tsne_result=tsne_result,
                     groupidx=groupidx, nclust=nclust, cents=cents)
    for names, source in LESSON5_CELLS:
        run_cell(LESSON5, source, names, namespace)


# ---------------------------------------------------------------- the page
def page():
    """appendix.md: each figure, the notebook's above the lesson's, what to see in both,
    then what differs and why (scripts/figures/differences.json says both)."""
    figures = json.loads((pathlib.Path(__file__).with_name("differences.json")).read_text())
    lines = []
    for lesson, cells in [(LESSON1, LESSON1_CELLS), (LESSON2, LESSON2_CELLS), (LESSON3, LESSON3_CELLS),
                          (LESSON4, LESSON4_CELLS), (LESSON5, LESSON5_CELLS)]:
        lines.append(f"## {CHAPTERS[lesson]}\n")
        for names, _ in cells:
            for name in names:
                said = figures.get(f"{lesson}/{name}")
                if not said or not said.get("title") or not said.get("see") or not said.get("differs"):
                    raise SystemExit(
                        f"error: scripts/figures/differences.json needs a title, what to see and what differs for {lesson}/{name}"
                    )
                lines.append(f"### {said['title']}\n")
                lines.append(f"![notebook {name}](generated/notebooks/{lesson}/{name}.svg)\n")
                lines.append("*The notebook's figure: its own plotting cell, run on the stand-ins with matplotlib.*\n")
                lines.append(f"![lesson {name}](generated/{lesson}/{name}.svg)\n")
                lines.append(f"*The lesson's figure of the same numbers.* What to see: {said['see']}\n")
                lines.append("What differs, and why:\n")
                lines.extend(f"- {d}" for d in said["differs"])
                lines.append("")
    (OUT / "appendix.md").write_text("\n".join(lines) + "\n")


# Each lesson's heading on the page, linked to its chapter.
CHAPTERS = {
    LESSON1: "[Lesson 1: exploring GPT-2 and BERT embeddings](lesson01.md)",
    LESSON2: "[Lesson 2: the kNN kompetition](lesson02.md)",
    LESSON3: "[Lesson 3: RSA across models](lesson03.md)",
    LESSON4: "[Lesson 4: singular value spectra](lesson04.md)",
    LESSON5: "[Lesson 5: t-SNE and DBSCAN](lesson05.md)",
}


if __name__ == "__main__":
    lesson1()
    lesson2()
    lesson3()
    lesson4()
    lesson5()
    page()
    print(f"notebook figures and appendix.md written to {OUT}")
