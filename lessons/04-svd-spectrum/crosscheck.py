"""Recompute lesson 4's spectra and projections with numpy, as the notebook does.

Usage: python3 lessons/04-svd-spectrum/crosscheck.py out/04-svd-spectrum/report.json

Checks the default run (`cargo run -p lesson04 -- --standin`, the snapshot's run: letters
against 26 random tokens, 20 random draws, 5 components). The letters' tokens are the
notebook's `tokenizer.encode(i, add_special_tokens=False)[0]` for a to z (transformers'
BertTokenizer); the SVDs are np.linalg.svd of the mean-centred submatrices of the
stand-in BERT matrix. The top projections are taken and printed as the notebook's cell
does (np.argsort(abs(p))[::-1], the first 20, BertTokenizer.decode, skipped when in
string.ascii_letters), after flipping Vt[0] to the lesson's sign convention.

Seeded draws of the lesson's own generator, which numpy cannot repeat:
- the random set (the notebook's np.random.randint(0, vocab_size, 26)): its ids must lie
  in [0, vocab_size), and its tokens and spectrum are recomputed from them;
- the 20 random draws (beyond the notebook): each draw's spectrum, closest pair and mean
  |r| are recomputed from its reported ids, and their distribution is checked against this
  script's own 4,000 numpy draws of 26 ids.
  Each statistic the lesson reports over its 20 draws (the mean and the sd of the first
  singular value, the mean of each explained-variance fraction, and the mean of each
  singular value over the draws but the last, which is rounding: 26 centred rows have
  rank 25) is compared with the same statistic over 200 groups of
  20 of numpy's draws: within 4 standard deviations of their mean. The summaries are
  also recomputed exactly from the report's own spectra.

Tolerances: ids, tokens exact; singular values 1e-4 relative (those above 1e-3 of the
first: the last of 26 centred rows is ~0); explained variance 1e-5; projections 1e-4.
The snapshot leaves out the 20 draws' spectra; every other field is in it.

Beyond the notebook also: the random set's nearly coinciding tokens, its smallest nonzero
singular value and the bound (4.6), r between the draws' closest pairs and smallest
values; the spectra without centring and sqrt(n)·|mean|; the digits' and the years' token
ids (BertTokenizer), their spectra, coordinates along v1 (sigma1·U[:, 0], signed by the
lesson's convention), the correlation of those with the members' order, their mean |r|,
and their own random draws recomputed from their ids; the mean |r| of the letters and of
the random set, and the letters' four strongest pairs; r between "1" and "2" (the opening
figure); each printed strongest projection as
its centred length times its cosine with v1, the ranking by cosine alone, the share of
positive projections, their median, and each letter's projection.
"""
import pathlib
import string
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code
from check import Check  # noqa: E402

DRAWS, COMPONENTS, NUMPY_GROUPS = 20, 5, 200
c = Check({}, models=["bert-base-uncased"])
E = standins.embeddings(standins.BERT)
tokenizer = standins.bert_tokenizer()
vocab = tokenizer.vocab_size


def centred(ids):
    sub = E[ids]
    return sub - sub.mean(axis=0)


def explained(sv):
    return np.cumsum(sv**2) / np.sum(sv**2)


def spectrum(ids, rust_values, rust_explained):
    sv = np.linalg.svd(centred(ids), compute_uv=False)
    big = sv > 1e-3 * sv[0]  # relative error is meaningless for the ~0 last value
    rel = np.abs(np.array(c[rust_values])[big] - sv[big]) / sv[big]
    c.holds(rust_values, len(c[rust_values]) == len(sv) and rel.max() < 1e-4,
            f"max relative error {rel.max():.2e}", tolerance=1e-4 * sv[0])
    c.close(rust_explained, explained(sv)[:COMPONENTS], rtol=0, atol=1e-5)


# Extract submatrices: the letters' tokens, and as many random tokens
letters = [tokenizer.encode(ch, add_special_tokens=False)[0] for ch in string.ascii_lowercase]
s = "spectra"
c.equal(f"{s}.set_a.name", "letters")
c.equal(f"{s}.set_a.ids", letters)
c.equal(f"{s}.set_a.tokens", [tokenizer.decode([i]) for i in letters])
c.equal(f"{s}.set_b.name", "random")
random_ids = c.value(f"{s}.set_b.ids")
c.holds(f"{s}.set_b.ids", len(random_ids) == 26 and all(0 <= i < vocab for i in random_ids),
        f"26 ids in [0, {vocab})")
c.equal(f"{s}.set_b.tokens", [tokenizer.decode([i]) for i in random_ids])
# SVD of both matrices, and their spectra
spectrum(letters, f"{s}.singular_values_a", f"{s}.explained_a")
spectrum(random_ids, f"{s}.singular_values_b", f"{s}.explained_b")

# Beyond the notebook: 20 random draws. The report's summaries of its own spectra…
r = "random_draws"
spectra = np.array(c.value(f"{r}.spectra"), dtype=float)
c.close(f"{r}.top_mean", spectra[:, 0].mean(), rtol=1e-6)
c.close(f"{r}.top_sd", spectra[:, 0].std(), rtol=1e-6)  # numpy's np.std: the population sd
c.close(f"{r}.explained_mean", np.mean([explained(sv)[:COMPONENTS] for sv in spectra], axis=0), rtol=1e-6)
# …and all of them against numpy's own draws: the same statistics over groups of 20
rng = np.random.default_rng(0)
pool = np.array([np.linalg.svd(centred(rng.integers(0, vocab, 26)), compute_uv=False)
                 for _ in range(DRAWS * NUMPY_GROUPS)]).reshape(NUMPY_GROUPS, DRAWS, 26)


def typical(path, rust, statistic):
    groups = np.array([statistic(g) for g in pool])
    mean, sd = groups.mean(axis=0), groups.std(axis=0, ddof=1)
    z = np.abs(np.asarray(rust) - mean) / sd
    c.holds(path, np.all(z <= 4), f"|z| up to {np.max(z):.2f} against numpy's "
            f"{NUMPY_GROUPS} groups of {DRAWS} draws (at most 4)", tolerance=4 * float(np.atleast_1d(sd)[0]))


c.holds(f"{r}.spectra", spectra.shape == (DRAWS, 26), f"{spectra.shape} draws x values")
# (the first 25 values: 26 centred rows have rank 25, the last value is rounding)
typical(f"{r}.spectra", spectra[:, :25].mean(axis=0), lambda g: g[:, :25].mean(axis=0))
typical(f"{r}.top_mean", c[f"{r}.top_mean"], lambda g: g[:, 0].mean())
typical(f"{r}.top_sd", c[f"{r}.top_sd"], lambda g: g[:, 0].std())
typical(f"{r}.explained_mean", c[f"{r}.explained_mean"],
        lambda g: np.mean([explained(sv)[:COMPONENTS] for sv in g], axis=0))

# Project all embeddings onto the letters' first singular vector (the lesson's sign:
# its largest component positive)
U, sv, Vt = np.linalg.svd(centred(letters))
v = Vt[0] * np.sign(Vt[0][np.argmax(np.abs(Vt[0]))])
projections = (E - E[letters].mean(axis=0)) @ v
sortidx = np.argsort(abs(projections))[::-1]  # the notebook's printout from here on
top = [tokenizer.decode(sortidx[i]) for i in range(20)]
t = "top_projections"
c.equal(f"{t}.set", "letters")
c.holds(f"{t}.top", [p["id"] for p in c[f"{t}.top"]] == sortidx[:20].tolist()
        and [p["token"] for p in c[f"{t}.top"]] == top
        and [p["printed"] for p in c[f"{t}.top"]] == [token not in string.ascii_letters for token in top]
        and np.allclose([p["projection"] for p in c[f"{t}.top"]], projections[sortidx[:20]], rtol=0, atol=1e-4),
        "ids, tokens, printed or not (in string.ascii_letters), projections", tolerance=1e-4)
for i in range(20):
    if top[i] not in string.ascii_letters:
        print(f'{projections[sortidx[i]]:6.3f} for "{top[i]}"')

# beyond the notebook: each projection as length x cosine, the ranking by cosine alone,
# the share of positive projections and their median, the letters' own projections
lengths = np.linalg.norm(E.astype(np.float64) - E[letters].mean(axis=0), axis=1)
cosines = projections / lengths
ld = "length_or_direction"
c.equal(f"{ld}.set", "letters")
c.close(f"{ld}.median_length", np.median(lengths), rtol=1e-5)
printed = [i for i in sortidx[:20] if tokenizer.decode(i) not in string.ascii_letters][:10]
by_cosine = np.argsort(-np.abs(cosines), kind="stable")[:10]
for name, ids in [("strongest", printed), ("by_cosine", by_cosine)]:
    got = c[f"{ld}.{name}"]
    c.holds(f"{ld}.{name}", [m["token"] for m in got] == [tokenizer.decode(i) for i in ids]
            and np.allclose([m["projection"] for m in got], projections[ids], rtol=0, atol=1e-4)
            and np.allclose([m["length"] for m in got], lengths[ids], rtol=1e-5, atol=0)
            and np.allclose([m["cosine"] for m in got], cosines[ids], rtol=0, atol=1e-4)
            and np.allclose([m["shorter"] for m in got], [(lengths < lengths[i]).mean() for i in ids], rtol=0, atol=1e-4),
            "tokens (BertTokenizer.decode), projections, np.linalg.norm lengths, cosines, share of shorter tokens",
            tolerance=1e-4)
c.close(f"{ld}.positive", (projections > 0).mean(), rtol=0, atol=1e-4)
c.close(f"{ld}.median_projection", np.median(projections), rtol=0, atol=1e-4)
got = c[f"{ld}.members"]
letter_projection = dict(zip(string.ascii_lowercase, projections[letters]))
c.holds(f"{ld}.members", sorted(t for t, _ in got) == list(string.ascii_lowercase)
        and all(abs(p - letter_projection[t]) <= 1e-4 for t, p in got)
        and all(a[1] >= b[1] for a, b in zip(got, got[1:])),
        "each letter's projection, largest first", tolerance=1e-4)

# the correlation matrix of the letters' embeddings: the mean of |R| off its diagonal
def mean_abs_r(ids):
    R = np.abs(np.corrcoef(centred(ids)))
    return R[~np.eye(len(R), dtype=bool)].mean()


c.close("abs_correlation_mean_off_diagonal", mean_abs_r(letters), rtol=1e-4)
# beyond the notebook: the same mean for the random tokens, whose |R| is not drawn
c.close("abs_correlation_mean_off_diagonal_b", mean_abs_r(random_ids), rtol=1e-4)
# beyond the notebook: r between the rows of "1" and "2", the opening figure's two axes
one, two = (tokenizer.encode(t, add_special_tokens=False)[0] for t in ("1", "2"))
c.close("opening_r", np.corrcoef(E[one], E[two])[0, 1], rtol=1e-4)
# beyond the notebook: the letters' strongest pairs, |R|'s brightest cells off its diagonal
R = np.abs(np.corrcoef(centred(letters)))
upper = [(R[i, j], i, j) for i in range(len(R)) for j in range(i + 1, len(R))]
strongest = sorted(upper, key=lambda t: (-t[0], t[1], t[2]))[:4]  # ties: the lower pair first
c.holds("strongest_abs_r", len(c["strongest_abs_r"]) == 4
        and [p["tokens"] for p in c["strongest_abs_r"]]
        == [[string.ascii_lowercase[i], string.ascii_lowercase[j]] for _, i, j in strongest]
        and np.allclose([p["abs_r"] for p in c["strongest_abs_r"]], [r for r, _, _ in strongest], rtol=1e-4, atol=0),
        "the pairs of letters with the largest |r| in np.corrcoef, strongest first", tolerance=1e-4)


def spectrum_of(ids, centre=True):
    X = E[ids].astype(np.float64)
    return np.linalg.svd(X - X.mean(axis=0) if centre else X, compute_uv=False)


def distances(ids):
    X = E[ids].astype(np.float64)
    D = np.linalg.norm(X[:, None] - X[None], axis=2)
    return D[np.triu_indices(len(ids), k=1)]


def draws_from_ids(path):
    """Each draw's spectrum (but the last, rounding) and closest pair from its own ids."""
    ids = c.value(f"{path}.ids")
    c.holds(f"{path}.ids", len({len(i) for i in ids}) == 1 and all(0 <= t < vocab for i in ids for t in i),
            f"{len(ids)} draws of {len(ids[0])} ids in [0, {vocab}) (seeded draws of the lesson's generator)")
    sv = [spectrum_of(i) for i in ids]
    rust = c[f"{path}.spectra"]
    rel = max(np.max(np.abs(np.array(r)[:-1] - v[:-1]) / v[:-1]) for r, v in zip(rust, sv))
    c.holds(f"{path}.spectra", len(rust) == len(sv) and rel < 1e-4,
            f"{len(sv)} draws' spectra from their ids, max relative error {rel:.2e}", tolerance=1e-4 * sv[0][0])
    d = [distances(i).min() for i in ids]
    c.close(f"{path}.closest", d, rtol=0, atol=1e-4)
    c.close(f"{path}.abs_r", [mean_abs_r(i) for i in ids], rtol=1e-4)
    return sv, d


# Beyond the notebook: why some random spectra plunge — tokens that nearly coincide
draw_sv, draw_closest = draws_from_ids(r)
k = "coinciding"
random_ids = c[f"{s}.set_b.ids"]
d = distances(random_ids)
median = np.median(d)
iu = np.triu_indices(len(random_ids), k=1)
tokens = c[f"{s}.set_b.tokens"]
close_pairs = sorted((float(v), tokens[i], tokens[j]) for v, i, j in zip(d, *iu) if v < median / 2)
c.close(f"{k}.median_distance", median, rtol=0, atol=1e-4)
c.holds(f"{k}.close_pairs", [({a, b}, round(x, 4)) for a, b, x in c[f"{k}.close_pairs"]]
        == [({a, b}, round(x, 4)) for x, a, b in close_pairs], f"{len(close_pairs)} pairs under half the median",
        tolerance=1e-4)
n = len(random_ids)
c.close(f"{k}.smallest", spectrum_of(random_ids)[n - 2], rtol=0, atol=1e-4)
c.close(f"{k}.bound", d.min() / np.sqrt(2), rtol=0, atol=1e-4)
size = len(c[f"{r}.ids"][0])
c.close(f"{k}.draws_r", np.corrcoef(draw_closest, [v[size - 2] for v in draw_sv])[0, 1], rtol=0, atol=1e-3)
c.equal(f"{k}.bound_holds", all(v[size - 2] <= m / np.sqrt(2) + 1e-6 for v, m in zip(draw_sv, draw_closest)))

# Beyond the notebook: the spectra without centring
for i, (name, title) in enumerate([("set_a", "letters"), ("set_b", "random")]):
    u = f"uncentred.sets[{i}]"
    ids = c[f"{s}.{name}.ids"]
    c.equal(f"{u}.name", title)  # the set's own name, not the report's other copy of it
    sv = spectrum_of(ids, centre=False)
    X = E[ids].astype(np.float64)
    c.close(f"{u}.singular_values", sv, rtol=1e-4, atol=1e-5)
    c.close(f"{u}.mean_length", np.sqrt(len(X)) * np.linalg.norm(X.mean(0)), rtol=0, atol=1e-4)
    c.close(f"{u}.explained_first", sv[0] ** 2 / np.sum(sv**2), rtol=0, atol=1e-5)
    centred_sv = spectrum_of(ids)
    c.close(f"{u}.centred_explained_first", centred_sv[0] ** 2 / np.sum(centred_sv**2), rtol=0, atol=1e-5)

# Beyond the notebook: sets with a direction, the digits and the years 1990-2015
words = {"digits": list("0123456789"), "years": [str(y) for y in range(1990, 2016)]}
c.equal("ordered_sets.skipped", [])  # the stand-in's tokenizer keeps every member one token
for i, name in enumerate(words):
    o = f"ordered_sets.sets[{i}]"
    c.equal(f"{o}.set.name", name)
    ids = [tokenizer.encode(w, add_special_tokens=False)[0] for w in words[name]]
    c.equal(f"{o}.set.ids", ids)
    c.equal(f"{o}.set.tokens", [tokenizer.decode([t]) for t in ids])
    X = E[ids].astype(np.float64)
    U, sv, Vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    sign = np.sign(Vt[0][np.argmax(np.abs(Vt[0]))])  # the lesson's sign convention
    coordinates = sv[0] * U[:, 0] * sign
    big = sv > 1e-3 * sv[0]
    c.holds(f"{o}.singular_values", np.allclose(np.array(c[f"{o}.singular_values"])[big], sv[big], rtol=1e-4),
            "relative 1e-4 (those above 1e-3 of the first)", tolerance=1e-4 * sv[0])
    c.close(f"{o}.explained_first", sv[0] ** 2 / np.sum(sv**2), rtol=0, atol=1e-5)
    c.close(f"{o}.coordinates", coordinates, rtol=0, atol=1e-4)
    c.close(f"{o}.order_r", np.corrcoef(np.arange(len(ids)), coordinates)[0, 1], rtol=0, atol=1e-4)
    c.close(f"{o}.abs_r", mean_abs_r(ids), rtol=1e-4)
    ordered_sv, _ = draws_from_ids(f"{o}.draws")
    spectra_o = np.array(c[f"{o}.draws.spectra"], dtype=float)
    c.close(f"{o}.draws.top_mean", spectra_o[:, 0].mean(), rtol=1e-6)
    c.close(f"{o}.draws.top_sd", spectra_o[:, 0].std(), rtol=1e-6)
    c.close(f"{o}.draws.explained_mean", np.mean([explained(v)[:COMPONENTS] for v in spectra_o], axis=0), rtol=1e-6)
c.finish()
