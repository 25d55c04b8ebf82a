"""The documentation builds with ``mkdocs build --strict``: no warnings, every link between pages resolves."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_mkdocs_build_strict(repo_root, tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (it is in the 'test' extra)")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                            cwd=repo_root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
