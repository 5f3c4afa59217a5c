"""Bundled scenario files, shipped as package data (``tripwire.load_world(name)`` reads them)."""
