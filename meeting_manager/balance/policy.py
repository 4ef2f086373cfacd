"""A meeting's balance policy as pure, frozen values, and the checks that tell an organiser what is wrong with it.

Rules are counted in seats against the meeting's capacity (DESIGN.md, "Balance rules"). A policy has bounds per
(dimension, value): a minimum (seats reserved for that value) and a maximum (a cap), both optional. Dimensions are
"region" (region of the represented country; "unassigned" is an ordinary value), "gender" ("woman", "man",
"another", "undisclosed") and "category" (a category code).

No Flask, no database: `balance/models.py` stores a policy, the registration services build one of these from it.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any

REGION = "region"
GENDER = "gender"
CATEGORY = "category"
#: the order in which findings and messages walk the dimensions
DIMENSIONS = (REGION, GENDER, CATEGORY)

UNASSIGNED = "unassigned"  #: region of a country no scheme places; counted like any other region
UNDISCLOSED = "undisclosed"  #: "prefer not to say"; never guessed, never counts as a declared gender
GENDERS = ("woman", "man", "another", UNDISCLOSED)


class Severity(str, Enum):
    """How a rule fares for one decision; ordered holds < warning < violation."""

    HOLDS = "holds"
    WARNING = "warning"
    VIOLATION = "violation"

    @property
    def level(self) -> int:
        """0 for holds, 1 for warning, 2 for violation, so that severities can be compared."""
        return _LEVELS[self]


_LEVELS = {Severity.HOLDS: 0, Severity.WARNING: 1, Severity.VIOLATION: 2}


@dataclass(frozen=True)
class Bound:
    """Seats reserved for and capped on one value of one dimension.

    Attributes:
        dimension: "region", "gender" or "category".
        value: the region code, gender value or category code the bound applies to.
        min_seats: seats reserved for this value (None: no reservation). While reservations are active, approving
            someone of another value is refused if it would leave too few free seats to still meet this minimum.
        max_seats: the cap: approved counting members of this value may never exceed it (None: no cap).
    """

    dimension: str
    value: str
    min_seats: int | None = None
    max_seats: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        """The (dimension, value) pair this bound applies to."""
        return (self.dimension, self.value)


@dataclass(frozen=True)
class Policy:
    """The balance rules of one meeting.

    Attributes:
        capacity: seats of the meeting; every approved registration takes one, whatever its category.
        bounds: at most one bound per (dimension, value).
        reservations_active: False once the organiser's release date has passed; minimums then stop holding seats
            back (the caller computes it, so that the engine stays free of clocks).
        mix_min_size: a delegation of this many approved members or more must not be single-gender; None switches
            the rule off.
        mix_severity: WARNING (shown, does not block) or VIOLATION (blocks unless overridden) for the mix rule.
    """

    capacity: int
    bounds: tuple[Bound, ...] = ()
    reservations_active: bool = True
    mix_min_size: int | None = None
    mix_severity: Severity = Severity.WARNING

    def bounds_on(self, dimension: str) -> tuple[Bound, ...]:
        """The bounds of one dimension, in policy order."""
        return tuple(b for b in self.bounds if b.dimension == dimension)

    def bound_for(self, dimension: str, value: str) -> Bound | None:
        """The bound on (dimension, value), or None when that value is unbounded."""
        return next((b for b in self.bounds if b.key == (dimension, value)), None)

    @property
    def reserves(self) -> bool:
        """True when some minimum currently holds seats back."""
        return self.reservations_active and any(b.min_seats for b in self.bounds)


def seats_for_percent(percent: float | Decimal | Fraction, capacity: int, *, minimum: bool) -> int:
    """Turn a percentage of capacity into whole seats: a minimum rounds up, a maximum rounds down.

    Rounding goes the way that keeps the organiser's promise: a reservation of 33 % of 10 seats reserves 4 (never
    less than the share asked for), a cap of 60 % of 26 seats allows 15 (never more than the share). The arithmetic
    is exact (a float is read as the decimal it prints as), so 60 % of 25 is 15 both ways. Because of the opposite
    roundings, the same percentage as minimum and maximum can give min > max; `validate_policy` reports that.

    Args:
        percent: share of capacity, 0-100.
        capacity: the meeting's capacity in seats.
        minimum: True for a min_seats, False for a max_seats.

    Returns:
        The number of seats.
    """
    share = Fraction(str(percent)) if isinstance(percent, float) else Fraction(percent)
    seats = share * capacity / 100
    return math.ceil(seats) if minimum else math.floor(seats)


@dataclass(frozen=True)
class PolicyProblem:
    """One thing wrong with a policy, as data: a stable code and the values its sentence is made of (wording.py
    says it in the reader's language, at the edge).

    Codes and their params (every bound's problem also names its dimension and value):
        capacity.not_whole, capacity.negative: got.
        bound.unknown_dimension, bound.unknown_gender, bound.empty: (dimension and value only).
        bound.not_whole, bound.negative: which ("minimum" or "maximum"), got.
        bound.above_capacity: which, seats, capacity.
        bound.min_above_max: minimum, maximum.
        bound.duplicate: count (how many bounds the pair has).
        minimums.above_capacity: dimension, total, capacity.
        mix.size, mix.severity: got.
    (balance.services adds bound.below_approved: a cap below the seats already approved, with approved and cap.)
    `got` is the value as given (a number or a string), so that the sentence can show what was wrong with it.
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)


def validate_policy(policy: Policy) -> list[PolicyProblem]:
    """Everything wrong with a policy, as problems an organiser can act on; an empty list means it is usable.

    Checks: capacity and every number are whole and not negative; each (dimension, value) has one bound; the
    dimension is known and a gender bound names a known gender; a minimum is not above its maximum; neither is above
    capacity; the minimums of one dimension add up to no more than capacity (else reservations could never all be
    met); the mix size is at least 2 (a delegation of one is always single-gender) and its severity is warning or
    violation. Minimums on different dimensions may overlap (one person fills a region and a gender reservation),
    so they are not added across dimensions.

    Args:
        policy: the policy to check.

    Returns:
        The problems, in a stable order (capacity, bounds in policy order, duplicates, dimension totals, mix rule).
    """
    problems = _capacity_problems(policy.capacity)
    for bound in policy.bounds:
        problems += _bound_problems(bound, policy.capacity)
    problems += _duplicate_problems(policy.bounds)
    problems += _minimum_total_problems(policy)
    problems += _mix_problems(policy)
    return problems


def _is_count(number: object) -> bool:
    return isinstance(number, int) and not isinstance(number, bool)


def _given(value: object) -> object:
    """A value as a problem's `got` holds it: JSON-plain (an enum by its value, anything else as its repr)."""
    if isinstance(value, Enum):
        return value.value
    return value if value is None or isinstance(value, (int, float, str)) else repr(value)


def _capacity_problems(capacity: object) -> list[PolicyProblem]:
    if not _is_count(capacity):
        return [PolicyProblem("capacity.not_whole", {"got": _given(capacity)})]
    if capacity < 0:
        return [PolicyProblem("capacity.negative", {"got": capacity})]
    return []


def _bound_problems(bound: Bound, capacity: int) -> list[PolicyProblem]:
    def problem(code: str, **params) -> PolicyProblem:
        return PolicyProblem(code, {"dimension": bound.dimension, "value": bound.value, **params})

    problems = []
    if bound.dimension not in DIMENSIONS:
        problems.append(problem("bound.unknown_dimension"))
    elif bound.dimension == GENDER and bound.value not in GENDERS:
        problems.append(problem("bound.unknown_gender"))
    if bound.min_seats is None and bound.max_seats is None:
        problems.append(problem("bound.empty"))
    numbers = [(which, n) for which, n in (("minimum", bound.min_seats), ("maximum", bound.max_seats)) if n is not None]
    for which, n in numbers:
        if not _is_count(n):
            problems.append(problem("bound.not_whole", which=which, got=_given(n)))
        elif n < 0:
            problems.append(problem("bound.negative", which=which, got=n))
        elif _is_count(capacity) and n > capacity:
            problems.append(problem("bound.above_capacity", which=which, seats=n, capacity=capacity))
    if len(numbers) == 2 and all(_is_count(n) for _, n in numbers) and bound.min_seats > bound.max_seats:
        problems.append(problem("bound.min_above_max", minimum=bound.min_seats, maximum=bound.max_seats))
    return problems


def _duplicate_problems(bounds: tuple[Bound, ...]) -> list[PolicyProblem]:
    seen = Counter(b.key for b in bounds)
    return [PolicyProblem("bound.duplicate", {"dimension": dimension, "value": value, "count": n})
            for (dimension, value), n in seen.items() if n > 1]


def _minimum_total_problems(policy: Policy) -> list[PolicyProblem]:
    capacity = policy.capacity
    if not _is_count(capacity) or capacity < 0:
        return []  # already reported
    problems = []
    for dimension in DIMENSIONS:
        minimums = [b.min_seats for b in policy.bounds_on(dimension) if _is_count(b.min_seats) and b.min_seats > 0]
        # One minimum above capacity is reported on its own bound; the total would only repeat it.
        if sum(minimums) > capacity and all(n <= capacity for n in minimums):
            problems.append(PolicyProblem("minimums.above_capacity",
                                          {"dimension": dimension, "total": sum(minimums), "capacity": capacity}))
    return problems


def _mix_problems(policy: Policy) -> list[PolicyProblem]:
    problems = []
    k = policy.mix_min_size
    if k is not None and (not _is_count(k) or k < 2):
        problems.append(PolicyProblem("mix.size", {"got": _given(k)}))
    if policy.mix_severity not in (Severity.WARNING, Severity.VIOLATION):
        problems.append(PolicyProblem("mix.severity", {"got": _given(policy.mix_severity)}))
    return problems
