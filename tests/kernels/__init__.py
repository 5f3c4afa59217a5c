"""Tests of the numba kernels (tripwire.kernels) called directly."""
