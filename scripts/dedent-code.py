"""An mdBook preprocessor (book.toml runs it after `links`): strips the indentation that
every line of a Rust code block shares beyond its fence's. A region included by anchor keeps the indentation
it has in its function, so without this every listing would start four or eight spaces
in; mdBook does not remove it.

How mdBook calls it: scripts/mdbook_preprocessor.py.
"""
import re
import textwrap

import mdbook_preprocessor

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


if __name__ == "__main__":
    mdbook_preprocessor.run(dedent_blocks)
