"""An mdBook preprocessor (book.toml runs it after `links`): strips the indentation that
every line of a Rust code block shares beyond its fence's. A region included by anchor keeps the indentation
it has in its function, so without this every listing would start four or eight spaces
in; mdBook does not remove it.

mdBook calls it as `dedent-code.py supports RENDERER` (answered yes) and then with
`[context, book]` as JSON on stdin, expecting the book back on stdout.
"""
import json
import re
import sys
import textwrap

FENCE = re.compile(r"^( *)```rust[^\n]*\n(.*?)^ *```", re.M | re.S)


def dedent_blocks(markdown):
    def dedented(match):
        opening = match.group(0)[: match.start(2) - match.start(0)]
        closing = match.group(0)[match.end(2) - match.start(0):]
        # Back to the fence's own indentation: inside a list item a line less indented
        # than the item's text would end the item, and the block with it (CommonMark
        # strips up to the fence's indentation from each line of the block).
        return opening + textwrap.indent(textwrap.dedent(match.group(2)), match.group(1)) + closing
    return FENCE.sub(dedented, markdown)


def walk(node):
    """Every chapter of the book JSON, whatever mdBook version's layout nests them in."""
    if isinstance(node, dict):
        chapter = node.get("Chapter")
        if isinstance(chapter, dict) and isinstance(chapter.get("content"), str):
            chapter["content"] = dedent_blocks(chapter["content"])
        for value in node.values():
            walk(value)
    elif isinstance(node, list):
        for value in node:
            walk(value)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "supports":
        sys.exit(0)
    _, book = json.load(sys.stdin)
    walk(book)
    json.dump(book, sys.stdout)


if __name__ == "__main__":
    main()
