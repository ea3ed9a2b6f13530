"""Lesson 2's exercise 6 for the book: the neighbour graph of every token built from the
centred, unit-length vectors (the change the exercise asks for), beside the raw graph
the lesson's `--graph` run computed. Reads that run's report
(02-knn-kompetition-graph/report.json under the folder given) for the raw graph, builds
the centred graph with numpy from the stand-in files (scripts/crosscheck/standins.py:
read independently of the Rust code), and writes answers/02-centred-graph.md, a table
the chapter's answer includes (anchor `centred_graph`).

The centred graph is the lesson's with the exercise's change: each token's k = 15
nearest other tokens, here by cosine of the centred rows, which ranks them as the
Euclidean distance between the centred rows scaled to unit length does. float32, as the
lesson computes; a token tied with another at the 15th place may be counted in either's
stead, which moves a count by a few lists at most.
"""

import json
import sys
from pathlib import Path

import numpy as np

from book_parts import write_parts

sys.path.insert(0, str(Path(__file__).resolve().parent / "crosscheck"))
import standins  # noqa: E402

BLOCK = 2048


def in_degree(unit: np.ndarray, k: int) -> np.ndarray:
    """How many of the other tokens' k nearest lists (by cosine) each token is in."""
    n = len(unit)
    counts = np.zeros(n, dtype=np.int64)
    for start in range(0, n, BLOCK):
        rows = np.arange(start, min(start + BLOCK, n))
        sims = unit[rows] @ unit.T
        sims[rows - start, rows] = -np.inf  # a token is not its own neighbour
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        counts += np.bincount(nearest.ravel(), minlength=n)
    return counts


def centred_unit(e: np.ndarray) -> np.ndarray:
    x = e - e.mean(axis=0)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: lesson02-answers.py book/src/generated")
    generated = Path(sys.argv[1])
    report = generated / "02-knn-kompetition-graph" / "report.json"
    if not report.is_file():
        sys.exit(f"error: {report} is missing: run scripts/build-book.sh")
    graph = json.loads(report.read_text())["graph"]
    stored = {
        "bert": standins.bert_tokenizer().convert_ids_to_tokens,
        "gpt": standins.SmolTokenizer().tokens.__getitem__,
    }
    rows = []
    for family, repo, label in [("bert", standins.BERT, "BERT"), ("gpt", standins.GPT, "GPT")]:
        raw = graph[family]
        counts = in_degree(centred_unit(standins.embeddings(repo)), raw["k"])
        top = int(np.argmax(counts))
        hub, hub_count = raw["hubs"][0]
        rows.append(
            f"| {label} | `{hub}` ({hub_count:,}) | {raw['orphans']:,} "
            f"| `{stored[family](top)}` ({counts[top]:,}) | {(counts == 0).sum():,} |"
        )
    # indented, as the answer's list item that includes it is
    table = "\n".join(
        "   " + line
        for line in [
            "| stand-in | raw graph: top hub (lists) | tokens in no list "
            "| centred, unit length: top hub (lists) | tokens in no list |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
    write_parts(generated / "answers" / "02-centred-graph.md", {"centred_graph": table})


if __name__ == "__main__":
    main()
