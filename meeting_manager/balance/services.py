"""Balance on the database: build the pure engine's inputs from rows, and decide under a per-meeting lock.

Every path that approves someone — one decision, a bulk decision, accepting suggestions, auto-approval on
registration, waitlist promotion — goes through `_approve_locked`, after `lock_meeting`. Counts are read after the
lock is taken, so two organisers (or a burst of auto-approvals) can never together exceed a bound.
"""
import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import String, and_, bindparam, cast, func, literal, select, union_all, update
from sqlalchemy.orm import aliased

from ..audit.services import record
from ..delegations.models import Delegation
from ..errors import DomainError
from ..extensions import db
from ..meetings.models import Category, Meeting
from ..models_base import utcnow
from ..reference.models import RegionAssignment
from ..reference.services import UNASSIGNED, default_scheme, region_map, region_of
from ..registration.models import Registration, RegistrationStatus
from ..registration.services import change_status
from . import engine, solver
from .models import BalancePolicy, BoundUnit, DecisionMode, PolicyBound
from .policy import CATEGORY, GENDER, REGION, Bound, Policy, Severity, seats_for_percent, validate_policy

S = RegistrationStatus
GENDER_LABELS = {"woman": "women", "man": "men", "another": "another gender identity",
                 "undisclosed": "undisclosed gender"}


class RuleViolation(DomainError):
    """An approval would break a rule; an organiser may override it with a written reason."""

    status_code = 409

    def __init__(self, check: engine.Check, registration: Registration):
        sentences = " ".join(f.message for f in check.violations)
        super().__init__(_("%(name)s was not approved: %(why)s Give a written reason to override.",
                           name=registration.name_for("badge"), why=sentences))
        self.check, self.registration = check, registration


class PolicyInvalid(DomainError):
    status_code = 422

    def __init__(self, problems: list[str]):
        super().__init__(_("The policy cannot be met: %(why)s", why=" ".join(problems)))
        self.problems = problems


# --- the policy ---------------------------------------------------------------------------------------------------


def get_policy_row(meeting: Meeting) -> BalancePolicy | None:
    return db.session.scalar(select(BalancePolicy).where(BalancePolicy.meeting_id == meeting.id))


def _policy(capacity: int, bounds: list[dict], *, release_at: datetime | None, mix_min_size: int | None,
            mix_is_violation: bool, now: datetime | None = None) -> Policy:
    """The pure Policy from stored values; percentages become seats of the capacity."""

    def seats(bound: dict, amount: int | None, minimum: bool) -> int | None:
        if amount is None or BoundUnit(bound.get("unit", BoundUnit.seats)) == BoundUnit.seats:
            return amount
        return seats_for_percent(amount, capacity, minimum=minimum)

    return Policy(
        capacity=capacity,
        bounds=tuple(Bound(b["dimension"], b["value"], seats(b, b.get("minimum"), True),
                           seats(b, b.get("maximum"), False)) for b in bounds),
        reservations_active=release_at is None or (now or utcnow()) < release_at,
        mix_min_size=mix_min_size,
        mix_severity=Severity.VIOLATION if mix_is_violation else Severity.WARNING,
    )


def _bound_dicts(row: BalancePolicy) -> list[dict]:
    return [{"dimension": b.dimension, "value": b.value, "unit": b.unit, "minimum": b.minimum, "maximum": b.maximum}
            for b in row.bounds]


def build_policy(meeting: Meeting, now: datetime | None = None) -> Policy:
    """The pure Policy of a meeting (without a stored policy: only its capacity).

    One plain query for the policy and its bounds, no ORM objects: every rule check builds the policy."""
    rows = db.session.execute(
        select(BalancePolicy.reservations_release_at, BalancePolicy.mix_min_size, BalancePolicy.mix_is_violation,
               PolicyBound.dimension, PolicyBound.value, PolicyBound.unit, PolicyBound.minimum, PolicyBound.maximum)
        .outerjoin(PolicyBound).where(BalancePolicy.meeting_id == meeting.id)
    ).all()
    if not rows:
        return Policy(capacity=meeting.capacity)
    bounds = [row._asdict() for row in rows if row.dimension is not None]
    release_at, mix_min_size, mix_is_violation = rows[0][:3]
    return _policy(meeting.capacity, bounds, release_at=release_at, mix_min_size=mix_min_size,
                   mix_is_violation=mix_is_violation, now=now)


def labels_for(meeting: Meeting, delegation: Delegation | None = None) -> dict[tuple[str, str], str]:
    """Display names for findings: categories and delegations by name, genders in words. Given one delegation
    (what one person's check needs), only its name is added and no query is made for the others."""
    labels = {(CATEGORY, c.code): c.name for c in meeting.categories}
    labels.update({(GENDER, g): label for g, label in GENDER_LABELS.items()})
    if delegation is not None:
        delegations = [(delegation.id, delegation.name)]
    else:
        delegations = db.session.execute(select(Delegation.id, Delegation.name).where(Delegation.meeting_id == meeting.id))
    labels.update({(engine.DELEGATION, str(i)): name for i, name in delegations})
    return labels


def save_policy(meeting: Meeting, data: dict, bounds: list[dict], *, actor) -> BalancePolicy:
    """Replace a meeting's policy; refused with every reason when it cannot be met.

    `data` holds reservations_release_at, mix_min_size, mix_is_violation and decision_mode; `bounds` dicts hold
    dimension, value, unit, minimum and maximum (bounds with neither number are dropped).
    """
    bounds = [b for b in bounds if b.get("minimum") is not None or b.get("maximum") is not None]
    pure = _policy(meeting.capacity, bounds, release_at=None, mix_min_size=data.get("mix_min_size"),
                   mix_is_violation=data.get("mix_is_violation", False))
    if problems := validate_policy(pure, labels_for(meeting)):
        raise PolicyInvalid(problems)
    row = get_policy_row(meeting) or BalancePolicy(meeting_id=meeting.id)
    for name, value in data.items():
        setattr(row, name, value)
    row.bounds = [PolicyBound(**b) for b in bounds]
    db.session.add(row)
    db.session.flush()
    record("balance.policy_save", actor=actor, meeting=meeting, subject=row, bounds=len(row.bounds))
    return row


def copy_previous_policy(meeting: Meeting, *, actor) -> BalancePolicy:
    """Start from the policy of the meeting's previous edition (same bounds, units and rules)."""
    previous = get_policy_row(meeting.previous) if meeting.previous else None
    if previous is None:
        raise DomainError(_("The previous edition has no policy to copy."))
    data = {name: getattr(previous, name) for name in ("mix_min_size", "mix_is_violation", "decision_mode")}
    return save_policy(meeting, data, _bound_dicts(previous), actor=actor)


# --- counts from SQL aggregation ------------------------------------------------------------------------------------


def candidate_for(registration: Registration, regions: dict[str, str]) -> engine.Candidate:
    category = registration.category
    return engine.Candidate(
        region=region_of(regions, registration.represented_country),
        gender=registration.gender.value,
        category=category.code if category else "",
        counts_toward_balance=bool(category and category.counts_toward_balance),
        delegation=str(registration.delegation_id) if registration.delegation_id else None,
    )


def _scheme_id(meeting: Meeting) -> int | None:
    return meeting.region_scheme_id or getattr(default_scheme(), "id", None)


def group_tally(meeting: Meeting, statuses=(S.approved,)) -> list[tuple]:
    """Rows of (status, region, gender, category code, counts?, n): the region is joined in SQL, so a meeting of
    any size gives at most regions x genders x categories rows per status."""
    assignment = aliased(RegionAssignment)
    region = func.coalesce(assignment.region, UNASSIGNED)
    query = (
        select(Registration.status, region, Registration.gender, Category.code, Category.counts_toward_balance,
               func.count())
        .outerjoin(Category, Registration.category_id == Category.id)
        .outerjoin(assignment, and_(assignment.scheme_id == _scheme_id(meeting),
                                    assignment.country_code == Registration.represented_country))
        .where(Registration.meeting_id == meeting.id, Registration.status.in_(statuses))
        .group_by(Registration.status, region, Registration.gender, Category.code, Category.counts_toward_balance)
    )
    return db.session.execute(query).all()


@functools.cache
def _counts_statement(one_delegation: bool):
    """The marginals current_counts reads, built once: building this statement costs more than running it.

    Each part groups on the registrations' covering index first and joins regions and categories afterwards,
    to a handful of rows."""
    meeting_id = bindparam("meeting_id")
    approved = and_(Registration.meeting_id == meeting_id, Registration.status == S.approved)
    counting = and_(approved, Registration.category_id.in_(
        select(Category.id).where(Category.meeting_id == meeting_id, Category.counts_toward_balance.is_(True))))
    by_country = (select(Registration.represented_country.label("country"), func.count().label("n"))
                  .where(counting).group_by(Registration.represented_country).subquery())
    by_category = (select(Registration.category_id.label("category_id"), func.count().label("n"))
                   .where(counting).group_by(Registration.category_id).subquery())
    assignment = aliased(RegionAssignment)
    region = func.coalesce(assignment.region, UNASSIGNED)
    delegations = [Delegation.meeting_id == meeting_id]
    if one_delegation:
        delegations.append(Delegation.id == bindparam("delegation_id"))
    key, blank = (lambda column: cast(column, String)), literal("")
    return union_all(
        select(literal("total"), blank, blank, func.count()).where(approved),
        select(literal(REGION), region, blank, func.sum(by_country.c.n)).select_from(by_country)
        .outerjoin(assignment, and_(assignment.scheme_id == bindparam("scheme_id"),
                                    assignment.country_code == by_country.c.country)).group_by(region),
        select(literal(GENDER), key(Registration.gender), blank, func.count()).where(counting)
        .group_by(Registration.gender),
        select(literal(CATEGORY), Category.code, blank, by_category.c.n)
        .join_from(by_category, Category, Category.id == by_category.c.category_id),
        select(literal("members"), key(Registration.delegation_id), key(Registration.gender), func.count())
        .where(approved, Registration.delegation_id.in_(select(Delegation.id).where(*delegations)))
        .group_by(Registration.delegation_id, Registration.gender),
        select(literal("seats"), key(Delegation.id), blank, Delegation.seats).where(*delegations),
    )


def current_counts(meeting: Meeting, candidate: Registration | None = None) -> engine.Counts:
    """What is approved now, as the engine counts it: the total, each group's count among the counting categories,
    and delegations' seats and members by gender — marginals only, read in one round trip (never every row).

    With a `candidate`, only their own delegation is read, if any: what one person's check needs."""
    parameters = {"meeting_id": meeting.id, "scheme_id": _scheme_id(meeting),
                  "delegation_id": candidate.delegation_id if candidate else None}
    total, groups, seats = 0, {}, {}
    genders: dict[str, dict[str, int]] = defaultdict(dict)
    for kind, value, gender, number in db.session.execute(_counts_statement(candidate is not None), parameters):
        number = int(number)  # a sum is NUMERIC on PostgreSQL
        if kind == "total":
            total = number
        elif kind == "members":
            genders[value][gender] = number
        elif kind == "seats":
            seats[value] = number
        else:
            groups[(kind, value)] = number
    return engine.Counts(total, groups, {i: engine.DelegationState(s, genders[i]) for i, s in seats.items()})


def region_for(meeting: Meeting, country_code: str) -> str:
    """The region of one country in the meeting's scheme."""
    found = db.session.scalar(select(RegionAssignment.region).where(
        RegionAssignment.scheme_id == _scheme_id(meeting), RegionAssignment.country_code == country_code))
    return found or UNASSIGNED


def check(registration: Registration) -> engine.Check:
    """What approving this registration would do to each rule, as things stand."""
    meeting = registration.meeting
    regions = {registration.represented_country: region_for(meeting, registration.represented_country)}
    return engine.check_approval(build_policy(meeting), current_counts(meeting, registration),
                                 candidate_for(registration, regions), labels_for(meeting, registration.delegation))


# --- decisions ----------------------------------------------------------------------------------------------------


def lock_meeting(meeting: Meeting) -> None:
    """Serialise decisions on one meeting until the transaction ends (row lock on PostgreSQL, write lock on SQLite)."""
    db.session.execute(
        update(Meeting).where(Meeting.id == meeting.id).values(decision_seq=Meeting.decision_seq + 1)
        .execution_options(synchronize_session=False)
    )


@dataclass
class _Context:
    """A meeting's policy and counts inside one locked transaction, updated as approvals happen."""

    policy: Policy
    counts: engine.Counts
    regions: dict[str, str]
    labels: dict

    @classmethod
    def load(cls, meeting: Meeting) -> "_Context":
        lock_meeting(meeting)
        regions = region_map(meeting.region_scheme_id)
        return cls(build_policy(meeting), current_counts(meeting), regions, labels_for(meeting))


def _note_verbale_finding(registration: Registration) -> engine.Finding | None:
    """A State delegation's member waits for a verified note verbale when the meeting requires one."""
    from ..delegations import services as delegations

    delegation = registration.delegation
    if delegation is None or delegations.note_verbale_ok(delegation):
        return None
    message = _("The note verbale of %(name)s is not verified yet.", name=delegation.name)
    return engine.Finding(engine.Rule.DELEGATION_SEATS, Severity.VIOLATION, message, engine.DELEGATION,
                          str(delegation.id), 0, 0, None)


def _approve_locked(context: _Context, registration: Registration, *, actor, override_reason: str | None):
    """Approve inside the lock if every rule holds, or if a written reason overrides the violations."""
    candidate = candidate_for(registration, context.regions)
    result = engine.check_approval(context.policy, context.counts, candidate, context.labels)
    findings = list(result.findings)
    if extra := _note_verbale_finding(registration):
        findings.append(extra)
        result = engine.Check(tuple(findings))
    if not result.allowed and not (override_reason or "").strip():
        raise RuleViolation(result, registration)
    change_status(registration, S.approved, actor=actor, findings=findings,
                  override_reason=override_reason if not result.allowed else None)
    if not result.allowed:
        record("registration.override", actor=actor, meeting=registration.meeting, subject=registration,
               rules=[f.rule.value for f in result.violations])
    context.counts = engine.apply(context.counts, candidate)
    return result


def decide(registration: Registration, outcome: RegistrationStatus, *, actor,
           override_reason: str | None = None) -> engine.Check | None:
    """An organiser's decision on one registration; approvals are checked against every rule under the lock."""
    return decide_many([registration], outcome, actor=actor, override_reason=override_reason)[registration.id]


def decide_many(registrations: list[Registration], outcome: RegistrationStatus, *, actor,
                override_reason: str | None = None) -> dict[int, engine.Check | None]:
    """Decide several at once, in the given order; approvals stop at the first violation (nothing is half done)."""
    outcome = RegistrationStatus(outcome)
    meeting = registrations[0].meeting if registrations else None
    if meeting is None:
        return {}
    context = _Context.load(meeting)
    results, freed = {}, False
    for registration in registrations:
        db.session.refresh(registration)  # its status may have changed before we held the lock
        if outcome == S.approved:
            results[registration.id] = _approve_locked(context, registration, actor=actor,
                                                       override_reason=override_reason)
        else:
            freed |= registration.status == S.approved
            change_status(registration, outcome, actor=actor, override_reason=override_reason)
            results[registration.id] = None
    if freed:
        _promote_from_waitlist(meeting, _Context.load(meeting), actor=actor)
    return results


# --- waitlist -------------------------------------------------------------------------------------------------------


def _waitlisted(meeting: Meeting) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.meeting_id == meeting.id, Registration.status == S.waitlisted)
        .order_by(Registration.submitted_at, Registration.id)
    ))


def next_from_waitlist(meeting: Meeting) -> Registration | None:
    """The earliest waitlisted registration whose approval keeps every rule (offered to organisers in manual mode)."""
    regions = region_map(meeting.region_scheme_id)
    policy, counts = build_policy(meeting), current_counts(meeting)
    for registration in _waitlisted(meeting):
        if engine.check_approval(policy, counts, candidate_for(registration, regions)).allowed \
                and _note_verbale_finding(registration) is None:
            return registration
    return None


def _promote_from_waitlist(meeting: Meeting, context: _Context, *, actor) -> list[Registration]:
    """In auto mode, approve the earliest waitlisted registrations that keep every rule, while seats allow."""
    row = get_policy_row(meeting)
    if row is None or row.decision_mode != DecisionMode.auto:
        return []
    promoted = []
    for registration in _waitlisted(meeting):
        candidate = candidate_for(registration, context.regions)
        if engine.check_approval(context.policy, context.counts, candidate).allowed \
                and _note_verbale_finding(registration) is None:
            _approve_locked(context, registration, actor=actor, override_reason=None)
            promoted.append(registration)
    return promoted


def on_seat_freed(meeting: Meeting, *, actor=None) -> list[Registration]:
    """A seat came free (cancellation, decline, capacity raised): promote from the waitlist in auto mode."""
    return _promote_from_waitlist(meeting, _Context.load(meeting), actor=actor)


def on_registration_submitted(registration: Registration, *, actor=None) -> engine.Check | None:
    """In auto mode a new registration is approved while every rule holds, else waitlisted; manual: it waits."""
    row = get_policy_row(registration.meeting)
    if row is None or row.decision_mode != DecisionMode.auto:
        return None
    context = _Context.load(registration.meeting)
    try:
        return _approve_locked(context, registration, actor=actor, override_reason=None)
    except RuleViolation as refused:
        change_status(registration, S.waitlisted, actor=actor, findings=refused.check.findings)
        return refused.check


# --- suggested decisions ----------------------------------------------------------------------------------------


def suggest(meeting: Meeting, *, time_limit: float = 20.0) -> tuple[list[Registration], solver.Suggestion]:
    """The largest set of pending registrations that can be approved together, earliest first (exact MILP)."""
    regions = region_map(meeting.region_scheme_id)
    pending = list(db.session.scalars(
        select(Registration).where(Registration.meeting_id == meeting.id, Registration.status == S.pending)
        .order_by(Registration.submitted_at, Registration.id)
    ))
    pool = [solver.PoolEntry(r.id, candidate_for(r, regions), rank)
            for rank, r in enumerate(pending) if _note_verbale_finding(r) is None]
    suggestion = solver.suggest(build_policy(meeting), current_counts(meeting), pool, time_limit=time_limit)
    by_id = {r.id: r for r in pending}
    return [by_id[i] for i in suggestion.approval_order], suggestion


def accept_suggestion(meeting: Meeting, registration_ids: list[int], *, actor) -> int:
    """Approve the suggested registrations in the solver's order; each is re-checked under the lock."""
    registrations = [db.session.get(Registration, i) for i in registration_ids]
    registrations = [r for r in registrations if r is not None and r.meeting_id == meeting.id and r.status == S.pending]
    decide_many(registrations, S.approved, actor=actor)
    record("balance.accept_suggestion", actor=actor, meeting=meeting, approved=len(registrations))
    return len(registrations)


# --- the review queue ---------------------------------------------------------------------------------------------


def review_queue(meeting: Meeting, *, status=S.pending, region: str = "", gender: str = "", category: str = "",
                 delegation: str = "", submitted_from=None, submitted_to=None, limit: int = 500):
    """Registrations to review with, for each, what approving it now would do to every rule."""
    regions = region_map(meeting.region_scheme_id)
    query = (select(Registration).where(Registration.meeting_id == meeting.id, Registration.status == status)
             .order_by(Registration.submitted_at, Registration.id).limit(limit))
    if region:
        codes = [c for c, r in regions.items() if r == region]
        query = query.where(Registration.represented_country.not_in(list(regions)) if region == UNASSIGNED
                            else Registration.represented_country.in_(codes))
    if gender:
        query = query.where(Registration.gender == gender)
    if category:
        query = query.join(Category, Registration.category_id == Category.id).where(Category.code == category)
    if delegation:
        query = query.where(Registration.delegation_id == int(delegation))
    if submitted_from:
        query = query.where(Registration.submitted_at >= submitted_from)
    if submitted_to:
        query = query.where(Registration.submitted_at < submitted_to)
    policy, counts, labels = build_policy(meeting), current_counts(meeting), labels_for(meeting)
    rows = []
    for registration in db.session.scalars(query):
        check = engine.check_approval(policy, counts, candidate_for(registration, regions), labels)
        if extra := _note_verbale_finding(registration):
            check = engine.Check(check.findings + (extra,))
        rows.append((registration, check, region_of(regions, registration.represented_country)))
    return rows
