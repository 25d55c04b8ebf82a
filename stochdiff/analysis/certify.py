"""Degree analysis and certificates.

An estimator built from independent streams of draws is unbiased when its output is
*affine in each stream's sample mean*: products of different streams are fine (they are
independent), a stream appearing in two factors is not, and a non-polynomial function of
an estimate has no unbiased plug-in estimator at all.  Nested expectations compose: inside
``expect[s]`` the inner streams are fresh for every outer draw, so the body only needs to be
affine in each of them; then they are averaged away.

:func:`degrees` computes, for every node, its degree in every stream key it depends on
(0: through draws only, k: a polynomial of degree k in that stream's estimate,
``INF``: not polynomial) together with a located reason for every degree >= 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .degree import Degrees


@dataclass
class Certificate:
    """Whether an estimator is unbiased, and why not."""

    value_unbiased: bool
    grad_unbiased: bool
    reasons: tuple = ()
    mode: str = "independent"
    streams: tuple = field(default=())  # (label, line) of every stream the estimator draws

    @property
    def unbiased(self) -> bool:
        return self.value_unbiased and self.grad_unbiased

    def to_json(self) -> dict:
        """The certificate as plain JSON data (as the command line's ``--json`` prints it)."""
        return {"mode": self.mode, "value_unbiased": bool(self.value_unbiased),
                "grad_unbiased": bool(self.grad_unbiased), "unbiased": bool(self.unbiased),
                "reasons": list(self.reasons)}

    def __str__(self) -> str:
        def word(ok):
            return "unbiased" if ok else "BIASED"

        lines = [f"certificate ({self.mode}): value {word(self.value_unbiased)}, "
                 f"gradient {word(self.grad_unbiased)}"]
        lines += [f"  - {r}" for r in self.reasons]
        return "\n".join(lines)


class StreamNames:
    """Human names for stream keys: ``E[z] (line 8)`` or ``E[z]#1 (line 8)``.

    Reads the scope list lazily, so it also names scopes added after it was made.
    """

    def __init__(self, scopes):
        self.scopes = scopes
        self.by_key: dict = {}
        self.seen = 0

    def __call__(self, key) -> str:
        if key not in self.by_key:
            for s in self.scopes[max(1, self.seen):]:
                self.by_key.setdefault(s.key, s)
            self.seen = len(self.scopes)
        s = self.by_key.get(key)
        if s is None:
            return "an expectation"
        return f"{s.label} (line {s.loc.line})"


def degrees(g) -> Degrees:
    """Degree maps and reasons for every node of ``g``."""
    d = Degrees(names=StreamNames(g.scopes))
    d.extend(g)
    return d


def certify(g, mode: str) -> Certificate:
    """Certificate for the outputs ``value`` and ``grad.*`` of ``g``."""
    D = degrees(g)

    def check(ids):
        ok, reasons = True, []
        for i in ids:
            bad = D.deg[i].bad
            if not bad:
                continue
            ok = False
            found = False
            for mask, text in D.why[i]:
                if mask & bad:
                    found = True
                    if text not in reasons:
                        reasons.append(text)
            if not found:
                reasons.append("an expectation's estimate appears non-linearly")
        return ok, reasons

    vids = [v for k, v in g.outputs if k == "value"]
    gids = [v for k, v in g.outputs if k.startswith("grad.")]
    vok, vr = check(vids)
    gok, gr = check(gids)
    reasons = [f"value: {r}" for r in vr] + [f"gradient: {r}" for r in gr]
    used = {g.nodes[i].attrs[0] for i in g.cone(vids + gids) if g.nodes[i].op == "expect"}
    streams = tuple((s.label, s.loc.line) for s in g.scopes[1:] if s.id in used)
    return Certificate(vok, gok, tuple(reasons), mode, streams)
