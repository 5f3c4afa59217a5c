"""Tests of tripwire.horizon: the long-horizon model against its reference, oracles and defaults."""
