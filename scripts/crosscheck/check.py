"""What every lesson's cross-check shares: its report, comparisons that name the field they
check, and the rule that every field is either recomputed or listed with why it cannot be.

A comparison names the report field it checks by its path ("spectra.singular_values_a",
"words[0].raw.neighbours.bert") and covers that field and everything inside it. `finish`
prints each result, and fails on any disagreement beyond the comparison's stated
tolerance and on any field of the report that no comparison covers and no entry of the
script's LISTED table explains — so a field a lesson adds to its report fails the
cross-check until it is recomputed or listed.

A script reads the values it computes from with `value` (recorded as inputs: the
perturbation test changes them one at a time) and compares with `equal`, `close`,
`within` and `holds`; `beside` checks a file beside the report (what the lesson printed).
With CROSSCHECK_COVERAGE=FILE set, `finish` writes its comparisons
(path, tolerance, result), inputs and listed fields there, for
scripts/crosscheck/test_perturbed.py.
"""
import json
import os
import pathlib
import re
import sys

import numpy as np
from threadpoolctl import threadpool_limits

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Fields every report has, and what each is.
COMMON_LISTED = {
    "backend": "the --backend flag's value (a CPU or GPU backend: the same numbers on each, "
               "tested by the lessons' backend tests)",
    "seed": "the --seed flag's value",
    "models[].standin.description": "the stand-in's description, text written in common/src/model/standins/mod.rs",
    "models[].standin.synthetic": "whether the stand-in is a projection made by common/src/model/standins/layout.rs "
                                  "(its name and model are checked)",
    "memory.matrices": "the f32 bytes of the matrices the run's memory estimate counts (common/src/run/budget.rs, "
                       "from the files' headers, a stand-in's source matrix included)",
    "memory.peak": "the run's estimate of its peak memory, made before any matrix is read and checked against the "
                   "free memory; bench/scale.py and bench/tests/scale.rs compare it with the measured peak",
}


def parse(path):
    """'a.b[0].c' -> ('a', 'b', 0, 'c')."""
    parts = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d*)\]", path):
        parts.append(name if name else (int(index) if index else "[]"))
    return tuple(parts)


def show(parts):
    return "".join("[]" if p == "[]" else f"[{p}]" if isinstance(p, int) else ("." if i else "") + p
                   for i, p in enumerate(parts))


def general(parts):
    """The pattern of a concrete path: every list index as []."""
    return tuple("[]" if isinstance(p, int) else p for p in parts)


def leaves(value, prefix=()):
    """Paths of every scalar (and every empty list or object) in a JSON value."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, prefix + (key,))
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            yield from leaves(item, prefix + (i,))
    else:
        yield prefix


def matches(pattern, parts):
    """Whether pattern (with [] for any index) is parts or a path above it."""
    return len(pattern) <= len(parts) and all(p == q or (p == "[]" and isinstance(q, int))
                                              for p, q in zip(pattern, parts))


def get(value, parts):
    for p in parts:
        value = value[p]
    return value


class Check:
    """One lesson's report (the path in sys.argv[1]) and its comparisons."""

    def __init__(self, listed, models):
        """listed: {path pattern: why it is not recomputed}; models: the course models the
        lesson's default run loads (report.models[].standin.stands_in_for, in order)."""
        # One thread for numpy's BLAS and scikit-learn's OpenMP: the problems are small, and
        # on a busy machine threads waiting for one another made 4,000 SVDs of 26 x 384
        # take 80 s instead of 2 (and 20 t-SNE runs of 100 points 115 s instead of 6).
        self._threads = threadpool_limits(1)
        self.path = pathlib.Path(sys.argv[1])
        self.report = json.loads(self.path.read_text())
        self.listed = {parse(k): why for k, why in {**COMMON_LISTED, **listed}.items()}
        self.comparisons = []  # (path, tolerance or None, ok), in order
        self.inputs, self.problems = [], []
        lesson = pathlib.Path(sys.argv[0]).resolve().parent.name
        self.equal("lesson", lesson)
        self._figures()
        self._sections()
        self._models(models)

    def __getitem__(self, path):
        return get(self.report, parse(path))

    def value(self, path):
        """A value the script computes from (one the report's run chose: a seeded draw, a
        map): recorded, so the perturbation test changes it alone."""
        self.inputs.append(parse(path))
        return self[path]

    def _record(self, path, ok, detail, tolerance=None):
        ok = bool(ok)
        self.comparisons.append((parse(path), None if tolerance is None else float(tolerance), ok))
        print(("ok " if ok else "MISMATCH ") + path + (f": {detail}" if detail else ""))

    def equal(self, path, want):
        got = self[path]
        self._record(path, got == want, "" if got == want else f"report {str(got)[:300]} python {str(want)[:300]}")

    def close(self, path, want, rtol=1e-4, atol=1e-6):
        """Elementwise |report - want| <= atol + rtol * |want| (numpy.allclose), same shapes."""
        got = np.asarray(self[path], dtype=float)
        want = np.asarray(want, dtype=float)
        ok = got.shape == want.shape and bool(np.allclose(got, want, rtol=rtol, atol=atol))
        if got.shape != want.shape:
            detail = f"shape {got.shape} vs {want.shape}"
        else:
            error = np.abs(got - want)
            worst = int(np.argmax(error - rtol * np.abs(want))) if error.size else 0
            detail = "" if ok else (f"report {got.ravel()[worst]:.6g} python {want.ravel()[worst]:.6g} "
                                    f"at flat index {worst} (atol {atol}, rtol {rtol})")
        first = float(np.abs(want.ravel()[0])) if want.size else 0.0
        self._record(path, ok, detail, tolerance=atol + rtol * first)

    def within(self, path, low, high, what):
        """A statistical check: the report's value in [low, high], which `what` explains."""
        got = float(self[path])
        ok = low <= got <= high
        self._record(path, ok, f"{got:.6g} in [{low:.6g}, {high:.6g}] ({what})", tolerance=high - low)

    def holds(self, path, ok, detail="", tolerance=None):
        """Any other comparison of the field at `path`, computed by the script, with the
        tolerance it allows a number in it, if any."""
        self._record(path, bool(ok), detail, tolerance)

    def beside(self, name, ok, detail=""):
        """A check of a file beside the report (what the lesson printed), not of a field."""
        print(("ok " if ok else "MISMATCH ") + name + (f": {detail}" if detail else ""))
        if not ok:
            self.problems.append(name)

    def _figures(self):
        """The figures the report lists are the files beside it, each once."""
        if "figures" in self.report:
            listed = self.report["figures"]
            here = sorted(p.name for p in self.path.parent.iterdir() if p.suffix in (".svg", ".png"))
            ok = sorted(listed) == here
            self.holds("figures", ok, "" if ok else f"report lists {listed}, the folder holds {here}")

    def _sections(self):
        """The sections the report lists are the headings the run printed ("# heading"
        lines of output.txt, beside the report), in order."""
        printed = self.path.parent / "output.txt"
        if "sections" in self.report and printed.exists():
            headings = [line[2:] for line in printed.read_text().splitlines() if line.startswith("# ")]
            ok = self.report["sections"] == headings
            self.holds("sections", ok, "" if ok else f"report {self.report['sections']}, printed {headings}")

    def _models(self, models):
        """The models are the course's `models`, each read from the stand-in that
        bench/python/standins.py (the Python side's own table) names for it."""
        from standins import STANDINS

        for i, name in enumerate(models):
            self.equal(f"models[{i}].standin.stands_in_for", name)
            self.equal(f"models[{i}].name", f"standin/{STANDINS[name]}")

    def uncovered(self):
        """Fields neither compared nor listed, as patterns."""
        seen = []
        for parts in leaves(self.report):
            if any(parts[: len(c)] == c for c, _, _ in self.comparisons) or any(matches(p, parts) for p in self.listed):
                continue
            if general(parts) not in seen:
                seen.append(general(parts))
        return seen

    def finish(self):
        uncovered = self.uncovered()
        for pattern in uncovered:
            print(f"NOT COVERED {show(pattern)}: neither recomputed nor listed with why")
        out = os.environ.get("CROSSCHECK_COVERAGE")
        if out:
            pathlib.Path(out).write_text(json.dumps({
                "comparisons": [[show(p), tolerance, ok] for p, tolerance, ok in self.comparisons],
                "inputs": [show(p) for p in self.inputs],
                "listed": {show(p): why for p, why in self.listed.items()},
            }, indent=1))
        failed = sum(not ok for _, _, ok in self.comparisons) + len(self.problems)
        print(f"\n{failed} mismatches, {len(uncovered)} fields not covered" if failed or uncovered
              else f"\nall {len(self.comparisons)} comparisons agree; every field is recomputed or listed")
        sys.exit(1 if failed or uncovered else 0)
