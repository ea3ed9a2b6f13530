"""Checks lesson 5's slider widgets in the built book, opened from disk in headless
Chromium as a reader would open it: the page as first shown (perplexity 5, seed 1, the
notebook's eps 7), then the same page with its sliders moved by the address
(#perplexity=30&seed=2&eps=3, which the widgets read on load as a shared link): the
shown maps and captions must change to those runs', and the controls, hidden for readers
without JavaScript, must be shown. (scripts/check-offline.py checks that nothing loads from the network.)

usage: check-widget.py CHROMIUM book/book/lesson05.html
"""

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


def src(img: str) -> str:
    match = re.search(r'\bsrc="([^"]*)"', img)
    return match.group(1) if match else ""


def text(tagged: str) -> str:
    return re.sub(r"<[^>]*>", "", tagged).strip()


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    browser, page = sys.argv[1], Path(sys.argv[2]).resolve()
    if not page.is_file():
        sys.exit(f"error: {page} does not exist: build the book first (scripts/build-book.sh)")
    url = page.as_uri()
    first = dom(browser, url)
    moved = dom(browser, url + "#perplexity=30&seed=2&eps=3")
    failures = []
    for name, tag, before_text, after_text in [
        ("perplexity", "figcaption", "Perplexity 5, seed 1:", "Perplexity 30, seed 2:"),
        ("eps", "figcaption", "eps 7:", "eps 3:"),
    ]:
        map_before = src(element(first, "img", f"{name}-map"))
        map_after = src(element(moved, "img", f"{name}-map"))
        caption_before = text(element(first, tag, f"{name}-caption"))
        caption_after = text(element(moved, tag, f"{name}-caption"))
        if not map_before.startswith("data:image/svg+xml;base64,"):
            failures.append(f"the {name} map is not inlined in the page (src {map_before[:40]}…)")
        if map_before == map_after:
            failures.append(f"moving the {name} slider left the same map shown")
        if not caption_before.startswith(before_text):
            failures.append(f"the {name} widget opens on “{caption_before}”, not on {before_text}")
        if not caption_after.startswith(after_text):
            failures.append(f"the moved {name} widget shows “{caption_after}”, not {after_text}")
        controls = re.search(rf'<input[^>]*\bid="{name}-slider"', moved)
        if not controls:
            failures.append(f"the {name} slider is missing")
    if re.search(r'<div class="controls" hidden', moved):
        failures.append("the widgets' controls stay hidden after their scripts ran")
    if failures:
        sys.exit("error: lesson 5's widgets: " + "; ".join(failures))
    print("lesson 5's widgets: maps inlined, sliders move them (perplexity 5 → 30, seed 1 → 2, eps 7 → 3)")


if __name__ == "__main__":
    main()
