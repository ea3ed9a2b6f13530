"""Checks lesson 5's widgets in the built book, opened from disk in headless Chromium as a
reader would open it: the page as first shown (the known answers' first set at perplexity
30; the token maps at perplexity 5, seed 1, and the notebook's eps 7), then the same page
with its controls moved by the address (#toy=gap&toy-perplexity=2&perplexity=30&seed=2&eps=3,
which the widgets read on load as a shared link): the shown maps and captions must change
to those runs', the controls, hidden for readers without JavaScript, must be shown, the
address must be the one the page was opened with (showing a state never rewrites it), the
token maps must write the ten digits (so "the digits are neighbours" can be read in every
state), and every map a widget shows must exist. (scripts/check-offline.py checks that
nothing loads from the network.)

usage: check-widget.py CHROMIUM book/book/lesson05.html
"""

import base64
import re
import subprocess
import sys
from pathlib import Path


def dom(browser: str, url: str) -> str:
    """The page's DOM after its scripts ran."""
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0 or "<body" not in result.stdout:
        sys.exit(f"error: Chromium could not open {url}: {result.stderr.strip()[-300:]}")
    return result.stdout


def element(page: str, tag: str, id_: str) -> str:
    match = re.search(rf"<{tag}[^>]*\bid=\"{id_}\"[^>]*>(.*?)</{tag}>" if tag != "img"
                      else rf"<img[^>]*\bid=\"{id_}\"[^>]*>", page, re.S)
    if not match:
        sys.exit(f"error: the page has no <{tag} id=\"{id_}\">: was the chapter built with its widgets?")
    return match.group(0)


def attribute(tagged: str, name: str) -> str:
    match = re.search(rf'\b{name}="([^"]*)"', tagged)
    return match.group(1).replace("&amp;", "&") if match else ""


def text(tagged: str) -> str:
    return re.sub(r"<[^>]*>", "", tagged).strip()


def svg_texts(src: str, page: Path) -> list:
    """The text elements of the SVG an <img> shows (inlined or a file beside the page)."""
    if src.startswith("data:image/svg+xml;base64,"):
        svg = base64.b64decode(src.split(",", 1)[1]).decode()
    else:
        svg = (page.parent / src).read_text()
    return [re.sub(r"<[^>]*>", "", t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    browser, page = sys.argv[1], Path(sys.argv[2]).resolve()
    if not page.is_file():
        sys.exit(f"error: {page} does not exist: build the book first (scripts/build-book.sh)")
    url = page.as_uri()
    moved_address = "#toy=gap&toy-perplexity=2&perplexity=30&seed=2&eps=3"
    first = dom(browser, url)
    moved = dom(browser, url + moved_address)
    failures = []
    for name, before_text, after_text, inlined in [
        ("toy", "Perplexity 30:", "Perplexity 2:", False),
        ("perplexity", "Perplexity 5, seed 1:", "Perplexity 30, seed 2:", True),
        ("eps", "eps 7:", "eps 3:", True),
    ]:
        map_before = attribute(element(first, "img", f"{name}-map"), "src")
        map_after = attribute(element(moved, "img", f"{name}-map"), "src")
        caption_before = text(element(first, "figcaption", f"{name}-caption"))
        caption_after = text(element(moved, "figcaption", f"{name}-caption"))
        if inlined and not map_before.startswith("data:image/svg+xml;base64,"):
            failures.append(f"the {name} map is not inlined in the page (src {map_before[:40]}…)")
        if not inlined:
            for src in (map_before, map_after):
                if not (page.parent / src).is_file():
                    failures.append(f"the {name} widget shows {src}, which is not in the book")
        if map_before == map_after:
            failures.append(f"moving the {name} controls left the same map shown")
        if not caption_before.startswith(before_text):
            failures.append(f"the {name} widget opens on “{caption_before}”, not on {before_text}")
        if not caption_after.startswith(after_text):
            failures.append(f"the moved {name} widget shows “{caption_after}”, not {after_text}")
        if not re.search(rf'<input[^>]*\bid="{name}-slider"', moved):
            failures.append(f"the {name} slider is missing")
        for shown, address in [(first, ""), (moved, moved_address)]:
            opened = attribute(element(shown, "div", f"{name}-widget"), "data-opened-at")
            if opened != address:
                failures.append(f"the {name} widget changed the address it opened with ({address or 'none'}) to {opened}")
        if inlined:
            for src in (map_before, map_after):
                texts = svg_texts(src, page)
                missing = [d for d in "0123456789" if d not in texts]
                if missing:
                    failures.append(f"a {name} map does not write the digits {' '.join(missing)}")
    about = text(element(moved, "p", "toy-about"))
    if not about.startswith("A known gap"):
        failures.append(f"the moved known answers describe “{about[:40]}…”, not the gap's set")
    if re.search(r'<div class="controls" hidden', moved):
        failures.append("the widgets' controls stay hidden after their scripts ran")
    if failures:
        sys.exit("error: lesson 5's widgets: " + "; ".join(failures))
    print("lesson 5's widgets: maps shown, controls move them (known answers' set and perplexity "
          "30 → 2, perplexity 5 → 30, seed 1 → 2, eps 7 → 3), the address left as opened, the "
          "token maps write the digits")


if __name__ == "__main__":
    main()
