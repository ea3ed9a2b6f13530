"""Is `cargo run` as fast as `--release`? Times each lesson and whole-vocabulary workload of
bench/run.py with the dev build (the profile `cargo run` and `cargo test` use, which
optimises only the crates the numerics run in) against a reference build, alternating
the two (A B A B …) after one warm-up run each, and writes the medians to
bench/dev-profile.md (shown in the book's Performance chapter).

    python3 bench/dev_profile.py                       # reference: `cargo build --release`
    python3 bench/dev_profile.py --reference DIR       # reference: the binaries in DIR
    python3 bench/dev_profile.py --cases lessons       # or knn, tsne (comma-separated)

The t-SNE maps of both builds are compared byte for byte: the profile may change speed,
never results.
"""
import argparse
import filecmp
import os
import pathlib
import statistics
import subprocess
import sys
import time

from run import ROOT, build, cpu_model, lessons  # the benchmark's lesson list and build

OUT = ROOT / "out" / "bench" / "dev-profile"


def wall(command):
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=dict(os.environ, HF_HUB_OFFLINE="1"),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode:
        sys.exit(f"failed: {' '.join(map(str, command))}\n{done.stderr.decode(errors='replace')[-2000:]}")
    return time.perf_counter() - start


def cases(wanted, seed):
    """(name, command as a function of a binaries folder and a tag, repeats)."""
    if "lessons" in wanted:
        for lesson, _ in lessons():
            yield lesson, lambda b, tag, l=lesson: [b / l, "--standin", "--seed", str(seed), "--out", OUT / tag / l], 5
    if "knn" in wanted:
        for model in ("bert-base-uncased", "gpt2"):
            yield (f"kNN graph k=15, {model}",
                   lambda b, tag, m=model: [b / "workload", "--model", m, "knn-graph", "--k", "15",
                                            "--graph-out", OUT / tag / f"knn-{m}.u32"], 3)
    if "tsne" in wanted:
        yield ("t-SNE of all tokens, bert-base-uncased",
               lambda b, tag: [b / "workload", "--model", "bert-base-uncased", "tsne", "--perplexity", "30",
                               "--iterations", "1000", "--map-out", OUT / tag / "tsne.f64"], 2)
        yield ("DBSCAN of the t-SNE map (eps 1.0, min_samples 10)",
               lambda b, tag: [b / "workload", "dbscan", "--map", OUT / "reference" / "tsne.f64",
                               "--eps", "1.0", "--min-samples", "10"], 5)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=pathlib.Path, help="folder of reference binaries (default: build --release)")
    parser.add_argument("--dev", type=pathlib.Path, help="folder of dev binaries (default: build them)")
    parser.add_argument("--cases", default="lessons,knn,tsne")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    builds = {"reference": args.reference or build(release=True), "dev": args.dev or build(release=False)}
    rows = []
    for name, command, repeats in cases(args.cases.split(","), args.seed):
        for tag, binaries in builds.items():
            (OUT / tag).mkdir(parents=True, exist_ok=True)
            wall(command(binaries, tag))  # warm-up: page cache, stand-ins laid out
        times = {tag: [] for tag in builds}
        for _ in range(repeats):
            for tag, binaries in builds.items():
                times[tag].append(wall(command(binaries, tag)))
        medians = {tag: statistics.median(t) for tag, t in times.items()}
        rows.append((name, repeats, medians["reference"], medians["dev"]))
        print(f"{name}: reference {medians['reference']:.3f} s, dev {medians['dev']:.3f} s, "
              f"dev ÷ reference {medians['dev'] / medians['reference']:.2f}", flush=True)
    maps = [OUT / tag / "tsne.f64" for tag in builds]
    same_map = all(m.exists() for m in maps) and filecmp.cmp(*maps, shallow=False)
    cpu = cpu_model()
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu}); reference: "
             f"{'the binaries in ' + str(args.reference) if args.reference else '`cargo build --release`'}.", "",
             "| case | runs | reference | dev build | dev ÷ reference |", "|---|---|---|---|---|"]
    lines += [f"| {n} | {r} | {a:.2f} s | {b:.2f} s | {b / a:.2f} |" for n, r, a, b in rows]
    if "tsne" in args.cases:
        lines += ["", f"The two t-SNE maps are {'identical, byte for byte' if same_map else 'NOT identical'}."]
    (ROOT / "bench" / "dev-profile.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
