"""Recompute lesson 6's numbers from the stand-in files with numpy and scipy.

Usage: python3 lessons/06-two-vocabularies/crosscheck.py out/06-two-vocabularies/report.json

Checks the default run (`cargo run -p lesson06 -- --standin`, the snapshot's run: the
course's BERT and GPT-2 by their stand-ins, seed 42, the flags in DEFAULTS below). From
the same files the lesson read — MiniLM's safetensors and vocab.txt, SmolLM2's GGUF
dequantised by the gguf package, its tokens decoded from GPT-2's byte table here — this

- matches the two vocabularies again (word-initial and continuation pieces apart, special
  tokens and byte fragments left out; case folded when the report says --fold-case) and
  classes every entry by kind, with Unicode properties from the `regex` package, and
  compares the shared tokens' ids, the counts by kind and the unmatched examples;
- draws the lesson's seeded samples, splits and shuffles with its generator (SplitMix64
  and Fisher-Yates, rewritten below from the published algorithm), so the permutation
  tests are recomputed shuffle for shuffle;
- computes linear CKA with numpy on centred rows and its null; RSA over every pair of all
  shared tokens and of each random subset by brute force (every cosine, in blocks, summed
  in float64) — not by the lesson's trace identity; the sample's RSA with np.corrcoef and
  scipy's spearmanr; lesson 3's words' CKA and RSA;
- fits the rotation with scipy's `orthogonal_procrustes` (the narrower space padded with
  zero columns, as scipy wants equal widths) and finds each held-out token's
  counterpart by brute force, by cosine and by CSLS (precision@1 to @10); then fits it
  again on every shared token (exercise 5's rerun) and asks the same held-out tokens;
- finds every shared token's 10 nearest shared tokens by brute force in both models and
  counts the overlap; a token whose count differs must have a tie at its 10th neighbour;
- recomputes each map's KL divergence exactly (scikit-learn's affinities over 91 exact
  neighbours, Q summed over every pair) from the coordinates in compare-data.js.

What it cannot recompute, and how it is checked instead:
- compare.regions: named by label propagation (common::analysis::communities), which has
  no numpy or scipy counterpart; compared with the names compare-data.js holds.
- the maps' coordinates themselves: lesson 5's t-SNE, whose own cross-check compares it
  with scikit-learn; here their KL divergence is recomputed (the lesson reports the FFT
  method's estimate, so within 1%).

Tolerances: 1e-4 on CKA, RSA and correlations (float32 products against float64 sums);
p-values 1e-9; means of integer counts 1e-12; precision@k within the queries whose
counterpart is tied at float32 precision (none or a few); KL 1% relative; ids, tokens,
kinds and counts exact.

The snapshot leaves out the shared tokens' ids, the held-out tokens, each token's
overlap and compare-data.js's size; every other field is in it.
"""
import base64
import json
import pathlib
import re
import sys

import numpy as np
import regex
from scipy.linalg import orthogonal_procrustes
from scipy.sparse import csr_matrix
from scipy.stats import spearmanr
from sklearn.manifold._t_sne import _joint_probabilities_nn

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "crosscheck"))
import standins  # noqa: E402  the stand-in files, read independently of the Rust code
from check import Check  # noqa: E402

# The lesson's default flags (lessons/06-two-vocabularies/src/args.rs): permutations per
# test, the RSA sample, the random subsets' sizes, neighbours per token (CSLS's and the
# agreement's), t-SNE's perplexity and iterations, and lesson 3's words.
DEFAULTS = {"permutations": 100, "rsa_sample": 2000, "sizes": [100, 1000, 10000], "k": 10,
            "perplexity": 30.0, "iterations": 500,
            "words": "space spaceship planet moon star galaxy chair table couch stool floor desk "
                     "apple banana pear orange peach grape".split()}

c = Check({}, models=["bert-base-uncased", "gpt2"])
out_dir = c.path.parent
seed = c["seed"]

# ---- the lesson's random numbers: SplitMix64, rejection sampling, Fisher-Yates ----
MASK = (1 << 64) - 1


class Rng:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, low, high):
        span = high - low
        zone = MASK - MASK % span
        while True:
            x = self.next()
            if x < zone:
                return low + x % span

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.below(0, i + 1)
            items[i], items[j] = items[j], items[i]


def sample(n, count, rng):
    order = list(range(n))
    rng.shuffle(order)
    return sorted(order[:count])


# Each step's stream of --seed (lesson 6's `Stream`).
RSA_SAMPLE, SUBSETS, SPLIT, CKA_NULL, RSA_NULL, WORDS_CKA, WORDS_RSA = 1, 2, 3, 4, 5, 8, 9

# ---- token kinds and keys, from each tokenizer's conventions ----
BLOCKS = [(0x0000, 0x02AF, None), (0x0370, 0x03FF, "Greek"), (0x0400, 0x052F, "Cyrillic"),
          (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"),
          (0x0900, 0x097F, "Devanagari"), (0x0E00, 0x0E7F, "Thai"), (0x1100, 0x11FF, "Hangul"),
          (0x1D00, 0x1DBF, None), (0x1E00, 0x1EFF, None), (0x1F00, 0x1FFF, "Greek"),
          (0x2E80, 0x2FDF, "CJK"), (0x3040, 0x30FF, "Kana"), (0x3130, 0x318F, "Hangul"),
          (0x3400, 0x4DBF, "CJK"), (0x4E00, 0x9FFF, "CJK"), (0xA720, 0xA7FF, None),
          (0xAC00, 0xD7AF, "Hangul"), (0xF900, 0xFAFF, "CJK"), (0xFB50, 0xFDFF, "Arabic"),
          (0xFE70, 0xFEFF, "Arabic"), (0xFF21, 0xFF5A, None), (0x20000, 0x2FFFF, "CJK")]
SCRIPTS = ["Greek", "Cyrillic", "Hebrew", "Arabic", "Devanagari", "Thai", "Hangul", "Kana", "CJK", "other"]
KINDS = ["special", "digits", "punctuation, symbols, spaces", "byte fragment", "capitalised", "word-initial",
         "continuation piece"] + [f"script: {s}" for s in SCRIPTS]
alphabetic = lambda c: regex.match(r"\p{Alphabetic}", c) is not None  # Rust's char::is_alphabetic
numeric = lambda c: regex.match(r"\p{N}", c) is not None  # Rust's char::is_numeric
upper = lambda c: regex.match(r"\p{Uppercase}", c) is not None


def script_of(c):
    for start, end, script in BLOCKS:
        if start <= ord(c) <= end:
            return script
    return "other"


def kind_and_key(entry, decoded, special, wordpiece):
    """(kind, (text, word_initial) or None) of one vocabulary entry."""
    if special:
        return "special", None
    if "\ufffd" in decoded:
        return "byte fragment", None
    if wordpiece:
        inside = entry[2:] if entry.startswith("##") and len(entry) > 2 else None
        initial, body = (False, inside) if inside is not None else (True, decoded)
        key = (inside, False) if inside is not None else (entry, True)
    else:
        initial, body = decoded.startswith(" "), decoded.lstrip(" ")
        key = (decoded[1:], True) if decoded.startswith(" ") else (decoded, False)
    key = key if key[0] else None
    if all(not (alphabetic(c) or numeric(c)) for c in body):
        return "punctuation, symbols, spaces", key
    if all(numeric(c) for c in body):
        return "digits", key
    letter = next((c for c in body if alphabetic(c)), None)
    if letter is None:
        return "digits", key
    script = script_of(letter)
    if script is not None:
        return f"script: {script}", key
    return ("capitalised" if upper(letter) else "word-initial" if initial else "continuation piece"), key


def byte_decoder():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


def bert_vocabulary():
    folder = standins.snapshot(standins.BERT)
    entries = (folder / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    added = json.loads((folder / "tokenizer.json").read_text())["added_tokens"]
    special = {t["id"] for t in added if t["special"]}
    return [(e, e, i in special) for i, e in enumerate(entries)], True


def gpt_vocabulary():
    reader = standins.gguf_reader()
    tokens = standins._strings(reader, "tokenizer.ggml.tokens")
    types = reader.fields["tokenizer.ggml.token_type"]
    special = {i for i, part in enumerate(types.data) if int(types.parts[part][0]) == 3}
    table = byte_decoder()
    decoded = [bytes(table[c] for c in t).decode("utf-8", errors="replace") if all(c in table for c in t) else t
               for t in tokens]
    return [(t, d, i in special) for i, (t, d) in enumerate(zip(tokens, decoded))], False


def label(key):
    return key[0] if key[1] else "##" + key[0]


def printable(text):
    return "".join(f"U+{ord(c):04X}" if regex.match(r"\p{Cc}", c) else c for c in text)


def matched(vocabularies, fold_case):
    classed = [[kind_and_key(*entry, wordpiece) for entry in vocabulary] for vocabulary, wordpiece in vocabularies]
    index = []
    for side in classed:
        chosen = {}
        for i, (_, key) in enumerate(side):
            if key is None:
                continue
            compared = (key[0].lower(), key[1]) if fold_case else key
            exact = key == compared
            if compared not in chosen or (exact and not chosen[compared][1]):
                chosen[compared] = (i, exact)
        index.append(chosen)
    shared = sorted((index[0][k][0], index[1][k][0], k) for k in index[0] if k in index[1])
    return classed, index, shared



vocabularies = [bert_vocabulary(), gpt_vocabulary()]
fold_case = c.value("shared.fold_case")
classed, index, shared = matched(vocabularies, fold_case)
c.holds("shared.fold_case", isinstance(fold_case, bool), "the matching above follows it")
n = len(shared)
ids = [[s[0] for s in shared], [s[1] for s in shared]]
c.equal("shared.ids", ids)
c.equal("shared.tokens", n)
c.equal("shared.word_initial", sum(1 for s in shared if s[2][1]))
c.equal("shared.continuation", sum(1 for s in shared if not s[2][1]))
c.equal("shared.duplicates", [sum(1 for _, k in side if k is not None) - len(ix) for side, ix in zip(classed, index)])
for side in range(2):
    in_shared = set(ids[side])
    counts = []
    for kind in KINDS:
        members = [i for i, (k, _) in enumerate(classed[side]) if k == kind]
        if not members:
            continue
        unmatched = [i for i in members if i not in in_shared][:5]
        examples = [printable(label(classed[side][i][1])) if classed[side][i][1] else f"id {i}" for i in unmatched]
        counts.append({"kind": kind, "entries": len(members), "shared": sum(1 for i in members if i in in_shared),
                       "unmatched_examples": examples})
    c.equal(f"shared.by_kind[{side}]", counts)

repos = [standins.BERT, standins.GPT]
matrices = [standins.embeddings(repo) for repo in repos]
labels = []
for side, (repo, matrix) in enumerate(zip(repos, matrices)):
    c.equal(f"models[{side}].vocabulary", matrix.shape[0])
    c.equal(f"models[{side}].width", matrix.shape[1])
    info = json.loads((standins.snapshot(repo) / "STANDIN.json").read_text())
    short = next((p for p in info["description"].split()[0].split("-") if re.search("[A-Z]", p)), "")
    labels.append(f"{info['stands_in_for']} ({short} stand-in)")
    c.equal(f"models[{side}].label", labels[side])
c.equal("shared.labels", labels)
X = [matrices[side][ids[side]].astype(np.float64) for side in range(2)]


def unit(m):
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms > 0, norms, 1)


def cka(x, y):
    x, y = x - x.mean(0), y - y.mean(0)
    return np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))


def cka_chance(x, y):
    """CKA's mean over every shuffle of the tokens: tr(K) tr(L) / ((n - 1) |K| |L|) for the
    centred Gram matrices, tr(K) being |X|^2."""
    x, y = x - x.mean(0), y - y.mean(0)
    return (np.linalg.norm(x) ** 2 * np.linalg.norm(y) ** 2
            / ((len(x) - 1) * np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))


def rsa_brute(a, b, block=1024):
    """Pearson r of the cosines of every pair i < j in `a` and in `b`, every cosine
    computed, the five sums Pearson needs accumulated in float64."""
    ua, ub = unit(a).astype(np.float32), unit(b).astype(np.float32)
    m = len(ua)
    sums = np.zeros(5)
    for start in range(0, m, block):
        ca = ua[start:start + block] @ ua.T
        cb = ub[start:start + block] @ ub.T
        rows = np.arange(start, min(start + block, m))[:, None]
        above = np.arange(m)[None, :] > rows
        x, y = ca[above].astype(np.float64), cb[above].astype(np.float64)
        sums += [x.sum(), y.sum(), (x * x).sum(), (y * y).sum(), (x * y).sum()]
    pairs = m * (m - 1) / 2
    sx, sy, sxx, syy, sxy = sums
    return (pairs * sxy - sx * sy) / np.sqrt((pairs * sxx - sx * sx) * (pairs * syy - sy * sy))


def null(statistic, count, permutations, stream, observed):
    rng, order, values = Rng(seed + stream), list(range(count)), []
    for _ in range(permutations):
        rng.shuffle(order)
        values.append(statistic(order))
    hits = sum(v >= observed for v in values)
    return (hits + 1) / (permutations + 1), float(np.mean(values)), float(np.max(values))


# ---- 2. similarity of the two geometries ----
c.equal("similarity.tokens", n)
c.close("similarity.cka.value", cka(*X), rtol=0, atol=1e-4)
chance = cka_chance(*X)
c.close("similarity.cka.chance", chance, rtol=0, atol=1e-4)
permutations = DEFAULTS["permutations"]
c.equal("similarity.cka.test.permutations", permutations)
xc, yc = [(m - m.mean(0)).astype(np.float32) for m in X]
norm = np.linalg.norm(xc.T.astype(np.float64) @ xc) * np.linalg.norm(yc.T.astype(np.float64) @ yc)
p, mean, top = null(lambda o: np.linalg.norm((xc.T @ yc[o]).astype(np.float64)) ** 2 / norm,
                    n, permutations, CKA_NULL, cka(*X))
c.close("similarity.cka.test.p_value", p, rtol=0, atol=1e-9)
c.close("similarity.cka.test.null_mean", mean, rtol=0, atol=1e-4)
c.close("similarity.cka.test.null_max", top, rtol=0, atol=1e-4)
# (6.3) is the mean over every shuffle: the 100 shuffles' mean is within 5% of it.
c.holds("similarity.cka.chance", abs(mean - c["similarity.cka.chance"]) <= 0.05 * chance,
        f"the mean of {permutations} shuffles {mean:.6f}, the chance level {c['similarity.cka.chance']:.6f}",
        tolerance=0.05 * chance)
c.close("similarity.rsa_all", rsa_brute(*X), rtol=0, atol=1e-4)
c.equal("similarity.rsa_sample.tokens", DEFAULTS["rsa_sample"])
tokens = sample(n, DEFAULTS["rsa_sample"], Rng(seed + RSA_SAMPLE))
cs = [unit(m[tokens]) @ unit(m[tokens]).T for m in X]
iu = np.triu_indices(len(tokens), k=1)
observed = np.corrcoef(cs[0][iu], cs[1][iu])[0, 1]
c.close("similarity.rsa_sample.score.pearson", observed, rtol=0, atol=1e-4)
c.close("similarity.rsa_sample.score.spearman", spearmanr(cs[0][iu], cs[1][iu]).statistic, rtol=0, atol=1e-4)
c.equal("similarity.rsa_sample.score.permutations", permutations)
p, _, _ = null(lambda o: np.corrcoef(cs[0][iu], cs[1][np.ix_(o, o)][iu])[0, 1], len(tokens),
               permutations, RSA_NULL, observed)
c.close("similarity.rsa_sample.score.p_value", p, rtol=0, atol=1e-9)
rng = Rng(seed + SUBSETS)
sizes = [s for s in DEFAULTS["sizes"] if s < n]
# (a size the report lacks stops the script; one it has beyond these is a field not covered)
for i, size in enumerate(sizes):
    at = f"similarity.by_size[{i}]"
    c.equal(f"{at}.tokens", size)
    draws = [sample(n, size, rng) for _ in c[f"{at}.cka"]]
    c.close(f"{at}.cka", [cka(X[0][d], X[1][d]) for d in draws], rtol=0, atol=1e-4)
    c.close(f"{at}.cka_chance", [cka_chance(X[0][d], X[1][d]) for d in draws], rtol=0, atol=1e-4)
    c.close(f"{at}.rsa", [rsa_brute(X[0][d], X[1][d]) for d in draws], rtol=0, atol=1e-4)
position = {s[2]: i for i, s in enumerate(shared)}
words = [w for w in DEFAULTS["words"] if ((w.lower() if fold_case else w), True) in position]
c.equal("similarity.words.shared", words)
c.equal("similarity.words.missing", [w for w in DEFAULTS["words"] if w not in words])
rows = [position[(w.lower() if fold_case else w, True)] for w in words]
W0, W1 = X[0][rows], X[1][rows]
for name, statistic, stream in (("cka", cka, WORDS_CKA), ("rsa", rsa_brute, WORDS_RSA)):
    at = f"similarity.words.{name}"
    value = statistic(W0, W1)
    c.close(f"{at}.value", value, rtol=0, atol=1e-4)
    if name == "cka":
        c.close(f"{at}.chance", cka_chance(W0, W1), rtol=0, atol=1e-4)
    c.equal(f"{at}.test.permutations", permutations)
    p, mean, top = null(lambda o: statistic(W0, W1[o]), len(rows), permutations, stream, value)
    c.close(f"{at}.test.p_value", p, rtol=0, atol=1e-9)
    c.close(f"{at}.test.null_mean", mean, rtol=0, atol=1e-4)
    c.close(f"{at}.test.null_max", top, rtol=0, atol=1e-4)

# ---- 3. alignment ----
source = 0 if X[0].shape[1] <= X[1].shape[1] else 1
prepared = [unit(m - m.mean(0)) for m in X]
order = list(range(n))
Rng(seed + SPLIT).shuffle(order)
train, held_out = sorted(order[: n // 2]), sorted(order[n // 2:])
c.equal("alignment.test_tokens", held_out)
c.equal("alignment.train", len(train))
c.equal("alignment.test", len(held_out))
c.equal("alignment.candidates", n)
c.equal("alignment.from", labels[source])
c.equal("alignment.to", labels[1 - source])
c.equal("alignment.widths", [X[source].shape[1], X[1 - source].shape[1]])
# scipy's orthogonal_procrustes wants equal widths: the narrower space gets zero columns,
# and the map into the wider one is the first rows of the rotation found.
width = [m.shape[1] for m in prepared]
padded = np.pad(prepared[source], ((0, 0), (0, width[1 - source] - width[source])))
targets = unit(prepared[1 - source]).astype(np.float32)
k = DEFAULTS["k"]
TOP = 10  # precision@1 to @10 (lib.rs's TOP_K), whatever CSLS's k
c.equal("alignment.k", k)


def counterpart_ranks(fit):
    """W fitted by scipy on the tokens `fit`; each held-out token's rank of its counterpart
    among all targets by brute force, by cosine and by CSLS, and how many candidates tie
    with the counterpart at float32 precision."""
    R, _ = orthogonal_procrustes(padded[fit], prepared[1 - source][fit])
    mapped = unit(prepared[source] @ R[: width[source]]).astype(np.float32)
    hub = np.concatenate([np.sort(targets[s:s + 1024] @ mapped.T, axis=1)[:, -k:].mean(1)
                          for s in range(0, n, 1024)])
    ranks, ties = {"plain": [], "csls": []}, {"plain": 0, "csls": 0}
    for start in range(0, len(held_out), 1024):
        rows = held_out[start:start + 1024]
        plain = mapped[rows] @ targets.T
        for name, scores in (("plain", plain), ("csls", 2 * plain - hub[None, :])):
            truth = scores[np.arange(len(rows)), rows][:, None]
            ranks[name] += list((scores > truth).sum(1))
            ties[name] += int((np.abs(scores - truth) < 1e-6).sum() - len(rows))
    return {name: np.array(r) for name, r in ranks.items()}, ties


def check_precision(at, ranks, ties):
    """precision@1 to @10 of `at` (alignment or fitted_on_all) against the brute-force
    ranks, each within the queries whose counterpart is tied."""
    for name in ("plain", "csls"):
        r, tolerance = ranks[name], (ties[name] + 0.5) / len(held_out)
        want = [float((r < top).mean()) for top in range(1, TOP + 1)]
        for field, value in (("by_k", want),):
            got = c[f"{at}.{name}.{field}"]
            ok = len(np.atleast_1d(got)) == len(np.atleast_1d(value)) \
                and np.all(np.abs(np.array(got) - np.array(value)) <= tolerance)
            c.holds(f"{at}.{name}.{field}", bool(ok), f"report {got} python {value} (tied queries: {ties[name]})",
                    tolerance=tolerance)
    return {name: float((ranks[name] < 1).mean()) for name in ranks}


held_out_at_1 = check_precision("alignment", *counterpart_ranks(train))
# Exercise 5's rerun: W fitted on every shared token, the held-out tokens asked again.
c.equal("fitted_on_all.train", n)
c.equal("fitted_on_all.test", len(held_out))
all_at_1 = check_precision("fitted_on_all", *counterpart_ranks(list(range(n))))
print(f"   precision@1 held out {held_out_at_1}, W fitted on all {all_at_1}")
c.close("alignment.chance_at_1", 1 / n, rtol=0, atol=1e-12)

# ---- 4. agreement per token ----
def nearest(m, count):
    """Each row's `count` nearest other rows by cosine (ties to the lower index), with the
    similarities of the `count + 1` nearest for spotting ties."""
    u = unit(m).astype(np.float32)
    lists, sims = [], []
    for start in range(0, len(u), 1024):
        c = u[start:start + 1024] @ u.T
        c[np.arange(len(c)), np.arange(start, start + len(c))] = -np.inf
        top = np.argpartition(-c, count + 1, axis=1)[:, :count + 1]
        for row, cand in zip(c, top):
            cand = sorted(cand, key=lambda j: (-row[j], j))
            lists.append(cand[:count])
            sims.append(row[cand])
    return lists, sims



c.equal("agreement.k", k)
c.equal("agreement.tokens", n)
# t-SNE's affinities use each token's min(n - 1, 3·perplexity + 1) nearest (91 at 30).
perplexity = DEFAULTS["perplexity"]
kept = min(n - 1, int(3 * perplexity + 1))
near = [nearest(m, max(kept, k)) for m in X]
overlap = [len(set(a[:k]) & set(b[:k])) for a, b in zip(near[0][0], near[1][0])]
reported = c["agreement.overlaps"]
differ = [i for i in range(n) if reported[i] != overlap[i]] if len(reported) == n else []
tied = lambda i: any(abs(near[s][1][i][k - 1] - near[s][1][i][k]) < 1e-6 for s in range(2))
c.holds("agreement.overlaps", len(reported) == n and all(tied(i) for i in differ),
        f"{len(differ)} differ, {sum(1 for i in differ if not tied(i))} of them without a tie at the {k}th neighbour")
ours = np.array(reported)
c.equal("agreement.distribution", np.bincount(ours, minlength=k + 1).tolist())
c.close("agreement.mean", ours.mean(), rtol=0, atol=1e-12)
c.close("agreement.chance", k * k / (n - 1), rtol=0, atol=1e-12)
kinds = [classed[0][i][0] for i in ids[0]]
present = [kind for kind in KINDS if kind in kinds]
by_kind = c["agreement.by_kind"]
means = [ours[[i for i in range(n) if kinds[i] == kind]].mean() for kind in present]
ok = [[b["kind"], b["tokens"]] for b in by_kind] == [[kind, kinds.count(kind)] for kind in present] \
    and np.allclose([b["mean"] for b in by_kind], means, rtol=0, atol=1e-12)
c.holds("agreement.by_kind", ok, "" if ok else f"report {by_kind[:3]} python {list(zip(present, means))[:3]}",
        tolerance=1e-12)
most = sorted(range(n), key=lambda i: (-ours[i], i))[: len(c["agreement.most"])]
least = sorted(range(n), key=lambda i: (ours[i], i))[: len(c["agreement.least"])]
for name, want in (("most", most), ("least", least)):
    c.equal(f"agreement.{name}", [{"token": label(shared[i][2]), "kind": kinds[i], "shared_neighbours": int(ours[i])}
                                  for i in want])

# ---- compare.html: its data, and each map's KL divergence recomputed exactly ----
page_file = out_dir / c["compare.file"]
data_file = out_dir / "compare-data.js"
c.holds("compare.file", page_file.is_file() and data_file.is_file(), f"{page_file} and {data_file.name} beside it")
c.equal("compare.tokens", n)
c.equal("compare.perplexity", perplexity)
# The FFT method runs every iteration it is given.
c.equal("compare.iterations", DEFAULTS["iterations"])
text = data_file.read_text(encoding="utf-8") if data_file.is_file() else ""
c.equal("compare.data_bytes", len(text.encode("utf-8")))
page = json.loads(text.removeprefix("window.COMPARE_DATA = ").rstrip().removesuffix(";") or "null")
c.equal("compare.regions", [side["region_names"] for side in page["sides"]] if page else None)
c.holds("agreement.overlaps", page is not None and page["agreement"][:n] == reported,
        "the page's agreement is the report's")
kl = []
for side in range(2 if page else 0):
    xy = np.frombuffer(base64.b64decode(page["sides"][side]["xy"]), dtype="<f4").reshape(-1, 2).astype(np.float64)
    lists, sims = near[side]
    squared = np.array([2 - 2 * np.asarray(s[:kept], np.float64) for s in sims]).clip(0)
    columns = np.array([row[:kept] for row in lists]).ravel()
    graph = csr_matrix((squared.ravel(), columns, np.arange(0, n * kept + 1, kept)), shape=(n, n))
    P = _joint_probabilities_nn(graph, perplexity, 0).tocoo()
    z = 0.0
    sq = (xy ** 2).sum(1)
    for start in range(0, n, 512):
        d = sq[start:start + 512, None] + sq[None, :] - 2 * xy[start:start + 512] @ xy.T
        w = 1 / (1 + np.maximum(d, 0))
        w[np.arange(len(w)), np.arange(start, start + len(w))] = 0
        z += w.sum()
    q = 1 / (1 + ((xy[P.row] - xy[P.col]) ** 2).sum(1)) / z
    kl.append(float((P.data * np.log(np.maximum(P.data, 1e-12) / np.maximum(q, 1e-12))).sum()))
c.close("compare.kl_divergence", kl, rtol=0.01, atol=0)
print(f"   KL as reported {c['compare.kl_divergence']}, with Q summed exactly {kl}")
c.finish()
