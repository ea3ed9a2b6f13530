"""Fails when a page of the built book would load anything from the network.

Scripts, stylesheets, images, frames and fonts must come from the book itself so that it
reads the same from file:// with no network; hyperlinks (<a href>) are not loads.
"""

import pathlib
import re
import sys

LOADS = [
    re.compile(r"<(?:script|img|iframe|source|embed|audio|video)\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//", re.I),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//", re.I),
    re.compile(r"@import\s+(?:url\()?[\"']?(?:https?:)?//", re.I),
    re.compile(r"url\(\s*[\"']?(?:https?:)?//", re.I),
]


def main(root: str) -> int:
    found = []
    for path in sorted(pathlib.Path(root).rglob("*")):
        if path.suffix not in {".html", ".css", ".js"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in LOADS:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path}:{line}: {match.group(0)[:120]}")
    for entry in found:
        print(f"error: loads from the network: {entry}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "book/book"))
