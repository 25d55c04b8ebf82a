"""Every marked command output pasted into README.md and docs/*.md is current.

``python docs/regen.py --check`` reruns each marked command (see the top of docs/regen.py) and fails
with a unified diff when a pasted output no longer matches; ``python docs/regen.py`` rewrites them.
"""

from __future__ import annotations

import subprocess
import sys


def test_pasted_outputs_are_fresh(repo_root):
    result = subprocess.run([sys.executable, "docs/regen.py", "--check"], cwd=repo_root,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (
        "docs are stale; run `python docs/regen.py` and commit the result\n" + result.stdout + result.stderr)
