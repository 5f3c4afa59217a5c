"""Build the world map that ``tripwire.plots.world_map`` draws offline.

Reads Natural Earth's 1:110m country boundaries (public domain; the shapefile in
``../shared/data/naturalearth/`` beside a checkout) with ``pyshp``, simplifies every ring
(Douglas-Peucker, tolerance ``--tolerance`` degrees), drops Antarctica, fixes the countries whose
``iso_a3`` is ``-99`` by name, rounds coordinates to 0.01 degrees and writes one compressed
``.npz`` that the package reads with numpy alone:

    xy         int16[point, 2]   longitude, latitude in hundredths of a degree
    ring_ptr   int64[ring + 1]   ring k is xy[ring_ptr[k]:ring_ptr[k + 1]]
    ring_of    int32[ring]       the country of each ring
    iso_a3     str[country]      ISO 3166 alpha-3 code (Natural Earth's, fixed where -99)
    name       str[country]      Natural Earth's short name

Usage (``pip install pyshp`` first; it is needed here only, not by the package)::

    python scripts/build_worldmap.py [--source DIR] [--out src/tripwire/plots/data/ne_110m_countries.npz]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SOURCE = next(
    (
        p / "shared" / "data" / "naturalearth" / "naturalearth_lowres"
        for p in (REPO.parent, REPO.parent.parent)
        if (p / "shared" / "data" / "naturalearth").is_dir()
    ),
    REPO.parent / "shared" / "data" / "naturalearth" / "naturalearth_lowres",
)
OUT = REPO / "src" / "tripwire" / "plots" / "data" / "ne_110m_countries.npz"
#: Natural Earth writes -99 for these; the codes used instead (XKX, SOL, CYN are Natural
#: Earth's / common user-assigned codes for Kosovo, Somaliland and Northern Cyprus).
FIX_ISO = {"France": "FRA", "Norway": "NOR", "Kosovo": "XKX", "Somaliland": "SOL", "N. Cyprus": "CYN"}
DROP = {"ATA"}


def simplify(points: np.ndarray, tol: float) -> np.ndarray:
    """Douglas-Peucker on a closed ring (keeps the first and last point)."""
    if len(points) <= 4:
        return points
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        if b <= a + 1:
            continue
        p, q = points[a], points[b]
        seg = q - p
        norm = np.hypot(*seg)
        rel = points[a + 1 : b] - p
        if norm == 0:
            dist = np.hypot(rel[:, 0], rel[:, 1])
        else:
            dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm
        k = int(np.argmax(dist))
        if dist[k] > tol:
            m = a + 1 + k
            keep[m] = True
            stack.extend([(a, m), (m, b)])
    out = points[keep]
    return out if len(out) >= 4 else points[[0, len(points) // 3, 2 * len(points) // 3, -1]]


def build(source: Path, out: Path, tolerance: float) -> None:
    import shapefile  # pyshp (MIT)

    reader = shapefile.Reader(str(source))
    iso, names, rings, ring_of = [], [], [], []
    for sr in reader.iterShapeRecords():
        name, code = sr.record["name"], sr.record["iso_a3"]
        code = FIX_ISO.get(name, code)
        if code in DROP:
            continue
        if code == "-99":
            raise SystemExit(f"{name!r} has no ISO code: add it to FIX_ISO")
        k = len(iso)
        iso.append(code)
        names.append(name)
        pts = np.asarray(sr.shape.points, dtype=np.float64)
        parts = list(sr.shape.parts) + [len(pts)]
        for a, b in zip(parts[:-1], parts[1:], strict=True):
            ring = simplify(pts[a:b], tolerance)
            rings.append(np.round(ring * 100).astype(np.int16))
            ring_of.append(k)
    ptr = np.zeros(len(rings) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(r) for r in rings])
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        xy=np.concatenate(rings),
        ring_ptr=ptr,
        ring_of=np.asarray(ring_of, dtype=np.int32),
        iso_a3=np.asarray(iso, dtype="U3"),
        name=np.asarray(names, dtype="U40"),
    )
    total = int(ptr[-1])
    print(f"{out}: {len(iso)} countries, {len(rings)} rings, {total} points, {out.stat().st_size:,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="the shapefile (without suffix)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--tolerance", type=float, default=0.02, help="simplification, degrees (default 0.02)"
    )
    args = parser.parse_args()
    build(args.source, args.out, args.tolerance)


if __name__ == "__main__":
    main()
