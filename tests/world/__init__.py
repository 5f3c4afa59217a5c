"""Tests of tripwire.world: the world model, validation, parameter paths, treaty kinds, the bundled scenarios."""
