"""Demo balance policy: bounds drawn around the demo's own numbers, so that the dashboard tells a story at first
sight — two regions nearly at their cap, a reservation not yet met, and one State delegation of men only."""
from sqlalchemy import select

from ..balance.models import BoundUnit, DecisionMode
from ..balance.services import current_counts, save_policy
from ..delegations.models import Delegation, DelegationKind
from ..extensions import db
from ..registration.models import Gender, Registration, RegistrationStatus

NEARLY_FULL = ("Western European and Others States", "Latin American and Caribbean States")


def _all_men_delegation(meeting) -> None:
    """Make one State delegation three approved men, so that the mix rule has something to show."""
    delegation = db.session.scalar(select(Delegation).where(Delegation.meeting_id == meeting.id,
                                                            Delegation.kind == DelegationKind.state)
                                   .order_by(Delegation.id))
    if delegation is None:
        return
    delegation.seats = max(delegation.seats, 4)
    members = list(db.session.scalars(select(Registration).where(Registration.delegation_id == delegation.id)))
    for member in members[:3]:
        member.gender, member.status = Gender.man, RegistrationStatus.approved
    db.session.flush()


def add_demo_policy(meeting, organiser, rng) -> None:
    _all_men_delegation(meeting)
    counts = current_counts(meeting)
    bounds = []
    for (dimension, value), approved in sorted(counts.groups.items()):
        if dimension != "region" or value == "unassigned":
            continue
        room = rng.randint(1, 3) if value in NEARLY_FULL else rng.randint(15, 30)
        cap = approved + room
        minimum = min(approved + 12, 40) if value == "African States" else 25
        bounds.append({"dimension": "region", "value": value, "unit": BoundUnit.seats,
                       "minimum": min(minimum, cap), "maximum": cap})
    bounds += [{"dimension": "gender", "value": g, "unit": BoundUnit.percent, "minimum": None, "maximum": 60}
               for g in ("woman", "man")]
    bounds.append({"dimension": "category", "value": "state", "unit": BoundUnit.percent, "minimum": 20,
                   "maximum": 40})
    save_policy(meeting, {"decision_mode": DecisionMode.manual, "mix_min_size": 3, "mix_is_violation": False},
                bounds, actor=organiser)
