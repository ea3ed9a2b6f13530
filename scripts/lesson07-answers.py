"""Lesson 7's exercise 3 for the book: the partition isotropy I after all-but-the-top as
D, the number of directions removed, grows. Reads the runs scripts/build-book.sh made on
the GPT stand-in (07-diagnose-a-model/ with the default D, 07-remove-top-1/ and
07-remove-top-20/ under the folder given) and writes 07-remove-top/answers.md, one
sentence the chapter's answer includes (anchor `remove_top`), every number from the runs'
report.json.
"""

import json
import sys
from pathlib import Path

from book_parts import write_parts

RUNS = ["07-remove-top-1", "07-diagnose-a-model", "07-remove-top-20"]


def isotropy(folder: Path):
    """The run's isotropy stages for the model and its Gaussian null."""
    report = folder / "report.json"
    if not report.is_file():
        sys.exit(f"error: {report} is missing: run scripts/build-book.sh")
    return json.loads(report.read_text())["isotropy"]


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: lesson07-answers.py book/src/generated")
    generated = Path(sys.argv[1])
    stages = [isotropy(generated / run) for run in RUNS]
    # The centred row is the same in every run: it is computed before anything is removed.
    centred = stages[0]["model"]["centred"]["partition"]
    removed = [
        f"{s['model']['all_but_the_top']['partition']:.3f} with $D = {s['model']['removed']}$"
        + (" (the default)" if run == "07-diagnose-a-model" else "")
        for run, s in zip(RUNS, stages)
    ]
    gaussian = stages[1]["gaussian"]["all_but_the_top"]["partition"]
    sentence = (
        f"On the GPT stand-in, $I$ reads {centred:.3f} centred, then "
        f"{', '.join(removed[:-1])} and {removed[-1]}, beside the Gaussian null's "
        f"{gaussian:.3f}."
    )
    write_parts(generated / "07-remove-top" / "answers.md", {"remove_top": sentence})


if __name__ == "__main__":
    main()
