"""Slow, obvious reference of one long-horizon history, straight from the World.

It shares no code with the horizon compile step or kernel, with one exception: the exact one-year
arms step (``Phi``, ``c`` and ``L`` with ``L L^T = Q``) is taken from the compiled world, since it
is a matrix exponential (the exact oracles in ``tests/horizon/test_horizon_oracles.py`` check it on its own).
Each crisis is the crisis model's own reference trial (:func:`naive.crisis`, with the year's
capabilities, reliabilities and treaties in force). Everything else (crisis arrivals, trust,
dissolution, domino, sunset, the tallies) is computed here from the world's fields, with uniform
draws from :class:`naive.TripwireStream`, so that a history can be compared with the kernel's draw
for draw.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

import tripwire.defaults as D
from tests.helpers.naive import Escalation, TripwireStream, crisis, edges_of, pledge_list

CAUSES = ("failure", "background", "domino", "lapse")


def _normal(draw) -> float:
    u1 = draw() + 2.0**-53
    u2 = draw()
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def _poisson(u: float, lam: float) -> int:
    k, p = 0, math.exp(-lam)
    f = p
    while u >= f:
        k += 1
        p *= lam / k
        f += p
        if p == 0.0 and k > lam:
            break
    return k


def _threshold(p: float) -> int:
    return math.ceil(p * 2.0**53)


class History:
    """Run histories of ``world`` (a validated World with a horizon) one at a time."""

    def __init__(self, world, phi_mat, drift, noise_l, years=None):
        self.world = world
        self.h = h = world.horizon
        self.years = years or h.years
        self.phi_mat, self.drift, self.noise_l = phi_mat, drift, noise_l
        self.codes = world.codes
        self.cap0 = {s.code: s.capability for s in world.states}
        self.major = {s.code: bool(s.major) for s in world.states}
        self.levels = world.ladder.levels
        self.edges = edges_of(world)
        self.treaties = world.treaties
        self.names = [t.name for t in world.treaties]
        self.pledges = pledge_list(world)
        if h.arrivals == "rivalries":
            self.dyads = [
                (r.states[0], r.states[1], r.hostility, False) for r in world.rivalries if r.hostility > 0
            ]
        else:
            self.dyads = []
            for a in h.arrivals:
                x, y = a.states
                if a.initiator == y:
                    x, y = y, x
                self.dyads.append((x, y, a.intensity, a.initiator is not None))
        self.escalation = Escalation(world)
        self.sys_level = self.levels.index(h.systemic.level)

    # -- one crisis (the crisis model's reference trial, from a given dyad) ------------------------
    def crisis(self, a, b, draw, cap, r, alive, hon, fail):
        def pledged(j):
            return [x for x, name in self.pledges[j] if alive[name]]

        level, _, order, side = crisis(
            self.escalation, self.edges, pledged, cap, [a], [b], draw, hon, fail,
            prob=lambda e: e["p"] if e["treaty"] is None else r[e["treaty"]],
            live=lambda e: e["treaty"] is None or alive[e["treaty"]],
        )  # fmt: skip
        majors = [sum(1 for x in order if side[x] == s and self.major[x]) for s in (0, 1)]
        return level, majors

    # -- one history --------------------------------------------------------------------------------
    def run(self, seed: int, trial: int) -> dict:
        h, years = self.h, self.years
        draw = TripwireStream(seed, trial)
        codes = self.codes
        n = len(codes)
        x = [1.0] * n
        past = [[1.0] * n for _ in range(3)]  # x at y-3, y-2, y-1
        start = h.start
        r, alive, age, entry, next_dec, term, review, renewal = {}, {}, {}, {}, {}, {}, {}, {}
        for t in self.treaties:
            name = t.name
            r[name] = t.reliability if t.kind not in ("neutrality", "nonaggression") else 1.0
            alive[name] = False
            age[name] = 0
            entry[name] = 0
            if start is not None and t.ended is not None and t.ended <= start:
                entry[name] = years + 1
            elif start is not None and t.signed is not None:
                if t.signed > start:
                    entry[name] = t.signed - start
                else:
                    age[name] = start - t.signed
            tt = t.term if t.term is not None else h.term
            term[name] = tt or 0
            review[name] = t.review if t.review is not None else h.review
            renewal[name] = t.renewal if t.renewal is not None else h.renewal
        obligation = {t.name: t.kind not in ("neutrality", "nonaggression") for t in self.treaties}
        rec = dict(
            first=None,
            systemic=Counter(),
            running=Counter(),
            levels=Counter(),
            arms=Counter(),
            alive=Counter(),
            ends=Counter(),
            hon=Counter(),
            fail=Counter(),
            rel=Counter(),
            crises=0,
        )
        lo, hi, nb = h.arms_bins.lo, h.arms_bins.hi, h.arms_bins.n
        width = (hi - lo) / nb
        bg_kind = {}
        for t in self.treaties:
            bg_kind[t.name] = t.kind
        for y in range(1, years + 1):
            for t in self.treaties:
                name = t.name
                if entry[name] == y or (y == 1 and entry[name] == 0):
                    alive[name] = True
                    if entry[name] > 0:
                        age[name] = 0
                    if term[name] > 0:
                        d = term[name]
                        while d <= age[name]:
                            d += review[name]
                        next_dec[name] = d
            # 1. arms
            noisy = any(v > 0 for v in (self._noise(c) for c in codes))
            z = [_normal(draw) for _ in range(n)] if noisy else [0.0] * n
            new = []
            for i in range(n):
                acc = 0.0
                for j in range(n):
                    acc += self.phi_mat[i][j] * x[j]
                acc += self.drift[i]
                if noisy:
                    eps = 0.0
                    for j in range(n):
                        eps += self.noise_l[i][j] * z[j]
                    acc += eps
                new.append(acc)
            x3 = past[0]
            past = [past[1], past[2], new]
            x = new
            cap = {}
            for i, c in enumerate(codes):
                v = self.cap0[c] * (1.0 + h.phi * (x[i] - 1.0))
                cap[c] = v if v > 0.0 else 0.0
                if x[i] < lo:
                    bn = 0
                else:
                    f = (x[i] - lo) / width
                    bn = nb + 1 if f >= nb else 1 + int(f)
                rec["arms"][(c, y, bn)] += 1
            # 2. arrivals
            counts = []
            for a, b, w, _fixed in self.dyads:
                ia, ib = codes.index(a), codes.index(b)
                race = (
                    x3[ia] > 0
                    and x3[ib] > 0
                    and x[ia] / x3[ia] - 1.0 > h.tau
                    and x[ib] / x3[ib] - 1.0 > h.tau
                )
                lam = h.lambda0 * w * math.exp(h.beta) if race else h.lambda0 * w
                counts.append(_poisson(draw(), lam))
            # 3. crises
            hon_y, fail_y, fail_crises = Counter(), Counter(), Counter()
            stopped = False
            for (a, b, _w, fixed), count in zip(self.dyads, counts, strict=True):
                for _ in range(count):
                    ini, tgt = a, b
                    if not fixed and draw() >= 0.5:
                        ini, tgt = b, a
                    hon, fail = Counter(), Counter()
                    level, majors = self.crisis(ini, tgt, draw, cap, r, alive, hon, fail)
                    rec["crises"] += 1
                    rec["levels"][(y, level)] += 1
                    hon_y.update(hon)
                    fail_y.update(fail)
                    for name, c in fail.items():
                        if c:
                            fail_crises[name] += 1
                    is_sys = level >= self.sys_level and min(majors) >= h.systemic.majors
                    if is_sys:
                        rec["systemic"][y] += 1
                        if rec["first"] is None:
                            rec["first"] = y
                            if h.stop_at_systemic:
                                stopped = True
                                break
                if stopped:
                    break
            if not stopped:
                # 4. trust
                lowered = set()
                for t in self.treaties:
                    name = t.name
                    if alive[name] and obligation[name] and (hon_y[name] or fail_y[name]):
                        for _ in range(hon_y[name]):
                            r[name] = r[name] + h.alpha * (h.r_max - r[name])
                        for _ in range(fail_y[name]):
                            r[name] = r[name] * (1.0 - h.delta)
                        if fail_y[name]:
                            lowered.add(name)
                # 5. dissolution
                queue = []
                for t in self.treaties:
                    name = t.name
                    if not alive[name]:
                        continue
                    gone = False
                    if h.pi_d > 0:
                        for _ in range(fail_crises[name]):
                            if draw() < h.pi_d:
                                gone = True
                                break
                    if not gone and name in lowered and r[name] < h.r_min:
                        gone = True
                    if gone:
                        alive[name] = False
                        rec["ends"][(name, "failure")] += 1
                        queue.append(name)
                        continue
                    year = None if start is None else start + y
                    nu = h.background_rate(bg_kind[name], year)
                    if nu > 0:
                        if draw() * 2.0**53 < _threshold(-math.expm1(-nu)):
                            alive[name] = False
                            rec["ends"][(name, "background")] += 1
                            queue.append(name)
                # 6. domino
                k = 0
                while k < len(queue):
                    gone = queue[k]
                    k += 1
                    members = set(self.treaties[self.names.index(gone)].members)
                    for t in self.treaties:
                        name = t.name
                        if (
                            name == gone
                            or not alive[name]
                            or not obligation[name]
                            or not members & set(t.members)
                        ):
                            continue
                        r[name] = r[name] * (1.0 - h.epsilon)
                        if r[name] < h.r_min:
                            alive[name] = False
                            rec["ends"][(name, "domino")] += 1
                            queue.append(name)
                # 7. sunset
                for t in self.treaties:
                    name = t.name
                    if not alive[name]:
                        continue
                    age[name] += 1
                    if term[name] > 0 and age[name] == next_dec[name]:
                        if draw() < renewal[name]:
                            next_dec[name] += review[name]
                        else:
                            alive[name] = False
                            rec["ends"][(name, "lapse")] += 1
            rec["running"][y] += 1
            for t in self.treaties:
                name = t.name
                rec["hon"][(name, y)] += hon_y[name]
                rec["fail"][(name, y)] += fail_y[name]
                if alive[name]:
                    rec["alive"][(name, y)] += 1
                    rec["rel"][(name, y)] += int(r[name] * 16777216.0 + 0.5)
            if stopped:
                break
        return rec

    def _noise(self, code):
        b = self.h.noise
        return b.get(code, D.ARMS_NOISE) if isinstance(b, dict) else b


def tallies(hist: History, seed: int, trials: int) -> dict[str, np.ndarray]:
    """The reference tallies of histories ``0 .. trials - 1``, laid out as the kernel's."""
    codes, names, years = hist.codes, hist.names, hist.years
    nb = hist.h.arms_bins.n + 2
    out = {
        "first_systemic_count": np.zeros(years, dtype=np.int64),
        "systemic_count": np.zeros(years, dtype=np.int64),
        "running_count": np.zeros(years, dtype=np.int64),
        "crisis_level_count": np.zeros((years, len(hist.levels)), dtype=np.int64),
        "arms_hist": np.zeros((len(codes), years, nb), dtype=np.int64),
        "treaty_alive_count": np.zeros((len(names), years), dtype=np.int64),
        "treaty_end_count": np.zeros((len(names), 4), dtype=np.int64),
        "treaty_honoured": np.zeros((len(names), years), dtype=np.int64),
        "treaty_failed": np.zeros((len(names), years), dtype=np.int64),
        "reliability_sum": np.zeros((len(names), years), dtype=np.int64),
        "crises": 0,
    }
    for t in range(trials):
        rec = hist.run(seed, t)
        if rec["first"] is not None:
            out["first_systemic_count"][rec["first"] - 1] += 1
        for y, c in rec["systemic"].items():
            out["systemic_count"][y - 1] += c
        for y, c in rec["running"].items():
            out["running_count"][y - 1] += c
        for (y, lv), c in rec["levels"].items():
            out["crisis_level_count"][y - 1, lv] += c
        for (code, y, bn), c in rec["arms"].items():
            out["arms_hist"][codes.index(code), y - 1, bn] += c
        for key, var in (
            ("alive", "treaty_alive_count"),
            ("hon", "treaty_honoured"),
            ("fail", "treaty_failed"),
            ("rel", "reliability_sum"),
        ):
            for (name, y), c in rec[key].items():
                out[var][names.index(name), y - 1] += c
        for (name, cause), c in rec["ends"].items():
            out["treaty_end_count"][names.index(name), CAUSES.index(cause)] += c
        out["crises"] += rec["crises"]
    return out
