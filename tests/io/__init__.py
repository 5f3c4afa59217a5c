"""Tests of tripwire.io: result files, the ATOP / COW / MID / rivalry readers and the world on a date."""
