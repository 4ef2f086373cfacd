"""Rule findings and policy problems in words: one sentence per code, in the reader's language, said at the edge.

The engine hands out codes with numbers (engine.Finding) and the decision history stores them as dicts
(Finding.as_data); both read here, at the moment a page, a mail, a PDF, an export or the API shows them, so a
decision taken in English reads in Spanish to a Spanish organiser. Group names are looked up then too: categories and
delegations from the meeting (labels), regions of the built-in schemes and genders in the reader's language.
A stored finding without a code (an old sentence the migration could not read) is shown as it was written.
The problems validate_policy finds in a policy are codes too (policy.PolicyProblem), said here the same way.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..reference.services import region_label
from .engine import DELEGATION, Finding
from .policy import CATEGORY, GENDER, REGION, PolicyProblem

Labels = Mapping[tuple[str, str], str]

#: a gender group's name, as bounds and findings say it ("a cap on women")
GENDER_LABELS = {"woman": _l("women"), "man": _l("men"), "another": _l("another gender identity"),
                 "undisclosed": _l("undisclosed gender")}
#: one declared gender, as the mix rule says it ("every declared gender is man")
GENDER_WORDS = {"woman": _l("woman"), "man": _l("man"), "another": _l("another gender identity")}
#: the groups a reservation finding speaks of: (dimension, the candidate fills a value of it) -> words
OTHERS = {(REGION, True): _l("other regions"), (REGION, False): _l("regions"),
          (GENDER, True): _l("other genders"), (GENDER, False): _l("genders"),
          (CATEGORY, True): _l("other categories"), (CATEGORY, False): _l("categories")}


def group_name(labels: Labels | None, dimension: str | None, value: str | None) -> str:
    """A group's or delegation's name in the reader's language; the value itself where nothing names it."""
    value = value or ""
    if labels and (dimension, value) in labels:
        return str(labels[(dimension, value)])
    if dimension == REGION:
        return region_label(value)
    if dimension == GENDER and value in GENDER_LABELS:
        return str(GENDER_LABELS[value])
    return value


def _seats(n: int) -> str:
    return ngettext("%(num)d seat", "%(num)d seats", n)


def _members(n: int) -> str:
    return ngettext("%(num)d member", "%(num)d members", n)


def _others(d: dict) -> str:
    dimension, own = d.get("dimension") or "", bool(d.get("own", True))
    if (dimension, own) in OTHERS:
        return str(OTHERS[(dimension, own)])
    return _("other %(dimension)s values", dimension=dimension) if own else _("%(dimension)s values",
                                                                               dimension=dimension)


def _parts(d: dict, labels: Labels | None) -> str:
    # TRANSLATORS: one unmet minimum in a list, e.g. "African States 3": the group, then the seats it still needs
    return ", ".join(_("%(group)s %(seats)d", group=group_name(labels, d.get("dimension"), value), seats=n)
                     for value, n in d.get("parts") or ())


def _capacity(d: dict, _labels) -> str:
    code, after, limit = d["code"], d.get("after", 0), d.get("limit") or 0
    if code == "capacity.over":
        return ngettext("Approving would put the meeting at %(after)d of %(num)d seats.",
                        "Approving would put the meeting at %(after)d of %(num)d seats.", limit, after=after)
    if code == "capacity.last_seat":
        return _("Approving would take the last free seat of the meeting (%(after)d of %(limit)d).",
                 after=after, limit=limit)
    return ngettext("The meeting would have %(after)d of %(num)d seats taken.",
                    "The meeting would have %(after)d of %(num)d seats taken.", limit, after=after)


def _cap(d: dict, labels) -> str:
    code, after, limit = d["code"], d.get("after", 0), d.get("limit") or 0
    name = group_name(labels, d.get("dimension"), d.get("value"))
    if code == "cap.over":
        return ngettext("Approving would put %(name)s at %(after)d of %(num)d seats.",
                        "Approving would put %(name)s at %(after)d of %(num)d seats.", limit, name=name, after=after)
    if code == "cap.last_seat":
        return _("Approving would take the last seat of %(name)s (%(after)d of %(limit)d).",
                 name=name, after=after, limit=limit)
    return ngettext("%(name)s would have %(after)d of %(num)d seats.",
                    "%(name)s would have %(after)d of %(num)d seats.", limit, name=name, after=after)


def _reservation(d: dict, labels) -> str:
    values = {"free": _seats(max(d.get("after", 0), 0)), "others": _others(d), "needed": _seats(d.get("limit") or 0)}
    if d["code"] == "reservation.short":
        return _("Approving would leave %(free)s free while %(others)s still need %(needed)s reserved (%(parts)s).",
                 parts=_parts(d, labels), **values)
    return _("Approving would leave %(free)s free; %(others)s still need %(needed)s reserved.", **values)


def _delegation_seats(d: dict, labels) -> str:
    after, limit = d.get("after", 0), d.get("limit") or 0
    name = group_name(labels, DELEGATION, d.get("value"))
    if d["code"] == "delegation_seats.over":
        return ngettext("Approving would put delegation %(name)s at %(after)d of %(num)d seats.",
                        "Approving would put delegation %(name)s at %(after)d of %(num)d seats.", limit,
                        name=name, after=after)
    return ngettext("Delegation %(name)s would have %(after)d of %(num)d seats.",
                    "Delegation %(name)s would have %(after)d of %(num)d seats.", limit, name=name, after=after)


def _mix(d: dict, labels) -> str:
    code, k = d["code"], d.get("limit") or 0
    name, members = group_name(labels, DELEGATION, d.get("value")), _members(d.get("after", 0))
    if code == "delegation_mix.too_few":
        return ngettext("Delegation %(name)s would have %(members)s, fewer than the %(num)d from which it must be "
                        "mixed.", "Delegation %(name)s would have %(members)s, fewer than the %(num)d from which it "
                        "must be mixed.", k, name=name, members=members)
    if code == "delegation_mix.single_gender":
        gender = d.get("gender") or ""
        return _("Approving would make delegation %(name)s single-gender: %(members)s, every declared gender is "
                 "%(gender)s (mixed from %(mixed_from)s).", name=name, members=members,
                 gender=str(GENDER_WORDS.get(gender, gender)), mixed_from=_members(k))
    if code == "delegation_mix.undeclared":
        return _("Delegation %(name)s would have %(members)s who declare no gender; not single-gender.",
                 name=name, members=members)
    return ngettext("Delegation %(name)s would have %(members)s who declare %(num)d gender; not single-gender.",
                    "Delegation %(name)s would have %(members)s who declare %(num)d genders; not single-gender.",
                    d.get("genders") or 0, name=name, members=members)


def _note_verbale(d: dict, labels) -> str:
    return _("The note verbale of %(name)s is not verified yet.", name=group_name(labels, DELEGATION, d.get("value")))


_RULES: dict[str, Callable[[dict, Labels | None], str]] = {
    "capacity": _capacity, "cap": _cap, "reservation": _reservation, "delegation_seats": _delegation_seats,
    "delegation_mix": _mix, "note_verbale": _note_verbale}
#: every code the engine and the balance services hand out (the migration and the tests read it)
CODES = frozenset({
    "capacity.over", "capacity.last_seat", "capacity.holds", "cap.over", "cap.last_seat", "cap.holds",
    "reservation.short", "reservation.holds", "delegation_seats.over", "delegation_seats.holds",
    "delegation_mix.too_few", "delegation_mix.single_gender", "delegation_mix.undeclared", "delegation_mix.mixed",
    "note_verbale.unverified"})


def as_data(finding: Finding | Mapping[str, Any]) -> dict[str, Any]:
    """A finding as the history stores it (an engine Finding, or a stored dict as it is)."""
    return finding.as_data() if isinstance(finding, Finding) else dict(finding)


def finding_text(finding: Finding | Mapping[str, Any], labels: Labels | None = None) -> str:
    """The finding as a sentence in the current locale.

    Args:
        finding: an engine Finding, or a dict of the decision history (code and numbers, or an old `text`).
        labels: display names by (dimension, value) from balance.services.labels_for: categories and delegations
            of the meeting; regions and genders are named in the reader's language where labels do not name them.
    """
    data = as_data(finding)
    code = data.get("code")
    if code not in CODES:
        return str(data.get("text") or data.get("message") or "")
    return _RULES[code.split(".")[0]](data, labels)


def finding_json(finding: Finding, labels: Labels | None = None) -> dict[str, Any]:
    """What a program reads of a finding: its code and parameters, and the sentence in the current locale."""
    return {"code": finding.code, "params": finding.params, "sentence": finding_text(finding, labels)}


# --- policy problems ---------------------------------------------------------------------------------------------


def _given(value: object) -> str:
    """What the organiser gave, as a problem shows it: a number in the reader's way of writing numbers."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format_decimal(value)
    return str(value)


def _number_problem(p: dict, name: str) -> str:
    code, minimum, got = p["code"], p.get("which") == "minimum", _given(p.get("got"))
    if code == "bound.not_whole":
        return (_("The minimum for %(group)s must be a whole number of seats (got %(got)s).", group=name, got=got)
                if minimum else
                _("The maximum for %(group)s must be a whole number of seats (got %(got)s).", group=name, got=got))
    if code == "bound.negative":
        return (_("The minimum for %(group)s must not be negative (got %(got)s).", group=name, got=got) if minimum
                else _("The maximum for %(group)s must not be negative (got %(got)s).", group=name, got=got))
    seats, capacity = p.get("seats") or 0, p.get("capacity") or 0
    if minimum:
        return ngettext("The minimum of %(num)d seat for %(group)s is above the capacity of %(capacity)d.",
                        "The minimum of %(num)d seats for %(group)s is above the capacity of %(capacity)d.", seats,
                        group=name, capacity=capacity)
    return ngettext("The maximum of %(num)d seat for %(group)s is above the capacity of %(capacity)d.",
                    "The maximum of %(num)d seats for %(group)s is above the capacity of %(capacity)d.", seats,
                    group=name, capacity=capacity)


def _minimums_problem(p: dict) -> str:
    dimension, total, capacity = p.get("dimension"), p.get("total") or 0, p.get("capacity") or 0
    if dimension == REGION:
        return ngettext("The minimums of the regions add up to %(num)d seat, more than the capacity of %(capacity)d.",
                        "The minimums of the regions add up to %(num)d seats, more than the capacity of "
                        "%(capacity)d.", total, capacity=capacity)
    if dimension == GENDER:
        return ngettext("The minimums of the genders add up to %(num)d seat, more than the capacity of %(capacity)d.",
                        "The minimums of the genders add up to %(num)d seats, more than the capacity of "
                        "%(capacity)d.", total, capacity=capacity)
    return ngettext("The minimums of the categories add up to %(num)d seat, more than the capacity of "
                    "%(capacity)d.", "The minimums of the categories add up to %(num)d seats, more than the capacity "
                    "of %(capacity)d.", total, capacity=capacity)


def problem_text(problem: PolicyProblem, labels: Labels | None = None) -> str:
    """A policy problem (policy.validate_policy; or bound.below_approved, a cap below what is already approved,
    with its approved and cap) as a sentence in the current
    locale; groups are named as in findings (labels, then the built-in regions and genders)."""
    p = {"code": problem.code, **problem.params}
    code, name = problem.code, group_name(labels, p.get("dimension"), p.get("value"))
    if code == "capacity.not_whole":
        return _("The capacity must be a whole number of seats (got %(got)s).", got=_given(p.get("got")))
    if code == "capacity.negative":
        return _("The capacity must not be negative (got %(got)s).", got=_given(p.get("got")))
    if code == "bound.unknown_dimension":
        return _("“%(dimension)s” is not something bounds can count (for %(value)s); use region, gender or "
                 "category.", dimension=p.get("dimension"), value=p.get("value"))
    if code == "bound.unknown_gender":
        return _("“%(value)s” is not a gender value; use woman, man, another or undisclosed.", value=p.get("value"))
    if code == "bound.empty":
        return _("The bound for %(group)s has neither a minimum nor a maximum.", group=name)
    if code in ("bound.not_whole", "bound.negative", "bound.above_capacity"):
        return _number_problem(p, name)
    if code == "bound.min_above_max":
        return ngettext("The minimum of %(num)d seat for %(group)s is above its maximum of %(maximum)d.",
                        "The minimum of %(num)d seats for %(group)s is above its maximum of %(maximum)d.",
                        p.get("minimum") or 0, group=name, maximum=p.get("maximum") or 0)
    if code == "bound.duplicate":
        return ngettext("%(group)s has %(num)d bound; keep one.", "%(group)s has %(num)d bounds; keep one.",
                        p.get("count") or 0, group=name)
    if code == "minimums.above_capacity":
        return _minimums_problem(p)
    if code == "mix.size":
        return _("The delegation mix size must be a whole number of at least 2 (got %(got)s).",
                 got=_given(p.get("got")))
    if code == "mix.severity":
        return _("The delegation mix rule must be a warning or a violation (got %(got)s).", got=_given(p.get("got")))
    if code == "bound.below_approved":
        return ngettext("%(group)s: %(num)d approved, above a cap of %(cap)d.",
                        "%(group)s: %(num)d approved, above a cap of %(cap)d.", p.get("approved") or 0,
                        group=name, cap=p.get("cap") or 0)
    return code


@dataclass(frozen=True)
class SaidProblem:
    """A policy problem that stays data (its code and params, for the API) and says itself in the locale current
    where it is shown (str(), as a page, a flash or a problem response does)."""

    problem: PolicyProblem
    labels: Labels | None = None

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.problem.params)

    def __str__(self) -> str:
        return problem_text(self.problem, self.labels)
