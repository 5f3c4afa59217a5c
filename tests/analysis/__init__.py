"""Tests of tripwire.analysis: PRIM, Sobol' indices, entanglement and treaty criticality."""
