"""The long-horizon kernel: one trial is a history of ``years`` years of one world.

Inputs are the crisis world (:class:`.encoding.KernelWorld`) and the long-horizon model
(:class:`.encoding.KernelHorizon`); both are assumed valid. Every crisis runs through
:func:`.cascade.crisis_trial`, the crisis model's own single-trial function. :func:`horizon_block`
runs a block of histories into integer tallies of its own (the caller runs blocks on a thread
pool and sums them); trial ``t`` draws from the stream of ``(seed, t)`` alone, so results do not
depend on blocks or threads.

Each year, in this order (draws in brackets):

0. treaties whose entry year has come enter force;
1. arms: ``x <- Phi x + c + L z`` [two draws per state for ``z`` when any noise is set];
   capabilities ``c0 (1 + phi (x - 1))`` (at least 0); the arms histogram is tallied;
2. crisis arrivals, dyad by dyad: ``N ~ Poisson(rate)``, the race rate when both states' arms
   grew by more than ``tau`` over three years (before the start, arms are taken as 1) [one draw
   per dyad, by inversion];
3. each crisis, dyad by dyad: the initiator [one draw, unless the dyad's initiator is fixed], then
   :func:`.cascade.crisis_trial` [its own draws]; a systemic crisis is tallied and, with ``stop``,
   ends the history after the year's tallies;
4. trust, treaty by treaty: ``r <- r + alpha (r_max - r)`` per honoured obligation, then
   ``r <- r (1 - delta)`` per failed one;
5. dissolution, treaty by treaty: one draw per crisis in which the treaty failed, dissolving with
   probability ``pi_d`` [up to that many draws]; then ``r < r_min`` after a failure dissolves it;
   then the background exit [one draw per live treaty with a hazard > 0];
6. domino: each treaty dissolved this year (in order, including those it topples) costs every
   live obligation treaty sharing a member the fraction ``epsilon`` of its reliability; one that
   falls below ``r_min`` dissolves too;
7. sunset: live treaties age one year; at a renewal decision (age = term, term + review, ...) the
   treaty renews with probability ``renewal`` or lapses [one draw per decision];
8. the year's tallies.
"""

import math

import numpy as np

from .accelerate import SCALAR, SERIAL, njit
from .cascade import crisis_trial, end_trial, new_scratch, no_bits
from .encoding import CAUSES, OUTSIDE, RELIABILITY_SCALE, SIDE_A, SIDE_B
from .rng import INV53, next53, std_normal, trial_state

#: Causes of a treaty's end (the columns of ``treaty_end_count``).
FAILURE, BACKGROUND, DOMINO, LAPSE = (CAUSES.index(c) for c in ("failure", "background", "domino", "lapse"))
HALF = np.int64(1) << np.int64(52)
TWO53F = 9007199254740992.0


@njit(**SCALAR)
def poisson(s0, s1, lam):
    """``N ~ Poisson(lam)`` by inversion from one draw: ``n, s0, s1 = poisson(s0, s1, lam)``."""
    r, s0, s1 = next53(s0, s1)
    u = r * INV53
    k = 0
    p = math.exp(-lam)
    f = p
    while u >= f:
        k += 1
        p *= lam / k
        f += p
        if p == 0.0 and k > lam:
            break
    return k, s0, s1


@njit(**SCALAR)
def arms_step(s0, s1, x, x_new, z, phi_mat, drift, noise_l, has_noise, noise_lower):
    """One exact year of the arms system: ``x_new = Phi x + c + L z`` with ``z`` standard normal
    (drawn only when ``has_noise``; ``noise_lower``: ``L`` is lower-triangular, so the zeros above
    its diagonal are skipped, which adds nothing). Returns the stream state."""
    n = x.size
    if has_noise:
        for i in range(n):
            z[i], s0, s1 = std_normal(s0, s1)
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += phi_mat[i, j] * x[j]
        acc += drift[i]
        if has_noise:
            eps = 0.0
            for j in range(i + 1 if noise_lower else n):
                eps += noise_l[i, j] * z[j]
            acc += eps
        x_new[i] = acc
    return s0, s1


@njit(**SERIAL)
def arms_paths(seed, trials, years, phi_mat, drift, noise_l, has_noise, noise_lower=False):
    """Arms paths ``x[trial, year, state]`` (year 0 is the start, x = 1) from :func:`arms_step`
    alone, trial ``t`` drawing from the stream of ``(seed, t)`` (for tests and diagnostics)."""
    n = drift.size
    out = np.empty((trials, years + 1, n))
    x = np.empty(n)
    x_new = np.empty(n)
    z = np.empty(n)
    for t in range(trials):
        s0, s1 = trial_state(np.uint64(seed), np.uint64(t))
        for i in range(n):
            x[i] = 1.0
            out[t, 0, i] = 1.0
        for y in range(1, years + 1):
            s0, s1 = arms_step(s0, s1, x, x_new, z, phi_mat, drift, noise_l, has_noise, noise_lower)
            for i in range(n):
                x[i] = x_new[i]
                out[t, y, i] = x[i]
    return out


@njit(**SCALAR)
def _thresh(p):
    return np.int64(math.ceil(p * TWO53F))


@njit(**SERIAL)
def _set_edges(k, r, alive, tedge_ptr, tedge, edge_thresh, edge_prob):
    """Edges of treaty ``k`` at reliability ``r`` (absent when the treaty is not alive)."""
    th = _thresh(r) if alive else np.int64(-1)
    p = r if alive else 0.0
    for q in range(tedge_ptr[k], tedge_ptr[k + 1]):
        e = tedge[q]
        edge_thresh[e] = th
        edge_prob[e] = p


@njit(**SERIAL)
def _backing(edge_ptr, edge_dst, edge_backs, edge_prob, cap, backing_from):
    """Per caller row, suffix sums of p * cap(dst) over the DEFEND and ALIGN edges."""
    n = edge_ptr.size - 1
    for i in range(n):
        acc = 0.0
        for e in range(edge_ptr[i + 1] - 1, edge_ptr[i] - 1, -1):
            if edge_backs[e]:
                acc += edge_prob[e] * cap[edge_dst[e]]
            backing_from[e] = acc


@njit(**SERIAL)
def _dissolve(
    k, cause, alive, r, tedge_ptr, tedge, edge_thresh, edge_prob, tpledge_ptr, tpledge, pledge_on, ends
):
    alive[k] = 0
    _set_edges(k, r[k], False, tedge_ptr, tedge, edge_thresh, edge_prob)
    for q in range(tpledge_ptr[k], tpledge_ptr[k + 1]):
        pledge_on[tpledge[q]] = 0
    ends[k, cause] += 1


@njit(**SERIAL)
def horizon_block(seed, first, last, world, hz, out):
    """Run histories ``first .. last-1`` of ``world`` (a :class:`.encoding.KernelWorld`) under
    ``hz`` (a :class:`.encoding.KernelHorizon`) and add their tallies to ``out``, a
    :class:`.encoding.HorizonTallies` (``crises`` an array of one). Tallies accumulate in arrays
    local to the call and are added once at the end."""
    edge_ptr = world.edge_ptr
    edge_dst = world.edge_dst
    years = hz.years
    phi_mat = hz.phi_mat
    drift = hz.drift
    noise_l = hz.noise_l
    has_noise = hz.has_noise
    noise_lower = hz.noise_lower
    cap0 = hz.cap0
    phi = hz.phi
    dyad_a = hz.dyad_a
    dyad_b = hz.dyad_b
    dyad_fixed = hz.dyad_fixed
    rate_calm = hz.rate_calm
    rate_race = hz.rate_race
    tau = hz.tau
    treaty_r0 = hz.treaty_r0
    treaty_obligation = hz.treaty_obligation
    treaty_entry = hz.treaty_entry
    treaty_age0 = hz.treaty_age0
    treaty_term = hz.treaty_term
    treaty_review = hz.treaty_review
    renew_thresh = hz.renew_thresh
    bg_thresh = hz.bg_thresh
    tedge_ptr = hz.tedge_ptr
    tedge = hz.tedge
    tpledge_ptr = hz.tpledge_ptr
    tpledge = hz.tpledge
    share_ptr = hz.share_ptr
    share_to = hz.share_to
    edge_backs = hz.edge_backs
    edge_prob0 = hz.edge_prob0
    alpha = hz.alpha
    delta = hz.delta
    r_max = hz.r_max
    r_min = hz.r_min
    pi_thresh = hz.pi_thresh
    epsilon = hz.epsilon
    sys_level = hz.sys_level
    sys_majors = hz.sys_majors
    major = hz.major
    stop = hz.stop
    bin_lo = hz.bin_lo
    bin_width = hz.bin_width
    n_bins = hz.n_bins
    first_sys = np.zeros_like(out.first_systemic_count)
    systemic = np.zeros_like(out.systemic_count)
    running = np.zeros_like(out.running_count)
    crisis_level = np.zeros_like(out.crisis_level_count)
    arms = np.zeros_like(out.arms_hist)
    alive_count = np.zeros_like(out.treaty_alive_count)
    ends = np.zeros_like(out.treaty_end_count)
    honoured_t = np.zeros_like(out.treaty_honoured)
    failed_t = np.zeros_like(out.treaty_failed)
    rel_sum = np.zeros_like(out.reliability_sum)
    n_crises = 0

    n = cap0.size
    n_t = treaty_r0.size
    n_d = dyad_a.size
    n_e = edge_dst.size
    side = np.full(n, OUTSIDE, dtype=np.int8)
    ptr = edge_ptr[:-1].copy()
    parts = np.empty(n, dtype=np.uint32)
    bits = no_bits()  # the CSR closure: pledges in force change over a history
    scratch = new_scratch(n, bits)
    x = np.empty(n)
    x_new = np.empty(n)
    z = np.empty(n)
    hist = np.empty((4, n))  # x at y-3 .. y (ring by y % 4)
    cap = np.empty(n)
    r = np.empty(n_t)
    alive = np.zeros(n_t, dtype=np.int8)
    age = np.zeros(n_t, dtype=np.int64)
    next_dec = np.zeros(n_t, dtype=np.int64)
    edge_thresh = world.edge_thresh.copy()
    edge_prob = edge_prob0.copy()
    backing_from = np.empty(n_e)
    pledge_on = world.pledge_on.copy()
    hon_c = np.zeros(n_t, dtype=np.int64)
    fail_c = np.zeros(n_t, dtype=np.int64)
    hon_y = np.zeros(n_t, dtype=np.int64)
    fail_y = np.zeros(n_t, dtype=np.int64)
    fail_crises = np.zeros(n_t, dtype=np.int64)
    lowered = np.zeros(n_t, dtype=np.int8)
    queue = np.empty(n_t, dtype=np.int64)
    counts = np.zeros(n_d, dtype=np.int64)
    seed_u = np.uint64(seed)

    for t in range(first, last):
        s0, s1 = trial_state(seed_u, np.uint64(t))
        for i in range(n):
            x[i] = 1.0
            for h in range(4):
                hist[h, i] = 1.0
        for k in range(n_t):
            alive[k] = 0
            r[k] = treaty_r0[k]
            age[k] = treaty_age0[k]
            _set_edges(k, r[k], False, tedge_ptr, tedge, edge_thresh, edge_prob)
            for q in range(tpledge_ptr[k], tpledge_ptr[k + 1]):
                pledge_on[tpledge[q]] = 0
        found = False

        for y in range(1, years + 1):
            yi = y - 1
            # 0. entries (entry 0: in force from the start)
            for k in range(n_t):
                if treaty_entry[k] == y or (y == 1 and treaty_entry[k] == 0):
                    alive[k] = 1
                    if treaty_entry[k] > 0:
                        age[k] = 0
                    if treaty_term[k] > 0:
                        d = treaty_term[k]
                        while d <= age[k]:
                            d += treaty_review[k]
                        next_dec[k] = d
                    _set_edges(k, r[k], True, tedge_ptr, tedge, edge_thresh, edge_prob)
                    for q in range(tpledge_ptr[k], tpledge_ptr[k + 1]):
                        pledge_on[tpledge[q]] = 1

            # 1. arms
            s0, s1 = arms_step(s0, s1, x, x_new, z, phi_mat, drift, noise_l, has_noise, noise_lower)
            for i in range(n):
                x[i] = x_new[i]
                hist[y % 4, i] = x[i]
                c = cap0[i] * (1.0 + phi * (x[i] - 1.0))
                cap[i] = c if c > 0.0 else 0.0
                if x[i] < bin_lo:
                    bn = 0
                else:
                    f = (x[i] - bin_lo) / bin_width
                    bn = n_bins + 1 if f >= n_bins else 1 + int(f)
                arms[i, yi, bn] += 1

            # 2. arrivals
            for d in range(n_d):
                a = dyad_a[d]
                b = dyad_b[d]
                xa3 = hist[(y + 1) % 4, a]
                xb3 = hist[(y + 1) % 4, b]
                race = xa3 > 0.0 and xb3 > 0.0 and x[a] / xa3 - 1.0 > tau and x[b] / xb3 - 1.0 > tau
                counts[d], s0, s1 = poisson(s0, s1, rate_race[d] if race else rate_calm[d])

            # 3. crises (the target's backing is summed once a year, only in years with a crisis)
            n_year = 0
            for d in range(n_d):
                n_year += counts[d]
            if n_year > 0:
                _backing(edge_ptr, edge_dst, edge_backs, edge_prob, cap, backing_from)
            for k in range(n_t):
                hon_y[k] = 0
                fail_y[k] = 0
                fail_crises[k] = 0
                lowered[k] = 0
            stopped = False
            for d in range(n_d):
                for _ in range(counts[d]):
                    ini = dyad_a[d]
                    tgt = dyad_b[d]
                    if not dyad_fixed[d]:
                        rr, s0, s1 = next53(s0, s1)
                        if rr >= HALF:
                            ini = dyad_b[d]
                            tgt = dyad_a[d]
                    parts[0] = ini
                    parts[1] = tgt
                    side[ini] = SIDE_A
                    side[tgt] = SIDE_B
                    level, n_parts, _rounds, _draws, s0, s1 = crisis_trial(
                        s0, s1, 2, 1, world, cap, edge_thresh, backing_from, pledge_on,
                        parts, side, ptr, hon_c, fail_c, bits, scratch,
                    )  # fmt: skip
                    is_sys = level >= sys_level
                    if is_sys and sys_majors > 0:
                        ma = 0
                        mb = 0
                        for q in range(n_parts):
                            j = parts[q]
                            if major[j]:
                                if side[j] == SIDE_A:
                                    ma += 1
                                else:
                                    mb += 1
                        is_sys = ma >= sys_majors and mb >= sys_majors
                    end_trial(parts, n_parts, side, ptr, edge_ptr, scratch)
                    n_crises += 1
                    crisis_level[yi, level] += 1
                    for k in range(n_t):
                        if hon_c[k] or fail_c[k]:
                            hon_y[k] += hon_c[k]
                            fail_y[k] += fail_c[k]
                            if fail_c[k]:
                                fail_crises[k] += 1
                            hon_c[k] = 0
                            fail_c[k] = 0
                    if is_sys:
                        systemic[yi] += 1
                        if not found:
                            found = True
                            first_sys[yi] += 1
                            if stop:
                                stopped = True
                                break
                if stopped:
                    break

            if not stopped:
                # 4. trust
                for k in range(n_t):
                    if alive[k] and treaty_obligation[k] and (hon_y[k] or fail_y[k]):
                        rk = r[k]
                        for _ in range(hon_y[k]):
                            rk = rk + alpha * (r_max - rk)
                        for _ in range(fail_y[k]):
                            rk = rk * (1.0 - delta)
                        if fail_y[k]:
                            lowered[k] = 1
                        r[k] = rk
                        _set_edges(k, rk, True, tedge_ptr, tedge, edge_thresh, edge_prob)

                # 5. dissolution
                n_q = 0
                for k in range(n_t):
                    if not alive[k]:
                        continue
                    gone = False
                    if pi_thresh > 0:
                        for _ in range(fail_crises[k]):
                            rr, s0, s1 = next53(s0, s1)
                            if rr < pi_thresh:
                                gone = True
                                break
                    if not gone and lowered[k] and r[k] < r_min:
                        gone = True
                    if gone:
                        _dissolve(k, FAILURE, alive, r, tedge_ptr, tedge, edge_thresh, edge_prob,
                                  tpledge_ptr, tpledge, pledge_on, ends)  # fmt: skip
                        queue[n_q] = k
                        n_q += 1
                        continue
                    if bg_thresh[k, yi] > 0:
                        rr, s0, s1 = next53(s0, s1)
                        if rr < bg_thresh[k, yi]:
                            _dissolve(k, BACKGROUND, alive, r, tedge_ptr, tedge, edge_thresh, edge_prob,
                                      tpledge_ptr, tpledge, pledge_on, ends)  # fmt: skip
                            queue[n_q] = k
                            n_q += 1

                # 6. domino
                h = 0
                while h < n_q:
                    k = queue[h]
                    h += 1
                    for q in range(share_ptr[k], share_ptr[k + 1]):
                        j = share_to[q]
                        if not alive[j] or not treaty_obligation[j]:
                            continue
                        r[j] = r[j] * (1.0 - epsilon)
                        if r[j] < r_min:
                            _dissolve(j, DOMINO, alive, r, tedge_ptr, tedge, edge_thresh, edge_prob,
                                      tpledge_ptr, tpledge, pledge_on, ends)  # fmt: skip
                            queue[n_q] = j
                            n_q += 1
                        else:
                            _set_edges(j, r[j], True, tedge_ptr, tedge, edge_thresh, edge_prob)

                # 7. sunset and review
                for k in range(n_t):
                    if not alive[k]:
                        continue
                    age[k] += 1
                    if treaty_term[k] > 0 and age[k] == next_dec[k]:
                        rr, s0, s1 = next53(s0, s1)
                        if rr < renew_thresh[k]:
                            next_dec[k] += treaty_review[k]
                        else:
                            _dissolve(k, LAPSE, alive, r, tedge_ptr, tedge, edge_thresh, edge_prob,
                                      tpledge_ptr, tpledge, pledge_on, ends)  # fmt: skip

            # 8. the year's tallies
            running[yi] += 1
            for k in range(n_t):
                honoured_t[k, yi] += hon_y[k]
                failed_t[k, yi] += fail_y[k]
                if alive[k]:
                    alive_count[k, yi] += 1
                    rel_sum[k, yi] += np.int64(r[k] * RELIABILITY_SCALE + 0.5)
            if stopped:
                break
    o_first_sys = out.first_systemic_count
    o_first_sys += first_sys
    o_systemic = out.systemic_count
    o_systemic += systemic
    o_running = out.running_count
    o_running += running
    o_crisis_level = out.crisis_level_count
    o_crisis_level += crisis_level
    o_arms = out.arms_hist
    o_arms += arms
    o_alive_count = out.treaty_alive_count
    o_alive_count += alive_count
    o_ends = out.treaty_end_count
    o_ends += ends
    o_honoured_t = out.treaty_honoured
    o_honoured_t += honoured_t
    o_failed_t = out.treaty_failed
    o_failed_t += failed_t
    o_rel_sum = out.reliability_sum
    o_rel_sum += rel_sum
    out.crises[0] += n_crises
