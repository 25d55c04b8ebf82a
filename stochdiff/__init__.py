"""stochdiff: differentiate objectives that contain expectations, without reusing draws.

Public API: :func:`parse`, :func:`load`, :func:`format`, :func:`compile`, :class:`StochdiffError`.
"""

from .errors import StochdiffError, Location

__all__ = ["StochdiffError", "Location"]
__version__ = "0.1.0"
