"""Bundled profiles (global parameters fitted to history), shipped as package data."""
