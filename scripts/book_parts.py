"""Parts of the Markdown files the build generates for the chapters to include: each part
between mdBook's anchor comments, so that a chapter includes one part by name
(`{{#include FILE:NAME}}`), the one way every script here writes them."""

from pathlib import Path


def anchored(name: str, body: str) -> str:
    """body as the part `name`: a chapter's `{{#include FILE:name}}` shows body alone, not
    the comments around it or the file's other parts."""
    return f"<!-- ANCHOR: {name} -->\n{body}\n<!-- ANCHOR_END: {name} -->\n"


def write_parts(path: Path, parts: dict[str, str], end: str = "") -> None:
    """Writes parts (name: body, in order) to path, a blank line between them (Markdown
    would otherwise run one part's last paragraph into the next's), then end; makes the
    file's folder, which the lessons' runs do not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(anchored(name, body) for name, body in parts.items()) + end)
