"""validate_policy sentences and the percentage-to-seats rounding."""
from decimal import Decimal
from fractions import Fraction

import pytest

from meeting_manager.balance.policy import Bound, Policy, Severity, seats_for_percent, validate_policy


@pytest.mark.parametrize(
    ("percent", "capacity", "minimum", "seats"),
    [
        (60, 25, True, 15),
        (60, 25, False, 15),
        (60, 26, True, 16),  # 15.6: a reservation never holds back less than asked
        (60, 26, False, 15),  # 15.6: a cap never allows more than asked
        (33, 10, True, 4),
        (33, 10, False, 3),
        (0, 100, True, 0),
        (100, 37, False, 37),
        (12.5, 8, True, 1),
        (0.1, 1000, False, 1),  # read as the decimal 0.1, not the binary float below it
        (Decimal("33.3"), 30, True, 10),
        (Fraction(100, 3), 3, False, 1),
    ],
)
def test_seats_for_percent_rounds_minimums_up_and_maximums_down(percent, capacity, minimum, seats):
    assert seats_for_percent(percent, capacity, minimum=minimum) == seats


def test_typical_policy_is_valid():
    policy = Policy(
        capacity=300,
        bounds=(
            Bound("region", "AF", min_seats=40, max_seats=90),
            Bound("region", "unassigned", max_seats=10),
            Bound("gender", "woman", max_seats=180),
            Bound("gender", "man", max_seats=180),
            Bound("gender", "another", max_seats=180),
            Bound("category", "press", max_seats=15),
        ),
        mix_min_size=3,
        mix_severity=Severity.VIOLATION,
    )
    assert validate_policy(policy) == []


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (Policy(capacity=-1), "Capacity must not be negative (got -1)."),
        (Policy(capacity=2.5), "Capacity must be a whole number of seats (got 2.5)."),
        (
            Policy(10, (Bound("region", "AF", min_seats=5, max_seats=3),)),
            "The minimum of 5 seats for AF (region) is above its maximum of 3.",
        ),
        (
            Policy(10, (Bound("region", "AF", max_seats=11),)),
            "The maximum of 11 seats for AF (region) is above the capacity of 10.",
        ),
        (
            Policy(10, (Bound("region", "AF", min_seats=12),)),
            "The minimum of 12 seats for AF (region) is above the capacity of 10.",
        ),
        (
            Policy(10, (Bound("gender", "woman", min_seats=-2),)),
            "The minimum for woman (gender) must not be negative (got -2).",
        ),
        (
            Policy(10, (Bound("gender", "woman", max_seats=-1),)),
            "The maximum for woman (gender) must not be negative (got -1).",
        ),
        (
            Policy(10, (Bound("region", "AF", min_seats=6), Bound("region", "AS", min_seats=5))),
            "The minimums on region add up to 11 seats, more than the capacity of 10.",
        ),
        (
            Policy(10, (Bound("region", "AF", max_seats=3), Bound("region", "AF", max_seats=4))),
            "AF (region) has 2 bounds; keep one.",
        ),
        (
            Policy(10, (Bound("age", "young", max_seats=3),)),
            "Unknown dimension 'age' for young; use region, gender or category.",
        ),
        (
            Policy(10, (Bound("gender", "female", max_seats=3),)),
            "'female' is not a gender value; use woman, man, another or undisclosed.",
        ),
        (Policy(10, (Bound("region", "AF"),)), "The bound for AF (region) has neither a minimum nor a maximum."),
        (Policy(10, mix_min_size=1), "The delegation mix size must be a whole number of at least 2 (got 1)."),
        (
            Policy(10, mix_min_size=3, mix_severity=Severity.HOLDS),
            "The delegation mix rule must be a warning or a violation (got <Severity.HOLDS: 'holds'>).",
        ),
    ],
)
def test_validate_policy_explains_each_problem(policy, expected):
    assert validate_policy(policy) == [expected]


def test_validate_policy_uses_labels_and_lists_every_problem_in_order():
    policy = Policy(
        5,
        (Bound("region", "WEOG", min_seats=4, max_seats=6), Bound("region", "AF", min_seats=3)),
    )
    labels = {("region", "WEOG"): "Western European and Others States"}
    assert validate_policy(policy, labels) == [
        "The maximum of 6 seats for Western European and Others States (region) is above the capacity of 5.",
        "The minimums on region add up to 7 seats, more than the capacity of 5.",
    ]


def test_minimums_on_different_dimensions_may_overlap():
    policy = Policy(10, (Bound("region", "AF", min_seats=8), Bound("gender", "woman", min_seats=8)))
    assert validate_policy(policy) == []


def test_bounds_on_undisclosed_and_unassigned_are_ordinary():
    policy = Policy(10, (Bound("gender", "undisclosed", max_seats=2), Bound("region", "unassigned", min_seats=1)))
    assert validate_policy(policy) == []


def test_policy_lookups():
    af = Bound("region", "AF", min_seats=2)
    policy = Policy(10, (af, Bound("gender", "man", max_seats=6)))
    assert policy.bound_for("region", "AF") is af
    assert policy.bound_for("region", "AS") is None
    assert policy.bounds_on("region") == (af,)
    assert policy.reserves
    assert not Policy(10, (af,), reservations_active=False).reserves
