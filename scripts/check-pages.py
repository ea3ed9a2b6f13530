"""Checks every page of the built book as a reader's browser lays it out: each page is
opened from disk in headless Chromium at two window widths, 1,100 and 800 px, with
scripts/check-pages.js injected, which measures the laid-out page and reports back
through the DOM. Fails (exit 1, every finding listed) on

- an element wider than the content column at either width: one that reaches past the
  column, a box whose content is wider than the box (it scrolls sideways, so a reader
  sees it cut at the box's edge: a code line, a table), or a numbered formula too wide
  for the column beside its number (KaTeX then draws the two over each other);
- a figure without a caption: an image, inline drawing or frame that is neither in a
  <figure> with a <figcaption> nor followed by the book's caption, a paragraph that
  starts in italics (for a grid of images in a table: after the table);
- an image of a map without a link to its page: an image whose file is named map… and
  sits beside a map.html (the build's screenshots of the interactive map) must be inside
  a link to that map.html;
- a widget map without token labels: every image inside a widget (an element holding a
  slider) says what it maps with data-map="tokens" or data-map="points" (points that are
  not tokens, such as a toy data set), and a map of tokens lists the labels it must show
  in data-labels (a JSON list, on the image or the widget); in every state the widget's
  sliders and radio buttons can take, the image shown must be an SVG drawing each of
  those labels as a <text>.

usage: check-pages.py CHROMIUM BOOK_DIR   (BOOK_DIR: the built book, e.g. book/book)

print.html (every chapter again on one page) and toc.html (the sidebar alone) are not
checked: their content is the chapters'.
"""

import base64
import concurrent.futures
import json
import re
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

WIDTHS = (1100, 800)
SKIPPED = {"print.html", "toc.html"}
SCRIPT = Path(__file__).with_suffix(".js")
RESULT = re.compile(r'<script type="application/json" id="page-check-result">(.*?)</script>', re.S)


def measure(browser: str, page: Path, width: int) -> dict:
    """What check-pages.js reports on `page` laid out in a window `width` px wide."""
    probe = page.with_name(f".check-{width}-{page.name}")
    text = page.read_text(encoding="utf-8")
    script = f"<script>{SCRIPT.read_text(encoding='utf-8')}</script>"
    probe.write_text(text.replace("</body>", script + "</body>", 1) if "</body>" in text else text + script, encoding="utf-8")
    try:
        result = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--disable-background-networking", "--disable-component-update", "--no-first-run",
             f"--window-size={width},900", "--virtual-time-budget=15000", "--dump-dom", probe.as_uri()],
            capture_output=True, text=True, timeout=180,
        )
    finally:
        probe.unlink()
    found = RESULT.search(result.stdout)
    if not found:
        sys.exit(f"error: {page.name} at {width} px: the page check did not report (Chromium: {result.stderr.strip()[-300:]})")
    return json.loads(found.group(1))


def local_path(url: str) -> Path | None:
    parsed = urllib.parse.urlparse(url)
    return Path(urllib.parse.unquote(parsed.path)) if parsed.scheme == "file" else None


def svg_text(src: str) -> str | None:
    """The SVG an image shows, from a data: URI or a file, or None if it is not SVG."""
    if src.startswith("data:image/svg+xml"):
        head, _, data = src.partition(",")
        return base64.b64decode(data).decode("utf-8") if head.endswith(";base64") else urllib.parse.unquote(data)
    path = local_path(src)
    return path.read_text(encoding="utf-8") if path and path.suffix == ".svg" and path.is_file() else None


def texts(svg: str) -> set[str]:
    root = ET.fromstring(svg)
    return {"".join(t.itertext()).strip() for t in root.iter("{http://www.w3.org/2000/svg}text")}


def check_widget_maps(widget: dict) -> list[str]:
    problems = []
    for image in widget["images"]:
        where = f"{widget['widget']}: {image['element']}"
        if image["map"] not in ("tokens", "points"):
            problems.append(f"{where} does not say what it maps (data-map=\"tokens\" or \"points\")")
            continue
        if image["map"] == "points":
            continue
        try:
            labels = json.loads(image["labels"] or "null")
        except json.JSONDecodeError:
            labels = None
        if not labels or not isinstance(labels, list):
            problems.append(f"{where} maps tokens but lists no labels (data-labels, a JSON list of the tokens' labels)")
            continue
        for src in image["srcs"]:
            svg = svg_text(src)
            if svg is None:
                problems.append(f"{where} shows a state that is not an SVG drawing ({src[:60]}…): its labels cannot be read")
                continue
            missing = [label for label in labels if str(label).strip() not in texts(svg)]
            if missing:
                problems.append(
                    f"{where}: a state ({len(image['srcs'])} in all) lacks token labels {len(missing)} of {len(labels)}, "
                    f"e.g. {', '.join(repr(m) for m in missing[:5])}"
                )
                break
    return problems


def check_page(browser: str, page: Path) -> list[str]:
    problems = []
    for width in WIDTHS:
        found = measure(browser, page, width)
        if "error" in found:
            problems.append(f"at {width} px: {found['error']}")
            continue
        for item in found["found"]:
            if item["kind"] == "scrolls sideways":
                problems.append(f"at {width} px (column {item['column']} px): {item['element']} scrolls sideways: {item['width']} px of content in a {item['box']} px box")
            else:
                problems.append(f"at {width} px (column {item['column']} px): {item['element']} {item['kind']}: {item['width']} px wide from {item['left']} px")
        if width != WIDTHS[0]:
            continue
        # What does not depend on the width: captions, map links, widget labels.
        for figure in found["figures"]:
            if not figure["caption"]:
                problems.append(f"{figure['element']} has no caption (a <figcaption>, or a paragraph in italics right after it)")
            path = local_path(figure["src"])
            if path and path.name.startswith("map") and path.suffix != ".html" and (path.parent / "map.html").is_file():
                target = local_path(figure["link"] or "")
                if target != path.parent / "map.html":
                    problems.append(f"{figure['element']} shows a map but does not link to its page ({path.parent.name}/map.html)")
        for widget in found["widgets"]:
            problems += check_widget_maps(widget)
    return problems


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    browser, book = sys.argv[1], Path(sys.argv[2]).resolve()
    pages = sorted(p for p in book.glob("*.html") if p.name not in SKIPPED and not p.name.startswith(".check-"))
    if not pages:
        sys.exit(f"error: no pages in {book}: build the book first (scripts/build-book.sh)")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda p: (p, check_page(browser, p)), pages))
    failed = 0
    for page, problems in results:
        for problem in problems:
            print(f"{page.name}: {problem}", file=sys.stderr)
        failed += bool(problems)
    if failed:
        sys.exit(f"error: {failed} of {len(pages)} pages fail the page checks above (widths {' and '.join(map(str, WIDTHS))} px)")
    print(f"page checks: {len(pages)} pages at {' and '.join(map(str, WIDTHS))} px: nothing wider than the column, every figure captioned, every map image linked, every widget map labelled")


if __name__ == "__main__":
    main()
