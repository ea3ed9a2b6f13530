"""The largest vocabularies on one machine: generated models of today's largest shapes
(Gemma 2 2B's 256,000 × 2,304 and Llama 3 8B's 128,256 × 4,096, GGUF Q8_0, byte-level
BPE: `workload generate`, bench/src/generate.rs), and every lesson run end to end on
them, with the stages of the whole-vocabulary map timed on their own and on smaller
vocabularies of the same width, for how each grows.

    python3 bench/scale.py                                   # everything: hours on 2 cores
    python3 bench/scale.py --sizes 32000,64000 --stages knn,tsne
    python3 bench/scale.py --sizes "" --stages knn,lessons --lessons lesson02   # the large models alone
    nice -n 10 python3 bench/scale.py --data /big/disk/scale-data

Builds the lessons and the workloads as `cargo run` does (the dev profile); generates the
models into --data (about 0.6 GB each at full size, kept for later runs; the kept
neighbour graphs go to --data/cache); then for each model, smallest first:

- knn: the exact k = 16 neighbour graph of every token under both metrics, from one
  pass of matrix products (`workload knn-graph --keep`), kept for every later stage;
  numpy's float32 matmul (OpenBLAS sgemm) is timed just before and just after, in the
  same process tree, and the graph's rate (n²·d flops: each pair of rows once, 2 flops a
  multiply-add) is given as a fraction of it;
- tsne: t-SNE of every token with FFT-interpolated forces, perplexity 5 (16 neighbours,
  read back from the kept graph, or searched within the stage below 65,536 tokens),
  1,000 iterations (`workload tsne`), timed up to the descent and the descent alone; then
  DBSCAN of the map (eps 1, min_samples 10);
- lessons: every lesson end to end, each on the model alone (lessons 1–3 with it as both
  models: it is loaded once), lesson 2 with `--graph`, lesson 5 mapping every text token
  (`--tokens first:N --method fft --eps 1 --min-samples 10`); and lessons 1–3 on the two
  large models together;
- standins (first, once): every lesson with its defaults on the offline stand-ins;
- page: lesson 5's map.html of the whole vocabulary opened in headless Chromium
  (bench/map_page.py's measure: first frame drawn with a token selected, one more frame).

Every run's wall time and peak resident memory (wait4's ru_maxrss) is recorded with the
load average before and after it (the machine may be shared), and each lesson's memory
estimate (report.json's `memory`, made before its matrices were read) against its
measured peak. Results: bench/scale.json, every row with the date and machine it was
measured on (a run replaces the rows it measures again and keeps the others), and from it
bench/scale.md (also in bench/results.md) and book/src/scaling.svg.
"""
import argparse
import hashlib
import json
import math
import os
import pathlib
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = ROOT / "out" / "bench"
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
VENV = pathlib.Path(os.environ.get("SCALE_VENV", pathlib.Path.home() / ".cache" / "embedding-lessons" / "scale-venv"))
REQUIREMENTS = BENCH / "scale-requirements.txt"

WIDTH = 2304  # Gemma 2 2B's; the series of vocabulary sizes shares it
HEADLINE = [(256_000, 2304, 1), (128_256, 4096, 2)]
SPECIAL_TOKENS = 4  # bench/src/generate.rs: <pad>, <eos>, <bos>, <unk>
NEIGHBOURS = 16  # lesson 5's t-SNE at perplexity 5: ⌊3·5 + 1⌋
ITERATIONS = 1000  # t-SNE's
KEPT_FROM_ROWS = 1 << 16  # common's neighbours::CACHED_FROM_ROWS: graphs of fewer rows are not kept
RESULTS = BENCH / "scale.json"
ESTIMATE_TOLERANCE = 0.25
# A run's peak RSS ÷ the f32 bytes of its matrices, at most (bench/tests/scale.rs holds
# every lesson on a small generated model to it).
BOUND = 1.5


def in_venv():
    """Re-runs this script with the venv's python (numpy, matplotlib), made once."""
    python = VENV / "bin" / "python"
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    stamp = VENV / "requirements.sha256"
    if not (stamp.exists() and stamp.read_text() == digest):
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)
        stamp.write_text(digest)
    if pathlib.Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def load():
    return round(os.getloadavg()[0], 2)


def run(command, env):
    """Runs `command` to its end; its stdout."""
    done = subprocess.run([str(c) for c in command], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(map(str, command))}\n{done.stderr[-2000:]}")
    return done.stdout


def measured(command, env):
    """`run`, with the child's own peak RSS from wait4."""
    before = load()
    start = time.perf_counter()
    process = subprocess.Popen([str(c) for c in command], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, command))}")
    return {"wall_s": wall, "peak_mib": usage.ru_maxrss / 1024, "load_before": before, "load_after": load(),
            "stdout": stdout.decode(errors="replace")}


def sgemm_gflops(width, repeats=5):
    """numpy's float32 matmul of 4096 × width by width × 4096 (OpenBLAS sgemm, every
    core): the median rate of `repeats`, after one warm-up."""
    import numpy as np
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4096, width), dtype=np.float32)
    b = rng.standard_normal((4096, width), dtype=np.float32)
    a @ b.T
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b.T
        times.append(time.perf_counter() - start)
    return 2 * 4096 * 4096 * width / sorted(times)[repeats // 2] / 1e9


def model_dir(data, rows, cols, seed):
    return data / f"v{rows}x{cols}-seed{seed}"


def generate(data, rows, cols, seed, env):
    folder = model_dir(data, rows, cols, seed)
    if not (folder / "model-Q8_0.gguf").exists():
        print(f"generating {rows} x {cols} …", flush=True)
        run([TARGET / "debug" / "workload", "generate", "--rows", rows, "--cols", cols, "--seed", seed,
             "--out", folder], env)
    return folder


def fresh(out):
    """A fresh output folder: a lesson replaces only an output its own run recorded."""
    shutil.rmtree(out, ignore_errors=True)


def lesson_row(name, model_label, result, out):
    report = json.loads((out / "report.json").read_text())
    memory = report["memory"]
    peak = result["peak_mib"] * 2**20
    return {"case": name, "model": model_label, "wall_s": result["wall_s"], "peak_mib": result["peak_mib"],
            "matrices_mib": memory["matrices"] / 2**20, "ratio": peak / memory["matrices"],
            "estimate_mib": memory["peak"] / 2**20, "estimate_ratio": memory["peak"] / peak,
            "load_before": result["load_before"], "load_after": result["load_after"]}


def main():
    in_venv()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=pathlib.Path,
                        default=pathlib.Path(os.environ.get("SCALE_DATA", OUT / "scale-data")))
    parser.add_argument("--sizes", default="32000,64000,128000,256000",
                        help=f"vocabulary sizes of the series, each {WIDTH} wide (256000 is also the headline model)")
    parser.add_argument("--headline", action=argparse.BooleanOptionalAction, default=True,
                        help="also the 128,256 × 4,096 model, and lessons 1-3 on both large models together")
    parser.add_argument("--stages", default="standins,knn,tsne,lessons,page")
    parser.add_argument("--lessons", default="lesson01,lesson02,lesson03,lesson04,lesson05",
                        help="the lessons the standins and lessons stages run")
    parser.add_argument("--keep-graphs", action="store_true",
                        help="keep graphs from an earlier run (their stage then times reading them)")
    args = parser.parse_args()
    stages = args.stages.split(",")
    chosen = args.lessons.split(",")
    args.data.mkdir(parents=True, exist_ok=True)
    cache = args.data / "cache"
    if "knn" in stages and not args.keep_graphs:
        shutil.rmtree(cache, ignore_errors=True)
    # the lessons that need a large model's graph read the one its kNN graph stage kept
    kept = "knn" in stages or args.keep_graphs
    env = dict(os.environ, HF_HUB_OFFLINE="1", EMBEDDING_CACHE_DIR=str(cache))
    subprocess.run(["cargo", "build", "--quiet", *[a for p in ["lesson01", "lesson02", "lesson03", "lesson04",
                    "lesson05", "bench"] for a in ("-p", p)]], cwd=ROOT, check=True)
    binaries = TARGET / "debug"
    workload = binaries / "workload"
    rows = Rows()

    if "standins" in stages:
        # The course's own runs first: every lesson with its defaults on the stand-ins.
        for lesson in chosen:
            out = args.data / "runs" / "standins" / lesson
            fresh(out)
            result = measured([binaries / lesson, "--standin", "--out", out], env)
            rows.append(lesson_row(lesson, "stand-ins", result, out))
            print(f"  {lesson} on the stand-ins {rows[-1]['peak_mib']:.0f} MiB "
                  f"({rows[-1]['ratio']:.2f}× the matrices)", flush=True)

    models = [(int(n), WIDTH, 1) for n in args.sizes.split(",") if n]
    if args.headline:
        models += [m for m in HEADLINE if m not in models]
    models.sort(key=lambda m: m[0] * m[1])
    for rows_, cols, seed in models:
        folder = generate(args.data, rows_, cols, seed, env)
        label = f"{rows_:,} × {cols:,}"
        m = str(folder)
        runs = args.data / "runs" / folder.name
        runs.mkdir(parents=True, exist_ok=True)
        print(f"== {label}", flush=True)
        if "knn" in stages:
            before = sgemm_gflops(cols)
            result = measured([workload, "--model", m, "knn-graph", "--k", NEIGHBOURS, "--keep"], env)
            after = sgemm_gflops(cols)
            graph_s = json.loads(result["stdout"])["graph_s"]
            rate = rows_ * rows_ * cols / graph_s / 1e9
            rows.append({"case": "kNN graph", "model": label, "n": rows_, "d": cols, "wall_s": result["wall_s"],
                         "stage_s": graph_s, "peak_mib": result["peak_mib"], "gflops": rate,
                         "sgemm_before": before, "sgemm_after": after, "sgemm_ratio": rate / ((before + after) / 2),
                         "load_before": result["load_before"], "load_after": result["load_after"]})
            print(f"  kNN graph {graph_s:.1f} s, {rate:.0f} GFLOP/s; numpy sgemm {before:.0f} / {after:.0f}", flush=True)
        if "tsne" in stages:
            map_file = runs / "tsne.f64"
            result = measured([workload, "--model", m, "tsne", "--perplexity", "5", "--iterations", ITERATIONS,
                               "--map-out", map_file], env)
            out = json.loads(result["stdout"])
            rows.append({"case": "t-SNE", "model": label, "n": rows_, "d": cols, "wall_s": result["wall_s"],
                         "stage_s": out["tsne_s"], "neighbours_s": out["neighbours_s"], "kl": out["kl"],
                         "before_descent_s": out["before_descent_s"], "descent_s": out["descent_s"],
                         "peak_mib": result["peak_mib"], "load_before": result["load_before"],
                         "load_after": result["load_after"]})
            result = measured([workload, "dbscan", "--map", map_file, "--eps", "1", "--min-samples", "10"], env)
            out = json.loads(result["stdout"])
            rows.append({"case": "DBSCAN", "model": label, "n": rows_, "d": cols, "wall_s": result["wall_s"],
                         "stage_s": out["dbscan_s"], "clusters": out["clusters"], "noise": out["noise"],
                         "peak_mib": result["peak_mib"], "load_before": result["load_before"],
                         "load_after": result["load_after"]})
            print(f"  t-SNE {rows[-2]['stage_s']:.1f} s (the descent {rows[-2]['descent_s']:.1f} s), "
                  f"DBSCAN {out['clusters']} clusters", flush=True)
        if "lessons" in stages:
            pair = ["--bert", m, "--gpt", m]
            lessons = [
                ("lesson01", pair),
                ("lesson02", pair + ["--graph"]),
                ("lesson03", pair + ["--models", f"{m},{m}"]),
                ("lesson04", ["--model", m]),
                ("lesson05", ["--model", m, "--tokens", f"first:{rows_ - SPECIAL_TOKENS}", "--method", "fft",
                              "--eps", "1", "--min-samples", "10"]),
            ]
            for lesson, flags in [(lesson, flags) for lesson, flags in lessons if lesson in chosen]:
                out = runs / lesson
                fresh(out)
                result = measured([binaries / lesson, *flags, "--out", out], env)
                row = lesson_row(lesson, label, result, out)
                row.update(n=rows_, d=cols)
                if lesson == "lesson02" and rows_ >= KEPT_FROM_ROWS and kept:
                    # the kNN graph stage's graph, kept: not in its time (lesson 5 maps the
                    # text tokens, another matrix, whose graph it searches and keeps itself)
                    row["graph_read_back"] = True
                if lesson == "lesson05":
                    row["map_seconds"] = json.loads((out / "report.json").read_text())["explorer"]["seconds"]
                rows.append(row)
                print(f"  {lesson} {row['wall_s']:.1f} s, {row['peak_mib']:.0f} MiB ({row['ratio']:.2f}× the matrix)",
                      flush=True)
        if "page" in stages and (runs / "lesson05" / "map.html").exists():
            sys.path.insert(0, str(BENCH))
            from map_page import open_page
            browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
            if browser:
                ready, frames, walls, _ = open_page(browser, runs / "lesson05" / "map.html", "id=500&metric=cosine", 3)
                data = (runs / "lesson05" / "map-data.js").stat().st_size
                rows.append({"case": "map page", "model": label, "n": rows_, "d": cols,
                             "ready_ms": sorted(ready)[1], "frame_ms": sorted(frames)[1], "data_mb": data / 1e6,
                             "load_before": load(), "load_after": load()})
                print(f"  map page ready {sorted(ready)[1]} ms, frame {sorted(frames)[1]} ms", flush=True)
    if args.headline and "lessons" in stages:
        big, wide = (model_dir(args.data, *HEADLINE[0]), model_dir(args.data, *HEADLINE[1]))
        label = "both large models"
        runs = args.data / "runs" / "both"
        for lesson, flags in [("lesson01", []), ("lesson02", ["--graph"]),
                              ("lesson03", ["--models", f"{big},{wide}"])]:
            if lesson not in chosen:
                continue
            out = runs / lesson
            fresh(out)
            result = measured([binaries / lesson, "--bert", big, "--gpt", wide, *flags, "--out", out], env)
            rows.append(lesson_row(lesson, label, result, out))
            print(f"  {lesson} on both {rows[-1]['wall_s']:.1f} s, {rows[-1]['peak_mib']:.0f} MiB", flush=True)

    rows = rows.merged()
    report = markdown(rows)
    (BENCH / "scale.md").write_text(report)
    plot(rows, ROOT / "book" / "src" / "scaling.svg")
    include_in_results(report)
    print("\n" + report)


class Rows(list):
    """This run's rows, each stamped with the day and the machine; after each one,
    bench/scale.json holds them with the earlier runs' rows for the (case, model) pairs
    not measured again, so a run stopped midway keeps what it measured."""

    def __init__(self):
        super().__init__()
        self.earlier = json.loads(RESULTS.read_text()) if RESULTS.exists() else []

    def append(self, row):
        row.update(date=time.strftime("%Y-%m-%d"), cpu=cpu(), cores=os.cpu_count())
        super().append(row)
        RESULTS.write_text(json.dumps(self.merged(), indent=1, ensure_ascii=False) + "\n")

    def merged(self):
        fresh = {(r["case"], r["model"]) for r in self}
        return [r for r in self.earlier if (r["case"], r["model"]) not in fresh] + list(self)


def cpu():
    return next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")


def seconds(s):
    """A duration as the tables show it: milliseconds under a second (DBSCAN takes tens)."""
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.1f} s"


def markdown(rows):
    """The tables as bench/results.md and the book show them: each row marked with the run
    (day and machine) that measured it."""
    runs = sorted({(r["date"], r["cpu"], r["cores"]) for r in rows})
    mark = {run: chr(ord("A") + i) for i, run in enumerate(runs)}

    def lo(r):
        # no spaces around the arrow: a narrow cell breaks only before the run's letter
        return f"{r['load_before']:.1f}→{r['load_after']:.1f} ({mark[(r['date'], r['cpu'], r['cores'])]})"
    lines = [
        "Dev profile (`cargo run`'s), `python3 bench/scale.py`: generated GGUF Q8_0 models "
        "(`bench/src/generate.rs`). The last column is the 1-minute load average before → after each run, "
        "and the run that measured it:",
        "",
        *[f"- {mark[run]}: {run[0]}, {run[2]} cores ({run[1]})" for run in runs],
        "",
        "A load above the cores means the machine was shared, and the time is longer than a quiet "
        "machine's (memory is not affected). Times compare within one run.",
        "",
        "Each lesson, one whole run from start to exit:",
        "",
        "| lesson | model (f32 matrices) | time | peak RSS (÷\u00a0matrices) | estimate (÷\u00a0peak) | load (run) |",
        "|---|---|---|---|---|---|",
    ]
    lesson_rows = sorted((r for r in rows if r["case"].startswith("lesson")),
                         key=lambda r: (r["case"], r.get("n", 0 if r["model"] == "stand-ins" else 10**9), r["model"]))
    for r in lesson_rows:
        flag = "" if abs(r["estimate_ratio"] - 1) <= ESTIMATE_TOLERANCE else " ✗"
        kept = " (kept graph)" if r.get("graph_read_back") else ""
        lines.append(f"| {r['case']}{kept} | {r['model']} ({r['matrices_mib']:,.0f} MiB) | {seconds(r['wall_s'])} "
                     f"| {r['peak_mib']:,.0f} MiB ({r['ratio']:.2f}×) "
                     f"| {r['estimate_mib']:,.0f} MiB ({r['estimate_ratio']:.2f}{flag}) | {lo(r)} |")
    lines += ["", "Each stage on its own, timed by the program inside its run (the map page: in headless Chromium):",
              "", "| stage | model | time | peak RSS | result | load (run) |", "|---|---|---|---|---|---|"]
    for r in sorted((r for r in rows if not r["case"].startswith("lesson")), key=lambda r: (r["case"], r["n"])):
        if r["case"] == "kNN graph":
            note = (f"{r['gflops']:.0f} GFLOP/s = {r['sgemm_ratio']:.2f}× numpy's sgemm "
                    f"({r['sgemm_before']:.0f} before, {r['sgemm_after']:.0f} after)")
        elif r["case"] == "t-SNE":
            note = (f"KL {r['kl']:.3f}; {seconds(r['before_descent_s'])} before the descent, "
                    + (f"its neighbours read back from the kNN graph stage in {seconds(r['neighbours_s'])}"
                       if r.get("neighbours_s") is not None
                       else "its own neighbours among it (a graph this small is not kept)")
                    + f", then the descent's {ITERATIONS:,} iterations {seconds(r['descent_s'])}")
        elif r["case"] == "DBSCAN":
            note = f"{r['clusters']} clusters, {r['noise']} noise points"
        else:
            lines.append(f"| map page | {r['model']} | ready {r['ready_ms']} ms, a frame {r['frame_ms']:.1f} ms "
                         f"| | {r['data_mb']:.1f} MB of data | {lo(r)} |")
            continue
        lines.append(f"| {r['case']} | {r['model']} | {seconds(r['stage_s'])} | {r['peak_mib']:,.0f} MiB | {note} | {lo(r)} |")
    missing = [f"{lesson} on {n:,} × {d:,}" for n, d, _ in HEADLINE
               for lesson in ["lesson01", "lesson02", "lesson03", "lesson04", "lesson05"]
               if not any(r["case"] == lesson and r["model"] == f"{n:,} × {d:,}" for r in lesson_rows)]
    if missing:
        lines += ["", "Not measured yet, each model alone (no run of them finished; the rows \"both large "
                  "models\" load both at once): " + ", ".join(missing) + "."]
    off = [r for r in lesson_rows if abs(r["estimate_ratio"] - 1) > ESTIMATE_TOLERANCE and r.get("n", 0) >= 128_000]
    large = [r for r in lesson_rows if r.get("n", 0) >= 128_000]
    verdict = ("no run measured" if not large else "all." if not off
               else ", ".join(f"{r['case']} on {r['model']} ✗" for r in off))
    lines += ["", f"Estimates within {ESTIMATE_TOLERANCE:.0%} of the measured peak at 128,000 tokens and more: "
              + verdict, ""]
    return "\n".join(lines)


# Each stage's marker, the same in both panels and the key, so that lines lying on one
# another (most lessons' memory is the matrix's) can still be told apart point by point.
MARKERS = {"DBSCAN": "v", "kNN graph": "s", "lesson01": "^", "lesson02": "o", "lesson03": "D",
           "lesson04": "P", "lesson05": "X", "t-SNE": "*"}


def matrix_mib(n):
    """MiB of an n × WIDTH matrix in f32."""
    return n * WIDTH * 4 / 2**20


def plot(rows, path):
    """Time of each stage against the vocabulary size (log–log), with the slopes of n,
    n log n and n² for reading how each grows; under it, peak memory divided by the f32
    matrix's bytes, which grow as n: a flat line is memory growing as n, and the lines,
    which lie on one another as plain memory (a lesson's peak is mostly its matrix), come
    apart where they differ, against the 1.5× bound."""
    import matplotlib
    matplotlib.use("svg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter, NullLocator
    from matplotlib.transforms import ScaledTranslation
    series = [r for r in rows if r.get("d") == WIDTH and "n" in r
              and ("stage_s" in r or r["case"].startswith("lesson"))]
    cases = sorted({r["case"] for r in series})
    # One column of two panels, 7.8 in wide: the book shows it at its own size (748.8 px,
    # under the 750 px column), 4/3 px a point, so 10 pt is 13.3 px and no text is under 12.
    small = 10
    plt.rcParams.update({"font.size": 10.5, "legend.fontsize": small, "axes.titlesize": 12})
    fig, (ax_t, ax_m) = plt.subplots(2, 1, figsize=(7.8, 9.4))
    # A run that read a kept graph is drawn hollow, above every line and 7 pt to the left
    # of its size: at 256,000 tokens lesson 2's time is just under lesson 1's, whose point
    # would otherwise cover it.
    beside = ax_t.transData + ScaledTranslation(-7 / 72, 0, fig.dpi_scale_trans)
    ends, hollow = [], None
    for i, case in enumerate(cases):
        of_case = sorted((r for r in series if r["case"] == case), key=lambda r: r["n"])
        if len(of_case) < 2:
            continue
        colour, marker = f"C{i}", MARKERS.get(case, "o")
        # the time panel draws t-SNE's descent, not the whole stage: the key says so
        name = "t-SNE (time: its descent)" if case == "t-SNE" else case
        if case == "DBSCAN":
            # it holds the 2-D map, not the matrix: its line is in the time panel and the key
            ax_t.plot([], [], "-", marker=marker, color=colour, label=name)
        else:
            ratios = [r["peak_mib"] / matrix_mib(r["n"]) for r in of_case]
            ax_m.plot([r["n"] for r in of_case], ratios, "-", marker=marker, color=colour, label=name)
            ends.append((case, of_case[-1]["n"], ratios[-1], colour))
        # a run that read a kept graph has no graph in its time: its point stands apart
        timed = [r for r in of_case if not r.get("graph_read_back")]
        # t-SNE's descent alone: before it, small vocabularies search their own neighbours
        # and large ones read the kept graph's
        ax_t.plot([r["n"] for r in timed], [r.get("descent_s", r.get("stage_s", r["wall_s"])) for r in timed],
                  "-", marker=marker, color=colour)
        for r in of_case:
            if r.get("graph_read_back"):
                hollow = marker
                ax_t.plot([r["n"]], [r["wall_s"]], marker, color=colour, markerfacecolor="white",
                          markersize=7, markeredgewidth=1.6, zorder=3, transform=beside)
    ns = sorted({r["n"] for r in series})
    if len(ns) >= 2:
        # each slope from the smallest size, labelled just right of its end (the axis is
        # widened for the labels), n and n log n one above the other as their lines are
        base = [n / ns[0] for n in ns]
        for label, grow, dy in [("∝ n", lambda x: x, -8), ("∝ n log n", lambda x: x * math.log(x * ns[0]) / math.log(ns[0]), 6),
                                ("∝ n²", lambda x: x * x, 0)]:
            ax_t.plot(ns, [grow(x) for x in base], ":", color="grey")
            ax_t.annotate(label, (ns[-1], grow(base[-1])), color="#555555", fontsize=small, xytext=(8, dy),
                          textcoords="offset points", ha="left", va="center")
    thousands = FuncFormatter(lambda v, _: f"{v / 1000:,.0f}k")
    plain = FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}")
    for ax, title, unit in [(ax_t, "time of each stage", "seconds"),
                            (ax_m, "peak resident memory ÷ the f32 matrix", "peak RSS ÷ (n × 2,304 × 4 bytes)")]:
        ax.set_xscale("log")
        # ticks at the sizes measured, written in thousands
        ax.xaxis.set_major_locator(FixedLocator(ns))
        ax.xaxis.set_major_formatter(thousands)
        ax.xaxis.set_minor_locator(NullLocator())
        ax.set_xlim(ns[0] / 1.15, ns[-1] * 1.9)
        ax.grid(True, which="major", color="#e4e4e4", linewidth=0.6)
        ax.set_xlabel(f"vocabulary size (tokens, {WIDTH:,} dimensions)")
        ax.set_ylabel(unit)
        ax.set_title(title)
    # time: the values at 1, 2 and 5 of each decade, written out
    ax_t.set_yscale("log")
    ax_t.yaxis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
    ax_t.yaxis.set_major_formatter(plain)
    ax_t.yaxis.set_minor_formatter(NullFormatter())
    # memory: from the matrix alone (1×) to just above the bound
    ax_m.set_ylim(1.0, 1.6)
    ax_m.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.1f}×"))
    ax_m.axhline(BOUND, color="grey", linestyle="--", linewidth=0.8)
    ax_m.annotate(f"the bound on a lesson, {BOUND}×", (ns[-1] * 1.9, BOUND), xytext=(-4, 4),
                  textcoords="offset points", color="#555555", fontsize=small, ha="right", va="bottom")
    handles, labels = ax_t.get_legend_handles_labels()
    handles_m, labels_m = ax_m.get_legend_handles_labels()
    handles, labels = handles_m + handles, labels_m + labels
    if hollow:
        handles.append(Line2D([], [], marker=hollow, color="grey", markerfacecolor="white", linestyle="none"))
        labels.append("hollow: lesson 2 reading the kept kNN graph")
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    if ends:
        _name_line_ends(fig, ax_m, ends, small)
    fig.savefig(path)


def _name_line_ends(fig, ax, ends, size):
    """Each memory line's name just right of its last point. Most lines end within a few
    per cent of another (a lesson's peak is mostly the matrix): lines ending at the same
    size within 4% of the next one up form a group, whose names are stacked in the lines' order, highest on
    top, behind one bracket joined to the group's ends. Placed in inches from the
    figure's corner, so the SVG's 72 dpi draws them where the layout's dpi put them."""
    from matplotlib.lines import Line2D
    order = sorted(ends, key=lambda end: end[2])
    groups = [[order[0]]]
    for below, above in zip(order, order[1:]):
        if above[1] == below[1] and above[2] / below[2] < 1.04:
            groups[-1].append(above)
        else:
            groups.append([above])

    def inches(n, value):
        return ax.transData.transform((n, value)) / fig.dpi

    line = size * 1.3 / 72  # a name's height and the space under it
    # each group's ends as one point, at their geometric mean
    ends_at = [inches(group[0][1], math.exp(sum(math.log(v) for _, _, v, _ in group) / len(group)))
               for group in groups]
    top = ax.transAxes.transform((0, 1))[1] / fig.dpi
    middles = _spread([y for _, y in ends_at], [len(group) * line for group in groups], line / 2, top)
    grey = "#555555"
    for group, (x, y), middle in zip(groups, ends_at, middles):
        bracket = x + 0.2
        ys = [middle + (k - (len(group) - 1) / 2) * line for k in range(len(group))]
        fig.add_artist(Line2D([x + 0.08, bracket], [y, middle], color=grey, linewidth=0.8,
                              transform=fig.dpi_scale_trans))
        if len(group) > 1:
            fig.add_artist(Line2D([bracket, bracket], [ys[0] - line / 3, ys[-1] + line / 3], color=grey,
                                  linewidth=0.8, transform=fig.dpi_scale_trans))
        for (case, _, _, colour), label_y in zip(group, ys):
            fig.text(bracket + 0.05, label_y, case, transform=fig.dpi_scale_trans, ha="left", va="center",
                     fontsize=size, color=_readable(colour))


def _spread(targets, heights, space, top):
    """Middles for blocks of `heights` wanted at the ascending `targets`, `space` apart and
    none above `top`: blocks that would touch form a run, placed as near its targets as
    it can be (least squares), and a run pushed under `top` pushes down those below."""
    runs = []  # each run: the indices of its blocks, bottom first

    def offsets(run):
        """Each block's middle above the run's bottom."""
        out, edge = [], 0.0
        for i in run:
            out.append(edge + heights[i] / 2)
            edge += heights[i] + space
        return out

    def bottom(run):
        return sum(targets[i] - o for i, o in zip(run, offsets(run))) / len(run)

    def height(run):
        return sum(heights[i] for i in run) + space * (len(run) - 1)

    for i in range(len(targets)):
        runs.append([i])
        while len(runs) > 1 and bottom(runs[-2]) + height(runs[-2]) + space > bottom(runs[-1]):
            last = runs.pop()
            runs[-1] += last
    middles, ceiling = [0.0] * len(targets), top
    for run in reversed(runs):
        base = min(bottom(run), ceiling - height(run))
        for i, o in zip(run, offsets(run)):
            middles[i] = base + o
        ceiling = base - space
    return middles


def _readable(colour):
    """`colour` darkened until it has 4.5:1 contrast against white, for a name drawn in it."""
    from matplotlib.colors import to_hex, to_rgb

    def contrast(rgb):
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)
    rgb = to_rgb(colour)
    while contrast(rgb) < 4.5:
        rgb = tuple(c * 0.95 for c in rgb)
    return to_hex(rgb)


def include_in_results(report):
    """bench/results.md keeps this report between its markers (run.py keeps them too)."""
    path = BENCH / "results.md"
    begin, end = "<!-- bench/scale.py -->", "<!-- /bench/scale.py -->"
    text = path.read_text()
    block = f"{begin}\n## The largest vocabularies\n\n{report}\n{end}\n"
    if begin in text:
        text = text[:text.index(begin)] + block + text[text.index(end) + len(end) + 1:]
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


if __name__ == "__main__":
    main()
