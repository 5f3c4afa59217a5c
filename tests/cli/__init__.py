"""Tests of tripwire.cli: each command end to end."""
