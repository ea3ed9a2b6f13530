"""A cross-check that cannot fail is a defect: each lesson's crosscheck.py is shown to fail
on its report with one value changed.

Usage: python3 scripts/crosscheck/test_perturbed.py REPORTS [LESSON ...]

REPORTS holds each lesson's default run, REPORTS/<lesson>/report.json beside its figures
(scripts/build-book.sh writes them to book/src/generated), and lesson 2's --graph run,
REPORTS/02-knn-kompetition-graph, when there is one. For every lessons/*/crosscheck.py
(or the LESSONs named) and each of its reports this

1. checks that the report is the snapshot's run: every field of
   snapshots/lessonNN_report.snap equals the report's at the snapshot's 4 significant
   digits (a tensor list's length, a histogram's peak where the snapshot keeps those);
2. runs the cross-check on the report as written, which must pass, and reads which fields
   it compared (CROSSCHECK_COVERAGE, see check.py);
3. changes, for each kind of value each comparison covers (every leaf pattern under it,
   e.g. a neighbour's id, its token, its distance), its first value: a number by three
   times the comparison's stated tolerance (or by half itself plus 0.5 where it states
   none), an integer by 1 plus three times that tolerance (rounded down: a count a
   comparison allows a band of), a text's first digit by 1 (a letter added to a text
   without digits), a truth value to its opposite. A value the
   script computes from (`Check.value`) is changed alone, in a run of its own, which must
   fail; all others are changed together in one run, in which every changed field's
   comparison must fail.
"""
import json
import math
import os
import pathlib
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from check import ROOT, general, get, leaves, parse, show


def perturbed(value, tolerance):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):  # by 1, or past a band of counts the comparison allows
        return value + 1 + math.floor(3 * tolerance)
    if isinstance(value, float):
        return value + (3 * tolerance if tolerance else 0.5 * abs(value) + 0.5)
    if isinstance(value, str):  # its first digit, if it has one (a module tree's numbers)
        at = next((i for i, ch in enumerate(value) if ch in "0123456789"), None)
        return value + "x" if at is None else value[:at] + str((int(value[at]) + 1) % 10) + value[at + 1:]
    return "x" if value is None else ["x"]  # null, or an empty list


def put(report, parts, value):
    for p in parts[:-1]:
        report = report[p]
    report[parts[-1]] = value


def run(script, report, folder):
    """The cross-check on `report` written beside the files of `folder`: its exit and what
    it compared (None if it stopped before comparing)."""
    with tempfile.TemporaryDirectory() as tmp:
        for f in folder.iterdir():
            if f.name != "report.json":
                (pathlib.Path(tmp) / f.name).symlink_to(f.resolve())
        path, coverage = pathlib.Path(tmp) / "report.json", pathlib.Path(tmp) / "coverage.json"
        path.write_text(json.dumps(report))
        done = subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True,
                              env={**os.environ, "CROSSCHECK_COVERAGE": str(coverage)})
        return done, (json.loads(coverage.read_text()) if coverage.exists() else None)


def agrees_with_snapshot(report, snapshot):
    """Fields of the snapshot that the report does not hold at 4 significant digits."""
    problems = []
    for parts in leaves(snapshot):
        want = get(snapshot, parts)
        try:
            got = get(report, parts)
        except (KeyError, IndexError, TypeError):
            above = get(report, parts[:-1]) if parts[:-1] else report
            histogram = above.get("histogram", {}).get("values") if isinstance(above, dict) else None
            if parts[-1] in ("peak_bin", "peak_density") and histogram:
                peak = max(range(len(histogram)), key=histogram.__getitem__)
                got = peak if parts[-1] == "peak_bin" else histogram[peak]
            else:
                problems.append(f"{show(parts)} is not in the report")
                continue
        if isinstance(got, list) and isinstance(want, int):
            got = len(got)  # the snapshot keeps a list's length
        if isinstance(want, float) and isinstance(got, (int, float)) and want != 0:
            ok = abs(got - want) <= 0.5001 * 10 ** (math.floor(math.log10(abs(want))) - 3)
        else:
            ok = got == want
        if not ok:
            problems.append(f"{show(parts)}: report {str(got)[:80]}, snapshot {str(want)[:80]}")
    return problems


def targets_of(report, comparisons):
    """The values to change: under each compared field, the first of each kind of value
    (leaf pattern and type: a [token, count] pair's token and count are two kinds), with
    the smallest and largest tolerance its comparisons state."""
    tolerances, found, seen = {}, [], set()
    for path, tolerance, _ in comparisons:
        tolerances.setdefault(path, []).extend([] if tolerance is None else [tolerance])
    for path in tolerances:
        for leaf in leaves(get(report, parse(path)), parse(path)):
            kind = (general(leaf), type(get(report, leaf)).__name__)
            if kind not in seen:
                seen.add(kind)
                found.append((leaf, path, tolerances[path]))
    return found


def rounds(targets, comparisons):
    """Targets in runs of their own: none in a run shares a comparison with another."""
    paths = {parse(p) for p, _, _ in comparisons}
    runs = []
    for target in targets:
        covering = {p for p in paths if target[0][: len(p)] == p}
        for run in runs:
            if not covering & run[0]:
                run[0].update(covering)
                run[1].append(target)
                break
        else:
            runs.append((covering, [target]))
    return [targets for _, targets in runs]


def test(script, reports, run_name=None):
    """The checks above for `script` on the report of REPORTS/<run_name> (by default the
    lesson's own folder)."""
    lesson = run_name or script.parent.name
    folder = reports / lesson
    report = json.loads((folder / "report.json").read_text())
    failures = []
    snap = ROOT / "snapshots" / f"lesson{lesson[:2]}_report.snap"
    if snap.exists():
        problems = agrees_with_snapshot(report, json.loads(snap.read_text().split("---\n", 2)[2]))
        failures += [f"{lesson}: not the snapshot's run: {p}" for p in problems[:5]]
        print(f"{lesson}: the report is the snapshot's run" if not problems else failures[-1])
    done, cover = run(script, report, folder)
    if done.returncode != 0:
        return failures + [f"{lesson}: fails on its own report:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"]
    if cover is None:
        return failures + [f"{lesson}: its cross-check does not say what it compares: compare through "
                           "scripts/crosscheck/check.py (Check), as the other lessons' do"]
    inputs = [parse(p) for p in cover["inputs"]]
    targets = targets_of(report, cover["comparisons"])
    alone = [t for t in targets if any(t[0][: len(i)] == i for i in inputs)]
    together = [t for t in targets if t not in alone]
    # Each value changed by its smallest tolerance (some comparison must fail), and where a
    # field has comparisons of several tolerances, by its largest (each must).
    several = [t for t in together if len(set(t[2])) > 1]
    plan = [([t], min, True) for t in alone] + [(r, min, False) for r in rounds(together, cover["comparisons"])] \
        + [(r, max, False) for r in rounds(several, cover["comparisons"])]
    changed = []
    for group, size, _ in plan:
        changed.append(json.loads(json.dumps(report)))
        for leaf, _, tolerances in group:
            put(changed[-1], leaf, perturbed(get(report, leaf), size(tolerances) if tolerances else 0))
    # The runs are independent, each on one thread (check.py): as many at once as cores.
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        results = list(pool.map(lambda c: run(script, c, folder), changed))
    for (group, size, on_its_own), report_changed, (done, cover) in zip(plan, changed, results):
        failed = [(parse(p), t) for p, t, ok in cover["comparisons"] if not ok] if cover else []
        for leaf, path, tolerances in group:
            if size is max:  # every comparison of the field with a tolerance fails
                caught = done.returncode != 0 and {t for p, t in failed if p == parse(path)} >= set(tolerances)
            else:
                caught = done.returncode != 0 and (on_its_own or any(leaf[: len(p)] == p for p, _ in failed))
            change = f"{get(report, leaf)!r:.40} -> {get(report_changed, leaf)!r:.40}"
            how = " alone" if on_its_own else " (largest tolerance)" if size is max else ""
            print(f"  {'fails' if caught else 'PASSES'} with {show(leaf)} changed{how} ({change})")
            if not caught:
                failures.append(f"{lesson}: its cross-check passes with {show(leaf)} changed{how} ({change})")
    print(f"{lesson}: {len(targets)} values changed in {len(plan)} runs ({len(alone)} inputs alone, "
          f"{len(several)} fields with several tolerances changed twice)")
    return failures


def main():
    reports = pathlib.Path(sys.argv[1])
    chosen = sys.argv[2:]
    scripts = [s for s in sorted(ROOT.glob("lessons/*/crosscheck.py")) if not chosen or s.parent.name in chosen]
    # Further runs whose reports hold fields the default run's do not: lesson 2's --graph.
    further = {"02-knn-kompetition": ["02-knn-kompetition-graph"]}
    runs = [(s, name) for s in scripts for name in [None, *further.get(s.parent.name, [])]
            if name is None or (reports / name / "report.json").exists()]
    # The --graph check's exact graphs are computed by its first run and read by the others.
    with tempfile.TemporaryDirectory() as cache:
        os.environ["CROSSCHECK_CACHE"] = cache
        failures = [f for s, name in runs for f in test(s, reports, name)]
    print("\n".join(["", *failures]) if failures else f"\nevery cross-check ({len(runs)} reports) fails on every changed value")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
