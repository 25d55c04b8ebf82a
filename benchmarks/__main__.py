"""Run the benchmarks and print a table of ratios; write them as JSON.

    python -m benchmarks                 # full size, about a minute on 2 cores
    python -m benchmarks --tiny          # seconds; what the test suite runs, so the script cannot rot
    python -m benchmarks --only B1 B5 --json out.json

A full run of every problem writes benchmarks/results.json (the numbers behind
docs/performance.md); a tiny or partial run writes benchmarks/last-run.json instead, so it
never replaces them.

Ratios are measured side by side in one run (interleaved repetitions, medians); no
absolute time is asserted anywhere.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
import time
from pathlib import Path

from .problems import PROBLEMS

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tiny", action="store_true", help="tiny sizes (for CI)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions per measurement (default 5, tiny 1)")
    ap.add_argument("--only", nargs="*", choices=sorted(PROBLEMS), help="run only these problems")
    ap.add_argument("--json", default=None, help="where to write the results (default: benchmarks/results.json "
                                                  "for a full run, benchmarks/last-run.json otherwise)")
    a = ap.parse_args(argv)
    path = a.json or default_output(a.tiny, a.only, a.reps)
    reps = a.reps or (1 if a.tiny else 5)
    rows = []
    start = time.perf_counter()
    for name in a.only or sorted(PROBLEMS):
        t = time.perf_counter()
        rows.extend(PROBLEMS[name](a.tiny, reps))
        print(f"{name} done in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    print(table(rows))
    out = {"tiny": a.tiny, "reps": reps, "python": platform.python_version(), "machine": platform.machine(),
           "seconds": time.perf_counter() - start, "results": rows}
    with open(path, "w") as f:
        json.dump(out, f, indent=2, default=_plain)
    print(f"\nwrote {path}")
    return 0


def default_output(tiny: bool, only, reps) -> Path:
    """results.json for a full run of every problem; last-run.json for anything less."""
    full = not tiny and not only and reps is None
    return HERE / ("results.json" if full else "last-run.json")


def table(rows) -> str:
    w = max(len(r["what"]) for r in rows)
    lines = [f"{'id':<4} {'measurement':<{w}} {'value':>9}  {'target':<14} met"]
    for r in rows:
        v = r["ratio"]
        val = "n/a" if isinstance(v, float) and math.isnan(v) else f"{v:9.3g}"
        met = {True: "yes", False: "NO", None: "-"}[r["met"]]
        lines.append(f"{r['id']:<4} {r['what']:<{w}} {val:>9}  {r['target']:<14} {met}")
        if r.get("note"):
            lines.append(f"     ({r['note']})")
    return "\n".join(lines)


def _plain(x):
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


if __name__ == "__main__":
    sys.exit(main())
