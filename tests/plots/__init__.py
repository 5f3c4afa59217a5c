"""Tests of tripwire.plots: the figures, the world map and the HTML report."""
