"""What the benchmarks share: a generated mirror, its server, a bare spider, a stats writer."""
