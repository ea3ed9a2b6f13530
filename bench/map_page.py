"""How long the interactive map takes to write and to open, at a whole vocabulary and at
150,000 tokens.

    python3 bench/map_page.py                 # the GPT stand-in's 49,135 text tokens, and 150,000 generated
    python3 bench/map_page.py --repeats 5

Builds lesson 5 and the benchmark's workloads as `cargo run` does (the dev profile). Maps
every text token of the GPT stand-in (SmolLM2-135M, `--method fft`); then writes the map
of a **generated** vocabulary of 150,000 tokens (`workload map-page`: random clustered
points and random neighbour lists, the shape of a current large vocabulary, nothing in
it an embedding; its k is lesson 5's above 65,536 tokens), whose token texts include
markup (`<img … onerror=…>`, `</script>…`). Opens each map in headless Chromium
`--repeats` times from file:// with a deep link (`&metric=cosine`) and reads, from the
rendered DOM, how many milliseconds after navigation the page had drawn its first frame
with the token selected (`performance.now()` at that point, recorded by the page in
#status), and how long one more frame took to draw. On the generated map it links to
the markup tokens and checks that they arrived as text (no element made of them, no
error). Writes bench/map-page.md.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "bench" / "map"
GENERATED = ROOT / "out" / "bench" / "map-generated"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
LARGE_K = 8  # common/src/analysis/token_map.rs: LARGE_MAP_NEIGHBOURS


def open_page(browser, page, fragment, repeats):
    """Median readiness and frame time over `repeats` loads, and the last DOM."""
    ready, frames, walls = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,800",
                              "--dump-dom", f"file://{page}#{fragment}"],
                             check=True, capture_output=True, text=True).stdout
        walls.append(time.perf_counter() - start)
        status = re.search(r'<div id="status"[^>]*>', dom).group(0)
        assert 'data-errors=""' in status and 'data-done="yes"' in status, status
        ready.append(int(re.search(r'data-ready-ms="(\d+)"', status).group(1)))
        frames.append(float(re.search(r'data-frame-ms="([\d.]+)"', status).group(1)))
    return ready, frames, walls, dom


def rows(label, ready, frames, walls):
    return [
        f"| {label}: page ready (first frame drawn, token selected) | {statistics.median(ready)} ms after "
        f"navigation (range {min(ready)}–{max(ready)}) |",
        f"| {label}: one frame redrawn (as each pan or zoom step draws it) | {statistics.median(frames):.1f} ms "
        f"(range {min(frames)}–{max(frames)}) |",
        f"| {label}: whole headless Chromium run (start, load, DOM dump, exit) | {statistics.median(walls):.2f} s |",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tokens", default="first:49135", help="lesson 5's --tokens")
    parser.add_argument("--generated", type=int, default=150_000, help="tokens of the generated map")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise SystemExit("needs Chromium: apt-get install chromium")
    subprocess.run(["cargo", "build", "--quiet", "-p", "lesson05", "-p", "bench"], cwd=ROOT, check=True)
    start = time.perf_counter()
    subprocess.run([TARGET / "debug" / "lesson05", "--standin", "--tokens", args.tokens, "--method", "fft",
                    "--perplexity", "30", "--eps", "1", "--out", OUT], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    lesson_s = time.perf_counter() - start
    page = json.loads((OUT / "report.json").read_text())["explorer"]
    real = open_page(browser, OUT / "map.html", "token=%C4%A0ring&metric=cosine", args.repeats)
    points = int(re.search(r'data-points="(\d+)"', real[3]).group(1))

    written = json.loads(subprocess.run(
        [TARGET / "debug" / "workload", "map-page", "--tokens", str(args.generated), "--k", str(LARGE_K),
         "--out", GENERATED], cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    generated = open_page(browser, GENERATED / "map.html", "id=2&metric=cosine", args.repeats)
    # The markup tokens (ids 0–3): each shown as text by hover, none made into an element.
    for hostile in range(4):
        dom = open_page(browser, GENERATED / "map.html", f"id={hostile}&metric=cosine&selftest", 1)[3]
        status = re.search(r'<div id="status"[^>]*>', dom).group(0)
        assert 'data-hover="&lt;' in status or "data-hover=\"&amp;" in status, status
        assert "<img" not in dom and "<script>window" not in dom and "<b>bold" not in dom, "markup was parsed"

    version = subprocess.run([browser, "--version"], capture_output=True, text=True).stdout.strip()
    report = "\n".join([
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, {version}, headless, "
        f"median of {args.repeats} page loads (`python3 bench/map_page.py`).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| whole vocabulary: points on the map | {points:,} (`--tokens {args.tokens}`, GPT stand-in) |",
        f"| whole vocabulary: neighbours per token | {page['neighbours']} under each of 2 metrics |",
        f"| whole vocabulary: map-data.js | {page['data_bytes'] / 1e6:.1f} MB |",
        f"| whole vocabulary: writing map.html and its data | {page['seconds']:.2f} s of the lesson's "
        f"{lesson_s:.0f} s (dev profile; both metrics' neighbour lists and the regions included) |",
        *rows("whole vocabulary", *real[:3]),
        f"| generated: points on the map | {args.generated:,} (random data of a large vocabulary's size, "
        f"`workload map-page`) |",
        f"| generated: neighbours per token | {LARGE_K} under each of 2 metrics (lesson 5's count above 65,536 "
        f"tokens) |",
        f"| generated: map-data.js | {written['data_bytes'] / 1e6:.1f} MB |",
        *rows("generated", *generated[:3]),
        "| generated: tokens written as markup (`<img … onerror=…>`, `</script>…`, entities) | shown as "
        "text, no element made, no error |",
        "",
    ])
    (ROOT / "bench" / "map-page.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
