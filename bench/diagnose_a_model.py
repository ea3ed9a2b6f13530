"""How long lesson 7 takes on each stand-in (its target: the whole lesson within 60 s on
the GPT stand-in, 49,152 × 576, in the dev build on 2 cores).

    python3 bench/diagnose_a_model.py            # 3 runs on each stand-in
    python3 bench/diagnose_a_model.py --runs 1

Builds lesson 7 as `cargo run` does (the dev profile) and runs it with its default flags
on each stand-in `--runs` times, recording each run's wall time and peak RSS (wait4,
through bench/scale.py's `measured`) and the machine's load around it. Writes
bench/diagnose-a-model.md.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import time

from scale import load, measured

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "out" / "bench" / "diagnose-a-model"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
# The lesson's default model, and the BERT stand-in its chapter shows beside it.
MODELS = [("gpt2", []), ("bert-base-uncased", ["--model", "bert-base-uncased"])]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of the lesson on each stand-in")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--quiet", "-p", "lesson07"], cwd=ROOT, check=True)
    rows = []
    for name, flags in MODELS:
        out = OUT / name
        runs = [measured([TARGET / "debug" / "lesson07", "--standin", *flags, "--out", out], dict(os.environ))
                for _ in range(args.runs)]
        report = json.loads((out / "report.json").read_text())
        facts = report["facts"]
        shape = f"{facts['rows']:,} × {facts['cols']:,}"
        walls = [r["wall_s"] for r in runs]
        rows.append(
            f"| {facts['model']}, {shape} | {statistics.median(walls):.1f} s "
            f"(range {min(walls):.1f}–{max(walls):.1f}) | {statistics.median(r['peak_mib'] for r in runs):.0f} MiB "
            f"| {runs[0]['load_before']:.1f} → {runs[-1]['load_after']:.1f} |")
        print(rows[-1], flush=True)
    text = "\n".join([
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores, dev profile (as `cargo run`), "
        f"`python3 bench/diagnose_a_model.py --runs {args.runs}`: the whole lesson with its default flags "
        f"(every measure beside its nulls); target: 60 s on the GPT stand-in. The load column is the "
        f"1-minute load average before the first run → after the last: above {os.cpu_count()} the machine "
        f"was shared and the times are longer than a quiet machine's.",
        "",
        "| stand-in | whole lesson, median of runs | peak RSS | load |",
        "|---|---|---|---|",
        *rows,
        "",
    ])
    (ROOT / "bench" / "diagnose-a-model.md").write_text(text)
    print(text)
    print(f"load now {load()}")


if __name__ == "__main__":
    main()
