"""The balance rule check: counts of approved registrations and one candidate in, findings as data out.

A finding is a stable code with its numbers, never a sentence: wording.py says it in the reader's language at the
edge (page, mail, PDF, API), and the decision history stores the code, so an old decision reads in today's language.

Rules (DESIGN.md, "Balance rules"), checked in this order so that findings are deterministic:

1. capacity -- the approved total may never exceed the meeting's capacity. Every approval takes a seat.
2. per dimension (region, gender, category), for a candidate whose category counts toward balance:
   cap -- the candidate's value may not go above its max_seats;
   reservation -- while reservations are active, the free seats left after approving (capacity - approved total)
   may not be fewer than the unmet minimums of the *other* values of that dimension. A candidate whose category
   does not count belongs to no value, so every unmet minimum applies to them.
3. delegation seats -- a delegation never exceeds its allocated seats (always a violation).
4. delegation mix -- a delegation of policy.mix_min_size or more approved members must not be single-gender.

Warnings: the mix rule in warning mode, and an approval that takes the *last* seat of the meeting or of a cap.
A last-seat warning tells the organiser that the next person of that kind will be refused; a percentage threshold
("90 % full") was rejected because it is noise on large caps and fires at once on small ones.

Undisclosed gender: a member who prefers not to say counts toward the delegation's size but neither confirms nor
breaks single-genderness. A delegation is single-gender when its members declare exactly one gender; men plus an
undisclosed member is single-gender (we do not guess the undisclosed member is a woman), while a delegation where
nobody declares a gender is not (nothing confirms it).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .policy import CATEGORY, DIMENSIONS, GENDER, REGION, UNDISCLOSED, Policy, Severity

DELEGATION = "delegation"  #: Finding.dimension of the two delegation rules; Finding.value is the delegation


class Rule(str, Enum):
    """The rule a finding is about."""

    CAPACITY = "capacity"
    CAP = "cap"
    RESERVATION = "reservation"
    DELEGATION_SEATS = "delegation_seats"
    DELEGATION_MIX = "delegation_mix"


@dataclass(frozen=True)
class Candidate:
    """The person whose approval is being checked, reduced to what the rules look at.

    Attributes:
        region: region of the represented country ("unassigned" when no scheme places it).
        gender: "woman", "man", "another" or "undisclosed".
        category: category code.
        counts_toward_balance: False for categories that take a seat but count in no group bound.
        delegation: the delegation's key, or None for a person invited on their own.
    """

    region: str
    gender: str
    category: str
    counts_toward_balance: bool = True
    delegation: str | None = None

    def value(self, dimension: str) -> str:
        """The candidate's value on one dimension (region, gender or category)."""
        return {REGION: self.region, GENDER: self.gender, CATEGORY: self.category}[dimension]

    @property
    def groups(self) -> tuple[tuple[str, str], ...]:
        """The (dimension, value) groups the candidate counts in; none when the category does not count."""
        if not self.counts_toward_balance:
            return ()
        return tuple((d, self.value(d)) for d in DIMENSIONS)


@dataclass(frozen=True)
class DelegationState:
    """A delegation's seat allocation and its approved members by gender (all members, counting or not)."""

    seats: int
    genders: Mapping[str, int] = field(default_factory=dict)

    @property
    def members(self) -> int:
        """Approved members, whatever their gender."""
        return sum(self.genders.values())

    @property
    def declared(self) -> frozenset[str]:
        """The declared genders present among approved members (undisclosed is not a declared gender)."""
        return frozenset(g for g, n in self.genders.items() if n > 0 and g != UNDISCLOSED)


@dataclass(frozen=True)
class Counts:
    """What has been approved so far. Treat the mappings as read-only.

    Attributes:
        total: approved registrations, every category included.
        groups: approved members whose category counts, by (dimension, value); missing keys mean 0.
        delegations: state of every delegation a candidate may belong to, by delegation key.
    """

    total: int = 0
    groups: Mapping[tuple[str, str], int] = field(default_factory=dict)
    delegations: Mapping[str, DelegationState] = field(default_factory=dict)

    def group(self, dimension: str, value: str) -> int:
        """Approved counting members of one group."""
        return self.groups.get((dimension, value), 0)

    def delegation(self, key: str) -> DelegationState:
        """The state of a delegation; a candidate naming an unknown delegation is a caller's mistake."""
        try:
            return self.delegations[key]
        except KeyError:
            raise ValueError(f"no seat allocation for delegation {key!r}") from None


@dataclass(frozen=True)
class Finding:
    """How one rule fares if the candidate is approved.

    Attributes:
        rule: which rule.
        severity: holds, warning or violation.
        code: what the finding says, stable across releases ("cap.over", "reservation.short", ...; wording.py
            has one sentence per code).
        dimension: "region", "gender", "category", "delegation", or None for capacity.
        value: the group or delegation concerned; None for capacity and reservations.
        current: the count before approving (for a reservation: free seats now).
        after: the count after approving (for a reservation: free seats after).
        limit: the bound compared against (for a reservation: seats the other values' minimums still need;
            for the mix rule: the size from which a delegation must be mixed).
        extra: what some codes say besides: a reservation's "own" (the candidate fills a value of the dimension)
            and "parts" (value, seats still needed) of the unmet minimums; the mix rule's "gender" (the one declared)
            or "genders" (how many are declared).
    """

    rule: Rule
    severity: Severity
    code: str
    dimension: str | None
    value: str | None
    current: int
    after: int
    limit: int | None
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def params(self) -> dict[str, Any]:
        """The numbers and names the code's sentence is made of (what the API and the history hand on)."""
        return {"dimension": self.dimension, "value": self.value, "current": self.current, "after": self.after,
                "limit": self.limit, **self.extra}

    def as_data(self) -> dict[str, Any]:
        """The finding as the decision history stores it: JSON values only, the code and every parameter."""
        return {"code": self.code, "rule": self.rule.value, "severity": self.severity.value,
                **{k: _plain(v) for k, v in self.params.items()}}


def _plain(value: Any) -> Any:
    """Tuples (the reservation's parts) as lists, as JSON gives them back."""
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


@dataclass(frozen=True)
class Check:
    """Every finding of one approval check, in rule order (capacity, dimensions, delegation)."""

    findings: tuple[Finding, ...]

    @property
    def worst(self) -> Severity:
        """The most severe finding; HOLDS when there is none."""
        return max((f.severity for f in self.findings), key=lambda s: s.level, default=Severity.HOLDS)

    @property
    def allowed(self) -> bool:
        """True when no rule is violated (warnings do not block)."""
        return self.worst is not Severity.VIOLATION

    @property
    def violations(self) -> tuple[Finding, ...]:
        """The findings that block the approval unless overridden."""
        return tuple(f for f in self.findings if f.severity is Severity.VIOLATION)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The findings shown to the organiser that do not block."""
        return tuple(f for f in self.findings if f.severity is Severity.WARNING)


def check_approval(policy: Policy, counts: Counts, candidate: Candidate) -> Check:
    """Check every rule that approving one candidate touches.

    Args:
        policy: the meeting's rules (reservations_active already computed from the release date).
        counts: what is approved now.
        candidate: the person to approve.

    Returns:
        A Check with one finding per rule touched: capacity; then for each dimension the candidate's cap (if their
        value is capped and their category counts) and the reservation rule (if the dimension has minimums and
        reservations are active); then the delegation's seats and mix rule (if the candidate has a delegation and
        the mix rule is on).

    Raises:
        ValueError: the candidate names a delegation that counts.delegations does not hold.
    """
    findings = [_capacity_finding(policy, counts)]
    for dimension in DIMENSIONS:
        findings += _cap_findings(policy, counts, candidate, dimension)
        findings += _reservation_findings(policy, counts, candidate, dimension)
    if candidate.delegation is not None:
        findings += _delegation_findings(policy, counts, candidate, candidate.delegation)
    return Check(tuple(findings))


def apply(counts: Counts, candidate: Candidate) -> Counts:
    """The counts after approving the candidate (a new value; the input is left alone).

    Args:
        counts: what is approved now.
        candidate: the person approved.

    Returns:
        Counts with the total, the candidate's groups (if their category counts) and their delegation's gender
        tally each one higher.

    Raises:
        ValueError: the candidate names a delegation that counts.delegations does not hold.
    """
    groups = dict(counts.groups)
    for key in candidate.groups:
        groups[key] = groups.get(key, 0) + 1
    delegations = dict(counts.delegations)
    if candidate.delegation is not None:
        state = counts.delegation(candidate.delegation)
        genders = dict(state.genders)
        genders[candidate.gender] = genders.get(candidate.gender, 0) + 1
        delegations[candidate.delegation] = DelegationState(state.seats, genders)
    return Counts(counts.total + 1, groups, delegations)


def tally(approved: Iterable[Candidate], delegation_seats: Mapping[str, int] | None = None) -> Counts:
    """Counts of a set of approved candidates, starting from nothing.

    Args:
        approved: the approved candidates.
        delegation_seats: seat allocation of every delegation; delegations without members are kept too.

    Returns:
        The Counts that approving them one after another produces.
    """
    seats = delegation_seats or {}
    counts = Counts(delegations={key: DelegationState(n) for key, n in seats.items()})
    for candidate in approved:
        counts = apply(counts, candidate)
    return counts


def headroom(policy: Policy, counts: Counts) -> dict[tuple[str, str], int]:
    """How many more counting members of each bounded group can still be approved.

    For each bound, the smallest of: the free seats of the meeting; the room under the group's cap; and, while
    reservations are active, the free seats minus the unmet minimums of the other values of its dimension (each
    approval in the group fills its own reservation first, so that is exactly how many the reservation rule lets
    through one by one). Other dimensions and delegations are not considered: whether a member of this region also
    fills a gender reservation depends on who they are, so the number is an upper bound for the dashboard.

    Args:
        policy: the meeting's rules.
        counts: what is approved now.

    Returns:
        A dict by (dimension, value), in policy order, of non-negative seat numbers.
    """
    free = policy.capacity - counts.total
    room = {}
    for bound in policy.bounds:
        limits = [free]
        if bound.max_seats is not None:
            limits.append(bound.max_seats - counts.group(*bound.key))
        if policy.reservations_active:
            limits.append(free - _unmet(policy, counts, bound.dimension, exclude=bound.value))
        room[bound.key] = max(0, min(limits))
    return room


def _capacity_finding(policy: Policy, counts: Counts) -> Finding:
    now, after, cap = counts.total, counts.total + 1, policy.capacity
    if after > cap:
        severity, code = Severity.VIOLATION, "capacity.over"
    elif after == cap:
        severity, code = Severity.WARNING, "capacity.last_seat"
    else:
        severity, code = Severity.HOLDS, "capacity.holds"
    return Finding(Rule.CAPACITY, severity, code, None, None, now, after, cap)


def _cap_findings(policy: Policy, counts: Counts, candidate: Candidate, dimension: str) -> list[Finding]:
    if not candidate.counts_toward_balance:
        return []
    value = candidate.value(dimension)
    bound = policy.bound_for(dimension, value)
    if bound is None or bound.max_seats is None:
        return []
    now, cap = counts.group(dimension, value), bound.max_seats
    after = now + 1
    if after > cap:
        severity, code = Severity.VIOLATION, "cap.over"
    elif after == cap:
        severity, code = Severity.WARNING, "cap.last_seat"
    else:
        severity, code = Severity.HOLDS, "cap.holds"
    return [Finding(Rule.CAP, severity, code, dimension, value, now, after, cap)]


def _unmet(policy: Policy, counts: Counts, dimension: str, exclude: str | None) -> int:
    """Seats the minimums of a dimension still need, leaving out the value `exclude`."""
    return sum(
        max(0, b.min_seats - counts.group(dimension, b.value))
        for b in policy.bounds_on(dimension)
        if b.min_seats and b.value != exclude
    )


def _unmet_parts(policy: Policy, counts: Counts, dimension: str, exclude: str | None) -> tuple[tuple[str, int], ...]:
    """(value, seats its minimum still needs) of each unmet minimum of a dimension but `exclude`, in policy order."""
    return tuple(
        (b.value, b.min_seats - counts.group(dimension, b.value))
        for b in policy.bounds_on(dimension)
        if b.min_seats and b.value != exclude and b.min_seats > counts.group(dimension, b.value)
    )


def _reservation_findings(policy: Policy, counts: Counts, candidate: Candidate, dimension: str) -> list[Finding]:
    if not policy.reservations_active or not any(b.min_seats for b in policy.bounds_on(dimension)):
        return []
    # A non-counting candidate belongs to no value, so no reservation is theirs to fill.
    own = candidate.value(dimension) if candidate.counts_toward_balance else None
    free_now = policy.capacity - counts.total
    free_after = free_now - 1
    needed = _unmet(policy, counts, dimension, exclude=own)
    extra: dict[str, Any] = {"own": own is not None}
    # Only unmet minimums make this rule fail; a full meeting with every minimum met is the capacity's finding.
    if needed > 0 and free_after < needed:
        severity, code = Severity.VIOLATION, "reservation.short"
        extra["parts"] = _unmet_parts(policy, counts, dimension, own)
    else:
        severity, code = Severity.HOLDS, "reservation.holds"
    return [Finding(Rule.RESERVATION, severity, code, dimension, None, free_now, free_after, needed, extra)]


def _delegation_findings(policy: Policy, counts: Counts, candidate: Candidate, key: str) -> list[Finding]:
    state = counts.delegation(key)
    now, after = state.members, state.members + 1
    if after > state.seats:
        severity, code = Severity.VIOLATION, "delegation_seats.over"
    else:
        severity, code = Severity.HOLDS, "delegation_seats.holds"
    seats = Finding(Rule.DELEGATION_SEATS, severity, code, DELEGATION, key, now, after, state.seats)
    if policy.mix_min_size is None:
        return [seats]
    return [seats, _mix_finding(policy, policy.mix_min_size, state, candidate, key)]


def _mix_finding(policy: Policy, k: int, state: DelegationState, candidate: Candidate, key: str) -> Finding:
    declared = set(state.declared)
    if candidate.gender != UNDISCLOSED:
        declared.add(candidate.gender)
    now, after = state.members, state.members + 1
    extra: dict[str, Any] = {}
    if after < k:
        severity, code = Severity.HOLDS, "delegation_mix.too_few"
    elif len(declared) == 1:
        severity, code = policy.mix_severity, "delegation_mix.single_gender"
        (extra["gender"],) = declared
    elif not declared:
        severity, code = Severity.HOLDS, "delegation_mix.undeclared"
    else:
        severity, code = Severity.HOLDS, "delegation_mix.mixed"
        extra["genders"] = len(declared)
    return Finding(Rule.DELEGATION_MIX, severity, code, DELEGATION, key, now, after, k, extra)
