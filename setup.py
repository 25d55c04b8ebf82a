"""Package layout that pyproject.toml cannot say on its own.

The grammar has exactly one home, ``grammar/stochdiff.lark`` at the top of the repository.  We map
the package ``stochdiff.grammar`` onto that directory, so every build (wheel, sdist, ``pip install .``)
ships it as ``stochdiff/grammar/stochdiff.lark``, where
``importlib.resources.files("stochdiff") / "grammar" / "stochdiff.lark"`` finds it.  The mapped
package must be listed by hand because ``find_packages`` only looks under ``stochdiff/``.
Everything else (metadata, dependencies, scripts) is in pyproject.toml.
"""

from pathlib import Path

from setuptools import find_packages, setup

packages = find_packages(include=["stochdiff", "stochdiff.*"])
package_dir = {}
package_data = {}
# The directory is missing only before the grammar is first committed; building then must still
# work (the parser's own tests fail loudly if the grammar is absent from an install).
if (Path(__file__).resolve().parent / "grammar").is_dir():
    packages.append("stochdiff.grammar")
    package_dir["stochdiff.grammar"] = "grammar"
    package_data["stochdiff.grammar"] = ["*.lark"]
else:
    print("setup.py: warning: grammar/ does not exist; building without stochdiff/grammar/")

setup(packages=packages, package_dir=package_dir, package_data=package_data)
