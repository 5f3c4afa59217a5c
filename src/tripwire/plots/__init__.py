"""Figures (matplotlib only). Every function takes ``ax=`` (default: a new figure) and returns the
Axes it drew on; none changes matplotlib's global style. Labels and units come from the data's
attrs; colour maps keep a monotonic lightness and line styles tell curves apart, so figures print
in grey.

============================  =====================================================================
function                      figure
============================  =====================================================================
:func:`exceedance`            P(final level >= l) with Wilson bands, one curve per sweep value
:func:`cascade_ccdf`          P(participants >= n), log-log, with Wilson bands
:func:`heatmap`               an output over two swept parameters (:func:`heatmaps`: per level)
:func:`sobol_bars`            Sobol' S1 and ST with bootstrap intervals
:func:`criticality_bars`      the effect of removing each treaty, with paired intervals
:func:`network`               the alliance network, nodes coloured by P(involved)
:func:`entanglement_matrix`   P(drawn in | origin), origins × states
:func:`world_map`             a world map of P(involved), offline, with a Europe inset
:func:`first_systemic`        P(first systemic war <= year) (long horizon)
:func:`treaty_survival`       treaty survival curves (long horizon)
:func:`arms_fan`              a fan chart of one state's arms (long horizon)
============================  =====================================================================
"""

from __future__ import annotations

from .bars import criticality_bars, sobol_bars
from .curves import arms_fan, cascade_ccdf, exceedance, first_systemic, treaty_survival
from .grids import entanglement_matrix, heatmap, heatmaps
from .network import network
from .worldmap import world_map

__all__ = [
    "exceedance",
    "cascade_ccdf",
    "heatmap",
    "heatmaps",
    "sobol_bars",
    "criticality_bars",
    "network",
    "entanglement_matrix",
    "world_map",
    "first_systemic",
    "treaty_survival",
    "arms_fan",
]
