"""Turn each lesson's report.json into the "numbers" section of its book chapter.

Usage: python3 scripts/book_numbers.py GENERATED_DIR
Reads GENERATED_DIR/<lesson>/report.json, writes GENERATED_DIR/<lesson>/numbers.md.
Every number comes from the report; nothing here is typed in.
"""
import json
import pathlib
import sys


def standin_note(report):
    standins = [m for m in report.get("models", []) if m.get("standin")]
    if not standins:
        return ""
    lines = "".join(f"\n> - {m['standin']['stands_in_for']}: {m['standin']['description']}" for m in standins)
    return f"> **Offline stand-ins** (not the course models):{lines}\n\n"


def cell(text):
    """A token as table text: pipes escaped so they do not split the cell."""
    return str(text).replace("|", "\\|")


def table(header, rows):
    out = "| " + " | ".join(header) + " |\n|" + "---|" * len(header) + "\n"
    return out + "".join("| " + " | ".join(cell(c) for c in row) + " |\n" for row in rows)


def lesson01(r):
    d = r["distributions"]
    rows = [[name, f"{d['variance'][i]['mean']:.5f}", f"{d['mean'][i]['mean']:+.5f}"] for i, name in enumerate(["BERT", "GPT2"])]
    return (f"Vocabulary: BERT {r['vocab_sizes']['bert']:,} tokens, GPT-2 {r['vocab_sizes']['gpt2']:,}; embedding matrices "
            f"{tuple(r['embedding_shapes']['bert'])} and {tuple(r['embedding_shapes']['gpt2'])}.\n\n"
            f"GPT-2 tokens whose length changes when decoded: {r['token_lengths']['gpt2']['changed_by_decoding']}. "
            f"\"{r['same_word']['word']}\" is BERT token {r['same_word']['comparison']['bert_index']} and GPT-2 token "
            f"{r['same_word']['comparison']['gpt2_index']}.\n\n" + table(["model", "mean per-token variance", "mean per-token mean"], rows))


def lesson02(r):
    out = ""
    for w in r["words"]:
        for kind in ["raw", "normalised"]:
            s = w[kind]
            if not s:
                continue
            rows = [[f"`{b['token']}` ({b['distance']:.2f})", f"`{g['token']}` ({g['distance']:.2f})"] for b, g in zip(s["bert"], s["gpt2"])]
            out += f"**{w['word']}**, {kind} vectors:\n\n" + table(["BERT", "GPT-2"], rows[:8]) + "\n"
    return out


def lesson03(r):
    s = r["rsa"]
    sizes = r["model_sizes"]
    rows = [[f"{n} ({w})"] + [f"{v:.2f}" for v in row] for n, w, row in zip(sizes["names"], sizes["widths"], sizes["rsa"])]
    return (f"RSA score BERT vs GPT-2: Pearson r = {s['pearson']:.2f}, Spearman ρ = {s['spearman']:.2f}, "
            f"permutation p = {s['p_value']:.4f} ({s['permutations']} shuffles).\n\n" + table(["model"] + sizes["names"], rows))


def lesson04(r):
    s = r["spectra"]
    rows = [[k + 1, f"{a:.3f}", f"{b:.3f}", f"{m:.3f}"] for k, (a, b, m) in enumerate(zip(s["explained_a"], s["explained_b"], r["random_draws"]["explained_mean"]))]
    top = ", ".join(f"`{p['token']}` ({p['projection']:.3f})" for p in r["top_projections"][:10])
    return (table(["k", f"variance in first k ({s['set_a']['name']})", f"({s['set_b']['name']})", "random draws, mean"], rows)
            + f"\nStrongest projections onto the top {s['set_a']['name']} direction: {top}.\n")


def lesson05(r):
    groups = r["dbscan"]["members"]
    rows = [["noise" if i == 0 else i - 1, len(g), " ".join(f"`{t}`" for t in g[:12])] for i, g in enumerate(groups)]
    trust = r["trustworthiness"]
    trust = f"trustworthiness (k = 5) {trust:.4f}" if trust is not None else "trustworthiness not measured at this size"
    return (f"{len(r['tokens'])} tokens. Final KL divergence {r['tsne']['kl_divergence']:.4f}; {trust}; "
            f"{len(r['dbscan']['centroids'])} clusters.\n\n" + table(["group", "tokens", "first tokens"], rows[:12]))


MAKERS = {"01-explore-embeddings": lesson01, "02-knn-kompetition": lesson02, "03-rsa": lesson03,
          "04-svd-spectrum": lesson04, "05-tsne-dbscan": lesson05, "scale": lesson05}
root = pathlib.Path(sys.argv[1])
for lesson, make in MAKERS.items():
    report = json.loads((root / lesson / "report.json").read_text())
    (root / lesson / "numbers.md").write_text(standin_note(report) + make(report))
    print(f"wrote {root / lesson / 'numbers.md'}")
