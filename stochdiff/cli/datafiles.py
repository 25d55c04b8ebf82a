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

Both formats accept the same values: integers and floating-point numbers, all finite.  JSON
strings, booleans and nulls, and .npz arrays of any other dtype (bool, complex, dates, strings) are
errors, as are NaN and infinities (JSON's ``NaN``, ``Infinity``, ``1e400``), a name given twice in
one JSON object, and an .npz member that cannot be read.  A UTF-8 byte order mark is accepted.

Every problem (missing file, malformed JSON, a bad key, a non-numeric leaf) is a
:class:`~stochdiff.errors.DataProblem` that names the file (and, for JSON syntax, the line) and,
where it is about one entry, the entry (``theta[0] is not finite (nan); ...``).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from ..errors import DataProblem, Location
from ..runtime.values import check_finite, entry_name, first_leaf


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
    here = Location(file=path)
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8-sig")  # a byte order mark is accepted, as in .sd files
    except UnicodeDecodeError:
        raise DataProblem("the file is not UTF-8 text", here) from None
    tree = _parse_json(text, path)
    if not isinstance(tree, dict):
        raise DataProblem(f"the top level must be an object mapping names to values, not a JSON "
                          f"{_json_kind(tree)}", here)
    try:
        return {k: _json_value(v, k, path) for k, v in tree.items()}
    except RecursionError:  # objects nested nearly as deep as json allows
        raise DataProblem("the arrays or objects are nested too deeply to read", here) from None


def _parse_json(text: str, path: str):
    """``json.loads`` with every way it can fail turned into a :class:`DataProblem` naming the file."""
    here = Location(file=path)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as err:
        pos = min(err.pos, len(text.rstrip()))  # a file cut short: point after its last character
        line = text.count("\n", 0, pos) + 1
        loc = Location(path, line, pos - (text.rfind("\n", 0, pos) + 1) + 1, source=text)
        raise DataProblem(f"this is not valid JSON ({err.msg[:1].lower() + err.msg[1:]})", loc) from None
    except _DuplicateKey as dup:
        raise DataProblem(f"the key '{dup.key}' appears twice in one object; give each name once", here) from None
    except RecursionError:
        raise DataProblem("the arrays or objects are nested too deeply to read", here) from None
    except ValueError:  # json's only other ValueError: an integer past Python's limit on digits
        raise DataProblem("a number in the file has too many digits to read", here) from None


class _DuplicateKey(Exception):
    def __init__(self, key):
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs) -> dict:
    """json's ``object_pairs_hook``: a name given twice would otherwise silently keep the last value."""
    out = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


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
    """A JSON number or nested array of numbers as a finite float64 array; anything else is an error."""
    here = Location(file=path)
    if isinstance(v, (str, bool)) or v is None:
        raise DataProblem(f"'{where}' must be a number or an array of numbers, not a JSON {_json_kind(v)}", here)
    bad = first_leaf(v, lambda x: isinstance(x, (str, bool, dict)) or x is None)
    if bad is not None:  # checked before the shape, so ["1", 2] is not called ragged
        raise DataProblem(f"'{where}' must contain only numbers, but {entry_name(where, bad[0])} is a JSON "
                          f"{_json_kind(bad[1])}", here)
    big = first_leaf(v, lambda x: isinstance(x, int) and abs(x) > _FLOAT_MAX)
    if big is not None:
        raise DataProblem(f"{entry_name(where, big[0])} is too large for a floating-point number", here)
    try:
        a = np.array(v, dtype=np.float64)
    except ValueError:
        why = f"more than {_MAX_DIMS} dimensions" if _depth(v) > _MAX_DIMS else "rows of different lengths"
        raise DataProblem(f"'{where}' is not a rectangular array of numbers: it has {why}", here) from None
    check_finite(a, where, here)
    return a


_FLOAT_MAX = int(np.finfo(np.float64).max)
_MAX_DIMS = 64  # numpy's limit on the number of axes


def _depth(v) -> int:
    """How deeply the first elements of ``v`` nest (the number of axes, for a rectangular array)."""
    n = 0
    while isinstance(v, list):
        n, v = n + 1, (v[0] if v else None)
    return n


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
            value = _npz_member(archive, key, here)
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


_KINDS = {"b": "booleans", "c": "complex numbers", "M": "dates", "m": "time spans", "U": "strings",
          "S": "bytes", "O": "Python objects", "V": "records or raw bytes"}


def _npz_member(archive, key: str, here: Location) -> np.ndarray:
    """The array ``key`` of an open archive as finite float64; only integer and float arrays qualify."""
    try:
        raw = archive[key]
    # Reading one member can fail in many ways (a bad CRC, a truncated or encrypted member, an object
    # array that needs pickle, a header numpy does not understand); each is a fault of the file.
    except Exception as err:  # noqa: BLE001
        raise DataProblem(f"cannot read array '{key}' from the archive ({type(err).__name__}: {err})",
                          here) from None
    if not isinstance(raw, np.ndarray):  # numpy hands back the bytes of a member that is not .npy
        raise DataProblem(f"member '{key}' of the archive is not an array written by numpy", here)
    # By kind, not np.issubdtype: numpy counts timedelta64 as an integer type.
    if raw.dtype.kind not in "iuf":
        what = _KINDS.get(raw.dtype.kind, "values that are not numbers")
        raise DataProblem(f"array '{key}' holds {what} (dtype {raw.dtype}); only integer and floating-point "
                          f"arrays are accepted", here)
    value = np.asarray(raw, dtype=np.float64)
    check_finite(value, key, here)
    return value


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
