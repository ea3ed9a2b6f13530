"""How long lesson 6 takes on the two stand-ins, and how soon its compare.html is ready.

    python3 bench/two_vocabularies.py              # 3 runs of the lesson, 5 page loads
    python3 bench/two_vocabularies.py --runs 1 --repeats 3

Builds lesson 6 as `cargo run` does (the dev profile) and runs it on the offline
stand-ins with its default flags (`--standin`: about seventeen thousand shared tokens,
CKA and RSA with their permutation tests, Procrustes, both t-SNE maps and compare.html),
`--runs` times, recording each run's wall time and peak RSS (wait4). Then opens its
compare.html in headless Chromium `--repeats` times from file:// with a deep link
(`#token=ring`) and reads from the rendered DOM how many milliseconds after navigation
the page had drawn both maps with the token selected, and how long one more frame of both
maps took (`performance.now()`, recorded by the page in #status). The lesson's targets
on a 2-core machine: the whole run within 30 s, the page ready within 2 s. Writes
bench/two-vocabularies.md.
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

from map_page import open_page, rows

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "bench" / "two-vocabularies"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def run_lesson():
    """Wall seconds, CPU seconds (user and system: what the run costs whatever else the
    machine is doing) and peak RSS (MiB) of one default run."""
    start = time.perf_counter()
    process = subprocess.Popen([TARGET / "debug" / "lesson06", "--standin", "--out", OUT], cwd=ROOT,
                               stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("lesson 6 failed; run `cargo run -p lesson06 -- --standin` to see why")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of the lesson")
    parser.add_argument("--repeats", type=int, default=5, help="page loads")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise SystemExit("needs Chromium: apt-get install chromium")
    subprocess.run(["cargo", "build", "--quiet", "-p", "lesson06"], cwd=ROOT, check=True)
    load = os.getloadavg()[0]
    runs = [run_lesson() for _ in range(args.runs)]
    walls, cpu = [w for w, _, _ in runs], [c for _, c, _ in runs]
    report = json.loads((OUT / "report.json").read_text())
    ready, frames, loads, dom = open_page(browser, OUT / "compare.html", "token=ring", args.repeats)
    status = re.search(r'<div id="status"[^>]*>', dom).group(0)
    assert 'data-selected="ring"' in status, status
    points = int(re.search(r'data-points="(\d+)"', status).group(1))

    version = subprocess.run([browser, "--version"], capture_output=True, text=True).stdout.strip()
    text = "\n".join([
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, dev profile (as `cargo run`), "
        f"{version}, headless (`python3 bench/two_vocabularies.py --runs {args.runs} --repeats {args.repeats}`); "
        f"the machine's load average when it started: {load:.1f}"
        + (" (more than its cores: other work shared them, so the wall times are longer than on a quiet "
           "machine; the CPU time is not)." if load > os.cpu_count() else "."),
        "",
        "| measure | value |",
        "|---|---|",
        f"| shared tokens compared, on each map | {report['shared']['tokens']:,} "
        f"(`--standin`: {report['shared']['labels'][0]} and {report['shared']['labels'][1]}) |",
        f"| the whole lesson (target: 30 s) | {statistics.median(walls):.1f} s, median of {args.runs} "
        f"(range {min(walls):.1f}–{max(walls):.1f}); CPU time {statistics.median(cpu):.1f} s; "
        f"peak RSS {statistics.median(r for _, _, r in runs):.0f} MiB |",
        f"| compare-data.js | {report['compare']['data_bytes'] / 1e6:.1f} MB, {points:,} points on each map |",
        *[row.replace("page ready (first frame drawn, token selected)",
                      "page ready (both maps drawn, token selected; target: 2 s)")
          .replace("one frame redrawn", "one frame of both maps redrawn")
          for row in rows("compare.html#token=ring", ready, frames, loads)],
        "",
    ])
    (ROOT / "bench" / "two-vocabularies.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
