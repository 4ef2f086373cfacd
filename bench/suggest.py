"""Benchmark of suggested decisions (`balance.solver.suggest`) on realistic pools of 2,000 and 20,000 people.

Rules: capacity 40 % of the pool; the five UN regional groups plus "unassigned", each with a minimum and a
maximum; declared genders capped at 60 % of capacity; six categories, two of which (press, organiser staff) do not
count toward balance; about 70 % of people in delegations of 2-8 with seat allocations (some below the number
nominated); the delegation mix rule from 3 members, as a violation (the heavier model). A baseline in the same run
solves a plain MILP with only capacity, region and gender caps over the same 2,000 people (the field notes measured
0.24 s for that). Times are medians of 5 runs (time.perf_counter), model building included.

Run: .venv/bin/python bench/suggest.py [--runs 5] [--sizes 2000 20000]
"""
from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from meeting_manager.balance.engine import Candidate, apply, check_approval, tally
from meeting_manager.balance.policy import Bound, Policy, Severity, seats_for_percent, validate_policy
from meeting_manager.balance.solver import PoolEntry, suggest

REGIONS = {"AF": 0.22, "AS": 0.22, "EEG": 0.11, "GRULAC": 0.15, "WEOG": 0.27, "unassigned": 0.03}
GENDERS = {"woman": 0.47, "man": 0.44, "another": 0.03, "undisclosed": 0.06}
#: category -> (share of individuals, counts toward balance)
CATEGORIES = {"state": (0.15, True), "cso": (0.35, True), "academia": (0.2, True), "io": (0.1, True),
              "press": (0.1, False), "staff": (0.1, False)}
DELEGATION_CATEGORY = {"state": 0.5, "cso": 0.3, "academia": 0.15, "io": 0.05}
TARGETS = {2000: 1.0, 20000: 10.0}


def make_policy(pool_size: int) -> Policy:
    """Realistic rules for a pool: capacity 40 % of it, region min/max, 60 % gender caps, category caps."""
    capacity = int(pool_size * 0.4)

    def bound(dimension, value, low, high):
        low = seats_for_percent(low, capacity, minimum=True) if low is not None else None
        return Bound(dimension, value, low, seats_for_percent(high, capacity, minimum=False))

    regions = [bound("region", r, 12, 30) for r in REGIONS if r != "unassigned"]
    regions.append(bound("region", "unassigned", 1, 5))
    genders = [bound("gender", g, None, 60) for g in ("woman", "man", "another")]
    categories = [bound("category", "state", 15, 45), bound("category", "cso", None, 40),
                  bound("category", "academia", None, 30), bound("category", "io", None, 15)]
    policy = Policy(capacity, tuple(regions + genders + categories), reservations_active=True, mix_min_size=3,
                    mix_severity=Severity.VIOLATION)
    assert validate_policy(policy) == [], validate_policy(policy)
    return policy


def _pick(rng, shares: dict) -> str:
    return rng.choice(list(shares), p=np.array(list(shares.values())) / sum(shares.values()))


def make_pool(pool_size: int, seed: int = 1) -> tuple[list[PoolEntry], dict[str, int]]:
    """A pending pool (random rank order) and the seat allocation of each delegation."""
    rng = np.random.default_rng(seed)
    candidates, seats = [], {}
    while len(candidates) < pool_size * 0.7:
        key, size = f"D{len(seats)}", int(rng.integers(2, 9))
        region, category = _pick(rng, REGIONS), _pick(rng, DELEGATION_CATEGORY)
        # Some focal points nominate more people than their allocation.
        seats[key] = size - int(rng.random() < 0.25)
        candidates += [Candidate(region, _pick(rng, GENDERS), category, True, key) for _ in range(size)]
    while len(candidates) < pool_size:
        category = _pick(rng, {c: s for c, (s, _) in CATEGORIES.items()})
        candidates.append(Candidate(_pick(rng, REGIONS), _pick(rng, GENDERS), category, CATEGORIES[category][1]))
    candidates = candidates[:pool_size]
    ranks = rng.permutation(len(candidates))
    return [PoolEntry(i, c, int(r)) for i, (c, r) in enumerate(zip(candidates, ranks, strict=True))], seats


def baseline(policy: Policy, pool: list[PoolEntry]) -> int:
    """The field notes' plain MILP: largest set under capacity, region and gender caps only, no tie-break."""
    n = len(pool)
    rows, lo_hi = [np.ones(n)], [policy.capacity]
    for b in policy.bounds:
        if b.dimension in ("region", "gender") and b.max_seats is not None:
            rows.append(np.array([e.candidate.counts_toward_balance and e.candidate.value(b.dimension) == b.value
                                  for e in pool], dtype=float))
            lo_hi.append(b.max_seats)
    matrix = sparse.csr_array(np.vstack(rows))
    result = milp(-np.ones(n), constraints=LinearConstraint(matrix, -np.inf, lo_hi), integrality=np.ones(n),
                  bounds=Bounds(0, 1))
    return round(-result.fun)


def timed(fn, runs: int) -> tuple[list[float], list[float], object]:
    """Wall and CPU seconds of each run, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus, result


def row(case: str, size: int, capacity: int, chosen: int, walls: list[float], cpus: list[float], note: str) -> str:
    wall = statistics.median(walls)
    return (f"| {case} | {size:,} | {capacity:,} | {chosen:,} | {wall:.3f} | {min(walls):.3f} | {max(walls):.3f} "
            f"| {statistics.median(cpus):.3f} | {note} |")


def verify(policy, seats, pool, suggestion) -> None:
    """Approve the suggestion one at a time through the engine: every step must be allowed."""
    by_id = {e.id: e.candidate for e in pool}
    counts = tally([], seats)
    for i in suggestion.approval_order:
        assert check_approval(policy, counts, by_id[i]).allowed, i
        counts = apply(counts, by_id[i])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {args.runs} runs each")
    print("| case | pool | capacity | chosen | median wall s | min | max | median CPU s | note |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for size in args.sizes:
        policy, (pool, seats) = make_policy(size), make_pool(size)
        counts = tally([], seats)
        walls, cpus, suggestion = timed(functools.partial(suggest, policy, counts, pool), args.runs)
        verify(policy, seats, pool, suggestion)
        target = TARGETS.get(size)
        met = target is not None and statistics.median(walls) < target
        verdict = "" if target is None else f"target {target:g} s: {'met' if met else 'MISSED'}"
        print(row("suggest, all rules", size, policy.capacity, len(suggestion.ids), walls, cpus,
                  f"{suggestion.status}; {verdict}"), flush=True)
        if size == 2000:
            walls, cpus, chosen = timed(functools.partial(baseline, policy, pool), args.runs)
            print(row("baseline: capacity, region + gender caps", size, policy.capacity, chosen, walls, cpus,
                      "field notes: 0.24 s"), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
