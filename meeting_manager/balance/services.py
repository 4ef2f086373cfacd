"""Balance on the database: build the pure engine's inputs from rows, and decide under a per-meeting lock.

Every path that approves someone — one decision, a bulk decision, accepting suggestions, auto-approval on
registration, waitlist promotion — goes through `_approve_locked`, after `lock_meeting`. Counts are read after the
lock is taken, so two organisers (or a burst of auto-approvals) can never together exceed a bound.
"""
import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from sqlalchemy import String, and_, bindparam, case, cast, func, literal, select, union_all, update
from sqlalchemy.orm import aliased, selectinload

from ..audit.services import record
from ..delegations import services as delegations
from ..delegations.models import Delegation
from ..errors import DomainError
from ..extensions import db
from ..meetings.models import Category, Meeting
from ..models_base import utcnow
from ..reference.models import RegionAssignment
from ..reference.services import UNASSIGNED, default_scheme, region_map, region_of
from ..registration.models import Registration, RegistrationStatus
from ..registration.services import change_status, link_status_audits
from ..signals import seat_freed, seats_held
from . import engine, solver
from .models import BalancePolicy, BoundUnit, DecisionMode, PolicyBound
from .policy import CATEGORY, GENDER, REGION, Bound, Policy, PolicyProblem, Severity, seats_for_percent, validate_policy
from .wording import GENDER_LABELS, SaidProblem, finding_text, group_name

S = RegistrationStatus


class RuleViolation(DomainError):
    """An approval would break a rule; an organiser may override it with a written reason."""

    status_code = 409

    def __init__(self, check: engine.Check, registration: Registration, labels=None):
        sentences = " ".join(finding_text(f, labels) for f in check.violations)
        super().__init__(_("%(name)s was not approved: %(why)s Give a written reason to override.",
                           name=registration.name_for("badge"), why=sentences))
        self.check, self.registration = check, registration


class CapacityExceeded(RuleViolation):
    """An approval would put the meeting over its capacity: the room is a hard limit that no reason overrides."""

    def __init__(self, check: engine.Check, registration: Registration, labels=None):
        sentences = " ".join(finding_text(f) for f in check.violations if f.rule is engine.Rule.CAPACITY)
        DomainError.__init__(self, _("%(name)s was not approved: %(why)s The capacity cannot be overridden.",
                                     name=registration.badge_name, why=sentences))
        self.check, self.registration = check, registration


class BatchRefused(RuleViolation):
    """Some of several approvals would break a rule: nobody is approved, and the message names each one refused
    with their reasons and says how many of the others would have been fine."""

    def __init__(self, refusals: list[RuleViolation], chosen: int):
        why = " ".join(str(r.message) for r in refusals)
        others = chosen - len(refusals)
        DomainError.__init__(self, " ".join([
            ngettext("Nobody was approved: %(num)d of the %(chosen)s selected would break a rule.",
                     "Nobody was approved: %(num)d of the %(chosen)s selected would break a rule.",
                     len(refusals), chosen=chosen), why,
            ngettext("The other %(num)d keeps every rule: leave out those refused, or give a reason, and apply again.",
                     "The other %(num)d keep every rule: leave out those refused, or give a reason, and apply again.",
                     others) if others else ""]).strip())
        self.refusals = refusals
        self.check, self.registration = refusals[0].check, refusals[0].registration


class PolicyInvalid(DomainError):
    """A policy that cannot be met. `problems` stay codes with params (wording.SaidProblem) and are said, like the
    message, in the language of whoever is shown them."""

    status_code = 422

    def __init__(self, problems: list[PolicyProblem], labels=None):
        self.problems = [SaidProblem(p, labels) for p in problems]
        super().__init__(LazyString(self._say))

    def _say(self) -> str:
        return _("The policy cannot be met: %(why)s", why=" ".join(str(p) for p in self.problems))


class BelowApproved(PolicyInvalid):
    """Caps below what is already approved: refused unless the organiser insists (the excess is then shown)."""

    def _say(self) -> str:
        return _("Some caps are below what is already approved: %(why)s", why=" ".join(str(p) for p in self.problems))


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
    """Display names for findings: categories and delegations by name, genders in words (in the current locale:
    build them where they are read). Given one delegation (what one person's check needs), only its name is added
    and no query is made for the others. Regions are named by wording.group_name."""
    labels = {(CATEGORY, c.code): c.label for c in meeting.categories}
    labels.update({(GENDER, g): str(label) for g, label in GENDER_LABELS.items()})
    if delegation is not None:
        delegations = [(delegation.id, delegation.name)]
    else:
        delegations = db.session.execute(select(Delegation.id, Delegation.name)
                                         .where(Delegation.meeting_id == meeting.id))
    labels.update({(engine.DELEGATION, str(i)): name for i, name in delegations})
    return labels


def caps_below_approved(policy: Policy, counts: engine.Counts) -> list[tuple[str, str, int, int]]:
    """(dimension, value, approved, cap) of every cap that fewer seats than are already approved."""
    return [(b.dimension, b.value, counts.group(*b.key), b.max_seats) for b in policy.bounds
            if b.max_seats is not None and counts.group(*b.key) > b.max_seats]


def save_policy(meeting: Meeting, data: dict, bounds: list[dict], *, actor, allow_excess: bool = True) -> BalancePolicy:
    """Replace a meeting's policy; refused with every reason when it cannot be met.

    `data` holds reservations_release_at, mix_min_size, mix_is_violation and decision_mode; `bounds` dicts hold
    dimension, value, unit, minimum and maximum (bounds with neither number are dropped). A cap below what is
    already approved is refused (BelowApproved) unless `allow_excess`: then it is saved and the excess shown.
    """
    bounds = [b for b in bounds if b.get("minimum") is not None or b.get("maximum") is not None]
    pure = _policy(meeting.capacity, bounds, release_at=None, mix_min_size=data.get("mix_min_size"),
                   mix_is_violation=data.get("mix_is_violation", False))
    if problems := validate_policy(pure):
        raise PolicyInvalid(problems, labels_for(meeting))
    if not allow_excess and (below := caps_below_approved(pure, current_counts(meeting))):
        raise BelowApproved([PolicyProblem("bound.below_approved", {"dimension": d, "value": v, "approved": n,
                                                                    "cap": cap}) for d, v, n, cap in below],
                            labels_for(meeting))
    row = get_policy_row(meeting) or BalancePolicy(meeting_id=meeting.id)
    for name, value in data.items():
        setattr(row, name, value)
    _replace_bounds(row, bounds)
    db.session.add(row)
    db.session.flush()
    record("balance.policy_save", actor=actor, meeting=meeting, subject=row, bounds=len(row.bounds))
    return row


def _replace_bounds(row: BalancePolicy, bounds: list[dict]) -> None:
    """Update the stored bounds in place by their key (dimension, value): replacing the list would insert the new
    rows before deleting the old ones and break the unique key on the second save."""
    wanted = {(b["dimension"], b["value"]): b for b in bounds}
    for stored in list(row.bounds):
        if (stored.dimension, stored.value) not in wanted:
            row.bounds.remove(stored)
    db.session.flush()
    stored = {(b.dimension, b.value): b for b in row.bounds}
    for key, values in wanted.items():
        bound = stored.get(key) or PolicyBound(dimension=key[0], value=key[1])
        bound.unit = BoundUnit(values.get("unit") or BoundUnit.seats)
        bound.minimum, bound.maximum = values.get("minimum"), values.get("maximum")
        if key not in stored:
            row.bounds.append(bound)


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


@dataclass(frozen=True)
class OverLimit:
    """More approved than a limit allows (saved on the organiser's insistence): the capacity, or one group's cap."""

    approved: int
    limit: int
    label: str | None = None  #: the group's name; None for the meeting's capacity

    @property
    def excess(self) -> int:
        return self.approved - self.limit


def over_limits(meeting: Meeting, policy: Policy | None = None, counts: engine.Counts | None = None) -> list[OverLimit]:
    """Where more are approved than the capacity or a cap allows, for the dashboard and the queue to show in red."""
    policy = policy or build_policy(meeting)
    counts = counts or current_counts(meeting)
    found = [OverLimit(counts.total, policy.capacity)] if counts.total > policy.capacity else []
    if below := caps_below_approved(policy, counts):
        labels = labels_for(meeting)
        found += [OverLimit(n, cap, group_name(labels, d, v)) for d, v, n, cap in below]
    return found


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
                                 candidate_for(registration, regions))


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
    delegation = registration.delegation
    if delegation is None or delegations.note_verbale_ok(delegation):
        return None
    return engine.Finding(engine.Rule.DELEGATION_SEATS, Severity.VIOLATION, "note_verbale.unverified",
                          engine.DELEGATION, str(delegation.id), 0, 0, None)


def waits_for_note_verbale(registration: Registration) -> bool:
    """Whether approving waits for the delegation's note verbale to be verified (the waiting list skips them)."""
    return _note_verbale_finding(registration) is not None


def _approve_locked(context: _Context, registration: Registration, *, actor, override_reason: str | None,
                    flush: bool = True):
    """Approve inside the lock if every rule holds, or if a written reason overrides the violations."""
    candidate = candidate_for(registration, context.regions)
    result = engine.check_approval(context.policy, context.counts, candidate)
    findings = list(result.findings)
    if extra := _note_verbale_finding(registration):
        findings.append(extra)
        result = engine.Check(tuple(findings))
    if any(f.rule is engine.Rule.CAPACITY for f in result.violations):
        raise CapacityExceeded(result, registration)
    if not result.allowed and not (override_reason or "").strip():
        raise RuleViolation(result, registration, context.labels)
    change_status(registration, S.approved, actor=actor, findings=[f.as_data() for f in findings],
                  override_reason=override_reason if not result.allowed else None, flush=flush)
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
                override_reason: str | None = None,
                reasons: dict[int, str] | None = None) -> dict[int, engine.Check | None]:
    """Decide several at once, in the given order. Approvals are all or nothing: when any would break a rule,
    every one is still checked (as if the refused were left out) and one refusal names them all.

    `reasons` gives a registration its own override reason (a mixed batch); `override_reason` applies to the rest.
    """
    outcome = RegistrationStatus(outcome)
    meeting = registrations[0].meeting if registrations else None
    if meeting is None:
        return {}
    context = _Context.load(meeting)
    results, freed, refusals = {}, False, []
    for registration in registrations:
        db.session.refresh(registration)  # its status may have changed before we held the lock
        if outcome == S.approved:
            reason = (reasons or {}).get(registration.id) or override_reason
            try:
                results[registration.id] = _approve_locked(context, registration, actor=actor,
                                                           override_reason=reason)
            except RuleViolation as refused:
                refusals.append(refused)
        else:
            freed |= registration.status == S.approved
            change_status(registration, outcome, actor=actor, override_reason=override_reason)
            results[registration.id] = None
    if len(refusals) == 1 and len(registrations) == 1:
        raise refusals[0]
    if refusals:
        raise BatchRefused(refusals, len(registrations))
    if freed:  # a decline after approval: balance promotes (auto mode), the waiting list offers (by hand)
        seat_freed.send(meeting, actor=actor)
    return results


# --- waitlist -------------------------------------------------------------------------------------------------------


def _waitlisted(meeting: Meeting) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.meeting_id == meeting.id, Registration.status == S.waitlisted)
        .order_by(Registration.submitted_at, Registration.id)
    ))


def counts_with_held_seats(meeting: Meeting, regions: dict[str, str]) -> tuple[engine.Counts, set[int]]:
    """What is approved now plus the seats held for open offers (a seat offered is a seat taken), and the ids of
    the registrations they are held for."""
    counts, held = current_counts(meeting), set()
    for _receiver, registrations in seats_held.send(meeting):
        for registration in registrations or ():
            counts = engine.apply(counts, candidate_for(registration, regions))
            held.add(registration.id)
    return counts, held


def next_from_waitlist(meeting: Meeting) -> Registration | None:
    """The earliest waitlisted registration whose approval keeps every rule (offered to organisers in manual mode)."""
    regions = region_map(meeting.region_scheme_id)
    policy, (counts, held) = build_policy(meeting), counts_with_held_seats(meeting, regions)
    for registration in _waitlisted(meeting):
        if registration.id not in held and _note_verbale_finding(registration) is None \
                and engine.check_approval(policy, counts, candidate_for(registration, regions)).allowed:
            return registration
    return None


def _promote_from_waitlist(meeting: Meeting, context: _Context, *, actor) -> list[Registration]:
    """In auto mode, approve the earliest waitlisted registrations that keep every rule, while seats allow."""
    row = get_policy_row(meeting)
    if row is None or row.decision_mode != DecisionMode.auto:
        return []
    promoted, waiting = [], _waitlisted(meeting)
    # Passes repeat until one promotes nobody: a promotion can make an earlier registration fit (the mix rule:
    # a woman joining a delegation of men lets the next man in), and the earliest that fits goes first each time.
    while waiting and context.counts.total < context.policy.capacity:
        fits = next((r for r in waiting if _fits(context, r)), None)
        if fits is None:
            break
        _approve_locked(context, fits, actor=actor, override_reason=None)
        promoted.append(fits)
        waiting.remove(fits)
    return promoted


def _fits(context: _Context, registration: Registration) -> bool:
    candidate = candidate_for(registration, context.regions)
    return engine.check_approval(context.policy, context.counts, candidate).allowed \
        and _note_verbale_finding(registration) is None


def on_seat_freed(meeting: Meeting, *, actor=None) -> list[Registration]:
    """A seat came free (cancellation, decline, capacity raised): promote from the waitlist in auto mode."""
    return _promote_from_waitlist(meeting, _Context.load(meeting), actor=actor)


def on_registration_submitted(registration: Registration, *, actor=None) -> engine.Check | None:
    """In auto mode a new registration is approved while every rule holds, else waitlisted; manual: it waits."""
    row = get_policy_row(registration.meeting)
    if row is None or row.decision_mode != DecisionMode.auto:
        return None
    context = _Context.load(registration.meeting)
    # The waiting list goes first: a waitlisted registration that fits now (the rules or capacity changed since
    # it was put there) is approved before a newer application can take its seat.
    _promote_from_waitlist(registration.meeting, context, actor=actor)
    try:
        return _approve_locked(context, registration, actor=actor, override_reason=None)
    except RuleViolation as refused:
        change_status(registration, S.waitlisted, actor=actor, findings=[f.as_data() for f in refused.check.findings])
        return refused.check


# --- suggested decisions ----------------------------------------------------------------------------------------

SUGGESTED = (S.waitlisted, S.pending)  #: who suggestions choose from: the waiting list first, then pending


def _suggestion_pool(meeting: Meeting) -> list[Registration]:
    """Waitlisted registrations before pending ones, each earliest first (the order suggestions prefer)."""
    waiting_first = case((Registration.status == S.waitlisted, 0), else_=1)
    return list(db.session.scalars(
        select(Registration).where(Registration.meeting_id == meeting.id, Registration.status.in_(SUGGESTED))
        .options(selectinload(Registration.category), selectinload(Registration.delegation))
        .order_by(waiting_first, Registration.submitted_at, Registration.id)))


def suggest(meeting: Meeting, *, leave_out=(), time_limit: float = 20.0,
            pass_over_waitlist: bool = False) -> tuple[list[Registration], solver.Suggestion]:
    """The largest set of waitlisted and pending registrations that can be approved together (exact MILP), the
    waiting list first and earliest first; `leave_out` are ids the organiser took out of the set (re-solved).

    The waiting list is served first: the largest set of waitlisted registrations is chosen, and only then pending
    ones, in what remains; so a later pending application never takes the place of a waitlisted one that fits.
    Only with `pass_over_waitlist` (the organiser's explicit choice) is the largest set taken from both at once,
    which may leave out a waitlisted registration for two pending ones."""
    regions = region_map(meeting.region_scheme_id)
    counts, held = counts_with_held_seats(meeting, regions)
    excluded = set(leave_out) | held
    pool_rows = _suggestion_pool(meeting)
    pool = [solver.PoolEntry(r.id, candidate_for(r, regions), rank) for rank, r in enumerate(pool_rows)
            if r.id not in excluded and _note_verbale_finding(r) is None]
    by_id = {r.id: r for r in pool_rows}
    policy = build_policy(meeting)
    if pass_over_waitlist:
        suggestion = solver.suggest(policy, counts, pool, time_limit=time_limit)
    else:
        suggestion = _waitlist_then_pending(policy, counts, pool, by_id, time_limit)
    return [by_id[i] for i in suggestion.approval_order], suggestion


def _waitlist_then_pending(policy, counts, pool, by_id, time_limit) -> solver.Suggestion:
    """Solve for the waiting list alone, then for the pending registrations on the counts after it."""
    waiting = [e for e in pool if by_id[e.id].status == S.waitlisted]
    first = solver.suggest(policy, counts, waiting, time_limit=time_limit)
    candidates = {e.id: e.candidate for e in waiting}
    for registration_id in first.approval_order:
        counts = engine.apply(counts, candidates[registration_id])
    second = solver.suggest(policy, counts, [e for e in pool if by_id[e.id].status != S.waitlisted],
                            time_limit=time_limit)
    statuses = {first.status, second.status} - {"empty"}
    status = "empty" if not statuses else "limit_reached" if "limit_reached" in statuses else "optimal"
    return solver.Suggestion(first.ids + second.ids, first.approval_order + second.approval_order, status,
                             first.seconds + second.seconds)


@dataclass(frozen=True)
class LeftOut:
    """Why a waitlisted or pending registration is not in the suggested set (data; the page words it).

    why: "offered" (a seat is held for their open waiting-list offer), "excluded" (the organiser left them out),
    "note_verbale" (their delegation's note is not verified), or
    "rules" (approving them after the set would break the rules in `findings`)."""

    registration: Registration
    why: str
    findings: tuple = ()


@dataclass(frozen=True)
class Preview:
    """The balance before and after accepting a suggested set: the total and every bound's approved count."""

    capacity: int
    total_before: int
    total_after: int
    #: label, approved before, after, min, max
    bounds: list[tuple[str, int, int, int | None, int | None]]


def explain_suggestion(meeting: Meeting, chosen: list[Registration], *, leave_out=()) -> tuple[Preview, list[LeftOut]]:
    """The balance after approving `chosen` (the dashboard's figures before -> after), and why each other
    waitlisted or pending registration was left out of the set."""
    regions, labels, policy = region_map(meeting.region_scheme_id), labels_for(meeting), build_policy(meeting)
    before = current_counts(meeting)
    after, held = counts_with_held_seats(meeting, regions)  # "after" holds the seats of open offers too
    for registration in chosen:
        after = engine.apply(after, candidate_for(registration, regions))
    preview = Preview(policy.capacity, before.total, after.total, [
        (group_name(labels, *b.key), before.group(*b.key), after.group(*b.key), b.min_seats, b.max_seats)
        for b in policy.bounds])
    chosen_ids, excluded, left = {r.id for r in chosen}, set(leave_out), []
    for registration in _suggestion_pool(meeting):
        if registration.id in chosen_ids:
            continue
        if registration.id in held:
            left.append(LeftOut(registration, "offered"))
        elif registration.id in excluded:
            left.append(LeftOut(registration, "excluded"))
        elif _note_verbale_finding(registration) is not None:
            left.append(LeftOut(registration, "note_verbale"))
        else:
            check = engine.check_approval(policy, after, candidate_for(registration, regions))
            left.append(LeftOut(registration, "rules", check.violations))
    return preview, left


def accept_suggestion(meeting: Meeting, registration_ids: list[int], *, actor, progress=None) -> dict[str, int]:
    """Approve the accepted registrations in the given (solver's) order, each re-checked under the lock.

    Whoever no longer fits (decided or approved meanwhile, or a rule now breaks) is skipped, not overridden.
    Returns how many were approved and skipped, and `outcomes`: (registration or None, id, "approved" / "decided"
    / "refused", findings); `progress(done, total)` is called as it goes (for a job)."""
    context = _Context.load(meeting)
    wanted = [int(i) for i in registration_ids]
    rows = {r.id: r for r in db.session.scalars(
        select(Registration).where(Registration.meeting_id == meeting.id, Registration.id.in_(wanted))
        # what approving and its mail read, loaded at once: each lazy load would also flush the session
        .options(selectinload(Registration.category), selectinload(Registration.delegation),
                 selectinload(Registration.visa_request), selectinload(Registration.history))
        .execution_options(populate_existing=True))}  # read after the lock: statuses as they are now
    approved = skipped = 0
    outcomes = []
    # Rows are written in one flush at the end, not one by one (measured: 5,000 approvals 26 s -> see RESULTS).
    with db.session.no_autoflush:
        for number, registration_id in enumerate(wanted, 1):
            registration = rows.get(registration_id)
            if registration is None or registration.status not in SUGGESTED:
                skipped += 1
                outcomes.append((registration, registration_id, "decided", ()))
            else:
                try:
                    _approve_locked(context, registration, actor=actor, override_reason=None, flush=False)
                    approved += 1
                    outcomes.append((registration, registration_id, "approved", ()))
                except RuleViolation as refused:
                    skipped += 1
                    outcomes.append((registration, registration_id, "refused", refused.check.violations))
            if progress is not None:
                progress(number, len(wanted))
    link_status_audits()
    record("balance.accept_suggestion", actor=actor, meeting=meeting, approved=approved, skipped=skipped)
    return {"approved": approved, "skipped": skipped, "outcomes": outcomes}


# --- the review queue ---------------------------------------------------------------------------------------------

#: the queue's sort keys (the first is the default); each sorts ties by submission, then id, so pages never overlap
SORTS = ("submitted", "name", "country", "organisation")


@dataclass(frozen=True)
class QueueFilters:
    """What the organiser asked the queue for; values are checked by the view's form before they get here."""

    status: RegistrationStatus = S.pending
    region: str = ""
    gender: str = ""
    category: str = ""
    delegation: int | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None
    search: str = ""
    sort: str = "submitted"
    descending: bool = False


@dataclass
class QueuePage:
    """One page of the queue: its rows (registration, check, region), how many match in all, and the page numbers."""

    rows: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        return min(self.total, self.page * self.per_page)


def folded(text: str | None) -> str:
    """Text for accent- and case-insensitive matching in any script: NFKD without combining marks, case-folded."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _matching_ids(query, search: str, country_names: dict[str, str]) -> list[int]:
    """Ids of the filtered registrations whose name, email, organisation or country contains the search text.

    Matched in Python on a few columns: SQLite and PostgreSQL fold accents differently (or not at all), and a
    meeting has thousands of registrations, not millions."""
    needle = folded(search.strip())
    columns = query.with_only_columns(Registration.id, Registration.given_name, Registration.family_name,
                                      Registration.badge_name, Registration.email, Registration.organisation,
                                      Registration.represented_country).order_by(None)
    countries = {code for code, name in country_names.items() if needle in folded(name)}
    return [row[0] for row in db.session.execute(columns)
            if row[6] in countries or row[6].casefold() == needle
            or any(needle in folded(value) for value in row[1:6])]


def _queue_query(meeting: Meeting, filters: QueueFilters, regions: dict[str, str]):
    query = select(Registration).where(Registration.meeting_id == meeting.id, Registration.status == filters.status)
    if filters.region:
        codes = [c for c, r in regions.items() if r == filters.region]
        query = query.where(Registration.represented_country.not_in(list(regions)) if filters.region == UNASSIGNED
                            else Registration.represented_country.in_(codes))
    if filters.gender:
        query = query.where(Registration.gender == filters.gender)
    if filters.category:
        query = query.where(Registration.category_id.in_(select(Category.id).where(
            Category.meeting_id == meeting.id, Category.code == filters.category)))
    if filters.delegation is not None:
        query = query.where(Registration.delegation_id == filters.delegation)
    if filters.submitted_from:
        query = query.where(Registration.submitted_at >= filters.submitted_from)
    if filters.submitted_to:
        query = query.where(Registration.submitted_at < filters.submitted_to)
    return query


def _order(filters: QueueFilters) -> list:
    keys = {"submitted": [Registration.submitted_at],
            "name": [func.lower(Registration.family_name), func.lower(Registration.given_name)],
            "country": [Registration.represented_country],
            "organisation": [func.lower(Registration.organisation)]}[filters.sort]
    keys = [k.desc() if filters.descending else k for k in keys]
    return [*keys, Registration.submitted_at, Registration.id]


def review_queue(meeting: Meeting, filters: QueueFilters = QueueFilters(), *, page: int = 1, per_page: int = 50,
                 country_names: dict[str, str] | None = None) -> QueuePage:
    """One page of the registrations to review, with, for each, what approving it now would do to every rule.

    `total` counts every registration the filters match, so that a header never claims a page is all there is."""
    regions = region_map(meeting.region_scheme_id)
    query = _queue_query(meeting, filters, regions)
    if filters.search.strip():
        query = select(Registration).where(Registration.id.in_(
            _matching_ids(query, filters.search, country_names or {}) or [-1]))
    total = db.session.scalar(query.with_only_columns(func.count()).order_by(None))
    page = max(1, min(page, -(-total // per_page) or 1))
    rows = db.session.scalars(query.order_by(*_order(filters)).offset((page - 1) * per_page).limit(per_page)).all()
    policy, counts = build_policy(meeting), current_counts(meeting)
    checked = []
    for registration in rows:
        check = engine.check_approval(policy, counts, candidate_for(registration, regions))
        if extra := _note_verbale_finding(registration):
            check = engine.Check((*check.findings, extra))
        checked.append((registration, check, region_of(regions, registration.represented_country)))
    return QueuePage(checked, total, page, per_page)
