"""The textual front end: text to AST (:func:`parse_module`) and back (:func:`format_module`)."""

from .formatter import format_module, format_source
from .parser import parse_module

__all__ = ["parse_module", "format_module", "format_source"]
