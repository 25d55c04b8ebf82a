"""Checking and converting the params and data a user passes in.

Params are arrays or records (dicts) of arrays; data are arrays, datasets (records of
arrays sharing their first axis) or collections (lists of records, stacked here into one
record with a leading axis).  Everything is copied to float64 with a leading replicate
axis of length 1, so the caller's arrays are never touched.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataProblem, Location, did_you_mean
from .distributions import stack_collection
from .kernels import KernelError


def prepare(kind: str, given, declared: dict, loc) -> dict:
    """Check names and values of ``given`` (a mapping) against ``declared``; return batched copies.

    ``declared`` maps each declared name to where it is declared, so a mistake about one
    value points at its declaration; ``loc`` is used for mistakes about no single name.
    """
    if given is None:
        given = {}
    if not hasattr(given, "keys"):
        raise DataProblem(f"{kind} must be a mapping from names to values, not {type(given).__name__}", loc)
    what = "param" if kind == "params" else "data"
    for name in given:
        if name not in declared:
            raise DataProblem(f"the program declares no {what} named '{name}'{did_you_mean(str(name), declared)}",
                              next(iter(declared.values()), loc))
    out = {}
    for name, where in declared.items():
        if name not in given:
            raise DataProblem(f"missing {what} '{name}'", where)
        out[name] = _convert(given[name], name, where, allow_list=(kind == "data"))
    return out


def _convert(v, path, loc, allow_list):
    if isinstance(v, dict):
        if not v:
            raise DataProblem(f"'{path}' is an empty record", loc)
        return {str(k): _convert(x, f"{path}.{k}", loc, allow_list) for k, x in v.items()}
    if allow_list and isinstance(v, (list, tuple)) and v and all(isinstance(x, dict) for x in v):
        try:
            stacked = stack_collection([_strip(_convert(x, f"{path}[{i}]", loc, False)) for i, x in enumerate(v)],
                                       path)
        except KernelError as e:
            raise DataProblem(str(e), loc) from None
        return _lead(stacked)
    if allow_list and isinstance(v, (list, tuple)) and not v:
        raise DataProblem(f"collection '{path}' is empty", loc)
    if v is None:
        raise DataProblem(f"'{path}' is None, not a number or an array", loc)
    odd = first_leaf(v, lambda x: isinstance(x, (str, bytes)) or x is None)
    if odd is not None:  # numpy would turn None into NaN, and refuse strings with its own words
        raise DataProblem(f"'{path}' contains a non-number, {odd[1]!r}", loc)
    kind = getattr(v, "dtype", None) and v.dtype.kind
    if kind and kind not in "biuf":  # numpy would drop an imaginary part, or read "1.5" as 1.5
        raise DataProblem(f"'{path}' is an array of {v.dtype}, not of real numbers", loc)
    if isinstance(v, complex):
        raise DataProblem(f"'{path}' is a complex number, not a real one", loc)
    try:
        a = np.array(v, dtype=np.float64)  # a copy, always
    except (TypeError, ValueError):
        raise DataProblem(_not_numeric(v, path), loc) from None
    check_finite(a, path, loc)
    return a[None]


def first_leaf(v, test):
    """``(index, leaf)`` of the first leaf of nested lists ``v`` for which ``test`` holds, or None.

    Iterative, so that a deeply nested array cannot exhaust the stack here.
    """
    stack = [((), v)]
    while stack:
        idx, x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(((*idx, i), y) for i, y in reversed(list(enumerate(x))))
        elif test(x):
            return idx, x
    return None


def _not_numeric(v, path) -> str:
    """Why ``v`` is not an array of numbers, in words."""
    if isinstance(v, (list, tuple)):
        shapes = []
        for x in v:
            try:
                shapes.append(np.shape(x))
            except ValueError:  # itself ragged
                return f"'{path}' is a ragged list: its items are not arrays of one shape"
        if len(set(shapes)) > 1:
            a, b = sorted(set(shapes), key=str)[:2]
            return f"'{path}' is a list whose items have different shapes, {a} and {b}"
    return f"'{path}' is not numeric (got {type(v).__name__})"


def _strip(x):
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items()}
    return x[0]


def _lead(x):
    if isinstance(x, dict):
        return {k: _lead(v) for k, v in x.items()}
    return np.asarray(x, dtype=np.float64)[None]


def unbatch(x, replicates):
    """Turn an output with a leading replicate axis into what the user gets back."""
    if isinstance(x, dict):
        return {k: unbatch(v, replicates) for k, v in x.items()}
    x = np.asarray(x, dtype=np.float64)
    if replicates is None:
        return x[0] if x.ndim and x.shape[0] == 1 else x
    return np.broadcast_to(x, (replicates,) + x.shape[1:]).copy()


def entry_name(where: str, idx) -> str:
    """``theta[1, 2]``: the name of one entry of an array, as the tables name gradient entries."""
    return f"{where}[{', '.join(map(str, idx))}]" if idx else where


def check_finite(a: np.ndarray, where: str, here: Location) -> None:
    """Raise naming the first NaN or infinity of ``a``: such a value is never a usable param or datum."""
    finite = np.isfinite(a)
    if not finite.all():
        idx = tuple(int(i) for i in np.unravel_index(np.argmin(finite), a.shape))
        raise DataProblem(f"{entry_name(where, idx)} is not finite ({a[idx]}); params and data must be finite "
                          f"numbers", here)
