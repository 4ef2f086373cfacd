"""The rule check: a table per rule, then properties over random policies and approval sequences. Findings are
codes with numbers (wording.py says them; tests/balance/test_wording.py checks the sentences)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meeting_manager.balance.engine import (
    DELEGATION,
    Candidate,
    Check,
    Counts,
    DelegationState,
    Finding,
    Rule,
    apply,
    check_approval,
    headroom,
    tally,
)
from meeting_manager.balance.policy import DIMENSIONS, GENDERS, UNDISCLOSED, Bound, Policy, Severity, validate_policy

HOLDS, WARNING, VIOLATION = Severity.HOLDS, Severity.WARNING, Severity.VIOLATION
WEOG = Candidate("WEOG", "man", "gov")


def approved(*candidates, seats=None):
    return tally(candidates, seats)


def finding(check: Check, rule: Rule, dimension=None) -> Finding:
    (found,) = [f for f in check.findings if f.rule is rule and (dimension is None or f.dimension == dimension)]
    return found


# --- capacity -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("capacity", "total", "severity", "code"),
    [
        (30, 28, HOLDS, "capacity.holds"),
        (30, 29, WARNING, "capacity.last_seat"),
        (30, 30, VIOLATION, "capacity.over"),
        (0, 0, VIOLATION, "capacity.over"),
    ],
)
def test_capacity(capacity, total, severity, code):
    check = check_approval(Policy(capacity), Counts(total=total), WEOG)
    assert check.findings[0] == Finding(Rule.CAPACITY, severity, code, None, None, total, total + 1, capacity)


def test_capacity_counts_categories_that_do_not_count_toward_balance():
    press = Candidate("WEOG", "man", "press", counts_toward_balance=False)
    assert not check_approval(Policy(1), approved(press), WEOG).allowed


# --- caps -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("current", "cap", "severity", "code"),
    [
        (10, 30, HOLDS, "cap.holds"),
        (29, 30, WARNING, "cap.last_seat"),
        (30, 30, VIOLATION, "cap.over"),
        (0, 0, VIOLATION, "cap.over"),
    ],
)
def test_region_cap(current, cap, severity, code):
    policy = Policy(100, (Bound("region", "WEOG", max_seats=cap),))
    counts = Counts(total=current, groups={("region", "WEOG"): current})
    found = finding(check_approval(policy, counts, WEOG), Rule.CAP)
    assert found == Finding(Rule.CAP, severity, code, "region", "WEOG", current, current + 1, cap)


@pytest.mark.parametrize(
    ("dimension", "value", "candidate"),
    [
        ("gender", "man", Candidate("AF", "man", "gov")),
        ("gender", "undisclosed", Candidate("AF", "undisclosed", "gov")),
        ("category", "press", Candidate("AF", "woman", "press")),
        ("region", "unassigned", Candidate("unassigned", "woman", "gov")),
    ],
)
def test_cap_on_each_dimension(dimension, value, candidate):
    policy = Policy(100, (Bound(dimension, value, max_seats=2),))
    counts = Counts(total=2, groups={(dimension, value): 2})
    found = finding(check_approval(policy, counts, candidate), Rule.CAP)
    assert (found.code, found.severity, found.dimension, found.value, found.after, found.limit) == (
        "cap.over", VIOLATION, dimension, value, 3, 2)


def test_cap_ignores_candidates_whose_category_does_not_count():
    policy = Policy(100, (Bound("region", "WEOG", max_seats=0),))
    press = Candidate("WEOG", "man", "press", counts_toward_balance=False)
    check = check_approval(policy, Counts(), press)
    assert check.allowed and [f.rule for f in check.findings] == [Rule.CAPACITY]


def test_cap_of_another_value_is_not_touched():
    policy = Policy(100, (Bound("region", "AF", max_seats=0),))
    assert [f.rule for f in check_approval(policy, Counts(), WEOG).findings] == [Rule.CAPACITY]


# --- reservations ---------------------------------------------------------------------------------------------

RESERVED = Policy(10, (Bound("region", "AF", min_seats=3), Bound("region", "AS", min_seats=2)))


@pytest.mark.parametrize(
    ("counts", "candidate", "severity", "after", "needed"),
    [
        (Counts(total=4), WEOG, HOLDS, 5, 5),  # 5 free after, AF 3 + AS 2 still needed
        (Counts(total=5), WEOG, VIOLATION, 4, 5),
        (Counts(total=5), Candidate("AF", "man", "gov"), HOLDS, 4, 2),  # own reservation is not counted against
        (Counts(total=7, groups={("region", "AF"): 2}), Candidate("AF", "man", "gov"), HOLDS, 2, 2),
        (Counts(total=7, groups={("region", "AF"): 2}), Candidate("AS", "man", "gov"), HOLDS, 2, 1),
        (Counts(total=7, groups={("region", "AF"): 2}), WEOG, VIOLATION, 2, 1 + 2),
        (Counts(total=5), Candidate("AF", "man", "press", counts_toward_balance=False), VIOLATION, 4, 5),
        (Counts(total=4), Candidate("AF", "man", "press", counts_toward_balance=False), HOLDS, 5, 5),
    ],
)
def test_reservations(counts, candidate, severity, after, needed):
    found = finding(check_approval(RESERVED, counts, candidate), Rule.RESERVATION)
    assert (found.severity, found.after, found.limit) == (severity, after, needed)
    assert found.current == after + 1


def test_a_short_reservation_names_the_unmet_groups_and_numbers():
    found = finding(check_approval(RESERVED, Counts(total=5), WEOG), Rule.RESERVATION)
    assert (found.code, found.current, found.after, found.limit) == ("reservation.short", 5, 4, 5)
    assert found.extra == {"own": True, "parts": (("AF", 3), ("AS", 2))}
    press = Candidate("AF", "man", "press", counts_toward_balance=False)
    assert finding(check_approval(RESERVED, Counts(total=4), press), Rule.RESERVATION).extra == {"own": False}


def test_reservations_lapse_on_release():
    released = Policy(10, RESERVED.bounds, reservations_active=False)
    check = check_approval(released, Counts(total=8), WEOG)
    assert check.allowed and Rule.RESERVATION not in {f.rule for f in check.findings}


def test_reservations_are_checked_on_each_dimension():
    policy = Policy(10, (Bound("region", "AF", min_seats=2), Bound("gender", "woman", min_seats=4)))
    check = check_approval(policy, Counts(total=6), Candidate("AF", "man", "gov"))
    region, gender = finding(check, Rule.RESERVATION, "region"), finding(check, Rule.RESERVATION, "gender")
    assert region.severity is HOLDS and gender.severity is VIOLATION
    assert (gender.code, gender.limit, gender.extra) == ("reservation.short", 4,
                                                         {"own": True, "parts": (("woman", 4),)})
    assert (region.code, region.extra) == ("reservation.holds", {"own": True})


# --- delegations ----------------------------------------------------------------------------------------------

def delegation_counts(seats, *genders):
    return approved(*(Candidate("AF", g, "gov", delegation="D") for g in genders), seats={"D": seats})


@pytest.mark.parametrize(
    ("seats", "members", "severity"),
    [(3, 1, HOLDS), (3, 2, HOLDS), (3, 3, VIOLATION), (0, 0, VIOLATION)],
)
def test_delegation_seats(seats, members, severity):
    counts = delegation_counts(seats, *["woman"] * members)
    found = finding(check_approval(Policy(100), counts, Candidate("AF", "man", "gov", delegation="D")),
                    Rule.DELEGATION_SEATS)
    assert (found.severity, found.current, found.after, found.limit) == (severity, members, members + 1, seats)
    assert found.code == ("delegation_seats.over" if severity is VIOLATION else "delegation_seats.holds")
    assert found.params["value"] == "D"


def test_delegation_seats_count_members_whose_category_does_not_count():
    counts = approved(Candidate("AF", "man", "press", False, "D"), seats={"D": 1})
    assert not check_approval(Policy(100), counts, Candidate("AF", "woman", "gov", delegation="D")).allowed


@pytest.mark.parametrize(
    ("members", "gender", "severity", "code", "extra"),
    [
        ((), "man", HOLDS, "too_few", {}),
        (("man",), "man", HOLDS, "too_few", {}),  # 2 members: below k
        (("man", "man"), "man", VIOLATION, "single_gender", {"gender": "man"}),
        (("man", "man"), "woman", HOLDS, "mixed", {"genders": 2}),
        (("man", "woman"), "man", HOLDS, "mixed", {"genders": 2}),
        (("man", "man"), UNDISCLOSED, VIOLATION, "single_gender", {"gender": "man"}),  # undisclosed does not
        # break single-genderness...
        ((UNDISCLOSED, UNDISCLOSED), UNDISCLOSED, HOLDS, "undeclared", {}),  # ...nor confirm it
        ((UNDISCLOSED, UNDISCLOSED), "woman", VIOLATION, "single_gender", {"gender": "woman"}),
        (("another", "another"), "another", VIOLATION, "single_gender", {"gender": "another"}),
        (("another", UNDISCLOSED), "woman", HOLDS, "mixed", {"genders": 2}),
        (("man", "man", "woman"), "man", HOLDS, "mixed", {"genders": 2}),
    ],
)
def test_delegation_mix(members, gender, severity, code, extra):
    policy = Policy(100, mix_min_size=3, mix_severity=VIOLATION)
    check = check_approval(policy, delegation_counts(8, *members), Candidate("AF", gender, "gov", delegation="D"))
    found = finding(check, Rule.DELEGATION_MIX)
    assert (found.severity, found.code, found.extra, found.limit) == (severity, f"delegation_mix.{code}", extra, 3)


def test_delegation_mix_severity_is_configurable():
    policy = Policy(100, mix_min_size=3, mix_severity=WARNING)
    check = check_approval(policy, delegation_counts(8, "man", "man"), Candidate("AF", "man", "gov", delegation="D"))
    found = finding(check, Rule.DELEGATION_MIX)
    assert check.allowed and check.warnings == (found,)
    assert (found.code, found.dimension, found.value, found.after) == ("delegation_mix.single_gender", DELEGATION,
                                                                       "D", 3)


def test_a_finding_is_stored_as_json_data():
    found = finding(check_approval(RESERVED, Counts(total=5), WEOG), Rule.RESERVATION)
    assert found.as_data() == {"code": "reservation.short", "rule": "reservation", "severity": "violation",
                               "dimension": "region", "value": None, "current": 5, "after": 4, "limit": 5,
                               "own": True, "parts": [["AF", 3], ["AS", 2]]}


def test_mix_rule_off_and_people_without_delegation():
    member = Candidate("AF", "man", "gov", delegation="D")
    findings = check_approval(Policy(100), delegation_counts(8), member).findings
    assert Rule.DELEGATION_MIX not in {f.rule for f in findings}
    assert [f.rule for f in check_approval(Policy(100, mix_min_size=2), Counts(), WEOG).findings] == [Rule.CAPACITY]


def test_unknown_delegation_is_a_caller_mistake():
    with pytest.raises(ValueError, match="no seat allocation for delegation 'X'"):
        check_approval(Policy(10), Counts(), Candidate("AF", "man", "gov", delegation="X"))


# --- the whole check ------------------------------------------------------------------------------------------

def test_findings_are_ordered_capacity_dimensions_delegation():
    policy = Policy(
        10,
        (
            Bound("category", "gov", max_seats=5),
            Bound("gender", "man", min_seats=1, max_seats=5),
            Bound("region", "AF", min_seats=1, max_seats=5),
        ),
        mix_min_size=2,
    )
    check = check_approval(policy, approved(seats={"D": 2}), Candidate("AF", "man", "gov", delegation="D"))
    assert [(f.rule, f.dimension) for f in check.findings] == [
        (Rule.CAPACITY, None),
        (Rule.CAP, "region"), (Rule.RESERVATION, "region"),
        (Rule.CAP, "gender"), (Rule.RESERVATION, "gender"),
        (Rule.CAP, "category"),
        (Rule.DELEGATION_SEATS, DELEGATION), (Rule.DELEGATION_MIX, DELEGATION),
    ]
    assert check.worst is HOLDS and check.allowed and check.violations == () and check.warnings == ()


def test_worst_allowed_violations_and_warnings():
    policy = Policy(2, (Bound("region", "WEOG", max_seats=1),))
    check = check_approval(policy, Counts(total=1, groups={("region", "WEOG"): 1}), WEOG)
    assert check.worst is VIOLATION and not check.allowed
    assert [f.rule for f in check.warnings] == [Rule.CAPACITY]
    assert [f.rule for f in check.violations] == [Rule.CAP]
    assert Check(()).worst is HOLDS


def test_apply_adds_one_seat_and_leaves_input_alone():
    before = approved(seats={"D": 3})
    after = apply(before, Candidate("AF", "woman", "gov", delegation="D"))
    assert after.total == 1 and after.group("region", "AF") == 1 and after.group("gender", "woman") == 1
    assert after.delegations["D"] == DelegationState(3, {"woman": 1})
    assert before == Counts(0, {}, {"D": DelegationState(3, {})})
    press = apply(after, Candidate("AF", "woman", "press", counts_toward_balance=False))
    assert press.total == 2 and press.groups == after.groups


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # AF: 2 more before its cap; AS: reservation of AF (3) leaves 10 - 3 = 7; woman: capacity
        (Counts(), {("region", "AF"): 2 + 0, ("region", "AS"): 7, ("gender", "woman"): 10}),
        (Counts(total=8), {("region", "AF"): 2, ("region", "AS"): 0, ("gender", "woman"): 2}),
    ],
)
def test_headroom(counts, expected):
    policy = Policy(10, (Bound("region", "AF", min_seats=3, max_seats=2 + 0),
                         Bound("region", "AS", max_seats=9), Bound("gender", "woman", max_seats=10)))
    # AF's cap of 2 below its minimum is invalid, but headroom still answers per rule
    assert headroom(policy, counts) == expected


# --- properties -----------------------------------------------------------------------------------------------

REGIONS = ("AF", "AS", "WEOG", "unassigned")
CATEGORIES = ("gov", "ngo", "press")
VALUES = {"region": REGIONS, "gender": GENDERS, "category": CATEGORIES}
DELEGATIONS = ("D1", "D2", "D3")


@st.composite
def policies(draw, max_capacity=12):
    capacity = draw(st.integers(0, max_capacity))
    bounds = []
    for dimension, values in VALUES.items():
        for value in draw(st.lists(st.sampled_from(values), unique=True, max_size=3)):
            cap = draw(st.none() | st.integers(0, capacity))
            minimum = draw(st.none() | st.integers(0, capacity if cap is None else cap))
            if cap is None and minimum is None:
                cap = capacity
            bounds.append(Bound(dimension, value, minimum, cap))
    policy = Policy(
        capacity, tuple(bounds), draw(st.booleans()), draw(st.none() | st.integers(2, 4)),
        draw(st.sampled_from([WARNING, VIOLATION])),
    )
    # Shrink minimums until they fit, rather than discarding most examples.
    while validate_policy(policy):
        policy = Policy(capacity, tuple(Bound(b.dimension, b.value, b.min_seats and b.min_seats - 1, b.max_seats)
                                        for b in policy.bounds), *_rest(policy))
    return policy


def _rest(policy):
    return policy.reservations_active, policy.mix_min_size, policy.mix_severity


candidates = st.builds(
    Candidate, st.sampled_from(REGIONS), st.sampled_from(GENDERS), st.sampled_from(CATEGORIES), st.booleans(),
    st.none() | st.sampled_from(DELEGATIONS),
)
seat_allocations = st.fixed_dictionaries({d: st.integers(0, 5) for d in DELEGATIONS})


def broken_rules(policy: Policy, counts: Counts) -> list[str]:
    """Every violation-level rule the state breaks (an independent restatement of the rules)."""
    broken = []
    if counts.total > policy.capacity:
        broken.append("capacity")
    for bound in policy.bounds:
        if bound.max_seats is not None and counts.group(*bound.key) > bound.max_seats:
            broken.append(f"cap {bound.key}")
    if policy.reservations_active:
        for dimension in DIMENSIONS:
            unmet = sum(max(0, (b.min_seats or 0) - counts.group(*b.key)) for b in policy.bounds_on(dimension))
            if policy.capacity - counts.total < unmet:
                broken.append(f"reservations {dimension}")
    for key, state in counts.delegations.items():
        if state.members > state.seats:
            broken.append(f"seats {key}")
        k = policy.mix_min_size
        if policy.mix_severity is VIOLATION and k is not None and state.members >= k and len(state.declared) == 1:
            broken.append(f"mix {key}")
    return broken


@settings(max_examples=300, deadline=None)
@given(policies(), seat_allocations, st.lists(candidates, max_size=25))
def test_approving_only_what_is_allowed_never_breaks_a_rule(policy, seats, sequence):
    counts = tally([], seats)
    for candidate in sequence:
        if check_approval(policy, counts, candidate).allowed:
            counts = apply(counts, candidate)
        assert broken_rules(policy, counts) == []


@settings(max_examples=300, deadline=None)
@given(policies(), seat_allocations, st.lists(candidates, max_size=25))
def test_the_engine_refuses_only_what_would_break_a_rule(policy, seats, sequence):
    """From a state that keeps every rule, allowed <=> the state after approving keeps every rule."""
    counts = tally([], seats)
    for candidate in sequence:
        allowed = check_approval(policy, counts, candidate).allowed
        assert allowed == (broken_rules(policy, apply(counts, candidate)) == [])
        if allowed:
            counts = apply(counts, candidate)


@settings(max_examples=200, deadline=None)
@given(policies(), seat_allocations, st.lists(candidates, max_size=15), candidates)
def test_findings_agree_with_apply_and_carry_their_numbers(policy, seats, history, candidate):
    counts = tally(history, seats)
    after = apply(counts, candidate)
    for found in check_approval(policy, counts, candidate).findings:
        if found.rule is Rule.CAPACITY:
            assert (found.current, found.after) == (counts.total, after.total)
        if found.rule is Rule.CAP:
            assert found.after == after.group(found.dimension, found.value)
        assert found.code.split(".")[0] == found.rule.value
        assert (found.severity is VIOLATION) == found.code.endswith((".over", ".short")) or \
            found.code == "delegation_mix.single_gender"


@settings(max_examples=200, deadline=None)
@given(policies(), st.lists(candidates, max_size=10), st.data())
def test_headroom_is_how_many_neutral_members_the_engine_lets_through(policy, history, data):
    """Approving members of one group who touch no other bound succeeds exactly headroom times."""
    region_only = Policy(policy.capacity, policy.bounds_on("region"), policy.reservations_active)
    counts = Counts()
    for candidate in history:
        plain = Candidate(candidate.region, "x", "x", candidate.counts_toward_balance)
        if check_approval(region_only, counts, plain).allowed:
            counts = apply(counts, plain)
    if not region_only.bounds:
        return
    bound = data.draw(st.sampled_from(region_only.bounds))
    room = headroom(region_only, counts)[bound.key]
    member = Candidate(bound.value, "x", "x")
    for _ in range(room):
        assert check_approval(region_only, counts, member).allowed
        counts = apply(counts, member)
    assert not check_approval(region_only, counts, member).allowed
