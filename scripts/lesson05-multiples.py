"""Lesson 5's small multiples for the book: reads the runs scripts/build-book.sh made
(perplexity-P-seed-S/ and eps-E/ under the folder given) and writes two HTML fragments
the chapter includes, perplexity.md and eps.md. Each is a slider widget over the
precomputed maps (inlined as data: URIs, since a page opened from file:// cannot fetch),
its caption computed from the runs' report.json, a table of every run, and the grid of
all maps as plain images (what a reader without JavaScript sees). The page state is in
the address: #perplexity=30&seed=2&eps=10 opens the widgets there (scripts/check-widget.py
moves the sliders that way). No blank lines inside the HTML: Markdown would end the block.
"""

import base64
import html
import json
import re
import sys
from pathlib import Path


def runs(folder: Path, pattern: str):
    """(key, report, figure) for each run folder whose name matches `pattern`, by key."""
    found = []
    for run in folder.iterdir():
        match = re.fullmatch(pattern, run.name)
        if match:
            report = json.loads((run / "report.json").read_text())
            found.append((tuple(float(g) for g in match.groups()), report, run / "dbscan.svg"))
    if not found:
        sys.exit(f"error: no runs matching {pattern} in {folder}: run scripts/build-book.sh")
    return sorted(found, key=lambda r: r[0])


def number(x: float) -> str:
    return f"{x:g}"


def clusters(report) -> int:
    return max(report["dbscan"]["labels"], default=-1) + 1


def noise(report) -> int:
    return report["dbscan"]["labels"].count(-1)


def data_uri(figure: Path) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(figure.read_bytes()).decode()


def relative(figure: Path, folder: Path) -> str:
    """The figure's path as the chapter (book/src/) sees it."""
    return f"generated/{folder.name}/{figure.parent.name}/{figure.name}"


def perplexity_fragment(folder: Path) -> str:
    found = runs(folder, r"perplexity-([0-9.]+)-seed-([0-9]+)")
    perplexities = sorted({k[0] for k, _, _ in found})
    seeds = sorted({int(k[1]) for k, _, _ in found})
    panels = {}
    for (p, s), report, figure in found:
        panels[f"{number(p)}/{int(s)}"] = {
            "src": data_uri(figure),
            "caption": (
                f"Perplexity {number(p)}, seed {int(s)}: {clusters(report)} DBSCAN "
                f"cluster{'' if clusters(report) == 1 else 's'} "
                f"({noise(report)} noise tokens), "
                f"KL {report['tsne']['kl_divergence']:.3f}, "
                f"trustworthiness {report['trustworthiness']:.3f}."
            ),
        }
    by_cluster = sorted(found, key=lambda r: clusters(r[1]))
    fewest, most = by_cluster[0], by_cluster[-1]
    spread = max(
        abs(clusters(a[1]) - clusters(b[1]))
        for a in found
        for b in found
        if a[0][0] == b[0][0]
    )
    trust = sorted(found, key=lambda r: r[1]["trustworthiness"])
    summary = (
        f"Over these {len(found)} maps DBSCAN finds from {clusters(fewest[1])} "
        f"cluster{'' if clusters(fewest[1]) == 1 else 's'} "
        f"(perplexity {number(fewest[0][0])}, seed {int(fewest[0][1])}) to {clusters(most[1])} "
        f"(perplexity {number(most[0][0])}, seed {int(most[0][1])}) with the same eps; at one "
        f"perplexity the two seeds differ by up to {spread} clusters. Trustworthiness runs from "
        f"{trust[0][1]['trustworthiness']:.3f} (perplexity {number(trust[0][0][0])}) to "
        f"{trust[-1][1]['trustworthiness']:.3f} (perplexity {number(trust[-1][0][0])})."
    )
    # The first view: the notebook's perplexity 5 (or the nearest run), the first seed.
    start = min(range(len(perplexities)), key=lambda i: abs(perplexities[i] - 5))
    start_p, start_s = number(perplexities[start]), str(seeds[0])
    first = panels[f"{start_p}/{start_s}"]
    rows = "".join(
        f"<tr><td>{number(p)}</td><td>{int(s)}</td><td>{clusters(r)}</td><td>{noise(r)}</td>"
        f"<td>{r['tsne']['kl_divergence']:.3f}</td><td>{r['trustworthiness']:.3f}</td></tr>"
        for (p, s), r, _ in found
    )
    grid = "".join(
        "<tr>"
        + f"<th>seed {s}</th>"
        + "".join(
            f'<td><img src="{relative(f, folder)}" alt="t-SNE map, perplexity {number(k[0])}, seed {s}" loading="lazy"></td>'
            for k, _, f in found
            if int(k[1]) == s
        )
        + "</tr>"
        for s in seeds
    )
    header = "<tr><th></th>" + "".join(f"<th>perplexity {number(p)}</th>" for p in perplexities) + "</tr>"
    return "\n".join(
        [
            '<div class="multiples" id="perplexity-widget">',
            f'<figure><img id="perplexity-map" src="{first["src"]}" alt="t-SNE map of the first 100 tokens" style="max-width: 100%">',
            f'<figcaption id="perplexity-caption">{html.escape(first["caption"])}</figcaption></figure>',
            '<div class="controls" hidden>',
            f'<label>Perplexity <input type="range" id="perplexity-slider" min="0" max="{len(perplexities) - 1}" step="1" value="{start}"> <output id="perplexity-value">{start_p}</output></label>',
            "".join(
                f' <label><input type="radio" name="perplexity-seed" value="{s}"{" checked" if str(s) == start_s else ""}> seed {s}</label>'
                for s in seeds
            ),
            "</div>",
            "</div>",
            f"<p>{html.escape(summary)}</p>",
            "<table><thead><tr><th>perplexity</th><th>seed</th><th>clusters</th><th>noise</th><th>KL</th><th>trustworthiness</th></tr></thead>",
            f"<tbody>{rows}</tbody></table>",
            f'<table class="grid"><thead>{header}</thead><tbody>{grid}</tbody></table>',
            "<script>",
            "(function () {",
            f"  const perplexities = {json.dumps([number(p) for p in perplexities])};",
            f"  const panels = {json.dumps(panels)};",
            "  const slider = document.getElementById('perplexity-slider');",
            "  const seeds = document.getElementsByName('perplexity-seed');",
            "  function seed() { for (const s of seeds) if (s.checked) return s.value; return seeds[0].value; }",
            "  function show() {",
            "    const p = perplexities[slider.value];",
            "    const panel = panels[p + '/' + seed()];",
            "    document.getElementById('perplexity-value').textContent = p;",
            "    document.getElementById('perplexity-map').src = panel.src;",
            "    document.getElementById('perplexity-caption').textContent = panel.caption;",
            "    window.MULTIPLES_STATE.set('perplexity', p); window.MULTIPLES_STATE.set('seed', seed());",
            "  }",
            "  slider.addEventListener('input', show);",
            "  for (const s of seeds) s.addEventListener('change', show);",
            "  const state = window.MULTIPLES_STATE.read();",
            "  if (perplexities.includes(state.get('perplexity'))) slider.value = perplexities.indexOf(state.get('perplexity'));",
            "  for (const s of seeds) if (s.value === state.get('seed')) s.checked = true;",
            "  slider.closest('.controls').hidden = false;",
            "  show();",
            "})();",
            "</script>",
        ]
    )


def eps_fragment(folder: Path) -> str:
    found = runs(folder, r"eps-([0-9.]+)")
    values = [k[0] for k, _, _ in found]
    panels = {
        number(e): {
            "src": data_uri(f),
            "caption": (
                f"eps {number(e)}: {clusters(r)} clusters, {noise(r)} of {len(r['tokens'])} "
                f"tokens noise, on the same map."
            ),
        }
        for (e,), r, f in found
    }
    start = min(range(len(values)), key=lambda i: abs(values[i] - 7))
    first = panels[number(values[start])]
    rows = "".join(
        f"<tr><td>{number(e)}</td><td>{clusters(r)}</td><td>{noise(r)}</td></tr>"
        for (e,), r, _ in found
    )
    grid = "".join(
        f'<td><img src="{relative(f, folder)}" alt="DBSCAN, eps {number(e)}" loading="lazy"></td>'
        for (e,), _, f in found
    )
    header = "".join(f"<th>eps {number(e)}</th>" for e in values)
    return "\n".join(
        [
            '<div class="multiples" id="eps-widget">',
            f'<figure><img id="eps-map" src="{first["src"]}" alt="DBSCAN clusters on the t-SNE map" style="max-width: 100%">',
            f'<figcaption id="eps-caption">{html.escape(first["caption"])}</figcaption></figure>',
            '<div class="controls" hidden>',
            f'<label>DBSCAN eps <input type="range" id="eps-slider" min="0" max="{len(values) - 1}" step="1" value="{start}"> <output id="eps-value">{number(values[start])}</output> map units</label>',
            "</div>",
            "</div>",
            "<table><thead><tr><th>eps</th><th>clusters</th><th>noise</th></tr></thead>",
            f"<tbody>{rows}</tbody></table>",
            f'<table class="grid"><thead><tr>{header}</tr></thead><tbody><tr>{grid}</tr></tbody></table>',
            "<script>",
            "(function () {",
            f"  const values = {json.dumps([number(e) for e in values])};",
            f"  const panels = {json.dumps(panels)};",
            "  const slider = document.getElementById('eps-slider');",
            "  function show() {",
            "    const e = values[slider.value];",
            "    document.getElementById('eps-value').textContent = e;",
            "    document.getElementById('eps-map').src = panels[e].src;",
            "    document.getElementById('eps-caption').textContent = panels[e].caption;",
            "    window.MULTIPLES_STATE.set('eps', e);",
            "  }",
            "  slider.addEventListener('input', show);",
            "  const state = window.MULTIPLES_STATE.read();",
            "  if (values.includes(state.get('eps'))) slider.value = values.indexOf(state.get('eps'));",
            "  slider.closest('.controls').hidden = false;",
            "  show();",
            "})();",
            "</script>",
        ]
    )


# The widgets' shared state: the page address's #key=value&… part, read on load and
# rewritten (without scrolling or a history entry) whenever a control moves.
STATE = "\n".join(
    [
        "<script>",
        "window.MULTIPLES_STATE = {",
        "  read() { return new URLSearchParams(location.hash.slice(1)); },",
        "  set(key, value) {",
        "    const state = this.read(); state.set(key, value);",
        "    history.replaceState(null, '', '#' + state.toString());",
        "  },",
        "};",
        "</script>",
    ]
)

STYLE = (
    "<style>.multiples figure { margin: 0; } .multiples .controls { margin: 0.5em 0 1em; } "
    ".multiples input[type=range] { width: 16em; vertical-align: middle; } "
    "table.grid img { width: 100%; min-width: 8em; } table.grid td { padding: 2px; }</style>"
)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: lesson05-multiples.py FOLDER (the runs scripts/build-book.sh made)")
    folder = Path(sys.argv[1])
    (folder / "perplexity.md").write_text(
        STYLE + "\n" + STATE + "\n" + perplexity_fragment(folder) + "\n"
    )
    (folder / "eps.md").write_text(eps_fragment(folder) + "\n")


if __name__ == "__main__":
    main()
