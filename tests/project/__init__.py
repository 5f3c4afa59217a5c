"""Package-wide checks: layering, packaging, typing, the docs and the README, the count checks."""
