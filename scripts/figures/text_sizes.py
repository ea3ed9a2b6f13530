"""The size every lesson figure's text has on the book's page, and a check that none is
too small to read.

Usage: python3 scripts/figures/text_sizes.py book/src/generated [--min 11]

The book shows each figure's SVG at its own width, or scaled down to the content column
(750 CSS pixels) when it is wider, so a text's size on the page is its `font-size` times
min(1, 750 / the SVG's width). Prints, for each figure, the smallest and largest text on
the page and the smallest text's words; exits 1 naming every figure with text below
--min pixels. For comparison it prints the same for the notebooks' own figures beside
them in the appendix (notebooks/, drawn by matplotlib, whose text is outlines: their
sizes are matplotlib's default 10 pt labels and 12 pt titles at the figure's width).
"""
import argparse
import pathlib
import re
import sys
import xml.etree.ElementTree as ET

PAGE_WIDTH = 750
SVG = "{http://www.w3.org/2000/svg}"


def page_sizes(svg):
    """(size on the page, text) for every text element of one SVG."""
    root = ET.parse(svg).getroot()
    width = float(re.match(r"[\d.]+", root.get("width")).group())
    shown = min(1.0, PAGE_WIDTH / width)
    return [
        (float(text.get("font-size")) * shown, "".join(text.itertext()).strip())
        for text in root.iter(f"{SVG}text")
        if "".join(text.itertext()).strip()
    ]


def matplotlib_sizes(svg):
    """(tick and axis label, title) sizes on the page of a matplotlib SVG (width in pt)."""
    root = ET.parse(svg).getroot()
    width = float(re.match(r"[\d.]+", root.get("width")).group()) * 4 / 3
    shown = min(1.0, PAGE_WIDTH / width)
    return 10 * 4 / 3 * shown, 12 * 4 / 3 * shown


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generated", type=pathlib.Path)
    parser.add_argument("--min", type=float, default=11.0, help="smallest text allowed, in CSS pixels")
    args = parser.parse_args()
    figures = sorted(
        svg for svg in args.generated.glob("*/*.svg") if svg.parent.name[:2].isdigit()
    )
    if not figures:
        sys.exit(f"error: no lesson figures under {args.generated}: build the book first (bash scripts/build-book.sh)")
    small = []
    for svg in figures:
        sizes = page_sizes(svg)
        if not sizes:
            continue
        smallest = min(sizes)
        name = f"{svg.parent.name}/{svg.stem}"
        print(f"{name:48} {smallest[0]:5.1f}-{max(sizes)[0]:5.1f} px  (smallest: {smallest[1][:40]!r})")
        if smallest[0] < args.min:
            small.append(name)
    for svg in sorted(args.generated.glob("notebooks/*/*.svg")):
        label, title = matplotlib_sizes(svg)
        print(f"notebook {svg.parent.name}/{svg.stem:39} {label:5.1f}-{title:5.1f} px  (matplotlib)")
    if small:
        sys.exit(f"error: text under {args.min:g} px on the page in {', '.join(small)}: draw it larger (common/src/plot/render/text.rs)")


if __name__ == "__main__":
    main()
