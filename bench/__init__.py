"""Benchmarks: each prints figures (ratios against a baseline measured in the same run).

Run from the repository root as ``python -m bench.NAME`` (``--help`` for options); the
helpers they share (the bench mirror, its server, the bare spider, the stats extension)
are in :mod:`bench.support`. Benches that read ``../shared/data`` say so and where it
comes from.
"""
