"""Reading params and data for the command line from ``.json`` and ``.npz`` files.

Both formats describe a mapping from names (as declared by ``param`` / ``data``) to values:

* **JSON**: a top-level object.  A nested object is a record, an array of numbers (nested to any
  depth) is an array, a number is a scalar, and an array of objects is a collection (a list of
  records, e.g. the tasks of ``examples/tasks.sd``)::

      {"theta": [0.5, 0.5],
       "D": {"x": [[0.0, 0.3], [-0.27, -0.89]], "y": [-0.3, -0.01]}}

* **NPZ** (``numpy.savez``): every key is a dotted path from a declared name down to an array;
  path parts that are whole numbers index a collection, counted from 0 without gaps::

      np.savez("data.npz", **{"D.x": x, "D.y": y, "T.0.train.x": x0, "T.1.train.x": x1})

Every problem (missing file, malformed JSON, a bad key, a non-numeric leaf) is a
:class:`~stochdiff.errors.DataProblem` that names the file (and, for JSON syntax, the line).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from ..errors import DataProblem, Location


def load_values(path) -> dict:
    """The mapping stored in the ``.json`` or ``.npz`` file ``path`` (see the module docstring)."""
    path = str(path)
    here = Location(file=path)
    suffix = Path(path).suffix.lower()
    if suffix not in (".json", ".npz"):
        raise DataProblem(f"cannot tell the format of {path!r}: name it .json or .npz", here)
    try:
        if suffix == ".json":
            return _from_json(path)
        return _from_npz(path)
    except OSError as err:
        raise DataProblem(f"cannot read {path}: {err.strerror or err}", here) from None


# ---------------------------------------------------------------------------------------------
# JSON


def _from_json(path: str) -> dict:
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataProblem("the file is not UTF-8 text", Location(file=path)) from None
    try:
        tree = json.loads(text)
    except json.JSONDecodeError as err:
        pos = min(err.pos, len(text.rstrip()))  # a file cut short: point after its last character
        line = text.count("\n", 0, pos) + 1
        loc = Location(path, line, pos - (text.rfind("\n", 0, pos) + 1) + 1, source=text)
        raise DataProblem(f"this is not valid JSON ({err.msg[:1].lower() + err.msg[1:]})", loc) from None
    if not isinstance(tree, dict):
        raise DataProblem(f"the top level must be an object mapping names to values, not a JSON "
                          f"{_json_kind(tree)}", Location(file=path))
    return {k: _json_value(v, k, path) for k, v in tree.items()}


def _json_kind(v) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(v), "number")


def _json_value(v, where: str, path: str):
    if isinstance(v, dict):
        if not v:
            raise DataProblem(f"'{where}' is an empty object", Location(file=path))
        return {k: _json_value(x, f"{where}.{k}", path) for k, x in v.items()}
    if isinstance(v, list) and v and any(isinstance(x, dict) for x in v):
        if not all(isinstance(x, dict) for x in v):
            raise DataProblem(f"'{where}' mixes objects with other values; a collection is an array of "
                              f"objects only", Location(file=path))
        return [_json_value(x, f"{where}[{i}]", path) for i, x in enumerate(v)]
    return _array(v, where, path)


def _array(v, where: str, path: str) -> np.ndarray:
    if isinstance(v, (str, bool)) or v is None:
        raise DataProblem(f"'{where}' must be a number or an array of numbers, not a JSON {_json_kind(v)}",
                          Location(file=path))
    try:
        a = np.array(v, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataProblem(f"'{where}' is not a rectangular array of numbers", Location(file=path)) from None
    if isinstance(v, list) and _has_bad_leaf(v):
        raise DataProblem(f"'{where}' must contain only numbers", Location(file=path))
    return a


def _has_bad_leaf(v) -> bool:
    if isinstance(v, list):
        return any(_has_bad_leaf(x) for x in v)
    return isinstance(v, (str, bool)) or v is None


# ---------------------------------------------------------------------------------------------
# NPZ


def _from_npz(path: str) -> dict:
    here = Location(file=path)
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, zipfile.BadZipFile, EOFError):
        raise DataProblem("this is not an .npz archive written by numpy.savez", here) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataProblem("this is a single .npy array, not an .npz archive of named arrays", here)
    tree: dict = {}
    with archive:
        for key in archive.files:
            parts = key.split(".")
            if not all(parts):
                raise DataProblem(f"key '{key}' has an empty part; keys are dotted paths like 'D.x' or "
                                  f"'T.0.train.x'", here)
            if parts[0].isdigit():
                raise DataProblem(f"key '{key}' must start with a declared name, not an index", here)
            bad = next((p for p in parts if p.isdigit() and not _is_index(p)), None)
            if bad is not None:
                raise DataProblem(f"key '{key}' has '{_short(bad)}' where a list index goes; indices are "
                                  f"written 0, 1, 2, ... in ASCII digits without leading zeros", here)
            try:
                value = np.asarray(archive[key], dtype=np.float64)
            except (TypeError, ValueError):
                raise DataProblem(f"array '{key}' is not numeric", here) from None
            node = tree
            for j, part in enumerate(parts[:-1]):
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise DataProblem(f"key '{key}' goes inside '{'.'.join(parts[:j + 1])}', which is "
                                      f"already an array", here)
                node = child
            if parts[-1] in node:
                raise DataProblem(f"key '{key}' is both an array and a record of other keys", here)
            node[parts[-1]] = value
    return {k: _lists(v, k, here) for k, v in tree.items()}


def _is_index(part: str) -> bool:
    """A canonical list index: ASCII digits, and no leading zero unless it is ``0`` itself."""
    return part.isascii() and part.isdigit() and (part == "0" or part[0] != "0")


def _short(part: str) -> str:
    """``part``, cut down so that a 5000-digit key does not flood the message."""
    return part if len(part) <= 24 else part[:20] + "..."


def _first_gap(keys) -> int | None:
    """The smallest index missing from the canonical indices ``keys``, or None when they are 0..n-1.

    Canonical indices sort numerically by (length, text), so no key is ever turned into an int: a
    key with thousands of digits can neither build a huge range nor hit int()'s digit limit.
    """
    for i, k in enumerate(sorted(keys, key=lambda k: (len(k), k))):
        if k != str(i):
            return i
    return None


def _lists(node, where: str, here: Location):
    """Turn records whose keys are all 0, 1, 2, ... into lists (collections)."""
    if not isinstance(node, dict):
        return node
    keys = list(node)
    digits = [_is_index(k) for k in keys]
    if any(digits) and not all(digits):
        names = ", ".join(_short(k) for k in sorted(keys))
        raise DataProblem(f"'{where}' mixes list indices with names ({names})", here)
    if all(digits):
        gap = _first_gap(keys)
        if gap is not None:
            raise DataProblem(f"the collection '{where}' has no item {gap}; items are numbered "
                              f"0, 1, 2, ... without gaps", here)
        items = [_lists(node[str(i)], f"{where}.{i}", here) for i in range(len(keys))]
        if not all(isinstance(x, dict) for x in items):
            raise DataProblem(f"the items of collection '{where}' must be records (keys like "
                              f"'{where}.0.x'), not bare arrays", here)
        return items
    return {k: _lists(v, f"{where}.{k}", here) for k, v in node.items()}
