"""Tests of tripwire.bench: the benchmark suite's sections and report."""
