"""Counter-based random streams (docs/model.md, "Random numbers and the draw order").

The stream of trial ``t`` under seed ``s`` is a pure function of ``(s, t)``: splitmix64 mixes the
seed, adds the trial index and mixes again to a 64-bit key, which seeds a xoroshiro128+ generator
for that trial alone. No state is shared between trials, threads or processes.

Uniform draws use the top 53 bits of each output. ``u < p`` is decided on integers as
``r53 < ceil(p * 2**53)`` (thresholds are precomputed by ``tripwire.crisis.compile``), which is the
same test as the float compare with ``u = r53 / 2**53`` and exact for ``p`` in {0, 1}.
"""

import math

import numpy as np

from .accelerate import SCALAR, SERIAL, njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STREAM = np.uint64(0xD1B54A32D192ED03)
_S11 = np.uint64(11)
_S16 = np.uint64(16)
_S24, _S40 = np.uint64(24), np.uint64(40)
_S37, _S27 = np.uint64(37), np.uint64(27)
_S30, _S31 = np.uint64(30), np.uint64(31)

#: 2**-53, the spacing of the uniform draws.
INV53 = 1.0 / 9007199254740992.0
TWO53 = 9007199254740992


@njit(**SCALAR)
def splitmix64(x):
    """One splitmix64 step: add the golden gamma and mix (x is uint64)."""
    z = x + _GOLDEN
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(**SCALAR)
def trial_state(seed, trial):
    """xoroshiro128+ state of trial ``trial`` under ``seed`` (both uint64)."""
    key = splitmix64(splitmix64(seed) + trial)
    s0 = splitmix64(key)
    s1 = splitmix64(key ^ _STREAM)
    if s0 == 0 and s1 == 0:  # the one forbidden state; odds 2**-128
        s1 = _GOLDEN
    return s0, s1


@njit(**SCALAR)
def next53(s0, s1):
    """Next 53-bit output of xoroshiro128+ and the new state: ``r, s0, s1 = next53(s0, s1)``."""
    result = (s0 + s1) >> _S11
    s1 ^= s0
    s0 = ((s0 << _S24) | (s0 >> _S40)) ^ s1 ^ (s1 << _S16)
    s1 = (s1 << _S37) | (s1 >> _S27)
    return np.int64(result), s0, s1


@njit(**SCALAR)
def std_normal(s0, s1):
    """A standard normal by Box-Muller from two draws: ``z, s0, s1 = std_normal(s0, s1)``."""
    r1, s0, s1 = next53(s0, s1)
    r2, s0, s1 = next53(s0, s1)
    u1 = (r1 + 1) * INV53  # in (0, 1]
    u2 = r2 * INV53
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2), s0, s1


@njit(**SERIAL)
def _first_outputs(seed, trials, n):
    out = np.empty((trials.size, n), dtype=np.int64)
    for k in range(trials.size):
        s0, s1 = trial_state(np.uint64(seed), np.uint64(trials[k]))
        for m in range(n):
            out[k, m], s0, s1 = next53(s0, s1)
    return out


def first_outputs(seed, trials, n=4):
    """The first ``n`` 53-bit outputs of each trial's stream (for tests and diagnostics)."""
    return _first_outputs(np.uint64(seed), np.asarray(trials, dtype=np.uint64), n)
