"""Tests of tripwire.sweep: designs, stores, locks, verification, local and batch clusters."""
