"""The benchmark script runs end to end at a tiny size (no timing is asserted here)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmarks_run_tiny(tmp_path):
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, "-m", "benchmarks", "--tiny", "--json", str(out)], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "B1n" in r.stdout and "B5" in r.stdout
    results = json.loads(out.read_text())["results"]
    assert {row["id"] for row in results} == {"B1", "B1n", "B2", "B3", "B4", "B5"}
    assert all("ratio" in row and "target" in row for row in results)


def test_only_a_full_run_replaces_the_published_results():
    # a subprocess, as above: the benchmarks package is importable from the repository root
    code = ("from benchmarks.__main__ import default_output as d; "
            "print(d(False, None, None).name, d(True, None, None).name, d(False, ['B1'], None).name, "
            "d(False, None, 2).name)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["results.json", "last-run.json", "last-run.json", "last-run.json"]
