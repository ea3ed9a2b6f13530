"""Lesson 5's widgets for the book: reads the runs scripts/build-book.sh made
(perplexity-P-seed-S/ and eps-E/ under the folder given, and the known answers'
report.json) and writes three HTML fragments the chapter includes, known.md,
perplexity.md and eps.md, and the exercises' numbers, answers.md. Each is a widget over precomputed maps, its caption computed from
the runs' report.json. The token maps (the lesson's dbscan_tokens figure: every token
written, each cluster in its colour) are inlined as data: URIs, with a table of every run
and all maps as small multiples that fit the content column, each linked to its run's
interactive map (what a reader without JavaScript sees), each the lesson's drawing for half the
column, its axes and eps bar readable there. The page state is in the
address: #toy=gap&toy-perplexity=30&perplexity=30&seed=2&eps=10 opens the widgets there
(scripts/check-widget.py moves the controls that way); a control the reader moves writes
it there, opening the page never does. No blank lines inside the HTML: Markdown would end
the block.
"""

import base64
import html
import json
import re
import sys
from pathlib import Path

from book_parts import write_parts

# Each widget's map: the lesson's figure with every token written, in its cluster's colour
# and DBSCAN's eps as a scale bar; the small multiples show the lesson's same map drawn for
# half the column (its text still about 11 px there), so each panel's axes and eps bar read.
FIGURE = "dbscan_tokens.svg"
HALF = "dbscan_tokens_half.svg"


def runs(folder: Path, pattern: str):
    """(key, report, figure) for each run folder whose name matches `pattern`, by key."""
    found = []
    for run in folder.iterdir():
        match = re.fullmatch(pattern, run.name)
        if match:
            report = json.loads((run / "report.json").read_text())
            found.append((tuple(float(g) for g in match.groups()), report, run / FIGURE))
    if not found:
        sys.exit(f"error: no runs matching {pattern} in {folder}: run scripts/build-book.sh")
    return sorted(found, key=lambda r: r[0])


def number(x: float) -> str:
    return f"{x:g}"


def clusters(report) -> int:
    return max(report["dbscan"]["labels"], default=-1) + 1


def noise(report) -> int:
    return report["dbscan"]["labels"].count(-1)


def words(report) -> list:
    """Each token's text, in map order, from the report's groups (each lists its members
    in map order, noise first)."""
    queues = [list(reversed(group)) for group in report["dbscan"]["members"]]
    return [queues[label + 1].pop() for label in report["dbscan"]["labels"]]


def digits(report) -> str:
    """Where the ten digits are on this map: one cluster, several, or noise."""
    labels = report["dbscan"]["labels"]
    of_digits = [labels[i] for i, w in enumerate(words(report)) if w in "0123456789" and len(w) == 1]
    found = sorted(set(of_digits))
    if found == [-1]:
        return "the digits are all noise"
    # Counted, not numbered: the maps colour clusters without writing their numbers.
    clusters = sum(1 for c in found if c >= 0)
    if clusters == 1:
        noise = of_digits.count(-1)
        return (f"{len(of_digits) - noise} of the {len(of_digits)} digits are in one cluster, "
                f"the other {noise} noise") if noise else "the ten digits are all in one cluster"
    return f"the digits are split over {clusters} clusters" + (", some of them noise" if -1 in found else "")


def labels(found) -> str:
    """The tokens every map of a widget writes (the same tokens in every run), as the
    data-labels attribute the book's page check reads: a JSON list, HTML-escaped."""
    listed = html.escape(json.dumps(sorted({w for _, report, _ in found for w in words(report)})))
    # `$` written as a character reference: the book's KaTeX preprocessor would read a
    # bare `$` token as the start of inline maths, running on into the page's formulas.
    return listed.replace("$", "&#36;")


def data_uri(figure: Path) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(figure.read_bytes()).decode()


def relative(figure: Path, folder: Path) -> str:
    """The figure's half-column drawing's path as the chapter (book/src/) sees it."""
    return f"generated/{folder.name}/{figure.parent.name}/{HALF}"


def map_page(figure: Path, folder: Path) -> str:
    """The run's interactive map, as the chapter sees it."""
    return f"generated/{folder.name}/{figure.parent.name}/map.html"


def multiples(cells) -> str:
    """Small multiples that wrap to the content column: (figure, page, caption) each, the
    figure linked to its interactive map."""
    return (
        '<div class="small-multiples">'
        + "".join(
            # the caption above its panel and a gap below it: under the panel, a caption ran
            # into the next panel's title and read as its label
            f"<figure><figcaption>{html.escape(caption)}</figcaption>"
            f'<a href="{page}"><img src="{src}" alt="{html.escape(caption)}" loading="lazy"></a></figure>'
            for src, page, caption in cells
        )
        + "</div>"
    )


def maps_with(found, count):
    """The maps with `count` DBSCAN clusters, by perplexity and seed: "perplexity 30, seed
    1", "perplexities 30 and 50, every seed", "perplexity 2 (every seed) and 5 (seed 2)"."""
    seeds_at = {}
    for (p, s), report, _ in found:
        if clusters(report) == count:
            seeds_at.setdefault(p, []).append(int(s))
    every = len({int(k[1]) for k, _, _ in found})

    def seeds(list_):
        if len(list_) == every and every > 1:
            return "every seed"
        return ("seed " if len(list_) == 1 else "seeds ") + ", ".join(map(str, sorted(list_)))

    names = [number(p) for p in sorted(seeds_at)]
    joined = lambda parts: parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    which = {seeds(v) for v in seeds_at.values()}
    if len(which) == 1:
        word = "perplexity" if len(names) == 1 else "perplexities"
        return f"{word} {joined(names)}, {which.pop()}"
    parts = [f"{number(p)} ({seeds(seeds_at[p])})" for p in sorted(seeds_at)]
    return f"perplexities {joined(parts)}"


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
                f"trustworthiness {report['trustworthiness']:.3f}; {digits(report)}."
            ),
            "page": map_page(figure, folder),
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
        f"({maps_with(found, clusters(fewest[1]))}) to {clusters(most[1])} "
        f"({maps_with(found, clusters(most[1]))}) with the same eps; at one "
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
    # Perplexity by perplexity, its seeds side by side (two to a row in the column).
    grid = multiples(
        (relative(f, folder), map_page(f, folder), f"perplexity {number(k[0])}, seed {int(k[1])}")
        for k, _, f in found
    )
    return "\n".join(
        [
            '<div class="multiples" id="perplexity-widget">',
            f'<figure><a id="perplexity-link" href="{first["page"]}"><img id="perplexity-map" src="{first["src"]}" data-map="tokens" data-labels="{labels(found)}" alt="t-SNE map of the first 100 tokens, every token written, clusters coloured"></a>',
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
            "<p>Every map above, by seed and perplexity (each opens its run's interactive map):</p>",
            grid,
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
            "    document.getElementById('perplexity-link').href = panel.page;",
            "  }",
            "  function moved() { show(); window.MULTIPLES_STATE.set({ perplexity: perplexities[slider.value], seed: seed() }); }",
            "  slider.addEventListener('input', moved);",
            "  for (const s of seeds) s.addEventListener('change', moved);",
            "  const state = window.MULTIPLES_STATE.read();",
            "  if (perplexities.includes(state.get('perplexity'))) slider.value = perplexities.indexOf(state.get('perplexity'));",
            "  for (const s of seeds) if (s.value === state.get('seed')) s.checked = true;",
            "  slider.closest('.controls').hidden = false;",
            "  show();",
            "  // The address as the page opened with it: showing the state never rewrites it.",
            "  document.getElementById('perplexity-widget').dataset.openedAt = location.hash;",
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
                f"tokens noise, on the same map; {digits(r)}."
            ),
            "page": map_page(f, folder),
        }
        for (e,), r, f in found
    }
    start = min(range(len(values)), key=lambda i: abs(values[i] - 7))
    first = panels[number(values[start])]
    rows = "".join(
        f"<tr><td>{number(e)}</td><td>{clusters(r)}</td><td>{noise(r)}</td></tr>"
        for (e,), r, _ in found
    )
    grid = multiples((relative(f, folder), map_page(f, folder), f"eps {number(e)}") for (e,), _, f in found)
    return "\n".join(
        [
            '<div class="multiples" id="eps-widget">',
            f'<figure><a id="eps-link" href="{first["page"]}"><img id="eps-map" src="{first["src"]}" data-map="tokens" data-labels="{labels(found)}" alt="DBSCAN clusters on the t-SNE map, every token written"></a>',
            f'<figcaption id="eps-caption">{html.escape(first["caption"])}</figcaption></figure>',
            '<div class="controls" hidden>',
            f'<label>DBSCAN eps <input type="range" id="eps-slider" min="0" max="{len(values) - 1}" step="1" value="{start}"> <output id="eps-value">{number(values[start])}</output> map units</label>',
            "</div>",
            "</div>",
            "<table><thead><tr><th>eps</th><th>clusters</th><th>noise</th></tr></thead>",
            f"<tbody>{rows}</tbody></table>",
            "<p>Every eps above (each opens its run's interactive map):</p>",
            grid,
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
            "    document.getElementById('eps-link').href = panels[e].page;",
            "  }",
            "  slider.addEventListener('input', () => { show(); window.MULTIPLES_STATE.set({ eps: values[slider.value] }); });",
            "  const state = window.MULTIPLES_STATE.read();",
            "  if (values.includes(state.get('eps'))) slider.value = values.indexOf(state.get('eps'));",
            "  slider.closest('.controls').hidden = false;",
            "  show();",
            "  // The address as the page opened with it: showing the state never rewrites it.",
            "  document.getElementById('eps-widget').dataset.openedAt = location.hash;",
            "})();",
            "</script>",
        ]
    )


# matplotlib's cycle, as the known answers' figures colour their clusters.
CYCLE_NAMES = ["blue", "orange", "green", "red", "purple"]


def ratios(values) -> str:
    return " : ".join(f"{v / values[0]:.2f}" for v in values)


def known_caption(known, shape, data, perplexity) -> str:
    """What one map of a known set shows, against its data."""
    name = known["name"]
    parts = []
    if shape["mixed"] is not None:
        if shape["mixed"] == 0:
            parts.append("no point has a point of another cluster among its 5 nearest: the clusters are apart")
        else:
            parts.append(
                f"{100 * shape['mixed']:.0f}% of the points have a point of another cluster among their "
                "5 nearest: the clusters break into specks that mingle"
            )
    if name == "sizes":
        parts.append(f"spreads on the map {ratios(shape['spreads'])}, in the data {ratios(data['spreads'])}")
    if name == "gap":
        parts.append(f"gaps between centres on the map {ratios(shape['gaps'])}, in the data {ratios(data['gaps'])}")
    if name == "noise":
        parts.append(
            f"the widest empty gap is {shape['widest_gap']:.1f} times the median step between neighbouring "
            f"points (in the data {data['widest_gap']:.1f})"
        )
    if name == "line":
        breaks = shape["breaks"]
        parts.append(
            f"straightness {shape['straightness']:.2f} (in the data {data['straightness']:.2f}), "
            f"broken in {breaks} place{'' if breaks == 1 else 's'}"
            # At large perplexity the ends bunch up: steps there are far below the median
            # step, so the count reads breaks into an unbroken line (the chapter says so).
            + (" (a count that misleads at this perplexity: the ends bunch up)" if perplexity >= 50 else "")
        )
    return "; ".join(parts)


def known_fragment(folder: Path) -> str:
    """The known answers' widget: a data set and a perplexity, the data beside its map."""
    report_file = folder / "report.json"
    if not report_file.is_file():
        sys.exit(f"error: no {report_file}: run scripts/build-book.sh (it runs --example known-answers)")
    report = json.loads(report_file.read_text())
    sets = report["sets"]
    perplexities = [number(p) for p in report["perplexities"]]
    panels = {}
    rows = []
    for known in sets:
        for m in known["maps"]:
            p = number(m["perplexity"])
            caption = (
                f"Perplexity {p}: {known_caption(known, m['shape'], known['data'], m['perplexity'])}; "
                f"trustworthiness {m['trustworthiness']:.3f}."
            )
            panels[f"{known['name']}/{p}"] = {
                "src": f"generated/{folder.name}/{m['figure']}.svg",
                "caption": caption,
            }
    about = {}
    for known in sets:
        if known["along"] is not None:
            key = "coloured by position along the line, from one end (purple) to the other (yellow)"
        elif len(known["cluster_names"]) == 1:
            key = "one colour: there are no clusters"
        else:
            key = "; ".join(f"{CYCLE_NAMES[c]}: {n}" for c, n in enumerate(known["cluster_names"]))
        about[known["name"]] = f"{known['title']}: {known['known']}. Colours: {key}."
    start_set, start_p = sets[0]["name"], number(30)
    first = panels[f"{start_set}/{start_p}"]
    return "\n".join(
        [
            '<div class="multiples" id="toy-widget">',
            f'<p id="toy-about">{html.escape(about[start_set])}</p>',
            f'<figure><a id="toy-link" href="{first["src"]}"><img id="toy-map" src="{first["src"]}" data-map="points" alt="a point set of known structure beside its t-SNE map"></a>',
            f'<figcaption id="toy-caption">{html.escape(first["caption"])}</figcaption></figure>',
            '<div class="controls" hidden>',
            "".join(
                f'<label><input type="radio" name="toy-set" value="{k["name"]}"{" checked" if k["name"] == start_set else ""}> {html.escape(k["title"])}</label>'
                for k in sets
            ),
            f'<label>Perplexity <input type="range" id="toy-slider" min="0" max="{len(perplexities) - 1}" step="1" value="{perplexities.index(start_p)}"> <output id="toy-value">{start_p}</output></label>',
            "</div>",
            "</div>",
            "<script>",
            "(function () {",
            f"  const perplexities = {json.dumps(perplexities)};",
            f"  const panels = {json.dumps(panels)};",
            f"  const about = {json.dumps(about)};",
            "  const slider = document.getElementById('toy-slider');",
            "  const sets = document.getElementsByName('toy-set');",
            "  function chosen() { for (const s of sets) if (s.checked) return s.value; return sets[0].value; }",
            "  function show() {",
            "    const p = perplexities[slider.value];",
            "    const panel = panels[chosen() + '/' + p];",
            "    document.getElementById('toy-value').textContent = p;",
            "    document.getElementById('toy-map').src = panel.src;",
            "    document.getElementById('toy-link').href = panel.src;",
            "    document.getElementById('toy-caption').textContent = panel.caption;",
            "    document.getElementById('toy-about').textContent = about[chosen()];",
            "  }",
            "  function moved() { show(); window.MULTIPLES_STATE.set({ toy: chosen(), 'toy-perplexity': perplexities[slider.value] }); }",
            "  slider.addEventListener('input', moved);",
            "  for (const s of sets) s.addEventListener('change', moved);",
            "  const state = window.MULTIPLES_STATE.read();",
            "  if (perplexities.includes(state.get('toy-perplexity'))) slider.value = perplexities.indexOf(state.get('toy-perplexity'));",
            "  for (const s of sets) if (s.value === state.get('toy')) s.checked = true;",
            "  slider.closest('.controls').hidden = false;",
            "  show();",
            "  // The address as the page opened with it: showing the state never rewrites it.",
            "  document.getElementById('toy-widget').dataset.openedAt = location.hash;",
            "})();",
            "</script>",
        ]
    )


# The widgets' shared state: the page address's #key=value&… part, read on load and
# rewritten (without scrolling or a history entry) when the reader moves a control, never
# while the page opens: the address a reader opened stays as it was.
STATE = "\n".join(
    [
        "<script>",
        "window.MULTIPLES_STATE = {",
        "  read() { return new URLSearchParams(location.hash.slice(1)); },",
        "  set(values) {",
        "    const state = this.read();",
        "    for (const [key, value] of Object.entries(values)) state.set(key, value);",
        "    history.replaceState(null, '', '#' + state.toString());",
        "  },",
        "};",
        "</script>",
    ]
)

STYLE = (
    "<style>.multiples figure { margin: 0; } .multiples img { max-width: 100%; height: auto; } "
    ".multiples .controls { margin: 0.5em 0 1em; display: flex; flex-wrap: wrap; gap: 0.3em 1em; } "
    ".multiples input[type=range] { width: 12em; max-width: 100%; vertical-align: middle; } "
    ".small-multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 1.2em 6px; } "
    ".small-multiples figure { margin: 0; } .small-multiples img { width: 100%; height: auto; display: block; } "
    ".small-multiples figcaption { font-size: 0.8em; font-weight: bold; text-align: center; }</style>"
)


def answers(folder: Path) -> dict[str, str]:
    """The exercises' numbers, read off the same runs, as answers.md's parts (anchor: text):
    clusters at the smallest and the largest perplexity (both seeds), and clusters and
    noise at two eps values."""
    maps = runs(folder, r"perplexity-([0-9.]+)-seed-([0-9]+)")
    perplexities = sorted({k[0] for k, _, _ in maps})

    def across(report) -> float:
        """The map's width or height, the larger: how far apart its points can be."""
        points = report["tsne"]["points"]
        return max(max(p[a] for p in points) - min(p[a] for p in points) for a in (0, 1))

    def at(p: float) -> str:
        found = [(int(k[1]), clusters(r), across(r)) for k, r, _ in maps if k[0] == p]
        return f"perplexity {number(p)}: " + " and ".join(
            f"{c} cluster{'' if c == 1 else 's'} (seed {s}, the map {w:.0f} units across)"
            for s, c, w in found
        )

    eps_runs = runs(folder, r"eps-([0-9.]+)")
    by_eps = {k[0]: r for k, r, _ in eps_runs}

    def eps(e: float) -> str:
        r = by_eps[e]
        return f"eps {number(e)}: {clusters(r)} clusters, {noise(r)} of {len(r['tokens'])} tokens noise"

    return {
        "perplexity_ends": f"In this build's runs, {at(perplexities[0])}; {at(perplexities[-1])}.",
        "eps_3_15": f"In this build's runs, {eps(3.0)}; {eps(15.0)}.",
    }


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: lesson05-multiples.py FOLDER KNOWN (the runs and the known answers scripts/build-book.sh made)")
    folder, known = Path(sys.argv[1]), Path(sys.argv[2])
    # The known answers come first in the chapter: the style and the state go with them.
    (known / "known.md").write_text(STYLE + "\n" + STATE + "\n" + known_fragment(known) + "\n")
    (folder / "perplexity.md").write_text(perplexity_fragment(folder) + "\n")
    (folder / "eps.md").write_text(eps_fragment(folder) + "\n")
    write_parts(folder / "answers.md", answers(folder), end="\n")


if __name__ == "__main__":
    main()
