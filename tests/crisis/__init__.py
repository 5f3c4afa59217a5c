"""Tests of tripwire.crisis: compile, simulate, results; oracles, references, determinism and golden tallies."""
