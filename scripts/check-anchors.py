"""Checks the code regions the book shows: every `// ANCHOR: name` in the workspace's Rust
sources is included by some chapter (`{{#include path:name}}` in book/src/*.md), every
included region exists, none is longer than MAX_LINES lines, so that a chapter shows one
idea at a time, and no line of one is wider than its code box shows without scrolling:
MAX_COLUMNS characters as written, indentation included (the book strips the indentation
its lines share, scripts/dedent-code.py: a margin), fewer for a region
included inside a list item (an exercise's answer), whose box is indented. Measured in
headless Chromium at 1,100 and 800 px: the content column's code box shows 85 characters
of its monospace font, an answer's box 80. Run from the repository root; exits 1 naming
each problem."""

import pathlib
import re
import sys

MAX_LINES = 30
MAX_COLUMNS = 84
MAX_COLUMNS_IN_LIST = 79
ROOT = pathlib.Path(".")
BOOK = ROOT / "book" / "src"

# (file, anchor) -> number of lines between ANCHOR and ANCHOR_END, and those lines
regions = {}
bodies = {}
for source in sorted(ROOT.glob("**/*.rs")):
    if any(part in {"target", ".git"} for part in source.parts):
        continue
    start = {}
    lines = source.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if m := re.search(r"//\s*ANCHOR:\s*(\w+)", line):
            start[m.group(1)] = number
        elif m := re.search(r"//\s*ANCHOR_END:\s*(\w+)", line):
            name = m.group(1)
            if name in start:
                first = start.pop(name) + 1
                regions[(source.resolve(), name)] = number - first
                bodies[(source.resolve(), name)] = lines[first:number]
    for name in start:
        regions[(source.resolve(), name)] = None

problems = []
included = set()
for chapter in sorted(BOOK.glob("*.md")):
    text = chapter.read_text(encoding="utf-8")
    for m in re.finditer(r"(?m)^([ \t]*).*?\{\{#include\s+([^:}\s]+\.rs):(\w+)\}\}", text):
        m_path, m_name = m.group(2), m.group(3)
        # in a list item when the include, or the fence it opens, is indented
        fence = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        indent = m.group(1) or re.match(r"[ \t]+```", fence)
        path = (chapter.parent / m_path).resolve()
        key = (path, m_name)
        included.add(key)
        lines = regions.get(key)
        shown = f"{m_path}:{m_name}"
        if key not in regions:
            problems.append(f"{chapter}: includes {shown}, which no source defines")
        elif lines is None:
            problems.append(f"{chapter}: {shown} has no ANCHOR_END")
        elif lines > MAX_LINES:
            problems.append(
                f"{chapter}: {shown} is {lines} lines; a region the book shows is at most {MAX_LINES}: show the idea and describe the rest"
            )
        if lines is not None:
            limit = MAX_COLUMNS_IN_LIST if indent else MAX_COLUMNS
            for offset, line in enumerate(bodies[key]):
                if len(line) > limit:
                    problems.append(
                        f"{chapter}: {shown}, line {offset + 1} of the region, is {len(line)} characters; its code box shows {limit}: break it, or name a step"
                    )

for (path, name) in sorted(regions):
    if (path, name) not in included:
        problems.append(
            f"{path.relative_to(ROOT.resolve())}: ANCHOR {name} is included by no chapter: include it or remove it"
        )

for problem in problems:
    print(f"error: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
