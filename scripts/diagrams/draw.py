"""Draws the book's explanatory diagrams into GENERATED/diagrams/ as SVG.

Usage: python3 scripts/diagrams/draw.py book/src/generated

A diagram explains an idea where a drawing teaches better than a plot of data: a
worked example of a chapter's maths (lessons 2-7; 6 and 7's drawn with numpy, which
scripts/figures/requirements.txt brings with matplotlib), the embedding lookup on a real text
(the introduction: its tokens and ids from the real tokenizer files, which needs the
stand-ins and the `tokenizers` and `transformers` packages of
scripts/figures/requirements.txt), and lesson 1's run (read from its report.json, so run
the lessons first). Every number in a diagram is computed by this script or by a lesson.
"""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import alignment  # noqa: E402
import diagnosis  # noqa: E402
import geometry  # noqa: E402
import lesson01  # noqa: E402
import tokens  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    generated = pathlib.Path(sys.argv[1])
    out = generated / "diagrams"
    out.mkdir(parents=True, exist_ok=True)
    models = tokens.tokenize()
    tokens.tokens_diagram(out / "intro-tokens.svg", models)
    tokens.lookup_diagram(out / "intro-lookup.svg", models)
    lesson01.rows_diagram(out / "lesson01-rows.svg", generated / "01-explore-embeddings" / "report.json")
    geometry.euclidean_cosine(out / "lesson02-euclidean-cosine.svg")
    geometry.rsa(out / "lesson03-rsa.svg")
    geometry.spectrum(out / "lesson04-spectrum.svg")
    geometry.perplexity(out / "lesson05-perplexity.svg")
    geometry.dbscan(out / "lesson05-dbscan.svg")
    alignment.procrustes(out / "lesson06-procrustes.svg")
    alignment.csls(out / "lesson06-csls.svg")
    diagnosis.anisotropy(out / "lesson07-anisotropy.svg")
    print(f"diagrams written to {out}")


if __name__ == "__main__":
    main()
