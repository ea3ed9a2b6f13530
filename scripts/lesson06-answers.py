"""Lesson 6's exercise 6 for the book: the two neighbour lists of tokens that share none of
their neighbours, read from the default run's compare page data
(06-two-vocabularies/compare-data.js under the folder given), one table a token, written to
answers/06-zero-agreement.md (anchor: the token) indented for the answer's list item.
Fails if a token is not on the maps or shares a neighbour: the chapter says it shares none.

usage: lesson06-answers.py book/src/generated TOKEN...
"""

import base64
import json
import re
import struct
import sys
from pathlib import Path

from book_parts import write_parts


def compare_data(generated: Path) -> dict:
    path = generated / "06-two-vocabularies" / "compare-data.js"
    if not path.is_file():
        sys.exit(f"error: {path} is missing: run scripts/build-book.sh")
    text = path.read_text()
    # The file is `window.COMPARE_DATA = {…};` (common/src/plot/compare.rs).
    return json.loads(text[text.index("=") + 1:].strip().rstrip(";"))


def unpack(encoded: str, code: str) -> tuple:
    raw = base64.b64decode(encoded)
    return struct.unpack(f"<{len(raw) // struct.calcsize(code)}{code}", raw)


def code(text: str) -> str:
    """A token as inline code in a table cell: a fence longer than any backtick run in it,
    its pipes escaped (a table cell ends at a bare one, even in code)."""
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


def neighbour_table(data: dict, token: str) -> str:
    labels, k = data["labels"], data["k"]
    if token not in labels:
        sys.exit(f"error: {token!r} is not on lesson 6's maps")
    i = labels.index(token)
    if data["agreement"][i] != 0:
        sys.exit(f"error: {token!r} shares {data['agreement'][i]} of {k} neighbours, not 0")
    columns = []
    for side in data["sides"]:
        ids = unpack(side["neighbours"], "I")[i * k:(i + 1) * k]
        # Cosines stored in steps of 2/65535 over [-1, 1].
        cosines = [v / 65535 * 2 - 1 for v in unpack(side["similarities"], "H")[i * k:(i + 1) * k]]
        columns.append([f"{code(labels[j])} {c:.2f}" for j, c in zip(ids, cosines)])
    rows = [f"| {rank} | {a} | {b} |" for rank, (a, b) in enumerate(zip(*columns), start=1)]
    header = ["| | " + " | ".join(side["model"] for side in data["sides"]) + " |", "|---|---|---|"]
    return "\n".join(f"   {line}" for line in header + rows)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    generated = Path(sys.argv[1])
    data = compare_data(generated)
    write_parts(
        generated / "answers" / "06-zero-agreement.md",
        {token: neighbour_table(data, token) for token in sys.argv[2:]},
    )


if __name__ == "__main__":
    main()
