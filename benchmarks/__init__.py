"""Benchmarks: stochdiff against estimators written by hand with autograd (run ``python -m benchmarks``)."""
