"""Checking and converting the params and data a user passes in.

Params are arrays or records (dicts) of arrays; data are arrays, datasets (records of
arrays sharing their first axis) or collections (lists of records, stacked here into one
record with a leading axis).  Everything is copied to float64 with a leading replicate
axis of length 1, so the caller's arrays are never touched.
"""

from __future__ import annotations

import numpy as np

from ..errors import DataProblem, did_you_mean
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
    odd = _non_numbers(v)
    if odd:  # numpy would turn None into NaN, and refuse strings with its own words
        raise DataProblem(f"'{path}' contains a non-number, {odd[0]!r}", loc)
    try:
        a = np.array(v, dtype=np.float64)  # a copy, always
    except (TypeError, ValueError):
        raise DataProblem(_not_numeric(v, path), loc) from None
    if not np.all(np.isfinite(a)):
        raise DataProblem(f"'{path}' contains NaN or infinite values", loc)
    return a[None]


def _non_numbers(v) -> list:
    """The first string or None inside nested lists ``v``, as a list of at most one."""
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
        elif isinstance(x, (str, bytes)) or x is None:
            return [x]
    return []


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
