"""What every mdBook preprocessor of this book shares: mdBook calls one as
`SCRIPT supports RENDERER` (answered yes), then with `[context, book]` as JSON on stdin,
and expects the book back on stdout, each chapter's Markdown changed."""
import json
import sys


def chapters(node, change):
    """Replaces each chapter's content with `change` of it, whatever mdBook version's
    layout nests the chapters in."""
    if isinstance(node, dict):
        chapter = node.get("Chapter")
        if isinstance(chapter, dict) and isinstance(chapter.get("content"), str):
            chapter["content"] = change(chapter["content"])
        for value in node.values():
            chapters(value, change)
    elif isinstance(node, list):
        for value in node:
            chapters(value, change)


def run(change):
    """The preprocessor's main: answers `supports`, else changes the book on stdin."""
    if sys.argv[1:2] == ["supports"]:
        sys.exit(0)
    _, book = json.load(sys.stdin)
    chapters(book, change)
    json.dump(book, sys.stdout)
