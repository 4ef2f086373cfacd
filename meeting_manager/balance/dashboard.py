"""The balance dashboard's figures: one grouped query per meeting, shaped into tables the page, PDF and exports share.

Seats are counted against capacity (DESIGN.md); shares are shown beside them. Approved counting registrations fill
the bounds; pending and waitlisted ones are shown beside them as what could still come.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..delegations.models import Delegation
from ..extensions import db
from ..meetings.models import Meeting
from ..registration.models import Gender, Registration, RegistrationStatus
from . import engine
from .policy import CATEGORY, GENDER, REGION, UNDISCLOSED
from .services import build_policy, current_counts, get_policy_row, group_tally
from .wording import group_name

S = RegistrationStatus
SHOWN = (S.approved, S.pending, S.waitlisted)
GENDERS = [g.value for g in Gender]


@dataclass
class Dashboard:
    meeting: Meeting
    capacity: int
    approved_total: int
    #: region -> gender -> status -> n (counting categories only)
    grid: dict = field(default_factory=dict)
    regions: list[str] = field(default_factory=list)
    #: one row per bound: dimension, value, label, approved, pending, waitlisted, min, max, headroom, share
    bounds: list[dict] = field(default_factory=list)
    categories: list[dict] = field(default_factory=list)
    mix_breakers: list[dict] = field(default_factory=list)
    over_time: list[dict] = field(default_factory=list)
    editions: list[dict] = field(default_factory=list)
    reservations_active: bool = True
    #: a policy was saved (it may still set no bounds); `reserves`: some minimum holds seats back right now
    has_policy: bool = False
    reserves: bool = False
    has_minimums: bool = False


def _share(n: int, capacity: int) -> float:
    return round(100 * n / capacity, 1) if capacity else 0.0


def _tallies(meeting: Meeting):
    """(region, gender, category code, counts?, status) -> n for the shown statuses, from one grouped query."""
    tally = defaultdict(int)
    for status, region, gender, code, counts, n in group_tally(meeting, SHOWN):
        tally[(region, gender.value, code, bool(counts), status)] += n
    return tally


def _grid(tally) -> tuple[dict, list[str]]:
    grid = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for (region, gender, _code, counts, status), n in tally.items():
        if counts:
            grid[region][gender][status.value] += n
    return grid, sorted(grid)


def _by(tally, dimension: str) -> dict[str, dict[str, int]]:
    index = {REGION: 0, GENDER: 1, CATEGORY: 2}[dimension]
    out = defaultdict(lambda: defaultdict(int))
    for key, n in tally.items():
        if key[3]:
            out[key[index]][key[4].value] += n
    return out


def _bound_rows(meeting, policy, counts, tally, labels) -> list[dict]:
    room = engine.headroom(policy, counts)
    rows = []
    for bound in policy.bounds:
        by_status = _by(tally, bound.dimension).get(bound.value, {})
        approved = counts.group(*bound.key)
        rows.append({
            "dimension": bound.dimension, "value": bound.value, "label": group_name(labels, *bound.key),
            "approved": approved, "pending": by_status.get("pending", 0), "waitlisted": by_status.get("waitlisted", 0),
            "min": bound.min_seats, "max": bound.max_seats, "headroom": room[bound.key],
            "share": _share(approved, meeting.capacity),
            "state": "over" if bound.max_seats is not None and approved > bound.max_seats else
                     "full" if bound.max_seats is not None and approved == bound.max_seats else
                     "short" if bound.min_seats and approved < bound.min_seats else "ok",
        })
    return rows


def _category_rows(meeting, tally) -> list[dict]:
    rows = []
    for category in meeting.categories:
        counts = defaultdict(int)
        for (_r, _g, code, _c, status), n in tally.items():
            if code == category.code:
                counts[status.value] += n
        rows.append({"code": category.code, "label": category.label, "counts": category.counts_toward_balance,
                     "approved": counts["approved"], "pending": counts["pending"],
                     "waitlisted": counts["waitlisted"]})
    return rows


def _mix_breakers(meeting, policy, counts) -> list[dict]:
    """Delegations of k or more approved members who all declare one gender (or exceed their seats)."""
    names = dict(db.session.execute(select(Delegation.id, Delegation.name)
                                    .where(Delegation.meeting_id == meeting.id)).all())
    rows = []
    for key, state in counts.delegations.items():
        single = policy.mix_min_size is not None and state.members >= policy.mix_min_size and len(state.declared) == 1
        if single or state.members > state.seats:
            rows.append({"name": names.get(int(key), key), "members": state.members, "seats": state.seats,
                         "genders": {g: n for g, n in state.genders.items() if n},
                         "why": _("single-gender") if single else _("over its seats")})
    return rows


def _over_time(meeting: Meeting) -> list[dict]:
    """Registrations submitted per day, with the running total (grouped in SQL)."""
    day = func.date(Registration.submitted_at)
    rows = db.session.execute(
        select(day, func.count()).where(Registration.meeting_id == meeting.id).group_by(day).order_by(day)
    ).all()
    total, out = 0, []
    for when, n in rows:
        total += n
        # a date cell in XLSX (SQLite's date() gives text, PostgreSQL's a date)
        out.append({"day": when if isinstance(when, date) else date.fromisoformat(str(when)), "submitted": n,
                    "total": total})
    return out


def _edition_row(meeting: Meeting) -> dict:
    counts = current_counts(meeting)
    genders = {g: counts.group(GENDER, g) for g in GENDERS}
    by_region = {key[1]: n for key, n in counts.groups.items() if key[0] == REGION}
    counting = sum(genders.values())
    return {"meeting": meeting, "capacity": meeting.capacity, "approved": counts.total, "genders": genders,
            "regions": by_region, "women_share": _share(genders["woman"], counting),
            "undisclosed": genders[UNDISCLOSED]}


def editions(meeting: Meeting, limit: int = 3) -> list[dict]:
    """This edition and up to `limit` previous ones, newest first."""
    rows, current = [], meeting
    while current is not None and len(rows) <= limit:
        rows.append(_edition_row(current))
        current = current.previous
    return rows


def build_dashboard(meeting: Meeting) -> Dashboard:
    """Every figure of the dashboard, from grouped queries (never every row)."""
    from .services import labels_for

    policy = build_policy(meeting)
    counts = current_counts(meeting)
    tally = _tallies(meeting)
    grid, region_names = _grid(tally)
    labels = labels_for(meeting)
    return Dashboard(
        meeting=meeting, capacity=meeting.capacity, approved_total=counts.total, grid=grid, regions=region_names,
        bounds=_bound_rows(meeting, policy, counts, tally, labels), categories=_category_rows(meeting, tally),
        mix_breakers=_mix_breakers(meeting, policy, counts), over_time=_over_time(meeting),
        editions=editions(meeting), reservations_active=policy.reservations_active,
        has_policy=get_policy_row(meeting) is not None, reserves=policy.reserves,
        has_minimums=any(b.min_seats for b in policy.bounds),
    )


def dashboard_frames(board: Dashboard) -> dict[str, pd.DataFrame]:
    """The dashboard's tables for CSV/XLSX export (no personal data: counts only)."""
    grid = pd.DataFrame([
        {"region": region, "gender": gender, **{s.value: board.grid[region][gender].get(s.value, 0) for s in SHOWN}}
        for region in board.regions for gender in GENDERS
    ], columns=["region", "gender", "approved", "pending", "waitlisted"])
    bounds = pd.DataFrame([{k: row[k] for k in ("dimension", "label", "approved", "pending", "waitlisted", "min",
                                                 "max", "headroom", "share")} for row in board.bounds],
                          columns=["dimension", "label", "approved", "pending", "waitlisted", "min", "max", "headroom",
                                   "share"]).astype({"min": "Int64", "max": "Int64"})
    categories = pd.DataFrame(board.categories,
                              columns=["code", "label", "counts", "approved", "pending", "waitlisted"])
    editions_frame = pd.DataFrame([{"edition": e["meeting"].title, "capacity": e["capacity"], "approved": e["approved"],
                                    **{f"counted for balance: {g}": n for g, n in e["genders"].items()},
                                    "women %": e["women_share"]}
                                   for e in board.editions])
    return {"Region x gender": grid, "Bounds": bounds, "Categories": categories,
            "Registrations over time": pd.DataFrame(board.over_time, columns=["day", "submitted", "total"]),
            "Editions": editions_frame}
