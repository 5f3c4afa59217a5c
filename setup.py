"""Package discovery: every package under ``src/`` plus the folders installed inside tripwire
(``kernels/`` as ``tripwire.kernels``, ``configs/scenarios/`` as ``tripwire.scenarios``,
``configs/profiles/`` as ``tripwire.profiles``). All other settings live in pyproject.toml."""

from setuptools import find_packages, setup

setup(packages=[*find_packages("src"), "tripwire.kernels", "tripwire.scenarios", "tripwire.profiles"])
