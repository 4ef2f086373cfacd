"""validate_policy's problems (codes with their numbers, said by wording.py) and the percentage-to-seats rounding."""
import json
from decimal import Decimal
from fractions import Fraction

import pytest

from meeting_manager.balance.policy import Bound, Policy, PolicyProblem, Severity, seats_for_percent, validate_policy
from meeting_manager.balance.wording import problem_text


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


AF = {"dimension": "region", "value": "AF"}


@pytest.mark.parametrize(
    ("policy", "code", "params"),
    [
        (Policy(capacity=-1), "capacity.negative", {"got": -1}),
        (Policy(capacity=2.5), "capacity.not_whole", {"got": 2.5}),
        (Policy(10, (Bound("region", "AF", min_seats=5, max_seats=3),)), "bound.min_above_max",
         AF | {"minimum": 5, "maximum": 3}),
        (Policy(10, (Bound("region", "AF", max_seats=11),)), "bound.above_capacity",
         AF | {"which": "maximum", "seats": 11, "capacity": 10}),
        (Policy(10, (Bound("region", "AF", min_seats=12),)), "bound.above_capacity",
         AF | {"which": "minimum", "seats": 12, "capacity": 10}),
        (Policy(10, (Bound("gender", "woman", min_seats=-2),)), "bound.negative",
         {"dimension": "gender", "value": "woman", "which": "minimum", "got": -2}),
        (Policy(10, (Bound("gender", "woman", max_seats=-1),)), "bound.negative",
         {"dimension": "gender", "value": "woman", "which": "maximum", "got": -1}),
        (Policy(10, (Bound("gender", "woman", max_seats=1.5),)), "bound.not_whole",
         {"dimension": "gender", "value": "woman", "which": "maximum", "got": 1.5}),
        (Policy(10, (Bound("region", "AF", min_seats=6), Bound("region", "AS", min_seats=5))),
         "minimums.above_capacity", {"dimension": "region", "total": 11, "capacity": 10}),
        (Policy(10, (Bound("region", "AF", max_seats=3), Bound("region", "AF", max_seats=4))), "bound.duplicate",
         AF | {"count": 2}),
        (Policy(10, (Bound("age", "young", max_seats=3),)), "bound.unknown_dimension",
         {"dimension": "age", "value": "young"}),
        (Policy(10, (Bound("gender", "female", max_seats=3),)), "bound.unknown_gender",
         {"dimension": "gender", "value": "female"}),
        (Policy(10, (Bound("region", "AF"),)), "bound.empty", AF),
        (Policy(10, mix_min_size=1), "mix.size", {"got": 1}),
        (Policy(10, mix_min_size=3, mix_severity=Severity.HOLDS), "mix.severity", {"got": "holds"}),
    ],
)
def test_validate_policy_finds_each_problem_as_a_code_with_its_numbers(policy, code, params):
    (problem,) = validate_policy(policy)
    assert (problem.code, dict(problem.params)) == (code, params)
    assert json.loads(json.dumps(problem.params)) == params  # what the API hands on


def test_validate_policy_lists_every_problem_in_order():
    policy = Policy(5, (Bound("region", "WEOG", min_seats=4, max_seats=6), Bound("region", "AF", min_seats=3)))
    assert [p.code for p in validate_policy(policy)] == ["bound.above_capacity", "minimums.above_capacity"]


#: (problem, labels, the English sentence)
SENTENCES = [
    (PolicyProblem("capacity.not_whole", {"got": 2.5}), {}, "The capacity must be a whole number of seats (got 2.5)."),
    (PolicyProblem("bound.above_capacity", {"dimension": "region", "value": "WEOG", "which": "maximum", "seats": 6,
                                            "capacity": 5}), {("region", "WEOG"): "Western Europe"},
     "The maximum of 6 seats for Western Europe is above the capacity of 5."),
    (PolicyProblem("bound.above_capacity", {"dimension": "region", "value": "Western European and Others States",
                                            "which": "minimum", "seats": 1, "capacity": 0}), {},
     "The minimum of 1 seat for Western European and Others States is above the capacity of 0."),
    (PolicyProblem("bound.negative", {"dimension": "gender", "value": "woman", "which": "minimum", "got": -2}), {},
     "The minimum for women must not be negative (got -2)."),
    (PolicyProblem("minimums.above_capacity", {"dimension": "gender", "total": 11, "capacity": 10}), {},
     "The minimums of the genders add up to 11 seats, more than the capacity of 10."),
    (PolicyProblem("bound.duplicate", {"dimension": "category", "value": "gov", "count": 2}),
     {("category", "gov"): "Government"}, "Government has 2 bounds; keep one."),
    (PolicyProblem("bound.below_approved", {"dimension": "gender", "value": "man", "approved": 3, "cap": 2}), {},
     "men: 3 approved, above a cap of 2."),
    (PolicyProblem("mix.severity", {"got": "holds"}), {},
     "The delegation mix rule must be a warning or a violation (got holds)."),
]


@pytest.mark.parametrize(("problem", "labels", "sentence"), SENTENCES, ids=[p.code for p, _l, _s in SENTENCES])
def test_problems_are_said_in_english_with_the_groups_named(app, problem, labels, sentence):
    with app.test_request_context():
        assert problem_text(problem, labels) == sentence


def test_every_problem_code_has_its_own_sentence(app):
    codes = {"capacity.not_whole", "capacity.negative", "bound.unknown_dimension", "bound.unknown_gender",
             "bound.empty", "bound.not_whole", "bound.negative", "bound.above_capacity", "bound.min_above_max",
             "bound.duplicate", "minimums.above_capacity", "mix.size", "mix.severity", "bound.below_approved"}
    with app.test_request_context():
        sentences = {problem_text(PolicyProblem(code, {"dimension": "region", "value": "AF", "got": 1}))
                     for code in codes}
    assert len(sentences) == len(codes) and all(s.endswith(".") for s in sentences)


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
