"""pandas DataFrames for each report, from the rows of queries.py: one frame per table, typed for XLSX.

Counts are ints, days are dates and times are the meeting's wall-clock datetimes (naive, as spreadsheets want them),
so that an XLSX cell is a number or a date, never text that looks like one.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import pandas as pd
from flask_babel import get_locale
from flask_babel import gettext as _

from ..balance.dashboard import GENDERS, build_dashboard
from ..balance.services import group_tally
from ..checkin.services import meeting_days
from ..delegations import services as delegations
from ..i18n_text import as_cell, default_language_of, pick, reader_language
from ..meetings.models import Meeting
from ..names import Purpose, collation_key, render_name, sort_key
from ..reference.services import country_name, region_map, region_of
from . import queries
from .labels import group_label


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to; None means all."""

    day: date | None = None
    session: int | None = None
    region: str | None = None
    category: str | None = None

    def as_params(self) -> dict:
        """JSON-safe (for job params and the audit log: no personal data in here)."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(self).items() if v is not None}

    def describe(self, meeting: Meeting) -> list[tuple[str, str]]:
        """(filter, value) as people read them, for a report's heading: a session by its title, a category by name."""
        names = {"day": _("day"), "session": _("session"), "region": _("region"), "category": _("category")}
        values = {"session": {row[0]: session_title(meeting, row[1], row[5]) for row in queries.sessions(meeting)}.get(
            self.session, self.session),
                  "category": next((c.label for c in meeting.categories if c.code == self.category), self.category)}
        return [(names[key], str(values.get(key, value))) for key, value in self.as_params().items()]

    @classmethod
    def from_params(cls, params: dict) -> "Filters":
        day = params.get("day")
        return cls(day=date.fromisoformat(day) if day else None, session=params.get("session"),
                   region=params.get("region"), category=params.get("category"))


def _local(meeting: Meeting, moment):
    # to the second: a check-in's microseconds are noise in a report
    return moment.astimezone(meeting.tz).replace(tzinfo=None, microsecond=0) if moment is not None else None


def _people(meeting: Meeting, filters: Filters, regions: dict) -> list[dict]:
    """Approved people with their region, narrowed by the region and category filters."""
    out, categories = [], {c.code: c.label for c in meeting.categories}  # named in the reader's language
    for person in queries.people(meeting):
        person["region"] = region_of(regions, person["represented_country"])
        person["category_name"] = categories.get(person["category_code"], person["category_name"])
        if filters.region and person["region"] != filters.region:
            continue
        if filters.category and person["category_code"] != filters.category:
            continue
        out.append(person)
    return out


def _name(person) -> str:
    """A person's name for lists (names.render_name): a row (a dict), a registration or an invitation."""
    return render_name(person, Purpose.list)


def _reader_locale() -> str:
    return str(get_locale() or "en")


def _by_name(people):
    """People sorted by family name, then given name, as the reader's language collates them."""
    locale = _reader_locale()
    return sorted(people, key=lambda p: sort_key(p, locale))


def _rate(attended: int, approved: int) -> float:
    return round(100 * attended / approved, 1) if approved else 0.0


# --- attendance ------------------------------------------------------------------------------------------------------

def attendance_frames(meeting: Meeting, filters: Filters) -> dict[str, pd.DataFrame]:
    """Who came to each list (a meeting day or a session), who did not, the rate, and totals by group.

    No-shows of a day are the approved people not checked in that day; of a session, those who took a place in it
    (signed up) and were not checked in there. Sessions without sign-ups have no no-shows, only who came.
    """
    regions = region_map(meeting.region_scheme_id)
    people = {p["id"]: p for p in _people(meeting, filters, regions)}
    sessions = {row[0]: row for row in queries.sessions(meeting)}
    days = [d for d in meeting_days(meeting) if filters.day in (None, d)]

    came = defaultdict(dict)  # (day, session id) -> registration id -> first check-in
    for registration_id, day, session_id, first in queries.first_check_ins(meeting, day=filters.day,
                                                                         session_id=filters.session):
        if registration_id in people:
            came[(day, session_id)][registration_id] = first
    signed_up = defaultdict(set)  # session id -> registration ids with a place
    for session_id, registration_id in queries.signups(meeting, filters.session):
        if registration_id in people:
            signed_up[session_id].add(registration_id)
    session_lists = {k for k in came if k[1] is not None}
    for session_id in signed_up:
        day = _local(meeting, sessions[session_id][2]).date()
        if filters.day in (None, day) and not any(k[1] == session_id for k in session_lists):
            session_lists.add((day, session_id))
    session_labels = _session_labels(meeting, sessions)
    lists = [] if filters.session else [(d, None) for d in days]
    lists += sorted(session_lists, key=lambda k: (sessions[k[1]][2], k[1]))

    attended_rows, no_show_rows, rate_rows, total_rows = [], [], [], []
    by_name = _by_name(people.values())
    rank = {p["id"]: n for n, p in enumerate(by_name)}
    for day, session_id in lists:
        here = came.get((day, session_id), {})
        label = session_labels[session_id] if session_id else _("Meeting day")
        for rid, first in sorted(here.items(), key=lambda item: rank[item[0]]):
            attended_rows.append({"day": day, "list": label, **_columns(people[rid]),
                                  "first check-in": _local(meeting, first)})
        expected = set(people) if session_id is None else signed_up.get(session_id, set())
        has_no_shows = session_id is None or bool(expected)  # a session nobody signed up for has none
        missed = [p for p in by_name if p["id"] in expected and p["id"] not in here]
        no_show_rows += [{"day": day, "list": label, **_columns(p)} for p in missed]
        rate_rows.append({"day": day, "list": label, "approved": len(people),
                          "signed up": len(expected) if session_id is not None and expected else None,
                          "attended": len(here), "no-shows": len(missed) if has_no_shows else None,
                          "rate %": _rate(len(here), len(people))})
        if session_id is None:
            total_rows += _group_totals(day, people, here)

    person_columns = ["name", "country", "region", "gender", "category"]
    return {
        # "registration" tells apart two people of the same name and country (the PDF's register keys on it)
        "Attended": pd.DataFrame(attended_rows, columns=["day", "list", *person_columns, "first check-in",
                                                         "registration"]),
        "No-shows": pd.DataFrame(no_show_rows, columns=["day", "list", *person_columns, "registration"]),
        "Rates": pd.DataFrame(rate_rows, columns=["day", "list", "approved", "signed up", "attended", "no-shows",
                                                  "rate %"]).astype({"signed up": "Int64", "no-shows": "Int64"}),
        "Totals": pd.DataFrame(total_rows, columns=["day", "dimension", "value", "approved", "attended",
                                                    "rate %"]),
    }


def session_title(meeting: Meeting, title: str, translations: dict | None) -> str:
    """A session's title in the reader's language, else the meeting's default language's."""
    return as_cell(pick(title, translations, reader_language(), default_language_of(meeting)))


def _session_labels(meeting: Meeting, sessions: dict) -> dict[int, str]:
    """A session's name in the lists: its title, with its start time when another session of the day has it too."""
    starts = {i: _local(meeting, row[2]) for i, row in sessions.items()}
    titles = {i: session_title(meeting, row[1], row[5]) for i, row in sessions.items()}
    taken = defaultdict(int)
    for i in sessions:
        taken[(starts[i].date(), titles[i])] += 1
    return {i: titles[i] if taken[(starts[i].date(), titles[i])] == 1 else f"{titles[i]} ({starts[i]:%H:%M})"
            for i in sessions}


def _columns(person: dict) -> dict:
    """A person as the attendance lists show them."""
    return {"name": _name(person), "country": person["represented_country"], "region": person["region"],
            "gender": person["gender"].value, "category": person["category_name"], "registration": person["id"]}


def _group_totals(day, people: dict, here: dict) -> list[dict]:
    rows = []
    for dimension, key in (("region", "region"), ("gender", "gender"), ("category", "category_name")):
        approved, attended = defaultdict(int), defaultdict(int)
        for p in people.values():
            value = p[key].value if hasattr(p[key], "value") else (p[key] or "—")
            approved[value] += 1
            attended[value] += p["id"] in here
        for value in sorted(approved):
            rows.append({"day": day, "dimension": dimension, "value": value, "approved": approved[value],
                         "attended": attended[value], "rate %": _rate(attended[value], approved[value])})
    return rows


# --- balance ---------------------------------------------------------------------------------------------------------

def balance_data(meeting: Meeting) -> dict:
    """Figures for the balance report: the dashboard's plus who actually came, and previous editions."""
    board = build_dashboard(meeting)
    regions = region_map(meeting.region_scheme_id)
    cube = defaultdict(lambda: {"approved": 0, "attended": 0})
    for _status, region, gender, code, counts, n in group_tally(meeting):
        cube[(region, gender.value, code or "—", bool(counts))]["approved"] += n
    for country, gender, code, counts, n in queries.attended_tally(meeting):
        cube[(region_of(regions, country), gender.value, code or "—", bool(counts))]["attended"] += n
    editions = []
    for edition in board.editions:
        m = edition["meeting"]
        attended = sum(row[-1] for row in queries.attended_tally(m))
        editions.append({**edition, "title": m.title, "year": m.starts_on.year, "attended": attended,
                         "attended_rate": _rate(attended, edition["approved"])})
    names = {c.code: c.label for c in meeting.categories}
    # Every group that has people, policy or not; the policy's cap is drawn where there is one.
    caps = {(b["dimension"], b["value"]): b for b in board.bounds}
    groups = defaultdict(lambda: {"approved": 0, "attended": 0})
    for (region, gender, code, counts), v in cube.items():
        if counts:
            for key in (("region", region), ("gender", gender), ("category", code)):
                groups[key]["approved"] += v["approved"]
                groups[key]["attended"] += v["attended"]
    for key in caps:
        groups[key]  # a bounded group with nobody still gets its bar
    charts = defaultdict(list)
    for (dimension, value), v in sorted(groups.items()):
        bound = caps.get((dimension, value), {})
        label = bound.get("label") or (names.get(value, value) if dimension == "category"
                                       else group_label(dimension, value))
        charts[dimension].append({"label": label, "max": bound.get("max"), **v})
    return {"board": board, "cube": cube, "editions": editions, "charts": dict(charts)}


def balance_frames(meeting: Meeting, filters: Filters, data: dict | None = None) -> dict[str, pd.DataFrame]:
    """Counts only (no personal data): region x gender x category, bounds against the policy, editions."""
    data = data or balance_data(meeting)
    board, cube = data["board"], data["cube"]
    names = {c.code: c.label for c in meeting.categories}
    rgc = pd.DataFrame([{"region": r, "gender": g, "category": names.get(c, c), "counts toward balance": counts,
                         **v} for (r, g, c, counts), v in sorted(cube.items())],
                       columns=["region", "gender", "category", "counts toward balance", "approved", "attended"])
    counting = rgc[rgc["counts toward balance"]]
    rg = (counting.groupby(["region", "gender"], as_index=False)[["approved", "attended"]].sum()
          if len(counting) else pd.DataFrame(columns=["region", "gender", "approved", "attended"]))
    attended_by = _attended_by_bound(cube, names)
    bounds = pd.DataFrame([{"dimension": b["dimension"], "group": b["label"], "minimum": b["min"],
                            "maximum": b["max"], "approved": b["approved"],
                            "attended": attended_by.get((b["dimension"], b["value"]), 0),
                            "share of capacity %": b["share"], "state": b["state"]} for b in board.bounds],
                          columns=["dimension", "group", "minimum", "maximum", "approved", "attended",
                                   "share of capacity %", "state"]).astype({"minimum": "Int64", "maximum": "Int64"})
    editions = pd.DataFrame([{"edition": e["title"], "year": e["year"], "capacity": e["capacity"],
                              "approved": e["approved"], "attended": e["attended"],
                              "attended %": e["attended_rate"],
                              **{f"counted for balance: {g}": e["genders"][g] for g in GENDERS},
                              "women %": e["women_share"]}
                             for e in data["editions"]])
    return {"Region x gender x category": rgc, "Region x gender": rg, "Against the policy": bounds,
            "Editions": editions}


def _attended_by_bound(cube, names) -> dict:
    out = defaultdict(int)
    for (region, gender, code, counts), v in cube.items():
        if counts:
            out[("region", region)] += v["attended"]
            out[("gender", gender)] += v["attended"]
            out[("category", code)] += v["attended"]
    return out


# --- lists -----------------------------------------------------------------------------------------------------------

def public_list_frames(meeting: Meeting, filters: Filters) -> dict[str, pd.DataFrame]:
    """Approved people who agreed to be listed publicly: name, organisation and country only."""
    rows = [{"name": _name(p), "organisation": p["organisation"], "country": country_name(p["represented_country"])}
            for p in _by_name(_people(meeting, filters, region_map(meeting.region_scheme_id)))
            if p["public_listing_consent"]]
    return {"Participants": pd.DataFrame(rows, columns=["name", "organisation", "country"])}


def internal_list_frames(meeting: Meeting, filters: Filters) -> dict[str, pd.DataFrame]:
    """Every approved person, with contact, category and delegation (for organisers only)."""
    rows = [{"name": _name(p), "email": p["email"],
             "organisation": p["organisation"], "position": p["position"], "country": p["represented_country"],
             "region": p["region"], "gender": p["gender"].value, "category": p["category_name"],
             "delegation": p["delegation"] or "", "public listing": p["public_listing_consent"]}
            for p in _by_name(_people(meeting, filters, region_map(meeting.region_scheme_id)))]
    return {"Participants": pd.DataFrame(rows, columns=["name", "email", "organisation",
                                                        "position", "country", "region", "gender", "category",
                                                        "delegation", "public listing"])}


def delegation_frames(meeting: Meeting, filters: Filters) -> dict[str, pd.DataFrame]:
    """Each delegation with its seats and members as its focal point sees them (delegations/services.py): open
    nominations with their invitation's status, registrations with theirs; "seats taken" counts only those that
    hold a seat (not declined, cancelled, withdrawn or expired)."""
    summary, rows = [], []
    locale = _reader_locale()
    for delegation in delegations.list_delegations(meeting):
        members = delegations.list_members(delegation)
        for member in members:
            person = member.registration or member.invitation
            category = member.registration.category if member.registration else None
            rows.append({"delegation": delegation.name, "name": _name(person), "_key": sort_key(person, locale),
                         "category": category.label if category else "", "status": member.status})
        summary.append({"delegation": delegation.name, "kind": delegation.kind.value,
                        "country": delegation.country_code or "", "seats": delegation.seats,
                        "seats taken": delegations.seats_held(members), "members": len(members),
                        "approved": sum(m.status == "approved" for m in members)})
    rows.sort(key=lambda r: (collation_key(r["delegation"], locale), r.pop("_key")))
    return {"Members": pd.DataFrame(rows, columns=["delegation", "name", "category", "status"]),
            "Delegations": pd.DataFrame(summary, columns=["delegation", "kind", "country", "seats", "seats taken",
                                                          "members", "approved"])}


def needs_frames(meeting: Meeting, filters: Filters) -> dict[str, pd.DataFrame]:
    """For the venue and caterer: badge name and needs only, of approved people who stated a need."""
    rows = [{"badge name": p["badge_name"], "dietary": p["dietary"], "accessibility": p["accessibility"]}
            for p in _people(meeting, filters, region_map(meeting.region_scheme_id))
            if p["dietary"].strip() or p["accessibility"].strip()]
    rows.sort(key=lambda r: collation_key(r["badge name"], _reader_locale()))
    return {"Needs": pd.DataFrame(rows, columns=["badge name", "dietary", "accessibility"])}


def visa_frames(meeting: Meeting, filters: Filters) -> dict[str, pd.DataFrame]:
    """Passport data of approved and pending people who asked for a visa letter (organisers; always audited)."""
    rows = [{"name in passport": render_name(v, Purpose.letter), "nationality": v["nationality"],
             "passport number": v["passport_number"], "passport expiry": v["passport_expiry"],
             "date of birth": v["date_of_birth"], "place of birth": v["place_of_birth"], "status": v["status"].value}
            for v in _by_name(queries.visa_requests(meeting))]
    return {"Visa letters": pd.DataFrame(rows, columns=["name in passport", "nationality",
                                                        "passport number", "passport expiry", "date of birth",
                                                        "place of birth", "status"])}


def speaker_frames(meeting: Meeting, filters: Filters) -> dict[str, pd.DataFrame]:
    """Everyone on a panel: name, role, session, its time (meeting's clock) and room, and whether they are coming:
    a registered speaker's registration status ("approved", or "cancelled" for one who is no longer coming), "guest"
    for someone named on the panel without a registration."""
    rows = []
    for name, role, session_id, title, starts, ends, room, organisation, status, titles in queries.speakers(meeting):
        local = _local(meeting, starts)
        if (filters.day and local.date() != filters.day) or (filters.session and filters.session != session_id):
            continue
        rows.append({"name": name, "role": role.value, "organisation": organisation or "",
                     "status": status.value if status else _("guest"), "session": session_title(meeting, title, titles),
                     "starts": local,
                     "ends": _local(meeting, ends), "room": room or ""})
    return {"Speakers": pd.DataFrame(rows, columns=["name", "role", "organisation", "status", "session", "starts",
                                                    "ends", "room"])}
