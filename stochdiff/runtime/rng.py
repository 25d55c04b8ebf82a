"""Counter-based keyed uniforms.

A draw is addressed by ``(seed, key, replicate)``: the key (a stream, e.g. a scope key)
selects a Philox key, and the replicate index selects the counter.  Replicate ``i`` of
a stream therefore gets the same uniforms whether replicates are computed one at a time,
all at once, or split across workers.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=4096)
def _philox_key(seed: int, key: tuple) -> np.ndarray:
    # SeedSequence mixes (seed, key) into a well-spread 128-bit Philox key; cached because
    # the compiled estimator asks for the same streams over and over.
    k = np.random.SeedSequence([seed & 0xFFFFFFFF, seed >> 32, *key]).generate_state(2, np.uint64)
    k.flags.writeable = False
    return k


def uniforms(seed: int, key: tuple, start: int, count: int, per_replicate: int) -> np.ndarray:
    """Uniforms in [0, 1) of shape ``(count, per_replicate)`` for replicates ``start ..
    start + count - 1`` of stream ``key``.

    Row ``i`` depends only on ``(seed, key, start + i, per_replicate)``.  ``seed`` and the
    entries of ``key`` are non-negative ints.  The result may be a non-contiguous view.
    """
    padded = -(-per_replicate // 4) * 4  # Philox4x64 yields 4 doubles per counter step
    gen = np.random.Generator(np.random.Philox(key=_philox_key(seed, tuple(key)), counter=[start * padded // 4, 0, 0, 0]))
    u = gen.random(count * padded).reshape(count, padded)
    return u if padded == per_replicate else u[:, :per_replicate]
