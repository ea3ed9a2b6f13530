"""How long the interactive map takes to write and to open, at a whole vocabulary.

    python3 bench/map_page.py                 # the GPT stand-in's 49,135 text tokens
    python3 bench/map_page.py --repeats 5

Builds lesson 5 as `cargo run` does (the dev profile), maps every text token of the GPT
stand-in (SmolLM2-135M, `--method fft`), then opens the map in headless Chromium
`--repeats` times from file:// with a deep link and reads, from the rendered DOM, how many
milliseconds after navigation the page had drawn its first frame with the token selected
(`performance.now()` at that point, recorded by the page in #status), and how long one
more frame took to draw. Writes bench/map-page.md.
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
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tokens", default="first:49135", help="lesson 5's --tokens")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise SystemExit("needs Chromium: apt-get install chromium")
    subprocess.run(["cargo", "build", "--quiet", "-p", "lesson05"], cwd=ROOT, check=True)
    start = time.perf_counter()
    subprocess.run([TARGET / "debug" / "lesson05", "--standin", "--tokens", args.tokens, "--method", "fft",
                    "--eps", "1", "--out", OUT], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    lesson_s = time.perf_counter() - start
    page = json.loads((OUT / "report.json").read_text())["explorer"]
    ready, frames, walls = [], [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,800",
                              "--dump-dom", f"file://{OUT / 'map.html'}#token=%C4%A0ring"],
                             check=True, capture_output=True, text=True).stdout
        walls.append(time.perf_counter() - start)
        status = re.search(r'<div id="status"[^>]*>', dom).group(0)
        assert 'data-errors=""' in status, status
        ready.append(int(re.search(r'data-ready-ms="(\d+)"', status).group(1)))
        frames.append(float(re.search(r'data-frame-ms="([\d.]+)"', status).group(1)))
        points = int(re.search(r'data-points="(\d+)"', status).group(1))
    version = subprocess.run([browser, "--version"], capture_output=True, text=True).stdout.strip()
    report = "\n".join([
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, {version}, headless, "
        f"median of {args.repeats} page loads (`python3 bench/map_page.py`).",
        "",
        "| | |",
        "|---|---|",
        f"| points on the map | {points:,} (`--tokens {args.tokens}`, GPT stand-in) |",
        f"| neighbours per token | {page['neighbours']} |",
        f"| map-data.js | {page['data_bytes'] / 1e6:.1f} MB |",
        f"| writing map.html and its data | {page['seconds']:.2f} s of the lesson's {lesson_s:.0f} s (dev profile) |",
        f"| page ready (first frame drawn, token selected) | {statistics.median(ready)} ms after navigation "
        f"(range {min(ready)}–{max(ready)}) |",
        f"| one frame redrawn (as each pan or zoom step draws it) | {statistics.median(frames):.1f} ms "
        f"(range {min(frames)}–{max(frames)}) |",
        f"| whole headless Chromium run (start, load, DOM dump, exit) | {statistics.median(walls):.2f} s |",
        "",
    ])
    (ROOT / "bench" / "map-page.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
