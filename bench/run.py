"""The benchmark: each Rust lesson against a Python implementation of its notebook on the
same stand-in data, then the whole-vocabulary workloads (kNN graph, t-SNE, DBSCAN).

    python3 bench/run.py                     # everything, 5 alternating repeats
    python3 bench/run.py --cases lessons     # or knn, tsne (comma-separated)
    python3 bench/run.py --cases knn --knn-models bert-base-uncased
    python3 bench/run.py --repeats 3

The harness installs the pinned Python stack (bench/requirements.txt) into its own
virtual environment, builds the Rust side with `cargo build --release`, runs each pair
once to warm the page cache, then alternates Rust and Python runs (A B A B …) and reports
the median wall time and peak RSS (the process's max resident set, from wait4) of each.
Results go to bench/results.md (shown in the README and the book) and, in full, to
out/bench/results.json.
"""
import argparse
import hashlib
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = ROOT / "out" / "bench"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
VENV = pathlib.Path(os.environ.get("BENCH_VENV", pathlib.Path.home() / ".cache" / "embedding-lessons" / "bench-venv"))


def python_stack():
    """The venv's python, with the pinned requirements installed (once per change)."""
    requirements = BENCH / "requirements.txt"
    stamp = VENV / "requirements.sha256"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    python = VENV / "bin" / "python"
    if not (stamp.exists() and stamp.read_text() == digest):
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(requirements)], check=True)
        stamp.write_text(digest)
    return str(python)


def lessons():
    """Every lesson with a Python side to run against, as (crate, folder): each folder
    under lessons/ with a notebook.py, its crate named lessonNN after the folder's number
    (lesson 7 has none: its Python check is crosscheck.py, which recomputes its report)."""
    return [(f"lesson{d.name[:2]}", d) for d in sorted((ROOT / "lessons").iterdir())
            if (d / "Cargo.toml").exists() and (d / "notebook.py").exists()]


def build(release=True):
    """Builds every lesson and the workload binary (`--release`, or the dev profile that
    `cargo run` uses); returns the folder of the binaries."""
    packages = [crate for crate, _ in lessons()] + ["bench"]
    args = ["cargo", "build", "--quiet", *(["--release"] if release else [])] + [a for p in packages for a in ("-p", p)]
    subprocess.run(args, cwd=ROOT, check=True)
    return TARGET / ("release" if release else "debug")


def cpu_model():
    return next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")


def run_pair(name, rust, python, repeats, env, warm_up=True):
    """Alternates the two commands; returns each side's median wall time and peak RSS, and
    the stdout of its median-time run, so that a stage's own time a command prints comes
    from the run whose wall time the table shows (never longer than it)."""
    results = {"rust": [], "python": []}
    for command in (rust, python) if warm_up else ():
        run_one(command, env)
    for _ in range(repeats):
        for side, command in (("rust", rust), ("python", python)):
            results[side].append(run_one(command, env))
    row = {"case": name, "rust_cmd": " ".join(map(str, rust)), "python_cmd": " ".join(map(str, python))}
    outputs = {}
    for side, runs in results.items():
        by_time = sorted(runs, key=lambda run: run[0])
        # the lower median for an even count: a run that happened, not an average of two
        wall, _, outputs[side] = by_time[(len(by_time) - 1) // 2]
        row[f"{side}_wall_s"] = wall
        row[f"{side}_rss_mib"] = statistics.median(rss for _, rss, _ in runs)
    row["speedup"] = row["python_wall_s"] / row["rust_wall_s"]
    print(f"{name}: rust {row['rust_wall_s']:.2f} s / {row['rust_rss_mib']:.0f} MiB, "
          f"python {row['python_wall_s']:.2f} s / {row['python_rss_mib']:.0f} MiB, "
          f"python/rust {row['speedup']:.1f}x", flush=True)
    return row, outputs


def run_one(command, env):
    """Wall seconds, peak RSS (MiB) and stdout of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stdout = process.stdout.read()
    # wait4 reports this child's own peak RSS (ru_maxrss, KiB on Linux).
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}")
    return wall, usage.ru_maxrss / 1024, stdout.decode(errors="replace")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cases", default="lessons,knn,tsne")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--knn-models", default="bert-base-uncased,gpt2", help="models for the kNN-graph case")
    args = parser.parse_args()
    cases = args.cases.split(",")
    python = python_stack()
    binaries = build()
    OUT.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(BENCH / "python"), TOKENIZERS_PARALLELISM="false")
    rows = []
    if "lessons" in cases:
        for lesson, folder in lessons():
            # A fresh folder: a lesson replaces only an output its own run recorded.
            shutil.rmtree(OUT / "rust" / lesson, ignore_errors=True)
            rust = [binaries / lesson, "--standin", "--seed", str(args.seed), "--out", OUT / "rust" / lesson]
            py = [python, folder / "notebook.py", OUT / "python" / lesson]
            row = run_pair(lesson, rust, py, args.repeats, env)[0]
            row["matrix_mib"] = lesson_matrix_mib(OUT / "rust" / lesson / "report.json", python, env)
            rows.append(row)
    workload = binaries / "workload"
    script = BENCH / "python" / "workload.py"
    if "knn" in cases:
        for model in args.knn_models.split(","):
            graphs = {side: OUT / f"knn-{model}-{side}.u32" for side in ("rust", "numpy", "faiss")}
            rust = [workload, "--model", model, "knn-graph", "--k", "15", "--graph-out", graphs["rust"]]
            # The strongest tool a user would pick, FAISS's exact index, and numpy + OpenBLAS.
            for anchor, what in (("faiss", "faiss-graph"), ("numpy", "knn-graph")):
                py = [python, script, what, model, "15", graphs[anchor]]
                what_it_is = {"faiss": "FAISS IndexFlatL2", "numpy": "numpy + OpenBLAS"}
                name = f"kNN graph k=15, {model}, v {what_it_is[anchor]}"
                row, outputs = run_pair(name, rust, py, args.repeats, env)
                for side in ("rust", "python"):
                    row[f"{side}_graph_s"] = json.loads(outputs[side])["graph_s"]
                compared = subprocess.run([python, script, "compare", model, "15", graphs["rust"], graphs[anchor]],
                                          cwd=ROOT, env=env, check=True, capture_output=True, text=True)
                row["graph_comparison"] = json.loads(compared.stdout)
                row["anchor"] = anchor
                row["stage"], row["against"] = f"kNN graph, {model}", what_it_is[anchor]
                rows.append(row)
    if "tsne" in cases:
        model, perplexity, iterations = "bert-base-uncased", "30", "1000"
        maps = {side: OUT / f"tsne-{side}.f64" for side in ("rust", "python")}
        rust = [workload, "--model", model, "tsne", "--perplexity", perplexity, "--iterations", iterations, "--map-out", maps["rust"]]
        py = [python, script, "tsne", model, perplexity, iterations, maps["python"], str(args.seed)]
        row, outputs = run_pair(f"t-SNE of all tokens, {model}", rust, py, max(1, args.repeats // 2), env, warm_up=False)
        for side in ("rust", "python"):
            result = json.loads(outputs[side])
            row[f"{side}_kl"] = result["kl"]
            quality = subprocess.run([python, script, "quality", model, maps[side], perplexity, str(args.seed)],
                                     cwd=ROOT, env=env, check=True, capture_output=True, text=True)
            quality = json.loads(quality.stdout)
            row[f"{side}_trustworthiness_5000"] = quality["trustworthiness_5000"]
            row[f"{side}_exact_kl"] = quality["exact_kl"]
        # Why openTSNE is given scikit-learn's P rather than computing its own.
        calibration = subprocess.run([python, script, "perplexities", model, perplexity],
                                     cwd=ROOT, env=env, check=True, capture_output=True, text=True)
        row["perplexities"] = json.loads(calibration.stdout)
        row["stage"], row["against"] = f"t-SNE, {model}", "openTSNE"
        rows.append(row)
        for eps, min_samples in (("1.0", "10"),):
            rust = [workload, "dbscan", "--map", maps["rust"], "--eps", eps, "--min-samples", min_samples]
            py = [python, script, "dbscan", maps["rust"], eps, min_samples]
            row, outputs = run_pair(f"DBSCAN of the t-SNE map (eps {eps}, min_samples {min_samples})", rust, py, args.repeats, env)
            for side in ("rust", "python"):
                row[f"{side}_result"] = json.loads(outputs[side])
            row["stage"], row["against"] = "DBSCAN of the t-SNE map", "scikit-learn"
            rows.append(row)
    rows = merged_with_earlier(rows)
    (OUT / "results.json").write_text(json.dumps(rows, indent=1, default=str))
    report = markdown(rows, args)
    # The largest vocabularies' section, written by bench/scale.py, is kept as it is.
    results = BENCH / "results.md"
    earlier = results.read_text() if results.exists() else ""
    scale = earlier[earlier.index("<!-- bench/scale.py -->"):] if "<!-- bench/scale.py -->" in earlier else ""
    results.write_text(report + ("\n" + scale if scale else ""))
    print("\n" + report)


def merged_with_earlier(rows):
    """This run's rows, with the earlier run's rows for cases this run left out (so
    `--cases tsne` updates the t-SNE rows and keeps the lessons'), in the usual order."""
    earlier_path = OUT / "results.json"
    earlier = json.loads(earlier_path.read_text()) if earlier_path.exists() else []
    fresh = {r["case"] for r in rows}
    kept = [r for r in earlier if r["case"] not in fresh]
    groups = ("lesson", "kNN", "t-SNE", "DBSCAN")
    order = lambda r: (next(i for i, g in enumerate(groups + ("",)) if r["case"].startswith(g)), r["case"])
    return sorted(kept + rows, key=order)


def markdown(rows, args):
    """The results as the README and the book show them."""
    cpu = cpu_model()
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu}), {rustc}, "
        f"Python {sys.version.split()[0]}; median of {args.repeats} alternating runs "
        f"(whole-vocabulary t-SNE: {max(1, args.repeats // 2)}, no warm-up), after one warm-up run each; "
        f"rows of cases a run leaves out (`--cases`) are those of the previous run.",
        "",
        "| lesson | Rust | Python | Python ÷ Rust | Rust peak RSS | Python peak RSS | Rust RSS ÷ f32 matrices |",
        "|---|---|---|---|---|---|---|",
    ]
    lessons_rows = [r for r in rows if "matrix_mib" in r]
    stage_rows = [r for r in rows if "stage" in r]
    for r in lessons_rows:
        lines.append(f"| {r['case']} | {r['rust_wall_s']:.2f} s | {r['python_wall_s']:.2f} s | {r['speedup']:.1f}× "
                     f"| {r['rust_rss_mib']:.0f} MiB | {r['python_rss_mib']:.0f} MiB "
                     f"| {r['rust_rss_mib'] / r['matrix_mib']:.2f}× of {r['matrix_mib']:.0f} MiB |")
    if stage_rows:
        lines += [
            "",
            "The whole-vocabulary stages, each against the tool a user would pick instead: the exact kNN graph "
            "(k = 15), t-SNE (perplexity 30, 1,000 iterations) and DBSCAN (eps 1.0, min_samples 10, on the Rust "
            "t-SNE map):",
            "",
            "| stage, model | against | Rust | it | it ÷ Rust | Rust peak RSS | its peak RSS |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in stage_rows:
            lines.append(f"| {r['stage']} | {r['against']} | {r['rust_wall_s']:.2f} s | {r['python_wall_s']:.2f} s "
                         f"| {r['speedup']:.1f}× | {r['rust_rss_mib']:.0f} MiB | {r['python_rss_mib']:.0f} MiB |")
    notes = []
    for r in rows:
        if "graph_comparison" in r:
            c = r["graph_comparison"]
            anchor = "FAISS" if r.get("anchor") == "faiss" else "numpy"
            notes.append(f"- {r['stage']}, against {r['against']}: the graph stage alone took {r['rust_graph_s']:.2f} s (Rust) and "
                         f"{r['python_graph_s']:.2f} s ({anchor}) in the runs the table shows, Rust in {r['rust_graph_s'] / r['python_graph_s']:.2f}× "
                         f"{anchor}'s time; {100 * c['same'] / c['rows']:.2f}% of neighbour lists are the same set in both, "
                         f"{c['ties']} differ only among tokens tied with the k-th nearest at float32 precision "
                         f"(exact distances within 1e-4 relative), {c['other']} otherwise.")
        if "rust_kl" in r:
            notes.append(f"- {r['stage']}, against {r['against']}: both optimise scikit-learn's P (perplexity 30, each token's 91 exact "
                         f"nearest neighbours); final KL as each reports it {r['rust_kl']:.4f} (Rust) and "
                         f"{r['python_kl']:.4f} (openTSNE), {100 * (r['rust_kl'] / r['python_kl'] - 1):+.1f}%; "
                         f"KL of each map with Q summed exactly over all pairs {r['rust_exact_kl']:.4f} and "
                         f"{r['python_exact_kl']:.4f}, {100 * (r['rust_exact_kl'] / r['python_exact_kl'] - 1):+.1f}%; "
                         f"trustworthiness (k = 5, 5,000-token sample) {r['rust_trustworthiness_5000']:.4f} and "
                         f"{r['python_trustworthiness_5000']:.4f}.")
        if "perplexities" in r:
            o, s = r["perplexities"]["openTSNE"], r["perplexities"]["scikit-learn"]
            notes.append(f"- openTSNE's own affinities (`PerplexityBasedNN`) were not used: on the same neighbours its "
                         f"calibration leaves {o['tokens_off_by_over_1pct']} tokens more than 1% off perplexity 30 "
                         f"(up to {o['max_perplexity']:.1f}); scikit-learn's, {s['tokens_off_by_over_1pct']} "
                         f"(up to {s['max_perplexity']:.2f}).")
        if "rust_result" in r:
            notes.append(f"- {r['stage']}, against {r['against']}: Rust {r['rust_result']['clusters']} clusters, {r['rust_result']['noise']} noise points; "
                         f"scikit-learn {r['python_result']['clusters']} clusters, {r['python_result']['noise']} noise points "
                         f"(stage times {r['rust_result']['dbscan_s']:.3f} s and {r['python_result']['dbscan_s']:.3f} s).")
    return "\n".join(lines + [""] + notes) + "\n"


def lesson_matrix_mib(report, python, env):
    """MiB of the embedding matrices of the models a lesson's report lists, in f32 as the
    lesson holds them (safetensors header offsets, or the GGUF tensor table read by the
    `gguf` package in the harness's environment: a GGUF's Q8_0 matrix is dequantised)."""
    sys.path.insert(0, str(BENCH / "python"))
    import standins  # the Python side's own map of the stand-in files

    names = {v: k for k, v in standins.STANDINS.items()}
    models = [m["name"].removeprefix("standin/") for m in json.loads(pathlib.Path(report).read_text())["models"]]
    sizes = subprocess.run([python, "-c", "import sys, standins; print(*map(standins.embedding_bytes, sys.argv[1:]))",
                            *(names.get(m, m) for m in models)], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return sum(map(int, sizes.stdout.split())) / 2**20


if __name__ == "__main__":
    main()
