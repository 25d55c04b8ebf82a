"""The keyed counter-based RNG: shapes, range, and independence from how replicates are split."""

import numpy as np
import pytest

from stochdiff.runtime.rng import uniforms


@pytest.mark.parametrize("per", [1, 3, 4, 5, 8, 13])
def test_replicate_windows_are_consistent(per):
    full = uniforms(7, (1, 2), 0, 10, per)
    assert full.shape == (10, per)
    np.testing.assert_array_equal(full[3:7], uniforms(7, (1, 2), 3, 4, per))
    np.testing.assert_array_equal(full[9:], uniforms(7, (1, 2), 9, 1, per))
    one_at_a_time = np.concatenate([uniforms(7, (1, 2), i, 1, per) for i in range(10)])
    np.testing.assert_array_equal(full, one_at_a_time)


def test_range_and_determinism():
    u = uniforms(123, (0,), 0, 1000, 7)
    assert u.dtype == np.float64
    assert (u >= 0).all() and (u < 1).all()
    np.testing.assert_array_equal(u, uniforms(123, (0,), 0, 1000, 7))
    assert abs(u.mean() - 0.5) < 0.02


def test_keys_and_seeds_differ():
    base = uniforms(1, (3, 4), 0, 5, 6)
    assert not np.array_equal(base, uniforms(1, (3, 5), 0, 5, 6))
    assert not np.array_equal(base, uniforms(1, (4, 3), 0, 5, 6))
    assert not np.array_equal(base, uniforms(1, (3, 4, 0), 0, 5, 6))
    assert not np.array_equal(base, uniforms(2, (3, 4), 0, 5, 6))
    assert not np.array_equal(base, uniforms(1 + (1 << 32), (3, 4), 0, 5, 6))
    assert not np.array_equal(base, uniforms(1, (), 0, 5, 6))


def test_large_seed_and_empty():
    assert uniforms(2**63 + 5, (1,), 0, 2, 3).shape == (2, 3)
    assert uniforms(1, (1,), 0, 0, 3).shape == (0, 3)
    assert uniforms(1, (1,), 4, 2, 0).shape == (2, 0)


def test_matches_documented_philox_construction():
    key = np.random.SeedSequence([9, 0, 2]).generate_state(2, np.uint64)
    ref = np.random.Generator(np.random.Philox(key=key)).random(5 * 8).reshape(5, 8)[:, :6]
    np.testing.assert_array_equal(uniforms(9, (2,), 0, 5, 6), ref)
