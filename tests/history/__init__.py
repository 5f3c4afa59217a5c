"""Tests of tripwire.history: disputes, back-tests, scores, calibration, covariates and baselines."""
