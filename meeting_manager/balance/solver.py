"""Suggested decisions: the largest set of pending people that can be approved together, earliest first.

The set is found exactly with a mixed-integer programme (`scipy.optimize.milp`, HiGHS, sparse rows) requiring
that the people chosen can be approved one by one without a VIOLATION-level finding of `engine.py`:

- capacity: everyone chosen <= free seats;
- caps: for each capped group, its counting members chosen <= room under the cap;
- reservations (while active), per dimension: free seats after >= sum over minimums of max(0, min - count after),
  linearised with one continuous u_v >= min_v - count_v, u_v >= 0 per minimum (the constraint pushes u down, so
  a feasible choice always leaves room for the true unmet minimums);
- delegation seats, and the delegation mix rule when its severity is VIOLATION (below).

Model. People the rules cannot tell apart (same delegation, region, gender, category, counting) form a class with
one count variable; within a class the earliest members are taken. A delegation is an independent block with few
legal outcomes, so its legal *patterns* (how many of each of its classes to take, within its seats and the mix
rule) are enumerated and one binary per pattern chooses at most one: the tightest possible model of a delegation
(the relaxation of a block is the convex hull of its legal outcomes), which leaves only the ~20 capacity, cap and
reservation rows to make the relaxation fractional. Class counts are continuous (integral through the patterns)
and only they appear in the shared rows, which keeps the matrix small. A delegation with more than PATTERN_LIMIT
patterns falls back to integer class counts with big-M mix rows.

Why the final state is enough, except for the mix rule. Caps, capacity and seats only count upwards, so if the
final state respects them every intermediate state does. For reservations, write F for free seats and u_v for the
unmet minimum of value v; let R be the people approved after some step, r_v those of them in v. Counts only grow,
so u_v(now) <= u_v(final) + r_v, hence the need of the other values now is <= U(final) + |R| <= F(final) + |R|
= F(now): the engine's check (free after >= unmet minimums of the other values) passes at every step, in any order.

The mix rule depends on the order. A delegation that ends as two men and a woman fails at the third approval if
both men come first; so the approval order is rank order, except that within each delegation the members that
make it mixed (one of a second declared gender, or one of each of two) take the delegation's first slots. That
reaches every final state that is mixed (two declared genders) or has no declared gender, with one exception the
final state does not show: a delegation that already has k - 1 or more members, none with a declared gender, can
gain only undisclosed members, because its first declared member would arrive alone at k or more, in any order.
So a legal delegation outcome is: no gain; or ending below k; or, with one declared gender already present, a
second one among those added; or, with none present, no declared gender added, or (if fewer than k - 1 members
are there now) at least two. The tests compare the solver with a brute force over every approval order.

Counts that already break a rule (an organiser overrode a violation) are handled as the engine handles them:
a full cap, capacity or delegation just admits nobody more; a dimension whose free seats F are already below its
unmet minimums U admits, in value v, only while u_v > U - F, i.e. at most u_v - (U - F) more, and nobody outside
the unmet values (each such approval lowers F and U by one, so the shortfall never closes).

Earliest first. Among the largest sets the solver prefers early applications: a second stage fixes the size and
maximises sum(n - position) over the people chosen, i.e. minimises the sum of rank positions. Two stages rather
than one objective 1 + eps * (n - position): for size to dominate, eps * n * (n + 1) / 2 < 1, i.e. eps ~ 2.5e-9
at 20,000 people, below HiGHS's tolerances, so the tie-break would be decided by rounding noise. Sum of positions
is "lexicographic-ish": it may trade the earliest person for two slightly-less-early ones, never a smaller set for
earlier people. Each stage tries the linear relaxation first (see `_solve_two_stage`); the answer stays exact.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .engine import Candidate, Counts, DelegationState
from .policy import DIMENSIONS, UNDISCLOSED, Policy, Severity

#: delegations with more legal patterns than this fall back to integer class counts with big-M mix rows
PATTERN_LIMIT = 512
#: HiGHS presolve costs seconds on pattern columns and finds nothing to remove: the blocks are already tight
_OPTIONS = {"presolve": False, "mip_rel_gap": 0.0}
_STATUS = {0: "optimal", 1: "limit_reached", 2: "infeasible", 3: "unbounded", 4: "error"}


@dataclass(frozen=True)
class PoolEntry:
    """A pending registration offered to the solver: its id, what the rules see, and its place in the queue."""

    id: int
    candidate: Candidate
    rank: int  #: smaller = applied earlier; ties are broken by id


@dataclass(frozen=True)
class Suggestion:
    """The solver's answer.

    Attributes:
        ids: the chosen registrations, in rank order.
        approval_order: the same ids in an order in which `check_approval` accepts each one in turn (rank order,
            except that members who make a delegation mixed go first within their delegation).
        status: "optimal"; "limit_reached" (time limit hit: the set respects every rule but may not be the
            largest or earliest); or "empty" (nothing pending).
        seconds: wall time of the whole suggestion, model building included.
    """

    ids: tuple[int, ...]
    approval_order: tuple[int, ...]
    status: str
    seconds: float


@dataclass(frozen=True)
class _Class:
    """Pending people the rules cannot tell apart: same delegation, region, gender, category and counting."""

    candidate: Candidate
    members: tuple[int, ...]  #: rank positions, earliest first


@dataclass
class _Model:
    """Variables and sparse rows of a maximisation programme, collected before handing them to milp."""

    upper: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    coefs: list[float] = field(default_factory=list)
    row_lo: list[float] = field(default_factory=list)
    row_hi: list[float] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  #: variable of each class's count
    patterns: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  #: pattern var -> (class, taken)

    def var(self, *, integer: bool = True, upper: float = 1.0) -> int:
        self.upper.append(upper)
        self.integer.append(int(integer))
        return len(self.upper) - 1

    def row(self, terms: dict[int, float], lo: float = -np.inf, hi: float = np.inf) -> None:
        self.rows += [len(self.row_lo)] * len(terms)
        self.cols += terms.keys()
        self.coefs += terms.values()
        self.row_lo.append(lo)
        self.row_hi.append(hi)

    def total(self, classes) -> dict[int, float]:
        """The sum of some classes' counts."""
        return {self.counts[j]: 1.0 for j in classes}

    def solve(self, objective: dict[int, float], time_limit: float | None, *, relaxed: bool = False):
        size = len(self.upper)
        matrix = sparse.csr_array((self.coefs, (self.rows, self.cols)), shape=(len(self.row_lo), size))
        c = np.zeros(size)
        c[list(objective)] = [-w for w in objective.values()]  # milp minimises
        options = _OPTIONS if time_limit is None else {**_OPTIONS, "time_limit": time_limit}
        integrality = np.zeros(size) if relaxed else np.array(self.integer)
        return milp(c, constraints=LinearConstraint(matrix, self.row_lo, self.row_hi), integrality=integrality,
                    bounds=Bounds(0, self.upper), options=options)


def suggest(
    policy: Policy, counts: Counts, pool: Sequence[PoolEntry], *, time_limit: float | None = None
) -> Suggestion:
    """Choose the largest set of the pool that can be approved together, earliest applications preferred.

    Args:
        policy: the meeting's rules.
        counts: what is approved now.
        pool: pending registrations; ids must be unique.
        time_limit: seconds allowed to each of the two solves (None: no limit).

    Returns:
        A Suggestion; approving its `approval_order` one at a time never meets a violation (warnings may show).

    Raises:
        ValueError: duplicate ids, or a candidate names a delegation that counts.delegations does not hold.
    """
    start = time.perf_counter()
    entries = sorted(pool, key=lambda e: (e.rank, e.id))
    if len({e.id for e in entries}) != len(entries):
        raise ValueError("pool ids must be unique")
    if not entries:
        return Suggestion((), (), "empty", time.perf_counter() - start)
    classes = _classes(entries)
    taken, status = _solve_two_stage(_build(policy, counts, classes), classes, time_limit)
    chosen = sorted(i for c, n in zip(classes, taken, strict=True) for i in c.members[:n])
    ids = tuple(entries[i].id for i in chosen)
    order = tuple(entries[i].id for i in _approval_order(counts, entries, chosen))
    return Suggestion(ids, order, status, time.perf_counter() - start)


def _classes(entries: list[PoolEntry]) -> list[_Class]:
    """Group identical candidates: swapping a later member for an earlier one changes no count, so earliest go."""
    members = defaultdict(list)
    for position, entry in enumerate(entries):
        members[entry.candidate].append(position)
    return [_Class(candidate, tuple(positions)) for candidate, positions in members.items()]


def _build(policy: Policy, counts: Counts, classes: list[_Class]) -> _Model:
    model = _Model()
    model.counts = [-1] * len(classes)
    mix = policy.mix_min_size if policy.mix_severity is Severity.VIOLATION else None
    for key, indices in _delegation_classes(classes).items():
        state = counts.delegation(key)
        patterns = _patterns(state, [classes[j] for j in indices], mix)
        if patterns is None:
            _add_delegation_counts(model, state, indices, classes, mix)
        else:
            _add_delegation_patterns(model, indices, classes, patterns)
    for j, c in enumerate(classes):
        if c.candidate.delegation is None:
            model.counts[j] = model.var(upper=len(c.members))
    everyone = range(len(classes))
    model.row(model.total(everyone), hi=max(0, policy.capacity - counts.total))
    groups = _group_classes(classes)
    _add_caps(model, policy, counts, groups)
    if policy.reservations_active:
        for dimension in DIMENSIONS:
            _add_reservations(model, policy, counts, groups, dimension)
    return model


def _group_classes(classes: list[_Class]) -> dict[tuple[str, str], list[int]]:
    groups = defaultdict(list)
    for j, c in enumerate(classes):
        for key in c.candidate.groups:
            groups[key].append(j)
    return groups


def _delegation_classes(classes: list[_Class]) -> dict[str, list[int]]:
    delegations = defaultdict(list)
    for j, c in enumerate(classes):
        if c.candidate.delegation is not None:
            delegations[c.candidate.delegation].append(j)
    return delegations


def _patterns(state: DelegationState, classes: list[_Class], mix: int | None) -> list[tuple[int, ...]] | None:
    """Every legal non-empty outcome of one delegation (how many of each class), or None if there are too many.

    Legal: within the seats left and, when the mix rule is a violation, mixed (as the engine judges it) if the
    delegation gains anyone and ends with mix members or more.
    """
    room = max(0, state.seats - state.members)
    ranges = [range(min(len(c.members), room) + 1) for c in classes]
    if np.prod([len(r) for r in ranges], dtype=float) > PATTERN_LIMIT:
        return None
    return [
        taken for taken in itertools.product(*ranges)
        if 0 < sum(taken) <= room and _mix_holds(state, classes, taken, mix)
    ]


def _mix_holds(state: DelegationState, classes: list[_Class], taken: tuple[int, ...], mix: int | None) -> bool:
    """True when one-by-one approvals can reach this outcome of the delegation without a mix violation."""
    gained = sum(taken)
    if mix is None or gained == 0 or state.members + gained < mix:
        return True
    added = {c.candidate.gender for c, n in zip(classes, taken, strict=True) if n and c.candidate.gender != UNDISCLOSED}
    if not state.declared and state.members >= mix - 1:
        return not added  # the first declared member would arrive alone at mix members or more
    return len(state.declared | added) != 1


def _add_delegation_patterns(model: _Model, indices: list[int], classes: list[_Class], patterns: list) -> None:
    """One binary per legal pattern, at most one chosen; each class count is what the chosen pattern takes."""
    links = {}
    for j in indices:
        model.counts[j] = model.var(integer=False, upper=len(classes[j].members))
        links[j] = {model.counts[j]: 1.0}
    chosen = {}
    for taken in patterns:
        var = model.var()
        chosen[var] = 1.0
        model.patterns[var] = [(j, n) for j, n in zip(indices, taken, strict=True) if n]
        for j, n in model.patterns[var]:
            links[j][var] = -float(n)
    for terms in links.values():
        model.row(terms, lo=0, hi=0)
    if chosen:
        model.row(chosen, hi=1)


def _add_delegation_counts(model: _Model, state: DelegationState, indices: list[int], classes: list[_Class],
                           mix: int | None) -> None:
    """The fallback for large delegations: an integer count per class, with seats and mix as rows."""
    for j in indices:
        model.counts[j] = model.var(upper=len(classes[j].members))
    model.row(model.total(indices), hi=max(0, state.seats - state.members))
    if mix is not None:
        _add_mix(model, mix, state, indices, classes)


def _add_mix(model: _Model, k: int, state: DelegationState, indices: list[int], classes: list[_Class]) -> None:
    """Big-M form of the mix rule for one delegation, on its class counts (legal outcomes as in the module doc).

    b = 1 when the rule applies (the delegation gains someone and ends with k or more). With one declared gender
    already present, b forces a member of another declared gender. With none present and k - 1 members or more,
    no declared member may join. Otherwise z chooses between "two or more declared genders" (y_g marks gender g
    as present) and "nobody declares one".
    """
    present = state.declared
    pending = sum(len(classes[j].members) for j in indices)
    room = max(0, state.seats - state.members)
    declared = [j for j in indices if classes[j].candidate.gender != UNDISCLOSED]
    if len(present) >= 2 or state.members + min(pending, room) < k or not (present or declared):
        return  # already mixed, can never reach k, or nobody can declare a gender (never single-gender)
    if not present and state.members >= k - 1:
        model.row(model.total(declared), hi=0)  # a first declared member would arrive alone at k or more
        return
    b = model.var()
    # Any gain triggers the rule in a delegation already at k; below k, only reaching k does.
    trigger = 0 if state.members >= k else k - 1 - state.members
    model.row({**model.total(indices), b: -float(pending)}, hi=trigger)
    if present:
        others = [j for j in declared if classes[j].candidate.gender not in present]
        model.row({**model.total(others), b: -1.0}, lo=0)
        return
    by_gender = defaultdict(list)
    for j in declared:
        by_gender[classes[j].candidate.gender].append(j)
    z, ys = model.var(), {}
    for same_gender in by_gender.values():
        y = model.var()
        ys[y] = 1.0
        model.row({y: 1.0, **{model.counts[j]: -1.0 for j in same_gender}}, hi=0)  # present only if chosen
    model.row({**ys, z: -2.0}, lo=0)
    big = float(sum(len(classes[j].members) for j in declared))
    model.row({**model.total(declared), z: -big, b: big}, hi=big)  # b and not z: nobody declared


def _add_caps(model: _Model, policy: Policy, counts: Counts, groups: dict) -> None:
    for bound in policy.bounds:
        indices = groups.get(bound.key)
        if bound.max_seats is not None and indices:
            model.row(model.total(indices), hi=max(0, bound.max_seats - counts.group(*bound.key)))


def _add_reservations(model: _Model, policy: Policy, counts: Counts, groups: dict, dimension: str) -> None:
    minimums = [b for b in policy.bounds_on(dimension) if b.min_seats]
    if not minimums:
        return
    free = policy.capacity - counts.total
    unmet = {b.value: max(0, b.min_seats - counts.group(dimension, b.value)) for b in minimums}
    shortfall = sum(unmet.values()) - free
    if shortfall >= 0:
        _add_tight_reservations(model, groups, dimension, unmet, shortfall)
        return
    # free - everyone chosen >= sum(u_v), with u_v >= unmet_v - chosen_v (continuous, >= 0).
    terms = model.total(range(len(model.counts)))
    for value, need in unmet.items():
        u = model.var(integer=False, upper=np.inf)
        terms[u] = 1.0
        model.row({u: 1.0, **model.total(groups.get((dimension, value), ()))}, lo=need)
    model.row(terms, hi=free)


def _add_tight_reservations(model: _Model, groups: dict, dimension: str, unmet: dict, shortfall: int) -> None:
    """No slack left (free <= unmet): only unmet values may gain, each at most unmet - shortfall (see module doc)."""
    allowed = set()
    for value, need in unmet.items():
        indices = groups.get((dimension, value), [])
        if need > shortfall:
            allowed.update(indices)
            model.row(model.total(indices), hi=need - shortfall)
    blocked = [j for j in range(len(model.counts)) if j not in allowed]
    if blocked:
        model.row(model.total(blocked), hi=0)


def _solve_two_stage(model: _Model, classes: list[_Class], time_limit: float | None) -> tuple[list[int], str]:
    """Maximise the size; then, at that size, minimise the sum of rank positions. Returns counts and status.

    Both stages try the linear relaxation first, which the pattern model usually makes integral: no set is larger
    than the floor of the relaxed size, so if the earliest-first stage finds an integral set that large it is the
    largest, and an integral relaxed optimum is the integer optimum. Only when the relaxation is fractional does
    the integer programme run (and the integer first stage only if the relaxed size cannot be reached).
    """
    size_terms = model.total(range(len(classes)))
    if not size_terms:
        return [], "optimal"  # no class at all
    bound = model.solve(size_terms, time_limit, relaxed=True)
    if bound.x is None:
        return [0] * len(classes), _STATUS.get(bound.status, "error")
    earliest = _earliest_objective(model, classes)
    second = _earliest_at_size(model, size_terms, math.floor(-bound.fun + 1e-6), earliest, time_limit)
    if second.x is None:
        first = model.solve(size_terms, time_limit)
        if first.x is None:
            return [0] * len(classes), _STATUS.get(first.status, "error")
        second = _earliest_at_size(model, size_terms, round(-first.fun), earliest, time_limit)
        if second.x is None:
            return [round(first.x[v]) for v in model.counts], "limit_reached"
    return [round(second.x[v]) for v in model.counts], _STATUS.get(second.status, "error")


def _earliest_at_size(model: _Model, size_terms: dict, size: int, earliest: dict, time_limit: float | None):
    """The earliest set of at least `size` people: the relaxation if it is integral, else the integer programme.

    Solved on a copy, so that the size row can be set again after a fallback.
    """
    sized = dataclasses.replace(model, rows=[*model.rows], cols=[*model.cols], coefs=[*model.coefs],
                                row_lo=[*model.row_lo], row_hi=[*model.row_hi])
    sized.row(size_terms, lo=size)
    relaxed = sized.solve(earliest, time_limit, relaxed=True)
    if relaxed.x is not None and relaxed.status == 0:
        integer = np.flatnonzero(sized.integer)
        if np.all(np.abs(relaxed.x[integer] - np.round(relaxed.x[integer])) < 1e-6):
            return relaxed
    return sized.solve(earliest, time_limit)


def _earliest_objective(model: _Model, classes: list[_Class]) -> dict[int, float]:
    """Weights n - position on people, so that earlier applications weigh more.

    A pattern takes the earliest members of each of its classes, so it weighs what they weigh. Other counts
    (individuals, large delegations) are spread over continuous per-member variables: with weights falling along
    the members, the programme fills a class's earliest members first, so the objective is exactly theirs too.
    """
    n = sum(len(c.members) for c in classes)
    earliest = [np.cumsum([0.0] + [n - p for p in c.members]) for c in classes]  # weight of the first m members
    objective = defaultdict(float)
    for var, taken in model.patterns.items():
        objective[var] = sum(earliest[j][m] for j, m in taken)
    for j, c in enumerate(classes):
        if not model.integer[model.counts[j]]:
            continue  # a class of a patterned delegation: its patterns carry the weights
        if len(c.members) == 1:
            objective[model.counts[j]] = float(n - c.members[0])
            continue
        slots = {model.var(integer=False): float(n - position) for position in c.members}
        model.row({**dict.fromkeys(slots, 1.0), model.counts[j]: -1.0}, lo=0, hi=0)
        objective.update(slots)
    return objective


def _approval_order(counts: Counts, entries: list[PoolEntry], chosen: list[int]) -> list[int]:
    """Rank order, with each delegation's mixing members moved into the delegation's first slots."""
    slots = defaultdict(list)
    for i in chosen:
        key = entries[i].candidate.delegation
        if key is not None:
            slots[key].append(i)
    order = list(chosen)
    position = {i: p for p, i in enumerate(order)}
    for key, members in slots.items():
        reordered = _mixing_first(counts.delegation(key).declared, members, entries)
        for slot, i in zip(sorted(position[m] for m in members), reordered, strict=True):
            order[slot] = i
    return order


def _mixing_first(present: frozenset[str], members: list[int], entries: list[PoolEntry]) -> list[int]:
    """Put first the members that give the delegation two declared genders (if it has fewer)."""
    witnesses = []
    seen = set(present)
    for i in members:
        gender = entries[i].candidate.gender
        if len(seen) >= 2:
            break
        if gender != UNDISCLOSED and gender not in seen:
            seen.add(gender)
            witnesses.append(i)
    if len(seen) < 2:
        return members  # cannot become mixed: the solver kept the delegation small, or all undisclosed
    return witnesses + [i for i in members if i not in witnesses]
