"""The exact distribution of an estimator's output, by enumerating every draw it makes.

An estimator with finite randomness is a function of finitely many draws.  We run it
once to learn which draws it makes (how many values each takes), then run it again with
every joint configuration of those draws laid along the replicate axis, each weighted by
its probability.  Nothing here trusts the certificate: it treats the estimator by its
draws, so it can check the certificate.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import StochdiffError, SupportTooLarge, is_whole
from ..estimators.model import Estimator, Model
from ..runtime.distributions import DISTS
from ..runtime.samplers import COUNTABLE, MonteCarlo, count_text, support_size

DEFAULT_LIMIT = 200_000
CHUNK = 20_000  # configurations evaluated at once: bounds memory, not the total


class _Probe(MonteCarlo):
    """Runs the estimator once and records each draw: its sites and its support size.

    It refuses as soon as the joint configurations pass ``limit``, before it draws: a huge
    draw would exhaust memory first.
    """

    def __init__(self, graph, samples, limit):
        super().__init__(graph, 0, 1, samples)
        self.draws: list = []
        self.seen: set = set()
        self.limit = limit
        self.total = 1

    def draw(self, sid, pos, dist, static, args):
        shape = self.batch_shape(sid, pos) + (self.size[(sid, pos)],)
        n = support_size(dist, static, args, len(shape) - 1)
        var = self.scopes[sid].vars[pos]
        if n is None:
            raise SupportTooLarge(f"{var.name} ~ {dist} is continuous, so the estimator's draws cannot be "
                                  f"enumerated (check it statistically: method='statistical' in Python, or stochdiff estimate)",
                                  var.loc)
        key = (self.scopes[sid].key, pos)
        if key not in self.seen:  # scopes with one stream key share their draws: one set of digits
            self.seen.add(key)
            sites = math.prod(shape[1:])
            # compare logarithms first: n ** sites can be astronomically large
            big = n > 1 and sites * math.log2(n) + math.log2(self.total) > math.log2(COUNTABLE)
            reach = math.inf if big else self.total * n**sites
            if reach > self.limit:
                each = f" at each of {sites:,} sites" if sites > 1 else ""
                raise SupportTooLarge(
                    f"enumerating the estimator's draws would take {count_text(reach)} joint configurations once "
                    f"the draws of {var.name} ({count_text(n)} values{each}) are counted, more than the limit of "
                    f"{self.limit:,} (raise it with limit= in Python or --limit on the command line)", var.loc)
            self.total = reach
            self.draws.append((key, sites, n, var))
        return super().draw(sid, pos, dist, static, args)


class _Enumerate(MonteCarlo):
    """Replicate r is the r-th joint configuration of all draws (mixed radix); tracks weights.

    Configurations ``start .. stop-1`` are laid along the replicate axis, so a long
    enumeration runs in chunks of bounded memory.
    """

    def __init__(self, graph, samples, plan, start, stop):
        super().__init__(graph, 0, stop - start, samples)
        self.plan = plan  # (scope key, pos) -> (stride, sites, n)
        self.r = np.arange(start, stop, dtype=np.int64)
        self.logw = np.zeros(stop - start)
        self.drawn: dict = {}

    def draw(self, sid, pos, dist, static, args):
        key = (self.scopes[sid].key, pos)
        stride, sites, n = self.plan[key]
        if key in self.drawn:  # the same stream again: the same values, and no second weight
            return self.drawn[key]
        shape = self.batch_shape(sid, pos) + (self.size[(sid, pos)],)
        d = len(shape)
        values, probs = DISTS[dist].support(static, args, d)
        place = stride * n ** np.arange(sites, dtype=np.int64).reshape(shape[1:])
        idx = (self.r.reshape((-1,) + (1,) * (d - 1)) // place) % n
        probs = np.broadcast_to(probs, np.broadcast_shapes(probs.shape[:-1], shape[:-1]) + (n,))
        p = np.take_along_axis(probs, idx, axis=d - 1)
        with np.errstate(divide="ignore"):
            self.logw += np.log(p).reshape(len(self.r), -1).sum(axis=1)
        self.drawn[key] = _take(values, idx, d)
        return self.drawn[key]


def _take(values, idx, d):
    if isinstance(values, dict):
        return {k: _take(v, idx, d) for k, v in values.items()}
    v = np.asarray(values)
    ix = idx.reshape(idx.shape + (1,) * (v.ndim - d))
    full = np.broadcast_shapes(v.shape[:d - 1], idx.shape[:d - 1])
    v = np.broadcast_to(v, full + v.shape[d - 1:])
    ix = np.broadcast_to(ix, full + (idx.shape[d - 1],) + v.shape[d:])
    return np.take_along_axis(v, ix, axis=d - 1)


def check_estimator(est) -> None:
    """Refuse anything but an estimator, in one sentence (a Model is the usual mistake)."""
    if not isinstance(est, Estimator):
        hint = "; call model.estimator('independent') or model.estimator('naive') first" if isinstance(est, Model) \
            else ""
        raise StochdiffError(f"the first argument must be an estimator, not a {type(est).__name__}{hint}")


def configurations(est, params, data, limit: int = DEFAULT_LIMIT, chunk: int | None = None):
    """Every joint configuration of ``est``'s draws, in chunks: yields (outputs with a leading
    axis, their probabilities)."""
    check_estimator(est)
    if not is_whole(limit):
        raise StochdiffError(f"limit must be a positive whole number, not {limit!r}")
    code = est._code
    probe = _Probe(est.graph, est.samples, limit)
    code.run(params, data, probe, 1)
    plan, total = {}, 1
    for key, sites, n, var in probe.draws:
        plan[key] = (total, sites, n)
        total *= n**sites
    chunk = chunk or CHUNK
    for start in range(0, total, chunk):
        stop = min(total, start + chunk)
        sampler = _Enumerate(est.graph, est.samples, plan, start, stop)
        result = code.run(params, data, sampler, stop - start)
        yield result, np.exp(sampler.logw)
