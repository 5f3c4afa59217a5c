"""Statistics of the suite: cascade-size samples, the agreement test before any ratio, and the
spread of repeated measurements."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Two engines agree when their mean cascade sizes differ by at most K_SE standard errors of the
#: difference. With k = 4 a false alarm has odds of about 6e-5 per comparison.
K_SE = 4.0


@dataclass(frozen=True)
class SizeStats:
    """Number, mean and variance of cascade sizes (active states at the end of a cascade)."""

    n: int
    mean: float
    var: float

    @classmethod
    def from_histogram(cls, counts: np.ndarray) -> SizeStats:
        """From ``counts[size]`` (e.g. tripwire's ``outcome_count`` summed over levels)."""
        counts = np.asarray(counts, dtype=np.float64)
        n = counts.sum()
        if n <= 0:
            raise ValueError("a size histogram needs at least one cascade")
        sizes = np.arange(counts.size, dtype=np.float64)
        mean = float(counts @ sizes / n)
        var = float(counts @ (sizes - mean) ** 2 / (n - 1)) if n > 1 else 0.0
        return cls(int(n), mean, var)

    @classmethod
    def from_sums(cls, n: int, total: float, total2: float) -> SizeStats:
        """From the count, the sum and the sum of squares of the sizes."""
        if n <= 0:
            raise ValueError("size statistics need at least one cascade")
        mean = total / n
        var = max(0.0, (total2 - n * mean * mean) / (n - 1)) if n > 1 else 0.0
        return cls(int(n), float(mean), float(var))

    @property
    def se(self) -> float:
        """Standard error of the mean."""
        return math.sqrt(self.var / self.n)

    def merge(self, other: SizeStats) -> SizeStats:
        """Pool two independent samples."""
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        m2 = self.var * (self.n - 1) + other.var * (other.n - 1) + delta * delta * self.n * other.n / n
        return SizeStats(n, mean, m2 / (n - 1) if n > 1 else 0.0)


def agreement(a: SizeStats, b: SizeStats, k: float = K_SE) -> dict[str, Any]:
    """Do two engines agree on the mean cascade size?

    They agree when ``|mean_a - mean_b| <= k * se``, with ``se = sqrt(se_a**2 + se_b**2)`` the
    standard error of the difference of two independent means (``k = 4`` by default).

    Returns
    -------
    dict
        ``agree`` (bool), ``diff`` (mean_b - mean_a), ``se`` and ``z = diff / se``.

    Examples
    --------
    >>> agreement(SizeStats(1000, 5.0, 4.0), SizeStats(1000, 5.1, 4.0))["agree"]
    True
    >>> agreement(SizeStats(1000, 5.0, 4.0), SizeStats(1000, 6.0, 4.0))["agree"]
    False
    """
    diff = b.mean - a.mean
    se = math.hypot(a.se, b.se)
    if se == 0.0:
        return {"agree": diff == 0.0, "diff": diff, "se": 0.0, "z": 0.0 if diff == 0.0 else math.inf}
    z = diff / se
    return {"agree": bool(abs(z) <= k), "diff": diff, "se": se, "z": z, "k": k}


def spread(values: list[float]) -> dict[str, Any]:
    """Median, min and max of repeated measurements (and the values)."""
    return {
        "median": float(statistics.median(values)),
        "min": float(min(values)),
        "max": float(max(values)),
        "values": [float(v) for v in values],
    }
