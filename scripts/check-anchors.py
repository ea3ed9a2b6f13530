"""Checks the code regions the book shows: every `// ANCHOR: name` in the workspace's Rust
sources is included by some chapter (`{{#include path:name}}` in book/src/*.md), every
included region exists, and none is longer than MAX_LINES lines, so that a chapter shows
one idea at a time. Run from the repository root; exits 1 naming each problem."""

import pathlib
import re
import sys

MAX_LINES = 40
ROOT = pathlib.Path(".")
BOOK = ROOT / "book" / "src"

# (file, anchor) -> number of lines between ANCHOR and ANCHOR_END
regions = {}
for source in sorted(ROOT.glob("**/*.rs")):
    if any(part in {"target", ".git"} for part in source.parts):
        continue
    start = {}
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines()):
        if m := re.search(r"//\s*ANCHOR:\s*(\w+)", line):
            start[m.group(1)] = number
        elif m := re.search(r"//\s*ANCHOR_END:\s*(\w+)", line):
            name = m.group(1)
            if name in start:
                regions[(source.resolve(), name)] = number - start.pop(name) - 1
    for name in start:
        regions[(source.resolve(), name)] = None

problems = []
included = set()
for chapter in sorted(BOOK.glob("*.md")):
    for m in re.finditer(r"\{\{#include\s+([^:}\s]+\.rs):(\w+)\}\}", chapter.read_text(encoding="utf-8")):
        path = (chapter.parent / m.group(1)).resolve()
        key = (path, m.group(2))
        included.add(key)
        lines = regions.get(key)
        shown = f"{m.group(1)}:{m.group(2)}"
        if key not in regions:
            problems.append(f"{chapter}: includes {shown}, which no source defines")
        elif lines is None:
            problems.append(f"{chapter}: {shown} has no ANCHOR_END")
        elif lines > MAX_LINES:
            problems.append(
                f"{chapter}: {shown} is {lines} lines; a region the book shows is at most {MAX_LINES}: show the idea and describe the rest"
            )

for (path, name) in sorted(regions):
    if (path, name) not in included:
        problems.append(
            f"{path.relative_to(ROOT.resolve())}: ANCHOR {name} is included by no chapter: include it or remove it"
        )

for problem in problems:
    print(f"error: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
