"""The At-scale chapter's views of one whole-vocabulary map (a lesson 5 run's map.html),
taken by headless Chromium from the page itself, so the book shows what a reader who opens
the map sees:

- map-regions.png and map-kinds.png: the whole map coloured by region (each named), and by
  token kind with its legend (`#crop` shows the map alone, `&legend` its legend);
- for each word and each metric, map-WORD-METRIC.png: the map zoomed in ZOOM times around
  the word (`#token=…&metric=…&zoom=…&crop`), its neighbours outlined and joined to it by
  red lines, the tokens around it written;
- regions.md: the region names the whole map writes (read from the page's DOM), which the
  chapter's caption lists;
- words.md, the fragment the chapter includes: for each word its two crops side by side,
  each linked to the live map at that deep link, a caption computed from the page (how many
  of its 15 neighbours are in view, how many the two lists share), and both neighbour lists
  as a table, read from the page's DOM (the same lists a reader clicking the word gets).

usage: scale-figures.py CHROMIUM RUN_DIR LABEL WORD… (each WORD as the map stores it,
URL-encoded: GPT-2's leading space as %C4%A0; a figure is named by the word without it)
"""

import html
import json
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

ZOOM = 16
CROP = (370, 320)  # two side by side fill the content column
WHOLE = (750, 560)
METRICS = ("euclidean", "cosine")


def chromium(browser: str, args: list, url: str) -> str:
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--virtual-time-budget=8000", *args, url],
        capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        sys.exit(f"error: Chromium could not open {url}: {result.stderr.strip()[-300:]}")
    return result.stdout


def screenshot(browser: str, page: Path, fragment: str, size: tuple, out: Path) -> None:
    """A screenshot of `page` at `fragment`, `size` CSS pixels drawn at two image pixels
    each (the map draws its canvas at the device's pixel ratio), so that it stays sharp on
    a high-density screen, where the book shows it `size` CSS pixels wide."""
    chromium(browser, [f"--window-size={size[0]},{size[1]}", "--force-device-scale-factor=2",
                       f"--screenshot={out}"],
             f"{page.as_uri()}#{fragment}")
    if not out.is_file():
        sys.exit(f"error: Chromium wrote no screenshot of {page}#{fragment}")


def unescape(text: str) -> str:
    return html.unescape(text)


def loaded(browser: str, page: Path, fragment: str, size: tuple):
    """The page's DOM at `fragment` once it finished loading without an error, and its
    status element's tag (where the page records what it showed)."""
    dom = chromium(browser, [f"--window-size={size[0]},{size[1]}", "--dump-dom"],
                   f"{page.as_uri()}#{fragment}")
    status = re.search(r'<div id="status"[^>]*>', dom)
    if not status or 'data-done="yes"' not in status.group(0):
        sys.exit(f"error: {page}#{fragment} did not finish loading")
    errors = re.search(r'data-errors="([^"]*)"', status.group(0))
    if errors and errors.group(1):
        sys.exit(f"error: {page}#{fragment}: {unescape(errors.group(1))}")
    return dom, status.group(0)


def neighbours(browser: str, page: Path, fragment: str, size: tuple):
    """The neighbour list the page shows at `fragment`, and how many are in view."""
    dom, status = loaded(browser, page, fragment, size)
    selected = re.search(r'<p id="selected">(.*?)</p>', dom, re.S)
    if not selected or '<span class="token">' not in selected.group(1):
        sys.exit(f"error: {page}#{fragment} selects no token: is the word on the map?")
    in_view = int(re.search(r'data-neighbours-in-view="(\d+)"', status).group(1))
    listed = re.search(r'<ol id="neighbours">(.*?)</ol>', dom, re.S).group(1)
    rows = []
    for item in re.findall(r"<li [^>]*>.*?</li>", listed, re.S):
        token = unescape(re.search(r'<span class="token">(.*?)</span>', item, re.S).group(1))
        shown = unescape(re.search(r'<span class="distance">(.*?)</span>', item, re.S).group(1))
        rows.append((token, shown))
    return rows, in_view


def regions_named(browser: str, page: Path, fragment: str, size: tuple) -> list:
    """The region names the page wrote on its map at `fragment`, largest region first."""
    _, status = loaded(browser, page, fragment, size)
    named = re.search(r'data-regions-named="([^"]*)"', status)
    if not named:
        sys.exit(f"error: {page}#{fragment} says no region names it wrote")
    return json.loads(unescape(named.group(1)))


def code(token: str) -> str:
    return f"<code>{html.escape(token)}</code>"


def main() -> None:
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    browser, run, label, words = sys.argv[1], Path(sys.argv[2]).resolve(), sys.argv[3], sys.argv[4:]
    page = run / "map.html"
    if not page.is_file():
        sys.exit(f"error: {page} does not exist: run lesson 5 into {run} first")
    book = f"generated/{run.name}"
    screenshot(browser, page, "crop", WHOLE, run / "map-regions.png")
    named = regions_named(browser, page, "crop", WHOLE)
    (run / "regions.md").write_text(
        f"The {len(named)} names written on this map, largest region first: "
        + "; ".join(" ".join(code(token) for token in name.split(" ")) for name in named)
        + ".\n"
    )
    screenshot(browser, page, "colour=token%20kind&crop&legend", WHOLE, run / "map-kinds.png")
    parts = []
    for word in words:
        text = urllib.parse.unquote(word)
        name = text.removeprefix("Ġ")
        lists, crops = {}, []
        for metric in METRICS:
            fragment = f"token={word}&metric={metric}&zoom={ZOOM}&crop"
            image = run / f"map-{name}-{metric}.png"
            screenshot(browser, page, fragment, CROP, image)
            lists[metric] = neighbours(browser, page, fragment, CROP)
            crops.append(
                f'<a href="{book}/map.html#token={word}&amp;metric={metric}&amp;zoom={ZOOM}">'
                f'<img src="{book}/{image.name}" width="{CROP[0]}" height="{CROP[1]}" '
                f'alt="{html.escape(label)} map around {html.escape(text)}, {metric} neighbours"></a>'
            )
        (euclid, euclid_view), (cosine, cosine_view) = lists["euclidean"], lists["cosine"]
        shared = len({t for t, _ in euclid} & {t for t, _ in cosine})
        k = len(euclid)
        caption = (
            f"{html.escape(label)}, {code(text)}, the map zoomed in {ZOOM} times around it (click "
            f"to open the live map there): left its {k} nearest tokens by Euclidean distance, "
            f"right by cosine, each outlined and joined to it by a red line. In view: "
            f"{euclid_view} of the {k} Euclidean neighbours, {cosine_view} of the {k} cosine "
            f"ones (those placed right beside it lie under its ring); a line leaving the crop "
            f"goes to a neighbour t-SNE placed elsewhere. The two "
            f"lists share {shared} of their {k} tokens."
        )
        rows = "".join(
            f"<tr><td>{r + 1}</td><td>{code(e[0])}</td><td>{html.escape(e[1])}</td>"
            f"<td>{code(c[0])}</td><td>{html.escape(c[1])}</td></tr>"
            for r, (e, c) in enumerate(zip(euclid, cosine))
        )
        parts.append(
            '<figure class="word-maps">'
            f'<div class="crops">{"".join(crops)}</div>'
            f"<figcaption>{caption}</figcaption></figure>"
            f'<table class="neighbours"><thead><tr><th></th><th>Euclidean</th><th>distance</th>'
            f"<th>cosine</th><th>distance (cos)</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    style = (
        "<style>.word-maps { margin: 1em 0 0.5em; } .word-maps .crops { display: flex; gap: 8px; } "
        ".word-maps .crops a { flex: 1 1 0; min-width: 0; } "
        ".word-maps img { width: 100%; height: auto; display: block; border: 1px solid #ccc; box-sizing: border-box; } "
        "table.neighbours td, table.neighbours th { padding: 1px 6px; font-size: 0.9em; }</style>"
    )
    (run / "words.md").write_text(style + "\n" + "\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
